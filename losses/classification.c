/* rlc losses: classification losses from logits (binary and multi-class), all computed through
 * log-sum-exp / softplus so that logits of +-1000 give finite values and gradients. */
#include <math.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

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

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */

static float bin_bce(const float *x, const float *y, const float *w, int n, const float *p,
                     float *d)
{
    return loss_bce_logits(x, y, w, n, p[0], d);
}
static float bin_focal(const float *x, const float *y, const float *w, int n, const float *p,
                       float *d)
{
    return loss_focal_binary(x, y, w, n, p[0], p[1], d);
}
static float bin_asl(const float *x, const float *y, const float *w, int n, const float *p,
                     float *d)
{
    return loss_asymmetric(x, y, w, n, p[0], p[1], p[2], d);
}
static float bin_hinge(const float *x, const float *y, const float *w, int n, const float *p,
                       float *d)
{
    return loss_hinge(x, y, w, n, p[0], d);
}
static float bin_sqhinge(const float *x, const float *y, const float *w, int n, const float *p,
                         float *d)
{
    return loss_squared_hinge(x, y, w, n, p[0], d);
}
static float cat_ce(const float *x, const int *y, const float *w, int n, int K, const float *p,
                    float *d)
{
    return loss_cross_entropy(x, y, NULL, w, n, K, p[0], d);
}
static float cat_focal(const float *x, const int *y, const float *w, int n, int K, const float *p,
                       float *d)
{
    return loss_focal(x, y, w, n, K, p[0], p[1], d);
}
static float cat_poly1(const float *x, const int *y, const float *w, int n, int K, const float *p,
                       float *d)
{
    return loss_poly1(x, y, w, n, K, p[0], d);
}
static float cat_mm(const float *x, const int *y, const float *w, int n, int K, const float *p,
                    float *d)
{
    return loss_multi_margin(x, y, NULL, w, n, K, (int)p[0], p[1], d);
}
static int chk_multi_margin(const float *p, char *why, size_t sz)
{
    if (p[0] != 1.0f && p[0] != 2.0f) {
        snprintf(why, sz, "parameter 'p' = %g must be 1 or 2", p[0]);
        return -1;
    }
    return 0;
}

LOSS_DEF(220, bce,
         .kind = LOSS_KIND_BINARY,
         .formula = "mean w [pos_weight y softplus(-x) + (1 - y) softplus(x)]", .n_params = 1,
         .params = {P_NONNEG("pos_weight", 1.0f, "weight of the positive term")},
         .binary = bin_bce, .kernel = "loss_bce_logits");
LOSS_DEF(230, focal_binary,
         .kind = LOSS_KIND_BINARY,
         .formula = "mean w alpha_t (1 - p_t)^gamma BCE(x, y)", .n_params = 2,
         .params = {P_CLOSED01("alpha", 0.25f, "weight of positives (1 - alpha for negatives)"),
                    P_NONNEG("gamma", 2.0f, "focusing exponent (0 = BCE)")},
         .binary = bin_focal, .kernel = "loss_focal_binary");
LOSS_DEF(240, asymmetric,
         .kind = LOSS_KIND_BINARY,
         .formula = "mean w [y (1-p)^g+ (-log p) + (1-y) p_m^g- (-log(1 - p_m))], p_m = max(p - clip, 0)",
         .n_params = 3,
         .params = {P_NONNEG("gamma_pos", 0.0f, "focusing exponent of positives"),
                    P_NONNEG("gamma_neg", 4.0f, "focusing exponent of negatives"),
                    {"clip", 0.05f, 0.0f, 1.0f, 0, 1, "probability shift of negatives"}},
         .binary = bin_asl, .kernel = "loss_asymmetric");
LOSS_DEF(250, hinge,
         .kind = LOSS_KIND_BINARY, .formula = "mean w max(0, margin - s x), s = +-1",
         .n_params = 1, .params = {P_NONNEG("margin", 1.0f, "margin")},
         .binary = bin_hinge, .kernel = "loss_hinge");
LOSS_DEF(260, squared_hinge,
         .kind = LOSS_KIND_BINARY,
         .formula = "mean w max(0, margin - s x)^2, s = +-1", .n_params = 1,
         .params = {P_NONNEG("margin", 1.0f, "margin")},
         .binary = bin_sqhinge, .kernel = "loss_squared_hinge");
LOSS_DEF(270, cross_entropy,
         .kind = LOSS_KIND_CATEGORICAL,
         .formula = "sum w [(1-eps) cw_y (-log p_y) + eps/K sum_c cw_c (-log p_c)] / sum cw_y",
         .n_params = 1,
         .params = {P_CLOSED01("label_smoothing", 0.0f, "mass spread uniformly over the K classes")},
         .categorical = cat_ce, .kernel = "loss_cross_entropy");
LOSS_DEF(280, soft_cross_entropy,
         LOSS_KERNEL("loss_soft_cross_entropy"),
         .formula = "mean w -sum_c t_c log softmax(x)_c");
LOSS_DEF(290, focal,
         .kind = LOSS_KIND_CATEGORICAL,
         .formula = "mean w -alpha (1 - p_y)^gamma log p_y", .n_params = 2,
         .params = {P_NONNEG("alpha", 1.0f, "overall weight"),
                    P_NONNEG("gamma", 2.0f, "focusing exponent (0 = cross-entropy)")},
         .categorical = cat_focal, .kernel = "loss_focal");
LOSS_DEF(300, poly1,
         .kind = LOSS_KIND_CATEGORICAL, .formula = "mean w [-log p_y + epsilon (1 - p_y)]",
         .n_params = 1, .params = {{"epsilon", 1.0f, -1.0f, INFINITY, 0, 0, "weight of the first polynomial term"}},
         .categorical = cat_poly1, .kernel = "loss_poly1");
LOSS_DEF(310, multi_margin,
         .kind = LOSS_KIND_CATEGORICAL,
         .formula = "mean w sum_{j != y} cw_y max(0, margin - x_y + x_j)^p / K", .n_params = 2,
         .params = {{"p", 1.0f, 1.0f, 2.0f, 0, 0, "1 or 2"}, P_NONNEG("margin", 1.0f, "margin")},
         .categorical = cat_mm, .check = chk_multi_margin, .kernel = "loss_multi_margin");
LOSS_DEF(320, distill,
         LOSS_KERNEL("loss_distill"),
         .formula = "mean w [(1 - alpha) CE(s, y) + alpha T^2 KL(softmax(t/T) || softmax(s/T))]",
         .n_params = 2,
         .params = {P_POS("temperature", 2.0f, "softening temperature T"),
                    P_CLOSED01("alpha", 0.5f, "weight of the distillation term")});
