/* rlc losses: contrastive and metric-learning losses over embeddings (pair, triplet with mining,
 * InfoNCE / NT-Xent / SupCon, VICReg, Barlow Twins, BYOL, ArcFace / CosFace, torch's cosine and
 * hinge embedding losses). Batch-level objectives take caller scratch; nothing allocates. */
#include <math.h>
#include <string.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

#define PD_EPS 1e-6    /* torch pairwise_distance eps */
#define COS_EPS 1e-8   /* norm floor for cosine similarity */
#define DIST_EPS 1e-12 /* inside the square root of mined distances */

/* torch pairwise_distance: ||a - b + eps||; writes the unit direction (a - b + eps) / d to dir */
static double pdist(const float *a, const float *b, int D, double *dir_scale)
{
    double s = 0.0;
    for (int d = 0; d < D; d++) {
        double t = (double)a[d] - b[d] + PD_EPS;
        s += t * t;
    }
    double r = sqrt(s);
    if (dir_scale) *dir_scale = r > 0 ? 1.0 / r : 0.0;
    return r;
}

/* ---- pair, triplet ---------------------------------------------------------------------------- */

float loss_contrastive_pair(const float *a, const float *b, const float *same, const float *w,
                            int n, int D, float margin, float *da, float *db)
{
    RL_ASSERT(a && b && same && n > 0 && D > 0 && margin >= 0.0f);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        const float *ai = a + (size_t)i * D, *bi = b + (size_t)i * D;
        double sc, d = pdist(ai, bi, D, &sc), wi = LW(w, i), g;
        if (same[i] != 0.0f) {
            s += wi * d * d;
            g = 2.0;                         /* d(d^2)/d(diff) = 2 diff */
        } else {
            double h = margin - d;
            s += h > 0 ? wi * h * h : 0.0;
            g = h > 0 ? -2.0 * h * sc : 0.0; /* d(h^2)/d(diff) = -2 h diff / d */
        }
        for (int k = 0; k < D; k++) {
            double diff = (double)ai[k] - bi[k] + PD_EPS, gk = wi * inv * g * diff;
            if (da) da[(size_t)i * D + k] = (float)gk;
            if (db) db[(size_t)i * D + k] = (float)-gk;
        }
    }
    return (float)(s * inv);
}

float loss_triplet(const float *anchor, const float *pos, const float *neg, const float *w, int n,
                   int D, float margin, float *danchor, float *dpos, float *dneg)
{
    RL_ASSERT(anchor && pos && neg && n > 0 && D > 0 && margin >= 0.0f);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        const float *a = anchor + (size_t)i * D, *p = pos + (size_t)i * D, *q = neg + (size_t)i * D;
        double sp, sn, dp = pdist(a, p, D, &sp), dn = pdist(a, q, D, &sn), wi = LW(w, i);
        double h = dp - dn + margin;
        int on = h > 0;
        if (on) s += wi * h;
        for (int k = 0; k < D; k++) {
            size_t j = (size_t)i * D + k;
            double up = on ? wi * inv * ((double)a[k] - p[k] + PD_EPS) * sp : 0.0;
            double un = on ? wi * inv * ((double)a[k] - q[k] + PD_EPS) * sn : 0.0;
            if (danchor) danchor[j] = (float)(up - un);
            if (dpos) dpos[j] = (float)-up;
            if (dneg) dneg[j] = (float)un;
        }
    }
    return (float)(s * inv);
}

static double edist(const float *a, const float *b, int D)
{
    double s = 0.0;
    for (int d = 0; d < D; d++) {
        double t = (double)a[d] - b[d];
        s += t * t;
    }
    return sqrt(s + DIST_EPS);
}

/* demb[i] += g (e_i - e_j) / d, demb[j] -= the same */
static void edist_back(float *demb, const float *emb, int i, int j, int D, double d, double g)
{
    for (int k = 0; k < D; k++) {
        double t = g * ((double)emb[(size_t)i * D + k] - emb[(size_t)j * D + k]) / d;
        demb[(size_t)i * D + k] += (float)t;
        demb[(size_t)j * D + k] -= (float)t;
    }
}

