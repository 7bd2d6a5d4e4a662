/* rlc nn: the small MLP library on OpenBLAS.
 *
 * Conventions (llm.c style): outputs first, then inputs, then parameters, then sizes. Arrays are
 * float32, row-major, with shape comments. Forward functions write their outputs; backward
 * functions ADD (+=) into parameter gradients and WRITE (=) the input gradient when the pointer is
 * non-NULL. Dense weights use PyTorch's nn.Linear layout, weight (O, I) and bias (O), so a
 * checkpoint loads into torch unchanged. Nothing here allocates after init. */
#ifndef RLC_NN_NN_H
#define RLC_NN_NN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "core/status.h"

/* <complex.h>, which OpenBLAS's <cblas.h> pulls in, defines the macro I; it would break the
 * parameter names I (input size) below when cblas.h is included first. rlc uses no complex. */
#ifdef I
#undef I
#endif

/* ---- activations ---------------------------------------------------------------------- */

typedef enum { NN_ACT_NONE = 0, NN_ACT_TANH, NN_ACT_RELU, NN_ACT_COUNT } nn_act;

/* "none", "tanh", "relu". */
const char *nn_act_name(nn_act a);
/* Returns 0 and sets *out when name is known, -1 otherwise. */
int nn_act_from_name(const char *name, nn_act *out);

/* The tanh nn_act_forward uses: relative error < 3e-7, vectorisable, no libm call. */
float nn_tanh(float x);
/* Its two paths over arrays, which give the same bits (for tests): 4 floats at a time (any x86-64),
 * and 8 (AVX2; returns false without writing on a CPU without it). nn_act_forward takes the second
 * where it runs. */
void nn_tanh_array_sse(float *out, const float *inp, size_t n);
bool nn_tanh_array_avx2(float *out, const float *inp, size_t n);
/* out (n) = tanh(inp (n)) with every multiply-add fused where the CPU has AVX2 and FMA (a third
 * faster; rounded differently from nn_tanh, error below 3e-7 as well), nn_act_forward's tanh on
 * other CPUs. The recurrent layers' tanh (nn/lstm.c, nn/gru.c); out may alias inp. */
void nn_tanh_array_fma(float *out, const float *inp, size_t n);
/* out (n) = act(inp (n)); out may alias inp. */
void nn_act_forward(float *out, const float *inp, nn_act a, size_t n);
/* dinp (n) = dout (n) * act'(.), computed from the activation OUTPUT y (tanh: 1 - y^2, relu: y > 0).
 * dinp may alias dout. */
void nn_act_backward(float *dinp, const float *dout, const float *y, nn_act a, size_t n);

/* ---- dense layer ---------------------------------------------------------------------- */

/* out (B, O) = inp (B, I) @ weight^T (I, O) + bias (O). bias may be NULL. One cblas_sgemm. */
void nn_dense_forward(float *out, const float *inp, const float *weight, const float *bias,
                      int B, int I, int O);
/* dweight (O, I) += dout^T @ inp; dbias (O) += sum_b dout; dinp (B, I) = dout @ weight when
 * dinp != NULL. Any of dweight, dbias may be NULL to skip. */
void nn_dense_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                       const float *inp, const float *weight, int B, int I, int O);
/* Plain triple-loop reference kernels (tests compare the BLAS kernels against them). */
void nn_dense_forward_ref(float *out, const float *inp, const float *weight, const float *bias,
                          int B, int I, int O);
void nn_dense_backward_ref(float *dinp, float *dweight, float *dbias, const float *dout,
                           const float *inp, const float *weight, int B, int I, int O);

/* acc (cols) += the column sums of x (rows, cols): the bias gradient of a layer over many rows
 * (a convolution's B OH OW positions, a recurrent layer's T B steps). Sums of 64 rows in float,
 * added in double, so the rounding error does not grow with the row count as a plain float sum's
 * does. */
void nn_colsum_add(float *acc, const float *x, size_t rows, int cols);

