/* rlc tests: stopping a run early (train/stopping.h, the `stop:` section):
 *   - stop.reward_threshold: a threshold PPO reaches on CartPole in a few thousand steps ends the
 *     run there, over several seeds: fewer steps than total_steps, the final checkpoint at that
 *     step, best.safetensors, stopped.txt and the checkpoint's rlc.stop say why;
 *   - stop.patience and stop.min_evals: on one-step CartPole episodes every evaluation returns
 *     exactly 1, so only the first is a new best and the stop comes at evaluation
 *     max(min_evals, 1) + patience;
 *   - --resume of a stopped run does nothing while its rule holds, and trains on (counting patience
 *     from where it was) when --set loosens it;
 *   - trainer_opts.on_row sees log and evaluation rows with increasing steps, and a non-zero
 *     return stops the run cleanly;
 *   - bad values are refused naming the key, before a run directory exists. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "helpers/testutil.h"
#include "nn/nn.h"
#include "train/stopping.h"
#include "train/trainer.h"
#include "train/trainer_watch.h"

#define CONFIG RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"

/* a fresh run directory path in the test's own directory (tests/helpers/tmp.c) */
static void tmp_dir(char *dir, size_t sz) { rlt_tmp_dir(dir, sz, "stop"); }

static void remove_tmp(const char *dir) { rlt_remove_tree(dir); }

/* trains CONFIG (resume: the run's config.yaml, as rlc train --resume) with the overrides (quiet,
 * no TensorBoard) */
static rl_status train(const char *dir, const char *const *sets, int n_sets, bool resume, trainer_opts *opts,
                       trainer_result *res, char *err, size_t err_sz)
{
    const char *all[16] = {"log.tensorboard=false"};
    for (int i = 0; i < n_sets; i++) all[1 + i] = sets[i];
    char path[700];
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    rl_config cfg;
    rl_status st = rl_config_load(&cfg, resume ? path : CONFIG, all, 1 + n_sets, err, err_sz);
    if (st != RL_OK) return st;
    trainer_opts o = {.run_dir = dir, .quiet = true, .resume = resume};
    if (opts) o.on_row = opts->on_row, o.on_row_user = opts->on_row_user;
    return trainer_run(&cfg, &o, res, err, err_sz);
}

/* eval.csv's rows: their count, and the returns into rets (up to max) */
static int eval_rows(const char *dir, double *steps, double *rets, int max)
{
    char path[700], line[512];
    snprintf(path, sizeof path, "%s/eval.csv", dir);
    FILE *fp = fopen(path, "r");
    cr_assert(fp && fgets(line, sizeof line, fp), "%s", path);
    int n = 0;
    double s, r;
    while (fgets(line, sizeof line, fp) && sscanf(line, "%lf,%lf", &s, &r) == 2) {
        if (n < max) steps[n] = s, rets[n] = r;
        n++;
    }
    fclose(fp);
    return n;
}

/* the checkpoint's metadata value of key (copied into out) */
static void ckpt_meta(const char *dir, const char *key, char *out, size_t sz)
{
    char path[700], err[512];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    nn_safetensors *f = NULL;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    const char *v = nn_safetensors_meta(f, key);
    cr_assert(v, "%s: no %s", path, key);
    snprintf(out, sz, "%s", v);
    nn_safetensors_close(f);
}

static void read_file(const char *dir, const char *name, char *out, size_t sz)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "r");
    cr_assert(fp, "no %s", path);
    size_t n = fread(out, 1, sz - 1, fp);
    out[n] = '\0';
    fclose(fp);
}

