/* rlc core: the config field lists, declared once.
 *
 * Each section is an X-macro list X(S, ctype, name, type, num_default, str_default, lo, hi, choices,
 * doc), S being the section's field in rl_config. From it core/config.h generates the struct, and core/config.c the defaults, the parser,
 * the range checks and the dump of the resolved config, so they cannot drift apart.
 *   ctype    C type of the field (rl_str, rl_int_list and rl_loss_cfg are typedefs in config.h)
 *   type     I64 (integer), F64 (number), BOOL, STR (string), LIST (list of ints), LOSS (a loss
 *            by name with optional parameters)
 *   lo, hi   inclusive range for I64 / F64 / each LIST entry
 *   choices  "a|b|c" for STR fields restricted to a set, or NULL
 * To add a section: write its list here, add it to RL_CONFIG_SECTIONS below. */
#ifndef RLC_CORE_CONFIG_FIELDS_H
#define RLC_CORE_CONFIG_FIELDS_H

/* top level keys: `algo: ppo`, `seed: 1`, `total_steps: 500000` */
#define RL_CFG_ROOT_FIELDS(X, S)                                                                    \
    X(S, rl_str, algo, STR, 0, "ppo", 0, 0, "ppo", "the agent to train")                            \
    X(S, int64_t, seed, I64, 1, NULL, 0, 2147483647, NULL, "run seed; every RNG derives from it")   \
    X(S, int64_t, total_steps, I64, 500000, NULL, 1, 1e13, NULL, "environment steps to train for")

#define RL_CFG_ENV_FIELDS(X, S)                                                                     \
    X(S, rl_str, id, STR, 0, "CartPole-v1", 0, 0, NULL, "registered environment id (rlc envs)")    \
    X(S, int64_t, num_envs, I64, 4, NULL, 1, 4096, NULL, "parallel copies in the vector env")       \
    X(S, int64_t, max_episode_steps, I64, 0, NULL, 0, 1e9, NULL,                                    \
      "time limit override; 0 = the registered limit")                                           \
    X(S, rl_str, plugin, STR, 0, "", 0, 0, NULL, "shared object to load environments from")

#define RL_CFG_NETWORK_FIELDS(X, S)                                                                 \
    X(S, rl_int_list, hidden, LIST, 0, "64 64", 1, 65536, NULL, "hidden layer sizes")               \
    X(S, rl_str, activation, STR, 0, "tanh", 0, 0, "tanh|relu", "hidden activation")              \
    X(S, double, hidden_gain, F64, 1.4142135623730951, NULL, 0, 100, NULL,                          \
      "orthogonal init gain of hidden layers")                                                   \
    X(S, double, actor_gain, F64, 0.01, NULL, 0, 100, NULL, "init gain of the policy output layer") \
    X(S, double, critic_gain, F64, 1.0, NULL, 0, 100, NULL, "init gain of the value output layer")

#define RL_CFG_PPO_FIELDS(X, S)                                                                     \
    X(S, double, learning_rate, F64, 2.5e-4, NULL, 0, 1, NULL, "Adam learning rate")               \
    X(S, bool, anneal_lr, BOOL, 1, NULL, 0, 1, NULL, "anneal the learning rate linearly to 0")     \
    X(S, int64_t, num_steps, I64, 128, NULL, 1, 1e7, NULL, "rollout length per env")               \
    X(S, int64_t, update_epochs, I64, 4, NULL, 1, 1000, NULL, "passes over each rollout")          \
    X(S, int64_t, num_minibatches, I64, 4, NULL, 1, 1e6, NULL, "minibatches per epoch")             \
    X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")                                   \
    X(S, double, gae_lambda, F64, 0.95, NULL, 0, 1, NULL, "GAE lambda")                            \
    X(S, bool, norm_adv, BOOL, 1, NULL, 0, 1, NULL, "normalise advantages per minibatch")          \
    X(S, double, ent_coef, F64, 0.01, NULL, 0, 100, NULL, "weight of the entropy loss")            \
    X(S, double, vf_coef, F64, 0.5, NULL, 0, 100, NULL, "weight of the value loss")                \
    X(S, double, max_grad_norm, F64, 0.5, NULL, 0, 1e9, NULL, "global gradient-norm clip; 0 = off") \
    X(S, double, adam_eps, F64, 1e-5, NULL, 1e-12, 1, NULL, "Adam epsilon")                        \
    X(S, double, target_kl, F64, 0, NULL, 0, 100, NULL, "stop the epochs early above this KL; 0 = off")

#define RL_CFG_LOSSES_FIELDS(X, S)                                                                  \
    X(S, rl_loss_cfg, policy, LOSS, 0, "ppo_clip", 0, 0, NULL, "policy loss (rlc losses)")          \
    X(S, rl_loss_cfg, value, LOSS, 0, "clipped", 0, 0, NULL, "value loss: mse, huber, clipped, ...") \
    X(S, rl_loss_cfg, entropy, LOSS, 0, "entropy", 0, 0, NULL, "entropy term")

#define RL_CFG_LOG_FIELDS(X, S)                                                                     \
    X(S, int64_t, log_interval, I64, 10000, NULL, 1, 1e13, NULL, "steps between progress lines")   \
    X(S, int64_t, eval_interval, I64, 50000, NULL, 0, 1e13, NULL,                                   \
      "steps between evaluations; 0 = only at the end")                                          \
    X(S, int64_t, eval_episodes, I64, 10, NULL, 1, 100000, NULL, "episodes per evaluation")         \
    X(S, int64_t, checkpoint_interval, I64, 100000, NULL, 0, 1e13, NULL,                            \
      "steps between checkpoints; 0 = only at the end")                                          \
    X(S, bool, progress, BOOL, 1, NULL, 0, 1, NULL, "print the progress line")                     \
    X(S, int64_t, return_window, I64, 10, NULL, 1, 100000, NULL,                                    \
      "episodes in the recent mean return")

/* section list: X(field name in rl_config, yaml key ("" = top level), field list) */
#define RL_CONFIG_SECTIONS(X)                                                                    \
    X(root, "", RL_CFG_ROOT_FIELDS)                                                              \
    X(env, "env", RL_CFG_ENV_FIELDS)                                                             \
    X(network, "network", RL_CFG_NETWORK_FIELDS)                                                 \
    X(ppo, "ppo", RL_CFG_PPO_FIELDS)                                                             \
    X(losses, "losses", RL_CFG_LOSSES_FIELDS)                                                    \
    X(log, "log", RL_CFG_LOG_FIELDS)

#endif
