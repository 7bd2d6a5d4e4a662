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
 * critics, log_alpha; with sac.anneal_lr their rates fall linearly to 0 over total_steps, SB3's
 * lin_ schedule, set before each learn's updates from the step). With sac.threads = 2 every step of an update runs on two threads (one worker
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
 * backward pass and the heads take an Adam step of the actor's settings at the same time.
 * With sac.use_sde the actor explores with gSDE (algos/sac_sde.h, docs/offpolicy.md): its head is
 * the mean alone, a noise matrix on its last hidden layer is held between train points (one per env
 * copy; one per update for the targets' and the actor's samples), and log_std (hidden x action)
 * takes Adam steps with the actor. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addons/aux.h"
#include "addons/her.h"
#include "agents/dataparallel.h"
#include "algos/encoder.h"
#include "algos/offp_ac.h"
#include "algos/sac_sde.h"
#include "core/dist.h"
#include "core/mathx.h"
#include "losses/loss.h"

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
    OFFP_TRAIN_FREQUENCY_FIELDS(X, S)                                                             \
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
      "usable CPUs")                                                                              \
    X(S, bool, anneal_lr, BOOL, 0, NULL, 0, 1, NULL,                                                \
      "anneal the actor's, critics' and temperature's rates linearly to 0 over total_steps (SB3 lin_)") \
    X(S, bool, use_sde, BOOL, 0, NULL, 0, 1, NULL,                                                  \
      "gSDE: state-dependent exploration with a noise matrix on the actor's last hidden layer")  \
    X(S, double, log_std_init, F64, -3, NULL, -20, 2, NULL, "gSDE: initial log-std of the noise matrix") \
    X(S, int64_t, sde_sample_freq, I64, -1, NULL, -1, 1e6, NULL,                                    \
      "gSDE: -1 = new noise matrices at each train point only; k > 0 = also every k env steps")
RL_CFG_SECTION_TYPE(sac_cfg, SAC_FIELDS);
static const rl_config_section sac_section = RL_CFG_SECTION_INIT("sac", sac_cfg, SAC_FIELDS);

/* the critic's loss slot, `losses.critic`, is the family's (offp_critic_losses_section) */

static const sac_cfg *sac_of(const rl_config *cfg) { return rl_config_section_of(cfg, &sac_section); }
extern const agent_algo agent_sac;

/* What the shared actor-critic (algos/offp_ac.h) takes of the section: an actor of (mu, log_std),
 * twin critics with targets and no target actor; the checkpoint's own tensors and counter. */
static int sac_tensors(void *self, nn_tensor *t, char names[][48], bool train_state);
static void sac_loaded(void *self);
static offp_ac_settings base_settings(const rl_config *cfg)
{
    const sac_cfg *c = sac_of(cfg);
    return (offp_ac_settings){.algo = &agent_sac, .n_q = 2, .actor_out = c->use_sde ? 1 : 2,
                              .actor_out_act = NN_ACT_NONE, .anneal_lr = c->anneal_lr,
                              .actor_lr = c->actor_lr, .critic_lr = c->critic_lr, .gamma = c->gamma, .tau = c->tau,
                              .utd = c->utd, .buffer_size = c->buffer_size, .batch_size = c->batch_size,
                              .learning_starts = c->learning_starts, .policy_frequency = c->policy_frequency,
                              .n_step = c->n_step, .threads = c->threads, .train_frequency = c->train_frequency,
                              .train_per_episode = strcmp(c->train_frequency_unit, "episode") == 0,
                              .tensors = sac_tensors,
                              .counter = "alpha_adam_t", .loaded = sac_loaded};
}

/* gSDE's keys: a latent to put the noise on, a period, one process */
static rl_status sde_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    const sac_cfg *c = sac_of(cfg);
    if (!c->use_sde) return RL_OK;
    if (cfg->network.hidden.n < 1)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: sac.use_sde: gSDE's noise acts on the actor's last hidden "
                       "layer: network.hidden needs at least one layer", src);
    if (c->sde_sample_freq == 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: sac.sde_sample_freq: 0 is not a period; use -1 (new noise "
                       "matrices at each train point only) or k > 0 (also every k env steps)", src);
    if (rl_dist_size() > 1)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: sac.use_sde: gSDE is not supported in a data-parallel run "
                       "(%d processes); run one process or set sac.use_sde: false", src, rl_dist_size());
    return RL_OK;
}

static rl_status sac_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    offp_ac_settings s = base_settings(cfg);
    rl_status st = offp_ac_check_config(cfg, &s, err, err_sz);
    return st ? st : sde_check_config(cfg, err, err_sz);
}

#define LOG_2PI 1.8378770664093453
#define LOG_2 0.6931471805599453

/* the agent: the shared actor-critic first (its hooks take a sac as their offp_ac), then what is
 * SAC's own: the squashed Gaussian, the temperature and the steps of its update */
