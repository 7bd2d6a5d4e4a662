/* rlc algos: TD3 (Fujimoto et al. 2018) and DDPG (Lillicrap et al. 2016) for Box actions, in the
 * form of CleanRL's td3_continuous_action.py and ddpg_continuous_action.py (their defaults).
 *
 * Actor: an MLP with a tanh output layer, mu(s) in [-1, 1]^A, mapped to the env's bounds affinely; a target copy.
 * Critics: TD3 two MLPs (obs, a) -> Q, DDPG one, each with a target copy. Exploration: uniform
 * random actions for learning_starts steps, then a = clip(mu(s) + exploration_noise N(0, I), -1, 1)
 * (in the actor's [-1, 1] scale, stored in the replay buffer). Per update (utd updates per
 * environment step after learning_starts):
 *   a'  = clip(mu_target(s') + clip(policy_noise N(0, I), -noise_clip, noise_clip), -1, 1)   (TD3)
 *   a'  = mu_target(s')                                                                     (DDPG)
 *   y   = R + disc min_k Q_target_k(s', a')
 *   critic loss = sum_k losses.critic(Q_k(s, a), y)   (mse by default; one Adam over every critic)
 * and every policy_frequency updates (CleanRL's delayed update, which its DDPG keeps too):
 *   actor loss  = dpg: -mean Q_1(s, mu(s)), through the critic's input gradient dQ/da
 *   then the Polyak average (tau) of the target actor and the target critics.
 * R, disc are the (n-step) return and discount of replay/replay.h: disc = 0 after a termination,
 * truncation bootstraps from the final observation. With anneal_lr both Adam rates fall linearly
 * to 0 over total_steps (SB3's lin_ schedule, algos/offp_ac.h). With td3.threads = 2
 * (ddpg.threads) the critics' passes run on two threads (core/twin.h): TD3 a twin critic and its
 * target on each, DDPG the target critic beside the critic; the Adam and Polyak steps in halves. Each float gets the
 * same operations either way, so 1 and 2 threads give the same run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/offp_ac.h"
#include "algos/td3.h"
#include "core/mathx.h"
#include "losses/loss.h"

/* ---- the config: the td3: and ddpg: sections (one struct; DDPG has no target smoothing) --------- */

#define DET_COMMON_FIELDS(X, S)                                                                   \
    X(S, double, actor_lr, F64, 3e-4, NULL, 0, 1, NULL, "actor Adam learning rate")               \
    X(S, double, critic_lr, F64, 3e-4, NULL, 0, 1, NULL, "critics' Adam learning rate")           \
    X(S, int64_t, buffer_size, I64, 1000000, NULL, 1, 1e9, NULL, "replay capacity (transitions)") \
    X(S, int64_t, batch_size, I64, 256, NULL, 1, 65536, NULL, "minibatch size")                   \
    X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")                                  \
    X(S, double, tau, F64, 0.005, NULL, 0, 1, NULL, "Polyak rate of the target actor and critics") \
    X(S, int64_t, learning_starts, I64, 25000, NULL, 0, 1e13, NULL,                               \
      "steps of uniform random actions before the first update")                                \
    X(S, double, utd, F64, 1.0, NULL, 0, 1e4, NULL, "update-to-data ratio: updates per env step") \
    OFFP_TRAIN_FREQUENCY_FIELDS(X, S)                                                            \
    X(S, int64_t, policy_frequency, I64, 2, NULL, 1, 1e6, NULL,                                   \
      "critic updates per actor update (and target update)")                                   \
    X(S, double, exploration_noise, F64, 0.1, NULL, 0, 1e3, NULL,                                \
      "std of the Gaussian noise on the actor's actions while training (actions in [-1, 1])")  \
    X(S, int64_t, n_step, I64, 1, NULL, 1, 1000, NULL, "n-step returns, cut at episode ends")     \
    X(S, int64_t, threads, I64, RL_CFG_AUTO, NULL, 1, 2, "auto",                                    \
      "2 = the critics' passes on two threads (same results); auto = 2 with 2 usable CPUs")      \
    X(S, bool, anneal_lr, BOOL, 0, NULL, 0, 1, NULL,                                              \
      "anneal the actor's and critics' rates linearly to 0 over total_steps (SB3 lin_)")
