/* The MultiDiscrete and MultiBinary action distributions (nn/multi_dist.c): the summed
 * log-probability, entropy and their gradients against PyTorch (tests/fixtures/nn_multi_dist.json,
 * scripts/gen_fixtures_multi_dist.py), the gradients against finite differences, and sampling. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/mathx.h"
#include "core/rng.h"
#include "nn/nn.h"
#include "tests/helpers/testutil.h"

static const int NVEC[3] = {3, 2, 4};
enum { NB = 3, M_MD = 3, L_MD = 9, M_MB = 4 };

/* ---- against PyTorch ------------------------------------------------------------------------ */

typedef struct {
    int B, M, L;                 /* rows, components, logits per row */
    float logits[64], dlogp[8], dent[8];
    int actions[64];
} golden;

static cJSON *load_case(const char *key, golden *g, cJSON **root, int M, int L)
{
    *root = rlt_fixture_load("nn_multi_dist.json");
    cJSON *fc = cJSON_GetObjectItemCaseSensitive(*root, key);
    g->B = (int)rlt_fixture_number(fc, "batch");
    g->M = M, g->L = L;
    cr_assert(g->B * L <= 64 && g->B * M <= 64 && g->B <= 8);
    float a[64];
    rlt_fixture_floats(fc, "logits", g->logits, g->B * L);
    rlt_fixture_floats(fc, "actions", a, g->B * M);
    for (int i = 0; i < g->B * M; i++) g->actions[i] = (int)a[i];
    rlt_fixture_floats(fc, "dlogp", g->dlogp, g->B);
    rlt_fixture_floats(fc, "dent", g->dent, g->B);
    return fc;
}

static void expect(const cJSON *fc, const char *key, const float *got, int n)
{
    float want[64];
    rlt_fixture_floats(fc, key, want, n);
    rlt_assert_close(got, want, n, 1e-5, 1e-6, key);
}

Test(nn_multi_dist, multi_discrete_matches_torch)
{
    golden g;
    cJSON *root;
    cJSON *fc = load_case("multi_discrete", &g, &root, M_MD, L_MD);
    float nv[3];
    rlt_fixture_floats(fc, "nvec", nv, 3);
    for (int m = 0; m < 3; m++) cr_assert_eq((int)nv[m], NVEC[m]);
    float logp[8], ent[8], d[64] = {0};
    nn_multicat_log_prob(logp, g.logits, g.actions, g.B, NVEC, M_MD);
    expect(fc, "logp", logp, g.B);
    nn_multicat_entropy(ent, g.logits, g.B, NVEC, M_MD);
    expect(fc, "entropy", ent, g.B);
    nn_multicat_backward(d, g.logits, g.actions, g.dlogp, g.dent, g.B, NVEC, M_MD);
    expect(fc, "dlogits", d, g.B * L_MD);
    cJSON_Delete(root);
}

Test(nn_multi_dist, multi_binary_matches_torch)
{
    golden g;
    cJSON *root;
    cJSON *fc = load_case("multi_binary", &g, &root, M_MB, M_MB);
    cr_assert_eq((int)rlt_fixture_number(fc, "n"), M_MB);
    float logp[8], ent[8], d[64] = {0};
    nn_bernoulli_log_prob(logp, g.logits, g.actions, g.B, M_MB);
    expect(fc, "logp", logp, g.B);
    nn_bernoulli_entropy(ent, g.logits, g.B, M_MB);
    expect(fc, "entropy", ent, g.B);
    nn_bernoulli_backward(d, g.logits, g.actions, g.dlogp, g.dent, g.B, M_MB);
    expect(fc, "dlogits", d, g.B * M_MB);
    cJSON_Delete(root);
}

/* ---- against finite differences ------------------------------------------------------------- */

typedef struct {
    bool binary;
    int which;                   /* 0: log_prob, 1: entropy */
    float logits[NB * L_MD], w[NB], tmp[NB];
    int actions[NB * M_MB];
} fd_ctx;

static double fd_obj(void *v)
{
    fd_ctx *c = v;
    if (c->binary && c->which == 0) nn_bernoulli_log_prob(c->tmp, c->logits, c->actions, NB, M_MB);
    else if (c->binary) nn_bernoulli_entropy(c->tmp, c->logits, NB, M_MB);
    else if (c->which == 0) nn_multicat_log_prob(c->tmp, c->logits, c->actions, NB, NVEC, M_MD);
    else nn_multicat_entropy(c->tmp, c->logits, NB, NVEC, M_MD);
    double s = 0.0;
    for (int b = 0; b < NB; b++) s += (double)c->tmp[b] * c->w[b];
    return s;
}

