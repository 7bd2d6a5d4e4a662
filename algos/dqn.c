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
 * the heads' losses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addons/aux.h"
#include "addons/her.h"
#include "agents/dataparallel.h"
#include "algos/encoder.h"
#include "algos/act_mask.h"
#include "algos/offpolicy.h"
#include "core/limits.h"
#include "core/arena.h"
#include "core/dist.h"
#include "core/mathx.h"
#include "losses/loss.h"
#include "nn/noisy.h"
#include "replay/replay.h"

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
    const dqn_cfg *c = dqn_of(cfg);
    return rl_limit_check_replay(cfg->source[0] ? cfg->source : "config", "dqn", c->batch_size, c->buffer_size,
                                 c->n_step, cfg->env.num_envs, err, err_sz);
}

#define DQN_CONFIG                                                                                  \
    .sections = (const rl_config_section *const[]){&dqn_section, &dqn_losses_section, &her_section, NULL},       \
    .config_flags = RL_CFG_AUX_HEADS, .check_config = dqn_check_config,                             \
    .rates = {{"train/learning_rate", "dqn.learning_rate"}}

typedef enum { VB_DQN = 0, VB_QRDQN, VB_C51 } vb_kind;

static const char *const vb_names[] = {"dqn", "qrdqn", "c51"};

/* a Q-network: one MLP, or a trunk (the hidden layers) with heads: value and advantage (dueling)
 * or one output head; the heads are dense layers, or NoisyLinear layers with noisy; after the
 * image encoder when network.encoder asks for one (its parameters first in the flat buffer) */
typedef struct {
    bool dueling, noisy, split;       /* split = dueling || noisy: a trunk, then heads */
    bool has_img;
    int K, M;                         /* actions, outputs per action */
    nn_obs_encoder img;
    nn_mlp trunk, vh, ah;             /* vh, ah: the dense heads (with noisy: their shapes, for the caches) */
    nn_noisy nv, na;                  /* the noisy heads (noisy) */
    float *noise_state;               /* owned: the noisy heads' noise and effective weights */
} qnet;

typedef struct {
    nn_obs_encoder_cache img;
    const float *feat;                /* what the trunk read in the last forward: obs or img's output */
    float *dfeat;                     /* (max_batch, img.out_dim) */
    nn_mlp_cache trunk, vh, ah;
    float *q;                         /* (max_batch, K M) dueling output */
    float *dadv, *dv, *dh, *dh2;      /* dueling backward scratch */
} qnet_cache;

typedef struct {
    vb_kind kind;
    int obs_dim, K, M, KM, n_envs, B; /* M outputs per action (1, Nq or atoms) */
    float gamma, lr, max_grad_norm, tau, start_e, end_e, per_beta0;
    int64_t total_steps, learning_starts, train_freq, grad_steps, target_iv, explore_steps;
    bool double_q, prioritized, noisy, noisy_eps, obs_bytes;
    bool use_masks;                   /* env.action_mask: targets over the next state's valid actions */
    her_relabeler her;                /* her: (addons/her.h) */
    loss_spec loss;
    float kappa, v_min, v_max;        /* qrdqn / c51 parameters from the loss spec */
    qnet net, tnet;
    float *params, *grads, *tparams;  /* (n_params) */
    size_t n_params;
    nn_adam opt;
    qnet_cache c_obs, c_next, c_tnext;   /* online on obs, online on next obs, target on next obs */
    rl_arena arena;
    rl_rng rng;
    replay_buffer buf;
    replay_batch batch;
    int64_t env_steps, updates, nonfinite_skips;
    /* per-step */
    float *step_obs, *step_act, *next_fix;   /* (N, D), (N), (N, D) */
    int *iact;                               /* (max act batch) */
    /* per-update */
    float *taus, *atoms;              /* (Nq), (A) */
    int *a_star;                      /* (B) */
    float *qsa, *target, *dqsa, *dout, *td, *probs;   /* (B, M) (B, M) (B, M) (B, KM) (B) (B, A) */
    /* auxiliary heads on the last hidden layer of the online network */
    offp_aux ax;
    nn_mlp enc;                       /* the encoder: net.trunk's first layers, a prefix of params */
    act_mask am;                      /* the valid actions of the next act()'s rows (env.action_mask) */
    act_mask_store next_masks;        /* env.action_mask: the next states' masks, slot by slot */
} dqn;

enum { ST_LOSS, ST_QMEAN, ST_EPS, ST_GRADNORM, ST_BETA, ST_SKIPPED, ST_COUNT };

/* ---- the Q-network ----------------------------------------------------------------------- */

static void qnet_shape(qnet *q, int D, const int *hidden, int nh, int K, int M, nn_act act, bool dueling,
                       bool noisy)
{
    q->dueling = dueling, q->noisy = noisy, q->split = dueling || noisy;
    q->K = K, q->M = M;
    if (!q->split) {
        nn_mlp_shape(&q->trunk, D, hidden, nh, K * M, act, NN_ACT_NONE);
        return;
    }
    /* the last hidden layer is the trunk's output; the heads are single (dense or noisy) layers */
    int H = hidden[nh - 1];
    nn_mlp_shape(&q->trunk, D, hidden, nh - 1, H, act, act);
    nn_mlp_shape(&q->vh, H, NULL, 0, M, act, NN_ACT_NONE);
    nn_mlp_shape(&q->ah, H, NULL, 0, K * M, act, NN_ACT_NONE);
    nn_noisy_shape(&q->nv, H, M);
    nn_noisy_shape(&q->na, H, K * M);
}

/* a head's parameters: its dense layer's, or its noisy layer's (mu and sigma) */
static size_t head_params(const qnet *q, const nn_mlp *m, const nn_noisy *nz)
{
    return q->noisy ? nz->n_params : m->n_params;
}

static size_t qnet_params(const qnet *q)
{
    size_t n = (q->has_img ? q->img.n_params : 0) + q->trunk.n_params;
    if (q->dueling) n += head_params(q, &q->vh, &q->nv);
    if (q->split) n += head_params(q, &q->ah, &q->na);
    return n;
}

