/* rlc nn: RMSprop exactly as torch.optim.RMSprop with momentum = 0, centered = False,
 * weight_decay = 0 (the optimizer of A2C in Mnih et al. 2016 and Stable-Baselines3). */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>

rl_status nn_rmsprop_init(nn_rmsprop *opt, size_t n, float lr, float alpha, float eps, char *err,
                          size_t err_sz)
{
    opt->v = NULL;
    opt->n = 0;
    opt->t = 0;
    if (n == 0) return rl_errf(err, err_sz, RL_ERR_ARG, "rmsprop: no parameters to optimise");
    if (!(lr >= 0.0f) || !isfinite(lr))
        return rl_errf(err, err_sz, RL_ERR_ARG, "rmsprop: lr must be finite and >= 0, got %g", (double)lr);
    if (!(alpha >= 0.0f && alpha < 1.0f))
        return rl_errf(err, err_sz, RL_ERR_ARG, "rmsprop: alpha must be in [0, 1), got %g", (double)alpha);
    if (!(eps >= 0.0f) || !isfinite(eps))
        return rl_errf(err, err_sz, RL_ERR_ARG, "rmsprop: eps must be finite and >= 0, got %g", (double)eps);
    opt->v = calloc(n, sizeof(float));
    if (!opt->v) return rl_errf(err, err_sz, RL_ERR_NOMEM, "rmsprop: cannot allocate %zu floats", n);
    opt->n = n;
    opt->lr = lr;
    opt->alpha = alpha;
    opt->eps = eps;
    return RL_OK;
}

void nn_rmsprop_step(nn_rmsprop *opt, float *params, const float *grads)
{
    // params, grads, v (n)
    const float a = opt->alpha, lr = opt->lr, eps = opt->eps;
    opt->t++;
    for (size_t i = 0; i < opt->n; i++) {
        float g = grads[i];
        float v = a * opt->v[i] + (1.0f - a) * g * g;
        opt->v[i] = v;
        params[i] -= lr * g / (sqrtf(v) + eps);
    }
}

void nn_rmsprop_free(nn_rmsprop *opt)
{
    if (!opt) return;
    free(opt->v);
    opt->v = NULL;
    opt->n = 0;
}
