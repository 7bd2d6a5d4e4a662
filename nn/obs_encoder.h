/* rlc nn: the observation encoder of an agent's networks: either one image encoder over the whole
 * observation (nn/encoder.h), or, for an observation made of parts (a Dict's or a Tuple's,
 * envs/env.h), one encoder per part whose features are concatenated in the parts' order: an image
 * part through its own image encoder, a vector part as it is (the identity, as Stable-Baselines3's
 * CombinedExtractor flattens its vector parts). The MLP torso reads the concatenation.
 *
 * The parameters are one flat buffer, the image parts' encoders one after the other. Checkpoint
 * names: the single encoder's are nn_encoder_tensors' under the prefix ("<prefix>.conv.0.weight");
 * a part's are under "<prefix>.<part name>" ("<prefix>.image.conv.0.weight"). Forward and backward
 * follow nn.h: backward ADDS into the parameter gradients. Nothing allocates after init. */
#ifndef RLC_NN_OBS_ENCODER_H
#define RLC_NN_OBS_ENCODER_H

#include <stdbool.h>

#include "nn/encoder.h"

#define NN_OBS_MAX_PARTS 8
/* the most checkpoint tensors of one observation encoder: one image encoder's most */
#define NN_OBS_MAX_TENSORS (2 * (NN_ENC_MAX_CONV + 1))

typedef struct {
    int n_parts;                   /* 0: one image encoder, cnn[0], over the whole observation */
    int in_dim, out_dim;           /* an observation row; the features */
    int in_off[NN_OBS_MAX_PARTS], dim[NN_OBS_MAX_PARTS];   /* where each part lies in a row */
    int out_off[NN_OBS_MAX_PARTS]; /* where its features lie in a feature row */
    bool image[NN_OBS_MAX_PARTS];  /* encoded by cnn[i]; else copied as it is */
    char name[NN_OBS_MAX_PARTS][24];
    nn_encoder cnn[NN_OBS_MAX_PARTS];
    size_t p_off[NN_OBS_MAX_PARTS];
    size_t n_params;
    float *params, *grads;         /* not owned; grads may be NULL */
} nn_obs_encoder;

/* One image encoder over the whole observation (its shape set, not bound). */
void nn_obs_encoder_single(nn_obs_encoder *e, const nn_encoder *cnn);
/* Starts an encoder of parts over rows of in_dim values; then nn_obs_encoder_add each part in order. */
void nn_obs_encoder_start(nn_obs_encoder *e, int in_dim);
/* The next part: dim values named name, encoded by cnn (its shape, dim = H W C) or, when cnn is
 * NULL, copied as they are. */
void nn_obs_encoder_add(nn_obs_encoder *e, const char *name, int dim, const nn_encoder *cnn);
/* The number of checkpoint tensors e has (at most NN_OBS_MAX_TENSORS for the agents to take it). */
int nn_obs_encoder_n_tensors(const nn_obs_encoder *e);

void nn_obs_encoder_bind(nn_obs_encoder *e, float *params, float *grads);
void nn_obs_encoder_init_torch_default(nn_obs_encoder *e, rl_rng *rng);
void nn_obs_encoder_init_orthogonal(nn_obs_encoder *e, float gain, rl_rng *rng);

typedef struct {
    int max_batch;
    nn_encoder_cache cnn[NN_OBS_MAX_PARTS];
    float *in[NN_OBS_MAX_PARTS];   /* (max_batch, dim) each image part's values, gathered */
    float *dpart;                  /* (max_batch, the largest image features) backward scratch */
    float *out;                    /* (max_batch, out_dim) */
} nn_obs_encoder_cache;

size_t nn_obs_encoder_cache_floats(const nn_obs_encoder *e, int max_batch);
void nn_obs_encoder_cache_bind(nn_obs_encoder_cache *c, const nn_obs_encoder *e, float *buf, int max_batch);
/* obs (B, in_dim) -> the features (B, out_dim), inside the cache. B <= max_batch. */
const float *nn_obs_encoder_forward(nn_obs_encoder_cache *c, const nn_obs_encoder *e, const float *obs, int B);
/* Backward of the last forward on c from dfeat (B, out_dim); adds into e->grads. */
void nn_obs_encoder_backward(nn_obs_encoder_cache *c, nn_obs_encoder *e, const float *dfeat, int B);
/* The checkpoint tensors (names above, 48 bytes each); returns their count. */
int nn_obs_encoder_tensors(nn_tensor *t, char names[][48], const char *prefix, const nn_obs_encoder *e);

#endif