float loss_triplet_batch_hard(const float *emb, const int *labels, int n, int D, float margin,
                              float *demb)
{
    RL_ASSERT(emb && labels && n > 0 && D > 0 && margin >= 0.0f);
    if (demb) memset(demb, 0, sizeof(float) * (size_t)n * D);
    /* first pass: count valid anchors (so gradients can be scaled as they are accumulated) */
    int valid = 0;
    for (int i = 0; i < n; i++) {
        int hp = 0, hn = 0;
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            if (labels[j] == labels[i]) hp = 1; else hn = 1;
        }
        valid += hp && hn;
    }
    if (valid == 0) return 0.0f;
    double s = 0.0, inv = 1.0 / valid;
    for (int i = 0; i < n; i++) {
        int jp = -1, jn = -1;
        double dp = -1.0, dn = INFINITY;
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            double d = edist(emb + (size_t)i * D, emb + (size_t)j * D, D);
            if (labels[j] == labels[i]) { if (d > dp) { dp = d; jp = j; } }
            else if (d < dn) { dn = d; jn = j; }
        }
        if (jp < 0 || jn < 0) continue;
        double h = dp - dn + margin;
        if (h <= 0) continue;
        s += h;
        if (demb) {
            edist_back(demb, emb, i, jp, D, dp, inv);
            edist_back(demb, emb, i, jn, D, dn, -inv);
        }
    }
    return (float)(s * inv);
}

float loss_triplet_semi_hard(const float *emb, const int *labels, int n, int D, float margin,
                             float *demb)
{
    RL_ASSERT(emb && labels && n > 0 && D > 0 && margin >= 0.0f);
    if (demb) memset(demb, 0, sizeof(float) * (size_t)n * D);
    int pairs = 0;
    for (int a = 0; a < n; a++) {
        int has_neg = 0, n_pos = 0;
        for (int j = 0; j < n; j++) {
            if (labels[j] != labels[a]) has_neg = 1;
            else if (j != a) n_pos++;
        }
        if (has_neg) pairs += n_pos;
    }
    if (pairs == 0) return 0.0f;
    double s = 0.0, inv = 1.0 / pairs;
    for (int a = 0; a < n; a++) {
        const float *ea = emb + (size_t)a * D;
        for (int p = 0; p < n; p++) {
            if (p == a || labels[p] != labels[a]) continue;
            double dp = edist(ea, emb + (size_t)p * D, D);
            int j_out = -1, j_far = -1;
            double d_out = INFINITY, d_far = -1.0;
            for (int j = 0; j < n; j++) {
                if (labels[j] == labels[a]) continue;
                double d = edist(ea, emb + (size_t)j * D, D);
                if (d > dp && d < d_out) { d_out = d; j_out = j; }
                if (d > d_far) { d_far = d; j_far = j; }
            }
            if (j_far < 0) continue;
            int jn = j_out >= 0 ? j_out : j_far;
            double dn = j_out >= 0 ? d_out : d_far;
            double h = dp - dn + margin;
            if (h <= 0) continue;
            s += h;
            if (demb) {
                edist_back(demb, emb, a, p, D, dp, inv);
                edist_back(demb, emb, a, jn, D, dn, -inv);
            }
        }
    }
    return (float)(s * inv);
}

/* ---- cosine-similarity matrices ---------------------------------------------------------------
 * A "row set" is rows 0..split-1 of x1 followed by rows of x2, so that the two views of NT-Xent are
 * one set without copying. */
typedef struct {
    const float *x1, *x2;
    int split, n;
} rowset;

static const float *rs_row(const rowset *r, int i, int D)
{
    return i < r->split ? r->x1 + (size_t)i * D : r->x2 + (size_t)(i - r->split) * D;
}

static float *rs_grow(float *g1, float *g2, int split, int i, int D)
{
    if (i < split) return g1 ? g1 + (size_t)i * D : NULL;
    return g2 ? g2 + (size_t)(i - split) * D : NULL;
}

static void rs_norms(float *norms, const rowset *r, int D)
{
    for (int i = 0; i < r->n; i++) {
        const float *x = rs_row(r, i, D);
        double s = sqrt(lm_dot(x, x, D));
        norms[i] = (float)(s > COS_EPS ? s : COS_EPS);
    }
}

/* S (na, nb) = cos(A_i, B_j) */
static void cos_matrix(float *S, const rowset *A, const float *na, const rowset *B,
                       const float *nb, int D)
{
    for (int i = 0; i < A->n; i++)
        for (int j = 0; j < B->n; j++)
            S[(size_t)i * B->n + j] =
                (float)(lm_dot(rs_row(A, i, D), rs_row(B, j, D), D) / ((double)na[i] * nb[j]));
}

/* Given G = dL/dS, ADDS dL/dA and dL/dB into the gradient row sets (dA1/dA2 split like A).
 * dcos(u, v)/du = v / (|u| |v|) - cos u / |u|^2. */
