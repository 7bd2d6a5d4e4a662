/* rlc train: stopping a run early, at an evaluation or when the caller asks (the `stop:` section,
 * docs/configs.md "Stopping early").
 *
 * Two rules look at each evaluation made during training (log.eval_interval):
 *   stop.reward_threshold  the evaluation's mean return reached a number, or the environment's
 *                          registered threshold (env); none = off (the default)
 *   stop.patience          patience evaluations in a row brought no new best return (the one
 *                          best.safetensors keeps); the first stop.min_evals evaluations of the
 *                          run do not count (they still set the best); 0 = off (the default)
 * and the caller of trainer_run may ask at any log line or evaluation (trainer_opts.on_row: the
 * Python package's callback). A stop ends the run as total_steps would: the final checkpoint,
 * the best model, the final evaluation unless the step was just evaluated, exit status 0. Why it
 * stopped is printed, written to the run directory's stopped.txt and kept in the checkpoint's
 * metadata (rlc.stop, rlc.stop_return, rlc.stop_reason; rlc.stop_wait always, so an interrupted run
 * resumes counting patience where it was).
 * --resume of a run a rule stopped does nothing while that rule, with the resumed config (--set),
 * still holds: the return that fired it still reaches stop.reward_threshold, or the evaluations
 * without a new best still reach stop.patience. Turn the rule off or loosen it to train on. A run
 * the caller stopped resumes (the caller decides again). */
#ifndef RLC_TRAIN_STOPPING_H
#define RLC_TRAIN_STOPPING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "envs/env.h"
#include "nn/nn.h"

typedef enum { TRAINER_STOP_NONE, TRAINER_STOP_THRESHOLD, TRAINER_STOP_PATIENCE, TRAINER_STOP_CALLER } trainer_stop_kind;

#define TRAINER_STOP_FILE "stopped.txt"
#define TRAINER_STOP_META 4   /* checkpoint metadata entries trainer_stop_meta writes */

typedef struct {
    double threshold;          /* NAN: off */
    bool threshold_env;        /* the environment's registered threshold */
    int64_t patience, min_evals;
    int64_t wait;              /* evaluations in a row without a new best, among those that count */
    trainer_stop_kind fired;
    double ret;                /* the return of the evaluation that fired a rule */
    char reason[320];          /* "step N: why"; "" while not stopped */
    char meta_val[TRAINER_STOP_META][64];
} trainer_stop;

/* Reads cfg's stop section; RL_ERR_CONFIG naming stop.reward_threshold when it is env and the
 * environment registers no threshold. */
rl_status trainer_stop_init(trainer_stop *s, const rl_config *cfg, const env_def *def, char *err, size_t err_sz);
/* An evaluation during training at step, the n_evals-th of the run, with mean return; improved:
 * it beat every earlier one. Returns true when a rule fires (s->reason says why). */
bool trainer_stop_eval(trainer_stop *s, int64_t step, int64_t n_evals, double mean, bool improved);
/* The caller of trainer_run asked to stop at step (trainer_opts.on_row). */
void trainer_stop_request(trainer_stop *s, int64_t step);
/* The checkpoint metadata of the stop state, into meta[0..TRAINER_STOP_META) (values in s). */
void trainer_stop_meta(trainer_stop *s, nn_meta *meta);
/* Reads that metadata from a checkpoint being resumed (none: not stopped, no wait). */
rl_status trainer_stop_load(trainer_stop *s, const nn_safetensors *f, char *err, size_t err_sz);
/* After trainer_stop_load: true when the checkpoint's stop still holds under s's config (the run
 * is finished). Otherwise the run trains on: the stop is forgotten and run_dir's stopped.txt
 * removed. */
bool trainer_stop_resumed(trainer_stop *s, const char *run_dir);
/* Writes run_dir/stopped.txt: the reason, one line. */
rl_status trainer_stop_record(const trainer_stop *s, const char *run_dir, char *err, size_t err_sz);

#endif
