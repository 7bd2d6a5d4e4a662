/* rlc agents: the reward model learned from preferences (see agents/reward_model.h): its
 * lifecycle, the per-step hook, the ensemble's forward passes and training. The teacher and
 * the query rounds are in agents/reward_teacher.c, the checkpoint in agents/reward_model_io.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agents/reward_model_impl.h"
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

bool reward_model_update(reward_model *rm, int64_t step, const agent_algo *algo, void *agent)
{
    if (step < rm->next_query || rm->queries >= rm->max_labels) return false;
    if (!rm_query_round(rm)) {
        /* not enough complete segments yet: try again a little later */
        int64_t wait = rm->query_interval < 1000 ? rm->query_interval : 1000;
        rm->next_query = step + wait;
        return false;
    }
    rm->next_query = step + rm->query_interval;
    reward_model_train(rm);
    rm_norm_refit(rm);
    if (algo->relabel) algo->relabel(agent, reward_model_reward, rm);
    return true;
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
