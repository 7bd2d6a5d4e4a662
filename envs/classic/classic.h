/* rlc envs/classic: the Gymnasium classic-control environments (spec section A).
 *
 * Each environment is an env_def (registered under its Gymnasium id by envs/registry.c) and a
 * state struct. The state structs are public so that tests and tools can place an environment
 * in an exact state (env_instance.state points to one of these). Physics constants live in the
 * .c files as the spec lists them; the structs hold only what changes. */
#ifndef RLC_ENVS_CLASSIC_H
#define RLC_ENVS_CLASSIC_H

#include "envs/env.h"

/* CartPole-v1. State kept in float64 as in Gymnasium. steps_beyond_terminated is -1 while the
 * episode runs, 0 on the step that terminated, then counts extra steps taken without reset
 * (those get reward 0). */
typedef struct {
    bool sutton_barto_reward;   /* false: +1 every step; true: 0 per step, -1 on termination */
} env_cartpole_params;

typedef struct {
    env_cartpole_params p;      /* env.kwargs (env_def.params); first, as env.h asks */
    double x, x_dot, theta, theta_dot;
    int steps_beyond_terminated;
} env_cartpole_state;

/* Acrobot-v1. theta1 from straight down, theta2 relative to link 1 (float64 after a step;
 * the reset state is float32-rounded). */
typedef struct {
    double theta1, theta2, dtheta1, dtheta2;
} env_acrobot_state;

/* MountainCar-v0 (float64) and MountainCarContinuous-v0 (values rounded to float32 each step). */
typedef struct {
    double goal_velocity;       /* 0: the velocity the goal needs besides its position */
} env_mountain_car_params;

typedef struct {
    env_mountain_car_params p;
    double position, velocity;
} env_mountain_car_state;

/* Pendulum-v1: theta = 0 is upright; theta is never wrapped. last_u is the last applied
 * (clipped) torque, kept for inspection only. */
typedef struct {
    double g;                   /* 10.0: gravity */
} env_pendulum_params;

typedef struct {
    env_pendulum_params p;
    double theta, theta_dot;
    float last_u;
} env_pendulum_state;

extern const env_def env_cartpole_v1;
extern const env_def env_acrobot_v1;
extern const env_def env_mountain_car_v0;
extern const env_def env_mountain_car_continuous_v0;
extern const env_def env_pendulum_v1;

#endif
