/* rlc tests: replay_gae (replay/returns.c) on a hand-worked rollout with a termination and a
 * truncation, against an independent forward-sum reference, and the rollout buffer round trip
 * (replay/rollout.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "replay/returns.h"
#include "replay/rollout.h"

/* ---- the hand-worked example --------------------------------------------------------------
 * T = 5, N = 2, gamma = 0.9, lambda = 0.8, so gamma * lambda = 0.72. Arrays are (T, N):
 * element [t][n].
 *
 * env 0: rewards (1, 0, 2, 1, 1), values (1, 2, 3, 4, 5), terminated at t = 2, last value 10.
 *   t=4: not done, last step -> nv = 10:   delta = 1 + 0.9*10 - 5 = 5;      A4 = 5
 *   t=3: nv = v4 = 5:                      delta = 1 + 4.5 - 4 = 1.5;       A3 = 1.5 + 0.72*5 = 5.1
 *   t=2: terminated -> nv = 0, cut:        delta = 2 + 0 - 3 = -1;          A2 = -1
 *   t=1: nv = v2 = 3:                      delta = 0 + 2.7 - 2 = 0.7;       A1 = 0.7 + 0.72*(-1) = -0.02
 *   t=0: nv = v1 = 2:                      delta = 1 + 1.8 - 1 = 1.8;       A0 = 1.8 + 0.72*(-0.02) = 1.7856
 *   ret = A + v = (2.7856, 1.98, 2, 9.1, 10)
 *
 * env 1: rewards (1, 1, 1, 1, 2), values (2, 1, 0, 3, 1), truncated at t = 1 with final value 4,
 *   terminated AND truncated at t = 3 (final value 99 must be ignored), last value -1.
 *   t=4: nv = -1:                          delta = 2 - 0.9 - 1 = 0.1;       A4 = 0.1
 *   t=3: terminated wins -> nv = 0, cut:   delta = 1 + 0 - 3 = -2;          A3 = -2
 *   t=2: nv = v3 = 3:                      delta = 1 + 2.7 - 0 = 3.7;       A2 = 3.7 + 0.72*(-2) = 2.26
 *   t=1: truncated -> nv = 4, cut:         delta = 1 + 3.6 - 1 = 3.6;       A1 = 3.6
 *   t=0: nv = v1 = 1:                      delta = 1 + 0.9 - 2 = -0.1;      A0 = -0.1 + 0.72*3.6 = 2.492
 *   ret = (4.492, 4.6, 2.26, 1, 1.1)
 * final_values holds 77 wherever the step did not truncate: it must never be read there. */
enum { HT = 5, HN = 2 };
static const float h_rewards[HT * HN] = {1, 1, 0, 1, 2, 1, 1, 1, 1, 2};
static const float h_values[HT * HN] = {1, 2, 2, 1, 3, 0, 4, 3, 5, 1};
static const unsigned char h_term[HT * HN] = {0, 0, 0, 0, 1, 0, 0, 1, 0, 0};
static const unsigned char h_trunc[HT * HN] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0};
static const float h_final[HT * HN] = {77, 77, 77, 4, 77, 77, 77, 99, 77, 77};
static const float h_last[HN] = {10, -1};
static const float h_adv[HT * HN] = {1.7856f, 2.492f, -0.02f, 3.6f, -1.0f, 2.26f, 5.1f, -2.0f, 5.0f, 0.1f};
static const float h_ret[HT * HN] = {2.7856f, 4.492f, 1.98f, 4.6f, 2.0f, 2.26f, 9.1f, 1.0f, 10.0f, 1.1f};

static void assert_close_arr(const float *a, const float *b, int n, float tol, const char *what)
{
    for (int i = 0; i < n; i++)
        cr_assert_float_eq(a[i], b[i], tol, "%s[%d]: %.7g vs %.7g", what, i, a[i], b[i]);
}

