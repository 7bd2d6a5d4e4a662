/* rlc algos: IQN, implicit quantile networks (Dabney, Ostrovski, Silver and Munos 2018,
 * "Implicit Quantile Networks for Distributional Reinforcement Learning"), a value-based
 * off-policy agent for Discrete actions in the DQN family, in its own file.
 *
 * The network maps a state x and a quantile fraction tau to the tau-quantile of each action's
 * return, Z_tau(x, a) = f(psi(x) . phi(tau))_a:
 *   psi   the torso, an MLP over the observation: network.hidden but the last layer (the one
 *         layer when there is only one), activation after each; its width H;
 *   phi   the cosine embedding of tau (nn/cos_embed.h): ReLU(W cos(pi i tau) + b), i < n
 *         (iqn.quantile_embedding_dim, 64), into H units;
 *   .     the element-wise (Hadamard) product;
 *   f     the head: network.hidden's last layer (none when there is one), then K outputs.
 * Acting: the value of an action is the mean of its quantiles at iqn.num_quantile_samples (K = 32)
 * fractions: drawn uniformly for each exploring act (as the paper), the midpoints (2k + 1) / 2K
 * when acting greedily (evaluation, rlc eval, a loaded policy: a deterministic policy, the same
 * quadrature of the mean), epsilon-greedy as DQN's (start_e, end_e, exploration_fraction), among
 * the valid actions with an action mask (algos/act_mask.h). An update, on a minibatch of the
 * replay buffer (replay/replay.h: uniform or prioritized, 1- or n-step, as the DQN family's):
 *   a*    = argmax_a mean_k Z_tau_k(s', a) over K fresh fractions, of the target network (or of
 *           the online network with iqn.double_q), among s''s valid actions with masks;
 *   T_j   = R + disc Z'_tau'_j(s', a*) at N' (num_tau_prime_samples) fresh fractions tau';
 *   loss  = losses.iqn (iqn_quantile_huber, kappa 1): the quantile Huber loss of the online
 *           network's Z_tau_i(s, a) at N (num_tau_samples) fresh fractions against the T_j;
 * with R, disc the n-step return and discount. Prioritized replay weighs the loss with its
 * importance weights and updates priorities from |mean_j T_j - mean_i theta_i|. The target
 * network is a hard copy (tau = 1) or a Polyak average every target_update_interval steps.
 * Defaults: Dopamine's IQN for N = N' = 64, K = 32, n = 64, kappa = 1; CleanRL's DQN (as dqn:'s)
 * for the rest. No image encoder, dueling or noisy heads, or auxiliary heads (yet). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/dataparallel.h"
#include "algos/act_mask.h"
#include "algos/encoder.h"
#include "algos/iqn.h"
#include "algos/offpolicy.h"
#include "core/arena.h"
#include "core/dist.h"
#include "core/limits.h"
#include "core/mathx.h"
#include "losses/loss.h"
#include "nn/cos_embed.h"
#include "replay/replay.h"

/* ---- the config: the iqn: section and its loss slot ----------------------------------------- */

#define IQN_FIELDS(X, S)                                                                            \
    OFFP_VALUE_FIELDS(X, S)                                                                         \
    X(S, bool, double_q, BOOL, 0, NULL, 0, 1, NULL, "a* from the online network (double DQN)")     \
    OFFP_VALUE_REPLAY_FIELDS(X, S)                                                                  \
    X(S, int64_t, num_tau_samples, I64, 64, NULL, 1, 1024, NULL, "N: fractions tau of the online network per sample") \
    X(S, int64_t, num_tau_prime_samples, I64, 64, NULL, 1, 1024, NULL,                              \
      "N': fractions tau' of the target per sample")                                              \
    X(S, int64_t, num_quantile_samples, I64, 32, NULL, 1, 1024, NULL,                               \
      "K: fractions averaged to rank the actions (acting and a*)")                                 \
    X(S, int64_t, quantile_embedding_dim, I64, 64, NULL, 1, 4096, NULL, "n: cosines embedding tau")
RL_CFG_SECTION_TYPE(iqn_cfg, IQN_FIELDS);
static const rl_config_section iqn_section = RL_CFG_SECTION_INIT("iqn", iqn_cfg, IQN_FIELDS);

#define IQN_LOSSES_FIELDS(X, S)                                                                     \
    X(S, rl_loss_cfg, iqn, LOSS, 0, "iqn_quantile_huber", 0, 0, NULL, "IQN loss over sampled fractions (kappa)")
RL_CFG_SECTION_TYPE(iqn_losses_cfg, IQN_LOSSES_FIELDS);
static const rl_config_section iqn_losses_section = RL_CFG_SECTION_INIT("losses", iqn_losses_cfg, IQN_LOSSES_FIELDS);

