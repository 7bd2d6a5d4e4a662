/* rlc envs/minatar: Freeway.
 *
 * A chicken in column 4 starts on row 9 and tries to cross eight lanes of traffic (rows 1..8) to
 * row 0, moving up or down one row at most once every 3 frames (a move sets a cool-down of 3
 * that counts down once per frame, also at the start). Reaching row 0 gives +1, draws new car speeds and puts the chicken back on row 9; a
 * car on the chicken's cell also sends it back to row 9 (no penalty). Car i drives along row
 * i + 1 (all start in column 0), one cell every |speed| + 1 frames, right when its speed is
 * positive, wrapping around at the edges. Speeds are uniform in 1..5 with a random sign; the
 * trail channel of a car (behind it) is speedK for |speed| = K. The game ends after 2501 frames. */
#include <string.h>

#include "envs/minatar/minatar.h"

#define PLAYER_SPEED 3
#define TIME_LIMIT 2500
#define CHANNELS 7

enum { CH_CHICKEN, CH_CAR, CH_SPEED1 };

/* eight speeds (randint(1, 6, size=8)), then eight directions (the sign of rand() - 0.5) */
static void randomize_cars(env_minatar_freeway *g, rl_mt *mt, bool initialize)
{
    int speed[8];
    for (int i = 0; i < 8; i++) speed[i] = (int)rl_mt_randint(mt, 1, 6);
    for (int i = 0; i < 8; i++) {
        double u = rl_mt_double(mt) - 0.5;
        speed[i] *= u > 0.0 ? 1 : u < 0.0 ? -1 : 0;
    }
    for (int i = 0; i < 8; i++) {
        env_minatar_car *c = &g->cars[i];
        if (initialize) {
            c->x = 0;
            c->y = i + 1;
        }
        c->timer = speed[i] < 0 ? -speed[i] : speed[i];
        c->speed = speed[i];
    }
}

void env_minatar_freeway_reset(env_minatar_freeway *g, rl_mt *mt)
{
    memset(g, 0, sizeof *g);
    randomize_cars(g, mt, true);
    g->pos = MINATAR_SIZE - 1;
    g->move_timer = PLAYER_SPEED;
    g->terminate_timer = TIME_LIMIT;
}

static bool hits_chicken(const env_minatar_freeway *g, const env_minatar_car *c)
{
    return c->x == 4 && c->y == g->pos;
}

/* each car in turn: a car on the chicken sends it home, then the car moves when its timer is
 * up (and sends the chicken home if it lands on it) */
static void move_cars(env_minatar_freeway *g)
{
    for (int i = 0; i < 8; i++) {
        env_minatar_car *c = &g->cars[i];
        if (hits_chicken(g, c)) g->pos = MINATAR_SIZE - 1;
        if (c->timer > 0) {
            c->timer--;
            continue;
        }
        c->timer = c->speed < 0 ? -c->speed : c->speed;
        c->x += c->speed > 0 ? 1 : -1;
        if (c->x < 0) c->x = MINATAR_SIZE - 1;
        else if (c->x >= MINATAR_SIZE) c->x = 0;
        if (hits_chicken(g, c)) g->pos = MINATAR_SIZE - 1;
    }
}

int env_minatar_freeway_act(env_minatar_freeway *g, rl_mt *mt, int action)
{
    if (g->terminal) return 0;
    if (action == MINATAR_UP && g->move_timer == 0) {
        g->move_timer = PLAYER_SPEED;
        if (g->pos > 0) g->pos--;
    } else if (action == MINATAR_DOWN && g->move_timer == 0) {
        g->move_timer = PLAYER_SPEED;
        if (g->pos < MINATAR_SIZE - 1) g->pos++;
    }
    int r = 0;
    if (g->pos == 0) {
        r = 1;
        randomize_cars(g, mt, false);
        g->pos = MINATAR_SIZE - 1;
    }
    move_cars(g);
    if (g->move_timer > 0) g->move_timer--;
    if (--g->terminate_timer < 0) g->terminal = true;
    return r;
}

void env_minatar_freeway_observe(const env_minatar_freeway *g, float *obs)
{
    memset(obs, 0, sizeof(float) * MINATAR_SIZE * MINATAR_SIZE * CHANNELS);
    obs[env_minatar_index(CHANNELS, g->pos, 4, CH_CHICKEN)] = 1.0f;
    for (int i = 0; i < 8; i++) {
        const env_minatar_car *c = &g->cars[i];
        obs[env_minatar_index(CHANNELS, c->y, c->x, CH_CAR)] = 1.0f;
        int back = c->speed > 0 ? c->x - 1 : c->x + 1;
        if (back < 0) back = MINATAR_SIZE - 1;
        else if (back >= MINATAR_SIZE) back = 0;
        int k = c->speed < 0 ? -c->speed : c->speed;
        /* a speed of 0 (rand() exactly 0.5, probability 2^-53) has no trail channel */
        if (k >= 1 && k <= 5) obs[env_minatar_index(CHANNELS, c->y, back, CH_SPEED1 + k - 1)] = 1.0f;
    }
}
