/* rlc research: rlc plot: the learning curves of one or more runs in one figure.
 *
 * Left panel: the deterministic evaluation return (eval.csv return_mean, with a band of one
 * standard deviation over the evaluation episodes, return_std); right panel: the mean return of
 * the training episodes finished in each logging interval (metrics.csv return_mean). Both against
 * environment steps, one colour per run, named by the run directory. The figure is a full text
 * width of a two-column paper (FIGURE_PAGE_W), written as PNG, SVG or PDF by the file name. */
#ifndef RLC_RESEARCH_PLOT_H
#define RLC_RESEARCH_PLOT_H

#include <stddef.h>

#include "core/status.h"

#define PLOT_MAX_RUNS 10

/* Plots runs[0..n) to out. Errors (nothing written): RL_ERR_ARG for no runs, too many or a bad
 * file name; RL_ERR_IO for a directory that is not a run (no eval.csv or metrics.csv);
 * RL_ERR_FORMAT for a run whose files have no rows or lack the return_mean column. */
rl_status plot_runs(const char *const *runs, int n, const char *out, char *err, size_t err_sz);

#endif
