/* rlc losses: the distributional targets and losses (C51's projection and loss, QR-DQN's and
 * IQN's quantiles). The TD targets (TD(0), n-step, TD(lambda)) and GAE are replay/returns.c. */
#include <math.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

void loss_c51_project(float *target_probs, const float *next_probs, const float *rewards,
                      const unsigned char *dones, int n, int A, float gamma, float v_min,
                      float v_max)
{
    RL_ASSERT(target_probs && next_probs && rewards && n > 0 && A > 1 && v_min < v_max);
    double dz = ((double)v_max - v_min) / (A - 1);
    for (int i = 0; i < n; i++) {
        float *m = target_probs + (size_t)i * A;
        const float *p = next_probs + (size_t)i * A;
        double disc = (dones && dones[i]) ? 0.0 : gamma;
        for (int k = 0; k < A; k++) m[k] = 0.0f;
        for (int j = 0; j < A; j++) {
            double z = v_min + j * dz, tz = rewards[i] + disc * z;
            tz = tz < v_min ? v_min : (tz > v_max ? v_max : tz);
            double b = (tz - v_min) / dz;
            if (b > A - 1) b = A - 1;
            int l = (int)floor(b), u = (int)ceil(b);
            if (l == u) m[l] += p[j];
            else {
                m[l] += (float)(p[j] * (u - b));
                m[u] += (float)(p[j] * (b - l));
            }
        }
    }
}

float loss_c51(const float *logits, const float *target_probs, const float *w, int n, int A,
               float *dlogits)
{
    return loss_soft_cross_entropy(logits, target_probs, w, n, A, dlogits);
}

/* ---- quantile regression ------------------------------------------------------------------------ */

void loss_qr_taus(float *taus, int Nq)
{
    RL_ASSERT(taus && Nq > 0);
    for (int i = 0; i < Nq; i++) taus[i] = (float)((2.0 * i + 1.0) / (2.0 * Nq));
}

void loss_iqn_sample_taus(float *taus, int n, rl_rng *rng)
{
    RL_ASSERT(taus && n > 0 && rng);
    for (int i = 0; i < n; i++) {
        double u;
        do u = rl_rng_double(rng); while (u <= 0.0 || u >= 1.0);
        taus[i] = (float)u;
    }
}

#define QH_BLOCK 256

/* The pairs (theta_i, target_j) of one row for quantiles i < m: sl[i] += sum_j w L(u) and
 * sg[i] += sum_j w dL/du with u = target_j - theta_i, w = |tau_i - 1{u < 0}|. Huber (k > 0):
 * with q = min(|u|, k), L = q^2 / 2k + |u| - q and dL/du = clamp(u / k, -1, 1); k = 0: the plain
 * quantile loss |u|, sign(u). Branch-free, so the loop over i vectorises. */
static void qh_block(const float *th, const float *tau, int m, const float *tg, int Nt, float k,
                     float *sl, float *sg)
{
    const float ik = k > 0.0f ? 1.0f / k : 0.0f, hk = 0.5f * ik;
    for (int j = 0; j < Nt; j++) {
        const float t = tg[j];
        if (k > 0.0f) {
            for (int i = 0; i < m; i++) {
                float u = t - th[i], au = fabsf(u);
                float wt = u < 0.0f ? 1.0f - tau[i] : tau[i];
                float q = au < k ? au : k;
                float d = u * ik;
                d = d > 1.0f ? 1.0f : d;
                d = d < -1.0f ? -1.0f : d;
                sl[i] += wt * (hk * q * q + (au - q));
                sg[i] += wt * d;
            }
        } else {
            for (int i = 0; i < m; i++) {
                float u = t - th[i];
                float wt = u < 0.0f ? 1.0f - tau[i] : tau[i];
                float d = u > 0.0f ? 1.0f : 0.0f;
                d = u < 0.0f ? -1.0f : d;
                sl[i] += wt * fabsf(u);
                sg[i] += wt * d;
            }
        }
    }
}

