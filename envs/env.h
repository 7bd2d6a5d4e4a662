/* rlc envs: the environment API with Gymnasium's semantics, spaces, the registry, and the
 * vector env.
 *
 * An environment is an env_def (its constant description and four functions) plus a state
 * block the framework allocates (def->state_size bytes). Observations are float32, actions are
 * passed as float32 arrays for both kinds of space (a Discrete action is its index stored in
 * action[0]). terminated (an MDP terminal state: no bootstrap) and truncated (a time limit: the
 * next state's value still counts) stay separate everywhere.
 *
 * Adding an environment: write one C file with an env_def and either call env_register(&def)
 * from your program / a plugin's rlc_plugin_init(), or add it to the built-in list in
 * envs/registry.c. See docs/adding-an-environment.md. */
#ifndef RLC_ENVS_ENV_H
#define RLC_ENVS_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "core/status.h"

/* the largest Box dimension (MinAtar's Seaquest observes 10 x 10 x 10 values) */
#define ENV_MAX_DIM 1024
/* the largest image Box (rank 3), in values: a 1024 x 1024 RGB frame (CarRacing observes 96 x 96 x 3) */
#define ENV_MAX_IMAGE_DIM (3 << 20)

/* Discrete(n); Box(low, high); and for actions only, Gymnasium's MultiDiscrete(nvec) (dim
 * independent choices, component i in 0..nvec[i]-1) and MultiBinary(dim) (dim bits, each 0 or 1) */
typedef enum {
    ENV_SPACE_DISCRETE = 0,
    ENV_SPACE_BOX,
    ENV_SPACE_MULTI_DISCRETE,
    ENV_SPACE_MULTI_BINARY
} env_space_kind;

/* the largest total of a MultiDiscrete's nvec (the policy's logits per row) */
#define ENV_MAX_NVEC_SUM 65536

/* What a Box's values are. They are passed as floats whatever the type; the type says which
 * floats can occur, so that a consumer may store them compactly (a byte each) or scale them. */
typedef enum {
    ENV_ELEM_FLOAT32 = 0,  /* any float within the bounds (the default) */
    ENV_ELEM_UINT8,        /* integers within the bounds, which lie in [0, 255] (pixels) */
    ENV_ELEM_BOOL,         /* 0 or 1, within the bounds [0, 1] (MinAtar's channels) */
    ENV_ELEM_COUNT
} env_elem_type;

/* The goal layout of a goal-conditioned environment (Gymnasium-Robotics' GoalEnv: observation,
 * achieved_goal, desired_goal). The flat observation holds the desired goal's goal_dim values from
 * desired_offset on and obs_dim other values (obs_dim + goal_dim = dim), among which the achieved
 * goal's goal_dim values from achieved_offset on (offsets into the whole row; the two goals do not
 * overlap). desired_offset 0 stands for obs_dim: the layout [observation (obs_dim), desired_goal]
 * the C environments use, the achieved goal inside the observation (a GoalEnv whose observation
 * does not hold it appends it there). A Python GoalEnv's Dict observation is laid out with its
 * keys sorted, [achieved_goal, desired_goal, observation]: achieved_offset 0, desired_offset
 * goal_dim (envs/callback.h). compute_reward recomputes a step's reward for any pair of goals
 * (GoalEnv.compute_reward) and writes into *terminated whether the episode ends there
 * (GoalEnv.compute_terminated: false for a task that only stops at its time limit); user is
 * passed along in g for an environment whose goals another runtime computes. goal_dim 0: not
 * goal-conditioned. Hindsight experience replay (addons/her.h) relabels stored transitions
 * through it. */
typedef struct env_goal {
    int obs_dim, goal_dim, achieved_offset;
    float (*compute_reward)(const struct env_goal *g, const float *achieved, const float *desired,
                            bool *terminated);
    int desired_offset;
    void *user;
    /* Optional (NULL: compute_reward row by row): the same for n <= ENV_GOAL_BATCH pairs at once,
     * achieved[i] and desired[i] pointing to goal_dim values each, into rewards[i] and
     * terminated[i]; for an environment whose goals another runtime computes, where one call per
     * pair costs the most (a Python GoalEnv's vectorised compute_reward). */
    void (*compute_rewards)(const struct env_goal *g, int n, const float *const *achieved,
                            const float *const *desired, float *rewards, bool *terminated);
} env_goal;

