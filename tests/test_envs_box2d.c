/* rlc tests: the Box2D environments (envs/box2d) against Gymnasium's definitions, worked by hand
 * here. LunarLander-v3 and LunarLanderContinuous-v3: the registrations, the terrain and the
 * initial push a seed gives (numpy's draws, computed with numpy), the observation's scaling from
 * the bodies' state, the reward as the change of the shaping minus the fuel each action burns, the
 * +-100 endings, gravity's effect, determinism per seed, rlc check-env, the picture and the
 * kwargs' refusals. BipedalWalker-v3 and BipedalWalkerHardcore-v3: the registrations, the terrain
 * and the draws per seed, the observation and the lidar over the flat start, the reward as
 * progress minus torque, the fall's -100, Gymnasium's heuristic walker, determinism, check-env
 * and the picture. */
#include <criterion/criterion.h>

#ifdef RLC_HAVE_BOX2D

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "envs/box2d/box2d.h"
#include "envs/check.h"
#include "envs/env.h"
#include "envs/render.h"
#include "train/trainer_env.h"

#define SCALE 30.0
#define W (600.0 / SCALE)
#define H (400.0 / SCALE)

static env_instance make_env(const char *id)
{
    env_instance e;
    char err[256];
    cr_assert_eq(env_make(&e, id, 0, err, sizeof err), RL_OK, "env_make(%s): %s", id, err);
    return e;
}

static env_lunar_lander_state *ll(env_instance *e) { return e->state; }

/* the shaping of an observation, in double: -100 |(x, y)| - 100 |(vx, vy)| - 100 |angle| + 10 per leg */
static double shaping(const float *o)
{
    return -100.0 * sqrt((double)o[0] * o[0] + (double)o[1] * o[1]) -
           100.0 * sqrt((double)o[2] * o[2] + (double)o[3] * o[3]) - 100.0 * fabs(o[4]) + 10.0 * o[6] + 10.0 * o[7];
}

/* ---- the C interface to Box2D ------------------------------------------------------------------ */

static void count_contacts(void *ctx, b2c_body *a, b2c_body *b, bool begin)
{
    (void)a;
    (void)b;
    ((int *)ctx)[begin ? 0 : 1]++;
}

/* a ray down from (0, 3) over the ground edge y = 0 and a ledge at y = 1 of another category: the
 * closest hit of the categories asked for; a ball dropped on the ground starts one contact */
Test(box2d, b2c_raycast_and_contacts)
{
    b2c_world *w = b2c_world_create(0.0f, -10.0f);
    cr_assert_not_null(w);
    int contacts[2] = {0, 0};
    b2c_world_set_contact_fn(w, count_contacts, contacts);
    b2c_body *ground = b2c_body_create(w, false, 0, 0, 0);
    b2c_material g = {.friction = 0.5f, .category = 0x0001, .mask = 0xFFFF};
    b2c_body_add_edge(ground, -5, 0, 5, 0, &g);
    b2c_material l = {.friction = 0.5f, .category = 0x0002, .mask = 0xFFFF};
    b2c_body_add_edge(ground, -5, 1, 5, 1, &l);
    cr_assert_float_eq(b2c_world_raycast(w, 0, 3, 0, -1, 0x0001), 0.75f, 1e-5);   /* y = 0 at 3/4 */
    cr_assert_float_eq(b2c_world_raycast(w, 0, 3, 0, -1, 0x0003), 0.5f, 1e-5);    /* the ledge first */
    cr_assert_eq(b2c_world_raycast(w, 0, 3, 0, 2, 0x0003), 1.0f);                 /* short of both */
    b2c_material m = {.density = 1, .friction = 0.5f, .category = 0x0004, .mask = 0x0001};
    b2c_body *ball = b2c_body_create(w, true, 2, 0.6f, 0);
    b2c_body_add_circle(ball, 0.5f, &m);
    for (int t = 0; t < 60; t++) b2c_world_step(w, 1.0f / 50, 8, 3);
    float x, y;
    b2c_body_position(ball, &x, &y);
    cr_assert_float_eq(y, 0.5f, 0.02f, "the ball rests on y = 0 (it passes through the ledge): %g", y);
    cr_assert_eq(contacts[0], 1);
    cr_assert_eq(contacts[1], 0);
    b2c_world_destroy(w);
}

/* ---- registrations ----------------------------------------------------------------------------- */

Test(box2d, lunar_lander_registrations)
{
    static const float high[8] = {2.5f, 2.5f, 10, 10, INFINITY, 10, 1, 1};
    const char *ids[2] = {"LunarLander-v3", "LunarLanderContinuous-v3"};
    for (int k = 0; k < 2; k++) {
        const env_def *d = env_find(ids[k]);
        cr_assert_not_null(d, "%s", ids[k]);
        cr_assert_eq(d->max_episode_steps, 1000);
        cr_assert_eq(d->reward_threshold, 200.0);
        cr_assert_eq(d->obs_space.kind, ENV_SPACE_BOX);
        cr_assert_eq(d->obs_space.dim, 8);
        for (int i = 0; i < 8; i++) {
            cr_assert_eq(d->obs_space.high[i], high[i], "%s high[%d]", ids[k], i);
            cr_assert_eq(d->obs_space.low[i], i >= 6 ? 0.0f : -high[i], "%s low[%d]", ids[k], i);
        }
    }
    const env_def *d = env_find("LunarLander-v3"), *c = env_find("LunarLanderContinuous-v3");
    cr_assert_eq(d->act_space.kind, ENV_SPACE_DISCRETE);
    cr_assert_eq(d->act_space.n, 4);
    cr_assert_eq(c->act_space.kind, ENV_SPACE_BOX);
    cr_assert_eq(c->act_space.dim, 2);
    cr_assert_eq(c->act_space.low[0], -1.0f);
    cr_assert_eq(c->act_space.high[1], 1.0f);
}

