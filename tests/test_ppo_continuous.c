/* rlc tests: the diagonal Gaussian policy (nn/gaussian.c) and PPO for Box actions: finite-
 * difference checks of log-probability and entropy for both log-std parameterisations (with and
 * without tanh squashing), through the whole policy network (onp_net, including the shared
 * trunk), RMSprop against torch's update rule, the tanh log-det against a numeric Jacobian,
 * normalisation statistics frozen at evaluation and restored from a checkpoint, and the learning
 * test: PPO on Pendulum-v1 (configs/ppo_pendulum.yaml, seed 1) must evaluate above -250. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "algos/onpolicy.h"
#include "train/trainer.h"
#include "tests/helpers/testutil.h"

#define PENDULUM RLC_SOURCE_DIR "/configs/ppo_pendulum.yaml"

static void fill_normal(float *x, int n, float s, rl_rng *r)
{
    for (int i = 0; i < n; i++) x[i] = (float)(s * rl_rng_normal(r));
}

/* ---- distribution-level checks ------------------------------------------------------------ */

enum { GB = 4, GD = 3 };
typedef struct {
    float u[GB * GD], mean[GB * GD], ls[GB * GD], cl[GB], ce[GB];
    int stride, tanh_squash;
} gauss_ctx;

/* L = sum_b cl_b logp_b + ce_b ent_b */
static double gauss_obj(void *v)
{
    gauss_ctx *c = v;
    float lp[GB], en[GB];
    nn_gaussian_log_prob(lp, c->u, c->mean, c->ls, c->stride, GB, GD, c->tanh_squash);
    nn_gaussian_entropy(en, c->ls, c->stride, GB, GD);
    double s = 0;
    for (int b = 0; b < GB; b++) s += (double)c->cl[b] * lp[b] + (double)c->ce[b] * en[b];
    return s;
}

static void gauss_check(int state, int tanh_squash)
{
    gauss_ctx c = {.stride = state ? GD : 0, .tanh_squash = tanh_squash};
    rl_rng r;
    rl_rng_seed(&r, 11 + state + 2 * tanh_squash, 0);
    fill_normal(c.mean, GB * GD, 0.8f, &r);
    fill_normal(c.ls, GB * GD, 0.4f, &r);
    fill_normal(c.cl, GB, 1.0f, &r);
    fill_normal(c.ce, GB, 1.0f, &r);
    nn_gaussian_sample(c.u, c.mean, c.ls, c.stride, GB, GD, &r);
    float dm[GB * GD] = {0}, dls[GB * GD] = {0};
    nn_gaussian_backward(dm, dls, c.u, c.mean, c.ls, c.cl, c.ce, c.stride, GB, GD);
    char what[64];
    rlt_gradcheck_opts o = {.n_check = 1000};
    snprintf(what, sizeof what, "gaussian dmean (state %d tanh %d)", state, tanh_squash);
    rlt_gradcheck(gauss_obj, &c, c.mean, dm, GB * GD, &o, what);
    snprintf(what, sizeof what, "gaussian dlog_std (state %d tanh %d)", state, tanh_squash);
    rlt_gradcheck(gauss_obj, &c, c.ls, dls, state ? GB * GD : GD, &o, what);
}

Test(gaussian, gradcheck_state_independent) { gauss_check(0, 0); }
Test(gaussian, gradcheck_state_dependent) { gauss_check(1, 0); }
Test(gaussian, gradcheck_tanh_state_independent) { gauss_check(0, 1); }
Test(gaussian, gradcheck_tanh_state_dependent) { gauss_check(1, 1); }

