/* rlc nn: the dense (fully connected) layer, out = inp @ weight^T + bias, in PyTorch's
 * nn.Linear layout (weight (O, I), bias (O)). The optimised kernels are one GEMM each (nn_sgemm,
 * nn/gemm.c); the _ref twins are plain loops (double accumulation) that the tests compare
 * them against. */
#include "nn/nn.h"

#include <cblas.h>
#include <string.h>

#undef I /* from <complex.h> via cblas.h; I is the input size here */

void nn_dense_forward(float *out, const float *inp, const float *weight, const float *bias,
                      int B, int I, int O)
{
    // out (B, O), inp (B, I), weight (O, I), bias (O) or NULL
    RL_ASSERT(B >= 0 && I > 0 && O > 0);
    if (B == 0) return;
    float beta = 0.0f;
    if (bias) {
        // seed every output row with the bias and let the GEMM accumulate onto it
        for (int b = 0; b < B; b++) memcpy(out + (size_t)b * O, bias, (size_t)O * sizeof(float));
        beta = 1.0f;
    }
    nn_sgemm(false, true, B, O, I, inp, I, weight, I, beta, out, O);
}

void nn_dense_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                       const float *inp, const float *weight, int B, int I, int O)
{
    // dinp (B, I) or NULL, dweight (O, I) or NULL, dbias (O) or NULL,
    // dout (B, O), inp (B, I), weight (O, I)
    RL_ASSERT(B >= 0 && I > 0 && O > 0);
    if (B == 0) {
        return;
    }
    if (dweight) {
        // dweight (O, I) += dout^T (O, B) @ inp (B, I)
        nn_sgemm(true, false, O, I, B, dout, O, inp, I, 1.0f, dweight, I);
    }
    if (dbias) {
        for (int b = 0; b < B; b++) {
            const float *row = dout + (size_t)b * O;
            for (int o = 0; o < O; o++) dbias[o] += row[o];
        }
    }
    if (dinp) {
        // dinp (B, I) = dout (B, O) @ weight (O, I)
        nn_sgemm(false, false, B, I, O, dout, O, weight, I, 0.0f, dinp, I);
    }
}

void nn_colsum_add(float *acc, const float *x, size_t rows, int cols)
{
    // acc (cols) += sum over rows of x (rows, cols), in tiles of 64 columns by blocks of 64 rows
    enum { TILE = 64 };
    for (int j0 = 0; j0 < cols; j0 += TILE) {
        int w = cols - j0 < TILE ? cols - j0 : TILE;
        double total[TILE] = {0};
        for (size_t r0 = 0; r0 < rows; r0 += TILE) {
            size_t r1 = r0 + TILE < rows ? r0 + TILE : rows;
            float part[TILE] = {0};
            for (size_t r = r0; r < r1; r++) {
                const float *row = x + r * (size_t)cols + j0;
                for (int j = 0; j < w; j++) part[j] += row[j];
            }
            for (int j = 0; j < w; j++) total[j] += part[j];
        }
        for (int j = 0; j < w; j++) acc[j0 + j] += (float)total[j];
    }
}

void nn_dense_forward_ref(float *out, const float *inp, const float *weight, const float *bias,
                          int B, int I, int O)
{
    // out (B, O), inp (B, I), weight (O, I), bias (O) or NULL
    for (int b = 0; b < B; b++) {
        const float *x = inp + (size_t)b * I;
        for (int o = 0; o < O; o++) {
            const float *w = weight + (size_t)o * I;
            double acc = bias ? (double)bias[o] : 0.0;
            for (int i = 0; i < I; i++) acc += (double)x[i] * (double)w[i];
            out[(size_t)b * O + o] = (float)acc;
        }
    }
}

void nn_dense_backward_ref(float *dinp, float *dweight, float *dbias, const float *dout,
                           const float *inp, const float *weight, int B, int I, int O)
{
    // dinp (B, I) or NULL, dweight (O, I) or NULL, dbias (O) or NULL,
    // dout (B, O), inp (B, I), weight (O, I)
    if (dweight) {
        for (int o = 0; o < O; o++) {
            for (int i = 0; i < I; i++) {
                double acc = 0.0;
                for (int b = 0; b < B; b++)
                    acc += (double)dout[(size_t)b * O + o] * (double)inp[(size_t)b * I + i];
                dweight[(size_t)o * I + i] += (float)acc;
            }
        }
    }
    if (dbias) {
        for (int o = 0; o < O; o++) {
            double acc = 0.0;
            for (int b = 0; b < B; b++) acc += (double)dout[(size_t)b * O + o];
            dbias[o] += (float)acc;
        }
    }
    if (dinp) {
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < I; i++) {
                double acc = 0.0;
                for (int o = 0; o < O; o++)
                    acc += (double)dout[(size_t)b * O + o] * (double)weight[(size_t)o * I + i];
                dinp[(size_t)b * I + i] = (float)acc;
            }
        }
    }
}
