/* rlc bench: the cost of data-parallel training's one collective, the gradient allreduce
 * (rl_dist_mean_f32, core/dist.h), against the number of parameters.
 *
 * Run it under MPI: mpirun -np 2 ./build/bench_allreduce [REPS]. For 10^3 .. 10^7 floats (and the
 * sizes of the PPO and SAC HalfCheetah networks) rank 0 prints the median time of one averaging
 * (the allreduce and the 1/N scale) in microseconds and the "bus bandwidth" 2 (N - 1) / N x bytes
 * / time (what a ring allreduce moves per rank). Prints figures; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dist.h"
#include "core/log.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* median seconds of reps averagings of n floats (every rank calls this in step) */
static double time_mean(float *x, size_t n, int reps)
{
    double *t = malloc((size_t)reps * sizeof(double));
    for (int i = 0; i < 5; i++) rl_dist_mean_f32(x, n);   /* warm-up: connections, buffers */
    for (int i = 0; i < reps; i++) {
        rl_dist_barrier();
        double t0 = rl_now();
        rl_dist_mean_f32(x, n);
        t[i] = rl_now() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    double med = t[reps / 2];
    free(t);
    return med;
}

int main(int argc, char **argv)
{
    char err[512];
    if (rl_dist_init(&argc, &argv, err, sizeof err) != RL_OK) {
        fprintf(stderr, "bench_allreduce: %s\n", err);
        return 1;
    }
    int reps = argc > 1 ? atoi(argv[1]) : 100;
    if (reps < 3) reps = 3;
    int S = rl_dist_size();
    if (S < 2 && rl_dist_rank() == 0)
        printf("bench_allreduce: one rank (start it with mpirun -np N): every averaging is free\n");
    const struct {
        size_t n;
        const char *what;
    } sizes[] = {
        {1000, ""},
        {10000, ""},
        {11085, "PPO HalfCheetah: 64x64 actor + critic"},
        {100000, ""},
        {217870, "SAC HalfCheetah: 256x256 actor + 2 critics"},
        {1000000, ""},
        {10000000, ""},
    };
    float *x = calloc(10000000, sizeof(float));
    if (rl_dist_rank() == 0) {
        printf("ranks %d, %d repetitions, median per averaging\n", S, reps);
        printf("%12s %12s %14s  %s\n", "floats", "time_us", "bus_GB_per_s", "");
    }
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i].n;
        for (size_t k = 0; k < n; k++) x[k] = (float)(k % 97) * 0.01f;
        int r = n >= 1000000 ? (reps / 10 > 3 ? reps / 10 : 3) : reps;
        double t = time_mean(x, n, r);
        double bus = S > 1 ? 2.0 * (S - 1) / S * (double)n * sizeof(float) / t / 1e9 : 0.0;
        if (rl_dist_rank() == 0) printf("%12zu %12.1f %14.3f  %s\n", n, t * 1e6, bus, sizes[i].what);
    }
    free(x);
    rl_dist_finalize();
    return 0;
}
