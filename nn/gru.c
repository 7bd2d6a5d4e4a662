/* rlc nn: the GRU cell's recurrence, forward and backward through time (torch.nn.GRU's equations:
 * the reset gate scales the hidden side's n projection, W_hn h + b_hn, after the matmul; nn/rnn.h).
 * Each step is one GEMM (B, 3H, H) for the hidden projection and elementwise work; the cache keeps
 * the activated gates r, z, n, the hidden side's n projection, and the state entering each step.
 * Backward, the two sides' gate gradients differ in the n block (the hidden side's is scaled by
 * r), so they are kept apart: dgates for w_ih, b_ih and the input, dgh for w_hh, b_hh and h. */
#include "nn/rnn_impl.h"

#include <string.h>

/* g (B, 3H) holds the input side's projection w_ih x, hh (B, 3H) the hidden side's w_hh h (no
 * biases in either): r, z and n activated into g, W_hn h + b_hn kept in hn (B, H), and
 * h (B, H) = (1 - z) n + z hprev. Sigmoids through the vectorised tanh, s(x) = 0.5 tanh(x / 2) + 0.5. */
static void gru_cell(float *g, float *hn, float *h, const float *hh, const float *hprev, const nn_rnn *r,
                     const float *bsum, int B)
{
    int H = r->H;
    const float *b_in = r->b_ih + 2 * H, *b_hn = r->b_hh + 2 * H;
    for (int b = 0; b < B; b++) {
        float *row = g + (size_t)b * 3 * H, *n = row + 2 * H, *hnr = hn + (size_t)b * H;
        const float *hrow = hh + (size_t)b * 3 * H;
        for (int q = 0; q < 2 * H; q++) row[q] = 0.5f * (row[q] + hrow[q] + bsum[q]);
        nn_tanh_array_fma(row, row, 2 * (size_t)H);
        for (int q = 0; q < 2 * H; q++) row[q] = 0.5f * row[q] + 0.5f;
        for (int j = 0; j < H; j++) {
            hnr[j] = hrow[2 * H + j] + b_hn[j];
            n[j] += b_in[j] + row[j] * hnr[j];
        }
        nn_tanh_array_fma(n, n, (size_t)H);
        const float *z = row + H, *hp = hprev + (size_t)b * H;
        float *hr = h + (size_t)b * H;
        for (int j = 0; j < H; j++) hr[j] = (1.0f - z[j]) * n[j] + z[j] * hp[j];
    }
}

void nn_gru_steps(nn_rnn_cache *k, const nn_rnn *r, const float *h0)
{
    int B = k->B, H = r->H, gh = 3 * H;
    size_t bh = (size_t)B * H, bg = bh * 3;
    for (int t = 0; t < k->T; t++) {
        float *hp = k->hprev + t * bh;
        nn_rnn_reset_rows(hp, t ? k->h + (t - 1) * bh : h0, k->keep + (size_t)t * B, B, H);
        // hh (B, 3H) = hp (B, H) @ w_hh^T (H, 3H)
        nn_sgemm(false, true, B, gh, H, hp, H, r->w_hh, H, 0.0f, k->hh, gh);
        gru_cell(k->gates + t * bg, k->aux + t * bh, k->h + t * bh, k->hh, hp, r, k->bsum, B);
    }
}

/* One step back: dh (B, H), the gradient of h_t, in; both sides' gate gradients (B, 3H) out, and
 * dhp (B, H) = the part of the gradient of hprev that does not go through w_hh, z dh */
static void gru_step_back(float *dgi, float *dgh, float *dhp, const float *dh, const float *g, const float *hn,
                          const float *hprev, int B, int H)
{
    for (int b = 0; b < B; b++) {
        const float *gr = g + (size_t)b * 3 * H, *gz = gr + H, *gn = gr + 2 * H;
        const float *hnr = hn + (size_t)b * H, *hp = hprev + (size_t)b * H, *d = dh + (size_t)b * H;
        float *ir = dgi + (size_t)b * 3 * H, *hr = dgh + (size_t)b * 3 * H, *dp = dhp + (size_t)b * H;
        for (int j = 0; j < H; j++) {
            float dn = d[j] * (1.0f - gz[j]) * (1.0f - gn[j] * gn[j]);
            float dr = dn * hnr[j] * gr[j] * (1.0f - gr[j]);
            float dz = d[j] * (hp[j] - gn[j]) * gz[j] * (1.0f - gz[j]);
            ir[j] = hr[j] = dr;
            ir[H + j] = hr[H + j] = dz;
            ir[2 * H + j] = dn;
            hr[2 * H + j] = dn * gr[j];
            dp[j] = d[j] * gz[j];
        }
    }
}

void nn_gru_bptt(float *dh0, nn_rnn_cache *k, const nn_rnn *r, const float *dout, const float *dhT)
{
    int B = k->B, H = r->H;
    size_t bh = (size_t)B * H, bg = bh * 3;
    float *dh = k->dh, *next = k->dh2;
    if (dhT) memcpy(dh, dhT, bh * sizeof(float));
    else memset(dh, 0, bh * sizeof(float));
    for (int t = k->T - 1; t >= 0; t--) {
        const float *d = dout + t * bh;
        for (size_t i = 0; i < bh; i++) dh[i] += d[i];
        float *dgi = k->dgates + t * bg, *dgh = k->dgh + t * bg;
        gru_step_back(dgi, dgh, next, dh, k->gates + t * bg, k->aux + t * bh, k->hprev + t * bh, B, H);
        // next (B, H) += dgh (B, 3H) @ w_hh (3H, H): the gradient of the state entering step t
        nn_sgemm(false, false, B, H, 3 * H, dgh, 3 * H, r->w_hh, H, 1.0f, next, H);
        nn_rnn_cut_rows(next, k->keep + (size_t)t * B, B, H);
        float *swap = dh;
        dh = next;
        next = swap;
    }
    if (dh0) memcpy(dh0, dh, bh * sizeof(float));
}
