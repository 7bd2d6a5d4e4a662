/* rlc envs/minatar: Asterix.
 *
 * The player moves in the four directions (rows 1..8, columns 0..9). Enemies and treasures (one
 * in three) appear at the left or right edge of a random free row (one row each, rows 1..8) and
 * cross it. Touching a treasure gives +1 and removes it; touching an enemy ends the game. The
 * timers count down once per frame and act on the frame they are found at 0: a new entity every
 * spawn_speed frames (10 at first), a step of every entity every move_speed frames (5 at first).
 * The difficulty ramps every 102 frames: spawn_speed drops by one and, on every second ramp,
 * move_speed too, down to 1 each. */
#include <string.h>

#include "envs/minatar/minatar.h"

#define RAMP_INTERVAL 100
#define INIT_SPAWN_SPEED 10
#define INIT_MOVE_SPEED 5
#define CHANNELS 4

enum { CH_PLAYER, CH_ENEMY, CH_TRAIL, CH_GOLD };

void env_minatar_asterix_reset(env_minatar_asterix *g, rl_mt *mt)
{
    (void)mt;   /* the start is always the same */
    memset(g, 0, sizeof *g);
    g->player_x = 5;
    g->player_y = 5;
    g->spawn_speed = g->spawn_timer = INIT_SPAWN_SPEED;
    g->move_speed = g->move_timer = INIT_MOVE_SPEED;
    g->ramp_timer = RAMP_INTERVAL;
}

/* an enemy or a treasure in a random free row; its side and kind are drawn even when every row
 * is taken (then nothing appears) */
static void spawn(env_minatar_asterix *g, rl_mt *mt)
{
    bool right = rl_mt_double(mt) < 0.5;
    bool gold = rl_mt_double(mt) < 1.0 / 3.0;
    int free_rows[8], n = 0;
    for (int i = 0; i < 8; i++)
        if (!g->ent[i].live) free_rows[n++] = i;
    if (n == 0) return;
    int slot = free_rows[rl_mt_randint(mt, 0, n)];
    g->ent[slot] = (env_minatar_asterix_entity){
        .live = true, .x = right ? 0 : MINATAR_SIZE - 1, .y = slot + 1, .right = right, .gold = gold};
}

static void move_player(env_minatar_asterix *g, int action)
{
    if (action == MINATAR_LEFT && g->player_x > 0) g->player_x--;
    else if (action == MINATAR_RIGHT && g->player_x < MINATAR_SIZE - 1) g->player_x++;
    else if (action == MINATAR_UP && g->player_y > 1) g->player_y--;
    else if (action == MINATAR_DOWN && g->player_y < MINATAR_SIZE - 2) g->player_y++;
}

/* entity i and the player on one cell: a treasure is collected (returns 1), an enemy ends the
 * game (and stays) */
static int touch(env_minatar_asterix *g, int i)
{
    env_minatar_asterix_entity *e = &g->ent[i];
    if (!e->live || e->x != g->player_x || e->y != g->player_y) return 0;
    if (!e->gold) {
        g->terminal = true;
        return 0;
    }
    e->live = false;
    return 1;
}

/* every entity one cell on; those leaving the grid vanish */
static int move_entities(env_minatar_asterix *g)
{
    int r = 0;
    for (int i = 0; i < 8; i++) {
        env_minatar_asterix_entity *e = &g->ent[i];
        if (!e->live) continue;
        e->x += e->right ? 1 : -1;
        if (e->x < 0 || e->x >= MINATAR_SIZE) e->live = false;
        else r += touch(g, i);
    }
    return r;
}

/* the difficulty ramp, once per frame while something can still speed up */
static void ramp(env_minatar_asterix *g)
{
    if (g->spawn_speed <= 1 && g->move_speed <= 1) return;
    if (g->ramp_timer >= 0) {
        g->ramp_timer--;
        return;
    }
    if (g->move_speed > 1 && g->ramp_index % 2 == 1) g->move_speed--;
    if (g->spawn_speed > 1) g->spawn_speed--;
    g->ramp_index++;
    g->ramp_timer = RAMP_INTERVAL;
}

int env_minatar_asterix_act(env_minatar_asterix *g, rl_mt *mt, int action)
{
    if (g->terminal) return 0;
    if (g->spawn_timer == 0) {
        spawn(g, mt);
        g->spawn_timer = g->spawn_speed;
    }
    move_player(g, action);
    int r = 0;
    for (int i = 0; i < 8; i++) r += touch(g, i);
    if (g->move_timer == 0) {
        g->move_timer = g->move_speed;
        r += move_entities(g);
    }
    g->spawn_timer--;
    g->move_timer--;
    ramp(g);
    return r;
}

void env_minatar_asterix_observe(const env_minatar_asterix *g, float *obs)
{
    memset(obs, 0, sizeof(float) * MINATAR_SIZE * MINATAR_SIZE * CHANNELS);
    obs[env_minatar_index(CHANNELS, g->player_y, g->player_x, CH_PLAYER)] = 1.0f;
    for (int i = 0; i < 8; i++) {
        const env_minatar_asterix_entity *e = &g->ent[i];
        if (!e->live) continue;
        obs[env_minatar_index(CHANNELS, e->y, e->x, e->gold ? CH_GOLD : CH_ENEMY)] = 1.0f;
        int back = e->right ? e->x - 1 : e->x + 1;
        if (back >= 0 && back < MINATAR_SIZE) obs[env_minatar_index(CHANNELS, e->y, back, CH_TRAIL)] = 1.0f;
    }
}
