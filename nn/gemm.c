/* rlc nn: nn_sgemm, the one GEMM of the dense layers (OpenBLAS's cblas_sgemm). In its own file so
 * that a benchmark sees every call (bench/bench_sac_update.c links with --wrap=nn_sgemm), and so
 * that a per-shape dispatch to another small-GEMM library would have one place to go. */
#include "nn/nn.h"

#include <cblas.h>

#undef I

void nn_sgemm(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
              float *C, int ldc)
{
    // C (M, N) = op(A) (M, K) @ op(B) (K, N) + beta C, row-major
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, A, lda,
                B, ldb, beta, C, ldc);
}
