/* rlc tests: CarRacing-v3 (envs/box2d/car_racing.c) against Gymnasium's definitions: the tracks
 * of several seeds against tests/fixtures/box2d/car_racing_tracks.json (written by
 * scripts/gen_fixtures_carracing.py from Gymnasium's own track generation), the reward per tile
 * and per frame, the lap's end, leaving the playfield, the discrete actions' mapping, the
 * observation's layout and a few of its pixels worked out from the view, the rlc record frame, the
 * kwargs' refusals and check-env on the discrete variant. */
#include <criterion/criterion.h>

#ifdef RLC_HAVE_BOX2D

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "envs/box2d/box2d.h"
#include "envs/check.h"
#include "envs/env.h"
#include "envs/render.h"
#include "helpers/testutil.h"
#include "train/trainer_env.h"

#define OBS_DIM (96 * 96 * 3)
#define PLAYFIELD (2000.0 / 6.0)

static float obs[OBS_DIM];

static env_car_racing_state *cr(env_instance *e) { return e->state; }

/* an instance of CarRacing-v3 with the arguments p (storage must outlive it) */
static env_instance make_with(env_def *def, env_car_racing_params *storage, const env_car_racing_params *p)
{
    char err[256];
    cr_assert_eq(env_car_racing_def(def, &env_car_racing_v3, storage, p, err, sizeof err), RL_OK, "%s", err);
    env_instance e;
    cr_assert_eq(env_make_def(&e, def, 0, err, sizeof err), RL_OK, "%s", err);
    return e;
}

static env_instance make_default(void)
{
    env_instance e;
    char err[256];
    cr_assert_eq(env_make(&e, "CarRacing-v3", 0, err, sizeof err), RL_OK, "%s", err);
    return e;
}

/* ---- the registration ------------------------------------------------------------------------- */

Test(car_racing, registration)
{
    const env_def *d = env_find("CarRacing-v3");
    cr_assert_not_null(d);
    cr_assert_eq(d->max_episode_steps, 1000);
    cr_assert_eq(d->reward_threshold, 900.0);
    const env_space *o = &d->obs_space;
    cr_assert(o->kind == ENV_SPACE_BOX && o->dim == OBS_DIM && o->rank == 3 && o->elem == ENV_ELEM_UINT8);
    cr_assert(o->shape[0] == 96 && o->shape[1] == 96 && o->shape[2] == 3);
    cr_assert(o->low[0] == 0 && o->high[OBS_DIM - 1] == 255 && o->low[OBS_DIM - 1] == 0 && o->high[0] == 255);
    /* Gymnasium's default is continuous=True: steer in [-1, 1], gas and brake in [0, 1] */
    const env_space *a = &d->act_space;
    cr_assert(a->kind == ENV_SPACE_BOX && a->dim == 3);
    cr_assert(a->low[0] == -1 && a->low[1] == 0 && a->low[2] == 0 && a->high[0] == 1 && a->high[1] == 1 &&
              a->high[2] == 1);
}

/* ---- the tracks --------------------------------------------------------------------------------- */

