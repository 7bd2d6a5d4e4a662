/* rlc tests: the recurrent layers (nn/rnn.h), LSTM and GRU — shapes refused at init, parameter
 * layout, the GEMM kernels against the plain-loop reference, finite differences of backpropagation
 * through time (inputs, initial state, every parameter block), golden values from torch.nn.LSTM
 * and torch.nn.GRU with episode starts, what a start does to the state and its gradient, a
 * sequence run in two pieces, initialisation.
 *
 * Golden values: tests/fixtures/nn_rnn.json, written by scripts/gen_fixtures_layers.py. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/rnn.h"
#include "tests/helpers/testutil.h"

/* A layer with its parameters, gradients and cache, owned together. */
typedef struct {
    nn_rnn r;
    nn_rnn_cache k;
    float *params, *grads, *cache;
} rnn_box;

static void box_init(rnn_box *x, nn_rnn_kind kind, int I, int H, int max_T, int max_B)
{
    char err[256];
    cr_assert_eq(nn_rnn_shape(&x->r, kind, I, H, err, sizeof err), RL_OK, "%s", err);
    x->params = calloc(x->r.n_params, sizeof(float));
    x->grads = calloc(x->r.n_params, sizeof(float));
    x->cache = malloc(nn_rnn_cache_floats(&x->r, max_T, max_B) * sizeof(float));
    cr_assert(x->params && x->grads && x->cache);
    nn_rnn_bind(&x->r, x->params, x->grads);
    nn_rnn_cache_bind(&x->k, &x->r, x->cache, max_T, max_B);
}

static void box_free(rnn_box *x)
{
    free(x->params);
    free(x->grads);
    free(x->cache);
}

static bool *random_starts(int T, int B, double p, rl_rng *rng)
{
    bool *s = malloc((size_t)T * B * sizeof(bool));
    for (int i = 0; i < T * B; i++) s[i] = rl_rng_double(rng) < p;
    return s;
}

/* ---- shape and layout -------------------------------------------------------------------- */

Test(nn_rnn, shape_refuses_bad_sizes)
{
    nn_rnn r;
    char err[256] = "";
    cr_assert_eq(nn_rnn_shape(&r, NN_RNN_LSTM, 0, 8, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "lstm: input size 0: expected 1 to"), "%s", err);
    cr_assert_eq(nn_rnn_shape(&r, NN_RNN_GRU, 4, -2, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "gru: hidden size -2: expected 1 to"), "%s", err);
    cr_assert_eq(nn_rnn_shape(&r, NN_RNN_GRU, 4, 1 << 20, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "hidden size 1048576"), "%s", err);
    cr_assert_str_eq(nn_rnn_kind_name(NN_RNN_LSTM), "lstm");
    cr_assert_str_eq(nn_rnn_kind_name(NN_RNN_GRU), "gru");
}

/* torch's parameter order: weight_ih (G H, I), weight_hh (G H, H), bias_ih, bias_hh */
Test(nn_rnn, parameter_layout_is_torchs)
{
    enum { I = 5, H = 7 };
    for (int kind = 0; kind < NN_RNN_COUNT; kind++) {
        nn_rnn r;
        char err[256];
        cr_assert_eq(nn_rnn_shape(&r, (nn_rnn_kind)kind, I, H, err, sizeof err), RL_OK, "%s", err);
        int G = kind == NN_RNN_LSTM ? 4 : 3;
        cr_assert_eq(r.G, G);
        cr_assert_eq(r.n_params, (size_t)(G * H * I + G * H * H + 2 * G * H));
        static float p[1024], g[1024];
        nn_rnn_bind(&r, p, g);
        cr_assert(r.w_ih == p && r.w_hh == p + G * H * I && r.b_ih == p + G * H * (I + H) &&
                  r.b_hh == p + G * H * (I + H + 1));
        cr_assert(r.dw_ih == g && r.db_hh == g + G * H * (I + H + 1));
        nn_rnn_bind(&r, p, NULL);
        cr_assert(r.dw_ih == NULL && r.db_hh == NULL);
    }
}

/* ---- kernels against the reference -------------------------------------------------------- */

typedef struct {
    int I, H, T, B;
    double p_start;
    const char *name;
} rnn_case;

