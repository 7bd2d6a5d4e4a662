/* rlc tests: PPO with the KL-penalty surrogate (losses.policy: ppo_kl): it learns CartPole-v1 over
 * seeds; its beta follows the adaptive rule from update to update, goes with the checkpoint and
 * continues from it on resume; a checkpoint whose beta is not a number >= 0 is refused. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/trainer.h"
#include "tests/helpers/testutil.h"

#define CONFIG RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"
#define KL_LOSS "losses.policy={name: ppo_kl, beta: 1, kl_target: 0.01}"

Test(ppo_kl, learns_cartpole)
{
    RLT_LEARNING_TEST();
    const char *sets[] = {KL_LOSS, "total_steps=200000", "log.eval_interval=0"};
    trainer_result runs[3];
    rlt_train_seeds(CONFIG, sets, 3, 3, runs, "ppo_kl_learn", NULL, 0);
    rlt_assert_learns("PPO with the KL penalty on CartPole-v1 at 200k steps", runs, 3, 2, 400.0);
}

/* the kl_beta column of metrics.csv (one row per update), n read */
static int beta_column(const char *dir, double *beta, int max)
{
    char path[400];
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    char *csv = rlt_read_file(path), *line = csv, *end;
    int col = -1, c = 0, n = 0;
    end = strchr(line, '\n');
    cr_assert(end);
    *end = 0;
    for (char *f = strtok(line, ","); f; f = strtok(NULL, ","), c++)
        if (strcmp(f, "kl_beta") == 0) col = c;
    cr_assert(col >= 0, "no kl_beta column in %s", path);
    for (line = end + 1; *line && n < max; line = end + 1) {
        end = strchr(line, '\n');
        if (!end) break;
        *end = 0;
        char *f = line;
        for (int k = 0; k < col && f; k++) f = strchr(f, ',') ? strchr(f, ',') + 1 : NULL;
        cr_assert(f, "short row in %s", path);
        beta[n++] = strtod(f, NULL);
    }
    free(csv);
    return n;
}

/* b follows a by one step of the rule: halved, kept or doubled, within [1e-6, 1e6] */
static void assert_one_step(double a, double b, const char *what)
{
    double lo = fmax(a / 2, 1e-6), hi = fmin(a * 2, 1e6);
    bool ok = fabs(b - a) <= 1e-6 * a || fabs(b - lo) <= 1e-6 * lo || fabs(b - hi) <= 1e-6 * hi;
    cr_assert(ok, "%s: beta %g after %g is not one step of the rule", what, b, a);
}

static double checkpoint_beta(const char *dir, char *text, size_t text_sz)
{
    char path[400], err[512];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    nn_safetensors *f;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    const char *v = nn_safetensors_meta(f, "ppo.kl_beta");
    cr_assert(v, "no ppo.kl_beta in %s", path);
    snprintf(text, text_sz, "%s", v);
    nn_safetensors_close(f);
    return strtod(text, NULL);
}

static void train_to(const char *dir, int64_t steps, bool resume)
{
    const char *sets[] = {KL_LOSS, "log.log_interval=512", "log.eval_interval=0", "log.eval_episodes=2",
                          "log.checkpoint_interval=0"};
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load(&cfg, CONFIG, sets, 5, err, sizeof err), RL_OK, "%s", err);
    cfg.root.total_steps = steps;
    trainer_opts o = {.run_dir = dir, .resume = resume, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
}

Test(ppo_kl, beta_adapts_and_continues_from_the_checkpoint)
{
    char dir[256], text[64];
    rlt_tmp_dir(dir, sizeof dir, "ppo_kl_beta");
    train_to(dir, 512 * 30, false);   /* 4 envs x 128 steps: one update per row */
    double beta[128];
    int n = beta_column(dir, beta, 128);
    cr_assert_eq(n, 30);
    assert_one_step(1.0, beta[0], "the first update");
    bool moved = false;
    for (int i = 1; i < n; i++) {
        assert_one_step(beta[i - 1], beta[i], "an update");
        moved |= beta[i] != beta[0];
    }
    cr_assert(moved, "beta never changed over 30 updates");
    double saved = checkpoint_beta(dir, text, sizeof text);
    cr_assert_float_eq(saved, beta[n - 1], 1e-6 * beta[n - 1], "the checkpoint's beta is not the last update's");

    train_to(dir, 512 * 40, true);
    n = beta_column(dir, beta, 128);
    cr_assert_eq(n, 40);
    assert_one_step(saved, beta[30], "the first update after the resume");
}

Test(ppo_kl, a_checkpoint_with_a_bad_beta_is_refused)
{
    char dir[256], text[64], path[400], err[1024];
    rlt_tmp_dir(dir, sizeof dir, "ppo_kl_bad");
    train_to(dir, 512 * 4, false);
    checkpoint_beta(dir, text, sizeof text);
    /* the value's first character becomes '-': the same length, a negative number */
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    char *bytes = rlt_read_file(path), want[96];
    snprintf(want, sizeof want, "\"ppo.kl_beta\":\"%s\"", text);
    char *at = strstr(bytes + 8, want);
    cr_assert(at, "%s not in the header", want);
    long offset = (long)(at - bytes) + (long)strlen("\"ppo.kl_beta\":\"");
    free(bytes);
    FILE *fp = fopen(path, "r+b");
    cr_assert(fp);
    fseek(fp, offset, SEEK_SET);
    fputc('-', fp);
    fclose(fp);
    rl_config cfg;
    const char *sets[] = {KL_LOSS, "total_steps=4096"};
    cr_assert_eq(rl_config_load(&cfg, CONFIG, sets, 2, err, sizeof err), RL_OK, "%s", err);
    trainer_opts o = {.run_dir = dir, .resume = true, .quiet = true};
    trainer_result res;
    cr_assert_neq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "ppo.kl_beta") && strstr(err, ">= 0"), "%s", err);
}