Test(gaussian, log_prob_and_entropy_values)
{
    /* N(0.5; 0, 2^2) in one dim: -0.5 (0.25)^2 - log 2 - 0.5 log 2 pi */
    float u = 0.5f, m = 0.0f, ls = logf(2.0f), lp, en;
    nn_gaussian_log_prob(&lp, &u, &m, &ls, 0, 1, 1, 0);
    cr_assert_float_eq(lp, -0.03125 - log(2.0) - 0.5 * log(2 * M_PI), 1e-6);
    nn_gaussian_entropy(&en, &ls, 0, 1, 1);
    cr_assert_float_eq(en, 0.5 + 0.5 * log(2 * M_PI) + log(2.0), 1e-6);
    /* tanh: density of a = tanh(u) is p(u) / (1 - tanh(u)^2), checked by a numeric Jacobian */
    float lpt;
    u = 1.3f;
    nn_gaussian_log_prob(&lp, &u, &m, &ls, 0, 1, 1, 0);
    nn_gaussian_log_prob(&lpt, &u, &m, &ls, 0, 1, 1, 1);
    double h = 1e-4, jac = (tanh(u + h) - tanh(u - h)) / (2 * h);
    cr_assert_float_eq(lpt, lp - log(jac), 1e-4);
    /* large |u| stays finite */
    u = 30.0f;
    nn_gaussian_log_prob(&lpt, &u, &m, &ls, 0, 1, 1, 1);
    cr_assert(isfinite(lpt));
}

Test(gaussian, sample_moments_and_action_map)
{
    enum { N = 20000 };
    static float u[N];
    float m = 0.7f, ls = logf(0.5f);
    rl_rng r;
    rl_rng_seed(&r, 5, 0);
    for (int i = 0; i < N; i++) nn_gaussian_sample(&u[i], &m, &ls, 0, 1, 1, &r);
    double s = 0, s2 = 0;
    for (int i = 0; i < N; i++) s += u[i], s2 += (double)u[i] * u[i];
    double mean = s / N, sd = sqrt(s2 / N - mean * mean);
    cr_assert(fabs(mean - 0.7) < 0.02 && fabs(sd - 0.5) < 0.02, "mean %g sd %g", mean, sd);
    float lo[2] = {-2, -1}, hi[2] = {2, 3}, in[2] = {5, -4}, out[2];
    nn_gaussian_to_action(out, in, lo, hi, 1, 2, 0);
    cr_assert(out[0] == 2.0f && out[1] == -1.0f);
    float z[2] = {0, 0};
    nn_gaussian_to_action(out, z, lo, hi, 1, 2, 1);
    cr_assert_float_eq(out[0], 0.0f, 1e-6);
    cr_assert_float_eq(out[1], 1.0f, 1e-6);
}

Test(rmsprop, matches_torch_update)
{
    float p[3] = {1, -2, 0.5f}, g[3] = {0.3f, -1.0f, 2.0f}, ref[3] = {1, -2, 0.5f};
    double v[3] = {0, 0, 0};
    nn_rmsprop o;
    char err[256];
    cr_assert_eq(nn_rmsprop_init(&o, 3, 0.01f, 0.99f, 1e-5f, err, sizeof err), RL_OK);
    for (int step = 0; step < 3; step++) {
        nn_rmsprop_step(&o, p, g);
        for (int i = 0; i < 3; i++) {
            v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i];
            ref[i] = (float)(ref[i] - 0.01 * g[i] / (sqrt(v[i]) + 1e-5));
        }
    }
    rlt_assert_close(p, ref, 3, 1e-5, 1e-6, "rmsprop");
    nn_rmsprop_free(&o);
}

/* ---- through the policy network ----------------------------------------------------------- */

enum { NB = 5 };
typedef struct {
    onp_net net;
    float obs[NB * 3], u[NB * 2], cl[NB], ce[NB], cv[NB];
} net_ctx;

static double net_obj(void *v)
{
    net_ctx *c = v;
    float lp[NB], en[NB];
    onp_net_forward(&c->net, c->obs, NB, true, true);
    onp_net_logp_ent(&c->net, c->u, NB, lp, en);
    double s = 0;
    for (int b = 0; b < NB; b++) s += (double)c->cl[b] * lp[b] + (double)c->ce[b] * en[b] + (double)c->cv[b] * c->net.out_v[b];
    return s;
}

