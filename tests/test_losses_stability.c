/* rlc tests: losses on extreme inputs: logits of +-1000, probabilities at 0 and 1, identical
 * embeddings, zero-variance batches. Every value and gradient must be finite, and where the limit
 * is known it must be reached. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "losses/loss.h"
#include "tests/helpers/testutil.h"

static void all_finite(const float *x, int n, const char *what)
{
    for (int i = 0; i < n; i++) cr_assert(isfinite(x[i]), "%s[%d] = %g", what, i, x[i]);
}
#define FIN(v, what) cr_assert(isfinite(v), "%s = %g", what, (double)(v))

Test(stability, binary_logits_pm1000)
{
    float x[4] = {1000, -1000, 1000, -1000}, y[4] = {1, 1, 0, 0}, g[4];
    float v = loss_bce_logits(x, y, NULL, 4, 1.0f, g);
    cr_assert_float_eq(v, (0 + 1000 + 1000 + 0) / 4.0f, 1e-3);
    all_finite(g, 4, "bce");
    cr_assert_float_eq(g[1], -0.25f, 1e-6);
    cr_assert_float_eq(g[0], 0.0f, 1e-6);
    v = loss_focal_binary(x, y, NULL, 4, 0.25f, 2.0f, g);
    FIN(v, "focal_binary");
    all_finite(g, 4, "focal_binary");
    cr_assert(g[1] < 0 && g[2] > 0, "wrong-side samples must keep a gradient");
    v = loss_focal_binary(x, y, NULL, 4, 0.25f, 0.5f, g); /* gamma < 1: pow(0, -0.5) guarded */
    FIN(v, "focal_binary g0.5");
    all_finite(g, 4, "focal_binary g0.5");
    v = loss_asymmetric(x, y, NULL, 4, 1.0f, 4.0f, 0.0f, g);
    FIN(v, "asl");
    all_finite(g, 4, "asl");
    v = loss_asymmetric(x, y, NULL, 4, 0.0f, 4.0f, 0.05f, g);
    FIN(v, "asl clip");
    all_finite(g, 4, "asl clip");
    v = loss_hinge(x, y, NULL, 4, 1.0f, g);
    cr_assert_float_eq(v, (1001 + 1001) / 4.0f, 1e-3);
    v = loss_gan_d(x, 2, x + 2, 2, g, g + 2);
    FIN(v, "gan_d");
    all_finite(g, 4, "gan_d");
    cr_assert_float_eq(v, 1000.0f / 2 + 1000.0f / 2, 1e-2);
    v = loss_gan_g_minimax(x, 4, g);
    FIN(v, "gan_g_minimax");
    all_finite(g, 4, "gan_g_minimax");
    v = loss_gan_g_nonsat(x, 4, g);
    FIN(v, "gan_g_nonsat");
    all_finite(g, 4, "gan_g_nonsat");
}