/* C (M, N) = op(A) (M, K) @ op(B) (K, N) + beta C, row-major, op = transpose when ta / tb. The one
 * GEMM of the dense layers: matrix-vector shapes through OpenBLAS's sgemv (or rlc's loop for an outer
 * product), LIBXSMM's kernels for small shapes when the build has LIBXSMM with AVX-512 code,
 * OpenBLAS's cblas_sgemm (one thread, as the trainer sets it) for the rest; the rule is by shape
 * and instruction set only (nn/gemm.c). Thread-safe. */
void nn_sgemm(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
              float *C, int ldc);
/* For benchmarks and tests: the same product on LIBXSMM whatever the rule says (the transposed
 * weight through the same scratch as nn_sgemm). False, with nothing written, when the build has no
 * LIBXSMM or LIBXSMM takes no such shape (beta other than 0 or 1, a weight over 64 Ki floats). */
bool nn_sgemm_xsmm(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                   float beta, float *C, int ldc);
/* Whether this build has the LIBXSMM path; whether small shapes go to it now (on unless the
 * environment has RLC_GEMM=blas); switch it for the whole process (benchmarks and tests compare
 * the paths; call it before any thread runs a GEMM). */
bool nn_gemm_small_available(void);
/* The matrix-vector path: M or N of 1 through OpenBLAS's sgemv, K of 1 through rlc's outer-product
 * loop (nn/gemm.h); on unless RLC_GEMM=blas */
void nn_gemm_set_vec(bool on);
bool nn_gemm_vec_enabled(void);
bool nn_gemm_small_enabled(void);
void nn_gemm_set_small(bool on);
/* Whether LIBXSMM takes the wide shapes too (up to 256 x 256 x 256): by default when its code has
 * AVX-512 and OpenBLAS's kernel has not (a kernel forced below the CPU, as OPENBLAS_CORETYPE=Haswell
 * on an AVX-512 machine); set for tests and benchmarks */
bool nn_gemm_wide_enabled(void);
void nn_gemm_set_wide(bool on);
/* RL_OK when RLC_GEMM is unset, "auto", "rule" or "blas"; otherwise an error naming the variable */
rl_status nn_gemm_check_env(char *err, size_t err_len);
/* What runs the GEMMs now: "OpenBLAS Zen + sgemv/outer for matrix-vector shapes",
 * "OpenBLAS Haswell + LIBXSMM cpx (small shapes) + ..." */
const char *nn_gemm_library(void);

/* The sgemm kernel OpenBLAS runs on this machine ("Haswell", "SkylakeX", ...): chosen by CPU, or
 * forced by OPENBLAS_CORETYPE. Kernels round differently, so runs are bit-reproducible only with
 * the same kernel (README, Determinism). */
const char *nn_blas_kernel(void);
/* LIBXSMM's code for this CPU ("hsw", "cpx"), or "none" in a build without LIBXSMM */
const char *nn_gemm_xsmm_arch(void);

/* ---- MLP ------------------------------------------------------------------------------ */

#define NN_MAX_LAYERS 8

/* An MLP is its shape plus pointers into caller-owned flat buffers (see nn_mlp_bind):
 * layer l maps sizes[l] -> sizes[l+1]; hidden layers use hidden_act, the last layer out_act.
 * Parameter layout per layer: weight (O, I) then bias (O); layers in order. */
typedef struct {
    int n_layers;                     /* number of dense layers */
    int sizes[NN_MAX_LAYERS + 1];     /* sizes[0] = input dim, sizes[n_layers] = output dim */
    nn_act hidden_act, out_act;
    size_t n_params;
    float *params, *grads;            /* not owned; grads may be NULL (inference) */
    float *w[NN_MAX_LAYERS], *b[NN_MAX_LAYERS];
    float *dw[NN_MAX_LAYERS], *db[NN_MAX_LAYERS];
} nn_mlp;

/* Sets the shape: n_in -> hidden[0] -> ... -> hidden[n_hidden-1] -> n_out. Asserts on sizes
 * (n_hidden + 1 <= NN_MAX_LAYERS, all sizes > 0). No memory is touched. */
