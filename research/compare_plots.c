/* rlc research: the figures of rlc compare, drawn with PLplot through figure.h, each one column of
 * a two-column paper wide, in every format asked for (PNG, SVG, PDF):
 *   curves_<env>   the IQM over runs at each evaluation step, with its 95% bootstrap band;
 *   intervals      the IQM and its 95% interval per variant, variants named on a categorical axis
 *                  (the normalised aggregate when there are several environments);
 *   profile        performance profiles: the fraction of runs whose normalised score exceeds tau,
 *                  with 95% stratified-bootstrap bands, on a y axis of [0, 1].
 * A variant with a single run is drawn as a line or a point and labelled n=1, never with a band. */
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "research/compare_internal.h"
#include "research/figure.h"
#include "research/stats.h"

#define CMP_CURVE_BOOT 500
#define CMP_PROFILE_BOOT 500
#define CMP_PROFILE_TAUS 200
#define CMP_TEXT 0.8
#define CMP_RIGHT_IN 0.15   /* margins of a one-panel figure, inches */
#define CMP_BOTTOM_IN 0.32
#define CMP_TOP_IN 0.25

/* a readable axis label for a metric (the metrics.csv column names of the agents) */
static const char *metric_label(const char *metric, char *buf, size_t sz)
{
    static const char *const names[][2] = {
        {"eval_return", "evaluation return"}, {"return_mean", "training episode return"},
        {"length_mean", "episode length"},     {"policy_loss", "policy loss"},
        {"value_loss", "value loss"},          {"entropy", "policy entropy"},
        {"approx_kl", "approximate KL"},       {"clipfrac", "clipped fraction"},
        {"grad_norm", "gradient norm"},        {"learning_rate", "learning rate"},
        {"explained_variance", "explained variance"}, {"q_loss", "Q loss"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(metric, names[i][0]) == 0) return names[i][1];
    snprintf(buf, sz, "%s", metric);
    for (char *p = buf; *p; p++)
        if (*p == '_') *p = ' ';
    return buf;
}

/* a legend of the variants (lines) at a corner of the plot (figure_spot picks it) */
static void variant_legend(const cmp_analysis *a, PLINT position, const bool *shown)
{
    PLINT opts[CMP_MAX_VARIANTS], colors[CMP_MAX_VARIANTS], styles[CMP_MAX_VARIANTS], text_colors[CMP_MAX_VARIANTS];
    PLFLT widths[CMP_MAX_VARIANTS];
    const char *names[CMP_MAX_VARIANTS];
    int n = 0;
    for (int v = 0; v < a->V; v++) {
        if (!shown[v]) continue;
        figure_color(v, 1.0);
        opts[n] = PL_LEGEND_LINE;
        colors[n] = figure_color_index(v);
        styles[n] = 1;
        widths[n] = 1.5;
        text_colors[n] = 1;
        names[n++] = a->rs.variants[v];
    }
    if (!n) return;
    PLFLT w, h;
    plcol0(1);
    pllegend(&w, &h, PL_LEGEND_BACKGROUND, PL_POSITION_INSIDE | position, 0.02, 0.02, 0.08, figure_legend_bg(), 1, 1,
             0, 0, n, opts,
             0.8, 0.75, 1.5, 0.0, text_colors, names, NULL, NULL, NULL, NULL, colors, styles, widths, NULL, NULL, NULL,
             NULL);
}

/* the margins of a one-panel figure h inches high, with room for left_in inches of labels */
static void one_panel(double w_in, double h_in, double left_in)
{
    pladv(0);
    plvpor(left_in / w_in, 1 - CMP_RIGHT_IN / w_in, CMP_BOTTOM_IN / h_in, 1 - CMP_TOP_IN / h_in);
}

/* the legend's size as fractions of a one-panel plot area (variants shown) */
static void legend_fracs(const cmp_analysis *a, const bool *shown, double w_in, double h_in, double left_in,
                         double *wf, double *hf)
{
    size_t longest = 1;
    int n = 0;
    for (int v = 0; v < a->V; v++)
        if (shown[v]) {
            n++;
            longest = strlen(a->rs.variants[v]) > longest ? strlen(a->rs.variants[v]) : longest;
        }
    figure_legend_size(n, longest, CMP_TEXT, w_in - left_in - CMP_RIGHT_IN, h_in - CMP_BOTTOM_IN - CMP_TOP_IN, wf, hf);
}

/* a band between lo and hi over x (n points), xs/ys (2n) scratch */
static void band(int n, const double *x, const double *lo, const double *hi, double *xs, double *ys)
{
    for (int k = 0; k < n; k++) {
        xs[k] = xs[2 * n - 1 - k] = x[k];
        ys[k] = lo[k];
        ys[2 * n - 1 - k] = hi[k];
    }
    if (n > 1) plfill(2 * n, xs, ys);
}

/* scratch for drawing, allocated once for all figures */
typedef struct {
    double *xs, *ys;          /* (2 * CMP_MAX_POINTS) polygon of a band */
    double *x, *mid, *lo, *hi;   /* (CMP_MAX_POINTS) */
    double *boot;             /* (CMP_PROFILE_BOOT * CMP_PROFILE_TAUS) */
    double *sample;           /* (CMP_MAX_RUNS) a resampled score matrix */
    int idx[CMP_MAX_RUNS];
} plot_buf;

/* the IQM (and, with several runs, its interval) over the runs of variant v on env at each row
 * up to the shortest run; returns the number of points and the run count in *nr */
static int curve_iqm(cmp_analysis *a, int v, int e, plot_buf *b, int *nr)
{
    const run_set *rs = &a->rs;
    int np = CMP_MAX_POINTS;
    *nr = 0;
    for (int i = 0; i < rs->n_runs; i++)
        if (strcmp(rs->runs[i].variant, rs->variants[v]) == 0 && strcmp(rs->runs[i].env, rs->envs[e]) == 0) {
            b->idx[(*nr)++] = i;
            np = rs->runs[i].n < np ? rs->runs[i].n : np;
        }
    if (!*nr) return 0;
    for (int k = 0; k < np; k++) {
        for (int r = 0; r < *nr; r++) a->buf[r] = rs->runs[b->idx[r]].vals[k];
        b->x[k] = (double)rs->runs[b->idx[0]].steps[k];
        if (*nr > 1)
            rl_stats_bootstrap_ci(RL_AGG_IQM, a->buf, *nr, 1, CMP_CURVE_BOOT, 0.95, &a->rng, &b->mid[k], &b->lo[k], &b->hi[k],
                                  a->scratch);
        else
            b->mid[k] = b->lo[k] = b->hi[k] = a->buf[0];
    }
    return np;
}

static rl_status plot_curves(cmp_analysis *a, int e, const char *path, plot_buf *b, char *err, size_t err_sz)
{
    const run_set *rs = &a->rs;
    double xmax = 1, ymin = INFINITY, ymax = -INFINITY;
    for (int i = 0; i < rs->n_runs; i++) {
        if (strcmp(rs->runs[i].env, rs->envs[e]) != 0) continue;
        for (int k = 0; k < rs->runs[i].n; k++) {
            xmax = fmax(xmax, (double)rs->runs[i].steps[k]);
            ymin = fmin(ymin, rs->runs[i].vals[k]);
            ymax = fmax(ymax, rs->runs[i].vals[k]);
        }
    }
    if (!isfinite(ymin)) ymin = ymax = 0;
    double win[4];
    figure_pad_range(0, xmax, 0.03, &win[0], &win[1]);   /* a point at the last step stays whole */
    figure_pad_range(ymin, ymax, 0.05, &win[2], &win[3]);
    const double w = FIGURE_COLUMN_W, h = 2.5;
    rl_status st = figure_begin(path, w, h, 1, 1, CMP_TEXT, err, err_sz);
    if (st != RL_OK) return st;
    one_panel(w, h, 0.55);
    plwind(win[0], win[1], win[2], win[3]);
    figure_axes_labelled("bcnst", "bcnstv", false, true, true);
    char label[256], title[512];
    bool any_interval = false, shown[CMP_MAX_VARIANTS] = {false};
    for (int i = 0; i < rs->n_runs; i++)
        if (strcmp(rs->runs[i].env, rs->envs[e]) == 0)
            for (int v = 0; v < a->V; v++) shown[v] = shown[v] || strcmp(rs->runs[i].variant, rs->variants[v]) == 0;
    double wf, hf;
    legend_fracs(a, shown, w, h, 0.55, &wf, &hf);
    figure_spot spot;
    figure_spot_init(&spot, win[0], win[1], win[2], win[3], wf, hf);
    for (int v = 0; v < a->V; v++) {
        int nr, np = curve_iqm(a, v, e, b, &nr);
        shown[v] = np > 0;
        if (!np) continue;
        figure_spot_curve(&spot, b->x, b->mid, np);
        if (nr > 1) figure_spot_curve(&spot, b->x, b->lo, np), figure_spot_curve(&spot, b->x, b->hi, np);
        any_interval = any_interval || nr > 1;
        figure_color(v, 0.25);
        if (nr > 1) band(np, b->x, b->lo, b->hi, b->xs, b->ys);
        figure_color(v, 1.0);
        plwidth(1.5);
        if (np > 1) plline(np, b->x, b->mid);
        else plpoin(1, b->x, b->mid, 17);
        plwidth(1);
    }
    snprintf(title, sizeof title, "%s: IQM over runs%s", rs->envs[e], any_interval ? ", 95% CI" : " (n=1: no interval)");
    plcol0(1);
    pllab("environment steps", metric_label(a->o.metric, label, sizeof label), title);
    variant_legend(a, figure_spot_best(&spot), shown);
    figure_end();
    return RL_OK;
}

/* the intervals figure's height: the margins and 0.25 inch per variant, at least 0.45 inch of plot */
static double intervals_height(int n_variants)
{
    return CMP_BOTTOM_IN + CMP_TOP_IN + fmax(0.45, 0.25 * n_variants);
}

/* the IQM and its interval per variant; variants top to bottom on a categorical axis */
static rl_status plot_intervals(cmp_analysis *a, const char *path, char *err, size_t err_sz)
{
    const bool agg = a->E > 1;
    double xmin = INFINITY, xmax = -INFINITY;
    size_t longest = 1;
    for (int v = 0; v < a->V; v++) {
        const cell *c = agg ? &a->agg[v] : &a->cells[v][0];
        if (!c->n) continue;
        xmin = fmin(xmin, c->lo);
        xmax = fmax(xmax, c->hi);
        size_t len = strlen(a->rs.variants[v]) + (c->n < 2 ? 6 : 0);
        longest = len > longest ? len : longest;
    }
    if (!isfinite(xmin)) xmin = xmax = 0;
    double x0, x1;
    figure_pad_range(xmin, xmax, 0.08, &x0, &x1);
    /* labels: about 0.035 inch per character at this text size; rows 0.25 inch apart */
    const double w = FIGURE_COLUMN_W, h = intervals_height(a->V), left = fmin(0.6 * w, 0.15 + 0.036 * (double)longest);
    rl_status st = figure_begin(path, w, h, 1, 1, CMP_TEXT, err, err_sz);
    if (st != RL_OK) return st;
    one_panel(w, h, left);
    plwind(x0, x1, 0.5, a->V + 0.5);
    figure_axes_labelled("bcnst", "bc", true, false, false);
    for (int v = 0; v < a->V; v++) {
        const cell *c = agg ? &a->agg[v] : &a->cells[v][0];
        double y = a->V - v;
        char name[300];
        snprintf(name, sizeof name, "%s%s", a->rs.variants[v], c->n == 1 ? " (n=1)" : c->n == 0 ? " (no runs)" : "");
        plcol0(1);
        plmtex("lv", 0.6, (y - 0.5) / a->V, 1.0, name);
        if (!c->n) continue;
        if (c->n > 1) {
            PLFLT bx[4] = {c->lo, c->hi, c->hi, c->lo}, by[4] = {y - 0.3, y - 0.3, y + 0.3, y + 0.3};
            figure_color(v, 0.6);
            plfill(4, bx, by);
        }
        figure_color(v, 1.0);
        PLFLT px[2] = {c->iqm, c->iqm}, py[2] = {y - 0.35, y + 0.35};
        plwidth(2.5);
        plline(2, px, py);
        plwidth(1);
    }
    char label[256], xl[300], title[300];
    if (agg) snprintf(xl, sizeof xl, "normalised score (IQM)");
    else snprintf(xl, sizeof xl, "IQM of %s", metric_label(a->o.metric, label, sizeof label));
    snprintf(title, sizeof title, "%s: IQM, 95%% CI", agg ? "All environments" : a->rs.envs[0]);
    plcol0(1);
    pllab(xl, "", title);
    figure_end();
    return RL_OK;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* 95% stratified-bootstrap band of variant v's profile at taus: resamples its runs with
 * replacement within each environment */
static void profile_band(cmp_analysis *a, int v, const double *taus, plot_buf *b)
{
    const int E = a->E, n = a->nrun[v];
    const double *m = a->norm + (size_t)v * CMP_MAX_RUNS;
    for (int r = 0; r < CMP_PROFILE_BOOT; r++) {
        for (int e = 0; e < E; e++)
            for (int i = 0; i < n; i++) b->sample[i * E + e] = m[(int)rl_rng_below(&a->rng, (uint32_t)n) * E + e];
        rl_stats_profile(b->boot + (size_t)r * CMP_PROFILE_TAUS, b->sample, n * E, taus, CMP_PROFILE_TAUS);
    }
    for (int k = 0; k < CMP_PROFILE_TAUS; k++) {
        for (int r = 0; r < CMP_PROFILE_BOOT; r++) a->buf[r] = b->boot[(size_t)r * CMP_PROFILE_TAUS + k];
        qsort(a->buf, CMP_PROFILE_BOOT, sizeof(double), cmp_double);
        b->lo[k] = a->buf[(int)floor(0.025 * (CMP_PROFILE_BOOT - 1))];
        b->hi[k] = a->buf[(int)ceil(0.975 * (CMP_PROFILE_BOOT - 1))];
    }
}

static rl_status plot_profile(cmp_analysis *a, const char *path, plot_buf *b, char *err, size_t err_sz)
{
    double smin = INFINITY, smax = -INFINITY;
    for (int v = 0; v < a->V; v++)
        for (int i = 0; i < a->nrun[v] * a->E; i++) {
            double s = a->norm[(size_t)v * CMP_MAX_RUNS + i];
            if (isfinite(s)) smin = fmin(smin, s), smax = fmax(smax, s);
        }
    if (!(smax > smin)) smin = isfinite(smin) ? smin - 0.5 : 0, smax = isfinite(smax) ? smax + 0.5 : 1;
    double taus[CMP_PROFILE_TAUS], frac[CMP_PROFILE_TAUS];
    for (int k = 0; k < CMP_PROFILE_TAUS; k++)
        taus[k] = smin - 0.025 * (smax - smin) + 1.05 * (smax - smin) * k / (CMP_PROFILE_TAUS - 1);
    const double w = FIGURE_COLUMN_W, h = 2.5;
    rl_status st = figure_begin(path, w, h, 1, 1, CMP_TEXT, err, err_sz);
    if (st != RL_OK) return st;
    one_panel(w, h, 0.55);
    plwind(taus[0], taus[CMP_PROFILE_TAUS - 1], 0, 1);
    figure_axes_labelled("bcnst", "bcnstv", true, true, false);
    bool shown[CMP_MAX_VARIANTS] = {false}, banded = false;
    for (int v = 0; v < a->V; v++) shown[v] = a->nrun[v] >= 1;
    double wf, hf;
    legend_fracs(a, shown, w, h, 0.55, &wf, &hf);
    figure_spot spot;
    figure_spot_init(&spot, taus[0], taus[CMP_PROFILE_TAUS - 1], 0, 1, wf, hf);
    for (int v = 0; v < a->V; v++) {
        if (!shown[v]) continue;
        if (a->nrun[v] > 1) {
            profile_band(a, v, taus, b);
            figure_color(v, 0.15);
            band(CMP_PROFILE_TAUS, taus, b->lo, b->hi, b->xs, b->ys);
            figure_spot_curve(&spot, taus, b->lo, CMP_PROFILE_TAUS);
            figure_spot_curve(&spot, taus, b->hi, CMP_PROFILE_TAUS);
            banded = true;
        }
        rl_stats_profile(frac, a->norm + (size_t)v * CMP_MAX_RUNS, a->nrun[v] * a->E, taus, CMP_PROFILE_TAUS);
        figure_color(v, 1.0);
        plwidth(1.5);
        plline(CMP_PROFILE_TAUS, taus, frac);
        plwidth(1);
        figure_spot_curve(&spot, taus, frac, CMP_PROFILE_TAUS);
    }
    plcol0(1);
    pllab("normalised score #gt", "fraction of runs > #gt",
          banded ? "Performance profile, 95% CI" : "Performance profile (n=1: no interval)");
    variant_legend(a, figure_spot_best(&spot), shown);
    figure_end();
    return RL_OK;
}

rl_status cmp_plot_all(cmp_analysis *a, char *err, size_t err_sz)
{
    static const struct { unsigned flag; const char *ext; } formats[] = {
        {COMPARE_PNG, "png"}, {COMPARE_SVG, "svg"}, {COMPARE_PDF, "pdf"}};
    plot_buf b;
    b.xs = rl_xmalloc(2 * CMP_MAX_POINTS * sizeof(double));
    b.ys = rl_xmalloc(2 * CMP_MAX_POINTS * sizeof(double));
    b.x = rl_xmalloc(CMP_MAX_POINTS * sizeof(double));
    b.mid = rl_xmalloc(CMP_MAX_POINTS * sizeof(double));
    b.lo = rl_xmalloc(CMP_MAX_POINTS * sizeof(double));
    b.hi = rl_xmalloc(CMP_MAX_POINTS * sizeof(double));
    b.boot = rl_xmalloc((size_t)CMP_PROFILE_BOOT * CMP_PROFILE_TAUS * sizeof(double));
    b.sample = rl_xmalloc(CMP_MAX_RUNS * sizeof(double));
    rl_status st = RL_OK;
    char path[1200];
    for (size_t f = 0; st == RL_OK && f < sizeof formats / sizeof formats[0]; f++) {
        if (!(a->o.formats & formats[f].flag)) continue;
        for (int e = 0; st == RL_OK && e < a->E; e++) {
            snprintf(path, sizeof path, "%s/curves_%s.%s", a->out_dir, a->rs.envs[e], formats[f].ext);
            st = plot_curves(a, e, path, &b, err, err_sz);
        }
        snprintf(path, sizeof path, "%s/intervals.%s", a->out_dir, formats[f].ext);
        if (st == RL_OK) st = plot_intervals(a, path, err, err_sz);
        snprintf(path, sizeof path, "%s/profile.%s", a->out_dir, formats[f].ext);
        if (st == RL_OK) st = plot_profile(a, path, &b, err, err_sz);
    }
    free(b.xs), free(b.ys), free(b.x), free(b.mid), free(b.lo), free(b.hi), free(b.boot), free(b.sample);
    return st;
}