static void fd_check(bool binary)
{
    fd_ctx c = {.binary = binary};
    rl_rng rng;
    rl_rng_seed(&rng, 23, 0);
    int M = binary ? M_MB : M_MD, L = binary ? M_MB : L_MD;
    for (int i = 0; i < NB * L; i++) c.logits[i] = 1.5f * (float)rl_rng_normal(&rng);
    for (int b = 0; b < NB; b++) c.w[b] = (float)rl_rng_normal(&rng);
    for (int i = 0; i < NB * M; i++) c.actions[i] = (int)rl_rng_below(&rng, binary ? 2 : (uint32_t)NVEC[i % M]);
    rlt_gradcheck_opts o = {.n_check = 1000};
    for (c.which = 0; c.which < 2; c.which++) {
        float d[NB * L_MD] = {0};
        const float *dlogp = c.which == 0 ? c.w : NULL, *dent = c.which == 1 ? c.w : NULL;
        if (binary) nn_bernoulli_backward(d, c.logits, c.actions, dlogp, dent, NB, M_MB);
        else nn_multicat_backward(d, c.logits, c.actions, dlogp, dent, NB, NVEC, M_MD);
        rlt_gradcheck(fd_obj, &c, c.logits, d, NB * L, &o, c.which ? "entropy" : "log_prob");
        // backward adds into dlogits
        float d2[NB * L_MD];
        memcpy(d2, d, sizeof d);
        if (binary) nn_bernoulli_backward(d2, c.logits, c.actions, dlogp, dent, NB, M_MB);
        else nn_multicat_backward(d2, c.logits, c.actions, dlogp, dent, NB, NVEC, M_MD);
        for (int i = 0; i < NB * L; i++) cr_assert_float_eq(d2[i], 2.0f * d[i], 1e-6f);
    }
}

Test(nn_multi_dist, multi_discrete_gradient_matches_finite_differences) { fd_check(false); }
Test(nn_multi_dist, multi_binary_gradient_matches_finite_differences) { fd_check(true); }

/* ---- sampling and the mode ------------------------------------------------------------------ */

/* each component follows its own softmax: component frequencies over many draws */
Test(nn_multi_dist, multi_discrete_samples_each_component_from_its_logits)
{
    float logits[L_MD] = {2.0f, 0.0f, -1.0f, -1.0f, 1.0f, 0.0f, 0.0f, 3.0f, 0.0f};
    rl_rng rng;
    rl_rng_seed(&rng, 5, 0);
    enum { N = 20000 };
    int count[L_MD] = {0}, a[M_MD];
    for (int t = 0; t < N; t++) {
        nn_multicat_sample(a, logits, 1, NVEC, M_MD, &rng);
        for (int m = 0, off = 0; m < M_MD; off += NVEC[m], m++) {
            cr_assert(a[m] >= 0 && a[m] < NVEC[m]);
            count[off + a[m]]++;
        }
    }
    for (int m = 0, off = 0; m < M_MD; off += NVEC[m], m++) {
        float p[4];
        rl_softmax(p, logits + off, NVEC[m]);
        for (int k = 0; k < NVEC[m]; k++)
            cr_expect(fabs(count[off + k] / (double)N - p[k]) < 0.015, "component %d choice %d: %g vs %g", m, k,
                      count[off + k] / (double)N, (double)p[k]);
    }
    int mode[M_MD];
    nn_multicat_mode(mode, logits, 1, NVEC, M_MD);
    cr_assert(mode[0] == 0 && mode[1] == 1 && mode[2] == 2);
}

Test(nn_multi_dist, multi_binary_samples_each_bit_with_its_sigmoid)
{
    float logits[M_MB] = {-2.0f, 0.0f, 1.0f, 4.0f};
    rl_rng rng;
    rl_rng_seed(&rng, 6, 0);
    enum { N = 20000 };
    int ones[M_MB] = {0}, a[M_MB];
    for (int t = 0; t < N; t++) {
        nn_bernoulli_sample(a, logits, 1, M_MB, &rng);
        for (int m = 0; m < M_MB; m++) ones[m] += a[m];
    }
    for (int m = 0; m < M_MB; m++) {
        double p = 1.0 / (1.0 + exp(-(double)logits[m]));
        cr_expect(fabs(ones[m] / (double)N - p) < 0.015, "bit %d: %g vs %g", m, ones[m] / (double)N, p);
    }
    nn_bernoulli_mode(a, logits, 1, M_MB);
    cr_assert(a[0] == 0 && a[1] == 0 && a[2] == 1 && a[3] == 1);
}
