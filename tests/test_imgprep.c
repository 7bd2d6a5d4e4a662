/* rlc tests: Gymnasium's preprocessing wrappers (envs/imgprep.h): resize gives OpenCV's bytes and
 * grayscale OpenCV's within a grey level (fixtures written by scripts/gen_fixtures_imgprep.py with
 * cv2.resize INTER_AREA and cvtColor RGB2GRAY), frame_skip sums the rewards of its repeats, stops
 * at an episode's end within them and counts the time limit in inner steps (env.max_episode_steps
 * too; its own limit, ceil(limit / k), passes check-env), plays the plain environment's
 * trajectory, the whole chain on two threads gives what one thread gives and passes the
 * environment checks, and the config's keys are named in errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "envs/check.h"
#include "envs/env.h"
#include "envs/imgprep.h"
#include "envs/pixels.h"
#include "train/trainer_env.h"

/* ---- a toy environment: a fixed image (or the step count) as its observation ------------------ */

typedef struct {
    const float *img;   /* the observation of every step, dim values (NULL: one value, the step count) */
    int dim;
    int term_at;        /* terminates at this step (0: never) */
} toy_params;

typedef struct {
    toy_params p;
    int t;
} toy_state;

static rl_status toy_init(void *state, char *err, size_t err_sz) { return (void)state, (void)err, (void)err_sz, RL_OK; }

static void toy_observe(const toy_state *s, float *obs)
{
    if (s->p.img) memcpy(obs, s->p.img, (size_t)s->p.dim * sizeof(float));
    else obs[0] = (float)s->t;
}

static void toy_reset(void *state, rl_rng *rng, float *obs)
{
    toy_state *s = state;
    (void)rng;
    s->t = 0;
    toy_observe(s, obs);
}

/* the reward of step t is t, so sums over repeats are known */
static void toy_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                     bool *truncated)
{
    toy_state *s = state;
    (void)rng, (void)action, (void)truncated;
    s->t++;
    *reward = (float)s->t;
    *terminated = s->p.term_at > 0 && s->t >= s->p.term_at;
    toy_observe(s, obs);
}

static const float toy_lo[1] = {0}, toy_hi[1] = {1e6f}, act_lo[1] = {-1}, act_hi[1] = {1};

/* a toy counting its steps, limit max_steps, terminating at term_at */
static env_def toy_counter(toy_params *p, int max_steps)
{
    return (env_def){.id = "ImgprepToy-v0", .state_size = sizeof(toy_state), .max_episode_steps = max_steps,
                     .reward_threshold = NAN,
                     .obs_space = {.kind = ENV_SPACE_BOX, .dim = 1, .low = toy_lo, .high = toy_hi},
                     .act_space = {.kind = ENV_SPACE_BOX, .dim = 1, .low = act_lo, .high = act_hi},
                     .init = toy_init, .reset = toy_reset, .step = toy_step, .params = p, .params_size = sizeof *p};
}

static float img_lo[1 << 16], img_hi[1 << 16];

/* a toy observing img, an image (h, w, c) of uint8 values */
static env_def toy_image(toy_params *p, int h, int w, int c)
{
    for (int i = 0; i < h * w * c; i++) img_lo[i] = 0, img_hi[i] = 255;
    p->dim = h * w * c;
    env_def d = toy_counter(p, 0);
    d.obs_space = (env_space){.kind = ENV_SPACE_BOX, .dim = h * w * c, .low = img_lo, .high = img_hi, .rank = 3,
                              .shape = {h, w, c}, .elem = ENV_ELEM_UINT8};
    return d;
}

static void make(env_instance *e, const env_def *d)
{
    char err[512];
    cr_assert_eq(env_make_def(e, d, 0, err, sizeof err), RL_OK, "%s", err);
}

/* ---- resize and grayscale against OpenCV ------------------------------------------------------ */

/* the generator's images (scripts/gen_fixtures_imgprep.py): the LCG's top bytes, or 8 x 8 tiles of
 * four colours drawn from it */
static void lcg_bytes(uint32_t x, uint8_t *out, int n)
{
    for (int i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        out[i] = (uint8_t)(x >> 24);
    }
}

