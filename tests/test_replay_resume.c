/* rlc tests: the replay buffer across an interruption (train/offp_replay.c): a saved and
 * restored buffer holds the same transitions, ring position and priorities, and no n-step return
 * runs past the interruption; a file of another step is left unread, one of other sizes, with bad
 * flags or larger than the buffer could be is refused with its name; an interrupted DQN run writes
 * the file, its resume restores it, and the finished run removes it; the resume of a DQN or SAC
 * run whose file holds an action the agent cannot have taken, or a non-finite observation or
 * reward, is refused naming the file, tensor and element, and leaves the run directory as it was. */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "algos/offpolicy.h"
#include "train/offp_replay.h"
#include "tests/helpers/testutil.h"

static void make(replay_buffer *b, int64_t cap, int n_envs, int obs_dim, int n_step, bool per)
{
    replay_config c;
    replay_config_default(&c);
    c.capacity = cap;
    c.n_envs = n_envs;
    c.obs_dim = obs_dim;
    c.act_dim = 2;
    c.n_step = n_step;
    c.gamma = 0.5f;
    c.prioritized = per;
    char err[256];
    cr_assert_eq(replay_buffer_init(b, &c, err, sizeof err), RL_OK, "%s", err);
}

/* row t: every value a function of (t, env, index); env 1 terminates every 7th row */
static void add_rows(replay_buffer *b, int from, int to)
{
    int N = b->cfg.n_envs, D = b->cfg.obs_dim, A = b->cfg.act_dim;
    float obs[8 * 8], next[8 * 8], act[8 * 4], rew[8];
    bool term[8], trunc[8];
    for (int t = from; t < to; t++) {
        for (int e = 0; e < N; e++) {
            for (int d = 0; d < D; d++) {
                obs[e * D + d] = (float)(t * 100 + e * 10 + d);
                next[e * D + d] = obs[e * D + d] + 0.5f;
            }
            for (int a = 0; a < A; a++) act[e * A + a] = (float)(-t - a) / 7.0f;
            rew[e] = (float)(t % 5) - (float)e;
            term[e] = e == 1 && t % 7 == 6;
            trunc[e] = e == 0 && t % 11 == 10;
        }
        replay_buffer_add(b, obs, act, rew, next, term, trunc);
    }
}

static void tmp_file(char *out, size_t sz, const char *tag)
{
    char name[128];
    snprintf(name, sizeof name, "replay_%s.safetensors", tag);
    rlt_tmp_path(out, sz, name);
    remove(out);
}

/* b and c hold the same stored transitions; c's last row is also marked truncated */
static void assert_same_buffer(const replay_buffer *b, const replay_buffer *c)
{
    cr_assert_eq(c->added_rows, b->added_rows);
    cr_assert_eq(c->max_priority, b->max_priority);
    int64_t rows = b->added_rows < b->rows ? b->added_rows : b->rows, F = rows * b->cfg.n_envs;
    int64_t last = ((b->added_rows - 1) % b->rows) * b->cfg.n_envs;
    cr_assert_eq(memcmp(c->obs, b->obs, (size_t)F * b->cfg.obs_dim * sizeof(float)), 0);
    cr_assert_eq(memcmp(c->next_obs, b->next_obs, (size_t)F * b->cfg.obs_dim * sizeof(float)), 0);
    cr_assert_eq(memcmp(c->actions, b->actions, (size_t)F * b->cfg.act_dim * sizeof(float)), 0);
    cr_assert_eq(memcmp(c->rewards, b->rewards, (size_t)F * sizeof(float)), 0);
    for (int64_t s = 0; s < F; s++) {
        cr_assert_eq(c->terminated[s], b->terminated[s], "slot %lld", (long long)s);
        bool in_last = s >= last && s < last + b->cfg.n_envs;
        cr_assert_eq(c->truncated[s], in_last ? 1 : b->truncated[s], "slot %lld", (long long)s);
        if (b->tree)
            cr_assert_eq(replay_buffer_priority(c, s), (double)(float)replay_buffer_priority(b, s), "slot %lld",
                         (long long)s);
    }
    if (b->tree) cr_assert_float_eq(c->tree[1], b->tree[1], 1e-6 * b->tree[1]);
}

