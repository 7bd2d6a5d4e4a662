/* rlc envs/toytext: Taxi-v3 (Gymnasium 1.2 taxi.py rules) and Taxi-v4 (1.3: the is_rainy fix).
 *
 * A 5 x 5 grid with walls, four stands R (0, 0), G (0, 4), Y (4, 0), B (4, 3). State
 * ((row * 5 + col) * 5 + passenger) * 4 + destination, passenger 4 = in the taxi. Actions 0 south,
 * 1 north, 2 east, 3 west, 4 pickup, 5 drop-off. -1 a step, -10 for an illegal pickup or
 * drop-off, +20 and termination for a drop-off at the destination; a drop-off with the passenger
 * aboard at another stand leaves them there (-1). The start is uniform over the 300 states with
 * the passenger at a stand other than the destination.
 *
 * is_rainy: a move goes where intended with probability 0.8 (v4: rainy_probability), else to
 * either side (0.1 each), as the two versions compute the sides (v3 checks the walls of the
 * side moves against other cells than v4 does; see taxi_rainy). fickle_passenger: at reset, with
 * probability 0.3 (v4: fickle_probability) the passenger will change destination once, uniformly
 * to another stand, on the first move that leaves the cell with them aboard.
 *
 * Draws per step: one random() (the outcome, even when there is one), then choice(3) when the
 * passenger turns fickle. Per reset: one random(), then one more with fickle_passenger. */
#include <string.h>

#include "envs/toytext/toytext_common.h"

enum { TX_SOUTH = 0, TX_NORTH, TX_EAST, TX_WEST, TX_PICKUP, TX_DROPOFF };

#define TX_STATES 500
#define TX_MAX 4   /* the last row and column */

/* Gymnasium's map: column 2c + 1 of row r + 1 is cell (r, c); ':' between cells is open, '|' a wall */
static const char *const tx_map[7] = {
    "+---------+", "|R: | : :G|", "| : | : : |", "| : : : : |", "| | : | : |", "|Y| : |B: |", "+---------+",
};
static const int tx_locs[4][2] = {{0, 0}, {0, 4}, {4, 0}, {4, 3}};

int env_taxi_encode(int row, int col, int pass, int dest) { return ((row * 5 + col) * 5 + pass) * 4 + dest; }

void env_taxi_decode(int s, int *row, int *col, int *pass, int *dest)
{
    *dest = s % 4;
    s /= 4;
    *pass = s % 5;
    s /= 5;
    *col = s % 5;
    *row = s / 5;
}

static bool tx_open(int map_row, int map_col) { return tx_map[map_row][map_col] == ':'; }

/* the stand at (row, col), or -1 */
static int tx_stand(int row, int col)
{
    for (int i = 0; i < 4; i++)
        if (tx_locs[i][0] == row && tx_locs[i][1] == col) return i;
    return -1;
}

static int tx_clamp(int v) { return v < 0 ? 0 : v > TX_MAX ? TX_MAX : v; }

void env_taxi_params_default(env_taxi_params *p, int version)
{
    memset(p, 0, sizeof *p);
    p->version = version;
    p->rainy_probability = 0.8;
    p->fickle_probability = 0.3;
}

static rl_status tx_check(const env_taxi_params *p, char *err, size_t err_sz)
{
    if (p->version != 3 && p->version != 4)
        return rl_errf(err, err_sz, RL_ERR_ARG, "Taxi: version %d, expected 3 or 4", p->version);
    if (p->version == 3 && (p->rainy_probability != 0.8 || p->fickle_probability != 0.3))
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "Taxi-v3 has no rainy_probability or fickle_probability (fixed 0.8 and 0.3); Taxi-v4 has");
    if (!(p->rainy_probability >= 0.0 && p->rainy_probability <= 1.0))
        return rl_errf(err, err_sz, RL_ERR_ARG, "Taxi: rainy_probability %g, expected a probability in [0, 1]",
                       p->rainy_probability);
    if (!(p->fickle_probability >= 0.0 && p->fickle_probability <= 1.0))
        return rl_errf(err, err_sz, RL_ERR_ARG, "Taxi: fickle_probability %g, expected a probability in [0, 1]",
                       p->fickle_probability);
    return RL_OK;
}

static rl_status tx_init(void *state, char *err, size_t err_sz)
{
    env_taxi_state *s = state;
    s->lastaction = -1;
    return tx_check(&s->p, err, err_sz);
}

static void tx_seed(void *state, uint64_t seed) { rl_pcg64_seed(&((env_taxi_state *)state)->np_random, seed); }

/* ---- the rules -------------------------------------------------------------------------------- */

/* pickup and drop-off: the new passenger location, the reward and termination */
static void tx_service(int row, int col, int pass, int dest, int a, int *new_pass, double *reward, bool *term)
{
    int stand = tx_stand(row, col);
    *new_pass = pass;
    *reward = -1.0;
    *term = false;
    if (a == TX_PICKUP) {
        if (pass < 4 && stand == pass) *new_pass = 4;
        else *reward = -10.0;
    } else if (pass == 4 && stand == dest) {
        *new_pass = dest;
        *reward = 20.0;
        *term = true;
    } else if (pass == 4 && stand >= 0) {
        *new_pass = stand;
    } else {
        *reward = -10.0;
    }
}

