/* rlc algos: the image encoder of the on-policy networks (onp_net, algos/onpolicy.h): one
 * encoder under both the actor and the critic, as CleanRL's ppo_atari.py shares its `network`;
 * its gradient is the sum of the gradients both heads send back to the features. */
#include <stdlib.h>
#include <string.h>

#include "algos/encoder.h"
#include "algos/onpolicy.h"

rl_status onp_img_shape(onp_net *n, const rl_config *cfg, const env_space *obs_space, char *err, size_t err_sz)
{
    n->in_dim = n->obs_dim;
    rl_status st = algo_encoder_from_config(&n->img, &n->has_img, cfg, obs_space, cfg->root.algo, err, err_sz);
    if (st != RL_OK || !n->has_img) return st;
    if (aux_cfg_of(cfg)->n > 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: aux: the heads do not read an image encoder's features yet: expected network.encoder "
                       "none or flatten with aux:", aux_cfg_of(cfg)->where);
    n->in_dim = n->img.out_dim;
    return RL_OK;
}

void onp_img_bind(onp_net *n, const rl_config *cfg, size_t at, rl_rng *rng)
{
    nn_obs_encoder_bind(&n->img, n->params + at, n->grads + at);
    if (strcmp(cfg->network.init, "torch") == 0) nn_obs_encoder_init_torch_default(&n->img, rng);
    else nn_obs_encoder_init_orthogonal(&n->img, (float)cfg->network.hidden_gain, rng);
    size_t B = (size_t)n->max_batch, fc = nn_obs_encoder_cache_floats(&n->img, n->max_batch);
    n->img_mem = rl_xcalloc(fc + 2 * B * n->in_dim, sizeof(float));
    nn_obs_encoder_cache_bind(&n->img_c, &n->img, n->img_mem, n->max_batch);
    n->dfeat_a = n->img_mem + fc;
    n->dfeat_c = n->dfeat_a + B * n->in_dim;
}

const float *onp_img_forward(onp_net *n, const float *obs, int B)
{
    if (!n->has_img) return obs;
    return n->feat = nn_obs_encoder_forward(&n->img_c, &n->img, obs, B);
}

void onp_img_backward(onp_net *n, int B, bool actor_or_trunk, bool critic)
{
    if (!actor_or_trunk && !critic) return;
    size_t m = (size_t)B * n->in_dim;
    float *d = n->dfeat_a;
    if (!actor_or_trunk) d = n->dfeat_c;
    else if (critic)
        for (size_t i = 0; i < m; i++) d[i] += n->dfeat_c[i];
    nn_obs_encoder_backward(&n->img_c, &n->img, d, B);
}

int onp_img_tensors(onp_net *n, nn_tensor *t, char names[][48])
{
    return n->has_img ? nn_obs_encoder_tensors(t, names, "encoder", &n->img) : 0;
}
