/* rlc research: rlc compare: collect runs, statistics per variant and environment, the report
 * (terminal, Markdown, CSV) and the PLplot figures. */
#include "research/compare.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <plplot.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/config.h"
#include "core/fs.h"
#include "research/stats.h"
#include "envs/env.h"

#define CMP_MAX_RUNS 4096
#define CMP_MAX_POINTS 4096
#define CMP_MAX_VARIANTS 64
#define CMP_MAX_ENVS 16
#define CMP_RANDOM_EPISODES 50

typedef struct {
    char variant[256];
    char env[RL_STR_MAX];
    char dir[1024];
    int n;                       /* points of the curve */
    int64_t *steps;
    double *vals;
    double final;
} run_rec;

typedef struct {
    run_rec *runs;
    int n_runs;
    char variants[CMP_MAX_VARIANTS][256];
    int n_variants;
    char envs[CMP_MAX_ENVS][RL_STR_MAX];
    int n_envs;
} run_set;

void compare_opts_default(compare_opts *o)
{
    memset(o, 0, sizeof *o);
    o->metric = "eval_return";
    o->at = -1;
    o->n_boot = 2000;
    o->plots = true;
}

/* ---- reading runs ------------------------------------------------------------------------ */

/* reads (step, column) pairs of a CSV; returns the count or -1 when the column is missing */
static int read_series(const char *path, const char *column, int64_t *steps, double *vals, int max)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return -1;
    char line[8192];
    int col = -1, n = 0;
    if (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        int i = 0;
        for (char *tok = strtok(line, ","); tok; tok = strtok(NULL, ","), i++)
            if (strcmp(tok, column) == 0) col = i;
    }
    while (col >= 0 && n < max && fgets(line, sizeof line, fp)) {
        char *p = line;
        double step = strtod(p, NULL), v = NAN;
        for (int i = 0; i < col && p; i++) {
            p = strchr(p, ',');
            if (p) p++;
        }
        if (!p) continue;
        v = strtod(p, NULL);
        steps[n] = (int64_t)step;
        vals[n++] = v;
    }
    fclose(fp);
    return col < 0 ? -1 : n;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int find_or_add(char (*list)[256], int *n, int max, const char *s)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(list[i], s) == 0) return i;
    if (*n == max) return -1;
    snprintf(list[*n], 256, "%s", s);
    return (*n)++;
}

static rl_status add_run(run_set *rs, const char *root, const char *dir, const compare_opts *o, char *err,
                         size_t err_sz)
{
    char path[1100];
    rl_config cfg;
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    char msg[512];
    if (rl_config_load(&cfg, path, NULL, 0, msg, sizeof msg) != RL_OK)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: cannot read the run's config: %s", dir, msg);
    if (rs->n_runs == CMP_MAX_RUNS) return rl_errf(err, err_sz, RL_ERR_ARG, "more than %d runs", CMP_MAX_RUNS);
    run_rec *r = &rs->runs[rs->n_runs];
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    snprintf(r->env, sizeof r->env, "%s", cfg.env.id);
    /* variant: the path under root without the seed_<k> and <env> levels */
    const char *rel = dir + strlen(root);
    while (*rel == '/') rel++;
    char v[1024];
    snprintf(v, sizeof v, "%s", rel);
    char *last = strrchr(v, '/');
    if (strncmp(last ? last + 1 : v, "seed_", 5) == 0) {
        if (last) *last = '\0';
        else v[0] = '\0';
        last = strrchr(v, '/');
        if (last && strcmp(last + 1, cfg.env.id) == 0) *last = '\0';
    }
    snprintf(r->variant, sizeof r->variant, "%s", v[0] ? v : ".");
    r->steps = rl_xmalloc(CMP_MAX_POINTS * sizeof(int64_t));
    r->vals = rl_xmalloc(CMP_MAX_POINTS * sizeof(double));
    int eval = strcmp(o->metric, "eval_return") == 0;
    snprintf(path, sizeof path, "%s/%s", dir, eval ? "eval.csv" : "metrics.csv");
    int n = read_series(path, eval ? "return_mean" : o->metric, r->steps, r->vals, CMP_MAX_POINTS);
    if (n < 0) {
        free(r->steps);
        free(r->vals);
        return rl_errf(err, err_sz, RL_ERR_ARG, "%s: no column '%s' (eval_return or a metrics.csv column)", path,
                       eval ? "return_mean" : o->metric);
    }
    /* keep rows up to --at */
    if (o->at >= 0)
        while (n > 0 && r->steps[n - 1] > o->at) n--;
    if (n == 0) {   /* a run with nothing to report yet is left out */
        free(r->steps);
        free(r->vals);
        return RL_OK;
    }
    r->n = n;
    r->final = r->vals[n - 1];
    if (find_or_add(rs->variants, &rs->n_variants, CMP_MAX_VARIANTS, r->variant) < 0 ||
        find_or_add(rs->envs, &rs->n_envs, CMP_MAX_ENVS, r->env) < 0)
        return rl_errf(err, err_sz, RL_ERR_ARG, "too many variants or environments");
    rs->n_runs++;
    return RL_OK;
}