/* a dry move: south and north clamp at the edges, east and west stop at walls */
static void tx_dry_move(int row, int col, int a, int *nr, int *nc)
{
    *nr = row;
    *nc = col;
    if (a == TX_SOUTH) *nr = tx_clamp(row + 1);
    else if (a == TX_NORTH) *nr = tx_clamp(row - 1);
    else if (a == TX_EAST && tx_open(1 + row, 2 * col + 2)) *nc = tx_clamp(col + 1);
    else if (a == TX_WEST && tx_open(1 + row, 2 * col)) *nc = tx_clamp(col - 1);
}

/* the moves of each action under rain: intended, then the two sides, as (drow, dcol) */
static const int tx_rain_v3[4][3][2] = {
    {{1, 0}, {0, -1}, {0, 1}}, {{-1, 0}, {0, -1}, {0, 1}}, {{0, 1}, {1, 0}, {-1, 0}}, {{0, -1}, {1, 0}, {-1, 0}}};
static const int tx_rain_v4[4][3][2] = {
    {{1, 0}, {0, 1}, {0, -1}}, {{-1, 0}, {0, -1}, {0, 1}}, {{0, 1}, {-1, 0}, {1, 0}}, {{0, -1}, {1, 0}, {-1, 0}}};

/* a side move under rain: v3 tests the map at column 2 nc + offset of the clamped target (offset
 * 2 for the first side, 0 for the second), v4 tests the wall crossed by an east or west move */
static void tx_side(int version, int row, int col, const int d[2], int offset, int *nr, int *nc)
{
    int r = tx_clamp(row + d[0]), c = tx_clamp(col + d[1]);
    bool ok;
    if (version == 3) ok = tx_open(1 + r, 2 * c + offset);
    else ok = !(d[1] == 1 && !tx_open(1 + r, 2 * c)) && !(d[1] == -1 && !tx_open(1 + r, 2 * c + 2));
    *nr = ok ? r : row;
    *nc = ok ? c : col;
}

/* whether the intended move under rain happens at all (otherwise no side move either) */
static bool tx_rain_moves(int version, int row, int col, int a)
{
    if (a == TX_EAST) return tx_open(1 + row, 2 * col + 2);
    if (a == TX_WEST) return tx_open(1 + row, 2 * col);
    return version == 3 || (a == TX_SOUTH ? row < TX_MAX : row > 0);
}

static int tx_rainy(const env_taxi_state *st, int row, int col, int pass, int dest, int a, env_toytext_transition *out)
{
    const int v = st->p.version;
    const int(*mv)[2] = v == 3 ? tx_rain_v3[a] : tx_rain_v4[a];
    int pos[3][2] = {{row, col}, {row, col}, {row, col}};
    if (tx_rain_moves(v, row, col, a)) {
        pos[0][0] = tx_clamp(row + mv[0][0]);
        pos[0][1] = tx_clamp(col + mv[0][1]);
        tx_side(v, row, col, mv[1], 2, &pos[1][0], &pos[1][1]);
        tx_side(v, row, col, mv[2], 0, &pos[2][0], &pos[2][1]);
    }
    double p = v == 3 ? 0.8 : st->p.rainy_probability, side = v == 3 ? 0.1 : (1.0 - p) / 2.0;
    for (int i = 0; i < 3; i++)
        out[i] = (env_toytext_transition){i == 0 ? p : side, env_taxi_encode(pos[i][0], pos[i][1], pass, dest), -1.0,
                                          false};
    return 3;
}

int env_taxi_transitions(const env_taxi_state *st, int s, int a, env_toytext_transition *out)
{
    RL_ASSERT(s >= 0 && s < TX_STATES && a >= 0 && a < 6);
    int row, col, pass, dest;
    env_taxi_decode(s, &row, &col, &pass, &dest);
    if (a >= TX_PICKUP) {
        int np;
        double r;
        bool term;
        tx_service(row, col, pass, dest, a, &np, &r, &term);
        out[0] = (env_toytext_transition){1.0, env_taxi_encode(row, col, np, dest), r, term};
        return 1;
    }
    if (st->p.is_rainy) return tx_rainy(st, row, col, pass, dest, a, out);
    int nr, nc;
    tx_dry_move(row, col, a, &nr, &nc);
    out[0] = (env_toytext_transition){1.0, env_taxi_encode(nr, nc, pass, dest), -1.0, false};
    return 1;
}

