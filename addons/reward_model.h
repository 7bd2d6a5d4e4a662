/* rlc addons: learning the reward from preferences (the `reward_model:` section), for any agent.
 *
 * Christiano et al. 2017, with B-Pref's simulated teacher (Lee et al. 2021) and PEBBLE's replay
 * relabelling (Lee et al. 2021). The trainer hands every vector-env step to
 * reward_model_observe, which stores (s, a, true r) in a ring of recent transitions and replaces
 * the rewards the agent sees by the ensemble's mean prediction, normalised by a running mean/std.
 * When a round is due (query_start, then every query_interval steps, until max_labels queries
 * were asked), reward_model_update draws pairs of segments (segment_length steps of one episode),
 * picks queries_per_round of them uniformly or by the ensemble's disagreement (variance of the
 * preference probability over the members), asks the teacher (true segment returns, optionally
 * noisy, myopic, skipping or calling ties), adds the labels to the preference dataset, trains
 * every member for `epochs` passes with the preference loss chosen from the registry, refits the
 * reward normalisation and asks an off-policy agent to relabel its replay buffer
 * (agent_algo.relabel). Everything is sized at open; nothing is allocated per step.
 * The model, its optimiser, the normalisation, the RNGs and the whole preference dataset are
 * checkpointed beside the agent (reward_model_save / reward_model_load); the ring of recent
 * transitions is not (a resumed run refills it, as the replay buffer). */
#ifndef RLC_ADDONS_REWARD_MODEL_H
#define RLC_ADDONS_REWARD_MODEL_H

#include <stdint.h>

#include "agents/agent.h"

/* The add-on's config section (an X-macro list in the format of core/config_fields.h), registered
 * with the config layer by the registry (agents/registry.c): */
/* preference-based RL for any agent (addons/reward_model.c, docs/preferences.md): an ensemble of
 * learned rewards r(s, a) trained from a simulated teacher's preferences between segments */
#define REWARD_MODEL_FIELDS(X, S)                                                            \
    X(S, bool, enabled, BOOL, 0, NULL, 0, 1, NULL, "train the agent on a reward learned from preferences") \
    X(S, int64_t, ensemble, I64, 3, NULL, 1, 16, NULL, "reward networks in the ensemble")            \
    X(S, rl_int_list, hidden, LIST, 0, "64 64", 1, 4096, NULL, "hidden sizes of each reward network") \
    X(S, double, learning_rate, F64, 3e-4, NULL, 0, 1, NULL, "Adam learning rate of the reward networks") \
    X(S, int64_t, segment_length, I64, 50, NULL, 1, 1000, NULL, "steps in one compared segment")   \
    X(S, int64_t, queries_per_round, I64, 100, NULL, 1, 100000, NULL, "queries put to the teacher per round") \
    X(S, int64_t, query_start, I64, 5000, NULL, 0, 1e13, NULL, "environment steps before the first round") \
    X(S, int64_t, query_interval, I64, 20000, NULL, 1, 1e13, NULL, "environment steps between rounds") \
    X(S, int64_t, max_labels, I64, 1000, NULL, 1, 1000000, NULL,                                     \
      "label budget: queries put to the teacher over the run (skipped ones included)")             \
    X(S, rl_loss_cfg, loss, LOSS, 0, "bradley_terry", 0, 0, NULL, "preference loss (rlc losses, kind preference)") \
    X(S, rl_str, selection, STR, 0, "uniform", 0, 0, "uniform|disagreement",                          \
      "query selection: uniform pairs, or the most disputed by the ensemble")                      \
    X(S, rl_str, normalize, STR, 0, "mean_std", 0, 0, "mean_std|std|none",                            \
      "rewards the agent sees: (r - mean) / std, r / std, or raw (running statistics)")            \
    X(S, int64_t, candidates, I64, 10, NULL, 1, 1000, NULL,                                          \
      "disagreement: candidate pairs per query (the best 1/candidates are asked)")                \
    X(S, int64_t, epochs, I64, 20, NULL, 1, 10000, NULL, "passes over the labels after each round") \
    X(S, int64_t, batch_size, I64, 64, NULL, 1, 4096, NULL, "labelled pairs per reward-model minibatch") \
    X(S, int64_t, buffer_size, I64, 100000, NULL, 1, 1e8, NULL,                                     \
      "recent transitions segments are drawn from")                                                \
    X(S, double, teacher_eps, F64, 0, NULL, 0, 0.5, NULL, "teacher: probability of a mistake (flipped label)") \
    X(S, double, teacher_gamma, F64, 1, NULL, 0, 1, NULL,                                            \
      "teacher: myopic discount, step t of L weighted gamma^(L-1-t); 1 = off")                     \
    X(S, double, teacher_skip, F64, 0, NULL, 0, 1e6, NULL,                                           \
      "teacher: skip a query when both returns are below skip x mean |return| of the round; 0 = off") \
    X(S, double, teacher_equal, F64, 0, NULL, 0, 1e6, NULL,                                          \
      "teacher: label 1/2 when the returns differ by less than equal x mean |return|; 0 = off")