static const rnn_case ref_cases[] = {
    {5, 7, 6, 3, 0.2, "small"},
    {1, 1, 4, 1, 0.3, "one unit"},
    {64, 64, 16, 8, 0.05, "64 x 64"},
    {17, 128, 8, 5, 0.1, "wide hidden"},
    {300, 32, 5, 4, 0.1, "wide input"},
    {8, 16, 1, 1, 0.0, "one step, one sequence (acting)"},
    {8, 16, 1, 6, 0.5, "one step, six sequences"},
};

/* got against want, with an absolute tolerance of 1e-6 times the sums' scale */
static void compare(const float *got, const float *want, size_t n, double scale, const char *tag, const char *what)
{
    char msg[128];
    snprintf(msg, sizeof msg, "%s: %s", tag, what);
    rlt_assert_close(got, want, (int)n, 1e-4, 1e-6 * scale, msg);
}

static void check_kind(nn_rnn_kind kind, const rnn_case *cc, rl_rng *rng)
{
    int I = cc->I, H = cc->H, T = cc->T, B = cc->B;
    bool lstm = kind == NN_RNN_LSTM;
    rnn_box f, e;
    box_init(&f, kind, I, H, T, B);
    box_init(&e, kind, I, H, T, B);
    nn_rnn_init_torch_default(&f.r, rng);
    for (size_t i = 0; i < f.r.n_params; i++) f.params[i] *= 2.0f;   // gates out of their linear zone
    memcpy(e.params, f.params, f.r.n_params * sizeof(float));
    size_t bh = (size_t)B * H, nin = (size_t)T * B * I, nout = (size_t)T * bh;
    float *inp = rlt_randn(nin, 1.0f, rng), *h0 = rlt_randn(bh, 1.0f, rng), *c0 = rlt_randn(bh, 1.0f, rng);
    float *dout = rlt_randn(nout, 1.0f, rng), *dhT = rlt_randn(bh, 1.0f, rng), *dcT = rlt_randn(bh, 1.0f, rng);
    bool *starts = random_starts(T, B, cc->p_start, rng);
    for (size_t i = 0; i < f.r.n_params; i++) f.grads[i] = e.grads[i] = (float)rl_rng_normal(rng);
    char tag[96];
    snprintf(tag, sizeof tag, "%s %s", nn_rnn_kind_name(kind), cc->name);
    const float *o1 = nn_rnn_forward(&f.k, &f.r, inp, h0, lstm ? c0 : NULL, starts, T, B);
    const float *o2 = nn_rnn_forward_ref(&e.k, &e.r, inp, h0, lstm ? c0 : NULL, starts, T, B);
    /* the input and hidden projections are sums of I and H products */
    double fan = 0.25 * sqrt((double)I + H);
    compare(o1, o2, nout, fan, tag, "outputs");
    if (lstm) compare(f.k.c, e.k.c, nout, fan, tag, "cell states");
    float *di[2], *dh0[2], *dc0[2];
    rnn_box *boxes[2] = {&f, &e};
    for (int i = 0; i < 2; i++) {
        di[i] = rlt_randn(nin, 1.0f, rng);
        dh0[i] = rlt_randn(bh, 1.0f, rng);
        dc0[i] = rlt_randn(bh, 1.0f, rng);
        void (*bw)(float *, float *, float *, nn_rnn_cache *, nn_rnn *, const float *, const float *, const float *,
                   const float *) = i == 0 ? nn_rnn_backward : nn_rnn_backward_ref;
        bw(di[i], dh0[i], lstm ? dc0[i] : NULL, &boxes[i]->k, &boxes[i]->r, dout, dhT, lstm ? dcT : NULL, inp);
    }
    /* backward: the state gradients run through every step; the weight gradients are sums over T B
     * rows. The largest error seen under the Zen, Haswell, Sandybridge and Prescott kernels was
     * 0.28 of these tolerances */
    double rows = sqrt((double)T * B) * 4.0;
    compare(di[0], di[1], nin, 6.0, tag, "dinp");
    compare(dh0[0], dh0[1], bh, 6.0, tag, "dh0");
    if (lstm) compare(dc0[0], dc0[1], bh, 6.0, tag, "dc0");
    compare(f.grads, e.grads, f.r.n_params, rows, tag, "parameter gradients");
    free(inp); free(h0); free(c0); free(dout); free(dhT); free(dcT); free(starts);
    for (int i = 0; i < 2; i++) {
        free(di[i]); free(dh0[i]); free(dc0[i]);
    }
    box_free(&f);
    box_free(&e);
}

