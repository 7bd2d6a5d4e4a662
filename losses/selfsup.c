/* rlc losses: more metric and self-supervised objectives: N-pair (Sohn 2016), ProxyNCA
 * (Movshovitz-Attias et al. 2017), DINO self-distillation with its teacher centring and sharpening
 * (Caron et al. 2021) and MoCo's InfoNCE against a queue of negative keys (He et al. 2020).
 * Batch-level objectives; the caller's scratch is the only working memory. */
#include <math.h>
#include <string.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

#define NORM_EPS 1e-8 /* norm floor of the cosine similarities, as in metric.c */

static double norm_floor(const float *x, int D)
{
    double s = sqrt(lm_dot(x, x, D));
    return s > NORM_EPS ? s : NORM_EPS;
}

/* ADDS g * dcos(u, v)/du = g (v / (|u| |v|) - cos u / |u|^2) into du (D) */
static void cos_grad_add(float *du, const float *u, const float *v, double nu, double nv,
                         double c, double g, int D)
{
    double a = g / (nu * nv), b = g * c / (nu * nu);
    for (int d = 0; d < D; d++) du[d] += (float)(a * v[d] - b * u[d]);
}

/* ---- N-pair --------------------------------------------------------------------------------- */

float loss_npair(const float *anchor, const float *pos, int n, int D, float l2_reg,
                 float *scratch, float *danchor, float *dpos)
{
    RL_ASSERT(anchor && pos && n > 0 && D > 0 && l2_reg >= 0.0f && scratch);
    double loss = 0.0, inv = 1.0 / n;
    if (danchor) memset(danchor, 0, sizeof(float) * (size_t)n * D);
    if (dpos) memset(dpos, 0, sizeof(float) * (size_t)n * D);
    for (int i = 0; i < n; i++) {
        const float *a = anchor + (size_t)i * D;
        for (int j = 0; j < n; j++) scratch[j] = (float)lm_dot(a, pos + (size_t)j * D, D);
        double lse = lm_lse(scratch, n, 1.0);
        loss += lse - scratch[i] + l2_reg * (lm_dot(a, a, D) + lm_dot(pos + (size_t)i * D,
                                                                      pos + (size_t)i * D, D));
        /* dl/ds_ij = softmax_ij - [i = j]; s_ij = a_i . p_j */
        for (int j = 0; j < n; j++) {
            double g = (exp(scratch[j] - lse) - (i == j)) * inv;
            const float *p = pos + (size_t)j * D;
            for (int d = 0; d < D; d++) {
                if (danchor) danchor[(size_t)i * D + d] += (float)(g * p[d]);
                if (dpos) dpos[(size_t)j * D + d] += (float)(g * a[d]);
            }
        }
        for (int d = 0; d < D; d++) {
            if (danchor) danchor[(size_t)i * D + d] += (float)(2.0 * l2_reg * a[d] * inv);
            if (dpos) dpos[(size_t)i * D + d] += (float)(2.0 * l2_reg * pos[(size_t)i * D + d] * inv);
        }
    }
    return (float)(loss * inv);
}

/* ---- ProxyNCA ------------------------------------------------------------------------------- */

int loss_proxy_nca_scratch(int C) { return 2 * C; }

float loss_proxy_nca(const float *emb, const float *proxies, const int *labels, const float *w,
                     int n, int D, int C, float scale, float *scratch, float *demb,
                     float *dproxies)
{
    RL_ASSERT(emb && proxies && labels && n > 0 && D > 0 && C >= 2 && scale > 0.0f && scratch);
    float *pn = scratch, *cs = scratch + C;
    double s2 = 2.0 * (double)scale * scale, loss = 0.0, inv = 1.0 / n;
    for (int c = 0; c < C; c++) pn[c] = (float)norm_floor(proxies + (size_t)c * D, D);
    if (demb) memset(demb, 0, sizeof(float) * (size_t)n * D);
    if (dproxies) memset(dproxies, 0, sizeof(float) * (size_t)C * D);
    for (int i = 0; i < n; i++) {
        const float *x = emb + (size_t)i * D;
        int y = labels[i];
        RL_ASSERT(y >= 0 && y < C);
        double xn = norm_floor(x, D), m = -INFINITY, z = 0.0;
        for (int c = 0; c < C; c++) {
            cs[c] = (float)(lm_dot(x, proxies + (size_t)c * D, D) / (xn * pn[c]));
            if (c != y && -s2 * (1.0 - cs[c]) > m) m = -s2 * (1.0 - cs[c]);
        }
        /* l = d_y + log sum_{c != y} exp(-d_c), d_c = 2 s^2 (1 - cos_c) */
        for (int c = 0; c < C; c++)
            if (c != y) z += exp(-s2 * (1.0 - cs[c]) - m);
        double wi = LW(w, i), lse = m + log(z);
        loss += wi * (s2 * (1.0 - cs[y]) + lse);
        for (int c = 0; c < C; c++) {
            double q = c == y ? 0.0 : exp(-s2 * (1.0 - cs[c]) - lse);
            double g = wi * inv * s2 * (c == y ? -1.0 : q);   /* dl/dcos_c */
            const float *p = proxies + (size_t)c * D;
            if (demb) cos_grad_add(demb + (size_t)i * D, x, p, xn, pn[c], cs[c], g, D);
            if (dproxies) cos_grad_add(dproxies + (size_t)c * D, p, x, pn[c], xn, cs[c], g, D);
        }
    }
    return (float)(loss * inv);
}

/* ---- DINO ----------------------------------------------------------------------------------- */

