/* rlc nn: activations (none, tanh, relu) and their backward from the activation output. */
#include "nn/nn.h"

#include <math.h>
#include <stdint.h>
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

/* tanh without libm calls, on 4 floats at a time (one SSE register) with GCC's vector extensions so that it
 * compiles to SIMD on any x86-64 (glibc's tanhf took 70% of a PPO CartPole run), and on 8 at a time
 * (one AVX register) where the CPU has AVX2 (chosen at run time: the same operations in the same order,
 * no FMA, so both give the same bits; tests/test_nn_act.c checks it).
 * |x| < 0.625: odd polynomial x + x^3 P(x^2); otherwise sign(x) (1 - 2 / (e^{2|x|} + 1)) with
 * e^y from Cody-Waite range reduction y = n ln2 + r and a degree-6 polynomial for e^r (the
 * coefficient sets are Cephes's tanhf and expf). Relative error below 3e-7; NaN propagates
 * (tests/test_nn_act.c checks both).
 * A third instance fuses each multiply-add into one FMA (AVX2 and FMA): the recurrent layers'
 * tanh (nn_tanh_array_fma), a third faster, rounded differently. The 8-lane instances are x86-64's
 * only; elsewhere the 4-lane one takes every call. */
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

/* a where mask, else b (mask lanes all ones or all zeros) */
#define VSEL(VF, VI, mask, a, b) ((VF)(((mask) & (VI)(a)) | (~(mask) & (VI)(b))))
/* a b + c, rounded twice (VF vectors) or once (8 lanes, AVX2 and FMA) */
#define MUL_ADD(VF, a, b, c) ((a) * (b) + (c))
#define FMA8(VF, a, b, c) ((VF)_mm256_fmadd_ps((__m256)(a), (__m256)(b), (__m256)(c)))

/* the tanh of each lane of x, for the vector types VF (floats) and VI (int32 of the same width),
 * with MADD(VF, a, b, c) for a b + c */
#define DEFINE_TANH(NAME, VF, VI, ATTR, MADD)                                                            \
    static inline __attribute__((always_inline)) ATTR VF NAME(VF x)                                      \
    {                                                                                                    \
        const VI sign_bit = (VI){0} + (int32_t)0x80000000;                                               \
        const VF k0 = (VF){0};                                                                           \
        VF ax = (VF)((VI)x & ~sign_bit);                                                                 \
        VF z = x * x;                                                                                    \
        VF q = MADD(VF, z, k0 - 5.70498872745e-3f, k0 + 2.06390887954e-2f);                              \
        q = MADD(VF, q, z, k0 - 5.37397155531e-2f);                                                      \
        q = MADD(VF, q, z, k0 + 1.33314422036e-1f);                                                      \
        q = MADD(VF, q, z, k0 - 3.33332819422e-1f);                                                      \
        VF small = MADD(VF, q * z, x, x);                                                                \
        VF y = 2.0f * ax;                                                                                \
        y = VSEL(VF, VI, y < 88.0f, y, k0 + 88.0f);                                                      \
        /* e^y, y in [0, 88]; 1.5 * 2^23 added and subtracted rounds to an integer */                    \
        VF fx = MADD(VF, y, k0 + 1.44269504088896341f, k0 + 12582912.0f) - 12582912.0f;                  \
        VF r = MADD(VF, fx, k0 - 0.693359375f, y);                                                       \
        r = MADD(VF, fx, k0 + 2.12194440e-4f, r);                                                        \
        VF p = MADD(VF, r, k0 + 1.9875691500e-4f, k0 + 1.3981999507e-3f);                                \
        p = MADD(VF, p, r, k0 + 8.3334519073e-3f);                                                       \
        p = MADD(VF, p, r, k0 + 4.1665795894e-2f);                                                       \
        p = MADD(VF, p, r, k0 + 1.6666665459e-1f);                                                       \
        p = MADD(VF, p, r, k0 + 5.0000001201e-1f);                                                       \
        p = MADD(VF, p * r, r, r) + 1.0f;                                                                \
        VI n = __builtin_convertvector(fx, VI);                                                          \
        VF e = p * (VF)((n + 127) << 23);                                                                \
        VF large = 1.0f - 2.0f / (e + 1.0f);                                                             \
        large = (VF)((VI)large | ((VI)x & sign_bit)); /* odd function */                                 \
        large = VSEL(VF, VI, x == x, large, x);       /* NaN stays NaN */                                \
        return VSEL(VF, VI, ax < 0.625f, small, large);                                                  \
    }

