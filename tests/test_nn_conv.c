/* rlc tests: the convolution layer and flatten (nn/conv.h) — sizes refused at init, output
 * shapes, the im2col/GEMM kernels against the direct-loop reference (MinAtar's and the Nature
 * network's layers, padding, strides, non-square, batches across im2col chunks), finite
 * differences, golden values from torch.nn.functional.conv2d, initialisation, flatten's order.
 *
 * Golden values: tests/fixtures/nn_conv2d.json, written by scripts/gen_fixtures_layers.py. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/conv.h"
#include "tests/helpers/testutil.h"

static nn_conv2d make_conv(nn_conv2d_spec s)
{
    nn_conv2d c;
    char err[256];
    cr_assert_eq(nn_conv2d_init(&c, &s, err, sizeof err), RL_OK, "%s", err);
    return c;
}

static size_t in_floats(const nn_conv2d *c, int B) { return (size_t)B * c->H * c->W * c->C; }
static size_t out_floats(const nn_conv2d *c, int B) { return (size_t)B * c->P * c->K; }

/* ---- init: sizes and shapes ------------------------------------------------------------- */

static void expect_refused(nn_conv2d_spec s, const char *n1, const char *n2)
{
    nn_conv2d c;
    char err[256] = "";
    cr_assert_eq(nn_conv2d_init(&c, &s, err, sizeof err), RL_ERR_ARG, "accepted: %s / %s", n1, n2);
    cr_assert(strstr(err, n1) && strstr(err, n2), "message '%s' lacks '%s' or '%s'", err, n1, n2);
    cr_assert(strncmp(err, "conv2d: ", 8) == 0, "message '%s' does not name the layer", err);
}

Test(nn_conv2d, init_refuses_bad_sizes)
{
    const nn_conv2d_spec ok = {.C = 4, .H = 10, .W = 10, .K = 16, .kh = 3, .kw = 3, .sh = 1, .sw = 1};
    nn_conv2d_spec s = ok;
    s.C = 0;
    expect_refused(s, "input channels (C) = 0", "expected 1 to");
    s = ok;
    s.K = 0;
    expect_refused(s, "output channels (K) = 0", "expected 1 to");
    s = ok;
    s.kw = -3;
    expect_refused(s, "kernel width (kw) = -3", "expected 1 to");
    s = ok;
    s.sh = 0;
    expect_refused(s, "stride along the height (sh) = 0", "expected 1 to");
    s = ok;
    s.pw = -1;
    expect_refused(s, "padding along the width (pw) = -1", "expected 0 to");
    s = ok;
    s.H = 5;
    s.kh = 8;
    s.ph = 1;
    expect_refused(s, "kernel 8x3 (kh x kw) is larger than the padded input 7x10", "H + 2 ph = 5 + 2 x 1");
    s = ok;
    s.W = 2;
    expect_refused(s, "larger than the padded input 10x2", "W + 2 pw = 2 + 2 x 0");
    s = ok;
    s.H = s.W = 60000;
    s.C = 64;
    expect_refused(s, "input 60000x60000x64", "at most");
    // the kernel exactly as large as the padded input: one output position
    s = ok;
    s.H = 3;
    s.W = 4;
    s.kh = 5;
    s.kw = 6;
    s.ph = s.pw = 1;
    nn_conv2d c = make_conv(s);
    cr_assert(c.OH == 1 && c.OW == 1 && c.P == 1);
}

