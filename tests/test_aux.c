/* rlc tests: auxiliary heads on the shared encoder (addons/aux.c, `aux:` in the config):
 *   - finite-difference checks of every head's loss through the encoder: encoder parameters
 *     (including the extra passes over next observations, k-step positives and augmented views)
 *     and head parameters, Discrete and Box actions, with rows excluded by next_ok / pos_ok;
 *   - a head with weight 0 leaves a PPO run bit-identical to one without heads (metrics.csv
 *     without the aux_* columns, and eval.csv, byte for byte);
 *   - config and create errors (unknown head, unknown loss, a loss that does not fit the head, no
 *     shared encoder) name both the head and the loss, and `rlc train` exits non-zero;
 *   - checkpoints carry the heads, their optimizer state and RNG; resume works;
 *   - PPO with a reward-prediction head learns CartPole-v1 (seed 1, 150k steps, eval >= 475). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addons/aux.h"
#include "train/trainer.h"
#include "tests/helpers/testutil.h"

#define CARTPOLE RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"

/* ---- gradient checks ---------------------------------------------------------------------- */

enum { B = 6, OD = 3, HID = 8, HE = 5 };

typedef struct {
    aux_module *a;
    nn_mlp enc;
    float *ep, *eg, *cmem;
    nn_mlp_cache c;
    float obs[B * OD], next[B * OD], pos[B * OD], u[B * 2], r[B];
    unsigned char next_ok[B], pos_ok[B];
    float htgt[B * HE];
    bool use_tgt;
    rl_rng rng0;
    float dh[B * HE];
    double hl[AUX_MAX];
} ctx;

/* the objective: the weighted aux loss of h = enc(obs), with the encoder's gradient completed by
 * the backward of dh through the main pass (as the agent does) */
static double objective(void *v)
{
    ctx *c = v;
    memset(c->eg, 0, c->enc.n_params * sizeof(float));
    const float *h = nn_mlp_forward(&c->c, &c->enc, c->obs, B);
    *aux_rng(c->a) = c->rng0;   /* the same augmentation noise at every evaluation */
    aux_batch b = {.B = B, .obs = c->obs, .h = h, .u = c->u, .r = c->r, .next = c->next, .next_ok = c->next_ok,
                   .h_next_target = c->use_tgt ? c->htgt : NULL, .pos = c->pos, .pos_ok = c->pos_ok};
    bool touched;
    float loss = aux_loss_grad(c->a, &b, c->dh, c->hl, &touched);
    cr_assert(touched);
    nn_mlp_backward(NULL, &c->c, &c->enc, c->dh, c->obs, B);
    return loss;
}

static void make(ctx *c, const char *head, const char *loss, bool discrete, double weight)
{
    memset(c, 0, sizeof *c);
    rl_config cfg;
    rl_config_default(&cfg);
    aux_cfg_of_mut(&cfg)->n = 1;
    aux_head_cfg *h = &aux_cfg_of_mut(&cfg)->heads[0];
    snprintf(h->head, sizeof h->head, "%s", head);
    snprintf(h->loss.name, sizeof h->loss.name, "%s", loss);
    h->weight = weight;
    h->hidden = strcmp(head, "temporal_contrastive") == 0 ? 0 : 7;
    h->k = 2;
    h->noise = 0.3;
    h->dim = 4;
    int hid[1] = {HID};
    nn_mlp_shape(&c->enc, OD, hid, 1, HE, NN_ACT_TANH, NN_ACT_TANH);
    c->ep = calloc(c->enc.n_params, sizeof(float));
    c->eg = calloc(c->enc.n_params, sizeof(float));
    nn_mlp_bind(&c->enc, c->ep, c->eg);
    rl_rng r;
    rl_rng_seed(&r, 5, 0);
    float gains[2] = {1.0f, 1.0f};
    nn_mlp_init_orthogonal(&c->enc, gains, &r);
    c->cmem = calloc(nn_mlp_cache_floats(&c->enc, B), sizeof(float));
    nn_mlp_cache_bind(&c->c, &c->enc, c->cmem, B);
    aux_shape sh = {.obs_dim = OD, .K = discrete ? 3 : 0, .adim = discrete ? 1 : 2, .max_batch = B, .act = NN_ACT_TANH};
    char err[512];
    cr_assert_eq(aux_create(&c->a, &cfg, &c->enc, &sh, err, sizeof err), RL_OK, "%s", err);
    for (int i = 0; i < B * OD; i++) {
        c->obs[i] = (float)rl_rng_normal(&r);
        c->next[i] = (float)rl_rng_normal(&r);
        c->pos[i] = (float)rl_rng_normal(&r);
    }
    for (int b = 0; b < B; b++) {
        if (discrete) c->u[b] = (float)(b % 3);
        else c->u[2 * b] = (float)rl_rng_normal(&r), c->u[2 * b + 1] = (float)rl_rng_normal(&r);
        c->r[b] = (float)rl_rng_normal(&r);
        c->next_ok[b] = b != 2;   /* one transition crosses an episode end */
        c->pos_ok[b] = b != 1 && b != 4;
    }
    /* the forward model's stop-gradient target, fixed at the unperturbed encoder */
    memcpy(c->htgt, nn_mlp_forward(&c->c, &c->enc, c->next, B), sizeof c->htgt);
    c->use_tgt = strcmp(head, "forward_dynamics") == 0;
    c->rng0 = *aux_rng(c->a);
}

