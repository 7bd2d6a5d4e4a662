/* rlc nn: nn_sgemm, the one GEMM of the dense layers, and where each shape goes.
 *
 * The paths:
 *   - matrix-vector shapes (M or N of 1: a value head's forward pass and weight gradient, acting on
 *     one environment copy) go to OpenBLAS's cblas_sgemv, and outer products (K of 1: a value
 *     head's input gradient) of at least 8 rows and 8 columns to rlc's own loop (nn_sgemm_gemv,
 *     nn_sgemm_outer): OpenBLAS's sgemm packs both operands first, which on such shapes took 1.2-7x
 *     as long under its Zen and Haswell kernels (bench_gemm_libs --sweep, docs/performance.md).
 *     Except where sgemm measured faster: sgemv over rows of 4 to 7 floats (K of 4 to 7; 0.7-0.9x
 *     at 1 x 256 x K), and outer products of fewer than 8 rows or columns. This path replaces rlc's
 *     one-row kernel for acting, which sgemv beat at every K and sgemm at every K below 8.
 *   - LIBXSMM's JIT-compiled kernels take the shapes where they measured faster (xsmm_shape):
 *     the narrow ones (a layer of 17 or 23 inputs, a head of 12 outputs) at SAC's batch of 256,
 *     and, when OpenBLAS runs a kernel without AVX-512 on an AVX-512 CPU (OPENBLAS_CORETYPE=Haswell
 *     on this project's machine), nearly every shape up to 256 x 256 x 256. LIBXSMM 1.17 compiles no
 *     kernel for a transposed first operand, so the forward pass's weight (op(B) = B^T in row-major
 *     terms) is transposed into a per-thread scratch first, which pays back over 64 rows or more.
 *     Only when LIBXSMM's code for this CPU has AVX-512 (the rule was measured there).
 *   - OpenBLAS's cblas_sgemm takes every other shape, and every shape with RLC_GEMM=blas.
 * The rule looks at the shape and the two libraries' instruction sets only, never at a timing, so
 * the same config, seed, thread count and machine still give the same run. docs/performance.md has
 * the measurements behind it.
 *
 * A measured table (nn/gemm_table.h, `rlc calibrate`) in use (nn_gemm_table_use) overrides the rule
 * for the shapes it holds; the others follow the rule.
 *
 * In its own file so that a benchmark sees every call (bench/bench_sac_update.c links with
 * --wrap=nn_sgemm). */
#include "nn/nn.h"
#include "nn/gemm.h"
#include "nn/gemm_table.h"

#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef RLC_HAVE_LIBXSMM
#include <libxsmm.h>
#endif

#undef I

#define GEMM_SIDE 64                /* a short side */
#define GEMM_MIN_MACS (1L << 20)    /* the fewest M N K LIBXSMM takes beside an AVX-512 OpenBLAS kernel */
#define GEMM_MAX_MACS (1L << 24)    /* the most M N K it takes (256 x 256 x 256) */
#define GEMM_MIN_COLS 8             /* fewer output columns: OpenBLAS (and fewer rows, for an outer product) */
#define GEMM_NT_ROWS 64             /* B^T: the fewest rows M to pay back the transposition of B */
#define GEMM_NT_WIDE_ROWS 256       /* ... when K is long too */
#define GEMM_TBUF 65536             /* floats of a thread's transposed weight (256 KiB) */
#define GEMM_VEC_SHORT_K 4          /* sgemv takes M or N of 1 with K below this ... */
#define GEMM_VEC_MIN_K 8            /* ... or from this on (rows of 4 to 7 floats: OpenBLAS's sgemm) */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static atomic_bool g_small;         /* LIBXSMM takes the small shapes */
static atomic_bool g_vec;           /* sgemv takes M or N of 1, rlc's outer-product loop K of 1 */
static atomic_bool g_wide;          /* ... and the wide ones (by default when LIBXSMM's code has AVX-512 and
                                       OpenBLAS's kernel has not) */
