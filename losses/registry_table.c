/* rlc losses: the table of registered losses (names, kinds, parameters, formulas) and the
 * adapters that call each kernel with its parameters taken from a loss_spec's p[]. */
#include <math.h>

#include "losses/loss.h"
#include "losses/registry_table.h"

/* ---- adapters: kernel(params...) -> kind signature ---------------------------------------- */

static float reg_mse(const float *pred, const float *target, const float *w, int n,
                     const float *p, float *dpred)
{
    (void)p;
    return loss_mse(pred, target, w, n, dpred);
}

static float reg_huber(const float *pred, const float *target, const float *w, int n,
                       const float *p, float *dpred)
{
    return loss_huber(pred, target, w, n, p[0], dpred);
}

static float vc_clipped(const float *v, const float *v_old, const float *ret, const float *w,
                        int n, const float *p, float *dv)
{
    return loss_value_clipped(v, v_old, ret, w, n, p[0], dv);
}

static float pr_ppo_clip(const float *logp, const float *logp_old, const float *adv,
                         const float *w, int n, const float *p, float *dlogp)
{
    return loss_ppo_clip(logp, logp_old, adv, w, n, p[0], dlogp, NULL, NULL);
}

static float ent_bonus(const float *ent, const float *w, int n, const float *p, float *dent)
{
    (void)p;
    return loss_entropy_bonus(ent, w, n, dent);
}

/* ---- parameter shorthands ------------------------------------------------------------------ */

#define INF INFINITY
/* name, default, lo, hi, lo_open, hi_open, doc */
#define P_POS(nm, def, doc) {nm, def, 0.0f, INF, 1, 0, doc}          /* > 0 */
#define P_NONNEG(nm, def, doc) {nm, def, 0.0f, INF, 0, 0, doc}       /* >= 0 */
#define P_OPEN01(nm, def, doc) {nm, def, 0.0f, 1.0f, 1, 1, doc}      /* in (0, 1) */
#define P_CLOSED01(nm, def, doc) {nm, def, 0.0f, 1.0f, 0, 0, doc}    /* in [0, 1] */
#define P_ANY(nm, def, doc) {nm, def, -INF, INF, 0, 0, doc}          /* any finite */

const loss_desc loss_table[] = {
    /* value losses and regression */
    {.name = "mse", .kind = LOSS_KIND_REGRESSION, .formula = "mean w (pred - target)^2",
     .regression = reg_mse},
    {.name = "huber", .kind = LOSS_KIND_REGRESSION,
     .formula = "mean w (0.5 d^2 if |d| <= delta else delta (|d| - 0.5 delta)), d = pred - target",
     .n_params = 1, .params = {P_POS("delta", 1.0f, "switch from quadratic to linear at |d| = delta")},
     .regression = reg_huber},
    {.name = "clipped", .kind = LOSS_KIND_VALUE_CLIPPED,
     .formula = "mean w 0.5 max((v - ret)^2, (v_old + clip(v - v_old, -clip, clip) - ret)^2)",
     .n_params = 1,
     .params = {P_POS("clip", 0.2f, "how far v may move from v_old (CleanRL: the PPO clip coef)")},
     .value_clipped = vc_clipped},
    /* policy terms */
    {.name = "ppo_clip", .kind = LOSS_KIND_POLICY_RATIO,
     .formula = "mean w max(-A r, -A clip(r, 1 - clip, 1 + clip)), r = exp(logp - logp_old)",
     .n_params = 1, .params = {P_OPEN01("clip", 0.2f, "clip range of the probability ratio")},
     .policy_ratio = pr_ppo_clip},
    {.name = "entropy", .kind = LOSS_KIND_ENTROPY, .formula = "-mean w ent",
     .entropy = ent_bonus},
};
const int loss_table_len = (int)(sizeof loss_table / sizeof loss_table[0]);
