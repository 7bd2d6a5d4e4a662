/* rlc api: the stable C interface of the shared library (librlc.so), for bindings such as the
 * Python package in python/rlc (ctypes).
 *
 * Everything here uses plain C types and opaque handles, so a binding never lays out rlc's
 * internal structs. Functions returning int return 0 (RL_OK) on success or an rl_status code
 * (core/status.h; rlc_status_name gives its name); on failure the message is kept for the calling
 * thread and rlc_last_error() returns it until that thread's next failing call. Handles are owned
 * by the caller and freed with their *_free function (NULL-safe). A handle may be used by one
 * thread at a time. A NULL handle (or a NULL where an array or output is required) is refused
 * with RL_ERR_ARG (RL_ERR_ARG is 1), or NULL from a function returning a string, never
 * dereferenced; a freed handle cannot be told apart from a live one, so a binding clears its
 * copy when it frees it.
 *
 * The first call that touches environments sets RLC_DATA_DIR (where the MuJoCo models are read
 * from) to <prefix>/share/rlc when the variable is unset or empty and the library lives in
 * <prefix>/lib with that directory present, as the installed rlc program does. */
#ifndef RLC_API_RLC_API_H
#define RLC_API_RLC_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RLC_API_VERSION 12  /* 2: rlc_vec_render_open, rlc_vec_render; 3: rlc_env_register_callback, rlc_record;
                             * 4: rlc_train_set_callback, rlc_train_stop_reason
                             * 5: rlc_policy_recurrent, rlc_policy_reset
                             * 6: rlc_vec_make_kwargs, rlc_vec_info, rlc_policy_spaces
                             * 7: rlc_env_callbacks.action_mask
                             * 8: rlc_space.nvec, kinds 2 (MultiDiscrete) and 3 (MultiBinary),
                             *    rlc_policy_act_masked, rlc_vec_action_masks
                             * 9: rlc_space.structure, n_parts, parts (Dict and Tuple observations),
                             *    rlc_env_callbacks.compute_reward
                             * 10: rlc_env_obs_image, rlc_vec_obs_image, rlc_policy_obs_image
                             * 11: rlc_env_register_callback_image, rlc_env_check
                             * 12: rlc_vec_make_wrapped, rlc_env_check_wrapped */

/* ---- the library --------------------------------------------------------------------------- */

int rlc_api_version(void);
/* This thread's last error message; "" when there was none. Never NULL. */
const char *rlc_last_error(void);
/* A short name for a status code ("config error", ...). Never NULL. */
const char *rlc_status_name(int status);
/* 1 when this build has the MuJoCo environments. */
int rlc_have_mujoco(void);
/* Frees a string an rlc_* function returned as malloc'ed (NULL-safe). */
void rlc_free(void *p);

/* ---- environments -------------------------------------------------------------------------- */

/* Loads an environment plugin (a shared object with rlc_plugin_init). Loading the same path again
 * (here or through a config's env.plugin) does nothing. The plugin resolves env_register & co.
 * against the global symbol namespace, so a binding must load librlc.so with RTLD_GLOBAL. */
int rlc_load_plugin(const char *path);
/* The number of registered environments and the id of the i-th (NULL when out of range). */
int rlc_env_count(void);
const char *rlc_env_id(int i);

/* A space as envs/env.h defines it: kind 0 = Discrete (values 0..n-1, dim 1), 1 = Box (dim
 * floats; low/high point to dim bounds owned by the environment, possibly infinite), and for
 * actions only 2 = MultiDiscrete (dim components, component i in 0..nvec[i]-1, each nvec[i] >= 2;
 * nvec points to dim ints owned by the environment) and 3 = MultiBinary (dim bits, each 0 or 1).
 * An action of kinds 2 and 3 is dim floats holding integers. low, high and nvec are NULL where
 * the kind has none. */
/* A part of a Dict or Tuple observation space (envs/env.h env_part): name is a Dict's key (1 to 16
 * letters, digits or '_'; NULL for a Tuple's part), dim its values in the flat row, rank 0 (a
 * vector) or 3 (an image of shape (height, width, channels)), elem 0 = float32, 1 = uint8, 2 = bool. */
