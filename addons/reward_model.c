/* rlc addons: the reward model learned from preferences (see addons/reward_model.h): its
 * lifecycle, the per-step hook, the ensemble's forward passes and training. The teacher and
 * the query rounds are in addons/reward_teacher.c, the checkpoint in agents/reward_model_io.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "addons/reward_model_impl.h"
#include "core/limits.h"

/* ---- the model input and the ensemble's forward ------------------------------------------- */

void reward_model_features(const reward_model *rm, const float *obs, const float *action, float *x, int *in_dim)
{
    if (in_dim) *in_dim = rm->in_dim;
    if (!x) return;
    memcpy(x, obs, (size_t)rm->D * sizeof(float));
    float *f = x + rm->D;
    if (rm->discrete) {
        memset(f, 0, (size_t)rm->n_act * sizeof(float));
        int a = (int)action[0];
        f[a < 0 ? 0 : a >= rm->n_act ? rm->n_act - 1 : a] = 1.0f;
        return;
    }
    for (int d = 0; d < rm->A; d++) {
        float a = action[d];
        if (isfinite(rm->lo[d]) && a < rm->lo[d]) a = rm->lo[d];
        if (isfinite(rm->hi[d]) && a > rm->hi[d]) a = rm->hi[d];
        f[d] = a;
    }
}

/* the mean prediction of the ensemble for rows x (n, in_dim), n <= max_rows, into out (n) */
void rm_predict_mean(reward_model *rm, const float *x, int n, float *out)
{
    for (int i = 0; i < n; i++) out[i] = 0.0f;
    for (int k = 0; k < rm->M; k++) {
        const float *y = nn_mlp_forward(&rm->cache, &rm->net[k], x, n);   // (n, 1)
        for (int i = 0; i < n; i++) out[i] += y[i] / (float)rm->M;
    }
}

/* member k's (k < 0: the ensemble mean's) return of n segments x (n, L, in_dim) of lengths len */
void rm_segment_returns(reward_model *rm, int k, const float *x, const float *len, int64_t n, double *out)
{
    const int L = rm->L, per = rm->max_rows / L;
    for (int64_t s0 = 0; s0 < n; s0 += per) {
        int m = n - s0 < per ? (int)(n - s0) : per;
        const float *xs = x + (size_t)s0 * L * rm->in_dim;
        const float *y;
        if (k < 0) {
            rm_predict_mean(rm, xs, m * L, rm->pred);
            y = rm->pred;
        } else {
            y = nn_mlp_forward(&rm->cache, &rm->net[k], xs, m * L);
        }
        for (int j = 0; j < m; j++) {
            double r = 0.0;
            for (int t = 0; t < (int)len[s0 + j]; t++) r += y[(size_t)j * L + t];
            out[s0 + j] = r;
        }
    }
}

double reward_model_segment_return(reward_model *rm, const float *x)
{
    float len = (float)rm->L;
    double r;
    rm_segment_returns(rm, -1, x, &len, 1, &r);
    return r;
}

/* ---- the normalisation of the rewards the agent sees -------------------------------------- */

static void norm_add(reward_model *rm, double x)
{
    rm->norm_n += 1.0;
    double d = x - rm->norm_mean;
    rm->norm_mean += d / rm->norm_n;
    rm->norm_m2 += d * (x - rm->norm_mean);
}

static float norm_apply(const reward_model *rm, float x)
{
    if (rm->norm_mode == RM_NORM_NONE) return x;
    double var = rm->norm_n > 1 ? rm->norm_m2 / rm->norm_n : 1.0;
    double c = rm->norm_mode == RM_NORM_MEAN_STD ? rm->norm_mean : 0.0;
    return (float)((x - c) / sqrt(var + 1e-8));
}

/* refits the statistics on the newest stored transitions (after the model changed) */
void rm_norm_refit(reward_model *rm)
{
    const int N = rm->N;
    int64_t stored = rm->added_rows < rm->rows ? rm->added_rows : rm->rows;
    int64_t want = (RM_NORM_REFIT + N - 1) / N, take = stored < want ? stored : want;
    if (take * N < 2) return;
    rm->norm_n = rm->norm_mean = rm->norm_m2 = 0.0;
    for (int64_t abs = rm->added_rows - take; abs < rm->added_rows;) {
        int64_t row = abs % rm->rows, cnt = rm->added_rows - abs;
        if (cnt > rm->rows - row) cnt = rm->rows - row;   /* contiguous up to the ring's end */
        if (cnt > rm->max_rows / N) cnt = rm->max_rows / N;
        rm_predict_mean(rm, rm->ring_x + (size_t)row * N * rm->in_dim, (int)(cnt * N), rm->pred);
        for (int64_t i = 0; i < cnt * N; i++) norm_add(rm, rm->pred[i]);
        abs += cnt;
    }
}