Test(nn_rnn, lstm_matches_reference)
{
    rl_rng rng;
    rl_rng_seed(&rng, 40, 0);
    for (int i = 0; i < RL_ARRAY_LEN(ref_cases); i++) check_kind(NN_RNN_LSTM, &ref_cases[i], &rng);
}

Test(nn_rnn, gru_matches_reference)
{
    rl_rng rng;
    rl_rng_seed(&rng, 41, 0);
    for (int i = 0; i < RL_ARRAY_LEN(ref_cases); i++) check_kind(NN_RNN_GRU, &ref_cases[i], &rng);
}

/* ---- finite differences ------------------------------------------------------------------- */

enum { FI = 3, FH = 4, FT = 5, FB = 2 };
typedef struct {
    rnn_box x;
    float inp[FT * FB * FI], h0[FB * FH], c0[FB * FH];
    float r[FT * FB * FH], s[FB * FH], q[FB * FH];
    bool starts[FT * FB];
} rnn_ctx;

/* L = sum(out r) + sum(h_T s) + sum(c_T q) (LSTM) through the fast forward */
static double rnn_obj(void *v)
{
    rnn_ctx *c = v;
    bool lstm = c->x.r.kind == NN_RNN_LSTM;
    const float *out = nn_rnn_forward(&c->x.k, &c->x.r, c->inp, c->h0, lstm ? c->c0 : NULL, c->starts, FT, FB);
    double L = rlt_dot(out, c->r, FT * FB * FH) + rlt_dot(out + (FT - 1) * FB * FH, c->s, FB * FH);
    if (lstm) L += rlt_dot(c->x.k.c + (FT - 1) * FB * FH, c->q, FB * FH);
    return L;
}

static void rnn_gradcheck(nn_rnn_kind kind, uint64_t seed)
{
    static rnn_ctx c;
    bool lstm = kind == NN_RNN_LSTM;
    box_init(&c.x, kind, FI, FH, FT, FB);
    rl_rng rng;
    rl_rng_seed(&rng, seed, 0);
    nn_rnn_init_torch_default(&c.x.r, &rng);
    for (size_t i = 0; i < c.x.r.n_params; i++) c.x.params[i] *= 2.0f;
    float *fills[] = {c.inp, c.h0, c.c0, c.r, c.s, c.q};
    size_t sizes[] = {FT * FB * FI, FB * FH, FB * FH, FT * FB * FH, FB * FH, FB * FH};
    for (int i = 0; i < 6; i++)
        for (size_t j = 0; j < sizes[i]; j++) fills[i][j] = (float)rl_rng_normal(&rng);
    // an episode starts at step 2 of sequence 0 and at step 0 of sequence 1 (h0 row 1 unused)
    memset(c.starts, 0, sizeof c.starts);
    c.starts[2 * FB + 0] = c.starts[0 * FB + 1] = true;
    float dinp[FT * FB * FI], dh0[FB * FH], dc0[FB * FH];
    (void)rnn_obj(&c);
    nn_rnn_backward(dinp, dh0, lstm ? dc0 : NULL, &c.x.k, &c.x.r, c.r, c.s, lstm ? c.q : NULL, c.inp);
    // the state entering a start gets no gradient; sequence 0's h0 does
    for (int j = 0; j < FH; j++) cr_assert_eq(dh0[FH + j], 0.0f, "dh0 of a sequence that starts at step 0");
    cr_assert(rlt_dot(dh0, dh0, FH) > 0.0);
    /* h = 1e-2: the truncation error h^2/6 f''' stays near 2e-5, and the float forward's rounding
     * over 2h well under the tolerance on any BLAS kernel */
    rlt_gradcheck_opts o = {.h = 1e-2, .n_check = 12};
    char what[64];
    const char *name = nn_rnn_kind_name(kind);
    snprintf(what, sizeof what, "%s dinp", name);
    rlt_gradcheck(rnn_obj, &c, c.inp, dinp, FT * FB * FI, &o, what);
    snprintf(what, sizeof what, "%s dh0", name);
    rlt_gradcheck(rnn_obj, &c, c.h0, dh0, FH, &o, what);   // sequence 0's row
    if (lstm) {
        snprintf(what, sizeof what, "%s dc0", name);
        rlt_gradcheck(rnn_obj, &c, c.c0, dc0, FH, &o, what);
    }
    int gh = c.x.r.G * FH;
    struct { float *p, *g; int n; const char *name; } blocks[] = {
        {c.x.r.w_ih, c.x.r.dw_ih, gh * FI, "weight_ih"}, {c.x.r.w_hh, c.x.r.dw_hh, gh * FH, "weight_hh"},
        {c.x.r.b_ih, c.x.r.db_ih, gh, "bias_ih"}, {c.x.r.b_hh, c.x.r.db_hh, gh, "bias_hh"}};
    for (int i = 0; i < 4; i++) {
        snprintf(what, sizeof what, "%s %s", name, blocks[i].name);
        rlt_gradcheck(rnn_obj, &c, blocks[i].p, blocks[i].g, blocks[i].n, &o, what);
    }
    box_free(&c.x);
}

