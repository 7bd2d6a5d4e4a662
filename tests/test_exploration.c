/* rlc tests: the intrinsic-reward modules (addons/exploration.c): finite-difference checks of the
 * ICM (discrete and continuous actions) and RND training losses through every parameter, RND's
 * intrinsic reward higher on novel observations than on repeatedly seen ones, and the learning
 * test: PPO + RND on a small sparse task (MountainCar-v0, seed 1) must reach the flag. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "algos/onpolicy.h"
#include "train/trainer.h"
#include "tests/helpers/testutil.h"

enum { B = 6, OD = 3 };

typedef struct {
    onp_explore *x;
    float obs[B * OD], next[B * OD], u[B * 2];
} ex_ctx;

static double ex_obj(void *v)
{
    ex_ctx *c = v;
    float *p, *g;
    size_t n;
    return onp_explore_loss_grad(c->x, c->obs, c->u, c->next, B, &p, &g, &n);
}

static void make(ex_ctx *c, const char *name, bool discrete, onp_net *net)
{
    static const float lo[2] = {-1, -1}, hi[2] = {1, 1};
    env_space os = {.kind = ENV_SPACE_BOX, .dim = OD};
    env_space as = discrete ? (env_space){.kind = ENV_SPACE_DISCRETE, .n = 3, .dim = 1}
                            : (env_space){.kind = ENV_SPACE_BOX, .dim = 2, .low = lo, .high = hi};
    rl_config cfg;
    rl_config_default(&cfg);
    onp_explore_cfg *xc = onp_explore_cfg_of_mut(&cfg);
    snprintf(xc->name, RL_STR_MAX, "%s", name);
    if (!discrete) snprintf(xc->inverse_loss.name, 64, "icm_inverse_continuous");
    xc->hidden.n = 1;
    xc->hidden.v[0] = 8;
    xc->feature_dim = 4;
    rl_rng r;
    rl_rng_seed(&r, 3, 0);
    char err[512];
    cr_assert_eq(onp_net_init(net, &cfg, &os, &as, true, false, 8, &r, err, sizeof err), RL_OK, "%s", err);
    onp_explore_shape shape = {net->obs_dim, net->adim, net->K, net->D};
    cr_assert_eq(onp_explore_create(&c->x, &cfg, &shape, 2, 8, B, err, sizeof err), RL_OK, "%s", err);
    cr_assert_not_null(c->x);
    for (int i = 0; i < B * OD; i++) {
        c->obs[i] = (float)rl_rng_normal(&r);
        c->next[i] = (float)rl_rng_normal(&r);
    }
    for (int b = 0; b < B; b++) {
        if (discrete) c->u[b] = (float)(b % 3);
        else c->u[2 * b] = (float)rl_rng_normal(&r), c->u[2 * b + 1] = (float)rl_rng_normal(&r);
    }
}

static void check(const char *name, bool discrete)
{
    static ex_ctx c;
    onp_net net;
    make(&c, name, discrete, &net);
    float *p, *g;
    size_t n;
    onp_explore_loss_grad(c.x, c.obs, c.u, c.next, B, &p, &g, &n);
    static float analytic[4096];
    cr_assert(n <= 4096);
    memcpy(analytic, g, n * sizeof(float));
    char what[64];
    snprintf(what, sizeof what, "%s (%s actions) params", name, discrete ? "discrete" : "Box");
    rlt_gradcheck_opts o = {.n_check = 400, .h = 1e-3, .rtol = 3e-2, .atol = 2e-4};
    rlt_gradcheck(ex_obj, &c, p, analytic, (int)n, &o, what);
    onp_explore_free(c.x);
    onp_net_free(&net);
}

Test(exploration, gradcheck_icm_discrete) { check("icm", true); }
Test(exploration, gradcheck_icm_continuous) { check("icm", false); }
Test(exploration, gradcheck_rnd) { check("rnd", true); }

Test(exploration, rnd_reward_higher_on_novel_observations)
{
    static ex_ctx c;
    onp_net net;
    make(&c, "rnd", true, &net);
    /* a rollout (T = 8, N = 2) that keeps visiting the same two observations */
    float seen[2 * OD] = {0.1f, -0.2f, 0.3f, -0.1f, 0.2f, 0.0f}, u[2] = {0, 1}, r[2];
    for (int round = 0; round < 60; round++) {
        for (int t = 0; t < 8; t++) onp_explore_step(c.x, t, seen, u, seen, r);
        onp_explore_update(c.x);
    }
    onp_explore_step(c.x, 0, seen, u, seen, r);
    double r_seen = 0.5 * (r[0] + r[1]);
    float novel[2 * OD] = {3.0f, 2.5f, -3.0f, -2.0f, 3.5f, 2.0f};
    onp_explore_step(c.x, 0, seen, u, novel, r);
    double r_novel = 0.5 * (r[0] + r[1]);
    cr_assert(r_novel > 10.0 * r_seen, "RND reward: novel %g vs seen %g", r_novel, r_seen);
    onp_explore_free(c.x);
    onp_net_free(&net);
}

