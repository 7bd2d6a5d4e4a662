/* rlc agents: the one interface every algorithm implements, and the algorithm registry.
 *
 * An algorithm is one unit: an agent_algo descriptor in its own file under algos/ holds every
 * fact about it (its config sections, loss slots, logged statistics and learning rates) and its
 * hooks, and agents/registry.c lists it in one row. Nothing else names it: the config layer, the
 * trainer, `rlc config` and `rlc losses` iterate the registry.
 *
 * The trainer (train/trainer.h) drives any agent through the same loop:
 *   act(obs, explore=true) -> vector env step -> observe(...) -> learn(...) when due,
 * evaluates with act(explore=false) on separate env copies, and checkpoints through save/load.
 * An agent owns its networks, optimizer, buffers and RNG; everything is sized in create. */
#ifndef RLC_AGENTS_AGENT_H
#define RLC_AGENTS_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/status.h"
#include "envs/env.h"
#include "losses/loss.h"
#include "nn/nn.h"
#include "replay/replay.h"

#define AGENT_MAX_STATS 24
/* largest batch act() is called with outside training (evaluation) */
#define AGENT_EVAL_BATCH 64

/* A reward function over n <= AGENT_RELABEL_BATCH transitions: observations (n, obs_dim) and
 * actions (n, act_dim) as the environment received them -> rewards (n). */
typedef void (*agent_reward_fn)(void *ctx, const float *obs, const float *actions, int n, float *rewards);
#define AGENT_RELABEL_BATCH 64

#define AGENT_MAX_SLOTS 8
#define AGENT_MAX_RATES 4

/* A config key that names a loss (`losses.td: huber`): the kinds it takes (LOSS_KINDS(...)) and
 * the loss names it takes besides (space-separated, or NULL); note is printed after the agent's
 * name by `rlc losses` (" (with a baseline)"). */
typedef struct {
    const char *key, *names, *note;
    unsigned kinds;
} agent_loss_slot;

/* A learning rate that is a constant of the config: TensorBoard tag and config key; anneal (or
 * NULL) the bool key that, when true, anneals it (then it is no constant and is not logged). */
typedef struct {
    const char *tag, *key;
    const char *anneal;
} agent_rate;

typedef struct agent_algo {
    const char *name;                 /* the config's `algo:` value */
    int n_stats;                      /* learning statistics written to metrics.csv */
    const char *stat_names[AGENT_MAX_STATS];
    /* The config sections the agent reads besides core's (NULL-terminated; agents of one family
     * may share one), flags (RL_CFG_* of core/config.h, AUX_CFG_HEADS of addons/aux.h), and the
     * checks of relations between its keys once a config is loaded (NULL: none). The registry
     * hands them to the config layer. */
    const rl_config_section *const *sections;
    unsigned config_flags;
    rl_status (*check_config)(const rl_config *cfg, char *err, size_t err_sz);
    /* the config keys that name its losses (`rlc losses` lists them) */
    agent_loss_slot loss_slots[AGENT_MAX_SLOTS];
    /* the learning rates that are constants of its config, logged to TensorBoard beside its
     * statistics (an annealed rate is a statistic instead: learning_rate) */
    agent_rate rates[AGENT_MAX_RATES];
    /* Validates the agent's config sections and losses (errors name the key and line), then
     * allocates everything. n_envs is the training vector env's size. */
    rl_status (*create)(void **self, const rl_config *cfg, const env_space *obs_space,
                        const env_space *act_space, int n_envs, char *err, size_t err_sz);
    /* actions (n, act_dim) for obs (n, obs_dim); n <= max(n_envs, AGENT_EVAL_BATCH). With explore
     * the agent samples and remembers what observe() needs; without, it acts deterministically
     * and remembers nothing. */
    void (*act)(void *self, const float *obs, int n, float *actions, bool explore);
    /* Optional: a stochastic action for evaluation (log.eval_deterministic: false, rlc eval
     * --stochastic): what act() without explore does (same n, same memory rules, nothing
     * remembered for observe()), but sampled from the policy with rng instead of its mode; the
     * agent's own RNG and statistics are untouched. DQN-family: epsilon-greedy at the current
     * exploration rate (SB3's predict(deterministic=False)). NULL: the policy is deterministic
     * (TD3, DDPG: as in SB3, whose predict ignores `deterministic` for them). */
    void (*act_sample)(void *self, const float *obs, int n, float *actions, rl_rng *rng);
    /* The result of the training vector env's step for the actions of the last explore act():
     * v->rewards, v->terminated, v->truncated, v->final_obs, and v->obs (next observations). */
    void (*observe)(void *self, const env_vec *v);
    /* Optional (agents whose policy has memory: a recurrent network, algos/recurrent.h): marks
     * the rows of the next act() without explore whose observation starts an episode (starts
     * (n), n <= AGENT_EVAL_BATCH), so that their state is zeroed; each row keeps its own state
     * from one such act() to the next. Whoever plays episodes with act() calls it for every row
     * after a reset and for the rows that finished after each step. NULL: memoryless. */
    void (*episode_starts)(void *self, const bool *starts, int n);
    /* Runs an update when one is due (step = environment steps so far). Returns true and fills
     * stats (n_stats values) when it updated. A non-finite loss skips the update and is counted. */
    bool (*learn)(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats);
    /* Writes a safetensors checkpoint: weights always, training state (optimizer moments, RNG,
     * counters) too; extra metadata from the trainer is added. Atomic. */
    rl_status (*save)(void *self, const char *path, const nn_meta *extra, int n_extra, char *err,
                      size_t err_sz);
    /* Loads weights, and the training state when train_state is true, from an open file. */
    rl_status (*load)(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz);
    void (*destroy)(void *self);      /* NULL-safe */
    /* Optional (may be NULL): the names of statistics this instance logs after the n_stats fixed
     * ones (one per auxiliary head, say); returns their count, at most max. learn() writes their
     * values at stats[n_stats + i]. Runs without such statistics keep exactly the fixed columns. */
    int (*extra_stats)(void *self, const char **names, int max);
    /* Optional (data-parallel training, docs/distributed.md): the float buffers every rank must
     * hold identically (weights, target networks, optimizer moments), in a fixed order; returns
     * their count, at most max. The trainer broadcasts them from rank 0 after create and after a
     * resume, and compares their checksums across ranks. NULL: no data-parallel training. */
    int (*dp_tensors)(void *self, nn_tensor *t, int max);
    /* Optional (learned rewards, addons/reward_model.h): recomputes every reward held in the
     * agent's replay buffer with fn(ctx, ...), in chunks of at most AGENT_RELABEL_BATCH
     * transitions (PEBBLE). NULL: the agent keeps no rewards across updates (on-policy). */
    void (*relabel)(void *self, agent_reward_fn fn, void *ctx);
    /* Optional (agents with a replay buffer): the buffer, which the trainer saves beside the
     * checkpoint when a single-process run is interrupted and restores when it resumes. NULL: the
     * agent keeps no experience across updates. */
    replay_buffer *(*replay)(void *self);
    /* Optional (agents that use action masks, env.action_mask): the valid actions of the rows of
     * the next act(), mask (n, act_space.n) with 1 = valid, as env_vec.action_mask holds them
     * (n <= max(n_envs, AGENT_EVAL_BATCH)); the agent copies them and never chooses an action
     * whose byte is 0 in that act(). Whoever calls act() on an environment that publishes masks
     * calls it before every act() (the trainer: training and evaluation). NULL: the agent cannot
     * use masks, and the trainer refuses a masking environment unless env.action_mask is false. */
    void (*action_mask)(void *self, const uint8_t *mask, int n);
    /* The agent acts in MultiDiscrete and MultiBinary action spaces (envs/env.h: env_space_is_multi;
     * an action is act_space.dim integer components). false: create() is never called on one, the
     * trainer refuses such an environment naming the agents that take it (trainer_env_agent). */
    bool multi_actions;
    /* The agent attaches an intrinsic-reward module (`exploration:`, addons/exploration.h). */
    bool intrinsic_rewards;
} agent_algo;