Test(nn_rnn, gradcheck_lstm) { rnn_gradcheck(NN_RNN_LSTM, 42); }
Test(nn_rnn, gradcheck_gru) { rnn_gradcheck(NN_RNN_GRU, 43); }

/* ---- golden values from PyTorch ------------------------------------------------------------ */

static float *fixture_array(const cJSON *fc, const char *key, size_t n)
{
    float *x = malloc((n ? n : 1) * sizeof(float));
    cr_assert(x != NULL);
    rlt_fixture_floats(fc, key, x, (int)n);
    return x;
}

static void assert_fixture(const cJSON *fc, const char *key, const float *got, size_t n, const char *tag)
{
    float *want = fixture_array(fc, key, n);
    char what[96];
    snprintf(what, sizeof what, "%s: %s", tag, key);
    rlt_assert_close(got, want, (int)n, 1e-4, 1e-5, what);
    free(want);
}

static void rnn_golden(const char *tag)
{
    cJSON *root = rlt_fixture_load("nn_rnn.json");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(root, tag);
    cr_assert(fc != NULL, "fixture case %s missing", tag);
    nn_rnn_kind kind = strcmp(tag, "lstm") == 0 ? NN_RNN_LSTM : NN_RNN_GRU;
    bool lstm = kind == NN_RNN_LSTM;
    int I = (int)rlt_fixture_number(fc, "I"), H = (int)rlt_fixture_number(fc, "H");
    int T = (int)rlt_fixture_number(fc, "T"), B = (int)rlt_fixture_number(fc, "B");
    rnn_box x;
    box_init(&x, kind, I, H, T, B);
    int gh = x.r.G * H;
    size_t bh = (size_t)B * H, nin = (size_t)T * B * I, nout = (size_t)T * bh;
    rlt_fixture_floats(fc, "weight_ih_l0", x.r.w_ih, gh * I);
    rlt_fixture_floats(fc, "weight_hh_l0", x.r.w_hh, gh * H);
    rlt_fixture_floats(fc, "bias_ih_l0", x.r.b_ih, gh);
    rlt_fixture_floats(fc, "bias_hh_l0", x.r.b_hh, gh);
    float *inp = fixture_array(fc, "inp", nin), *h0 = fixture_array(fc, "h0", bh);
    float *c0 = lstm ? fixture_array(fc, "c0", bh) : NULL, *st = fixture_array(fc, "starts", (size_t)T * B);
    float *dout = fixture_array(fc, "dout", nout), *dhT = fixture_array(fc, "dhT", bh);
    float *dcT = lstm ? fixture_array(fc, "dcT", bh) : NULL;
    bool *starts = malloc((size_t)T * B * sizeof(bool));
    for (int i = 0; i < T * B; i++) starts[i] = st[i] != 0.0f;
    const float *out = nn_rnn_forward(&x.k, &x.r, inp, h0, c0, starts, T, B);
    assert_fixture(fc, "out", out, nout, tag);
    assert_fixture(fc, "hT", out + (T - 1) * bh, bh, tag);
    if (lstm) assert_fixture(fc, "cT", x.k.c + (T - 1) * bh, bh, tag);
    float *dinp = malloc(nin * sizeof(float)), *dh0 = malloc(bh * sizeof(float)), *dc0 = malloc(bh * sizeof(float));
    nn_rnn_backward(dinp, dh0, lstm ? dc0 : NULL, &x.k, &x.r, dout, dhT, dcT, inp);
    assert_fixture(fc, "dinp", dinp, nin, tag);
    assert_fixture(fc, "dh0", dh0, bh, tag);
    if (lstm) assert_fixture(fc, "dc0", dc0, bh, tag);
    assert_fixture(fc, "dweight_ih_l0", x.r.dw_ih, (size_t)gh * I, tag);
    assert_fixture(fc, "dweight_hh_l0", x.r.dw_hh, (size_t)gh * H, tag);
    assert_fixture(fc, "dbias_ih_l0", x.r.db_ih, (size_t)gh, tag);
    assert_fixture(fc, "dbias_hh_l0", x.r.db_hh, (size_t)gh, tag);
    float *all[] = {inp, h0, c0, st, dout, dhT, dcT, dinp, dh0, dc0};
    for (int i = 0; i < RL_ARRAY_LEN(all); i++) free(all[i]);
    free(starts);
    box_free(&x);
    cJSON_Delete(root);
}

