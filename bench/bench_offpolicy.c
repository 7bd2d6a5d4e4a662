/* rlc bench: an off-policy agent (dqn, qrdqn, c51, sac) from a config over several seeds.
 *
 * Usage: bench_offpolicy CONFIG [N_SEEDS] [--updates N] [--set k=v]...
 * With --updates N: the agent's update alone (dqn, qrdqn, c51; e.g. DQN on MinAtar with the
 * minatar encoder, configs/zoo/dqn_minatar_breakout_v1.yaml): its replay filled with
 * learning_starts exploring steps of the env, then N environment steps of learn() with no env step
 * between them (train_frequency 1: N updates, each a minibatch sampled, the target network's
 * pass, the online forward and backward through encoder and MLP, Adam), timed over 3 rounds;
 * prints updates per second of wall-clock and of the process's CPU time (the figure to read on a
 * shared machine) and the microseconds of one update (the median round).
 * Otherwise prints, per seed and as medians: wall-clock seconds of the whole run (training; the final
 * evaluation is timed apart), steps per second, the best periodic evaluation, the final
 * deterministic evaluation (log.eval_episodes episodes) and the first step where an evaluation
 * reached the env's reward threshold (if it has one). One thread for BLAS; the agent's own
 * threads as the config says. No limits are asserted: this prints figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* an agent of cfg whose replay holds learning_starts exploring steps of its env */
static void *filled_agent(const rl_config *cfg, const agent_algo *a, env_vec *v, int64_t steps)
{
    char err[1024];
    void *ag = NULL;
    if (env_vec_make(v, cfg->env.id, (int)cfg->env.num_envs, 0, err, sizeof err) != RL_OK ||
        a->create(&ag, cfg, &v->obs_space, &env_find(cfg->env.id)->act_space, v->n, err, sizeof err) != RL_OK) {
        fprintf(stderr, "bench_offpolicy: %s\n", err);
        exit(1);
    }
    env_vec_reset(v, 1);
    float act[4096];
    for (int64_t t = 0; t < steps; t += v->n) {
        a->act(ag, v->obs, v->n, act, true);
        env_vec_step(v, act);
        a->observe(ag, v);
    }
    return ag;
}

/* --updates: learn() alone, n_updates environment steps of it, 3 rounds */
static int bench_updates(const rl_config *cfg, const char *config, long n_updates)
{
    const agent_algo *a = agent_find(cfg->root.algo);
    int64_t start = *(const int64_t *)rl_config_get(cfg, "dqn.learning_starts");
    env_vec v;
    void *ag = filled_agent(cfg, a, &v, start);
    double stats[64], per[3], cpu[3];
    int64_t step = start;
    printf("%s on %s (%s), network.encoder %s, hidden %d layers, batch %lld: learn() alone\n", cfg->root.algo,
           cfg->env.id, config, cfg->network.encoder, cfg->network.hidden.n,
           (long long)*(const int64_t *)rl_config_get(cfg, "dqn.batch_size"));
    for (int r = 0; r < 3; r++) {
        double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        for (long i = 0; i < n_updates; i++) a->learn(ag, &v, step += v.n, cfg->root.total_steps, stats);
        per[r] = (clock_s(CLOCK_MONOTONIC) - t0) / (double)n_updates;
        cpu[r] = (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0) / (double)n_updates;
        printf("  round %d: %ld updates in %.2f s (%.2f s of CPU): %.0f updates/s, %.0f per CPU second\n", r + 1,
               n_updates, per[r] * n_updates, cpu[r] * n_updates, 1.0 / per[r], 1.0 / cpu[r]);
    }
    double m = median(per, 3), mc = median(cpu, 3);
    printf("median: %.0f updates/s (%.0f us per update), %.0f per CPU second (%.0f us of CPU) (kernel %s, %s)\n",
           1.0 / m, 1e6 * m, 1.0 / mc, 1e6 * mc, nn_blas_kernel(), nn_gemm_library());
    a->destroy(ag);
    env_vec_free(&v);
    return 0;
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
    long n_updates = 0;
    for (int i = 2; i < argc && n_sets < 36; i++) {
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) sets[n_sets++] = argv[++i];
        else if (strcmp(argv[i], "--updates") == 0 && i + 1 < argc) n_updates = atol(argv[++i]);
    }
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
    if (n_updates > 0) return bench_updates(&cfg, config, n_updates);
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