static char g_name_small[96], g_name_wide[112], g_name_blas[64];
static _Atomic(const nn_gemm_table *) g_table;   /* the measured table in use, or NULL */
static char g_table_name[64];                     /* " + table ID (N shapes)" */
static atomic_bool g_counting;                    /* count the calls per path (tests) */
static atomic_ulong g_calls[NN_GEMM_PATHS];
static _Atomic(nn_gemm_recorder) g_recorder;     /* sees every nn_sgemm call (rlc calibrate), or NULL */
static void *g_recorder_ctx;

const char *nn_blas_kernel(void)
{
    const char *name = openblas_get_corename();
    return name && name[0] ? name : "unknown";
}

static void gemm_init(void)
{
    const char *env = getenv("RLC_GEMM");
    bool blas_only = env && strcmp(env, "blas") == 0;
    snprintf(g_name_blas, sizeof g_name_blas, "OpenBLAS %s", nn_blas_kernel());
    atomic_store(&g_vec, !blas_only);
#ifdef RLC_HAVE_LIBXSMM
    libxsmm_init();
    const char *kernel = nn_blas_kernel();
    bool blas_avx512 = strstr(kernel, "SkylakeX") || strstr(kernel, "Cooperlake") || strstr(kernel, "SapphireRapids");
    atomic_store(&g_wide, !blas_avx512 && libxsmm_get_target_archid() >= LIBXSMM_X86_AVX512_CORE);
    snprintf(g_name_small, sizeof g_name_small, "OpenBLAS %s + LIBXSMM %s (small shapes)", kernel,
             libxsmm_get_target_arch());
    snprintf(g_name_wide, sizeof g_name_wide, "OpenBLAS %s + LIBXSMM %s (small and wide shapes)", kernel,
             libxsmm_get_target_arch());
    /* measured with AVX-512 code only: below that, OpenBLAS takes every shape */
    atomic_store(&g_small, !blas_only && libxsmm_get_target_archid() >= LIBXSMM_X86_AVX512_CORE);
#else
    (void)blas_only;
    atomic_store(&g_small, false);
#endif
}

bool nn_gemm_small_available(void)
{
#ifdef RLC_HAVE_LIBXSMM
    return true;
#else
    return false;
#endif
}

rl_status nn_gemm_check_env(char *err, size_t err_len)
{
    const char *env = getenv("RLC_GEMM");
    if (!env || strcmp(env, "blas") == 0 || strcmp(env, "auto") == 0 || strcmp(env, "rule") == 0) return RL_OK;
    return rl_errf(err, err_len, RL_ERR_ARG, "environment variable RLC_GEMM='%.40s': expected 'auto' (this "
                   "machine's `rlc calibrate` table where there is one, else the fixed rule), 'rule' (the fixed "
                   "rule, ignoring the table) or 'blas' (OpenBLAS for every shape)", env);
}

bool nn_gemm_table_wanted(void)
{
    const char *env = getenv("RLC_GEMM");
    return !env || !env[0] || strcmp(env, "auto") == 0;
}

const char *nn_gemm_xsmm_arch(void)
{
#ifdef RLC_HAVE_LIBXSMM
    pthread_once(&g_once, gemm_init);
    return libxsmm_get_target_arch();
#else
    return "none";
#endif
}

void nn_gemm_table_use(const nn_gemm_table *t)
{
    pthread_once(&g_once, gemm_init);
    g_table_name[0] = '\0';
    if (t) {
        char id[24];
        nn_gemm_table_id(t, id, sizeof id);
        snprintf(g_table_name, sizeof g_table_name, " + table %s (%d shapes)", id, t->n);
    }
    atomic_store(&g_table, t);
}

const nn_gemm_table *nn_gemm_table_in_use(void)
{
    return atomic_load(&g_table);
}

void nn_gemm_set_recorder(nn_gemm_recorder fn, void *ctx)
{
    g_recorder_ctx = ctx;
    atomic_store(&g_recorder, fn);
}

void nn_gemm_count_calls(bool on)
{
    atomic_store(&g_counting, on);
}

unsigned long nn_gemm_path_calls(nn_gemm_path p)
{
    return p >= 0 && p < NN_GEMM_PATHS ? atomic_load(&g_calls[p]) : 0;
}

void nn_gemm_set_small(bool on)
{
    pthread_once(&g_once, gemm_init);
    atomic_store(&g_small, on && nn_gemm_small_available());
}