static void make_image(uint32_t seed, int h, int w, int c, bool blocks, float *img)
{
    const int n = h * w * c, tw = (w + 7) / 8, ntiles = ((h + 7) / 8) * tw;
    uint8_t *d = malloc((size_t)n + 4 * c + ntiles);
    if (!blocks) {
        lcg_bytes(seed, d, n);
        for (int i = 0; i < n; i++) img[i] = d[i];
    } else {
        lcg_bytes(seed, d, 4 * c + ntiles);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < c; k++) img[(y * w + x) * c + k] = d[(d[4 * c + (y / 8) * tw + x / 8] % 4) * c + k];
    }
    free(d);
}

static void load_fixture(const char *name, uint8_t *out, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/imgprep/%s.u8", RLC_FIXTURES_DIR, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s (scripts/gen_fixtures_imgprep.py writes it)", path);
    cr_assert_eq(fread(out, 1, n + 1, f), n, "%s: expected %zu bytes", path, n);
    fclose(f);
}

typedef struct {
    const char *name;
    uint32_t seed;
    int h, w, c, oh, ow;
    bool blocks, gray;
} resize_case;

/* the generator's CASES and GRAY_CASES */
static const resize_case cases[] = {
    {"car64", 1, 96, 96, 3, 64, 64, false, true},       {"car84", 2, 96, 96, 3, 84, 84, false, false},
    {"odd23x37", 3, 96, 96, 3, 23, 37, false, false},   {"odd101x77", 4, 101, 77, 3, 64, 48, false, true},
    {"half2x2", 5, 96, 96, 3, 48, 48, false, false},    {"third1", 6, 96, 96, 1, 32, 32, false, false},
    {"half4", 7, 90, 60, 4, 45, 30, false, false},      {"half2ch", 8, 64, 64, 2, 32, 32, false, false},
    {"wide64", 9, 96, 96, 3, 96, 64, false, false},     {"same", 10, 84, 84, 1, 84, 84, false, false},
    {"blocks64", 11, 96, 96, 3, 64, 64, true, true},    {"blocks21", 12, 96, 96, 3, 21, 50, true, false},
};

/* the first observation of wrap(toy showing the case's image), compared with the fixture */
static void check_case(const resize_case *rc, bool gray)
{
    float *img = malloc(sizeof(float) * rc->h * rc->w * rc->c);
    make_image(rc->seed, rc->h, rc->w, rc->c, rc->blocks, img);
    toy_params tp = {.img = img};
    env_def toy = toy_image(&tp, rc->h, rc->w, rc->c), *d;
    char err[512], name[64];
    rl_status st = gray ? env_grayscale_def(&toy, &d, err, sizeof err)
                        : env_resize_def(&toy, rc->oh, rc->ow, &d, err, sizeof err);
    cr_assert_eq(st, RL_OK, "%s: %s", rc->name, err);
    const int dim = d->obs_space.dim;
    cr_assert_eq(dim, gray ? rc->h * rc->w : rc->oh * rc->ow * rc->c, "%s", rc->name);
    uint8_t *want = malloc((size_t)dim);
    snprintf(name, sizeof name, "%s_%s", gray ? "gray" : "resize", rc->name);
    load_fixture(name, want, (size_t)dim);
    env_instance e;
    make(&e, d);
    float *obs = malloc(sizeof(float) * dim);
    env_reset(&e, 0, obs);
    /* resize: exact. grayscale: env.pixels' luma rounds OpenCV's 14-bit fixed point, OpenCV 4.6
     * its 15-bit one (0.299 32768 = 9798 ...): a grey level apart on a few pixels (27 of the 9216
     * of car64), never more */
    int off = 0;
    for (int i = 0; i < dim; i++) {
        cr_assert_leq(fabsf(obs[i] - (float)want[i]), gray ? 1.0f : 0.0f, "%s: value %d (y %d): %g, OpenCV %d", name,
                      i, i / (dim / (gray ? rc->h : rc->oh)), obs[i], want[i]);
        off += obs[i] != (float)want[i];
    }
    cr_assert_leq(off, dim / 100, "%s: %d of %d values a grey level off", name, off, dim);
    env_close(&e);
    free(obs);
    free(want);
    free(d);
    free(img);
}

