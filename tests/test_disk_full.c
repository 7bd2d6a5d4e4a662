/* rlc tests: a write that fails (EFBIG, ENOSPC) leaves whole rows and records and says so:
 *   - in this process, under RLIMIT_FSIZE: a CSV row cut by the limit is taken away again and
 *     refused with a message naming the file, the step and the error, and the file takes no more
 *     rows; the events file keeps its whole records and reads to its end; truncating a CSV for a
 *     resume drops rows that are not whole, and a rewrite that fails leaves the file as it was;
 * and with the real `rlc train` as a child process on real files:
 *   - under a file size limit (setrlimit(RLIMIT_FSIZE) in the child before exec, as `ulimit -f`
 *     does; no privilege needed) the run is not killed by SIGXFSZ: it stops at the first write
 *     that fails with exit status 74 and a message naming the file, `File too large` and how to
 *     resume; the file that hit the limit is metrics.csv (TensorBoard off) or the events file;
 *     a checkpoint past the limit stops the run the same way, leaving no checkpoint and no
 *     temporary file, and saying that the same command starts the run again;
 *   - on a 2 MB tmpfs that fills up while the run trains (skipped, saying why, where mount is not
 *     permitted), the same with `No space left on device`;
 *   - after the stop, every CSV line is whole with the header's column count, metrics.csv and
 *     timing.csv have a row at every log interval up to the stop, every events file reads record
 *     by record to its end, no temporary file is left, and the checkpoint kept is at or before
 *     the last row; `rlc train --resume` then finishes, and the files of the whole run stay so
 *     (a row at every log interval from the first to the last step).
 * Each run trains a small network on CartPole for a fraction of a second of CPU. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "core/tbwriter.h"
#include "nn/nn.h"
#include "tests/helpers/testutil.h"

#define CONFIG RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"
#define EXIT_WRITE 74   /* TRAINER_EXIT_WRITE */
#define LOG_EVERY 64
#define CKPT_EVERY 2048

/* the settings of every run here (total_steps and TensorBoard come on top) */
static const char *const common_sets[] = {
    "network.hidden=[8]", "log.log_interval=64", "log.eval_interval=4096", "log.eval_episodes=1",
    "log.checkpoint_interval=2048", "log.keep_checkpoints=2",
};
#define N_COMMON 6

/* starts `rlc train CONFIG --run-dir dir --quiet` with common_sets and extra (NULL-terminated),
 * its stderr into err_path; fsize > 0: under that file size limit (bytes), SIGXFSZ at its
 * default action as a shell leaves it */
static pid_t start_train(const char *dir, const char *err_path, long fsize, const char *const *extra)
{
    const char *argv[40] = {"rlc", "train", CONFIG, "--run-dir", dir, "--quiet"};
    int n = 6;
    for (int i = 0; i < N_COMMON; i++) argv[n++] = "--set", argv[n++] = common_sets[i];
    for (int i = 0; extra[i]; i++) argv[n++] = "--set", argv[n++] = extra[i];
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* a failed test leaves no run behind */
        signal(SIGXFSZ, SIG_DFL);
        int out = open("/dev/null", O_WRONLY), errf = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || errf < 0) _exit(126);
        dup2(out, 1);
        dup2(errf, 2);
        struct rlimit lim = {(rlim_t)fsize, (rlim_t)fsize};
        if (fsize > 0 && setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(125);
        execv(RLC_BINARY, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* the exit status of child pid, which must have exited by itself */
static int wait_exit(pid_t pid)
{
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "rlc train was killed by signal %d (%s) instead of stopping by itself",
              WIFSIGNALED(status) ? WTERMSIG(status) : 0, WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "");
    return WEXITSTATUS(status);
}

static void path_in(char *out, size_t sz, const char *dir, const char *name)
{
    snprintf(out, sz, "%s/%s", dir, name);
}

/* the data rows of dir/name: every line ends with a newline and has the header's column count,
 * and the steps (first column) strictly increase; every > 0: they are every, 2 every, 3 every,
 * ... (a row at each log interval, none missing). Returns the last step (0 without rows). */
static long long check_rows(const char *dir, const char *name, long long every)
{
    char path[700];
    path_in(path, sizeof path, dir, name);
    char *text = rlt_read_file(path);
    size_t len = strlen(text);
    cr_assert(len > 0 && text[len - 1] == '\n', "%s: the last line is cut (%zu bytes)", path, len);
    int n_cols = 0, line = 0;
    long long last = 0;
    for (char *at = text, *nl; *at; at = nl + 1, line++) {
        nl = strchr(at, '\n');
        int cols = 1;
        for (char *c = at; c < nl; c++) cols += *c == ',';
        if (line == 0) {
            n_cols = cols;
            continue;
        }
        cr_assert_eq(cols, n_cols, "%s: line %d has %d columns, the header %d: %.*s", path, line + 1, cols, n_cols,
                     (int)(nl - at), at);
        char *end;
        long long step = strtoll(at, &end, 10);
        cr_assert(end > at && *end == ',', "%s: line %d: no step", path, line + 1);
        cr_assert_gt(step, last, "%s: line %d: step %lld after step %lld", path, line + 1, step, last);
        if (every > 0)
            cr_assert_eq(step, last + every, "%s: line %d: step %lld after step %lld (rows lost)", path, line + 1,
                         step, last);
        last = step;
    }
    free(text);
    return last;
}

/* every events file of dir reads record by record, both CRCs checked, to its end; returns how
 * many files there are */
static int check_events(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert(d, "%s", dir);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, RL_TB_FILE_PREFIX, strlen(RL_TB_FILE_PREFIX)) != 0) continue;
        char path[700], err[1024];
        path_in(path, sizeof path, dir, e->d_name);
        rl_tb_reader r;
        cr_assert_eq(rl_tb_reader_open(&r, path, err, sizeof err), RL_OK, "%s", err);
        const uint8_t *payload;
        size_t n;
        rl_status st;
        while ((st = rl_tb_read(&r, &payload, &n, err, sizeof err)) == RL_OK) {}
        cr_assert_eq(st, RL_ERR_NOT_FOUND, "%s", err);
        cr_assert_gt(r.n_read, 0, "%s: no record", path);
        rl_tb_reader_close(&r);
        files++;
    }
    closedir(d);
    return files;
}

