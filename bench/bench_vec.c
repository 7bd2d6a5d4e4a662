/* rlc bench: the C side of bench/bench_python.py -- steps per second of one vector env
 * (env_vec_step with same-step autoreset) under uniformly random actions, for comparison with
 * the same vector env driven from Python (rlc.make_vec) and with Gymnasium's.
 *
 * usage: bench_vec ENV_ID N_COPIES [SECONDS (default 1)] [THREADS (default 1)] [VECTOR_STEPS]
 * With VECTOR_STEPS > 0 it takes exactly that many vector steps after the warm-up instead of
 * running for SECONDS (for instruction counts under valgrind, which no load disturbs).
 * Prints one line: "<env id> <copies> <steps/s> <steps per CPU second>" (environment steps:
 * vector steps x copies; CPU seconds of the process, which a machine shared with other jobs
 * disturbs less than wall-clock seconds). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "envs/env.h"

static double now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* random actions (n, act_dim): Discrete uniform, Box uniform within its (finite) bounds, a
 * MultiDiscrete / MultiBinary component uniform over its choices */
static void random_actions(const env_space *s, int n, rl_rng *rng, float *a)
{
    int d = env_space_dim(s);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            a[i * d + j] = env_space_is_multi(s) ? (float)rl_rng_below(rng, (uint32_t)env_space_choices(s, j))
                           : s->kind == ENV_SPACE_DISCRETE
                               ? (float)rl_rng_below(rng, (uint32_t)s->n)
                               : (float)rl_rng_uniform(rng, isfinite(s->low[j]) ? s->low[j] : -1.0,
                                                       isfinite(s->high[j]) ? s->high[j] : 1.0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_vec ENV_ID N_COPIES [SECONDS] [THREADS] [VECTOR_STEPS]\n");
        return 2;
    }
    int n = atoi(argv[2]), threads = argc > 4 ? atoi(argv[4]) : 1;
    double budget = argc > 3 ? atof(argv[3]) : 1.0;
    long fixed = argc > 5 ? atol(argv[5]) : -1;
    char err[1024];
    env_vec v;
    if (env_vec_make(&v, argv[1], n, 0, err, sizeof err) != RL_OK ||
        env_vec_set_threads(&v, threads, err, sizeof err) != RL_OK) {
        fprintf(stderr, "bench_vec: %s\n", err);
        return 1;
    }
    const env_space *as = &v.envs[0].def->act_space;
    float *actions = calloc((size_t)n * v.act_dim, sizeof(float));
    rl_rng rng;
    rl_rng_seed(&rng, 1, 7);
    env_vec_reset(&v, 0);
    for (int k = 0; k < 100; k++) {   /* warm-up */
        random_actions(as, n, &rng, actions);
        env_vec_step(&v, actions);
    }
    long steps = 0;
    double t0 = now(CLOCK_MONOTONIC), t = t0, c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    for (long k = 0; k < fixed; k++) {
        random_actions(as, n, &rng, actions);
        env_vec_step(&v, actions);
        steps += n;
    }
    while (fixed < 0 && t - t0 < budget) {
        for (int k = 0; k < 16; k++) {
            random_actions(as, n, &rng, actions);
            env_vec_step(&v, actions);
        }
        steps += 16L * n;
        t = now(CLOCK_MONOTONIC);
    }
    t = now(CLOCK_MONOTONIC);
    double cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("%s %d %.0f %.0f\n", argv[1], n, (double)steps / (t - t0), (double)steps / cpu);
    free(actions);
    env_vec_free(&v);
    return 0;
}