/* ---- what a seed draws ------------------------------------------------------------------------ */

/* numpy: rng = np.random.default_rng(seed); h = rng.uniform(0, H/2, 12); h[3:8] = H/4;
 * y[i] = 0.33 * (h[i-1] + h[i] + h[i+1]); then the push rng.uniform(-1000, 1000) twice */
static const struct {
    int64_t seed;
    double terrain[11], force[2];
} seeds[] = {
    {0,
     {2.0008711827620402, 2.0849882350473425, 1.7836725229401429, 2.2901417526596286, 3.3000000000000003,
      3.3000000000000003, 3.3000000000000003, 3.3959749812239308, 4.3531343135570211, 5.0480121326243923,
      3.8580618517747869},
     {714.8085531751387, -932.8288493890713}},
    {42,
     {4.7071188497445586, 4.5571512980826769, 3.9544479912595571, 4.0889154238050418, 3.3000000000000003,
      3.3000000000000003, 3.3000000000000003, 2.4818499918862011, 2.3726990552564491, 2.0884547085681273,
      3.8454876921488506},
     {287.730240161329, 645.52322654166}},
};

Test(box2d, a_seed_gives_numpys_terrain)
{
    env_instance e = make_env("LunarLander-v3");
    float obs[8];
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        env_reset(&e, seeds[k].seed, obs);
        env_lunar_lander_state *s = ll(&e);
        for (int i = 0; i < 11; i++) {
            cr_assert_float_eq(s->terrain_y[i], seeds[k].terrain[i], 1e-12, "seed %lld point %d: %.17g",
                               (long long)seeds[k].seed, i, s->terrain_y[i]);
            cr_assert_eq(s->terrain_x[i], 2.0 * i);
        }
        cr_assert_eq(s->helipad_x1, 8.0);
        cr_assert_eq(s->helipad_x2, 12.0);
        cr_assert_float_eq(s->helipad_y, H / 4, 1e-12);
    }
    env_close(&e);
}

/* The push acts for the reset's own step (1/50 s) with gravity: the momentum of the lander and its
 * legs (the joints' impulses cancel) is (F + M g) dt, with the masses of the shapes: the hexagon's
 * 867 square pixels at density 5 and each leg's 4 x 16 at density 1. */
Test(box2d, a_seed_gives_numpys_initial_push)
{
    env_instance e = make_env("LunarLander-v3");
    const double m_lander = 5.0 * 867.0 / 900.0, m_leg = 64.0 / 900.0, dt = 1.0 / 50.0;
    float obs[8];
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        env_reset(&e, seeds[k].seed, obs);
        env_lunar_lander_state *s = ll(&e);
        double p[2];
        float vx, vy;
        b2c_body_velocity(s->lander, &vx, &vy);
        p[0] = m_lander * vx;
        p[1] = m_lander * vy;
        for (int i = 0; i < 2; i++) {
            b2c_body_velocity(s->legs[i], &vx, &vy);
            p[0] += m_leg * vx;
            p[1] += m_leg * vy;
        }
        double want_x = seeds[k].force[0] * dt, want_y = (seeds[k].force[1] - 10.0 * (m_lander + 2 * m_leg)) * dt;
        cr_assert_float_eq(p[0], want_x, 1e-3 * fabs(want_x), "seed %lld: px %g, want %g", (long long)seeds[k].seed,
                           p[0], want_x);
        cr_assert_float_eq(p[1], want_y, 1e-3 * fabs(want_y), "seed %lld: py %g, want %g", (long long)seeds[k].seed,
                           p[1], want_y);
    }
    env_close(&e);
}

/* ---- observation and reward ------------------------------------------------------------------- */

/* the observation from the lander's body: the position relative to the helipad's centre in
 * half-viewports, the velocity times the half-viewport over FPS, the angle, 20/FPS of the angular
 * velocity, the legs' contacts */
static void expect_observation(env_instance *e, const float *obs)
{
    env_lunar_lander_state *s = ll(e);
    float x, y, vx, vy;
    b2c_body_position(s->lander, &x, &y);
    b2c_body_velocity(s->lander, &vx, &vy);
    double want[8] = {(x - 10.0) / 10.0,
                      (y - (H / 4 + 18.0 / SCALE)) / (H / 2),
                      vx * 10.0 / 50.0,
                      vy * (H / 2) / 50.0,
                      b2c_body_angle(s->lander),
                      20.0 * b2c_body_angular_velocity(s->lander) / 50.0,
                      s->leg_contact[0],
                      s->leg_contact[1]};
    for (int i = 0; i < 8; i++) cr_assert_float_eq(obs[i], want[i], 1e-6 * (1 + fabs(want[i])), "obs[%d]", i);
}