static void cos_backward(float *dA1, float *dA2, float *dB1, float *dB2, const float *G,
                         const float *S, const rowset *A, const float *na, const rowset *B,
                         const float *nb, int D)
{
    for (int i = 0; i < A->n; i++) {
        float *gi = rs_grow(dA1, dA2, A->split, i, D);
        const float *ai = rs_row(A, i, D);
        for (int j = 0; j < B->n; j++) {
            double g = G[(size_t)i * B->n + j];
            if (g == 0.0) continue;
            double c = S[(size_t)i * B->n + j];
            const float *bj = rs_row(B, j, D);
            float *gj = rs_grow(dB1, dB2, B->split, j, D);
            /* the row updates in float: they vectorise, and gradients need no more */
            float fa = (float)(g / ((double)na[i] * nb[j])), fa2 = (float)(g * c / ((double)na[i] * na[i]));
            float fb2 = (float)(g * c / ((double)nb[j] * nb[j]));
            if (gi)
                for (int k = 0; k < D; k++) gi[k] += fa * bj[k] - fa2 * ai[k];
            if (gj)
                for (int k = 0; k < D; k++) gj[k] += fa * ai[k] - fb2 * bj[k];
        }
    }
}

static void zero2(float *a, float *b, size_t n)
{
    if (a) memset(a, 0, sizeof(float) * n);
    if (b) memset(b, 0, sizeof(float) * n);
}

int loss_info_nce_scratch(int n) { return n * n * 2 + 4 * n; }

float loss_info_nce(const float *z1, const float *z2, int n, int D, float temperature,
                    int symmetric, float *scratch, float *dz1, float *dz2)
{
    RL_ASSERT(z1 && z2 && n > 0 && D > 0 && temperature > 0.0f && scratch);
    float *S = scratch, *G = S + (size_t)n * n, *n1 = G + (size_t)n * n, *n2 = n1 + n;
    float *lr = n2 + n, *lc = lr + n;
    rowset A = {z1, NULL, n, n}, B = {z2, NULL, n, n};
    rs_norms(n1, &A, D);
    rs_norms(n2, &B, D);
    cos_matrix(S, &A, n1, &B, n2, D);
    double it = 1.0 / temperature, loss = 0.0, half = symmetric ? 0.5 : 1.0;
    for (int i = 0; i < n; i++) {
        lr[i] = (float)lm_lse(S + (size_t)i * n, n, it);
        loss += half * (lr[i] - S[(size_t)i * n + i] * it);
    }
    if (symmetric)
        for (int j = 0; j < n; j++) {
            double m = -INFINITY, acc = 0.0;
            for (int i = 0; i < n; i++) if (S[(size_t)i * n + j] * it > m) m = S[(size_t)i * n + j] * it;
            for (int i = 0; i < n; i++) acc += exp(S[(size_t)i * n + j] * it - m);
            lc[j] = (float)(m + log(acc));
            loss += half * (lc[j] - S[(size_t)j * n + j] * it);
        }
    if (dz1 || dz2) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = S[(size_t)i * n + j] * it, e = (i == j);
                double g = half * (exp(s - lr[i]) - e);
                if (symmetric) g += half * (exp(s - lc[j]) - e);
                G[(size_t)i * n + j] = (float)(g * it / n);
            }
        zero2(dz1, dz2, (size_t)n * D);
        cos_backward(dz1, NULL, dz2, NULL, G, S, &A, n1, &B, n2, D);
    }
    return (float)(loss / n);
}

int loss_nt_xent_scratch(int n) { return 8 * n * n + 6 * n; }

float loss_nt_xent(const float *z1, const float *z2, int n, int D, float temperature,
                   float *scratch, float *dz1, float *dz2)
{
    RL_ASSERT(z1 && z2 && n > 0 && D > 0 && temperature > 0.0f && scratch);
    int m = 2 * n;
    float *S = scratch, *G = S + (size_t)m * m, *nr = G + (size_t)m * m, *lse = nr + m;
    rowset Z = {z1, z2, n, m};
    rs_norms(nr, &Z, D);
    cos_matrix(S, &Z, nr, &Z, nr, D);
    double it = 1.0 / temperature, loss = 0.0;
    for (int a = 0; a < m; a++) {
        double mx = -INFINITY, acc = 0.0;
        for (int b = 0; b < m; b++) if (b != a && S[(size_t)a * m + b] * it > mx) mx = S[(size_t)a * m + b] * it;
        for (int b = 0; b < m; b++) if (b != a) acc += exp(S[(size_t)a * m + b] * it - mx);
        lse[a] = (float)(mx + log(acc));
        int pos = (a + n) % m;
        loss += lse[a] - S[(size_t)a * m + pos] * it;
    }
    if (dz1 || dz2) {
        for (int a = 0; a < m; a++)
            for (int b = 0; b < m; b++) {
                double g = 0.0;
                if (b != a) g = exp(S[(size_t)a * m + b] * it - lse[a]) - (b == (a + n) % m);
                G[(size_t)a * m + b] = (float)(g * it / m);
            }
        zero2(dz1, dz2, (size_t)n * D);
        cos_backward(dz1, dz2, dz1, dz2, G, S, &Z, nr, &Z, nr, D);
    }
    return (float)(loss / m);
}