/* the most pairs of goals one env_goal.compute_rewards call takes */
#define ENV_GOAL_BATCH 64

/* Where g's desired goal begins in an observation row. */
static inline int env_goal_desired_offset(const env_goal *g) { return g->desired_offset ? g->desired_offset : g->obs_dim; }

/* A Dict or a Tuple observation space (Gymnasium's spaces.Dict, spaces.Tuple) of Box parts: the
 * observation is still one flat Box row of dim floats, the parts' values one after the other in
 * the order of `parts`, and the space says where each part lies and what it is (a vector or an
 * image, its element type). A Dict's parts are in ascending order of their keys (strcmp, which is
 * the order Gymnasium's spaces.Dict gives the keys of a plain dict and the order Stable-Baselines3's
 * CombinedExtractor concatenates them in); a Tuple's in index order. Agents with an observation
 * encoder (algos/encoder.h) encode each part by its own encoder and concatenate the features in the
 * same order. */
typedef enum {
    ENV_STRUCT_NONE = 0,   /* one Box (or Discrete) */
    ENV_STRUCT_DICT,
    ENV_STRUCT_TUPLE
} env_structure;

#define ENV_MAX_PARTS 8
/* the longest key of a Dict part (letters, digits and '_'), so that checkpoint tensor names
 * "<net>.encoder.<key>.conv.<i>.weight" fit their 48 bytes */
#define ENV_PART_NAME_MAX 16

typedef struct {
    const char *name;      /* Dict: the key; Tuple: NULL (the part is named by its index) */
    int dim;               /* its values in the flat row */
    int rank;              /* 0: a vector; 3: an image, shape (height, width, channels) as env_space's */
    int shape[3];
    env_elem_type elem;
} env_part;

typedef struct {
    env_space_kind kind;
    int n;                 /* Discrete: number of actions (values 0..n-1); other kinds: unused (0) */
    int dim;               /* Box: flat dimension; Discrete: 1 (one float holds the index);
                              MultiDiscrete: the number of components; MultiBinary: of bits
                              (an action is dim floats, each an integer) */
    const float *low;      /* Box: (dim) bounds, may be -INFINITY / INFINITY; other kinds: NULL */
    const float *high;
    /* Box only; both zero (the default) for a flat vector of float32 values: */
    int rank;              /* 0: a flat vector; 3: an image of shape (height, width, channels) */
    int shape[3];          /* rank 3: height, width, channels, stored row by row with the channels
                              of a pixel together (numpy's C order of an (H, W, C) array):
                              value (y, x, c) at (y * width + x) * channels + c; the product is dim */
    env_elem_type elem;
    const int *nvec;       /* MultiDiscrete: (dim) the choices of each component, each >= 2 (points
                              to a static array of the env's file); other kinds: NULL */
    env_goal goal;         /* Box observation spaces of goal-conditioned environments; else zero */
    /* Dict and Tuple observation spaces (above): a Box of rank 0 whose dim is the sum of the
     * parts' and whose bounds are the parts' one after the other; parts points to n_parts static
     * descriptions (1 to ENV_MAX_PARTS). ENV_STRUCT_NONE, 0 and NULL for every other space. */
    env_structure structure;
    int n_parts;
    const env_part *parts;
} env_space;

/* The constant description of an environment kind. All function pointers are required except
 * close. `state` is def->state_size zeroed bytes owned by the framework. */
