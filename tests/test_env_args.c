/* rlc tests: environment keyword arguments (env.kwargs, envs/env_args.h): each argument changes
 * the environment as Gymnasium's does, bad keys and values are refused naming env.kwargs.KEY and
 * where it was written, the resolved config records them, and a run trained with them is loaded,
 * evaluated and resumed with them (train/trainer_env.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "envs/classic/classic.h"
#include "envs/toytext/toytext.h"
#include "envs/env.h"
#include "envs/env_args.h"
#include "train/trainer.h"
#include "train/trainer_env.h"
#include "tests/helpers/testutil.h"

/* cfg from YAML text named "kw.yaml" (with overrides); asserts it loads */
static void load(rl_config *cfg, const char *yaml, const char *const *sets, int n_sets)
{
    char err[1024];
    cr_assert_eq(rl_config_load_string(cfg, yaml, "kw.yaml", sets, n_sets, err, sizeof err), RL_OK, "%s", err);
}

/* the environment of cfg as the trainer makes it; *owned to free */
static env_instance make_env(const char *yaml, trainer_env *te)
{
    rl_config *cfg = malloc(sizeof *cfg);
    load(cfg, yaml, NULL, 0);
    char err[1024];
    cr_assert_eq(trainer_env_open(te, cfg, "kw.yaml", false, err, sizeof err), RL_OK, "%s", err);
    env_instance e;
    cr_assert_eq(trainer_env_make(te, cfg, &e, err, sizeof err), RL_OK, "%s", err);
    free(cfg);
    return e;
}

/* the error trainer_env_open gives for cfg's env.kwargs (it must fail) */
static void open_error(const char *yaml, const char *const *sets, int n_sets, char *err, size_t err_sz)
{
    rl_config *cfg = malloc(sizeof *cfg);
    load(cfg, yaml, sets, n_sets);
    trainer_env te;
    cr_assert_eq(trainer_env_open(&te, cfg, "kw.yaml", false, err, err_sz), RL_ERR_CONFIG, "accepted: %s", yaml);
    trainer_env_close(&te);
    free(cfg);
}

/* ---- arguments change the environment ------------------------------------------------------- */

/* the shortest path on the 4x4 map: right, right, down, down, down, right */
static bool fl_walk_path(env_instance *e, int64_t seed)
{
    static const float path[6] = {2, 2, 1, 1, 1, 2};
    float obs, r = 0;
    bool term = false, trunc = false;
    env_reset(e, seed, &obs);
    for (int i = 0; i < 6 && !term; i++) env_step(e, &path[i], &obs, &r, &term, &trunc);
    return term && r == 1.0f && obs == 15.0f;
}

Test(env_args, frozen_lake_is_slippery_false_moves_where_intended)
{
    trainer_env te, te_default;
    env_instance e = make_env("env: {id: FrozenLake-v1, kwargs: {is_slippery: false}}\n", &te);
    env_instance d = make_env("env: {id: FrozenLake-v1}\n", &te_default);
    cr_assert(te.def->deterministic, "one start and sure moves: deterministic");
    cr_assert(!te_default.def->deterministic);
    int reached_default = 0;
    for (int64_t seed = 0; seed < 20; seed++) {
        cr_assert(fl_walk_path(&e, seed), "seed %lld: the path did not reach the goal", (long long)seed);
        reached_default += fl_walk_path(&d, seed);
    }
    cr_assert_lt(reached_default, 20, "the registered FrozenLake-v1 slips: the same path cannot always work");
    env_close(&e);
    env_close(&d);
    trainer_env_close(&te);
    trainer_env_close(&te_default);
}

