/* rlc nn: an image encoder, a stack of convolutions (each followed by ReLU), the flatten, and an
 * optional dense layer (ReLU): what turns an NHWC image into the features an MLP torso reads.
 *
 * Written as text (the value of network.encoder, docs/layers.md): a preset, `minatar` (Young and
 * Tian 2019: 16 3x3/1, dense 128) or `nature` (Mnih et al. 2015: 32 8x8/4, 64 4x4/2, 64 3x3/1,
 * dense 512), or a comma-separated list of layers in the papers' notation:
 *     "in 10x10x4, 16 3x3/1, 32 3x3/2 p1, dense 128"
 * `K AxB/S` is K filters of height A and width B with stride S, `p P` an optional zero padding of P
 * on each side; `dense N` (last, at most once) a dense layer of N units; `in HxWxC` (first,
 * optional) declares the input shape, which must then equal the environment's.
 *
 * The parameters are one flat buffer: each convolution's weight (K, C, kh, kw) and bias (K), then
 * the dense weight (N, flat) and bias (N), flat in torch's flatten order (c, h, w) (nn/conv.h), so
 * the whole encoder is torch's nn.Sequential(Conv2d, ReLU, ..., Flatten, Linear, ReLU) on the
 * input permuted to NCHW and multiplied by in_scale. Checkpoint names (nn_encoder_tensors):
 * "<prefix>.conv.<i>.weight", "<prefix>.conv.<i>.bias", "<prefix>.dense.weight",
 * "<prefix>.dense.bias". Forward and backward follow nn.h: backward ADDS into the parameter
 * gradients. Nothing allocates after init. */
#ifndef RLC_NN_ENCODER_H
#define RLC_NN_ENCODER_H

#include "nn/conv.h"
#include "nn/nn.h"

#define NN_ENC_MAX_CONV 8

typedef struct {
    int n_conv;
    int filters[NN_ENC_MAX_CONV], kernel_h[NN_ENC_MAX_CONV], kernel_w[NN_ENC_MAX_CONV];
    int stride[NN_ENC_MAX_CONV], pad[NN_ENC_MAX_CONV];
    int dense;               /* units of the dense layer; 0: none (the features are the flatten) */
    int in_h, in_w, in_c;    /* the declared input (`in HxWxC`); 0 when not declared */
} nn_encoder_spec;

/* Parses text (a preset or a list, above) into s. RL_ERR_CONFIG naming `where` (the file and key,
 * "run.yaml: network.encoder"), the item and what was expected, on anything else. */
rl_status nn_encoder_parse(nn_encoder_spec *s, const char *text, const char *where, char *err, size_t err_sz);
/* The spec back as text in the list form (`in` left out), as the presets are written. */
void nn_encoder_format(const nn_encoder_spec *s, char *out, size_t out_sz);

typedef struct {
    int H, W, C;             /* the input image */
    float in_scale;          /* inputs are multiplied by it first (1/255 for uint8 pixels) */
    int n_conv;
    nn_conv2d conv[NN_ENC_MAX_CONV];
    int flat;                /* OH OW K of the last convolution */
    int dense;               /* units, 0: none */
    int out_dim;             /* dense, or flat */
    size_t n_params;
    size_t off[NN_ENC_MAX_CONV + 1];   /* each convolution's weight, then the dense weight */
    float *params, *grads;   /* not owned; grads may be NULL */
} nn_encoder;

/* The encoder of spec s on H x W x C inputs. RL_ERR_CONFIG naming `where` when the declared input
 * differs from H x W x C, or a kernel is larger than its (padded) input (naming the layer, its
 * input and kernel). */
rl_status nn_encoder_init(nn_encoder *e, const nn_encoder_spec *s, int H, int W, int C, float in_scale,
                          const char *where, char *err, size_t err_sz);
void nn_encoder_bind(nn_encoder *e, float *params, float *grads);
/* PyTorch's default init of every layer (Conv2d, then Linear), in layer order */
void nn_encoder_init_torch_default(nn_encoder *e, rl_rng *rng);
/* CleanRL's: orthogonal times gain, biases 0 */
void nn_encoder_init_orthogonal(nn_encoder *e, float gain, rl_rng *rng);

typedef struct {
    int max_batch;
    const float *in;                       /* the last forward's input (scaled copy or the caller's) */
    float *x0;                             /* (max_batch, H W C) scaled input */
    float *act[NN_ENC_MAX_CONV];           /* (max_batch, OH OW K) per convolution, after ReLU */
    float *flat, *out;                     /* (max_batch, flat), (max_batch, dense) */
    float *d1, *d2;                        /* backward scratch, (max_batch, largest activation) each */
    float *conv_scratch;                   /* the convolutions' im2col cache (the largest) */
} nn_encoder_cache;

size_t nn_encoder_cache_floats(const nn_encoder *e, int max_batch);
void nn_encoder_cache_bind(nn_encoder_cache *c, const nn_encoder *e, float *buf, int max_batch);
/* obs (B, H W C) -> the features (B, out_dim), inside the cache. B <= max_batch. */
const float *nn_encoder_forward(nn_encoder_cache *c, const nn_encoder *e, const float *obs, int B);
/* Backward of the last forward on c: dfeat (B, out_dim) is the loss's gradient at the features.
 * Adds into e->grads. dfeat is not modified. */
void nn_encoder_backward(nn_encoder_cache *c, nn_encoder *e, const float *dfeat, int B);
/* The checkpoint tensors (names above, 48 bytes each); returns their count, 2 (n_conv + dense?1:0). */
int nn_encoder_tensors(nn_tensor *t, char names[][48], const char *prefix, const nn_encoder *e);

#endif