static const iqn_cfg *iqn_of(const rl_config *cfg) { return rl_config_section_of(cfg, &iqn_section); }

static rl_status iqn_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    const iqn_cfg *c = iqn_of(cfg);
    return rl_limit_check_replay(cfg->source[0] ? cfg->source : "config", "iqn", c->batch_size, c->buffer_size,
                                 c->n_step, cfg->env.num_envs, err, err_sz);
}

/* ---- the network ------------------------------------------------------------------------------ */

/* torso psi, cosine embedding phi, head f; parameters in that order in one flat buffer */
typedef struct {
    int K, H;
    nn_mlp torso, head;
    nn_cos_embed embed;
    size_t n_params;
} iqn_net;

/* one forward's activations: the torso over b observations, embedding and head over b nt rows
 * (row i nt + j: observation i at fraction j) */
typedef struct {
    nn_mlp_cache torso, head;
    nn_cos_embed_cache embed;
    float *z, *dz, *dpsi, *dphi;     /* (rows, H), (rows, H), (max obs, H), (rows, H) */
    const float *obs, *psi, *phi;    /* of the last forward */
    int b, nt;
} iqn_cache;

static void net_shape(iqn_net *q, int D, const int *hidden, int nh, int K, int n_cos, nn_act act)
{
    int nt = nh > 1 ? nh - 1 : 1;   /* torso layers */
    q->K = K;
    q->H = hidden[nt - 1];
    nn_mlp_shape(&q->torso, D, hidden, nt - 1, q->H, act, act);
    nn_cos_embed_shape(&q->embed, n_cos, q->H);
    nn_mlp_shape(&q->head, q->H, hidden + nt, nh - nt, K, act, NN_ACT_NONE);
    q->n_params = q->torso.n_params + q->embed.dense.n_params + q->head.n_params;
}

static void net_bind(iqn_net *q, float *params, float *grads)
{
    size_t a = q->torso.n_params, b = a + q->embed.dense.n_params;
    nn_mlp_bind(&q->torso, params, grads);
    nn_cos_embed_bind(&q->embed, params + a, grads ? grads + a : NULL);
    nn_mlp_bind(&q->head, params + b, grads ? grads + b : NULL);
}

static size_t cache_need(const iqn_net *q, int max_obs, int max_rows)
{
    return rl_arena_need(nn_mlp_cache_floats(&q->torso, max_obs) * 4) +
           rl_arena_need(nn_mlp_cache_floats(&q->head, max_rows) * 4) +
           rl_arena_need(nn_cos_embed_cache_floats(&q->embed, max_rows) * 4) +
           3 * rl_arena_need((size_t)max_rows * q->H * 4) + rl_arena_need((size_t)max_obs * q->H * 4);
}

static void cache_bind(iqn_cache *c, const iqn_net *q, rl_arena *a, int max_obs, int max_rows)
{
    nn_mlp_cache_bind(&c->torso, &q->torso, rl_arena_floats(a, nn_mlp_cache_floats(&q->torso, max_obs)), max_obs);
    nn_mlp_cache_bind(&c->head, &q->head, rl_arena_floats(a, nn_mlp_cache_floats(&q->head, max_rows)), max_rows);
    nn_cos_embed_cache_bind(&c->embed, &q->embed, rl_arena_floats(a, nn_cos_embed_cache_floats(&q->embed, max_rows)),
                            max_rows);
    c->z = rl_arena_floats(a, (size_t)max_rows * q->H);
    c->dz = rl_arena_floats(a, (size_t)max_rows * q->H);
    c->dphi = rl_arena_floats(a, (size_t)max_rows * q->H);
    c->dpsi = rl_arena_floats(a, (size_t)max_obs * q->H);
}

/* obs (b, D), taus (b nt) -> Z (b nt, K): row i nt + j is Z_taus[i nt + j](obs i, .) */
static const float *net_forward(iqn_cache *c, const iqn_net *q, const float *obs, int b, const float *taus, int nt)
{
    int H = q->H;
    c->obs = obs, c->b = b, c->nt = nt;
    c->psi = nn_mlp_forward(&c->torso, &q->torso, obs, b);
    c->phi = nn_cos_embed_forward(&c->embed, &q->embed, taus, b * nt);
    for (int i = 0; i < b; i++)
        for (int j = 0; j < nt; j++) {
            const float *ps = c->psi + (size_t)i * H, *ph = c->phi + ((size_t)i * nt + j) * H;
            float *z = c->z + ((size_t)i * nt + j) * H;
            for (int h = 0; h < H; h++) z[h] = ps[h] * ph[h];
        }
    return nn_mlp_forward(&c->head, &q->head, c->z, b * nt);
}

