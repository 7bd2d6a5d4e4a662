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
    X(S, rl_str, algo, STR, 0, "ppo", 0, 0, "ppo|a2c|reinforce|dqn|qrdqn|c51|sac", "the agent to train")     \
    X(S, int64_t, seed, I64, 1, NULL, 0, 2147483647, NULL, "run seed; every RNG derives from it")   \
    X(S, int64_t, total_steps, I64, 500000, NULL, 1, 1e13, NULL, "environment steps to train for")

#define RL_CFG_ENV_FIELDS(X, S)                                                                     \
    X(S, rl_str, id, STR, 0, "CartPole-v1", 0, 0, NULL, "registered environment id (rlc envs)")    \
    X(S, int64_t, num_envs, I64, 4, NULL, 1, 4096, NULL, "parallel copies in the vector env")       \
    X(S, int64_t, max_episode_steps, I64, 0, NULL, 0, 1e9, NULL,                                    \
      "time limit override; 0 = the registered limit")                                           \
    X(S, rl_str, plugin, STR, 0, "", 0, 0, NULL, "shared object to load environments from")     \
    X(S, int64_t, threads, I64, 1, NULL, 1, 256, NULL,                                              \
      "threads stepping the training vector env's copies (at most num_envs used); same results")

#define RL_CFG_NETWORK_FIELDS(X, S)                                                                 \
    X(S, rl_int_list, hidden, LIST, 0, "64 64", 1, 65536, NULL, "hidden layer sizes")               \
    X(S, rl_str, activation, STR, 0, "tanh", 0, 0, "tanh|relu", "hidden activation")              \
    X(S, double, hidden_gain, F64, 1.4142135623730951, NULL, 0, 100, NULL,                          \
      "orthogonal init gain of hidden layers")                                                   \
    X(S, double, actor_gain, F64, 0.01, NULL, 0, 100, NULL, "init gain of the policy output layer") \
    X(S, double, critic_gain, F64, 1.0, NULL, 0, 100, NULL, "init gain of the value output layer") \
    X(S, rl_str, init, STR, 0, "orthogonal", 0, 0, "orthogonal|torch",                              \
      "ppo, a2c, reinforce: orthogonal with the gains above (CleanRL), or torch: PyTorch's default "  \
      "nn.Linear init, uniform in +-1/sqrt(fan_in) (SB3 with ortho_init=False); gains unused")     \
    X(S, bool, shared, BOOL, 0, NULL, 0, 1, NULL,                                                   \
      "ppo, a2c: one trunk (all hidden layers) under actor and critic heads; aux heads need it")

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
    X(S, double, target_kl, F64, 0, NULL, 0, 100, NULL, "stop the epochs early above this KL; 0 = off") \
    X(S, int64_t, threads, I64, 1, NULL, 1, 2, NULL,                                                \
      "2 = each minibatch's actor and critic halves on two threads (same results)")

#define RL_CFG_LOSSES_FIELDS(X, S)                                                                  \
    X(S, rl_loss_cfg, policy, LOSS, 0, "ppo_clip", 0, 0, NULL, "policy loss (rlc losses)")          \
    X(S, rl_loss_cfg, value, LOSS, 0, "clipped", 0, 0, NULL, "value loss: mse, huber, clipped, ...") \
    X(S, rl_loss_cfg, entropy, LOSS, 0, "entropy", 0, 0, NULL, "entropy term")                  \
    X(S, rl_loss_cfg, td, LOSS, 0, "huber", 0, 0, NULL, "DQN TD loss: huber, mse, ...")             \
    X(S, rl_loss_cfg, quantile, LOSS, 0, "quantile_huber", 0, 0, NULL, "QR-DQN loss (kappa)")      \
    X(S, rl_loss_cfg, c51, LOSS, 0, "c51", 0, 0, NULL, "C51 loss (v_min, v_max, atoms)")            \
    X(S, rl_loss_cfg, critic, LOSS, 0, "mse", 0, 0, NULL, "SAC critic loss: mse, huber, ...")

