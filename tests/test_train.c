/* rlc tests: the trainer end to end with PPO on CartPole-v1: determinism, checkpoints
 * (round trip, corrupted files), resume after an interruption (in-process and by SIGINT), and
 * the learning test (a fixed seed must reach an evaluation return of 475). */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "train/trainer.h"
#include "tests/helpers/testutil.h"

#define CONFIG RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"

static void load_cfg(rl_config *cfg, const char *const *sets, int n)
{
    char err[1024];
    cr_assert_eq(rl_config_load(cfg, CONFIG, sets, n, err, sizeof err), RL_OK, "%s", err);
}

static void train(const rl_config *cfg, const char *dir, bool resume, trainer_result *res)
{
    char err[1024];
    trainer_opts o = {.run_dir = dir, .resume = resume, .quiet = true};
    rl_status st = trainer_run(cfg, &o, res, err, sizeof err);
    cr_assert_eq(st, RL_OK, "train %s: %s", dir, err);
}

static const char *small[] = {"total_steps=16384", "log.log_interval=2048", "log.eval_interval=8192",
                              "log.eval_episodes=3", "log.checkpoint_interval=8192"};

Test(train, same_seed_gives_identical_metrics)
{
    rl_config cfg;
    load_cfg(&cfg, small, 5);
    char a[256], b[256], pa[300], pb[300];
    rlt_tmp_dir(a, sizeof a, "detA");
    rlt_tmp_dir(b, sizeof b, "detB");
    trainer_result ra, rb;
    train(&cfg, a, false, &ra);
    train(&cfg, b, false, &rb);
    const char *files[] = {"metrics.csv", "eval.csv", "config.yaml"};
    for (int i = 0; i < 3; i++) {
        long la, lb;
        snprintf(pa, sizeof pa, "%s/%s", a, files[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[i]);
        char *fa = rlt_read_file_len(pa, &la), *fb = rlt_read_file_len(pb, &lb);
        cr_assert(la > 40, "%s is nearly empty", pa);
        cr_assert(la == lb && memcmp(fa, fb, (size_t)la) == 0, "%s and %s differ", pa, pb);
        free(fa);
        free(fb);
    }
    cr_assert_eq(ra.eval_mean, rb.eval_mean);

    /* a different seed gives a different run */
    const char *other[] = {"total_steps=16384", "log.log_interval=2048", "log.eval_interval=8192",
                           "log.eval_episodes=3", "log.checkpoint_interval=8192", "seed=2"};
    load_cfg(&cfg, other, 6);
    char c[256], pc[300];
    rlt_tmp_dir(c, sizeof c, "detC");
    trainer_result rc;
    train(&cfg, c, false, &rc);
    long la, lc;
    snprintf(pa, sizeof pa, "%s/metrics.csv", a);
    snprintf(pc, sizeof pc, "%s/metrics.csv", c);
    char *fa = rlt_read_file_len(pa, &la), *fc = rlt_read_file_len(pc, &lc);
    cr_assert(la != lc || memcmp(fa, fc, (size_t)la) != 0, "seed 1 and seed 2 gave the same metrics");
    free(fa);
    free(fc);
}

static void random_obs(float *obs, int n, unsigned seed)
{
    rl_rng r;
    rl_rng_seed(&r, seed, 0);
    for (int i = 0; i < n * 4; i++) obs[i] = (float)rl_rng_uniform(&r, -0.3, 0.3);
}

Test(train, checkpoint_round_trip_gives_identical_actions)
{
    rl_config cfg;
    load_cfg(&cfg, small, 5);
    char dir[256], err[1024];
    rlt_tmp_dir(dir, sizeof dir, "ckpt");
    trainer_result res;
    train(&cfg, dir, false, &res);

    rl_config c1, c2;
    const agent_algo *a1, *a2;
    void *g1, *g2;
    cr_assert_eq(trainer_load_agent(dir, &c1, &a1, &g1, err, sizeof err), RL_OK, "%s", err);
    char file[300];
    snprintf(file, sizeof file, "%s/checkpoint.safetensors", dir);
    cr_assert_eq(trainer_load_agent(file, &c2, &a2, &g2, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(c1.env.id, "CartPole-v1");
    cr_assert_eq(c1.root.total_steps, 16384);

    float obs[64 * 4], act1[64], act2[64];
    random_obs(obs, 64, 5);
    a1->act(g1, obs, 64, act1, false);
    a2->act(g2, obs, 64, act2, false);
    int n_right = 0;
    for (int i = 0; i < 64; i++) {
        cr_assert_eq(act1[i], act2[i], "action %d differs after reload", i);
        n_right += act1[i] == 1.0f;
    }
    cr_assert(n_right > 0 && n_right < 64, "a trained policy pushes both ways on varied states");
    /* and the loaded agent scores what the run's final evaluation scored */
    double mean, std;
    /* the run evaluated at 8192 (index 0) and at the end (index 1) */
    int64_t seed = (int64_t)(rl_seed_derive(1, 1000 + 1) & 0x3fffffff);
    cr_assert_eq(trainer_evaluate(a1, g1, &c1, 3, seed, &mean, &std, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(mean, res.eval_mean, "reloaded agent scores %g, run scored %g", mean, res.eval_mean);
    a1->destroy(g1);
    a2->destroy(g2);
}

static void expect_refused(const char *file, const char *what)
{
    rl_config c;
    const agent_algo *a;
    void *g = NULL;
    char err[1024] = "";
    rl_status st = trainer_load_agent(file, &c, &a, &g, err, sizeof err);
    cr_assert_neq(st, RL_OK, "%s checkpoint was accepted", what);
    cr_assert(strstr(err, file) != NULL, "%s: message does not name the file: %s", what, err);
    cr_assert_null(g);
}

Test(train, corrupted_checkpoints_are_refused)
{
    rl_config cfg;
    const char *tiny[] = {"total_steps=2048", "log.eval_episodes=1"};
    load_cfg(&cfg, tiny, 2);
    char dir[256], file[300], bad[300];
    rlt_tmp_dir(dir, sizeof dir, "corrupt");
    trainer_result res;
    train(&cfg, dir, false, &res);
    snprintf(file, sizeof file, "%s/checkpoint.safetensors", dir);
    long len;
    char *data = rlt_read_file_len(file, &len);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);

    FILE *fp = fopen(bad, "wb");   /* truncated */
    fwrite(data, 1, (size_t)len / 2, fp);
    fclose(fp);
    expect_refused(bad, "a truncated");

    fp = fopen(bad, "wb");         /* header length beyond the file */
    unsigned char hdr[8] = {0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0};
    fwrite(hdr, 1, 8, fp);
    fwrite(data + 8, 1, (size_t)len - 8, fp);
    fclose(fp);
    expect_refused(bad, "a bad header length");

    fp = fopen(bad, "wb");         /* garbage in the JSON header */
    fwrite(data, 1, (size_t)len, fp);
    fseek(fp, 9, SEEK_SET);
    fwrite("#!garbage", 1, 9, fp);
    fclose(fp);
    expect_refused(bad, "a garbled header");

    fp = fopen(bad, "wb");         /* a file of 3 bytes */
    fwrite("abc", 1, 3, fp);
    fclose(fp);
    expect_refused(bad, "a 3-byte");
    free(data);
}

Test(train, resume_continues_an_interrupted_run)
{
    /* stop at 8192 steps, then resume to 16384 */
    rl_config cfg;
    const char *first[] = {"total_steps=8192", "log.log_interval=2048", "log.eval_interval=4096",
                           "log.eval_episodes=2", "log.checkpoint_interval=4096"};
    load_cfg(&cfg, first, 5);
    char dir[256], path[300];
    rlt_tmp_dir(dir, sizeof dir, "resume");
    trainer_result res;
    train(&cfg, dir, false, &res);
    cr_assert_eq(res.steps, 8192);

    /* without --resume an existing run is refused, and left intact */
    char err[1024];
    trainer_opts o = {.run_dir = dir, .quiet = true};
    cr_assert_neq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "--resume") != NULL, "%s", err);

    const char *more[] = {"total_steps=16384", "log.log_interval=2048", "log.eval_interval=4096",
                          "log.eval_episodes=2", "log.checkpoint_interval=4096"};
    load_cfg(&cfg, more, 5);
    train(&cfg, dir, true, &res);
    cr_assert_eq(res.steps, 16384);
    long len;
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    char *csv = rlt_read_file_len(path, &len);
    /* every logged step appears once, in order */
    int rows = 0;
    double prev = -1;
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        double step = strtod(line + 1, NULL);
        cr_assert(step > prev, "metrics.csv steps out of order after resume: %g after %g", step, prev);
        prev = step;
        rows++;
    }
    cr_assert_eq(rows, 8, "expected 8 metric rows (2048..16384), got %d\n%s", rows, csv);
    free(csv);
}

Test(train, sigint_checkpoints_cleanly_and_resumes)
{
    char dir[256], cmd[1024], file[300];
    rlt_tmp_dir(dir, sizeof dir, "sigint");
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", 1);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(RLC_BINARY, "rlc", "train", CONFIG, "--run-dir", dir, "--set", "total_steps=100000000",
              "--set", "log.checkpoint_interval=0", (char *)NULL);
        _exit(127);
    }
    /* wait until the run has written its config, then interrupt it */
    snprintf(file, sizeof file, "%s/metrics.csv", dir);
    struct stat sb;
    for (int i = 0; i < 600 && stat(file, &sb) != 0; i++) usleep(50000);
    usleep(300000);
    kill(pid, SIGINT);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status), "rlc train did not exit by itself after SIGINT");
    cr_assert_eq(WEXITSTATUS(status), 130, "exit status %d after SIGINT", WEXITSTATUS(status));
    snprintf(file, sizeof file, "%s/checkpoint.safetensors", dir);
    cr_assert_eq(stat(file, &sb), 0, "no checkpoint after SIGINT");

    /* the checkpoint is complete: resume it to a small total */
    snprintf(cmd, sizeof cmd, "%s train --resume %s --set total_steps=1 --quiet > /dev/null 2>&1", RLC_BINARY, dir);
    cr_assert_eq(system(cmd), 0, "resume after SIGINT failed");
    snprintf(cmd, sizeof cmd, "%s eval %s --episodes 2 > /dev/null 2>&1", RLC_BINARY, dir);
    cr_assert_eq(system(cmd), 0, "eval after SIGINT failed");
}

Test(train, ppo_learns_cartpole)
{
    /* configs/ppo_cartpole.yaml as shipped (500k steps), seeds 1-3 */
    trainer_result runs[3];
    rlt_train_seeds(CONFIG, NULL, 0, 3, runs, "learn", NULL, 0);
    rlt_assert_learns("PPO on CartPole-v1", runs, 3, 2, 450.0);
    int reached = 0;
    for (int i = 0; i < 3; i++) reached += runs[i].threshold_step >= 0;
    cr_assert_geq(reached, 2, "the mean training return reached 475 on only %d of seeds 1-3", reached);
}
