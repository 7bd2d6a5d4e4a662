/* rlc envs/box2d: BipedalWalker-v3 and BipedalWalkerHardcore-v3 (Gymnasium 1.x's
 * gymnasium/envs/box2d/bipedal_walker.py), written from its definitions on Box2D 2.4.
 *
 * The terrain: 200 points 14 pixels apart (SCALE 30), starting at a quarter of the viewport's
 * height. On grass the height follows a damped velocity pulled back towards that level
 * (v = 0.8 v + 0.01 sign(level - y)) plus U(-1, 1)/SCALE after the 20-point start pad. A segment of
 * grass lasts integers(5, 10) points (the first 20); the hardcore version then picks an obstacle
 * (integers(1, 4): stump, stairs or pit) before the next grass. Each surface segment is an edge
 * (friction 2.5); the obstacles are boxes. Ten clouds are drawn after the terrain (110 draws; they
 * only decorate). The walker: a hull polygon (density 5) pushed by U(-5, 5) along x for the first
 * step, two legs of an upper part (8 x 34 pixels) and a lower part (80% as wide) on hip joints
 * (limits -0.8..1.1) and knee joints (-1.6..-0.1), each a motor of torque 80 x |action| turning at
 * 4 (hips) or 6 (knees) x sign(action). The body parts collide with the ground only.
 * A step: the motors, one world step of 1/50 s (180 and 60 iterations), ten lidar rays of 160
 * pixels from the hull (angles 0 to 1.35 from straight down) that report the closest ground hit's
 * fraction, and the 24 observations. Reward: the change of 130 x / SCALE - 5 |hull angle|, minus
 * 0.00035 x 80 x |action| per motor; -100 and the end when the hull touches the ground or x < 0;
 * the end without penalty past the terrain's last 10 points. As in LunarLander, a new world is made
 * at every reset (Gymnasium reuses one; a fresh one keeps a seed's run the same whatever came
 * before). */
#include <math.h>
#include <string.h>

#include "envs/box2d/box2d.h"

#define BW_FPS 50.0
#define BW_SCALE 30.0
#define BW_MOTORS_TORQUE 80.0
#define BW_SPEED_HIP 4.0
#define BW_SPEED_KNEE 6.0
#define BW_LIDAR_RANGE (160.0 / BW_SCALE)
#define BW_INITIAL_RANDOM 5.0
#define BW_LEG_DOWN (-8.0 / BW_SCALE)
#define BW_LEG_W (8.0 / BW_SCALE)
#define BW_LEG_H (34.0 / BW_SCALE)
#define BW_VIEW_W (600.0 / BW_SCALE)
#define BW_VIEW_H (400.0 / BW_SCALE)
#define BW_STEP (14.0 / BW_SCALE)
#define BW_HEIGHT (BW_VIEW_H / 4)
#define BW_GRASS 10
#define BW_STARTPAD 20
#define BW_FRICTION 2.5f

enum { BW_GRASS_STATE, BW_STUMP, BW_STAIRS, BW_PIT, BW_N_STATES };

static const double bw_hull_poly[5][2] = {{-30, 9}, {6, 9}, {34, 1}, {34, -8}, {-30, -8}};

#define PI_F ((float)M_PI)
static const float bw_obs_low[24] = {-PI_F, -5, -5, -5, -PI_F, -5, -PI_F, -5, -0.0f, -PI_F, -5, -PI_F, -5, -0.0f,
                                     -1,    -1, -1, -1, -1,    -1, -1,    -1, -1,    -1};
static const float bw_obs_high[24] = {PI_F, 5, 5, 5, PI_F, 5, PI_F, 5, 5, PI_F, 5, PI_F, 5, 5,
                                      1,    1, 1, 1, 1,    1, 1,    1, 1, 1};
static const float bw_act_low[4] = {-1, -1, -1, -1};
static const float bw_act_high[4] = {1, 1, 1, 1};

static double bw_uniform(env_bipedal_walker_state *s, double lo, double hi)
{
    return lo + (hi - lo) * rl_pcg64_random(&s->np_random);
}

