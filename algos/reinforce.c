/* rlc algos: REINFORCE (Williams 1992) with return normalisation and an optional learned
 * baseline.
 *
 * Each of the num_envs copies fills its own episode segment; when an episode ends its discounted
 * returns G_t = r_t + gamma G_{t+1} are computed backwards (a truncated episode bootstraps from
 * the baseline's value of its final observation when there is a baseline, else it counts as
 * ended) and the steps move to the update batch. After episodes_per_update episodes, one
 * gradient step on
 *   loss = policy(logp, A) + ent_coef * entropy(ent) [+ vf_coef * value(V, G)]
 * with A = G (no baseline) or G - V(s) (baseline), standardised over the batch when
 * norm_returns. losses.policy is `reinforce` (or any policy-ratio loss, e.g. pg), losses.value
 * fits the baseline, losses.entropy the bonus; all come from the registry by name. Discrete
 * and Box actions (the gaussian section) as PPO. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/onpolicy.h"
#include "core/limits.h"
#include "core/mathx.h"

/* ---- the reinforce: section --------------------------------------------------------------- */

#define REINFORCE_FIELDS(X, S)                                                               \
    X(S, double, learning_rate, F64, 1e-3, NULL, 0, 1, NULL, "Adam learning rate")                 \
    X(S, int64_t, episodes_per_update, I64, 4, NULL, 1, 1e6, NULL,                                  \
      "finished episodes per gradient step")                                                     \
    X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")                                   \
    X(S, bool, norm_returns, BOOL, 1, NULL, 0, 1, NULL,                                             \
      "normalise returns (advantages with a baseline) over the batch")                           \
    X(S, bool, baseline, BOOL, 0, NULL, 0, 1, NULL, "learn a state-value baseline")                \
    X(S, double, ent_coef, F64, 0.0, NULL, 0, 100, NULL, "weight of the entropy loss")             \
    X(S, double, vf_coef, F64, 0.5, NULL, 0, 100, NULL, "weight of the baseline's value loss")     \
    X(S, double, max_grad_norm, F64, 0, NULL, 0, 1e9, NULL, "global gradient-norm clip; 0 = off")  \
    X(S, int64_t, max_episode_steps, I64, 0, NULL, 0, 1e7, NULL,                                    \
      "longest episode stored; 0 = the env's time limit")
RL_CFG_SECTION_TYPE(reinforce_cfg, REINFORCE_FIELDS);
static const rl_config_section reinforce_section = RL_CFG_SECTION_INIT("reinforce", reinforce_cfg, REINFORCE_FIELDS);

static const reinforce_cfg *rf_cfg(const rl_config *cfg) { return rl_config_section_of(cfg, &reinforce_section); }

typedef struct {
    int obs_dim, adim, n_envs, L, E, cap;
    float gamma, ent_coef, vf_coef, max_grad_norm, lr;
    bool baseline, norm_returns, kernel_reinforce;
    loss_spec policy_loss, value_loss, entropy_loss;
    onp_net net;
    onp_opt opt;
    onp_norm norm;
    rl_rng rng;
    int64_t updates, nonfinite_skips;
    /* per env: the running episode */
    float *seg_obs, *seg_u, *seg_r, *seg_logp;   /* (N, L, D), (N, L, A), (N, L), (N, L) */
    int *seg_len;                                /* (N) */
    /* the update batch */
    float *b_obs, *b_u, *b_ret, *b_logp;         /* (cap, D), (cap, A), (cap), (cap) */
    int b_n, b_eps;
    /* step scratch */
    float *step_obs, *step_u, *step_logp, *rewards, *tmp_obs;   /* (N, D), (N, A), (N), (N), (maxb, D) */
    /* update scratch (cap) */
    float *adv, *logp, *ent, *dlogp, *dent, *dv, *vold;
} reinforce;

enum { ST_POLICY, ST_VALUE, ST_ENTROPY, ST_GRADNORM, ST_EPISODES, ST_BATCH, ST_SKIPPED, ST_COUNT };

static void rf_destroy(void *self)
{
    reinforce *p = self;
    if (!p) return;
    onp_net_free(&p->net);
    onp_opt_free(&p->opt);
    onp_norm_free(&p->norm);
    float *bufs[] = {p->seg_obs, p->seg_u, p->seg_r, p->seg_logp, p->b_obs, p->b_u, p->b_ret,
                     p->b_logp, p->step_obs, p->step_u, p->step_logp, p->rewards, p->tmp_obs,
                     p->adv, p->logp, p->ent, p->dlogp, p->dent, p->dv, p->vold};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    free(p->seg_len);
    free(p);
}

extern const agent_algo agent_reinforce;   /* below: its loss slots */

