/* rlc addons: intrinsic-reward modules for the on-policy agents (`exploration: {name: ...}`).
 *
 * ICM (Pathak et al. 2017): an encoder phi, an inverse model g(phi(s), phi(s')) -> a and a
 * forward model f(phi(s), a) -> phi(s'); trained on each rollout with
 *   (1 - beta) inverse_loss + beta forward_loss
 * (exploration.inverse_loss / forward_loss from the registry), the intrinsic reward of a step is
 * eta * 0.5 ||f(phi(s), a) - phi(s')||^2, added to the extrinsic reward times int_coef.
 * RND (Burda et al. 2018): a fixed random target network and a trained predictor on observations
 * normalised by their own running mean/std (clipped to [-5, 5]); the intrinsic reward of a step
 * is the predictor's error on s' (exploration.rnd_loss), normalised by a running std of the
 * non-episodic discounted intrinsic return; the agent gives it its own value head and discount.
 * Both normalise their inputs with a running mean/std of the observations they see; each module
 * owns its networks, Adam and RNG. Sized at create; no allocation per step.
 * Over several MPI ranks (agents/dataparallel.h) each rank trains on its own rollout with every
 * minibatch's gradient averaged over the ranks (RND's weighted by the samples each rank kept),
 * and both running statistics are merged at each update; the networks and Adam's moments are
 * among the weights the trainer broadcasts and checks (onp_explore_dp_tensors).
 * SimHash counts (Tang et al. 2017) are the third module, in addons/exploration_simhash.c: this
 * file only forwards to it (x->sh). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addons/exploration.h"
#include "addons/exploration_simhash.h"
#include "agents/agent.h"
#include "agents/dataparallel.h"
#include "core/limits.h"
#include "core/mathx.h"

struct onp_explore {
    onp_simhash *sh;                 /* set for `simhash`: everything else is unused */
    bool rnd;
    int obs_dim, adim, K, F, N, T, cap, mb, epochs;
    float eta, beta, lr, update_proportion;
    loss_spec fwd_loss, inv_loss, rnd_loss;
    /* ICM: encoder, inverse, forward. RND: predictor (in enc) and target */
    nn_mlp enc, inv, fwd, target;
    float *params, *grads, *target_params;
    size_t n_params;
    nn_adam opt;
    nn_mlp_cache enc_c, enc_c2, inv_c, fwd_c, target_c;
    float *mem;
    env_rms obs_rms;                 /* input normalisation */
    env_rms ret_rms;                 /* RND: intrinsic return statistics (dim 1) */
    double *ret_acc;                 /* RND: (N) running discounted intrinsic return */
    rl_rng rng;
    /* stored transitions of the rollout (T, N) */
    float *s_obs, *s_next, *s_u;     /* (cap, D), (cap, D), (cap, A) */
    /* scratch (max(mb, N) rows) */
    float *x1, *x2;                  /* (B, D) normalised s and s' */
    float *cat, *dcat;               /* (B, F + A) forward-model input and its gradient */
    float *icat, *dicat;             /* (B, 2 F) inverse-model input and its gradient */
    float *dap, *uu;                 /* (B, A) inverse-model output gradient; (B, adim) actions */
    float *dpred, *dnext, *dphi1, *dphi2;   /* (B, F) */
    float *w, *rtmp;                 /* (B) */
    int *iact, *perm;                /* (B), (cap) */
    float *stage;                    /* checkpoint staging of the rms: 2 D + 1 + 3 */
    /* data-parallel training (agents/dataparallel.h): both statistics merged over the ranks */
    bool dp;
    agent_dp_rms dp_obs, dp_ret;
};

/* ---- the config section ------------------------------------------------------------------ */

const rl_config_section onp_explore_section = RL_CFG_SECTION_INIT("exploration", onp_explore_cfg, EXPLORATION_FIELDS);

