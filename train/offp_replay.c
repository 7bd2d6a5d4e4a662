/* rlc train: an off-policy agent's replay buffer saved when a run is interrupted and restored
 * when it resumes (train/offp_replay.h).
 *
 * The file is a safetensors file like the checkpoint: the stored slots [0, F) of the ring as they
 * lie in memory (F = the filled rows times the env copies): observations, next observations,
 * actions, rewards, the terminated and truncated flags (as 0/1 floats) and, for prioritized replay,
 * the leaf priorities (to float precision). Its metadata records the sizes, the rows written so
 * far (which fixes the ring position) and the step of the checkpoint it goes with. Reading checks
 * the file's size against the largest buffer the config allows before anything is read, so a
 * planted file cannot make rlc allocate more than the run's own buffer, then every value read
 * before the buffer takes it: observations and rewards finite, actions ones the agent can have
 * taken (the agents use a Discrete action as an array index), flags 0 or 1, priorities the
 * sampler can use. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn/nn.h"
#include "train/offp_replay.h"

#define REPLAY_HEADER_MAX 65536   /* bytes of header a replay file may have */

enum { RT_OBS, RT_NEXT, RT_ACT, RT_REW, RT_TERM, RT_TRUNC, RT_PRIO, RT_COUNT };
static const char *const rt_names[RT_COUNT] = {"replay.obs",        "replay.next_obs",  "replay.actions",
                                                "replay.rewards",    "replay.terminated", "replay.truncated",
                                                "replay.priorities"};

/* the tensors of F slots over data (obs, next, actions, rewards, term, trunc, prio); returns how
 * many (6, or 7 with priorities) */
static int replay_tensors(const replay_buffer *b, int64_t F, float *const data[RT_COUNT], nn_tensor *t)
{
    int64_t D = b->cfg.obs_dim, A = b->cfg.act_dim;
    int n = b->tree ? RT_COUNT : RT_PRIO;
    for (int i = 0; i < n; i++) t[i] = (nn_tensor){rt_names[i], data[i], 1, {F}};
    t[RT_OBS].ndim = t[RT_NEXT].ndim = t[RT_ACT].ndim = 2;
    t[RT_OBS].shape[1] = t[RT_NEXT].shape[1] = D;
    t[RT_ACT].shape[1] = A;
    return n;
}

/* the metadata every replay file carries; values kept in vals */
static int replay_meta(const replay_buffer *b, int64_t step, char vals[][40], nn_meta *m)
{
    const char *keys[] = {"rlc.replay.step",    "rlc.replay.added_rows", "rlc.replay.capacity",
                          "rlc.replay.n_envs",  "rlc.replay.obs_dim",    "rlc.replay.act_dim",
                          "rlc.replay.prioritized"};
    long long v[] = {step, b->added_rows, b->cfg.capacity, b->cfg.n_envs, b->cfg.obs_dim, b->cfg.act_dim,
                     b->tree ? 1 : 0};
    int n = RL_ARRAY_LEN(keys);
    for (int i = 0; i < n; i++) {
        snprintf(vals[i], 40, "%lld", v[i]);
        m[i] = (nn_meta){keys[i], vals[i]};
    }
    snprintf(vals[n], 40, "%.17g", b->max_priority);
    m[n] = (nn_meta){"rlc.replay.max_priority", vals[n]};
    return n + 1;
}

/* A buffer of byte observations (replay_config.obs_bytes) is written and read as floats, as any
 * other: its observations pass through two float copies (obs, next_obs) while the file is. */
static rl_status float_obs(const replay_buffer *b, int64_t F, float **obs, float **next, const char *path, char *err,
                           size_t err_sz)
{
    if (!b->cfg.obs_bytes) {
        *obs = b->obs, *next = b->next_obs;
        return RL_OK;
    }
    size_t n = (size_t)(F > 0 ? F : 1) * (size_t)b->cfg.obs_dim;
    *obs = malloc(n * sizeof(float));
    *next = malloc(n * sizeof(float));
    if (!*obs || !*next) {
        free(*obs), free(*next);
        *obs = *next = NULL;
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: cannot allocate the float copy of %lld observations", path,
                       (long long)F);
    }
    for (size_t i = 0; i < (size_t)F * (size_t)b->cfg.obs_dim; i++) {
        (*obs)[i] = b->obs8[i];
        (*next)[i] = b->next_obs8[i];
    }
    return RL_OK;
}