static void expect_track(const cJSON *c)
{
    int64_t seed = (int64_t)rlt_fixture_number(c, "seed");
    bool randomize = cJSON_IsTrue(cJSON_GetObjectItem(c, "domain_randomize"));
    env_def def;
    env_car_racing_params storage,
        p = {.continuous = true, .domain_randomize = randomize, .lap_complete_percent = 0.95};
    env_instance e = make_with(&def, &storage, &p);
    env_reset(&e, seed, obs);
    env_car_racing_state *s = cr(&e);
    const cJSON *track = cJSON_GetObjectItem(c, "track");
    int n = cJSON_GetArraySize(track);
    cr_assert_eq(s->n_track, n, "seed %lld: %d tiles, Gymnasium %d", (long long)seed, s->n_track, n);
    for (int i = 0; i < n; i++) {
        const cJSON *pt = cJSON_GetArrayItem(track, i);
        const double got[4] = {s->track[i].alpha, s->track[i].beta, s->track[i].x, s->track[i].y};
        for (int k = 0; k < 4; k++) {
            double want = cJSON_GetArrayItem(pt, k)->valuedouble;
            cr_assert_float_eq(got[k], want, 1e-9 * (1 + fabs(want)), "seed %lld point %d value %d: %.17g vs %.17g",
                               (long long)seed, i, k, got[k], want);
        }
    }
    bool border[CR_MAX_TRACK] = {false};
    const cJSON *b;
    cJSON_ArrayForEach(b, cJSON_GetObjectItem(c, "border")) border[b->valueint] = true;
    for (int i = 0; i < n; i++)
        cr_assert_eq(s->tiles[i].border, border[i], "seed %lld tile %d: kerb %d", (long long)seed, i,
                     s->tiles[i].border);
    if (randomize) {
        const char *keys[3] = {"road_color", "bg_color", "grass_color"};
        const double *got[3] = {s->road_color, s->bg_color, s->grass_color};
        for (int k = 0; k < 9; k++) {
            double want = cJSON_GetArrayItem(cJSON_GetObjectItem(c, keys[k / 3]), k % 3)->valuedouble;
            cr_assert_float_eq(got[k / 3][k % 3], want, 1e-12, "%s[%d]: %.17g vs %.17g", keys[k / 3], k % 3,
                               got[k / 3][k % 3], want);
        }
    }
    env_close(&e);
}

Test(car_racing, tracks_match_gymnasium)
{
    cJSON *root = rlt_fixture_load("box2d/car_racing_tracks.json");
    const cJSON *c;
    int n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases"))
    {
        expect_track(c);
        n++;
    }
    cr_assert_geq(n, 5);
    cJSON_Delete(root);
}

/* ---- rewards and endings ----------------------------------------------------------------------- */

/* Full gas straight ahead from the start: every step's reward is -0.1 plus 1000 / N per tile a
 * wheel touched for the first time during it (the first step also counts the tiles of the reset's
 * own step, whose reward Gymnasium defers), and the running total is the visits' minus the frames' */
Test(car_racing, reward_is_tiles_minus_frames)
{
    env_instance e = make_default();
    env_reset(&e, 3, obs);
    env_car_racing_state *s = cr(&e);
    int n = s->n_track, before = s->tile_visited_count;
    cr_assert_gt(before, 0, "the car starts on the road: its wheels touch tiles at the reset");
    const float gas[3] = {0, 1, 0};
    double total = 0;
    int steps = 0, new_tiles = 0;
    for (; steps < 120; steps++) {
        float r;
        bool term, trunc;
        int count = s->tile_visited_count;
        env_step(&e, gas, obs, &r, &term, &trunc);
        int got = s->tile_visited_count - (steps == 0 ? 0 : count);
        double want = got * 1000.0 / n - 0.1;
        cr_assert_float_eq(r, want, 1e-4, "step %d: %g, want %g (%d tiles)", steps, r, want, got);
        cr_assert(!term);
        new_tiles += s->tile_visited_count - count;
        total += r;
    }
    cr_assert_gt(new_tiles, 10, "the car drove along the road: %d new tiles", new_tiles);
    cr_assert_float_eq(total, s->tile_visited_count * 1000.0 / n - 0.1 * steps, 1e-3);
    /* a visited tile takes the road's plain colour (tile i's shade is 0.01 (i % 3) 255 above it) */
    for (int i = 0; i < n; i++)
        if (s->tiles[i].visited) cr_assert_eq(s->tiles[i].color[1], 102.0);
    cr_assert_float_eq(s->tiles[n / 2].color[0], 102 + 0.01 * ((n / 2) % 3) * 255, 1e-12);
    env_close(&e);
}

/* standing still: after the first step, -0.1 a frame and nothing else */
Test(car_racing, standing_still_costs_a_tenth_a_frame)
{
    env_instance e = make_default();
    env_reset(&e, 0, obs);
    const float none[3] = {0, 0, 0};
    float r;
    bool term, trunc;
    env_step(&e, none, obs, &r, &term, &trunc);
    for (int t = 0; t < 30; t++) {
        env_step(&e, none, obs, &r, &term, &trunc);
        cr_assert_float_eq(r, -0.1f, 1e-6, "step %d: %g", t, r);
        cr_assert(!term && !trunc);
    }
    env_close(&e);
}

