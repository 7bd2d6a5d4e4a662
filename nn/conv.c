/* rlc nn: 2-D convolution over NHWC activations, through im2col and nn_sgemm.
 *
 * The columns of a chunk of images are (rows (n, oh, ow), columns (i, j, c)): the patch of input
 * under the kernel at each output position, a kernel row of it (kw C floats) being one contiguous
 * copy of an NHWC input row. Then
 *   forward          out (M, K)      = cols (M, CKK) wt^T + bias        (M = images P)
 *   weight gradient  dwt (K, CKK)   += dout^T (K, M) cols (M, CKK)
 *   input gradient   dcols (M, CKK)  = dout (M, K) wt (K, CKK), scattered back by col2im
 * where wt is the weight in column order (K, kh, kw, C), permuted from PyTorch's (K, C, kh, kw)
 * (a copy of K C kh kw floats per call, small beside the GEMMs). One GEMM per chunk, each chunk's
 * columns at most 64 Ki floats (256 KiB, in L2 between im2col and the GEMM); the backward pass
 * recomputes them rather than keeping the whole batch's. bench/bench_conv_layout.c measured
 * this against NCHW with one GEMM per image (Caffe's way), NHWC in torch's column order and NHWC
 * with the whole batch's columns kept (docs/layers.md has the figures): the chunked NHWC form was
 * as fast or faster on every layer of the Nature network (10-25% on its first) and within 10% on
 * MinAtar's, and its memory does not grow with the batch. */
#include "nn/conv.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CONV_CHUNK_FLOATS (1 << 16)   /* columns per chunk, when one image needs no more */
#define CONV_MAX_SIDE (1 << 16)       /* the largest size or padding taken */

/* ---- shape ----------------------------------------------------------------------------- */

static rl_status check_sizes(const nn_conv2d_spec *s, char *err, size_t err_sz)
{
    const struct { int v, min; const char *what; } sizes[] = {
        {s->C, 1, "input channels (C)"}, {s->H, 1, "input height (H)"}, {s->W, 1, "input width (W)"},
        {s->K, 1, "output channels (K)"}, {s->kh, 1, "kernel height (kh)"}, {s->kw, 1, "kernel width (kw)"},
        {s->sh, 1, "stride along the height (sh)"}, {s->sw, 1, "stride along the width (sw)"},
        {s->ph, 0, "padding along the height (ph)"}, {s->pw, 0, "padding along the width (pw)"},
    };
    for (int i = 0; i < RL_ARRAY_LEN(sizes); i++) {
        if (sizes[i].v >= sizes[i].min && sizes[i].v <= CONV_MAX_SIDE) continue;
        return rl_errf(err, err_sz, RL_ERR_ARG, "conv2d: %s = %d: expected %d to %d", sizes[i].what, sizes[i].v,
                       sizes[i].min, CONV_MAX_SIDE);
    }
    if (s->kh > s->H + 2 * s->ph || s->kw > s->W + 2 * s->pw)
        return rl_errf(err, err_sz, RL_ERR_ARG, "conv2d: kernel %dx%d (kh x kw) is larger than the padded input "
                       "%dx%d (H + 2 ph = %d + 2 x %d, W + 2 pw = %d + 2 x %d)", s->kh, s->kw, s->H + 2 * s->ph,
                       s->W + 2 * s->pw, s->H, s->ph, s->W, s->pw);
    return RL_OK;
}

