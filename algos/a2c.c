/* rlc algos: A2C (Mnih et al. 2016, synchronous; Stable-Baselines3's defaults).
 *
 * num_envs x num_steps (n) rollouts, one gradient step per rollout on the whole batch:
 *   loss = policy(logp, adv) + ent_coef * entropy(ent) + vf_coef * value(v, ret)
 * with advantages from GAE(gae_lambda) or n-step returns bootstrapped at the end of the rollout
 * (advantage: nstep, i.e. lambda = 1), actor and critic separate or on a shared trunk, and
 * RMSprop (alpha 0.99, eps 1e-5, as SB3) or Adam. Discrete and Box actions as PPO; it runs on
 * the actor-critic engine (algos/actor_critic.c) with one epoch of one minibatch. The losses
 * come from the registry (losses.policy: pg by convention, losses.value: mse, losses.entropy).
 * The shared trunk is a2c.shared or network.shared (either turns it on); auxiliary heads (`aux:`)
 * need it. */
#include <string.h>

#include "algos/onpolicy.h"

static rl_status a2c_create(void **self, const rl_config *cfg, const env_space *obs_space,
                            const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    bool nstep = strcmp(cfg->a2c.advantage, "nstep") == 0;
    onp_ac_settings s = {
        .algo = "a2c",
        .T = (int)cfg->a2c.num_steps,
        .n_minibatches = 1,
        .epochs = 1,
        .gamma = (float)cfg->a2c.gamma,
        .lambda = nstep ? 1.0f : (float)cfg->a2c.gae_lambda,
        .ent_coef = (float)cfg->a2c.ent_coef,
        .vf_coef = (float)cfg->a2c.vf_coef,
        .max_grad_norm = (float)cfg->a2c.max_grad_norm,
        .lr = (float)cfg->a2c.learning_rate,
        .eps = (float)cfg->a2c.eps,
        .rms_alpha = (float)cfg->a2c.rms_alpha,
        .anneal_lr = cfg->a2c.anneal_lr,
        .norm_adv = cfg->a2c.norm_adv,
        .norm_adv_batch = true,
        .shared = cfg->a2c.shared || cfg->network.shared,
        .rmsprop = strcmp(cfg->a2c.optimizer, "rmsprop") == 0,
    };
    return onp_ac_create(self, &s, cfg, obs_space, act_space, n_envs, err, err_sz);
}

const agent_algo agent_a2c = {
    .name = "a2c",
    .n_stats = ONP_AC_N_STATS,
    .stat_names = ONP_AC_STATS,
    .create = a2c_create,
    .act = onp_ac_act,
    .observe = onp_ac_observe,
    .learn = onp_ac_learn,
    .save = onp_ac_save,
    .load = onp_ac_load,
    .destroy = onp_ac_destroy,
    .extra_stats = onp_ac_extra_stats,
    .dp_tensors = onp_ac_dp_tensors,
};