/* backward of the last forward on c: dout (b nt, K); adds into the parameters' gradients */
static void net_backward(iqn_cache *c, iqn_net *q, const float *dout)
{
    int H = q->H, b = c->b, nt = c->nt;
    nn_mlp_backward(c->dz, &c->head, &q->head, dout, c->z, b * nt);
    memset(c->dpsi, 0, (size_t)b * H * sizeof(float));
    for (int i = 0; i < b; i++)
        for (int j = 0; j < nt; j++) {
            size_t r = ((size_t)i * nt + j) * H;
            const float *ps = c->psi + (size_t)i * H;
            float *dps = c->dpsi + (size_t)i * H;
            for (int h = 0; h < H; h++) {
                c->dphi[r + h] = c->dz[r + h] * ps[h];
                dps[h] += c->dz[r + h] * c->phi[r + h];
            }
        }
    nn_cos_embed_backward(&c->embed, &q->embed, c->dphi, b * nt);
    nn_mlp_backward(NULL, &c->torso, &q->torso, c->dpsi, c->obs, b);
}

/* ---- the agent -------------------------------------------------------------------------------- */

typedef struct {
    int obs_dim, K, n_envs, B, N, Np, Ka;   /* Ka: K of the paper, fractions to rank actions */
    float gamma, lr, max_grad_norm, tau, start_e, end_e, per_beta0, kappa;
    int64_t total_steps, learning_starts, train_freq, grad_steps, target_iv, explore_steps;
    bool double_q, prioritized, use_masks;
    loss_spec loss;
    iqn_net net, tnet;
    float *params, *grads, *tparams;
    nn_adam opt;
    iqn_cache c_act, c_obs, c_tnext;  /* online: acting and double-Q's a*; online on obs; target on next obs */
    rl_arena arena;
    rl_rng rng;
    replay_buffer buf;
    replay_batch batch;
    int64_t env_steps, updates, nonfinite_skips;
    float *step_obs, *step_act, *next_fix;  /* (N envs, D), (N envs), (N envs, D) */
    float *taus_act, *taus_obs, *taus_next; /* (max obs Ka), (B N), (B max(N', Ka)) */
    float *mid;                             /* (Ka) the midpoints of greedy acting */
    float *vals;                            /* (K) */
    int *a_star;                            /* (B) */
    float *theta, *target, *dtheta, *dout, *td;   /* (B N), (B N'), (B N), (B N K), (B) */
    offp_aux ax;                            /* no heads: the checkpoint's aux fields stay empty */
    act_mask am;
    act_mask_store next_masks;
} iqn;

enum { ST_LOSS, ST_QMEAN, ST_EPS, ST_GRADNORM, ST_BETA, ST_SKIPPED, ST_COUNT };

static void iqn_destroy(void *self)
{
    iqn *p = self;
    if (!p) return;
    free(p->params);
    free(p->grads);
    free(p->tparams);
    nn_adam_free(&p->opt);
    offp_aux_free(&p->ax);
    rl_arena_free(&p->arena);
    replay_buffer_free(&p->buf);
    replay_batch_free(&p->batch);
    act_mask_free(&p->am);
    act_mask_store_free(&p->next_masks);
    free(p);
}

/* each action's mean over the nt fractions of one observation's rows out (nt, K) */
static void action_values(const iqn *p, const float *out, int nt, float *val)
{
    for (int k = 0; k < p->K; k++) {
        double s = 0.0;
        for (int j = 0; j < nt; j++) s += out[(size_t)j * p->K + k];
        val[k] = (float)(s / nt);
    }
}

static int best_action(iqn *p, const float *out, int nt, const uint8_t *valid)
{
    action_values(p, out, nt, p->vals);
    return act_mask_argmax(p->vals, valid, p->K);
}

/* ---- the steps of iqn_create ------------------------------------------------------------------ */

