/* rlc nn: the recurrent layers' shape, parameters, cache and the row helpers the LSTM and the
 * GRU share (the cells are nn/lstm.c and nn/gru.c, forward and backward over them
 * nn/rnn_run.c; layouts in nn/rnn.h). */
#include "nn/rnn_impl.h"

#include <limits.h>
#include <math.h>
#include <string.h>

static const char *const kind_names[] = {[NN_RNN_LSTM] = "lstm", [NN_RNN_GRU] = "gru"};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == NN_RNN_COUNT, "kind_names must name every kind");

const char *nn_rnn_kind_name(nn_rnn_kind kind)
{
    RL_ASSERT((int)kind >= 0 && kind < NN_RNN_COUNT);
    return kind_names[kind];
}

rl_status nn_rnn_shape(nn_rnn *r, nn_rnn_kind kind, int I, int H, char *err, size_t err_sz)
{
    RL_ASSERT(r != NULL && (int)kind >= 0 && kind < NN_RNN_COUNT);
    memset(r, 0, sizeof *r);
    enum { MAX_SIZE = 1 << 14 };
    if (I < 1 || I > MAX_SIZE)
        return rl_errf(err, err_sz, RL_ERR_ARG, "%s: input size %d: expected 1 to %d", kind_names[kind], I, MAX_SIZE);
    if (H < 1 || H > MAX_SIZE)
        return rl_errf(err, err_sz, RL_ERR_ARG, "%s: hidden size %d: expected 1 to %d", kind_names[kind], H,
                       MAX_SIZE);
    r->kind = kind;
    r->I = I;
    r->H = H;
    r->G = kind == NN_RNN_LSTM ? 4 : 3;
    r->n_params = (size_t)r->G * H * ((size_t)I + H + 2);
    return RL_OK;
}

void nn_rnn_bind(nn_rnn *r, float *params, float *grads)
{
    RL_ASSERT(r->G > 0 && params != NULL);
    size_t gh = (size_t)r->G * r->H, offs[4] = {0, gh * r->I, gh * (r->I + r->H), gh * (r->I + r->H + 1)};
    float **p[4] = {&r->w_ih, &r->w_hh, &r->b_ih, &r->b_hh}, **d[4] = {&r->dw_ih, &r->dw_hh, &r->db_ih, &r->db_hh};
    r->params = params;
    r->grads = grads;
    for (int i = 0; i < 4; i++) {
        *p[i] = params + offs[i];
        *d[i] = grads ? grads + offs[i] : NULL;
    }
    RL_ASSERT(offs[3] + gh == r->n_params);
}

void nn_rnn_init_torch_default(nn_rnn *r, rl_rng *rng)
{
    double b = 1.0 / sqrt((double)r->H);
    for (size_t i = 0; i < r->n_params; i++) r->params[i] = (float)rl_rng_uniform(rng, -b, b);
}

void nn_rnn_init_orthogonal(nn_rnn *r, float gain, rl_rng *rng)
{
    int gh = r->G * r->H;
    nn_init_orthogonal(r->w_ih, gh, r->I, gain, rng);
    nn_init_orthogonal(r->w_hh, gh, r->H, gain, rng);
    memset(r->b_ih, 0, (size_t)gh * sizeof(float));
    memset(r->b_hh, 0, (size_t)gh * sizeof(float));
}

/* ---- cache ------------------------------------------------------------------------------ */

/* Lays the cache's arrays out in buf, when not NULL, and returns the floats they take; arrays a
 * kind does not use take none and are NULL. */
static size_t cache_layout(nn_rnn_cache *k, const nn_rnn *r, int T, int B, float *buf)
{
    bool lstm = r->kind == NN_RNN_LSTM;
    size_t tb = (size_t)T * B, tbh = tb * r->H, tbg = tbh * r->G, bh = (size_t)B * r->H;
    float **slot[] = {&k->keep, &k->hprev, &k->cprev, &k->gates, &k->aux, &k->h, &k->c, &k->hh,
                      &k->dgates, &k->dgh, &k->dh, &k->dh2, &k->dc, &k->bsum};
    size_t n[] = {tb, tbh, lstm ? tbh : 0, tbg, tbh, tbh, lstm ? tbh : 0, lstm ? 0 : bh * r->G,
                  tbg, lstm ? 0 : tbg, bh, bh, lstm ? bh : 0, (size_t)r->G * r->H};
    _Static_assert(sizeof slot / sizeof slot[0] == sizeof n / sizeof n[0], "one size per array");
    size_t at = 0;
    for (int i = 0; i < RL_ARRAY_LEN(n); i++) {
        if (buf) *slot[i] = n[i] ? buf + at : NULL;
        at += n[i];
    }
    return at;
}

size_t nn_rnn_cache_floats(const nn_rnn *r, int max_T, int max_B)
{
    // T B rows are one GEMM's M
    RL_ASSERT(r->G > 0 && max_T > 0 && max_B > 0 && (int64_t)max_T * max_B <= INT_MAX);
    nn_rnn_cache k;
    return cache_layout(&k, r, max_T, max_B, NULL);
}

void nn_rnn_cache_bind(nn_rnn_cache *k, const nn_rnn *r, float *buf, int max_T, int max_B)
{
    RL_ASSERT(r->G > 0 && max_T > 0 && max_B > 0 && (int64_t)max_T * max_B <= INT_MAX && buf != NULL);
    memset(k, 0, sizeof *k);
    (void)cache_layout(k, r, max_T, max_B, buf);
    k->max_T = max_T;
    k->max_B = max_B;
}

/* ---- pieces the cells share ------------------------------------------------------------- */

void nn_rnn_reset_rows(float *dst, const float *src, const float *keep, int B, int H)
{
    for (int b = 0; b < B; b++) {
        float *d = dst + (size_t)b * H;
        if (src && keep[b] != 0.0f) memcpy(d, src + (size_t)b * H, (size_t)H * sizeof(float));
        else memset(d, 0, (size_t)H * sizeof(float));
    }
}

void nn_rnn_cut_rows(float *x, const float *keep, int B, int H)
{
    for (int b = 0; b < B; b++)
        if (keep[b] == 0.0f) memset(x + (size_t)b * H, 0, (size_t)H * sizeof(float));
}

void nn_rnn_begin_forward(nn_rnn_cache *k, const nn_rnn *r, const float *c0, const bool *starts, int T, int B)
{
    RL_ASSERT(T >= 1 && T <= k->max_T && B >= 0 && B <= k->max_B);
    RL_ASSERT(r->kind == NN_RNN_LSTM || c0 == NULL);
    k->T = T;
    k->B = B;
    for (size_t i = 0; i < (size_t)T * B; i++) k->keep[i] = starts && starts[i] ? 0.0f : 1.0f;
}