void reward_model_reward(void *ctx, const float *obs, const float *actions, int n, float *rewards)
{
    reward_model *rm = ctx;
    RL_ASSERT(n <= AGENT_RELABEL_BATCH && n <= rm->max_rows);
    for (int i = 0; i < n; i++)
        reward_model_features(rm, obs + (size_t)i * rm->D, actions + (size_t)i * rm->A,
                              rm->x_step + (size_t)i * rm->in_dim, NULL);
    rm_predict_mean(rm, rm->x_step, n, rewards);
    for (int i = 0; i < n; i++) rewards[i] = norm_apply(rm, rewards[i]);
}

/* ---- training ----------------------------------------------------------------------------- */

/* The preference loss of member k on labelled pairs idx[0..n): every pair gives two entries,
 * (R0 over R1) weighted 2y and (R1 over R0) weighted 2(1 - y), so the loss is the mean over
 * pairs of the soft-label cross entropy (for bradley_terry). With grads, dL/dR of each segment
 * goes to each of its valid steps and through member k's backward (added to its gradient). */
static double pair_loss(reward_model *rm, int k, const int64_t *idx, int n, bool grads)
{
    const int L = rm->L;
    const size_t S = (size_t)L * rm->in_dim;
    for (int j = 0; j < n; j++) {
        memcpy(rm->bx + (size_t)j * 2 * S, rm->ds_x + (size_t)idx[j] * 2 * S, 2 * S * sizeof(float));
        rm->blen[2 * j] = rm->ds_len[2 * idx[j]];
        rm->blen[2 * j + 1] = rm->ds_len[2 * idx[j] + 1];
    }
    int rows = 2 * n * L;
    const float *out = nn_mlp_forward(&rm->cache, &rm->net[k], rm->bx, rows);   // (rows, 1)
    for (int j = 0; j < n; j++) {
        double R[2] = {0.0, 0.0};
        for (int s = 0; s < 2; s++)
            for (int t = 0; t < (int)rm->blen[2 * j + s]; t++) R[s] += out[(size_t)(2 * j + s) * L + t];
        float y = rm->ds_y[idx[j]];
        rm->pc[2 * j] = (float)R[0], rm->pr[2 * j] = (float)R[1], rm->w[2 * j] = 2.0f * y;
        rm->pc[2 * j + 1] = (float)R[1], rm->pr[2 * j + 1] = (float)R[0], rm->w[2 * j + 1] = 2.0f * (1.0f - y);
        rm->lc[2 * j] = rm->lr[2 * j + 1] = rm->blen[2 * j];
        rm->lr[2 * j] = rm->lc[2 * j + 1] = rm->blen[2 * j + 1];
    }
    double loss = loss_preference_eval(&rm->loss, rm->pc, rm->pr, rm->zero, rm->zero, rm->lc, rm->lr, rm->w, 2 * n,
                                       grads ? rm->dpc : NULL, grads ? rm->dpr : NULL);
    if (!grads) return loss;
    for (int j = 0; j < n; j++) {
        float d[2] = {rm->dpc[2 * j] + rm->dpr[2 * j + 1], rm->dpr[2 * j] + rm->dpc[2 * j + 1]};
        for (int s = 0; s < 2; s++)
            for (int t = 0; t < L; t++) rm->dout[(size_t)(2 * j + s) * L + t] = t < (int)rm->blen[2 * j + s] ? d[s] : 0.0f;
    }
    nn_mlp_backward(NULL, &rm->cache, &rm->net[k], rm->dout, rm->bx, rows);
    return loss;
}

double reward_model_pair_loss(reward_model *rm, int k, const int64_t *idx, int n, bool grads)
{
    RL_ASSERT(k >= 0 && k < rm->M && n > 0 && n <= rm->batch);
    if (grads) memset(rm->grads + (size_t)k * rm->P, 0, rm->P * sizeof(float));
    return pair_loss(rm, k, idx, n, grads);
}

/* the ensemble mean's agreement with the teacher on the labelled pairs (ties left out) */
static double accuracy(reward_model *rm)
{
    const size_t S = (size_t)rm->L * rm->in_dim;
    int64_t right = 0, counted = 0;
    for (int64_t j0 = 0; j0 < rm->n_labels; j0 += rm->batch) {
        int64_t m = rm->n_labels - j0 < rm->batch ? rm->n_labels - j0 : rm->batch;
        rm_segment_returns(rm, -1, rm->ds_x + (size_t)j0 * 2 * S, rm->ds_len + 2 * j0, 2 * m, rm->seg_r);
        for (int64_t j = 0; j < m; j++) {
            float y = rm->ds_y[j0 + j];
            if (y == 0.5f) continue;
            counted++;
            right += (rm->seg_r[2 * j] > rm->seg_r[2 * j + 1]) == (y > 0.5f);
        }
    }
    return counted ? (double)right / (double)counted : NAN;
}

