/* rlc losses: classification losses from logits (binary and multi-class), all computed through
 * log-sum-exp / softplus so that logits of +-1000 give finite values and gradients. */
#include <math.h>

#include "losses/lmath.h"
#include "losses/loss.h"

float loss_bce_logits(const float *logits, const float *targets, const float *w, int n,
                      float pos_weight, float *dlogits)
{
    RL_ASSERT(logits && targets && n > 0 && pos_weight >= 0.0f);
    double s = 0.0, inv = 1.0 / n, pw = pos_weight;
    for (int i = 0; i < n; i++) {
        double x = logits[i], y = targets[i], wi = LW(w, i);
        s += wi * (pw * y * lm_softplus(-x) + (1.0 - y) * lm_softplus(x));
        /* d/dx: -pw y sigmoid(-x) + (1 - y) sigmoid(x) */
        if (dlogits) dlogits[i] = (float)(wi * inv * (-pw * y * lm_sigmoid(-x) + (1.0 - y) * lm_sigmoid(x)));
    }
    return (float)(s * inv);
}

float loss_cross_entropy(const float *logits, const int *labels, const float *class_w,
                         const float *w, int n, int K, float label_smoothing, float *dlogits)
{
    RL_ASSERT(logits && labels && n > 0 && K > 0);
    RL_ASSERT(label_smoothing >= 0.0f && label_smoothing <= 1.0f);
    double eps = label_smoothing, num = 0.0, Z = 0.0, Wsum = 0.0;
    if (class_w) for (int c = 0; c < K; c++) Wsum += class_w[c];
    else Wsum = K;
    for (int i = 0; i < n; i++) {
        RL_ASSERT(labels[i] >= 0 && labels[i] < K);
        Z += class_w ? class_w[labels[i]] : 1.0;
    }
    RL_ASSERT(Z > 0.0);
    for (int i = 0; i < n; i++) {
        const float *x = logits + (size_t)i * K;
        int y = labels[i];
        double lse = lm_lse(x, K, 1.0), wi = LW(w, i), cwy = class_w ? class_w[y] : 1.0;
        double smooth = 0.0;
        for (int c = 0; c < K; c++) smooth += (class_w ? class_w[c] : 1.0) * (lse - x[c]);
        num += wi * ((1.0 - eps) * cwy * (lse - x[y]) + eps / K * smooth);
        if (dlogits) {
            float *g = dlogits + (size_t)i * K;
            for (int c = 0; c < K; c++) {
                double p = exp(x[c] - lse), cwc = class_w ? class_w[c] : 1.0;
                double d = (1.0 - eps) * cwy * (p - (c == y)) + eps / K * (Wsum * p - cwc);
                g[c] = (float)(wi * d / Z);
            }
        }
    }
    return (float)(num / Z);
}

float loss_soft_cross_entropy(const float *logits, const float *targets, const float *w, int n,
                              int K, float *dlogits)
{
    RL_ASSERT(logits && targets && n > 0 && K > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        const float *x = logits + (size_t)i * K, *t = targets + (size_t)i * K;
        double lse = lm_lse(x, K, 1.0), wi = LW(w, i), tsum = 0.0, l = 0.0;
        for (int c = 0; c < K; c++) {
            /* a zero target never multiplies a -inf log-probability */
            if (t[c] != 0.0f) l += t[c] * (lse - x[c]);
            tsum += t[c];
        }
        s += wi * l;
        if (dlogits)
            for (int c = 0; c < K; c++)
                dlogits[(size_t)i * K + c] = (float)(wi * inv * (tsum * exp(x[c] - lse) - t[c]));
    }
    return (float)(s * inv);
}

float loss_focal_binary(const float *logits, const float *targets, const float *w, int n,
                        float alpha, float gamma, float *dlogits)
{
    RL_ASSERT(logits && targets && n > 0 && gamma >= 0.0f && alpha >= 0.0f && alpha <= 1.0f);
    double s = 0.0, inv = 1.0 / n, g = gamma;
    for (int i = 0; i < n; i++) {
        double x = logits[i], y = targets[i], wi = LW(w, i);
        double p = lm_sigmoid(x);
        double ce = y * lm_softplus(-x) + (1.0 - y) * lm_softplus(x);
        /* q = 1 - p_t, computed without cancellation */
        double q = y * lm_sigmoid(-x) + (1.0 - y) * p;
        double at = alpha * y + (1.0 - alpha) * (1.0 - y);
        double mod = g == 0.0 ? 1.0 : pow(q, g);
        s += wi * at * mod * ce;
        if (dlogits) {
            /* dq/dx = -dp_t/dx = -p (1 - p) (2y - 1) */
            double dq = -p * lm_sigmoid(-x) * (2.0 * y - 1.0);
            double dmod = (g == 0.0 || q == 0.0) ? 0.0 : g * pow(q, g - 1.0) * dq;
            dlogits[i] = (float)(wi * inv * at * (dmod * ce + mod * (p - y)));
        }
    }
    return (float)(s * inv);
}

