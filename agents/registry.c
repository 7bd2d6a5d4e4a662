/* rlc agents: the algorithm registry (the config's `algo:` names). */
#include <string.h>

#include "agents/agent.h"

static const agent_algo *const algos[] = {&agent_ppo, &agent_a2c, &agent_reinforce, &agent_dqn, &agent_qrdqn, &agent_c51, &agent_sac};

const agent_algo *agent_find(const char *name)
{
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
        if (strcmp(algos[i]->name, name) == 0) return algos[i];
    return NULL;
}
