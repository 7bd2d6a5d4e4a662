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
 * for the rest. No image encoder, dueling or noisy heads, or auxiliary heads (yet). Built on the
 * value-based base algos/offp_value.h, as the DQN family: what stays here is the iqn: section, the
 * network, the fractions it samples, its targets and loss. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/encoder.h"
#include "algos/offp_value.h"
#include "core/limits.h"
#include "core/mathx.h"
#include "losses/loss.h"
#include "nn/cos_embed.h"

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
    return offp_value_check_config(cfg, "iqn", &OFFP_VALUE_KEYS(iqn_of(cfg)), err, err_sz);
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
    offp_value b;                     /* first: the shared hooks take the agent as an offp_value */
    int N, Np, Ka;                    /* Ka: K of the paper, fractions to rank actions */
    float kappa;
    bool double_q;
    loss_spec loss;
    iqn_net net, tnet;
    iqn_cache c_act, c_obs, c_tnext;  /* online: acting and double-Q's a*; online on obs; target on next obs */
    float *taus_act, *taus_obs, *taus_next; /* (max obs Ka), (B N), (B max(N', Ka)) */
    float *mid;                             /* (Ka) the midpoints of greedy acting */
    float *vals;                            /* (K) */
    float *theta, *target, *dtheta, *dout;  /* (B N), (B N'), (B N), (B N K) */
} iqn;

/* offp_value_settings.best: the best valid action by each action's mean over one observation's Ka
 * rows out (Ka, K) */
static int best_action(offp_value *b, const float *out, const uint8_t *valid)
{
    iqn *p = (iqn *)b;
    for (int k = 0; k < b->K; k++) {
        double s = 0.0;
        for (int j = 0; j < p->Ka; j++) s += out[(size_t)j * b->K + k];
        p->vals[k] = (float)(s / p->Ka);
    }
    return act_mask_argmax(p->vals, valid, b->K);
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
    st = offp_value_check_buffer(src, "iqn", c->buffer_size, obs_space->dim, err, err_sz);
    if (st == RL_OK)
        st = rl_limit_check(src, "iqn.batch_size, iqn.num_tau_samples, iqn.num_tau_prime_samples, "
                            "iqn.num_quantile_samples, network.hidden", "activation cache floats of a batch",
                            rl_mul_sat(3, rl_mul_sat(rows, per_row)), RL_LIMIT_BUFFER_FLOATS, err, err_sz);
    return st;
}

static void sample_batch(offp_value *b, float beta);
static float loss_grad(offp_value *b, double *qmean);
static int net_tensors(offp_value *b, nn_tensor *t, char names[][48], const char *prefix, bool target);

/* the online and target networks in the shared flat buffers, PyTorch's default init from the
 * agent's RNG (torso, embedding, head) */
static void create_networks(iqn *p, const rl_config *cfg, const env_space *obs_space, int K, int n_envs, nn_act act)
{
    const iqn_cfg *c = iqn_of(cfg);
    int hidden[RL_LIST_MAX], nh = cfg->network.hidden.n;
    for (int i = 0; i < nh; i++) hidden[i] = (int)cfg->network.hidden.v[i];
    int n_cos = (int)c->quantile_embedding_dim;
    net_shape(&p->net, obs_space->dim, hidden, nh, K, n_cos, act);
    net_shape(&p->tnet, obs_space->dim, hidden, nh, K, n_cos, act);
    offp_value_settings s = {.algo = agent_find("iqn"), .prefix = "iqn", .k = OFFP_VALUE_KEYS(c),
                             .n_params = p->net.n_params, .best = best_action,
                             .sample = sample_batch, .loss_grad = loss_grad, .net_tensors = net_tensors};
    offp_value_init(&p->b, &s, cfg, obs_space->dim, K, n_envs);
    p->N = (int)c->num_tau_samples;
    p->Np = (int)c->num_tau_prime_samples;
    p->Ka = (int)c->num_quantile_samples;
    p->kappa = loss_spec_param(&p->loss, "kappa");
    p->double_q = c->double_q;
    net_bind(&p->net, p->b.params, p->b.grads);
    net_bind(&p->tnet, p->b.tparams, NULL);
    nn_mlp_init_torch_default(&p->net.torso, &p->b.rng);
    nn_cos_embed_init_torch_default(&p->net.embed, &p->b.rng);
    nn_mlp_init_torch_default(&p->net.head, &p->b.rng);
}

