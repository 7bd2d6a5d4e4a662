/* rlc nn: 2-D convolution (nn/conv.c) and the flatten that follows a stack of them.
 *
 * Activations are NHWC: an input batch is (B, H, W, C), an output (B, OH, OW, K), channels last
 * (the layout measured faster here, bench/bench_conv_layout.c and docs/layers.md, and the one
 * MinAtar's observations come in). Parameters are PyTorch's: weight (K, C, kh, kw) then bias (K),
 * as torch.nn.Conv2d's weight and bias, so a checkpoint loads into torch unchanged; torch then
 * takes the input as x.permute(0, 3, 1, 2). nn_flatten_forward turns an NHWC output into rows in
 * torch's flatten order (c, h, w), so that the dense layer after it has torch's weight too.
 *
 * As the dense layer: forward writes out; backward ADDS into dweight and dbias and WRITES dinp,
 * each skipped when NULL. Both run through im2col and nn_sgemm, a chunk of images at a time in a
 * caller-owned cache (scratch) whose size does not depend on the batch; nothing allocates. */
#ifndef RLC_NN_CONV_H
#define RLC_NN_CONV_H

#include "nn/nn.h"

/* What a convolution is: input channels, height, width; output channels (filters); kernel height
 * and width; stride and zero padding (each side) along height and width. */
typedef struct {
    int C, H, W;
    int K;
    int kh, kw;
    int sh, sw;
    int ph, pw;
} nn_conv2d_spec;

typedef struct {
    int C, H, W, K, kh, kw, sh, sw, ph, pw;   /* the spec */
    int OH, OW;         /* output height (H + 2 ph - kh) / sh + 1, width likewise */
    int P;              /* OH OW: output positions per image */
    int CKK;            /* C kh kw: one column row, the weight's row length */
    int chunk;          /* images per im2col chunk (columns of at most 64 Ki floats, or one image) */
    size_t n_weight;    /* K C kh kw */
    size_t n_params;    /* n_weight + K: weight then bias */
} nn_conv2d;

/* Checks the spec and fills c. RL_ERR_ARG, with a message naming the size and what was expected,
 * when a size is below 1 (padding below 0), the kernel is larger than the padded input, or the
 * layer is too large for int indexing. */
rl_status nn_conv2d_init(nn_conv2d *c, const nn_conv2d_spec *s, char *err, size_t err_sz);

/* The cache is scratch for one forward or backward at a time (one per thread): a chunk's columns
 * and their gradient, and the weight and its gradient in column order (K, kh, kw, C). */
typedef struct {
    float *cols, *dcols;   /* (chunk P, CKK) each */
    float *wt, *dwt;       /* (K, kh kw C) each */
} nn_conv2d_cache;

size_t nn_conv2d_cache_floats(const nn_conv2d *c);
void nn_conv2d_cache_bind(nn_conv2d_cache *k, const nn_conv2d *c, float *buf);

/* out (B, OH, OW, K) = conv(inp (B, H, W, C), weight (K, C, kh, kw)) + bias (K); bias may be NULL. */
void nn_conv2d_forward(float *out, nn_conv2d_cache *k, const float *inp, const float *weight, const float *bias,
                       const nn_conv2d *c, int B);
/* dweight (K, C, kh, kw) += d/dweight, dbias (K) += d/dbias, dinp (B, H, W, C) = d/dinp of
 * sum(out * dout) for dout (B, OH, OW, K); any of dinp, dweight, dbias may be NULL. inp and weight
 * are the forward's (the columns are recomputed from inp, not kept). */
void nn_conv2d_backward(float *dinp, float *dweight, float *dbias, nn_conv2d_cache *k, const float *dout,
                        const float *inp, const float *weight, const nn_conv2d *c, int B);
/* Direct loops with double accumulation, no im2col (tests compare the kernels above with them). */
void nn_conv2d_forward_ref(float *out, const float *inp, const float *weight, const float *bias,
                           const nn_conv2d *c, int B);
void nn_conv2d_backward_ref(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                            const float *weight, const nn_conv2d *c, int B);

/* CleanRL's init of its convolutions: weight orthogonal as torch.nn.init.orthogonal_ on the
 * (K, C kh kw) matrix, times gain (sqrt(2) in its recipes); bias 0. */
void nn_conv2d_init_orthogonal(const nn_conv2d *c, float *weight, float *bias, float gain, rl_rng *rng);
/* torch.nn.Conv2d's default: weight then bias uniform in +-1/sqrt(C kh kw), in memory order. */
void nn_conv2d_init_torch_default(const nn_conv2d *c, float *weight, float *bias, rl_rng *rng);

/* out (B, C H W) = inp (B, H, W, C) in torch's flatten order: out[b][(c H + h) W + w]. */
void nn_flatten_forward(float *out, const float *inp, int B, int H, int W, int C);
/* dinp (B, H, W, C) = dout (B, C H W) put back in place (written, not added). */
void nn_flatten_backward(float *dinp, const float *dout, int B, int H, int W, int C);

#endif
