/* rlc algos: the on-policy actor-critic engine behind PPO (algos/ppo.c) and A2C (algos/a2c.c),
 * whose thin files choose its losses and schedule (onp_ac_settings, algos/onpolicy.h).
 *
 * Discrete actions use a categorical policy, Box actions a diagonal Gaussian (gaussian section:
 * learned log-std vector or a log-std head; actions clipped to the bounds or tanh-squashed).
 * Actor and critic are separate MLPs or one trunk with two heads (onp_net), in one flat
 * parameter buffer under one optimizer (Adam, or RMSprop for A2C). Each rollout of num_steps x
 * num_envs steps is followed by `epochs` passes over shuffled minibatches (PPO: update_epochs
 * passes of num_minibatches; A2C: one pass of one):
 *   loss = policy(logp, logp_old, adv) + ent_coef * entropy(ent) + vf_coef * value(v, v_old, ret)
 * where the three terms come from the loss registry by name (losses.policy, losses.value,
 * losses.entropy), gradients are clipped to max_grad_norm and the learning rate is optionally
 * annealed linearly to 0 over total_steps. Truncated episodes bootstrap from the value of their
 * final observation (replay/rollout.h). Observation and reward normalisation (normalize section)
 * live in the agent: the statistics update on training steps only, are frozen when acting
 * without exploration, and are saved in checkpoints.
 * The add-ons are attached through hooks that do nothing without them: the intrinsic-reward
 * module (`exploration:`, algos/onp_explore.h: its rewards at each step, RND's advantages and
 * second value loss) and the auxiliary heads (algos/onp_aux.h).
 * Auxiliary heads (`aux:`, addons/aux.h) read the shared trunk's output: each minibatch adds
 * sum_i weight_i L_i to the loss, in the same backward pass, gradient clip (the norm over the
 * network and the heads together) and optimizer step (the heads' moments live in a second
 * optimizer of identical settings, which is the same as one over both buffers). The rollout
 * keeps, per step, the next observation (the final one when the episode ended, so no pair
 * crosses an episode boundary) normalised as the trunk sees it, and the reward the critic
 * learns; the k-step positive of temporal_contrastive is the next observation of step t + k - 1
 * when no episode ended in steps t .. t + k - 2, else the row has none. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/onp_aux.h"
#include "algos/onp_explore.h"
#include "algos/onpolicy.h"
#include "algos/recurrent.h"
#include "core/limits.h"
#include "core/arena.h"
#include "core/dist.h"
#include "core/mathx.h"
#include "core/twin.h"
#include "losses/loss_catalogue.h"
#include "replay/returns.h"
#include "replay/rollout.h"

typedef struct {
    onp_ac_settings s;
    int obs_dim, adim, n_envs, T, batch, mb_size, n_mb, epochs;
    loss_spec policy_loss, value_loss, entropy_loss;
    onp_net net;
    onp_rec *rec;                     /* recurrent: the layer between trunk and heads, or NULL */
    onp_rec *rec_c;                   /* recurrent.shared: false: the critic's own (rec: the actor's) */
    onp_rec_track rt;                 /* recurrent: the states it carries and the rollout's */
    onp_opt opt;
    onp_norm norm;
    rl_arena arena;
    rl_rng rng;
    replay_rollout buf;
    int64_t updates;
    int64_t nonfinite_skips;
    onp_ex ex;                        /* the intrinsic-reward module (algos/onp_explore.h) */
    /* per-step scratch of the last explore act() */
    float *step_obs, *step_u, *step_logp, *step_values;   /* (N, .) */
    float *final_values, *rewards, *last_v;              /* (N) */
    float *next_raw;                  /* (N, D) the real next observations (add-ons read them) */
    float *tmp_obs;                                      /* (max batch, obs_dim) */
    /* minibatch scratch */
    int *perm;                        /* (batch) */
    float *mb_obs, *mb_u;             /* (mb, obs_dim), (mb, adim) */
    float *mb_logp_old, *mb_adv, *mb_ret, *mb_vold;       /* (mb) */
    float *mb_logp, *mb_ent, *mb_dlogp, *mb_dent, *mb_dv;
    onp_aux ax;                       /* auxiliary heads on the shared trunk (algos/onp_aux.h) */
    /* split minibatches (separate actor and critic, Adam, no aux heads): the actor's half of each
     * step is k = 0, the critic's k = 1, on two threads with threads = 2 (core/twin.h) */
    bool split;
    rl_twin twin;
    float mb_pl, mb_el, mb_vl, mb_c, diag_clip;
    double mb_kl, mb_cf, mb_entsum, mb_ss[2];
    /* action masks (Discrete, env.action_mask): the rows of the next act() (onp_ac_action_mask),
     * the rollout's (T, N, K) rows and a minibatch's; masked: the rollout holds masks */
    uint8_t *next_mask, *roll_mask, *mb_mask;
    bool mask_set, masked;
} actor_critic;

enum { ST_POLICY, ST_VALUE, ST_ENTROPY, ST_KL, ST_CLIPFRAC, ST_GRADNORM, ST_LR, ST_EV, ST_SKIPPED, ST_INTRINSIC, ST_COUNT };
_Static_assert(ST_COUNT == ONP_AC_N_STATS, "stat names");

/* a policy loss with adapted state (PPO's KL penalty: beta, policy_loss.p[0]): the state changes
 * after each update (loss_desc.adapt), is logged and goes with the checkpoint */
static bool loss_state(const actor_critic *p) { return p->policy_loss.desc->adapt != NULL; }

