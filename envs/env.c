/* rlc envs: one environment instance with Gymnasium's reset/step semantics, the TimeLimit and
 * running episode statistics.
 *
 * Seeding (Gymnasium's reset(seed=...)): env_reset with seed >= 0 replaces the instance's RNG
 * by rl_rng_seed(&e->rng, seed, 0) -- stream 0, so an instance reset with seed s always
 * replays the same episode whatever happened before. seed < 0 keeps the RNG where it is (the
 * next episode continues the sequence). Gymnasium seeds from OS entropy when the first reset has
 * no seed; rlc is deterministic instead: env_make seeds the RNG with seed 0, stream 0, exactly
 * as env_reset(e, 0, ...) would. Draws are not bit-compatible with numpy's PCG64 (spec D.1:
 * not needed for comparable scores), except in envs with a seed hook (env_def.seed), which keep
 * their reference's generator in their state and are told the same seeds (MinAtar replays numpy's
 * RandomState, the toy-text envs Gymnasium's PCG64 trajectories). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/callback.h"
#include "envs/env.h"

const char *env_space_kind_name(env_space_kind k)
{
    switch (k) {
    case ENV_SPACE_DISCRETE: return "Discrete";
    case ENV_SPACE_BOX: return "Box";
    case ENV_SPACE_MULTI_DISCRETE: return "MultiDiscrete";
    case ENV_SPACE_MULTI_BINARY: return "MultiBinary";
    default: return "?";
    }
}

const char *env_elem_name(env_elem_type t)
{
    switch (t) {
    case ENV_ELEM_FLOAT32: return "float32";
    case ENV_ELEM_UINT8: return "uint8";
    case ENV_ELEM_BOOL: return "bool";
    default: return "?";
    }
}

rl_status env_make_def(env_instance *e, const env_def *def, int max_steps_override, char *err,
                       size_t err_sz)
{
    memset(e, 0, sizeof(*e));
    if (def->params && def->params_size > def->state_size)
        return rl_errf(err, err_sz, RL_ERR_ARG, "%s: params_size %zu exceeds state_size %zu", def->id,
                       def->params_size, def->state_size);
    void *state = calloc(1, def->state_size ? def->state_size : 1);
    if (!state) return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: cannot allocate its state", def->id);
    if (def->params) memcpy(state, def->params, def->params_size);
    rl_status st = env_callback_owns(def) ? env_callback_init(def, state, err, err_sz) : def->init(state, err, err_sz);
    if (st != RL_OK) {
        free(state);
        return st;
    }
    e->def = def;
    e->state = state;
    env_seed(e, 0);
    e->max_steps = max_steps_override > 0 ? max_steps_override : def->max_episode_steps;
    return RL_OK;
}

rl_status env_make(env_instance *e, const char *id, int max_steps_override, char *err,
                   size_t err_sz)
{
    memset(e, 0, sizeof(*e));
    const env_def *def = env_find(id);
    if (!def) {
        char hint[200];
        env_did_you_mean(hint, sizeof hint, id);
        return rl_errf(err, err_sz, RL_ERR_NOT_FOUND,
                       "unknown environment id '%s'%s (`rlc envs` lists the registered ids)",
                       id ? id : "(null)", hint);
    }
    return env_make_def(e, def, max_steps_override, err, err_sz);
}

void env_seed(env_instance *e, uint64_t seed)
{
    RL_ASSERT(e && e->def);
    rl_rng_seed(&e->rng, seed, 0);
    if (e->def->seed) e->def->seed(e->state, seed);
}

void env_reset(env_instance *e, int64_t seed, float *obs)
{
    RL_ASSERT(e && e->def);
    if (seed >= 0) env_seed(e, (uint64_t)seed);
    e->def->reset(e->state, &e->rng, obs);
    e->elapsed = 0;
    e->ep_return = 0.0;
    e->ep_length = 0;
}

void env_step(env_instance *e, const float *action, float *obs, float *reward, bool *terminated,
              bool *truncated)
{
    RL_ASSERT(e && e->def);
    env_assert_action(e->def, action);
    bool term = false, trunc = false;
    float r = 0.0f;
    e->def->step(e->state, &e->rng, action, obs, &r, &term, &trunc);
    env_step_account(e, r, &trunc);
    *reward = r;
    *terminated = term;
    *truncated = trunc;
}

void env_assert_action(const env_def *def, const float *action)
{
    const env_space *as = &def->act_space;
    if (as->kind == ENV_SPACE_DISCRETE)
        RL_ASSERT_MSG(action[0] >= 0.0f && action[0] < (float)as->n && action[0] == floorf(action[0]),
                      "a Discrete action must be an integer index in [0, n)");
    for (int i = 0; env_space_is_multi(as) && i < as->dim; i++)
        RL_ASSERT_MSG(action[i] >= 0.0f && action[i] < (float)env_space_choices(as, i) && action[i] == floorf(action[i]),
                      "a MultiDiscrete / MultiBinary action component must be an integer in [0, nvec[i])");
}

void env_step_account(env_instance *e, float reward, bool *truncated)
{
    e->elapsed++;
    e->ep_length++;
    e->ep_return += (double)reward;
    if (e->max_steps > 0 && e->elapsed >= e->max_steps) *truncated = true;
}

void env_close(env_instance *e)
{
    if (!e || !e->def) return;
    if (e->def->close) e->def->close(e->state);
    free(e->state);
    memset(e, 0, sizeof(*e));
}