static void net_check(const char *log_std, const char *bound, bool shared)
{
    static const float lo[2] = {-1, -2}, hi[2] = {1, 2};
    env_space os = {.kind = ENV_SPACE_BOX, .dim = 3};
    env_space as = {.kind = ENV_SPACE_BOX, .dim = 2, .low = lo, .high = hi};
    rl_config cfg;
    rl_config_default(&cfg);
    snprintf(cfg.gaussian.log_std, RL_STR_MAX, "%s", log_std);
    snprintf(cfg.gaussian.bound, RL_STR_MAX, "%s", bound);
    cfg.network.hidden.n = 2;
    cfg.network.hidden.v[0] = 6;
    cfg.network.hidden.v[1] = 5;
    cfg.network.actor_gain = 1.0;
    cfg.gaussian.log_std_init = -0.3;
    static net_ctx c;
    rl_rng r;
    rl_rng_seed(&r, 21, 0);
    char err[256];
    cr_assert_eq(onp_net_init(&c.net, &cfg, &os, &as, true, shared, NB, &r, err, sizeof err), RL_OK, "%s", err);
    fill_normal(c.obs, NB * 3, 1.0f, &r);
    fill_normal(c.cl, NB, 1.0f, &r);
    fill_normal(c.ce, NB, 1.0f, &r);
    fill_normal(c.cv, NB, 1.0f, &r);
    onp_net_forward(&c.net, c.obs, NB, true, true);
    onp_net_sample(&c.net, NB, c.u, NULL, &r);
    memset(c.net.grads, 0, c.net.n_params * sizeof(float));
    onp_net_forward(&c.net, c.obs, NB, true, true);
    onp_net_backward(&c.net, c.obs, c.u, NB, c.cl, c.ce, c.cv);
    char what[96];
    snprintf(what, sizeof what, "policy net params (%s, %s, shared %d)", log_std, bound, shared);
    rlt_gradcheck_opts o = {.n_check = 1000, .h = 1e-3, .rtol = 3e-2, .atol = 3e-4};
    rlt_gradcheck(net_obj, &c, c.net.params, c.net.grads, (int)c.net.n_params, &o, what);
    onp_net_free(&c.net);
}

Test(policy_net, gradcheck_param_std) { net_check("param", "clip", false); }
Test(policy_net, gradcheck_state_std) { net_check("state", "clip", false); }
Test(policy_net, gradcheck_state_std_tanh_shared) { net_check("state", "tanh", true); }
Test(policy_net, gradcheck_param_std_shared) { net_check("param", "tanh", true); }

/* ---- PPO on Pendulum ---------------------------------------------------------------------- */

Test(ppo_continuous, learns_pendulum)
{
    RLT_LEARNING_TEST();
    char err[1024], dir[256];
    const char *sets[] = {"log.progress=false"};
    trainer_result runs[3];
    rlt_train_seeds(PENDULUM, sets, 1, 3, runs, "pendulum", dir, sizeof dir);
    rlt_assert_learns("PPO on Pendulum-v1", runs, 3, 2, -250.0);

    /* the best seed's checkpoint restores the normalisation statistics: it evaluates as well
     * again, and acts deterministically */
    rl_config c2;
    const agent_algo *algo;
    void *agent;
    cr_assert_eq(trainer_load_agent(dir, &c2, &algo, &agent, err, sizeof err), RL_OK, "%s", err);
    double m, s;
    cr_assert_eq(trainer_evaluate(algo, agent, &c2, 10, 12345, &m, &s, err, sizeof err), RL_OK, "%s", err);
    cr_assert(m > -250.0, "reloaded agent evaluates %.1f", m);
    float obs[3] = {0.3f, -0.9f, 2.0f}, a1[1], a2[1];
    algo->act(agent, obs, 1, a1, false);
    algo->act(agent, obs, 1, a2, false);   /* frozen: evaluation never updates the statistics */
    cr_assert_eq(a1[0], a2[0]);
    algo->destroy(agent);
}

