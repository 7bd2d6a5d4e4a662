/* rlc envs/goal: BitFlipping-v0 (envs/goal/goal.h). */
#include <math.h>

#include "envs/goal/goal.h"

#define BF_DEFAULT_N 15

static const float bf_low[2 * ENV_BIT_FLIPPING_MAX_N];
#define BF_ONES8 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f
#define BF_ONES32 BF_ONES8, BF_ONES8, BF_ONES8, BF_ONES8
static const float bf_high[2 * ENV_BIT_FLIPPING_MAX_N] = {BF_ONES32, BF_ONES32, BF_ONES32, BF_ONES32};
_Static_assert(2 * ENV_BIT_FLIPPING_MAX_N == 128, "bf_high lists 128 ones");

/* 0 when every achieved bit equals the desired one (and then the episode ends), else -1 */
static float bf_reward(const env_goal *g, const float *achieved, const float *desired, bool *terminated)
{
    bool same = true;
    for (int i = 0; i < g->goal_dim && same; i++) same = (achieved[i] > 0.5f) == (desired[i] > 0.5f);
    *terminated = same;
    return same ? 0.0f : -1.0f;
}

static void bf_obs(const env_bit_flipping_state *s, float *obs)
{
    for (int i = 0; i < s->p.n; i++) {
        obs[i] = (float)s->bits[i];
        obs[s->p.n + i] = (float)s->target[i];
    }
}

static rl_status bf_init(void *state, char *err, size_t err_sz)
{
    const env_bit_flipping_state *s = state;
    if (s->p.n < 1 || s->p.n > ENV_BIT_FLIPPING_MAX_N)
        return rl_errf(err, err_sz, RL_ERR_ARG, "BitFlipping-v0: n = %d, expected 1..%d", s->p.n,
                       ENV_BIT_FLIPPING_MAX_N);
    return RL_OK;
}

static void bf_reset(void *state, rl_rng *rng, float *obs)
{
    env_bit_flipping_state *s = state;
    for (int i = 0; i < s->p.n; i++) {
        s->bits[i] = (unsigned char)(rl_rng_u32(rng) & 1u);
        s->target[i] = (unsigned char)(rl_rng_u32(rng) & 1u);
    }
    bf_obs(s, obs);
}

static void bf_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    (void)rng;
    env_bit_flipping_state *s = state;
    int a = (int)action[0];
    s->bits[a] ^= 1u;
    bf_obs(s, obs);
    env_goal g = {.obs_dim = s->p.n, .goal_dim = s->p.n};
    *reward = bf_reward(&g, obs, obs + s->p.n, terminated);
    *truncated = false;
}

static const env_bit_flipping_params bf_params = {.n = BF_DEFAULT_N};

const env_def env_bit_flipping_v0 = {
    .id = "BitFlipping-v0",
    .state_size = sizeof(env_bit_flipping_state),
    .max_episode_steps = BF_DEFAULT_N,
    .reward_threshold = NAN,
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = 2 * BF_DEFAULT_N, .low = bf_low, .high = bf_high,
                  .goal = {.obs_dim = BF_DEFAULT_N, .goal_dim = BF_DEFAULT_N, .achieved_offset = 0,
                           .compute_reward = bf_reward}},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = BF_DEFAULT_N, .dim = 1},
    .init = bf_init,
    .reset = bf_reset,
    .step = bf_step,
    .params = &bf_params,
    .params_size = sizeof bf_params,
};

rl_status env_bit_flipping_def(env_def *def, const env_def *base, env_bit_flipping_params *params_storage,
                               const env_bit_flipping_params *p, char *err, size_t err_sz)
{
    if (!base || base->init != bf_init)
        return rl_errf(err, err_sz, RL_ERR_ARG, "env_bit_flipping_def: the base is not a BitFlipping definition");
    *params_storage = *p;
    *def = *base;
    def->params = params_storage;
    def->max_episode_steps = p->n;
    def->obs_space.dim = 2 * p->n;
    def->obs_space.goal.obs_dim = p->n;
    def->obs_space.goal.goal_dim = p->n;
    def->act_space.n = p->n;
    return RL_OK;
}
