/* Action masking: environments that publish the valid actions (env_def.action_mask), the vector
 * env's masks (after steps and autoresets), and the agents that use them. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "algos/act_mask.h"
#include "algos/onpolicy.h"
#include "envs/check.h"
#include "envs/env.h"
#include "nn/nn.h"
#include "replay/replay.h"
#include "envs/render.h"
#include "train/record.h"
#include "train/trainer.h"
#include "train/trainer_env.h"
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

/* ---- a masking environment: invalid actions are costly ----------------------------------- */

/* MaskTrap-v0: 64 states, observed one-hot, each with a fixed set of valid actions among 8 (about a
 * quarter of them, at least one); each step moves to a uniformly drawn state. A valid action gives
 * +1; an invalid one ends the episode with -1. 20 steps at most, so a perfect policy returns 20.
 * Without masks an agent must learn each state's valid actions; with them every action is valid. */
#define TRAP_K 8
#define TRAP_S 64
typedef struct {
    int s;
} trap_state;

static long trap_invalid_taken;   /* invalid actions received by any copy in this process */

static bool trap_valid(int s, int k)
{
    uint32_t h = ((uint32_t)s * 2654435761u) ^ ((uint32_t)k * 40503u + 0x9e37u);
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    return (h & 3u) == 0 || k == s % TRAP_K;
}

static void trap_draw(trap_state *st, rl_rng *rng, float *obs)
{
    st->s = (int)rl_rng_below(rng, TRAP_S);
    for (int k = 0; k < TRAP_S; k++) obs[k] = k == st->s;
}

static rl_status trap_init(void *state, char *err, size_t err_sz)
{
    (void)state, (void)err, (void)err_sz;
    return RL_OK;
}

static void trap_reset(void *state, rl_rng *rng, float *obs) { trap_draw(state, rng, obs); }

static void trap_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                      bool *truncated)
{
    trap_state *s = state;
    int a = (int)action[0];
    *truncated = false;
    if (!trap_valid(s->s, a)) {
        trap_invalid_taken++;
        *reward = -1.0f;
        *terminated = true;
        for (int k = 0; k < TRAP_S; k++) obs[k] = k == s->s;
        return;
    }
    *reward = 1.0f;
    *terminated = false;
    trap_draw(s, rng, obs);
}

static void trap_mask(const void *state, uint8_t *mask)
{
    for (int k = 0; k < TRAP_K; k++) mask[k] = trap_valid(((const trap_state *)state)->s, k);
}

static float trap_low[TRAP_S], trap_high[TRAP_S];
static const env_def trap_def = {
    .id = "MaskTrap-v0",
    .state_size = sizeof(trap_state),
    .max_episode_steps = 20,
    .reward_threshold = NAN,
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = TRAP_S, .low = trap_low, .high = trap_high},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = TRAP_K, .dim = 1},
    .init = trap_init,
    .reset = trap_reset,
    .step = trap_step,
    .action_mask = trap_mask,
};

static void trap_register(void)
{
    if (env_find(trap_def.id)) return;
    for (int k = 0; k < TRAP_S; k++) trap_high[k] = 1.0f;
    char err[256];
    cr_assert_eq(env_register(&trap_def, err, sizeof err), RL_OK, "%s", err);
}

static const char trap_ppo[] = "algo: ppo\n"
                               "total_steps: 6000\n"
                               "env: {id: MaskTrap-v0, num_envs: 4}\n"
                               "network: {hidden: [32]}\n"
                               "ppo: {learning_rate: 1.0e-3, num_steps: 64, update_epochs: 4, num_minibatches: 4}\n"
                               "log: {log_interval: 100000, eval_interval: 0, eval_episodes: 10, checkpoint_interval: 0}\n";

static const char trap_dqn[] = "algo: dqn\n"
                               "total_steps: 3000\n"
                               "env: {id: MaskTrap-v0, num_envs: 2}\n"
                               "network: {hidden: [32]}\n"
                               "dqn: {learning_starts: 500, train_frequency: 4, exploration_fraction: 0.5, "
                               "target_update_interval: 250}\n"
                               "log: {log_interval: 100000, eval_interval: 0, eval_episodes: 10, checkpoint_interval: 0}\n";

