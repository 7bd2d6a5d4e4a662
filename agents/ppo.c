/* rlc agents: PPO for discrete actions (Schulman et al. 2017), CleanRL's recipe.
 *
 * Separate actor and critic MLPs (tanh, orthogonal init: hidden sqrt(2), actor head 0.01,
 * critic head 1) share one flat parameter buffer and one Adam optimizer. Each rollout of
 * num_steps x num_envs steps is followed by update_epochs passes over shuffled minibatches:
 *   loss = policy(logp, logp_old, adv) + ent_coef * entropy(ent) + vf_coef * value(v, v_old, ret)
 * where the three terms come from the loss registry by name (losses.policy, losses.value,
 * losses.entropy), gradients are clipped to max_grad_norm and the learning rate is annealed
 * linearly to 0 over total_steps. Truncated episodes bootstrap from the value of their final
 * observation (replay/rollout.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/agent.h"
#include "core/arena.h"
#include "losses/loss.h"
#include "replay/rollout.h"

typedef struct {
    /* config */
    int obs_dim, n_actions, n_envs, T, batch, mb_size, n_mb, epochs;
    float gamma, lambda, ent_coef, vf_coef, max_grad_norm, lr0, target_kl;
    bool anneal_lr, norm_adv;
    loss_spec policy_loss, value_loss, entropy_loss;
    /* networks: actor then critic in one flat buffer */
    nn_mlp actor, critic;
    float *params, *grads;            /* (n_params) */
    size_t n_params;
    nn_adam opt;
    nn_mlp_cache actor_cache, critic_cache;
    rl_arena arena;
    rl_rng rng;
    replay_rollout buf;
    int64_t updates;
    int64_t nonfinite_skips;
    /* per-step scratch of the last explore act() */
    float *step_obs, *step_actions, *step_logp, *step_values;   /* (N, .) */
    int *iact;                                                  /* (max batch) */
    float *final_values;                                        /* (N) */
    /* minibatch scratch */
    int *perm;                        /* (batch) */
    float *mb_obs;                    /* (mb, obs_dim) */
    int *mb_act;                      /* (mb) */
    float *mb_logp_old, *mb_adv, *mb_ret, *mb_vold;             /* (mb) */
    float *mb_logp, *mb_ent, *mb_dlogp, *mb_dent, *mb_dv, *mb_dlogits, *mb_v;
} ppo;

enum { ST_POLICY, ST_VALUE, ST_ENTROPY, ST_KL, ST_CLIPFRAC, ST_GRADNORM, ST_LR, ST_EV, ST_SKIPPED, ST_COUNT };

static rl_status make_loss(loss_spec *out, unsigned kinds, const rl_loss_cfg *l, char *err,
                           size_t err_sz)
{
    const char *keys[RL_LOSS_MAX_KV];
    for (int i = 0; i < l->n_kv; i++) keys[i] = l->keys[i];
    return loss_spec_make(out, kinds, l->name, keys, l->vals, l->n_kv, l->where, err, err_sz);
}

static void ppo_destroy(void *self)
{
    ppo *p = self;
    if (!p) return;
    free(p->params);
    free(p->grads);
    nn_adam_free(&p->opt);
    rl_arena_free(&p->arena);
    replay_rollout_free(&p->buf);
    free(p);
}