typedef struct env_def {
    const char *id;                 /* "CartPole-v1" */
    size_t state_size;
    int max_episode_steps;          /* the TimeLimit; 0 = none */
    double reward_threshold;        /* NAN when none is registered */
    env_space obs_space, act_space; /* bounds point to static arrays of the env's file */
    /* Prepares state (e.g. loads a model). Returns a status with a message on failure. */
    rl_status (*init)(void *state, char *err, size_t err_sz);
    /* Samples the initial state from rng and writes the first observation obs (obs dim). */
    void (*reset)(void *state, rl_rng *rng, float *obs);
    /* Advances one step. Writes obs, *reward, *terminated; sets *truncated only for reasons
     * other than the time limit (the framework's TimeLimit ORs its own). */
    void (*step)(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                 bool *terminated, bool *truncated);
    void (*close)(void *state);     /* may be NULL */
    /* Numerical trouble the instance has seen since init (e.g. MuJoCo warnings and simulation
     * resets after divergence), for the trainer's report. May be NULL (never any). */
    uint64_t (*warnings)(const void *state);
    /* Optional (NULL when unused): an env that must replay a reference implementation's draws
     * exactly keeps that generator in its state and reseeds it here, whenever the framework
     * seeds the instance's rng (env_seed: env_make with 0, env_reset with seed >= 0, vector copy
     * i with seed + i), each time before reset. MinAtar follows numpy's RandomState(seed) this
     * way (core/rng_mt.h), the toy-text envs numpy's PCG64 (core/nprng.h). */
    void (*seed)(void *state, uint64_t seed);
    /* Optional keyword arguments (Gymnasium's env kwargs): when params is not NULL, its
     * params_size bytes are copied to the start of the zeroed state before init, so the env's
     * state struct begins with its parameter struct. A definition with other arguments is a copy
     * of the registered one with another params (e.g. env_frozen_lake_def). */
    const void *params;
    size_t params_size;
    /* The env draws nothing: the same actions give the same trajectory whatever the seed
     * (CliffWalking-v1). rlc check-env then expects seeds to make no difference. */
    bool deterministic;
    /* Optional action masking (NULL: every action is always valid; Discrete action spaces only,
     * a MultiDiscrete or MultiBinary env with a mask is refused at registration):
     * writes the actions valid in the current state, mask[a] = 1 when action a may be taken and 0
     * when not (act_space.n bytes, at least one 1). The framework calls it after reset and after
     * every step (Gymnasium's info["action_mask"], sb3-contrib's action_masks()); agents that use
     * masks (env.action_mask, docs/environments.md) never choose an invalid action. */
    void (*action_mask)(const void *state, uint8_t *mask);
} env_def;

/* ---- registry ---------------------------------------------------------------------------- */

/* Registers a definition (the pointer must outlive the program). Returns RL_ERR_ARG if the id
 * is taken. Built-in environments are registered on first use of the registry. */
rl_status env_register(const env_def *def, char *err, size_t err_sz);
const env_def *env_find(const char *id);
/* All registered definitions in registration order; *n receives the count. */
const env_def *const *env_list(int *n);
/* " (did you mean 'CartPole-v1'?)" for a misspelt id, into out ("" when no registered id is near). */
void env_did_you_mean(char *out, size_t out_sz, const char *id);
/* Loads a shared object and calls its `rl_status rlc_plugin_init(char *err, size_t err_sz)`,
 * which registers its environments. */
rl_status env_load_plugin(const char *path, char *err, size_t err_sz);

/* ---- one environment instance (with TimeLimit and episode statistics) -------------------- */

typedef struct {
    const env_def *def;
    void *state;
    rl_rng rng;
    int max_steps;          /* effective time limit (def's unless overridden); 0 = none */
    int elapsed;            /* steps since reset */
    double ep_return;       /* running return and length of the current episode */
    int ep_length;
} env_instance;

/* max_steps_override > 0 replaces the registered limit. */
rl_status env_make(env_instance *e, const char *id, int max_steps_override, char *err,
                   size_t err_sz);
/* The same for a definition that need not be registered (rlc check-env, tests). */
rl_status env_make_def(env_instance *e, const env_def *def, int max_steps_override, char *err,
                       size_t err_sz);
/* seed >= 0 reseeds the env's RNG (Gymnasium's reset(seed=...)); seed < 0 keeps it. */
void env_reset(env_instance *e, int64_t seed, float *obs);
/* Seeds the instance's rng with (seed, stream 0) and calls def->seed when set, without a reset. */
void env_seed(env_instance *e, uint64_t seed);
/* Steps; applies the TimeLimit (truncated when elapsed >= max_steps). */
void env_step(env_instance *e, const float *action, float *obs, float *reward, bool *terminated,
              bool *truncated);
/* The framework's part of a step, after def->step (or a callback environment's batched step)
 * returned reward and *truncated: the episode statistics and the TimeLimit (ORed into
 * *truncated). */
void env_step_account(env_instance *e, float reward, bool *truncated);
/* Asserts that action is in def's action space where env_step relies on it (a Discrete index). */
void env_assert_action(const env_def *def, const float *action);
void env_close(env_instance *e);   /* NULL-safe */

