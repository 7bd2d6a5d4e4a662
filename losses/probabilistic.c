/* rlc losses: likelihood and divergence losses (Gaussian NLL, KL between categoricals and between
 * diagonal Gaussians, the VAE negative ELBO). */
#include <math.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

float loss_gaussian_nll(const float *mu, const float *target, const float *var, const float *w,
                        int n, float eps, int full, float *dmu, float *dvar)
{
    RL_ASSERT(mu && target && var && n > 0 && eps > 0.0f);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        RL_ASSERT(var[i] >= 0.0f);
        double v = var[i] < eps ? eps : var[i], d = (double)mu[i] - target[i], wi = LW(w, i);
        s += wi * 0.5 * (log(v) + d * d / v + (full ? log(2.0 * M_PI) : 0.0));
        if (dmu) dmu[i] = (float)(wi * inv * d / v);
        if (dvar) dvar[i] = (float)(wi * inv * 0.5 * (1.0 / v - d * d / (v * v)));
    }
    return (float)(s * inv);
}

float loss_kl_categorical(const float *logits_p, const float *logits_q, const float *w, int n,
                          int K, float *dlogits_p, float *dlogits_q)
{
    RL_ASSERT(logits_p && logits_q && n > 0 && K > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        const float *zp = logits_p + (size_t)i * K, *zq = logits_q + (size_t)i * K;
        double lp_ = lm_lse(zp, K, 1.0), lq_ = lm_lse(zq, K, 1.0), kl = 0.0, wi = LW(w, i);
        for (int c = 0; c < K; c++) {
            double lp = zp[c] - lp_, lq = zq[c] - lq_, p = exp(lp);
            if (p > 0.0) kl += p * (lp - lq);
        }
        s += wi * kl;
        for (int c = 0; c < K; c++) {
            double lp = zp[c] - lp_, lq = zq[c] - lq_, p = exp(lp);
            /* dKL/dzp_c = p_c (log p_c - log q_c - KL); dKL/dzq_c = q_c - p_c */
            if (dlogits_p) dlogits_p[(size_t)i * K + c] = (float)(wi * inv * p * (lp - lq - kl));
            if (dlogits_q) dlogits_q[(size_t)i * K + c] = (float)(wi * inv * (exp(lq) - p));
        }
    }
    return (float)(s * inv);
}

float loss_kl_diag_gaussian(const float *mu1, const float *log_std1, const float *mu2,
                            const float *log_std2, const float *w, int n, int D, float *dmu1,
                            float *dlog_std1, float *dmu2, float *dlog_std2)
{
    RL_ASSERT(mu1 && log_std1 && mu2 && log_std2 && n > 0 && D > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double wi = LW(w, i);
        for (int d = 0; d < D; d++) {
            size_t k = (size_t)i * D + d;
            double l1 = log_std1[k], l2 = log_std2[k], dm = (double)mu1[k] - mu2[k];
            /* ratio = s1^2 / s2^2 and dm^2 / s2^2 via exp of log-differences (no overflow of s^2) */
            double r = exp(2.0 * (l1 - l2)), m2 = dm * dm * exp(-2.0 * l2);
            s += wi * (l2 - l1 + 0.5 * (r + m2) - 0.5);
            double g_mu = dm * exp(-2.0 * l2);
            if (dmu1) dmu1[k] = (float)(wi * inv * g_mu);
            if (dmu2) dmu2[k] = (float)(wi * inv * -g_mu);
            if (dlog_std1) dlog_std1[k] = (float)(wi * inv * (r - 1.0));
            if (dlog_std2) dlog_std2[k] = (float)(wi * inv * (1.0 - r - m2));
        }
    }
    return (float)(s * inv);
}

