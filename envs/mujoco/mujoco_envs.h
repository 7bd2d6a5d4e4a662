/* rlc envs/mujoco: Gymnasium's MuJoCo locomotion and control tasks on MuJoCo 2.2.2.
 *
 * Ids: InvertedPendulum-v5, InvertedDoublePendulum-v5, Reacher-v5, Pusher-v5, Swimmer-v5,
 * Hopper-v5, HalfCheetah-v5, Walker2d-v5, Ant-v5, Humanoid-v5, HumanoidStandup-v5, and Pusher-v4,
 * Hopper-v4, HalfCheetah-v4, Walker2d-v4, Ant-v4, Humanoid-v4, HumanoidStandup-v4 (Gymnasium's
 * default constructor arguments). Each task follows
 * /work/shared/specs/gymnasium_envs.md section B: the same MuJoCo call sequence (ctrl = action,
 * mj_step frame_skip times, mj_rnePostConstraint once), observation layout (as float32),
 * reward terms and weights, health checks, reset noise and time limits.
 *
 * The models are rlc's own MJCF files (envs/mujoco/assets/NAME.xml), loaded once per process and
 * shared read-only by every instance; each instance owns its mjData. See mujoco_common.c for
 * where the files are looked for.
 *
 * Numerical trouble is counted, not printed: MuJoCo's warnings (contact or constraint buffer
 * full, bad qpos/qvel/qacc, bad ctrl, ...) add to the instance's warning counter, and a
 * simulation that diverges (non-finite or MuJoCo-reset qpos/qvel/qacc) ends the episode and is
 * reset, never propagating a non-finite observation or reward. Installing this module's models
 * replaces MuJoCo's global warning printer (mju_user_warning) with a silent one.
 *
 * The functions below that take `state` expect the state block of an environment created from
 * one of env_mujoco_defs()'s definitions (after a successful init). */
#ifndef RLC_ENVS_MUJOCO_MUJOCO_ENVS_H
#define RLC_ENVS_MUJOCO_MUJOCO_ENVS_H

#include <stdbool.h>
#include <stdint.h>

#include "envs/env.h"

/* opaque MuJoCo types (mujoco.h declares the same typedefs; C11 allows the repetition) */
typedef struct mjModel_ mjModel;
typedef struct mjData_ mjData;

/* The keyword arguments of the locomotion tasks, with Gymnasium's v5 names: the first member of
 * every MuJoCo state block (env_def.params). The v5 tasks take those Gymnasium lists for them as
 * env.kwargs (envs/env_args.h; mujoco_tasks.c lists which); the registered values are
 * Gymnasium's defaults, which the v4 tasks keep too. Ranges are open intervals, as Gymnasium's
 * strict comparisons are. */
typedef struct {
    double forward_reward_weight;     /* 1 */
    double ctrl_cost_weight;          /* 1e-3 (HalfCheetah 0.1) */
    double healthy_reward;            /* 1 (Hopper, Walker2d) */
    bool terminate_when_unhealthy;    /* true */
    double healthy_state_range[2];    /* Hopper: (-100, 100) on qpos[2:] and qvel */
    double healthy_z_range[2];        /* Hopper (0.7, inf), Walker2d (0.8, 2) */
    double healthy_angle_range[2];    /* Hopper (-0.2, 0.2), Walker2d (-1, 1) */
    double reset_noise_scale;         /* Hopper and Walker2d 5e-3, HalfCheetah 0.1, ... */
    bool exclude_current_positions_from_observation;   /* true: x (qpos[0]) is not observed */
    double contact_cost_weight;       /* Ant 5e-4, Humanoid 5e-7 */
    double reward_dist_weight;        /* Reacher 1, Pusher 1 */
    double reward_control_weight;     /* Reacher 1, Pusher 0.1 */
    double reward_near_weight;        /* Pusher 0.5 */
    double uph_cost_weight;           /* HumanoidStandup 1 */
    double impact_cost_weight;        /* HumanoidStandup 0.5e-6 */
    double impact_cost_range[2];      /* HumanoidStandup [-inf, 10]: the impact cost is clipped to it */
    /* HumanoidStandup-v5: which of the bodies' figures the observation holds (all true) */
    bool include_cinert_in_observation;
    bool include_cvel_in_observation;
    bool include_qfrc_actuator_in_observation;
    bool include_cfrc_ext_in_observation;
} env_mujoco_params;

/* All MuJoCo task definitions (static, never NULL); *n receives the count (18). */
const env_def *const *env_mujoco_defs(int *n);

/* The largest number of reward terms of any task. */
#define ENV_MUJOCO_MAX_TERMS 6

/* The reward components of the last step, by name, each as its signed contribution (costs
 * are negative), so that the step's reward is their sum (computed in double, then rounded to
 * float). Writes up to max names/values (either may be NULL) and returns the number of terms of
 * the task. Names: "forward", "healthy", "ctrl", "contact" (locomotion), "alive", "distance",
 * "velocity" (InvertedDoublePendulum), "distance", "ctrl" (Reacher), "alive" (InvertedPendulum),
 * "distance", "ctrl", "near" (Pusher), "linup", "ctrl", "impact", "alive" (HumanoidStandup).
 * All zero before the first step of an episode. */
int env_mujoco_reward_terms(const void *state, const char **names, double *values, int max);

/* Number of MuJoCo warnings this instance has seen since init (all kinds). */
uint64_t env_mujoco_warnings(const void *state);
/* Number of times this instance's simulation diverged and was reset since init. */
uint64_t env_mujoco_divergences(const void *state);

/* The task's health check on the current simulation state (true for tasks that never
 * terminate). For tests: set qpos/qvel through env_mujoco_data, then ask. */
bool env_mujoco_is_healthy(const void *state);

/* The instance's model (shared, read-only) and data (owned by the instance). A caller may write
 * qpos/qvel and then call env_mujoco_forward to recompute derived quantities. */
const mjModel *env_mujoco_model(const void *state);
mjData *env_mujoco_data(void *state);
void env_mujoco_forward(void *state);
/* Frame skip of the task (mj_step calls per env step). */
int env_mujoco_frame_skip(const void *state);
/* Writes the observation of the current simulation state (obs dim floats). */
void env_mujoco_observe(void *state, float *obs);

/* Looks for a model file (e.g. "hopper.xml") as the environments do; writes the full path
 * into out and returns RL_OK, or RL_ERR_IO with the paths tried in err. */
rl_status env_mujoco_find_asset(const char *file, char *out, size_t out_sz, char *err,
                                size_t err_sz);

#endif