float loss_focal(const float *logits, const int *labels, const float *w, int n, int K,
                 float alpha, float gamma, float *dlogits)
{
    RL_ASSERT(logits && labels && n > 0 && K > 0 && gamma >= 0.0f && alpha >= 0.0f);
    double s = 0.0, inv = 1.0 / n, g = gamma;
    for (int i = 0; i < n; i++) {
        const float *x = logits + (size_t)i * K;
        int y = labels[i];
        RL_ASSERT(y >= 0 && y < K);
        double lse = lm_lse(x, K, 1.0), lp = x[y] - lse, p = exp(lp), wi = LW(w, i);
        double q = -expm1(lp); /* 1 - p_y */
        double mod = g == 0.0 ? 1.0 : pow(q, g);
        s += wi * -alpha * mod * lp;
        if (dlogits) {
            /* dl/dz_j = -alpha (delta_jy - p_j) [(1-p)^g - g (1-p)^(g-1) p log p] */
            double t2 = (g == 0.0 || q == 0.0) ? 0.0 : g * pow(q, g - 1.0) * p * lp;
            double br = mod - t2;
            for (int c = 0; c < K; c++) {
                double pc = exp(x[c] - lse);
                dlogits[(size_t)i * K + c] = (float)(wi * inv * -alpha * ((c == y) - pc) * br);
            }
        }
    }
    return (float)(s * inv);
}

float loss_asymmetric(const float *logits, const float *targets, const float *w, int n,
                      float gamma_pos, float gamma_neg, float clip, float *dlogits)
{
    RL_ASSERT(logits && targets && n > 0 && gamma_pos >= 0.0f && gamma_neg >= 0.0f);
    RL_ASSERT(clip >= 0.0f && clip < 1.0f);
    double s = 0.0, inv = 1.0 / n, gp = gamma_pos, gn = gamma_neg, m = clip;
    for (int i = 0; i < n; i++) {
        double x = logits[i], y = targets[i], wi = LW(w, i);
        double p = lm_sigmoid(x), pm1 = lm_sigmoid(-x); /* p and 1 - p */
        double lpos = 0.0, gpos = 0.0, lneg = 0.0, gneg = 0.0;
        if (y != 0.0) {
            /* -(1-p)^gp log p, log p = -softplus(-x); d/dx = (1-p)^gp (gp p log p - (1 - p)) */
            double logp = -lm_softplus(-x), mod = gp == 0.0 ? 1.0 : pow(pm1, gp);
            lpos = -mod * logp;
            gpos = mod * (gp * p * logp - pm1);
        }
        if (y != 1.0) {
            double pmar = p - m;
            if (pmar > 0.0) {
                /* 1 - p_m = 1 - p + m; with m = 0 use sigmoid(-x) and softplus for accuracy */
                double one_m = m == 0.0 ? pm1 : pm1 + m;
                double log1m = m == 0.0 ? -lm_softplus(x) : log(one_m);
                double mod = gn == 0.0 ? 1.0 : pow(pmar, gn);
                double dmod = gn == 0.0 ? 0.0 : gn * pow(pmar, gn - 1.0);
                lneg = -mod * log1m;
                if (m == 0.0)
                    /* p^g softplus(x): d/dx = g p^g (1 - p) softplus(x) + p^(g+1), no 1/(1-p) */
                    gneg = gn * mod * pm1 * lm_softplus(x) + mod * p;
                else
                    /* d/dp_m = -(dmod log(1 - p_m) - mod / (1 - p_m)), dp_m/dx = p (1 - p);
                     * 1 - p_m >= clip > 0 here */
                    gneg = -(dmod * log1m - mod / one_m) * p * pm1;
            }
        }
        s += wi * (y * lpos + (1.0 - y) * lneg);
        if (dlogits) dlogits[i] = (float)(wi * inv * (y * gpos + (1.0 - y) * gneg));
    }
    return (float)(s * inv);
}

