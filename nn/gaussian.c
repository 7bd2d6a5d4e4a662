/* rlc nn: the diagonal Gaussian distribution over Box actions: sampling, log-probability (with
 * the optional tanh-squashing log-det correction), entropy and their backward, plus the map from
 * a pre-squash sample u to the action sent to the environment (clip to the bounds as CleanRL's
 * ClipAction, or tanh rescaled to the bounds).
 *
 * log_std is either one row shared by the batch (state-independent, ls_stride = 0, a learned
 * parameter vector as in CleanRL) or one row per sample (state-dependent, ls_stride = D, an output
 * of the policy network). Nothing allocates. */
#include "nn/nn.h"

#include <math.h>

#define HALF_LOG_2PI 0.91893853320467274178
#define LN2 0.69314718055994530942

void nn_gaussian_sample(float *u, const float *mean, const float *log_std, int ls_stride, int B,
                        int D, rl_rng *rng)
{
    // u, mean (B, D); log_std (D) or (B, D)
    for (int b = 0; b < B; b++) {
        const float *m = mean + (size_t)b * D, *ls = log_std + (size_t)b * ls_stride;
        for (int d = 0; d < D; d++) u[(size_t)b * D + d] = (float)(m[d] + exp(ls[d]) * rl_rng_normal(rng));
    }
}

/* log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)), stable for large |u| */
static double log1m_tanh2(double u)
{
    double x = -2.0 * u;
    double sp = x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
    return 2.0 * (LN2 - u - sp);
}

void nn_gaussian_log_prob(float *logp, const float *u, const float *mean, const float *log_std,
                          int ls_stride, int B, int D, int tanh_squash)
{
    // logp (B); u, mean (B, D); log_std (D) or (B, D)
    for (int b = 0; b < B; b++) {
        const float *x = u + (size_t)b * D, *m = mean + (size_t)b * D;
        const float *ls = log_std + (size_t)b * ls_stride;
        double s = 0.0;
        for (int d = 0; d < D; d++) {
            double z = ((double)x[d] - m[d]) * exp(-(double)ls[d]);
            s += -0.5 * z * z - ls[d] - HALF_LOG_2PI;
            if (tanh_squash) s -= log1m_tanh2(x[d]);
        }
        logp[b] = (float)s;
    }
}

void nn_gaussian_entropy(float *ent, const float *log_std, int ls_stride, int B, int D)
{
    // ent (B); log_std (D) or (B, D)
    for (int b = 0; b < B; b++) {
        const float *ls = log_std + (size_t)b * ls_stride;
        double s = 0.0;
        for (int d = 0; d < D; d++) s += ls[d] + 0.5 + HALF_LOG_2PI;
        ent[b] = (float)s;
    }
}

void nn_gaussian_backward(float *dmean, float *dlog_std, const float *u, const float *mean,
                          const float *log_std, const float *dlogp, const float *dent,
                          int ls_stride, int B, int D)
{
    // dmean, u, mean (B, D); dlog_std, log_std (D) or (B, D); dlogp, dent (B)
    for (int b = 0; b < B; b++) {
        const float *x = u + (size_t)b * D, *m = mean + (size_t)b * D;
        const float *ls = log_std + (size_t)b * ls_stride;
        float *dm = dmean + (size_t)b * D, *dls = dlog_std + (size_t)b * ls_stride;
        float gl = dlogp ? dlogp[b] : 0.0f, ge = dent ? dent[b] : 0.0f;
        for (int d = 0; d < D; d++) {
            double inv = exp(-(double)ls[d]);
            double z = ((double)x[d] - m[d]) * inv;
            dm[d] += (float)(gl * z * inv);
            dls[d] += (float)(gl * (z * z - 1.0) + ge);
        }
    }
}

void nn_gaussian_mode(float *u, const float *mean, int B, int D)
{
    for (size_t i = 0; i < (size_t)B * D; i++) u[i] = mean[i];
}

void nn_gaussian_to_action(float *action, const float *u, const float *low, const float *high,
                           int B, int D, int tanh_squash)
{
    // action, u (B, D); low, high (D)
    for (int b = 0; b < B; b++)
        for (int d = 0; d < D; d++) {
            size_t i = (size_t)b * D + d;
            float lo = low ? low[d] : -INFINITY, hi = high ? high[d] : INFINITY;
            if (tanh_squash) {
                float t = nn_tanh(u[i]);
                action[i] = isfinite(lo) && isfinite(hi) ? lo + 0.5f * (t + 1.0f) * (hi - lo) : t;
            } else {
                float a = u[i];
                action[i] = a < lo ? lo : (a > hi ? hi : a);
            }
        }
}
