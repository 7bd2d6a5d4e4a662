/* rlc envs/classic: cairo drawings of the classic-control tasks for rlc record, after
 * Gymnasium's renderers: the same scene layout, sizes (in pixels of Gymnasium's screen, scaled to
 * the frame) and colours. Coordinates below are y-up, as in Gymnasium before its final flip. */
#include <cairo.h>
#include <math.h>
#include <string.h>

#include "envs/classic/classic.h"
#include "envs/render.h"

static void rgb(cairo_t *cr, int r, int g, int b) { cairo_set_source_rgb(cr, r / 255.0, g / 255.0, b / 255.0); }

/* white background, then a y-up coordinate system of a w0 x h0 screen scaled to the frame */
static void begin(cairo_t *cr, int width, int height, double w0, double h0)
{
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_translate(cr, 0, height);
    cairo_scale(cr, width / w0, -height / h0);
}

/* a rectangle [l, r] x [b, t] rotated by angle about the origin, then moved to (x, y) */
static void box(cairo_t *cr, double x, double y, double angle, double l, double r, double b, double t)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle);
    cairo_rectangle(cr, l, b, r - l, t - b);
    cairo_restore(cr);
    cairo_fill(cr);
}

static void disc(cairo_t *cr, double x, double y, double radius)
{
    cairo_new_path(cr);
    cairo_arc(cr, x, y, radius, 0, 2 * M_PI);
    cairo_fill(cr);
}

static void segment(cairo_t *cr, double x0, double y0, double x1, double y1, double width)
{
    cairo_set_line_width(cr, width);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

/* ---- CartPole-v1: 600 x 400, 4.8 m of track ------------------------------------------------ */

static void draw_cartpole(void *c, const void *state, int width, int height)
{
    cairo_t *cr = c;
    const env_cartpole_state *s = state;
    begin(cr, width, height, 600, 400);
    double scale = 600 / 4.8, cartx = s->x * scale + 300, carty = 100, axle = 30 / 4.0;
    rgb(cr, 0, 0, 0);
    segment(cr, 0, carty, 600, carty, 1);
    box(cr, cartx, carty, 0, -25, 25, -15, 15);
    rgb(cr, 202, 152, 101);
    box(cr, cartx, carty + axle, -s->theta, -5, 5, -5, scale * 1.0 - 5);
    rgb(cr, 129, 132, 203);
    disc(cr, cartx, carty + axle, 5);
}

/* ---- Pendulum-v1: 500 x 500, 2.2 m either side of the axle --------------------------------- */

static void draw_pendulum(void *c, const void *state, int width, int height)
{
    cairo_t *cr = c;
    const env_pendulum_state *s = state;
    begin(cr, width, height, 500, 500);
    double scale = 500 / 4.4, o = 250, len = scale, w = 0.2 * scale, a = s->theta + M_PI / 2;
    rgb(cr, 204, 77, 77);
    box(cr, o, o, a, 0, len, -w / 2, w / 2);
    disc(cr, o, o, w / 2);
    disc(cr, o + len * cos(a), o + len * sin(a), w / 2);
    /* the applied torque: an arc around the axle, its length and direction those of the torque */
    if (fabs(s->last_u) > 1e-3) {
        double span = fabs(s->last_u) / 2.0 * M_PI * 0.75;
        rgb(cr, 60, 60, 60);
        cairo_set_line_width(cr, 4);
        cairo_new_path(cr);
        if (s->last_u > 0) cairo_arc(cr, o, o, 0.35 * scale, M_PI / 2, M_PI / 2 + span);
        else cairo_arc_negative(cr, o, o, 0.35 * scale, M_PI / 2, M_PI / 2 - span);
        cairo_stroke(cr);
    }
    rgb(cr, 0, 0, 0);
    disc(cr, o, o, 0.05 * scale);
}

/* ---- MountainCar-v0 / MountainCarContinuous-v0: 600 x 400, positions [-1.2, 0.6] ------------ */

static double hill(double x) { return sin(3 * x) * 0.45 + 0.55; }

static void draw_mountain_car(cairo_t *cr, const env_mountain_car_state *s, double goal, int width, int height)
{
    begin(cr, width, height, 600, 400);
    const double lo = -1.2, scale = 600 / 1.8, clearance = 10;
    rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 2);
    for (int i = 0; i <= 100; i++) {
        double x = lo + 1.8 * i / 100;
        if (i == 0) cairo_move_to(cr, (x - lo) * scale, hill(x) * scale);
        else cairo_line_to(cr, (x - lo) * scale, hill(x) * scale);
    }
    cairo_stroke(cr);
    double cx = (s->position - lo) * scale, cy = clearance + hill(s->position) * scale, a = cos(3 * s->position);
    box(cr, cx, cy, a, -20, 20, 0, 20);
    rgb(cr, 128, 128, 128);
    for (int k = -1; k <= 1; k += 2)
        disc(cr, cx + cos(a) * 10 * k, cy + sin(a) * 10 * k, 20 / 2.5);
    double fx = (goal - lo) * scale, fy = hill(goal) * scale;
    rgb(cr, 0, 0, 0);
    segment(cr, fx, fy, fx, fy + 50, 1);
    rgb(cr, 204, 204, 0);
    cairo_move_to(cr, fx, fy + 50);
    cairo_line_to(cr, fx, fy + 40);
    cairo_line_to(cr, fx + 25, fy + 45);
    cairo_close_path(cr);
    cairo_fill(cr);
}

