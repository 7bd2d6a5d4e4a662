/* rlc tests: rlc tune over MPI ranks (research/tune.h, docs/distributed.md), started through
 * mpirun -np 2 (--oversubscribe: any core count; --allow-run-as-root: CI runs as root).
 *
 *   - test_tune's planted-best search over 2 ranks, on a shared directory and with --gather:
 *     both ranks train runs (each run's train.log names its rank), the planted learning rate
 *     wins and best.yaml is byte for byte the one a single process writes;
 *   - a search over 2 ranks killed midway and run again trains only what is missing;
 *   - an error on one rank (a directory of another search, a search file rank 1 cannot read,
 *     ranks that sampled different trials) stops both ranks with a message and a non-zero exit;
 *   - --gather without ranks is refused.
 * Without MPI compiled in: a launch asking for ranks says MPI is not compiled in. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers/testutil.h"

#define BASE RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"

static char out[65536];

/* test_tune's planted search: a learning rate of 1e-7 learns nothing in 8k steps, 3e-3 learns;
 * 4 trials x 2 seeds, then the best 2 at the full budget (12 runs of 4096 or 8192 steps) */
static const char *planted =
    "name: planted\n"
    "base: " BASE "\n"
    "seed: 3\n"
    "trials: 4\n"
    "seeds: [1, 2]\n"
    "budget: 8192\n"
    "set: {log.eval_interval: 2048, log.log_interval: 2048, log.eval_episodes: 5, log.checkpoint_interval: 0}\n"
    "params:\n"
    "  ppo.learning_rate: {choices: [1.0e-7, 3.0e-3]}\n"
    "  ppo.update_epochs: {low: 2, high: 6, int: true}\n"
    "prune: {rungs: 2, eta: 2}\n";

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    cr_assert(fp, "cannot write %s", path);
    fputs(text, fp);
    fclose(fp);
}

/* a fresh directory holding planted.yaml (its path in search) */
static void make_search_dir(char *dir, size_t dir_sz, const char *tag, char *search, size_t search_sz)
{
    rlt_tmp_dir(dir, dir_sz, tag);
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(search, search_sz, "%s/planted.yaml", dir);
    write_text(search, planted);
}

static void remove_dir(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(tune_dist, gather_without_ranks_is_refused)
{
    char dir[256], search[300], cmd[1024];
    make_search_dir(dir, sizeof dir, "tgather", search, sizeof search);
    snprintf(cmd, sizeof cmd, "%s tune %s --gather --runs-dir %s 2>&1", RLC_BINARY, search, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "--gather") && strstr(out, "mpirun -np N"), "%s", out);
    remove_dir(dir);
}

#ifdef RLC_HAVE_MPI

#define MPIRUN RLC_MPIEXEC " --allow-run-as-root --oversubscribe"

/* how many of the search's train.log files under root hold needle */
static int logs_with(const char *root, const char *needle)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "grep -rlF '%s' %s --include=train.log | wc -l", needle, root);
    static char o[64];
    cr_assert_eq(rlt_run_cmd(cmd, o, sizeof o), 0);
    return atoi(o);
}

/* `[launch] rlc tune search --jobs 1 --runs-dir dir/runs_dir [extra]` must succeed and keep the
 * planted rate; returns the path of its best.yaml in best */
static void tune_ok(const char *launch, const char *search, const char *dir, const char *runs_dir, const char *extra,
                    char *best, size_t best_sz)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s tune %s --jobs 1 --runs-dir %s/%s %s 2>&1", launch, RLC_BINARY, search, dir,
             runs_dir, extra);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "12 runs finished now, 0 already done, 0 failed"), "%s", out);
    snprintf(best, best_sz, "%s/%s/planted/best.yaml", dir, runs_dir);
    cr_assert_float_eq(rlt_yaml_value(best, "ppo", "learning_rate"), 3e-3, 1e-9, "%s", best);
}

/* every run of root's search was trained on one rank of two, and each rank trained some */
static void assert_both_ranks_trained(const char *dir, const char *runs_dir)
{
    char root[400];
    snprintf(root, sizeof root, "%s/%s/planted", dir, runs_dir);
    int on0 = logs_with(root, "rlc ablate: on rank 0 of 2"), on1 = logs_with(root, "rlc ablate: on rank 1 of 2");
    cr_assert(on0 >= 1 && on1 >= 1, "%s: %d runs on rank 0, %d on rank 1", root, on0, on1);
    cr_assert_eq(on0 + on1, 12, "%s: %d runs on rank 0, %d on rank 1, want 12 in all", root, on0, on1);
}