static void unmake(ctx *c)
{
    aux_free(c->a);
    free(c->ep);
    free(c->eg);
    free(c->cmem);
}

static void check(const char *head, const char *loss, bool discrete)
{
    static ctx c;
    make(&c, head, loss, discrete, 0.7);
    double l0 = objective(&c);
    cr_assert(isfinite(l0) && l0 != 0.0, "%s/%s: loss %g", head, loss, l0);
    cr_assert(fabs(l0 - 0.7 * c.hl[0]) <= 1e-5 * (1.0 + fabs(l0)), "the returned loss is weight x the head's loss");
    size_t ne = c.enc.n_params, na = aux_n_params(c.a);
    float *an_e = malloc(ne * sizeof(float)), *an_a = malloc(na * sizeof(float));
    memcpy(an_e, c.eg, ne * sizeof(float));
    memcpy(an_a, aux_grads(c.a), na * sizeof(float));
    char what[128];
    rlt_gradcheck_opts o = {.n_check = 400, .h = 1e-3, .rtol = 3e-2, .atol = 3e-4};
    snprintf(what, sizeof what, "%s/%s (%s) encoder params", head, loss, discrete ? "Discrete" : "Box");
    rlt_gradcheck(objective, &c, c.ep, an_e, (int)ne, &o, what);
    snprintf(what, sizeof what, "%s/%s (%s) head params", head, loss, discrete ? "Discrete" : "Box");
    rlt_gradcheck(objective, &c, aux_params(c.a), an_a, (int)na, &o, what);
    free(an_e);
    free(an_a);
    unmake(&c);
}

Test(aux, gradcheck_reward_prediction) { check("reward_prediction", "mse", true); }
Test(aux, gradcheck_reward_prediction_box) { check("reward_prediction", "log_cosh", false); }
Test(aux, gradcheck_forward_dynamics) { check("forward_dynamics", "mse", true); }
Test(aux, gradcheck_forward_dynamics_byol_box) { check("forward_dynamics", "byol", false); }
Test(aux, gradcheck_inverse_dynamics_discrete) { check("inverse_dynamics", "cross_entropy", true); }
Test(aux, gradcheck_inverse_dynamics_box) { check("inverse_dynamics", "mse", false); }
Test(aux, gradcheck_temporal_contrastive) { check("temporal_contrastive", "info_nce", true); }
Test(aux, gradcheck_temporal_contrastive_nt_xent) { check("temporal_contrastive", "nt_xent", false); }
Test(aux, gradcheck_representation_vicreg) { check("representation", "vicreg", true); }
Test(aux, gradcheck_representation_barlow) { check("representation", "barlow_twins", false); }

