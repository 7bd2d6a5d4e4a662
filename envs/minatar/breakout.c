/* rlc envs/minatar: Breakout.
 *
 * A paddle on the bottom row (row 9) moves left and right; a ball flies diagonally, one cell per
 * frame, starting on row 3 at the left edge going down-right or at the right edge going
 * down-left (a fair coin). It bounces off the side walls and the top, and off a brick (rows 1..3
 * at first), which breaks for +1; on the frame after a brick hit the ball passes into a brick it
 * meets instead (it neither breaks it nor bounces). On reaching row 9 the ball bounces back up
 * when it comes from above the paddle (reversing its vertical direction) or lands on it
 * (reversing both directions); otherwise the game ends. When no brick is left as the ball reaches
 * row 9, the three rows of bricks come back. */
#include <string.h>

#include "envs/minatar/minatar.h"

#define CHANNELS 4

enum { CH_PADDLE, CH_BALL, CH_TRAIL, CH_BRICK };

/* the directions 0 up-left, 1 up-right, 2 down-right, 3 down-left as steps */
static const int DIR_DX[4] = {-1, 1, 1, -1};
static const int DIR_DY[4] = {-1, -1, 1, 1};
/* the direction after reversing the horizontal / vertical / both components */
static const int FLIP_X[4] = {1, 0, 3, 2};
static const int FLIP_Y[4] = {3, 2, 1, 0};
static const int FLIP_XY[4] = {2, 3, 0, 1};

static void fill_bricks(env_minatar_breakout *g)
{
    for (int y = 1; y <= 3; y++)
        for (int x = 0; x < MINATAR_SIZE; x++) g->bricks[y][x] = 1;
}

static bool no_bricks(const env_minatar_breakout *g)
{
    for (int y = 0; y < MINATAR_SIZE; y++)
        for (int x = 0; x < MINATAR_SIZE; x++)
            if (g->bricks[y][x]) return false;
    return true;
}

void env_minatar_breakout_reset(env_minatar_breakout *g, rl_mt *mt)
{
    memset(g, 0, sizeof *g);
    g->ball_y = 3;
    bool from_right = rl_mt_randint(mt, 0, 2) == 1;
    g->ball_x = from_right ? MINATAR_SIZE - 1 : 0;
    g->ball_dir = from_right ? 3 : 2;
    g->pos = 4;
    fill_bricks(g);
    g->last_x = g->ball_x;
    g->last_y = g->ball_y;
}

/* the ball reaches the bottom row at column nx: bounce off the paddle or end the game; returns
 * the row the ball stays on */
static int bottom(env_minatar_breakout *g, int nx)
{
    if (no_bricks(g)) fill_bricks(g);
    if (g->ball_x == g->pos) {
        g->ball_dir = FLIP_Y[g->ball_dir];
        return g->last_y;
    }
    if (nx == g->pos) {
        g->ball_dir = FLIP_XY[g->ball_dir];
        return g->last_y;
    }
    g->terminal = true;
    return MINATAR_SIZE - 1;
}

int env_minatar_breakout_act(env_minatar_breakout *g, rl_mt *mt, int action)
{
    (void)mt;
    if (g->terminal) return 0;
    if (action == MINATAR_LEFT && g->pos > 0) g->pos--;
    else if (action == MINATAR_RIGHT && g->pos < MINATAR_SIZE - 1) g->pos++;

    g->last_x = g->ball_x;
    g->last_y = g->ball_y;
    int nx = g->ball_x + DIR_DX[g->ball_dir], ny = g->ball_y + DIR_DY[g->ball_dir];
    int r = 0;
    bool hit_brick = false;
    if (nx < 0 || nx >= MINATAR_SIZE) {
        nx = nx < 0 ? 0 : MINATAR_SIZE - 1;
        g->ball_dir = FLIP_X[g->ball_dir];
    }
    if (ny < 0) {
        ny = 0;
        g->ball_dir = FLIP_Y[g->ball_dir];
    } else if (g->bricks[ny][nx]) {
        hit_brick = true;
        if (!g->strike) {
            r = 1;
            g->strike = true;
            g->bricks[ny][nx] = 0;
            ny = g->last_y;
            g->ball_dir = FLIP_Y[g->ball_dir];
        }
    } else if (ny == MINATAR_SIZE - 1) {
        ny = bottom(g, nx);
    }
    if (!hit_brick) g->strike = false;
    g->ball_x = nx;
    g->ball_y = ny;
    return r;
}

void env_minatar_breakout_observe(const env_minatar_breakout *g, float *obs)
{
    memset(obs, 0, sizeof(float) * MINATAR_SIZE * MINATAR_SIZE * CHANNELS);
    obs[env_minatar_index(CHANNELS, g->ball_y, g->ball_x, CH_BALL)] = 1.0f;
    obs[env_minatar_index(CHANNELS, MINATAR_SIZE - 1, g->pos, CH_PADDLE)] = 1.0f;
    obs[env_minatar_index(CHANNELS, g->last_y, g->last_x, CH_TRAIL)] = 1.0f;
    for (int y = 0; y < MINATAR_SIZE; y++)
        for (int x = 0; x < MINATAR_SIZE; x++)
            if (g->bricks[y][x]) obs[env_minatar_index(CHANNELS, y, x, CH_BRICK)] = 1.0f;
}