const onp_explore_cfg *onp_explore_cfg_of(const rl_config *cfg) { return rl_config_section_of(cfg, &onp_explore_section); }
onp_explore_cfg *onp_explore_cfg_of_mut(rl_config *cfg) { return rl_config_section_of_mut(cfg, &onp_explore_section); }
bool onp_explore_enabled(const rl_config *cfg) { return strcmp(onp_explore_cfg_of(cfg)->name, "none") != 0; }
bool onp_explore_wants_value_head(const rl_config *cfg) { return strcmp(onp_explore_cfg_of(cfg)->name, "rnd") == 0; }

/* the size of the module's networks, checked with the config (core/limits.h) */
static rl_status explore_check(const rl_config *cfg, char *err, size_t err_sz)
{
    const onp_explore_cfg *c = onp_explore_cfg_of(cfg);
    if (!onp_explore_enabled(cfg)) return RL_OK;
    const int64_t io = RL_LIMIT_IO_DIM;
    return rl_limit_check(cfg->source[0] ? cfg->source : "config", "exploration.hidden",
                          "parameters of a network (with 512 + feature_dim inputs, 512 outputs)",
                          rl_mlp_params(&c->hidden, io + c->feature_dim, io), RL_LIMIT_NET_PARAMS, err, err_sz);
}

static bool explore_serves(const agent_algo *a) { return a->intrinsic_rewards; }

/* the add-on's row of the registry (agents/registry.c); the module resolves its losses through
 * these slots (the inverse slot's names: Discrete actions', then Box actions') */
enum { SLOT_FORWARD, SLOT_INVERSE, SLOT_RND, SLOT_SIMHASH };
const agent_addon addon_exploration = {
    .name = "exploration",
    .config = {&onp_explore_section, explore_check},
    .serves = explore_serves,
    .loss_slots = {{"exploration.forward_loss", "icm_forward", " (exploration.name: icm)", 0},
                   {"exploration.inverse_loss", "icm_inverse icm_inverse_continuous", " (exploration.name: icm)", 0},
                   {"exploration.rnd_loss", "rnd", " (exploration.name: rnd)", 0},
                   {"exploration.simhash_loss", "simhash", " (exploration.name: simhash)", 0}},
};

rl_status onp_explore_dp_check(const rl_config *cfg, int ranks, char *err, size_t err_sz)
{
    if (strcmp(onp_explore_cfg_of(cfg)->name, "simhash") != 0) return RL_OK;
    return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED,
                   "%s: exploration.name: simhash is not supported in data-parallel training (%d ranks): its visit "
                   "counts are not shared between ranks; use icm, rnd or none",
                   cfg->source, ranks);
}

static void norm_in(const env_rms *r, const float *in, float *out, int B, float clip)
{
    int D = r->dim;
    for (int b = 0; b < B; b++)
        for (int d = 0; d < D; d++) {
            size_t i = (size_t)b * D + d;
            float y = (float)(((double)in[i] - r->mean[d]) / sqrt(r->var[d] + 1e-8));
            out[i] = y < -clip ? -clip : (y > clip ? clip : y);
        }
}

void onp_explore_free(onp_explore *x)
{
    if (!x) return;
    onp_simhash_free(x->sh);
    free(x->params);
    free(x->grads);
    free(x->target_params);
    free(x->mem);
    free(x->perm);
    free(x->s_obs);
    free(x->s_next);
    free(x->s_u);
    free(x->ret_acc);
    free(x->stage);
    nn_adam_free(&x->opt);
    env_rms_free(&x->obs_rms);
    env_rms_free(&x->ret_rms);
    if (x->dp) agent_dp_rms_free(&x->dp_obs), agent_dp_rms_free(&x->dp_ret);
    free(x);
}

bool onp_explore_is_rnd(const onp_explore *x) { return x && x->rnd; }