int loss_supcon_scratch(int n) { return 2 * n * n + 2 * n; }

float loss_supcon(const float *z, const int *labels, int n, int D, float temperature,
                  float *scratch, float *dz)
{
    RL_ASSERT(z && labels && n > 0 && D > 0 && temperature > 0.0f && scratch);
    float *S = scratch, *G = S + (size_t)n * n, *nr = G + (size_t)n * n, *lse = nr + n;
    rowset Z = {z, NULL, n, n};
    rs_norms(nr, &Z, D);
    cos_matrix(S, &Z, nr, &Z, nr, D);
    double it = 1.0 / temperature, loss = 0.0;
    int anchors = 0;
    for (int i = 0; i < n; i++) {
        int np = 0;
        for (int j = 0; j < n; j++) np += j != i && labels[j] == labels[i];
        if (np) anchors++;
    }
    if (dz) memset(dz, 0, sizeof(float) * (size_t)n * D);
    if (anchors == 0) return 0.0f;
    for (int i = 0; i < n; i++) {
        int np = 0;
        double mx = -INFINITY, acc = 0.0, spos = 0.0;
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            if (S[(size_t)i * n + j] * it > mx) mx = S[(size_t)i * n + j] * it;
            if (labels[j] == labels[i]) { np++; spos += S[(size_t)i * n + j] * it; }
        }
        for (int j = 0; j < n; j++) if (j != i) acc += exp(S[(size_t)i * n + j] * it - mx);
        lse[i] = (float)(mx + log(acc));
        for (int j = 0; j < n; j++) G[(size_t)i * n + j] = 0.0f;
        if (!np) continue;
        loss += lse[i] - spos / np;
        for (int j = 0; j < n; j++) {
            if (j == i) continue;
            double g = exp(S[(size_t)i * n + j] * it - lse[i]) - (labels[j] == labels[i] ? 1.0 / np : 0.0);
            G[(size_t)i * n + j] = (float)(g * it / anchors);
        }
    }
    if (dz) cos_backward(dz, NULL, dz, NULL, G, S, &Z, nr, &Z, nr, D);
    return (float)(loss / anchors);
}

/* ---- VICReg, Barlow Twins, BYOL ---------------------------------------------------------------- */

int loss_vicreg_scratch(int D) { return D * D + 2 * D; }

/* variance + covariance terms of one branch; ADDS their gradient into dz */
#define VR_BLOCK 64

static double vicreg_branch(const float *z, int n, int D, double var_w, double cov_w, double eps,
                            float *scratch, float *dz)
{
    /* Sums in double, the inner loops running over contiguous features (they vectorise) in
     * blocks of VR_BLOCK; C is the unbiased covariance, symmetric. */
    float *mean = scratch, *sd = mean + D, *C = sd + D;
    double acc[VR_BLOCK];
    for (int d0 = 0; d0 < D; d0 += VR_BLOCK) {
        int m = D - d0 < VR_BLOCK ? D - d0 : VR_BLOCK;
        for (int k = 0; k < m; k++) acc[k] = 0.0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < m; k++) acc[k] += z[(size_t)i * D + d0 + k];
        for (int k = 0; k < m; k++) mean[d0 + k] = (float)(acc[k] / n);
    }
    for (int a = 0; a < D; a++)
        for (int b0 = a; b0 < D; b0 += VR_BLOCK) {
            int m = D - b0 < VR_BLOCK ? D - b0 : VR_BLOCK;
            for (int k = 0; k < m; k++) acc[k] = 0.0;
            for (int i = 0; i < n; i++) {
                const float *zi = z + (size_t)i * D + b0, *mb = mean + b0;
                double za = (double)z[(size_t)i * D + a] - mean[a];
                for (int k = 0; k < m; k++) acc[k] += za * ((double)zi[k] - mb[k]);
            }
            for (int k = 0; k < m; k++) C[(size_t)a * D + b0 + k] = C[(size_t)(b0 + k) * D + a] = (float)(acc[k] / (n - 1));
        }
    double var_l = 0.0, cov_l = 0.0;
    for (int d = 0; d < D; d++) {
        sd[d] = (float)sqrt((double)C[(size_t)d * D + d] + eps);
        var_l += sd[d] < 1.0f ? 1.0 - sd[d] : 0.0;
    }
    for (int a = 0; a < D; a++)
        for (int b = 0; b < D; b++)
            if (a != b) cov_l += (double)C[(size_t)a * D + b] * C[(size_t)a * D + b];
    if (dz) {
        /* var: d/dz_id of 0.5/D relu(1 - sd_d) = -0.5/D [sd_d < 1] zc_id / ((n-1) sd_d)
         * cov: d/dz_i. of (1/D) sum_{a!=b} C_ab^2 = 4/(D (n-1)) zc_i. C_offdiag (already centred) */
        /* the cov term's sum_{b != d} zc_ib C_bd = (zc C)_id - zc_id C_dd, added into dz a row at
         * a time (row b of the symmetric C is its column b) */
        for (int i = 0; i < n; i++) {
            const float *zi = z + (size_t)i * D;
            float *di = dz + (size_t)i * D;
            for (int b = 0; b < D; b++) {
                float zb = (zi[b] - mean[b]) * (float)(cov_w * 4.0 / ((double)D * (n - 1)));
                const float *Cb = C + (size_t)b * D;
                for (int d = 0; d < D; d++) di[d] += zb * Cb[d];
            }
            for (int d = 0; d < D; d++) {
                float zc = zi[d] - mean[d];
                float g = -(float)(cov_w * 4.0 / ((double)D * (n - 1))) * zc * C[(size_t)d * D + d];
                if (sd[d] < 1.0f) g -= (float)(var_w * 0.5 / D) * zc / ((float)(n - 1) * sd[d]);
                di[d] += g;
            }
        }
    }
    return var_w * 0.5 * var_l / D + cov_w * cov_l / D;
}

