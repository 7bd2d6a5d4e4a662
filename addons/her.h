/* rlc addons: hindsight experience replay (Andrychowicz et al. 2017) for the off-policy agents
 * (`her:` section; dqn, qrdqn, c51, sac, td3, ddpg).
 *
 * On a goal-conditioned environment (env_space.goal, envs/env.h: observations [observation,
 * desired_goal], the achieved goal inside the observation, compute_reward) the replay buffer keeps
 * the transitions as the environment gave them; the episodes are the runs of one env copy's
 * transitions between two episode ends (replay_buffer_episode). Each sampled transition is
 * relabelled, with probability k / (k + 1), at sampling time (online, as SB3's HerReplayBuffer):
 * its desired goal, in both its observation and its next observation, becomes an achieved goal of
 * its episode (the achieved goal of a stored next observation), chosen by the strategy:
 *   future   a transition at or after it in the episode, uniformly (the paper's best);
 *   final    the episode's last stored transition;
 *   episode  any transition of the episode, uniformly;
 * and its reward and termination are recomputed with compute_reward (a terminated transition is
 * not bootstrapped: discount 0, else the buffer's gamma). The stored transitions never change, so
 * the replay file kept across an interruption (train/offp_replay.c) is the plain buffer. */
#ifndef RLC_ADDONS_HER_H
#define RLC_ADDONS_HER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/rng.h"
#include "core/status.h"
#include "envs/env.h"
#include "replay/replay.h"

typedef enum { HER_FUTURE = 0, HER_FINAL, HER_EPISODE } her_strategy;

typedef struct {
    bool on;                  /* her.enabled; everything else is unset when false */
    int k;                    /* relabelled goals per kept one: probability k / (k + 1) */
    her_strategy strategy;
    env_goal goal;            /* the environment's goal layout */
    int obs_dim;              /* floats per stored observation: goal.obs_dim + goal.goal_dim */
    int64_t relabelled;       /* transitions relabelled since init (a statistic) */
} her_relabeler;

/* The `her:` section: enabled, k, strategy. Every agent that takes HER lists it. */
extern const rl_config_section her_section;

/* Reads the `her:` section. With her.enabled: checks that obs_space publishes a goal layout that
 * fits it and that the agent's buffer rc is one HER can relabel (one-step returns, uniform
 * sampling, float observations); errors name the config file (cfg->source), the key and algo. */
rl_status her_init(her_relabeler *h, const rl_config *cfg, const env_space *obs_space, const replay_config *rc,
                   const char *algo, char *err, size_t err_sz);

/* Relabels rows of a minibatch out (B rows) that b just sampled (replay_buffer_sample), drawing
 * from rng. Nothing without her.enabled (rng untouched). No allocation. */
void her_relabel(her_relabeler *h, const replay_buffer *b, replay_batch *out, int B, rl_rng *rng);

/* The goal her_relabel would give a transition of b in slot (the chosen achieved goal, goal_dim
 * floats, into goal): exposed for tests. */
void her_pick_goal(const her_relabeler *h, const replay_buffer *b, int64_t slot, rl_rng *rng, float *goal);

#endif
