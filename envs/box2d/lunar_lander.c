/* rlc envs/box2d: LunarLander-v3 and LunarLanderContinuous-v3 (Gymnasium 1.x's
 * gymnasium/envs/box2d/lunar_lander.py), written from its definitions on Box2D 2.4.
 *
 * The world (Box2D units: the 600 x 400 pixel viewport is 20 x 13.33 at SCALE 30 pixels each):
 *   terrain   11 points 2 apart; heights U(0, H/2) for 12 draws, the five around the middle set to
 *             the helipad's H/4, then each point the 0.33-weighted sum of its height and its two
 *             neighbours' (the first point's left neighbour being the 12th draw, Python's
 *             height[-1]); a static body with a flat edge along y = 0 (friction 0.2) and the ten
 *             surface edges (friction 0.1). The helipad lies between the 4th and 6th points.
 *   lander    a hexagon (LANDER_POLY / SCALE, density 5, friction 0.1) at (W/2, H), pushed by a
 *             force U(-1000, 1000) on each axis for the first step; two legs (boxes 2 x 8 pixels
 *             half-size, density 1) 20 pixels to each side, on revolute joints with limits and a
 *             motor (speed +-0.3, torque 40) that act as springs. Lander and legs collide with the
 *             ground only.
 * A step: the wind (when enabled and no leg touches), the engines as impulses at a dispersed
 * point (two draws U(-1, 1)/SCALE every step, fired or not), one world step of 1/50 s with 180
 * velocity and 60 position iterations, then the observation (position relative to the helipad,
 * velocities scaled by the viewport and FPS, angle, angular velocity x 20/FPS, leg contacts) and
 * the reward: the change of the shaping -100 |position| - 100 |velocity| - 100 |angle| + 10 per
 * leg touching, minus 0.3 x main power and 0.03 x side power; -100 and the end when the body
 * touches the ground or |x| >= 1, +100 and the end when the lander sleeps (Box2D found it at rest).
 * Gymnasium's particles are not simulated: they only exist there when rendering and collide with
 * the ground only, so they cannot move the lander; the renderer draws the last step's flames. */
#include <math.h>
#include <string.h>

#include "envs/box2d/box2d.h"

#define LL_FPS 50.0
#define LL_SCALE 30.0
#define LL_MAIN_ENGINE_POWER 13.0
#define LL_SIDE_ENGINE_POWER 0.6
#define LL_INITIAL_RANDOM 1000.0
#define LL_LEG_AWAY 20.0
#define LL_LEG_DOWN 18.0
#define LL_LEG_W 2.0
#define LL_LEG_H 8.0
#define LL_LEG_SPRING_TORQUE 40.0
#define LL_SIDE_ENGINE_HEIGHT 14.0
#define LL_SIDE_ENGINE_AWAY 12.0
#define LL_MAIN_ENGINE_Y 4.0
#define LL_W (600.0 / LL_SCALE)
#define LL_H (400.0 / LL_SCALE)
#define LL_VEL_ITERS (6 * 30)
#define LL_POS_ITERS (2 * 30)

static const double ll_poly[6][2] = {{-14, 17}, {-17, 0}, {-17, -10}, {17, -10}, {17, 0}, {14, 17}};

/* Gymnasium's bounds but for the angle's: it declares +-2 pi, yet never wraps the body's angle,
 * and a lander that spins before it crashes goes past them (rlc check-env sees it in a few hundred
 * random steps), so the angle is unbounded here */
static const float ll_obs_low[8] = {-2.5f, -2.5f, -10.0f, -10.0f, -INFINITY, -10.0f, -0.0f, -0.0f};
static const float ll_obs_high[8] = {2.5f, 2.5f, 10.0f, 10.0f, INFINITY, 10.0f, 1.0f, 1.0f};
static const float ll_act_low[2] = {-1.0f, -1.0f};
static const float ll_act_high[2] = {1.0f, 1.0f};

/* Generator.uniform(lo, hi) */
static double ll_uniform(env_lunar_lander_state *s, double lo, double hi)
{
    return lo + (hi - lo) * rl_pcg64_random(&s->np_random);
}

/* ---- the world ---------------------------------------------------------------------------- */

static void ll_contact(void *ctx, b2c_body *a, b2c_body *b, bool begin)
{
    env_lunar_lander_state *s = ctx;
    if (begin && (a == s->lander || b == s->lander)) s->game_over = true;
    for (int i = 0; i < 2; i++)
        if (a == s->legs[i] || b == s->legs[i]) s->leg_contact[i] = begin;
}