void onp_ac_destroy(void *self)
{
    actor_critic *p = self;
    if (!p) return;
    rl_twin_stop(&p->twin);
    onp_net_free(&p->net);
    onp_rec_track_free(&p->rt);
    onp_rec_free(p->rec);
    onp_rec_free(p->rec_c);
    onp_ex_free(&p->ex);
    onp_opt_free(&p->opt);
    onp_aux_free(&p->ax);
    onp_norm_free(&p->norm);
    rl_arena_free(&p->arena);
    replay_rollout_free(&p->buf);
    free(p->next_mask);
    free(p->roll_mask);
    free(p->mb_mask);
    free(p);
}

/* the heads, their optimizer and the rollout fields they read (after the network: the heads
 * draw from their own RNG, so the network's initial weights do not depend on them) */
static rl_status aux_init(actor_critic *p, const rl_config *cfg, const char *src, char *err, size_t err_sz)
{
    if (!p->s.shared)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: aux: the heads attach to the shared encoder: set network.shared: true%s",
                       src, strcmp(p->s.algo, "a2c") == 0 ? " (or a2c.shared: true)" : "");
    return onp_aux_init(&p->ax, cfg, &p->net, &p->s, p->T, p->n_envs, p->mb_size, err, err_sz);
}

int onp_ac_extra_stats(void *self, const char **names, int max)
{
    actor_critic *p = self;
    int n = onp_aux_stat_names(&p->ax, names, max);
    if (loss_state(p) && n < max) names[n++] = p->policy_loss.desc->state_name;
    return n;
}


/* What the environment's dimensions make of the config's sizes, checked before anything is
 * allocated (num_steps x num_envs itself is checked with the config):
 *  - the rollout buffer and an exploration module's copies of it: steps x (observation, twice
 *    more with exploration, + action + 8 scalars) float32 values;
 *  - the activation caches of the largest batch (a minibatch, or the envs): actor, critic and
 *    trunk, and the exploration module's three networks, bounded by rl_mlp_cache_per_sample. */
static rl_status check_rollout_size(const rl_config *cfg, const onp_ac_settings *s, const env_space *obs_space,
                                    const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    int64_t D = env_space_dim(obs_space), A = env_space_dim(act_space);
    int64_t out = act_space->kind == ENV_SPACE_DISCRETE ? act_space->n : 2 * A;
    for (int m = 0; act_space->kind == ENV_SPACE_MULTI_DISCRETE && m < act_space->dim; m++)
        out += act_space->nvec[m];   /* the logits (at most ENV_MAX_NVEC_SUM) */
    int64_t steps = rl_mul_sat((int64_t)s->T, n_envs), per = D + onp_ex_step_floats(cfg, D, A) + A + 8;
    char key[96];
    snprintf(key, sizeof key, "%s.num_steps x env.num_envs", s->algo);
    rl_status st = rl_limit_check(src, key, "rollout buffer floats", rl_mul_sat(steps, per), RL_LIMIT_BUFFER_FLOATS,
                                  err, err_sz);
    if (st != RL_OK) return st;
    int64_t batch = steps / (s->n_minibatches > 0 ? s->n_minibatches : 1);
    if (batch < n_envs) batch = n_envs;
    if (batch < AGENT_EVAL_BATCH) batch = AGENT_EVAL_BATCH;
    int64_t cache = rl_mul_sat(3, rl_mlp_cache_per_sample(&cfg->network.hidden, D, out));
    cache = rl_add_sat(cache, onp_ex_cache_floats(cfg, D, A));
    cache = rl_add_sat(cache, 8 * (D + A + 8));
    snprintf(key, sizeof key, "%s.num_steps x env.num_envs / %s.num_minibatches, network.hidden", s->algo, s->algo);
    return rl_limit_check(src, key, "activation cache floats of a minibatch", rl_mul_sat(batch, cache),
                          RL_LIMIT_BUFFER_FLOATS, err, err_sz);
}

/* every scratch array, sized once: per step (n_envs rows), per rollout, per minibatch, and
 * the evaluation batch of up to maxb rows */
static rl_status ac_scratch(actor_critic *p, int maxb, char *err, size_t err_sz)
{
    int N = p->n_envs, mb = p->mb_size, A = p->adim, D = p->obs_dim;
    size_t need = rl_arena_need((size_t)N * D * 4) + rl_arena_need((size_t)N * A * 4) +
                  rl_arena_need((size_t)N * D * 4) + rl_arena_need((size_t)mb * 8) +
                  5 * rl_arena_need((size_t)N * 4) + rl_arena_need((size_t)maxb * D * 4) +
                  rl_arena_need((size_t)p->batch * sizeof(int)) + rl_arena_need((size_t)mb * D * 4) +
                  rl_arena_need((size_t)mb * A * 4) + 9 * rl_arena_need((size_t)mb * 4);
    rl_status st = rl_arena_init(&p->arena, need, err, err_sz);
    if (st != RL_OK) return st;
    p->step_obs = rl_arena_floats(&p->arena, (size_t)N * D);
    p->step_u = rl_arena_floats(&p->arena, (size_t)N * A);
    p->step_logp = rl_arena_floats(&p->arena, N);
    p->step_values = rl_arena_floats(&p->arena, N);
    p->final_values = rl_arena_floats(&p->arena, N);
    p->rewards = rl_arena_floats(&p->arena, N);
    p->last_v = rl_arena_floats(&p->arena, N);
    p->tmp_obs = rl_arena_floats(&p->arena, (size_t)maxb * D);
    p->perm = rl_arena_alloc(&p->arena, (size_t)p->batch * sizeof(int));
    p->mb_obs = rl_arena_floats(&p->arena, (size_t)mb * D);
    p->mb_u = rl_arena_floats(&p->arena, (size_t)mb * A);
    float **mbs[] = {&p->mb_logp_old, &p->mb_adv, &p->mb_ret, &p->mb_vold, &p->mb_logp,
                     &p->mb_ent, &p->mb_dlogp, &p->mb_dent, &p->mb_dv};
    for (size_t i = 0; i < sizeof mbs / sizeof mbs[0]; i++) *mbs[i] = rl_arena_floats(&p->arena, mb);
    p->mb_dv = rl_arena_floats(&p->arena, (size_t)mb * 2);   /* (mb, n_v) */
    p->next_raw = rl_arena_floats(&p->arena, (size_t)N * D);
    return RL_OK;
}