static rl_status rf_create(void **self, const rl_config *cfg, const env_space *obs_space,
                           const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    reinforce *p = rl_xcalloc(1, sizeof *p);
    rl_status st;
    /* the slots of the descriptor: policy (a policy-ratio loss or the `reinforce` kernel), value, entropy */
    if ((st = agent_slot_loss(&p->policy_loss, &agent_reinforce, 0, cfg, err, err_sz)) ||
        (st = agent_slot_loss(&p->value_loss, &agent_reinforce, 1, cfg, err, err_sz)) ||
        (st = agent_slot_loss(&p->entropy_loss, &agent_reinforce, 2, cfg, err, err_sz))) {
        free(p);
        return st;
    }
    if (onp_explore_enabled(cfg)) {
        free(p);
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: exploration.name: algo reinforce takes no intrinsic-reward module (ppo and a2c do)", src);
    }
    p->kernel_reinforce = p->policy_loss.desc->kind == LOSS_KIND_KERNEL;   /* the slot's only kernel */
    int L = (int)rf_cfg(cfg)->max_episode_steps;
    if (L == 0) L = (int)cfg->env.max_episode_steps;
    if (L == 0) {
        const env_def *def = env_find(cfg->env.id);
        L = def ? def->max_episode_steps : 0;
    }
    if (L <= 0) {
        free(p);
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: reinforce.max_episode_steps: the env has no time limit; set the longest episode to store",
                       src);
    }
    /* episode segments (num_envs x L) and the update batch ((episodes_per_update + num_envs) x L),
     * each step an observation, an action and 6 scalars, checked before allocating */
    int64_t per_step = (int64_t)env_space_dim(obs_space) + env_space_dim(act_space) + 6;
    int64_t steps = rl_mul_sat(rl_add_sat(rl_add_sat(rf_cfg(cfg)->episodes_per_update, n_envs), n_envs), L);
    if ((st = rl_limit_check(src, "reinforce.max_episode_steps x (reinforce.episodes_per_update + 2 env.num_envs)",
                             "episode buffer floats", rl_mul_sat(steps, per_step), RL_LIMIT_BUFFER_FLOATS, err,
                             err_sz))) {
        free(p);
        return st;
    }
    p->L = L;
    p->n_envs = n_envs;
    p->E = (int)rf_cfg(cfg)->episodes_per_update;
    p->cap = (p->E + n_envs) * L;   /* up to E - 1 episodes plus one finishing per env */
    p->gamma = (float)rf_cfg(cfg)->gamma;
    p->ent_coef = (float)rf_cfg(cfg)->ent_coef;
    p->vf_coef = (float)rf_cfg(cfg)->vf_coef;
    p->max_grad_norm = (float)rf_cfg(cfg)->max_grad_norm;
    p->lr = (float)rf_cfg(cfg)->learning_rate;
    p->baseline = rf_cfg(cfg)->baseline;
    p->norm_returns = rf_cfg(cfg)->norm_returns;
    int maxb = p->cap;
    if (AGENT_EVAL_BATCH > maxb) maxb = AGENT_EVAL_BATCH;
    rl_rng_seed(&p->rng, rl_seed_derive((uint64_t)cfg->root.seed, 1), 1);
    if ((st = onp_net_init(&p->net, cfg, obs_space, act_space, p->baseline, false, maxb, &p->rng, err, err_sz))) {
        free(p);
        return st;
    }
    p->obs_dim = p->net.obs_dim;
    p->adim = p->net.adim;
    if ((st = onp_opt_init(&p->opt, false, p->net.n_params, p->lr, 1e-8f, 0.0f, err, err_sz)) ||
        (st = onp_norm_init(&p->norm, cfg, p->obs_dim, n_envs, p->gamma, err, err_sz))) {
        rf_destroy(p);
        return st;
    }
    size_t N = (size_t)n_envs, D = (size_t)p->obs_dim, A = (size_t)p->adim, C = (size_t)p->cap;
    p->seg_obs = rl_xcalloc(N * L * D, sizeof(float));
    p->seg_u = rl_xcalloc(N * L * A, sizeof(float));
    p->seg_r = rl_xcalloc(N * L, sizeof(float));
    p->seg_logp = rl_xcalloc(N * L, sizeof(float));
    p->seg_len = rl_xcalloc(N, sizeof(int));
    p->b_obs = rl_xcalloc(C * D, sizeof(float));
    p->b_u = rl_xcalloc(C * A, sizeof(float));
    p->b_ret = rl_xcalloc(C, sizeof(float));
    p->b_logp = rl_xcalloc(C, sizeof(float));
    p->step_obs = rl_xcalloc(N * D, sizeof(float));
    p->step_u = rl_xcalloc(N * A, sizeof(float));
    p->step_logp = rl_xcalloc(N, sizeof(float));
    p->rewards = rl_xcalloc(N, sizeof(float));
    p->tmp_obs = rl_xcalloc((size_t)maxb * D, sizeof(float));
    float **sc[] = {&p->adv, &p->logp, &p->ent, &p->dlogp, &p->dent, &p->dv, &p->vold};
    for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++) *sc[i] = rl_xcalloc(C, sizeof(float));
    *self = p;
    return RL_OK;
}

