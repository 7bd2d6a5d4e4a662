/* rlc algos: the DQN family's Q-network (algos/dqn.c: dqn, qrdqn, c51): an MLP with K x M outputs
 * (M outputs per action: 1, quantiles or atoms), or a trunk with dueling heads (Q = V + A - mean A,
 * per output j) and/or NoisyNet heads (nn/noisy.h), after the image encoder of network.encoder
 * (nn/obs_encoder.h: one per part of a Dict or Tuple) when there is one; its parameters in a flat
 * buffer the agent owns, in PyTorch's layout and names. Internal to algos/ and tests/. */
#ifndef RLC_ALGOS_QNET_H
#define RLC_ALGOS_QNET_H

#include "core/arena.h"
#include "nn/obs_encoder.h"
#include "nn/nn.h"
#include "nn/noisy.h"

/* a Q-network: one MLP, or a trunk (the hidden layers) with heads: value and advantage (dueling)
 * or one output head; the heads are dense layers, or NoisyLinear layers with noisy; after the
 * image encoder when network.encoder asks for one (its parameters first in the flat buffer) */
typedef struct {
    bool dueling, noisy, split;       /* split = dueling || noisy: a trunk, then heads */
    bool has_img;
    int K, M;                         /* actions, outputs per action */
    nn_obs_encoder img;
    nn_mlp trunk, vh, ah;             /* vh, ah: the dense heads (with noisy: their shapes, for the caches) */
    nn_noisy nv, na;                  /* the noisy heads (noisy) */
    float *noise_state;               /* owned: the noisy heads' noise and effective weights */
} qnet;

typedef struct {
    nn_obs_encoder_cache img;
    const float *feat;                /* what the trunk read in the last forward: obs or img's output */
    float *dfeat;                     /* (max_batch, img.out_dim) */
    nn_mlp_cache trunk, vh, ah;
    float *q;                         /* (max_batch, K M) dueling output */
    float *dadv, *dv, *dh, *dh2;      /* dueling backward scratch */
} qnet_cache;
/* the layers of a network on D inputs (the encoder's output when has_img is set first), the
 * hidden sizes and K actions of M outputs; nothing bound yet */
void qnet_shape(qnet *q, int D, const int *hidden, int nh, int K, int M, nn_act act, bool dueling, bool noisy);
size_t qnet_params(const qnet *q);
/* binds the encoder, trunk and heads into params (grads: NULL for a target network); allocates
 * the noisy heads' state once (freed by qnet_free) */
void qnet_bind(qnet *q, float *params, float *grads);
void qnet_free(qnet *q);
/* PyTorch's default init for the encoder and the dense layers, the paper's for the noisy heads
 * (sigma0 x sqrt(fan_in)'s sigma), drawn from rng in that order */
void qnet_init(qnet *q, float sigma0, rl_rng *rng);
/* new noise for the noisy heads from rng; qnet_noise_off: their mean weights (nothing without noisy) */
void qnet_resample(qnet *q, rl_rng *rng);
void qnet_noise_off(qnet *q);
/* the arena bytes of one cache of maxb rows, and its binding */
size_t qnet_cache_need(const qnet *q, int maxb);
void qnet_cache_bind(qnet_cache *c, const qnet *q, rl_arena *a, int maxb);
/* obs (n, D) -> (n, K M) */
const float *qnet_forward(qnet_cache *c, qnet *q, const float *obs, int n);
/* the last hidden layer (n, H) of the last forward on c: the encoding the aux heads read */
const float *qnet_h(const qnet_cache *c, const qnet *q);
/* backward of the last forward on c; dq (n, K M); dh_aux (n, H) is added at qnet_h (NULL: none);
 * adds into the parameters' gradients */
void qnet_backward(qnet_cache *c, qnet *q, const float *dq, const float *dh_aux, int n);
/* "<prefix>.0.weight", ... (or "<prefix>.trunk.*", ".value.*", ".advantage.*" with dueling,
 * ".trunk.*", ".head.*" with noisy alone; noisy heads' ".weight_mu", ".bias_mu", ".weight_sigma",
 * ".bias_sigma"), after the encoder's "<prefix>.encoder.conv.<i>.*" and ".encoder.dense.*" */
int qnet_tensors(nn_tensor *t, char names[][48], const char *prefix, qnet *q);

#endif
