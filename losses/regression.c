/* rlc losses: regression kernels, value-function losses included.
 *
 * Every kernel maps (pred, target) of n samples to the (optionally weighted) mean of a per-sample
 * penalty of the residual d = pred - target and writes d(mean)/dpred. Accumulation is in double so
 * that a batch of a million samples loses no precision. See losses/loss.h for the contract. */
#include "losses/loss.h"
#include "losses/loss_row.h"

#include <math.h>

#include "core/mathx.h"

#define WI(w, i) ((w) ? (double)(w)[i] : 1.0)

float loss_mse(const float *pred, const float *target, const float *w, int n, float *dpred)
{
    RL_ASSERT(pred && target && n > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double d = (double)pred[i] - target[i], wi = WI(w, i);
        s += wi * d * d;
        if (dpred) dpred[i] = (float)(2.0 * wi * d * inv);
    }
    return (float)(s * inv);
}

float loss_huber(const float *pred, const float *target, const float *w, int n, float delta,
                 float *dpred)
{
    RL_ASSERT(pred && target && n > 0 && delta > 0.0f);
    double s = 0.0, inv = 1.0 / n, dl = delta;
    for (int i = 0; i < n; i++) {
        double d = (double)pred[i] - target[i], ad = fabs(d), wi = WI(w, i);
        double l, g;
        if (ad < dl) { l = 0.5 * d * d; g = d; }
        else { l = dl * (ad - 0.5 * dl); g = d > 0 ? dl : -dl; }
        s += wi * l;
        if (dpred) dpred[i] = (float)(wi * g * inv);
    }
    return (float)(s * inv);
}

float loss_value_clipped(const float *v, const float *v_old, const float *ret, const float *w,
                         int n, float clip, float *dv)
{
    RL_ASSERT(v && v_old && ret && n > 0 && clip > 0.0f);
    double s = 0.0, inv = 1.0 / n, c = clip;
    for (int i = 0; i < n; i++) {
        double dvo = (double)v[i] - v_old[i];
        double vc = (double)v_old[i] + (dvo < -c ? -c : (dvo > c ? c : dvo));
        double lu = ((double)v[i] - ret[i]) * ((double)v[i] - ret[i]);
        double lc = (vc - ret[i]) * (vc - ret[i]);
        double wi = WI(w, i);
        /* when the clipped term wins, v only enters it through clip(), whose slope is 0 outside
         * [-c, c] and 1 inside (where both terms are equal anyway) */
        int clipped_wins = lc > lu;
        s += wi * 0.5 * (clipped_wins ? lc : lu);
        if (dv) {
            double g = clipped_wins ? ((fabs(dvo) < c) ? vc - ret[i] : 0.0) : (double)v[i] - ret[i];
            dv[i] = (float)(wi * g * inv);
        }
    }
    return (float)(s * inv);
}

/* ---- robust regression ----------------------------------------------------------------------- */

float loss_mae(const float *pred, const float *target, const float *w, int n, float *dpred)
{
    RL_ASSERT(pred && target && n > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double d = (double)pred[i] - target[i], wi = WI(w, i);
        s += wi * fabs(d);
        if (dpred) dpred[i] = (float)(wi * (d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0)) * inv);
    }
    return (float)(s * inv);
}

float loss_smooth_l1(const float *pred, const float *target, const float *w, int n, float beta,
                     float *dpred)
{
    RL_ASSERT(pred && target && n > 0 && beta >= 0.0f);
    double s = 0.0, inv = 1.0 / n, b = beta;
    for (int i = 0; i < n; i++) {
        double d = (double)pred[i] - target[i], ad = fabs(d), wi = WI(w, i), l, g;
        if (ad < b) { l = 0.5 * d * d / b; g = d / b; }
        else { l = ad - 0.5 * b; g = d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0); }
        s += wi * l;
        if (dpred) dpred[i] = (float)(wi * g * inv);
    }
    return (float)(s * inv);
}

/* pinball loss of u = target - pred at level tau, and its derivative with respect to pred */
static inline double pinball(double u, double tau, double *dpred)
{
    if (u > 0) { *dpred = -tau; return tau * u; }
    if (u < 0) { *dpred = 1.0 - tau; return (tau - 1.0) * u; }
    *dpred = 0.0;
    return 0.0;
}

float loss_quantile(const float *pred, const float *target, const float *w, int n, float tau,
                    float *dpred)
{
    RL_ASSERT(pred && target && n > 0 && tau > 0.0f && tau < 1.0f);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double g, wi = WI(w, i);
        s += wi * pinball((double)target[i] - pred[i], tau, &g);
        if (dpred) dpred[i] = (float)(wi * g * inv);
    }
    return (float)(s * inv);
}

float loss_quantile_multi(const float *pred, const float *target, const float *taus,
                          const float *w, int n, int Q, float *dpred)
{
    RL_ASSERT(pred && target && taus && n > 0 && Q > 0);
    double s = 0.0, inv = 1.0 / ((double)n * Q);
    for (int i = 0; i < n; i++) {
        double wi = WI(w, i);
        for (int q = 0; q < Q; q++) {
            double g;
            s += wi * pinball((double)target[i] - pred[i * Q + q], taus[q], &g);
            if (dpred) dpred[i * Q + q] = (float)(wi * g * inv);
        }
    }
    return (float)(s * inv);
}

float loss_log_cosh(const float *pred, const float *target, const float *w, int n, float *dpred)
{
    RL_ASSERT(pred && target && n > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double d = (double)pred[i] - target[i], ad = fabs(d), wi = WI(w, i);
        s += wi * (ad + log1p(exp(-2.0 * ad)) - M_LN2);
        if (dpred) dpred[i] = (float)(wi * tanh(d) * inv);
    }
    return (float)(s * inv);
}

