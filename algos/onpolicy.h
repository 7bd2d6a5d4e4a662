/* rlc algos (internal): the pieces the on-policy agents (ppo, a2c, reinforce) share.
 *
 *   onp_net    the policy (categorical for Discrete actions, diagonal Gaussian for Box actions,
 *              independent categoricals / Bernoullis for MultiDiscrete / MultiBinary actions
 *              with a state-independent or state-dependent log-std, clipped or tanh-squashed)
 *              and an optional value function, as separate MLPs or one trunk with two heads,
 *              in one flat parameter buffer;
 *   onp_norm   observation and reward normalisation (envs/wrappers.h) owned by the agent, so that
 *              its statistics are checkpointed with the weights and frozen at evaluation;
 *   onp_opt    Adam or RMSprop over the flat buffer;
 *   onp_loss   a loss by name from the config (losses/loss.h registry).
 * What the rollout stores as the "action" is the pre-squash sample u (Box) or the index
 * (Discrete); onp_net_to_env maps it to the env's action. Nothing here allocates after init. */
#ifndef RLC_ALGOS_ONPOLICY_H
#define RLC_ALGOS_ONPOLICY_H

#include <stdbool.h>

#include "agents/agent.h"
#include "addons/aux.h"
#include "addons/exploration.h"
#include "agents/dataparallel.h"
#include "envs/wrappers.h"
#include "losses/loss.h"
#include "nn/obs_encoder.h"

#define ONP_MAX_TENSORS (8 * NN_MAX_LAYERS + 2 * NN_ENC_MAX_CONV + 22)

typedef struct {
    int obs_dim, adim;                /* floats per observation / stored action */
    int K;                            /* Discrete: number of actions; Box: 0 */
    int D;                            /* Box: action dims */
    int M;                            /* MultiDiscrete / MultiBinary: components (= adim); else 0 */
    bool binary;                      /* MultiBinary: one Bernoulli logit per component */
    int nvec[ENV_MAX_DIM];            /* the choices of each of the M components (2 for a bit) */
    bool state_std, tanh_squash;
    float ls_min, ls_max;
    float low[ENV_MAX_DIM], high[ENV_MAX_DIM];
    bool has_critic, shared;
    int n_v;                          /* value outputs: 1, or 2 (extrinsic, intrinsic) with RND */
    int max_batch;
    nn_mlp trunk, actor, critic;      /* shared: trunk + heads; else actor and critic on obs */
    struct onp_rec *rec;              /* not owned: a recurrent layer between the shared trunk and the
                                         heads (algos/recurrent.h), or NULL */
    struct onp_rec *rec_c;            /* not owned: the critic's own layer (recurrent.shared: false;
                                         rec is then the actor's), or NULL */
    float *log_std, *dlog_std;        /* Box, state-independent: (D) inside params / grads */
    float *params, *grads;            /* (n_params), owned */
    size_t n_params;
    nn_mlp_cache trunk_c, actor_c, critic_c;
    float *cache_mem;                 /* owned */
    /* scratch (max_batch rows) */
    float *mean, *ls;                 /* (B, D): state-dependent views (clamped log-std) */
    float *dmean, *dls;               /* (B, D) */
    float *dact;                      /* (B, actor out) */
    float *dh, *dh2;                  /* (B, trunk out) */
    float *dv;                        /* (B) */
    int *iact;                        /* (B, max(M, 1)) */
    /* action masking (Discrete): when mask is set, the next forwards give the actions whose byte
     * is 0 the logit ONP_MASKED_LOGIT (probability exactly 0: never sampled, no share of the
     * entropy, no gradient); mask (B, K) belongs to the caller, masked_logits is scratch */
    const uint8_t *mask;
    float *masked_logits;             /* (B, K) */
    /* results of the last forward */
    const float *h, *out_actor, *out_v;
    const float *dist_mean, *dist_ls;
    int ls_stride;
    /* the image encoder (network.encoder, algos/onp_encoder.c) under actor, critic and trunk:
     * obs -> feat -> the MLPs; its parameters last in params (after the log-std) */
    bool has_img;
    int in_dim;                       /* what the MLPs read: obs_dim, or img.out_dim */
    nn_obs_encoder img;
    nn_obs_encoder_cache img_c;
    float *img_mem;                   /* owned: img_c, dfeat_a, dfeat_c */
    const float *feat;                /* the last forward's features */
    float *dfeat_a, *dfeat_c;         /* (max_batch, in_dim): the actor's (or trunk's), the critic's */
} onp_net;

