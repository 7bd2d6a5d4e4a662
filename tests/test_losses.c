/* rlc tests: the losses the agents use first (mse, huber, clipped value, ppo_clip, entropy) and
 * the registry (lookup, parameter validation and its messages, dispatch, catalogue).
 *
 * Golden values come from tests/fixtures/loss_*.json (scripts/gen_fixtures_losses.py, PyTorch in
 * float64); gradients are also checked by central finite differences. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "losses/loss.h"
#include "tests/helpers/testutil.h"

#define N_MAX 64

/* a fixture case: file -> object -> case object */
static const cJSON *fixture_case(cJSON *root, const char *tag)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, tag);
    cr_assert(c != NULL, "fixture case '%s' missing", tag);
    return c;
}

/* generic objective context for rlt_gradcheck: up to four inputs, weights, one parameter */
typedef struct {
    float *a, *b, *c, *w;
    int n;
    float p;
} lctx;

static double obj_mse(void *v) { lctx *k = v; return loss_mse(k->a, k->b, k->w, k->n, NULL); }
static double obj_huber(void *v)
{
    lctx *k = v;
    return loss_huber(k->a, k->b, k->w, k->n, k->p, NULL);
}
static double obj_vclip(void *v)
{
    lctx *k = v;
    return loss_value_clipped(k->a, k->b, k->c, k->w, k->n, k->p, NULL);
}
static double obj_ppo(void *v)
{
    lctx *k = v;
    return loss_ppo_clip(k->a, k->b, k->c, k->w, k->n, k->p, NULL, NULL, NULL);
}
static double obj_ent(void *v) { lctx *k = v; return loss_entropy_bonus(k->a, k->w, k->n, NULL); }

static void fill(float *x, int n, float scale, unsigned seed)
{
    /* a small deterministic LCG so the tests do not depend on core/rng */
    unsigned s = seed * 2654435761u + 12345u;
    for (int i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = scale * (((float)(s >> 8) / (float)(1u << 24)) * 2.0f - 1.0f);
    }
}

/* ---- golden values from PyTorch ------------------------------------------------------------ */

Test(loss_golden, mse)
{
    cJSON *root = rlt_fixture_load("loss_mse.json");
    const char *tags[] = {"plain", "weighted"};
    for (int t = 0; t < 2; t++) {
        const cJSON *c = fixture_case(root, tags[t]);
        int n = rlt_fixture_count(c, "pred");
        float pred[N_MAX], target[N_MAX], w[N_MAX], g[N_MAX], dp[N_MAX];
        cr_assert(n <= N_MAX);
        rlt_fixture_floats(c, "pred", pred, n);
        rlt_fixture_floats(c, "target", target, n);
        rlt_fixture_floats(c, "w", w, n);
        rlt_fixture_floats(c, "dpred", g, n);
        float v = loss_mse(pred, target, t ? w : NULL, n, dp);
        cr_assert_float_eq(v, rlt_fixture_number(c, "value"), 1e-5, "%s: %g", tags[t], v);
        rlt_assert_close(dp, g, n, 1e-5, 1e-7, tags[t]);
        /* value-only call agrees */
        cr_assert_eq(loss_mse(pred, target, t ? w : NULL, n, NULL), v);
    }
    cJSON_Delete(root);
}

Test(loss_golden, huber)
{
    cJSON *root = rlt_fixture_load("loss_huber.json");
    const char *tags[] = {"d1", "d05", "d3", "weighted"};
    for (int t = 0; t < 4; t++) {
        const cJSON *c = fixture_case(root, tags[t]);
        int n = rlt_fixture_count(c, "pred");
        float pred[N_MAX], target[N_MAX], w[N_MAX], g[N_MAX], dp[N_MAX];
        rlt_fixture_floats(c, "pred", pred, n);
        rlt_fixture_floats(c, "target", target, n);
        rlt_fixture_floats(c, "w", w, n);
        rlt_fixture_floats(c, "dpred", g, n);
        float delta = (float)rlt_fixture_number(c, "delta");
        float v = loss_huber(pred, target, t == 3 ? w : NULL, n, delta, dp);
        cr_assert_float_eq(v, rlt_fixture_number(c, "value"), 1e-5, "%s: %g", tags[t], v);
        rlt_assert_close(dp, g, n, 1e-5, 1e-7, tags[t]);
    }
    cJSON_Delete(root);
}

