/* rlc tests: numpy's legacy RandomState stream (core/rng_mt.c) against numpy's own values, and the
 * MinAtar games (envs/minatar) against MinAtar's code and hand-worked rule situations.
 *
 * The fixtures under tests/fixtures/minatar/ come from scripts/gen_fixtures_minatar.py: rng.json
 * from Debian's numpy, <game>.json from MinAtar 1.0.15's own environments. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng_mt.h"
#include "envs/env.h"
#include "envs/minatar/minatar.h"
#include "tests/helpers/testutil.h"

/* ---- the RandomState stream ----------------------------------------------------------------- */

static void mt_seed_from_json(rl_mt *m, const cJSON *seed)
{
    if (cJSON_IsNumber(seed)) {
        rl_mt_seed(m, (uint32_t)seed->valuedouble);
        return;
    }
    int n = cJSON_GetArraySize(seed);
    uint32_t *key = calloc((size_t)n, sizeof *key);
    for (int i = 0; i < n; i++) key[i] = (uint32_t)cJSON_GetArrayItem(seed, i)->valuedouble;
    rl_mt_seed_array(m, key, (size_t)n);
    free(key);
}

static const char *op_arg(const cJSON *op, int i) { return cJSON_GetArrayItem(op, i)->valuestring; }

/* the next expected value of case c's "ops" list */
static const char *next_expected(const cJSON *c, int *at)
{
    const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "ops"), (*at)++);
    cr_assert(v && cJSON_IsString(v), "fixture: too few op values");
    return v->valuestring;
}

static void expect_double(double got, const char *want, const char *what)
{
    double w = strtod(want, NULL);
    cr_assert(got == w, "%s: %a, numpy %s", what, got, want);
}

static void expect_int(int64_t got, const char *want, const char *what)
{
    int64_t w = strtoll(want, NULL, 10);
    cr_assert_eq(got, w, "%s: %" PRId64 ", numpy %" PRId64, what, got, w);
}

/* replays the fixture's op list on m, comparing every value */
static void replay_ops(rl_mt *m, const cJSON *ops, const cJSON *c, const char *seed_txt)
{
    int at = 0;
    char what[160];
    for (int k = 0; k < cJSON_GetArraySize(ops); k++) {
        const cJSON *op = cJSON_GetArrayItem(ops, k);
        const char *name = op_arg(op, 0);
        snprintf(what, sizeof what, "seed %s, op %d (%s)", seed_txt, k, name);
        if (strcmp(name, "rand") == 0) {
            expect_double(rl_mt_double(m), next_expected(c, &at), what);
        } else if (strcmp(name, "rand_n") == 0) {
            for (int i = 0; i < atoi(op_arg(op, 1)); i++) expect_double(rl_mt_double(m), next_expected(c, &at), what);
        } else {
            int64_t lo = strtoll(op_arg(op, 1), NULL, 10), hi = strtoll(op_arg(op, 2), NULL, 10);
            int n = strcmp(name, "randint_n") == 0 ? atoi(op_arg(op, 3)) : 1;
            for (int i = 0; i < n; i++) expect_int(rl_mt_randint(m, lo, hi), next_expected(c, &at), what);
        }
    }
    cr_assert_eq(at, cJSON_GetArraySize(cJSON_GetObjectItem(c, "ops")), "seed %s: unused op values", seed_txt);
}

static void check_raw(rl_mt *m, const cJSON *c, const char *seed_txt)
{
    uint32_t raw[2000];
    for (int i = 0; i < 2000; i++) raw[i] = rl_mt_u32(m);
    const cJSON *head = cJSON_GetObjectItem(c, "raw_head"), *mid = cJSON_GetObjectItem(c, "raw_624");
    for (int i = 0; i < 8; i++)
        cr_assert_eq(raw[i], (uint32_t)cJSON_GetArrayItem(head, i)->valuedouble, "seed %s raw[%d]", seed_txt, i);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(raw[620 + i], (uint32_t)cJSON_GetArrayItem(mid, i)->valuedouble, "seed %s raw[%d]", seed_txt,
                     620 + i);
    cr_assert_eq(raw[1999], (uint32_t)rlt_fixture_number(c, "raw_1999"), "seed %s raw[1999]", seed_txt);
}