rl_status nn_conv2d_init(nn_conv2d *c, const nn_conv2d_spec *s, char *err, size_t err_sz)
{
    RL_ASSERT(c != NULL && s != NULL);
    memset(c, 0, sizeof *c);
    rl_status st = check_sizes(s, err, err_sz);
    if (st != RL_OK) return st;
    int OH = (s->H + 2 * s->ph - s->kh) / s->sh + 1, OW = (s->W + 2 * s->pw - s->kw) / s->sw + 1;
    int64_t CKK = (int64_t)s->C * s->kh * s->kw, P = (int64_t)OH * OW;
    int64_t largest[] = {(int64_t)s->H * s->W * s->C, P * CKK, P * s->K, CKK * s->K};
    for (int i = 0; i < RL_ARRAY_LEN(largest); i++)
        if (largest[i] > INT_MAX / 2)
            return rl_errf(err, err_sz, RL_ERR_ARG, "conv2d: input %dx%dx%d, kernel %dx%d, %d filters: %lld floats "
                           "in one image's input, columns or output, or in the weight; at most %d taken", s->H,
                           s->W, s->C, s->kh, s->kw, s->K, (long long)largest[i], INT_MAX / 2);
    *c = (nn_conv2d){.C = s->C, .H = s->H, .W = s->W, .K = s->K, .kh = s->kh, .kw = s->kw, .sh = s->sh,
                     .sw = s->sw, .ph = s->ph, .pw = s->pw};
    c->OH = OH;
    c->OW = OW;
    c->P = (int)P;
    c->CKK = (int)CKK;
    c->chunk = P * CKK >= CONV_CHUNK_FLOATS ? 1 : (int)(CONV_CHUNK_FLOATS / (P * CKK));
    c->n_weight = (size_t)CKK * (size_t)s->K;
    c->n_params = c->n_weight + (size_t)s->K;
    return RL_OK;
}

size_t nn_conv2d_cache_floats(const nn_conv2d *c)
{
    RL_ASSERT(c->P > 0);
    return 2 * (size_t)c->chunk * (size_t)c->P * (size_t)c->CKK + 2 * c->n_weight;
}

void nn_conv2d_cache_bind(nn_conv2d_cache *k, const nn_conv2d *c, float *buf)
{
    RL_ASSERT(c->P > 0 && buf != NULL);
    size_t cols = (size_t)c->chunk * (size_t)c->P * (size_t)c->CKK;
    k->cols = buf;
    k->dcols = buf + cols;
    k->wt = buf + 2 * cols;
    k->dwt = buf + 2 * cols + c->n_weight;
}

/* ---- im2col and col2im ------------------------------------------------------------------ */

/* the kernel columns j0 <= j < j1 that fall inside the input at output column ow */
static void valid_cols(const nn_conv2d *c, int ow, int *j0, int *j1)
{
    int iw0 = ow * c->sw - c->pw;
    *j0 = iw0 < 0 ? -iw0 : 0;
    *j1 = c->W - iw0 < c->kw ? c->W - iw0 : c->kw;
}

/* Inline copies: im2col's kernel rows and the bias rows are short (12 and 16 floats on MinAtar's
 * layer), and a memcpy call for each took more time than the copies. GCC turns a copy loop back
 * into a call unless told not to, and inlines only between functions told the same. */
#if defined(__GNUC__) && !defined(__clang__)
#define CONV_INLINE_COPIES __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define CONV_INLINE_COPIES
#endif

/* dst (n) = src (n) */
CONV_INLINE_COPIES static inline void copy_floats(float *restrict dst, const float *restrict src, size_t n)
{
    size_t e = 0;
    for (; e + 4 <= n; e += 4) {
        float t[4];
        memcpy(t, src + e, sizeof t);
        memcpy(dst + e, t, sizeof t);
    }
    for (; e < n; e++) dst[e] = src[e];
}

/* kernel row i of the patch at (oh, ow), krow = kw C floats at dst: the input's row where the kernel
 * covers it, zeros where it overhangs (memset only at the padding: calls per kernel row were most
 * of im2col's time) */
