/* rlc algos: Soft Actor-Critic for Box actions (Haarnoja et al. 2018, with the automatic
 * temperature of the "Algorithms and Applications" paper), in the form of SB3 / CleanRL.
 *
 * Actor: an MLP obs -> (mu, log_std) (A each), log_std clamped to [log_std_min, log_std_max];
 * the action is the tanh-squashed reparameterised sample a = tanh(mu + std eps), eps ~ N(0, I),
 *   log pi(a|s) = sum_d [-eps_d^2 / 2 - log std_d - log(2 pi) / 2 - log(1 - a_d^2)]
 * with log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)) for stability, and it is mapped to the
 * env's bounds affinely. Deterministic actions are tanh(mu).
 * Critics: two MLPs (obs, a) -> Q with Polyak-averaged targets (tau). Per update (utd updates per
 * environment step after learning_starts steps of uniform random actions):
 *   y = R + disc (min_k Q_target_k(s', a') - alpha log pi(a'|s')),  a' ~ pi(.|s')
 *   critic loss = losses.critic(Q_1(s, a), y) + losses.critic(Q_2(s, a), y)   (mse by default)
 *   actor loss  = losses sac_actor: mean(alpha log pi(a~|s) - min_k Q_k(s, a~)), a~ ~ pi(.|s); the
 *                 gradient reaches the actor through the critics' input gradient dQ/da
 *   temperature = losses sac_alpha: -mean log_alpha (log pi + target_entropy), target -scale |A|
 * where R, disc are the (n-step) return and discount of replay/replay.h: disc = 0 after a
 * termination, truncation bootstraps from the final observation. Three Adam optimizers (actor,
 * critics, log_alpha). With sac.threads = 2 every step of an update runs on two threads (one worker
 * created at init, synchronised by spinning then a condition variable): the policy at s' beside
 * the actor's forward at s, each twin critic and its target with its own Adam and Polyak half,
 * each actor layer's input and parameter gradients, the halves of the actor's Adam step. Each
 * float gets the same operations either way: sac.threads 1 and 2 give the same run (par_run).
 * Auxiliary heads (`aux:`, addons/aux.h, docs/aux-heads.md) attach to the actor's hidden layers,
 * the only observation-only encoder here (the critics read (obs, a) from their first layer): h
 * is the actor's last hidden layer on the minibatch's observations. The heads see each sampled
 * transition's first step as stored (s_t, a_t in [-1, 1] before the map to the env's bounds,
 * r_t, s_{t+1}) and s_{t+k} from the same env's later slots (replay_buffer_later). They are
 * trained with the actor: at each actor update dh joins the actor's gradient at h in the same
 * backward pass and the heads take an Adam step of the actor's settings at the same time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addons/aux.h"
#include "addons/her.h"
#include "agents/dataparallel.h"
#include "algos/encoder.h"
#include "algos/offpolicy.h"
#include "core/limits.h"
#include "core/arena.h"
#include "core/twin.h"
#include "core/mathx.h"
#include "losses/loss.h"
#include "replay/replay.h"

/* ---- the config: the sac: section (its loss slot losses.critic is the family's) ------------------ */

#define SAC_FIELDS(X, S)                                                                     \
    X(S, double, actor_lr, F64, 3e-4, NULL, 0, 1, NULL, "actor Adam learning rate")               \
    X(S, double, critic_lr, F64, 1e-3, NULL, 0, 1, NULL, "critics' Adam learning rate")           \
    X(S, double, alpha_lr, F64, 1e-3, NULL, 0, 1, NULL, "temperature Adam learning rate")         \
    X(S, int64_t, buffer_size, I64, 1000000, NULL, 1, 1e9, NULL, "replay capacity (transitions)") \
    X(S, int64_t, batch_size, I64, 256, NULL, 1, 65536, NULL, "minibatch size")                     \
    X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")                                   \
    X(S, double, tau, F64, 0.005, NULL, 0, 1, NULL, "Polyak rate of the target critics")           \
    X(S, int64_t, learning_starts, I64, 5000, NULL, 0, 1e13, NULL,                                  \
      "steps of uniform random actions before the first update")                                 \
    X(S, double, utd, F64, 1.0, NULL, 0, 1e4, NULL, "update-to-data ratio: updates per env step")  \
    X(S, int64_t, policy_frequency, I64, 1, NULL, 1, 1e6, NULL, "critic updates per actor update") \
    X(S, bool, autotune, BOOL, 1, NULL, 0, 1, NULL, "learn the temperature alpha")                 \
    X(S, double, alpha, F64, 1.0, NULL, 0, 1e6, NULL, "temperature: initial (autotune) or fixed")  \
    X(S, double, target_entropy_scale, F64, 1.0, NULL, 0, 1e3, NULL,                                \
      "target entropy = -scale * dim(A)")                                                        \
    X(S, double, log_std_min, F64, -20, NULL, -100, 100, NULL, "lower clamp of the actor log-std") \
    X(S, double, log_std_max, F64, 2, NULL, -100, 100, NULL, "upper clamp of the actor log-std")  \
    X(S, int64_t, n_step, I64, 1, NULL, 1, 1000, NULL, "n-step returns, cut at episode ends")      \
    X(S, int64_t, threads, I64, RL_CFG_AUTO, NULL, 1, 2, "auto",                                    \
      "2 = each update on two threads (twin critics, actor layers; same results); auto = 2 with 2 "  \
      "usable CPUs")
RL_CFG_SECTION_TYPE(sac_cfg, SAC_FIELDS);
static const rl_config_section sac_section = RL_CFG_SECTION_INIT("sac", sac_cfg, SAC_FIELDS);

/* the critic's loss slot, `losses.critic`, is the family's (offp_critic_losses_section) */

static const sac_cfg *sac_of(const rl_config *cfg) { return rl_config_section_of(cfg, &sac_section); }

static rl_status sac_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    const sac_cfg *c = sac_of(cfg);
    return rl_limit_check_replay(cfg->source[0] ? cfg->source : "config", "sac", c->batch_size, c->buffer_size,
                                 c->n_step, cfg->env.num_envs, err, err_sz);
}

#define LOG_2PI 1.8378770664093453
#define LOG_2 0.6931471805599453

typedef struct sac sac;

/* a step of the update over the twin index k = 0, 1 (see par_run) */
typedef void (*sac_job)(sac *p, int k);