typedef struct {
    offp_ac ac;
    float log_alpha, alpha, target_entropy, log_std_min, log_std_max;
    bool autotune;
    loss_spec actor_loss, alpha_loss;
    float la_param[1], la_grad[1];
    nn_adam alpha_opt;
    float alpha_lr;                   /* sac.alpha_lr, the temperature's rate before any annealing */
    nn_mlp_cache c_actor_next, c_qpi[2];
    rl_arena arena;
    /* per-step */
    float *act_eps, *act_logp, *act_u;          /* (maxb, A) x2 and (maxb) */
    /* per-update */
    float *eps, *a, *u, *stdv, *logp;           /* (B, A) x4, (B) */
    float *qmin, *dqmin, *dlogp, *da, *dsa[2], *dact;   /* (B) (B) (B) (B, A) (B, SA) x2 (B, 2A) */
    /* the actor pass's own buffers (it overlaps the targets' policy sample) */
    float *par_block;                           /* owns the five below */
    float *eps2, *pa, *pu, *pstdv, *plogp;      /* (B, A) x4, (B) */
    const float *peps, *pout, *pq[2];           /* the actor pass's noise and outputs; critic outputs */
    int pb;                                     /* the actor pass's batch */
    int blayer;                                 /* the actor layer job_actor_layer is at */
    const float *bobs, *bdact;                  /* the actor backward's input and extra gradient */
    /* auxiliary heads on the actor's last hidden layer (ac.ax) */
    nn_mlp enc;                       /* the encoder: the actor's hidden layers, a prefix of aparams */
    /* gSDE (sac.use_sde, algos/sac_sde.h): the actor's head is the mean only */
    bool use_sde;
    sac_sde sde;
    float sde_since;                  /* sde.since as the checkpoint keeps it */
} sac;

enum { ST_CRITIC, ST_ACTOR, ST_ALPHA, ST_ENTROPY, ST_QMEAN, ST_SKIPPED, ST_COUNT };

/* Each parallel step is a job over the twin index k = 0, 1 that writes only k's buffers and reads
 * nothing the other k writes in the same step. With sac.threads = 2 the worker runs k = 1 while the
 * caller runs k = 0; with 1 the caller runs k = 0 then k = 1. Every float gets the same operations
 * in the same order either way, so both thread counts give the same run. */
static void par_run(sac *p, rl_twin_job job) { rl_twin_run(&p->ac.worker, job, p); }

/* ---- the squashed Gaussian policy -------------------------------------------------------- */

