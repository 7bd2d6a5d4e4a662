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
 * reaching it (distance < 0.05), which terminates. TimeLimit 200 steps.
 *
 * It is goal-conditioned (obs_space.goal, envs/env.h): the observation is [position, goal], the
 * achieved goal is the position, and pr_reward recomputes a step's reward for any goal, so
 * hindsight experience replay (`her.enabled`, docs/offpolicy.md) can train on it.
 *
 * It also registers a renderer (env_register_renderer, envs/render.h), so `rlc record` can film
 * it: the square seen from above on a white background, the goal's reach circle in green and
 * the point in blue, drawn straight into the RGB frame. */
#include <math.h>
#include <string.h>

#include "envs/env.h"
#include "envs/render.h"

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

/* the reward and termination of a step that ends at `achieved` when the goal is `desired` (what
 * pr_step gives, up to the rounding of the positions to float) */
static float pr_reward(const env_goal *g, const float *achieved, const float *desired, bool *terminated)
{
    (void)g;
    double dist = hypot((double)achieved[0] - desired[0], (double)achieved[1] - desired[1]);
    *terminated = dist < 0.05;
    return (float)(-dist + (*terminated ? 10.0 : 0.0));
}

static void pr_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                    bool *terminated, bool *truncated)
{
    (void)rng;
    point_reach_state *s = state;
    s->x = clip1(s->x + 0.05 * clip1(action[0]));
    s->y = clip1(s->y + 0.05 * clip1(action[1]));
    double dist = hypot(s->x - s->gx, s->y - s->gy);   /* pr_reward's, in double precision */
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
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = 4, .low = obs_low, .high = obs_high,
                  .goal = {.obs_dim = 2, .goal_dim = 2, .achieved_offset = 0, .compute_reward = pr_reward}},
    .act_space = {.kind = ENV_SPACE_BOX, .dim = 2, .low = act_low, .high = act_high},
    .init = pr_init,
    .reset = pr_reset,
    .step = pr_step,
    .close = NULL,
};

/* ---- the picture ------------------------------------------------------------------------- */

/* the pixel of world point (x, y): the square [-1, 1]^2 fills the frame, y up */
static double px_x(double x, int width) { return (x + 1.0) * 0.5 * (width - 1); }
static double px_y(double y, int height) { return (1.0 - y) * 0.5 * (height - 1); }

static void fill_disk(uint8_t *rgb, int width, int height, double cx, double cy, double r, const uint8_t col[3])
{
    for (int y = (int)floor(cy - r); y <= (int)ceil(cy + r); y++) {
        for (int x = (int)floor(cx - r); x <= (int)ceil(cx + r); x++) {
            if (x < 0 || y < 0 || x >= width || y >= height) continue;
            if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r) continue;
            uint8_t *p = rgb + ((size_t)y * width + x) * 3;
            p[0] = col[0], p[1] = col[1], p[2] = col[2];
        }
    }
}

static rl_status pr_draw(const void *state, uint8_t *rgb, int width, int height, char *err, size_t err_sz)
{
    (void)err;
    (void)err_sz;
    static const uint8_t goal[3] = {40, 170, 60}, point[3] = {30, 80, 220};
    const point_reach_state *s = state;
    double scale = 0.5 * (width < height ? width - 1 : height - 1);   /* pixels per unit */
    memset(rgb, 255, (size_t)width * height * 3);
    fill_disk(rgb, width, height, px_x(s->gx, width), px_y(s->gy, height), fmax(0.05 * scale, 3.0), goal);
    fill_disk(rgb, width, height, px_x(s->x, width), px_y(s->y, height), fmax(0.03 * scale, 2.0), point);
    return RL_OK;
}

static const env_render_def point_reach_render = {
    .id = "PointReach-v0", .width = 400, .height = 400, .fps = 30, .draw = pr_draw};

/* called once by env_load_plugin: the environment first, then its renderer */
rl_status rlc_plugin_init(char *err, size_t err_sz);
rl_status rlc_plugin_init(char *err, size_t err_sz)
{
    rl_status st = env_register(&point_reach_def, err, err_sz);
    if (st != RL_OK) return st;
    return env_register_renderer(&point_reach_render, err, err_sz);
}