static double bw_sign(double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; }

/* ---- the terrain -------------------------------------------------------------------------- */

/* what the terrain generation carries from one point to the next */
typedef struct {
    int state, counter;
    bool oneshot;
    double velocity, y, original_y;
    int stair_steps, stair_width, stair_height;
} bw_gen;

/* a static box of four corners (world coordinates), kept for drawing */
static void bw_add_poly(env_bipedal_walker_state *s, const double (*c)[2])
{
    RL_ASSERT(s->n_polys < BW_MAX_POLYS);
    float xy[8];
    for (int k = 0; k < 4; k++) {
        xy[2 * k] = s->polys[s->n_polys][k][0] = (float)c[k][0];
        xy[2 * k + 1] = s->polys[s->n_polys][k][1] = (float)c[k][1];
    }
    s->n_polys++;
    b2c_body *b = b2c_body_create(s->world, false, 0.0f, 0.0f, 0.0f);
    b2c_material m = {.density = 0, .friction = BW_FRICTION, .category = 0x0001, .mask = 0xFFFF};
    b2c_body_add_polygon(b, xy, 4, &m);
}

static void bw_pit(env_bipedal_walker_state *s, bw_gen *g, double x)
{
    g->counter = (int)rl_pcg64_integers(&s->np_random, 3, 5);
    double c[4][2] = {{x, g->y}, {x + BW_STEP, g->y}, {x + BW_STEP, g->y - 4 * BW_STEP}, {x, g->y - 4 * BW_STEP}};
    bw_add_poly(s, c);
    for (int k = 0; k < 4; k++) c[k][0] += BW_STEP * g->counter;
    bw_add_poly(s, c);
    g->counter += 2;
    g->original_y = g->y;
}

static void bw_stump(env_bipedal_walker_state *s, bw_gen *g, double x)
{
    g->counter = (int)rl_pcg64_integers(&s->np_random, 1, 3);
    double w = g->counter * BW_STEP;
    const double c[4][2] = {{x, g->y}, {x + w, g->y}, {x + w, g->y + w}, {x, g->y + w}};
    bw_add_poly(s, c);
}

static void bw_stairs(env_bipedal_walker_state *s, bw_gen *g, double x)
{
    g->stair_height = rl_pcg64_random(&s->np_random) > 0.5 ? 1 : -1;
    g->stair_width = (int)rl_pcg64_integers(&s->np_random, 4, 5);
    g->stair_steps = (int)rl_pcg64_integers(&s->np_random, 3, 5);
    g->original_y = g->y;
    for (int k = 0; k < g->stair_steps; k++) {
        double x0 = x + (k * g->stair_width) * BW_STEP, x1 = x + ((1 + k) * g->stair_width) * BW_STEP;
        double top = g->y + (k * g->stair_height) * BW_STEP, bottom = g->y + (-1 + k * g->stair_height) * BW_STEP;
        const double c[4][2] = {{x0, top}, {x1, top}, {x1, bottom}, {x0, bottom}};
        bw_add_poly(s, c);
    }
    g->counter = g->stair_steps * g->stair_width;
}

/* point i's height, and the obstacle a state's first point builds */
static void bw_terrain_point(env_bipedal_walker_state *s, bw_gen *g, int i, double x)
{
    if (g->state == BW_GRASS_STATE && !g->oneshot) {
        g->velocity = 0.8 * g->velocity + 0.01 * bw_sign(BW_HEIGHT - g->y);
        if (i > BW_STARTPAD) g->velocity += bw_uniform(s, -1, 1) / BW_SCALE;
        g->y += g->velocity;
    } else if (g->state == BW_PIT && g->oneshot) {
        bw_pit(s, g, x);
    } else if (g->state == BW_PIT) {
        g->y = g->original_y;
        if (g->counter > 1) g->y -= 4 * BW_STEP;
    } else if (g->state == BW_STUMP && g->oneshot) {
        bw_stump(s, g, x);
    } else if (g->state == BW_STAIRS && g->oneshot) {
        bw_stairs(s, g, x);
    } else if (g->state == BW_STAIRS) {
        double k = g->stair_steps * g->stair_width - g->counter - g->stair_height;
        g->y = g->original_y + (k / g->stair_width * g->stair_height) * BW_STEP;
    }
}

