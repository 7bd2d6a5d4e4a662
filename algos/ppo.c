/* rlc algos: PPO (Schulman et al. 2017, CleanRL's ppo.py and ppo_continuous_action.py recipes)
 * on the actor-critic engine of algos/actor_critic.c: the ppo section's rollout size,
 * update_epochs passes of num_minibatches shuffled minibatches, Adam, and the losses the registry
 * names (losses.policy: ppo_clip by convention, losses.value, losses.entropy). */
#include "algos/onpolicy.h"
#include "algos/recurrent.h"

/* ---- the ppo: section --------------------------------------------------------------------- */

#define PPO_FIELDS(X, S)                                                                     \
    X(S, double, learning_rate, F64, 2.5e-4, NULL, 0, 1, NULL, "Adam learning rate")               \
    X(S, bool, anneal_lr, BOOL, 1, NULL, 0, 1, NULL, "anneal the learning rate linearly to 0")     \
    X(S, int64_t, num_steps, I64, 128, NULL, 1, 1e7, NULL, "rollout length per env")               \
    X(S, int64_t, update_epochs, I64, 4, NULL, 1, 1000, NULL, "passes over each rollout")          \
    X(S, int64_t, num_minibatches, I64, 4, NULL, 1, 1e6, NULL, "minibatches per epoch")             \
    X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")                                   \
    X(S, double, gae_lambda, F64, 0.95, NULL, 0, 1, NULL, "GAE lambda")                            \
    X(S, bool, norm_adv, BOOL, 1, NULL, 0, 1, NULL, "normalise advantages per minibatch")          \
    X(S, double, ent_coef, F64, 0.01, NULL, 0, 100, NULL, "weight of the entropy loss")            \
    X(S, double, vf_coef, F64, 0.5, NULL, 0, 100, NULL, "weight of the value loss")                \
    X(S, double, max_grad_norm, F64, 0.5, NULL, 0, 1e9, NULL, "global gradient-norm clip; 0 = off") \
    X(S, double, adam_eps, F64, 1e-5, NULL, 1e-12, 1, NULL, "Adam epsilon")                        \
    X(S, double, target_kl, F64, 0, NULL, 0, 100, NULL, "stop the epochs early above this KL; 0 = off") \
    X(S, int64_t, threads, I64, 1, NULL, 1, 2, NULL,                                                \
      "2 = each minibatch's actor and critic halves on two threads (same results)")
RL_CFG_SECTION_TYPE(ppo_cfg, PPO_FIELDS);
static const rl_config_section ppo_section = RL_CFG_SECTION_INIT("ppo", ppo_cfg, PPO_FIELDS);

static const ppo_cfg *ppo_of(const rl_config *cfg) { return rl_config_section_of(cfg, &ppo_section); }

static rl_status ppo_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    return onp_ac_check_config(cfg, "ppo", ppo_of(cfg)->num_steps, cfg->network.shared, NULL, err, err_sz);
}

/* ---- the agent ---------------------------------------------------------------------------- */

static rl_status ppo_create(void **self, const rl_config *cfg, const env_space *obs_space,
                            const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    onp_ac_settings s = {
        .algo = "ppo",
        .T = (int)ppo_of(cfg)->num_steps,
        .n_minibatches = (int)ppo_of(cfg)->num_minibatches,
        .epochs = (int)ppo_of(cfg)->update_epochs,
        .gamma = (float)ppo_of(cfg)->gamma,
        .lambda = (float)ppo_of(cfg)->gae_lambda,
        .ent_coef = (float)ppo_of(cfg)->ent_coef,
        .vf_coef = (float)ppo_of(cfg)->vf_coef,
        .max_grad_norm = (float)ppo_of(cfg)->max_grad_norm,
        .lr = (float)ppo_of(cfg)->learning_rate,
        .target_kl = (float)ppo_of(cfg)->target_kl,
        .eps = (float)ppo_of(cfg)->adam_eps,
        .anneal_lr = ppo_of(cfg)->anneal_lr,
        .norm_adv = ppo_of(cfg)->norm_adv,
        .shared = cfg->network.shared,
        .threads = (int)ppo_of(cfg)->threads,
    };
    return onp_ac_create(self, &s, cfg, obs_space, act_space, n_envs, err, err_sz);
}

const agent_algo agent_ppo = {
    .name = "ppo",
    .n_stats = ONP_AC_N_STATS,
    .stat_names = ONP_AC_STATS,
    .sections = (const rl_config_section *const[]){&ppo_section, &onp_losses_section, &onp_recurrent_section, NULL},
    .config_flags = RL_CFG_NETWORK_SHARED | RL_CFG_AUX_HEADS,
    .check_config = ppo_check_config,
    .loss_slots = {ONP_SLOT_POLICY, ONP_SLOT_VALUE, ONP_SLOT_ENTROPY},
    .create = ppo_create,
    .act = onp_ac_act,
    .observe = onp_ac_observe,
    .episode_starts = onp_ac_episode_starts,
    .action_mask = onp_ac_action_mask,
    .learn = onp_ac_learn,
    .save = onp_ac_save,
    .load = onp_ac_load,
    .destroy = onp_ac_destroy,
    .extra_stats = onp_ac_extra_stats,
    .dp_tensors = onp_ac_dp_tensors,
};