#define RL_CFG_LOG_FIELDS(X, S)                                                                     \
    X(S, int64_t, log_interval, I64, 10000, NULL, 1, 1e13, NULL, "steps between progress lines")   \
    X(S, int64_t, eval_interval, I64, 50000, NULL, 0, 1e13, NULL,                                   \
      "steps between evaluations; 0 = only at the end")                                          \
    X(S, int64_t, eval_episodes, I64, 10, NULL, 1, 100000, NULL, "episodes per evaluation")         \
    X(S, int64_t, checkpoint_interval, I64, 100000, NULL, 0, 1e13, NULL,                            \
      "steps between checkpoints; 0 = only at the end")                                          \
    X(S, bool, progress, BOOL, 1, NULL, 0, 1, NULL, "print the progress line")                     \
    X(S, int64_t, return_window, I64, 10, NULL, 1, 100000, NULL,                                    \
      "episodes in the recent mean return")                                                       \
    X(S, bool, tensorboard, BOOL, 1, NULL, 0, 1, NULL, "write a TensorBoard events file in the run dir") \
    X(S, int64_t, keep_checkpoints, I64, 0, NULL, 0, 1000000, NULL,                                 \
      "checkpoint_<step>.safetensors files kept (the newest); 0 = none")

/* off-policy value-based agents: dqn, qrdqn, c51 (algos/dqn.c); steps count environment steps */
#define RL_CFG_DQN_FIELDS(X, S)                                                                     \
    X(S, double, learning_rate, F64, 2.5e-4, NULL, 0, 1, NULL, "Adam learning rate")               \
    X(S, double, adam_eps, F64, 1e-8, NULL, 1e-12, 1, NULL, "Adam epsilon")                        \
    X(S, int64_t, buffer_size, I64, 100000, NULL, 1, 1e9, NULL, "replay capacity (transitions)")  \
    X(S, int64_t, batch_size, I64, 128, NULL, 1, 65536, NULL, "minibatch size")                     \
    X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")                                   \
    X(S, int64_t, learning_starts, I64, 10000, NULL, 0, 1e13, NULL, "steps before the first update") \
    X(S, int64_t, train_frequency, I64, 10, NULL, 1, 1e9, NULL, "steps between training phases")  \
    X(S, int64_t, gradient_steps, I64, 1, NULL, 1, 1e6, NULL, "updates per training phase")       \
    X(S, int64_t, target_update_interval, I64, 500, NULL, 1, 1e13, NULL,                            \
      "steps between target-network updates")                                                    \
    X(S, double, tau, F64, 1.0, NULL, 0, 1, NULL, "target update: 1 = hard copy, < 1 = Polyak")    \
    X(S, double, start_e, F64, 1.0, NULL, 0, 1, NULL, "initial epsilon")                           \
    X(S, double, end_e, F64, 0.05, NULL, 0, 1, NULL, "final epsilon")                              \
    X(S, double, exploration_fraction, F64, 0.5, NULL, 0, 1, NULL,                                  \
      "fraction of total_steps over which epsilon decays linearly")                              \
    X(S, double, max_grad_norm, F64, 10, NULL, 0, 1e9, NULL, "global gradient-norm clip; 0 = off") \
    X(S, bool, double_q, BOOL, 0, NULL, 0, 1, NULL, "double DQN targets (dqn, qrdqn, c51)")         \
    X(S, bool, dueling, BOOL, 0, NULL, 0, 1, NULL, "dueling value/advantage heads (dqn)")         \
    X(S, int64_t, n_step, I64, 1, NULL, 1, 1000, NULL, "n-step returns, cut at episode ends")      \
    X(S, bool, prioritized, BOOL, 0, NULL, 0, 1, NULL, "prioritized replay (sum tree)")           \
    X(S, double, per_alpha, F64, 0.6, NULL, 0, 10, NULL, "priority exponent")                      \
    X(S, double, per_beta, F64, 0.4, NULL, 0, 1, NULL, "initial importance exponent (annealed to 1)") \
    X(S, double, per_eps, F64, 1e-6, NULL, 0, 1, NULL, "added to |TD error| in priorities")        \
    X(S, int64_t, n_quantiles, I64, 50, NULL, 1, 10000, NULL, "quantiles (qrdqn)")

