/* rlc tests: the fast tanh against tanh in double, and its special values. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "nn/nn.h"

Test(nn_act, fast_tanh_matches_double_tanh)
{
    double worst = 0.0;
    for (double x = -20.0; x <= 20.0; x += 3.7e-4) {
        float xf = (float)x;
        double want = tanh((double)xf);
        double rel = fabs((double)nn_tanh(xf) - want) / (fabs(want) + 1e-30);
        if (rel > worst) worst = rel;
    }
    cr_assert_lt(worst, 3e-7, "worst relative error %g", worst);
}

Test(nn_act, fast_tanh_special_values)
{
    cr_assert_eq(nn_tanh(0.0f), 0.0f);
    cr_assert_eq(nn_tanh(1e30f), 1.0f);
    cr_assert_eq(nn_tanh(-1e30f), -1.0f);
    cr_assert_eq(nn_tanh(INFINITY), 1.0f);
    cr_assert(isnan(nn_tanh(NAN)), "NaN must propagate");
    float in[5] = {-3.0f, -0.5f, 0.0f, 0.5f, NAN}, out[5];
    nn_act_forward(out, in, NN_ACT_TANH, 5);
    cr_assert_float_eq(out[0], (float)tanh(-3.0), 1e-6);
    cr_assert(isnan(out[4]), "NaN must propagate through nn_act_forward");
}

/* The AVX2 path nn_act_forward takes where the CPU has it gives the bits of the 4-wide path: over
 * every float of [-20, 20] at a stride, the tails of a non-multiple of 8, and the special values. */
Test(nn_act, tanh_avx2_path_gives_the_sse_path_bits)
{
    enum { N = 1 << 16 };
    static float x[N + 3], a[N + 3], b[N + 3];
    for (int i = 0; i < N; i++) x[i] = -20.0f + 40.0f * (float)i / N;
    const float special[] = {0.0f, -0.0f, 1e-30f, -0.624f, 0.625f, 9.0f, 44.0f, 1e30f, INFINITY, -INFINITY, NAN};
    for (int i = 0; i < (int)(sizeof special / sizeof special[0]); i++) x[i * 97] = special[i];
    x[N] = 0.3f, x[N + 1] = -2.5f, x[N + 2] = NAN;
    for (size_t n = N + 3; n >= N - 5; n--) {   // every tail length from 0 to 7
        nn_tanh_array_sse(a, x, n);
        if (!nn_tanh_array_avx2(b, x, n)) cr_skip_test("this CPU has no AVX2");
        cr_assert_eq(memcmp(a, b, n * sizeof(float)), 0, "the AVX2 path differs in the first %zu values", n);
    }
    nn_act_forward(b, x, NN_ACT_TANH, N);
    cr_assert_eq(memcmp(a, b, N * sizeof(float)), 0, "nn_act_forward's tanh differs from the 4-wide path");
}

/* The recurrent layers' tanh (fused multiply-adds where the CPU has them): the same accuracy and
 * special values as nn_tanh, over arrays with every tail length. */
Test(nn_act, fma_tanh_matches_double_tanh)
{
    enum { N = 1 << 16 };
    static float x[N + 7], y[N + 7];
    for (int i = 0; i < N + 7; i++) x[i] = -20.0f + 40.0f * (float)i / (N + 7);
    double worst = 0.0;
    for (size_t n = N; n < N + 8; n++) {
        nn_tanh_array_fma(y, x, n);
        for (size_t i = n - 9; i < n; i++) cr_assert_eq(y[i], y[i], "value %zu of %zu not computed", i, n);
    }
    for (int i = 0; i < N + 7; i++) {
        double want = tanh((double)x[i]);
        double rel = fabs((double)y[i] - want) / (fabs(want) + 1e-30);
        if (rel > worst) worst = rel;
    }
    cr_assert_lt(worst, 3e-7, "worst relative error %g", worst);
    float in[7] = {0.0f, -0.0f, 1e30f, -1e30f, INFINITY, NAN, 1e-30f}, out[7];
    nn_tanh_array_fma(out, in, 7);
    cr_assert(out[0] == 0.0f && out[1] == 0.0f, "tanh(+-0) = 0");
    cr_assert(out[2] == 1.0f && out[3] == -1.0f && out[4] == 1.0f, "saturates at +-1");
    cr_assert(isnan(out[5]), "NaN must propagate");
    cr_assert_eq(out[6], 1e-30f);
}