/* no "*.tmp" left in dir */
static void check_no_temporary(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert(d, "%s", dir);
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        cr_assert(n < 4 || strcmp(e->d_name + n - 4, ".tmp") != 0, "%s/%s left behind", dir, e->d_name);
    }
    closedir(d);
}

/* the kept checkpoints (checkpoint_<step>.safetensors): at most 2, the newest at step ckpt (or,
 * !exact, at most ckpt: the copy of checkpoint.safetensors may be the write that failed) */
static void check_kept(const char *dir, long long ckpt, bool exact)
{
    DIR *d = opendir(dir);
    cr_assert(d, "%s", dir);
    int n = 0;
    long long newest = -1;
    for (struct dirent *e; (e = readdir(d));) {
        long long step;
        char tail[32];
        if (sscanf(e->d_name, "checkpoint_%lld%31s", &step, tail) != 2 || strcmp(tail, ".safetensors") != 0) continue;
        n++;
        if (step > newest) newest = step;
    }
    closedir(d);
    cr_assert(n >= 1 && n <= 2, "%d kept checkpoints in %s", n, dir);
    cr_assert(exact ? newest == ckpt : newest <= ckpt, "the newest kept checkpoint is from step %lld, the checkpoint from %lld",
              newest, ckpt);
}

/* the step of dir/checkpoint.safetensors */
static long long checkpoint_step(const char *dir)
{
    char path[700], err[1024];
    path_in(path, sizeof path, dir, "checkpoint.safetensors");
    nn_safetensors *f = NULL;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    unsigned long long step = 0;
    cr_assert_eq(nn_safetensors_meta_u64(f, "rlc.step", &step, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors_close(f);
    return (long long)step;
}

/* what a run stopped by a failed write leaves: the message (in err_path) names the file and the
 * errno text and says how to continue; whole rows at every log interval, readable events files,
 * no temporary file, and a checkpoint at or before the last row. Returns the checkpoint's step. */
static long long check_stopped(const char *dir, const char *err_path, const char *file, const char *why)
{
    char *msg = rlt_read_file(err_path);
    cr_assert(strstr(msg, file), "the message does not name %s:\n%s", file, msg);
    cr_assert(strstr(msg, why), "the message does not say '%s':\n%s", why, msg);
    cr_assert(strstr(msg, "rlc train --resume"), "the message does not say how to continue:\n%s", msg);
    free(msg);
    long long last = check_rows(dir, "metrics.csv", LOG_EVERY);
    long long last_timing = check_rows(dir, "timing.csv", LOG_EVERY);
    cr_assert(last_timing == last || last_timing == last - LOG_EVERY, "timing.csv ends at %lld, metrics.csv at %lld",
              last_timing, last);
    check_rows(dir, "eval.csv", 0);
    check_events(dir);
    check_no_temporary(dir);
    long long ckpt = checkpoint_step(dir);
    cr_assert(ckpt > 0 && ckpt % CKPT_EVERY == 0 && ckpt <= last, "checkpoint at step %lld, metrics.csv up to %lld",
              ckpt, last);
    check_kept(dir, ckpt, false);
    return ckpt;
}

/* `rlc train --resume dir` for 4096 more steps than the checkpoint's finishes, and the files of
 * the whole run are whole with a row at every log interval from the first step to the last */
static void check_resume(const char *dir, long long ckpt, int events_files)
{
    char cmd[1200], out[8192], want[600];
    snprintf(cmd, sizeof cmd, "%s train --resume %s --set total_steps=%lld --quiet 2>&1", RLC_BINARY, dir, ckpt + 4096);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(want, sizeof want, "resuming %s at step %lld", dir, ckpt);
    cr_assert(strstr(out, want), "expected '%s' in:\n%s", want, out);
    cr_assert_eq(check_rows(dir, "metrics.csv", LOG_EVERY), ckpt + 4096);
    cr_assert_eq(check_rows(dir, "timing.csv", LOG_EVERY), ckpt + 4096);
    cr_assert_eq(check_rows(dir, "eval.csv", 0), ckpt + 4096);
    cr_assert_eq(check_events(dir), events_files);
    check_no_temporary(dir);
    check_kept(dir, ckpt + 4096, true);
}

static void remove_tree(const char *path)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s.err", path, path);
    cr_assert_eq(system(cmd), 0);
}

/* ---- the writers, in this process --------------------------------------------------------- */

/* the file size limit of this process (a test's own worker) becomes bytes; SIGXFSZ ignored, so
 * that a write past it fails with EFBIG */
static void limit_file_size(long long bytes)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &lim), 0);
    lim.rlim_cur = (rlim_t)bytes;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0, "%s", strerror(errno));
}

