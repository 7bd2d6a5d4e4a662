/* rlc algos: gSDE for SAC (algos/sac_sde.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algos/sac_sde.h"
#include "core/mathx.h"

#define LOG_2PI 1.8378770664093453

rl_status sde_init(sac_sde *s, int L, int A, int n_envs, int B, float log_std_init, int64_t sample_freq, float lr,
                   char *err, size_t err_sz)
{
    size_t la = (size_t)L * A, ba = (size_t)B * A;
    s->L = L;
    s->A = A;
    s->n_envs = n_envs;
    s->B = B;
    s->sample_freq = sample_freq;
    s->since = 0;
    size_t bl = (size_t)B * L;
    s->mem = rl_xcalloc(8 * la + (size_t)n_envs * la + 4 * ba + 3 * bl, sizeof(float));
    float *m = s->mem;
    s->log_std = m, m += la;
    s->grad = m, m += la;
    s->std = m, m += la;
    s->std2 = m, m += la;
    s->eps = m, m += la;
    s->E = m, m += la;
    s->g1 = m, m += la;
    s->g2 = m, m += la;
    s->act_E = m, m += (size_t)n_envs * la;
    s->noise = m, m += ba;
    s->pnoise = m, m += ba;
    s->gn = m, m += ba;
    s->h = m, m += ba;
    s->z2 = m, m += bl;
    s->pz2 = m, m += bl;
    s->dz = m;
    for (size_t i = 0; i < la; i++) s->log_std[i] = log_std_init;
    sde_refresh_std(s);
    return nn_adam_init(&s->opt, la, lr, 0.9f, 0.999f, 1e-8f, err, err_sz);
}

void sde_free(sac_sde *s)
{
    free(s->mem);
    s->mem = NULL;
    nn_adam_free(&s->opt);
}

void sde_refresh_std(sac_sde *s)
{
    for (size_t i = 0; i < (size_t)s->L * s->A; i++) {
        s->std[i] = expf(s->log_std[i]);
        s->std2[i] = s->std[i] * s->std[i];
    }
}

void sde_draw_update(sac_sde *s, rl_rng *rng, const float *eps_given)
{
    size_t la = (size_t)s->L * s->A;
    for (size_t i = 0; i < la; i++) {
        s->eps[i] = eps_given ? eps_given[i] : (float)rl_rng_normal(rng);
        s->E[i] = s->std[i] * s->eps[i];
    }
}

void sde_draw_act(sac_sde *s, rl_rng *rng)
{
    size_t la = (size_t)s->L * s->A;
    for (int e = 0; e < s->n_envs; e++)
        for (size_t i = 0; i < la; i++) s->act_E[(size_t)e * la + i] = s->std[i] * (float)rl_rng_normal(rng);
    s->since = 0;
}

/* the mean: out clipped to [-2, 2] (a hardtanh) */
static inline float sde_mean(float o) { return rl_clampf(o, -SDE_CLIP_MEAN, SDE_CLIP_MEAN); }

/* log N(u; m, sigma) with u - m = x, sigma^2 = var, minus the tanh correction at t = tanh(u) (in
 * double: float's tanh near +-1 would cost 1e-4 of the correction) */
static inline double sde_logp_term(double x, double var, double t)
{
    return -0.5 * x * x / var - 0.5 * log(var) - 0.5 * LOG_2PI - log(1.0 - t * t + (double)SDE_TANH_EPS);
}

void sde_sample(const sac_sde *s, const float *out, const float *z, int n, float *z2, float *noise, float *u,
                float *a, float *sigma, float *logp)
{
    const int L = s->L, A = s->A;
    for (size_t i = 0; i < (size_t)n * L; i++) z2[i] = z[i] * z[i];
    nn_sgemm(false, false, n, A, L, z, L, s->E, A, 0.0f, noise, A);        /* z E */
    nn_sgemm(false, false, n, A, L, z2, L, s->std2, A, 0.0f, sigma, A);    /* z^2 std^2 */
    for (int i = 0; i < n; i++) {
        double lp = 0.0;
        for (int d = 0; d < A; d++) {
            size_t k = (size_t)i * A + d;
            double var = (double)sigma[k] + SDE_VAR_EPS;
            sigma[k] = (float)sqrt(var);
            u[k] = sde_mean(out[k]) + noise[k];
            a[k] = tanhf(u[k]);
            lp += sde_logp_term(noise[k], var, tanh((double)u[k]));
        }
        logp[i] = (float)lp;
    }
}

