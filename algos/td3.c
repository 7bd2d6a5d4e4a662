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
 * truncation bootstraps from the final observation. With td3.threads = 2 (ddpg.threads) the
 * critics' passes run on two threads (core/twin.h): TD3 a twin critic and its target on each, DDPG
 * the target critic beside the critic; the Adam and Polyak steps in halves. Each float gets the
 * same operations either way, so 1 and 2 threads give the same run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addons/her.h"
#include "agents/dataparallel.h"
#include "algos/offpolicy.h"
#include "algos/td3.h"
#include "core/arena.h"
#include "core/limits.h"
#include "core/mathx.h"
#include "core/twin.h"
#include "losses/loss.h"
#include "replay/replay.h"

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
    X(S, int64_t, policy_frequency, I64, 2, NULL, 1, 1e6, NULL,                                   \
      "critic updates per actor update (and target update)")                                   \
    X(S, double, exploration_noise, F64, 0.1, NULL, 0, 1e3, NULL,                                \
      "std of the Gaussian noise on the actor's actions while training (actions in [-1, 1])")  \
    X(S, int64_t, n_step, I64, 1, NULL, 1, 1000, NULL, "n-step returns, cut at episode ends")     \
    X(S, int64_t, threads, I64, RL_CFG_AUTO, NULL, 1, 2, "auto",                                    \
      "2 = the critics' passes on two threads (same results); auto = 2 with 2 usable CPUs")
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

static rl_status check_config(const rl_config *cfg, const det_variant *v, char *err, size_t err_sz)
{
    const td3_cfg *c = cfg_of(cfg, v);
    return rl_limit_check_replay(cfg->source[0] ? cfg->source : "config", v->algo->name, c->batch_size,
                                 c->buffer_size, c->n_step, cfg->env.num_envs, err, err_sz);
}
static rl_status td3_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    return check_config(cfg, &variant_td3, err, err_sz);
}
static rl_status ddpg_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    return check_config(cfg, &variant_ddpg, err, err_sz);
}

typedef struct det det;
typedef void (*det_job)(det *p, int k);   /* a step of the update over k = 0, 1 (par_run) */

struct det {
    const det_variant *v;
    int obs_dim, A, SA, n_envs, B, n_q;
    float gamma, tau, utd, expl_noise, policy_noise, noise_clip;
    int64_t learning_starts, policy_freq;
    float *act_center, *act_half;     /* (A) env action = center + half * a */
    loss_spec critic_loss, actor_loss;
    nn_mlp actor, actor_t, q[2], qt[2], qng;   /* qng: critic 1 without gradients (actor pass) */
    float *aparams, *agrads, *atparams, *cparams, *cgrads, *ctparams;
    size_t n_actor, n_critic, nq;     /* n_critic = n_q * nq */
    nn_adam actor_opt, critic_opt;
    nn_mlp_cache c_actor, c_actor_t, c_q[2], c_qt[2], c_qpi;
    rl_arena arena;
    rl_rng rng;
    replay_buffer buf;
    her_relabeler her;                /* her: (addons/her.h) */
    replay_batch batch;
    int64_t env_steps, updates, nonfinite_skips;
    double credit;
    rl_twin worker;                   /* threads = 2: runs k = 1 of each parallel step */
    det_job job;
    offp_aux ax;                      /* no heads: the checkpoint helpers read it */
    /* per-step */
    float *step_obs, *step_act, *next_fix, *act_a;   /* (N, D), (N, A), (N, D), (maxb, A) */
    /* per-update */
    float *noise, *a_next, *sa, *sa_next, *sa_pi;    /* (B, A) x2, (B, SA) x3 */
    float *y, *qv[2], *dq[2], *qloss, *dqpi, *dsa, *dact;   /* (B), (B) x4, (2), (B), (B, SA), (B, A) */
    const float *tq[2], *pa, *pq;     /* target critics' outputs; the actor's action and Q_1 there */
    bool do_actor, finite[2];
};

enum { ST_CRITIC, ST_ACTOR, ST_QMEAN, ST_SKIPPED, ST_COUNT };

