/* rlc tests: the environment tooling: space sampling, the checks of envs/check.h on the built-in
 * environments and on deliberately broken ones defined here, and the `rlc envs`, `rlc rollout`
 * and `rlc check-env` commands (plugin included), and training on the plugin environment. */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "envs/check.h"
#include "envs/env.h"
#include "envs/space_text.h"
#include "tests/helpers/testutil.h"

/* ---- helpers ----------------------------------------------------------------------------- */

/* runs a shell command; returns its exit status and its stdout (+ stderr if the command
 * redirects it) in out */
static env_check_report check_def(const env_def *def, int n_steps)
{
    env_check_report rep;
    env_check_opts o;
    env_check_opts_default(&o);
    o.n_steps = n_steps;
    char err[256] = "";
    cr_assert_eq(env_check_run(def, &o, &rep, err, sizeof err), RL_OK, "%s", err);
    return rep;
}

static void print_report(const env_check_report *rep, const char *id)
{
    env_check_print(rep, id, stderr);
}

/* asserts the named check has the outcome, and (for a FAIL) that its detail mentions needle */
static void expect(const env_check_report *rep, const char *id, const char *name,
                   env_check_outcome o, const char *needle)
{
    const env_check_item *it = env_check_find(rep, name);
    cr_assert(it != NULL, "no check named '%s'", name);
    if (it->outcome != o || (needle && !strstr(it->detail, needle))) print_report(rep, id);
    cr_assert_eq(it->outcome, o, "%s: check '%s' outcome %d, expected %d: %s", id, name, it->outcome,
                 o, it->detail);
    if (needle) cr_assert(strstr(it->detail, needle), "%s: '%s' detail lacks '%s': %s", id, name, needle, it->detail);
}

/* ---- space sampling ---------------------------------------------------------------------- */

Test(env_tools, sample_box_respects_bounds_and_kinds)
{
    static const float lo[4] = {-2.0f, 0.5f, -INFINITY, -INFINITY};
    static const float hi[4] = {3.0f, INFINITY, 1.0f, INFINITY};
    env_space s = {.kind = ENV_SPACE_BOX, .dim = 4, .low = lo, .high = hi};
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    double mean[4] = {0}, sq3 = 0;
    const int n = 20000;
    for (int k = 0; k < n; k++) {
        float x[4];
        env_space_sample(&s, &rng, x);
        cr_assert(x[0] >= -2.0f && x[0] <= 3.0f);
        cr_assert(x[1] >= 0.5f && isfinite(x[1]));
        cr_assert(x[2] <= 1.0f && isfinite(x[2]));
        cr_assert(isfinite(x[3]));
        for (int i = 0; i < 4; i++) mean[i] += x[i] / n;
        sq3 += (double)x[3] * x[3] / n;
    }
    cr_assert(fabs(mean[0] - 0.5) < 0.05, "uniform mean %g", mean[0]);
    cr_assert(fabs(mean[1] - 1.5) < 0.05, "low + Exp(1) mean %g", mean[1]);
    cr_assert(fabs(mean[2] - 0.0) < 0.05, "high - Exp(1) mean %g", mean[2]);
    cr_assert(fabs(mean[3]) < 0.05 && fabs(sq3 - 1.0) < 0.05, "normal mean %g var %g", mean[3], sq3);
}

Test(env_tools, sample_discrete_uniform_and_contains)
{
    env_space s = {.kind = ENV_SPACE_DISCRETE, .n = 5, .dim = 1};
    rl_rng rng;
    rl_rng_seed(&rng, 4, 0);
    int count[5] = {0};
    for (int k = 0; k < 10000; k++) {
        float a;
        env_space_sample(&s, &rng, &a);
        cr_assert(env_space_contains(&s, &a), "sampled %g", a);
        count[(int)a]++;
    }
    for (int i = 0; i < 5; i++) cr_assert(count[i] > 1800 && count[i] < 2200, "value %d: %d", i, count[i]);
    float bad[] = {-1.0f, 5.0f, 1.5f, NAN};
    for (int i = 0; i < 4; i++) cr_assert(!env_space_contains(&s, &bad[i]), "%g", bad[i]);
    static const float lo[2] = {-1, -1}, hi[2] = {1, 1};
    env_space b = {.kind = ENV_SPACE_BOX, .dim = 2, .low = lo, .high = hi};
    float in[2] = {1.0f, -1.0f}, out[2] = {0.0f, 1.01f}, nan2[2] = {0.0f, NAN};
    cr_assert(env_space_contains(&b, in));
    cr_assert(!env_space_contains(&b, out));
    cr_assert(!env_space_contains(&b, nan2));
    char buf[128];
    cr_assert_str_eq(env_space_describe(&b, buf, sizeof buf), "Box(2) [-1, 1]");
    cr_assert_str_eq(env_space_describe(&s, buf, sizeof buf), "Discrete(5)");
}

