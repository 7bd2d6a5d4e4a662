/* rlc research: rlc compare: statistics per variant and environment and the report (terminal,
 * Markdown, CSV); the runs are collected and checked by compare_runs.c, the figures drawn by
 * compare_plots.c. */
#include "research/compare.h"
#include "research/compare_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/config.h"
#include "core/fs.h"
#include "research/stats.h"
#include "envs/env.h"

#define CMP_RANDOM_EPISODES 50

void compare_opts_default(compare_opts *o)
{
    memset(o, 0, sizeof *o);
    o->metric = "eval_return";
    o->at = -1;
    o->n_boot = 2000;
    o->plots = true;
    o->formats = COMPARE_PNG | COMPARE_SVG | COMPARE_PDF;
}

/* ---- random-policy reference ------------------------------------------------------------- */

static double random_return(const char *env_id)
{
    env_instance e;
    char err[256];
    if (env_make(&e, env_id, 0, err, sizeof err) != RL_OK) return NAN;
    rl_rng rng;
    rl_rng_seed(&rng, 0, 77);
    float *obs = rl_xcalloc((size_t)env_space_dim(&e.def->obs_space), sizeof(float)), act[ENV_MAX_DIM];
    const env_space *as = &e.def->act_space;
    double total = 0.0;
    for (int ep = 0; ep < CMP_RANDOM_EPISODES; ep++) {
        env_reset(&e, ep, obs);
        bool term = false, trunc = false;
        double ret = 0.0;
        while (!term && !trunc) {
            if (as->kind == ENV_SPACE_DISCRETE) {
                act[0] = (float)rl_rng_below(&rng, (uint32_t)as->n);
            } else if (env_space_is_multi(as)) {
                for (int i = 0; i < as->dim; i++) act[i] = (float)rl_rng_below(&rng, (uint32_t)env_space_choices(as, i));
            } else {
                for (int i = 0; i < as->dim; i++) {
                    float lo = as->low[i], hi = as->high[i];
                    act[i] = isfinite(lo) && isfinite(hi) ? (float)rl_rng_uniform(&rng, lo, hi) : (float)rl_rng_normal(&rng);
                }
            }
            float r;
            env_step(&e, act, obs, &r, &term, &trunc);
            ret += r;
        }
        total += ret;
    }
    env_close(&e);
    free(obs);
    return total / CMP_RANDOM_EPISODES;
}

/* ---- statistics --------------------------------------------------------------------------- */

int cmp_collect(const run_set *rs, int v, int env, double *out)
{
    int n = 0;
    for (int i = 0; i < rs->n_runs; i++)
        if (strcmp(rs->runs[i].variant, rs->variants[v]) == 0 && strcmp(rs->runs[i].env, rs->envs[env]) == 0)
            out[n++] = rs->runs[i].final;
    return n;
}

/* mean, std, median and the IQM of x (n); the IQM's bootstrap interval only when n > 1 */
static void cell_stats(cmp_analysis *a, cell *c, const double *x, int n)
{
    c->n = n;
    if (!n) return;
    c->mean = rl_stats_mean(x, n);
    c->std = rl_stats_std(x, n);
    c->median = rl_stats_median(x, n, a->scratch);
    if (n > 1)
        rl_stats_bootstrap_ci(RL_AGG_IQM, x, n, 1, a->o.n_boot, 0.95, &a->rng, &c->iqm, &c->lo, &c->hi, a->scratch);
    else
        c->iqm = c->lo = c->hi = x[0];
}

static void compute_cells(cmp_analysis *a)
{
    for (int v = 0; v < a->V; v++)
        for (int e = 0; e < a->E; e++) {
            int n = cmp_collect(&a->rs, v, e, a->buf);
            cell_stats(a, &a->cells[v][e], a->buf, n);
        }
}

/* the normalisation of each environment: a uniform random policy's return and a reference (the
 * registered reward threshold, else the best variant mean) */
static void compute_references(cmp_analysis *a)
{
    for (int e = 0; e < a->E; e++) {
        const env_def *def = env_find(a->rs.envs[e]);
        a->rand_ret[e] = random_return(a->rs.envs[e]);
        a->ref_is_threshold[e] = def && !isnan(def->reward_threshold);
        a->ref[e] = a->ref_is_threshold[e] ? def->reward_threshold : -INFINITY;
        if (!a->ref_is_threshold[e])
            for (int v = 0; v < a->V; v++)
                if (a->cells[v][e].n && a->cells[v][e].mean > a->ref[e]) a->ref[e] = a->cells[v][e].mean;
    }
}

/* the normalised (runs x environments) matrix of each variant and its IQM over all of it; the
 * matrix has nrun[v] rows (the smallest run count over the environments), so it holds
 * nrun[v] * E runs */
