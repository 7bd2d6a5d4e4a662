/* rlc algos: value-based off-policy agents for Discrete actions: DQN (Mnih et al. 2015),
 * QR-DQN (Dabney et al. 2018) and C51 (Bellemare et al. 2017), one file, three registry entries.
 *
 * The Q-network is an MLP (PyTorch default init) with one output per action (dqn), Nq quantiles
 * per action (qrdqn) or the logits of A atoms per action (c51); any of them may use dueling heads
 * (Q = V + A - mean A over a shared trunk, per quantile or atom) and NoisyNet heads (dqn.noisy,
 * nn/noisy.h: the layers after the trunk are NoisyLinear; new noise for the online network at each
 * exploring act and each update, separate noise for the target network at each update; acting
 * without exploring uses the mean weights; epsilon is then 0), and may start with an image
 * encoder (network.encoder, nn/encoder.h) before the MLP. Otherwise exploration is
 * epsilon-greedy with epsilon decayed linearly from start_e to end_e over exploration_fraction x
 * total_steps. After learning_starts
 * steps, every train_frequency environment steps the agent runs gradient_steps updates on
 * minibatches from the replay buffer (replay/replay.h: uniform or prioritized, 1- or n-step):
 *   dqn    y = R + disc Q_target(s', a*),  loss = losses.td (huber by default; mse, ...)
 *   qrdqn  T_j = R + disc theta_target(s', a*)_j, loss = losses.quantile (quantile_huber, kappa)
 *   c51    m = projection of R + disc z onto the atoms of p_target(s', a*), loss = losses.c51
 * where R, disc are the n-step return and discount (disc = 0 after a termination, gamma^m
 * otherwise, truncation bootstraps) and a* = argmax of the target network's mean value, or of the
 * online network's with double_q. The target network is a hard copy (tau = 1) or a Polyak
 * average every target_update_interval steps. Prioritized replay passes importance weights to the
 * loss as per-sample weights and updates priorities from |TD error| (|mean target - mean theta|
 * for qrdqn, the per-sample cross-entropy for c51), beta annealed linearly to 1 over the run.
 * Auxiliary heads (`aux:`, addons/aux.h, docs/aux-heads.md) read h, the online network's last
 * hidden layer (its layers but the output layer are the encoder; with dueling, the shared trunk)
 * on the update's minibatch. They see each sampled transition's first step as the replay stored
 * it (s_t, a_t, r_t, s_{t+1}, whatever n_step is; s_{t+1} is the final observation at an episode
 * end) and, for temporal_contrastive, s_{t+k} from the same env's later slots when the episode
 * goes on until then (replay_buffer_later). Their gradient dh joins the TD gradient at h in the
 * same backward pass, one clip over both (max_grad_norm) and one Adam step (the heads' moments in
 * a second Adam of the same settings). Prioritized replay's importance weights are not applied to
 * the heads' losses.
 *
 * Built on the value-based base algos/offp_value.h (replay, HER, masks, epsilon-greedy acting,
 * the update's frame and step, target updates, checkpoints, data-parallel); the Q-network is
 * algos/qnet.c, QR-DQN's and C51's distribution math algos/dqn_dist.c. What stays here: the
 * dqn: section, each kind's values, targets and loss, and the aux heads' encoder. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addons/aux.h"
#include "algos/dqn_dist.h"
#include "algos/encoder.h"
#include "algos/offp_value.h"
#include "algos/qnet.h"
#include "core/limits.h"
#include "core/mathx.h"
#include "losses/loss.h"

/* ---- the config: the dqn: section (dqn, qrdqn, c51) and the loss slots ---------------------- */

