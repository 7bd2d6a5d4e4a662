/* rlc tests: the value-based off-policy agents (algos/dqn.c) and the pieces they use: the C51
 * projection against a hand-worked example (atoms at both bounds, a terminal sample), the quantile
 * Huber loss against finite differences, the Polyak target update, checkpoints, every option
 * (double, dueling, n-step, prioritized; qrdqn, c51) running, and the learning test: DQN on
 * CartPole-v1 with a fixed seed and a small budget must reach a stated evaluation return. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train/trainer.h"
#include "losses/loss.h"
#include "tests/helpers/testutil.h"

#define CONFIG RLC_SOURCE_DIR "/configs/dqn_cartpole.yaml"

static void run(const char *config, const char *const *sets, int n, trainer_result *res, char *dir, size_t dsz,
                const char *tag)
{
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load(&cfg, config, sets, n, err, sizeof err), RL_OK, "%s", err);
    rlt_tmp_dir(dir, dsz, tag);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    cr_assert_eq(trainer_run(&cfg, &o, res, err, sizeof err), RL_OK, "%s", err);
}

Test(c51, projection_matches_a_hand_worked_example)
{
    /* atoms z = -2, -1, 0, 1, 2 (dz = 1); next distribution p */
    const float p[5] = {0.1f, 0.2f, 0.3f, 0.2f, 0.2f};
    float next[4 * 5], m[4 * 5];
    for (int i = 0; i < 4; i++) memcpy(next + 5 * i, p, sizeof p);
    /* 0: r 0.5, gamma 0.5: Tz = -0.5, 0, 0.5, 1, 1.5 -> split between neighbours
     * 1: r 3, gamma 0.9: Tz = 1.2, 2.1, 3, 3.9, 4.8 -> clipped at v_max: 1.2 then four at 2
     * 2: r -5: everything below v_min lands on the lowest atom
     * 3: r 0.3, terminal: Tz = 0.3 for every atom */
    const float r[4] = {0.5f, 3.0f, -5.0f, 0.3f};
    const unsigned char done[4] = {0, 0, 0, 1};
    const float want[4][5] = {{0, 0.05f, 0.40f, 0.45f, 0.10f},
                              {0, 0, 0, 0.08f, 0.92f},
                              {1, 0, 0, 0, 0},
                              {0, 0, 0.7f, 0.3f, 0}};
    const float gammas[4] = {0.5f, 0.9f, 0.9f, 0.9f};
    for (int i = 0; i < 4; i++) {
        loss_c51_project(m + 5 * i, next + 5 * i, &r[i], &done[i], 1, 5, gammas[i], -2.0f, 2.0f);
        double s = 0;
        for (int k = 0; k < 5; k++) {
            cr_assert_float_eq(m[5 * i + k], want[i][k], 1e-6, "sample %d atom %d: %g != %g", i, k, m[5 * i + k],
                               want[i][k]);
            s += m[5 * i + k];
        }
        cr_assert_float_eq(s, 1.0, 1e-6);
    }
}

Test(qrdqn, quantile_huber_matches_finite_differences)
{
    enum { N = 3, Q = 5, T = 5 };
    rl_rng rng;
    rl_rng_seed(&rng, 5, 0);
    float theta[N * Q], target[N * T], taus[Q], w[N] = {1.0f, 0.5f, 2.0f}, d[N * Q];
    for (int i = 0; i < N * Q; i++) theta[i] = (float)rl_rng_uniform(&rng, -2, 2);
    for (int i = 0; i < N * T; i++) target[i] = (float)rl_rng_uniform(&rng, -2, 2);
    loss_qr_taus(taus, Q);
    for (int wi = 0; wi < 2; wi++) {
        const float *ww = wi ? w : NULL;
        for (float kappa = 0.5f; kappa <= 1.01f; kappa += 0.5f) {
            loss_quantile_huber(theta, target, taus, 0, ww, N, Q, T, kappa, d);
            int nonzero = 0;
            for (int c = 0; c < N * Q; c++) {
                /* skip coordinates next to a kink (|u| = 0 or kappa) */
                int b = c / Q, near = 0;
                for (int j = 0; j < T; j++) {
                    double u = fabs((double)target[b * T + j] - theta[c]);
                    if (u < 2e-3 || fabs(u - kappa) < 2e-3) near = 1;
                }
                if (near) continue;
                const float h = 1e-3f, t0 = theta[c];
                theta[c] = t0 + h;
                double lp = loss_quantile_huber(theta, target, taus, 0, ww, N, Q, T, kappa, NULL);
                theta[c] = t0 - h;
                double lm = loss_quantile_huber(theta, target, taus, 0, ww, N, Q, T, kappa, NULL);
                theta[c] = t0;
                double fd = (lp - lm) / (2.0 * h);
                cr_assert(fabs(fd - d[c]) < 1e-4 + 1e-2 * fabs(fd), "kappa %g coord %d: analytic %g, fd %g", kappa, c,
                          d[c], fd);
                nonzero += fabs(d[c]) > 1e-4;
            }
            cr_assert(nonzero > 5, "gradient nearly all zero");
        }
    }
}

