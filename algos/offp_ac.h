/* rlc algos: the off-policy actor-critic on Box actions that SAC (algos/sac.c) and TD3/DDPG
 * (algos/td3.c) are built on: an actor MLP and one or two critic MLPs (obs, a) -> Q in flat
 * buffers with Polyak-averaged targets (and a target actor where the agent keeps one), their two
 * Adam optimizers, the replay buffer and its minibatch, the uniform random actions before
 * learning_starts and the actor's actions in [-1, 1] mapped to the env's bounds, storing each
 * step, the update credit, the critics' forward and backward passes on the TD targets the agent
 * computes, the actor's gradient check and Adam tick, the second update thread (core/twin.h),
 * the checkpoint names and counters, data-parallel tensors, PEBBLE's relabel and hindsight
 * relabelling of each minibatch (her:, addons/her.h).
 *
 * What stays in the agent is its algorithm: its config section, its actor's output and loss, its
 * TD targets, its steps over the twin index (jobs of rl_twin_run), its statistics. An agent's
 * struct starts with an offp_ac, so the hooks below that take `void *self` serve as its own
 * (observe, save, load, relabel, replay, extra_stats). Internal to algos/ and tests/. */
#ifndef RLC_ALGOS_OFFP_AC_H
#define RLC_ALGOS_OFFP_AC_H

#include "addons/her.h"
#include "algos/offpolicy.h"
#include "core/arena.h"
#include "core/twin.h"

/* The keys of an actor-critic's section that say when the updates owed run (SB3's train_freq;
 * utd x the steps collected is its gradient_steps) */
#define OFFP_TRAIN_FREQUENCY_FIELDS(X, S)                                                         \
    X(S, int64_t, train_frequency, I64, 1, NULL, 1, 1e9, NULL,                                     \
      "the updates owed (utd per env step) run every train_frequency steps or episodes")        \
    X(S, rl_str, train_frequency_unit, STR, 0, "step", 0, 0, "step|episode",                       \
      "what train_frequency counts: env steps (per copy) or episodes ended (over all copies)")

/* What the agent tells the shared part: its shape and the keys of its section every
 * actor-critic has. */
typedef struct {
    const agent_algo *algo;
    int n_q;                          /* critics: 2 (SAC, TD3: clipped double Q) or 1 (DDPG) */
    int actor_out;                    /* actor outputs per action dimension: 2 (SAC: mu, log_std) or 1 */
    nn_act actor_out_act;             /* the actor's output activation */
    bool actor_target;                /* a Polyak-averaged target actor (TD3, DDPG) */
    double actor_lr, critic_lr, gamma, tau, utd;
    int64_t buffer_size, batch_size, learning_starts, policy_frequency, n_step, threads;
    int64_t train_frequency;          /* the owed updates run every train_frequency steps or episodes */
    bool train_per_episode;           /* train_frequency_unit: episode (counted over all env copies) */
    /* checkpoints: the agent's tensors (NULL: offp_ac_net_tensors, then with train_state
     * offp_ac_target_tensors and the heads'), one more counter after "<algo>.critic_adam_t"
     * (NULL: none), and what to recompute after a load (NULL: nothing) */
    int (*tensors)(void *self, nn_tensor *t, char names[][48], bool train_state);
    const char *counter;
    int64_t *counter_value;
    void (*loaded)(void *self);
    bool anneal_lr;                   /* the rates annealed linearly to 0 over total_steps (offp_ac_anneal) */
} offp_ac_settings;