/* lap_complete_percent 0: tile 0, under the car from the start, completes the lap at once */
Test(car_racing, lap_complete_percent_ends_the_lap)
{
    env_def def;
    env_car_racing_params storage, p = {.continuous = true, .lap_complete_percent = 0.0};
    env_instance e = make_with(&def, &storage, &p);
    env_reset(&e, 0, obs);
    cr_assert(cr(&e)->tiles[0].visited, "a wheel touches tile 0 at the start");
    const float none[3] = {0, 0, 0};
    float r;
    bool term, trunc;
    env_step(&e, none, obs, &r, &term, &trunc);
    cr_assert(term, "the lap counts once tile 0 is touched after more than 0%% of the tiles");
    cr_assert_float_eq(r, cr(&e)->tile_visited_count * 1000.0 / cr(&e)->n_track - 0.1, 1e-4);
    env_close(&e);
    /* the default 0.95 does not */
    e = make_default();
    env_reset(&e, 0, obs);
    env_step(&e, none, obs, &r, &term, &trunc);
    cr_assert(!term);
    env_close(&e);
}

/* straight on at half gas the car leaves the road at the first bend and then the playfield:
 * -100 and terminated on the step its hull crosses |x| or |y| = 2000 / 6 (at full gas this
 * rear-wheel drive spins on the grass) */
Test(car_racing, leaving_the_playfield_ends_with_minus_100)
{
    env_instance e = make_default();
    env_reset(&e, 1, obs);
    const float gas[3] = {0, 0.5f, 0};
    float r = 0;
    bool term = false, trunc = false;
    int t = 0;
    for (; t < 1000 && !term && !trunc; t++) {
        env_step(&e, gas, obs, &r, &term, &trunc);
        float x, y;
        b2c_body_position(cr(&e)->hull, &x, &y);
        bool out = fabs(x) > PLAYFIELD || fabs(y) > PLAYFIELD;
        cr_assert_eq(term, out, "step %d: terminated %d at (%g, %g)", t, term, x, y);
    }
    cr_assert(term, "the car did not leave the playfield in %d steps", t);
    cr_assert_eq(r, -100.0f);
    env_close(&e);
}

/* ---- actions ----------------------------------------------------------------------------------- */

/* Discrete(5) is Gymnasium's mapping onto the controls: 0 nothing, 1 steer -0.6 (right), 2 steer
 * +0.6 (left), 3 gas 0.2, 4 brake 0.8; it gives the continuous run of those controls exactly */
Test(car_racing, discrete_actions_map_to_controls)
{
    env_def def;
    env_car_racing_params storage, p = {.continuous = false, .lap_complete_percent = 0.95};
    env_instance d = make_with(&def, &storage, &p);
    cr_assert_eq(def.act_space.kind, ENV_SPACE_DISCRETE);
    cr_assert_eq(def.act_space.n, 5);
    env_instance c = make_default();
    static float obs_c[OBS_DIM];
    env_reset(&d, 4, obs);
    env_reset(&c, 4, obs_c);
    /* continuous actions are (steer, gas, brake), the car's steer being minus the first */
    static const float cont[5][3] = {{0, 0, 0}, {0.6f, 0, 0}, {-0.6f, 0, 0}, {0, 0.2f, 0}, {0, 0, 0.8f}};
    static const int seq[] = {3, 3, 3, 1, 1, 3, 2, 2, 0, 4, 3, 3, 0, 1, 4};
    for (size_t t = 0; t < sizeof seq / sizeof seq[0]; t++) {
        float a = (float)seq[t], rd, rc;
        bool td, tc, ud, uc;
        env_step(&d, &a, obs, &rd, &td, &ud);
        env_step(&c, cont[seq[t]], obs_c, &rc, &tc, &uc);
        cr_assert_eq(memcmp(obs, obs_c, sizeof obs), 0, "step %zu", t);
        cr_assert_eq(rd, rc);
        const cr_wheel *w = cr(&d)->wheels;
        double steer = seq[t] == 1 ? -0.6 : seq[t] == 2 ? 0.6 : 0.0, brake = seq[t] == 4 ? 0.8 : 0.0;
        cr_assert(w[0].steer == steer && w[1].steer == steer && w[2].steer == 0, "step %zu", t);
        for (int k = 0; k < 4; k++) cr_assert_eq(w[k].brake, brake);
    }
    env_close(&d);
    env_close(&c);
}

