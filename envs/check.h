/* rlc envs: the checks an environment should pass before anyone trains on it (what
 * Stable-Baselines3's check_env does for Gymnasium), and sampling from a space.
 *
 * env_check_run drives an env_def (registered or not) through reset and a few thousand random
 * steps and reports, check by check, PASS / FAIL / SKIP with what is wrong:
 *
 *   definition             id, init/reset/step present, max_episode_steps >= 0, threshold
 *   action space           Discrete n >= 1; Box 1 <= dim <= ENV_MAX_DIM, finite bounds, low < high;
 *                          MultiDiscrete nvec entries >= 2; MultiBinary 1 <= dim <= ENV_MAX_DIM
 *   observation space      Discrete n >= 1; Box 1 <= dim <= ENV_MAX_DIM, no NaN bound, low <= high;
 *                          an image's shape holds dim values, uint8 / bool bounds fit the type
 *   init                   an instance can be created (the env's init succeeds)
 *   observation dims       reset and step write exactly dim floats (guard values around them)
 *   observations in space  every observation inside the declared bounds and of the element type
 *                          (Discrete: an index)
 *   finite values          no NaN / infinity in observations or rewards
 *   same seed, same run    two fresh instances reset with the same seed and given the same
 *                          actions produce bit-identical observations, rewards and flags
 *   seeds differ           seeds s and s + 1 give different trajectories (for a definition
 *                          that declares itself deterministic: the same trajectory)
 *   reset after termination  reset(seed) of an instance that just terminated replays exactly
 *                          what a fresh instance does with that seed
 *   truncation at step limit  an episode that lasts max_episode_steps is truncated exactly
 *                          there, and the env never raises truncated on its own before it
 *   reset after truncation as for termination, after a truncation
 *
 * The checks call the env's functions directly; an env that crashes still crashes. */
#ifndef RLC_ENVS_CHECK_H
#define RLC_ENVS_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/rng.h"
#include "envs/env.h"

/* ---- spaces ---------------------------------------------------------------------------- */

/* Writes one random element of s into out (env_space_dim(s) floats), like Gymnasium's
 * Space.sample(): Discrete: uniform index; Box per dimension: uniform on [low, high) where both
 * bounds are finite, low + Exp(1) / high - Exp(1) where only one is, N(0, 1) where neither is;
 * a uint8 or bool Box: a uniform integer in [low, high]. */
void env_space_sample(const env_space *s, rl_rng *rng, float *out);

/* True when x (env_space_dim(s) floats) is inside s: a finite value within the bounds (Box), of
 * the element type (0 or 1 for bool, an integer for uint8), an integer index in [0, n)
 * (Discrete). env_space_value_ok checks value i alone. */
bool env_space_contains(const env_space *s, const float *x);
bool env_space_value_ok(const env_space *s, int i, float v);

/* True when a MultiDiscrete or MultiBinary space is usable: 1 <= dim <= ENV_MAX_DIM components,
 * a MultiDiscrete's nvec set with every entry >= 2 and their sum at most ENV_MAX_NVEC_SUM.
 * Otherwise false, with what is wrong in why. */
bool env_space_multi_ok(const env_space *s, char *why, size_t why_sz);

/* True when a Box's rank, shape and element type are consistent (Discrete: always): rank 0 or 3,
 * a rank-3 shape of positive sizes whose product is dim, a known element type, and bounds within
 * [0, 1] for bool, [0, 255] for uint8. Otherwise false, with what is wrong in why. */
bool env_space_layout_ok(const env_space *s, char *why, size_t why_sz);

/* True when s has no goal layout (envs/env.h env_goal) or a consistent one: a Box whose dim is
 * obs_dim + goal_dim, both goals' goal_dim values inside the row without overlapping, and a
 * compute_reward. Otherwise false, with what is wrong in why. */
bool env_goal_layout_ok(const env_space *s, char *why, size_t why_sz);

/* A one-line summary of s into buf: "Discrete(3)", "Box(2) [-1, 1]" when every dimension has
 * the same bounds, else "Box(4) low -inf..-0.4189 high 0.4189..inf" (the range of the lower
 * and of the upper bounds over the dimensions). An image shows its shape and a non-float
 * element type: "Box(10, 10, 4) bool [0, 1]". Returns buf. */
char *env_space_describe(const env_space *s, char *buf, size_t buf_sz);

/* ---- the checks ---------------------------------------------------------------------------- */

typedef enum { ENV_CHECK_PASS = 0, ENV_CHECK_FAIL, ENV_CHECK_SKIP } env_check_outcome;

#define ENV_CHECK_MAX_ITEMS 16
#define ENV_CHECK_DETAIL 384

typedef struct {
    const char *name;                  /* static string, e.g. "finite values" */
    env_check_outcome outcome;
    char detail[ENV_CHECK_DETAIL];     /* FAIL: what is wrong; SKIP: why; PASS: a short note */
} env_check_item;

typedef struct {
    int n_items;
    int n_failed;
    env_check_item items[ENV_CHECK_MAX_ITEMS];
} env_check_report;

typedef struct {
    int n_steps;       /* random steps of the main run (and the budget of searches); 2000 */
    int64_t seed;      /* first env seed; 0 (the checks also use seed + 1 ...) */
} env_check_opts;

void env_check_opts_default(env_check_opts *o);

/* Runs every check on def, which needs not be registered. opts may be NULL (defaults). Returns
 * RL_OK when the checks ran, whatever their outcome (rep->n_failed counts the failures);
 * RL_ERR_ARG for a NULL def or n_steps < 1, RL_ERR_NOMEM when out of memory. */
rl_status env_check_run(const env_def *def, const env_check_opts *opts, env_check_report *rep,
                        char *err, size_t err_sz);

/* The item called name, or NULL. */
const env_check_item *env_check_find(const env_check_report *rep, const char *name);

/* One line per check: "PASS  name  detail" (FAIL / SKIP alike), then a summary line. */
void env_check_print(const env_check_report *rep, const char *id, FILE *out);

#endif