/* recurrent: the layer's checks (a shared trunk, no aux heads, whole sequences per minibatch) and
 * the layer itself, before the network it goes into; the sequence length in *L */
static rl_status rec_create(actor_critic *p, const rl_config *cfg, const char *src, int *L, char *err, size_t err_sz)
{
    const onp_recurrent_cfg *rc = onp_recurrent_of(cfg);
    if (!rc) return RL_OK;
    if (!p->s.shared)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: recurrent.type: %s needs the shared trunk under actor and critic: set network.shared: "
                       "true%s (recurrent.shared: false gives actor and critic a layer each on it)", src, rc->type,
                       strcmp(p->s.algo, "a2c") == 0 ? " (or a2c.shared: true)" : "");
    if (aux_cfg_of(cfg)->n > 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: aux: the heads do not combine with recurrent.type: %s", src,
                       rc->type);
    rl_status st = onp_rec_check(cfg, p->s.algo, p->n_envs, p->T, p->n_mb, L, err, err_sz);
    if (st != RL_OK) return st;
    int step_B = p->n_envs > AGENT_EVAL_BATCH ? p->n_envs : AGENT_EVAL_BATCH, seq_B = p->n_envs * (p->T / *L) / p->n_mb;
    if ((st = onp_rec_create(&p->rec, cfg, "recurrent", step_B, *L, seq_B, err, err_sz)) != RL_OK || rc->shared)
        return st;
    return onp_rec_create(&p->rec_c, cfg, "recurrent_critic", step_B, *L, seq_B, err, err_sz);
}

/* Minibatches split into the actor's and the critic's halves whenever the two are separate
 * networks under Adam without aux heads; threads = 2 runs the halves on two threads */
static rl_status ac_split_init(actor_critic *p, const char *src, char *err, size_t err_sz)
{
    p->split = !p->s.shared && p->net.has_critic && !p->ax.aux && !p->s.rmsprop && !p->net.has_img;
    if (p->s.threads < 2) return RL_OK;
    if (!p->split)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: %s.threads: 2 needs separate actor and critic networks (network.shared: false, "
                       "network.encoder none) and no aux heads", src, p->s.algo);
    return rl_twin_start(&p->twin, NULL, err, err_sz);
}

rl_status onp_ac_create(void **self, const onp_ac_settings *s, const rl_config *cfg,
                        const env_space *obs_space, const env_space *act_space, int n_envs,
                        char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    actor_critic *p = rl_xcalloc(1, sizeof *p);
    p->s = *s;
    rl_status st;
    /* losses first: a bad name or parameter fails before anything else is allocated */
    const agent_algo *a = agent_find(s->algo);   /* ppo or a2c: the slots of its descriptor */
    if ((st = agent_slot_loss(&p->policy_loss, a, 0, cfg, err, err_sz)) ||
        (st = agent_slot_loss(&p->value_loss, a, 1, cfg, err, err_sz)) ||
        (st = agent_slot_loss(&p->entropy_loss, a, 2, cfg, err, err_sz))) {
        free(p);
        return st;
    }
    if ((st = check_rollout_size(cfg, s, obs_space, act_space, n_envs, err, err_sz)) ||
        (st = onp_multi_check(cfg, act_space, err, err_sz))) {
        free(p);
        return st;
    }
    p->n_envs = n_envs;
    p->T = s->T;
    p->batch = p->T * n_envs;
    p->n_mb = s->n_minibatches;
    if (p->batch % p->n_mb != 0) {
        int batch = p->batch;
        free(p);
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: %s.num_minibatches: %d does not divide the batch num_steps x num_envs = %d",
                       src, s->algo, s->n_minibatches, batch);
    }
    p->mb_size = p->batch / p->n_mb;
    p->epochs = s->epochs;
    int maxb = p->mb_size;
    if (n_envs > maxb) maxb = n_envs;
    if (AGENT_EVAL_BATCH > maxb) maxb = AGENT_EVAL_BATCH;

    rl_rng_seed(&p->rng, rl_seed_derive((uint64_t)cfg->root.seed, 1), 1);
    int L = 0;
    if ((st = rec_create(p, cfg, src, &L, err, err_sz)) ||
        (st = onp_net_init_rec(&p->net, cfg, obs_space, act_space, true, s->shared, maxb, p->rec, p->rec_c, &p->rng,
                               err, err_sz))) {
        onp_rec_free(p->rec);
        onp_rec_free(p->rec_c);
        free(p);
        return st;
    }
    if (p->rec) onp_rec_track_init(&p->rt, p->rec, p->rec_c, n_envs, p->T, L, p->n_mb, AGENT_EVAL_BATCH);
    p->obs_dim = p->net.obs_dim;
    p->adim = p->net.adim;
    if ((st = onp_opt_init(&p->opt, s->rmsprop, p->net.n_params, s->lr, s->eps, s->rms_alpha, err, err_sz)) ||
        (st = onp_norm_init(&p->norm, cfg, p->obs_dim, n_envs, s->gamma, err, err_sz)) ||
        (st = replay_rollout_init(&p->buf, p->T, n_envs, p->obs_dim, p->adim, err, err_sz))) {
        onp_ac_destroy(p);
        return st;
    }

    onp_explore_shape shape = {p->net.obs_dim, p->net.adim, p->net.K, p->net.D};
    if ((st = onp_ex_init(&p->ex, cfg, &shape, n_envs, p->T, p->mb_size, s->lambda, err, err_sz))) {
        onp_ac_destroy(p);
        return st;
    }
    if (aux_cfg_of(cfg)->n > 0 && (st = aux_init(p, cfg, src, err, err_sz))) {
        onp_ac_destroy(p);
        return st;
    }

    if ((st = ac_scratch(p, maxb, err, err_sz)) || (st = ac_split_init(p, src, err, err_sz))) {
        onp_ac_destroy(p);
        return st;
    }
    if (p->net.K) {
        size_t K = (size_t)p->net.K;
        p->next_mask = rl_xcalloc((size_t)maxb * K, 1);
        p->roll_mask = rl_xcalloc((size_t)p->batch * K, 1);
        p->mb_mask = rl_xcalloc((size_t)p->mb_size * K, 1);
    }
    *self = p;
    return RL_OK;
}

