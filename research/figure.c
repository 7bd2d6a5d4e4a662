/* rlc research: PLplot figure set-up for rlc plot and rlc compare (see figure.h). */
#include "research/figure.h"

#include <errno.h>
#include <fcntl.h>
#include <plplot.h>
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
    plscmap0n(3 + N_PALETTE);
    plscol0(0, 255, 255, 255);
    plscol0(1, 0, 0, 0);
    plscol0(FIGURE_GRID_COLOR, 215, 215, 215);
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
