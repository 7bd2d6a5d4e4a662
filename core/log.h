/* rlc core: timing, the progress line and CSV metric files.
 *
 * metrics.csv and eval.csv hold only values that depend on the config and seed, never on the
 * clock, so two runs with the same seed write identical files; wall-clock figures go to the
 * progress line and to timing.csv. Rows are written as they come (no buffering), so a killed run
 * keeps every row it logged, and a file holds whole rows only, even when a write fails. */
#ifndef RLC_CORE_LOG_H
#define RLC_CORE_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

/* Monotonic seconds. */
double rl_now(void);

#define RL_CSV_MAX_COLS 32

/* A CSV file rows are appended to. A row reaches the file whole or not at all: when a write fails
 * (a full disk: ENOSPC, the file size limit: EFBIG, an I/O error), what reached the file of that
 * row is cut away again, the row is refused with a message naming the file and the error, and
 * the file takes no more rows. A zeroed rl_csv is closed. */
typedef struct {
    int fd;
    bool open;          /* rows are written (a closed file drops them) */
    int n_cols;
    int64_t end;        /* bytes of the header and the whole rows: where the next row goes */
    int err_no;         /* the errno of the write that failed; 0 while none has */
    int cut_errno;      /* the errno of cutting that row away; 0 when it was cut */
    char path[512];
} rl_csv;

/* Opens path for writing with the given header. append: keep existing rows (the header must
 * match, else RL_ERR_FORMAT); otherwise the file is created anew. */
rl_status rl_csv_open(rl_csv *c, const char *path, const char *const *cols, int n_cols,
                      bool append, char *err, size_t err_sz);
/* Appends one row of n_cols values (integral values print without a fraction) with one write.
 * RL_OK on a closed file; RL_ERR_IO when the row could not be written, now or at an earlier row. */
rl_status rl_csv_row(rl_csv *c, const double *vals, char *err, size_t err_sz);
void rl_csv_close(rl_csv *c);   /* NULL-safe */
/* Keeps the header and the rows whose first column is <= max_step (used when a run resumes
 * from a checkpoint taken at max_step), dropping any row that is not whole (no final newline, or
 * not the header's column count). Rewrites the file atomically: on an error (a full disk) the
 * file is as it was. A missing file is not an error. */
rl_status rl_csv_truncate_after(const char *path, double max_step, char *err, size_t err_sz);
/* Like rl_csv_truncate_after, keeping at most max_rows rows (max_rows < 0: no limit), and
 * writes the first column of the last row kept to *last_step (-1 when none; may be NULL). */
rl_status rl_csv_truncate(const char *path, double max_step, int64_t max_rows, double *last_step,
                          char *err, size_t err_sz);

/* The one-line progress display: on a terminal it is redrawn in place, otherwise one line per
 * call. mean_return may be NAN (no episode finished yet). */
void rl_progress_print(FILE *out, int64_t step, int64_t total, double sps, double mean_return,
                       double elapsed, bool final);

/* The progress line with its extras: the last evaluation return and up to two losses. */
#define RL_PROGRESS_MAX_LOSSES 2
typedef struct {
    int64_t step, total;
    double sps;                 /* steps per second of this invocation */
    double mean_return;         /* recent training episodes; NAN: none yet */
    double eval_return;         /* the last evaluation; NAN: none yet */
    const char *loss_names[RL_PROGRESS_MAX_LOSSES];
    double losses[RL_PROGRESS_MAX_LOSSES];   /* NAN: no update yet */
    int n_losses;
    double elapsed, remaining;  /* seconds; remaining NAN: not known yet */
    bool final;
} rl_progress;

void rl_progress_show(FILE *out, const rl_progress *p);

/* The time left, estimated at the speed of the learning phase. Off-policy agents take their
 * first learning_starts steps without updates, several times faster than the rest, so a rate
 * averaged from the start promises too early an end; the rate here is measured from the first
 * step that updated (rl_eta_learning). */
typedef struct {
    bool learning;          /* an update has happened */
    int64_t phase_step;     /* the step of the first update */
    double phase_t;         /* rl_now() then */
} rl_eta;

void rl_eta_init(rl_eta *e);
/* Marks an update at step (time t); only the first call counts. */
void rl_eta_learning(rl_eta *e, int64_t step, double t);
/* Seconds to reach total from step at time t: NAN before any update, or before the learning
 * phase has lasted any time or steps. */
double rl_eta_remaining(const rl_eta *e, int64_t step, int64_t total, double t);

#endif
