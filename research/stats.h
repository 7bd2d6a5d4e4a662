/* rlc research: the statistics for comparing training runs (Agarwal et al., "Deep Reinforcement
 * Learning at the Edge of the Statistical Precipice", NeurIPS 2021).
 *
 * Scores are a (runs x tasks) matrix per algorithm: scores[r * n_tasks + t] is run r's
 * (normalised) score on task t. Aggregates are computed over the flattened matrix; confidence
 * intervals come from the stratified bootstrap, which resamples runs with replacement
 * independently within each task, and are percentile intervals. Every function that resamples
 * takes the rl_rng explicitly. Scratch memory is the caller's. */
#ifndef RLC_RESEARCH_STATS_H
#define RLC_RESEARCH_STATS_H

#include <stddef.h>

#include "core/rng.h"

/* Mean of x (n). */
double rl_stats_mean(const double *x, int n);
/* Sample standard deviation (n - 1 denominator); 0 when n < 2. */
double rl_stats_std(const double *x, int n);
/* Median; sorts a copy in scratch (n doubles). */
double rl_stats_median(const double *x, int n, double *scratch);
/* Interquartile mean: the mean of the middle 50% after sorting, dropping floor(0.25 n) values at
 * each end (scipy.stats.trim_mean(x, 0.25), as rliable does). Sorts into scratch (n). */
double rl_stats_iqm(const double *x, int n, double *scratch);

typedef enum { RL_AGG_MEAN = 0, RL_AGG_MEDIAN, RL_AGG_IQM, RL_AGG_COUNT } rl_aggregate;
/* The aggregate of x (n) with scratch (n). */
double rl_stats_aggregate(rl_aggregate agg, const double *x, int n, double *scratch);

/* Point estimate and percentile confidence interval [lo, hi] at level `conf` (e.g. 0.95) of an
 * aggregate over a (n_runs x n_tasks) score matrix, by n_boot stratified bootstrap resamples.
 * scratch: 2 * n_runs * n_tasks + n_boot doubles. */
void rl_stats_bootstrap_ci(rl_aggregate agg, const double *scores, int n_runs, int n_tasks,
                           int n_boot, double conf, rl_rng *rng, double *point, double *lo,
                           double *hi, double *scratch);

/* Probability of improvement P(X > Y): the mean over tasks of
 * (1 / (n x m)) sum_i sum_j S(x_it, y_jt), S = 1 if x > y, 1/2 if equal, 0 otherwise.
 * x is (n_x runs x n_tasks), y is (n_y runs x n_tasks). */
double rl_stats_prob_improvement(const double *x, int n_x, const double *y, int n_y, int n_tasks);

/* P(X > Y) with a stratified-bootstrap percentile interval (X and Y resampled independently).
 * scratch: n_x * n_tasks + n_y * n_tasks + n_boot doubles. */
void rl_stats_prob_improvement_ci(const double *x, int n_x, const double *y, int n_y, int n_tasks,
                                  int n_boot, double conf, rl_rng *rng, double *point, double *lo,
                                  double *hi, double *scratch);

/* Performance profile: out[k] = fraction of all runs x tasks scores strictly above taus[k]. */
void rl_stats_profile(double *out, const double *scores, int n, const double *taus, int n_taus);

#endif