/* a and b agree to float rounding: |a - b| <= 1e-5 (|a| + max |a|), element by element */
static void assert_close(const float *a, const float *b, size_t n, const char *what)
{
    float scale = 0.0f;
    for (size_t i = 0; i < n; i++) scale = fmaxf(scale, fabsf(a[i]));
    cr_assert(scale > 0.0f, "%s are all zero", what);
    for (size_t i = 0; i < n; i++)
        cr_assert(fabsf(a[i] - b[i]) <= 1e-5f * (fabsf(a[i]) + scale), "%s differ at %zu: %.9g vs %.9g", what, i,
                  a[i], b[i]);
}

Test(aux, forward_target_defaults_to_the_encoders_own_encoding)
{
    /* without h_next_target the module encodes next itself and holds it constant: the same loss
     * and the same gradients as when given enc(next) as the target. Equal to float rounding, not
     * bit for bit: the module encodes only the rows whose transition continues (a batch of 5 here,
     * against the test's 6), and some BLAS kernels round a row differently with the batch size. */
    static ctx c;
    make(&c, "forward_dynamics", "huber", false, 0.7);
    size_t ne = c.enc.n_params, na = aux_n_params(c.a);
    double l1 = objective(&c);
    float *ge = malloc(ne * sizeof(float)), *ga = malloc(na * sizeof(float));
    memcpy(ge, c.eg, ne * sizeof(float));
    memcpy(ga, aux_grads(c.a), na * sizeof(float));
    c.use_tgt = false;
    double l2 = objective(&c);
    cr_assert(fabs(l1 - l2) <= 1e-6 * fabs(l1), "losses differ: %.9g vs %.9g", l1, l2);
    assert_close(ge, c.eg, ne, "encoder gradients");
    assert_close(ga, aux_grads(c.a), na, "head gradients");
    free(ge);
    free(ga);
    unmake(&c);
}

Test(aux, weight_zero_head_logs_but_adds_no_gradient)
{
    const char *heads[] = {"reward_prediction", "forward_dynamics", "inverse_dynamics", "temporal_contrastive",
                           "representation"};
    const char *losses[] = {"mse", "mse", "cross_entropy", "info_nce", "vicreg"};
    for (int i = 0; i < 5; i++) {
        static ctx c;
        make(&c, heads[i], losses[i], true, 0.0);
        memset(c.eg, 0, c.enc.n_params * sizeof(float));
        const float *h = nn_mlp_forward(&c.c, &c.enc, c.obs, B);
        aux_batch b = {.B = B, .obs = c.obs, .h = h, .u = c.u, .r = c.r, .next = c.next, .next_ok = c.next_ok,
                       .pos = c.pos, .pos_ok = c.pos_ok};
        bool touched = true;
        float total = aux_loss_grad(c.a, &b, c.dh, c.hl, &touched);
        cr_assert(!touched, "%s", heads[i]);
        cr_assert_eq(total, 0.0f, "%s", heads[i]);
        cr_assert(isfinite(c.hl[0]) && c.hl[0] > 0, "%s: the loss is still computed (%g)", heads[i], c.hl[0]);
        for (int j = 0; j < B * HE; j++) cr_assert_eq(c.dh[j], 0.0f);
        for (size_t j = 0; j < c.enc.n_params; j++) cr_assert_eq(c.eg[j], 0.0f);
        for (size_t j = 0; j < aux_n_params(c.a); j++) cr_assert_eq(aux_grads(c.a)[j], 0.0f);
        unmake(&c);
    }
}

Test(aux, joint_clip_with_zero_head_gradients_is_the_plain_clip)
{
    float g1[37], g2[37], z[11] = {0};
    rl_rng r;
    rl_rng_seed(&r, 9, 0);
    for (int i = 0; i < 37; i++) g1[i] = g2[i] = (float)rl_rng_normal(&r);
    float n1 = nn_clip_grad_norm(g1, 37, 0.5f);
    float n2 = nn_clip_grad_norm2(g2, 37, z, 11, 0.5f);
    cr_assert_eq(n1, n2);
    cr_assert(memcmp(g1, g2, sizeof g1) == 0);
    /* and a non-zero second buffer counts in the norm and is scaled with the first */
    float a[2] = {3, 0}, b[1] = {4};
    cr_assert_float_eq(nn_clip_grad_norm2(a, 2, b, 1, 1.0f), 5.0f, 1e-6);
    cr_assert_float_eq(a[0], 0.6f, 1e-5);
    cr_assert_float_eq(b[0], 0.8f, 1e-5);
}

