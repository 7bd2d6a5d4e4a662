/* rlc tests: run-comparison statistics: IQM, stratified bootstrap CIs, probability of
 * improvement, performance profiles. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "research/stats.h"

Test(stats, iqm_hand_worked)
{
    double s[64];
    /* n = 8: drop 2 at each end of 1..8 -> mean(3,4,5,6) = 4.5 */
    double a[8] = {8, 1, 7, 2, 6, 3, 5, 4};
    cr_assert_float_eq(rl_stats_iqm(a, 8, s), 4.5, 1e-12);
    /* n = 10: floor(2.5) = 2 dropped each end: mean(3..8) of 1..10 with an outlier at the top */
    double b[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 1000};
    cr_assert_float_eq(rl_stats_iqm(b, 10, s), (3 + 4 + 5 + 6 + 7 + 8) / 6.0, 1e-12);
    /* n = 3: nothing dropped */
    double c[3] = {1, 2, 9};
    cr_assert_float_eq(rl_stats_iqm(c, 3, s), 4.0, 1e-12);
    cr_assert_float_eq(rl_stats_median(b, 10, s), 5.5, 1e-12);
    cr_assert_float_eq(rl_stats_mean(c, 3), 4.0, 1e-12);
    cr_assert_float_eq(rl_stats_std(c, 3), sqrt(((1 - 4.) * (1 - 4.) + 4 + 25) / 2), 1e-12);
    /* the input is left untouched */
    cr_assert_eq(b[9], 1000);
}

Test(stats, bootstrap_mean_ci_matches_normal_theory)
{
    /* 200 runs of one task; the bootstrap CI of the mean approaches mean +- 1.96 s / sqrt(n) */
    enum { N = 200, B = 4000 };
    double x[N];
    rl_rng g;
    rl_rng_seed(&g, 11, 0);
    for (int i = 0; i < N; i++) x[i] = rl_rng_normal(&g) * 2.0 + 10.0;
    double *scratch = malloc((2 * N + B) * sizeof(double));
    rl_rng r;
    rl_rng_seed(&r, 3, 0);
    double point, lo, hi;
    rl_stats_bootstrap_ci(RL_AGG_MEAN, x, N, 1, B, 0.95, &r, &point, &lo, &hi, scratch);
    double m = rl_stats_mean(x, N), se = rl_stats_std(x, N) / sqrt(N);
    cr_assert_float_eq(point, m, 1e-12);
    cr_assert_float_eq(lo, m - 1.96 * se, 0.06 * se * 1.96 + 0.02, "lo %g vs %g", lo, m - 1.96 * se);
    cr_assert_float_eq(hi, m + 1.96 * se, 0.06 * se * 1.96 + 0.02, "hi %g vs %g", hi, m + 1.96 * se);
    cr_assert(lo < point && point < hi);

    /* the same seed gives the same interval; constant scores give a zero-width one */
    rl_rng_seed(&r, 3, 0);
    double p2, lo2, hi2;
    rl_stats_bootstrap_ci(RL_AGG_MEAN, x, N, 1, B, 0.95, &r, &p2, &lo2, &hi2, scratch);
    cr_assert(lo2 == lo && hi2 == hi);
    double c[12];
    for (int i = 0; i < 12; i++) c[i] = 3.0;
    rl_stats_bootstrap_ci(RL_AGG_IQM, c, 4, 3, 100, 0.95, &r, &point, &lo, &hi, scratch);
    cr_assert(point == 3.0 && lo == 3.0 && hi == 3.0);
    free(scratch);
}

Test(stats, bootstrap_is_stratified_by_task)
{
    /* task 0 scores are all 0, task 1 scores all 1: a stratified resample always keeps half of
     * each, so every bootstrap mean is exactly 0.5 (a pooled resample would vary) */
    double s[2 * 5];
    for (int r = 0; r < 5; r++) {
        s[r * 2 + 0] = 0.0;
        s[r * 2 + 1] = 1.0;
    }
    double scratch[2 * 10 + 500];
    rl_rng g;
    rl_rng_seed(&g, 1, 0);
    double point, lo, hi;
    rl_stats_bootstrap_ci(RL_AGG_MEAN, s, 5, 2, 500, 0.95, &g, &point, &lo, &hi, scratch);
    cr_assert(point == 0.5 && lo == 0.5 && hi == 0.5, "%g [%g, %g]", point, lo, hi);
}

Test(stats, probability_of_improvement_hand_cases)
{
    double x[3] = {1, 2, 3};
    cr_assert_float_eq(rl_stats_prob_improvement(x, 3, x, 3, 1), 0.5, 1e-12);
    double hi[2] = {10, 11}, lo[2] = {0, 1};
    cr_assert_float_eq(rl_stats_prob_improvement(hi, 2, lo, 2, 1), 1.0, 1e-12);
    cr_assert_float_eq(rl_stats_prob_improvement(lo, 2, hi, 2, 1), 0.0, 1e-12);
    /* x = {1, 3}, y = {2, 3}: pairs (1,2)=0 (1,3)=0 (3,2)=1 (3,3)=0.5 -> 1.5 / 4 */
    double a[2] = {1, 3}, b[2] = {2, 3};
    cr_assert_float_eq(rl_stats_prob_improvement(a, 2, b, 2, 1), 0.375, 1e-12);
    /* two tasks averaged: task 0 as above (0.375), task 1 x always better (1.0) */
    double xa[4] = {1, 5, 3, 6}, ya[4] = {2, 0, 3, 1};   /* runs x tasks */
    cr_assert_float_eq(rl_stats_prob_improvement(xa, 2, ya, 2, 2), (0.375 + 1.0) / 2, 1e-12);
    /* identical samples: 0.5 with an interval around it */
    double scratch[3 + 3 + 200], point, l, h;
    rl_rng g;
    rl_rng_seed(&g, 2, 0);
    rl_stats_prob_improvement_ci(x, 3, x, 3, 1, 200, 0.95, &g, &point, &l, &h, scratch);
    cr_assert_float_eq(point, 0.5, 1e-12);
    cr_assert(l < 0.5 && h > 0.5 && l >= 0.0 && h <= 1.0, "[%g, %g]", l, h);
}

Test(stats, performance_profile)
{
    double s[5] = {0.1, 0.5, 0.5, 0.9, 1.2}, taus[4] = {0.0, 0.5, 1.0, 2.0}, out[4];
    rl_stats_profile(out, s, 5, taus, 4);
    cr_assert_float_eq(out[0], 1.0, 1e-12);
    cr_assert_float_eq(out[1], 0.4, 1e-12);
    cr_assert_float_eq(out[2], 0.2, 1e-12);
    cr_assert_float_eq(out[3], 0.0, 1e-12);
}
