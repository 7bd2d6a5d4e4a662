/* rlc tests: IQN (algos/iqn.c) and its cosine embedding of tau (nn/cos_embed.h): the embedding
 * against its closed form and its backward against finite differences, the agent's whole
 * gradient (torso, embedding, head through the Hadamard product and the quantile Huber loss)
 * against finite differences, its options running, checkpoints giving identical actions, a
 * masked IQN never taking an invalid action, and the learning test on CartPole-v1. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "algos/offp_value.h"
#include "nn/cos_embed.h"
#include "train/trainer.h"
#include "tests/helpers/testutil.h"

#define CONFIG RLC_SOURCE_DIR "/configs/zoo/iqn_cartpole_v1.yaml"

/* ---- the cosine embedding ------------------------------------------------------------------ */

enum { CE_N = 7, CE_COS = 9, CE_OUT = 6 };

typedef struct {
    nn_cos_embed e;
    nn_cos_embed_cache c;
    float taus[CE_N], coef[CE_N * CE_OUT];
} ce_ctx;

/* sum of coef . phi(taus): a scalar of every output */
static double ce_obj(void *v)
{
    ce_ctx *k = v;
    const float *phi = nn_cos_embed_forward(&k->c, &k->e, k->taus, CE_N);
    double s = 0.0;
    for (int i = 0; i < CE_N * CE_OUT; i++) s += (double)k->coef[i] * phi[i];
    return s;
}

static void ce_setup(ce_ctx *k, float *params, float *grads, float *cache)
{
    nn_cos_embed_shape(&k->e, CE_COS, CE_OUT);
    cr_assert_eq(k->e.dense.n_params, (size_t)CE_OUT * (CE_COS + 1));
    nn_cos_embed_bind(&k->e, params, grads);
    nn_cos_embed_cache_bind(&k->c, &k->e, cache, CE_N);
    rl_rng r;
    rl_rng_seed(&r, 11, 0);
    nn_cos_embed_init_torch_default(&k->e, &r);
    for (int i = 0; i < CE_N; i++) k->taus[i] = (float)rl_rng_uniform(&r, 0.0, 1.0);
    for (int i = 0; i < CE_N * CE_OUT; i++) k->coef[i] = (float)rl_rng_uniform(&r, -1.0, 1.0);
}

/* phi(tau)_j = ReLU(sum_i cos(pi i tau) w_ji + b_j), i from 0, computed here with cos() in double */
Test(cos_embed, forward_is_the_papers_embedding)
{
    ce_ctx k;
    float params[CE_OUT * (CE_COS + 1)], grads[CE_OUT * (CE_COS + 1)];
    nn_cos_embed_shape(&k.e, CE_COS, CE_OUT);
    float *cache = malloc(nn_cos_embed_cache_floats(&k.e, CE_N) * sizeof(float));
    ce_setup(&k, params, grads, cache);
    const float *phi = nn_cos_embed_forward(&k.c, &k.e, k.taus, CE_N);
    int positive = 0;
    for (int r = 0; r < CE_N; r++)
        for (int j = 0; j < CE_OUT; j++) {
            double s = params[CE_OUT * CE_COS + j];   /* the bias after the weight */
            for (int i = 0; i < CE_COS; i++) s += cos(3.14159265358979323846 * i * (double)k.taus[r]) * params[j * CE_COS + i];
            double want = s > 0 ? s : 0;
            positive += want > 0;
            cr_assert_float_eq(phi[r * CE_OUT + j], want, 1e-5, "tau %g unit %d: %g, want %g", k.taus[r], j,
                               phi[r * CE_OUT + j], want);
        }
    cr_assert(positive > 5 && positive < CE_N * CE_OUT - 5, "the ReLU should cut some units and pass others");
    free(cache);
}

Test(cos_embed, backward_matches_finite_differences)
{
    ce_ctx k;
    float params[CE_OUT * (CE_COS + 1)], grads[CE_OUT * (CE_COS + 1)];
    nn_cos_embed_shape(&k.e, CE_COS, CE_OUT);
    float *cache = malloc(nn_cos_embed_cache_floats(&k.e, CE_N) * sizeof(float));
    ce_setup(&k, params, grads, cache);
    memset(grads, 0, sizeof grads);
    ce_obj(&k);
    nn_cos_embed_backward(&k.c, &k.e, k.coef, CE_N);
    rlt_gradcheck_opts o = {.n_check = CE_OUT * (CE_COS + 1), .h = 1e-3, .rtol = 1e-2, .atol = 1e-4};
    rlt_gradcheck(ce_obj, &k, params, grads, CE_OUT * (CE_COS + 1), &o, "cosine embedding: weight and bias");
    /* the gradient adds: a second backward doubles it */
    float once[CE_OUT * (CE_COS + 1)];
    memcpy(once, grads, sizeof once);
    ce_obj(&k);
    nn_cos_embed_backward(&k.c, &k.e, k.coef, CE_N);
    for (int i = 0; i < CE_OUT * (CE_COS + 1); i++) cr_assert_float_eq(grads[i], 2 * once[i], 1e-5);
    free(cache);
}

/* ---- the agent ------------------------------------------------------------------------------ */

static void load(rl_config *cfg, const char *const *sets, int n)
{
    char err[1024];
    cr_assert_eq(rl_config_load(cfg, CONFIG, sets, n, err, sizeof err), RL_OK, "%s", err);
}

static double iqn_obj(void *ag) { return offp_value_test_objective(ag, NULL); }

