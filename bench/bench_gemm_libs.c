/* rlc bench: GEMM libraries on rlc's shapes — OpenBLAS's sgemm against the dispatch rlc runs
 * (nn_sgemm), OpenBLAS's sgemv (matrix-vector shapes) and rlc's outer-product loop (K = 1),
 * LIBXSMM, and BLIS's sgemm and sgemv when its shared library is installed.
 *
 * Usage: bench_gemm_libs [--rounds R] [--ms T] [--vec] [--sweep [--sides LIST]] [--blis PATH]
 *   The shapes are the dense layers' three GEMMs (forward A W^T, weight gradient dY^T X, input
 *   gradient dY W) of SAC on HalfCheetah (batch 256, 256-256, actor head 12, critic head 1), PPO on
 *   HalfCheetah (minibatch 64, 64-64, heads 6 and 1, acting on one row) and PPO on CartPole
 *   (minibatch 128, 64-64, heads 2 and 1, acting on 4 rows); --vec keeps the matrix-vector ones
 *   (M, N or K of 1). BLIS is opened at run time (dlopen, default libblis.so.4, e.g. Debian's
 *   libblis4; --blis names another build such as .../blis-serial/libblis.so.4), so rlc does not
 *   link it; on one thread (BLIS_NUM_THREADS=1). --sweep: OpenBLAS sgemm, the dispatch and the
 *   matrix-vector path only, on every matrix-vector shape with the other two sides from LIST
 *   (comma-separated, default 2,5,17,64,256,1000) under every transposition, and the slowest
 *   ratio of each (is either ever slower?).
 *
 * Every shape is timed R rounds (default 15); in each round every library runs its batch of calls
 * once, in the same order (A B C A B C ...), each batch about T ms (default 0.5). Printed per shape
 * and library: the best round's microseconds per call (the least disturbed by other processes) and
 * its GFLOP/s (2 M N K per call), OpenBLAS sgemm's best time over the library's in bold (above 1:
 * faster than OpenBLAS sgemm) and, in brackets, the median over the rounds of the round's OpenBLAS
 * sgemm time over the library's (the two agree on a quiet machine; --sweep ranks by the median).
 * Each library's result is checked once against OpenBLAS sgemm's (a warning when they differ by
 * more than rounding). One BLAS thread. Figures only: nothing is asserted. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "machine.h"
#include "nn/gemm.h"
#include "nn/nn.h"

#undef I

typedef struct {
    const char *what;
    bool ta, tb;
    int M, N, K;
    float beta;
} shape;

enum { LIB_BLAS, LIB_RLC, LIB_GEMV, LIB_XSMM, LIB_BLIS, LIB_BLIS_GEMV, N_LIBS };
static const char *lib_names[N_LIBS] = {"OpenBLAS sgemm", "rlc dispatch", "sgemv/outer", "LIBXSMM", "BLIS sgemm",
                                        "BLIS sgemv"};

typedef void (*sgemm_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint, blasint, blasint,
                         float, const float *, blasint, const float *, blasint, float, float *, blasint);
static sgemm_fn g_blis_gemm;
static bool g_sweep;   /* OpenBLAS sgemm, the dispatch and the matrix-vector path only */
static double g_worst[N_LIBS];
static const shape *g_worst_shape[N_LIBS];
static nn_sgemv_fn g_blis_gemv;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the shapes ------------------------------------------------------------------------------ */

#define MAX_SHAPES 2048
static shape g_shapes[MAX_SHAPES];
static int g_n_shapes;

static void add_shape(const char *what, bool ta, bool tb, int M, int N, int K, float beta, bool vec_only)
{
    if (vec_only && M != 1 && N != 1 && K != 1) return;
    for (int i = 0; i < g_n_shapes; i++) {
        const shape *s = &g_shapes[i];
        if (s->ta == ta && s->tb == tb && s->M == M && s->N == N && s->K == K && s->beta == beta) return;
    }
    if (g_n_shapes < MAX_SHAPES) g_shapes[g_n_shapes++] = (shape){what, ta, tb, M, N, K, beta};
}

/* a dense layer of I inputs and O outputs over B rows: forward (NT, beta 1 over the bias), weight
 * gradient (TN, beta 1: accumulated), input gradient (NN, beta 0) */