Test(box2d, observation_is_the_lander_state_scaled)
{
    env_instance e = make_env("LunarLander-v3");
    float obs[8], r;
    bool term, trunc;
    env_reset(&e, 7, obs);
    expect_observation(&e, obs);
    /* just below the start: x near 0, y = (13.33 - 3.93) / 6.67 = 1.41 */
    cr_assert(fabsf(obs[0]) < 0.02f && fabsf(obs[1] - 1.41f) < 0.02f, "%g %g", obs[0], obs[1]);
    for (int t = 0; t < 40; t++) {
        float a = (float)(t % 4);
        env_step(&e, &a, obs, &r, &term, &trunc);
        expect_observation(&e, obs);
    }
    env_close(&e);
}

/* reward = shaping(now) - shaping(before) - fuel: 0.3 x the main engine's power, 0.03 x the
 * side engines'; the shaping is Gymnasium's, from the unrounded state (the observation is its
 * float rounding, hence the tolerance) */
static void expect_fuel(env_instance *e, const float *action, double fuel, const char *what)
{
    float before[8], after[8], r;
    bool term, trunc;
    env_reset(e, 11, before);
    env_step(e, action, after, &r, &term, &trunc);
    cr_assert(!term);
    double want = shaping(after) - shaping(before) - fuel;
    cr_assert_float_eq(r, want, 2e-3, "%s: reward %.6f, want %.6f", what, r, want);
}

Test(box2d, reward_is_the_shaping_change_minus_fuel)
{
    env_instance e = make_env("LunarLander-v3");
    const float noop = 0, left = 1, main_engine = 2, right = 3;
    expect_fuel(&e, &noop, 0.0, "noop");
    expect_fuel(&e, &left, 0.03, "left");
    expect_fuel(&e, &main_engine, 0.3, "main");
    expect_fuel(&e, &right, 0.03, "right");
    env_close(&e);
    env_instance c = make_env("LunarLanderContinuous-v3");
    const float off[2] = {-0.5f, 0.4f}, half[2] = {0.5f, 0.0f}, both[2] = {1.0f, -1.0f}, side[2] = {0.0f, 0.75f},
                over[2] = {3.0f, -2.0f};
    expect_fuel(&c, off, 0.0, "main < 0, |lateral| <= 0.5");
    expect_fuel(&c, half, 0.3 * 0.75, "main 0.5: power (0.5 + 1) / 2");
    expect_fuel(&c, both, 0.3 + 0.03, "main 1, lateral -1");
    expect_fuel(&c, side, 0.03 * 0.75, "lateral 0.75");
    expect_fuel(&c, over, 0.3 + 0.03, "clipped to 1, -1");
    env_close(&c);
}

Test(box2d, the_first_step_after_reset_has_a_shaping_reference)
{
    /* the reset's own step sets the reference; a noop step's reward is then a small change, not
     * the whole shaping (about -100 at the start) */
    env_instance e = make_env("LunarLander-v3");
    float obs[8], r, a = 0;
    bool term, trunc;
    env_reset(&e, 3, obs);
    cr_assert(ll(&e)->has_prev_shaping);
    env_step(&e, &a, obs, &r, &term, &trunc);
    cr_assert(fabsf(r) < 5.0f, "%g", r);
    env_close(&e);
}

/* ---- endings ---------------------------------------------------------------------------------- */

/* Gymnasium's heuristic pilot (lunar_lander.py's heuristic(), written again from its rules) */
static float pilot(const float *s)
{
    double angle_targ = s[0] * 0.5 + s[2] * 1.0;
    angle_targ = fmin(fmax(angle_targ, -0.4), 0.4);
    double hover_targ = 0.55 * fabs(s[0]);
    double angle_todo = (angle_targ - s[4]) * 0.5 - s[5] * 1.0;
    double hover_todo = (hover_targ - s[1]) * 0.5 - s[3] * 0.5;
    if (s[6] > 0 || s[7] > 0) {
        angle_todo = 0;
        hover_todo = -s[3] * 0.5;
    }
    if (hover_todo > fabs(angle_todo) && hover_todo > 0.05) return 2;
    if (angle_todo < -0.05) return 3;
    if (angle_todo > 0.05) return 1;
    return 0;
}

Test(box2d, the_heuristic_pilot_lands_for_plus_100)
{
    env_instance e = make_env("LunarLander-v3");
    double total = 0;
    int landed = 0;
    for (int64_t seed = 1; seed <= 5; seed++) {
        float obs[8], r = 0;
        bool term = false, trunc = false;
        env_reset(&e, seed, obs);
        double ret = 0;
        while (!term && !trunc) {
            float a = pilot(obs);
            env_step(&e, &a, obs, &r, &term, &trunc);
            ret += r;
        }
        if (term && r == 100.0f) {
            landed++;
            cr_assert(!b2c_body_awake(ll(&e)->lander));
            cr_assert(obs[6] == 1.0f || obs[7] == 1.0f, "landed on no leg");
        }
        total += ret;
    }
    /* here 5 landings and a mean of 258; the margin allows for Box2D versions and rounding */
    cr_assert_geq(landed, 4, "%d of 5 landings", landed);
    cr_assert_gt(total / 5, 180.0, "mean return %g", total / 5);
    env_close(&e);
}

