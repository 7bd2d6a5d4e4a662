/* rlc tests: what keeps a run directory whole, with the real `rlc` program as a child process:
 *   - the run-directory lock: a second process on the same directory (fresh or --resume) fails
 *     naming the holder's pid and leaves the first run's files as they were; nothing is written
 *     into a locked directory; kill -9 leaves no stale lock;
 *   - SIGHUP and SIGPIPE (closed stdout) checkpoint like SIGINT, with exit status 128 + signal,
 *     and --resume continues from that checkpoint;
 *   - --resume of a finished run says so and rewrites nothing (no second eval.csv row);
 *   - nothing loads the plugin a checkpoint or a run directory's config names;
 *   - ablation workers die with a killed `rlc ablate` (after a checkpoint), and a run directory
 *     another process holds is reported as not run and left alone.
 * Children run long budgets (never infinite) so that a broken fix fails instead of hanging. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "train/trainer.h"
#include "core/fs.h"
#include "nn/nn.h"
#include "tests/helpers/testutil.h"

#define CONFIG RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"
#define LONG_RUN "total_steps=2000000"

/* data rows of a CSV file (0 when missing) */
static int csv_rows(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    int lines = 0, ch;
    while ((ch = fgetc(fp)) != EOF)
        if (ch == '\n') lines++;
    fclose(fp);
    return lines > 0 ? lines - 1 : 0;
}

static int file_exists(const char *dir, const char *name)
{
    char path[700];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &sb) == 0;
}

static char *read_in(const char *dir, const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return rlt_read_file(path);
}

/* starts `rlc train CONFIG --run-dir dir` for a long run with a progress line every 2048 steps
 * and no periodic checkpoint; stdout and stderr go to the given descriptors. The child gets the
 * default dispositions a shell would give it. */
