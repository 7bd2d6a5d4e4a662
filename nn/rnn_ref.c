/* rlc nn: reference LSTM and GRU, forward and backward through time, in plain loops: every dot
 * product accumulated in double, libm's exp and tanh in double, no GEMM and no nn_tanh. They fill
 * and read the same cache as the kernels of nn/rnn.c, nn/lstm.c and nn/gru.c, which the tests
 * compare with them. Slow; for tests only. */
#include "nn/rnn_impl.h"

#include <math.h>
#include <string.h>

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* row q of w (rows, n) dotted with x (n), plus bias[q] */
static double affine(const float *w, const float *bias, const float *x, int q, int n)
{
    double acc = bias[q];
    for (int i = 0; i < n; i++) acc += (double)w[(size_t)q * n + i] * (double)x[i];
    return acc;
}

/* step t, sequence b, hidden unit j of an LSTM: gates, cell and output into the cache */
static void lstm_unit(nn_rnn_cache *k, const nn_rnn *r, const float *x, int t, int b, int j)
{
    int H = r->H;
    size_t s = (size_t)t * k->B + b, u = s * H + j;
    const float *hp = k->hprev + s * H;
    double a[4];
    for (int q = 0; q < 4; q++)
        a[q] = affine(r->w_ih, r->b_ih, x, q * H + j, r->I) + affine(r->w_hh, r->b_hh, hp, q * H + j, H);
    double gi = sigmoid(a[0]), gf = sigmoid(a[1]), gg = tanh(a[2]), go = sigmoid(a[3]);
    float *g = k->gates + s * 4 * H;
    g[j] = (float)gi;
    g[H + j] = (float)gf;
    g[2 * H + j] = (float)gg;
    g[3 * H + j] = (float)go;
    double c = gf * k->cprev[u] + gi * gg;
    k->c[u] = (float)c;
    k->aux[u] = (float)tanh(c);
    k->h[u] = (float)(go * tanh(c));
}

static void gru_unit(nn_rnn_cache *k, const nn_rnn *r, const float *x, int t, int b, int j)
{
    int H = r->H;
    size_t s = (size_t)t * k->B + b, u = s * H + j;
    const float *hp = k->hprev + s * H;
    double xr = affine(r->w_ih, r->b_ih, x, j, r->I), xz = affine(r->w_ih, r->b_ih, x, H + j, r->I);
    double xn = affine(r->w_ih, r->b_ih, x, 2 * H + j, r->I);
    double hr = affine(r->w_hh, r->b_hh, hp, j, H), hz = affine(r->w_hh, r->b_hh, hp, H + j, H);
    double hn = affine(r->w_hh, r->b_hh, hp, 2 * H + j, H);
    double gr = sigmoid(xr + hr), gz = sigmoid(xz + hz), gn = tanh(xn + gr * hn);
    float *g = k->gates + s * 3 * H;
    g[j] = (float)gr;
    g[H + j] = (float)gz;
    g[2 * H + j] = (float)gn;
    k->aux[u] = (float)hn;
    k->h[u] = (float)((1.0 - gz) * gn + gz * hp[j]);
}

float *nn_rnn_forward_ref(nn_rnn_cache *k, const nn_rnn *r, const float *inp, const float *h0, const float *c0,
                          const bool *starts, int T, int B)
{
    nn_rnn_begin_forward(k, r, c0, starts, T, B);
    size_t bh = (size_t)B * r->H;
    bool lstm = r->kind == NN_RNN_LSTM;
    for (int t = 0; t < T; t++) {
        const float *keep = k->keep + (size_t)t * B;
        nn_rnn_reset_rows(k->hprev + t * bh, t ? k->h + (t - 1) * bh : h0, keep, B, r->H);
        if (lstm) nn_rnn_reset_rows(k->cprev + t * bh, t ? k->c + (t - 1) * bh : c0, keep, B, r->H);
        for (int b = 0; b < B; b++) {
            const float *x = inp + ((size_t)t * B + b) * r->I;
            for (int j = 0; j < r->H; j++) {
                if (lstm) lstm_unit(k, r, x, t, b, j);
                else gru_unit(k, r, x, t, b, j);
            }
        }
    }
    return k->h;
}

/* ---- backward --------------------------------------------------------------------------- */

/* Step t's gate gradients of an LSTM unit from dh (of h_t) and dc (of c_t); dc[u] becomes the
 * gradient of c entering the step. */
static void lstm_unit_back(nn_rnn_cache *k, const nn_rnn *r, int t, int b, int j)
{
    int H = r->H;
    size_t s = (size_t)t * k->B + b, u = s * H + j, v = (size_t)b * H + j;
    const float *g = k->gates + s * 4 * H;
    double gi = g[j], gf = g[H + j], gg = g[2 * H + j], go = g[3 * H + j], tc = k->aux[u];
    double dh = k->dh[v], dc = k->dc[v] + dh * go * (1.0 - tc * tc);
    float *dg = k->dgates + s * 4 * H;
    dg[j] = (float)(dc * gg * gi * (1.0 - gi));
    dg[H + j] = (float)(dc * k->cprev[u] * gf * (1.0 - gf));
    dg[2 * H + j] = (float)(dc * gi * (1.0 - gg * gg));
    dg[3 * H + j] = (float)(dh * tc * go * (1.0 - go));
    k->dc[v] = (float)(dc * gf);
}