/* the logit of an invalid action (sb3-contrib's MaskableCategorical uses the same) */
#define ONP_MASKED_LOGIT (-1e8f)

/* Shapes and initialises (orthogonal: network.hidden_gain, actor_gain, critic_gain) from the
 * network and gaussian sections. max_batch bounds every later B. */
rl_status onp_net_init(onp_net *n, const rl_config *cfg, const env_space *obs_space,
                       const env_space *act_space, bool critic, bool shared, int max_batch,
                       rl_rng *rng, char *err, size_t err_sz);
/* The same with a recurrent layer (algos/recurrent.h; NULL: none) between the shared trunk and
 * the heads, and rec_c (NULL: none) the critic's own (rec then feeds the actor only), shaped
 * here on the trunk's output; their parameters follow the trunk's in the flat buffer (rec's,
 * then rec_c's). Each forward then runs the layout set last on the layers it uses
 * (onp_rec_layout). */
rl_status onp_net_init_rec(onp_net *n, const rl_config *cfg, const env_space *obs_space,
                           const env_space *act_space, bool critic, bool shared, int max_batch,
                           struct onp_rec *rec, struct onp_rec *rec_c, rl_rng *rng, char *err, size_t err_sz);
void onp_net_free(onp_net *n);   /* NULL-safe */
/* Runs the actor and/or the critic on obs (B, obs_dim); results in n->out_actor, n->out_v and
 * the distribution views. */
void onp_net_forward(onp_net *n, const float *obs, int B, bool actor, bool critic);
/* From the last actor forward: u (B, adim) sampled (explore) or the mode, and logp (B) when
 * non-NULL. */
void onp_net_sample(onp_net *n, int B, float *u, float *logp, rl_rng *rng);
void onp_net_mode(onp_net *n, int B, float *u);
/* Env actions (B, adim) for stored actions u. actions may equal u. */
void onp_net_to_env(const onp_net *n, const float *u, float *actions, int B);
/* logp, ent (B) of stored actions u under the last actor forward; ent may be NULL. */
void onp_net_logp_ent(onp_net *n, const float *u, int B, float *logp, float *ent);
/* Backward of the last forward(obs, B, actor, critic) with loss gradients dlogp, dent (B) (the
 * policy; either may be NULL, both NULL skips the actor) and dv (B) (the critic; NULL skips it).
 * Adds into n->grads. */
void onp_net_backward(onp_net *n, const float *obs, const float *u, int B, const float *dlogp,
                      const float *dent, const float *dv);
/* The same, with dh_extra (B, trunk out) added to the gradient at the shared trunk's output
 * before the trunk's backward (auxiliary heads on the encoding, addons/aux.h); NULL = nothing. */
void onp_net_backward_ext(onp_net *n, const float *obs, const float *u, int B, const float *dlogp,
                          const float *dent, const float *dv, const float *dh_extra);
/* dv is (B, n_v); out_v is (B, n_v). */
/* Checkpoint tensors (prefix "actor", "critic", "trunk", "log_std"); returns the count. */
int onp_net_tensors(onp_net *n, nn_tensor *t, char names[][48]);

/* ---- the MultiDiscrete / MultiBinary head of onp_net (algos/onp_multi.c) ------------------ */

/* The add-ons that cannot read such actions (exploration icm, aux heads forward_dynamics and
 * inverse_dynamics) refused, naming the key; RL_OK for any other action space. */
rl_status onp_multi_check(const rl_config *cfg, const env_space *act_space, char *err, size_t err_sz);
/* Sets M, binary, nvec and adim from a MultiDiscrete or MultiBinary act_space; returns the
 * actor's output size (sum nvec logits, or M). */
int onp_multi_head(onp_net *n, const env_space *act_space);
/* onp_net_sample, _mode, _logp_ent and the policy part of the backward (into n->dact) for it */
void onp_multi_sample(onp_net *n, int B, float *u, float *logp, rl_rng *rng);
void onp_multi_mode(onp_net *n, int B, float *u);
void onp_multi_logp_ent(onp_net *n, const float *u, int B, float *logp, float *ent);
void onp_multi_backward(onp_net *n, const float *u, int B, const float *dlogp, const float *dent);

