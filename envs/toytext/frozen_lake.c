/* rlc envs/toytext: FrozenLake-v1 and FrozenLake8x8-v1 (Gymnasium 1.2 frozen_lake.py rules).
 *
 * A grid of S (start), F (frozen), H (hole) and G (goal) cells; actions 0 left, 1 down, 2 right,
 * 3 up, clamped at the edges. Slippery: the intended move with probability success_rate, each
 * perpendicular one ((a - 1) mod 4 and (a + 1) mod 4, listed in that order around a) with
 * (1 - success_rate) / 2. Reaching G or H terminates with reward_schedule[0] or [1]; any other
 * cell pays reward_schedule[2]. Stepping from G or H (without a reset) stays there: reward 0,
 * terminated. The start is drawn uniformly over the S cells. Every step draws one random(). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "envs/toytext/toytext_common.h"

enum { FL_LEFT = 0, FL_DOWN, FL_RIGHT, FL_UP };

static const char *const fl_map_4x4 = "SFFF,FHFH,FFFH,HFFG";
static const char *const fl_map_8x8 =
    "SFFFFFFF,FFFFFFFF,FFFHFFFF,FFFFFHFF,FFFHFFFF,FHHFFFHF,FHFFHFHF,FFFHFFFG";

void env_frozen_lake_params_default(env_frozen_lake_params *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->map_name, sizeof p->map_name, "4x4");
    p->is_slippery = true;
    p->success_rate = 1.0 / 3.0;
    p->reward_schedule[0] = 1.0;
}

/* the map text the params select, or NULL with a message */
static const char *fl_map_text(const env_frozen_lake_params *p, char *err, size_t err_sz)
{
    if (memchr(p->desc, '\0', sizeof p->desc) == NULL) {
        rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake: desc is not terminated");
        return NULL;
    }
    if (p->desc[0]) return p->desc;
    if (strcmp(p->map_name, "4x4") == 0) return fl_map_4x4;
    if (strcmp(p->map_name, "8x8") == 0) return fl_map_8x8;
    rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake: map_name '%.8s', expected \"4x4\" or \"8x8\" (or a desc)",
            p->map_name);
    return NULL;
}

/* parses "ROW,ROW,..." into tiles; checks the shape and the letters */
static rl_status fl_parse(const char *text, char *tiles, int *nrow, int *ncol, char *err, size_t err_sz)
{
    const int max = ENV_FROZEN_LAKE_MAX_SIDE;
    int r = 0, c = 0, width = -1, starts = 0;
    for (const char *q = text;; q++) {
        if (*q == ',' || *q == '\0') {
            if (c == 0 || (width >= 0 && c != width))
                return rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake desc: row %d has %d cells, expected %d",
                               r, c, width < 0 ? 1 : width);
            width = c;
            r++;
            c = 0;
            if (*q == '\0') break;
            continue;
        }
        if (!strchr("SFHG", *q))
            return rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake desc: row %d has '%c', expected S, F, H or G", r, *q);
        if (r >= max || c >= max)
            return rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake desc: more than %d rows or columns", max);
        starts += *q == 'S';
        tiles[r * max + c++] = *q;
    }
    if (!starts) return rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake desc: no start cell S");
    /* repack the rows densely: row-major with ncol columns */
    for (int i = 0; i < r; i++) memmove(tiles + i * width, tiles + i * max, (size_t)width);
    *nrow = r;
    *ncol = width;
    return RL_OK;
}

static rl_status fl_check(const env_frozen_lake_params *p, char *tiles, int *nrow, int *ncol, char *err,
                          size_t err_sz)
{
    if (!(p->success_rate >= 0.0 && p->success_rate <= 1.0))
        return rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake: success_rate %g, expected a probability in [0, 1]",
                       p->success_rate);
    for (int k = 0; k < 3; k++)
        if (!isfinite(p->reward_schedule[k]))
            return rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake: reward_schedule[%d] is not finite", k);
    const char *text = fl_map_text(p, err, err_sz);
    return text ? fl_parse(text, tiles, nrow, ncol, err, err_sz) : RL_ERR_ARG;
}

/* ---- generate_random_map ------------------------------------------------------------------------ */