static const char trap_iqn[] = "algo: iqn\n"
                               "total_steps: 3000\n"
                               "env: {id: MaskTrap-v0, num_envs: 2}\n"
                               "network: {hidden: [32]}\n"
                               "iqn: {learning_starts: 500, train_frequency: 4, exploration_fraction: 0.5, "
                               "target_update_interval: 250, batch_size: 32, num_tau_samples: 8, "
                               "num_tau_prime_samples: 8}\n"
                               "log: {log_interval: 100000, eval_interval: 0, eval_episodes: 10, checkpoint_interval: 0}\n";

/* trains yaml (with sets) on seeds 1..n; the final evaluations in runs */
static void trap_train(const char *yaml, const char *tag, const char *const *sets, int n_sets, int n,
                       trainer_result *runs)
{
    trap_register();
    char path[1024];
    rlt_tmpfile(path, sizeof path, tag, yaml);
    rlt_train_seeds(path, sets, n_sets, n, runs, tag, NULL, 0);
}

/* with masks, training and evaluation never take an invalid action (PPO samples, DQN explores
 * and acts greedily) */
Test(agent_mask, ppo_never_takes_an_invalid_action)
{
    trainer_result runs[1];
    trap_invalid_taken = 0;
    trap_train(trap_ppo, "trap_ppo", NULL, 0, 1, runs);
    cr_assert_eq(trap_invalid_taken, 0, "%ld invalid actions taken", trap_invalid_taken);
    cr_assert_float_eq(runs[0].eval_mean, 20.0, 1e-9);
}

Test(agent_mask, dqn_never_takes_an_invalid_action)
{
    trainer_result runs[1];
    trap_invalid_taken = 0;
    trap_train(trap_dqn, "trap_dqn", NULL, 0, 1, runs);
    cr_assert_eq(trap_invalid_taken, 0, "%ld invalid actions taken", trap_invalid_taken);
    cr_assert_float_eq(runs[0].eval_mean, 20.0, 1e-9);
}

Test(agent_mask, iqn_never_takes_an_invalid_action)
{
    trainer_result runs[1];
    trap_invalid_taken = 0;
    trap_train(trap_iqn, "trap_iqn", NULL, 0, 1, runs);
    cr_assert_eq(trap_invalid_taken, 0, "%ld invalid actions taken", trap_invalid_taken);
    cr_assert_float_eq(runs[0].eval_mean, 20.0, 1e-9);
}

/* a frame of MaskTrap for rlc record: a grey level per state */
static rl_status trap_frame(const void *state, uint8_t *rgb, int width, int height, char *err, size_t err_sz)
{
    (void)err, (void)err_sz;
    memset(rgb, ((const trap_state *)state)->s * 4, (size_t)width * height * 3);
    return RL_OK;
}

static const env_render_def trap_render = {.id = "MaskTrap-v0", .width = 16, .height = 16, .fps = 10,
                                           .draw = trap_frame};

/* A policy loaded from its checkpoint acts among the valid actions wherever it is played: rlc
 * eval's evaluation and rlc record's episodes on MaskTrap never take an invalid action. The same
 * agent evaluated without masks does (a small DQN's greedy choice is often an invalid action, whose
 * value it never learned): the masks are what keeps them valid. */
