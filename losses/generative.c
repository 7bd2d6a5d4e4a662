/* rlc losses: more generative objectives: the v-prediction target and loss of diffusion models
 * (Salimans & Ho 2022) and the exact negative log-likelihood of a normalizing flow from its
 * latents and log-determinants (Dinh et al. 2017). */
#include <math.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

void loss_diffusion_v_target(float *v, const float *x0, const float *eps, const float *alpha_bar,
                             int n, int D)
{
    RL_ASSERT(v && x0 && eps && alpha_bar && n > 0 && D > 0);
    for (int i = 0; i < n; i++) {
        RL_ASSERT(alpha_bar[i] > 0.0f && alpha_bar[i] <= 1.0f);
        double a = sqrt((double)alpha_bar[i]), s = sqrt(1.0 - (double)alpha_bar[i]);
        for (int d = 0; d < D; d++) {
            size_t k = (size_t)i * D + d;
            v[k] = (float)(a * eps[k] - s * x0[k]);
        }
    }
}

float loss_diffusion_v(const float *v_hat, const float *v, const float *w, int n, int D,
                       float *dv_hat)
{
    /* the same regression as epsilon-prediction, against the v target */
    return loss_diffusion_eps(v_hat, v, w, n, D, dv_hat);
}

float loss_flow_nll(const float *z, const float *logdet, const float *w, int n, int D, float *dz,
                    float *dlogdet)
{
    RL_ASSERT(z && logdet && n > 0 && D > 0);
    const double half_log_2pi = 0.91893853320467274178;
    double loss = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        const float *zi = z + (size_t)i * D;
        double wi = LW(w, i);
        loss += wi * (0.5 * lm_dot(zi, zi, D) + D * half_log_2pi - logdet[i]);
        if (dz)
            for (int d = 0; d < D; d++) dz[(size_t)i * D + d] = (float)(wi * inv * zi[d]);
        if (dlogdet) dlogdet[i] = (float)(-wi * inv);
    }
    return (float)(loss * inv);
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */


LOSS_DEF(850, diffusion_v,
         LOSS_KERNEL("loss_diffusion_v_target, loss_diffusion_v"),
         .formula = "mean w mean_d (v_hat(x_t, t) - v)^2, v = sqrt(abar) eps - sqrt(1 - abar) x0");
LOSS_DEF(860, flow_nll,
         LOSS_KERNEL("loss_flow_nll"),
         .formula = "mean w [0.5 ||z||^2 + 0.5 D log 2 pi - log|det dz/dx|]");
