/* rlc nn: the LSTM cell's recurrence, forward and backward through time (torch.nn.LSTM's
 * equations, nn/rnn.h). Each step is one GEMM (B, 4H, H) and elementwise passes over the whole
 * step (B rows at once, so that the vectorised tanh runs over long arrays: one call for the
 * gates, one for the cells); the cache keeps the activated gates, tanh(c_t), and the states
 * entering each step. */
#include "nn/rnn_impl.h"

#include <string.h>

/* Sigmoids go through the vectorised tanh: s(x) = 0.5 tanh(x / 2) + 0.5. */

/* g (4H) = (g + bsum) halved in the i, f and o blocks: what tanh takes next */
static void lstm_pre(float *restrict g, const float *restrict bsum, int H)
{
    for (int q = 0; q < 2 * H; q++) g[q] = 0.5f * (g[q] + bsum[q]);
    for (int q = 2 * H; q < 3 * H; q++) g[q] += bsum[q];
    for (int q = 3 * H; q < 4 * H; q++) g[q] = 0.5f * (g[q] + bsum[q]);
}

/* g (4H) from tanh of lstm_pre's values to the gates (i, f, o = 0.5 t + 0.5; g as it is), and
 * c (H) = f cprev + i g */
static void lstm_gates_cell(float *restrict c, float *restrict g, const float *restrict cprev, int H)
{
    float *gi = g, *gf = g + H, *go = g + 3 * H;
    const float *gg = g + 2 * H;
    for (int j = 0; j < H; j++) {
        float i = 0.5f * gi[j] + 0.5f, f = 0.5f * gf[j] + 0.5f;
        gi[j] = i;
        gf[j] = f;
        go[j] = 0.5f * go[j] + 0.5f;
        c[j] = f * cprev[j] + i * gg[j];
    }
}

/* h (H) = o tc */
static void lstm_out(float *restrict h, const float *restrict go, const float *restrict tc, int H)
{
    for (int j = 0; j < H; j++) h[j] = go[j] * tc[j];
}

/* One step's elementwise work, a row (one sequence) at a time so that each pass reads what the
 * last one wrote from L1: g (B, 4H) holds the pre-activations (w_ih x + w_hh hprev) and becomes
 * the gates, c (B, H) the cells, tc (B, H) their tanh, h (B, H) the outputs. */
static void lstm_cells(float *g, float *c, float *tc, float *h, const float *cprev, const float *bsum, int B, int H)
{
    for (int b = 0; b < B; b++) {
        size_t o = (size_t)b * H;
        float *row = g + 4 * o;
        lstm_pre(row, bsum, H);
        nn_tanh_array_fma(row, row, 4 * (size_t)H);
        lstm_gates_cell(c + o, row, cprev + o, H);
        nn_tanh_array_fma(tc + o, c + o, (size_t)H);
        lstm_out(h + o, row + 3 * H, tc + o, H);
    }
}

void nn_lstm_steps(nn_rnn_cache *k, const nn_rnn *r, const float *h0, const float *c0)
{
    int B = k->B, H = r->H;
    size_t bh = (size_t)B * H, bg = bh * 4;
    for (int t = 0; t < k->T; t++) {
        float *hp = k->hprev + t * bh, *cp = k->cprev + t * bh, *g = k->gates + t * bg;
        const float *keep = k->keep + (size_t)t * B;
        nn_rnn_reset_rows(hp, t ? k->h + (t - 1) * bh : h0, keep, B, H);
        nn_rnn_reset_rows(cp, t ? k->c + (t - 1) * bh : c0, keep, B, H);
        // g (B, 4H) += hp (B, H) @ w_hh^T (H, 4H), then the biases and the activations
        nn_sgemm(false, true, B, 4 * H, H, hp, H, r->w_hh, H, 1.0f, g, 4 * H);
        lstm_cells(g, k->c + t * bh, k->aux + t * bh, k->h + t * bh, cp, k->bsum, B, H);
    }
}

/* One step back: dh (B, H), the gradient of h_t, and dc (B, H), of c_t, in; the step's gate
 * gradients (B, 4H) out, and dc becomes the gradient of the cell state entering the step. */
static void lstm_step_back(float *dg, float *dc, const float *dh, const float *g, const float *tc,
                           const float *cprev, int B, int H)
{
    for (int b = 0; b < B; b++) {
        const float *gi = g + (size_t)b * 4 * H, *gf = gi + H, *gg = gi + 2 * H, *go = gi + 3 * H;
        const float *t = tc + (size_t)b * H, *cp = cprev + (size_t)b * H, *dhr = dh + (size_t)b * H;
        float *dgi = dg + (size_t)b * 4 * H, *dgf = dgi + H, *dgg = dgi + 2 * H, *dgo = dgi + 3 * H;
        float *dcr = dc + (size_t)b * H;
        for (int j = 0; j < H; j++) {
            float dcv = dcr[j] + dhr[j] * go[j] * (1.0f - t[j] * t[j]);
            dgi[j] = dcv * gg[j] * gi[j] * (1.0f - gi[j]);
            dgf[j] = dcv * cp[j] * gf[j] * (1.0f - gf[j]);
            dgg[j] = dcv * gi[j] * (1.0f - gg[j] * gg[j]);
            dgo[j] = dhr[j] * t[j] * go[j] * (1.0f - go[j]);
            dcr[j] = dcv * gf[j];
        }
    }
}

static void add_into(float *acc, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) acc[i] += x[i];
}

static void set_or_zero(float *dst, const float *src, size_t n)
{
    if (src) memcpy(dst, src, n * sizeof(float));
    else memset(dst, 0, n * sizeof(float));
}

void nn_lstm_bptt(float *dh0, float *dc0, nn_rnn_cache *k, const nn_rnn *r, const float *dout, const float *dhT,
                  const float *dcT)
{
    int B = k->B, H = r->H;
    size_t bh = (size_t)B * H, bg = bh * 4;
    float *dh = k->dh, *dc = k->dc;
    set_or_zero(dh, dhT, bh);
    set_or_zero(dc, dcT, bh);
    for (int t = k->T - 1; t >= 0; t--) {
        float *dg = k->dgates + t * bg;
        const float *keep = k->keep + (size_t)t * B;
        add_into(dh, dout + t * bh, bh);
        lstm_step_back(dg, dc, dh, k->gates + t * bg, k->aux + t * bh, k->cprev + t * bh, B, H);
        // dh (B, H) = dg (B, 4H) @ w_hh (4H, H): the gradient of the state entering step t
        nn_sgemm(false, false, B, H, 4 * H, dg, 4 * H, r->w_hh, H, 0.0f, dh, H);
        nn_rnn_cut_rows(dh, keep, B, H);
        nn_rnn_cut_rows(dc, keep, B, H);
    }
    if (dh0) memcpy(dh0, dh, bh * sizeof(float));
    if (dc0) memcpy(dc0, dc, bh * sizeof(float));
}