Test(agent_mask, eval_and_record_keep_to_valid_actions)
{
    trap_register();
    char err[1024];
    if (!env_find_renderer(trap_render.id)) cr_assert_eq(env_register_renderer(&trap_render, err, sizeof err), RL_OK, "%s", err);
    const char *sets[] = {"total_steps=1500", "log.checkpoint_interval=0"};
    trainer_result runs[1];
    char dir[512], gif[600];
    trap_register();
    rlt_tmpfile(gif, sizeof gif, "trap_eval_cfg", trap_dqn);
    rlt_train_seeds(gif, sets, 2, 1, runs, "trap_eval", dir, sizeof dir);
    rl_config cfg;
    const agent_algo *algo;
    void *agent;
    cr_assert_eq(trainer_load_agent(dir, &cfg, &algo, &agent, err, sizeof err), RL_OK, "%s", err);
    double mean, std;
    trap_invalid_taken = 0;
    cr_assert_eq(trainer_evaluate(algo, agent, &cfg, 10, 1000000, &mean, &std, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(trap_invalid_taken, 0, "rlc eval: %ld invalid actions taken", trap_invalid_taken);
    cr_assert_float_eq(mean, 20.0, 1e-9);
    cfg.env.action_mask = false;
    cr_assert_eq(trainer_evaluate(algo, agent, &cfg, 10, 1000000, &mean, &std, err, sizeof err), RL_OK, "%s", err);
    cr_assert_gt(trap_invalid_taken, 0, "without masks the agent took no invalid action: the test shows nothing");
    algo->destroy(agent);

    record_opts o;
    record_opts_default(&o);
    snprintf(gif, sizeof gif, "%s/trap.gif", dir);
    o.path = dir;
    o.out = gif;
    o.episodes = 3;
    record_result res;
    trap_invalid_taken = 0;
    cr_assert_eq(record_policy(&o, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(trap_invalid_taken, 0, "rlc record: %ld invalid actions taken", trap_invalid_taken);
    cr_assert_float_eq(res.return_mean, 20.0, 1e-9);
    cr_assert_eq(res.frames, 3 * 21);
    rlt_remove_tree(dir);
}

/* env.action_mask false: the same agent sees every action and pays for the invalid ones */
Test(agent_mask, unmasked_agent_takes_invalid_actions)
{
    const char *sets[] = {"env.action_mask=false"};
    trainer_result runs[1];
    trap_invalid_taken = 0;
    trap_train(trap_ppo, "trap_ppo_off", sets, 1, 1, runs);
    cr_assert_gt(trap_invalid_taken, 100, "%ld invalid actions taken", trap_invalid_taken);
}

/* masked PPO learns faster than unmasked PPO: after the same small budget its greedy return is
 * higher by a clear margin on a majority of seeds 1-3 */
Test(agent_mask, masked_ppo_learns_faster)
{
    const char *on[] = {"total_steps=1024"}, *off[] = {"total_steps=1024", "env.action_mask=false"};
    trainer_result on_runs[3], off_runs[3];
    trap_train(trap_ppo, "trap_on", on, 1, 3, on_runs);
    trap_train(trap_ppo, "trap_off", off, 2, 3, off_runs);
    int wins = 0;
    char msg[256] = "";
    for (int i = 0; i < 3; i++) {
        wins += on_runs[i].eval_mean >= off_runs[i].eval_mean + 3.0;
        snprintf(msg + strlen(msg), sizeof msg - strlen(msg), " seed %d: %.2f vs %.2f;", i + 1, on_runs[i].eval_mean,
                 off_runs[i].eval_mean);
    }
    cr_assert_geq(wins, 2, "masked vs unmasked:%s", msg);
    cr_log_info("masked vs unmasked:%s", msg);
}

/* ---- bad input ------------------------------------------------------------------------- */

/* an agent that cannot use masks on a masking environment: refused before anything is written,
 * naming env.action_mask, the environment and the agent; with env.action_mask false it trains */
Test(agent_mask, agent_without_masks_is_refused)
{
    trap_register();
    const char *yaml = "algo: reinforce\ntotal_steps: 64\nenv: {id: MaskTrap-v0, num_envs: 1}\n"
                       "log: {log_interval: 100000, eval_interval: 0, eval_episodes: 2, checkpoint_interval: 0}\n";
    char dir[1024], err[1024];
    rlt_tmp_mkdir(dir, sizeof dir, "refused");
    rl_config cfg;
    cr_assert_eq(rl_config_load_string(&cfg, yaml, "refuse.yaml", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_ERR_CONFIG, "%s", err);
    cr_assert(strstr(err, "env.action_mask") && strstr(err, "MaskTrap-v0") && strstr(err, "reinforce") &&
                  strstr(err, "refuse.yaml"),
              "%s", err);
    char metrics[1100];
    snprintf(metrics, sizeof metrics, "%s/metrics.csv", dir);
    cr_assert(access(metrics, F_OK) != 0, "the refused run wrote %s", metrics);

    const char *off[] = {"env.action_mask=false"};
    cr_assert_eq(rl_config_load_string(&cfg, yaml, "refuse.yaml", off, 1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
}

/* ---- the DQN family's pieces: choices under a mask, next-state masks beside the replay ------ */

Test(dqn_mask, argmax_and_uniform_keep_to_valid_actions)
{
    const float q[5] = {3.0f, 9.0f, 1.0f, 2.0f, 9.0f};
    const uint8_t valid[5] = {1, 0, 1, 1, 0};
    cr_assert_eq(act_mask_argmax(q, NULL, 5), 1);
    cr_assert_eq(act_mask_argmax(q, valid, 5), 0);
    rl_rng a, b;
    rl_rng_seed(&a, 5, 1);
    rl_rng_seed(&b, 5, 1);
    int seen[5] = {0};
    for (int t = 0; t < 3000; t++) {
        cr_assert_eq(act_mask_uniform(&a, NULL, 5), (int)rl_rng_below(&b, 5));   /* unmasked: as before */
        int k = act_mask_uniform(&a, valid, 5);
        rl_rng_below(&b, 3);
        cr_assert(valid[k], "invalid action %d drawn", k);
        seen[k]++;
    }
    cr_assert(seen[0] > 800 && seen[2] > 800 && seen[3] > 800, "%d %d %d", seen[0], seen[2], seen[3]);
}

/* n-step samples name the slot whose next observation they hold (replay_batch.next_idx), and the
 * mask stored there is the next state's: the finished episode's last one where it ended */
Test(dqn_mask, next_state_masks_follow_n_step_samples)
{
    replay_config c;
    replay_config_default(&c);
    c.capacity = 64, c.n_envs = 2, c.obs_dim = 1, c.act_dim = 1, c.n_step = 3, c.gamma = 0.9f;
    replay_buffer buf;
    replay_batch batch;
    char err[256];
    cr_assert_eq(replay_buffer_init(&buf, &c, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(replay_batch_init(&batch, 16, 1, 1, err, sizeof err), RL_OK, "%s", err);
    act_mask_store ms;
    act_mask_store_init(&ms, 2, buf.rows * 2);
    cr_assert_null(act_mask_store_row(&ms, 0));
    for (int t = 0; t < 20; t++) {
        /* next obs = 100 t + copy; copy 1 ends an episode every 4th step */
        float obs[2] = {0, 0}, act[2] = {0, 1}, rew[2] = {1, 1}, next[2] = {100.0f * t, 100.0f * t + 1};
        bool term[2] = {false, t % 4 == 3}, trunc[2] = {false, false};
        uint8_t mask[4] = {1, 0, 1, 0}, fin[4] = {0, 1, 0, 1};   /* a running state's mask 10, a last one's 01 */
        act_mask_store_add(&ms, (buf.added_rows % buf.rows) * 2, 2, mask, fin, term, trunc);
        replay_buffer_add(&buf, obs, act, rew, next, term, trunc);
    }
    rl_rng rng;
    rl_rng_seed(&rng, 1, 1);
    for (int r = 0; r < 20; r++) {
        replay_buffer_sample(&buf, &batch, 16, 1.0f, &rng);
        for (int k = 0; k < 16; k++) {
            int64_t s = batch.next_idx[k];
            cr_assert_float_eq(batch.next_obs[k], buf.next_obs[s], 0.0f);
            const uint8_t *m = act_mask_store_row(&ms, s);
            bool ended = batch.terminated[k];
            cr_assert_eq(m[0], !ended, "sample %d slot %lld", k, (long long)s);
            cr_assert_eq(m[1], ended);
        }
    }
    act_mask_store_free(&ms);
    replay_batch_free(&batch);
    replay_buffer_free(&buf);
}

/* ---- Taxi's masks in the agents' loop ------------------------------------------------------ */

/* the trainer's loop by hand on Taxi-v3 (masks handed over before each act): no action an agent
 * takes, exploring or greedy, is one Taxi's mask rules out, through updates. With one epoch of
 * one minibatch, PPO's update starts from the policy that acted: its KL (approx_kl) is 0 only
 * when the update masks the logits as acting did. */
static void taxi_agent_respects_masks(const char *yaml)
{
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load_string(&cfg, yaml, "taxi.yaml", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    trainer_env te;
    env_vec v;
    cr_assert_eq(trainer_env_open(&te, &cfg, "taxi.yaml", false, err, sizeof err), RL_OK, "%s", err);
    int N = (int)cfg.env.num_envs;
    cr_assert_eq(trainer_env_vec(&te, &cfg, &v, N, err, sizeof err), RL_OK, "%s", err);
    const agent_algo *algo = agent_find(cfg.root.algo);
    void *agent = NULL;
    cr_assert_eq(trainer_env_check_masks(&te, algo, &cfg, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(trainer_env_agent(&te, algo, &agent, &cfg, N, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 1);
    float actions[8];
    double stats[AGENT_MAX_STATS];
    int updates = 0;
    for (int64_t step = N; step <= cfg.root.total_steps; step += N) {
        bool explore = step % (8 * N) != 0;
        trainer_env_pass_masks(&cfg, algo, agent, &v);
        algo->act(agent, v.obs, N, actions, explore);
        for (int i = 0; i < N; i++)
            cr_assert(v.action_mask[i * 6 + (int)actions[i]], "%s: step %lld copy %d took invalid action %d",
                      cfg.root.algo, (long long)step, i, (int)actions[i]);
        if (!explore) continue;   /* a greedy act, then the explore act of the same state */
        env_vec_step(&v, actions);
        algo->observe(agent, &v);
        bool learned = algo->learn(agent, &v, step, cfg.root.total_steps, stats);
        updates += learned;
        if (learned && strcmp(algo->stat_names[3], "approx_kl") == 0)
            cr_assert_lt(fabs(stats[3]), 1e-6, "the update's first policy differs from the acting one: KL %g", stats[3]);
    }
    cr_assert_gt(updates, 1, "%s updated %d times", cfg.root.algo, updates);
    algo->destroy(agent);
    env_vec_free(&v);
    trainer_env_close(&te);
}

Test(agent_mask, ppo_on_taxi_respects_masks)
{
    taxi_agent_respects_masks("algo: ppo\ntotal_steps: 3000\nenv: {id: Taxi-v3, num_envs: 4}\n"
                              "ppo: {num_steps: 128, num_minibatches: 1, update_epochs: 1}\n");
}

Test(agent_mask, dqn_on_taxi_respects_masks)
{
    taxi_agent_respects_masks("algo: dqn\ntotal_steps: 3000\nenv: {id: Taxi-v3, num_envs: 2}\n"
                              "dqn: {learning_starts: 500, train_frequency: 4, exploration_fraction: 0.5}\n");
}

/* ---- check-env and registration --------------------------------------------------------- */

static int bad_mask_kind;   /* 0: none valid, 1: a byte 2, 2: fine */

static void trap_bad_mask(const void *state, uint8_t *mask)
{
    trap_mask(state, mask);
    if (bad_mask_kind == 0) memset(mask, 0, TRAP_K);
    if (bad_mask_kind == 1) mask[3] = 2;
}

static const env_check_item *check_mask_item(env_check_report *rep, int kind)
{
    trap_register();   /* the bounds */
    env_def d = trap_def;
    d.id = "MaskTrapBad-v0";
    d.action_mask = kind == 2 ? trap_mask : trap_bad_mask;
    bad_mask_kind = kind;
    char err[256];
    cr_assert_eq(env_check_run(&d, NULL, rep, err, sizeof err), RL_OK, "%s", err);
    const env_check_item *it = env_check_find(rep, "action masks");
    cr_assert_not_null(it);
    return it;
}

Test(check_env_mask, masks_are_checked)
{
    env_check_report rep;
    const env_check_item *it = check_mask_item(&rep, 2);
    cr_assert_eq(it->outcome, ENV_CHECK_PASS, "%s", it->detail);
    it = check_mask_item(&rep, 0);
    cr_assert_eq(it->outcome, ENV_CHECK_FAIL);
    cr_assert(strstr(it->detail, "no valid action") && strstr(it->detail, "after reset"), "%s", it->detail);
    it = check_mask_item(&rep, 1);
    cr_assert_eq(it->outcome, ENV_CHECK_FAIL);
    cr_assert(strstr(it->detail, "mask[3] = 2") && strstr(it->detail, "expected 0 or 1"), "%s", it->detail);
    env_check_report cp;
    char err[256];
    cr_assert_eq(env_check_run(env_find("CartPole-v1"), NULL, &cp, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_check_find(&cp, "action masks")->outcome, ENV_CHECK_PASS);
    cr_assert(strstr(env_check_find(&cp, "action masks")->detail, "none published"));
}

Test(check_env_mask, box_action_space_with_mask_refused)
{
    static const float lo[1] = {-1}, hi[1] = {1};
    env_def d = trap_def;
    d.id = "MaskBox-v0";
    d.act_space = (env_space){.kind = ENV_SPACE_BOX, .dim = 1, .low = lo, .high = hi};
    char err[256];
    cr_assert_eq(env_register(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "MaskBox-v0") && strstr(err, "action_mask") && strstr(err, "Discrete"), "%s", err);
}
