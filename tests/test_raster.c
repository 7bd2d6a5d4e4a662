/* rlc tests: the polygon rasterizer of envs/raster.h: which pixels a polygon paints (centres
 * inside, left and top edges closed), shared edges without gaps, clipping, the even-odd rule and
 * the block average. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/raster.h"

static const uint8_t black[3] = {0, 0, 0}, red[3] = {255, 0, 0}, blue[3] = {0, 0, 255};

static bool is(const env_raster *r, int x, int y, const uint8_t c[3])
{
    uint8_t got[3];
    env_raster_get(r, x, y, got);
    return memcmp(got, c, 3) == 0;
}

static int count(const env_raster *r, const uint8_t c[3])
{
    int n = 0;
    for (int y = 0; y < r->height; y++)
        for (int x = 0; x < r->width; x++) n += is(r, x, y, c);
    return n;
}

Test(raster, square_paints_the_pixels_whose_centres_it_holds)
{
    env_raster r;
    env_raster_alloc(&r, 4, 4);
    const double sq[8] = {1, 1, 3, 1, 3, 3, 1, 3};
    env_raster_polygon(&r, sq, 4, red);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            cr_assert_eq(is(&r, x, y, red), x >= 1 && x <= 2 && y >= 1 && y <= 2, "(%d, %d)", x, y);
    free(r.px);
}

/* the centres (i + 0.5, j + 0.5) strictly below x + y = 4: i + j <= 2, six pixels (a centre on
 * the right edge is left out) */
Test(raster, triangle_and_its_edges)
{
    env_raster r;
    env_raster_alloc(&r, 4, 4);
    const double tri[6] = {0, 0, 4, 0, 0, 4};
    env_raster_polygon(&r, tri, 3, red);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) cr_assert_eq(is(&r, x, y, red), x + y <= 2, "(%d, %d)", x, y);
    free(r.px);
}

/* two triangles sharing a diagonal cover the square once: no pixel left, whatever the order */
Test(raster, shared_edges_leave_no_gap)
{
    env_raster r;
    env_raster_alloc(&r, 16, 16);
    const double a[6] = {0.3, 0.7, 15.2, 0.7, 15.2, 14.9}, b[6] = {0.3, 0.7, 15.2, 14.9, 0.3, 14.9};
    env_raster_polygon(&r, a, 3, red);
    env_raster_polygon(&r, b, 3, blue);
    int n_red = count(&r, red), n_blue = count(&r, blue);
    /* rows 1..14 (centres 1.5 .. 14.5 in [0.7, 14.9)), columns 0..14 (centres in [0.3, 15.2)) */
    cr_assert_eq(n_red + n_blue, 14 * 15, "%d + %d", n_red, n_blue);
    cr_assert_gt(n_red, 0);
    cr_assert_gt(n_blue, 0);
    free(r.px);
}

Test(raster, clipping_and_bad_input)
{
    env_raster r;
    env_raster_alloc(&r, 8, 8);
    const double big[8] = {-1e9, -1e9, 1e9, -1e9, 1e9, 1e9, -1e9, 1e9};
    env_raster_polygon(&r, big, 4, red);
    cr_assert_eq(count(&r, red), 64);
    env_raster_clear(&r, black);
    const double off[8] = {10, 10, 20, 10, 20, 20, 10, 20}, left[8] = {-5, 2, 1, 2, 1, 4, -5, 4};
    env_raster_polygon(&r, off, 4, red);
    cr_assert_eq(count(&r, red), 0);
    env_raster_polygon(&r, left, 4, red);
    cr_assert_eq(count(&r, red), 2, "column 0 of rows 2 and 3");
    const double nan_poly[6] = {0, 0, NAN, 0, 0, 4};
    env_raster_polygon(&r, nan_poly, 3, blue);
    env_raster_polygon(&r, big, 2, blue);
    cr_assert_eq(count(&r, blue), 0);
    free(r.px);
}

/* a bow tie (self-crossing): the even-odd rule paints both wings */
Test(raster, even_odd)
{
    env_raster r;
    env_raster_alloc(&r, 8, 8);
    const double tie[8] = {0, 0, 8, 8, 8, 0, 0, 8};
    env_raster_polygon(&r, tie, 4, red);
    cr_assert(is(&r, 0, 3, red) && is(&r, 7, 3, red) && !is(&r, 3, 0, red) && !is(&r, 3, 7, red));
    free(r.px);
}

Test(raster, downsample_rounds_the_block_mean)
{
    env_raster src;
    env_raster_alloc(&src, 4, 2);
    uint8_t dst[6];
    const double left[8] = {0, 0, 1, 0, 1, 2, 0, 2}, right[8] = {2, 0, 4, 0, 4, 1, 2, 1};
    env_raster_polygon(&src, left, 4, red);    /* 2 of the first block's 4 pixels */
    env_raster_polygon(&src, right, 4, blue);  /* 2 of the second's */
    env_raster_downsample(&src, 2, dst);
    cr_assert(dst[0] == 128 && dst[1] == 0 && dst[2] == 0, "%d %d %d", dst[0], dst[1], dst[2]);
    cr_assert(dst[3] == 0 && dst[4] == 0 && dst[5] == 128, "%d %d %d", dst[3], dst[4], dst[5]);
    free(src.px);
}