/* Gymnasium's is_valid: a path of non-hole cells from (0, 0) to a G, depth first */
static bool fl_has_path(const char *board, int size)
{
    enum { MAXC = ENV_FROZEN_LAKE_MAX_SIDE * ENV_FROZEN_LAKE_MAX_SIDE };
    static const int dirs[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    int stack[4 * MAXC + 1], top = 0;
    bool seen[MAXC] = {false};
    stack[top++] = 0;
    while (top > 0) {
        int cell = stack[--top];
        if (seen[cell]) continue;
        seen[cell] = true;
        for (int d = 0; d < 4; d++) {
            int r = cell / size + dirs[d][0], c = cell % size + dirs[d][1];
            if (r < 0 || r >= size || c < 0 || c >= size) continue;
            if (board[r * size + c] == 'G') return true;
            if (board[r * size + c] != 'H') stack[top++] = r * size + c;
        }
    }
    return false;
}

rl_status env_frozen_lake_random_map(int size, double p, uint64_t seed, char *desc, size_t desc_sz, char *err,
                                     size_t err_sz)
{
    enum { MAXC = ENV_FROZEN_LAKE_MAX_SIDE * ENV_FROZEN_LAKE_MAX_SIDE, TRIES = 100000 };
    if (size < 2 || size > ENV_FROZEN_LAKE_MAX_SIDE)
        return rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake random map: size %d, expected 2 to %d", size,
                       ENV_FROZEN_LAKE_MAX_SIDE);
    if (!(p > 0.0 && p <= 1.0))
        return rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake random map: p %g, expected a probability in (0, 1]", p);
    if (desc_sz < (size_t)size * (size + 1))
        return rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake random map: a %d x %d map needs %d bytes", size, size,
                       size * (size + 1));
    rl_pcg64 r;
    rl_pcg64_seed(&r, seed);
    /* choice(["F", "H"], p=[p, 1 - p]): a cell is H when random() >= cdf[0] = p / (p + (1 - p)) */
    const double cdf0 = p / (p + (1.0 - p));
    char board[MAXC];
    for (int t = 0; t < TRIES; t++) {
        for (int i = 0; i < size * size; i++) board[i] = rl_pcg64_random(&r) >= cdf0 ? 'H' : 'F';
        board[0] = 'S';
        board[size * size - 1] = 'G';
        if (!fl_has_path(board, size)) continue;
        for (int row = 0; row < size; row++) {
            memcpy(desc + row * (size + 1), board + row * size, (size_t)size);
            desc[row * (size + 1) + size] = row == size - 1 ? '\0' : ',';
        }
        return RL_OK;
    }
    return rl_errf(err, err_sz, RL_ERR_ARG, "FrozenLake random map: no map with a path in %d tries (p %g too low)",
                   TRIES, p);
}

static rl_status fl_init(void *state, char *err, size_t err_sz)
{
    env_frozen_lake_state *s = state;
    rl_status st = fl_check(&s->p, s->tiles, &s->nrow, &s->ncol, err, err_sz);
    s->lastaction = -1;
    return st;
}

static void fl_seed(void *state, uint64_t seed) { rl_pcg64_seed(&((env_frozen_lake_state *)state)->np_random, seed); }

/* the cell a move from (row, col) reaches, clamped at the edges */
static int fl_move(const env_frozen_lake_state *st, int row, int col, int a)
{
    if (a == FL_LEFT) col = col > 0 ? col - 1 : 0;
    else if (a == FL_DOWN) row = row < st->nrow - 1 ? row + 1 : st->nrow - 1;
    else if (a == FL_RIGHT) col = col < st->ncol - 1 ? col + 1 : st->ncol - 1;
    else row = row > 0 ? row - 1 : 0;
    return row * st->ncol + col;
}

static env_toytext_transition fl_outcome(const env_frozen_lake_state *st, int s, int a, double prob)
{
    int next = fl_move(st, s / st->ncol, s % st->ncol, a);
    char letter = st->tiles[next];
    int k = letter == 'G' ? 0 : letter == 'H' ? 1 : 2;
    return (env_toytext_transition){prob, next, st->p.reward_schedule[k], letter == 'G' || letter == 'H'};
}