float loss_quantile_huber(const float *theta, const float *target, const float *taus,
                          int taus_per_sample, const float *w, int n, int Nq, int Nt, float kappa,
                          float *dtheta)
{
    RL_ASSERT(theta && target && taus && n > 0 && Nq > 0 && Nt > 0 && kappa >= 0.0f);
    /* Vectorised over the quantiles (qh_block), in blocks of QH_BLOCK; row sums in double. */
    double s = 0.0, inv = 1.0 / ((double)n * Nt);
    float sl[QH_BLOCK], sg[QH_BLOCK];
    for (int b = 0; b < n; b++) {
        const float *th = theta + (size_t)b * Nq, *tg = target + (size_t)b * Nt;
        const float *tau = taus + (taus_per_sample ? (size_t)b * Nq : 0);
        double wb = LW(w, b), sb = 0.0;
        for (int i0 = 0; i0 < Nq; i0 += QH_BLOCK) {
            const int m = Nq - i0 < QH_BLOCK ? Nq - i0 : QH_BLOCK;
            for (int i = 0; i < m; i++) sl[i] = sg[i] = 0.0f;
            qh_block(th + i0, tau + i0, m, tg, Nt, kappa, sl, sg);
            for (int i = 0; i < m; i++) {
                sb += sl[i];
                if (dtheta) dtheta[(size_t)b * Nq + i0 + i] = (float)(-wb * sg[i] * inv); /* du/dtheta = -1 */
            }
        }
        s += wb * sb;
    }
    return (float)(s * inv);
}

float loss_iqn_quantile_huber(const float *theta, const float *target, const float *taus, const float *w, int n,
                              int N, int Np, float kappa, float *dtheta)
{
    return loss_quantile_huber(theta, target, taus, 1, w, n, N, Np, kappa, dtheta);
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */

static int chk_nstep(const float *p, char *why, size_t sz) { return loss_check_whole(p, 0, "n", why, sz); }
static int chk_c51(const float *p, char *why, size_t sz)
{
    if (!(p[0] < p[1])) {
        snprintf(why, sz, "parameter 'v_min' = %g must be below 'v_max' = %g", p[0], p[1]);
        return -1;
    }
    return loss_check_whole(p, 2, "atoms", why, sz);
}

/* the RL targets are computed in replay/returns.c; their rows are here so that `rlc losses` shows
 * them and their parameters */
LOSS_DEF(600, td0,
         LOSS_KERNEL("replay_td0_target"), .formula = "y = r + gamma (1 - terminated) V(s')",
         .n_params = 1, .params = {P_GAMMA});
LOSS_DEF(610, nstep,
         LOSS_KERNEL("replay_nstep_targets"),
         .formula = "y = sum_{k<m} gamma^k r_{t+k} + gamma^m V(s_{t+m}), m <= n, cut at episode ends",
         .n_params = 2, .params = {{"n", 3.0f, 1.0f, INFINITY, 0, 0, "steps"}, P_GAMMA}, .check = chk_nstep);
LOSS_DEF(620, td_lambda,
         LOSS_KERNEL("replay_td_lambda_targets"),
         .formula = "G_t = r_t + gamma (1 - term_t) [(1 - lambda) V(s_{t+1}) + lambda G_{t+1}]",
         .n_params = 2, .params = {P_GAMMA, P_CLOSED01("lambda", 0.95f, "trace decay")});
LOSS_DEF(630, quantile_huber,
         LOSS_KERNEL("loss_quantile_huber"),
         .formula = "mean_b sum_i mean_j |tau_i - 1{u_ij < 0}| L_kappa(u_ij) / kappa, u = T_j - theta_i",
         .n_params = 1, .params = {P_NONNEG("kappa", 1.0f, "Huber threshold (0 = plain quantile loss)")});
LOSS_DEF(635, iqn_quantile_huber,
         LOSS_KERNEL("loss_iqn_quantile_huber"),
         .formula = "mean_b w_b sum_i mean_j |tau_bi - 1{u_bij < 0}| L_kappa(u_bij) / kappa, u = T_bj - theta_bi, "
                    "tau_bi ~ U(0, 1) per sample",
         .n_params = 1, .params = {P_NONNEG("kappa", 1.0f, "Huber threshold (0 = plain quantile loss)")});
LOSS_DEF(640, c51,
         LOSS_KERNEL("loss_c51_project, loss_c51"),
         .formula = "mean w -sum_k m_k log softmax(x)_k, m = projection of r + gamma z onto the atoms",
         .n_params = 4,
         .params = {P_ANY("v_min", -10.0f, "lowest atom"), P_ANY("v_max", 10.0f, "highest atom"),
                    {"atoms", 51.0f, 2.0f, INFINITY, 0, 0, "number of atoms"}, P_GAMMA},
         .check = chk_c51);
