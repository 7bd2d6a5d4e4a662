/* rlc algos: the policy/value networks, normalisation, optimizers and checkpoint helpers the
 * on-policy agents share (algos/onpolicy.h). */
#include "algos/onpolicy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/recurrent.h"
#include "core/limits.h"

/* ---- networks ----------------------------------------------------------------------------- */

/* ---- the steps of onp_net_init ----------------------------------------------------------- */

/* the config values the networks cannot be built with; the hidden activation in *act */
static rl_status net_check(const rl_config *cfg, const env_space *obs_space, bool shared, nn_act *act,
                           char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    int nh = cfg->network.hidden.n;
    if (obs_space->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo %s: observations must be a Box", src, cfg->root.algo);
    if (nn_act_from_name(cfg->network.activation, act) != 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: network.activation: unknown '%s'", src, cfg->network.activation);
    if (shared && nh < 1)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: a shared trunk needs at least one network.hidden layer", src);
    if (cfg->gaussian.log_std_min >= cfg->gaussian.log_std_max)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: gaussian.log_std_min must be < gaussian.log_std_max", src);
    return RL_OK;
}

/* the action distribution: categorical logits, or a Gaussian's mean (and log-std) with its bounds;
 * the actor's output size in *out */
static rl_status net_action_head(onp_net *n, const rl_config *cfg, const env_space *act_space, int *out,
                                 char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    if (act_space->kind == ENV_SPACE_DISCRETE) {
        n->K = act_space->n;
        n->adim = 1;
        *out = n->K;
    } else if (env_space_is_multi(act_space)) {
        *out = onp_multi_head(n, act_space);
    } else {
        n->D = act_space->dim;
        n->adim = n->D;
        if (n->D > ENV_MAX_DIM) return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: action space too large", src);
        n->state_std = strcmp(cfg->gaussian.log_std, "state") == 0;
        n->tanh_squash = strcmp(cfg->gaussian.bound, "tanh") == 0;
        n->ls_min = (float)cfg->gaussian.log_std_min;
        n->ls_max = (float)cfg->gaussian.log_std_max;
        for (int d = 0; d < n->D; d++) {
            n->low[d] = act_space->low ? act_space->low[d] : -INFINITY;
            n->high[d] = act_space->high ? act_space->high[d] : INFINITY;
        }
        *out = n->state_std ? 2 * n->D : n->D;
    }
    return RL_OK;
}

/* the trunk (when shared), actor and critic shapes, bound to one parameter buffer with the
 * log-std vector last; returns the heads' hidden layer count (0 on a shared trunk) */
static int net_shapes(onp_net *n, const rl_config *cfg, nn_act act, int out, int *in_heads_out)
{
    int nh = cfg->network.hidden.n;
    bool shared = n->shared, critic = n->has_critic;
    int hidden[RL_LIST_MAX];
    for (int i = 0; i < nh; i++) hidden[i] = (int)cfg->network.hidden.v[i];
    int in_heads = n->in_dim, nh_heads = nh;
    if (shared) {
        nn_mlp_shape(&n->trunk, n->in_dim, hidden, nh - 1, hidden[nh - 1], act, act);
        in_heads = n->rec ? n->rec->H : hidden[nh - 1];
        nh_heads = 0;
    }
    nn_mlp_shape(&n->actor, in_heads, hidden, nh_heads, out, act, NN_ACT_NONE);
    if (critic) nn_mlp_shape(&n->critic, in_heads, hidden, nh_heads, n->n_v, act, NN_ACT_NONE);
    size_t nr = (n->rec ? n->rec->rnn.n_params : 0) + (n->rec_c ? n->rec_c->rnn.n_params : 0);
    size_t np = (shared ? n->trunk.n_params : 0) + nr + n->actor.n_params + (critic ? n->critic.n_params : 0);
    size_t nls = (n->D && !n->state_std) ? (size_t)n->D : 0;
    n->n_params = np + nls + (n->has_img ? n->img.n_params : 0);   /* the encoder last */
    n->params = rl_xcalloc(n->n_params, sizeof(float));
    n->grads = rl_xcalloc(n->n_params, sizeof(float));
    size_t at = 0;
    if (shared) {
        nn_mlp_bind(&n->trunk, n->params, n->grads);
        at += n->trunk.n_params;
    }
    if (n->rec) onp_rec_bind(n->rec, n->params + at, n->grads + at);
    if (n->rec_c) onp_rec_bind(n->rec_c, n->params + at + n->rec->rnn.n_params, n->grads + at + n->rec->rnn.n_params);
    at += nr;
    nn_mlp_bind(&n->actor, n->params + at, n->grads + at);
    at += n->actor.n_params;
    if (critic) {
        nn_mlp_bind(&n->critic, n->params + at, n->grads + at);
        at += n->critic.n_params;
    }
    if (nls) {
        n->log_std = n->params + at;
        n->dlog_std = n->grads + at;
    }
    *in_heads_out = in_heads;
    return nh_heads;
}

/* CleanRL's layer_init: orthogonal, hidden sqrt 2, actor 0.01, critic 1 (network.*_gain) */
static void net_init_orthogonal(onp_net *n, const rl_config *cfg, int nh_heads, rl_rng *rng)
{
    float gains[NN_MAX_LAYERS];
    float hg = (float)cfg->network.hidden_gain;
    if (n->shared) {
        for (int l = 0; l < n->trunk.n_layers; l++) gains[l] = hg;
        nn_mlp_init_orthogonal(&n->trunk, gains, rng);
    }
    for (int l = 0; l < nh_heads; l++) gains[l] = hg;
    gains[nh_heads] = (float)cfg->network.actor_gain;
    nn_mlp_init_orthogonal(&n->actor, gains, rng);
    if (n->has_critic) {
        gains[nh_heads] = (float)cfg->network.critic_gain;
        nn_mlp_init_orthogonal(&n->critic, gains, rng);
    }
}

/* the weights (network.init: orthogonal, or PyTorch's default) and the initial log-std */
static void net_init_weights(onp_net *n, const rl_config *cfg, int nh_heads, rl_rng *rng)
{
    size_t nls = (n->D && !n->state_std) ? (size_t)n->D : 0;
    if (strcmp(cfg->network.init, "torch") == 0) {
        if (n->shared) nn_mlp_init_torch_default(&n->trunk, rng);
        nn_mlp_init_torch_default(&n->actor, rng);
        if (n->has_critic) nn_mlp_init_torch_default(&n->critic, rng);
    } else {
        net_init_orthogonal(n, cfg, nh_heads, rng);
    }
    if (n->rec) onp_rec_init(n->rec, cfg, rng);   /* after the MLPs: their draws stay those without it */
    if (n->rec_c) onp_rec_init(n->rec_c, cfg, rng);
    if (nls)
        for (int d = 0; d < n->D; d++) n->log_std[d] = (float)cfg->gaussian.log_std_init;
    if (n->state_std) {
        float *b = n->actor.b[n->actor.n_layers - 1];
        for (int d = 0; d < n->D; d++) b[n->D + d] = (float)cfg->gaussian.log_std_init;
    }
}

/* the forward caches and the backward scratch in one block */
static void net_caches(onp_net *n, int out, int in_heads, int max_batch)
{
    bool shared = n->shared, critic = n->has_critic;
    size_t ft = shared ? nn_mlp_cache_floats(&n->trunk, max_batch) : 0;
    size_t fa = nn_mlp_cache_floats(&n->actor, max_batch);
    size_t fc = critic ? nn_mlp_cache_floats(&n->critic, max_batch) : 0;
    int H = shared ? in_heads : 1, DD = n->D ? n->D : 1;
    size_t B = (size_t)max_batch;
    size_t MK = n->K ? B * (size_t)n->K : 0;
    size_t total = ft + fa + fc + 4 * B * DD + B * out + 2 * B * H + 2 * B + MK + B * (n->M ? n->M : 1);
    n->cache_mem = rl_xcalloc(total, sizeof(float));
    float *p = n->cache_mem;
    if (shared) nn_mlp_cache_bind(&n->trunk_c, &n->trunk, p, max_batch), p += ft;
    nn_mlp_cache_bind(&n->actor_c, &n->actor, p, max_batch), p += fa;
    if (critic) nn_mlp_cache_bind(&n->critic_c, &n->critic, p, max_batch), p += fc;
    n->mean = p, p += B * DD;
    n->ls = p, p += B * DD;
    n->dmean = p, p += B * DD;
    n->dls = p, p += B * DD;
    n->dact = p, p += B * out;
    n->dh = p, p += B * H;
    n->dh2 = p, p += B * H;
    n->dv = p, p += 2 * B;
    n->masked_logits = p, p += MK;
    n->iact = (int *)p;   /* int and float have the same size on every supported target */
    _Static_assert(sizeof(int) == sizeof(float), "int must be 4 bytes");
}

rl_status onp_net_init(onp_net *n, const rl_config *cfg, const env_space *obs_space,
                       const env_space *act_space, bool critic, bool shared, int max_batch,
                       rl_rng *rng, char *err, size_t err_sz)
{
    return onp_net_init_rec(n, cfg, obs_space, act_space, critic, shared, max_batch, NULL, NULL, rng, err, err_sz);
}

rl_status onp_net_init_rec(onp_net *n, const rl_config *cfg, const env_space *obs_space,
                           const env_space *act_space, bool critic, bool shared, int max_batch,
                           struct onp_rec *rec, struct onp_rec *rec_c, rl_rng *rng, char *err, size_t err_sz)
{
    memset(n, 0, sizeof *n);
    nn_act act;
    rl_status st = net_check(cfg, obs_space, shared, &act, err, err_sz);
    if (st != RL_OK) return st;
    RL_ASSERT((!rec || shared) && (!rec_c || (rec && critic)));
    n->rec = rec;
    n->rec_c = rec_c;
    if (rec) {   /* on the trunk's output (net_check: a shared trunk has a hidden layer) */
        int trunk_out = (int)cfg->network.hidden.v[cfg->network.hidden.n - 1];
        const char *src = cfg->source[0] ? cfg->source : "config";
        if ((st = onp_rec_shape(rec, trunk_out, src, err, err_sz))) return st;
        if (rec_c && (st = onp_rec_shape(rec_c, trunk_out, src, err, err_sz))) return st;
    }
    n->obs_dim = obs_space->dim;
    n->has_critic = critic;
    n->shared = shared;
    n->n_v = critic && onp_explore_wants_value_head(cfg) ? 2 : 1;
    n->max_batch = max_batch;
    int out = 0, in_heads = 0;
    if ((st = net_action_head(n, cfg, act_space, &out, err, err_sz)) != RL_OK) return st;
    if ((st = onp_img_shape(n, cfg, obs_space, err, err_sz)) != RL_OK) return st;
    int nh_heads = net_shapes(n, cfg, act, out, &in_heads);
    net_init_weights(n, cfg, nh_heads, rng);
    if (n->has_img) onp_img_bind(n, cfg, n->n_params - n->img.n_params, rng);
    net_caches(n, out, in_heads, max_batch);
    return RL_OK;
}

void onp_net_free(onp_net *n)
{
    if (!n) return;
    free(n->params);
    free(n->grads);
    free(n->cache_mem);
    free(n->img_mem);
    n->params = n->grads = n->cache_mem = n->img_mem = NULL;
}

/* the logits of the actions mask marks invalid become ONP_MASKED_LOGIT (in masked_logits) */
static void net_mask_logits(onp_net *n, int B)
{
    size_t BK = (size_t)B * n->K;
    for (size_t j = 0; j < BK; j++) n->masked_logits[j] = n->mask[j] ? n->out_actor[j] : ONP_MASKED_LOGIT;
    n->out_actor = n->masked_logits;
}

void onp_net_forward(onp_net *n, const float *obs, int B, bool actor, bool critic)
{
    RL_ASSERT(B <= n->max_batch);
    obs = onp_img_forward(n, obs, B);
    const float *x = obs;
    if (n->shared) x = n->h = nn_mlp_forward(&n->trunk_c, &n->trunk, obs, B);
    const float *xc = x;   /* what the critic reads: the shared layer's output, or its own's */
    if (n->rec && (actor || !n->rec_c)) x = xc = onp_rec_forward(n->rec, n->h, B);
    if (n->rec_c && critic) xc = onp_rec_forward(n->rec_c, n->h, B);
    if (critic) {
        RL_ASSERT(n->has_critic);
        n->out_v = nn_mlp_forward(&n->critic_c, &n->critic, xc, B);
    }
    if (!actor) return;
    n->out_actor = nn_mlp_forward(&n->actor_c, &n->actor, x, B);
    if (n->K) {
        if (n->mask) net_mask_logits(n, B);
        return;
    }
    RL_ASSERT(!n->mask);
    if (n->M) return;
    if (!n->state_std) {
        n->dist_mean = n->out_actor;
        n->dist_ls = n->log_std;
        n->ls_stride = 0;
        return;
    }
    int D = n->D;
    for (int b = 0; b < B; b++) {
        const float *o = n->out_actor + (size_t)b * 2 * D;
        for (int d = 0; d < D; d++) {
            float l = o[D + d];
            n->mean[(size_t)b * D + d] = o[d];
            n->ls[(size_t)b * D + d] = l < n->ls_min ? n->ls_min : (l > n->ls_max ? n->ls_max : l);
        }
    }
    n->dist_mean = n->mean;
    n->dist_ls = n->ls;
    n->ls_stride = D;
}

void onp_net_sample(onp_net *n, int B, float *u, float *logp, rl_rng *rng)
{
    if (n->K) {
        nn_categorical_sample(n->iact, n->out_actor, B, n->K, rng);
        if (logp) nn_categorical_log_prob(logp, n->out_actor, n->iact, B, n->K);
        for (int b = 0; b < B; b++) u[b] = (float)n->iact[b];
        return;
    }
    if (n->M) {
        onp_multi_sample(n, B, u, logp, rng);
        return;
    }
    nn_gaussian_sample(u, n->dist_mean, n->dist_ls, n->ls_stride, B, n->D, rng);
    if (logp) nn_gaussian_log_prob(logp, u, n->dist_mean, n->dist_ls, n->ls_stride, B, n->D, n->tanh_squash);
}

void onp_net_mode(onp_net *n, int B, float *u)
{
    if (n->K) {
        nn_categorical_mode(n->iact, n->out_actor, B, n->K);
        for (int b = 0; b < B; b++) u[b] = (float)n->iact[b];
        return;
    }
    if (n->M) {
        onp_multi_mode(n, B, u);
        return;
    }
    nn_gaussian_mode(u, n->dist_mean, B, n->D);
}

void onp_net_to_env(const onp_net *n, const float *u, float *actions, int B)
{
    if (n->K || n->M) {
        if (actions != u) memcpy(actions, u, (size_t)B * n->adim * sizeof(float));
        return;
    }
    nn_gaussian_to_action(actions, u, n->low, n->high, B, n->D, n->tanh_squash);
}

void onp_net_logp_ent(onp_net *n, const float *u, int B, float *logp, float *ent)
{
    if (n->K) {
        for (int b = 0; b < B; b++) n->iact[b] = (int)u[b];
        nn_categorical_log_prob(logp, n->out_actor, n->iact, B, n->K);
        if (ent) nn_categorical_entropy(ent, n->out_actor, B, n->K);
        return;
    }
    if (n->M) {
        onp_multi_logp_ent(n, u, B, logp, ent);
        return;
    }
    nn_gaussian_log_prob(logp, u, n->dist_mean, n->dist_ls, n->ls_stride, B, n->D, n->tanh_squash);
    if (ent) nn_gaussian_entropy(ent, n->dist_ls, n->ls_stride, B, n->D);
}

void onp_net_backward(onp_net *n, const float *obs, const float *u, int B, const float *dlogp,
                      const float *dent, const float *dv)
{
    onp_net_backward_ext(n, obs, u, B, dlogp, dent, dv, NULL);
}

void onp_net_backward_ext(onp_net *n, const float *obs, const float *u, int B, const float *dlogp,
                          const float *dent, const float *dv, const float *dh_extra)
{
    bool actor = dlogp || dent;
    if (n->has_img) obs = n->feat;   /* what the MLPs read */
    const float *x = n->rec ? n->rec->out : n->shared ? n->h : obs, *xc = n->rec_c ? n->rec_c->out : x;
    float *dfa = n->has_img && !n->shared ? n->dfeat_a : NULL, *dfc = n->has_img && !n->shared ? n->dfeat_c : NULL;
    if (actor) {
        int out = n->actor.sizes[n->actor.n_layers];
        memset(n->dact, 0, (size_t)B * out * sizeof(float));
        if (n->K) {
            for (int b = 0; b < B; b++) n->iact[b] = (int)u[b];
            nn_categorical_backward(n->dact, n->out_actor, n->iact, dlogp, dent, B, n->K);
        } else if (n->M) {
            onp_multi_backward(n, u, B, dlogp, dent);
        } else if (!n->state_std) {
            nn_gaussian_backward(n->dact, n->dlog_std, u, n->dist_mean, n->dist_ls, dlogp, dent, 0, B, n->D);
        } else {
            int D = n->D;
            memset(n->dmean, 0, (size_t)B * D * sizeof(float));
            memset(n->dls, 0, (size_t)B * D * sizeof(float));
            nn_gaussian_backward(n->dmean, n->dls, u, n->dist_mean, n->dist_ls, dlogp, dent, D, B, D);
            for (int b = 0; b < B; b++) {
                const float *o = n->out_actor + (size_t)b * 2 * D;
                float *g = n->dact + (size_t)b * 2 * D;
                for (int d = 0; d < D; d++) {
                    float l = o[D + d];
                    g[d] = n->dmean[(size_t)b * D + d];
                    /* torch.clamp passes no gradient outside the range */
                    g[D + d] = (l < n->ls_min || l > n->ls_max) ? 0.0f : n->dls[(size_t)b * D + d];
                }
            }
        }
        nn_mlp_backward(n->shared ? n->dh : dfa, &n->actor_c, &n->actor, n->dact, x, B);
    }
    if (dv) nn_mlp_backward(n->shared ? n->dh2 : dfc, &n->critic_c, &n->critic, dv, xc, B);
    RL_ASSERT(!dh_extra || (n->shared && !n->rec));
    if (n->rec_c && (actor || dv)) {   /* each head's gradient through its own layer, summed at the trunk */
        const float *dtrunk = onp_rec_backward_pair(n->rec, actor ? n->dh : NULL, n->rec_c, dv ? n->dh2 : NULL, n->h);
        nn_mlp_backward(n->has_img ? n->dfeat_a : NULL, &n->trunk_c, &n->trunk, dtrunk, obs, B);
    } else if (n->shared && (actor || dv || dh_extra)) {
        size_t m = (size_t)B * (n->rec ? n->rec->H : n->trunk.sizes[n->trunk.n_layers]);
        if (!actor && dv) memcpy(n->dh, n->dh2, m * sizeof(float));
        else if (!actor) memset(n->dh, 0, m * sizeof(float));
        else if (dv)
            for (size_t i = 0; i < m; i++) n->dh[i] += n->dh2[i];
        if (dh_extra)
            for (size_t i = 0; i < m; i++) n->dh[i] += dh_extra[i];
        const float *dtrunk = n->rec ? onp_rec_backward(n->rec, n->dh, n->h) : n->dh;
        nn_mlp_backward(n->has_img ? n->dfeat_a : NULL, &n->trunk_c, &n->trunk, dtrunk, obs, B);
    }
    if (n->has_img)
        onp_img_backward(n, B, n->shared ? (actor || dv || dh_extra) : actor, n->shared ? false : dv != NULL);
}

int onp_net_tensors(onp_net *n, nn_tensor *t, char names[][48])
{
    int k = 0;
    if (n->shared) k += nn_mlp_tensors(t + k, names + k, "trunk", &n->trunk);
    if (n->rec) k += onp_rec_tensors(n->rec, t + k);
    if (n->rec_c) k += onp_rec_tensors(n->rec_c, t + k);
    k += nn_mlp_tensors(t + k, names + k, "actor", &n->actor);
    if (n->has_critic) k += nn_mlp_tensors(t + k, names + k, "critic", &n->critic);
    if (n->log_std) t[k++] = (nn_tensor){"log_std", n->log_std, 1, {n->D}};
    return k + onp_img_tensors(n, t + k, names + k);
}

/* ---- normalisation ------------------------------------------------------------------------ */

rl_status onp_norm_init(onp_norm *w, const rl_config *cfg, int obs_dim, int n_envs, double gamma,
                        char *err, size_t err_sz)
{
    memset(w, 0, sizeof *w);
    w->obs_on = cfg->normalize.obs;
    w->rew_on = cfg->normalize.reward;
    w->n_envs = n_envs;
    w->obs_dim = obs_dim;
    rl_status st;
    if (w->obs_on && (st = env_norm_obs_init(&w->obs, obs_dim, (float)cfg->normalize.clip_obs, err, err_sz)))
        return st;
    if (w->rew_on &&
        (st = env_norm_reward_init(&w->rew, n_envs, gamma, (float)cfg->normalize.clip_reward,
                                   ENV_NORM_REWARD_GYMNASIUM, err, err_sz))) {
        onp_norm_free(w);
        return st;
    }
    w->rms_buf = rl_xcalloc((size_t)(2 * obs_dim + 1 + 3 + n_envs), sizeof(float));
    /* data-parallel training merges the ranks' statistics at every update */
    w->dp = agent_dp_on();
    if (w->dp && w->obs_on) agent_dp_rms_init(&w->dp_obs, &w->obs.rms, NULL, 0);
    if (w->dp && w->rew_on) agent_dp_rms_init(&w->dp_rew, &w->rew.rms, NULL, 0);
    return RL_OK;
}

void onp_norm_dp_merge(onp_norm *w)
{
    if (!w->dp) return;
    if (w->obs_on) agent_dp_rms_merge(&w->dp_obs, &w->obs.rms);
    if (w->rew_on) agent_dp_rms_merge(&w->dp_rew, &w->rew.rms);
}

void onp_norm_free(onp_norm *w)
{
    if (!w) return;
    if (w->obs_on) env_norm_obs_free(&w->obs);
    if (w->rew_on) env_norm_reward_free(&w->rew);
    if (w->dp) agent_dp_rms_free(&w->dp_obs), agent_dp_rms_free(&w->dp_rew);
    free(w->rms_buf);
    w->rms_buf = NULL;
}

void onp_norm_obs(onp_norm *w, const float *in, float *out, int B, bool update)
{
    if (!w->obs_on) {
        if (out != in) memcpy(out, in, (size_t)B * w->obs_dim * sizeof(float));
        return;
    }
    if (update) env_rms_update(&w->obs.rms, in, B);
    env_norm_obs_transform(&w->obs, in, out, B);
}

void onp_norm_reward(onp_norm *w, const float *rewards, const bool *terminated,
                     const bool *truncated, float *out)
{
    memcpy(out, rewards, (size_t)w->n_envs * sizeof(float));
    if (w->rew_on) env_norm_reward_apply(&w->rew, out, terminated, truncated);
}

int onp_norm_tensors(onp_norm *w, nn_tensor *t)
{
    int k = 0, D = w->obs_dim;
    if (w->obs_on) t[k++] = (nn_tensor){"norm.obs", w->rms_buf, 1, {2 * D + 1}};
    if (w->rew_on) {
        t[k++] = (nn_tensor){"norm.reward", w->rms_buf + 2 * D + 1, 1, {3}};
        t[k++] = (nn_tensor){"norm.reward_G", w->rms_buf + 2 * D + 4, 1, {w->n_envs}};
    }
    return k;
}

void onp_norm_stage(onp_norm *w)
{
    int D = w->obs_dim;
    if (w->obs_on) env_rms_export(&w->obs.rms, w->rms_buf);
    if (w->rew_on) {
        env_rms_export(&w->rew.rms, w->rms_buf + 2 * D + 1);
        for (int i = 0; i < w->n_envs; i++) w->rms_buf[2 * D + 4 + i] = (float)w->rew.G[i];
    }
}

rl_status onp_norm_unstage(onp_norm *w, char *err, size_t err_sz)
{
    int D = w->obs_dim;
    rl_status st;
    if (w->obs_on && (st = env_rms_import(&w->obs.rms, w->rms_buf, err, err_sz))) return st;
    if (w->rew_on) {
        if ((st = env_rms_import(&w->rew.rms, w->rms_buf + 2 * D + 1, err, err_sz))) return st;
        for (int i = 0; i < w->n_envs; i++) w->rew.G[i] = w->rms_buf[2 * D + 4 + i];
    }
    if (w->dp && w->obs_on) agent_dp_rms_mark(&w->dp_obs, &w->obs.rms);
    if (w->dp && w->rew_on) agent_dp_rms_mark(&w->dp_rew, &w->rew.rms);
    return RL_OK;
}

/* ---- optimizer ---------------------------------------------------------------------------- */

rl_status onp_opt_init(onp_opt *o, bool rmsprop, size_t n, float lr, float eps, float alpha,
                       char *err, size_t err_sz)
{
    memset(o, 0, sizeof *o);
    o->rmsprop = rmsprop;
    if (rmsprop) return nn_rmsprop_init(&o->rms, n, lr, alpha, eps, err, err_sz);
    return nn_adam_init(&o->adam, n, lr, 0.9f, 0.999f, eps, err, err_sz);
}

void onp_opt_set_lr(onp_opt *o, float lr)
{
    if (o->rmsprop) o->rms.lr = lr;
    else o->adam.lr = lr;
}

float onp_opt_lr(const onp_opt *o) { return o->rmsprop ? o->rms.lr : o->adam.lr; }

void onp_opt_step(onp_opt *o, float *params, const float *grads)
{
    if (o->rmsprop) nn_rmsprop_step(&o->rms, params, grads);
    else nn_adam_step(&o->adam, params, grads);
}

void onp_opt_free(onp_opt *o)
{
    if (!o) return;
    if (o->rmsprop) nn_rmsprop_free(&o->rms);
    else nn_adam_free(&o->adam);
}

int onp_opt_tensors(onp_opt *o, nn_tensor *t)
{
    if (o->rmsprop) {
        t[0] = (nn_tensor){"optim.rmsprop.v", o->rms.v, 1, {(int64_t)o->rms.n}};
        return 1;
    }
    t[0] = (nn_tensor){"optim.adam.m", o->adam.m, 1, {(int64_t)o->adam.n}};
    t[1] = (nn_tensor){"optim.adam.v", o->adam.v, 1, {(int64_t)o->adam.n}};
    return 2;
}

int64_t *onp_opt_t(onp_opt *o) { return o->rmsprop ? &o->rms.t : &o->adam.t; }

/* ---- misc --------------------------------------------------------------------------------- */

rl_status onp_save(const char *algo, const char *path, nn_tensor *t, int n, const rl_rng *rng,
                   int64_t adam_t, int64_t updates, const nn_meta *extra, int n_extra, char *err,
                   size_t err_sz)
{
    char k_t[48], k_r[48], k_u[48];
    char v_t[32], v_r[RL_RNG_TEXT], v_u[32];
    snprintf(k_t, sizeof k_t, "%s.adam_t", algo);
    snprintf(k_r, sizeof k_r, "%s.rng", algo);
    snprintf(k_u, sizeof k_u, "%s.updates", algo);
    snprintf(v_t, sizeof v_t, "%lld", (long long)adam_t);
    rl_rng_encode(rng, v_r, sizeof v_r);
    snprintf(v_u, sizeof v_u, "%lld", (long long)updates);
    nn_meta meta[32];
    int nm = 0;
    meta[nm++] = (nn_meta){"rlc.algo", algo};
    meta[nm++] = (nn_meta){k_t, v_t};
    meta[nm++] = (nn_meta){k_r, v_r};
    meta[nm++] = (nn_meta){k_u, v_u};
    for (int i = 0; i < n_extra && nm < 32; i++) meta[nm++] = extra[i];
    rl_status st = nn_tensors_check_finite(path, t, n, err, err_sz);   /* never save NaN or inf */
    if (st != RL_OK) return st;
    return nn_safetensors_save(path, t, n, meta, nm, err, err_sz);
}

rl_status onp_read_tensors(nn_safetensors *f, nn_tensor *t, int n, bool train_state, char *err, size_t err_sz)
{
    for (int i = 0; i < n; i++) {
        if (!train_state && strcmp(t[i].name, "norm.reward_G") == 0) continue;
        rl_status st = nn_safetensors_read(f, &t[i], err, err_sz);
        if (st != RL_OK) return st;
    }
    return RL_OK;
}

rl_status onp_load_state(nn_safetensors *f, const char *algo, rl_rng *rng, int64_t *adam_t,
                         int64_t *updates, char *err, size_t err_sz)
{
    char k[3][48];
    snprintf(k[0], 48, "%s.adam_t", algo);
    snprintf(k[1], 48, "%s.updates", algo);
    snprintf(k[2], 48, "%s.rng", algo);
    unsigned long long v[2];
    for (int i = 0; i < 2; i++) {
        rl_status st = nn_safetensors_meta_u64(f, k[i], &v[i], err, err_sz);
        if (st != RL_OK) return st;
    }
    if (rl_rng_decode(rng, nn_safetensors_meta(f, k[2])) != 0)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "checkpoint: metadata '%s' missing or malformed", k[2]);
    *adam_t = (int64_t)v[0];
    *updates = (int64_t)v[1];
    return RL_OK;
}

/* ---- acting ------------------------------------------------------------------------------- */

void onp_act(const onp_actor *a, const float *obs, int n, float *actions, bool explore, bool critic)
{
    if (!explore) {
        onp_norm_obs(a->norm, obs, a->scratch, n, false);
        onp_net_forward(a->net, a->scratch, n, true, false);
        onp_net_mode(a->net, n, actions);
        onp_net_to_env(a->net, actions, actions, n);
        return;
    }
    onp_norm_obs(a->norm, obs, a->step_obs, n, true);
    onp_net_forward(a->net, a->step_obs, n, true, critic);
    onp_net_sample(a->net, n, a->step_u, a->step_logp, a->rng);
    onp_net_to_env(a->net, a->step_u, actions, n);
}

void onp_act_sample(const onp_actor *a, const float *obs, int n, float *actions, rl_rng *rng)
{
    onp_norm_obs(a->norm, obs, a->scratch, n, false);
    onp_net_forward(a->net, a->scratch, n, true, false);
    onp_net_sample(a->net, n, actions, NULL, rng);
    onp_net_to_env(a->net, actions, actions, n);
}

/* ---- config ------------------------------------------------------------------------------- */

const rl_config_section onp_losses_section = RL_CFG_SECTION_INIT("losses", onp_losses_cfg, ONP_LOSSES_FIELDS);

rl_status onp_ac_check_config(const rl_config *cfg, const char *sec, int64_t num_steps, bool shared,
                              const char *alt, char *err, size_t err_sz)
{
    char key[64];
    snprintf(key, sizeof key, "%s.num_steps x env.num_envs", sec);
    rl_status st = rl_limit_check(cfg->source[0] ? cfg->source : "config", key, "rollout steps",
                                  rl_mul_sat(num_steps, cfg->env.num_envs), RL_LIMIT_ROLLOUT_STEPS, err, err_sz);
    if (st != RL_OK || aux_cfg_of(cfg)->n == 0 || shared) return st;
    return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: aux: the heads (%s%s) attach to a shared encoder: set network.shared: true%s",
                   aux_cfg_of(cfg)->where, aux_cfg_of(cfg)->heads[0].head, aux_cfg_of(cfg)->n > 1 ? ", ..." : "", alt ? alt : "");
}