#define DQN_FIELDS(X, S)                                                                     \
    OFFP_VALUE_FIELDS(X, S)                                                                         \
    X(S, bool, double_q, BOOL, 0, NULL, 0, 1, NULL, "double DQN targets (dqn, qrdqn, c51)")         \
    X(S, bool, dueling, BOOL, 0, NULL, 0, 1, NULL, "dueling value/advantage heads (dqn, qrdqn, c51)") \
    X(S, bool, noisy, BOOL, 0, NULL, 0, 1, NULL,                                                      \
      "NoisyNet heads (factorised Gaussian); turns epsilon-greedy off")                          \
    X(S, bool, noisy_epsilon, BOOL, 0, NULL, 0, 1, NULL, "with noisy: keep epsilon-greedy too (start_e, end_e)") \
    X(S, double, noisy_sigma0, F64, 0.5, NULL, 0, 100, NULL, "noisy heads' initial sigma x sqrt(fan_in)") \
    OFFP_VALUE_REPLAY_FIELDS(X, S)                                                                  \
    X(S, int64_t, n_quantiles, I64, 50, NULL, 1, 10000, NULL, "quantiles (qrdqn)")
RL_CFG_SECTION_TYPE(dqn_cfg, DQN_FIELDS);
static const rl_config_section dqn_section = RL_CFG_SECTION_INIT("dqn", dqn_cfg, DQN_FIELDS);

#define DQN_LOSSES_FIELDS(X, S)                                                                     \
    X(S, rl_loss_cfg, td, LOSS, 0, "huber", 0, 0, NULL, "DQN TD loss: huber, mse, ...")             \
    X(S, rl_loss_cfg, quantile, LOSS, 0, "quantile_huber", 0, 0, NULL, "QR-DQN loss (kappa)")      \
    X(S, rl_loss_cfg, c51, LOSS, 0, "c51", 0, 0, NULL, "C51 loss (v_min, v_max, atoms)")
RL_CFG_SECTION_TYPE(dqn_losses_cfg, DQN_LOSSES_FIELDS);
static const rl_config_section dqn_losses_section = RL_CFG_SECTION_INIT("losses", dqn_losses_cfg, DQN_LOSSES_FIELDS);

static const dqn_cfg *dqn_of(const rl_config *cfg) { return rl_config_section_of(cfg, &dqn_section); }

static rl_status dqn_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    return offp_value_check_config(cfg, "dqn", &OFFP_VALUE_KEYS(dqn_of(cfg)), err, err_sz);
}

#define DQN_CONFIG                                                                                  \
    .sections = (const rl_config_section *const[]){&dqn_section, &dqn_losses_section, &her_section, NULL},       \
    .config_flags = AUX_CFG_HEADS, .check_config = dqn_check_config,                             \
    .rates = {{"train/learning_rate", "dqn.learning_rate"}}

typedef enum { VB_DQN = 0, VB_QRDQN, VB_C51 } vb_kind;

static const char *const vb_names[] = {"dqn", "qrdqn", "c51"};

typedef struct {
    offp_value b;                     /* first: the shared hooks take the agent as an offp_value */
    vb_kind kind;
    int M, KM;                        /* M outputs per action (1, Nq or atoms) */
    bool double_q;
    loss_spec loss;
    float kappa, v_min, v_max;        /* qrdqn / c51 parameters from the loss spec */
    qnet net, tnet;
    qnet_cache c_obs, c_next, c_tnext;   /* online on obs, online on next obs, target on next obs */
    /* per-update */
    float *taus, *atoms;              /* (Nq), (A) */
    float *qsa, *target, *dqsa, *dout, *probs;   /* (B, M) (B, M) (B, M) (B, KM) (B, A) */
    nn_mlp enc;                       /* the aux heads' encoder: net.trunk's first layers, a prefix of params */
} dqn;

/* ---- values from the network output ------------------------------------------------------ */

/* value (K) of each action for one row of output (KM): the output itself (dqn), the mean
 * quantile (qrdqn), or the expectation over the atoms (c51) */
static void action_values(const dqn *p, const float *out, float *val)
{
    if (p->kind == VB_DQN) memcpy(val, out, (size_t)p->b.K * sizeof(float));
    else if (p->kind == VB_QRDQN) dqn_qr_values(out, p->b.K, p->M, val);
    else dqn_c51_values(out, p->b.K, p->M, p->atoms, val);
}

/* offp_value_settings.best: the best valid action of one row (dout: the K values' scratch, free
 * outside loss_grad's backward) */
static int best_action(offp_value *b, const float *row, const uint8_t *valid)
{
    dqn *p = (dqn *)b;
    action_values(p, row, p->dout);
    return act_mask_argmax(p->dout, valid, b->K);
}

