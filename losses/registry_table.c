/* rlc losses: the table of registered losses (names, kinds, parameters, formulas) and the
 * adapters that call each kernel with its parameters taken from a loss_spec's p[].
 * Order: value/regression, policy, classification, probabilistic, metric, adversarial,
 * generative, RL, distributional, exploration, preference, regularisation. */
#include <math.h>
#include <stdio.h>

#include "losses/loss.h"
#include "losses/registry_table.h"

/* ---- adapters: kernel(params...) -> kind signature ---------------------------------------- */

#define REG0(fn)                                                                              \
    static float reg_##fn(const float *a, const float *b, const float *w, int n,              \
                          const float *p, float *d)                                          \
    {                                                                                         \
        (void)p;                                                                              \
        return loss_##fn(a, b, w, n, d);                                                      \
    }
#define REG1(fn)                                                                              \
    static float reg_##fn(const float *a, const float *b, const float *w, int n,              \
                          const float *p, float *d)                                          \
    {                                                                                         \
        return loss_##fn(a, b, w, n, p[0], d);                                                \
    }
REG0(mse)
REG0(mae)
REG0(log_cosh)
REG1(huber)
REG1(smooth_l1)
REG1(quantile)
REG1(tukey)
REG1(cauchy)

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

static float pr_pg(const float *logp, const float *logp_old, const float *adv, const float *w,
                   int n, const float *p, float *dlogp)
{
    (void)logp_old;
    (void)p;
    return loss_policy_gradient(logp, adv, w, n, dlogp);
}

static float pr_ppo_unclipped(const float *logp, const float *logp_old, const float *adv,
                              const float *w, int n, const float *p, float *dlogp)
{
    (void)p;
    return loss_ppo_unclipped(logp, logp_old, adv, w, n, dlogp);
}

/* ppo_clip's clip fraction counts the ratios outside its own clip range */
static float clip_ppo_clip(const float *p) { return p[0]; }

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

