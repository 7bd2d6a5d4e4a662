/* rlc losses: regularisers over a parameter buffer (L1, L2, elastic net, EWC) and diversity
 * objectives (novelty against an archive, DPP log-determinant). */
#include <math.h>
#include <string.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

float loss_elastic_net(const float *theta, int P, float l1, float l2, float *dtheta)
{
    RL_ASSERT(theta && P > 0 && l1 >= 0.0f && l2 >= 0.0f);
    double s = 0.0;
    for (int i = 0; i < P; i++) {
        double t = theta[i];
        s += l1 * fabs(t) + 0.5 * l2 * t * t;
        if (dtheta) dtheta[i] = (float)(l1 * (t > 0 ? 1.0 : (t < 0 ? -1.0 : 0.0)) + l2 * t);
    }
    return (float)s;
}

float loss_l1_reg(const float *theta, int P, float lambda, float *dtheta)
{
    return loss_elastic_net(theta, P, lambda, 0.0f, dtheta);
}

float loss_l2_reg(const float *theta, int P, float lambda, float *dtheta)
{
    return loss_elastic_net(theta, P, 0.0f, lambda, dtheta);
}

float loss_ewc(const float *theta, const float *theta_star, const float *fisher, int P,
               float lambda, float *dtheta)
{
    RL_ASSERT(theta && theta_star && fisher && P > 0 && lambda >= 0.0f);
    double s = 0.0;
    for (int i = 0; i < P; i++) {
        double d = (double)theta[i] - theta_star[i];
        s += 0.5 * lambda * fisher[i] * d * d;
        if (dtheta) dtheta[i] = (float)(lambda * fisher[i] * d);
    }
    return (float)s;
}

float loss_novelty(const float *b, const float *archive, int n, int M, int D, int k,
                   float *scratch, float *novelty_out, float *db)
{
    RL_ASSERT(b && archive && n > 0 && M > 0 && D > 0 && k > 0 && scratch);
    if (k > M) k = M;
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        const float *bi = b + (size_t)i * D;
        for (int j = 0; j < M; j++) {
            double acc = 0.0;
            for (int d = 0; d < D; d++) {
                double t = (double)bi[d] - archive[(size_t)j * D + d];
                acc += t * t;
            }
            scratch[j] = (float)sqrt(acc + 1e-12);
        }
        if (db) memset(db + (size_t)i * D, 0, sizeof(float) * D);
        double nov = 0.0;
        /* k rounds of selecting the nearest remaining member (k is small) */
        for (int r = 0; r < k; r++) {
            int jm = 0;
            for (int j = 1; j < M; j++) if (scratch[j] < scratch[jm]) jm = j;
            double dj = scratch[jm];
            nov += dj;
            if (db)
                for (int d = 0; d < D; d++)
                    db[(size_t)i * D + d] += (float)(inv / k * ((double)bi[d] - archive[(size_t)jm * D + d]) / dj);
            scratch[jm] = INFINITY;
        }
        nov /= k;
        if (novelty_out) novelty_out[i] = (float)nov;
        s += nov;
    }
    return (float)(s * inv);
}

int loss_dpp_scratch(int n) { return 2 * n * n; }

/* K (n, n) = exp(-||x_i - x_j||^2 / (2 l^2)), plus jitter on the diagonal when add_jitter */
static void dpp_kernel(double *K, const float *x, int n, int D, double il2, double jitter)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double acc = 0.0;
            for (int d = 0; d < D; d++) {
                double t = (double)x[(size_t)i * D + d] - x[(size_t)j * D + d];
                acc += t * t;
            }
            K[(size_t)i * n + j] = exp(-0.5 * acc * il2) + (i == j ? jitter : 0.0);
        }
}

/* Cholesky K = L L^T (L lower, its upper part zeroed); returns log det K, or NAN when K is not
 * positive definite */
static double dpp_cholesky(double *L, const double *K, int n)
{
    double logdet = 0.0;
    for (int j = 0; j < n; j++) {
        double s = K[(size_t)j * n + j];
        for (int k = 0; k < j; k++) s -= L[(size_t)j * n + k] * L[(size_t)j * n + k];
        if (!(s > 0.0)) return NAN;
        double ljj = sqrt(s);
        L[(size_t)j * n + j] = ljj;
        logdet += 2.0 * log(ljj);
        for (int i = j + 1; i < n; i++) {
            double t = K[(size_t)i * n + j];
            for (int k = 0; k < j; k++) t -= L[(size_t)i * n + k] * L[(size_t)j * n + k];
            L[(size_t)i * n + j] = t / ljj;
        }
        for (int i = 0; i < j; i++) L[(size_t)i * n + j] = 0.0;
    }
    return logdet;
}

/* K^{-1} = L^{-T} L^{-1} into Kinv, inverting L in place */
static void dpp_inverse(double *Kinv, double *L, int n)
{
    for (int j = 0; j < n; j++) {
        L[(size_t)j * n + j] = 1.0 / L[(size_t)j * n + j];
        for (int i = j + 1; i < n; i++) {
            double t = 0.0;
            for (int k = j; k < i; k++) t -= L[(size_t)i * n + k] * L[(size_t)k * n + j];
            L[(size_t)i * n + j] = t / L[(size_t)i * n + i];
        }
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double t = 0.0;
            for (int k = i > j ? i : j; k < n; k++) t += L[(size_t)k * n + i] * L[(size_t)k * n + j];
            Kinv[(size_t)i * n + j] = t;
        }
}

