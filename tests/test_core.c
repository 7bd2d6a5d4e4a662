/* rlc tests: core: the PCG32 generator and its samplers, seed derivation, the arena, status
 * names, CSV files. */
#include <criterion/criterion.h>

#include "tests/helpers/testutil.h"
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/status.h"

Test(rng, pcg32_reference_sequence)
{
    /* the PCG paper's demo: pcg32_srandom(42, 54) then six outputs */
    rl_rng r;
    rl_rng_seed(&r, 42, 54);
    const uint32_t want[6] = {0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e};
    for (int i = 0; i < 6; i++) cr_assert_eq(rl_rng_u32(&r), want[i], "output %d", i);
}

Test(rng, same_seed_same_sequence_streams_differ)
{
    rl_rng a, b, c;
    rl_rng_seed(&a, 7, 1);
    rl_rng_seed(&b, 7, 1);
    rl_rng_seed(&c, 7, 2);
    int same_c = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = rl_rng_u32(&a);
        cr_assert_eq(x, rl_rng_u32(&b));
        same_c += x == rl_rng_u32(&c);
    }
    cr_assert_lt(same_c, 3, "streams 1 and 2 agree on %d of 1000 draws", same_c);
    cr_assert_neq(rl_seed_derive(1, 0), rl_seed_derive(1, 1));
    cr_assert_neq(rl_seed_derive(1, 0), rl_seed_derive(2, 0));
}

