/* rlc tests: the toy-text environments (envs/toytext) and numpy's generator they draw from
 * (core/nprng). Reference values: the JSON files in tests/fixtures/toytext, written by
 * scripts/gen_fixtures_toytext.py from numpy and Gymnasium's own code. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nprng.h"
#include "envs/check.h"
#include "envs/env.h"
#include "envs/render.h"
#include "envs/toytext/toytext.h"
#include "envs/wrappers.h"
#include "tests/helpers/testutil.h"

/* ---- numpy's generator ------------------------------------------------------------------- */

static const char *item_str(const cJSON *arr, int i)
{
    const cJSON *it = cJSON_GetArrayItem(arr, i);
    cr_assert(cJSON_IsString(it), "fixture: expected a string at index %d", i);
    return it->valuestring;
}

/* one op of rng.json: [name, arg1, arg2, result] */
static void check_rng_op(rl_pcg64 *r, const cJSON *op, const char *seed, int k)
{
    const char *name = item_str(op, 0);
    long long a = strtoll(item_str(op, 1), NULL, 10), b = strtoll(item_str(op, 2), NULL, 10);
    if (strcmp(name, "random") == 0) {
        double want = strtod(item_str(op, 3), NULL), got = rl_pcg64_random(r);
        cr_assert(got == want, "seed %s op %d: random() %.17g, numpy %.17g", seed, k, got, want);
    } else if (strcmp(name, "choice") == 0) {
        long long want = strtoll(item_str(op, 3), NULL, 10), got = rl_pcg64_choice(r, (int)a);
        cr_assert_eq(got, want, "seed %s op %d: choice(%lld) %lld, numpy %lld", seed, k, a, got, want);
    } else {
        long long want = strtoll(item_str(op, 3), NULL, 10), got = rl_pcg64_integers(r, a, b);
        cr_assert_eq(got, want, "seed %s op %d: integers(%lld, %lld) %lld, numpy %lld", seed, k, a, b, got, want);
    }
}

Test(nprng, matches_numpy)
{
    cJSON *root = rlt_fixture_load("toytext/rng.json");
    const cJSON *cases = cJSON_GetObjectItem(root, "cases");
    cr_assert_geq(cJSON_GetArraySize(cases), 6);
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        const char *seed = cJSON_GetObjectItem(c, "seed")->valuestring;
        rl_pcg64 r;
        rl_pcg64_seed(&r, strtoull(seed, NULL, 10));
        const cJSON *raw = cJSON_GetObjectItem(c, "raw");
        for (int i = 0; i < cJSON_GetArraySize(raw); i++) {
            uint64_t want = strtoull(item_str(raw, i), NULL, 16), got = rl_pcg64_next64(&r);
            cr_assert_eq(got, want, "seed %s raw %d: %016" PRIx64 ", numpy %016" PRIx64, seed, i, got, want);
        }
        rl_pcg64_seed(&r, strtoull(seed, NULL, 10));
        const cJSON *ops = cJSON_GetObjectItem(c, "ops");
        for (int k = 0; k < cJSON_GetArraySize(ops); k++) check_rng_op(&r, cJSON_GetArrayItem(ops, k), seed, k);
    }
    cJSON_Delete(root);
}

/* next32 serves the low half of one 64-bit output, then its high half; random() in between
 * takes a fresh 64-bit output and leaves the buffered half alone (numpy's PCG64) */
Test(nprng, next32_buffers_the_high_half)
{
    rl_pcg64 a, b;
    rl_pcg64_seed(&a, 5);
    rl_pcg64_seed(&b, 5);
    uint64_t x = rl_pcg64_next64(&b), y = rl_pcg64_next64(&b);
    cr_assert_eq(rl_pcg64_next32(&a), (uint32_t)x);
    cr_assert_eq(rl_pcg64_random(&a), (double)(y >> 11) * 0x1.0p-53);
    cr_assert_eq(rl_pcg64_next32(&a), (uint32_t)(x >> 32));
}

/* categorical_sample: the first running sum above u, 0 when none is (sums short of 1) */
Test(nprng, categorical_is_gymnasiums)
{
    rl_pcg64 a, b;
    rl_pcg64_seed(&a, 9);
    rl_pcg64_seed(&b, 9);
    const double p[3] = {0.25, 0.5, 0.25};
    for (int k = 0; k < 200; k++) {
        double u = rl_pcg64_random(&b);
        int want = u < 0.25 ? 0 : u < 0.75 ? 1 : 2;
        cr_assert_eq(rl_pcg64_categorical(&a, p, 3), want, "u = %.17g", u);
    }
    const double zero[2] = {0.0, 0.0};
    cr_assert_eq(rl_pcg64_categorical(&a, zero, 2), 0);
}

/* ---- replaying Gymnasium's trajectories ------------------------------------------------------ */

/* a definition with a fixture case's keyword arguments (each env's section fills it) */
typedef struct {
    env_def def;
    union {
        env_frozen_lake_params fl;
        env_cliff_walking_params cw;
        env_taxi_params tx;
        env_blackjack_params bj;
    } storage;
} case_def;

typedef int (*obs_decoder)(const cJSON *obs);

static int obs_int(const cJSON *obs) { return obs->valueint; }

static bool kw_bool(const cJSON *kw, const char *key, bool dflt)
{
    const cJSON *v = cJSON_GetObjectItem(kw, key);
    return v ? cJSON_IsTrue(v) : dflt;
}