/* the loss, the activation, the sizes the network needs; no image encoder */
static rl_status create_check(iqn *p, const rl_config *cfg, const env_space *obs_space, const char *src,
                              nn_act *act, char *err, size_t err_sz)
{
    rl_status st = algo_encoder_refuse(cfg, obs_space, "iqn", err, err_sz);
    if (st == RL_OK) st = agent_slot_loss(&p->loss, agent_find("iqn"), 0, cfg, err, err_sz);
    if (st == RL_OK && nn_act_from_name(cfg->network.activation, act) != 0)
        st = rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: network.activation: unknown '%s'", src, cfg->network.activation);
    if (st == RL_OK && cfg->network.hidden.n < 1)
        st = rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: network.hidden: iqn needs at least one hidden layer (the torso "
                     "whose features the embedding of tau multiplies)", src);
    if (st != RL_OK) return st;
    const iqn_cfg *c = iqn_of(cfg);
    int64_t nt = c->num_tau_samples > c->num_tau_prime_samples ? c->num_tau_samples : c->num_tau_prime_samples;
    nt = nt > c->num_quantile_samples ? nt : c->num_quantile_samples;
    int64_t rows = rl_mul_sat(c->batch_size > AGENT_EVAL_BATCH ? c->batch_size : AGENT_EVAL_BATCH, nt);
    int64_t width = 0;
    for (int i = 0; i < cfg->network.hidden.n; i++) width = rl_add_sat(width, cfg->network.hidden.v[i]);
    int64_t per_row = rl_mul_sat(4, rl_add_sat(rl_add_sat(width, c->quantile_embedding_dim), obs_space->dim));
    st = rl_limit_check(src, "iqn.buffer_size", "replay buffer floats",
                        rl_mul_sat(c->buffer_size, 2 * (int64_t)obs_space->dim + 2), RL_LIMIT_BUFFER_FLOATS, err,
                        err_sz);
    if (st == RL_OK)
        st = rl_limit_check(src, "iqn.batch_size, iqn.num_tau_samples, iqn.num_tau_prime_samples, "
                            "iqn.num_quantile_samples, network.hidden", "activation cache floats of a batch",
                            rl_mul_sat(3, rl_mul_sat(rows, per_row)), RL_LIMIT_BUFFER_FLOATS, err, err_sz);
    return st;
}

static void create_settings(iqn *p, const rl_config *cfg, int n_envs)
{
    const iqn_cfg *c = iqn_of(cfg);
    p->n_envs = n_envs;
    p->B = (int)c->batch_size;
    p->N = (int)c->num_tau_samples;
    p->Np = (int)c->num_tau_prime_samples;
    p->Ka = (int)c->num_quantile_samples;
    p->gamma = (float)c->gamma;
    p->lr = (float)c->learning_rate;
    p->max_grad_norm = (float)c->max_grad_norm;
    p->tau = (float)c->tau;
    p->start_e = (float)c->start_e;
    p->end_e = (float)c->end_e;
    p->per_beta0 = (float)c->per_beta;
    p->kappa = loss_spec_param(&p->loss, "kappa");
    p->total_steps = cfg->root.total_steps;
    p->learning_starts = c->learning_starts;
    p->train_freq = c->train_frequency;
    p->grad_steps = c->gradient_steps;
    p->target_iv = c->target_update_interval;
    p->explore_steps = (int64_t)(c->exploration_fraction * (double)cfg->root.total_steps);
    p->double_q = c->double_q;
    p->prioritized = c->prioritized;
    p->use_masks = cfg->env.action_mask;
}

/* the online and target networks, PyTorch's default init from the agent's RNG (torso, embedding,
 * head), the target a copy */
static void create_networks(iqn *p, const rl_config *cfg, nn_act act)
{
    int hidden[RL_LIST_MAX], nh = cfg->network.hidden.n;
    for (int i = 0; i < nh; i++) hidden[i] = (int)cfg->network.hidden.v[i];
    int n_cos = (int)iqn_of(cfg)->quantile_embedding_dim;
    net_shape(&p->net, p->obs_dim, hidden, nh, p->K, n_cos, act);
    net_shape(&p->tnet, p->obs_dim, hidden, nh, p->K, n_cos, act);
    size_t n = p->net.n_params;
    p->params = rl_xcalloc(n, sizeof(float));
    p->grads = rl_xcalloc(n, sizeof(float));
    p->tparams = rl_xcalloc(n, sizeof(float));
    net_bind(&p->net, p->params, p->grads);
    net_bind(&p->tnet, p->tparams, NULL);
    rl_rng_seed(&p->rng, rl_seed_derive((uint64_t)cfg->root.seed, 1), 1);
    nn_mlp_init_torch_default(&p->net.torso, &p->rng);
    nn_cos_embed_init_torch_default(&p->net.embed, &p->rng);
    nn_mlp_init_torch_default(&p->net.head, &p->rng);
    memcpy(p->tparams, p->params, n * sizeof(float));
}

static rl_status create_buffers(iqn *p, const rl_config *cfg, int n_envs, char *err, size_t err_sz)
{
    const iqn_cfg *c = iqn_of(cfg);
    replay_config rc;
    replay_config_default(&rc);
    rc.capacity = c->buffer_size;
    rc.n_envs = n_envs;
    rc.obs_dim = p->obs_dim;
    rc.act_dim = 1;
    rc.n_actions = p->K;
    rc.n_step = (int)c->n_step;
    rc.gamma = p->gamma;
    rc.prioritized = p->prioritized;
    rc.alpha = (float)c->per_alpha;
    rc.eps = (float)c->per_eps;
    rl_status st = nn_adam_init(&p->opt, p->net.n_params, p->lr, 0.9f, 0.999f, (float)c->adam_eps, err, err_sz);
    if (st == RL_OK) st = replay_buffer_init(&p->buf, &rc, err, err_sz);
    if (st == RL_OK) st = replay_batch_init(&p->batch, p->B, p->obs_dim, 1, err, err_sz);
    return st;
}