void nn_gemm_set_wide(bool on)
{
    pthread_once(&g_once, gemm_init);
    atomic_store(&g_wide, on && nn_gemm_small_available());
}

void nn_gemm_set_vec(bool on)
{
    pthread_once(&g_once, gemm_init);
    atomic_store(&g_vec, on);
}

bool nn_gemm_vec_enabled(void)
{
    pthread_once(&g_once, gemm_init);
    return atomic_load_explicit(&g_vec, memory_order_relaxed);
}

bool nn_gemm_wide_enabled(void)
{
    pthread_once(&g_once, gemm_init);
    return atomic_load_explicit(&g_wide, memory_order_relaxed);
}

bool nn_gemm_small_enabled(void)
{
    pthread_once(&g_once, gemm_init);
    return atomic_load_explicit(&g_small, memory_order_relaxed);
}

const char *nn_gemm_library(void)
{
    static char names[2][3][192], with_table[256];
    int vec = nn_gemm_vec_enabled(), lib = !nn_gemm_small_enabled() ? 0 : nn_gemm_wide_enabled() ? 2 : 1;
    const char *base = lib == 0 ? g_name_blas : lib == 1 ? g_name_small : g_name_wide;
    char *s = names[vec][lib];
    if (!s[0]) snprintf(s, sizeof names[0][0], "%s%s", base, vec ? " + sgemv/outer for matrix-vector shapes" : "");
    if (!atomic_load(&g_table)) return s;
    snprintf(with_table, sizeof with_table, "%s%s", s, g_table_name);   /* set before any thread runs */
    return with_table;
}

#ifdef RLC_HAVE_LIBXSMM
/* The rule, from each shape timed on both paths (bench_sac_update --calls, docs/performance.md):
 * never fewer than GEMM_MIN_COLS output columns nor more than GEMM_MAX_MACS multiply-adds. With
 * op(B) = B^T (the forward pass), at least GEMM_NT_ROWS rows, and a short K or N (a short K and
 * at least GEMM_NT_WIDE_ROWS rows with g_wide). Otherwise: every shape with g_wide; beside an
 * AVX-512 OpenBLAS kernel (whose own small-matrix code is fast) a short side and at least
 * GEMM_MIN_MACS multiply-adds. */
static bool xsmm_shape(bool tb, int M, int N, int K)
{
    long macs = (long)M * N * K;
    int mn = M < N ? M : N, side = mn < K ? mn : K;
    bool wide = atomic_load_explicit(&g_wide, memory_order_relaxed);
    if (side < 1 || N < GEMM_MIN_COLS || macs > GEMM_MAX_MACS) return false;
    if (tb) {
        if (M < GEMM_NT_ROWS || (long)N * K > GEMM_TBUF) return false;
        return K <= GEMM_SIDE || (wide ? M >= GEMM_NT_WIDE_ROWS : N <= GEMM_SIDE);
    }
    return wide || (side <= GEMM_SIDE && macs >= GEMM_MIN_MACS);
}

/* Bt (K, N), leading dimension N, from B (N, K) with leading dimension ldb, in 16 x 16 tiles so
 * that both sides stay in cache lines */
static const float *transpose_into(float *t, const float *B, int ldb, int K, int N)
{
    enum { TILE = 16 };
    for (int n0 = 0; n0 < N; n0 += TILE) {
        int n1 = n0 + TILE < N ? n0 + TILE : N;
        for (int k0 = 0; k0 < K; k0 += TILE) {
            int k1 = k0 + TILE < K ? k0 + TILE : K;
            for (int n = n0; n < n1; n++)
                for (int k = k0; k < k1; k++) t[(size_t)k * N + n] = B[(size_t)n * ldb + k];
        }
    }
    return t;
}

/* Row-major C = op(A) op(B) + beta C is column-major C^T = op(B)^T op(A)^T, so LIBXSMM's (m, n, k)
 * are (N, M, K), its first operand is B and its second A. Returns false, with nothing written,
 * when LIBXSMM compiles no kernel for the shape or the transposed weight is larger than the
 * scratch. The rule (xsmm_shape) is the caller's. */