Test(nn_conv2d, output_shapes_and_parameter_counts)
{
    nn_conv2d m = make_conv((nn_conv2d_spec){.C = 4, .H = 10, .W = 10, .K = 16, .kh = 3, .kw = 3, .sh = 1, .sw = 1});
    cr_assert(m.OH == 8 && m.OW == 8 && m.K == 16, "MinAtar: %dx%dx%d", m.OH, m.OW, m.K);
    cr_assert_eq(m.n_params, (size_t)(16 * 4 * 9 + 16));
    cr_assert_eq(m.CKK, 36);
    // the Nature network: 84x84x4 -> 20x20x32 -> 9x9x64 -> 7x7x64 (3136 features)
    static const int nature[3][4] = {{4, 32, 8, 4}, {32, 64, 4, 2}, {64, 64, 3, 1}};
    static const int sides[4] = {84, 20, 9, 7};
    for (int l = 0; l < 3; l++) {
        int C = nature[l][0], K = nature[l][1], k = nature[l][2], st = nature[l][3];
        nn_conv2d c = make_conv((nn_conv2d_spec){.C = C, .H = sides[l], .W = sides[l], .K = K, .kh = k, .kw = k,
                                                 .sh = st, .sw = st});
        cr_assert(c.OH == sides[l + 1] && c.OW == sides[l + 1], "Nature layer %d: %dx%d", l, c.OH, c.OW);
        cr_assert_eq(c.n_params, (size_t)K * C * k * k + K);
        cr_assert(c.chunk == 1 || (size_t)c.chunk * c.P * c.CKK <= 65536, "chunk %d", c.chunk);
    }
    // (H + 2 ph - kh) / sh + 1 with a remainder, along each side separately
    nn_conv2d o = make_conv((nn_conv2d_spec){.C = 3, .H = 7, .W = 9, .K = 5, .kh = 3, .kw = 2, .sh = 2, .sw = 1,
                                             .ph = 1, .pw = 2});
    cr_assert(o.OH == 4 && o.OW == 12, "%dx%d", o.OH, o.OW);
}

/* ---- kernels against the reference --------------------------------------------------------- */

typedef struct {
    nn_conv2d_spec s;
    int B;
    const char *name;
} conv_case;

/* MinAtar (30 images: across the im2col chunk of 28), the Nature network's layers, and odd ones */
static const conv_case ref_cases[] = {
    {{.C = 4, .H = 10, .W = 10, .K = 16, .kh = 3, .kw = 3, .sh = 1, .sw = 1}, 30, "minatar"},
    {{.C = 4, .H = 84, .W = 84, .K = 32, .kh = 8, .kw = 8, .sh = 4, .sw = 4}, 2, "nature conv1"},
    {{.C = 32, .H = 20, .W = 20, .K = 64, .kh = 4, .kw = 4, .sh = 2, .sw = 2}, 3, "nature conv2"},
    {{.C = 64, .H = 9, .W = 9, .K = 64, .kh = 3, .kw = 3, .sh = 1, .sw = 1}, 2, "nature conv3"},
    {{.C = 3, .H = 7, .W = 9, .K = 5, .kh = 3, .kw = 2, .sh = 2, .sw = 1, .ph = 1, .pw = 2}, 3, "padding, stride 2x1"},
    {{.C = 2, .H = 8, .W = 6, .K = 4, .kh = 4, .kw = 4, .sh = 2, .sw = 2, .ph = 1, .pw = 1}, 5, "stride 2, pad 1"},
    {{.C = 2, .H = 3, .W = 4, .K = 3, .kh = 5, .kw = 6, .sh = 1, .sw = 1, .ph = 1, .pw = 1}, 2, "kernel fills"},
    {{.C = 3, .H = 9, .W = 9, .K = 2, .kh = 2, .kw = 2, .sh = 3, .sw = 3}, 4, "stride skips"},
    {{.C = 8, .H = 5, .W = 3, .K = 7, .kh = 1, .kw = 1, .sh = 1, .sw = 1}, 3, "1x1"},
    {{.C = 1, .H = 6, .W = 11, .K = 1, .kh = 3, .kw = 5, .sh = 1, .sw = 2, .ph = 2, .pw = 0}, 1, "one channel"},
    {{.C = 2, .H = 2, .W = 1, .K = 3, .kh = 5, .kw = 5, .sh = 1, .sw = 1, .ph = 2, .pw = 2}, 3, "padding past the output"},
};

