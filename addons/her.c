/* rlc addons: hindsight experience replay (addons/her.h). */
#include "addons/her.h"

#include <string.h>

#include "envs/check.h"

#define HER_FIELDS(X, S)                                                                            \
    X(S, bool, enabled, BOOL, 0, NULL, 0, 1, NULL,                                                  \
      "hindsight experience replay: relabel sampled transitions with achieved goals (a goal-conditioned " \
      "environment; dqn, qrdqn, c51, sac, td3, ddpg)")                                              \
    X(S, int64_t, k, I64, 4, NULL, 1, 1000, NULL,                                                   \
      "relabelled goals per original one: a sampled transition is relabelled with probability k/(k+1)") \
    X(S, rl_str, strategy, STR, 0, "future", 0, 0, "future|final|episode",                          \
      "where the new goal comes from: a later step of the episode, its last step, or any step")
RL_CFG_SECTION_TYPE(her_cfg, HER_FIELDS);
const rl_config_section her_section = RL_CFG_SECTION_INIT("her", her_cfg, HER_FIELDS);

static const her_cfg *her_of(const rl_config *cfg) { return rl_config_section_of(cfg, &her_section); }

/* the goal layout of obs_space, checked against its size */
static rl_status her_check_goal(const env_space *obs_space, const rl_config *cfg, const char *src, char *err,
                                size_t err_sz)
{
    const env_goal *g = &obs_space->goal;
    if (obs_space->kind != ENV_SPACE_BOX || g->goal_dim <= 0 || !g->compute_reward)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: her.enabled: environment '%s' publishes no goals (HER needs a goal-conditioned "
                       "environment, such as BitFlipping-v0 or PointGoal-v0, whose observation space has a goal "
                       "layout, or a Python GoalEnv: a Dict of achieved_goal, desired_goal and observation with a "
                       "compute_reward method; env.pixels, env.frame_skip and env.frame_stack drop it); set her.enabled: false",
                       src, cfg->env.id);
    char why[512];
    if (!env_goal_layout_ok(obs_space, why, sizeof why))
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: her.enabled: environment '%s' has an inconsistent %s", src,
                       cfg->env.id, why);
    return RL_OK;
}

/* the agent's replay buffer, checked for what HER relabels */
static rl_status her_check_buffer(const replay_config *rc, const char *src, const char *algo, char *err,
                                  size_t err_sz)
{
    if (rc->n_step != 1)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: %s.n_step: %d with her.enabled; HER relabels one-step transitions: set %s.n_step: 1", src,
                       algo, rc->n_step, algo);
    if (rc->prioritized)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: %s.prioritized: true with her.enabled; HER samples uniformly: set %s.prioritized: false",
                       src, algo, algo);
    if (rc->obs_bytes)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: her.enabled: %s stores this environment's observations a byte each (a uint8 or bool "
                       "space); HER relabels float observations", src, algo);
    return RL_OK;
}

rl_status her_init(her_relabeler *h, const rl_config *cfg, const env_space *obs_space, const replay_config *rc,
                   const char *algo, char *err, size_t err_sz)
{
    memset(h, 0, sizeof *h);
    const her_cfg *c = her_of(cfg);
    if (!c->enabled) return RL_OK;
    const char *src = cfg->source[0] ? cfg->source : "config";
    rl_status st = her_check_goal(obs_space, cfg, src, err, err_sz);
    if (st == RL_OK) st = her_check_buffer(rc, src, algo, err, err_sz);
    if (st != RL_OK) return st;
    h->on = true;
    h->k = (int)c->k;
    h->strategy = strcmp(c->strategy, "final") == 0 ? HER_FINAL : strcmp(c->strategy, "episode") == 0 ? HER_EPISODE
                                                                                                      : HER_FUTURE;
    h->goal = obs_space->goal;
    h->obs_dim = obs_space->dim;
    return RL_OK;
}

void her_pick_goal(const her_relabeler *h, const replay_buffer *b, int64_t slot, rl_rng *rng, float *goal)
{
    int64_t first;
    int pos, len, i;
    replay_buffer_episode(b, slot, &first, &pos, &len);
    switch (h->strategy) {
    case HER_FINAL: i = len - 1; break;
    case HER_EPISODE: i = (int)rl_rng_below(rng, (uint32_t)len); break;
    default: i = pos + (int)rl_rng_below(rng, (uint32_t)(len - pos)); break;
    }
    int64_t g = replay_buffer_slot(b, first + i, (int)(slot % b->cfg.n_envs));
    memcpy(goal, b->next_obs + (size_t)g * h->obs_dim + h->goal.achieved_offset, (size_t)h->goal.goal_dim * sizeof(float));
}

/* row k of out with the desired goal of its observations replaced (the reward is computed after) */
static void her_new_goal(const her_relabeler *h, const replay_buffer *b, replay_batch *out, int k, rl_rng *rng)
{
    const int D = h->obs_dim, G = h->goal.goal_dim, O = env_goal_desired_offset(&h->goal);
    float *obs = out->obs + (size_t)k * D, *next = out->next_obs + (size_t)k * D;
    her_pick_goal(h, b, out->idx[k], rng, obs + O);
    memcpy(next + O, obs + O, (size_t)G * sizeof(float));
}

/* the rewards and terminations of the n rows of out whose goals were replaced, in one call when the
 * environment computes them in batches */
static void her_rewards(const her_relabeler *h, const replay_buffer *b, replay_batch *out, const int *rows, int n)
{
    const int D = h->obs_dim, A = h->goal.achieved_offset, O = env_goal_desired_offset(&h->goal);
    const float *ach[ENV_GOAL_BATCH] = {NULL}, *des[ENV_GOAL_BATCH] = {NULL};
    float r[ENV_GOAL_BATCH];
    bool term[ENV_GOAL_BATCH] = {false};
    for (int i = 0; i < n; i++) {
        const float *next = out->next_obs + (size_t)rows[i] * D;
        ach[i] = next + A, des[i] = next + O;
        if (!h->goal.compute_rewards) r[i] = h->goal.compute_reward(&h->goal, ach[i], des[i], &term[i]);
    }
    if (h->goal.compute_rewards) h->goal.compute_rewards(&h->goal, n, ach, des, r, term);
    for (int i = 0; i < n; i++) {
        int k = rows[i];
        out->returns[k] = r[i];
        out->terminated[k] = term[i] ? 1 : 0;
        out->discount[k] = term[i] ? 0.0f : b->cfg.gamma;
    }
}

void her_relabel(her_relabeler *h, const replay_buffer *b, replay_batch *out, int B, rl_rng *rng)
{
    if (!h->on) return;
    RL_ASSERT(b->cfg.n_step == 1 && b->cfg.obs_dim == h->obs_dim && b->next_obs);
    int rows[ENV_GOAL_BATCH], n = 0;
    for (int k = 0; k < B; k++) {
        if (rl_rng_below(rng, (uint32_t)(h->k + 1)) == 0) continue;   /* kept with probability 1/(k+1) */
        her_new_goal(h, b, out, k, rng);
        rows[n++] = k;
        h->relabelled++;
        if (n == ENV_GOAL_BATCH) her_rewards(h, b, out, rows, n), n = 0;
    }
    if (n) her_rewards(h, b, out, rows, n);
}
