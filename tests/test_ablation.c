/* rlc tests: ablation files and grid expansion, validation before any run, a tiny ablation end
 * to end (report and plots), and a rerun that only does what is missing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "research/ablation.h"
#include "core/fs.h"
#include "tests/helpers/testutil.h"

#define BASE RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    cr_assert(fp != NULL);
    fputs(text, fp);
    fclose(fp);
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

Test(ablation, grid_expansion_and_naming)
{
    char dir[256], path[300], err[1024];
    rlt_tmp_mkdir(dir, sizeof dir, "grid");
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    write_file(path, "name: grid\nbase: " BASE "\nseeds: [3, 7]\n"
                     "set: {total_steps: 1000, log.eval_episodes: 1}\n"
                     "axes:\n  losses.value: [mse, {name: huber, delta: 2}]\n  ppo.ent_coef: [0.0, 0.01, 0.1]\n");
    ablation a;
    cr_assert_eq(ablation_load(&a, path, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(ablation_n_variants(&a), 6);
    cr_assert_eq(ablation_n_runs(&a), 12);
    cr_assert_eq(ablation_validate(&a, err, sizeof err), RL_OK, "%s", err);
    ablation_run r;
    ablation_run_at(&a, 0, "R", &r);
    cr_assert_str_eq(r.variant_name, "value=mse,ent_coef=0.0");
    cr_assert_eq(r.seed, 3);
    cr_assert_str_eq(r.run_dir, "R/grid/value=mse,ent_coef=0.0/seed_3");
    ablation_run_at(&a, 11, "R", &r);
    cr_assert_str_eq(r.variant_name, "value=huber-2,ent_coef=0.1");
    cr_assert_eq(r.seed, 7);
    /* the --set list: common overrides, then the axes, then the seed */
    cr_assert_str_eq(r.sets[0], "total_steps=1000");
    cr_assert_str_eq(r.sets[2], "losses.value={name: huber, delta: 2}");
    cr_assert_str_eq(r.sets[3], "ppo.ent_coef=0.1");
    cr_assert_str_eq(r.sets[4], "seed=7");
    /* every run index maps to a distinct directory */
    for (int i = 0; i < 12; i++) {
        ablation_run x, y;
        ablation_run_at(&a, i, "R", &x);
        for (int j = 0; j < i; j++) {
            ablation_run_at(&a, j, "R", &y);
            cr_assert_str_neq(x.run_dir, y.run_dir);
        }
    }
}