float loss_dpp_logdet(const float *x, int n, int D, float lengthscale, float jitter,
                      double *scratch, float *dx)
{
    RL_ASSERT(x && n > 0 && D > 0 && lengthscale > 0.0f && jitter >= 0.0f && scratch);
    double *K = scratch, *L = scratch + (size_t)n * n;
    double il2 = 1.0 / ((double)lengthscale * lengthscale);
    dpp_kernel(K, x, n, D, il2, jitter);
    double logdet = dpp_cholesky(L, K, n);
    if (isnan(logdet)) {
        /* singular: the value is +inf and the gradient is undefined; write zeros (contract) */
        if (dx) memset(dx, 0, sizeof(float) * (size_t)n * D);
        return INFINITY;
    }
    if (dx) {
        dpp_inverse(K, L, n);
        /* d(-logdet)/dx_i = (2 / l^2) sum_j Kinv_ij k_ij (x_i - x_j), k without the jitter */
        for (int i = 0; i < n; i++)
            for (int d = 0; d < D; d++) {
                double g = 0.0;
                for (int j = 0; j < n; j++) {
                    if (j == i) continue;
                    double acc = 0.0;
                    for (int e = 0; e < D; e++) {
                        double t = (double)x[(size_t)i * D + e] - x[(size_t)j * D + e];
                        acc += t * t;
                    }
                    double kij = exp(-0.5 * acc * il2);
                    g += K[(size_t)i * n + j] * kij * ((double)x[(size_t)i * D + d] - x[(size_t)j * D + d]);
                }
                dx[(size_t)i * D + d] = (float)(2.0 * il2 * g);
            }
    }
    return (float)-logdet;
}

float loss_diversity_pairwise(const float *b, int n, int D, int squared, float *db)
{
    RL_ASSERT(b && n >= 2 && D > 0);
    double s = 0.0, inv = 1.0 / ((double)n * (n - 1));
    if (db) memset(db, 0, sizeof(float) * (size_t)n * D);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double acc = 0.0;
            for (int d = 0; d < D; d++) {
                double t = (double)b[(size_t)i * D + d] - b[(size_t)j * D + d];
                acc += t * t;
            }
            double dist = squared ? acc : sqrt(acc + 1e-12);
            s += 2.0 * dist; /* the pair (i, j) and (j, i) */
            if (!db) continue;
            /* d(-2 dist inv)/db_i = -2 inv (squared ? 2 (b_i - b_j) : (b_i - b_j) / dist) */
            double g = -2.0 * inv * (squared ? 2.0 : 1.0 / dist);
            for (int d = 0; d < D; d++) {
                double t = (double)b[(size_t)i * D + d] - b[(size_t)j * D + d];
                db[(size_t)i * D + d] += (float)(g * t);
                db[(size_t)j * D + d] -= (float)(g * t);
            }
        }
    return (float)(-s * inv);
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */

static int chk_k(const float *p, char *why, size_t sz) { return loss_check_whole(p, 0, "k", why, sz); }
static int chk_squared(const float *p, char *why, size_t sz) { return loss_check_whole(p, 0, "squared", why, sz); }

LOSS_DEF(750, l1,
         LOSS_KERNEL("loss_l1_reg"), .formula = "lambda sum |theta|", .n_params = 1,
         .params = {P_NONNEG("lambda", 1e-4f, "coefficient")});
LOSS_DEF(760, l2,
         LOSS_KERNEL("loss_l2_reg"), .formula = "0.5 lambda sum theta^2 (gradient = weight decay)",
         .n_params = 1, .params = {P_NONNEG("lambda", 1e-4f, "coefficient")});
LOSS_DEF(770, elastic_net,
         LOSS_KERNEL("loss_elastic_net"),
         .formula = "l1 sum |theta| + 0.5 l2 sum theta^2", .n_params = 2,
         .params = {P_NONNEG("l1", 1e-4f, "L1 coefficient"), P_NONNEG("l2", 1e-4f, "L2 coefficient")});
LOSS_DEF(780, ewc,
         LOSS_KERNEL("loss_ewc"), .formula = "0.5 lambda sum F (theta - theta_star)^2",
         .n_params = 1, .params = {P_NONNEG("lambda", 1.0f, "strength of the consolidation")});
LOSS_DEF(790, novelty,
         LOSS_KERNEL("loss_novelty"),
         .formula = "mean_i (1/k) sum of the k smallest ||b_i - archive_j||", .n_params = 1,
         .params = {{"k", 15.0f, 1.0f, INFINITY, 0, 0, "nearest neighbours"}}, .check = chk_k);
LOSS_DEF(800, dpp,
         LOSS_KERNEL("loss_dpp_logdet"),
         .formula = "-log det(K + jitter I), K_ij = exp(-||x_i - x_j||^2 / (2 l^2))", .n_params = 2,
         .params = {P_POS("lengthscale", 1.0f, "RBF length scale l"),
                    P_NONNEG("jitter", 1e-6f, "added to the diagonal")});
LOSS_DEF(910, diversity_pairwise,
         LOSS_KERNEL("loss_diversity_pairwise"),
         .formula = "-mean_{i != j} ||b_i - b_j|| (or its square)", .n_params = 1,
         .params = {P_FLAG("squared", 0.0f, "1: squared distances")}, .check = chk_squared);