/* ---- vector env: N copies with same-step autoreset --------------------------------------- */

/* After vec_step, obs holds each copy's current observation (the NEW episode's first observation
 * for copies that just finished); final_obs holds the last observation of the finished episode
 * for copies with done[i] (terminated or truncated), so truncated episodes can bootstrap.
 * ep_return / ep_length hold the finished episode's statistics where done[i]. */
typedef struct {
    int n;
    int obs_dim, act_dim;     /* obs_dim: of obs_space (one-hot: n of the Discrete space) */
    env_space obs_space;      /* the space of the rows of obs: the definition's, or with
                                 env_vec_opts.one_hot a Discrete one as Box(n) in [0, 1] */
    float *raw_obs;           /* one-hot only: (n) the environments' own observations */
    float *one_hot_bounds;    /* one-hot only: (2 obs_dim) low then high of obs_space */
    unsigned char *vel_mask;  /* mask_velocity only: (obs_dim) 1 where a component is zeroed */
    env_instance *envs;       /* (n) */
    float *obs;               /* (n, obs_dim) */
    float *final_obs;         /* (n, obs_dim) valid where terminated[i] || truncated[i] */
    float *rewards;           /* (n) */
    bool *terminated, *truncated;   /* (n) */
    double *ep_return;        /* (n) valid where done */
    int *ep_length;           /* (n) valid where done */
    uint64_t *nonfinite;      /* (n) dropped steps and patched resets of each copy (non-finite
                                 observation or reward); see env_vec_nonfinite */
    int n_threads;            /* worker threads stepping the copies (1 = the caller only);
                                 change it with env_vec_set_threads, never directly */
    struct env_vec_pool *pool;   /* private: the worker threads when n_threads > 1 */
    void **batch_states;      /* private: (n) the copies' states when they are stepped in one call
                                 (a callback environment, envs/callback.h); NULL otherwise */
    /* Action masks, when the environment publishes them (env_vec_masked): the valid actions of
     * each copy's current state (after an autoreset: the new episode's first state) and, where
     * done[i], of the finished episode's last state (final_obs's); NULL otherwise. */
    int n_actions;            /* act_space.n for a Discrete action space, else 0 */
    uint8_t *action_mask;     /* (n, n_actions) */
    uint8_t *final_mask;      /* (n, n_actions) valid where terminated[i] || truncated[i] */
} env_vec;

rl_status env_vec_make(env_vec *v, const char *id, int n, int max_steps_override, char *err,
                       size_t err_sz);

typedef struct {
    int max_steps_override;   /* > 0 replaces the registered time limit */
    /* A Discrete observation space is handed on one-hot encoded (env_one_hot, envs/wrappers.h):
     * obs and final_obs rows are n floats and obs_space is Box(n) [0, 1]. Other spaces are
     * unchanged. Agents need Box observations, so whatever makes their vector env sets this. */
    bool one_hot;
    /* The velocity components of every observation are 0 (env_velocity_mask, envs/wrappers.h:
     * RL Zoo's MaskVelocityWrapper), a partially observed task; an environment without a known
     * mask is refused (RL_ERR_NOT_FOUND naming it). */
    bool mask_velocity;
} env_vec_opts;

/* The same for a definition that need not be registered (one with its own params), with
 * options (NULL: none). env_vec_make(id) is env_vec_make_def(env_find(id)) without one-hot. */
rl_status env_vec_make_def(env_vec *v, const env_def *def, int n, const env_vec_opts *opts,
                           char *err, size_t err_sz);
/* Resets copy i with seed + i (Gymnasium's vector convention) and writes v->obs. */
void env_vec_reset(env_vec *v, int64_t seed);
/* actions (n, act_dim). Steps every copy, autoresets finished ones (their RNG continues). */
void env_vec_step(env_vec *v, const float *actions);
void env_vec_free(env_vec *v);   /* NULL-safe */
/* Whether the copies publish action masks (v->action_mask is set). */
static inline bool env_vec_masked(const env_vec *v) { return v->action_mask != NULL; }
/* Steps dropped, and reset observations patched, because the environment returned a non-finite
 * observation or reward, over all copies since env_vec_make. A dropped step has reward 0 and ends
 * its episode truncated at the copy's last finite observation (final_obs); the copy is reset. */