/* The update's gradient, through the head, the Hadamard product, the cosine embedding and the
 * torso, against central differences of the loss on one drawn minibatch (fractions and targets
 * held). kappa 3 keeps the |u| of CartPole's one-step targets in the Huber loss's quadratic part,
 * where it is smooth, and the loss small enough for float differences; tanh keeps the torso and
 * head smooth (the embedding's ReLU remains). Double-Q changes only a*. */
Test(iqn, gradient_matches_finite_differences)
{
    const char *sets[] = {"network.hidden=[10, 8]", "network.activation=tanh", "iqn.batch_size=6",
                          "iqn.num_tau_samples=5", "iqn.num_tau_prime_samples=4", "iqn.num_quantile_samples=3",
                          "iqn.quantile_embedding_dim=7", "losses.iqn={name: iqn_quantile_huber, kappa: 3}",
                          "iqn.double_q=true"};
    rl_config cfg;
    load(&cfg, sets, 9);
    const agent_algo *a;
    void *ag = rlt_filled_agent(&cfg, &a, 200);
    offp_value_test_sample(ag);
    size_t n;
    float *theta = offp_value_test_params(ag, &n);
    cr_assert_eq(n, (size_t)(10 * 4 + 10) + (10 * 7 + 10) + (8 * 10 + 8) + (2 * 8 + 2));   /* torso, embed, head */
    float *g = malloc(n * sizeof(float));
    double l0 = offp_value_test_objective(ag, g);
    cr_assert(isfinite(l0) && l0 > 0.0);
    rlt_gradcheck_opts o = {.n_check = (int)n, .h = 1e-3, .rtol = 3e-2, .atol = 1e-4};
    rlt_gradcheck(iqn_obj, ag, theta, g, (int)n, &o, "iqn: every parameter");
    free(g);
    a->destroy(ag);
}

static void run(const char *const *sets, int n, trainer_result *res, char *dir, size_t dsz, const char *tag)
{
    rl_config cfg;
    char err[1024];
    load(&cfg, sets, n);
    rlt_tmp_dir(dir, dsz, tag);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    cr_assert_eq(trainer_run(&cfg, &o, res, err, sizeof err), RL_OK, "%s", err);
}

/* short runs of the options: each must run, log and evaluate */
Test(iqn, every_option_runs)
{
    const char *common[] = {"total_steps=1500", "iqn.learning_starts=500", "log.eval_interval=0",
                            "log.eval_episodes=2", "log.log_interval=500"};
    const char *variants[][3] = {
        {"iqn.double_q=true", "iqn.n_step=3", "env.num_envs=3"},
        {"iqn.prioritized=true", "iqn.tau=0.05", "losses.iqn={name: iqn_quantile_huber, kappa: 0}"},
        {"network.hidden=[16]", "iqn.num_tau_samples=3", "iqn.num_quantile_samples=1"},
    };
    for (int v = 0; v < 3; v++) {
        const char *sets[8];
        int n = 0;
        for (int i = 0; i < 5; i++) sets[n++] = common[i];
        for (int i = 0; i < 3; i++) sets[n++] = variants[v][i];
        trainer_result res;
        char dir[256];
        run(sets, n, &res, dir, sizeof dir, "iqnopt");
        cr_assert_eq(res.steps, 1500, "variant %d", v);
        cr_assert(isfinite(res.eval_mean), "variant %d", v);
    }
}

/* two loads of one checkpoint act alike, greedily (the midpoints: a deterministic policy), and a
 * loaded agent's greedy action is the same on every call */
Test(iqn, checkpoint_round_trip_gives_identical_actions)
{
    const char *sets[] = {"total_steps=1500", "iqn.learning_starts=500", "log.eval_interval=0", "log.eval_episodes=1"};
    trainer_result res;
    char dir[256], err[1024];
    run(sets, 4, &res, dir, sizeof dir, "iqnckpt");
    rl_config c1, c2;
    const agent_algo *a1, *a2;
    void *g1, *g2;
    cr_assert_eq(trainer_load_agent(dir, &c1, &a1, &g1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(trainer_load_agent(dir, &c2, &a2, &g2, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(a1->name, "iqn");
    float obs[16 * 4], x1[16], x2[16], x3[16];
    rl_rng r;
    rl_rng_seed(&r, 3, 0);
    for (int i = 0; i < 64; i++) obs[i] = (float)rl_rng_uniform(&r, -0.5, 0.5);
    a1->act(g1, obs, 16, x1, false);
    a2->act(g2, obs, 16, x2, false);
    a1->act(g1, obs, 16, x3, false);
    cr_assert(memcmp(x1, x2, sizeof x1) == 0);
    cr_assert(memcmp(x1, x3, sizeof x1) == 0);
    a1->destroy(g1);
    a2->destroy(g2);
}

/* The learning test: configs/zoo/iqn_cartpole_v1.yaml on 30k of its 100k steps (about 7 s of CPU
 * a seed); most of seeds 1-3 evaluate far above a random policy's ~22 over 10 episodes at the
 * end. Then `rlc eval` on the best run's directory. */
Test(iqn, learns_cartpole)
{
    RLT_LEARNING_TEST();
    const char *sets[] = {"total_steps=30000", "log.eval_interval=0"};
    trainer_result runs[3];
    char best[256], out[4096];
    rlt_train_seeds(CONFIG, sets, 2, 3, runs, "iqnlearn", best, sizeof best);
    rlt_assert_learns("IQN on CartPole-v1 in 30k steps", runs, 3, 2, 150.0);
    const char *args[] = {"eval", best, "--episodes", "3", NULL};
    int status = rlt_run_rlc_guarded(args, out, sizeof out, NULL);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "rlc eval: %s", out);
    cr_assert(strstr(out, "iqn on CartPole-v1: return"), "rlc eval: %s", out);
    rlt_remove_tree(best);
}
