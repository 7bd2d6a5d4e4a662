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
#include "algos/recurrent.h"

/* ---- the a2c: section --------------------------------------------------------------------- */

#define A2C_FIELDS(X, S)                                                                     \
    X(S, double, learning_rate, F64, 7e-4, NULL, 0, 1, NULL, "learning rate")                      \
    X(S, bool, anneal_lr, BOOL, 0, NULL, 0, 1, NULL, "anneal the learning rate linearly to 0")     \
    X(S, int64_t, num_steps, I64, 5, NULL, 1, 1e7, NULL, "rollout length per env (n)")             \
    X(S, double, gamma, F64, 0.99, NULL, 0, 1, NULL, "discount")                                   \
    X(S, rl_str, advantage, STR, 0, "gae", 0, 0, "gae|nstep",                                       \
      "GAE(gae_lambda) or n-step returns bootstrapped at the rollout end")                       \
    X(S, double, gae_lambda, F64, 1.0, NULL, 0, 1, NULL, "GAE lambda (advantage: gae)")            \
    X(S, bool, norm_adv, BOOL, 0, NULL, 0, 1, NULL, "normalise advantages over the rollout")       \
    X(S, double, ent_coef, F64, 0.0, NULL, 0, 100, NULL, "weight of the entropy loss")             \
    X(S, double, vf_coef, F64, 0.5, NULL, 0, 100, NULL, "weight of the value loss")                \
    X(S, double, max_grad_norm, F64, 0.5, NULL, 0, 1e9, NULL, "global gradient-norm clip; 0 = off") \
    X(S, bool, shared, BOOL, 0, NULL, 0, 1, NULL, "one trunk with actor and critic heads")         \
    X(S, rl_str, optimizer, STR, 0, "rmsprop", 0, 0, "rmsprop|adam", "optimizer")                  \
    X(S, double, rms_alpha, F64, 0.99, NULL, 0, 0.999999, NULL, "RMSprop smoothing constant")     \
    X(S, double, eps, F64, 1e-5, NULL, 1e-12, 1, NULL, "RMSprop / Adam epsilon")
RL_CFG_SECTION_TYPE(a2c_cfg, A2C_FIELDS);
static const rl_config_section a2c_section = RL_CFG_SECTION_INIT("a2c", a2c_cfg, A2C_FIELDS);

static const a2c_cfg *a2c_of(const rl_config *cfg) { return rl_config_section_of(cfg, &a2c_section); }

static rl_status a2c_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    const a2c_cfg *c = a2c_of(cfg);
    return onp_ac_check_config(cfg, "a2c", c->num_steps, cfg->network.shared || c->shared, " (or a2c.shared: true)",
                               err, err_sz);
}

/* ---- the agent ---------------------------------------------------------------------------- */

static rl_status a2c_create(void **self, const rl_config *cfg, const env_space *obs_space,
                            const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    bool nstep = strcmp(a2c_of(cfg)->advantage, "nstep") == 0;
    onp_ac_settings s = {
        .algo = "a2c",
        .T = (int)a2c_of(cfg)->num_steps,
        .n_minibatches = 1,
        .epochs = 1,
        .gamma = (float)a2c_of(cfg)->gamma,
        .lambda = nstep ? 1.0f : (float)a2c_of(cfg)->gae_lambda,
        .ent_coef = (float)a2c_of(cfg)->ent_coef,
        .vf_coef = (float)a2c_of(cfg)->vf_coef,
        .max_grad_norm = (float)a2c_of(cfg)->max_grad_norm,
        .lr = (float)a2c_of(cfg)->learning_rate,
        .eps = (float)a2c_of(cfg)->eps,
        .rms_alpha = (float)a2c_of(cfg)->rms_alpha,
        .anneal_lr = a2c_of(cfg)->anneal_lr,
        .norm_adv = a2c_of(cfg)->norm_adv,
        .norm_adv_batch = true,
        .shared = a2c_of(cfg)->shared || cfg->network.shared,
        .rmsprop = strcmp(a2c_of(cfg)->optimizer, "rmsprop") == 0,
    };
    return onp_ac_create(self, &s, cfg, obs_space, act_space, n_envs, err, err_sz);
}

const agent_algo agent_a2c = {
    .name = "a2c",
    .n_stats = ONP_AC_N_STATS,
    .stat_names = ONP_AC_STATS,
    .sections = (const rl_config_section *const[]){&a2c_section, &onp_losses_section, &onp_recurrent_section, NULL},
    .config_flags = RL_CFG_NETWORK_SHARED | RL_CFG_AUX_HEADS,
    .check_config = a2c_check_config,
    .loss_slots = {ONP_SLOT_POLICY, ONP_SLOT_VALUE, ONP_SLOT_ENTROPY},
    .create = a2c_create,
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
