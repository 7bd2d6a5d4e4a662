/* rlc losses: intrinsic-motivation losses (ICM forward and inverse models, RND predictor); the
 * forward and RND kernels also write the per-sample intrinsic reward. */
#include <math.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

float loss_icm_forward(const float *phi_pred, const float *phi_next, const float *w, int n, int D,
                       float eta, float *r_int, float *dpred, float *dnext)
{
    RL_ASSERT(phi_pred && phi_next && n > 0 && D > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double e = 0.0, wi = LW(w, i);
        for (int d = 0; d < D; d++) {
            size_t k = (size_t)i * D + d;
            double r = (double)phi_pred[k] - phi_next[k];
            e += r * r;
            if (dpred) dpred[k] = (float)(wi * inv * r);
            if (dnext) dnext[k] = (float)(-wi * inv * r);
        }
        s += wi * 0.5 * e;
        if (r_int) r_int[i] = (float)(eta * 0.5 * e);
    }
    return (float)(s * inv);
}

float loss_icm_inverse_discrete(const float *logits, const int *actions, const float *w, int n,
                                int A, float *dlogits)
{
    /* plain cross-entropy: no class weights, no smoothing */
    return loss_cross_entropy(logits, actions, NULL, w, n, A, 0.0f, dlogits);
}

float loss_icm_inverse_continuous(const float *a_pred, const float *a, const float *w, int n,
                                  int D, float *da_pred)
{
    RL_ASSERT(a_pred && a && n > 0 && D > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double wi = LW(w, i);
        for (int d = 0; d < D; d++) {
            size_t k = (size_t)i * D + d;
            double r = (double)a_pred[k] - a[k];
            s += wi * 0.5 * r * r;
            if (da_pred) da_pred[k] = (float)(wi * inv * r);
        }
    }
    return (float)(s * inv);
}

float loss_rnd(const float *pred, const float *target, const float *w, int n, int D, float *r_int,
               float *dpred)
{
    RL_ASSERT(pred && target && n > 0 && D > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double e = 0.0, wi = LW(w, i);
        for (int d = 0; d < D; d++) {
            size_t k = (size_t)i * D + d;
            double r = (double)pred[k] - target[k];
            e += r * r;
            if (dpred) dpred[k] = (float)(wi * inv * 2.0 * r / D);
        }
        e /= D;
        s += wi * e;
        if (r_int) r_int[i] = (float)e;
    }
    return (float)(s * inv);
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */


LOSS_DEF(650, icm_forward,
         LOSS_KERNEL("loss_icm_forward"),
         .formula = "mean w 0.5 ||phi_pred - phi(s')||^2; r_int = eta 0.5 ||.||^2", .n_params = 1,
         .params = {P_POS("eta", 1.0f, "intrinsic reward scale")});
LOSS_DEF(660, icm_inverse,
         LOSS_KERNEL("loss_icm_inverse_discrete"),
         .formula = "mean w -log softmax(logits(phi(s), phi(s')))_a");
LOSS_DEF(670, icm_inverse_continuous,
         LOSS_KERNEL("loss_icm_inverse_continuous"),
         .formula = "mean w 0.5 ||a_pred - a||^2");
LOSS_DEF(680, rnd,
         LOSS_KERNEL("loss_rnd"),
         .formula = "mean w mean_d (f(s) - f_fixed(s))^2; r_int = per-sample error");
