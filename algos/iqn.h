/* rlc algos: IQN (algos/iqn.c): the functions its tests call directly. The agent itself is reached
 * through the registry (agent_find("iqn")). */
#ifndef RLC_ALGOS_IQN_H
#define RLC_ALGOS_IQN_H

#include <stddef.h>

/* Draws the next minibatch from the replay buffer (the agent's RNG): its a*, its target samples
 * and the online network's fractions, held until the next draw. */
void iqn_test_sample(void *agent);
/* The loss on the drawn minibatch at the current parameters; dparams (NULL: not wanted) receives
 * its gradient with respect to the flat parameter buffer. */
double iqn_test_objective(void *agent, float *dparams);
/* The online network's flat parameter buffer and its size. */
float *iqn_test_params(void *agent, size_t *n);

#endif