static pid_t start_train(const char *dir, int out_fd, int err_fd)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* a failed test leaves no run behind */
        signal(SIGPIPE, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        execl(RLC_BINARY, "rlc", "train", CONFIG, "--run-dir", dir, "--set", LONG_RUN, "--set",
              "log.checkpoint_interval=0", "--set", "log.log_interval=2048", "--set", "log.eval_interval=0",
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* waits until path has at least n data rows while process pid runs (a child of this process) */
static void wait_rows(pid_t pid, const char *path, int n)
{
    while (csv_rows(path) < n) {
        int status;
        cr_assert_eq(waitpid(pid, &status, WNOHANG), 0, "process %d exited before %s had %d rows", (int)pid, path, n);
        usleep(20000);
    }
}

static int wait_exit(pid_t pid)
{
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "rlc was killed by signal %d instead of exiting by itself",
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return WEXITSTATUS(status);
}

static unsigned long long checkpoint_step(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    return rlt_checkpoint_step(path);
}

/* --resume continues from the checkpoint's step for 2048 more steps */
static void assert_resume_continues(const char *dir)
{
    unsigned long long s = checkpoint_step(dir);
    cr_assert(s > 0);
    char cmd[1200], out[8192], want[600];
    snprintf(cmd, sizeof cmd, "%s train --resume %s --set total_steps=%llu --set log.eval_episodes=1 --quiet 2>&1",
             RLC_BINARY, dir, s + 2048);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(want, sizeof want, "resuming %s at step %llu", dir, s);
    cr_assert(strstr(out, want), "expected '%s' in:\n%s", want, out);
    snprintf(want, sizeof want, "trained steps %llu to %llu (2048 in this run)", s, s + 2048);
    cr_assert(strstr(out, want), "expected '%s' in:\n%s", want, out);
}

static void remove_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s.err", dir, dir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- the run-directory lock -------------------------------------------------------------- */

Test(run_dir, lock_is_exclusive_and_names_the_holder)
{
    char dir[256], err[1024];
    rlt_tmp_dir(dir, sizeof dir, "lock");
    cr_assert_eq(mkdir(dir, 0755), 0);
    rl_dir_lock a, b;
    cr_assert_eq(rl_dir_lock_take(&a, dir, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(rl_dir_lock_pid(dir), (long)getpid());
    /* a second open file is refused even in the same process (flock is per open file) */
    cr_assert_eq(rl_dir_lock_take(&b, dir, err, sizeof err), RL_ERR_BUSY);
    char pid[32];
    snprintf(pid, sizeof pid, "pid %d", (int)getpid());
    cr_assert(strstr(err, pid) && strstr(err, dir), "%s", err);
    rl_dir_lock_release(&a);
    cr_assert_eq(rl_dir_lock_take(&b, dir, err, sizeof err), RL_OK, "%s", err);
    rl_dir_lock_release(&b);
    rl_dir_lock_release(&b);   /* safe twice */
    remove_dir(dir);
}

/* nothing is written into a directory another process holds, not even config.yaml, and nothing
 * is printed but the refusal */
Test(run_dir, train_writes_nothing_into_a_locked_directory)
{
    char dir[256], err[1024], cmd[1200], out[8192], pid[32];
    rlt_tmp_dir(dir, sizeof dir, "held");
    cr_assert_eq(mkdir(dir, 0755), 0);
    rl_dir_lock held;
    cr_assert_eq(rl_dir_lock_take(&held, dir, err, sizeof err), RL_OK, "%s", err);
    snprintf(cmd, sizeof cmd, "%s train %s --run-dir %s --set total_steps=2048 --quiet 2>&1", RLC_BINARY, CONFIG, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 75, "%s", out);
    snprintf(pid, sizeof pid, "pid %d", (int)getpid());
    cr_assert(strstr(out, pid) && strstr(out, "in use"), "%s", out);
    /* the losing process never announces a run it does not get to train */
    cr_assert(!strstr(out, "rlc train: ppo on"), "the banner came before the lock:\n%s", out);
    const char *files[] = {"config.yaml", "metrics.csv", "eval.csv", "timing.csv", "checkpoint.safetensors"};
    for (int i = 0; i < 5; i++) cr_assert(!file_exists(dir, files[i]), "%s was written into a locked directory", files[i]);
    rl_dir_lock_release(&held);
    remove_dir(dir);
}

/* a second `rlc train` (fresh or --resume) on a directory in use fails naming the first's pid,
 * and the first run's files stay as they were */
Test(run_dir, second_process_on_a_run_dir_is_refused)
{
    char dir[256], cmd[1200], out[8192], want[64], metrics[600];
    rlt_tmp_dir(dir, sizeof dir, "two");
    int devnull = open("/dev/null", O_WRONLY);
    pid_t first = start_train(dir, devnull, devnull);
    snprintf(metrics, sizeof metrics, "%s/metrics.csv", dir);
    wait_rows(first, metrics, 2);
    char *config_before = read_in(dir, "config.yaml");
    char *metrics_before = read_in(dir, "metrics.csv");
    snprintf(want, sizeof want, "pid %d", (int)first);

    snprintf(cmd, sizeof cmd, "%s train %s --run-dir %s --set seed=7 --set total_steps=2048 --quiet 2>&1", RLC_BINARY,
             CONFIG, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 75, "a second fresh run was not refused:\n%s", out);
    cr_assert(strstr(out, want) && strstr(out, dir), "expected '%s' in:\n%s", want, out);
    snprintf(cmd, sizeof cmd, "%s train --resume %s --set total_steps=2048 --quiet 2>&1", RLC_BINARY, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 75, "a concurrent --resume was not refused:\n%s", out);
    cr_assert(strstr(out, want), "expected '%s' in:\n%s", want, out);

    /* the first run's files: same config, metrics only grown */
    char *config_after = read_in(dir, "config.yaml");
    char *metrics_after = read_in(dir, "metrics.csv");
    cr_assert_str_eq(config_after, config_before, "config.yaml was rewritten");
    cr_assert(strncmp(metrics_after, metrics_before, strlen(metrics_before)) == 0, "metrics.csv lost rows:\n%s",
              metrics_after);
    free(config_before);
    free(config_after);
    free(metrics_before);
    free(metrics_after);

    /* the first run still stops cleanly and resumes once it has released the directory */
    kill(first, SIGINT);
    cr_assert_eq(wait_exit(first), 130);
    close(devnull);
    assert_resume_continues(dir);
    remove_dir(dir);
}

/* kill -9 leaves the lock file with a dead pid in it: the lock goes with the process */
Test(run_dir, kill_9_leaves_no_stale_lock)
{
    char dir[256], metrics[600];
    rlt_tmp_dir(dir, sizeof dir, "kill9");
    int devnull = open("/dev/null", O_WRONLY);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(RLC_BINARY, "rlc", "train", CONFIG, "--run-dir", dir, "--set", LONG_RUN, "--set",
              "log.checkpoint_interval=2048", "--set", "log.log_interval=2048", "--quiet", (char *)NULL);
        _exit(127);
    }
    snprintf(metrics, sizeof metrics, "%s/metrics.csv", dir);
    wait_rows(pid, metrics, 3);   /* the checkpoint at 2048 is older than the third row */
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    close(devnull);
    cr_assert_eq(rl_dir_lock_pid(dir), (long)pid, "the lock file should still name the killed process");
    assert_resume_continues(dir);
    remove_dir(dir);
}

/* the run pid stopped on signal sig: exit status 128 + sig, a checkpoint, a message on stderr
 * (errf) naming the signal and how to resume, and --resume continues; then dir is removed */
static void assert_stopped_by(pid_t pid, int sig, const char *name, const char *dir, const char *errf)
{
    cr_assert_eq(wait_exit(pid), 128 + sig);
    cr_assert(file_exists(dir, "checkpoint.safetensors"), "no checkpoint after %s", name);
    char *msg = rlt_read_file(errf);
    cr_assert(strstr(msg, name) && strstr(msg, "--resume"), "%s", msg);
    free(msg);
    assert_resume_continues(dir);
    remove_dir(dir);
}

/* ---- signals ----------------------------------------------------------------------------- */

Test(run_dir, sighup_checkpoints_and_resume_continues)
{
    char dir[256], errf[300], metrics[600];
    rlt_tmp_dir(dir, sizeof dir, "hup");
    snprintf(errf, sizeof errf, "%s.err", dir);
    int devnull = open("/dev/null", O_WRONLY), efd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = start_train(dir, devnull, efd);
    close(devnull);
    close(efd);
    snprintf(metrics, sizeof metrics, "%s/metrics.csv", dir);
    wait_rows(pid, metrics, 2);
    kill(pid, SIGHUP);
    assert_stopped_by(pid, SIGHUP, "SIGHUP", dir, errf);
}

/* `rlc train | head -1`: the reader goes away; the run checkpoints and exits with 141 instead of
 * dying on its next progress line */
Test(run_dir, closed_stdout_sigpipe_checkpoints_and_resume_continues)
{
    char dir[256], errf[300], metrics[600];
    rlt_tmp_dir(dir, sizeof dir, "pipe");
    snprintf(errf, sizeof errf, "%s.err", dir);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);   /* the child must not hold the read end itself */
    int efd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = start_train(dir, fds[1], efd);
    close(fds[1]);
    close(efd);
    snprintf(metrics, sizeof metrics, "%s/metrics.csv", dir);
    wait_rows(pid, metrics, 2);
    close(fds[0]);   /* the reader exits */
    assert_stopped_by(pid, SIGPIPE, "SIGPIPE", dir, errf);
}

/* ---- resume of a finished run ------------------------------------------------------------ */

Test(run_dir, resume_of_a_finished_run_rewrites_nothing)
{
    char dir[256], cmd[1200], out[8192];
    rlt_tmp_dir(dir, sizeof dir, "done");
    snprintf(cmd, sizeof cmd, "%s train %s --run-dir %s --set total_steps=4096 --set log.eval_interval=2048 "
             "--set log.eval_episodes=2 --quiet 2>&1", RLC_BINARY, CONFIG, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    char path[600];
    snprintf(path, sizeof path, "%s/eval.csv", dir);
    cr_assert_eq(csv_rows(path), 2);
    const char *files[] = {"eval.csv", "metrics.csv", "timing.csv", "config.yaml"};
    char *before[4];
    for (int i = 0; i < 4; i++) before[i] = read_in(dir, files[i]);

    snprintf(cmd, sizeof cmd, "%s train --resume %s --quiet 2>&1", RLC_BINARY, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "already finished"), "%s", out);
    for (int i = 0; i < 4; i++) {
        char *after = read_in(dir, files[i]);
        cr_assert_str_eq(after, before[i], "--resume of a finished run changed %s", files[i]);
        free(after);
    }

    /* an evaluation row written after the last checkpoint (a crash between the two) is not
     * kept beside the one the checkpoint counts: the eval rows are cut to its count */
    const char *last = strrchr(before[0], '\n');
    while (last > before[0] && last[-1] != '\n') last--;   /* the start of the last row */
    FILE *fp = fopen(path, "a");
    fputs(last, fp);
    fclose(fp);
    cr_assert_eq(csv_rows(path), 3);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    char *after = read_in(dir, "eval.csv");
    cr_assert_str_eq(after, before[0], "eval.csv keeps a row the checkpoint does not count");
    free(after);
    for (int i = 0; i < 4; i++) free(before[i]);
    remove_dir(dir);
}

/* ---- no code from a run directory -------------------------------------------------------- */

/* a CartPole run whose saved config names a plugin (never loaded: trainer_run loads none): eval,
 * rollout and --resume work without touching that path; were it loaded, they would fail on it */
Test(run_dir, a_checkpoint_names_a_plugin_that_is_never_loaded)
{
    const char *sets[] = {"total_steps=2048", "log.eval_episodes=1", "log.progress=false",
                          "env.plugin=/nonexistent/evil_plugin.so"};
    rl_config cfg;
    char err[1024], dir[256], cmd[1200], out[8192];
    cr_assert_eq(rl_config_load(&cfg, CONFIG, sets, 4, err, sizeof err), RL_OK, "%s", err);
    rlt_tmp_dir(dir, sizeof dir, "noplugin");
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
    char *saved = read_in(dir, "config.yaml");
    cr_assert(strstr(saved, "/nonexistent/evil_plugin.so"), "%s", saved);
    free(saved);
    const char *uses[] = {"eval %s --episodes 1", "rollout --policy %s --steps 5 --out %s/rollout.csv",
                          "train --resume %s --set total_steps=4096 --quiet"};
    for (int i = 0; i < 3; i++) {
        char what[900];
        snprintf(what, sizeof what, uses[i], dir, dir);
        snprintf(cmd, sizeof cmd, "%s %s 2>&1", RLC_BINARY, what);
        cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "rlc %s:\n%s", what, out);
        cr_assert(!strstr(out, "evil_plugin"), "rlc %s tried the checkpoint's plugin:\n%s", what, out);
    }
    remove_dir(dir);
}

/* ---- ablation workers -------------------------------------------------------------------- */

/* writes an ablation file into dir and lists its run directories (rlc ablate --dry-run) */
static int ablation_runs(const char *dir, const char *yaml, char runs[][600], int max)
{
    char path[600], cmd[1400], out[8192];
    snprintf(path, sizeof path, "%s/abl.yaml", dir);
    FILE *fp = fopen(path, "w");
    cr_assert(fp != NULL);
    fputs(yaml, fp);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "%s ablate %s --runs-dir %s/runs --dry-run 2>&1", RLC_BINARY, path, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    int n = 0;
    for (char *line = strstr(out, "\n  "); line && n < max; line = strstr(line + 1, "\n  ")) {
        size_t len = strcspn(line + 3, "\n");
        snprintf(runs[n++], 600, "%.*s", (int)len, line + 3);
    }
    return n;
}

Test(run_dir, killed_ablate_takes_its_worker_with_it)
{
    /* orphans of this test process are reparented to it, so it can wait for the worker */
    cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    char dir[256], runs[1][600], path[700], cmd[1400];
    rlt_tmp_dir(dir, sizeof dir, "ablkill");
    cr_assert_eq(mkdir(dir, 0755), 0);
    int n = ablation_runs(dir, "name: k\nbase: " CONFIG "\nseeds: [1]\n"
                               "set: {total_steps: 2000000, log.checkpoint_interval: 0, log.log_interval: 2048}\n"
                               "axes:\n  ppo.learning_rate: [0.001]\n", runs, 1);
    cr_assert_eq(n, 1);
    pid_t ablate = fork();
    cr_assert(ablate >= 0);
    if (ablate == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        snprintf(path, sizeof path, "%s/abl.yaml", dir);
        snprintf(cmd, sizeof cmd, "%s/runs", dir);
        execl(RLC_BINARY, "rlc", "ablate", path, "--jobs", "1", "--runs-dir", cmd, (char *)NULL);
        _exit(127);
    }
    snprintf(path, sizeof path, "%s/metrics.csv", runs[0]);
    wait_rows(ablate, path, 1);
    long worker = rl_dir_lock_pid(runs[0]);
    cr_assert(worker > 0);
    kill(ablate, SIGKILL);
    int status;
    cr_assert_eq(waitpid(ablate, &status, 0), ablate);
    /* the worker was told (SIGTERM), checkpointed and exited */
    cr_assert_eq(waitpid((pid_t)worker, &status, 0), (pid_t)worker, "the worker was not reparented here");
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM,
              "the worker of a killed rlc ablate did not stop by SIGTERM (status %#x)", status);
    cr_assert(file_exists(runs[0], "checkpoint.safetensors"), "the stopped worker left no checkpoint");
    char err[1024];
    rl_dir_lock lock;
    cr_assert_eq(rl_dir_lock_take(&lock, runs[0], err, sizeof err), RL_OK, "%s", err);
    rl_dir_lock_release(&lock);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(run_dir, ablate_leaves_a_locked_run_alone_and_says_so)
{
    char dir[256], runs[2][600], cmd[1400], out[16384], err[1024], want[64];
    rlt_tmp_dir(dir, sizeof dir, "ablbusy");
    cr_assert_eq(mkdir(dir, 0755), 0);
    int n = ablation_runs(dir, "name: b\nbase: " CONFIG "\nseeds: [1]\n"
                               "set: {total_steps: 2048, log.eval_episodes: 1}\n"
                               "axes:\n  ppo.learning_rate: [0.001, 0.002]\n", runs, 2);
    cr_assert_eq(n, 2);
    snprintf(cmd, sizeof cmd, "mkdir -p %s", runs[1]);
    cr_assert_eq(system(cmd), 0);
    rl_dir_lock held;
    cr_assert_eq(rl_dir_lock_take(&held, runs[1], err, sizeof err), RL_OK, "%s", err);

    snprintf(cmd, sizeof cmd, "%s ablate %s/abl.yaml --jobs 1 --runs-dir %s/runs 2>&1", RLC_BINARY, dir, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 1, "%s", out);
    snprintf(want, sizeof want, "pid %d", (int)getpid());
    cr_assert(strstr(out, "NOT RUN") && strstr(out, runs[1]) && strstr(out, want), "%s", out);
    cr_assert(strstr(out, "1 finished now, 0 already done, 0 failed"), "%s", out);
    cr_assert(!file_exists(runs[1], "config.yaml") && !file_exists(runs[1], "DONE"), "the locked run was touched");
    cr_assert(!file_exists(runs[1], "train.log"), "the refused worker wrote into the holder's directory's train.log");

    /* once the holder is gone, the same command runs what is missing */
    rl_dir_lock_release(&held);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "1 finished now, 1 already done, 0 failed"), "%s", out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