static void float_obs_free(const replay_buffer *b, float *obs, float *next)
{
    if (!b->cfg.obs_bytes) return;
    free(obs);
    free(next);
}

rl_status offp_replay_save(const replay_buffer *b, const char *path, int64_t step, char *err, size_t err_sz)
{
    int64_t F = replay_buffer_stored(b);
    float *obs, *next;
    rl_status ost = float_obs(b, F, &obs, &next, path, err, err_sz);
    if (ost != RL_OK) return ost;
    float *flags = malloc((size_t)(F > 0 ? F : 1) * 3 * sizeof(float));
    if (!flags) {
        float_obs_free(b, obs, next);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: cannot allocate %lld flags", path, (long long)F);
    }
    float *term = flags, *trunc = flags + F, *prio = flags + 2 * F;
    for (int64_t s = 0; s < F; s++) {
        term[s] = b->terminated[s];
        trunc[s] = b->truncated[s];
        if (b->tree) prio[s] = (float)b->tree[b->n_leaves + s];
    }
    float *const data[RT_COUNT] = {obs, next, b->actions, b->rewards, term, trunc, prio};
    nn_tensor t[RT_COUNT];
    int nt = replay_tensors(b, F, data, t);
    char vals[8][40];
    nn_meta m[8];
    int nm = replay_meta(b, step, vals, m);
    rl_status st = nn_safetensors_save(path, t, nt, m, nm, err, err_sz);
    free(flags);
    float_obs_free(b, obs, next);
    return st;
}

/* the file's metadata value for key as an integer in [lo, hi] */
static rl_status meta_in(nn_safetensors *f, const char *path, const char *key, long long lo, long long hi,
                         long long *out, char *err, size_t err_sz)
{
    unsigned long long v = 0;
    if (nn_safetensors_meta_u64(f, key, &v, err, err_sz) != RL_OK)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: metadata '%s' missing or not a whole number", path, key);
    if (v < (unsigned long long)lo || v > (unsigned long long)hi) {
        if (lo == hi) return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: %s is %llu, expected %lld", path, key, v, lo);
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: %s is %llu, expected %lld to %lld", path, key, v, lo, hi);
    }
    *out = (long long)v;
    return RL_OK;
}

/* the sizes in the file are this buffer's; added_rows and max_priority are read */
static rl_status check_sizes(nn_safetensors *f, const char *path, const replay_buffer *b, int64_t *added,
                             double *max_prio, char *err, size_t err_sz)
{
    const char *keys[] = {"rlc.replay.capacity", "rlc.replay.n_envs", "rlc.replay.obs_dim", "rlc.replay.act_dim",
                          "rlc.replay.prioritized"};
    long long want[] = {b->cfg.capacity, b->cfg.n_envs, b->cfg.obs_dim, b->cfg.act_dim, b->tree ? 1 : 0};
    long long v = 0;
    for (int i = 0; i < RL_ARRAY_LEN(keys); i++) {
        rl_status st = meta_in(f, path, keys[i], want[i], want[i], &v, err, err_sz);
        if (st != RL_OK) return st;
    }
    rl_status st = meta_in(f, path, "rlc.replay.added_rows", 0, (1LL << 53), &v, err, err_sz);
    if (st != RL_OK) return st;
    *added = v;
    const char *mp = nn_safetensors_meta(f, "rlc.replay.max_priority");
    char *end = NULL;
    *max_prio = mp ? strtod(mp, &end) : NAN;
    if (!mp || end == mp || *end || !isfinite(*max_prio) || *max_prio <= 0.0)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: rlc.replay.max_priority missing or not a positive number",
                       path);
    return RL_OK;
}

/* whether the slot s of a buffer with `added` rows written can be sampled (its n-step window is
 * complete): every row but the newest n_step - 1 */
static bool slot_valid(const replay_buffer *b, int64_t added, int64_t s)
{
    int64_t row = s / b->cfg.n_envs, newest = (added - 1) % b->rows;
    int64_t age = (newest - row + b->rows) % b->rows;   /* 0: the newest row */
    return age >= b->cfg.n_step - 1;
}

/* the priorities as the sampler needs them: finite, 0 on the slots it cannot take yet, some mass
 * when it can take any */
