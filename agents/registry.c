/* rlc agents: the algorithm registry (the config's `algo:` names). An algorithm is one row here
 * (and the extern beside it); everything else about it (its config sections, loss slots, logged
 * learning rates, checkpoint names) is in its descriptor, in its own file under algos/. An add-on
 * with a config section of its own is one row in `addons` (its section and checks, in its file
 * under addons/). */
#include <string.h>

#include "agents/agent.h"

extern const agent_algo agent_ppo;                            /* algos/ppo.c */
extern const agent_algo agent_a2c;                            /* algos/a2c.c */
extern const agent_algo agent_reinforce;                      /* algos/reinforce.c */
extern const agent_algo agent_dqn, agent_qrdqn, agent_c51;    /* algos/dqn.c */
extern const agent_algo agent_sac;                            /* algos/sac.c */
extern const agent_algo agent_td3, agent_ddpg;                /* algos/td3.c */
extern const agent_algo agent_iqn;                            /* algos/iqn.c */

/* the add-ons whose config sections every algorithm's config may have (each its section and
 * checks; an add-on an algorithm attaches is called by that algorithm, or by the trainer) */
extern const rl_config_addon onp_explore_addon;               /* addons/exploration.c */
extern const rl_config_addon reward_model_addon;              /* addons/reward_model_init.c */

static const rl_config_addon *const addons[] = {&onp_explore_addon, &reward_model_addon};

static const agent_algo *const algos[] = {
    &agent_ppo, &agent_a2c, &agent_reinforce, &agent_dqn, &agent_qrdqn, &agent_c51, &agent_sac,
    &agent_td3, &agent_ddpg, &agent_iqn,
};

const agent_algo *agent_find(const char *name)
{
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
        if (strcmp(algos[i]->name, name) == 0) return algos[i];
    return NULL;
}

const agent_algo *const *agent_all(int *n)
{
    *n = (int)(sizeof algos / sizeof algos[0]);
    return algos;
}

/* The config layer learns the algorithms' names and sections, and the add-ons' sections, before main() runs (and before a
 * shared librlc's first call). Every program linked with librlc.a keeps this file: the library's
 * link interface asks for agent_find (CMakeLists.txt, rlc.pc). */
__attribute__((constructor)) static void agent_register_config(void)
{
    enum { N = sizeof algos / sizeof algos[0] };
    static rl_config_algo cfg[N];
    static const rl_config_algo *ptrs[N];
    for (int i = 0; i < N; i++) {
        cfg[i] = (rl_config_algo){algos[i]->name, algos[i]->sections, algos[i]->config_flags, algos[i]->check_config};
        ptrs[i] = &cfg[i];
    }
    rl_config_register_algos(ptrs, N);
    rl_config_register_addons(addons, (int)(sizeof addons / sizeof addons[0]));
}
