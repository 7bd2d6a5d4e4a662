/* rlc envs/mujoco, internal: the task description and the per-instance state shared by
 * mujoco_common.c (model loading, the generic reset/step/close) and mujoco_tasks.c (one task
 * description per Gymnasium id). Not part of the public API. */
#ifndef RLC_ENVS_MUJOCO_MUJOCO_INTERNAL_H
#define RLC_ENVS_MUJOCO_MUJOCO_INTERNAL_H

#include <mujoco/mujoco.h>

#include "envs/mujoco/mujoco_envs.h"

#define MJE_MAX_NU 32    /* largest actuator count of any task (Humanoid: 17) */
#define MJE_MAX_IDS 3    /* named bodies / sites a task looks up at init */

typedef struct mj_env mj_env;

typedef enum { MJE_BODY = 0, MJE_SITE } mje_obj_kind;

/* The constant description of one task (one Gymnasium id). */
typedef struct {
    const char *asset;          /* model file name under the assets directory */
    int frame_skip;
    int nq, nv, nu, nbody;      /* expected model sizes, checked at init */
    int obs_dim;
    float act_bound;            /* ctrlrange is [-act_bound, act_bound] on every actuator */
    int nterms;
    const char *term_names[ENV_MUJOCO_MAX_TERMS];
    /* divergence ends the episode as terminated (tasks with a health check) or truncated */
    bool divergence_terminates;
    /* named objects resolved at init into mj_env.ids[] (NULL name = unused) */
    mje_obj_kind id_kind[MJE_MAX_IDS];
    const char *id_name[MJE_MAX_IDS];

    /* writes the noisy initial qpos/qvel into e->d (after mj_resetData; the caller then
     * calls mj_forward) */
    void (*reset_noise)(mj_env *e, rl_rng *rng);
    /* records what the reward needs from before the frames (positions); may be NULL */
    void (*before)(mj_env *e);
    /* after the frames and mj_rnePostConstraint: fills e->terms and *terminated */
    void (*after)(mj_env *e, bool *terminated);
    void (*observe)(const mj_env *e, float *obs);
    /* the health check on the current state; NULL = always healthy */
    bool (*healthy)(const mj_env *e);
    /* the task takes exclude_current_positions_from_observation (env_mujoco_params): false adds
     * qpos[0] in front of the observation */
    bool optional_x;
    /* the observation size for the task's arguments, when they change it otherwise than
     * optional_x does (NULL: obs_dim, + 1 with optional_x) */
    int (*obs_size)(const env_mujoco_params *p);
} mj_task;

/* The state block of every MuJoCo env (env_def.state_size = sizeof(mj_env)). */
struct mj_env {
    env_mujoco_params p;                  /* the arguments (env_def.params; kept by mje_init) */
    const mj_task *task;
    int obs_dim;                          /* task->obs_dim, + 1 when x is observed (or obs_size) */
    const mjModel *m;                     /* shared, read-only */
    mjData *d;                            /* owned */
    double dt;                            /* timestep * frame_skip */
    int ids[MJE_MAX_IDS];
    double act[MJE_MAX_NU];               /* (nu) the last action, non-finite entries zeroed */
    double before[2];                     /* scratch written by task->before */
    double terms[ENV_MUJOCO_MAX_TERMS];   /* (nterms) the last step's reward terms */
    uint64_t warnings;
    uint64_t divergences;
};

/* Generic implementations used by every env_def. */
rl_status mje_init(void *state, const mj_task *task, char *err, size_t err_sz);
void mje_reset(void *state, rl_rng *rng, float *obs);
void mje_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
              bool *terminated, bool *truncated);
void mje_close(void *state);

#endif
