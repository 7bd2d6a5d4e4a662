/* rlc algos: the value-based off-policy agent on Discrete actions that DQN, QR-DQN and C51
 * (algos/dqn.c) and IQN (algos/iqn.c) are built on: the keys every such agent has (their config
 * rows are OFFP_VALUE_FIELDS and OFFP_VALUE_REPLAY_FIELDS of algos/offpolicy.h), the online and
 * target parameters in flat buffers with the agent's RNG, one Adam, the replay buffer (uniform or
 * prioritized, 1- or n-step) and its minibatch with hindsight relabelling (her:, when the agent
 * lists that section), the action masks of the next act and of the stored next states,
 * epsilon-greedy choices over the values the agent ranks, storing each step, the update's frame
 * (the schedule over this rank's steps, the PER exponent, the updates due, the target network's
 * hard copy or Polyak average, the statistics), the step after the loss (data-parallel mean, one
 * clip over the network and the aux heads, Adam, priorities), the checkpoint names and counters,
 * and the data-parallel tensors.
 *
 * What stays in the agent is its network and its algorithm: its config section, its forward and
 * backward passes, the value of an action (offp_value_settings.best), its targets, its loss and
 * TD errors. An agent's struct starts with an offp_value, so the hooks below that take
 * `void *self` serve as its own (observe, learn, load, destroy, dp_tensors, replay, action_mask,
 * extra_stats). Internal to algos/ and tests/. */
#ifndef RLC_ALGOS_OFFP_VALUE_H
#define RLC_ALGOS_OFFP_VALUE_H

#include "addons/her.h"
#include "algos/act_mask.h"
#include "algos/offpolicy.h"
#include "core/arena.h"
#include "nn/encoder.h"

/* The keys of OFFP_VALUE_FIELDS and OFFP_VALUE_REPLAY_FIELDS, read from any section that lists
 * them (OFFP_VALUE_KEYS(section pointer)). */
typedef struct {
    OFFP_VALUE_FIELDS(RL_CFG_X_DECL, k)
    OFFP_VALUE_REPLAY_FIELDS(RL_CFG_X_DECL, k)
} offp_value_keys;
#define OFFP_VALUE_X_COPY(S, ctype, name, type, dnum, dstr, lo, hi, choices, doc) .name = (S)->name,
#define OFFP_VALUE_KEYS(c)                                                                          \
    ((offp_value_keys){OFFP_VALUE_FIELDS(OFFP_VALUE_X_COPY, c) OFFP_VALUE_REPLAY_FIELDS(OFFP_VALUE_X_COPY, c)})

typedef struct offp_value offp_value;

/* What the agent tells the shared part. */
typedef struct {
    const agent_algo *algo;           /* its name (rlc.algo) and sections (HER when they list her:) */
    const char *prefix;               /* of its section and its checkpoint's metadata: "dqn", "iqn" */
    offp_value_keys k;
    bool no_epsilon;                  /* epsilon is 0 (noisy heads explore) */
    bool obs_bytes;                   /* the replay stores observations a byte each */
    size_t n_params;                  /* of the online network (the target's are as many) */
    /* the first action of largest value among the valid ones (NULL: all) on one observation's
     * row of the network's output */
    int (*best)(offp_value *b, const float *row, const uint8_t *valid);
    /* the steps of an update: a fresh minibatch (offp_value_sample first, the agent's RNG) and
     * its targets held for loss_grad; the loss on it (NAN when skipped: offp_value_skip), the
     * network's gradients (and the heads') in b->grads, the TD errors in b->td when prioritized,
     * the mean Q in *qmean */
    void (*sample)(offp_value *b, float beta);
    float (*loss_grad)(offp_value *b, double *qmean);
    /* the network's checkpoint tensors under prefix ("q", or "q_target" for the target) */
    int (*net_tensors)(offp_value *b, nn_tensor *t, char names[][48], const char *prefix, bool target);
    void (*free_own)(offp_value *b);  /* frees what the agent allocated itself (NULL: nothing) */
} offp_value_settings;

