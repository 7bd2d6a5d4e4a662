/* rlc tests: the nn module — activations, dense layer (BLAS vs reference kernels, finite
 * differences), MLP (finite differences with tanh and relu, golden values from PyTorch),
 * orthogonal init, Adam (golden values from torch.optim.Adam), gradient clipping, lr schedule,
 * Polyak averaging and the categorical distribution.
 *
 * Golden values: tests/fixtures/nn_*.json, written by scripts/gen_fixtures_nn.py. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/gemm.h"
#include "nn/nn.h"
#include "tests/helpers/testutil.h"

#define MAXF 4096

static void fill_normal(float *x, int n, float scale, rl_rng *rng)
{
    for (int i = 0; i < n; i++) x[i] = scale * (float)rl_rng_normal(rng);
}

static double dot(const float *a, const float *b, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += (double)a[i] * (double)b[i];
    return s;
}

/* ---- activations ----------------------------------------------------------------------- */

Test(nn_act, names_round_trip)
{
    for (int a = 0; a < NN_ACT_COUNT; a++) {
        nn_act got = NN_ACT_COUNT;
        cr_assert_eq(nn_act_from_name(nn_act_name((nn_act)a), &got), 0);
        cr_assert_eq(got, (nn_act)a);
    }
    nn_act got = NN_ACT_NONE;
    cr_assert_eq(nn_act_from_name("sigmoid", &got), -1);
    cr_assert_str_eq(nn_act_name(NN_ACT_TANH), "tanh");
}

Test(nn_act, forward_backward_values)
{
    float x[4] = {-2.0f, -0.5f, 0.25f, 3.0f}, y[4], d[4], g[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    nn_act_forward(y, x, NN_ACT_RELU, 4);
    float relu[4] = {0.0f, 0.0f, 0.25f, 3.0f};
    rlt_assert_close(y, relu, 4, 0.0, 0.0, "relu");
    nn_act_backward(d, g, y, NN_ACT_RELU, 4);
    float drelu[4] = {0.0f, 0.0f, 3.0f, 4.0f};
    rlt_assert_close(d, drelu, 4, 0.0, 0.0, "drelu");

    nn_act_forward(y, x, NN_ACT_TANH, 4);
    for (int i = 0; i < 4; i++) cr_assert_float_eq(y[i], tanhf(x[i]), 1e-6f);  // nn_tanh: rel. error < 3e-7
    // in place: dinp aliases dout
    memcpy(d, g, sizeof g);
    nn_act_backward(d, d, y, NN_ACT_TANH, 4);
    for (int i = 0; i < 4; i++)
        cr_assert_float_eq(d[i], g[i] * (1.0f - tanhf(x[i]) * tanhf(x[i])), 1e-6f);

    memcpy(y, x, sizeof x);
    nn_act_forward(y, y, NN_ACT_NONE, 4);
    rlt_assert_close(y, x, 4, 0.0, 0.0, "identity");
}

/* ---- dense layer: BLAS vs reference ------------------------------------------------------ */

Test(nn_dense, blas_matches_reference)
{
    static const int shapes[][3] = {{1, 1, 1}, {1, 5, 3}, {7, 13, 5}, {64, 17, 64}, {33, 64, 6}};
    rl_rng rng;
    rl_rng_seed(&rng, 42, 0);
    for (int s = 0; s < RL_ARRAY_LEN(shapes); s++) {
        int B = shapes[s][0], I = shapes[s][1], O = shapes[s][2];
        float *inp = malloc(sizeof(float) * B * I), *w = malloc(sizeof(float) * O * I);
        float *bias = malloc(sizeof(float) * O), *dout = malloc(sizeof(float) * B * O);
        float *o1 = malloc(sizeof(float) * B * O), *o2 = malloc(sizeof(float) * B * O);
        float *dw1 = malloc(sizeof(float) * O * I), *dw2 = malloc(sizeof(float) * O * I);
        float *db1 = malloc(sizeof(float) * O), *db2 = malloc(sizeof(float) * O);
        float *di1 = malloc(sizeof(float) * B * I), *di2 = malloc(sizeof(float) * B * I);
        fill_normal(inp, B * I, 1.0f, &rng);
        fill_normal(w, O * I, 0.5f, &rng);
        fill_normal(bias, O, 0.5f, &rng);
        fill_normal(dout, B * O, 1.0f, &rng);

        nn_dense_forward(o1, inp, w, bias, B, I, O);
        nn_dense_forward_ref(o2, inp, w, bias, B, I, O);
        rlt_assert_close(o1, o2, B * O, 1e-5, 1e-5, "forward with bias");
        nn_dense_forward(o1, inp, w, NULL, B, I, O);
        nn_dense_forward_ref(o2, inp, w, NULL, B, I, O);
        rlt_assert_close(o1, o2, B * O, 1e-5, 1e-5, "forward without bias");

        // identical non-zero starting gradients: both kernels must add, not overwrite
        fill_normal(dw1, O * I, 1.0f, &rng);
        memcpy(dw2, dw1, sizeof(float) * O * I);
        fill_normal(db1, O, 1.0f, &rng);
        memcpy(db2, db1, sizeof(float) * O);
        nn_dense_backward(di1, dw1, db1, dout, inp, w, B, I, O);
        nn_dense_backward_ref(di2, dw2, db2, dout, inp, w, B, I, O);
        rlt_assert_close(di1, di2, B * I, 1e-5, 1e-5, "dinp");
        rlt_assert_close(dw1, dw2, O * I, 1e-5, 1e-5, "dweight");
        rlt_assert_close(db1, db2, O, 1e-5, 1e-5, "dbias");

        free(inp); free(w); free(bias); free(dout); free(o1); free(o2);
        free(dw1); free(dw2); free(db1); free(db2); free(di1); free(di2);
    }
}

/* The fast GEMMs (nn_sgemm) on the
 * shapes of SAC's HalfCheetah update (batch 256; inputs 17, 23, 256; outputs 256, 12, 1) against
 * the double-accumulating reference, with a tolerance relative to the sums' magnitude (sqrt of
 * the summed length, the values being of order 1) */
Test(nn_dense, fast_path_matches_reference_on_sac_shapes)
{
    static const int shapes[][3] = {{256, 17, 256}, {256, 23, 256}, {256, 256, 256}, {256, 256, 12}, {256, 256, 1}};
    static float inp[256 * 256], w[256 * 256], bias[256], dout[256 * 256], o1[256 * 256], o2[256 * 256];
    static float dw1[256 * 256], dw2[256 * 256], db1[256], db2[256], di1[256 * 256], di2[256 * 256];
    rl_rng rng;
    rl_rng_seed(&rng, 43, 0);
    for (int s = 0; s < RL_ARRAY_LEN(shapes); s++) {
        int B = shapes[s][0], I = shapes[s][1], O = shapes[s][2];
        fill_normal(inp, B * I, 1.0f, &rng);
        fill_normal(w, O * I, 0.5f, &rng);
        fill_normal(bias, O, 0.5f, &rng);
        fill_normal(dout, B * O, 1.0f, &rng);
        nn_dense_forward(o1, inp, w, bias, B, I, O);
        nn_dense_forward_ref(o2, inp, w, bias, B, I, O);
        rlt_assert_close(o1, o2, B * O, 1e-5, 2e-6 * sqrt((double)I), "forward");
        fill_normal(dw1, O * I, 1.0f, &rng);
        memcpy(dw2, dw1, sizeof(float) * O * I);
        memset(db1, 0, sizeof db1);
        memset(db2, 0, sizeof db2);
        nn_dense_backward(di1, dw1, db1, dout, inp, w, B, I, O);
        nn_dense_backward_ref(di2, dw2, db2, dout, inp, w, B, I, O);
        rlt_assert_close(di1, di2, B * I, 1e-5, 2e-6 * sqrt((double)O), "dinp");
        rlt_assert_close(dw1, dw2, O * I, 1e-5, 2e-6 * sqrt((double)B), "dweight");
        rlt_assert_close(db1, db2, O, 1e-5, 2e-6 * sqrt((double)B), "dbias");
    }
}

/* ---- nn_sgemm: every path of the dispatch (nn/gemm.c) against a double-accumulating loop ---- */

static void gemm_ref(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                     float beta, float *C, int ldc)
{
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            double acc = beta == 0.0f ? 0.0 : (double)beta * C[(size_t)m * ldc + n];
            for (int k = 0; k < K; k++) {
                double a = ta ? A[(size_t)k * lda + m] : A[(size_t)m * lda + k];
                double b = tb ? B[(size_t)n * ldb + k] : B[(size_t)k * ldb + n];
                acc += a * b;
            }
            C[(size_t)m * ldc + n] = (float)acc;
        }
}

