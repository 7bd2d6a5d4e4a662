/* rlc algos: the auxiliary heads of the off-policy agents (algos/offpolicy.h, offp_aux). */
#include <stdio.h>
#include <string.h>

#include "algos/offpolicy.h"

rl_status offp_aux_init(offp_aux *x, const rl_config *cfg, nn_mlp *enc, const aux_shape *sh, float lr,
                        float adam_eps, char *err, size_t err_sz)
{
    rl_status st = aux_create(&x->aux, cfg, enc, sh, err, err_sz);
    if (st != RL_OK) return st;
    if ((st = nn_adam_init(&x->opt, aux_n_params(x->aux), lr, 0.9f, 0.999f, adam_eps, err, err_sz))) {
        aux_free(x->aux);
        x->aux = NULL;
        return st;
    }
    int B = sh->max_batch, D = sh->obs_dim, H = enc->sizes[enc->n_layers], nh = aux_n_heads(x->aux);
    /* doubles first (8-byte aligned), then floats, then ints and bytes */
    size_t nf = 4 * (size_t)nh + 2 * (size_t)B * D + (size_t)B + (size_t)B * H + (size_t)nh + ((size_t)B + 3) / 4;
    x->mem = rl_xcalloc(nf, sizeof(float));
    float *m = x->mem;
    x->loss = (double *)m, m += 2 * (size_t)nh;
    x->sum = (double *)m, m += 2 * (size_t)nh;
    x->next = m, m += (size_t)B * D;
    x->pos = m, m += (size_t)B * D;
    x->r = m, m += B;
    x->dh = m, m += (size_t)B * H;
    x->cnt = (int *)m, m += nh;
    x->pos_ok = (unsigned char *)m, m += ((size_t)B + 3) / 4;
    RL_ASSERT((size_t)(m - x->mem) == nf);
    return RL_OK;
}

void offp_aux_free(offp_aux *x)
{
    if (x->aux) nn_adam_free(&x->opt);
    aux_free(x->aux);
    free(x->mem);
    memset(x, 0, sizeof *x);
}

void offp_aux_gather(offp_aux *x, const replay_buffer *rb, const int64_t *idx, int B, int D)
{
    int k = aux_pos_k(x->aux);
    for (int i = 0; i < B; i++) {
        int64_t s = idx[i];
        x->r[i] = rb->rewards[s];
        memcpy(x->next + (size_t)i * D, rb->next_obs + (size_t)s * D, (size_t)D * sizeof(float));
        int64_t later = k > 0 ? replay_buffer_later(rb, s, k - 1) : -1;
        x->pos_ok[i] = later >= 0;
        if (later >= 0) memcpy(x->pos + (size_t)i * D, rb->next_obs + (size_t)later * D, (size_t)D * sizeof(float));
    }
}

void offp_aux_step(offp_aux *x)
{
    nn_adam_step(&x->opt, aux_params(x->aux), aux_grads(x->aux));
    for (int h = 0; h < aux_n_heads(x->aux); h++)
        if (isfinite(x->loss[h])) x->sum[h] += x->loss[h], x->cnt[h]++;
}

void offp_aux_stats_reset(offp_aux *x)
{
    for (int h = 0; h < aux_n_heads(x->aux); h++) x->sum[h] = 0.0, x->cnt[h] = 0;
}

void offp_aux_stats(const offp_aux *x, double *stats, int first)
{
    for (int h = 0; h < aux_n_heads(x->aux) && first + h < AGENT_MAX_STATS; h++)
        stats[first + h] = x->cnt[h] ? x->sum[h] / x->cnt[h] : NAN;
}

int offp_aux_stat_names(const offp_aux *x, const char **names, int max)
{
    int n = aux_n_heads(x->aux);
    if (n > max) n = max;
    for (int i = 0; i < n; i++) names[i] = aux_stat_name(x->aux, i);
    return n;
}

int offp_aux_tensors(offp_aux *x, nn_tensor *t, bool train_state)
{
    if (!x->aux) return 0;
    int n = 0;
    int64_t na = (int64_t)aux_n_params(x->aux);
    t[n++] = (nn_tensor){"aux.params", aux_params(x->aux), 1, {na}};
    if (train_state) {
        t[n++] = (nn_tensor){"aux.optim.adam.m", x->opt.m, 1, {na}};
        t[n++] = (nn_tensor){"aux.optim.adam.v", x->opt.v, 1, {na}};
    }
    return n;
}

int offp_aux_meta(const offp_aux *x, const char *algo, char *key, size_t key_sz, char *buf, nn_meta *meta)
{
    return aux_rng_meta(x->aux, algo, key, key_sz, buf, meta);
}

rl_status offp_aux_load_meta(offp_aux *x, nn_safetensors *f, const char *algo, int64_t adam_t, char *err,
                             size_t err_sz)
{
    if (!x->aux) return RL_OK;
    rl_status st = aux_rng_load(x->aux, f, algo, err, err_sz);
    if (st == RL_OK) x->opt.t = adam_t;
    return st;
}