/* ---- small pieces -------------------------------------------------------------------------- */

static void par_trampoline(void *ctx, int k)
{
    det *p = ctx;
    p->job(p, k);
}

/* job(p, 0) and job(p, 1): on two threads with threads = 2, else one after the other */
static void par_run(det *p, det_job job)
{
    p->job = job;
    rl_twin_run(&p->worker, par_trampoline, p);
}

/* [lo, hi) of k's half of n */
static void half(size_t n, int k, size_t *lo, size_t *hi)
{
    *lo = k ? n / 2 : 0;
    *hi = k ? n : n / 2;
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

static void det_destroy(void *self)
{
    det *p = self;
    if (!p) return;
    rl_twin_stop(&p->worker);
    free(p->aparams);
    free(p->agrads);
    free(p->atparams);
    free(p->cparams);
    free(p->cgrads);
    free(p->ctparams);
    free(p->act_center);
    free(p->act_half);
    nn_adam_free(&p->actor_opt);
    nn_adam_free(&p->critic_opt);
    offp_aux_free(&p->ax);
    rl_arena_free(&p->arena);
    replay_buffer_free(&p->buf);
    replay_batch_free(&p->batch);
    free(p);
}

/* the spaces the agent cannot run with, before anything is allocated */
static rl_status check_spaces(const rl_config *cfg, const det_variant *v, const env_space *obs_space,
                              const env_space *act_space, const char *src, char *err, size_t err_sz)
{
    const char *name = v->algo->name;
    if (act_space->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: algo %s needs a Box (continuous) action space, but env %s has a Discrete one "
                       "(use dqn, qrdqn, c51, ppo or a2c)", src, name, cfg->env.id);
    if (obs_space->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo %s: observations of env %s must be a Box", src, name,
                       cfg->env.id);
    for (int d = 0; d < act_space->dim; d++)
        if (!isfinite(act_space->low[d]) || !isfinite(act_space->high[d]) || act_space->high[d] <= act_space->low[d])
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo %s needs finite action bounds (env %s, dimension %d)",
                           src, name, cfg->env.id, d);
    return RL_OK;
}

