/* rlc replay: the on-policy rollout buffer (T steps x N envs) with GAE(lambda).
 *
 * Filled one vector step at a time by replay_rollout_add; after T steps the agent calls
 * replay_rollout_finish with the values of the observations that follow the last step, which
 * computes advantages and returns through replay_gae (the one GAE implementation). A step that
 * ended by truncation stores the value of its final observation (final_values), so that it
 * bootstraps; a terminated step does not. All arrays are allocated once at init. */
#ifndef RLC_REPLAY_ROLLOUT_H
#define RLC_REPLAY_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

typedef struct {
    int T, N, obs_dim, act_dim;
    int t;                      /* steps added so far (0..T) */
    float *obs;                 /* (T, N, obs_dim) observation the action was taken in */
    float *actions;             /* (T, N, act_dim) */
    float *logp;                /* (T, N) log-probability of the action under the acting policy */
    float *values;              /* (T, N) value estimate of obs */
    float *rewards;             /* (T, N) */
    unsigned char *terminated;  /* (T, N) */
    unsigned char *truncated;   /* (T, N) */
    float *final_values;        /* (T, N) value of the final observation where truncated */
    float *adv;                 /* (T, N) written by finish */
    float *ret;                 /* (T, N) written by finish: adv + values */
} replay_rollout;

rl_status replay_rollout_init(replay_rollout *b, int T, int N, int obs_dim, int act_dim,
                              char *err, size_t err_sz);
/* Appends one step of N envs. final_values may be NULL when no env truncated this step. */
void replay_rollout_add(replay_rollout *b, const float *obs, const float *actions,
                        const float *logp, const float *values, const float *rewards,
                        const bool *terminated, const bool *truncated, const float *final_values);
/* Computes adv and ret (requires t == T), last_values (N) = V(obs after the last step). */
void replay_rollout_finish(replay_rollout *b, const float *last_values, float gamma,
                           float lambda);
/* Empties the buffer for the next rollout (t = 0). */
void replay_rollout_clear(replay_rollout *b);
void replay_rollout_free(replay_rollout *b);   /* NULL-safe */

#endif
