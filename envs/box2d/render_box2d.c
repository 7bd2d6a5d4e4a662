/* rlc envs/box2d: cairo drawings of the Box2D environments for rlc record, after Gymnasium's
 * renderer: its 600 x 400 screen (SCALE 30 pixels a unit) scaled to the frame, y up, the same
 * colours. LunarLander: the black sky above the white moon's surface, the lander and its legs
 * (filled, outlined), the helipad's two flags, and the last step's engine flames as discs at the
 * points where the impulses acted, coloured by power the way Gymnasium colours a new particle
 * (Gymnasium's particles are bodies that fall and fade over later frames; nothing here changes
 * the simulation). BipedalWalker: Gymnasium's camera, which follows the hull a fifth of the
 * viewport from the left, the sky, the clouds (at half the scroll), the ground and grass, the
 * obstacles, the walker and the start flag (Gymnasium's lidar flicker is left out). */
#include <cairo.h>
#include <math.h>
#include <string.h>

#include "envs/box2d/box2d.h"
#include "envs/render.h"

#define RB_SCALE 30.0
#define RB_W 600.0
#define RB_H 400.0

static void rgb(cairo_t *cr, int r, int g, int b) { cairo_set_source_rgb(cr, r / 255.0, g / 255.0, b / 255.0); }

/* white, then y-up pixels of Gymnasium's screen scaled to the frame */
static void begin(cairo_t *cr, int width, int height)
{
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_translate(cr, 0, height);
    cairo_scale(cr, width / RB_W, -height / RB_H);
}

/* the path of n points xy (body frame, Box2D units) of body b, in pixels */
static void body_path(cairo_t *cr, const b2c_body *b, const double (*xy)[2], int n)
{
    cairo_new_path(cr);
    for (int i = 0; i < n; i++) {
        float x, y;
        b2c_body_world_point(b, (float)xy[i][0], (float)xy[i][1], &x, &y);
        cairo_line_to(cr, x * RB_SCALE, y * RB_SCALE);
    }
    cairo_close_path(cr);
}

static void fill_outline(cairo_t *cr)
{
    rgb(cr, 128, 102, 230);
    cairo_fill_preserve(cr);
    rgb(cr, 77, 77, 128);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
}

static void flame(cairo_t *cr, const double *at, double power)
{
    if (power <= 0) return;
    double red = power + 0.15 > 1 ? 1 : power + 0.15, other = 0.5 * power < 0.2 ? 0.2 : 0.5 * power;
    cairo_set_source_rgb(cr, red, other, other);
    cairo_new_path(cr);
    cairo_arc(cr, at[0] * RB_SCALE, at[1] * RB_SCALE, 4.0, 0, 2 * M_PI);
    cairo_fill(cr);
}

static void draw_lunar_lander(void *c, const void *state, int width, int height)
{
    cairo_t *cr = c;
    const env_lunar_lander_state *s = state;
    begin(cr, width, height);
    if (!s->world) return;   /* not reset yet */
    rgb(cr, 0, 0, 0);
    for (int i = 0; i + 1 < LL_CHUNKS; i++) {   /* the sky above each segment */
        cairo_move_to(cr, s->terrain_x[i] * RB_SCALE, s->terrain_y[i] * RB_SCALE);
        cairo_line_to(cr, s->terrain_x[i + 1] * RB_SCALE, s->terrain_y[i + 1] * RB_SCALE);
        cairo_line_to(cr, s->terrain_x[i + 1] * RB_SCALE, RB_H);
        cairo_line_to(cr, s->terrain_x[i] * RB_SCALE, RB_H);
        cairo_close_path(cr);
        cairo_fill(cr);
    }
    flame(cr, s->main_at, s->main_power);
    flame(cr, s->side_at, s->side_power);
    static const double hull[6][2] = {{-14 / RB_SCALE, 17 / RB_SCALE}, {-17 / RB_SCALE, 0},
                                      {-17 / RB_SCALE, -10 / RB_SCALE}, {17 / RB_SCALE, -10 / RB_SCALE},
                                      {17 / RB_SCALE, 0},               {14 / RB_SCALE, 17 / RB_SCALE}};
    static const double leg[4][2] = {{-2 / RB_SCALE, -8 / RB_SCALE}, {2 / RB_SCALE, -8 / RB_SCALE},
                                     {2 / RB_SCALE, 8 / RB_SCALE}, {-2 / RB_SCALE, 8 / RB_SCALE}};
    body_path(cr, s->lander, hull, 6);
    fill_outline(cr);
    for (int k = 0; k < 2; k++) {
        body_path(cr, s->legs[k], leg, 4);
        fill_outline(cr);
    }
    double xs[2] = {s->helipad_x1 * RB_SCALE, s->helipad_x2 * RB_SCALE}, y1 = s->helipad_y * RB_SCALE, y2 = y1 + 50;
    for (int k = 0; k < 2; k++) {
        rgb(cr, 255, 255, 255);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, xs[k], y1);
        cairo_line_to(cr, xs[k], y2);
        cairo_stroke(cr);
        rgb(cr, 204, 204, 0);
        cairo_move_to(cr, xs[k], y2);
        cairo_line_to(cr, xs[k], y2 - 10);
        cairo_line_to(cr, xs[k] + 25, y2 - 5);
        cairo_close_path(cr);
        cairo_fill(cr);
    }
}

static void bw_poly(cairo_t *cr, const float (*xy)[2], int n, double dx)
{
    cairo_new_path(cr);
    for (int i = 0; i < n; i++) cairo_line_to(cr, (xy[i][0] + dx) * RB_SCALE, xy[i][1] * RB_SCALE);
    cairo_close_path(cr);
}