Test(loss_golden, value_clipped)
{
    cJSON *root = rlt_fixture_load("loss_value_clipped.json");
    const char *tags[] = {"c02", "c05", "c02w"};
    for (int t = 0; t < 3; t++) {
        const cJSON *c = fixture_case(root, tags[t]);
        int n = rlt_fixture_count(c, "v");
        float v[N_MAX], vo[N_MAX], ret[N_MAX], w[N_MAX], g[N_MAX], dv[N_MAX];
        rlt_fixture_floats(c, "v", v, n);
        rlt_fixture_floats(c, "v_old", vo, n);
        rlt_fixture_floats(c, "ret", ret, n);
        rlt_fixture_floats(c, "w", w, n);
        rlt_fixture_floats(c, "dv", g, n);
        float clip = (float)rlt_fixture_number(c, "clip");
        float val = loss_value_clipped(v, vo, ret, t == 2 ? w : NULL, n, clip, dv);
        cr_assert_float_eq(val, rlt_fixture_number(c, "value"), 1e-5, "%s: %g", tags[t], val);
        rlt_assert_close(dv, g, n, 1e-5, 1e-7, tags[t]);
    }
    cJSON_Delete(root);
}

Test(loss_golden, ppo_clip)
{
    cJSON *root = rlt_fixture_load("loss_ppo_clip.json");
    const char *tags[] = {"c02", "c01", "c02w"};
    for (int t = 0; t < 3; t++) {
        const cJSON *c = fixture_case(root, tags[t]);
        int n = rlt_fixture_count(c, "logp");
        float lp[N_MAX], lpo[N_MAX], adv[N_MAX], w[N_MAX], g[N_MAX], dl[N_MAX];
        rlt_fixture_floats(c, "logp", lp, n);
        rlt_fixture_floats(c, "logp_old", lpo, n);
        rlt_fixture_floats(c, "adv", adv, n);
        rlt_fixture_floats(c, "w", w, n);
        rlt_fixture_floats(c, "dlogp", g, n);
        float clip = (float)rlt_fixture_number(c, "clip");
        float cf = -1.0f, kl = -1.0f;
        float val = loss_ppo_clip(lp, lpo, adv, t == 2 ? w : NULL, n, clip, dl, &cf, &kl);
        cr_assert_float_eq(val, rlt_fixture_number(c, "value"), 1e-5, "%s: %g", tags[t], val);
        rlt_assert_close(dl, g, n, 1e-5, 1e-7, tags[t]);
        cr_assert_float_eq(cf, rlt_fixture_number(c, "clipfrac"), 1e-6, "%s clipfrac %g", tags[t],
                           cf);
        cr_assert_float_eq(kl, rlt_fixture_number(c, "approx_kl"), 1e-6, "%s approx_kl %g",
                           tags[t], kl);
        /* the fixture is meant to exercise both branches */
        cr_assert(cf > 0.0f && cf < 1.0f, "%s: clipfrac %g should be strictly inside (0, 1)",
                  tags[t], cf);
    }
    cJSON_Delete(root);
}

/* ---- finite differences -------------------------------------------------------------------- */

Test(loss_fd, mse_and_huber)
{
    float a[20], b[20], w[20], g[20];
    fill(a, 20, 3.0f, 1);
    fill(b, 20, 3.0f, 2);
    fill(w, 20, 1.0f, 3);
    for (int i = 0; i < 20; i++) w[i] = 1.0f + 0.5f * w[i];
    lctx k = {a, b, NULL, w, 20, 1.0f};
    loss_mse(a, b, w, 20, g);
    rlt_gradcheck(obj_mse, &k, a, g, 20, NULL, "mse dpred");
    /* huber: keep residuals away from the kink |d| = delta */
    for (int i = 0; i < 20; i++) {
        float d = a[i] - b[i];
        if (fabsf(fabsf(d) - k.p) < 0.05f) a[i] += 0.2f;
    }
    loss_huber(a, b, w, 20, k.p, g);
    rlt_gradcheck(obj_huber, &k, a, g, 20, NULL, "huber dpred");
    /* target side: d/dtarget = -d/dpred, checked through swapped roles */
    loss_huber(b, a, NULL, 20, k.p, g);
    k.a = b; k.b = a; k.w = NULL;
    rlt_gradcheck(obj_huber, &k, b, g, 20, NULL, "huber dpred (swapped)");
}

