/* rlc nn: Adam (as torch.optim.Adam), global-norm gradient clipping (as
 * torch.nn.utils.clip_grad_norm_), linear learning-rate annealing and Polyak averaging.
 * All of them are single loops over flat buffers of identical layout. */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>

rl_status nn_adam_init(nn_adam *opt, size_t n, float lr, float beta1, float beta2, float eps,
                       char *err, size_t err_sz)
{
    opt->m = opt->v = NULL;
    opt->n = 0;
    opt->t = 0;
    if (n == 0) return rl_errf(err, err_sz, RL_ERR_ARG, "adam: no parameters to optimise");
    if (!(lr >= 0.0f) || !isfinite(lr))
        return rl_errf(err, err_sz, RL_ERR_ARG, "adam: lr must be finite and >= 0, got %g",
                       (double)lr);
    if (!(beta1 >= 0.0f && beta1 < 1.0f))
        return rl_errf(err, err_sz, RL_ERR_ARG, "adam: beta1 must be in [0, 1), got %g",
                       (double)beta1);
    if (!(beta2 >= 0.0f && beta2 < 1.0f))
        return rl_errf(err, err_sz, RL_ERR_ARG, "adam: beta2 must be in [0, 1), got %g",
                       (double)beta2);
    if (!(eps >= 0.0f) || !isfinite(eps))
        return rl_errf(err, err_sz, RL_ERR_ARG, "adam: eps must be finite and >= 0, got %g",
                       (double)eps);
    opt->m = calloc(n, sizeof(float));
    opt->v = calloc(n, sizeof(float));
    if (!opt->m || !opt->v) {
        free(opt->m);
        free(opt->v);
        opt->m = opt->v = NULL;
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "adam: cannot allocate moments for %zu floats",
                       n);
    }
    opt->lr = lr;
    opt->beta1 = beta1;
    opt->beta2 = beta2;
    opt->eps = eps;
    opt->weight_decay = 0.0f;
    opt->n = n;
    return RL_OK;
}

void nn_adam_step(nn_adam *opt, float *params, const float *grads)
{
    nn_adam_tick(opt);
    nn_adam_apply(opt, params, grads, 0, opt->n);
}

void nn_adam_tick(nn_adam *opt)
{
    RL_ASSERT(opt->m != NULL && opt->v != NULL);
    opt->t += 1;
}

void nn_adam_apply(const nn_adam *opt, float *params, const float *grads, size_t lo, size_t hi)
{
    // params (n), grads (n), opt->m (n), opt->v (n); elements lo..hi-1
    RL_ASSERT(opt->m != NULL && opt->v != NULL && opt->t > 0 && lo <= hi && hi <= opt->n);
    /* scalars in double, then rounded to float, as torch does with Python-float scalars;
     * the per-element operations follow torch's order (mul_, add_, addcmul_, sqrt, div, add,
     * addcdiv_) so that results agree to float rounding */
    double bc1 = 1.0 - pow((double)opt->beta1, (double)opt->t);
    double bc2 = 1.0 - pow((double)opt->beta2, (double)opt->t);
    const float step_size = (float)((double)opt->lr / bc1);
    const float bc2_sqrt = (float)sqrt(bc2);
    const float b1 = opt->beta1, b2 = opt->beta2, eps = opt->eps, wd = opt->weight_decay;
    const float omb1 = (float)(1.0 - (double)b1), omb2 = (float)(1.0 - (double)b2);
    float *m = opt->m, *v = opt->v;
    for (size_t i = lo; i < hi; i++) {
        float g = grads[i];
        if (wd != 0.0f) g = g + wd * params[i];
        float mi = m[i] * b1;
        mi = mi + omb1 * g;
        float vi = v[i] * b2;
        vi = vi + omb2 * g * g;
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) / bc2_sqrt + eps;
        params[i] = params[i] + (-step_size) * mi / denom;
    }
}

void nn_adam_free(nn_adam *opt)
{
    if (!opt) return;
    free(opt->m);
    free(opt->v);
    opt->m = opt->v = NULL;
    opt->n = 0;
}

float nn_clip_grad_norm(float *grads, size_t n, float max_norm)
{
    // grads (n)
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) ss += (double)grads[i] * (double)grads[i];
    double norm = sqrt(ss);
    if (max_norm > 0.0f) {
        double coef = (double)max_norm / (norm + 1e-6);
        if (coef < 1.0) {
            float c = (float)coef;
            for (size_t i = 0; i < n; i++) grads[i] *= c;
        }
    }
    return (float)norm;
}

double nn_sumsq(const float *x, size_t n)
{
    // x (n)
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += (double)x[i] * x[i];
        s1 += (double)x[i + 1] * x[i + 1];
        s2 += (double)x[i + 2] * x[i + 2];
        s3 += (double)x[i + 3] * x[i + 3];
    }
    for (; i < n; i++) s0 += (double)x[i] * x[i];
    return (s0 + s1) + (s2 + s3);
}

float nn_clip_coef(double ss, float max_norm, float *norm)
{
    double nrm = sqrt(ss);
    *norm = (float)nrm;
    if (max_norm > 0.0f) {
        double coef = (double)max_norm / (nrm + 1e-6);
        if (coef < 1.0) return (float)coef;
    }
    return 1.0f;
}

float nn_clip_grad_norm2(float *g1, size_t n1, float *g2, size_t n2, float max_norm)
{
    // g1 (n1), g2 (n2)
    double ss = 0.0;
    for (size_t i = 0; i < n1; i++) ss += (double)g1[i] * (double)g1[i];
    for (size_t i = 0; i < n2; i++) ss += (double)g2[i] * (double)g2[i];
    double norm = sqrt(ss);
    if (max_norm > 0.0f) {
        double coef = (double)max_norm / (norm + 1e-6);
        if (coef < 1.0) {
            float c = (float)coef;
            for (size_t i = 0; i < n1; i++) g1[i] *= c;
            for (size_t i = 0; i < n2; i++) g2[i] *= c;
        }
    }
    return (float)norm;
}

float nn_lr_linear(float lr0, int64_t done, int64_t total)
{
    RL_ASSERT(total > 0);
    if (done < 0) done = 0;
    if (done > total) done = total;
    return (float)((double)lr0 * (1.0 - (double)done / (double)total));
}

void nn_polyak(float *target, const float *source, size_t n, float tau)
{
    // target (n), source (n)
    const float keep = 1.0f - tau;
    for (size_t i = 0; i < n; i++) target[i] = tau * source[i] + keep * target[i];
}