void onp_ac_act_sample(void *self, const float *obs, int n, float *actions, rl_rng *rng)
{
    actor_critic *p = self;
    onp_actor a = {&p->net, &p->norm, &p->rng, p->tmp_obs, p->step_obs, p->step_u, p->step_logp};
    if (p->rec) onp_rec_before_act(&p->rt, false, n, p->buf.t);
    p->net.mask = p->mask_set ? p->next_mask : NULL;   /* a sample among the valid actions */
    onp_act_sample(&a, obs, n, actions, rng);
    p->net.mask = NULL;
    p->mask_set = false;
    if (p->rec) onp_rec_after_act(&p->rt, false, n);
}

void onp_ac_act(void *self, const float *obs, int n, float *actions, bool explore)
{
    actor_critic *p = self;
    RL_ASSERT(!explore || n == p->n_envs);
    onp_actor a = {&p->net, &p->norm, &p->rng, p->tmp_obs, p->step_obs, p->step_u, p->step_logp};
    if (p->rec) onp_rec_before_act(&p->rt, explore, n, p->buf.t);
    p->net.mask = p->mask_set ? p->next_mask : NULL;
    onp_act(&a, obs, n, actions, explore, true);
    p->net.mask = NULL;
    if (p->rec) onp_rec_after_act(&p->rt, explore, n);
    if (!explore) {
        p->mask_set = false;
        return;
    }
    if (p->mask_set) {
        /* the rollout's row keeps the mask the action was sampled under, for the update */
        size_t K = (size_t)p->net.K;
        memcpy(p->roll_mask + (size_t)p->buf.t * n * K, p->next_mask, (size_t)n * K);
        p->masked = true;
        p->mask_set = false;
    }
    int nv = p->net.n_v;
    for (int i = 0; i < n; i++) p->step_values[i] = p->net.out_v[(size_t)i * nv];
    onp_ex_act(&p->ex, obs, p->net.out_v, nv, n);
}

void onp_ac_observe(void *self, const env_vec *v)
{
    actor_critic *p = self;
    int N = p->n_envs, any_trunc = 0;
    for (int i = 0; i < N; i++) any_trunc |= v->truncated[i] && !v->terminated[i];
    if (any_trunc) {
        /* bootstrap values of the final observations of truncated episodes (one batch) */
        onp_norm_obs(&p->norm, v->final_obs, p->tmp_obs, N, false);
        if (p->rec) onp_rec_layout_final(&p->rt);
        onp_net_forward(&p->net, p->tmp_obs, N, false, true);
        for (int i = 0; i < N; i++) p->final_values[i] = v->truncated[i] ? p->net.out_v[(size_t)i * p->net.n_v] : 0.0f;
    }
    onp_norm_reward(&p->norm, v->rewards, v->terminated, v->truncated, p->rewards);
    if (onp_ex_on(&p->ex) || p->ax.aux) {
        /* the real next observation: the final one of a finished episode */
        int D = p->obs_dim;
        for (int i = 0; i < N; i++) {
            const float *src = (v->terminated[i] || v->truncated[i]) ? v->final_obs : v->obs;
            memcpy(p->next_raw + (size_t)i * D, src + (size_t)i * D, (size_t)D * sizeof(float));
        }
    }
    /* the heads learn the reward the critic learns before the module adds its bonus to it */
    onp_aux_observe(&p->ax, &p->norm, p->next_raw, p->rewards, v, p->buf.t);
    onp_ex_observe(&p->ex, p->buf.t, p->step_u, p->next_raw, p->rewards);
    replay_rollout_add(&p->buf, p->step_obs, p->step_u, p->step_logp, p->step_values, p->rewards,
                       v->terminated, v->truncated, any_trunc ? p->final_values : NULL);
    if (p->rec) onp_rec_observe(&p->rt, v->terminated, v->truncated);
}

void onp_ac_action_mask(void *self, const uint8_t *mask, int n)
{
    actor_critic *p = self;
    RL_ASSERT(p->net.K > 0 && n <= p->net.max_batch);
    memcpy(p->next_mask, mask, (size_t)n * p->net.K);
    p->mask_set = true;
}

