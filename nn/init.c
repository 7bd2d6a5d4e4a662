/* rlc nn: orthogonal weight initialisation, as torch.nn.init.orthogonal_.
 *
 * For a weight (rows, cols): draw a Gaussian matrix (rows, cols) in row-major order, transpose
 * it when rows < cols so that it is tall, take its thin QR factorisation and keep Q with the
 * columns multiplied by sign(diag(R)), transpose back, times the gain. The QR here is modified
 * Gram-Schmidt with one re-orthogonalisation pass ("twice is enough"), in double. Gram-Schmidt
 * yields diag(R) > 0 by construction, which is exactly the sign convention torch's fix-up
 * enforces, so the result is the same Q as torch's for the same Gaussian draw. Init-time only:
 * it allocates a scratch matrix per weight. */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>

/* Orthonormalises the n columns of a (m, n), m >= n, stored column by column: col j at a + j*m.
 * Equivalent to Q of the thin QR with positive diag(R). */
static void gram_schmidt(double *a, int m, int n)
{
    for (int j = 0; j < n; j++) {
        double *v = a + (size_t)j * m;
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < j; k++) {
                const double *q = a + (size_t)k * m;
                double r = 0.0;
                for (int i = 0; i < m; i++) r += q[i] * v[i];
                for (int i = 0; i < m; i++) v[i] -= r * q[i];
            }
        }
        double norm = 0.0;
        for (int i = 0; i < m; i++) norm += v[i] * v[i];
        norm = sqrt(norm);
        RL_ASSERT_MSG(norm > 1e-300, "rank-deficient Gaussian draw");
        for (int i = 0; i < m; i++) v[i] /= norm;
    }
}

/* w (rows, cols) = gain * orthogonal matrix, drawing rows*cols normals from rng. */
static void orthogonal_fill(float *w, int rows, int cols, float gain, rl_rng *rng, double *scratch)
{
    int tall = rows >= cols;
    int m = tall ? rows : cols, n = tall ? cols : rows;
    // scratch holds A (m, n) column by column; A = G when tall, G^T otherwise
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            double g = rl_rng_normal(rng);
            if (tall) scratch[(size_t)c * m + r] = g;
            else scratch[(size_t)r * m + c] = g;
        }
    }
    gram_schmidt(scratch, m, n);
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            double q = tall ? scratch[(size_t)c * m + r] : scratch[(size_t)r * m + c];
            w[(size_t)r * cols + c] = (float)(gain * q);
        }
    }
}

void nn_init_orthogonal(float *w, int rows, int cols, float gain, rl_rng *rng)
{
    RL_ASSERT(w != NULL && rng != NULL && rows > 0 && cols > 0);
    double *scratch = rl_xmalloc((size_t)rows * (size_t)cols * sizeof(double));
    orthogonal_fill(w, rows, cols, gain, rng, scratch);
    free(scratch);
}

void nn_mlp_init_orthogonal(nn_mlp *m, const float *gains, rl_rng *rng)
{
    RL_ASSERT(m->params != NULL && gains != NULL && rng != NULL);
    for (int l = 0; l < m->n_layers; l++) {
        int I = m->sizes[l], O = m->sizes[l + 1];
        nn_init_orthogonal(m->w[l], O, I, gains[l], rng);
        for (int o = 0; o < O; o++) m->b[l][o] = 0.0f;
    }
}

void nn_mlp_init_torch_default(nn_mlp *m, rl_rng *rng)
{
    for (int l = 0; l < m->n_layers; l++) {
        int I = m->sizes[l], O = m->sizes[l + 1];
        double b = 1.0 / sqrt((double)I);
        for (int i = 0; i < O * I; i++) m->w[l][i] = (float)rl_rng_uniform(rng, -b, b);
        for (int i = 0; i < O; i++) m->b[l][i] = (float)rl_rng_uniform(rng, -b, b);
    }
}