static bool xsmm_run(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                     float beta, float *C, int ldc)
{
    static _Thread_local float tbuf[GEMM_TBUF];
    if ((beta != 0.0f && beta != 1.0f) || (tb && (long)N * K > GEMM_TBUF)) return false;
    int flags = (ta ? LIBXSMM_GEMM_FLAG_TRANS_B : 0) | (beta == 0.0f ? LIBXSMM_GEMM_FLAG_BETA_0 : 0);
    libxsmm_blasint m = N, n = M, k = K, lfirst = tb ? N : ldb, lsecond = lda, lc = ldc;
    libxsmm_smmfunction kernel = libxsmm_smmdispatch(m, n, k, &lfirst, &lsecond, &lc, NULL, NULL, &flags, NULL);
    if (!kernel) return false;
    kernel(tb ? transpose_into(tbuf, B, ldb, K, N) : B, A, C);
    /* LIBXSMM's AVX-512 code returns with the upper halves of the vector registers dirty; the SSE
     * code compiled for baseline x86-64 (the activations, the losses) then runs several times
     * slower until they are cleared (tanh took a third of a PPO run's time without this) */
#if defined(__x86_64__)
    __asm__ volatile("vzeroupper" ::: "memory");
#endif
    return true;
}

#endif

/* ---- matrix-vector shapes: one of M, N, K is 1 ------------------------------------------------ */

bool nn_sgemm_gemv(nn_sgemv_fn gemv, bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B,
                   int ldb, float beta, float *C, int ldc)
{
    if (N == 1) {   /* C (M, 1) = op(A) x, x = op(B) (K, 1): B's row (tb) or a column of stride ldb */
        if (beta == 0.0f)
            for (int m = 0; m < M; m++) C[(size_t)m * ldc] = 0.0f;
        if (ta) gemv(CblasRowMajor, CblasTrans, K, M, 1.0f, A, lda, B, tb ? 1 : ldb, beta, C, ldc);
        else gemv(CblasRowMajor, CblasNoTrans, M, K, 1.0f, A, lda, B, tb ? 1 : ldb, beta, C, ldc);
        return true;
    }
    if (M == 1) {   /* C^T (N, 1) = op(B)^T x, x = op(A)^T (K, 1): A's row, or a column of stride lda (ta) */
        if (beta == 0.0f) memset(C, 0, (size_t)N * sizeof(float));
        if (tb) gemv(CblasRowMajor, CblasNoTrans, N, K, 1.0f, B, ldb, A, ta ? lda : 1, beta, C, 1);
        else gemv(CblasRowMajor, CblasTrans, K, N, 1.0f, B, ldb, A, ta ? lda : 1, beta, C, 1);
        return true;
    }
    return false;
}

/* C (M, n) = a b^T + beta C, a of stride inca: compiled for AVX-512, AVX2 and baseline x86-64, the
 * one for this CPU chosen at load time. Every element is one product (with beta, one more product
 * and a sum; no fused multiply-add, as C11 forbids contracting them), so each version gives the
 * same bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void outer_block(float *restrict C, int ldc, const float *a, size_t inca, const float *restrict b, int M, int n,
                        float beta)
{
    for (int m = 0; m < M; m++) {
        float am = a[m * inca], *restrict c = C + (size_t)m * ldc;
        if (beta == 0.0f)
            for (int j = 0; j < n; j++) c[j] = am * b[j];
        else
            for (int j = 0; j < n; j++) c[j] = beta * c[j] + am * b[j];
    }
}

bool nn_sgemm_outer(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                    float beta, float *C, int ldc)
{
    enum { CHUNK = 256 };
    if (K != 1) return false;
    size_t inca = ta ? 1 : (size_t)lda;   /* op(A) (M, 1): A's row (ta), or a column of stride lda */
    if (!tb || ldb == 1) {                /* op(B) (1, N) contiguous: C row by row */
        outer_block(C, ldc, A, inca, B, M, N, beta);
        return true;
    }
    float b[CHUNK];                       /* a column of stride ldb: gathered CHUNK at a time */
    for (int n0 = 0; n0 < N; n0 += CHUNK) {
        int nb = N - n0 < CHUNK ? N - n0 : CHUNK;
        for (int n = 0; n < nb; n++) b[n] = B[(size_t)(n0 + n) * ldb];
        outer_block(C + n0, ldc, A, inca, b, M, nb, beta);
    }
    return true;
}

