/* rlc tests: the checkpoints a run keeps besides checkpoint.safetensors (train/trainer_watch.h):
 *   - best.safetensors is the agent of the evaluation with the highest return (the first such),
 *     and a resumed run keeps comparing against it;
 *   - checkpoint_<step>.safetensors: the log.keep_checkpoints newest, the oldest removed; none by
 *     default; files rlc did not name are left alone;
 *   - `rlc eval` loads each of them and the run directory; --resume still continues. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/trainer.h"
#include "train/trainer_watch.h"
#include "core/fs.h"
#include "nn/nn.h"
#include "tests/helpers/testutil.h"

#define CONFIG RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"

Test(checkpoints_kept, best_follows_the_maximum)
{
    trainer_watch w = {0};
    const char *cols[] = {"step", "episodes", "return_mean", "length_mean"};
    rl_config cfg;
    rl_config_default(&cfg);
    cfg.log.tensorboard = false;
    char err[512];
    cr_assert_eq(trainer_watch_open(&w, &cfg, "/nonexistent", cols, 4, 0, false, err, sizeof err), RL_OK, "%s", err);
    const double evals[] = {-5, 3, 2, 3, 7, -1, 7.5};
    const bool best[] = {true, true, false, false, true, false, true};
    for (int i = 0; i < RL_ARRAY_LEN(evals); i++)
        cr_assert_eq(trainer_watch_eval(&w, i, evals[i], 0), best[i], "evaluation %d (%g)", i, evals[i]);
    trainer_watch_close(&w);
}

/* best.safetensors holds the step and return of eval.csv's first highest row */
static void assert_best_is_the_maximum(const char *dir)
{
    char path[700], line[512];
    snprintf(path, sizeof path, "%s/eval.csv", dir);
    FILE *fp = fopen(path, "r");
    cr_assert(fp && fgets(line, sizeof line, fp));
    double best = -INFINITY, best_step = -1;
    int rows = 0;
    while (fgets(line, sizeof line, fp)) {
        double step, ret;
        cr_assert_eq(sscanf(line, "%lf,%lf", &step, &ret), 2);
        if (ret > best) best = ret, best_step = step;
        rows++;
    }
    fclose(fp);
    cr_assert_geq(rows, 3);
    snprintf(path, sizeof path, "%s/%s", dir, TRAINER_BEST_FILE);
    char err[512];
    nn_safetensors *f = NULL;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    const char *ret = nn_safetensors_meta(f, "rlc.eval_return");
    cr_assert(ret, "no rlc.eval_return in best.safetensors");
    cr_assert_float_eq(strtod(ret, NULL), best, 1e-6 * fabs(best) + 1e-9, "best return %s, eval.csv's maximum %g", ret, best);
    nn_safetensors_close(f);
    cr_assert_eq(rlt_checkpoint_step(path), (unsigned long long)best_step, "best.safetensors from step %llu, eval.csv's maximum at %g",
                 rlt_checkpoint_step(path), best_step);
}

/* the history files of dir: exactly those of steps want[0..n) */
static void assert_history(const char *dir, const long long *want, int n, const long long *gone, int n_gone)
{
    char path[700];
    for (int i = 0; i < n; i++) {
        trainer_history_path(path, sizeof path, dir, want[i]);
        cr_assert(rl_is_file(path), "%s missing", path);
        cr_assert_eq(rlt_checkpoint_step(path), (unsigned long long)want[i], "%s holds another step", path);
    }
    for (int i = 0; i < n_gone; i++) {
        trainer_history_path(path, sizeof path, dir, gone[i]);
        cr_assert(!rl_path_exists(path), "%s was not removed", path);
    }
}

/* `rlc eval path` loads it and evaluates */
static void assert_evaluates(const char *path)
{
    char cmd[1200], out[4096];
    snprintf(cmd, sizeof cmd, "%s eval %s --episodes 1 2>&1", RLC_BINARY, path);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "rlc eval %s:\n%s", path, out);
    cr_assert(strstr(out, "return"), "%s", out);
}

Test(checkpoints_kept, best_and_bounded_history_across_a_resume)
{
    char dir[256], path[700], err[512];
    rlt_tmp_dir(dir, sizeof dir, "kept");
    /* a file named like a history file but not by rlc (a leading zero) stays */
    cr_assert_eq(rl_mkdir_p(dir, err, sizeof err), RL_OK);
    snprintf(path, sizeof path, "%s/checkpoint_0100.safetensors", dir);
    cr_assert_eq(rl_write_atomic(path, "mine", err, sizeof err), RL_OK);
    const char *sets[] = {"total_steps=16384", "log.log_interval=2048", "log.eval_interval=2048",
                          "log.eval_episodes=2", "log.checkpoint_interval=4096", "log.keep_checkpoints=2"};
    rlt_train(CONFIG, dir, sets, 6, false);
    /* periodic checkpoints at 4096, 8192, 12288 and the final one at 16384: the two newest stay */
    assert_history(dir, (long long[]){12288, 16384}, 2, (long long[]){4096, 8192}, 2);
    assert_best_is_the_maximum(dir);
    cr_assert(rl_is_file(path), "a file rlc did not name was removed");

    sets[0] = "total_steps=24576";
    rlt_train(CONFIG, dir, sets, 6, true);
    assert_history(dir, (long long[]){20480, 24576}, 2, (long long[]){12288, 16384}, 2);
    assert_best_is_the_maximum(dir);   /* over both invocations' evaluations */

    assert_evaluates(dir);
    snprintf(path, sizeof path, "%s/%s", dir, TRAINER_BEST_FILE);
    assert_evaluates(path);
    trainer_history_path(path, sizeof path, dir, 20480);
    assert_evaluates(path);
    trainer_history_path(path, sizeof path, dir, 24576);
    assert_evaluates(path);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(checkpoints_kept, no_history_by_default)
{
    char dir[256], path[700];
    rlt_tmp_dir(dir, sizeof dir, "nohist");
    const char *sets[] = {"total_steps=4096", "log.log_interval=2048", "log.eval_interval=2048",
                          "log.eval_episodes=1", "log.checkpoint_interval=2048"};
    rlt_train(CONFIG, dir, sets, 5, false);
    trainer_history_path(path, sizeof path, dir, 2048);
    cr_assert(!rl_path_exists(path));
    trainer_history_path(path, sizeof path, dir, 4096);
    cr_assert(!rl_path_exists(path));
    snprintf(path, sizeof path, "%s/%s", dir, TRAINER_BEST_FILE);
    cr_assert(rl_is_file(path), "no best.safetensors");
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