/* ---- runs --------------------------------------------------------------------------------- */

static void load(rl_config *cfg, const char *const *sets, int n)
{
    char err[1024];
    cr_assert_eq(rl_config_load(cfg, CARTPOLE, sets, n, err, sizeof err), RL_OK, "%s", err);
}

static void train(const rl_config *cfg, const char *dir, bool resume, trainer_result *res)
{
    char err[1024];
    trainer_opts o = {.run_dir = dir, .resume = resume, .quiet = true};
    cr_assert_eq(trainer_run(cfg, &o, res, err, sizeof err), RL_OK, "train %s: %s", dir, err);
}

#define SMALL "total_steps=8192", "log.log_interval=1024", "log.eval_interval=4096", "log.eval_episodes=3", \
              "log.checkpoint_interval=0", "network.shared=true"

Test(aux, weight_zero_heads_leave_ppo_bit_identical)
{
    const char *none[] = {SMALL};
    const char *zero[] = {SMALL,
                          "aux=[{head: reward_prediction, loss: huber, weight: 0}, {head: forward_dynamics, loss: mse, weight: 0},"
                          " {head: inverse_dynamics, loss: cross_entropy, weight: 0},"
                          " {head: temporal_contrastive, loss: info_nce, weight: 0, k: 3, temperature: 0.1},"
                          " {head: representation, loss: vicreg, weight: 0, noise: 0.1}]"};
    rl_config cfg;
    char a[256], b[256];
    trainer_result ra, rb;
    rlt_tmp_dir(a, sizeof a, "w0a");
    rlt_tmp_dir(b, sizeof b, "w0b");
    load(&cfg, none, 6);
    train(&cfg, a, false, &ra);
    load(&cfg, zero, 7);
    cr_assert_eq(aux_cfg_of(&cfg)->n, 5);
    train(&cfg, b, false, &rb);
    rlt_assert_same_run_but_aux(a, b, ",aux_reward_prediction,aux_forward_dynamics,aux_inverse_dynamics,"
                                      "aux_temporal_contrastive,aux_representation");
    cr_assert_eq(ra.eval_mean, rb.eval_mean);
}

/* ---- errors ------------------------------------------------------------------------------- */


#define CP "algo: ppo\nenv: {id: CartPole-v1}\nnetwork: {shared: true}\n"
#define PD "algo: ppo\nenv: {id: Pendulum-v1}\nnetwork: {shared: true}\n"

Test(aux, unknown_head_names_head_and_loss)
{
    rlt_expect_config_error(CP "aux:\n  - {head: reward_pred, loss: huber, weight: 0.1}\n", "reward_pred", "huber", "x.yaml:5");
}

Test(aux, unknown_loss_names_head_and_loss)
{
    rlt_expect_config_error(CP "aux:\n  - {head: reward_prediction, loss: hubr, weight: 0.1}\n", "reward_prediction", "hubr",
                        "x.yaml:5");
    /* a parameter the loss does not have */
    rlt_expect_config_error(CP "aux:\n  - {head: reward_prediction, loss: huber, weight: 0.1, dleta: 2}\n", "reward_prediction",
                        "dleta", "huber");
}