typedef struct {
    const char *name;
    int dim;
    int rank;
    int shape[3];
    int elem;
} rlc_space_part;

/* A Box observation space may be a Dict (structure 1) or a Tuple (structure 2) of n_parts parts,
 * which lie one after the other in the flat observation row (a Dict's in ascending order of their
 * keys, as Gymnasium's spaces.Dict sorts them; dim is the sum of theirs, low and high theirs one
 * after the other); structure 0, n_parts 0 and parts NULL otherwise. Since C API 9. */
typedef struct {
    int kind;
    int n;
    int dim;
    const float *low, *high;
    const int *nvec;
    int structure;
    int n_parts;
    const rlc_space_part *parts;
} rlc_space;

/* The registered description of environment id. max_episode_steps is 0 when there is no time
 * limit; reward_threshold is NAN when none is registered. Any output pointer may be NULL. */
int rlc_env_info(const char *id, rlc_space *obs, rlc_space *act, int *max_episode_steps,
                 double *reward_threshold);

/* The shape of an observation space that is an image (rlc_space has no room for it): *rank 3 and
 * shape (height, width, channels), the flat row's dim values being the image in numpy's C order,
 * value (y, x, c) at (y * width + x) * channels + c (MinAtar's 10 x 10 x C, CarRacing-v3's
 * 96 x 96 x 3, a run's env.pixels frames). *rank 0 and shape zeros for any other space (a vector
 * Box, Discrete, a Dict or Tuple, whose parts say their own). *elem is a Box's element type as
 * rlc_space_part's (0 = float32, 1 = uint8, 2 = bool; values still pass as floats), 0 for other
 * kinds. Any output may be NULL. Since C API 10. */
int rlc_env_obs_image(const char *id, int *rank, int shape[3], int *elem);

/* Runs the checks of `rlc check-env ID` (envs/check.h) on environment id, a registered one or one
 * of the calling program (a Python environment): n_steps random steps (0: 2000, as the program's
 * default) from env seed seed (>= 0). Writes the number of failed checks into *n_failed (may be
 * NULL) and the report the program prints, one line per check and a summary, into *report, a
 * malloc'ed string to free with rlc_free. A callback of the calling program that fails during the
 * checks (a Python exception) fails the call with its message. Since C API 11. */
int rlc_env_check(const char *id, int n_steps, int64_t seed, int *n_failed, char **report);

/* rlc_env_check on environment id as a config's env section makes it (train/trainer_env.h): its
 * keyword arguments and observation wrappers applied as rlc_vec_make_wrapped takes them, the
 * checks run on the wrapped environment. Since C API 12. */
int rlc_env_check_wrapped(const char *id, int n_steps, int64_t seed, const char *const *keys,
                          const char *const *vals, int n_kwargs, const char *const *wrap_keys,
                          const char *const *wrap_vals, int n_wrappers, int *n_failed, char **report);

/* ---- environments of the calling program (envs/callback.h) -------------------------------- */

/* The functions of an environment whose instances live in the calling program (the Python
 * package registers Gymnasium environments with them). Each returns 0, or non-zero with a message
 * in err (err_sz bytes). reset gets a seed drawn from the copy's RNG (so a run is reproducible
 * from its config's seed); step gets n instances at once, actions (n, act_dim) as floats (a
 * Discrete action is its index), and writes obs (n, obs_dim), rewards, terminated and truncated
 * (the time limit is rlc's). They are called from the thread that drives the environment (the
 * caller of rlc_train, rlc_policy_evaluate or rlc_vec_step), one call at a time per vector env. */
