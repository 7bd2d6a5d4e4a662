/* rlc envs: running mean/std, NormalizeObservation, NormalizeReward, ClipAction and
 * RecordEpisodeStatistics (spec D.5), as array-level pieces; see envs/wrappers.h. */
#include "envs/wrappers.h"

#include "envs/pixels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- running mean / std ------------------------------------------------------------------ */

rl_status env_rms_init(env_rms *r, int dim, char *err, size_t err_sz)
{
    memset(r, 0, sizeof(*r));
    if (dim < 1) return rl_errf(err, err_sz, RL_ERR_ARG, "running mean/std: dim must be >= 1, got %d", dim);
    r->dim = dim;
    r->mean = rl_xcalloc((size_t)dim, sizeof(double));
    r->var = rl_xcalloc((size_t)dim, sizeof(double));
    for (int i = 0; i < dim; i++) r->var[i] = 1.0;
    r->count = 1e-4;
    return RL_OK;
}

void env_rms_update(env_rms *r, const float *x, int batch)
{
    RL_ASSERT(batch >= 1);
    const double B = (double)batch, tot = r->count + B;
    for (int d = 0; d < r->dim; d++) {
        double bm = 0.0;
        for (int b = 0; b < batch; b++) bm += x[(size_t)b * r->dim + d];
        bm /= B;
        double bv = 0.0;
        for (int b = 0; b < batch; b++) {
            double c = x[(size_t)b * r->dim + d] - bm;
            bv += c * c;
        }
        bv /= B;
        double delta = bm - r->mean[d];
        r->mean[d] = r->mean[d] + delta * B / tot;
        r->var[d] = (r->var[d] * r->count + bv * B + delta * delta * r->count * B / tot) / tot;
    }
    r->count = tot;
}

void env_rms_export(const env_rms *r, float *out)
{
    for (int d = 0; d < r->dim; d++) {
        out[d] = (float)r->mean[d];
        out[r->dim + d] = (float)r->var[d];
    }
    out[2 * r->dim] = (float)r->count;
}

rl_status env_rms_import(env_rms *r, const float *in, char *err, size_t err_sz)
{
    for (int d = 0; d < r->dim; d++) {
        if (!isfinite(in[d]))
            return rl_errf(err, err_sz, RL_ERR_FORMAT, "running mean/std: mean[%d] is not finite", d);
        if (!isfinite(in[r->dim + d]) || in[r->dim + d] < 0.0f)
            return rl_errf(err, err_sz, RL_ERR_FORMAT,
                           "running mean/std: var[%d] = %g must be finite and >= 0", d,
                           (double)in[r->dim + d]);
    }
    float c = in[2 * r->dim];
    if (!isfinite(c) || c <= 0.0f)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "running mean/std: count = %g must be > 0",
                       (double)c);
    for (int d = 0; d < r->dim; d++) {
        r->mean[d] = in[d];
        r->var[d] = in[r->dim + d];
    }
    r->count = c;
    return RL_OK;
}

void env_rms_free(env_rms *r)
{
    if (!r) return;
    free(r->mean);
    free(r->var);
    memset(r, 0, sizeof(*r));
}

/* ---- NormalizeObservation ---------------------------------------------------------------- */

rl_status env_norm_obs_init(env_norm_obs *w, int dim, float clip, char *err, size_t err_sz)
{
    memset(w, 0, sizeof(*w));
    if (!(clip >= 0.0f))
        return rl_errf(err, err_sz, RL_ERR_ARG, "NormalizeObservation: clip must be >= 0 (0 = none)");
    rl_status st = env_rms_init(&w->rms, dim, err, err_sz);
    if (st != RL_OK) return st;
    w->eps = 1e-8;
    w->clip = clip;
    w->update = true;
    return RL_OK;
}

