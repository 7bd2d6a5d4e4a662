/* rlc research: PLplot figure set-up for rlc plot and rlc compare (see figure.h). */
#include "research/figure.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define FIGURE_PNG_DPI 200.0
#define FIGURE_POINTS 72.0   /* the cairo vector devices count in points */

static const unsigned char palette[][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
                                           {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                                           {188, 189, 34}, {23, 190, 207}};
#define N_PALETTE ((int)(sizeof palette / sizeof palette[0]))
#define FIGURE_GRID_COLOR (2 + N_PALETTE)
#define FIGURE_LEGEND_BG (3 + N_PALETTE)

static const char *device_of(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && strcasecmp(path + n - 4, ".png") == 0) return "pngcairo";
    if (n > 4 && strcasecmp(path + n - 4, ".svg") == 0) return "svgcairo";
    if (n > 4 && strcasecmp(path + n - 4, ".pdf") == 0) return "pdfcairo";
    return NULL;
}

bool figure_path_ok(const char *path) { return device_of(path) != NULL; }

/* PLplot ends the process ("IMMEDIATE EXIT") when it cannot open its file: open it here first,
 * without truncating a file that exists, and remove it again if this created it */
static rl_status figure_writable(const char *path, char *err, size_t err_sz)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    bool created = fd >= 0;
    if (!created && errno == EEXIST) fd = open(path, O_WRONLY);
    if (fd < 0) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write the figure: %s", path, strerror(errno));
    close(fd);
    if (created) unlink(path);
    return RL_OK;
}

rl_status figure_begin(const char *path, double width_in, double height_in, int panels_x, int panels_y,
                       double text_scale, char *err, size_t err_sz)
{
    const char *dev = device_of(path);
    if (!dev) return rl_errf(err, err_sz, RL_ERR_ARG, "%s: expected a file name ending in .png, .svg or .pdf", path);
    rl_status st = figure_writable(path, err, err_sz);
    if (st != RL_OK) return st;
    bool png = strcmp(dev, "pngcairo") == 0;
    double dpi = png ? FIGURE_PNG_DPI : FIGURE_POINTS;
    plsdev(dev);
    plsfnam(path);
    plspage(dpi, dpi, (PLINT)(width_in * dpi + 0.5), (PLINT)(height_in * dpi + 0.5), 0, 0);
    plscmap0n(4 + N_PALETTE);
    plscol0(0, 255, 255, 255);
    plscol0(1, 0, 0, 0);
    plscol0(FIGURE_GRID_COLOR, 215, 215, 215);
    plscol0a(FIGURE_LEGEND_BG, 255, 255, 255, 0.75);
    for (int i = 0; i < N_PALETTE; i++) plscol0(2 + i, palette[i][0], palette[i][1], palette[i][2]);
    plssub(panels_x, panels_y);
    plinit();
    plfont(1);
    plschr(0, text_scale);
    return RL_OK;
}

void figure_end(void) { plend(); }

void figure_axes(const char *xopt, const char *yopt, bool xgrid, bool ygrid)
{
    if (xgrid || ygrid) {
        plcol0(FIGURE_GRID_COLOR);
        plwidth(0.5);
        plbox(xgrid ? "g" : "", 0, 0, ygrid ? "g" : "", 0, 0);
        plwidth(1);
    }
    plcol0(1);
    plbox(xopt, 0, 0, yopt, 0, 0);
}

int figure_color_index(int i) { return 2 + i % N_PALETTE; }

void figure_color(int i, double alpha)
{
    const unsigned char *c = palette[i % N_PALETTE];
    plscol0a(figure_color_index(i), c[0], c[1], c[2], alpha);
    plcol0(figure_color_index(i));
}

int figure_legend_bg(void) { return FIGURE_LEGEND_BG; }

/* ---- axis labels and ranges ------------------------------------------------------------------ */

void figure_tick_label(double value, bool steps, char *out, size_t out_sz)
{
    double a = fabs(value);
    if (!steps || a < 1000) snprintf(out, out_sz, "%g", value);
    else if (a < 1e6) snprintf(out, out_sz, "%gk", value / 1e3);
    else if (a < 1e9) snprintf(out, out_sz, "%gM", value / 1e6);
    else snprintf(out, out_sz, "%gG", value / 1e9);
}