CONV_INLINE_COPIES static void patch_row(float *dst, const float *img, const nn_conv2d *c, int ih, int ow)
{
    size_t krow = (size_t)c->kw * c->C;
    int j0, j1;
    valid_cols(c, ow, &j0, &j1);
    if (ih < 0 || ih >= c->H || j1 <= j0) {
        memset(dst, 0, krow * sizeof(float));
        return;
    }
    const float *src = img + ((size_t)ih * c->W + (ow * c->sw - c->pw + j0)) * c->C;
    if (j0 > 0) memset(dst, 0, (size_t)j0 * c->C * sizeof(float));
    copy_floats(dst + (size_t)j0 * c->C, src, (size_t)(j1 - j0) * c->C);
    if (j1 < c->kw) memset(dst + (size_t)j1 * c->C, 0, (size_t)(c->kw - j1) * c->C * sizeof(float));
}

/* rows times: dst (krow floats) = src (krow floats), then dst += dstep, src += sstep. The short
 * rows of small layers (kw C = 12 on MinAtar's) get a copy of a size known here, which compiles to
 * a few moves without a loop: half of im2col's time on MinAtar's layer went to the loop. */
CONV_INLINE_COPIES static void copy_rows(float *dst, size_t dstep, const float *src, size_t sstep, size_t krow,
                                         int rows)
{
#define COPY_ROWS_OF(N)                                                                                  \
    case N:                                                                                              \
        for (int r = 0; r < rows; r++, dst += dstep, src += sstep) memcpy(dst, src, N * sizeof(float)); \
        return;
    switch (krow) {
        COPY_ROWS_OF(4)
        COPY_ROWS_OF(8)
        COPY_ROWS_OF(12)
        COPY_ROWS_OF(16)
        COPY_ROWS_OF(24)
        COPY_ROWS_OF(32)
    default:
        for (int r = 0; r < rows; r++, dst += dstep, src += sstep) copy_floats(dst, src, krow);
    }
#undef COPY_ROWS_OF
}

/* the output columns [*lo, *hi) whose kernel lies inside the input's width */
static void inner_cols(const nn_conv2d *c, int *lo, int *hi)
{
    *lo = (c->pw + c->sw - 1) / c->sw;
    *hi = (c->W - c->kw + c->pw) / c->sw + 1;   // (no column when the numerator is negative: then pw > 0)
    if (*lo > c->OW) *lo = c->OW;                // padding wider than the output reaches
    if (*hi > c->OW) *hi = c->OW;
    if (*hi < *lo) *hi = *lo;
}

CONV_INLINE_COPIES static void im2col(float *cols, const float *x, const nn_conv2d *c, int nb)
{
    // cols (nb P, CKK) from x (nb, H, W, C); zeros where the kernel overhangs the input. Kernel row
    // by kernel row of an output row: inside the input's width, one copy of kw C floats each.
    size_t krow = (size_t)c->kw * c->C, step = (size_t)c->sw * c->C;
    int lo, hi;
    inner_cols(c, &lo, &hi);
    for (int n = 0; n < nb; n++) {
        const float *img = x + (size_t)n * c->H * c->W * c->C;
        for (int oh = 0; oh < c->OH; oh++) {
            float *rows = cols + ((size_t)n * c->P + (size_t)oh * c->OW) * c->CKK;
            for (int i = 0; i < c->kh; i++) {
                int ih = oh * c->sh - c->ph + i;
                float *dst = rows + (size_t)i * krow;
                for (int ow = 0; ow < lo; ow++) patch_row(dst + (size_t)ow * c->CKK, img, c, ih, ow);
                for (int ow = hi; ow < c->OW; ow++) patch_row(dst + (size_t)ow * c->CKK, img, c, ih, ow);
                if (ih < 0 || ih >= c->H) {
                    for (int ow = lo; ow < hi; ow++) memset(dst + (size_t)ow * c->CKK, 0, krow * sizeof(float));
                    continue;
                }
                const float *src = img + ((size_t)ih * c->W + (size_t)lo * c->sw - c->pw) * c->C;
                copy_rows(dst + (size_t)lo * c->CKK, (size_t)c->CKK, src, step, krow, hi - lo);
            }
        }
    }
}