Test(stopping, reward_threshold_stops_early)
{
    for (int seed = 1; seed <= 3; seed++) {
        char dir[256], err[1024], seed_set[32], v[400];
        tmp_dir(dir, sizeof dir);
        snprintf(seed_set, sizeof seed_set, "seed=%d", seed);
        const char *sets[] = {seed_set, "total_steps=200000", "log.eval_interval=2048", "log.log_interval=2048",
                              "stop.reward_threshold=100"};
        trainer_result res;
        cr_assert_eq(train(dir, sets, 5, false, NULL, &res, err, sizeof err), RL_OK, "%s", err);
        cr_assert(res.stopped, "seed %d: not stopped", seed);
        cr_assert_lt(res.steps, 200000, "seed %d", seed);
        double steps[200], rets[200];
        int n = eval_rows(dir, steps, rets, 200);
        cr_assert(n >= 1 && n <= 200);
        cr_assert_eq((int64_t)steps[n - 1], res.steps, "seed %d: the run stops at its last evaluation", seed);
        cr_assert_geq(rets[n - 1], 100.0, "seed %d", seed);
        for (int i = 0; i < n - 1; i++) cr_assert_lt(rets[i], 100.0, "seed %d: evaluation %d reached it already", seed, i);
        cr_assert_eq(res.eval_mean, rets[n - 1]);
        ckpt_meta(dir, "rlc.step", v, sizeof v);
        cr_assert_eq(strtoll(v, NULL, 10), res.steps, "the final checkpoint is at the stop");
        ckpt_meta(dir, "rlc.stop", v, sizeof v);
        cr_assert_str_eq(v, "reward_threshold");
        char path[700];
        snprintf(path, sizeof path, "%s/%s", dir, TRAINER_BEST_FILE);
        cr_assert(rl_path_exists(path), "no best model");
        read_file(dir, TRAINER_STOP_FILE, v, sizeof v);
        cr_assert(strstr(v, "stop.reward_threshold 100"), "%s", v);
        cr_assert(strstr(res.stop_reason, "stop.reward_threshold"), "%s", res.stop_reason);

        /* --resume: the rule still holds, nothing is done or written */
        cr_assert_eq(train(dir, NULL, 0, true, NULL, &res, err, sizeof err), RL_OK, "%s", err);
        cr_assert(res.already_finished && res.stopped);
        cr_assert_eq(eval_rows(dir, steps, rets, 200), n);
        remove_tmp(dir);
    }
}

/* evaluations every 256 steps of one-step episodes: every evaluation returns exactly 1 */
static void patience_run(const char *dir, const char *patience, const char *min_evals, trainer_result *res)
{
    char err[1024];
    const char *sets[] = {"env.max_episode_steps=1", "ppo.learning_rate=0", "log.eval_interval=256",
                          "log.log_interval=256", patience, min_evals};
    cr_assert_eq(train(dir, sets, 6, false, NULL, res, err, sizeof err), RL_OK, "%s", err);
}

Test(stopping, patience_counts_after_min_evals)
{
    static const struct { const char *patience, *min_evals; int rows; } cases[] = {
        {"stop.patience=3", "stop.min_evals=0", 4},   /* 1 best, then 3 without */
        {"stop.patience=3", "stop.min_evals=2", 5},   /* 2 not counted, then 3 without */
        {"stop.patience=1", "stop.min_evals=4", 5},
    };
    for (int c = 0; c < RL_ARRAY_LEN(cases); c++) {
        char dir[256], v[400];
        tmp_dir(dir, sizeof dir);
        trainer_result res;
        patience_run(dir, cases[c].patience, cases[c].min_evals, &res);
        double steps[64], rets[64];
        int n = eval_rows(dir, steps, rets, 64);
        cr_assert_eq(n, cases[c].rows, "%s %s: %d evaluations", cases[c].patience, cases[c].min_evals, n);
        for (int i = 0; i < n; i++) cr_assert_eq(rets[i], 1.0);
        cr_assert(res.stopped);
        cr_assert_eq(res.steps, 256 * n);
        ckpt_meta(dir, "rlc.stop", v, sizeof v);
        cr_assert_str_eq(v, "patience");
        read_file(dir, TRAINER_STOP_FILE, v, sizeof v);
        cr_assert(strstr(v, "without a new best return"), "%s", v);
        remove_tmp(dir);
    }
}

