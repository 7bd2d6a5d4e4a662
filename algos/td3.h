/* rlc algos: TD3 and DDPG (algos/td3.c): the functions their tests call directly. The agents
 * themselves are reached through the registry (agent_find("td3"), agent_find("ddpg")). */
#ifndef RLC_ALGOS_TD3_H
#define RLC_ALGOS_TD3_H

#include <stddef.h>
#include <stdint.h>

/* The actor objective -mean Q_1(s, mu(s)) on obs (B, obs_dim), B <= batch_size, at the agent's
 * current networks. When dactor is non-NULL it receives its gradient with respect to the actor's
 * parameters (n_actor floats), computed through the critic's input gradient dQ/da. */
double td3_actor_objective(void *agent, const float *obs, int B, float *dactor);
/* The actor's flat parameter buffer and its size (to perturb or step it in tests). */
float *td3_actor_params(void *agent, size_t *n);
/* The updates so far and the actor's steps among them. */
void td3_test_counters(void *agent, int64_t *updates, int64_t *actor_steps);
/* Draws the next minibatch (the agent's RNG) and returns its target smoothing noise (*n floats:
 * batch_size x action dim; zeros for DDPG). */
const float *td3_test_smoothing(void *agent, int *n);
/* The Adam learning rates the last learn used (or the configured ones before any): the actor's
 * and the critics'. */
void td3_test_lrs(void *agent, float lr[2]);

#endif
