/* Action masking: environments that publish the valid actions (env_def.action_mask), the vector
 * env's masks (after steps and autoresets), and the agents that use them. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "algos/onpolicy.h"
#include "envs/env.h"
#include "nn/nn.h"
#include "tests/helpers/testutil.h"
#include "envs/toytext/toytext.h"

/* the mask Taxi's state s has, as bytes */
static void taxi_mask_bytes(int s, uint8_t out[6])
{
    int8_t m[6];
    env_taxi_action_mask(s, m);
    for (int a = 0; a < 6; a++) out[a] = (uint8_t)m[a];
}

/* every row of the vector env's masks is Taxi's mask of the row's state, after resets, steps and
 * autoresets; final_mask is the mask of the finished episode's last state */
Test(vec_mask, taxi_rows_follow_states)
{
    env_vec v;
    char err[256];
    cr_assert_eq(env_vec_make(&v, "Taxi-v3", 3, 20, err, sizeof err), RL_OK, "%s", err);
    cr_assert(env_vec_masked(&v));
    cr_assert_eq(v.n_actions, 6);
    env_vec_reset(&v, 7);
    rl_rng rng;
    rl_rng_seed(&rng, 3, 1);
    int done = 0;
    uint8_t want[6];
    for (int t = 0; t < 200; t++) {
        for (int i = 0; i < v.n; i++) {
            taxi_mask_bytes((int)v.obs[i], want);
            cr_assert_arr_eq(v.action_mask + 6 * i, want, 6, "step %d copy %d state %d", t, i, (int)v.obs[i]);
        }
        float act[3];
        for (int i = 0; i < 3; i++) act[i] = (float)rl_rng_below(&rng, 6);
        env_vec_step(&v, act);
        for (int i = 0; i < v.n; i++) {
            if (!(v.terminated[i] || v.truncated[i])) continue;
            done++;
            taxi_mask_bytes((int)v.final_obs[i], want);
            cr_assert_arr_eq(v.final_mask + 6 * i, want, 6, "final state %d", (int)v.final_obs[i]);
        }
    }
    cr_assert_gt(done, 10, "autoresets seen: %d", done);
    env_vec_free(&v);
}

Test(vec_mask, unmasked_env_has_none)
{
    env_vec v;
    char err[256];
    cr_assert_eq(env_vec_make(&v, "CartPole-v1", 2, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert(!env_vec_masked(&v));
    cr_assert_null(v.final_mask);
    env_vec_free(&v);
}

/* ---- the masked categorical ------------------------------------------------------------ */

#define K5 5
static const uint8_t cat_mask[2][K5] = {{1, 0, 1, 1, 0}, {0, 0, 0, 1, 1}};
static const float cat_raw[2][K5] = {{0.3f, 2.0f, -0.7f, 1.1f, 5.0f}, {1.5f, -2.0f, 0.4f, 0.9f, -0.3f}};

/* the logits as the actor-critic masks them (onp_net with a mask) */
static void masked_logits(const float raw[2][K5], float out[2 * K5])
{
    for (int b = 0; b < 2; b++)
        for (int k = 0; k < K5; k++) out[b * K5 + k] = cat_mask[b][k] ? raw[b][k] : ONP_MASKED_LOGIT;
}

/* the masked distribution computed directly: softmax over the valid actions only */
static double direct_logp(const float *x, const uint8_t *m, int a)
{
    double z = 0.0;
    for (int k = 0; k < K5; k++)
        if (m[k]) z += exp((double)x[k]);
    return (double)x[a] - log(z);
}

static double direct_entropy(const float *x, const uint8_t *m)
{
    double h = 0.0;
    for (int k = 0; k < K5; k++)
        if (m[k]) {
            double lp = direct_logp(x, m, k);
            h -= exp(lp) * lp;
        }
    return h;
}

Test(masked_categorical, logp_and_entropy_are_over_valid_actions)
{
    float x[2 * K5], logp[2], ent[2];
    masked_logits(cat_raw, x);
    const int acts[2] = {3, 4};
    nn_categorical_log_prob(logp, x, acts, 2, K5);
    nn_categorical_entropy(ent, x, 2, K5);
    for (int b = 0; b < 2; b++) {
        cr_assert_float_eq(logp[b], direct_logp(cat_raw[b], cat_mask[b], acts[b]), 1e-5, "row %d", b);
        cr_assert_float_eq(ent[b], direct_entropy(cat_raw[b], cat_mask[b]), 1e-5, "row %d", b);
    }
    /* row 1 has two valid actions: its entropy is at most log 2 */
    cr_assert_leq(ent[1], log(2.0) + 1e-6);
}

typedef struct {
    float *x;   /* the raw logits of one row being perturbed */
    int b, a;
    double wlogp, went;
} cat_ctx;

static double cat_objective(void *vctx)
{
    cat_ctx *c = vctx;
    float m[2 * K5], raw[2][K5], lp, h;
    memcpy(raw, c->x, sizeof raw);
    masked_logits((const float(*)[K5])raw, m);
    nn_categorical_log_prob(&lp, m + c->b * K5, &c->a, 1, K5);
    nn_categorical_entropy(&h, m + c->b * K5, 1, K5);
    return c->wlogp * lp + c->went * h;
}

/* the gradient of w1 logp + w2 entropy: by finite differences on the raw logits, and 0 for an
 * invalid action's logit (it does not enter the distribution) */
Test(masked_categorical, gradient_matches_finite_differences)
{
    for (int b = 0; b < 2; b++) {
        float raw[2][K5], x[2 * K5], dx[2 * K5] = {0};
        memcpy(raw, cat_raw, sizeof raw);
        masked_logits(cat_raw, x);
        const int acts[2] = {2, 3};
        const float dlogp[2] = {0.7f, 0.7f}, dent[2] = {-0.3f, -0.3f};
        nn_categorical_backward(dx, x, acts, dlogp, dent, 2, K5);
        cat_ctx c = {&raw[0][0], b, acts[b], 0.7, -0.3};
        rlt_gradcheck_opts o = {.h = 1e-3, .rtol = 1e-2, .atol = 1e-4, .n_check = 2 * K5};
        float analytic[2 * K5] = {0};
        memcpy(analytic + b * K5, dx + b * K5, K5 * sizeof(float));
        rlt_gradcheck(cat_objective, &c, &raw[0][0], analytic, 2 * K5, &o, "masked categorical");
        for (int k = 0; k < K5; k++)
            if (!cat_mask[b][k]) cr_assert_eq(dx[b * K5 + k], 0.0f, "row %d invalid action %d", b, k);
    }
}

/* sampling and the mode never give an invalid action, whatever the invalid logits were */
Test(masked_categorical, never_samples_an_invalid_action)
{
    float x[2 * K5];
    masked_logits(cat_raw, x);
    rl_rng rng;
    rl_rng_seed(&rng, 11, 1);
    int a[2], seen[2][K5] = {{0}};
    for (int t = 0; t < 20000; t++) {
        nn_categorical_sample(a, x, 2, K5, &rng);
        for (int b = 0; b < 2; b++) {
            cr_assert(cat_mask[b][a[b]], "row %d sampled invalid action %d", b, a[b]);
            seen[b][a[b]]++;
        }
    }
    for (int b = 0; b < 2; b++)
        for (int k = 0; k < K5; k++)
            if (cat_mask[b][k]) cr_assert_gt(seen[b][k], 0, "row %d valid action %d never sampled", b, k);
    nn_categorical_mode(a, x, 2, K5);
    cr_assert_eq(a[0], 3);   /* raw logit 5.0 of action 4 is masked */
    cr_assert_eq(a[1], 3);
}