static void add_layer(const char *what, int B, int I, int O, bool backward, bool vec_only)
{
    add_shape(what, false, true, B, O, I, 1.0f, vec_only);
    if (!backward) return;
    add_shape(what, true, false, O, I, B, 1.0f, vec_only);
    add_shape(what, false, false, B, I, O, 0.0f, vec_only);
}

static void shapes_init(bool vec_only)
{
    static const struct { const char *what; int B, I, O; bool backward; } layers[] = {
        {"SAC HalfCheetah", 256, 17, 256, true},  {"SAC HalfCheetah", 256, 23, 256, true},
        {"SAC HalfCheetah", 256, 256, 256, true}, {"SAC HalfCheetah", 256, 256, 12, true},
        {"SAC HalfCheetah", 256, 256, 1, true},   {"SAC HalfCheetah act", 1, 17, 256, false},
        {"PPO HalfCheetah", 64, 17, 64, true},    {"PPO HalfCheetah", 64, 64, 64, true},
        {"PPO HalfCheetah", 64, 64, 6, true},     {"PPO HalfCheetah", 64, 64, 1, true},
        {"PPO HalfCheetah act", 1, 17, 64, false}, {"PPO HalfCheetah act", 1, 64, 64, false},
        {"PPO HalfCheetah act", 1, 64, 1, false}, {"PPO CartPole", 128, 4, 64, true},
        {"PPO CartPole", 128, 64, 64, true},      {"PPO CartPole", 128, 64, 2, true},
        {"PPO CartPole", 128, 64, 1, true},       {"PPO CartPole act", 4, 64, 64, false},
        {"PPO CartPole act", 4, 64, 1, false},
    };
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
        add_layer(layers[i].what, layers[i].B, layers[i].I, layers[i].O, layers[i].backward, vec_only);
}

/* every shape with one side of 1 and the other two from a list, under the four transpositions */
static void shapes_sweep(const int *sides, int NS)
{
    for (int t = 0; t < 4; t++)
        for (int one = 0; one < 3; one++)
            for (int i = 0; i < NS; i++)
                for (int j = 0; j < NS; j++) {
                    int d[3], x = sides[i], y = sides[j];
                    d[one] = 1, d[(one + 1) % 3] = x, d[(one + 2) % 3] = y;
                    add_shape("sweep", t & 1, t >> 1, d[0], d[1], d[2], (i + j) % 2 ? 1.0f : 0.0f, false);
                }
}

/* ---- the libraries --------------------------------------------------------------------------- */

static void blis_open(const char *path)
{
    setenv("BLIS_NUM_THREADS", "1", 1);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("BLIS: not measured (%s)\n", dlerror());
        return;
    }
    g_blis_gemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
    g_blis_gemv = (nn_sgemv_fn)dlsym(h, "cblas_sgemv");
    const char *(*version)(void) = (const char *(*)(void))dlsym(h, "bli_info_get_version_str");
    int (*arch_id)(void) = (int (*)(void))dlsym(h, "bli_arch_query_id");
    const char *(*arch_name)(int) = (const char *(*)(int))dlsym(h, "bli_arch_string");
    void (*threads)(long) = (void (*)(long))dlsym(h, "bli_thread_set_num_threads");
    if (threads) threads(1);
    printf("BLIS: %s, version %s, sub-configuration %s\n", path, version ? version() : "?",
           arch_id && arch_name ? arch_name(arch_id()) : "?");
}