/* binds the trunk and heads into params (grads); allocates the noisy heads' state once */
static void qnet_bind(qnet *q, float *params, float *grads)
{
    if (q->has_img) {
        nn_obs_encoder_bind(&q->img, params, grads);
        params += q->img.n_params;
        grads = grads ? grads + q->img.n_params : NULL;
    }
    nn_mlp_bind(&q->trunk, params, grads);
    if (!q->split) return;
    size_t a = q->trunk.n_params;
    if (q->noisy && !q->noise_state)
        q->noise_state = rl_xcalloc(nn_noisy_state_floats(&q->nv) + nn_noisy_state_floats(&q->na), sizeof(float));
    if (q->dueling) {
        if (q->noisy) nn_noisy_bind(&q->nv, params + a, grads ? grads + a : NULL, q->noise_state);
        else nn_mlp_bind(&q->vh, params + a, grads ? grads + a : NULL);
        a += head_params(q, &q->vh, &q->nv);
    }
    if (q->noisy)
        nn_noisy_bind(&q->na, params + a, grads ? grads + a : NULL, q->noise_state + nn_noisy_state_floats(&q->nv));
    else nn_mlp_bind(&q->ah, params + a, grads ? grads + a : NULL);
}

/* PyTorch's default init for the image encoder and the dense layers (trunk, then value and
 * advantage heads), the paper's for the noisy heads */
static void qnet_init(qnet *q, float sigma0, rl_rng *rng)
{
    if (q->has_img) nn_obs_encoder_init_torch_default(&q->img, rng);
    nn_mlp_init_torch_default(&q->trunk, rng);
    if (q->dueling) {
        if (q->noisy) nn_noisy_init(&q->nv, sigma0, rng);
        else nn_mlp_init_torch_default(&q->vh, rng);
    }
    if (q->split) {
        if (q->noisy) nn_noisy_init(&q->na, sigma0, rng);
        else nn_mlp_init_torch_default(&q->ah, rng);
    }
}

/* new noise for the noisy heads (nothing without noisy) */
static void qnet_resample(qnet *q, rl_rng *rng)
{
    if (!q->noisy) return;
    if (q->dueling) nn_noisy_sample(&q->nv, rng);
    nn_noisy_sample(&q->na, rng);
}

/* no noise: the heads compute with mu (deterministic evaluation) */
static void qnet_noise_off(qnet *q)
{
    if (!q->noisy) return;
    if (q->dueling) nn_noisy_zero_noise(&q->nv);
    nn_noisy_zero_noise(&q->na);
}

static size_t qnet_cache_need(const qnet *q, int maxb)
{
    size_t n = rl_arena_need(nn_mlp_cache_floats(&q->trunk, maxb) * 4);
    if (q->has_img)
        n += rl_arena_need(nn_obs_encoder_cache_floats(&q->img, maxb) * 4) +
             rl_arena_need((size_t)maxb * q->img.out_dim * 4);
    if (q->split) {
        int KM = q->K * q->M, H = q->ah.sizes[0];
        n += rl_arena_need(nn_mlp_cache_floats(&q->vh, maxb) * 4) +
             rl_arena_need(nn_mlp_cache_floats(&q->ah, maxb) * 4) + 2 * rl_arena_need((size_t)maxb * KM * 4) +
             rl_arena_need((size_t)maxb * q->M * 4) + 2 * rl_arena_need((size_t)maxb * H * 4);
    }
    return n;
}

static void qnet_cache_bind(qnet_cache *c, const qnet *q, rl_arena *a, int maxb)
{
    nn_mlp_cache_bind(&c->trunk, &q->trunk, rl_arena_floats(a, nn_mlp_cache_floats(&q->trunk, maxb)), maxb);
    if (q->has_img) {
        nn_obs_encoder_cache_bind(&c->img, &q->img, rl_arena_floats(a, nn_obs_encoder_cache_floats(&q->img, maxb)), maxb);
        c->dfeat = rl_arena_floats(a, (size_t)maxb * q->img.out_dim);
    }
    if (!q->split) return;
    int KM = q->K * q->M, H = q->ah.sizes[0];
    nn_mlp_cache_bind(&c->vh, &q->vh, rl_arena_floats(a, nn_mlp_cache_floats(&q->vh, maxb)), maxb);
    nn_mlp_cache_bind(&c->ah, &q->ah, rl_arena_floats(a, nn_mlp_cache_floats(&q->ah, maxb)), maxb);
    c->q = rl_arena_floats(a, (size_t)maxb * KM);
    c->dadv = rl_arena_floats(a, (size_t)maxb * KM);
    c->dv = rl_arena_floats(a, (size_t)maxb * q->M);
    c->dh = rl_arena_floats(a, (size_t)maxb * H);
    c->dh2 = rl_arena_floats(a, (size_t)maxb * H);
}

/* a head over h (n, H): its dense layer, or its noisy layer (output in the same cache row) */
static const float *head_forward(nn_mlp_cache *c, const nn_mlp *m, nn_noisy *nz, const float *h, int n)
{
    if (!nz) return nn_mlp_forward(c, m, h, n);
    nn_noisy_forward(c->act[1], h, nz, n);
    return c->act[1];
}

static void head_backward(float *dh, nn_mlp_cache *c, nn_mlp *m, nn_noisy *nz, const float *dout, const float *h,
                          int n)
{
    if (nz) nn_noisy_backward(dh, nz, dout, h, n);
    else nn_mlp_backward(dh, c, m, dout, h, n);
}

/* obs (n, D) -> (n, K M); dueling: out[k, j] = v[j] + a[k, j] - mean over k of a[k, j] */
static const float *qnet_forward(qnet_cache *c, qnet *q, const float *obs, int n)
{
    c->feat = q->has_img ? nn_obs_encoder_forward(&c->img, &q->img, obs, n) : obs;
    float *h = nn_mlp_forward(&c->trunk, &q->trunk, c->feat, n);
    if (!q->split) return h;
    const float *v = q->dueling ? head_forward(&c->vh, &q->vh, q->noisy ? &q->nv : NULL, h, n) : NULL;   // (n, M)
    const float *adv = head_forward(&c->ah, &q->ah, q->noisy ? &q->na : NULL, h, n);                     // (n, K M)
    if (!q->dueling) return adv;
    int K = q->K, M = q->M;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < M; j++) {
            const float *a = adv + (size_t)i * K * M + j;
            double m = 0.0;
            for (int k = 0; k < K; k++) m += a[(size_t)k * M];
            m /= K;
            for (int k = 0; k < K; k++)
                c->q[((size_t)i * K + k) * M + j] = (float)(v[(size_t)i * M + j] + a[(size_t)k * M] - m);
        }
    return c->q;
}