Test(ablation, named_values_and_list_values)
{
    /* an axis given as a mapping name -> value: variants are named by the names, values may be
     * lists (here the aux heads) */
    char dir[256], path[300], err[1024];
    rlt_tmp_mkdir(dir, sizeof dir, "named");
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    write_file(path, "name: named\nbase: " BASE "\nseeds: [1]\n"
                     "set: {total_steps: 1000, network.shared: true}\n"
                     "axes:\n  aux:\n    none: []\n"
                     "    reward_prediction: [{head: reward_prediction, loss: huber, weight: 0.1}]\n");
    ablation a;
    cr_assert_eq(ablation_load(&a, path, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(ablation_n_variants(&a), 2);
    cr_assert_eq(ablation_validate(&a, err, sizeof err), RL_OK, "%s", err);
    ablation_run r;
    ablation_run_at(&a, 0, "R", &r);
    cr_assert_str_eq(r.variant_name, "aux=none");
    cr_assert_str_eq(r.sets[2], "aux=[]");
    ablation_run_at(&a, 1, "R", &r);
    cr_assert_str_eq(r.variant_name, "aux=reward_prediction");
    cr_assert_str_eq(r.run_dir, "R/named/aux=reward_prediction/seed_1");
    cr_assert_str_eq(r.sets[2], "aux=[{head: reward_prediction, loss: huber, weight: 0.1}]");
    /* a list value without a name is labelled by its text */
    write_file(path, "base: " BASE "\nseeds: [1]\nset: {network.shared: true}\n"
                     "axes:\n  aux: [[], [{head: reward_prediction, loss: huber, weight: 0.1}]]\n");
    cr_assert_eq(ablation_load(&a, path, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    ablation_run_at(&a, 0, "R", &r);
    cr_assert_str_eq(r.variant_name, "aux=empty");
    ablation_run_at(&a, 1, "R", &r);
    cr_assert_str_eq(r.variant_name, "aux=reward_prediction-huber-0.1");
    /* names must be file-name safe */
    write_file(path, "base: " BASE "\nseeds: [1]\naxes:\n  aux:\n    'no good': []\n");
    cr_assert_neq(ablation_load(&a, path, NULL, 0, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "no good") && strstr(err, ":5"), "%s", err);
}

Test(ablation, ready_aux_ablations_expand_and_validate)
{
    const char *files[] = {RLC_SOURCE_DIR "/configs/ablations/ppo_aux_cartpole.yaml",
                           RLC_SOURCE_DIR "/configs/ablations/ppo_aux_hopper.yaml"};
    for (int i = 0; i < 2; i++) {
        ablation a;
        char err[1500];
        cr_assert_eq(ablation_load(&a, files[i], NULL, 0, err, sizeof err), RL_OK, "%s", err);
        cr_assert_eq(ablation_n_variants(&a), 7);
        cr_assert_eq(ablation_n_runs(&a), 35);
        cr_assert_eq(ablation_validate(&a, err, sizeof err), RL_OK, "%s", err);
        ablation_run r;
        ablation_run_at(&a, 0, "R", &r);
        cr_assert_str_eq(r.variant_name, "aux=none");
    }
}

static void expect_invalid(const char *body, const char *needle1, const char *needle2)
{
    char dir[256], path[300], err[1500], cmd[900], out[4096];
    rlt_tmp_mkdir(dir, sizeof dir, "invalid");
    snprintf(path, sizeof path, "%s/bad.yaml", dir);
    write_file(path, body);
    /* through the program: non-zero exit, the message names the problem, no run started */
    snprintf(cmd, sizeof cmd, "%s ablate %s --runs-dir %s/runs 2>&1", RLC_BINARY, path, dir);
    int code = rlt_run_cmd(cmd, out, sizeof out);
    cr_assert_neq(code, 0, "accepted: %s", out);
    cr_assert(strstr(out, needle1) && strstr(out, needle2), "message lacks '%s'/'%s': %s", needle1, needle2, out);
    char runs[300];
    snprintf(runs, sizeof runs, "%s/runs", dir);
    cr_assert(!exists(runs), "a run directory was created before validation failed");
    (void)err;
}

Test(ablation, invalid_axes_fail_before_any_run)
{
    expect_invalid("base: " BASE "\nseeds: [1]\naxes:\n  ppo.gama: [0.9, 0.99]\n", "ppo.gama", "unknown key");
    expect_invalid("base: " BASE "\nseeds: [1]\naxes:\n  ppo.gamma: [0.9, 2.0]\n", "ppo.gamma", "out of range");
    expect_invalid("base: " BASE "\nseeds: [1]\naxes:\n  losses.value: [mse, hubr]\n", "hubr", "value=hubr");
    expect_invalid("base: " BASE "\nseeds: [1]\naxes:\n  ppo.gamma: []\n", "bad.yaml:4", "non-empty list");
    expect_invalid("base: " BASE "\nseeds: [1, 1]\naxes:\n  ppo.gamma: [0.9]\n", "bad.yaml:2", "twice");
    expect_invalid("base: " BASE "\nseeds: [1]\naxis:\n  ppo.gamma: [0.9]\n", "bad.yaml:3", "unknown key 'axis'");
    expect_invalid("seeds: [1]\naxes:\n  ppo.gamma: [0.9]\n", "bad.yaml", "missing 'base");
    expect_invalid("base: /nonexistent/base.yaml\nseeds: [1]\naxes:\n  ppo.gamma: [0.9]\n", "/nonexistent/base.yaml", "cannot open");
}

Test(ablation, a_grid_past_the_run_limit_is_an_error)
{
    /* 16^6 x 8 x 64 runs overflowed the int that counts them (found by fuzz_ablation) */
    char dir[256], path[300], err[1024], text[4096], vals[64] = "[";
    rlt_tmp_mkdir(dir, sizeof dir, "huge");
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    for (int i = 1; i <= 16; i++) snprintf(vals + strlen(vals), sizeof vals - strlen(vals), "%s%d", i > 1 ? "," : "", i);
    strcat(vals, "]");
    int at = snprintf(text, sizeof text, "base: [" BASE ", " BASE "a, " BASE "b, " BASE "c, " BASE "d, " BASE "e, " BASE
                      "f, " BASE "g]\nseeds: [0");
    for (int i = 1; i < 64; i++) at += snprintf(text + at, sizeof text - (size_t)at, ", %d", i);
    at += snprintf(text + at, sizeof text - (size_t)at, "]\naxes:\n");
    const char *keys[] = {"ppo.num_steps", "ppo.update_epochs", "ppo.num_minibatches", "log.eval_episodes",
                          "log.return_window", "network.hidden"};
    for (int k = 0; k < 6; k++) at += snprintf(text + at, sizeof text - (size_t)at, "  %s: %s\n", keys[k], vals);
    write_file(path, text);
    ablation a;
    cr_assert_eq(ablation_load(&a, path, NULL, 0, err, sizeof err), RL_ERR_CONFIG, "%s", err);
    cr_assert(strstr(err, path) && strstr(err, "8589934592 runs") && strstr(err, "100000"), "%s", err);
    remove(path);
    rmdir(dir);
}

Test(ablation, tiny_ablation_end_to_end_and_resume)
{
    char dir[256], path[300], cmd[1200], out[16384], p[600];
    rlt_tmp_mkdir(dir, sizeof dir, "tiny");
    snprintf(path, sizeof path, "%s/tiny.yaml", dir);
    write_file(path, "name: tiny\nbase: " BASE "\nseeds: [1, 2]\n"
                     "set: {total_steps: 4096, log.log_interval: 1024, log.eval_interval: 2048, log.eval_episodes: 2}\n"
                     "axes:\n  losses.value: [mse, huber]\n");
    snprintf(cmd, sizeof cmd, "%s ablate %s --jobs 2 --runs-dir %s/runs 2>&1", RLC_BINARY, path, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "4 finished now, 0 already done, 0 failed"), "%s", out);
    const char *variants[] = {"value=mse", "value=huber"};
    for (int v = 0; v < 2; v++)
        for (int s = 1; s <= 2; s++) {
            snprintf(p, sizeof p, "%s/runs/tiny/%s/seed_%d/DONE", dir, variants[v], s);
            cr_assert(exists(p), "missing %s", p);
        }

    snprintf(cmd, sizeof cmd, "%s compare %s/runs/tiny --boot 200 2>&1", RLC_BINARY, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "value=mse") && strstr(out, "P(value=huber > value=mse)"), "%s", out);
    const char *files[] = {"report.md", "summary.csv", "curves_CartPole-v1.png", "intervals.png", "profile.png"};
    for (int i = 0; i < 5; i++) {
        struct stat sb;
        snprintf(p, sizeof p, "%s/runs/tiny/%s", dir, files[i]);
        cr_assert(stat(p, &sb) == 0 && sb.st_size > 100, "%s missing or empty", p);
    }
    /* the PNGs are PNGs */
    snprintf(p, sizeof p, "%s/runs/tiny/profile.png", dir);
    FILE *fp = fopen(p, "rb");
    unsigned char sig[8];
    cr_assert_eq(fread(sig, 1, 8, fp), 8u);
    fclose(fp);
    cr_assert(sig[0] == 0x89 && sig[1] == 'P' && sig[2] == 'N' && sig[3] == 'G');

    /* simulate an interruption: one run lost entirely, one stopped after its last checkpoint but
     * before the runner wrote DONE */
    snprintf(cmd, sizeof cmd, "rm -rf %s/runs/tiny/value=mse/seed_2 && rm %s/runs/tiny/value=huber/seed_1/DONE", dir, dir);
    cr_assert_eq(system(cmd), 0);
    struct stat before, after;
    snprintf(p, sizeof p, "%s/runs/tiny/value=mse/seed_1/metrics.csv", dir);
    cr_assert_eq(stat(p, &before), 0);
    snprintf(cmd, sizeof cmd, "%s ablate %s --jobs 2 --runs-dir %s/runs 2>&1", RLC_BINARY, path, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "2 finished now, 2 already done, 0 failed"), "%s", out);
    cr_assert_eq(stat(p, &after), 0);
    cr_assert(before.st_mtime == after.st_mtime && before.st_size == after.st_size, "a finished run was redone");
    snprintf(p, sizeof p, "%s/runs/tiny/value=huber/seed_1/train.log", dir);
    fp = fopen(p, "r");
    cr_assert(fp != NULL);
    char log[4096] = "";
    size_t n = fread(log, 1, sizeof log - 1, fp);
    log[n] = '\0';
    fclose(fp);
    /* its checkpoint is that of a finished, evaluated run: `train --resume` says so and redoes nothing */
    cr_assert(strstr(log, "already finished") != NULL, "the run without DONE was not picked up again:\n%s", log);
}

Test(ablation, a_failing_run_is_reported_and_others_continue)
{
    char dir[256], path[300], cmd[1200], out[16384], p[600];
    rlt_tmp_mkdir(dir, sizeof dir, "fail");
    snprintf(path, sizeof path, "%s/f.yaml", dir);
    write_file(path, "name: f\nbase: " BASE "\nseeds: [1]\nset: {total_steps: 2048, log.eval_episodes: 1}\n"
                     "axes:\n  ppo.learning_rate: [0.001, 0.002]\n");
    /* make one run fail once started: a directory where its metrics.csv goes */
    snprintf(p, sizeof p, "mkdir -p %s/runs/f/learning_rate=0.002/seed_1/metrics.csv", dir);
    cr_assert_eq(system(p), 0);
    snprintf(cmd, sizeof cmd, "%s ablate %s --jobs 1 --runs-dir %s/runs 2>&1", RLC_BINARY, path, dir);
    int code = rlt_run_cmd(cmd, out, sizeof out);
    cr_assert_neq(code, 0, "%s", out);
    cr_assert(strstr(out, "FAILED") && strstr(out, "learning_rate=0.002") && strstr(out, "train.log"), "%s", out);
    snprintf(p, sizeof p, "%s/runs/f/learning_rate=0.002/seed_1/train.log", dir);
    FILE *fp = fopen(p, "r");
    cr_assert(fp != NULL, "no log for the failed run");
    char log[2048] = "";
    size_t n = fread(log, 1, sizeof log - 1, fp);
    log[n] = '\0';
    fclose(fp);
    cr_assert(strstr(log, "metrics.csv") != NULL, "the log does not say what failed: %s", log);
    cr_assert(strstr(out, "1 finished now"), "the other run did not finish: %s", out);
}

/* ---- long variant names and --jobs ------------------------------------------------------- */

/* 4 axes x 2 named values, each name 60 characters: full variant names of ~280 characters that
 * differ only at their end (a cut at 255 characters used to map these 16 variants to 8). */
static void write_long_grid(const char *path)
{
    const char *keys[] = {"ppo.ent_coef", "ppo.vf_coef", "ppo.gae_lambda", "ppo.gamma"};
    const char *vals[][2] = {{"0.0", "0.01"}, {"0.5", "1.0"}, {"0.9", "0.95"}, {"0.98", "0.99"}};
    char text[4096];
    int at = snprintf(text, sizeof text, "name: long\nbase: " BASE "\nseeds: [1]\naxes:\n");
    for (int ax = 0; ax < 4; ax++) {
        at += snprintf(text + at, sizeof text - at, "  %s:\n", keys[ax]);
        for (int v = 0; v < 2; v++)
            at += snprintf(text + at, sizeof text - at, "    %.58s_%c: %s\n",
                           "a_rather_long_descriptive_label_for_this_particular_setting", 'a' + v, vals[ax][v]);
    }
    write_file(path, text);
}

Test(ablation, long_variant_names_stay_distinct_and_bounded)
{
    char dir[256], path[300], err[1024];
    rlt_tmp_mkdir(dir, sizeof dir, "longnames");
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    write_long_grid(path);
    ablation a;
    cr_assert_eq(ablation_load(&a, path, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(ablation_n_runs(&a), 16);
    char runs[300];
    snprintf(runs, sizeof runs, "%s/runs", dir);
    ablation_run r[16], again;
    for (int i = 0; i < 16; i++) {
        ablation_run_at(&a, i, runs, &r[i]);
        size_t len = strlen(r[i].variant_name);
        cr_assert_leq(len, (size_t)ABL_VARIANT_NAME_MAX);
        cr_assert_str_eq(r[i].variant_name + len - 17, strrchr(r[i].variant_name, '~'),
                         "a long name ends in '~' and its hash: %s", r[i].variant_name);
        cr_assert(strncmp(r[i].variant_name, "ent_coef=a_rather_long", 22) == 0, "readable prefix: %s", r[i].variant_name);
        ablation_run_at(&a, i, runs, &again);
        cr_assert_str_eq(again.run_dir, r[i].run_dir, "the name is stable");
        for (int j = 0; j < i; j++) cr_assert_str_neq(r[j].run_dir, r[i].run_dir, "runs %d and %d share a directory", j, i);
        /* each name is one valid path component */
        cr_assert_eq(rl_mkdir_p(r[i].run_dir, err, sizeof err), RL_OK, "%s", err);
    }
    char cmd[700], out[8192];
    snprintf(cmd, sizeof cmd, "ls %s/long | wc -l", runs);
    rlt_run_cmd(cmd, out, sizeof out);
    cr_assert_eq(atoi(out), 16, "16 variant directories, got %s", out);
}

Test(ablation, jobs_beyond_the_limit_are_an_error)
{
    char dir[256], path[300], err[1024], cmd[800], out[4096];
    rlt_tmp_mkdir(dir, sizeof dir, "jobs");
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    write_long_grid(path);
    snprintf(cmd, sizeof cmd, "%s ablate %s --jobs 99999999999 --dry-run 2>&1", RLC_BINARY, path);
    int code = rlt_run_cmd(cmd, out, sizeof out);
    cr_assert_eq(code, 2, "exit %d: %s", code, out);
    cr_assert(strstr(out, "--jobs") && strstr(out, "1..1024") && strstr(out, "99999999999"), "%s", out);
    ablation a;
    cr_assert_eq(ablation_load(&a, path, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    ablation_summary sum;
    char runs[300];
    snprintf(runs, sizeof runs, "%s/runs", dir);
    rl_status st = ablation_execute(&a, runs, ABL_MAX_JOBS + 1, RLC_BINARY, stdout, &sum, err, sizeof err);
    cr_assert_eq(st, RL_ERR_ARG, "%s", err);
    cr_assert(strstr(err, "--jobs") != NULL, "%s", err);
    cr_assert(!exists(runs), "nothing was started");
}

/* loads text as <dir>/<file> with the --set overrides sets (NULL: none) and asserts it is refused
 * with a message holding n1 and n2; removes what it wrote */
static void expect_load_error(const char *file, const char *text, const char *set, const char *n1, const char *n2)
{
    char dir[256], path[400], err[1500] = "";
    rlt_tmp_mkdir(dir, sizeof dir, "loaderr");
    snprintf(path, sizeof path, "%s/%s", dir, file);
    write_file(path, text);
    static ablation a;
    const char *sets[] = {set};
    rl_status st = ablation_load(&a, path, sets, set ? 1 : 0, err, sizeof err);
    cr_assert_neq(st, RL_OK, "accepted:\n%s", text);
    cr_assert(strstr(err, n1) && strstr(err, n2), "message lacks '%s' or '%s': %s", n1, n2, err);
    remove(path);
    cr_assert_eq(rmdir(dir), 0);
}

Test(ablation, deep_nesting_is_refused_where_the_limit_is_crossed)
{
    /* never closed, so a loader that reads the whole document first (as ablation files were read)
     * can only report the syntax error at the end; the 17th '[' opens at column 8 + 16 */
    char *text = malloc(RL_CONFIG_MAX_BYTES + 1);
    cr_assert(text != NULL);
    size_t head = (size_t)sprintf(text, "base: %s\nseeds: ", BASE);
    memset(text + head, '[', 300);
    text[head + 300] = '\0';
    expect_load_error("a.yaml", text, NULL, "a.yaml:2:24: ", "nested deeper than 16 levels (the limit of an ablation file)");
    memset(text + head, '[', RL_CONFIG_MAX_BYTES - head);
    text[RL_CONFIG_MAX_BYTES] = '\0';
    expect_load_error("a.yaml", text, NULL, "a.yaml:2:24: ", "nested deeper than 16 levels (the limit of an ablation file)");
    free(text);
}

Test(ablation, duplicate_and_overridden_keys_are_errors)
{
    /* a repeated key merged (seeds [1] then [5, 6] gave three seeds) */
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\nseeds: [5, 6]\n", NULL, "bad.yaml:3:1: duplicate key 'seeds'",
                      "first at line 2");
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\naxes:\n  ppo.gamma: [0.9]\n  ppo.gamma: [0.99]\n", NULL,
                      "bad.yaml:5:3: duplicate key 'ppo.gamma'", "first at line 4");
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\nset:\n  total_steps: 1\n  total_steps: 2\n", NULL,
                      "bad.yaml:5:3: duplicate key 'total_steps'", "first at line 4");
    /* two axes on one key, written differently, or a section and a key in it */
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\naxes:\n  ppo.gamma: [0.9]\n  ppo..gamma: [0.99]\n", NULL,
                      "bad.yaml:5: axes.ppo..gamma", "the axis on line 4");
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\naxes:\n  ppo: [{gamma: 0.9}]\n  ppo.gamma: [0.99]\n", NULL,
                      "bad.yaml:5: axes.ppo.gamma", "the axis on line 4");
    /* a key in set: and on an axis: the axis's value replaced set's in every run */
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\nset: {total_steps: 5}\naxes:\n  total_steps: [100, 200]\n",
                      NULL, "bad.yaml:3: set.total_steps", "axes.total_steps (line 5)");
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\nset: {ppo: {gamma: 0.9}, ppo.gamma: 0.8}\n", NULL,
                      "bad.yaml:3: set.ppo.gamma", "line 3");
    /* --set on rlc ablate's command line, replaced by an axis */
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\naxes:\n  ppo.gamma: [0.9, 0.99]\n", "ppo.gamma=0.5",
                      "--set ppo.gamma=0.5", "bad.yaml:4: the axis axes.ppo.gamma");
    /* the seed, which every run's seed=<k> replaced */
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\nset: {seed: 3}\n", NULL, "bad.yaml:3: set.seed", "seeds:");
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\naxes:\n  seed: [3, 4]\n", NULL, "bad.yaml:4: axes.seed", "seeds:");
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\n", "seed=3", "--set seed=3", "seeds:");
    /* base and bases: the second replaced or extended the first */
    expect_load_error("bad.yaml", "base: " BASE "\nbases: [" BASE "]\nseeds: [1]\n", NULL, "bad.yaml:2: bases",
                      "both base and bases");
    /* a key the --set text would read differently */
    expect_load_error("bad.yaml", "base: " BASE "\nseeds: [1]\nset: {a=b: 1}\n", NULL, "bad.yaml:3: set",
                      "config keys like ppo.gamma");
}

