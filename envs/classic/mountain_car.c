/* rlc envs/classic: MountainCar-v0 and MountainCarContinuous-v0 (Gymnasium mountain_car.py and
 * continuous_mountain_car.py; spec A.3 and A.4).
 *
 * Discrete: velocity += (a - 1) * 0.001 - 0.0025 cos(3 p), clip, position += new velocity, clip,
 * an inelastic left wall; goal p >= 0.5 with v >= 0; reward -1 on every step (the terminal one
 * too); float64 state.
 * Continuous: force = clip(a, -1, 1) * 0.0015, same track; goal p >= 0.45 with v >= 0;
 * reward 100 on reaching the goal minus 0.1 * a^2 with the RAW (unclipped) action; the state is
 * rounded to float32 after every step as Gymnasium stores it in a float32 array.
 * Both start at position U(-0.6, -0.4), velocity 0. */
#include <math.h>

#include "envs/classic/classic.h"

#define MC_MIN_POSITION (-1.2)
#define MC_MAX_POSITION 0.6
#define MC_MAX_SPEED 0.07
#define MC_GOAL_POSITION 0.5
#define MC_GOAL_VELOCITY 0.0
#define MC_FORCE 0.001
#define MC_GRAVITY 0.0025
#define MCC_GOAL_POSITION 0.45
#define MCC_POWER 0.0015

static const float mc_obs_low[2] = {(float)MC_MIN_POSITION, -(float)MC_MAX_SPEED};
static const float mc_obs_high[2] = {(float)MC_MAX_POSITION, (float)MC_MAX_SPEED};
static const float mcc_act_low[1] = {-1.0f};
static const float mcc_act_high[1] = {1.0f};

static rl_status mc_init(void *state, char *err, size_t err_sz)
{
    (void)state;
    (void)err;
    (void)err_sz;
    return RL_OK;
}

static void mc_obs(const env_mountain_car_state *s, float *obs)
{
    obs[0] = (float)s->position;
    obs[1] = (float)s->velocity;
}

static void mc_reset(void *state, rl_rng *rng, float *obs)
{
    env_mountain_car_state *s = state;
    s->position = rl_rng_uniform(rng, -0.6, -0.4);
    s->velocity = 0.0;
    mc_obs(s, obs);
}

static void mcc_reset(void *state, rl_rng *rng, float *obs)
{
    env_mountain_car_state *s = state;
    /* Gymnasium keeps the continuous car's state in a float32 array from the reset on */
    s->position = (float)rl_rng_uniform(rng, -0.6, -0.4);
    s->velocity = 0.0;
    mc_obs(s, obs);
}

/* position/velocity update shared by both cars, given the velocity change */
static void mc_move(env_mountain_car_state *s, double dv)
{
    double velocity = s->velocity + dv;
    if (velocity > MC_MAX_SPEED) velocity = MC_MAX_SPEED;
    if (velocity < -MC_MAX_SPEED) velocity = -MC_MAX_SPEED;
    double position = s->position + velocity;
    if (position > MC_MAX_POSITION) position = MC_MAX_POSITION;
    if (position < MC_MIN_POSITION) position = MC_MIN_POSITION;
    if (position == MC_MIN_POSITION && velocity < 0.0) velocity = 0.0;   /* inelastic left wall */
    s->position = position;
    s->velocity = velocity;
}

static void mc_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                    bool *terminated, bool *truncated)
{
    (void)rng;
    env_mountain_car_state *s = state;
    int a = (int)action[0];
    RL_ASSERT_MSG(a >= 0 && a <= 2 && (float)a == action[0], "MountainCar-v0 action must be 0, 1 or 2");
    mc_move(s, (double)(a - 1) * MC_FORCE + cos(3.0 * s->position) * (-MC_GRAVITY));
    *terminated = s->position >= MC_GOAL_POSITION && s->velocity >= s->p.goal_velocity;
    *truncated = false;
    *reward = -1.0f;
    mc_obs(s, obs);
}

static void mcc_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                     bool *terminated, bool *truncated)
{
    (void)rng;
    env_mountain_car_state *s = state;
    double raw = (double)action[0];
    double force = raw < -1.0 ? -1.0 : (raw > 1.0 ? 1.0 : raw);
    mc_move(s, force * MCC_POWER - MC_GRAVITY * cos(3.0 * s->position));
    bool term = s->position >= MCC_GOAL_POSITION && s->velocity >= s->p.goal_velocity;
    double r = term ? 100.0 : 0.0;
    r -= raw * raw * 0.1;   /* the penalty uses the unclipped action */
    /* stored as float32, like Gymnasium's np.array([position, velocity], dtype=np.float32) */
    s->position = (float)s->position;
    s->velocity = (float)s->velocity;
    *terminated = term;
    *truncated = false;
    *reward = (float)r;
    mc_obs(s, obs);
}

static const env_mountain_car_params mc_params = {.goal_velocity = MC_GOAL_VELOCITY};

const env_def env_mountain_car_v0 = {
    .id = "MountainCar-v0",
    .state_size = sizeof(env_mountain_car_state),
    .max_episode_steps = 200,
    .reward_threshold = -110.0,
    .obs_space = {.kind = ENV_SPACE_BOX, .n = 0, .dim = 2, .low = mc_obs_low, .high = mc_obs_high},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 3, .dim = 1, .low = NULL, .high = NULL},
    .init = mc_init,
    .reset = mc_reset,
    .step = mc_step,
    .close = NULL,
    .params = &mc_params,
    .params_size = sizeof mc_params,
};

const env_def env_mountain_car_continuous_v0 = {
    .id = "MountainCarContinuous-v0",
    .state_size = sizeof(env_mountain_car_state),
    .max_episode_steps = 999,
    .reward_threshold = 90.0,
    .obs_space = {.kind = ENV_SPACE_BOX, .n = 0, .dim = 2, .low = mc_obs_low, .high = mc_obs_high},
    .act_space = {.kind = ENV_SPACE_BOX, .n = 0, .dim = 1, .low = mcc_act_low, .high = mcc_act_high},
    .init = mc_init,
    .reset = mcc_reset,
    .step = mcc_step,
    .close = NULL,
    .params = &mc_params,
    .params_size = sizeof mc_params,
};