static void ll_build_terrain(env_lunar_lander_state *s)
{
    double height[LL_CHUNKS + 1];
    for (int i = 0; i < LL_CHUNKS + 1; i++) height[i] = ll_uniform(s, 0.0, LL_H / 2);
    s->helipad_x1 = LL_W / (LL_CHUNKS - 1) * (LL_CHUNKS / 2 - 1);
    s->helipad_x2 = LL_W / (LL_CHUNKS - 1) * (LL_CHUNKS / 2 + 1);
    s->helipad_y = LL_H / 4;
    for (int k = -2; k <= 2; k++) height[LL_CHUNKS / 2 + k] = s->helipad_y;
    for (int i = 0; i < LL_CHUNKS; i++) {
        double left = height[i == 0 ? LL_CHUNKS : i - 1];   /* Python's height[-1] for i = 0 */
        s->terrain_x[i] = LL_W / (LL_CHUNKS - 1) * i;
        s->terrain_y[i] = 0.33 * (left + height[i] + height[i + 1]);
    }
    s->moon = b2c_body_create(s->world, false, 0.0f, 0.0f, 0.0f);
    b2c_material floor = {.density = 0, .friction = 0.2f, .category = 0x0001, .mask = 0xFFFF};
    b2c_body_add_edge(s->moon, 0.0f, 0.0f, (float)LL_W, 0.0f, &floor);
    b2c_material surface = {.density = 0, .friction = 0.1f, .category = 0x0001, .mask = 0xFFFF};
    for (int i = 0; i < LL_CHUNKS - 1; i++)
        b2c_body_add_edge(s->moon, (float)s->terrain_x[i], (float)s->terrain_y[i], (float)s->terrain_x[i + 1],
                          (float)s->terrain_y[i + 1], &surface);
}

static void ll_build_lander(env_lunar_lander_state *s)
{
    s->lander = b2c_body_create(s->world, true, (float)(LL_W / 2), (float)LL_H, 0.0f);
    float xy[12];
    for (int i = 0; i < 6; i++) {
        xy[2 * i] = (float)(ll_poly[i][0] / LL_SCALE);
        xy[2 * i + 1] = (float)(ll_poly[i][1] / LL_SCALE);
    }
    b2c_material m = {.density = 5.0f, .friction = 0.1f, .restitution = 0.0f, .category = 0x0010, .mask = 0x0001};
    b2c_body_add_polygon(s->lander, xy, 6, &m);
    double fx = ll_uniform(s, -LL_INITIAL_RANDOM, LL_INITIAL_RANDOM);
    double fy = ll_uniform(s, -LL_INITIAL_RANDOM, LL_INITIAL_RANDOM);
    b2c_body_apply_force_center(s->lander, (float)fx, (float)fy, true);
}

/* legs[0] at i = -1 (right of the body), legs[1] at i = +1 */
static void ll_build_legs(env_lunar_lander_state *s)
{
    for (int k = 0; k < 2; k++) {
        double i = k == 0 ? -1.0 : 1.0;
        s->legs[k] = b2c_body_create(s->world, true, (float)(LL_W / 2 - i * LL_LEG_AWAY / LL_SCALE), (float)LL_H,
                                     (float)(i * 0.05));
        b2c_material m = {.density = 1.0f, .friction = 0.2f, .restitution = 0.0f, .category = 0x0020, .mask = 0x0001};
        b2c_body_add_box(s->legs[k], (float)(LL_LEG_W / LL_SCALE), (float)(LL_LEG_H / LL_SCALE), &m);
        b2c_revolute_def jd = {
            .a = s->lander,
            .b = s->legs[k],
            .anchor_b = {(float)(i * LL_LEG_AWAY / LL_SCALE), (float)(LL_LEG_DOWN / LL_SCALE)},
            .enable_limit = true,
            .lower_angle = k == 0 ? (float)(0.9 - 0.5) : -0.9f,
            .upper_angle = k == 0 ? 0.9f : (float)(-0.9 + 0.5),
            .enable_motor = true,
            .motor_speed = (float)(0.3 * i),
            .max_motor_torque = (float)LL_LEG_SPRING_TORQUE,
        };
        b2c_revolute_create(s->world, &jd);
    }
}

/* ---- a step ------------------------------------------------------------------------------- */

/* tanh(sin(0.02 t) + sin(0.01 pi t)) */
static double ll_wind_curve(int64_t t)
{
    return tanh(sin(0.02 * (double)t) + sin(M_PI * 0.01 * (double)t));
}

static void ll_wind(env_lunar_lander_state *s)
{
    if (!s->p.enable_wind || s->leg_contact[0] || s->leg_contact[1]) return;
    double wind = ll_wind_curve(s->wind_idx++) * s->p.wind_power;
    b2c_body_apply_force_center(s->lander, (float)wind, 0.0f, true);
    double torque = ll_wind_curve(s->torque_idx++) * s->p.turbulence_power;
    b2c_body_apply_torque(s->lander, (float)torque, true);
}