Test(exploration, ppo_rnd_reaches_the_flag)
{
    RLT_LEARNING_TEST();
    /* configs/ppo_rnd_mountaincar.yaml as shipped (rewards scaled, as the RL Zoo does) at 300k
     * steps: most of seeds 1-3 reach the flag well before the 200-step limit (measured -131 to
     * -157 under several BLAS kernels; an agent that never reaches it scores -200). That RND's
     * reward is what reaches the flag without scaling is an ablation over seeds
     * (configs/ablations/mountaincar_exploration.yaml), not a test: it holds on 3 of 5 seeds. */
    const char *sets[] = {"log.progress=false", "total_steps=300000", "log.eval_interval=0"};
    trainer_result runs[3];
    rlt_train_seeds(RLC_SOURCE_DIR "/configs/ppo_rnd_mountaincar.yaml", sets, 3, 3, runs, "rnd", NULL, 0);
    rlt_assert_learns("PPO + RND on MountainCar-v0 at 300k steps", runs, 3, 2, -180.0);
}

/* ---- SimHash counts (addons/exploration_simhash.c) ----------------------------------------- */

Test(exploration, simhash_bonus_is_beta_over_sqrt_count)
{
    static ex_ctx c;
    onp_net net;
    make(&c, "simhash", true, &net);
    /* a rollout (N = 2) that keeps visiting the same two observations: once the statistics have
     * settled, each visit of a code adds one count and the bonus is beta / sqrt(count) */
    float seen[2 * OD] = {0.1f, -0.2f, 0.3f, -0.1f, 0.2f, 0.0f}, u[2] = {0, 1}, r[2];
    for (int t = 0; t < 400; t++) onp_explore_step(c.x, t % 8, seen, u, seen, r);
    double beta = 0.01, m = onp_explore_update(c.x);
    cr_assert(m > 0.0 && m < beta, "mean bonus %g over the rollout", m);
    cr_assert(r[0] <= beta / sqrt(50.0), "a code seen 50+ times: bonus %g", r[0]);
    float r2[2];
    onp_explore_step(c.x, 0, seen, u, seen, r2);
    cr_assert(r2[0] < r[0] || r2[1] < r[1], "counts grow: %g %g then %g %g", r[0], r[1], r2[0], r2[1]);
    /* observations far from everything seen fall in codes never counted: the full bonus */
    float novel[2 * OD] = {3.0f, 2.5f, -3.0f, -2.0f, -3.5f, 2.0f};
    onp_explore_step(c.x, 0, seen, u, novel, r);
    cr_assert(r[0] == (float)beta || r[1] == (float)beta, "novel codes: %g %g, expected %g", r[0], r[1], beta);
    onp_explore_free(c.x);
    onp_net_free(&net);
}

/* stage -> tensors -> another module -> unstage: the copy continues exactly where the first was */
Test(exploration, simhash_state_round_trips_and_bad_counts_are_refused)
{
    static ex_ctx a, b;
    onp_net na, nb;
    make(&a, "simhash", true, &na);
    make(&b, "simhash", true, &nb);
    float u[2] = {0, 1}, ra[2], rb[2];
    for (int t = 0; t < 20; t++) {
        a.next[0] = 0.1f * (float)t;
        onp_explore_step(a.x, t % 8, a.obs, u, a.next, ra);
    }
    nn_tensor ta[8], tb[8];
    char names[8][48];
    onp_explore_stage(a.x);
    int n = onp_explore_tensors(a.x, ta, names, true);
    cr_assert_eq(onp_explore_tensors(b.x, tb, names, true), n);
    for (int i = 0; i < n; i++) {
        cr_assert_str_eq(ta[i].name, tb[i].name);
        int64_t len = 1;
        for (int d = 0; d < ta[i].ndim; d++) len *= ta[i].shape[d];
        memcpy(tb[i].data, ta[i].data, (size_t)len * sizeof(float));
    }
    char err[256];
    cr_assert_eq(onp_explore_unstage(b.x, err, sizeof err), RL_OK, "%s", err);
    onp_explore_step(a.x, 0, a.obs, u, a.next, ra);
    onp_explore_step(b.x, 0, a.obs, u, a.next, rb);
    cr_assert(ra[0] == rb[0] && ra[1] == rb[1], "resumed bonus %g %g vs %g %g", rb[0], rb[1], ra[0], ra[1]);
    /* a checkpoint with a negative count is refused, naming the tensor */
    for (int i = 0; i < n; i++)
        if (strcmp(tb[i].name, "simhash.counts") == 0) tb[i].data[3] = -2.0f;
    cr_assert_eq(onp_explore_unstage(b.x, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, "simhash.counts"), "%s", err);
    onp_explore_free(a.x);
    onp_explore_free(b.x);
    onp_net_free(&na);
    onp_net_free(&nb);
}

Test(exploration, simhash_config_errors_name_the_key)
{
    rlt_expect_config_error("algo: ppo\nexploration: {name: simhash, simhash_loss: {name: simhash, bits: 30}}\n",
                            "simhash_loss", "bits", "22");
    rlt_expect_config_error("algo: ppo\nexploration: {name: simhash, simhash_loss: {name: rnd}}\n",
                            "simhash_loss", "simhash", "rnd");
}