typedef struct {
    bool ta, tb;
    int M, N, K;
    float beta;
    int pad;   /* added to every leading dimension */
} gemm_case;

/* one shape per branch of the rule: the dense layers' three GEMMs (forward NT, dweight TN, dinput
 * NN) at SAC's and PPO's sizes, fewer than 8 columns, a short K under NT, wide shapes, a transposed
 * weight too large for the scratch, padded leading dimensions, beta 0 and 1 */
static const gemm_case gemm_cases[] = {
    {false, true, 256, 256, 17, 1.0f, 0},  {false, true, 256, 12, 256, 1.0f, 0}, {false, true, 256, 1, 256, 1.0f, 0},
    {false, true, 256, 256, 256, 1.0f, 0}, {false, true, 300, 300, 300, 0.0f, 0}, {false, true, 64, 64, 17, 0.0f, 5},
    {true, false, 1, 256, 256, 1.0f, 0},   {true, false, 256, 23, 256, 1.0f, 0},  {true, false, 12, 256, 256, 1.0f, 3},
    {true, false, 256, 256, 256, 1.0f, 0}, {false, false, 256, 256, 1, 0.0f, 0},  {false, false, 256, 23, 256, 0.0f, 0},
    {false, false, 256, 256, 256, 0.0f, 0}, {false, false, 64, 64, 64, 1.0f, 7},  {false, false, 5, 9, 7, 0.0f, 0},
    {false, false, 33, 8, 2, 1.0f, 0},     {false, false, 100, 7, 50, 0.0f, 0},   {true, true, 40, 24, 30, 1.0f, 2},
    /* one row (acting), two rows */
    {false, true, 1, 64, 17, 0.0f, 0},     {false, true, 1, 64, 64, 1.0f, 3},     {false, true, 1, 6, 64, 0.0f, 0},
    {false, true, 1, 7, 5, 1.0f, 2},       {false, true, 2, 64, 64, 1.0f, 3},
    /* the matrix-vector path: M or N of 1 (sgemv) and K of 1 (outer product) under every pair of
     * transpositions, with padded leading dimensions (strided vectors) and beta 0 and 1; K of 1 over
     * more than one chunk of 256 columns */
    {true, false, 1, 64, 128, 0.0f, 3},    {true, true, 1, 33, 20, 1.0f, 2},      {false, false, 1, 40, 9, 1.0f, 5},
    {false, false, 70, 1, 64, 1.0f, 4},    {true, false, 70, 1, 64, 0.0f, 3},     {true, true, 19, 1, 30, 1.0f, 2},
    {false, true, 1, 1, 64, 0.0f, 2},      {true, false, 1, 1, 50, 1.0f, 3},      {true, false, 64, 64, 1, 1.0f, 2},
    {false, true, 300, 257, 1, 0.0f, 3},   {true, true, 9, 600, 1, 1.0f, 1},      {false, false, 1, 300, 1, 0.0f, 1},
    {false, false, 40, 5, 1, 0.0f, 1},     {false, true, 30, 1, 4, 1.0f, 2},      {false, true, 64, 300, 1, 1.0f, 0},
    {false, false, 5, 64, 1, 0.0f, 0},
};

static float *gemm_buf(size_t n, float scale, rl_rng *rng)
{
    float *x = malloc(n * sizeof(float));
    cr_assert(x);
    fill_normal(x, (int)n, scale, rng);
    return x;
}

/* C of one case through nn_sgemm and through the reference, from the same inputs */
static void gemm_check(const gemm_case *g, rl_rng *rng, const char *mode)
{
    int lda = (g->ta ? g->M : g->K) + g->pad, ldb = (g->tb ? g->K : g->N) + g->pad, ldc = g->N + g->pad;
    size_t na = (size_t)(g->ta ? g->K : g->M) * lda, nb = (size_t)(g->tb ? g->N : g->K) * ldb;
    size_t nc = (size_t)g->M * ldc;
    float *A = gemm_buf(na, 1.0f, rng), *B = gemm_buf(nb, 1.0f, rng), *C = gemm_buf(nc, 1.0f, rng);
    float *R = malloc(nc * sizeof(float));
    cr_assert(R);
    if (g->beta == 0.0f)   /* beta 0: C is written, never read, whatever it held */
        for (int i = 0; i < g->M * g->N; i += 2) C[(size_t)(i / g->N) * ldc + i % g->N] = NAN;
    memcpy(R, C, nc * sizeof(float));
    nn_sgemm(g->ta, g->tb, g->M, g->N, g->K, A, lda, B, ldb, g->beta, C, ldc);
    gemm_ref(g->ta, g->tb, g->M, g->N, g->K, A, lda, B, ldb, g->beta, R, ldc);
    char what[128];
    snprintf(what, sizeof what, "%s: ta %d tb %d M %d N %d K %d beta %g", mode, g->ta, g->tb, g->M, g->N, g->K,
             g->beta);
    rlt_assert_close(C, R, (int)nc, 1e-5, 2e-6 * sqrt((double)g->K + 1.0), what);
    free(A); free(B); free(C); free(R);
}

