/* rlc algos: the on-policy engine's auxiliary heads (algos/onp_aux.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/dataparallel.h"
#include "algos/onp_aux.h"
#include "core/mathx.h"

/* the rollout's and the minibatch's fields the heads read, in one block */
static void scratch(onp_aux *x, int mb, int H)
{
    int TN = x->T * x->N, D = x->D, nh = aux_n_heads(x->aux);
    /* floats: next, rew, pos (int), end (bytes, rounded up), mb next/pos/r/dh, mb_pos_ok, losses */
    size_t nf = (size_t)TN * D + (size_t)TN + (size_t)TN + ((size_t)TN + 3) / 4 + 2 * (size_t)mb * D + (size_t)mb +
                (size_t)mb * H + ((size_t)mb + 3) / 4 + 5 * (size_t)nh;
    x->mem = rl_xcalloc(nf, sizeof(float));
    float *q = x->mem;
    x->loss = (double *)q, q += 2 * (size_t)nh;   /* doubles first: 8-byte aligned */
    x->sum = (double *)q, q += 2 * (size_t)nh;
    x->next = q, q += (size_t)TN * D;
    x->rew = q, q += TN;
    x->pos = (int *)q, q += TN;
    x->end = (unsigned char *)q, q += ((size_t)TN + 3) / 4;
    x->mb_next = q, q += (size_t)mb * D;
    x->mb_pos = q, q += (size_t)mb * D;
    x->mb_r = q, q += mb;
    x->mb_dh = q, q += (size_t)mb * H;
    x->mb_pos_ok = (unsigned char *)q, q += ((size_t)mb + 3) / 4;
    x->cnt = (int *)q, q += nh;
    RL_ASSERT((size_t)(q - x->mem) == nf);
}

rl_status onp_aux_init(onp_aux *x, const rl_config *cfg, onp_net *net, const onp_ac_settings *s, int T, int N,
                       int mb, char *err, size_t err_sz)
{
    nn_act act;
    nn_act_from_name(cfg->network.activation, &act);
    aux_shape sh = {.obs_dim = net->obs_dim, .K = net->K, .adim = net->adim, .max_batch = mb, .horizon = T,
                    .act = act};
    rl_status st = aux_create(&x->aux, cfg, &net->trunk, &sh, err, err_sz);
    if (st != RL_OK) return st;
    if ((st = onp_opt_init(&x->opt, s->rmsprop, aux_n_params(x->aux), s->lr, s->eps, s->rms_alpha, err, err_sz))) {
        aux_free(x->aux);
        x->aux = NULL;
        return st;
    }
    x->T = T;
    x->N = N;
    x->D = net->obs_dim;
    scratch(x, mb, net->trunk.sizes[net->trunk.n_layers]);
    return RL_OK;
}

void onp_aux_free(onp_aux *x)
{
    if (x->aux) onp_opt_free(&x->opt);
    aux_free(x->aux);
    free(x->mem);
}

int onp_aux_stat_names(const onp_aux *x, const char **names, int max)
{
    int n = aux_n_heads(x->aux);
    if (n > max) n = max;
    for (int i = 0; i < n; i++) names[i] = aux_stat_name(x->aux, i);
    return n;
}

void onp_aux_observe(onp_aux *x, onp_norm *norm, const float *next_raw, const float *rewards, const env_vec *v,
                     int t)
{
    if (!x->aux) return;
    /* what the heads read: s_{t+1} as the trunk sees it, the extrinsic reward, the ends */
    int N = x->N;
    size_t at = (size_t)t * N;
    onp_norm_obs(norm, next_raw, x->next + at * x->D, N, false);
    for (int i = 0; i < N; i++) {
        x->rew[at + i] = rewards[i];
        x->end[at + i] = v->terminated[i] || v->truncated[i];
    }
}

/* temporal_contrastive's positives: the row of next holding s_{t+k} (or -1) per step */
static void positions(onp_aux *x, int pos_k)
{
    int N = x->N;
    /* s_{t+k} is the next observation of step t + k - 1, if the episode goes on until then */
    for (int t = 0; t < x->T; t++)
        for (int i = 0; i < N; i++) {
            int j = t + pos_k - 1, ok = j < x->T;
            for (int q = t; ok && q < j; q++) ok = !x->end[(size_t)q * N + i];
            x->pos[(size_t)t * N + i] = ok ? j * N + i : -1;
        }
}