struct offp_value {
    offp_value_settings s;
    int obs_dim, K, n_envs, B, maxb;  /* maxb: the largest batch a forward pass sees */
    float gamma, lr, max_grad_norm, tau, start_e, end_e, per_beta0;
    int64_t learning_starts, train_freq, grad_steps, target_iv, explore_steps;
    bool prioritized, use_masks;      /* use_masks: env.action_mask */
    float *params, *grads, *tparams;  /* (n_params) */
    size_t n_params;
    nn_adam opt;
    rl_arena arena;
    rl_rng rng;
    replay_buffer buf;
    replay_batch batch;
    her_relabeler her;                /* her: (addons/her.h), off unless the agent lists it */
    int64_t env_steps, updates, nonfinite_skips;
    offp_aux ax;                      /* the auxiliary heads (none unless the agent attaches them) */
    act_mask am;                      /* the valid actions of the next act()'s rows */
    act_mask_store next_masks;        /* env.action_mask: the next states' masks, slot by slot */
    char keys[4][40];                 /* the checkpoint's counters: "<prefix>.adam_t", ... */
    /* per-step */
    float *step_obs, *step_act, *next_fix;   /* (N, D), (N), (N, D) */
    /* per-update */
    int *a_star;                      /* (B) the actions the targets bootstrap from */
    float *td;                        /* (B) the TD errors prioritized replay is updated from */
};

enum { OFFP_VALUE_ST_LOSS, OFFP_VALUE_ST_QMEAN, OFFP_VALUE_ST_EPS, OFFP_VALUE_ST_GRADNORM, OFFP_VALUE_ST_BETA,
       OFFP_VALUE_ST_SKIPPED, OFFP_VALUE_N_STATS };
#define OFFP_VALUE_STAT_NAMES {"td_loss", "q_mean", "epsilon", "grad_norm", "per_beta", "skipped_updates"}

#define OFFP_VALUE_MAX_TENSORS (4 * (NN_MAX_LAYERS + 4) + 4 * (NN_ENC_MAX_CONV + 1) + 5)

/* The descriptor fields every value-based agent takes as they are. */
#define OFFP_VALUE_HOOKS                                                                            \
    .n_stats = OFFP_VALUE_N_STATS, .stat_names = OFFP_VALUE_STAT_NAMES, .observe = offp_value_observe, \
    .learn = offp_value_learn, .load = offp_value_load, .destroy = offp_value_destroy,              \
    .dp_tensors = offp_value_dp_tensors, .replay = offp_value_replay, .action_mask = offp_value_action_mask

/* ---- config and lifecycle ------------------------------------------------------------------- */

/* agent_algo.check_config's part: the replay's limits of the keys k of section prefix. */
rl_status offp_value_check_config(const rl_config *cfg, const char *prefix, const offp_value_keys *k, char *err,
                                  size_t err_sz);
/* The spaces a value-based agent cannot run with (other than Discrete actions and Box
 * observations), before anything is allocated; src names the config file. */
rl_status offp_value_check_spaces(const char *algo, const env_space *obs_space, const env_space *act_space,
                                  const char *src, char *err, size_t err_sz);
/* The limit on "<prefix>.buffer_size": the replay buffer's floats (two observations of obs_dim, an
 * action and a reward a transition). */
rl_status offp_value_check_buffer(const char *src, const char *prefix, int64_t buffer_size, int obs_dim, char *err,
                                  size_t err_sz);
/* The settings, the flat parameter buffers (zeros; the agent binds and initialises its network in
 * them from b->rng, seeded here from the run seed) for obs_dim observations and K actions. */
void offp_value_init(offp_value *b, const offp_value_settings *s, const rl_config *cfg, int obs_dim, int K,
                     int n_envs);
/* After the agent's network is initialised: the target a copy, Adam, the replay buffer, the batch
 * and HER. On error the caller frees the agent with offp_value_destroy. */
rl_status offp_value_start(offp_value *b, const rl_config *cfg, const env_space *obs_space, char *err, size_t err_sz);
/* The arena: the shared per-step and per-update scratch and the masks, and own_need more bytes
 * (rl_arena_need of each of the agent's slices) the agent takes from b->arena after this. */
