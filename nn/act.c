/* rlc nn: activations (none, tanh, relu) and their backward from the activation output. */
#include "nn/nn.h"

#include <math.h>
#include <string.h>

static const char *const act_names[] = {
    [NN_ACT_NONE] = "none",
    [NN_ACT_TANH] = "tanh",
    [NN_ACT_RELU] = "relu",
};
_Static_assert(sizeof(act_names) / sizeof(act_names[0]) == NN_ACT_COUNT,
               "act_names must name every nn_act");

const char *nn_act_name(nn_act a)
{
    RL_ASSERT((int)a >= 0 && a < NN_ACT_COUNT);
    return act_names[a];
}

int nn_act_from_name(const char *name, nn_act *out)
{
    if (!name) return -1;
    for (int a = 0; a < NN_ACT_COUNT; a++) {
        if (strcmp(name, act_names[a]) == 0) {
            *out = (nn_act)a;
            return 0;
        }
    }
    return -1;
}

void nn_act_forward(float *out, const float *inp, nn_act a, size_t n)
{
    // out (n), inp (n)
    switch (a) {
    case NN_ACT_NONE:
        if (out != inp) memmove(out, inp, n * sizeof(float));
        break;
    case NN_ACT_TANH:
        for (size_t i = 0; i < n; i++) out[i] = tanhf(inp[i]);
        break;
    case NN_ACT_RELU:
        for (size_t i = 0; i < n; i++) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
        break;
    default:
        RL_ASSERT_MSG(0, "unknown activation");
    }
}

void nn_act_backward(float *dinp, const float *dout, const float *y, nn_act a, size_t n)
{
    // dinp (n), dout (n), y (n) = act(x), the saved forward output
    switch (a) {
    case NN_ACT_NONE:
        if (dinp != dout) memmove(dinp, dout, n * sizeof(float));
        break;
    case NN_ACT_TANH:
        for (size_t i = 0; i < n; i++) dinp[i] = dout[i] * (1.0f - y[i] * y[i]);
        break;
    case NN_ACT_RELU:
        for (size_t i = 0; i < n; i++) dinp[i] = y[i] > 0.0f ? dout[i] : 0.0f;
        break;
    default:
        RL_ASSERT_MSG(0, "unknown activation");
    }
}
