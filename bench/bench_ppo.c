/* rlc bench: PPO on CartPole-v1 from configs/ppo_cartpole.yaml over 5 seeds.
 *
 * Prints, per seed and as medians: environment steps per second, the wall-clock seconds (and
 * steps) until the mean return of the last 10 training episodes first reaches 475, and the final
 * deterministic evaluation return. Usage: bench_ppo [CONFIG] [N_SEEDS]. No limits are asserted:
 * this prints figures. */
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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    const char *config = argc > 1 ? argv[1] : RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml";
    int n_seeds = argc > 2 ? atoi(argv[2]) : 5;
    if (n_seeds < 1 || n_seeds > 100) n_seeds = 5;
    double sps[100], t475[100], s475[100], ev[100];
    printf("PPO on CartPole-v1, %s, %d seeds, 1 thread\n", config, n_seeds);
    printf("%-6s %12s %14s %14s %12s\n", "seed", "steps/s", "s to 475", "steps to 475", "final eval");
    for (int s = 0; s < n_seeds; s++) {
        char seed_set[32], run_dir[256], err[1024];
        snprintf(seed_set, sizeof seed_set, "seed=%d", s + 1);
        const char *sets[] = {seed_set, "log.return_window=10", "log.eval_interval=0",
                              "log.checkpoint_interval=0"};
        rl_config cfg;
        if (rl_config_load(&cfg, config, sets, 4, err, sizeof err) != RL_OK) {
            fprintf(stderr, "bench_ppo: %s\n", err);
            return 1;
        }
        snprintf(run_dir, sizeof run_dir, "/tmp/rlc_bench_ppo_%d_seed%d", (int)getpid(), s + 1);
        trainer_opts opts = {.run_dir = run_dir, .quiet = true};
        trainer_result res;
        if (trainer_run(&cfg, &opts, &res, err, sizeof err) != RL_OK) {
            fprintf(stderr, "bench_ppo: seed %d: %s\n", s + 1, err);
            return 1;
        }
        sps[s] = res.sps;
        t475[s] = res.threshold_step >= 0 ? res.threshold_wall_s : INFINITY;
        s475[s] = res.threshold_step >= 0 ? (double)res.threshold_step : INFINITY;
        ev[s] = res.eval_mean;
        printf("%-6d %12.0f %14.2f %14.0f %12.1f\n", s + 1, sps[s], t475[s], s475[s], ev[s]);
        fflush(stdout);
    }
    printf("%-6s %12.0f %14.2f %14.0f %12.1f\n", "median", median(sps, n_seeds), median(t475, n_seeds),
           median(s475, n_seeds), median(ev, n_seeds));
    return 0;
}