#define TD3_FIELDS(X, S)                                                                          \
    DET_COMMON_FIELDS(X, S)                                                                       \
    X(S, double, policy_noise, F64, 0.2, NULL, 0, 1e3, NULL,                                      \
      "std of the target policy smoothing noise (actions in [-1, 1])")                          \
    X(S, double, noise_clip, F64, 0.5, NULL, 0, 1e3, NULL, "the smoothing noise is clipped to +-noise_clip")
RL_CFG_SECTION_TYPE(td3_cfg, TD3_FIELDS);
static const rl_config_section td3_section = RL_CFG_SECTION_INIT("td3", td3_cfg, TD3_FIELDS);
/* DDPG reads the same struct; its policy_noise and noise_clip stay 0 (no keys) */
static const rl_config_section ddpg_section = RL_CFG_SECTION_INIT("ddpg", td3_cfg, DET_COMMON_FIELDS);

extern const agent_algo agent_td3, agent_ddpg;

/* what tells TD3 and DDPG apart */
typedef struct {
    const agent_algo *algo;
    const rl_config_section *sec;
    int n_q;                          /* critics: 2 (TD3, clipped double Q) or 1 (DDPG) */
    bool smooth;                      /* target policy smoothing */
} det_variant;

static const det_variant variant_td3 = {&agent_td3, &td3_section, 2, true};
static const det_variant variant_ddpg = {&agent_ddpg, &ddpg_section, 1, false};

static const td3_cfg *cfg_of(const rl_config *cfg, const det_variant *v) { return rl_config_section_of(cfg, v->sec); }

/* what the shared actor-critic (algos/offp_ac.h) takes of the section: a tanh actor of A outputs
 * with a target copy, n_q critics */
static offp_ac_settings base_settings(const rl_config *cfg, const det_variant *v)
{
    const td3_cfg *c = cfg_of(cfg, v);
    return (offp_ac_settings){.algo = v->algo, .n_q = v->n_q, .actor_out = 1, .actor_out_act = NN_ACT_TANH,
                              .anneal_lr = c->anneal_lr,
                              .actor_target = true, .actor_lr = c->actor_lr, .critic_lr = c->critic_lr,
                              .gamma = c->gamma, .tau = c->tau, .utd = c->utd, .buffer_size = c->buffer_size,
                              .batch_size = c->batch_size, .learning_starts = c->learning_starts,
                              .policy_frequency = c->policy_frequency, .n_step = c->n_step, .threads = c->threads,
                              .train_frequency = c->train_frequency,
                              .train_per_episode = strcmp(c->train_frequency_unit, "episode") == 0};
}

static rl_status td3_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    offp_ac_settings s = base_settings(cfg, &variant_td3);
    return offp_ac_check_config(cfg, &s, err, err_sz);
}
static rl_status ddpg_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    offp_ac_settings s = base_settings(cfg, &variant_ddpg);
    return offp_ac_check_config(cfg, &s, err, err_sz);
}

/* the agent: the shared actor-critic first (its hooks take a det as their offp_ac), then what is
 * TD3's and DDPG's own */
typedef struct {
    offp_ac ac;
    const det_variant *v;
    float expl_noise, policy_noise, noise_clip;
    loss_spec actor_loss;
    nn_mlp_cache c_actor_t, c_qpi;    /* the target actor at s'; critic 1 at the actor's action */
    rl_arena arena;
    /* per-update */
    float *noise, *a_next, *dact, *dsa, *dqpi;   /* (B, A) x3, (B, SA), (B) */
    const float *pa, *pq;             /* the actor's action and Q_1 there */
} det;

enum { ST_CRITIC, ST_ACTOR, ST_QMEAN, ST_SKIPPED, ST_COUNT };

/* job(p, 0) and job(p, 1): on two threads with threads = 2, else one after the other */
static void par_run(det *p, rl_twin_job job) { rl_twin_run(&p->ac.worker, job, p); }

/* ---- lifecycle ----------------------------------------------------------------------------- */

static void det_destroy(void *self)
{
    det *p = self;
    if (!p) return;
    offp_ac_free(&p->ac);
    rl_arena_free(&p->arena);
    free(p);
}

/* the actor's loss and the noise scales (DDPG draws no target smoothing noise) */
static rl_status own_settings(det *p, const rl_config *cfg, char *err, size_t err_sz)
{
    const td3_cfg *c = cfg_of(cfg, p->v);
    p->expl_noise = (float)c->exploration_noise;
    p->policy_noise = p->v->smooth ? (float)c->policy_noise : 0.0f;
    p->noise_clip = p->v->smooth ? (float)c->noise_clip : 0.0f;
    return loss_spec_make(&p->actor_loss, LOSS_KINDS(LOSS_KIND_KERNEL), "dpg", NULL, NULL, 0, p->v->algo->name, err,
                          err_sz);
}