Test(aux, loss_that_does_not_fit_the_head_names_both)
{
    rlt_expect_config_error(PD "aux:\n  - {head: inverse_dynamics, loss: cross_entropy}\n", "inverse_dynamics", "cross_entropy",
                        "regression");
    rlt_expect_config_error(CP "aux:\n  - {head: inverse_dynamics, loss: mse}\n", "inverse_dynamics", "'mse'", NULL);
    rlt_expect_config_error(CP "aux:\n  - {head: temporal_contrastive, loss: mse}\n", "temporal_contrastive", "'mse'", NULL);
    rlt_expect_config_error(CP "aux:\n  - {head: representation, loss: info_nce}\n", "representation", "info_nce", NULL);
    rlt_expect_config_error(CP "aux:\n  - {head: reward_prediction, loss: vicreg}\n", "reward_prediction", "vicreg", NULL);
    /* head keys on the wrong head, k beyond the rollout */
    rlt_expect_config_error(CP "aux:\n  - {head: reward_prediction, loss: mse, k: 2}\n", "reward_prediction", "'k'", NULL);
    rlt_expect_config_error(CP "aux:\n  - {head: temporal_contrastive, loss: info_nce, k: 128}\n", "temporal_contrastive",
                        "info_nce", "k = 128");
}

Test(aux, heads_need_a_shared_encoder)
{
    rlt_expect_config_error("algo: ppo\naux:\n  - {head: reward_prediction, loss: mse}\n", "network.shared", "reward_prediction",
                        NULL);
    rlt_expect_config_error("algo: a2c\naux:\n  - {head: reward_prediction, loss: mse}\n", "a2c.shared", "network.shared", NULL);
    /* an algo without heads (dqn, qrdqn, c51 and sac have them: tests/test_aux_offpolicy.c) */
    rlt_expect_config_error("algo: reinforce\naux:\n  - {head: reward_prediction, loss: mse}\n", "aux", "reinforce", NULL);
    /* a2c's own key still gives the shared trunk */
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load_string(&cfg, "algo: a2c\na2c: {shared: true}\naux:\n  - {head: reward_prediction, loss: mse}\n",
                                       "y.yaml", NULL, 0, err, sizeof err),
                 RL_OK, "%s", err);
}

Test(aux, rlc_train_exits_nonzero_naming_head_and_loss)
{
    char file[300], dir[256], cmd[1200], out[4096];
    rlt_tmpfile(file, sizeof file, "auxbad", CP "aux:\n  - {head: temporal_contrastive, loss: huber, weight: 0.1}\n");
    rlt_tmp_dir(dir, sizeof dir, "bad");
    snprintf(cmd, sizeof cmd, "%s train %s --run-dir %s 2>&1", RLC_BINARY, file, dir);
    int code = rlt_run_cmd(cmd, out, sizeof out);
    cr_assert_neq(code, 0, "accepted: %s", out);
    cr_assert(strstr(out, "temporal_contrastive") && strstr(out, "huber"), "%s", out);
    struct stat sb;
    cr_assert(stat(dir, &sb) != 0, "a run directory was created");
}

Test(aux, config_dump_round_trips_the_heads)
{
    rl_config a, b;
    char err[1024];
    cr_assert_eq(rl_config_load_string(&a,
                                       CP "aux:\n  - {head: reward_prediction, loss: {name: huber, delta: 2}, weight: 0.25}\n"
                                          "  - {head: temporal_contrastive, loss: info_nce, k: 3, temperature: 0.1}\n"
                                          "  - {head: representation, loss: barlow_twins, noise: 0.2, dim: 16, hidden: 32}\n",
                                       "z.yaml", NULL, 0, err, sizeof err),
                 RL_OK, "%s", err);
    cr_assert_eq(aux_cfg_of(&a)->n, 3);
    cr_assert_eq(aux_cfg_of(&a)->heads[0].weight, 0.25);
    cr_assert_eq(aux_cfg_of(&a)->heads[0].loss.n_kv, 1);
    cr_assert_eq(aux_cfg_of(&a)->heads[1].k, 3);
    cr_assert_str_eq(aux_cfg_of(&a)->heads[1].loss.keys[0], "temperature");
    cr_assert_eq(aux_cfg_of(&a)->heads[2].dim, 16);
    char *d1 = rl_config_dump_string(&a);
    cr_assert_eq(rl_config_load_string(&b, d1, "dump", NULL, 0, err, sizeof err), RL_OK, "%s\n%s", err, d1);
    char *d2 = rl_config_dump_string(&b);
    cr_assert_str_eq(d1, d2);
    free(d1);
    free(d2);
    /* --set replaces the list; an empty list removes the heads */
    const char *sets[] = {"aux=[]"};
    cr_assert_eq(rl_config_load_string(&b, CP "aux:\n  - {head: reward_prediction, loss: mse}\n", "z.yaml", sets, 1, err,
                                       sizeof err),
                 RL_OK, "%s", err);
    cr_assert_eq(aux_cfg_of(&b)->n, 0);
}