struct sac {
    int obs_dim, A, SA, n_envs, B;
    float gamma, tau, utd, log_alpha, alpha, target_entropy, log_std_min, log_std_max;
    bool autotune;
    int64_t learning_starts, policy_freq;
    float *act_center, *act_half;     /* (A) env action = center + half * a */
    loss_spec critic_loss, actor_loss, alpha_loss;
    nn_mlp actor, q[2], qt[2], qng[2];   /* qng: the critics without gradients (actor pass) */
    float *aparams, *agrads, *cparams, *cgrads, *ctparams;
    size_t n_actor, n_critic;         /* n_critic: both critics */
    float la_param[1], la_grad[1];
    nn_adam actor_opt, critic_opt, alpha_opt;
    nn_mlp_cache c_actor, c_actor_next, c_q[2], c_qt[2], c_qpi[2];
    rl_arena arena;
    rl_rng rng;
    replay_buffer buf;
    her_relabeler her;                /* her: (addons/her.h) */
    replay_batch batch;
    int64_t env_steps, updates, nonfinite_skips;
    double credit;
    rl_twin worker;                   /* sac.threads = 2: runs k = 1 of each parallel step */
    sac_job job;                      /* the parallel step being run */
    int threads;
    /* per-step */
    float *step_obs, *step_act, *next_fix;      /* (N, D), (N, A), (N, D) */
    float *act_eps, *act_a, *act_logp, *act_u;  /* (maxb, A) x3 and (maxb) */
    /* per-update */
    float *eps, *a, *u, *stdv, *logp;           /* (B, A) x4, (B) */
    float *sa, *sa_next, *sa_pi;                /* (B, SA) */
    float *y, *qv[2], *dq[2], *qloss;           /* (B), (B) x2, (B) x2, (2) */
    float *qmin, *dqmin, *dlogp, *da, *dsa[2], *dact;   /* (B) (B) (B) (B, A) (B, SA) x2 (B, 2A) */
    /* the actor pass's own buffers (it overlaps the targets' policy sample) */
    float *par_block;                           /* owns the five below */
    float *eps2, *pa, *pu, *pstdv, *plogp;      /* (B, A) x4, (B) */
    const float *peps, *pout, *tq[2], *pq[2];   /* the actor pass's noise and outputs; critic outputs */
    int pb;                                     /* the actor pass's batch */
    int blayer;                                 /* the actor layer job_actor_layer is at */
    const float *bobs, *bdact;                  /* the actor backward's input and extra gradient */
    bool do_actor;                              /* this update steps the actor */
    bool finite[2];                             /* each half of a gradient is finite */
    /* auxiliary heads on the actor's last hidden layer */
    offp_aux ax;
    nn_mlp enc;                       /* the encoder: the actor's hidden layers, a prefix of aparams */
};

enum { ST_CRITIC, ST_ACTOR, ST_ALPHA, ST_ENTROPY, ST_QMEAN, ST_SKIPPED, ST_COUNT };

/* ---- the squashed Gaussian policy -------------------------------------------------------- */

/* out (n, 2A) = (mu, log_std), eps (n, A) -> a (n, A), u (n, A), std (n, A), logp (n) */
static void policy_sample(const sac *p, const float *out, const float *eps, int n, float *a, float *u,
                          float *stdv, float *logp)
{
    const int A = p->A;
    for (int i = 0; i < n; i++) {
        const float *mu = out + (size_t)i * 2 * A, *ls = mu + A;
        double lp = 0.0;
        for (int d = 0; d < A; d++) {
            float l = rl_clampf(ls[d], p->log_std_min, p->log_std_max), s = expf(l);
            float e = eps[(size_t)i * A + d], x = mu[d] + s * e;
            float t = tanhf(x);
            u[(size_t)i * A + d] = x;
            a[(size_t)i * A + d] = t;
            stdv[(size_t)i * A + d] = s;
            double corr = 2.0 * (LOG_2 - x - rl_softplus(-2.0f * x));   /* log(1 - tanh(x)^2) */
            lp += -0.5 * (double)e * e - l - 0.5 * LOG_2PI - corr;
        }
        logp[i] = (float)lp;
    }
}

/* dout (n, 2A) = dJ/d(mu, log_std) from da (n, A) = dJ/da and dlogp (n) = dJ/dlogp */
static void policy_backward(const sac *p, float *dout, const float *out, const float *eps, const float *a,
                            const float *stdv, const float *da, const float *dlogp, int n)
{
    const int A = p->A;
    for (int i = 0; i < n; i++) {
        const float *ls = out + (size_t)i * 2 * A + A;
        float *dmu = dout + (size_t)i * 2 * A, *dls = dmu + A;
        for (int d = 0; d < A; d++) {
            size_t k = (size_t)i * A + d;
            float t = a[k];
            /* d(-log(1 - tanh(u)^2))/du = 2 tanh(u) */
            float du = (da ? da[k] * (1.0f - t * t) : 0.0f) + dlogp[i] * 2.0f * t;
            dmu[d] = du;
            bool clamped = ls[d] < p->log_std_min || ls[d] > p->log_std_max;
            dls[d] = clamped ? 0.0f : du * eps[k] * stdv[k] - dlogp[i];
        }
    }
}

/* ---- lifecycle --------------------------------------------------------------------------- */

static void sac_destroy(void *self)
{
    sac *p = self;
    if (!p) return;
    rl_twin_stop(&p->worker);
    free(p->aparams);
    free(p->agrads);
    free(p->cparams);
    free(p->cgrads);
    free(p->ctparams);
    free(p->act_center);
    free(p->act_half);
    free(p->par_block);
    nn_adam_free(&p->actor_opt);
    nn_adam_free(&p->critic_opt);
    nn_adam_free(&p->alpha_opt);
    offp_aux_free(&p->ax);
    rl_arena_free(&p->arena);
    replay_buffer_free(&p->buf);
    replay_batch_free(&p->batch);
    free(p);
}

/* the heads on the actor's last hidden layer, their Adam (the actor's settings) and the
 * minibatch fields they read; after the networks (the heads draw from their own RNG) */
static rl_status sac_aux_init(sac *p, const rl_config *cfg, char *err, size_t err_sz)
{
    const nn_mlp *a = &p->actor;
    RL_ASSERT(a->n_layers >= 2);
    int nh = a->n_layers - 1;
    nn_mlp_shape(&p->enc, p->obs_dim, a->sizes + 1, nh - 1, a->sizes[nh], a->hidden_act, a->hidden_act);
    nn_mlp_bind(&p->enc, p->aparams, p->agrads);   /* layer l's weight and bias sit where the actor's do */
    RL_ASSERT(p->enc.w[nh - 1] == a->w[nh - 1]);
    int rows = (int)(p->buf.rows < 1000000000 ? p->buf.rows : 1000000000);
    aux_shape sh = {.obs_dim = p->obs_dim, .K = 0, .adim = p->A, .max_batch = p->B, .horizon = rows,
                    .horizon_name = "replay buffer's length per env (sac.buffer_size / num_envs)",
                    .act = a->hidden_act};
    return offp_aux_init(&p->ax, cfg, &p->enc, &sh, (float)sac_of(cfg)->actor_lr, 1e-8f, err, err_sz);
}