Test(box2d, a_crash_or_leaving_the_screen_ends_at_minus_100)
{
    /* the left engine alone spins the lander until its body hits the ground or it leaves */
    env_instance e = make_env("LunarLander-v3");
    float obs[8], r = 0, a = 1;
    bool term = false, trunc = false;
    env_reset(&e, 5, obs);
    int t = 0;
    while (!term && !trunc) {
        env_step(&e, &a, obs, &r, &term, &trunc);
        t++;
    }
    cr_assert(term, "truncated after %d steps", t);
    cr_assert_eq(r, -100.0f);
    cr_assert(ll(&e)->game_over || fabsf(obs[0]) >= 1.0f);
    env_close(&e);
}

/* ---- determinism ------------------------------------------------------------------------------ */

static void run(env_instance *e, int64_t seed, float *trace, int n)
{
    float obs[8], r;
    bool term, trunc;
    env_reset(e, seed, obs);
    for (int t = 0; t < n; t++) {
        float a = (float)((t / 7) % 4);
        env_step(e, &a, obs, &r, &term, &trunc);
        memcpy(trace + 9 * t, obs, sizeof obs);
        trace[9 * t + 8] = r;
        if (term) env_reset(e, -1, obs);
    }
}

Test(box2d, the_same_seed_gives_the_same_run)
{
    enum { N = 300 };
    static float a[9 * N], b[9 * N], c[9 * N];
    env_instance e1 = make_env("LunarLander-v3"), e2 = make_env("LunarLander-v3");
    run(&e1, 9, a, N);
    run(&e2, 8, c, N);   /* e2 has been used before the run that must match */
    run(&e2, 9, b, N);
    cr_assert_eq(memcmp(a, b, sizeof a), 0, "seed 9 twice differs");
    cr_assert_neq(memcmp(a, c, sizeof a), 0, "seeds 8 and 9 gave the same run");
    env_close(&e1);
    env_close(&e2);
}

Test(box2d, check_env_passes)
{
    const char *ids[2] = {"LunarLander-v3", "LunarLanderContinuous-v3"};
    for (int k = 0; k < 2; k++) {
        env_check_opts o;
        env_check_opts_default(&o);
        env_check_report rep;
        char err[256];
        cr_assert_eq(env_check_run(env_find(ids[k]), &o, &rep, err, sizeof err), RL_OK, "%s", err);
        for (int i = 0; i < rep.n_items; i++)
            cr_assert_neq(rep.items[i].outcome, ENV_CHECK_FAIL, "%s: %s: %s", ids[k], rep.items[i].name,
                          rep.items[i].detail);
    }
}

/* the frame: Gymnasium's 600 x 400, black sky at the top, the white moon at the bottom, the
 * lander's purple where its body is (half a second's fall below the top) */
Test(box2d, rlc_record_draws_the_lander)
{
    env_instance e = make_env("LunarLander-v3");
    float obs[8], rew, noop = 0;
    bool term, trunc;
    env_reset(&e, 1, obs);
    for (int t = 0; t < 25; t++) env_step(&e, &noop, obs, &rew, &term, &trunc);
    env_renderer *r;
    char err[256];
    cr_assert_eq(env_render_open(&r, &e, 0, 0, err, sizeof err), RL_OK, "%s", err);
    int w, h, fps;
    env_render_size(r, &w, &h, &fps);
    cr_assert(w == 600 && h == 400 && fps == 50, "%dx%d at %d", w, h, fps);
    uint8_t *rgb = malloc((size_t)w * h * 3);
    cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_OK, "%s", err);
    const uint8_t *sky = rgb + (50 * w + 20) * 3, *ground = rgb + ((h - 2) * w + 300) * 3;
    cr_assert(sky[0] == 0 && sky[1] == 0 && sky[2] == 0);
    cr_assert(ground[0] == 255 && ground[1] == 255 && ground[2] == 255);
    float x, y;   /* the hull's centre row, 5 pixels above the body's origin */
    b2c_body_world_point(ll(&e)->lander, 0.0f, 5.0f / 30.0f, &x, &y);
    int row = h - 1 - (int)(y * 30), col = (int)(x * 30);
    cr_assert(row >= 0 && row < h && col >= 0 && col < w, "the hull at row %d, column %d", row, col);
    const uint8_t *hull = rgb + ((size_t)row * w + col) * 3;
    cr_assert(hull[0] == 128 && hull[1] == 102 && hull[2] == 230, "%d %d %d", hull[0], hull[1], hull[2]);
    free(rgb);
    env_render_close(r);
    env_close(&e);
}

/* ---- keyword arguments ------------------------------------------------------------------------ */

