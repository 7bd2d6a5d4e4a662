/* rlc algos: PPO (Schulman et al. 2017, CleanRL's ppo.py and ppo_continuous_action.py recipes)
 * on the actor-critic engine of algos/actor_critic.c: the ppo section's rollout size,
 * update_epochs passes of num_minibatches shuffled minibatches, Adam, and the losses the registry
 * names (losses.policy: ppo_clip by convention, losses.value, losses.entropy). */
#include "algos/onpolicy.h"

static rl_status ppo_create(void **self, const rl_config *cfg, const env_space *obs_space,
                            const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    onp_ac_settings s = {
        .algo = "ppo",
        .T = (int)cfg->ppo.num_steps,
        .n_minibatches = (int)cfg->ppo.num_minibatches,
        .epochs = (int)cfg->ppo.update_epochs,
        .gamma = (float)cfg->ppo.gamma,
        .lambda = (float)cfg->ppo.gae_lambda,
        .ent_coef = (float)cfg->ppo.ent_coef,
        .vf_coef = (float)cfg->ppo.vf_coef,
        .max_grad_norm = (float)cfg->ppo.max_grad_norm,
        .lr = (float)cfg->ppo.learning_rate,
        .target_kl = (float)cfg->ppo.target_kl,
        .eps = (float)cfg->ppo.adam_eps,
        .anneal_lr = cfg->ppo.anneal_lr,
        .norm_adv = cfg->ppo.norm_adv,
        .shared = cfg->network.shared,
        .threads = (int)cfg->ppo.threads,
    };
    return onp_ac_create(self, &s, cfg, obs_space, act_space, n_envs, err, err_sz);
}

const agent_algo agent_ppo = {
    .name = "ppo",
    .n_stats = ONP_AC_N_STATS,
    .stat_names = ONP_AC_STATS,
    .create = ppo_create,
    .act = onp_ac_act,
    .observe = onp_ac_observe,
    .learn = onp_ac_learn,
    .save = onp_ac_save,
    .load = onp_ac_load,
    .destroy = onp_ac_destroy,
    .extra_stats = onp_ac_extra_stats,
    .dp_tensors = onp_ac_dp_tensors,
};
