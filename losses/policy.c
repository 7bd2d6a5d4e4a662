/* rlc losses: policy-gradient terms (PPO clipped surrogate, entropy bonus, ...).
 *
 * Inputs are per-sample log-probabilities of the taken actions (and advantages computed by the
 * caller); the kernels return the mean loss to minimise and d(mean)/dlogp. */
#include "losses/loss.h"
#include "losses/loss_row.h"

#include <math.h>

#include "core/mathx.h"

#define WI(w, i) ((w) ? (double)(w)[i] : 1.0)

float loss_ppo_clip(const float *logp, const float *logp_old, const float *adv, const float *w,
                    int n, float clip, float *dlogp, float *clipfrac, float *approx_kl)
{
    RL_ASSERT(logp && logp_old && adv && n > 0 && clip > 0.0f);
    double s = 0.0, kl = 0.0, inv = 1.0 / n, c = clip;
    int n_clipped = 0;
    for (int i = 0; i < n; i++) {
        double lr = (double)logp[i] - logp_old[i];
        double r = exp(lr), a = adv[i], wi = WI(w, i);
        double rc = r < 1.0 - c ? 1.0 - c : (r > 1.0 + c ? 1.0 + c : r);
        double su = -a * r, sc = -a * rc;
        /* the max picks the clipped term only when it is strictly larger, which happens only when
         * r is outside [1-c, 1+c], where clip() is flat: no gradient */
        if (sc > su) {
            s += wi * sc;
            if (dlogp) dlogp[i] = 0.0f;
        } else {
            s += wi * su;
            if (dlogp) dlogp[i] = (float)(wi * su * inv);  /* d(-a r)/dlogp = -a r */
        }
        if (fabs(r - 1.0) > c) n_clipped++;
        kl += (r - 1.0) - lr;
    }
    if (clipfrac) *clipfrac = (float)(n_clipped * inv);
    if (approx_kl) *approx_kl = (float)(kl * inv);
    return (float)(s * inv);
}

float loss_entropy_bonus(const float *ent, const float *w, int n, float *dent)
{
    RL_ASSERT(ent && n > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double wi = WI(w, i);
        s += wi * ent[i];
        if (dent) dent[i] = (float)(-wi * inv);
    }
    return (float)(-s * inv);
}

/* ---- policy gradient family -------------------------------------------------------------------- */

float loss_reinforce(const float *logp, const float *returns, const float *baseline,
                     const float *w, int n, float *dlogp)
{
    RL_ASSERT(logp && returns && n > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double a = (double)returns[i] - (baseline ? baseline[i] : 0.0), wi = WI(w, i);
        s += -wi * a * logp[i];
        if (dlogp) dlogp[i] = (float)(-wi * a * inv);
    }
    return (float)(s * inv);
}

float loss_policy_gradient(const float *logp, const float *adv, const float *w, int n,
                           float *dlogp)
{
    return loss_reinforce(logp, adv, NULL, w, n, dlogp);
}

float loss_ppo_unclipped(const float *logp, const float *logp_old, const float *adv, const float *w,
                         int n, float *dlogp)
{
    RL_ASSERT(logp && logp_old && adv && n > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double r = exp((double)logp[i] - logp_old[i]), wi = WI(w, i);
        s += -wi * adv[i] * r;
        if (dlogp) dlogp[i] = (float)(-wi * adv[i] * r * inv);
    }
    return (float)(s * inv);
}

float loss_awr(const float *logp, const float *adv, const float *w, int n, float beta,
               float max_weight, float *dlogp)
{
    RL_ASSERT(logp && adv && n > 0 && beta > 0.0f && max_weight > 0.0f);
    double s = 0.0, inv = 1.0 / n, lmax = log((double)max_weight);
    for (int i = 0; i < n; i++) {
        /* exp(A / beta) clipped at max_weight, computed in log space (no overflow) */
        double z = (double)adv[i] / beta, ew = z > lmax ? max_weight : exp(z), wi = WI(w, i);
        s += -wi * ew * logp[i];
        if (dlogp) dlogp[i] = (float)(-wi * ew * inv);
    }
    return (float)(s * inv);
}

float loss_entropy_categorical(const float *logits, const float *w, int n, int K,
                               float *dlogits, float *ent_out)
{
    RL_ASSERT(logits && n > 0 && K > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        const float *x = logits + (size_t)i * K;
        float m = x[0];
        for (int k = 1; k < K; k++) if (x[k] > m) m = x[k];
        double acc = 0.0;
        for (int k = 0; k < K; k++) acc += exp((double)x[k] - m);
        double lse = m + log(acc), H = 0.0, wi = WI(w, i);
        for (int k = 0; k < K; k++) {
            double lp = x[k] - lse, p = exp(lp);
            if (p > 0.0) H -= p * lp;
        }
        s += wi * H;
        if (ent_out) ent_out[i] = (float)H;
        if (dlogits)
            for (int k = 0; k < K; k++) {
                double lp = x[k] - lse, p = exp(lp);
                /* d(-H)/dz_k = p_k (log p_k + H); p_k log p_k -> 0 as p_k -> 0 */
                dlogits[(size_t)i * K + k] = (float)(p > 0.0 ? wi * inv * p * (lp + H) : 0.0);
            }
    }
    return (float)(-s * inv);
}