static void compute_aggregate(cmp_analysis *a)
{
    const int E = a->E;
    for (int v = 0; v < a->V; v++) {
        int least = CMP_MAX_RUNS, total = 0;
        for (int e = 0; e < E; e++) {
            least = a->cells[v][e].n < least ? a->cells[v][e].n : least;
            total += a->cells[v][e].n;
        }
        a->nrun[v] = least;
        a->dropped[v] = total - least * E;
        double *m = a->norm + (size_t)v * CMP_MAX_RUNS;
        for (int e = 0; e < E; e++) {
            cmp_collect(&a->rs, v, e, a->buf);
            double den = a->ref[e] - a->rand_ret[e];
            for (int r = 0; r < least; r++) m[r * E + e] = fabs(den) > 1e-12 ? (a->buf[r] - a->rand_ret[e]) / den : NAN;
        }
        cell *g = &a->agg[v];
        g->n = least * E;
        if (least > 1) {
            rl_stats_bootstrap_ci(RL_AGG_IQM, m, least, E, a->o.n_boot, 0.95, &a->rng, &g->iqm, &g->lo, &g->hi,
                                  a->scratch);
            g->mean = rl_stats_mean(m, least * E);
        } else if (least == 1) {
            g->iqm = g->lo = g->hi = g->mean = rl_stats_mean(m, E);
        }
    }
}

/* P(a > b) over all environments with its interval (point value only with one run per side) */
static void compute_poi(cmp_analysis *a)
{
    for (int x = 0; x < a->V; x++)
        for (int y = 0; y < a->V; y++) {
            if (x == y || a->nrun[x] < 1 || a->nrun[y] < 1) continue;
            const double *px = a->norm + (size_t)x * CMP_MAX_RUNS, *py = a->norm + (size_t)y * CMP_MAX_RUNS;
            double *p = a->poi[x][y];
            if (a->nrun[x] > 1 || a->nrun[y] > 1)
                rl_stats_prob_improvement_ci(px, a->nrun[x], py, a->nrun[y], a->E, a->o.n_boot, 0.95, &a->rng, &p[0],
                                             &p[1], &p[2], a->scratch);
            else
                p[0] = p[1] = p[2] = rl_stats_prob_improvement(px, 1, py, 1, a->E);
        }
}

/* ---- the report ----------------------------------------------------------------------------- */

/* "[lo, hi]" with digits decimals, or the single-run note */
static const char *interval_text(const cell *c, int digits, char *buf, size_t sz)
{
    if (c->n < 2) snprintf(buf, sz, "n=1, no interval");
    else snprintf(buf, sz, "[%.*f, %.*f]", digits, c->lo, digits, c->hi);
    return buf;
}

static void print_env_tables(const cmp_analysis *a, FILE *out)
{
    for (int e = 0; e < a->E; e++) {
        fprintf(out, "\n%s (random policy %.1f, reference %.1f%s)\n", a->rs.envs[e], a->rand_ret[e], a->ref[e],
                a->ref_is_threshold[e] ? " = registered threshold" : " = best variant mean");
        fprintf(out, "  %-40s %4s %10s %9s %10s %10s  %-22s\n", "variant", "n", "mean", "std", "median", "IQM",
                "95% CI of IQM");
        for (int v = 0; v < a->V; v++) {
            const cell *c = &a->cells[v][e];
            if (!c->n) continue;
            char ci[64];
            fprintf(out, "  %-40s %4d %10.2f %9.2f %10.2f %10.2f  %-22s\n", a->rs.variants[v], c->n, c->mean, c->std,
                    c->median, c->iqm, interval_text(c, 2, ci, sizeof ci));
        }
    }
}

static void print_aggregate_and_poi(const cmp_analysis *a, FILE *out)
{
    char ci[64];
    if (a->E > 1) {
        fprintf(out, "\nall environments, normalised (score - random) / (reference - random)\n");
        for (int v = 0; v < a->V; v++) {
            fprintf(out, "  %-40s %4d runs (%d per environment)  IQM %.3f  95%% CI %s", a->rs.variants[v], a->agg[v].n,
                    a->nrun[v], a->agg[v].iqm, interval_text(&a->agg[v], 3, ci, sizeof ci));
            if (a->dropped[v]) fprintf(out, "  (%d runs left out to balance the environments)", a->dropped[v]);
            fprintf(out, "\n");
        }
    }
    fprintf(out, "\nprobability of improvement P(row > column) over all environments, with 95%% CI\n");
    for (int x = 0; x < a->V; x++)
        for (int y = 0; y < a->V; y++) {
            if (x == y || a->nrun[x] < 1 || a->nrun[y] < 1) continue;
            const double *p = a->poi[x][y];
            fprintf(out, "  P(%s > %s) = %.3f ", a->rs.variants[x], a->rs.variants[y], p[0]);
            if (a->nrun[x] > 1 || a->nrun[y] > 1) fprintf(out, "[%.3f, %.3f]\n", p[1], p[2]);
            else fprintf(out, "(n=1 each, no interval)\n");
        }
}

