/* rlc train: what lets a user watch a run while it trains and keep its best policy.
 *
 * - TensorBoard (log.tensorboard, on by default): each `rlc train` invocation writes one
 *   events.out.tfevents.<time>.<host> file in the run directory (core/tbwriter.h) holding
 *     train/<column>        every metrics.csv column but step, at each log_interval
 *     time/steps_per_s      as in timing.csv
 *     train/learning_rate   (or train/actor_lr and train/critic_lr for SAC) when the agent's
 *                           learning rate is a constant, not already a metrics.csv column
 *     eval/return_mean, eval/return_std    each evaluation (eval.csv)
 *     episode/return, episode/length       each finished training episode (rank 0's under MPI)
 *     config                the resolved config, as text
 *   A resumed run's file starts with a SessionLog START at the checkpoint's step, so TensorBoard
 *   continues the same curves from there instead of keeping what the interrupted run logged later.
 * - The progress line's extras: the last evaluation return, the first two losses among the
 *   agent's statistics, and the time left at the speed of the learning phase (core/log.h rl_eta).
 * - Checkpoints besides checkpoint.safetensors: best.safetensors, saved at each evaluation that
 *   beats every earlier one (its metadata rlc.eval_return holds the return), and the history
 *   checkpoint_<step>.safetensors of the newest log.keep_checkpoints checkpoints. */
#ifndef RLC_TRAIN_TRAINER_WATCH_H
#define RLC_TRAIN_TRAINER_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "agents/agent.h"
#include "core/config.h"
#include "core/log.h"
#include "core/tbwriter.h"

#define TRAINER_BEST_FILE "best.safetensors"
#define TRAINER_WATCH_MAX_TAGS (RL_CSV_MAX_COLS + 1 + AGENT_MAX_RATES)

typedef struct {
    bool tb_on;                 /* an events file is open */
    rl_tb_writer tb;
    int n_tags;                 /* metrics.csv columns after step, then steps/s, then constant rates */
    int n_cols;                 /* metrics.csv columns, step included */
    int n_lr;                   /* constant learning rates */
    double lr[AGENT_MAX_RATES];
    char tags[TRAINER_WATCH_MAX_TAGS][80];
    const char *tag_ptrs[TRAINER_WATCH_MAX_TAGS];
    int n_losses;               /* losses shown on the progress line: metrics.csv columns */
    int loss_col[RL_PROGRESS_MAX_LOSSES];
    const char *loss_names[RL_PROGRESS_MAX_LOSSES];
    rl_eta eta;
    double last_eval;           /* NAN: none yet */
    double best_eval;           /* -INFINITY: no best.safetensors yet */
} trainer_watch;

/* Prepares w for a run whose metrics.csv has the columns cols[0..n_cols) (step first) and opens
 * its events file when cfg->log.tensorboard is set. resume: the run continues at step; the best
 * return so far is read from the run's best.safetensors. Call it on the process that writes the
 * run directory only; a zeroed trainer_watch is inert. */
rl_status trainer_watch_open(trainer_watch *w, const rl_config *cfg, const char *run_dir,
                             const char *const *cols, int n_cols, int64_t step, bool resume,
                             char *err, size_t err_sz);
/* A training episode ended at step. */
void trainer_watch_episode(trainer_watch *w, int64_t step, double ret, double len);
/* The agent updated at step (starts the ETA's learning phase). */
void trainer_watch_learned(trainer_watch *w, int64_t step);
/* A metrics.csv row (row[0] = step) and the speed, at a log_interval. */
void trainer_watch_metrics(trainer_watch *w, const double *row, double sps);
/* The progress line for that row. */
void trainer_watch_progress(const trainer_watch *w, FILE *out, const double *row, int64_t total,
                            double sps, double elapsed, bool final);
/* An evaluation at step; returns true when it beats every earlier one (best.safetensors is due). */
bool trainer_watch_eval(trainer_watch *w, int64_t step, double mean, double std);
/* Writes the records the events file buffers (episodes since the last metrics row). RL_OK, or
 * the error of its first failed write (core/tbwriter.h: the file keeps its whole records and
 * takes no more), with a message naming the file. */
rl_status trainer_watch_flush(trainer_watch *w, char *err, size_t err_sz);
void trainer_watch_close(trainer_watch *w);   /* NULL-safe, and safe on a zeroed one */

/* run_dir/checkpoint_<step>.safetensors */
void trainer_history_path(char *buf, size_t sz, const char *run_dir, int64_t step);
/* Removes all but the keep newest run_dir/checkpoint_<step>.safetensors (by step). */
rl_status trainer_history_prune(const char *run_dir, int64_t keep, char *err, size_t err_sz);

#endif
