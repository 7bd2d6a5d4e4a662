/* rlc envs/minatar: Seaquest.
 *
 * The player's submarine (a front and a back cell, showing which way it faces) starts on the
 * surface (row 0) and moves in rows 0..8; it fires a bullet the way it faces, at most once every
 * 5 frames (fire is the only thing it does on such a frame). Every e_spawn_speed frames (20 at
 * first) an enemy fish or an enemy submarine (one in three) enters from the left or right edge of
 * a random row 1..8 (unless an enemy in that row goes the other way) and crosses it, one cell
 * every move_speed + 1 frames (6 at first); submarines fire a bullet every 11 frames. A player's
 * bullet that meets an enemy removes both for +1. Divers cross rows the same way (one cell every
 * 6 frames, a new diver every 30 frames); moving onto one picks it up while fewer than 6 are
 * aboard. An enemy, an enemy bullet, no oxygen left, or surfacing
 * with no diver aboard ends the game. Oxygen (200) drops by one per frame under water. Surfacing
 * with divers refills it, drops one diver, and ramps the difficulty (enemies spawn a frame sooner,
 * and on every second surfacing move a frame faster, down to 1 and 2); surfacing with 6 divers
 * first empties them all and gives oxygen * 10 / 200 points. As in MinAtar 1.0.11 and later, the
 * oxygen gauge shows max(0, oxygen), and the game ends on the frame that finds oxygen at 0.
 *
 * MinAtar keeps its objects in Python lists, walks them backwards while removing from them, and
 * removes an object by value (the first equal one). The lists below do the same, so that even
 * two equal objects in one list behave as they do there (see remove_equal and take_out). */
#include <string.h>

#include "envs/minatar/minatar.h"

#define MAX_OXYGEN 200
#define INIT_SPAWN_SPEED 20
#define DIVER_SPAWN_SPEED 30
#define INIT_MOVE_SPEED 5
#define SHOT_COOL_DOWN 5
#define ENEMY_SHOT_INTERVAL 10
#define DIVER_MOVE_INTERVAL 5
#define MAX_DIVERS 6
#define CHANNELS 10

enum {
    CH_SUB_FRONT, CH_SUB_BACK, CH_F_BULLET, CH_TRAIL, CH_E_BULLET, CH_FISH, CH_E_SUB, CH_OXYGEN, CH_DIVERS,
    CH_DIVER
};

typedef env_minatar_sq_obj obj;
typedef env_minatar_sq_list list;

/* ---- MinAtar's list operations ---------------------------------------------------------------- */

static bool obj_equal(const obj *a, const obj *b)
{
    return a->x == b->x && a->y == b->y && a->right == b->right && a->move_timer == b->move_timer &&
           a->shot_timer == b->shot_timer;
}

static void append(list *l, obj o)
{
    RL_ASSERT_MSG(l->n < MINATAR_SQ_CAP, "a Seaquest object list is full");
    l->v[l->n++] = o;
}

static void remove_at(list *l, int j)
{
    memmove(&l->v[j], &l->v[j + 1], (size_t)(l->n - j - 1) * sizeof l->v[0]);
    l->n--;
}

/* list.remove(o): drops the first object equal to o (o is a copy: it may come from l); returns
 * its index */
static int remove_equal(list *l, obj o)
{
    for (int j = 0; j < l->n; j++)
        if (obj_equal(&l->v[j], &o)) {
            remove_at(l, j);
            return j;
        }
    RL_ASSERT_MSG(false, "removing an object that is not in its list");
    return -1;
}

/* the object at i removed by value while a loop still holds it: returns where that object now
 * is, *detached (a copy) when it was the one removed, else its new place (an equal object before
 * it went instead) */
static obj *take_out(list *l, int i, obj *detached)
{
    *detached = l->v[i];
    int j = remove_equal(l, *detached);
    return j == i ? detached : &l->v[i - 1];
}

/* the index of the first object on cell (x, y), or -1 */
static int first_at(const list *l, int x, int y)
{
    for (int j = 0; j < l->n; j++)
        if (l->v[j].x == x && l->v[j].y == y) return j;
    return -1;
}

static bool off_grid(const obj *o) { return o->x < 0 || o->x >= MINATAR_SIZE; }
static bool on_player(const env_minatar_seaquest *g, const obj *o) { return o->x == g->sub_x && o->y == g->sub_y; }
static void advance(obj *o) { o->x += o->right ? 1 : -1; }

/* Python's floor division, for b > 0 */
static int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* ---- spawning ------------------------------------------------------------------------------- */

void env_minatar_seaquest_reset(env_minatar_seaquest *g, rl_mt *mt)
{
    (void)mt;
    memset(g, 0, sizeof *g);
    g->oxygen = MAX_OXYGEN;
    g->sub_x = 5;
    g->e_spawn_speed = g->e_spawn_timer = INIT_SPAWN_SPEED;
    g->d_spawn_timer = DIVER_SPAWN_SPEED;
    g->move_speed = INIT_MOVE_SPEED;
    g->surface = true;
}