Test(nn_gemm, every_path_matches_reference)
{
    bool small0 = nn_gemm_small_enabled(), wide0 = nn_gemm_wide_enabled(), vec0 = nn_gemm_vec_enabled();
    static const struct { bool small, wide, vec; const char *name; } modes[] = {
        {false, false, false, "OpenBLAS only"}, {false, false, true, "OpenBLAS and the matrix-vector path"},
        {true, false, true, "LIBXSMM small shapes"}, {true, true, true, "LIBXSMM small and wide"}};
    rl_rng rng;
    rl_rng_seed(&rng, 5, 0);
    for (int m = 0; m < RL_ARRAY_LEN(modes); m++) {
        nn_gemm_set_small(modes[m].small);
        nn_gemm_set_wide(modes[m].wide);
        nn_gemm_set_vec(modes[m].vec);
        cr_assert_eq(nn_gemm_small_enabled(), modes[m].small && nn_gemm_small_available());
        for (int c = 0; c < RL_ARRAY_LEN(gemm_cases); c++) gemm_check(&gemm_cases[c], &rng, modes[m].name);
    }
    nn_gemm_set_small(small0);
    nn_gemm_set_wide(wide0);
    nn_gemm_set_vec(vec0);
}

/* the dispatch sends a value head's three GEMMs (SAC's batch 256, 256 inputs, 1 output) to the
 * matrix-vector path: the same bits as sgemv and as the outer-product loop called directly; an
 * outer product is exact (one rounding per element), so it equals the float product of the two
 * entries */
Test(nn_gemm, value_head_shapes_take_the_matrix_vector_path)
{
    static const gemm_case cases[] = {{false, true, 256, 1, 256, 1.0f, 0}, {true, false, 1, 256, 256, 1.0f, 0},
                                      {false, false, 256, 256, 1, 0.0f, 0}};
    bool vec0 = nn_gemm_vec_enabled();
    nn_gemm_set_vec(true);
    rl_rng rng;
    rl_rng_seed(&rng, 12, 0);
    for (int c = 0; c < RL_ARRAY_LEN(cases); c++) {
        const gemm_case *g = &cases[c];
        int lda = g->ta ? g->M : g->K, ldb = g->tb ? g->K : g->N, nc = g->M * g->N;
        float *A = gemm_buf((size_t)g->M * g->K, 1.0f, &rng), *B = gemm_buf((size_t)g->K * g->N, 1.0f, &rng);
        float *C = gemm_buf((size_t)nc, 1.0f, &rng), *D = malloc(sizeof(float) * (size_t)nc);
        cr_assert(D);
        memcpy(D, C, sizeof(float) * (size_t)nc);
        nn_sgemm(g->ta, g->tb, g->M, g->N, g->K, A, lda, B, g->tb ? g->K : g->N, g->beta, C, g->N);
        cr_assert(nn_sgemm_gemv(cblas_sgemv, g->ta, g->tb, g->M, g->N, g->K, A, lda, B, ldb, g->beta, D, g->N) ||
                  nn_sgemm_outer(g->ta, g->tb, g->M, g->N, g->K, A, lda, B, ldb, g->beta, D, g->N));
        cr_assert_eq(memcmp(C, D, sizeof(float) * (size_t)nc), 0, "case %d: M %d N %d K %d", c, g->M, g->N, g->K);
        if (g->K == 1)
            for (int i = 0; i < nc; i++) cr_assert_eq(C[i], A[i / g->N] * B[i % g->N], "outer product, element %d", i);
        free(A); free(B); free(C); free(D);
    }
    cr_assert(strstr(nn_gemm_library(), "sgemv"), "%s", nn_gemm_library());
    nn_gemm_set_vec(vec0);
}

/* the transposed-weight scratch is per thread: two threads running the forward GEMM at once give
 * what each gives alone, bit for bit */
typedef struct {
    const float *x, *w;
    float *y;
    int B, I, O;
} gemm_job;

static void *gemm_job_run(void *arg)
{
    gemm_job *j = arg;
    for (int rep = 0; rep < 50; rep++) nn_sgemm(false, true, j->B, j->O, j->I, j->x, j->I, j->w, j->I, 0.0f, j->y, j->O);
    return NULL;
}

Test(nn_gemm, two_threads_give_the_single_thread_result)
{
    enum { B = 64, I = 23, O = 256 };
    rl_rng rng;
    rl_rng_seed(&rng, 9, 0);
    gemm_job jobs[2];
    float *alone[2];
    for (int t = 0; t < 2; t++) {
        jobs[t] = (gemm_job){gemm_buf(B * I, 1.0f, &rng), gemm_buf(O * I, 1.0f, &rng), gemm_buf(B * O, 1.0f, &rng), B, I, O};
        gemm_job_run(&jobs[t]);
        alone[t] = malloc(sizeof(float) * B * O);
        memcpy(alone[t], jobs[t].y, sizeof(float) * B * O);
        memset(jobs[t].y, 0, sizeof(float) * B * O);
    }
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, gemm_job_run, &jobs[1]), 0);
    gemm_job_run(&jobs[0]);
    pthread_join(th, NULL);
    for (int t = 0; t < 2; t++) {
        cr_assert_eq(memcmp(jobs[t].y, alone[t], sizeof(float) * B * O), 0, "thread %d", t);
        free((void *)jobs[t].x); free((void *)jobs[t].w); free(jobs[t].y); free(alone[t]);
    }
}

Test(nn_gemm, rlc_gemm_variable_is_checked)
{
    char err[256];
    const char *ok[] = {"auto", "blas", "rule"};
    for (int i = 0; i < 3; i++) {
        setenv("RLC_GEMM", ok[i], 1);
        cr_assert_eq(nn_gemm_check_env(err, sizeof err), RL_OK);
    }
    setenv("RLC_GEMM", "libxsmm", 1);
    cr_assert_eq(nn_gemm_check_env(err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "RLC_GEMM") && strstr(err, "'libxsmm'") && strstr(err, "'blas'"), "%s", err);
    unsetenv("RLC_GEMM");
    cr_assert_eq(nn_gemm_check_env(err, sizeof err), RL_OK);
}

Test(nn_dense, backward_accumulates_and_skips_null)
{
    enum { B = 3, I = 4, O = 2 };
    rl_rng rng;
    rl_rng_seed(&rng, 7, 0);
    float inp[B * I], w[O * I], dout[B * O], dw[O * I] = {0}, db[O] = {0}, dw2[O * I] = {0};
    float db2[O] = {0}, di[B * I];
    fill_normal(inp, B * I, 1.0f, &rng);
    fill_normal(w, O * I, 1.0f, &rng);
    fill_normal(dout, B * O, 1.0f, &rng);
    nn_dense_backward(NULL, dw, db, dout, inp, w, B, I, O);
    nn_dense_backward(di, dw, db, dout, inp, w, B, I, O);
    nn_dense_backward_ref(NULL, dw2, db2, dout, inp, w, B, I, O);
    for (int i = 0; i < O * I; i++) cr_assert_float_eq(dw[i], 2.0f * dw2[i], 1e-5f);
    for (int i = 0; i < O; i++) cr_assert_float_eq(db[i], 2.0f * db2[i], 1e-5f);
    cr_assert(dot(dw, dw, O * I) > 0.0);
    // dweight and dbias NULL: only dinp, and dinp is written (=), not added
    float before = di[0];
    nn_dense_backward(di, NULL, NULL, dout, inp, w, B, I, O);
    cr_assert_float_eq(di[0], before, 1e-6f);
}

/* nn_colsum_add (the bias gradients of the convolution and recurrent layers) adds column sums
 * whose error does not grow with the row count: 2^20 rows of 0.1f sum to what double gives (a plain
 * float sum is off by more than 100), over a ragged last tile and a ragged last block of rows */