/* the main and side powers (0 when off, else in [0.5, 1]) and the side's direction (-1 left,
 * +1 right) an action asks for */
static void ll_throttles(const env_lunar_lander_state *s, const float *action, double *m_power, double *s_power,
                         double *direction)
{
    *m_power = *s_power = *direction = 0.0;
    if (s->p.continuous) {
        double a0 = fmin(fmax((double)action[0], -1.0), 1.0), a1 = fmin(fmax((double)action[1], -1.0), 1.0);
        if (a0 > 0.0) *m_power = (a0 + 1.0) * 0.5;
        if (fabs(a1) > 0.5) {
            *direction = a1 > 0.0 ? 1.0 : -1.0;
            *s_power = fmin(fabs(a1), 1.0);
        }
        return;
    }
    int a = (int)action[0];
    if (a == 2) *m_power = 1.0;
    if (a == 1 || a == 3) {
        *direction = a - 2;
        *s_power = 1.0;
    }
}

/* fires the engines as impulses on the lander (two dispersion draws whatever the action);
 * returns the powers for the fuel cost */
static void ll_engines(env_lunar_lander_state *s, const float *action, double *m_power, double *s_power)
{
    double direction;
    ll_throttles(s, action, m_power, s_power, &direction);
    double angle = b2c_body_angle(s->lander);
    double tip[2] = {sin(angle), cos(angle)}, side[2] = {-tip[1], tip[0]};
    double disp[2];
    for (int k = 0; k < 2; k++) disp[k] = ll_uniform(s, -1.0, 1.0) / LL_SCALE;
    float px, py;
    b2c_body_position(s->lander, &px, &py);
    if (*m_power > 0.0) {
        double d = LL_MAIN_ENGINE_Y / LL_SCALE + 2.0 * disp[0];
        double ox = tip[0] * d + side[0] * disp[1], oy = -tip[1] * d - side[1] * disp[1];
        s->main_at[0] = px + ox;
        s->main_at[1] = py + oy;
        double f = LL_MAIN_ENGINE_POWER * *m_power;
        b2c_body_apply_impulse(s->lander, (float)(-ox * f), (float)(-oy * f), (float)s->main_at[0],
                               (float)s->main_at[1], true);
    }
    if (*s_power > 0.0) {
        double d = 3.0 * disp[1] + direction * LL_SIDE_ENGINE_AWAY / LL_SCALE;
        double ox = tip[0] * disp[0] + side[0] * d, oy = -tip[1] * disp[0] - side[1] * d;
        /* 17 across rather than SIDE_ENGINE_HEIGHT, as Gymnasium has it */
        s->side_at[0] = px + ox - tip[0] * 17.0 / LL_SCALE;
        s->side_at[1] = py + oy + tip[1] * LL_SIDE_ENGINE_HEIGHT / LL_SCALE;
        double f = LL_SIDE_ENGINE_POWER * *s_power;
        b2c_body_apply_impulse(s->lander, (float)(-ox * f), (float)(-oy * f), (float)s->side_at[0],
                               (float)s->side_at[1], true);
    }
    s->main_power = *m_power;
    s->side_power = *s_power;
}

/* the observation in double, as Gymnasium's state list */
static void ll_state(const env_lunar_lander_state *s, double *st)
{
    float x, y, vx, vy;
    b2c_body_position(s->lander, &x, &y);
    b2c_body_velocity(s->lander, &vx, &vy);
    st[0] = (x - LL_W / 2) / (LL_W / 2);
    st[1] = (y - (s->helipad_y + LL_LEG_DOWN / LL_SCALE)) / (LL_H / 2);
    st[2] = vx * (LL_W / 2) / LL_FPS;
    st[3] = vy * (LL_H / 2) / LL_FPS;
    st[4] = b2c_body_angle(s->lander);
    st[5] = 20.0 * b2c_body_angular_velocity(s->lander) / LL_FPS;
    st[6] = s->leg_contact[0] ? 1.0 : 0.0;
    st[7] = s->leg_contact[1] ? 1.0 : 0.0;
}

static double ll_shaping(const double *st)
{
    return -100.0 * sqrt(st[0] * st[0] + st[1] * st[1]) - 100.0 * sqrt(st[2] * st[2] + st[3] * st[3]) -
           100.0 * fabs(st[4]) + 10.0 * st[6] + 10.0 * st[7];
}