void onp_ac_episode_starts(void *self, const bool *starts, int n)
{
    actor_critic *p = self;
    if (p->rec) onp_rec_eval_starts(&p->rt, starts, n);
}

/* Data-parallel training: the network's and the heads' gradients become the mean over the ranks
 * (agents/dataparallel.h). ok: this rank's are finite. False: every rank skips this step. */
static bool dp_average(actor_critic *p, bool ok)
{
    ok = agent_dp_grads(p->net.grads, p->net.n_params, ok);
    return onp_aux_dp_grads(&p->ax, ok);
}

/* ---- the steps of onp_ac_learn ---------------------------------------------------------- */

/* the advantages and returns of the rollout, bootstrapped from the value of the observations
 * after it; the exploration add-on's part; then standardised over the whole rollout when asked */
static void learn_advantages(actor_critic *p, const env_vec *v)
{
    int N = p->n_envs;
    onp_norm_obs(&p->norm, v->obs, p->tmp_obs, N, false);
    if (p->rec) onp_rec_layout_next(&p->rt);
    onp_net_forward(&p->net, p->tmp_obs, N, false, true);
    int nv = p->net.n_v;
    for (int i = 0; i < N; i++) p->last_v[i] = p->net.out_v[(size_t)i * nv];
    replay_rollout_finish(&p->buf, p->last_v, p->s.gamma, p->s.lambda);
    onp_ex_advantages(&p->ex, p->buf.adv, p->net.out_v, nv, p->last_v);
    /* over the whole rollout: every rank's (agents/dataparallel.h) */
    if (p->s.norm_adv && p->s.norm_adv_batch) agent_dp_standardise(p->buf.adv, p->batch);
}

static void learn_set_lr(actor_critic *p, int64_t step, int64_t total_steps)
{
    /* CleanRL anneals with the fraction of updates done before this one */
    int64_t done_steps = step - (int64_t)p->batch * rl_dist_size();   /* every rank's rollout */
    if (done_steps < 0) done_steps = 0;
    onp_opt_set_lr(&p->opt, p->s.anneal_lr ? nn_lr_linear(p->s.lr, done_steps, total_steps) : p->s.lr);
    onp_aux_set_lr(&p->ax, onp_opt_lr(&p->opt));
}

/* Fisher-Yates over the minibatch order */
static void shuffle(actor_critic *p)
{
    for (int i = p->batch - 1; i > 0; i--) {
        int j = (int)rl_rng_below(&p->rng, (uint32_t)(i + 1));
        int t = p->perm[i];
        p->perm[i] = p->perm[j];
        p->perm[j] = t;
    }
}

/* minibatch m of the shuffled order: the rollout's rows (flat index = t * N + env) */
static void gather_minibatch(actor_critic *p, int m)
{
    int D = p->obs_dim, A = p->adim, mb = p->mb_size;
    p->net.mask = p->masked ? p->mb_mask : NULL;   /* the minibatch's forwards mask its logits */
    for (int k = 0; k < mb; k++) {
        int idx = p->perm[m * mb + k];
        memcpy(p->mb_obs + (size_t)k * D, p->buf.obs + (size_t)idx * D, (size_t)D * sizeof(float));
        memcpy(p->mb_u + (size_t)k * A, p->buf.actions + (size_t)idx * A, (size_t)A * sizeof(float));
        p->mb_logp_old[k] = p->buf.logp[idx];
        p->mb_adv[k] = p->buf.adv[idx];
        p->mb_ret[k] = p->buf.ret[idx];
        p->mb_vold[k] = p->buf.values[idx];
        if (p->masked)
            memcpy(p->mb_mask + (size_t)k * p->net.K, p->roll_mask + (size_t)idx * p->net.K, (size_t)p->net.K);
        onp_ex_gather(&p->ex, k, idx);
        onp_aux_gather(&p->ax, k, idx);
    }
}

/* forward pass and the three losses of the minibatch, their gradients in mb_dlogp, mb_dent,
 * mb_dv; false when one is not finite */
static bool minibatch_losses(actor_critic *p, float *pl_out, float *el_out, float *vl_out)
{
    int mb = p->mb_size;
    if (p->s.norm_adv && !p->s.norm_adv_batch) rl_standardise(p->mb_adv, mb);
    onp_net_forward(&p->net, p->mb_obs, mb, true, true);
    onp_net_logp_ent(&p->net, p->mb_u, mb, p->mb_logp, p->mb_ent);
    float pl = loss_policy_eval(&p->policy_loss, p->mb_logp, p->mb_logp_old, p->mb_adv, NULL, mb, p->mb_dlogp);
    float el = loss_entropy_eval(&p->entropy_loss, p->mb_ent, NULL, mb, p->mb_dent);
    float vl = onp_ex_value_loss(&p->ex, &p->value_loss, p->net.out_v, p->mb_vold, p->mb_ret, mb, p->mb_dv);
    *pl_out = pl;
    *el_out = el;
    *vl_out = vl;
    return isfinite(pl) && isfinite(el) && isfinite(vl);
}

/* the gradients of the minibatch's loss (the heads' too), averaged over the ranks; false (and
 * counted) when they are not finite */
