/* rlc envs/classic: Acrobot-v1 (Gymnasium acrobot.py, AcrobotEnv; spec A.2).
 *
 * Two-link pendulum actuated at the middle joint, "book" dynamics (Sutton & Barto), one
 * classical RK4 step over dt = 0.2 s with the torque held constant, then both angles wrapped
 * into [-pi, pi] and the velocities clipped. The reset state is four U(-0.1, 0.1) draws rounded
 * to float32 (Gymnasium stores it as a float32 array); later states are float64.
 * Reward -1 per step, 0 on the terminal step (free end above the bar). */
#include <math.h>

#include "envs/classic/classic.h"

#define AB_DT 0.2
#define AB_L1 1.0
#define AB_M1 1.0
#define AB_M2 1.0
#define AB_LC1 0.5
#define AB_LC2 0.5
#define AB_I1 1.0
#define AB_I2 1.0
#define AB_G 9.8
#define AB_MAX_VEL_1 (4.0 * M_PI)
#define AB_MAX_VEL_2 (9.0 * M_PI)

static const float ab_obs_high[6] = {1.0f, 1.0f, 1.0f, 1.0f, (float)AB_MAX_VEL_1, (float)AB_MAX_VEL_2};
static const float ab_obs_low[6] = {-1.0f, -1.0f, -1.0f, -1.0f, -(float)AB_MAX_VEL_1,
                                    -(float)AB_MAX_VEL_2};

/* time derivative of y = (theta1, theta2, dtheta1, dtheta2) under torque a ("book" variant) */
static void ab_dsdt(const double y[4], double a, double dy[4])
{
    double theta1 = y[0], theta2 = y[1], dtheta1 = y[2], dtheta2 = y[3];
    double d1 = AB_M1 * AB_LC1 * AB_LC1 +
                AB_M2 * (AB_L1 * AB_L1 + AB_LC2 * AB_LC2 + 2.0 * AB_L1 * AB_LC2 * cos(theta2)) +
                AB_I1 + AB_I2;
    double d2 = AB_M2 * (AB_LC2 * AB_LC2 + AB_L1 * AB_LC2 * cos(theta2)) + AB_I2;
    double phi2 = AB_M2 * AB_LC2 * AB_G * cos(theta1 + theta2 - M_PI / 2.0);
    double phi1 = -AB_M2 * AB_L1 * AB_LC2 * dtheta2 * dtheta2 * sin(theta2) -
                  2.0 * AB_M2 * AB_L1 * AB_LC2 * dtheta2 * dtheta1 * sin(theta2) +
                  (AB_M1 * AB_LC1 + AB_M2 * AB_L1) * AB_G * cos(theta1 - M_PI / 2.0) + phi2;
    double ddtheta2 = (a + d2 / d1 * phi1 - AB_M2 * AB_L1 * AB_LC2 * dtheta1 * dtheta1 * sin(theta2) -
                       phi2) /
                      (AB_M2 * AB_LC2 * AB_LC2 + AB_I2 - d2 * d2 / d1);
    double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    dy[0] = dtheta1;
    dy[1] = dtheta2;
    dy[2] = ddtheta1;
    dy[3] = ddtheta2;
}

/* Gymnasium's wrap: repeated shifts by (hi - lo) until x is in [lo, hi] */
static double ab_wrap(double x, double lo, double hi)
{
    double diff = hi - lo;
    if (!isfinite(x)) return x;   /* the loops below would never end on an infinity */
    while (x > hi) x = x - diff;
    while (x < lo) x = x + diff;
    return x;
}

static double ab_clip(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

static void ab_obs(const env_acrobot_state *s, float *obs)
{
    obs[0] = (float)cos(s->theta1);
    obs[1] = (float)sin(s->theta1);
    obs[2] = (float)cos(s->theta2);
    obs[3] = (float)sin(s->theta2);
    obs[4] = (float)s->dtheta1;
    obs[5] = (float)s->dtheta2;
}

static rl_status ab_init(void *state, char *err, size_t err_sz)
{
    (void)state;
    (void)err;
    (void)err_sz;
    return RL_OK;
}

static void ab_reset(void *state, rl_rng *rng, float *obs)
{
    env_acrobot_state *s = state;
    s->theta1 = (float)rl_rng_uniform(rng, -0.1, 0.1);
    s->theta2 = (float)rl_rng_uniform(rng, -0.1, 0.1);
    s->dtheta1 = (float)rl_rng_uniform(rng, -0.1, 0.1);
    s->dtheta2 = (float)rl_rng_uniform(rng, -0.1, 0.1);
    ab_obs(s, obs);
}

static void ab_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                    bool *terminated, bool *truncated)
{
    (void)rng;
    env_acrobot_state *s = state;
    int a = (int)action[0];
    RL_ASSERT_MSG(a >= 0 && a <= 2 && (float)a == action[0], "Acrobot-v1 action must be 0, 1 or 2");
    double torque = (double)(a - 1);   /* {-1, 0, +1} */

    /* one RK4 step over [0, dt] */
    double y[4] = {s->theta1, s->theta2, s->dtheta1, s->dtheta2};
    double k1[4], k2[4], k3[4], k4[4], yt[4];
    const double dt = AB_DT, dt2 = AB_DT / 2.0;
    ab_dsdt(y, torque, k1);
    for (int i = 0; i < 4; i++) yt[i] = y[i] + dt2 * k1[i];
    ab_dsdt(yt, torque, k2);
    for (int i = 0; i < 4; i++) yt[i] = y[i] + dt2 * k2[i];
    ab_dsdt(yt, torque, k3);
    for (int i = 0; i < 4; i++) yt[i] = y[i] + dt * k3[i];
    ab_dsdt(yt, torque, k4);
    double ns[4];
    for (int i = 0; i < 4; i++) ns[i] = y[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);

    s->theta1 = ab_wrap(ns[0], -M_PI, M_PI);
    s->theta2 = ab_wrap(ns[1], -M_PI, M_PI);
    s->dtheta1 = ab_clip(ns[2], -AB_MAX_VEL_1, AB_MAX_VEL_1);
    s->dtheta2 = ab_clip(ns[3], -AB_MAX_VEL_2, AB_MAX_VEL_2);

    bool term = -cos(s->theta1) - cos(s->theta2 + s->theta1) > 1.0;
    *reward = term ? 0.0f : -1.0f;
    *terminated = term;
    *truncated = false;
    ab_obs(s, obs);
}

const env_def env_acrobot_v1 = {
    .id = "Acrobot-v1",
    .state_size = sizeof(env_acrobot_state),
    .max_episode_steps = 500,
    .reward_threshold = -100.0,
    .obs_space = {.kind = ENV_SPACE_BOX, .n = 0, .dim = 6, .low = ab_obs_low, .high = ab_obs_high},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 3, .dim = 1, .low = NULL, .high = NULL},
    .init = ab_init,
    .reset = ab_reset,
    .step = ab_step,
    .close = NULL,
};
