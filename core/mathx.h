/* rlc core: small numerically careful helpers shared by nn/ and losses/.
 * Header-only (static inline) so that kernels in both modules inline them. */
#ifndef RLC_CORE_MATHX_H
#define RLC_CORE_MATHX_H

#include <math.h>

/* log(sum_k exp(x[k])) over a row of K values, stable for any finite input. */
static inline float rl_logsumexp(const float *x, int K)
{
    float m = x[0];
    for (int k = 1; k < K; k++) if (x[k] > m) m = x[k];
    double s = 0.0;
    for (int k = 0; k < K; k++) s += exp((double)(x[k] - m));
    return m + (float)log(s);
}

/* out[k] = x[k] - logsumexp(x): log-softmax of one row. out may alias x. */
static inline void rl_log_softmax(float *out, const float *x, int K)
{
    float lse = rl_logsumexp(x, K);
    for (int k = 0; k < K; k++) out[k] = x[k] - lse;
}

/* softmax of one row. out may alias x. */
static inline void rl_softmax(float *out, const float *x, int K)
{
    float lse = rl_logsumexp(x, K);
    for (int k = 0; k < K; k++) out[k] = expf(x[k] - lse);
}

/* log(1 + exp(x)) without overflow. */
static inline float rl_softplus(float x)
{
    return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x));
}

/* logistic sigmoid without overflow. */
static inline float rl_sigmoid(float x)
{
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

static inline float rl_clampf(float x, float lo, float hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

#endif