float loss_vicreg(const float *z1, const float *z2, int n, int D, float inv_w, float var_w,
                  float cov_w, float eps, float *scratch, float *dz1, float *dz2)
{
    RL_ASSERT(z1 && z2 && n >= 2 && D > 0 && scratch && eps > 0.0f);
    double inv_l = 0.0, nd = (double)n * D;
    for (size_t k = 0; k < (size_t)n * D; k++) {
        double d = (double)z1[k] - z2[k];
        inv_l += d * d;
        if (dz1) dz1[k] = (float)(inv_w * 2.0 * d / nd);
        if (dz2) dz2[k] = (float)(-inv_w * 2.0 * d / nd);
    }
    double l = inv_w * inv_l / nd;
    l += vicreg_branch(z1, n, D, var_w, cov_w, eps, scratch, dz1);
    l += vicreg_branch(z2, n, D, var_w, cov_w, eps, scratch, dz2);
    return (float)l;
}

int loss_barlow_scratch(int n, int D) { return 2 * n * D + D * D + 2 * D; }

/* standardises columns of z (n, D) into out; sd (D) receives sqrt(var_biased + eps) */
static void bn_cols(float *out, float *sd, const float *z, int n, int D, double eps)
{
    for (int d = 0; d < D; d++) {
        double m = 0.0, v = 0.0;
        for (int i = 0; i < n; i++) m += z[(size_t)i * D + d];
        m /= n;
        for (int i = 0; i < n; i++) {
            double t = z[(size_t)i * D + d] - m;
            v += t * t;
        }
        sd[d] = (float)sqrt(v / n + eps);
        for (int i = 0; i < n; i++) out[(size_t)i * D + d] = (float)((z[(size_t)i * D + d] - m) / sd[d]);
    }
}

/* given dL/dxhat for standardised column(s), WRITES dL/dz into dz (in place allowed) */
static void bn_back(float *dz, const float *dxh, const float *xh, const float *sd, int n, int D)
{
    for (int d = 0; d < D; d++) {
        double mg = 0.0, mgx = 0.0;
        for (int i = 0; i < n; i++) {
            mg += dxh[(size_t)i * D + d];
            mgx += (double)dxh[(size_t)i * D + d] * xh[(size_t)i * D + d];
        }
        mg /= n;
        mgx /= n;
        for (int i = 0; i < n; i++) {
            size_t k = (size_t)i * D + d;
            dz[k] = (float)((dxh[k] - mg - xh[k] * mgx) / sd[d]);
        }
    }
}