static rl_status check_priorities(const replay_buffer *b, const float *prio, int64_t F, int64_t added,
                                  const char *path, char *err, size_t err_sz)
{
    double total = 0.0;
    bool any_valid = false;
    for (int64_t s = 0; s < F; s++) {
        bool valid = slot_valid(b, added, s);
        if (!(isfinite(prio[s]) && prio[s] >= 0.0f) || (!valid && prio[s] != 0.0f))
            return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: slot %lld: priority %g, expected %s", path, (long long)s,
                           (double)prio[s], valid ? "a finite value >= 0" : "0 (its n-step window is not complete)");
        total += prio[s];
        any_valid |= valid;
    }
    if (any_valid && !(total > 0.0))
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: every priority is 0: nothing could be sampled", path);
    return RL_OK;
}

/* the flags and priorities read into floats become the buffer's; every value checked first */
static rl_status take_flags(replay_buffer *b, const float *term, const float *trunc, const float *prio, int64_t F,
                            int64_t added, const char *path, char *err, size_t err_sz)
{
    for (int64_t s = 0; s < F; s++)
        if ((term[s] != 0.0f && term[s] != 1.0f) || (trunc[s] != 0.0f && trunc[s] != 1.0f))
            return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: slot %lld: a terminated or truncated flag is not 0 or 1",
                           path, (long long)s);
    if (b->tree) {
        rl_status st = check_priorities(b, prio, F, added, path, err, err_sz);
        if (st != RL_OK) return st;
    }
    for (int64_t s = 0; s < F; s++) {
        b->terminated[s] = term[s] != 0.0f;
        b->truncated[s] = trunc[s] != 0.0f;
    }
    if (b->tree) {
        memset(b->tree, 0, 2 * (size_t)b->n_leaves * sizeof(double));
        for (int64_t s = 0; s < F; s++) b->tree[b->n_leaves + s] = prio[s];
        for (int64_t i = b->n_leaves - 1; i >= 1; i--) b->tree[i] = b->tree[2 * i] + b->tree[2 * i + 1];
    }
    return RL_OK;
}

/* every value of tensor `name` (F rows of `width`) finite and in [lo, hi], and a whole number when
 * `whole`; the first that is not is named with its row, column and what was expected */
static rl_status check_range(const float *x, int64_t F, int64_t width, float lo, float hi, bool whole,
                             const char *name, const char *expected, const char *path, char *err, size_t err_sz)
{
    for (int64_t i = 0; i < F * width; i++) {
        float v = x[i];
        if (isfinite(v) && v >= lo && v <= hi && (!whole || v == floorf(v))) continue;
        char at[48];
        if (width == 1) snprintf(at, sizeof at, "[%lld]", (long long)i);
        else snprintf(at, sizeof at, "[%lld, %lld]", (long long)(i / width), (long long)(i % width));
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: %s%s = %g: expected %s", path, name, at, (double)v, expected);
    }
    return RL_OK;
}

/* the observations and rewards finite, the actions ones the agent can have taken (b's action
 * space: a Discrete index, or finite values within its bounds) */
static rl_status check_values(const replay_buffer *b, const float *obs, const float *next, int64_t F,
                              const char *path, char *err, size_t err_sz)
{
    const replay_config *c = &b->cfg;
    const char *finite = c->obs_bytes ? "a whole number in 0..255 (observations stored a byte each)" : "a finite number";
    float lo = c->obs_bytes ? 0.0f : -INFINITY, hi = c->obs_bytes ? 255.0f : INFINITY;
    rl_status st = check_range(obs, F, c->obs_dim, lo, hi, c->obs_bytes, rt_names[RT_OBS], finite, path, err, err_sz);
    if (st == RL_OK)
        st = check_range(next, F, c->obs_dim, lo, hi, c->obs_bytes, rt_names[RT_NEXT], finite, path, err, err_sz);
    if (st == RL_OK)
        st = check_range(b->rewards, F, 1, -INFINITY, INFINITY, false, rt_names[RT_REW], finite, path, err, err_sz);
    if (st != RL_OK) return st;
    char expected[96];
    if (c->n_actions > 0) {
        snprintf(expected, sizeof expected, "a whole number in 0..%d (the index of one of the %d actions)",
                 c->n_actions - 1, c->n_actions);
        return check_range(b->actions, F, 1, 0.0f, (float)(c->n_actions - 1), true, rt_names[RT_ACT], expected, path,
                           err, err_sz);
    }
    snprintf(expected, sizeof expected, "a finite number in [%g, %g]", (double)c->act_low, (double)c->act_high);
    return check_range(b->actions, F, c->act_dim, c->act_low, c->act_high, false, rt_names[RT_ACT], expected, path,
                       err, err_sz);
}

