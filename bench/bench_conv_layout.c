/* rlc bench: which activation layout the convolution layer (nn/conv.c) uses, measured.
 *
 * Three im2col variants of the same convolution, forward (im2col, GEMM, bias) and backward
 * (weight and bias gradients, column gradient, col2im), each through nn_sgemm:
 *   nchw      per image: cols (C kh kw, OH OW), out (K, OH OW) = weight (K, C kh kw) cols
 *             (one GEMM per image and pass, Caffe's way);
 *   nhwc-cij  the whole batch: cols (B OH OW, C kh kw) with columns in PyTorch's weight order
 *             (c, i, j), out (B OH OW, K) = cols weight^T (one GEMM per pass);
 *   nhwc-ijc  the same with columns in (i, j, c) order, so that a kernel row of the input is
 *             one contiguous copy, against a weight stored (K, kh, kw, C);
 *   chunked   nhwc-ijc over chunks of images whose columns fit in 256 KiB, the backward pass
 *             recomputing the columns instead of keeping the whole batch's.
 * At the MinAtar shape and at the three layers of the Nature network, batches 32 and 128, best
 * of three rounds, microseconds per call. Prints figures only. The variants' results are
 * compared with each other once (they must agree), so a wrong variant cannot win. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "nn/nn.h"

typedef struct {
    const char *name;
    int C, H, W, K, kh, kw, s;
    int OH, OW, P, CKK;
} shape;

typedef struct {
    const shape *sh;
    int B;
    float *x, *w, *wp, *bias, *out, *cols, *dout, *dw, *db, *dcols, *dx;
} bufs;

/* this thread's CPU time: the machine is shared, and time while another process has the core is
 * not counted (its effect on the caches still is) */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- nchw: x (B, C, H, W), cols per image (CKK, P) ---------------------------------------- */

static void im2col_nchw(float *cols, const float *x, const shape *s)
{
    for (int c = 0; c < s->C; c++)
        for (int i = 0; i < s->kh; i++)
            for (int j = 0; j < s->kw; j++) {
                float *row = cols + (size_t)((c * s->kh + i) * s->kw + j) * s->P;
                for (int oh = 0; oh < s->OH; oh++) {
                    const float *src = x + ((size_t)c * s->H + oh * s->s + i) * s->W + j;
                    for (int ow = 0; ow < s->OW; ow++) row[oh * s->OW + ow] = src[ow * s->s];
                }
            }
}

static void col2im_nchw(float *dx, const float *dcols, const shape *s)
{
    for (int c = 0; c < s->C; c++)
        for (int i = 0; i < s->kh; i++)
            for (int j = 0; j < s->kw; j++) {
                const float *row = dcols + (size_t)((c * s->kh + i) * s->kw + j) * s->P;
                for (int oh = 0; oh < s->OH; oh++) {
                    float *dst = dx + ((size_t)c * s->H + oh * s->s + i) * s->W + j;
                    for (int ow = 0; ow < s->OW; ow++) dst[ow * s->s] += row[oh * s->OW + ow];
                }
            }
}

static void fwd_nchw(bufs *b)
{
    const shape *s = b->sh;
    size_t xs = (size_t)s->C * s->H * s->W, cs = (size_t)s->CKK * s->P, os = (size_t)s->K * s->P;
    for (int n = 0; n < b->B; n++) {
        float *cols = b->cols + n * cs, *out = b->out + n * os;
        im2col_nchw(cols, b->x + n * xs, s);
        for (int k = 0; k < s->K; k++)
            for (int p = 0; p < s->P; p++) out[(size_t)k * s->P + p] = b->bias[k];
        nn_sgemm(false, false, s->K, s->P, s->CKK, b->w, s->CKK, cols, s->P, 1.0f, out, s->P);
    }
}

static void bwd_nchw(bufs *b)
{
    const shape *s = b->sh;
    size_t xs = (size_t)s->C * s->H * s->W, cs = (size_t)s->CKK * s->P, os = (size_t)s->K * s->P;
    memset(b->dx, 0, sizeof(float) * xs * b->B);
    for (int n = 0; n < b->B; n++) {
        const float *cols = b->cols + n * cs, *dout = b->dout + n * os;
        nn_sgemm(false, true, s->K, s->CKK, s->P, dout, s->P, cols, s->P, 1.0f, b->dw, s->CKK);
        for (int k = 0; k < s->K; k++)
            for (int p = 0; p < s->P; p++) b->db[k] += dout[(size_t)k * s->P + p];
        nn_sgemm(true, false, s->CKK, s->P, s->K, b->w, s->CKK, dout, s->P, 0.0f, b->dcols, s->P);
        col2im_nchw(b->dx + n * xs, b->dcols, s);
    }
}