static void bw_build_terrain(env_bipedal_walker_state *s)
{
    bw_gen g = {.state = BW_GRASS_STATE, .counter = BW_STARTPAD, .y = BW_HEIGHT};
    s->n_polys = 0;
    for (int i = 0; i < BW_TERRAIN_LENGTH; i++) {
        double x = i * BW_STEP;
        s->terrain_x[i] = x;
        bw_terrain_point(s, &g, i, x);
        g.oneshot = false;
        s->terrain_y[i] = g.y;
        if (--g.counter == 0) {
            g.counter = (int)rl_pcg64_integers(&s->np_random, BW_GRASS / 2, BW_GRASS);
            if (g.state == BW_GRASS_STATE && s->p.hardcore) g.state = (int)rl_pcg64_integers(&s->np_random, 1, BW_N_STATES);
            else g.state = BW_GRASS_STATE;
            g.oneshot = true;
        }
    }
    b2c_material m = {.density = 0, .friction = BW_FRICTION, .category = 0x0001, .mask = 0xFFFF};
    for (int i = 0; i + 1 < BW_TERRAIN_LENGTH; i++) {
        b2c_body *b = b2c_body_create(s->world, false, 0.0f, 0.0f, 0.0f);
        b2c_body_add_edge(b, (float)s->terrain_x[i], (float)s->terrain_y[i], (float)s->terrain_x[i + 1],
                          (float)s->terrain_y[i + 1], &m);
    }
}

/* Gymnasium draws its clouds from the same generator: x = U(0, 200) steps, then each of five
 * points around it offset by U(0, 5 steps) on each axis */
static void bw_clouds(env_bipedal_walker_state *s)
{
    for (int c = 0; c < BW_CLOUDS; c++) {
        double x = bw_uniform(s, 0, BW_TERRAIN_LENGTH) * BW_STEP, y = BW_VIEW_H * 3 / 4;
        for (int a = 0; a < 5; a++) {
            double px = x + 15 * BW_STEP * sin(3.14 * 2 * a / 5) + bw_uniform(s, 0, 5 * BW_STEP);
            double py = y + 5 * BW_STEP * cos(3.14 * 2 * a / 5) + bw_uniform(s, 0, 5 * BW_STEP);
            s->clouds[c][a][0] = (float)px;
            s->clouds[c][a][1] = (float)py;
        }
    }
}

/* ---- the walker ----------------------------------------------------------------------------- */

static void bw_contact(void *ctx, b2c_body *a, b2c_body *b, bool begin)
{
    env_bipedal_walker_state *s = ctx;
    if (begin && (a == s->hull || b == s->hull)) s->game_over = true;
    for (int k = 0; k < 2; k++)
        if (a == s->legs[2 * k + 1] || b == s->legs[2 * k + 1]) s->leg_contact[k] = begin;
}