Test(ablation, run_names_are_one_directory_name)
{
    const char *names[] = {"..", ".", "''", "a/b", "\"a\\nb\"", "\"a\\tb\"", "\"a\\x85b\""};
    const char *why[] = {"'..' is the runs directory itself or its parent", "'.' is the runs directory", "is empty",
                         "'a/b' holds a '/'", "control character", "control character", "control character"};
    for (int i = 0; i < 7; i++) {
        char text[400];
        snprintf(text, sizeof text, "name: %s\nbase: " BASE "\nseeds: [1]\n", names[i]);
        expect_load_error("bad.yaml", text, NULL, "bad.yaml:1: name: ", why[i]);
    }
    /* without name:, the file's name: "..yaml" would give "." */
    expect_load_error("..yaml", "base: " BASE "\nseeds: [1]\n", NULL, "..yaml: the file's name", "give one with name:");

    /* through the program: refused, and nothing written beside --runs-dir */
    char dir[256], path[400], cmd[900], out[4096];
    rlt_tmp_mkdir(dir, sizeof dir, "dotdot");
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    write_file(path, "name: ..\nbase: " BASE "\nseeds: [1]\nset: {total_steps: 64}\n");
    snprintf(cmd, sizeof cmd, "%s ablate %s --runs-dir %s/runs/inner --dry-run 2>&1", RLC_BINARY, path, dir);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0, "name: .. accepted: %s", out);
    cr_assert(strstr(out, "a.yaml:1: name: '..'"), "%s", out);
    snprintf(cmd, sizeof cmd, "ls -A %s", dir);
    rlt_run_cmd(cmd, out, sizeof out);
    cr_assert_str_eq(out, "a.yaml\n", "written beside the ablation file: %s", out);
    remove(path);
    cr_assert_eq(rmdir(dir), 0);
}