static void draw_mountain_car_v0(void *cr, const void *state, int width, int height)
{
    draw_mountain_car(cr, state, 0.5, width, height);
}

static void draw_mountain_car_cont(void *cr, const void *state, int width, int height)
{
    draw_mountain_car(cr, state, 0.45, width, height);
}

/* ---- Acrobot-v1: 500 x 500, two 1 m links, the target line 1 m above the pivot ------------- */

static void draw_acrobot(void *c, const void *state, int width, int height)
{
    cairo_t *cr = c;
    const env_acrobot_state *s = state;
    begin(cr, width, height, 500, 500);
    double scale = 500 / 4.4, o = 250;
    rgb(cr, 0, 0, 0);
    segment(cr, o - 2.2 * scale, o + scale, o + 2.2 * scale, o + scale, 1);
    /* joint positions with the pivot at the origin; theta1 = 0 hangs straight down */
    double x1 = sin(s->theta1) * scale, y1 = -cos(s->theta1) * scale;
    double xs[2] = {0, x1}, ys[2] = {0, y1};
    double th[2] = {s->theta1 - M_PI / 2, s->theta1 + s->theta2 - M_PI / 2};
    for (int k = 0; k < 2; k++) {
        rgb(cr, 0, 204, 204);
        box(cr, o + xs[k], o + ys[k], th[k], 0, scale, -0.1 * scale, 0.1 * scale);
        rgb(cr, 204, 204, 0);
        disc(cr, o + xs[k], o + ys[k], 0.1 * scale);
    }
}

static const env_render_classic classic_renderers[] = {
    {"CartPole-v1", 600, 400, 50, draw_cartpole},
    {"Pendulum-v1", 500, 500, 30, draw_pendulum},
    {"MountainCar-v0", 600, 400, 30, draw_mountain_car_v0},
    {"MountainCarContinuous-v0", 600, 400, 30, draw_mountain_car_cont},
    {"Acrobot-v1", 500, 500, 15, draw_acrobot},
};

const env_render_classic *env_render_classic_find(const char *id)
{
    for (size_t i = 0; i < sizeof classic_renderers / sizeof classic_renderers[0]; i++)
        if (strcmp(classic_renderers[i].id, id) == 0) return &classic_renderers[i];
    return NULL;
}
