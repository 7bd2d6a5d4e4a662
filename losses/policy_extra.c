/* rlc losses: more policy objectives: PPO's KL-penalty surrogate with its adaptive coefficient
 * (Schulman et al. 2017, section 4), V-MPO's top-half advantage-weighted policy loss and its
 * temperature loss (Song et al. 2020), and the per-token KL-shaped reward of RLHF (Ziegler et al.
 * 2019; Stiennon et al. 2020; Ouyang et al. 2022). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

/* ---- PPO with a KL penalty ------------------------------------------------------------------ */

float loss_ppo_kl(const float *logp, const float *logp_old, const float *adv, const float *w,
                  int n, float beta, float *dlogp, float *kl_out)
{
    RL_ASSERT(logp && logp_old && adv && n > 0 && beta >= 0.0f);
    double loss = 0.0, kl = 0.0, inv = 1.0 / n;
    /* -A r + beta ((r - 1) - log r) regrouped as (beta - A) r - beta (1 + log r): for a large r
     * the two terms in r would cancel to nothing and lose beta (1 + log r) (and the gradient
     * -A r + beta (r - 1) its -beta) */
    for (int i = 0; i < n; i++) {
        double lr = (double)logp[i] - logp_old[i], r = exp(lr), wi = LW(w, i), c = beta - (double)adv[i];
        loss += wi * (c * r - beta * (1.0 + lr));
        kl += (r - 1.0) - lr;
        if (dlogp) dlogp[i] = (float)(wi * inv * (c * r - beta));
    }
    if (kl_out) *kl_out = (float)(kl * inv);
    return (float)(loss * inv);
}

float loss_ppo_kl_adapt(float beta, float kl, float kl_target)
{
    RL_ASSERT(beta >= 0.0f && kl_target > 0.0f);
    if (kl < kl_target / 1.5f) return beta * 0.5f;
    if (kl > kl_target * 1.5f) return beta * 2.0f;
    return beta;
}

/* ---- V-MPO ---------------------------------------------------------------------------------- */

static int cmp_desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x < y) - (x > y);
}

/* marks (1.0f) the ceil(n/2) largest advantages in top (n), ties taken in index order, using
 * sorted (n) as room; returns how many */
static int vmpo_top_half(float *top, float *sorted, const float *adv, int n)
{
    int k = (n + 1) / 2, taken = 0;
    memcpy(sorted, adv, sizeof(float) * n);
    qsort(sorted, (size_t)n, sizeof(float), cmp_desc);
    float thr = sorted[k - 1];
    for (int i = 0; i < n; i++) {
        top[i] = adv[i] > thr ? 1.0f : 0.0f;
        taken += adv[i] > thr;
    }
    for (int i = 0; i < n && taken < k; i++)
        if (adv[i] == thr) top[i] = 1.0f, taken++;
    return k;
}

/* log sum_{top} exp(A_i / eta) */
static double vmpo_lse(const float *adv, const float *top, int n, double eta)
{
    double m = -INFINITY, z = 0.0;
    for (int i = 0; i < n; i++) if (top[i] != 0.0f && adv[i] / eta > m) m = adv[i] / eta;
    for (int i = 0; i < n; i++) if (top[i] != 0.0f) z += exp(adv[i] / eta - m);
    return m + log(z);
}

float loss_vmpo_policy(const float *logp, const float *adv, int n, float eta, float *scratch,
                       float *dlogp)
{
    RL_ASSERT(logp && adv && n > 0 && eta > 0.0f && scratch);
    float *top = scratch, *sorted = scratch + n;
    vmpo_top_half(top, sorted, adv, n);
    double lse = vmpo_lse(adv, top, n, eta), loss = 0.0;
    for (int i = 0; i < n; i++) {
        double psi = top[i] != 0.0f ? exp(adv[i] / (double)eta - lse) : 0.0;
        loss -= psi * logp[i];
        if (dlogp) dlogp[i] = (float)-psi;
    }
    return (float)loss;
}