static rl_status create_simhash(onp_explore **out, const rl_config *cfg, const onp_explore_shape *net,
                                int n_envs, char *err, size_t err_sz)
{
    onp_explore *x = rl_xcalloc(1, sizeof *x);
    rl_status st = onp_simhash_create(&x->sh, &onp_explore_cfg_of(cfg)->simhash_loss,
                                      &addon_exploration.loss_slots[SLOT_SIMHASH], cfg->root.seed, net->obs_dim,
                                      n_envs, err, err_sz);
    if (st) {
        free(x);
        return st;
    }
    *out = x;
    return RL_OK;
}

/* ---- the steps of onp_explore_create ----------------------------------------------------- */

/* the module's losses: RND's, or ICM's forward and inverse ones matching the action space */
static rl_status explore_losses(onp_explore *x, const rl_config *c, const onp_explore_shape *net, char *err, size_t err_sz)
{
    rl_status st;
    unsigned kern = LOSS_KINDS(LOSS_KIND_KERNEL);
    if (x->rnd) st = agent_loss_spec(&x->rnd_loss, kern, &onp_explore_cfg_of(c)->rnd_loss, NULL, err, err_sz);
    else if (!(st = agent_loss_spec(&x->fwd_loss, kern, &onp_explore_cfg_of(c)->forward_loss, NULL, err, err_sz)))
        st = agent_loss_spec(&x->inv_loss, kern, &onp_explore_cfg_of(c)->inverse_loss, NULL, err, err_sz);
    if (st) return st;
    /* the kernel slots take the losses their rows of addon_exploration name only */
    const agent_loss_slot *slot = &addon_exploration.loss_slots[x->rnd ? SLOT_RND : SLOT_FORWARD];
    const loss_spec *chk = x->rnd ? &x->rnd_loss : &x->fwd_loss;
    const rl_loss_cfg *lc = x->rnd ? &onp_explore_cfg_of(c)->rnd_loss : &onp_explore_cfg_of(c)->forward_loss;
    if (!agent_slot_takes(slot, chk->desc))
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: takes the `%s` loss, not '%s'", lc->where, slot->names, lc->name);
    if (!x->rnd) {
        char inv[64];
        agent_slot_name(&addon_exploration.loss_slots[SLOT_INVERSE], net->K ? 0 : 1, inv, sizeof inv);
        if (strcmp(x->inv_loss.desc->name, inv) != 0)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: this action space takes the `%s` loss, not '%s'",
                           onp_explore_cfg_of(c)->inverse_loss.where, inv, onp_explore_cfg_of(c)->inverse_loss.name);
    }
    return RL_OK;
}

/* the scalar settings and sizes */
static void explore_settings(onp_explore *x, const rl_config *c, const onp_explore_shape *net, int n_envs, int T,
                             int minibatch)
{
    x->obs_dim = net->obs_dim;
    x->adim = net->adim;
    x->K = net->K;
    x->F = (int)onp_explore_cfg_of(c)->feature_dim;
    x->N = n_envs;
    x->T = T;
    x->cap = T * n_envs;
    x->mb = minibatch < x->cap ? minibatch : x->cap;
    x->epochs = (int)onp_explore_cfg_of(c)->epochs;
    x->eta = (float)onp_explore_cfg_of(c)->eta;
    x->beta = (float)onp_explore_cfg_of(c)->beta;
    x->lr = (float)onp_explore_cfg_of(c)->learning_rate;
    x->update_proportion = (float)onp_explore_cfg_of(c)->update_proportion;
    rl_rng_seed(&x->rng, rl_seed_derive((uint64_t)c->root.seed, 7), 7);
}

/* the encoder with RND's fixed target, or ICM's inverse and forward models, in one parameter
 * buffer, initialised from the module's own RNG */