static double kw_num(const cJSON *kw, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItem(kw, key);
    return v ? v->valuedouble : dflt;
}

/* one step row [action, obs, reward, terminated, truncated(, mask)] against what env does */
static void replay_step(env_instance *e, const cJSON *row, obs_decoder dec, const char *what, int k)
{
    float a = (float)cJSON_GetArrayItem(row, 0)->valueint, obs, r;
    bool term, trunc;
    env_step(e, &a, &obs, &r, &term, &trunc);
    int want_obs = dec(cJSON_GetArrayItem(row, 1));
    double want_r = cJSON_GetArrayItem(row, 2)->valuedouble;
    bool want_term = cJSON_GetArrayItem(row, 3)->valueint, want_trunc = cJSON_GetArrayItem(row, 4)->valueint;
    cr_assert_eq((int)obs, want_obs, "%s step %d (action %d): obs %d, Gymnasium %d", what, k, (int)a, (int)obs, want_obs);
    cr_assert_eq((double)r, want_r, "%s step %d: reward %g, Gymnasium %g", what, k, r, want_r);
    cr_assert_eq(term, want_term, "%s step %d: terminated %d, Gymnasium %d", what, k, term, want_term);
    cr_assert_eq(trunc, want_trunc, "%s step %d: truncated %d, Gymnasium %d", what, k, trunc, want_trunc);
}

/* the optional per-step check (Taxi's action mask): row, observation */
typedef void (*step_extra)(const cJSON *want, int obs, const char *what, int k);

/* replays every run of a case: reset(seed), the steps, reset() after each end of episode */
static int replay_case(const env_def *def, const cJSON *c, obs_decoder dec, step_extra extra)
{
    const char *id = cJSON_GetObjectItem(c, "id")->valuestring;
    int steps = 0;
    const cJSON *run;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(c, "runs")) {
        env_instance e;
        char err[256], what[160];
        cr_assert_eq(env_make_def(&e, def, 0, err, sizeof err), RL_OK, "%s: %s", id, err);
        long long seed = (long long)cJSON_GetObjectItem(run, "seed")->valuedouble;
        char *kw = cJSON_PrintUnformatted(cJSON_GetObjectItem(c, "kwargs"));
        snprintf(what, sizeof what, "%s %s seed %lld", id, kw, seed);
        free(kw);
        const cJSON *resets = cJSON_GetObjectItem(run, "reset"), *masks = cJSON_GetObjectItem(run, "reset_mask");
        const cJSON *rows = cJSON_GetObjectItem(run, "steps");
        int n_reset = 0;
        float obs;
        env_reset(&e, seed, &obs);
        cr_assert_eq((int)obs, dec(cJSON_GetArrayItem(resets, 0)), "%s: reset obs %d", what, (int)obs);
        if (extra) extra(cJSON_GetArrayItem(masks, 0), (int)obs, what, -1);
        for (int k = 0; k < cJSON_GetArraySize(rows); k++) {
            const cJSON *row = cJSON_GetArrayItem(rows, k);
            replay_step(&e, row, dec, what, k);
            if (extra) extra(cJSON_GetArrayItem(row, 5), dec(cJSON_GetArrayItem(row, 1)), what, k);
            if (cJSON_GetArrayItem(row, 3)->valueint || cJSON_GetArrayItem(row, 4)->valueint) {
                env_reset(&e, -1, &obs);
                n_reset++;
                cr_assert_eq((int)obs, dec(cJSON_GetArrayItem(resets, n_reset)), "%s: reset %d after step %d", what,
                             n_reset, k);
                if (extra) extra(cJSON_GetArrayItem(masks, n_reset), (int)obs, what, k);
            }
        }
        cr_assert_eq(n_reset + 1, cJSON_GetArraySize(resets), "%s: resets", what);
        steps += cJSON_GetArraySize(rows);
        env_close(&e);
    }
    return steps;
}

/* ---- FrozenLake -------------------------------------------------------------------------------- */

static void frozen_lake_case(case_def *cd, const cJSON *c)
{
    const char *id = cJSON_GetObjectItem(c, "id")->valuestring;
    const cJSON *kw = cJSON_GetObjectItem(c, "kwargs");
    const env_def *base = env_find(id);
    cr_assert_not_null(base, "%s is registered", id);
    env_frozen_lake_params p = *(const env_frozen_lake_params *)base->params;
    p.is_slippery = kw_bool(kw, "is_slippery", p.is_slippery);
    p.success_rate = kw_num(kw, "success_rate", p.success_rate);
    const cJSON *rs = cJSON_GetObjectItem(kw, "reward_schedule"), *desc = cJSON_GetObjectItem(kw, "desc"), *row;
    for (int k = 0; rs && k < 3; k++) p.reward_schedule[k] = cJSON_GetArrayItem(rs, k)->valuedouble;
    cJSON_ArrayForEach(row, desc) {
        if (p.desc[0]) strcat(p.desc, ",");
        strcat(p.desc, row->valuestring);
    }
    char err[256];
    cr_assert_eq(env_frozen_lake_def(&cd->def, base, &cd->storage.fl, &p, err, sizeof err), RL_OK, "%s", err);
}

Test(frozen_lake, replays_gymnasium)
{
    cJSON *root = rlt_fixture_load("toytext/frozen_lake.json");
    const cJSON *c;
    int steps = 0, cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases")) {
        case_def cd;
        frozen_lake_case(&cd, c);
        steps += replay_case(&cd.def, c, obs_int, NULL);
        cases++;
    }
    cr_assert_eq(cases, 4);
    cr_assert_gt(steps, 2000);
    cJSON_Delete(root);
}