int env_frozen_lake_transitions(const env_frozen_lake_state *st, int s, int a, env_toytext_transition *out)
{
    RL_ASSERT(s >= 0 && s < st->nrow * st->ncol && a >= 0 && a < 4);
    if (st->tiles[s] == 'G' || st->tiles[s] == 'H') {
        out[0] = (env_toytext_transition){1.0, s, 0.0, true};
        return 1;
    }
    if (!st->p.is_slippery) {
        out[0] = fl_outcome(st, s, a, 1.0);
        return 1;
    }
    double fail = (1.0 - st->p.success_rate) / 2.0;
    out[0] = fl_outcome(st, s, (a + 3) % 4, fail);
    out[1] = fl_outcome(st, s, a, st->p.success_rate);
    out[2] = fl_outcome(st, s, (a + 1) % 4, fail);
    return 3;
}

static void fl_reset(void *state, rl_rng *rng, float *obs)
{
    (void)rng;
    env_frozen_lake_state *s = state;
    const int n = s->nrow * s->ncol;
    bool start[ENV_FROZEN_LAKE_MAX_SIDE * ENV_FROZEN_LAKE_MAX_SIDE];
    int k = 0;
    for (int i = 0; i < n; i++) k += start[i] = s->tiles[i] == 'S';
    s->s = tt_pick_uniform(&s->np_random, start, n, k);
    s->lastaction = -1;
    obs[0] = (float)s->s;
}

static void fl_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    (void)rng;
    env_frozen_lake_state *s = state;
    env_toytext_transition t[3];
    int a = tt_action(action), n = env_frozen_lake_transitions(s, s->s, a, t);
    const env_toytext_transition *o = &t[tt_pick(&s->np_random, t, n)];
    s->s = o->next;
    s->lastaction = a;
    obs[0] = (float)s->s;
    *reward = (float)o->reward;
    *terminated = o->terminated;
    *truncated = false;
}

static const env_frozen_lake_params fl_params_4x4 = {
    .desc = "", .map_name = "4x4", .is_slippery = true, .success_rate = 1.0 / 3.0, .reward_schedule = {1, 0, 0}};
static const env_frozen_lake_params fl_params_8x8 = {
    .desc = "", .map_name = "8x8", .is_slippery = true, .success_rate = 1.0 / 3.0, .reward_schedule = {1, 0, 0}};

const env_def env_frozen_lake_v1 = {
    .id = "FrozenLake-v1",
    .state_size = sizeof(env_frozen_lake_state),
    .max_episode_steps = 100,
    .reward_threshold = 0.70,
    .obs_space = {.kind = ENV_SPACE_DISCRETE, .n = 16, .dim = 1},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 4, .dim = 1},
    .init = fl_init,
    .reset = fl_reset,
    .step = fl_step,
    .seed = fl_seed,
    .params = &fl_params_4x4,
    .params_size = sizeof fl_params_4x4,
};

const env_def env_frozen_lake_8x8_v1 = {
    .id = "FrozenLake8x8-v1",
    .state_size = sizeof(env_frozen_lake_state),
    .max_episode_steps = 200,
    .reward_threshold = 0.85,
    .obs_space = {.kind = ENV_SPACE_DISCRETE, .n = 64, .dim = 1},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 4, .dim = 1},
    .init = fl_init,
    .reset = fl_reset,
    .step = fl_step,
    .seed = fl_seed,
    .params = &fl_params_8x8,
    .params_size = sizeof fl_params_8x8,
};

rl_status env_frozen_lake_def(env_def *def, const env_def *base, env_frozen_lake_params *params_storage,
                              const env_frozen_lake_params *p, char *err, size_t err_sz)
{
    if (!base || base->init != fl_init)
        return rl_errf(err, err_sz, RL_ERR_ARG, "env_frozen_lake_def: the base is not a FrozenLake definition");
    char tiles[ENV_FROZEN_LAKE_MAX_SIDE * ENV_FROZEN_LAKE_MAX_SIDE];
    int nrow = 0, ncol = 0;
    rl_status st = fl_check(p, tiles, &nrow, &ncol, err, err_sz);
    if (st != RL_OK) return st;
    *params_storage = *p;
    *def = *base;
    def->params = params_storage;
    def->obs_space.n = nrow * ncol;
    /* one start cell and sure moves: nothing is drawn that matters */
    int starts = 0;
    for (int i = 0; i < nrow * ncol; i++) starts += tiles[i] == 'S';
    def->deterministic = !p->is_slippery && starts == 1;
    return RL_OK;
}