static int sac_extra_stats(void *self, const char **names, int max)
{
    sac *p = self;
    return offp_aux_stat_names(&p->ax, names, max);
}

/* the actor pass's own noise and sample buffers, so that it can run beside the targets' */
static void sac_par_init(sac *p)
{
    size_t ba = (size_t)p->B * (size_t)p->A;
    p->par_block = rl_xcalloc(4 * ba + (size_t)p->B, sizeof(float));
    p->eps2 = p->par_block;
    p->pa = p->eps2 + ba;
    p->pu = p->pa + ba;
    p->pstdv = p->pu + ba;
    p->plogp = p->pstdv + ba;
}

/* ---- the steps of sac_create ------------------------------------------------------------ */

/* the spaces and the config values SAC cannot run with, checked before anything is allocated */
static rl_status sac_check_spaces(const rl_config *cfg, const env_space *obs_space, const env_space *act_space,
                                  const char *src, char *err, size_t err_sz)
{
    if (act_space->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo sac needs a Box action space", src);
    if (obs_space->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo sac: observations must be a Box", src);
    for (int d = 0; d < act_space->dim; d++)
        if (!isfinite(act_space->low[d]) || !isfinite(act_space->high[d]) || act_space->high[d] <= act_space->low[d])
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo sac needs finite action bounds (dimension %d)", src, d);
    if (sac_of(cfg)->log_std_min >= sac_of(cfg)->log_std_max)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: sac.log_std_min must be below sac.log_std_max", src);
    return RL_OK;
}

extern const agent_algo agent_sac;   /* below: its loss slot */

/* the three losses, the activation and the memory the buffer and the caches will take */
static rl_status sac_losses_and_limits(sac *p, const rl_config *cfg, const env_space *obs_space,
                                       const env_space *act_space, nn_act *act, const char *src,
                                       char *err, size_t err_sz)
{
    rl_status st;
    const char *ka[] = {"alpha"}, *ke[] = {"target_entropy"};
    double va[] = {sac_of(cfg)->alpha};
    double ve[] = {-sac_of(cfg)->target_entropy_scale * act_space->dim};
    if ((st = agent_slot_loss(&p->critic_loss, &agent_sac, 0, cfg, err, err_sz)) ||
        (st = loss_spec_make(&p->actor_loss, LOSS_KINDS(LOSS_KIND_KERNEL), "sac_actor", ka, va, 1, "sac.alpha", err, err_sz)) ||
        (st = loss_spec_make(&p->alpha_loss, LOSS_KINDS(LOSS_KIND_KERNEL), "sac_alpha", ke, ve, 1,
                             "sac.target_entropy_scale", err, err_sz)))
        return st;
    if (nn_act_from_name(cfg->network.activation, act) != 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: network.activation: unknown '%s'", src, cfg->network.activation);
    return offp_ac_limits(src, "sac", sac_of(cfg)->buffer_size, sac_of(cfg)->batch_size, &cfg->network.hidden,
                          obs_space->dim, act_space->dim, 2 * act_space->dim, err, err_sz);
}

/* the scalar settings and the action bounds' centre and half-width */
static void sac_settings(sac *p, const rl_config *cfg, const env_space *obs_space, const env_space *act_space,
                         int n_envs)
{
    p->obs_dim = obs_space->dim;
    p->A = act_space->dim;
    p->SA = p->obs_dim + p->A;
    p->n_envs = n_envs;
    p->B = (int)sac_of(cfg)->batch_size;
    p->gamma = (float)sac_of(cfg)->gamma;
    p->tau = (float)sac_of(cfg)->tau;
    p->utd = (float)sac_of(cfg)->utd;
    p->alpha = (float)sac_of(cfg)->alpha;
    p->log_alpha = logf(p->alpha > 0 ? p->alpha : 1e-30f);
    p->autotune = sac_of(cfg)->autotune;
    p->target_entropy = loss_spec_param(&p->alpha_loss, "target_entropy");
    p->log_std_min = (float)sac_of(cfg)->log_std_min;
    p->log_std_max = (float)sac_of(cfg)->log_std_max;
    p->learning_starts = sac_of(cfg)->learning_starts;
    p->policy_freq = sac_of(cfg)->policy_frequency;
    p->threads = (int)sac_of(cfg)->threads;
    offp_action_bounds(act_space, &p->act_center, &p->act_half);
}

/* the actor and the twin critics (and their targets) in flat buffers, initialised from p->rng */
static void sac_networks(sac *p, const rl_config *cfg, nn_act act)
{
    int hidden[RL_LIST_MAX], nh = cfg->network.hidden.n;
    for (int i = 0; i < nh; i++) hidden[i] = (int)cfg->network.hidden.v[i];
    nn_mlp_shape(&p->actor, p->obs_dim, hidden, nh, 2 * p->A, act, NN_ACT_NONE);
    for (int k = 0; k < 2; k++) {
        nn_mlp_shape(&p->q[k], p->SA, hidden, nh, 1, act, NN_ACT_NONE);
        p->qt[k] = p->qng[k] = p->q[k];
    }
    p->n_actor = p->actor.n_params;
    size_t nq = p->q[0].n_params;
    p->n_critic = 2 * nq;
    p->aparams = rl_xcalloc(p->n_actor, sizeof(float));
    p->agrads = rl_xcalloc(p->n_actor, sizeof(float));
    p->cparams = rl_xcalloc(p->n_critic, sizeof(float));
    p->cgrads = rl_xcalloc(p->n_critic, sizeof(float));
    p->ctparams = rl_xcalloc(p->n_critic, sizeof(float));
    nn_mlp_bind(&p->actor, p->aparams, p->agrads);
    for (int k = 0; k < 2; k++) {
        nn_mlp_bind(&p->q[k], p->cparams + k * nq, p->cgrads + k * nq);
        nn_mlp_bind(&p->qng[k], p->cparams + k * nq, NULL);
        nn_mlp_bind(&p->qt[k], p->ctparams + k * nq, NULL);
    }
    rl_rng_seed(&p->rng, rl_seed_derive((uint64_t)cfg->root.seed, 1), 1);
    nn_mlp_init_torch_default(&p->actor, &p->rng);
    nn_mlp_init_torch_default(&p->q[0], &p->rng);
    nn_mlp_init_torch_default(&p->q[1], &p->rng);
    memcpy(p->ctparams, p->cparams, p->n_critic * sizeof(float));
    p->la_param[0] = p->log_alpha;
}

/* the three optimizers, the replay buffer and the batch */
static rl_status sac_buffers(sac *p, const rl_config *cfg, int n_envs, char *err, size_t err_sz)
{
    rl_status st;
    replay_config rc;
    offp_replay_config(&rc, sac_of(cfg)->buffer_size, n_envs, p->obs_dim, p->A, (int)sac_of(cfg)->n_step,
                       p->gamma);   /* the stored action is the squashed tanh(u) */
    if ((st = nn_adam_init(&p->actor_opt, p->n_actor, (float)sac_of(cfg)->actor_lr, 0.9f, 0.999f, 1e-8f, err, err_sz)) ||
        (st = nn_adam_init(&p->critic_opt, p->n_critic, (float)sac_of(cfg)->critic_lr, 0.9f, 0.999f, 1e-8f, err, err_sz)) ||
        (st = nn_adam_init(&p->alpha_opt, 1, (float)sac_of(cfg)->alpha_lr, 0.9f, 0.999f, 1e-8f, err, err_sz)) ||
        (st = replay_buffer_init(&p->buf, &rc, err, err_sz)) ||
        (st = replay_batch_init(&p->batch, p->B, p->obs_dim, p->A, err, err_sz))) {
        return st;
    }
    return RL_OK;
}

/* the auxiliary heads on the actor's last hidden layer (aux:) */
static rl_status sac_attach_aux(sac *p, const rl_config *cfg, const char *src, char *err, size_t err_sz)
{
    if (cfg->network.hidden.n < 1)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: aux: the heads read the actor's last hidden layer: network.hidden needs at least one layer", src);
    return sac_aux_init(p, cfg, err, err_sz);
}

/* the arena: every activation cache and per-step or per-batch scratch array, sized once */
static rl_status sac_scratch(sac *p, int n_envs, char *err, size_t err_sz)
{
    rl_status st;
    int maxb = n_envs > AGENT_EVAL_BATCH ? n_envs : AGENT_EVAL_BATCH;
    int B = p->B, A = p->A, D = p->obs_dim, SA = p->SA, N = n_envs;
    size_t fa = nn_mlp_cache_floats(&p->actor, maxb > B ? maxb : B), fq = nn_mlp_cache_floats(&p->q[0], B);
    size_t fan = nn_mlp_cache_floats(&p->actor, B);
    size_t need = rl_arena_need(fa * 4) + rl_arena_need(fan * 4) + 6 * rl_arena_need(fq * 4) +
                  2 * rl_arena_need((size_t)N * D * 4) + rl_arena_need((size_t)N * A * 4) +
                  3 * rl_arena_need((size_t)maxb * A * 4) + rl_arena_need((size_t)maxb * 4) +
                  4 * rl_arena_need((size_t)B * A * 4) + rl_arena_need((size_t)B * 4) + 3 * rl_arena_need((size_t)B * SA * 4) +
                  9 * rl_arena_need((size_t)B * 4) + rl_arena_need(2 * 4) + rl_arena_need((size_t)B * A * 4) +
                  2 * rl_arena_need((size_t)B * SA * 4) + rl_arena_need((size_t)B * 2 * A * 4);
    if ((st = rl_arena_init(&p->arena, need, err, err_sz))) {
        return st;
    }
    rl_arena *ar = &p->arena;
    nn_mlp_cache_bind(&p->c_actor, &p->actor, rl_arena_floats(ar, fa), maxb > B ? maxb : B);
    nn_mlp_cache_bind(&p->c_actor_next, &p->actor, rl_arena_floats(ar, fan), B);
    for (int k = 0; k < 2; k++) {
        nn_mlp_cache_bind(&p->c_q[k], &p->q[k], rl_arena_floats(ar, fq), B);
        nn_mlp_cache_bind(&p->c_qt[k], &p->qt[k], rl_arena_floats(ar, fq), B);
        nn_mlp_cache_bind(&p->c_qpi[k], &p->qng[k], rl_arena_floats(ar, fq), B);
    }
    p->step_obs = rl_arena_floats(ar, (size_t)N * D);
    p->next_fix = rl_arena_floats(ar, (size_t)N * D);
    p->step_act = rl_arena_floats(ar, (size_t)N * A);
    p->act_eps = rl_arena_floats(ar, (size_t)maxb * A);
    p->act_a = rl_arena_floats(ar, (size_t)maxb * A);
    p->act_u = rl_arena_floats(ar, (size_t)maxb * A);
    p->act_logp = rl_arena_floats(ar, maxb);
    p->eps = rl_arena_floats(ar, (size_t)B * A);
    p->a = rl_arena_floats(ar, (size_t)B * A);
    p->u = rl_arena_floats(ar, (size_t)B * A);
    p->stdv = rl_arena_floats(ar, (size_t)B * A);
    p->logp = rl_arena_floats(ar, B);
    p->sa = rl_arena_floats(ar, (size_t)B * SA);
    p->sa_next = rl_arena_floats(ar, (size_t)B * SA);
    p->sa_pi = rl_arena_floats(ar, (size_t)B * SA);
    p->y = rl_arena_floats(ar, B);
    for (int k = 0; k < 2; k++) p->qv[k] = rl_arena_floats(ar, B), p->dq[k] = rl_arena_floats(ar, B);
    p->qmin = rl_arena_floats(ar, B);
    p->dqmin = rl_arena_floats(ar, B);
    p->dlogp = rl_arena_floats(ar, B);
    p->qloss = rl_arena_floats(ar, 2);
    p->da = rl_arena_floats(ar, (size_t)B * A);
    for (int k = 0; k < 2; k++) p->dsa[k] = rl_arena_floats(ar, (size_t)B * SA);
    p->dact = rl_arena_floats(ar, (size_t)B * 2 * A);
    return RL_OK;
}

/* the worker of sac.threads = 2 updates with denormals flushed, as the caller does */
static void sac_worker_init(void) { FTZ_SET_THREAD(); }

static rl_status sac_create(void **self, const rl_config *cfg, const env_space *obs_space,
                            const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    rl_status st = sac_check_spaces(cfg, obs_space, act_space, src, err, err_sz);
    if (st == RL_OK) st = algo_encoder_refuse(cfg, obs_space, "sac", err, err_sz);   /* no image encoder yet */
    if (st) return st;
    sac *p = rl_xcalloc(1, sizeof *p);
    nn_act act;
    if ((st = sac_losses_and_limits(p, cfg, obs_space, act_space, &act, src, err, err_sz))) {
        free(p);
        return st;
    }
    sac_settings(p, cfg, obs_space, act_space, n_envs);
    sac_networks(p, cfg, act);
    sac_par_init(p);
    if ((st = sac_buffers(p, cfg, n_envs, err, err_sz)) ||
        (st = her_init(&p->her, cfg, obs_space, &p->buf.cfg, "sac", err, err_sz)) ||
        (cfg->aux.n > 0 && (st = sac_attach_aux(p, cfg, src, err, err_sz))) ||
        (st = sac_scratch(p, n_envs, err, err_sz)) ||
        (p->threads == 2 && (st = rl_twin_start(&p->worker, sac_worker_init, err, err_sz)))) {
        sac_destroy(p);
        return st;
    }
    fprintf(stderr, "sac: replay buffer of %lld transitions (obs %d, action %d, n_step %d): %.1f MB\n",
           (long long)p->buf.cfg.capacity, p->obs_dim, p->A, (int)sac_of(cfg)->n_step, replay_buffer_bytes(&p->buf) / 1048576.0);
    *self = p;
    return RL_OK;
}

/* ---- acting ------------------------------------------------------------------------------ */

static void sac_act(void *self, const float *obs, int n, float *actions, bool explore)
{
    sac *p = self;
    const int A = p->A;
    float *a = p->act_a;
    if (explore && p->env_steps < p->learning_starts) {
        for (int i = 0; i < n * A; i++) a[i] = (float)rl_rng_uniform(&p->rng, -1.0, 1.0);
    } else {
        const float *out = nn_mlp_forward(&p->c_actor, &p->actor, obs, n);   // (n, 2A)
        if (explore) {
            offp_fill_normal(p->act_eps, (size_t)n * A, &p->rng);
            policy_sample(p, out, p->act_eps, n, a, p->act_u, p->act_u, p->act_logp);
        } else {
            for (int i = 0; i < n; i++)
                for (int d = 0; d < A; d++) a[(size_t)i * A + d] = tanhf(out[(size_t)i * 2 * A + d]);
        }
    }
    offp_to_env(actions, a, n, A, p->act_center, p->act_half);
    if (!explore) return;
    RL_ASSERT(n == p->n_envs);
    memcpy(p->step_obs, obs, (size_t)n * p->obs_dim * sizeof(float));
    memcpy(p->step_act, a, (size_t)n * A * sizeof(float));
}

/* agent_algo.act_sample: a policy sample drawn with rng, nothing remembered */
static void sac_act_sample(void *self, const float *obs, int n, float *actions, rl_rng *rng)
{
    sac *p = self;
    const float *out = nn_mlp_forward(&p->c_actor, &p->actor, obs, n);   // (n, 2A)
    offp_fill_normal(p->act_eps, (size_t)n * p->A, rng);
    policy_sample(p, out, p->act_eps, n, p->act_a, p->act_u, p->act_u, p->act_logp);
    offp_to_env(actions, p->act_a, n, p->A, p->act_center, p->act_half);
}

static void sac_observe(void *self, const env_vec *v)
{
    sac *p = self;
    offp_store_step(&p->buf, p->step_obs, p->step_act, p->next_fix, p->n_envs, p->obs_dim, v);
    p->env_steps += p->n_envs;
}

/* ---- learning ---------------------------------------------------------------------------- */

/* ---- the update's steps ------------------------------------------------------------------ */

/* the actor's gradient in two halves: k's half is finite */
static void job_actor_finite(sac *p, int k)
{
    size_t h = p->n_actor / 2, lo = k ? h : 0, hi = k ? p->n_actor : h;
    p->finite[k] = rl_all_finite(p->agrads + lo, hi - lo);
}

/* the actor's Adam step (ticked by the caller) on k's half */
static void job_actor_step(sac *p, int k)
{
    size_t h = p->n_actor / 2;
    nn_adam_apply(&p->actor_opt, p->aparams, p->agrads, k ? h : 0, k ? p->n_actor : h);
}

/* Each parallel step is a job over the twin index k = 0, 1 that writes only k's buffers and reads
 * nothing the other k writes in the same step. With sac.threads = 2 the worker runs k = 1 while the
 * caller runs k = 0; with 1 the caller runs k = 0 then k = 1. Every float gets the same operations
 * in the same order either way, so both thread counts give the same run. */
static void par_trampoline(void *ctx, int k)
{
    sac *p = ctx;
    p->job(p, k);
}

static void par_run(sac *p, sac_job job)
{
    p->job = job;
    rl_twin_run(&p->worker, par_trampoline, p);
}

/* the actor's half of the actor pass on obs (B, D) with noise eps (B, A): its output, the squashed
 * sample into p->pa, p->pu, p->pstdv, p->plogp, and sa_pi = [obs | a] */
static void actor_front(sac *p, const float *obs, const float *eps, int B)
{
    p->pb = B;
    p->peps = eps;
    p->pout = nn_mlp_forward(&p->c_actor, &p->actor, obs, B);   // (B, 2A)
    policy_sample(p, p->pout, eps, B, p->pa, p->pu, p->pstdv, p->plogp);
    offp_concat(p->sa_pi, obs, p->pa, B, p->obs_dim, p->A);
}

/* k = 0: the policy at the next observations (targets); k = 1: the critics' input and, when the
 * actor steps, the actor pass's forward (the actor does not change before its own step) */
static void job_policy(sac *p, int k)
{
    const replay_batch *b = &p->batch;
    if (k == 0) {
        const float *out = nn_mlp_forward(&p->c_actor_next, &p->actor, b->next_obs, p->B);
        policy_sample(p, out, p->eps, p->B, p->a, p->u, p->stdv, p->logp);
        offp_concat(p->sa_next, b->next_obs, p->a, p->B, p->obs_dim, p->A);
        return;
    }
    offp_concat(p->sa, b->obs, b->actions, p->B, p->obs_dim, p->A);
    if (p->do_actor) actor_front(p, b->obs, p->eps2, p->B);
}

/* target critic k at (s', a') and critic k at (s, a) */
static void job_q_forward(sac *p, int k)
{
    p->tq[k] = nn_mlp_forward(&p->c_qt[k], &p->qt[k], p->sa_next, p->B);   // (B, 1)
    const float *q = nn_mlp_forward(&p->c_q[k], &p->q[k], p->sa, p->B);
    memcpy(p->qv[k], q, (size_t)p->B * sizeof(float));
}

/* critic k's loss against p->y and its gradient (its part of p->cgrads, zeroed first) */
static void job_critic_backward(sac *p, int k)
{
    const float *w = p->buf.cfg.prioritized ? p->batch.weights : NULL;
    p->qloss[k] = loss_value_eval(&p->critic_loss, p->qv[k], NULL, p->y, w, p->B, p->dq[k]);
    size_t nq = p->q[k].n_params;
    memset(p->cgrads + k * nq, 0, nq * sizeof(float));
    nn_mlp_backward(NULL, &p->c_q[k], &p->q[k], p->dq[k], p->sa, p->B);
    p->finite[k] = rl_all_finite(p->cgrads + k * nq, nq);
}

/* critic k's Adam step (ticked by the caller), its target's Polyak average and, when the actor
 * steps, critic k at the actor's action (it reads only critic k's new weights) */
static void job_critic_step(sac *p, int k)
{
    size_t nq = p->q[k].n_params;
    nn_adam_apply(&p->critic_opt, p->cparams, p->cgrads, k * nq, (k + 1) * nq);
    nn_polyak(p->ctparams + k * nq, p->cparams + k * nq, nq, p->tau);
    if (p->do_actor) p->pq[k] = nn_mlp_forward(&p->c_qpi[k], &p->qng[k], p->sa_pi, p->pb);
}

static void job_pi_q_forward(sac *p, int k)
{
    p->pq[k] = nn_mlp_forward(&p->c_qpi[k], &p->qng[k], p->sa_pi, p->pb);
}

/* dJ/d(s, a) through critic k where it gave the minimum (p->dqmin), into p->dsa[k] */
static void job_pi_q_backward(sac *p, int k)
{
    const float *q0 = p->pq[0], *q1 = p->pq[1];
    for (int i = 0; i < p->pb; i++) {
        bool first = q0[i] <= q1[i];
        p->dq[k][i] = first == (k == 0) ? p->dqmin[i] : 0.0f;
    }
    nn_mlp_backward(p->dsa[k], &p->c_qpi[k], &p->qng[k], p->dq[k], p->sa_pi, p->pb);
}

/* the actor loss from the critics' outputs at the actor's action; with backward, its gradients
 * with respect to log pi and min Q */
static float actor_loss(sac *p, bool backward)
{
    int B = p->pb;
    for (int i = 0; i < B; i++) p->qmin[i] = p->pq[0][i] < p->pq[1][i] ? p->pq[0][i] : p->pq[1][i];
    return loss_sac_actor(p->plogp, p->qmin, NULL, B, p->alpha, backward ? p->dlogp : NULL,
                          backward ? p->dqmin : NULL);
}

/* layer p->blayer of the actor's backward: k = 0 its input gradient, k = 1 its parameters' */
static void job_actor_layer(sac *p, int k)
{
    int l = p->blayer, at = p->actor.n_layers - 1;
    if (k == 0) nn_mlp_backward_input(NULL, &p->c_actor, &p->actor, l, at, p->bdact, p->pb);
    else nn_mlp_backward_params(&p->c_actor, &p->actor, p->bobs, l, p->pb);
}

/* nn_mlp_backward_add of the actor from p->dact, with dact (or NULL) at its last hidden layer,
 * each layer's two halves in parallel */
static void actor_backward(sac *p, const float *obs, const float *dact)
{
    p->bobs = obs;
    p->bdact = dact;
    nn_mlp_backward_top(&p->c_actor, &p->actor, p->dact, p->pb);
    for (p->blayer = p->actor.n_layers - 1; p->blayer >= 0; p->blayer--) par_run(p, job_actor_layer);
}

/* the actor's gradient into p->agrads (zeroed first) from the critics' input gradients; with
 * with_aux, the heads' loss on the batch gathered by offp_aux_gather goes into p->ax.total and
 * p->ax.loss, their gradient into aux_grads and, through h, into p->agrads */
static void actor_back(sac *p, const float *obs, bool with_aux)
{
    const int A = p->A, D = p->obs_dim, SA = p->SA, B = p->pb;
    for (int i = 0; i < B; i++)
        for (int d = 0; d < A; d++)
            p->da[(size_t)i * A + d] = p->dsa[0][(size_t)i * SA + D + d] + p->dsa[1][(size_t)i * SA + D + d];
    policy_backward(p, p->dact, p->pout, p->peps, p->pa, p->pstdv, p->da, p->dlogp, B);
    memset(p->agrads, 0, p->n_actor * sizeof(float));
    if (!with_aux) {
        actor_backward(p, obs, NULL);
        return;
    }
    /* the heads add the encoder gradient of their extra passes now; dh joins the actor's
     * gradient at its last hidden layer in the backward below */
    int at = p->actor.n_layers - 1;
    aux_batch ab = {.B = B, .obs = obs, .h = p->c_actor.act[at], .u = p->batch.actions, .r = p->ax.r,
                    .next = p->ax.next, .pos = p->ax.pos, .pos_ok = p->ax.pos_ok};
    bool touched;
    p->ax.total = aux_loss_grad(p->ax.aux, &ab, p->ax.dh, p->ax.loss, &touched);
    actor_backward(p, obs, touched ? p->ax.dh : NULL);
}

/* The actor objective on obs (B, D) with noise eps (B, A) in one go (the test hooks): fills p->pa,
 * p->plogp, p->qmin; with backward, writes the actor's gradient into p->agrads (and the heads'
 * with with_aux, as actor_back). Returns the loss. */
static float actor_pass(sac *p, const float *obs, const float *eps, int B, bool backward, bool with_aux)
{
    actor_front(p, obs, eps, B);
    par_run(p, job_pi_q_forward);
    float loss = actor_loss(p, backward);
    if (!backward) return loss;
    par_run(p, job_pi_q_backward);
    actor_back(p, obs, with_aux);
    return loss;
}

/* y = R + disc (min_k Q_target_k(s', a') - alpha log pi(a'|s')) */
static void soft_targets(sac *p)
{
    const replay_batch *b = &p->batch;
    for (int i = 0; i < p->B; i++) {
        float m = p->tq[0][i] < p->tq[1][i] ? p->tq[0][i] : p->tq[1][i];
        p->y[i] = b->returns[i] + b->discount[i] * (m - p->alpha * p->logp[i]);
    }
}

/* the actor's step after its forward (job_policy) and critic forward (job_critic_step), and the
 * temperature's */
/* the temperature's step towards the target entropy (autotune), on the actor step's log-probs */
static void temperature_update(sac *p)
{
    loss_sac_alpha(p->la_param[0], p->plogp, p->B, p->target_entropy, &p->la_grad[0]);
    agent_dp_grads(p->la_grad, 1, true);
    nn_adam_step(&p->alpha_opt, p->la_param, p->la_grad);
    p->log_alpha = p->la_param[0];
    p->alpha = expf(p->log_alpha);
}

/* the actor's step (with the aux heads' losses on its encoder; a non-finite loss or gradient
 * skips it), then the temperature's */
static void actor_update(sac *p, double *acc)
{
    const int B = p->B;
    float aloss = actor_loss(p, true);
    par_run(p, job_pi_q_backward);
    actor_back(p, p->batch.obs, p->ax.aux != NULL);
    bool aux_ok = !p->ax.aux || (isfinite(p->ax.total) && rl_all_finite(aux_grads(p->ax.aux), aux_n_params(p->ax.aux)));
    par_run(p, job_actor_finite);
    bool ok = agent_dp_grads(p->agrads, p->n_actor, isfinite(aloss) && p->finite[0] && p->finite[1] && aux_ok);
    if (p->ax.aux) ok = agent_dp_grads(aux_grads(p->ax.aux), aux_n_params(p->ax.aux), ok);
    if (!ok) {
        p->nonfinite_skips++;
        return;
    }
    nn_adam_tick(&p->actor_opt);
    par_run(p, job_actor_step);
    if (p->ax.aux) offp_aux_step(&p->ax);
    double ent = 0.0;
    for (int i = 0; i < B; i++) ent -= p->plogp[i];
    acc[ST_ACTOR] += aloss;
    acc[ST_ENTROPY] += ent / B;
    acc[ST_COUNT] += 1;   /* actor updates */
    if (p->autotune) temperature_update(p);
}

/* the minibatch and its noise, drawn first in the order of the algorithm (the actor's noise after
 * the targets'): the critics' reparameterised next actions (eps), and on an actor step the
 * actor's (eps2) and what the aux heads read; returns the RNG as it was before the
 * actor's draws, for a skipped update to draw none */
static rl_rng sample_minibatch(sac *p)
{
    const int B = p->B, A = p->A;
    replay_buffer_sample(&p->buf, &p->batch, B, 1.0f, &p->rng);
    her_relabel(&p->her, &p->buf, &p->batch, B, &p->rng);
    offp_fill_normal(p->eps, (size_t)B * A, &p->rng);
    p->do_actor = p->updates % p->policy_freq == 0;
    rl_rng before_actor = p->rng;
    if (p->do_actor) {
        offp_fill_normal(p->eps2, (size_t)B * A, &p->rng);
        if (p->ax.aux) offp_aux_gather(&p->ax, &p->buf, p->batch.idx, p->B, p->obs_dim);
    }
    return before_actor;
}

/* the twin critics' step on the soft Bellman targets (with the targets' Polyak average); false
 * when a non-finite loss or gradient (on any rank) skips the whole update */
static bool critic_update(sac *p, double *acc)
{
    const int B = p->B;
    par_run(p, job_policy);
    par_run(p, job_q_forward);
    soft_targets(p);
    par_run(p, job_critic_backward);
    float closs = p->qloss[0] + p->qloss[1];
    /* data-parallel: the mean of every rank's gradient (agents/dataparallel.h) */
    if (!agent_dp_grads(p->cgrads, p->n_critic, isfinite(closs) && p->finite[0] && p->finite[1])) return false;
    nn_adam_tick(&p->critic_opt);
    par_run(p, job_critic_step);
    double qm = 0.0;
    for (int i = 0; i < B; i++) qm += p->qv[0][i];
    acc[ST_CRITIC] += closs;
    acc[ST_QMEAN] += qm / B;
    return true;
}

/* One update, as in Haarnoja et al. (2018), Algorithm 1: a minibatch, the critics' step, and every
 * policy_frequency updates the actor's step and the temperature's (actor_update). */
static void update(sac *p, double *acc)
{
    rl_rng before_actor = sample_minibatch(p);
    if (!critic_update(p, acc)) {
        p->nonfinite_skips++;
        p->rng = before_actor;   /* a skipped update draws no actor noise */
        return;
    }
    if (p->do_actor) actor_update(p, acc);
    p->updates++;
}

static bool sac_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats)
{
    (void)v;
    (void)total_steps;
    sac *p = self;
    p->env_steps = step;
    if (step < p->learning_starts || replay_buffer_valid(&p->buf) < 1) return false;
    int n = offp_updates_due(&p->credit, p->utd, p->n_envs);
    if (n == 0) return false;
    double acc[ST_COUNT + 1] = {0};
    offp_aux_stats_reset(&p->ax);
    FTZ_ENTER();
    for (int i = 0; i < n; i++) update(p, acc);
    FTZ_LEAVE();
    double na = acc[ST_COUNT] > 0 ? acc[ST_COUNT] : NAN;
    stats[ST_CRITIC] = acc[ST_CRITIC] / n;
    stats[ST_ACTOR] = acc[ST_ACTOR] / na;
    stats[ST_ALPHA] = p->alpha;
    stats[ST_ENTROPY] = acc[ST_ENTROPY] / na;
    stats[ST_QMEAN] = acc[ST_QMEAN] / n;
    stats[ST_SKIPPED] = (double)p->nonfinite_skips;
    offp_aux_stats(&p->ax, stats, ST_COUNT);
    return true;
}

static int sac_dp_tensors(void *self, nn_tensor *t, int max)
{
    sac *p = self;
    RL_ASSERT(max >= 13);
    int n = 0;
    t[n++] = (nn_tensor){"actor", p->aparams, 1, {(int64_t)p->n_actor}};
    t[n++] = (nn_tensor){"critic", p->cparams, 1, {(int64_t)p->n_critic}};
    t[n++] = (nn_tensor){"critic_target", p->ctparams, 1, {(int64_t)p->n_critic}};
    t[n++] = (nn_tensor){"log_alpha", p->la_param, 1, {1}};
    nn_adam *opts[] = {&p->actor_opt, &p->critic_opt, &p->alpha_opt};
    n += offp_dp_adam(t + n, opts, 3);
    if (p->ax.aux) {
        t[n++] = (nn_tensor){"aux.params", aux_params(p->ax.aux), 1, {(int64_t)aux_n_params(p->ax.aux)}};
        t[n++] = (nn_tensor){"aux.adam.m", p->ax.opt.m, 1, {(int64_t)p->ax.opt.n}};
        t[n++] = (nn_tensor){"aux.adam.v", p->ax.opt.v, 1, {(int64_t)p->ax.opt.n}};
    }
    return n;
}

/* ---- test hooks -------------------------------------------------------------------------- */

double sac_actor_objective(void *sac_agent, const float *obs, const float *eps, int B, float *dactor)
{
    sac *p = sac_agent;
    RL_ASSERT(B <= p->B);
    float l = actor_pass(p, obs, eps, B, dactor != NULL, false);
    if (dactor) memcpy(dactor, p->agrads, p->n_actor * sizeof(float));
    return l;
}

float *sac_actor_params(void *sac_agent, size_t *n)
{
    sac *p = sac_agent;
    *n = p->n_actor;
    return p->aparams;
}

void sac_test_sample(void *sac_agent)
{
    sac *p = sac_agent;
    replay_buffer_sample(&p->buf, &p->batch, p->B, 1.0f, &p->rng);
    her_relabel(&p->her, &p->buf, &p->batch, p->B, &p->rng);
    offp_fill_normal(p->eps, (size_t)p->B * p->A, &p->rng);
    if (p->ax.aux) offp_aux_gather(&p->ax, &p->buf, p->batch.idx, p->B, p->obs_dim);
}

double sac_test_objective(void *sac_agent, float *dactor)
{
    sac *p = sac_agent;
    RL_ASSERT(p->ax.aux);
    float l = actor_pass(p, p->batch.obs, p->eps, p->B, true, true);
    if (dactor) memcpy(dactor, p->agrads, p->n_actor * sizeof(float));
    return (double)l + (double)p->ax.total;
}

aux_module *sac_test_aux(void *sac_agent) { return ((sac *)sac_agent)->ax.aux; }

/* ---- checkpoints ------------------------------------------------------------------------- */

#define SAC_MAX_TENSORS (2 * 5 * (NN_MAX_LAYERS + 1) + 11)

static int sac_tensors(sac *p, nn_tensor *t, char names[][48], bool train_state)
{
    int n = nn_mlp_tensors(t, names, "actor", &p->actor);
    n += nn_mlp_tensors(t + n, names + n, "q1", &p->q[0]);
    n += nn_mlp_tensors(t + n, names + n, "q2", &p->q[1]);
    t[n++] = (nn_tensor){"log_alpha", p->la_param, 1, {1}};
    if (train_state) {
        n += nn_mlp_tensors(t + n, names + n, "q1_target", &p->qt[0]);
        n += nn_mlp_tensors(t + n, names + n, "q2_target", &p->qt[1]);
        n += offp_ac_optim_tensors(t + n, &p->actor_opt, &p->critic_opt);
        t[n++] = (nn_tensor){"optim.alpha.m", p->alpha_opt.m, 1, {1}};
        t[n++] = (nn_tensor){"optim.alpha.v", p->alpha_opt.v, 1, {1}};
    }
    n += offp_aux_tensors(&p->ax, t + n, train_state);
    return n;
}

/* the metadata of a checkpoint, in the order it is written */
static offp_ckpt sac_ckpt(sac *p)
{
    return (offp_ckpt){.algo = "sac", .prefix = "sac", .rng = &p->rng, .n_fields = 6,
                       .fields = {{"sac.rng", NULL}, {"sac.actor_adam_t", &p->actor_opt.t},
                                  {"sac.critic_adam_t", &p->critic_opt.t}, {"sac.alpha_adam_t", &p->alpha_opt.t},
                                  {"sac.updates", &p->updates}, {"sac.env_steps", &p->env_steps}},
                       .ax = &p->ax, .aux_step = &p->actor_opt.t};   /* the heads step with the actor */
}

static rl_status sac_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err,
                          size_t err_sz)
{
    sac *p = self;
    nn_tensor t[SAC_MAX_TENSORS];
    char names[SAC_MAX_TENSORS][48];
    int n = sac_tensors(p, t, names, true);
    offp_ckpt c = sac_ckpt(p);
    return offp_ckpt_save(&c, path, t, n, extra, n_extra, err, err_sz);
}

static replay_buffer *sac_replay(void *self) { return &((sac *)self)->buf; }

static rl_status sac_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz)
{
    sac *p = self;
    nn_tensor t[SAC_MAX_TENSORS];
    char names[SAC_MAX_TENSORS][48];
    int n = sac_tensors(p, t, names, train_state);
    offp_ckpt c = sac_ckpt(p);
    rl_status st = offp_ckpt_load(&c, f, t, n, train_state, err, err_sz);
    if (st != RL_OK) return st;
    p->log_alpha = p->la_param[0];
    p->alpha = expf(p->log_alpha);
    if (!train_state) memcpy(p->ctparams, p->cparams, p->n_critic * sizeof(float));
    return RL_OK;
}

