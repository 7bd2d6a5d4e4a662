/* rlc bench: the on-policy agents (reinforce, a2c, ppo) on any config over N seeds.
 *
 * Usage: bench_onpolicy CONFIG [N_SEEDS] [section.key=value ...]
 * Prints, per seed and as medians: environment steps per second, training wall-clock seconds,
 * the step and seconds at which the mean return of the last 10 training episodes first reached
 * the env's registered reward threshold (inf if never or if the env has none), and the final
 * deterministic evaluation (log.eval_episodes episodes). Seeds are 1..N. No limits are asserted:
 * this prints figures. Runs go to /tmp/rlc_bench_onp_<pid>_seed<k>. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train/trainer.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *in, int n)
{
    double v[100];
    memcpy(v, in, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_onpolicy CONFIG [N_SEEDS] [section.key=value ...]\n");
        return 2;
    }
    const char *config = argv[1];
    int n_seeds = argc > 2 ? atoi(argv[2]) : 5;
    if (n_seeds < 1 || n_seeds > 100) n_seeds = 5;
    double sps[100], wall[100], tthr[100], sthr[100], ev[100];
    int n_ok = 0;
    printf("%s, %d seeds, 1 thread\n", config, n_seeds);
    printf("%-6s %10s %9s %12s %12s %12s\n", "seed", "steps/s", "wall s", "steps to thr", "s to thr", "final eval");
    for (int s = 0; s < n_seeds; s++) {
        char seed_set[32], run_dir[256], err[1024];
        snprintf(seed_set, sizeof seed_set, "seed=%d", s + 1);
        const char *sets[64] = {seed_set, "log.return_window=10", "log.checkpoint_interval=0", "log.progress=false"};
        int n_sets = 4;
        for (int a = 3; a < argc && n_sets < 64; a++) sets[n_sets++] = argv[a];
        rl_config cfg;
        if (rl_config_load(&cfg, config, sets, n_sets, err, sizeof err) != RL_OK) {
            fprintf(stderr, "bench_onpolicy: %s\n", err);
            return 1;
        }
        snprintf(run_dir, sizeof run_dir, "/tmp/rlc_bench_onp_%d_seed%d", (int)getpid(), s + 1);
        trainer_opts opts = {.run_dir = run_dir, .quiet = true};
        trainer_result res;
        if (trainer_run(&cfg, &opts, &res, err, sizeof err) != RL_OK) {
            fprintf(stderr, "bench_onpolicy: seed %d: %s\n", s + 1, err);
            return 1;
        }
        sps[s] = res.sps;
        wall[s] = res.wall_s;
        tthr[s] = res.threshold_step >= 0 ? res.threshold_wall_s : INFINITY;
        sthr[s] = res.threshold_step >= 0 ? (double)res.threshold_step : INFINITY;
        ev[s] = res.eval_mean;
        n_ok++;
        printf("%-6d %10.0f %9.2f %12.0f %12.2f %12.1f\n", s + 1, sps[s], wall[s], sthr[s], tthr[s], ev[s]);
        fflush(stdout);
    }
    printf("%-6s %10.0f %9.2f %12.0f %12.2f %12.1f\n", "median", median(sps, n_ok), median(wall, n_ok),
           median(sthr, n_ok), median(tthr, n_ok), median(ev, n_ok));
    double mean = 0;
    for (int s = 0; s < n_ok; s++) mean += ev[s];
    double lo = ev[0];
    for (int s = 1; s < n_ok; s++) lo = ev[s] < lo ? ev[s] : lo;
    printf("final eval: mean %.1f, worst %.1f\n", mean / n_ok, lo);
    return 0;
}