Test(gae, hand_worked_example)
{
    float adv[HT * HN], ret[HT * HN];
    memset(adv, 0x7f, sizeof(adv));   /* garbage: nothing may be read before it is written */
    replay_gae(adv, ret, h_rewards, h_values, h_final, h_term, h_trunc, h_last, HT, HN, 0.9f, 0.8f);
    assert_close_arr(adv, h_adv, HT * HN, 1e-5f, "adv");
    assert_close_arr(ret, h_ret, HT * HN, 1e-5f, "ret");
}

Test(gae, lambda_zero_is_one_step_td_and_lambda_one_gamma_one_is_monte_carlo)
{
    float adv[HT * HN], ret[HT * HN];
    /* lambda = 0: A_t = delta_t (env 0, t = 1: 0 + 0.9*3 - 2 = 0.7) */
    replay_gae(adv, ret, h_rewards, h_values, h_final, h_term, h_trunc, h_last, HT, HN, 0.9f, 0.0f);
    cr_assert_float_eq(adv[1 * HN + 0], 0.7f, 1e-6f);
    cr_assert_float_eq(adv[3 * HN + 0], 1.5f, 1e-6f);
    cr_assert_float_eq(adv[0 * HN + 1], -0.1f, 1e-6f);
    /* gamma = lambda = 1, no episode end: ret_t = sum of the remaining rewards + last value */
    const unsigned char none[HT] = {0};
    const float r[HT] = {1, 2, 3, 4, 5}, v[HT] = {0.5f, -1, 2, 0, 3}, last[1] = {10};
    float a1[HT], r1[HT];
    replay_gae(a1, r1, r, v, NULL, none, none, last, HT, 1, 1.0f, 1.0f);
    const float mc[HT] = {25, 24, 22, 19, 15};
    assert_close_arr(r1, mc, HT, 1e-5f, "monte-carlo ret");
    for (int t = 0; t < HT; t++) cr_assert_float_eq(a1[t], mc[t] - v[t], 1e-5f);
}

/* forward-sum reference: A_t = sum_k (gamma lambda)^k delta_{t+k} until the episode ends */
static void ref_gae(double *adv, const float *r, const float *v, const float *fv,
                    const unsigned char *term, const unsigned char *trunc, const float *last, int T,
                    int N, double g, double l)
{
    for (int n = 0; n < N; n++)
        for (int t = 0; t < T; t++) {
            double a = 0, w = 1;
            for (int k = t; k < T; k++) {
                int i = k * N + n;
                double nv = term[i] ? 0.0 : trunc[i] ? fv[i] : (k + 1 < T ? v[i + N] : last[n]);
                a += w * (r[i] + g * nv - v[i]);
                if (term[i] || trunc[i]) break;
                w *= g * l;
            }
            adv[t * N + n] = a;
        }
}

Test(gae, matches_forward_reference_on_random_rollout)
{
    enum { T = 37, N = 4 };
    float r[T * N], v[T * N], fv[T * N], adv[T * N], ret[T * N], last[N];
    unsigned char term[T * N], trunc[T * N];
    unsigned s = 12345;
    for (int i = 0; i < T * N; i++) {
        s = s * 1103515245u + 12345u;
        r[i] = (float)((s >> 8) % 1000) / 250.0f - 2.0f;
        v[i] = (float)((s >> 12) % 777) / 100.0f - 3.0f;
        fv[i] = (float)((s >> 4) % 555) / 50.0f - 5.0f;
        term[i] = (s >> 20) % 11 == 0;
        trunc[i] = (s >> 24) % 9 == 0;
    }
    for (int n = 0; n < N; n++) last[n] = 0.25f * (float)n - 0.4f;
    int n_term = 0, n_trunc = 0;
    for (int i = 0; i < T * N; i++) {
        n_term += term[i];
        n_trunc += trunc[i] && !term[i];
    }
    cr_assert_gt(n_term, 2);
    cr_assert_gt(n_trunc, 2);
    double ref[T * N];
    ref_gae(ref, r, v, fv, term, trunc, last, T, N, 0.99, 0.95);
    replay_gae(adv, ret, r, v, fv, term, trunc, last, T, N, 0.99f, 0.95f);
    for (int i = 0; i < T * N; i++) {
        cr_assert_float_eq(adv[i], ref[i], 1e-4 * (1 + fabs(ref[i])), "adv[%d]", i);
        cr_assert_float_eq(ret[i], adv[i] + v[i], 1e-6);
    }
}