Test(loss_fd, value_clipped)
{
    float v[24], vo[24], ret[24], w[24], g[24];
    fill(v, 24, 1.0f, 4);
    fill(vo, 24, 0.5f, 5);
    fill(ret, 24, 1.0f, 6);
    fill(w, 24, 0.5f, 7);
    for (int i = 0; i < 24; i++) {
        w[i] += 1.0f;
        vo[i] += v[i];
        /* avoid the clip edges |v - v_old| = c and ties between the two terms */
        float d = v[i] - vo[i];
        if (fabsf(fabsf(d) - 0.2f) < 0.02f) vo[i] += 0.05f;
    }
    lctx k = {v, vo, ret, w, 24, 0.2f};
    float val = loss_value_clipped(v, vo, ret, w, 24, 0.2f, g);
    cr_assert(val > 0.0f);
    rlt_gradcheck(obj_vclip, &k, v, g, 24, &(rlt_gradcheck_opts){.n_check = 24}, "clipped dv");
}

Test(loss_fd, ppo_clip)
{
    float lp[32], lpo[32], adv[32], w[32], g[32];
    fill(lpo, 32, 1.0f, 8);
    fill(lp, 32, 0.4f, 9);
    fill(adv, 32, 2.0f, 10);
    fill(w, 32, 0.5f, 11);
    for (int i = 0; i < 32; i++) {
        lpo[i] -= 1.5f;
        lp[i] += lpo[i];
        w[i] += 1.0f;
        /* keep the ratio away from 1 +- clip */
        float r = expf(lp[i] - lpo[i]);
        if (fabsf(r - 1.2f) < 0.02f || fabsf(r - 0.8f) < 0.02f) lp[i] += 0.05f;
    }
    lctx k = {lp, lpo, adv, w, 32, 0.2f};
    float cf;
    loss_ppo_clip(lp, lpo, adv, w, 32, 0.2f, g, &cf, NULL);
    cr_assert(cf > 0.0f && cf < 1.0f, "want both clipped and unclipped samples, clipfrac %g", cf);
    rlt_gradcheck(obj_ppo, &k, lp, g, 32, &(rlt_gradcheck_opts){.n_check = 32}, "ppo dlogp");
}

Test(loss_fd, entropy)
{
    float e[10], w[10], g[10];
    fill(e, 10, 2.0f, 12);
    fill(w, 10, 0.5f, 13);
    for (int i = 0; i < 10; i++) w[i] += 1.0f;
    lctx k = {e, NULL, NULL, w, 10, 0};
    float v = loss_entropy_bonus(e, w, 10, g);
    double s = 0;
    for (int i = 0; i < 10; i++) s += w[i] * e[i];
    cr_assert_float_eq(v, -s / 10, 1e-6);
    rlt_gradcheck(obj_ent, &k, e, g, 10, NULL, "entropy dent");
}

/* ---- properties ---------------------------------------------------------------------------- */

Test(loss_props, unit_weights_equal_no_weights)
{
    float a[16], b[16], c[16], one[16], g1[16], g2[16];
    fill(a, 16, 1.0f, 20);
    fill(b, 16, 1.0f, 21);
    fill(c, 16, 1.0f, 22);
    for (int i = 0; i < 16; i++) one[i] = 1.0f;
    cr_assert_eq(loss_mse(a, b, NULL, 16, g1), loss_mse(a, b, one, 16, g2));
    rlt_assert_close(g1, g2, 16, 0, 0, "mse grads");
    cr_assert_eq(loss_huber(a, b, NULL, 16, 0.3f, g1), loss_huber(a, b, one, 16, 0.3f, g2));
    rlt_assert_close(g1, g2, 16, 0, 0, "huber grads");
    cr_assert_eq(loss_value_clipped(a, b, c, NULL, 16, 0.2f, g1),
                 loss_value_clipped(a, b, c, one, 16, 0.2f, g2));
    rlt_assert_close(g1, g2, 16, 0, 0, "clipped grads");
    cr_assert_eq(loss_ppo_clip(a, b, c, NULL, 16, 0.2f, g1, NULL, NULL),
                 loss_ppo_clip(a, b, c, one, 16, 0.2f, g2, NULL, NULL));
    rlt_assert_close(g1, g2, 16, 0, 0, "ppo grads");
}