static bool minibatch_backward(actor_critic *p)
{
    int mb = p->mb_size;
    memset(p->net.grads, 0, p->net.n_params * sizeof(float));
    /* the heads add their encoder gradient for the extra passes now, and dh_aux at the trunk
     * output joins the actor's and critic's in the backward below */
    const float *dh_aux;
    if (!isfinite(onp_aux_loss_grad(&p->ax, mb, p->mb_obs, p->net.h, p->mb_u, &dh_aux))) {
        p->nonfinite_skips++;
        dp_average(p, false);
        return false;
    }
    onp_net_backward_ext(&p->net, p->mb_obs, p->mb_u, mb, p->mb_dlogp, p->s.ent_coef > 0 ? p->mb_dent : NULL,
                         p->mb_dv, dh_aux);
    if (!dp_average(p, rl_all_finite(p->net.grads, p->net.n_params) &&
                           onp_aux_finite(&p->ax))) {
        p->nonfinite_skips++;
        return false;
    }
    return true;
}

/* one clip of the gradient norm and one optimizer step; returns the norm before clipping */
static float minibatch_step(actor_critic *p)
{
    float gn;
    aux_module *aux = p->ax.aux;
    if (aux) {
        /* one clip over the network and the heads; with every weight 0 the heads'
         * gradients are zeros and this is nn_clip_grad_norm bit for bit */
        gn = nn_clip_grad_norm2(p->net.grads, p->net.n_params, aux_grads(aux), aux_n_params(aux), p->s.max_grad_norm);
        onp_opt_step(&p->opt, p->net.params, p->net.grads);
        onp_aux_step(&p->ax);
    } else {
        gn = nn_clip_grad_norm(p->net.grads, p->net.n_params, p->s.max_grad_norm);
        onp_opt_step(&p->opt, p->net.params, p->net.grads);
    }
    return gn;
}

/* ---- split minibatches: the actor's half (k = 0) and the critic's (k = 1) -------------- */

/* the actor region of the flat buffer is the actor MLP and the log-std vector after the critic */
static void split_regions(const actor_critic *p, int k, size_t *lo, size_t *hi, size_t *lo2, size_t *hi2)
{
    size_t na = p->net.actor.n_params, nc = p->net.critic.n_params;
    *lo = k ? na : 0;
    *hi = k ? na + nc : na;
    *lo2 = k ? p->net.n_params : na + nc;   /* the log-std, for the actor: may be empty */
    *hi2 = p->net.n_params;
}

/* the actor's forward, policy and entropy losses, diagnostics and backward */
static void split_actor(actor_critic *p)
{
    int mb = p->mb_size;
    if (p->s.norm_adv && !p->s.norm_adv_batch) rl_standardise(p->mb_adv, mb);
    onp_net_forward(&p->net, p->mb_obs, mb, true, false);
    onp_net_logp_ent(&p->net, p->mb_u, mb, p->mb_logp, p->mb_ent);
    p->mb_pl = loss_policy_eval(&p->policy_loss, p->mb_logp, p->mb_logp_old, p->mb_adv, NULL, mb, p->mb_dlogp);
    p->mb_el = loss_entropy_eval(&p->entropy_loss, p->mb_ent, NULL, mb, p->mb_dent);
    /* diagnostics: k3 KL estimate, clip fraction, mean entropy */
    double kl = 0.0, cf = 0.0, ent = 0.0;
    for (int k = 0; k < mb; k++) {
        double lr = (double)p->mb_logp[k] - p->mb_logp_old[k];
        kl += (exp(lr) - 1.0) - lr;
        cf += fabs(exp(lr) - 1.0) > p->diag_clip;
        ent += p->mb_ent[k];
    }
    p->mb_kl = kl, p->mb_cf = cf, p->mb_entsum = ent;
    for (int k = 0; k < mb; k++) p->mb_dent[k] *= p->s.ent_coef;
    if (!isfinite(p->mb_pl) || !isfinite(p->mb_el)) return;
    size_t lo, hi, lo2, hi2;
    split_regions(p, 0, &lo, &hi, &lo2, &hi2);
    memset(p->net.grads + lo, 0, (hi - lo) * sizeof(float));
    memset(p->net.grads + lo2, 0, (hi2 - lo2) * sizeof(float));
    onp_net_backward(&p->net, p->mb_obs, p->mb_u, mb, p->mb_dlogp, p->s.ent_coef > 0 ? p->mb_dent : NULL, NULL);
}

/* the critic's forward, value loss (both heads' with RND) and backward */
static void split_critic(actor_critic *p)
{
    int mb = p->mb_size, nv = p->net.n_v;
    onp_net_forward(&p->net, p->mb_obs, mb, false, true);
    p->mb_vl = onp_ex_value_loss(&p->ex, &p->value_loss, p->net.out_v, p->mb_vold, p->mb_ret, mb, p->mb_dv);
    for (int k = 0; k < mb * nv; k++) p->mb_dv[k] *= p->s.vf_coef;
    if (!isfinite(p->mb_vl)) return;
    size_t lo, hi, lo2, hi2;
    split_regions(p, 1, &lo, &hi, &lo2, &hi2);
    memset(p->net.grads + lo, 0, (hi - lo) * sizeof(float));
    onp_net_backward(&p->net, p->mb_obs, p->mb_u, mb, NULL, NULL, p->mb_dv);
}

static void job_losses_backward(void *ctx, int k)
{
    if (k == 0) split_actor(ctx);
    else split_critic(ctx);
}

/* the sum of squares of k's gradients (not finite when one is not) */
static void job_sumsq(void *ctx, int k)
{
    actor_critic *p = ctx;
    size_t lo, hi, lo2, hi2;
    split_regions(p, k, &lo, &hi, &lo2, &hi2);
    p->mb_ss[k] = nn_sumsq(p->net.grads + lo, hi - lo) + nn_sumsq(p->net.grads + lo2, hi2 - lo2);
}

