/* rlc agents: helpers of the agent interface that every algorithm and add-on shares. */
#include "agents/agent.h"

rl_status agent_loss_spec(loss_spec *out, unsigned kinds, const rl_loss_cfg *l, const char *where, char *err,
                          size_t err_sz)
{
    const char *keys[RL_LOSS_MAX_KV];
    for (int i = 0; i < l->n_kv; i++) keys[i] = l->keys[i];
    if (!where) where = l->where;
    return loss_spec_make(out, kinds, l->name, keys, l->vals, l->n_kv, where, err, err_sz);
}
