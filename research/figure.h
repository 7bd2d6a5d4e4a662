/* rlc research: PLplot figures sized for papers, shared by rlc plot and rlc compare.
 *
 * The file name picks the device: .png (cairo, 200 dots per inch), .svg or .pdf (cairo, vector).
 * Sizes are in inches, so a figure is the same size in every format: FIGURE_COLUMN_W is one
 * column of a two-column paper, FIGURE_PAGE_W the full text width. Colours: 0 white background,
 * 1 black, 2.. the palette (the tab10 order) for series, then a light grey for grids. */
#ifndef RLC_RESEARCH_FIGURE_H
#define RLC_RESEARCH_FIGURE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

#define FIGURE_COLUMN_W 3.5
#define FIGURE_PAGE_W 7.0

/* true when path ends in .png, .svg or .pdf */
bool figure_path_ok(const char *path);
/* Starts a figure at path (width x height inches) of panels_x x panels_y panels (pladv(0) moves
 * to the next); RL_ERR_ARG for another extension, RL_ERR_IO naming path when it cannot be
 * written (a read-only directory, a directory in its place). Text is scaled by text_scale (1 = PLplot's
 * default height). */
rl_status figure_begin(const char *path, double width_in, double height_in, int panels_x, int panels_y,
                       double text_scale, char *err, size_t err_sz);
/* Finishes the figure and writes the file. */
void figure_end(void);
/* Draws light grid lines (when asked) under black axes: plbox's options xopt / yopt without 'g'. */
void figure_axes(const char *xopt, const char *yopt, bool xgrid, bool ygrid);
/* The same with plain tick labels, never the "(x10^4)" exponent PLplot would place past the
 * frame's right edge: the x axis in steps (0, 50k, 100k, 1.5M) when x_steps, else as numbers
 * (%g) like the y axis. xopt / yopt as for figure_axes, without 'o' (added here). */
void figure_axes_labelled(const char *xopt, const char *yopt, bool xgrid, bool ygrid, bool x_steps);
/* A tick label for an axis value: with steps 0, 500, 50k, 1.5M, else %g. */
void figure_tick_label(double value, bool steps, char *out, size_t out_sz);

/* The axis range for data spanning [lo, hi]: frac of the span added on each side, so points at
 * the ends are not cut by the frame; a flat range (lo == hi) gets 5% of |lo| on each side (1 when
 * lo is 0) instead of a span of rounding noise. */
void figure_pad_range(double lo, double hi, double frac, double *out_lo, double *out_hi);

/* Where a legend covers the least data: a corner of the plot window [x0, x1] x [y0, y1] for a
 * legend box w_frac x h_frac of the window, chosen by counting the points of the curves given
 * (each segment sampled along its length) that fall under it in each corner. */
typedef struct {
    double x0, x1, y0, y1, w_frac, h_frac;
    int count[4];   /* top left, top right, bottom right, bottom left */
} figure_spot;
void figure_spot_init(figure_spot *s, double x0, double x1, double y0, double y1, double w_frac, double h_frac);
void figure_spot_curve(figure_spot *s, const double *x, const double *y, int n);
/* the emptiest corner as PLplot position flags (PL_POSITION_TOP | PL_POSITION_LEFT, ...); ties
 * go to top left, then top right, bottom right, bottom left */
int figure_spot_best(const figure_spot *s);
/* The legend box's size as fractions of a plot w_in x h_in inches for n entries whose longest
 * name has longest characters, at text scale text_scale. */
void figure_legend_size(int n, size_t longest, double text_scale, double w_in, double h_in, double *w_frac,
                        double *h_frac);
/* pllegend's background colour: white, partly transparent, so data under it still shows */
int figure_legend_bg(void);

/* Selects series colour i (cycling through the palette) with opacity alpha in [0, 1]. */
void figure_color(int i, double alpha);
/* The palette index figure_color(i, .) selects (for pllegend's colour arrays). */
int figure_color_index(int i);

#endif