float loss_dino(const float *student, const float *teacher, const float *center, const float *w,
                int n, int K, float tau_s, float tau_t, float *dstudent)
{
    RL_ASSERT(student && teacher && center && n > 0 && K > 0 && tau_s > 0.0f && tau_t > 0.0f);
    double loss = 0.0, inv = 1.0 / n, is = 1.0 / tau_s, it = 1.0 / tau_t;
    for (int i = 0; i < n; i++) {
        const float *s = student + (size_t)i * K, *t = teacher + (size_t)i * K;
        /* the teacher's target: centred, sharpened by tau_t, a constant */
        double mt = -INFINITY, zt = 0.0;
        for (int k = 0; k < K; k++) if ((t[k] - (double)center[k]) * it > mt) mt = (t[k] - (double)center[k]) * it;
        for (int k = 0; k < K; k++) zt += exp((t[k] - (double)center[k]) * it - mt);
        double lse_s = lm_lse(s, K, is), wi = LW(w, i), li = 0.0;
        for (int k = 0; k < K; k++) {
            double pt = exp((t[k] - (double)center[k]) * it - mt) / zt;
            li -= pt * (s[k] * is - lse_s);
            if (dstudent)
                dstudent[(size_t)i * K + k] = (float)(wi * inv * is * (exp(s[k] * is - lse_s) - pt));
        }
        loss += wi * li;
    }
    return (float)(loss * inv);
}

void loss_dino_update_center(float *center, const float *teacher, int n, int K, float momentum)
{
    RL_ASSERT(center && teacher && n > 0 && K > 0 && momentum >= 0.0f && momentum <= 1.0f);
    for (int k = 0; k < K; k++) {
        double mean = 0.0;
        for (int i = 0; i < n; i++) mean += teacher[(size_t)i * K + k];
        center[k] = (float)(momentum * (double)center[k] + (1.0 - momentum) * mean / n);
    }
}

/* ---- MoCo ----------------------------------------------------------------------------------- */

int loss_moco_scratch(int M) { return 2 * M + 1; }

float loss_moco(const float *q, const float *k, const float *queue, int n, int D, int M,
                float temperature, float *scratch, float *dq)
{
    RL_ASSERT(q && k && queue && n > 0 && D > 0 && M > 0 && temperature > 0.0f && scratch);
    float *qn = scratch, *lg = scratch + M;   /* queue norms (M), cosines [pos, queue] (M + 1) */
    double it = 1.0 / temperature, inv = 1.0 / n, loss = 0.0;
    for (int m = 0; m < M; m++) qn[m] = (float)norm_floor(queue + (size_t)m * D, D);
    for (int i = 0; i < n; i++) {
        const float *qi = q + (size_t)i * D, *ki = k + (size_t)i * D;
        double nq = norm_floor(qi, D), nk = norm_floor(ki, D);
        lg[0] = (float)(lm_dot(qi, ki, D) / (nq * nk));
        for (int m = 0; m < M; m++)
            lg[1 + m] = (float)(lm_dot(qi, queue + (size_t)m * D, D) / (nq * qn[m]));
        double lse = lm_lse(lg, M + 1, it);
        loss += lse - lg[0] * it;
        if (!dq) continue;
        float *g = dq + (size_t)i * D;
        memset(g, 0, sizeof(float) * D);
        for (int j = 0; j <= M; j++) {
            double gj = (exp(lg[j] * it - lse) - (j == 0)) * it * inv;
            const float *v = j == 0 ? ki : queue + (size_t)(j - 1) * D;
            cos_grad_add(g, qi, v, nq, j == 0 ? nk : qn[j - 1], lg[j], gj, D);
        }
    }
    return (float)(loss * inv);
}

void loss_moco_enqueue(float *queue, int M, int D, int *head, const float *keys, int n)
{
    RL_ASSERT(queue && head && keys && n > 0 && n <= M && *head >= 0 && *head < M);
    for (int i = 0; i < n; i++) {
        memcpy(queue + (size_t)*head * D, keys + (size_t)i * D, sizeof(float) * D);
        *head = (*head + 1) % M;
    }
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */


LOSS_DEF(810, npair,
         LOSS_KERNEL("loss_npair"),
         .formula = "mean_i -log softmax_j(a_i . p_j)_i + l2_reg (||a_i||^2 + ||p_i||^2)", .n_params = 1,
         .params = {P_NONNEG("l2_reg", 0.002f, "weight of the embedding-norm penalty")});
LOSS_DEF(820, proxy_nca,
         LOSS_KERNEL("loss_proxy_nca"),
         .formula = "mean w [d_iy + log sum_{c != y} exp(-d_ic)], d_ic = 2 s^2 (1 - cos(x_i, proxy_c))",
         .n_params = 1, .params = {P_POS("scale", 3.0f, "scale s of the normalised embeddings and proxies")});
LOSS_DEF(830, dino,
         LOSS_KERNEL("loss_dino, loss_dino_update_center"),
         .formula = "mean w -sum_k softmax((t - center) / tau_t)_k log softmax(s / tau_s)_k",
         .n_params = 3,
         .params = {P_POS("student_temp", 0.1f, "student temperature tau_s"),
                    P_POS("teacher_temp", 0.04f, "teacher temperature tau_t (sharpening)"),
                    P_CLOSED01("center_momentum", 0.9f, "EMA rate of the teacher centre")});
LOSS_DEF(840, moco,
         LOSS_KERNEL("loss_moco, loss_moco_enqueue"),
         .formula = "mean_i -log softmax([cos(q_i, k_i), cos(q_i, queue_m)] / T)_0", .n_params = 1,
         .params = {P_POS("temperature", 0.07f, "softmax temperature")});