void env_norm_obs_transform(const env_norm_obs *w, const float *in, float *out, int batch)
{
    const int dim = w->rms.dim;
    for (int b = 0; b < batch; b++)
        for (int d = 0; d < dim; d++) {
            size_t i = (size_t)b * dim + d;
            float y = (float)(((double)in[i] - w->rms.mean[d]) / sqrt(w->rms.var[d] + w->eps));
            if (w->clip > 0.0f) y = y < -w->clip ? -w->clip : (y > w->clip ? w->clip : y);
            out[i] = y;
        }
}

void env_norm_obs_apply(env_norm_obs *w, float *obs, int batch)
{
    if (w->update) env_rms_update(&w->rms, obs, batch);
    env_norm_obs_transform(w, obs, obs, batch);
}

void env_norm_obs_free(env_norm_obs *w)
{
    if (!w) return;
    env_rms_free(&w->rms);
}

/* ---- NormalizeReward --------------------------------------------------------------------- */

rl_status env_norm_reward_init(env_norm_reward *w, int n, double gamma, float clip,
                               env_norm_reward_mode mode, char *err, size_t err_sz)
{
    memset(w, 0, sizeof(*w));
    if (n < 1) return rl_errf(err, err_sz, RL_ERR_ARG, "NormalizeReward: n must be >= 1, got %d", n);
    if (!(gamma >= 0.0 && gamma <= 1.0))
        return rl_errf(err, err_sz, RL_ERR_ARG, "NormalizeReward: gamma = %g must be in [0, 1]", gamma);
    if (!(clip >= 0.0f))
        return rl_errf(err, err_sz, RL_ERR_ARG, "NormalizeReward: clip must be >= 0 (0 = none)");
    if (mode != ENV_NORM_REWARD_GYMNASIUM && mode != ENV_NORM_REWARD_SB3)
        return rl_errf(err, err_sz, RL_ERR_ARG, "NormalizeReward: unknown mode %d", (int)mode);
    rl_status st = env_rms_init(&w->rms, 1, err, err_sz);
    if (st != RL_OK) return st;
    w->n = n;
    w->G = rl_xcalloc((size_t)n, sizeof(double));
    w->gamma = gamma;
    w->eps = 1e-8;
    w->clip = clip;
    w->mode = mode;
    w->update = true;
    return RL_OK;
}

void env_norm_reward_apply(env_norm_reward *w, float *rewards, const bool *terminated,
                           const bool *truncated)
{
    enum { CHUNK = 256 };
    float g[CHUNK];   /* the batch of accumulators handed to the statistics */
    for (int i = 0; i < w->n; i++) {
        if (w->mode == ENV_NORM_REWARD_GYMNASIUM)
            w->G[i] = w->G[i] * w->gamma * (terminated[i] ? 0.0 : 1.0) + rewards[i];
        else
            w->G[i] = w->G[i] * w->gamma + rewards[i];
    }
    if (w->update) {
        /* one batch update of all n accumulators; above CHUNK envs, in equal-weight pieces
         * (the parallel update is exact up to rounding, so the split does not matter) */
        for (int lo = 0; lo < w->n; lo += CHUNK) {
            int m = w->n - lo < CHUNK ? w->n - lo : CHUNK;
            for (int k = 0; k < m; k++) g[k] = (float)w->G[lo + k];
            env_rms_update(&w->rms, g, m);
        }
    }
    double scale = 1.0 / sqrt(w->rms.var[0] + w->eps);
    for (int i = 0; i < w->n; i++) {
        float r = (float)(rewards[i] * scale);
        if (w->clip > 0.0f) r = r < -w->clip ? -w->clip : (r > w->clip ? w->clip : r);
        rewards[i] = r;
        if (w->mode == ENV_NORM_REWARD_SB3 && (terminated[i] || truncated[i])) w->G[i] = 0.0;
    }
}

void env_norm_reward_reset(env_norm_reward *w)
{
    for (int i = 0; i < w->n; i++) w->G[i] = 0.0;
}

void env_norm_reward_free(env_norm_reward *w)
{
    if (!w) return;
    free(w->G);
    env_rms_free(&w->rms);
    memset(w, 0, sizeof(*w));
}

