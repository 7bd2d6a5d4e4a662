/* rlc envs: a small software rasterizer for environments that draw their own observation (the
 * picture is the state, as CarRacing's 96 x 96 frame) and for their rlc record frames, where
 * cairo's output could differ between versions and machines: this one gives the same bytes
 * everywhere.
 *
 * A canvas of 0x00RRGGBB pixels (rows top to bottom) is filled with solid polygons sampled at the
 * pixel centres (a pixel is painted when its centre (x + 0.5, y + 0.5) is inside, by the even-odd
 * rule, edges closed on the left and top), then antialiased by drawing on a canvas f times larger
 * on each side and averaging each f x f block into RGB bytes (env_raster_downsample; the average is
 * rounded to nearest). Nothing allocates but env_raster_alloc. */
#ifndef RLC_ENVS_RASTER_H
#define RLC_ENVS_RASTER_H

#include <stdint.h>

/* the most points of one polygon */
#define ENV_RASTER_MAX_POINTS 32

typedef struct {
    uint32_t *px;        /* (height, width) pixels 0x00RRGGBB */
    int width, height;
} env_raster;

/* a canvas of width x height pixels (zeroed: black; free(r->px) frees it); aborts when memory
 * runs out */
void env_raster_alloc(env_raster *r, int width, int height);
/* every pixel to colour c (R, G, B) */
void env_raster_clear(env_raster *r, const uint8_t c[3]);
/* fills the polygon of n (3..ENV_RASTER_MAX_POINTS) points xy (x0, y0, x1, y1, ...; pixels, y
 * down) with colour c; the parts outside the canvas are clipped, a polygon with fewer points or a
 * non-finite coordinate draws nothing */
void env_raster_polygon(env_raster *r, const double *xy, int n, const uint8_t c[3]);
/* the pixel (x, y) as R, G, B */
void env_raster_get(const env_raster *r, int x, int y, uint8_t out[3]);
/* rgb (src's height / f rows of src's width / f pixels, R, G, B bytes each; both sizes multiples
 * of f >= 1) receives the rounded mean of each f x f block */
void env_raster_downsample(const env_raster *src, int f, uint8_t *rgb);

#endif