/* ---- the steps of vb_create -------------------------------------------------------------- */

/* What the environment's dimensions make of the config's sizes, checked before allocating: the
 * replay buffer (dqn.buffer_size transitions of two observations, action, reward), the
 * Q-network's output layer (last hidden width x actions x quantiles or atoms) and the activation
 * caches of a batch. */
static rl_status check_sizes(const rl_config *cfg, const char *src, int obs_dim, int K, int M, char *err,
                             size_t err_sz)
{
    int64_t width = cfg->network.hidden.n ? cfg->network.hidden.v[cfg->network.hidden.n - 1] : obs_dim;
    rl_status st = offp_value_check_buffer(src, "dqn", dqn_of(cfg)->buffer_size, obs_dim, err, err_sz);
    if (st == RL_OK)
        st = rl_limit_check(src, "network.hidden, dqn.n_quantiles, losses.c51 atoms",
                            "output layer parameters ((last width + 1) x actions x quantiles or atoms)",
                            rl_mul_sat(width + 1, rl_mul_sat(K, M)), RL_LIMIT_NET_PARAMS, err, err_sz);
    /* online, target and double-Q passes over one batch */
    int64_t cache = rl_mul_sat(4, rl_mlp_cache_per_sample(&cfg->network.hidden, obs_dim, rl_mul_sat(K, M)));
    if (st == RL_OK)
        st = rl_limit_check(src, "dqn.batch_size, network.hidden", "activation cache floats of a batch",
                            rl_mul_sat(dqn_of(cfg)->batch_size, rl_add_sat(cache, 4 * (int64_t)obs_dim)),
                            RL_LIMIT_BUFFER_FLOATS, err, err_sz);
    return st;
}

/* the TD loss the kind needs, the activation, and the dueling option */
static rl_status vb_losses(dqn *p, vb_kind kind, const rl_config *cfg, const char *src, nn_act *act_out,
                           char *err, size_t err_sz)
{
    rl_status st;
    nn_act act;
    /* each kind's one loss slot (its descriptor's loss_slots[0]: td, quantile or c51) */
    st = agent_slot_loss(&p->loss, agent_find(vb_names[kind]), 0, cfg, err, err_sz);
    if (st == RL_OK && nn_act_from_name(cfg->network.activation, &act) != 0)
        st = rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: network.activation: unknown '%s'", src, cfg->network.activation);
    if (st == RL_OK && dqn_of(cfg)->dueling && cfg->network.hidden.n < 1)
        st = rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: dqn.dueling needs at least one hidden layer", src);
    if (st == RL_OK && dqn_of(cfg)->noisy && cfg->network.hidden.n < 1)
        st = rl_errf(err, err_sz, RL_ERR_CONFIG,
                     "%s: dqn.noisy needs at least one hidden layer in network.hidden (the heads read the last)", src);
    if (st == RL_OK) *act_out = act;
    return st;
}

/* the outputs per action (quantiles, atoms) and the loss's parameters */
static void vb_heads(dqn *p, vb_kind kind, const rl_config *cfg)
{
    p->M = 1;
    if (kind == VB_QRDQN) {
        p->M = (int)dqn_of(cfg)->n_quantiles;
        p->kappa = loss_spec_param(&p->loss, "kappa");
    } else if (kind == VB_C51) {
        p->M = (int)loss_spec_param(&p->loss, "atoms");
        p->v_min = loss_spec_param(&p->loss, "v_min");
        p->v_max = loss_spec_param(&p->loss, "v_max");
    }
}

/* the image encoder (network.encoder) of both Q-networks, and whether the replay stores the
 * observations a byte each (images of uint8 or bool values; not read by aux heads then) */
static rl_status vb_encoder(dqn *p, const rl_config *cfg, const env_space *obs_space, bool *obs_bytes, char *err,
                            size_t err_sz)
{
    rl_status st = algo_encoder_from_config(&p->net.img, &p->net.has_img, cfg, obs_space, vb_names[p->kind], err,
                                            err_sz);
    if (st != RL_OK) return st;
    p->tnet.img = p->net.img;
    p->tnet.has_img = p->net.has_img;
    *obs_bytes = algo_obs_bytes(obs_space) && aux_cfg_of(cfg)->n == 0;
    return RL_OK;
}