static void col2im_add(float *dx, const float *dcols, const nn_conv2d *c, int nb)
{
    // dx (nb, H, W, C) += every column entry added back where im2col took it from
    size_t krow = (size_t)c->kw * c->C;
    for (int n = 0; n < nb; n++) {
        float *img = dx + (size_t)n * c->H * c->W * c->C;
        for (int oh = 0; oh < c->OH; oh++)
            for (int ow = 0; ow < c->OW; ow++) {
                const float *row = dcols + ((size_t)n * c->P + (size_t)oh * c->OW + ow) * c->CKK;
                int j0, j1;
                valid_cols(c, ow, &j0, &j1);
                for (int i = 0; i < c->kh; i++) {
                    int ih = oh * c->sh - c->ph + i;
                    if (ih < 0 || ih >= c->H || j1 <= j0) continue;
                    const float *src = row + (size_t)i * krow + (size_t)j0 * c->C;
                    float *dst = img + ((size_t)ih * c->W + (ow * c->sw - c->pw + j0)) * c->C;
                    size_t len = (size_t)(j1 - j0) * c->C;
                    for (size_t e = 0; e < len; e++) dst[e] += src[e];
                }
            }
    }
}

/* wt (K, kh kw, C) = w (K, C, kh kw) */
static void weight_to_cols(float *wt, const float *w, const nn_conv2d *c)
{
    int kk = c->kh * c->kw;
    for (int k = 0; k < c->K; k++) {
        const float *src = w + (size_t)k * c->CKK;
        float *dst = wt + (size_t)k * c->CKK;
        for (int ch = 0; ch < c->C; ch++)
            for (int q = 0; q < kk; q++) dst[(size_t)q * c->C + ch] = src[(size_t)ch * kk + q];
    }
}

/* dw (K, C, kh kw) += dwt (K, kh kw, C) */
static void weight_grad_add(float *dw, const float *dwt, const nn_conv2d *c)
{
    int kk = c->kh * c->kw;
    for (int k = 0; k < c->K; k++) {
        float *dst = dw + (size_t)k * c->CKK;
        const float *src = dwt + (size_t)k * c->CKK;
        for (int ch = 0; ch < c->C; ch++)
            for (int q = 0; q < kk; q++) dst[(size_t)ch * kk + q] += src[(size_t)q * c->C + ch];
    }
}

/* ---- forward and backward --------------------------------------------------------------- */

static size_t image_floats(const nn_conv2d *c) { return (size_t)c->H * c->W * c->C; }
static size_t out_floats(const nn_conv2d *c) { return (size_t)c->P * c->K; }

/* out (M, K) = the bias in every row */
CONV_INLINE_COPIES static void bias_rows(float *out, const float *bias, int M, int K)
{
    for (int m = 0; m < M; m++) copy_floats(out + (size_t)m * K, bias, (size_t)K);
}

void nn_conv2d_forward(float *out, nn_conv2d_cache *k, const float *inp, const float *weight, const float *bias,
                       const nn_conv2d *c, int B)
{
    // out (B, OH, OW, K), inp (B, H, W, C), weight (K, C, kh, kw), bias (K) or NULL
    RL_ASSERT(B >= 0 && c->P > 0);
    if (B == 0) return;
    weight_to_cols(k->wt, weight, c);
    for (int n0 = 0; n0 < B; n0 += c->chunk) {
        int nb = B - n0 < c->chunk ? B - n0 : c->chunk, M = nb * c->P;
        float *o = out + (size_t)n0 * out_floats(c);
        im2col(k->cols, inp + (size_t)n0 * image_floats(c), c, nb);
        if (bias) bias_rows(o, bias, M, c->K);
        // o (M, K) = cols (M, CKK) @ wt^T (CKK, K) (+ the bias rows)
        nn_sgemm(false, true, M, c->K, c->CKK, k->cols, c->CKK, k->wt, c->CKK, bias ? 1.0f : 0.0f, o, c->K);
    }
}

