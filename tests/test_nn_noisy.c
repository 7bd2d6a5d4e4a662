/* rlc tests: NoisyLinear (nn/noisy.h): the GEMM kernels against PyTorch's golden values and the
 * plain-loop twins, the gradients of mu and sigma by finite differences with the noise held fixed,
 * the paper's initialisation, and what the noise does: new noise changes the output, zero noise
 * is the mean network.
 *
 * Golden values: tests/fixtures/nn_noisy.json, written by scripts/gen_fixtures_noisy.py. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/noisy.h"
#include "tests/helpers/testutil.h"

/* a layer with its own parameter, gradient and state blocks */
typedef struct {
    nn_noisy l;
    float *params, *grads, *state;
} layer;

static void layer_make(layer *x, int I, int O)
{
    nn_noisy_shape(&x->l, I, O);
    x->params = calloc(x->l.n_params, sizeof(float));
    x->grads = calloc(x->l.n_params, sizeof(float));
    x->state = calloc(nn_noisy_state_floats(&x->l), sizeof(float));
    cr_assert(x->params && x->grads && x->state);
    nn_noisy_bind(&x->l, x->params, x->grads, x->state);
}

static void layer_free(layer *x)
{
    free(x->params);
    free(x->grads);
    free(x->state);
}

static float *fixture_array(const cJSON *fc, const char *key, int n)
{
    float *a = malloc((size_t)n * sizeof(float));
    cr_assert(a != NULL);
    rlt_fixture_floats(fc, key, a, n);
    return a;
}

static void check_golden(const char *tag, bool ref)
{
    cJSON *root = rlt_fixture_load("nn_noisy.json");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(root, tag);
    cr_assert(fc != NULL, "fixture case %s missing", tag);
    int B = (int)rlt_fixture_number(fc, "B"), I = (int)rlt_fixture_number(fc, "I"), O = (int)rlt_fixture_number(fc, "O");
    layer x;
    layer_make(&x, I, O);
    rlt_fixture_floats(fc, "weight_mu", x.l.w_mu, O * I);
    rlt_fixture_floats(fc, "bias_mu", x.l.b_mu, O);
    rlt_fixture_floats(fc, "weight_sigma", x.l.w_sigma, O * I);
    rlt_fixture_floats(fc, "bias_sigma", x.l.b_sigma, O);
    float *ein = fixture_array(fc, "eps_in", I), *eout = fixture_array(fc, "eps_out", O);
    nn_noisy_set_noise(&x.l, ein, eout);
    float *inp = fixture_array(fc, "inp", B * I), *dout = fixture_array(fc, "dout", B * O);
    float *out = malloc((size_t)B * O * sizeof(float)), *dinp = malloc((size_t)B * I * sizeof(float));
    (ref ? nn_noisy_forward_ref : nn_noisy_forward)(out, inp, &x.l, B);
    (ref ? nn_noisy_backward_ref : nn_noisy_backward)(dinp, &x.l, dout, inp, B);
    struct { const char *key; const float *got; int n; } checks[] = {
        {"out", out, B * O}, {"dinp", dinp, B * I}, {"dweight_mu", x.l.dw_mu, O * I}, {"dbias_mu", x.l.db_mu, O},
        {"dweight_sigma", x.l.dw_sigma, O * I}, {"dbias_sigma", x.l.db_sigma, O}};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        float *want = fixture_array(fc, checks[i].key, checks[i].n);
        rlt_assert_close(checks[i].got, want, checks[i].n, 1e-5, 1e-5, checks[i].key);
        free(want);
    }
    free(ein), free(eout), free(inp), free(dout), free(out), free(dinp);
    layer_free(&x);
    cJSON_Delete(root);
}

Test(nn_noisy, matches_pytorch_golden_values)
{
    check_golden("small", false);
    check_golden("head", false);
}

Test(nn_noisy, reference_twin_matches_pytorch_golden_values)
{
    check_golden("small", true);
    check_golden("head", true);
}

/* sum(out * dout) in double from the reference forward */
static double objective(layer *x, const float *inp, const float *dout, float *out, int B)
{
    nn_noisy_forward_ref(out, inp, &x->l, B);
    double s = 0.0;
    for (int i = 0; i < B * x->l.O; i++) s += (double)out[i] * dout[i];
    return s;
}

