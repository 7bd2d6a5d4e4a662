/* rlc envs: two small tasks for MultiDiscrete and MultiBinary action spaces (envs/multi_target.c),
 * cheap enough for a learning test in a few seconds:
 *
 *   MultiDiscreteTarget-v0  action MultiDiscrete([3, 4, 5]); the observation shows a target for each
 *                           component (their one-hots concatenated, Box(12) in [0, 1]); reward the
 *                           fraction of components equal to their target, then new targets
 *   MultiBinaryTarget-v0    action MultiBinary(6); the observation shows 6 target bits (Box(6) in
 *                           [0, 1]); reward the fraction of bits equal to the target (turn on
 *                           exactly the bits shown), then new targets
 *
 * Both: 16 steps an episode (truncated), return at most 16; a uniformly random policy scores
 * about 4.2 and 8. Targets are drawn from the instance's rng. */
#ifndef RLC_ENVS_MULTI_TARGET_H
#define RLC_ENVS_MULTI_TARGET_H

#include "envs/env.h"

extern const env_def env_multi_discrete_target_v0;
extern const env_def env_multi_binary_target_v0;

#endif
