/* rlc envs: the polygon rasterizer of envs/raster.h: one scanline pass per polygon. */
#include "envs/raster.h"

#include <math.h>

#include "core/status.h"

void env_raster_alloc(env_raster *r, int width, int height)
{
    RL_ASSERT(width > 0 && height > 0);
    r->px = rl_xcalloc((size_t)width * (size_t)height, sizeof(uint32_t));
    r->width = width;
    r->height = height;
}

static uint32_t pack(const uint8_t c[3]) { return (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2]; }

void env_raster_clear(env_raster *r, const uint8_t c[3])
{
    uint32_t v = pack(c);
    size_t n = (size_t)r->width * (size_t)r->height;
    for (size_t i = 0; i < n; i++) r->px[i] = v;
}

void env_raster_get(const env_raster *r, int x, int y, uint8_t out[3])
{
    uint32_t v = r->px[(size_t)y * r->width + x];
    out[0] = (uint8_t)(v >> 16);
    out[1] = (uint8_t)(v >> 8);
    out[2] = (uint8_t)v;
}

/* paints pixels x0 .. x1 - 1 of row y */
static void fill_span(env_raster *r, int y, int x0, int x1, uint32_t v)
{
    if (x0 < 0) x0 = 0;
    if (x1 > r->width) x1 = r->width;
    uint32_t *p = r->px + (size_t)y * r->width;
    for (int x = x0; x < x1; x++) p[x] = v;
}

/* the x where each edge crosses the line y = yc (an edge counts when yc is in [its lower y, its
 * upper y)), sorted; returns how many */
static int crossings(const double *xy, int n, double yc, double *xs)
{
    int k = 0;
    for (int i = 0, prev = n - 1; i < n; prev = i++) {
        const double *a = xy + 2 * prev, *b = xy + 2 * i;
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
    double xmin = xy[0], xmax = xy[0], ymin = xy[1], ymax = xy[1];
    for (int i = 0; i < n; i++) {
        if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1])) return;
        double x = xy[2 * i], y = xy[2 * i + 1];
        xmin = x < xmin ? x : xmin;
        xmax = x > xmax ? x : xmax;
        ymin = y < ymin ? y : ymin;
        ymax = y > ymax ? y : ymax;
    }
    if (xmax < 0 || xmin > r->width) return;   /* wholly left or right of the canvas */
    /* rows whose centre y + 0.5 lies in [ymin, ymax) */
    double lo = fmax(ceil(ymin - 0.5), 0.0), hi = fmin(ceil(ymax - 0.5), (double)r->height);
    double xs[ENV_RASTER_MAX_POINTS];
    uint32_t v = pack(c);
    for (int y = (int)lo; y < (int)hi; y++) {
        int k = crossings(xy, n, y + 0.5, xs);
        for (int i = 0; i + 1 < k; i += 2)
            fill_span(r, y, first_pixel(xs[i], r->width), first_pixel(xs[i + 1], r->width), v);
    }
}

/* output columns summed at once: a strip of f rows is read row by row, contiguously */
#define DS_CHUNK 256

void env_raster_downsample(const env_raster *src, int f, uint8_t *rgb)
{
    RL_ASSERT(f >= 1 && f <= 16 && src->width % f == 0 && src->height % f == 0);
    const int w = src->width / f, h = src->height / f;
    const uint32_t area = (uint32_t)(f * f), half = area / 2;
    uint32_t rb[DS_CHUNK], g[DS_CHUNK];   /* red and blue 16 bits apart (each at most 255 f^2), green */
    for (int y = 0; y < h; y++)
        for (int x0 = 0; x0 < w; x0 += DS_CHUNK) {
            int n = w - x0 < DS_CHUNK ? w - x0 : DS_CHUNK;
            for (int x = 0; x < n; x++) rb[x] = g[x] = 0;
            for (int j = 0; j < f; j++) {
                const uint32_t *p = src->px + (size_t)(y * f + j) * src->width + (size_t)x0 * f;
                for (int x = 0; x < n; x++)
                    for (int i = 0; i < f; i++) {
                        rb[x] += p[x * f + i] & 0xFF00FFu;
                        g[x] += p[x * f + i] & 0x00FF00u;
                    }
            }
            uint8_t *o = rgb + ((size_t)y * w + x0) * 3;
            for (int x = 0; x < n; x++, o += 3) {
                o[0] = (uint8_t)(((rb[x] >> 16) + half) / area);
                o[1] = (uint8_t)(((g[x] >> 8) + half) / area);
                o[2] = (uint8_t)(((rb[x] & 0xFFFFu) + half) / area);
            }
        }
}
