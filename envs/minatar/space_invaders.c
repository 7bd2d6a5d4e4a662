/* rlc envs/minatar: SpaceInvaders.
 *
 * A cannon on the bottom row (row 9) moves left and right and fires at most once every 5 frames
 * (fire is the only thing it does on such a frame); its bullets rise one row per frame. A block of
 * 4 x 6 aliens (rows 0..3, columns 2..7) moves sideways as a whole, one column every
 * min(aliens left, move interval) frames (the interval is 12 for the first wave); when an alien
 * touches the edge it is heading to, the block moves down a row instead and turns (the game ends
 * if the block already reached row 9 then; rows roll over as numpy.roll does). Every 10 frames the
 * alien nearest the cannon (the nearest non-empty column, the left one on a tie; its lowest alien)
 * drops a bullet that falls one row per frame. A bullet that meets an alien removes both for +1.
 * An alien or an alien's bullet on the cannon ends the game. A cleared wave comes back whole, one
 * frame faster (down to an interval of 6). The direction of the block is shown by the channel
 * (alien_left or alien_right) that copies the aliens. */
#include <string.h>

#include "envs/minatar/minatar.h"

#define SHOT_COOL_DOWN 5
#define ENEMY_MOVE_INTERVAL 12
#define ENEMY_SHOT_INTERVAL 10
#define CHANNELS 6

enum { CH_CANNON, CH_ALIEN, CH_ALIEN_LEFT, CH_ALIEN_RIGHT, CH_F_BULLET, CH_E_BULLET };

typedef uint8_t grid[MINATAR_SIZE][MINATAR_SIZE];   /* [y][x] */

static void fill_aliens(env_minatar_space_invaders *g)
{
    for (int y = 0; y < 4; y++)
        for (int x = 2; x < 8; x++) g->aliens[y][x] = 1;
}

static int count(grid m)
{
    int n = 0;
    for (int y = 0; y < MINATAR_SIZE; y++)
        for (int x = 0; x < MINATAR_SIZE; x++) n += m[y][x] != 0;
    return n;
}

static bool column_has(grid m, int x)
{
    for (int y = 0; y < MINATAR_SIZE; y++)
        if (m[y][x]) return true;
    return false;
}

static bool row_has(grid m, int y)
{
    for (int x = 0; x < MINATAR_SIZE; x++)
        if (m[y][x]) return true;
    return false;
}

/* numpy.roll along the rows: row y moves to y + by (by = +-1), the last row wrapping around */
static void roll_rows(grid m, int by)
{
    grid t;
    for (int y = 0; y < MINATAR_SIZE; y++) memcpy(t[(y + by + MINATAR_SIZE) % MINATAR_SIZE], m[y], MINATAR_SIZE);
    memcpy(m, t, sizeof t);
}

/* numpy.roll along the columns: column x moves to x + by */
static void roll_columns(grid m, int by)
{
    grid t;
    for (int y = 0; y < MINATAR_SIZE; y++)
        for (int x = 0; x < MINATAR_SIZE; x++) t[y][(x + by + MINATAR_SIZE) % MINATAR_SIZE] = m[y][x];
    memcpy(m, t, sizeof t);
}

void env_minatar_space_invaders_reset(env_minatar_space_invaders *g, rl_mt *mt)
{
    (void)mt;
    memset(g, 0, sizeof *g);
    g->pos = 5;
    fill_aliens(g);
    g->alien_dir = -1;
    g->enemy_move_interval = ENEMY_MOVE_INTERVAL;
    g->alien_move_timer = ENEMY_MOVE_INTERVAL;
    g->alien_shot_timer = ENEMY_SHOT_INTERVAL;
}

static void move_aliens(env_minatar_space_invaders *g)
{
    int n = count(g->aliens);
    g->alien_move_timer = n < g->enemy_move_interval ? n : g->enemy_move_interval;
    bool at_edge = (g->alien_dir < 0 && column_has(g->aliens, 0)) ||
                   (g->alien_dir > 0 && column_has(g->aliens, MINATAR_SIZE - 1));
    if (at_edge) {
        g->alien_dir = -g->alien_dir;
        if (row_has(g->aliens, MINATAR_SIZE - 1)) g->terminal = true;
        roll_rows(g->aliens, 1);
    } else {
        roll_columns(g->aliens, g->alien_dir);
    }
    if (g->aliens[MINATAR_SIZE - 1][g->pos]) g->terminal = true;
}