Test(nn_colsum, adds_column_sums_accurately)
{
    enum { ROWS = (1 << 20) + 37, COLS = 70 };
    float *x = malloc(sizeof(float) * ROWS * COLS), acc[COLS], naive = 0.0f;
    cr_assert(x != NULL);
    for (size_t i = 0; i < (size_t)ROWS * COLS; i++) x[i] = 0.1f + (float)(i % COLS) * 0.25f;
    for (int j = 0; j < COLS; j++) acc[j] = 1.0f;
    nn_colsum_add(acc, x, ROWS, COLS);
    for (int r = 0; r < ROWS; r++) naive += x[(size_t)r * COLS];
    for (int j = 0; j < COLS; j++) {
        double want = 1.0 + (double)ROWS * (double)(0.1f + (float)j * 0.25f);
        cr_assert(fabs(acc[j] - want) <= 1e-6 * want, "column %d: %.9g, expected %.9g", j, acc[j], want);
    }
    cr_assert(fabs(naive - ((double)ROWS * 0.1f)) > 100.0, "a plain float sum was expected to drift (%.9g)", naive);
    free(x);
}

/* ---- dense layer: finite differences ----------------------------------------------------- */

enum { DB = 3, DI = 5, DO = 4 };
typedef struct {
    float inp[DB * DI], w[DO * DI], b[DO], r[DB * DO], out[DB * DO];
} dense_ctx;

/* L = sum(out * r) */
static double dense_obj(void *v)
{
    dense_ctx *c = v;
    nn_dense_forward(c->out, c->inp, c->w, c->b, DB, DI, DO);
    return dot(c->out, c->r, DB * DO);
}

Test(nn_dense, gradcheck)
{
    dense_ctx c;
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    fill_normal(c.inp, DB * DI, 1.0f, &rng);
    fill_normal(c.w, DO * DI, 0.7f, &rng);
    fill_normal(c.b, DO, 0.3f, &rng);
    fill_normal(c.r, DB * DO, 1.0f, &rng);
    float dinp[DB * DI], dw[DO * DI] = {0}, db[DO] = {0};
    nn_dense_backward(dinp, dw, db, c.r, c.inp, c.w, DB, DI, DO);
    rlt_gradcheck_opts o = {.n_check = 1000};
    rlt_gradcheck(dense_obj, &c, c.inp, dinp, DB * DI, &o, "dense dinp");
    rlt_gradcheck(dense_obj, &c, c.w, dw, DO * DI, &o, "dense dweight");
    rlt_gradcheck(dense_obj, &c, c.b, db, DO, &o, "dense dbias");
}

/* ---- MLP: finite differences -------------------------------------------------------------- */

enum { MB = 3 };
typedef struct {
    nn_mlp m;
    nn_mlp_cache c;
    float params[512], grads[512], cache[MAXF];
    float inp[MB * 8], r[MB * 8];
} mlp_ctx;

static double mlp_obj(void *v)
{
    mlp_ctx *k = v;
    const float *out = nn_mlp_forward(&k->c, &k->m, k->inp, MB);
    return dot(out, k->r, MB * k->m.sizes[k->m.n_layers]);
}

/* Smallest |pre-activation| over the hidden layers (relu kinks must stay far from the FD step). */
static float min_abs_preact(mlp_ctx *k)
{
    float z[MB * 16], best = INFINITY;
    (void)nn_mlp_forward(&k->c, &k->m, k->inp, MB);
    for (int l = 0; l < k->m.n_layers - 1; l++) {
        const float *x = l == 0 ? k->inp : k->c.act[l];
        int I = k->m.sizes[l], O = k->m.sizes[l + 1];
        nn_dense_forward_ref(z, x, k->m.w[l], k->m.b[l], MB, I, O);
        for (int i = 0; i < MB * O; i++) best = fminf(best, fabsf(z[i]));
    }
    return best;
}

static void mlp_gradcheck(nn_act hidden_act, nn_act out_act, const char *tag)
{
    static mlp_ctx k;
    int hidden[2] = {7, 6};
    nn_mlp_shape(&k.m, 5, hidden, 2, 3, hidden_act, out_act);
    cr_assert(k.m.n_params <= 512);
    nn_mlp_bind(&k.m, k.params, k.grads);
    cr_assert(nn_mlp_cache_floats(&k.m, MB) <= MAXF);
    nn_mlp_cache_bind(&k.c, &k.m, k.cache, MB);
    // draw until no relu pre-activation is within 0.05 of its kink (deterministic seeds)
    int found = 0;
    for (uint64_t seed = 1; seed < 200 && !found; seed++) {
        rl_rng rng;
        rl_rng_seed(&rng, seed, 1);
        float gains[3] = {1.5f, 1.5f, 1.0f};
        nn_mlp_init_orthogonal(&k.m, gains, &rng);
        for (int l = 0; l < k.m.n_layers; l++) fill_normal(k.m.b[l], k.m.sizes[l + 1], 0.3f, &rng);
        fill_normal(k.inp, MB * 5, 1.0f, &rng);
        fill_normal(k.r, MB * 3, 1.0f, &rng);
        found = hidden_act != NN_ACT_RELU || min_abs_preact(&k) > 0.05f;
    }
    cr_assert(found, "%s: no kink-free draw", tag);

    memset(k.grads, 0, sizeof k.grads);
    float dinp[MB * 5];
    (void)nn_mlp_forward(&k.c, &k.m, k.inp, MB);
    nn_mlp_backward(dinp, &k.c, &k.m, k.r, k.inp, MB);
    char what[64];
    /* h = 1e-2: the objective is a float forward pass, so its rounding noise over 2h must stay
     * well under atol on every BLAS kernel (h = 1e-3 left FD errors of 2e-4 on some); the central
     * difference's truncation error, h^2/6 times a third derivative of order one, stays near 2e-5 */
    rlt_gradcheck_opts o = {.h = 1e-2, .n_check = 1000};
    snprintf(what, sizeof what, "%s mlp dinp", tag);
    rlt_gradcheck(mlp_obj, &k, k.inp, dinp, MB * 5, &o, what);
    // every parameter, and each layer's weight and bias separately non-zero
    snprintf(what, sizeof what, "%s mlp params", tag);
    rlt_gradcheck(mlp_obj, &k, k.params, k.grads, (int)k.m.n_params, &o, what);
    for (int l = 0; l < k.m.n_layers; l++) {
        int I = k.m.sizes[l], O = k.m.sizes[l + 1];
        cr_assert(dot(k.m.dw[l], k.m.dw[l], O * I) > 0.0, "%s: dw%d is zero", tag, l);
        cr_assert(dot(k.m.db[l], k.m.db[l], O) > 0.0, "%s: db%d is zero", tag, l);
    }
}

Test(nn_mlp, gradcheck_tanh) { mlp_gradcheck(NN_ACT_TANH, NN_ACT_NONE, "tanh"); }
Test(nn_mlp, gradcheck_relu) { mlp_gradcheck(NN_ACT_RELU, NN_ACT_NONE, "relu"); }
Test(nn_mlp, gradcheck_relu_tanh_out) { mlp_gradcheck(NN_ACT_RELU, NN_ACT_TANH, "relu/tanh-out"); }

