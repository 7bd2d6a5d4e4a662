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

#define A2C_FIELDS(X, S)                                                                          \
    ONP_AC_ROLLOUT_FIELDS(X, S, 7e-4, "learning rate", 0, 5, "rollout length per env (n)")          \
    ONP_AC_GAMMA_FIELD(X, S)                                                                      \
    X(S, rl_str, advantage, STR, 0, "gae", 0, 0, "gae|nstep",                                       \
      "GAE(gae_lambda) or n-step returns bootstrapped at the rollout end")                       \
    X(S, double, gae_lambda, F64, 1.0, NULL, 0, 1, NULL, "GAE lambda (advantage: gae)")            \
    ONP_AC_WEIGHT_FIELDS(X, S, 0, "normalise advantages over the rollout", 0.0)                   \
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
    const a2c_cfg *c = a2c_of(cfg);
    bool nstep = strcmp(c->advantage, "nstep") == 0;
    onp_ac_settings s = {
        ONP_AC_SETTINGS_FROM(c),
        .algo = "a2c",
        .n_minibatches = 1,
        .epochs = 1,
        .lambda = nstep ? 1.0f : (float)c->gae_lambda,
        .eps = (float)c->eps,
        .rms_alpha = (float)c->rms_alpha,
        .norm_adv_batch = true,
        .shared = c->shared || cfg->network.shared,
        .rmsprop = strcmp(c->optimizer, "rmsprop") == 0,
    };
    return onp_ac_create(self, &s, cfg, obs_space, act_space, n_envs, err, err_sz);
}

const agent_algo agent_a2c = {
    ONP_AC_AGENT_COMMON,
    .name = "a2c",
    .sections = (const rl_config_section *const[]){&a2c_section, &onp_losses_section, &onp_recurrent_section, NULL},
    .check_config = a2c_check_config,
    .create = a2c_create,
};