/* the arena of TD3's own caches and per-batch arrays, sized once */
static rl_status scratch(det *p, char *err, size_t err_sz)
{
    const offp_ac *b = &p->ac;
    int B = b->B, A = b->A, SA = b->SA;
    size_t fat = nn_mlp_cache_floats(&b->actor, B), fq = nn_mlp_cache_floats(&b->q[0], B);
    size_t need = rl_arena_need(fat * 4) + rl_arena_need(fq * 4) + 3 * rl_arena_need((size_t)B * A * 4) +
                  rl_arena_need((size_t)B * SA * 4) + rl_arena_need((size_t)B * 4);
    rl_status st = rl_arena_init(&p->arena, need, err, err_sz);
    if (st) return st;
    rl_arena *ar = &p->arena;
    nn_mlp_cache_bind(&p->c_actor_t, &b->actor_t, rl_arena_floats(ar, fat), B);
    nn_mlp_cache_bind(&p->c_qpi, &b->qng[0], rl_arena_floats(ar, fq), B);
    p->noise = rl_arena_floats(ar, (size_t)B * A);
    p->a_next = rl_arena_floats(ar, (size_t)B * A);
    p->dact = rl_arena_floats(ar, (size_t)B * A);
    p->dsa = rl_arena_floats(ar, (size_t)B * SA);
    p->dqpi = rl_arena_floats(ar, B);
    return RL_OK;
}

static rl_status det_create(void **self, const det_variant *v, const rl_config *cfg, const env_space *obs_space,
                            const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    rl_status st = offp_ac_check_spaces(v->algo, cfg, obs_space, act_space, src, err, err_sz);
    if (st) return st;
    det *p = rl_xcalloc(1, sizeof *p);
    p->v = v;
    offp_ac_settings s = base_settings(cfg, v);
    if ((st = offp_ac_init(&p->ac, &s, cfg, obs_space, act_space, n_envs, err, err_sz)) ||
        (st = own_settings(p, cfg, err, err_sz)) || (st = scratch(p, err, err_sz)) ||
        (st = offp_ac_start(&p->ac, err, err_sz))) {
        det_destroy(p);
        return st;
    }
    *self = p;
    return RL_OK;
}

static rl_status td3_create(void **self, const rl_config *cfg, const env_space *obs_space, const env_space *act_space,
                            int n_envs, char *err, size_t err_sz)
{
    return det_create(self, &variant_td3, cfg, obs_space, act_space, n_envs, err, err_sz);
}

static rl_status ddpg_create(void **self, const rl_config *cfg, const env_space *obs_space,
                             const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    return det_create(self, &variant_ddpg, cfg, obs_space, act_space, n_envs, err, err_sz);
}

/* ---- acting: clip(mu(s) + exploration_noise N(0, I), -1, 1) while training, mu(s) otherwise ---- */

static void det_act(void *self, const float *obs, int n, float *actions, bool explore)
{
    det *p = self;
    offp_ac *b = &p->ac;
    float *a = b->act_a;
    if (!offp_ac_act_uniform(b, n, explore)) {
        const float *mu = nn_mlp_forward(&b->c_actor, &b->actor, obs, n);   // (n, A), tanh
        for (int i = 0; i < n * b->A; i++)
            a[i] = explore ? rl_clampf(mu[i] + p->expl_noise * (float)rl_rng_normal(&b->rng), -1.0f, 1.0f) : mu[i];
    }
    offp_ac_act_finish(b, obs, n, actions, explore);
}

/* ---- the update's steps -------------------------------------------------------------------- */

/* the minibatch and the target smoothing noise clip(policy_noise N(0, I), -noise_clip, noise_clip)
 * (TD3; DDPG draws none); whether this update steps the actor */
static void sample_minibatch(det *p)
{
    offp_ac *b = &p->ac;
    offp_ac_sample(b);
    size_t n = (size_t)b->B * b->A;
    if (p->v->smooth) {
        offp_fill_normal(p->noise, n, &b->rng);
        for (size_t i = 0; i < n; i++) p->noise[i] = rl_clampf(p->policy_noise * p->noise[i], -p->noise_clip, p->noise_clip);
    } else {
        memset(p->noise, 0, n * sizeof(float));
    }
}

