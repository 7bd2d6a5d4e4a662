/* rlc losses: the RSSM world-model objective of Dreamer (Hafner et al. 2020, 2021, 2023) with
 * categorical latents: reconstruction, reward and continue terms, and the KL between posterior and
 * prior with free nats and KL balancing. */
#include <math.h>
#include <string.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

/* KL(q || p) summed over S groups of C logits; when dpost / dprior are non-NULL, writes gq times
 * dKL/dpost (q (log q - log p - KL_g)) and gp times dKL/dprior (p - q). */
static double rssm_kl(const float *post, const float *prior, int S, int C, double gq, double gp,
                      float *dpost, float *dprior)
{
    double kl = 0.0;
    for (int g = 0; g < S; g++) {
        const float *u = post + (size_t)g * C, *v = prior + (size_t)g * C;
        double lq = lm_lse(u, C, 1.0), lp = lm_lse(v, C, 1.0), klg = 0.0;
        for (int c = 0; c < C; c++) klg += exp(u[c] - lq) * ((u[c] - lq) - (v[c] - lp));
        kl += klg;
        for (int c = 0; c < C; c++) {
            double q = exp(u[c] - lq), p = exp(v[c] - lp);
            if (dpost) dpost[(size_t)g * C + c] = (float)(gq * q * ((u[c] - lq) - (v[c] - lp) - klg));
            if (dprior) dprior[(size_t)g * C + c] = (float)(gp * (p - q));
        }
    }
    return kl;
}

float loss_rssm(const float *obs_hat, const float *obs, const float *post, const float *prior,
                const float *reward_hat, const float *reward, const float *cont_logit,
                const float *cont, const float *w, int n, int Dx, int S, int C, float kl_balance,
                float free_nats, float kl_scale, float reward_scale, float cont_scale,
                float *terms_out, float *dobs_hat, float *dpost, float *dprior,
                float *dreward_hat, float *dcont_logit)
{
    RL_ASSERT(obs_hat && obs && post && prior && reward_hat && reward && cont_logit && cont);
    RL_ASSERT(n > 0 && Dx > 0 && S > 0 && C > 1 && kl_balance >= 0.0f && kl_balance <= 1.0f);
    double inv = 1.0 / n, t[4] = {0.0, 0.0, 0.0, 0.0}, loss = 0.0;
    size_t L = (size_t)S * C;
    for (int i = 0; i < n; i++) {
        double wi = LW(w, i), gi = wi * inv;
        const float *xh = obs_hat + (size_t)i * Dx, *x = obs + (size_t)i * Dx;
        /* reconstruction: unit-variance Gaussian log-likelihood without its constant */
        double rec = 0.0;
        for (int d = 0; d < Dx; d++) {
            double e = (double)xh[d] - x[d];
            rec += 0.5 * e * e;
            if (dobs_hat) dobs_hat[(size_t)i * Dx + d] = (float)(gi * e);
        }
        double er = (double)reward_hat[i] - reward[i], rew = 0.5 * er * er;
        double xc = cont_logit[i], con = cont[i] * lm_softplus(-xc) + (1.0 - cont[i]) * lm_softplus(xc);
        if (dreward_hat) dreward_hat[i] = (float)(gi * reward_scale * er);
        if (dcont_logit) dcont_logit[i] = (float)(gi * cont_scale * (lm_sigmoid(xc) - cont[i]));
        /* KL balancing: kl_balance of the gradient trains the prior, the rest the posterior;
         * free nats: a KL under the floor costs free_nats and gets no gradient */
        const float *u = post + i * L, *v = prior + i * L;
        float *dq = dpost ? dpost + i * L : NULL, *dp = dprior ? dprior + i * L : NULL;
        double kl = rssm_kl(u, v, S, C, gi * kl_scale * (1.0 - kl_balance), gi * kl_scale * kl_balance, dq, dp);
        if (kl <= free_nats) {
            if (dq) memset(dq, 0, sizeof(float) * L);
            if (dp) memset(dp, 0, sizeof(float) * L);
        }
        double kl_term = kl > free_nats ? kl : free_nats;
        loss += wi * (rec + kl_scale * kl_term + reward_scale * rew + cont_scale * con);
        t[0] += wi * rec, t[1] += wi * kl, t[2] += wi * rew, t[3] += wi * con;
    }
    if (terms_out)
        for (int k = 0; k < 4; k++) terms_out[k] = (float)(t[k] * inv);
    return (float)(loss * inv);
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */


LOSS_DEF(870, rssm,
         LOSS_KERNEL("loss_rssm"),
         .formula = "mean w [0.5 ||x_hat - x||^2 + kl_scale max(free, KL(q || p)) + reward_scale 0.5 "
                    "(r_hat - r)^2 + cont_scale BCE(c_logit, c)], KL balanced",
         .n_params = 5,
         .params = {P_CLOSED01("kl_balance", 0.8f, "share of the KL gradient that trains the prior"),
                    P_NONNEG("free_nats", 1.0f, "KL per sample left unpenalised"),
                    P_NONNEG("kl_scale", 1.0f, "weight of the KL term"),
                    P_NONNEG("reward_scale", 1.0f, "weight of the reward term"),
                    P_NONNEG("cont_scale", 1.0f, "weight of the continue term")});
