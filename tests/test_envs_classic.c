/* rlc tests: Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0 and Pendulum-v1 against the
 * equations of spec section A (re-derived here in double, independently of envs/classic), each
 * termination and truncation condition, the initial-state ranges and the reward quirks of the
 * spec's "Surprises" list. CartPole-v1 is in test_envs.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "envs/classic/classic.h"
#include "envs/env.h"

static env_instance make_env(const char *id)
{
    env_instance e;
    char err[256];
    cr_assert_eq(env_make(&e, id, 0, err, sizeof(err)), RL_OK, "env_make(%s): %s", id, err);
    return e;
}

typedef struct {
    float obs[8], reward;
    bool term, trunc;
} step_out;

static step_out step1(env_instance *e, float action)
{
    step_out o;
    env_step(e, &action, o.obs, &o.reward, &o.term, &o.trunc);
    return o;
}

static void check_registration(const char *id, int max_steps, double threshold, int obs_dim,
                               const float *high, const float *low, env_space_kind act_kind,
                               int act_n)
{
    const env_def *d = env_find(id);
    cr_assert_not_null(d, "%s", id);
    cr_assert_eq(d->max_episode_steps, max_steps, "%s", id);
    if (isnan(threshold)) cr_assert(isnan(d->reward_threshold), "%s has no threshold", id);
    else cr_assert_eq(d->reward_threshold, threshold, "%s", id);
    cr_assert_eq(d->obs_space.kind, ENV_SPACE_BOX);
    cr_assert_eq(d->obs_space.dim, obs_dim);
    for (int i = 0; i < obs_dim; i++) {
        cr_assert_float_eq(d->obs_space.high[i], high[i], 1e-6f, "%s high[%d]", id, i);
        cr_assert_float_eq(d->obs_space.low[i], low[i], 1e-6f, "%s low[%d]", id, i);
    }
    cr_assert_eq(d->act_space.kind, act_kind);
    if (act_kind == ENV_SPACE_DISCRETE) cr_assert_eq(d->act_space.n, act_n);
    else cr_assert_eq(d->act_space.dim, act_n);
}

/* ---- Acrobot-v1 -------------------------------------------------------------------------- */

/* spec A.2, "book" dynamics: derivative of (th1, th2, dth1, dth2) under torque a */
static void ref_ab_f(const double *y, double a, double *dy)
{
    const double m1 = 1, m2 = 1, l1 = 1, lc1 = 0.5, lc2 = 0.5, I1 = 1, I2 = 1, g = 9.8;
    double th1 = y[0], th2 = y[1], w1 = y[2], w2 = y[3];
    double d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos(th2)) + I1 + I2;
    double d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos(th2)) + I2;
    double phi2 = m2 * lc2 * g * cos(th1 + th2 - M_PI / 2);
    double phi1 = -m2 * l1 * lc2 * w2 * w2 * sin(th2) - 2 * m2 * l1 * lc2 * w2 * w1 * sin(th2) +
                  (m1 * lc1 + m2 * l1) * g * cos(th1 - M_PI / 2) + phi2;
    double dd2 = (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * w1 * w1 * sin(th2) - phi2) /
                 (m2 * lc2 * lc2 + I2 - d2 * d2 / d1);
    double dd1 = -(d2 * dd2 + phi1) / d1;
    dy[0] = w1;
    dy[1] = w2;
    dy[2] = dd1;
    dy[3] = dd2;
}

/* one RK4 step of 0.2 s, no wrapping or clipping (out = raw next state) */
static void ref_ab_rk4(const double *y, double a, double *out)
{
    const double h = 0.2;
    double k1[4], k2[4], k3[4], k4[4], t[4];
    ref_ab_f(y, a, k1);
    for (int i = 0; i < 4; i++) t[i] = y[i] + h / 2 * k1[i];
    ref_ab_f(t, a, k2);
    for (int i = 0; i < 4; i++) t[i] = y[i] + h / 2 * k2[i];
    ref_ab_f(t, a, k3);
    for (int i = 0; i < 4; i++) t[i] = y[i] + h * k3[i];
    ref_ab_f(t, a, k4);
    for (int i = 0; i < 4; i++) out[i] = y[i] + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
}

/* the angle in [-pi, pi] equal to x modulo 2 pi (a different method from the env's loop) */
static double ref_wrap(double x) { return x - 2 * M_PI * round(x / (2 * M_PI)); }

