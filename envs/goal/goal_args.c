/* rlc envs/goal: the keyword arguments of the goal-conditioned tasks (envs/env_args.h). */
#include <stddef.h>

#include "envs/env_args.h"
#include "envs/goal/goal.h"

static const env_arg bit_flipping_args[] = {
    {"n", ENV_ARG_INT, offsetof(env_bit_flipping_params, n), 0, 0, 1, ENV_BIT_FLIPPING_MAX_N, NULL,
     "the number of bits (and of actions, and the episode's length)"},
};

static rl_status bf_make(env_def *def, const env_def *base, void *storage, const void *p, char *err, size_t err_sz)
{
    return env_bit_flipping_def(def, base, storage, p, err, err_sz);
}

const env_args_schema env_goal_args[] = {
    {&env_bit_flipping_v0, bit_flipping_args, 1, bf_make},
};
const int env_goal_n_args = (int)(sizeof env_goal_args / sizeof env_goal_args[0]);
