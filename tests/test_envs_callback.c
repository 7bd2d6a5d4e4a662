/* rlc tests: callback environments (envs/callback.h), the C side of the Python bridge -- a
 * vector step is one batched call on one thread, the framework's time limit, statistics and
 * autoreset apply to it, reset seeds come from the copies' streams, a failed callback ends every
 * episode without calling again and is reported by env_vec_error and the failure hook, binding
 * and unbound registrations, the renderer, a Dict's parts and a GoalEnv's goal layout. The
 * "runtime" here is a few C functions. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "envs/callback.h"
#include "envs/pixels.h"
#include "envs/render.h"
#include "tests/helpers/testutil.h"
#include "train/trainer.h"

/* the runtime: instances are counters; obs = [count, seed of the last reset % 1000] */
typedef struct {
    double count[64];
    int64_t seed[64];
    int n_made, n_closed, step_calls, reset_calls;
    int fail_step_at;      /* step call that fails (1-based); 0 = never */
    bool fail_make, fail_reset;
    pthread_t step_thread;
} runtime;

static int rt_make(void *user, int64_t *handle, char *err, size_t err_sz)
{
    runtime *rt = user;
    if (rt->fail_make) {
        snprintf(err, err_sz, "no display");
        return 1;
    }
    *handle = rt->n_made++;
    return 0;
}

static int rt_reset(void *user, int64_t h, int64_t seed, float *obs, char *err, size_t err_sz)
{
    runtime *rt = user;
    rt->reset_calls++;
    if (rt->fail_reset) {
        snprintf(err, err_sz, "RuntimeError: reset exploded");
        return 1;
    }
    rt->count[h] = 0;
    rt->seed[h] = seed;
    obs[0] = 0.0f;
    obs[1] = (float)(seed % 1000);
    return 0;
}

static int rt_step(void *user, int n, const int64_t *handles, const float *actions, float *obs, float *rewards,
                   bool *terminated, bool *truncated, char *err, size_t err_sz)
{
    runtime *rt = user;
    rt->step_calls++;
    rt->step_thread = pthread_self();
    if (rt->fail_step_at && rt->step_calls >= rt->fail_step_at) {
        snprintf(err, err_sz, "KeyError: 'lost'");
        obs[0] = 99.0f;   /* a partial write the framework must not keep */
        return 1;
    }
    for (int i = 0; i < n; i++) {
        int64_t h = handles[i];
        rt->count[h] += actions[i];
        obs[2 * i] = (float)rt->count[h];
        obs[2 * i + 1] = (float)(rt->seed[h] % 1000);
        rewards[i] = 1.0f;
        terminated[i] = rt->count[h] >= 5;
        truncated[i] = false;
    }
    return 0;
}

static void rt_close(void *user, int64_t h)
{
    (void)h;
    ((runtime *)user)->n_closed++;
}

static int rt_render(void *user, int64_t h, uint8_t *rgb, int width, int height, char *err, size_t err_sz)
{
    (void)err, (void)err_sz;
    runtime *rt = user;
    memset(rgb, (int)rt->count[h], (size_t)width * height * 3);
    return 0;
}

static const float obs_lo[2] = {-INFINITY, -INFINITY}, obs_hi[2] = {INFINITY, INFINITY};
static const env_space OBS = {.kind = ENV_SPACE_BOX, .dim = 2, .low = obs_lo, .high = obs_hi};
static const env_space ACT = {.kind = ENV_SPACE_DISCRETE, .n = 2, .dim = 1};

static env_callbacks callbacks(runtime *rt)
{
    return (env_callbacks){.user = rt, .make = rt_make, .reset = rt_reset, .step = rt_step, .close = rt_close,
                           .render = rt_render, .render_width = 32, .render_height = 16, .render_fps = 10};
}

static void reg(const char *id, runtime *rt, int max_steps)
{
    char err[512] = "";
    env_callbacks cb = callbacks(rt);
    cr_assert_eq(env_callback_register(id, &OBS, &ACT, max_steps, NAN, &cb, err, sizeof err), RL_OK, "%s", err);
}

static int hook_calls;
static void count_hook(void) { hook_calls++; }