Test(stopping, resume_trains_on_when_the_rule_is_loosened)
{
    char dir[256], err[1024], v[400];
    tmp_dir(dir, sizeof dir);
    trainer_result res;
    patience_run(dir, "stop.patience=3", "stop.min_evals=0", &res);
    double steps[64], rets[64];
    cr_assert_eq(eval_rows(dir, steps, rets, 64), 4);
    /* the same rule: nothing to do */
    cr_assert_eq(train(dir, NULL, 0, true, NULL, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert(res.already_finished && res.stopped);
    cr_assert(strstr(res.stop_reason, "stop.patience 3"), "%s", res.stop_reason);
    /* patience 5: two more evaluations without a new best (three were counted already) */
    const char *five[] = {"stop.patience=5"};
    cr_assert_eq(train(dir, five, 1, true, NULL, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert(!res.already_finished && res.stopped);
    cr_assert_eq(eval_rows(dir, steps, rets, 64), 6);
    read_file(dir, TRAINER_STOP_FILE, v, sizeof v);
    cr_assert(strstr(v, "stop.patience 5"), "%s", v);
    /* patience off: the run trains on to total_steps and its stop record goes */
    const char *off[] = {"stop.patience=0", "total_steps=2048"};
    cr_assert_eq(train(dir, off, 2, true, NULL, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert(!res.stopped && res.steps == 2048);
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, TRAINER_STOP_FILE);
    cr_assert(!rl_path_exists(path), "stopped.txt outlived the stop");
    ckpt_meta(dir, "rlc.stop", v, sizeof v);
    cr_assert_str_eq(v, "none");
    remove_tmp(dir);
}

typedef struct {
    int n_log, n_eval, stop_after;   /* stop_after: rows seen before asking to stop; 0 = never */
    double last_step;
    bool names_ok;
} hook_seen;

static int hook(void *user, int kind, const char *const *names, const double *values, int n)
{
    hook_seen *h = user;
    if (kind == TRAINER_ROW_LOG) {
        h->n_log++;
        h->names_ok &= n >= 4 && strcmp(names[2], "return_mean") == 0;
    } else {
        h->n_eval++;
        h->names_ok &= n == 4 && strcmp(names[1], "return_mean") == 0;
    }
    h->names_ok &= strcmp(names[0], "step") == 0 && values[0] >= h->last_step;
    h->last_step = values[0];
    return h->stop_after > 0 && h->n_log + h->n_eval >= h->stop_after;
}

Test(stopping, on_row_sees_rows_and_stops)
{
    char dir[256], err[1024], v[400];
    tmp_dir(dir, sizeof dir);
    const char *sets[] = {"total_steps=8192", "log.eval_interval=2048", "log.log_interval=1024"};
    hook_seen h = {.names_ok = true};
    trainer_opts o = {.on_row = hook, .on_row_user = &h};
    trainer_result res;
    cr_assert_eq(train(dir, sets, 3, false, &o, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert(h.names_ok);
    cr_assert_eq(h.n_log, 8);
    cr_assert_eq(h.n_eval, 4, "three during training and the final one");
    cr_assert(!res.stopped);
    remove_tmp(dir);

    tmp_dir(dir, sizeof dir);
    h = (hook_seen){.names_ok = true, .stop_after = 3};   /* log 1024, log 2048, eval 2048 */
    cr_assert_eq(train(dir, sets, 3, false, &o, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert(res.stopped && res.steps == 2048, "steps %lld", (long long)res.steps);
    cr_assert(strstr(res.stop_reason, "callback"), "%s", res.stop_reason);
    ckpt_meta(dir, "rlc.step", v, sizeof v);
    cr_assert_str_eq(v, "2048");
    double steps[16], rets[16];
    cr_assert_eq(eval_rows(dir, steps, rets, 16), 1, "the stop was at an evaluation: no second one");
    /* a run the caller stopped resumes */
    cr_assert_eq(train(dir, NULL, 0, true, NULL, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert(!res.already_finished && !res.stopped && res.steps == 8192);
    remove_tmp(dir);
}

static void expect_error(const char *const *sets, int n, const char *needle)
{
    char dir[256], err[1024] = "";
    tmp_dir(dir, sizeof dir);
    trainer_result res;
    cr_assert_eq(train(dir, sets, n, false, NULL, &res, err, sizeof err), RL_ERR_CONFIG, "%s: %s", needle, err);
    cr_assert(strstr(err, needle), "expected '%s' in: %s", needle, err);
    cr_assert(!rl_path_exists(dir), "%s was created", dir);
    remove_tmp(dir);
}

Test(stopping, bad_values_name_the_key)
{
    const char *neg[] = {"stop.patience=-1"};
    expect_error(neg, 1, "stop.patience: -1 is out of range");
    const char *neg_min[] = {"stop.min_evals=-2"};
    expect_error(neg_min, 1, "stop.min_evals: -2 is out of range");
    const char *word[] = {"stop.reward_threshold=high"};
    expect_error(word, 1, "stop.reward_threshold: expected a number, env");
    const char *no_evals[] = {"stop.patience=2", "log.eval_interval=0"};
    expect_error(no_evals, 2, "stop.patience: needs evaluations during training");
    const char *no_env_threshold[] = {"stop.reward_threshold=env", "env.id=Pendulum-v1"};
    expect_error(no_env_threshold, 2, "stop.reward_threshold: env: environment 'Pendulum-v1' registers no reward threshold");
}

Test(stopping, env_threshold_is_the_registered_one)
{
    rl_config cfg;
    char err[512];
    const char *sets[] = {"stop.reward_threshold=env"};
    cr_assert_eq(rl_config_load(&cfg, CONFIG, sets, 1, err, sizeof err), RL_OK, "%s", err);
    trainer_stop s;
    cr_assert_eq(trainer_stop_init(&s, &cfg, env_find("CartPole-v1"), err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(s.threshold, 475.0);
    cr_assert(!trainer_stop_eval(&s, 100, 1, 474.9, true));
    cr_assert(trainer_stop_eval(&s, 200, 2, 475.0, true));
    cr_assert(strstr(s.reason, "step 200") && strstr(s.reason, "environment's threshold"), "%s", s.reason);
}