/* ---- the rollout buffer ------------------------------------------------------------------ */

Test(rollout, add_finish_round_trip)
{
    replay_rollout b;
    char err[128];
    cr_assert_eq(replay_rollout_init(&b, HT, HN, 3, 2, err, sizeof(err)), RL_OK, "%s", err);
    for (int t = 0; t < HT; t++) {
        float obs[HN * 3], act[HN * 2], logp[HN], fv[HN];
        bool term[HN], trunc[HN];
        int any_trunc = 0;
        for (int n = 0; n < HN; n++) {
            for (int k = 0; k < 3; k++) obs[n * 3 + k] = (float)(100 * t + 10 * n + k);
            for (int k = 0; k < 2; k++) act[n * 2 + k] = -(float)(100 * t + 10 * n + k);
            logp[n] = -0.1f * (float)(t * HN + n);
            term[n] = h_term[t * HN + n];
            trunc[n] = h_trunc[t * HN + n];
            fv[n] = h_final[t * HN + n];
            any_trunc |= trunc[n];
        }
        cr_assert_eq(b.t, t);
        /* final_values may be NULL when no env truncated this step */
        replay_rollout_add(&b, obs, act, logp, h_values + t * HN, h_rewards + t * HN, term, trunc,
                           any_trunc ? fv : NULL);
    }
    cr_assert_eq(b.t, HT);
    /* stored where documented */
    cr_assert_eq(b.obs[(3 * HN + 1) * 3 + 2], 312.0f);
    cr_assert_eq(b.actions[(4 * HN + 0) * 2 + 1], -401.0f);
    cr_assert_float_eq(b.logp[2 * HN + 1], -0.5f, 1e-7f);
    cr_assert_eq(b.terminated[2 * HN + 0], 1);
    cr_assert_eq(b.truncated[1 * HN + 1], 1);
    cr_assert_eq(b.final_values[1 * HN + 1], 4.0f);
    cr_assert_eq(b.final_values[0], 0.0f, "rows without truncation store 0");
    replay_rollout_finish(&b, h_last, 0.9f, 0.8f);
    assert_close_arr(b.adv, h_adv, HT * HN, 1e-5f, "buffer adv");
    assert_close_arr(b.ret, h_ret, HT * HN, 1e-5f, "buffer ret");
    replay_rollout_clear(&b);
    cr_assert_eq(b.t, 0);
    replay_rollout_free(&b);
    cr_assert_null(b.obs);
    replay_rollout_free(&b);
    replay_rollout_free(NULL);
}

Test(rollout, bad_sizes_rejected)
{
    replay_rollout b;
    char err[128] = "";
    cr_assert_eq(replay_rollout_init(&b, 0, 2, 3, 1, err, sizeof(err)), RL_ERR_ARG);
    cr_assert_neq(err[0], '\0');
    cr_assert_eq(replay_rollout_init(&b, 4, 2, 3, 0, err, sizeof(err)), RL_ERR_ARG);
}

Test(rollout, add_past_T_aborts, .signal = SIGABRT)
{
    replay_rollout b;
    replay_rollout_init(&b, 1, 1, 1, 1, NULL, 0);
    float x[1] = {0};
    bool f[1] = {false};
    replay_rollout_add(&b, x, x, x, x, x, f, f, NULL);
    replay_rollout_add(&b, x, x, x, x, x, f, f, NULL);
}

Test(rollout, finish_before_full_aborts, .signal = SIGABRT)
{
    replay_rollout b;
    replay_rollout_init(&b, 2, 1, 1, 1, NULL, 0);
    float x[1] = {0};
    bool f[1] = {false};
    replay_rollout_add(&b, x, x, x, x, x, f, f, NULL);
    replay_rollout_finish(&b, x, 0.99f, 0.95f);
}
