/* rlc tests: the toy-text environments (envs/toytext) and numpy's generator they draw from
 * (core/nprng). Reference values: the JSON files in tests/fixtures/toytext, written by
 * scripts/gen_fixtures_toytext.py from numpy and Gymnasium's own code. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/nprng.h"
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