static void sample_batch(offp_value *b, float beta);
static float loss_grad(offp_value *b, double *qmean);
static int net_tensors(offp_value *b, nn_tensor *t, char names[][48], const char *prefix, bool target);
static void free_own(offp_value *b);

/* the online and target Q-networks in the shared flat buffers, the online one initialised from
 * the agent's RNG */
static void vb_networks(dqn *p, const rl_config *cfg, const env_space *obs_space, int K, int n_envs, nn_act act,
                        bool obs_bytes)
{
    int hidden[RL_LIST_MAX], nh = cfg->network.hidden.n;
    for (int i = 0; i < nh; i++) hidden[i] = (int)cfg->network.hidden.v[i];
    const dqn_cfg *c = dqn_of(cfg);
    int feat = p->net.has_img ? p->net.img.out_dim : obs_space->dim;   /* what the trunk reads */
    qnet_shape(&p->net, feat, hidden, nh, K, p->M, act, c->dueling, c->noisy);
    qnet_shape(&p->tnet, feat, hidden, nh, K, p->M, act, c->dueling, c->noisy);
    offp_value_settings s = {.algo = agent_find(vb_names[p->kind]), .prefix = "dqn", .k = OFFP_VALUE_KEYS(c),
                             .no_epsilon = c->noisy && !c->noisy_epsilon, .obs_bytes = obs_bytes,
                             .n_params = qnet_params(&p->net), .best = best_action,
                             .sample = sample_batch, .loss_grad = loss_grad, .net_tensors = net_tensors,
                             .free_own = free_own};
    offp_value_init(&p->b, &s, cfg, obs_space->dim, K, n_envs);
    p->KM = K * p->M;
    p->double_q = c->double_q;
    qnet_bind(&p->net, p->b.params, p->b.grads);
    qnet_bind(&p->tnet, p->b.tparams, NULL);
    qnet_init(&p->net, (float)c->noisy_sigma0, &p->b.rng);
}

/* the heads on the online network's last hidden layer, their Adam and the minibatch fields they
 * read (after the network: the heads draw from their own RNG) */
static rl_status dqn_aux_init(dqn *p, const rl_config *cfg, char *err, size_t err_sz)
{
    const qnet *q = &p->net;
    if (q->split) {
        p->enc = q->trunk;   /* the trunk ends at the last hidden layer */
    } else {
        RL_ASSERT(q->trunk.n_layers >= 2);
        int nh = q->trunk.n_layers - 1;
        nn_mlp_shape(&p->enc, p->b.obs_dim, q->trunk.sizes + 1, nh - 1, q->trunk.sizes[nh], q->trunk.hidden_act,
                     q->trunk.hidden_act);
        nn_mlp_bind(&p->enc, p->b.params, p->b.grads);   /* layer l's weight and bias sit where the trunk's do */
        RL_ASSERT(p->enc.w[nh - 1] == q->trunk.w[nh - 1]);
    }
    int rows = (int)(p->b.buf.rows < 1000000000 ? p->b.buf.rows : 1000000000);
    aux_shape sh = {.obs_dim = p->b.obs_dim, .K = p->b.K, .adim = 1, .max_batch = p->b.B, .horizon = rows,
                    .horizon_name = "replay buffer's length per env (dqn.buffer_size / num_envs)",
                    .act = q->trunk.hidden_act};
    return offp_aux_init(&p->b.ax, cfg, &p->enc, &sh, p->b.lr, (float)dqn_of(cfg)->adam_eps, err, err_sz);
}

/* the auxiliary heads on the Q-network's last hidden layer (aux:) */
static rl_status vb_attach_aux(dqn *p, const rl_config *cfg, const char *src, char *err, size_t err_sz)
{
    if (p->net.has_img)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: aux: the heads do not read an image encoder's features yet: expected network.encoder none or flatten with aux:", src);
    if (cfg->network.hidden.n < 1)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: aux: the heads read the Q-network's last hidden layer: network.hidden needs at least one layer", src);
    return dqn_aux_init(p, cfg, err, err_sz);
}

/* the arena: the forward caches and per-batch scratch, sized once; the quantile midpoints
 * (QR-DQN) or the atoms (C51) */