float loss_entropy_gaussian(const float *log_std, const float *w, int n, int D, float *dlog_std)
{
    RL_ASSERT(log_std && n > 0 && D > 0);
    double s = 0.0, inv = 1.0 / n, c = 0.5 * log(2.0 * M_PI * M_E);
    for (int i = 0; i < n; i++) {
        double wi = WI(w, i), H = 0.0;
        for (int d = 0; d < D; d++) {
            H += log_std[(size_t)i * D + d] + c;
            if (dlog_std) dlog_std[(size_t)i * D + d] = (float)(-wi * inv);
        }
        s += wi * H;
    }
    return (float)(-s * inv);
}

float loss_sac_actor(const float *logp, const float *q, const float *w, int n, float alpha,
                     float *dlogp, float *dq)
{
    RL_ASSERT(logp && q && n > 0 && alpha >= 0.0f);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double wi = WI(w, i);
        s += wi * ((double)alpha * logp[i] - q[i]);
        if (dlogp) dlogp[i] = (float)(wi * alpha * inv);
        if (dq) dq[i] = (float)(-wi * inv);
    }
    return (float)(s * inv);
}

float loss_dpg(const float *q, const float *w, int n, float *dq)
{
    RL_ASSERT(q && n > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double wi = WI(w, i);
        s -= wi * q[i];
        if (dq) dq[i] = (float)(-wi * inv);
    }
    return (float)(s * inv);
}

float loss_sac_alpha(float log_alpha, const float *logp, int n, float target_entropy,
                     float *dlog_alpha)
{
    RL_ASSERT(logp && n > 0);
    double m = 0.0;
    for (int i = 0; i < n; i++) m += (double)logp[i] + target_entropy;
    m /= n;
    if (dlog_alpha) *dlog_alpha = (float)-m;
    return (float)(-log_alpha * m);
}

void loss_grpo_advantages(float *adv, const float *rewards, int n_groups, int group_size,
                          float eps)
{
    RL_ASSERT(adv && rewards && n_groups > 0 && group_size > 0 && eps >= 0.0f);
    for (int g = 0; g < n_groups; g++) {
        const float *r = rewards + (size_t)g * group_size;
        float *a = adv + (size_t)g * group_size;
        double m = 0.0, v = 0.0;
        for (int i = 0; i < group_size; i++) m += r[i];
        m /= group_size;
        for (int i = 0; i < group_size; i++) v += ((double)r[i] - m) * ((double)r[i] - m);
        double sd = group_size > 1 ? sqrt(v / (group_size - 1)) : 0.0;
        for (int i = 0; i < group_size; i++) {
            double c = (double)r[i] - m;
            a[i] = (sd + eps) > 0.0 ? (float)(c / (sd + eps)) : 0.0f;
        }
    }
}

