/* rlc tests: SAC (algos/sac.c): the actor's gradient, which flows through the critics' input
 * gradient dQ/da and the tanh-squashed Gaussian, against central finite differences of the full
 * actor objective; the two-thread critic update giving the same run as one thread; a checkpoint
 * round trip; sac.anneal_lr's rates at known steps, its runs and its rates kept out of
 * TensorBoard's constants; and the learning test on Pendulum-v1 (fixed seed, RLtools'
 * configuration, 20k steps, a few seconds of CPU) that must reach a stated evaluation return. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "algos/offpolicy.h"
#include "train/trainer.h"
#include "train/trainer_watch.h"
#include "tests/helpers/testutil.h"

#define CONFIG RLC_SOURCE_DIR "/configs/sac_pendulum.yaml"

static void *make_agent(const char *const *sets, int n)
{
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load(&cfg, CONFIG, sets, n, err, sizeof err), RL_OK, "%s", err);
    const env_def *def = env_find(cfg.env.id);
    cr_assert(def != NULL);
    void *agent = NULL;
    cr_assert_eq(agent_find("sac")->create(&agent, &cfg, &def->obs_space, &def->act_space, 1, err, sizeof err), RL_OK,
                 "%s", err);
    return agent;
}

static void actor_gradient_check(const char *activation)
{
    char act[64];
    snprintf(act, sizeof act, "network.activation=%s", activation);
    const char *sets[] = {act, "sac.alpha=0.3", "network.hidden=[16,16]"};
    void *agent = make_agent(sets, 3);
    enum { B = 6, D = 3, A = 1 };
    rl_rng rng;
    rl_rng_seed(&rng, 21, 0);
    float obs[B * D], eps[B * A];
    for (int i = 0; i < B * D; i++) obs[i] = (float)rl_rng_uniform(&rng, -1, 1);
    for (int i = 0; i < B * A; i++) eps[i] = (float)rl_rng_normal(&rng);
    size_t n;
    float *theta = sac_actor_params(agent, &n);
    /* spread the actor's outputs so that the tanh and the log-std both matter */
    for (size_t i = 0; i < n; i++) theta[i] *= 3.0f;
    float *grad = malloc(n * sizeof(float));
    sac_actor_objective(agent, obs, eps, B, grad);
    int checked = 0, nonzero = 0;
    for (size_t c = 0; c < n; c += 7) {
        const float h = 2e-3f, t0 = theta[c];
        theta[c] = t0 + h;
        double jp = sac_actor_objective(agent, obs, eps, B, NULL);
        theta[c] = t0 - h;
        double jm = sac_actor_objective(agent, obs, eps, B, NULL);
        theta[c] = t0;
        double fd = (jp - jm) / (2.0 * h);
        cr_assert(fabs(fd - grad[c]) < 2e-3 + 3e-2 * fabs(fd), "%s: actor param %zu: analytic %g, fd %g", activation,
                  c, grad[c], fd);
        checked++;
        nonzero += fabs(grad[c]) > 1e-3;
    }
    cr_assert(checked > 20 && nonzero > 10, "%d checked, %d non-zero", checked, nonzero);
    free(grad);
    agent_find("sac")->destroy(agent);
}

Test(sac, actor_gradient_through_the_critic_matches_finite_differences)
{
    actor_gradient_check("tanh");
    actor_gradient_check("relu");
}

static void train(const char *const *sets, int n, const char *tag, char *dir, size_t dsz, trainer_result *res)
{
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load(&cfg, CONFIG, sets, n, err, sizeof err), RL_OK, "%s", err);
    rlt_tmp_dir(dir, dsz, tag);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    cr_assert_eq(trainer_run(&cfg, &o, res, err, sizeof err), RL_OK, "%s", err);
}

Test(sac, two_critic_threads_give_the_same_run)
{
    const char *one[] = {"total_steps=1500", "log.eval_interval=0", "log.eval_episodes=2", "log.log_interval=250",
                         "sac.threads=1"};
    const char *two[] = {"total_steps=1500", "log.eval_interval=0", "log.eval_episodes=2", "log.log_interval=250",
                         "sac.threads=2"};
    char d1[256], d2[256], p1[300], p2[300];
    trainer_result r1, r2;
    train(one, 5, "sac1t", d1, sizeof d1, &r1);
    train(two, 5, "sac2t", d2, sizeof d2, &r2);
    snprintf(p1, sizeof p1, "%s/metrics.csv", d1);
    snprintf(p2, sizeof p2, "%s/metrics.csv", d2);
    char *a = rlt_read_file(p1), *b = rlt_read_file(p2);
    cr_assert(strlen(a) > 100);
    cr_assert_str_eq(a, b);
    cr_assert_eq(r1.eval_mean, r2.eval_mean);
    free(a);
    free(b);
}

