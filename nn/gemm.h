/* rlc nn: the pieces of nn_sgemm's dispatch (nn/gemm.c) that benchmarks and tests call on their own.
 * nn/nn.h has the GEMM itself; this header adds what needs <cblas.h>. */
#ifndef RLC_NN_GEMM_H
#define RLC_NN_GEMM_H

#include <cblas.h>
#include <stdbool.h>

/* A function with cblas_sgemv's signature: OpenBLAS's, or another library's (bench_gemm_libs). */
typedef void (*nn_sgemv_fn)(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE trans, blasint m, blasint n, float alpha,
                            const float *a, blasint lda, const float *x, blasint incx, float beta, float *y,
                            blasint incy);

/* nn_sgemm's arguments (row-major C (M, N) = op(A) op(B) + beta C) as one matrix-vector product
 * through gemv when N == 1 (C is op(A) times a vector) or M == 1 (C's row is op(B)^T times a
 * vector). False, with nothing written, for any other shape. With beta 0 the output is zeroed
 * first, so whatever it held (NaN included) is not read. */
bool nn_sgemm_gemv(nn_sgemv_fn gemv, bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B,
                   int ldb, float beta, float *C, int ldc);

/* K == 1: C (M, N) = a b^T + beta C, an outer product: one product per element, no sums, so
 * any order gives the same bits; rlc's own loop. False for any other K. */
bool nn_sgemm_outer(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                    float beta, float *C, int ldc);

#endif
