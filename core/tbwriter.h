/* rlc core: TensorBoard event files, written and read back natively.
 *
 * An events file is a sequence of records, each
 *   uint64 length (little-endian) | uint32 masked CRC32C of those 8 bytes |
 *   payload (length bytes: one Event message, core/tbevent.proto) | uint32 masked CRC32C of the payload
 * where masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8. The first record of a file is an Event
 * whose file_version is "brain.Event:2". TensorBoard reads every events.out.tfevents.* file of a
 * directory and merges them by step. The Event messages are encoded with libprotobuf-c; nothing in
 * this header depends on it. */
#ifndef RLC_CORE_TBWRITER_H
#define RLC_CORE_TBWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

#define RL_TB_FILE_VERSION "brain.Event:2"
#define RL_TB_FILE_PREFIX "events.out.tfevents."
/* the largest record the reader accepts (a corrupt length cannot make it allocate more) */
#define RL_TB_MAX_RECORD (64u << 20)

/* CRC-32C (Castagnoli, reflected polynomial 0x82f63b78) of n bytes; crc: 0 to start, or the
 * result over the bytes before, to continue. rl_crc32c(0, "123456789", 9) == 0xe3069283. */
uint32_t rl_crc32c(uint32_t crc, const void *data, size_t n);
/* The masking TensorFlow's record files apply to a stored CRC. */
uint32_t rl_crc32c_mask(uint32_t crc);

/* A writer buffers whole records and appends them to the file (rl_tb_flush, or when 64 KiB are
 * waiting). When a write fails (a full disk: ENOSPC, the file size limit: EFBIG, an I/O error),
 * what reached the file of those records is cut away again, so that the file holds whole records
 * only and reads to its end; the writer then writes nothing more, and rl_tb_error says what
 * happened. */
typedef struct {
    int fd;
    bool open;          /* false when closed, and after a write error */
    char path[1100];
    uint8_t *buf;       /* the whole records not written yet; grown only by a large text */
    size_t len, cap;
    int64_t end;        /* bytes of whole records in the file */
    rl_status failed;   /* the first write error; nothing more is written after it */
    int err_no;         /* its errno (RL_ERR_IO) */
    int cut_errno;      /* the errno of cutting the file back to its whole records; 0 when it was */
} rl_tb_writer;

/* Creates dir/events.out.tfevents.<unix seconds>.<host name> (with a suffix .1, .2, ... when
 * that file exists: a file is never appended to) and writes the file_version record. */
rl_status rl_tb_open(rl_tb_writer *w, const char *dir, char *err, size_t err_sz);
/* One Event at step holding n scalar values (tag[i], value[i]); non-finite values are left out,
 * and nothing is written when none is left. Allocates nothing. Returns the writer's status. */
rl_status rl_tb_scalars(rl_tb_writer *w, int64_t step, const char *const *tags, const double *values, int n);
/* Writes the buffered records to the file. Returns the writer's status. */
rl_status rl_tb_flush(rl_tb_writer *w);
/* A text summary (TensorBoard's text plugin renders it as Markdown); flushed. */
rl_status rl_tb_text(rl_tb_writer *w, int64_t step, const char *tag, const char *markdown);
/* A SessionLog START at step: TensorBoard drops what earlier files logged at steps >= step, so a
 * run resumed from a checkpoint continues its curves from there. Flushed. */
rl_status rl_tb_session_start(rl_tb_writer *w, int64_t step);
/* The writer's status, with a message naming the file and the error when a write failed. */
rl_status rl_tb_error(const rl_tb_writer *w, char *err, size_t err_sz);
/* Flushes and closes; NULL-safe; safe on a writer never opened (zeroed). */
void rl_tb_close(rl_tb_writer *w);

/* Reads a file back record by record, checking both CRCs of every record. */
typedef struct {
    FILE *fp;
    char path[1100];
    uint8_t *buf;
    size_t cap;
    int64_t n_read;     /* records read so far */
} rl_tb_reader;

rl_status rl_tb_reader_open(rl_tb_reader *r, const char *path, char *err, size_t err_sz);
/* The next record's payload (valid until the next call): RL_OK, RL_ERR_NOT_FOUND at the end of
 * the file, RL_ERR_FORMAT for a truncated record, a CRC mismatch or a length above
 * RL_TB_MAX_RECORD (the message names the file, the record's index and its offset). */
rl_status rl_tb_read(rl_tb_reader *r, const uint8_t **payload, size_t *len, char *err, size_t err_sz);
void rl_tb_reader_close(rl_tb_reader *r);   /* NULL-safe */

#endif