/* the arena: the three caches and the per-step and per-batch scratch, sized once */
static rl_status create_scratch(iqn *p, char *err, size_t err_sz)
{
    int maxb = p->B > p->n_envs ? p->B : p->n_envs;
    maxb = maxb > AGENT_EVAL_BATCH ? maxb : AGENT_EVAL_BATCH;
    int B = p->B, D = p->obs_dim, E = p->n_envs, Nn = p->Np > p->Ka ? p->Np : p->Ka;
    size_t need = cache_need(&p->net, maxb, maxb * p->Ka) + cache_need(&p->net, B, B * p->N) +
                  cache_need(&p->net, B, B * Nn) + 2 * rl_arena_need((size_t)E * D * 4) + rl_arena_need((size_t)E * 4) +
                  rl_arena_need((size_t)maxb * p->Ka * 4) + rl_arena_need((size_t)B * p->N * 4) +
                  rl_arena_need((size_t)B * Nn * 4) + rl_arena_need((size_t)p->Ka * 4) +
                  rl_arena_need((size_t)p->K * 4) +
                  rl_arena_need((size_t)B * sizeof(int)) + 2 * rl_arena_need((size_t)B * p->N * 4) +
                  rl_arena_need((size_t)B * p->Np * 4) + rl_arena_need((size_t)B * p->N * p->K * 4) +
                  rl_arena_need((size_t)B * 4);
    rl_status st = rl_arena_init(&p->arena, need, err, err_sz);
    if (st != RL_OK) return st;
    cache_bind(&p->c_act, &p->net, &p->arena, maxb, maxb * p->Ka);
    cache_bind(&p->c_obs, &p->net, &p->arena, B, B * p->N);
    cache_bind(&p->c_tnext, &p->tnet, &p->arena, B, B * Nn);
    p->step_obs = rl_arena_floats(&p->arena, (size_t)E * D);
    p->next_fix = rl_arena_floats(&p->arena, (size_t)E * D);
    p->step_act = rl_arena_floats(&p->arena, E);
    p->taus_act = rl_arena_floats(&p->arena, (size_t)maxb * p->Ka);
    p->taus_obs = rl_arena_floats(&p->arena, (size_t)B * p->N);
    p->taus_next = rl_arena_floats(&p->arena, (size_t)B * Nn);
    p->mid = rl_arena_floats(&p->arena, p->Ka);
    p->vals = rl_arena_floats(&p->arena, p->K);
    p->a_star = rl_arena_alloc(&p->arena, (size_t)B * sizeof(int));
    p->theta = rl_arena_floats(&p->arena, (size_t)B * p->N);
    p->dtheta = rl_arena_floats(&p->arena, (size_t)B * p->N);
    p->target = rl_arena_floats(&p->arena, (size_t)B * p->Np);
    p->dout = rl_arena_floats(&p->arena, (size_t)B * p->N * p->K);
    p->td = rl_arena_floats(&p->arena, B);
    loss_qr_taus(p->mid, p->Ka);
    act_mask_init(&p->am, p->K, maxb);
    if (p->use_masks) act_mask_store_init(&p->next_masks, p->K, p->buf.rows * p->n_envs);
    return RL_OK;
}