typedef int (*transitions_fn)(const void *state, int s, int a, env_toytext_transition *out);

/* an instance's P[s][a] for every s and a against Gymnasium's table (the case's "P") */
static void check_table(const env_def *def, const cJSON *c, transitions_fn fn)
{
    env_instance e;
    char err[256];
    cr_assert_eq(env_make_def(&e, def, 0, err, sizeof err), RL_OK, "%s", err);
    const cJSON *P = cJSON_GetObjectItem(c, "P");
    cr_assert_eq(cJSON_GetArraySize(P), def->obs_space.n, "%s: states", def->id);
    for (int s = 0; s < def->obs_space.n; s++)
        for (int a = 0; a < def->act_space.n; a++) {
            const cJSON *want = cJSON_GetArrayItem(cJSON_GetArrayItem(P, s), a);
            env_toytext_transition t[4];
            int n = fn(e.state, s, a, t);
            cr_assert_eq(n, cJSON_GetArraySize(want), "%s P[%d][%d]: %d outcomes", def->id, s, a, n);
            for (int i = 0; i < n; i++) {
                const cJSON *w = cJSON_GetArrayItem(want, i);
                cr_assert(t[i].prob == cJSON_GetArrayItem(w, 0)->valuedouble && t[i].next == cJSON_GetArrayItem(w, 1)->valueint &&
                              t[i].reward == cJSON_GetArrayItem(w, 2)->valuedouble &&
                              t[i].terminated == (bool)cJSON_GetArrayItem(w, 3)->valueint,
                          "%s P[%d][%d][%d]: (%.17g, %d, %g, %d)", def->id, s, a, i, t[i].prob, t[i].next, t[i].reward,
                          t[i].terminated);
            }
        }
    env_close(&e);
}

static int fl_table(const void *state, int s, int a, env_toytext_transition *out)
{
    return env_frozen_lake_transitions(state, s, a, out);
}

Test(frozen_lake, transition_table_is_gymnasiums)
{
    cJSON *root = rlt_fixture_load("toytext/frozen_lake.json");
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases")) {
        case_def cd;
        frozen_lake_case(&cd, c);
        check_table(&cd.def, c, fl_table);
    }
    cJSON_Delete(root);
}

/* the registrations: ids, spaces, limits and thresholds of Gymnasium's register() calls */
static void check_registered(const char *id, int obs_n, int act_n, int max_steps, double threshold)
{
    const env_def *d = env_find(id);
    cr_assert_not_null(d, "%s is registered", id);
    cr_assert_eq(d->obs_space.kind, ENV_SPACE_DISCRETE, "%s", id);
    cr_assert_eq(d->obs_space.n, obs_n, "%s", id);
    cr_assert_eq(d->act_space.kind, ENV_SPACE_DISCRETE, "%s", id);
    cr_assert_eq(d->act_space.n, act_n, "%s", id);
    cr_assert_eq(d->max_episode_steps, max_steps, "%s", id);
    if (isnan(threshold)) cr_assert(isnan(d->reward_threshold), "%s has no threshold", id);
    else cr_assert_eq(d->reward_threshold, threshold, "%s", id);
}

Test(frozen_lake, registrations)
{
    check_registered("FrozenLake-v1", 16, 4, 100, 0.70);
    check_registered("FrozenLake8x8-v1", 64, 4, 200, 0.85);
}

/* rlc check-env's checks pass on the registered ids (the library's env_check_run) */
static void check_env_passes(const char *id)
{
    env_check_report rep;
    char err[256];
    cr_assert_eq(env_check_run(env_find(id), NULL, &rep, err, sizeof err), RL_OK, "%s", err);
    if (rep.n_failed) env_check_print(&rep, id, stderr);
    cr_assert_eq(rep.n_failed, 0, "%s: %d checks failed", id, rep.n_failed);
    cr_assert_eq(env_check_find(&rep, "same seed, same run")->outcome, ENV_CHECK_PASS, "%s", id);
    cr_assert_eq(env_check_find(&rep, "seeds differ")->outcome, ENV_CHECK_PASS, "%s", id);
}

Test(frozen_lake, check_env_passes)
{
    check_env_passes("FrozenLake-v1");
    check_env_passes("FrozenLake8x8-v1");
}

static rl_status fl_def_with(const char *desc, const char *map_name, double success_rate, env_def *def,
                             env_frozen_lake_params *storage, char *err, size_t err_sz)
{
    env_frozen_lake_params p;
    env_frozen_lake_params_default(&p);
    snprintf(p.desc, sizeof p.desc, "%s", desc);
    snprintf(p.map_name, sizeof p.map_name, "%s", map_name);
    p.success_rate = success_rate;
    return env_frozen_lake_def(def, env_find("FrozenLake-v1"), storage, &p, err, err_sz);
}

