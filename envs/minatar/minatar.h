/* rlc envs/minatar: the five MinAtar games (Young and Tian, "MinAtar: An Atari-Inspired Testbed
 * for Thorough and Reproducible Reinforcement Learning Experiments", 2019) as MinAtar 1.0.15
 * defines them, under the ids its Gymnasium registration uses:
 *
 *   MinAtar/Asterix-v0 ... MinAtar/SpaceInvaders-v0   all six actions (no-op, left, up, right,
 *                                                     down, fire)
 *   MinAtar/Asterix-v1 ... MinAtar/SpaceInvaders-v1   the game's minimal action set
 *
 * An observation is a 10 x 10 x C grid of 0/1 channels (a Box of shape (10, 10, C), element type
 * bool, stored channels last as numpy's state array). Every step first repeats the previous action
 * instead of the chosen one with probability 0.1 (sticky actions), and the games ramp their
 * difficulty. All randomness comes from numpy's legacy RandomState(seed) stream (core/rng_mt.h),
 * shared by the sticky actions and the game in MinAtar's order of calls, so that a seed and an
 * action sequence give exactly the game MinAtar's code gives. docs/minatar.md has the rules.
 *
 * The game states are public so that tests and the renderer can read them and tests can place a
 * game in an exact situation; each game has a reset, an act (one frame; returns the reward and
 * sets terminal) and an observe (writes the 10 x 10 x C floats). */
#ifndef RLC_ENVS_MINATAR_H
#define RLC_ENVS_MINATAR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/rng_mt.h"
#include "envs/env.h"

#define MINATAR_SIZE 10           /* the grid is MINATAR_SIZE x MINATAR_SIZE */
#define MINATAR_MAX_CHANNELS 10   /* Seaquest's */
#define MINATAR_STICKY 0.1        /* the probability of repeating the last action */

/* MinAtar's six actions, as the v0 ids number them */
enum { MINATAR_NOOP = 0, MINATAR_LEFT, MINATAR_UP, MINATAR_RIGHT, MINATAR_DOWN, MINATAR_FIRE };

typedef enum {
    MINATAR_ASTERIX = 0,
    MINATAR_BREAKOUT,
    MINATAR_FREEWAY,
    MINATAR_SEAQUEST,
    MINATAR_SPACE_INVADERS,
    MINATAR_GAMES
} env_minatar_game;

/* ---- Asterix: channels player, enemy, trail, gold --------------------------------------------- */

typedef struct {
    bool live;
    int x, y;
    bool right;   /* moving right (spawned at x = 0) or left (at x = 9) */
    bool gold;    /* treasure (+1 when touched) or enemy (ends the game) */
} env_minatar_asterix_entity;

typedef struct {
    int player_x, player_y;
    env_minatar_asterix_entity ent[8];   /* slot i moves along row i + 1 */
    int spawn_speed, spawn_timer, move_speed, move_timer, ramp_timer, ramp_index;
    bool terminal;
} env_minatar_asterix;

void env_minatar_asterix_reset(env_minatar_asterix *g, rl_mt *mt);
int env_minatar_asterix_act(env_minatar_asterix *g, rl_mt *mt, int action);
void env_minatar_asterix_observe(const env_minatar_asterix *g, float *obs);

/* ---- Breakout: channels paddle, ball, trail, brick ------------------------------------------- */

typedef struct {
    int ball_x, ball_y;
    int ball_dir;           /* 0 up-left, 1 up-right, 2 down-right, 3 down-left (y grows downwards) */
    int last_x, last_y;     /* the ball's previous cell (the trail) */
    int pos;                /* the paddle's column, on row 9 */
    uint8_t bricks[MINATAR_SIZE][MINATAR_SIZE];   /* [y][x] */
    bool strike;            /* the ball hit a brick on the previous frame */
    bool terminal;
} env_minatar_breakout;

void env_minatar_breakout_reset(env_minatar_breakout *g, rl_mt *mt);
int env_minatar_breakout_act(env_minatar_breakout *g, rl_mt *mt, int action);
void env_minatar_breakout_observe(const env_minatar_breakout *g, float *obs);

/* ---- Freeway: channels chicken, car, speed1 ... speed5 (the trail, by how often the car moves) */

typedef struct {
    int x, y;       /* car i drives along row i + 1 */
    int timer;      /* frames until it moves */
    int speed;      /* +-1..5: moves every |speed| + 1 frames, rightwards when positive */
} env_minatar_car;

typedef struct {
    env_minatar_car cars[8];
    int pos;                /* the chicken's row, in column 4 */
    int move_timer;         /* frames until the chicken may move */
    int terminate_timer;    /* frames left: the game ends when it falls below 0 */
    bool terminal;
} env_minatar_freeway;