/* ---- the checks on every registered environment ------------------------------------------ */

Test(env_tools, every_builtin_env_passes_the_checks)
{
    int n;
    const env_def *const *defs = env_list(&n);
    cr_assert(n >= 5);
    for (int i = 0; i < n; i++) {
        env_check_report rep = check_def(defs[i], 1000);
        if (rep.n_failed) print_report(&rep, defs[i]->id);
        cr_assert_eq(rep.n_failed, 0, "%s fails %d check(s) (report on stderr)", defs[i]->id, rep.n_failed);
        expect(&rep, defs[i]->id, "same seed, same run", ENV_CHECK_PASS, NULL);
        expect(&rep, defs[i]->id, "seeds differ", ENV_CHECK_PASS, NULL);
    }
}

/* ---- deliberately broken environments ---------------------------------------------------- */

/* a well-behaved base: a 1-D random walk in [-1, 1] with a 3-dim observation (position, step
 * count / 100, a constant), terminating at |x| >= 1; each broken variant changes one thing */
typedef struct {
    double x;
    int t;
    bool latched;   /* used by the stale-state variant */
    rl_rng own;     /* used by the seed-ignoring variant */
} walk_state;

enum { WALK_OK, WALK_NAN_OBS, WALK_NAN_REWARD, WALK_OUT_OF_BOUNDS, WALK_GLOBAL_RNG, WALK_IGNORES_SEED, WALK_SHORT_OBS,
       WALK_LONG_OBS, WALK_STALE, WALK_OWN_TIME_LIMIT, WALK_COUNT };
static int g_variant;
static unsigned g_counter;   /* the "global RNG" of WALK_GLOBAL_RNG */

static const float walk_obs_low[3] = {-1, 0, -1}, walk_obs_high[3] = {1, 10, 1};
static const float walk_act_low[1] = {-1}, walk_act_high[1] = {1};

static rl_status walk_init(void *state, char *err, size_t err_sz)
{
    (void)state;
    (void)err;
    (void)err_sz;
    return RL_OK;
}

static void walk_obs(const walk_state *s, float *obs)
{
    obs[0] = (float)s->x;
    obs[1] = (float)s->t / 100.0f;
    if (g_variant != WALK_SHORT_OBS) obs[2] = 0.5f;
    if (g_variant == WALK_LONG_OBS) obs[3] = 0.0f;
    if (g_variant == WALK_NAN_OBS && s->t == 7) obs[1] = NAN;
    if (g_variant == WALK_OUT_OF_BOUNDS && s->t == 5) obs[2] = 1.5f;
}

static void walk_reset(void *state, rl_rng *rng, float *obs)
{
    walk_state *s = state;
    bool latched = s->latched;
    memset(s, 0, sizeof(*s));
    if (g_variant == WALK_STALE) s->latched = latched;   /* forgets to clear it */
    if (g_variant == WALK_IGNORES_SEED) {
        rl_rng_seed(&s->own, 42, 0);   /* a constant seed instead of the rng argument */
        s->x = rl_rng_uniform(&s->own, -0.5, 0.5);
    } else if (g_variant == WALK_GLOBAL_RNG) {
        s->x = (double)(g_counter++ % 100) / 200.0;
    } else {
        s->x = rl_rng_uniform(rng, -0.5, 0.5);
    }
    walk_obs(s, obs);
}

static void walk_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                      bool *terminated, bool *truncated)
{
    walk_state *s = state;
    double a = action[0] < -1 ? -1 : (action[0] > 1 ? 1 : action[0]);
    s->x += 0.3 * a + 0.05 * rl_rng_normal(g_variant == WALK_IGNORES_SEED ? &s->own : rng);
    s->t++;
    *terminated = fabs(s->x) >= 1.0 || s->latched;
    if (*terminated) s->latched = true;
    s->x = s->x < -1 ? -1 : (s->x > 1 ? 1 : s->x);
    *truncated = g_variant == WALK_OWN_TIME_LIMIT && s->t >= 20;
    *reward = (float)-fabs(s->x);
    if (g_variant == WALK_NAN_REWARD && s->t == 9) *reward = INFINITY;
    walk_obs(s, obs);
}

