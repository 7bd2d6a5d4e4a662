/* rlc losses: preference and alignment losses over sequence log-probabilities (summed over the
 * tokens of a response): Bradley-Terry, DPO, IPO, KTO, SimPO, ORPO. */
#include <math.h>

#include "losses/lmath.h"
#include "losses/loss.h"

float loss_bradley_terry(const float *r_chosen, const float *r_rejected, const float *w, int n,
                         float *dchosen, float *drejected)
{
    RL_ASSERT(r_chosen && r_rejected && n > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double h = (double)r_chosen[i] - r_rejected[i], wi = LW(w, i), g = -lm_sigmoid(-h);
        s += wi * lm_softplus(-h);
        if (dchosen) dchosen[i] = (float)(wi * inv * g);
        if (drejected) drejected[i] = (float)(-wi * inv * g);
    }
    return (float)(s * inv);
}

float loss_dpo(const float *pc, const float *pr, const float *ref_c, const float *ref_r,
               const float *w, int n, float beta, float label_smoothing, float *dpc, float *dpr)
{
    RL_ASSERT(pc && pr && ref_c && ref_r && n > 0 && beta > 0.0f);
    double s = 0.0, inv = 1.0 / n, e = label_smoothing;
    for (int i = 0; i < n; i++) {
        double h = beta * (((double)pc[i] - ref_c[i]) - ((double)pr[i] - ref_r[i])), wi = LW(w, i);
        s += wi * ((1.0 - e) * lm_softplus(-h) + e * lm_softplus(h));
        double g = beta * (-(1.0 - e) * lm_sigmoid(-h) + e * lm_sigmoid(h));
        if (dpc) dpc[i] = (float)(wi * inv * g);
        if (dpr) dpr[i] = (float)(-wi * inv * g);
    }
    return (float)(s * inv);
}

float loss_ipo(const float *pc, const float *pr, const float *ref_c, const float *ref_r,
               const float *w, int n, float tau, float *dpc, float *dpr)
{
    RL_ASSERT(pc && pr && ref_c && ref_r && n > 0 && tau > 0.0f);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double h = ((double)pc[i] - ref_c[i]) - ((double)pr[i] - ref_r[i]) - 0.5 / tau;
        double wi = LW(w, i);
        s += wi * h * h;
        if (dpc) dpc[i] = (float)(wi * inv * 2.0 * h);
        if (dpr) dpr[i] = (float)(-wi * inv * 2.0 * h);
    }
    return (float)(s * inv);
}

float loss_kto(const float *logp, const float *ref, const unsigned char *good, const float *w,
               int n, float z0, float beta, float lambda_d, float lambda_u, float *dlogp)
{
    RL_ASSERT(logp && ref && good && n > 0 && beta > 0.0f);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double r = (double)logp[i] - ref[i], wi = LW(w, i), l, g;
        if (good[i]) {
            double x = beta * (r - z0);
            l = lambda_d * lm_sigmoid(-x);              /* 1 - sigmoid(x) */
            g = -lambda_d * beta * lm_sigmoid(x) * lm_sigmoid(-x);
        } else {
            double x = beta * (z0 - r);
            l = lambda_u * lm_sigmoid(-x);
            g = lambda_u * beta * lm_sigmoid(x) * lm_sigmoid(-x);
        }
        s += wi * l;
        if (dlogp) dlogp[i] = (float)(wi * inv * g);
    }
    return (float)(s * inv);
}

float loss_simpo(const float *pc, const float *pr, const float *len_c, const float *len_r,
                 const float *w, int n, float beta, float gamma, float *dpc, float *dpr)
{
    RL_ASSERT(pc && pr && len_c && len_r && n > 0 && beta > 0.0f);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        RL_ASSERT(len_c[i] > 0.0f && len_r[i] > 0.0f);
        double x = beta * pc[i] / len_c[i] - beta * pr[i] / len_r[i] - gamma, wi = LW(w, i);
        double g = -lm_sigmoid(-x);
        s += wi * lm_softplus(-x);
        if (dpc) dpc[i] = (float)(wi * inv * g * beta / len_c[i]);
        if (dpr) dpr[i] = (float)(-wi * inv * g * beta / len_r[i]);
    }
    return (float)(s * inv);
}

/* log-odds of a probability given by its log l < 0: l - log(1 - e^l), and its derivative */
static double log_odds(double l, double *dl)
{
    double om = -expm1(l); /* 1 - e^l > 0 */
    *dl = 1.0 / om;
    return l - log(om);
}

float loss_orpo(const float *pc, const float *pr, const float *len_c, const float *len_r,
                const float *w, int n, float lambda, float *dpc, float *dpr)
{
    RL_ASSERT(pc && pr && len_c && len_r && n > 0 && lambda >= 0.0f);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        RL_ASSERT(len_c[i] > 0.0f && len_r[i] > 0.0f && pc[i] < 0.0f && pr[i] < 0.0f);
        double lc = (double)pc[i] / len_c[i], lr = (double)pr[i] / len_r[i], wi = LW(w, i);
        double dc, dr, x = log_odds(lc, &dc) - log_odds(lr, &dr);
        s += wi * (-lc + lambda * lm_softplus(-x));
        double gx = -lambda * lm_sigmoid(-x);
        if (dpc) dpc[i] = (float)(wi * inv * (-1.0 + gx * dc) / len_c[i]);
        if (dpr) dpr[i] = (float)(wi * inv * (-gx * dr) / len_r[i]);
    }
    return (float)(s * inv);
}