/* k = 0: the target actor's smoothed action at s' and the target critics' input; k = 1: the
 * critics' input (s, a) */
static void job_inputs(void *ctx, int k)
{
    det *p = ctx;
    offp_ac *b = &p->ac;
    const replay_batch *r = &b->batch;
    if (k == 1) {
        offp_concat(b->sa, r->obs, r->actions, b->B, b->obs_dim, b->A);
        return;
    }
    const float *mu = nn_mlp_forward(&p->c_actor_t, &b->actor_t, r->next_obs, b->B);
    for (size_t i = 0; i < (size_t)b->B * b->A; i++) p->a_next[i] = rl_clampf(mu[i] + p->noise[i], -1.0f, 1.0f);
    offp_concat(b->sa_next, r->next_obs, p->a_next, b->B, b->obs_dim, b->A);
}

/* y = R + disc min_k Q_target_k(s', a') */
static void td_targets(offp_ac *b)
{
    const replay_batch *r = &b->batch;
    for (int i = 0; i < b->B; i++) {
        float m = b->tq[0][i];
        if (b->n_q == 2 && b->tq[1][i] < m) m = b->tq[1][i];
        b->y[i] = r->returns[i] + r->discount[i] * m;
    }
}

/* k's half of the critics' Adam step (ticked before) */
static void job_critic_adam(void *ctx, int k)
{
    offp_ac *b = &((det *)ctx)->ac;
    size_t lo, hi;
    offp_ac_half(b->n_critic, k, &lo, &hi);
    nn_adam_apply(&b->critic_opt, b->cparams, b->cgrads, lo, hi);
}

/* k's half of the actor's Adam step, of the actor's and of the critics' Polyak averages */
static void job_actor_step(void *ctx, int k)
{
    offp_ac *b = &((det *)ctx)->ac;
    size_t lo, hi;
    offp_ac_half(b->n_actor, k, &lo, &hi);
    nn_adam_apply(&b->actor_opt, b->aparams, b->agrads, lo, hi);
    nn_polyak(b->atparams + lo, b->aparams + lo, hi - lo, b->tau);
    offp_ac_half(b->n_critic, k, &lo, &hi);
    nn_polyak(b->ctparams + lo, b->cparams + lo, hi - lo, b->tau);
}

/* the critics' step on the TD targets; false when a non-finite loss or gradient (on any rank)
 * skips the whole update */
static bool critic_update(det *p, double *acc)
{
    par_run(p, job_inputs);
    par_run(p, offp_ac_job_q_forward);
    td_targets(&p->ac);
    if (!offp_ac_critic_grads(&p->ac, &acc[ST_CRITIC], &acc[ST_QMEAN])) return false;
    par_run(p, job_critic_adam);
    return true;
}

/* The actor objective dpg = -mean Q_1(s, mu(s)) on obs (B, D), at the current networks; with
 * backward, its gradient with respect to the actor's parameters into agrads (zeroed first),
 * through the critic's input gradient dQ/da. */
static float actor_pass(det *p, const float *obs, int B, bool backward)
{
    offp_ac *b = &p->ac;
    const int A = b->A, D = b->obs_dim, SA = b->SA;
    p->pa = nn_mlp_forward(&b->c_actor, &b->actor, obs, B);   // (B, A)
    offp_concat(b->sa_pi, obs, p->pa, B, D, A);
    p->pq = nn_mlp_forward(&p->c_qpi, &b->qng[0], b->sa_pi, B);
    float loss = loss_dpg(p->pq, NULL, B, backward ? p->dqpi : NULL);
    if (!backward) return loss;
    nn_mlp_backward(p->dsa, &p->c_qpi, &b->qng[0], p->dqpi, b->sa_pi, B);
    for (int i = 0; i < B; i++)
        memcpy(p->dact + (size_t)i * A, p->dsa + (size_t)i * SA + D, (size_t)A * sizeof(float));
    memset(b->agrads, 0, b->n_actor * sizeof(float));
    nn_mlp_backward(NULL, &b->c_actor, &b->actor, p->dact, obs, B);
    return loss;
}

/* the delayed step: the actor's (on the critics just updated), then every target's Polyak average;
 * a non-finite loss or gradient skips both */
static void actor_update(det *p, double *acc)
{
    offp_ac *b = &p->ac;
    float aloss = actor_pass(p, b->batch.obs, b->B, true);
    if (!offp_ac_actor_grads(b, isfinite(aloss) && rl_all_finite(b->agrads, b->n_actor))) return;
    par_run(p, job_actor_step);
    acc[ST_ACTOR] += aloss;
    acc[ST_COUNT] += 1;   /* actor updates */
}