Test(nn_rnn, golden_torch_lstm) { rnn_golden("lstm"); }
Test(nn_rnn, golden_torch_gru) { rnn_golden("gru"); }

/* ---- episode starts and state ---------------------------------------------------------------- */

/* From a start on, a sequence's outputs are those of a fresh run from the zero state over its
 * remaining inputs: nothing of the earlier steps or of h0 leaks through; and a non-finite state
 * entering a start is dropped, not multiplied by zero (which would give NaN) */
static void start_forgets(nn_rnn_kind kind)
{
    enum { I = 6, H = 9, T = 7, B = 2, S = 3 };
    bool lstm = kind == NN_RNN_LSTM;
    rnn_box a, b;
    box_init(&a, kind, I, H, T, B);
    box_init(&b, kind, I, H, T, B);
    rl_rng rng;
    rl_rng_seed(&rng, 44, 0);
    nn_rnn_init_torch_default(&a.r, &rng);
    memcpy(b.params, a.params, a.r.n_params * sizeof(float));
    float *inp = rlt_randn(T * B * I, 1.0f, &rng), *h0 = rlt_randn(B * H, 1.0f, &rng);
    float *c0 = rlt_randn(B * H, 1.0f, &rng);
    bool starts[T * B] = {0};
    starts[S * B + 0] = true;   // sequence 0 starts a new episode at step S
    const float *out = nn_rnn_forward(&a.k, &a.r, inp, h0, lstm ? c0 : NULL, starts, T, B);
    // the same layer from zeros over steps S.. (both sequences given sequence 0's inputs)
    float tail[(T - S) * B * I];
    for (int t = 0; t < T - S; t++)
        for (int s = 0; s < B; s++) memcpy(tail + (t * B + s) * I, inp + ((t + S) * B) * I, I * sizeof(float));
    const float *fresh = nn_rnn_forward(&b.k, &b.r, tail, NULL, NULL, NULL, T - S, B);
    for (int t = 0; t < T - S; t++)
        rlt_assert_close(out + ((t + S) * B) * H, fresh + (t * B) * H, H, 1e-6, 1e-7, "after the start");
    // without the start, the earlier steps do reach step S: the comparison above can fail
    out = nn_rnn_forward(&a.k, &a.r, inp, h0, lstm ? c0 : NULL, NULL, T, B);
    double gap = 0.0;
    for (int j = 0; j < H; j++) gap = fmax(gap, fabs((double)out[(S * B) * H + j] - fresh[j]));
    cr_assert(gap > 1e-3, "the state before step S changes nothing (%g)", gap);
    // a NaN state in a sequence that starts at step 0 does not reach its outputs
    for (int j = 0; j < H; j++) h0[j] = c0[j] = NAN;
    bool first[T * B] = {0};
    first[0] = true;
    out = nn_rnn_forward(&a.k, &a.r, inp, h0, lstm ? c0 : NULL, first, T, B);
    for (int t = 0; t < T; t++)
        for (int j = 0; j < H; j++) cr_assert(isfinite(out[(t * B) * H + j]), "NaN leaked through a start");
    free(inp); free(h0); free(c0);
    box_free(&a);
    box_free(&b);
}

Test(nn_rnn, lstm_start_forgets_the_state) { start_forgets(NN_RNN_LSTM); }
Test(nn_rnn, gru_start_forgets_the_state) { start_forgets(NN_RNN_GRU); }

/* A sequence run in one forward equals the same run in two pieces, the second starting from
 * the first's final state (h, and c for the LSTM), as a rollout carries its state across
 * collection steps */