Test(stability, categorical_logits_pm1000)
{
    float x[8] = {1000, -1000, 0, 500, -1000, 1000, -1000, -1000}, g[8], g2[8], ent[2];
    int lab[2] = {1, 1};
    float cw[4] = {1, 2, 0.5f, 1};
    float v = loss_cross_entropy(x, lab, cw, NULL, 2, 4, 0.1f, g);
    FIN(v, "ce");
    all_finite(g, 8, "ce");
    v = loss_cross_entropy(x, lab, NULL, NULL, 2, 4, 0.0f, g);
    cr_assert_float_eq(v, 1000.0f, 1e-2); /* sample 0 misses by 2000/2, sample 1 is right */
    v = loss_focal(x, lab, NULL, 2, 4, 1.0f, 2.0f, g);
    FIN(v, "focal");
    all_finite(g, 8, "focal");
    v = loss_focal(x, lab, NULL, 2, 4, 1.0f, 0.3f, g);
    all_finite(g, 8, "focal g0.3");
    v = loss_poly1(x, lab, NULL, 2, 4, 1.0f, g);
    FIN(v, "poly1");
    all_finite(g, 8, "poly1");
    v = loss_multi_margin(x, lab, NULL, NULL, 2, 4, 2, 1.0f, g);
    FIN(v, "multi_margin");
    v = loss_distill(x, x + 4, lab, NULL, 1, 4, 2.0f, 0.5f, g);
    FIN(v, "distill");
    all_finite(g, 4, "distill");
    v = loss_kl_categorical(x, x + 4 - 4, NULL, 2, 4, g, g2);
    cr_assert_float_eq(v, 0.0f, 1e-6, "KL(p || p) = 0");
    v = loss_kl_categorical(x, x + 4, NULL, 1, 4, g, g2);
    FIN(v, "kl");
    all_finite(g, 4, "kl dp");
    all_finite(g2, 4, "kl dq");
    v = loss_entropy_categorical(x, NULL, 2, 4, g, ent);
    cr_assert_float_eq(ent[1], 0.0f, 1e-6, "a one-hot policy has zero entropy");
    all_finite(g, 8, "entropy");
    float t[8] = {0, 1, 0, 0, 0.5f, 0.5f, 0, 0};
    v = loss_soft_cross_entropy(x, t, NULL, 2, 4, g);
    FIN(v, "soft ce");
    all_finite(g, 8, "soft ce");
    float lp[2] = {-1000, 0}, lpo[2] = {0, -1000}, adv[2] = {1, -1};
    v = loss_ppo_clip(lp, lpo, adv, NULL, 2, 0.2f, g, NULL, NULL);
    (void)v; /* r = e^1000 overflows (the trainer counts non-finite losses); r = 0 must not */
    cr_assert(isfinite(g[0]), "ppo gradient at r = 0");
}

Test(stability, probabilities_at_0_and_1)
{
    /* Gaussian NLL with zero variance: clamped at eps, finite */
    float mu[2] = {0.0f, 1.0f}, y[2] = {0.0f, 1.0f}, var[2] = {0.0f, 1e-30f}, g1[2], g2[2];
    float v = loss_gaussian_nll(mu, y, var, NULL, 2, 1e-6f, 0, g1, g2);
    FIN(v, "gaussian_nll");
    all_finite(g1, 2, "dmu");
    all_finite(g2, 2, "dvar");
    /* ORPO with a sequence probability near 1 (mean log-prob -1e-6) */
    float pc[1] = {-1e-5f}, pr[1] = {-30.0f}, lc[1] = {10}, lr[1] = {10};
    v = loss_orpo(pc, pr, lc, lr, NULL, 1, 0.1f, g1, g2);
    FIN(v, "orpo");
    all_finite(g1, 1, "orpo dpc");
    /* DPO / Bradley-Terry / SimPO / KTO with huge margins */
    float a[2] = {1000, -1000}, b[2] = {-1000, 1000}, z[2] = {0, 0};
    v = loss_dpo(a, b, z, z, NULL, 2, 1.0f, 0.1f, g1, g2);
    FIN(v, "dpo");
    all_finite(g1, 2, "dpo");
    v = loss_bradley_terry(a, b, NULL, 2, g1, g2);
    cr_assert_float_eq(v, 1000.0f, 1e-2);
    all_finite(g1, 2, "bt");
    float len[2] = {1, 1};
    v = loss_simpo(a, b, len, len, NULL, 2, 2.0f, 1.0f, g1, g2);
    FIN(v, "simpo");
    unsigned char good[2] = {1, 0};
    v = loss_kto(a, z, good, NULL, 2, 0.0f, 1.0f, 1.0f, 1.0f, g1);
    FIN(v, "kto");
    all_finite(g1, 2, "kto");
    /* focal at p_t = 1 exactly */
    float x[1] = {100.0f}, t[1] = {1.0f}, g[1];
    v = loss_focal_binary(x, t, NULL, 1, 0.25f, 2.0f, g);
    cr_assert_float_eq(v, 0.0f, 1e-12);
    cr_assert(isfinite(g[0]));
    /* VAE with a huge logvar and BCE reconstruction at saturated logits */
    float xh[2] = {1000, -1000}, xx[2] = {1, 0}, m[1] = {0}, lv[1] = {40.0f}, dx[2], dm[1], dl[1];
    float scr[1];
    v = loss_vae_elbo(xh, xx, m, lv, NULL, 1, 2, 1, 1.0f, 0.1f, 1, scr, dx, dm, dl, NULL);
    FIN(v, "vae");
    all_finite(dx, 2, "vae dx");
    /* C51 projection of a terminal transition onto one atom */
    float np[3] = {0.2f, 0.3f, 0.5f}, rr[1] = {0.0f}, mm[3];
    unsigned char done[1] = {1};
    loss_c51_project(mm, np, rr, done, 1, 3, 0.99f, -1.0f, 1.0f);
    cr_assert_float_eq(mm[1], 1.0f, 1e-6);
    rr[0] = 100.0f; /* beyond v_max: all mass on the last atom */
    done[0] = 0;
    loss_c51_project(mm, np, rr, done, 1, 3, 0.99f, -1.0f, 1.0f);
    cr_assert_float_eq(mm[2], 1.0f, 1e-6);
}