Test(loss_props, weights_scale_samples)
{
    /* doubling every weight doubles the loss and the gradient; zero weight removes a sample */
    float a[4] = {1, 2, 3, 4}, b[4] = {0, 0, 0, 0}, w2[4] = {2, 2, 2, 2}, w0[4] = {1, 1, 1, 0};
    float g[4];
    cr_assert_float_eq(loss_mse(a, b, w2, 4, g), 2.0f * (1 + 4 + 9 + 16) / 4.0f, 1e-5);
    cr_assert_float_eq(g[3], 2.0f * 2.0f * 4.0f / 4.0f, 1e-6);
    cr_assert_float_eq(loss_mse(a, b, w0, 4, g), (1 + 4 + 9) / 4.0f, 1e-5);
    cr_assert_eq(g[3], 0.0f);
}

Test(loss_props, ppo_stats_and_extremes)
{
    /* identical policies: no clipping, zero KL, loss = -mean A, gradient -A/n */
    float lp[4] = {-1, -2, -0.5f, -3}, adv[4] = {1, -1, 2, 0.5f}, g[4], cf, kl;
    float v = loss_ppo_clip(lp, lp, adv, NULL, 4, 0.2f, g, &cf, &kl);
    cr_assert_float_eq(v, -(1 - 1 + 2 + 0.5f) / 4, 1e-6);
    cr_assert_eq(cf, 0.0f);
    cr_assert_float_eq(kl, 0.0f, 1e-7);
    cr_assert_float_eq(g[2], -2.0f / 4, 1e-7);
    /* a large ratio with positive advantage is clipped: flat loss, zero gradient */
    float lp2[1] = {5.0f}, lpo2[1] = {0.0f}, a2[1] = {1.0f};
    v = loss_ppo_clip(lp2, lpo2, a2, NULL, 1, 0.2f, g, &cf, &kl);
    cr_assert_float_eq(v, -1.2f, 1e-6);
    cr_assert_eq(g[0], 0.0f);
    cr_assert_eq(cf, 1.0f);
    cr_assert(isfinite(kl) && kl > 0.0f);
    /* ... but with a negative advantage it is not: the loss grows with the ratio */
    a2[0] = -1.0f;
    v = loss_ppo_clip(lp2, lpo2, a2, NULL, 1, 0.2f, g, NULL, NULL);
    cr_assert_float_eq(v, expf(5.0f), 1e-2);
    cr_assert_float_eq(g[0], expf(5.0f), 1e-2);
}

Test(loss_props, value_clipped_extremes)
{
    /* v far from v_old towards the return: the clipped term is the larger one, so no gradient */
    float v[1] = {1.0f}, vo[1] = {0.0f}, ret[1] = {1.0f}, g[1];
    float val = loss_value_clipped(v, vo, ret, NULL, 1, 0.2f, g);
    cr_assert_float_eq(val, 0.5f * 0.8f * 0.8f, 1e-6);
    cr_assert_eq(g[0], 0.0f);
    /* v moving away from the return: the unclipped term wins and pulls back */
    ret[0] = -1.0f;
    val = loss_value_clipped(v, vo, ret, NULL, 1, 0.2f, g);
    cr_assert_float_eq(val, 0.5f * 4.0f, 1e-6);
    cr_assert_float_eq(g[0], 2.0f, 1e-6);
}

Test(loss_props, huber_matches_mse_inside_and_l1_outside)
{
    float p[3] = {0.1f, -0.2f, 0.3f}, t[3] = {0, 0, 0}, g[3];
    cr_assert_float_eq(loss_huber(p, t, NULL, 3, 1.0f, g), 0.5f * loss_mse(p, t, NULL, 3, NULL),
                       1e-7);
    float p2[2] = {1e6f, -1e6f}, g2[2];
    float v = loss_huber(p2, t, NULL, 2, 1.0f, g2);
    cr_assert_float_eq(v, 1e6f - 0.5f, 1.0f);
    cr_assert_float_eq(g2[0], 0.5f, 1e-7);
    cr_assert_float_eq(g2[1], -0.5f, 1e-7);
}

/* ---- the registry -------------------------------------------------------------------------- */

