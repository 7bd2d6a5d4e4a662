/* rlc envs/minatar: the ten MinAtar environments (envs/minatar/minatar.h): seeding, sticky
 * actions, the action sets, the observation space and the env_defs.
 *
 * One step, as MinAtar's Gymnasium environment takes it: the action index goes through the action
 * set (v1: the minimal one), then with probability 0.1 (rand() < 0.1, drawn every step) the last
 * action played replaces it, then the game plays one frame. env_reset with a seed starts a new
 * RandomState(seed) and forgets the last action (a fresh MinAtar environment reset with that
 * seed); a reset without a seed continues the stream and keeps the last action, as MinAtar's
 * reset() does. */
#include <math.h>
#include <string.h>

#include "envs/minatar/minatar.h"

static const env_minatar_game_info GAME_INFO[MINATAR_GAMES] = {
    [MINATAR_ASTERIX] = {"Asterix", 4, 5, {MINATAR_NOOP, MINATAR_LEFT, MINATAR_UP, MINATAR_RIGHT, MINATAR_DOWN}},
    [MINATAR_BREAKOUT] = {"Breakout", 4, 3, {MINATAR_NOOP, MINATAR_LEFT, MINATAR_RIGHT}},
    [MINATAR_FREEWAY] = {"Freeway", 7, 3, {MINATAR_NOOP, MINATAR_UP, MINATAR_DOWN}},
    [MINATAR_SEAQUEST] = {"Seaquest", 10, 6,
                          {MINATAR_NOOP, MINATAR_LEFT, MINATAR_UP, MINATAR_RIGHT, MINATAR_DOWN, MINATAR_FIRE}},
    [MINATAR_SPACE_INVADERS] = {"SpaceInvaders", 6, 4, {MINATAR_NOOP, MINATAR_LEFT, MINATAR_RIGHT, MINATAR_FIRE}},
};

const env_minatar_game_info *env_minatar_info(env_minatar_game game)
{
    RL_ASSERT(game >= 0 && game < MINATAR_GAMES);
    return &GAME_INFO[game];
}

/* ---- the games behind one interface ------------------------------------------------------------ */

static void game_reset(env_minatar_state *s)
{
    switch (s->game) {
    case MINATAR_ASTERIX: env_minatar_asterix_reset(&s->g.asterix, &s->mt); break;
    case MINATAR_BREAKOUT: env_minatar_breakout_reset(&s->g.breakout, &s->mt); break;
    case MINATAR_FREEWAY: env_minatar_freeway_reset(&s->g.freeway, &s->mt); break;
    case MINATAR_SEAQUEST: env_minatar_seaquest_reset(&s->g.seaquest, &s->mt); break;
    case MINATAR_SPACE_INVADERS: env_minatar_space_invaders_reset(&s->g.space_invaders, &s->mt); break;
    default: RL_ASSERT_MSG(false, "unknown MinAtar game");
    }
}

static int game_act(env_minatar_state *s, int a)
{
    switch (s->game) {
    case MINATAR_ASTERIX: return env_minatar_asterix_act(&s->g.asterix, &s->mt, a);
    case MINATAR_BREAKOUT: return env_minatar_breakout_act(&s->g.breakout, &s->mt, a);
    case MINATAR_FREEWAY: return env_minatar_freeway_act(&s->g.freeway, &s->mt, a);
    case MINATAR_SEAQUEST: return env_minatar_seaquest_act(&s->g.seaquest, &s->mt, a);
    case MINATAR_SPACE_INVADERS: return env_minatar_space_invaders_act(&s->g.space_invaders, &s->mt, a);
    default: RL_ASSERT_MSG(false, "unknown MinAtar game");
    }
    return 0;
}

static bool game_terminal(const env_minatar_state *s)
{
    switch (s->game) {
    case MINATAR_ASTERIX: return s->g.asterix.terminal;
    case MINATAR_BREAKOUT: return s->g.breakout.terminal;
    case MINATAR_FREEWAY: return s->g.freeway.terminal;
    case MINATAR_SEAQUEST: return s->g.seaquest.terminal;
    case MINATAR_SPACE_INVADERS: return s->g.space_invaders.terminal;
    default: RL_ASSERT_MSG(false, "unknown MinAtar game");
    }
    return true;
}

void env_minatar_observe(const env_minatar_state *s, float *obs)
{
    switch (s->game) {
    case MINATAR_ASTERIX: env_minatar_asterix_observe(&s->g.asterix, obs); break;
    case MINATAR_BREAKOUT: env_minatar_breakout_observe(&s->g.breakout, obs); break;
    case MINATAR_FREEWAY: env_minatar_freeway_observe(&s->g.freeway, obs); break;
    case MINATAR_SEAQUEST: env_minatar_seaquest_observe(&s->g.seaquest, obs); break;
    case MINATAR_SPACE_INVADERS: env_minatar_space_invaders_observe(&s->g.space_invaders, obs); break;
    default: RL_ASSERT_MSG(false, "unknown MinAtar game");
    }
}