static env_def walk_def(int variant)
{
    g_variant = variant;
    env_def d = {
        .id = "Walk-v0",
        .state_size = sizeof(walk_state),
        .max_episode_steps = 40,
        .reward_threshold = NAN,
        .obs_space = {.kind = ENV_SPACE_BOX, .dim = 3, .low = walk_obs_low, .high = walk_obs_high},
        .act_space = {.kind = ENV_SPACE_BOX, .dim = 1, .low = walk_act_low, .high = walk_act_high},
        .init = walk_init,
        .reset = walk_reset,
        .step = walk_step,
    };
    if (variant == WALK_SHORT_OBS) d.obs_space.dim = 3;    /* writes 2 of 3 */
    if (variant == WALK_LONG_OBS) d.obs_space.dim = 3;     /* writes 4 */
    return d;
}

Test(env_tools, a_correct_env_passes_everything)
{
    env_def d = walk_def(WALK_OK);
    env_check_report rep = check_def(&d, 2000);
    if (rep.n_failed) print_report(&rep, d.id);
    cr_assert_eq(rep.n_failed, 0);
    for (int i = 0; i < rep.n_items; i++)
        cr_assert_eq(rep.items[i].outcome, ENV_CHECK_PASS, "%s: %s", rep.items[i].name, rep.items[i].detail);
}

/* each broken variant is caught by its check, and only that check fails */
static void expect_only(int variant, const char *check, const char *needle)
{
    env_def d = walk_def(variant);
    env_check_report rep = check_def(&d, 2000);
    expect(&rep, d.id, check, ENV_CHECK_FAIL, needle);
    if (rep.n_failed != 1) print_report(&rep, d.id);
    cr_assert_eq(rep.n_failed, 1, "variant %d: %d checks fail, expected only '%s'", variant, rep.n_failed, check);
}

Test(env_tools, catches_nan_observation) { expect_only(WALK_NAN_OBS, "finite values", "obs[1] = nan"); }
Test(env_tools, catches_infinite_reward) { expect_only(WALK_NAN_REWARD, "finite values", "reward = inf"); }
Test(env_tools, catches_out_of_bounds_observation)
{
    expect_only(WALK_OUT_OF_BOUNDS, "observations in space", "obs[2] = 1.5 is outside [-1, 1]");
}
Test(env_tools, catches_short_observation) { expect_only(WALK_SHORT_OBS, "observation dims", "obs[2] (dim 3) was not written"); }
Test(env_tools, catches_long_observation) { expect_only(WALK_LONG_OBS, "observation dims", "obs[3] was written"); }
Test(env_tools, catches_stale_state_after_termination)
{
    expect_only(WALK_STALE, "reset after termination", "does not replay");
}
Test(env_tools, catches_own_time_limit) { expect_only(WALK_OWN_TIME_LIMIT, "truncation at step limit", "step 20"); }
Test(env_tools, catches_seed_ignored) { expect_only(WALK_IGNORES_SEED, "seeds differ", "identical"); }

Test(env_tools, catches_nondeterminism)
{
    env_def d = walk_def(WALK_GLOBAL_RNG);
    env_check_report rep = check_def(&d, 2000);
    expect(&rep, d.id, "same seed, same run", ENV_CHECK_FAIL, "first observations differ");
    /* (the replays after termination / truncation fail too); the value checks still pass */
    expect(&rep, d.id, "observations in space", ENV_CHECK_PASS, NULL);
    expect(&rep, d.id, "finite values", ENV_CHECK_PASS, NULL);
}

static const float inf_low[1] = {-INFINITY}, inf_high[1] = {INFINITY};
static const float rev_low[1] = {1}, rev_high[1] = {-1};

Test(env_tools, catches_bad_action_spaces)
{
    env_def d = walk_def(WALK_OK);
    d.act_space.low = inf_low;
    d.act_space.high = inf_high;
    env_check_report rep = check_def(&d, 500);
    expect(&rep, d.id, "action space", ENV_CHECK_FAIL, "infinite bound");
    expect(&rep, d.id, "finite values", ENV_CHECK_PASS, NULL);   /* still runs (normal actions) */

    d.act_space.low = rev_low;
    d.act_space.high = rev_high;
    rep = check_def(&d, 500);
    expect(&rep, d.id, "action space", ENV_CHECK_FAIL, "low 1 >= high -1");

    d = walk_def(WALK_OK);
    d.act_space = (env_space){.kind = ENV_SPACE_DISCRETE, .n = 0, .dim = 1};
    rep = check_def(&d, 500);
    expect(&rep, d.id, "action space", ENV_CHECK_FAIL, "n = 0");
    expect(&rep, d.id, "init", ENV_CHECK_SKIP, NULL);
    expect(&rep, d.id, "finite values", ENV_CHECK_SKIP, NULL);

    d = walk_def(WALK_OK);
    d.obs_space.low = NULL;
    rep = check_def(&d, 500);
    expect(&rep, d.id, "observation space", ENV_CHECK_FAIL, "without bounds");
    expect(&rep, d.id, "seeds differ", ENV_CHECK_SKIP, NULL);
}