static void write_csv(const cmp_analysis *a, FILE *csv)
{
    fprintf(csv, "env,variant,runs,mean,std,median,iqm,iqm_ci_low,iqm_ci_high\n");
    for (int e = 0; e < a->E; e++)
        for (int v = 0; v < a->V; v++) {
            const cell *c = &a->cells[v][e];
            if (!c->n) continue;
            fprintf(csv, "%s,%s,%d,%.6g,%.6g,%.6g,%.6g,", a->rs.envs[e], a->rs.variants[v], c->n, c->mean, c->std,
                    c->median, c->iqm);
            /* no interval from one run: the fields stay empty */
            if (c->n > 1) fprintf(csv, "%.6g,%.6g\n", c->lo, c->hi);
            else fprintf(csv, ",\n");
        }
}

static void write_md_tables(const cmp_analysis *a, FILE *md)
{
    char ci[64];
    fprintf(md, "# Comparison of %s\n\nMetric: `%s`, %s. %d runs. Intervals are 95%% stratified-bootstrap "
                "percentile intervals (%d resamples) of the interquartile mean (Agarwal et al., NeurIPS 2021); "
                "a variant with one run has none.\n",
            a->runs_dir, a->o.metric, a->o.at >= 0 ? "last value at or before --at" : "each run's last value",
            a->rs.n_runs, a->o.n_boot);
    for (int e = 0; e < a->E; e++) {
        fprintf(md, "\n## %s\n\nRandom policy %.1f; reference %.1f (%s).\n\n| variant | runs | mean | std | median "
                    "| IQM | 95%% CI |\n|---|---|---|---|---|---|---|\n",
                a->rs.envs[e], a->rand_ret[e], a->ref[e], a->ref_is_threshold[e] ? "registered threshold" : "best variant mean");
        for (int v = 0; v < a->V; v++) {
            const cell *c = &a->cells[v][e];
            if (c->n)
                fprintf(md, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %s |\n", a->rs.variants[v], c->n, c->mean, c->std,
                        c->median, c->iqm, interval_text(c, 2, ci, sizeof ci));
        }
    }
    if (a->E > 1) {
        fprintf(md, "\n## All environments (normalised)\n\n| variant | runs | IQM | 95%% CI |\n|---|---|---|---|\n");
        for (int v = 0; v < a->V; v++)
            fprintf(md, "| %s | %d | %.3f | %s |\n", a->rs.variants[v], a->agg[v].n, a->agg[v].iqm,
                    interval_text(&a->agg[v], 3, ci, sizeof ci));
    }
}

static void write_md_poi_and_figures(const cmp_analysis *a, FILE *md)
{
    fprintf(md, "\n## Probability of improvement\n\n| P(row > column) |");
    for (int y = 0; y < a->V; y++) fprintf(md, " %s |", a->rs.variants[y]);
    fprintf(md, "\n|---|");
    for (int y = 0; y < a->V; y++) fprintf(md, "---|");
    for (int x = 0; x < a->V; x++) {
        fprintf(md, "\n| %s |", a->rs.variants[x]);
        for (int y = 0; y < a->V; y++) {
            const double *p = a->poi[x][y];
            if (x == y || a->nrun[x] < 1 || a->nrun[y] < 1) fprintf(md, " - |");
            else if (a->nrun[x] > 1 || a->nrun[y] > 1) fprintf(md, " %.2f [%.2f, %.2f] |", p[0], p[1], p[2]);
            else fprintf(md, " %.2f (n=1) |", p[0]);
        }
    }
    fprintf(md, "\n");
    if (a->o.plots && (a->o.formats & COMPARE_PNG)) {
        fprintf(md, "\n## Figures\n\n");
        for (int e = 0; e < a->E; e++) fprintf(md, "![%s](curves_%s.png)\n\n", a->rs.envs[e], a->rs.envs[e]);
        fprintf(md, "![intervals](intervals.png)\n\n![performance profile](profile.png)\n");
    }
}

