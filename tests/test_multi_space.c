/* MultiDiscrete and MultiBinary action spaces: their definition in the environment API
 * (validation, sampling, description, check-env), the agents that take them (ppo, a2c: learning on
 * MultiDiscreteTarget-v0 and MultiBinaryTarget-v0, the same run twice and on two env threads,
 * checkpoints and `rlc eval`) and the ones that refuse them, naming the agent. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "envs/check.h"
#include "envs/multi_target.h"
#include "envs/space_text.h"
#include "tests/helpers/testutil.h"
#include "train/trainer.h"

#define MD_CONFIG RLC_SOURCE_DIR "/configs/ppo_multidiscrete_target.yaml"
#define MB_CONFIG RLC_SOURCE_DIR "/configs/ppo_multibinary_target.yaml"
#define A2C_MB_CONFIG RLC_SOURCE_DIR "/configs/a2c_multibinary_target.yaml"

/* ---- the spaces ------------------------------------------------------------------------------ */

Test(multi_space, sampled_actions_are_in_the_space)
{
    const env_space *md = &env_multi_discrete_target_v0.act_space, *mb = &env_multi_binary_target_v0.act_space;
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    int seen[3][5] = {{0}}, ones = 0;
    for (int t = 0; t < 500; t++) {
        float a[6];
        env_space_sample(md, &rng, a);
        cr_assert(env_space_contains(md, a));
        for (int m = 0; m < 3; m++) seen[m][(int)a[m]]++;
        env_space_sample(mb, &rng, a);
        cr_assert(env_space_contains(mb, a));
        for (int m = 0; m < 6; m++) ones += (int)a[m];
    }
    for (int m = 0; m < 3; m++)
        for (int k = 0; k < md->nvec[m]; k++) cr_assert_gt(seen[m][k], 0, "component %d never chose %d", m, k);
    cr_assert(ones > 1200 && ones < 1800, "%d ones of 3000 bits", ones);
    float out[3] = {2, 3, 4}, frac[3] = {0, 1.5f, 0}, bit[6] = {0, 1, 2, 0, 0, 0};
    cr_assert(env_space_contains(md, out));
    out[0] = 3;
    cr_assert(!env_space_contains(md, out), "3 is outside nvec[0] = 3");
    cr_assert(!env_space_contains(md, frac));
    cr_assert(!env_space_contains(mb, bit));
}

Test(multi_space, described_and_written_as_json)
{
    char d[160];
    cr_assert_str_eq(env_space_describe(&env_multi_discrete_target_v0.act_space, d, sizeof d), "MultiDiscrete([3, 4, 5])");
    cr_assert_str_eq(env_space_describe(&env_multi_binary_target_v0.act_space, d, sizeof d), "MultiBinary(6)");
    char *j = env_space_to_json(&env_multi_discrete_target_v0.act_space);
    cr_assert_str_eq(j, "{\"kind\": \"multi_discrete\", \"nvec\": [3, 4, 5]}");
    free(j);
    j = env_space_to_json(&env_multi_binary_target_v0.act_space);
    cr_assert_str_eq(j, "{\"kind\": \"multi_binary\", \"n\": 6}");
    free(j);
}

static void fake_mask(const void *state, uint8_t *mask)
{
    (void)state;
    mask[0] = 1;
}

