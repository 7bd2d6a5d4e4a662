/* rlc agents: the algorithm registry (the config's `algo:` names). An algorithm is one row here
 * (and the extern beside it); everything else about it (its config sections, loss slots, logged
 * learning rates, checkpoint names) is in its descriptor, in its own file under algos/. An add-on is
 * one row in `addons`; its descriptor (config section and checks, the agents it serves, its loss
 * slots) is in its own file under addons/. */
#include <stdio.h>
#include <string.h>

#include "agents/agent.h"

extern const agent_algo agent_ppo;                            /* algos/ppo.c */
extern const agent_algo agent_a2c;                            /* algos/a2c.c */
extern const agent_algo agent_reinforce;                      /* algos/reinforce.c */
extern const agent_algo agent_dqn, agent_qrdqn, agent_c51;    /* algos/dqn.c */
extern const agent_algo agent_sac;                            /* algos/sac.c */
extern const agent_algo agent_td3, agent_ddpg;                /* algos/td3.c */
extern const agent_algo agent_iqn;                            /* algos/iqn.c */

/* the add-ons (an add-on an algorithm attaches is called by that algorithm, or by the trainer);
 * their config sections every algorithm's config may have */
extern const agent_addon addon_exploration;                   /* addons/exploration.c */
extern const agent_addon addon_reward_model;                  /* addons/reward_model_init.c */
extern const agent_addon addon_aux;                           /* addons/aux.c */

static const agent_addon *const addons[] = {&addon_exploration, &addon_reward_model, &addon_aux};

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

const agent_addon *const *agent_addons(int *n)
{
    *n = (int)(sizeof addons / sizeof addons[0]);
    return addons;
}

void agent_names_where(char *buf, size_t sz, bool (*has)(const agent_algo *a, const void *ctx), const void *ctx,
                       const char *last_sep)
{
    enum { N = sizeof algos / sizeof algos[0] };
    int idx[N], n = 0;
    for (int i = 0; i < N; i++)
        if (!has || has(algos[i], ctx)) idx[n++] = i;
    size_t at = 0;
    buf[0] = '\0';
    for (int k = 0; k < n && at < sz; k++)
        at += (size_t)snprintf(buf + at, sz - at, "%s%s", k == 0 ? "" : k == n - 1 ? last_sep : ", ",
                               algos[idx[k]]->name);
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
    enum { M = sizeof addons / sizeof addons[0] };
    static const rl_config_addon *sections[M];
    int m = 0;
    for (int i = 0; i < M; i++)
        if (addons[i]->config.section) sections[m++] = &addons[i]->config;
    rl_config_register_addons(sections, m);
}