/* the tensors of an open, matching file into b (its flags through scratch) */
static rl_status read_replay(replay_buffer *b, nn_safetensors *f, const char *path, int64_t added, char *err,
                             size_t err_sz)
{
    int64_t rows = added < b->rows ? added : b->rows, F = rows * b->cfg.n_envs;
    rl_status st = RL_OK;
    float *obs = b->obs, *next = b->next_obs;
    if (b->cfg.obs_bytes) {   /* read as floats, checked, then stored a byte each */
        size_t n = (size_t)(F > 0 ? F : 1) * (size_t)b->cfg.obs_dim;
        obs = malloc(n * sizeof(float));
        next = malloc(n * sizeof(float));
    }
    float *flags = malloc((size_t)(F > 0 ? F : 1) * 3 * sizeof(float));
    if (!flags || !obs || !next) {
        free(flags);
        float_obs_free(b, obs, next);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: cannot allocate the scratch of %lld slots", path, (long long)F);
    }
    float *const data[RT_COUNT] = {obs, next, b->actions, b->rewards, flags, flags + F, flags + 2 * F};
    nn_tensor t[RT_COUNT];
    int nt = replay_tensors(b, F, data, t);
    for (int i = 0; i < nt && st == RL_OK; i++) st = nn_safetensors_read(f, &t[i], err, err_sz);
    if (st == RL_OK) st = check_values(b, obs, next, F, path, err, err_sz);
    if (st == RL_OK) st = take_flags(b, flags, flags + F, flags + 2 * F, F, added, path, err, err_sz);
    for (size_t i = 0; st == RL_OK && b->cfg.obs_bytes && i < (size_t)F * (size_t)b->cfg.obs_dim; i++) {
        b->obs8[i] = (unsigned char)obs[i];
        b->next_obs8[i] = (unsigned char)next[i];
    }
    free(flags);
    float_obs_free(b, obs, next);
    return st;
}

/* the largest file a buffer of b's sizes can be saved as */
static uint64_t max_file_bytes(const replay_buffer *b)
{
    uint64_t per = 2 * (uint64_t)b->cfg.obs_dim + (uint64_t)b->cfg.act_dim + 4;
    return 8 + REPLAY_HEADER_MAX + (uint64_t)b->cfg.capacity * per * sizeof(float);
}

/* offp_replay_load; every message starts with the path */
static rl_status load_file(replay_buffer *b, const char *path, int64_t step, int64_t *file_step, char *err,
                           size_t err_sz)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if ((uint64_t)sb.st_size > max_file_bytes(b))
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: %lld bytes, more than a buffer of this config can take (%llu)",
                       path, (long long)sb.st_size, (unsigned long long)max_file_bytes(b));
    nn_safetensors *f = NULL;
    rl_status st = nn_safetensors_open(&f, path, err, err_sz);
    if (st != RL_OK) return st;
    long long v = -1;
    int64_t added = 0;
    double max_prio = 1.0;
    st = meta_in(f, path, "rlc.replay.step", 0, (1LL << 53), &v, err, err_sz);
    *file_step = v;
    if (st == RL_OK && v == step) st = check_sizes(f, path, b, &added, &max_prio, err, err_sz);
    if (st == RL_OK && v == step) st = read_replay(b, f, path, added, err, err_sz);
    nn_safetensors_close(f);
    if (st != RL_OK || v != step) return st;
    b->added_rows = added;
    b->max_priority = max_prio;
    if (added > 0) {   /* the interrupted episodes end with the last stored row: no return runs past it */
        int64_t s0 = ((added - 1) % b->rows) * b->cfg.n_envs;
        for (int e = 0; e < b->cfg.n_envs; e++) b->truncated[s0 + e] = 1;
    }
    return RL_OK;
}

rl_status offp_replay_load(replay_buffer *b, const char *path, int64_t step, int64_t *file_step, char *err,
                           size_t err_sz)
{
    char why[1024];
    rl_status st = load_file(b, path, step, file_step, why, sizeof why);
    if (st != RL_OK) return rl_errf(err, err_sz, st, "replay buffer file %s", why);
    return RL_OK;
}
