/* rlc train (internal): what the training loop (train/trainer.c) does differently when it runs
 * data-parallel over several MPI ranks (docs/distributed.md).
 *
 * Every rank steps its own vector env (its seed offset by rank x num_envs) and runs the same
 * agent; the agents average their gradients (agents/dataparallel.h). Here: the rank's config,
 * the broadcast of the weights and optimizer state from rank 0 (after create, after a resume),
 * the episode statistics of the union of the ranks, the stop decision every rank takes at the
 * same step, and the periodic check that every rank holds the same weights. Rank 0 (the lead)
 * alone writes the run directory, evaluates and checkpoints. With one rank every function
 * leaves the loop's values exactly as they were. */
#ifndef RLC_TRAIN_TRAINER_DP_H
#define RLC_TRAIN_TRAINER_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "agents/agent.h"
#include "core/config.h"

#define TRAINER_DP_MAX_TENSORS 16
#define TRAINER_DP_STOP_EVERY 32

typedef struct {
    int rank, size;
    bool lead;                   /* rank 0 */
    const rl_config *cfg;        /* what this rank builds its env and agent from */
    rl_config *own;              /* size > 1: the copy with this rank's seed (owned) */
    int64_t episodes_base;       /* the run's episode count at the last merge */
    int64_t stop_calls;          /* in-loop trainer_dp_stop calls so far */
} trainer_dp;

/* Sets d up for cfg. With several ranks: RL_ERR_UNSUPPORTED when algo has no dp_tensors or the
 * config uses an exploration module (its networks are not averaged). */
rl_status trainer_dp_begin(trainer_dp *d, const rl_config *cfg, const agent_algo *algo, char *err,
                           size_t err_sz);
void trainer_dp_end(trainer_dp *d);   /* NULL-safe */

/* Collective: every rank's agent takes rank 0's dp_tensors. episodes: the run's count (after a
 * resume, the checkpoint's). */
void trainer_dp_broadcast(trainer_dp *d, const agent_algo *algo, void *agent, int64_t episodes);
/* Whether any rank was signalled, so that every rank stops at the same step. In the loop (now =
 * false) the ranks compare every TRAINER_DP_STOP_EVERY calls only (a collective per step would
 * cost a rendezvous per step); now = true compares at once. Collective with several ranks. */
bool trainer_dp_stop(trainer_dp *d, int local_signal, bool now);
/* Collective, at a log step: *episodes becomes the run's count over every rank, and mean_return
 * / mean_length those of the union of the ranks' last episodes (recent, recent_len: a rank's
 * ring of min(n_recent, window) values). */
void trainer_dp_episodes(trainer_dp *d, const double *recent, const double *recent_len,
                         int64_t n_recent, int window, int64_t *episodes, double *mean_return,
                         double *mean_length);
/* Collective: RL_ERR_NUMERIC on every rank when the ranks' weights differ (a desync). */
rl_status trainer_dp_check(const trainer_dp *d, const agent_algo *algo, void *agent, int64_t step,
                           char *err, size_t err_sz);

#endif
