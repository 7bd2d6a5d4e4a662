/* rlc envs/goal: goal-conditioned tasks for hindsight experience replay (addons/her.h).
 *
 * Each publishes its goal layout in obs_space.goal (envs/env.h): the flat observation is
 * [observation, desired_goal], the achieved goal lies inside the observation part, and
 * compute_reward recomputes a step's reward for any desired goal. */
#ifndef RLC_ENVS_GOAL_H
#define RLC_ENVS_GOAL_H

#include "envs/env.h"

/* BitFlipping-v0 (Andrychowicz et al. 2017, section 3.1): n bits and a target pattern of n bits,
 * both drawn uniformly at reset; action i flips bit i; reward -1 until the bits equal the target,
 * then 0 and the episode terminates; truncated after n steps. Observation [bits (n), target (n)],
 * the achieved goal is the bits (offset 0). env.kwargs: n (default 15, the paper's hard case). */
#define ENV_BIT_FLIPPING_MAX_N 64

typedef struct {
    int n;
} env_bit_flipping_params;

typedef struct {
    env_bit_flipping_params p;      /* env.kwargs (env_def.params); first, as env.h asks */
    unsigned char bits[ENV_BIT_FLIPPING_MAX_N], target[ENV_BIT_FLIPPING_MAX_N];
} env_bit_flipping_state;

/* PointGoal-v0: a point in the square [-1, 1]^2 moved by its action, a velocity in [-1, 1]^2
 * (0.1 of the side's half per unit and step), towards a goal drawn uniformly in the square at
 * reset, as is the start. Reward -1 while the distance to the goal is above 0.05, else 0; never
 * terminates, truncated after 50 steps. Observation [x, y, goal x, goal y], achieved goal the
 * position (offset 0). */
typedef struct {
    double pos[2], goal[2];
} env_point_goal_state;

extern const env_def env_bit_flipping_v0;
extern const env_def env_point_goal_v0;

/* env_bit_flipping_v0 with other parameters (env.kwargs): the spaces, the goal layout and the
 * time limit follow n */
rl_status env_bit_flipping_def(env_def *def, const env_def *base, env_bit_flipping_params *params_storage,
                               const env_bit_flipping_params *p, char *err, size_t err_sz);

#endif