static void bw_build_walker(env_bipedal_walker_state *s)
{
    double x0 = BW_STEP * BW_STARTPAD / 2, y0 = BW_HEIGHT + 2 * BW_LEG_H;
    s->hull = b2c_body_create(s->world, true, (float)x0, (float)y0, 0.0f);
    float xy[10];
    for (int k = 0; k < 5; k++) {
        xy[2 * k] = (float)(bw_hull_poly[k][0] / BW_SCALE);
        xy[2 * k + 1] = (float)(bw_hull_poly[k][1] / BW_SCALE);
    }
    b2c_material hull = {.density = 5.0f, .friction = 0.1f, .category = 0x0020, .mask = 0x0001};
    b2c_body_add_polygon(s->hull, xy, 5, &hull);
    b2c_body_apply_force_center(s->hull, (float)bw_uniform(s, -BW_INITIAL_RANDOM, BW_INITIAL_RANDOM), 0.0f, true);
    b2c_material leg = {.density = 1.0f, .friction = 0.2f, .category = 0x0020, .mask = 0x0001};
    for (int k = 0; k < 2; k++) {
        double i = k == 0 ? -1.0 : 1.0;
        b2c_body *upper = b2c_body_create(s->world, true, (float)x0, (float)(y0 - BW_LEG_H / 2 - BW_LEG_DOWN),
                                          (float)(i * 0.05));
        b2c_body_add_box(upper, (float)(BW_LEG_W / 2), (float)(BW_LEG_H / 2), &leg);
        b2c_revolute_def hip = {.a = s->hull, .b = upper, .anchor_a = {0.0f, (float)BW_LEG_DOWN},
                                .anchor_b = {0.0f, (float)(BW_LEG_H / 2)}, .enable_limit = true,
                                .lower_angle = -0.8f, .upper_angle = 1.1f, .enable_motor = true,
                                .motor_speed = (float)i, .max_motor_torque = (float)BW_MOTORS_TORQUE};
        s->legs[2 * k] = upper;
        s->joints[2 * k] = b2c_revolute_create(s->world, &hip);
        b2c_body *lower = b2c_body_create(s->world, true, (float)x0, (float)(y0 - BW_LEG_H * 3 / 2 - BW_LEG_DOWN),
                                          (float)(i * 0.05));
        b2c_body_add_box(lower, (float)(0.8 * BW_LEG_W / 2), (float)(BW_LEG_H / 2), &leg);
        b2c_revolute_def knee = {.a = upper, .b = lower, .anchor_a = {0.0f, (float)(-BW_LEG_H / 2)},
                                 .anchor_b = {0.0f, (float)(BW_LEG_H / 2)}, .enable_limit = true,
                                 .lower_angle = -1.6f, .upper_angle = -0.1f, .enable_motor = true,
                                 .motor_speed = 1.0f, .max_motor_torque = (float)BW_MOTORS_TORQUE};
        s->legs[2 * k + 1] = lower;
        s->joints[2 * k + 1] = b2c_revolute_create(s->world, &knee);
    }
}

/* ---- a step --------------------------------------------------------------------------------- */

static double bw_clip01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

static void bw_motors(env_bipedal_walker_state *s, const float *action)
{
    for (int j = 0; j < 4; j++) {
        double speed = j % 2 == 0 ? BW_SPEED_HIP : BW_SPEED_KNEE;
        b2c_joint_set_motor_speed(s->joints[j], (float)(speed * bw_sign(action[j])));
        b2c_joint_set_max_motor_torque(s->joints[j], (float)(BW_MOTORS_TORQUE * bw_clip01(fabs(action[j]))));
    }
}

static void bw_lidar(env_bipedal_walker_state *s, float x, float y)
{
    for (int i = 0; i < 10; i++) {
        double x2 = x + sin(1.5 * i / 10.0) * BW_LIDAR_RANGE, y2 = y - cos(1.5 * i / 10.0) * BW_LIDAR_RANGE;
        s->lidar[i] = b2c_world_raycast(s->world, x, y, (float)x2, (float)y2, 0x0001);
    }
}

/* the 24 observations in double, as Gymnasium's state list */
static void bw_state(const env_bipedal_walker_state *s, double *st)
{
    float vx, vy;
    b2c_body_velocity(s->hull, &vx, &vy);
    st[0] = b2c_body_angle(s->hull);
    st[1] = 2.0 * b2c_body_angular_velocity(s->hull) / BW_FPS;
    st[2] = 0.3 * vx * BW_VIEW_W / BW_FPS;
    st[3] = 0.3 * vy * BW_VIEW_H / BW_FPS;
    for (int k = 0; k < 2; k++) {
        double *o = st + 4 + 5 * k;
        o[0] = b2c_joint_angle(s->joints[2 * k]);
        o[1] = b2c_joint_speed(s->joints[2 * k]) / BW_SPEED_HIP;
        o[2] = b2c_joint_angle(s->joints[2 * k + 1]) + 1.0;
        o[3] = b2c_joint_speed(s->joints[2 * k + 1]) / BW_SPEED_KNEE;
        o[4] = s->leg_contact[k] ? 1.0 : 0.0;
    }
    for (int i = 0; i < 10; i++) st[14 + i] = s->lidar[i];
}

