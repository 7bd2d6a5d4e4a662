/* rlc bench: an off-policy agent (dqn, qrdqn, c51, sac) from a config over several seeds.
 *
 * Usage: bench_offpolicy CONFIG [N_SEEDS] [--set k=v]...
 * Prints, per seed and as medians: wall-clock seconds of the whole run (training; the final
 * evaluation is timed apart), steps per second, the best periodic evaluation, the final
 * deterministic evaluation (log.eval_episodes episodes) and the first step where an evaluation
 * reached the env's reward threshold (if it has one). One thread for BLAS; the agent's own
 * threads as the config says. No limits are asserted: this prints figures. */
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

static double median(const double *v, int n)
{
    double t[100];
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* best evaluation and the first evaluation step reaching threshold, from run_dir/eval.csv */
static void read_evals(const char *run_dir, double threshold, double *best, double *first_step)
{
    char path[512], line[256];
    snprintf(path, sizeof path, "%s/eval.csv", run_dir);
    *best = -INFINITY;
    *first_step = INFINITY;
    FILE *fp = fopen(path, "r");
    if (!fp) return;
    if (!fgets(line, sizeof line, fp)) line[0] = '\0';
    while (fgets(line, sizeof line, fp)) {
        double step, ret;
        if (sscanf(line, "%lf,%lf", &step, &ret) != 2) continue;
        if (ret > *best) *best = ret;
        if (!isnan(threshold) && ret >= threshold && step < *first_step) *first_step = step;
    }
    fclose(fp);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_offpolicy CONFIG [N_SEEDS] [--set k=v]...\n");
        return 2;
    }
    const char *config = argv[1];
    int n_seeds = argc > 2 && argv[2][0] != '-' ? atoi(argv[2]) : 5;
    if (n_seeds < 1 || n_seeds > 100) n_seeds = 5;
    const char *sets[40];
    int n_sets = 0;
    for (int i = 2; i < argc && n_sets < 36; i++)
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) sets[n_sets++] = argv[++i];
    char seed_set[32];
    sets[n_sets++] = seed_set;
    sets[n_sets++] = "log.checkpoint_interval=0";
    sets[n_sets++] = "log.progress=false";

    double wall[100], sps[100], best[100], final[100], reach[100];
    rl_config cfg;
    char err[1024];
    snprintf(seed_set, sizeof seed_set, "seed=1");
    if (rl_config_load(&cfg, config, sets, n_sets, err, sizeof err) != RL_OK) {
        fprintf(stderr, "bench_offpolicy: %s\n", err);
        return 1;
    }
    const env_def *def = env_find(cfg.env.id);
    double threshold = def ? def->reward_threshold : NAN;
    printf("%s on %s, %s, %lld steps, %d seeds, eval %lld episodes every %lld steps\n", cfg.root.algo,
           cfg.env.id, config, (long long)cfg.root.total_steps, n_seeds, (long long)cfg.log.eval_episodes,
           (long long)cfg.log.eval_interval);
    for (int i = 0; i < n_sets - 3; i++) printf("  --set %s\n", sets[i]);
    printf("%-6s %9s %10s %11s %11s %14s\n", "seed", "wall_s", "steps/s", "best_eval", "final_eval",
           "step>=thresh");
    fflush(stdout);
    for (int s = 0; s < n_seeds; s++) {
        snprintf(seed_set, sizeof seed_set, "seed=%d", s + 1);
        if (rl_config_load(&cfg, config, sets, n_sets, err, sizeof err) != RL_OK) {
            fprintf(stderr, "bench_offpolicy: %s\n", err);
            return 1;
        }
        char run_dir[256];
        snprintf(run_dir, sizeof run_dir, "/tmp/rlc_bench_off_%d_seed%d", (int)getpid(), s + 1);
        FILE *devnull = fopen("/dev/null", "w");
        trainer_opts opts = {.run_dir = run_dir, .quiet = true, .out = devnull};
        trainer_result res;
        rl_status st = trainer_run(&cfg, &opts, &res, err, sizeof err);
        if (devnull) fclose(devnull);
        if (st != RL_OK) {
            fprintf(stderr, "bench_offpolicy: seed %d: %s\n", s + 1, err);
            return 1;
        }
        wall[s] = res.wall_s;
        sps[s] = res.sps;
        final[s] = res.eval_mean;
        read_evals(run_dir, threshold, &best[s], &reach[s]);
        printf("%-6d %9.2f %10.0f %11.1f %11.1f %14.0f\n", s + 1, wall[s], sps[s], best[s], final[s], reach[s]);
        fflush(stdout);
    }
    printf("%-6s %9.2f %10.0f %11.1f %11.1f %14.0f\n", "median", median(wall, n_seeds), median(sps, n_seeds),
           median(best, n_seeds), median(final, n_seeds), median(reach, n_seeds));
    return 0;
}