static void explore_networks(onp_explore *x, const rl_config *c, const onp_explore_shape *net)
{
    nn_act act;
    nn_act_from_name(c->network.activation, &act);
    int hidden[RL_LIST_MAX], nh = onp_explore_cfg_of(c)->hidden.n;
    for (int i = 0; i < nh; i++) hidden[i] = (int)onp_explore_cfg_of(c)->hidden.v[i];
    int D = x->obs_dim, F = x->F, A = net->K ? net->K : net->D;   /* one-hot for discrete */
    nn_mlp_shape(&x->enc, D, hidden, nh, F, act, NN_ACT_NONE);
    size_t np = x->enc.n_params;
    if (x->rnd) {
        nn_mlp_shape(&x->target, D, hidden, nh, F, act, NN_ACT_NONE);
    } else {
        nn_mlp_shape(&x->inv, 2 * F, hidden, nh, A, act, NN_ACT_NONE);
        nn_mlp_shape(&x->fwd, F + A, hidden, nh, F, act, NN_ACT_NONE);
        np += x->inv.n_params + x->fwd.n_params;
    }
    x->n_params = np;
    x->params = rl_xcalloc(np, sizeof(float));
    x->grads = rl_xcalloc(np, sizeof(float));
    nn_mlp_bind(&x->enc, x->params, x->grads);
    float gains[NN_MAX_LAYERS];
    for (int l = 0; l < NN_MAX_LAYERS; l++) gains[l] = 1.4142135f;
    nn_mlp_init_orthogonal(&x->enc, gains, &x->rng);
    if (x->rnd) {
        x->target_params = rl_xcalloc(x->target.n_params, sizeof(float));
        nn_mlp_bind(&x->target, x->target_params, NULL);
        nn_mlp_init_orthogonal(&x->target, gains, &x->rng);
    } else {
        nn_mlp_bind(&x->inv, x->params + x->enc.n_params, x->grads + x->enc.n_params);
        nn_mlp_bind(&x->fwd, x->params + x->enc.n_params + x->inv.n_params,
                    x->grads + x->enc.n_params + x->inv.n_params);
        nn_mlp_init_orthogonal(&x->inv, gains, &x->rng);
        nn_mlp_init_orthogonal(&x->fwd, gains, &x->rng);
    }
}

/* the forward caches and scratch in one block, and the stored transitions */
static void explore_memory(onp_explore *x, const onp_explore_shape *net, int n_envs)
{
    int D = x->obs_dim, F = x->F, A = net->K ? net->K : net->D;
    int B = x->mb > n_envs ? x->mb : n_envs;
    size_t fe = nn_mlp_cache_floats(&x->enc, B);
    size_t fo = x->rnd ? nn_mlp_cache_floats(&x->target, B) : nn_mlp_cache_floats(&x->inv, B) + nn_mlp_cache_floats(&x->fwd, B);
    size_t tot = 2 * fe + fo + (size_t)B * (2 * D + 2 * (F + A) + 4 * F + 2 * A + x->adim + 4 * F + 3);
    x->mem = rl_xcalloc(tot, sizeof(float));
    float *p = x->mem;
    nn_mlp_cache_bind(&x->enc_c, &x->enc, p, B), p += fe;
    nn_mlp_cache_bind(&x->enc_c2, &x->enc, p, B), p += fe;
    if (x->rnd) nn_mlp_cache_bind(&x->target_c, &x->target, p, B), p += fo;
    else {
        nn_mlp_cache_bind(&x->inv_c, &x->inv, p, B), p += nn_mlp_cache_floats(&x->inv, B);
        nn_mlp_cache_bind(&x->fwd_c, &x->fwd, p, B), p += nn_mlp_cache_floats(&x->fwd, B);
    }
    float **arr[] = {&x->x1, &x->x2, &x->cat, &x->dcat, &x->icat, &x->dicat, &x->dap, &x->uu,
                     &x->dpred, &x->dnext, &x->dphi1, &x->dphi2, &x->w, &x->rtmp};
    size_t len[] = {(size_t)D, (size_t)D, (size_t)(F + A), (size_t)(F + A), (size_t)(2 * F), (size_t)(2 * F),
                    (size_t)A, (size_t)x->adim, (size_t)F, (size_t)F, (size_t)F, (size_t)F, 1, 1};
    for (size_t i = 0; i < sizeof len / sizeof len[0]; i++) *arr[i] = p, p += (size_t)B * len[i];
    x->iact = (int *)p;
    x->perm = rl_xcalloc((size_t)x->cap, sizeof(int));
    x->s_obs = rl_xcalloc((size_t)x->cap * D, sizeof(float));
    x->s_next = rl_xcalloc((size_t)x->cap * D, sizeof(float));
    x->s_u = rl_xcalloc((size_t)x->cap * x->adim, sizeof(float));
    x->ret_acc = rl_xcalloc((size_t)n_envs, sizeof(double));
    x->stage = rl_xcalloc((size_t)(2 * D + 1 + 3), sizeof(float));
}