/* what env_register refuses, each naming the environment and what is wrong */
Test(multi_space, bad_definitions_are_refused)
{
    static const int bad_nvec[3] = {3, 1, 4};
    env_def d = env_multi_discrete_target_v0;
    char err[512];
    d.id = "BadNvec-v0";
    d.act_space.nvec = bad_nvec;
    cr_assert_eq(env_register(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "BadNvec-v0") && strstr(err, "nvec[1] = 1") && strstr(err, "at least 2"), "%s", err);
    d.act_space.nvec = NULL;
    cr_assert_eq(env_register(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "without nvec"), "%s", err);
    d = env_multi_binary_target_v0;
    d.id = "BadBits-v0";
    d.act_space.dim = 0;
    cr_assert_eq(env_register(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "BadBits-v0") && strstr(err, "MultiBinary with dim 0"), "%s", err);
    d = env_multi_discrete_target_v0;
    d.id = "MultiObs-v0";
    d.obs_space = d.act_space;
    cr_assert_eq(env_register(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "MultiObs-v0") && strstr(err, "observation") && strstr(err, "actions only"), "%s", err);
    /* action masks are for Discrete spaces: refused, as check-env says */
    d = env_multi_discrete_target_v0;
    d.id = "MaskedMulti-v0";
    d.action_mask = fake_mask;
    cr_assert_eq(env_register(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "MaskedMulti-v0") && strstr(err, "action_mask") && strstr(err, "MultiDiscrete"), "%s", err);
    env_check_report rep;
    cr_assert_eq(env_check_run(&d, NULL, &rep, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_check_find(&rep, "action masks")->outcome, ENV_CHECK_FAIL);
    cr_assert(env_find("BadNvec-v0") == NULL && env_find("MaskedMulti-v0") == NULL);
}

Test(multi_space, check_env_passes_the_tasks_and_names_a_bad_nvec)
{
    env_check_report rep;
    char err[256];
    cr_assert_eq(env_check_run(&env_multi_discrete_target_v0, NULL, &rep, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(rep.n_failed, 0);
    cr_assert_str_eq(env_check_find(&rep, "action space")->detail, "MultiDiscrete([3, 4, 5])");
    cr_assert_eq(env_check_run(&env_multi_binary_target_v0, NULL, &rep, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(rep.n_failed, 0);
    static const int bad[3] = {3, 4, 0};
    env_def d = env_multi_discrete_target_v0;
    d.act_space.nvec = bad;
    cr_assert_eq(env_check_run(&d, NULL, &rep, err, sizeof err), RL_OK, "%s", err);
    const env_check_item *it = env_check_find(&rep, "action space");
    cr_assert(it->outcome == ENV_CHECK_FAIL && strstr(it->detail, "nvec[2] = 0"), "%s", it->detail);
}

/* the command line prints the spaces: rlc envs (the list and one id) and rlc check-env */
Test(multi_space, rlc_envs_and_check_env_print_the_spaces)
{
    char out[16384];
    const char *list[] = {"envs", NULL};
    int ws = rlt_run_rlc_guarded(list, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s", out);
    cr_assert(strstr(out, "MultiDiscrete([3, 4, 5])") && strstr(out, "MultiBinary(6)"), "%s", out);
    const char *one[] = {"envs", "MultiDiscreteTarget-v0", NULL};
    ws = rlt_run_rlc_guarded(one, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && strstr(out, "action       MultiDiscrete([3, 4, 5])"), "%s", out);
    const char *chk[] = {"check-env", "MultiBinaryTarget-v0", NULL};
    ws = rlt_run_rlc_guarded(chk, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && strstr(out, "PASS  action space              MultiBinary(6)"),
              "%s", out);
}

/* ---- agents ---------------------------------------------------------------------------------- */

/* the agents without a MultiDiscrete policy are refused by name, with the ones that have one */
Test(multi_space, agents_without_it_are_refused_naming_the_agent)
{
    const char *algos[] = {"dqn", "qrdqn", "c51", "sac", "td3", "ddpg", "reinforce"};
    for (int i = 0; i < (int)(sizeof algos / sizeof *algos); i++) {
        char yaml[256];
        snprintf(yaml, sizeof yaml, "algo: %s\nenv: {id: %s, num_envs: 1}\n", algos[i],
                 i % 2 ? "MultiBinaryTarget-v0" : "MultiDiscreteTarget-v0");
        rlt_expect_config_error(yaml, algos[i], i % 2 ? "MultiBinary" : "MultiDiscrete", "ppo, a2c");
    }
    rlt_expect_config_error("algo: ppo\nenv: {id: MultiDiscreteTarget-v0, num_envs: 1}\nexploration: {name: icm}\n",
                            "exploration.name", "icm", "MultiDiscrete");
    rlt_expect_config_error("algo: ppo\nenv: {id: MultiBinaryTarget-v0, num_envs: 1}\nnetwork: {shared: true}\n"
                            "aux: [{head: inverse_dynamics, loss: mse}]\n",
                            "aux[0]", "inverse_dynamics", "MultiBinary");
}

/* the preference reward model reads Discrete or Box actions: refused before anything is written
 * (it copied Box bounds these spaces lack) */
Test(multi_space, reward_model_is_refused)
{
    const char *yaml = "algo: ppo\ntotal_steps: 256\nenv: {id: MultiDiscreteTarget-v0, num_envs: 2}\n"
                       "reward_model: {enabled: true}\n";
    char dir[1024], err[1024];
    rlt_tmp_dir(dir, sizeof dir, "rm");
    rl_config cfg;
    cr_assert_eq(rl_config_load_string(&cfg, yaml, "rm.yaml", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_ERR_CONFIG, "%s", err);
    cr_assert(strstr(err, "reward_model.enabled") && strstr(err, "MultiDiscreteTarget-v0") && strstr(err, "MultiDiscrete"),
              "%s", err);
    char metrics[1100];
    snprintf(metrics, sizeof metrics, "%s/metrics.csv", dir);
    cr_assert(access(metrics, F_OK) != 0, "the refused run wrote %s", metrics);
}

Test(multi_space, ppo_learns_multidiscrete_target)
{
    RLT_LEARNING_TEST();
    trainer_result runs[3];
    const char *sets[] = {"log.eval_interval=0", "total_steps=12000"};
    rlt_train_seeds(MD_CONFIG, sets, 2, 3, runs, "md", NULL, 0);
    rlt_assert_learns("PPO on MultiDiscreteTarget-v0 (random: 4.2 of 16)", runs, 3, 2, 13.0);
}

Test(multi_space, ppo_and_a2c_learn_multibinary_target)
{
    RLT_LEARNING_TEST();
    trainer_result runs[3];
    const char *sets[] = {"log.eval_interval=0", "total_steps=12000"};
    rlt_train_seeds(MB_CONFIG, sets, 2, 3, runs, "mb", NULL, 0);
    rlt_assert_learns("PPO on MultiBinaryTarget-v0 (random: 8 of 16)", runs, 3, 2, 13.5);
    rlt_train_seeds(A2C_MB_CONFIG, sets, 2, 3, runs, "a2c", NULL, 0);
    rlt_assert_learns("A2C on MultiBinaryTarget-v0 (random: 8 of 16)", runs, 3, 2, 13.5);
}

/* one short run into dir; its eval.csv and metrics.csv */
static void short_run(const char *config, const char *dir, const char *threads)
{
    rl_config cfg;
    char err[1024];
    const char *sets[] = {"total_steps=1024", "log.eval_interval=512", "log.log_interval=256", threads};
    cr_assert_eq(rl_config_load(&cfg, config, sets, 4, err, sizeof err), RL_OK, "%s", err);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
}

static void assert_same_file(const char *a, const char *b, const char *name)
{
    char pa[1100], pb[1100];
    snprintf(pa, sizeof pa, "%s/%s", a, name);
    snprintf(pb, sizeof pb, "%s/%s", b, name);
    char *x = rlt_read_file(pa), *y = rlt_read_file(pb);
    cr_assert_str_eq(x, y, "%s differs between %s and %s", name, a, b);
    free(x);
    free(y);
}

/* determinism: the same run twice, and on two env threads, gives the same files; the checkpoint
 * evaluates with `rlc eval` and names the action space in its metadata */
Test(multi_space, runs_repeat_across_env_threads_and_evaluate)
{
    const char *configs[] = {MD_CONFIG, A2C_MB_CONFIG};
    for (int c = 0; c < 2; c++) {
        char a[1024], b[1024], t[1024];
        rlt_tmp_dir(a, sizeof a, "a");
        rlt_tmp_dir(b, sizeof b, "b");
        rlt_tmp_dir(t, sizeof t, "t");
        short_run(configs[c], a, "env.threads=1");
        short_run(configs[c], b, "env.threads=1");
        short_run(configs[c], t, "env.threads=2");
        assert_same_file(a, b, "metrics.csv");
        assert_same_file(a, t, "eval.csv");
        char ck[1100], out[4096];
        snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", a);
        const char *args[] = {"eval", ck, "--episodes", "2", NULL};
        int ws = rlt_run_rlc_guarded(args, out, sizeof out, NULL);
        cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "rlc eval: %s", out);
        cr_assert(strstr(out, c ? "MultiBinaryTarget-v0" : "MultiDiscreteTarget-v0") && strstr(out, "return"), "%s", out);
        cr_assert(rlt_safetensors_header_has(ck, c ? "multi_binary" : "multi_discrete"),
                  "the checkpoint's rlc.action_space");
    }
}