/* the same for a GRU unit; dh2[v] = z dh, the gradient of hprev outside w_hh */
static void gru_unit_back(nn_rnn_cache *k, const nn_rnn *r, int t, int b, int j)
{
    int H = r->H;
    size_t s = (size_t)t * k->B + b, u = s * H + j, v = (size_t)b * H + j;
    const float *g = k->gates + s * 3 * H;
    double gr = g[j], gz = g[H + j], gn = g[2 * H + j], dh = k->dh[v];
    double dn = dh * (1.0 - gz) * (1.0 - gn * gn), dr = dn * k->aux[u] * gr * (1.0 - gr);
    double dz = dh * (k->hprev[u] - gn) * gz * (1.0 - gz);
    float *dgi = k->dgates + s * 3 * H, *dgh = k->dgh + s * 3 * H;
    dgi[j] = dgh[j] = (float)dr;
    dgi[H + j] = dgh[H + j] = (float)dz;
    dgi[2 * H + j] = (float)dn;
    dgh[2 * H + j] = (float)(dn * gr);
    k->dh2[v] = (float)(dh * gz);
}

/* dh (B, H) = the gradient of the state entering step t: dh2 (the GRU's direct part, else 0)
 * plus the hidden-side gate gradients times w_hh, zero where the step starts an episode */
static void state_grad(nn_rnn_cache *k, const nn_rnn *r, int t)
{
    int H = r->H, gh = r->G * H;
    bool lstm = r->kind == NN_RNN_LSTM;
    const float *dg = (lstm ? k->dgates : k->dgh) + (size_t)t * k->B * gh;
    for (int b = 0; b < k->B; b++)
        for (int j = 0; j < H; j++) {
            double acc = lstm ? 0.0 : k->dh2[(size_t)b * H + j];
            for (int q = 0; q < gh; q++) acc += (double)dg[(size_t)b * gh + q] * (double)r->w_hh[(size_t)q * H + j];
            k->dh[(size_t)b * H + j] = (float)acc;
        }
    nn_rnn_cut_rows(k->dh, k->keep + (size_t)t * k->B, k->B, H);
    if (lstm) nn_rnn_cut_rows(k->dc, k->keep + (size_t)t * k->B, k->B, H);
}

/* acc (rows, n) += sum over the T B steps of dg (T B, rows)^T x (T B, n), in double */
static void weight_grad_ref(float *acc, const float *dg, const float *x, int M, int rows, int n)
{
    for (int q = 0; q < rows; q++)
        for (int i = 0; i < n; i++) {
            double s = 0.0;
            for (int m = 0; m < M; m++) s += (double)dg[(size_t)m * rows + q] * (double)x[(size_t)m * n + i];
            acc[(size_t)q * n + i] += (float)s;
        }
}

static void bias_grad_ref(float *acc, const float *dg, int M, int rows)
{
    for (int q = 0; q < rows; q++) {
        double s = 0.0;
        for (int m = 0; m < M; m++) s += dg[(size_t)m * rows + q];
        acc[q] += (float)s;
    }
}

void nn_rnn_backward_ref(float *dinp, float *dh0, float *dc0, nn_rnn_cache *k, nn_rnn *r, const float *dout,
                         const float *dhT, const float *dcT, const float *inp)
{
    int B = k->B, H = r->H, gh = r->G * H, M = k->T * B;
    size_t bh = (size_t)B * H;
    bool lstm = r->kind == NN_RNN_LSTM;
    for (size_t v = 0; v < bh; v++) {
        k->dh[v] = dhT ? dhT[v] : 0.0f;
        if (lstm) k->dc[v] = dcT ? dcT[v] : 0.0f;
    }
    for (int t = k->T - 1; t >= 0; t--) {
        for (size_t v = 0; v < bh; v++) k->dh[v] += dout[t * bh + v];
        for (int b = 0; b < B; b++)
            for (int j = 0; j < H; j++) {
                if (lstm) lstm_unit_back(k, r, t, b, j);
                else gru_unit_back(k, r, t, b, j);
            }
        state_grad(k, r, t);
    }
    if (dh0) memcpy(dh0, k->dh, bh * sizeof(float));
    if (dc0) memcpy(dc0, k->dc, bh * sizeof(float));
    const float *dgh = lstm ? k->dgates : k->dgh;
    if (r->grads) {
        weight_grad_ref(r->dw_ih, k->dgates, inp, M, gh, r->I);
        weight_grad_ref(r->dw_hh, dgh, k->hprev, M, gh, H);
        bias_grad_ref(r->db_ih, k->dgates, M, gh);
        bias_grad_ref(r->db_hh, dgh, M, gh);
    }
    for (int m = 0; dinp && m < M; m++)
        for (int i = 0; i < r->I; i++) {
            double s = 0.0;
            for (int q = 0; q < gh; q++) s += (double)k->dgates[(size_t)m * gh + q] * (double)r->w_ih[(size_t)q * r->I + i];
            dinp[(size_t)m * r->I + i] = (float)s;
        }
}
