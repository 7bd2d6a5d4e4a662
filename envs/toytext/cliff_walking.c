/* rlc envs/toytext: CliffWalking-v1 and CliffWalkingSlippery-v1 (Gymnasium 1.2
 * cliffwalking.py rules).
 *
 * A 4 x 12 grid, start (3, 0), goal (3, 11), the cliff along row 3 between them. Actions 0 up,
 * 1 right, 2 down, 3 left, clamped at the edges. Every move costs -1; stepping onto the cliff
 * costs -100 and sends the agent back to the start (the episode goes on); reaching the goal
 * terminates. Slippery: the moves (a - 1) mod 4, a, (a + 1) mod 4, each with probability 1/3.
 * No time limit is registered. Every step draws one random(). */
#include <math.h>
#include <string.h>

#include "envs/toytext/toytext_common.h"

#define CW_ROWS 4
#define CW_COLS 12
#define CW_START ((CW_ROWS - 1) * CW_COLS)
#define CW_GOAL (CW_ROWS * CW_COLS - 1)

static const int cw_delta[4][2] = {{-1, 0}, {0, 1}, {1, 0}, {0, -1}};   /* up, right, down, left */

void env_cliff_walking_params_default(env_cliff_walking_params *p)
{
    memset(p, 0, sizeof *p);
    p->is_slippery = false;
}

static rl_status cw_init(void *state, char *err, size_t err_sz)
{
    (void)err;
    (void)err_sz;
    env_cliff_walking_state *s = state;
    s->s = CW_START;
    s->lastaction = -1;
    return RL_OK;
}

static void cw_seed(void *state, uint64_t seed) { rl_pcg64_seed(&((env_cliff_walking_state *)state)->np_random, seed); }

static env_toytext_transition cw_outcome(int s, int move, double prob)
{
    int row = s / CW_COLS + cw_delta[move][0], col = s % CW_COLS + cw_delta[move][1];
    row = row < 0 ? 0 : row > CW_ROWS - 1 ? CW_ROWS - 1 : row;
    col = col < 0 ? 0 : col > CW_COLS - 1 ? CW_COLS - 1 : col;
    if (row == CW_ROWS - 1 && col >= 1 && col <= CW_COLS - 2) return (env_toytext_transition){prob, CW_START, -100.0, false};
    int next = row * CW_COLS + col;
    return (env_toytext_transition){prob, next, -1.0, next == CW_GOAL};
}

int env_cliff_walking_transitions(const env_cliff_walking_state *st, int s, int a, env_toytext_transition *out)
{
    RL_ASSERT(s >= 0 && s < CW_ROWS * CW_COLS && a >= 0 && a < 4);
    if (!st->p.is_slippery) {
        out[0] = cw_outcome(s, a, 1.0);
        return 1;
    }
    for (int i = 0; i < 3; i++) out[i] = cw_outcome(s, (a + 3 + i) % 4, 1.0 / 3.0);
    return 3;
}

static void cw_reset(void *state, rl_rng *rng, float *obs)
{
    (void)rng;
    env_cliff_walking_state *s = state;
    bool start[CW_ROWS * CW_COLS] = {false};
    start[CW_START] = true;
    s->s = tt_pick_uniform(&s->np_random, start, CW_ROWS * CW_COLS, 1);
    s->lastaction = -1;
    obs[0] = (float)s->s;
}

static void cw_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    (void)rng;
    env_cliff_walking_state *s = state;
    env_toytext_transition t[3];
    int a = tt_action(action), n = env_cliff_walking_transitions(s, s->s, a, t);
    const env_toytext_transition *o = &t[tt_pick(&s->np_random, t, n)];
    s->s = o->next;
    s->lastaction = a;
    obs[0] = (float)s->s;
    *reward = (float)o->reward;
    *terminated = o->terminated;
    *truncated = false;
}

static const env_cliff_walking_params cw_params = {.is_slippery = false};
static const env_cliff_walking_params cw_params_slippery = {.is_slippery = true};

const env_def env_cliff_walking_v1 = {
    .id = "CliffWalking-v1",
    .state_size = sizeof(env_cliff_walking_state),
    .max_episode_steps = 0,
    .reward_threshold = NAN,
    .obs_space = {.kind = ENV_SPACE_DISCRETE, .n = CW_ROWS * CW_COLS, .dim = 1},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 4, .dim = 1},
    .init = cw_init,
    .reset = cw_reset,
    .step = cw_step,
    .seed = cw_seed,
    .params = &cw_params,
    .params_size = sizeof cw_params,
    .deterministic = true,
};

const env_def env_cliff_walking_slippery_v1 = {
    .id = "CliffWalkingSlippery-v1",
    .state_size = sizeof(env_cliff_walking_state),
    .max_episode_steps = 0,
    .reward_threshold = NAN,
    .obs_space = {.kind = ENV_SPACE_DISCRETE, .n = CW_ROWS * CW_COLS, .dim = 1},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 4, .dim = 1},
    .init = cw_init,
    .reset = cw_reset,
    .step = cw_step,
    .seed = cw_seed,
    .params = &cw_params_slippery,
    .params_size = sizeof cw_params_slippery,
};

rl_status env_cliff_walking_def(env_def *def, const env_def *base, env_cliff_walking_params *params_storage,
                                const env_cliff_walking_params *p, char *err, size_t err_sz)
{
    if (!base || base->init != cw_init)
        return rl_errf(err, err_sz, RL_ERR_ARG, "env_cliff_walking_def: the base is not a CliffWalking definition");
    *params_storage = *p;
    *def = *base;
    def->params = params_storage;
    def->deterministic = !p->is_slippery;
    return RL_OK;
}