static void check_against_reference(const conv_case *cc, rl_rng *rng)
{
    nn_conv2d c = make_conv(cc->s);
    int B = cc->B;
    size_t ni = in_floats(&c, B), no = out_floats(&c, B);
    float *inp = rlt_randn(ni, 1.0f, rng), *w = rlt_randn(c.n_weight, 0.5f, rng);
    float *bias = rlt_randn((size_t)c.K, 0.5f, rng), *dout = rlt_randn(no, 1.0f, rng);
    float *o1 = malloc(no * 4), *o2 = malloc(no * 4), *di1 = malloc(ni * 4), *di2 = malloc(ni * 4);
    float *dw1 = rlt_randn(c.n_weight, 1.0f, rng), *dw2 = malloc(c.n_weight * 4);
    float *db1 = rlt_randn((size_t)c.K, 1.0f, rng), *db2 = malloc((size_t)c.K * 4);
    float *cache = malloc(nn_conv2d_cache_floats(&c) * sizeof(float));
    // identical non-zero starting gradients: both kernels must add into them
    memcpy(dw2, dw1, c.n_weight * 4);
    memcpy(db2, db1, (size_t)c.K * 4);
    // dinp full of NaN: it must be written, not added to
    for (size_t i = 0; i < ni; i++) di1[i] = di2[i] = NAN;
    nn_conv2d_cache k;
    nn_conv2d_cache_bind(&k, &c, cache);
    char what[96];
    /* tolerances relative to the sums' magnitude (sqrt of the summed length, the values being of
     * order 1), as tests/test_nn.c's, with room for the kernels' rounding: the largest error
     * seen under the Zen, Haswell, Sandybridge and Prescott kernels was 0.23 of these */
    double sk = sqrt((double)c.CKK), sm = sqrt((double)B * c.P), sd = sqrt((double)c.K * c.kh * c.kw);
    nn_conv2d_forward(o1, &k, inp, w, bias, &c, B);
    nn_conv2d_forward_ref(o2, inp, w, bias, &c, B);
    snprintf(what, sizeof what, "%s: forward", cc->name);
    rlt_assert_close(o1, o2, (int)no, 1e-5, 4e-6 * sk, what);
    nn_conv2d_forward(o1, &k, inp, w, NULL, &c, B);
    nn_conv2d_forward_ref(o2, inp, w, NULL, &c, B);
    snprintf(what, sizeof what, "%s: forward without bias", cc->name);
    rlt_assert_close(o1, o2, (int)no, 1e-5, 4e-6 * sk, what);
    nn_conv2d_backward(di1, dw1, db1, &k, dout, inp, w, &c, B);
    nn_conv2d_backward_ref(di2, dw2, db2, dout, inp, w, &c, B);
    snprintf(what, sizeof what, "%s: dinp", cc->name);
    rlt_assert_close(di1, di2, (int)ni, 1e-5, 4e-6 * sd, what);
    snprintf(what, sizeof what, "%s: dweight", cc->name);
    rlt_assert_close(dw1, dw2, (int)c.n_weight, 1e-5, 4e-6 * sm, what);
    snprintf(what, sizeof what, "%s: dbias", cc->name);
    rlt_assert_close(db1, db2, c.K, 1e-5, 4e-6 * sm, what);
    cr_assert(rlt_dot(di2, di2, ni) > 0.0, "%s: reference dinp is zero", cc->name);
    float *all[] = {inp, w, bias, dout, o1, o2, di1, di2, dw1, dw2, db1, db2, cache};
    for (int i = 0; i < RL_ARRAY_LEN(all); i++) free(all[i]);
}

Test(nn_conv2d, fast_path_matches_reference)
{
    rl_rng rng;
    rl_rng_seed(&rng, 29, 0);
    for (int i = 0; i < RL_ARRAY_LEN(ref_cases); i++) check_against_reference(&ref_cases[i], &rng);
}