static void bw_ground(cairo_t *cr, const env_bipedal_walker_state *s)
{
    /* the ground as one polygon under the surface (separate fills would show seams) */
    rgb(cr, 102, 153, 76);
    cairo_move_to(cr, s->terrain_x[0] * RB_SCALE, 0);
    for (int i = 0; i < BW_TERRAIN_LENGTH; i++) cairo_line_to(cr, s->terrain_x[i] * RB_SCALE, s->terrain_y[i] * RB_SCALE);
    cairo_line_to(cr, s->terrain_x[BW_TERRAIN_LENGTH - 1] * RB_SCALE, 0);
    cairo_close_path(cr);
    cairo_fill(cr);
    cairo_set_line_width(cr, 1.5);
    for (int i = 0; i + 1 < BW_TERRAIN_LENGTH; i++) {   /* the grass, alternately light and dark */
        if (s->terrain_x[i + 1] < s->scroll || s->terrain_x[i] > s->scroll + RB_W / RB_SCALE) continue;
        rgb(cr, 76, i % 2 == 0 ? 255 : 204, 76);
        cairo_move_to(cr, s->terrain_x[i] * RB_SCALE, s->terrain_y[i] * RB_SCALE);
        cairo_line_to(cr, s->terrain_x[i + 1] * RB_SCALE, s->terrain_y[i + 1] * RB_SCALE);
        cairo_stroke(cr);
    }
    for (int k = 0; k < s->n_polys; k++) {
        bw_poly(cr, s->polys[k], 4, 0);
        rgb(cr, 255, 255, 255);
        cairo_fill_preserve(cr);
        rgb(cr, 153, 153, 153);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
    }
}

/* a body part: its box or polygon of n points, filled and outlined */
static void bw_part(cairo_t *cr, const b2c_body *b, const double (*xy)[2], int n, const int *fill, const int *line)
{
    body_path(cr, b, xy, n);
    rgb(cr, fill[0], fill[1], fill[2]);
    cairo_fill_preserve(cr);
    rgb(cr, line[0], line[1], line[2]);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
}

static void draw_bipedal_walker(void *c, const void *state, int width, int height)
{
    cairo_t *cr = c;
    const env_bipedal_walker_state *s = state;
    begin(cr, width, height);
    rgb(cr, 215, 215, 255);
    cairo_paint(cr);
    if (!s->world) return;
    cairo_translate(cr, -s->scroll * RB_SCALE, 0);
    rgb(cr, 255, 255, 255);
    for (int k = 0; k < BW_CLOUDS; k++) {   /* the clouds move at half the scroll */
        bw_poly(cr, s->clouds[k], 5, s->scroll / 2);
        cairo_fill(cr);
    }
    bw_ground(cr, s);
    const double lw = 8.0 / RB_SCALE / 2, lh = 34.0 / RB_SCALE / 2;
    const double upper[4][2] = {{-lw, -lh}, {lw, -lh}, {lw, lh}, {-lw, lh}};
    const double lower[4][2] = {{-0.8 * lw, -lh}, {0.8 * lw, -lh}, {0.8 * lw, lh}, {-0.8 * lw, lh}};
    for (int k = 0; k < 2; k++) {   /* Gymnasium's colours for i = -1, +1: the far leg darker */
        int d = k == 0 ? 25 : -25;
        const int fill[3] = {153 + d, 76 + d, 127 + d}, line[3] = {102 + d, 51 + d, 76 + d};
        bw_part(cr, s->legs[2 * k], upper, 4, fill, line);
        bw_part(cr, s->legs[2 * k + 1], lower, 4, fill, line);
    }
    static const double hull[5][2] = {{-30 / RB_SCALE, 9 / RB_SCALE}, {6 / RB_SCALE, 9 / RB_SCALE},
                                      {34 / RB_SCALE, 1 / RB_SCALE},  {34 / RB_SCALE, -8 / RB_SCALE},
                                      {-30 / RB_SCALE, -8 / RB_SCALE}};
    const int hf[3] = {127, 51, 229}, hl[3] = {76, 76, 127};
    bw_part(cr, s->hull, hull, 5, hf, hl);
    double fx = 3 * 14.0, fy1 = 400.0 / 4, fy2 = fy1 + 50;   /* the flag at the third point */
    rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, fx, fy1);
    cairo_line_to(cr, fx, fy2);
    cairo_stroke(cr);
    rgb(cr, 230, 51, 0);
    cairo_move_to(cr, fx, fy2);
    cairo_line_to(cr, fx, fy2 - 10);
    cairo_line_to(cr, fx + 25, fy2 - 5);
    cairo_close_path(cr);
    cairo_fill(cr);
}

static const env_render_classic box2d_renderers[] = {
    {"BipedalWalker-v3", 600, 400, 50, draw_bipedal_walker},
    {"BipedalWalkerHardcore-v3", 600, 400, 50, draw_bipedal_walker},
    {"LunarLander-v3", 600, 400, 50, draw_lunar_lander},
    {"LunarLanderContinuous-v3", 600, 400, 50, draw_lunar_lander},
};

const env_render_classic *env_render_box2d_find(const char *id)
{
    for (size_t i = 0; i < sizeof box2d_renderers / sizeof box2d_renderers[0]; i++)
        if (strcmp(box2d_renderers[i].id, id) == 0) return &box2d_renderers[i];
    return NULL;
}