/* ---- env_def functions ------------------------------------------------------------------------- */

static rl_status minatar_init(void *state, env_minatar_game game, bool minimal)
{
    env_minatar_state *s = state;
    s->game = game;
    s->minimal = minimal;
    rl_mt_seed(&s->mt, 0);
    s->last_action = MINATAR_NOOP;
    return RL_OK;
}

static void minatar_seed(void *state, uint64_t seed)
{
    env_minatar_state *s = state;
    rl_mt_seed_u64(&s->mt, seed);
    s->last_action = MINATAR_NOOP;
}

static void minatar_reset(void *state, rl_rng *rng, float *obs)
{
    (void)rng;   /* MinAtar's randomness is the RandomState stream */
    env_minatar_state *s = state;
    game_reset(s);
    env_minatar_observe(s, obs);
}

static void minatar_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                         bool *truncated)
{
    (void)rng, (void)truncated;
    env_minatar_state *s = state;
    int a = (int)action[0];
    if (s->minimal) a = GAME_INFO[s->game].minimal[a];
    if (rl_mt_double(&s->mt) < MINATAR_STICKY) a = s->last_action;
    s->last_action = a;
    *reward = (float)game_act(s, a);
    *terminated = game_terminal(s);
    env_minatar_observe(s, obs);
}

/* ---- the definitions ------------------------------------------------------------------------- */

#define ONES10 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
#define ONES100 ONES10, ONES10, ONES10, ONES10, ONES10, ONES10, ONES10, ONES10, ONES10, ONES10
#define ONES1000 ONES100, ONES100, ONES100, ONES100, ONES100, ONES100, ONES100, ONES100, ONES100, ONES100
#define MAX_OBS (MINATAR_SIZE * MINATAR_SIZE * MINATAR_MAX_CHANNELS)
_Static_assert(MAX_OBS == 1000 && MAX_OBS <= ENV_MAX_DIM, "the bounds below fill MAX_OBS floats");
static const float OBS_LOW[MAX_OBS];
static const float OBS_HIGH[MAX_OBS] = {ONES1000};

#define MINATAR_DEF(var, game, name, version, minimal, n_actions, channels)                                    \
    static rl_status init_##var(void *state, char *err, size_t err_sz)                                        \
    {                                                                                                          \
        (void)err, (void)err_sz;                                                                               \
        return minatar_init(state, game, minimal);                                                             \
    }                                                                                                          \
    static const env_def var = {                                                                               \
        .id = "MinAtar/" name "-" version,                                                                     \
        .state_size = sizeof(env_minatar_state),                                                               \
        .max_episode_steps = 0,                                                                                \
        .reward_threshold = NAN,                                                                               \
        .obs_space = {.kind = ENV_SPACE_BOX, .dim = 100 * (channels), .low = OBS_LOW, .high = OBS_HIGH,        \
                      .rank = 3, .shape = {MINATAR_SIZE, MINATAR_SIZE, channels}, .elem = ENV_ELEM_BOOL},      \
        .act_space = {.kind = ENV_SPACE_DISCRETE, .n = n_actions, .dim = 1},                                   \
        .init = init_##var, .reset = minatar_reset, .step = minatar_step, .seed = minatar_seed};

MINATAR_DEF(asterix_v0, MINATAR_ASTERIX, "Asterix", "v0", false, 6, 4)
MINATAR_DEF(asterix_v1, MINATAR_ASTERIX, "Asterix", "v1", true, 5, 4)
MINATAR_DEF(breakout_v0, MINATAR_BREAKOUT, "Breakout", "v0", false, 6, 4)
MINATAR_DEF(breakout_v1, MINATAR_BREAKOUT, "Breakout", "v1", true, 3, 4)
MINATAR_DEF(freeway_v0, MINATAR_FREEWAY, "Freeway", "v0", false, 6, 7)
MINATAR_DEF(freeway_v1, MINATAR_FREEWAY, "Freeway", "v1", true, 3, 7)
MINATAR_DEF(seaquest_v0, MINATAR_SEAQUEST, "Seaquest", "v0", false, 6, 10)
MINATAR_DEF(seaquest_v1, MINATAR_SEAQUEST, "Seaquest", "v1", true, 6, 10)
MINATAR_DEF(space_invaders_v0, MINATAR_SPACE_INVADERS, "SpaceInvaders", "v0", false, 6, 6)
MINATAR_DEF(space_invaders_v1, MINATAR_SPACE_INVADERS, "SpaceInvaders", "v1", true, 4, 6)

static const env_def *const DEFS[] = {
    &asterix_v0, &asterix_v1, &breakout_v0, &breakout_v1, &freeway_v0,
    &freeway_v1, &seaquest_v0, &seaquest_v1, &space_invaders_v0, &space_invaders_v1,
};

const env_def *const *env_minatar_defs(int *n)
{
    *n = RL_ARRAY_LEN(DEFS);
    return DEFS;
}
