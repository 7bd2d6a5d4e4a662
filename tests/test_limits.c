/* rlc tests: every size a config or a checkpoint asks for is bounded before anything is
 * allocated (core/limits.h), with an error naming the key, the value and the limit; batches fit
 * their buffers; products saturate instead of overflowing. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/trainer.h"
#include "core/limits.h"
#include "nn/nn.h"
#include "tests/helpers/testutil.h"

Test(limits, products_saturate)
{
    cr_assert_eq(rl_mul_sat(60000, 60000), INT64_C(3600000000));
    cr_assert_eq(rl_mul_sat(INT64_C(10000000), INT64_C(4096) * INT64_C(1) << 40), INT64_MAX);
    cr_assert_eq(rl_mul_sat(INT64_MAX, 2), INT64_MAX);
    cr_assert_eq(rl_add_sat(INT64_MAX - 1, 5), INT64_MAX);
    cr_assert_eq(rl_add_sat(3, 4), 7);
    char err[256];
    cr_assert_eq(rl_limit_check("f.yaml", "k", "size", INT64_MAX, 10, err, sizeof err), RL_ERR_CONFIG);
    cr_assert(strstr(err, "more than 2^63") && strstr(err, "f.yaml: k"), "%s", err);
    cr_assert_eq(rl_limit_check("f.yaml", "k", "size", 10, 10, err, sizeof err), RL_OK);
}

/* WideObs-v0: an ENV_MAX_DIM-d observation (the widest an env may declare), 2 actions */
static float wide_lo[ENV_MAX_DIM], wide_hi[ENV_MAX_DIM];
static rl_status wide_init(void *state, char *err, size_t err_sz) { (void)state, (void)err, (void)err_sz; return RL_OK; }
static void wide_reset(void *state, rl_rng *rng, float *obs) { (void)state, (void)rng; memset(obs, 0, ENV_MAX_DIM * sizeof(float)); }
static void wide_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                      bool *truncated)
{
    (void)state, (void)rng, (void)action, (void)truncated;
    memset(obs, 0, ENV_MAX_DIM * sizeof(float));
    *reward = 1.0f;
    *terminated = false;
}

static void register_wide_env(void)
{
    static env_def def = {.id = "WideObs-v0", .max_episode_steps = 10,
                          .obs_space = {.kind = ENV_SPACE_BOX, .dim = ENV_MAX_DIM, .low = wide_lo, .high = wide_hi},
                          .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 2, .dim = 1},
                          .init = wide_init, .reset = wide_reset, .step = wide_step};
    def.state_size = 8;
    def.reward_threshold = NAN;
    char err[256];
    if (!env_find(def.id)) cr_assert_eq(env_register(&def, err, sizeof err), RL_OK, "%s", err);
}

/* ---- rollout, replay and episode buffers ------------------------------------------------- */

Test(limits, rollout_steps_times_envs)
{
    rlt_expect_config_error("algo: ppo\nenv: {num_envs: 4096}\nppo: {num_steps: 10000000}\n",
                            "ppo.num_steps x env.num_envs", "40960000000", "16777216");
    rlt_expect_config_error("algo: a2c\nenv: {num_envs: 4096}\na2c: {num_steps: 100000}\n",
                            "a2c.num_steps x env.num_envs", "409600000", "16777216");
    /* within the step limit but not the float limit: ENV_MAX_DIM-d observations, 4M steps */
    register_wide_env();
    rlt_expect_config_error("algo: ppo\nenv: {id: WideObs-v0, num_envs: 1024}\nppo: {num_steps: 4096}\n",
                            "ppo.num_steps x env.num_envs", "rollout buffer floats", "1073741824");
    /* a small rollout buffer, but one 16M-sample minibatch through the networks */
    rlt_expect_config_error("algo: ppo\nenv: {id: Pendulum-v1, num_envs: 1024}\nppo: {num_steps: 16384, num_minibatches: 1}\n",
                            "ppo.num_minibatches", "activation cache floats", "1073741824");
    char err[1500];
    cr_assert_eq(rlt_config_and_agent("algo: ppo\nenv: {num_envs: 64}\nppo: {num_steps: 2048}\n", err, sizeof err),
                 RL_OK, "a large but sane rollout is fine: %s", err);
}

Test(limits, replay_capacity_times_observation)
{
    rlt_expect_config_error("algo: dqn\ndqn: {buffer_size: 1000000000}\n", "dqn.buffer_size", "replay buffer floats",
                            "1073741824");
    rlt_expect_config_error("algo: sac\nenv: {id: Pendulum-v1}\nsac: {buffer_size: 1000000000}\n", "sac.buffer_size",
                            "replay buffer floats", "1073741824");
}

Test(limits, reinforce_episode_buffers)
{
    rlt_expect_config_error("algo: reinforce\nenv: {num_envs: 4096}\n"
                            "reinforce: {max_episode_steps: 10000000, episodes_per_update: 1000000}\n",
                            "reinforce.max_episode_steps", "episode buffer floats", "1073741824");
}

/* ---- networks ---------------------------------------------------------------------------- */