Test(stability, identical_embeddings)
{
    enum { n = 4, D = 3 };
    float e[n * D], g1[n * D], g2[n * D], g3[n * D], scr[256];
    for (int i = 0; i < n * D; i++) e[i] = 0.5f;
    float same[n] = {1, 0, 1, 0};
    int lab[n] = {0, 0, 1, 1};
    float v = loss_contrastive_pair(e, e, same, NULL, n, D, 1.0f, g1, g2);
    cr_assert_float_eq(v, 0.5f, 1e-4); /* dissimilar pairs at distance ~0 pay margin^2 */
    all_finite(g1, n * D, "pair");
    v = loss_triplet(e, e, e, NULL, n, D, 1.0f, g1, g2, g3);
    cr_assert_float_eq(v, 1.0f, 1e-5);
    all_finite(g1, n * D, "triplet");
    v = loss_triplet_batch_hard(e, lab, n, D, 0.5f, g1);
    cr_assert_float_eq(v, 0.5f, 1e-5);
    all_finite(g1, n * D, "batch hard");
    v = loss_triplet_semi_hard(e, lab, n, D, 0.5f, g1);
    FIN(v, "semi hard");
    all_finite(g1, n * D, "semi hard");
    v = loss_info_nce(e, e, n, D, 0.1f, 1, scr, g1, g2);
    cr_assert_float_eq(v, logf(n), 1e-4, "all similarities equal: log n");
    all_finite(g1, n * D, "info_nce");
    v = loss_nt_xent(e, e, n, D, 0.5f, scr, g1, g2);
    cr_assert_float_eq(v, logf(2 * n - 1), 1e-4);
    all_finite(g1, n * D, "nt_xent");
    v = loss_supcon(e, lab, n, D, 0.1f, scr, g1);
    FIN(v, "supcon");
    all_finite(g1, n * D, "supcon");
    v = loss_byol(e, e, NULL, n, D, g1);
    cr_assert_float_eq(v, 0.0f, 1e-6);
    all_finite(g1, n * D, "byol");
    float y[n] = {1, -1, 1, -1};
    v = loss_cosine_embedding(e, e, y, NULL, n, D, 0.0f, g1, g2);
    FIN(v, "cosine_embedding");
    all_finite(g1, n * D, "cosine_embedding");
    /* zero vectors too */
    float zero[n * D];
    memset(zero, 0, sizeof zero);
    v = loss_info_nce(zero, zero, n, D, 0.1f, 0, scr, g1, g2);
    FIN(v, "info_nce zero");
    all_finite(g1, n * D, "info_nce zero");
    v = loss_byol(zero, e, NULL, n, D, g1);
    FIN(v, "byol zero");
    all_finite(g1, n * D, "byol zero");
    v = loss_cosine_embedding(zero, zero, y, NULL, n, D, 0.0f, g1, g2);
    FIN(v, "cosine_embedding zero");
    all_finite(g1, n * D, "cosine_embedding zero");
    /* ArcFace with the embedding on its class centre (cos = 1, where d/dc cos(acos c + m) is
     * singular) */
    float W[2 * D] = {0.5f, 0.5f, 0.5f, -1, 0, 1}, dw[2 * D];
    int l0[n] = {0, 0, 0, 0};
    v = loss_arcface(e, W, l0, NULL, n, D, 2, 64.0f, 0.5f, scr, g1, dw);
    FIN(v, "arcface");
    all_finite(g1, n * D, "arcface demb");
    all_finite(dw, 2 * D, "arcface dW");
    /* novelty of a point sitting on archive members */
    float nov[n];
    v = loss_novelty(e, e, n, n, D, 2, scr, nov, g1);
    cr_assert_float_eq(v, 0.0f, 1e-5);
    all_finite(g1, n * D, "novelty");
    /* DPP of duplicates: singular without jitter (reported as +inf), finite with it */
    double dscr[2 * n * n];
    v = loss_dpp_logdet(e, n, D, 1.0f, 0.0f, dscr, g1);
    cr_assert(isinf(v) && v > 0);
    v = loss_dpp_logdet(e, n, D, 1.0f, 1e-3f, dscr, g1);
    FIN(v, "dpp jitter");
    all_finite(g1, n * D, "dpp jitter");
}