static void rf_act(void *self, const float *obs, int n, float *actions, bool explore)
{
    reinforce *p = self;
    RL_ASSERT(!explore || n == p->n_envs);
    onp_actor a = {&p->net, &p->norm, &p->rng, p->tmp_obs, p->step_obs, p->step_u, p->step_logp};
    onp_act(&a, obs, n, actions, explore, false);
}

static void rf_act_sample(void *self, const float *obs, int n, float *actions, rl_rng *rng)
{
    reinforce *p = self;
    onp_actor a = {&p->net, &p->norm, &p->rng, p->tmp_obs, p->step_obs, p->step_u, p->step_logp};
    onp_act_sample(&a, obs, n, actions, rng);
}

static void rf_observe(void *self, const env_vec *v)
{
    reinforce *p = self;
    int D = p->obs_dim, A = p->adim, L = p->L;
    onp_norm_reward(&p->norm, v->rewards, v->terminated, v->truncated, p->rewards);
    for (int i = 0; i < p->n_envs; i++) {
        int t = p->seg_len[i];
        size_t at = (size_t)i * L + t;
        memcpy(p->seg_obs + at * D, p->step_obs + (size_t)i * D, (size_t)D * sizeof(float));
        memcpy(p->seg_u + at * A, p->step_u + (size_t)i * A, (size_t)A * sizeof(float));
        p->seg_r[at] = p->rewards[i];
        p->seg_logp[at] = p->step_logp[i];
        p->seg_len[i] = ++t;
        bool full = t == L;
        if (!(v->terminated[i] || v->truncated[i] || full)) continue;
        double G = 0.0;
        if (!v->terminated[i] && p->baseline) {
            const float *fo = v->truncated[i] ? v->final_obs + (size_t)i * D : v->obs + (size_t)i * D;
            onp_norm_obs(&p->norm, fo, p->tmp_obs, 1, false);
            onp_net_forward(&p->net, p->tmp_obs, 1, false, true);
            G = p->net.out_v[0];
        }
        /* the batch has room: at most E - 1 stored episodes plus one per env */
        RL_ASSERT(p->b_n + t <= p->cap);
        size_t s0 = (size_t)i * L;
        memcpy(p->b_obs + (size_t)p->b_n * D, p->seg_obs + s0 * D, (size_t)t * D * sizeof(float));
        memcpy(p->b_u + (size_t)p->b_n * A, p->seg_u + s0 * A, (size_t)t * A * sizeof(float));
        memcpy(p->b_logp + p->b_n, p->seg_logp + s0, (size_t)t * sizeof(float));
        for (int k = t - 1; k >= 0; k--) {
            G = p->seg_r[s0 + k] + p->gamma * G;
            p->b_ret[p->b_n + k] = (float)G;
        }
        p->b_n += t;
        p->b_eps++;
        p->seg_len[i] = 0;
    }
}

/* the losses and the gradient of the n > 0 steps of this rank's batch; false if not finite */
static bool rf_grads(reinforce *p, int n, float *pl, float *el, float *vl, double *ent)
{
    onp_net_forward(&p->net, p->b_obs, n, true, p->baseline);
    onp_net_logp_ent(&p->net, p->b_u, n, p->logp, p->ent);
    for (int k = 0; k < n; k++) p->adv[k] = p->b_ret[k] - (p->baseline ? p->net.out_v[k] : 0.0f);
    if (p->norm_returns) agent_dp_standardise(p->adv, n);   /* over every rank's batch */
    *pl = p->kernel_reinforce
              ? loss_reinforce(p->logp, p->adv, NULL, NULL, n, p->dlogp)
              : loss_policy_eval(&p->policy_loss, p->logp, p->b_logp, p->adv, NULL, n, p->dlogp);
    *el = loss_entropy_eval(&p->entropy_loss, p->ent, NULL, n, p->dent);
    *vl = 0.0f;
    if (p->baseline) {
        memcpy(p->vold, p->net.out_v, (size_t)n * sizeof(float));
        *vl = loss_value_eval(&p->value_loss, p->net.out_v, p->vold, p->b_ret, NULL, n, p->dv);
        for (int k = 0; k < n; k++) p->dv[k] *= p->vf_coef;
    }
    for (int k = 0; k < n; k++) p->dent[k] *= p->ent_coef;
    for (int k = 0; k < n; k++) *ent += p->ent[k];
    if (!(isfinite(*pl) && isfinite(*el) && isfinite(*vl))) return false;
    onp_net_backward(&p->net, p->b_obs, p->b_u, n, p->dlogp, p->ent_coef > 0 ? p->dent : NULL,
                     p->baseline ? p->dv : NULL);
    return rl_all_finite(p->net.grads, p->net.n_params);
}

