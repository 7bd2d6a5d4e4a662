/* rlc core: the config field lists, declared once.
 *
 * Each section is an X-macro list X(S, ctype, name, type, num_default, str_default, lo, hi, choices,
 * doc), S being the section's field in rl_config. From it core/config.h generates the struct, and core/config.c the defaults, the parser,
 * the range checks and the dump of the resolved config, so they cannot drift apart.
 *   ctype    C type of the field (rl_str, rl_int_list and rl_loss_cfg are typedefs in config.h)
 *   type     I64 (integer), F64 (number), BOOL, STR (string), LIST (list of ints), LOSS (a loss
 *            by name with optional parameters)
 *   lo, hi   inclusive range for I64 / F64 / each LIST entry
 *   choices  "a|b|c" for STR fields restricted to a set, or NULL; "[]" for a LIST that may be empty
 * These are the sections every run has. An algorithm's own sections (its hyperparameters and loss
 * slots) are declared in its file (algos/<name>.c) and an add-on's (exploration:, reward_model:)
 * in its file under addons/, and registered from outside core (rl_config_register_algos,
 * rl_config_register_addons, core/config.h); the choices of `algo:` are the registered names.
 * To add a core section: write its list here, add it to RL_CONFIG_SECTIONS below. */
#ifndef RLC_CORE_CONFIG_FIELDS_H
#define RLC_CORE_CONFIG_FIELDS_H

/* top level keys: `algo:` (the registered algorithms; the first is the default), `seed: 1`,
 * `total_steps: 500000` */
#define RL_CFG_ROOT_FIELDS(X, S)                                                                    \
    X(S, rl_str, algo, STR, 0, NULL, 0, 0, NULL, "the agent to train")                        \
    X(S, int64_t, seed, I64, 1, NULL, 0, 2147483647, NULL, "run seed; every RNG derives from it")   \
    X(S, int64_t, total_steps, I64, 500000, NULL, 1, 1e13, NULL, "environment steps to train for")

#define RL_CFG_ENV_FIELDS(X, S)                                                                     \
    X(S, rl_str, id, STR, 0, "CartPole-v1", 0, 0, NULL, "registered environment id (rlc envs)")    \
    X(S, int64_t, num_envs, I64, 4, NULL, 1, 4096, NULL, "parallel copies in the vector env")       \
    X(S, int64_t, max_episode_steps, I64, 0, NULL, 0, 1e9, NULL,                                    \
      "time limit override; 0 = the registered limit")                                           \
    X(S, rl_str, plugin, STR, 0, "", 0, 0, NULL, "shared object to load environments from")     \
    X(S, int64_t, threads, I64, 1, NULL, 1, 256, "auto",                                            \
      "threads stepping the training vector env's copies; auto = min(usable CPUs, num_envs); "     \
      "same results; 1 by default: a classic-control step costs less than a handoff to a thread")  \
    X(S, rl_kwargs, kwargs, KWARGS, 0, NULL, 0, 0, NULL,                                           \
      "the environment's keyword arguments {name: value} (rlc envs ID lists them)")   \
    X(S, bool, mask_velocity, BOOL, 0, NULL, 0, 1, NULL,                                            \
      "zero the velocity components of observations (RL Zoo's MaskVelocityWrapper): a partially "  \
      "observed task")                                                                            \
    X(S, bool, pixels, BOOL, 0, NULL, 0, 1, NULL,                                                   \
      "observe the rendered frame instead of the state: an image (pixels_height, pixels_width, 3), " \
      "or 1 channel with pixels_grayscale")                                                       \
    X(S, int64_t, pixels_width, I64, 84, NULL, 16, 1024, NULL, "env.pixels: the frame's width")      \
    X(S, int64_t, pixels_height, I64, 84, NULL, 16, 1024, NULL, "env.pixels: the frame's height")    \
    X(S, bool, pixels_grayscale, BOOL, 0, NULL, 0, 1, NULL,                                         \
      "env.pixels: one luma channel (ITU-R 601, as OpenCV) instead of RGB")                         \
    X(S, int64_t, frame_skip, I64, 1, NULL, 1, 64, NULL,                                            \
      "repeat each action k times, summing the rewards, stopping at an episode's end (RL Zoo's "  \
      "FrameSkip; no max over frames); the time limit counts the repeated steps; 1 = off")        \
    X(S, rl_int_list, resize, LIST, 0, "", 16, 1024, "[]",                                          \
      "[height, width], each 16..1024: downscale an image observation with OpenCV's INTER_AREA "  \
      "(Gymnasium's ResizeObservation); [] = off")                                               \
    X(S, bool, grayscale, BOOL, 0, NULL, 0, 1, NULL,                                                \
      "an RGB image observation as one luma channel (H, W, 1), as env.pixels_grayscale")         \
    X(S, int64_t, frame_stack, I64, 1, NULL, 1, 64, NULL,                                           \
      "observe the last k observations stacked along the last axis (channels), oldest first; "     \
      "1 = off")                                                                                 \
    X(S, bool, action_mask, BOOL, 1, NULL, 0, 1, NULL,                                              \
      "use the valid-action masks the environment publishes (Taxi; an agent that cannot is "      \
      "refused, naming those that can); false: every action is offered")