static void unlimit_file_size(void)
{
    struct rlimit lim;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &lim), 0);
    lim.rlim_cur = lim.rlim_max;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

static long long file_size(const char *path)
{
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0, "%s", path);
    return (long long)sb.st_size;
}

Test(disk_full, a_csv_row_that_does_not_fit_is_cut_away_and_refused)
{
    char path[256], err[512];
    rlt_tmp_path(path, sizeof path, "fsize.csv");
    const char *cols[] = {"step", "value"};
    rl_csv c;
    cr_assert_eq(rl_csv_open(&c, path, cols, 2, false, err, sizeof err), RL_OK, "%s", err);
    /* the header (11 bytes), one row of 16 bytes and 10 bytes of the next */
    limit_file_size(11 + 16 + 10);
    double row[] = {100, 0.123456789};
    cr_assert_eq(rl_csv_row(&c, row, err, sizeof err), RL_OK, "%s", err);
    row[0] = 200;
    cr_assert_eq(rl_csv_row(&c, row, err, sizeof err), RL_ERR_IO, "a row past the limit was accepted");
    cr_assert(strstr(err, path) && strstr(err, "step 200") && strstr(err, strerror(EFBIG)), "%s", err);
    char *text = rlt_read_file(path);
    cr_assert_str_eq(text, "step,value\n100,0.123456789\n", "the cut row was left: '%s'", text);
    free(text);
    /* nothing more after a failure, not even a row that would fit */
    row[0] = 1;
    cr_assert_eq(rl_csv_row(&c, row, err, sizeof err), RL_ERR_IO);
    cr_assert_eq(file_size(path), 27);
    rl_csv_close(&c);
    unlimit_file_size();
    remove(path);
}

