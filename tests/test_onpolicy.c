/* rlc tests: REINFORCE and A2C end to end on CartPole-v1: the learning tests (fixed seeds, small
 * budgets, a stated score), determinism and resume of every variant (shared trunk, Adam,
 * n-step advantages, no baseline, Box actions), and config errors that name the key. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train/trainer.h"
#include "tests/helpers/testutil.h"

#define A2C RLC_SOURCE_DIR "/configs/a2c_cartpole.yaml"
#define REINFORCE RLC_SOURCE_DIR "/configs/reinforce_cartpole.yaml"

static trainer_result run(const char *config, const char *const *sets, int n, const char *tag,
                          char *dir, size_t dir_sz)
{
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load(&cfg, config, sets, n, err, sizeof err), RL_OK, "%s", err);
    rlt_tmp_dir(dir, dir_sz, tag);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s: %s", tag, err);
    return res;
}

Test(onpolicy, reinforce_learns_cartpole)
{
    RLT_LEARNING_TEST();
    const char *sets[] = {"total_steps=150000", "log.eval_interval=0"};
    trainer_result runs[3];
    rlt_train_seeds(REINFORCE, sets, 2, 3, runs, "rf_learn", NULL, 0);
    rlt_assert_learns("REINFORCE on CartPole-v1 at 150k steps", runs, 3, 2, 400.0);
}

Test(onpolicy, a2c_learns_cartpole)
{
    RLT_LEARNING_TEST();
    const char *sets[] = {"total_steps=200000", "log.eval_interval=0"};
    trainer_result runs[3];
    rlt_train_seeds(A2C, sets, 2, 3, runs, "a2c_learn", NULL, 0);
    rlt_assert_learns("A2C on CartPole-v1 at 200k steps", runs, 3, 2, 400.0);
}

/* same config twice -> identical metrics.csv; interrupted + resumed runs to the same step */
static void check_variant(const char *config, const char *const *extra, int n_extra, const char *tag)
{
    const char *sets[16] = {"total_steps=8000", "log.log_interval=1000", "log.eval_interval=0",
                            "log.eval_episodes=2", "log.checkpoint_interval=4000"};
    int n = 5;
    for (int i = 0; i < n_extra; i++) sets[n++] = extra[i];
    char a[256], b[256], pa[300], pb[300];
    trainer_result ra = run(config, sets, n, tag, a, sizeof a);
    trainer_result rb = run(config, sets, n, tag, b, sizeof b);
    snprintf(pa, sizeof pa, "%s/metrics.csv", a);
    snprintf(pb, sizeof pb, "%s/metrics.csv", b);
    long la, lb;
    char *fa = rlt_read_file_len(pa, &la), *fb = rlt_read_file_len(pb, &lb);
    cr_assert(la > 40 && la == lb && memcmp(fa, fb, (size_t)la) == 0, "%s: runs differ", tag);
    cr_assert(strstr(fa, "nan,nan,nan") == NULL || strstr(tag, "rf") != NULL, "%s: no update ran", tag);
    free(fa);
    free(fb);
    cr_assert_eq(ra.eval_mean, rb.eval_mean);
    cr_assert(isfinite(ra.eval_mean));

    /* resume: train half, then continue to the end from the checkpoint */
    rl_config cfg;
    char err[1024], c[256];
    cr_assert_eq(rl_config_load(&cfg, config, sets, n, err, sizeof err), RL_OK, "%s", err);
    cfg.root.total_steps = 4000;
    rlt_tmp_dir(c, sizeof c, tag);
    trainer_opts o = {.run_dir = c, .quiet = true};
    trainer_result rc;
    cr_assert_eq(trainer_run(&cfg, &o, &rc, err, sizeof err), RL_OK, "%s", err);
    cfg.root.total_steps = 8000;
    o.resume = true;
    cr_assert_eq(trainer_run(&cfg, &o, &rc, err, sizeof err), RL_OK, "%s: resume: %s", tag, err);
    cr_assert(rc.steps >= 8000);
}

Test(onpolicy, a2c_variants_deterministic_and_resumable)
{
    const char *shared_adam[] = {"a2c.shared=true", "a2c.optimizer=adam", "a2c.advantage=nstep",
                                 "a2c.norm_adv=true", "a2c.ent_coef=0.01"};
    check_variant(A2C, shared_adam, 5, "a2c_shared");
    const char *rms[] = {"a2c.advantage=gae", "a2c.gae_lambda=0.95"};
    check_variant(A2C, rms, 2, "a2c_rms");
    /* Box actions with a state-dependent log-std, tanh squashing and both normalisations */
    const char *box[] = {"env.id=Pendulum-v1", "gaussian.log_std=state", "gaussian.bound=tanh",
                         "normalize.obs=true", "normalize.reward=true", "a2c.shared=true"};
    check_variant(A2C, box, 6, "a2c_box");
}

Test(onpolicy, reinforce_variants_deterministic_and_resumable)
{
    const char *nobase[] = {"reinforce.baseline=false", "losses.policy=pg", "reinforce.episodes_per_update=2"};
    check_variant(REINFORCE, nobase, 3, "rf_nobase");
    const char *box[] = {"env.id=Pendulum-v1", "normalize.obs=true", "reinforce.episodes_per_update=4",
                         "reinforce.ent_coef=0.01"};
    check_variant(REINFORCE, box, 4, "rf_box");
}

Test(onpolicy, config_errors_name_the_key)
{
    rl_config cfg;
    char err[1024], dir[256];
    const char *bad_loss[] = {"losses.policy=mse"};
    cr_assert_eq(rl_config_load(&cfg, REINFORCE, bad_loss, 1, err, sizeof err), RL_OK, "%s", err);
    rlt_tmp_dir(dir, sizeof dir, "rf_bad");
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result r;
    cr_assert_neq(trainer_run(&cfg, &o, &r, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "losses.policy") != NULL, "message: %s", err);
    const char *bad_opt[] = {"a2c.optimizer=sgd"};
    cr_assert_neq(rl_config_load(&cfg, A2C, bad_opt, 1, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "optimizer") != NULL, "message: %s", err);
}