/* one call of library lib; false when it does not take the shape */
static bool run_lib(int lib, const shape *s, const float *A, int lda, const float *B, int ldb, float *C, int ldc)
{
    enum CBLAS_TRANSPOSE ta = s->ta ? CblasTrans : CblasNoTrans, tb = s->tb ? CblasTrans : CblasNoTrans;
    switch (lib) {
    case LIB_BLAS:
        cblas_sgemm(CblasRowMajor, ta, tb, s->M, s->N, s->K, 1.0f, A, lda, B, ldb, s->beta, C, ldc);
        return true;
    case LIB_RLC:
        nn_sgemm(s->ta, s->tb, s->M, s->N, s->K, A, lda, B, ldb, s->beta, C, ldc);
        return true;
    case LIB_GEMV:
        return nn_sgemm_gemv(cblas_sgemv, s->ta, s->tb, s->M, s->N, s->K, A, lda, B, ldb, s->beta, C, ldc) ||
               nn_sgemm_outer(s->ta, s->tb, s->M, s->N, s->K, A, lda, B, ldb, s->beta, C, ldc);
    case LIB_XSMM:
        return nn_sgemm_xsmm(s->ta, s->tb, s->M, s->N, s->K, A, lda, B, ldb, s->beta, C, ldc);
    case LIB_BLIS:
        if (!g_blis_gemm) return false;
        g_blis_gemm(CblasRowMajor, ta, tb, s->M, s->N, s->K, 1.0f, A, lda, B, ldb, s->beta, C, ldc);
        return true;
    default:
        return g_blis_gemv &&
               nn_sgemm_gemv(g_blis_gemv, s->ta, s->tb, s->M, s->N, s->K, A, lda, B, ldb, s->beta, C, ldc);
    }
}

/* ---- timing ---------------------------------------------------------------------------------- */

typedef struct {
    float *A, *B, *C, *C0, *ref;
    int lda, ldb, ldc;
    size_t nc;
} operands;