static rl_status open_kwargs_of(const char *id, const char *kwargs, trainer_env *te, char *err, size_t err_sz)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml, "algo: ppo\nenv:\n  id: %s\n  kwargs: {%s}\n", id, kwargs);
    rl_config *cfg = malloc(sizeof *cfg);
    cr_assert_eq(rl_config_load_string(cfg, yaml, "ll.yaml", NULL, 0, err, err_sz), RL_OK, "%s", err);
    rl_status st = trainer_env_open(te, cfg, "ll.yaml", false, err, err_sz);
    free(cfg);
    return st;
}

static rl_status open_kwargs(const char *kwargs, trainer_env *te, char *err, size_t err_sz)
{
    return open_kwargs_of("LunarLander-v3", kwargs, te, err, err_sz);
}

static void expect_refused(const char *kwargs, const char *want1, const char *want2)
{
    trainer_env te;
    char err[1024];
    cr_assert_eq(open_kwargs(kwargs, &te, err, sizeof err), RL_ERR_CONFIG, "accepted: %s", kwargs);
    cr_assert(strstr(err, "ll.yaml:4"), "%s", err);
    cr_assert(strstr(err, want1) && strstr(err, want2), "%s: %s", kwargs, err);
    trainer_env_close(&te);
}

Test(box2d, kwargs_are_checked)
{
    expect_refused("gravity: 0", "gravity 0", "(-12, 0)");
    expect_refused("gravity: -12", "gravity -12", "(-12, 0)");
    expect_refused("gravity: -13", "env.kwargs.gravity", "out of range");
    expect_refused("continuous: maybe", "env.kwargs.continuous", "expected true or false");
    expect_refused("wind_power: .inf", "env.kwargs.wind_power", "out of range");
    expect_refused("wind: 3", "takes no argument 'wind'", "enable_wind");
}

/* a definition of LunarLander-v3 with kwargs, and an instance of it */
static env_instance make_with(const char *kwargs, trainer_env *te)
{
    char err[1024];
    cr_assert_eq(open_kwargs(kwargs, te, err, sizeof err), RL_OK, "%s", err);
    env_instance e;
    cr_assert_eq(env_make_def(&e, te->def, 0, err, sizeof err), RL_OK, "%s", err);
    return e;
}

Test(box2d, continuous_kwarg_gives_the_box_actions)
{
    trainer_env te;
    env_instance e = make_with("continuous: true", &te);
    cr_assert_eq(e.def->act_space.kind, ENV_SPACE_BOX);
    cr_assert_eq(e.def->act_space.dim, 2);
    float obs[8], r, a[2] = {1.0f, 0.0f};
    bool term, trunc;
    env_reset(&e, 1, obs);
    env_step(&e, a, obs, &r, &term, &trunc);
    cr_assert_float_eq(ll(&e)->main_power, 1.0, 1e-12);
    env_close(&e);
    trainer_env_close(&te);
}

/* Uniform gravity moves the lander and its legs alike, so between two gravities the same seed's
 * velocities differ by dg dt per step: vy's observation by dg / 50 x (H/2) / 50 after the
 * reset's step, while nothing touches the ground. */
Test(box2d, gravity_kwarg_changes_the_fall_by_dg_dt)
{
    trainer_env t10, t5;
    env_instance e10 = make_with("gravity: -10", &t10), e5 = make_with("gravity: -5.0", &t5);
    float o10[8], o5[8], r;
    bool term, trunc;
    env_reset(&e10, 4, o10);
    env_reset(&e5, 4, o5);
    double unit = (H / 2) / 50.0 / 50.0;
    cr_assert_float_eq(o5[3] - o10[3], 5.0 * unit, 1e-4, "%g", o5[3] - o10[3]);
    for (int t = 0; t < 10; t++) {
        float a = 0;
        env_step(&e10, &a, o10, &r, &term, &trunc);
        env_step(&e5, &a, o5, &r, &term, &trunc);
    }
    cr_assert_float_eq(o5[3] - o10[3], 11 * 5.0 * unit, 1e-3, "%g", o5[3] - o10[3]);
    env_close(&e10);
    env_close(&e5);
    trainer_env_close(&t10);
    trainer_env_close(&t5);
}

/* enable_wind pushes the lander sideways: the same seed drifts apart from the windless run (the
 * two extra draws of the wind's phases shift the engines' dispersion too, but with no engine
 * firing only the wind moves x) */
Test(box2d, wind_kwarg_pushes_the_lander)
{
    trainer_env tw, tn;
    env_instance w = make_with("enable_wind: true, wind_power: 20, turbulence_power: 2", &tw);
    env_instance n = make_with("enable_wind: false", &tn);
    float ow[8], on[8], r;
    bool term, trunc;
    env_reset(&w, 2, ow);
    env_reset(&n, 2, on);
    cr_assert(ll(&w)->wind_idx != 0 || ll(&w)->torque_idx != 0);
    for (int i = 0; i < 11; i++) cr_assert_eq(ll(&w)->terrain_y[i], ll(&n)->terrain_y[i]);
    for (int t = 0; t < 20; t++) {
        float a = 0;
        env_step(&w, &a, ow, &r, &term, &trunc);
        env_step(&n, &a, on, &r, &term, &trunc);
    }
    cr_assert_gt(fabsf(ow[2] - on[2]), 1e-3f, "vx %g vs %g", ow[2], on[2]);
    cr_assert_gt(fabsf(ow[5] - on[5]), 1e-3f, "angular velocity %g vs %g", ow[5], on[5]);
    env_close(&w);
    env_close(&n);
    trainer_env_close(&tw);
    trainer_env_close(&tn);
}

