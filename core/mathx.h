/* rlc core: small numerically careful helpers shared by nn/, losses/ and the agents.
 * Header-only (static inline) so that kernels in both modules inline them. */
#ifndef RLC_CORE_MATHX_H
#define RLC_CORE_MATHX_H

#include <math.h>
#include <stddef.h>

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

/* 1 when every x[k] (n) is finite (a gradient worth applying), 0 otherwise. */
static inline int rl_all_finite(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

/* x (n) standardised in place: (x - mean) / (std + 1e-8), std with n - 1 (torch .std()); n < 2
 * leaves x as it is. */
static inline void rl_standardise(float *x, int n)
{
    if (n < 2) return;
    double mean = 0.0, var = 0.0;
    for (int k = 0; k < n; k++) mean += x[k];
    mean /= n;
    for (int k = 0; k < n; k++) var += (x[k] - mean) * (x[k] - mean);
    float inv = (float)(1.0 / (sqrt(var / (n - 1)) + 1e-8));
    for (int k = 0; k < n; k++) x[k] = (float)((x[k] - mean) * inv);
}

#endif
