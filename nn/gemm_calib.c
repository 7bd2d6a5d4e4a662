/* rlc nn: timing a GEMM shape on each path that can take it, and picking the path (`rlc calibrate`;
 * nn/gemm_table.h). The times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so other
 * processes on a loaded machine count less than in wall-clock time; rounds interleave the paths and
 * the median of the rounds is kept. */
#include "nn/gemm_table.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CALIB_MAX_REPS 100000   /* calls of one path in one round, for the tiniest shapes */

static double thread_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

/* the operands of a shape: op(A) (M, K) with rows of lda, op(B) (K, N) with rows of ldb, C (M, N) */
typedef struct {
    float *A, *B, *C;
} operands;

static rl_status operands_alloc(operands *o, const nn_gemm_shape *s, char *err, size_t err_sz)
{
    size_t na = (size_t)(s->ta ? s->K : s->M) * (size_t)s->lda, nb = (size_t)(s->tb ? s->N : s->K) * (size_t)s->ldb,
           nc = (size_t)s->M * (size_t)s->ldc;
    o->A = malloc(na * sizeof(float));
    o->B = malloc(nb * sizeof(float));
    o->C = calloc(nc, sizeof(float));
    if (!o->A || !o->B || !o->C) {
        free(o->A), free(o->B), free(o->C);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory for the operands of a %d x %d x %d GEMM", s->M, s->N,
                       s->K);
    }
    /* small values of both signs, so that accumulating into C (beta 1) over many calls stays finite */
    uint32_t x = 12345;
    for (size_t i = 0; i < na; i++) o->A[i] = (float)((x = x * 1664525u + 1013904223u) >> 8) * 0x1p-24f - 0.5f;
    for (size_t i = 0; i < nb; i++) o->B[i] = (float)((x = x * 1664525u + 1013904223u) >> 8) * 0x1p-26f - 0.125f;
    return RL_OK;
}

static void operands_free(operands *o)
{
    free(o->A), free(o->B), free(o->C);
}

static bool run(nn_gemm_path p, const nn_gemm_shape *s, operands *o)
{
    return nn_sgemm_path(p, s->ta, s->tb, s->M, s->N, s->K, o->A, s->lda, o->B, s->ldb, s->beta1 ? 1.0f : 0.0f, o->C,
                         s->ldc);
}

/* microseconds per call of reps calls */
static double time_reps(nn_gemm_path p, const nn_gemm_shape *s, operands *o, int reps)
{
    double t0 = thread_us();
    for (int i = 0; i < reps; i++) run(p, s, o);
    return (thread_us() - t0) / reps;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

rl_status nn_gemm_time_shape(const nn_gemm_shape *s, int rounds, double batch_us, float us[NN_GEMM_PATHS],
                             char *err, size_t err_sz)
{
    RL_ASSERT(rounds >= 1 && rounds <= 1000);
    operands o;
    rl_status st = operands_alloc(&o, s, err, err_sz);
    if (st != RL_OK) return st;
    bool can[NN_GEMM_PATHS];
    int reps[NN_GEMM_PATHS];
    for (int p = 0; p < NN_GEMM_PATHS; p++) {   /* a first call: whether p takes s, its kernel compiled, warm caches */
        can[p] = nn_gemm_path_fits((nn_gemm_path)p, s) && run((nn_gemm_path)p, s, &o);
        double one = can[p] ? time_reps((nn_gemm_path)p, s, &o, 3) : 0;
        double r = one > 0 ? batch_us / one : CALIB_MAX_REPS;
        reps[p] = r < 1 ? 1 : r > CALIB_MAX_REPS ? CALIB_MAX_REPS : (int)r;
    }
    float *t = malloc((size_t)rounds * NN_GEMM_PATHS * sizeof(float));
    if (!t) {
        operands_free(&o);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory for %d rounds of timing", rounds);
    }
    for (int r = 0; r < rounds; r++)
        for (int p = 0; p < NN_GEMM_PATHS; p++)
            if (can[p]) t[p * rounds + r] = (float)time_reps((nn_gemm_path)p, s, &o, reps[p]);
    for (int p = 0; p < NN_GEMM_PATHS; p++) {
        if (can[p]) qsort(t + p * rounds, (size_t)rounds, sizeof(float), cmp_float);
        us[p] = can[p] ? t[p * rounds + rounds / 2] : -1.0f;
    }
    free(t);
    operands_free(&o);
    return RL_OK;
}

nn_gemm_path nn_gemm_pick(const float us[NN_GEMM_PATHS], double margin)
{
    nn_gemm_path best = NN_GEMM_BLAS;
    for (int p = 0; p < NN_GEMM_PATHS; p++)
        if (p != NN_GEMM_BLAS && us[p] >= 0 && (us[best] < 0 || us[p] < us[best])) best = (nn_gemm_path)p;
    if (best == NN_GEMM_BLAS || us[NN_GEMM_BLAS] < 0) return NN_GEMM_BLAS;
    return us[best] <= (1.0 - margin) * us[NN_GEMM_BLAS] ? best : NN_GEMM_BLAS;
}
