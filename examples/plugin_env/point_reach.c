/* rlc example plugin: PointReach-v0, a point mass on a plane that must reach a goal.
 *
 * A complete environment in one C file, loaded at run time with env_load_plugin (or
 * `rlc ... --plugin`): it defines an env_def and registers it from rlc_plugin_init. Build it as a
 * shared object WITHOUT linking librlc -- env_register and the RNG functions come from the
 * program that loads it (which must export its symbols, CMake's ENABLE_EXPORTS / -rdynamic):
 *
 *   cc -std=c11 -O2 -fPIC -shared -I<rlc source dir> -o point_reach.so point_reach.c
 *
 * Observation (4): position (x, y) and goal (gx, gy), all in [-1, 1].
 * Action: Box(2) in [-1, 1]: the velocity; the point moves by 0.05 * clip(action) per step
 * and stays in the square. Reward: minus the distance to the goal after the move, and +10 on
 * reaching it (distance < 0.05), which terminates. TimeLimit 200 steps. */
#include <math.h>

#include "envs/env.h"

typedef struct {
    double x, y, gx, gy;
} point_reach_state;

static const float obs_low[4] = {-1, -1, -1, -1}, obs_high[4] = {1, 1, 1, 1};
static const float act_low[2] = {-1, -1}, act_high[2] = {1, 1};

static double clip1(double v) { return v < -1.0 ? -1.0 : (v > 1.0 ? 1.0 : v); }

static void write_obs(const point_reach_state *s, float *obs)
{
    obs[0] = (float)s->x;
    obs[1] = (float)s->y;
    obs[2] = (float)s->gx;
    obs[3] = (float)s->gy;
}

static rl_status pr_init(void *state, char *err, size_t err_sz)
{
    (void)state;   /* the framework hands us zeroed memory; nothing to load */
    (void)err;
    (void)err_sz;
    return RL_OK;
}

/* every random draw comes from the rng the framework passes (seeded by env_reset) */
static void pr_reset(void *state, rl_rng *rng, float *obs)
{
    point_reach_state *s = state;
    s->x = rl_rng_uniform(rng, -1.0, 1.0);
    s->y = rl_rng_uniform(rng, -1.0, 1.0);
    s->gx = rl_rng_uniform(rng, -1.0, 1.0);
    s->gy = rl_rng_uniform(rng, -1.0, 1.0);
    write_obs(s, obs);
}

static void pr_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                    bool *terminated, bool *truncated)
{
    (void)rng;
    point_reach_state *s = state;
    s->x = clip1(s->x + 0.05 * clip1(action[0]));
    s->y = clip1(s->y + 0.05 * clip1(action[1]));
    double dist = hypot(s->x - s->gx, s->y - s->gy);
    *terminated = dist < 0.05;
    *truncated = false;   /* the framework's TimeLimit adds the 200-step truncation */
    *reward = (float)(-dist + (*terminated ? 10.0 : 0.0));
    write_obs(s, obs);
}

static const env_def point_reach_def = {
    .id = "PointReach-v0",
    .state_size = sizeof(point_reach_state),
    .max_episode_steps = 200,
    .reward_threshold = NAN,
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = 4, .low = obs_low, .high = obs_high},
    .act_space = {.kind = ENV_SPACE_BOX, .dim = 2, .low = act_low, .high = act_high},
    .init = pr_init,
    .reset = pr_reset,
    .step = pr_step,
    .close = NULL,
};

/* called once by env_load_plugin */
rl_status rlc_plugin_init(char *err, size_t err_sz);
rl_status rlc_plugin_init(char *err, size_t err_sz)
{
    return env_register(&point_reach_def, err, err_sz);
}
