/* rlc algos: the on-policy engine's intrinsic-reward hooks (algos/onp_explore.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algos/onp_explore.h"
#include "core/limits.h"
#include "replay/returns.h"

int64_t onp_ex_step_floats(const rl_config *cfg, int64_t D, int64_t A)
{
    return onp_explore_enabled(cfg) ? 2 * D + A : 0;   /* the module's s, s' and u */
}

int64_t onp_ex_cache_floats(const rl_config *cfg, int64_t D, int64_t A)
{
    if (!onp_explore_enabled(cfg)) return 0;
    const onp_explore_cfg *c = onp_explore_cfg_of(cfg);
    int64_t F = c->feature_dim;   /* its three networks */
    return rl_mul_sat(3, rl_mlp_cache_per_sample(&c->hidden, 2 * F + A + D, F + A));
}

/* the per-step, per-rollout and per-minibatch arrays, in one block */
static void ex_memory(onp_ex *x, int mb)
{
    size_t N = (size_t)x->N, D = (size_t)x->D, TN = (size_t)x->T * N;
    x->mem = rl_xcalloc(N * D + 2 * N + 4 * TN + 6 * (size_t)mb, sizeof(float));
    float *p = x->mem;
    float **arr[] = {&x->step_raw, &x->step_rint, &x->step_vint, &x->r_int, &x->v_int, &x->adv_int, &x->ret_int,
                     &x->mb_vint_old, &x->mb_ret_int, &x->mb_vx, &x->mb_vi, &x->mb_dvx, &x->mb_dvi};
    size_t len[] = {N * D, N, N, TN, TN, TN, TN, mb, mb, mb, mb, mb, mb};
    for (size_t i = 0; i < sizeof len / sizeof len[0]; i++) *arr[i] = p, p += len[i];
    x->no_end = rl_xcalloc(TN, 1);
}

rl_status onp_ex_init(onp_ex *x, const rl_config *cfg, const onp_explore_shape *shape, int N, int T, int mb,
                      float lambda, char *err, size_t err_sz)
{
    memset(x, 0, sizeof *x);
    x->last_rint = NAN;
    rl_status st = onp_explore_create(&x->mod, cfg, shape, N, T, mb, err, err_sz);
    if (st != RL_OK || !x->mod) return st;
    const onp_explore_cfg *c = onp_explore_cfg_of(cfg);
    x->rnd = onp_explore_is_rnd(x->mod);
    x->N = N, x->T = T, x->D = shape->obs_dim;
    x->int_coef = (float)c->int_coef;
    x->ext_coef = x->rnd ? (float)c->ext_coef : 1.0f;
    x->int_gamma = (float)c->int_gamma;
    x->lambda = lambda;
    ex_memory(x, mb);
    return RL_OK;
}

void onp_ex_free(onp_ex *x)
{
    onp_explore_free(x->mod);
    free(x->mem);
    free(x->no_end);
    memset(x, 0, sizeof *x);
}

void onp_ex_act(onp_ex *x, const float *obs, const float *values, int nv, int n)
{
    if (!x->mod) return;
    if (x->rnd)
        for (int i = 0; i < n; i++) x->step_vint[i] = values[(size_t)i * nv + 1];
    memcpy(x->step_raw, obs, (size_t)n * x->D * sizeof(float));
}

void onp_ex_observe(onp_ex *x, int t, const float *u, const float *next_raw, float *rewards)
{
    if (!x->mod) return;
    int N = x->N;
    onp_explore_step(x->mod, t, x->step_raw, u, next_raw, x->step_rint);
    for (int i = 0; i < N; i++) {
        if (x->rnd) {
            x->r_int[(size_t)t * N + i] = x->step_rint[i];
            x->v_int[(size_t)t * N + i] = x->step_vint[i];
        } else {
            rewards[i] += x->int_coef * x->step_rint[i];
        }
    }
}

/* RND's intrinsic stream (non-episodic, its own discount and value head) mixed into the
 * extrinsic advantages, then the module's own update; ICM and SimHash added their bonus to the
 * rewards at each step, so they only update. Sets the statistic intrinsic_reward. */
void onp_ex_advantages(onp_ex *x, float *adv, const float *values, int nv, float *scratch)
{
    if (!x->mod) return;
    if (!x->rnd) {
        x->last_rint = onp_explore_update(x->mod);
        return;
    }
    int N = x->N, TN = x->T * x->N;
    double mean = 0.0;
    onp_explore_normalise_rewards(x->mod, x->r_int, x->T, x->int_gamma);
    for (int i = 0; i < N; i++) scratch[i] = values[(size_t)i * nv + 1];
    replay_gae(x->adv_int, x->ret_int, x->r_int, x->v_int, NULL, x->no_end, x->no_end, scratch, x->T, N,
               x->int_gamma, x->lambda);
    for (int i = 0; i < TN; i++) {
        adv[i] = x->ext_coef * adv[i] + x->int_coef * x->adv_int[i];
        mean += x->r_int[i];
    }
    x->last_rint = mean / TN;
    onp_explore_update(x->mod);
}

void onp_ex_gather(onp_ex *x, int k, int idx)
{
    if (!x->rnd) return;
    x->mb_vint_old[k] = x->v_int[idx];
    x->mb_ret_int[k] = x->ret_int[idx];
}

float onp_ex_value_loss(onp_ex *x, const loss_spec *value_loss, const float *values, const float *v_old,
                        const float *ret, int mb, float *dv)
{
    if (!x->rnd) return loss_value_eval(value_loss, values, v_old, ret, NULL, mb, dv);
    for (int k = 0; k < mb; k++) x->mb_vx[k] = values[2 * k], x->mb_vi[k] = values[2 * k + 1];
    float vl = loss_value_eval(value_loss, x->mb_vx, v_old, ret, NULL, mb, x->mb_dvx) +
               loss_value_eval(value_loss, x->mb_vi, x->mb_vint_old, x->mb_ret_int, NULL, mb, x->mb_dvi);
    for (int k = 0; k < mb; k++) dv[2 * k] = x->mb_dvx[k], dv[2 * k + 1] = x->mb_dvi[k];
    return vl;
}

double onp_ex_stat(const onp_ex *x) { return x->mod ? x->last_rint : NAN; }

int onp_ex_tensors(onp_ex *x, nn_tensor *t, char names[][48], bool train_state)
{
    return x->mod ? onp_explore_tensors(x->mod, t, names, train_state) : 0;
}

int onp_ex_dp_tensors(onp_ex *x, nn_tensor *t) { return x->mod ? onp_explore_dp_tensors(x->mod, t) : 0; }

void onp_ex_stage(onp_ex *x)
{
    if (x->mod) onp_explore_stage(x->mod);
}

rl_status onp_ex_unstage(onp_ex *x, char *err, size_t err_sz)
{
    return x->mod ? onp_explore_unstage(x->mod, err, err_sz) : RL_OK;
}
