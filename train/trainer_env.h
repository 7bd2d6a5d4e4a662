/* rlc train: the environment a config names, as its agent sees it.
 *
 * Every place that builds an agent for a config's environment, or feeds it that environment's
 * observations, goes through trainer_env, so that they cannot disagree: training and its
 * evaluation (trainer.c), checkpoints loaded for rlc eval, record and rollout and for the Python
 * package (trainer_load_agent, api/rlc_api.c), and the ablation runner's checks.
 *
 * The environment is the registered definition of env.id, or a copy with the arguments of
 * env.kwargs applied (envs/env_args.h). The agent sees its observation space with a Discrete
 * space one-hot encoded: Box(n) in [0, 1], the n floats env_one_hot writes (FrozenLake, Taxi,
 * CliffWalking, Blackjack). With env.mask_velocity the agent sees the velocity components
 * zeroed (envs/wrappers.h). With env.pixels the environment is observed through its rendered
 * frames, and with env.frame_stack its last k observations stacked (envs/pixels.h); env.frame_skip,
 * env.resize and env.grayscale repeat actions and preprocess an image observation
 * (envs/imgprep.h), in the order pixels, frame_skip, resize, grayscale, frame_stack: def is then
 * the wrapped definition, so every vector env and instance made here observes them. With
 * env.frame_skip the time limit (the registered one or env.max_episode_steps) counts the inner,
 * repeated steps: the instances made here take the wrapper's, ceil(limit / k) agent steps. The vector envs made here encode their rows themselves; a single
 * instance's observation goes through trainer_env_encode. */
#ifndef RLC_TRAIN_TRAINER_ENV_H
#define RLC_TRAIN_TRAINER_ENV_H

#include <stdbool.h>

#include "agents/agent.h"
#include "core/config.h"
#include "envs/env.h"

typedef struct {
    const env_def *def;       /* the environment (registered, or the env.kwargs copy in owned, wrapped
                                 by pixels, skip, resize, gray and stack) */
    env_def view;             /* def as the agent sees it: obs_space one-hot where def's is Discrete */
    int raw_dim;              /* floats of one of def's own observations (1 for a Discrete one) */
    bool one_hot;             /* def's observations are encoded for the agent */
    float *bounds;            /* one-hot: the low then high bounds of view.obs_space (owned) */
    void *owned;              /* env.kwargs: the definition and its arguments (owned) */
    unsigned char *vel_mask;  /* env.mask_velocity: (raw_dim) the components zeroed (owned); else NULL */
    env_def *pixels;          /* env.pixels: the rendered-frame definition over the env.kwargs one (owned) */
    env_def *skip;            /* env.frame_skip > 1: the repeating definition over the one before (owned) */
    env_def *resize;          /* env.resize: the resized image over the one before (owned) */
    env_def *gray;            /* env.grayscale: the luma image over the one before (owned) */
    env_def *stack;           /* env.frame_stack > 1: the stacked definition over the one before (owned) */
} trainer_env;

/* Finds cfg's environment and applies env.kwargs. where names the config in messages (a file or
 * checkpoint); from_run: the config came from a run or checkpoint (its plugin is never loaded,
 * which the message for a missing plugin environment says). */
rl_status trainer_env_open(trainer_env *e, const rl_config *cfg, const char *where, bool from_run, char *err,
                           size_t err_sz);
void trainer_env_close(trainer_env *e);   /* NULL-safe, and safe after a failed open */

/* The time limit override of the vector envs and instances made of e (env_vec_opts.max_steps_override):
 * env.max_episode_steps, or with env.frame_skip none (the wrapped definition's own, ceil(limit / k)
 * agent steps; the inner instance counts the limit in its steps). */
int trainer_env_limit(const trainer_env *e, const rl_config *cfg);
/* A vector env of n copies of e with cfg's time limit, observations encoded as the agent sees them. */
rl_status trainer_env_vec(const trainer_env *e, const rl_config *cfg, env_vec *v, int n, char *err, size_t err_sz);
/* One instance of e with cfg's time limit (its observations are def's: see trainer_env_encode). */
rl_status trainer_env_make(const trainer_env *e, const rl_config *cfg, env_instance *inst, char *err, size_t err_sz);
/* batch observations of the environment (raw_dim floats each) as the agent sees them
 * (view.obs_space's dim each): copied (velocities zeroed with env.mask_velocity), or one-hot
 * encoded. */
void trainer_env_encode(const trainer_env *e, const float *raw, float *out, int batch);
/* Action masks: whether the agent gets e's (env.action_mask on and the environment publishes them,
 * env_def.action_mask), and the masks of v's rows handed to the agent before an act() on them. */
bool trainer_env_masks(const trainer_env *e, const rl_config *cfg);
void trainer_env_pass_masks(const rl_config *cfg, const agent_algo *algo, void *agent, const env_vec *v);
/* The same for one instance (rlc record, rlc rollout --policy): whether algo's agent gets e's masks,
 * and, with mask non-NULL (act_space.n bytes), inst's valid actions written there and handed to
 * the agent for its next act() of one row (mask NULL: nothing). */
bool trainer_env_agent_masks(const trainer_env *e, const rl_config *cfg, const agent_algo *algo);
void trainer_env_pass_mask_one(const agent_algo *algo, void *agent, const env_instance *inst, uint8_t *mask);
/* RL_ERR_CONFIG naming env.action_mask when the agent would get e's masks (trainer_env_masks) and
 * algo cannot use them (agent_algo.action_mask NULL); training checks it, a checkpoint's loader
 * does not (acting without masks is still acting). */
rl_status trainer_env_check_masks(const trainer_env *e, const agent_algo *algo, const rl_config *cfg, char *err,
                                  size_t err_sz);
/* algo's agent for e (algo->create with the spaces the agent sees) */
rl_status trainer_env_agent(const trainer_env *e, const agent_algo *algo, void **agent, const rl_config *cfg,
                            int n_envs, char *err, size_t err_sz);

/* Loads a run directory or a checkpoint file for inference: rebuilds the config from the
 * checkpoint's metadata, creates the agent and loads its weights. Loads no code: when the
 * checkpoint's environment comes from a plugin, the caller loads it first (env_load_plugin, from
 * a path the user gave); otherwise the error names the env id and the plugin path. */
rl_status trainer_load_agent(const char *path, rl_config *cfg, const agent_algo **algo,
                             void **agent, char *err, size_t err_sz);

#endif
