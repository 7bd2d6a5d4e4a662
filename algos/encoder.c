/* rlc algos: network.encoder read for an agent (algos/encoder.h). */
#include "algos/encoder.h"

#include <stdio.h>
#include <string.h>

#include "core/limits.h"

static const char *src_of(const rl_config *cfg) { return cfg->source[0] ? cfg->source : "config"; }

static bool is_image(const env_space *o) { return o->kind == ENV_SPACE_BOX && o->rank == 3; }

static rl_status image_needs_encoder(const rl_config *cfg, const env_space *o, const char *algo, char *err,
                                     size_t err_sz)
{
    return rl_errf(err, err_sz, RL_ERR_CONFIG,
                   "%s: network.encoder: env %s observes %dx%dx%d %s images, which algo %s's MLP does not take as "
                   "they are: set network.encoder to minatar, nature or a list of layers (docs/layers.md), or to "
                   "flatten to feed the values to the MLP as one vector",
                   src_of(cfg), cfg->env.id, o->shape[0], o->shape[1], o->shape[2], env_elem_name(o->elem), algo);
}

rl_status algo_encoder_from_config(nn_encoder *e, bool *on, const rl_config *cfg, const env_space *o,
                                   const char *algo, char *err, size_t err_sz)
{
    const char *v = cfg->network.encoder;
    *on = false;
    if (strcmp(v, "flatten") == 0) return RL_OK;
    if (strcmp(v, "none") == 0 || v[0] == '\0') return is_image(o) ? image_needs_encoder(cfg, o, algo, err, err_sz) : RL_OK;
    if (!is_image(o))
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: network.encoder: '%s' needs image observations (a Box of height x width x channels), "
                       "but env %s observes a flat vector of %d values: expected none",
                       src_of(cfg), v, cfg->env.id, env_space_dim(o));
    char where[RL_STR_MAX + 32];
    snprintf(where, sizeof where, "%s: network.encoder", src_of(cfg));
    nn_encoder_spec s;
    rl_status st = nn_encoder_parse(&s, v, where, err, err_sz);
    if (st == RL_OK)
        st = nn_encoder_init(e, &s, o->shape[0], o->shape[1], o->shape[2], env_space_unit_scale(o), where, err, err_sz);
    /* its sizes, before anything is allocated: the parameters, and the activations (and backward
     * scratch) of one observation, which every batch row takes */
    if (st == RL_OK)
        st = rl_limit_check(src_of(cfg), "network.encoder", "encoder parameters", (int64_t)e->n_params,
                            RL_LIMIT_NET_PARAMS, err, err_sz);
    if (st == RL_OK)
        st = rl_limit_check(src_of(cfg), "network.encoder", "activation floats of one observation",
                            (int64_t)nn_encoder_cache_floats(e, 1), ALGO_ENCODER_MAX_ACT, err, err_sz);
    if (st == RL_OK) *on = true;
    return st;
}

rl_status algo_encoder_refuse(const rl_config *cfg, const env_space *o, const char *algo, char *err, size_t err_sz)
{
    const char *v = cfg->network.encoder;
    if (strcmp(v, "flatten") == 0) return RL_OK;
    if (strcmp(v, "none") != 0 && v[0] != '\0')
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: network.encoder: algo %s has no image encoder (dqn, qrdqn, c51, ppo and a2c have): "
                       "expected none or flatten", src_of(cfg), algo);
    return is_image(o) ? image_needs_encoder(cfg, o, algo, err, err_sz) : RL_OK;
}

bool algo_obs_bytes(const env_space *o)
{
    return o->kind == ENV_SPACE_BOX && (o->elem == ENV_ELEM_UINT8 || o->elem == ENV_ELEM_BOOL);
}