/* backward adds into dweight and dbias, skips what is NULL, and writes dinp alone when asked */
Test(nn_conv2d, backward_accumulates_and_skips_null)
{
    nn_conv2d c = make_conv(ref_cases[4].s);
    enum { B = 2 };
    rl_rng rng;
    rl_rng_seed(&rng, 30, 0);
    size_t ni = in_floats(&c, B), no = out_floats(&c, B);
    float *inp = rlt_randn(ni, 1.0f, &rng), *w = rlt_randn(c.n_weight, 0.5f, &rng);
    float *dout = rlt_randn(no, 1.0f, &rng), *cache = malloc(nn_conv2d_cache_floats(&c) * 4);
    float *dw = calloc(c.n_weight, 4), *db = calloc((size_t)c.K, 4), *dw1 = calloc(c.n_weight, 4);
    float *db1 = calloc((size_t)c.K, 4), *di = malloc(ni * 4), *di1 = malloc(ni * 4);
    nn_conv2d_cache k;
    nn_conv2d_cache_bind(&k, &c, cache);
    nn_conv2d_backward(di1, dw1, db1, &k, dout, inp, w, &c, B);
    nn_conv2d_backward(NULL, dw, db, &k, dout, inp, w, &c, B);
    nn_conv2d_backward(NULL, dw, NULL, &k, dout, inp, w, &c, B);
    nn_conv2d_backward(NULL, NULL, db, &k, dout, inp, w, &c, B);
    for (size_t i = 0; i < c.n_weight; i++) cr_assert_float_eq(dw[i], 2.0f * dw1[i], 1e-5f * (1 + fabsf(dw1[i])));
    for (int i = 0; i < c.K; i++) cr_assert_float_eq(db[i], 2.0f * db1[i], 1e-5f * (1 + fabsf(db1[i])));
    cr_assert(rlt_dot(dw1, dw1, c.n_weight) > 0.0 && rlt_dot(db1, db1, (size_t)c.K) > 0.0);
    nn_conv2d_backward(di, NULL, NULL, &k, dout, inp, w, &c, B);
    cr_assert(memcmp(di, di1, ni * 4) == 0, "dinp alone differs from dinp with the parameter gradients");
    float *all[] = {inp, w, dout, cache, dw, db, dw1, db1, di, di1};
    for (int i = 0; i < RL_ARRAY_LEN(all); i++) free(all[i]);
}

/* ---- finite differences ------------------------------------------------------------------- */

typedef struct {
    nn_conv2d c;
    nn_conv2d_cache k;
    int B;
    float *inp, *w, *b, *r, *out, *cache;
} conv_ctx;

/* L = sum(out * r) through the fast forward */
static double conv_obj(void *v)
{
    conv_ctx *x = v;
    nn_conv2d_forward(x->out, &x->k, x->inp, x->w, x->b, &x->c, x->B);
    return rlt_dot(x->out, x->r, out_floats(&x->c, x->B));
}

static void conv_gradcheck(const conv_case *cc, uint64_t seed)
{
    conv_ctx x = {.c = make_conv(cc->s), .B = cc->B};
    rl_rng rng;
    rl_rng_seed(&rng, seed, 0);
    size_t ni = in_floats(&x.c, x.B), no = out_floats(&x.c, x.B);
    x.inp = rlt_randn(ni, 1.0f, &rng);
    x.w = rlt_randn(x.c.n_weight, 0.5f, &rng);
    x.b = rlt_randn((size_t)x.c.K, 0.5f, &rng);
    x.r = rlt_randn(no, 1.0f, &rng);
    x.out = malloc(no * 4);
    x.cache = malloc(nn_conv2d_cache_floats(&x.c) * 4);
    nn_conv2d_cache_bind(&x.k, &x.c, x.cache);
    float *di = malloc(ni * 4), *dw = calloc(x.c.n_weight, 4), *db = calloc((size_t)x.c.K, 4);
    nn_conv2d_backward(di, dw, db, &x.k, x.r, x.inp, x.w, &x.c, x.B);
    /* L is linear in each coordinate, so the central difference has no truncation error and a
     * large step keeps the float forward's rounding small beside it */
    rlt_gradcheck_opts o = {.h = 1e-2};
    char what[96];
    snprintf(what, sizeof what, "%s: dinp", cc->name);
    rlt_gradcheck(conv_obj, &x, x.inp, di, (int)ni, &o, what);
    snprintf(what, sizeof what, "%s: dweight", cc->name);
    rlt_gradcheck(conv_obj, &x, x.w, dw, (int)x.c.n_weight, &o, what);
    snprintf(what, sizeof what, "%s: dbias", cc->name);
    rlt_gradcheck(conv_obj, &x, x.b, db, x.c.K, &o, what);
    float *all[] = {x.inp, x.w, x.b, x.r, x.out, x.cache, di, dw, db};
    for (int i = 0; i < RL_ARRAY_LEN(all); i++) free(all[i]);
}

Test(nn_conv2d, gradcheck_padding_and_stride) { conv_gradcheck(&ref_cases[4], 31); }
Test(nn_conv2d, gradcheck_minatar) { conv_gradcheck(&(conv_case){ref_cases[0].s, 2, "minatar"}, 32); }

