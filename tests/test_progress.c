/* rlc tests: the progress line (core/log.c) and its time-left estimate:
 *   - rl_eta measures the speed from the first update on, so a run whose first steps are fast
 *     (SAC's learning_starts random steps) is not promised to end early; it says nothing before
 *     an update;
 *   - the line shows the last evaluation return and the losses it is given;
 *   - `rlc train` shows PPO's policy and value losses and its evaluation on that line. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "tests/helpers/testutil.h"

Test(progress, eta_uses_the_speed_of_the_learning_phase)
{
    rl_eta e;
    rl_eta_init(&e);
    /* 10000 random steps in 2 s (5000 steps/s), then no estimate until an update */
    cr_assert(isnan(rl_eta_remaining(&e, 10000, 100000, 2.0)), "an estimate before any update");
    rl_eta_learning(&e, 10000, 2.0);
    cr_assert(isnan(rl_eta_remaining(&e, 10000, 100000, 2.0)), "an estimate from no learning steps");
    /* 10000 learning steps in 10 s: 1000 steps/s, so 80000 steps take 80 s (the average from the
     * start, 20000 steps in 12 s, would say 48 s) */
    cr_assert_float_eq(rl_eta_remaining(&e, 20000, 100000, 12.0), 80.0, 1e-9);
    /* later updates do not move the phase's start */
    rl_eta_learning(&e, 20000, 12.0);
    cr_assert_float_eq(rl_eta_remaining(&e, 60000, 100000, 52.0), 40.0, 1e-9);
    cr_assert_float_eq(rl_eta_remaining(&e, 100000, 100000, 92.0), 0.0, 1e-12);
}

Test(progress, eta_of_an_agent_that_learns_from_the_start)
{
    rl_eta e;
    rl_eta_init(&e);
    rl_eta_learning(&e, 2048, 0.5);   /* PPO: the first update after one rollout */
    cr_assert_float_eq(rl_eta_remaining(&e, 4096, 10240, 1.5), 3.0, 1e-9);   /* 2048 steps/s */
}

/* what rl_progress_show prints for p (not a terminal: one line per call) */
static char *show(const rl_progress *p)
{
    FILE *fp = tmpfile();
    cr_assert(fp);
    rl_progress_show(fp, p);
    long n = ftell(fp);
    rewind(fp);
    char *s = calloc((size_t)n + 1, 1);
    cr_assert_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    return s;
}

Test(progress, line_shows_the_evaluation_and_losses)
{
    rl_progress p = {.step = 20000, .total = 100000, .sps = 1000, .mean_return = -250.5, .eval_return = 123.4,
                     .loss_names = {"critic_loss", "actor_loss"}, .losses = {0.5, -12.25}, .n_losses = 2,
                     .elapsed = 12, .remaining = 80};
    char *s = show(&p);
    const char *want[] = {"step 20000/100000", "return -250.50", "eval 123.40", "critic_loss 0.5",
                          "actor_loss -12.2", "remaining 1m20s"};
    for (int i = 0; i < RL_ARRAY_LEN(want); i++) cr_assert(strstr(s, want[i]), "'%s' not in: %s", want[i], s);
    cr_assert_eq(s[strlen(s) - 1], '\n');
    free(s);
    /* nothing known yet */
    rl_progress q = {.step = 100, .total = 1000, .mean_return = NAN, .eval_return = NAN,
                     .loss_names = {"td_loss"}, .losses = {NAN}, .n_losses = 1, .remaining = NAN};
    s = show(&q);
    cr_assert(strstr(s, "return -- | eval -- | td_loss -- |") && strstr(s, "remaining --"), "%s", s);
    free(s);
}

Test(progress, train_shows_ppo_losses_and_its_evaluation)
{
    char dir[256], cmd[1200], out[16384];
    rlt_tmp_dir(dir, sizeof dir, "progress");
    snprintf(cmd, sizeof cmd, "%s train %s/configs/ppo_cartpole.yaml --run-dir %s --set total_steps=6144 "
             "--set log.log_interval=2048 --set log.eval_interval=2048 --set log.eval_episodes=1 2>&1",
             RLC_BINARY, RLC_SOURCE_DIR, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    /* the first line: no evaluation yet; the last: the evaluation at 4096 (made after its line) */
    cr_assert(strstr(out, "step 2048/6144") && strstr(out, "eval -- | policy_loss "), "%s", out);
    const char *last = strstr(out, "step 6144/6144");
    cr_assert(last && strstr(last, "value_loss ") && !strstr(last, "eval --"), "%s", out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