static rl_status ppo_create(void **self, const rl_config *cfg, const env_space *obs_space,
                            const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    if (act_space->kind != ENV_SPACE_DISCRETE)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: algo ppo: this build's PPO needs a Discrete action space", src);
    if (obs_space->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo ppo: observations must be a Box", src);
    ppo *p = rl_xcalloc(1, sizeof *p);
    rl_status st;
    /* losses first: a bad name or parameter fails before anything is allocated */
    if ((st = make_loss(&p->policy_loss, LOSS_KINDS(LOSS_KIND_POLICY_RATIO), &cfg->losses.policy, err, err_sz)) ||
        (st = make_loss(&p->value_loss, LOSS_KINDS_VALUE, &cfg->losses.value, err, err_sz)) ||
        (st = make_loss(&p->entropy_loss, LOSS_KINDS(LOSS_KIND_ENTROPY), &cfg->losses.entropy, err, err_sz))) {
        free(p);
        return st;
    }
    nn_act act;
    if (nn_act_from_name(cfg->network.activation, &act) != 0) {
        free(p);
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: network.activation: unknown '%s'", src, cfg->network.activation);
    }
    p->obs_dim = obs_space->dim;
    p->n_actions = act_space->n;
    p->n_envs = n_envs;
    p->T = (int)cfg->ppo.num_steps;
    p->batch = p->T * n_envs;
    p->n_mb = (int)cfg->ppo.num_minibatches;
    if (p->batch % p->n_mb != 0) {
        int batch = p->batch;
        free(p);
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: ppo.num_minibatches: %d does not divide the batch num_steps x num_envs = %d",
                       src, (int)cfg->ppo.num_minibatches, batch);
    }
    p->mb_size = p->batch / p->n_mb;
    p->epochs = (int)cfg->ppo.update_epochs;
    p->gamma = (float)cfg->ppo.gamma;
    p->lambda = (float)cfg->ppo.gae_lambda;
    p->ent_coef = (float)cfg->ppo.ent_coef;
    p->vf_coef = (float)cfg->ppo.vf_coef;
    p->max_grad_norm = (float)cfg->ppo.max_grad_norm;
    p->lr0 = (float)cfg->ppo.learning_rate;
    p->target_kl = (float)cfg->ppo.target_kl;
    p->anneal_lr = cfg->ppo.anneal_lr;
    p->norm_adv = cfg->ppo.norm_adv;

    int hidden[RL_LIST_MAX];
    int nh = cfg->network.hidden.n;
    for (int i = 0; i < nh; i++) hidden[i] = (int)cfg->network.hidden.v[i];
    nn_mlp_shape(&p->actor, p->obs_dim, hidden, nh, p->n_actions, act, NN_ACT_NONE);
    nn_mlp_shape(&p->critic, p->obs_dim, hidden, nh, 1, act, NN_ACT_NONE);
    p->n_params = p->actor.n_params + p->critic.n_params;
    p->params = rl_xcalloc(p->n_params, sizeof(float));
    p->grads = rl_xcalloc(p->n_params, sizeof(float));
    nn_mlp_bind(&p->actor, p->params, p->grads);
    nn_mlp_bind(&p->critic, p->params + p->actor.n_params, p->grads + p->actor.n_params);

    rl_rng_seed(&p->rng, rl_seed_derive((uint64_t)cfg->root.seed, 1), 1);
    float gains[NN_MAX_LAYERS];
    for (int l = 0; l < nh; l++) gains[l] = (float)cfg->network.hidden_gain;
    gains[nh] = (float)cfg->network.actor_gain;
    nn_mlp_init_orthogonal(&p->actor, gains, &p->rng);
    gains[nh] = (float)cfg->network.critic_gain;
    nn_mlp_init_orthogonal(&p->critic, gains, &p->rng);

    if ((st = nn_adam_init(&p->opt, p->n_params, p->lr0, 0.9f, 0.999f, (float)cfg->ppo.adam_eps, err, err_sz)) ||
        (st = replay_rollout_init(&p->buf, p->T, n_envs, p->obs_dim, 1, err, err_sz))) {
        ppo_destroy(p);
        return st;
    }

    /* every scratch array, sized once */
    int maxb = p->mb_size;
    if (n_envs > maxb) maxb = n_envs;
    if (AGENT_EVAL_BATCH > maxb) maxb = AGENT_EVAL_BATCH;
    size_t fa = nn_mlp_cache_floats(&p->actor, maxb), fc = nn_mlp_cache_floats(&p->critic, maxb);
    int N = n_envs, mb = p->mb_size, K = p->n_actions, D = p->obs_dim;
    size_t need = rl_arena_need(fa * 4) + rl_arena_need(fc * 4) +
                  rl_arena_need((size_t)N * D * 4) + 4 * rl_arena_need((size_t)N * 4) +
                  rl_arena_need((size_t)maxb * 4) + rl_arena_need((size_t)p->batch * 4) +
                  rl_arena_need((size_t)mb * D * 4) + rl_arena_need((size_t)mb * K * 4) +
                  14 * rl_arena_need((size_t)mb * 4);
    if ((st = rl_arena_init(&p->arena, need, err, err_sz))) {
        ppo_destroy(p);
        return st;
    }
    nn_mlp_cache_bind(&p->actor_cache, &p->actor, rl_arena_floats(&p->arena, fa), maxb);
    nn_mlp_cache_bind(&p->critic_cache, &p->critic, rl_arena_floats(&p->arena, fc), maxb);
    p->step_obs = rl_arena_floats(&p->arena, (size_t)N * D);
    p->step_actions = rl_arena_floats(&p->arena, N);
    p->step_logp = rl_arena_floats(&p->arena, N);
    p->step_values = rl_arena_floats(&p->arena, N);
    p->final_values = rl_arena_floats(&p->arena, N);
    p->iact = rl_arena_alloc(&p->arena, (size_t)maxb * sizeof(int));
    p->perm = rl_arena_alloc(&p->arena, (size_t)p->batch * sizeof(int));
    p->mb_obs = rl_arena_floats(&p->arena, (size_t)mb * D);
    p->mb_dlogits = rl_arena_floats(&p->arena, (size_t)mb * K);
    p->mb_act = rl_arena_alloc(&p->arena, (size_t)mb * sizeof(int));
    float **mbs[] = {&p->mb_logp_old, &p->mb_adv, &p->mb_ret, &p->mb_vold, &p->mb_logp, &p->mb_ent,
                     &p->mb_dlogp, &p->mb_dent, &p->mb_dv, &p->mb_v};
    for (size_t i = 0; i < sizeof mbs / sizeof mbs[0]; i++) *mbs[i] = rl_arena_floats(&p->arena, mb);
    *self = p;
    return RL_OK;
}