/* gas rises by at most 0.1 a step on the rear wheels and drops at once */
Test(car_racing, gas_ramps_up_on_the_rear_wheels)
{
    env_instance e = make_default();
    env_reset(&e, 0, obs);
    const float gas[3] = {0, 1, 0}, none[3] = {0, 0, 0};
    float r;
    bool term, trunc;
    const cr_wheel *w = cr(&e)->wheels;
    for (int t = 1; t <= 12; t++) {
        env_step(&e, gas, obs, &r, &term, &trunc);
        cr_assert_float_eq(w[2].gas, fmin(0.1 * t, 1.0), 1e-12, "step %d", t);
        cr_assert_float_eq(w[3].gas, w[2].gas, 0);
        cr_assert(w[0].gas == 0 && w[1].gas == 0, "front wheels get no gas");
    }
    env_step(&e, none, obs, &r, &term, &trunc);
    cr_assert(w[2].gas == 0 && w[3].gas == 0);
    env_close(&e);
}

/* ---- the observation --------------------------------------------------------------------------- */

static const float *pixel(const float *o, int row, int col) { return o + (row * 96 + col) * 3; }

/* After a second (the zoom at its 16.2 pixels a unit) standing at the start: the hull's red where
 * the car sits (window (500, 600) of 1000 x 800, pixel (48, 72) of 96 x 96 at its corner), the
 * road's grey 3 units ahead (up in the picture: the view turns with the car), grass 15 units to
 * the side when no tile lies near there, and the black strip of the indicators at the bottom */
Test(car_racing, observation_pixels)
{
    env_instance e = make_default();
    env_reset(&e, 0, obs);
    const float none[3] = {0, 0, 0};
    float r;
    bool term, trunc;
    for (int t = 0; t < 50; t++) env_step(&e, none, obs, &r, &term, &trunc);
    env_car_racing_state *s = cr(&e);
    for (int i = 0; i < OBS_DIM; i++) cr_assert(obs[i] == floorf(obs[i]) && obs[i] >= 0 && obs[i] <= 255);
    /* rows 72 and 73 hold the body's y from 0 down to -1.03 (8.33 window pixels, 0.51 units
     * each), columns 47 and 48 its x in [-0.64, 0.64]: inside the hull's middle polygon, which is
     * wider than 0.83 there */
    for (int dr = 0; dr < 2; dr++)
        for (int dc = 0; dc < 2; dc++) {
            const float *p = pixel(obs, 72 + dr, 47 + dc);
            cr_assert(p[0] == 204 && p[1] == 0 && p[2] == 0, "hull (%d, %d): %g %g %g", 72 + dr, 47 + dc, p[0], p[1],
                      p[2]);
        }
    /* 3 units ahead: 3 x 16.2 = 48.6 window pixels up, 5.8 rows */
    const float *road = pixel(obs, 65, 47);
    cr_assert(road[0] == road[1] && road[1] == road[2] && road[0] >= 102 && road[0] <= 107, "road: %g %g %g", road[0],
              road[1], road[2]);
    /* 15 units to the car's right (its x axis, the picture's right): 243 window pixels, 23.3 columns */
    float hx, hy;
    b2c_body_position(s->hull, &hx, &hy);
    double a = b2c_body_angle(s->hull), gx = hx + 15 * cos(a), gy = hy + 15 * sin(a), nearest = INFINITY;
    for (int i = 0; i < s->n_track; i++) nearest = fmin(nearest, hypot(s->track[i].x - gx, s->track[i].y - gy));
    cr_assert_gt(nearest, 12.0, "seed 0 has road near the grass probe (%g)", nearest);
    const float *grass = pixel(obs, 71, 71);
    cr_assert(grass[0] == 102 && grass[2] == 102 && grass[1] >= 204 && grass[1] <= 230, "grass: %g %g %g", grass[0],
              grass[1], grass[2]);
    /* the strip (rows 87.6.. of 96) is black where no bar is: its right end */
    const float *strip = pixel(obs, 94, 90);
    cr_assert(strip[0] == 0 && strip[1] == 0 && strip[2] == 0);
    env_close(&e);
}