/* ---- golden values from PyTorch ----------------------------------------------------------- */

static float *fixture_array(const cJSON *fc, const char *key, size_t n)
{
    float *x = malloc(n * sizeof(float));
    cr_assert(x != NULL);
    rlt_fixture_floats(fc, key, x, (int)n);
    return x;
}

static void conv_golden(const char *tag)
{
    cJSON *root = rlt_fixture_load("nn_conv2d.json");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(root, tag);
    cr_assert(fc != NULL, "fixture case %s missing", tag);
#define FIELD(name) .name = (int)rlt_fixture_number(fc, #name)
    nn_conv2d_spec s = {FIELD(C), FIELD(H), FIELD(W), FIELD(K), FIELD(kh), FIELD(kw), FIELD(sh), FIELD(sw), FIELD(ph),
                        FIELD(pw)};
#undef FIELD
    nn_conv2d c = make_conv(s);
    int B = (int)rlt_fixture_number(fc, "B");
    cr_assert(c.OH == (int)rlt_fixture_number(fc, "OH") && c.OW == (int)rlt_fixture_number(fc, "OW"));
    size_t ni = in_floats(&c, B), no = out_floats(&c, B);
    float *inp = fixture_array(fc, "inp", ni), *w = fixture_array(fc, "weight", c.n_weight);
    float *bias = fixture_array(fc, "bias", (size_t)c.K), *dout = fixture_array(fc, "dout", no);
    float *out = malloc(no * 4), *di = malloc(ni * 4), *dw = calloc(c.n_weight, 4), *db = calloc((size_t)c.K, 4);
    float *cache = malloc(nn_conv2d_cache_floats(&c) * 4);
    nn_conv2d_cache k;
    nn_conv2d_cache_bind(&k, &c, cache);
    nn_conv2d_forward(out, &k, inp, w, bias, &c, B);
    nn_conv2d_backward(di, dw, db, &k, dout, inp, w, &c, B);
    const struct { const char *key; const float *got; size_t n; } checks[] = {
        {"out", out, no}, {"dinp", di, ni}, {"dweight", dw, c.n_weight}, {"dbias", db, (size_t)c.K}};
    char what[96];
    for (int i = 0; i < RL_ARRAY_LEN(checks); i++) {
        float *want = fixture_array(fc, checks[i].key, checks[i].n);
        snprintf(what, sizeof what, "%s: %s", tag, checks[i].key);
        rlt_assert_close(checks[i].got, want, (int)checks[i].n, 1e-4, 1e-5, what);
        free(want);
    }
    float *all[] = {inp, w, bias, dout, out, di, dw, db, cache};
    for (int i = 0; i < RL_ARRAY_LEN(all); i++) free(all[i]);
    cJSON_Delete(root);
}

Test(nn_conv2d, golden_torch_minatar) { conv_golden("minatar"); }
Test(nn_conv2d, golden_torch_padding_stride_nonsquare) { conv_golden("pad_stride"); }
Test(nn_conv2d, golden_torch_stride2_pad1) { conv_golden("stride2_pad1"); }
Test(nn_conv2d, golden_torch_kernel_fills_padded_input) { conv_golden("kernel_fills"); }
Test(nn_conv2d, golden_torch_stride_skips_columns) { conv_golden("stride_skips"); }

/* scripts/gen_fixtures_layers.py's synth(): n floats in [-scale, scale) from a hash of (index, salt) */
static float *synth(size_t n, uint32_t salt, double scale)
{
    float *x = malloc(n * sizeof(float));
    cr_assert(x != NULL);
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)i * 2654435761u + salt * 40503u + 12345u;
        u ^= u >> 16;
        u *= 0x85ebca6bu;
        u ^= u >> 13;
        u *= 0xc2b2ae35u;
        u ^= u >> 16;
        x[i] = (float)(((double)u / 4294967296.0 * 2.0 - 1.0) * scale);
    }
    return x;
}

/* a result checked at the fixture's sampled entries and by its sum; the weight gradients are sums
 * over 800 output positions of order-one products, hence the absolute tolerance of 3e-5 */