float loss_barlow_twins(const float *z1, const float *z2, int n, int D, float lambda, float eps,
                        float *scratch, float *dz1, float *dz2)
{
    RL_ASSERT(z1 && z2 && n >= 2 && D > 0 && scratch && lambda >= 0.0f && eps > 0.0f);
    float *a = scratch, *b = a + (size_t)n * D, *C = b + (size_t)n * D, *s1 = C + (size_t)D * D;
    float *s2 = s1 + D;
    bn_cols(a, s1, z1, n, D, eps);
    bn_cols(b, s2, z2, n, D, eps);
    /* C = a^T b / n with double sums over contiguous rows of b (blocks of VR_BLOCK columns) */
    double loss = 0.0, acc[VR_BLOCK];
    for (int j = 0; j < D; j++)
        for (int k0 = 0; k0 < D; k0 += VR_BLOCK) {
            int m = D - k0 < VR_BLOCK ? D - k0 : VR_BLOCK;
            for (int t = 0; t < m; t++) acc[t] = 0.0;
            for (int i = 0; i < n; i++) {
                double aij = a[(size_t)i * D + j];
                const float *bi = b + (size_t)i * D + k0;
                for (int t = 0; t < m; t++) acc[t] += aij * bi[t];
            }
            for (int t = 0; t < m; t++) {
                int k = k0 + t;
                double c = acc[t] / n;
                C[(size_t)j * D + k] = (float)c;
                loss += j == k ? (1.0 - c) * (1.0 - c) : lambda * c * c;
            }
        }
    if (dz1 || dz2) {
        /* G = dL/dC in place of C; dL/da = b G^T / n, dL/db = a G / n */
        for (int j = 0; j < D; j++)
            for (int k = 0; k < D; k++) {
                double c = C[(size_t)j * D + k];
                C[(size_t)j * D + k] = (float)(j == k ? -2.0 * (1.0 - c) : 2.0 * lambda * c);
            }
        for (int i = 0; i < n; i++) {
            const float *ai = a + (size_t)i * D, *bi = b + (size_t)i * D;
            if (dz1)
                for (int j = 0; j < D; j++) dz1[(size_t)i * D + j] = (float)(lm_dot(bi, C + (size_t)j * D, D) / n);
            if (dz2) {
                float *g = dz2 + (size_t)i * D;
                for (int j = 0; j < D; j++) g[j] = 0.0f;
                for (int k = 0; k < D; k++) {
                    const float aik = ai[k] / (float)n, *Ck = C + (size_t)k * D;
                    for (int j = 0; j < D; j++) g[j] += aik * Ck[j];
                }
            }
        }
        if (dz1) bn_back(dz1, dz1, a, s1, n, D);
        if (dz2) bn_back(dz2, dz2, b, s2, n, D);
    }
    return (float)loss;
}

float loss_byol(const float *p, const float *z, const float *w, int n, int D, float *dp)
{
    RL_ASSERT(p && z && n > 0 && D > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        const float *pi = p + (size_t)i * D, *zi = z + (size_t)i * D;
        double np = sqrt(lm_dot(pi, pi, D)), nz = sqrt(lm_dot(zi, zi, D)), wi = LW(w, i);
        if (np < COS_EPS) np = COS_EPS;
        if (nz < COS_EPS) nz = COS_EPS;
        double c = lm_dot(pi, zi, D) / (np * nz);
        s += wi * (2.0 - 2.0 * c);
        if (dp)
            for (int k = 0; k < D; k++)
                dp[(size_t)i * D + k] = (float)(-2.0 * wi * inv * (zi[k] / (np * nz) - c * pi[k] / (np * np)));
    }
    return (float)(s * inv);
}

/* ---- ArcFace / CosFace -------------------------------------------------------------------------- */

