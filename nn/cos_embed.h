/* rlc nn: the cosine embedding of a quantile fraction tau of IQN (Dabney, Ostrovski, Silver and
 * Munos 2018, "Implicit Quantile Networks for Distributional Reinforcement Learning", eq. 4):
 *
 *   phi(tau)_j = ReLU( sum_{i=0}^{n-1} cos(pi i tau) w_ji + b_j ),   j < out
 *
 * n cosines (64 in the paper) into a dense layer of `out` units (the torso's width, so that
 * phi(tau) multiplies the torso's features element-wise). The dense layer is an nn_mlp of one
 * layer (PyTorch's nn.Linear layout: weight (out, n), then bias (out)); the cosines of the last
 * forward stay in the cache for the backward. No gradient flows to tau (the fractions are sampled,
 * not learned). */
#ifndef RLC_NN_COS_EMBED_H
#define RLC_NN_COS_EMBED_H

#include "nn/nn.h"

typedef struct {
    int n_cos, out;
    nn_mlp dense;                     /* n_cos -> out, ReLU */
} nn_cos_embed;

typedef struct {
    nn_mlp_cache dense;
    float *cos;                       /* (max_batch, n_cos): cos(pi i tau) of the last forward */
} nn_cos_embed_cache;

/* Sets the sizes; n_params is e->dense.n_params = out (n_cos + 1). Touches no memory. */
void nn_cos_embed_shape(nn_cos_embed *e, int n_cos, int out);
/* Carves the weight and bias from params (and their gradients from grads, or NULL). */
void nn_cos_embed_bind(nn_cos_embed *e, float *params, float *grads);
/* PyTorch's default nn.Linear init (uniform in +-1/sqrt(n_cos), weight then bias). */
void nn_cos_embed_init_torch_default(nn_cos_embed *e, rl_rng *rng);
size_t nn_cos_embed_cache_floats(const nn_cos_embed *e, int max_batch);
void nn_cos_embed_cache_bind(nn_cos_embed_cache *c, const nn_cos_embed *e, float *buf, int max_batch);
/* taus (n) -> phi (n, out), a pointer into the cache; n <= max_batch. */
const float *nn_cos_embed_forward(nn_cos_embed_cache *c, const nn_cos_embed *e, const float *taus, int n);
/* Backward of the last forward on c: dphi (n, out), the gradient of the loss with respect to phi;
 * adds into the weight's and bias's gradients. */
void nn_cos_embed_backward(nn_cos_embed_cache *c, nn_cos_embed *e, const float *dphi, int n);

#endif