/* the two losses, the activation and the memory the buffer and the caches will take */
static rl_status losses_and_limits(det *p, const rl_config *cfg, const env_space *obs_space,
                                   const env_space *act_space, nn_act *act, const char *src, char *err,
                                   size_t err_sz)
{
    const td3_cfg *c = cfg_of(cfg, p->v);
    rl_status st;
    if ((st = agent_slot_loss(&p->critic_loss, p->v->algo, 0, cfg, err, err_sz)) ||
        (st = loss_spec_make(&p->actor_loss, LOSS_KINDS(LOSS_KIND_KERNEL), "dpg", NULL, NULL, 0, p->v->algo->name,
                             err, err_sz)))
        return st;
    if (nn_act_from_name(cfg->network.activation, act) != 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: network.activation: unknown '%s'", src, cfg->network.activation);
    return offp_ac_limits(src, p->v->algo->name, c->buffer_size, c->batch_size, &cfg->network.hidden, obs_space->dim,
                          act_space->dim, act_space->dim, err, err_sz);
}

/* the scalar settings and the action bounds' centre and half-width */
static void settings(det *p, const rl_config *cfg, const env_space *obs_space, const env_space *act_space,
                     int n_envs)
{
    const td3_cfg *c = cfg_of(cfg, p->v);
    p->obs_dim = obs_space->dim;
    p->A = act_space->dim;
    p->SA = p->obs_dim + p->A;
    p->n_envs = n_envs;
    p->n_q = p->v->n_q;
    p->B = (int)c->batch_size;
    p->gamma = (float)c->gamma;
    p->tau = (float)c->tau;
    p->utd = (float)c->utd;
    p->expl_noise = (float)c->exploration_noise;
    p->policy_noise = p->v->smooth ? (float)c->policy_noise : 0.0f;
    p->noise_clip = p->v->smooth ? (float)c->noise_clip : 0.0f;
    p->learning_starts = c->learning_starts;
    p->policy_freq = c->policy_frequency;
    offp_action_bounds(act_space, &p->act_center, &p->act_half);
}

/* the actor, the critics and their targets in flat buffers, initialised from p->rng as PyTorch's
 * nn.Linear is; the targets start as copies */
static void networks(det *p, const rl_config *cfg, nn_act act)
{
    int hidden[RL_LIST_MAX], nh = cfg->network.hidden.n;
    for (int i = 0; i < nh; i++) hidden[i] = (int)cfg->network.hidden.v[i];
    nn_mlp_shape(&p->actor, p->obs_dim, hidden, nh, p->A, act, NN_ACT_TANH);
    p->actor_t = p->actor;
    for (int k = 0; k < p->n_q; k++) {
        nn_mlp_shape(&p->q[k], p->SA, hidden, nh, 1, act, NN_ACT_NONE);
        p->qt[k] = p->q[k];
    }
    p->qng = p->q[0];
    p->n_actor = p->actor.n_params;
    p->nq = p->q[0].n_params;
    p->n_critic = (size_t)p->n_q * p->nq;
    p->aparams = rl_xcalloc(p->n_actor, sizeof(float));
    p->agrads = rl_xcalloc(p->n_actor, sizeof(float));
    p->atparams = rl_xcalloc(p->n_actor, sizeof(float));
    p->cparams = rl_xcalloc(p->n_critic, sizeof(float));
    p->cgrads = rl_xcalloc(p->n_critic, sizeof(float));
    p->ctparams = rl_xcalloc(p->n_critic, sizeof(float));
    nn_mlp_bind(&p->actor, p->aparams, p->agrads);
    nn_mlp_bind(&p->actor_t, p->atparams, NULL);
    for (int k = 0; k < p->n_q; k++) {
        nn_mlp_bind(&p->q[k], p->cparams + k * p->nq, p->cgrads + k * p->nq);
        nn_mlp_bind(&p->qt[k], p->ctparams + k * p->nq, NULL);
    }
    nn_mlp_bind(&p->qng, p->cparams, NULL);
    rl_rng_seed(&p->rng, rl_seed_derive((uint64_t)cfg->root.seed, 1), 1);
    nn_mlp_init_torch_default(&p->actor, &p->rng);
    for (int k = 0; k < p->n_q; k++) nn_mlp_init_torch_default(&p->q[k], &p->rng);
    memcpy(p->atparams, p->aparams, p->n_actor * sizeof(float));
    memcpy(p->ctparams, p->cparams, p->n_critic * sizeof(float));
}

/* the two optimizers, the replay buffer and the batch */
static rl_status buffers(det *p, const rl_config *cfg, int n_envs, char *err, size_t err_sz)
{
    const td3_cfg *c = cfg_of(cfg, p->v);
    replay_config rc;
    offp_replay_config(&rc, c->buffer_size, n_envs, p->obs_dim, p->A, (int)c->n_step, p->gamma);
    rl_status st;
    if ((st = nn_adam_init(&p->actor_opt, p->n_actor, (float)c->actor_lr, 0.9f, 0.999f, 1e-8f, err, err_sz)) ||
        (st = nn_adam_init(&p->critic_opt, p->n_critic, (float)c->critic_lr, 0.9f, 0.999f, 1e-8f, err, err_sz)) ||
        (st = replay_buffer_init(&p->buf, &rc, err, err_sz)) ||
        (st = replay_batch_init(&p->batch, p->B, p->obs_dim, p->A, err, err_sz)))
        return st;
    return RL_OK;
}

/* the arena: every activation cache and per-step or per-batch scratch array, sized once */
static rl_status scratch(det *p, int n_envs, char *err, size_t err_sz)
{
    int maxb = n_envs > AGENT_EVAL_BATCH ? n_envs : AGENT_EVAL_BATCH;
    int B = p->B, A = p->A, D = p->obs_dim, SA = p->SA, N = n_envs, mb = maxb > B ? maxb : B;
    size_t fa = nn_mlp_cache_floats(&p->actor, mb), fat = nn_mlp_cache_floats(&p->actor, B);
    size_t fq = nn_mlp_cache_floats(&p->q[0], B);
    size_t need = rl_arena_need(fa * 4) + rl_arena_need(fat * 4) + 5 * rl_arena_need(fq * 4) +
                  2 * rl_arena_need((size_t)N * D * 4) + rl_arena_need((size_t)N * A * 4) +
                  rl_arena_need((size_t)maxb * A * 4) + 3 * rl_arena_need((size_t)B * A * 4) +
                  4 * rl_arena_need((size_t)B * SA * 4) + 6 * rl_arena_need((size_t)B * 4) + rl_arena_need(2 * 4);
    rl_status st = rl_arena_init(&p->arena, need, err, err_sz);
    if (st) return st;
    rl_arena *ar = &p->arena;
    nn_mlp_cache_bind(&p->c_actor, &p->actor, rl_arena_floats(ar, fa), mb);
    nn_mlp_cache_bind(&p->c_actor_t, &p->actor_t, rl_arena_floats(ar, fat), B);
    for (int k = 0; k < 2; k++) {
        nn_mlp_cache_bind(&p->c_q[k], &p->q[0], rl_arena_floats(ar, fq), B);
        nn_mlp_cache_bind(&p->c_qt[k], &p->q[0], rl_arena_floats(ar, fq), B);
    }
    nn_mlp_cache_bind(&p->c_qpi, &p->qng, rl_arena_floats(ar, fq), B);
    p->step_obs = rl_arena_floats(ar, (size_t)N * D);
    p->next_fix = rl_arena_floats(ar, (size_t)N * D);
    p->step_act = rl_arena_floats(ar, (size_t)N * A);
    p->act_a = rl_arena_floats(ar, (size_t)maxb * A);
    p->noise = rl_arena_floats(ar, (size_t)B * A);
    p->a_next = rl_arena_floats(ar, (size_t)B * A);
    p->dact = rl_arena_floats(ar, (size_t)B * A);
    p->sa = rl_arena_floats(ar, (size_t)B * SA);
    p->sa_next = rl_arena_floats(ar, (size_t)B * SA);
    p->sa_pi = rl_arena_floats(ar, (size_t)B * SA);
    p->dsa = rl_arena_floats(ar, (size_t)B * SA);
    p->y = rl_arena_floats(ar, B);
    for (int k = 0; k < 2; k++) p->qv[k] = rl_arena_floats(ar, B), p->dq[k] = rl_arena_floats(ar, B);
    p->dqpi = rl_arena_floats(ar, B);
    p->qloss = rl_arena_floats(ar, 2);
    return RL_OK;
}

/* the worker of threads = 2 updates with denormals flushed, as the caller does */
static void worker_init(void) { FTZ_SET_THREAD(); }

static rl_status det_create(void **self, const det_variant *v, const rl_config *cfg, const env_space *obs_space,
                            const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    rl_status st = check_spaces(cfg, v, obs_space, act_space, src, err, err_sz);
    if (st) return st;
    det *p = rl_xcalloc(1, sizeof *p);
    p->v = v;
    nn_act act;
    if ((st = losses_and_limits(p, cfg, obs_space, act_space, &act, src, err, err_sz))) {
        free(p);
        return st;
    }
    settings(p, cfg, obs_space, act_space, n_envs);
    networks(p, cfg, act);
    if ((st = buffers(p, cfg, n_envs, err, err_sz)) ||
        (st = her_init(&p->her, cfg, obs_space, &p->buf.cfg, v->algo->name, err, err_sz)) ||
        (st = scratch(p, n_envs, err, err_sz)) ||
        (cfg_of(cfg, v)->threads == 2 && (st = rl_twin_start(&p->worker, worker_init, err, err_sz)))) {
        det_destroy(p);
        return st;
    }
    fprintf(stderr, "%s: replay buffer of %lld transitions (obs %d, action %d, n_step %d): %.1f MB\n", v->algo->name,
            (long long)p->buf.cfg.capacity, p->obs_dim, p->A, (int)cfg_of(cfg, v)->n_step,
            replay_buffer_bytes(&p->buf) / 1048576.0);
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

/* ---- acting -------------------------------------------------------------------------------- */

static void det_act(void *self, const float *obs, int n, float *actions, bool explore)
{
    det *p = self;
    const int A = p->A;
    float *a = p->act_a;
    if (explore && p->env_steps < p->learning_starts) {
        for (int i = 0; i < n * A; i++) a[i] = (float)rl_rng_uniform(&p->rng, -1.0, 1.0);
    } else {
        const float *mu = nn_mlp_forward(&p->c_actor, &p->actor, obs, n);   // (n, A), tanh
        for (int i = 0; i < n * A; i++)
            a[i] = explore ? rl_clampf(mu[i] + p->expl_noise * (float)rl_rng_normal(&p->rng), -1.0f, 1.0f) : mu[i];
    }
    offp_to_env(actions, a, n, A, p->act_center, p->act_half);
    if (!explore) return;
    RL_ASSERT(n == p->n_envs);
    memcpy(p->step_obs, obs, (size_t)n * p->obs_dim * sizeof(float));
    memcpy(p->step_act, a, (size_t)n * A * sizeof(float));
}

static void det_observe(void *self, const env_vec *v)
{
    det *p = self;
    offp_store_step(&p->buf, p->step_obs, p->step_act, p->next_fix, p->n_envs, p->obs_dim, v);
    p->env_steps += p->n_envs;
}

/* ---- the update's steps -------------------------------------------------------------------- */

/* the minibatch and the target smoothing noise clip(policy_noise N(0, I), -noise_clip, noise_clip)
 * (TD3; DDPG draws none); whether this update steps the actor */
static void sample_minibatch(det *p)
{
    replay_buffer_sample(&p->buf, &p->batch, p->B, 1.0f, &p->rng);
    her_relabel(&p->her, &p->buf, &p->batch, p->B, &p->rng);
    size_t n = (size_t)p->B * p->A;
    if (p->v->smooth) {
        offp_fill_normal(p->noise, n, &p->rng);
        for (size_t i = 0; i < n; i++) p->noise[i] = rl_clampf(p->policy_noise * p->noise[i], -p->noise_clip, p->noise_clip);
    } else {
        memset(p->noise, 0, n * sizeof(float));
    }
    p->do_actor = p->updates % p->policy_freq == 0;
}

/* k = 0: the target actor's smoothed action at s' and the target critics' input; k = 1: the
 * critics' input (s, a) */
static void job_inputs(det *p, int k)
{
    const replay_batch *b = &p->batch;
    if (k == 1) {
        offp_concat(p->sa, b->obs, b->actions, p->B, p->obs_dim, p->A);
        return;
    }
    const float *mu = nn_mlp_forward(&p->c_actor_t, &p->actor_t, b->next_obs, p->B);
    for (size_t i = 0; i < (size_t)p->B * p->A; i++) p->a_next[i] = rl_clampf(mu[i] + p->noise[i], -1.0f, 1.0f);
    offp_concat(p->sa_next, b->next_obs, p->a_next, p->B, p->obs_dim, p->A);
}

static void target_forward(det *p, int k)
{
    p->tq[k] = nn_mlp_forward(&p->c_qt[k], &p->qt[k], p->sa_next, p->B);   // (B, 1)
}

static void critic_forward(det *p, int k)
{
    const float *q = nn_mlp_forward(&p->c_q[k], &p->q[k], p->sa, p->B);
    memcpy(p->qv[k], q, (size_t)p->B * sizeof(float));
}

/* TD3: target critic k and critic k; DDPG: k = 0 the target critic, k = 1 the critic */
static void job_q_forward(det *p, int k)
{
    if (p->n_q == 2) {
        target_forward(p, k);
        critic_forward(p, k);
    } else if (k == 0) {
        target_forward(p, 0);
    } else {
        critic_forward(p, 0);
    }
}

/* y = R + disc min_k Q_target_k(s', a') */
static void td_targets(det *p)
{
    const replay_batch *b = &p->batch;
    for (int i = 0; i < p->B; i++) {
        float m = p->tq[0][i];
        if (p->n_q == 2 && p->tq[1][i] < m) m = p->tq[1][i];
        p->y[i] = b->returns[i] + b->discount[i] * m;
    }
}

/* critic k's loss against p->y and its gradient (its part of p->cgrads, zeroed first) */
static void job_critic_backward(det *p, int k)
{
    p->qloss[k] = 0.0f;
    p->finite[k] = true;
    if (k >= p->n_q) return;
    p->qloss[k] = loss_value_eval(&p->critic_loss, p->qv[k], NULL, p->y, NULL, p->B, p->dq[k]);
    memset(p->cgrads + k * p->nq, 0, p->nq * sizeof(float));
    nn_mlp_backward(NULL, &p->c_q[k], &p->q[k], p->dq[k], p->sa, p->B);
    p->finite[k] = rl_all_finite(p->cgrads + k * p->nq, p->nq);
}

/* k's half of the critics' Adam step (ticked by the caller) */
static void job_critic_adam(det *p, int k)
{
    size_t lo, hi;
    half(p->n_critic, k, &lo, &hi);
    nn_adam_apply(&p->critic_opt, p->cparams, p->cgrads, lo, hi);
}

/* k's half of the actor's Adam step, of the actor's and of the critics' Polyak averages */
static void job_actor_step(det *p, int k)
{
    size_t lo, hi;
    half(p->n_actor, k, &lo, &hi);
    nn_adam_apply(&p->actor_opt, p->aparams, p->agrads, lo, hi);
    nn_polyak(p->atparams + lo, p->aparams + lo, hi - lo, p->tau);
    half(p->n_critic, k, &lo, &hi);
    nn_polyak(p->ctparams + lo, p->cparams + lo, hi - lo, p->tau);
}

/* the critics' step on the TD targets; false when a non-finite loss or gradient (on any rank)
 * skips the whole update */
static bool critic_update(det *p, double *acc)
{
    par_run(p, job_inputs);
    par_run(p, job_q_forward);
    td_targets(p);
    par_run(p, job_critic_backward);
    float closs = p->qloss[0] + p->qloss[1];
    if (!agent_dp_grads(p->cgrads, p->n_critic, isfinite(closs) && p->finite[0] && p->finite[1])) return false;
    nn_adam_tick(&p->critic_opt);
    par_run(p, job_critic_adam);
    double qm = 0.0;
    for (int i = 0; i < p->B; i++) qm += p->qv[0][i];
    acc[ST_CRITIC] += closs;
    acc[ST_QMEAN] += qm / p->B;
    return true;
}

/* The actor objective dpg = -mean Q_1(s, mu(s)) on obs (B, D), at the current networks; with
 * backward, its gradient with respect to the actor's parameters into p->agrads (zeroed first),
 * through the critic's input gradient dQ/da. */
static float actor_pass(det *p, const float *obs, int B, bool backward)
{
    const int A = p->A, D = p->obs_dim, SA = p->SA;
    p->pa = nn_mlp_forward(&p->c_actor, &p->actor, obs, B);   // (B, A)
    offp_concat(p->sa_pi, obs, p->pa, B, D, A);
    p->pq = nn_mlp_forward(&p->c_qpi, &p->qng, p->sa_pi, B);
    float loss = loss_dpg(p->pq, NULL, B, backward ? p->dqpi : NULL);
    if (!backward) return loss;
    nn_mlp_backward(p->dsa, &p->c_qpi, &p->qng, p->dqpi, p->sa_pi, B);
    for (int i = 0; i < B; i++)
        memcpy(p->dact + (size_t)i * A, p->dsa + (size_t)i * SA + D, (size_t)A * sizeof(float));
    memset(p->agrads, 0, p->n_actor * sizeof(float));
    nn_mlp_backward(NULL, &p->c_actor, &p->actor, p->dact, obs, B);
    return loss;
}

/* the delayed step: the actor's (on the critics just updated), then every target's Polyak average;
 * a non-finite loss or gradient skips both */
static void actor_update(det *p, double *acc)
{
    float aloss = actor_pass(p, p->batch.obs, p->B, true);
    if (!agent_dp_grads(p->agrads, p->n_actor, isfinite(aloss) && rl_all_finite(p->agrads, p->n_actor))) {
        p->nonfinite_skips++;
        return;
    }
    nn_adam_tick(&p->actor_opt);
    par_run(p, job_actor_step);
    acc[ST_ACTOR] += aloss;
    acc[ST_COUNT] += 1;   /* actor updates */
}

/* One update, as in Fujimoto et al. (2018), Algorithm 1: a minibatch, the critics' step, and every
 * policy_frequency updates the actor's step and the targets' (actor_update). */
static void update(det *p, double *acc)
{
    sample_minibatch(p);
    if (!critic_update(p, acc)) {
        p->nonfinite_skips++;
        return;
    }
    if (p->do_actor) actor_update(p, acc);
    p->updates++;
}

static bool det_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats)
{
    (void)v;
    (void)total_steps;
    det *p = self;
    p->env_steps = step;
    if (step < p->learning_starts || replay_buffer_valid(&p->buf) < 1) return false;
    int n = offp_updates_due(&p->credit, p->utd, p->n_envs);
    if (n == 0) return false;
    double acc[ST_COUNT + 1] = {0};
    FTZ_ENTER();
    for (int i = 0; i < n; i++) update(p, acc);
    FTZ_LEAVE();
    stats[ST_CRITIC] = acc[ST_CRITIC] / n;
    stats[ST_ACTOR] = acc[ST_COUNT] > 0 ? acc[ST_ACTOR] / acc[ST_COUNT] : NAN;
    stats[ST_QMEAN] = acc[ST_QMEAN] / n;
    stats[ST_SKIPPED] = (double)p->nonfinite_skips;
    return true;
}

static int det_dp_tensors(void *self, nn_tensor *t, int max)
{
    det *p = self;
    RL_ASSERT(max >= 8);
    int n = 0;
    t[n++] = (nn_tensor){"actor", p->aparams, 1, {(int64_t)p->n_actor}};
    t[n++] = (nn_tensor){"critic", p->cparams, 1, {(int64_t)p->n_critic}};
    t[n++] = (nn_tensor){"actor_target", p->atparams, 1, {(int64_t)p->n_actor}};
    t[n++] = (nn_tensor){"critic_target", p->ctparams, 1, {(int64_t)p->n_critic}};
    nn_adam *opts[] = {&p->actor_opt, &p->critic_opt};
    n += offp_dp_adam(t + n, opts, 2);
    return n;
}

/* ---- test hooks (algos/td3.h) ----------------------------------------------------------------- */

double td3_actor_objective(void *agent, const float *obs, int B, float *dactor)
{
    det *p = agent;
    RL_ASSERT(B <= p->B);
    float l = actor_pass(p, obs, B, dactor != NULL);
    if (dactor) memcpy(dactor, p->agrads, p->n_actor * sizeof(float));
    return l;
}

float *td3_actor_params(void *agent, size_t *n)
{
    det *p = agent;
    *n = p->n_actor;
    return p->aparams;
}

void td3_test_counters(void *agent, int64_t *updates, int64_t *actor_steps)
{
    det *p = agent;
    *updates = p->updates;
    *actor_steps = p->actor_opt.t;
}

const float *td3_test_smoothing(void *agent, int *n)
{
    det *p = agent;
    sample_minibatch(p);
    *n = p->B * p->A;
    return p->noise;
}

/* ---- checkpoints --------------------------------------------------------------------------- */

#define DET_MAX_TENSORS (6 * 2 * (NN_MAX_LAYERS + 1) + 4)

static int det_tensors(det *p, nn_tensor *t, char names[][48], bool train_state)
{
    static const char *const qn[] = {"q1", "q2"}, *const qtn[] = {"q1_target", "q2_target"};
    int n = nn_mlp_tensors(t, names, "actor", &p->actor);
    for (int k = 0; k < p->n_q; k++) n += nn_mlp_tensors(t + n, names + n, qn[k], &p->q[k]);
    if (!train_state) return n;
    n += nn_mlp_tensors(t + n, names + n, "actor_target", &p->actor_t);
    for (int k = 0; k < p->n_q; k++) n += nn_mlp_tensors(t + n, names + n, qtn[k], &p->qt[k]);
    n += offp_ac_optim_tensors(t + n, &p->actor_opt, &p->critic_opt);
    return n;
}

/* the metadata of a checkpoint, in the order it is written ("td3.updates", "ddpg.updates", ...) */
static offp_ckpt det_ckpt(det *p, char keys[5][32])
{
    const char *a = p->v->algo->name;
    static const char *const field[] = {"rng", "actor_adam_t", "critic_adam_t", "updates", "env_steps"};
    int64_t *val[] = {NULL, &p->actor_opt.t, &p->critic_opt.t, &p->updates, &p->env_steps};
    offp_ckpt c = {.algo = a, .prefix = a, .rng = &p->rng, .n_fields = 5, .ax = &p->ax, .aux_step = &p->actor_opt.t};
    for (int i = 0; i < 5; i++) {
        snprintf(keys[i], 32, "%s.%s", a, field[i]);
        c.fields[i].key = keys[i];
        c.fields[i].value = val[i];
    }
    return c;
}

static rl_status det_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err, size_t err_sz)
{
    det *p = self;
    nn_tensor t[DET_MAX_TENSORS];
    char names[DET_MAX_TENSORS][48], keys[5][32];
    int n = det_tensors(p, t, names, true);
    offp_ckpt c = det_ckpt(p, keys);
    return offp_ckpt_save(&c, path, t, n, extra, n_extra, err, err_sz);
}