static float *random_floats(size_t n, rl_rng *rng)
{
    float *x = malloc(n * sizeof(float));
    if (!x) {
        fprintf(stderr, "bench_gemm_libs: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) x[i] = (float)rl_rng_uniform(rng, -1.0, 1.0);
    return x;
}

static void operands_init(operands *o, const shape *s, rl_rng *rng)
{
    o->lda = s->ta ? s->M : s->K;
    o->ldb = s->tb ? s->K : s->N;
    o->ldc = s->N;
    o->nc = (size_t)s->M * s->N;
    o->A = random_floats((size_t)s->M * s->K, rng);
    o->B = random_floats((size_t)s->K * s->N, rng);
    o->C0 = random_floats(o->nc, rng);
    o->C = malloc(o->nc * sizeof(float));
    o->ref = malloc(o->nc * sizeof(float));
    memcpy(o->ref, o->C0, o->nc * sizeof(float));
    run_lib(LIB_BLAS, s, o->A, o->lda, o->B, o->ldb, o->ref, o->ldc);
}

static void operands_free(operands *o)
{
    free(o->A), free(o->B), free(o->C), free(o->C0), free(o->ref);
}

/* whether lib takes the shape, and whether its result is OpenBLAS sgemm's up to rounding */
static bool lib_check(int lib, const shape *s, operands *o)
{
    memcpy(o->C, o->C0, o->nc * sizeof(float));
    if (!run_lib(lib, s, o->A, o->lda, o->B, o->ldb, o->C, o->ldc)) return false;
    double worst = 0.0, tol = 1e-5 * (s->K + 2);
    for (size_t i = 0; i < o->nc; i++) worst = fmax(worst, fabs((double)o->C[i] - (double)o->ref[i]));
    if (!(worst <= tol))
        printf("warning: %s on %dx%dx%d differs from OpenBLAS sgemm by %g\n", lib_names[lib], s->M, s->N, s->K, worst);
    return true;
}

static double time_batch(int lib, const shape *s, operands *o, int reps)
{
    double t0 = now();
    for (int r = 0; r < reps; r++) run_lib(lib, s, o->A, o->lda, o->B, o->ldb, o->C, o->ldc);
    return (now() - t0) / reps;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *x, int n)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

static double best(const double *x, int n)
{
    double b = x[0];
    for (int i = 1; i < n; i++) b = x[i] < b ? x[i] : b;
    return b;
}

/* R rounds of every library on one shape; one table row */
static void bench_shape(const shape *s, int rounds, double ms, rl_rng *rng)
{
    enum { MAX_ROUNDS = 101 };
    operands o;
    operands_init(&o, s, rng);
    bool on[N_LIBS];
    for (int l = 0; l < N_LIBS; l++) on[l] = (!g_sweep || l <= LIB_GEMV) && lib_check(l, s, &o);
    double one = time_batch(LIB_BLAS, s, &o, 3);
    int reps = (int)(ms * 1e-3 / (one > 1e-9 ? one : 1e-9)) + 1;
    double t[N_LIBS][MAX_ROUNDS], ratio[N_LIBS][MAX_ROUNDS];
    for (int r = 0; r < rounds; r++)
        for (int l = 0; l < N_LIBS; l++)
            if (on[l]) t[l][r] = time_batch(l, s, &o, reps);
    for (int r = 0; r < rounds; r++)
        for (int l = 0; l < N_LIBS; l++) ratio[l][r] = on[l] ? t[LIB_BLAS][r] / t[l][r] : 0.0;
    double flop = 2.0 * s->M * s->N * s->K;
    for (int l = 0; l < N_LIBS; l++) {
        double x = on[l] ? median(ratio[l], rounds) : 0.0;   /* (sorts ratio[l]; the rows below take medians only) */
        if (on[l] && (!g_worst_shape[l] || x < g_worst[l])) g_worst[l] = x, g_worst_shape[l] = s;
    }
    printf("| %s | %s%s | %d x %d x %d |", s->what, s->ta ? "T" : "N", s->tb ? "T" : "N", s->M, s->N, s->K);
    for (int l = 0; l < N_LIBS; l++) {
        if (!on[l]) {
            printf(" - |");
            continue;
        }
        double x = median(ratio[l], rounds), us = best(t[l], rounds) * 1e6;
        double best_x = best(t[LIB_BLAS], rounds) * 1e6 / us;
        printf(" %.2f us %.1f GF", us, flop / us * 1e-3);
        if (l != LIB_BLAS) printf(" **%.2fx** (%.2fx)", best_x, x);
        printf(" |");
    }
    printf("\n");
    fflush(stdout);
    operands_free(&o);
}

int main(int argc, char **argv)
{
    int rounds = 15;
    double ms = 0.5;
    bool vec_only = false;
    const char *blis = "libblis.so.4";
    int sides[16] = {2, 5, 17, 64, 256, 1000}, n_sides = 6;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--vec") == 0) vec_only = true;
        else if (strcmp(argv[i], "--sweep") == 0) g_sweep = true;
        else if (strcmp(argv[i], "--sides") == 0 && v) {
            n_sides = 0;
            for (const char *p = argv[++i]; *p && n_sides < 16; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
                sides[n_sides] = atoi(p);
                if (sides[n_sides] < 1 || sides[n_sides] > 4096) {
                    fprintf(stderr, "bench_gemm_libs: --sides: each side in [1, 4096], got '%s'\n", argv[i]);
                    return 2;
                }
                n_sides++;
            }
        }
        else if (strcmp(argv[i], "--rounds") == 0 && v && atoi(v) >= 1 && atoi(v) <= 101) rounds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--ms") == 0 && v && atof(v) > 0.0) ms = atof(argv[++i]);
        else if (strcmp(argv[i], "--blis") == 0 && v) blis = argv[++i];
        else {
            fprintf(stderr, "usage: bench_gemm_libs [--rounds R (1-101)] [--ms T] [--vec] [--sweep [--sides LIST]] "
                            "[--blis PATH]\n");
            return 2;
        }
    }
    openblas_set_num_threads(1);
    bench_print_machine();
    printf("rlc dispatch: %s\n", nn_gemm_library());
    blis_open(blis);
    if (g_sweep) shapes_sweep(sides, n_sides);
    else shapes_init(vec_only);
    printf("%d rounds, each library about %g ms per shape per round; best round; **x**: OpenBLAS sgemm's best time "
           "over the library's (in brackets: the median of the rounds' ratios)\n\n| workload | op | M x N x K |",
           rounds, ms);
    for (int l = 0; l < N_LIBS; l++) printf(" %s |", lib_names[l]);
    printf("\n|---|---|---|");
    for (int l = 0; l < N_LIBS; l++) printf("---|");
    printf("\n");
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    for (int i = 0; i < g_n_shapes; i++) bench_shape(&g_shapes[i], rounds, ms, &rng);
    for (int l = LIB_RLC; g_sweep && l <= LIB_GEMV; l++)
        if (g_worst_shape[l])
            printf("\nslowest %s against OpenBLAS sgemm: %.2fx on %s%s %d x %d x %d", lib_names[l], g_worst[l],
                   g_worst_shape[l]->ta ? "T" : "N", g_worst_shape[l]->tb ? "T" : "N", g_worst_shape[l]->M,
                   g_worst_shape[l]->N, g_worst_shape[l]->K);
    printf("\n");
    return 0;
}