static bool rf_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats)
{
    (void)v;
    (void)step;
    (void)total_steps;
    reinforce *p = self;
    /* data-parallel: the batch is the union of the ranks' episodes (agents/dataparallel.h) */
    if (!agent_dp_reached(p->b_eps, p->E)) return false;
    onp_norm_dp_merge(&p->norm);
    int n = p->b_n;
    float pl = NAN, el = NAN, vl = NAN, gn = NAN;
    double ent = 0.0;
    memset(p->net.grads, 0, p->net.n_params * sizeof(float));
    bool ok = true;
    if (n > 0) ok = rf_grads(p, n, &pl, &el, &vl, &ent);
    else if (p->norm_returns) agent_dp_standardise(p->adv, 0);   /* a rank without episodes */
    if (agent_dp_grads_union(p->net.grads, p->net.n_params, ok, n)) {
        gn = nn_clip_grad_norm(p->net.grads, p->net.n_params, p->max_grad_norm);
        onp_opt_step(&p->opt, p->net.params, p->net.grads);
    } else {
        p->nonfinite_skips++;
    }
    stats[ST_POLICY] = pl;
    stats[ST_VALUE] = p->baseline ? vl : NAN;
    stats[ST_ENTROPY] = n > 0 ? ent / n : NAN;
    stats[ST_GRADNORM] = gn;
    stats[ST_EPISODES] = p->b_eps;
    stats[ST_BATCH] = n;
    stats[ST_SKIPPED] = (double)p->nonfinite_skips;
    p->b_n = 0;
    p->b_eps = 0;
    p->updates++;
    return true;
}

static int rf_tensors(reinforce *p, nn_tensor *t, char names[][48], bool train_state)
{
    int n = onp_net_tensors(&p->net, t, names);
    n += onp_norm_tensors(&p->norm, t + n);
    if (train_state) n += onp_opt_tensors(&p->opt, t + n);
    return n;
}

static rl_status rf_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err,
                         size_t err_sz)
{
    reinforce *p = self;
    nn_tensor t[ONP_MAX_TENSORS];
    char names[ONP_MAX_TENSORS][48];
    int n = rf_tensors(p, t, names, true);
    onp_norm_stage(&p->norm);
    return onp_save("reinforce", path, t, n, &p->rng, *onp_opt_t(&p->opt), p->updates, extra, n_extra, err, err_sz);
}

static rl_status rf_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz)
{
    reinforce *p = self;
    nn_tensor t[ONP_MAX_TENSORS];
    char names[ONP_MAX_TENSORS][48];
    int n = rf_tensors(p, t, names, train_state);
    rl_status st = onp_read_tensors(f, t, n, train_state, err, err_sz);
    if (st == RL_OK) st = onp_norm_unstage(&p->norm, err, err_sz);
    if (st != RL_OK || !train_state) return st;
    if ((st = onp_load_state(f, "reinforce", &p->rng, onp_opt_t(&p->opt), &p->updates, err, err_sz))) return st;
    /* episodes in progress are not checkpointed: a resumed run starts fresh ones */
    memset(p->seg_len, 0, (size_t)p->n_envs * sizeof(int));
    p->b_n = p->b_eps = 0;
    return RL_OK;
}

static int rf_dp_tensors(void *self, nn_tensor *t, int max)
{
    reinforce *p = self;
    RL_ASSERT(max >= 3);
    t[0] = (nn_tensor){"params", p->net.params, 1, {(int64_t)p->net.n_params}};
    return 1 + onp_opt_tensors(&p->opt, t + 1);
}

const agent_algo agent_reinforce = {
    .name = "reinforce",
    .n_stats = ST_COUNT,
    .stat_names = {"policy_loss", "value_loss", "entropy", "grad_norm", "episodes_per_update",
                   "batch_steps", "skipped_updates"},
    .sections = (const rl_config_section *const[]){&reinforce_section, &onp_losses_section, NULL},
    .loss_slots = {{"losses.policy", "reinforce", NULL, LOSS_KINDS(LOSS_KIND_POLICY_RATIO)},
                   {"losses.value", NULL, " (with a baseline)", LOSS_KINDS_VALUE}, ONP_SLOT_ENTROPY},
    .rates = {{"train/learning_rate", "reinforce.learning_rate"}},
    .create = rf_create,
    .act = rf_act,
    .act_sample = rf_act_sample,
    .observe = rf_observe,
    .learn = rf_learn,
    .save = rf_save,
    .load = rf_load,
    .destroy = rf_destroy,
    .dp_tensors = rf_dp_tensors,
};