/* One update, as in Fujimoto et al. (2018), Algorithm 1: a minibatch, the critics' step, and every
 * policy_frequency updates the actor's step and the targets' (actor_update). */
static void update(void *self, double *acc)
{
    det *p = self;
    sample_minibatch(p);
    if (!critic_update(p, acc)) {
        p->ac.nonfinite_skips++;
        return;
    }
    if (p->ac.do_actor) actor_update(p, acc);
    p->ac.updates++;
}

static bool det_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats)
{
    det *p = self;
    double acc[ST_COUNT + 1] = {0};
    offp_ac_anneal(&p->ac, step, total_steps);
    int64_t n = offp_ac_learn(&p->ac, v, step, update, p, acc);
    if (n == 0) return false;
    stats[ST_CRITIC] = acc[ST_CRITIC] / n;
    stats[ST_ACTOR] = acc[ST_COUNT] > 0 ? acc[ST_ACTOR] / acc[ST_COUNT] : NAN;
    stats[ST_QMEAN] = acc[ST_QMEAN] / n;
    stats[ST_SKIPPED] = (double)p->ac.nonfinite_skips;
    return true;
}

static int det_dp_tensors(void *self, nn_tensor *t, int max)
{
    det *p = self;
    RL_ASSERT(max >= 8);
    int n = offp_ac_dp_nets(&p->ac, t);
    return n + offp_ac_dp_state(&p->ac, t + n, NULL);
}

/* ---- test hooks (algos/td3.h) ----------------------------------------------------------------- */

double td3_actor_objective(void *agent, const float *obs, int B, float *dactor)
{
    det *p = agent;
    RL_ASSERT(B <= p->ac.B);
    float l = actor_pass(p, obs, B, dactor != NULL);
    if (dactor) memcpy(dactor, p->ac.agrads, p->ac.n_actor * sizeof(float));
    return l;
}

float *td3_actor_params(void *agent, size_t *n)
{
    det *p = agent;
    *n = p->ac.n_actor;
    return p->ac.aparams;
}

void td3_test_counters(void *agent, int64_t *updates, int64_t *actor_steps)
{
    det *p = agent;
    *updates = p->ac.updates;
    *actor_steps = p->ac.actor_opt.t;
}

const float *td3_test_smoothing(void *agent, int *n)
{
    det *p = agent;
    sample_minibatch(p);
    *n = p->ac.B * p->ac.A;
    return p->noise;
}

void td3_test_lrs(void *agent, float lr[2])
{
    det *p = agent;
    lr[0] = p->ac.actor_opt.lr;
    lr[1] = p->ac.critic_opt.lr;
}

/* ---- the descriptors: checkpoints ("actor", "q1", "q2", the targets; "td3.updates", ...),
 * observe, replay and relabel are the shared actor-critic's (algos/offp_ac.h) ------------------ */

#define DET_DESCRIPTOR(NAME, SECTION, CHECK, CREATE)                                                  \
    {                                                                                                 \
        .name = NAME, .n_stats = ST_COUNT,                                                            \
        .stat_names = {"critic_loss", "actor_loss", "q_mean", "skipped_updates"},                     \
        .sections = (const rl_config_section *const[]){&SECTION, &offp_critic_losses_section, &her_section, NULL},  \
        .check_config = CHECK,                                                                        \
        .loss_slots = {{"losses.critic", NULL, NULL, LOSS_KINDS(LOSS_KIND_REGRESSION)}},              \
        .rates = {{"train/actor_lr", NAME ".actor_lr", NAME ".anneal_lr"},                            \
                  {"train/critic_lr", NAME ".critic_lr", NAME ".anneal_lr"}},                         \
        .create = CREATE, .act = det_act, .observe = offp_ac_observe, .learn = det_learn,             \
        .save = offp_ac_save, .load = offp_ac_load, .destroy = det_destroy, .dp_tensors = det_dp_tensors, \
        .relabel = offp_ac_relabel, .replay = offp_ac_replay,                                         \
    }

const agent_algo agent_td3 = DET_DESCRIPTOR("td3", td3_section, td3_check_config, td3_create);
const agent_algo agent_ddpg = DET_DESCRIPTOR("ddpg", ddpg_section, ddpg_check_config, ddpg_create);