/* a fish or a sub at an edge of a random row, unless an enemy in that row goes the other way */
static void spawn_enemy(env_minatar_seaquest *g, rl_mt *mt)
{
    int right = rl_mt_double(mt) < 0.5;
    bool is_sub = rl_mt_double(mt) < 1.0 / 3.0;
    int y = (int)rl_mt_randint(mt, 1, 9);
    const list *ls[2] = {&g->e_subs, &g->e_fish};
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < ls[k]->n; j++)
            if (ls[k]->v[j].y == y && ls[k]->v[j].right != right) return;
    obj o = {.x = right ? 0 : MINATAR_SIZE - 1, .y = y, .right = right, .move_timer = g->move_speed};
    if (is_sub) {
        o.shot_timer = ENEMY_SHOT_INTERVAL;
        append(&g->e_subs, o);
    } else {
        append(&g->e_fish, o);
    }
}

static void spawn_diver(env_minatar_seaquest *g, rl_mt *mt)
{
    int right = rl_mt_double(mt) < 0.5;
    int y = (int)rl_mt_randint(mt, 1, 9);
    append(&g->divers, (obj){.x = right ? 0 : MINATAR_SIZE - 1, .y = y, .right = right, .move_timer = DIVER_MOVE_INTERVAL});
}

/* ---- one frame ------------------------------------------------------------------------------ */

static void player_action(env_minatar_seaquest *g, int action)
{
    if (action == MINATAR_FIRE && g->shot_timer == 0) {
        append(&g->f_bullets, (obj){.x = g->sub_x, .y = g->sub_y, .right = g->sub_right});
        g->shot_timer = SHOT_COOL_DOWN;
    } else if (action == MINATAR_LEFT) {
        if (g->sub_x > 0) g->sub_x--;
        g->sub_right = false;
    } else if (action == MINATAR_RIGHT) {
        if (g->sub_x < MINATAR_SIZE - 1) g->sub_x++;
        g->sub_right = true;
    } else if (action == MINATAR_UP && g->sub_y > 0) {
        g->sub_y--;
    } else if (action == MINATAR_DOWN && g->sub_y < MINATAR_SIZE - 2) {
        g->sub_y++;
    }
}

/* the player's bullets fly on; one that lands on a fish (else a sub) removes it for +1 */
static int update_f_bullets(env_minatar_seaquest *g)
{
    int r = 0;
    list *l = &g->f_bullets;
    for (int i = l->n - 1; i >= 0 && i < l->n; i--) {
        obj *b = &l->v[i];
        advance(b);
        if (off_grid(b)) {
            remove_equal(l, *b);
            continue;
        }
        list *targets[2] = {&g->e_fish, &g->e_subs};
        for (int k = 0; k < 2; k++) {
            int t = first_at(targets[k], b->x, b->y);
            if (t < 0) continue;
            remove_at(targets[k], t);
            remove_equal(l, *b);
            r++;
            break;
        }
    }
    return r;
}

static bool pick_up(env_minatar_seaquest *g, list *l, const obj *d)
{
    if (!on_player(g, d) || g->diver_count >= MAX_DIVERS) return false;
    remove_equal(l, *d);
    g->diver_count++;
    return true;
}

static void update_divers(env_minatar_seaquest *g)
{
    list *l = &g->divers;
    for (int i = l->n - 1; i >= 0 && i < l->n; i--) {
        obj *d = &l->v[i];
        if (pick_up(g, l, d)) continue;
        if (d->move_timer > 0) {
            d->move_timer--;
            continue;
        }
        d->move_timer = DIVER_MOVE_INTERVAL;
        advance(d);
        if (off_grid(d)) remove_equal(l, *d);
        else pick_up(g, l, d);
    }
}

/* an enemy's move when its timer is up: off the grid it goes; onto the player it ends the game;
 * onto a player's bullet it goes with the bullet for +1. Returns where the enemy now is (see
 * take_out) and adds the reward to *r. */
static obj *move_enemy(env_minatar_seaquest *g, list *l, int i, obj *detached, int *r)
{
    obj *e = &l->v[i];
    e->move_timer = g->move_speed;
    advance(e);
    if (off_grid(e)) return take_out(l, i, detached);
    if (on_player(g, e)) {
        g->terminal = true;
        return e;
    }
    int b = first_at(&g->f_bullets, e->x, e->y);
    if (b < 0) return e;
    e = take_out(l, i, detached);
    remove_at(&g->f_bullets, b);
    (*r)++;
    return e;
}

/* enemy subs (fish with shooting = false): a sub fires every ENEMY_SHOT_INTERVAL + 1 frames, even
 * on the frame it was removed */
static int update_enemies(env_minatar_seaquest *g, list *l, bool shooting)
{
    int r = 0;
    for (int i = l->n - 1; i >= 0 && i < l->n; i--) {
        obj detached, *e = &l->v[i];
        if (on_player(g, e)) g->terminal = true;
        if (e->move_timer == 0) e = move_enemy(g, l, i, &detached, &r);
        else e->move_timer--;
        if (!shooting) continue;
        if (e->shot_timer > 0) {
            e->shot_timer--;
        } else {
            e->shot_timer = ENEMY_SHOT_INTERVAL;
            append(&g->e_bullets, (obj){.x = e->x, .y = e->y, .right = e->right});
        }
    }
    return r;
}

