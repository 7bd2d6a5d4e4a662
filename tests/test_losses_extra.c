/* rlc tests: losses added after the catalogue's fixtures: the unclipped PPO surrogate. */
#include <criterion/criterion.h>
#include <math.h>

#include "losses/loss.h"
#include "tests/helpers/testutil.h"

typedef struct {
    float *logp, *logp_old, *adv, *w;
    int n;
} surr_ctx;

static double surr_obj(void *c)
{
    surr_ctx *s = c;
    return loss_ppo_unclipped(s->logp, s->logp_old, s->adv, s->w, s->n, NULL);
}

Test(losses_extra, ppo_unclipped_value_and_gradient)
{
    float logp[5] = {-0.5f, -1.2f, -0.1f, -2.0f, -0.7f}, old[5] = {-0.6f, -1.0f, -0.3f, -1.5f, -0.7f};
    float adv[5] = {1.0f, -0.5f, 2.0f, 0.3f, -1.5f}, w[5] = {1.0f, 0.5f, 2.0f, 1.0f, 1.5f}, d[5];
    /* the value by hand, in double */
    double want = 0.0;
    for (int i = 0; i < 5; i++) want += -w[i] * adv[i] * exp((double)logp[i] - old[i]);
    want /= 5;
    float got = loss_ppo_unclipped(logp, old, adv, w, 5, d);
    cr_assert_float_eq(got, want, 1e-6);
    surr_ctx c = {logp, old, adv, w, 5};
    rlt_gradcheck(surr_obj, &c, logp, d, 5, NULL, "ppo_unclipped dlogp");
    /* far outside PPO's clip range the gradient keeps growing with the ratio (no clipping) */
    float lp = 1.0f, lo = 0.0f, a = 1.0f, g;
    loss_ppo_unclipped(&lp, &lo, &a, NULL, 1, &g);
    cr_assert_float_eq(g, -expf(1.0f), 1e-5);
    cr_assert_float_eq(loss_ppo_clip(&lp, &lo, &a, NULL, 1, 0.2f, &g, NULL, NULL), -1.2f, 1e-6);
    cr_assert_eq(g, 0.0f, "the clipped surrogate has no gradient there");
    /* registered and usable from a policy slot */
    loss_spec s;
    char err[256];
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS(LOSS_KIND_POLICY_RATIO), "ppo_unclipped", NULL, NULL, 0, "t", err, sizeof err), RL_OK, "%s", err);
    cr_assert_float_eq(loss_policy_eval(&s, logp, old, adv, w, 5, d), want, 1e-6);
}