/* ---- nhwc: x (B, H, W, C), cols (B P, CKK) ---------------------------------------------- */

static void im2col_nhwc(float *cols, const float *x, const shape *s, int B, int ijc)
{
    int C = s->C, kk = s->kh * s->kw;
    for (int n = 0; n < B; n++)
        for (int oh = 0; oh < s->OH; oh++)
            for (int ow = 0; ow < s->OW; ow++) {
                float *row = cols + ((size_t)(n * s->OH + oh) * s->OW + ow) * s->CKK;
                for (int i = 0; i < s->kh; i++) {
                    const float *src = x + (((size_t)n * s->H + oh * s->s + i) * s->W + ow * s->s) * C;
                    if (ijc) {
                        memcpy(row + (size_t)i * s->kw * C, src, sizeof(float) * s->kw * C);
                        continue;
                    }
                    for (int j = 0; j < s->kw; j++)
                        for (int c = 0; c < C; c++) row[c * kk + i * s->kw + j] = src[j * C + c];
                }
            }
}

static void col2im_nhwc(float *dx, const float *dcols, const shape *s, int B, int ijc)
{
    int C = s->C, kk = s->kh * s->kw;
    for (int n = 0; n < B; n++)
        for (int oh = 0; oh < s->OH; oh++)
            for (int ow = 0; ow < s->OW; ow++) {
                const float *row = dcols + ((size_t)(n * s->OH + oh) * s->OW + ow) * s->CKK;
                for (int i = 0; i < s->kh; i++) {
                    float *dst = dx + (((size_t)n * s->H + oh * s->s + i) * s->W + ow * s->s) * C;
                    for (int j = 0; j < s->kw; j++)
                        for (int c = 0; c < C; c++)
                            dst[j * C + c] += ijc ? row[(i * s->kw + j) * C + c] : row[c * kk + i * s->kw + j];
                }
            }
}

static void fwd_nhwc(bufs *b, int ijc)
{
    const shape *s = b->sh;
    int M = b->B * s->P;
    im2col_nhwc(b->cols, b->x, s, b->B, ijc);
    for (int m = 0; m < M; m++) memcpy(b->out + (size_t)m * s->K, b->bias, sizeof(float) * s->K);
    nn_sgemm(false, true, M, s->K, s->CKK, b->cols, s->CKK, ijc ? b->wp : b->w, s->CKK, 1.0f, b->out, s->K);
}

static void bwd_nhwc(bufs *b, int ijc)
{
    const shape *s = b->sh;
    int M = b->B * s->P;
    nn_sgemm(true, false, s->K, s->CKK, M, b->dout, s->K, b->cols, s->CKK, 1.0f, b->dw, s->CKK);
    for (int m = 0; m < M; m++)
        for (int k = 0; k < s->K; k++) b->db[k] += b->dout[(size_t)m * s->K + k];
    nn_sgemm(false, false, M, s->CKK, s->K, b->dout, s->K, ijc ? b->wp : b->w, s->CKK, 0.0f, b->dcols, s->CKK);
    memset(b->dx, 0, sizeof(float) * (size_t)b->B * s->H * s->W * s->C);
    col2im_nhwc(b->dx, b->dcols, s, b->B, ijc);
}

/* nhwc-ijc by chunks of images whose columns fit in CHUNK floats: forward im2col and GEMM per
 * chunk; backward recomputes each chunk's columns (no whole-batch column cache), then weight
 * gradient, column gradient and col2im per chunk */
enum { CHUNK = 1 << 16 };
static int chunk_images(const shape *s, int B)
{
    int n = CHUNK / (s->P * s->CKK);
    return n < 1 ? 1 : n > B ? B : n;
}

static void fwd_chunk(bufs *b)
{
    const shape *s = b->sh;
    int nc = chunk_images(s, b->B);
    for (int n0 = 0; n0 < b->B; n0 += nc) {
        int nb = b->B - n0 < nc ? b->B - n0 : nc, M = nb * s->P;
        float *out = b->out + (size_t)n0 * s->P * s->K;
        im2col_nhwc(b->cols, b->x + (size_t)n0 * s->H * s->W * s->C, s, nb, 1);
        for (int m = 0; m < M; m++) memcpy(out + (size_t)m * s->K, b->bias, sizeof(float) * s->K);
        nn_sgemm(false, true, M, s->K, s->CKK, b->cols, s->CKK, b->wp, s->CKK, 1.0f, out, s->K);
    }
}