typedef struct {
    void *user;   /* passed back to every call */
    int (*make)(void *user, int64_t *handle, char *err, size_t err_sz);
    int (*reset)(void *user, int64_t handle, int64_t seed, float *obs, char *err, size_t err_sz);
    int (*step)(void *user, int n, const int64_t *handles, const float *actions, float *obs,
                float *rewards, bool *terminated, bool *truncated, char *err, size_t err_sz);
    void (*close)(void *user, int64_t handle);   /* may be NULL */
    /* draws an instance into rgb (height, width, 3) for rlc record and render(); NULL when the
     * environment does not render. render_width/height (even, 16 to 4096) and render_fps (1 to
     * 1000) are its defaults. */
    int (*render)(void *user, int64_t handle, uint8_t *rgb, int width, int height, char *err, size_t err_sz);
    int render_width, render_height, render_fps;
    /* writes the valid actions of an instance's current state, n bytes for a Discrete(n) action
     * space (1 = valid, at least one), called after its reset and each step; NULL when the
     * environment publishes no masks (env.action_mask, docs/environments.md). Since C API 7. */
    int (*action_mask)(void *user, int64_t handle, uint8_t *mask, char *err, size_t err_sz);
    /* a GoalEnv's reward (and termination) for n pairs of goals, achieved and desired (n, goal_dim)
     * each, into rewards and terminated (n each), for hindsight experience replay; NULL when the
     * environment is not goal-conditioned. Only with an observation space that is a Dict of
     * achieved_goal and desired_goal (vectors of one size) and observation, whose flat row is then
     * [achieved_goal, desired_goal, observation]. Since C API 9. */
    int (*compute_reward)(void *user, int n, const float *achieved, const float *desired, float *rewards,
                          bool *terminated, char *err, size_t err_sz);
} rlc_env_callbacks;

/* Registers environment id with these spaces (bounds copied) and callbacks (copied; cb->user must
 * stay valid while instances live), for the life of the process: rlc_train with env.id = id,
 * rlc_vec_make and rlc_policy_evaluate then use it. cb NULL registers the id unbound (its
 * spaces only: a checkpoint trained on it loads; making an instance fails). Registering an id that
 * is a callback environment again binds it to cb (same spaces; RL_ERR_BUSY while instances made
 * with other callbacks are alive). When a reset or step callback fails, the run or evaluation
 * stops and the call returns its message: rlc_train stops as a signal stops it, with a checkpoint
 * of the step reached (the failing step counts as an episode truncated at its last observation
 * with reward 0); rlc_vec_step and rlc_vec_reset return the error until that vector env is
 * freed; rlc_policy_evaluate and rlc_record return it. */
int rlc_env_register_callback(const char *id, const rlc_space *obs, const rlc_space *act,
                              int max_episode_steps, double reward_threshold, const rlc_env_callbacks *cb);
/* rlc_env_register_callback for an observation space that is an image, as rlc_env_obs_image
 * describes one: obs a Box (kind 1, structure 0) of dim = shape[0] * shape[1] * shape[2] values,
 * the image (height, width, channels) in numpy's C order, of element type elem (0 = float32,
 * 1 = uint8, 2 = bool; the bounds within [0, 255] and [0, 1] for the last two). Its values still
 * pass as floats (reset and step write dim floats per observation), but the environment is an
 * image one as the built-in ones are: agents encode it with network.encoder, replays store uint8
 * and bool images a byte per value, and it may hold up to 3 << 20 values (a 1024 x 1024 RGB frame,
 * as a built-in image) where a vector Box holds at most 1024. Since C API 11. */
int rlc_env_register_callback_image(const char *id, const rlc_space *obs, const int shape[3], int elem,
                                    const rlc_space *act, int max_episode_steps, double reward_threshold,
                                    const rlc_env_callbacks *cb);

/* ---- the vector env (envs/env.h env_vec: same-step autoreset) ---------------------------- */

typedef struct rlc_vec rlc_vec;

/* The arrays a vector env writes, valid until rlc_vec_free; each step overwrites them.
 * final_obs, ep_return and ep_length hold meaningful values only where terminated[i] ||
 * truncated[i]. */
typedef struct {
    int n, obs_dim, act_dim;
    float *obs;                     /* (n, obs_dim) */
    float *final_obs;               /* (n, obs_dim) */
    float *rewards;                 /* (n) */
    bool *terminated, *truncated;   /* (n) */
    double *ep_return;              /* (n) */
    int *ep_length;                 /* (n) */
    int *n_done;                    /* (1) copies whose episode ended in the last step */
} rlc_vec_buffers;