Test(nn_noisy, gradients_of_mu_and_sigma_match_finite_differences)
{
    enum { B = 4, I = 6, O = 5 };
    rl_rng rng;
    rl_rng_seed(&rng, 7, 1);
    layer x;
    layer_make(&x, I, O);
    nn_noisy_init(&x.l, 0.5f, &rng);
    for (size_t i = 0; i < x.l.n_params; i++) x.params[i] += 0.1f * (float)rl_rng_normal(&rng);  /* sigmas apart */
    nn_noisy_sample(&x.l, &rng);   /* held fixed below */
    float inp[B * I], dout[B * O], out[B * O], dinp[B * I];
    for (int i = 0; i < B * I; i++) inp[i] = (float)rl_rng_normal(&rng);
    for (int i = 0; i < B * O; i++) dout[i] = (float)rl_rng_normal(&rng);
    nn_noisy_forward(out, inp, &x.l, B);
    nn_noisy_backward(dinp, &x.l, dout, inp, B);
    const float h = 1e-2f;
    for (size_t k = 0; k < x.l.n_params; k++) {
        float keep = x.params[k];
        x.params[k] = keep + h;
        double up = objective(&x, inp, dout, out, B);
        x.params[k] = keep - h;
        double dn = objective(&x, inp, dout, out, B);
        x.params[k] = keep;
        double fd = (up - dn) / (2.0 * h);
        cr_assert(fabs(fd - x.grads[k]) <= 2e-3 * (1.0 + fabs(fd)), "param %zu: analytic %g, finite difference %g", k,
                  (double)x.grads[k], fd);
    }
    /* the input gradient too */
    for (int k = 0; k < B * I; k++) {
        float keep = inp[k];
        inp[k] = keep + h;
        double up = objective(&x, inp, dout, out, B);
        inp[k] = keep - h;
        double dn = objective(&x, inp, dout, out, B);
        inp[k] = keep;
        double fd = (up - dn) / (2.0 * h);
        cr_assert(fabs(fd - dinp[k]) <= 2e-3 * (1.0 + fabs(fd)), "input %d: analytic %g, fd %g", k, (double)dinp[k], fd);
    }
    layer_free(&x);
}

Test(nn_noisy, init_is_the_papers_factorised_case)
{
    enum { I = 16, O = 8 };
    rl_rng rng;
    rl_rng_seed(&rng, 3, 1);
    layer x;
    layer_make(&x, I, O);
    nn_noisy_init(&x.l, 0.5f, &rng);
    float r = 1.0f / sqrtf((float)I);
    bool spread = false;
    for (int i = 0; i < O * I; i++) {
        cr_assert(fabsf(x.l.w_mu[i]) <= r, "weight_mu[%d] = %g outside +-%g", i, (double)x.l.w_mu[i], (double)r);
        cr_assert_float_eq(x.l.w_sigma[i], 0.5f * r, 1e-7f);
        spread |= fabsf(x.l.w_mu[i]) > 0.5f * r;
    }
    cr_assert(spread, "weight_mu is not spread over its range");
    for (int o = 0; o < O; o++) {
        cr_assert(fabsf(x.l.b_mu[o]) <= r);
        cr_assert_float_eq(x.l.b_sigma[o], 0.5f * r, 1e-7f);
    }
    layer_free(&x);
}

Test(nn_noisy, new_noise_changes_the_output_and_zero_noise_is_the_mean_network)
{
    enum { B = 3, I = 10, O = 4 };
    rl_rng rng;
    rl_rng_seed(&rng, 11, 1);
    layer x;
    layer_make(&x, I, O);
    nn_noisy_init(&x.l, 0.5f, &rng);
    float inp[B * I], a[B * O], b[B * O], mean[B * O];
    for (int i = 0; i < B * I; i++) inp[i] = (float)rl_rng_normal(&rng);
    nn_noisy_sample(&x.l, &rng);
    nn_noisy_forward(a, inp, &x.l, B);
    nn_noisy_sample(&x.l, &rng);
    nn_noisy_forward(b, inp, &x.l, B);
    cr_assert(memcmp(a, b, sizeof a) != 0, "two noise samples gave the same output");
    /* f(x) = sgn(x) sqrt|x|: |eps| is the square root of a normal's magnitude, so not all |eps| < 1 nor > 1 */
    int big = 0;
    for (int i = 0; i < I; i++) big += fabsf(x.l.eps_in[i]) > 1.0f;
    cr_assert(big > 0 && big < I, "the noise does not look like f of normals (%d of %d above 1)", big, I);
    nn_noisy_zero_noise(&x.l);
    nn_noisy_forward(a, inp, &x.l, B);
    nn_dense_forward(mean, inp, x.l.w_mu, x.l.b_mu, B, I, O);
    rlt_assert_close(a, mean, B * O, 0.0, 0.0, "zero noise vs the mean network");
    layer_free(&x);
}