static rl_status write_report(const cmp_analysis *a, char *err, size_t err_sz)
{
    char csv_path[1100], md_path[1100];
    snprintf(csv_path, sizeof csv_path, "%s/summary.csv", a->out_dir);
    snprintf(md_path, sizeof md_path, "%s/report.md", a->out_dir);
    FILE *csv = fopen(csv_path, "w"), *md = fopen(md_path, "w");
    rl_status st = RL_OK;
    if (!csv || !md) {
        st = rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write the report: %s", a->out_dir, strerror(errno));
    } else {
        write_csv(a, csv);
        write_md_tables(a, md);
        cmp_write_md_sample(a, md);
        write_md_poi_and_figures(a, md);
    }
    if (csv && fclose(csv) != 0 && st == RL_OK) st = rl_errf(err, err_sz, RL_ERR_IO, "%s: write failed", csv_path);
    if (md && fclose(md) != 0 && st == RL_OK) st = rl_errf(err, err_sz, RL_ERR_IO, "%s: write failed", md_path);
    return st;
}

/* ---- compare_runs --------------------------------------------------------------------------- */

/* the options with defaults filled in, the buffers */
static rl_status setup(cmp_analysis *a, const char *runs_dir, const compare_opts *opts, char *err, size_t err_sz)
{
    compare_opts_default(&a->o);
    if (opts) {
        if (opts->metric) a->o.metric = opts->metric;
        a->o.at = opts->at;
        if (opts->n_boot > 1) a->o.n_boot = opts->n_boot;
        a->o.seed = opts->seed;
        a->o.out_dir = opts->out_dir;
        a->o.plots = opts->plots;
        if (opts->formats) a->o.formats = opts->formats;
        a->o.allow_unequal = opts->allow_unequal;
    }
    a->runs_dir = runs_dir;
    if (!rl_is_dir(runs_dir)) return rl_errf(err, err_sz, RL_ERR_IO, "%s: not a directory", runs_dir);
    snprintf(a->out_dir, sizeof a->out_dir, "%s", a->o.out_dir ? a->o.out_dir : runs_dir);
    a->rs.runs = rl_xcalloc(CMP_MAX_RUNS, sizeof(run_rec));
    a->rs.left_out = rl_xcalloc(CMP_MAX_RUNS, sizeof(run_left_out));
    a->buf = rl_xmalloc(CMP_MAX_RUNS * sizeof(double));
    a->scratch = rl_xmalloc((2 * CMP_MAX_RUNS + (size_t)a->o.n_boot + 16) * sizeof(double));
    a->norm = rl_xmalloc((size_t)CMP_MAX_VARIANTS * CMP_MAX_RUNS * sizeof(double));
    rl_rng_seed(&a->rng, a->o.seed, 0xc0ffee);
    return RL_OK;
}

/* --out DIR is created (with its parents) when missing, once there is something to write */
static rl_status make_out_dir(const cmp_analysis *a, char *err, size_t err_sz)
{
    if (rl_is_dir(a->out_dir)) return RL_OK;
    char msg[512];
    if (rl_mkdir_p(a->out_dir, msg, sizeof msg) != RL_OK)
        return rl_errf(err, err_sz, RL_ERR_IO, "--out %s: cannot create the directory: %s", a->out_dir, msg);
    return RL_OK;
}

static void analysis_free(cmp_analysis *a)
{
    for (int i = 0; i < a->rs.n_runs; i++) {
        free(a->rs.runs[i].steps);
        free(a->rs.runs[i].vals);
    }
    free(a->rs.runs);
    free(a->rs.left_out);
    free(a->buf);
    free(a->scratch);
    free(a->norm);
    free(a);
}

rl_status compare_runs(const char *runs_dir, const compare_opts *opts, FILE *out, char *err, size_t err_sz)
{
    cmp_analysis *a = rl_xcalloc(1, sizeof *a);
    rl_status st = setup(a, runs_dir, opts, err, err_sz);
    if (st == RL_OK) st = cmp_collect_runs(a, out, err, err_sz);
    if (st == RL_OK) st = cmp_check_sample(a, out, err, err_sz);
    if (st == RL_OK) st = make_out_dir(a, err, err_sz);
    if (st == RL_OK) {
        compute_cells(a);
        compute_references(a);
        compute_aggregate(a);
        compute_poi(a);
        fprintf(out, "%d runs, %d variants, %d environments; metric %s%s\n", a->rs.n_runs, a->V, a->E, a->o.metric,
                a->o.at >= 0 ? " (at the last row <= --at)" : " (each run's last row)");
        print_env_tables(a, out);
        print_aggregate_and_poi(a, out);
        st = write_report(a, err, err_sz);
    }
    if (st == RL_OK && a->o.plots) st = cmp_plot_all(a, err, err_sz);
    if (st == RL_OK)
        fprintf(out, "\nreport: %s/report.md, %s/summary.csv%s\n", a->out_dir, a->out_dir,
                a->o.plots ? "; figures: curves_<env>, intervals, profile (.png .svg .pdf as asked)" : "");
    analysis_free(a);
    return st;
}
