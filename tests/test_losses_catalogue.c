/* rlc tests: the loss catalogue against PyTorch, table-driven.
 *
 * Each tests/fixtures/loss_<name>.json holds cases; a case has its inputs, sizes and parameters,
 * "value", the list "diff" of differentiable inputs with their golden gradients d<input>, and any
 * extra outputs out_<name>. For every case the harness runs the kernel through a small adapter,
 * compares value, gradients and outputs with the fixture, then checks every gradient in "diff" by
 * central finite differences of the kernel itself. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "losses/loss.h"
#include "replay/returns.h"
#include "tests/helpers/testutil.h"

#define FX_MAX 24

typedef struct {
    const cJSON *c;
    int want_grad;
    int n;
    const char *key[FX_MAX];
    float *val[FX_MAX], *grad[FX_MAX];
    int *ival[FX_MAX];
    int len[FX_MAX];
    /* outputs requested by the adapter, compared with out_<key> */
    int n_out;
    const char *okey[FX_MAX];
    float *oval[FX_MAX];
    int olen[FX_MAX];
    float *scratch;
} fx;

static int fx_slot(fx *f, const char *key, int required)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->key[i], key) == 0) return i;
    if (!cJSON_GetObjectItemCaseSensitive(f->c, key)) {
        cr_assert(!required, "fixture input '%s' missing", key);
        return -1;
    }
    cr_assert(f->n < FX_MAX);
    int i = f->n++, len = rlt_fixture_count(f->c, key);
    f->key[i] = key;
    f->len[i] = len;
    f->val[i] = calloc((size_t)len + 1, sizeof(float));
    f->grad[i] = calloc((size_t)len + 1, sizeof(float));
    f->ival[i] = calloc((size_t)len + 1, sizeof(int));
    rlt_fixture_floats(f->c, key, f->val[i], len);
    for (int k = 0; k < len; k++) f->ival[i][k] = (int)lrintf(f->val[i][k]);
    return i;
}

/* required float input */
static float *A(fx *f, const char *key) { return f->val[fx_slot(f, key, 1)]; }
/* optional float input (NULL when absent) */
static float *O(fx *f, const char *key)
{
    int i = fx_slot(f, key, 0);
    return i < 0 ? NULL : f->val[i];
}
/* integer input (labels) */
static int *I(fx *f, const char *key) { return f->ival[fx_slot(f, key, 1)]; }
/* bytes (flags) from an input: stored in the int copy, narrowed into the grad buffer bytes */
static unsigned char *U(fx *f, const char *key)
{
    int i = fx_slot(f, key, 1);
    unsigned char *u = (unsigned char *)f->grad[i]; /* flags are never differentiated */
    for (int k = 0; k < f->len[i]; k++) u[k] = (unsigned char)(f->ival[i][k] != 0);
    return u;
}
static int L(fx *f, const char *key) { return f->len[fx_slot(f, key, 1)]; }
static float P(fx *f, const char *key) { return (float)rlt_fixture_number(f->c, key); }
static int N(fx *f, const char *key) { return (int)rlt_fixture_number(f->c, key); }
/* gradient buffer for an input when gradients are wanted, else NULL */
static float *G(fx *f, const char *key)
{
    if (!f->want_grad) return NULL;
    return f->grad[fx_slot(f, key, 1)];
}
/* an output array of n floats compared with out_<key> (only when gradients are wanted) */
static float *Y(fx *f, const char *key, int n)
{
    if (!f->want_grad) return NULL;
    for (int i = 0; i < f->n_out; i++)
        if (strcmp(f->okey[i], key) == 0) return f->oval[i];
    cr_assert(f->n_out < FX_MAX);
    int i = f->n_out++;
    f->okey[i] = key;
    f->olen[i] = n;
    f->oval[i] = calloc((size_t)n, sizeof(float));
    return f->oval[i];
}
static float *SCR(fx *f, int n)
{
    if (!f->scratch) f->scratch = calloc((size_t)n + 16, sizeof(float));
    return f->scratch;
}

typedef double (*adapter)(fx *f);

typedef struct {
    fx *f;
    adapter ad;
} fd_ctx;

static double fd_obj(void *v)
{
    fd_ctx *k = v;
    k->f->want_grad = 0;
    return k->ad(k->f);
}

static double opt_num(const cJSON *c, const char *key, double def)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, key);
    return cJSON_IsNumber(n) ? n->valuedouble : def;
}

/* inputs listed in a case's "fd_skip" have golden gradients but are not the plain gradient of
 * the value (stop-gradient splits such as the RSSM's KL balancing); they get their own test */
static int fd_skipped(const cJSON *c, const char *name)
{
    const cJSON *sk = cJSON_GetObjectItemCaseSensitive(c, "fd_skip"), *e;
    cJSON_ArrayForEach(e, sk)
    {
        if (cJSON_IsString(e) && strcmp(e->valuestring, name) == 0) return 1;
    }
    return 0;
}

