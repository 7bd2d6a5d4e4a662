/* rlc replay: returns and advantages over stored transitions (GAE, TD(0), n-step and TD(lambda)
 * targets). They are not losses: they make the constants the value and policy losses compare
 * against, from the arrays the rollout and replay buffers hold. */
#ifndef RLC_REPLAY_RETURNS_H
#define RLC_REPLAY_RETURNS_H

#include "core/status.h"

/* ---- GAE ----------------------------------------------------------------------------- */

/* Generalised advantage estimation over a rollout of T steps and N envs (arrays (T, N)):
 *   delta_t = r_t + gamma * nv_t - v_t,   A_t = delta_t + gamma * lambda * A_{t+1} (cut at ends)
 * where nv_t is the value of the state after step t:
 *   terminated[t]            -> 0 (no bootstrap),
 *   truncated[t] (only)      -> final_values[t] (value of the final observation),
 *   neither, t < T-1          -> values[t+1],
 *   neither, t = T-1          -> last_values (N).
 * and the recursion A_{t+1} is cut (0) when step t ended an episode. ret = adv + values.
 * This is the single GAE implementation; the rollout buffer calls it. */
void replay_gae(float *adv, float *ret, const float *rewards, const float *values,
                const float *final_values, const unsigned char *terminated,
                const unsigned char *truncated, const float *last_values, int T, int N,
                float gamma, float lambda);

/* ---- TD targets (constants for the value losses) ------------------------------------------
 * Arrays (T, N). next_values[t] is the value of the state reached after step t: values[t+1] within
 * the rollout, the final observation's value on truncation, the bootstrap value at t = T-1; it is
 * ignored where terminated[t]. An episode ends at t when terminated[t] or truncated[t]. */

/* y = r + gamma (1 - terminated) next_value, elementwise over n. */
void replay_td0_target(float *y, const float *rewards, const float *next_values,
                       const unsigned char *terminated, int n, float gamma);
/* n-step return: sum_{k<m} gamma^k r_{t+k} + gamma^m V, stopping after n steps, at the end of an
 * episode or at the end of the rollout; bootstraps with next_values of the last step unless it
 * terminated. */
void replay_nstep_targets(float *y, const float *rewards, const float *next_values,
                          const unsigned char *terminated, const unsigned char *truncated, int T,
                          int N, int nstep, float gamma);
/* TD(lambda) return: G_t = r_t + gamma (1 - term_t) [(1 - lambda) nv_t + lambda G_{t+1}], with
 * G_{t+1} replaced by nv_t at episode ends and at t = T-1. */
void replay_td_lambda_targets(float *y, const float *rewards, const float *next_values,
                              const unsigned char *terminated, const unsigned char *truncated,
                              int T, int N, float gamma, float lambda);

#endif
