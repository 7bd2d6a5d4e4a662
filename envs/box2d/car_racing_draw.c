/* rlc envs/box2d: CarRacing-v3's picture, after Gymnasium's _render: its 1000 x 800 window, the
 * view centred on the car at half the width and a quarter of the height (from the bottom, as the
 * window is flipped), turned with the car, the zoom growing from 0.6 to 16.2 pixels a unit over
 * the first second; the background, the grass squares, the road tiles (each its colour, the road's
 * once touched) and kerbs, the car (black wheels with their grey turning stripe, red hull), then
 * the black strip at the bottom with the indicators (speed, the four wheels' spin, the steering,
 * the turn rate) and the score. Drawn with envs/raster.h on a canvas of any size (the window's
 * coordinates scaled to it), the observation's at 384 x 384 averaged to 96 x 96 (Gymnasium draws
 * at 1000 x 800 and scales down with pygame's smoothscale). The score is drawn in segment digits
 * where Gymnasium writes it in pygame's default font; the skid marks of Gymnasium's rgb_array frames
 * are not drawn (the observation has none either). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/box2d/box2d.h"
#include "envs/render.h"

#define CD_WINDOW_W 1000.0
#define CD_WINDOW_H 800.0
#define CD_SCALE 6.0
#define CD_ZOOM 2.7
#define CD_PLAYFIELD (2000 / CD_SCALE)
#define CD_GRASS_DIM (CD_PLAYFIELD / 20.0)
#define CD_SIZE 0.02
#define CD_WHEEL_R 27
#define CD_WHEEL_W 14

/* world -> window (y up, Gymnasium's surface before its flip) -> canvas (y down) */
typedef struct {
    double zoom, c, s;     /* the zoom and the rotation by minus the hull's angle */
    double tx, ty;         /* the translation in window pixels */
    double kx, ky;         /* canvas pixels per window pixel */
    env_raster *canvas;
} cd_view;

static void cd_view_init(cd_view *v, const env_car_racing_state *st, env_raster *canvas)
{
    float hx, hy;
    b2c_body_position(st->hull, &hx, &hy);
    double angle = -(double)b2c_body_angle(st->hull);
    v->zoom = 0.1 * CD_SCALE * fmax(1 - st->t, 0) + CD_ZOOM * CD_SCALE * fmin(st->t, 1);
    v->c = cos(angle);
    v->s = sin(angle);
    double sx = -(double)hx * v->zoom, sy = -(double)hy * v->zoom;
    v->tx = CD_WINDOW_W / 2 + (sx * v->c - sy * v->s);
    v->ty = CD_WINDOW_H / 4 + (sx * v->s + sy * v->c);
    v->kx = canvas->width / CD_WINDOW_W;
    v->ky = canvas->height / CD_WINDOW_H;
    v->canvas = canvas;
}

/* fills the polygon of n world points */
static void cd_world_poly(const cd_view *v, const double (*pts)[2], int n, const uint8_t c[3])
{
    double xy[2 * 16];
    for (int i = 0; i < n; i++) {
        double x = pts[i][0], y = pts[i][1];
        double wx = (x * v->c - y * v->s) * v->zoom + v->tx, wy = (x * v->s + y * v->c) * v->zoom + v->ty;
        xy[2 * i] = wx * v->kx;
        xy[2 * i + 1] = (CD_WINDOW_H - wy) * v->ky;
    }
    env_raster_polygon(v->canvas, xy, n, c);
}

/* fills the polygon of n window points of the flipped window (y down: the indicators, the score) */
static void cd_window_poly(const cd_view *v, const double (*pts)[2], int n, const uint8_t c[3])
{
    double xy[2 * 16];
    for (int i = 0; i < n; i++) {
        xy[2 * i] = pts[i][0] * v->kx;
        xy[2 * i + 1] = pts[i][1] * v->ky;
    }
    env_raster_polygon(v->canvas, xy, n, c);
}

/* Gymnasium passes colours as ints (int(c): truncated) */
static void cd_color(const double *c, uint8_t *out)
{
    for (int k = 0; k < 3; k++) out[k] = (uint8_t)fmin(fmax(c[k], 0), 255);
}

static void cd_road(const cd_view *v, const env_car_racing_state *st)
{
    const double b = CD_PLAYFIELD, g = CD_GRASS_DIM;
    const double field[4][2] = {{b, b}, {b, -b}, {-b, -b}, {-b, b}};
    uint8_t c[3];
    cd_color(st->bg_color, c);
    cd_world_poly(v, field, 4, c);
    cd_color(st->grass_color, c);
    for (int x = -20; x < 20; x += 2)
        for (int y = -20; y < 20; y += 2) {
            const double sq[4][2] = {{g * x + g, g * y}, {g * x, g * y}, {g * x, g * y + g}, {g * x + g, g * y + g}};
            cd_world_poly(v, sq, 4, c);
        }
    static const uint8_t white[3] = {255, 255, 255}, red[3] = {255, 0, 0};
    for (int i = 0; i < st->n_track; i++) {
        const cr_tile *t = &st->tiles[i];
        cd_color(t->color, c);
        cd_world_poly(v, t->poly, 4, c);
        if (t->border) cd_world_poly(v, t->border_poly, 4, i % 2 == 0 ? white : red);
    }
}