/* n copies of environment id; max_episode_steps > 0 replaces its time limit; threads >= 1 worker
 * threads step the copies (results do not depend on it). Copies are seeded 0..n-1 until reset. */
int rlc_vec_make(rlc_vec **out, const char *id, int n, int max_episode_steps, int threads);
/* The same with the environment's keyword arguments (Gymnasium's make(id, **kwargs); `rlc envs ID`
 * lists them): n_kwargs names keys[i] with values vals[i] written as YAML scalars ("false", "0.5",
 * "8x8"; a list joined with ','). An unknown key, a value of the wrong type or out of range is
 * RL_ERR_CONFIG naming the key. */
int rlc_vec_make_kwargs(rlc_vec **out, const char *id, int n, int max_episode_steps, int threads,
                        const char *const *keys, const char *const *vals, int n_kwargs);
/* The same with the observation wrappers of a config's env section, applied by the code `rlc train`
 * uses (train/trainer_env.h) in its fixed order pixels, frame_skip, resize, grayscale,
 * frame_stack, then mask_velocity: n_wrappers keys wrap_keys[i], each one of pixels, pixels_width,
 * pixels_height, pixels_grayscale, frame_skip, resize, grayscale, frame_stack and mask_velocity
 * (docs/configs.md, the env section), at most once, with values wrap_vals[i] written as YAML
 * ("true", "2", "[64, 64]"); a key not given keeps the config's default (off). With frame_skip,
 * max_episode_steps counts the repeated inner steps, as env.max_episode_steps does. The spaces
 * rlc_vec_info and rlc_vec_obs_image give are the wrapped environment's. Another key, a value of
 * the wrong type or out of range (the config's messages, naming env.KEY and what was expected)
 * and a wrapper the environment cannot take (an observation that is not an image for resize, no
 * renderer for pixels) are RL_ERR_ARG; the keyword arguments fail as rlc_vec_make_kwargs says.
 * Since C API 12. */
int rlc_vec_make_wrapped(rlc_vec **out, const char *id, int n, int max_episode_steps, int threads,
                         const char *const *keys, const char *const *vals, int n_kwargs,
                         const char *const *wrap_keys, const char *const *wrap_vals, int n_wrappers);
/* The spaces, time limit and threshold of v's environment (with its keyword arguments: a
 * FrozenLake desc sets the observation space; and its wrappers: env.frame_stack's stacked space,
 * env.frame_skip's limit in agent steps), as rlc_env_info gives them for a registered id. */
int rlc_vec_info(const rlc_vec *v, rlc_space *obs, rlc_space *act, int *max_episode_steps,
                 double *reward_threshold);
/* rlc_env_obs_image of v's environment (its keyword arguments and wrappers applied). Since C API 10. */
int rlc_vec_obs_image(const rlc_vec *v, int *rank, int shape[3], int *elem);
void rlc_vec_free(rlc_vec *v);
/* The buffers of v (all zero, n = 0 and NULL arrays, for a NULL v). */
void rlc_vec_get_buffers(rlc_vec *v, rlc_vec_buffers *b);
/* Resets every copy; seed >= 0 seeds copy i with seed + i, seed < 0 keeps the RNG streams. */
int rlc_vec_reset(rlc_vec *v, int64_t seed);
/* Steps every copy with actions (n, act_dim) as floats (a Discrete action is its index) and
 * resets finished copies in the same step. n_values must be n * act_dim. Refuses, before
 * stepping anything, a wrong count, a Discrete action that is not an integer in 0..n-1 and a
 * Box action that is not finite. */
int rlc_vec_step(rlc_vec *v, const float *actions, int64_t n_values);
/* Opens (or reopens at another size) v's renderer, the one rlc record uses (envs/render.h):
 * width x height pixels, each in [16, 4096], or both <= 0 for the environment's default;
 * writes the frame size and the environment's frame rate (any output may be NULL).
 * RL_ERR_UNSUPPORTED when the environment has no renderer. */
