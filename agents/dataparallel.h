/* rlc agents (internal): the hooks data-parallel training (core/dist.h, docs/distributed.md)
 * puts into the agents' updates.
 *
 *   gradients     averaged over the ranks before the optimizer step (one allreduce); a rank whose
 *                 gradient is not finite makes every rank skip the step;
 *   statistics    running mean/variance (observation and reward normalisation) merged across
 *                 the ranks into the statistics of the union of their data;
 *   decisions     an update that depends on data (REINFORCE's episode count, PPO's KL stop) is
 *                 taken on the ranks' joint figures, so that every rank takes it at the same step.
 *
 * With one rank every hook returns at once and leaves its arguments as they are: one process
 * runs exactly the code it runs without MPI. */
#ifndef RLC_AGENTS_DATAPARALLEL_H
#define RLC_AGENTS_DATAPARALLEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "envs/wrappers.h"

/* True when training runs over more than one rank. */
bool agent_dp_on(void);

/* Before the optimizer step: grads (n) become the mean of every rank's grads. local_ok says this
 * rank's gradient is usable (finite loss and gradient); a rank that skips its step still calls
 * this with false (its grads may hold anything). Returns true when every rank's gradient was
 * usable (every rank then holds the same bits), false when any was not (every rank skips). */
bool agent_dp_grads(float *grads, size_t n, bool local_ok);
/* The same when this rank's gradient is that of a mean over `count` samples (count may be 0):
 * the result is the gradient of the mean over the union of every rank's samples. */
bool agent_dp_grads_union(float *grads, size_t n, bool local_ok, int count);
/* The mean over the ranks of x. */
double agent_dp_mean(double x);
/* Whether the sum over the ranks of count reaches need (the same answer on every rank). */
bool agent_dp_reached(int64_t count, int64_t need);
/* x (n) standardised with the mean and std (n - 1 in the denominator) of the union of every
 * rank's x; rl_standardise (core/mathx.h) with one rank. */
void agent_dp_standardise(float *x, int n);

/* Running statistics (envs/wrappers.h env_rms) that every rank updates with its own data, merged
 * now and then into those of the union of all ranks' data (Chan, Golub, LeVeque's parallel
 * mean/variance, in rank order, so every rank gets the same bits). */
typedef struct {
    env_rms synced;     /* the statistics at the last merge (equal on every rank) */
    double *buf;        /* (size + 1) (2 dim + 1): this rank's and every rank's new data */
} agent_dp_rms;

/* Allocates with r as the common starting point. */
rl_status agent_dp_rms_init(agent_dp_rms *s, const env_rms *r, char *err, size_t err_sz);
/* r is now common to every rank (after loading a checkpoint). */
void agent_dp_rms_mark(agent_dp_rms *s, const env_rms *r);
/* Collective: r = the statistics of the union of every rank's data since the last merge. */
void agent_dp_rms_merge(agent_dp_rms *s, env_rms *r);
void agent_dp_rms_free(agent_dp_rms *s);   /* NULL-safe */

#endif
