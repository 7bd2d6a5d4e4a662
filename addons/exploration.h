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