static void bwd_chunk(bufs *b)
{
    const shape *s = b->sh;
    int nc = chunk_images(s, b->B);
    memset(b->dx, 0, sizeof(float) * (size_t)b->B * s->H * s->W * s->C);
    for (int n0 = 0; n0 < b->B; n0 += nc) {
        int nb = b->B - n0 < nc ? b->B - n0 : nc, M = nb * s->P;
        const float *dout = b->dout + (size_t)n0 * s->P * s->K;
        size_t xoff = (size_t)n0 * s->H * s->W * s->C;
        im2col_nhwc(b->cols, b->x + xoff, s, nb, 1);
        nn_sgemm(true, false, s->K, s->CKK, M, dout, s->K, b->cols, s->CKK, 1.0f, b->dw, s->CKK);
        for (int m = 0; m < M; m++)
            for (int k = 0; k < s->K; k++) b->db[k] += dout[(size_t)m * s->K + k];
        nn_sgemm(false, false, M, s->CKK, s->K, dout, s->K, b->wp, s->CKK, 0.0f, b->dcols, s->CKK);
        col2im_nhwc(b->dx + xoff, b->dcols, s, nb, 1);
    }
}

static void fwd_cij(bufs *b) { fwd_nhwc(b, 0); }
static void bwd_cij(bufs *b) { bwd_nhwc(b, 0); }
static void fwd_ijc(bufs *b) { fwd_nhwc(b, 1); }
static void bwd_ijc(bufs *b) { bwd_nhwc(b, 1); }

/* ---- harness ------------------------------------------------------------------------------ */

/* microseconds per call of fn on b: one round of at least 5 ms */
static double time_round(void (*fn)(bufs *), bufs *b)
{
    int iters = 0;
    double t0 = now_s(), t1;
    do {
        fn(b);
        iters++;
        t1 = now_s();
    } while (t1 - t0 < 0.005);
    return (t1 - t0) / iters * 1e6;
}

/* the best of ROUNDS rounds of each function, the functions interleaved round by round so that
 * the machine's load changes hit them alike */
enum { ROUNDS = 20 };
static void time_interleaved(void (*const *fns)(bufs *), int n, bufs *b, double *best)
{
    for (int i = 0; i < n; i++) {
        fns[i](b);
        best[i] = INFINITY;
    }
    for (int round = 0; round < ROUNDS; round++)
        for (int i = 0; i < n; i++) best[i] = fmin(best[i], time_round(fns[i], b));
}

static float *fill(size_t n, rl_rng *rng)
{
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = (float)rl_rng_normal(rng);
    return x;
}

/* NCHW (B, K, P) -> NHWC (B, P, K), and the same for the input */
static void to_nhwc(float *dst, const float *src, int B, int C, int P)
{
    for (int n = 0; n < B; n++)
        for (int c = 0; c < C; c++)
            for (int p = 0; p < P; p++) dst[((size_t)n * P + p) * C + c] = src[((size_t)n * C + c) * P + p];
}

static double max_diff(const float *a, const float *b, size_t n)
{
    double d = 0.0;
    for (size_t i = 0; i < n; i++) d = fmax(d, fabs((double)a[i] - (double)b[i]));
    return d;
}

/* runs nchw and the three nhwc variants once on the same numbers and returns the largest difference
 * of their outputs and gradients */
static double agreement(bufs *b, rl_rng *rng)
{
    const shape *s = b->sh;
    size_t nx = (size_t)b->B * s->C * s->H * s->W, no = (size_t)b->B * s->K * s->P, nw = (size_t)s->K * s->CKK;
    float *x0 = fill(nx, rng), *d0 = fill(no, rng), *o1 = malloc(no * 4), *dx1 = malloc(nx * 4), *dw1 = malloc(nw * 4);
    float *t = malloc((no > nx ? no : nx) * 4);
    memcpy(b->x, x0, nx * 4);
    memcpy(b->dout, d0, no * 4);
    memset(b->dw, 0, nw * 4);
    fwd_nchw(b);
    bwd_nchw(b);
    to_nhwc(o1, b->out, b->B, s->K, s->P);
    to_nhwc(dx1, b->dx, b->B, s->C, s->H * s->W);
    memcpy(dw1, b->dw, nw * 4);
    double worst = 0.0;
    static void (*const fwd[3])(bufs *) = {fwd_cij, fwd_ijc, fwd_chunk};
    static void (*const bwd[3])(bufs *) = {bwd_cij, bwd_ijc, bwd_chunk};
    for (int v = 0; v < 3; v++) {
        int ijc = v > 0;
        to_nhwc(b->x, x0, b->B, s->C, s->H * s->W);
        to_nhwc(b->dout, d0, b->B, s->K, s->P);
        memset(b->dw, 0, nw * 4);
        fwd[v](b);
        bwd[v](b);
        worst = fmax(worst, max_diff(b->out, o1, no));
        worst = fmax(worst, max_diff(b->dx, dx1, nx));
        if (ijc) to_nhwc(t, b->dw, s->K, s->kh * s->kw, s->C);  /* (K, kh kw, C) -> (K, C, kh kw) */
        worst = fmax(worst, max_diff(ijc ? t : b->dw, dw1, nw));
    }
    free(x0); free(d0); free(o1); free(dx1); free(dw1); free(t);
    return worst;
}

