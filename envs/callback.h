/* rlc envs: callback environments -- environments whose instances live in another runtime (a
 * Python Gymnasium environment, through the Python package's bridge, python/rlc/pyenv.py) and
 * whose make, reset, step and render are functions that runtime supplies at registration.
 *
 * A callback environment is registered under an id for the life of the process, like a plugin's,
 * so the trainer, evaluation, the vector env and rlc record step it like any other. Its vector
 * env crosses into the runtime once per vector step (env_callback_step_batch, on one thread),
 * plus once per reset. Its env_def is an ordinary one (env_callback_owns tells it apart), so
 * env_def keeps its layout for plugins built against older headers. Each reset passes the runtime a seed drawn from the copy's RNG, so a run is
 * reproducible from its config's seed as with rlc's own environments.
 *
 * Failures: a callback returns non-zero with a message in err. A failed make fails env_make (the
 * usual error path). A failed reset or step marks the registration failed: from then on its
 * instances only end episodes (truncated, reward 0, their last observation) without calling the
 * runtime, env_vec_error reports the message, and the failure hook (if set) runs
 * after every such call so that the program driving them can stop. env_callback_clear starts
 * afresh. */
#ifndef RLC_ENVS_CALLBACK_H
#define RLC_ENVS_CALLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "envs/env.h"

/* The runtime's functions; each returns 0, or non-zero with a message in err (err_sz bytes). */
typedef struct {
    void *user;   /* passed back to every call */
    /* creates an instance and writes the runtime's name for it to *handle */
    int (*make)(void *user, int64_t *handle, char *err, size_t err_sz);
    /* resets instance handle with seed and writes its first observation (obs_dim floats) */
    int (*reset)(void *user, int64_t handle, int64_t seed, float *obs, char *err, size_t err_sz);
    /* steps the n instances handles with actions (n, act_dim) and writes obs (n, obs_dim),
     * rewards, terminated and truncated (n each); the time limit is the framework's */
    int (*step)(void *user, int n, const int64_t *handles, const float *actions, float *obs,
                float *rewards, bool *terminated, bool *truncated, char *err, size_t err_sz);
    void (*close)(void *user, int64_t handle);   /* may be NULL */
    /* draws instance handle into rgb: height rows of width pixels, 3 bytes each; NULL when the
     * environment does not render. Its default frame size and rate: */
    int (*render)(void *user, int64_t handle, uint8_t *rgb, int width, int height, char *err, size_t err_sz);
    int render_width, render_height, render_fps;
    /* writes the valid actions of instance handle's current state (a Discrete action space's n
     * bytes, 1 = valid: env_def.action_mask), after its reset and each step; NULL when the
     * environment publishes no masks */
    int (*action_mask)(void *user, int64_t handle, uint8_t *mask, char *err, size_t err_sz);
    /* a GoalEnv's compute_reward (and compute_terminated) for n pairs of goals (n, goal_dim) each:
     * writes rewards and terminated (n each); NULL when the environment is not goal-conditioned.
     * Only for an observation space that is a Dict of achieved_goal, desired_goal (vectors of one
     * size) and observation: its goal layout (envs/env.h env_goal) is then [achieved_goal,
     * desired_goal, observation], the keys sorted, and hindsight experience replay (addons/her.h)
     * relabels through it. A failure stops the environment as a failed step does. */
    int (*compute_reward)(void *user, int n, const float *achieved, const float *desired, float *rewards,
                          bool *terminated, char *err, size_t err_sz);
} env_callbacks;

/* Registers id with these spaces (bounds are copied) and callbacks (copied; cb->user must stay
 * valid while instances made with them live). cb NULL registers the id unbound: its spaces are
 * known (a checkpoint can be loaded), but instances cannot be made until it is bound.
 * Registering an id that is already a callback environment binds it to cb (the spaces must be
 * the same; RL_ERR_BUSY while instances made with other callbacks are alive). An id taken by
 * another environment is refused (RL_ERR_ARG). */
rl_status env_callback_register(const char *id, const env_space *obs, const env_space *act,
                                int max_episode_steps, double reward_threshold, const env_callbacks *cb,
                                char *err, size_t err_sz);
/* true when id is a registered callback environment */
bool env_callback_is(const char *id);
/* RL_OK, or the failure that stopped id's instances (the message in err). */
rl_status env_callback_error(const char *id, char *err, size_t err_sz);
/* Forgets id's failure: its instances call the runtime again (a new run). */
void env_callback_clear(const char *id);
/* Sets the function called after every callback failure and every call on a failed
 * registration's instance (NULL: none). Process-wide. */
void env_callback_set_failure_hook(void (*hook)(void));

/* ---- for env.c and vec.c ---------------------------------------------------------------------- */

/* true when def is a callback environment's definition */
bool env_callback_owns(const env_def *def);
/* a callback environment's init (env_make_def calls it instead of def->init: it needs def) */
rl_status env_callback_init(const env_def *def, void *state, char *err, size_t err_sz);
/* steps the n instances states (of one callback environment) in one call, as n calls of its step
 * would: actions (n, act_dim) -> obs (n, obs_dim), rewards, terminated, truncated (n each) */
void env_callback_step_batch(void *const *states, int n, const float *actions, float *obs, float *rewards,
                             bool *terminated, bool *truncated);
/* RL_OK, or the failure of the registration the instance state belongs to (its message in err) */
rl_status env_callback_state_error(const void *state, char *err, size_t err_sz);

#endif