/* the speed bar: white from column 12 (5 x 25 window pixels) once the car moves */
Test(car_racing, speed_indicator)
{
    env_instance e = make_default();
    env_reset(&e, 0, obs);
    const float gas[3] = {0, 1, 0};
    float r;
    bool term, trunc;
    for (int t = 0; t < 60; t++) env_step(&e, gas, obs, &r, &term, &trunc);
    float vx, vy;
    b2c_body_velocity(cr(&e)->hull, &vx, &vy);
    double speed = hypot(vx, vy);
    cr_assert_gt(speed, 5.0);
    /* the bar spans window y from 800 - 20 - 20 (0.02 speed) to 780; row 93 (window 779.2 .. 787.5)
     * and the columns 13 (window 125 .. 135) inside x in [125, 150] */
    const float *bar = pixel(obs, 92, 13);
    cr_assert(bar[0] > 200 && bar[1] > 200 && bar[2] > 200, "speed bar: %g %g %g", bar[0], bar[1], bar[2]);
    env_close(&e);
}

Test(car_racing, same_seed_same_observations)
{
    static float a[OBS_DIM];
    env_instance e = make_default(), f = make_default();
    env_reset(&e, 9, a);
    env_reset(&f, 9, obs);
    cr_assert_eq(memcmp(a, obs, sizeof obs), 0);
    const float act[3] = {0.3f, 0.5f, 0};
    for (int t = 0; t < 20; t++) {
        float r1, r2;
        bool t1, t2, u1, u2;
        env_step(&e, act, a, &r1, &t1, &u1);
        env_step(&f, act, obs, &r2, &t2, &u2);
        cr_assert_eq(memcmp(a, obs, sizeof obs), 0, "step %d", t);
        cr_assert_eq(r1, r2);
    }
    env_close(&e);
    env_close(&f);
}

/* rlc record: Gymnasium's 600 x 400 at 50 frames a second, the car at (300, 300) */
Test(car_racing, record_frame)
{
    env_instance e = make_default();
    env_reset(&e, 0, obs);
    const float none[3] = {0, 0, 0};
    float r;
    bool term, trunc;
    for (int t = 0; t < 50; t++) env_step(&e, none, obs, &r, &term, &trunc);
    env_renderer *rd;
    char err[256];
    cr_assert_eq(env_render_open(&rd, &e, 0, 0, err, sizeof err), RL_OK, "%s", err);
    int w, h, fps;
    env_render_size(rd, &w, &h, &fps);
    cr_assert(w == 600 && h == 400 && fps == 50, "%dx%d at %d", w, h, fps);
    uint8_t *rgb = malloc((size_t)w * h * 3);
    cr_assert_eq(env_render_frame(rd, &e, rgb, err, sizeof err), RL_OK, "%s", err);
    const uint8_t *p = rgb + (298 * w + 298) * 3;
    cr_assert(p[0] == 204 && p[1] == 0 && p[2] == 0, "%d %d %d", p[0], p[1], p[2]);
    free(rgb);
    env_render_close(rd);
    env_close(&e);
}

/* ---- arguments --------------------------------------------------------------------------------- */