Test(callback, vector_step_is_one_call_with_the_frameworks_time_limit_and_autoreset)
{
    runtime rt = {0};
    reg("cb:Counter-v0", &rt, 3);
    cr_assert(env_callback_is("cb:Counter-v0"));
    env_vec v;
    char err[512] = "";
    cr_assert_eq(env_vec_make(&v, "cb:Counter-v0", 4, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_vec_set_threads(&v, 4, err, sizeof err), RL_OK);
    cr_assert_eq(v.n_threads, 1, "a batched environment is stepped on the calling thread");
    env_vec_reset(&v, 7);
    float actions[4] = {1, 1, 0, 1};
    for (int t = 1; t <= 3; t++) {
        env_vec_step(&v, actions);
        cr_assert_eq(rt.step_calls, t, "one callback per vector step");
        cr_assert(pthread_equal(rt.step_thread, pthread_self()));
    }
    /* after 3 steps: the time limit truncated every copy; none counted to 5 */
    for (int i = 0; i < 4; i++) {
        cr_assert(v.truncated[i] && !v.terminated[i], "copy %d", i);
        cr_assert_eq(v.ep_length[i], 3);
        cr_assert_float_eq(v.ep_return[i], 3.0, 1e-9);
        cr_assert_float_eq(v.final_obs[2 * i], actions[i] * 3, 1e-6, "the finished episode's last obs");
        cr_assert_float_eq(v.obs[2 * i], 0.0f, 1e-6, "the next episode's first obs");
    }
    cr_assert_eq(rt.reset_calls, 8, "4 resets, then 4 autoresets");
    cr_assert_eq(env_vec_error(&v, err, sizeof err), RL_OK);
    env_vec_free(&v);
    cr_assert_eq(rt.n_closed, 4);
}

Test(callback, reset_seeds_come_from_the_copies_streams)
{
    runtime a = {0}, b = {0};
    reg("cb:SeedA-v0", &a, 0);
    reg("cb:SeedB-v0", &b, 0);
    env_vec va, vb;
    char err[512];
    cr_assert_eq(env_vec_make(&va, "cb:SeedA-v0", 3, 0, err, sizeof err), RL_OK);
    cr_assert_eq(env_vec_make(&vb, "cb:SeedB-v0", 3, 0, err, sizeof err), RL_OK);
    env_vec_reset(&va, 42);
    env_vec_reset(&vb, 42);
    for (int i = 0; i < 3; i++) cr_assert_eq(a.seed[i], b.seed[i], "same vector seed, same reset seeds");
    cr_assert_neq(a.seed[0], a.seed[1], "copies get different seeds");
    env_vec_reset(&vb, 43);
    cr_assert_neq(a.seed[0], b.seed[0]);
    env_vec_free(&va);
    env_vec_free(&vb);
}

Test(callback, a_failed_step_ends_every_episode_and_is_reported)
{
    runtime rt = {.fail_step_at = 3};
    reg("cb:Failing-v0", &rt, 0);
    hook_calls = 0;
    env_callback_set_failure_hook(count_hook);
    env_vec v;
    char err[512] = "";
    cr_assert_eq(env_vec_make(&v, "cb:Failing-v0", 2, 0, err, sizeof err), RL_OK);
    env_vec_reset(&v, 0);
    float actions[2] = {1, 1};
    env_vec_step(&v, actions);
    env_vec_step(&v, actions);
    cr_assert_eq(env_vec_error(&v, err, sizeof err), RL_OK);
    env_vec_step(&v, actions);   /* fails; the two autoresets that follow run the hook too */
    cr_assert_eq(hook_calls, 3);
    for (int i = 0; i < 2; i++) {
        cr_assert(v.truncated[i] && !v.terminated[i]);
        cr_assert_float_eq(v.rewards[i], 0.0f, 0);
        cr_assert_float_eq(v.final_obs[2 * i], 2.0f, 1e-6, "truncated at the last observation, not the partial write");
    }
    cr_assert_eq(env_vec_error(&v, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "environment 'cb:Failing-v0': step failed: KeyError: 'lost'"), "%s", err);
    char again[512];
    cr_assert_eq(env_callback_error("cb:Failing-v0", again, sizeof again), RL_ERR_ARG);
    cr_assert_str_eq(again, err);
    /* failed: no more calls into the runtime, every step ends the episodes, the hook runs each time */
    int calls = rt.step_calls, resets = rt.reset_calls;
    env_vec_step(&v, actions);
    cr_assert_eq(rt.step_calls, calls);
    cr_assert_eq(rt.reset_calls, resets);
    cr_assert(v.truncated[0] && v.truncated[1]);
    cr_assert_eq(hook_calls, 3 + 3, "the step and the two autoresets");
    /* cleared: the runtime is called again */
    env_callback_clear("cb:Failing-v0");
    rt.fail_step_at = 0;
    env_vec_step(&v, actions);
    cr_assert_eq(rt.step_calls, calls + 1);
    cr_assert_eq(env_vec_error(&v, err, sizeof err), RL_OK);
    env_callback_set_failure_hook(NULL);
    env_vec_free(&v);
}

Test(callback, a_failed_make_fails_env_make)
{
    runtime rt = {.fail_make = true};
    reg("cb:NoDisplay-v0", &rt, 0);
    env_vec v;
    char err[512] = "";
    cr_assert_eq(env_vec_make(&v, "cb:NoDisplay-v0", 2, 0, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "environment 'cb:NoDisplay-v0': creating an instance failed: no display"), "%s", err);
}

Test(callback, unbound_ids_binding_and_refusals)
{
    char err[512] = "";
    cr_assert_eq(env_callback_register("cb:Later-v0", &OBS, &ACT, 0, NAN, NULL, err, sizeof err), RL_OK, "%s", err);
    env_instance e;
    cr_assert_eq(env_make(&e, "cb:Later-v0", 0, err, sizeof err), RL_ERR_UNSUPPORTED);
    cr_assert(strstr(err, "not bound in this process: evaluate it from Python with rlc.evaluate(policy, env=...)"),
              "%s", err);
    runtime rt = {0}, other = {0};
    reg("cb:Later-v0", &rt, 0);
    cr_assert_eq(env_make(&e, "cb:Later-v0", 0, err, sizeof err), RL_OK, "%s", err);
    /* rebinding while an instance made with other callbacks lives is refused */
    env_callbacks cb = callbacks(&other);
    cr_assert_eq(env_callback_register("cb:Later-v0", &OBS, &ACT, 0, NAN, &cb, err, sizeof err), RL_ERR_BUSY);
    cr_assert(strstr(err, "1 instances of it are alive"), "%s", err);
    env_close(&e);
    cr_assert_eq(env_callback_register("cb:Later-v0", &OBS, &ACT, 0, NAN, &cb, err, sizeof err), RL_OK, "%s", err);
    /* other spaces, or an id of another kind of environment */
    env_space act3 = {.kind = ENV_SPACE_DISCRETE, .n = 3, .dim = 1};
    cr_assert_eq(env_callback_register("cb:Later-v0", &OBS, &act3, 0, NAN, &cb, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "already registered with other spaces"), "%s", err);
    cr_assert_eq(env_callback_register("CartPole-v1", &OBS, &ACT, 0, NAN, &cb, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "not as a callback environment"), "%s", err);
    cr_assert_not(env_callback_is("CartPole-v1"));
    env_space bad = {.kind = ENV_SPACE_BOX, .dim = 0};
    cr_assert_eq(env_callback_register("cb:Bad-v0", &bad, &ACT, 0, NAN, &cb, err, sizeof err), RL_ERR_ARG);
    cr_assert_null(env_find("cb:Bad-v0"));
}

Test(callback, renders_through_the_runtime)
{
    runtime rt = {0};
    reg("cb:Drawn-v0", &rt, 0);
    env_instance e;
    char err[512] = "";
    cr_assert_eq(env_make(&e, "cb:Drawn-v0", 0, err, sizeof err), RL_OK);
    float obs[2], r;
    bool term, trunc;
    env_reset(&e, 0, obs);
    float a = 1;
    env_step(&e, &a, obs, &r, &term, &trunc);
    env_renderer *ren;
    cr_assert_eq(env_render_open(&ren, &e, 0, 0, err, sizeof err), RL_OK, "%s", err);
    int w, h, fps;
    env_render_size(ren, &w, &h, &fps);
    cr_assert(w == 32 && h == 16 && fps == 10);
    uint8_t rgb[32 * 16 * 3];
    cr_assert_eq(env_render_frame(ren, &e, rgb, err, sizeof err), RL_OK);
    cr_assert_eq(rgb[0], 1);
    env_render_close(ren);
    env_close(&e);
}

/* ---- the trainer on a callback environment that fails ------------------------------------ */

static const char *fail_cfg =
    "algo: ppo\n"
    "total_steps: 100000\n"
    "env: {id: cb:Fails-v0, num_envs: 2}\n"
    "ppo: {num_steps: 32, update_epochs: 1, num_minibatches: 2}\n"
    "log: {log_interval: 64, eval_interval: 0, eval_episodes: 2, checkpoint_interval: 128, progress: false}\n";

/* trains fail_cfg (with sets) on a runtime whose step call fail_at fails; the status, the message in err */
static rl_status train_failing(runtime *rt, const char *const *sets, int n_sets, const char *dir, trainer_result *res,
                               char *err, size_t err_sz)
{
    reg("cb:Fails-v0", rt, 50);
    env_callback_clear("cb:Fails-v0");
    rl_config cfg;
    cr_assert_eq(rl_config_load_string(&cfg, fail_cfg, "fails.yaml", sets, n_sets, err, err_sz), RL_OK, "%s", err);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    return trainer_run(&cfg, &o, res, err, err_sz);
}

/* The trainer checks the vector env after each step: the run stops at the step before the
 * failed call (not at total_steps, stepping a failed environment), non-zero, naming the
 * environment and its message, with a checkpoint of that step. No hook or signal is involved. */
Test(callback, training_stops_at_a_failed_step_with_a_checkpoint)
{
    runtime rt = {.fail_step_at = 300};
    char dir[256], err[4096] = "", ckpt[300];
    rlt_tmp_dir(dir, sizeof dir, "cbfail");
    trainer_result res;
    rl_status st = train_failing(&rt, NULL, 0, dir, &res, err, sizeof err);
    cr_assert_neq(st, RL_OK, "the run went on after its environment failed (%lld steps)", (long long)res.steps);
    cr_assert_eq(res.steps, 2 * 299, "stopped at step %lld: %s", (long long)res.steps, err);
    cr_assert_eq(rt.step_calls, 300, "the failed environment was stepped again");
    cr_assert(strstr(err, "environment 'cb:Fails-v0': step failed: KeyError: 'lost'") &&
                  strstr(err, "training stopped at step 598") && strstr(err, "checkpoint.safetensors"),
              "%s", err);
    snprintf(ckpt, sizeof ckpt, "%s/checkpoint.safetensors", dir);
    cr_assert_eq(access(ckpt, F_OK), 0, "%s", err);
    /* the run resumes from that checkpoint once the environment works */
    runtime fixed = {0};
    reg("cb:Fails-v0", &fixed, 50);
    env_callback_clear("cb:Fails-v0");
    rl_config cfg;
    const char *shorter[] = {"total_steps=1024"};
    cr_assert_eq(rl_config_load_string(&cfg, fail_cfg, "fails.yaml", shorter, 1, err, sizeof err), RL_OK, "%s", err);
    trainer_opts o = {.run_dir = dir, .quiet = true, .resume = true};
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(res.start_step, 598);
    rlt_remove_tree(dir);
}

/* a failure in an evaluation during training stops the run the same way; one in the first
 * reset of a fresh run stops it before any step, with nothing to resume */
Test(callback, evaluation_and_first_reset_failures_stop_the_run)
{
    runtime rt = {.fail_step_at = 130};
    char dir[256], err[4096] = "", path[300];
    rlt_tmp_dir(dir, sizeof dir, "cbfail_eval");
    trainer_result res;
    const char *eval[] = {"log.eval_interval=256"};
    /* training steps 1..256 are calls 1..128; the evaluation at step 256 fails at its second call */
    rl_status st = train_failing(&rt, eval, 1, dir, &res, err, sizeof err);
    cr_assert_neq(st, RL_OK, "%s", err);
    cr_assert_eq(res.steps, 256, "%s", err);
    cr_assert(strstr(err, "step failed") && strstr(err, "training stopped at step 256"), "%s", err);
    rlt_remove_tree(dir);

    runtime bad_reset = {.fail_reset = true};
    rlt_tmp_dir(dir, sizeof dir, "cbfail_reset");
    st = train_failing(&bad_reset, NULL, 0, dir, &res, err, sizeof err);
    cr_assert_neq(st, RL_OK, "%s", err);
    cr_assert_eq(res.steps, 0, "%s", err);
    cr_assert_eq(bad_reset.step_calls, 0, "a failed reset was followed by steps");
    cr_assert(strstr(err, "reset failed: RuntimeError: reset exploded") && strstr(err, "before its first step"), "%s", err);
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    cr_assert_neq(access(path, F_OK), 0, "a run that took no step wrote a checkpoint");
    rlt_remove_tree(dir);
}

/* a MultiDiscrete action space: its nvec is copied (the caller's array may go), registering it
 * again compares nvec, and an entry below 2 is refused naming it */
Test(callback, multidiscrete_nvec_is_copied_and_compared)
{
    char err[512] = "";
    int *nvec = malloc(2 * sizeof(int));
    nvec[0] = 3, nvec[1] = 4;
    env_space act = {.kind = ENV_SPACE_MULTI_DISCRETE, .dim = 2, .nvec = nvec};
    cr_assert_eq(env_callback_register("cb:Multi-v0", &OBS, &act, 0, NAN, NULL, err, sizeof err), RL_OK, "%s", err);
    nvec[1] = 9;   /* the registration kept its own copy */
    const env_def *d = env_find("cb:Multi-v0");
    cr_assert(d && d->act_space.nvec != nvec && d->act_space.nvec[1] == 4);
    runtime rt = {0};
    env_callbacks cb = callbacks(&rt);
    cr_assert_eq(env_callback_register("cb:Multi-v0", &OBS, &act, 0, NAN, &cb, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "already registered with other spaces"), "%s", err);
    nvec[1] = 4;
    cr_assert_eq(env_callback_register("cb:Multi-v0", &OBS, &act, 0, NAN, &cb, err, sizeof err), RL_OK, "%s", err);
    nvec[0] = 1;
    cr_assert_eq(env_callback_register("cb:BadMulti-v0", &OBS, &act, 0, NAN, &cb, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "cb:BadMulti-v0") && strstr(err, "nvec[0] = 1"), "%s", err);
    cr_assert_null(env_find("cb:BadMulti-v0"));
    free(nvec);
}

/* a GoalEnv's rewards: 0 where the goals are equal, else -1; every call's batch size */
static int goal_calls, goal_most;
static int rt_goal_reward(void *user, int n, const float *achieved, const float *desired, float *rewards,
                          bool *terminated, char *err, size_t err_sz)
{
    (void)user, (void)err, (void)err_sz;
    goal_calls++;
    if (n > goal_most) goal_most = n;
    for (int i = 0; i < n; i++) {
        terminated[i] = achieved[i] == desired[i];
        rewards[i] = terminated[i] ? 0.0f : -1.0f;
    }
    return 0;
}

/* a Dict's parts and keys are copied and compared; a Dict of achieved_goal, desired_goal and
 * observation with compute_reward publishes the sorted goal layout, whose batches reach the
 * runtime in one call; compute_reward on another space is refused */
Test(callback, dict_parts_are_copied_and_a_goal_dict_publishes_its_layout)
{
    static const float lo[4] = {-1, -1, -1, -1}, hi[4] = {1, 1, 1, 1};
    char names[3][16] = {"achieved_goal", "desired_goal", "observation"}, err[512] = "";
    env_part parts[3] = {{.name = names[0], .dim = 1}, {.name = names[1], .dim = 1}, {.name = names[2], .dim = 2}};
    env_space obs = {.kind = ENV_SPACE_BOX, .dim = 4, .low = lo, .high = hi, .structure = ENV_STRUCT_DICT,
                     .n_parts = 3, .parts = parts};
    runtime rt = {0};
    env_callbacks cb = callbacks(&rt);
    cb.compute_reward = rt_goal_reward;
    cr_assert_eq(env_callback_register("cb:Goal-v0", &obs, &ACT, 0, NAN, &cb, err, sizeof err), RL_OK, "%s", err);
    snprintf(names[2], sizeof names[2], "changed");   /* the registration kept its own keys */
    const env_def *d = env_find("cb:Goal-v0");
    cr_assert(d && d->obs_space.parts != parts && strcmp(d->obs_space.parts[2].name, "observation") == 0);
    const env_goal *g = &d->obs_space.goal;
    cr_assert(g->goal_dim == 1 && g->obs_dim == 3 && g->achieved_offset == 0 && env_goal_desired_offset(g) == 1,
              "goal_dim %d obs_dim %d achieved %d desired %d", g->goal_dim, g->obs_dim, g->achieved_offset,
              env_goal_desired_offset(g));
    float a[3] = {0.5f, 1, 0}, dsr[3] = {0.5f, 0, 0}, r[3];
    bool term[3];
    const float *ap[3] = {a, a + 1, a + 2}, *dp[3] = {dsr, dsr + 1, dsr + 2};
    goal_calls = goal_most = 0;
    g->compute_rewards(g, 3, ap, dp, r, term);
    cr_assert(goal_calls == 1 && goal_most == 3 && r[0] == 0.0f && term[0] && r[1] == -1.0f && !term[1] && r[2] == 0.0f);
    bool t1;
    cr_assert_eq(g->compute_reward(g, a + 1, dsr + 1, &t1), -1.0f);
    /* compute_reward needs the GoalEnv's keys */
    snprintf(names[2], sizeof names[2], "observed");
    cr_assert_eq(env_callback_register("cb:NotGoal-v0", &obs, &ACT, 0, NAN, &cb, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "cb:NotGoal-v0") && strstr(err, "achieved_goal"), "%s", err);
    cb.compute_reward = NULL;   /* without it, an ordinary Dict: no goal layout */
    /* the same id with other keys is another space */
    cr_assert_eq(env_callback_register("cb:Goal-v0", &obs, &ACT, 0, NAN, &cb, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "other spaces"), "%s", err);
    cr_assert_eq(env_callback_register("cb:PlainDict-v0", &obs, &ACT, 0, NAN, &cb, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_find("cb:PlainDict-v0")->obs_space.goal.goal_dim, 0);
}

/* an image observation (rank 3, uint8) larger than a vector Box may be: registered with its shape,
 * its bounds copied (the caller's are gone after registration, as Python's arrays are), and the
 * same id with a flat space of as many values is another space */
Test(callback, an_image_observation_is_registered_with_its_shape_and_bounds)
{
    enum { H = 96, W = 96, C = 12, D = H * W * C };   /* frame-stacked 96 x 96 RGB: above ENV_MAX_DIM */
    float *b = malloc(2 * D * sizeof(float));
    for (int i = 0; i < 2 * D; i++) b[i] = i < D ? 0.0f : 255.0f;
    env_space obs = {.kind = ENV_SPACE_BOX, .dim = D, .low = b, .high = b + D, .rank = 3, .shape = {H, W, C},
                     .elem = ENV_ELEM_UINT8};
    runtime rt = {0};
    env_callbacks cb = callbacks(&rt);
    char err[512] = "";
    cr_assert_eq(env_callback_register("cb:Image-v0", &obs, &ACT, 0, NAN, &cb, err, sizeof err), RL_OK, "%s", err);
    const env_space *o = &env_find("cb:Image-v0")->obs_space;
    cr_assert(o->low != b && o->high != b + D, "the registration keeps its own bounds");
    for (int i = 0; i < 2 * D; i++) b[i] = -1.0f;   /* the caller's arrays change (or are freed) */
    cr_assert(o->low[D - 1] == 0.0f && o->high[D - 1] == 255.0f);
    cr_assert(o->rank == 3 && o->shape[0] == H && o->shape[1] == W && o->shape[2] == C && o->elem == ENV_ELEM_UINT8);
    env_space flat = {.kind = ENV_SPACE_BOX, .dim = 4, .low = b, .high = b + D};   /* a vector of the same values */
    for (int i = 0; i < 4; i++) b[i] = 0.0f, b[D + i] = 255.0f;
    env_space img4 = flat;
    img4.rank = 3, img4.shape[0] = 2, img4.shape[1] = 2, img4.shape[2] = 1, img4.elem = ENV_ELEM_UINT8;
    cr_assert_eq(env_callback_register("cb:Image4-v0", &img4, &ACT, 0, NAN, &cb, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_callback_register("cb:Image4-v0", &flat, &ACT, 0, NAN, &cb, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "other spaces"), "%s", err);
    free(b);
}

/* a Dict's image part may be as large as an image (the Dict's dim above ENV_MAX_DIM), its vector
 * parts still ENV_MAX_DIM values in all */
Test(callback, a_dict_image_part_may_be_large_its_vector_parts_not)
{
    enum { D = 84 * 84 * 4, V = 3 };
    float *b = calloc(2 * (D + ENV_MAX_DIM + 1), sizeof(float));
    for (int i = 0; i < D + ENV_MAX_DIM + 1; i++) b[D + ENV_MAX_DIM + 1 + i] = 1.0f;
    char names[2][16] = {"image", "pos"}, err[512] = "";
    env_part parts[2] = {{.name = names[0], .dim = D, .rank = 3, .shape = {84, 84, 4}, .elem = ENV_ELEM_UINT8},
                         {.name = names[1], .dim = V}};
    env_space obs = {.kind = ENV_SPACE_BOX, .dim = D + V, .low = b, .high = b + D + ENV_MAX_DIM + 1,
                     .structure = ENV_STRUCT_DICT, .n_parts = 2, .parts = parts};
    runtime rt = {0};
    env_callbacks cb = callbacks(&rt);
    cr_assert_eq(env_callback_register("cb:BigDict-v0", &obs, &ACT, 0, NAN, &cb, err, sizeof err), RL_OK, "%s", err);
    cr_assert(env_find("cb:BigDict-v0")->obs_space.low != b, "the bounds are copied");
    parts[1].dim = ENV_MAX_DIM + 1;
    obs.dim = D + ENV_MAX_DIM + 1;
    cr_assert_eq(env_callback_register("cb:BigVec-v0", &obs, &ACT, 0, NAN, &cb, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "cb:BigVec-v0") && strstr(err, "vector parts hold 1025 values: at most 1024"), "%s", err);
    free(b);
}

/* env.frame_stack over a callback environment: its copies stay on the calling thread, and a failed
 * callback inside the wrapper is reported by env_vec_error as it is unwrapped (it was not: a
 * Python environment's exception only ended its episodes, and the run went on) */
Test(callback, frame_stack_keeps_one_thread_and_reports_a_failure)
{
    runtime rt = {.fail_step_at = 3};   /* wrapped, each copy is stepped by a call: the second vector step */
    reg("cb:Stacked-v0", &rt, 0);
    env_def *stacked = NULL;
    char err[512] = "";
    cr_assert_eq(env_frame_stack_def(env_find("cb:Stacked-v0"), 2, &stacked, err, sizeof err), RL_OK, "%s", err);
    env_vec v;
    cr_assert_eq(env_vec_make_def(&v, stacked, 2, NULL, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_vec_set_threads(&v, 2, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(v.n_threads, 1, "the runtime is called from the thread that drives it");
    env_vec_reset(&v, 0);
    float actions[2] = {1, 1};
    env_vec_step(&v, actions);
    cr_assert_eq(env_vec_error(&v, err, sizeof err), RL_OK);
    env_vec_step(&v, actions);
    cr_assert_eq(env_vec_error(&v, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "environment 'cb:Stacked-v0': step failed: KeyError: 'lost'"), "%s", err);
    env_vec_free(&v);
    free(stacked);
    env_callback_clear("cb:Stacked-v0");
}