static rl_status vb_scratch(dqn *p, char *err, size_t err_sz)
{
    int maxb = p->b.maxb, B = p->b.B, M = p->M;
    size_t own = 3 * qnet_cache_need(&p->net, maxb) + rl_arena_need((size_t)M * 4) * 2 +
                 3 * rl_arena_need((size_t)B * M * 4) + rl_arena_need((size_t)B * p->KM * 4) +
                 rl_arena_need((size_t)B * M * 4);
    rl_status st = offp_value_arena(&p->b, own, err, err_sz);
    if (st != RL_OK) return st;
    rl_arena *a = &p->b.arena;
    qnet_cache_bind(&p->c_obs, &p->net, a, maxb);
    qnet_cache_bind(&p->c_next, &p->net, a, maxb);
    qnet_cache_bind(&p->c_tnext, &p->tnet, a, maxb);
    p->taus = rl_arena_floats(a, M);
    p->atoms = rl_arena_floats(a, M);
    p->qsa = rl_arena_floats(a, (size_t)B * M);
    p->target = rl_arena_floats(a, (size_t)B * M);
    p->dqsa = rl_arena_floats(a, (size_t)B * M);
    p->dout = rl_arena_floats(a, (size_t)B * p->KM);
    p->probs = rl_arena_floats(a, (size_t)B * M);
    if (p->kind == VB_QRDQN) loss_qr_taus(p->taus, M);
    if (p->kind == VB_C51) dqn_c51_atoms(p->atoms, M, p->v_min, p->v_max);
    return RL_OK;
}

static void free_own(offp_value *b)
{
    dqn *p = (dqn *)b;
    qnet_free(&p->net);
    qnet_free(&p->tnet);
}

static rl_status vb_create(vb_kind kind, void **self, const rl_config *cfg, const env_space *obs_space,
                           const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    rl_status st = offp_value_check_spaces(vb_names[kind], obs_space, act_space, src, err, err_sz);
    if (st != RL_OK) return st;
    dqn *p = rl_xcalloc(1, sizeof *p);
    p->kind = kind;
    nn_act act;
    bool obs_bytes;
    if ((st = vb_losses(p, kind, cfg, src, &act, err, err_sz)) == RL_OK) vb_heads(p, kind, cfg);
    if (st == RL_OK) st = vb_encoder(p, cfg, obs_space, &obs_bytes, err, err_sz);
    if (st == RL_OK) st = check_sizes(cfg, src, obs_space->dim, act_space->n, p->M, err, err_sz);
    if (st != RL_OK) {
        free(p);
        return st;
    }
    vb_networks(p, cfg, obs_space, act_space->n, n_envs, act, obs_bytes);
    if ((st = offp_value_start(&p->b, cfg, obs_space, err, err_sz)) ||
        (aux_cfg_of(cfg)->n > 0 && (st = vb_attach_aux(p, cfg, src, err, err_sz))) || (st = vb_scratch(p, err, err_sz))) {
        offp_value_destroy(p);
        return st;
    }
    offp_value_report(&p->b);
    *self = p;
    return RL_OK;
}

static rl_status dqn_create(void **self, const rl_config *cfg, const env_space *o, const env_space *a, int n,
                            char *err, size_t err_sz)
{
    return vb_create(VB_DQN, self, cfg, o, a, n, err, err_sz);
}
static rl_status qrdqn_create(void **self, const rl_config *cfg, const env_space *o, const env_space *a, int n,
                              char *err, size_t err_sz)
{
    return vb_create(VB_QRDQN, self, cfg, o, a, n, err, err_sz);
}
static rl_status c51_create(void **self, const rl_config *cfg, const env_space *o, const env_space *a, int n,
                            char *err, size_t err_sz)
{
    return vb_create(VB_C51, self, cfg, o, a, n, err, err_sz);
}

/* ---- acting ------------------------------------------------------------------------------ */