/* SAC for Box actions (algos/sac.c) */
#define RL_CFG_SAC_FIELDS(X, S)                                                                     \
    X(S, double, actor_lr, F64, 3e-4, NULL, 0, 1, NULL, "actor Adam learning rate")               \
    X(S, double, critic_lr, F64, 1e-3, NULL, 0, 1, NULL, "critics' Adam learning rate")           \
    X(S, double, alpha_lr, F64, 1e-3, NULL, 0, 1, NULL, "temperature Adam learning rate")         \
    X(S, int64_t, buffer_size, I64, 1000000, NULL, 1, 1e9, NULL, "replay capacity (transitions)") \
    X(S, int64_t, batch_size, I64, 256, NULL, 1, 65536, NULL, "minibatch size")                     \
    X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")                                   \
    X(S, double, tau, F64, 0.005, NULL, 0, 1, NULL, "Polyak rate of the target critics")           \
    X(S, int64_t, learning_starts, I64, 5000, NULL, 0, 1e13, NULL,                                  \
      "steps of uniform random actions before the first update")                                 \
    X(S, double, utd, F64, 1.0, NULL, 0, 1e4, NULL, "update-to-data ratio: updates per env step")  \
    X(S, int64_t, policy_frequency, I64, 1, NULL, 1, 1e6, NULL, "critic updates per actor update") \
    X(S, bool, autotune, BOOL, 1, NULL, 0, 1, NULL, "learn the temperature alpha")                 \
    X(S, double, alpha, F64, 1.0, NULL, 0, 1e6, NULL, "temperature: initial (autotune) or fixed")  \
    X(S, double, target_entropy_scale, F64, 1.0, NULL, 0, 1e3, NULL,                                \
      "target entropy = -scale * dim(A)")                                                        \
    X(S, double, log_std_min, F64, -20, NULL, -100, 100, NULL, "lower clamp of the actor log-std") \
    X(S, double, log_std_max, F64, 2, NULL, -100, 100, NULL, "upper clamp of the actor log-std")  \
    X(S, int64_t, n_step, I64, 1, NULL, 1, 1000, NULL, "n-step returns, cut at episode ends")      \
    X(S, int64_t, threads, I64, 1, NULL, 1, 2, NULL, "2 = each update on two threads (twin critics, actor layers; same results)")

/* Box actions of the on-policy agents (ppo, a2c, reinforce): a diagonal Gaussian policy */
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

/* A2C (algos/a2c.c): n-step rollouts over num_envs, one update per rollout */
#define RL_CFG_A2C_FIELDS(X, S)                                                                     \
    X(S, double, learning_rate, F64, 7e-4, NULL, 0, 1, NULL, "learning rate")                      \
    X(S, bool, anneal_lr, BOOL, 0, NULL, 0, 1, NULL, "anneal the learning rate linearly to 0")     \
    X(S, int64_t, num_steps, I64, 5, NULL, 1, 1e7, NULL, "rollout length per env (n)")             \
    X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")                                   \
    X(S, rl_str, advantage, STR, 0, "gae", 0, 0, "gae|nstep",                                       \
      "GAE(gae_lambda) or n-step returns bootstrapped at the rollout end")                       \
    X(S, double, gae_lambda, F64, 1.0, NULL, 0, 1, NULL, "GAE lambda (advantage: gae)")            \
    X(S, bool, norm_adv, BOOL, 0, NULL, 0, 1, NULL, "normalise advantages over the rollout")       \
    X(S, double, ent_coef, F64, 0.0, NULL, 0, 100, NULL, "weight of the entropy loss")             \
    X(S, double, vf_coef, F64, 0.5, NULL, 0, 100, NULL, "weight of the value loss")                \
    X(S, double, max_grad_norm, F64, 0.5, NULL, 0, 1e9, NULL, "global gradient-norm clip; 0 = off") \
    X(S, bool, shared, BOOL, 0, NULL, 0, 1, NULL, "one trunk with actor and critic heads")         \
    X(S, rl_str, optimizer, STR, 0, "rmsprop", 0, 0, "rmsprop|adam", "optimizer")                  \
    X(S, double, rms_alpha, F64, 0.99, NULL, 0, 0.999999, NULL, "RMSprop smoothing constant")     \
    X(S, double, eps, F64, 1e-5, NULL, 1e-12, 1, NULL, "RMSprop / Adam epsilon")