typedef struct {
    offp_ac_settings s;
    int obs_dim, A, SA, n_envs, B, n_q;
    float gamma, tau, utd;
    int64_t learning_starts, policy_freq;
    float *act_center, *act_half;     /* (A) env action = center + half * a */
    loss_spec critic_loss;
    nn_act hidden_act;
    nn_mlp actor, actor_t, q[2], qt[2], qng[2];   /* qng: the critics without gradients (actor pass) */
    float *aparams, *agrads, *atparams, *cparams, *cgrads, *ctparams;   /* atparams: NULL without actor_t */
    size_t n_actor, nq, n_critic;     /* n_critic = n_q * nq */
    nn_adam actor_opt, critic_opt;
    nn_mlp_cache c_actor, c_q[2], c_qt[2];   /* c_actor: act() and the actor pass */
    rl_arena arena;
    rl_rng rng;
    replay_buffer buf;
    her_relabeler her;                /* her: (addons/her.h), off unless her.enabled */
    replay_batch batch;
    int64_t env_steps, updates, nonfinite_skips;
    double credit;                    /* updates owed: utd per env step, run at the next train point */
    int64_t credit_bits;              /* credit's bits, for the checkpoint */
    int64_t train_since;              /* steps (or episodes) since the last train point */
    int64_t train_points;             /* train points reached (not in the checkpoint: for differences) */
    rl_twin worker;                   /* threads = 2: runs k = 1 of each job */
    offp_aux ax;                      /* the auxiliary heads (none unless the agent attaches them) */
    /* per-step */
    float *step_obs, *step_act, *next_fix, *act_a;   /* (N, D), (N, A), (N, D), (maxb, A) */
    /* per-update */
    float *sa, *sa_next, *sa_pi, *y;  /* (B, SA) x3: critics' inputs at (s, a), (s', a'), (s, actor); (B) */
    float *qv[2], *dq[2], *qloss;     /* (B) x4, (2) */
    const float *tq[2];               /* the target critics' outputs at (s', a') */
    bool do_actor;                    /* this update steps the actor */
    bool finite[2];                   /* each half of a gradient is finite */
} offp_ac;

/* ---- lifecycle ------------------------------------------------------------------------------ */

/* The spaces an actor-critic cannot run with (Discrete actions or observations, infinite action
 * bounds), before anything is allocated; src names the config file. */
rl_status offp_ac_check_spaces(const agent_algo *algo, const rl_config *cfg, const env_space *obs_space,
                               const env_space *act_space, const char *src, char *err, size_t err_sz);
/* agent_algo.check_config's part for the replay buffer of settings s. */
rl_status offp_ac_check_config(const rl_config *cfg, const offp_ac_settings *s, char *err, size_t err_sz);
/* The critics' loss (the agent's slot 0, losses.critic), the activation and the memory limits; then
 * the networks (initialised from the agent's RNG, seeded from the run seed, as PyTorch's
 * nn.Linear; the targets start as copies), the two Adam optimizers, the replay buffer, the batch
 * and the shared scratch. On error the caller frees b with offp_ac_free. */
rl_status offp_ac_init(offp_ac *b, const offp_ac_settings *s, const rl_config *cfg, const env_space *obs_space,
                       const env_space *act_space, int n_envs, char *err, size_t err_sz);
/* The last step of create: the second thread when threads = 2, and the buffer's size on stderr. */
rl_status offp_ac_start(offp_ac *b, char *err, size_t err_sz);
/* Frees what offp_ac_init and offp_ac_start made (stops the worker first); also half-made. */
void offp_ac_free(offp_ac *b);

/* ---- acting --------------------------------------------------------------------------------- */

/* While exploring before learning_starts: uniform actions in [-1, 1] into b->act_a (n rows), and
 * true; false otherwise (the agent's policy fills b->act_a). */
bool offp_ac_act_uniform(offp_ac *b, int n, bool explore);
/* actions (n, A) = b->act_a mapped to the env's bounds; exploring, obs and b->act_a are kept for
 * observe (n = the number of envs). */
void offp_ac_act_finish(offp_ac *b, const float *obs, int n, float *actions, bool explore);
/* agent_algo.observe: the step stored in the replay buffer. */
void offp_ac_observe(void *self, const env_vec *v);

/* ---- the update ----------------------------------------------------------------------------- */

/* agent_algo.learn's frame: at env step `step` (v: the step just taken), utd updates per env
 * step are owed; at a train point (every train_frequency steps, or episodes ended in v) the whole
 * updates owed run, each update(self, acc) with denormals flushed, the heads' statistics reset
 * first; before learning_starts or with an empty buffer they are dropped instead (as SB3 does).
 * Returns the number of updates run (0: nothing to report). */