Test(loss_registry, names_kinds_defaults)
{
    struct { const char *name; loss_kind kind; int n_params; float def; } want[] = {
        {"mse", LOSS_KIND_REGRESSION, 0, 0},
        {"huber", LOSS_KIND_REGRESSION, 1, 1.0f},
        {"clipped", LOSS_KIND_VALUE_CLIPPED, 1, 0.2f},
        {"ppo_clip", LOSS_KIND_POLICY_RATIO, 1, 0.2f},
        {"entropy", LOSS_KIND_ENTROPY, 0, 0},
    };
    for (int i = 0; i < RL_ARRAY_LEN(want); i++) {
        const loss_desc *d = loss_find(want[i].name);
        cr_assert(d != NULL, "%s not registered", want[i].name);
        cr_assert_str_eq(d->name, want[i].name);
        cr_assert_eq(d->kind, want[i].kind, "%s kind", want[i].name);
        cr_assert_eq(d->n_params, want[i].n_params, "%s n_params", want[i].name);
        cr_assert(d->formula && d->formula[0]);
        if (d->n_params) cr_assert_eq(d->params[0].def, want[i].def, "%s default", d->name);
    }
    cr_assert_null(loss_find("no_such_loss"));
    cr_assert_null(loss_find(NULL));
    int n = 0;
    const loss_desc *const *t = loss_registry(&n);
    cr_assert(t != NULL && n >= 5);
    /* names are unique, every entry carries the function of its kind */
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) cr_assert_str_neq(t[i]->name, t[j]->name);
        cr_assert(t[i]->formula && t[i]->formula[0], "%s has no formula", t[i]->name);
    }
    cr_assert_str_eq(loss_kind_name(LOSS_KIND_POLICY_RATIO), "policy_ratio");
    cr_assert_str_eq(loss_kind_name(LOSS_KIND_COUNT), "unknown");
}

Test(loss_registry, spec_defaults_and_overrides)
{
    loss_spec s;
    char err[256] = "";
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS_VALUE, "huber", NULL, NULL, 0, "t", err,
                                sizeof err), RL_OK, "%s", err);
    cr_assert_eq(s.p[0], 1.0f);
    const char *keys[] = {"delta"};
    double vals[] = {2.5};
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS_VALUE, "huber", keys, vals, 1, "t", err,
                                sizeof err), RL_OK, "%s", err);
    cr_assert_eq(s.p[0], 2.5f);
    const char *kc[] = {"clip"};
    double vc[] = {0.3};
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS(LOSS_KIND_POLICY_RATIO), "ppo_clip", kc, vc, 1,
                                "t", err, sizeof err), RL_OK, "%s", err);
    cr_assert_float_eq(s.p[0], 0.3f, 1e-7);
    /* the clipped value loss may use a clip above 1 (value scale), ppo_clip may not */
    vc[0] = 10.0;
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS_VALUE, "clipped", kc, vc, 1, "t", err, sizeof err),
                 RL_OK, "%s", err);
}

static void expect_error(unsigned mask, const char *name, const char *key, double val,
                         const char *const *must_contain)
{
    loss_spec s;
    memset(&s, 0xAB, sizeof s);
    loss_spec before = s;
    char err[512] = "";
    const char *keys[] = {key};
    double vals[] = {val};
    rl_status st = loss_spec_make(&s, mask, name, keys, vals, key ? 1 : 0,
                                  "configs/x.yaml:12: losses.value", err, sizeof err);
    cr_assert_neq(st, RL_OK, "%s/%s=%g accepted", name, key ? key : "-", val);
    cr_assert(memcmp(&s, &before, sizeof s) == 0, "out must be untouched on error");
    cr_assert(strstr(err, "configs/x.yaml:12: losses.value") != NULL, "no where in: %s", err);
    for (int i = 0; must_contain[i]; i++)
        cr_assert(strstr(err, must_contain[i]) != NULL, "'%s' missing from: %s", must_contain[i],
                  err);
}

Test(loss_registry, errors_name_where_loss_and_parameter)
{
    expect_error(LOSS_KINDS_VALUE, "hubber", NULL, 0, (const char *[]){"hubber", "huber", NULL});
    expect_error(LOSS_KINDS_VALUE, "ppo_clip", NULL, 0,
                 (const char *[]){"ppo_clip", "policy_ratio", "regression", NULL});
    expect_error(LOSS_KINDS(LOSS_KIND_POLICY_RATIO), "mse", NULL, 0,
                 (const char *[]){"mse", "regression", NULL});
    expect_error(LOSS_KINDS_VALUE, "huber", "dleta", 1.0, (const char *[]){"huber", "dleta",
                 "delta", NULL});
    expect_error(LOSS_KINDS_VALUE, "mse", "delta", 1.0, (const char *[]){"mse", "delta", NULL});
    expect_error(LOSS_KINDS_VALUE, "huber", "delta", -1.0,
                 (const char *[]){"huber", "delta", "-1", "> 0", NULL});
    expect_error(LOSS_KINDS_VALUE, "huber", "delta", 0.0, (const char *[]){"delta", NULL});
    expect_error(LOSS_KINDS_VALUE, "huber", "delta", NAN, (const char *[]){"delta", NULL});
    expect_error(LOSS_KINDS_VALUE, "clipped", "clip", 0.0, (const char *[]){"clipped", "clip",
                 NULL});
    expect_error(LOSS_KINDS(LOSS_KIND_POLICY_RATIO), "ppo_clip", "clip", 1.0,
                 (const char *[]){"ppo_clip", "clip", "(0, 1)", NULL});
    expect_error(LOSS_KINDS(LOSS_KIND_POLICY_RATIO), "ppo_clip", "clip", -0.1,
                 (const char *[]){"ppo_clip", "clip", NULL});
    expect_error(LOSS_KINDS(LOSS_KIND_ENTROPY), "entropy", "coef", 0.01,
                 (const char *[]){"entropy", "coef", NULL});
}