static float margin_softmax(const float *emb, const float *weight, const int *labels,
                            const float *w, int n, int D, int K, float scale, float margin,
                            int arc, float *scratch, float *demb, float *dweight)
{
    RL_ASSERT(emb && weight && labels && n > 0 && D > 0 && K > 1 && scratch && scale > 0.0f);
    float *cs = scratch, *nw = scratch + K;
    for (int k = 0; k < K; k++) {
        double t = sqrt(lm_dot(weight + (size_t)k * D, weight + (size_t)k * D, D));
        nw[k] = (float)(t > COS_EPS ? t : COS_EPS);
    }
    if (dweight) memset(dweight, 0, sizeof(float) * (size_t)K * D);
    double s = 0.0, inv = 1.0 / n, cm = cos(margin), sm = sin(margin);
    double th = cos(M_PI - margin), mm = sin(M_PI - margin) * margin;
    for (int i = 0; i < n; i++) {
        const float *e = emb + (size_t)i * D;
        int y = labels[i];
        RL_ASSERT(y >= 0 && y < K);
        double ne = sqrt(lm_dot(e, e, D)), wi = LW(w, i);
        if (ne < COS_EPS) ne = COS_EPS;
        for (int k = 0; k < K; k++) cs[k] = (float)(lm_dot(e, weight + (size_t)k * D, D) / (ne * nw[k]));
        double c = cs[y], phi, dphi;
        if (arc) {
            double cc = c > 1.0 - 1e-7 ? 1.0 - 1e-7 : (c < -1.0 + 1e-7 ? -1.0 + 1e-7 : c);
            double sn = sqrt(1.0 - cc * cc);
            if (c > th) { phi = c * cm - sn * sm; dphi = cm + cc * sm / sn; }
            else { phi = c - mm; dphi = 1.0; }
        } else {
            phi = c - margin;
            dphi = 1.0;
        }
        /* logits s * cos, target s * phi; lse over them */
        double mx = scale * phi;
        for (int k = 0; k < K; k++) if (k != y && scale * cs[k] > mx) mx = scale * cs[k];
        double acc = 0.0;
        for (int k = 0; k < K; k++) acc += exp(scale * (k == y ? phi : cs[k]) - mx);
        double lse = mx + log(acc);
        s += wi * (lse - scale * phi);
        if (demb) for (int d = 0; d < D; d++) demb[(size_t)i * D + d] = 0.0f;
        if (!demb && !dweight) continue;
        for (int k = 0; k < K; k++) {
            double p = exp(scale * (k == y ? phi : cs[k]) - lse);
            double gc = wi * inv * scale * (p - (k == y)) * (k == y ? dphi : 1.0);
            const float *wk = weight + (size_t)k * D;
            for (int d = 0; d < D; d++) {
                if (demb) demb[(size_t)i * D + d] += (float)(gc * (wk[d] / (ne * nw[k]) - cs[k] * e[d] / (ne * ne)));
                if (dweight)
                    dweight[(size_t)k * D + d] += (float)(gc * (e[d] / (ne * nw[k]) - cs[k] * wk[d] / ((double)nw[k] * nw[k])));
            }
        }
    }
    return (float)(s * inv);
}

float loss_arcface(const float *emb, const float *weight, const int *labels, const float *w, int n,
                   int D, int K, float scale, float margin, float *scratch, float *demb,
                   float *dweight)
{
    return margin_softmax(emb, weight, labels, w, n, D, K, scale, margin, 1, scratch, demb, dweight);
}

float loss_cosface(const float *emb, const float *weight, const int *labels, const float *w, int n,
                   int D, int K, float scale, float margin, float *scratch, float *demb,
                   float *dweight)
{
    return margin_softmax(emb, weight, labels, w, n, D, K, scale, margin, 0, scratch, demb, dweight);
}

/* ---- torch embedding losses -------------------------------------------------------------------- */

float loss_cosine_embedding(const float *x1, const float *x2, const float *y, const float *w,
                            int n, int D, float margin, float *dx1, float *dx2)
{
    RL_ASSERT(x1 && x2 && y && n > 0 && D > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        const float *a = x1 + (size_t)i * D, *b = x2 + (size_t)i * D;
        double m1 = lm_dot(a, a, D) + 1e-12, m2 = lm_dot(b, b, D) + 1e-12;
        double den = sqrt(m1 * m2), c = lm_dot(a, b, D) / den, wi = LW(w, i), gc = 0.0;
        if (y[i] > 0) { s += wi * (1.0 - c); gc = -1.0; }
        else if (c - margin > 0) { s += wi * (c - margin); gc = 1.0; }
        for (int k = 0; k < D; k++) {
            size_t j = (size_t)i * D + k;
            if (dx1) dx1[j] = (float)(wi * inv * gc * (b[k] / den - c * a[k] / m1));
            if (dx2) dx2[j] = (float)(wi * inv * gc * (a[k] / den - c * b[k] / m2));
        }
    }
    return (float)(s * inv);
}