static rl_status det_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz)
{
    det *p = self;
    nn_tensor t[DET_MAX_TENSORS];
    char names[DET_MAX_TENSORS][48], keys[5][32];
    int n = det_tensors(p, t, names, train_state);
    offp_ckpt c = det_ckpt(p, keys);
    rl_status st = offp_ckpt_load(&c, f, t, n, train_state, err, err_sz);
    if (st != RL_OK || train_state) return st;
    memcpy(p->atparams, p->aparams, p->n_actor * sizeof(float));
    memcpy(p->ctparams, p->cparams, p->n_critic * sizeof(float));
    return RL_OK;
}

static replay_buffer *det_replay(void *self) { return &((det *)self)->buf; }

/* PEBBLE: every stored reward recomputed by fn, on the stored observation and the stored action
 * mapped back to the environment's scale (act_a is free scratch outside act()) */
static void det_relabel(void *self, agent_reward_fn fn, void *ctx)
{
    det *p = self;
    offp_relabel(&p->buf, p->obs_dim, p->A, p->act_center, p->act_half, p->act_a, fn, ctx);
}

#define DET_DESCRIPTOR(NAME, SECTION, CHECK, CREATE)                                                  \
    {                                                                                                 \
        .name = NAME, .n_stats = ST_COUNT,                                                            \
        .stat_names = {"critic_loss", "actor_loss", "q_mean", "skipped_updates"},                     \
        .sections = (const rl_config_section *const[]){&SECTION, &offp_critic_losses_section, &her_section, NULL},  \
        .check_config = CHECK,                                                                        \
        .loss_slots = {{"losses.critic", NULL, NULL, LOSS_KINDS(LOSS_KIND_REGRESSION)}},              \
        .rates = {{"train/actor_lr", NAME ".actor_lr"}, {"train/critic_lr", NAME ".critic_lr"}},      \
        .create = CREATE, .act = det_act, .observe = det_observe, .learn = det_learn, .save = det_save, \
        .load = det_load, .destroy = det_destroy, .dp_tensors = det_dp_tensors, .relabel = det_relabel, \
        .replay = det_replay,                                                                         \
    }

const agent_algo agent_td3 = DET_DESCRIPTOR("td3", td3_section, td3_check_config, td3_create);
const agent_algo agent_ddpg = DET_DESCRIPTOR("ddpg", ddpg_section, ddpg_check_config, ddpg_create);