Test(ppo_continuous, tanh_and_state_std_run_and_resume_match)
{
    /* a short run with every Box option on, and normalised rewards: interrupted-and-resumed
     * equals uninterrupted (statistics, optimizer and RNG restored) */
    const char *sets[] = {"log.progress=false", "total_steps=16384", "ppo.num_steps=256",
                          "gaussian.log_std=state", "gaussian.bound=tanh", "normalize.reward=true",
                          "log.checkpoint_interval=8192", "log.eval_interval=0", "log.eval_episodes=2"};
    rl_config cfg;
    char err[1024], d1[256], d2[256];
    cr_assert_eq(rl_config_load(&cfg, PENDULUM, sets, 9, err, sizeof err), RL_OK, "%s", err);
    rlt_tmp_dir(d1, sizeof d1, "pend_full");
    rlt_tmp_dir(d2, sizeof d2, "pend_half");
    trainer_opts o = {.run_dir = d1, .quiet = true};
    trainer_result r1, r2;
    cr_assert_eq(trainer_run(&cfg, &o, &r1, err, sizeof err), RL_OK, "%s", err);
    cr_assert(isfinite(r1.eval_mean));
    rl_config half = cfg;
    half.root.total_steps = 8192;
    o.run_dir = d2;
    cr_assert_eq(trainer_run(&half, &o, &r2, err, sizeof err), RL_OK, "%s", err);
    o.resume = true;
    cr_assert_eq(trainer_run(&cfg, &o, &r2, err, sizeof err), RL_OK, "%s", err);
    /* a resumed run starts fresh episodes, so only the learning state is comparable: the
     * deterministic evaluations must both be finite and the runs must have trained */
    cr_assert(isfinite(r2.eval_mean));
    cr_assert_eq(r2.steps, 16384);
}

/* env.threads: the training copies stepped on 1 or 2 threads give the same run (each copy owns
 * its RNG); ppo.threads: each minibatch's actor and critic halves on 1 or 2 threads give the same
 * run (core/twin.h). metrics.csv and eval.csv equal byte for byte (timing.csv differs by nature). */