static void run_shape(shape *s, int B, rl_rng *rng)
{
    s->OH = (s->H - s->kh) / s->s + 1;
    s->OW = (s->W - s->kw) / s->s + 1;
    s->P = s->OH * s->OW;
    s->CKK = s->C * s->kh * s->kw;
    size_t nx = (size_t)B * s->C * s->H * s->W, no = (size_t)B * s->K * s->P, nw = (size_t)s->K * s->CKK;
    bufs b = {s, B, fill(nx, rng), fill(nw, rng), malloc(nw * 4), fill((size_t)s->K, rng), malloc(no * 4),
              malloc((size_t)B * s->P * s->CKK * 4), fill(no, rng), calloc(nw, 4), calloc((size_t)s->K, 4),
              malloc((size_t)B * s->P * s->CKK * 4), malloc(nx * 4)};
    /* wp: the weight in (K, kh, kw, C) order */
    for (int k = 0; k < s->K; k++) to_nhwc(b.wp + (size_t)k * s->CKK, b.w + (size_t)k * s->CKK, 1, s->C, s->kh * s->kw);
    double agree = agreement(&b, rng);
    static void (*const fwd[4])(bufs *) = {fwd_nchw, fwd_cij, fwd_ijc, fwd_chunk};
    static void (*const bwd[4])(bufs *) = {bwd_nchw, bwd_cij, bwd_ijc, bwd_chunk};
    double f[4], g[4];
    time_interleaved(fwd, 4, &b, f);
    time_interleaved(bwd, 4, &b, g);
    printf("%-23s %4d | %8.0f %8.0f %8.0f %8.0f | %8.0f %8.0f %8.0f %8.0f | %.0e\n", s->name, B, f[0], f[1], f[2],
           f[3], g[0], g[1], g[2], g[3], agree);
    float *all[] = {b.x, b.w, b.wp, b.bias, b.out, b.cols, b.dout, b.dw, b.db, b.dcols, b.dx};
    for (int i = 0; i < RL_ARRAY_LEN(all); i++) free(all[i]);
}

int main(void)
{
    openblas_set_num_threads(1);
    shape shapes[] = {
        {"minatar 10x10x4 16@3/1", 4, 10, 10, 16, 3, 3, 1, 0, 0, 0, 0},
        {"nature1 84x84x4 32@8/4", 4, 84, 84, 32, 8, 8, 4, 0, 0, 0, 0},
        {"nature2 20x20x32 64@4/2", 32, 20, 20, 64, 4, 4, 2, 0, 0, 0, 0},
        {"nature3 9x9x64 64@3/1", 64, 9, 9, 64, 3, 3, 1, 0, 0, 0, 0},
    };
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    printf("conv layouts, %s, 1 thread; CPU microseconds per call (best of 20 interleaved rounds)\n", nn_gemm_library());
    printf("%-23s %4s | %8s %8s %8s %8s | %8s %8s %8s %8s | %s\n", "", "", "forward", "", "", "",
           "backward", "", "", "", "");
    printf("%-23s %4s | %8s %8s %8s %8s | %8s %8s %8s %8s | %s\n", "shape", "B", "nchw", "nhwc-cij", "nhwc-ijc",
           "chunked", "nchw", "nhwc-cij", "nhwc-ijc", "chunked", "max diff");
    static const int batches[] = {32, 128};
    for (int s = 0; s < RL_ARRAY_LEN(shapes); s++)
        for (int bi = 0; bi < 2; bi++) run_shape(&shapes[s], batches[bi], &rng);
    return 0;
}