/* bad arguments are refused naming what is wrong; a custom map sizes the observation space */
Test(frozen_lake, arguments)
{
    env_def def;
    env_frozen_lake_params st;
    char err[256] = "";
    cr_assert_eq(fl_def_with("SFF,FHG", "", 0.5, &def, &st, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(def.obs_space.n, 6);
    cr_assert_str_eq(def.id, "FrozenLake-v1");
    cr_assert_eq(def.max_episode_steps, 100);
    cr_assert_eq(fl_def_with("SFF,FH", "", 0.5, &def, &st, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "row 1 has 2 cells, expected 3"), "%s", err);
    cr_assert_eq(fl_def_with("SFX", "", 0.5, &def, &st, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "'X'"), "%s", err);
    cr_assert_eq(fl_def_with("FFG", "", 0.5, &def, &st, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "no start cell"), "%s", err);
    cr_assert_eq(fl_def_with("", "5x5", 0.5, &def, &st, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "map_name '5x5'"), "%s", err);
    cr_assert_eq(fl_def_with("", "8x8", 1.5, &def, &st, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "success_rate 1.5"), "%s", err);
    cr_assert_eq(fl_def_with("", "8x8", 1.0, &def, &st, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(def.obs_space.n, 64);
}

/* with env_vec_opts.one_hot a Discrete observation reaches the rows as one-hot Box(n), the
 * final observations too; without it the rows hold the index */
Test(frozen_lake, vec_one_hot)
{
    env_vec plain, hot;
    char err[256];
    const env_def *def = env_find("FrozenLake-v1");
    cr_assert_eq(env_vec_make(&plain, "FrozenLake-v1", 3, 0, err, sizeof err), RL_OK, "%s", err);
    env_vec_opts o = {.one_hot = true};
    cr_assert_eq(env_vec_make_def(&hot, def, 3, &o, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(plain.obs_dim, 1);
    cr_assert_eq(hot.obs_dim, 16);
    cr_assert_eq(hot.obs_space.kind, ENV_SPACE_BOX);
    cr_assert_eq(hot.obs_space.dim, 16);
    cr_assert(hot.obs_space.low[5] == 0.0f && hot.obs_space.high[5] == 1.0f);
    env_vec_reset(&plain, 4);
    env_vec_reset(&hot, 4);
    rl_rng r;
    rl_rng_seed(&r, 1, 0);
    int ended = 0;
    for (int t = 0; t < 300; t++) {
        float a[3];
        for (int i = 0; i < 3; i++) a[i] = (float)rl_rng_below(&r, 4);
        env_vec_step(&plain, a);
        env_vec_step(&hot, a);
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 16; k++) {
                cr_assert_eq(hot.obs[i * 16 + k], (float)(k == (int)plain.obs[i]), "step %d copy %d [%d]", t, i, k);
                if (plain.terminated[i] || plain.truncated[i])
                    cr_assert_eq(hot.final_obs[i * 16 + k], (float)(k == (int)plain.final_obs[i]));
            }
            ended += plain.terminated[i] || plain.truncated[i];
            cr_assert_eq(hot.rewards[i], plain.rewards[i]);
        }
    }
    cr_assert_gt(ended, 10);
    cr_assert_eq(env_vec_nonfinite(&hot), 0);
    env_vec_free(&plain);
    env_vec_free(&hot);
}

/* the one-hot wrapper itself: a bad index gives a row of NaN */
Test(wrappers, one_hot)
{
    float in[3] = {2.0f, 0.5f, 4.0f}, out[12];
    env_one_hot(4, in, out, 3);
    const float want[4] = {0, 0, 1, 0};
    cr_assert_arr_eq(out, want, sizeof want);
    for (int k = 4; k < 12; k++) cr_assert(isnan(out[k]), "[%d]", k);
}

/* ---- CliffWalking ------------------------------------------------------------------------------ */

static void cliff_case(case_def *cd, const cJSON *c)
{
    const env_def *base = env_find(cJSON_GetObjectItem(c, "id")->valuestring);
    cr_assert_not_null(base);
    env_cliff_walking_params p = *(const env_cliff_walking_params *)base->params;
    p.is_slippery = kw_bool(cJSON_GetObjectItem(c, "kwargs"), "is_slippery", p.is_slippery);
    char err[256];
    cr_assert_eq(env_cliff_walking_def(&cd->def, base, &cd->storage.cw, &p, err, sizeof err), RL_OK, "%s", err);
}

static int cw_table(const void *state, int s, int a, env_toytext_transition *out)
{
    return env_cliff_walking_transitions(state, s, a, out);
}

Test(cliff_walking, replays_gymnasium)
{
    cJSON *root = rlt_fixture_load("toytext/cliff_walking.json");
    const cJSON *c;
    int cases = 0, steps = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases")) {
        case_def cd;
        cliff_case(&cd, c);
        steps += replay_case(&cd.def, c, obs_int, NULL);
        check_table(&cd.def, c, cw_table);
        cases++;
    }
    cr_assert_eq(cases, 2);
    cr_assert_gt(steps, 1000);
    cJSON_Delete(root);
}

Test(cliff_walking, registrations_and_check_env)
{
    check_registered("CliffWalking-v1", 48, 4, 0, NAN);
    check_registered("CliffWalkingSlippery-v1", 48, 4, 0, NAN);
    check_env_passes("CliffWalking-v1");
    check_env_passes("CliffWalkingSlippery-v1");
}

/* ---- Taxi ------------------------------------------------------------------------------------- */

static void taxi_case(case_def *cd, const cJSON *c)
{
    const env_def *base = env_find(cJSON_GetObjectItem(c, "id")->valuestring);
    cr_assert_not_null(base);
    const cJSON *kw = cJSON_GetObjectItem(c, "kwargs");
    env_taxi_params p = *(const env_taxi_params *)base->params;
    p.is_rainy = kw_bool(kw, "is_rainy", p.is_rainy);
    p.fickle_passenger = kw_bool(kw, "fickle_passenger", p.fickle_passenger);
    char err[256];
    cr_assert_eq(env_taxi_def(&cd->def, base, &cd->storage.tx, &p, err, sizeof err), RL_OK, "%s", err);
}

/* info["action_mask"] as bits (bit a: action a) against env_taxi_action_mask */
static void taxi_mask(const cJSON *want, int obs, const char *what, int k)
{
    int8_t m[6];
    env_taxi_action_mask(obs, m);
    int bits = 0;
    for (int a = 0; a < 6; a++) bits |= m[a] << a;
    cr_assert_eq(bits, want->valueint, "%s after step %d (state %d): mask %#x, Gymnasium %#x", what, k, obs, bits,
                 want->valueint);
}

static void taxi_replays(const char *file, int want_cases)
{
    cJSON *root = rlt_fixture_load(file);
    const cJSON *c;
    int cases = 0, steps = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases")) {
        case_def cd;
        taxi_case(&cd, c);
        steps += replay_case(&cd.def, c, obs_int, taxi_mask);
        cases++;
    }
    cr_assert_eq(cases, want_cases);
    cr_assert_gt(steps, 3000);
    cJSON_Delete(root);
}

Test(taxi, v3_replays_gymnasium) { taxi_replays("toytext/taxi_v3.json", 4); }
Test(taxi, v4_replays_gymnasium) { taxi_replays("toytext/taxi_v4.json", 4); }

Test(taxi, registrations_and_check_env)
{
    check_registered("Taxi-v3", 500, 6, 200, 8.0);
    check_registered("Taxi-v4", 500, 6, 200, 8.0);
    check_env_passes("Taxi-v3");
    check_env_passes("Taxi-v4");
}

/* the mask by hand: the taxi at R (0, 0) with the passenger there can go south and pick up
 * (east is a wall? no: "R:" is open); at (4, 0) (Y) with the passenger aboard, north and drop-off */
Test(taxi, action_mask_by_hand)
{
    int8_t m[6];
    env_taxi_action_mask(env_taxi_encode(0, 0, 0, 1), m);
    const int8_t at_r[6] = {1, 0, 1, 0, 1, 0};
    cr_assert_arr_eq(m, at_r, 6);
    env_taxi_action_mask(env_taxi_encode(4, 0, 4, 1), m);
    const int8_t at_y[6] = {0, 1, 0, 0, 0, 1};   /* "|Y|": walls east and west */
    cr_assert_arr_eq(m, at_y, 6);
    env_taxi_action_mask(env_taxi_encode(2, 2, 4, 3), m);
    const int8_t open[6] = {1, 1, 1, 1, 0, 0};
    cr_assert_arr_eq(m, open, 6);
}

Test(taxi, arguments)
{
    env_def def;
    env_taxi_params st, p;
    char err[256] = "";
    env_taxi_params_default(&p, 3);
    p.rainy_probability = 0.9;
    cr_assert_eq(env_taxi_def(&def, env_find("Taxi-v3"), &st, &p, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "Taxi-v3 has no rainy_probability"), "%s", err);
    env_taxi_params_default(&p, 4);
    p.rainy_probability = 1.2;
    cr_assert_eq(env_taxi_def(&def, env_find("Taxi-v4"), &st, &p, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "rainy_probability 1.2"), "%s", err);
    env_taxi_params_default(&p, 4);
    cr_assert_eq(env_taxi_def(&def, env_find("Taxi-v3"), &st, &p, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "version 4 given for Taxi-v3"), "%s", err);
    p.is_rainy = true;
    p.rainy_probability = 0.6;
    cr_assert_eq(env_taxi_def(&def, env_find("Taxi-v4"), &st, &p, err, sizeof err), RL_OK, "%s", err);
    env_instance e;
    cr_assert_eq(env_make_def(&e, &def, 0, err, sizeof err), RL_OK, "%s", err);
    env_toytext_transition t[3];
    cr_assert_eq(env_taxi_transitions(e.state, env_taxi_encode(2, 2, 0, 1), 0, t), 3);
    cr_assert(t[0].prob == 0.6 && t[1].prob == (1.0 - 0.6) / 2.0);
    env_close(&e);
}

/* ---- Blackjack -------------------------------------------------------------------------------- */

static int obs_blackjack(const cJSON *obs)
{
    return env_blackjack_encode(cJSON_GetArrayItem(obs, 0)->valueint, cJSON_GetArrayItem(obs, 1)->valueint,
                                cJSON_GetArrayItem(obs, 2)->valueint);
}

static void blackjack_case(case_def *cd, const cJSON *c)
{
    const env_def *base = env_find(cJSON_GetObjectItem(c, "id")->valuestring);
    cr_assert_not_null(base);
    const cJSON *kw = cJSON_GetObjectItem(c, "kwargs");
    env_blackjack_params p = *(const env_blackjack_params *)base->params;
    p.sab = kw_bool(kw, "sab", p.sab);
    p.natural = kw_bool(kw, "natural", p.natural);
    char err[256];
    cr_assert_eq(env_blackjack_def(&cd->def, base, &cd->storage.bj, &p, err, sizeof err), RL_OK, "%s", err);
}

Test(blackjack, replays_gymnasium)
{
    cJSON *root = rlt_fixture_load("toytext/blackjack.json");
    const cJSON *c;
    int cases = 0, steps = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases")) {
        case_def cd;
        blackjack_case(&cd, c);
        steps += replay_case(&cd.def, c, obs_blackjack, NULL);
        cases++;
    }
    cr_assert_eq(cases, 3);
    cr_assert_gt(steps, 1000);
    cJSON_Delete(root);
}

Test(blackjack, registrations_and_check_env)
{
    check_registered("Blackjack-v1", 704, 2, 0, NAN);
    const env_blackjack_params *p = env_find("Blackjack-v1")->params;
    cr_assert(p->sab && !p->natural, "Blackjack-v1 registers sab=True, natural=False");
    check_env_passes("Blackjack-v1");
    int ps, dc, ua;
    env_blackjack_decode(env_blackjack_encode(31, 10, 1), &ps, &dc, &ua);
    cr_assert(ps == 31 && dc == 10 && ua == 1);
    cr_assert_eq(env_blackjack_encode(31, 10, 1), 703);
}

/* a hand of the given cards */
static env_blackjack_hand hand_of(const int *cards, int n)
{
    env_blackjack_hand h = {0};
    for (int i = 0; i < n; i++) {
        if (i < 2) h.first[i] = cards[i];
        h.sum += cards[i];
        h.has_ace = h.has_ace || cards[i] == 1;
    }
    h.n_cards = n;
    return h;
}

/* sticks with the given hands under the given rules; returns the reward */
static float stick_with(bool sab, bool natural, const int *player, int np, const int *dealer, int nd)
{
    env_def def;
    env_blackjack_params st, p = {.natural = natural, .sab = sab};
    env_instance e;
    char err[256];
    cr_assert_eq(env_blackjack_def(&def, env_find("Blackjack-v1"), &st, &p, err, sizeof err), RL_OK);
    cr_assert_eq(env_make_def(&e, &def, 0, err, sizeof err), RL_OK, "%s", err);
    env_blackjack_state *s = e.state;
    s->player = hand_of(player, np);
    s->dealer = hand_of(dealer, nd);
    float stick = 0.0f, obs, r;
    bool term, trunc;
    env_step(&e, &stick, &obs, &r, &term, &trunc);
    cr_assert(term && !trunc);
    env_close(&e);
    return r;
}

/* hand-worked rules: a natural against a dealer's 20 pays 1 (sab), 1.5 (natural without sab), 1
 * (neither); against a dealer's natural it ties unless ...; a usable ace counts 11 */
Test(blackjack, naturals_and_sab)
{
    const int nat[2] = {1, 10}, twenty[2] = {10, 10}, dealer_nat[2] = {10, 1}, soft[3] = {1, 5, 2};
    cr_assert_eq(stick_with(true, false, nat, 2, twenty, 2), 1.0f);
    cr_assert_eq(stick_with(false, true, nat, 2, twenty, 2), 1.5f);
    cr_assert_eq(stick_with(false, false, nat, 2, twenty, 2), 1.0f);
    cr_assert_eq(stick_with(true, true, nat, 2, twenty, 2), 1.0f, "sab overrides natural");
    cr_assert_eq(stick_with(true, false, nat, 2, dealer_nat, 2), 0.0f, "two naturals tie");
    cr_assert_eq(stick_with(false, true, nat, 2, dealer_nat, 2), 0.0f);
    /* 21 from three cards is no natural: it beats 20 by 1 under every rule */
    const int three21[3] = {7, 7, 7};
    cr_assert_eq(stick_with(false, true, three21, 3, twenty, 2), 1.0f);
    /* soft 18 (A, 5, 2) against 20 loses; against a dealer's 18 ties */
    const int eighteen[2] = {10, 8};
    cr_assert_eq(stick_with(true, false, soft, 3, twenty, 2), -1.0f);
    cr_assert_eq(stick_with(true, false, soft, 3, eighteen, 2), 0.0f);
    env_blackjack_hand h = hand_of(soft, 3);
    int usable;
    cr_assert_eq(env_blackjack_hand_value(&h, &usable), 18);
    cr_assert_eq(usable, 1);
    const int hard[3] = {1, 9, 5};   /* A + 9 + 5: the ace as 11 would bust */
    h = hand_of(hard, 3);
    cr_assert_eq(env_blackjack_hand_value(&h, &usable), 15);
    cr_assert_eq(usable, 0);
}

/* ---- rlc check-env ------------------------------------------------------------------------------- */

/* a deterministic definition must give the same run for every seed, and says so */
Test(check_env, deterministic_declaration)
{
    env_def def;
    env_frozen_lake_params st;
    char err[256];
    cr_assert_eq(fl_def_with("SFFF,FHFH,FFFH,HFFG", "", 1.0 / 3.0, &def, &st, err, sizeof err), RL_OK);
    st.is_slippery = false;
    cr_assert_eq(env_frozen_lake_def(&def, env_find("FrozenLake-v1"), &st, &st, err, sizeof err), RL_OK);
    cr_assert(def.deterministic, "one start cell, not slippery");
    env_check_report rep;
    cr_assert_eq(env_check_run(&def, NULL, &rep, err, sizeof err), RL_OK);
    cr_assert_eq(rep.n_failed, 0);
    cr_assert(strstr(env_check_find(&rep, "seeds differ")->detail, "deterministic as declared"));
    /* a slippery lake declared deterministic is caught */
    def = *env_find("FrozenLake-v1");
    def.deterministic = true;
    cr_assert_eq(env_check_run(&def, NULL, &rep, err, sizeof err), RL_OK);
    const env_check_item *it = env_check_find(&rep, "seeds differ");
    cr_assert_eq(it->outcome, ENV_CHECK_FAIL);
    cr_assert(strstr(it->detail, "declares the env deterministic"), "%s", it->detail);
}

/* the command on every toy-text id */
Test(check_env, command_passes_on_every_id)
{
    const char *ids[] = {"FrozenLake-v1", "FrozenLake8x8-v1", "CliffWalking-v1", "CliffWalkingSlippery-v1",
                         "Taxi-v3", "Taxi-v4", "Blackjack-v1"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char cmd[512], out[8192];
        snprintf(cmd, sizeof cmd, "%s check-env %s 2>&1", RLC_BINARY, ids[i]);
        cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s\n%s", cmd, out);
        cr_assert(strstr(out, "0 failed"), "%s\n%s", cmd, out);
    }
}

/* ---- rendering (rlc record) ---------------------------------------------------------------------- */

/* a frame of e at the renderer's default size; the caller frees it */
static uint8_t *frame_of(env_renderer *r, const env_instance *e, size_t *bytes)
{
    int w, h;
    char err[256];
    env_render_size(r, &w, &h, NULL);
    *bytes = (size_t)w * h * 3;
    uint8_t *rgb = malloc(*bytes);
    cr_assert_eq(env_render_frame(r, e, rgb, err, sizeof err), RL_OK, "%s", err);
    return rgb;
}

static int distinct_colours(const uint8_t *rgb, size_t bytes)
{
    uint32_t seen[16];
    int n = 0;
    for (size_t i = 0; i + 2 < bytes && n < 16; i += 3) {
        uint32_t c = (uint32_t)rgb[i] << 16 | (uint32_t)rgb[i + 1] << 8 | rgb[i + 2];
        bool known = false;
        for (int k = 0; k < n; k++) known = known || seen[k] == c;
        if (!known) seen[n++] = c;
    }
    return n;
}

/* every toy-text id: Gymnasium's screen size and 4 fps, a frame with several colours, the same
 * frame for the same state, a different one once the state moved */
Test(render, every_toytext_id_draws_deterministic_frames)
{
    const struct {
        const char *id;
        int w, h;
    } ids[] = {{"FrozenLake-v1", 256, 256}, {"FrozenLake8x8-v1", 512, 512}, {"CliffWalking-v1", 720, 240},
               {"CliffWalkingSlippery-v1", 720, 240}, {"Taxi-v3", 550, 350}, {"Taxi-v4", 550, 350},
               {"Blackjack-v1", 600, 500}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        env_instance e;
        env_renderer *r;
        char err[256];
        cr_assert_eq(env_make(&e, ids[i].id, 0, err, sizeof err), RL_OK, "%s", err);
        float obs, rew;
        bool term, trunc;
        env_reset(&e, 3, &obs);
        cr_assert_eq(env_render_open(&r, &e, 0, 0, err, sizeof err), RL_OK, "%s: %s", ids[i].id, err);
        int w, h, fps;
        env_render_size(r, &w, &h, &fps);
        cr_assert(w == ids[i].w && h == ids[i].h && fps == 4, "%s: %dx%d at %d fps", ids[i].id, w, h, fps);
        size_t n;
        uint8_t *a = frame_of(r, &e, &n), *b = frame_of(r, &e, &n);
        cr_assert_geq(distinct_colours(a, n), 3, "%s draws more than a background", ids[i].id);
        cr_assert_arr_eq(a, b, n, "%s: the same state gives the same frame", ids[i].id);
        /* steps until the observation changes (Blackjack: a new hand after a stick) */
        float first = obs;
        for (int t = 0; t < 50 && obs == first; t++) {
            float act = (float)(t % e.def->act_space.n);
            env_step(&e, &act, &obs, &rew, &term, &trunc);
            if (term || trunc) env_reset(&e, -1, &obs);
        }
        cr_assert_neq(obs, first, "%s: the state moved", ids[i].id);
        free(b);
        b = frame_of(r, &e, &n);
        cr_assert(memcmp(a, b, n) != 0, "%s: a new state draws a new frame", ids[i].id);
        free(a);
        free(b);
        env_render_close(r);
        env_close(&e);
    }
}

/* generate_random_map(size, p, seed) map for map, draws and retries included */
Test(frozen_lake, random_maps_are_gymnasiums)
{
    cJSON *root = rlt_fixture_load("toytext/frozen_lake.json");
    const cJSON *m;
    int n = 0;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(root, "random_maps")) {
        char want[ENV_FROZEN_LAKE_DESC_LEN] = "", got[ENV_FROZEN_LAKE_DESC_LEN], err[256];
        const cJSON *row;
        cJSON_ArrayForEach(row, cJSON_GetObjectItem(m, "desc")) {
            if (want[0]) strcat(want, ",");
            strcat(want, row->valuestring);
        }
        int size = cJSON_GetObjectItem(m, "size")->valueint;
        double p = cJSON_GetObjectItem(m, "p")->valuedouble;
        uint64_t seed = (uint64_t)cJSON_GetObjectItem(m, "seed")->valuedouble;
        cr_assert_eq(env_frozen_lake_random_map(size, p, seed, got, sizeof got, err, sizeof err), RL_OK, "%s", err);
        cr_assert_str_eq(got, want, "size %d p %g seed %" PRIu64, size, p, seed);
        n++;
    }
    cr_assert_eq(n, 8);
    char buf[16], err[256];
    cr_assert_eq(env_frozen_lake_random_map(1, 0.8, 0, buf, sizeof buf, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "size 1"), "%s", err);
    cr_assert_eq(env_frozen_lake_random_map(4, 0.8, 0, buf, 8, err, sizeof err), RL_ERR_ARG);
    cr_assert_eq(env_frozen_lake_random_map(4, 0.0, 0, buf, sizeof buf, err, sizeof err), RL_ERR_ARG);
    cJSON_Delete(root);
}

