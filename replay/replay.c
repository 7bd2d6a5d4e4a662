/* rlc replay: the uniform / prioritized ring buffer with n-step returns (see replay.h). */
#include "replay/replay.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void replay_config_default(replay_config *c)
{
    memset(c, 0, sizeof *c);
    c->capacity = 100000;
    c->n_envs = 1;
    c->n_step = 1;
    c->gamma = 0.99f;
    c->alpha = 0.6f;
    c->eps = 1e-6f;
    c->act_low = -INFINITY;
    c->act_high = INFINITY;
}

static int64_t leaves_for(int64_t capacity)
{
    int64_t l = 1;
    while (l < capacity) l <<= 1;
    return l;
}

static int64_t rounded_capacity(const replay_config *c)
{
    int64_t rows = c->capacity / c->n_envs;
    return (rows < 1 ? 1 : rows) * c->n_envs;
}

size_t replay_config_bytes(const replay_config *c)
{
    size_t cap = (size_t)rounded_capacity(c);
    size_t obs_bytes = c->obs_bytes ? 1 : sizeof(float);
    size_t per = 2 * (size_t)c->obs_dim * obs_bytes + ((size_t)c->act_dim + 1) * sizeof(float) + 2;
    size_t n = cap * per;
    if (c->prioritized) n += 2 * (size_t)leaves_for((int64_t)cap) * sizeof(double);
    return n;
}

size_t replay_buffer_bytes(const replay_buffer *b) { return replay_config_bytes(&b->cfg); }

rl_status replay_buffer_init(replay_buffer *b, const replay_config *c, char *err, size_t err_sz)
{
    memset(b, 0, sizeof *b);
    if (c->n_envs < 1 || c->obs_dim < 1 || c->act_dim < 1 || c->capacity < 1)
        return rl_errf(err, err_sz, RL_ERR_ARG, "replay: bad sizes (n_envs %d, obs_dim %d, act_dim %d, capacity %lld)",
                       c->n_envs, c->obs_dim, c->act_dim, (long long)c->capacity);
    if (c->n_step < 1)
        return rl_errf(err, err_sz, RL_ERR_ARG, "replay: n_step must be >= 1 (got %d)", c->n_step);
    if (c->n_actions < 0 || (c->n_actions > 0 && c->act_dim != 1) || !(c->act_low <= c->act_high))
        return rl_errf(err, err_sz, RL_ERR_ARG, "replay: bad action space (n_actions %d, act_dim %d, bounds %g to %g)",
                       c->n_actions, c->act_dim, (double)c->act_low, (double)c->act_high);
    b->cfg = *c;
    b->cfg.capacity = rounded_capacity(c);
    b->rows = b->cfg.capacity / c->n_envs;
    if (b->rows < c->n_step)
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "replay: capacity %lld holds %lld rows of %d envs, fewer than n_step = %d",
                       (long long)c->capacity, (long long)b->rows, c->n_envs, c->n_step);
    size_t cap = (size_t)b->cfg.capacity, D = (size_t)c->obs_dim, A = (size_t)c->act_dim;
    bool obs_ok;
    if (c->obs_bytes) {
        b->obs8 = malloc(cap * D);
        b->next_obs8 = malloc(cap * D);
        obs_ok = b->obs8 && b->next_obs8;
    } else {
        b->obs = malloc(cap * D * sizeof(float));
        b->next_obs = malloc(cap * D * sizeof(float));
        obs_ok = b->obs && b->next_obs;
    }
    b->actions = malloc(cap * A * sizeof(float));
    b->rewards = malloc(cap * sizeof(float));
    b->terminated = calloc(cap, 1);
    b->truncated = calloc(cap, 1);
    if (c->prioritized) {
        b->n_leaves = leaves_for(b->cfg.capacity);
        b->tree = calloc(2 * (size_t)b->n_leaves, sizeof(double));
    }
    if (!obs_ok || !b->actions || !b->rewards || !b->terminated || !b->truncated ||
        (c->prioritized && !b->tree)) {
        size_t need = replay_config_bytes(&b->cfg);
        replay_buffer_free(b);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "replay: cannot allocate %.1f MB for %lld transitions",
                       need / 1048576.0, (long long)c->capacity);
    }
    b->max_priority = 1.0;
    return RL_OK;
}