float loss_vmpo_temperature(float eta, const float *adv, int n, float eps_eta, float *scratch,
                            float *deta)
{
    RL_ASSERT(adv && n > 0 && eta > 0.0f && scratch);
    float *top = scratch, *sorted = scratch + n;
    int k = vmpo_top_half(top, sorted, adv, n);
    double e = eta, lse = vmpo_lse(adv, top, n, e), mean_a = 0.0;
    /* L = eta eps + eta log mean_top exp(A / eta); dL/deta = eps + log mean - sum psi A / eta */
    for (int i = 0; i < n; i++)
        if (top[i] != 0.0f) mean_a += exp(adv[i] / e - lse) * adv[i];
    double log_mean = lse - log((double)k);
    if (deta) *deta = (float)(eps_eta + log_mean - mean_a / e);
    return (float)(e * eps_eta + e * log_mean);
}

/* ---- RLHF per-token reward ------------------------------------------------------------------ */

float loss_rlhf_kl_reward(float *rewards, const float *logp, const float *logp_ref,
                          const float *score, const int *lengths, int n, int T, float beta,
                          float *kl_out)
{
    RL_ASSERT(rewards && logp && logp_ref && score && lengths && n > 0 && T > 0 && beta >= 0.0f);
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        int len = lengths[i];
        RL_ASSERT(len >= 1 && len <= T);
        double kl = 0.0;
        for (int t = 0; t < T; t++) {
            size_t k = (size_t)i * T + t;
            double d = t < len ? (double)logp[k] - logp_ref[k] : 0.0;
            kl += d;
            rewards[k] = (float)(-beta * d + (t == len - 1 ? score[i] : 0.0));
        }
        if (kl_out) kl_out[i] = (float)kl;
        total += kl;
    }
    return (float)(total / n);
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */

static float pr_ppo_kl(const float *logp, const float *logp_old, const float *adv, const float *w, int n,
                       const float *p, float *dlogp)
{
    return loss_ppo_kl(logp, logp_old, adv, w, n, p[0], dlogp, NULL);
}
/* p[0] is the current beta, adapted after each update with loss_ppo_kl_adapt and kept in
 * [1e-6, 1e6], so that a run of quiet updates (an annealed rate, say) cannot halve it to 0, from
 * where doubling never brings it back; a beta of 0 in the config stays 0 (the plain surrogate) */
static void adapt_ppo_kl(float *p, double kl)
{
    float beta = p[0];
    if (beta == 0.0f) return;
    beta = loss_ppo_kl_adapt(beta, (float)kl, p[1]);
    p[0] = beta < 1e-6f ? 1e-6f : beta > 1e6f ? 1e6f : beta;
}

LOSS_DEF(880, ppo_kl,
         .kind = LOSS_KIND_POLICY_RATIO, .policy_ratio = pr_ppo_kl,
         .kernel = "loss_ppo_kl, loss_ppo_kl_adapt", .adapt = adapt_ppo_kl, .state_name = "kl_beta",
         .formula = "mean w [-A r + beta ((r - 1) - log r)]; beta halves / doubles when KL < target / 1.5 "
                    "/ > 1.5 target",
         .n_params = 2,
         .params = {P_NONNEG("beta", 1.0f, "initial KL coefficient"),
                    P_POS("kl_target", 0.01f, "target KL of the adaptive rule")});
LOSS_DEF(890, vmpo,
         LOSS_KERNEL("loss_vmpo_policy, loss_vmpo_temperature"),
         .formula = "-sum_top psi logp, psi = softmax_top(A / eta); eta eps_eta + eta log mean_top e^(A / eta)",
         .n_params = 1, .params = {P_POS("eps_eta", 0.01f, "bound of the temperature's dual")});
LOSS_DEF(900, rlhf_kl_reward,
         LOSS_KERNEL("loss_rlhf_kl_reward"),
         .formula = "r_t = -beta (logp_t - logp_ref_t) [+ score at the last token]", .n_params = 1,
         .params = {P_NONNEG("beta", 0.05f, "KL coefficient")});