static void dqn_act(void *self, const float *obs, int n, float *actions, bool explore)
{
    dqn *p = self;
    /* noisy heads: new noise for each exploring step, the mean network (mu) otherwise */
    if (explore) qnet_resample(&p->net, &p->b.rng);
    else qnet_noise_off(&p->net);
    const float *out = qnet_forward(&p->c_next, &p->net, obs, n);   // (n, KM)
    float eps = explore ? offp_value_epsilon(&p->b, p->b.env_steps) : 0.0f;
    offp_value_choose(&p->b, out, (size_t)p->KM, n, eps, explore ? &p->b.rng : NULL, actions);
    if (explore) offp_value_keep_step(&p->b, obs, actions, n);
}

/* agent_algo.act_sample: epsilon-greedy at the current exploration rate, drawn with rng (SB3's
 * DQN.predict(deterministic=False)), among the valid actions when a mask was passed; noisy heads
 * act with their mean (mu), and their epsilon is 0 unless dqn.noisy_epsilon */
static void dqn_act_sample(void *self, const float *obs, int n, float *actions, rl_rng *rng)
{
    dqn *p = self;
    qnet_noise_off(&p->net);
    const float *out = qnet_forward(&p->c_next, &p->net, obs, n);   // (n, KM)
    offp_value_choose(&p->b, out, (size_t)p->KM, n, offp_value_epsilon(&p->b, p->b.env_steps), rng, actions);
}

/* ---- learning ---------------------------------------------------------------------------- */

/* the targets at a* from the target network's output tout (B, KM): C51's projected distribution,
 * or R + disc theta_target(s', a*) per output */
static void targets(dqn *p, const float *tout)
{
    const int M = p->M;
    const replay_batch *bt = &p->b.batch;
    for (int i = 0; i < p->b.B; i++) {
        const float *t = tout + (size_t)i * p->KM + (size_t)p->b.a_star[i] * M;
        float *y = p->target + (size_t)i * M;
        if (p->kind == VB_C51)   /* next distribution at a*, projected with this sample's discount */
            dqn_c51_target(y, p->probs + (size_t)i * M, t, M, bt->returns[i], bt->discount[i], p->v_min, p->v_max);
        else
            for (int j = 0; j < M; j++) y[j] = bt->returns[i] + bt->discount[i] * t[j];
    }
}

/* a fresh minibatch, its targets, and what the aux heads read of it */
static void sample_batch(offp_value *b, float beta)
{
    dqn *p = (dqn *)b;
    const int B = b->B;
    const replay_batch *bt = &b->batch;
    offp_value_sample(b, beta);
    /* noisy heads: new noise for the online and (its own) for the target network, held for the update */
    qnet_resample(&p->net, &b->rng);
    qnet_resample(&p->tnet, &b->rng);
    const float *tout = qnet_forward(&p->c_tnext, &p->tnet, bt->next_obs, B);   // (B, KM)
    const float *sel = p->double_q ? qnet_forward(&p->c_next, &p->net, bt->next_obs, B) : tout;
    offp_value_a_star(b, sel, (size_t)p->KM);
    targets(p, tout);
    if (b->ax.aux) offp_aux_gather(&b->ax, &b->buf, bt->idx, B, b->obs_dim);
}

/* the kind's loss of qsa against the targets, its gradient dqsa and the TD errors td */
static float kind_loss(dqn *p)
{
    const int B = p->b.B, M = p->M;
    const float *w = p->b.prioritized ? p->b.batch.weights : NULL;
    float loss;
    if (p->kind == VB_DQN) {
        loss = loss_value_eval(&p->loss, p->qsa, NULL, p->target, w, B, p->dqsa);
        for (int i = 0; i < B; i++) p->b.td[i] = p->qsa[i] - p->target[i];
    } else if (p->kind == VB_QRDQN) {
        loss = loss_quantile_huber(p->qsa, p->target, p->taus, 0, w, B, M, M, p->kappa, p->dqsa);
        if (p->b.prioritized) dqn_qr_td(p->qsa, p->target, B, M, p->b.td);
    } else {
        loss = loss_c51(p->qsa, p->target, w, B, M, p->dqsa);
        if (p->b.prioritized) dqn_c51_td(p->qsa, p->target, B, M, p->b.td);   /* the cross-entropy */
    }
    return loss;
}

/* the heads' losses and their gradient at h (*dh_aux: NULL when no head touched it); false when
 * not finite */