static void ppo_act(void *self, const float *obs, int n, float *actions, bool explore)
{
    ppo *p = self;
    const float *logits = nn_mlp_forward(&p->actor_cache, &p->actor, obs, n);   // (n, K)
    if (!explore) {
        nn_categorical_mode(p->iact, logits, n, p->n_actions);
        for (int i = 0; i < n; i++) actions[i] = (float)p->iact[i];
        return;
    }
    RL_ASSERT(n == p->n_envs);
    nn_categorical_sample(p->iact, logits, n, p->n_actions, &p->rng);
    nn_categorical_log_prob(p->step_logp, logits, p->iact, n, p->n_actions);
    const float *v = nn_mlp_forward(&p->critic_cache, &p->critic, obs, n);      // (n, 1)
    for (int i = 0; i < n; i++) {
        actions[i] = p->step_actions[i] = (float)p->iact[i];
        p->step_values[i] = v[i];
    }
    memcpy(p->step_obs, obs, (size_t)n * p->obs_dim * sizeof(float));
}

static void ppo_observe(void *self, const env_vec *v)
{
    ppo *p = self;
    int N = p->n_envs, any_trunc = 0;
    for (int i = 0; i < N; i++) any_trunc |= v->truncated[i] && !v->terminated[i];
    if (any_trunc) {
        /* bootstrap values of the final observations of truncated episodes (one batch) */
        const float *fv = nn_mlp_forward(&p->critic_cache, &p->critic, v->final_obs, N);
        for (int i = 0; i < N; i++) p->final_values[i] = v->truncated[i] ? fv[i] : 0.0f;
    }
    replay_rollout_add(&p->buf, p->step_obs, p->step_actions, p->step_logp, p->step_values,
                       v->rewards, v->terminated, v->truncated, any_trunc ? p->final_values : NULL);
}

