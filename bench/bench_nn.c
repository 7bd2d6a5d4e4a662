/* rlc bench: throughput of the nn module — MLP forward+backward (samples/s and GFLOP/s) for a
 * 64-64 tanh MLP at several batch sizes, and Adam steps (steps/s and parameters/s).
 * OpenBLAS runs on one thread so that figures are comparable and runs deterministic.
 * Prints figures only; nothing here is asserted. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "nn/nn.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* FLOPs of one forward+backward over B rows: 2*I*O per row for the forward GEMM, 2*I*O for
 * dweight, 2*I*O for dinp (skipped on the first layer, whose input needs no gradient). */
static double mlp_flops(const nn_mlp *m, int B)
{
    double f = 0.0;
    for (int l = 0; l < m->n_layers; l++) {
        double io = (double)m->sizes[l] * (double)m->sizes[l + 1];
        f += (l == 0 ? 4.0 : 6.0) * io * (double)B;
    }
    return f;
}

int main(void)
{
    openblas_set_num_threads(1);
    const int n_in = 17, n_out = 6, hidden[2] = {64, 64};
    static const int batches[] = {1, 8, 64, 256, 1024};
    const int max_batch = 1024;

    nn_mlp m;
    nn_mlp_shape(&m, n_in, hidden, 2, n_out, NN_ACT_TANH, NN_ACT_NONE);
    float *params = calloc(m.n_params, sizeof(float)), *grads = calloc(m.n_params, sizeof(float));
    nn_mlp_bind(&m, params, grads);
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    float gains[3] = {1.4142135f, 1.4142135f, 0.01f};
    nn_mlp_init_orthogonal(&m, gains, &rng);
    nn_mlp_cache cache;
    float *cbuf = calloc(nn_mlp_cache_floats(&m, max_batch), sizeof(float));
    nn_mlp_cache_bind(&cache, &m, cbuf, max_batch);
    float *inp = malloc(sizeof(float) * (size_t)max_batch * n_in);
    float *dout = malloc(sizeof(float) * (size_t)max_batch * n_out);
    for (int i = 0; i < max_batch * n_in; i++) inp[i] = (float)rl_rng_normal(&rng);
    for (int i = 0; i < max_batch * n_out; i++) dout[i] = (float)rl_rng_normal(&rng);

    printf("nn bench: MLP %d -> %d -> %d -> %d (tanh hidden), %zu parameters, 1 BLAS thread\n",
           n_in, hidden[0], hidden[1], n_out, m.n_params);
    printf("%8s %14s %12s %12s\n", "batch", "samples/s", "GFLOP/s", "us/iter");
    double sink = 0.0;
    for (int bi = 0; bi < (int)(sizeof batches / sizeof batches[0]); bi++) {
        int B = batches[bi];
        // warm up, then time at least 0.3 s
        for (int w = 0; w < 20; w++) {
            (void)nn_mlp_forward(&cache, &m, inp, B);
            nn_mlp_backward(NULL, &cache, &m, dout, inp, B);
        }
        long iters = 0;
        double t0 = now_s(), t1;
        do {
            for (int k = 0; k < 32; k++) {
                const float *out = nn_mlp_forward(&cache, &m, inp, B);
                nn_mlp_backward(NULL, &cache, &m, dout, inp, B);
                sink += out[0];
            }
            iters += 32;
            t1 = now_s();
        } while (t1 - t0 < 0.3);
        double dt = (t1 - t0) / (double)iters;
        printf("%8d %14.0f %12.2f %12.2f\n", B, (double)B / dt, mlp_flops(&m, B) / dt * 1e-9,
               dt * 1e6);
    }

    // Adam over the same parameters, and over a larger flat buffer
    size_t sizes[2] = {m.n_params, (size_t)1 << 20};
    printf("\n%12s %14s %16s\n", "adam params", "steps/s", "params/s");
    for (int si = 0; si < 2; si++) {
        size_t n = sizes[si];
        float *p = calloc(n, sizeof(float)), *g = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++) g[i] = (float)rl_rng_normal(&rng);
        nn_adam opt;
        char err[256];
        if (nn_adam_init(&opt, n, 3e-4f, 0.9f, 0.999f, 1e-5f, err, sizeof err) != RL_OK) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        for (int w = 0; w < 5; w++) nn_adam_step(&opt, p, g);
        long steps = 0;
        double t0 = now_s(), t1;
        do {
            for (int k = 0; k < 8; k++) nn_adam_step(&opt, p, g);
            steps += 8;
            t1 = now_s();
        } while (t1 - t0 < 0.3);
        double dt = (t1 - t0) / (double)steps;
        printf("%12zu %14.0f %16.3e\n", n, 1.0 / dt, (double)n / dt);
        sink += p[0];
        nn_adam_free(&opt);
        free(p);
        free(g);
    }
    if (sink == 12345.678) printf("%g\n", sink);  // keeps the work observable
    free(params);
    free(grads);
    free(cbuf);
    free(inp);
    free(dout);
    return 0;
}