Test(stability, dpp_singular_writes_a_zero_gradient)
{
    enum { n = 4, D = 2 };
    float x[n * D], g[n * D];
    double scr[2 * n * n];
    for (int i = 0; i < n * D; i++) x[i] = 0.25f * (float)(i % D); /* four copies of one point */
    for (int i = 0; i < n * D; i++) g[i] = NAN;
    float v = loss_dpp_logdet(x, n, D, 1.0f, 0.0f, scr, g);
    cr_assert(isinf(v) && v > 0, "singular kernel: +inf, got %g", v);
    for (int i = 0; i < n * D; i++) cr_assert(g[i] == 0.0f, "dx[%d] = %g must be written (0)", i, g[i]);
}

Test(stability, dpp_small_jitter_is_not_rounded_away)
{
    /* n copies of one point: K = J (all ones) + jitter I has eigenvalues n + jitter (once) and
     * jitter (n - 1 times), so -log det = -log(n + jitter) - (n - 1) log(jitter) exactly. The
     * 1e-6 jitter is below float resolution next to 1, so a float factorisation fails here. */
    enum { n = 5, D = 3 };
    float x[n * D], g[n * D];
    double scr[2 * n * n], jit = 1e-6;
    for (int i = 0; i < n * D; i++) x[i] = 0.3f * (float)(i % D) - 0.2f;
    float v = loss_dpp_logdet(x, n, D, 1.0f, (float)jit, scr, g);
    double want = -log(n + (double)(float)jit) - (n - 1) * log((double)(float)jit);
    cr_assert(isfinite(v), "jitter 1e-6 must make the matrix positive definite, got %g", v);
    cr_assert(fabs(v - want) <= 1e-4 * fabs(want), "-log det = %.8g, expected %.8g", v, want);
    all_finite(g, n * D, "dpp 1e-6 jitter");
}