/* REINFORCE (algos/reinforce.c): Monte-Carlo returns of whole episodes */
#define RL_CFG_REINFORCE_FIELDS(X, S)                                                               \
    X(S, double, learning_rate, F64, 1e-3, NULL, 0, 1, NULL, "Adam learning rate")                 \
    X(S, int64_t, episodes_per_update, I64, 4, NULL, 1, 1e6, NULL,                                  \
      "finished episodes per gradient step")                                                     \
    X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")                                   \
    X(S, bool, norm_returns, BOOL, 1, NULL, 0, 1, NULL,                                             \
      "normalise returns (advantages with a baseline) over the batch")                           \
    X(S, bool, baseline, BOOL, 0, NULL, 0, 1, NULL, "learn a state-value baseline")                \
    X(S, double, ent_coef, F64, 0.0, NULL, 0, 100, NULL, "weight of the entropy loss")             \
    X(S, double, vf_coef, F64, 0.5, NULL, 0, 100, NULL, "weight of the baseline's value loss")     \
    X(S, double, max_grad_norm, F64, 0, NULL, 0, 1e9, NULL, "global gradient-norm clip; 0 = off")  \
    X(S, int64_t, max_episode_steps, I64, 0, NULL, 0, 1e7, NULL,                                    \
      "longest episode stored; 0 = the env's time limit")

/* intrinsic rewards for ppo and a2c: `exploration: {name: icm, ...}` (addons/exploration.c) */
#define RL_CFG_EXPLORATION_FIELDS(X, S)                                                             \
    X(S, rl_str, name, STR, 0, "none", 0, 0, "none|icm|rnd|simhash", "intrinsic-reward module")             \
    X(S, double, learning_rate, F64, 1e-3, NULL, 0, 1, NULL, "Adam learning rate of the module")   \
    X(S, rl_int_list, hidden, LIST, 0, "64 64", 1, 65536, NULL, "hidden sizes of its networks")    \
    X(S, int64_t, feature_dim, I64, 32, NULL, 1, 65536, NULL, "ICM feature / RND output size")    \
    X(S, double, eta, F64, 0.01, NULL, 0, 1e6, NULL, "ICM intrinsic reward scale")                 \
    X(S, double, beta, F64, 0.2, NULL, 0, 1, NULL,                                                  \
      "ICM weighting: (1 - beta) inverse + beta forward")                                        \
    X(S, double, int_coef, F64, 1.0, NULL, 0, 1e6, NULL, "weight of intrinsic advantages (rnd) or rewards (icm, simhash)") \
    X(S, double, ext_coef, F64, 2.0, NULL, 0, 1e6, NULL, "weight of extrinsic advantages (rnd)")   \
    X(S, double, int_gamma, F64, 0.99, NULL, 0, 1, NULL, "intrinsic discount (rnd, non-episodic)") \
    X(S, double, update_proportion, F64, 0.25, NULL, 0, 1, NULL,                                    \
      "fraction of each minibatch the RND predictor trains on")                                  \
    X(S, int64_t, epochs, I64, 4, NULL, 1, 1000, NULL, "passes of the module over each rollout")  \
    X(S, rl_loss_cfg, forward_loss, LOSS, 0, "icm_forward", 0, 0, NULL, "ICM forward-model loss")  \
    X(S, rl_loss_cfg, inverse_loss, LOSS, 0, "icm_inverse", 0, 0, NULL,                             \
      "ICM inverse-model loss (icm_inverse_continuous for Box actions)")                         \
    X(S, rl_loss_cfg, rnd_loss, LOSS, 0, "rnd", 0, 0, NULL, "RND predictor loss")             \
    X(S, rl_loss_cfg, simhash_loss, LOSS, 0, "simhash", 0, 0, NULL,                                 \
      "SimHash count bonus: code bits and bonus scale beta")

/* preference-based RL for any agent (addons/reward_model.c, docs/preferences.md): an ensemble of
 * learned rewards r(s, a) trained from a simulated teacher's preferences between segments */