Test(minatar_rng, matches_numpy_randomstate)
{
    cJSON *root = rlt_fixture_load("minatar/rng.json");
    const cJSON *ops = cJSON_GetObjectItem(root, "ops"), *cases = cJSON_GetObjectItem(root, "cases");
    cr_assert_geq(cJSON_GetArraySize(cases), 9);
    for (int k = 0; k < cJSON_GetArraySize(cases); k++) {
        const cJSON *c = cJSON_GetArrayItem(cases, k);
        const cJSON *seed = cJSON_GetObjectItem(c, "seed");
        char *seed_txt = cJSON_PrintUnformatted(seed);
        rl_mt m;
        mt_seed_from_json(&m, seed);
        check_raw(&m, c, seed_txt);
        mt_seed_from_json(&m, seed);
        replay_ops(&m, ops, c, seed_txt);
        double last = 0.0;
        uint64_t xor = 0;
        for (int i = 0; i < 5000; i++) {
            last = rl_mt_double(&m);
            uint64_t bits;
            memcpy(&bits, &last, sizeof bits);
            xor ^= bits;
        }
        expect_double(last, cJSON_GetObjectItem(c, "rand5000_last")->valuestring, "rand() 5000th");
        cr_assert_eq(xor, strtoull(cJSON_GetObjectItem(c, "rand5000_xor")->valuestring, NULL, 16),
                     "seed %s: the XOR of 5000 rand() bit patterns", seed_txt);
        free(seed_txt);
    }
    cJSON_Delete(root);
}

Test(minatar_rng, large_seeds_seed_as_the_two_word_array_and_copies_replay)
{
    rl_mt a, b;
    rl_mt_seed_u64(&a, 0x123456789abcdefULL);
    uint32_t key[2] = {0x89abcdefu, 0x01234567u};
    rl_mt_seed_array(&b, key, 2);
    for (int i = 0; i < 1000; i++) cr_assert_eq(rl_mt_u32(&a), rl_mt_u32(&b));
    rl_mt_seed_u64(&a, 4294967295ULL);
    rl_mt_seed(&b, 4294967295u);
    cr_assert_eq(rl_mt_u32(&a), rl_mt_u32(&b));
    rl_mt c = a;   /* a copy continues the same stream */
    for (int i = 0; i < 700; i++) cr_assert_eq(rl_mt_u32(&a), rl_mt_u32(&c));
    /* randint of a single value draws nothing */
    c = a;
    cr_assert_eq(rl_mt_randint(&a, 7, 8), 7);
    cr_assert_eq(rl_mt_u32(&a), rl_mt_u32(&c));
}

/* ---- the games against MinAtar's code ------------------------------------------------------------ */

static const char *const GAME_FILES[MINATAR_GAMES][2] = {
    {"asterix", "Asterix"}, {"breakout", "Breakout"}, {"freeway", "Freeway"},
    {"seaquest", "Seaquest"}, {"space_invaders", "SpaceInvaders"},
};

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* FNV-1a continued over an observation's values as bytes (scripts/gen_fixtures_minatar.py) */
static uint64_t obs_hash(uint64_t h, const float *obs, int n)
{
    for (int i = 0; i < n; i++) {
        cr_assert(obs[i] == 0.0f || obs[i] == 1.0f, "obs[%d] = %g is not 0 or 1", i, obs[i]);
        h = (h ^ (uint64_t)obs[i]) * FNV_PRIME;
    }
    return h;
}

/* the fixture's per-step expectations of one run, unpacked */
typedef struct {
    int steps;
    const char *actions;
    int *reward;        /* (steps) */
    bool *terminal;     /* (steps) */
    const cJSON *hashes;
} run_expect;