void replay_buffer_free(replay_buffer *b)
{
    if (!b) return;
    free(b->obs);
    free(b->next_obs);
    free(b->obs8);
    free(b->next_obs8);
    free(b->actions);
    free(b->rewards);
    free(b->terminated);
    free(b->truncated);
    free(b->tree);
    memset(b, 0, sizeof *b);
}

/* ---- sum tree ---------------------------------------------------------------------------- */

static void tree_set(replay_buffer *b, int64_t slot, double p)
{
    int64_t i = b->n_leaves + slot;
    b->tree[i] = p;
    for (i >>= 1; i >= 1; i >>= 1) b->tree[i] = b->tree[2 * i] + b->tree[2 * i + 1];
}

/* the leaf whose cumulative range contains mass u in [0, total) */
static int64_t tree_find(const replay_buffer *b, double u)
{
    int64_t i = 1;
    while (i < b->n_leaves) {
        double left = b->tree[2 * i];
        if (u < left) i = 2 * i;
        else {
            u -= left;
            i = 2 * i + 1;
        }
    }
    return i - b->n_leaves;
}

double replay_buffer_priority(const replay_buffer *b, int64_t slot)
{
    RL_ASSERT(b->tree && slot >= 0 && slot < b->cfg.capacity);
    return b->tree[b->n_leaves + slot];
}

/* ---- add and sample ---------------------------------------------------------------------- */

/* absolute rows [first, last] that can be sampled; empty when last < first */
static void valid_rows(const replay_buffer *b, int64_t *first, int64_t *last)
{
    *first = b->added_rows > b->rows ? b->added_rows - b->rows : 0;
    *last = b->added_rows - b->cfg.n_step;
}

int64_t replay_buffer_valid(const replay_buffer *b)
{
    int64_t f, l;
    valid_rows(b, &f, &l);
    return l < f ? 0 : (l - f + 1) * b->cfg.n_envs;
}

int64_t replay_buffer_stored(const replay_buffer *b)
{
    return (b->added_rows < b->rows ? b->added_rows : b->rows) * b->cfg.n_envs;
}

/* the byte storage of observation values (replay_config.obs_bytes) */
static void to_bytes(unsigned char *out, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = x[i] + 0.5f;
        out[i] = (unsigned char)(!(v > 0.0f) ? 0.0f : v >= 255.0f ? 255.0f : v);   /* NaN: 0 */
    }
}

static void from_bytes(float *out, const unsigned char *x, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = (float)x[i];
}

/* observation row s (obs or next_obs) into out */
static void obs_row(const replay_buffer *b, float *out, bool next, int64_t s)
{
    size_t D = (size_t)b->cfg.obs_dim;
    if (b->cfg.obs_bytes) from_bytes(out, (next ? b->next_obs8 : b->obs8) + (size_t)s * D, D);
    else memcpy(out, (next ? b->next_obs : b->obs) + (size_t)s * D, D * sizeof(float));
}

void replay_buffer_add(replay_buffer *b, const float *obs, const float *actions,
                       const float *rewards, const float *next_obs, const bool *terminated,
                       const bool *truncated)
{
    const int N = b->cfg.n_envs, D = b->cfg.obs_dim, A = b->cfg.act_dim;
    int64_t row = b->added_rows % b->rows, s0 = row * N;
    if (b->cfg.obs_bytes) {
        to_bytes(b->obs8 + (size_t)s0 * D, obs, (size_t)N * D);
        to_bytes(b->next_obs8 + (size_t)s0 * D, next_obs, (size_t)N * D);
    } else {
        memcpy(b->obs + (size_t)s0 * D, obs, (size_t)N * D * sizeof(float));
        memcpy(b->next_obs + (size_t)s0 * D, next_obs, (size_t)N * D * sizeof(float));
    }
    memcpy(b->actions + (size_t)s0 * A, actions, (size_t)N * A * sizeof(float));
    memcpy(b->rewards + s0, rewards, (size_t)N * sizeof(float));
    for (int e = 0; e < N; e++) {
        b->terminated[s0 + e] = terminated[e] ? 1 : 0;
        b->truncated[s0 + e] = truncated[e] ? 1 : 0;
    }
    b->added_rows++;
    if (b->tree) {
        /* the overwritten row leaves the tree; the row whose n-step window just completed joins */
        for (int e = 0; e < N; e++) tree_set(b, s0 + e, 0.0);
        int64_t ready = b->added_rows - b->cfg.n_step;
        if (ready >= 0) {
            double p = pow(b->max_priority, b->cfg.alpha);
            int64_t r0 = (ready % b->rows) * N;
            for (int e = 0; e < N; e++) tree_set(b, r0 + e, p);
        }
    }
}