Test(resize, equals_opencv_inter_area_byte_for_byte)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], false);
}

Test(grayscale, equals_opencv_rgb2gray_byte_for_byte)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cases[i].gray) check_case(&cases[i], true);
}

Test(resize, spaces_and_bounds)
{
    float img[20 * 30 * 3] = {0};
    toy_params tp = {.img = img};
    env_def toy = toy_image(&tp, 20, 30, 3), *r, *g;
    char err[512];
    for (int i = 0; i < 20 * 30 * 3; i++) img_lo[i] = (float)(i % 3 == 1 ? 10 : 0), img_hi[i] = (float)(i % 3 == 2 ? 200 : 255);
    cr_assert_eq(env_resize_def(&toy, 16, 17, &r, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_grayscale_def(r, &g, err, sizeof err), RL_OK, "%s", err);
    const env_space *rs = &r->obs_space, *gs = &g->obs_space;
    cr_assert(rs->rank == 3 && rs->shape[0] == 16 && rs->shape[1] == 17 && rs->shape[2] == 3 && rs->dim == 16 * 17 * 3);
    cr_assert(rs->elem == ENV_ELEM_UINT8 && rs->low[1] == 10 && rs->low[3] == 0 && rs->high[2] == 200 && rs->high[0] == 255);
    cr_assert(gs->rank == 3 && gs->shape[0] == 16 && gs->shape[1] == 17 && gs->shape[2] == 1 && gs->dim == 16 * 17);
    cr_assert(gs->low[5] == env_pixels_luma(0, 10, 0) && gs->high[5] == env_pixels_luma(255, 255, 200), "%g %g",
              gs->low[5], gs->high[5]);
    cr_assert(g->act_space.kind == ENV_SPACE_BOX);
    free(g);
    free(r);
}

/* a frame env.pixels failed to draw (NaN) stays non-finite, so the vector env drops the step */
Test(resize, a_non_finite_observation_gives_nan)
{
    float img[24 * 24 * 3] = {0};
    img[100] = NAN;
    toy_params tp = {.img = img};
    env_def toy = toy_image(&tp, 24, 24, 3), *r, *g;
    char err[512];
    cr_assert_eq(env_resize_def(&toy, 16, 16, &r, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_grayscale_def(&toy, &g, err, sizeof err), RL_OK, "%s", err);
    const env_def *defs[2] = {r, g};
    for (int k = 0; k < 2; k++) {
        env_instance e;
        make(&e, defs[k]);
        float obs[16 * 16 * 3];
        env_reset(&e, 0, obs);
        for (int i = 0; i < defs[k]->obs_space.dim; i++) cr_assert(isnan(obs[i]), "wrapper %d value %d: %g", k, i, obs[i]);
        env_close(&e);
    }
    free(r);
    free(g);
}

/* ---- frame_skip ---------------------------------------------------------------------------- */

static void step1(env_instance *e, float *obs, float *r, bool *te, bool *tr)
{
    const float a = 0.5f;
    env_step(e, &a, obs, r, te, tr);
}

Test(frame_skip, sums_rewards_and_stops_at_termination_within_the_repeats)
{
    toy_params tp = {.term_at = 5};
    env_def toy = toy_counter(&tp, 0), *d;
    char err[512];
    cr_assert_eq(env_frame_skip_def(&toy, 3, 0, &d, err, sizeof err), RL_OK, "%s", err);
    env_instance e;
    make(&e, d);
    float obs, r;
    bool te, tr;
    env_reset(&e, 1, &obs);
    step1(&e, &obs, &r, &te, &tr);
    cr_assert(r == 1 + 2 + 3 && obs == 3 && !te && !tr, "r %g obs %g", r, obs);
    step1(&e, &obs, &r, &te, &tr);   /* steps 4 and 5, then the episode ends */
    cr_assert(r == 4 + 5 && obs == 5 && te && !tr, "r %g obs %g te %d", r, obs, te);
    cr_assert(e.ep_length == 2 && e.ep_return == 15, "%d %g", e.ep_length, e.ep_return);
    env_reset(&e, -1, &obs);
    step1(&e, &obs, &r, &te, &tr);
    cr_assert(r == 6 && obs == 3 && !te, "a reset starts the inner episode afresh: r %g", r);
    env_close(&e);
    free(d);
}

/* the inner limit (7 inner steps, or the override 4) ends the episode inside a repeat; the
 * wrapper's own, ceil(limit / 3) agent steps, is where that happens */
Test(frame_skip, the_inner_time_limit_counts_inner_steps)
{
    toy_params tp = {0};
    env_def toy = toy_counter(&tp, 7), *d, *o;
    char err[512];
    cr_assert_eq(env_frame_skip_def(&toy, 3, 0, &d, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_frame_skip_def(&toy, 3, 4, &o, err, sizeof err), RL_OK, "%s", err);
    cr_assert(d->max_episode_steps == 3 && o->max_episode_steps == 2, "%d %d", d->max_episode_steps,
              o->max_episode_steps);
    env_instance e, f;
    make(&e, d);
    make(&f, o);
    float obs, r;
    bool te, tr;
    for (int round = 0; round < 2; round++) {
        env_reset(&e, 1, &obs);
        step1(&e, &obs, &r, &te, &tr);
        step1(&e, &obs, &r, &te, &tr);
        cr_assert(obs == 6 && !tr, "round %d", round);
        step1(&e, &obs, &r, &te, &tr);
        cr_assert(obs == 7 && r == 7 && tr && !te, "round %d: obs %g r %g tr %d", round, obs, r, tr);
    }
    env_reset(&f, 1, &obs);
    step1(&f, &obs, &r, &te, &tr);
    cr_assert(obs == 3 && !tr);
    step1(&f, &obs, &r, &te, &tr);
    cr_assert(obs == 4 && r == 4 && tr, "obs %g r %g", obs, r);
    env_close(&e);
    env_close(&f);
    free(d);
    free(o);
}

/* Pendulum (Box actions, 200 steps) skipped by 2: the plain trajectory, rewards summed in pairs
 * (in double), truncated at agent step 100 */
Test(frame_skip, plays_the_plain_trajectory_and_truncates_at_half_the_limit)
{
    const env_def *pend = env_find("Pendulum-v1");
    cr_assert_not_null(pend);
    env_def *d;
    char err[512];
    cr_assert_eq(env_frame_skip_def(pend, 2, 0, &d, err, sizeof err), RL_OK, "%s", err);
    env_instance plain, skip;
    make(&plain, pend);
    make(&skip, d);
    float s[3], o[3], r1, r2, r;
    bool te, tr, te2, tr2;
    env_reset(&plain, 7, s);
    env_reset(&skip, 7, o);
    for (int t = 1; t <= 100; t++) {
        const float a = (float)sin(t * 0.3) * 2.0f;
        env_step(&plain, &a, s, &r1, &te, &tr);
        env_step(&plain, &a, s, &r2, &te, &tr);
        env_step(&skip, &a, o, &r, &te2, &tr2);
        cr_assert_arr_eq(s, o, sizeof s, "step %d", t);
        cr_assert(r == (float)((double)r1 + r2) && te2 == te && tr2 == tr && tr2 == (t == 100), "step %d", t);
    }
    env_close(&plain);
    env_close(&skip);
    free(d);
}

/* check-env on Pendulum skipped by 2, whose random episodes reach the limit: truncated only at
 * the wrapper's own limit (100 agent steps), as env_def.step asks */
Test(frame_skip, passes_the_environment_checks_at_its_limit)
{
    env_def *d;
    char err[512];
    cr_assert_eq(env_frame_skip_def(env_find("Pendulum-v1"), 2, 0, &d, err, sizeof err), RL_OK, "%s", err);
    env_check_opts o;
    env_check_opts_default(&o);
    o.n_steps = 400;
    env_check_report rep;
    cr_assert_eq(env_check_run(d, &o, &rep, err, sizeof err), RL_OK, "%s", err);
    for (int i = 0; i < rep.n_items; i++)
        cr_assert_neq(rep.items[i].outcome, ENV_CHECK_FAIL, "%s: %s", rep.items[i].name, rep.items[i].detail);
    const env_check_item *t = env_check_find(&rep, "truncation at step limit");
    cr_assert(t && t->outcome == ENV_CHECK_PASS, "%s", t ? t->detail : "no such check");
    free(d);
}

/* ---- the chain through the config ------------------------------------------------------------ */

static rl_status open_cfg(const char *const *sets, int n, trainer_env *te, char *err, size_t err_sz)
{
    rl_config *cfg = malloc(sizeof *cfg);
    cr_assert_eq(rl_config_load_string(cfg, "algo: ppo\n", "ip.yaml", sets, n, err, err_sz), RL_OK, "%s", err);
    rl_status st = trainer_env_open(te, cfg, "ip.yaml", false, err, err_sz);
    free(cfg);
    return st;
}

static const char *chain[] = {"env.pixels=true",      "env.pixels_width=32",   "env.pixels_height=24",
                              "env.frame_skip=2",     "env.resize=[20, 16]",   "env.grayscale=true",
                              "env.frame_stack=2"};

Test(imgprep, trainer_env_builds_the_chain_in_order)
{
    char err[1024];
    trainer_env te;
    cr_assert_eq(open_cfg(chain, 7, &te, err, sizeof err), RL_OK, "%s", err);
    const env_space *sp = &te.view.obs_space;
    cr_assert(sp->rank == 3 && sp->shape[0] == 20 && sp->shape[1] == 16 && sp->shape[2] == 2, "%d %d %d", sp->shape[0],
              sp->shape[1], sp->shape[2]);
    cr_assert(te.pixels && te.skip && te.resize && te.gray && te.stack);
    cr_assert(te.def == te.stack && te.stack->obs_space.dim == 20 * 16 * 2);
    /* the renderer of a wrapped instance finds CartPole through all of them */
    env_instance inst;
    rl_config *cfg = malloc(sizeof *cfg);
    cr_assert_eq(rl_config_load_string(cfg, "algo: ppo\n", "ip.yaml", chain, 7, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(trainer_env_make(&te, cfg, &inst, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_unwrap(&inst)->def, env_find("CartPole-v1"));
    cr_assert_eq(inst.max_steps, 250, "CartPole's 500 steps with frame_skip 2: %d", inst.max_steps);
    env_close(&inst);
    free(cfg);
    trainer_env_close(&te);
}

/* env.frame_skip through the config: the registered limit and env.max_episode_steps count inner steps */
Test(frame_skip, config_limits_count_inner_steps)
{
    static toy_params tp = {0};
    static env_def toy;
    toy = toy_counter(&tp, 7);
    char err[1024];
    cr_assert_eq(env_register(&toy, err, sizeof err), RL_OK, "%s", err);
    const int limits[2] = {0, 4}, ends[2] = {3, 2};
    for (int i = 0; i < 2; i++) {
        char mes[64];
        snprintf(mes, sizeof mes, "env.max_episode_steps=%d", limits[i]);
        const char *sets[] = {"env.id=ImgprepToy-v0", "env.frame_skip=3", mes};
        rl_config *cfg = malloc(sizeof *cfg);
        cr_assert_eq(rl_config_load_string(cfg, "algo: ppo\n", "ip.yaml", sets, 3, err, sizeof err), RL_OK, "%s", err);
        trainer_env te;
        env_vec v;
        cr_assert_eq(trainer_env_open(&te, cfg, "ip.yaml", false, err, sizeof err), RL_OK, "%s", err);
        cr_assert_eq(trainer_env_vec(&te, cfg, &v, 1, err, sizeof err), RL_OK, "%s", err);
        env_vec_reset(&v, 1);
        const float a = 0;
        int t = 0;
        do env_vec_step(&v, &a), t++;
        while (!v.truncated[0] && t < 10);
        cr_assert(t == ends[i] && v.final_obs[0] == (limits[i] ? limits[i] : 7), "limit %d: %d agent steps, last %g",
                  limits[i], t, v.final_obs[0]);
        env_vec_free(&v);
        trainer_env_close(&te);
        free(cfg);
    }
}

/* the whole chain's copies on two threads give what one thread gives */
Test(imgprep, same_results_on_one_thread_or_two)
{
    char err[1024];
    trainer_env te;
    cr_assert_eq(open_cfg(chain, 7, &te, err, sizeof err), RL_OK, "%s", err);
    env_vec a, b;
    cr_assert_eq(env_vec_make_def(&a, te.def, 4, NULL, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_vec_make_def(&b, te.def, 4, NULL, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_vec_set_threads(&b, 2, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&a, 3);
    env_vec_reset(&b, 3);
    int done = 0;
    for (int t = 0; t < 60; t++) {
        float act[4] = {(float)(t % 2), 1, 0, (float)(t / 3 % 2)};
        env_vec_step(&a, act);
        env_vec_step(&b, act);
        cr_assert_arr_eq(a.obs, b.obs, sizeof(float) * 4 * a.obs_dim, "step %d", t);
        cr_assert_arr_eq(a.rewards, b.rewards, 4 * sizeof(float), "step %d", t);
        cr_assert_arr_eq(a.terminated, b.terminated, 4 * sizeof(bool));
        for (int i = 0; i < 4; i++) done += a.terminated[i];
    }
    cr_assert_gt(done, 0, "episodes ended (autoreset was exercised)");
    env_vec_free(&a);
    env_vec_free(&b);
    trainer_env_close(&te);
}

Test(imgprep, the_wrapped_chain_passes_the_environment_checks)
{
    char err[1024];
    trainer_env te;
    cr_assert_eq(open_cfg(chain, 7, &te, err, sizeof err), RL_OK, "%s", err);
    env_check_opts o;
    env_check_opts_default(&o);
    o.n_steps = 300;
    env_check_report rep;
    cr_assert_eq(env_check_run(te.def, &o, &rep, err, sizeof err), RL_OK, "%s", err);
    for (int i = 0; i < rep.n_items; i++)
        cr_assert_neq(rep.items[i].outcome, ENV_CHECK_FAIL, "%s: %s", rep.items[i].name, rep.items[i].detail);
    trainer_env_close(&te);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void expect_error(const char *const *sets, int n, const char *a, const char *b)
{
    char err[1024];
    trainer_env te;
    rl_config *cfg = malloc(sizeof *cfg);
    rl_status st = rl_config_load_string(cfg, "algo: ppo\n", "ip.yaml", sets, n, err, sizeof err);
    if (st == RL_OK) {
        st = trainer_env_open(&te, cfg, "ip.yaml", false, err, sizeof err);
        if (st == RL_OK) trainer_env_close(&te);
    }
    free(cfg);
    cr_assert_eq(st, RL_ERR_CONFIG, "%s: accepted", sets[n - 1]);
    cr_assert(strstr(err, a) && strstr(err, b), "%s: %s", sets[n - 1], err);
}

Test(imgprep, bad_settings_are_refused_naming_the_key)
{
    const char *g[] = {"env.grayscale=true"};
    expect_error(g, 1, "ip.yaml: env.grayscale: CartPole-v1", "expected an image");
    const char *r[] = {"env.resize=[64, 64]"};
    expect_error(r, 1, "ip.yaml: env.resize: CartPole-v1", "expected an image");
    const char *g1[] = {"env.pixels=true", "env.pixels_grayscale=true", "env.grayscale=true"};
    expect_error(g1, 3, "env.grayscale", "1 channel: expected 3");
    const char *up[] = {"env.pixels=true", "env.resize=[100, 64]"};
    expect_error(up, 2, "env.resize", "at most the image's");
    const char *n3[] = {"env.pixels=true", "env.resize=[32, 32, 32]"};
    expect_error(n3, 2, "env.resize", "expected [height, width]");
    const char *small[] = {"env.pixels=true", "env.resize=[8, 32]"};
    expect_error(small, 2, "env.resize", "out of range");
    const char *k0[] = {"env.frame_skip=0"};
    expect_error(k0, 1, "env.frame_skip", "out of range");
    char err[512];
    env_def *d = (env_def *)1;
    cr_assert_eq(env_frame_skip_def(env_find("CartPole-v1"), ENV_FRAME_SKIP_MAX + 1, 0, &d, err, sizeof err), RL_ERR_ARG);
    cr_assert(d == NULL && strstr(err, "frame_skip: CartPole-v1"), "%s", err);
}