float loss_grpo(const float *logp, const float *logp_old, const float *logp_ref, const float *adv,
                const float *w, int n, float clip, float beta, float *dlogp)
{
    RL_ASSERT(logp && logp_old && adv && n > 0 && clip > 0.0f && beta >= 0.0f);
    RL_ASSERT(logp_ref || beta == 0.0f);
    double s = 0.0, inv = 1.0 / n, c = clip;
    for (int i = 0; i < n; i++) {
        double r = exp((double)logp[i] - logp_old[i]), a = adv[i], wi = WI(w, i);
        double rc = r < 1.0 - c ? 1.0 - c : (r > 1.0 + c ? 1.0 + c : r);
        double su = -a * r, sc = -a * rc, l, g;
        if (sc > su) { l = sc; g = 0.0; }
        else { l = su; g = su; }
        if (beta > 0.0f) {
            double dr = (double)logp_ref[i] - logp[i], e = exp(dr);
            l += beta * (e - dr - 1.0);
            g += beta * (1.0 - e);
        }
        s += wi * l;
        if (dlogp) dlogp[i] = (float)(wi * g * inv);
    }
    return (float)(s * inv);
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */

static float pr_ppo_clip(const float *logp, const float *logp_old, const float *adv,
                         const float *w, int n, const float *p, float *dlogp)
{
    return loss_ppo_clip(logp, logp_old, adv, w, n, p[0], dlogp, NULL, NULL);
}
/* ppo_clip's clip fraction counts the ratios outside its own clip range */
static float clip_ppo_clip(const float *p) { return p[0]; }
static float pr_ppo_unclipped(const float *logp, const float *logp_old, const float *adv,
                              const float *w, int n, const float *p, float *dlogp)
{
    (void)p;
    return loss_ppo_unclipped(logp, logp_old, adv, w, n, dlogp);
}
static float pr_pg(const float *logp, const float *logp_old, const float *adv, const float *w,
                   int n, const float *p, float *dlogp)
{
    (void)logp_old;
    (void)p;
    return loss_policy_gradient(logp, adv, w, n, dlogp);
}
static float pr_awr(const float *logp, const float *logp_old, const float *adv, const float *w,
                    int n, const float *p, float *dlogp)
{
    (void)logp_old;
    return loss_awr(logp, adv, w, n, p[0], p[1], dlogp);
}
static float ent_bonus(const float *ent, const float *w, int n, const float *p, float *dent)
{
    (void)p;
    return loss_entropy_bonus(ent, w, n, dent);
}

LOSS_DEF(110, ppo_clip,
         .kind = LOSS_KIND_POLICY_RATIO,
         .formula = "mean w max(-A r, -A clip(r, 1 - clip, 1 + clip)), r = exp(logp - logp_old)",
         .n_params = 1, .params = {P_OPEN01("clip", 0.2f, "clip range of the probability ratio")},
         .policy_ratio = pr_ppo_clip, .kernel = "loss_ppo_clip", .clip = clip_ppo_clip);
LOSS_DEF(120, ppo_unclipped,
         .kind = LOSS_KIND_POLICY_RATIO,
         .formula = "mean w -A r, r = exp(logp - logp_old) (the surrogate without PPO's clip)",
         .policy_ratio = pr_ppo_unclipped, .kernel = "loss_ppo_unclipped");
LOSS_DEF(130, pg,
         .kind = LOSS_KIND_POLICY_RATIO,
         .formula = "mean w -A logp (REINFORCE with baseline / actor-critic; logp_old unused)",
         .policy_ratio = pr_pg, .kernel = "loss_policy_gradient");
LOSS_DEF(140, awr,
         .kind = LOSS_KIND_POLICY_RATIO,
         .formula = "mean w -min(exp(A / beta), max_weight) logp (logp_old unused)", .n_params = 2,
         .params = {P_POS("beta", 1.0f, "temperature of the advantage weights"),
                    P_POS("max_weight", 20.0f, "clip of the weights")},
         .policy_ratio = pr_awr, .kernel = "loss_awr");
LOSS_DEF(150, reinforce,
         LOSS_KERNEL("loss_reinforce"),
         .formula = "mean w -(G - b) logp (baseline b constant; fit it with a value loss)");
LOSS_DEF(160, entropy,
         .kind = LOSS_KIND_ENTROPY, .formula = "-mean w ent",
         .entropy = ent_bonus, .kernel = "loss_entropy_bonus");
LOSS_DEF(170, entropy_categorical,
         LOSS_KERNEL("loss_entropy_categorical"),
         .formula = "-mean w H(softmax(logits)), H = -sum_k p_k log p_k");
LOSS_DEF(180, entropy_gaussian,
         LOSS_KERNEL("loss_entropy_gaussian"),
         .formula = "-mean w sum_d (log_std_d + 0.5 log(2 pi e))");
LOSS_DEF(190, sac_actor,
         LOSS_KERNEL("loss_sac_actor"), .formula = "mean w (alpha logp(a~) - Q(s, a~))",
         .n_params = 1, .params = {P_NONNEG("alpha", 0.2f, "entropy temperature")});
LOSS_DEF(195, dpg, LOSS_KERNEL("loss_dpg"), .formula = "-mean w Q(s, mu(s)) (DDPG, TD3 actor)");
LOSS_DEF(200, sac_alpha,
         LOSS_KERNEL("loss_sac_alpha"),
         .formula = "-mean log_alpha (logp + target_entropy) (logp constant)", .n_params = 1,
         .params = {P_ANY("target_entropy", -1.0f, "usually -dim(action)")});
LOSS_DEF(210, grpo,
         LOSS_KERNEL("loss_grpo_advantages, loss_grpo"),
         .formula = "mean w [max(-A r, -A clip(r, 1-clip, 1+clip)) + beta (e^(ref-logp) - (ref-logp) - 1)], "
                    "A = (R - mean_group) / (std_group + eps)",
         .n_params = 3,
         .params = {P_OPEN01("clip", 0.2f, "clip range of the ratio"),
                    P_NONNEG("beta", 0.04f, "weight of the k3 KL to the reference policy"),
                    P_NONNEG("eps", 1e-4f, "added to the group std")});