int64_t replay_buffer_later(const replay_buffer *b, int64_t slot, int j)
{
    const int N = b->cfg.n_envs;
    RL_ASSERT(slot >= 0 && slot < b->cfg.capacity && j >= 0 && b->added_rows > 0);
    /* the absolute row of slot: the newest stored row with that ring position */
    int64_t newest = b->added_rows - 1, r = slot / N, e = slot % N;
    int64_t a = newest - ((newest % b->rows - r + b->rows) % b->rows);
    RL_ASSERT(a >= 0 && a > b->added_rows - 1 - b->rows);
    if (a + j > newest) return -1;
    for (int m = 0; m < j; m++) {
        int64_t sm = ((a + m) % b->rows) * N + e;
        if (b->terminated[sm] || b->truncated[sm]) return -1;
    }
    return ((a + j) % b->rows) * N + e;
}

/* a step that ended its episode */
static bool slot_done(const replay_buffer *b, int64_t s) { return b->terminated[s] || b->truncated[s]; }

int64_t replay_buffer_slot(const replay_buffer *b, int64_t abs_row, int env)
{
    RL_ASSERT(abs_row >= 0 && abs_row < b->added_rows && abs_row >= b->added_rows - b->rows);
    return (abs_row % b->rows) * b->cfg.n_envs + env;
}

void replay_buffer_episode(const replay_buffer *b, int64_t slot, int64_t *first, int *pos, int *len)
{
    const int N = b->cfg.n_envs, e = (int)(slot % N);
    RL_ASSERT(slot >= 0 && slot < b->cfg.capacity && b->added_rows > 0);
    int64_t newest = b->added_rows - 1, oldest = b->added_rows > b->rows ? b->added_rows - b->rows : 0;
    int64_t a = newest - ((newest % b->rows - slot / N + b->rows) % b->rows);
    RL_ASSERT(a >= oldest);
    int64_t lo = a, hi = a;
    while (lo > oldest && !slot_done(b, replay_buffer_slot(b, lo - 1, e))) lo--;
    while (hi < newest && !slot_done(b, replay_buffer_slot(b, hi, e))) hi++;
    *first = lo;
    *pos = (int)(a - lo);
    *len = (int)(hi - lo + 1);
}

/* n-step return of the transition in slot (absolute row a, env e) into row k of out */
static void gather(const replay_buffer *b, replay_batch *out, int k, int64_t a, int e)
{
    const int N = b->cfg.n_envs, D = b->cfg.obs_dim, A = b->cfg.act_dim;
    int64_t s = (a % b->rows) * N + e;
    obs_row(b, out->obs + (size_t)k * D, false, s);
    memcpy(out->actions + (size_t)k * A, b->actions + (size_t)s * A, (size_t)A * sizeof(float));
    out->idx[k] = s;
    double G = 0.0, disc = 1.0;
    int64_t last = s;
    unsigned char term = 0;
    for (int m = 0; m < b->cfg.n_step; m++) {
        int64_t sm = ((a + m) % b->rows) * N + e;
        G += disc * b->rewards[sm];
        disc *= b->cfg.gamma;
        last = sm;
        if (b->terminated[sm]) {
            term = 1;
            break;
        }
        if (b->truncated[sm]) break;
    }
    out->returns[k] = (float)G;
    out->discount[k] = term ? 0.0f : (float)disc;
    out->terminated[k] = term;
    obs_row(b, out->next_obs + (size_t)k * D, true, last);
    out->next_idx[k] = last;
}