float loss_poly1(const float *logits, const int *labels, const float *w, int n, int K,
                 float epsilon, float *dlogits)
{
    RL_ASSERT(logits && labels && n > 0 && K > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        const float *x = logits + (size_t)i * K;
        int y = labels[i];
        RL_ASSERT(y >= 0 && y < K);
        double lse = lm_lse(x, K, 1.0), py = exp(x[y] - lse), wi = LW(w, i);
        s += wi * ((lse - x[y]) + epsilon * (1.0 - py));
        if (dlogits)
            for (int c = 0; c < K; c++) {
                double pc = exp(x[c] - lse), e = (c == y);
                dlogits[(size_t)i * K + c] = (float)(wi * inv * ((pc - e) - epsilon * py * (e - pc)));
            }
    }
    return (float)(s * inv);
}

static float hinge_impl(const float *scores, const float *targets, const float *w, int n,
                        float margin, int squared, float *dscores)
{
    RL_ASSERT(scores && targets && n > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double sg = targets[i] > 0.0f ? 1.0 : -1.0, wi = LW(w, i);
        double h = margin - sg * scores[i];
        double l = h > 0 ? (squared ? h * h : h) : 0.0;
        double g = h > 0 ? (squared ? -2.0 * h * sg : -sg) : 0.0;
        s += wi * l;
        if (dscores) dscores[i] = (float)(wi * g * inv);
    }
    return (float)(s * inv);
}

float loss_hinge(const float *scores, const float *targets, const float *w, int n, float margin,
                 float *dscores)
{
    return hinge_impl(scores, targets, w, n, margin, 0, dscores);
}

float loss_squared_hinge(const float *scores, const float *targets, const float *w, int n,
                         float margin, float *dscores)
{
    return hinge_impl(scores, targets, w, n, margin, 1, dscores);
}

float loss_multi_margin(const float *scores, const int *labels, const float *class_w,
                        const float *w, int n, int K, int p, float margin, float *dscores)
{
    RL_ASSERT(scores && labels && n > 0 && K > 0 && (p == 1 || p == 2));
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        const float *x = scores + (size_t)i * K;
        float *g = dscores ? dscores + (size_t)i * K : NULL;
        int y = labels[i];
        RL_ASSERT(y >= 0 && y < K);
        double cw = class_w ? class_w[y] : 1.0, wi = LW(w, i), gy = 0.0;
        for (int j = 0; j < K; j++) {
            if (g) g[j] = 0.0f;
            if (j == y) continue;
            double h = margin - x[y] + x[j];
            if (h <= 0) continue;
            s += wi * cw * (p == 1 ? h : h * h) / K;
            if (g) {
                double dj = wi * cw * (p == 1 ? 1.0 : 2.0 * h) / K * inv;
                g[j] = (float)dj;
                gy -= dj;
            }
        }
        if (g) g[y] = (float)gy;
    }
    return (float)(s * inv);
}

float loss_distill(const float *student, const float *teacher, const int *labels, const float *w,
                   int n, int K, float temperature, float alpha, float *dstudent)
{
    RL_ASSERT(student && teacher && n > 0 && K > 0 && temperature > 0.0f);
    RL_ASSERT(alpha >= 0.0f && alpha <= 1.0f && (labels || alpha == 1.0f));
    double s = 0.0, inv = 1.0 / n, T = temperature, iT = 1.0 / T;
    for (int i = 0; i < n; i++) {
        const float *zs = student + (size_t)i * K, *zt = teacher + (size_t)i * K;
        double wi = LW(w, i);
        double lse_s = lm_lse(zs, K, iT), lse_t = lm_lse(zt, K, iT), kl = 0.0;
        for (int c = 0; c < K; c++) {
            double lpt = zt[c] * iT - lse_t, lps = zs[c] * iT - lse_s;
            kl += exp(lpt) * (lpt - lps);
        }
        double ce = 0.0, lse1 = 0.0;
        if (alpha < 1.0f) {
            lse1 = lm_lse(zs, K, 1.0);
            ce = lse1 - zs[labels[i]];
        }
        s += wi * ((1.0 - alpha) * ce + alpha * T * T * kl);
        if (dstudent)
            for (int c = 0; c < K; c++) {
                double qs = exp(zs[c] * iT - lse_s), qt = exp(zt[c] * iT - lse_t);
                double d = alpha * T * (qs - qt);
                if (alpha < 1.0f) d += (1.0 - alpha) * (exp(zs[c] - lse1) - (c == labels[i]));
                dstudent[(size_t)i * K + c] = (float)(wi * inv * d);
            }
    }
    return (float)(s * inv);
}
