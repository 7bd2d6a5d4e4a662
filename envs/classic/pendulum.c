/* rlc envs/classic: Pendulum-v1 (Gymnasium pendulum.py, PendulumEnv; spec A.5).
 *
 * Torque-limited swing-up. The cost is computed on the state BEFORE the update, with the angle
 * normalised to [-pi, pi) (floor-mod); the state's theta itself is never wrapped. Semi-implicit
 * Euler (new velocity first, clipped to +-8, then theta with the new velocity), dt = 0.05,
 * g = 10. Never terminates; truncated at 200 steps. Initial theta U(-pi, pi), theta_dot U(-1, 1). */
#include <math.h>

#include "envs/classic/classic.h"

#define PD_MAX_SPEED 8.0
#define PD_MAX_TORQUE 2.0
#define PD_DT 0.05
#define PD_G 10.0
#define PD_M 1.0
#define PD_L 1.0

static const float pd_obs_high[3] = {1.0f, 1.0f, (float)PD_MAX_SPEED};
static const float pd_obs_low[3] = {-1.0f, -1.0f, -(float)PD_MAX_SPEED};
static const float pd_act_high[1] = {(float)PD_MAX_TORQUE};
static const float pd_act_low[1] = {-(float)PD_MAX_TORQUE};

/* ((x + pi) mod 2 pi) - pi with Python's floor-mod (result in [-pi, pi)) */
static double pd_angle_normalize(double x)
{
    double m = fmod(x + M_PI, 2.0 * M_PI);
    if (m < 0.0) m += 2.0 * M_PI;
    return m - M_PI;
}

static void pd_obs(const env_pendulum_state *s, float *obs)
{
    obs[0] = (float)cos(s->theta);
    obs[1] = (float)sin(s->theta);
    obs[2] = (float)s->theta_dot;
}

static rl_status pd_init(void *state, char *err, size_t err_sz)
{
    (void)state;
    (void)err;
    (void)err_sz;
    return RL_OK;
}

static void pd_reset(void *state, rl_rng *rng, float *obs)
{
    env_pendulum_state *s = state;
    s->theta = rl_rng_uniform(rng, -M_PI, M_PI);
    s->theta_dot = rl_rng_uniform(rng, -1.0, 1.0);
    s->last_u = 0.0f;
    pd_obs(s, obs);
}

static void pd_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                    bool *terminated, bool *truncated)
{
    (void)rng;
    env_pendulum_state *s = state;
    float uf = action[0];
    if (uf < -(float)PD_MAX_TORQUE) uf = -(float)PD_MAX_TORQUE;
    if (uf > (float)PD_MAX_TORQUE) uf = (float)PD_MAX_TORQUE;
    s->last_u = uf;
    double u = (double)uf, th = s->theta, thdot = s->theta_dot;
    double an = pd_angle_normalize(th);
    double cost = an * an + 0.1 * thdot * thdot + 0.001 * (u * u);   /* pre-update state */
    double newthdot = thdot + (3.0 * s->p.g / (2.0 * PD_L) * sin(th) + 3.0 / (PD_M * PD_L * PD_L) * u) * PD_DT;
    if (newthdot < -PD_MAX_SPEED) newthdot = -PD_MAX_SPEED;
    if (newthdot > PD_MAX_SPEED) newthdot = PD_MAX_SPEED;
    s->theta = th + newthdot * PD_DT;
    s->theta_dot = newthdot;
    *reward = (float)-cost;
    *terminated = false;
    *truncated = false;
    pd_obs(s, obs);
}

static const env_pendulum_params pd_params = {.g = PD_G};

const env_def env_pendulum_v1 = {
    .id = "Pendulum-v1",
    .state_size = sizeof(env_pendulum_state),
    .max_episode_steps = 200,
    .reward_threshold = NAN,
    .obs_space = {.kind = ENV_SPACE_BOX, .n = 0, .dim = 3, .low = pd_obs_low, .high = pd_obs_high},
    .act_space = {.kind = ENV_SPACE_BOX, .n = 0, .dim = 1, .low = pd_act_low, .high = pd_act_high},
    .init = pd_init,
    .reset = pd_reset,
    .step = pd_step,
    .close = NULL,
    .params = &pd_params,
    .params_size = sizeof pd_params,
};