Test(rng, uniform_and_normal_moments)
{
    rl_rng r;
    rl_rng_seed(&r, 123, 0);
    const int n = 200000;
    double su = 0, su2 = 0, sn = 0, sn2 = 0, sn4 = 0;
    for (int i = 0; i < n; i++) {
        double u = rl_rng_double(&r);
        cr_assert(u >= 0.0 && u < 1.0);
        float f = rl_rng_float(&r);
        cr_assert(f >= 0.0f && f < 1.0f);
        su += u;
        su2 += u * u;
        double z = rl_rng_normal(&r);
        cr_assert(isfinite(z));
        sn += z;
        sn2 += z * z;
        sn4 += z * z * z * z;
    }
    /* tolerances are 5 standard errors */
    cr_assert_lt(fabs(su / n - 0.5), 5 * sqrt(1.0 / 12 / n));
    cr_assert_lt(fabs(su2 / n - 1.0 / 3), 5 * sqrt(4.0 / 45 / n));
    cr_assert_lt(fabs(sn / n), 5 * sqrt(1.0 / n));
    cr_assert_lt(fabs(sn2 / n - 1.0), 5 * sqrt(2.0 / n));
    cr_assert_lt(fabs(sn4 / n - 3.0), 5 * sqrt(96.0 / n));
    double lo = 1e9, hi = -1e9;
    for (int i = 0; i < 10000; i++) {
        double x = rl_rng_uniform(&r, -2.0, 3.0);
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    cr_assert(lo >= -2.0 && hi < 3.0 && lo < -1.99 && hi > 2.99);
}

Test(rng, below_is_unbiased_and_in_range)
{
    rl_rng r;
    rl_rng_seed(&r, 9, 3);
    int counts[7] = {0};
    const int n = 70000;
    for (int i = 0; i < n; i++) {
        uint32_t k = rl_rng_below(&r, 7);
        cr_assert_lt(k, 7u);
        counts[k]++;
    }
    double chi2 = 0;
    for (int k = 0; k < 7; k++) chi2 += (counts[k] - n / 7.0) * (counts[k] - n / 7.0) / (n / 7.0);
    cr_assert_lt(chi2, 22.46, "chi-square %g with 6 dof (p < 0.001)", chi2);
    cr_assert_eq(rl_rng_below(&r, 1), 0u);
}

Test(rng, copies_replay_including_the_normal_spare)
{
    rl_rng a;
    rl_rng_seed(&a, 5, 0);
    (void)rl_rng_normal(&a);   /* leaves a spare */
    rl_rng b = a;
    for (int i = 0; i < 10; i++) cr_assert_eq(rl_rng_normal(&a), rl_rng_normal(&b));
}

Test(arena, aligned_zeroed_mark_reset)
{
    rl_arena a;
    char err[128];
    cr_assert_eq(rl_arena_init(&a, 1000, err, sizeof err), RL_OK);
    float *x = rl_arena_floats(&a, 10);
    cr_assert_eq((uintptr_t)x % 64, 0u);
    for (int i = 0; i < 10; i++) cr_assert_eq(x[i], 0.0f);
    size_t mark = rl_arena_mark(&a);
    float *y = rl_arena_floats(&a, 10);
    cr_assert_eq((uintptr_t)y % 64, 0u);
    cr_assert(y >= x + 10);
    y[0] = 5.0f;
    rl_arena_reset(&a, mark);
    float *z = rl_arena_floats(&a, 10);
    cr_assert_eq(z, y);
    cr_assert_eq(z[0], 0.0f, "a reused slice comes back zeroed");
    rl_arena_free(&a);
    rl_arena_free(&a);   /* NULL-safe / idempotent */
    rl_arena_free(NULL);
}

Test(arena, exhaustion_aborts, .signal = SIGABRT)
{
    rl_arena a;
    rl_arena_init(&a, 128, NULL, 0);
    (void)rl_arena_alloc(&a, 64);
    (void)rl_arena_alloc(&a, 64);
    (void)rl_arena_alloc(&a, 1);
}

Test(status, names_and_messages)
{
    for (int s = 0; s < RL_STATUS_COUNT; s++) {
        const char *n = rl_status_str((rl_status)s);
        cr_assert(n && *n && strcmp(n, "unknown status") != 0, "status %d has no name", s);
    }
    cr_assert_str_eq(rl_status_str((rl_status)999), "unknown status");
    char err[32];
    cr_assert_eq(rl_errf(err, sizeof err, RL_ERR_IO, "%s:%d", "file", 12), RL_ERR_IO);
    cr_assert_str_eq(err, "file:12");
    cr_assert_eq(rl_errf(NULL, 0, RL_ERR_ARG, "x"), RL_ERR_ARG);
}

Test(csv, rows_append_and_truncate)
{
    char path[256], err[256];
    rlt_tmp_path(path, sizeof path, "rows.csv");
    const char *cols[] = {"step", "value"};
    rl_csv c;
    cr_assert_eq(rl_csv_open(&c, path, cols, 2, false, err, sizeof err), RL_OK, "%s", err);
    for (int i = 1; i <= 4; i++) {
        double row[] = {i * 100.0, i * 0.5};
        cr_assert_eq(rl_csv_row(&c, row, err, sizeof err), RL_OK, "%s", err);
    }
    rl_csv_close(&c);
    cr_assert_eq(rl_csv_truncate_after(path, 200, err, sizeof err), RL_OK);
    cr_assert_eq(rl_csv_open(&c, path, cols, 2, true, err, sizeof err), RL_OK, "%s", err);
    double row[] = {300, NAN};
    cr_assert_eq(rl_csv_row(&c, row, err, sizeof err), RL_OK, "%s", err);
    rl_csv_close(&c);
    FILE *fp = fopen(path, "r");
    char buf[256] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    cr_assert_str_eq(buf, "step,value\n100,0.5\n200,1\n300,nan\n");
    const char *other[] = {"step", "other"};
    cr_assert_eq(rl_csv_open(&c, path, other, 2, true, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, path) != NULL);
    remove(path);
}

Test(rng, encode_decode_round_trip_with_spare)
{
    rl_rng a, b;
    rl_rng_seed(&a, 99, 4);
    (void)rl_rng_normal(&a);   /* a pending spare must survive */
    char text[RL_RNG_TEXT];
    rl_rng_encode(&a, text, sizeof text);
    rl_rng_seed(&b, 1, 1);
    cr_assert_eq(rl_rng_decode(&b, text), 0, "%s", text);
    for (int i = 0; i < 20; i++) cr_assert_eq(rl_rng_normal(&a), rl_rng_normal(&b));
    cr_assert_eq(rl_rng_u32(&a), rl_rng_u32(&b));
    rl_rng c = b;
    cr_assert_eq(rl_rng_decode(&c, "pcg32 12 34"), -1);
    cr_assert_eq(rl_rng_decode(&c, "pcg32 1 2 0 0"), -1, "an even stream increment is invalid");
    cr_assert_eq(rl_rng_decode(&c, NULL), -1);
    cr_assert_eq(rl_rng_decode(&c, "pcg32 1 3 0 0 trailing"), -1);
    cr_assert(c.state == b.state && c.inc == b.inc, "a failed decode leaves the generator untouched");
}