/* the n points of body b's frame, in the world */
static void cd_body_points(const b2c_body *b, const double (*local)[2], int n, double (*out)[2])
{
    for (int i = 0; i < n; i++) {
        float x, y;
        b2c_body_world_point(b, (float)local[i][0], (float)local[i][1], &x, &y);
        out[i][0] = x;
        out[i][1] = y;
    }
}

/* the grey stripe of a wheel turned by phase (none while both its edges face away) */
static void cd_wheel_stripe(const cd_view *v, const cr_wheel *w)
{
    double a1 = w->phase, a2 = w->phase + 1.2;
    double s1 = sin(a1), s2 = sin(a2), c1 = cos(a1), c2 = cos(a2);
    if (s1 > 0 && s2 > 0) return;
    if (s1 > 0) c1 = (c1 > 0) - (c1 < 0);
    if (s2 > 0) c2 = (c2 > 0) - (c2 < 0);
    const double hw = CD_WHEEL_W * CD_SIZE;
    const double local[4][2] = {{-hw, +CD_WHEEL_R * c1 * CD_SIZE},
                                {+hw, +CD_WHEEL_R * c1 * CD_SIZE},
                                {+hw, +CD_WHEEL_R * c2 * CD_SIZE},
                                {-hw, +CD_WHEEL_R * c2 * CD_SIZE}};
    double pts[4][2];
    cd_body_points(w->body, local, 4, pts);
    static const uint8_t grey[3] = {77, 77, 77};
    cd_world_poly(v, pts, 4, grey);
}

static void cd_car(const cd_view *v, const env_car_racing_state *st)
{
    const double hw = CD_WHEEL_W * CD_SIZE, hr = CD_WHEEL_R * CD_SIZE;
    const double wheel[4][2] = {{-hw, +hr}, {+hw, +hr}, {+hw, -hr}, {-hw, -hr}};
    static const uint8_t black[3] = {0, 0, 0}, hull_color[3] = {204, 0, 0};
    double pts[8][2];
    for (int k = 0; k < 4; k++) {
        cd_body_points(st->wheels[k].body, wheel, 4, pts);
        cd_world_poly(v, pts, 4, black);
        cd_wheel_stripe(v, &st->wheels[k]);
    }
    static const double h1[4][2] = {{-60, +130}, {+60, +130}, {+60, +110}, {-60, +110}};
    static const double h2[4][2] = {{-15, +120}, {+15, +120}, {+20, +20}, {-20, 20}};
    static const double h3[8][2] = {{+25, +20}, {+50, -10}, {+50, -40}, {+20, -90},
                                    {-20, -90}, {-50, -40}, {-50, -10}, {-25, +20}};
    static const double h4[4][2] = {{-50, -120}, {+50, -120}, {+50, -90}, {-50, -90}};
    const double (*polys[4])[2] = {h1, h2, h3, h4};
    const int counts[4] = {4, 4, 8, 4};
    for (int k = 0; k < 4; k++) {
        double local[8][2];
        for (int i = 0; i < counts[k]; i++) {
            local[i][0] = polys[k][i][0] * CD_SIZE;
            local[i][1] = polys[k][i][1] * CD_SIZE;
        }
        cd_body_points(st->hull, local, counts[k], pts);
        cd_world_poly(v, pts, counts[k], hull_color);
    }
}

/* ---- the strip at the bottom --------------------------------------------------------------- */

#define CD_S (CD_WINDOW_W / 40.0)
#define CD_H (CD_WINDOW_H / 40.0)

/* a bar of value val at place, drawn when |value| > 1e-4: vertical up from H - h, or horizontal
 * from place between H - 4h and H - 2h */
static void cd_bar(const cd_view *v, bool vertical, double place, double val, double value, const uint8_t c[3])
{
    if (!(fabs(value) > 1e-4)) return;
    const double H = CD_WINDOW_H, s = CD_S, h = CD_H;
    if (vertical) {
        const double q[4][2] = {
            {place * s, H - (h + h * val)}, {(place + 1) * s, H - (h + h * val)},
            {(place + 1) * s, H - h},       {place * s, H - h}};
        cd_window_poly(v, q, 4, c);
    } else {
        const double q[4][2] = {
            {place * s, H - 4 * h}, {(place + val) * s, H - 4 * h},
            {(place + val) * s, H - 2 * h}, {place * s, H - 2 * h}};
        cd_window_poly(v, q, 4, c);
    }
}