Test(nn_mlp, shape_bind_and_cache_sizes)
{
    nn_mlp m;
    int hidden[2] = {64, 32};
    nn_mlp_shape(&m, 17, hidden, 2, 6, NN_ACT_TANH, NN_ACT_NONE);
    cr_assert_eq(m.n_layers, 3);
    cr_assert_eq(m.n_params, (size_t)(64 * 17 + 64 + 32 * 64 + 32 + 6 * 32 + 6));
    static float p[4000];
    nn_mlp_bind(&m, p, NULL);
    cr_assert_eq(m.w[0], p);
    cr_assert_eq(m.b[0], p + 64 * 17);
    cr_assert_eq(m.w[1], p + 64 * 17 + 64);
    cr_assert_eq(m.b[2] + 6, p + m.n_params);
    cr_assert_null(m.dw[0]);
    cr_assert_eq(nn_mlp_cache_floats(&m, 10), (size_t)(10 * (64 + 32 + 6) + 2 * 10 * 64));
    // no hidden layer: a single linear map
    nn_mlp_shape(&m, 3, NULL, 0, 2, NN_ACT_TANH, NN_ACT_NONE);
    cr_assert_eq(m.n_layers, 1);
    cr_assert_eq(m.n_params, (size_t)(2 * 3 + 2));
}

Test(nn_mlp, backward_accumulates_and_inference_binding)
{
    static float p[200], g[200], cache[MAXF];
    nn_mlp m, inf;
    nn_mlp_cache c, ci;
    int hidden[1] = {8};
    nn_mlp_shape(&m, 4, hidden, 1, 2, NN_ACT_TANH, NN_ACT_NONE);
    nn_mlp_bind(&m, p, g);
    rl_rng rng;
    rl_rng_seed(&rng, 11, 0);
    float gains[2] = {1.0f, 1.0f};
    nn_mlp_init_orthogonal(&m, gains, &rng);
    nn_mlp_cache_bind(&c, &m, cache, 4);
    float inp[4 * 4], dout[4 * 2], d1[4 * 4], d2[4 * 4];
    fill_normal(inp, 16, 1.0f, &rng);
    fill_normal(dout, 8, 1.0f, &rng);
    memset(g, 0, sizeof g);
    (void)nn_mlp_forward(&c, &m, inp, 4);
    nn_mlp_backward(d1, &c, &m, dout, inp, 4);
    float once[200];
    memcpy(once, g, sizeof g);
    nn_mlp_backward(NULL, &c, &m, dout, inp, 4);
    for (size_t i = 0; i < m.n_params; i++) cr_assert_float_eq(g[i], 2.0f * once[i], 1e-5f);

    // the same parameters bound without gradients (inference) give the same output and dinp
    inf = m;
    nn_mlp_bind(&inf, p, NULL);
    static float cache2[MAXF];
    nn_mlp_cache_bind(&ci, &inf, cache2, 4);
    const float *o1 = nn_mlp_forward(&c, &m, inp, 4);
    const float *o2 = nn_mlp_forward(&ci, &inf, inp, 4);
    rlt_assert_close(o2, o1, 8, 0.0, 0.0, "inference output");
    nn_mlp_backward(d2, &ci, &inf, dout, inp, 4);
    rlt_assert_close(d2, d1, 16, 0.0, 0.0, "inference dinp");
    for (size_t i = 0; i < m.n_params; i++) cr_assert_float_eq(g[i], 2.0f * once[i], 1e-5f);
}

/* ---- MLP: golden values from PyTorch ------------------------------------------------------ */

static void mlp_golden(const char *tag)
{
    cJSON *root = rlt_fixture_load("nn_mlp.json");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(root, tag);
    cr_assert(fc != NULL, "fixture case %s missing", tag);
    const cJSON *sz = cJSON_GetObjectItemCaseSensitive(fc, "sizes");
    int n_sizes = cJSON_GetArraySize(sz), sizes[NN_MAX_LAYERS + 1];
    for (int i = 0; i < n_sizes; i++) sizes[i] = cJSON_GetArrayItem(sz, i)->valueint;
    nn_act ha, oa;
    cr_assert_eq(nn_act_from_name(cJSON_GetObjectItemCaseSensitive(fc, "hidden_act")->valuestring,
                                  &ha), 0);
    cr_assert_eq(nn_act_from_name(cJSON_GetObjectItemCaseSensitive(fc, "out_act")->valuestring,
                                  &oa), 0);
    int B = (int)rlt_fixture_number(fc, "batch");

    static float p[1024], g[1024], cache[MAXF], inp[256], dout[256], want[1024], dinp[256];
    nn_mlp m;
    nn_mlp_cache c;
    nn_mlp_shape(&m, sizes[0], sizes + 1, n_sizes - 2, sizes[n_sizes - 1], ha, oa);
    nn_mlp_bind(&m, p, g);
    nn_mlp_cache_bind(&c, &m, cache, B);
    char key[16];
    for (int l = 0; l < m.n_layers; l++) {
        int I = m.sizes[l], O = m.sizes[l + 1];
        snprintf(key, sizeof key, "w%d", l);
        rlt_fixture_floats(fc, key, m.w[l], O * I);
        snprintf(key, sizeof key, "b%d", l);
        rlt_fixture_floats(fc, key, m.b[l], O);
    }
    int nin = m.sizes[0], nout = m.sizes[m.n_layers];
    rlt_fixture_floats(fc, "inp", inp, B * nin);
    rlt_fixture_floats(fc, "dout", dout, B * nout);

    memset(g, 0, sizeof g);
    const float *out = nn_mlp_forward(&c, &m, inp, B);
    rlt_fixture_floats(fc, "out", want, B * nout);
    rlt_assert_close(out, want, B * nout, 1e-4, 1e-5, "mlp output");
    nn_mlp_backward(dinp, &c, &m, dout, inp, B);
    rlt_fixture_floats(fc, "dinp", want, B * nin);
    rlt_assert_close(dinp, want, B * nin, 1e-4, 1e-5, "mlp dinp");
    for (int l = 0; l < m.n_layers; l++) {
        int I = m.sizes[l], O = m.sizes[l + 1];
        snprintf(key, sizeof key, "dw%d", l);
        rlt_fixture_floats(fc, key, want, O * I);
        rlt_assert_close(m.dw[l], want, O * I, 1e-4, 1e-5, key);
        snprintf(key, sizeof key, "db%d", l);
        rlt_fixture_floats(fc, key, want, O);
        rlt_assert_close(m.db[l], want, O, 1e-4, 1e-5, key);
    }
    cJSON_Delete(root);
}

Test(nn_mlp, golden_torch_tanh) { mlp_golden("tanh"); }
Test(nn_mlp, golden_torch_relu) { mlp_golden("relu"); }

/* ---- orthogonal init ---------------------------------------------------------------------- */

/* max |W W^T - g^2 I| (rows <= cols) or max |W^T W - g^2 I| (rows > cols) for w (rows, cols). */
static double ortho_error(const float *w, int rows, int cols, double gain)
{
    int tall = rows > cols, n = tall ? cols : rows;
    double worst = 0.0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            if (tall)
                for (int r = 0; r < rows; r++)
                    s += (double)w[(size_t)r * cols + i] * (double)w[(size_t)r * cols + j];
            else
                for (int c = 0; c < cols; c++)
                    s += (double)w[(size_t)i * cols + c] * (double)w[(size_t)j * cols + c];
            double want = i == j ? gain * gain : 0.0;
            worst = fmax(worst, fabs(s - want));
        }
    }
    return worst;
}