int rlc_vec_render_open(rlc_vec *v, int width, int height, int *width_out, int *height_out, int *fps);
/* Draws copy i's current state (after the last reset or step: for a copy whose episode just
 * ended, the next episode's first state) into rgb, height rows of width pixels, top to bottom,
 * 3 bytes (R, G, B) each; n_bytes must be width * height * 3 of the open renderer. */
int rlc_vec_render(rlc_vec *v, int i, uint8_t *rgb, int64_t n_bytes);
/* The action masks of v's copies when its environment publishes them (env_def.action_mask:
 * Taxi-v3, a Python environment's): *mask (n, *n_actions) bytes, 1 = valid, the valid actions of
 * each copy's current state (after an autoreset: the new episode's first), and *final_mask the
 * finished episode's last state's where terminated[i] || truncated[i]; both valid until
 * rlc_vec_free, overwritten by each reset and step. NULL and *n_actions = 0 when the environment
 * publishes none. Any output may be NULL. Since C API 8. */
int rlc_vec_action_masks(rlc_vec *v, const uint8_t **mask, const uint8_t **final_mask, int *n_actions);

/* ---- training ------------------------------------------------------------------------------ */

typedef struct {
    int64_t steps;
    double wall_s, sps;
    double eval_mean, eval_std;
    int64_t threshold_step;         /* -1 if the threshold was never reached */
    double threshold_wall_s;        /* NAN if never */
    uint64_t env_warnings;
    int64_t seed;                   /* the run's seed */
} rlc_train_result;

/* Trains from a config given either as a file (config_path) or as YAML text (config_yaml, with
 * yaml_name standing for the file in messages), after the n_sets overrides "section.key=value".
 * resume: continue the run in run_dir (config_path and config_yaml are then ignored: the run's
 * config.yaml is read). run_dir NULL or "" picks runs/<config name>-seed<N> as `rlc train` does;
 * the directory used is written to run_dir_out (run_dir_sz bytes) when that is non-NULL. quiet: no
 * progress line (the progress and the summary go to stdout). RL_ERR_INTERRUPTED means SIGINT or
 * SIGTERM stopped the run after a clean checkpoint. */
int rlc_train(const char *config_path, const char *config_yaml, const char *yaml_name,
              const char *const *sets, int n_sets, const char *run_dir, bool resume, bool quiet,
              rlc_train_result *res, char *run_dir_out, int run_dir_sz);

/* A row a training run just wrote, for the callback of rlc_train_set_callback: kind 0 is a
 * metrics.csv row (each log.log_interval), 1 an eval.csv row (each evaluation, the final one
 * too); names[i] and values[i], i < n, are its columns, names[0] = "step". Valid during the call. */
typedef struct {
    int kind;
    int n;
    const char *const *names;
    const double *values;
} rlc_train_event;

/* Called on the thread of rlc_train: 0 goes on; non-zero stops the run as a `stop:` rule does
 * (the final checkpoint and best model are written, the final evaluation made unless the step
 * was just evaluated, and rlc_train returns 0 with rlc_train_stop_reason saying so). */
typedef int (*rlc_train_callback)(void *user, const rlc_train_event *event);

/* Sets the callback of the calling thread's rlc_train calls from now on (fn NULL: none). */
int rlc_train_set_callback(rlc_train_callback fn, void *user);
/* Why the calling thread's last rlc_train ended before total_steps ("step N: ...": a `stop:`
 * rule or the callback), or "" when it did not. Never NULL. */
const char *rlc_train_stop_reason(void);

/* Resolves a config as rlc_train would and sets *yaml_out to the resolved YAML (every key; free
 * with rlc_free). */
int rlc_config_resolve(const char *config_path, const char *config_yaml, const char *yaml_name,
                       const char *const *sets, int n_sets, char **yaml_out);

/* ---- trained policies ---------------------------------------------------------------------- */

typedef struct rlc_policy rlc_policy;