rl_status onp_explore_create(onp_explore **out, const rl_config *cfg, const onp_explore_shape *net,
                             int n_envs, int T, int minibatch, char *err, size_t err_sz)
{
    *out = NULL;
    const rl_config *c = cfg;
    if (strcmp(onp_explore_cfg_of(c)->name, "none") == 0) return RL_OK;
    if (strcmp(onp_explore_cfg_of(c)->name, "simhash") == 0)
        return create_simhash(out, cfg, net, n_envs, err, err_sz);
    onp_explore *x = rl_xcalloc(1, sizeof *x);
    x->rnd = strcmp(onp_explore_cfg_of(c)->name, "rnd") == 0;
    rl_status st = explore_losses(x, c, net, err, err_sz);
    if (st) {
        free(x);
        return st;
    }
    explore_settings(x, c, net, n_envs, T, minibatch);
    explore_networks(x, c, net);
    if ((st = nn_adam_init(&x->opt, x->n_params, x->lr, 0.9f, 0.999f, 1e-8f, err, err_sz)) ||
        (st = env_rms_init(&x->obs_rms, x->obs_dim, err, err_sz)) || (st = env_rms_init(&x->ret_rms, 1, err, err_sz))) {
        onp_explore_free(x);
        return st;
    }
    if (agent_dp_on()) {
        x->dp = true;
        agent_dp_rms_init(&x->dp_obs, &x->obs_rms, NULL, 0);
        agent_dp_rms_init(&x->dp_ret, &x->ret_rms, NULL, 0);
    }
    explore_memory(x, net, n_envs);
    *out = x;
    return RL_OK;
}

/* the forward model's input [phi(s), a] (one-hot for discrete actions) */
static void fwd_input(onp_explore *x, const float *phi, const float *u, int B)
{
    int F = x->F, A = x->K ? x->K : x->adim, W = F + A;
    for (int b = 0; b < B; b++) {
        float *row = x->cat + (size_t)b * W;
        memcpy(row, phi + (size_t)b * F, (size_t)F * sizeof(float));
        if (x->K) {
            memset(row + F, 0, (size_t)A * sizeof(float));
            row[F + (int)u[b]] = 1.0f;
        } else {
            memcpy(row + F, u + (size_t)b * A, (size_t)A * sizeof(float));
        }
    }
}

/* intrinsic reward (B) of transitions (obs, u, next); normalised inputs x1 / x2 */
static void reward_of(onp_explore *x, const float *obs, const float *u, const float *next, int B,
                      float *r_int)
{
    norm_in(&x->obs_rms, next, x->x2, B, 5.0f);
    const float *phi2 = nn_mlp_forward(&x->enc_c2, &x->enc, x->x2, B);
    if (x->rnd) {
        const float *tg = nn_mlp_forward(&x->target_c, &x->target, x->x2, B);
        loss_rnd(phi2, tg, NULL, B, x->F, r_int, NULL);
        return;
    }
    norm_in(&x->obs_rms, obs, x->x1, B, 5.0f);
    const float *phi1 = nn_mlp_forward(&x->enc_c, &x->enc, x->x1, B);
    fwd_input(x, phi1, u, B);
    const float *pred = nn_mlp_forward(&x->fwd_c, &x->fwd, x->cat, B);
    loss_icm_forward(pred, phi2, NULL, B, x->F, x->eta, r_int, NULL, NULL);
}

