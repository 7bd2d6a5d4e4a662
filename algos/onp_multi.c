/* rlc algos: the MultiDiscrete and MultiBinary action head of the on-policy networks
 * (algos/onpolicy.h): independent categoricals over the concatenated logits, or a Bernoulli per
 * bit (nn/multi_dist.c). The stored action u is the row's components as floats (exact integers);
 * the env receives them unchanged. */
#include <stdio.h>
#include <string.h>

#include "algos/onpolicy.h"

rl_status onp_multi_check(const rl_config *cfg, const env_space *act_space, char *err, size_t err_sz)
{
    if (!env_space_is_multi(act_space)) return RL_OK;
    const char *src = cfg->source[0] ? cfg->source : "config", *kind = env_space_kind_name(act_space->kind);
    if (strcmp(onp_explore_cfg_of(cfg)->name, "icm") == 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: exploration.name: icm models Discrete or Box actions, and env "
                       "%s has a %s action space (rnd does not read actions)", src, cfg->env.id, kind);
    for (int i = 0; i < aux_cfg_of(cfg)->n; i++) {
        const char *h = aux_cfg_of(cfg)->heads[i].head;
        if (strcmp(h, "forward_dynamics") == 0 || strcmp(h, "inverse_dynamics") == 0)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: aux[%d] head '%s' reads Discrete or Box actions, and env %s "
                           "has a %s action space", src, i, h, cfg->env.id, kind);
    }
    return RL_OK;
}

int onp_multi_head(onp_net *n, const env_space *act_space)
{
    n->M = act_space->dim;
    n->adim = n->M;
    n->binary = act_space->kind == ENV_SPACE_MULTI_BINARY;
    int out = 0;
    for (int m = 0; m < n->M; m++) {
        n->nvec[m] = env_space_choices(act_space, m);
        out += n->binary ? 1 : n->nvec[m];
    }
    return out;
}

/* u (B, M) as the distribution's int actions in n->iact */
static const int *to_int(onp_net *n, const float *u, int B)
{
    size_t k = (size_t)B * n->M;
    for (size_t i = 0; i < k; i++) n->iact[i] = (int)u[i];
    return n->iact;
}

static void to_float(const onp_net *n, float *u, int B)
{
    size_t k = (size_t)B * n->M;
    for (size_t i = 0; i < k; i++) u[i] = (float)n->iact[i];
}

static void multi_log_prob(onp_net *n, float *logp, int B)
{
    if (n->binary) nn_bernoulli_log_prob(logp, n->out_actor, n->iact, B, n->M);
    else nn_multicat_log_prob(logp, n->out_actor, n->iact, B, n->nvec, n->M);
}

void onp_multi_sample(onp_net *n, int B, float *u, float *logp, rl_rng *rng)
{
    if (n->binary) nn_bernoulli_sample(n->iact, n->out_actor, B, n->M, rng);
    else nn_multicat_sample(n->iact, n->out_actor, B, n->nvec, n->M, rng);
    if (logp) multi_log_prob(n, logp, B);
    to_float(n, u, B);
}

void onp_multi_mode(onp_net *n, int B, float *u)
{
    if (n->binary) nn_bernoulli_mode(n->iact, n->out_actor, B, n->M);
    else nn_multicat_mode(n->iact, n->out_actor, B, n->nvec, n->M);
    to_float(n, u, B);
}

void onp_multi_logp_ent(onp_net *n, const float *u, int B, float *logp, float *ent)
{
    to_int(n, u, B);
    multi_log_prob(n, logp, B);
    if (ent && n->binary) nn_bernoulli_entropy(ent, n->out_actor, B, n->M);
    else if (ent) nn_multicat_entropy(ent, n->out_actor, B, n->nvec, n->M);
}

void onp_multi_backward(onp_net *n, const float *u, int B, const float *dlogp, const float *dent)
{
    const int *a = to_int(n, u, B);
    if (n->binary) nn_bernoulli_backward(n->dact, n->out_actor, a, dlogp, dent, B, n->M);
    else nn_multicat_backward(n->dact, n->out_actor, a, dlogp, dent, B, n->nvec, n->M);
}
