/* rlc research: aggregate statistics, stratified bootstrap and probability of improvement. */
#include "research/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void sorted_copy(double *dst, const double *x, int n)
{
    memcpy(dst, x, (size_t)n * sizeof *dst);
    qsort(dst, (size_t)n, sizeof *dst, cmp_double);
}

double rl_stats_mean(const double *x, int n)
{
    RL_ASSERT(n > 0);
    double s = 0.0;
    for (int i = 0; i < n; i++) s += x[i];
    return s / n;
}

double rl_stats_std(const double *x, int n)
{
    if (n < 2) return 0.0;
    double m = rl_stats_mean(x, n), s = 0.0;
    for (int i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
    return sqrt(s / (n - 1));
}

double rl_stats_median(const double *x, int n, double *scratch)
{
    RL_ASSERT(n > 0);
    sorted_copy(scratch, x, n);
    return n % 2 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
}

double rl_stats_iqm(const double *x, int n, double *scratch)
{
    RL_ASSERT(n > 0);
    sorted_copy(scratch, x, n);
    int cut = (int)(0.25 * n);
    return rl_stats_mean(scratch + cut, n - 2 * cut);
}

double rl_stats_aggregate(rl_aggregate agg, const double *x, int n, double *scratch)
{
    switch (agg) {
    case RL_AGG_MEAN: return rl_stats_mean(x, n);
    case RL_AGG_MEDIAN: return rl_stats_median(x, n, scratch);
    case RL_AGG_IQM: return rl_stats_iqm(x, n, scratch);
    default: RL_ASSERT_MSG(0, "unknown aggregate");
    }
    return NAN;
}

/* resample runs with replacement within each task: out (n_runs x n_tasks) */
static void stratified_resample(double *out, const double *scores, int n_runs, int n_tasks, rl_rng *rng)
{
    for (int t = 0; t < n_tasks; t++)
        for (int r = 0; r < n_runs; r++) {
            int pick = (int)rl_rng_below(rng, (uint32_t)n_runs);
            out[r * n_tasks + t] = scores[pick * n_tasks + t];
        }
}

/* linear-interpolated percentile of sorted v (n), q in [0, 1] (numpy's default method) */
static double percentile_sorted(const double *v, int n, double q)
{
    double pos = q * (n - 1);
    int lo = (int)floor(pos);
    int hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

void rl_stats_bootstrap_ci(rl_aggregate agg, const double *scores, int n_runs, int n_tasks,
                           int n_boot, double conf, rl_rng *rng, double *point, double *lo,
                           double *hi, double *scratch)
{
    RL_ASSERT(n_runs > 0 && n_tasks > 0 && n_boot > 1 && conf > 0 && conf < 1);
    int n = n_runs * n_tasks;
    double *sample = scratch, *work = scratch + n, *boots = scratch + 2 * n;
    *point = rl_stats_aggregate(agg, scores, n, work);
    for (int b = 0; b < n_boot; b++) {
        stratified_resample(sample, scores, n_runs, n_tasks, rng);
        boots[b] = rl_stats_aggregate(agg, sample, n, work);
    }
    qsort(boots, (size_t)n_boot, sizeof *boots, cmp_double);
    *lo = percentile_sorted(boots, n_boot, (1.0 - conf) / 2.0);
    *hi = percentile_sorted(boots, n_boot, 1.0 - (1.0 - conf) / 2.0);
}

double rl_stats_prob_improvement(const double *x, int n_x, const double *y, int n_y, int n_tasks)
{
    RL_ASSERT(n_x > 0 && n_y > 0 && n_tasks > 0);
    double total = 0.0;
    for (int t = 0; t < n_tasks; t++) {
        double s = 0.0;
        for (int i = 0; i < n_x; i++)
            for (int j = 0; j < n_y; j++) {
                double a = x[i * n_tasks + t], b = y[j * n_tasks + t];
                s += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
            }
        total += s / ((double)n_x * n_y);
    }
    return total / n_tasks;
}

void rl_stats_prob_improvement_ci(const double *x, int n_x, const double *y, int n_y, int n_tasks,
                                  int n_boot, double conf, rl_rng *rng, double *point, double *lo,
                                  double *hi, double *scratch)
{
    RL_ASSERT(n_boot > 1 && conf > 0 && conf < 1);
    double *xs = scratch, *ys = scratch + n_x * n_tasks, *boots = ys + n_y * n_tasks;
    *point = rl_stats_prob_improvement(x, n_x, y, n_y, n_tasks);
    for (int b = 0; b < n_boot; b++) {
        stratified_resample(xs, x, n_x, n_tasks, rng);
        stratified_resample(ys, y, n_y, n_tasks, rng);
        boots[b] = rl_stats_prob_improvement(xs, n_x, ys, n_y, n_tasks);
    }
    qsort(boots, (size_t)n_boot, sizeof *boots, cmp_double);
    *lo = percentile_sorted(boots, n_boot, (1.0 - conf) / 2.0);
    *hi = percentile_sorted(boots, n_boot, 1.0 - (1.0 - conf) / 2.0);
}

void rl_stats_profile(double *out, const double *scores, int n, const double *taus, int n_taus)
{
    RL_ASSERT(n > 0);
    for (int k = 0; k < n_taus; k++) {
        int above = 0;
        for (int i = 0; i < n; i++) above += scores[i] > taus[k];
        out[k] = (double)above / n;
    }
}