static rl_status failing_init(void *state, char *err, size_t err_sz)
{
    (void)state;
    return rl_errf(err, err_sz, RL_ERR_IO, "walk.xml: cannot open");
}

Test(env_tools, reports_init_failure_and_missing_functions)
{
    env_def d = walk_def(WALK_OK);
    d.init = failing_init;
    env_check_report rep = check_def(&d, 100);
    expect(&rep, d.id, "init", ENV_CHECK_FAIL, "walk.xml: cannot open");
    expect(&rep, d.id, "finite values", ENV_CHECK_SKIP, NULL);
    cr_assert_eq(rep.n_failed, 1);

    d = walk_def(WALK_OK);
    d.step = NULL;
    d.max_episode_steps = -3;
    rep = check_def(&d, 100);
    expect(&rep, d.id, "definition", ENV_CHECK_FAIL, "missing: step");
    expect(&rep, d.id, "init", ENV_CHECK_SKIP, NULL);
}

/* ---- image spaces: shape and element type ------------------------------------------------- */

/* Pixels-v0: a 2 x 2 x 1 bool image of a counter's bits; with g_px_half, one value is 0.5 */
typedef struct {
    int t;
} px_state;
static bool g_px_half;
static const float px_low[4] = {0, 0, 0, 0}, px_high[4] = {1, 1, 1, 1};

static void px_obs(const px_state *s, float *obs)
{
    for (int i = 0; i < 4; i++) obs[i] = (float)((s->t >> i) & 1);
    if (g_px_half && s->t == 5) obs[3] = 0.5f;
}

static void px_reset(void *state, rl_rng *rng, float *obs)
{
    px_state *s = state;
    s->t = (int)rl_rng_below(rng, 4);
    px_obs(s, obs);
}

static void px_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    (void)action, (void)truncated;
    px_state *s = state;
    s->t += 1 + (int)rl_rng_below(rng, 2);
    *terminated = s->t >= 14;
    *reward = 0.0f;
    px_obs(s, obs);
}

static env_def px_def(void)
{
    return (env_def){.id = "Pixels-v0", .state_size = sizeof(px_state), .reward_threshold = NAN,
                     .obs_space = {.kind = ENV_SPACE_BOX, .dim = 4, .low = px_low, .high = px_high, .rank = 3,
                                   .shape = {2, 2, 1}, .elem = ENV_ELEM_BOOL},
                     .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 2, .dim = 1},
                     .init = walk_init, .reset = px_reset, .step = px_step};
}

Test(env_tools, image_spaces_describe_contain_and_sample)
{
    env_def d = px_def();
    char buf[128];
    cr_assert_str_eq(env_space_describe(&d.obs_space, buf, sizeof buf), "Box(2, 2, 1) bool [0, 1]");
    static const float lo[3] = {0, 0, 0}, hi[3] = {255, 255, 255};
    env_space u8 = {.kind = ENV_SPACE_BOX, .dim = 3, .low = lo, .high = hi, .elem = ENV_ELEM_UINT8};
    cr_assert_str_eq(env_space_describe(&u8, buf, sizeof buf), "Box(3) uint8 [0, 255]");
    cr_assert_float_eq(env_space_unit_scale(&u8), 1.0f / 255.0f, 1e-9f);
    cr_assert_eq(env_space_unit_scale(&d.obs_space), 1.0f);
    float ok[4] = {0, 1, 1, 0}, half[4] = {0, 0.5f, 1, 0}, frac[3] = {0, 254.5f, 3};
    cr_assert(env_space_contains(&d.obs_space, ok));
    cr_assert(!env_space_contains(&d.obs_space, half));
    cr_assert(!env_space_contains(&u8, frac));
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    int ones = 0, top = 0;
    for (int k = 0; k < 1000; k++) {
        float x[4], y[3];
        env_space_sample(&d.obs_space, &rng, x);
        env_space_sample(&u8, &rng, y);
        cr_assert(env_space_contains(&d.obs_space, x) && env_space_contains(&u8, y), "%g %g", x[0], y[0]);
        ones += x[0] == 1.0f;
        top += y[0] == 255.0f;
    }
    cr_assert(ones > 400 && ones < 600, "bool samples: %d ones in 1000", ones);
    cr_assert(top > 0, "uint8 samples reach 255");
    char *json = env_space_to_json(&d.obs_space);
    cr_assert(strstr(json, "\"dim\": 4, \"shape\": [2, 2, 1], \"dtype\": \"bool\", \"low\": [0, 0, 0, 0]"), "%s", json);
    free(json);
    json = env_space_to_json(&u8);
    cr_assert(!strstr(json, "shape") && strstr(json, "\"dtype\": \"uint8\""), "%s", json);
    free(json);
}