/* the last hidden layer (n, H) of the last forward on c: the encoding the aux heads read */
static const float *qnet_h(const qnet_cache *c, const qnet *q)
{
    return c->trunk.act[q->split ? q->trunk.n_layers : q->trunk.n_layers - 1];
}

/* the dueling combination's backward: dv (n, M) and dadv (n, K M) from dq (n, K M) */
static void dueling_backward(qnet_cache *c, const qnet *q, const float *dq, int n)
{
    int K = q->K, M = q->M;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < M; j++) {
            const float *d = dq + (size_t)i * K * M + j;
            double s = 0.0;
            for (int k = 0; k < K; k++) s += d[(size_t)k * M];
            c->dv[(size_t)i * M + j] = (float)s;
            for (int k = 0; k < K; k++) c->dadv[((size_t)i * K + k) * M + j] = (float)(d[(size_t)k * M] - s / K);
        }
}

/* backward of the last forward on c; dq (n, out); dh_aux (n, H) is added at qnet_h (NULL: none) */
static void qnet_backward(qnet_cache *c, qnet *q, const float *dq, const float *dh_aux, int n)
{
    const float *obs = c->feat;
    float *dfeat = q->has_img ? c->dfeat : NULL;
    if (!q->split) {
        if (dh_aux) nn_mlp_backward_add(dfeat, &c->trunk, &q->trunk, dq, obs, q->trunk.n_layers - 1, dh_aux, n);
        else nn_mlp_backward(dfeat, &c->trunk, &q->trunk, dq, obs, n);
        if (dfeat) nn_obs_encoder_backward(&c->img, &q->img, dfeat, n);
        return;
    }
    int H = q->ah.sizes[0];
    const float *h = c->trunk.act[q->trunk.n_layers];
    if (q->dueling) {
        dueling_backward(c, q, dq, n);
        head_backward(c->dh, &c->vh, &q->vh, q->noisy ? &q->nv : NULL, c->dv, h, n);
        head_backward(c->dh2, &c->ah, &q->ah, q->noisy ? &q->na : NULL, c->dadv, h, n);
        for (size_t i = 0; i < (size_t)n * H; i++) c->dh[i] += c->dh2[i];
    } else {
        head_backward(c->dh, &c->ah, &q->ah, &q->na, dq, h, n);   /* split without dueling: noisy */
    }
    if (dh_aux)
        for (size_t i = 0; i < (size_t)n * H; i++) c->dh[i] += dh_aux[i];
    nn_mlp_backward(dfeat, &c->trunk, &q->trunk, c->dh, obs, n);
    if (dfeat) nn_obs_encoder_backward(&c->img, &q->img, dfeat, n);
}

/* ---- values from the network output ------------------------------------------------------ */

/* value (K) of each action for one row of output (KM): the mean quantile (qrdqn), the
 * expectation over the atoms (c51), or the output itself (dqn) */
static void action_values(const dqn *p, const float *out, float *val)
{
    if (p->kind == VB_DQN) {
        memcpy(val, out, (size_t)p->K * sizeof(float));
        return;
    }
    for (int k = 0; k < p->K; k++) {
        const float *o = out + (size_t)k * p->M;
        double s = 0.0;
        if (p->kind == VB_QRDQN) {
            for (int j = 0; j < p->M; j++) s += o[j];
            s /= p->M;
        } else {
            float mx = o[0];
            for (int j = 1; j < p->M; j++) mx = o[j] > mx ? o[j] : mx;
            float z = 0.0f, sf = 0.0f;     /* float expf: this only ranks actions and builds targets */
            for (int j = 0; j < p->M; j++) {
                float e = expf(o[j] - mx);
                z += e;
                sf += e * p->atoms[j];
            }
            s = (double)sf / z;
        }
        val[k] = (float)s;
    }
}

/* the best action among the valid ones (valid NULL: all) */
static int argmax_row(const dqn *p, const float *out, float *scratch_k, const uint8_t *valid)
{
    action_values(p, out, scratch_k);
    return act_mask_argmax(scratch_k, valid, p->K);
}

/* the action index a sampled transition holds; a restored buffer's actions were checked when it
 * was read (offp_replay_load), so this only guards the index against a broken invariant */
static inline int batch_action(const dqn *p, float a)
{
    RL_ASSERT_MSG(a >= 0.0f && a < (float)p->K, "dqn: a replayed action is not an index of the env's actions");
    return (int)a;
}

/* ---- lifecycle --------------------------------------------------------------------------- */

static void dqn_destroy(void *self)
{
    dqn *p = self;
    if (!p) return;
    free(p->params);
    free(p->grads);
    free(p->tparams);
    free(p->net.noise_state);
    free(p->tnet.noise_state);
    nn_adam_free(&p->opt);
    offp_aux_free(&p->ax);
    rl_arena_free(&p->arena);
    replay_buffer_free(&p->buf);
    replay_batch_free(&p->batch);
    act_mask_free(&p->am);
    act_mask_store_free(&p->next_masks);
    free(p);
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
        nn_mlp_shape(&p->enc, p->obs_dim, q->trunk.sizes + 1, nh - 1, q->trunk.sizes[nh], q->trunk.hidden_act,
                     q->trunk.hidden_act);
        nn_mlp_bind(&p->enc, p->params, p->grads);   /* layer l's weight and bias sit where the trunk's do */
        RL_ASSERT(p->enc.w[nh - 1] == q->trunk.w[nh - 1]);
    }
    int rows = (int)(p->buf.rows < 1000000000 ? p->buf.rows : 1000000000);
    aux_shape sh = {.obs_dim = p->obs_dim, .K = p->K, .adim = 1, .max_batch = p->B, .horizon = rows,
                    .horizon_name = "replay buffer's length per env (dqn.buffer_size / num_envs)",
                    .act = q->trunk.hidden_act};
    return offp_aux_init(&p->ax, cfg, &p->enc, &sh, p->lr, (float)dqn_of(cfg)->adam_eps, err, err_sz);
}

static int dqn_extra_stats(void *self, const char **names, int max)
{
    dqn *p = self;
    return offp_aux_stat_names(&p->ax, names, max);
}