/* the run's metrics file (timing columns included: compare the learning columns only) */
static char *run_metrics(const char *const *sets, int n, const char *tag)
{
    char d[256], path[300];
    trainer_result r;
    train(sets, n, tag, d, sizeof d, &r);
    snprintf(path, sizeof path, "%s/metrics.csv", d);
    return rlt_read_file(path);
}

/* Every step of the update runs on two threads (targets, critics, their Adam and Polyak steps,
 * the actor's critic passes): the same config run twice with sac.threads = 2 in one process is
 * the same run, and so is sac.threads = 1 when the actor steps every second update. */
Test(sac, parallel_update_is_deterministic)
{
    const char *two[] = {"total_steps=1500", "log.eval_interval=0", "log.eval_episodes=1", "log.log_interval=250",
                         "sac.threads=2", "sac.policy_frequency=2"};
    const char *one[] = {"total_steps=1500", "log.eval_interval=0", "log.eval_episodes=1", "log.log_interval=250",
                         "sac.threads=1", "sac.policy_frequency=2"};
    char *a = run_metrics(two, 6, "sacpar_a"), *b = run_metrics(two, 6, "sacpar_b"), *c = run_metrics(one, 6, "sacpar_c");
    const char *last = strrchr(a, ',');   /* skipped_updates of the last row: updates happened */
    cr_assert(strlen(a) > 100 && last && strncmp(last, ",0", 2) == 0, "%s", a);
    cr_assert_str_eq(a, b);
    cr_assert_str_eq(a, c);
    free(a);
    free(b);
    free(c);
}

/* Pendulum's episodes are 200 steps: training at each episode's end is training every 200 steps
 * (the same run), and neither is training every step */
Test(sac, train_frequency_in_steps_or_episodes)
{
    const char *base[] = {"total_steps=1400", "log.eval_interval=0", "log.eval_episodes=1", "log.log_interval=200",
                          "sac.learning_starts=200", "network.hidden=[32,32]"};
    const char *steps[] = {base[0], base[1], base[2], base[3], base[4], base[5], "sac.train_frequency=200"};
    const char *episodes[] = {base[0], base[1], base[2], base[3], base[4], base[5], "sac.train_frequency_unit=episode"};
    char *a = run_metrics(steps, 7, "sacfreq_a"), *b = run_metrics(episodes, 7, "sacfreq_b");
    char *c = run_metrics(base, 6, "sacfreq_c");
    cr_assert(strlen(a) > 100 && strstr(a, "\n400,"), "%s", a);
    cr_assert_str_eq(a, b);
    cr_assert_str_neq(a, c);
    free(a);
    free(b);
    free(c);
}