/* a layout that does not fit: refused by env_register and failed by the checks, with the reason */
static void expect_bad_layout(env_def d, const char *needle)
{
    char why[160] = "", err[256] = "";
    cr_assert(!env_space_layout_ok(&d.obs_space, why, sizeof why));
    cr_assert(strstr(why, needle), "'%s' lacks '%s'", why, needle);
    cr_assert_eq(env_register(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "Pixels-v0") && strstr(err, "observation") && strstr(err, needle), "%s", err);
    env_check_report rep = check_def(&d, 100);
    expect(&rep, d.id, "observation space", ENV_CHECK_FAIL, needle);
}

static const float px_high2[4] = {1, 1, 2, 1};

Test(env_tools, image_space_layouts_are_checked)
{
    env_def d = px_def();
    char why[160];
    cr_assert(env_space_layout_ok(&d.obs_space, why, sizeof why), "%s", why);
    d.obs_space.rank = 2;
    expect_bad_layout(d, "rank 2");
    d = px_def();
    d.obs_space.shape[1] = 3;
    expect_bad_layout(d, "shape (2, 3, 1) does not hold dim 4 values");
    d = px_def();
    d.obs_space.shape[0] = -2;
    d.obs_space.shape[1] = -2;
    expect_bad_layout(d, "shape (-2, -2, 1)");
    d = px_def();
    d.obs_space.high = px_high2;
    expect_bad_layout(d, "bool values need bounds within [0, 1]; dimension 2 has [0, 2]");
    d = px_def();
    d.obs_space.elem = (env_elem_type)7;
    expect_bad_layout(d, "unknown element type 7");
}

Test(env_tools, catches_values_outside_the_element_type)
{
    env_def d = px_def();
    g_px_half = false;
    env_check_report rep = check_def(&d, 500);
    if (rep.n_failed) print_report(&rep, d.id);
    cr_assert_eq(rep.n_failed, 0);
    expect(&rep, d.id, "observation space", ENV_CHECK_PASS, "Box(2, 2, 1) bool [0, 1]");
    g_px_half = true;
    rep = check_def(&d, 500);
    g_px_half = false;
    expect(&rep, d.id, "observations in space", ENV_CHECK_FAIL, "obs[3] = 0.5 is outside the bool values of [0, 1]");
    cr_assert_eq(rep.n_failed, 1);
}

/* ---- the commands ------------------------------------------------------------------------ */

Test(env_tools, envs_lists_builtins_and_plugin)
{
    char cmd[1024], out[16384];
    snprintf(cmd, sizeof cmd, "%s envs", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "CartPole-v1") && strstr(out, "Discrete(2)") && strstr(out, "475"), "%s", out);
    cr_assert(strstr(out, "Pendulum-v1") && strstr(out, "Box(1) [-2, 2]"), "%s", out);
    cr_assert(!strstr(out, "PointReach-v0"), "%s", out);

    snprintf(cmd, sizeof cmd, "%s envs --plugin %s", RLC_BINARY, RLC_PLUGIN_POINT_REACH);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    const char *line = strstr(out, "PointReach-v0");
    cr_assert(line, "%s", out);
    char row[512];
    snprintf(row, sizeof row, "%.*s", (int)strcspn(line, "\n"), line);
    cr_assert(strstr(row, "Box(4) [-1, 1]") && strstr(row, "Box(2) [-1, 1]") && strstr(row, " 200 ") &&
              strstr(row, "point_reach"), "%s", row);

    snprintf(cmd, sizeof cmd, "%s envs MountainCarContinuous-v0", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "low   -1.2 -0.07") && strstr(out, "high  0.6 0.07") && strstr(out, "999"), "%s", out);

    snprintf(cmd, sizeof cmd, "%s envs --plugin /nonexistent/plugin.so 2>&1", RLC_BINARY);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0);
    cr_assert(strstr(out, "/nonexistent/plugin.so"), "%s", out);
}