static void ll_advance(env_lunar_lander_state *s, const float *action, float *obs, float *reward, bool *terminated)
{
    ll_wind(s);
    double m_power, s_power;
    ll_engines(s, action, &m_power, &s_power);
    b2c_world_step(s->world, (float)(1.0 / LL_FPS), LL_VEL_ITERS, LL_POS_ITERS);
    double st[8];
    ll_state(s, st);
    double shaping = ll_shaping(st), r = 0.0;
    if (s->has_prev_shaping) r = shaping - s->prev_shaping;
    s->prev_shaping = shaping;
    s->has_prev_shaping = true;
    r -= m_power * 0.30;
    r -= s_power * 0.03;
    *terminated = false;
    if (s->game_over || fabs(st[0]) >= 1.0) {
        *terminated = true;
        r = -100.0;
    }
    if (!b2c_body_awake(s->lander)) {
        *terminated = true;
        r = 100.0;
    }
    *reward = (float)r;
    for (int i = 0; i < 8; i++) obs[i] = (float)st[i];
}

/* ---- the env_def functions ---------------------------------------------------------------- */

static rl_status ll_init(void *state, char *err, size_t err_sz)
{
    (void)state;
    (void)err;
    (void)err_sz;
    return RL_OK;
}

static void ll_seed(void *state, uint64_t seed) { rl_pcg64_seed(&((env_lunar_lander_state *)state)->np_random, seed); }

static void ll_reset(void *state, rl_rng *rng, float *obs)
{
    (void)rng;
    env_lunar_lander_state *s = state;
    b2c_world_destroy(s->world);
    s->world = b2c_world_create(0.0f, (float)s->p.gravity);
    RL_ASSERT_MSG(s->world, "LunarLander: out of memory creating the Box2D world");
    b2c_world_set_contact_fn(s->world, ll_contact, s);
    s->game_over = s->leg_contact[0] = s->leg_contact[1] = false;
    s->has_prev_shaping = false;
    ll_build_terrain(s);
    ll_build_lander(s);
    if (s->p.enable_wind) {
        s->wind_idx = rl_pcg64_integers(&s->np_random, -9999, 9999);
        s->torque_idx = rl_pcg64_integers(&s->np_random, -9999, 9999);
    }
    ll_build_legs(s);
    const float noop[2] = {0.0f, 0.0f};
    float reward;
    bool terminated;
    ll_advance(s, noop, obs, &reward, &terminated);
}

static void ll_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    (void)rng;
    env_lunar_lander_state *s = state;
    RL_ASSERT_MSG(s->world, "LunarLander: step before reset");
    ll_advance(s, action, obs, reward, terminated);
    *truncated = false;
}

static void ll_close(void *state)
{
    env_lunar_lander_state *s = state;
    b2c_world_destroy(s->world);
    s->world = NULL;
}

rl_status env_lunar_lander_def(env_def *def, const env_def *base, env_lunar_lander_params *params_storage,
                               const env_lunar_lander_params *p, char *err, size_t err_sz)
{
    if (!base || base->init != ll_init)
        return rl_errf(err, err_sz, RL_ERR_ARG, "env_lunar_lander_def: the base is not a LunarLander definition");
    if (!(p->gravity > -12.0 && p->gravity < 0.0))
        return rl_errf(err, err_sz, RL_ERR_ARG, "LunarLander: gravity %g, expected a value in (-12, 0), both excluded",
                       p->gravity);
    if (!isfinite(p->wind_power) || !isfinite(p->turbulence_power))
        return rl_errf(err, err_sz, RL_ERR_ARG, "LunarLander: wind_power and turbulence_power must be finite");
    *params_storage = *p;
    *def = *base;
    def->params = params_storage;
    def->act_space = p->continuous ? env_lunar_lander_continuous_v3.act_space : env_lunar_lander_v3.act_space;
    return RL_OK;
}

static const env_lunar_lander_params ll_params = {
    .continuous = false, .gravity = -10.0, .enable_wind = false, .wind_power = 15.0, .turbulence_power = 1.5};
static const env_lunar_lander_params ll_params_continuous = {
    .continuous = true, .gravity = -10.0, .enable_wind = false, .wind_power = 15.0, .turbulence_power = 1.5};

#define LL_DEF_COMMON                                                                                        \
    .state_size = sizeof(env_lunar_lander_state), .max_episode_steps = 1000, .reward_threshold = 200.0,      \
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = 8, .low = ll_obs_low, .high = ll_obs_high}, .init = ll_init, \
    .reset = ll_reset, .step = ll_step, .close = ll_close, .seed = ll_seed

const env_def env_lunar_lander_v3 = {
    .id = "LunarLander-v3",
    LL_DEF_COMMON,
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 4, .dim = 1},
    .params = &ll_params,
    .params_size = sizeof ll_params,
};

const env_def env_lunar_lander_continuous_v3 = {
    .id = "LunarLanderContinuous-v3",
    LL_DEF_COMMON,
    .act_space = {.kind = ENV_SPACE_BOX, .dim = 2, .low = ll_act_low, .high = ll_act_high},
    .params = &ll_params_continuous,
    .params_size = sizeof ll_params_continuous,
};