void nn_mlp_shape(nn_mlp *m, int n_in, const int *hidden, int n_hidden, int n_out,
                  nn_act hidden_act, nn_act out_act);
/* Carves the per-layer pointers from flat buffers of at least m->n_params floats. */
void nn_mlp_bind(nn_mlp *m, float *params, float *grads);
/* Orthogonal init of each weight matrix (QR of a Gaussian matrix with the sign fix, as
 * torch.nn.init.orthogonal_) times gains[l]; biases set to 0. gains has n_layers entries. */
void nn_mlp_init_orthogonal(nn_mlp *m, const float *gains, rl_rng *rng);
/* w (rows, cols) = gain times an orthogonal matrix, as torch.nn.init.orthogonal_ on a tensor whose
 * first dimension is rows (rows * cols normals drawn from rng; init-time: allocates a scratch).
 * The weights of nn_mlp_init_orthogonal, of convolutions and of recurrent layers. */
void nn_init_orthogonal(float *w, int rows, int cols, float gain, rl_rng *rng);
/* PyTorch's default nn.Linear init: each layer's weight, then its bias, uniform in
 * +-1/sqrt(fan_in), drawn in row-major order. */
void nn_mlp_init_torch_default(nn_mlp *m, rl_rng *rng);

/* Forward cache: the output of every layer (post-activation) for up to max_batch rows, plus
 * two scratch rows for backward. Memory comes from a caller-owned float buffer. */
typedef struct {
    int max_batch;
    float *act[NN_MAX_LAYERS + 1];    /* act[0] unused (the input is passed in); act[l] (B, sizes[l]) */
    float *scratch[2];                /* (max_batch, max width) each */
} nn_mlp_cache;

/* Floats a cache for max_batch rows needs. */
size_t nn_mlp_cache_floats(const nn_mlp *m, int max_batch);
void nn_mlp_cache_bind(nn_mlp_cache *c, const nn_mlp *m, float *buf, int max_batch);

/* inp (B, sizes[0]) -> returns a pointer to the output (B, sizes[n_layers]) inside the cache.
 * B <= c->max_batch. */
float *nn_mlp_forward(nn_mlp_cache *c, const nn_mlp *m, const float *inp, int B);
/* Backward of the last forward on this cache: dout (B, out) is the gradient of the loss with
 * respect to the MLP output (after out_act). Adds into m->grads; writes dinp (B, in) if non-NULL.
 * inp must be the same input the forward saw. */
void nn_mlp_backward(float *dinp, nn_mlp_cache *c, nn_mlp *m, const float *dout,
                     const float *inp, int B);
/* The same with an extra gradient dact (B, sizes[at]) ADDED to the gradient of act[at], the output
 * of hidden layer at - 1 (after its activation), 1 <= at < n_layers: the backward of a loss that
 * also reads a hidden layer (an auxiliary head on the first `at` layers used as an encoder).
 * dact = NULL is nn_mlp_backward bit for bit. */
void nn_mlp_backward_add(float *dinp, nn_mlp_cache *c, nn_mlp *m, const float *dout,
                         const float *inp, int at, const float *dact, int B);
/* nn_mlp_backward_add in steps, so that a layer's parameter gradient and its input gradient can
 * run on two threads: nn_mlp_backward_top(dout), then for l = n_layers - 1 down to 0 both
 * nn_mlp_backward_params(l) and nn_mlp_backward_input(l) (in either order or at once), the next
 * l only after both. The result is nn_mlp_backward_add's bit for bit. _input with l = 0 writes
 * dinp (nothing when dinp is NULL); dact and at as in nn_mlp_backward_add. */
void nn_mlp_backward_top(nn_mlp_cache *c, const nn_mlp *m, const float *dout, int B);
void nn_mlp_backward_params(nn_mlp_cache *c, nn_mlp *m, const float *inp, int l, int B);
void nn_mlp_backward_input(float *dinp, nn_mlp_cache *c, const nn_mlp *m, int l, int at, const float *dact, int B);

