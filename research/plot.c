/* rlc research: rlc plot: evaluation and training curves of runs with PLplot (see plot.h). */
#include "research/plot.h"

#include <math.h>
#include <stdbool.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "research/figure.h"
#include "core/fs.h"

#define PLOT_MAX_ROWS 1000000
#define PLOT_MAX_COLS 3
#define PLOT_TEXT 0.75                       /* text scale */
#define PLOT_PANEL_H 2.6                     /* inches */
#define PLOT_PANEL_W (FIGURE_PAGE_W / 2 - 0.6)   /* a panel's plot area, about */

/* one curve: rows of (step, value[, spread]) with finite values */
typedef struct {
    int n, cap;
    double *x, *y, *s;   /* (n) */
} curve;

typedef struct {
    char name[256];
    curve eval, train;
} run_curves;

static void curve_free(curve *c)
{
    free(c->x);
    free(c->y);
    free(c->s);
    memset(c, 0, sizeof *c);
}

static bool grow(double **a, int cap)
{
    double *p = realloc(*a, (size_t)cap * sizeof(double));
    if (p) *a = p;
    return p != NULL;
}

static bool curve_push(curve *c, double x, double y, double s)
{
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 256;
        if (!grow(&c->x, cap) || !grow(&c->y, cap) || !grow(&c->s, cap)) return false;
        c->cap = cap;
    }
    c->x[c->n] = x;
    c->y[c->n] = y;
    c->s[c->n++] = s;
    return true;
}

/* the column indexes of names in a CSV header line (-1 when absent) */
static void header_columns(char *line, const char *const *names, int k, int *cols)
{
    for (int j = 0; j < k; j++) cols[j] = -1;
    line[strcspn(line, "\r\n")] = '\0';
    int i = 0;
    for (char *tok = strtok(line, ","); tok; tok = strtok(NULL, ","), i++)
        for (int j = 0; j < k; j++)
            if (names[j] && strcmp(tok, names[j]) == 0) cols[j] = i;
}

/* reads columns step, value and (when spread is not NULL) spread of a CSV into c, keeping rows
 * whose step and value are finite */
static rl_status read_curve(const char *path, const char *value, const char *spread, curve *c, char *err, size_t err_sz)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot read", path);
    char line[16384];
    const char *names[PLOT_MAX_COLS] = {"step", value, spread};
    int cols[PLOT_MAX_COLS];
    if (!fgets(line, sizeof line, fp)) line[0] = '\0';
    header_columns(line, names, PLOT_MAX_COLS, cols);
    if (cols[0] < 0 || cols[1] < 0) {
        fclose(fp);
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: no '%s' column in the header (is it an rlc run's file?)", path,
                       cols[0] < 0 ? "step" : value);
    }
    while (c->n < PLOT_MAX_ROWS && fgets(line, sizeof line, fp)) {
        double v[PLOT_MAX_COLS] = {NAN, NAN, 0.0};
        char *p = line;
        for (int i = 0; p; i++) {
            for (int j = 0; j < PLOT_MAX_COLS; j++)
                if (cols[j] == i) v[j] = strtod(p, NULL);
            p = strchr(p, ',');
            if (p) p++;
        }
        if (isfinite(v[0]) && isfinite(v[1]) && !curve_push(c, v[0], v[1], isfinite(v[2]) ? v[2] : 0.0)) {
            fclose(fp);
            return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: out of memory", path);
        }
    }
    fclose(fp);
    return RL_OK;
}

/* the run's legend name: its directory's last component, or the last two for .../seed_<k> */
static void run_name(const char *dir, char *out, size_t out_sz)
{
    char d[1024];
    snprintf(d, sizeof d, "%s", dir);
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == '/') d[--n] = '\0';
    char *last = strrchr(d, '/');
    if (last && strncmp(last + 1, "seed_", 5) == 0) {
        *last = '\0';
        char *prev = strrchr(d, '/');
        *last = '/';
        last = prev;
    }
    snprintf(out, out_sz, "%s", last ? last + 1 : d);
}