static void round_trip(int64_t cap, int n_envs, int n_step, bool per, int rows)
{
    replay_buffer b, c;
    make(&b, cap, n_envs, 3, n_step, per);
    make(&c, cap, n_envs, 3, n_step, per);
    add_rows(&b, 0, rows);
    if (per) {   /* priorities other than the defaults */
        int64_t idx[3] = {0, 1, 2};
        float td[3] = {0.25f, 3.0f, 0.125f};
        replay_buffer_update_priorities(&b, idx, td, 3);
    }
    char path[256], err[512];
    tmp_file(path, sizeof path, "trip");
    cr_assert_eq(offp_replay_save(&b, path, 1234, err, sizeof err), RL_OK, "%s", err);
    int64_t file_step = 0;
    cr_assert_eq(offp_replay_load(&c, path, 1234, &file_step, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(file_step, 1234);
    assert_same_buffer(&b, &c);
    cr_assert_eq(replay_buffer_valid(&c), replay_buffer_valid(&b));
    int64_t ring_rows = cap / n_envs;
    cr_assert_eq(replay_buffer_stored(&c), (rows < ring_rows ? rows : ring_rows) * n_envs);
    remove(path);
    replay_buffer_free(&b);
    replay_buffer_free(&c);
}

Test(replay_resume, a_restored_buffer_holds_what_was_saved)
{
    round_trip(64, 2, 1, false, 10);    /* not yet full */
    round_trip(64, 2, 3, false, 75);    /* wrapped around */
    round_trip(60, 3, 3, true, 45);     /* prioritized, wrapped, priorities updated */
    round_trip(16, 1, 1, true, 16);     /* exactly full */
}

Test(replay_resume, no_n_step_return_runs_past_the_interruption)
{
    replay_buffer b;
    make(&b, 40, 1, 2, 3, false);
    add_rows(&b, 0, 5);   /* rows 0-4, no episode end */
    char path[256], err[512];
    tmp_file(path, sizeof path, "cut");
    cr_assert_eq(offp_replay_save(&b, path, 5, err, sizeof err), RL_OK, "%s", err);
    replay_buffer_free(&b);
    make(&b, 40, 1, 2, 3, false);
    int64_t file_step;
    cr_assert_eq(offp_replay_load(&b, path, 5, &file_step, err, sizeof err), RL_OK, "%s", err);
    add_rows(&b, 100, 104);   /* a new episode after the resume */
    /* row 3 was stored with rows 4 after it (saved), then row 100 (new): its return stops at row 4 */
    cr_assert_eq(replay_buffer_later(&b, 3, 1), 4);
    cr_assert_eq(replay_buffer_later(&b, 3, 2), -1, "a return ran into the resumed run's episode");
    replay_batch batch;
    cr_assert_eq(replay_batch_init(&batch, 256, 2, 2, err, sizeof err), RL_OK);
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    replay_buffer_sample(&b, &batch, 256, 1.0f, &rng);
    int seen = 0;
    for (int k = 0; k < 256; k++) {
        if (batch.idx[k] != 3) continue;
        seen++;
        /* rewards t % 5 of rows 3 and 4, then the cut: 3 + 0.5 * 4, bootstrapped from row 4's next obs */
        cr_assert_float_eq(batch.returns[k], 5.0f, 1e-6);
        cr_assert_float_eq(batch.discount[k], 0.25f, 1e-7);
        cr_assert_float_eq(batch.next_obs[(size_t)k * 2], 400.5f, 1e-4);
    }
    cr_assert(seen > 0, "slot 3 never sampled");
    replay_batch_free(&batch);
    replay_buffer_free(&b);
    remove(path);
}

Test(replay_resume, a_file_of_another_step_is_left_unread)
{
    replay_buffer b, c;
    make(&b, 32, 2, 3, 1, false);
    make(&c, 32, 2, 3, 1, false);
    add_rows(&b, 0, 9);
    add_rows(&c, 50, 52);
    char path[256], err[512];
    tmp_file(path, sizeof path, "stale");
    cr_assert_eq(offp_replay_save(&b, path, 900, err, sizeof err), RL_OK, "%s", err);
    int64_t file_step = 0;
    cr_assert_eq(offp_replay_load(&c, path, 1000, &file_step, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(file_step, 900);
    cr_assert_eq(c.added_rows, 2, "a stale file changed the buffer");
    cr_assert_eq(c.obs[0], 5000.0f);
    remove(path);
    replay_buffer_free(&b);
    replay_buffer_free(&c);
}

/* the message of loading path (step 7) into c, which must fail and leave c empty */
static const char *refusal(replay_buffer *c, const char *path)
{
    static char err[512];
    int64_t file_step;
    err[0] = '\0';
    cr_assert_neq(offp_replay_load(c, path, 7, &file_step, err, sizeof err), RL_OK, "%s accepted", path);
    cr_assert_eq(c->added_rows, 0, "a refused file changed the buffer");
    return err;
}

/* load into c must fail with a message holding want, naming the file as a replay buffer file */
static void expect_refused(replay_buffer *c, const char *path, const char *want)
{
    const char *err = refusal(c, path);
    char named[300];
    snprintf(named, sizeof named, "replay buffer file %s: ", path);
    cr_assert(strstr(err, named) == err && strstr(err, want), "want '%s%s' in: %s", named, want, err);
}

Test(replay_resume, files_that_do_not_fit_are_refused_with_their_name)
{
    replay_buffer b, other, c;
    make(&b, 32, 2, 3, 1, false);
    add_rows(&b, 0, 9);
    char path[256], err[512];
    tmp_file(path, sizeof path, "bad");
    cr_assert_eq(offp_replay_save(&b, path, 7, err, sizeof err), RL_OK, "%s", err);
    make(&other, 32, 2, 4, 1, false);   /* another observation size */
    expect_refused(&other, path, "rlc.replay.obs_dim");
    replay_buffer_free(&other);
    make(&other, 32, 2, 3, 1, true);    /* another sampler */
    expect_refused(&other, path, "rlc.replay.prioritized");
    replay_buffer_free(&other);
    make(&other, 30, 2, 3, 1, false);   /* another capacity: both are said as they are */
    const char *msg = refusal(&other, path), *want = "rlc.replay.capacity is 32, expected 30";
    cr_assert(strlen(msg) >= strlen(want) && strcmp(msg + strlen(msg) - strlen(want), want) == 0,
              "want the message to end with '%s': %s", want, msg);
    replay_buffer_free(&other);

    /* a flag that is not 0 or 1 */
    rlt_patch_tensor_float(path, "replay.terminated", 0, 0.5f);
    make(&c, 32, 2, 3, 1, false);
    expect_refused(&c, path, "flag");

    /* larger than any save of this buffer: refused before it is read */
    cr_assert_eq(truncate(path, (off_t)1 << 32), 0);
    expect_refused(&c, path, "more than a buffer of this config can take");
    remove(path);
    replay_buffer_free(&b);
    replay_buffer_free(&c);
}

Test(replay_resume, priorities_the_sampler_could_not_use_are_refused)
{
    replay_buffer b, c;
    make(&b, 30, 1, 2, 3, true);
    add_rows(&b, 0, 10);   /* rows 8 and 9 wait for their 3-step window: priority 0 */
    char path[256], err[512];
    tmp_file(path, sizeof path, "prio");
    cr_assert_eq(offp_replay_save(&b, path, 7, err, sizeof err), RL_OK, "%s", err);
    make(&c, 30, 1, 2, 3, true);
    rlt_patch_tensor_float(path, "replay.priorities", 9, 1.0f);
    expect_refused(&c, path, "expected 0 (its n-step window is not complete)");
    cr_assert_eq(offp_replay_save(&b, path, 7, err, sizeof err), RL_OK, "%s", err);
    rlt_patch_tensor_float(path, "replay.priorities", 2, NAN);
    expect_refused(&c, path, "slot 2: priority nan");
    cr_assert_eq(offp_replay_save(&b, path, 7, err, sizeof err), RL_OK, "%s", err);
    for (int s = 0; s < 8; s++) rlt_patch_tensor_float(path, "replay.priorities", s, 0.0f);
    expect_refused(&c, path, "nothing could be sampled");
    remove(path);
    replay_buffer_free(&b);
    replay_buffer_free(&c);
}

/* the recorded step of a checkpoint or replay file */
static long long file_meta(const char *path, const char *key)
{
    nn_safetensors *f;
    char err[512];
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    unsigned long long v = 0;
    cr_assert_eq(nn_safetensors_meta_u64(f, key, &v, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors_close(f);
    return (long long)v;
}

/* `rlc train config` (total_steps unbounded, no periodic checkpoint, then the extra --set values
 * sets, NULL-terminated) in a fresh directory dir, stopped by SIGTERM soon after it starts: it
 * leaves a checkpoint and replay.safetensors of the same step; returns that step */
static long long interrupted_run(char *dir, size_t dir_sz, const char *tag, const char *config, const char *const *sets)
{
    char file[400], replay[400];
    const char *args[32] = {"train", config, "--run-dir", dir, "--set", "total_steps=100000000", "--set",
                            "log.checkpoint_interval=0"};
    int n = 8;
    for (; *sets && n < 30; sets++) {
        args[n++] = "--set";
        args[n++] = *sets;
    }
    args[n] = NULL;
    rlt_tmp_dir(dir, dir_sz, tag);
    pid_t pid = rlt_spawn_rlc(args);
    snprintf(file, sizeof file, "%s/metrics.csv", dir);
    rlt_wait_path(file, pid);
    usleep(300000);
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM, "status %#x", status);
    snprintf(file, sizeof file, "%s/checkpoint.safetensors", dir);
    snprintf(replay, sizeof replay, "%s/replay.safetensors", dir);
    long long step = file_meta(file, "rlc.step");
    cr_assert(step > 0);
    cr_assert_eq(file_meta(replay, "rlc.replay.step"), step, "the buffer is not from the checkpoint's step");
    return step;
}

static void remove_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(replay_resume, an_interrupted_dqn_run_keeps_its_buffer_until_it_finishes)
{
    char dir[256], replay[400], cmd[1400], out[8192];
    const char *none[] = {NULL};   /* configs/dqn_cartpole.yaml: 1 env, a buffer of 10000 */
    long long step = interrupted_run(dir, sizeof dir, "replay_resume", RLC_SOURCE_DIR "/configs/dqn_cartpole.yaml",
                                     none);
    snprintf(replay, sizeof replay, "%s/replay.safetensors", dir);
    cr_assert_eq(file_meta(replay, "rlc.replay.added_rows"), step, "one env: a row per step");

    snprintf(cmd, sizeof cmd, "%s train --resume %s --set total_steps=%lld --quiet 2>&1", RLC_BINARY, dir,
             step + 500);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    char want[200];
    snprintf(want, sizeof want, "replay buffer: %lld transitions restored", step < 10000 ? step : 10000LL);
    cr_assert(strstr(out, want), "want '%s' in: %s", want, out);
    struct stat sb;
    cr_assert_neq(stat(replay, &sb), 0, "the finished run kept its stale buffer file");

    /* resumed again with nothing saved: it says the buffer refills */
    snprintf(cmd, sizeof cmd, "%s train --resume %s --set total_steps=%lld --quiet 2>&1", RLC_BINARY, dir,
             step + 1000);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "replay buffer: none saved"), "%s", out);
    remove_dir(dir);
}

/* ---- tampered buffer files of real runs ------------------------------------------------------ */

/* A copy of the interrupted run `run` (checkpoint at `step`) whose replay.safetensors holds v at
 * element i of tensor: `rlc train --resume` must refuse it, exit non-zero, say "replay buffer file
 * <path>: " and want, and leave every file of the run directory as it was. */
static void expect_resume_refused(const char *run, long long step, const char *tensor, long i, float v,
                                  const char *want)
{
    char dir[300], before[320], replay[400], cmd[1400], out[8192];
    snprintf(dir, sizeof dir, "%s_tampered", run);
    snprintf(before, sizeof before, "%s_before", run);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' && cp -a '%s' '%s'", dir, before, run, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(replay, sizeof replay, "%s/replay.safetensors", dir);
    rlt_patch_tensor_float(replay, tensor, i, v);
    snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", dir, before);
    cr_assert_eq(system(cmd), 0);

    /* a bounded resume: the run before the fix went on training on the bad buffer */
    snprintf(cmd, sizeof cmd, "%s train --resume %s --set total_steps=%lld --quiet 2>&1", RLC_BINARY, dir,
             step + 200);
    int rc = rlt_run_cmd(cmd, out, sizeof out);
    cr_assert(rc > 0, "%s[%ld] = %g: the resume exited with %d, want an error:\n%s", tensor, i, (double)v, rc, out);
    char named[500];
    snprintf(named, sizeof named, "replay buffer file %s: %s", replay, want);
    cr_assert(strstr(out, named), "%s[%ld] = %g: want '%s' in:\n%s", tensor, i, (double)v, named, out);
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s' 2>&1", before, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "the refused resume changed the run directory:\n%s", out);
    remove_dir(dir);
    remove_dir(before);
}

/* DQN on CartPole (2 actions): an action is an array index; before the check 1e9, NaN and inf
 * crashed the resume's first update and 2, -1 or 0.5 were taken (written outside the rows of the
 * Q-values, silently) */
Test(replay_resume, a_dqn_buffer_with_actions_cartpole_has_not_is_refused)
{
    char run[256];
    const char *sets[] = {"dqn.learning_starts=100", "dqn.buffer_size=2000", NULL};
    long long step = interrupted_run(run, sizeof run, "replay_tamper_dqn", RLC_SOURCE_DIR "/configs/dqn_cartpole.yaml",
                                     sets);
    cr_assert_gt(step, 20, "too few steps before the interruption to tamper with");
    const char *exp = ": expected a whole number in 0..1 (the index of one of the 2 actions)";
    const float bad[] = {2.0f, -1.0f, 1e9f, NAN, INFINITY, 0.5f};
    const char *shown[] = {"2", "-1", "1e+09", "nan", "inf", "0.5"};
    for (int k = 0; k < RL_ARRAY_LEN(bad); k++) {
        char want[200];
        snprintf(want, sizeof want, "replay.actions[%d] = %s%s", 5 + k, shown[k], exp);
        expect_resume_refused(run, step, "replay.actions", 5 + k, bad[k], want);
    }
    /* observations (4 a slot) and rewards must be finite */
    expect_resume_refused(run, step, "replay.obs", 4 * 3 + 2, NAN, "replay.obs[3, 2] = nan: expected a finite number");
    expect_resume_refused(run, step, "replay.next_obs", 4 * 9, -INFINITY,
                          "replay.next_obs[9, 0] = -inf: expected a finite number");
    expect_resume_refused(run, step, "replay.rewards", 11, INFINITY,
                          "replay.rewards[11] = inf: expected a finite number");
    remove_dir(run);
}

/* SAC on Pendulum (1 action): the buffer holds the squashed action tanh(u), in [-1, 1] */
Test(replay_resume, a_sac_buffer_with_actions_out_of_bounds_is_refused)
{
    char run[256];
    const char *sets[] = {"sac.buffer_size=2000", NULL};
    long long step = interrupted_run(run, sizeof run, "replay_tamper_sac", RLC_SOURCE_DIR "/configs/sac_pendulum.yaml",
                                     sets);
    cr_assert_gt(step, 20, "too few steps before the interruption to tamper with");
    const char *exp = ": expected a finite number in [-1, 1]";
    const float bad[] = {1.5f, -1.001f, NAN, -INFINITY};
    const char *shown[] = {"1.5", "-1.001", "nan", "-inf"};
    for (int k = 0; k < RL_ARRAY_LEN(bad); k++) {
        char want[200];
        snprintf(want, sizeof want, "replay.actions[%d] = %s%s", 3 + k, shown[k], exp);
        expect_resume_refused(run, step, "replay.actions", 3 + k, bad[k], want);
    }
    expect_resume_refused(run, step, "replay.rewards", 7, NAN, "replay.rewards[7] = nan: expected a finite number");
    remove_dir(run);
}

/* TD3 and DDPG keep their buffer through the trainer's replay hook as SAC does: an interrupted run
 * resumes with every stored transition (one env: a row per step, under the capacity) */
static void interrupted_run_restores(const char *algo, const char *config)
{
    char dir[256], cmd[1400], out[8192], set[64], want[200];
    snprintf(set, sizeof set, "%s.buffer_size=200000", algo);
    const char *sets[] = {set, NULL};
    long long step = interrupted_run(dir, sizeof dir, "replay_resume_det", config, sets);
    snprintf(cmd, sizeof cmd, "%s train --resume %s --set total_steps=%lld --quiet 2>&1", RLC_BINARY, dir, step + 200);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(want, sizeof want, "replay buffer: %lld transitions restored", step);
    cr_assert(strstr(out, want), "%s: want '%s' in: %s", algo, want, out);
    remove_dir(dir);
}

Test(replay_resume, an_interrupted_td3_or_ddpg_run_keeps_its_buffer)
{
    interrupted_run_restores("td3", RLC_SOURCE_DIR "/configs/td3_pendulum.yaml");
    interrupted_run_restores("ddpg", RLC_SOURCE_DIR "/configs/ddpg_pendulum.yaml");
}

/* hindsight experience replay relabels at sampling time: its buffer is the plain one, kept the
 * same way (DQN with HER on bit flipping) */
Test(replay_resume, an_interrupted_her_run_keeps_its_buffer)
{
    interrupted_run_restores("dqn", RLC_SOURCE_DIR "/configs/zoo/dqn_bitflipping_v0.yaml");
}

Test(replay_resume, an_interrupted_iqn_run_keeps_its_buffer)
{
    interrupted_run_restores("iqn", RLC_SOURCE_DIR "/configs/zoo/iqn_cartpole_v1.yaml");
}