/* ==== BipedalWalker ============================================================================ */

#define BW_STEP (14.0 / 30.0)

static env_bipedal_walker_state *bw(env_instance *e) { return e->state; }

Test(box2d, bipedal_walker_registrations)
{
    const char *ids[2] = {"BipedalWalker-v3", "BipedalWalkerHardcore-v3"};
    const int limits[2] = {1600, 2000};
    for (int k = 0; k < 2; k++) {
        const env_def *d = env_find(ids[k]);
        cr_assert_not_null(d, "%s", ids[k]);
        cr_assert_eq(d->max_episode_steps, limits[k]);
        cr_assert_eq(d->reward_threshold, 300.0);
        cr_assert_eq(d->obs_space.dim, 24);
        cr_assert_eq(d->act_space.kind, ENV_SPACE_BOX);
        cr_assert_eq(d->act_space.dim, 4);
        cr_assert_eq(d->obs_space.high[8], 5.0f);
        cr_assert_eq(d->obs_space.low[14], -1.0f);
        cr_assert_float_eq(d->obs_space.high[0], M_PI, 1e-6);
    }
}

/* numpy (Gymnasium's terrain rules written again in Python, numpy's generator): the heights at
 * points 0, 21, 50, 100, 150, 199, the obstacles' boxes, and the generator's next draw after the
 * reset's (the terrain's, the clouds' 110 and the push's): the same draws, in the same order. (The
 * push cannot be read back from the momentum as in LunarLander: Gymnasium places the legs 2 x 8
 * pixels off their hip anchors, so the first step pulls them down onto the ground.) */
static const struct {
    int64_t seed;
    bool hardcore;
    int n_polys;
    double next, y[6];
} bw_seeds[] = {
    {0, false, 0, 0.9739844048523552,
     {3.3333333333333335, 3.3179857809175917, 3.3934287192853239, 3.3844441206524767, 3.2880646668277964,
      3.3859546771186042}},
    {1, false, 0, 0.11317416004642233,
     {3.3333333333333335, 3.363364246421729, 3.5122334388499481, 3.3057279628520195, 3.3420275437082059,
      3.4092577415672589}},
    {3, true, 29, 0.660050747548238,
     {3.3333333333333335, 3.3333333333333335, 2.7426963483465934, 1.3795589751904684, 3.5615775550189492,
      5.0463280792639349}},
    {7, true, 29, 0.6580260816117258,
     {3.3333333333333335, 3.3333333333333335, 4.50903094625252, 3.7079146962798197, 4.1156581354742912,
      4.2299576493007285}},
};

Test(box2d, bipedal_walker_seeds_give_numpys_terrain_and_draws)
{
    static const int at[6] = {0, 21, 50, 100, 150, 199};
    env_instance e[2] = {make_env("BipedalWalker-v3"), make_env("BipedalWalkerHardcore-v3")};
    float obs[24];
    for (size_t k = 0; k < sizeof bw_seeds / sizeof bw_seeds[0]; k++) {
        env_instance *ek = &e[bw_seeds[k].hardcore];
        env_reset(ek, bw_seeds[k].seed, obs);
        env_bipedal_walker_state *s = bw(ek);
        cr_assert_eq(s->n_polys, bw_seeds[k].n_polys, "seed %lld", (long long)bw_seeds[k].seed);
        for (int i = 0; i < 6; i++)
            cr_assert_float_eq(s->terrain_y[at[i]], bw_seeds[k].y[i], 1e-12, "seed %lld point %d: %.17g",
                               (long long)bw_seeds[k].seed, at[i], s->terrain_y[at[i]]);
        cr_assert_eq(s->terrain_x[199], 199 * BW_STEP);
        cr_assert_eq(rl_pcg64_random(&s->np_random), bw_seeds[k].next, "seed %lld", (long long)bw_seeds[k].seed);
    }
    env_close(&e[0]);
    env_close(&e[1]);
}

/* the observation from the bodies and joints; the lidar over the flat start pad (height H/4):
 * ray i, 0.15 i from straight down, hits at (hull y - H/4) / cos(0.15 i), a fraction of 160/30 */