static rl_status iqn_create(void **self, const rl_config *cfg, const env_space *obs_space, const env_space *act_space,
                            int n_envs, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    if (act_space->kind != ENV_SPACE_DISCRETE)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo iqn needs a Discrete action space", src);
    if (obs_space->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo iqn: observations must be a Box", src);
    iqn *p = rl_xcalloc(1, sizeof *p);
    p->obs_dim = obs_space->dim;
    p->K = act_space->n;
    nn_act act;
    rl_status st = create_check(p, cfg, obs_space, src, &act, err, err_sz);
    if (st != RL_OK) {
        free(p);
        return st;
    }
    create_settings(p, cfg, n_envs);
    create_networks(p, cfg, act);
    if ((st = create_buffers(p, cfg, n_envs, err, err_sz)) || (st = create_scratch(p, err, err_sz))) {
        iqn_destroy(p);
        return st;
    }
    fprintf(stderr, "iqn: replay buffer of %lld transitions (obs %d, %s, n_step %d): %.1f MB\n",
            (long long)p->buf.cfg.capacity, p->obs_dim, p->prioritized ? "prioritized" : "uniform",
            (int)iqn_of(cfg)->n_step, replay_buffer_bytes(&p->buf) / 1048576.0);
    *self = p;
    return RL_OK;
}

/* ---- acting ----------------------------------------------------------------------------------- */

static float epsilon_at(const iqn *p, int64_t step)
{
    if (p->explore_steps <= 0 || step >= p->explore_steps) return p->end_e;
    double f = (double)step / (double)p->explore_steps;
    return (float)(p->start_e + f * (p->end_e - p->start_e));
}

/* Z at Ka fractions for each of the n observations: drawn from rng, or the midpoints */
static const float *acting_values(iqn *p, const float *obs, int n, rl_rng *draw)
{
    if (draw) loss_iqn_sample_taus(p->taus_act, n * p->Ka, draw);
    else
        for (int i = 0; i < n; i++) memcpy(p->taus_act + (size_t)i * p->Ka, p->mid, (size_t)p->Ka * sizeof(float));
    return net_forward(&p->c_act, &p->net, obs, n, p->taus_act, p->Ka);
}

/* epsilon-greedy over the rows' values out (n Ka, K), among the valid actions */
static void choose(iqn *p, const float *out, int n, float eps, rl_rng *rng, float *actions)
{
    for (int i = 0; i < n; i++) {
        const uint8_t *valid = act_mask_row(&p->am, i);
        int a;
        if (eps > 0.0f && rl_rng_float(rng) < eps) a = act_mask_uniform(rng, valid, p->K);
        else a = best_action(p, out + (size_t)i * p->Ka * p->K, p->Ka, valid);
        actions[i] = (float)a;
    }
    p->am.set = false;
}

static void iqn_act(void *self, const float *obs, int n, float *actions, bool explore)
{
    iqn *p = self;
    const float *out = acting_values(p, obs, n, explore ? &p->rng : NULL);
    choose(p, out, n, explore ? epsilon_at(p, p->env_steps) : 0.0f, &p->rng, actions);
    if (!explore) return;
    RL_ASSERT(n == p->n_envs);
    memcpy(p->step_obs, obs, (size_t)n * p->obs_dim * sizeof(float));
    memcpy(p->step_act, actions, (size_t)n * sizeof(float));
}

/* agent_algo.act_sample: epsilon-greedy at the current exploration rate with rng, greedy on the
 * midpoints' values */
static void iqn_act_sample(void *self, const float *obs, int n, float *actions, rl_rng *rng)
{
    iqn *p = self;
    const float *out = acting_values(p, obs, n, NULL);
    choose(p, out, n, epsilon_at(p, p->env_steps), rng, actions);
}

static void iqn_action_mask(void *self, const uint8_t *mask, int n) { act_mask_set(&((iqn *)self)->am, mask, n); }

static void iqn_observe(void *self, const env_vec *v)
{
    iqn *p = self;
    if (p->use_masks && env_vec_masked(v))   /* beside the slots the step is about to fill */
        act_mask_store_add(&p->next_masks, (p->buf.added_rows % p->buf.rows) * p->n_envs, p->n_envs, v->action_mask,
                           v->final_mask, v->terminated, v->truncated);
    offp_store_step(&p->buf, p->step_obs, p->step_act, p->next_fix, p->n_envs, p->obs_dim, v);
    p->env_steps += p->n_envs;
}

/* ---- learning --------------------------------------------------------------------------------- */

/* a fresh minibatch, its a* and target samples, and the online network's fractions */
static void sample_batch(iqn *p, float beta)
{
    const int B = p->B, K = p->K, Ka = p->Ka, Np = p->Np;
    replay_batch *b = &p->batch;
    replay_buffer_sample(&p->buf, b, B, beta, &p->rng);
    loss_iqn_sample_taus(p->taus_next, B * Ka, &p->rng);
    const float *sel = p->double_q ? net_forward(&p->c_act, &p->net, b->next_obs, B, p->taus_next, Ka)
                                   : net_forward(&p->c_tnext, &p->tnet, b->next_obs, B, p->taus_next, Ka);
    for (int i = 0; i < B; i++)
        p->a_star[i] = best_action(p, sel + (size_t)i * Ka * K, Ka, act_mask_store_row(&p->next_masks, b->next_idx[i]));
    loss_iqn_sample_taus(p->taus_next, B * Np, &p->rng);
    const float *tout = net_forward(&p->c_tnext, &p->tnet, b->next_obs, B, p->taus_next, Np);
    for (int i = 0; i < B; i++)
        for (int j = 0; j < Np; j++) {
            float z = tout[((size_t)i * Np + j) * K + p->a_star[i]];
            p->target[(size_t)i * Np + j] = b->returns[i] + b->discount[i] * z;
        }
    loss_iqn_sample_taus(p->taus_obs, B * p->N, &p->rng);
}

static inline int batch_action(const iqn *p, float a)
{
    RL_ASSERT_MSG(a >= 0.0f && a < (float)p->K, "iqn: a replayed action is not an index of the env's actions");
    return (int)a;
}

/* |mean target - mean theta| of each sample, the priorities' TD error */
static void td_errors(iqn *p)
{
    for (int i = 0; i < p->B; i++) {
        double t = 0.0, q = 0.0;
        for (int j = 0; j < p->Np; j++) t += p->target[(size_t)i * p->Np + j];
        for (int j = 0; j < p->N; j++) q += p->theta[(size_t)i * p->N + j];
        p->td[i] = (float)(t / p->Np - q / p->N);
    }
}

/* loss and gradients (p->grads) on the sampled minibatch; NAN when non-finite */
static float loss_grad(iqn *p, double *qmean)
{
    const int B = p->B, N = p->N, K = p->K;
    const replay_batch *b = &p->batch;
    const float *out = net_forward(&p->c_obs, &p->net, b->obs, B, p->taus_obs, N);   /* (B N, K) */
    double qs = 0.0;
    for (int i = 0; i < B; i++) {
        int a = batch_action(p, b->actions[i]);
        for (int j = 0; j < N; j++) {
            float v = out[((size_t)i * N + j) * K + a];
            p->theta[(size_t)i * N + j] = v;
            qs += v;
        }
    }
    *qmean = qs / ((double)B * N);
    float loss = loss_iqn_quantile_huber(p->theta, p->target, p->taus_obs, p->prioritized ? b->weights : NULL, B, N,
                                         p->Np, p->kappa, p->dtheta);
    if (p->prioritized) td_errors(p);
    if (!isfinite(loss)) {
        p->nonfinite_skips++;
        return NAN;
    }
    memset(p->dout, 0, (size_t)B * N * K * sizeof(float));
    for (int i = 0; i < B; i++) {
        int a = batch_action(p, b->actions[i]);
        for (int j = 0; j < N; j++) p->dout[((size_t)i * N + j) * K + a] = p->dtheta[(size_t)i * N + j];
    }
    memset(p->grads, 0, p->net.n_params * sizeof(float));
    net_backward(&p->c_obs, &p->net, p->dout);
    if (!rl_all_finite(p->grads, p->net.n_params)) {
        p->nonfinite_skips++;
        return NAN;
    }
    return loss;
}

static float update(iqn *p, float beta, double *qmean, double *gnorm)
{
    sample_batch(p, beta);
    float loss = loss_grad(p, qmean);
    if (!agent_dp_grads(p->grads, p->net.n_params, !isnan(loss))) return NAN;   /* data-parallel mean */
    *gnorm = nn_clip_grad_norm(p->grads, p->net.n_params, p->max_grad_norm);
    nn_adam_step(&p->opt, p->params, p->grads);
    if (p->prioritized) replay_buffer_update_priorities(&p->buf, p->batch.idx, p->td, p->B);
    p->updates++;
    return loss;
}

static bool iqn_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats)
{
    (void)v;
    iqn *p = self;
    p->env_steps = step;
    if (step < p->learning_starts) return false;
    /* the schedule counts this rank's own steps, as the DQN family's (docs/distributed.md) */
    int64_t own = step / rl_dist_size(), prev = own - p->n_envs;
    int64_t phases = own / p->train_freq - prev / p->train_freq;
    bool did = false;
    double sl = 0.0, sq = 0.0, sg = 0.0;
    int n_ok = 0;
    float beta = p->per_beta0 + (1.0f - p->per_beta0) * (float)((double)step / (double)total_steps);
    if (beta > 1.0f) beta = 1.0f;
    if (phases > 0 && replay_buffer_valid(&p->buf) >= 1) {
        FTZ_ENTER();
        for (int64_t ph = 0; ph < phases; ph++)
            for (int64_t g = 0; g < p->grad_steps; g++) {
                double qm = 0.0, gn = 0.0;
                float l = update(p, beta, &qm, &gn);
                did = true;
                if (isnan(l)) continue;
                sl += l, sq += qm, sg += gn;
                n_ok++;
            }
        FTZ_LEAVE();
    }
    if (own / p->target_iv != prev / p->target_iv) {
        if (p->tau >= 1.0f) memcpy(p->tparams, p->params, p->net.n_params * sizeof(float));
        else nn_polyak(p->tparams, p->params, p->net.n_params, p->tau);
    }
    if (!did) return false;
    stats[ST_LOSS] = n_ok ? sl / n_ok : NAN;
    stats[ST_QMEAN] = n_ok ? sq / n_ok : NAN;
    stats[ST_EPS] = epsilon_at(p, step);
    stats[ST_GRADNORM] = n_ok ? sg / n_ok : NAN;
    stats[ST_BETA] = p->prioritized ? beta : NAN;
    stats[ST_SKIPPED] = (double)p->nonfinite_skips;
    return true;
}

