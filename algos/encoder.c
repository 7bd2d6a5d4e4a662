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

/* the first image part of a Dict or Tuple (-1: none) */
static int first_image_part(const env_space *o)
{
    for (int i = 0; i < o->n_parts; i++)
        if (o->parts[i].rank == 3) return i;
    return -1;
}

static rl_status part_needs_encoder(const rl_config *cfg, const env_space *o, int i, const char *algo, char *err,
                                    size_t err_sz)
{
    char name[24];
    const env_part *p = &o->parts[i];
    return rl_errf(err, err_sz, RL_ERR_CONFIG,
                   "%s: network.encoder: env %s observes a %s whose part '%s' is %dx%dx%d %s images, which algo %s's "
                   "MLP does not take as they are: set network.encoder to minatar, nature or a list of layers "
                   "(docs/layers.md; each image part gets its own), or to flatten to feed the values to the MLP as one vector",
                   src_of(cfg), cfg->env.id, env_structure_name(o->structure), env_part_name(o, i, name, sizeof name),
                   p->shape[0], p->shape[1], p->shape[2], env_elem_name(p->elem), algo);
}

/* the image encoder of spec s on image i (a whole image: -1) of o, its sizes checked */
static rl_status image_encoder(nn_encoder *e, const nn_encoder_spec *s, const rl_config *cfg, const env_space *o, int i,
                               char *err, size_t err_sz)
{
    char where[RL_STR_MAX + 64], name[24];
    env_space img = i < 0 ? *o : env_space_part(o, i);
    if (i < 0) snprintf(where, sizeof where, "%s: network.encoder", src_of(cfg));
    else snprintf(where, sizeof where, "%s: network.encoder (part '%s')", src_of(cfg), env_part_name(o, i, name, sizeof name));
    rl_status st = nn_encoder_init(e, s, img.shape[0], img.shape[1], img.shape[2], env_space_unit_scale(&img), where, err, err_sz);
    /* its sizes, before anything is allocated: the parameters, and the activations (and backward
     * scratch) of one observation, which every batch row takes */
    if (st == RL_OK)
        st = rl_limit_check(src_of(cfg), "network.encoder", "encoder parameters", (int64_t)e->n_params,
                            RL_LIMIT_NET_PARAMS, err, err_sz);
    if (st == RL_OK)
        st = rl_limit_check(src_of(cfg), "network.encoder", "activation floats of one observation",
                            (int64_t)nn_encoder_cache_floats(e, 1), ALGO_ENCODER_MAX_ACT, err, err_sz);
    return st;
}

/* a Dict's or Tuple's encoder: spec s on each image part, the vector parts as they are */
static rl_status parts_encoder(nn_obs_encoder *e, const nn_encoder_spec *s, const rl_config *cfg, const env_space *o,
                               char *err, size_t err_sz)
{
    nn_obs_encoder_start(e, o->dim);
    for (int i = 0; i < o->n_parts; i++) {
        char name[24];
        nn_encoder cnn;
        bool img = o->parts[i].rank == 3;
        rl_status st = img ? image_encoder(&cnn, s, cfg, o, i, err, err_sz) : RL_OK;
        if (st != RL_OK) return st;
        nn_obs_encoder_add(e, env_part_name(o, i, name, sizeof name), o->parts[i].dim, img ? &cnn : NULL);
    }
    if (nn_obs_encoder_n_tensors(e) > NN_OBS_MAX_TENSORS)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: network.encoder: '%s' on each image part of env %s's %s takes %d tensors; at most %d (use a "
                       "smaller encoder, such as minatar)", src_of(cfg), cfg->network.encoder, cfg->env.id,
                       env_structure_name(o->structure), nn_obs_encoder_n_tensors(e), NN_OBS_MAX_TENSORS);
    return rl_limit_check(src_of(cfg), "network.encoder", "encoder parameters", (int64_t)e->n_params,
                          RL_LIMIT_NET_PARAMS, err, err_sz);
}

rl_status algo_encoder_from_config(nn_obs_encoder *e, bool *on, const rl_config *cfg, const env_space *o,
                                   const char *algo, char *err, size_t err_sz)
{
    const char *v = cfg->network.encoder;
    *on = false;
    bool parts = o->n_parts > 0, images = parts ? first_image_part(o) >= 0 : is_image(o);
    if (strcmp(v, "flatten") == 0) return RL_OK;
    if (strcmp(v, "none") == 0 || v[0] == '\0') {
        if (!images) return RL_OK;
        return parts ? part_needs_encoder(cfg, o, first_image_part(o), algo, err, err_sz)
                     : image_needs_encoder(cfg, o, algo, err, err_sz);
    }
    if (!images)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: network.encoder: '%s' needs image observations (a Box of height x width x channels, or a "
                       "Dict or Tuple with an image part), but env %s observes %s of %d values: expected none",
                       src_of(cfg), v, cfg->env.id, parts ? "vector parts" : "a flat vector", env_space_dim(o));
    char where[RL_STR_MAX + 32];
    snprintf(where, sizeof where, "%s: network.encoder", src_of(cfg));
    nn_encoder_spec s;
    nn_encoder cnn;
    rl_status st = nn_encoder_parse(&s, v, where, err, err_sz);
    if (st == RL_OK && parts) st = parts_encoder(e, &s, cfg, o, err, err_sz);
    else if (st == RL_OK && (st = image_encoder(&cnn, &s, cfg, o, -1, err, err_sz)) == RL_OK) nn_obs_encoder_single(e, &cnn);
    if (st == RL_OK) *on = true;
    return st;
}

rl_status algo_encoder_refuse(const rl_config *cfg, const env_space *o, const char *algo, char *err, size_t err_sz)
{
    const char *v = cfg->network.encoder;
    if (strcmp(v, "flatten") == 0) return RL_OK;
    if (strcmp(v, "none") != 0 && v[0] != '\0')
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: network.encoder: algo %s has no image encoder (dqn, qrdqn, c51, ppo, a2c and reinforce have): "
                       "expected none or flatten", src_of(cfg), algo);
    if (o->n_parts > 0 && first_image_part(o) >= 0) {
        char name[24];
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: network.encoder: env %s observes a %s whose part '%s' is an image, and algo %s has no "
                       "image encoder (dqn, qrdqn, c51, ppo, a2c and reinforce have): set network.encoder to flatten to "
                       "feed all values to the MLP as one vector, or use one of those", src_of(cfg), cfg->env.id,
                       env_structure_name(o->structure), env_part_name(o, first_image_part(o), name, sizeof name), algo);
    }
    return is_image(o) ? image_needs_encoder(cfg, o, algo, err, err_sz) : RL_OK;
}

bool algo_obs_bytes(const env_space *o)
{
    return o->kind == ENV_SPACE_BOX && (o->elem == ENV_ELEM_UINT8 || o->elem == ENV_ELEM_BOOL);
}