/* ---- the image encoder of onp_net (algos/onp_encoder.c) ----------------------------------- */

/* Reads network.encoder for obs_space (algos/encoder.h: its errors) into n->img, n->has_img and
 * n->in_dim; refuses aux heads with an encoder. Before the MLPs are shaped. */
rl_status onp_img_shape(onp_net *n, const rl_config *cfg, const env_space *obs_space, char *err, size_t err_sz);
/* Binds the encoder to params + at (its n_params floats), initialises it (network.init:
 * orthogonal with network.hidden_gain, or PyTorch's default) and allocates its caches. */
void onp_img_bind(onp_net *n, const rl_config *cfg, size_t at, rl_rng *rng);
/* obs (B, obs_dim) -> the features (B, in_dim) the MLPs read (obs itself without an encoder). */
const float *onp_img_forward(onp_net *n, const float *obs, int B);
/* The encoder's backward from the MLPs' input gradients of the last backward: dfeat_a (when
 * actor_or_trunk) plus dfeat_c (when critic), the sum of both heads' gradients. */
void onp_img_backward(onp_net *n, int B, bool actor_or_trunk, bool critic);
/* "encoder.conv.<i>.weight", ... or per image part "encoder.<part>.conv.<i>.weight" (nn_obs_encoder_tensors); 0 without an encoder. */
int onp_img_tensors(onp_net *n, nn_tensor *t, char names[][48]);

/* ---- normalisation ------------------------------------------------------------------------ */

typedef struct {
    bool obs_on, rew_on;
    env_norm_obs obs;
    env_norm_reward rew;
    float *rms_buf;                   /* export scratch: (2 obs_dim + 1) + 3 + n_envs */
    int n_envs, obs_dim;
    bool dp;                          /* data-parallel: the ranks' statistics are merged */
    agent_dp_rms dp_obs, dp_rew;
} onp_norm;

rl_status onp_norm_init(onp_norm *w, const rl_config *cfg, int obs_dim, int n_envs, double gamma,
                        char *err, size_t err_sz);
void onp_norm_free(onp_norm *w);
/* Data-parallel training (collective): merges every rank's statistics since the last merge, so
 * that all ranks normalise alike; nothing with one rank. Called before each update. */
void onp_norm_dp_merge(onp_norm *w);
/* out = normalised in (B rows); updates the statistics first when update (training steps). */
void onp_norm_obs(onp_norm *w, const float *in, float *out, int B, bool update);
/* out (n_envs) = scaled rewards of a training step (updates the statistics). */
void onp_norm_reward(onp_norm *w, const float *rewards, const bool *terminated,
                     const bool *truncated, float *out);
/* Checkpoint tensors "norm.obs" (2 obs_dim + 1), "norm.reward" (3) and "norm.reward_G" (n_envs),
 * staged through rms_buf: call onp_norm_stage before saving, onp_norm_unstage after loading. */
int onp_norm_tensors(onp_norm *w, nn_tensor *t);
void onp_norm_stage(onp_norm *w);
rl_status onp_norm_unstage(onp_norm *w, char *err, size_t err_sz);

/* ---- acting ------------------------------------------------------------------------------- */

/* What an on-policy agent's act() reads and writes: its policy, normalisation and RNG, a scratch
 * for evaluation batches (max batch x obs_dim), and the record of a training step (n_envs rows):
 * the observations as normalised, the stored actions u and their log-probabilities. */
typedef struct {
    onp_net *net;
    onp_norm *norm;
    rl_rng *rng;
    float *scratch;
    float *step_obs, *step_u, *step_logp;
} onp_actor;

/* agent_algo.act of the on-policy agents. Without explore: the policy's mode on observations
 * normalised with frozen statistics. With explore: the statistics updated, a sampled action
 * recorded in a's step arrays (and the critic run too when critic: its values are in
 * a->net->out_v). actions (n, adim) in the environment's form either way. */
void onp_act(const onp_actor *a, const float *obs, int n, float *actions, bool explore, bool critic);

/* agent_algo.act_sample of the on-policy agents: as onp_act without explore (frozen statistics,
 * nothing recorded), the action sampled from the policy with rng */
void onp_act_sample(const onp_actor *a, const float *obs, int n, float *actions, rl_rng *rng);

/* ---- optimizer ---------------------------------------------------------------------------- */

