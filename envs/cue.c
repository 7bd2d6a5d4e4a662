/* rlc envs: DictCue-v0 and TupleCue-v0 (envs/cue.h). */
#include "envs/cue.h"

enum { CUE_SIDE = 6, CUE_PIX = CUE_SIDE * CUE_SIDE, CUE_DIM = 1 + CUE_PIX, CUE_STEPS = 10 };

#define CUE_R6(v) v, v, v, v, v, v
#define CUE_R36(v) CUE_R6(v), CUE_R6(v), CUE_R6(v), CUE_R6(v), CUE_R6(v), CUE_R6(v)

/* the cue first, then the image (the Dict's keys sorted: "cue" < "image") */
static const float cue_low[CUE_DIM] = {-1.0f, CUE_R36(0.0f)};
static const float cue_high_u8[CUE_DIM] = {1.0f, CUE_R36(255.0f)};
static const float cue_high_bool[CUE_DIM] = {1.0f, CUE_R36(1.0f)};

static const env_part cue_dict_parts[2] = {
    {.name = "cue", .dim = 1},
    {.name = "image", .dim = CUE_PIX, .rank = 3, .shape = {CUE_SIDE, CUE_SIDE, 1}, .elem = ENV_ELEM_UINT8},
};
static const env_part cue_tuple_parts[2] = {
    {.dim = 1},
    {.dim = CUE_PIX, .rank = 3, .shape = {CUE_SIDE, CUE_SIDE, 1}, .elem = ENV_ELEM_BOOL},
};

typedef struct {
    float lit;       /* the lit pixel's value: 255 (uint8) or 1 (bool) */
    int answer;      /* the rewarded action of the current observation */
} cue_state;

static rl_status cue_init_dict(void *state, char *err, size_t err_sz)
{
    (void)err, (void)err_sz;
    ((cue_state *)state)->lit = 255.0f;
    return RL_OK;
}

static rl_status cue_init_tuple(void *state, char *err, size_t err_sz)
{
    (void)err, (void)err_sz;
    ((cue_state *)state)->lit = 1.0f;
    return RL_OK;
}

/* a new pixel and cue, and the observation that shows them */
static void cue_draw(cue_state *s, rl_rng *rng, float *obs)
{
    int at = (int)rl_rng_below(rng, CUE_PIX);
    bool plus = rl_rng_below(rng, 2) == 1, left = at % CUE_SIDE < CUE_SIDE / 2;
    obs[0] = plus ? 1.0f : -1.0f;
    for (int i = 0; i < CUE_PIX; i++) obs[1 + i] = i == at ? s->lit : 0.0f;
    s->answer = left == plus ? 0 : 1;
}

static void cue_reset(void *state, rl_rng *rng, float *obs) { cue_draw(state, rng, obs); }

static void cue_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                     bool *truncated)
{
    cue_state *s = state;
    *reward = (int)action[0] == s->answer ? 1.0f : 0.0f;
    *terminated = false;
    *truncated = false;
    cue_draw(s, rng, obs);
}

const env_def env_dict_cue_v0 = {
    .id = "DictCue-v0",
    .state_size = sizeof(cue_state),
    .max_episode_steps = CUE_STEPS,
    .reward_threshold = 9.5,
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = CUE_DIM, .low = cue_low, .high = cue_high_u8,
                  .structure = ENV_STRUCT_DICT, .n_parts = 2, .parts = cue_dict_parts},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 2, .dim = 1},
    .init = cue_init_dict,
    .reset = cue_reset,
    .step = cue_step,
};

const env_def env_tuple_cue_v0 = {
    .id = "TupleCue-v0",
    .state_size = sizeof(cue_state),
    .max_episode_steps = CUE_STEPS,
    .reward_threshold = 9.5,
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = CUE_DIM, .low = cue_low, .high = cue_high_bool,
                  .structure = ENV_STRUCT_TUPLE, .n_parts = 2, .parts = cue_tuple_parts},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 2, .dim = 1},
    .init = cue_init_tuple,
    .reset = cue_reset,
    .step = cue_step,
};