Test(loss_registry, duplicate_parameter_rejected)
{
    loss_spec s;
    char err[256] = "";
    const char *keys[] = {"delta", "delta"};
    double vals[] = {1.0, 2.0};
    cr_assert_neq(loss_spec_make(&s, LOSS_KINDS_VALUE, "huber", keys, vals, 2, "w", err,
                                 sizeof err), RL_OK);
    cr_assert(strstr(err, "delta") && strstr(err, "twice"), "%s", err);
}

Test(loss_registry, dispatch_matches_kernels)
{
    float v[8], vo[8], ret[8], w[8], g1[8], g2[8];
    fill(v, 8, 1.0f, 30);
    fill(vo, 8, 1.0f, 31);
    fill(ret, 8, 1.0f, 32);
    fill(w, 8, 0.5f, 33);
    for (int i = 0; i < 8; i++) w[i] += 1.0f;
    loss_spec s;
    char err[256];
    const char *kd[] = {"delta"};
    double vd[] = {0.5};
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS_VALUE, "huber", kd, vd, 1, "t", err, sizeof err),
                 RL_OK);
    cr_assert_eq(loss_value_eval(&s, v, vo, ret, w, 8, g1), loss_huber(v, ret, w, 8, 0.5f, g2));
    rlt_assert_close(g1, g2, 8, 0, 0, "huber dispatch");
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS_VALUE, "mse", NULL, NULL, 0, "t", err, sizeof err),
                 RL_OK);
    cr_assert_eq(loss_value_eval(&s, v, NULL, ret, w, 8, g1), loss_mse(v, ret, w, 8, g2));
    rlt_assert_close(g1, g2, 8, 0, 0, "mse dispatch");
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS_VALUE, "clipped", NULL, NULL, 0, "t", err,
                                sizeof err), RL_OK);
    cr_assert_eq(loss_value_eval(&s, v, vo, ret, w, 8, g1),
                 loss_value_clipped(v, vo, ret, w, 8, 0.2f, g2));
    rlt_assert_close(g1, g2, 8, 0, 0, "clipped dispatch");
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS(LOSS_KIND_POLICY_RATIO), "ppo_clip", NULL, NULL, 0,
                                "t", err, sizeof err), RL_OK);
    cr_assert_eq(loss_policy_eval(&s, v, vo, ret, w, 8, g1),
                 loss_ppo_clip(v, vo, ret, w, 8, 0.2f, g2, NULL, NULL));
    rlt_assert_close(g1, g2, 8, 0, 0, "ppo dispatch");
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS(LOSS_KIND_ENTROPY), "entropy", NULL, NULL, 0, "t",
                                err, sizeof err), RL_OK);
    cr_assert_eq(loss_entropy_eval(&s, v, w, 8, g1), loss_entropy_bonus(v, w, 8, g2));
    rlt_assert_close(g1, g2, 8, 0, 0, "entropy dispatch");
}

Test(loss_registry, catalogue_lists_every_loss)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    cr_assert(fp != NULL);
    loss_catalogue_print(fp);
    fclose(fp);
    int n = 0;
    const loss_desc *const *t = loss_registry(&n);
    for (int i = 0; i < n; i++) {
        cr_assert(strstr(buf, t[i]->name) != NULL, "%s not in the catalogue", t[i]->name);
        cr_assert(strstr(buf, t[i]->formula) != NULL, "%s formula not printed", t[i]->name);
    }
    cr_assert(strstr(buf, "delta") && strstr(buf, "> 0") && strstr(buf, "(0, 1)"));
    free(buf);
}