/* ---- optimisation --------------------------------------------------------------------- */

/* Adam exactly as torch.optim.Adam (bias-corrected, eps added to sqrt(v_hat), no weight decay
 * unless weight_decay > 0, which is L2 added to the gradient as torch does). */
typedef struct {
    float lr, beta1, beta2, eps, weight_decay;
    int64_t t;                        /* steps taken */
    size_t n;
    float *m, *v;                     /* owned, n floats each */
} nn_adam;

rl_status nn_adam_init(nn_adam *opt, size_t n, float lr, float beta1, float beta2, float eps,
                       char *err, size_t err_sz);
/* params (n) -= step(grads (n)). Uses opt->lr (callers anneal it by setting the field). */
void nn_adam_step(nn_adam *opt, float *params, const float *grads);
/* nn_adam_step in parts: nn_adam_tick counts the step, then nn_adam_apply updates elements
 * lo..hi-1 (params, grads: the whole n-float buffers). Applying disjoint ranges that cover 0..n,
 * in any order or on different threads, gives nn_adam_step's result bit for bit. */
void nn_adam_tick(nn_adam *opt);
void nn_adam_apply(const nn_adam *opt, float *params, const float *grads, size_t lo, size_t hi);
void nn_adam_free(nn_adam *opt);

/* Global L2 norm of grads (n); if it exceeds max_norm > 0, scales grads by max_norm / (norm + 1e-6)
 * as torch.nn.utils.clip_grad_norm_. Returns the norm before clipping. */
float nn_clip_grad_norm(float *grads, size_t n, float max_norm);
/* The same over two buffers as one parameter set (g1 (n1) then g2 (n2)): the norm of both
 * together, both scaled by the same factor. With n2 = 0, or g2 all zeros, the result and g1 are
 * bit for bit those of nn_clip_grad_norm(g1, n1, max_norm). */
float nn_clip_grad_norm2(float *g1, size_t n1, float *g2, size_t n2, float max_norm);
/* nn_clip_grad_norm in parts, for a parameter set split over threads: nn_sumsq is the sum of
 * squares of x (n) in double (four interleaved partial sums, added in a fixed order; not finite
 * when an element is not), nn_clip_coef turns the parts' total into the norm (*norm) and the
 * factor to scale every gradient by (1 when max_norm is 0 or not exceeded). */
double nn_sumsq(const float *x, size_t n);
float nn_clip_coef(double ss, float max_norm, float *norm);
/* lr0 * (1 - done / total), the linear annealing of CleanRL (done in [0, total]). */
float nn_lr_linear(float lr0, int64_t done, int64_t total);
/* target = tau * source + (1 - tau) * target, over n floats (Polyak averaging). */
void nn_polyak(float *target, const float *source, size_t n, float tau);

/* ---- categorical distribution over logits (B, K) ---------------------------------------- */

/* actions (B) sampled from softmax(logits) with rng (inverse CDF on one uniform per row). */
void nn_categorical_sample(int *actions, const float *logits, int B, int K, rl_rng *rng);
/* actions (B) = argmax of each row (first maximum). */
void nn_categorical_mode(int *actions, const float *logits, int B, int K);
/* logp (B) = log softmax(logits)[a]. */
void nn_categorical_log_prob(float *logp, const float *logits, const int *actions, int B, int K);
/* ent (B) = -sum_k p_k log p_k. */
void nn_categorical_entropy(float *ent, const float *logits, int B, int K);
/* dlogits (B, K) += dlogp[b] * d logp[b] / d logits + dent[b] * d ent[b] / d logits.
 * dlogp or dent may be NULL (no contribution). */
void nn_categorical_backward(float *dlogits, const float *logits, const int *actions,
                             const float *dlogp, const float *dent, int B, int K);

/* ---- MultiDiscrete and MultiBinary actions (nn/multi_dist.c) -------------------------------- */