Test(nn_init, orthogonal_rows_cols_and_transpose)
{
    static float p[8192];
    nn_mlp m;
    // layer 0: (12, 5) tall; layer 1: (12, 12) square; layer 2: (3, 12) wide
    int hidden[2] = {12, 12};
    nn_mlp_shape(&m, 5, hidden, 2, 3, NN_ACT_TANH, NN_ACT_NONE);
    nn_mlp_bind(&m, p, NULL);
    for (size_t i = 0; i < m.n_params; i++) p[i] = 123.0f;
    float gains[3] = {1.4142135f, 1.0f, 0.01f};
    rl_rng rng;
    rl_rng_seed(&rng, 5, 0);
    nn_mlp_init_orthogonal(&m, gains, &rng);
    for (int l = 0; l < 3; l++) {
        int I = m.sizes[l], O = m.sizes[l + 1];
        double e = ortho_error(m.w[l], O, I, gains[l]);
        cr_assert(e < 1e-5 * gains[l] * gains[l] + 1e-6, "layer %d: orthogonality error %g", l,
                  e);
        for (int o = 0; o < O; o++) cr_assert_eq(m.b[l][o], 0.0f, "layer %d: bias not zeroed", l);
        // gain times orthonormal rows (wide) / columns (tall): entries bounded by the gain
        for (int i = 0; i < O * I; i++) cr_assert(fabsf(m.w[l][i]) <= gains[l] * 1.0001f);
    }
}

Test(nn_init, orthogonal_is_deterministic_per_seed)
{
    static float p1[512], p2[512], p3[512];
    nn_mlp a, b, c;
    int hidden[1] = {9};
    nn_mlp_shape(&a, 4, hidden, 1, 2, NN_ACT_TANH, NN_ACT_NONE);
    b = a;
    c = a;
    nn_mlp_bind(&a, p1, NULL);
    nn_mlp_bind(&b, p2, NULL);
    nn_mlp_bind(&c, p3, NULL);
    float gains[2] = {1.0f, 1.0f};
    rl_rng r1, r2, r3;
    rl_rng_seed(&r1, 9, 0);
    rl_rng_seed(&r2, 9, 0);
    rl_rng_seed(&r3, 10, 0);
    nn_mlp_init_orthogonal(&a, gains, &r1);
    nn_mlp_init_orthogonal(&b, gains, &r2);
    nn_mlp_init_orthogonal(&c, gains, &r3);
    cr_assert(memcmp(p1, p2, a.n_params * sizeof(float)) == 0);
    cr_assert(memcmp(p1, p3, a.n_params * sizeof(float)) != 0);
}

/* ---- Adam, clipping, schedule, Polyak ----------------------------------------------------- */

static void adam_golden(const char *tag)
{
    cJSON *root = rlt_fixture_load("nn_adam.json");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(root, tag);
    cr_assert(fc != NULL, "fixture case %s missing", tag);
    int n = (int)rlt_fixture_number(fc, "n"), steps = (int)rlt_fixture_number(fc, "steps");
    float p[64], g[64], want[64];
    cr_assert(n <= 64);
    nn_adam opt;
    char err[256];
    cr_assert_eq(nn_adam_init(&opt, (size_t)n, (float)rlt_fixture_number(fc, "lr"),
                              (float)rlt_fixture_number(fc, "beta1"),
                              (float)rlt_fixture_number(fc, "beta2"),
                              (float)rlt_fixture_number(fc, "eps"), err, sizeof err),
                 RL_OK, "%s", err);
    opt.weight_decay = (float)rlt_fixture_number(fc, "weight_decay");
    rlt_fixture_floats(fc, "params0", p, n);
    for (int s = 1; s <= steps; s++) {
        char key[32];
        snprintf(key, sizeof key, "grads%d", s);
        rlt_fixture_floats(fc, key, g, n);
        nn_adam_step(&opt, p, g);
        snprintf(key, sizeof key, "params%d", s);
        rlt_fixture_floats(fc, key, want, n);
        rlt_assert_close(p, want, n, 1e-6, 1e-7, key);
    }
    cr_assert_eq(opt.t, steps);
    nn_adam_free(&opt);
    cr_assert_null(opt.m);
    cJSON_Delete(root);
}

Test(nn_adam, golden_torch) { adam_golden("plain"); }
Test(nn_adam, golden_torch_weight_decay) { adam_golden("decay"); }

/* nn_adam_step in parts (SAC steps its twin critics on two threads): one tick and two disjoint
 * ranges applied in reverse order equal the whole step bit for bit, over several steps */