/* PEBBLE: every stored reward recomputed by fn, on the stored observation and the stored action
 * mapped back to the environment's scale (act_u is free scratch outside act()) */
static void sac_relabel(void *self, agent_reward_fn fn, void *ctx)
{
    sac *p = self;
    offp_relabel(&p->buf, p->obs_dim, p->A, p->act_center, p->act_half, p->act_u, fn, ctx);
}

const agent_algo agent_sac = {
    .name = "sac",
    .n_stats = ST_COUNT,
    .stat_names = {"critic_loss", "actor_loss", "alpha", "entropy", "q_mean", "skipped_updates"},
    .sections = (const rl_config_section *const[]){&sac_section, &offp_critic_losses_section, &her_section, NULL},
    .config_flags = RL_CFG_AUX_HEADS,
    .check_config = sac_check_config,
    .loss_slots = {{"losses.critic", NULL, NULL, LOSS_KINDS(LOSS_KIND_REGRESSION)}},
    .rates = {{"train/actor_lr", "sac.actor_lr"}, {"train/critic_lr", "sac.critic_lr"}},
    .create = sac_create,
    .act = sac_act,
    .act_sample = sac_act_sample,
    .observe = sac_observe,
    .learn = sac_learn,
    .save = sac_save,
    .load = sac_load,
    .destroy = sac_destroy,
    .extra_stats = sac_extra_stats,
    .dp_tensors = sac_dp_tensors,
    .relabel = sac_relabel,
    .replay = sac_replay,
};