static float pr_ppo_kl(const float *logp, const float *logp_old, const float *adv, const float *w, int n,
                       const float *p, float *dlogp)
{
    return loss_ppo_kl(logp, logp_old, adv, w, n, p[0], dlogp, NULL);
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

static float gd_gan(const float *r, int nr, const float *f, int nf, const float *p, float *dr,
                    float *df)
{
    (void)p;
    return loss_gan_d(r, nr, f, nf, dr, df);
}
static float gd_wgan(const float *r, int nr, const float *f, int nf, const float *p, float *dr,
                     float *df)
{
    (void)p;
    return loss_wgan_d(r, nr, f, nf, dr, df);
}
static float gd_hinge(const float *r, int nr, const float *f, int nf, const float *p, float *dr,
                      float *df)
{
    (void)p;
    return loss_hinge_gan_d(r, nr, f, nf, dr, df);
}
#define GG(fn)                                                                                \
    static float gg_##fn(const float *f, int n, const float *p, float *df)                    \
    {                                                                                         \
        (void)p;                                                                              \
        return loss_##fn(f, n, df);                                                           \
    }
GG(gan_g_minimax)
GG(gan_g_nonsat)
GG(wgan_g)
GG(hinge_gan_g)

#define PREF_ARGS                                                                             \
    const float *pc, const float *pr, const float *rc, const float *rr, const float *lc,       \
        const float *lr, const float *w, int n, const float *p, float *dpc, float *dpr
static float pf_bt(PREF_ARGS)
{
    (void)rc; (void)rr; (void)lc; (void)lr; (void)p;
    return loss_bradley_terry(pc, pr, w, n, dpc, dpr);
}
static float pf_dpo(PREF_ARGS)
{
    (void)lc; (void)lr;
    return loss_dpo(pc, pr, rc, rr, w, n, p[0], p[1], dpc, dpr);
}
static float pf_ipo(PREF_ARGS)
{
    (void)lc; (void)lr;
    return loss_ipo(pc, pr, rc, rr, w, n, p[0], dpc, dpr);
}
static float pf_simpo(PREF_ARGS)
{
    (void)rc; (void)rr;
    return loss_simpo(pc, pr, lc, lr, w, n, p[0], p[1], dpc, dpr);
}
static float pf_orpo(PREF_ARGS)
{
    (void)rc; (void)rr;
    return loss_orpo(pc, pr, lc, lr, w, n, p[0], dpc, dpr);
}

/* ---- relations between parameters -------------------------------------------------------------- */

static int is_int(float v) { return v == floorf(v); }

static int chk_multi_margin(const float *p, char *why, size_t sz)
{
    if (p[0] != 1.0f && p[0] != 2.0f) {
        snprintf(why, sz, "parameter 'p' = %g must be 1 or 2", p[0]);
        return -1;
    }
    return 0;
}

/* flags and counts stored as floats must be whole numbers */
static int chk_int_named(const float *p, int idx, const char *name, char *why, size_t sz)
{
    if (!is_int(p[idx])) {
        snprintf(why, sz, "parameter '%s' = %g must be a whole number", name, p[idx]);
        return -1;
    }
    return 0;
}
static int chk_full(const float *p, char *why, size_t sz) { return chk_int_named(p, 1, "full", why, sz); }
static int chk_recon(const float *p, char *why, size_t sz) { return chk_int_named(p, 2, "recon_bce", why, sz); }
static int chk_symmetric(const float *p, char *why, size_t sz) { return chk_int_named(p, 1, "symmetric", why, sz); }
static int chk_nstep(const float *p, char *why, size_t sz) { return chk_int_named(p, 0, "n", why, sz); }
static int chk_k(const float *p, char *why, size_t sz) { return chk_int_named(p, 0, "k", why, sz); }
static int chk_squared(const float *p, char *why, size_t sz) { return chk_int_named(p, 0, "squared", why, sz); }
static int chk_bits(const float *p, char *why, size_t sz) { return chk_int_named(p, 0, "bits", why, sz); }
static int chk_c51(const float *p, char *why, size_t sz)
{
    if (!(p[0] < p[1])) {
        snprintf(why, sz, "parameter 'v_min' = %g must be below 'v_max' = %g", p[0], p[1]);
        return -1;
    }
    return chk_int_named(p, 2, "atoms", why, sz);
}

/* ---- parameter shorthands ------------------------------------------------------------------ */

#define INF INFINITY
/* name, default, lo, hi, lo_open, hi_open, doc */
#define P_POS(nm, def, doc) {nm, def, 0.0f, INF, 1, 0, doc}          /* > 0 */
#define P_NONNEG(nm, def, doc) {nm, def, 0.0f, INF, 0, 0, doc}       /* >= 0 */
#define P_OPEN01(nm, def, doc) {nm, def, 0.0f, 1.0f, 1, 1, doc}      /* in (0, 1) */
#define P_CLOSED01(nm, def, doc) {nm, def, 0.0f, 1.0f, 0, 0, doc}    /* in [0, 1] */
#define P_ANY(nm, def, doc) {nm, def, -INF, INF, 0, 0, doc}          /* any finite */
#define P_FLAG(nm, def, doc) {nm, def, 0.0f, 1.0f, 0, 0, doc}        /* 0 or 1 (checked) */
#define P_GAMMA {"gamma", 0.99f, 0.0f, 1.0f, 0, 0, "discount factor"}

#define K(fn) .kind = LOSS_KIND_KERNEL, .kernel = fn

const loss_desc loss_table[] = {
    /* ---- value losses and regression: dispatchable as value losses ---- */
    {.name = "mse", .kind = LOSS_KIND_REGRESSION, .formula = "mean w (pred - target)^2",
     .regression = reg_mse, .kernel = "loss_mse"},
    {.name = "mae", .kind = LOSS_KIND_REGRESSION, .formula = "mean w |pred - target|",
     .regression = reg_mae, .kernel = "loss_mae"},
    {.name = "huber", .kind = LOSS_KIND_REGRESSION,
     .formula = "mean w (0.5 d^2 if |d| <= delta else delta (|d| - 0.5 delta)), d = pred - target",
     .n_params = 1, .params = {P_POS("delta", 1.0f, "switch from quadratic to linear at |d| = delta")},
     .regression = reg_huber, .kernel = "loss_huber"},
    {.name = "smooth_l1", .kind = LOSS_KIND_REGRESSION,
     .formula = "mean w (0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta)",
     .n_params = 1, .params = {P_NONNEG("beta", 1.0f, "width of the quadratic zone (0 = L1)")},
     .regression = reg_smooth_l1, .kernel = "loss_smooth_l1"},
    {.name = "quantile", .kind = LOSS_KIND_REGRESSION,
     .formula = "mean w max(tau u, (tau - 1) u), u = target - pred",
     .n_params = 1, .params = {P_OPEN01("tau", 0.5f, "quantile level")},
     .regression = reg_quantile, .kernel = "loss_quantile"},
    {.name = "quantile_multi", K("loss_quantile_multi"),
     .formula = "mean_i mean_q max(tau_q u_iq, (tau_q - 1) u_iq), u_iq = target_i - pred_iq"},
    {.name = "log_cosh", .kind = LOSS_KIND_REGRESSION, .formula = "mean w log cosh(pred - target)",
     .regression = reg_log_cosh, .kernel = "loss_log_cosh"},
    {.name = "tukey", .kind = LOSS_KIND_REGRESSION,
     .formula = "mean w c^2/6 (1 - (1 - (d/c)^2)^3) for |d| <= c, c^2/6 beyond",
     .n_params = 1, .params = {P_POS("c", 4.685f, "rejection point (4.685: 95% Gaussian efficiency)")},
     .regression = reg_tukey, .kernel = "loss_tukey"},
    {.name = "cauchy", .kind = LOSS_KIND_REGRESSION, .formula = "mean w c^2/2 log(1 + (d/c)^2)",
     .n_params = 1, .params = {P_POS("c", 1.0f, "scale of the residual")},
     .regression = reg_cauchy, .kernel = "loss_cauchy"},
    {.name = "clipped", .kind = LOSS_KIND_VALUE_CLIPPED,
     .formula = "mean w 0.5 max((v - ret)^2, (v_old + clip(v - v_old, -clip, clip) - ret)^2)",
     .n_params = 1,
     .params = {P_POS("clip", 0.2f, "how far v may move from v_old (CleanRL: the PPO clip coef)")},
     .value_clipped = vc_clipped, .kernel = "loss_value_clipped"},

    /* ---- policy terms ---- */
    {.name = "ppo_clip", .kind = LOSS_KIND_POLICY_RATIO,
     .formula = "mean w max(-A r, -A clip(r, 1 - clip, 1 + clip)), r = exp(logp - logp_old)",
     .n_params = 1, .params = {P_OPEN01("clip", 0.2f, "clip range of the probability ratio")},
     .policy_ratio = pr_ppo_clip, .kernel = "loss_ppo_clip", .clip = clip_ppo_clip},
    {.name = "ppo_unclipped", .kind = LOSS_KIND_POLICY_RATIO,
     .formula = "mean w -A r, r = exp(logp - logp_old) (the surrogate without PPO's clip)",
     .policy_ratio = pr_ppo_unclipped, .kernel = "loss_ppo_unclipped"},
    {.name = "pg", .kind = LOSS_KIND_POLICY_RATIO,
     .formula = "mean w -A logp (REINFORCE with baseline / actor-critic; logp_old unused)",
     .policy_ratio = pr_pg, .kernel = "loss_policy_gradient"},
    {.name = "awr", .kind = LOSS_KIND_POLICY_RATIO,
     .formula = "mean w -min(exp(A / beta), max_weight) logp (logp_old unused)", .n_params = 2,
     .params = {P_POS("beta", 1.0f, "temperature of the advantage weights"),
                P_POS("max_weight", 20.0f, "clip of the weights")},
     .policy_ratio = pr_awr, .kernel = "loss_awr"},
    {.name = "reinforce", K("loss_reinforce"),
     .formula = "mean w -(G - b) logp (baseline b constant; fit it with a value loss)"},
    {.name = "entropy", .kind = LOSS_KIND_ENTROPY, .formula = "-mean w ent",
     .entropy = ent_bonus, .kernel = "loss_entropy_bonus"},
    {.name = "entropy_categorical", K("loss_entropy_categorical"),
     .formula = "-mean w H(softmax(logits)), H = -sum_k p_k log p_k"},
    {.name = "entropy_gaussian", K("loss_entropy_gaussian"),
     .formula = "-mean w sum_d (log_std_d + 0.5 log(2 pi e))"},
    {.name = "sac_actor", K("loss_sac_actor"), .formula = "mean w (alpha logp(a~) - Q(s, a~))",
     .n_params = 1, .params = {P_NONNEG("alpha", 0.2f, "entropy temperature")}},
    {.name = "dpg", K("loss_dpg"), .formula = "-mean w Q(s, mu(s)) (DDPG, TD3 actor)"},
    {.name = "sac_alpha", K("loss_sac_alpha"),
     .formula = "-mean log_alpha (logp + target_entropy) (logp constant)", .n_params = 1,
     .params = {P_ANY("target_entropy", -1.0f, "usually -dim(action)")}},
    {.name = "grpo", K("loss_grpo_advantages, loss_grpo"),
     .formula = "mean w [max(-A r, -A clip(r, 1-clip, 1+clip)) + beta (e^(ref-logp) - (ref-logp) - 1)], "
                "A = (R - mean_group) / (std_group + eps)",
     .n_params = 3,
     .params = {P_OPEN01("clip", 0.2f, "clip range of the ratio"),
                P_NONNEG("beta", 0.04f, "weight of the k3 KL to the reference policy"),
                P_NONNEG("eps", 1e-4f, "added to the group std")}},

    /* ---- classification ---- */
    {.name = "bce", .kind = LOSS_KIND_BINARY,
     .formula = "mean w [pos_weight y softplus(-x) + (1 - y) softplus(x)]", .n_params = 1,
     .params = {P_NONNEG("pos_weight", 1.0f, "weight of the positive term")},
     .binary = bin_bce, .kernel = "loss_bce_logits"},
    {.name = "focal_binary", .kind = LOSS_KIND_BINARY,
     .formula = "mean w alpha_t (1 - p_t)^gamma BCE(x, y)", .n_params = 2,
     .params = {P_CLOSED01("alpha", 0.25f, "weight of positives (1 - alpha for negatives)"),
                P_NONNEG("gamma", 2.0f, "focusing exponent (0 = BCE)")},
     .binary = bin_focal, .kernel = "loss_focal_binary"},
    {.name = "asymmetric", .kind = LOSS_KIND_BINARY,
     .formula = "mean w [y (1-p)^g+ (-log p) + (1-y) p_m^g- (-log(1 - p_m))], p_m = max(p - clip, 0)",
     .n_params = 3,
     .params = {P_NONNEG("gamma_pos", 0.0f, "focusing exponent of positives"),
                P_NONNEG("gamma_neg", 4.0f, "focusing exponent of negatives"),
                {"clip", 0.05f, 0.0f, 1.0f, 0, 1, "probability shift of negatives"}},
     .binary = bin_asl, .kernel = "loss_asymmetric"},
    {.name = "hinge", .kind = LOSS_KIND_BINARY, .formula = "mean w max(0, margin - s x), s = +-1",
     .n_params = 1, .params = {P_NONNEG("margin", 1.0f, "margin")},
     .binary = bin_hinge, .kernel = "loss_hinge"},
    {.name = "squared_hinge", .kind = LOSS_KIND_BINARY,
     .formula = "mean w max(0, margin - s x)^2, s = +-1", .n_params = 1,
     .params = {P_NONNEG("margin", 1.0f, "margin")},
     .binary = bin_sqhinge, .kernel = "loss_squared_hinge"},
    {.name = "cross_entropy", .kind = LOSS_KIND_CATEGORICAL,
     .formula = "sum w [(1-eps) cw_y (-log p_y) + eps/K sum_c cw_c (-log p_c)] / sum cw_y",
     .n_params = 1,
     .params = {P_CLOSED01("label_smoothing", 0.0f, "mass spread uniformly over the K classes")},
     .categorical = cat_ce, .kernel = "loss_cross_entropy"},
    {.name = "soft_cross_entropy", K("loss_soft_cross_entropy"),
     .formula = "mean w -sum_c t_c log softmax(x)_c"},
    {.name = "focal", .kind = LOSS_KIND_CATEGORICAL,
     .formula = "mean w -alpha (1 - p_y)^gamma log p_y", .n_params = 2,
     .params = {P_NONNEG("alpha", 1.0f, "overall weight"),
                P_NONNEG("gamma", 2.0f, "focusing exponent (0 = cross-entropy)")},
     .categorical = cat_focal, .kernel = "loss_focal"},
    {.name = "poly1", .kind = LOSS_KIND_CATEGORICAL, .formula = "mean w [-log p_y + epsilon (1 - p_y)]",
     .n_params = 1, .params = {{"epsilon", 1.0f, -1.0f, INF, 0, 0, "weight of the first polynomial term"}},
     .categorical = cat_poly1, .kernel = "loss_poly1"},
    {.name = "multi_margin", .kind = LOSS_KIND_CATEGORICAL,
     .formula = "mean w sum_{j != y} cw_y max(0, margin - x_y + x_j)^p / K", .n_params = 2,
     .params = {{"p", 1.0f, 1.0f, 2.0f, 0, 0, "1 or 2"}, P_NONNEG("margin", 1.0f, "margin")},
     .categorical = cat_mm, .check = chk_multi_margin, .kernel = "loss_multi_margin"},
    {.name = "distill", K("loss_distill"),
     .formula = "mean w [(1 - alpha) CE(s, y) + alpha T^2 KL(softmax(t/T) || softmax(s/T))]",
     .n_params = 2,
     .params = {P_POS("temperature", 2.0f, "softening temperature T"),
                P_CLOSED01("alpha", 0.5f, "weight of the distillation term")}},

    /* ---- probabilistic ---- */
    {.name = "gaussian_nll", K("loss_gaussian_nll"),
     .formula = "mean w 0.5 (log v + (mu - y)^2 / v) [+ 0.5 log 2 pi], v = max(var, eps)",
     .n_params = 2,
     .params = {P_POS("eps", 1e-6f, "variance floor"), P_FLAG("full", 0.0f, "add the constant")},
     .check = chk_full},
    {.name = "kl_categorical", K("loss_kl_categorical"),
     .formula = "mean w sum_k p_k (log p_k - log q_k) from logits (forward: p = data; reverse: swap)"},
    {.name = "kl_diag_gaussian", K("loss_kl_diag_gaussian"),
     .formula = "mean w sum_d [log s2 - log s1 + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2]"},
    {.name = "vae_elbo", K("loss_vae_elbo"),
     .formula = "mean w recon(x_hat, x) + beta sum_j max(mean KL_j, free_bits), KL to N(0, I)",
     .n_params = 3,
     .params = {P_NONNEG("beta", 1.0f, "weight of the KL term (beta-VAE)"),
                P_NONNEG("free_bits", 0.0f, "nats per latent dimension left unpenalised"),
                P_FLAG("recon_bce", 0.0f, "0: squared error, 1: BCE with logits")},
     .check = chk_recon},

    /* ---- contrastive and metric ---- */
    {.name = "contrastive_pair", K("loss_contrastive_pair"),
     .formula = "mean w [same d^2 + (1 - same) max(0, margin - d)^2], d = ||a - b||",
     .n_params = 1, .params = {P_NONNEG("margin", 1.0f, "distance dissimilar pairs are pushed to")}},
    {.name = "triplet", K("loss_triplet"),
     .formula = "mean w max(d(a, p) - d(a, n) + margin, 0)", .n_params = 1,
     .params = {P_NONNEG("margin", 1.0f, "margin")}},
    {.name = "triplet_batch_hard", K("loss_triplet_batch_hard"),
     .formula = "mean_a max(0, max_p d(a, p) - min_n d(a, n) + margin)", .n_params = 1,
     .params = {P_NONNEG("margin", 0.3f, "margin")}},
    {.name = "triplet_semi_hard", K("loss_triplet_semi_hard"),
     .formula = "mean_(a,p) max(0, d(a, p) - d(a, n*) + margin), n* the closest n with d(a,n) > d(a,p)",
     .n_params = 1, .params = {P_NONNEG("margin", 0.3f, "margin")}},
    {.name = "info_nce", K("loss_info_nce"),
     .formula = "mean_i -log softmax_j(cos(z1_i, z2_j) / T)_i [+ column loss, averaged, if symmetric]",
     .n_params = 2,
     .params = {P_POS("temperature", 0.07f, "softmax temperature"),
                P_FLAG("symmetric", 1.0f, "1: CLIP's symmetric loss")},
     .check = chk_symmetric},
    {.name = "nt_xent", K("loss_nt_xent"),
     .formula = "mean over 2n views -log softmax_{b != a}(cos(v_a, v_b) / T)_pos(a)", .n_params = 1,
     .params = {P_POS("temperature", 0.5f, "softmax temperature")}},
    {.name = "supcon", K("loss_supcon"),
     .formula = "mean_i -1/|P(i)| sum_{p in P(i)} log softmax_{a != i}(cos(z_i, z_a) / T)_p",
     .n_params = 1, .params = {P_POS("temperature", 0.07f, "softmax temperature")}},
    {.name = "vicreg", K("loss_vicreg"),
     .formula = "inv_w mse(z1, z2) + var_w mean relu(1 - std) + cov_w sum offdiag(C)^2 / D",
     .n_params = 4,
     .params = {P_NONNEG("inv_w", 25.0f, "invariance weight"),
                P_NONNEG("var_w", 25.0f, "variance weight"),
                P_NONNEG("cov_w", 1.0f, "covariance weight"),
                P_POS("eps", 1e-4f, "added to the variance under the square root")}},
    {.name = "barlow_twins", K("loss_barlow_twins"),
     .formula = "sum_j (1 - C_jj)^2 + lambda sum_{j != k} C_jk^2, C = z1n^T z2n / n", .n_params = 2,
     .params = {P_NONNEG("lambda", 5e-3f, "weight of the redundancy term"),
                P_POS("eps", 1e-5f, "batch-norm epsilon")}},
    {.name = "byol", K("loss_byol"), .formula = "mean w (2 - 2 cos(p, sg(z)))"},
    {.name = "arcface", K("loss_arcface"),
     .formula = "CE over s cos(theta_j), target s cos(theta_y + m)", .n_params = 2,
     .params = {P_POS("scale", 64.0f, "logit scale s"),
                {"margin", 0.5f, 0.0f, 1.5707964f, 0, 1, "additive angular margin m (radians)"}}},
    {.name = "cosface", K("loss_cosface"),
     .formula = "CE over s cos(theta_j), target s (cos(theta_y) - m)", .n_params = 2,
     .params = {P_POS("scale", 64.0f, "logit scale s"),
                P_NONNEG("margin", 0.35f, "additive cosine margin m")}},
    {.name = "cosine_embedding", K("loss_cosine_embedding"),
     .formula = "mean w [y = 1: 1 - cos(x1, x2); y = -1: max(0, cos(x1, x2) - margin)]",
     .n_params = 1, .params = {{"margin", 0.0f, -1.0f, 1.0f, 0, 0, "cosine margin"}}},
    {.name = "hinge_embedding", K("loss_hinge_embedding"),
     .formula = "mean w [y = 1: x; y = -1: max(0, margin - x)]", .n_params = 1,
     .params = {P_NONNEG("margin", 1.0f, "margin")}},

    /* ---- adversarial ---- */
    {.name = "gan_d", .kind = LOSS_KIND_GAN_D,
     .formula = "mean softplus(-D(real)) + mean softplus(D(fake)) (minimax / non-saturating D)",
     .gan_d = gd_gan, .kernel = "loss_gan_d"},
    {.name = "wgan_d", .kind = LOSS_KIND_GAN_D, .formula = "mean D(fake) - mean D(real)",
     .gan_d = gd_wgan, .kernel = "loss_wgan_d"},
    {.name = "hinge_gan_d", .kind = LOSS_KIND_GAN_D,
     .formula = "mean relu(1 - D(real)) + mean relu(1 + D(fake))", .gan_d = gd_hinge,
     .kernel = "loss_hinge_gan_d"},
    {.name = "gan_g_minimax", .kind = LOSS_KIND_GAN_G,
     .formula = "mean log(1 - sigmoid(D(fake))) = -mean softplus(D(fake))",
     .gan_g = gg_gan_g_minimax, .kernel = "loss_gan_g_minimax"},
    {.name = "gan_g_nonsat", .kind = LOSS_KIND_GAN_G, .formula = "mean softplus(-D(fake))",
     .gan_g = gg_gan_g_nonsat, .kernel = "loss_gan_g_nonsat"},
    {.name = "wgan_g", .kind = LOSS_KIND_GAN_G, .formula = "-mean D(fake)", .gan_g = gg_wgan_g,
     .kernel = "loss_wgan_g"},
    {.name = "hinge_gan_g", .kind = LOSS_KIND_GAN_G, .formula = "-mean D(fake)",
     .gan_g = gg_hinge_gan_g, .kernel = "loss_hinge_gan_g"},

    /* ---- generative targets ---- */
    {.name = "diffusion_eps", K("loss_diffusion_make_xt, loss_diffusion_eps"),
     .formula = "mean w mean_d (eps_hat(x_t, t) - eps)^2, x_t = sqrt(abar) x0 + sqrt(1 - abar) eps"},
    {.name = "flow_matching", K("loss_flow_matching_target, loss_flow_matching"),
     .formula = "mean w mean_d (v_hat(x_t, t) - u)^2, x_t = (1 - (1 - s) t) x0 + t x1, u = x1 - (1 - s) x0",
     .n_params = 1, .params = {{"sigma_min", 0.0f, 0.0f, 1.0f, 0, 1, "width s of the path at t = 1"}}},

    /* ---- RL targets (computed in replay/returns.c; listed so `rlc losses` shows them) ---- */
    {.name = "td0", K("replay_td0_target"), .formula = "y = r + gamma (1 - terminated) V(s')",
     .n_params = 1, .params = {P_GAMMA}},
    {.name = "nstep", K("replay_nstep_targets"),
     .formula = "y = sum_{k<m} gamma^k r_{t+k} + gamma^m V(s_{t+m}), m <= n, cut at episode ends",
     .n_params = 2, .params = {{"n", 3.0f, 1.0f, INF, 0, 0, "steps"}, P_GAMMA}, .check = chk_nstep},
    {.name = "td_lambda", K("replay_td_lambda_targets"),
     .formula = "G_t = r_t + gamma (1 - term_t) [(1 - lambda) V(s_{t+1}) + lambda G_{t+1}]",
     .n_params = 2, .params = {P_GAMMA, P_CLOSED01("lambda", 0.95f, "trace decay")}},

    /* ---- distributional ---- */
    {.name = "quantile_huber", K("loss_quantile_huber"),
     .formula = "mean_b sum_i mean_j |tau_i - 1{u_ij < 0}| L_kappa(u_ij) / kappa, u = T_j - theta_i",
     .n_params = 1, .params = {P_NONNEG("kappa", 1.0f, "Huber threshold (0 = plain quantile loss)")}},
    {.name = "c51", K("loss_c51_project, loss_c51"),
     .formula = "mean w -sum_k m_k log softmax(x)_k, m = projection of r + gamma z onto the atoms",
     .n_params = 4,
     .params = {P_ANY("v_min", -10.0f, "lowest atom"), P_ANY("v_max", 10.0f, "highest atom"),
                {"atoms", 51.0f, 2.0f, INF, 0, 0, "number of atoms"}, P_GAMMA},
     .check = chk_c51},

    /* ---- exploration ---- */
    {.name = "icm_forward", K("loss_icm_forward"),
     .formula = "mean w 0.5 ||phi_pred - phi(s')||^2; r_int = eta 0.5 ||.||^2", .n_params = 1,
     .params = {P_POS("eta", 1.0f, "intrinsic reward scale")}},
    {.name = "icm_inverse", K("loss_icm_inverse_discrete"),
     .formula = "mean w -log softmax(logits(phi(s), phi(s')))_a"},
    {.name = "icm_inverse_continuous", K("loss_icm_inverse_continuous"),
     .formula = "mean w 0.5 ||a_pred - a||^2"},
    {.name = "rnd", K("loss_rnd"),
     .formula = "mean w mean_d (f(s) - f_fixed(s))^2; r_int = per-sample error"},

    /* ---- preferences ---- */
    {.name = "bradley_terry", .kind = LOSS_KIND_PREFERENCE,
     .formula = "mean w -log sigmoid(r_chosen - r_rejected)", .preference = pf_bt,
     .kernel = "loss_bradley_terry"},
    {.name = "dpo", .kind = LOSS_KIND_PREFERENCE,
     .formula = "mean w [(1-e) softplus(-h) + e softplus(h)], h = beta ((pc - rc) - (pr - rr))",
     .n_params = 2,
     .params = {P_POS("beta", 0.1f, "inverse temperature"),
                {"label_smoothing", 0.0f, 0.0f, 0.5f, 0, 1, "assumed label noise (cDPO)"}},
     .preference = pf_dpo, .kernel = "loss_dpo"},
    {.name = "ipo", .kind = LOSS_KIND_PREFERENCE,
     .formula = "mean w ((pc - rc) - (pr - rr) - 1 / (2 tau))^2", .n_params = 1,
     .params = {P_POS("tau", 0.1f, "regularisation")}, .preference = pf_ipo, .kernel = "loss_ipo"},
    {.name = "kto", K("loss_kto"),
     .formula = "mean w [good: ld (1 - sigmoid(beta (r - z0))); bad: lu (1 - sigmoid(beta (z0 - r)))]",
     .n_params = 3,
     .params = {P_POS("beta", 0.1f, "inverse temperature"),
                P_POS("lambda_d", 1.0f, "weight of desirable samples"),
                P_POS("lambda_u", 1.0f, "weight of undesirable samples")}},
    {.name = "simpo", .kind = LOSS_KIND_PREFERENCE,
     .formula = "mean w -log sigmoid(beta pc / |yc| - beta pr / |yr| - gamma)", .n_params = 2,
     .params = {P_POS("beta", 2.0f, "scale of the length-normalised reward"),
                P_NONNEG("gamma", 1.0f, "target reward margin")},
     .preference = pf_simpo, .kernel = "loss_simpo"},
    {.name = "orpo", .kind = LOSS_KIND_PREFERENCE,
     .formula = "mean w [-pc / |yc| - lambda log sigmoid(logodds(pc/|yc|) - logodds(pr/|yr|))]",
     .n_params = 1, .params = {P_NONNEG("lambda", 0.1f, "weight of the odds-ratio term")},
     .preference = pf_orpo, .kernel = "loss_orpo"},

    /* ---- regularisation and diversity ---- */
    {.name = "l1", K("loss_l1_reg"), .formula = "lambda sum |theta|", .n_params = 1,
     .params = {P_NONNEG("lambda", 1e-4f, "coefficient")}},
    {.name = "l2", K("loss_l2_reg"), .formula = "0.5 lambda sum theta^2 (gradient = weight decay)",
     .n_params = 1, .params = {P_NONNEG("lambda", 1e-4f, "coefficient")}},
    {.name = "elastic_net", K("loss_elastic_net"),
     .formula = "l1 sum |theta| + 0.5 l2 sum theta^2", .n_params = 2,
     .params = {P_NONNEG("l1", 1e-4f, "L1 coefficient"), P_NONNEG("l2", 1e-4f, "L2 coefficient")}},
    {.name = "ewc", K("loss_ewc"), .formula = "0.5 lambda sum F (theta - theta_star)^2",
     .n_params = 1, .params = {P_NONNEG("lambda", 1.0f, "strength of the consolidation")}},
    {.name = "novelty", K("loss_novelty"),
     .formula = "mean_i (1/k) sum of the k smallest ||b_i - archive_j||", .n_params = 1,
     .params = {{"k", 15.0f, 1.0f, INF, 0, 0, "nearest neighbours"}}, .check = chk_k},
    {.name = "dpp", K("loss_dpp_logdet"),
     .formula = "-log det(K + jitter I), K_ij = exp(-||x_i - x_j||^2 / (2 l^2))", .n_params = 2,
     .params = {P_POS("lengthscale", 1.0f, "RBF length scale l"),
                P_NONNEG("jitter", 1e-6f, "added to the diagonal")}},

    /* ---- more metric / self-supervised, generative, RL, diversity and exploration entries ---- */
    {.name = "npair", K("loss_npair"),
     .formula = "mean_i -log softmax_j(a_i . p_j)_i + l2_reg (||a_i||^2 + ||p_i||^2)", .n_params = 1,
     .params = {P_NONNEG("l2_reg", 0.002f, "weight of the embedding-norm penalty")}},
    {.name = "proxy_nca", K("loss_proxy_nca"),
     .formula = "mean w [d_iy + log sum_{c != y} exp(-d_ic)], d_ic = 2 s^2 (1 - cos(x_i, proxy_c))",
     .n_params = 1, .params = {P_POS("scale", 3.0f, "scale s of the normalised embeddings and proxies")}},
    {.name = "dino", K("loss_dino, loss_dino_update_center"),
     .formula = "mean w -sum_k softmax((t - center) / tau_t)_k log softmax(s / tau_s)_k",
     .n_params = 3,
     .params = {P_POS("student_temp", 0.1f, "student temperature tau_s"),
                P_POS("teacher_temp", 0.04f, "teacher temperature tau_t (sharpening)"),
                P_CLOSED01("center_momentum", 0.9f, "EMA rate of the teacher centre")}},
    {.name = "moco", K("loss_moco, loss_moco_enqueue"),
     .formula = "mean_i -log softmax([cos(q_i, k_i), cos(q_i, queue_m)] / T)_0", .n_params = 1,
     .params = {P_POS("temperature", 0.07f, "softmax temperature")}},
    {.name = "diffusion_v", K("loss_diffusion_v_target, loss_diffusion_v"),
     .formula = "mean w mean_d (v_hat(x_t, t) - v)^2, v = sqrt(abar) eps - sqrt(1 - abar) x0"},
    {.name = "flow_nll", K("loss_flow_nll"),
     .formula = "mean w [0.5 ||z||^2 + 0.5 D log 2 pi - log|det dz/dx|]"},
    {.name = "rssm", K("loss_rssm"),
     .formula = "mean w [0.5 ||x_hat - x||^2 + kl_scale max(free, KL(q || p)) + reward_scale 0.5 "
                "(r_hat - r)^2 + cont_scale BCE(c_logit, c)], KL balanced",
     .n_params = 5,
     .params = {P_CLOSED01("kl_balance", 0.8f, "share of the KL gradient that trains the prior"),
                P_NONNEG("free_nats", 1.0f, "KL per sample left unpenalised"),
                P_NONNEG("kl_scale", 1.0f, "weight of the KL term"),
                P_NONNEG("reward_scale", 1.0f, "weight of the reward term"),
                P_NONNEG("cont_scale", 1.0f, "weight of the continue term")}},
    {.name = "ppo_kl", .kind = LOSS_KIND_POLICY_RATIO, .policy_ratio = pr_ppo_kl,
     .kernel = "loss_ppo_kl, loss_ppo_kl_adapt", .adapt = adapt_ppo_kl, .state_name = "kl_beta",
     .formula = "mean w [-A r + beta ((r - 1) - log r)]; beta halves / doubles when KL < target / 1.5 "
                "/ > 1.5 target",
     .n_params = 2,
     .params = {P_NONNEG("beta", 1.0f, "initial KL coefficient"),
                P_POS("kl_target", 0.01f, "target KL of the adaptive rule")}},
    {.name = "vmpo", K("loss_vmpo_policy, loss_vmpo_temperature"),
     .formula = "-sum_top psi logp, psi = softmax_top(A / eta); eta eps_eta + eta log mean_top e^(A / eta)",
     .n_params = 1, .params = {P_POS("eps_eta", 0.01f, "bound of the temperature's dual")}},
    {.name = "rlhf_kl_reward", K("loss_rlhf_kl_reward"),
     .formula = "r_t = -beta (logp_t - logp_ref_t) [+ score at the last token]", .n_params = 1,
     .params = {P_NONNEG("beta", 0.05f, "KL coefficient")}},
    {.name = "diversity_pairwise", K("loss_diversity_pairwise"),
     .formula = "-mean_{i != j} ||b_i - b_j|| (or its square)", .n_params = 1,
     .params = {P_FLAG("squared", 0.0f, "1: squared distances")}, .check = chk_squared},
    {.name = "simhash", K("loss_simhash_codes, loss_count_bonus"),
     .formula = "r_int = beta / sqrt(n(code(s'))), code bits = sign(A s'), A (bits, D) Gaussian",
     .n_params = 2,
     .params = {{"bits", 16.0f, 1.0f, 22.0f, 0, 0, "code length k (the module keeps 2^k counts)"},
                P_NONNEG("beta", 0.01f, "bonus scale")},
     .check = chk_bits},
};
const int loss_table_len = (int)(sizeof loss_table / sizeof loss_table[0]);