Test(nn_adam, step_in_ranges_equals_whole_step)
{
    enum { N = 203, CUT = 77 };
    float p1[N], p2[N], g[N];
    nn_adam a, b;
    char err[256];
    cr_assert_eq(nn_adam_init(&a, N, 1e-2f, 0.9f, 0.999f, 1e-8f, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(nn_adam_init(&b, N, 1e-2f, 0.9f, 0.999f, 1e-8f, err, sizeof err), RL_OK, "%s", err);
    rl_rng rng;
    rl_rng_seed(&rng, 5, 0);
    fill_normal(p1, N, 1.0f, &rng);
    memcpy(p2, p1, sizeof p1);
    float p0 = p1[0];
    for (int s = 0; s < 4; s++) {
        fill_normal(g, N, 0.3f, &rng);
        nn_adam_step(&a, p1, g);
        nn_adam_tick(&b);
        nn_adam_apply(&b, p2, g, CUT, N);
        nn_adam_apply(&b, p2, g, 0, CUT);
    }
    cr_assert_eq(a.t, b.t);
    cr_assert(p1[0] != p0, "the step moved nothing");
    cr_assert(memcmp(p1, p2, sizeof p1) == 0);
    cr_assert(memcmp(a.m, b.m, N * sizeof(float)) == 0 && memcmp(a.v, b.v, N * sizeof(float)) == 0);
    nn_adam_free(&a);
    nn_adam_free(&b);
}

Test(nn_adam, init_rejects_bad_arguments)
{
    nn_adam opt;
    char err[256] = "";
    cr_assert_eq(nn_adam_init(&opt, 10, 1e-3f, 1.0f, 0.999f, 1e-8f, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "beta1") != NULL, "message: %s", err);
    cr_assert_eq(nn_adam_init(&opt, 10, -1e-3f, 0.9f, 0.999f, 1e-8f, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "lr") != NULL, "message: %s", err);
    cr_assert_eq(nn_adam_init(&opt, 0, 1e-3f, 0.9f, 0.999f, 1e-8f, err, sizeof err), RL_ERR_ARG);
    nn_adam_free(&opt);
    nn_adam_free(NULL);
}

Test(nn_optim, clip_grad_norm)
{
    float g[2] = {3.0f, 4.0f};
    cr_assert_float_eq(nn_clip_grad_norm(g, 2, 1.0f), 5.0f, 1e-6f);
    cr_assert_float_eq(g[0], 0.6f, 1e-6f);
    cr_assert_float_eq(g[1], 0.8f, 1e-6f);
    // under the limit: untouched, bit for bit
    float h[3] = {0.1f, -0.2f, 0.3f}, h0[3];
    memcpy(h0, h, sizeof h);
    float norm = nn_clip_grad_norm(h, 3, 10.0f);
    cr_assert_float_eq(norm, sqrtf(0.14f), 1e-6f);
    cr_assert(memcmp(h, h0, sizeof h) == 0);
    // max_norm <= 0: only measures
    float k[2] = {30.0f, 40.0f};
    cr_assert_float_eq(nn_clip_grad_norm(k, 2, 0.0f), 50.0f, 1e-5f);
    cr_assert_eq(k[0], 30.0f);
    // after clipping the norm is max_norm (to 1e-6)
    float big[100];
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    fill_normal(big, 100, 5.0f, &rng);
    float before = nn_clip_grad_norm(big, 100, 0.5f);
    cr_assert(before > 0.5f);
    cr_assert_float_eq(nn_clip_grad_norm(big, 100, 0.0f), 0.5f, 1e-5f);
}

Test(nn_optim, lr_linear_and_polyak)
{
    cr_assert_float_eq(nn_lr_linear(3e-4f, 0, 100), 3e-4f, 1e-10f);
    cr_assert_float_eq(nn_lr_linear(3e-4f, 25, 100), 2.25e-4f, 1e-10f);
    cr_assert_float_eq(nn_lr_linear(3e-4f, 100, 100), 0.0f, 1e-12f);
    float t[3] = {1.0f, 2.0f, 3.0f}, s[3] = {3.0f, 2.0f, 1.0f};
    nn_polyak(t, s, 3, 0.25f);
    float want[3] = {1.5f, 2.0f, 2.5f};
    rlt_assert_close(t, want, 3, 1e-7, 0.0, "polyak");
    nn_polyak(t, s, 3, 1.0f);
    rlt_assert_close(t, s, 3, 0.0, 0.0, "polyak tau=1");
}

/* ---- categorical distribution ------------------------------------------------------------- */

Test(nn_categorical, golden_torch)
{
    cJSON *root = rlt_fixture_load("nn_categorical.json");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(root, "case");
    int B = (int)rlt_fixture_number(fc, "batch"), K = (int)rlt_fixture_number(fc, "k");
    float logits[64], acts_f[16], dlogp[16], dent[16], logp[16], ent[16], want[64];
    float dlogits[64] = {0};
    int actions[16];
    cr_assert(B * K <= 64 && B <= 16);
    rlt_fixture_floats(fc, "logits", logits, B * K);
    rlt_fixture_floats(fc, "actions", acts_f, B);
    for (int b = 0; b < B; b++) actions[b] = (int)acts_f[b];
    rlt_fixture_floats(fc, "dlogp", dlogp, B);
    rlt_fixture_floats(fc, "dent", dent, B);
    nn_categorical_log_prob(logp, logits, actions, B, K);
    rlt_fixture_floats(fc, "logp", want, B);
    rlt_assert_close(logp, want, B, 1e-5, 1e-6, "log_prob");
    nn_categorical_entropy(ent, logits, B, K);
    rlt_fixture_floats(fc, "entropy", want, B);
    rlt_assert_close(ent, want, B, 1e-5, 1e-6, "entropy");
    nn_categorical_backward(dlogits, logits, actions, dlogp, dent, B, K);
    rlt_fixture_floats(fc, "dlogits", want, B * K);
    rlt_assert_close(dlogits, want, B * K, 1e-5, 1e-6, "dlogits");
    cJSON_Delete(root);
}

enum { CB = 3, CK = 5 };
typedef struct {
    float logits[CB * CK], w[CB], tmp[CB];
    int actions[CB];
    int which;  // 0: log_prob, 1: entropy
} cat_ctx;

static double cat_obj(void *v)
{
    cat_ctx *c = v;
    if (c->which == 0) nn_categorical_log_prob(c->tmp, c->logits, c->actions, CB, CK);
    else nn_categorical_entropy(c->tmp, c->logits, CB, CK);
    return dot(c->tmp, c->w, CB);
}

Test(nn_categorical, gradcheck_log_prob_and_entropy)
{
    cat_ctx c;
    rl_rng rng;
    rl_rng_seed(&rng, 17, 0);
    fill_normal(c.logits, CB * CK, 1.5f, &rng);
    fill_normal(c.w, CB, 1.0f, &rng);
    for (int b = 0; b < CB; b++) c.actions[b] = (int)rl_rng_below(&rng, CK);
    rlt_gradcheck_opts o = {.n_check = 1000};
    float d[CB * CK];

    c.which = 0;
    memset(d, 0, sizeof d);
    nn_categorical_backward(d, c.logits, c.actions, c.w, NULL, CB, CK);
    rlt_gradcheck(cat_obj, &c, c.logits, d, CB * CK, &o, "categorical log_prob");

    c.which = 1;
    memset(d, 0, sizeof d);
    nn_categorical_backward(d, c.logits, c.actions, NULL, c.w, CB, CK);
    rlt_gradcheck(cat_obj, &c, c.logits, d, CB * CK, &o, "categorical entropy");

    // backward adds
    float d2[CB * CK];
    memcpy(d2, d, sizeof d);
    nn_categorical_backward(d2, c.logits, c.actions, NULL, c.w, CB, CK);
    for (int i = 0; i < CB * CK; i++) cr_assert_float_eq(d2[i], 2.0f * d[i], 1e-6f);
}

Test(nn_categorical, mode_and_sampling)
{
    float logits[2 * 4] = {0.1f, 2.0f, 2.0f, -1.0f, /* tie: first maximum */
                           -3.0f, -2.0f, -1.0f, -0.5f};
    int a[2];
    nn_categorical_mode(a, logits, 2, 4);
    cr_assert_eq(a[0], 1);
    cr_assert_eq(a[1], 3);

    // empirical frequencies match softmax(logits) for one row
    float row[4] = {0.5f, -1.0f, 1.2f, 0.0f}, p[4];
    double lse = log(exp(0.5) + exp(-1.0) + exp(1.2) + exp(0.0));
    for (int k = 0; k < 4; k++) p[k] = (float)exp(row[k] - lse);
    enum { N = 40000 };
    static float rows[64 * 4];
    for (int r = 0; r < 64; r++) memcpy(rows + r * 4, row, sizeof row);
    int counts[4] = {0}, acts[64];
    rl_rng rng;
    rl_rng_seed(&rng, 123, 0);
    for (int it = 0; it < N / 64; it++) {
        nn_categorical_sample(acts, rows, 64, 4, &rng);
        for (int r = 0; r < 64; r++) {
            cr_assert(acts[r] >= 0 && acts[r] < 4);
            counts[acts[r]]++;
        }
    }
    int total = (N / 64) * 64;
    for (int k = 0; k < 4; k++) {
        double f = (double)counts[k] / total;
        cr_assert(fabs(f - p[k]) < 0.01, "action %d: frequency %.4f vs probability %.4f", k, f,
                  (double)p[k]);
    }
    // same seed, same draws; a dominant logit is always drawn
    rl_rng r1, r2;
    rl_rng_seed(&r1, 5, 2);
    rl_rng_seed(&r2, 5, 2);
    int x1[64], x2[64];
    nn_categorical_sample(x1, rows, 64, 4, &r1);
    nn_categorical_sample(x2, rows, 64, 4, &r2);
    cr_assert(memcmp(x1, x2, sizeof x1) == 0);
    float peaked[3] = {-50.0f, 40.0f, -50.0f};
    for (int i = 0; i < 100; i++) {
        nn_categorical_sample(a, peaked, 1, 3, &r1);
        cr_assert_eq(a[0], 1);
    }
}

/* nn_mlp_backward_add: without dact it is nn_mlp_backward bit for bit; with dact at hidden layer
 * `at` it equals the backward of dot(out, r) + dot(act[at], s), checked by finite differences */
typedef struct {
    nn_mlp m;
    nn_mlp_cache c;
    float params[512], grads[512], cache[MAXF];
    float inp[MB * 5], r[MB * 3], s[MB * 7];
} mlp_add_ctx;

static double mlp_add_obj(void *v)
{
    mlp_add_ctx *k = v;
    const float *out = nn_mlp_forward(&k->c, &k->m, k->inp, MB);
    return dot(out, k->r, MB * 3) + dot(k->c.act[1], k->s, MB * 7);
}

Test(nn_mlp, backward_add_at_a_hidden_layer)
{
    static mlp_add_ctx k;
    int hidden[2] = {7, 6};
    nn_mlp_shape(&k.m, 5, hidden, 2, 3, NN_ACT_TANH, NN_ACT_NONE);
    nn_mlp_bind(&k.m, k.params, k.grads);
    nn_mlp_cache_bind(&k.c, &k.m, k.cache, MB);
    rl_rng rng;
    rl_rng_seed(&rng, 17, 0);
    float gains[3] = {1.5f, 1.5f, 1.0f};
    nn_mlp_init_orthogonal(&k.m, gains, &rng);
    fill_normal(k.inp, MB * 5, 1.0f, &rng);
    fill_normal(k.r, MB * 3, 1.0f, &rng);
    fill_normal(k.s, MB * 7, 1.0f, &rng);
    static float g1[512], d1[MB * 5], d2[MB * 5];
    (void)nn_mlp_forward(&k.c, &k.m, k.inp, MB);
    memset(k.grads, 0, sizeof k.grads);
    nn_mlp_backward(d1, &k.c, &k.m, k.r, k.inp, MB);
    memcpy(g1, k.grads, sizeof g1);
    memset(k.grads, 0, sizeof k.grads);
    nn_mlp_backward_add(d2, &k.c, &k.m, k.r, k.inp, 1, NULL, MB);
    cr_assert(memcmp(g1, k.grads, sizeof g1) == 0 && memcmp(d1, d2, sizeof d1) == 0, "dact = NULL differs");
    memset(k.grads, 0, sizeof k.grads);
    nn_mlp_backward_add(d2, &k.c, &k.m, k.r, k.inp, 1, k.s, MB);
    rlt_gradcheck_opts o = {.n_check = 1000};
    rlt_gradcheck(mlp_add_obj, &k, k.inp, d2, MB * 5, &o, "backward_add dinp");
    memcpy(g1, k.grads, sizeof g1);
    rlt_gradcheck(mlp_add_obj, &k, k.params, g1, (int)k.m.n_params, &o, "backward_add params");
}

/* The backward in layer steps (SAC runs a layer's input and parameter gradients on two threads):
 * input before parameters at each layer gives nn_mlp_backward_add's result bit for bit, and both
 * agree with a plain reference built from nn_dense_backward_ref (tolerance relative to magnitude) */
static void mlp_backward_reference(float *dinp, float *grads, const mlp_add_ctx *k, const float *dact, int at)
{
    static float cur[MB * 8], nxt[MB * 8];
    const nn_mlp *m = &k->m;
    int L = m->n_layers;
    nn_mlp bound = *m;
    nn_mlp_bind(&bound, (float *)k->params, grads);
    nn_act_backward(cur, k->r, k->c.act[L], m->out_act, (size_t)MB * m->sizes[L]);
    for (int l = L - 1; l >= 0; l--) {
        int I = m->sizes[l], O = m->sizes[l + 1];
        const float *x = l == 0 ? k->inp : k->c.act[l];
        nn_dense_backward_ref(l == 0 ? dinp : nxt, bound.dw[l], bound.db[l], cur, x, m->w[l], MB, I, O);
        if (l == 0) break;
        for (int i = 0; dact && l == at && i < MB * I; i++) nxt[i] += dact[i];
        nn_act_backward(cur, nxt, k->c.act[l], m->hidden_act, (size_t)MB * I);
    }
}

Test(nn_mlp, backward_in_layer_steps_matches_whole_and_reference)
{
    static mlp_add_ctx k;
    int hidden[2] = {7, 6};
    nn_mlp_shape(&k.m, 5, hidden, 2, 3, NN_ACT_RELU, NN_ACT_NONE);
    nn_mlp_bind(&k.m, k.params, k.grads);
    nn_mlp_cache_bind(&k.c, &k.m, k.cache, MB);
    rl_rng rng;
    rl_rng_seed(&rng, 23, 0);
    float gains[3] = {1.5f, 1.5f, 1.0f};
    nn_mlp_init_orthogonal(&k.m, gains, &rng);
    fill_normal(k.inp, MB * 5, 1.0f, &rng);
    fill_normal(k.r, MB * 3, 1.0f, &rng);
    fill_normal(k.s, MB * 7, 1.0f, &rng);
    static float g1[512], g3[512], d1[MB * 5], d2[MB * 5], d3[MB * 5];
    (void)nn_mlp_forward(&k.c, &k.m, k.inp, MB);
    memset(k.grads, 0, sizeof k.grads);
    nn_mlp_backward_add(d1, &k.c, &k.m, k.r, k.inp, 1, k.s, MB);
    memcpy(g1, k.grads, sizeof g1);
    memset(k.grads, 0, sizeof k.grads);
    nn_mlp_backward_top(&k.c, &k.m, k.r, MB);
    for (int l = k.m.n_layers - 1; l >= 0; l--) {
        nn_mlp_backward_input(d2, &k.c, &k.m, l, 1, k.s, MB);
        nn_mlp_backward_params(&k.c, &k.m, k.inp, l, MB);
    }
    cr_assert(memcmp(g1, k.grads, sizeof g1) == 0 && memcmp(d1, d2, sizeof d1) == 0, "steps differ from the whole");
    memset(g3, 0, sizeof g3);
    mlp_backward_reference(d3, g3, &k, k.s, 1);
    int n = (int)k.m.n_params, nonzero = 0;
    for (int i = 0; i < n; i++) nonzero += g3[i] != 0.0f;
    cr_assert(nonzero > n / 2, "reference gradient mostly zero (%d of %d)", nonzero, n);
    rlt_assert_close(k.grads, g3, n, 1e-5, 1e-6, "layer steps: params");
    rlt_assert_close(d2, d3, MB * 5, 1e-5, 1e-6, "layer steps: dinp");
}