void onp_explore_step(onp_explore *x, int t, const float *obs, const float *u, const float *next,
                      float *r_int)
{
    if (x->sh) {
        onp_simhash_step(x->sh, next, r_int);
        return;
    }
    int N = x->N, D = x->obs_dim;
    env_rms_update(&x->obs_rms, next, N);
    size_t at = (size_t)t * N;
    memcpy(x->s_obs + at * D, obs, (size_t)N * D * sizeof(float));
    memcpy(x->s_next + at * D, next, (size_t)N * D * sizeof(float));
    memcpy(x->s_u + at * x->adim, u, (size_t)N * x->adim * sizeof(float));
    reward_of(x, obs, u, next, N, r_int);
}

void onp_explore_normalise_rewards(onp_explore *x, float *r_int, int T, float int_gamma)
{
    /* RND: divide by the running std of the non-episodic discounted intrinsic return */
    int N = x->N;
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < N; i++) {
            x->ret_acc[i] = x->ret_acc[i] * int_gamma + r_int[(size_t)t * N + i];
            x->rtmp[i] = (float)x->ret_acc[i];
        }
        env_rms_update(&x->ret_rms, x->rtmp, N);
    }
    if (x->dp) agent_dp_rms_merge(&x->dp_ret, &x->ret_rms);   /* every rank's returns */
    float inv = (float)(1.0 / sqrt(x->ret_rms.var[0] + 1e-8));
    for (size_t k = 0; k < (size_t)T * N; k++) r_int[k] *= inv;
}

/* The module's loss on the minibatch in x1 (normalised s), x2 (normalised s'), uu (actions),
 * with its gradient written into x->grads. w (mb) weights RND samples (NULL = all ones). */
static float batch_loss(onp_explore *x, int mb, const float *w)
{
    int F = x->F, A = x->K ? x->K : x->adim;
    const float *uu = x->uu;
    memset(x->grads, 0, x->n_params * sizeof(float));
    float loss;
    if (x->rnd) {
        const float *pred = nn_mlp_forward(&x->enc_c2, &x->enc, x->x2, mb);
        const float *tg = nn_mlp_forward(&x->target_c, &x->target, x->x2, mb);
        loss = loss_rnd(pred, tg, w, mb, F, NULL, x->dphi2);
        nn_mlp_backward(NULL, &x->enc_c2, &x->enc, x->dphi2, x->x2, mb);
    } else {
        const float *phi1 = nn_mlp_forward(&x->enc_c, &x->enc, x->x1, mb);
        const float *phi2 = nn_mlp_forward(&x->enc_c2, &x->enc, x->x2, mb);
        /* inverse model on [phi(s), phi(s')] -> a, weighted 1 - beta */
        for (int k = 0; k < mb; k++) {
            memcpy(x->icat + (size_t)k * 2 * F, phi1 + (size_t)k * F, (size_t)F * sizeof(float));
            memcpy(x->icat + (size_t)k * 2 * F + F, phi2 + (size_t)k * F, (size_t)F * sizeof(float));
        }
        const float *ap = nn_mlp_forward(&x->inv_c, &x->inv, x->icat, mb);
        float li;
        if (x->K) {
            for (int k = 0; k < mb; k++) x->iact[k] = (int)uu[k];
            li = loss_icm_inverse_discrete(ap, x->iact, NULL, mb, x->K, x->dap);
        } else {
            li = loss_icm_inverse_continuous(ap, uu, NULL, mb, A, x->dap);
        }
        for (int k = 0; k < mb * A; k++) x->dap[k] *= 1.0f - x->beta;
        nn_mlp_backward(x->dicat, &x->inv_c, &x->inv, x->dap, x->icat, mb);
        for (int k = 0; k < mb; k++) {
            memcpy(x->dphi1 + (size_t)k * F, x->dicat + (size_t)k * 2 * F, (size_t)F * sizeof(float));
            memcpy(x->dphi2 + (size_t)k * F, x->dicat + (size_t)k * 2 * F + F, (size_t)F * sizeof(float));
        }
        /* forward model on [phi(s), a] -> phi(s'), weighted beta */
        fwd_input(x, phi1, uu, mb);
        const float *pred = nn_mlp_forward(&x->fwd_c, &x->fwd, x->cat, mb);
        float lf = loss_icm_forward(pred, phi2, NULL, mb, F, 1.0f, NULL, x->dpred, x->dnext);
        for (int k = 0; k < mb * F; k++) {
            x->dpred[k] *= x->beta;
            x->dphi2[k] += x->beta * x->dnext[k];
        }
        nn_mlp_backward(x->dcat, &x->fwd_c, &x->fwd, x->dpred, x->cat, mb);
        for (int k = 0; k < mb; k++)
            for (int f = 0; f < F; f++) x->dphi1[(size_t)k * F + f] += x->dcat[(size_t)k * (F + A) + f];
        nn_mlp_backward(NULL, &x->enc_c, &x->enc, x->dphi1, x->x1, mb);
        nn_mlp_backward(NULL, &x->enc_c2, &x->enc, x->dphi2, x->x2, mb);
        loss = (1.0f - x->beta) * li + x->beta * lf;
    }
    return loss;
}