static void assert_same_bytes(const char *a, const char *b)
{
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "cmp %.600s %.600s 2>&1", a, b);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
}

Test(tune_dist, two_ranks_find_the_planted_best_a_single_process_finds)
{
    char dir[256], search[300], one[400], two[400], gathered[400], launch[600];
    make_search_dir(dir, sizeof dir, "tdist", search, sizeof search);
    /* at the same thread counts: mpirun binds each rank to one core, so `auto` would resolve to 1
     * there and to the machine's cores without it, and best.yaml records the counts */
    tune_ok("RLC_CPUS=1", search, dir, "one", "", one, sizeof one);
    tune_ok("RLC_CPUS=1 " MPIRUN " -np 2", search, dir, "two", "", two, sizeof two);
    assert_both_ranks_trained(dir, "two");
    assert_same_bytes(one, two);
    /* --gather: rank 1 trains in a scratch directory of its own and sends the files to rank 0 */
    snprintf(launch, sizeof launch, "RLC_CPUS=1 TMPDIR=%s/scratch " MPIRUN " -np 2", dir);
    snprintf(gathered, sizeof gathered, "%s/scratch", dir);
    cr_assert_eq(mkdir(gathered, 0755), 0);
    tune_ok(launch, search, dir, "gathered", "--gather", gathered, sizeof gathered);
    assert_both_ranks_trained(dir, "gathered");
    assert_same_bytes(one, gathered);
    char root[400];
    snprintf(root, sizeof root, "%s/scratch/rlc-gather-rank1", dir);
    cr_assert_eq(logs_with(root, "rlc train"), 0, "rank 1 kept runs in its scratch directory %s", root);
    remove_dir(dir);
}

/* starts `mpirun -np 2 rlc tune` in the background, its output in dir/first.log; waits for the
 * first finished run and stops the job with SIGTERM, as a scheduler does; returns its exit code */
static int tune_until_first_run(const char *search, const char *dir, const char *root)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "exec " MPIRUN " -np 2 %s tune %s --jobs 1 --runs-dir %s > %s/first.log 2>&1",
             RLC_BINARY, search, dir, dir);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int status, exited = 0;
    while (rlt_count_named(root, "DONE") < 1 && !(exited = waitpid(pid, &status, WNOHANG) == pid)) usleep(20000);
    cr_assert(!exited, "the search ended before it could be stopped");
    kill(pid, SIGTERM);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    while (rlt_worker_alive(root)) usleep(50000);   /* the workers' checkpoints */
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int count_in(const char *path, const char *needle)
{
    char *t = rlt_read_file(path);
    int n = 0;
    for (const char *p = t; (p = strstr(p, needle)); p++) n++;
    free(t);
    return n;
}

/* each run that was not finished when stopped: one start, plus at most one resume from its
 * checkpoint (a worker ended by the launcher's SIGKILL may lose its own start line), or a second
 * start when the stop came before it had saved anything (a loaded machine can take that long to
 * set a run up) */
static void assert_resumed_once(const char *root)
{
    char cmd[700], list[8192];
    snprintf(cmd, sizeof cmd, "find %s -name train.log", root);
    cr_assert_eq(rlt_run_cmd(cmd, list, sizeof list), 0);
    for (char *log = strtok(list, "\n"); log; log = strtok(NULL, "\n")) {
        char before[600];
        snprintf(before, sizeof before, "%s.before", log);
        if (access(before, F_OK) == 0) continue;
        int starts = count_in(log, "rlc train: ppo"), resumes = count_in(log, "resuming");
        bool resumed = starts >= 1 && starts <= 1 + resumes && resumes <= 1;
        bool restarted = starts == 2 && resumes == 0 && count_in(log, "checkpoint saved") == 0;
        cr_assert(resumed || restarted, "%s: %d starts, %d resumes", log, starts, resumes);
    }
}