static void update_e_bullets(env_minatar_seaquest *g)
{
    list *l = &g->e_bullets;
    for (int i = l->n - 1; i >= 0 && i < l->n; i--) {
        obj *b = &l->v[i];
        if (on_player(g, b)) g->terminal = true;
        advance(b);
        if (off_grid(b)) remove_equal(l, *b);
        else if (on_player(g, b)) g->terminal = true;
    }
}

/* at the surface with divers: refill the oxygen, drop a diver (all six for a bonus), ramp up */
static int surface(env_minatar_seaquest *g)
{
    g->surface = true;
    int r = 0;
    if (g->diver_count == MAX_DIVERS) {
        g->diver_count = 0;
        r = floor_div(g->oxygen * 10, MAX_OXYGEN);
    }
    g->oxygen = MAX_OXYGEN;
    g->diver_count--;   /* after a full load this leaves -1, as MinAtar does */
    if (g->e_spawn_speed > 1 || g->move_speed > 2) {
        if (g->move_speed > 2 && g->ramp_index % 2 == 1) g->move_speed--;
        if (g->e_spawn_speed > 1) g->e_spawn_speed--;
        g->ramp_index++;
    }
    return r;
}

/* the timers, the oxygen and the surface */
static int end_of_frame(env_minatar_seaquest *g)
{
    if (g->e_spawn_timer > 0) g->e_spawn_timer--;
    if (g->d_spawn_timer > 0) g->d_spawn_timer--;
    if (g->shot_timer > 0) g->shot_timer--;
    if (g->oxygen <= 0) g->terminal = true;
    if (g->sub_y > 0) {
        g->oxygen--;
        g->surface = false;
        return 0;
    }
    if (g->surface) return 0;
    if (g->diver_count == 0) {
        g->terminal = true;
        return 0;
    }
    return surface(g);
}

int env_minatar_seaquest_act(env_minatar_seaquest *g, rl_mt *mt, int action)
{
    if (g->terminal) return 0;
    if (g->e_spawn_timer == 0) {
        spawn_enemy(g, mt);
        g->e_spawn_timer = g->e_spawn_speed;
    }
    if (g->d_spawn_timer == 0) {
        spawn_diver(g, mt);
        g->d_spawn_timer = DIVER_SPAWN_SPEED;
    }
    player_action(g, action);
    int r = update_f_bullets(g);
    update_divers(g);
    r += update_enemies(g, &g->e_subs, true);
    update_e_bullets(g);
    r += update_enemies(g, &g->e_fish, false);
    return r + end_of_frame(g);
}

/* ---- the observation ------------------------------------------------------------------------ */

static void put(float *obs, int y, int x, int c)
{
    RL_ASSERT(y >= 0 && y < MINATAR_SIZE && x >= 0 && x < MINATAR_SIZE);
    obs[env_minatar_index(CHANNELS, y, x, c)] = 1.0f;
}

/* the objects of l on channel c, and the cell behind each on the trail channel (when with_trail) */
static void put_list(float *obs, const list *l, int c, bool with_trail)
{
    for (int j = 0; j < l->n; j++) {
        const obj *o = &l->v[j];
        put(obs, o->y, o->x, c);
        int back = o->right ? o->x - 1 : o->x + 1;
        if (with_trail && back >= 0 && back < MINATAR_SIZE) put(obs, o->y, back, CH_TRAIL);
    }
}

void env_minatar_seaquest_observe(const env_minatar_seaquest *g, float *obs)
{
    memset(obs, 0, sizeof(float) * MINATAR_SIZE * MINATAR_SIZE * CHANNELS);
    put(obs, g->sub_y, g->sub_x, CH_SUB_FRONT);
    int back = g->sub_right ? g->sub_x - 1 : g->sub_x + 1;
    put(obs, g->sub_y, back < 0 ? back + MINATAR_SIZE : back, CH_SUB_BACK);   /* -1 is numpy's last column */
    int oxygen_cells = (g->oxygen > 0 ? g->oxygen : 0) * 10 / MAX_OXYGEN;
    for (int x = 0; x < oxygen_cells; x++) put(obs, MINATAR_SIZE - 1, x, CH_OXYGEN);
    for (int x = MINATAR_SIZE - 1 - g->diver_count; x < MINATAR_SIZE - 1; x++) put(obs, MINATAR_SIZE - 1, x, CH_DIVERS);
    put_list(obs, &g->f_bullets, CH_F_BULLET, false);
    put_list(obs, &g->e_bullets, CH_E_BULLET, false);
    put_list(obs, &g->e_fish, CH_FISH, true);
    put_list(obs, &g->e_subs, CH_E_SUB, true);
    put_list(obs, &g->divers, CH_DIVER, true);
}