static rl_status load_run(const char *dir, run_curves *r, char *err, size_t err_sz)
{
    char ev[1100], mt[1100];
    snprintf(ev, sizeof ev, "%s/eval.csv", dir);
    snprintf(mt, sizeof mt, "%s/metrics.csv", dir);
    bool has_ev = rl_is_file(ev), has_mt = rl_is_file(mt);
    if (!has_ev && !has_mt)
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: not a run directory (no eval.csv or metrics.csv in it)", dir);
    run_name(dir, r->name, sizeof r->name);
    rl_status st = has_ev ? read_curve(ev, "return_mean", "return_std", &r->eval, err, err_sz) : RL_OK;
    if (st == RL_OK && has_mt) st = read_curve(mt, "return_mean", NULL, &r->train, err, err_sz);
    if (st == RL_OK && r->eval.n == 0 && r->train.n == 0)
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: eval.csv and metrics.csv have no rows with a return yet (nothing to plot)", dir);
    return st;
}

/* ---- drawing ------------------------------------------------------------------------------ */

static void curve_bounds(const run_curves *runs, int n, bool eval, double *xmax, double *ymin, double *ymax)
{
    *xmax = 1;
    *ymin = INFINITY;
    *ymax = -INFINITY;
    for (int r = 0; r < n; r++) {
        const curve *c = eval ? &runs[r].eval : &runs[r].train;
        for (int i = 0; i < c->n; i++) {
            *xmax = fmax(*xmax, c->x[i]);
            *ymin = fmin(*ymin, c->y[i] - c->s[i]);
            *ymax = fmax(*ymax, c->y[i] + c->s[i]);
        }
    }
    if (!isfinite(*ymin) || !isfinite(*ymax)) *ymin = *ymax = 0;   /* no points: figure_pad_range opens it */
}

/* a band of +- spread around the curve, then the curve */
static void draw_curve(const curve *c, int color, double *band_x, double *band_y)
{
    if (c->n == 0) return;
    bool spread = false;
    for (int i = 0; i < c->n; i++) {
        band_x[i] = band_x[2 * c->n - 1 - i] = c->x[i];
        band_y[i] = c->y[i] - c->s[i];
        band_y[2 * c->n - 1 - i] = c->y[i] + c->s[i];
        spread = spread || c->s[i] > 0;
    }
    if (spread && c->n > 1) {
        figure_color(color, 0.2);
        plfill(2 * c->n, band_x, band_y);
    }
    figure_color(color, 1.0);
    plwidth(1.5);
    if (c->n > 1) plline(c->n, c->x, c->y);
    else plpoin(1, c->x, c->y, 17);
    plwidth(1);
}

/* the corner of the panel where the legend covers the least of the curves (and their bands) */
static int legend_corner(const run_curves *runs, int n, const double *win, double *band_y)
{
    size_t longest = 1;
    for (int r = 0; r < n; r++) longest = strlen(runs[r].name) > longest ? strlen(runs[r].name) : longest;
    double wf, hf;
    figure_legend_size(n, longest, PLOT_TEXT, PLOT_PANEL_W, PLOT_PANEL_H - 0.7, &wf, &hf);
    figure_spot spot;
    figure_spot_init(&spot, win[0], win[1], win[2], win[3], wf, hf);
    for (int r = 0; r < n; r++) {
        const curve *c = &runs[r].eval;
        figure_spot_curve(&spot, c->x, c->y, c->n);
        for (int sign = -1; sign <= 1; sign += 2) {
            for (int i = 0; i < c->n; i++) band_y[i] = c->y[i] + sign * c->s[i];
            figure_spot_curve(&spot, c->x, band_y, c->n);
        }
    }
    return figure_spot_best(&spot);
}

