/* rlc envs: the polygon rasterizer of envs/raster.h: one scanline pass per polygon. */
#include "envs/raster.h"

#include <math.h>
#include <string.h>

#include "core/status.h"

void env_raster_alloc(env_raster *r, int width, int height)
{
    RL_ASSERT(width > 0 && height > 0);
    r->rgb = rl_xcalloc((size_t)width * (size_t)height * 3, 1);
    r->width = width;
    r->height = height;
}

void env_raster_clear(env_raster *r, const uint8_t c[3])
{
    size_t n = (size_t)r->width * (size_t)r->height;
    for (size_t i = 0; i < n; i++) memcpy(r->rgb + 3 * i, c, 3);
}

/* paints pixels x0 .. x1 - 1 of row y */
static void fill_span(env_raster *r, int y, int x0, int x1, const uint8_t c[3])
{
    if (x0 < 0) x0 = 0;
    if (x1 > r->width) x1 = r->width;
    if (x0 >= x1) return;
    uint8_t *p = r->rgb + ((size_t)y * r->width + (size_t)x0) * 3;
    for (int x = x0; x < x1; x++, p += 3) memcpy(p, c, 3);
}

/* the x where each edge crosses the line y = yc (an edge counts when yc is in [its lower y, its
 * upper y)), sorted; returns how many */
static int crossings(const double *xy, int n, double yc, double *xs)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        const double *a = xy + 2 * i, *b = xy + 2 * ((i + 1) % n);
        if ((a[1] <= yc && yc < b[1]) || (b[1] <= yc && yc < a[1])) {
            double x = a[0] + (yc - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            int j = k++;
            for (; j > 0 && xs[j - 1] > x; j--) xs[j] = xs[j - 1];   /* insertion sort */
            xs[j] = x;
        }
    }
    return k;
}

/* the first pixel whose centre lies at or right of x, clamped into [-1, width + 1] */
static int first_pixel(double x, int width)
{
    double p = ceil(x - 0.5);
    if (p < -1.0) return -1;
    if (p > width + 1.0) return width + 1;
    return (int)p;
}

void env_raster_polygon(env_raster *r, const double *xy, int n, const uint8_t c[3])
{
    if (n < 3 || n > ENV_RASTER_MAX_POINTS) return;
    double ymin = xy[1], ymax = xy[1];
    for (int i = 0; i < n; i++) {
        if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1])) return;
        ymin = fmin(ymin, xy[2 * i + 1]);
        ymax = fmax(ymax, xy[2 * i + 1]);
    }
    /* rows whose centre y + 0.5 lies in [ymin, ymax) */
    double lo = fmax(ceil(ymin - 0.5), 0.0), hi = fmin(ceil(ymax - 0.5), (double)r->height);
    double xs[ENV_RASTER_MAX_POINTS];
    for (int y = (int)lo; y < (int)hi; y++) {
        int k = crossings(xy, n, y + 0.5, xs);
        for (int i = 0; i + 1 < k; i += 2)
            fill_span(r, y, first_pixel(xs[i], r->width), first_pixel(xs[i + 1], r->width), c);
    }
}

void env_raster_downsample(const env_raster *src, int f, env_raster *dst)
{
    RL_ASSERT(f >= 1 && dst->width * f == src->width && dst->height * f == src->height);
    const unsigned half = (unsigned)(f * f) / 2, area = (unsigned)(f * f);
    for (int y = 0; y < dst->height; y++)
        for (int x = 0; x < dst->width; x++) {
            unsigned sum[3] = {0, 0, 0};
            for (int j = 0; j < f; j++) {
                const uint8_t *p = src->rgb + ((size_t)(y * f + j) * src->width + (size_t)x * f) * 3;
                for (int i = 0; i < 3 * f; i += 3) {
                    sum[0] += p[i];
                    sum[1] += p[i + 1];
                    sum[2] += p[i + 2];
                }
            }
            uint8_t *o = dst->rgb + ((size_t)y * dst->width + x) * 3;
            for (int ch = 0; ch < 3; ch++) o[ch] = (uint8_t)((sum[ch] + half) / area);
        }
}