/* ---- the framework pieces the toy-text envs added ---------------------------------------------- */

/* vector copy i is seeded seed + i, so it replays a single instance reset with seed + i (numpy's
 * generator included, through the seed hook) */
Test(framework, vec_copies_replay_single_instances)
{
    env_vec v;
    env_instance e[3];
    char err[256];
    cr_assert_eq(env_vec_make(&v, "Taxi-v3", 3, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(v.obs_space.kind, ENV_SPACE_DISCRETE, "without one_hot the space is the env's");
    cr_assert_eq(v.obs_dim, 1);
    env_vec_reset(&v, 10);
    for (int i = 0; i < 3; i++) {
        float o;
        cr_assert_eq(env_make(&e[i], "Taxi-v3", 0, err, sizeof err), RL_OK);
        env_reset(&e[i], 10 + i, &o);
        cr_assert_eq(o, v.obs[i]);
    }
    for (int t = 0; t < 250; t++) {
        float a[3] = {(float)(t % 6), (float)((t / 2) % 6), (float)((t * 7) % 6)};
        env_vec_step(&v, a);
        for (int i = 0; i < 3; i++) {
            float o, r;
            bool term, trunc;
            env_step(&e[i], &a[i], &o, &r, &term, &trunc);
            if (term || trunc) env_reset(&e[i], -1, &o);
            cr_assert_eq(o, v.obs[i], "step %d copy %d", t, i);
        }
    }
    for (int i = 0; i < 3; i++) env_close(&e[i]);
    env_vec_free(&v);
}

/* one_hot leaves a Box observation alone */
Test(framework, one_hot_leaves_box_spaces)
{
    env_vec v;
    char err[256];
    env_vec_opts o = {.one_hot = true};
    cr_assert_eq(env_vec_make_def(&v, env_find("CartPole-v1"), 2, &o, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(v.obs_dim, 4);
    cr_assert_eq(v.obs_space.kind, ENV_SPACE_BOX);
    cr_assert_null(v.raw_obs);
    env_vec_free(&v);
}

/* an env that writes an index outside its Discrete space: with one_hot the step is dropped as
 * non-finite (the episode truncated at the last good observation) instead of reaching an agent */
static rl_status bad_init(void *s, char *err, size_t err_sz)
{
    (void)s, (void)err, (void)err_sz;
    return RL_OK;
}
static void bad_reset(void *s, rl_rng *rng, float *obs)
{
    (void)rng;
    *(int *)s = 0;
    obs[0] = 1.0f;
}
static void bad_step(void *s, rl_rng *rng, const float *a, float *obs, float *r, bool *term, bool *trunc)
{
    (void)rng, (void)a;
    obs[0] = ++*(int *)s == 3 ? 7.0f : 2.0f;   /* the third step leaves Discrete(3) */
    *r = 1.0f;
    *term = *trunc = false;
}

Test(framework, one_hot_drops_an_index_outside_the_space)
{
    static const env_def bad = {.id = "BadIndex-v0", .state_size = sizeof(int), .max_episode_steps = 0,
                                .reward_threshold = NAN, .obs_space = {.kind = ENV_SPACE_DISCRETE, .n = 3, .dim = 1},
                                .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 2, .dim = 1}, .init = bad_init,
                                .reset = bad_reset, .step = bad_step};
    env_vec v;
    char err[256];
    env_vec_opts o = {.one_hot = true};
    cr_assert_eq(env_vec_make_def(&v, &bad, 1, &o, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 0);
    float a = 0.0f;
    for (int t = 0; t < 2; t++) env_vec_step(&v, &a);
    cr_assert_eq(env_vec_nonfinite(&v), 0);
    env_vec_step(&v, &a);
    cr_assert_eq(env_vec_nonfinite(&v), 1);
    cr_assert(v.truncated[0] && !v.terminated[0] && v.rewards[0] == 0.0f);
    const float last[3] = {0, 0, 1}, first[3] = {0, 1, 0};
    cr_assert_arr_eq(v.final_obs, last, sizeof last, "the last good observation (index 2)");
    cr_assert_arr_eq(v.obs, first, sizeof first, "the copy was reset (index 1)");
    env_vec_free(&v);
}

/* params must fit in the state: refused at registration and at creation, naming the id */
Test(framework, params_larger_than_the_state_are_refused)
{
    static const double big[4] = {1, 2, 3, 4};
    static const env_def def = {.id = "BigParams-v0", .state_size = sizeof(double), .reward_threshold = NAN,
                                .obs_space = {.kind = ENV_SPACE_DISCRETE, .n = 3, .dim = 1},
                                .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 2, .dim = 1}, .init = bad_init,
                                .reset = bad_reset, .step = bad_step, .params = big, .params_size = sizeof big};
    char err[256] = "";
    cr_assert_eq(env_register(&def, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "BigParams-v0") && strstr(err, "params_size"), "%s", err);
    env_instance e;
    cr_assert_eq(env_make_def(&e, &def, 0, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "BigParams-v0"), "%s", err);
}
