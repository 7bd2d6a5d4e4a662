/* rlc bench: the cost of observing an environment through its pixels (envs/pixels.h) -- steps per
 * second of one instance under alternating actions, as the state, as frames of several sizes
 * (grayscale and RGB) and with 4 frames stacked.
 *
 * usage: bench_pixels [seconds_per_case (default 0.5)] [env id (default CartPole-v1)] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "envs/env.h"
#include "envs/pixels.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* steps per second of def (a Discrete action space: actions alternate; a Box: zeros) */
static double bench_def(const env_def *def, double budget)
{
    env_instance e;
    char err[512];
    if (env_make_def(&e, def, 0, err, sizeof err) != RL_OK) {
        fprintf(stderr, "%s\n", err);
        return 0;
    }
    float *obs = calloc((size_t)env_space_dim(&def->obs_space), sizeof(float));
    float *act = calloc((size_t)env_space_dim(&def->act_space), sizeof(float));
    env_reset(&e, 0, obs);
    long steps = 0;
    double t0 = now(), t = t0;
    while (t - t0 < budget) {
        for (int k = 0; k < 100; k++, steps++) {
            float r;
            bool term, trunc;
            if (def->act_space.kind == ENV_SPACE_DISCRETE) act[0] = (float)(steps % def->act_space.n);
            env_step(&e, act, obs, &r, &term, &trunc);
            if (term || trunc) env_reset(&e, -1, obs);
        }
        t = now();
    }
    free(obs);
    free(act);
    env_close(&e);
    return (double)steps / (t - t0);
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 0.5;
    const env_def *base = env_find(argc > 2 ? argv[2] : "CartPole-v1");
    if (!base) {
        fprintf(stderr, "unknown environment\n");
        return 1;
    }
    printf("%-28s %12s %12s\n", base->id, "steps/s", "us/step");
    double sps = bench_def(base, budget);
    printf("%-28s %12.0f %12.2f\n", "state", sps, 1e6 / sps);
    const struct { int w, h; bool gray; int k; } cases[] = {
        {16, 16, true, 1}, {84, 84, true, 1}, {84, 84, false, 1}, {84, 84, true, 4}, {160, 160, false, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512], name[64];
        env_def *p = NULL, *s = NULL;
        const env_pixels_opts o = {cases[i].w, cases[i].h, cases[i].gray};
        if (env_pixels_def(base, &o, &p, err, sizeof err) != RL_OK ||
            (cases[i].k > 1 && env_frame_stack_def(p, cases[i].k, &s, err, sizeof err) != RL_OK)) {
            fprintf(stderr, "%s\n", err);
            free(p);
            return 1;
        }
        snprintf(name, sizeof name, "pixels %dx%d %s%s", cases[i].w, cases[i].h, cases[i].gray ? "gray" : "rgb",
                 cases[i].k > 1 ? " stack 4" : "");
        sps = bench_def(s ? s : p, budget);
        printf("%-28s %12.0f %12.2f\n", name, sps, 1e6 / sps);
        free(s);
        free(p);
    }
    return 0;
}
