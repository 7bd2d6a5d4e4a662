/* rlc envs/classic: the keyword arguments of the classic tasks (envs/env_args.h), with
 * Gymnasium 1.2's names and defaults (the registered params). */
#include <math.h>
#include <stddef.h>

#include "envs/classic/classic.h"
#include "envs/env_args.h"

static const env_arg cartpole_args[] = {
    {"sutton_barto_reward", ENV_ARG_BOOL, offsetof(env_cartpole_params, sutton_barto_reward), 0, 0, 0, 0, NULL,
     "reward 0 per step and -1 on termination (Sutton and Barto) instead of +1 per step"},
};

static const env_arg mountain_car_args[] = {
    {"goal_velocity", ENV_ARG_FLOAT, offsetof(env_mountain_car_params, goal_velocity), 0, 1, -0.07, 0.07, NULL,
     "the velocity the car needs at the goal position to finish"},
};

static const env_arg pendulum_args[] = {
    {"g", ENV_ARG_FLOAT, offsetof(env_pendulum_params, g), 0, 1, 0.0, 1000.0, NULL, "gravity"},
};

const env_args_schema env_classic_args[] = {
    {&env_cartpole_v1, cartpole_args, 1, NULL},
    {&env_mountain_car_v0, mountain_car_args, 1, NULL},
    {&env_mountain_car_continuous_v0, mountain_car_args, 1, NULL},
    {&env_pendulum_v1, pendulum_args, 1, NULL},
};
const int env_classic_n_args = (int)(sizeof env_classic_args / sizeof env_classic_args[0]);