static void label_plain(PLINT axis, PLFLT value, char *label, PLINT length, PLPointer data)
{
    const bool x_steps = data != NULL;
    /* PLplot's tick values carry rounding (0.30000000000000004): 6 significant digits */
    char buf[64];
    snprintf(buf, sizeof buf, "%.6g", value);
    double v = strtod(buf, NULL);
    figure_tick_label(v, x_steps && axis == PL_X_AXIS, label, (size_t)length);
}

void figure_axes_labelled(const char *xopt, const char *yopt, bool xgrid, bool ygrid, bool x_steps)
{
    static int steps_flag;
    char xo[32], yo[32];
    snprintf(xo, sizeof xo, "%so", xopt);
    snprintf(yo, sizeof yo, "%so", yopt);
    plslabelfunc(label_plain, x_steps ? &steps_flag : NULL);
    figure_axes(xo, yo, xgrid, ygrid);
    plslabelfunc(NULL, NULL);
}

void figure_pad_range(double lo, double hi, double frac, double *out_lo, double *out_hi)
{
    double pad = hi > lo ? frac * (hi - lo) : fabs(lo) > 0 ? 0.05 * fabs(lo) : 1.0;
    *out_lo = lo - pad;
    *out_hi = hi + pad;
}

/* ---- where the legend goes -------------------------------------------------------------------- */

#define FIGURE_SPOT_SAMPLES 16   /* points sampled along each segment */

void figure_spot_init(figure_spot *s, double x0, double x1, double y0, double y1, double w_frac, double h_frac)
{
    *s = (figure_spot){.x0 = x0, .x1 = x1, .y0 = y0, .y1 = y1, .w_frac = w_frac, .h_frac = h_frac};
}

static void spot_point(figure_spot *s, double x, double y)
{
    double u = (x - s->x0) / (s->x1 - s->x0), v = (y - s->y0) / (s->y1 - s->y0);
    if (!isfinite(u) || !isfinite(v)) return;
    bool left = u <= s->w_frac, right = u >= 1 - s->w_frac, top = v >= 1 - s->h_frac, bottom = v <= s->h_frac;
    s->count[0] += top && left;
    s->count[1] += top && right;
    s->count[2] += bottom && right;
    s->count[3] += bottom && left;
}

void figure_spot_curve(figure_spot *s, const double *x, const double *y, int n)
{
    if (n == 1) spot_point(s, x[0], y[0]);
    for (int i = 0; i + 1 < n; i++)
        for (int k = 0; k < FIGURE_SPOT_SAMPLES; k++) {
            double t = (double)k / FIGURE_SPOT_SAMPLES;
            spot_point(s, x[i] + t * (x[i + 1] - x[i]), y[i] + t * (y[i + 1] - y[i]));
        }
    if (n > 1) spot_point(s, x[n - 1], y[n - 1]);
}

int figure_spot_best(const figure_spot *s)
{
    static const int corners[4] = {PL_POSITION_TOP | PL_POSITION_LEFT, PL_POSITION_TOP | PL_POSITION_RIGHT,
                                   PL_POSITION_BOTTOM | PL_POSITION_RIGHT, PL_POSITION_BOTTOM | PL_POSITION_LEFT};
    int best = 0;
    for (int c = 1; c < 4; c++)
        if (s->count[c] < s->count[best]) best = c;
    return corners[best];
}

void figure_legend_size(int n, size_t longest, double text_scale, double w_in, double h_in, double *w_frac,
                        double *h_frac)
{
    /* PLplot's default character is about 0.075 inch high and 0.06 inch wide at scale 1; a line
     * sample and margins take about 0.45 inch */
    double w = 0.45 + 0.06 * text_scale * (double)longest, h = 0.08 + 0.15 * text_scale * n;
    *w_frac = fmin(0.9, w / w_in);
    *h_frac = fmin(0.9, h / h_in);
}