Test(disk_full, truncating_a_csv_drops_cut_rows_and_a_failed_rewrite_changes_nothing)
{
    char path[256], tmp[300], err[512];
    rlt_tmp_path(path, sizeof path, "cut.csv");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    /* what a killed pre-fix run could leave: a row of too many columns, a row without its end */
    const char *damaged = "step,a,b\n100,1,2\n200,3,4\n300,5,6,7,8\n400,9";
    FILE *fp = fopen(path, "w");
    cr_assert(fp);
    fputs(damaged, fp);
    fclose(fp);
    /* a rewrite that cannot be written leaves the file as it was, and no temporary file */
    limit_file_size(8);
    cr_assert_eq(rl_csv_truncate_after(path, 1000, err, sizeof err), RL_ERR_IO);
    cr_assert(strstr(err, path) && strstr(err, strerror(EFBIG)), "%s", err);
    unlimit_file_size();
    char *text = rlt_read_file(path);
    cr_assert_str_eq(text, damaged);
    free(text);
    cr_assert_neq(access(tmp, F_OK), 0, "%s left behind", tmp);
    double last = 0;
    cr_assert_eq(rl_csv_truncate(path, 1000, -1, &last, err, sizeof err), RL_OK, "%s", err);
    text = rlt_read_file(path);
    cr_assert_str_eq(text, "step,a,b\n100,1,2\n200,3,4\n");
    cr_assert_eq(last, 200);
    free(text);
    remove(path);
}

Test(disk_full, an_events_file_at_the_limit_keeps_whole_records_and_says_why)
{
    char dir[256], err[1024];
    rlt_tmp_dir(dir, sizeof dir, "tb_fsize");
    cr_assert_eq(mkdir(dir, 0755), 0);
    rl_tb_writer w;
    cr_assert_eq(rl_tb_open(&w, dir, err, sizeof err), RL_OK, "%s", err);
    limit_file_size(file_size(w.path) + 1000);
    const char *tags[] = {"train/a", "train/b"};
    double vals[] = {1.5, -2.5};
    rl_status st = RL_OK;
    for (int step = 0; step < 1000 && st == RL_OK; step++) {
        rl_tb_scalars(&w, step, tags, vals, 2);
        if (step % 7 == 6) st = rl_tb_flush(&w);
    }
    cr_assert_eq(st, RL_ERR_IO, "the limit was never reached");
    cr_assert_eq(rl_tb_error(&w, err, sizeof err), RL_ERR_IO);
    cr_assert(strstr(err, w.path) && strstr(err, strerror(EFBIG)), "%s", err);
    long long size = file_size(w.path);
    cr_assert_eq(size, w.end);
    /* nothing more after a failure */
    cr_assert_eq(rl_tb_scalars(&w, 2000, tags, vals, 2), RL_ERR_IO);
    cr_assert_eq(rl_tb_flush(&w), RL_ERR_IO);
    rl_tb_close(&w);
    unlimit_file_size();
    cr_assert_eq(file_size(w.path), size);
    cr_assert_eq(check_events(dir), 1);
    remove_tree(dir);
}

/* ---- the file size limit ----------------------------------------------------------------- */

Test(disk_full, file_size_limit_on_metrics_csv_stops_the_run_with_whole_rows)
{
    char dir[256], err_path[300];
    rlt_tmp_dir(dir, sizeof dir, "fsize_csv");
    snprintf(err_path, sizeof err_path, "%s.err", dir);
    /* without TensorBoard metrics.csv is the largest file: it reaches 16 KiB near step 8700 (the
     * checkpoint is 6 KiB) */
    const char *extra[] = {"total_steps=20480", "log.tensorboard=false", NULL};
    int rc = wait_exit(start_train(dir, err_path, 16384, extra));
    cr_assert_eq(rc, EXIT_WRITE, "exit status %d:\n%s", rc, rlt_read_file(err_path));
    long long ckpt = check_stopped(dir, err_path, "metrics.csv", strerror(EFBIG));
    check_resume(dir, ckpt, 0);
    remove_tree(dir);
}

Test(disk_full, file_size_limit_on_the_events_file_stops_the_run_with_whole_records)
{
    char dir[256], err_path[300];
    rlt_tmp_dir(dir, sizeof dir, "fsize_tb");
    snprintf(err_path, sizeof err_path, "%s.err", dir);
    /* the events file (every episode, every log row) reaches 64 KiB first, near step 7000 */
    const char *extra[] = {"total_steps=20480", NULL};
    int rc = wait_exit(start_train(dir, err_path, 65536, extra));
    cr_assert_eq(rc, EXIT_WRITE, "exit status %d:\n%s", rc, rlt_read_file(err_path));
    long long ckpt = check_stopped(dir, err_path, RL_TB_FILE_PREFIX, strerror(EFBIG));
    cr_assert_eq(check_events(dir), 1);
    check_resume(dir, ckpt, 2);
    remove_tree(dir);
}