static run_expect unpack_run(const cJSON *run)
{
    run_expect x = {.steps = (int)rlt_fixture_number(run, "steps"),
                    .actions = cJSON_GetObjectItem(run, "actions")->valuestring,
                    .hashes = cJSON_GetObjectItem(run, "hashes")};
    cr_assert_eq((int)strlen(x.actions), x.steps);
    x.reward = calloc((size_t)x.steps, sizeof *x.reward);
    x.terminal = calloc((size_t)x.steps, sizeof *x.terminal);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(run, "rewards"))
        x.reward[(int)cJSON_GetArrayItem(it, 0)->valuedouble] = (int)cJSON_GetArrayItem(it, 1)->valuedouble;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(run, "terminals")) x.terminal[(int)it->valuedouble] = true;
    return x;
}

/* plays one fixture run through env_make / env_reset / env_step and compares every step */
static void replay_run(const char *id, const cJSON *run, int hash_every)
{
    run_expect x = unpack_run(run);
    int64_t seed = (int64_t)rlt_fixture_number(run, "seed");
    env_instance e;
    char err[256];
    cr_assert_eq(env_make(&e, id, 0, err, sizeof err), RL_OK, "%s: %s", id, err);
    int dim = e.def->obs_space.dim, next_hash = 0;
    float obs[ENV_MAX_DIM];
    env_reset(&e, seed, obs);
    uint64_t h = obs_hash(FNV_OFFSET, obs, dim);
    for (int t = 0; t < x.steps; t++) {
        float a = (float)(x.actions[t] - '0'), r;
        bool term, trunc;
        env_step(&e, &a, obs, &r, &term, &trunc);
        cr_assert_eq((int)r, x.reward[t], "%s seed %lld step %d: reward %g, MinAtar %d", id, (long long)seed, t, r,
                     x.reward[t]);
        cr_assert_eq(term, x.terminal[t], "%s seed %lld step %d: terminated %d, MinAtar %d", id, (long long)seed, t,
                     term, x.terminal[t]);
        cr_assert(!trunc, "%s: truncated without a step limit", id);
        h = obs_hash(h, obs, dim);
        if ((t + 1) % hash_every == 0) {
            const cJSON *want = cJSON_GetArrayItem(x.hashes, next_hash++);
            cr_assert_eq((int)cJSON_GetArrayItem(want, 0)->valuedouble, t);
            unsigned long w = strtoul(cJSON_GetArrayItem(want, 1)->valuestring, NULL, 16);
            cr_assert_eq((unsigned long)(h & 0xffffffffu), w,
                         "%s seed %lld: the observations differ from MinAtar's within steps %d..%d", id,
                         (long long)seed, t + 1 - hash_every, t);
        }
        if (term) {
            env_reset(&e, -1, obs);
            h = obs_hash(h, obs, dim);
        }
    }
    cr_assert_eq(next_hash, cJSON_GetArraySize(x.hashes));
    env_close(&e);
    free(x.reward);
    free(x.terminal);
}

static void replay_game(env_minatar_game game)
{
    char file[64];
    snprintf(file, sizeof file, "minatar/%s.json", GAME_FILES[game][0]);
    cJSON *root = rlt_fixture_load(file);
    const cJSON *runs = cJSON_GetObjectItem(root, "runs");
    int versions[2] = {0, 0};
    const cJSON *run;
    cJSON_ArrayForEach(run, runs) {
        const char *v = cJSON_GetObjectItem(run, "version")->valuestring;
        char id[64];
        snprintf(id, sizeof id, "MinAtar/%s-%s", GAME_FILES[game][1], v);
        versions[strcmp(v, "v1") == 0]++;
        replay_run(id, run, (int)rlt_fixture_number(root, "hash_every"));
    }
    cr_assert(versions[0] >= 1 && versions[1] >= 1, "%s: runs of both action sets", file);
    cJSON_Delete(root);
}

Test(minatar_games, asterix_matches_minatar) { replay_game(MINATAR_ASTERIX); }
Test(minatar_games, breakout_matches_minatar) { replay_game(MINATAR_BREAKOUT); }
Test(minatar_games, freeway_matches_minatar) { replay_game(MINATAR_FREEWAY); }
