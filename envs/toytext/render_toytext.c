/* rlc envs/toytext: cairo drawings of the toy-text environments for rlc record, at Gymnasium's
 * screen sizes and frame rate (4 frames a second): flat colours instead of Gymnasium's sprites.
 * Coordinates are in pixels of Gymnasium's screen (y down), scaled to the frame. */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "envs/render.h"
#include "envs/toytext/toytext.h"

static void rgb(cairo_t *cr, int r, int g, int b) { cairo_set_source_rgb(cr, r / 255.0, g / 255.0, b / 255.0); }

/* the background, then Gymnasium's w0 x h0 screen scaled to the frame */
static void begin(cairo_t *cr, int width, int height, double w0, double h0, int r, int g, int b)
{
    rgb(cr, r, g, b);
    cairo_paint(cr);
    cairo_scale(cr, width / w0, height / h0);
}

static void rect(cairo_t *cr, double x, double y, double w, double h)
{
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
}

static void disc(cairo_t *cr, double x, double y, double radius)
{
    cairo_new_path(cr);
    cairo_arc(cr, x, y, radius, 0, 2 * M_PI);
    cairo_fill(cr);
}

static void grid_lines(cairo_t *cr, double x0, double y0, double cw, double ch, int rows, int cols)
{
    rgb(cr, 90, 110, 130);
    cairo_set_line_width(cr, 1);
    for (int r = 0; r <= rows; r++) {
        cairo_move_to(cr, x0, y0 + r * ch);
        cairo_line_to(cr, x0 + cols * cw, y0 + r * ch);
    }
    for (int c = 0; c <= cols; c++) {
        cairo_move_to(cr, x0 + c * cw, y0);
        cairo_line_to(cr, x0 + c * cw, y0 + rows * ch);
    }
    cairo_stroke(cr);
}

/* the agent: a disc with a notch toward its last move (dr, dc), none after reset */
static void agent(cairo_t *cr, double cx, double cy, double size, int dr, int dc)
{
    rgb(cr, 200, 40, 40);
    disc(cr, cx, cy, 0.3 * size);
    if (dr || dc) {
        rgb(cr, 255, 255, 255);
        disc(cr, cx + 0.18 * size * dc, cy + 0.18 * size * dr, 0.08 * size);
    }
}

static void text_at(cairo_t *cr, double x, double y, double size, const char *s)
{
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, size);
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

/* ---- FrozenLake: min(64 ncol, 512) x min(64 nrow, 512) -------------------------------------- */

static void draw_frozen_lake(void *c, const void *state, int width, int height)
{
    cairo_t *cr = c;
    const env_frozen_lake_state *s = state;
    double w0 = fmin(64.0 * s->ncol, 512), h0 = fmin(64.0 * s->nrow, 512), cw = w0 / s->ncol, ch = h0 / s->nrow;
    begin(cr, width, height, w0, h0, 191, 230, 255);
    for (int i = 0; i < s->nrow * s->ncol; i++) {
        double x = (i % s->ncol) * cw, y = (i / s->ncol) * ch;
        switch (s->tiles[i]) {
        case 'H':
            rgb(cr, 40, 60, 90);
            disc(cr, x + cw / 2, y + ch / 2, 0.4 * fmin(cw, ch));
            break;
        case 'G':
            rgb(cr, 230, 180, 30);
            rect(cr, x + 0.2 * cw, y + 0.2 * ch, 0.6 * cw, 0.6 * ch);
            break;
        case 'S':
            rgb(cr, 225, 235, 240);
            rect(cr, x + 1, y + 1, cw - 2, ch - 2);
            break;
        }
    }
    grid_lines(cr, 0, 0, cw, ch, s->nrow, s->ncol);
    static const int dr[4] = {0, 1, 0, -1}, dc[4] = {-1, 0, 1, 0};   /* left, down, right, up */
    int a = s->lastaction;
    agent(cr, (s->s % s->ncol + 0.5) * cw, (s->s / s->ncol + 0.5) * ch, fmin(cw, ch), a >= 0 ? dr[a] : 0,
          a >= 0 ? dc[a] : 0);
}

/* ---- CliffWalking: 720 x 240, 60-pixel cells ---------------------------------------------------- */

static void draw_cliff_walking(void *c, const void *state, int width, int height)
{
    cairo_t *cr = c;
    const env_cliff_walking_state *s = state;
    begin(cr, width, height, 720, 240, 150, 200, 120);
    rgb(cr, 90, 60, 40);
    rect(cr, 60, 180, 600, 60);                     /* the cliff: row 3, columns 1-10 */
    rgb(cr, 210, 210, 210);
    rect(cr, 1, 181, 58, 58);                       /* start */
    rgb(cr, 230, 180, 30);
    rect(cr, 661, 181, 58, 58);                     /* goal */
    grid_lines(cr, 0, 0, 60, 60, 4, 12);
    static const int dr[4] = {-1, 0, 1, 0}, dc[4] = {0, 1, 0, -1};   /* up, right, down, left */
    int a = s->lastaction;
    agent(cr, (s->s % 12 + 0.5) * 60, (s->s / 12 + 0.5) * 60, 60, a >= 0 ? dr[a] : 0, a >= 0 ? dc[a] : 0);
}

/* ---- Taxi: 550 x 350, the 5 x 5 grid in 100 x 60 cells inside a 25-pixel border ---------------- */