void env_minatar_freeway_reset(env_minatar_freeway *g, rl_mt *mt);
int env_minatar_freeway_act(env_minatar_freeway *g, rl_mt *mt, int action);
void env_minatar_freeway_observe(const env_minatar_freeway *g, float *obs);

/* ---- Seaquest: channels sub_front, sub_back, friendly_bullet, trail, enemy_bullet, enemy_fish,
 * enemy_sub, oxygen_gauge, diver_gauge, diver ----------------------------------------------------- */

/* enough for every reachable game: one enemy spawns per frame at most and lives at most 61 */
#define MINATAR_SQ_CAP 128

/* one object; a field an object does not have stays 0, so that two objects of a list are equal
 * exactly when MinAtar's lists for them are */
typedef struct {
    int x, y;
    int right;        /* direction (bullets: the way they fly) */
    int move_timer;   /* fish, subs, divers */
    int shot_timer;   /* subs */
} env_minatar_sq_obj;

typedef struct {
    int n;
    env_minatar_sq_obj v[MINATAR_SQ_CAP];
} env_minatar_sq_list;

typedef struct {
    int oxygen, diver_count;
    int sub_x, sub_y;
    bool sub_right;           /* facing right */
    env_minatar_sq_list f_bullets, e_bullets, e_fish, e_subs, divers;
    int e_spawn_speed, e_spawn_timer, d_spawn_timer, move_speed, ramp_index, shot_timer;
    bool surface;             /* at the surface since the last surfacing */
    bool terminal;
} env_minatar_seaquest;

void env_minatar_seaquest_reset(env_minatar_seaquest *g, rl_mt *mt);
int env_minatar_seaquest_act(env_minatar_seaquest *g, rl_mt *mt, int action);
void env_minatar_seaquest_observe(const env_minatar_seaquest *g, float *obs);

/* ---- SpaceInvaders: channels cannon, alien, alien_left, alien_right, friendly_bullet,
 * enemy_bullet ---------------------------------------------------------------------------------- */

typedef struct {
    int pos;                                              /* the cannon's column, on row 9 */
    uint8_t f_bullets[MINATAR_SIZE][MINATAR_SIZE];        /* [y][x] */
    uint8_t e_bullets[MINATAR_SIZE][MINATAR_SIZE];
    uint8_t aliens[MINATAR_SIZE][MINATAR_SIZE];
    int alien_dir;                                        /* -1 left, +1 right */
    int enemy_move_interval, alien_move_timer, alien_shot_timer, ramp_index, shot_timer;
    bool terminal;
} env_minatar_space_invaders;

void env_minatar_space_invaders_reset(env_minatar_space_invaders *g, rl_mt *mt);
int env_minatar_space_invaders_act(env_minatar_space_invaders *g, rl_mt *mt, int action);
void env_minatar_space_invaders_observe(const env_minatar_space_invaders *g, float *obs);

/* ---- the environments ------------------------------------------------------------------------ */

/* the state block of every MinAtar env_def */
typedef struct {
    env_minatar_game game;
    bool minimal;        /* v1: actions index the minimal action set */
    rl_mt mt;            /* RandomState(seed): the sticky actions' and the game's draws */
    int last_action;     /* the last action played (0..5): 0 after a seeded reset, as in a fresh
                            MinAtar environment; kept across unseeded resets, as MinAtar does */
    union {
        env_minatar_asterix asterix;
        env_minatar_breakout breakout;
        env_minatar_freeway freeway;
        env_minatar_seaquest seaquest;
        env_minatar_space_invaders space_invaders;
    } g;
} env_minatar_state;

/* what the environments and the renderer need to know of a game */
typedef struct {
    const char *name;            /* "SpaceInvaders", as in the ids */
    int channels;
    int n_minimal;
    int minimal[6];              /* the v1 action set: MinAtar action of each v1 action */
} env_minatar_game_info;

const env_minatar_game_info *env_minatar_info(env_minatar_game game);
/* Writes the observation of s's game (100 * channels floats, each 0 or 1). */
void env_minatar_observe(const env_minatar_state *s, float *obs);
/* The MinAtar environments' definitions in registration order (each game's v0 then v1); *n
 * receives the count (10). */
const env_def *const *env_minatar_defs(int *n);

/* The colour of channel k (0..channels-1) in rlc record's pictures (envs/minatar/render_minatar.c):
 * MinAtar's GUI palette, seaborn's "cubehelix" palette of `channels` colours; an empty cell is
 * black. */
void env_minatar_palette(int channels, int k, uint8_t rgb[3]);

/* the float of cell (y, x), channel c, in an observation of `channels` channels */
static inline int env_minatar_index(int channels, int y, int x, int c)
{
    return (y * MINATAR_SIZE + x) * channels + c;
}

#endif