float loss_vae_elbo(const float *x_hat, const float *x, const float *mu, const float *logvar,
                    const float *w, int n, int Dx, int Dz, float beta, float free_bits,
                    int recon_bce, float *scratch, float *dx_hat, float *dmu, float *dlogvar,
                    float *kl_out)
{
    RL_ASSERT(x_hat && x && mu && logvar && n > 0 && Dx > 0 && Dz > 0);
    RL_ASSERT(beta >= 0.0f && free_bits >= 0.0f && (free_bits == 0.0f || scratch));
    double inv = 1.0 / n, rec = 0.0, kl_sum = 0.0;
    for (int i = 0; i < n; i++) {
        double wi = LW(w, i);
        for (int d = 0; d < Dx; d++) {
            size_t k = (size_t)i * Dx + d;
            double a = x_hat[k], b = x[k], l, g;
            if (recon_bce) {
                l = b * lm_softplus(-a) + (1.0 - b) * lm_softplus(a);
                g = lm_sigmoid(a) - b;
            } else {
                l = (a - b) * (a - b);
                g = 2.0 * (a - b);
            }
            rec += wi * l;
            if (dx_hat) dx_hat[k] = (float)(wi * inv * g);
        }
    }
    /* per-dimension batch-mean KL, clamped from below by free_bits */
    if (scratch)
        for (int j = 0; j < Dz; j++) scratch[j] = 0.0f;
    for (int i = 0; i < n; i++) {
        double wi = LW(w, i);
        for (int j = 0; j < Dz; j++) {
            size_t k = (size_t)i * Dz + j;
            double kl = 0.5 * ((double)mu[k] * mu[k] + exp(logvar[k]) - 1.0 - logvar[k]);
            kl_sum += wi * kl;
            if (scratch) scratch[j] += (float)(wi * kl * inv);
        }
    }
    double kl_term = 0.0;
    if (free_bits > 0.0f)
        for (int j = 0; j < Dz; j++) kl_term += scratch[j] > free_bits ? scratch[j] : free_bits;
    else
        kl_term = kl_sum * inv;
    for (int i = 0; i < n; i++) {
        double wi = LW(w, i);
        for (int j = 0; j < Dz; j++) {
            size_t k = (size_t)i * Dz + j;
            int active = free_bits == 0.0f || scratch[j] > free_bits;
            double f = active ? wi * inv * beta : 0.0;
            if (dmu) dmu[k] = (float)(f * mu[k]);
            if (dlogvar) dlogvar[k] = (float)(f * 0.5 * (exp(logvar[k]) - 1.0));
        }
    }
    if (kl_out) *kl_out = (float)(kl_sum * inv);
    return (float)(rec * inv + beta * kl_term);
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */

static int chk_full(const float *p, char *why, size_t sz) { return loss_check_whole(p, 1, "full", why, sz); }
static int chk_recon(const float *p, char *why, size_t sz) { return loss_check_whole(p, 2, "recon_bce", why, sz); }

LOSS_DEF(330, gaussian_nll,
         LOSS_KERNEL("loss_gaussian_nll"),
         .formula = "mean w 0.5 (log v + (mu - y)^2 / v) [+ 0.5 log 2 pi], v = max(var, eps)",
         .n_params = 2,
         .params = {P_POS("eps", 1e-6f, "variance floor"), P_FLAG("full", 0.0f, "add the constant")},
         .check = chk_full);
LOSS_DEF(340, kl_categorical,
         LOSS_KERNEL("loss_kl_categorical"),
         .formula = "mean w sum_k p_k (log p_k - log q_k) from logits (forward: p = data; reverse: swap)");
LOSS_DEF(350, kl_diag_gaussian,
         LOSS_KERNEL("loss_kl_diag_gaussian"),
         .formula = "mean w sum_d [log s2 - log s1 + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2]");
LOSS_DEF(360, vae_elbo,
         LOSS_KERNEL("loss_vae_elbo"),
         .formula = "mean w recon(x_hat, x) + beta sum_j max(mean KL_j, free_bits), KL to N(0, I)",
         .n_params = 3,
         .params = {P_NONNEG("beta", 1.0f, "weight of the KL term (beta-VAE)"),
                    P_NONNEG("free_bits", 0.0f, "nats per latent dimension left unpenalised"),
                    P_FLAG("recon_bce", 0.0f, "0: squared error, 1: BCE with logits")},
         .check = chk_recon);
