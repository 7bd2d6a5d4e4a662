/* rlc algos: the pieces the off-policy agents (dqn.c, sac.c, td3.c) share beyond their
 * checkpoints and aux heads, and those of the actor-critics on Box actions (sac.c, td3.c)
 * (algos/offpolicy.h). */
#include "algos/offpolicy.h"

#include <math.h>
#include <string.h>

#include "core/limits.h"

void offp_store_step(replay_buffer *buf, const float *obs, const float *act, float *next_fix, int N, int D,
                     const env_vec *v)
{
    for (int i = 0; i < N; i++) {
        const float *src = (v->terminated[i] || v->truncated[i]) ? v->final_obs : v->obs;
        memcpy(next_fix + (size_t)i * D, src + (size_t)i * D, (size_t)D * sizeof(float));
    }
    replay_buffer_add(buf, obs, act, v->rewards, next_fix, v->terminated, v->truncated);
}

void offp_fill_normal(float *x, size_t n, rl_rng *rng)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)rl_rng_normal(rng);
}

void offp_concat(float *dst, const float *obs, const float *act, int n, int D, int A)
{
    for (int i = 0; i < n; i++) {
        memcpy(dst + (size_t)i * (D + A), obs + (size_t)i * D, (size_t)D * sizeof(float));
        memcpy(dst + (size_t)i * (D + A) + D, act + (size_t)i * A, (size_t)A * sizeof(float));
    }
}

void offp_action_bounds(const env_space *act_space, float **center, float **half)
{
    const int A = act_space->dim;
    *center = rl_xcalloc((size_t)A, sizeof(float));
    *half = rl_xcalloc((size_t)A, sizeof(float));
    for (int d = 0; d < A; d++) {
        (*center)[d] = 0.5f * (act_space->high[d] + act_space->low[d]);
        (*half)[d] = 0.5f * (act_space->high[d] - act_space->low[d]);
    }
}

void offp_to_env(float *env, const float *a, int n, int A, const float *center, const float *half)
{
    for (int i = 0; i < n; i++)
        for (int d = 0; d < A; d++) env[(size_t)i * A + d] = center[d] + half[d] * a[(size_t)i * A + d];
}

void offp_replay_config(replay_config *rc, int64_t capacity, int n_envs, int D, int A, int n_step, float gamma)
{
    replay_config_default(rc);
    rc->capacity = capacity;
    rc->n_envs = n_envs;
    rc->obs_dim = D;
    rc->act_dim = A;
    rc->act_low = -1.0f;
    rc->act_high = 1.0f;
    rc->n_step = n_step;
    rc->gamma = gamma;
}

void offp_relabel(replay_buffer *buf, int D, int A, const float *center, const float *half, float *scratch,
                  agent_reward_fn fn, void *ctx)
{
    int64_t n = replay_buffer_stored(buf);
    for (int64_t s = 0; s < n; s += AGENT_RELABEL_BATCH) {
        int k = n - s < AGENT_RELABEL_BATCH ? (int)(n - s) : AGENT_RELABEL_BATCH;
        offp_to_env(scratch, buf->actions + (size_t)s * A, k, A, center, half);
        fn(ctx, buf->obs + (size_t)s * D, scratch, k, buf->rewards + s);
    }
}

rl_status offp_ac_limits(const char *src, const char *algo, int64_t buffer_size, int64_t batch_size,
                         const rl_int_list *hidden, int D, int A, int actor_out, char *err, size_t err_sz)
{
    char key[64];
    snprintf(key, sizeof key, "%s.buffer_size", algo);
    rl_status st = rl_limit_check(src, key, "replay buffer floats", rl_mul_sat(buffer_size, 2 * (int64_t)D + A + 2),
                                  RL_LIMIT_BUFFER_FLOATS, err, err_sz);
    if (st) return st;
    snprintf(key, sizeof key, "%s.batch_size, network.hidden", algo);
    return rl_limit_check(src, key, "activation cache floats of a batch",
                          rl_mul_sat(batch_size, rl_mul_sat(8, rl_mlp_cache_per_sample(hidden, D + A, actor_out))),
                          RL_LIMIT_BUFFER_FLOATS, err, err_sz);
}

int64_t offp_updates_due(double *credit)
{
    if (!(*credit >= 1.0)) return 0;
    int64_t n = (int64_t)floor(*credit);   /* exact: credit - n is representable (credit < 2^53) */
    *credit -= (double)n;
    return n;
}

int offp_ac_optim_tensors(nn_tensor *t, nn_adam *actor, nn_adam *critic)
{
    t[0] = (nn_tensor){"optim.actor.m", actor->m, 1, {(int64_t)actor->n}};
    t[1] = (nn_tensor){"optim.actor.v", actor->v, 1, {(int64_t)actor->n}};
    t[2] = (nn_tensor){"optim.critic.m", critic->m, 1, {(int64_t)critic->n}};
    t[3] = (nn_tensor){"optim.critic.v", critic->v, 1, {(int64_t)critic->n}};
    return 4;
}

int offp_dp_adam(nn_tensor *t, nn_adam *const *opts, int n)
{
    for (int i = 0; i < n; i++) {
        t[2 * i] = (nn_tensor){"adam.m", opts[i]->m, 1, {(int64_t)opts[i]->n}};
        t[2 * i + 1] = (nn_tensor){"adam.v", opts[i]->v, 1, {(int64_t)opts[i]->n}};
    }
    return 2 * n;
}

#define OFFP_CRITIC_LOSSES_FIELDS(X, S) \
    X(S, rl_loss_cfg, critic, LOSS, 0, "mse", 0, 0, NULL, "critic loss of SAC, TD3 and DDPG: mse, huber, ...")
RL_CFG_SECTION_TYPE(offp_critic_losses_cfg, OFFP_CRITIC_LOSSES_FIELDS);
const rl_config_section offp_critic_losses_section =
    RL_CFG_SECTION_INIT("losses", offp_critic_losses_cfg, OFFP_CRITIC_LOSSES_FIELDS);