/* k's gradients scaled by the clip factor and its Adam step (ticked by the caller) */
static void job_clip_step(void *ctx, int k)
{
    actor_critic *p = ctx;
    size_t r[4];
    split_regions(p, k, &r[0], &r[1], &r[2], &r[3]);
    for (int j = 0; j < 4; j += 2) {
        float *g = p->net.grads, c = p->mb_c;
        if (c != 1.0f)
            for (size_t i = r[j]; i < r[j + 1]; i++) g[i] *= c;
        nn_adam_apply(&p->opt.adam, p->net.params, g, r[j], r[j + 1]);
    }
}

/* one split minibatch after its gather: both halves, the finite check (averaged over the ranks
 * first when there are several), the clip and the step; false when it was skipped */
static bool split_minibatch(actor_critic *p, double *sum, double *epoch_kl)
{
    int mb = p->mb_size;
    rl_twin_run(&p->twin, job_losses_backward, p);
    if (!isfinite(p->mb_pl) || !isfinite(p->mb_el) || !isfinite(p->mb_vl)) {
        p->nonfinite_skips++;
        dp_average(p, false);
        return false;
    }
    bool ok = true;
    if (agent_dp_on()) ok = dp_average(p, rl_all_finite(p->net.grads, p->net.n_params));
    if (ok) {
        rl_twin_run(&p->twin, job_sumsq, p);
        ok = isfinite(p->mb_ss[0] + p->mb_ss[1]);
    }
    if (!ok) {
        p->nonfinite_skips++;
        return false;
    }
    float gn;
    p->mb_c = nn_clip_coef(p->mb_ss[0] + p->mb_ss[1], p->s.max_grad_norm, &gn);
    nn_adam_tick(&p->opt.adam);
    rl_twin_run(&p->twin, job_clip_step, p);

    sum[ST_POLICY] += p->mb_pl;
    sum[ST_VALUE] += p->mb_vl;
    sum[ST_ENTROPY] += p->mb_entsum / mb;
    sum[ST_KL] += p->mb_kl / mb;
    sum[ST_CLIPFRAC] += p->mb_cf / mb;
    sum[ST_GRADNORM] += gn;
    *epoch_kl += p->mb_kl / mb;
    return true;
}

/* one minibatch: gather, losses, diagnostics, backward, step; false when it was skipped */
static bool learn_minibatch(actor_critic *p, int m, float clip, double *sum, double *epoch_kl)
{
    int mb = p->mb_size, nv = p->net.n_v;
    gather_minibatch(p, m);
    if (p->rec) onp_rec_minibatch(&p->rt, m);
    if (p->split) return split_minibatch(p, sum, epoch_kl);
    float pl, el, vl;
    if (!minibatch_losses(p, &pl, &el, &vl)) {
        p->nonfinite_skips++;
        dp_average(p, false);
        return false;
    }
    /* diagnostics: k3 KL estimate, clip fraction, mean entropy */
    double kl = 0.0, cf = 0.0, ent = 0.0;
    for (int k = 0; k < mb; k++) {
        double lr = (double)p->mb_logp[k] - p->mb_logp_old[k];
        kl += (exp(lr) - 1.0) - lr;
        cf += fabs(exp(lr) - 1.0) > clip;
        ent += p->mb_ent[k];
    }
    for (int k = 0; k < mb; k++) p->mb_dent[k] *= p->s.ent_coef;
    for (int k = 0; k < mb * nv; k++) p->mb_dv[k] *= p->s.vf_coef;

    if (!minibatch_backward(p)) return false;
    float gn = minibatch_step(p);

    sum[ST_POLICY] += pl;
    sum[ST_VALUE] += vl;
    sum[ST_ENTROPY] += ent / mb;
    sum[ST_KL] += kl / mb;
    sum[ST_CLIPFRAC] += cf / mb;
    sum[ST_GRADNORM] += gn;
    *epoch_kl += kl / mb;
    return true;
}

/* the update's statistics: minibatch means, explained variance of the rollout's values, the
 * heads' losses */
static void learn_stats(actor_critic *p, const double *sum, int n_mb_done, double *stats)
{
    int n_aux = aux_n_heads(p->ax.aux);
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
    stats[ST_LR] = onp_opt_lr(&p->opt);
    stats[ST_EV] = vr > 0 ? 1.0 - ve / vr : NAN;
    stats[ST_SKIPPED] = (double)p->nonfinite_skips;
    stats[ST_INTRINSIC] = onp_ex_stat(&p->ex);
    onp_aux_stats(&p->ax, stats, ST_COUNT, AGENT_MAX_STATS);
    if (loss_state(p) && ST_COUNT + n_aux < AGENT_MAX_STATS) stats[ST_COUNT + n_aux] = p->policy_loss.p[0];
}

/* the epochs over shuffled minibatches, stopped early past target_kl; sums the statistics and
 * leaves the last epoch's KL in *epoch_kl; returns the minibatches that stepped */
static int learn_epochs(actor_critic *p, double *sum, double *epoch_kl)
{
    int n_mb_done = 0;
    for (int i = 0; i < p->batch; i++) p->perm[i] = i;
    /* the clip fraction counts ratios outside the loss's own clip range (0.2 when it has none) */
    float clip = p->policy_loss.desc->clip ? p->policy_loss.desc->clip(p->policy_loss.p) : 0.2f;
    p->diag_clip = clip;
    for (int epoch = 0; epoch < p->epochs; epoch++) {
        if (p->rec) onp_rec_epoch_order(&p->rt, p->perm, p->n_mb, &p->rng);
        else if (p->n_mb > 1) shuffle(p);
        *epoch_kl = 0.0;
        for (int m = 0; m < p->n_mb; m++)
            n_mb_done += learn_minibatch(p, m, clip, sum, epoch_kl);
        if (p->s.target_kl > 0 && agent_dp_mean(*epoch_kl) / p->n_mb > p->s.target_kl) break;
    }
    return n_mb_done;
}