static rl_status open_kwargs(const char *kwargs, trainer_env *te, char *err, size_t err_sz)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml, "algo: ppo\nenv:\n  id: CarRacing-v3\n  kwargs: {%s}\n", kwargs);
    rl_config *cfg = malloc(sizeof *cfg);
    cr_assert_eq(rl_config_load_string(cfg, yaml, "cr.yaml", NULL, 0, err, err_sz), RL_OK, "%s", err);
    rl_status st = trainer_env_open(te, cfg, "cr.yaml", false, err, err_sz);
    free(cfg);
    return st;
}

static void expect_refused(const char *kwargs, const char *want1, const char *want2)
{
    trainer_env te;
    char err[1024];
    cr_assert_eq(open_kwargs(kwargs, &te, err, sizeof err), RL_ERR_CONFIG, "accepted: %s", kwargs);
    cr_assert(strstr(err, "cr.yaml:4"), "%s", err);
    cr_assert(strstr(err, want1) && strstr(err, want2), "%s: %s", kwargs, err);
    trainer_env_close(&te);
}

Test(car_racing, kwargs)
{
    expect_refused("lap_complete_percent: 1.5", "env.kwargs.lap_complete_percent", "out of range");
    expect_refused("lap_complete_percent: -0.1", "env.kwargs.lap_complete_percent", "out of range");
    expect_refused("continuous: 3", "env.kwargs.continuous", "expected true or false");
    expect_refused("domain_randomize: yes please", "env.kwargs.domain_randomize", "expected true or false");
    expect_refused("laps: 2", "laps", "lap_complete_percent");
    trainer_env te;
    char err[1024];
    cr_assert_eq(open_kwargs("continuous: false, domain_randomize: true", &te, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(te.def->act_space.kind, ENV_SPACE_DISCRETE);
    cr_assert_eq(te.def->act_space.n, 5);
    env_instance e;
    cr_assert_eq(env_make_def(&e, te.def, 0, err, sizeof err), RL_OK, "%s", err);
    env_reset(&e, 5, obs);
    cr_assert(cr(&e)->road_color[0] != 102.0, "domain_randomize draws the colours");
    env_close(&e);
    trainer_env_close(&te);
}

/* rlc envs CarRacing-v3: the image space on one line (not its 27648 bounds twice), the
 * arguments with Gymnasium's defaults */
Test(car_racing, rlc_envs_shows_the_space_and_arguments)
{
    char cmd[512];
    static char out[1 << 20];
    snprintf(cmd, sizeof cmd, "%s envs CarRacing-v3", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "observation  Box(96, 96, 3) uint8 [0, 255]"), "%s", out);
    cr_assert(strstr(out, "continuous") && strstr(out, "default true") && strstr(out, "domain_randomize") &&
              strstr(out, "lap_complete_percent") && strstr(out, "default 0.95"), "%s", out);
    cr_assert_lt(strlen(out), 4000, "%zu characters: the image's bounds are listed", strlen(out));
    cr_assert(strstr(out, "    low   -1 0 0"), "the action's bounds are: %s", out);
}

/* rlc check-env's checks on the discrete variant (the registered one is checked with every
 * built-in id by test_env_tools.c) */
Test(car_racing, discrete_variant_passes_check_env)
{
    env_def def;
    env_car_racing_params storage, p = {.continuous = false, .lap_complete_percent = 0.95};
    char err[256];
    cr_assert_eq(env_car_racing_def(&def, &env_car_racing_v3, &storage, &p, err, sizeof err), RL_OK, "%s", err);
    def.max_episode_steps = 50;   /* the truncation checks play whole episodes: short ones here */
    env_check_opts o;
    env_check_opts_default(&o);
    o.n_steps = 150;
    env_check_report rep;
    cr_assert_eq(env_check_run(&def, &o, &rep, err, sizeof err), RL_OK, "%s", err);
    if (rep.n_failed) env_check_print(&rep, def.id, stderr);
    cr_assert_eq(rep.n_failed, 0);
}

#else

Test(car_racing, skipped_without_box2d) { cr_skip_test("built without Box2D (libbox2d-dev)"); }

#endif
