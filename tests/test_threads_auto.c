/* `auto` thread counts (core/cpus.h, core/config.c): what auto resolves to under a restricted CPU
 * affinity, RLC_CPUS and an MPI job's ranks on the node; the resolved config recording the count
 * used; the fallback to 1 where an algorithm refuses 2; rlc ablate giving each worker its share
 * of the CPUs; and a run with auto being the run with 1. Each Criterion test runs in its own
 * process, so the affinity and environment set here stay in it. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/cpus.h"
#include "research/ablation.h"
#include "tests/helpers/testutil.h"
#include "train/trainer.h"

#define SAC_PENDULUM RLC_SOURCE_DIR "/configs/sac_pendulum.yaml"
#define PPO_CARTPOLE RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"

static void clear_cpu_env(void)
{
    unsetenv(RL_CPUS_ENV);
    unsetenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    unsetenv("MPI_LOCALNRANKS");
}

/* this process on its first allowed CPU only */
static void pin_to_one_cpu(void)
{
    cpu_set_t set, one;
    cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) {
            CPU_SET(c, &one);
            break;
        }
    cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
}

static int affinity_count(void)
{
    cpu_set_t set;
    cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
    return CPU_COUNT(&set);
}

static int64_t min3(int64_t a, int64_t b, int64_t c) { return a < b ? (a < c ? a : c) : (b < c ? b : c); }

Test(threads_auto, one_cpu_of_affinity_gives_one_thread)
{
    clear_cpu_env();
    pin_to_one_cpu();
    cr_assert_eq(rl_cpus_of_process(), 1);
    rl_config cfg;
    const char *sets[] = {"env.num_envs=4", "env.threads=auto"};
    rlt_load_config(&cfg, SAC_PENDULUM, sets, 2);
    cr_assert_eq(RLT_I64(&cfg, "sac.threads"), 1);
    cr_assert_eq(cfg.env.threads, 1);
}

/* the whole affinity mask: min(its CPUs, 2) twin threads, min(its CPUs, num_envs) env threads
 * (env.threads defaults to 1 and takes auto when asked) */
Test(threads_auto, default_is_the_affinity_mask)
{
    clear_cpu_env();
    int n = affinity_count();
    rl_config cfg;
    const char *sets[] = {"env.num_envs=3", "env.threads=auto"};
    rlt_load_config(&cfg, SAC_PENDULUM, sets, 2);
    cr_assert_eq(RLT_I64(&cfg, "sac.threads"), n < 2 ? n : 2);
    cr_assert_eq(cfg.env.threads, min3(n, 3, 256));
}

Test(threads_auto, rlc_cpus_and_mpi_ranks_on_the_node)
{
    clear_cpu_env();
    int n = affinity_count();
    setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "2", 1);
    cr_assert_eq(rl_cpus_of_process(), n / 2 > 1 ? n / 2 : 1);
    setenv(RL_CPUS_ENV, "3", 1);   /* a parent's share wins over the mask and the ranks */
    int c = 0;
    char err[256];
    cr_assert_eq(rl_cpus_usable(&c, err, sizeof err), RL_OK);
    cr_assert_eq(c, 3);
    rl_config cfg;
    const char *sets[] = {"env.num_envs=8", "env.threads=auto"};
    rlt_load_config(&cfg, SAC_PENDULUM, sets, 2);
    cr_assert_eq(RLT_I64(&cfg, "sac.threads"), 2);
    cr_assert_eq(cfg.env.threads, 3);
    setenv(RL_CPUS_ENV, "two", 1);
    cr_assert_eq(rl_config_load(&cfg, SAC_PENDULUM, NULL, 0, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, RL_CPUS_ENV) && strstr(err, "'two'"), "%s", err);
}

/* the dump writes the number, and reading it back elsewhere keeps it: a copy of config.yaml or a
 * resumed run uses the same counts */
