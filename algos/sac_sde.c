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
    s->mem = rl_xcalloc(5 * la + (size_t)n_envs * la + 4 * ba + (size_t)B * L, sizeof(float));
    s->log_std = s->mem;
    s->grad = s->log_std + la;
    s->std = s->grad + la;
    s->eps = s->std + la;
    s->E = s->eps + la;
    s->act_E = s->E + la;
    s->noise = s->act_E + (size_t)n_envs * la;
    s->pnoise = s->noise + ba;
    s->gn = s->pnoise + ba;
    s->gs = s->gn + ba;
    s->dz = s->gs + ba;
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
    for (size_t i = 0; i < (size_t)s->L * s->A; i++) s->std[i] = expf(s->log_std[i]);
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

void sde_sample(const float *out, const float *z, const float *E, size_t e_stride, const float *std, int n, int L,
                int A, float *noise, float *u, float *a, float *sigma, float *logp)
{
    for (int i = 0; i < n; i++) {
        const float *zi = z + (size_t)i * L, *Ei = E + (size_t)i * e_stride;
        double lp = 0.0;
        for (int d = 0; d < A; d++) {
            double x = 0.0, var = SDE_VAR_EPS;
            for (int l = 0; l < L; l++) {
                x += (double)zi[l] * Ei[(size_t)l * A + d];
                if (sigma) {
                    double zs = (double)zi[l] * std[(size_t)l * A + d];
                    var += zs * zs;
                }
            }
            size_t k = (size_t)i * A + d;
            noise[k] = (float)x;
            u[k] = sde_mean(out[k]) + noise[k];
            a[k] = tanhf(u[k]);
            if (!sigma) continue;
            sigma[k] = (float)sqrt(var);
            lp += sde_logp_term(x, var, tanh((double)u[k]));
        }
        if (logp) logp[i] = (float)lp;
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

/* per row and action: gn = dJ/d(noise), gs = dJ/d(sigma) and dout = dJ/d(out) */
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
            s->gs[k] = (float)(dlogp[i] * (x * x / (var * sg) - 1.0 / sg));
        }
}

void sde_backward(sac_sde *s, const float *out, const float *z, const float *noise, const float *sigma,
                  const float *da, const float *dlogp, int n, float *dout, float *dz)
{
    const int L = s->L, A = s->A;
    sde_backward_rows(s, out, noise, sigma, da, dlogp, n, dout);
    /* noise_d = sum_l z_l E_ld, sigma_d^2 = sum_l z_l^2 std_ld^2 + eps: per latent unit l,
     * dJ/dz_l = sum_d gn_d E_ld + gs_d z_l std_ld^2 / sigma_d, and dJ/dlog std_ld = z_l (gn_d E_ld
     * + gs_d z_l std_ld^2 / sigma_d) (d E/dlog std = E, d std^2/dlog std = 2 std^2) */
    for (int i = 0; i < n; i++) {
        const float *zi = z + (size_t)i * L, *gn = s->gn + (size_t)i * A, *gs = s->gs + (size_t)i * A;
        const float *sg = sigma + (size_t)i * A;
        for (int l = 0; l < L; l++) {
            double acc = 0.0;
            for (int d = 0; d < A; d++) {
                size_t la = (size_t)l * A + d;
                double s2 = (double)s->std[la] * s->std[la];
                double g = (double)gn[d] * s->E[la] + (double)gs[d] * zi[l] * s2 / sg[d];
                acc += g;
                s->grad[la] += (float)(zi[l] * g);
            }
            dz[(size_t)i * L + l] = (float)acc;
        }
    }
}

void sde_step(sac_sde *s, float lr)
{
    s->opt.lr = lr;
    nn_adam_step(&s->opt, s->log_std, s->grad);
    sde_refresh_std(s);
}
