/* rlc core: the size limits of everything a config or a checkpoint can ask to allocate, and
 * overflow-safe products to check them with.
 *
 * Each size that comes from data (a config key, a checkpoint's config, a command-line integer)
 * is checked against these limits before anything is allocated, so that no file can make rlc
 * overflow an integer, exhaust memory or abort; the error names the key, the value and the
 * limit. The limits are generous (far above every ready config) and listed in docs/configs.md. */
#ifndef RLC_CORE_LIMITS_H
#define RLC_CORE_LIMITS_H

#include <stdint.h>

#include "core/config.h"
#include "core/status.h"

/* num_steps x num_envs of one on-policy rollout (ppo, a2c) */
#define RL_LIMIT_ROLLOUT_STEPS (INT64_C(1) << 24)
/* parameters of one network, counted with the widest input and output an environment may have
 * (RL_LIMIT_IO_DIM); params, gradients and two optimizer moments take 16 bytes each */
#define RL_LIMIT_NET_PARAMS (INT64_C(1) << 26)
#define RL_LIMIT_IO_DIM 512
/* float32 values of one experience buffer (rollout, replay, REINFORCE episodes), and of the
 * activation caches of one (mini)batch: 4 GiB each */
#define RL_LIMIT_BUFFER_FLOATS (INT64_C(1) << 30)

/* trials of one hyperparameter search (rlc tune, research/tune.h); trials x seeds also stays
 * within the ablation runner's limit of runs */
#define RL_LIMIT_TUNE_TRIALS 4096

/* a * b for non-negative a and b; INT64_MAX when the product overflows */
int64_t rl_mul_sat(int64_t a, int64_t b);
/* a + b for non-negative a and b; INT64_MAX when the sum overflows */
int64_t rl_add_sat(int64_t a, int64_t b);

/* An upper bound of the float32 values one sample takes in the forward/backward caches of an MLP
 * with these hidden widths, in inputs and out outputs (what nn_mlp_cache_floats counts per sample). */
int64_t rl_mlp_cache_per_sample(const rl_int_list *hidden, int64_t in, int64_t out);
/* Parameters (weights and biases) of an MLP with these hidden widths, in inputs and out outputs. */
int64_t rl_mlp_params(const rl_int_list *hidden, int64_t in, int64_t out);

/* RL_OK when value <= limit; otherwise RL_ERR_CONFIG "<where>: <key>: <what> = <value> exceeds
 * the limit of <limit>" (value INT64_MAX is printed as "more than 2^63"). */
rl_status rl_limit_check(const char *where, const char *key, const char *what, int64_t value,
                         int64_t limit, char *err, size_t err_sz);

/* The sizes of core's sections that do not depend on the environment or the algorithm: the
 * network (network.hidden). Each add-on checks its own (rl_config_addon.check: the exploration
 * module's networks, the aux heads), each algorithm its own (rollout, replay) in its
 * rl_config_algo.check. RL_ERR_CONFIG naming the key and the limit. */
rl_status rl_config_check_limits(const rl_config *cfg, char *err, size_t err_sz);
/* <sec>.batch_size fits the buffer it is drawn from (buf), and every env's share of the buffer
 * holds an n-step window; src names the config in the message. */
rl_status rl_limit_check_replay(const char *src, const char *sec, int64_t batch, int64_t buf, int64_t n_step,
                                int64_t n_envs, char *err, size_t err_sz);

#endif