Test(threads_auto, resolved_config_records_the_count)
{
    clear_cpu_env();
    setenv(RL_CPUS_ENV, "2", 1);
    rl_config cfg, back;
    const char *sets[] = {"env.num_envs=4", "sac.threads=auto", "env.threads=auto"};
    rlt_load_config(&cfg, SAC_PENDULUM, sets, 3);
    char *dump = rl_config_dump_string(&cfg);
    cr_assert(!strstr(dump, "threads: auto") && strstr(dump, "threads: 2"), "%s", dump);
    setenv(RL_CPUS_ENV, "1", 1);
    char err[1024];
    cr_assert_eq(rl_config_load_string(&back, dump, "config.yaml", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(RLT_I64(&back, "sac.threads"), 2);
    cr_assert_eq(back.env.threads, 2);
    free(dump);
}

Test(threads_auto, auto_is_read_and_zero_is_refused)
{
    clear_cpu_env();
    setenv(RL_CPUS_ENV, "1", 1);
    rl_config cfg;
    char err[1024];
    const char *zero[] = {"ppo.threads=0"};
    cr_assert_eq(rl_config_load(&cfg, PPO_CARTPOLE, zero, 1, err, sizeof err), RL_ERR_CONFIG);
    cr_assert(strstr(err, "ppo.threads") && strstr(err, "1..2 or auto"), "%s", err);
    const char *word[] = {"td3.threads=many"};
    cr_assert_eq(rl_config_load(&cfg, PPO_CARTPOLE, word, 1, err, sizeof err), RL_ERR_CONFIG);
    cr_assert(strstr(err, "td3.threads") && strstr(err, "'many'"), "%s", err);
}

/* ppo.threads: 2 needs separate networks: auto falls back to 1 with a shared trunk (and so with
 * recurrent PPO), and a written 2 is still refused */
Test(threads_auto, refused_two_falls_back_to_one)
{
    clear_cpu_env();
    setenv(RL_CPUS_ENV, "2", 1);
    rl_config cfg;
    const char *sep[] = {"network.shared=false"};
    rlt_load_config(&cfg, PPO_CARTPOLE, sep, 1);
    cr_assert_eq(RLT_I64(&cfg, "ppo.threads"), 2);
    const char *shared[] = {"network.shared=true", "env.threads=auto"};
    rlt_load_config(&cfg, PPO_CARTPOLE, shared, 2);
    cr_assert_eq(RLT_I64(&cfg, "ppo.threads"), 1);
    cr_assert_eq(cfg.env.threads, 2, "env.threads keeps its own count");
    const char *rec[] = {"network.shared=true", "recurrent.type=lstm"};
    rlt_load_config(&cfg, PPO_CARTPOLE, rec, 2);
    cr_assert_eq(RLT_I64(&cfg, "ppo.threads"), 1);
    char err[1024];
    cr_assert_eq(rlt_config_and_agent("algo: ppo\nenv: {id: CartPole-v1, num_envs: 4}\nppo: {num_steps: 32}\n"
                                      "network: {shared: true}\nrecurrent: {type: lstm}\n", err, sizeof err),
                 RL_OK, "%s", err);
    rlt_expect_config_error("algo: ppo\nenv: {id: CartPole-v1, num_envs: 4}\nppo: {num_steps: 32, threads: 2}\n"
                            "network: {shared: true}\n", "ppo.threads", "separate", NULL);
}

/* a run with auto (2 here, whatever the machine) is the run with 1 */
Test(threads_auto, auto_gives_the_run_of_one_thread)
{
    clear_cpu_env();
    setenv(RL_CPUS_ENV, "2", 1);
    const char *base[] = {"total_steps=1200", "log.eval_interval=600", "log.eval_episodes=2", "log.log_interval=300",
                          "env.num_envs=2", "log.progress=false"};
    char dirs[2][256], *text[2][2];
    for (int k = 0; k < 2; k++) {
        const char *sets[8];
        int n = 0;
        for (int i = 0; i < 6; i++) sets[n++] = base[i];
        sets[n++] = k ? "sac.threads=1" : "sac.threads=auto";
        sets[n++] = k ? "env.threads=1" : "env.threads=auto";
        rl_config cfg;
        rlt_load_config(&cfg, SAC_PENDULUM, sets, n);
        cr_assert_eq(RLT_I64(&cfg, "sac.threads"), k ? 1 : 2);
        cr_assert_eq(cfg.env.threads, k ? 1 : 2);
        rlt_tmp_dir(dirs[k], sizeof dirs[k], k ? "one" : "auto");
        trainer_opts o = {.run_dir = dirs[k], .quiet = true};
        trainer_result r;
        char err[1024], path[400];
        cr_assert_eq(trainer_run(&cfg, &o, &r, err, sizeof err), RL_OK, "%s", err);
        const char *files[] = {"eval.csv", "metrics.csv"};
        for (int f = 0; f < 2; f++) {
            snprintf(path, sizeof path, "%s/%s", dirs[k], files[f]);
            text[k][f] = rlt_read_file(path);
        }
    }
    cr_assert(strlen(text[0][0]) > 40, "%s", text[0][0]);
    cr_assert_str_eq(text[0][0], text[1][0], "eval.csv differs");
    cr_assert_str_eq(text[0][1], text[1][1], "metrics.csv differs");
    for (int k = 0; k < 2; k++) free(text[k][0]), free(text[k][1]);
}

static int64_t run_key(const char *run_dir, const char *key)
{
    char path[700];
    snprintf(path, sizeof path, "%.600s/config.yaml", run_dir);
    rl_config cfg;
    rlt_load_config(&cfg, path, NULL, 0);
    return RLT_I64(&cfg, key);
}

/* rlc ablate --jobs 2 with 2 CPUs: each worker gets RLC_CPUS=1, so the runs' auto counts are 1 */
Test(threads_auto, ablate_workers_get_their_share)
{
    clear_cpu_env();
    setenv(RL_CPUS_ENV, "2", 1);
    cr_assert_eq(ablation_worker_cpus(2), 1);
    cr_assert_eq(ablation_worker_cpus(1), 2);
    cr_assert_eq(ablation_worker_cpus(8), 1);
    char dir[256], path[300], cmd[1200], out[16384], run[600];
    rlt_tmp_mkdir(dir, sizeof dir, "abl");
    snprintf(path, sizeof path, "%s/grid.yaml", dir);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fprintf(fp, "name: grid\nbase: %s\nseeds: [1, 2]\n"
                "set: {total_steps: 256, env.num_envs: 4, ppo.num_steps: 32, log.log_interval: 128, "
                "log.eval_interval: 0, log.eval_episodes: 1, env.threads: auto}\naxes:\n  ppo.ent_coef: [0.0]\n", PPO_CARTPOLE);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "%s ablate %s --jobs 2 --runs-dir %s/runs 2>&1", RLC_BINARY, path, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    for (int s = 1; s <= 2; s++) {
        snprintf(run, sizeof run, "%s/runs/grid/ent_coef=0.0/seed_%d", dir, s);
        cr_assert_eq(run_key(run, "ppo.threads"), 1, "%s", run);
        cr_assert_eq(run_key(run, "env.threads"), 1, "%s", run);
    }
}