static int all_finite(const float *x, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

static bool ppo_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats)
{
    ppo *p = self;
    if (p->buf.t < p->T) return false;
    int N = p->n_envs, D = p->obs_dim, K = p->n_actions, mb = p->mb_size;

    /* advantages: bootstrap from the value of the observations after the rollout */
    const float *last_v = nn_mlp_forward(&p->critic_cache, &p->critic, v->obs, N);
    replay_rollout_finish(&p->buf, last_v, p->gamma, p->lambda);

    /* CleanRL anneals with the fraction of updates done before this one */
    int64_t done_steps = step - p->batch;
    if (done_steps < 0) done_steps = 0;
    p->opt.lr = p->anneal_lr ? nn_lr_linear(p->lr0, done_steps, total_steps) : p->lr0;

    double sum[ST_COUNT] = {0};
    int n_mb_done = 0;
    for (int i = 0; i < p->batch; i++) p->perm[i] = i;
    for (int epoch = 0; epoch < p->epochs; epoch++) {
        for (int i = p->batch - 1; i > 0; i--) {   /* Fisher-Yates */
            int j = (int)rl_rng_below(&p->rng, (uint32_t)(i + 1));
            int t = p->perm[i];
            p->perm[i] = p->perm[j];
            p->perm[j] = t;
        }
        double epoch_kl = 0.0;
        for (int m = 0; m < p->n_mb; m++) {
            /* gather the minibatch (flat index = t * N + env) */
            for (int k = 0; k < mb; k++) {
                int idx = p->perm[m * mb + k];
                memcpy(p->mb_obs + (size_t)k * D, p->buf.obs + (size_t)idx * D, (size_t)D * sizeof(float));
                p->mb_act[k] = (int)p->buf.actions[idx];
                p->mb_logp_old[k] = p->buf.logp[idx];
                p->mb_adv[k] = p->buf.adv[idx];
                p->mb_ret[k] = p->buf.ret[idx];
                p->mb_vold[k] = p->buf.values[idx];
            }
            if (p->norm_adv && mb > 1) {
                double mean = 0.0, var = 0.0;
                for (int k = 0; k < mb; k++) mean += p->mb_adv[k];
                mean /= mb;
                for (int k = 0; k < mb; k++) var += (p->mb_adv[k] - mean) * (p->mb_adv[k] - mean);
                float inv = (float)(1.0 / (sqrt(var / (mb - 1)) + 1e-8));   /* torch .std(): n - 1 */
                for (int k = 0; k < mb; k++) p->mb_adv[k] = (float)((p->mb_adv[k] - mean) * inv);
            }
            const float *logits = nn_mlp_forward(&p->actor_cache, &p->actor, p->mb_obs, mb);   // (mb, K)
            nn_categorical_log_prob(p->mb_logp, logits, p->mb_act, mb, K);
            nn_categorical_entropy(p->mb_ent, logits, mb, K);
            const float *val = nn_mlp_forward(&p->critic_cache, &p->critic, p->mb_obs, mb);   // (mb, 1)

            float pl = loss_policy_eval(&p->policy_loss, p->mb_logp, p->mb_logp_old, p->mb_adv, NULL, mb, p->mb_dlogp);
            float el = loss_entropy_eval(&p->entropy_loss, p->mb_ent, NULL, mb, p->mb_dent);
            float vl = loss_value_eval(&p->value_loss, val, p->mb_vold, p->mb_ret, NULL, mb, p->mb_dv);
            if (!isfinite(pl) || !isfinite(el) || !isfinite(vl)) {
                p->nonfinite_skips++;
                continue;
            }
            /* diagnostics: k3 KL estimate, clip fraction, mean entropy */
            double kl = 0.0, cf = 0.0, ent = 0.0;
            float clip = p->policy_loss.desc->kind == LOSS_KIND_POLICY_RATIO ? p->policy_loss.p[0] : 0.2f;
            for (int k = 0; k < mb; k++) {
                double lr = (double)p->mb_logp[k] - p->mb_logp_old[k];
                kl += (exp(lr) - 1.0) - lr;
                cf += fabs(exp(lr) - 1.0) > clip;
                ent += p->mb_ent[k];
            }
            for (int k = 0; k < mb; k++) p->mb_dent[k] *= p->ent_coef;
            for (int k = 0; k < mb; k++) p->mb_dv[k] *= p->vf_coef;

            memset(p->grads, 0, p->n_params * sizeof(float));
            memset(p->mb_dlogits, 0, (size_t)mb * K * sizeof(float));
            nn_categorical_backward(p->mb_dlogits, logits, p->mb_act, p->mb_dlogp, p->mb_dent, mb, K);
            nn_mlp_backward(NULL, &p->actor_cache, &p->actor, p->mb_dlogits, p->mb_obs, mb);
            nn_mlp_backward(NULL, &p->critic_cache, &p->critic, p->mb_dv, p->mb_obs, mb);
            if (!all_finite(p->grads, (int)p->n_params)) {
                p->nonfinite_skips++;
                continue;
            }
            float gn = nn_clip_grad_norm(p->grads, p->n_params, p->max_grad_norm);
            nn_adam_step(&p->opt, p->params, p->grads);

            sum[ST_POLICY] += pl;
            sum[ST_VALUE] += vl;
            sum[ST_ENTROPY] += ent / mb;
            sum[ST_KL] += kl / mb;
            sum[ST_CLIPFRAC] += cf / mb;
            sum[ST_GRADNORM] += gn;
            epoch_kl += kl / mb;
            n_mb_done++;
        }
        if (p->target_kl > 0 && epoch_kl / p->n_mb > p->target_kl) break;
    }
    /* explained variance of the rollout's value estimates */
    double mr = 0, vr = 0, me = 0, ve = 0;
    for (int i = 0; i < p->batch; i++) mr += p->buf.ret[i], me += p->buf.ret[i] - p->buf.values[i];
    mr /= p->batch;
    me /= p->batch;
    for (int i = 0; i < p->batch; i++) {
        double r = p->buf.ret[i] - mr, e = p->buf.ret[i] - p->buf.values[i] - me;
        vr += r * r;
        ve += e * e;
    }
    for (int s = 0; s < ST_LR; s++) stats[s] = n_mb_done ? sum[s] / n_mb_done : NAN;
    stats[ST_LR] = p->opt.lr;
    stats[ST_EV] = vr > 0 ? 1.0 - ve / vr : NAN;
    stats[ST_SKIPPED] = (double)p->nonfinite_skips;
    replay_rollout_clear(&p->buf);
    p->updates++;
    return true;
}