/* the arena: the three caches and the per-batch scratch, sized once */
static rl_status create_scratch(iqn *p, char *err, size_t err_sz)
{
    int maxb = p->b.maxb, B = p->b.B, K = p->b.K, Nn = p->Np > p->Ka ? p->Np : p->Ka;
    size_t own = cache_need(&p->net, maxb, maxb * p->Ka) + cache_need(&p->net, B, B * p->N) +
                 cache_need(&p->net, B, B * Nn) + rl_arena_need((size_t)maxb * p->Ka * 4) +
                 rl_arena_need((size_t)B * p->N * 4) + rl_arena_need((size_t)B * Nn * 4) +
                 rl_arena_need((size_t)p->Ka * 4) + rl_arena_need((size_t)K * 4) +
                 2 * rl_arena_need((size_t)B * p->N * 4) + rl_arena_need((size_t)B * p->Np * 4) +
                 rl_arena_need((size_t)B * p->N * K * 4);
    rl_status st = offp_value_arena(&p->b, own, err, err_sz);
    if (st != RL_OK) return st;
    rl_arena *a = &p->b.arena;
    cache_bind(&p->c_act, &p->net, a, maxb, maxb * p->Ka);
    cache_bind(&p->c_obs, &p->net, a, B, B * p->N);
    cache_bind(&p->c_tnext, &p->tnet, a, B, B * Nn);
    p->taus_act = rl_arena_floats(a, (size_t)maxb * p->Ka);
    p->taus_obs = rl_arena_floats(a, (size_t)B * p->N);
    p->taus_next = rl_arena_floats(a, (size_t)B * Nn);
    p->mid = rl_arena_floats(a, p->Ka);
    p->vals = rl_arena_floats(a, K);
    p->theta = rl_arena_floats(a, (size_t)B * p->N);
    p->dtheta = rl_arena_floats(a, (size_t)B * p->N);
    p->target = rl_arena_floats(a, (size_t)B * p->Np);
    p->dout = rl_arena_floats(a, (size_t)B * p->N * K);
    loss_qr_taus(p->mid, p->Ka);
    return RL_OK;
}

static rl_status iqn_create(void **self, const rl_config *cfg, const env_space *obs_space, const env_space *act_space,
                            int n_envs, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    rl_status st = offp_value_check_spaces("iqn", obs_space, act_space, src, err, err_sz);
    if (st != RL_OK) return st;
    iqn *p = rl_xcalloc(1, sizeof *p);
    nn_act act;
    if ((st = create_check(p, cfg, obs_space, src, &act, err, err_sz)) != RL_OK) {
        free(p);
        return st;
    }
    create_networks(p, cfg, obs_space, act_space->n, n_envs, act);
    if ((st = offp_value_start(&p->b, cfg, obs_space, err, err_sz)) || (st = create_scratch(p, err, err_sz))) {
        offp_value_destroy(p);
        return st;
    }
    offp_value_report(&p->b);
    *self = p;
    return RL_OK;
}

/* ---- acting ----------------------------------------------------------------------------------- */

/* Z at Ka fractions for each of the n observations: drawn from rng, or the midpoints */
static const float *acting_values(iqn *p, const float *obs, int n, rl_rng *draw)
{
    if (draw) loss_iqn_sample_taus(p->taus_act, n * p->Ka, draw);
    else
        for (int i = 0; i < n; i++) memcpy(p->taus_act + (size_t)i * p->Ka, p->mid, (size_t)p->Ka * sizeof(float));
    return net_forward(&p->c_act, &p->net, obs, n, p->taus_act, p->Ka);
}

/* epsilon-greedy over the rows' values out (n Ka, K): no draw when eps is 0 */
static void choose(iqn *p, const float *out, int n, float eps, rl_rng *rng, float *actions)
{
    offp_value_choose(&p->b, out, (size_t)p->Ka * p->b.K, n, eps, eps > 0.0f ? rng : NULL, actions);
}

static void iqn_act(void *self, const float *obs, int n, float *actions, bool explore)
{
    iqn *p = self;
    const float *out = acting_values(p, obs, n, explore ? &p->b.rng : NULL);
    choose(p, out, n, explore ? offp_value_epsilon(&p->b, p->b.env_steps) : 0.0f, &p->b.rng, actions);
    if (explore) offp_value_keep_step(&p->b, obs, actions, n);
}

/* agent_algo.act_sample: epsilon-greedy at the current exploration rate with rng, greedy on the
 * midpoints' values */