Test(tune_dist, a_search_over_2_ranks_stopped_midway_resumes_where_it_stopped)
{
    char dir[256], search[300], root[400], best[500], cmd[2048];
    make_search_dir(dir, sizeof dir, "tkill", search, sizeof search);
    snprintf(root, sizeof root, "%s/planted", dir);
    snprintf(best, sizeof best, "%s/best.yaml", root);
    cr_assert_neq(tune_until_first_run(search, dir, root), 0, "a stopped search exits with an error");
    int done_first = rlt_count_named(root, "DONE");
    cr_assert(done_first >= 1 && done_first < 12, "%d runs done when stopped", done_first);
    cr_assert(access(best, F_OK) != 0, "a stopped search wrote best.yaml");
    /* the finished runs' files as they are now */
    snprintf(cmd, sizeof cmd, "cd %s && for d in $(find . -name DONE); do r=${d%%DONE}; "
             "cp ${r}eval.csv ${r}eval.csv.before && cp ${r}train.log ${r}train.log.before || exit 1; done", root);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, MPIRUN " -np 2 %s tune %s --jobs 1 --runs-dir %s 2>&1", RLC_BINARY, search, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    char want[128];
    snprintf(want, sizeof want, "%d runs finished now, %d already done, 0 failed", 12 - done_first, done_first);
    cr_assert(strstr(out, want), "want '%s' in: %s", want, out);
    cr_assert(strstr(out, "already finished: skipped"), "%s", out);
    cr_assert_float_eq(rlt_yaml_value(best, "ppo", "learning_rate"), 3e-3, 1e-9);
    cr_assert_eq(rlt_count_named(root, "DONE"), 12);
    /* a finished run is not trained again; the others started once and resumed at most once */
    snprintf(cmd, sizeof cmd, "cd %s && for b in $(find . -name '*.before'); do cmp $b ${b%%.before} || exit 1; done 2>&1",
             root);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "a finished run was trained again: %s", out);
    assert_resumed_once(root);
    remove_dir(dir);
}

/* `mpirun <args>` must fail, with a message holding n1 and (unless NULL) n2 */
static void expect_refusal(const char *args, const char *n1, const char *n2)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, MPIRUN " %s 2>&1", args);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, n1) && (!n2 || strstr(out, n2)), "'%s' / '%s' not in: %s", n1, n2 ? n2 : "", out);
}

Test(tune_dist, an_error_on_one_rank_stops_both)
{
    char dir[256], search[300], path[500], args[1600];
    make_search_dir(dir, sizeof dir, "terr", search, sizeof search);
    /* a directory started by another search: rank 0 refuses it, rank 1 must not wait for a rung */
    snprintf(path, sizeof path, "%s/planted", dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/planted/trials.txt", dir);
    write_text(path, "# rlc tune: what the runs of this directory were sampled with\nbase: other.yaml\n");
    snprintf(args, sizeof args, "-np 2 %s tune %s --jobs 1 --runs-dir %s", RLC_BINARY, search, dir);
    expect_refusal(args, "the search differs", "trials.txt");
    snprintf(path, sizeof path, "%s/planted/rung_0", dir);
    cr_assert(access(path, F_OK) != 0, "runs were started in a directory of another search");
    /* rank 1 cannot read its search file (one program per rank: mpirun's colon syntax) */
    snprintf(args, sizeof args, "-np 1 %s tune %s --runs-dir %s/new : -np 1 %s tune %s/missing.yaml --runs-dir %s/new",
             RLC_BINARY, search, dir, RLC_BINARY, dir, dir);
    expect_refusal(args, "rank 1: ", "missing.yaml");
    /* rank 1 reads another search of the same name: its trials differ */
    char sub[400], other[500];
    snprintf(sub, sizeof sub, "%s/other", dir);
    cr_assert_eq(mkdir(sub, 0755), 0);
    snprintf(other, sizeof other, "%s/planted.yaml", sub);
    char *text = strdup(planted);
    memcpy(strstr(text, "seed: 3"), "seed: 4", 7);
    write_text(other, text);
    free(text);
    snprintf(args, sizeof args, "-np 1 %s tune %s --runs-dir %s/new : -np 1 %s tune %s --runs-dir %s/new", RLC_BINARY,
             search, dir, RLC_BINARY, other, dir);
    expect_refusal(args, "the ranks sampled different trials", NULL);
    snprintf(path, sizeof path, "%s/new", dir);
    cr_assert(access(path, F_OK) != 0, "a refused search created %s", path);
    remove_dir(dir);
}

#else /* no MPI compiled in */

Test(tune_dist, asking_for_ranks_says_mpi_is_not_compiled_in)
{
    char dir[256], search[300], cmd[1024];
    make_search_dir(dir, sizeof dir, "tnompi", search, sizeof search);
    snprintf(cmd, sizeof cmd, "OMPI_COMM_WORLD_SIZE=2 %s tune %s --runs-dir %s 2>&1", RLC_BINARY, search, dir);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "built without MPI"), "%s", out);
    char path[400];
    snprintf(path, sizeof path, "%s/planted", dir);
    cr_assert(access(path, F_OK) != 0, "a search started");
    remove_dir(dir);
}

#endif
