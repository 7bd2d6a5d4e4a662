/* rlc envs: MultiDiscreteTarget-v0 and MultiBinaryTarget-v0 (envs/multi_target.h). */
#include "envs/multi_target.h"

#include <math.h>
#include <string.h>

enum { MT_MD = 3, MT_MD_OBS = 12, MT_MB = 6, MT_STEPS = 16 };

static const int mt_nvec[MT_MD] = {3, 4, 5};
static const int mt_bits[MT_MB] = {2, 2, 2, 2, 2, 2};
static const float mt_zero[MT_MD_OBS] = {0};
static const float mt_one[MT_MD_OBS] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

typedef struct {
    const int *nvec;        /* the choices of each component */
    int M;                  /* components */
    bool one_hot;           /* observe targets one-hot (MultiDiscrete) or as bits (MultiBinary) */
    int target[MT_MB];
} mt_state;

static rl_status mt_init_md(void *state, char *err, size_t err_sz)
{
    (void)err, (void)err_sz;
    *(mt_state *)state = (mt_state){.nvec = mt_nvec, .M = MT_MD, .one_hot = true};
    return RL_OK;
}

static rl_status mt_init_mb(void *state, char *err, size_t err_sz)
{
    (void)err, (void)err_sz;
    *(mt_state *)state = (mt_state){.nvec = mt_bits, .M = MT_MB, .one_hot = false};
    return RL_OK;
}

/* new targets, and the observation that shows them */
static void mt_draw(mt_state *s, rl_rng *rng, float *obs)
{
    int at = 0;
    for (int m = 0; m < s->M; m++) {
        s->target[m] = (int)rl_rng_below(rng, (uint32_t)s->nvec[m]);
        if (!s->one_hot) {
            obs[m] = (float)s->target[m];
            continue;
        }
        for (int k = 0; k < s->nvec[m]; k++) obs[at + k] = k == s->target[m] ? 1.0f : 0.0f;
        at += s->nvec[m];
    }
}

static void mt_reset(void *state, rl_rng *rng, float *obs) { mt_draw(state, rng, obs); }

static void mt_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    mt_state *s = state;
    int hits = 0;
    for (int m = 0; m < s->M; m++) hits += (int)action[m] == s->target[m];
    *reward = (float)hits / (float)s->M;
    *terminated = false;
    *truncated = false;
    mt_draw(s, rng, obs);
}

const env_def env_multi_discrete_target_v0 = {
    .id = "MultiDiscreteTarget-v0",
    .state_size = sizeof(mt_state),
    .max_episode_steps = MT_STEPS,
    .reward_threshold = 15.0,
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = MT_MD_OBS, .low = mt_zero, .high = mt_one},
    .act_space = {.kind = ENV_SPACE_MULTI_DISCRETE, .dim = MT_MD, .nvec = mt_nvec},
    .init = mt_init_md,
    .reset = mt_reset,
    .step = mt_step,
};

const env_def env_multi_binary_target_v0 = {
    .id = "MultiBinaryTarget-v0",
    .state_size = sizeof(mt_state),
    .max_episode_steps = MT_STEPS,
    .reward_threshold = 15.0,
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = MT_MB, .low = mt_zero, .high = mt_one},
    .act_space = {.kind = ENV_SPACE_MULTI_BINARY, .dim = MT_MB},
    .init = mt_init_mb,
    .reset = mt_reset,
    .step = mt_step,
};