Test(box2d, bipedal_walker_observation_and_lidar)
{
    env_instance e = make_env("BipedalWalker-v3");
    float obs[24];
    env_reset(&e, 5, obs);
    env_bipedal_walker_state *s = bw(&e);
    float x, y, vx, vy;
    b2c_body_position(s->hull, &x, &y);
    b2c_body_velocity(s->hull, &vx, &vy);
    double want[14] = {b2c_body_angle(s->hull), 2.0 * b2c_body_angular_velocity(s->hull) / 50.0,
                       0.3 * vx * 20.0 / 50.0, 0.3 * vy * (40.0 / 3.0) / 50.0};
    for (int k = 0; k < 2; k++) {
        want[4 + 5 * k] = b2c_joint_angle(s->joints[2 * k]);
        want[5 + 5 * k] = b2c_joint_speed(s->joints[2 * k]) / 4.0;
        want[6 + 5 * k] = b2c_joint_angle(s->joints[2 * k + 1]) + 1.0;
        want[7 + 5 * k] = b2c_joint_speed(s->joints[2 * k + 1]) / 6.0;
        want[8 + 5 * k] = s->leg_contact[k];
    }
    for (int i = 0; i < 14; i++) cr_assert_float_eq(obs[i], want[i], 1e-6 * (1 + fabs(want[i])), "obs[%d]", i);
    double range = 160.0 / 30.0, h = y - H / 4;
    for (int i = 0; i < 10; i++) {
        double f = h / cos(0.15 * i) / range;
        cr_assert_float_eq(obs[14 + i], f < 1 ? f : 1.0, 1e-4, "lidar %d: %g", i, obs[14 + i]);
    }
    cr_assert_eq(obs[23], 1.0f, "the last ray (1.35 rad) reaches no ground");
    env_close(&e);
}

/* reward = the change of 130 x / SCALE - 5 |hull angle| minus 0.00035 x 80 x |a| per motor */
Test(box2d, bipedal_walker_reward_is_progress_minus_torque)
{
    env_instance e = make_env("BipedalWalker-v3");
    const float actions[3][4] = {{0, 0, 0, 0}, {1, -1, 0.5f, -0.25f}, {3, 0, -2, 0}};
    const double torque[3] = {0, 2.75, 2};   /* sum of min(|a|, 1) */
    for (int k = 0; k < 3; k++) {
        float before[24], after[24], r, x0, x1, y;
        bool term, trunc;
        env_reset(&e, 2, before);
        b2c_body_position(bw(&e)->hull, &x0, &y);
        env_step(&e, actions[k], after, &r, &term, &trunc);
        b2c_body_position(bw(&e)->hull, &x1, &y);
        double want = 130.0 * ((double)x1 - x0) / 30.0 - 5.0 * (fabs(after[0]) - fabs(before[0])) -
                      0.00035 * 80 * torque[k];
        cr_assert_float_eq(r, want, 1e-5, "action %d: %.7f, want %.7f", k, r, want);
    }
    env_close(&e);
}

Test(box2d, bipedal_walker_falls_for_minus_100)
{
    /* no torque at all: the legs fold and the hull reaches the ground */
    env_instance e = make_env("BipedalWalker-v3");
    float obs[24], r = 0;
    const float limp[4] = {0, 0, 0, 0};
    bool term = false, trunc = false;
    env_reset(&e, 1, obs);
    int t = 0;
    while (!term && !trunc) {
        env_step(&e, limp, obs, &r, &term, &trunc);
        t++;
    }
    cr_assert(term && bw(&e)->game_over, "after %d steps: terminated %d", t, term);
    cr_assert_eq(r, -100.0f);
    env_close(&e);
}

/* Gymnasium's heuristic walker (BipedalWalkerHeuristics, written again from its rules): a state
 * machine that swings one leg forward, puts it down, pushes off, then swaps legs */
typedef struct {
    int state, moving, supporting;
    double support_knee;
} bw_pilot;

static void bw_pilot_step(bw_pilot *p, const float *s, float *a)
{
    enum { STAY = 1, PUT_DOWN, PUSH_OFF };
    const double speed = 0.29, support_knee = 0.1;
    int mb = 4 + 5 * p->moving, sb = 4 + 5 * p->supporting;
    double hip_targ[2] = {NAN, NAN}, knee_targ[2] = {NAN, NAN}, hip[2] = {0, 0}, knee[2] = {0, 0};
    if (p->state == STAY) {
        hip_targ[p->moving] = 1.1;
        knee_targ[p->moving] = -0.6;
        p->support_knee += 0.03;
        if (s[2] > speed) p->support_knee += 0.03;
        p->support_knee = fmin(p->support_knee, support_knee);
        knee_targ[p->supporting] = p->support_knee;
        if (s[sb] < 0.10) p->state = PUT_DOWN;
    }
    if (p->state == PUT_DOWN) {
        hip_targ[p->moving] = 0.1;
        knee_targ[p->moving] = support_knee;
        knee_targ[p->supporting] = p->support_knee;
        if (s[mb + 4] > 0) {
            p->state = PUSH_OFF;
            p->support_knee = fmin(s[mb + 2], support_knee);
        }
    }
    if (p->state == PUSH_OFF) {
        knee_targ[p->moving] = p->support_knee;
        knee_targ[p->supporting] = 1.0;
        if (s[sb + 2] > 0.88 || s[2] > 1.2 * speed) {
            p->state = STAY;
            p->moving = 1 - p->moving;
            p->supporting = 1 - p->moving;
        }
    }
    /* Gymnasium tests the targets for truth: an unset or zero target leaves the term at 0 */
    for (int k = 0; k < 2; k++) {
        if (!isnan(hip_targ[k]) && hip_targ[k] != 0) hip[k] = 0.9 * (hip_targ[k] - s[4 + 5 * k]) - 0.25 * s[5 + 5 * k];
        if (!isnan(knee_targ[k]) && knee_targ[k] != 0)
            knee[k] = 4.0 * (knee_targ[k] - s[6 + 5 * k]) - 0.25 * s[7 + 5 * k];
        hip[k] -= 0.9 * (0 - s[0]) - 1.5 * s[1];
        knee[k] -= 15.0 * s[3];
    }
    const double raw[4] = {hip[0], knee[0], hip[1], knee[1]};
    for (int j = 0; j < 4; j++) a[j] = (float)fmin(fmax(0.5 * raw[j], -1.0), 1.0);
}