static void run_fixture(const char *file, adapter ad)
{
    cJSON *root = rlt_fixture_load(file);
    int n_cases = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, root)
    {
        n_cases++;
        fx f;
        memset(&f, 0, sizeof f);
        f.c = c;
        f.want_grad = 1;
        double rtol = opt_num(c, "rtol", 2e-4), atol = opt_num(c, "atol", 1e-6);
        double v = ad(&f);
        double want = rlt_fixture_number(c, "value");
        cr_assert(fabs(v - want) <= atol + rtol * fabs(want), "%s/%s: value %.8g, expected %.8g",
                  file, c->string, v, want);
        char what[160], dkey[64];
        const cJSON *diff = cJSON_GetObjectItemCaseSensitive(c, "diff");
        int n_diff = cJSON_GetArraySize(diff);
        for (int d = 0; d < n_diff; d++) {
            const char *name = cJSON_GetArrayItem(diff, d)->valuestring;
            int s = fx_slot(&f, name, 1);
            snprintf(dkey, sizeof dkey, "d%s", name);
            float *gold = calloc((size_t)f.len[s], sizeof(float));
            rlt_fixture_floats(c, dkey, gold, f.len[s]);
            snprintf(what, sizeof what, "%s/%s: %s", file, c->string, dkey);
            rlt_assert_close(f.grad[s], gold, f.len[s], rtol * 5, atol * 10, what);
            free(gold);
        }
        for (int o = 0; o < f.n_out; o++) {
            snprintf(dkey, sizeof dkey, "out_%s", f.okey[o]);
            float *gold = calloc((size_t)f.olen[o], sizeof(float));
            rlt_fixture_floats(c, dkey, gold, f.olen[o]);
            snprintf(what, sizeof what, "%s/%s: %s", file, c->string, dkey);
            rlt_assert_close(f.oval[o], gold, f.olen[o], rtol * 5, atol * 10, what);
            free(gold);
        }
        /* finite differences of the C kernel, on copies of its own analytic gradients */
        rlt_gradcheck_opts opts = {opt_num(c, "fd_h", 2e-3), opt_num(c, "fd_rtol", 2e-2),
                                   opt_num(c, "fd_atol", 1e-4), 24};
        for (int d = 0; d < n_diff; d++) {
            const char *name = cJSON_GetArrayItem(diff, d)->valuestring;
            if (fd_skipped(c, name)) continue;
            int s = fx_slot(&f, name, 1);
            float *an = malloc(sizeof(float) * (size_t)f.len[s]);
            memcpy(an, f.grad[s], sizeof(float) * (size_t)f.len[s]);
            fd_ctx k = {&f, ad};
            snprintf(what, sizeof what, "%s/%s: finite differences of d%s", file, c->string, name);
            rlt_gradcheck(fd_obj, &k, f.val[s], an, f.len[s], &opts, what);
            f.want_grad = 1;
            free(an);
        }
        for (int i = 0; i < f.n; i++) {
            free(f.val[i]);
            free(f.grad[i]);
            free(f.ival[i]);
        }
        for (int i = 0; i < f.n_out; i++) free(f.oval[i]);
        free(f.scratch);
    }
    cr_assert(n_cases > 0, "%s has no cases", file);
    cJSON_Delete(root);
}