static rl_status walk(run_set *rs, const char *root, const char *dir, int depth, const compare_opts *o,
                      char *err, size_t err_sz)
{
    char p1[1100], p2[1100];
    snprintf(p1, sizeof p1, "%s/eval.csv", dir);
    snprintf(p2, sizeof p2, "%s/config.yaml", dir);
    if (rl_is_file(p1) && rl_is_file(p2)) return add_run(rs, root, dir, o, err, err_sz);
    if (depth > 6) return RL_OK;
    DIR *d = opendir(dir);
    if (!d) return RL_OK;
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        names = realloc(names, (size_t)(n + 1) * sizeof *names);
        names[n] = rl_xmalloc(strlen(e->d_name) + 1);
        strcpy(names[n++], e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    rl_status st = RL_OK;
    for (int i = 0; i < n; i++) {
        char sub[1100];
        snprintf(sub, sizeof sub, "%s/%s", dir, names[i]);
        if (st == RL_OK && rl_is_dir(sub)) st = walk(rs, root, sub, depth + 1, o, err, err_sz);
        free(names[i]);
    }
    free(names);
    return st;
}

/* ---- random-policy reference ------------------------------------------------------------- */

static double random_return(const char *env_id)
{
    env_instance e;
    char err[256];
    if (env_make(&e, env_id, 0, err, sizeof err) != RL_OK) return NAN;
    rl_rng rng;
    rl_rng_seed(&rng, 0, 77);
    float obs[ENV_MAX_DIM], act[ENV_MAX_DIM];
    const env_space *as = &e.def->act_space;
    double total = 0.0;
    for (int ep = 0; ep < CMP_RANDOM_EPISODES; ep++) {
        env_reset(&e, ep, obs);
        bool term = false, trunc = false;
        double ret = 0.0;
        while (!term && !trunc) {
            if (as->kind == ENV_SPACE_DISCRETE) {
                act[0] = (float)rl_rng_below(&rng, (uint32_t)as->n);
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
    return total / CMP_RANDOM_EPISODES;
}

/* ---- plotting ---------------------------------------------------------------------------- */

static const unsigned char palette[][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
                                           {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                                           {188, 189, 34}, {23, 190, 207}};
#define N_PALETTE ((int)(sizeof palette / sizeof palette[0]))

static void plot_begin(const char *path)
{
    plsdev("pngcairo");
    plsfnam(path);
    plspage(0, 0, 960, 640, 0, 0);
    plscmap0n(2 + N_PALETTE);
    plscol0(0, 255, 255, 255);
    plscol0(1, 0, 0, 0);
    for (int i = 0; i < N_PALETTE; i++) plscol0(2 + i, palette[i][0], palette[i][1], palette[i][2]);
    plinit();
}

static void set_color(int variant, double alpha)
{
    const unsigned char *c = palette[variant % N_PALETTE];
    plscol0a(2 + variant % N_PALETTE, c[0], c[1], c[2], alpha);
    plcol0(2 + variant % N_PALETTE);
}

/* a legend at (x0, y0) in data units: a line of length len, then the variant's name */
static void legend(const run_set *rs, double x0, double y0, double dy, double len)
{
    for (int v = 0; v < rs->n_variants; v++) {
        set_color(v, 1.0);
        PLFLT xs[2] = {x0, x0 + len}, ys[2] = {y0 - v * dy, y0 - v * dy};
        plwidth(3);
        plline(2, xs, ys);
        plwidth(1);
        plcol0(1);
        plptex(x0 + 1.25 * len, y0 - v * dy, 1, 0, 0, rs->variants[v]);
    }
}

/* ---- the report -------------------------------------------------------------------------- */

typedef struct {
    int n;
    double mean, std, median, iqm, lo, hi;
} cell;

static int collect(const run_set *rs, int v, int env, double *out)
{
    int n = 0;
    for (int i = 0; i < rs->n_runs; i++)
        if (strcmp(rs->runs[i].variant, rs->variants[v]) == 0 && strcmp(rs->runs[i].env, rs->envs[env]) == 0)
            out[n++] = rs->runs[i].final;
    return n;
}

rl_status compare_runs(const char *runs_dir, const compare_opts *opts, FILE *out, char *err, size_t err_sz)
{
    compare_opts o;
    compare_opts_default(&o);
    if (opts) {
        if (opts->metric) o.metric = opts->metric;
        o.at = opts->at;
        if (opts->n_boot > 1) o.n_boot = opts->n_boot;
        o.seed = opts->seed;
        o.out_dir = opts->out_dir;
        o.plots = opts->plots;
    }
    if (!rl_is_dir(runs_dir)) return rl_errf(err, err_sz, RL_ERR_IO, "%s: not a directory", runs_dir);
    const char *out_dir = o.out_dir ? o.out_dir : runs_dir;
    char root[1024];
    snprintf(root, sizeof root, "%s", runs_dir);
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/') root[--rl] = '\0';

    run_set rs = {0};
    rs.runs = rl_xcalloc(CMP_MAX_RUNS, sizeof(run_rec));
    rl_status st = walk(&rs, root, root, 0, &o, err, err_sz);
    if (st == RL_OK && rs.n_runs == 0)
        st = rl_errf(err, err_sz, RL_ERR_NOT_FOUND, "%s: no runs with results (a run is a directory with config.yaml and eval.csv)", runs_dir);
    if (st != RL_OK) goto done;

    /* sort variants and envs for a stable report */
    qsort(rs.variants, (size_t)rs.n_variants, sizeof rs.variants[0], (int (*)(const void *, const void *))strcmp);
    qsort(rs.envs, (size_t)rs.n_envs, sizeof rs.envs[0], (int (*)(const void *, const void *))strcmp);

    int V = rs.n_variants, E = rs.n_envs;
    cell cells[CMP_MAX_VARIANTS][CMP_MAX_ENVS];
    double *buf = rl_xmalloc(CMP_MAX_RUNS * sizeof(double));
    double *scratch = rl_xmalloc((2 * CMP_MAX_RUNS + o.n_boot + 16) * sizeof(double));
    rl_rng rng;
    rl_rng_seed(&rng, o.seed, 0xc0ffee);
    for (int v = 0; v < V; v++)
        for (int e = 0; e < E; e++) {
            cell *c = &cells[v][e];
            c->n = collect(&rs, v, e, buf);
            if (!c->n) continue;
            c->mean = rl_stats_mean(buf, c->n);
            c->std = rl_stats_std(buf, c->n);
            c->median = rl_stats_median(buf, c->n, scratch);
            if (c->n > 1) rl_stats_bootstrap_ci(RL_AGG_IQM, buf, c->n, 1, o.n_boot, 0.95, &rng, &c->iqm, &c->lo, &c->hi, scratch);
            else c->iqm = c->lo = c->hi = buf[0];
        }

    /* normalisation references */
    double rand_ret[CMP_MAX_ENVS], ref[CMP_MAX_ENVS];
    int ref_is_threshold[CMP_MAX_ENVS];
    for (int e = 0; e < E; e++) {
        const env_def *def = env_find(rs.envs[e]);
        rand_ret[e] = random_return(rs.envs[e]);
        ref_is_threshold[e] = def && !isnan(def->reward_threshold);
        ref[e] = ref_is_threshold[e] ? def->reward_threshold : -INFINITY;
        if (!ref_is_threshold[e])
            for (int v = 0; v < V; v++)
                if (cells[v][e].n && cells[v][e].mean > ref[e]) ref[e] = cells[v][e].mean;
    }
    /* normalised score matrix per variant: runs x envs (the smallest run count across envs) */
    int nrun[CMP_MAX_VARIANTS];
    double *norm = rl_xmalloc((size_t)V * CMP_MAX_RUNS * sizeof(double));
    cell agg[CMP_MAX_VARIANTS];
    for (int v = 0; v < V; v++) {
        nrun[v] = CMP_MAX_RUNS;
        for (int e = 0; e < E; e++) nrun[v] = cells[v][e].n < nrun[v] ? cells[v][e].n : nrun[v];
        double *m = norm + (size_t)v * CMP_MAX_RUNS;
        for (int e = 0; e < E; e++) {
            int n = collect(&rs, v, e, buf);
            double den = ref[e] - rand_ret[e];
            for (int r = 0; r < nrun[v] && r < n; r++)
                m[r * E + e] = fabs(den) > 1e-12 ? (buf[r] - rand_ret[e]) / den : NAN;
        }
        agg[v].n = nrun[v];
        if (nrun[v] > 1) {
            rl_stats_bootstrap_ci(RL_AGG_IQM, m, nrun[v], E, o.n_boot, 0.95, &rng, &agg[v].iqm, &agg[v].lo, &agg[v].hi, scratch);
            agg[v].mean = rl_stats_mean(m, nrun[v] * E);
        } else if (nrun[v] == 1) {
            agg[v].iqm = agg[v].lo = agg[v].hi = agg[v].mean = rl_stats_mean(m, E);
        }
    }

    /* terminal table */
    fprintf(out, "%d runs, %d variants, %d environments; metric %s%s\n", rs.n_runs, V, E, o.metric,
            o.at >= 0 ? " (at the last row <= --at)" : " (each run's last row)");
    for (int e = 0; e < E; e++) {
        fprintf(out, "\n%s (random policy %.1f, reference %.1f%s)\n", rs.envs[e], rand_ret[e], ref[e],
                ref_is_threshold[e] ? " = registered threshold" : " = best variant mean");
        fprintf(out, "  %-40s %4s %10s %9s %10s %10s  %-22s\n", "variant", "n", "mean", "std", "median", "IQM", "95% CI of IQM");
        for (int v = 0; v < V; v++) {
            cell *c = &cells[v][e];
            if (!c->n) continue;
            char ci[64];
            snprintf(ci, sizeof ci, "[%.2f, %.2f]", c->lo, c->hi);
            fprintf(out, "  %-40s %4d %10.2f %9.2f %10.2f %10.2f  %-22s\n", rs.variants[v], c->n, c->mean, c->std, c->median, c->iqm, ci);
        }
    }
    if (E > 1) {
        fprintf(out, "\nall environments, normalised (score - random) / (reference - random)\n");
        for (int v = 0; v < V; v++)
            fprintf(out, "  %-40s %4d runs  IQM %.3f  95%% CI [%.3f, %.3f]\n", rs.variants[v], agg[v].n, agg[v].iqm, agg[v].lo, agg[v].hi);
    }
    fprintf(out, "\nprobability of improvement P(row > column) over all environments, with 95%% CI\n");
    double poi[CMP_MAX_VARIANTS][CMP_MAX_VARIANTS][3];
    for (int a = 0; a < V; a++)
        for (int b = 0; b < V; b++) {
            if (a == b || nrun[a] < 1 || nrun[b] < 1) continue;
            double *x = norm + (size_t)a * CMP_MAX_RUNS, *y = norm + (size_t)b * CMP_MAX_RUNS;
            rl_stats_prob_improvement_ci(x, nrun[a], y, nrun[b], E, o.n_boot, 0.95, &rng, &poi[a][b][0],
                                         &poi[a][b][1], &poi[a][b][2], scratch);
            fprintf(out, "  P(%s > %s) = %.3f [%.3f, %.3f]\n", rs.variants[a], rs.variants[b], poi[a][b][0],
                    poi[a][b][1], poi[a][b][2]);
        }

    /* CSV and Markdown */
    char path[1100];
    snprintf(path, sizeof path, "%s/summary.csv", out_dir);
    FILE *csv = fopen(path, "w");
    snprintf(path, sizeof path, "%s/report.md", out_dir);
    FILE *md = fopen(path, "w");
    if (!csv || !md) {
        if (csv) fclose(csv);
        if (md) fclose(md);
        st = rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write the report: %s", out_dir, strerror(errno));
        free(buf); free(scratch); free(norm);
        goto done;
    }
    fprintf(csv, "env,variant,runs,mean,std,median,iqm,iqm_ci_low,iqm_ci_high\n");
    fprintf(md, "# Comparison of %s\n\nMetric: `%s`, %s. %d runs. Intervals are 95%% stratified-bootstrap "
                "percentile intervals (%d resamples) of the interquartile mean (Agarwal et al., NeurIPS 2021).\n",
            runs_dir, o.metric, o.at >= 0 ? "last value at or before --at" : "each run's last value", rs.n_runs, o.n_boot);
    for (int e = 0; e < E; e++) {
        fprintf(md, "\n## %s\n\nRandom policy %.1f; reference %.1f (%s).\n\n| variant | runs | mean | std | median | IQM | 95%% CI |\n|---|---|---|---|---|---|---|\n",
                rs.envs[e], rand_ret[e], ref[e], ref_is_threshold[e] ? "registered threshold" : "best variant mean");
        for (int v = 0; v < V; v++) {
            cell *c = &cells[v][e];
            if (!c->n) continue;
            fprintf(md, "| %s | %d | %.2f | %.2f | %.2f | %.2f | [%.2f, %.2f] |\n", rs.variants[v], c->n, c->mean, c->std, c->median, c->iqm, c->lo, c->hi);
            fprintf(csv, "%s,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", rs.envs[e], rs.variants[v], c->n, c->mean, c->std, c->median, c->iqm, c->lo, c->hi);
        }
    }
    if (E > 1) {
        fprintf(md, "\n## All environments (normalised)\n\n| variant | runs | IQM | 95%% CI |\n|---|---|---|---|\n");
        for (int v = 0; v < V; v++)
            fprintf(md, "| %s | %d | %.3f | [%.3f, %.3f] |\n", rs.variants[v], agg[v].n, agg[v].iqm, agg[v].lo, agg[v].hi);
    }
    fprintf(md, "\n## Probability of improvement\n\n| P(row > column) |");
    for (int b = 0; b < V; b++) fprintf(md, " %s |", rs.variants[b]);
    fprintf(md, "\n|---|");
    for (int b = 0; b < V; b++) fprintf(md, "---|");
    for (int a = 0; a < V; a++) {
        fprintf(md, "\n| %s |", rs.variants[a]);
        for (int b = 0; b < V; b++) {
            if (a == b || nrun[a] < 1 || nrun[b] < 1) fprintf(md, " - |");
            else fprintf(md, " %.2f [%.2f, %.2f] |", poi[a][b][0], poi[a][b][1], poi[a][b][2]);
        }
    }
    fprintf(md, "\n");
    if (o.plots) {
        fprintf(md, "\n## Plots\n\n");
        for (int e = 0; e < E; e++) fprintf(md, "![%s](curves_%s.png)\n\n", rs.envs[e], rs.envs[e]);
        fprintf(md, "![intervals](intervals.png)\n\n![performance profile](profile.png)\n");
    }
    fclose(csv);
    fclose(md);

    if (o.plots) {
        /* sample-efficiency curves: IQM over runs at each evaluation, with a 95% band */
        double *xs = rl_xmalloc(2 * CMP_MAX_POINTS * sizeof(double)), *ys = rl_xmalloc(2 * CMP_MAX_POINTS * sizeof(double));
        double *lo = rl_xmalloc(CMP_MAX_POINTS * sizeof(double)), *hi = rl_xmalloc(CMP_MAX_POINTS * sizeof(double));
        double *mid = rl_xmalloc(CMP_MAX_POINTS * sizeof(double));
        for (int e = 0; e < E; e++) {
            snprintf(path, sizeof path, "%s/curves_%s.png", out_dir, rs.envs[e]);
            double xmax = 1, ymin = INFINITY, ymax = -INFINITY;
            for (int i = 0; i < rs.n_runs; i++) {
                if (strcmp(rs.runs[i].env, rs.envs[e]) != 0) continue;
                for (int k = 0; k < rs.runs[i].n; k++) {
                    xmax = fmax(xmax, (double)rs.runs[i].steps[k]);
                    ymin = fmin(ymin, rs.runs[i].vals[k]);
                    ymax = fmax(ymax, rs.runs[i].vals[k]);
                }
            }
            if (!(ymax > ymin)) { ymin -= 1; ymax += 1; }
            plot_begin(path);
            plcol0(1);
            plenv(0, xmax, ymin, ymax + 0.25 * (ymax - ymin), 0, 0);
            char title[512];
            snprintf(title, sizeof title, "%s: IQM of %s over runs, 95%% CI", rs.envs[e], o.metric);
            pllab("environment steps", o.metric, title);
            for (int v = 0; v < V; v++) {
                /* the runs of this variant; points by row index up to the shortest run */
                int idx[CMP_MAX_RUNS], nr = 0, np = CMP_MAX_POINTS;
                for (int i = 0; i < rs.n_runs; i++)
                    if (strcmp(rs.runs[i].variant, rs.variants[v]) == 0 && strcmp(rs.runs[i].env, rs.envs[e]) == 0) {
                        idx[nr++] = i;
                        np = rs.runs[i].n < np ? rs.runs[i].n : np;
                    }
                if (!nr) continue;
                for (int k = 0; k < np; k++) {
                    for (int r = 0; r < nr; r++) buf[r] = rs.runs[idx[r]].vals[k];
                    xs[k] = (double)rs.runs[idx[0]].steps[k];
                    if (nr > 1) rl_stats_bootstrap_ci(RL_AGG_IQM, buf, nr, 1, 500, 0.95, &rng, &mid[k], &lo[k], &hi[k], scratch);
                    else mid[k] = lo[k] = hi[k] = buf[0];
                }
                for (int k = 0; k < np; k++) {
                    ys[k] = lo[k];
                    xs[2 * np - 1 - k] = xs[k];
                    ys[2 * np - 1 - k] = hi[k];
                }
                set_color(v, 0.25);
                if (np > 1) plfill(2 * np, xs, ys);
                set_color(v, 1.0);
                plwidth(2);
                plline(np, xs, mid);
                plwidth(1);
            }
            legend(&rs, 0.03 * xmax, ymax + 0.2 * (ymax - ymin), 0.06 * (ymax - ymin), 0.05 * xmax);
            plend();
        }
        /* interval plot: IQM and its CI per variant (aggregate over environments when several) */
        snprintf(path, sizeof path, "%s/intervals.png", out_dir);
        double xmin = INFINITY, xmax2 = -INFINITY;
        for (int v = 0; v < V; v++) {
            const cell *c = E > 1 ? &agg[v] : &cells[v][0];
            xmin = fmin(xmin, c->lo);
            xmax2 = fmax(xmax2, c->hi);
        }
        if (!(xmax2 > xmin)) { xmin -= 1; xmax2 += 1; }
        double pad = 0.1 * (xmax2 - xmin);
        plot_begin(path);
        plcol0(1);
        plenv(xmin - pad, xmax2 + pad, 0, V + 1, 0, 0);
        pllab(E > 1 ? "normalised IQM (95% CI)" : "IQM (95% CI)", "", E > 1 ? "all environments" : rs.envs[0]);
        for (int v = 0; v < V; v++) {
            const cell *c = E > 1 ? &agg[v] : &cells[v][0];
            double y = V - v;
            PLFLT bx[4] = {c->lo, c->hi, c->hi, c->lo}, by[4] = {y - 0.3, y - 0.3, y + 0.3, y + 0.3};
            set_color(v, 0.6);
            plfill(4, bx, by);
            set_color(v, 1.0);
            PLFLT px[2] = {c->iqm, c->iqm}, py[2] = {y - 0.35, y + 0.35};
            plwidth(3);
            plline(2, px, py);
            plwidth(1);
            plcol0(1);
            plptex(xmin - pad * 0.8, y + 0.4, 1, 0, 0, rs.variants[v]);
        }
        plend();
        /* performance profile over normalised scores */
        snprintf(path, sizeof path, "%s/profile.png", out_dir);
        double smin = INFINITY, smax = -INFINITY;
        for (int v = 0; v < V; v++)
            for (int i = 0; i < nrun[v] * E; i++) {
                double s = norm[(size_t)v * CMP_MAX_RUNS + i];
                smin = fmin(smin, s);
                smax = fmax(smax, s);
            }
        if (!(smax > smin)) { smin -= 0.5; smax += 0.5; }
        enum { NT = 200 };
        double taus[NT], frac[NT];
        for (int k = 0; k < NT; k++) taus[k] = smin + (smax - smin) * 1.05 * k / (NT - 1) - 0.025 * (smax - smin);
        plot_begin(path);
        plcol0(1);
        plenv(taus[0], taus[NT - 1], 0, 1.3, 0, 0);
        pllab("normalised score tau", "fraction of runs with score > tau", "performance profile");
        for (int v = 0; v < V; v++) {
            if (nrun[v] < 1) continue;
            rl_stats_profile(frac, norm + (size_t)v * CMP_MAX_RUNS, nrun[v] * E, taus, NT);
            set_color(v, 1.0);
            plwidth(2);
            plline(NT, taus, frac);
            plwidth(1);
        }
        legend(&rs, taus[0] + 0.03 * (taus[NT - 1] - taus[0]), 1.25, 0.07, 0.05 * (taus[NT - 1] - taus[0]));
        plend();
        free(xs); free(ys); free(lo); free(hi); free(mid);
    }
    fprintf(out, "\nreport: %s/report.md, %s/summary.csv%s\n", out_dir, out_dir, o.plots ? ", plots: curves_<env>.png, intervals.png, profile.png" : "");
    free(buf);
    free(scratch);
    free(norm);
done:
    for (int i = 0; i < rs.n_runs; i++) {
        free(rs.runs[i].steps);
        free(rs.runs[i].vals);
    }
    free(rs.runs);
    return st;
}