rl_status offp_value_arena(offp_value *b, size_t own_need, char *err, size_t err_sz);
/* The last step of create: the buffer's size on stderr. */
void offp_value_report(const offp_value *b);
/* agent_algo.destroy: free_own, then what offp_value_init and _start made, then the agent; NULL-safe. */
void offp_value_destroy(void *self);

/* ---- acting --------------------------------------------------------------------------------- */

/* epsilon-greedy's epsilon at env step `step` (0 with no_epsilon) */
float offp_value_epsilon(const offp_value *b, int64_t step);
/* actions (n) from out (n rows of stride floats): with rng, a draw below eps picks a valid action
 * uniformly (rng NULL: never drawn), else s.best; among the rows' masks, which are then used up. */
void offp_value_choose(offp_value *b, const float *out, size_t stride, int n, float eps, rl_rng *rng,
                       float *actions);
/* An exploring act's observations and actions, kept for observe (n = the number of envs). */
void offp_value_keep_step(offp_value *b, const float *obs, const float *actions, int n);
void offp_value_action_mask(void *self, const uint8_t *mask, int n);
/* agent_algo.observe: the step (and the next states' masks) stored in the replay buffer. */
void offp_value_observe(void *self, const env_vec *v);

/* ---- the update ----------------------------------------------------------------------------- */

/* agent_algo.learn: the updates due at env step `step` (each s.sample, s.loss_grad, then the
 * gradients' mean over ranks, one clip over the network and the heads, Adam, the heads' step, the
 * priorities from td), the target network's update when due, the statistics. */
bool offp_value_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats);
/* A fresh minibatch (the agent's RNG), relabelled by HER when it is on. */
void offp_value_sample(offp_value *b, float beta);
/* a_star[i] = s.best on row i of sel (B rows of stride floats) among sample i's next-state mask */
void offp_value_a_star(offp_value *b, const float *sel, size_t stride);
/* The sampled action of row i, checked against K. */
int offp_value_action(const offp_value *b, int i);
/* qsa (B, R, M) = out (B, R, K, M) at each sample's action */
void offp_value_gather(const offp_value *b, const float *out, int R, int M, float *qsa);
/* dout (B, R, K, M) = dq (B, R, M) at each sample's action, zeros elsewhere */
void offp_value_scatter(const offp_value *b, const float *dq, int R, int M, float *dout);
/* A skipped update (a non-finite loss or gradient): counted; returns NAN. */
float offp_value_skip(offp_value *b);
/* The network's gradients (and the heads') are all finite. */
bool offp_value_grads_finite(const offp_value *b);

/* ---- checkpoints, data-parallel ------------------------------------------------------------- */

/* agent_algo.save with more metadata after the run's (extra); .load; without train_state the
 * network is copied into its target. */
rl_status offp_value_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err, size_t err_sz);
rl_status offp_value_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz);
int offp_value_dp_tensors(void *self, nn_tensor *t, int max);
replay_buffer *offp_value_replay(void *self);
int offp_value_extra_stats(void *self, const char **names, int max);

/* ---- test hooks ---------------------------------------------------------------------------- */

/* Draws the agent's next minibatch (the agent's RNG, beta = 1) and what the update holds for it:
 * its targets, the noisy heads' noise, IQN's fractions, what the aux heads read. */
void offp_value_test_sample(void *agent);
/* The objective of one update on that minibatch at the current parameters, targets held fixed:
 * the TD loss plus the weighted sum of the aux heads' losses. When dparams is non-NULL it
 * receives d/d(network params) (before clipping; n_params floats); the heads' gradients are in
 * aux_grads(offp_value_test_aux(agent)). Returns NAN when a loss is not finite. */
double offp_value_test_objective(void *agent, float *dparams);
/* The online network's flat parameter buffer and its size. */
float *offp_value_test_params(void *agent, size_t *n);
aux_module *offp_value_test_aux(void *agent);   /* NULL without heads */

#endif
