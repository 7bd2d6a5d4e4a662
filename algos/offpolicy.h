/* rlc algos: helpers shared by the off-policy agents (algos/offp_value.c, under dqn.c and iqn.c;
 * algos/offp_ac.c, under sac.c and td3.c), and the functions their tests call directly. Internal to agents/ and tests/. */
#ifndef RLC_ALGOS_OFFPOLICY_H
#define RLC_ALGOS_OFFPOLICY_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "agents/agent.h"
#include "addons/aux.h"
#include "replay/replay.h"

#if defined(__x86_64__) || defined(__SSE__)
#include <xmmintrin.h>
/* The off-policy agents update with denormals flushed to zero (FTZ | DAZ): Adam's moments of dead ReLU units decay
 * through the subnormal range, where every multiply costs ~100 cycles (measured: Adam took 56% of
 * a SAC Pendulum run, 3.4x slower overall). The mode is set around the agent's own work and restored, so nothing else in
 * the process sees it. */
#define FTZ_ENTER() unsigned ftz_saved_ = _mm_getcsr(); _mm_setcsr(ftz_saved_ | 0x8040u)
#define FTZ_LEAVE() _mm_setcsr(ftz_saved_)
#define FTZ_SET_THREAD() _mm_setcsr(_mm_getcsr() | 0x8040u)
#else
#define FTZ_ENTER() (void)0
#define FTZ_LEAVE() (void)0
#define FTZ_SET_THREAD() (void)0
#endif


/* ---- the value-based agents' config rows (dqn:, iqn:) ---------------------------------------
 * The rows the dqn: section (dqn, qrdqn, c51) and the iqn: section share, in the order `rlc config`
 * lists them: CleanRL's DQN recipe, then the replay's n-step and prioritized rows. Each section puts
 * its own rows around them (core/config.h: the X-macro field tables). */
#define OFFP_VALUE_FIELDS(X, S)                                                                     \
    X(S, double, learning_rate, F64, 2.5e-4, NULL, 0, 1, NULL, "Adam learning rate")               \
    X(S, double, adam_eps, F64, 1e-8, NULL, 1e-12, 1, NULL, "Adam epsilon")                        \
    X(S, int64_t, buffer_size, I64, 100000, NULL, 1, 1e9, NULL, "replay capacity (transitions)")  \
    X(S, int64_t, batch_size, I64, 128, NULL, 1, 65536, NULL, "minibatch size")                     \
    X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")                                   \
    X(S, int64_t, learning_starts, I64, 10000, NULL, 0, 1e13, NULL, "steps before the first update") \
    X(S, int64_t, train_frequency, I64, 10, NULL, 1, 1e9, NULL, "steps between training phases")  \
    X(S, int64_t, gradient_steps, I64, 1, NULL, 1, 1e6, NULL, "updates per training phase")       \
    X(S, int64_t, target_update_interval, I64, 500, NULL, 1, 1e13, NULL,                            \
      "steps between target-network updates")                                                    \
    X(S, double, tau, F64, 1.0, NULL, 0, 1, NULL, "target update: 1 = hard copy, < 1 = Polyak")    \
    X(S, double, start_e, F64, 1.0, NULL, 0, 1, NULL, "initial epsilon")                           \
    X(S, double, end_e, F64, 0.05, NULL, 0, 1, NULL, "final epsilon")                              \
    X(S, double, exploration_fraction, F64, 0.5, NULL, 0, 1, NULL,                                  \
      "fraction of total_steps over which epsilon decays linearly")                              \
    X(S, double, max_grad_norm, F64, 10, NULL, 0, 1e9, NULL, "global gradient-norm clip; 0 = off")

#define OFFP_VALUE_REPLAY_FIELDS(X, S)                                                              \
    X(S, int64_t, n_step, I64, 1, NULL, 1, 1000, NULL, "n-step returns, cut at episode ends")      \
    X(S, bool, prioritized, BOOL, 0, NULL, 0, 1, NULL, "prioritized replay (sum tree)")           \
    X(S, double, per_alpha, F64, 0.6, NULL, 0, 10, NULL, "priority exponent")                      \
    X(S, double, per_beta, F64, 0.4, NULL, 0, 1, NULL, "initial importance exponent (annealed to 1)") \
    X(S, double, per_eps, F64, 1e-6, NULL, 0, 1, NULL, "added to |TD error| in priorities")

/* ---- acting (algos/offpolicy.c) --------------------------------------------------------- */

/* Stores a training step in buf: the observations and actions of the last explore act() (N rows
 * of D and of the stored action size), the rewards and flags of v, and as next observation the
 * final observation where an episode ended, v->obs elsewhere (gathered in next_fix, N x D). */
void offp_store_step(replay_buffer *buf, const float *obs, const float *act, float *next_fix, int N, int D,
                     const env_vec *v);