void replay_buffer_sample(replay_buffer *b, replay_batch *out, int B, float beta, rl_rng *rng)
{
    RL_ASSERT(B > 0 && B <= out->max_batch);
    int64_t first, lastrow;
    valid_rows(b, &first, &lastrow);
    RL_ASSERT_MSG(lastrow >= first, "replay: sampling from a buffer with no valid transition");
    const int N = b->cfg.n_envs;
    int64_t V = (lastrow - first + 1) * N;
    if (!b->tree) {
        for (int k = 0; k < B; k++) {
            int64_t j = (int64_t)(rl_rng_u64(rng) % (uint64_t)V);   /* V << 2^64: bias negligible */
            gather(b, out, k, first + j / N, (int)(j % N));
            out->weights[k] = 1.0f;
        }
        return;
    }
    double total = b->tree[1], seg = total / B, wmax = 0.0;
    for (int k = 0; k < B; k++) {
        int64_t slot;
        double p;
        int tries = 0;
        do {
            double u = (k + rl_rng_double(rng)) * seg;
            if (tries > 0) u = rl_rng_double(rng) * total;   /* rounding landed on an empty leaf */
            if (u >= total) u = total * (1.0 - 1e-12);
            slot = tree_find(b, u);
            p = b->tree[b->n_leaves + slot];
            tries++;
        } while (p <= 0.0 && tries < 64);
        RL_ASSERT_MSG(p > 0.0, "replay: sum tree has no mass");
        int64_t row = slot / N;
        /* absolute row from the ring row: the newest absolute row with that ring position */
        int64_t a = (b->added_rows - 1) - (((b->added_rows - 1) % b->rows) - row + b->rows) % b->rows;
        gather(b, out, k, a, (int)(slot % N));
        double w = pow((double)V * p / total, -(double)beta);
        out->weights[k] = (float)w;
        if (w > wmax) wmax = w;
    }
    for (int k = 0; k < B; k++) out->weights[k] = (float)(out->weights[k] / wmax);
}

void replay_buffer_update_priorities(replay_buffer *b, const int64_t *idx, const float *td, int B)
{
    RL_ASSERT(b->tree);
    for (int k = 0; k < B; k++) {
        if (b->tree[b->n_leaves + idx[k]] <= 0.0) continue;   /* overwritten since it was sampled */
        double p = fabs((double)td[k]) + b->cfg.eps;
        if (!isfinite(p)) continue;
        if (p > b->max_priority) b->max_priority = p;
        tree_set(b, idx[k], pow(p, b->cfg.alpha));
    }
}

rl_status replay_batch_init(replay_batch *out, int max_batch, int obs_dim, int act_dim, char *err,
                            size_t err_sz)
{
    memset(out, 0, sizeof *out);
    if (max_batch < 1 || obs_dim < 1 || act_dim < 1)
        return rl_errf(err, err_sz, RL_ERR_ARG, "replay: bad batch sizes");
    size_t B = (size_t)max_batch;
    out->max_batch = max_batch;
    out->obs = calloc(B * obs_dim, sizeof(float));
    out->next_obs = calloc(B * obs_dim, sizeof(float));
    out->actions = calloc(B * act_dim, sizeof(float));
    out->returns = calloc(B, sizeof(float));
    out->discount = calloc(B, sizeof(float));
    out->weights = calloc(B, sizeof(float));
    out->terminated = calloc(B, 1);
    out->idx = calloc(B, sizeof(int64_t));
    out->next_idx = calloc(B, sizeof(int64_t));
    if (!out->obs || !out->next_obs || !out->actions || !out->returns || !out->discount ||
        !out->weights || !out->terminated || !out->idx || !out->next_idx) {
        replay_batch_free(out);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "replay: cannot allocate a batch of %d", max_batch);
    }
    return RL_OK;
}

void replay_batch_free(replay_batch *out)
{
    if (!out) return;
    free(out->obs);
    free(out->next_obs);
    free(out->actions);
    free(out->returns);
    free(out->discount);
    free(out->weights);
    free(out->terminated);
    free(out->idx);
    free(out->next_idx);
    memset(out, 0, sizeof *out);
}
