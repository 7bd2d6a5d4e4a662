/* rlc replay: the on-policy rollout buffer (T steps x N envs) and its GAE pass.
 *
 * Every array is allocated once by replay_rollout_init; add copies one vector step into row t;
 * finish hands the arrays to replay_gae. final_values rows are zero where a step did not
 * truncate (or where add got final_values = NULL). */
#include <stdlib.h>
#include <string.h>

#include "replay/returns.h"
#include "replay/rollout.h"

rl_status replay_rollout_init(replay_rollout *b, int T, int N, int obs_dim, int act_dim,
                              char *err, size_t err_sz)
{
    memset(b, 0, sizeof(*b));
    if (T < 1 || N < 1 || obs_dim < 1 || act_dim < 1)
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "rollout buffer: T, N, obs_dim and act_dim must be >= 1 (got %d, %d, %d, %d)",
                       T, N, obs_dim, act_dim);
    size_t tn = (size_t)T * N;
    b->T = T;
    b->N = N;
    b->obs_dim = obs_dim;
    b->act_dim = act_dim;
    b->t = 0;
    b->obs = rl_xcalloc(tn * obs_dim, sizeof(float));
    b->actions = rl_xcalloc(tn * act_dim, sizeof(float));
    b->logp = rl_xcalloc(tn, sizeof(float));
    b->values = rl_xcalloc(tn, sizeof(float));
    b->rewards = rl_xcalloc(tn, sizeof(float));
    b->terminated = rl_xcalloc(tn, 1);
    b->truncated = rl_xcalloc(tn, 1);
    b->final_values = rl_xcalloc(tn, sizeof(float));
    b->adv = rl_xcalloc(tn, sizeof(float));
    b->ret = rl_xcalloc(tn, sizeof(float));
    return RL_OK;
}

void replay_rollout_add(replay_rollout *b, const float *obs, const float *actions,
                        const float *logp, const float *values, const float *rewards,
                        const bool *terminated, const bool *truncated, const float *final_values)
{
    RL_ASSERT_MSG(b->t < b->T, "replay_rollout_add: buffer full (call finish and clear)");
    int N = b->N;
    size_t row = (size_t)b->t * N;
    memcpy(b->obs + row * b->obs_dim, obs, (size_t)N * b->obs_dim * sizeof(float));
    memcpy(b->actions + row * b->act_dim, actions, (size_t)N * b->act_dim * sizeof(float));
    memcpy(b->logp + row, logp, (size_t)N * sizeof(float));
    memcpy(b->values + row, values, (size_t)N * sizeof(float));
    memcpy(b->rewards + row, rewards, (size_t)N * sizeof(float));
    for (int n = 0; n < N; n++) {
        b->terminated[row + n] = terminated[n] ? 1 : 0;
        b->truncated[row + n] = truncated[n] ? 1 : 0;
        if (truncated[n] && !terminated[n])
            RL_ASSERT_MSG(final_values, "replay_rollout_add: a truncated env needs final_values");
        b->final_values[row + n] = (final_values && truncated[n]) ? final_values[n] : 0.0f;
    }
    b->t++;
}

void replay_rollout_finish(replay_rollout *b, const float *last_values, float gamma,
                           float lambda)
{
    RL_ASSERT_MSG(b->t == b->T, "replay_rollout_finish: the rollout is not full");
    replay_gae(b->adv, b->ret, b->rewards, b->values, b->final_values, b->terminated, b->truncated,
             last_values, b->T, b->N, gamma, lambda);
}

void replay_rollout_clear(replay_rollout *b) { b->t = 0; }

void replay_rollout_free(replay_rollout *b)
{
    if (!b) return;
    free(b->obs);
    free(b->actions);
    free(b->logp);
    free(b->values);
    free(b->rewards);
    free(b->terminated);
    free(b->truncated);
    free(b->final_values);
    free(b->adv);
    free(b->ret);
    memset(b, 0, sizeof(*b));
}