/* ---- the actor-critics with Q critics on Box actions (SAC, TD3, DDPG; algos/offpolicy.c) ------- */

/* x (n) = N(0, 1) draws of rng, in order */
void offp_fill_normal(float *x, size_t n, rl_rng *rng);
/* dst (n, D + A) = [obs (n, D) | act (n, A)]: a critic's input */
void offp_concat(float *dst, const float *obs, const float *act, int n, int D, int A);
/* The affine map of the actor's actions in [-1, 1] to the env's bounds: center and half (A each,
 * allocated; the caller frees them) from act_space's finite low and high. */
void offp_action_bounds(const env_space *act_space, float **center, float **half);
/* env (n, A) = center + half * a (n, A) */
void offp_to_env(float *env, const float *a, int n, int A, const float *center, const float *half);
/* The replay config of a buffer storing the actor's actions in [-1, 1] (before the env's map). */
void offp_replay_config(replay_config *rc, int64_t capacity, int n_envs, int D, int A, int n_step, float gamma);
/* agent_algo.relabel (PEBBLE): every stored reward of buf recomputed by fn on the stored
 * observation and the stored action mapped to the env's scale, AGENT_RELABEL_BATCH rows at a time
 * through scratch (AGENT_RELABEL_BATCH x A floats). */
void offp_relabel(replay_buffer *buf, int D, int A, const float *center, const float *half, float *scratch,
                  agent_reward_fn fn, void *ctx);
/* The memory limits of an actor-critic's config: its replay buffer ("<algo>.buffer_size": capacity
 * transitions of two observations (D), an action (A), reward and flag) and the activation caches
 * of a batch ("<algo>.batch_size, network.hidden": eight MLPs of the hidden sizes from D + A inputs
 * to actor_out outputs). */
rl_status offp_ac_limits(const char *src, const char *algo, int64_t buffer_size, int64_t batch_size,
                         const rl_int_list *hidden, int D, int A, int actor_out, char *err, size_t err_sz);
/* The updates due from the credit owed: one per whole unit taken from *credit (0 when none is). */
int64_t offp_updates_due(double *credit);
/* Checkpoint tensors "optim.actor.m", "optim.actor.v", "optim.critic.m", "optim.critic.v": the
 * moments of the actor's and the critics' Adam; returns 4. */
int offp_ac_optim_tensors(nn_tensor *t, nn_adam *actor, nn_adam *critic);
/* agent_algo.dp_tensors: the Adam moments of opts (n) as "adam.m", "adam.v" pairs into t; returns
 * the number written (2 n). */
int offp_dp_adam(nn_tensor *t, nn_adam *const *opts, int n);

/* The loss slot `losses.critic` of the actor-critics with Q critics (SAC, TD3, DDPG): one
 * section they all list, as the on-policy agents share onp_losses_section (the config layer takes
 * a key of a shared YAML section from one section only). */
extern const rl_config_section offp_critic_losses_section;

/* ---- test hooks (algos/sac.c) ------------------------------------------------------------ */

/* The SAC actor objective J = mean_b w_b (alpha logp(a_b|s_b) - min(Q1, Q2)(s_b, a_b)) with the
 * reparameterised action a = tanh(mu + std eps) for the given noise eps (B, act_dim), on the
 * agent's current networks. When dactor is non-NULL it receives dJ/d(actor params) (the actor's
 * n_params floats) computed analytically through the critics' input gradient. Returns J. */
double sac_actor_objective(void *sac_agent, const float *obs, const float *eps, int B,
                           float *dactor);
/* The actor's flat parameter buffer and its size (to perturb it in finite differences). */
float *sac_actor_params(void *sac_agent, size_t *n);
/* Samples the agent's next minibatch from its replay buffer and the actor's noise (the agent's
 * RNG; with gSDE the update's noise matrix), and gathers what the aux heads read of it. */
void sac_test_sample(void *sac_agent);
/* With heads: the actor objective on that minibatch and noise plus the weighted sum of the heads'
 * losses on it. dactor (n_actor floats, or NULL) receives its gradient with respect to the actor's
 * parameters (the heads' encoder is the actor's hidden layers); the heads' gradients are in
 * aux_grads(sac_test_aux(agent)). */
double sac_test_objective(void *sac_agent, float *dactor);
aux_module *sac_test_aux(void *sac_agent);   /* NULL without heads */
/* The Adam learning rates the last learn used (or the configured ones before any): the actor's,
 * the critics', the temperature's, the aux heads' (NAN without heads) and gSDE's log-std matrix's
 * (NAN without gSDE). */
