/* rlc bench: environment throughput under uniformly random actions -- steps per second of each
 * registered environment as a single instance (env_step + reset on done) and as a vector env
 * (env_vec_step with same-step autoreset) on 1 and 2 threads.
 *
 * usage: bench_envs [seconds_per_case (default 0.5)] [n_copies (default 16)] [env id ...] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envs/env.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* one random action of space s into a (env_space_dim floats) */
static void random_action(const env_space *s, rl_rng *rng, float *a)
{
    if (s->kind == ENV_SPACE_DISCRETE) {
        a[0] = (float)rl_rng_below(rng, (uint32_t)s->n);
        return;
    }
    if (env_space_is_multi(s)) {   /* MultiDiscrete / MultiBinary: a uniform choice per component */
        for (int d = 0; d < s->dim; d++) a[d] = (float)rl_rng_below(rng, (uint32_t)env_space_choices(s, d));
        return;
    }
    for (int d = 0; d < s->dim; d++) {
        double lo = isfinite(s->low[d]) ? s->low[d] : -1.0, hi = isfinite(s->high[d]) ? s->high[d] : 1.0;
        a[d] = (float)rl_rng_uniform(rng, lo, hi);
    }
}

static double bench_single(const env_def *def, double budget)
{
    env_instance e;
    char err[256];
    if (env_make(&e, def->id, 0, err, sizeof(err)) != RL_OK) {
        fprintf(stderr, "%s: %s\n", def->id, err);
        return NAN;
    }
    int od = env_space_dim(&def->obs_space), ad = env_space_dim(&def->act_space);
    float *obs = calloc((size_t)od, sizeof(float)), *act = calloc((size_t)ad, sizeof(float));
    rl_rng rng;
    rl_rng_seed(&rng, 1, 7);
    env_reset(&e, 0, obs);
    long steps = 0;
    double t0 = now(), t = t0;
    while (t - t0 < budget) {
        for (int k = 0; k < 1000; k++) {
            float r;
            bool term, trunc;
            random_action(&def->act_space, &rng, act);
            env_step(&e, act, obs, &r, &term, &trunc);
            if (term || trunc) env_reset(&e, -1, obs);
        }
        steps += 1000;
        t = now();
    }
    free(obs);
    free(act);
    env_close(&e);
    return (double)steps / (t - t0);
}

static double bench_vec(const env_def *def, int n, int threads, double budget)
{
    env_vec v;
    char err[256];
    if (env_vec_make(&v, def->id, n, 0, err, sizeof(err)) != RL_OK ||
        env_vec_set_threads(&v, threads, err, sizeof(err)) != RL_OK) {
        fprintf(stderr, "%s: %s\n", def->id, err);
        env_vec_free(&v);
        return NAN;
    }
    float *act = calloc((size_t)n * v.act_dim, sizeof(float));
    rl_rng rng;
    rl_rng_seed(&rng, 2, 7);
    env_vec_reset(&v, 0);
    long steps = 0;
    double t0 = now(), t = t0;
    while (t - t0 < budget) {
        for (int k = 0; k < 100; k++) {
            for (int i = 0; i < n; i++) random_action(&def->act_space, &rng, act + (size_t)i * v.act_dim);
            env_vec_step(&v, act);
        }
        steps += 100L * n;
        t = now();
    }
    free(act);
    env_vec_free(&v);
    return (double)steps / (t - t0);
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 0.5;
    int n = argc > 2 ? atoi(argv[2]) : 16;
    if (!(budget > 0) || n < 1) {
        fprintf(stderr, "usage: %s [seconds_per_case] [n_copies] [env id ...]\n", argv[0]);
        return 2;
    }
    int n_defs = 0;
    const env_def *const *defs = env_list(&n_defs);
    printf("environment throughput, random actions, %.2f s per case (steps/s)\n", budget);
    char h1[32], h2[32];
    snprintf(h1, sizeof(h1), "vec x%d 1 thr", n);
    snprintf(h2, sizeof(h2), "vec x%d 2 thr", n);
    printf("%-28s %14s %16s %16s\n", "env", "single", h1, h2);
    for (int k = 0; k < n_defs; k++) {
        const env_def *def = defs[k];
        if (argc > 3) {
            int wanted = 0;
            for (int a = 3; a < argc; a++) wanted |= strcmp(argv[a], def->id) == 0;
            if (!wanted) continue;
        }
        double s1 = bench_single(def, budget);
        double v1 = bench_vec(def, n, 1, budget);
        double v2 = bench_vec(def, n, 2, budget);
        printf("%-28s %14.0f %16.0f %16.0f\n", def->id, s1, v1, v2);
        fflush(stdout);
    }
    return 0;
}