/* ---- ClipAction -------------------------------------------------------------------------- */

void env_clip_action(const env_space *s, const float *in, float *out, int batch)
{
    const int dim = env_space_dim(s);
    if (s->kind != ENV_SPACE_BOX) {
        if (out != in) memmove(out, in, (size_t)batch * dim * sizeof(float));
        return;
    }
    for (int b = 0; b < batch; b++)
        for (int d = 0; d < dim; d++) {
            size_t i = (size_t)b * dim + d;
            float x = in[i];
            if (x < s->low[d]) x = s->low[d];
            if (x > s->high[d]) x = s->high[d];
            out[i] = x;
        }
}

/* ---- OneHot ------------------------------------------------------------------------------ */

void env_one_hot(int n, const float *in, float *out, int batch)
{
    for (int b = 0; b < batch; b++) {
        float *row = out + (size_t)b * n, x = in[b];
        bool valid = x >= 0.0f && x < (float)n && x == floorf(x);
        for (int k = 0; k < n; k++) row[k] = valid ? 0.0f : NAN;
        if (valid) row[(int)x] = 1.0f;
    }
}

void env_one_hot_space(int n, float *low, float *high, env_space *out)
{
    for (int k = 0; k < n; k++) {
        low[k] = 0.0f;
        high[k] = 1.0f;
    }
    *out = (env_space){.kind = ENV_SPACE_BOX, .n = 0, .dim = n, .low = low, .high = high};
}

/* ---- RecordEpisodeStatistics ------------------------------------------------------------- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

rl_status env_episode_stats_init(env_episode_stats *s, int cap, int n_envs, char *err,
                                 size_t err_sz)
{
    memset(s, 0, sizeof(*s));
    if (cap < 1 || n_envs < 1)
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "episode statistics: buffer length and n_envs must be >= 1 (got %d, %d)", cap,
                       n_envs);
    s->cap = cap;
    s->n_envs = n_envs;
    s->returns = rl_xcalloc((size_t)cap, sizeof(double));
    s->lengths = rl_xcalloc((size_t)cap, sizeof(int));
    s->times = rl_xcalloc((size_t)cap, sizeof(double));
    s->start = rl_xcalloc((size_t)n_envs, sizeof(double));
    env_episode_stats_start(s);
    return RL_OK;
}

void env_episode_stats_start(env_episode_stats *s)
{
    double t = now_seconds();
    for (int i = 0; i < s->n_envs; i++) s->start[i] = t;
}

void env_episode_stats_add(env_episode_stats *s, double ret, int length, double seconds)
{
    int k = (int)(s->total % s->cap);
    s->returns[k] = ret;
    s->lengths[k] = length;
    s->times[k] = seconds;
    s->total++;
}

int env_episode_stats_record_vec(env_episode_stats *s, const env_vec *v)
{
    RL_ASSERT(v->n == s->n_envs);
    int done = 0;
    double t = 0.0;
    for (int i = 0; i < v->n; i++) {
        if (!(v->terminated[i] || v->truncated[i])) continue;
        if (done == 0) t = now_seconds();
        env_episode_stats_add(s, v->ep_return[i], v->ep_length[i], t - s->start[i]);
        s->start[i] = t;
        done++;
    }
    return done;
}

int env_episode_stats_count(const env_episode_stats *s)
{
    return s->total < s->cap ? (int)s->total : s->cap;
}

double env_episode_stats_mean_return(const env_episode_stats *s)
{
    int n = env_episode_stats_count(s);
    if (n == 0) return 0.0;
    double sum = 0.0;
    for (int k = 0; k < n; k++) sum += s->returns[k];
    return sum / n;
}

double env_episode_stats_mean_length(const env_episode_stats *s)
{
    int n = env_episode_stats_count(s);
    if (n == 0) return 0.0;
    double sum = 0.0;
    for (int k = 0; k < n; k++) sum += s->lengths[k];
    return sum / n;
}

void env_episode_stats_free(env_episode_stats *s)
{
    if (!s) return;
    free(s->returns);
    free(s->lengths);
    free(s->times);
    free(s->start);
    memset(s, 0, sizeof(*s));
}

/* ---- MaskVelocity ------------------------------------------------------------------------ */