Test(env_tools, check_env_command)
{
    char cmd[1024], out[16384];
    snprintf(cmd, sizeof cmd, "%s check-env CartPole-v1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "PASS  finite values") && strstr(out, "0 failed"), "%s", out);

    snprintf(cmd, sizeof cmd, "%s check-env PointReach-v0 --plugin %s", RLC_BINARY, RLC_PLUGIN_POINT_REACH);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "PASS  truncation at step limit") && strstr(out, "0 failed"), "%s", out);

    snprintf(cmd, sizeof cmd, "%s check-env NoSuchEnv-v0 2>&1", RLC_BINARY);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0);
    cr_assert(strstr(out, "NoSuchEnv-v0"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s check-env 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 2);
}

/* check-env on the environment as a config makes it: its env.kwargs and observation wrappers,
 * from --set env.KEY=VALUE or a config file's env: section */
Test(env_tools, check_env_takes_a_configs_env_section)
{
    char cmd[1024], out[16384];
    snprintf(cmd, sizeof cmd, "%s check-env Pendulum-v1 --steps 300 --set env.frame_stack=3 --set env.mask_velocity=true",
             RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "observation space         Box(9)") && strstr(out, "0 failed"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s check-env Pendulum-v1 --steps 300 --set env.max_episode_steps=50", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "max_episode_steps 50,") && strstr(out, "0 failed"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s check-env --config %s/configs/zoo/ppo_cartpole_pixels.yaml --steps 100", RLC_BINARY,
             RLC_SOURCE_DIR);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "check-env CartPole-v1") && strstr(out, "Box(16, 256, 4) uint8") && strstr(out, "0 failed"),
              "%s", out);
    /* the id given replaces the config's; the config's wrappers stay */
    snprintf(cmd, sizeof cmd, "%s check-env Acrobot-v1 --config %s/configs/zoo/ppo_cartpole_pixels.yaml --steps 100",
             RLC_BINARY, RLC_SOURCE_DIR);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "check-env Acrobot-v1") && strstr(out, "Box(16, 256, 4) uint8"), "%s", out);

    snprintf(cmd, sizeof cmd, "%s check-env FrozenLake-v1 --set ppo.learning_rate=1 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "ppo.learning_rate") && strstr(out, "only env.KEY=VALUE"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s check-env FrozenLake-v1 --set env.kwargs.is_slipery=false 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "is_slipery") && strstr(out, "is_slippery"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s check-env CartPole-v1 --set env.resize=[32,32] 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "env.resize") && strstr(out, "image"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s check-env --config /nonexistent/x.yaml 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "/nonexistent/x.yaml"), "%s", out);
}

/* counts lines; returns the first line (header) in header */
static int csv_lines(const char *path, char *header, size_t header_sz)
{
    FILE *fp = fopen(path, "r");
    cr_assert(fp, "%s missing", path);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        if (n == 0) snprintf(header, header_sz, "%s", line);
        n++;
    }
    fclose(fp);
    return n;
}