/* ---- checkpoints ------------------------------------------------------------------------- */

#define PPO_MAX_TENSORS (4 * NN_MAX_LAYERS + 2)

static int mlp_tensors(nn_tensor *t, char names[][48], const char *prefix, nn_mlp *m)
{
    int n = 0;
    for (int l = 0; l < m->n_layers; l++) {
        snprintf(names[n], 48, "%s.%d.weight", prefix, l);
        t[n] = (nn_tensor){names[n], m->w[l], 2, {m->sizes[l + 1], m->sizes[l]}};
        n++;
        snprintf(names[n], 48, "%s.%d.bias", prefix, l);
        t[n] = (nn_tensor){names[n], m->b[l], 1, {m->sizes[l + 1]}};
        n++;
    }
    return n;
}

static int ppo_tensors(ppo *p, nn_tensor *t, char names[][48], bool train_state)
{
    int n = mlp_tensors(t, names, "actor", &p->actor);
    n += mlp_tensors(t + n, names + n, "critic", &p->critic);
    if (train_state) {
        t[n++] = (nn_tensor){"optim.adam.m", p->opt.m, 1, {(int64_t)p->n_params}};
        t[n++] = (nn_tensor){"optim.adam.v", p->opt.v, 1, {(int64_t)p->n_params}};
    }
    return n;
}