Test(stability, zero_variance_batches)
{
    enum { n = 6, D = 3 };
    float z[n * D], g1[n * D], g2[n * D], scr[2 * n * D + D * D + 2 * D];
    for (int i = 0; i < n; i++)
        for (int d = 0; d < D; d++) z[i * D + d] = 0.1f * (float)d;
    float v = loss_vicreg(z, z, n, D, 25.0f, 25.0f, 1.0f, 1e-4f, scr, g1, g2);
    /* std = sqrt(eps) = 0.01 in every dimension: var term 25 * (1 - 0.01), nothing else */
    cr_assert_float_eq(v, 25.0f * 0.99f, 1e-3);
    all_finite(g1, n * D, "vicreg");
    v = loss_barlow_twins(z, z, n, D, 5e-3f, 1e-5f, scr, g1, g2);
    cr_assert_float_eq(v, (float)D, 1e-4, "standardised zeros: C = 0, on-diagonal loss D");
    all_finite(g1, n * D, "barlow");
    float r[8] = {1, 1, 1, 1, 0, 1, 0, 1}, adv[8];
    loss_grpo_advantages(adv, r, 2, 4, 0.0f);
    for (int i = 0; i < 4; i++) cr_assert_eq(adv[i], 0.0f, "identical rewards give A = 0");
    all_finite(adv, 8, "grpo adv");
    cr_assert(adv[5] > 0 && adv[4] < 0);
    /* supervised contrastive where no anchor has a positive: defined as 0 with zero gradient */
    int lab[n] = {0, 1, 2, 3, 4, 5};
    v = loss_supcon(z, lab, n, D, 0.1f, scr, g1);
    cr_assert_eq(v, 0.0f);
    /* batch-hard with a single class: no negatives, 0 */
    int one[n] = {0};
    cr_assert_eq(loss_triplet_batch_hard(z, one, n, D, 1.0f, g1), 0.0f);
}

Test(stability, regression_extremes)
{
    float p[3] = {1e30f, -1e30f, 0}, t[3] = {0, 0, 0}, g[3];
    FIN(loss_log_cosh(p, t, NULL, 3, g), "log_cosh");
    all_finite(g, 3, "log_cosh");
    cr_assert_float_eq(g[0], 1.0f / 3, 1e-6);
    FIN(loss_cauchy(p, t, NULL, 3, 1.0f, g), "cauchy");
    all_finite(g, 3, "cauchy");
    cr_assert_float_eq(loss_tukey(p, t, NULL, 3, 2.0f, g), 2.0f * (4.0f / 6) / 3, 1e-5);
    cr_assert_eq(g[0], 0.0f, "tukey rejects outliers");
    FIN(loss_huber(p, t, NULL, 3, 1.0f, g), "huber");
    FIN(loss_smooth_l1(p, t, NULL, 3, 0.0f, g), "smooth_l1 beta 0");
    all_finite(g, 3, "smooth_l1 beta 0");
    /* KL between Gaussians with extreme log-stds */
    float m1[2] = {0, 0}, s1[2] = {-20, 20}, m2[2] = {0, 0}, s2[2] = {20, -20}, a[2], b[2];
    float v = loss_kl_diag_gaussian(m1, s1, m2, s2, NULL, 1, 2, a, b, NULL, NULL);
    cr_assert(isfinite(v) || isinf(v), "KL is +inf at worst, never NaN");
    cr_assert(!isnan(v));
}

/* PPO's KL-penalty surrogate at a ratio of e^100: -A r and beta (r - 1) are each about 2.7e43, so
 * evaluating the formula term by term cancels them and loses beta (1 + log r). With A = beta = 1
 * the value is -101 and the gradient w.r.t. logp is (beta - A) r - beta = -1. */
Test(stability, ppo_kl_large_ratio_keeps_the_penalty)
{
    float logp[2] = {100, 100}, logp_old[2] = {0, 0}, adv[2] = {1, 1}, g[2];
    float v = loss_ppo_kl(logp, logp_old, adv, NULL, 2, 1.0f, g, NULL);
    cr_assert_float_eq(v, -101.0f, 1e-4, "value %g, expected -101", (double)v);
    cr_assert_float_eq(g[0], -0.5f, 1e-6, "gradient %g, expected -beta / n = -0.5", (double)g[0]);
    cr_assert_float_eq(g[1], -0.5f, 1e-6);
}