/* An add-on (addons/): what an algorithm, or the trainer, can attach. Its facts: `name`, its
 * config section and checks (`config`, core/config.h; section NULL when it has none, as the aux
 * heads, whose `aux:` list addons/aux.c registers as an rl_config_list), the agents that can
 * attach it (`serves`; NULL: every agent) and the loss slots its keys are, which `rlc losses`
 * lists after the names of the agents it serves and the slot's note. One row of agents/registry.c. */
typedef struct {
    const char *name;
    rl_config_addon config;
    bool (*serves)(const agent_algo *a);
    agent_loss_slot loss_slots[AGENT_MAX_SLOTS];
} agent_addon;

/* A config entry's loss (name and parameters) resolved into *out, of one of `kinds`
 * (LOSS_KINDS(...)); errors name `where`, or l->where when where is NULL. The one adapter from
 * the config to the loss registry, for every algorithm and add-on. */
rl_status agent_loss_spec(loss_spec *out, unsigned kinds, const rl_loss_cfg *l, const char *where, char *err,
                          size_t err_sz);

/* Whether slot s takes the loss d: d is of one of the slot's kinds or one of its names. */
bool agent_slot_takes(const agent_loss_slot *s, const loss_desc *d);
/* The i-th of slot s's names into buf ("" when it has fewer). */
void agent_slot_name(const agent_loss_slot *s, int i, char *buf, size_t sz);

/* The loss algo's slot i names in cfg (its key, `losses.td` say), resolved into *out: a loss of
 * one of the slot's kinds or of its names, else RL_ERR_CONFIG naming the key (and its line), the
 * algo and what the slot takes. The slot table is the one source of what a slot accepts: the
 * agent resolves its losses through it, and `rlc losses` prints it. */
rl_status agent_slot_loss(loss_spec *out, const agent_algo *algo, int i, const rl_config *cfg, char *err,
                          size_t err_sz);

/* The registered algorithm called name, or NULL. */
const agent_algo *agent_find(const char *name);
/* The registered algorithms in registry order; *n receives their count. */
const agent_algo *const *agent_all(int *n);
/* The registered add-ons in registry order; *n receives their count. */
const agent_addon *const *agent_addons(int *n);
/* "ppo, a2c, dqn": the names of the registered algorithms for which has(a, ctx) is true (every one
 * when has is NULL), in registry order, joined by ", " and by last_sep before the last. */
void agent_names_where(char *buf, size_t sz, bool (*has)(const agent_algo *a, const void *ctx), const void *ctx,
                       const char *last_sep);

#endif