/* ---- checkpoints -------------------------------------------------------------------------- */

static void read_tensor(const char *file, const char *name, float *out, int64_t n)
{
    nn_safetensors *f = NULL;
    char err[512];
    cr_assert_eq(nn_safetensors_open(&f, file, err, sizeof err), RL_OK, "%s", err);
    nn_tensor t = {name, out, 1, {n}};
    cr_assert_eq(nn_safetensors_read(f, &t, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors_close(f);
}

Test(aux, checkpoint_round_trip_with_heads)
{
    const char *sets[] = {"total_steps=4096", "log.log_interval=1024", "log.eval_interval=0", "log.eval_episodes=2",
                          "log.checkpoint_interval=0", "network.shared=true",
                          "aux=[{head: reward_prediction, loss: huber, weight: 0.1},"
                          " {head: representation, loss: vicreg, weight: 0.05, noise: 0.2}]"};
    rl_config cfg;
    load(&cfg, sets, 7);
    char dir[256], f1[300], f2[300], f3[300], err[1024];
    rlt_tmp_dir(dir, sizeof dir, "ckpt");
    trainer_result res;
    train(&cfg, dir, false, &res);
    snprintf(f1, sizeof f1, "%s/checkpoint.safetensors", dir);
    snprintf(f2, sizeof f2, "%s/reloaded.safetensors", dir);
    snprintf(f3, sizeof f3, "%s/fresh.safetensors", dir);

    /* a fresh agent, saved before and after loading the run's training state */
    const env_def *def = env_find("CartPole-v1");
    void *ag = NULL;
    cr_assert_eq(agent_find("ppo")->create(&ag, &cfg, &def->obs_space, &def->act_space, 4, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(agent_find("ppo")->save(ag, f3, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors *f = NULL;
    cr_assert_eq(nn_safetensors_open(&f, f1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(agent_find("ppo")->load(ag, f, true, err, sizeof err), RL_OK, "%s", err);
    const char *rng1 = nn_safetensors_meta(f, "ppo.aux_rng");
    cr_assert_not_null(rng1);
    char rng_saved[128];
    snprintf(rng_saved, sizeof rng_saved, "%s", rng1);
    nn_safetensors_close(f);
    cr_assert_eq(agent_find("ppo")->save(ag, f2, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    agent_find("ppo")->destroy(ag);

    /* the heads' flat buffer: (H + A) -> 64 -> 1 and H -> 64 -> H with H = 64, A = 2 (one-hot) */
    int64_t n = (66 * 64 + 64 + 64 + 1) + (64 * 64 + 64 + 64 * 64 + 64);
    float *x1 = malloc((size_t)n * sizeof(float)), *x2 = malloc((size_t)n * sizeof(float)),
          *x3 = malloc((size_t)n * sizeof(float));
    const char *names[] = {"aux.params", "aux.optim.adam.m", "aux.optim.adam.v"};
    for (int i = 0; i < 3; i++) {
        read_tensor(f1, names[i], x1, n);
        read_tensor(f2, names[i], x2, n);
        read_tensor(f3, names[i], x3, n);
        cr_assert(memcmp(x1, x2, (size_t)n * sizeof(float)) == 0, "%s not restored", names[i]);
        cr_assert(memcmp(x1, x3, (size_t)n * sizeof(float)) != 0, "%s did not change in training", names[i]);
    }
    free(x1);
    free(x2);
    free(x3);
    cr_assert_eq(nn_safetensors_open(&f, f2, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(nn_safetensors_meta(f, "ppo.aux_rng"), rng_saved);
    nn_safetensors_close(f);

    /* resuming the run keeps the aux columns and continues */
    const char *more[] = {"total_steps=8192", "log.log_interval=1024", "log.eval_interval=0", "log.eval_episodes=2",
                          "log.checkpoint_interval=0", "network.shared=true",
                          "aux=[{head: reward_prediction, loss: huber, weight: 0.1},"
                          " {head: representation, loss: vicreg, weight: 0.05, noise: 0.2}]"};
    load(&cfg, more, 7);
    train(&cfg, dir, true, &res);
    cr_assert_eq(res.steps, 8192);
    char p[300];
    snprintf(p, sizeof p, "%s/metrics.csv", dir);
    char *csv = rlt_read_file(p);
    int rows = 0;
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) rows++;
    cr_assert_eq(rows, 8, "%s", csv);
    cr_assert(strstr(csv, "aux_reward_prediction,aux_representation\n"), "%.300s", csv);
    free(csv);
}

/* ---- learning ----------------------------------------------------------------------------- */

Test(aux, ppo_with_reward_prediction_learns_cartpole)
{
    RLT_LEARNING_TEST();
    /* shared trunk, lr 1e-3 (the shared trunk learns slowly at CleanRL's 2.5e-4); seeds 1-3 on
     * every BLAS kernel measured (README, Determinism) */
    const char *sets[] = {"total_steps=250000", "log.eval_interval=0", "log.progress=false", "network.shared=true",
                          "ppo.learning_rate=1e-3", "aux=[{head: reward_prediction, loss: huber, weight: 0.1}]"};
    trainer_result runs[3];
    rlt_train_seeds(CARTPOLE, sets, 6, 3, runs, "learn", NULL, 0);
    rlt_assert_learns("PPO + reward_prediction on CartPole-v1", runs, 3, 2, 400.0);
}

/* A2C reads the same heads from its shared trunk (a2c.shared or network.shared), with the heads'
 * own RMSprop stepping beside the network's. */
#define A2C_CARTPOLE RLC_SOURCE_DIR "/configs/a2c_cartpole.yaml"

static void load_a2c(rl_config *cfg, const char *const *sets, int n)
{
    char err[1024];
    cr_assert_eq(rl_config_load(cfg, A2C_CARTPOLE, sets, n, err, sizeof err), RL_OK, "%s", err);
}

Test(aux, weight_zero_heads_leave_a2c_bit_identical)
{
    const char *none[] = {SMALL, "a2c.shared=true"};
    const char *zero[] = {SMALL, "a2c.shared=true",
                          "aux=[{head: reward_prediction, loss: mse, weight: 0}, {head: inverse_dynamics, loss: cross_entropy,"
                          " weight: 0}, {head: temporal_contrastive, loss: info_nce, weight: 0, k: 2}]"};
    rl_config cfg;
    char a[256], b[256];
    trainer_result ra, rb;
    rlt_tmp_dir(a, sizeof a, "a2c0a");
    rlt_tmp_dir(b, sizeof b, "a2c0b");
    load_a2c(&cfg, none, 7);
    train(&cfg, a, false, &ra);
    load_a2c(&cfg, zero, 8);
    cr_assert_eq(aux_cfg_of(&cfg)->n, 3);
    train(&cfg, b, false, &rb);
    rlt_assert_same_run_but_aux(a, b, ",aux_reward_prediction,aux_inverse_dynamics,aux_temporal_contrastive");
    cr_assert_eq(ra.eval_mean, rb.eval_mean);
}

Test(aux, a2c_with_inverse_dynamics_learns_cartpole)
{
    RLT_LEARNING_TEST();
    /* configs/a2c_cartpole.yaml (500k steps) with a shared trunk and an inverse-dynamics head */
    const char *sets[] = {"log.eval_interval=0", "log.progress=false", "a2c.shared=true",
                          "aux=[{head: inverse_dynamics, loss: cross_entropy, weight: 0.1}]"};
    trainer_result runs[3];
    rlt_train_seeds(A2C_CARTPOLE, sets, 4, 3, runs, "a2clearn", NULL, 0);
    rlt_assert_learns("A2C + inverse_dynamics on CartPole-v1", runs, 3, 2, 400.0);
}