typedef struct {
    bool rmsprop;
    nn_adam adam;
    nn_rmsprop rms;
} onp_opt;

rl_status onp_opt_init(onp_opt *o, bool rmsprop, size_t n, float lr, float eps, float alpha,
                       char *err, size_t err_sz);
void onp_opt_set_lr(onp_opt *o, float lr);
float onp_opt_lr(const onp_opt *o);
void onp_opt_step(onp_opt *o, float *params, const float *grads);
void onp_opt_free(onp_opt *o);
int onp_opt_tensors(onp_opt *o, nn_tensor *t);
int64_t *onp_opt_t(onp_opt *o);

/* ---- the actor-critic engine behind ppo and a2c (algos/actor_critic.c) ----------------- */

typedef struct {
    const char *algo;                 /* "ppo" / "a2c": checkpoint metadata prefix */
    int T, n_minibatches, epochs;
    float gamma, lambda, ent_coef, vf_coef, max_grad_norm, lr, target_kl, eps, rms_alpha;
    bool anneal_lr, norm_adv, shared, rmsprop;
    bool norm_adv_batch;              /* standardise over the whole rollout, not per minibatch */
    int threads;                      /* 2: each minibatch's actor and critic halves on two threads */
} onp_ac_settings;

rl_status onp_ac_create(void **self, const onp_ac_settings *s, const rl_config *cfg,
                        const env_space *obs_space, const env_space *act_space, int n_envs,
                        char *err, size_t err_sz);
void onp_ac_act(void *self, const float *obs, int n, float *actions, bool explore);
void onp_ac_act_sample(void *self, const float *obs, int n, float *actions, rl_rng *rng);
void onp_ac_observe(void *self, const env_vec *v);
/* agent_algo.episode_starts: the evaluation rows whose next observation starts an episode
 * (a recurrent policy zeroes their state; nothing otherwise). */
void onp_ac_episode_starts(void *self, const bool *starts, int n);
/* agent_algo.action_mask: the valid actions of the next act()'s rows; an explore act() keeps
 * them with the rollout, and the update masks the logits of its minibatches with them */
void onp_ac_action_mask(void *self, const uint8_t *mask, int n);
bool onp_ac_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats);
rl_status onp_ac_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err,
                      size_t err_sz);
rl_status onp_ac_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz);
void onp_ac_destroy(void *self);
/* agent_algo.extra_stats: one "aux_<head>" column per auxiliary head. */
int onp_ac_extra_stats(void *self, const char **names, int max);
/* agent_algo.dp_tensors: the network's parameters and optimizer moments (and the heads'). */
int onp_ac_dp_tensors(void *self, nn_tensor *t, int max);

#define ONP_AC_STATS                                                                              \
    {"policy_loss", "value_loss", "entropy", "approx_kl", "clipfrac", "grad_norm",                \
     "learning_rate", "explained_variance", "skipped_minibatches", "intrinsic_reward"}
#define ONP_AC_N_STATS 10

/* ---- the config the on-policy agents share ------------------------------------------------ */

/* their loss slots, `losses: {policy, value, entropy}` */
#define ONP_LOSSES_FIELDS(X, S)                                                                     \
    X(S, rl_loss_cfg, policy, LOSS, 0, "ppo_clip", 0, 0, NULL, "policy loss (rlc losses)")          \
    X(S, rl_loss_cfg, value, LOSS, 0, "clipped", 0, 0, NULL, "value loss: mse, huber, clipped, ...") \
    X(S, rl_loss_cfg, entropy, LOSS, 0, "entropy", 0, 0, NULL, "entropy term")
RL_CFG_SECTION_TYPE(onp_losses_cfg, ONP_LOSSES_FIELDS);
extern const rl_config_section onp_losses_section;
/* The slots as `rlc losses` lists them (reinforce's policy slot takes its kernel too). */
#define ONP_SLOT_POLICY {"losses.policy", NULL, NULL, LOSS_KINDS(LOSS_KIND_POLICY_RATIO)}
#define ONP_SLOT_VALUE {"losses.value", NULL, NULL, LOSS_KINDS_VALUE}
#define ONP_SLOT_ENTROPY {"losses.entropy", NULL, NULL, LOSS_KINDS(LOSS_KIND_ENTROPY)}
/* The rows the actor-critic sections (ppo:, a2c:) share, each section's own defaults and words
 * as arguments: its rollout rows (learning_rate, anneal_lr, num_steps) and its loss-weight rows
 * (norm_adv, ent_coef, vf_coef, max_grad_norm); each section lists them where its keys stand. */
