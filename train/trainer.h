/* rlc train: the training loop shared by every agent, and evaluation.
 *
 * trainer_run builds the vector env and the agent from a config, trains for total_steps,
 * logs (progress line, metrics.csv, eval.csv, timing.csv), evaluates deterministically on
 * separate env copies every eval_interval steps and at the end, and checkpoints atomically
 * every checkpoint_interval steps, at the end and on SIGINT, SIGTERM, SIGHUP and SIGPIPE; a
 * failed write (a full disk) stops it with every file whole (trainer_run).
 * A run holds an exclusive lock on its directory (core/fs.h) from before its first write there
 * until it returns. trainer_run and trainer_load_agent never load code: a config's env.plugin is
 * loaded only by trainer_prepare_envs, which a caller runs for a config the user named. A run
 * directory holds:
 *   run.lock                  the lock file (the holder's pid while held)
 *   config.yaml               the resolved config
 *   checkpoint.safetensors    weights + training state (+ the resolved config in its metadata)
 *   best.safetensors          the same, at the best evaluation so far (train/trainer_watch.h)
 *   checkpoint_<step>.safetensors   the newest log.keep_checkpoints checkpoints
 *   stopped.txt               why a stop rule ended the run early (train/stopping.h)
 *   events.out.tfevents.*     TensorBoard events, one file per invocation (log.tensorboard)
 *   metrics.csv, eval.csv     deterministic: identical for the same config, seed and threads
 *   timing.csv                wall-clock figures */
#ifndef RLC_TRAIN_TRAINER_H
#define RLC_TRAIN_TRAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "agents/agent.h"
#include "core/config.h"
#include "train/trainer_env.h"   /* trainer_load_agent */

typedef struct {
    const char *run_dir;      /* required */
    bool resume;              /* continue from run_dir/checkpoint.safetensors */
    bool quiet;               /* no progress line */
    FILE *out;                /* progress and summaries; NULL = stdout */
    const char *resume_changes;   /* with resume: text appended to run_dir/resume_changes.txt once
                                   * the run directory is locked (the config keys --set changed);
                                   * NULL or "" = nothing */
    const char *banner;       /* printed on out once the run directory is locked, so a process
                               * refused the directory announces nothing; NULL = none */
    /* called on the process that writes the run directory after each metrics.csv row (kind
     * TRAINER_ROW_LOG) and each eval.csv row (TRAINER_ROW_EVAL, the final evaluation too) with
     * the row's column names and values (names[0] = "step"); a non-zero return stops the run as
     * a stop rule does (train/stopping.h); NULL = none */
    int (*on_row)(void *user, int kind, const char *const *names, const double *values, int n);
    void *on_row_user;
} trainer_opts;

#define TRAINER_ROW_LOG 0
#define TRAINER_ROW_EVAL 1

typedef struct {
    int64_t steps;            /* environment steps taken */
    int64_t start_step;       /* where this invocation started: 0, or the resumed checkpoint's step */
    double wall_s;            /* training wall-clock seconds (this invocation) */
    double sps;               /* steps per second (this invocation) */
    double eval_mean, eval_std;       /* final deterministic evaluation */
    int64_t threshold_step;   /* first step where the mean of the last return_window episodes
                               * reached the env's reward threshold; -1 if never */
    double threshold_wall_s;  /* wall-clock seconds at that moment; NAN if never */
    uint64_t env_warnings;    /* numerical trouble reported by the training envs (env_def.warnings:
                               * MuJoCo warnings and divergence resets) */
    uint64_t env_nonfinite;   /* training env steps dropped for a non-finite observation or reward
                               * (env_vec_nonfinite); also reported on opts->out */
    int signal;               /* the signal that stopped the run (RL_ERR_INTERRUPTED); 0 if none */
    int env_threads;          /* threads the training vector env stepped on (env.threads, at most
                               * num_envs) */
    bool already_finished;    /* resume of a run that had reached total_steps and been evaluated
                               * there: nothing was trained or written (eval_mean is not set) */
    bool write_failed;        /* a write into the run directory failed (full disk, file size
                               * limit): the run stopped with RL_ERR_IO, see trainer_run */
    bool stopped;             /* a stop rule or opts->on_row ended the run before total_steps
                               * (train/stopping.h); with already_finished: a resume of such a run */
    char stop_reason[320];    /* why ("step N: ..."); "" when not stopped */
} trainer_result;

/* the exit status of `rlc train` when the run directory is locked by another process
 * (EX_TEMPFAIL); the ablation runner reads it */
#define TRAINER_EXIT_BUSY 75
/* ... and when a write into the run directory failed during training (EX_IOERR) */
#define TRAINER_EXIT_WRITE 74

/* Trains. Returns RL_ERR_INTERRUPTED after a clean checkpoint when SIGINT, SIGTERM, SIGHUP or
 * SIGPIPE arrives (res->signal says which), RL_ERR_BUSY when another process holds the run
 * directory's lock (nothing is written), RL_ERR_NOT_FOUND when a resumed config's environment
 * comes from a plugin nobody loaded. A run a stop rule (cfg->stop, train/stopping.h) or
 * opts->on_row ends early returns RL_OK with res->stopped. A resume of a finished run (or of a
 * stopped one whose rule still holds) returns RL_OK with res->already_finished and changes nothing.
 * A write into the run directory that fails while training (a CSV row, an events record, a
 * checkpoint: ENOSPC, EFBIG, EIO) stops the run at once with RL_ERR_IO and res->write_failed:
 * the file that failed is cut back to its whole rows or records, no new checkpoint is written, so
 * every file is whole up to the last checkpoint, and --resume continues from it (the message
 * names the file, the error and that step). SIGXFSZ is ignored while trainer_run runs, so a file
 * size limit fails a write with EFBIG instead of killing the process. */
rl_status trainer_run(const rl_config *cfg, const trainer_opts *opts, trainer_result *res,
                      char *err, size_t err_sz);

/* Runs n_episodes episodes of agent on env_id with seeds seed, seed+1, ... (batched over up to
 * AGENT_EVAL_BATCH copies) and writes the mean and std of the returns. Deterministic (act without
 * explore) unless cfg->log.eval_deterministic is false and the agent has act_sample: then the
 * actions are sampled with an RNG seeded from seed, so the same call gives the same returns. */
rl_status trainer_evaluate(const agent_algo *algo, void *agent, const rl_config *cfg,
                           int n_episodes, int64_t seed, double *mean, double *std, char *err,
                           size_t err_sz);

/* Prepares envs and losses for a config: loads env.plugin if set, then the plugin of every loss
 * that names one (`losses.value: {name: ..., plugin: PATH}`). Idempotent per plugin path. Only
 * for a config the user named (a YAML file given to `rlc train`, an ablation's base): never for
 * one read from a checkpoint or a run directory. */
rl_status trainer_prepare_envs(const rl_config *cfg, char *err, size_t err_sz);

/* "SIGINT", "SIGHUP (terminal or ssh session closed)", ...: for messages. */
const char *trainer_signal_name(int sig);

#endif