void nn_conv2d_backward(float *dinp, float *dweight, float *dbias, nn_conv2d_cache *k, const float *dout,
                        const float *inp, const float *weight, const nn_conv2d *c, int B)
{
    // dinp (B, H, W, C) or NULL, dweight (K, C, kh, kw) or NULL, dbias (K) or NULL, dout (B, OH, OW, K)
    RL_ASSERT(B >= 0 && c->P > 0);
    if (B == 0) return;
    if (dbias) nn_colsum_add(dbias, dout, (size_t)B * c->P, c->K);
    if (!dinp && !dweight) return;
    if (dinp) {
        weight_to_cols(k->wt, weight, c);
        memset(dinp, 0, (size_t)B * image_floats(c) * sizeof(float));
    }
    for (int n0 = 0; n0 < B; n0 += c->chunk) {
        int nb = B - n0 < c->chunk ? B - n0 : c->chunk, M = nb * c->P;
        const float *d = dout + (size_t)n0 * out_floats(c);
        size_t x0 = (size_t)n0 * image_floats(c);
        if (dweight) {
            // dwt (K, CKK) (+)= d^T (K, M) @ cols (M, CKK)
            im2col(k->cols, inp + x0, c, nb);
            nn_sgemm(true, false, c->K, c->CKK, M, d, c->K, k->cols, c->CKK, n0 == 0 ? 0.0f : 1.0f, k->dwt, c->CKK);
        }
        if (dinp) {
            // dcols (M, CKK) = d (M, K) @ wt (K, CKK)
            nn_sgemm(false, false, M, c->CKK, c->K, d, c->K, k->wt, c->CKK, 0.0f, k->dcols, c->CKK);
            col2im_add(dinp + x0, k->dcols, c, nb);
        }
    }
    if (dweight) weight_grad_add(dweight, k->dwt, c);
}

/* ---- reference kernels -------------------------------------------------------------------- */

void nn_conv2d_forward_ref(float *out, const float *inp, const float *weight, const float *bias,
                           const nn_conv2d *c, int B)
{
    int kk = c->kh * c->kw;
    for (int b = 0; b < B; b++)
        for (int oh = 0; oh < c->OH; oh++)
            for (int ow = 0; ow < c->OW; ow++)
                for (int k = 0; k < c->K; k++) {
                    double acc = bias ? (double)bias[k] : 0.0;
                    for (int ch = 0; ch < c->C; ch++)
                        for (int i = 0; i < c->kh; i++)
                            for (int j = 0; j < c->kw; j++) {
                                int ih = oh * c->sh - c->ph + i, iw = ow * c->sw - c->pw + j;
                                if (ih < 0 || ih >= c->H || iw < 0 || iw >= c->W) continue;
                                acc += (double)weight[(size_t)k * c->CKK + (size_t)ch * kk + i * c->kw + j] *
                                       (double)inp[(((size_t)b * c->H + ih) * c->W + iw) * c->C + ch];
                            }
                    out[(((size_t)b * c->OH + oh) * c->OW + ow) * c->K + k] = (float)acc;
                }
}

/* d/dweight[k][ch][i][j] of sum(out * dout): a sum over the batch and the output positions */
static double ref_dweight(const float *dout, const float *inp, const nn_conv2d *c, int B, int k, int ch, int i, int j)
{
    double acc = 0.0;
    for (int b = 0; b < B; b++)
        for (int oh = 0; oh < c->OH; oh++)
            for (int ow = 0; ow < c->OW; ow++) {
                int ih = oh * c->sh - c->ph + i, iw = ow * c->sw - c->pw + j;
                if (ih < 0 || ih >= c->H || iw < 0 || iw >= c->W) continue;
                acc += (double)dout[(((size_t)b * c->OH + oh) * c->OW + ow) * c->K + k] *
                       (double)inp[(((size_t)b * c->H + ih) * c->W + iw) * c->C + ch];
            }
    return acc;
}