static void assert_sampled(const cJSON *fc, const char *key, const float *got, size_t n)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(fc, key);
    cr_assert(s != NULL, "fixture key %s missing", key);
    cr_assert_eq((size_t)rlt_fixture_number(s, "n"), n, "%s: size", key);
    int m = rlt_fixture_count(s, "idx");
    float *idx = fixture_array(s, "idx", (size_t)m), *want = fixture_array(s, "val", (size_t)m);
    float *picked = malloc((size_t)m * sizeof(float));
    for (int i = 0; i < m; i++) picked[i] = got[(size_t)idx[i]];
    char what[64];
    snprintf(what, sizeof what, "nature: %s (sampled)", key);
    rlt_assert_close(picked, want, m, 1e-4, 3e-5, what);
    double sum = 0.0, want_sum = rlt_fixture_number(s, "sum"), abs_sum = rlt_fixture_number(s, "abs_sum");
    for (size_t i = 0; i < n; i++) sum += got[i];
    cr_assert(fabs(sum - want_sum) <= 1e-5 * abs_sum + 1e-6, "nature: %s: sum %.9g, torch %.9g", key, sum, want_sum);
    free(idx);
    free(want);
    free(picked);
}

/* The Nature network (three convolutions, ReLU between them, flatten in torch's order) on the
 * generator's synth() numbers, forward and backward, against torch at sampled entries */
Test(nn_conv2d, golden_torch_nature_network)
{
    cJSON *root = rlt_fixture_load("nn_conv2d.json");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(root, "nature");
    int B = (int)rlt_fixture_number(fc, "B");
    uint32_t salt = 100u * (uint32_t)rlt_fixture_number(fc, "salt");
    double scale = rlt_fixture_number(fc, "weight_scale");
    static const int L[3][4] = {{4, 32, 8, 4}, {32, 64, 4, 2}, {64, 64, 3, 1}}, side[4] = {84, 20, 9, 7};
    nn_conv2d c[3];
    nn_conv2d_cache k[3];
    float *w[3], *b[3], *dw[3], *db[3], *cache[3], *act[4], *dact[4];
    act[0] = synth((size_t)B * 84 * 84 * 4, salt + 1, 1.0);
    for (int l = 0; l < 3; l++) {
        c[l] = make_conv((nn_conv2d_spec){.C = L[l][0], .H = side[l], .W = side[l], .K = L[l][1], .kh = L[l][2],
                                          .kw = L[l][2], .sh = L[l][3], .sw = L[l][3]});
        w[l] = synth(c[l].n_weight, salt + 2 + 2 * l, scale);
        b[l] = synth((size_t)c[l].K, salt + 3 + 2 * l, scale);
        dw[l] = calloc(c[l].n_weight, 4);
        db[l] = calloc((size_t)c[l].K, 4);
        cache[l] = malloc(nn_conv2d_cache_floats(&c[l]) * 4);
        nn_conv2d_cache_bind(&k[l], &c[l], cache[l]);
        act[l + 1] = malloc(out_floats(&c[l], B) * 4);
        dact[l] = malloc(in_floats(&c[l], B) * 4);
        nn_conv2d_forward(act[l + 1], &k[l], act[l], w[l], b[l], &c[l], B);
        if (l < 2) nn_act_forward(act[l + 1], act[l + 1], NN_ACT_RELU, out_floats(&c[l], B));
    }
    size_t nf = out_floats(&c[2], B);
    float *flat = malloc(nf * 4), *dflat = synth(nf, salt + 9, 1.0);
    dact[3] = malloc(nf * 4);
    nn_flatten_forward(flat, act[3], B, 7, 7, 64);
    assert_sampled(fc, "flat", flat, nf);
    nn_flatten_backward(dact[3], dflat, B, 7, 7, 64);
    for (int l = 2; l >= 0; l--) {
        if (l < 2) nn_act_backward(dact[l + 1], dact[l + 1], act[l + 1], NN_ACT_RELU, out_floats(&c[l], B));
        nn_conv2d_backward(dact[l], dw[l], db[l], &k[l], dact[l + 1], act[l], w[l], &c[l], B);
    }
    assert_sampled(fc, "dinp", dact[0], in_floats(&c[0], B));
    char key[16];
    for (int l = 0; l < 3; l++) {
        snprintf(key, sizeof key, "dweight%d", l);
        assert_sampled(fc, key, dw[l], c[l].n_weight);
        snprintf(key, sizeof key, "dbias%d", l);
        assert_sampled(fc, key, db[l], (size_t)c[l].K);
        free(w[l]); free(b[l]); free(dw[l]); free(db[l]); free(cache[l]);
    }
    for (int l = 0; l < 4; l++) {
        free(act[l]);
        free(dact[l]);
    }
    free(flat);
    free(dflat);
    cJSON_Delete(root);
}