void onp_aux_begin(onp_aux *x)
{
    int n = aux_n_heads(x->aux);
    x->pos_k = aux_pos_k(x->aux);
    for (int h = 0; h < n; h++) x->sum[h] = 0.0, x->cnt[h] = 0;
    if (x->pos_k > 0) positions(x, x->pos_k);
}

void onp_aux_gather(onp_aux *x, int k, int idx)
{
    if (!x->aux) return;
    int D = x->D;
    memcpy(x->mb_next + (size_t)k * D, x->next + (size_t)idx * D, (size_t)D * sizeof(float));
    x->mb_r[k] = x->rew[idx];
    int pos = x->pos_k > 0 ? x->pos[idx] : -1;
    x->mb_pos_ok[k] = pos >= 0;
    if (pos >= 0) memcpy(x->mb_pos + (size_t)k * D, x->next + (size_t)pos * D, (size_t)D * sizeof(float));
}

float onp_aux_loss_grad(onp_aux *x, int mb, const float *obs, const float *h, const float *u, const float **dh)
{
    *dh = NULL;
    if (!x->aux) return 0.0f;
    aux_batch ab = {.B = mb, .obs = obs, .h = h, .u = u, .r = x->mb_r, .next = x->mb_next, .pos = x->mb_pos,
                    .pos_ok = x->mb_pos_ok};
    bool touched;
    float al = aux_loss_grad(x->aux, &ab, x->mb_dh, x->loss, &touched);
    if (touched) *dh = x->mb_dh;
    return al;
}

bool onp_aux_finite(const onp_aux *x)
{
    return !x->aux || rl_all_finite(aux_grads(x->aux), aux_n_params(x->aux));
}

bool onp_aux_dp_grads(onp_aux *x, bool ok)
{
    return x->aux ? agent_dp_grads(aux_grads(x->aux), aux_n_params(x->aux), ok) : ok;
}

void onp_aux_step(onp_aux *x)
{
    if (!x->aux) return;
    onp_opt_step(&x->opt, aux_params(x->aux), aux_grads(x->aux));
    for (int h = 0; h < aux_n_heads(x->aux); h++)
        if (isfinite(x->loss[h])) x->sum[h] += x->loss[h], x->cnt[h]++;
}

void onp_aux_set_lr(onp_aux *x, float lr)
{
    if (x->aux) onp_opt_set_lr(&x->opt, lr);
}

void onp_aux_stats(const onp_aux *x, double *stats, int first, int max)
{
    for (int h = 0; h < aux_n_heads(x->aux) && first + h < max; h++)
        stats[first + h] = x->cnt[h] ? x->sum[h] / x->cnt[h] : NAN;
}

int onp_aux_tensors(onp_aux *x, nn_tensor *t, char names[][48], bool train_state)
{
    if (!x->aux) return 0;
    int n = 0;
    t[n++] = (nn_tensor){"aux.params", aux_params(x->aux), 1, {(int64_t)aux_n_params(x->aux)}};
    if (!train_state) return n;
    /* the heads' optimizer state, named like the network's under "aux." */
    nn_tensor ot[2];
    int no = onp_opt_tensors(&x->opt, ot);
    for (int i = 0; i < no; i++) {
        snprintf(names[n], 48, "aux.%s", ot[i].name);
        ot[i].name = names[n];
        t[n++] = ot[i];
    }
    return n;
}

int onp_aux_dp_tensors(onp_aux *x, nn_tensor *t)
{
    if (!x->aux) return 0;
    t[0] = (nn_tensor){"aux.params", aux_params(x->aux), 1, {(int64_t)aux_n_params(x->aux)}};
    return 1 + onp_opt_tensors(&x->opt, t + 1);
}

int onp_aux_meta(const onp_aux *x, const char *algo, char *key, size_t key_sz, char *buf, nn_meta *meta)
{
    return aux_rng_meta(x->aux, algo, key, key_sz, buf, meta);
}

rl_status onp_aux_load_meta(onp_aux *x, nn_safetensors *f, const char *algo, int64_t opt_t, char *err,
                            size_t err_sz)
{
    if (!x->aux) return RL_OK;
    rl_status st = aux_rng_load(x->aux, f, algo, err, err_sz);
    if (st == RL_OK) *onp_opt_t(&x->opt) = opt_t;   /* both step together */
    return st;
}