bool nn_sgemm_xsmm(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                   float beta, float *C, int ldc)
{
#ifdef RLC_HAVE_LIBXSMM
    pthread_once(&g_once, gemm_init);
    return M > 0 && N > 0 && K > 0 && xsmm_run(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
#else
    (void)ta, (void)tb, (void)M, (void)N, (void)K, (void)A, (void)lda, (void)B, (void)ldb, (void)beta, (void)C,
        (void)ldc;
    return false;
#endif
}

/* the path the fixed rule gives a shape (the header comment; docs/performance.md's "The rule") */
static nn_gemm_path rule_path(bool tb, int M, int N, int K)
{
    if (M > 0 && N > 0 && K > 0 && (M == 1 || N == 1 || K == 1) && nn_gemm_vec_enabled()) {
        bool gemv_k = K < GEMM_VEC_SHORT_K || K >= GEMM_VEC_MIN_K, outer_mn = M >= GEMM_MIN_COLS && N >= GEMM_MIN_COLS;
        if (gemv_k && (M == 1 || N == 1)) return NN_GEMM_GEMV;
        if (outer_mn && K == 1) return NN_GEMM_OUTER;
    }
#ifdef RLC_HAVE_LIBXSMM
    if (nn_gemm_small_enabled() && xsmm_shape(tb, M, N, K)) return NN_GEMM_XSMM;
#else
    (void)tb;
#endif
    return NN_GEMM_BLAS;
}

nn_gemm_path nn_gemm_rule_path(const nn_gemm_shape *s)
{
    return rule_path(s->tb, s->M, s->N, s->K);
}

/* the table's path for the shape when a table is in use and holds it, else the rule's */
static nn_gemm_path choose_path(bool ta, bool tb, int M, int N, int K, int lda, int ldb, float beta, int ldc)
{
    const nn_gemm_table *t = atomic_load_explicit(&g_table, memory_order_acquire);
    if (t && (beta == 0.0f || beta == 1.0f)) {
        nn_gemm_shape s = {.ta = ta, .tb = tb, .beta1 = beta == 1.0f, .M = M, .N = N, .K = K,
                           .lda = lda, .ldb = ldb, .ldc = ldc};
        int p = nn_gemm_table_find(t, &s);
        if (p >= 0) return (nn_gemm_path)p;
    }
    return rule_path(tb, M, N, K);
}

bool nn_sgemm_path(nn_gemm_path p, bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B,
                   int ldb, float beta, float *C, int ldc)
{
    bool done = false;
    switch (p) {
    case NN_GEMM_GEMV: done = nn_sgemm_gemv(cblas_sgemv, ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc); break;
    case NN_GEMM_OUTER: done = nn_sgemm_outer(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc); break;
    case NN_GEMM_XSMM: done = nn_sgemm_xsmm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc); break;
    case NN_GEMM_BLAS:
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, A,
                    lda, B, ldb, beta, C, ldc);
        done = true;
        break;
    default: break;
    }
    if (done && atomic_load_explicit(&g_counting, memory_order_relaxed))
        atomic_fetch_add_explicit(&g_calls[p], 1, memory_order_relaxed);
    return done;
}

void nn_sgemm(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
              float *C, int ldc)
{
    // C (M, N) = op(A) (M, K) @ op(B) (K, N) + beta C, row-major
    pthread_once(&g_once, gemm_init);
    nn_gemm_recorder rec = atomic_load_explicit(&g_recorder, memory_order_acquire);
    if (rec) {
        nn_gemm_shape s = {.ta = ta, .tb = tb, .beta1 = beta == 1.0f, .M = M, .N = N, .K = K,
                           .lda = lda, .ldb = ldb, .ldc = ldc};
        rec(&s, beta == 0.0f || beta == 1.0f, g_recorder_ctx);
    }
    nn_gemm_path p = choose_path(ta, tb, M, N, K, lda, ldb, beta, ldc);
    if (p == NN_GEMM_BLAS || !nn_sgemm_path(p, ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc))
        nn_sgemm_path(NN_GEMM_BLAS, ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}
