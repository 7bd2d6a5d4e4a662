/* rlc bench: throughput of the MuJoCo tasks against raw MuJoCo.
 *
 * For every task: env steps per second through the env_def (ctrl, frame_skip mj_steps,
 * mj_rnePostConstraint, reward, health check, observation, resets on termination and at the
 * time limit) under uniform random actions, versus the raw rate of the same model: the same
 * actions written to d->ctrl and mj_step called frame_skip times per step, with mj_resetData +
 * mj_forward at the same steps where the env reset (so both visit similar states). Actions are
 * drawn beforehand, so neither loop pays for the RNG. Each measurement is repeated and the best
 * run kept (the machine is shared); the ratio env / raw is the figure of merit (target >= 90%).
 *
 * Usage: bench_mujoco [seconds per run, default 0.2] [id substring filter] */
#include <mujoco/mujoco.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envs/mujoco/mujoco_envs.h"

#define NACT 4096      /* pre-drawn actions, reused cyclically */
#define REPEATS 5

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs n env steps; records at which steps the env was reset (resets[], *nresets). */
static double run_env(const env_def *def, void *s, rl_rng *rng, const float *acts, int n,
                      int *resets, int *nresets)
{
    int adim = def->act_space.dim, len = 0;
    float obs[ENV_MAX_DIM], reward;
    bool term, trunc;
    *nresets = 0;
    def->reset(s, rng, obs);
    double t0 = now();
    for (int t = 0; t < n; t++) {
        def->step(s, rng, acts + (size_t)(t % NACT) * adim, obs, &reward, &term, &trunc);
        if (term || trunc || ++len >= def->max_episode_steps) {
            def->reset(s, rng, obs);
            resets[(*nresets)++] = t;
            len = 0;
        }
    }
    return now() - t0;
}

static double run_raw(const mjModel *m, mjData *d, int frame_skip, const float *acts, int n,
                      const int *resets, int nresets)
{
    int r = 0;
    mj_resetData(m, d);
    mj_forward(m, d);
    double t0 = now();
    for (int t = 0; t < n; t++) {
        const float *a = acts + (size_t)(t % NACT) * m->nu;
        for (int i = 0; i < m->nu; i++)
            d->ctrl[i] = a[i];
        for (int k = 0; k < frame_skip; k++)
            mj_step(m, d);
        if (r < nresets && resets[r] == t) {
            mj_resetData(m, d);
            mj_forward(m, d);
            r++;
        }
    }
    return now() - t0;
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 0.2;
    const char *filter = argc > 2 ? argv[2] : NULL;
    if (budget <= 0)
        budget = 0.2;
    int ndefs = 0;
    const env_def *const *defs = env_mujoco_defs(&ndefs);
    printf("MuJoCo %s, %g s per run, best of %d\n", mj_versionString(), budget, REPEATS);
    printf("%-27s %5s %14s %14s %7s %9s\n", "task", "skip", "env steps/s", "raw steps/s",
           "ratio", "warnings");
    int below = 0;
    for (int i = 0; i < ndefs; i++) {
        const env_def *def = defs[i];
        if (filter && !strstr(def->id, filter))
            continue;
        void *s = calloc(1, def->state_size);
        if (def->params) memcpy(s, def->params, def->params_size);   /* as env_make does */
        char err[512];
        if (def->init(s, err, sizeof err) != RL_OK) {
            printf("%-27s init failed: %s\n", def->id, err);
            free(s);
            continue;
        }
        const mjModel *m = env_mujoco_model(s);
        mjData *d = mj_makeData(m);
        int skip = env_mujoco_frame_skip(s);
        int adim = def->act_space.dim;
        rl_rng rng;
        rl_rng_seed(&rng, 1, (uint64_t)i);
        float *acts = malloc(sizeof(float) * NACT * (size_t)adim);
        for (int k = 0; k < NACT * adim; k++)
            acts[k] = (float)rl_rng_uniform(&rng, def->act_space.low[k % adim],
                                            def->act_space.high[k % adim]);

        /* calibrate the step count to the time budget */
        int n = 200;
        int *resets = malloc(sizeof(int) * (size_t)n);
        int nres;
        double t = run_env(def, s, &rng, acts, n, resets, &nres);
        n = (int)(budget / (t / n > 1e-9 ? t / n : 1e-9));
        if (n < 200)
            n = 200;
        free(resets);
        resets = malloc(sizeof(int) * (size_t)n);

        double best_env = 1e30, best_raw = 1e30;
        for (int r = 0; r < REPEATS; r++) {
            double te = run_env(def, s, &rng, acts, n, resets, &nres);
            double tr = run_raw(m, d, skip, acts, n, resets, nres);
            if (te < best_env)
                best_env = te;
            if (tr < best_raw)
                best_raw = tr;
        }
        double env_rate = n / best_env, raw_rate = n / best_raw;
        double ratio = env_rate / raw_rate;
        below += ratio < 0.9;
        printf("%-27s %5d %14.0f %14.0f %6.1f%% %9llu\n", def->id, skip, env_rate, raw_rate,
               100.0 * ratio, (unsigned long long)env_mujoco_warnings(s));
        fflush(stdout);
        free(resets);
        free(acts);
        mj_deleteData(d);
        def->close(s);
        free(s);
    }
    printf("%d task(s) below 90%%\n", below);
    return 0;
}