/* out (n, 2A) = (mu, log_std), eps (n, A) -> a (n, A), u (n, A), std (n, A), logp (n) */
static void policy_sample(const sac *p, const float *out, const float *eps, int n, float *a, float *u,
                          float *stdv, float *logp)
{
    const int A = p->ac.A;
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
    const int A = p->ac.A;
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

/* ---- gSDE (algos/sac_sde.h) ------------------------------------------------------------- */

/* the actor's latent: its last hidden layer's output in cache c (rows of sde.L) */
static const float *latent(const sac *p, const nn_mlp_cache *c) { return c->act[p->ac.actor.n_layers - 1]; }

/* the policy's sample at the actor's output out (n rows) of the forward in cache c: gSDE's with the
 * update's noise matrix (z2, noise: its buffers), or the squashed Gaussian's with eps */
static void sample_at(const sac *p, const nn_mlp_cache *c, const float *out, const float *eps, int n, float *a,
                      float *u, float *stdv, float *logp, float *z2, float *noise)
{
    if (p->use_sde)
        sde_sample(&p->sde, out, latent(p, c), n, z2, noise, u, a, stdv, logp);
    else
        policy_sample(p, out, eps, n, a, u, stdv, logp);
}

/* gSDE's state after the networks: log_std, its Adam (the actor's), the acting matrices */
static rl_status sac_sde_init(sac *p, const rl_config *cfg, char *err, size_t err_sz)
{
    const sac_cfg *c = sac_of(cfg);
    offp_ac *b = &p->ac;
    p->use_sde = true;
    int L = b->actor.sizes[b->actor.n_layers - 1];
    rl_status st = sde_init(&p->sde, L, b->A, b->n_envs, b->B, (float)c->log_std_init, c->sde_sample_freq,
                            (float)c->actor_lr, err, err_sz);
    if (st == RL_OK) sde_draw_act(&p->sde, &b->rng);
    return st;
}

/* ---- lifecycle --------------------------------------------------------------------------- */

static void sac_destroy(void *self)
{
    sac *p = self;
    if (!p) return;
    offp_ac_free(&p->ac);
    sde_free(&p->sde);
    free(p->par_block);
    nn_adam_free(&p->alpha_opt);
    rl_arena_free(&p->arena);
    free(p);
}

/* the config values SAC cannot run with (besides the spaces), checked before anything is allocated */
static rl_status sac_check_values(const rl_config *cfg, const env_space *obs_space, const char *src, char *err,
                                  size_t err_sz)
{
    if (sac_of(cfg)->log_std_min >= sac_of(cfg)->log_std_max)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: sac.log_std_min must be below sac.log_std_max", src);
    rl_status st = sde_check_config(cfg, err, err_sz);
    if (st) return st;
    return algo_encoder_refuse(cfg, obs_space, "sac", err, err_sz);   /* no image encoder yet */
}

/* the actor's and the temperature's losses, the temperature and the log-std clamp, and the
 * temperature's Adam */
static rl_status sac_temperature(sac *p, const rl_config *cfg, const env_space *act_space, char *err, size_t err_sz)
{
    const sac_cfg *c = sac_of(cfg);
    const char *ka[] = {"alpha"}, *ke[] = {"target_entropy"};
    double va[] = {c->alpha}, ve[] = {-c->target_entropy_scale * act_space->dim};
    rl_status st;
    if ((st = loss_spec_make(&p->actor_loss, LOSS_KINDS(LOSS_KIND_KERNEL), "sac_actor", ka, va, 1, "sac.alpha", err,
                             err_sz)) ||
        (st = loss_spec_make(&p->alpha_loss, LOSS_KINDS(LOSS_KIND_KERNEL), "sac_alpha", ke, ve, 1,
                             "sac.target_entropy_scale", err, err_sz)))
        return st;
    p->alpha = (float)c->alpha;
    p->log_alpha = logf(p->alpha > 0 ? p->alpha : 1e-30f);
    p->la_param[0] = p->log_alpha;
    p->autotune = c->autotune;
    p->target_entropy = loss_spec_param(&p->alpha_loss, "target_entropy");
    p->log_std_min = (float)c->log_std_min;
    p->log_std_max = (float)c->log_std_max;
    p->alpha_lr = (float)c->alpha_lr;
    return nn_adam_init(&p->alpha_opt, 1, (float)c->alpha_lr, 0.9f, 0.999f, 1e-8f, err, err_sz);
}

/* the actor pass's own noise and sample buffers, so that it can run beside the targets' */
static void sac_par_init(sac *p)
{
    size_t ba = (size_t)p->ac.B * (size_t)p->ac.A;
    p->par_block = rl_xcalloc(4 * ba + (size_t)p->ac.B, sizeof(float));
    p->eps2 = p->par_block;
    p->pa = p->eps2 + ba;
    p->pu = p->pa + ba;
    p->pstdv = p->pu + ba;
    p->plogp = p->pstdv + ba;
}

/* the heads on the actor's last hidden layer, their Adam (the actor's settings) and the
 * minibatch fields they read; after the networks (the heads draw from their own RNG) */
static rl_status sac_attach_aux(sac *p, const rl_config *cfg, const char *src, char *err, size_t err_sz)
{
    if (cfg->network.hidden.n < 1)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: aux: the heads read the actor's last hidden layer: network.hidden needs at least one layer", src);
    offp_ac *b = &p->ac;
    const nn_mlp *a = &b->actor;
    RL_ASSERT(a->n_layers >= 2);
    int nh = a->n_layers - 1;
    nn_mlp_shape(&p->enc, b->obs_dim, a->sizes + 1, nh - 1, a->sizes[nh], a->hidden_act, a->hidden_act);
    nn_mlp_bind(&p->enc, b->aparams, b->agrads);   /* layer l's weight and bias sit where the actor's do */
    RL_ASSERT(p->enc.w[nh - 1] == a->w[nh - 1]);
    int rows = (int)(b->buf.rows < 1000000000 ? b->buf.rows : 1000000000);
    aux_shape sh = {.obs_dim = b->obs_dim, .K = 0, .adim = b->A, .max_batch = b->B, .horizon = rows,
                    .horizon_name = "replay buffer's length per env (sac.buffer_size / num_envs)",
                    .act = a->hidden_act};
    return offp_aux_init(&b->ax, cfg, &p->enc, &sh, (float)sac_of(cfg)->actor_lr, 1e-8f, err, err_sz);
}

/* the arena of SAC's own caches and per-step or per-batch arrays, sized once */
static rl_status sac_scratch(sac *p, char *err, size_t err_sz)
{
    const offp_ac *b = &p->ac;
    int maxb = b->n_envs > AGENT_EVAL_BATCH ? b->n_envs : AGENT_EVAL_BATCH;
    int B = b->B, A = b->A, SA = b->SA;
    size_t fan = nn_mlp_cache_floats(&b->actor, B), fq = nn_mlp_cache_floats(&b->q[0], B);
    size_t need = rl_arena_need(fan * 4) + 2 * rl_arena_need(fq * 4) + 2 * rl_arena_need((size_t)maxb * A * 4) +
                  rl_arena_need((size_t)maxb * 4) + 5 * rl_arena_need((size_t)B * A * 4) +
                  4 * rl_arena_need((size_t)B * 4) + 2 * rl_arena_need((size_t)B * SA * 4) +
                  rl_arena_need((size_t)B * 2 * A * 4);
    rl_status st = rl_arena_init(&p->arena, need, err, err_sz);
    if (st) return st;
    rl_arena *ar = &p->arena;
    nn_mlp_cache_bind(&p->c_actor_next, &b->actor, rl_arena_floats(ar, fan), B);
    for (int k = 0; k < 2; k++) nn_mlp_cache_bind(&p->c_qpi[k], &b->qng[k], rl_arena_floats(ar, fq), B);
    p->act_eps = rl_arena_floats(ar, (size_t)maxb * A);
    p->act_u = rl_arena_floats(ar, (size_t)maxb * A);
    p->act_logp = rl_arena_floats(ar, maxb);
    p->eps = rl_arena_floats(ar, (size_t)B * A);
    p->a = rl_arena_floats(ar, (size_t)B * A);
    p->u = rl_arena_floats(ar, (size_t)B * A);
    p->stdv = rl_arena_floats(ar, (size_t)B * A);
    p->logp = rl_arena_floats(ar, B);
    p->qmin = rl_arena_floats(ar, B);
    p->dqmin = rl_arena_floats(ar, B);
    p->dlogp = rl_arena_floats(ar, B);
    p->da = rl_arena_floats(ar, (size_t)B * A);
    for (int k = 0; k < 2; k++) p->dsa[k] = rl_arena_floats(ar, (size_t)B * SA);
    p->dact = rl_arena_floats(ar, (size_t)B * 2 * A);
    return RL_OK;
}

static rl_status sac_create(void **self, const rl_config *cfg, const env_space *obs_space,
                            const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    rl_status st = offp_ac_check_spaces(&agent_sac, cfg, obs_space, act_space, src, err, err_sz);
    if (st == RL_OK) st = sac_check_values(cfg, obs_space, src, err, err_sz);
    if (st) return st;
    sac *p = rl_xcalloc(1, sizeof *p);
    offp_ac_settings s = base_settings(cfg);
    s.counter_value = &p->alpha_opt.t;
    if ((st = offp_ac_init(&p->ac, &s, cfg, obs_space, act_space, n_envs, err, err_sz)) ||
        (st = sac_temperature(p, cfg, act_space, err, err_sz))) {
        sac_destroy(p);
        return st;
    }
    sac_par_init(p);
    if ((sac_of(cfg)->use_sde && (st = sac_sde_init(p, cfg, err, err_sz))) ||
        (aux_cfg_of(cfg)->n > 0 && (st = sac_attach_aux(p, cfg, src, err, err_sz))) || (st = sac_scratch(p, err, err_sz)) ||
        (st = offp_ac_start(&p->ac, err, err_sz))) {
        sac_destroy(p);
        return st;
    }
    *self = p;
    return RL_OK;
}

/* ---- acting: a ~ pi(.|s) while training, tanh(mu) otherwise -------------------------------- */

/* gSDE's action into b->act_a: exploring, each env copy's noise matrix on the latent (a new set
 * every sde_sample_freq steps when k > 0), else tanh of the clipped mean */
static void sde_act(sac *p, const float *obs, int n, bool explore)
{
    offp_ac *b = &p->ac;
    sac_sde *s = &p->sde;
    const int A = b->A;
    const float *out = nn_mlp_forward(&b->c_actor, &b->actor, obs, n);   // (n, A)
    if (!explore) {
        for (int i = 0; i < n * A; i++) b->act_a[i] = tanhf(rl_clampf(out[i], -SDE_CLIP_MEAN, SDE_CLIP_MEAN));
        return;
    }
    RL_ASSERT(n == s->n_envs);
    if (s->sample_freq > 0 && s->since >= s->sample_freq) sde_draw_act(s, &b->rng);
    s->since++;
    sde_sample_rows(out, latent(p, &b->c_actor), s->act_E, n, s->L, A, p->act_eps, b->act_a);
}

static void sac_act(void *self, const float *obs, int n, float *actions, bool explore)
{
    sac *p = self;
    offp_ac *b = &p->ac;
    const int A = b->A;
    float *a = b->act_a;
    if (p->use_sde) {
        if (!offp_ac_act_uniform(b, n, explore)) sde_act(p, obs, n, explore);
    } else if (!offp_ac_act_uniform(b, n, explore)) {
        const float *out = nn_mlp_forward(&b->c_actor, &b->actor, obs, n);   // (n, 2A)
        if (explore) {
            offp_fill_normal(p->act_eps, (size_t)n * A, &b->rng);
            policy_sample(p, out, p->act_eps, n, a, p->act_u, p->act_u, p->act_logp);
        } else {
            for (int i = 0; i < n; i++)
                for (int d = 0; d < A; d++) a[(size_t)i * A + d] = tanhf(out[(size_t)i * 2 * A + d]);
        }
    }
    offp_ac_act_finish(b, obs, n, actions, explore);
}

/* agent_algo.act_sample: a policy sample drawn with rng, nothing remembered */
static void sac_act_sample(void *self, const float *obs, int n, float *actions, rl_rng *rng)
{
    sac *p = self;
    offp_ac *b = &p->ac;
    const float *out = nn_mlp_forward(&b->c_actor, &b->actor, obs, n);   // (n, 2A), with gSDE (n, A)
    if (p->use_sde) {   /* a new noise matrix per row and call: its marginal, sigma N(0, 1) */
        sde_sample_fresh(out, latent(p, &b->c_actor), p->sde.std, n, p->sde.L, b->A, rng, b->act_a);
    } else {
        offp_fill_normal(p->act_eps, (size_t)n * b->A, rng);
        policy_sample(p, out, p->act_eps, n, b->act_a, p->act_u, p->act_u, p->act_logp);
    }
    offp_to_env(actions, b->act_a, n, b->A, b->act_center, b->act_half);
}

/* ---- the update's steps ------------------------------------------------------------------ */

/* the actor's gradient in two halves: k's half is finite */
static void job_actor_finite(void *ctx, int k)
{
    offp_ac *b = &((sac *)ctx)->ac;
    size_t lo, hi;
    offp_ac_half(b->n_actor, k, &lo, &hi);
    b->finite[k] = rl_all_finite(b->agrads + lo, hi - lo);
}

/* the actor's Adam step (ticked by the caller) on k's half */
static void job_actor_step(void *ctx, int k)
{
    offp_ac *b = &((sac *)ctx)->ac;
    size_t lo, hi;
    offp_ac_half(b->n_actor, k, &lo, &hi);
    nn_adam_apply(&b->actor_opt, b->aparams, b->agrads, lo, hi);
}

/* the actor's half of the actor pass on obs (B, D) with noise eps (B, A): its output, the squashed
 * sample into p->pa, p->pu, p->pstdv, p->plogp, and sa_pi = [obs | a] */
static void actor_front(sac *p, const float *obs, const float *eps, int B)
{
    offp_ac *b = &p->ac;
    p->pb = B;
    p->peps = eps;
    p->pout = nn_mlp_forward(&b->c_actor, &b->actor, obs, B);   // (B, 2A), with gSDE (B, A)
    sample_at(p, &b->c_actor, p->pout, eps, B, p->pa, p->pu, p->pstdv, p->plogp, p->sde.pz2, p->sde.pnoise);
    offp_concat(b->sa_pi, obs, p->pa, B, b->obs_dim, b->A);
}

/* k = 0: the policy at the next observations (targets); k = 1: the critics' input and, when the
 * actor steps, the actor pass's forward (the actor does not change before its own step) */
static void job_policy(void *ctx, int k)
{
    sac *p = ctx;
    offp_ac *b = &p->ac;
    const replay_batch *r = &b->batch;
    if (k == 0) {
        const float *out = nn_mlp_forward(&p->c_actor_next, &b->actor, r->next_obs, b->B);
        sample_at(p, &p->c_actor_next, out, p->eps, b->B, p->a, p->u, p->stdv, p->logp, p->sde.z2, p->sde.noise);
        offp_concat(b->sa_next, r->next_obs, p->a, b->B, b->obs_dim, b->A);
        return;
    }
    offp_concat(b->sa, r->obs, r->actions, b->B, b->obs_dim, b->A);
    if (b->do_actor) actor_front(p, r->obs, p->eps2, b->B);
}

/* critic k's Adam step (ticked by the caller), its target's Polyak average and, when the actor
 * steps, critic k at the actor's action (it reads only critic k's new weights) */
static void job_critic_step(void *ctx, int k)
{
    sac *p = ctx;
    offp_ac *b = &p->ac;
    size_t nq = b->nq;
    nn_adam_apply(&b->critic_opt, b->cparams, b->cgrads, k * nq, (k + 1) * nq);
    nn_polyak(b->ctparams + k * nq, b->cparams + k * nq, nq, b->tau);
    if (b->do_actor) p->pq[k] = nn_mlp_forward(&p->c_qpi[k], &b->qng[k], b->sa_pi, p->pb);
}

static void job_pi_q_forward(void *ctx, int k)
{
    sac *p = ctx;
    p->pq[k] = nn_mlp_forward(&p->c_qpi[k], &p->ac.qng[k], p->ac.sa_pi, p->pb);
}

/* dJ/d(s, a) through critic k where it gave the minimum (p->dqmin), into p->dsa[k] */
static void job_pi_q_backward(void *ctx, int k)
{
    sac *p = ctx;
    offp_ac *b = &p->ac;
    const float *q0 = p->pq[0], *q1 = p->pq[1];
    for (int i = 0; i < p->pb; i++) {
        bool first = q0[i] <= q1[i];
        b->dq[k][i] = first == (k == 0) ? p->dqmin[i] : 0.0f;
    }
    nn_mlp_backward(p->dsa[k], &p->c_qpi[k], &b->qng[k], b->dq[k], b->sa_pi, p->pb);
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
static void job_actor_layer(void *ctx, int k)
{
    sac *p = ctx;
    offp_ac *b = &p->ac;
    int l = p->blayer, at = b->actor.n_layers - 1;
    if (k == 0) nn_mlp_backward_input(NULL, &b->c_actor, &b->actor, l, at, p->bdact, p->pb);
    else nn_mlp_backward_params(&b->c_actor, &b->actor, p->bobs, l, p->pb);
}

/* nn_mlp_backward_add of the actor from p->dact, with dact (or NULL) at its last hidden layer,
 * each layer's two halves in parallel */
static void actor_backward(sac *p, const float *obs, const float *dact)
{
    offp_ac *b = &p->ac;
    p->bobs = obs;
    p->bdact = dact;
    nn_mlp_backward_top(&b->c_actor, &b->actor, p->dact, p->pb);
    for (p->blayer = b->actor.n_layers - 1; p->blayer >= 0; p->blayer--) par_run(p, job_actor_layer);
}

/* the actor's gradient into agrads (zeroed first) from the critics' input gradients; with
 * with_aux, the heads' loss on the batch gathered by offp_aux_gather goes into ax.total and
 * ax.loss, their gradient into aux_grads and, through h, into agrads */
static void actor_back(sac *p, const float *obs, bool with_aux)
{
    offp_ac *b = &p->ac;
    const int A = b->A, D = b->obs_dim, SA = b->SA, B = p->pb;
    for (int i = 0; i < B; i++)
        for (int d = 0; d < A; d++)
            p->da[(size_t)i * A + d] = p->dsa[0][(size_t)i * SA + D + d] + p->dsa[1][(size_t)i * SA + D + d];
    const float *dz = NULL;   /* gSDE: the gradient at the latent through the noise and sigma */
    if (p->use_sde) {
        memset(p->sde.grad, 0, (size_t)p->sde.L * A * sizeof(float));
        sde_backward(&p->sde, p->pout, latent(p, &b->c_actor), p->sde.pz2, p->sde.pnoise, p->pstdv, p->da, p->dlogp,
                     B, p->dact, p->sde.dz);
        dz = p->sde.dz;
    } else {
        policy_backward(p, p->dact, p->pout, p->peps, p->pa, p->pstdv, p->da, p->dlogp, B);
    }
    memset(b->agrads, 0, b->n_actor * sizeof(float));
    if (!with_aux) {
        actor_backward(p, obs, dz);
        return;
    }
    /* the heads add the encoder gradient of their extra passes now; dh joins the actor's
     * gradient at its last hidden layer in the backward below */
    offp_aux *x = &b->ax;
    int at = b->actor.n_layers - 1;
    aux_batch ab = {.B = B, .obs = obs, .h = b->c_actor.act[at], .u = b->batch.actions, .r = x->r,
                    .next = x->next, .pos = x->pos, .pos_ok = x->pos_ok};
    bool touched;
    x->total = aux_loss_grad(x->aux, &ab, x->dh, x->loss, &touched);
    if (dz && touched)
        for (size_t i = 0; i < (size_t)B * p->sde.L; i++) p->sde.dz[i] += x->dh[i];
    actor_backward(p, obs, dz ? dz : touched ? x->dh : NULL);
}

/* The actor objective on obs (B, D) with noise eps (B, A) in one go (the test hooks): fills p->pa,
 * p->plogp, p->qmin; with backward, writes the actor's gradient into agrads (and the heads'
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
    offp_ac *b = &p->ac;
    const replay_batch *r = &b->batch;
    for (int i = 0; i < b->B; i++) {
        float m = b->tq[0][i] < b->tq[1][i] ? b->tq[0][i] : b->tq[1][i];
        b->y[i] = r->returns[i] + r->discount[i] * (m - p->alpha * p->logp[i]);
    }
}

/* the temperature's step towards the target entropy (autotune), on the actor step's log-probs */
static void temperature_update(sac *p)
{
    loss_sac_alpha(p->la_param[0], p->plogp, p->ac.B, p->target_entropy, &p->la_grad[0]);
    agent_dp_grads(p->la_grad, 1, true);
    nn_adam_step(&p->alpha_opt, p->la_param, p->la_grad);
    p->log_alpha = p->la_param[0];
    p->alpha = expf(p->log_alpha);
}

/* the actor's step (with the aux heads' losses on its encoder; a non-finite loss or gradient
 * skips it), then the temperature's */
static void actor_update(sac *p, double *acc)
{
    offp_ac *b = &p->ac;
    const int B = b->B;
    float aloss = actor_loss(p, true);
    par_run(p, job_pi_q_backward);
    actor_back(p, b->batch.obs, b->ax.aux != NULL);
    par_run(p, job_actor_finite);
    bool finite = isfinite(aloss) && b->finite[0] && b->finite[1];
    if (p->use_sde) finite = finite && rl_all_finite(p->sde.grad, (size_t)p->sde.L * b->A);
    if (!offp_ac_actor_grads(b, finite)) return;
    par_run(p, job_actor_step);
    if (p->use_sde) sde_step(&p->sde, b->actor_opt.lr);
    if (b->ax.aux) offp_aux_step(&b->ax);
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
    offp_ac *b = &p->ac;
    offp_ac_sample(b);
    if (p->use_sde)   /* one noise matrix for the whole update: the targets' and the actor's samples */
        sde_draw_update(&p->sde, &b->rng, NULL);
    else
        offp_fill_normal(p->eps, (size_t)b->B * b->A, &b->rng);
    rl_rng before_actor = b->rng;
    if (b->do_actor) {
        if (!p->use_sde) offp_fill_normal(p->eps2, (size_t)b->B * b->A, &b->rng);
        if (b->ax.aux) offp_aux_gather(&b->ax, &b->buf, b->batch.idx, b->B, b->obs_dim);
    }
    return before_actor;
}

/* the twin critics' step on the soft Bellman targets (with the targets' Polyak average); false
 * when a non-finite loss or gradient (on any rank) skips the whole update */
static bool critic_update(sac *p, double *acc)
{
    par_run(p, job_policy);
    par_run(p, offp_ac_job_q_forward);
    soft_targets(p);
    if (!offp_ac_critic_grads(&p->ac, &acc[ST_CRITIC], &acc[ST_QMEAN])) return false;
    par_run(p, job_critic_step);
    return true;
}

/* One update, as in Haarnoja et al. (2018), Algorithm 1: a minibatch, the critics' step, and every
 * policy_frequency updates the actor's step and the temperature's (actor_update). */
static void update(void *self, double *acc)
{
    sac *p = self;
    rl_rng before_actor = sample_minibatch(p);
    if (!critic_update(p, acc)) {
        p->ac.nonfinite_skips++;
        p->ac.rng = before_actor;   /* a skipped update draws no actor noise */
        return;
    }
    if (p->ac.do_actor) actor_update(p, acc);
    p->ac.updates++;
}

static bool sac_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats)
{
    sac *p = self;
    double acc[ST_COUNT + 1] = {0};
    if (p->ac.s.anneal_lr) {
        offp_ac_anneal(&p->ac, step, total_steps);
        p->alpha_opt.lr = offp_ac_lr(&p->ac, p->alpha_lr, step, total_steps);
    }
    int64_t points = p->ac.train_points;
    int64_t n = offp_ac_learn(&p->ac, v, step, update, p, acc);
    /* gSDE: new acting matrices at each train point (SB3: at the start of each collection) */
    if (p->use_sde && p->ac.train_points != points && step >= p->ac.learning_starts)
        sde_draw_act(&p->sde, &p->ac.rng);
    if (n == 0) return false;
    double na = acc[ST_COUNT] > 0 ? acc[ST_COUNT] : NAN;
    stats[ST_CRITIC] = acc[ST_CRITIC] / n;
    stats[ST_ACTOR] = acc[ST_ACTOR] / na;
    stats[ST_ALPHA] = p->alpha;
    stats[ST_ENTROPY] = acc[ST_ENTROPY] / na;
    stats[ST_QMEAN] = acc[ST_QMEAN] / n;
    stats[ST_SKIPPED] = (double)p->ac.nonfinite_skips;
    offp_aux_stats(&p->ac.ax, stats, ST_COUNT);
    return true;
}

static int sac_dp_tensors(void *self, nn_tensor *t, int max)
{
    sac *p = self;
    RL_ASSERT(max >= 13);
    int n = offp_ac_dp_nets(&p->ac, t);
    t[n++] = (nn_tensor){"log_alpha", p->la_param, 1, {1}};
    return n + offp_ac_dp_state(&p->ac, t + n, &p->alpha_opt);
}

/* ---- test hooks -------------------------------------------------------------------------- */

double sac_actor_objective(void *sac_agent, const float *obs, const float *eps, int B, float *dactor)
{
    sac *p = sac_agent;
    RL_ASSERT(B <= p->ac.B);
    float l = actor_pass(p, obs, eps, B, dactor != NULL, false);
    if (dactor) memcpy(dactor, p->ac.agrads, p->ac.n_actor * sizeof(float));
    return l;
}

float *sac_actor_params(void *sac_agent, size_t *n)
{
    sac *p = sac_agent;
    *n = p->ac.n_actor;
    return p->ac.aparams;
}

void sac_test_sample(void *sac_agent)
{
    sac *p = sac_agent;
    offp_ac *b = &p->ac;
    replay_buffer_sample(&b->buf, &b->batch, b->B, 1.0f, &b->rng);
    her_relabel(&b->her, &b->buf, &b->batch, b->B, &b->rng);
    if (p->use_sde)
        sde_draw_update(&p->sde, &b->rng, NULL);
    else
        offp_fill_normal(p->eps, (size_t)b->B * b->A, &b->rng);
    if (b->ax.aux) offp_aux_gather(&b->ax, &b->buf, b->batch.idx, b->B, b->obs_dim);
}

double sac_test_objective(void *sac_agent, float *dactor)
{
    sac *p = sac_agent;
    RL_ASSERT(p->ac.ax.aux);
    float l = actor_pass(p, p->ac.batch.obs, p->eps, p->ac.B, true, true);
    if (dactor) memcpy(dactor, p->ac.agrads, p->ac.n_actor * sizeof(float));
    return (double)l + (double)p->ac.ax.total;
}

aux_module *sac_test_aux(void *sac_agent) { return ((sac *)sac_agent)->ac.ax.aux; }

void sac_test_lrs(void *sac_agent, float lr[5])
{
    sac *p = sac_agent;
    lr[0] = p->ac.actor_opt.lr;
    lr[1] = p->ac.critic_opt.lr;
    lr[2] = p->alpha_opt.lr;
    lr[3] = p->ac.ax.aux ? p->ac.ax.opt.lr : NAN;
    lr[4] = p->use_sde ? p->sde.opt.lr : NAN;
}

double sac_sde_objective(void *sac_agent, const float *obs, const float *eps_mat, int B, float *dactor,
                         float *dlog_std)
{
    sac *p = sac_agent;
    RL_ASSERT(p->use_sde && B <= p->ac.B);
    sde_refresh_std(&p->sde);   /* the caller may have moved log_std */
    sde_draw_update(&p->sde, NULL, eps_mat);
    bool backward = dactor || dlog_std;
    float l = actor_pass(p, obs, NULL, B, backward, false);
    if (dactor) memcpy(dactor, p->ac.agrads, p->ac.n_actor * sizeof(float));
    if (dlog_std) memcpy(dlog_std, p->sde.grad, (size_t)p->sde.L * p->ac.A * sizeof(float));
    return l;
}

float *sac_test_log_std(void *sac_agent, size_t *n)
{
    sac *p = sac_agent;
    *n = p->use_sde ? (size_t)p->sde.L * p->ac.A : 0;
    return p->use_sde ? p->sde.log_std : NULL;
}

/* ---- checkpoints: the shared part's save and load (algos/offp_ac.h) with SAC's tensors -------- */

/* gSDE's tensors: "actor.log_std" (L, A); with train_state its Adam moments, the acting matrices
 * and the steps since they were drawn */
static int sde_tensors(sac *p, nn_tensor *t, bool train_state)
{
    sac_sde *s = &p->sde;
    int n = 0;
    t[n++] = (nn_tensor){"actor.log_std", s->log_std, 2, {s->L, s->A}};
    if (!train_state) return n;
    p->sde_since = (float)s->since;   /* exact: since <= sde_sample_freq <= 1e6 */
    t[n++] = (nn_tensor){"optim.log_std.m", s->opt.m, 2, {s->L, s->A}};
    t[n++] = (nn_tensor){"optim.log_std.v", s->opt.v, 2, {s->L, s->A}};
    t[n++] = (nn_tensor){"sde.act_matrices", s->act_E, 3, {s->n_envs, s->L, s->A}};
    t[n++] = (nn_tensor){"sde.since", &p->sde_since, 1, {1}};
    return n;
}

/* "actor", "q1", "q2", "log_alpha" (, gSDE's log_std); with train_state the targets, the
 * optimizers' moments and the temperature's (, gSDE's state); the heads' */
static int sac_tensors(void *self, nn_tensor *t, char names[][48], bool train_state)
{
    sac *p = self;
    int n = offp_ac_net_tensors(&p->ac, t, names);
    t[n++] = (nn_tensor){"log_alpha", p->la_param, 1, {1}};
    if (train_state) {
        n += offp_ac_target_tensors(&p->ac, t + n, names + n);
        t[n++] = (nn_tensor){"optim.alpha.m", p->alpha_opt.m, 1, {1}};
        t[n++] = (nn_tensor){"optim.alpha.v", p->alpha_opt.v, 1, {1}};
    }
    if (p->use_sde) n += sde_tensors(p, t + n, train_state);
    n += offp_aux_tensors(&p->ac.ax, t + n, train_state);
    return n;
}

/* the temperature from the loaded log_alpha; gSDE's std, and its Adam's steps (the actor's) */
static void sac_loaded(void *self)
{
    sac *p = self;
    p->log_alpha = p->la_param[0];
    p->alpha = expf(p->log_alpha);
    if (!p->use_sde) return;
    sde_refresh_std(&p->sde);
    p->sde.opt.t = p->ac.actor_opt.t;
    p->sde.since = (int64_t)p->sde_since;
}

const agent_algo agent_sac = {
    .name = "sac",
    .n_stats = ST_COUNT,
    .stat_names = {"critic_loss", "actor_loss", "alpha", "entropy", "q_mean", "skipped_updates"},
    .sections = (const rl_config_section *const[]){&sac_section, &offp_critic_losses_section, &her_section, NULL},
    .config_flags = AUX_CFG_HEADS,
    .check_config = sac_check_config,
    .loss_slots = {{"losses.critic", NULL, NULL, LOSS_KINDS(LOSS_KIND_REGRESSION)}},
    .rates = {{"train/actor_lr", "sac.actor_lr", "sac.anneal_lr"},
              {"train/critic_lr", "sac.critic_lr", "sac.anneal_lr"}},
    .create = sac_create,
    .act = sac_act,
    .act_sample = sac_act_sample,
    .observe = offp_ac_observe,
    .learn = sac_learn,
    .save = offp_ac_save,
    .load = offp_ac_load,
    .destroy = sac_destroy,
    .extra_stats = offp_ac_extra_stats,
    .dp_tensors = sac_dp_tensors,
    .relabel = offp_ac_relabel,
    .replay = offp_ac_replay,
};