/* ---- test hooks (algos/iqn.h) ------------------------------------------------------------------ */

void iqn_test_sample(void *agent) { sample_batch(agent, 1.0f); }

double iqn_test_objective(void *agent, float *dparams)
{
    iqn *p = agent;
    double qm;
    float l = loss_grad(p, &qm);
    if (dparams) memcpy(dparams, p->grads, p->net.n_params * sizeof(float));
    return (double)l;
}

float *iqn_test_params(void *agent, size_t *n)
{
    iqn *p = agent;
    *n = p->net.n_params;
    return p->params;
}

/* ---- checkpoints ------------------------------------------------------------------------------- */

#define IQN_MAX_TENSORS (4 * (NN_MAX_LAYERS + 2) + 4)

/* "q.torso.<l>.*", "q.embed.0.*" (the cosine embedding's dense layer), "q.head.<l>.*" */
static int net_tensors(nn_tensor *t, char names[][48], const char *prefix, iqn_net *q)
{
    char pre[32];
    int n = 0;
    snprintf(pre, sizeof pre, "%s.torso", prefix);
    n += nn_mlp_tensors(t + n, names + n, pre, &q->torso);
    snprintf(pre, sizeof pre, "%s.embed", prefix);
    n += nn_mlp_tensors(t + n, names + n, pre, &q->embed.dense);
    snprintf(pre, sizeof pre, "%s.head", prefix);
    n += nn_mlp_tensors(t + n, names + n, pre, &q->head);
    return n;
}