DEFINE_TANH(tanh4, v4f, v4i, , MUL_ADD)
#if defined(__x86_64__)
#include <immintrin.h>
DEFINE_TANH(tanh8, v8f, v8i, __attribute__((target("avx2"))), MUL_ADD)
DEFINE_TANH(tanh8_fma, v8f, v8i, __attribute__((target("avx2,fma"))), FMA8)
#endif

void nn_tanh_array_sse(float *out, const float *inp, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f x;
        memcpy(&x, inp + i, sizeof x);
        x = tanh4(x);
        memcpy(out + i, &x, sizeof x);
    }
    if (i < n) {
        v4f x = {0};
        memcpy(&x, inp + i, (n - i) * sizeof(float));
        x = tanh4(x);
        memcpy(out + i, &x, (n - i) * sizeof(float));
    }
}

#if defined(__x86_64__)
/* the 8-lane loops: tanh8 (the bits of tanh4) or tanh8_fma */
#define DEFINE_TANH_ARRAY8(NAME, TANH, ATTR)                                                             \
    ATTR static void NAME(float *out, const float *inp, size_t n)                                        \
    {                                                                                                    \
        size_t i = 0;                                                                                    \
        for (; i + 8 <= n; i += 8) {                                                                     \
            v8f x;                                                                                       \
            memcpy(&x, inp + i, sizeof x);                                                               \
            x = TANH(x);                                                                                 \
            memcpy(out + i, &x, sizeof x);                                                               \
        }                                                                                                \
        if (i < n) {                                                                                     \
            v8f x = {0};                                                                                 \
            memcpy(&x, inp + i, (n - i) * sizeof(float));                                                \
            x = TANH(x);                                                                                 \
            memcpy(out + i, &x, (n - i) * sizeof(float));                                                \
        }                                                                                                \
    }
DEFINE_TANH_ARRAY8(tanh_array_avx2, tanh8, __attribute__((target("avx2"))))
DEFINE_TANH_ARRAY8(tanh_array_fma, tanh8_fma, __attribute__((target("avx2,fma"))))
#endif

bool nn_tanh_array_avx2(float *out, const float *inp, size_t n)
{
#if defined(__x86_64__)
    if (!__builtin_cpu_supports("avx2")) return false;
    tanh_array_avx2(out, inp, n);
    return true;
#else
    (void)out, (void)inp, (void)n;
    return false;
#endif
}

static void tanh_array(float *out, const float *inp, size_t n)
{
    if (!nn_tanh_array_avx2(out, inp, n)) nn_tanh_array_sse(out, inp, n);
}

void nn_tanh_array_fma(float *out, const float *inp, size_t n)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        tanh_array_fma(out, inp, n);
        return;
    }
#endif
    tanh_array(out, inp, n);
}

float nn_tanh(float x)
{
    float y;
    tanh_array(&y, &x, 1);
    return y;
}

void nn_act_forward(float *out, const float *inp, nn_act a, size_t n)
{
    // out (n), inp (n)
    switch (a) {
    case NN_ACT_NONE:
        if (out != inp) memmove(out, inp, n * sizeof(float));
        break;
    case NN_ACT_TANH:
        tanh_array(out, inp, n);
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
        /* load unconditionally, then select: the loop vectorises (a conditional load does not) */
        for (size_t i = 0; i < n; i++) {
            float d = dout[i];
            dinp[i] = y[i] > 0.0f ? d : 0.0f;
        }
        break;
    default:
        RL_ASSERT_MSG(0, "unknown activation");
    }
}