void sde_sample_rows(const float *out, const float *z, const float *E, int n, int L, int A, float *noise, float *a)
{
    for (int i = 0; i < n; i++) {
        const float *Ei = E + (size_t)i * L * A;
        nn_sgemm(false, false, 1, A, L, z + (size_t)i * L, L, Ei, A, 0.0f, noise + (size_t)i * A, A);
        for (int d = 0; d < A; d++) {
            size_t k = (size_t)i * A + d;
            a[k] = tanhf(sde_mean(out[k]) + noise[k]);
        }
    }
}

void sde_sample_fresh(const float *out, const float *z, const float *std, int n, int L, int A, rl_rng *rng,
                      float *a)
{
    for (int i = 0; i < n; i++)
        for (int d = 0; d < A; d++) {
            double var = 0.0;
            for (int l = 0; l < L; l++) {
                double zs = (double)z[(size_t)i * L + l] * std[(size_t)l * A + d];
                var += zs * zs;
            }
            size_t k = (size_t)i * A + d;
            a[k] = tanhf(sde_mean(out[k]) + (float)(sqrt(var) * rl_rng_normal(rng)));
        }
}

/* per row and action: gn = dJ/d(noise), h = dJ/d(sigma) / sigma and dout = dJ/d(out) */
static void sde_backward_rows(sac_sde *s, const float *out, const float *noise, const float *sigma,
                              const float *da, const float *dlogp, int n, float *dout)
{
    const int A = s->A;
    for (int i = 0; i < n; i++)
        for (int d = 0; d < A; d++) {
            size_t k = (size_t)i * A + d;
            float u = sde_mean(out[k]) + noise[k];   /* the forward's u, bit for bit */
            double t = tanh((double)u), g = 1.0 - t * t, sg = sigma[k], var = sg * sg, x = noise[k];
            /* d(-log(1 - tanh(u)^2 + eps))/du = 2 t g / (g + eps) */
            double du = (da ? da[k] * g : 0.0) + dlogp[i] * 2.0 * t * g / (g + SDE_TANH_EPS);
            bool clipped = !(out[k] > -SDE_CLIP_MEAN && out[k] < SDE_CLIP_MEAN);
            dout[k] = clipped ? 0.0f : (float)du;
            s->gn[k] = (float)(du - dlogp[i] * x / var);
            s->h[k] = (float)(dlogp[i] * (x * x / var - 1.0) / var);   /* dJ/dsigma / sigma */
        }
}

void sde_backward(sac_sde *s, const float *out, const float *z, const float *z2, const float *noise,
                  const float *sigma, const float *da, const float *dlogp, int n, float *dout, float *dz)
{
    const int L = s->L, A = s->A;
    sde_backward_rows(s, out, noise, sigma, da, dlogp, n, dout);
    /* noise = z E and sigma^2 = z^2 std^2 + eps, so with h = dJ/dsigma / sigma:
     *   dJ/dz = z * (h std2^T) + gn E^T
     *   dJ/dlog_std = E * (z^T gn) + std2 * (z2^T h)   (dE/dlog_std = E, d std^2/dlog_std = 2 std^2) */
    nn_sgemm(false, true, n, L, A, s->h, A, s->std2, A, 0.0f, dz, L);
    for (size_t i = 0; i < (size_t)n * L; i++) dz[i] *= z[i];
    nn_sgemm(false, true, n, L, A, s->gn, A, s->E, A, 1.0f, dz, L);
    nn_sgemm(true, false, L, A, n, z, L, s->gn, A, 0.0f, s->g1, A);
    nn_sgemm(true, false, L, A, n, z2, L, s->h, A, 0.0f, s->g2, A);
    for (size_t i = 0; i < (size_t)L * A; i++) s->grad[i] += s->E[i] * s->g1[i] + s->std2[i] * s->g2[i];
}

void sde_step(sac_sde *s, float lr)
{
    s->opt.lr = lr;
    nn_adam_step(&s->opt, s->log_std, s->grad);
    sde_refresh_std(s);
}