/* the lowest alien of the nearest non-empty column to the cannon drops a bullet */
static void alien_shot(env_minatar_space_invaders *g)
{
    for (int d = 0; d < MINATAR_SIZE; d++) {
        int cols[2] = {g->pos - d, g->pos + d};
        for (int k = 0; k < (d ? 2 : 1); k++) {
            int x = cols[k];
            if (x < 0 || x >= MINATAR_SIZE || !column_has(g->aliens, x)) continue;
            int y = MINATAR_SIZE - 1;
            while (!g->aliens[y][x]) y--;
            g->e_bullets[y][x] = 1;
            return;
        }
    }
    RL_ASSERT_MSG(false, "an alien shot with no alien left");
}

static void player_action(env_minatar_space_invaders *g, int action)
{
    if (action == MINATAR_FIRE && g->shot_timer == 0) {
        g->f_bullets[MINATAR_SIZE - 1][g->pos] = 1;
        g->shot_timer = SHOT_COOL_DOWN;
    } else if (action == MINATAR_LEFT && g->pos > 0) {
        g->pos--;
    } else if (action == MINATAR_RIGHT && g->pos < MINATAR_SIZE - 1) {
        g->pos++;
    }
}

/* aliens and player's bullets on one cell remove each other */
static int kills(env_minatar_space_invaders *g)
{
    int r = 0;
    for (int y = 0; y < MINATAR_SIZE; y++)
        for (int x = 0; x < MINATAR_SIZE; x++)
            if (g->aliens[y][x] && g->f_bullets[y][x]) {
                g->aliens[y][x] = g->f_bullets[y][x] = 0;
                r++;
            }
    return r;
}

int env_minatar_space_invaders_act(env_minatar_space_invaders *g, rl_mt *mt, int action)
{
    (void)mt;
    if (g->terminal) return 0;
    player_action(g, action);
    roll_rows(g->f_bullets, -1);
    memset(g->f_bullets[MINATAR_SIZE - 1], 0, MINATAR_SIZE);
    roll_rows(g->e_bullets, 1);
    memset(g->e_bullets[0], 0, MINATAR_SIZE);
    if (g->e_bullets[MINATAR_SIZE - 1][g->pos]) g->terminal = true;
    if (g->aliens[MINATAR_SIZE - 1][g->pos]) g->terminal = true;
    if (g->alien_move_timer == 0) move_aliens(g);
    if (g->alien_shot_timer == 0) {
        g->alien_shot_timer = ENEMY_SHOT_INTERVAL;
        alien_shot(g);
    }
    int r = kills(g);
    if (g->shot_timer > 0) g->shot_timer--;
    g->alien_move_timer--;
    g->alien_shot_timer--;
    if (count(g->aliens) == 0) {
        if (g->enemy_move_interval > 6) {
            g->enemy_move_interval--;
            g->ramp_index++;
        }
        fill_aliens(g);
    }
    return r;
}

void env_minatar_space_invaders_observe(const env_minatar_space_invaders *g, float *obs)
{
    memset(obs, 0, sizeof(float) * MINATAR_SIZE * MINATAR_SIZE * CHANNELS);
    obs[env_minatar_index(CHANNELS, MINATAR_SIZE - 1, g->pos, CH_CANNON)] = 1.0f;
    int dir_channel = g->alien_dir < 0 ? CH_ALIEN_LEFT : CH_ALIEN_RIGHT;
    for (int y = 0; y < MINATAR_SIZE; y++)
        for (int x = 0; x < MINATAR_SIZE; x++) {
            if (g->aliens[y][x]) {
                obs[env_minatar_index(CHANNELS, y, x, CH_ALIEN)] = 1.0f;
                obs[env_minatar_index(CHANNELS, y, x, dir_channel)] = 1.0f;
            }
            if (g->f_bullets[y][x]) obs[env_minatar_index(CHANNELS, y, x, CH_F_BULLET)] = 1.0f;
            if (g->e_bullets[y][x]) obs[env_minatar_index(CHANNELS, y, x, CH_E_BULLET)] = 1.0f;
        }
}