static int iqn_tensors(iqn *p, nn_tensor *t, char names[][48], bool train_state)
{
    int n = net_tensors(t, names, "q", &p->net);
    if (!train_state) return n;
    n += net_tensors(t + n, names + n, "q_target", &p->tnet);
    t[n++] = (nn_tensor){"optim.adam.m", p->opt.m, 1, {(int64_t)p->net.n_params}};
    t[n++] = (nn_tensor){"optim.adam.v", p->opt.v, 1, {(int64_t)p->net.n_params}};
    return n;
}

static offp_ckpt iqn_ckpt(iqn *p)
{
    return (offp_ckpt){.algo = "iqn", .prefix = "iqn", .rng = &p->rng, .n_fields = 4,
                       .fields = {{"iqn.adam_t", &p->opt.t}, {"iqn.rng", NULL}, {"iqn.updates", &p->updates},
                                  {"iqn.env_steps", &p->env_steps}},
                       .ax = &p->ax, .aux_step = &p->opt.t};
}

static rl_status iqn_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err, size_t err_sz)
{
    iqn *p = self;
    nn_tensor t[IQN_MAX_TENSORS];
    char names[IQN_MAX_TENSORS][48];
    int n = iqn_tensors(p, t, names, true);
    offp_ckpt c = iqn_ckpt(p);
    return offp_ckpt_save(&c, path, t, n, extra, n_extra, err, err_sz);
}

static rl_status iqn_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz)
{
    iqn *p = self;
    nn_tensor t[IQN_MAX_TENSORS];
    char names[IQN_MAX_TENSORS][48];
    int n = iqn_tensors(p, t, names, train_state);
    offp_ckpt c = iqn_ckpt(p);
    rl_status st = offp_ckpt_load(&c, f, t, n, train_state, err, err_sz);
    if (st == RL_OK && !train_state) memcpy(p->tparams, p->params, p->net.n_params * sizeof(float));
    return st;
}

static replay_buffer *iqn_replay(void *self) { return &((iqn *)self)->buf; }

static int iqn_dp_tensors(void *self, nn_tensor *t, int max)
{
    iqn *p = self;
    RL_ASSERT(max >= 4);
    t[0] = (nn_tensor){"params", p->params, 1, {(int64_t)p->net.n_params}};
    t[1] = (nn_tensor){"target", p->tparams, 1, {(int64_t)p->net.n_params}};
    t[2] = (nn_tensor){"adam.m", p->opt.m, 1, {(int64_t)p->opt.n}};
    t[3] = (nn_tensor){"adam.v", p->opt.v, 1, {(int64_t)p->opt.n}};
    return 4;
}

const agent_algo agent_iqn = {
    .name = "iqn", .n_stats = ST_COUNT,
    .stat_names = {"td_loss", "q_mean", "epsilon", "grad_norm", "per_beta", "skipped_updates"},
    .sections = (const rl_config_section *const[]){&iqn_section, &iqn_losses_section, NULL},
    .check_config = iqn_check_config, .rates = {{"train/learning_rate", "iqn.learning_rate"}},
    .loss_slots = {{"losses.iqn", "iqn_quantile_huber", NULL, 0}},
    .create = iqn_create, .act = iqn_act, .act_sample = iqn_act_sample, .observe = iqn_observe, .learn = iqn_learn,
    .save = iqn_save, .load = iqn_load, .destroy = iqn_destroy, .dp_tensors = iqn_dp_tensors, .replay = iqn_replay,
    .action_mask = iqn_action_mask,
};