Test(box2d, bipedal_walker_heuristic_walks_forward)
{
    env_instance e = make_env("BipedalWalker-v3");
    double total = 0;
    for (int64_t seed = 1; seed <= 2; seed++) {
        bw_pilot p = {.state = 1, .moving = 0, .supporting = 1, .support_knee = 0.1};
        float obs[24], r, a[4] = {0, 0, 0, 0};
        bool term = false, trunc = false;
        env_reset(&e, seed, obs);
        double ret = 0;
        for (int t = 0; t < 800 && !term && !trunc; t++) {
            env_step(&e, a, obs, &r, &term, &trunc);
            ret += r;
            bw_pilot_step(&p, obs, a);
        }
        cr_assert(!bw(&e)->game_over, "seed %lld: the heuristic fell", (long long)seed);
        total += ret;
    }
    cr_assert_gt(total / 2, 50.0, "mean return %g over 800 steps", total / 2);
    env_close(&e);
}

/* the frame: the sky's (215, 215, 255) below the clouds (y = 7), the hull's purple at its
 * centre, which the camera keeps a fifth of the width from the left */
Test(box2d, bipedal_walker_is_drawn)
{
    env_instance e = make_env("BipedalWalker-v3");
    float obs[24];
    env_reset(&e, 1, obs);
    env_renderer *r;
    char err[256];
    cr_assert_eq(env_render_open(&r, &e, 0, 0, err, sizeof err), RL_OK, "%s", err);
    int w, h, fps;
    env_render_size(r, &w, &h, &fps);
    cr_assert(w == 600 && h == 400 && fps == 50, "%dx%d at %d", w, h, fps);
    uint8_t *rgb = malloc((size_t)w * h * 3);
    cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_OK, "%s", err);
    const uint8_t *sky = rgb + (190 * w + 590) * 3;
    cr_assert(sky[0] == 215 && sky[1] == 215 && sky[2] == 255, "%d %d %d", sky[0], sky[1], sky[2]);
    float x, y;
    b2c_body_position(bw(&e)->hull, &x, &y);
    int row = h - 1 - (int)(y * 30), col = (int)((x - bw(&e)->scroll) * 30);
    cr_assert(row >= 0 && row < h && col == 120, "the hull at row %d, column %d", row, col);
    const uint8_t *hull = rgb + ((size_t)row * w + col) * 3;
    cr_assert(hull[0] == 127 && hull[1] == 51 && hull[2] == 229, "%d %d %d", hull[0], hull[1], hull[2]);
    free(rgb);
    env_render_close(r);
    env_close(&e);
}

/* hardcore: true on BipedalWalker-v3 builds obstacles and keeps the id's time limit, as
 * gym.make("BipedalWalker-v3", hardcore=True) does */
Test(box2d, bipedal_walker_hardcore_kwarg)
{
    trainer_env te;
    char err[1024];
    cr_assert_eq(open_kwargs_of("BipedalWalker-v3", "hardcore: true", &te, err, sizeof err), RL_OK, "%s", err);
    env_instance e;
    cr_assert_eq(env_make_def(&e, te.def, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(e.max_steps, 1600);
    float obs[24];
    env_reset(&e, 3, obs);
    cr_assert_eq(bw(&e)->n_polys, 29, "the obstacles of seed 3 (numpy's)");
    env_close(&e);
    trainer_env_close(&te);
    cr_assert_eq(open_kwargs_of("BipedalWalker-v3", "hardcore: 1", &te, err, sizeof err), RL_ERR_CONFIG);
    cr_assert(strstr(err, "env.kwargs.hardcore") && strstr(err, "expected true or false"), "%s", err);
    trainer_env_close(&te);
}

Test(box2d, bipedal_walker_same_seed_same_run)
{
    enum { N = 200 };
    static float a[24 * N], b[24 * N];
    float *traces[2] = {a, b};
    env_instance e = make_env("BipedalWalkerHardcore-v3");
    for (int k = 0; k < 2; k++) {
        float obs[24], r;
        bool term, trunc;
        env_reset(&e, 13, obs);
        for (int t = 0; t < N; t++) {
            const float act[4] = {(float)sin(0.1 * t), (float)cos(0.13 * t), -(float)sin(0.07 * t), 0.3f};
            env_step(&e, act, traces[k] + 24 * t, &r, &term, &trunc);
        }
    }
    cr_assert_eq(memcmp(a, b, sizeof a), 0);
    env_close(&e);
    /* rlc check-env's checks on BipedalWalker: test_env_tools.c runs them on every built-in id */
}

#else

Test(box2d, skipped_without_box2d) { cr_skip_test("built without Box2D (libbox2d-dev)"); }

#endif