float loss_tukey(const float *pred, const float *target, const float *w, int n, float c,
                 float *dpred)
{
    RL_ASSERT(pred && target && n > 0 && c > 0.0f);
    double s = 0.0, inv = 1.0 / n, cc = (double)c * c;
    for (int i = 0; i < n; i++) {
        double d = (double)pred[i] - target[i], wi = WI(w, i), l, g;
        if (fabs(d) <= c) {
            double q = 1.0 - d * d / cc;
            l = cc / 6.0 * (1.0 - q * q * q);
            g = d * q * q;
        } else {
            l = cc / 6.0;
            g = 0.0;
        }
        s += wi * l;
        if (dpred) dpred[i] = (float)(wi * g * inv);
    }
    return (float)(s * inv);
}

float loss_cauchy(const float *pred, const float *target, const float *w, int n, float c,
                  float *dpred)
{
    RL_ASSERT(pred && target && n > 0 && c > 0.0f);
    double s = 0.0, inv = 1.0 / n, cc = (double)c * c;
    for (int i = 0; i < n; i++) {
        double d = (double)pred[i] - target[i], wi = WI(w, i), r = d * d / cc;
        s += wi * 0.5 * cc * log1p(r);
        if (dpred) dpred[i] = (float)(wi * d / (1.0 + r) * inv);
    }
    return (float)(s * inv);
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */

#define REG0(fn)                                                                              \
    static float reg_##fn(const float *a, const float *b, const float *w, int n,              \
                          const float *p, float *d)                                          \
    {                                                                                         \
        (void)p;                                                                              \
        return loss_##fn(a, b, w, n, d);                                                      \
    }
#define REG1(fn)                                                                              \
    static float reg_##fn(const float *a, const float *b, const float *w, int n,              \
                          const float *p, float *d)                                          \
    {                                                                                         \
        return loss_##fn(a, b, w, n, p[0], d);                                                \
    }
REG0(mse)
REG0(mae)
REG1(huber)
REG1(smooth_l1)
REG1(quantile)
REG0(log_cosh)
REG1(tukey)
REG1(cauchy)
static float vc_clipped(const float *v, const float *v_old, const float *ret, const float *w,
                        int n, const float *p, float *dv)
{
    return loss_value_clipped(v, v_old, ret, w, n, p[0], dv);
}

LOSS_DEF(10, mse,
         .kind = LOSS_KIND_REGRESSION, .formula = "mean w (pred - target)^2",
         .regression = reg_mse, .kernel = "loss_mse");
LOSS_DEF(20, mae,
         .kind = LOSS_KIND_REGRESSION, .formula = "mean w |pred - target|",
         .regression = reg_mae, .kernel = "loss_mae");
LOSS_DEF(30, huber,
         .kind = LOSS_KIND_REGRESSION,
         .formula = "mean w (0.5 d^2 if |d| <= delta else delta (|d| - 0.5 delta)), d = pred - target",
         .n_params = 1, .params = {P_POS("delta", 1.0f, "switch from quadratic to linear at |d| = delta")},
         .regression = reg_huber, .kernel = "loss_huber");
LOSS_DEF(40, smooth_l1,
         .kind = LOSS_KIND_REGRESSION,
         .formula = "mean w (0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta)",
         .n_params = 1, .params = {P_NONNEG("beta", 1.0f, "width of the quadratic zone (0 = L1)")},
         .regression = reg_smooth_l1, .kernel = "loss_smooth_l1");
LOSS_DEF(50, quantile,
         .kind = LOSS_KIND_REGRESSION,
         .formula = "mean w max(tau u, (tau - 1) u), u = target - pred",
         .n_params = 1, .params = {P_OPEN01("tau", 0.5f, "quantile level")},
         .regression = reg_quantile, .kernel = "loss_quantile");
LOSS_DEF(60, quantile_multi,
         LOSS_KERNEL("loss_quantile_multi"),
         .formula = "mean_i mean_q max(tau_q u_iq, (tau_q - 1) u_iq), u_iq = target_i - pred_iq");
LOSS_DEF(70, log_cosh,
         .kind = LOSS_KIND_REGRESSION, .formula = "mean w log cosh(pred - target)",
         .regression = reg_log_cosh, .kernel = "loss_log_cosh");
LOSS_DEF(80, tukey,
         .kind = LOSS_KIND_REGRESSION,
         .formula = "mean w c^2/6 (1 - (1 - (d/c)^2)^3) for |d| <= c, c^2/6 beyond",
         .n_params = 1, .params = {P_POS("c", 4.685f, "rejection point (4.685: 95% Gaussian efficiency)")},
         .regression = reg_tukey, .kernel = "loss_tukey");
LOSS_DEF(90, cauchy,
         .kind = LOSS_KIND_REGRESSION, .formula = "mean w c^2/2 log(1 + (d/c)^2)",
         .n_params = 1, .params = {P_POS("c", 1.0f, "scale of the residual")},
         .regression = reg_cauchy, .kernel = "loss_cauchy");
LOSS_DEF(100, clipped,
         .kind = LOSS_KIND_VALUE_CLIPPED,
         .formula = "mean w 0.5 max((v - ret)^2, (v_old + clip(v - v_old, -clip, clip) - ret)^2)",
         .n_params = 1,
         .params = {P_POS("clip", 0.2f, "how far v may move from v_old (CleanRL: the PPO clip coef)")},
         .value_clipped = vc_clipped, .kernel = "loss_value_clipped");