RL_CFG_SECTION_TYPE(reward_model_cfg, REWARD_MODEL_FIELDS);
extern const rl_config_section reward_model_section;
const reward_model_cfg *reward_model_cfg_of(const rl_config *cfg);

typedef struct reward_model reward_model;

/* statistics appended to metrics.csv after the agent's */
#define RM_N_STATS 5

/* Validates the reward_model section (errors name the key) and allocates everything; *out = NULL when
 * the section is not enabled. n_envs: the training vector env's size; n_ranks: data-parallel
 * ranks (a reward model needs one). */
rl_status reward_model_open(reward_model **out, const rl_config *cfg, const env_def *def, int n_envs,
                            int n_ranks, char *err, size_t err_sz);
void reward_model_free(reward_model *rm);   /* NULL-safe */

/* The column names of its statistics (RM_N_STATS) into names. */
void reward_model_stat_names(const char **names);
/* The current statistics (RM_N_STATS): learned episode return, labels, queries, loss, accuracy. */
void reward_model_stats(const reward_model *rm, double *out);

/* Remembers the observations the next actions are taken in (after a reset of v). */
void reward_model_begin(reward_model *rm, const env_vec *v);
/* After env_vec_step(v, actions): stores the transitions with their true rewards and overwrites
 * v->rewards with the learned, normalised rewards. */
void reward_model_observe(reward_model *rm, env_vec *v, const float *actions);
/* Runs a query round when one is due at env step `step` and then relabels the agent's replay
 * buffer (when the agent has a relabel hook). Returns true when the model changed. */
bool reward_model_update(reward_model *rm, int64_t step, const agent_algo *algo, void *agent);

/* The normalised learned reward of n <= AGENT_RELABEL_BATCH (obs (n, obs_dim), env actions
 * (n, act_dim)) pairs into rewards (n); an agent_reward_fn with ctx = the reward model. */
void reward_model_reward(void *rm, const float *obs, const float *actions, int n, float *rewards);

/* Saves to <run_dir>/reward_model.safetensors (atomic), first moving the previous file to
 * reward_model.prev.safetensors, so that the file matching the agent's checkpoint survives a
 * crash between the two writes. step is the checkpoint's. Refuses non-finite weights. */
rl_status reward_model_save(const reward_model *rm, const char *run_dir, int64_t step, char *err,
                            size_t err_sz);
/* Loads the file of run_dir whose step equals `step` (the current one or the previous one).
 * Sizes in the file are checked against the config's before anything is read; every tensor read
 * must be finite (Adam's second moments also >= 0), the dataset's lengths and labels in range,
 * else RL_ERR_FORMAT with a message starting "reward model file <path>: " naming the tensor and
 * element. */
rl_status reward_model_load(reward_model *rm, const char *run_dir, int64_t step, char *err, size_t err_sz);

/* ---- for tests ---------------------------------------------------------------------------- */

/* Members, parameters per member, and the flat parameters / gradients (ensemble x params). */
int reward_model_members(const reward_model *rm, size_t *n_params, float **params, float **grads);
/* The preference loss of member k on labelled pairs idx[0..n) (n <= batch_size); with grads,
 * writes (zeroes first) that member's parameter gradient. */
double reward_model_pair_loss(reward_model *rm, int k, const int64_t *idx, int n, bool grads);
/* Adds one labelled pair: segments x0, x1 (segment_length, obs_dim + features) of model inputs
 * (reward_model_features), label y = P(x0 preferred) in {0, 1/2, 1}. False when the budget is full. */
bool reward_model_add_label(reward_model *rm, const float *x0, const float *x1, float y);
/* The model input of (obs, env action): obs then the action (one-hot when Discrete, clipped to
 * finite Box bounds). in = obs_dim + action features; *in_dim receives it when x is NULL. */
void reward_model_features(const reward_model *rm, const float *obs, const float *action, float *x, int *in_dim);
/* Mean ensemble return (unnormalised) of a segment of model inputs (segment_length rows). */
double reward_model_segment_return(reward_model *rm, const float *x);
/* Trains every member for `epochs` passes on the labels held. */
void reward_model_train(reward_model *rm);
/* Labels held. */
int64_t reward_model_labels(const reward_model *rm);

#endif