/* Loads a run directory or checkpoint file for inference (weights and normalisation). */
int rlc_policy_load(rlc_policy **out, const char *path);
void rlc_policy_free(rlc_policy *p);
/* The environment id and algorithm the policy was trained with (owned by p; NULL for a NULL p). */
const char *rlc_policy_env_id(const rlc_policy *p);
const char *rlc_policy_algo(const rlc_policy *p);
/* The spaces of the environment p was trained on, its env.kwargs applied (a FrozenLake desc sets
 * the observation space), as rlc_env_info gives them for a registered id. */
int rlc_policy_spaces(const rlc_policy *p, rlc_space *obs, rlc_space *act);
/* rlc_env_obs_image of the observations p takes (rlc_policy_spaces'; a run with env.pixels or
 * env.frame_stack: the wrapped frames). Since C API 10. */
int rlc_policy_obs_image(const rlc_policy *p, int *rank, int shape[3], int *elem);
/* The resolved config of the run (free with rlc_free; NULL for a NULL p). */
char *rlc_policy_config(const rlc_policy *p);
/* Deterministic actions (n, act_dim) for observations obs (n, obs_dim), as `rlc rollout
 * --policy` and `rlc eval` take them. n_values must be n * obs_dim. A policy trained with
 * env.mask_velocity sees the observations with their velocities zeroed, as in training. A
 * recurrent policy (rlc_policy_recurrent) takes at most 64 observations a call: row i of each call
 * is one episode's stream, whose state carries from call to call (see rlc_policy_reset). */
int rlc_policy_act(rlc_policy *p, const float *obs, int64_t n, int64_t n_values, float *actions);
/* The same among the valid actions of each row: mask (n, K) bytes, 1 = valid and 0 = not, K the
 * Discrete action space's n (n_mask must be n * K, each row 0/1 bytes with at least one 1), as an
 * environment's action masks give them (Gymnasium's info["action_mask"], rlc_vec_action_masks).
 * RL_ERR_ARG for a Box action space or an agent that takes no masks (env.action_mask,
 * docs/environments.md names the ones that do). Since C API 8. */
int rlc_policy_act_masked(rlc_policy *p, const float *obs, int64_t n, int64_t n_values, const uint8_t *mask,
                          int64_t n_mask, float *actions);
/* 1 when the policy keeps a state between calls (trained with `recurrent:`), 0 when not (or for a
 * NULL p). */
int rlc_policy_recurrent(const rlc_policy *p);
/* Starts new episodes: the state of row i (0 <= i < n <= 64) of the next rlc_policy_act calls is
 * zeroed where rows[i] is nonzero; rows NULL: every row. A loaded policy starts every row at
 * zero, and rlc_policy_evaluate leaves every row reset. Nothing for a memoryless policy. */
int rlc_policy_reset(rlc_policy *p, const unsigned char *rows, int64_t n);
/* Mean and std of the return over n_episodes deterministic episodes with seeds seed, seed+1, ...
 * on the training environment (as `rlc eval`). */
int rlc_policy_evaluate(rlc_policy *p, int n_episodes, int64_t seed, double *mean, double *std);

/* Films the policy of a run directory or checkpoint as `rlc record` does: episodes (1 to 1000)
 * deterministic episodes from seed, width x height frames (<= 0: the environment's size), into
 * out (.mp4 or .gif; NULL or "" = <run directory>/record.mp4), whose path is written to out_path
 * (out_sz bytes) when that is non-NULL; *frames and *return_mean (may be NULL) receive the frames
 * written and the mean return. On failure nothing is left at out but what was there before. */
int rlc_record(const char *path, const char *out, int episodes, int64_t seed, int width, int height,
               char *out_path, int out_sz, int64_t *frames, double *return_mean);

/* ---- the loss registry --------------------------------------------------------------------- */

int rlc_loss_count(void);
/* The i-th registered loss; outputs point to constant strings. */
int rlc_loss_get(int i, const char **name, const char **kind, const char **formula, int *n_params);
/* Parameter j of loss i: name, default, valid range [lo, hi] (open at an end when *_open is 1)
 * and its doc line ("" when none). */
int rlc_loss_param(int i, int j, const char **name, double *def, double *lo, double *hi,
                   int *lo_open, int *hi_open, const char **doc);

#endif