static bool aux_grad(dqn *p, const float **dh_aux)
{
    const replay_batch *bt = &p->b.batch;
    offp_aux *x = &p->b.ax;
    /* the heads add the encoder gradient of their extra passes now; dh joins the TD gradient at
     * the last hidden layer in the backward */
    aux_batch ab = {.B = p->b.B, .obs = bt->obs, .h = qnet_h(&p->c_obs, &p->net), .u = bt->actions, .r = x->r,
                    .next = x->next, .pos = x->pos, .pos_ok = x->pos_ok};
    bool touched;
    x->total = aux_loss_grad(x->aux, &ab, x->dh, x->loss, &touched);
    *dh_aux = touched ? x->dh : NULL;
    return isfinite(x->total);
}

/* loss and gradients (params' grads, the heads') on the sampled minibatch; NAN when non-finite */
static float loss_grad(offp_value *b, double *qmean)
{
    dqn *p = (dqn *)b;
    const int B = b->B;
    const float *out = qnet_forward(&p->c_obs, &p->net, b->batch.obs, B);   // (B, KM)
    offp_value_gather(b, out, 1, p->M, p->qsa);
    double qs = 0.0;
    for (int i = 0; i < B; i++) {
        action_values(p, out + (size_t)i * p->KM, p->dout);   /* dout: the K values' scratch until scattered */
        qs += p->dout[offp_value_action(b, i)];
    }
    *qmean = qs / B;
    float loss = kind_loss(p);
    if (!isfinite(loss)) return offp_value_skip(b);
    offp_value_scatter(b, p->dqsa, 1, p->M, p->dout);
    memset(b->grads, 0, b->n_params * sizeof(float));
    const float *dh_aux = NULL;
    if (b->ax.aux && !aux_grad(p, &dh_aux)) return offp_value_skip(b);
    qnet_backward(&p->c_obs, &p->net, p->dout, dh_aux, B);
    if (!offp_value_grads_finite(b)) return offp_value_skip(b);
    return loss;
}

/* ---- checkpoints ------------------------------------------------------------------------- */

/* offp_value_settings.net_tensors: "q.*" or "q_target.*" as qnet_tensors names them */
static int net_tensors(offp_value *b, nn_tensor *t, char names[][48], const char *prefix, bool target)
{
    dqn *p = (dqn *)b;
    return qnet_tensors(t, names, prefix, target ? &p->tnet : &p->net);
}

static rl_status dqn_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err,
                          size_t err_sz)
{
    dqn *p = self;
    if (p->kind != VB_C51) return offp_value_save(self, path, extra, n_extra, err, err_sz);
    /* c51: the atoms' range too, for readers without rlc (scripts/rlc_policy.py) */
    nn_meta all[32];
    char vrange[2][32];
    int na = 0;
    for (int i = 0; i < n_extra && na < 30; i++) all[na++] = extra[i];
    snprintf(vrange[0], sizeof vrange[0], "%.9g", (double)p->v_min);
    snprintf(vrange[1], sizeof vrange[1], "%.9g", (double)p->v_max);
    all[na++] = (nn_meta){"c51.v_min", vrange[0]};
    all[na++] = (nn_meta){"c51.v_max", vrange[1]};
    return offp_value_save(self, path, all, na, err, err_sz);
}

#define DQN_HOOKS                                                                                   \
    OFFP_VALUE_HOOKS, DQN_CONFIG, .act = dqn_act, .act_sample = dqn_act_sample, .save = dqn_save,   \
    .extra_stats = offp_value_extra_stats

const agent_algo agent_dqn = {
    .name = "dqn", DQN_HOOKS, .create = dqn_create,
    .loss_slots = {{"losses.td", NULL, NULL, LOSS_KINDS(LOSS_KIND_REGRESSION)}},
};

const agent_algo agent_qrdqn = {
    .name = "qrdqn", DQN_HOOKS, .create = qrdqn_create,
    .loss_slots = {{"losses.quantile", "quantile_huber", NULL, 0}},
};

const agent_algo agent_c51 = {
    .name = "c51", DQN_HOOKS, .create = c51_create,
    .loss_slots = {{"losses.c51", "c51", NULL, 0}},
};
