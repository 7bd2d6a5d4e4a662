/* rlc algos: PPO (Schulman et al. 2017, CleanRL's ppo.py and ppo_continuous_action.py recipes)
 * on the actor-critic engine of algos/actor_critic.c: the ppo section's rollout size,
 * update_epochs passes of num_minibatches shuffled minibatches, Adam, and the losses the registry
 * names (losses.policy: ppo_clip by convention, losses.value, losses.entropy). */
#include <string.h>

#include "algos/onpolicy.h"
#include "algos/recurrent.h"

/* ---- the ppo: section --------------------------------------------------------------------- */

#define PPO_FIELDS(X, S)                                                                          \
    ONP_AC_ROLLOUT_FIELDS(X, S, 2.5e-4, "Adam learning rate", 1, 128, "rollout length per env")     \
    X(S, int64_t, update_epochs, I64, 4, NULL, 1, 1000, NULL, "passes over each rollout")          \
    X(S, int64_t, num_minibatches, I64, 4, NULL, 1, 1e6, NULL, "minibatches per epoch")             \
    ONP_AC_GAMMA_FIELD(X, S)                                                                      \
    X(S, double, gae_lambda, F64, 0.95, NULL, 0, 1, NULL, "GAE lambda")                            \
    ONP_AC_WEIGHT_FIELDS(X, S, 1, "normalise advantages per minibatch", 0.01)                     \
    X(S, double, adam_eps, F64, 1e-5, NULL, 1e-12, 1, NULL, "Adam epsilon")                        \
    X(S, double, target_kl, F64, 0, NULL, 0, 100, NULL, "stop the epochs early above this KL; 0 = off") \
    X(S, int64_t, threads, I64, RL_CFG_AUTO, NULL, 1, 2, "auto",                                    \
      "2 = each minibatch's actor and critic halves on two threads (same results); auto = 2 with "  \
      "2 usable CPUs and separate networks, else 1")
RL_CFG_SECTION_TYPE(ppo_cfg, PPO_FIELDS);
static const rl_config_section ppo_section = RL_CFG_SECTION_INIT("ppo", ppo_cfg, PPO_FIELDS);

static const ppo_cfg *ppo_of(const rl_config *cfg) { return rl_config_section_of(cfg, &ppo_section); }

/* ppo.threads: 2 splits minibatches into the actor's and critic's halves, which a shared trunk
 * (and so aux heads, recurrent PPO) and a shared image encoder do not have; refused here so that threads: auto falls back
 * to 1 there (core/config.h), and again when the agent is made (actor_critic.c) */
static rl_status ppo_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    bool encoder = strcmp(cfg->network.encoder, "none") != 0;
    if (ppo_of(cfg)->threads == 2 && (cfg->network.shared || encoder))
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: ppo.threads: 2 needs separate actor and critic networks "
                       "(network.shared: false, network.encoder: none) and no aux heads",
                       cfg->source[0] ? cfg->source : "config");
    return onp_ac_check_config(cfg, "ppo", ppo_of(cfg)->num_steps, cfg->network.shared, NULL, err, err_sz);
}

/* ---- the agent ---------------------------------------------------------------------------- */

static rl_status ppo_create(void **self, const rl_config *cfg, const env_space *obs_space,
                            const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    const ppo_cfg *c = ppo_of(cfg);
    onp_ac_settings s = {
        ONP_AC_SETTINGS_FROM(c),
        .algo = "ppo",
        .n_minibatches = (int)c->num_minibatches,
        .epochs = (int)c->update_epochs,
        .lambda = (float)c->gae_lambda,
        .target_kl = (float)c->target_kl,
        .eps = (float)c->adam_eps,
        .shared = cfg->network.shared,
        .threads = (int)c->threads,
    };
    return onp_ac_create(self, &s, cfg, obs_space, act_space, n_envs, err, err_sz);
}

const agent_algo agent_ppo = {
    ONP_AC_AGENT_COMMON,
    .name = "ppo",
    .sections = (const rl_config_section *const[]){&ppo_section, &onp_losses_section, &onp_recurrent_section, NULL},
    .check_config = ppo_check_config,
    .create = ppo_create,
};
