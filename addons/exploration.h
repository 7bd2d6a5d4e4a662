/* rlc addons: intrinsic-reward modules an on-policy agent attaches (`exploration: {name: icm |
 * rnd | simhash}`): ICM (Pathak et al. 2017), RND (Burda et al. 2019) and SimHash counts (Tang et
 * al. 2017), addons/exploration.c and addons/exploration_simhash.c. The agent hands the module
 * each step's transitions and gets intrinsic rewards back; the module trains itself on the
 * stored rollout when the agent updates. */
#ifndef RLC_ADDONS_EXPLORATION_H
#define RLC_ADDONS_EXPLORATION_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/status.h"
#include "nn/nn.h"

/* The add-on's config section (an X-macro list in the format of core/config_fields.h), registered
 * with the config layer by the registry (agents/registry.c): */
/* intrinsic rewards for ppo and a2c: `exploration: {name: icm, ...}` (addons/exploration.c) */
#define EXPLORATION_FIELDS(X, S)                                                             \
    X(S, rl_str, name, STR, 0, "none", 0, 0, "none|icm|rnd|simhash", "intrinsic-reward module")             \
    X(S, double, learning_rate, F64, 1e-3, NULL, 0, 1, NULL, "Adam learning rate of the module")   \
    X(S, rl_int_list, hidden, LIST, 0, "64 64", 1, 65536, NULL, "hidden sizes of its networks")    \
    X(S, int64_t, feature_dim, I64, 32, NULL, 1, 65536, NULL, "ICM feature / RND output size")    \
    X(S, double, eta, F64, 0.01, NULL, 0, 1e6, NULL, "ICM intrinsic reward scale")                 \
    X(S, double, beta, F64, 0.2, NULL, 0, 1, NULL,                                                  \
      "ICM weighting: (1 - beta) inverse + beta forward")                                        \
    X(S, double, int_coef, F64, 1.0, NULL, 0, 1e6, NULL, "weight of intrinsic advantages (rnd) or rewards (icm, simhash)") \
    X(S, double, ext_coef, F64, 2.0, NULL, 0, 1e6, NULL, "weight of extrinsic advantages (rnd)")   \
    X(S, double, int_gamma, F64, 0.99, NULL, 0, 1, NULL, "intrinsic discount (rnd, non-episodic)") \
    X(S, double, update_proportion, F64, 0.25, NULL, 0, 1, NULL,                                    \
      "fraction of each minibatch the RND predictor trains on")                                  \
    X(S, int64_t, epochs, I64, 4, NULL, 1, 1000, NULL, "passes of the module over each rollout")  \
    X(S, rl_loss_cfg, forward_loss, LOSS, 0, "icm_forward", 0, 0, NULL, "ICM forward-model loss")  \
    X(S, rl_loss_cfg, inverse_loss, LOSS, 0, "icm_inverse", 0, 0, NULL,                             \
      "ICM inverse-model loss (icm_inverse_continuous for Box actions)")                         \
    X(S, rl_loss_cfg, rnd_loss, LOSS, 0, "rnd", 0, 0, NULL, "RND predictor loss")             \
    X(S, rl_loss_cfg, simhash_loss, LOSS, 0, "simhash", 0, 0, NULL,                                 \
      "SimHash count bonus: code bits and bonus scale beta")

RL_CFG_SECTION_TYPE(onp_explore_cfg, EXPLORATION_FIELDS);
extern const rl_config_section onp_explore_section;
const onp_explore_cfg *onp_explore_cfg_of(const rl_config *cfg);
onp_explore_cfg *onp_explore_cfg_of_mut(rl_config *cfg);
/* exploration.name is not none; is rnd (the agent gives RND a second value head) */
bool onp_explore_enabled(const rl_config *cfg);
bool onp_explore_wants_value_head(const rl_config *cfg);
/* Whether the module trains data-parallel over ranks > 1 processes (SimHash's counts are not
 * shared: RL_ERR_UNSUPPORTED naming the key). */
rl_status onp_explore_dp_check(const rl_config *cfg, int ranks, char *err, size_t err_sz);

typedef struct onp_explore onp_explore;

/* What the module needs of the agent's policy: floats per observation and per stored action, the
 * number of actions (Discrete) or 0, and the action dims (Box). */
typedef struct {
    int obs_dim, adim, K, D;
} onp_explore_shape;

/* *out = NULL when exploration.name is none. minibatch: the module's update batch size. */
rl_status onp_explore_create(onp_explore **out, const rl_config *cfg, const onp_explore_shape *net,
                             int n_envs, int T, int minibatch, char *err, size_t err_sz);
void onp_explore_free(onp_explore *x);   /* NULL-safe */
bool onp_explore_is_rnd(const onp_explore *x);
/* Stores step t's transitions (raw obs (N, D), stored actions u (N, adim), raw next obs) and
 * writes their intrinsic rewards r_int (N) (ICM: eta-scaled; RND: unnormalised). */
void onp_explore_step(onp_explore *x, int t, const float *obs, const float *u, const float *next,
                      float *r_int);
/* RND: r_int (T, N) divided by the running std of the discounted intrinsic return. */
void onp_explore_normalise_rewards(onp_explore *x, float *r_int, int T, float int_gamma);
/* Trains the module on the stored rollout; returns its mean loss. */
double onp_explore_update(onp_explore *x);
/* The module's training loss on one batch (B <= its minibatch) with its gradient in *grads
 * (for tests: *params / *grads are its flat buffers of *n_params floats). */
float onp_explore_loss_grad(onp_explore *x, const float *obs, const float *u, const float *next,
                            int B, float **params, float **grads, size_t *n_params);
int onp_explore_tensors(onp_explore *x, nn_tensor *t, char names[][48], bool train_state);
/* ICM and RND: the tensors data-parallel training keeps equal on every rank (at most 4) */
int onp_explore_dp_tensors(onp_explore *x, nn_tensor *t);
void onp_explore_stage(onp_explore *x);
rl_status onp_explore_unstage(onp_explore *x, char *err, size_t err_sz);

#endif
