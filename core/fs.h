/* rlc core: the few file-system operations run directories need. */
#ifndef RLC_CORE_FS_H
#define RLC_CORE_FS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

/* mkdir -p: creates path and its missing parents; an existing directory is fine. */
rl_status rl_mkdir_p(const char *path, char *err, size_t err_sz);
int rl_path_exists(const char *path);
int rl_is_dir(const char *path);
int rl_is_file(const char *path);
/* Opens path for reading, for every reader of a run directory's files (checkpoints, replay
 * buffers, reward models, CSVs): anything but a regular file is refused without blocking, as
 * RL_ERR_IO "PATH: not a regular file (a FIFO)" (or a directory, a device, a socket). The open
 * uses O_NONBLOCK, so a FIFO without a writer cannot hang the process; fstat decides; the flag is
 * then cleared. *fd gets the descriptor (close-on-exec); size, when not NULL, the file's size.
 * A missing file is RL_ERR_IO "PATH: cannot open: No such file or directory" (errno is kept). */
rl_status rl_open_regular(const char *path, int *fd, int64_t *size, char *err, size_t err_sz);
/* The same as a stdio stream opened "rb". */
rl_status rl_fopen_regular(const char *path, FILE **fp, char *err, size_t err_sz);
/* "a FIFO", "a directory", ... for a st_mode that is not a regular file's; "a regular file". */
const char *rl_file_kind(unsigned mode);

/* Writes text to path atomically and durably: "<path>.tmp" is written and fsync'ed, renamed over
 * path, then the directory is fsync'ed. An existing file at path is untouched on any error. */
rl_status rl_write_atomic(const char *path, const char *text, char *err, size_t err_sz);

/* Appends n bytes to the file of fd (opened with O_APPEND) whose first *end bytes are whole
 * rows or records: all of them, or none. On success *end grows by n and 0 is returned. When a
 * write fails part way (a full disk: ENOSPC, the file size limit: EFBIG, EIO), the file is cut
 * back to *end bytes and the write's errno is returned; *cut_errno is the errno of a failed cut
 * (0 when the file was cut back). The caller ignores SIGXFSZ, or the size limit kills it. */
int rl_append_whole(int fd, const void *buf, size_t n, int64_t *end, int *cut_errno);

/* An exclusive lock on a directory: flock(LOCK_EX) on <dir>/RL_DIR_LOCK_FILE, which holds the
 * holder's pid as text while it is held. The lock belongs to the open file, so it is released by
 * rl_dir_lock_release, by exit and by any kill (kill -9 included); the file itself stays. Linux
 * emulates flock over NFS with fcntl locks. */
#define RL_DIR_LOCK_FILE "run.lock"
typedef struct {
    int fd;   /* -1 when not held */
} rl_dir_lock;

/* Takes the lock without waiting. dir must exist. When another process holds it, returns
 * RL_ERR_BUSY with a message naming dir and the holder's pid. */
rl_status rl_dir_lock_take(rl_dir_lock *lock, const char *dir, char *err, size_t err_sz);
/* Empties the pid and releases; NULL-safe and safe on a lock not held. */
void rl_dir_lock_release(rl_dir_lock *lock);
/* The pid written in dir's lock file (0 when none or unreadable). Says nothing on whether the
 * lock is held: for messages. */
long rl_dir_lock_pid(const char *dir);

#endif
