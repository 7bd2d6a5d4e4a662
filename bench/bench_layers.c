/* rlc bench: the convolution and recurrent layers (nn/conv.h, nn/rnn.h) against the GEMM-only
 * bound of the same work.
 *
 * Usage: bench_layers [--quick] [--only TEXT]
 *
 * For each case it records the nn_sgemm calls of one forward and of one backward (the bench links
 * with --wrap=nn_sgemm: shapes, order, operands), then runs ROUNDS interleaved rounds of: the
 * layer's forward, the recorded forward calls alone on the same buffers, the layer's backward,
 * the recorded backward calls alone. It prints GFLOP/s (2 M N K summed over the recorded calls,
 * per second of the best round) of the layer and of its GEMMs alone, and the fraction of the
 * bound the layer reaches (what im2col, col2im, the gates' elementwise work and the step-by-step
 * recurrence cost beside the matrix products).
 *   conv: MinAtar's layer (10x10x4 -> 8x8x16) and the Nature network's three, at batches 32 and
 *         128 (--quick: 32); a network's first layer computes no input gradient, so its backward
 *         here is the weight and bias gradients only;
 *   LSTM and GRU: T = 128 steps, input size = hidden size H in {64, 256}, B in {8, 64} sequences
 *         (--quick: H 64), with episode starts at 1% of the steps; backward with the input gradient;
 *   the ready recurrent configs' own shapes (configs/zoo/ppo_lstm_*_masked.yaml: a 64-unit trunk
 *         under an LSTM of 64): one minibatch's sequences (CartPole: T = 16 of B = 8; Pendulum:
 *         T = 128 of B = 8) and one acting step of all the copies (T = 1, B = 8 and 4); with
 *         recurrent.shared: false an update and a step run this twice (the actor's and the
 *         critic's layers).
 * --only TEXT runs the cases whose label contains TEXT ("lstm", "nature2").
 * Times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID): the machine may be shared, and time
 * while another process holds the core is not counted (its effect on the caches is). One BLAS
 * thread. Figures only: nothing is asserted. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "nn/conv.h"
#include "nn/rnn.h"

#define ROUNDS 5
#define ROUND_S 0.02   /* each timed round lasts at least this long (and one call) */

/* ---- recording the GEMM calls ------------------------------------------------------------ */

typedef struct {
    bool ta, tb;
    int M, N, K, lda, ldb, ldc;
    float beta;
    const float *A, *B;
    float *C;
} gemm_call;

typedef struct {
    gemm_call *calls;
    int n, cap;
    double flops;
} recording;

static recording *g_rec;   /* where __wrap_nn_sgemm notes calls, or NULL */
static const char *g_only; /* --only */

void __real_nn_sgemm(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                     float beta, float *C, int ldc);
void __wrap_nn_sgemm(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                     float beta, float *C, int ldc);

void __wrap_nn_sgemm(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                     float beta, float *C, int ldc)
{
    recording *r = g_rec;
    if (r) {
        if (r->n == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 64;
            r->calls = realloc(r->calls, (size_t)r->cap * sizeof *r->calls);
            if (!r->calls) {
                fprintf(stderr, "bench_layers: out of memory\n");
                exit(1);
            }
        }
        r->calls[r->n++] = (gemm_call){ta, tb, M, N, K, lda, ldb, ldc, beta, A, B, C};
        r->flops += 2.0 * M * N * K;
    }
    __real_nn_sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

static void replay(void *arg)
{
    const recording *r = arg;
    for (int i = 0; i < r->n; i++) {
        const gemm_call *g = &r->calls[i];
        __real_nn_sgemm(g->ta, g->tb, g->M, g->N, g->K, g->A, g->lda, g->B, g->ldb, g->beta, g->C, g->ldc);
    }
}

/* ---- timing --------------------------------------------------------------------------------- */

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    void (*fn)(void *);
    void *arg;
} job;

/* seconds per call of each job, the best of ROUNDS rounds, the jobs interleaved round by round */
static void time_jobs(const job *jobs, int n, double *best)
{
    for (int i = 0; i < n; i++) {
        jobs[i].fn(jobs[i].arg);   // warm up
        best[i] = INFINITY;
    }
    for (int round = 0; round < ROUNDS; round++)
        for (int i = 0; i < n; i++) {
            int calls = 0;
            double t0 = cpu_now(), t1;
            do {
                jobs[i].fn(jobs[i].arg);
                calls++;
                t1 = cpu_now();
            } while (t1 - t0 < ROUND_S);
            best[i] = fmin(best[i], (t1 - t0) / calls);
        }
}