static rl_status ppo_save(void *self, const char *path, const nn_meta *extra, int n_extra,
                          char *err, size_t err_sz)
{
    ppo *p = self;
    nn_tensor t[PPO_MAX_TENSORS];
    char names[PPO_MAX_TENSORS][48];
    int n = ppo_tensors(p, t, names, true);
    char adam_t[32], rng_state[32], rng_inc[32], updates[32];
    snprintf(adam_t, sizeof adam_t, "%lld", (long long)p->opt.t);
    snprintf(rng_state, sizeof rng_state, "%llu", (unsigned long long)p->rng.state);
    snprintf(rng_inc, sizeof rng_inc, "%llu", (unsigned long long)p->rng.inc);
    snprintf(updates, sizeof updates, "%lld", (long long)p->updates);
    nn_meta meta[32];
    int nm = 0;
    meta[nm++] = (nn_meta){"rlc.algo", "ppo"};
    meta[nm++] = (nn_meta){"ppo.adam_t", adam_t};
    meta[nm++] = (nn_meta){"ppo.rng_state", rng_state};
    meta[nm++] = (nn_meta){"ppo.rng_inc", rng_inc};
    meta[nm++] = (nn_meta){"ppo.updates", updates};
    for (int i = 0; i < n_extra && nm < 32; i++) meta[nm++] = extra[i];
    return nn_safetensors_save(path, t, n, meta, nm, err, err_sz);
}

static rl_status meta_u64(nn_safetensors *f, const char *key, unsigned long long *out, char *err,
                          size_t err_sz)
{
    const char *s = nn_safetensors_meta(f, key);
    char *end;
    if (!s || !*s) return rl_errf(err, err_sz, RL_ERR_FORMAT, "checkpoint: metadata '%s' missing", key);
    *out = strtoull(s, &end, 10);
    if (*end) return rl_errf(err, err_sz, RL_ERR_FORMAT, "checkpoint: metadata '%s' is not a number", key);
    return RL_OK;
}

static rl_status ppo_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz)
{
    ppo *p = self;
    nn_tensor t[PPO_MAX_TENSORS];
    char names[PPO_MAX_TENSORS][48];
    int n = ppo_tensors(p, t, names, train_state);
    for (int i = 0; i < n; i++) {
        rl_status st = nn_safetensors_read(f, &t[i], err, err_sz);
        if (st != RL_OK) return st;
    }
    if (!train_state) return RL_OK;
    unsigned long long at = 0, rs = 0, ri = 0, up = 0;
    rl_status st;
    if ((st = meta_u64(f, "ppo.adam_t", &at, err, err_sz)) || (st = meta_u64(f, "ppo.rng_state", &rs, err, err_sz)) ||
        (st = meta_u64(f, "ppo.rng_inc", &ri, err, err_sz)) || (st = meta_u64(f, "ppo.updates", &up, err, err_sz)))
        return st;
    p->opt.t = (int64_t)at;
    p->rng.state = rs;
    p->rng.inc = ri;
    p->rng.has_spare = 0;
    p->updates = (int64_t)up;
    replay_rollout_clear(&p->buf);
    return RL_OK;
}

const agent_algo agent_ppo = {
    .name = "ppo",
    .n_stats = ST_COUNT,
    .stat_names = {"policy_loss", "value_loss", "entropy", "approx_kl", "clipfrac", "grad_norm",
                   "learning_rate", "explained_variance", "skipped_minibatches"},
    .create = ppo_create,
    .act = ppo_act,
    .observe = ppo_observe,
    .learn = ppo_learn,
    .save = ppo_save,
    .load = ppo_load,
    .destroy = ppo_destroy,
};