Test(env_args, frozen_lake_desc_sets_the_map_and_the_observation_space)
{
    trainer_env te;
    env_instance e = make_env("env:\n  id: FrozenLake-v1\n  kwargs:\n    desc: [SFF, HHF, FFG]\n"
                              "    is_slippery: false\n", &te);
    cr_assert_eq(te.def->obs_space.n, 9);
    cr_assert_eq(te.view.obs_space.kind, ENV_SPACE_BOX);
    cr_assert_eq(te.view.obs_space.dim, 9, "the agent sees 9 one-hot floats");
    float obs, r, a;
    bool term, trunc;
    env_reset(&e, 0, &obs);
    a = 1;   /* down from the start: a hole in this map */
    env_step(&e, &a, &obs, &r, &term, &trunc);
    cr_assert(term && r == 0.0f && obs == 3.0f, "term %d reward %g obs %g", term, r, obs);
    float hot[9];
    trainer_env_encode(&te, &obs, hot, 1);
    for (int i = 0; i < 9; i++) cr_assert_eq(hot[i], i == 3 ? 1.0f : 0.0f);
    env_close(&e);
    trainer_env_close(&te);
}

Test(env_args, cartpole_sutton_barto_reward_pays_zero_then_minus_one)
{
    trainer_env te, te_default;
    env_instance e = make_env("env: {id: CartPole-v1, kwargs: {sutton_barto_reward: true}}\n", &te);
    env_instance d = make_env("env: {id: CartPole-v1}\n", &te_default);
    float obs[4], a = 1, r, rd;
    bool term = false, trunc = false, td, trd;
    env_reset(&e, 3, obs);
    env_reset(&d, 3, obs);
    int steps = 0;
    while (!term) {   /* always right: the pole falls within a few dozen steps */
        env_step(&e, &a, obs, &r, &term, &trunc);
        env_step(&d, &a, obs, &rd, &td, &trd);
        cr_assert_eq(td, term, "the same dynamics");
        cr_assert_eq(r, term ? -1.0f : 0.0f, "step %d: reward %g", steps, r);
        cr_assert_eq(rd, 1.0f);
        cr_assert_lt(++steps, 500);
    }
    env_close(&e);
    env_close(&d);
    trainer_env_close(&te);
    trainer_env_close(&te_default);
}

Test(env_args, pendulum_g_zero_leaves_only_the_torque)
{
    trainer_env te;
    env_instance e = make_env("env: {id: Pendulum-v1, kwargs: {g: 0}}\n", &te);
    float obs[3], u = 1.5f, r;
    bool term, trunc;
    env_reset(&e, 5, obs);
    const env_pendulum_state *s = e.state;
    double thdot = s->theta_dot;
    env_step(&e, &u, obs, &r, &term, &trunc);
    /* Gymnasium: newthdot = thdot + (3 g / (2 l) sin th + 3 / (m l^2) u) dt, with m = l = 1, dt = 0.05 */
    double want = thdot + 3.0 * 1.5 * 0.05;
    cr_assert(fabs(s->theta_dot - want) < 1e-12, "theta_dot %.17g, by hand %.17g", s->theta_dot, want);
    env_close(&e);
    trainer_env_close(&te);
}

Test(env_args, taxi_and_blackjack_arguments_reach_the_params)
{
    trainer_env te;
    env_instance e = make_env("env: {id: Taxi-v3, kwargs: {is_rainy: true, fickle_passenger: true}}\n", &te);
    const env_taxi_state *t = e.state;
    cr_assert(t->p.version == 3 && t->p.is_rainy && t->p.fickle_passenger);
    env_close(&e);
    trainer_env_close(&te);
    e = make_env("env: {id: Blackjack-v1, kwargs: {natural: true, sab: false}}\n", &te);
    const env_blackjack_state *b = e.state;
    cr_assert(b->p.natural && !b->p.sab);
    env_close(&e);
    trainer_env_close(&te);
}

/* ---- refusals ------------------------------------------------------------------------------ */

