/* rlc envs/goal: PointGoal-v0 (envs/goal/goal.h). */
#include <math.h>

#include "envs/goal/goal.h"

#define PR_SPEED 0.1          /* position change per unit of action and step */
#define PR_THRESHOLD 0.05     /* the distance that counts as reached */

static const float pr_obs_low[4] = {-1.0f, -1.0f, -1.0f, -1.0f};
static const float pr_obs_high[4] = {1.0f, 1.0f, 1.0f, 1.0f};
static const float pr_act_low[2] = {-1.0f, -1.0f};
static const float pr_act_high[2] = {1.0f, 1.0f};

/* -1 while the achieved position is farther than PR_THRESHOLD from the desired one, else 0 */
static float pr_reward(const env_goal *g, const float *achieved, const float *desired, bool *terminated)
{
    (void)g;
    double dx = (double)achieved[0] - desired[0], dy = (double)achieved[1] - desired[1];
    *terminated = false;
    return sqrt(dx * dx + dy * dy) > PR_THRESHOLD ? -1.0f : 0.0f;
}

static void pr_obs(const env_point_goal_state *s, float *obs)
{
    obs[0] = (float)s->pos[0];
    obs[1] = (float)s->pos[1];
    obs[2] = (float)s->goal[0];
    obs[3] = (float)s->goal[1];
}

static rl_status pr_init(void *state, char *err, size_t err_sz)
{
    (void)state;
    (void)err;
    (void)err_sz;
    return RL_OK;
}

static void pr_reset(void *state, rl_rng *rng, float *obs)
{
    env_point_goal_state *s = state;
    for (int d = 0; d < 2; d++) s->pos[d] = rl_rng_uniform(rng, -1.0, 1.0);
    for (int d = 0; d < 2; d++) s->goal[d] = rl_rng_uniform(rng, -1.0, 1.0);
    pr_obs(s, obs);
}

static void pr_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    (void)rng;
    env_point_goal_state *s = state;
    for (int d = 0; d < 2; d++) {
        double a = action[d] < -1.0f ? -1.0 : action[d] > 1.0f ? 1.0 : (double)action[d];
        double x = s->pos[d] + PR_SPEED * a;
        s->pos[d] = x < -1.0 ? -1.0 : x > 1.0 ? 1.0 : x;
    }
    pr_obs(s, obs);
    *reward = pr_reward(NULL, obs, obs + 2, terminated);
    *truncated = false;
}

const env_def env_point_goal_v0 = {
    .id = "PointGoal-v0",
    .state_size = sizeof(env_point_goal_state),
    .max_episode_steps = 50,
    .reward_threshold = NAN,
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = 4, .low = pr_obs_low, .high = pr_obs_high,
                  .goal = {.obs_dim = 2, .goal_dim = 2, .achieved_offset = 0, .compute_reward = pr_reward}},
    .act_space = {.kind = ENV_SPACE_BOX, .dim = 2, .low = pr_act_low, .high = pr_act_high},
    .init = pr_init,
    .reset = pr_reset,
    .step = pr_step,
};