/* What the environment's dimensions make of the config's sizes, checked before allocating: the
 * replay buffer (dqn.buffer_size transitions of two observations, action, reward), the
 * Q-network's output layer (last hidden width x actions x quantiles or atoms) and the activation
 * caches of a batch. */
static rl_status check_sizes(const rl_config *cfg, const char *src, int obs_dim, int K, int M, char *err,
                             size_t err_sz)
{
    int64_t width = cfg->network.hidden.n ? cfg->network.hidden.v[cfg->network.hidden.n - 1] : obs_dim;
    rl_status st = rl_limit_check(src, "dqn.buffer_size", "replay buffer floats",
                                  rl_mul_sat(dqn_of(cfg)->buffer_size, 2 * (int64_t)obs_dim + 2),
                                  RL_LIMIT_BUFFER_FLOATS, err, err_sz);
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

/* ---- the steps of vb_create -------------------------------------------------------------- */

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

/* the observation size, the actions and the outputs per action (quantiles, atoms) */
static void vb_heads(dqn *p, vb_kind kind, const env_space *obs_space, const env_space *act_space,
                     const rl_config *cfg)
{
    p->obs_dim = obs_space->dim;
    p->K = act_space->n;
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
static rl_status vb_encoder(dqn *p, const rl_config *cfg, const env_space *obs_space, const char *name, char *err,
                            size_t err_sz)
{
    rl_status st = algo_encoder_from_config(&p->net.img, &p->net.has_img, cfg, obs_space, name, err, err_sz);
    if (st != RL_OK) return st;
    p->tnet.img = p->net.img;
    p->tnet.has_img = p->net.has_img;
    p->obs_bytes = algo_obs_bytes(obs_space) && cfg->aux.n == 0;
    return RL_OK;
}

/* the scalar settings */
static void vb_settings(dqn *p, const rl_config *cfg, int n_envs)
{
    p->KM = p->K * p->M;
    p->n_envs = n_envs;
    p->B = (int)dqn_of(cfg)->batch_size;
    p->gamma = (float)dqn_of(cfg)->gamma;
    p->lr = (float)dqn_of(cfg)->learning_rate;
    p->max_grad_norm = (float)dqn_of(cfg)->max_grad_norm;
    p->tau = (float)dqn_of(cfg)->tau;
    p->start_e = (float)dqn_of(cfg)->start_e;
    p->end_e = (float)dqn_of(cfg)->end_e;
    p->per_beta0 = (float)dqn_of(cfg)->per_beta;
    p->total_steps = cfg->root.total_steps;
    p->learning_starts = dqn_of(cfg)->learning_starts;
    p->train_freq = dqn_of(cfg)->train_frequency;
    p->grad_steps = dqn_of(cfg)->gradient_steps;
    p->target_iv = dqn_of(cfg)->target_update_interval;
    p->explore_steps = (int64_t)(dqn_of(cfg)->exploration_fraction * (double)cfg->root.total_steps);
    p->double_q = dqn_of(cfg)->double_q;
    p->prioritized = dqn_of(cfg)->prioritized;
    p->noisy = dqn_of(cfg)->noisy;
    p->noisy_eps = dqn_of(cfg)->noisy_epsilon;
    p->use_masks = cfg->env.action_mask;
}

/* the online and target Q-networks in flat buffers, initialised from p->rng */
static void vb_networks(dqn *p, const rl_config *cfg, nn_act act)
{
    int hidden[RL_LIST_MAX], nh = cfg->network.hidden.n;
    for (int i = 0; i < nh; i++) hidden[i] = (int)cfg->network.hidden.v[i];
    const dqn_cfg *c = dqn_of(cfg);
    int feat = p->net.has_img ? p->net.img.out_dim : p->obs_dim;   /* what the trunk reads */
    qnet_shape(&p->net, feat, hidden, nh, p->K, p->M, act, c->dueling, c->noisy);
    qnet_shape(&p->tnet, feat, hidden, nh, p->K, p->M, act, c->dueling, c->noisy);
    p->n_params = qnet_params(&p->net);
    p->params = rl_xcalloc(p->n_params, sizeof(float));
    p->grads = rl_xcalloc(p->n_params, sizeof(float));
    p->tparams = rl_xcalloc(p->n_params, sizeof(float));
    qnet_bind(&p->net, p->params, p->grads);
    qnet_bind(&p->tnet, p->tparams, NULL);
    rl_rng_seed(&p->rng, rl_seed_derive((uint64_t)cfg->root.seed, 1), 1);
    qnet_init(&p->net, (float)c->noisy_sigma0, &p->rng);
    memcpy(p->tparams, p->params, p->n_params * sizeof(float));

}

/* the optimizer, the replay buffer and the batch */
static rl_status vb_buffers(dqn *p, const rl_config *cfg, int n_envs, char *err, size_t err_sz)
{
    rl_status st;
    replay_config rc;
    replay_config_default(&rc);
    rc.capacity = dqn_of(cfg)->buffer_size;
    rc.n_envs = n_envs;
    rc.obs_dim = p->obs_dim;
    rc.act_dim = 1;
    rc.n_actions = p->K;   /* the stored action is the index of the action taken */
    rc.n_step = (int)dqn_of(cfg)->n_step;
    rc.gamma = p->gamma;
    rc.prioritized = p->prioritized;
    rc.alpha = (float)dqn_of(cfg)->per_alpha;
    rc.eps = (float)dqn_of(cfg)->per_eps;
    rc.obs_bytes = p->obs_bytes;
    if ((st = nn_adam_init(&p->opt, p->n_params, p->lr, 0.9f, 0.999f, (float)dqn_of(cfg)->adam_eps, err, err_sz)) ||
        (st = replay_buffer_init(&p->buf, &rc, err, err_sz)) ||
        (st = replay_batch_init(&p->batch, p->B, p->obs_dim, 1, err, err_sz))) {
        return st;
    }
    return RL_OK;
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

/* the arena: the forward caches and per-step or per-batch scratch, sized once; the quantile
 * midpoints (QR-DQN) or the atoms (C51) */
static rl_status vb_scratch(dqn *p, vb_kind kind, int n_envs, char *err, size_t err_sz)
{
    rl_status st;
    int maxb = p->B;
    if (n_envs > maxb) maxb = n_envs;
    if (AGENT_EVAL_BATCH > maxb) maxb = AGENT_EVAL_BATCH;
    int N = n_envs, D = p->obs_dim, B = p->B, M = p->M;
    size_t need = 3 * qnet_cache_need(&p->net, maxb) + 2 * rl_arena_need((size_t)N * D * 4) +
                  rl_arena_need((size_t)N * 4) + rl_arena_need((size_t)maxb * 4) + rl_arena_need((size_t)M * 4) * 2 +
                  rl_arena_need((size_t)B * 4) * 2 + 3 * rl_arena_need((size_t)B * M * 4) +
                  rl_arena_need((size_t)B * p->KM * 4) + rl_arena_need((size_t)B * M * 4);
    if ((st = rl_arena_init(&p->arena, need, err, err_sz))) {
        return st;
    }
    qnet_cache_bind(&p->c_obs, &p->net, &p->arena, maxb);
    qnet_cache_bind(&p->c_next, &p->net, &p->arena, maxb);
    qnet_cache_bind(&p->c_tnext, &p->tnet, &p->arena, maxb);
    p->step_obs = rl_arena_floats(&p->arena, (size_t)N * D);
    p->next_fix = rl_arena_floats(&p->arena, (size_t)N * D);
    p->step_act = rl_arena_floats(&p->arena, N);
    p->iact = rl_arena_alloc(&p->arena, (size_t)maxb * sizeof(int));
    p->taus = rl_arena_floats(&p->arena, M);
    p->atoms = rl_arena_floats(&p->arena, M);
    p->a_star = rl_arena_alloc(&p->arena, (size_t)B * sizeof(int));
    p->td = rl_arena_floats(&p->arena, B);
    p->qsa = rl_arena_floats(&p->arena, (size_t)B * M);
    p->target = rl_arena_floats(&p->arena, (size_t)B * M);
    p->dqsa = rl_arena_floats(&p->arena, (size_t)B * M);
    p->dout = rl_arena_floats(&p->arena, (size_t)B * p->KM);
    p->probs = rl_arena_floats(&p->arena, (size_t)B * M);
    act_mask_init(&p->am, p->K, maxb);
    if (p->use_masks) act_mask_store_init(&p->next_masks, p->K, p->buf.rows * p->n_envs);
    if (kind == VB_QRDQN) loss_qr_taus(p->taus, M);
    if (kind == VB_C51)
        for (int j = 0; j < M; j++) p->atoms[j] = (float)(p->v_min + (p->v_max - p->v_min) * j / (M - 1.0));
    return RL_OK;
}

static rl_status vb_create(vb_kind kind, void **self, const rl_config *cfg, const env_space *obs_space,
                           const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    const char *name = vb_names[kind];
    if (act_space->kind != ENV_SPACE_DISCRETE)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo %s needs a Discrete action space", src, name);
    if (obs_space->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo %s: observations must be a Box", src, name);
    dqn *p = rl_xcalloc(1, sizeof *p);
    p->kind = kind;
    rl_status st;
    nn_act act;
    if ((st = vb_losses(p, kind, cfg, src, &act, err, err_sz))) {
        free(p);
        return st;
    }
    vb_heads(p, kind, obs_space, act_space, cfg);
    if ((st = vb_encoder(p, cfg, obs_space, name, err, err_sz))) {
        free(p);
        return st;
    }
    if ((st = check_sizes(cfg, src, p->obs_dim, p->K, p->M, err, err_sz))) {
        free(p);
        return st;
    }
    vb_settings(p, cfg, n_envs);
    vb_networks(p, cfg, act);
    if ((st = vb_buffers(p, cfg, n_envs, err, err_sz)) ||
        (st = her_init(&p->her, cfg, obs_space, &p->buf.cfg, name, err, err_sz)) ||
        (cfg->aux.n > 0 && (st = vb_attach_aux(p, cfg, src, err, err_sz))) ||
        (st = vb_scratch(p, kind, n_envs, err, err_sz))) {
        dqn_destroy(p);
        return st;
    }
    fprintf(stderr, "%s: replay buffer of %lld transitions (obs %d, %s, n_step %d): %.1f MB\n", name,
           (long long)p->buf.cfg.capacity, p->obs_dim, p->prioritized ? "prioritized" : "uniform", (int)dqn_of(cfg)->n_step,
           replay_buffer_bytes(&p->buf) / 1048576.0);
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

/* epsilon-greedy's epsilon; 0 with noisy heads, whose noise explores (unless noisy_epsilon) */
static float epsilon_at(const dqn *p, int64_t step)
{
    if (p->noisy && !p->noisy_eps) return 0.0f;
    if (p->explore_steps <= 0 || step >= p->explore_steps) return p->end_e;
    double f = (double)step / (double)p->explore_steps;
    return (float)(p->start_e + f * (p->end_e - p->start_e));
}

static void dqn_act(void *self, const float *obs, int n, float *actions, bool explore)
{
    dqn *p = self;
    /* noisy heads: new noise for each exploring step, the mean network (mu) otherwise */
    if (explore) qnet_resample(&p->net, &p->rng);
    else qnet_noise_off(&p->net);
    const float *out = qnet_forward(&p->c_next, &p->net, obs, n);   // (n, KM)
    float *vals = p->dout;   /* free between updates; K <= KM floats per call */
    float eps = explore ? epsilon_at(p, p->env_steps) : 0.0f;
    for (int i = 0; i < n; i++) {
        int a;
        const uint8_t *valid = act_mask_row(&p->am, i);
        if (explore && rl_rng_float(&p->rng) < eps) a = act_mask_uniform(&p->rng, valid, p->K);
        else a = argmax_row(p, out + (size_t)i * p->KM, vals, valid);
        actions[i] = (float)a;
    }
    p->am.set = false;
    if (!explore) return;
    RL_ASSERT(n == p->n_envs);
    memcpy(p->step_obs, obs, (size_t)n * p->obs_dim * sizeof(float));
    memcpy(p->step_act, actions, (size_t)n * sizeof(float));
}

/* agent_algo.act_sample: epsilon-greedy at the current exploration rate, drawn with rng (SB3's
 * DQN.predict(deterministic=False)), among the valid actions when a mask was passed; noisy heads
 * act with their mean (mu), and their epsilon is 0 unless dqn.noisy_epsilon */
static void dqn_act_sample(void *self, const float *obs, int n, float *actions, rl_rng *rng)
{
    dqn *p = self;
    qnet_noise_off(&p->net);
    const float *out = qnet_forward(&p->c_next, &p->net, obs, n);   // (n, KM)
    float eps = epsilon_at(p, p->env_steps);
    for (int i = 0; i < n; i++) {
        int a;
        const uint8_t *valid = act_mask_row(&p->am, i);
        if (rl_rng_float(rng) < eps) a = act_mask_uniform(rng, valid, p->K);
        else a = argmax_row(p, out + (size_t)i * p->KM, p->dout, valid);
        actions[i] = (float)a;
    }
    p->am.set = false;
}

static void dqn_action_mask(void *self, const uint8_t *mask, int n) { act_mask_set(&((dqn *)self)->am, mask, n); }

static void dqn_observe(void *self, const env_vec *v)
{
    dqn *p = self;
    if (p->use_masks && env_vec_masked(v))   /* beside the slots the step is about to fill */
        act_mask_store_add(&p->next_masks, (p->buf.added_rows % p->buf.rows) * p->n_envs, p->n_envs, v->action_mask,
                           v->final_mask, v->terminated, v->truncated);
    offp_store_step(&p->buf, p->step_obs, p->step_act, p->next_fix, p->n_envs, p->obs_dim, v);
    p->env_steps += p->n_envs;
}

/* ---- learning ---------------------------------------------------------------------------- */

/* a fresh minibatch, its targets, and what the aux heads read of it */
static void sample_batch(dqn *p, float beta)
{
    const int B = p->B, M = p->M, KM = p->KM;
    replay_batch *b = &p->batch;
    replay_buffer_sample(&p->buf, b, B, beta, &p->rng);
    her_relabel(&p->her, &p->buf, b, B, &p->rng);
    /* noisy heads: new noise for the online and (its own) for the target network, held for the update */
    qnet_resample(&p->net, &p->rng);
    qnet_resample(&p->tnet, &p->rng);
    float *vals = p->dout;   /* the K-value scratch; dout is rebuilt in loss_grad */

    /* targets from the target network at a* */
    const float *tout = qnet_forward(&p->c_tnext, &p->tnet, b->next_obs, B);   // (B, KM)
    const float *sel = p->double_q ? qnet_forward(&p->c_next, &p->net, b->next_obs, B) : tout;
    for (int i = 0; i < B; i++)
        p->a_star[i] = argmax_row(p, sel + (size_t)i * KM, vals, act_mask_store_row(&p->next_masks, b->next_idx[i]));
    for (int i = 0; i < B; i++) {
        const float *t = tout + (size_t)i * KM + (size_t)p->a_star[i] * M;
        if (p->kind == VB_C51) {
            /* next distribution at a*, then its projection with this sample's discount */
            rl_softmax(p->probs + (size_t)i * M, t, M);
            loss_c51_project(p->target + (size_t)i * M, p->probs + (size_t)i * M, &b->returns[i], NULL, 1, M,
                             b->discount[i], p->v_min, p->v_max);
        } else {
            for (int j = 0; j < M; j++) p->target[(size_t)i * M + j] = b->returns[i] + b->discount[i] * t[j];
        }
    }
    if (p->ax.aux) offp_aux_gather(&p->ax, &p->buf, b->idx, B, p->obs_dim);
}

/* loss and gradients (p->grads, aux_grads) on the sampled minibatch; NAN when non-finite */
static float loss_grad(dqn *p, double *qmean)
{
    const int B = p->B, M = p->M, KM = p->KM;
    const replay_batch *b = &p->batch;
    const float *w = p->prioritized ? b->weights : NULL;
    float *vals = p->dout;   /* the K-value scratch; dout is rebuilt below */

    /* online outputs at the taken actions */
    const float *out = qnet_forward(&p->c_obs, &p->net, b->obs, B);   // (B, KM)
    double qs = 0.0;
    for (int i = 0; i < B; i++) {
        int a = batch_action(p, b->actions[i]);
        memcpy(p->qsa + (size_t)i * M, out + (size_t)i * KM + (size_t)a * M, (size_t)M * sizeof(float));
        action_values(p, out + (size_t)i * KM, vals);
        qs += vals[a];
    }
    *qmean = qs / B;
    float loss;
    if (p->kind == VB_DQN) {
        loss = loss_value_eval(&p->loss, p->qsa, NULL, p->target, w, B, p->dqsa);
        for (int i = 0; i < B; i++) p->td[i] = p->qsa[i] - p->target[i];
    } else if (p->kind == VB_QRDQN) {
        loss = loss_quantile_huber(p->qsa, p->target, p->taus, 0, w, B, M, M, p->kappa, p->dqsa);
        for (int i = 0; p->prioritized && i < B; i++) {
            double d = 0.0;
            for (int j = 0; j < M; j++) d += p->target[(size_t)i * M + j] - p->qsa[(size_t)i * M + j];
            p->td[i] = (float)(d / M);
        }
    } else {
        loss = loss_c51(p->qsa, p->target, w, B, M, p->dqsa);
        for (int i = 0; p->prioritized && i < B; i++) {   /* per-sample cross-entropy as the priority */
            const float *l = p->qsa + (size_t)i * M, *m = p->target + (size_t)i * M;
            float lse = rl_logsumexp(l, M);
            double ce = 0.0;
            for (int j = 0; j < M; j++) ce -= m[j] * (l[j] - lse);
            p->td[i] = (float)ce;
        }
    }
    if (!isfinite(loss)) {
        p->nonfinite_skips++;
        return NAN;
    }
    memset(p->dout, 0, (size_t)B * KM * sizeof(float));
    for (int i = 0; i < B; i++) {
        int a = batch_action(p, b->actions[i]);
        memcpy(p->dout + (size_t)i * KM + (size_t)a * M, p->dqsa + (size_t)i * M, (size_t)M * sizeof(float));
    }
    memset(p->grads, 0, p->n_params * sizeof(float));
    const float *dh_aux = NULL;
    if (p->ax.aux) {
        /* the heads add the encoder gradient of their extra passes now; dh joins the TD
         * gradient at the last hidden layer in the backward below */
        aux_batch ab = {.B = B, .obs = b->obs, .h = qnet_h(&p->c_obs, &p->net), .u = b->actions, .r = p->ax.r,
                        .next = p->ax.next, .pos = p->ax.pos, .pos_ok = p->ax.pos_ok};
        bool touched;
        p->ax.total = aux_loss_grad(p->ax.aux, &ab, p->ax.dh, p->ax.loss, &touched);
        if (!isfinite(p->ax.total)) {
            p->nonfinite_skips++;
            return NAN;
        }
        if (touched) dh_aux = p->ax.dh;
    }
    qnet_backward(&p->c_obs, &p->net, p->dout, dh_aux, B);
    if (!rl_all_finite(p->grads, p->n_params) || (p->ax.aux && !rl_all_finite(aux_grads(p->ax.aux), aux_n_params(p->ax.aux)))) {
        p->nonfinite_skips++;
        return NAN;
    }
    return loss;
}

/* one gradient step on a fresh minibatch; returns the loss (NAN when skipped) */
static float update(dqn *p, float beta, double *qmean, double *gnorm)
{
    sample_batch(p, beta);
    float loss = loss_grad(p, qmean);
    /* data-parallel: the mean of every rank's gradients (agents/dataparallel.h) */
    bool ok = agent_dp_grads(p->grads, p->n_params, !isnan(loss));
    if (p->ax.aux) ok = agent_dp_grads(aux_grads(p->ax.aux), aux_n_params(p->ax.aux), ok);
    if (!ok) return NAN;
    if (p->ax.aux) {
        /* one clip over the network and the heads; with every weight 0 the heads' gradients
         * are zeros and this is nn_clip_grad_norm bit for bit */
        *gnorm = nn_clip_grad_norm2(p->grads, p->n_params, aux_grads(p->ax.aux), aux_n_params(p->ax.aux), p->max_grad_norm);
        nn_adam_step(&p->opt, p->params, p->grads);
        offp_aux_step(&p->ax);
    } else {
        *gnorm = nn_clip_grad_norm(p->grads, p->n_params, p->max_grad_norm);
        nn_adam_step(&p->opt, p->params, p->grads);
    }
    if (p->prioritized) replay_buffer_update_priorities(&p->buf, p->batch.idx, p->td, p->B);
    p->updates++;
    return loss;
}

/* ---- test hooks -------------------------------------------------------------------------- */

void dqn_test_sample(void *agent)
{
    dqn *p = agent;
    sample_batch(p, 1.0f);
}

double dqn_test_objective(void *agent, float *dparams)
{
    dqn *p = agent;
    double qm;
    p->ax.total = 0.0f;
    float l = loss_grad(p, &qm);
    if (dparams) memcpy(dparams, p->grads, p->n_params * sizeof(float));
    return (double)l + (double)p->ax.total;
}

float *dqn_test_params(void *agent, size_t *n)
{
    dqn *p = agent;
    *n = p->n_params;
    return p->params;
}

aux_module *dqn_test_aux(void *agent) { return ((dqn *)agent)->ax.aux; }

static bool dqn_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats)
{
    (void)v;
    dqn *p = self;
    p->env_steps = step;
    if (step < p->learning_starts) return false;
    /* the update schedule counts this rank's own steps (data-parallel: step counts every rank's,
     * docs/distributed.md), so each rank updates as one process on its share of the steps */
    int64_t own = step / rl_dist_size(), prev = own - p->n_envs;
    int64_t phases = own / p->train_freq - prev / p->train_freq;
    bool did = false;
    double sl = 0.0, sq = 0.0, sg = 0.0;
    int n_ok = 0;
    float beta = p->per_beta0 + (1.0f - p->per_beta0) * (float)((double)step / (double)total_steps);
    if (beta > 1.0f) beta = 1.0f;
    offp_aux_stats_reset(&p->ax);
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
        if (p->tau >= 1.0f) memcpy(p->tparams, p->params, p->n_params * sizeof(float));
        else nn_polyak(p->tparams, p->params, p->n_params, p->tau);
    }
    if (!did) return false;
    stats[ST_LOSS] = n_ok ? sl / n_ok : NAN;
    stats[ST_QMEAN] = n_ok ? sq / n_ok : NAN;
    stats[ST_EPS] = epsilon_at(p, step);
    stats[ST_GRADNORM] = n_ok ? sg / n_ok : NAN;
    stats[ST_BETA] = p->prioritized ? beta : NAN;
    stats[ST_SKIPPED] = (double)p->nonfinite_skips;
    offp_aux_stats(&p->ax, stats, ST_COUNT);
    return true;
}

/* ---- checkpoints ------------------------------------------------------------------------- */

#define DQN_MAX_TENSORS (4 * (NN_MAX_LAYERS + 4) + 4 * (NN_ENC_MAX_CONV + 1) + 5)

/* a head's tensors: "pre.0.weight", "pre.0.bias" (dense) or "pre.0.weight_mu", ".bias_mu",
 * ".weight_sigma", ".bias_sigma" (noisy) */
static int head_tensors(nn_tensor *t, char names[][48], const char *pre, const qnet *q, const nn_mlp *m,
                        const nn_noisy *nz)
{
    char p0[40];
    if (!q->noisy) return nn_mlp_tensors(t, names, pre, m);
    snprintf(p0, sizeof p0, "%s.0", pre);
    return nn_noisy_tensors(t, names, p0, nz);
}

/* "q.0.weight", ... (or "q.trunk.*", "q.value.*", "q.advantage.*" with dueling, "q.trunk.*",
 * "q.head.*" with noisy alone; noisy heads as head_tensors names them), after the encoder's "q.encoder.conv.<i>.*" and "q.encoder.dense.*" when there is one */
static int qnet_tensors(nn_tensor *t, char names[][48], const char *prefix, qnet *q)
{
    char pre[32];
    int n = 0;
    if (q->has_img) {
        snprintf(pre, sizeof pre, "%s.encoder", prefix);
        n = nn_obs_encoder_tensors(t, names, pre, &q->img);
    }
    if (!q->split) return n + nn_mlp_tensors(t + n, names + n, prefix, &q->trunk);
    snprintf(pre, sizeof pre, "%s.trunk", prefix);
    n += nn_mlp_tensors(t + n, names + n, pre, &q->trunk);
    if (q->dueling) {
        snprintf(pre, sizeof pre, "%s.value", prefix);
        n += head_tensors(t + n, names + n, pre, q, &q->vh, &q->nv);
    }
    snprintf(pre, sizeof pre, "%s.%s", prefix, q->dueling ? "advantage" : "head");
    n += head_tensors(t + n, names + n, pre, q, &q->ah, &q->na);
    return n;
}

static int dqn_tensors(dqn *p, nn_tensor *t, char names[][48], bool train_state)
{
    int n = qnet_tensors(t, names, "q", &p->net);
    if (train_state) {
        n += qnet_tensors(t + n, names + n, "q_target", &p->tnet);
        t[n++] = (nn_tensor){"optim.adam.m", p->opt.m, 1, {(int64_t)p->n_params}};
        t[n++] = (nn_tensor){"optim.adam.v", p->opt.v, 1, {(int64_t)p->n_params}};
    }
    n += offp_aux_tensors(&p->ax, t + n, train_state);
    return n;
}

/* the metadata of a checkpoint, in the order it is written */
static offp_ckpt dqn_ckpt(dqn *p)
{
    return (offp_ckpt){.algo = vb_names[p->kind], .prefix = "dqn", .rng = &p->rng, .n_fields = 4,
                       .fields = {{"dqn.adam_t", &p->opt.t}, {"dqn.rng", NULL}, {"dqn.updates", &p->updates},
                                  {"dqn.env_steps", &p->env_steps}},
                       .ax = &p->ax, .aux_step = &p->opt.t};   /* the heads step with the Q-network */
}

static rl_status dqn_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err,
                          size_t err_sz)
{
    dqn *p = self;
    nn_tensor t[DQN_MAX_TENSORS];
    char names[DQN_MAX_TENSORS][48];
    int n = dqn_tensors(p, t, names, true);
    offp_ckpt c = dqn_ckpt(p);
    if (p->kind != VB_C51) return offp_ckpt_save(&c, path, t, n, extra, n_extra, err, err_sz);
    /* c51: the atoms' range too, for readers without rlc (scripts/rlc_policy.py) */
    nn_meta all[32];
    char vrange[2][32];
    int na = 0;
    for (int i = 0; i < n_extra && na < 30; i++) all[na++] = extra[i];
    snprintf(vrange[0], sizeof vrange[0], "%.9g", (double)p->v_min);
    snprintf(vrange[1], sizeof vrange[1], "%.9g", (double)p->v_max);
    all[na++] = (nn_meta){"c51.v_min", vrange[0]};
    all[na++] = (nn_meta){"c51.v_max", vrange[1]};
    return offp_ckpt_save(&c, path, t, n, all, na, err, err_sz);
}

static replay_buffer *dqn_replay(void *self) { return &((dqn *)self)->buf; }

static rl_status dqn_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz)
{
    dqn *p = self;
    nn_tensor t[DQN_MAX_TENSORS];
    char names[DQN_MAX_TENSORS][48];
    int n = dqn_tensors(p, t, names, train_state);
    offp_ckpt c = dqn_ckpt(p);
    rl_status st = offp_ckpt_load(&c, f, t, n, train_state, err, err_sz);
    if (st != RL_OK) return st;
    if (!train_state) memcpy(p->tparams, p->params, p->n_params * sizeof(float));
    return RL_OK;
}

#define VB_STATS {"td_loss", "q_mean", "epsilon", "grad_norm", "per_beta", "skipped_updates"}

static int dqn_dp_tensors(void *self, nn_tensor *t, int max)
{
    dqn *p = self;
    RL_ASSERT(max >= 7);
    int n = 0;
    t[n++] = (nn_tensor){"params", p->params, 1, {(int64_t)p->n_params}};
    t[n++] = (nn_tensor){"target", p->tparams, 1, {(int64_t)p->n_params}};
    t[n++] = (nn_tensor){"adam.m", p->opt.m, 1, {(int64_t)p->opt.n}};
    t[n++] = (nn_tensor){"adam.v", p->opt.v, 1, {(int64_t)p->opt.n}};
    if (p->ax.aux) {
        t[n++] = (nn_tensor){"aux.params", aux_params(p->ax.aux), 1, {(int64_t)aux_n_params(p->ax.aux)}};
        t[n++] = (nn_tensor){"aux.adam.m", p->ax.opt.m, 1, {(int64_t)p->ax.opt.n}};
        t[n++] = (nn_tensor){"aux.adam.v", p->ax.opt.v, 1, {(int64_t)p->ax.opt.n}};
    }
    return n;
}

const agent_algo agent_dqn = {
    .name = "dqn", .n_stats = ST_COUNT, .stat_names = VB_STATS,
    DQN_CONFIG, .loss_slots = {{"losses.td", NULL, NULL, LOSS_KINDS(LOSS_KIND_REGRESSION)}},
    .create = dqn_create, .act = dqn_act, .act_sample = dqn_act_sample, .observe = dqn_observe, .learn = dqn_learn,
    .save = dqn_save, .load = dqn_load, .destroy = dqn_destroy, .extra_stats = dqn_extra_stats,
    .dp_tensors = dqn_dp_tensors, .replay = dqn_replay,
    .action_mask = dqn_action_mask,
};

const agent_algo agent_qrdqn = {
    .name = "qrdqn", .n_stats = ST_COUNT, .stat_names = VB_STATS,
    DQN_CONFIG, .loss_slots = {{"losses.quantile", "quantile_huber", NULL, 0}},
    .create = qrdqn_create, .act = dqn_act, .act_sample = dqn_act_sample, .observe = dqn_observe, .learn = dqn_learn,
    .save = dqn_save, .load = dqn_load, .destroy = dqn_destroy, .extra_stats = dqn_extra_stats,
    .dp_tensors = dqn_dp_tensors, .replay = dqn_replay,
    .action_mask = dqn_action_mask,
};

const agent_algo agent_c51 = {
    .name = "c51", .n_stats = ST_COUNT, .stat_names = VB_STATS,
    DQN_CONFIG, .loss_slots = {{"losses.c51", "c51", NULL, 0}},
    .create = c51_create, .act = dqn_act, .act_sample = dqn_act_sample, .observe = dqn_observe, .learn = dqn_learn,
    .save = dqn_save, .load = dqn_load, .destroy = dqn_destroy, .extra_stats = dqn_extra_stats,
    .dp_tensors = dqn_dp_tensors, .replay = dqn_replay,
    .action_mask = dqn_action_mask,
};