Test(limits, layer_widths)
{
    rlt_expect_config_error("algo: ppo\nnetwork: {hidden: [60000, 60000]}\n", "network.hidden", "67108864",
                            "parameters");
    rlt_expect_config_error("algo: dqn\nnetwork: {hidden: [65536, 65536, 65536]}\n", "network.hidden", "67108864", NULL);
    rlt_expect_config_error("algo: ppo\nexploration: {name: icm, hidden: [30000, 30000]}\n", "exploration.hidden",
                            "67108864", NULL);
    /* the add-ons check their own sizes (addons/exploration.c, addons/aux.c), in core's old order:
     * the network, the exploration module, the heads */
    rlt_expect_config_error("algo: ppo\nnetwork: {shared: true}\n"
                            "aux: [{head: representation, loss: vicreg, hidden: 65536, dim: 65536}]\n",
                            "aux hidden / dim", "parameters of the head", "67108864");
    rlt_expect_config_error("algo: ppo\nnetwork: {shared: true}\nexploration: {name: rnd, hidden: [30000, 30000]}\n"
                            "aux: [{head: representation, loss: vicreg, hidden: 65536, dim: 65536}]\n",
                            "exploration.hidden", "67108864", NULL);
    rlt_expect_config_error("algo: qrdqn\nnetwork: {hidden: [4096]}\ndqn: {n_quantiles: 10000}\n"
                            "losses: {quantile: quantile_huber}\n",
                            "dqn.n_quantiles", "output layer parameters", "67108864");
    rlt_expect_config_error("algo: dqn\nnetwork: {hidden: [2048, 2048, 2048, 2048, 2048, 2048, 2048]}\n"
                            "dqn: {batch_size: 65536, buffer_size: 100000}\n",
                            "dqn.batch_size", "activation cache floats", "1073741824");
    rlt_expect_config_error("algo: sac\nenv: {id: Pendulum-v1}\nnetwork: {hidden: [2048, 2048, 2048, 2048]}\n"
                            "sac: {batch_size: 65536, buffer_size: 100000}\n",
                            "sac.batch_size", "activation cache floats", "1073741824");
    char err[1500];
    cr_assert_eq(rlt_config_and_agent("algo: ppo\nnetwork: {hidden: [1024, 1024]}\n", err, sizeof err), RL_OK, "%s",
                 err);
}

/* a checkpoint whose config asks for a [60000, 60000] network: a config error naming the key,
 * not an abort */
Test(limits, checkpoint_config_sizes_are_checked)
{
    char path[256], err[1500];
    rlt_tmp_dir(path, sizeof path, "limits_ckpt");
    float w[2] = {0.5f, -0.5f};
    nn_tensor t = {.name = "actor.w0", .data = w, .ndim = 1, .shape = {2}};
    nn_meta meta[] = {{"rlc.config", "algo: ppo\nenv: {id: CartPole-v1}\nnetwork: {hidden: [60000, 60000]}\n"}};
    cr_assert_eq(nn_safetensors_save(path, &t, 1, meta, 1, err, sizeof err), RL_OK, "%s", err);
    rl_config cfg;
    const agent_algo *algo = NULL;
    void *agent = NULL;
    rl_status st = trainer_load_agent(path, &cfg, &algo, &agent, err, sizeof err);
    cr_assert_eq(st, RL_ERR_CONFIG, "%s: %s", rl_status_str(st), err);
    cr_assert(strstr(err, "network.hidden") && strstr(err, path) && strstr(err, "67108864"), "%s", err);
    cr_assert_null(agent);
    remove(path);
}

/* ---- batches against buffers ------------------------------------------------------------- */

Test(limits, batch_larger_than_buffer)
{
    rlt_expect_config_error("algo: dqn\ndqn: {buffer_size: 100, batch_size: 128}\n", "dqn.batch_size",
                            "dqn.buffer_size = 100", "128");
    rlt_expect_config_error("algo: c51\ndqn: {buffer_size: 100, batch_size: 101}\n", "dqn.batch_size", "100", NULL);
    rlt_expect_config_error("algo: sac\nenv: {id: Pendulum-v1}\nsac: {buffer_size: 200, batch_size: 256}\n",
                            "sac.batch_size", "sac.buffer_size = 200", NULL);
    rlt_expect_config_error("algo: dqn\nenv: {num_envs: 8}\ndqn: {buffer_size: 16, batch_size: 4, n_step: 3}\n",
                            "dqn.buffer_size", "dqn.n_step = 3", "2 steps per env");
    char err[1500];
    cr_assert_eq(rlt_config_and_agent("algo: dqn\ndqn: {buffer_size: 128, batch_size: 128}\n", err, sizeof err), RL_OK,
                 "%s", err);
    /* a ppo config is not held to the dqn section's values: rlc's own dump of one (a run
     * directory's config.yaml) holds every section and loads (a dqn section written by hand in a
     * ppo config is refused as ignored: tests/test_config.c) */
    rl_config ppo;
    rl_config_default(&ppo);
    RLT_I64(&ppo, "dqn.buffer_size") = 10;
    RLT_I64(&ppo, "dqn.batch_size") = 128;
    char *dump = rl_config_dump_string(&ppo);
    cr_assert(strstr(dump, "algo: \"ppo\"") && strstr(dump, "buffer_size: 10\n"), "%s", dump);
    cr_assert_eq(rlt_config_and_agent(dump, err, sizeof err), RL_OK, "%s", err);
    free(dump);
}