/* d/dinp[b][ih][iw][ch]: every output position whose kernel covers (ih, iw) */
static double ref_dinp(const float *dout, const float *weight, const nn_conv2d *c, int b, int ih, int iw, int ch)
{
    double acc = 0.0;
    int kk = c->kh * c->kw;
    for (int i = 0; i < c->kh; i++)
        for (int j = 0; j < c->kw; j++) {
            int th = ih + c->ph - i, tw = iw + c->pw - j;
            if (th < 0 || tw < 0 || th % c->sh || tw % c->sw) continue;
            int oh = th / c->sh, ow = tw / c->sw;
            if (oh >= c->OH || ow >= c->OW) continue;
            for (int k = 0; k < c->K; k++)
                acc += (double)dout[(((size_t)b * c->OH + oh) * c->OW + ow) * c->K + k] *
                       (double)weight[(size_t)k * c->CKK + (size_t)ch * kk + i * c->kw + j];
        }
    return acc;
}

void nn_conv2d_backward_ref(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                            const float *weight, const nn_conv2d *c, int B)
{
    int kk = c->kh * c->kw;
    for (int k = 0; dweight && k < c->K; k++)
        for (int ch = 0; ch < c->C; ch++)
            for (int q = 0; q < kk; q++)
                dweight[(size_t)k * c->CKK + (size_t)ch * kk + q] +=
                    (float)ref_dweight(dout, inp, c, B, k, ch, q / c->kw, q % c->kw);
    for (int k = 0; dbias && k < c->K; k++) {
        double acc = 0.0;
        for (size_t m = 0; m < (size_t)B * c->P; m++) acc += (double)dout[m * c->K + k];
        dbias[k] += (float)acc;
    }
    for (int b = 0; dinp && b < B; b++)
        for (int ih = 0; ih < c->H; ih++)
            for (int iw = 0; iw < c->W; iw++)
                for (int ch = 0; ch < c->C; ch++)
                    dinp[(((size_t)b * c->H + ih) * c->W + iw) * c->C + ch] =
                        (float)ref_dinp(dout, weight, c, b, ih, iw, ch);
}

/* ---- initialisation and flatten ----------------------------------------------------------- */

void nn_conv2d_init_orthogonal(const nn_conv2d *c, float *weight, float *bias, float gain, rl_rng *rng)
{
    nn_init_orthogonal(weight, c->K, c->CKK, gain, rng);
    if (bias) memset(bias, 0, (size_t)c->K * sizeof(float));
}

void nn_conv2d_init_torch_default(const nn_conv2d *c, float *weight, float *bias, rl_rng *rng)
{
    double bound = 1.0 / sqrt((double)c->CKK);
    for (size_t i = 0; i < c->n_weight; i++) weight[i] = (float)rl_rng_uniform(rng, -bound, bound);
    for (int k = 0; bias && k < c->K; k++) bias[k] = (float)rl_rng_uniform(rng, -bound, bound);
}

void nn_flatten_forward(float *out, const float *inp, int B, int H, int W, int C)
{
    // out (B, C, H W) = inp (B, H W, C) transposed per image
    size_t hw = (size_t)H * W, n = hw * C;
    for (int b = 0; b < B; b++)
        for (size_t p = 0; p < hw; p++)
            for (int ch = 0; ch < C; ch++) out[b * n + (size_t)ch * hw + p] = inp[b * n + p * C + ch];
}

void nn_flatten_backward(float *dinp, const float *dout, int B, int H, int W, int C)
{
    size_t hw = (size_t)H * W, n = hw * C;
    for (int b = 0; b < B; b++)
        for (size_t p = 0; p < hw; p++)
            for (int ch = 0; ch < C; ch++) dinp[b * n + p * C + ch] = dout[b * n + (size_t)ch * hw + p];
}