/* records one call of fwd and of bwd, times the four jobs, prints one row */
static void measure(const char *name, int B, void (*fwd)(void *), void (*bwd)(void *), void *ctx)
{
    recording rf = {0}, rb = {0};
    g_rec = &rf;
    fwd(ctx);
    g_rec = &rb;
    bwd(ctx);
    g_rec = NULL;
    job jobs[4] = {{fwd, ctx}, {replay, &rf}, {bwd, ctx}, {replay, &rb}};
    double t[4];
    time_jobs(jobs, 4, t);
    double gf = rf.flops * 1e-9, gb = rb.flops * 1e-9;
    printf("%-34s %4d | %8.3f %7.1f %7.1f %5.2f | %8.3f %7.1f %7.1f %5.2f\n", name, B, t[0] * 1e3, gf / t[0],
           gf / t[1], t[1] / t[0], t[2] * 1e3, gb / t[2], gb / t[3], t[3] / t[2]);
    fflush(stdout);
    free(rf.calls);
    free(rb.calls);
}

/* whether --only lets the case of this label run (checked before its buffers are made) */
static bool selected(const char *label) { return !g_only || strstr(label, g_only); }

static void header(const char *what)
{
    printf("\n%-34s %4s | %8s %7s %7s %5s | %8s %7s %7s %5s\n", what, "B", "fwd ms", "GFLOP/s", "GEMMs", "frac",
           "bwd ms", "GFLOP/s", "GEMMs", "frac");
}