/* ---- initialisation ------------------------------------------------------------------------ */

/* largest |W W^T - g^2 I| (rows <= cols) or |W^T W - g^2 I| for w (rows, cols) */
static double ortho_error(const float *w, int rows, int cols, double gain)
{
    int tall = rows > cols, n = tall ? cols : rows;
    double worst = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            for (int q = 0; q < (tall ? rows : cols); q++)
                s += tall ? (double)w[(size_t)q * cols + i] * w[(size_t)q * cols + j]
                          : (double)w[(size_t)i * cols + q] * w[(size_t)j * cols + q];
            worst = fmax(worst, fabs(s - (i == j ? gain * gain : 0.0)));
        }
    return worst;
}

Test(nn_conv2d, init_orthogonal_and_torch_default)
{
    // MinAtar's weight (16, 36) is wide; 64 filters over 4 x 3 x 3 = 36 columns are tall
    const nn_conv2d_spec specs[2] = {{.C = 4, .H = 10, .W = 10, .K = 16, .kh = 3, .kw = 3, .sh = 1, .sw = 1},
                                     {.C = 4, .H = 10, .W = 10, .K = 64, .kh = 3, .kw = 3, .sh = 1, .sw = 1}};
    rl_rng rng;
    rl_rng_seed(&rng, 33, 0);
    float gain = sqrtf(2.0f);
    for (int i = 0; i < 2; i++) {
        nn_conv2d c = make_conv(specs[i]);
        float *p = malloc(c.n_params * 4);
        for (size_t j = 0; j < c.n_params; j++) p[j] = 7.0f;
        nn_conv2d_init_orthogonal(&c, p, p + c.n_weight, gain, &rng);
        double e = ortho_error(p, c.K, c.CKK, gain);
        cr_assert(e < 1e-5, "%d x %d: orthogonality error %g", c.K, c.CKK, e);
        for (int k = 0; k < c.K; k++) cr_assert_eq(p[c.n_weight + k], 0.0f, "bias not zeroed");
        nn_conv2d_init_torch_default(&c, p, p + c.n_weight, &rng);
        double bound = 1.0 / sqrt((double)c.CKK), mean = 0.0, var = 0.0;
        for (size_t j = 0; j < c.n_params; j++) {
            cr_assert(fabs(p[j]) <= bound, "torch default: %g outside +-%g", p[j], bound);
            mean += p[j];
            var += (double)p[j] * p[j];
        }
        mean /= (double)c.n_params;
        var = var / (double)c.n_params - mean * mean;
        // uniform(-b, b): variance b^2 / 3 (loose bounds: hundreds of draws)
        cr_assert(var > 0.25 * bound * bound && var < 0.42 * bound * bound, "variance %g for bound %g", var, bound);
        free(p);
    }
}

/* ---- flatten ------------------------------------------------------------------------------- */

Test(nn_flatten, torch_order_and_backward)
{
    enum { B = 2, H = 2, W = 3, C = 4, N = H * W * C };
    float x[B * N], y[B * N], back[B * N];
    // x[b][h][w][c] = 1000 b + 100 c + 10 h + w: flattened in (c, h, w) order it counts up per image
    for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++)
                for (int c = 0; c < C; c++) x[((b * H + h) * W + w) * C + c] = (float)(1000 * b + 100 * c + 10 * h + w);
    nn_flatten_forward(y, x, B, H, W, C);
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++)
            for (int h = 0; h < H; h++)
                for (int w = 0; w < W; w++)
                    cr_assert_eq(y[b * N + (c * H + h) * W + w], (float)(1000 * b + 100 * c + 10 * h + w));
    // backward is the inverse permutation, so that a gradient flows back to where its value came from
    nn_flatten_backward(back, y, B, H, W, C);
    cr_assert(memcmp(back, x, sizeof x) == 0);
}