static void cd_indicators(const cd_view *v, const env_car_racing_state *st)
{
    const double W = CD_WINDOW_W, H = CD_WINDOW_H, h = CD_H;
    static const uint8_t black[3] = {0, 0, 0}, white[3] = {255, 255, 255}, blue[3] = {0, 0, 255},
                         violet[3] = {51, 0, 255}, green[3] = {0, 255, 0}, red[3] = {255, 0, 0};
    const double strip[4][2] = {{W, H}, {W, H - 5 * h}, {0, H - 5 * h}, {0, H}};
    cd_window_poly(v, strip, 4, black);
    float vx, vy;
    b2c_body_velocity(st->hull, &vx, &vy);
    double speed = sqrt((double)vx * vx + (double)vy * vy);
    cd_bar(v, true, 5, 0.02 * speed, speed, white);
    for (int k = 0; k < 4; k++) {
        double omega = st->wheels[k].omega;
        cd_bar(v, true, 7 + k, 0.01 * omega, omega, k < 2 ? blue : violet);
    }
    double steer = b2c_joint_angle(st->wheels[0].joint), turn = b2c_body_angular_velocity(st->hull);
    cd_bar(v, false, 20, -10.0 * steer, steer, green);
    cd_bar(v, false, 30, -0.8 * turn, turn, red);
}

/* ---- the score ----------------------------------------------------------------------------- */

/* Gymnasium writes f"{reward:04.0f}" in white, 42-pixel type, centred at (60, H - 50); here in
 * segment digits of about that type's size: advance 23.4 (a digit) or 14 (the sign), ink 19 x 30 */
static const uint8_t cd_segments[10] = {0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F};

/* the segments (bit 0 top, 1 top right, 2 bottom right, 3 bottom, 4 bottom left, 5 top left, 6
 * middle) of a glyph whose ink box starts at x0, y0 */
static void cd_glyph(const cd_view *v, unsigned bits, double x0, double y0)
{
    const double w = 19, hh = 30, t = 4.5, m = y0 + hh / 2;
    const double rects[7][4] = {{x0, y0, x0 + w, y0 + t},         {x0 + w - t, y0, x0 + w, m},
                                {x0 + w - t, m, x0 + w, y0 + hh}, {x0, y0 + hh - t, x0 + w, y0 + hh},
                                {x0, m, x0 + t, y0 + hh},         {x0, y0, x0 + t, m},
                                {x0, m - t / 2, x0 + w, m + t / 2}};
    static const uint8_t white[3] = {255, 255, 255};
    for (int k = 0; k < 7; k++) {
        if (!(bits >> k & 1)) continue;
        const double *r = rects[k];
        const double q[4][2] = {{r[0], r[1]}, {r[2], r[1]}, {r[2], r[3]}, {r[0], r[3]}};
        cd_window_poly(v, q, 4, white);
    }
}

static void cd_score(const cd_view *v, double reward)
{
    char text[32];
    snprintf(text, sizeof text, "%04.0f", reward);
    const double digit = 23.4, sign = 14;
    double width = 0;
    for (const char *p = text; *p; p++) width += *p == '-' ? sign : digit;
    double x = 60 - width / 2, y0 = CD_WINDOW_H - CD_WINDOW_H * 2.5 / 40.0 - 15;
    for (const char *p = text; *p; p++) {
        if (*p == '-') {
            const double q[4][2] = {
                {x + 2, y0 + 13}, {x + sign - 2, y0 + 13}, {x + sign - 2, y0 + 17}, {x + 2, y0 + 17}};
            static const uint8_t white[3] = {255, 255, 255};
            cd_window_poly(v, q, 4, white);
            x += sign;
        } else if (*p >= '0' && *p <= '9') {
            cd_glyph(v, cd_segments[*p - '0'], x + (digit - 19) / 2, y0);
            x += digit;
        }
    }
}

void env_car_racing_draw(const env_car_racing_state *s, env_raster *canvas)
{
    static const uint8_t black[3] = {0, 0, 0};
    env_raster_clear(canvas, black);
    if (!s->world) return;   /* not reset yet */
    cd_view v;
    cd_view_init(&v, s, canvas);
    cd_road(&v, s);
    cd_car(&v, s);
    cd_indicators(&v, s);
    cd_score(&v, s->reward);
}

/* ---- rlc record ---------------------------------------------------------------------------- */

#define CD_RECORD_SUPERSAMPLE 2

/* Gymnasium's rgb_array frame (600 x 400 by default): the scene drawn at twice the size, averaged */
static rl_status cd_record_draw(const void *state, uint8_t *rgb, int width, int height, char *err, size_t err_sz)
{
    (void)err;
    (void)err_sz;
    env_raster canvas;
    env_raster_alloc(&canvas, width * CD_RECORD_SUPERSAMPLE, height * CD_RECORD_SUPERSAMPLE);
    env_car_racing_draw(state, &canvas);
    env_raster_downsample(&canvas, CD_RECORD_SUPERSAMPLE, rgb);
    free(canvas.px);
    return RL_OK;
}

static const env_render_def cd_renderer = {"CarRacing-v3", 600, 400, 50, cd_record_draw};

const env_render_def *env_render_car_racing_find(const char *id)
{
    return strcmp(id, cd_renderer.id) == 0 ? &cd_renderer : NULL;
}