static void two_pieces(nn_rnn_kind kind)
{
    enum { I = 5, H = 8, T = 9, B = 3, S = 4 };
    bool lstm = kind == NN_RNN_LSTM;
    rnn_box a, b;
    box_init(&a, kind, I, H, T, B);
    box_init(&b, kind, I, H, T, B);
    rl_rng rng;
    rl_rng_seed(&rng, 45, 0);
    nn_rnn_init_torch_default(&a.r, &rng);
    memcpy(b.params, a.params, a.r.n_params * sizeof(float));
    float *inp = rlt_randn(T * B * I, 1.0f, &rng), *h0 = rlt_randn(B * H, 1.0f, &rng);
    float *c0 = rlt_randn(B * H, 1.0f, &rng);
    bool *starts = random_starts(T, B, 0.2, &rng);
    const float *whole = nn_rnn_forward(&a.k, &a.r, inp, h0, lstm ? c0 : NULL, starts, T, B);
    const float *first = nn_rnn_forward(&b.k, &b.r, inp, h0, lstm ? c0 : NULL, starts, S, B);
    rlt_assert_close(first, whole, S * B * H, 1e-6, 1e-7, "first piece");
    float hS[B * H], cS[B * H];
    memcpy(hS, first + (S - 1) * B * H, sizeof hS);
    if (lstm) memcpy(cS, b.k.c + (S - 1) * B * H, sizeof cS);
    const float *second = nn_rnn_forward(&b.k, &b.r, inp + S * B * I, hS, lstm ? cS : NULL, starts + S * B, T - S, B);
    rlt_assert_close(second, whole + S * B * H, (T - S) * B * H, 1e-6, 1e-7, "second piece");
    free(inp); free(h0); free(c0); free(starts);
    box_free(&a);
    box_free(&b);
}

Test(nn_rnn, lstm_in_two_pieces) { two_pieces(NN_RNN_LSTM); }
Test(nn_rnn, gru_in_two_pieces) { two_pieces(NN_RNN_GRU); }

/* B = 0 does nothing and touches nothing */
Test(nn_rnn, empty_batch)
{
    rnn_box x;
    box_init(&x, NN_RNN_LSTM, 3, 4, 2, 2);
    float g0 = x.grads[0] = 1.5f;
    (void)nn_rnn_forward(&x.k, &x.r, NULL, NULL, NULL, NULL, 2, 0);
    nn_rnn_backward(NULL, NULL, NULL, &x.k, &x.r, NULL, NULL, NULL, NULL);
    cr_assert_eq(x.grads[0], g0);
    box_free(&x);
}

/* ---- initialisation -------------------------------------------------------------------------- */

Test(nn_rnn, init_torch_default_and_orthogonal)
{
    enum { I = 10, H = 16 };
    for (int kind = 0; kind < NN_RNN_COUNT; kind++) {
        rnn_box x;
        box_init(&x, (nn_rnn_kind)kind, I, H, 1, 1);
        rl_rng rng;
        rl_rng_seed(&rng, 46, 0);
        nn_rnn_init_torch_default(&x.r, &rng);
        double bound = 1.0 / sqrt((double)H), var = 0.0;
        for (size_t i = 0; i < x.r.n_params; i++) {
            cr_assert(fabsf(x.params[i]) <= bound, "%g outside +-%g", x.params[i], bound);
            var += (double)x.params[i] * x.params[i];
        }
        var /= (double)x.r.n_params;
        cr_assert(var > 0.28 * bound * bound && var < 0.39 * bound * bound, "variance %g, bound %g", var, bound);
        // orthogonal: the columns of w_ih (G H, I) and of w_hh (G H, H) are orthonormal times the gain
        nn_rnn_init_orthogonal(&x.r, 1.0f, &rng);
        int gh = x.r.G * H;
        const struct { const float *w; int cols; } mats[2] = {{x.r.w_ih, I}, {x.r.w_hh, H}};
        for (int m = 0; m < 2; m++)
            for (int i = 0; i < mats[m].cols; i++)
                for (int j = 0; j < mats[m].cols; j++) {
                    double s = 0.0;
                    for (int q = 0; q < gh; q++)
                        s += (double)mats[m].w[q * mats[m].cols + i] * mats[m].w[q * mats[m].cols + j];
                    cr_assert(fabs(s - (i == j)) < 1e-5, "matrix %d: (%d, %d) = %g", m, i, j, s);
                }
        for (int q = 0; q < gh; q++) cr_assert(x.r.b_ih[q] == 0.0f && x.r.b_hh[q] == 0.0f);
        box_free(&x);
    }
}