/* minibatch m's rows of the rollout (in x->perm order) into x1, x2, uu */
static void gather_minibatch(onp_explore *x, int m)
{
    int mb = x->mb, D = x->obs_dim;
    for (int k = 0; k < mb; k++) {
        int idx = x->perm[m + k];
        norm_in(&x->obs_rms, x->s_obs + (size_t)idx * D, x->x1 + (size_t)k * D, 1, 5.0f);
        norm_in(&x->obs_rms, x->s_next + (size_t)idx * D, x->x2 + (size_t)k * D, 1, 5.0f);
        memcpy(x->uu + (size_t)k * x->adim, x->s_u + (size_t)idx * x->adim, (size_t)x->adim * sizeof(float));
    }
}

/* RND: each sample trains the predictor with probability update_proportion; the weights (mb)
 * make the loss the mean over the kept samples. Returns how many were kept. */
static int rnd_mask(onp_explore *x)
{
    int mb = x->mb, kept = 0;
    for (int k = 0; k < mb; k++) kept += (x->w[k] = rl_rng_float(&x->rng) < x->update_proportion);
    for (int k = 0; kept > 0 && k < mb; k++) x->w[k] *= (float)mb / kept;
    return kept;
}

/* One minibatch's step; false when it was skipped. Over several ranks every rank takes part in
 * every minibatch (its gradient averaged with the others', weighted by RND's kept samples; a
 * rank that kept none contributes nothing), and all skip together. */
static bool minibatch_step(onp_explore *x, int m, float *loss)
{
    gather_minibatch(x, m);
    int kept = x->rnd ? rnd_mask(x) : x->mb;
    if (kept == 0 && !x->dp) return false;
    *loss = kept > 0 ? batch_loss(x, x->mb, x->rnd ? x->w : NULL) : 0.0f;
    bool ok = isfinite(*loss) && rl_all_finite(x->grads, x->n_params);
    if (x->dp)
        ok = x->rnd ? agent_dp_grads_union(x->grads, x->n_params, ok, kept) : agent_dp_grads(x->grads, x->n_params, ok);
    if (!ok) return false;
    nn_clip_grad_norm(x->grads, x->n_params, 1.0f);
    nn_adam_step(&x->opt, x->params, x->grads);
    return kept > 0;
}

double onp_explore_update(onp_explore *x)
{
    if (x->sh) return onp_simhash_mean_bonus(x->sh);   /* nothing to train */
    if (x->dp) agent_dp_rms_merge(&x->dp_obs, &x->obs_rms);   /* every rank's observations */
    int n = x->cap, mb = x->mb;
    double total = 0.0;
    int count = 0;
    for (int i = 0; i < n; i++) x->perm[i] = i;
    for (int e = 0; e < x->epochs; e++) {
        for (int i = n - 1; i > 0; i--) {
            int j = (int)rl_rng_below(&x->rng, (uint32_t)(i + 1));
            int tmp = x->perm[i];
            x->perm[i] = x->perm[j];
            x->perm[j] = tmp;
        }
        for (int m = 0; m + mb <= n; m += mb) {
            float loss;
            if (minibatch_step(x, m, &loss)) total += loss, count++;
        }
    }
    return count ? total / count : NAN;
}