Test(disk_full, a_checkpoint_past_the_limit_stops_the_run_and_leaves_no_temporary)
{
    char dir[256], err_path[300];
    rlt_tmp_dir(dir, sizeof dir, "fsize_ckpt");
    snprintf(err_path, sizeof err_path, "%s.err", dir);
    /* with 64 hidden units the checkpoint (over 8 KiB) cannot be written; metrics.csv has 4 KiB
     * by then */
    const char *extra[] = {"total_steps=20480", "log.tensorboard=false", "network.hidden=[64]", NULL};
    int rc = wait_exit(start_train(dir, err_path, 8192, extra));
    char *msg = rlt_read_file(err_path);
    cr_assert_eq(rc, EXIT_WRITE, "exit status %d:\n%s", rc, msg);
    cr_assert(strstr(msg, "checkpoint.safetensors") && strstr(msg, strerror(EFBIG)), "%s", msg);
    cr_assert(strstr(msg, "before any checkpoint was written"), "%s", msg);
    free(msg);
    char path[700];
    path_in(path, sizeof path, dir, "checkpoint.safetensors");
    cr_assert_neq(access(path, F_OK), 0, "a checkpoint was left");
    check_no_temporary(dir);
    cr_assert_eq(check_rows(dir, "metrics.csv", LOG_EVERY), CKPT_EVERY);
    /* as the message says, the same command starts the run again */
    char cmd[1200], out[8192];
    snprintf(cmd, sizeof cmd, "%s train %s --run-dir %s --set total_steps=1024 --quiet 2>&1", RLC_BINARY, CONFIG, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    remove_tree(dir);
}

/* ---- a full disk ------------------------------------------------------------------------- */

static char mnt[256];   /* the tmpfs mount point; "" when none */

static void unmount_tmpfs(void)
{
    if (!mnt[0]) return;
    if (umount2(mnt, MNT_DETACH) != 0) fprintf(stderr, "umount %s: %s\n", mnt, strerror(errno));
    rmdir(mnt);
    mnt[0] = '\0';
}

/* data rows of path (0 when missing) */
static int csv_rows(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    int lines = 0, ch;
    while ((ch = fgetc(fp)) != EOF) lines += ch == '\n';
    fclose(fp);
    return lines > 0 ? lines - 1 : 0;
}

/* writes path until the file system is full; returns the bytes written */
static long long fill(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
    static char block[4096];
    long long total = 0;
    ssize_t k;
    while ((k = write(fd, block, sizeof block)) > 0) total += k;
    cr_assert(k < 0 && errno == ENOSPC, "%s: stopped with %s instead of a full disk", path, strerror(errno));
    close(fd);
    return total;
}

Test(disk_full, a_full_tmpfs_stops_the_run_with_whole_rows_and_resume_continues, .fini = unmount_tmpfs)
{
    rlt_tmp_path(mnt, sizeof mnt, "tmpfs");
    cr_assert(mkdir(mnt, 0755) == 0, "%s: %s", mnt, strerror(errno));
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=2m") != 0) {
        int e = errno;
        rmdir(mnt);
        mnt[0] = '\0';
        fprintf(stderr, "skipped: cannot mount a tmpfs (%s); the file size limit tests still run\n", strerror(e));
        cr_skip_test("cannot mount a tmpfs: %s", strerror(e));
    }
    char dir[300], err_path[300], metrics[400], filler[300];
    snprintf(dir, sizeof dir, "%s/run", mnt);
    rlt_tmp_path(err_path, sizeof err_path, "tmpfs.err");
    snprintf(metrics, sizeof metrics, "%s/metrics.csv", dir);
    snprintf(filler, sizeof filler, "%s/filler", mnt);
    /* a long budget: the disk fills long before its end */
    const char *extra[] = {"total_steps=4000000", NULL};
    pid_t pid = start_train(dir, err_path, 0, extra);
    /* the disk fills after the first checkpoint (step 2048) */
    while (csv_rows(metrics) < 2 * CKPT_EVERY / LOG_EVERY) {
        int status;
        cr_assert_eq(waitpid(pid, &status, WNOHANG), 0, "rlc train exited before the disk was filled:\n%s",
                     rlt_read_file(err_path));
        usleep(5000);
    }
    fill(filler);
    int rc = wait_exit(pid);
    cr_assert_eq(rc, EXIT_WRITE, "exit status %d:\n%s", rc, rlt_read_file(err_path));
    long long ckpt = check_stopped(dir, err_path, dir, strerror(ENOSPC));
    /* space comes back */
    cr_assert_eq(unlink(filler), 0);
    check_resume(dir, ckpt, 2);
    unlink(err_path);
}
