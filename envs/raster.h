/* rlc envs: a small software rasterizer for environments that draw their own observation (the
 * picture is the state, as CarRacing's 96 x 96 frame) and for their rlc record frames, where
 * cairo's output could differ between versions and machines: this one gives the same bytes
 * everywhere.
 *
 * An RGB canvas (rows top to bottom, 3 bytes a pixel) is filled with solid polygons sampled at
 * the pixel centres (a pixel is painted when its centre (x + 0.5, y + 0.5) is inside, by the
 * even-odd rule, edges closed on the left and top), then antialiased by drawing on a canvas f
 * times larger on each side and averaging each f x f block (env_raster_downsample; the average is
 * rounded to nearest). Nothing allocates but env_raster_alloc. */
#ifndef RLC_ENVS_RASTER_H
#define RLC_ENVS_RASTER_H

#include <stdint.h>

/* the most points of one polygon */
#define ENV_RASTER_MAX_POINTS 32

typedef struct {
    uint8_t *rgb;        /* (height, width, 3) */
    int width, height;
} env_raster;

/* a canvas of width x height pixels (zeroed; free(r->rgb) frees it); aborts when memory runs out */
void env_raster_alloc(env_raster *r, int width, int height);
/* every pixel to colour c (R, G, B) */
void env_raster_clear(env_raster *r, const uint8_t c[3]);
/* fills the polygon of n (3..ENV_RASTER_MAX_POINTS) points xy (x0, y0, x1, y1, ...; pixels, y
 * down) with colour c; the parts outside the canvas are clipped, a polygon with fewer points or a
 * non-finite coordinate draws nothing */
void env_raster_polygon(env_raster *r, const double *xy, int n, const uint8_t c[3]);
/* dst (src's size divided by f >= 1 on each side) receives the rounded mean of each f x f block */
void env_raster_downsample(const env_raster *src, int f, env_raster *dst);

#endif