static float *normal_buf(size_t n, float scale, rl_rng *rng)
{
    float *x = malloc((n ? n : 1) * sizeof(float));
    if (!x) {
        fprintf(stderr, "bench_layers: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) x[i] = scale * (float)rl_rng_normal(rng);
    return x;
}

/* ---- convolution ----------------------------------------------------------------------------- */

typedef struct {
    nn_conv2d c;
    nn_conv2d_cache k;
    int B;
    bool first;   /* a network's first layer: no input gradient */
    float *inp, *w, *bias, *out, *dout, *dinp, *dw, *db, *cache;
} conv_ctx;

static void conv_fwd(void *arg)
{
    conv_ctx *x = arg;
    nn_conv2d_forward(x->out, &x->k, x->inp, x->w, x->bias, &x->c, x->B);
}

static void conv_bwd(void *arg)
{
    conv_ctx *x = arg;
    nn_conv2d_backward(x->first ? NULL : x->dinp, x->dw, x->db, &x->k, x->dout, x->inp, x->w, &x->c, x->B);
}

static void bench_conv(const char *name, nn_conv2d_spec s, bool first, int B, rl_rng *rng)
{
    char label[96];
    snprintf(label, sizeof label, "%s%s", name, first ? " (no dinp)" : "");
    if (!selected(label)) return;
    conv_ctx x = {.B = B, .first = first};
    char err[256];
    if (nn_conv2d_init(&x.c, &s, err, sizeof err) != RL_OK) {
        fprintf(stderr, "bench_layers: %s\n", err);
        exit(1);
    }
    size_t ni = (size_t)B * x.c.H * x.c.W * x.c.C, no = (size_t)B * x.c.P * x.c.K;
    x.inp = normal_buf(ni, 1.0f, rng);
    x.w = normal_buf(x.c.n_weight, 0.1f, rng);
    x.bias = normal_buf((size_t)x.c.K, 0.1f, rng);
    x.out = normal_buf(no, 0.0f, rng);
    x.dout = normal_buf(no, 1.0f, rng);
    x.dinp = normal_buf(ni, 0.0f, rng);
    x.dw = normal_buf(x.c.n_weight, 0.0f, rng);
    x.db = normal_buf((size_t)x.c.K, 0.0f, rng);
    x.cache = normal_buf(nn_conv2d_cache_floats(&x.c), 0.0f, rng);
    nn_conv2d_cache_bind(&x.k, &x.c, x.cache);
    measure(label, B, conv_fwd, conv_bwd, &x);
    float *all[] = {x.inp, x.w, x.bias, x.out, x.dout, x.dinp, x.dw, x.db, x.cache};
    for (int i = 0; i < (int)(sizeof all / sizeof all[0]); i++) free(all[i]);
}

/* ---- recurrent layers -------------------------------------------------------------------------- */

typedef struct {
    nn_rnn r;
    nn_rnn_cache k;
    int T, B;
    float *params, *grads, *cache, *inp, *h0, *c0, *dout, *dinp, *dh0, *dc0;
    bool *starts;
} rnn_ctx;

static void rnn_fwd(void *arg)
{
    rnn_ctx *x = arg;
    bool lstm = x->r.kind == NN_RNN_LSTM;
    (void)nn_rnn_forward(&x->k, &x->r, x->inp, x->h0, lstm ? x->c0 : NULL, x->starts, x->T, x->B);
}

static void rnn_bwd(void *arg)
{
    rnn_ctx *x = arg;
    bool lstm = x->r.kind == NN_RNN_LSTM;
    nn_rnn_backward(x->dinp, x->dh0, lstm ? x->dc0 : NULL, &x->k, &x->r, x->dout, NULL, NULL, x->inp);
}

static void bench_rnn(nn_rnn_kind kind, int H, int T, int B, const char *name, rl_rng *rng)
{
    char label[96];
    if (name) snprintf(label, sizeof label, "%s T=%d", name, T);
    else snprintf(label, sizeof label, "%s I=H=%d T=%d", nn_rnn_kind_name(kind), H, T);
    if (!selected(label)) return;
    rnn_ctx x = {.T = T, .B = B};
    char err[256];
    if (nn_rnn_shape(&x.r, kind, H, H, err, sizeof err) != RL_OK) {
        fprintf(stderr, "bench_layers: %s\n", err);
        exit(1);
    }
    x.params = normal_buf(x.r.n_params, 0.0f, rng);
    x.grads = normal_buf(x.r.n_params, 0.0f, rng);
    nn_rnn_bind(&x.r, x.params, x.grads);
    nn_rnn_init_torch_default(&x.r, rng);
    x.cache = normal_buf(nn_rnn_cache_floats(&x.r, T, B), 0.0f, rng);
    nn_rnn_cache_bind(&x.k, &x.r, x.cache, T, B);
    size_t bh = (size_t)B * H, tbh = (size_t)T * bh;
    x.inp = normal_buf(tbh, 1.0f, rng);
    x.dinp = normal_buf(tbh, 0.0f, rng);
    x.dout = normal_buf(tbh, 1.0f, rng);
    x.h0 = normal_buf(bh, 0.5f, rng);
    x.c0 = normal_buf(bh, 0.5f, rng);
    x.dh0 = normal_buf(bh, 0.0f, rng);
    x.dc0 = normal_buf(bh, 0.0f, rng);
    x.starts = malloc((size_t)T * B * sizeof(bool));
    for (int i = 0; i < T * B; i++) x.starts[i] = rl_rng_double(rng) < 0.01;
    measure(label, B, rnn_fwd, rnn_bwd, &x);
    float *all[] = {x.params, x.grads, x.cache, x.inp, x.dinp, x.dout, x.h0, x.c0, x.dh0, x.dc0};
    for (int i = 0; i < (int)(sizeof all / sizeof all[0]); i++) free(all[i]);
    free(x.starts);
}

int main(int argc, char **argv)
{
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) quick = true;
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) g_only = argv[++i];
        else {
            fprintf(stderr, "bench_layers: unknown argument '%s'\nusage: bench_layers [--quick] [--only TEXT]\n", argv[i]);
            return 2;
        }
    }
    openblas_set_num_threads(1);
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    printf("bench_layers: %s (OpenBLAS kernel %s), 1 thread; best of %d interleaved rounds, CPU time\n",
           nn_gemm_library(), nn_blas_kernel(), ROUNDS);
    printf("GFLOP/s: 2 M N K over the layer's GEMM calls per second of the layer; GEMMs: the same calls alone; "
           "frac: GEMMs' time / layer's time\n");

    header("conv (NHWC, chunked im2col)");
    const struct { const char *name; nn_conv2d_spec s; bool first; } convs[] = {
        {"minatar 10x10x4 -> 8x8x16, 3x3/1", {.C = 4, .H = 10, .W = 10, .K = 16, .kh = 3, .kw = 3, .sh = 1, .sw = 1},
         true},
        {"nature1 84x84x4 -> 20x20x32, 8x8/4", {.C = 4, .H = 84, .W = 84, .K = 32, .kh = 8, .kw = 8, .sh = 4, .sw = 4},
         true},
        {"nature2 20x20x32 -> 9x9x64, 4x4/2", {.C = 32, .H = 20, .W = 20, .K = 64, .kh = 4, .kw = 4, .sh = 2, .sw = 2},
         false},
        {"nature3 9x9x64 -> 7x7x64, 3x3/1", {.C = 64, .H = 9, .W = 9, .K = 64, .kh = 3, .kw = 3, .sh = 1, .sw = 1},
         false},
    };
    const int conv_batches[2] = {32, 128};
    for (int i = 0; i < (int)(sizeof convs / sizeof convs[0]); i++)
        for (int b = 0; b < (quick ? 1 : 2); b++) bench_conv(convs[i].name, convs[i].s, convs[i].first, conv_batches[b], &rng);

    header("recurrent (T, B, H)");
    const int hs[2] = {64, 256}, bs[2] = {8, 64};
    for (int kind = 0; kind < NN_RNN_COUNT; kind++)
        for (int h = 0; h < (quick ? 1 : 2); h++)
            for (int b = 0; b < 2; b++) bench_rnn((nn_rnn_kind)kind, hs[h], 128, bs[b], NULL, &rng);

    header("ready configs' LSTM, I = H = 64");
    const struct { const char *name; int T, B; } cfgs[] = {
        {"cartpole_masked update", 16, 8}, {"cartpole_masked act", 1, 8},
        {"pendulum_masked update", 128, 8}, {"pendulum_masked act", 1, 4},
    };
    for (int i = 0; i < (int)(sizeof cfgs / sizeof cfgs[0]); i++)
        bench_rnn(NN_RNN_LSTM, 64, cfgs[i].T, cfgs[i].B, cfgs[i].name, &rng);
    return 0;
}
