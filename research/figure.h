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
/* Selects series colour i (cycling through the palette) with opacity alpha in [0, 1]. */
void figure_color(int i, double alpha);
/* The palette index figure_color(i, .) selects (for pllegend's colour arrays). */
int figure_color_index(int i);

#endif