static void set_ab(env_instance *e, double t1, double t2, double w1, double w2)
{
    env_acrobot_state *s = e->state;
    s->theta1 = t1;
    s->theta2 = t2;
    s->dtheta1 = w1;
    s->dtheta2 = w2;
}

Test(acrobot, registration_and_spaces)
{
    const float hi[6] = {1, 1, 1, 1, 12.566371f, 28.274334f};
    const float lo[6] = {-1, -1, -1, -1, -12.566371f, -28.274334f};
    check_registration("Acrobot-v1", 500, -100.0, 6, hi, lo, ENV_SPACE_DISCRETE, 3);
}

Test(acrobot, reset_is_float32_rounded_and_in_range)
{
    env_instance e = make_env("Acrobot-v1");
    float obs[6];
    double lo = 1, hi = -1;
    for (int k = 0; k < 200; k++) {
        env_reset(&e, k == 0 ? 11 : -1, obs);
        const env_acrobot_state *s = e.state;
        double v[4] = {s->theta1, s->theta2, s->dtheta1, s->dtheta2};
        for (int i = 0; i < 4; i++) {
            cr_assert(v[i] >= -0.1 && v[i] <= 0.1, "component %d = %g", i, v[i]);
            cr_assert_eq(v[i], (double)(float)v[i], "component %d is a float32 value", i);
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
        cr_assert_eq(obs[0], (float)cos(v[0]));
        cr_assert_eq(obs[1], (float)sin(v[0]));
        cr_assert_eq(obs[2], (float)cos(v[1]));
        cr_assert_eq(obs[3], (float)sin(v[1]));
        cr_assert_eq(obs[4], (float)v[2]);
        cr_assert_eq(obs[5], (float)v[3]);
    }
    cr_assert_lt(lo, -0.095);
    cr_assert_gt(hi, 0.095);
    env_close(&e);
}

Test(acrobot, steps_follow_book_dynamics_rk4)
{
    env_instance e = make_env("Acrobot-v1");
    float obs[6];
    env_reset(&e, 2, obs);
    const env_acrobot_state *s = e.state;
    double y[4] = {s->theta1, s->theta2, s->dtheta1, s->dtheta2};
    for (int t = 0; t < 40; t++) {
        int a = (t / 3) % 3;
        step_out o = step1(&e, (float)a);
        double n[4];
        ref_ab_rk4(y, (double)(a - 1), n);
        n[0] = ref_wrap(n[0]);
        n[1] = ref_wrap(n[1]);
        n[2] = fmin(fmax(n[2], -4 * M_PI), 4 * M_PI);
        n[3] = fmin(fmax(n[3], -9 * M_PI), 9 * M_PI);
        cr_assert_float_eq(s->theta1, n[0], 1e-9, "t=%d theta1", t);
        cr_assert_float_eq(s->theta2, n[1], 1e-9, "t=%d theta2", t);
        cr_assert_float_eq(s->dtheta1, n[2], 1e-9, "t=%d dtheta1", t);
        cr_assert_float_eq(s->dtheta2, n[3], 1e-9, "t=%d dtheta2", t);
        bool term = -cos(n[0]) - cos(n[0] + n[1]) > 1.0;
        cr_assert_eq(o.term, term);
        cr_assert_eq(o.reward, term ? 0.0f : -1.0f);
        cr_assert_float_eq(o.obs[1], (float)sin(n[0]), 1e-6f);
        cr_assert_float_eq(o.obs[5], (float)n[3], 1e-5f);
        if (term) break;
        memcpy(y, (double[4]){s->theta1, s->theta2, s->dtheta1, s->dtheta2}, sizeof(y));
    }
    /* torque matters: the same state with actions 0 and 2 goes different ways */
    set_ab(&e, 0.1, 0.2, 0, 0);
    step1(&e, 0.0f);
    double th2_left = s->theta2;
    set_ab(&e, 0.1, 0.2, 0, 0);
    step1(&e, 2.0f);
    cr_assert_gt(s->theta2, th2_left);
    env_close(&e);
}

Test(acrobot, angles_wrap_and_velocities_clip)
{
    env_instance e = make_env("Acrobot-v1");
    float obs[6];
    env_reset(&e, 0, obs);
    const env_acrobot_state *s = e.state;
    /* theta1 just below pi, spinning forward: crosses pi and wraps to near -pi */
    double y[4] = {M_PI - 0.05, 0.0, 3.0, 0.0}, n[4];
    set_ab(&e, y[0], y[1], y[2], y[3]);
    step1(&e, 1.0f);
    ref_ab_rk4(y, 0.0, n);
    cr_assert_gt(n[0], M_PI, "the raw RK4 result is past pi");
    cr_assert(s->theta1 >= -M_PI && s->theta1 <= M_PI);
    cr_assert_float_eq(s->theta1, n[0] - 2 * M_PI, 1e-12);
    /* theta2 below -pi wraps up */
    double y2[4] = {0.0, -M_PI + 0.05, 0.0, -3.0};
    set_ab(&e, y2[0], y2[1], y2[2], y2[3]);
    step1(&e, 1.0f);
    ref_ab_rk4(y2, 0.0, n);
    cr_assert_lt(n[1], -M_PI);
    cr_assert_float_eq(s->theta2, n[1] + 2 * M_PI, 1e-12);
    /* velocities beyond the limits are clipped to exactly +-4 pi and +-9 pi */
    double y3[4] = {0.0, 0.0, 4 * M_PI + 3.0, -(9 * M_PI + 3.0)};
    set_ab(&e, y3[0], y3[1], y3[2], y3[3]);
    step_out o = step1(&e, 1.0f);
    ref_ab_rk4(y3, 0.0, n);
    cr_assert_gt(n[2], 4 * M_PI);
    cr_assert_lt(n[3], -9 * M_PI);
    cr_assert_eq(s->dtheta1, 4 * M_PI);
    cr_assert_eq(s->dtheta2, -9 * M_PI);
    cr_assert_eq(o.obs[4], (float)(4 * M_PI));
    env_close(&e);
}

Test(acrobot, terminal_when_tip_above_bar_reward_zero)
{
    env_instance e = make_env("Acrobot-v1");
    float obs[6];
    env_reset(&e, 0, obs);
    /* straight up and at rest: -cos(pi) - cos(pi) = 2 > 1 after a 0.2 s step */
    set_ab(&e, M_PI - 1e-3, 0.0, 0.0, 0.0);
    step_out o = step1(&e, 1.0f);
    cr_assert(o.term);
    cr_assert(!o.trunc);
    cr_assert_eq(o.reward, 0.0f, "the terminal step pays 0");
    /* hanging down: not terminal, -1 */
    set_ab(&e, 0.0, 0.0, 0.0, 0.0);
    o = step1(&e, 1.0f);
    cr_assert(!o.term);
    cr_assert_eq(o.reward, -1.0f);
    /* tip height just below 1 (first link horizontal, second pointing up by less than needed):
     * the strict inequality on the post-step state decides; checked against the formula */
    set_ab(&e, M_PI / 2, M_PI / 2 - 0.2, 0.0, 0.0);
    o = step1(&e, 1.0f);
    const env_acrobot_state *s = e.state;
    cr_assert_eq(o.term, -cos(s->theta1) - cos(s->theta1 + s->theta2) > 1.0);
    env_close(&e);
}

Test(acrobot, truncates_at_500)
{
    env_instance e = make_env("Acrobot-v1");
    float obs[6];
    env_reset(&e, 0, obs);
    set_ab(&e, 0, 0, 0, 0);   /* at rest hanging down with zero torque: it stays there */
    step_out o = {0};
    for (int t = 1; t <= 500; t++) {
        o = step1(&e, 1.0f);
        cr_assert(!o.term);
        cr_assert_eq(o.trunc, t == 500, "t=%d", t);
    }
    cr_assert_float_eq(e.ep_return, -500.0, 1e-9);
    env_close(&e);
}

/* ---- MountainCar-v0 and MountainCarContinuous-v0 ----------------------------------------- */

static void set_mc(env_instance *e, double p, double v)
{
    env_mountain_car_state *s = e->state;
    s->position = p;
    s->velocity = v;
}

/* spec A.3 / A.4 track update with a given velocity change */
static void ref_mc_move(double *p, double *v, double dv)
{
    *v = fmin(fmax(*v + dv, -0.07), 0.07);
    *p = fmin(fmax(*p + *v, -1.2), 0.6);
    if (*p == -1.2 && *v < 0) *v = 0;
}

Test(mountain_car, registration_and_spaces)
{
    const float hi[2] = {0.6f, 0.07f}, lo[2] = {-1.2f, -0.07f};
    check_registration("MountainCar-v0", 200, -110.0, 2, hi, lo, ENV_SPACE_DISCRETE, 3);
    check_registration("MountainCarContinuous-v0", 999, 90.0, 2, hi, lo, ENV_SPACE_BOX, 1);
    const env_def *d = env_find("MountainCarContinuous-v0");
    cr_assert_eq(d->act_space.low[0], -1.0f);
    cr_assert_eq(d->act_space.high[0], 1.0f);
}

Test(mountain_car, steps_follow_the_equations)
{
    env_instance e = make_env("MountainCar-v0");
    float obs[2];
    env_reset(&e, 4, obs);
    const env_mountain_car_state *s = e.state;
    double p = s->position, v = s->velocity;
    cr_assert_eq(v, 0.0);
    for (int t = 0; t < 150; t++) {
        int a = (t / 15) % 2 ? 2 : 0;   /* rock back and forth */
        step_out o = step1(&e, (float)a);
        ref_mc_move(&p, &v, (a - 1) * 0.001 - 0.0025 * cos(3 * p));
        cr_assert_float_eq(s->position, p, 1e-15, "t=%d", t);
        cr_assert_float_eq(s->velocity, v, 1e-15, "t=%d", t);
        cr_assert_eq(o.obs[0], (float)s->position);
        cr_assert_eq(o.obs[1], (float)s->velocity);
        cr_assert_eq(o.reward, -1.0f);
        cr_assert_eq(o.term, p >= 0.5 && v >= 0);
        if (o.term) break;
    }
    env_close(&e);
}

Test(mountain_car, walls_and_goal)
{
    env_instance e = make_env("MountainCar-v0");
    float obs[2];
    env_reset(&e, 0, obs);
    const env_mountain_car_state *s = e.state;
    /* left wall: clipped to -1.2 with the velocity zeroed */
    set_mc(&e, -1.19, -0.05);
    step_out o = step1(&e, 0.0f);
    cr_assert_eq(s->position, -1.2);
    cr_assert_eq(s->velocity, 0.0);
    cr_assert(!o.term);
    /* right bound: position clipped to 0.6, velocity NOT zeroed; goal reached */
    set_mc(&e, 0.59, 0.07);
    o = step1(&e, 2.0f);
    cr_assert_eq(s->position, 0.6);
    cr_assert_gt(s->velocity, 0.0);
    cr_assert(o.term);
    cr_assert_eq(o.reward, -1.0f, "the terminal step still pays -1");
    /* past the goal position but moving left: not terminal */
    set_mc(&e, 0.55, -0.01);
    o = step1(&e, 1.0f);
    cr_assert_geq(s->position, 0.5);
    cr_assert_lt(s->velocity, 0.0);
    cr_assert(!o.term);
    /* the goal is 0.5: 0.46 moving right is not terminal for the discrete car */
    set_mc(&e, 0.44, 0.02);
    o = step1(&e, 2.0f);
    cr_assert(s->position > 0.45 && s->position < 0.5);
    cr_assert(!o.term);
    /* speed is clipped to 0.07 */
    set_mc(&e, -0.5, 0.0699);
    step1(&e, 2.0f);
    cr_assert_eq(s->velocity, 0.07);
    env_close(&e);
}

Test(mountain_car, truncates_at_200_and_initial_range)
{
    env_instance e = make_env("MountainCar-v0");
    float obs[2];
    double lo = 0, hi = -1;
    for (int k = 0; k < 200; k++) {
        env_reset(&e, k == 0 ? 9 : -1, obs);
        const env_mountain_car_state *s = e.state;
        cr_assert(s->position >= -0.6 && s->position < -0.4, "%g", s->position);
        cr_assert_eq(s->velocity, 0.0);
        lo = fmin(lo, s->position);
        hi = fmax(hi, s->position);
    }
    cr_assert_lt(lo, -0.59);
    cr_assert_gt(hi, -0.41);
    step_out o = {0};
    for (int t = 1; t <= 200; t++) {
        o = step1(&e, 1.0f);   /* doing nothing never reaches the goal */
        cr_assert(!o.term);
        cr_assert_eq(o.trunc, t == 200);
    }
    cr_assert_float_eq(e.ep_return, -200.0, 1e-9);
    env_close(&e);
}

Test(mountain_car_continuous, steps_follow_the_equations_with_float32_state)
{
    env_instance e = make_env("MountainCarContinuous-v0");
    float obs[2];
    env_reset(&e, 6, obs);
    const env_mountain_car_state *s = e.state;
    cr_assert_eq(s->position, (double)(float)s->position, "reset position is float32");
    double p = s->position, v = s->velocity;
    for (int t = 0; t < 120; t++) {
        float a = 0.9f * sinf(0.13f * (float)t);
        step_out o = step1(&e, a);
        ref_mc_move(&p, &v, (double)a * 0.0015 - 0.0025 * cos(3 * p));
        bool term = p >= 0.45 && v >= 0;
        p = (float)p;
        v = (float)v;
        cr_assert_eq(s->position, p, "t=%d", t);
        cr_assert_eq(s->velocity, v, "t=%d", t);
        cr_assert_eq(s->position, (double)(float)s->position, "state rounded to float32");
        cr_assert_eq(s->velocity, (double)(float)s->velocity);
        cr_assert_float_eq(o.reward, (term ? 100.0 : 0.0) - 0.1 * (double)a * a, 1e-6);
        cr_assert_eq(o.term, term);
        if (term) break;
    }
    env_close(&e);
}

Test(mountain_car_continuous, goal_is_045_and_penalty_uses_raw_action)
{
    env_instance e = make_env("MountainCarContinuous-v0");
    float obs[2];
    env_reset(&e, 0, obs);
    const env_mountain_car_state *s = e.state;
    /* 0.44 moving right ends at ~0.46: terminal here (goal 0.45), not for MountainCar-v0 */
    set_mc(&e, 0.44, 0.02);
    step_out o = step1(&e, 0.5f);
    cr_assert(s->position >= 0.45 && s->position < 0.5);
    cr_assert(o.term);
    cr_assert_float_eq(o.reward, 100.0 - 0.1 * 0.25, 1e-5);
    /* an action of 3 pushes like 1 but is penalised as 3^2 */
    set_mc(&e, -0.5, 0.0);
    o = step1(&e, 3.0f);
    double p3 = s->position, v3 = s->velocity;
    cr_assert_float_eq(o.reward, -0.9f, 1e-6f, "penalty 0.1 * 3^2, not 0.1 * 1^2");
    set_mc(&e, -0.5, 0.0);
    o = step1(&e, 1.0f);
    cr_assert_eq(s->position, p3);
    cr_assert_eq(s->velocity, v3, "the force is clipped to 1");
    cr_assert_float_eq(o.reward, -0.1f, 1e-7f);
    /* left wall as in the discrete car */
    set_mc(&e, -1.19, -0.05);
    o = step1(&e, -1.0f);
    cr_assert_eq(s->position, (double)(float)-1.2);
    cr_assert_eq(s->velocity, 0.0);
    env_close(&e);
}

Test(mountain_car_continuous, truncates_at_999)
{
    env_instance e = make_env("MountainCarContinuous-v0");
    float obs[2];
    env_reset(&e, 1, obs);
    step_out o = {0};
    for (int t = 1; t <= 999; t++) {
        o = step1(&e, 0.0f);
        cr_assert(!o.term);
        cr_assert_eq(o.trunc, t == 999, "t=%d", t);
    }
    cr_assert_eq(e.ep_return, 0.0, "no action, no penalty, no goal");
    env_close(&e);
}

/* ---- Pendulum-v1 ------------------------------------------------------------------------- */

static void set_pd(env_instance *e, double th, double thd)
{
    env_pendulum_state *s = e->state;
    s->theta = th;
    s->theta_dot = thd;
}

/* spec A.5 angle_normalize with Python's floor-mod */
static double ref_norm(double x)
{
    double m = x + M_PI;
    return m - 2 * M_PI * floor(m / (2 * M_PI)) - M_PI;
}

Test(pendulum, registration_and_spaces)
{
    const float hi[3] = {1, 1, 8}, lo[3] = {-1, -1, -8};
    check_registration("Pendulum-v1", 200, NAN, 3, hi, lo, ENV_SPACE_BOX, 1);
    const env_def *d = env_find("Pendulum-v1");
    cr_assert_eq(d->act_space.low[0], -2.0f);
    cr_assert_eq(d->act_space.high[0], 2.0f);
}

Test(pendulum, steps_follow_the_equations)
{
    env_instance e = make_env("Pendulum-v1");
    float obs[3];
    env_reset(&e, 8, obs);
    const env_pendulum_state *s = e.state;
    double th = s->theta, thd = s->theta_dot;
    for (int t = 0; t < 100; t++) {
        float a = 2.5f * cosf(0.21f * (float)t);   /* sometimes beyond the limit of 2 */
        step_out o = step1(&e, a);
        double u = fmin(fmax((double)a, -2.0), 2.0);
        double cost = ref_norm(th) * ref_norm(th) + 0.1 * thd * thd + 0.001 * u * u;
        double nthd = fmin(fmax(thd + (3 * 10.0 / 2 * sin(th) + 3.0 * u) * 0.05, -8.0), 8.0);
        th = th + nthd * 0.05;
        thd = nthd;
        cr_assert_float_eq(o.reward, (float)-cost, 1e-5f, "t=%d", t);
        cr_assert_float_eq(s->theta, th, 1e-12, "t=%d", t);
        cr_assert_float_eq(s->theta_dot, thd, 1e-12, "t=%d", t);
        cr_assert_float_eq(o.obs[0], (float)cos(th), 1e-6f);
        cr_assert_float_eq(o.obs[1], (float)sin(th), 1e-6f);
        cr_assert_eq(o.obs[2], (float)thd);
        cr_assert(!o.term && !o.trunc);
        cr_assert(o.reward <= 0.0f && o.reward >= -16.2736044f);
    }
    env_close(&e);
}

Test(pendulum, cost_uses_pre_step_state_and_normalised_angle)
{
    env_instance e = make_env("Pendulum-v1");
    float obs[3];
    env_reset(&e, 0, obs);
    const env_pendulum_state *s = e.state;
    /* theta = 2 pi + 0.3 (unwrapped), theta_dot = 1, u = 0.5:
     * cost = 0.3^2 + 0.1 * 1 + 0.001 * 0.25 = 0.19025 -- the PRE-step state */
    set_pd(&e, 2 * M_PI + 0.3, 1.0);
    step_out o = step1(&e, 0.5f);
    cr_assert_float_eq(o.reward, -0.19025f, 1e-6f);
    /* theta is never wrapped */
    cr_assert_gt(s->theta, 2 * M_PI);
    /* -4 pi - 0.3 normalises to -0.3 */
    set_pd(&e, -4 * M_PI - 0.3, 0.0);
    o = step1(&e, 0.0f);
    cr_assert_float_eq(o.reward, -0.09f, 1e-6f);
    cr_assert_lt(s->theta, -4 * M_PI);
    /* the worst case: theta = pi (normalises to -pi), |theta_dot| = 8, |u| = 2 */
    set_pd(&e, M_PI, 8.0);
    o = step1(&e, 2.0f);
    cr_assert_float_eq(o.reward, -16.2736044f, 1e-5f);
    cr_assert_eq(s->theta_dot, 8.0, "velocity clipped to 8");
    /* the action is clipped to 2 before the cost */
    set_pd(&e, 0.0, 0.0);
    o = step1(&e, 10.0f);
    cr_assert_float_eq(o.reward, -0.004f, 1e-7f);
    cr_assert_eq(((env_pendulum_state *)e.state)->last_u, 2.0f);
    env_close(&e);
}

Test(pendulum, truncates_at_200_never_terminates_and_initial_range)
{
    env_instance e = make_env("Pendulum-v1");
    float obs[3];
    double lo[2] = {1, 1}, hi[2] = {-1, -1};
    for (int k = 0; k < 300; k++) {
        env_reset(&e, k == 0 ? 21 : -1, obs);
        const env_pendulum_state *s = e.state;
        cr_assert(s->theta >= -M_PI && s->theta < M_PI);
        cr_assert(s->theta_dot >= -1.0 && s->theta_dot < 1.0);
        lo[0] = fmin(lo[0], s->theta);
        hi[0] = fmax(hi[0], s->theta);
        lo[1] = fmin(lo[1], s->theta_dot);
        hi[1] = fmax(hi[1], s->theta_dot);
    }
    cr_assert(lo[0] < -3.0 && hi[0] > 3.0);
    cr_assert(lo[1] < -0.95 && hi[1] > 0.95);
    step_out o = {0};
    for (int t = 1; t <= 200; t++) {
        o = step1(&e, 2.0f);
        cr_assert(!o.term);
        cr_assert_eq(o.trunc, t == 200);
    }
    env_close(&e);
}