Test(env_args, bad_keys_and_values_name_the_key_and_the_line)
{
    char err[1024];
    const char *fl = "algo: ppo\nenv:\n  id: FrozenLake-v1\n  kwargs:\n    %s\n";
    struct {
        const char *line, *want[3];
    } cases[] = {
        {"is_slipery: false", {"kw.yaml:5", "env.kwargs.is_slipery", "it takes: desc, map_name, is_slippery"}},
        {"is_slippery: maybe", {"kw.yaml:5", "env.kwargs.is_slippery", "expected true or false, got 'maybe'"}},
        {"success_rate: 1.5", {"kw.yaml:5", "env.kwargs.success_rate", "1.5 is out of range (expected 0..1)"}},
        {"success_rate: fast", {"kw.yaml:5", "env.kwargs.success_rate", "expected a number"}},
        {"map_name: 5x5", {"kw.yaml:5", "env.kwargs.map_name", "'5x5' is not one of 4x4|8x8"}},
        {"reward_schedule: [1, 0]", {"kw.yaml:5", "env.kwargs.reward_schedule", "expected a list of 3 numbers"}},
        {"desc: [SFF, FXF]", {"kw.yaml:5", "env.kwargs", "row 1 has 'X'"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[512];
        snprintf(yaml, sizeof yaml, fl, cases[i].line);
        open_error(yaml, NULL, 0, err, sizeof err);
        for (int k = 0; k < 3; k++)
            cr_assert(strstr(err, cases[i].want[k]), "%s: '%s' not in: %s", cases[i].line, cases[i].want[k], err);
    }
    open_error("env: {id: Acrobot-v1, kwargs: {g: 9.8}}\n", NULL, 0, err, sizeof err);
    cr_assert(strstr(err, "env.kwargs.g") && strstr(err, "Acrobot-v1 takes no arguments"), "%s", err);
    const char *set[] = {"env.kwargs.g=-1"};
    open_error("env: {id: Pendulum-v1}\n", set, 1, err, sizeof err);
    cr_assert(strstr(err, "--set env.kwargs.g=-1") && strstr(err, "env.kwargs.g: -1 is out of range"), "%s", err);
}

Test(env_args, the_config_refuses_kwargs_that_are_not_a_mapping_of_values)
{
    rlt_expect_config_error("env:\n  kwargs: 3\n", "x.yaml:2", "env.kwargs", "expected a mapping");
    rlt_expect_config_error("env:\n  kwargs:\n    a: {b: 1}\n", "env.kwargs.a", "got a mapping", NULL);
}

/* ---- the resolved config ------------------------------------------------------------------- */

Test(env_args, the_dump_records_them_and_reads_back_the_same)
{
    rl_config *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    const char *set[] = {"env.kwargs.success_rate=0.5"};
    load(a, "env:\n  id: FrozenLake-v1\n  kwargs: {is_slippery: false, desc: [SFF, \"F H\", FFG], map_name: 8x8}\n",
         set, 1);
    const rl_kwargs *k = &a->env.kwargs;
    cr_assert_eq(k->n, 4);
    cr_assert_str_eq(k->vals[1], "SFF,F H,FFG");
    cr_assert(k->list[1] && !k->list[0]);
    cr_assert_str_eq(k->where[0], "kw.yaml:3");
    cr_assert_str_eq(k->keys[3], "success_rate");
    char *dump = rl_config_dump_string(a);
    cr_assert(strstr(dump, "  kwargs: {is_slippery: false, desc: [SFF, \"F H\", FFG], map_name: 8x8, success_rate: 0.5}\n"),
              "%s", dump);
    char err[1024];
    cr_assert_eq(rl_config_load_string(b, dump, "dump", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    for (int i = 0; i < k->n; i++) {
        cr_assert_str_eq(b->env.kwargs.keys[i], k->keys[i]);
        cr_assert_str_eq(b->env.kwargs.vals[i], k->vals[i]);
        cr_assert_eq(b->env.kwargs.list[i], k->list[i]);
    }
    cr_assert_eq(b->env.kwargs.n, k->n);
    free(dump);
    load(a, "env: {id: CartPole-v1}\n", NULL, 0);
    dump = rl_config_dump_string(a);
    cr_assert(strstr(dump, "  kwargs: {}\n"), "%s", dump);
    free(dump);
    free(a);
    free(b);
}

/* a run on a 3x3 map (9 states, so an agent built for FrozenLake-v1's 16 would not load) */
static const char *run_yaml = "algo: ppo\ntotal_steps: 512\nenv:\n  id: FrozenLake-v1\n  num_envs: 2\n"
                              "  kwargs: {is_slippery: false, desc: [SFF, FHF, FFG]}\nppo:\n  num_steps: 64\n"
                              "log: {eval_interval: 0, eval_episodes: 2, checkpoint_interval: 0, progress: false}\n";

Test(env_args, a_run_records_them_and_is_loaded_evaluated_and_resumed_with_them)
{
    char dir[256], err[1024], path[400];
    rlt_tmp_dir(dir, sizeof dir, "kwargs_run");
    rl_config *cfg = malloc(sizeof *cfg);
    load(cfg, run_yaml, NULL, 0);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    char *text = rlt_read_file(path);
    cr_assert(strstr(text, "kwargs: {is_slippery: false, desc: [SFF, FHF, FFG]}"), "%s", text);
    free(text);

    const agent_algo *algo;
    void *agent;
    cr_assert_eq(trainer_load_agent(dir, cfg, &algo, &agent, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(cfg->env.kwargs.n, 2, "the checkpoint's config keeps them");
    double mean, std;
    cr_assert_eq(trainer_evaluate(algo, agent, cfg, 3, 7, &mean, &std, err, sizeof err), RL_OK, "%s", err);
    cr_assert(mean == 0.0 || mean == 1.0 / 3 || mean == 2.0 / 3 || mean == 1.0, "deterministic: %g", mean);
    algo->destroy(agent);

    /* resume from the run directory's config: the same 9-state environment */
    char *yaml;
    yaml = rlt_read_file(path);
    const char *more[] = {"total_steps=1024"};
    load(cfg, yaml, more, 1);
    free(yaml);
    o.resume = true;
    cr_assert_eq(trainer_run(cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(res.steps, 1024);
    /* without them the checkpoint's networks do not fit the environment */
    cfg->env.kwargs.n = 0;
    cfg->root.total_steps = 2048;
    cr_assert_neq(trainer_run(cfg, &o, &res, err, sizeof err), RL_OK, "a 16-state agent loaded 9-state weights");
    free(cfg);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    cr_assert_eq(system(path), 0);
}

/* ---- MuJoCo v5 --------------------------------------------------------------------------------- */

#ifdef RLC_HAVE_MUJOCO
#include <mujoco/mujoco.h>

#include "envs/mujoco/mujoco_envs.h"

/* one step of Hopper-v5 from reset(seed) with action a: the reward and its terms */
static float hopper_step(env_instance *e, const float *a, double terms[3], float *obs)
{
    float r;
    bool term, trunc;
    env_reset(e, 11, obs);
    env_step(e, a, obs, &r, &term, &trunc);
    cr_assert_eq(env_mujoco_reward_terms(e->state, NULL, terms, 3), 3);
    return r;
}

Test(env_args, hopper_ctrl_cost_weight_zero_pays_no_control_cost)
{
    trainer_env te, te_default;
    env_instance e = make_env("env: {id: Hopper-v5, kwargs: {ctrl_cost_weight: 0}}\n", &te);
    env_instance d = make_env("env: {id: Hopper-v5}\n", &te_default);
    const float a[3] = {0.5f, -0.8f, 0.3f};
    double t[3], td[3];
    float obs[12], obs_d[12];
    float r = hopper_step(&e, a, t, obs), rd = hopper_step(&d, a, td, obs_d);
    /* the same physics: forward and healthy terms alike; Gymnasium's ctrl cost by hand */
    cr_assert(t[0] == td[0] && t[1] == td[1] && t[1] == 1.0, "forward %g/%g healthy %g/%g", t[0], td[0], t[1], td[1]);
    double ctrl = 1e-3 * (0.25 + 0.64 + 0.09);
    cr_assert(fabs(td[2] + ctrl) < 1e-9, "default ctrl term %.12g, by hand %.12g", td[2], -ctrl);
    cr_assert_eq(t[2], 0.0);
    cr_assert(fabs((double)r - (td[0] + td[1])) < 1e-5, "reward %.9g, forward + healthy %.9g", r, td[0] + td[1]);
    cr_assert(fabs((double)rd - (td[0] + td[1] + td[2])) < 1e-5, "default reward %.9g", rd);
    env_close(&e);
    env_close(&d);
    trainer_env_close(&te);
    trainer_env_close(&te_default);
}

Test(env_args, hopper_health_and_observation_arguments)
{
    trainer_env te, te_default;
    env_instance e = make_env("env:\n  id: Hopper-v5\n  kwargs:\n    terminate_when_unhealthy: false\n"
                              "    healthy_z_range: [1.5, .inf]\n    healthy_reward: 2\n"
                              "    exclude_current_positions_from_observation: false\n", &te);
    env_instance d = make_env("env: {id: Hopper-v5}\n", &te_default);
    cr_assert_eq(te.def->obs_space.dim, 12, "x observed: one value more");
    cr_assert_eq(te.view.obs_space.dim, 12);
    const float a[3] = {0, 0, 0};
    double t[3], td[3];
    float obs[12], obs_d[12];
    hopper_step(&e, a, t, obs);
    hopper_step(&d, a, td, obs_d);
    for (int i = 0; i < 11; i++) cr_assert_eq(obs[i + 1], obs_d[i], "obs[%d]", i + 1);
    /* z ~ 1.25 is below 1.5: unhealthy, no healthy reward, yet not terminated */
    cr_assert_eq(t[1], 0.0);
    cr_assert_eq(td[1], 1.0);
    float r;
    bool term = true, trunc;
    env_step(&e, a, obs, &r, &term, &trunc);
    cr_assert(!term, "terminate_when_unhealthy false");
    env_close(&e);
    env_close(&d);
    trainer_env_close(&te);
    trainer_env_close(&te_default);
    char err[1024];
    open_error("env: {id: Hopper-v5, kwargs: {healthy_z_range: [2, 1]}}\n", NULL, 0, err, sizeof err);
    cr_assert(strstr(err, "healthy_z_range [2, 1]"), "%s", err);
    open_error("env: {id: HalfCheetah-v5, kwargs: {healthy_reward: 1}}\n", NULL, 0, err, sizeof err);
    cr_assert(strstr(err, "env.kwargs.healthy_reward") && strstr(err, "HalfCheetah-v5 takes no argument"), "%s", err);
}
Test(env_args, reset_noise_and_cost_weights_of_the_other_v5_tasks)
{
    trainer_env te;
    env_instance e = make_env("env: {id: InvertedPendulum-v5, kwargs: {reset_noise_scale: 0}}\n", &te);
    float obs[4], r;
    bool term, trunc;
    for (int64_t seed = 0; seed < 3; seed++) {
        env_reset(&e, seed, obs);
        for (int i = 0; i < 4; i++) cr_assert_eq(obs[i], 0.0f, "no noise: qpos0 and rest, obs[%d] = %g", i, obs[i]);
    }
    env_close(&e);
    trainer_env_close(&te);
    e = make_env("env: {id: Swimmer-v5, kwargs: {ctrl_cost_weight: 0.5, forward_reward_weight: 0}}\n", &te);
    const float a[2] = {0.6f, -0.2f};
    double t[2];
    float o8[8];
    env_reset(&e, 1, o8);
    env_step(&e, a, o8, &r, &term, &trunc);
    cr_assert_eq(env_mujoco_reward_terms(e.state, NULL, t, 2), 2);
    cr_assert_eq(t[0], 0.0);
    cr_assert(fabs(t[1] + 0.5 * (0.36 + 0.04)) < 1e-7, "ctrl %.12g", t[1]);
    cr_assert(fabs((double)r - t[1]) < 1e-6);
    env_close(&e);
    trainer_env_close(&te);
}

/* Pusher-v5's three weights; HumanoidStandup-v5's weights, impact clip and observation layout */
Test(env_args, pusher_and_humanoidstandup_arguments)
{
    trainer_env te;
    env_instance e = make_env("env: {id: Pusher-v5, kwargs: {reward_near_weight: 0, reward_dist_weight: 2, "
                              "reward_control_weight: 1}}\n", &te);
    const float a[7] = {1, 0, 0, 0, 0, 0, -0.5f};
    float obs[ENV_MAX_DIM], r;
    bool term, trunc;
    double t[4];
    env_reset(&e, 3, obs);
    env_step(&e, a, obs, &r, &term, &trunc);
    cr_assert_eq(env_mujoco_reward_terms(e.state, NULL, t, 4), 3);
    double dist = sqrt((obs[17] - obs[20]) * (obs[17] - obs[20]) + (obs[18] - obs[21]) * (obs[18] - obs[21]) +
                       (obs[19] - obs[22]) * (obs[19] - obs[22]));
    cr_assert(fabs(t[0] + 2 * dist) < 1e-5, "distance %.9g, object-goal %.9g", t[0], dist);
    cr_assert(fabs(t[1] + 1.25) < 1e-12, "ctrl %.12g", t[1]);
    cr_assert_eq(t[2], 0.0, "near weight 0");
    env_close(&e);
    trainer_env_close(&te);

    e = make_env("env:\n  id: HumanoidStandup-v5\n  kwargs:\n    uph_cost_weight: 2\n    ctrl_cost_weight: 0\n"
                 "    impact_cost_range: [0, 1e-9]\n    include_cinert_in_observation: false\n"
                 "    include_cfrc_ext_in_observation: false\n"
                 "    exclude_current_positions_from_observation: false\n", &te);
    cr_assert_eq(te.def->obs_space.dim, 24 + 23 + 78 + 17, "qpos, qvel, cvel, qfrc_actuator");
    const float z[17] = {0};
    env_reset(&e, 1, obs);
    env_step(&e, z, obs, &r, &term, &trunc);
    const mjData *d = env_mujoco_data(e.state);
    cr_assert(obs[0] == (float)d->qpos[0] && obs[2] == (float)d->qpos[2], "x and y observed");
    cr_assert(obs[24] == (float)d->qvel[0] && obs[47] == (float)d->cvel[6] && obs[125] == (float)d->qfrc_actuator[6],
              "layout without cinert");
    cr_assert_eq(env_mujoco_reward_terms(e.state, NULL, t, 4), 4);
    cr_assert(fabs(t[0] - 2 * d->qpos[2] / 0.003) < 1e-9, "linup %.12g", t[0]);
    cr_assert(t[1] == 0.0 && t[2] == -1e-9 && t[3] == 1.0, "ctrl %g impact %g (clipped) alive %g", t[1], t[2], t[3]);
    env_close(&e);
    trainer_env_close(&te);

    char err[1024];
    open_error("env: {id: HumanoidStandup-v5, kwargs: {impact_cost_range: [10, 0]}}\n", NULL, 0, err, sizeof err);
    cr_assert(strstr(err, "impact_cost_range [10, 0]"), "%s", err);
    open_error("env: {id: Pusher-v5, kwargs: {reward_near_weight: -1}}\n", NULL, 0, err, sizeof err);
    cr_assert(strstr(err, "env.kwargs.reward_near_weight"), "%s", err);
    open_error("env: {id: Pusher-v4, kwargs: {reward_near_weight: 1}}\n", NULL, 0, err, sizeof err);
    cr_assert(strstr(err, "Pusher-v4 takes no argument"), "%s", err);
}
#endif

/* rlc rollout --policy on another id: a Discrete observation space of another size is refused (the
 * agent's one-hot inputs would not fit), as Box spaces of another size are */
Test(env_args, rollout_refuses_a_discrete_space_of_another_size)
{
    char dir[256], cmd[1200], out[4096];
    rlt_tmp_dir(dir, sizeof dir, "kwargs_rollout");
    snprintf(cmd, sizeof cmd, "%s train %s/configs/zoo/dqn_frozenlake_v1_nonslippery.yaml --run-dir %s --quiet "
             "--set total_steps=300 --set dqn.learning_starts=100 --set log.eval_episodes=1 2>&1",
             RLC_BINARY, RLC_SOURCE_DIR, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s rollout --policy %s --env FrozenLake8x8-v1 --steps 3 2>&1", RLC_BINARY, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "whose spaces differ from FrozenLake8x8-v1's"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s rollout --policy %s --env FrozenLake-v1 --steps 3 2>&1", RLC_BINARY, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