static void draw_legend(const run_curves *runs, int n, int position)
{
    PLINT opts[PLOT_MAX_RUNS], colors[PLOT_MAX_RUNS], styles[PLOT_MAX_RUNS], text_colors[PLOT_MAX_RUNS];
    PLFLT widths[PLOT_MAX_RUNS];
    const char *names[PLOT_MAX_RUNS];
    for (int r = 0; r < n; r++) {
        figure_color(r, 1.0);
        opts[r] = PL_LEGEND_LINE;
        colors[r] = figure_color_index(r);
        styles[r] = 1;
        widths[r] = 1.5;
        text_colors[r] = 1;
        names[r] = runs[r].name;
    }
    PLFLT w, h;
    plcol0(1);
    pllegend(&w, &h, PL_LEGEND_BACKGROUND, PL_POSITION_INSIDE | position, 0.02, 0.02, 0.08, figure_legend_bg(), 1, 1,
             0, 0, n, opts, 0.8, 0.8, 1.6, 0.0, text_colors, names, NULL, NULL, NULL, NULL, colors,
             styles, widths, NULL, NULL, NULL, NULL);
}

static void draw_panel(const run_curves *runs, int n, bool eval, double *band_x, double *band_y)
{
    double xmax, ymin, ymax, win[4];
    curve_bounds(runs, n, eval, &xmax, &ymin, &ymax);
    figure_pad_range(0, xmax, 0.03, &win[0], &win[1]);   /* a point at the last step stays whole */
    figure_pad_range(ymin, ymax, 0.05, &win[2], &win[3]);
    pladv(0);
    plvsta();
    plwind(win[0], win[1], win[2], win[3]);
    figure_axes_labelled("bcnst", "bcnstv", false, true, true);
    pllab("environment steps", eval ? "evaluation return" : "training episode return",
          eval ? "Evaluation (deterministic policy, +-1 std)" : "Training episodes");
    for (int r = 0; r < n; r++) draw_curve(eval ? &runs[r].eval : &runs[r].train, r, band_x, band_y);
    if (eval) draw_legend(runs, n, legend_corner(runs, n, win, band_y));   /* once, in the left panel */
}

static rl_status out_dir_ok(const char *out, char *err, size_t err_sz)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", out);
    char *slash = strrchr(dir, '/');
    if (!slash) return RL_OK;
    if (slash == dir) slash[1] = '\0';
    else *slash = '\0';
    return rl_is_dir(dir) ? RL_OK : rl_errf(err, err_sz, RL_ERR_IO, "%s: the directory %s does not exist", out, dir);
}

rl_status plot_runs(const char *const *paths, int n, const char *out, char *err, size_t err_sz)
{
    if (n < 1 || n > PLOT_MAX_RUNS)
        return rl_errf(err, err_sz, RL_ERR_ARG, "%d runs: expected 1..%d run directories", n, PLOT_MAX_RUNS);
    if (!figure_path_ok(out))
        return rl_errf(err, err_sz, RL_ERR_ARG, "%s: expected a file name ending in .png, .svg or .pdf", out);
    rl_status st = out_dir_ok(out, err, err_sz);
    run_curves runs[PLOT_MAX_RUNS];
    memset(runs, 0, sizeof runs);
    int most = 1;
    for (int r = 0; st == RL_OK && r < n; r++) {
        st = load_run(paths[r], &runs[r], err, err_sz);
        most = runs[r].eval.n > most ? runs[r].eval.n : most;
        most = runs[r].train.n > most ? runs[r].train.n : most;
    }
    double *band_x = st == RL_OK ? malloc(2 * (size_t)most * sizeof(double)) : NULL;
    double *band_y = st == RL_OK ? malloc(2 * (size_t)most * sizeof(double)) : NULL;
    if (st == RL_OK && (!band_x || !band_y)) st = rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    if (st == RL_OK) st = figure_begin(out, FIGURE_PAGE_W, PLOT_PANEL_H, 2, 1, PLOT_TEXT, err, err_sz);
    if (st == RL_OK) {
        draw_panel(runs, n, true, band_x, band_y);
        draw_panel(runs, n, false, band_x, band_y);
        figure_end();
    }
    free(band_x);
    free(band_y);
    for (int r = 0; r < n; r++) {
        curve_free(&runs[r].eval);
        curve_free(&runs[r].train);
    }
    return st;
}