static void bw_advance(env_bipedal_walker_state *s, const float *action, float *obs, float *reward, bool *terminated)
{
    bw_motors(s, action);
    b2c_world_step(s->world, (float)(1.0 / BW_FPS), 6 * 30, 2 * 30);
    float x, y;
    b2c_body_position(s->hull, &x, &y);
    bw_lidar(s, x, y);
    double st[24];
    bw_state(s, st);
    s->scroll = x - BW_VIEW_W / 5;
    double shaping = 130.0 * x / BW_SCALE - 5.0 * fabs(st[0]), r = 0.0;
    if (s->has_prev_shaping) r = shaping - s->prev_shaping;
    s->prev_shaping = shaping;
    s->has_prev_shaping = true;
    for (int j = 0; j < 4; j++) r -= 0.00035 * BW_MOTORS_TORQUE * bw_clip01(fabs(action[j]));
    *terminated = false;
    if (s->game_over || x < 0) {
        r = -100.0;
        *terminated = true;
    }
    if (x > (BW_TERRAIN_LENGTH - BW_GRASS) * BW_STEP) *terminated = true;
    *reward = (float)r;
    for (int i = 0; i < 24; i++) obs[i] = (float)st[i];
}

/* ---- the env_def functions ------------------------------------------------------------------ */

static rl_status bw_init(void *state, char *err, size_t err_sz)
{
    (void)state;
    (void)err;
    (void)err_sz;
    return RL_OK;
}

static void bw_seed(void *state, uint64_t seed) { rl_pcg64_seed(&((env_bipedal_walker_state *)state)->np_random, seed); }

static void bw_reset(void *state, rl_rng *rng, float *obs)
{
    (void)rng;
    env_bipedal_walker_state *s = state;
    b2c_world_destroy(s->world);
    s->world = b2c_world_create(0.0f, -10.0f);
    RL_ASSERT_MSG(s->world, "BipedalWalker: out of memory creating the Box2D world");
    b2c_world_set_contact_fn(s->world, bw_contact, s);
    s->game_over = s->leg_contact[0] = s->leg_contact[1] = false;
    s->has_prev_shaping = false;
    bw_build_terrain(s);
    bw_clouds(s);
    bw_build_walker(s);
    const float noop[4] = {0, 0, 0, 0};
    float reward;
    bool terminated;
    bw_advance(s, noop, obs, &reward, &terminated);
}

static void bw_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    (void)rng;
    env_bipedal_walker_state *s = state;
    RL_ASSERT_MSG(s->world, "BipedalWalker: step before reset");
    bw_advance(s, action, obs, reward, terminated);
    *truncated = false;
}

static void bw_close(void *state)
{
    env_bipedal_walker_state *s = state;
    b2c_world_destroy(s->world);
    s->world = NULL;
}

static const env_bipedal_walker_params bw_params = {.hardcore = false};
static const env_bipedal_walker_params bw_params_hardcore = {.hardcore = true};

#define BW_DEF_COMMON                                                                                         \
    .state_size = sizeof(env_bipedal_walker_state), .reward_threshold = 300.0,                                \
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = 24, .low = bw_obs_low, .high = bw_obs_high},                  \
    .act_space = {.kind = ENV_SPACE_BOX, .dim = 4, .low = bw_act_low, .high = bw_act_high}, .init = bw_init, \
    .reset = bw_reset, .step = bw_step, .close = bw_close, .seed = bw_seed

const env_def env_bipedal_walker_v3 = {
    .id = "BipedalWalker-v3",
    BW_DEF_COMMON,
    .max_episode_steps = 1600,
    .params = &bw_params,
    .params_size = sizeof bw_params,
};

const env_def env_bipedal_walker_hardcore_v3 = {
    .id = "BipedalWalkerHardcore-v3",
    BW_DEF_COMMON,
    .max_episode_steps = 2000,
    .params = &bw_params_hardcore,
    .params_size = sizeof bw_params_hardcore,
};
