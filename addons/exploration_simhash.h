/* rlc addons (internal to addons/exploration.c): the count-based intrinsic-reward module over
 * SimHash codes (`exploration: {name: simhash}`), see addons/exploration_simhash.c. */
#ifndef RLC_ADDONS_EXPLORATION_SIMHASH_H
#define RLC_ADDONS_EXPLORATION_SIMHASH_H

#include "agents/agent.h"
#include "nn/nn.h"

typedef struct onp_simhash onp_simhash;

/* lc: exploration.simhash_loss (the `simhash` entry: bits, beta), a loss slot takes (the add-on's
 * row of it); seed: the run's (the projection draws from its own RNG derived from it); n_envs
 * rows per step. */
rl_status onp_simhash_create(onp_simhash **out, const rl_loss_cfg *lc, const agent_loss_slot *slot, int64_t seed,
                             int obs_dim, int n_envs, char *err, size_t err_sz);
void onp_simhash_free(onp_simhash *s);   /* NULL-safe */
/* Counts the codes of next (n_envs, obs_dim) and writes r_int (n_envs) = beta / sqrt(count). */
void onp_simhash_step(onp_simhash *s, const float *next, float *r_int);
/* The mean bonus since the last call (NAN if none): what the agent logs as its intrinsic reward. */
double onp_simhash_mean_bonus(onp_simhash *s);
/* Projection, counts and the observation statistics (staged by onp_simhash_stage). */
int onp_simhash_tensors(onp_simhash *s, nn_tensor *t);
void onp_simhash_stage(onp_simhash *s);
/* After a checkpoint load: RL_ERR_FORMAT if a count is negative, fractional or not finite, or
 * the projection is not finite. */
rl_status onp_simhash_unstage(onp_simhash *s, char *err, size_t err_sz);

#endif