int64_t offp_ac_learn(offp_ac *b, const env_vec *v, int64_t step, void (*update)(void *self, double *acc), void *self,
                      double *acc);
/* The learning rate of lr0 for the round of updates at env step `step` (every env copy's and
 * rank's, as the trainer counts) of total_steps: with s.anneal_lr lr0 * (1 - step / total_steps),
 * SB3's linear schedule (`lin_` in RL Zoo; nn_lr_linear), else lr0. */
float offp_ac_lr(const offp_ac *b, double lr0, int64_t step, int64_t total_steps);
/* With s.anneal_lr, the actor's, the critics' and the heads' Adam rates (offp_ac_lr of
 * actor_lr, critic_lr, and actor_lr for the heads, which step with the actor) before a learn's
 * updates; nothing without. The rates follow from the step alone, so a resumed run (Adam's rate
 * is not in the checkpoint) and every rank of a data-parallel run set the same ones. */
void offp_ac_anneal(offp_ac *b, int64_t step, int64_t total_steps);
/* The minibatch (uniform, the agent's RNG), and whether this update steps the actor. */
void offp_ac_sample(offp_ac *b);
/* rl_twin_run job over an offp_ac: with two critics, target critic k at (s', a') and critic k at
 * (s, a); with one, k = 0 the target critic and k = 1 the critic. */
void offp_ac_job_q_forward(void *ac, int k);
/* The critics' losses against b->y (losses.critic; weighted when the buffer is prioritized) and
 * their gradients in two jobs, then their mean over ranks (agents/dataparallel.h). False when a
 * non-finite loss or gradient (on any rank) skips the update; else ticks the critics' Adam and
 * adds the summed loss and the mean Q_1 to *closs and *qmean. */
bool offp_ac_critic_grads(offp_ac *b, double *closs, double *qmean);
/* The actor's gradient (and the heads', with heads) averaged over ranks; `finite`: the actor's
 * loss and gradient are finite here. False (counted as a skipped update) when any rank found a
 * non-finite value; else ticks the actor's Adam. */
bool offp_ac_actor_grads(offp_ac *b, bool finite);
/* [lo, hi) of k's half of n (the split of the jobs' Adam and Polyak steps) */
void offp_ac_half(size_t n, int k, size_t *lo, size_t *hi);

/* ---- checkpoints, data-parallel, PEBBLE ----------------------------------------------------- */

#define OFFP_AC_MAX_TENSORS (6 * 2 * (NN_MAX_LAYERS + 1) + 16)

/* "actor", "q1" (, "q2"): the networks an evaluation needs; returns the count */
int offp_ac_net_tensors(offp_ac *b, nn_tensor *t, char names[][48]);
/* "actor_target" (if kept), "q1_target" (, "q2_target") and the two optimizers' moments */
int offp_ac_target_tensors(offp_ac *b, nn_tensor *t, char names[][48]);
/* agent_algo.save and .load: the tensors of s.tensors, the metadata "<algo>.rng",
 * ".actor_adam_t", ".critic_adam_t", s.counter, ".updates", ".env_steps" and the heads' RNG; a
 * load without train_state copies the networks into their targets, then calls s.loaded. */
rl_status offp_ac_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err, size_t err_sz);
rl_status offp_ac_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz);
/* agent_algo.dp_tensors' parts: the flat "actor", "critic" (, "actor_target"), "critic_target";
 * then the Adam moments of the actor, the critics and extra_opt (or NULL) and the heads' */
int offp_ac_dp_nets(offp_ac *b, nn_tensor *t);
int offp_ac_dp_state(offp_ac *b, nn_tensor *t, nn_adam *extra_opt);
/* agent_algo.replay, .relabel (PEBBLE: every stored reward recomputed by fn on the stored
 * observation and action in the env's scale) and .extra_stats (one column per aux head) */
replay_buffer *offp_ac_replay(void *self);
void offp_ac_relabel(void *self, agent_reward_fn fn, void *ctx);
int offp_ac_extra_stats(void *self, const char **names, int max);

#endif