uint64_t env_vec_nonfinite(const env_vec *v);
/* RL_OK, or the error that stopped one of the copies (a callback environment whose callback
 * failed, envs/callback.h, also inside env.frame_stack's wrapper), with its message in err. A caller that steps an environment which can
 * fail checks it after env_vec_reset and env_vec_step: a failed copy's steps are not experience. */
rl_status env_vec_error(const env_vec *v, char *err, size_t err_sz);
/* Steps (and resets) the copies on n_threads threads: the copies are split into n_threads fixed
 * contiguous ranges, the caller runs the first. Results are identical for every thread count
 * (each copy owns its RNG). n_threads is capped at n, and at 1 for a callback environment
 * (envs/callback.h: its copies are stepped by one call on the caller's thread; wrapped in
 * env.frame_stack, one call each, on that thread too); 1 stops the workers. */
rl_status env_vec_set_threads(env_vec *v, int n_threads, char *err, size_t err_sz);

/* Observation / action dimension of a space as stored in float arrays. */
static inline int env_space_dim(const env_space *s) { return s->kind == ENV_SPACE_DISCRETE ? 1 : s->dim; }

/* Whether s is a MultiDiscrete or MultiBinary space (an action of dim integer components). */
static inline bool env_space_is_multi(const env_space *s)
{
    return s->kind == ENV_SPACE_MULTI_DISCRETE || s->kind == ENV_SPACE_MULTI_BINARY;
}

/* The choices of component i of a MultiDiscrete (nvec[i]) or MultiBinary (2) space. */
static inline int env_space_choices(const env_space *s, int i)
{
    return s->kind == ENV_SPACE_MULTI_DISCRETE ? s->nvec[i] : 2;
}

/* The largest dim a Box of s's layout may have: ENV_MAX_IMAGE_DIM for an image, and for a Dict or
 * Tuple with an image part (whose vector parts still hold at most ENV_MAX_DIM values in all,
 * env_space_parts_ok); ENV_MAX_DIM else. */
static inline int env_space_max_dim(const env_space *s)
{
    for (int i = 0; s->parts && i < s->n_parts && i < ENV_MAX_PARTS; i++)
        if (s->parts[i].rank == 3) return ENV_MAX_IMAGE_DIM;
    return s->rank == 3 ? ENV_MAX_IMAGE_DIM : ENV_MAX_DIM;
}

/* ---- the parts of a Dict or Tuple observation space (envs/parts.c) ----------------------- */

/* Where part i's values begin in an observation row. */
int env_part_offset(const env_space *s, int i);
/* Part i as a space of its own: a Box of its dim, rank, shape and element type whose bounds point
 * into s's (no parts, no goal). */
env_space env_space_part(const env_space *s, int i);
/* The name of part i: a Dict's key, a Tuple's index ("0", "1", ...), into buf. Returns buf. */
const char *env_part_name(const env_space *s, int i, char *buf, size_t buf_sz);
/* Whether s's parts are well formed (none at all is; otherwise the rules above: a Box of rank 0,
 * 1 to ENV_MAX_PARTS parts whose dims sum to dim, each a valid vector or image with bounds fitting
 * its element type, the vector parts at most ENV_MAX_DIM values in all, a Dict's keys of 1 to
 * ENV_PART_NAME_MAX letters, digits or '_' in strictly ascending order, a Tuple's names NULL); if
 * not, why (naming the key) in why. */
bool env_space_parts_ok(const env_space *s, char *why, size_t why_sz);
/* "Dict" or "Tuple" (NULL for ENV_STRUCT_NONE). */
const char *env_structure_name(env_structure t);

/* The name of a space kind: "Discrete", "Box", "MultiDiscrete", "MultiBinary" ("?" if invalid). */
const char *env_space_kind_name(env_space_kind k);

/* The name of an element type: "float32", "uint8", "bool" ("?" for an invalid value). */
const char *env_elem_name(env_elem_type t);

/* The factor that brings a Box's values into [0, 1] for a consumer that scales image inputs:
 * 1/255 for uint8 values (pixels), 1 for bool and float32 values (used as they are). */
static inline float env_space_unit_scale(const env_space *s)
{
    return s->kind == ENV_SPACE_BOX && s->elem == ENV_ELEM_UINT8 ? 1.0f / 255.0f : 1.0f;
}

#endif