#define LOSS_TEST(suite, name, body)                                                          \
    static double ad_##name(fx *f) { body }                                                   \
    Test(suite, name) { run_fixture("loss_" #name ".json", ad_##name); }

/* ---- regression ---------------------------------------------------------------------------- */

LOSS_TEST(regression, mae,
          return loss_mae(A(f, "pred"), A(f, "target"), O(f, "w"), L(f, "pred"), G(f, "pred"));)
LOSS_TEST(regression, smooth_l1,
          return loss_smooth_l1(A(f, "pred"), A(f, "target"), O(f, "w"), L(f, "pred"), P(f, "beta"),
                                G(f, "pred"));)
LOSS_TEST(regression, quantile,
          return loss_quantile(A(f, "pred"), A(f, "target"), O(f, "w"), L(f, "pred"), P(f, "tau"),
                               G(f, "pred"));)
LOSS_TEST(regression, quantile_multi,
          return loss_quantile_multi(A(f, "pred"), A(f, "target"), A(f, "taus"), O(f, "w"),
                                     N(f, "n"), N(f, "Q"), G(f, "pred"));)
LOSS_TEST(regression, log_cosh,
          return loss_log_cosh(A(f, "pred"), A(f, "target"), O(f, "w"), L(f, "pred"),
                               G(f, "pred"));)
LOSS_TEST(regression, tukey,
          return loss_tukey(A(f, "pred"), A(f, "target"), O(f, "w"), L(f, "pred"), P(f, "c"),
                            G(f, "pred"));)
LOSS_TEST(regression, cauchy,
          return loss_cauchy(A(f, "pred"), A(f, "target"), O(f, "w"), L(f, "pred"), P(f, "c"),
                             G(f, "pred"));)

/* ---- classification ------------------------------------------------------------------------ */

LOSS_TEST(classification, bce,
          return loss_bce_logits(A(f, "logits"), A(f, "targets"), O(f, "w"), L(f, "logits"),
                                 P(f, "pos_weight"), G(f, "logits"));)
LOSS_TEST(classification, cross_entropy,
          return loss_cross_entropy(A(f, "logits"), I(f, "labels"), O(f, "class_w"), O(f, "w"),
                                    N(f, "n"), N(f, "K"), P(f, "label_smoothing"),
                                    G(f, "logits"));)
LOSS_TEST(classification, soft_cross_entropy,
          return loss_soft_cross_entropy(A(f, "logits"), A(f, "targets"), O(f, "w"), N(f, "n"),
                                         N(f, "K"), G(f, "logits"));)
LOSS_TEST(classification, focal_binary,
          return loss_focal_binary(A(f, "logits"), A(f, "targets"), O(f, "w"), L(f, "logits"),
                                   P(f, "alpha"), P(f, "gamma"), G(f, "logits"));)
LOSS_TEST(classification, focal,
          return loss_focal(A(f, "logits"), I(f, "labels"), O(f, "w"), N(f, "n"), N(f, "K"),
                            P(f, "alpha"), P(f, "gamma"), G(f, "logits"));)
LOSS_TEST(classification, asymmetric,
          return loss_asymmetric(A(f, "logits"), A(f, "targets"), O(f, "w"), L(f, "logits"),
                                 P(f, "gamma_pos"), P(f, "gamma_neg"), P(f, "clip"),
                                 G(f, "logits"));)
LOSS_TEST(classification, poly1,
          return loss_poly1(A(f, "logits"), I(f, "labels"), O(f, "w"), N(f, "n"), N(f, "K"),
                            P(f, "epsilon"), G(f, "logits"));)
LOSS_TEST(classification, hinge,
          return loss_hinge(A(f, "scores"), A(f, "targets"), O(f, "w"), L(f, "scores"),
                            P(f, "margin"), G(f, "scores"));)
LOSS_TEST(classification, squared_hinge,
          return loss_squared_hinge(A(f, "scores"), A(f, "targets"), O(f, "w"), L(f, "scores"),
                                    P(f, "margin"), G(f, "scores"));)
LOSS_TEST(classification, multi_margin,
          return loss_multi_margin(A(f, "scores"), I(f, "labels"), O(f, "class_w"), O(f, "w"),
                                   N(f, "n"), N(f, "K"), N(f, "p"), P(f, "margin"),
                                   G(f, "scores"));)
LOSS_TEST(classification, distill,
          return loss_distill(A(f, "student"), A(f, "teacher"), I(f, "labels"), O(f, "w"),
                              N(f, "n"), N(f, "K"), P(f, "temperature"), P(f, "alpha"),
                              G(f, "student"));)

/* ---- probabilistic ------------------------------------------------------------------------- */

LOSS_TEST(probabilistic, gaussian_nll,
          return loss_gaussian_nll(A(f, "mu"), A(f, "target"), A(f, "var"), O(f, "w"), L(f, "mu"),
                                   P(f, "eps"), N(f, "full"), G(f, "mu"), G(f, "var"));)
LOSS_TEST(probabilistic, kl_categorical,
          return loss_kl_categorical(A(f, "logits_p"), A(f, "logits_q"), O(f, "w"), N(f, "n"),
                                     N(f, "K"), G(f, "logits_p"), G(f, "logits_q"));)
LOSS_TEST(probabilistic, kl_diag_gaussian,
          return loss_kl_diag_gaussian(A(f, "mu1"), A(f, "log_std1"), A(f, "mu2"),
                                       A(f, "log_std2"), O(f, "w"), N(f, "n"), N(f, "D"),
                                       G(f, "mu1"), G(f, "log_std1"), G(f, "mu2"),
                                       G(f, "log_std2"));)
static double ad_vae_elbo(fx *f)
{
    int n = N(f, "n"), Dz = N(f, "Dz");
    float *kl = cJSON_GetObjectItemCaseSensitive(f->c, "out_kl") ? Y(f, "kl", 1) : NULL;
    return loss_vae_elbo(A(f, "x_hat"), A(f, "x"), A(f, "mu"), A(f, "logvar"), O(f, "w"), n,
                         N(f, "Dx"), Dz, P(f, "beta"), P(f, "free_bits"), N(f, "recon_bce"),
                         SCR(f, Dz), G(f, "x_hat"), G(f, "mu"), G(f, "logvar"), kl);
}
Test(probabilistic, vae_elbo) { run_fixture("loss_vae_elbo.json", ad_vae_elbo); }

/* ---- contrastive and metric ---------------------------------------------------------------- */

LOSS_TEST(metric, contrastive_pair,
          return loss_contrastive_pair(A(f, "a"), A(f, "b"), A(f, "same"), O(f, "w"), N(f, "n"),
                                       N(f, "D"), P(f, "margin"), G(f, "a"), G(f, "b"));)
LOSS_TEST(metric, triplet,
          return loss_triplet(A(f, "anchor"), A(f, "pos"), A(f, "neg"), O(f, "w"), N(f, "n"),
                              N(f, "D"), P(f, "margin"), G(f, "anchor"), G(f, "pos"),
                              G(f, "neg"));)
LOSS_TEST(metric, triplet_batch_hard,
          return loss_triplet_batch_hard(A(f, "emb"), I(f, "labels"), N(f, "n"), N(f, "D"),
                                         P(f, "margin"), G(f, "emb"));)
LOSS_TEST(metric, triplet_semi_hard,
          return loss_triplet_semi_hard(A(f, "emb"), I(f, "labels"), N(f, "n"), N(f, "D"),
                                        P(f, "margin"), G(f, "emb"));)
LOSS_TEST(metric, info_nce,
          return loss_info_nce(A(f, "z1"), A(f, "z2"), N(f, "n"), N(f, "D"), P(f, "temperature"),
                               N(f, "symmetric"), SCR(f, loss_info_nce_scratch(N(f, "n"))),
                               G(f, "z1"), G(f, "z2"));)
LOSS_TEST(metric, nt_xent,
          return loss_nt_xent(A(f, "z1"), A(f, "z2"), N(f, "n"), N(f, "D"), P(f, "temperature"),
                              SCR(f, loss_nt_xent_scratch(N(f, "n"))), G(f, "z1"), G(f, "z2"));)
LOSS_TEST(metric, supcon,
          return loss_supcon(A(f, "z"), I(f, "labels"), N(f, "n"), N(f, "D"), P(f, "temperature"),
                             SCR(f, loss_supcon_scratch(N(f, "n"))), G(f, "z"));)
LOSS_TEST(metric, vicreg,
          return loss_vicreg(A(f, "z1"), A(f, "z2"), N(f, "n"), N(f, "D"), P(f, "inv_w"),
                             P(f, "var_w"), P(f, "cov_w"), P(f, "eps"),
                             SCR(f, loss_vicreg_scratch(N(f, "D"))), G(f, "z1"), G(f, "z2"));)
LOSS_TEST(metric, barlow_twins,
          return loss_barlow_twins(A(f, "z1"), A(f, "z2"), N(f, "n"), N(f, "D"), P(f, "lambda"),
                                   P(f, "eps"), SCR(f, loss_barlow_scratch(N(f, "n"), N(f, "D"))),
                                   G(f, "z1"), G(f, "z2"));)
LOSS_TEST(metric, byol,
          return loss_byol(A(f, "p"), A(f, "z"), O(f, "w"), N(f, "n"), N(f, "D"), G(f, "p"));)
LOSS_TEST(metric, arcface,
          return loss_arcface(A(f, "emb"), A(f, "weight"), I(f, "labels"), O(f, "w"), N(f, "n"),
                              N(f, "D"), N(f, "K"), P(f, "scale"), P(f, "margin"),
                              SCR(f, 2 * N(f, "K")), G(f, "emb"), G(f, "weight"));)
LOSS_TEST(metric, cosface,
          return loss_cosface(A(f, "emb"), A(f, "weight"), I(f, "labels"), O(f, "w"), N(f, "n"),
                              N(f, "D"), N(f, "K"), P(f, "scale"), P(f, "margin"),
                              SCR(f, 2 * N(f, "K")), G(f, "emb"), G(f, "weight"));)
LOSS_TEST(metric, cosine_embedding,
          return loss_cosine_embedding(A(f, "x1"), A(f, "x2"), A(f, "y"), O(f, "w"), N(f, "n"),
                                       N(f, "D"), P(f, "margin"), G(f, "x1"), G(f, "x2"));)
LOSS_TEST(metric, hinge_embedding,
          return loss_hinge_embedding(A(f, "x"), A(f, "y"), O(f, "w"), L(f, "x"), P(f, "margin"),
                                      G(f, "x"));)

/* ---- adversarial and generative ------------------------------------------------------------ */

LOSS_TEST(adversarial, gan_d,
          return loss_gan_d(A(f, "real"), L(f, "real"), A(f, "fake"), L(f, "fake"), G(f, "real"),
                            G(f, "fake"));)
LOSS_TEST(adversarial, wgan_d,
          return loss_wgan_d(A(f, "real"), L(f, "real"), A(f, "fake"), L(f, "fake"), G(f, "real"),
                             G(f, "fake"));)
LOSS_TEST(adversarial, hinge_gan_d,
          return loss_hinge_gan_d(A(f, "real"), L(f, "real"), A(f, "fake"), L(f, "fake"),
                                  G(f, "real"), G(f, "fake"));)
LOSS_TEST(adversarial, gan_g_minimax,
          return loss_gan_g_minimax(A(f, "fake"), L(f, "fake"), G(f, "fake"));)
LOSS_TEST(adversarial, gan_g_nonsat,
          return loss_gan_g_nonsat(A(f, "fake"), L(f, "fake"), G(f, "fake"));)
LOSS_TEST(adversarial, wgan_g, return loss_wgan_g(A(f, "fake"), L(f, "fake"), G(f, "fake"));)
LOSS_TEST(adversarial, hinge_gan_g,
          return loss_hinge_gan_g(A(f, "fake"), L(f, "fake"), G(f, "fake"));)

static double ad_diffusion_eps(fx *f)
{
    int n = N(f, "n"), D = N(f, "D");
    float *x0 = O(f, "x0");
    if (x0 && f->want_grad)
        loss_diffusion_make_xt(Y(f, "x_t", n * D), x0, A(f, "eps"), A(f, "alpha_bar"), n, D);
    return loss_diffusion_eps(A(f, "eps_hat"), A(f, "eps"), O(f, "w"), n, D, G(f, "eps_hat"));
}
Test(generative, diffusion_eps) { run_fixture("loss_diffusion_eps.json", ad_diffusion_eps); }

static double ad_flow_matching(fx *f)
{
    int n = N(f, "n"), D = N(f, "D");
    if (f->want_grad)
        loss_flow_matching_target(Y(f, "x_t", n * D), Y(f, "u", n * D), A(f, "x0"), A(f, "x1"),
                                  A(f, "t"), n, D, P(f, "sigma_min"));
    return loss_flow_matching(A(f, "v_hat"), A(f, "u"), O(f, "w"), n, D, G(f, "v_hat"));
}
Test(generative, flow_matching) { run_fixture("loss_flow_matching.json", ad_flow_matching); }

/* ---- RL policy terms ----------------------------------------------------------------------- */

LOSS_TEST(rl, reinforce,
          return loss_reinforce(A(f, "logp"), A(f, "returns"), O(f, "baseline"), O(f, "w"),
                                L(f, "logp"), G(f, "logp"));)
LOSS_TEST(rl, policy_gradient,
          return loss_policy_gradient(A(f, "logp"), A(f, "adv"), O(f, "w"), L(f, "logp"),
                                      G(f, "logp"));)
LOSS_TEST(rl, awr,
          return loss_awr(A(f, "logp"), A(f, "adv"), O(f, "w"), L(f, "logp"), P(f, "beta"),
                          P(f, "max_weight"), G(f, "logp"));)
static double ad_entropy_categorical(fx *f)
{
    int n = N(f, "n");
    float *ent = cJSON_GetObjectItemCaseSensitive(f->c, "out_ent") ? Y(f, "ent", n) : NULL;
    return loss_entropy_categorical(A(f, "logits"), O(f, "w"), n, N(f, "K"), G(f, "logits"), ent);
}
Test(rl, entropy_categorical)
{
    run_fixture("loss_entropy_categorical.json", ad_entropy_categorical);
}
LOSS_TEST(rl, entropy_gaussian,
          return loss_entropy_gaussian(A(f, "log_std"), O(f, "w"), N(f, "n"), N(f, "D"),
                                       G(f, "log_std"));)
LOSS_TEST(rl, sac_actor,
          return loss_sac_actor(A(f, "logp"), A(f, "q"), O(f, "w"), L(f, "logp"), P(f, "alpha"),
                                G(f, "logp"), G(f, "q"));)
LOSS_TEST(rl, dpg, return loss_dpg(A(f, "q"), O(f, "w"), L(f, "q"), G(f, "q"));)
LOSS_TEST(rl, sac_alpha,
          return loss_sac_alpha(A(f, "log_alpha")[0], A(f, "logp"), L(f, "logp"),
                                P(f, "target_entropy"), G(f, "log_alpha"));)
static double ad_grpo(fx *f)
{
    int groups = N(f, "groups"), S = N(f, "group_size");
    if (f->want_grad)
        loss_grpo_advantages(Y(f, "adv", groups * S), A(f, "rewards"), groups, S, P(f, "eps"));
    return loss_grpo(A(f, "logp"), A(f, "logp_old"), A(f, "logp_ref"), A(f, "adv"), O(f, "w"),
                     groups * S, P(f, "clip"), P(f, "beta"), G(f, "logp"));
}
Test(rl, grpo) { run_fixture("loss_grpo.json", ad_grpo); }

/* ---- RL targets (outputs only) ------------------------------------------------------------- */

static double ad_td0(fx *f)
{
    int n = N(f, "T") * N(f, "N");
    if (f->want_grad)
        replay_td0_target(Y(f, "y", n), A(f, "rewards"), A(f, "next_values"), U(f, "terminated"), n,
                        P(f, "gamma"));
    return 0.0;
}
Test(targets, td0) { run_fixture("loss_td0.json", ad_td0); }
static double ad_nstep(fx *f)
{
    int T = N(f, "T"), E = N(f, "N");
    if (f->want_grad)
        replay_nstep_targets(Y(f, "y", T * E), A(f, "rewards"), A(f, "next_values"),
                           U(f, "terminated"), U(f, "truncated"), T, E, N(f, "nstep"),
                           P(f, "gamma"));
    return 0.0;
}
Test(targets, nstep) { run_fixture("loss_nstep.json", ad_nstep); }
static double ad_td_lambda(fx *f)
{
    int T = N(f, "T"), E = N(f, "N");
    if (f->want_grad)
        replay_td_lambda_targets(Y(f, "y", T * E), A(f, "rewards"), A(f, "next_values"),
                               U(f, "terminated"), U(f, "truncated"), T, E, P(f, "gamma"),
                               P(f, "lambda"));
    return 0.0;
}
Test(targets, td_lambda) { run_fixture("loss_td_lambda.json", ad_td_lambda); }

/* ---- distributional ------------------------------------------------------------------------ */

LOSS_TEST(distributional, quantile_huber,
          return loss_quantile_huber(A(f, "theta"), A(f, "target"), A(f, "taus"),
                                     N(f, "per_sample"), O(f, "w"), N(f, "n"), N(f, "Nq"),
                                     N(f, "Nt"), P(f, "kappa"), G(f, "theta"));)
LOSS_TEST(distributional, iqn_quantile_huber,
          return loss_iqn_quantile_huber(A(f, "theta"), A(f, "target"), A(f, "taus"), O(f, "w"), N(f, "n"),
                                         N(f, "N"), N(f, "Np"), P(f, "kappa"), G(f, "theta"));)
static double ad_c51(fx *f)
{
    int n = N(f, "n"), Aa = N(f, "A");
    if (f->want_grad)
        loss_c51_project(Y(f, "m", n * Aa), A(f, "next_probs"), A(f, "rewards"), U(f, "dones"), n,
                         Aa, P(f, "gamma"), P(f, "v_min"), P(f, "v_max"));
    return loss_c51(A(f, "logits"), A(f, "target_probs"), O(f, "w"), n, Aa, G(f, "logits"));
}
Test(distributional, c51) { run_fixture("loss_c51.json", ad_c51); }

/* ---- exploration --------------------------------------------------------------------------- */

static double ad_icm_forward(fx *f)
{
    int n = N(f, "n");
    float *r = cJSON_GetObjectItemCaseSensitive(f->c, "out_r_int") ? Y(f, "r_int", n) : NULL;
    return loss_icm_forward(A(f, "phi_pred"), A(f, "phi_next"), O(f, "w"), n, N(f, "D"),
                            P(f, "eta"), r, G(f, "phi_pred"), G(f, "phi_next"));
}
Test(exploration, icm_forward) { run_fixture("loss_icm_forward.json", ad_icm_forward); }
LOSS_TEST(exploration, icm_inverse,
          return loss_icm_inverse_discrete(A(f, "logits"), I(f, "actions"), O(f, "w"), N(f, "n"),
                                           N(f, "A"), G(f, "logits"));)
LOSS_TEST(exploration, icm_inverse_continuous,
          return loss_icm_inverse_continuous(A(f, "a_pred"), A(f, "a"), O(f, "w"), N(f, "n"),
                                             N(f, "D"), G(f, "a_pred"));)
static double ad_rnd(fx *f)
{
    int n = N(f, "n");
    float *r = cJSON_GetObjectItemCaseSensitive(f->c, "out_r_int") ? Y(f, "r_int", n) : NULL;
    return loss_rnd(A(f, "pred"), A(f, "target"), O(f, "w"), n, N(f, "D"), r, G(f, "pred"));
}
Test(exploration, rnd) { run_fixture("loss_rnd.json", ad_rnd); }

/* ---- preferences --------------------------------------------------------------------------- */

LOSS_TEST(preference, bradley_terry,
          return loss_bradley_terry(A(f, "r_chosen"), A(f, "r_rejected"), O(f, "w"),
                                    L(f, "r_chosen"), G(f, "r_chosen"), G(f, "r_rejected"));)
LOSS_TEST(preference, dpo,
          return loss_dpo(A(f, "pc"), A(f, "pr"), A(f, "ref_c"), A(f, "ref_r"), O(f, "w"),
                          L(f, "pc"), P(f, "beta"), P(f, "label_smoothing"), G(f, "pc"),
                          G(f, "pr"));)
LOSS_TEST(preference, ipo,
          return loss_ipo(A(f, "pc"), A(f, "pr"), A(f, "ref_c"), A(f, "ref_r"), O(f, "w"),
                          L(f, "pc"), P(f, "tau"), G(f, "pc"), G(f, "pr"));)
LOSS_TEST(preference, kto,
          return loss_kto(A(f, "logp"), A(f, "ref"), U(f, "good"), O(f, "w"), L(f, "logp"),
                          P(f, "z0"), P(f, "beta"), P(f, "lambda_d"), P(f, "lambda_u"),
                          G(f, "logp"));)
LOSS_TEST(preference, simpo,
          return loss_simpo(A(f, "pc"), A(f, "pr"), A(f, "len_c"), A(f, "len_r"), O(f, "w"),
                            L(f, "pc"), P(f, "beta"), P(f, "gamma"), G(f, "pc"), G(f, "pr"));)
LOSS_TEST(preference, orpo,
          return loss_orpo(A(f, "pc"), A(f, "pr"), A(f, "len_c"), A(f, "len_r"), O(f, "w"),
                           L(f, "pc"), P(f, "lambda"), G(f, "pc"), G(f, "pr"));)

/* ---- regularisation and diversity ---------------------------------------------------------- */

LOSS_TEST(regularisation, l1,
          return loss_l1_reg(A(f, "theta"), L(f, "theta"), P(f, "lambda"), G(f, "theta"));)
LOSS_TEST(regularisation, l2,
          return loss_l2_reg(A(f, "theta"), L(f, "theta"), P(f, "lambda"), G(f, "theta"));)
LOSS_TEST(regularisation, elastic_net,
          return loss_elastic_net(A(f, "theta"), L(f, "theta"), P(f, "l1"), P(f, "l2"),
                                  G(f, "theta"));)
LOSS_TEST(regularisation, ewc,
          return loss_ewc(A(f, "theta"), A(f, "theta_star"), A(f, "fisher"), L(f, "theta"),
                          P(f, "lambda"), G(f, "theta"));)
static double ad_novelty(fx *f)
{
    int n = N(f, "n"), M = N(f, "M");
    return loss_novelty(A(f, "b"), A(f, "archive"), n, M, N(f, "D"), N(f, "k"), SCR(f, M),
                        Y(f, "novelty", n), G(f, "b"));
}
Test(regularisation, novelty) { run_fixture("loss_novelty.json", ad_novelty); }
LOSS_TEST(regularisation, dpp,
          return loss_dpp_logdet(A(f, "x"), N(f, "n"), N(f, "D"), P(f, "lengthscale"),
                                 P(f, "jitter"), (double *)SCR(f, 2 * loss_dpp_scratch(N(f, "n"))),
                                 G(f, "x"));)

/* ---- more metric / self-supervised ---------------------------------------------------------- */

LOSS_TEST(selfsup, npair,
          return loss_npair(A(f, "anchor"), A(f, "pos"), N(f, "n"), N(f, "D"), P(f, "l2_reg"),
                            SCR(f, N(f, "n")), G(f, "anchor"), G(f, "pos"));)
LOSS_TEST(selfsup, proxy_nca,
          return loss_proxy_nca(A(f, "emb"), A(f, "proxies"), I(f, "labels"), O(f, "w"), N(f, "n"),
                                N(f, "D"), N(f, "C"), P(f, "scale"),
                                SCR(f, loss_proxy_nca_scratch(N(f, "C"))), G(f, "emb"),
                                G(f, "proxies"));)
static double ad_dino(fx *f)
{
    int n = N(f, "n"), K = N(f, "K");
    float *center = A(f, "center");
    double v = loss_dino(A(f, "student"), A(f, "teacher"), center, O(f, "w"), n, K,
                         P(f, "student_temp"), P(f, "teacher_temp"), G(f, "student"));
    if (f->want_grad) {
        float *c = Y(f, "center", K);
        memcpy(c, center, sizeof(float) * (size_t)K);
        loss_dino_update_center(c, A(f, "teacher"), n, K, P(f, "center_momentum"));
    }
    return v;
}
Test(selfsup, dino) { run_fixture("loss_dino.json", ad_dino); }
LOSS_TEST(selfsup, moco,
          return loss_moco(A(f, "q"), A(f, "k"), A(f, "queue"), N(f, "n"), N(f, "D"), N(f, "M"),
                           P(f, "temperature"), SCR(f, loss_moco_scratch(N(f, "M"))), G(f, "q"));)

/* ---- more generative ----------------------------------------------------------------------- */

static double ad_diffusion_v(fx *f)
{
    int n = N(f, "n"), D = N(f, "D");
    float *x0 = O(f, "x0");
    if (x0 && f->want_grad)
        loss_diffusion_v_target(Y(f, "v", n * D), x0, A(f, "eps"), A(f, "alpha_bar"), n, D);
    return loss_diffusion_v(A(f, "v_hat"), A(f, "v"), O(f, "w"), n, D, G(f, "v_hat"));
}
Test(generative, diffusion_v) { run_fixture("loss_diffusion_v.json", ad_diffusion_v); }
LOSS_TEST(generative, flow_nll,
          return loss_flow_nll(A(f, "z"), A(f, "logdet"), O(f, "w"), N(f, "n"), N(f, "D"), G(f, "z"),
                               G(f, "logdet"));)

/* ---- world models and more RL -------------------------------------------------------------- */

static double ad_rssm(fx *f)
{
    return loss_rssm(A(f, "obs_hat"), A(f, "obs"), A(f, "post"), A(f, "prior"), A(f, "reward_hat"),
                     A(f, "reward"), A(f, "cont_logit"), A(f, "cont"), O(f, "w"), N(f, "n"),
                     N(f, "Dx"), N(f, "S"), N(f, "C"), P(f, "kl_balance"), P(f, "free_nats"),
                     P(f, "kl_scale"), P(f, "reward_scale"), P(f, "cont_scale"), Y(f, "terms", 4),
                     G(f, "obs_hat"), G(f, "post"), G(f, "prior"), G(f, "reward_hat"),
                     G(f, "cont_logit"));
}
Test(rl, rssm) { run_fixture("loss_rssm.json", ad_rssm); }
LOSS_TEST(rl, ppo_kl,
          return loss_ppo_kl(A(f, "logp"), A(f, "logp_old"), A(f, "adv"), O(f, "w"), L(f, "logp"),
                             P(f, "beta"), G(f, "logp"), Y(f, "kl", 1));)
LOSS_TEST(rl, vmpo,
          return loss_vmpo_policy(A(f, "logp"), A(f, "adv"), L(f, "logp"), P(f, "eta"),
                                  SCR(f, 2 * L(f, "logp")), G(f, "logp"));)
LOSS_TEST(rl, vmpo_temperature,
          return loss_vmpo_temperature(A(f, "eta")[0], A(f, "adv"), L(f, "adv"), P(f, "eps_eta"),
                                       SCR(f, 2 * L(f, "adv")), G(f, "eta"));)
static double ad_rlhf_kl_reward(fx *f)
{
    int n = N(f, "n"), T = N(f, "T");
    float r[64];
    cr_assert(n * T <= 64);
    return loss_rlhf_kl_reward(f->want_grad ? Y(f, "rewards", n * T) : r, A(f, "logp"),
                               A(f, "logp_ref"), A(f, "score"), I(f, "lengths"), n, T,
                               P(f, "beta"), Y(f, "kl", n));
}
Test(rl, rlhf_kl_reward) { run_fixture("loss_rlhf_kl_reward.json", ad_rlhf_kl_reward); }

/* ---- more diversity and exploration -------------------------------------------------------- */

LOSS_TEST(regularisation, diversity_pairwise,
          return loss_diversity_pairwise(A(f, "b"), N(f, "n"), N(f, "D"), N(f, "squared"),
                                         G(f, "b"));)
static double ad_simhash(fx *f)
{
    int n = N(f, "n");
    uint32_t codes[64];
    cr_assert(n <= 64);
    if (!f->want_grad) return 0.0;
    loss_simhash_codes(codes, A(f, "x"), A(f, "proj"), n, N(f, "D"), N(f, "bits"));
    float *out = Y(f, "codes", n);
    for (int i = 0; i < n; i++) out[i] = (float)codes[i];
    loss_count_bonus(Y(f, "bonus", n), A(f, "counts"), n, P(f, "beta"));
    return 0.0;
}
Test(exploration, simhash) { run_fixture("loss_simhash.json", ad_simhash); }

/* KL balancing: of the KL's true gradient, kl_balance goes to the prior and the rest to the
 * posterior; finite differences of the value see the whole of it */
typedef struct {
    float *x, *y, *q, *p, *rh, *r, *cl, *c;
    float bal;
} rssm_ctx;
enum { RN = 3, RDX = 2, RS = 2, RC = 3 };
static double rssm_obj(void *v)
{
    rssm_ctx *k = v;
    return loss_rssm(k->x, k->y, k->q, k->p, k->rh, k->r, k->cl, k->c, NULL, RN, RDX, RS, RC, k->bal,
                     0.0f, 1.0f, 1.0f, 1.0f, NULL, NULL, NULL, NULL, NULL, NULL);
}
Test(rl, rssm_kl_balance_splits_the_kl_gradient)
{
    float x[RN * RDX], y[RN * RDX], q[RN * RS * RC], p[RN * RS * RC], rh[RN], r[RN], cl[RN], c[RN];
    float dq[RN * RS * RC], dp[RN * RS * RC];
    rl_rng g;
    rl_rng_seed(&g, 5, 0);
    for (int i = 0; i < RN * RS * RC; i++) q[i] = (float)rl_rng_normal(&g), p[i] = (float)rl_rng_normal(&g);
    for (int i = 0; i < RN * RDX; i++) x[i] = (float)rl_rng_normal(&g), y[i] = (float)rl_rng_normal(&g);
    for (int i = 0; i < RN; i++) rh[i] = r[i] = cl[i] = 0.1f * (float)i, c[i] = 1.0f;
    rssm_ctx k = {x, y, q, p, rh, r, cl, c, 0.8f};
    loss_rssm(x, y, q, p, rh, r, cl, c, NULL, RN, RDX, RS, RC, 0.8f, 0.0f, 1.0f, 1.0f, 1.0f, NULL,
              NULL, dq, dp, NULL, NULL);
    for (int i = 0; i < RN * RS * RC; i++) dq[i] /= 0.2f, dp[i] /= 0.8f;
    rlt_gradcheck(rssm_obj, &k, q, dq, RN * RS * RC, NULL, "rssm dpost / (1 - kl_balance)");
    rlt_gradcheck(rssm_obj, &k, p, dp, RN * RS * RC, NULL, "rssm dprior / kl_balance");
}

Test(selfsup, moco_queue_is_a_ring_buffer)
{
    float queue[3 * 2] = {0}, keys[2 * 2] = {1, 2, 3, 4};
    int head = 2;
    loss_moco_enqueue(queue, 3, 2, &head, keys, 2);
    float want[6] = {3, 4, 0, 0, 1, 2};
    rlt_assert_close(queue, want, 6, 0, 0, "queue after wrapping");
    cr_assert_eq(head, 1);
}

Test(rl, ppo_kl_adaptive_beta)
{
    cr_assert_float_eq(loss_ppo_kl_adapt(1.0f, 0.001f, 0.01f), 0.5f, 0.0f, "kl < target / 1.5 halves");
    cr_assert_float_eq(loss_ppo_kl_adapt(1.0f, 0.02f, 0.01f), 2.0f, 0.0f, "kl > 1.5 target doubles");
    cr_assert_float_eq(loss_ppo_kl_adapt(1.0f, 0.012f, 0.01f), 1.0f, 0.0f, "inside the band: kept");
}

/* ---- helpers without a fixture -------------------------------------------------------------- */

Test(distributional, quantile_levels)
{
    float t[4];
    loss_qr_taus(t, 4);
    float want[4] = {0.125f, 0.375f, 0.625f, 0.875f};
    rlt_assert_close(t, want, 4, 0, 1e-7, "qr taus");
    rl_rng rng, rng2;
    rl_rng_seed(&rng, 42, 0);
    rl_rng_seed(&rng2, 42, 0);
    float s[64], s2[64];
    loss_iqn_sample_taus(s, 64, &rng);
    loss_iqn_sample_taus(s2, 64, &rng2);
    double mean = 0;
    for (int i = 0; i < 64; i++) {
        cr_assert(s[i] > 0.0f && s[i] < 1.0f);
        cr_assert_eq(s[i], s2[i], "same seed, same taus");
        mean += s[i] / 64.0;
    }
    cr_assert(mean > 0.35 && mean < 0.65, "mean tau %g", mean);
}

Test(distributional, quantile_huber_fits_quantiles)
{
    /* a single predicted quantile at level tau against many targets: the gradient vanishes at the
     * empirical tau-quantile (kappa = 0) */
    float tgt[5] = {0, 1, 2, 3, 4}, tau[1] = {0.5f}, th[1] = {2.0f}, g[1];
    loss_quantile_huber(th, tgt, tau, 0, NULL, 1, 1, 5, 0.0f, g);
    cr_assert_float_eq(g[0], 0.0f, 1e-7);
    th[0] = 3.5f;
    loss_quantile_huber(th, tgt, tau, 0, NULL, 1, 1, 5, 0.0f, g);
    cr_assert(g[0] > 0.0f, "above the median the gradient pushes down");
}

Test(targets, td_lambda_limits_match_td0_and_monte_carlo)
{
    enum { T = 5, E = 2 };
    float r[T * E], nv[T * E], y0[T * E], y1[T * E], yl[T * E], yn[T * E];
    unsigned char term[T * E] = {0}, trunc[T * E] = {0};
    for (int i = 0; i < T * E; i++) {
        r[i] = 0.1f * (float)(i % 7) - 0.2f;
        nv[i] = 0.3f * (float)(i % 5) - 0.5f;
    }
    term[3 * E + 0] = 1;
    /* lambda = 0 is TD(0); lambda = 1 is the Monte-Carlo / n = infinity return */
    replay_td_lambda_targets(yl, r, nv, term, trunc, T, E, 0.9f, 0.0f);
    replay_td0_target(y0, r, nv, term, T * E, 0.9f);
    rlt_assert_close(yl, y0, T * E, 1e-6, 1e-6, "lambda 0 vs td0");
    replay_td_lambda_targets(yl, r, nv, term, trunc, T, E, 0.9f, 1.0f);
    replay_nstep_targets(yn, r, nv, term, trunc, T, E, 1000, 0.9f);
    rlt_assert_close(yl, yn, T * E, 1e-6, 1e-6, "lambda 1 vs n = inf");
    replay_nstep_targets(y1, r, nv, term, trunc, T, E, 1, 0.9f);
    rlt_assert_close(y1, y0, T * E, 1e-6, 1e-6, "n = 1 vs td0");
}