void env_taxi_action_mask(int s, int8_t mask[6])
{
    int row, col, pass, dest;
    env_taxi_decode(s, &row, &col, &pass, &dest);
    int stand = tx_stand(row, col);
    mask[TX_SOUTH] = row < TX_MAX;
    mask[TX_NORTH] = row > 0;
    mask[TX_EAST] = col < TX_MAX && tx_open(row + 1, 2 * col + 2);
    mask[TX_WEST] = col > 0 && tx_open(row + 1, 2 * col);
    mask[TX_PICKUP] = pass < 4 && stand == pass;
    mask[TX_DROPOFF] = pass == 4 && stand >= 0;
}

/* ---- reset and step ----------------------------------------------------------------------------- */

static void tx_reset(void *state, rl_rng *rng, float *obs)
{
    (void)rng;
    env_taxi_state *s = state;
    bool start[TX_STATES];
    for (int i = 0; i < TX_STATES; i++) {
        int row, col, pass, dest;
        env_taxi_decode(i, &row, &col, &pass, &dest);
        start[i] = pass < 4 && pass != dest;
    }
    s->s = tt_pick_uniform(&s->np_random, start, TX_STATES, 300);
    s->lastaction = -1;
    double fickle = s->p.version == 3 ? 0.3 : s->p.fickle_probability;
    s->fickle_step = s->p.fickle_passenger && rl_pcg64_random(&s->np_random) < fickle;
    obs[0] = (float)s->s;
}

/* the fickle passenger: on the first move with them aboard, a new destination among the others */
static int tx_fickle(env_taxi_state *st, int from, int to)
{
    int r0, c0, p0, d0, r1, c1, p1, d1;
    env_taxi_decode(from, &r0, &c0, &p0, &d0);
    env_taxi_decode(to, &r1, &c1, &p1, &d1);
    if (!(st->p.fickle_passenger && st->fickle_step && p0 == 4 && (r1 != r0 || c1 != c0))) return to;
    st->fickle_step = false;
    int others[3], k = 0;
    for (int i = 0; i < 4; i++)
        if (i != d0) others[k++] = i;
    return env_taxi_encode(r1, c1, p1, others[rl_pcg64_choice(&st->np_random, 3)]);
}

static void tx_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    (void)rng;
    env_taxi_state *s = state;
    env_toytext_transition t[3];
    int a = tt_action(action), n = env_taxi_transitions(s, s->s, a, t);
    const env_toytext_transition *o = &t[tt_pick(&s->np_random, t, n)];
    s->lastaction = a;
    s->s = tx_fickle(s, s->s, o->next);
    obs[0] = (float)s->s;
    *reward = (float)o->reward;
    *terminated = o->terminated;
    *truncated = false;
}

/* the env_def hook: Gymnasium's info["action_mask"] of the current state */
static void tx_action_mask(const void *state, uint8_t *mask)
{
    int8_t m[6];
    env_taxi_action_mask(((const env_taxi_state *)state)->s, m);
    for (int a = 0; a < 6; a++) mask[a] = (uint8_t)m[a];
}

static const env_taxi_params tx_params_v3 = {.version = 3, .rainy_probability = 0.8, .fickle_probability = 0.3};
static const env_taxi_params tx_params_v4 = {.version = 4, .rainy_probability = 0.8, .fickle_probability = 0.3};

const env_def env_taxi_v3 = {
    .id = "Taxi-v3",
    .state_size = sizeof(env_taxi_state),
    .max_episode_steps = 200,
    .reward_threshold = 8.0,
    .obs_space = {.kind = ENV_SPACE_DISCRETE, .n = TX_STATES, .dim = 1},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 6, .dim = 1},
    .init = tx_init,
    .reset = tx_reset,
    .step = tx_step,
    .seed = tx_seed,
    .params = &tx_params_v3,
    .params_size = sizeof tx_params_v3,
    .action_mask = tx_action_mask,
};

const env_def env_taxi_v4 = {
    .id = "Taxi-v4",
    .state_size = sizeof(env_taxi_state),
    .max_episode_steps = 200,
    .reward_threshold = 8.0,
    .obs_space = {.kind = ENV_SPACE_DISCRETE, .n = TX_STATES, .dim = 1},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 6, .dim = 1},
    .init = tx_init,
    .reset = tx_reset,
    .step = tx_step,
    .seed = tx_seed,
    .params = &tx_params_v4,
    .params_size = sizeof tx_params_v4,
    .action_mask = tx_action_mask,
};

rl_status env_taxi_def(env_def *def, const env_def *base, env_taxi_params *params_storage, const env_taxi_params *p,
                       char *err, size_t err_sz)
{
    if (!base || base->init != tx_init)
        return rl_errf(err, err_sz, RL_ERR_ARG, "env_taxi_def: the base is not a Taxi definition");
    rl_status st = tx_check(p, err, err_sz);
    if (st != RL_OK) return st;
    if (p->version != ((const env_taxi_params *)base->params)->version)
        return rl_errf(err, err_sz, RL_ERR_ARG, "Taxi: version %d given for %s", p->version, base->id);
    *params_storage = *p;
    *def = *base;
    def->params = params_storage;
    return RL_OK;
}
