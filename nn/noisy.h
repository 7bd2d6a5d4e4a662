/* rlc nn: NoisyLinear, the dense layer with learned factorised Gaussian noise of NoisyNets
 * (Fortunato et al. 2018, "Noisy Networks for Exploration", section 3).
 *
 *   weight = weight_mu + weight_sigma * (f(eps_out) f(eps_in)^T),   (O, I)
 *   bias   = bias_mu + bias_sigma * f(eps_out),                    (O)
 *   out    = inp @ weight^T + bias,   f(x) = sgn(x) sqrt(|x|),  eps_in (I), eps_out (O) ~ N(0, 1)
 *
 * Parameters in one flat block, PyTorch's nn.Linear layout for each of the four: weight_mu (O, I),
 * bias_mu (O), weight_sigma (O, I), bias_sigma (O); so the first O (I + 1) floats are an ordinary
 * dense layer (the mean network). Initialisation as the paper's factorised case: mu ~ U[-1/sqrt(I),
 * 1/sqrt(I)], sigma = sigma0 / sqrt(I) (sigma0 = 0.5 there). The noise (f already applied) and the
 * effective weight and bias live in a state block the caller owns (nn_noisy_state_floats); a
 * layer whose noise is zero (nn_noisy_zero_noise) is its mean network, what deterministic
 * evaluation uses. Forward and backward are one nn_sgemm each (nn_dense_forward/_backward on the
 * effective weight); the gradients of mu and sigma follow from the effective weight's by the chain
 * rule: dmu = dW, dsigma = dW * f(eps_out) f(eps_in)^T (the same for the biases with f(eps_out)). */
#ifndef RLC_NN_NOISY_H
#define RLC_NN_NOISY_H

#include "nn/nn.h"

typedef struct {
    int I, O;
    size_t n_params;                              /* 2 O (I + 1) */
    float *w_mu, *b_mu, *w_sigma, *b_sigma;       /* parameters (not owned) */
    float *dw_mu, *db_mu, *dw_sigma, *db_sigma;   /* their gradients (not owned; NULL: inference) */
    float *eps_in, *eps_out;                      /* (I), (O): f of the noise drawn */
    float *w, *b, *dw, *db;                       /* (O, I), (O): effective weight and bias, their gradients */
} nn_noisy;

/* Sets the sizes and n_params; touches no memory. */
void nn_noisy_shape(nn_noisy *l, int I, int O);
/* Floats of the state block: the noise, the effective weight and bias and their gradients. */
size_t nn_noisy_state_floats(const nn_noisy *l);
/* Carves the pointers: params (and grads, or NULL) of n_params floats, state of
 * nn_noisy_state_floats floats (its noise starts at zero: the mean network). */
void nn_noisy_bind(nn_noisy *l, float *params, float *grads, float *state);
/* The paper's initialisation: weight_mu then bias_mu uniform in +-1/sqrt(I) drawn from rng in
 * row-major order, both sigmas sigma0 / sqrt(I). */
void nn_noisy_init(nn_noisy *l, float sigma0, rl_rng *rng);
/* New noise: I then O standard normals from rng, each through f. */
void nn_noisy_sample(nn_noisy *l, rl_rng *rng);
/* Noise zero: the layer computes with weight_mu and bias_mu (deterministic evaluation). */
void nn_noisy_zero_noise(nn_noisy *l);
/* Sets the noise to given values (already through f): eps_in (I), eps_out (O). For tests. */
void nn_noisy_set_noise(nn_noisy *l, const float *eps_in, const float *eps_out);

/* out (B, O) = inp (B, I) @ weight^T + bias with the current parameters and noise (the effective
 * weight and bias are composed first and kept for the backward). */
void nn_noisy_forward(float *out, const float *inp, nn_noisy *l, int B);
/* Backward of the last forward (same inp, parameters and noise): adds the gradients of mu and
 * sigma, writes dinp (B, I) when non-NULL. dout (B, O). */
void nn_noisy_backward(float *dinp, nn_noisy *l, const float *dout, const float *inp, int B);
/* The same with plain loops (nn_dense_*_ref), for the tests. */
void nn_noisy_forward_ref(float *out, const float *inp, nn_noisy *l, int B);
void nn_noisy_backward_ref(float *dinp, nn_noisy *l, const float *dout, const float *inp, int B);

/* The checkpoint tensors of l: "prefix.weight_mu" (O, I), "prefix.bias_mu" (O),
 * "prefix.weight_sigma" (O, I), "prefix.bias_sigma" (O), names in names (48 bytes each);
 * returns 4. The noise is not a parameter and is not saved. */
int nn_noisy_tensors(nn_tensor *t, char names[][48], const char *prefix, const nn_noisy *l);

#endif
