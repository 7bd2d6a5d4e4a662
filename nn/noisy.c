/* rlc nn: NoisyLinear with factorised Gaussian noise (nn/noisy.h). The kernels compose the
 * effective weight and bias from mu, sigma and the noise, then run the dense layer's GEMMs on them
 * (nn_dense_forward/_backward, through nn_sgemm); the _ref twins run the dense layer's plain loops
 * instead. Nothing allocates. */
#include "nn/noisy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void nn_noisy_shape(nn_noisy *l, int I, int O)
{
    RL_ASSERT(I > 0 && O > 0);
    memset(l, 0, sizeof *l);
    l->I = I;
    l->O = O;
    l->n_params = 2 * ((size_t)O * I + O);
}

size_t nn_noisy_state_floats(const nn_noisy *l)
{
    return (size_t)l->I + l->O + 2 * ((size_t)l->O * l->I + l->O);
}

void nn_noisy_bind(nn_noisy *l, float *params, float *grads, float *state)
{
    RL_ASSERT(params != NULL && state != NULL);
    size_t OI = (size_t)l->O * l->I, O = (size_t)l->O;
    l->w_mu = params, l->b_mu = params + OI, l->w_sigma = params + OI + O, l->b_sigma = params + 2 * OI + O;
    if (grads) l->dw_mu = grads, l->db_mu = grads + OI, l->dw_sigma = grads + OI + O, l->db_sigma = grads + 2 * OI + O;
    else l->dw_mu = l->db_mu = l->dw_sigma = l->db_sigma = NULL;
    l->eps_in = state, l->eps_out = state + l->I;
    l->w = l->eps_out + O, l->b = l->w + OI, l->dw = l->b + O, l->db = l->dw + OI;
    memset(state, 0, nn_noisy_state_floats(l) * sizeof(float));
}

void nn_noisy_init(nn_noisy *l, float sigma0, rl_rng *rng)
{
    size_t OI = (size_t)l->O * l->I;
    double r = 1.0 / sqrt((double)l->I);
    for (size_t i = 0; i < OI; i++) l->w_mu[i] = (float)rl_rng_uniform(rng, -r, r);
    for (int o = 0; o < l->O; o++) l->b_mu[o] = (float)rl_rng_uniform(rng, -r, r);
    float s = (float)(sigma0 * r);
    for (size_t i = 0; i < OI; i++) l->w_sigma[i] = s;
    for (int o = 0; o < l->O; o++) l->b_sigma[o] = s;
}

/* f(x) = sgn(x) sqrt(|x|) */
static float noise_f(double x)
{
    return (float)(x < 0.0 ? -sqrt(-x) : sqrt(x));
}

void nn_noisy_sample(nn_noisy *l, rl_rng *rng)
{
    for (int i = 0; i < l->I; i++) l->eps_in[i] = noise_f(rl_rng_normal(rng));
    for (int o = 0; o < l->O; o++) l->eps_out[o] = noise_f(rl_rng_normal(rng));
}

void nn_noisy_zero_noise(nn_noisy *l)
{
    memset(l->eps_in, 0, (size_t)l->I * sizeof(float));
    memset(l->eps_out, 0, (size_t)l->O * sizeof(float));
}

void nn_noisy_set_noise(nn_noisy *l, const float *eps_in, const float *eps_out)
{
    memcpy(l->eps_in, eps_in, (size_t)l->I * sizeof(float));
    memcpy(l->eps_out, eps_out, (size_t)l->O * sizeof(float));
}

/* w = w_mu + w_sigma * eps_out eps_in^T, b = b_mu + b_sigma * eps_out */
static void compose(nn_noisy *l)
{
    for (int o = 0; o < l->O; o++) {
        const float *mu = l->w_mu + (size_t)o * l->I, *sg = l->w_sigma + (size_t)o * l->I;
        float *w = l->w + (size_t)o * l->I, eo = l->eps_out[o];
        for (int i = 0; i < l->I; i++) w[i] = mu[i] + sg[i] * (eo * l->eps_in[i]);
        l->b[o] = l->b_mu[o] + l->b_sigma[o] * eo;
    }
}

/* the effective weight's gradients (dw, db) into mu's and sigma's */
static void chain(nn_noisy *l)
{
    if (!l->dw_mu) return;
    for (int o = 0; o < l->O; o++) {
        const float *dw = l->dw + (size_t)o * l->I;
        float *dmu = l->dw_mu + (size_t)o * l->I, *dsg = l->dw_sigma + (size_t)o * l->I, eo = l->eps_out[o];
        for (int i = 0; i < l->I; i++) {
            dmu[i] += dw[i];
            dsg[i] += dw[i] * (eo * l->eps_in[i]);
        }
        l->db_mu[o] += l->db[o];
        l->db_sigma[o] += l->db[o] * eo;
    }
}

void nn_noisy_forward(float *out, const float *inp, nn_noisy *l, int B)
{
    compose(l);
    nn_dense_forward(out, inp, l->w, l->b, B, l->I, l->O);
}

void nn_noisy_backward(float *dinp, nn_noisy *l, const float *dout, const float *inp, int B)
{
    size_t OI = (size_t)l->O * l->I;
    memset(l->dw, 0, (OI + l->O) * sizeof(float));   /* dw and db are contiguous */
    nn_dense_backward(dinp, l->dw_mu ? l->dw : NULL, l->dw_mu ? l->db : NULL, dout, inp, l->w, B, l->I, l->O);
    chain(l);
}

void nn_noisy_forward_ref(float *out, const float *inp, nn_noisy *l, int B)
{
    compose(l);
    nn_dense_forward_ref(out, inp, l->w, l->b, B, l->I, l->O);
}

void nn_noisy_backward_ref(float *dinp, nn_noisy *l, const float *dout, const float *inp, int B)
{
    size_t OI = (size_t)l->O * l->I;
    memset(l->dw, 0, (OI + l->O) * sizeof(float));
    nn_dense_backward_ref(dinp, l->dw_mu ? l->dw : NULL, l->dw_mu ? l->db : NULL, dout, inp, l->w, B, l->I, l->O);
    chain(l);
}

int nn_noisy_tensors(nn_tensor *t, char names[][48], const char *prefix, const nn_noisy *l)
{
    static const char *const what[4] = {"weight_mu", "bias_mu", "weight_sigma", "bias_sigma"};
    float *data[4] = {l->w_mu, l->b_mu, l->w_sigma, l->b_sigma};
    for (int k = 0; k < 4; k++) {
        snprintf(names[k], 48, "%s.%s", prefix, what[k]);
        bool mat = k % 2 == 0;
        t[k] = (nn_tensor){names[k], data[k], mat ? 2 : 1, {l->O, mat ? l->I : 0}};
    }
    return 4;
}
