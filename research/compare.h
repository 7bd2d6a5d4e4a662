/* rlc research: comparing runs with honest statistics (rlc compare).
 *
 * Collects every run under a directory (a run is a directory with config.yaml and eval.csv;
 * runs written by `rlc ablate` are grouped by variant, from the path <variant>/[<env>/]seed_<k>),
 * and reports per variant and per environment: mean, std, median, and the IQM with a 95%
 * stratified-bootstrap confidence interval, plus the probability of improvement of every ordered
 * pair of variants with its interval. With several environments, scores are also normalised as
 * (score - random) / (reference - random), where random is the return of a uniform random policy
 * measured here (50 episodes) and reference is the environment's registered reward threshold
 * (or, when none is registered, the best variant mean observed), and aggregated across them.
 * Output: a table on `out`, report.md, summary.csv, and figures drawn with PLplot in PNG, SVG
 * and PDF, sized for one column of a two-column paper: sample-efficiency curves (IQM over steps
 * with 95% bands), an interval plot (variants on a categorical axis) and a performance profile
 * (with 95% bootstrap bands). A variant with a single run gets its value and "n=1", never an
 * interval.
 *
 * The sample is never changed silently: a run directory whose config.yaml or eval.csv (or
 * metrics.csv with --metric) is missing, empty, without rows, or not a regular file (a FIFO is
 * never opened) is left out and named with the reason; a run that has not reached its
 * total_steps (nor, with --at, that step) is named unfinished. Unless allow_unequal is set, the
 * comparison is then refused (RL_ERR_ARG) when a run is unfinished, when the variants have
 * different numbers of usable runs on an environment, or when the runs of an environment are
 * compared at different steps. */
#ifndef RLC_AGENTS_COMPARE_H
#define RLC_AGENTS_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

enum { COMPARE_PNG = 1, COMPARE_SVG = 2, COMPARE_PDF = 4 };

typedef struct {
    const char *metric;      /* "eval_return" (eval.csv) or a metrics.csv column; default eval_return */
    int64_t at;              /* use the last row with step <= at; < 0 = each run's last row */
    int n_boot;              /* bootstrap resamples; default 2000 */
    uint64_t seed;           /* bootstrap seed; default 0 */
    const char *out_dir;     /* where the report and plots go (created when missing); default
                                the runs directory */
    bool plots;              /* draw the figures; default true */
    unsigned formats;        /* COMPARE_PNG | COMPARE_SVG | COMPARE_PDF; default all three */
    bool allow_unequal;      /* compare unequal samples, mismatched steps and unfinished runs
                                (named in the output and the report) instead of refusing; default
                                false */
} compare_opts;

void compare_opts_default(compare_opts *o);

rl_status compare_runs(const char *runs_dir, const compare_opts *o, FILE *out, char *err,
                       size_t err_sz);

#endif