/* Independent categoricals, component m over nvec[m] logits; a row's logits are the components'
 * concatenated (B, sum nvec), its actions (B, M) one index per component (SB3's
 * MultiCategoricalDistribution). log_prob and entropy are the sums over the components; the
 * backward adds dlogp[b] * d logp[b] + dent[b] * d ent[b] into dlogits (either may be NULL).
 * Sampling draws one uniform per component, in order. */
void nn_multicat_sample(int *actions, const float *logits, int B, const int *nvec, int M, rl_rng *rng);
void nn_multicat_mode(int *actions, const float *logits, int B, const int *nvec, int M);
void nn_multicat_log_prob(float *logp, const float *logits, const int *actions, int B, const int *nvec, int M);
void nn_multicat_entropy(float *ent, const float *logits, int B, const int *nvec, int M);
void nn_multicat_backward(float *dlogits, const float *logits, const int *actions, const float *dlogp,
                          const float *dent, int B, const int *nvec, int M);
/* Independent Bernoullis, bit m with P(1) = sigmoid(logits[b, m]) (SB3's BernoulliDistribution):
 * logits and actions (B, M), actions 0 or 1; the same sums and backward. The mode is 1 where the
 * logit is > 0. */
void nn_bernoulli_sample(int *actions, const float *logits, int B, int M, rl_rng *rng);
void nn_bernoulli_mode(int *actions, const float *logits, int B, int M);
void nn_bernoulli_log_prob(float *logp, const float *logits, const int *actions, int B, int M);
void nn_bernoulli_entropy(float *ent, const float *logits, int B, int M);
void nn_bernoulli_backward(float *dlogits, const float *logits, const int *actions, const float *dlogp,
                           const float *dent, int B, int M);

/* ---- checkpoints: safetensors ----------------------------------------------------------- */

/* One named float32 tensor. For saving, data is read; for loading, data is written and the
 * shape in the file must equal the one given here. */
typedef struct {
    const char *name;
    float *data;
    int ndim;
    int64_t shape[4];
} nn_tensor;

/* The checkpoint tensors of m, the one naming of an MLP's weights: "prefix.l.weight" (O, I) and
 * "prefix.l.bias" (O) for each layer l, written to t with their names in names (48 bytes each);
 * returns their count, 2 n_layers. */
int nn_mlp_tensors(nn_tensor *t, char names[][48], const char *prefix, const nn_mlp *m);

/* A string key/value pair of the safetensors "__metadata__" object. */
typedef struct {
    const char *key;
    const char *value;
} nn_meta;

/* Writes a safetensors file (8-byte little-endian header length, JSON header built with cJSON,
 * raw little-endian F32 data, tensors in the order given) atomically: to "<path>.tmp", fsync,
 * then rename over path. An existing file at path is untouched on any error. */
rl_status nn_safetensors_save(const char *path, const nn_tensor *tensors, int n_tensors,
                              const nn_meta *meta, int n_meta, char *err, size_t err_sz);
/* RL_ERR_NUMERIC, naming path, the tensor and the count, when any value of the tensors is NaN or
 * infinite. Agents call it before saving a checkpoint, so that none ever holds such values. */
rl_status nn_tensors_check_finite(const char *path, const nn_tensor *tensors, int n_tensors, char *err,
                                  size_t err_sz);

/* The largest JSON header a safetensors file may have, as in the reference implementation. */
#define NN_SAFETENSORS_HEADER_MAX 100000000

/* An open safetensors file whose header is validated (parsed, every tensor's size checked against
 * its dtype and shape, the tensors tiling the rest of the file exactly). The file stays open until
 * nn_safetensors_close; tensors are read from it when asked for. */
typedef struct nn_safetensors nn_safetensors;

/* Opens a regular file (a FIFO, a directory or a device is RL_ERR_IO "not a regular file",
 * without blocking) and reads and validates its header only: what is allocated is bounded by the
 * header's size, never by the file's. A truncated file, a bad header length, malformed JSON,
 * overlapping or out-of-range offsets, bytes past the last tensor give RL_ERR_FORMAT with a
 * message naming the file. */