Test(sac, checkpoint_round_trip_gives_identical_actions)
{
    const char *sets[] = {"total_steps=600", "log.eval_interval=0", "log.eval_episodes=1"};
    char dir[256], err[1024];
    trainer_result res;
    train(sets, 3, "sacckpt", dir, sizeof dir, &res);
    rl_config c1, c2;
    const agent_algo *a1, *a2;
    void *g1, *g2;
    cr_assert_eq(trainer_load_agent(dir, &c1, &a1, &g1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(trainer_load_agent(dir, &c2, &a2, &g2, err, sizeof err), RL_OK, "%s", err);
    float obs[8 * 3], x1[8], x2[8];
    for (int i = 0; i < 24; i++) obs[i] = (float)(i % 5) * 0.3f - 0.6f;
    a1->act(g1, obs, 8, x1, false);
    a2->act(g2, obs, 8, x2, false);
    cr_assert(memcmp(x1, x2, sizeof x1) == 0);
    for (int i = 0; i < 8; i++) cr_assert(x1[i] >= -2.0f && x1[i] <= 2.0f);
    a1->destroy(g1);
    a2->destroy(g2);
}

/* ---- sac.anneal_lr: SB3's linear schedule (lin_ in RL Zoo) ----------------------------------- */

/* The actor's, the critics' and the temperature's rates after the learn at a few env steps of a
 * 400-step run: with anneal_lr lr0 * (1 - step / 400), each of its own lr0; without, lr0. */
static void rates_follow_the_step(bool anneal)
{
    const char *sets[] = {anneal ? "sac.anneal_lr=true" : "sac.anneal_lr=false", "sac.actor_lr=3e-4",
                          "sac.critic_lr=7e-4", "sac.alpha_lr=5e-4", "sac.learning_starts=20", "network.hidden=[16]"};
    void *agent = make_agent(sets, 6);
    const agent_algo *al = agent_find("sac");
    env_vec v;
    char err[256];
    cr_assert_eq(env_vec_make(&v, "Pendulum-v1", 1, 0, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 3);
    const double lr0[3] = {3e-4, 7e-4, 5e-4};
    const int64_t total = 400, at[] = {20, 100, 250, 399, 400};
    double stats[AGENT_MAX_STATS];
    int c = 0;
    for (int64_t step = 1; c < 5; step++) {
        float act[1], lr[5];
        al->act(agent, v.obs, 1, act, true);
        env_vec_step(&v, act);
        al->observe(agent, &v);
        bool learned = al->learn(agent, &v, step, total, stats);
        if (step != at[c]) continue;
        cr_assert(learned, "step %lld: no update", (long long)step);
        sac_test_lrs(agent, lr);
        for (int k = 0; k < 3; k++) {
            double want = anneal ? lr0[k] * (1.0 - (double)step / (double)total) : lr0[k];
            cr_assert(fabs(lr[k] - want) <= 1e-6 * lr0[k], "anneal %d: step %lld: rate %d is %.9g, want %.9g", anneal,
                      (long long)step, k, lr[k], want);
        }
        c++;
    }
    env_vec_free(&v);
    al->destroy(agent);
}

Test(sac, anneal_lr_sets_the_rates_of_the_step)
{
    rates_follow_the_step(true);
    rates_follow_the_step(false);
}

/* a 400-step run with anneal_lr (updates from step 100) twice: the same metrics; without: others */
Test(sac, anneal_lr_gives_another_run_and_the_same_twice)
{
    const char *on[] = {"total_steps=400", "log.eval_interval=0", "log.eval_episodes=1", "log.log_interval=100",
                        "sac.anneal_lr=true"};
    const char *off[] = {"total_steps=400", "log.eval_interval=0", "log.eval_episodes=1", "log.log_interval=100",
                         "sac.anneal_lr=false"};
    char *a = run_metrics(on, 5, "saclr_a"), *b = run_metrics(on, 5, "saclr_b"), *c = run_metrics(off, 5, "saclr_c");
    cr_assert(strlen(a) > 100 && strstr(a, "critic_loss"), "%s", a);
    cr_assert_str_eq(a, b, "two annealed runs differ");
    cr_assert_str_neq(a, c, "sac.anneal_lr changed nothing");
    free(a);
    free(b);
    free(c);
}

/* TensorBoard's constant rates (train/actor_lr, train/critic_lr) are the config's only when they
 * are constants: not with sac.anneal_lr */
Test(sac, annealed_rates_are_not_logged_as_constants)
{
    const char *cols[] = {"step", "critic_loss"};
    for (int anneal = 0; anneal < 2; anneal++) {
        const char *sets[] = {anneal ? "sac.anneal_lr=true" : "sac.anneal_lr=false", "log.tensorboard=false"};
        rl_config cfg;
        char err[1024];
        cr_assert_eq(rl_config_load(&cfg, CONFIG, sets, 2, err, sizeof err), RL_OK, "%s", err);
        trainer_watch w;
        cr_assert_eq(trainer_watch_open(&w, &cfg, "unused", cols, 2, 0, false, err, sizeof err), RL_OK, "%s", err);
        cr_assert_eq(w.n_lr, anneal ? 0 : 2, "anneal %d: %d constant rates", anneal, w.n_lr);
        trainer_watch_close(&w);
    }
}

/* The learning test: RLtools' configuration, 20k steps (~4 s of CPU a seed); most of seeds 1-3
 * evaluate well above a random policy (about -1200) over 10 episodes at the end. */
Test(sac, learns_pendulum)
{
    RLT_LEARNING_TEST();
    const char *sets[] = {"log.eval_interval=0"};
    trainer_result runs[3];
    rlt_train_seeds(CONFIG, sets, 1, 3, runs, "saclearn", NULL, 0);
    rlt_assert_learns("SAC on Pendulum-v1 in 20k steps", runs, 3, 2, -200.0);
}