Test(target, polyak_update_and_hard_copy)
{
    float t[4] = {1, 2, 3, 4}, s[4] = {5, 6, 7, 8};
    nn_polyak(t, s, 4, 0.25f);
    for (int i = 0; i < 4; i++) cr_assert_float_eq(t[i], 0.25f * s[i] + 0.75f * (i + 1), 1e-6);
    for (int k = 0; k < 200; k++) nn_polyak(t, s, 4, 0.05f);
    for (int i = 0; i < 4; i++) cr_assert_float_eq(t[i], s[i], 1e-3);
    nn_polyak(t, s, 4, 1.0f);   /* tau = 1 is the hard copy */
    for (int i = 0; i < 4; i++) cr_assert_eq(t[i], s[i]);
}

/* a short run of each agent and option: it must run, log and evaluate */
Test(dqn, every_option_runs)
{
    const char *common[] = {"total_steps=3000", "dqn.learning_starts=500", "dqn.train_frequency=4",
                            "log.eval_interval=0", "log.eval_episodes=2", "log.log_interval=1000"};
    const char *variants[][4] = {
        {"algo=dqn", "dqn.double_q=true", "dqn.dueling=true", "losses.td=huber"},
        {"algo=dqn", "dqn.n_step=3", "dqn.prioritized=true", "env.num_envs=4"},
        {"algo=qrdqn", "dqn.n_quantiles=16", "dqn.prioritized=true", "dqn.double_q=true"},
        {"algo=c51", "losses.c51={name: c51, v_min: 0, v_max: 100, atoms: 21}", "dqn.n_step=2", "dqn.prioritized=true"},
    };
    for (int v = 0; v < 4; v++) {
        const char *sets[10];
        int n = 0;
        for (int i = 0; i < 6; i++) sets[n++] = common[i];
        for (int i = 0; i < 4; i++) sets[n++] = variants[v][i];
        trainer_result res;
        char dir[256];
        run(CONFIG, sets, n, &res, dir, sizeof dir, "dqnopt");
        cr_assert_eq(res.steps, 3000);
        cr_assert(isfinite(res.eval_mean), "variant %d", v);
    }
}

Test(dqn, checkpoint_round_trip_gives_identical_actions)
{
    const char *sets[] = {"total_steps=2000", "dqn.learning_starts=500", "log.eval_interval=0", "log.eval_episodes=1",
                          "dqn.dueling=true"};
    trainer_result res;
    char dir[256], err[1024];
    run(CONFIG, sets, 5, &res, dir, sizeof dir, "dqnckpt");
    rl_config c1, c2;
    const agent_algo *a1, *a2;
    void *g1, *g2;
    cr_assert_eq(trainer_load_agent(dir, &c1, &a1, &g1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(trainer_load_agent(dir, &c2, &a2, &g2, err, sizeof err), RL_OK, "%s", err);
    float obs[16 * 4], x1[16], x2[16];
    rl_rng r;
    rl_rng_seed(&r, 3, 0);
    for (int i = 0; i < 64; i++) obs[i] = (float)rl_rng_uniform(&r, -0.5, 0.5);
    a1->act(g1, obs, 16, x1, false);
    a2->act(g2, obs, 16, x2, false);
    cr_assert(memcmp(x1, x2, sizeof x1) == 0);
    a1->destroy(g1);
    a2->destroy(g2);
}

/* The learning test: configs/dqn_cartpole.yaml as shipped, 200k steps (~3 s of CPU a seed); most
 * of seeds 1-3 evaluate near the maximum over 10 episodes at the end. */
Test(dqn, learns_cartpole)
{
    RLT_LEARNING_TEST();
    const char *sets[] = {"log.eval_interval=0"};
    trainer_result runs[3];
    rlt_train_seeds(CONFIG, sets, 1, 3, runs, "dqnlearn", NULL, 0);
    rlt_assert_learns("DQN on CartPole-v1 in 200k steps", runs, 3, 2, 400.0);
}