/* One update, as the algorithm reads: advantages (with the exploration add-on's), the learning
 * rate, the epochs of minibatch steps (with the aux heads' losses), the statistics, then the
 * loss's adapted state (the KL penalty's beta) on the mean KL of the last epoch (the policy as the
 * update left it, estimated while it was being updated; every rank takes the same mean). */
bool onp_ac_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats)
{
    actor_critic *p = self;
    if (p->buf.t < p->T) return false;
    onp_norm_dp_merge(&p->norm);
    learn_advantages(p, v);
    learn_set_lr(p, step, total_steps);
    onp_aux_begin(&p->ax);
    double sum[ST_COUNT] = {0}, epoch_kl = 0.0;
    int n_mb_done = learn_epochs(p, sum, &epoch_kl);
    learn_stats(p, sum, n_mb_done, stats);
    if (loss_state(p)) p->policy_loss.desc->adapt(p->policy_loss.p, agent_dp_mean(epoch_kl) / p->n_mb);
    replay_rollout_clear(&p->buf);
    p->net.mask = NULL;
    p->masked = false;
    p->updates++;
    return true;
}

/* ---- checkpoints ------------------------------------------------------------------------- */

static int ac_tensors(actor_critic *p, nn_tensor *t, char names[][48], bool train_state)
{
    int n = onp_net_tensors(&p->net, t, names);
    n += onp_norm_tensors(&p->norm, t + n);
    n += onp_ex_tensors(&p->ex, t + n, names + n, train_state);
    if (train_state) n += onp_opt_tensors(&p->opt, t + n);
    n += onp_aux_tensors(&p->ax, t + n, names + n, train_state);
    return n;
}

rl_status onp_ac_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err,
                      size_t err_sz)
{
    actor_critic *p = self;
    nn_tensor t[ONP_MAX_TENSORS];
    char names[ONP_MAX_TENSORS][48];
    int n = ac_tensors(p, t, names, true);
    onp_norm_stage(&p->norm);
    onp_ex_stage(&p->ex);
    /* the heads' RNG (augmentation noise) and the KL penalty's beta go with the agent's metadata */
    nn_meta meta[26];
    char key[48], val[RL_RNG_TEXT], beta_key[48], beta[32];
    int nm = 0;
    for (int i = 0; i < n_extra && nm < 24; i++) meta[nm++] = extra[i];
    nm += onp_aux_meta(&p->ax, p->s.algo, key, sizeof key, val, &meta[nm]);
    if (loss_state(p)) {
        snprintf(beta_key, sizeof beta_key, "%s.%s", p->s.algo, p->policy_loss.desc->state_name);
        snprintf(beta, sizeof beta, "%.9g", (double)p->policy_loss.p[0]);
        meta[nm++] = (nn_meta){beta_key, beta};
    }
    return onp_save(p->s.algo, path, t, n, &p->rng, *onp_opt_t(&p->opt), p->updates, meta, nm, err, err_sz);
}

/* the loss's adapted state (the KL penalty's beta) where the checkpoint left it: a finite
 * number >= 0 */
static rl_status load_loss_state(actor_critic *p, nn_safetensors *f, char *err, size_t err_sz)
{
    char key[48];
    snprintf(key, sizeof key, "%s.%s", p->s.algo, p->policy_loss.desc->state_name);
    const char *v = nn_safetensors_meta(f, key);
    char *end = NULL;
    float beta = v ? strtof(v, &end) : NAN;
    if (!v || end == v || *end || !isfinite(beta) || beta < 0.0f)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "checkpoint: metadata '%s' missing or not a finite number >= 0",
                       key);
    p->policy_loss.p[0] = beta;
    return RL_OK;
}

rl_status onp_ac_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz)
{
    actor_critic *p = self;
    nn_tensor t[ONP_MAX_TENSORS];
    char names[ONP_MAX_TENSORS][48];
    int n = ac_tensors(p, t, names, train_state);
    rl_status st = onp_read_tensors(f, t, n, train_state, err, err_sz);
    if (st == RL_OK) st = onp_norm_unstage(&p->norm, err, err_sz);
    if (st == RL_OK) st = onp_ex_unstage(&p->ex, err, err_sz);
    if (st != RL_OK || !train_state) return st;
    if ((st = onp_load_state(f, p->s.algo, &p->rng, onp_opt_t(&p->opt), &p->updates, err, err_sz))) return st;
    if (loss_state(p) && (st = load_loss_state(p, f, err, err_sz))) return st;
    if ((st = onp_aux_load_meta(&p->ax, f, p->s.algo, *onp_opt_t(&p->opt), err, err_sz))) return st;
    replay_rollout_clear(&p->buf);
    if (p->rec) onp_rec_track_reset(&p->rt);
    return RL_OK;
}

int onp_ac_dp_tensors(void *self, nn_tensor *t, int max)
{
    actor_critic *p = self;
    RL_ASSERT(max >= 10);
    int n = 0;
    t[n++] = (nn_tensor){"params", p->net.params, 1, {(int64_t)p->net.n_params}};
    n += onp_opt_tensors(&p->opt, t + n);
    n += onp_aux_dp_tensors(&p->ax, t + n);
    n += onp_ex_dp_tensors(&p->ex, t + n);
    return n;
}