Test(env_tools, rollout_random_csv)
{
    char cmd[1024], out[4096], a[256], b[256], c[256], header[4096];
    rlt_tmp_path(a, sizeof a, "rollout_a.csv");
    rlt_tmp_path(b, sizeof b, "rollout_b.csv");
    rlt_tmp_path(c, sizeof c, "rollout_c.csv");
    snprintf(cmd, sizeof cmd, "%s rollout --env CartPole-v1 --seed 3 --steps 300 --out %s", RLC_BINARY, a);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s rollout --env CartPole-v1 --seed 3 --steps 300 --out %s", RLC_BINARY, b);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s rollout --env CartPole-v1 --seed 4 --steps 300 --out %s", RLC_BINARY, c);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert_eq(csv_lines(a, header, sizeof header), 301);
    cr_assert_str_eq(header, "step,episode,obs_0,obs_1,obs_2,obs_3,act_0,reward,terminated,truncated\n");
    char *ta = rlt_read_file(a), *tb = rlt_read_file(b), *tc = rlt_read_file(c);
    cr_assert_str_eq(ta, tb, "same seed, different CSV");
    cr_assert_str_neq(ta, tc, "different seeds, same CSV");

    /* rows: step counts up, the episode index increments after each terminated row, actions are
     * 0 or 1, reward 1 */
    FILE *fp = fopen(a, "r");
    char line[1024];
    cr_assert(fgets(line, sizeof line, fp));
    long expect_step = 0, episode = 0, ends = 0;
    bool next_new = false;
    while (fgets(line, sizeof line, fp)) {
        long step, ep;
        float o[4], act, r;
        int term, trunc;
        cr_assert_eq(sscanf(line, "%ld,%ld,%f,%f,%f,%f,%f,%f,%d,%d", &step, &ep, &o[0], &o[1], &o[2], &o[3], &act,
                            &r, &term, &trunc), 10, "%s", line);
        cr_assert_eq(step, expect_step++);
        if (next_new) episode++;
        cr_assert_eq(ep, episode, "%s", line);
        cr_assert(act == 0.0f || act == 1.0f, "%s", line);
        cr_assert_eq(r, 1.0f);
        next_new = term || trunc;
        ends += next_new;
    }
    fclose(fp);
    cr_assert(ends >= 5, "random CartPole episodes are short: %ld ended in 300 steps", ends);
    free(ta);
    free(tb);
    free(tc);
    remove(a);
    remove(b);
    remove(c);

    /* Box actions: within the bounds; stdout by default; a plugin env */
    snprintf(cmd, sizeof cmd, "%s rollout --env Pendulum-v1 --steps 50 | awk -F, 'NR>1 && ($6 < -2 || $6 > 2)' | wc -l",
             RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0);
    cr_assert_eq(atoi(out), 0, "Pendulum actions outside [-2, 2]: %s", out);
    snprintf(cmd, sizeof cmd, "%s rollout --env PointReach-v0 --plugin %s --steps 20 | wc -l", RLC_BINARY,
             RLC_PLUGIN_POINT_REACH);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0);
    cr_assert_eq(atoi(out), 21, "%s", out);

    /* errors: nothing written */
    snprintf(cmd, sizeof cmd, "%s rollout --env NoSuchEnv-v0 --out %s 2>&1", RLC_BINARY, a);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0);
    cr_assert(strstr(out, "NoSuchEnv-v0"), "%s", out);
    cr_assert(access(a, F_OK) != 0);
    snprintf(cmd, sizeof cmd, "%s rollout 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 2, "%s", out);
    snprintf(cmd, sizeof cmd, "%s rollout --env CartPole-v1 --steps 0 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 2, "%s", out);
}

/* --out to a FIFO (as to /dev/null): written through, not replaced by a regular file */
Test(env_tools, rollout_out_to_a_fifo_keeps_the_fifo)
{
    char dir[256], fifo[300], cmd[1024], out[4096];
    rlt_tmp_dir(dir, sizeof dir, "fifo");
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(fifo, sizeof fifo, "%s/steps.csv", dir);
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t reader = fork();
    cr_assert(reader >= 0);
    if (reader == 0) {   /* counts the lines that come through the FIFO */
        close(fds[0]);
        FILE *in = fopen(fifo, "r");
        int lines = 0, ch;
        while (in && (ch = fgetc(in)) != EOF) lines += ch == '\n';
        dprintf(fds[1], "%d", lines);
        _exit(0);
    }
    close(fds[1]);
    snprintf(cmd, sizeof cmd, "%s rollout --env CartPole-v1 --steps 5 --out %s 2>&1", RLC_BINARY, fifo);
    int code = rlt_run_cmd(cmd, out, sizeof out);
    struct stat sb;
    int still_fifo = stat(fifo, &sb) == 0 && S_ISFIFO(sb.st_mode);
    if (!still_fifo) kill(reader, SIGKILL);   /* it waits on the FIFO that was replaced */
    waitpid(reader, NULL, 0);
    char lines[32] = "";
    ssize_t n = read(fds[0], lines, sizeof lines - 1);
    lines[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    cr_assert_eq(code, 0, "%s", out);
    cr_assert(still_fifo, "rlc rollout --out replaced the FIFO with a regular file");
    cr_assert_eq(atoi(lines), 6, "the reader got %s lines", lines);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* trains briefly, then rolls the checkpoint out deterministically */
Test(env_tools, rollout_with_a_checkpoint)
{
    char cmd[2048], out[8192], dir[256], a[300], b[300], header[4096];
    rlt_tmp_dir(dir, sizeof dir, "rollout_run");
    snprintf(cmd, sizeof cmd,
             "%s train %s/configs/ppo_cartpole.yaml --run-dir %s --quiet --set total_steps=2048 "
             "--set log.eval_episodes=1 > /dev/null 2>&1",
             RLC_BINARY, RLC_SOURCE_DIR, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0);
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/b.csv", dir);
    snprintf(cmd, sizeof cmd, "%s rollout --policy %s --seed 9 --steps 200 --out %s 2>&1", RLC_BINARY, dir, a);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s rollout --env CartPole-v1 --policy %s/checkpoint.safetensors --seed 9 --steps 200 --out %s 2>&1",
             RLC_BINARY, dir, b);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert_eq(csv_lines(a, header, sizeof header), 201);
    char *ta = rlt_read_file(a), *tb = rlt_read_file(b);
    cr_assert_str_eq(ta, tb, "the deterministic policy gave different rollouts");
    free(ta);
    free(tb);
    /* an agent trained on CartPole cannot act in Pendulum */
    snprintf(cmd, sizeof cmd, "%s rollout --env Pendulum-v1 --policy %s --steps 5 2>&1", RLC_BINARY, dir);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0);
    cr_assert(strstr(out, "spaces differ"), "%s", out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* The plugin environment (Box actions) trains with PPO through `env.plugin` in the YAML the user
 * names. The checkpoint names the plugin too, but eval, rollout and --resume never load code a
 * checkpoint or a run directory names: without --plugin they fail naming the env id, the plugin
 * path and --plugin; with it they work. */
Test(env_tools, plugin_env_trains)
{
    char cmd[2048], out[16384], cfg[256], dir[256], yaml[1024];
    rlt_tmp_dir(dir, sizeof dir, "plugin_run");
    snprintf(yaml, sizeof yaml,
             "algo: ppo\nseed: 1\ntotal_steps: 4096\n"
             "env: {id: PointReach-v0, plugin: %s, num_envs: 4}\n"
             "ppo: {num_steps: 128}\n"
             "log: {log_interval: 2048, eval_interval: 4096, eval_episodes: 2, checkpoint_interval: 4096}\n",
             RLC_PLUGIN_POINT_REACH);
    rlt_tmpfile(cfg, sizeof cfg, "plugin_train", yaml);
    snprintf(cmd, sizeof cmd, "%s train %s --run-dir %s --quiet 2>&1", RLC_BINARY, cfg, dir);
    int code = rlt_run_cmd(cmd, out, sizeof out);
    remove(cfg);
    cr_assert_eq(code, 0, "%s", out);
    cr_assert(strstr(out, "trained 4096 steps"), "%s", out);
    cr_assert(strstr(out, "final evaluation"), "%s", out);

    /* no --plugin: refused, with what to do */
    const char *uses[] = {"rollout --policy %s --steps 50", "eval %s --episodes 1", "train --resume %s --set total_steps=8192"};
    for (int i = 0; i < 3; i++) {
        char what[512];
        snprintf(what, sizeof what, uses[i], dir);
        snprintf(cmd, sizeof cmd, "%s %s 2>&1", RLC_BINARY, what);
        cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0, "rlc %s loaded the checkpoint's plugin:\n%s", what, out);
        cr_assert(strstr(out, "PointReach-v0") && strstr(out, RLC_PLUGIN_POINT_REACH) && strstr(out, "--plugin"),
                  "rlc %s: the error does not say which env, which plugin and --plugin:\n%s", what, out);
    }
    /* with --plugin */
    snprintf(cmd, sizeof cmd, "%s rollout --policy %s --plugin %s --steps 50 | wc -l", RLC_BINARY, dir,
             RLC_PLUGIN_POINT_REACH);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0);
    cr_assert_eq(atoi(out), 51, "%s", out);
    snprintf(cmd, sizeof cmd, "%s eval %s --plugin %s --episodes 2 2>&1", RLC_BINARY, dir, RLC_PLUGIN_POINT_REACH);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "PointReach-v0: return"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s train --resume %s --plugin %s --set total_steps=8192 --quiet 2>&1", RLC_BINARY, dir,
             RLC_PLUGIN_POINT_REACH);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "trained steps 4096 to 8192 (4096 in this run)"), "%s", out);
    /* --plugin is for --resume only: a YAML file names its plugin itself */
    snprintf(cmd, sizeof cmd, "%s train %s --plugin %s 2>&1", RLC_BINARY, cfg, RLC_PLUGIN_POINT_REACH);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 2, "%s", out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