static void shuffle(int64_t *p, int64_t n, rl_rng *rng)
{
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(rl_rng_double(rng) * (double)(i + 1));
        if (j > i) j = i;
        int64_t t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
}

/* Every member sees its own shuffle of the labels; the members step together (one Adam over the
 * flat ensemble buffer is M independent Adams). A non-finite loss skips that minibatch. */
void reward_model_train(reward_model *rm)
{
    const int64_t n = rm->n_labels, lab = rm->max_labels;
    if (n == 0) return;
    for (int k = 0; k < rm->M; k++)
        for (int64_t i = 0; i < n; i++) rm->perm[(size_t)k * lab + i] = i;
    double last = 0.0;
    for (int64_t ep = 0; ep < rm->epochs; ep++) {
        for (int k = 0; k < rm->M; k++) shuffle(rm->perm + (size_t)k * lab, n, &rm->rng);
        last = 0.0;
        for (int64_t b0 = 0; b0 < n; b0 += rm->batch) {
            int m = n - b0 < rm->batch ? (int)(n - b0) : (int)rm->batch;
            memset(rm->grads, 0, (size_t)rm->M * rm->P * sizeof(float));
            double l = 0.0;
            for (int k = 0; k < rm->M; k++) l += pair_loss(rm, k, rm->perm + (size_t)k * lab + b0, m, true);
            if (!isfinite(l)) continue;
            last += l * m / ((double)rm->M * (double)n);
            nn_adam_step(&rm->opt, rm->params, rm->grads);
        }
    }
    rm->last_loss = last;
    rm->last_acc = accuracy(rm);
}

/* ---- the per-step hook -------------------------------------------------------------------- */

void reward_model_begin(reward_model *rm, const env_vec *v)
{
    memcpy(rm->prev_obs, v->obs, (size_t)rm->N * rm->D * sizeof(float));
    for (int i = 0; i < rm->N; i++) rm->ep_learned[i] = 0.0;
}

void reward_model_observe(reward_model *rm, env_vec *v, const float *actions)
{
    const int N = rm->N, I = rm->in_dim;
    int64_t row = rm->added_rows % rm->rows;
    float *x = rm->ring_x + (size_t)row * N * I;
    for (int i = 0; i < N; i++)
        reward_model_features(rm, rm->prev_obs + (size_t)i * rm->D, actions + (size_t)i * v->act_dim, x + (size_t)i * I, NULL);
    rm_predict_mean(rm, x, N, rm->pred);
    for (int i = 0; i < N; i++) {
        size_t s = (size_t)row * N + i;
        bool end = v->terminated[i] || v->truncated[i];
        rm->ring_r[s] = v->rewards[i];
        rm->ring_end[s] = v->terminated[i] ? 1 : end ? 2 : 0;
        rm->ep_learned[i] += rm->pred[i];
        if (end) {
            rm->win[rm->n_win % RM_WINDOW] = rm->ep_learned[i];
            rm->n_win++;
            rm->ep_learned[i] = 0.0;
        }
        norm_add(rm, rm->pred[i]);
        v->rewards[i] = norm_apply(rm, rm->pred[i]);
    }
    rm->added_rows++;
    memcpy(rm->prev_obs, v->obs, (size_t)N * rm->D * sizeof(float));
}

/* ---- statistics --------------------------------------------------------------------------- */

void reward_model_stat_names(const char **names)
{
    static const char *n[RM_N_STATS] = {"rm_return_mean", "rm_labels", "rm_queries", "rm_loss", "rm_accuracy"};
    for (int i = 0; i < RM_N_STATS; i++) names[i] = n[i];
}

void reward_model_stats(const reward_model *rm, double *out)
{
    int k = rm->n_win < RM_WINDOW ? (int)rm->n_win : RM_WINDOW;
    double s = 0.0;
    for (int i = 0; i < k; i++) s += rm->win[i];
    out[0] = k > 0 ? s / k : NAN;
    out[1] = (double)rm->n_labels;
    out[2] = (double)rm->queries;
    out[3] = rm->last_loss;
    out[4] = rm->last_acc;
}

int64_t reward_model_labels(const reward_model *rm) { return rm->n_labels; }

int reward_model_members(const reward_model *rm, size_t *n_params, float **params, float **grads)
{
    *n_params = rm->P;
    *params = rm->params;
    *grads = rm->grads;
    return rm->M;
}