void sac_test_lrs(void *sac_agent, float lr[5]);
/* gSDE (sac.use_sde): the actor objective as sac_actor_objective, with the one noise matrix
 * std * eps_mat of an update (eps_mat: (L, A) N(0, 1) draws, L the actor's last hidden layer) instead
 * of per-row noise; dlog_std (L x A floats, or NULL) receives dJ/d(log_std). */
double sac_sde_objective(void *sac_agent, const float *obs, const float *eps_mat, int B, float *dactor,
                         float *dlog_std);
/* gSDE's log_std parameters (L x A; to perturb them), NULL with *n = 0 without gSDE. */
float *sac_test_log_std(void *sac_agent, size_t *n);

/* ---- auxiliary heads (algos/offp_aux.c) ----------------------------------------------------- */

/* The heads of an off-policy agent (`aux:`): the module on the agent's encoder, its Adam, and
 * what the heads read of each minibatch (the first step of each sampled transition as stored,
 * whatever n_step is, and the observation k steps after it when its episode goes on until then). */
typedef struct {
    aux_module *aux;                  /* NULL without heads */
    nn_adam opt;
    float *mem;                       /* owns everything below */
    float *next, *pos, *r, *dh;       /* (B, D), (B, D), (B), (B, H) */
    unsigned char *pos_ok;            /* (B) */
    double *loss, *sum;               /* (n heads): last update's losses, sums since the last stats */
    int *cnt;                         /* (n heads) */
    float total;                      /* the weighted aux loss of the last update */
} offp_aux;

/* Creates the heads on enc (after the agent's networks: the heads draw from their own RNG), their
 * Adam (lr, adam_eps) and the scratch for sh->max_batch rows. */
rl_status offp_aux_init(offp_aux *x, const rl_config *cfg, nn_mlp *enc, const aux_shape *sh, float lr,
                        float adam_eps, char *err, size_t err_sz);
void offp_aux_free(offp_aux *x);      /* also without heads */
/* Fills r, next, pos and pos_ok for the minibatch rows idx (B) of rb. */
void offp_aux_gather(offp_aux *x, const replay_buffer *rb, const int64_t *idx, int B, int D);
/* The heads' Adam step, and their last losses into the running sums. */
void offp_aux_step(offp_aux *x);
void offp_aux_stats_reset(offp_aux *x);
/* stats[first + h] = head h's mean loss since the last reset (NAN if none). */
void offp_aux_stats(const offp_aux *x, double *stats, int first);
int offp_aux_stat_names(const offp_aux *x, const char **names, int max);
/* Checkpoint metadata "<algo>.aux_rng" (the heads' RNG) into *meta, text kept in buf
 * (RL_RNG_TEXT); returns 1, or 0 without heads. */
int offp_aux_meta(const offp_aux *x, const char *algo, char *key, size_t key_sz, char *buf, nn_meta *meta);
/* Restores the heads' RNG from that metadata and sets their Adam step count to adam_t (they step
 * with the agent's optimizer); nothing without heads. */
rl_status offp_aux_load_meta(offp_aux *x, nn_safetensors *f, const char *algo, int64_t adam_t, char *err,
                             size_t err_sz);
/* Checkpoint tensors "aux.params" (+ "aux.optim.adam.m/v" with train_state); 0 without heads. */
int offp_aux_tensors(offp_aux *x, nn_tensor *t, bool train_state);

/* ---- checkpoints (algos/offp_checkpoint.c) -------------------------------------------------- */

#define OFFP_CKPT_MAX_FIELDS 8

/* What an off-policy agent keeps in its checkpoint's metadata besides its tensors: "rlc.algo",
 * then the fields in order (each an int64 counter, or the agent's RNG where value is NULL), then
 * the heads' RNG ("<prefix>.aux_rng"). The heads' Adam steps with the optimizer at aux_step. */
typedef struct {
    const char *algo;                 /* rlc.algo: "dqn", "qrdqn", "c51", "sac" */
    const char *prefix;               /* of the metadata keys: "dqn", "sac" */
    rl_rng *rng;
    int n_fields;
    struct {
        const char *key;
        int64_t *value;               /* NULL: the RNG */
        bool optional;                /* absent from a checkpoint (older rlc): the value is kept */
    } fields[OFFP_CKPT_MAX_FIELDS];
    offp_aux *ax;
    int64_t *aux_step;
} offp_ckpt;

/* Saves tensors t (n) with c's metadata and the run's extra metadata; refuses NaN or inf. */
rl_status offp_ckpt_save(const offp_ckpt *c, const char *path, const nn_tensor *t, int n, const nn_meta *extra,
                         int n_extra, char *err, size_t err_sz);
/* Reads tensors t (n) from f, and with train_state c's metadata (fields in order) into the agent. */
rl_status offp_ckpt_load(const offp_ckpt *c, nn_safetensors *f, nn_tensor *t, int n, bool train_state, char *err,
                         size_t err_sz);

#endif