rl_status nn_safetensors_open(nn_safetensors **out, const char *path, char *err, size_t err_sz);
/* Reads tensor `t->name` into t->data; the file's dtype must be F32 and its shape equal t's (checked
 * before anything is read). RL_ERR_IO when the file was cut short since it was opened. */
rl_status nn_safetensors_read(nn_safetensors *f, const nn_tensor *t, char *err, size_t err_sz);
/* The metadata value for key, or NULL. Valid until close. */
const char *nn_safetensors_meta(const nn_safetensors *f, const char *key);
/* The metadata value for key as an unsigned decimal integer; RL_ERR_FORMAT naming the key when
 * it is missing or not a number. */
rl_status nn_safetensors_meta_u64(const nn_safetensors *f, const char *key, unsigned long long *out,
                                  char *err, size_t err_sz);
/* NULL-safe. */
void nn_safetensors_close(nn_safetensors *f);

/* ---- diagonal Gaussian over Box actions (nn/gaussian.c) ---------------------------------- */

/* log_std is one row shared by the batch (state-independent: ls_stride = 0, shape (D)) or one row
 * per sample (state-dependent: ls_stride = D, shape (B, D)). u is the pre-squash sample; with
 * tanh_squash the action is tanh(u) rescaled to the bounds and log-probabilities include the
 * change of variables -sum_d log(1 - tanh(u_d)^2) (the constant log-scale of the bounds is left
 * out: it cancels in every ratio). */

/* u (B, D) = mean + exp(log_std) * N(0, 1) draws from rng. */
void nn_gaussian_sample(float *u, const float *mean, const float *log_std, int ls_stride, int B,
                        int D, rl_rng *rng);
/* u (B, D) = mean (the deterministic action before the map to the bounds). */
void nn_gaussian_mode(float *u, const float *mean, int B, int D);
/* logp (B) = sum_d log N(u; mean, exp(log_std)^2) [- log(1 - tanh(u)^2) if tanh_squash]. */
void nn_gaussian_log_prob(float *logp, const float *u, const float *mean, const float *log_std,
                          int ls_stride, int B, int D, int tanh_squash);
/* ent (B) = sum_d (log_std + 0.5 log(2 pi e)): the entropy of the Gaussian before squashing
 * (a tanh-squashed policy has no closed form; this is the usual surrogate). */
void nn_gaussian_entropy(float *ent, const float *log_std, int ls_stride, int B, int D);
/* dmean (B, D) += dlogp[b] d logp[b] / d mean; dlog_std ((D) summed over the batch, or (B, D))
 * += dlogp[b] d logp[b] / d log_std + dent[b] d ent[b] / d log_std, u held fixed (the squash
 * correction depends on u only). dlogp or dent may be NULL. */
void nn_gaussian_backward(float *dmean, float *dlog_std, const float *u, const float *mean,
                          const float *log_std, const float *dlogp, const float *dent,
                          int ls_stride, int B, int D);
/* action (B, D) for the env: clip(u, low, high), or with tanh_squash low + (tanh(u) + 1) / 2 *
 * (high - low) (plain tanh(u) when a bound is infinite). low / high (D) may be NULL (unbounded);
 * action may equal u. */
void nn_gaussian_to_action(float *action, const float *u, const float *low, const float *high,
                           int B, int D, int tanh_squash);

/* ---- RMSprop (nn/rmsprop.c) --------------------------------------------------------------- */

/* torch.optim.RMSprop without momentum or centering: v = alpha v + (1 - alpha) g^2,
 * p -= lr g / (sqrt(v) + eps). */
typedef struct {
    float lr, alpha, eps;
    int64_t t;
    size_t n;
    float *v;                         /* owned, n floats */
} nn_rmsprop;

rl_status nn_rmsprop_init(nn_rmsprop *opt, size_t n, float lr, float alpha, float eps, char *err,
                          size_t err_sz);
void nn_rmsprop_step(nn_rmsprop *opt, float *params, const float *grads);
void nn_rmsprop_free(nn_rmsprop *opt);   /* NULL-safe */

#endif