#define RL_CFG_NETWORK_FIELDS(X, S)                                                                 \
    X(S, rl_int_list, hidden, LIST, 0, "64 64", 1, 65536, "[]",                                     \
      "hidden layer sizes (after network.encoder when there is one); [] = none: the output layer only") \
    X(S, rl_str, activation, STR, 0, "tanh", 0, 0, "tanh|relu", "hidden activation")              \
    X(S, double, hidden_gain, F64, 1.4142135623730951, NULL, 0, 100, NULL,                          \
      "orthogonal init gain of hidden layers")                                                   \
    X(S, double, actor_gain, F64, 0.01, NULL, 0, 100, NULL, "init gain of the policy output layer") \
    X(S, double, critic_gain, F64, 1.0, NULL, 0, 100, NULL, "init gain of the value output layer") \
    X(S, rl_str, init, STR, 0, "orthogonal", 0, 0, "orthogonal|torch",                              \
      "on-policy networks: orthogonal with the gains above (CleanRL), or torch: PyTorch's default "  \
      "nn.Linear init, uniform in +-1/sqrt(fan_in) (SB3 with ortho_init=False); gains unused")     \
    X(S, bool, shared, BOOL, 0, NULL, 0, 1, NULL,                                                   \
      "one trunk (all hidden layers) under actor and critic heads (actor-critic agents); aux "    \
      "heads need it")                                                                            \
    X(S, rl_str, encoder, STR, 0, "none", 0, 0, NULL,                                               \
      "image encoder before the MLP (an agent without one refuses it): minatar, nature, a list "  \
      "such as "                                                                                  \
      "'16 3x3/1, dense 128', none, or flatten (an image fed to the MLP as a vector)")



#define RL_CFG_LOG_FIELDS(X, S)                                                                     \
    X(S, int64_t, log_interval, I64, 10000, NULL, 1, 1e13, NULL, "steps between progress lines")   \
    X(S, int64_t, eval_interval, I64, 50000, NULL, 0, 1e13, NULL,                                   \
      "steps between evaluations; 0 = only at the end")                                          \
    X(S, int64_t, eval_episodes, I64, 10, NULL, 1, 100000, NULL, "episodes per evaluation")         \
    X(S, bool, eval_deterministic, BOOL, 1, NULL, 0, 1, NULL,                                      \
      "evaluate with the policy's mode (true) or actions sampled from it (false; DQN: epsilon-greedy " \
      "at the current rate; TD3/DDPG are deterministic either way)")                             \
    X(S, int64_t, record_evals, I64, 0, NULL, 0, 1000000, NULL,                                     \
      "film one deterministic episode at every N-th evaluation (the 1st, N+1-th, ...) into "      \
      "videos/step_<step>.<record_format> in the run dir; 0 = off")                              \
    X(S, rl_str, record_format, STR, 0, "mp4", 0, 0, "mp4|gif", "the videos' format (log.record_evals)") \
    X(S, int64_t, checkpoint_interval, I64, 100000, NULL, 0, 1e13, NULL,                            \
      "steps between checkpoints; 0 = only at the end")                                          \
    X(S, bool, progress, BOOL, 1, NULL, 0, 1, NULL, "print the progress line")                     \
    X(S, int64_t, return_window, I64, 10, NULL, 1, 100000, NULL,                                    \
      "episodes in the recent mean return")                                                       \
    X(S, bool, tensorboard, BOOL, 1, NULL, 0, 1, NULL, "write a TensorBoard events file in the run dir") \
    X(S, int64_t, keep_checkpoints, I64, 0, NULL, 0, 1000000, NULL,                                 \
      "checkpoint_<step>.safetensors files kept (the newest); 0 = none")