static void draw_taxi(void *c, const void *state, int width, int height)
{
    cairo_t *cr = c;
    const env_taxi_state *s = state;
    static const int stands[4][2] = {{0, 0}, {0, 4}, {4, 0}, {4, 3}};
    static const int colours[4][3] = {{255, 0, 0}, {0, 255, 0}, {255, 255, 0}, {0, 0, 255}};
    const double x0 = 25, y0 = 25, cw = 100, ch = 60;
    int row, col, pass, dest;
    env_taxi_decode(s->s, &row, &col, &pass, &dest);
    begin(cr, width, height, 550, 350, 60, 60, 60);
    rgb(cr, 235, 235, 225);
    rect(cr, x0, y0, 5 * cw, 5 * ch);
    for (int i = 0; i < 4; i++) {
        cairo_set_source_rgba(cr, colours[i][0] / 255.0, colours[i][1] / 255.0, colours[i][2] / 255.0, 0.5);
        rect(cr, x0 + stands[i][1] * cw, y0 + stands[i][0] * ch, cw, ch);
    }
    grid_lines(cr, x0, y0, cw, ch, 5, 5);
    /* the walls: '|' between cells in Gymnasium's map */
    static const int walls[6][2] = {{0, 1}, {1, 1}, {3, 0}, {3, 2}, {4, 0}, {4, 2}};   /* (row, east of col) */
    rgb(cr, 20, 20, 20);
    cairo_set_line_width(cr, 6);
    for (int i = 0; i < 6; i++) {
        cairo_move_to(cr, x0 + (walls[i][1] + 1) * cw, y0 + walls[i][0] * ch);
        cairo_line_to(cr, x0 + (walls[i][1] + 1) * cw, y0 + (walls[i][0] + 1) * ch);
    }
    cairo_stroke(cr);
    /* the destination: a dark frame; the passenger: a disc at their stand */
    cairo_set_line_width(cr, 4);
    cairo_rectangle(cr, x0 + stands[dest][1] * cw + 6, y0 + stands[dest][0] * ch + 6, cw - 12, ch - 12);
    cairo_stroke(cr);
    if (pass < 4) {
        rgb(cr, 120, 40, 160);
        disc(cr, x0 + (stands[pass][1] + 0.25) * cw, y0 + (stands[pass][0] + 0.5) * ch, 12);
    }
    rgb(cr, pass == 4 ? 240 : 250, pass == 4 ? 150 : 200, 0);
    rect(cr, x0 + col * cw + 30, y0 + row * ch + 15, 40, 30);
    if (pass == 4) {
        rgb(cr, 120, 40, 160);
        disc(cr, x0 + (col + 0.5) * cw, y0 + (row + 0.5) * ch, 8);
    }
}

/* ---- Blackjack: 600 x 500, a green table ------------------------------------------------------------ */

static void card(cairo_t *cr, double x, double y, const char *label)
{
    rgb(cr, 255, 255, 255);
    rect(cr, x, y, 90, 130);
    rgb(cr, 0, 0, 0);
    text_at(cr, x + 12, y + 48, 36, label);
}

static void draw_blackjack(void *c, const void *state, int width, int height)
{
    cairo_t *cr = c;
    const env_blackjack_state *s = state;
    static const char *const suits[4] = {"C", "D", "H", "S"};
    char buf[64], face[4];
    begin(cr, width, height, 600, 500, 7, 99, 36);
    int usable, sum = env_blackjack_hand_value(&s->player, &usable);
    rgb(cr, 255, 255, 255);
    snprintf(buf, sizeof buf, "Dealer: %d", s->dealer.first[0]);
    text_at(cr, 20, 50, 28, buf);
    if (s->dealer_face) snprintf(face, sizeof face, "%c", s->dealer_face);
    else snprintf(face, sizeof face, "%d", s->dealer.first[0]);
    snprintf(buf, sizeof buf, "%s%s", face, suits[s->dealer_suit & 3]);
    card(cr, 200, 80, buf);
    rgb(cr, 60, 60, 140);
    rect(cr, 310, 80, 90, 130);                     /* the hidden card */
    rgb(cr, 255, 255, 255);
    snprintf(buf, sizeof buf, "Player: %d", sum);
    text_at(cr, 20, 300, 28, buf);
    if (usable) text_at(cr, 20, 350, 24, "usable ace");
}

static const env_render_classic toytext_renderers[] = {
    {"FrozenLake-v1", 256, 256, 4, draw_frozen_lake},
    {"FrozenLake8x8-v1", 512, 512, 4, draw_frozen_lake},
    {"CliffWalking-v1", 720, 240, 4, draw_cliff_walking},
    {"CliffWalkingSlippery-v1", 720, 240, 4, draw_cliff_walking},
    {"Taxi-v3", 550, 350, 4, draw_taxi},
    {"Taxi-v4", 550, 350, 4, draw_taxi},
    {"Blackjack-v1", 600, 500, 4, draw_blackjack},
};

const env_render_classic *env_render_toytext_find(const char *id)
{
    for (size_t i = 0; i < sizeof toytext_renderers / sizeof toytext_renderers[0]; i++)
        if (strcmp(toytext_renderers[i].id, id) == 0) return &toytext_renderers[i];
    return NULL;
}