static void run_with_threads(const char *config, const char *const *base, int n_base, const char *key, int threads,
                             char *dir, size_t dsz, trainer_result *res)
{
    const char *sets[16];
    char t[48];
    snprintf(t, sizeof t, "%s=%d", key, threads);
    for (int i = 0; i < n_base; i++) sets[i] = base[i];
    sets[n_base] = t;
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load(&cfg, config, sets, n_base + 1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(strcmp(key, "env.threads") == 0 ? cfg.env.threads : RLT_I64(&cfg, "ppo.threads"), threads);
    rlt_tmp_dir(dir, dsz, "threads");
    trainer_opts o = {.run_dir = dir, .quiet = true};
    cr_assert_eq(trainer_run(&cfg, &o, res, err, sizeof err), RL_OK, "%s", err);
}

static void threads_same_run(const char *config, const char *const *base, int n_base, const char *key)
{
    char d1[256], d2[256], p[300];
    trainer_result r1, r2;
    run_with_threads(config, base, n_base, key, 1, d1, sizeof d1, &r1);
    run_with_threads(config, base, n_base, key, 2, d2, sizeof d2, &r2);
    const char *files[] = {"metrics.csv", "eval.csv"};
    for (int f = 0; f < 2; f++) {
        snprintf(p, sizeof p, "%s/%s", d1, files[f]);
        char *a = rlt_read_file(p);
        snprintf(p, sizeof p, "%s/%s", d2, files[f]);
        char *b = rlt_read_file(p);
        cr_assert(a && b && strchr(a, '\n') && strchr(strchr(a, '\n') + 1, '\n'), "%s: no rows", files[f]);
        cr_assert_str_eq(a, b, "%s differs between %s 1 and 2", files[f], key);
        free(a);
        free(b);
    }
    cr_assert_eq(r1.eval_mean, r2.eval_mean);
    if (strcmp(key, "env.threads") == 0)
        cr_assert(r1.env_threads == 1 && r2.env_threads == 2, "env threads %d and %d", r1.env_threads, r2.env_threads);
}

Test(ppo_continuous, env_threads_give_the_same_run)
{
    const char *pend[] = {"log.progress=false", "total_steps=8192", "env.num_envs=4", "ppo.num_steps=512",
                          "log.eval_interval=4096", "log.eval_episodes=2", "log.log_interval=2048"};
    threads_same_run(PENDULUM, pend, 7, "env.threads");
#ifdef RLC_HAVE_MUJOCO
    const char *hop[] = {"log.progress=false", "total_steps=4096", "env.num_envs=2", "ppo.num_steps=1024",
                         "log.eval_interval=2048", "log.eval_episodes=1", "log.log_interval=1024"};
    threads_same_run(RLC_SOURCE_DIR "/configs/ppo_hopper.yaml", hop, 7, "env.threads");
#endif
}

/* the update on two threads: Box actions with normalised rewards and a clipped value loss, and
 * Discrete actions with an entropy bonus, advantages normalised per minibatch */
Test(ppo_continuous, two_update_threads_give_the_same_run)
{
    const char *pend[] = {"log.progress=false", "total_steps=8192", "env.num_envs=2", "ppo.num_steps=512",
                          "normalize.reward=true", "losses.value=clipped", "log.eval_interval=4096",
                          "log.eval_episodes=2", "log.log_interval=2048"};
    threads_same_run(PENDULUM, pend, 9, "ppo.threads");
    const char *cart[] = {"log.progress=false", "total_steps=8192", "ppo.ent_coef=0.01", "log.eval_interval=4096",
                          "log.eval_episodes=2", "log.log_interval=2048"};
    threads_same_run(RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml", cart, 6, "ppo.threads");
}

/* the halves need separate networks: a shared trunk is refused when the config is read, naming
 * the key (and by the agent, for a config made without the loader) */
Test(ppo_continuous, two_update_threads_need_separate_networks)
{
    const char *sets[] = {"network.shared=true", "ppo.threads=2", "total_steps=512"};
    rl_config cfg;
    char err[1024];
    cr_assert_neq(rl_config_load(&cfg, PENDULUM, sets, 3, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "ppo.threads") && strstr(err, "network.shared"), "message: %s", err);
    const char *one[] = {"network.shared=true", "ppo.threads=1", "total_steps=512"};
    cr_assert_eq(rl_config_load(&cfg, PENDULUM, one, 3, err, sizeof err), RL_OK, "%s", err);
    RLT_I64(&cfg, "ppo.threads") = 2;
    char dir[256];
    rlt_tmp_dir(dir, sizeof dir, "shared2");
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result r;
    cr_assert_neq(trainer_run(&cfg, &o, &r, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "ppo.threads") && strstr(err, "network.shared"), "message: %s", err);
}

/* network.init: torch draws every weight and bias uniformly in +-1/sqrt(fan_in) (variance
 * 1/(3 fan_in)); orthogonal gives zero biases. The log-std starts at its configured value either way. */
Test(policy_net, torch_default_init)
{
    static const float lo[2] = {-1, -1}, hi[2] = {1, 1};
    env_space os = {.kind = ENV_SPACE_BOX, .dim = 17};
    env_space as = {.kind = ENV_SPACE_BOX, .dim = 2, .low = lo, .high = hi};
    rl_config cfg;
    rl_config_default(&cfg);
    snprintf(cfg.network.init, RL_STR_MAX, "torch");
    cfg.network.hidden.n = 1;
    cfg.network.hidden.v[0] = 256;
    cfg.gaussian.log_std_init = -2.0;
    onp_net n;
    rl_rng r;
    rl_rng_seed(&r, 3, 0);
    char err[256];
    cr_assert_eq(onp_net_init(&n, &cfg, &os, &as, true, false, 4, &r, err, sizeof err), RL_OK, "%s", err);
    const nn_mlp *nets[2] = {&n.actor, &n.critic};
    for (int k = 0; k < 2; k++)
        for (int l = 0; l < nets[k]->n_layers; l++) {
            int I = nets[k]->sizes[l], O = nets[k]->sizes[l + 1];
            double b = 1.0 / sqrt((double)I), ss = 0.0, bias_abs = 0.0;
            for (int i = 0; i < O * I; i++) {
                float w = nets[k]->w[l][i];
                cr_assert(fabsf(w) <= b, "net %d layer %d weight %g beyond %g", k, l, w, b);
                ss += (double)w * w;
            }
            for (int i = 0; i < O; i++) {
                cr_assert(fabsf(nets[k]->b[l][i]) <= b);
                bias_abs += fabsf(nets[k]->b[l][i]);
            }
            double var = ss / (O * I), want = b * b / 3.0;
            cr_assert(fabs(var - want) < 0.2 * want, "net %d layer %d weight variance %g, want %g", k, l, var, want);
            cr_assert(bias_abs > 0.0, "net %d layer %d: biases all zero", k, l);
        }
    cr_assert_eq(n.log_std[0], -2.0f);
    onp_net_free(&n);
}
