/* rlc tests: the fast tanh against tanh in double, and its special values. */
#include <criterion/criterion.h>
#include <math.h>

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