#define RL_CFG_REWARD_MODEL_FIELDS(X, S)                                                            \
    X(S, bool, enabled, BOOL, 0, NULL, 0, 1, NULL, "train the agent on a reward learned from preferences") \
    X(S, int64_t, ensemble, I64, 3, NULL, 1, 16, NULL, "reward networks in the ensemble")            \
    X(S, rl_int_list, hidden, LIST, 0, "64 64", 1, 4096, NULL, "hidden sizes of each reward network") \
    X(S, double, learning_rate, F64, 3e-4, NULL, 0, 1, NULL, "Adam learning rate of the reward networks") \
    X(S, int64_t, segment_length, I64, 50, NULL, 1, 1000, NULL, "steps in one compared segment")   \
    X(S, int64_t, queries_per_round, I64, 100, NULL, 1, 100000, NULL, "queries put to the teacher per round") \
    X(S, int64_t, query_start, I64, 5000, NULL, 0, 1e13, NULL, "environment steps before the first round") \
    X(S, int64_t, query_interval, I64, 20000, NULL, 1, 1e13, NULL, "environment steps between rounds") \
    X(S, int64_t, max_labels, I64, 1000, NULL, 1, 1000000, NULL,                                     \
      "label budget: queries put to the teacher over the run (skipped ones included)")             \
    X(S, rl_loss_cfg, loss, LOSS, 0, "bradley_terry", 0, 0, NULL, "preference loss (rlc losses, kind preference)") \
    X(S, rl_str, selection, STR, 0, "uniform", 0, 0, "uniform|disagreement",                          \
      "query selection: uniform pairs, or the most disputed by the ensemble")                      \
    X(S, rl_str, normalize, STR, 0, "mean_std", 0, 0, "mean_std|std|none",                            \
      "rewards the agent sees: (r - mean) / std, r / std, or raw (running statistics)")            \
    X(S, int64_t, candidates, I64, 10, NULL, 1, 1000, NULL,                                          \
      "disagreement: candidate pairs per query (the best 1/candidates are asked)")                \
    X(S, int64_t, epochs, I64, 20, NULL, 1, 10000, NULL, "passes over the labels after each round") \
    X(S, int64_t, batch_size, I64, 64, NULL, 1, 4096, NULL, "labelled pairs per reward-model minibatch") \
    X(S, int64_t, buffer_size, I64, 100000, NULL, 1, 1e8, NULL,                                     \
      "recent transitions segments are drawn from")                                                \
    X(S, double, teacher_eps, F64, 0, NULL, 0, 0.5, NULL, "teacher: probability of a mistake (flipped label)") \
    X(S, double, teacher_gamma, F64, 1, NULL, 0, 1, NULL,                                            \
      "teacher: myopic discount, step t of L weighted gamma^(L-1-t); 1 = off")                     \
    X(S, double, teacher_skip, F64, 0, NULL, 0, 1e6, NULL,                                           \
      "teacher: skip a query when both returns are below skip x mean |return| of the round; 0 = off") \
    X(S, double, teacher_equal, F64, 0, NULL, 0, 1e6, NULL,                                          \
      "teacher: label 1/2 when the returns differ by less than equal x mean |return|; 0 = off")

/* section list: X(field name in rl_config, yaml key ("" = top level), field list) */
#define RL_CONFIG_SECTIONS(X)                                                                    \
    X(root, "", RL_CFG_ROOT_FIELDS)                                                              \
    X(env, "env", RL_CFG_ENV_FIELDS)                                                             \
    X(network, "network", RL_CFG_NETWORK_FIELDS)                                                 \
    X(ppo, "ppo", RL_CFG_PPO_FIELDS)                                                             \
    X(losses, "losses", RL_CFG_LOSSES_FIELDS)                                                    \
    X(dqn, "dqn", RL_CFG_DQN_FIELDS)                                                             \
    X(sac, "sac", RL_CFG_SAC_FIELDS)                                                             \
    X(gaussian, "gaussian", RL_CFG_GAUSSIAN_FIELDS)                                              \
    X(normalize, "normalize", RL_CFG_NORMALIZE_FIELDS)                                           \
    X(a2c, "a2c", RL_CFG_A2C_FIELDS)                                                             \
    X(reinforce, "reinforce", RL_CFG_REINFORCE_FIELDS)                                           \
    X(exploration, "exploration", RL_CFG_EXPLORATION_FIELDS)                                     \
    X(reward_model, "reward_model", RL_CFG_REWARD_MODEL_FIELDS)                                  \
    X(log, "log", RL_CFG_LOG_FIELDS)

#endif
