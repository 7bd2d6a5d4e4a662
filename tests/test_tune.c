/* rlc tests: rlc tune (research/tune.h): search files and their errors, deterministic sampling,
 * a search that finds a planted best value, and a search resumed after SIGTERM. */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/limits.h"
#include "research/tune.h"
#include "tests/helpers/testutil.h"

#define BASE RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"

static char *tmp_dir(void)
{
    static char dir[160];
    rlt_tmp_mkdir(dir, sizeof dir, "tune");
    return dir;
}

static void remove_dir(const char *dir)
{
    rlt_remove_tree(dir);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp, "cannot write %s", path);
    fputs(text, fp);
    fclose(fp);
}

/* writes text to <dir>/<name> and loads it */
static rl_status load_text(tune_search *t, const char *dir, const char *name, const char *text, char *err, size_t sz)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file(path, text);
    return tune_load(t, path, err, sz);
}

static const char *space =
    "base: " BASE "\n"
    "seed: 7\n"
    "trials: 12\n"
    "seeds: [1, 2]\n"
    "budget: 90000\n"
    "params:\n"
    "  ppo.learning_rate: {low: 1.0e-5, high: 1.0e-2, log: true}\n"
    "  ppo.update_epochs: {low: 2, high: 10, int: true}\n"
    "  network.hidden: {choices: [[32, 32], [64, 64]]}\n"
    "prune: {rungs: 3, eta: 3}\n";

