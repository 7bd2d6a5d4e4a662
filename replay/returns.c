/* rlc replay: returns and advantages computed over stored transitions: generalised advantage
 * estimation and the TD targets (TD(0), n-step, TD(lambda)).
 *
 * GAE (Schulman et al. 2016, "High-Dimensional
 * Continuous Control Using Generalized Advantage Estimation"), the one implementation used by
 * the rollout buffer and every on-policy agent.
 *
 * For each env n, backwards over t (arrays (T, N), row t holds the N envs of step t):
 *   nv_t    = 0                 if terminated[t]           (MDP end: no bootstrap)
 *           = final_values[t]   if truncated[t] only       (time limit: bootstrap from s_final)
 *           = values[t+1]       otherwise, t < T-1
 *           = last_values       otherwise, t = T-1
 *   delta_t = r_t + gamma * nv_t - v_t
 *   A_t     = delta_t + gamma * lambda * A_{t+1} * (1 - done_t),  done_t = terminated | truncated
 * so the recursion never crosses an episode boundary (values[t+1] then belongs to the next
 * episode's first observation after an autoreset). ret_t = A_t + v_t. The accumulation is done
 * in float, as CleanRL and SB3 do in float32. adv may not alias the inputs; ret may alias
 * nothing either. Never allocates: A_{t+1} is read back from adv. */
#include <math.h>

#include "replay/returns.h"

void replay_gae(float *adv, float *ret, const float *rewards, const float *values,
                const float *final_values, const unsigned char *terminated,
                const unsigned char *truncated, const float *last_values, int T, int N,
                float gamma, float lambda)
{
    RL_ASSERT(T >= 1 && N >= 1);
    RL_ASSERT(adv && ret && rewards && values && terminated && truncated && last_values);
    for (int t = T - 1; t >= 0; t--) {
        for (int n = 0; n < N; n++) {
            size_t i = (size_t)t * N + n;
            int term = terminated[i] != 0, trunc = truncated[i] != 0;
            float nv;
            if (term) {
                nv = 0.0f;
            } else if (trunc) {
                RL_ASSERT_MSG(final_values, "replay_gae: a truncated step needs final_values");
                nv = final_values[i];
            } else {
                nv = t < T - 1 ? values[i + N] : last_values[n];
            }
            float next_adv = (term || trunc || t == T - 1) ? 0.0f : adv[i + N];
            float delta = rewards[i] + gamma * nv - values[i];
            adv[i] = delta + gamma * lambda * next_adv;
        }
    }
    for (size_t i = 0; i < (size_t)T * N; i++) ret[i] = adv[i] + values[i];
}

/* ---- TD targets: constants for the value losses ---- */

void replay_td0_target(float *y, const float *rewards, const float *next_values,
                       const unsigned char *terminated, int n, float gamma)
{
    RL_ASSERT(y && rewards && next_values && n > 0);
    for (int i = 0; i < n; i++)
        y[i] = (float)((double)rewards[i] +
                       ((terminated && terminated[i]) ? 0.0 : (double)gamma * next_values[i]));
}

void replay_nstep_targets(float *y, const float *rewards, const float *next_values,
                          const unsigned char *terminated, const unsigned char *truncated, int T,
                          int N, int nstep, float gamma)
{
    RL_ASSERT(y && rewards && next_values && T > 0 && N > 0 && nstep > 0);
    for (int e = 0; e < N; e++)
        for (int t = 0; t < T; t++) {
            double G = 0.0, disc = 1.0;
            for (int k = 0; k < nstep; k++) {
                int s = t + k;
                size_t ix = (size_t)s * N + e;
                G += disc * rewards[ix];
                if (terminated && terminated[ix]) break;
                if ((truncated && truncated[ix]) || k == nstep - 1 || s == T - 1) {
                    G += disc * gamma * next_values[ix];
                    break;
                }
                disc *= gamma;
            }
            y[(size_t)t * N + e] = (float)G;
        }
}

void replay_td_lambda_targets(float *y, const float *rewards, const float *next_values,
                              const unsigned char *terminated, const unsigned char *truncated,
                              int T, int N, float gamma, float lambda)
{
    RL_ASSERT(y && rewards && next_values && T > 0 && N > 0);
    for (int e = 0; e < N; e++) {
        double G = 0.0;
        for (int t = T - 1; t >= 0; t--) {
            size_t ix = (size_t)t * N + e;
            double r = rewards[ix], nv = next_values[ix];
            if (terminated && terminated[ix]) G = r;
            else if ((truncated && truncated[ix]) || t == T - 1) G = r + gamma * nv;
            else G = r + gamma * ((1.0 - lambda) * nv + lambda * G);
            y[ix] = (float)G;
        }
    }
}