/* a task's velocity components: up to three spans [start, start + count) of its observation */
typedef struct {
    const char *id;
    int obs_dim;
    int span[3][2];
} velocity_spans;

static const velocity_spans VELOCITY_SPANS[] = {
    {"CartPole-v1", 4, {{1, 1}, {3, 1}}},
    {"MountainCar-v0", 2, {{1, 1}}},
    {"MountainCarContinuous-v0", 2, {{1, 1}}},
    {"Pendulum-v1", 3, {{2, 1}}},
    {"Acrobot-v1", 6, {{4, 2}}},
    {"InvertedPendulum-v5", 4, {{2, 2}}},
    {"InvertedDoublePendulum-v5", 9, {{5, 3}}},
    {"Reacher-v5", 10, {{6, 2}}},
    {"Swimmer-v5", 8, {{3, 5}}},
    {"Hopper-v5", 11, {{5, 6}}},
    {"Hopper-v4", 11, {{5, 6}}},
    {"HalfCheetah-v5", 17, {{8, 9}}},
    {"HalfCheetah-v4", 17, {{8, 9}}},
    {"Walker2d-v5", 17, {{8, 9}}},
    {"Walker2d-v4", 17, {{8, 9}}},
    {"Ant-v5", 105, {{13, 14}}},
    {"Ant-v4", 27, {{13, 14}}},
    {"Humanoid-v5", 348, {{22, 23}, {175, 78}}},
    {"Humanoid-v4", 376, {{22, 23}, {185, 84}}},
    {"HumanoidStandup-v5", 348, {{22, 23}, {175, 78}}},
    {"HumanoidStandup-v4", 376, {{22, 23}, {185, 84}}},
    {"Pusher-v5", 23, {{7, 7}}},
    {"Pusher-v4", 23, {{7, 7}}},
};

rl_status env_velocity_mask(const char *id, int obs_dim, unsigned char *mask, char *err, size_t err_sz)
{
    const int n = (int)(sizeof VELOCITY_SPANS / sizeof VELOCITY_SPANS[0]);
    for (int k = 0; k < n; k++) {
        const velocity_spans *v = &VELOCITY_SPANS[k];
        if (strcmp(v->id, id) != 0) continue;
        const int frames = obs_dim % v->obs_dim == 0 ? obs_dim / v->obs_dim : 0;   /* env.frame_stack */
        if (frames < 1 || frames > ENV_FRAME_STACK_MAX)
            return rl_errf(err, err_sz, RL_ERR_NOT_FOUND,
                           "mask_velocity: '%s' observes %d values here, its velocity mask is for %d (or a stack of "
                           "1 to %d frames of them)", id, obs_dim, v->obs_dim, ENV_FRAME_STACK_MAX);
        memset(mask, 0, (size_t)obs_dim);
        for (int f = 0; f < frames; f++)
            for (int s = 0; s < 3; s++)
                for (int i = 0; i < v->span[s][1]; i++) mask[f * v->obs_dim + v->span[s][0] + i] = 1;
        return RL_OK;
    }
    char known[1024];
    size_t at = 0;
    known[0] = '\0';
    for (int k = 0; k < n && at < sizeof known; k++)
        at += (size_t)snprintf(known + at, sizeof known - at, "%s%s", k ? ", " : "", VELOCITY_SPANS[k].id);
    return rl_errf(err, err_sz, RL_ERR_NOT_FOUND,
                   "mask_velocity: no velocity mask is known for '%s' (known: %s)", id ? id : "(null)", known);
}

void env_velocity_mask_apply(const unsigned char *mask, float *obs, int dim, int batch)
{
    for (int b = 0; b < batch; b++)
        for (int d = 0; d < dim; d++)
            if (mask[d]) obs[(size_t)b * dim + d] = 0.0f;
}