/* stopping a run early at an evaluation (train/stopping.h, docs/configs.md): the policy is good
 * enough, or it stopped getting better */
#define RL_CFG_STOP_FIELDS(X, S)                                                                    \
    X(S, rl_str, reward_threshold, STR, 0, "none", 0, 0, NULL,                                      \
      "stop once an evaluation's mean return reaches this: a number, env (the environment's "     \
      "registered threshold) or none")                                                             \
    X(S, int64_t, patience, I64, 0, NULL, 0, 1000000, NULL,                                         \
      "stop after this many evaluations in a row without a new best return; 0 = off")             \
    X(S, int64_t, min_evals, I64, 0, NULL, 0, 1000000, NULL,                                        \
      "evaluations before patience starts counting (they still set the best)")

/* Box actions of the on-policy agents: a diagonal Gaussian policy */
#define RL_CFG_GAUSSIAN_FIELDS(X, S)                                                                \
    X(S, rl_str, log_std, STR, 0, "param", 0, 0, "param|state",                                     \
      "log-std: a learned vector (param, CleanRL) or a second actor head (state)")               \
    X(S, double, log_std_init, F64, 0.0, NULL, -20, 5, NULL,                                        \
      "initial log-std (param) or bias of the log-std head (state)")                             \
    X(S, double, log_std_min, F64, -20, NULL, -100, 100, NULL, "lower clamp of a state log-std")   \
    X(S, double, log_std_max, F64, 2, NULL, -100, 100, NULL, "upper clamp of a state log-std")     \
    X(S, rl_str, bound, STR, 0, "clip", 0, 0, "clip|tanh",                                          \
      "map to the Box bounds: clip (CleanRL) or tanh squashing with the log-det correction")

/* observation and reward normalisation inside the on-policy agents (statistics checkpointed,
 * frozen at evaluation) */
#define RL_CFG_NORMALIZE_FIELDS(X, S)                                                               \
    X(S, bool, obs, BOOL, 0, NULL, 0, 1, NULL, "normalise observations by a running mean/std")     \
    X(S, double, clip_obs, F64, 10, NULL, 0, 1e9, NULL, "clip normalised observations; 0 = off")   \
    X(S, bool, reward, BOOL, 0, NULL, 0, 1, NULL,                                                   \
      "scale rewards by the running std of the discounted return (Gymnasium NormalizeReward)")   \
    X(S, double, clip_reward, F64, 10, NULL, 0, 1e9, NULL, "clip scaled rewards; 0 = off")



/* section list: X(field name in rl_config, yaml key ("" = top level), field list) */
#define RL_CONFIG_SECTIONS(X)                                                                    \
    X(root, "", RL_CFG_ROOT_FIELDS)                                                              \
    X(env, "env", RL_CFG_ENV_FIELDS)                                                             \
    X(network, "network", RL_CFG_NETWORK_FIELDS)                                                 \
    X(gaussian, "gaussian", RL_CFG_GAUSSIAN_FIELDS)                                              \
    X(normalize, "normalize", RL_CFG_NORMALIZE_FIELDS)                                           \
    X(log, "log", RL_CFG_LOG_FIELDS)                                                             \
    X(stop, "stop", RL_CFG_STOP_FIELDS)

#endif
