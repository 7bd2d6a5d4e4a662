/* rlc losses: preference and alignment losses over sequence log-probabilities (summed over the
 * tokens of a response): Bradley-Terry, DPO, IPO, KTO, SimPO, ORPO. */
#include <math.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

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

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */

#define PREF_ARGS                                                                             \
    const float *pc, const float *pr, const float *rc, const float *rr, const float *lc,       \
        const float *lr, const float *w, int n, const float *p, float *dpc, float *dpr
static float pf_bt(PREF_ARGS)
{
    (void)rc; (void)rr; (void)lc; (void)lr; (void)p;
    return loss_bradley_terry(pc, pr, w, n, dpc, dpr);
}
static float pf_dpo(PREF_ARGS)
{
    (void)lc; (void)lr;
    return loss_dpo(pc, pr, rc, rr, w, n, p[0], p[1], dpc, dpr);
}
static float pf_ipo(PREF_ARGS)
{
    (void)lc; (void)lr;
    return loss_ipo(pc, pr, rc, rr, w, n, p[0], dpc, dpr);
}
static float pf_simpo(PREF_ARGS)
{
    (void)rc; (void)rr;
    return loss_simpo(pc, pr, lc, lr, w, n, p[0], p[1], dpc, dpr);
}
static float pf_orpo(PREF_ARGS)
{
    (void)rc; (void)rr;
    return loss_orpo(pc, pr, lc, lr, w, n, p[0], dpc, dpr);
}

LOSS_DEF(690, bradley_terry,
         .kind = LOSS_KIND_PREFERENCE,
         .formula = "mean w -log sigmoid(r_chosen - r_rejected)", .preference = pf_bt,
         .kernel = "loss_bradley_terry");
LOSS_DEF(700, dpo,
         .kind = LOSS_KIND_PREFERENCE,
         .formula = "mean w [(1-e) softplus(-h) + e softplus(h)], h = beta ((pc - rc) - (pr - rr))",
         .n_params = 2,
         .params = {P_POS("beta", 0.1f, "inverse temperature"),
                    {"label_smoothing", 0.0f, 0.0f, 0.5f, 0, 1, "assumed label noise (cDPO)"}},
         .preference = pf_dpo, .kernel = "loss_dpo");
LOSS_DEF(710, ipo,
         .kind = LOSS_KIND_PREFERENCE,
         .formula = "mean w ((pc - rc) - (pr - rr) - 1 / (2 tau))^2", .n_params = 1,
         .params = {P_POS("tau", 0.1f, "regularisation")}, .preference = pf_ipo, .kernel = "loss_ipo");
LOSS_DEF(720, kto,
         LOSS_KERNEL("loss_kto"),
         .formula = "mean w [good: ld (1 - sigmoid(beta (r - z0))); bad: lu (1 - sigmoid(beta (z0 - r)))]",
         .n_params = 3,
         .params = {P_POS("beta", 0.1f, "inverse temperature"),
                    P_POS("lambda_d", 1.0f, "weight of desirable samples"),
                    P_POS("lambda_u", 1.0f, "weight of undesirable samples")});
LOSS_DEF(730, simpo,
         .kind = LOSS_KIND_PREFERENCE,
         .formula = "mean w -log sigmoid(beta pc / |yc| - beta pr / |yr| - gamma)", .n_params = 2,
         .params = {P_POS("beta", 2.0f, "scale of the length-normalised reward"),
                    P_NONNEG("gamma", 1.0f, "target reward margin")},
         .preference = pf_simpo, .kernel = "loss_simpo");
LOSS_DEF(740, orpo,
         .kind = LOSS_KIND_PREFERENCE,
         .formula = "mean w [-pc / |yc| - lambda log sigmoid(logodds(pc/|yc|) - logodds(pr/|yr|))]",
         .n_params = 1, .params = {P_NONNEG("lambda", 0.1f, "weight of the odds-ratio term")},
         .preference = pf_orpo, .kernel = "loss_orpo");