static void iqn_act_sample(void *self, const float *obs, int n, float *actions, rl_rng *rng)
{
    iqn *p = self;
    const float *out = acting_values(p, obs, n, NULL);
    choose(p, out, n, offp_value_epsilon(&p->b, p->b.env_steps), rng, actions);
}

/* ---- learning --------------------------------------------------------------------------------- */

/* a fresh minibatch, its a* and target samples, and the online network's fractions */
static void sample_batch(offp_value *b, float beta)
{
    iqn *p = (iqn *)b;
    const int B = b->B, K = b->K, Ka = p->Ka, Np = p->Np;
    const replay_batch *bt = &b->batch;
    offp_value_sample(b, beta);
    loss_iqn_sample_taus(p->taus_next, B * Ka, &b->rng);
    const float *sel = p->double_q ? net_forward(&p->c_act, &p->net, bt->next_obs, B, p->taus_next, Ka)
                                   : net_forward(&p->c_tnext, &p->tnet, bt->next_obs, B, p->taus_next, Ka);
    offp_value_a_star(b, sel, (size_t)Ka * K);
    loss_iqn_sample_taus(p->taus_next, B * Np, &b->rng);
    const float *tout = net_forward(&p->c_tnext, &p->tnet, bt->next_obs, B, p->taus_next, Np);
    for (int i = 0; i < B; i++)
        for (int j = 0; j < Np; j++) {
            float z = tout[((size_t)i * Np + j) * K + b->a_star[i]];
            p->target[(size_t)i * Np + j] = bt->returns[i] + bt->discount[i] * z;
        }
    loss_iqn_sample_taus(p->taus_obs, B * p->N, &b->rng);
}

/* |mean target - mean theta| of each sample, the priorities' TD error */
static void td_errors(iqn *p)
{
    for (int i = 0; i < p->b.B; i++) {
        double t = 0.0, q = 0.0;
        for (int j = 0; j < p->Np; j++) t += p->target[(size_t)i * p->Np + j];
        for (int j = 0; j < p->N; j++) q += p->theta[(size_t)i * p->N + j];
        p->b.td[i] = (float)(t / p->Np - q / p->N);
    }
}

/* loss and gradients (the params' grads) on the sampled minibatch; NAN when non-finite */
static float loss_grad(offp_value *b, double *qmean)
{
    iqn *p = (iqn *)b;
    const int B = b->B, N = p->N;
    const replay_batch *bt = &b->batch;
    const float *out = net_forward(&p->c_obs, &p->net, bt->obs, B, p->taus_obs, N);   /* (B N, K) */
    offp_value_gather(b, out, N, 1, p->theta);
    double qs = 0.0;
    for (size_t r = 0; r < (size_t)B * N; r++) qs += p->theta[r];
    *qmean = qs / ((double)B * N);
    float loss = loss_iqn_quantile_huber(p->theta, p->target, p->taus_obs, b->prioritized ? bt->weights : NULL, B,
                                         N, p->Np, p->kappa, p->dtheta);
    if (b->prioritized) td_errors(p);
    if (!isfinite(loss)) return offp_value_skip(b);
    offp_value_scatter(b, p->dtheta, N, 1, p->dout);
    memset(b->grads, 0, b->n_params * sizeof(float));
    net_backward(&p->c_obs, &p->net, p->dout);
    if (!offp_value_grads_finite(b)) return offp_value_skip(b);
    return loss;
}

/* ---- checkpoints ------------------------------------------------------------------------------- */

/* offp_value_settings.net_tensors: "<prefix>.torso.<l>.*", "<prefix>.embed.0.*" (the cosine
 * embedding's dense layer), "<prefix>.head.<l>.*" */
static int net_tensors(offp_value *b, nn_tensor *t, char names[][48], const char *prefix, bool target)
{
    iqn_net *q = target ? &((iqn *)b)->tnet : &((iqn *)b)->net;
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

const agent_algo agent_iqn = {
    .name = "iqn", OFFP_VALUE_HOOKS,
    .sections = (const rl_config_section *const[]){&iqn_section, &iqn_losses_section, NULL},
    .check_config = iqn_check_config, .rates = {{"train/learning_rate", "iqn.learning_rate"}},
    .loss_slots = {{"losses.iqn", "iqn_quantile_huber", NULL, 0}},
    .create = iqn_create, .act = iqn_act, .act_sample = iqn_act_sample, .save = offp_value_save,
};