/* the trained module's tensors every rank must hold alike: its networks and Adam's moments */
int onp_explore_dp_tensors(onp_explore *x, nn_tensor *t)
{
    if (x->sh) return 0;
    int k = 0;
    t[k++] = (nn_tensor){"explore.params", x->params, 1, {(int64_t)x->n_params}};
    t[k++] = (nn_tensor){"explore.adam.m", x->opt.m, 1, {(int64_t)x->n_params}};
    t[k++] = (nn_tensor){"explore.adam.v", x->opt.v, 1, {(int64_t)x->n_params}};
    if (x->rnd) t[k++] = (nn_tensor){"explore.target", x->target_params, 1, {(int64_t)x->target.n_params}};
    return k;
}

int onp_explore_tensors(onp_explore *x, nn_tensor *t, char names[][48], bool train_state)
{
    if (x->sh) return onp_simhash_tensors(x->sh, t);
    int k = 0;
    const char *pre = x->rnd ? "rnd" : "icm";
    snprintf(names[k], 48, "%s.params", pre);
    t[k] = (nn_tensor){names[k], x->params, 1, {(int64_t)x->n_params}};
    k++;
    if (x->rnd) {
        t[k++] = (nn_tensor){"rnd.target", x->target_params, 1, {(int64_t)x->target.n_params}};
    }
    snprintf(names[k], 48, "%s.rms", pre);
    t[k] = (nn_tensor){names[k], x->stage, 1, {2 * x->obs_dim + 1 + 3}};
    k++;
    if (train_state) {
        snprintf(names[k], 48, "%s.adam.m", pre);
        t[k] = (nn_tensor){names[k], x->opt.m, 1, {(int64_t)x->n_params}};
        k++;
        snprintf(names[k], 48, "%s.adam.v", pre);
        t[k] = (nn_tensor){names[k], x->opt.v, 1, {(int64_t)x->n_params}};
        k++;
    }
    return k;
}

void onp_explore_stage(onp_explore *x)
{
    if (x->sh) {
        onp_simhash_stage(x->sh);
        return;
    }
    env_rms_export(&x->obs_rms, x->stage);
    env_rms_export(&x->ret_rms, x->stage + 2 * x->obs_dim + 1);
}

rl_status onp_explore_unstage(onp_explore *x, char *err, size_t err_sz)
{
    if (x->sh) return onp_simhash_unstage(x->sh, err, err_sz);
    rl_status st = env_rms_import(&x->obs_rms, x->stage, err, err_sz);
    if (st == RL_OK) st = env_rms_import(&x->ret_rms, x->stage + 2 * x->obs_dim + 1, err, err_sz);
    if (st == RL_OK && x->dp) agent_dp_rms_mark(&x->dp_obs, &x->obs_rms), agent_dp_rms_mark(&x->dp_ret, &x->ret_rms);
    return st;
}

float onp_explore_loss_grad(onp_explore *x, const float *obs, const float *u, const float *next,
                            int B, float **params, float **grads, size_t *n_params)
{
    if (x->sh) {   /* no parameters */
        *params = *grads = NULL;
        *n_params = 0;
        return 0.0f;
    }
    RL_ASSERT(B <= x->mb);
    norm_in(&x->obs_rms, obs, x->x1, B, 5.0f);
    norm_in(&x->obs_rms, next, x->x2, B, 5.0f);
    memcpy(x->uu, u, (size_t)B * x->adim * sizeof(float));
    float loss = batch_loss(x, B, NULL);
    *params = x->params;
    *grads = x->grads;
    *n_params = x->n_params;
    return loss;
}