Test(tune, sampling_is_deterministic_and_within_the_ranges)
{
    char *dir = tmp_dir(), err[1500];
    static tune_search a, b, c;
    cr_assert_eq(load_text(&a, dir, "a.yaml", space, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(load_text(&b, dir, "b.yaml", space, err, sizeof err), RL_OK, "%s", err);
    char other[1024];
    snprintf(other, sizeof other, "%s", space);
    memcpy(strstr(other, "seed: 7"), "seed: 8", 7);
    cr_assert_eq(load_text(&c, dir, "c.yaml", other, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(a.name, "a");
    int differ = 0, small_net = 0;
    for (int i = 0; i < a.n_trials; i++) {
        for (int j = 0; j < a.n_params; j++) {
            cr_assert_str_eq(a.values[i][j], b.values[i][j], "trial %d param %d", i, j);
            differ += strcmp(a.values[i][j], c.values[i][j]) != 0;
        }
        double lr = atof(a.values[i][0]);
        cr_assert(lr >= 1e-5 && lr <= 1e-2, "learning rate %s", a.values[i][0]);
        char *end;
        long ep = strtol(a.values[i][1], &end, 10);
        cr_assert(!*end && ep >= 2 && ep <= 10, "update_epochs %s", a.values[i][1]);
        cr_assert(strcmp(a.values[i][2], "[32, 32]") == 0 || strcmp(a.values[i][2], "[64, 64]") == 0, "%s",
                  a.values[i][2]);
        small_net += strcmp(a.values[i][2], "[32, 32]") == 0;
    }
    cr_assert_gt(differ, 0, "another sampler seed gave the same trials");
    cr_assert(small_net > 0 && small_net < a.n_trials, "one choice only: %d of %d", small_net, a.n_trials);
    /* a log range spreads over its decades: some rates below 1e-4 and some above 1e-3 */
    int low = 0, high = 0;
    for (int i = 0; i < a.n_trials; i++) {
        low += atof(a.values[i][0]) < 1e-4;
        high += atof(a.values[i][0]) > 1e-3;
    }
    cr_assert(low > 0 && high > 0, "log range not spread: %d low, %d high", low, high);
    /* successive halving: 12, 4, 1 trials at 10000, 30000, 90000 steps */
    cr_assert_eq(tune_rung_trials(&a, 0), 12);
    cr_assert_eq(tune_rung_trials(&a, 1), 4);
    cr_assert_eq(tune_rung_trials(&a, 2), 1);
    cr_assert_eq(tune_rung_budget(&a, 0), 10000);
    cr_assert_eq(tune_rung_budget(&a, 2), 90000);
    tune_free(&a);
    tune_free(&b);
    tune_free(&c);
    remove_dir(dir);
}

/* a bad search file is an error naming the file, the line and the key */
static void expect_error(const char *text, const char *where, const char *what)
{
    char *dir = tmp_dir(), err[1500] = "";
    static tune_search t;
    rl_status st = load_text(&t, dir, "bad.yaml", text, err, sizeof err);
    cr_assert_neq(st, RL_OK, "accepted:\n%s", text);
    cr_assert_not_null(strstr(err, where), "'%s' not in: %s", where, err);
    cr_assert_not_null(strstr(err, what), "'%s' not in: %s", what, err);
    remove_dir(dir);
}

Test(tune, bad_search_files_name_file_line_and_key)
{
    const char *head = "base: " BASE "\ntrials: 4\nseeds: [1]\nbudget: 1000\n";
    char text[1024];
    snprintf(text, sizeof text, "%sparams:\n  ppo.learning_rate: {low: 0.1, high: 0.01}\n", head);
    expect_error(text, "bad.yaml:6", "low must not exceed high");
    snprintf(text, sizeof text, "%sparams:\n  ppo.learning_rate: {low: 0, high: 0.01, log: true}\n", head);
    expect_error(text, "bad.yaml:6", "log range needs low > 0");
    snprintf(text, sizeof text, "%sparams:\n  ppo.no_such_key: {low: 1, high: 2}\n", head);
    expect_error(text, "bad.yaml:6: params.ppo.no_such_key", "no_such_key");
    snprintf(text, sizeof text, "%sparams:\n  ppo.learning_rate: {choices: [0.1], low: 1}\n", head);
    expect_error(text, "bad.yaml:6", "not both");
    snprintf(text, sizeof text, "%sparams:\n  ppo.learning_rate: {lo: 1, high: 2}\n", head);
    expect_error(text, "bad.yaml:6", "unknown key");
    snprintf(text, sizeof text, "%sparams:\n  ppo.learning_rate: {choices: [0.1]}\nprune: {rungs: 9}\n", head);
    expect_error(text, "bad.yaml:7: prune.rungs", "1..8");
    snprintf(text, sizeof text, "%sparams:\n  ppo.learning_rate: {choices: [0.1]}\nbogus: 1\n", head);
    expect_error(text, "bad.yaml:7: bogus", "unknown key");
    expect_error("base: " BASE "\ntrials: 4097\nseeds: [1]\nbudget: 1000\nparams: {seed: {low: 1, high: 2}}\n",
                 "bad.yaml:2: trials", "1..4096");
    expect_error("base: " BASE "\ntrials: 4\nseeds: [1]\nparams:\n  ppo.gamma: {low: 0.9, high: 0.99}\n",
                 "bad.yaml:1: budget", "missing");
    expect_error("base: " BASE "\ntrials: 2\nseeds: [1]\nbudget: 10\nparams:\n  total_steps: {low: 1, high: 2}\n",
                 "bad.yaml:6: params", "set by the search");
    expect_error("trials: [\n", "bad.yaml:", "YAML syntax error");
}

Test(tune, duplicate_and_overridden_keys_are_errors)
{
    const char *head = "base: " BASE "\ntrials: 4\nbudget: 1000\n";
    const char *params = "params:\n  ppo.learning_rate: {low: 0.001, high: 0.01}\n";
    char text[1024];
    /* a repeated key merged (seeds [1] then [5, 6] gave three seeds) */
    snprintf(text, sizeof text, "%sseeds: [1]\nseeds: [5, 6]\n%s", head, params);
    expect_error(text, "bad.yaml:5:1: duplicate key 'seeds'", "first at line 4");
    snprintf(text, sizeof text, "%sseeds: [1]\n%s  ppo.learning_rate: {low: 0.1, high: 0.2}\n", head, params);
    expect_error(text, "bad.yaml:7:3: duplicate key 'ppo.learning_rate'", "first at line 6");
    /* total_steps in set: was replaced by each rung's budget without a word; seed by the seeds */
    snprintf(text, sizeof text, "%sseeds: [1]\nset: {total_steps: 5}\n%s", head, params);
    expect_error(text, "bad.yaml:5: set", "set by the search");
    snprintf(text, sizeof text, "%sseeds: [1]\nset: {seed: 5}\n%s", head, params);
    expect_error(text, "bad.yaml:5: set", "set by the search");
    /* a key in set: and in params: the parameter's value replaced set's in every trial */
    snprintf(text, sizeof text, "%sseeds: [1]\nset: {ppo.learning_rate: 0.1}\n%s", head, params);
    expect_error(text, "bad.yaml:5: set.ppo.learning_rate", "params.ppo.learning_rate (line 7)");
    snprintf(text, sizeof text, "%sseeds: [1]\n%sset: {ppo: {learning_rate: 0.1}}\n", head, params);
    expect_error(text, "bad.yaml:7: set.ppo", "params.ppo.learning_rate (line 6)");
    snprintf(text, sizeof text, "%sseeds: [1]\nset: {ppo.gamma: 0.9, ppo..gamma: 0.8}\n%s", head, params);
    expect_error(text, "bad.yaml:5: ppo..gamma", "line 5");
    /* two parameters on one key, written differently */
    snprintf(text, sizeof text, "%sseeds: [1]\n%s  ppo..learning_rate: {low: 0.1, high: 0.2}\n", head, params);
    expect_error(text, "bad.yaml:7: ppo..learning_rate", "params.ppo.learning_rate (line 6)");
    /* names of the runs' directory */
    const char *names[] = {"..", ".", "''", "a/b", "\"a\\nb\""};
    const char *why[] = {"'..' is the runs directory itself or its parent", "'.' is the runs directory", "is empty",
                         "'a/b' holds a '/'", "control character"};
    for (int i = 0; i < 5; i++) {
        snprintf(text, sizeof text, "name: %s\n%sseeds: [1]\n%s", names[i], head, params);
        expect_error(text, "bad.yaml:1: name: ", why[i]);
    }
}

Test(tune, deep_nesting_is_refused_where_the_limit_is_crossed)
{
    /* never closed, so a loader that reads the whole document first (as search files were read)
     * can only report the syntax error at the end; the 17th '[' opens at column 8 + 16 */
    char *text = malloc(RL_CONFIG_MAX_BYTES + 1);
    cr_assert(text != NULL);
    size_t head = (size_t)sprintf(text, "base: %s\nseeds: ", BASE);
    memset(text + head, '[', 300);
    text[head + 300] = '\0';
    expect_error(text, "bad.yaml:2:24: ", "nested deeper than 16 levels (the limit of a search file)");
    memset(text + head, '[', RL_CONFIG_MAX_BYTES - head);
    text[RL_CONFIG_MAX_BYTES] = '\0';
    expect_error(text, "bad.yaml:2:24: ", "nested deeper than 16 levels (the limit of a search file)");
    free(text);
}

/* runs `rlc tune search --jobs J --runs-dir dir`, its output in <dir>/out_<tag>.txt; returns the pid */
static pid_t start_tune(const char *search, const char *dir, const char *jobs, const char *tag)
{
    char out[300];
    snprintf(out, sizeof out, "%s/out_%s.txt", dir, tag);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (!freopen(out, "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(126);
        execl(RLC_BINARY, "rlc", "tune", search, "--jobs", jobs, "--runs-dir", dir, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int wait_exit(pid_t pid)
{
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* PPO on CartPole with a learning rate of 1e-7 (nothing is learnt in 8k steps) or 3e-3 (it
 * learns): the search must keep a good rate, prune the tiny one at the first rung, and write a
 * best.yaml with the good rate and the full budget */
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

Test(tune, finds_the_planted_best_learning_rate)
{
    char *dir = tmp_dir(), search[256], path[400], err[1500];
    snprintf(search, sizeof search, "%s/planted.yaml", dir);
    write_file(search, planted);
    static tune_search t;
    cr_assert_eq(tune_load(&t, search, err, sizeof err), RL_OK, "%s", err);
    int tiny = -1;
    for (int i = 0; i < t.n_trials; i++)
        if (strcmp(t.values[i][0], "1.0e-7") == 0) tiny = i;
    cr_assert_geq(tiny, 0, "no trial drew the tiny rate: choose another sampler seed for this test");
    cr_assert_eq(wait_exit(start_tune(search, dir, "2", "run")), 0, "rlc tune failed: see %s/out_run.txt", dir);
    snprintf(path, sizeof path, "%s/planted/best.yaml", dir);
    cr_assert_float_eq(rlt_yaml_value(path, "ppo", "learning_rate"), 3e-3, 1e-9);
    FILE *fp = fopen(path, "r");
    char line[256];
    int full = 0;
    while (fgets(line, sizeof line, fp)) full |= strcmp(line, "total_steps: 8192\n") == 0;
    fclose(fp);
    cr_assert(full, "best.yaml does not train for the full budget");
    /* rlc train takes the file as it is (its comment line above the dump's header included) */
    char trained[400], out[4096], dumped[450];
    snprintf(trained, sizeof trained, "%s/from_best", dir);
    const char *train[] = {"train", path, "--set", "total_steps=256", "--set", "log.eval_interval=256",
                           "--run-dir", trained, "--quiet", NULL};
    int ws = rlt_run_rlc_guarded(train, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "rlc train %s failed:\n%s", path, out);
    snprintf(dumped, sizeof dumped, "%s/config.yaml", trained);
    cr_assert_float_eq(rlt_yaml_value(dumped, "ppo", "learning_rate"), 3e-3, 1e-9);
    snprintf(path, sizeof path, "%s/planted/rung_1/trial_%04d", dir, tiny);
    cr_assert(access(path, F_OK) != 0, "the tiny learning rate reached the second rung");
    snprintf(path, sizeof path, "%s/planted/report.md", dir);
    cr_assert_eq(access(path, F_OK), 0);
    tune_free(&t);
    remove_dir(dir);
}

/* the first finished run of rung 0 (its directory), or "" */
static void first_done(const char *root, const tune_search *t, char *out, size_t sz)
{
    out[0] = '\0';
    for (int i = 0; i < t->n_trials; i++)
        for (int s = 0; s < t->n_seeds; s++) {
            char p[400];
            snprintf(p, sizeof p, "%s/rung_0/trial_%04d/seed_%lld/DONE", root, i, (long long)t->seeds[s]);
            if (access(p, F_OK) == 0) {
                snprintf(out, sz, "%.*s", (int)(strlen(p) - 5), p);
                return;
            }
        }
}

Test(tune, resumes_after_sigterm_without_rerunning_finished_trials)
{
    char *dir = tmp_dir(), search[256], root[300], done[400] = "", err[1500];
    snprintf(search, sizeof search, "%s/planted.yaml", dir);
    write_file(search, planted);
    snprintf(root, sizeof root, "%s/planted", dir);
    static tune_search t;
    cr_assert_eq(tune_load(&t, search, err, sizeof err), RL_OK, "%s", err);
    pid_t pid = start_tune(search, dir, "1", "first");
    /* wait for the first finished run, then stop the search */
    while (!done[0]) {
        first_done(root, &t, done, sizeof done);
        int status;
        cr_assert_eq(waitpid(pid, &status, WNOHANG), 0, "rlc tune ended before it was stopped");
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGTERM);
    cr_assert_eq(wait_exit(pid), 130, "an interrupted search exits with 130");
    char eval[500];
    snprintf(eval, sizeof eval, "%s/eval.csv", done);
    struct stat before, after;
    cr_assert_eq(stat(eval, &before), 0);
    cr_assert(access(root, F_OK) == 0);
    char best[400];
    snprintf(best, sizeof best, "%s/best.yaml", root);
    cr_assert(access(best, F_OK) != 0, "an interrupted search wrote best.yaml");
    /* again: the finished run is skipped, the search completes */
    cr_assert_eq(wait_exit(start_tune(search, dir, "1", "second")), 0, "the resumed search failed");
    cr_assert_eq(stat(eval, &after), 0);
    cr_assert(before.st_mtim.tv_sec == after.st_mtim.tv_sec && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec &&
                  before.st_ino == after.st_ino,
              "the finished run %s was trained again", done);
    cr_assert_eq(access(best, F_OK), 0);
    char out[400], line[512];
    snprintf(out, sizeof out, "%s/out_second.txt", dir);
    FILE *fp = fopen(out, "r");
    int skipped = 0;
    while (fgets(line, sizeof line, fp)) skipped |= strstr(line, "already finished: skipped") != NULL;
    fclose(fp);
    cr_assert(skipped, "the resumed search did not report skipped runs");
    tune_free(&t);
    remove_dir(dir);
}

/* the shipped search files (configs/tune/) load and sample */
Test(tune, shipped_search_files_load)
{
    static const char *files[] = {RLC_SOURCE_DIR "/configs/tune/ppo_cartpole.yaml",
                                  RLC_SOURCE_DIR "/configs/tune/ppo_halfcheetah.yaml",
                                  RLC_SOURCE_DIR "/configs/tune/ppo_mountaincar.yaml",
                                  RLC_SOURCE_DIR "/configs/tune/dqn_mountaincar.yaml",
                                  RLC_SOURCE_DIR "/configs/tune/ppo_mountaincarcontinuous.yaml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        static tune_search t;
        char err[1500];
#ifndef RLC_HAVE_MUJOCO
        if (strstr(files[i], "halfcheetah")) continue;
#endif
        cr_assert_eq(tune_load(&t, files[i], err, sizeof err), RL_OK, "%s", err);
        cr_assert_gt(t.n_trials, 1);
        tune_free(&t);
    }
}

/* the ablation runner's listed variants (what each rung of a search is): names and overrides as
 * listed, after the common overrides and before the seed, one run per variant and seed */
Test(tune, ablation_listed_variants_replace_the_grid)
{
    static ablation a;
    static char names[2][ABL_VARIANT_NAME_MAX + 1] = {"trial_0003", "trial_0007"};
    static char sets[2][ABL_LIST_MAX_SETS][ABL_TEXT] = {{"ppo.learning_rate=0.001", "total_steps=100"},
                                                         {"ppo.learning_rate=0.01", "total_steps=100"}};
    ablation_variant_list list = {2, 2, (const char(*)[ABL_VARIANT_NAME_MAX + 1])names,
                                  (const char(*)[ABL_LIST_MAX_SETS][ABL_TEXT])sets};
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "rung_0");
    a.n_bases = 1;
    snprintf(a.bases[0], sizeof a.bases[0], "%s", BASE);
    a.n_seeds = 2;
    a.seeds[0] = 4;
    a.seeds[1] = 5;
    a.n_sets = 1;
    snprintf(a.sets[0], sizeof a.sets[0], "log.eval_episodes=2");
    a.listed = &list;
    cr_assert_eq(ablation_n_variants(&a), 2);
    cr_assert_eq(ablation_n_runs(&a), 4);
    static ablation_run r;
    ablation_run_at(&a, 3, "R", &r);
    cr_assert_str_eq(r.variant_name, "trial_0007");
    cr_assert_eq(r.seed, 5);
    cr_assert_str_eq(r.run_dir, "R/rung_0/trial_0007/seed_5");
    cr_assert_eq(r.n_sets, 4);
    cr_assert_str_eq(r.sets[0], "log.eval_episodes=2");
    cr_assert_str_eq(r.sets[1], "ppo.learning_rate=0.01");
    cr_assert_str_eq(r.sets[2], "total_steps=100");
    cr_assert_str_eq(r.sets[3], "seed=5");
    char err[1500];
    cr_assert_eq(ablation_validate(&a, err, sizeof err), RL_OK, "%s", err);
}

/* a directory started by another search (its trials.txt differs) is refused before anything runs:
 * run directories are named by trial index, so resuming there would mix other values' runs */
Test(tune, refuses_a_directory_started_by_another_search)
{
    char *dir = tmp_dir(), search[256], root[300], path[400];
    snprintf(search, sizeof search, "%s/planted.yaml", dir);
    write_file(search, planted);
    snprintf(root, sizeof root, "%s/planted", dir);
    cr_assert_eq(mkdir(root, 0755), 0);
    snprintf(path, sizeof path, "%s/trials.txt", root);
    write_file(path, "# rlc tune: what the runs of this directory were sampled with\nbase: other.yaml\n");
    cr_assert_eq(wait_exit(start_tune(search, dir, "1", "other")), 1);
    snprintf(path, sizeof path, "%s/rung_0", root);
    cr_assert(access(path, F_OK) != 0, "runs were started in a directory of another search");
    remove_dir(dir);
}