float loss_hinge_embedding(const float *x, const float *y, const float *w, int n, float margin,
                           float *dx)
{
    RL_ASSERT(x && y && n > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double wi = LW(w, i), g = 0.0;
        if (y[i] > 0) { s += wi * x[i]; g = 1.0; }
        else if (margin - x[i] > 0) { s += wi * (margin - x[i]); g = -1.0; }
        if (dx) dx[i] = (float)(wi * inv * g);
    }
    return (float)(s * inv);
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */

static int chk_symmetric(const float *p, char *why, size_t sz) { return loss_check_whole(p, 1, "symmetric", why, sz); }

LOSS_DEF(370, contrastive_pair,
         LOSS_KERNEL("loss_contrastive_pair"),
         .formula = "mean w [same d^2 + (1 - same) max(0, margin - d)^2], d = ||a - b||",
         .n_params = 1, .params = {P_NONNEG("margin", 1.0f, "distance dissimilar pairs are pushed to")});
LOSS_DEF(380, triplet,
         LOSS_KERNEL("loss_triplet"),
         .formula = "mean w max(d(a, p) - d(a, n) + margin, 0)", .n_params = 1,
         .params = {P_NONNEG("margin", 1.0f, "margin")});
LOSS_DEF(390, triplet_batch_hard,
         LOSS_KERNEL("loss_triplet_batch_hard"),
         .formula = "mean_a max(0, max_p d(a, p) - min_n d(a, n) + margin)", .n_params = 1,
         .params = {P_NONNEG("margin", 0.3f, "margin")});
LOSS_DEF(400, triplet_semi_hard,
         LOSS_KERNEL("loss_triplet_semi_hard"),
         .formula = "mean_(a,p) max(0, d(a, p) - d(a, n*) + margin), n* the closest n with d(a,n) > d(a,p)",
         .n_params = 1, .params = {P_NONNEG("margin", 0.3f, "margin")});
LOSS_DEF(410, info_nce,
         LOSS_KERNEL("loss_info_nce"),
         .formula = "mean_i -log softmax_j(cos(z1_i, z2_j) / T)_i [+ column loss, averaged, if symmetric]",
         .n_params = 2,
         .params = {P_POS("temperature", 0.07f, "softmax temperature"),
                    P_FLAG("symmetric", 1.0f, "1: CLIP's symmetric loss")},
         .check = chk_symmetric);
LOSS_DEF(420, nt_xent,
         LOSS_KERNEL("loss_nt_xent"),
         .formula = "mean over 2n views -log softmax_{b != a}(cos(v_a, v_b) / T)_pos(a)", .n_params = 1,
         .params = {P_POS("temperature", 0.5f, "softmax temperature")});
LOSS_DEF(430, supcon,
         LOSS_KERNEL("loss_supcon"),
         .formula = "mean_i -1/|P(i)| sum_{p in P(i)} log softmax_{a != i}(cos(z_i, z_a) / T)_p",
         .n_params = 1, .params = {P_POS("temperature", 0.07f, "softmax temperature")});
LOSS_DEF(440, vicreg,
         LOSS_KERNEL("loss_vicreg"),
         .formula = "inv_w mse(z1, z2) + var_w mean relu(1 - std) + cov_w sum offdiag(C)^2 / D",
         .n_params = 4,
         .params = {P_NONNEG("inv_w", 25.0f, "invariance weight"),
                    P_NONNEG("var_w", 25.0f, "variance weight"),
                    P_NONNEG("cov_w", 1.0f, "covariance weight"),
                    P_POS("eps", 1e-4f, "added to the variance under the square root")});
LOSS_DEF(450, barlow_twins,
         LOSS_KERNEL("loss_barlow_twins"),
         .formula = "sum_j (1 - C_jj)^2 + lambda sum_{j != k} C_jk^2, C = z1n^T z2n / n", .n_params = 2,
         .params = {P_NONNEG("lambda", 5e-3f, "weight of the redundancy term"),
                    P_POS("eps", 1e-5f, "batch-norm epsilon")});
LOSS_DEF(460, byol,
         LOSS_KERNEL("loss_byol"), .formula = "mean w (2 - 2 cos(p, sg(z)))");
LOSS_DEF(470, arcface,
         LOSS_KERNEL("loss_arcface"),
         .formula = "CE over s cos(theta_j), target s cos(theta_y + m)", .n_params = 2,
         .params = {P_POS("scale", 64.0f, "logit scale s"),
                    {"margin", 0.5f, 0.0f, 1.5707964f, 0, 1, "additive angular margin m (radians)"}});
LOSS_DEF(480, cosface,
         LOSS_KERNEL("loss_cosface"),
         .formula = "CE over s cos(theta_j), target s (cos(theta_y) - m)", .n_params = 2,
         .params = {P_POS("scale", 64.0f, "logit scale s"),
                    P_NONNEG("margin", 0.35f, "additive cosine margin m")});
LOSS_DEF(490, cosine_embedding,
         LOSS_KERNEL("loss_cosine_embedding"),
         .formula = "mean w [y = 1: 1 - cos(x1, x2); y = -1: max(0, cos(x1, x2) - margin)]",
         .n_params = 1, .params = {{"margin", 0.0f, -1.0f, 1.0f, 0, 0, "cosine margin"}});
LOSS_DEF(500, hinge_embedding,
         LOSS_KERNEL("loss_hinge_embedding"),
         .formula = "mean w [y = 1: x; y = -1: max(0, margin - x)]", .n_params = 1,
         .params = {P_NONNEG("margin", 1.0f, "margin")});
