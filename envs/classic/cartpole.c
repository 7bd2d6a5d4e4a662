/* rlc envs/classic: CartPole-v1 (Gymnasium cartpole.py, CartPoleEnv; spec A.1).
 *
 * Frictionless Barto-Sutton-Anderson cart-pole, float64 state, explicit Euler with tau = 0.02
 * (positions use the old velocities), termination on the updated state with strict
 * inequalities, reward +1 on every step including the terminating one and 0 on steps taken
 * after termination without a reset. Initial state: four i.i.d. U(-0.05, 0.05) draws in the
 * order x, x_dot, theta, theta_dot. */
#include <math.h>

#include "envs/classic/classic.h"

#define CP_GRAVITY 9.8
#define CP_MASSCART 1.0
#define CP_MASSPOLE 0.1
#define CP_TOTAL_MASS (CP_MASSPOLE + CP_MASSCART)
#define CP_LENGTH 0.5 /* half the pole length */
#define CP_POLEMASS_LENGTH (CP_MASSPOLE * CP_LENGTH)
#define CP_FORCE_MAG 10.0
#define CP_TAU 0.02
#define CP_X_THRESHOLD 2.4
#define CP_THETA_THRESHOLD (12.0 * 2.0 * M_PI / 360.0)

/* high = [2 * x_threshold, inf, 2 * theta_threshold, inf] as float32, low = -high */
static const float cp_obs_high[4] = {(float)(CP_X_THRESHOLD * 2.0), INFINITY,
                                     (float)(CP_THETA_THRESHOLD * 2.0), INFINITY};
static const float cp_obs_low[4] = {-(float)(CP_X_THRESHOLD * 2.0), -INFINITY,
                                    -(float)(CP_THETA_THRESHOLD * 2.0), -INFINITY};

static void cp_obs(const env_cartpole_state *s, float *obs)
{
    obs[0] = (float)s->x;
    obs[1] = (float)s->x_dot;
    obs[2] = (float)s->theta;
    obs[3] = (float)s->theta_dot;
}

static rl_status cp_init(void *state, char *err, size_t err_sz)
{
    (void)err;
    (void)err_sz;
    ((env_cartpole_state *)state)->steps_beyond_terminated = -1;
    return RL_OK;
}

static void cp_reset(void *state, rl_rng *rng, float *obs)
{
    env_cartpole_state *s = state;
    s->x = rl_rng_uniform(rng, -0.05, 0.05);
    s->x_dot = rl_rng_uniform(rng, -0.05, 0.05);
    s->theta = rl_rng_uniform(rng, -0.05, 0.05);
    s->theta_dot = rl_rng_uniform(rng, -0.05, 0.05);
    s->steps_beyond_terminated = -1;
    cp_obs(s, obs);
}

static void cp_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                    bool *terminated, bool *truncated)
{
    (void)rng;
    env_cartpole_state *s = state;
    int a = (int)action[0];
    RL_ASSERT_MSG((a == 0 || a == 1) && (float)a == action[0], "CartPole-v1 action must be 0 or 1");

    double force = a == 1 ? CP_FORCE_MAG : -CP_FORCE_MAG;
    double costheta = cos(s->theta), sintheta = sin(s->theta);
    double temp = (force + CP_POLEMASS_LENGTH * s->theta_dot * s->theta_dot * sintheta) /
                  CP_TOTAL_MASS;
    double thetaacc = (CP_GRAVITY * sintheta - costheta * temp) /
                      (CP_LENGTH * (4.0 / 3.0 - CP_MASSPOLE * costheta * costheta / CP_TOTAL_MASS));
    double xacc = temp - CP_POLEMASS_LENGTH * thetaacc * costheta / CP_TOTAL_MASS;

    /* explicit Euler: positions first, with the old velocities */
    s->x = s->x + CP_TAU * s->x_dot;
    s->x_dot = s->x_dot + CP_TAU * xacc;
    s->theta = s->theta + CP_TAU * s->theta_dot;
    s->theta_dot = s->theta_dot + CP_TAU * thetaacc;

    bool term = s->x < -CP_X_THRESHOLD || s->x > CP_X_THRESHOLD ||
                s->theta < -CP_THETA_THRESHOLD || s->theta > CP_THETA_THRESHOLD;
    bool sb = s->p.sutton_barto_reward;   /* Sutton and Barto's rewards: 0, then -1 at the end */
    if (!term) {
        *reward = sb ? 0.0f : 1.0f;
    } else if (s->steps_beyond_terminated < 0) {
        s->steps_beyond_terminated = 0;   /* the pole just fell: this step still pays +1 */
        *reward = sb ? -1.0f : 1.0f;
    } else {
        s->steps_beyond_terminated++;     /* stepping a finished episode: reward 0 */
        *reward = sb ? -1.0f : 0.0f;
    }
    *terminated = term;
    *truncated = false;
    cp_obs(s, obs);
}

static const env_cartpole_params cp_params = {.sutton_barto_reward = false};

const env_def env_cartpole_v1 = {
    .id = "CartPole-v1",
    .state_size = sizeof(env_cartpole_state),
    .max_episode_steps = 500,
    .reward_threshold = 475.0,
    .obs_space = {.kind = ENV_SPACE_BOX, .n = 0, .dim = 4, .low = cp_obs_low, .high = cp_obs_high},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 2, .dim = 1, .low = NULL, .high = NULL},
    .init = cp_init,
    .reset = cp_reset,
    .step = cp_step,
    .close = NULL,
    .params = &cp_params,
    .params_size = sizeof cp_params,
};
