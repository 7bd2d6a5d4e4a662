/* rlc losses (internal): double-precision helpers shared by the loss kernels. */
#ifndef RLC_LOSSES_LMATH_H
#define RLC_LOSSES_LMATH_H

#include <math.h>

#define LW(w, i) ((w) ? (double)(w)[i] : 1.0)

/* log(1 + e^x), no overflow */
static inline double lm_softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
/* 1 / (1 + e^-x), no overflow */
static inline double lm_sigmoid(double x)
{
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}
/* log-sum-exp of a float row scaled by s (x[k] * s) */
static inline double lm_lse(const float *x, int K, double s)
{
    double m = -INFINITY;
    for (int k = 0; k < K; k++) if (x[k] * s > m) m = x[k] * s;
    double acc = 0.0;
    for (int k = 0; k < K; k++) acc += exp(x[k] * s - m);
    return m + log(acc);
}
/* same for a double row */
static inline double lm_lse_d(const double *x, int K)
{
    double m = -INFINITY;
    for (int k = 0; k < K; k++) if (x[k] > m) m = x[k];
    double acc = 0.0;
    for (int k = 0; k < K; k++) acc += exp(x[k] - m);
    return m + log(acc);
}
/* Dot product in double over 4 partial sums (so that it vectorises without reassociation
 * flags; the sum differs from the sequential one only in double rounding). */
static inline double lm_dot(const float *a, const float *b, int D)
{
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    int d = 0;
    for (; d + 4 <= D; d += 4)
        for (int l = 0; l < 4; l++) s[l] += (double)a[d + l] * b[d + l];
    for (; d < D; d++) s[0] += (double)a[d] * b[d];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

#endif