#define ONP_AC_ROLLOUT_FIELDS(X, S, LR, LR_DOC, ANNEAL, STEPS, STEPS_DOC)                         \
    X(S, double, learning_rate, F64, LR, NULL, 0, 1, NULL, LR_DOC)                                 \
    X(S, bool, anneal_lr, BOOL, ANNEAL, NULL, 0, 1, NULL, "anneal the learning rate linearly to 0") \
    X(S, int64_t, num_steps, I64, STEPS, NULL, 1, 1e7, NULL, STEPS_DOC)
#define ONP_AC_WEIGHT_FIELDS(X, S, NORM_ADV, NORM_ADV_DOC, ENT)                                   \
    X(S, bool, norm_adv, BOOL, NORM_ADV, NULL, 0, 1, NULL, NORM_ADV_DOC)                          \
    X(S, double, ent_coef, F64, ENT, NULL, 0, 100, NULL, "weight of the entropy loss")             \
    X(S, double, vf_coef, F64, 0.5, NULL, 0, 100, NULL, "weight of the value loss")                \
    X(S, double, max_grad_norm, F64, 0.5, NULL, 0, 1e9, NULL, "global gradient-norm clip; 0 = off")
#define ONP_AC_GAMMA_FIELD(X, S) X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")
/* the onp_ac_settings those rows fill, from a section struct c that lists them */
#define ONP_AC_SETTINGS_FROM(c)                                                                   \
    .T = (int)(c)->num_steps, .gamma = (float)(c)->gamma, .ent_coef = (float)(c)->ent_coef,      \
    .vf_coef = (float)(c)->vf_coef, .max_grad_norm = (float)(c)->max_grad_norm,                  \
    .lr = (float)(c)->learning_rate, .anneal_lr = (c)->anneal_lr, .norm_adv = (c)->norm_adv
/* what the actor-critic agents' descriptors (agent_ppo, agent_a2c) share besides their name,
 * sections, check and create: the engine's stats, loss slots and functions */
#define ONP_AC_AGENT_COMMON                                                                       \
    .n_stats = ONP_AC_N_STATS, .stat_names = ONP_AC_STATS,                                        \
    .config_flags = RL_CFG_NETWORK_SHARED | AUX_CFG_HEADS,                                     \
    .loss_slots = {ONP_SLOT_POLICY, ONP_SLOT_VALUE, ONP_SLOT_ENTROPY}, .act = onp_ac_act,         \
    .act_sample = onp_ac_act_sample, .action_mask = onp_ac_action_mask,                           \
    .observe = onp_ac_observe, .episode_starts = onp_ac_episode_starts, .learn = onp_ac_learn,    \
    .save = onp_ac_save, .load = onp_ac_load, .destroy = onp_ac_destroy,                          \
    .extra_stats = onp_ac_extra_stats, .dp_tensors = onp_ac_dp_tensors, .multi_actions = true,    \
    .intrinsic_rewards = true
/* the actor-critic agents' check: rollout size, and aux heads on a shared encoder (alt: another
 * key that shares it, or NULL) */
rl_status onp_ac_check_config(const rl_config *cfg, const char *sec, int64_t num_steps, bool shared,
                              const char *alt, char *err, size_t err_sz);

/* ---- misc --------------------------------------------------------------------------------- */

/* Saves tensors t plus the agent's RNG / counters / optimizer step count as metadata. */
rl_status onp_save(const char *algo, const char *path, nn_tensor *t, int n, const rl_rng *rng,
                   int64_t adam_t, int64_t updates, const nn_meta *extra, int n_extra, char *err,
                   size_t err_sz);
/* Reads the tensors t (n) of an on-policy agent's checkpoint from f; the reward normaliser's
 * accumulators ("norm.reward_G") are training state, read only with train_state. */
rl_status onp_read_tensors(nn_safetensors *f, nn_tensor *t, int n, bool train_state, char *err, size_t err_sz);
rl_status onp_load_state(nn_safetensors *f, const char *algo, rl_rng *rng, int64_t *adam_t,
                         int64_t *updates, char *err, size_t err_sz);

#endif
