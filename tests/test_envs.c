/* rlc tests: the environment API -- registry, env instance (seeding, TimeLimit, episode
 * statistics), the vector env (same-step autoreset, seeding, threads) and CartPole-v1 against
 * the equations of spec A.1, re-derived here in double independently of envs/classic. */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "envs/classic/classic.h"
#include "envs/env.h"

/* ---- an independent CartPole reference (spec A.1) ---------------------------------------- */

typedef struct { double x, xd, th, thd; } ref_cp;

static const double REF_THETA_THR = 12.0 * 2.0 * M_PI / 360.0;

/* one explicit-Euler step; returns terminated */
static bool ref_cp_step(ref_cp *s, int action)
{
    const double g = 9.8, mc = 1.0, mp = 0.1, l = 0.5, tau = 0.02;
    double F = action ? 10.0 : -10.0;
    double tm = mc + mp, pml = mp * l;
    double temp = (F + pml * s->thd * s->thd * sin(s->th)) / tm;
    double thacc = (g * sin(s->th) - cos(s->th) * temp) /
                   (l * (4.0 / 3.0 - mp * cos(s->th) * cos(s->th) / tm));
    double xacc = temp - pml * thacc * cos(s->th) / tm;
    ref_cp n = {s->x + tau * s->xd, s->xd + tau * xacc, s->th + tau * s->thd, s->thd + tau * thacc};
    *s = n;
    return s->x < -2.4 || s->x > 2.4 || s->th < -REF_THETA_THR || s->th > REF_THETA_THR;
}

static env_instance make_env(const char *id, int max_steps)
{
    env_instance e;
    char err[256];
    rl_status st = env_make(&e, id, max_steps, err, sizeof(err));
    cr_assert_eq(st, RL_OK, "env_make(%s): %s", id, err);
    return e;
}

static void set_cp(env_instance *e, double x, double xd, double th, double thd)
{
    env_cartpole_state *s = e->state;
    s->x = x;
    s->x_dot = xd;
    s->theta = th;
    s->theta_dot = thd;
}

/* ---- registry ---------------------------------------------------------------------------- */

Test(registry, builtins_are_listed_and_found)
{
    const char *ids[] = {"CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0",
                         "Pendulum-v1"};
    int n = 0;
    const env_def *const *list = env_list(&n);
    cr_assert_geq(n, 5);
    for (int k = 0; k < 5; k++) {
        const env_def *d = env_find(ids[k]);
        cr_assert_not_null(d, "%s not registered", ids[k]);
        cr_assert_str_eq(d->id, ids[k]);
        cr_assert_eq(list[k], d, "built-ins come first, in order");
    }
    cr_assert_null(env_find("CartPole-v2"));
    cr_assert_null(env_find(NULL));
}

Test(registry, unknown_id_is_not_found_with_message)
{
    env_instance e;
    char err[256] = "";
    cr_assert_eq(env_make(&e, "NoSuchEnv-v0", 0, err, sizeof(err)), RL_ERR_NOT_FOUND);
    cr_assert(strstr(err, "NoSuchEnv-v0") != NULL, "message names the id: %s", err);
    env_close(&e);   /* NULL-safe on a failed make */
}

static rl_status counter_init(void *state, char *err, size_t err_sz)
{
    (void)err;
    (void)err_sz;
    *(int *)state = 100;
    return RL_OK;
}
static void counter_reset(void *state, rl_rng *rng, float *obs)
{
    (void)rng;
    *(int *)state = 0;
    obs[0] = 0.0f;
}
static void counter_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                         bool *terminated, bool *truncated)
{
    (void)rng;
    int *c = state;
    (*c)++;
    obs[0] = (float)*c;
    *reward = action[0];
    *terminated = *c >= 7;
    *truncated = false;
}
static const float counter_lo[1] = {0.0f}, counter_hi[1] = {100.0f};
static const float counter_alo[1] = {-1.0f}, counter_ahi[1] = {1.0f};
static const env_def counter_def = {
    .id = "TestCounter-v0",
    .state_size = sizeof(int),
    .max_episode_steps = 5,
    .reward_threshold = NAN,
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = 1, .low = counter_lo, .high = counter_hi},
    .act_space = {.kind = ENV_SPACE_BOX, .dim = 1, .low = counter_alo, .high = counter_ahi},
    .init = counter_init,
    .reset = counter_reset,
    .step = counter_step,
};

Test(registry, register_user_env_then_duplicate_fails)
{
    char err[256] = "";
    cr_assert_eq(env_register(&counter_def, err, sizeof(err)), RL_OK, "%s", err);
    cr_assert_eq(env_find("TestCounter-v0"), &counter_def);
    int n = 0;
    const env_def *const *list = env_list(&n);
    cr_assert_eq(list[n - 1], &counter_def, "appended in registration order");
    cr_assert_eq(env_register(&counter_def, err, sizeof(err)), RL_ERR_ARG);
    cr_assert(strstr(err, "TestCounter-v0") != NULL);
    cr_assert_eq(env_register(&env_cartpole_v1, err, sizeof(err)), RL_ERR_ARG);

    /* the instance: init ran on zeroed state, TimeLimit 5 truncates before the terminal 7 */
    env_instance e = make_env("TestCounter-v0", 0);
    cr_assert_eq(*(int *)e.state, 100, "init ran");
    float obs[1], r, a[1] = {0.5f};
    bool term, trunc;
    env_reset(&e, -1, obs);
    for (int t = 1; t <= 5; t++) {
        env_step(&e, a, obs, &r, &term, &trunc);
        cr_assert_eq(obs[0], (float)t);
        cr_assert_eq(trunc, t == 5, "step %d", t);
        cr_assert(!term);
    }
    cr_assert_float_eq(e.ep_return, 2.5, 1e-12);
    cr_assert_eq(e.ep_length, 5);
    env_close(&e);
    /* an override longer than the episode lets termination happen first */
    e = make_env("TestCounter-v0", 50);
    cr_assert_eq(e.max_steps, 50);
    env_reset(&e, -1, obs);
    for (int t = 1; t <= 7; t++) env_step(&e, a, obs, &r, &term, &trunc);
    cr_assert(term && !trunc);
    env_close(&e);
}

/* an environment with its own generator is told every seed the instance's rng gets */
static uint64_t seeds_seen[8];
static int n_seeds_seen;
static void record_seed(void *state, uint64_t seed)
{
    if (n_seeds_seen == 0) cr_assert_eq(*(int *)state, 100, "init runs before the first seed");
    seeds_seen[n_seeds_seen++] = seed;
}

Test(registry, an_env_with_its_own_generator_is_told_the_seeds)
{
    env_def d = counter_def;
    d.id = "TestOwnSeed-v0";
    d.seed = record_seed;
    env_instance e;
    char err[256] = "";
    cr_assert_eq(env_make_def(&e, &d, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(n_seeds_seen, 1, "env_make seeds with 0, as it seeds the rng");
    cr_assert_eq(seeds_seen[0], 0);
    float obs[1];
    env_reset(&e, -1, obs);
    cr_assert_eq(n_seeds_seen, 1, "a reset without a seed does not reseed");
    env_reset(&e, 42, obs);
    env_reset(&e, 7, obs);
    cr_assert_eq(n_seeds_seen, 3);
    cr_assert(seeds_seen[1] == 42 && seeds_seen[2] == 7);
    env_close(&e);
}

Test(registry, bad_definitions_rejected)
{
    char err[256];
    env_def d = counter_def;
    d.id = "TestBad-v0";
    d.step = NULL;
    cr_assert_eq(env_register(&d, err, sizeof(err)), RL_ERR_ARG);
    d = counter_def;
    d.id = "TestBad-v0";
    d.obs_space.dim = 0;
    cr_assert_eq(env_register(&d, err, sizeof(err)), RL_ERR_ARG);
    cr_assert_null(env_find("TestBad-v0"));
}

Test(registry, plugin_errors)
{
    char err[512] = "";
    cr_assert_eq(env_load_plugin("/nonexistent/libnothing.so", err, sizeof(err)), RL_ERR_IO);
    cr_assert(strstr(err, "/nonexistent/libnothing.so") != NULL, "%s", err);
    /* a real shared object that is not a plugin */
    rl_status st = env_load_plugin("libm.so.6", err, sizeof(err));
    cr_assert_eq(st, RL_ERR_FORMAT, "got %d: %s", st, err);
    cr_assert(strstr(err, "rlc_plugin_init") != NULL, "%s", err);
}

/* ---- CartPole-v1 ------------------------------------------------------------------------- */

Test(cartpole, spaces_and_registration)
{
    const env_def *d = env_find("CartPole-v1");
    cr_assert_eq(d->max_episode_steps, 500);
    cr_assert_eq(d->reward_threshold, 475.0);
    cr_assert_eq(d->act_space.kind, ENV_SPACE_DISCRETE);
    cr_assert_eq(d->act_space.n, 2);
    cr_assert_eq(env_space_dim(&d->act_space), 1);
    cr_assert_eq(d->obs_space.kind, ENV_SPACE_BOX);
    cr_assert_eq(d->obs_space.dim, 4);
    const float hi[4] = {4.8f, INFINITY, 0.41887903f, INFINITY};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(d->obs_space.high[i], hi[i], "high[%d] = %.9g", i, d->obs_space.high[i]);
        cr_assert_eq(d->obs_space.low[i], -hi[i]);
    }
}

Test(cartpole, steps_follow_the_equations)
{
    env_instance e = make_env("CartPole-v1", 0);
    float obs[4], r;
    bool term, trunc;
    env_reset(&e, 7, obs);
    env_cartpole_state *s = e.state;
    ref_cp ref = {s->x, s->x_dot, s->theta, s->theta_dot};
    cr_assert_eq(obs[0], (float)ref.x);
    cr_assert_eq(obs[3], (float)ref.thd);
    const int actions[12] = {1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1};
    for (int t = 0; t < 12; t++) {
        float a = (float)actions[t];
        env_step(&e, &a, obs, &r, &term, &trunc);
        bool rterm = ref_cp_step(&ref, actions[t]);
        cr_assert_float_eq(s->x, ref.x, 1e-12, "t=%d x", t);
        cr_assert_float_eq(s->x_dot, ref.xd, 1e-12, "t=%d x_dot", t);
        cr_assert_float_eq(s->theta, ref.th, 1e-12, "t=%d theta", t);
        cr_assert_float_eq(s->theta_dot, ref.thd, 1e-12, "t=%d theta_dot", t);
        cr_assert_float_eq(obs[0], (float)ref.x, 1e-7f);
        cr_assert_float_eq(obs[1], (float)ref.xd, 1e-7f);
        cr_assert_float_eq(obs[2], (float)ref.th, 1e-7f);
        cr_assert_float_eq(obs[3], (float)ref.thd, 1e-7f);
        cr_assert_eq(term, rterm);
        cr_assert(!trunc);
        cr_assert_eq(r, 1.0f);
    }
    /* a hand check of the first Euler step from rest at the origin, pushing right:
     * temp = 10/1.1, thacc = -temp / (0.5 (4/3 - 0.1/1.1)), positions do not move (old velocities) */
    set_cp(&e, 0, 0, 0, 0);
    float a1 = 1.0f;
    env_step(&e, &a1, obs, &r, &term, &trunc);
    double temp = 10.0 / 1.1, thacc = -temp / (0.5 * (4.0 / 3.0 - 0.1 / 1.1));
    double xacc = temp - 0.05 * thacc / 1.1;
    cr_assert_eq(s->x, 0.0);
    cr_assert_eq(s->theta, 0.0);
    cr_assert_float_eq(s->x_dot, 0.02 * xacc, 1e-15);
    cr_assert_float_eq(s->theta_dot, 0.02 * thacc, 1e-15);
    cr_assert_lt(s->theta_dot, 0.0, "pushing right tips the pole left");
    env_close(&e);
}

/* steps once from the given state with action 1; returns terminated */
static bool cp_term_from(double x, double xd, double th, double thd, float *reward)
{
    env_instance e = make_env("CartPole-v1", 0);
    float obs[4], a = 1.0f;
    bool term, trunc;
    env_reset(&e, 0, obs);
    set_cp(&e, x, xd, th, thd);
    env_step(&e, &a, obs, reward, &term, &trunc);
    env_close(&e);
    return term;
}

Test(cartpole, terminates_at_each_bound_strictly)
{
    float r = -5.0f;
    /* x_dot moves x across the bound in one step (x += 0.02 * x_dot with the old x_dot) */
    cr_assert(cp_term_from(2.4, 0.5, 0, 0, &r), "x > 2.4");
    cr_assert_eq(r, 1.0f, "the terminating step pays +1");
    cr_assert(cp_term_from(-2.4, -0.5, 0, 0, &r), "x < -2.4");
    /* theta crosses with theta_dot; position stays at 0 */
    cr_assert(cp_term_from(0, 0, REF_THETA_THR, 0.5, &r), "theta > thr");
    cr_assert(cp_term_from(0, 0, -REF_THETA_THR, -0.5, &r), "theta < -thr");
    /* sitting exactly on the bound (velocity 0 keeps the position) is not a termination */
    cr_assert(!cp_term_from(2.4, 0, 0, 0, &r), "x == 2.4 is inside");
    cr_assert(!cp_term_from(-2.4, 0, 0, 0, &r), "x == -2.4 is inside");
    cr_assert(!cp_term_from(0, 0, REF_THETA_THR, 0, &r), "theta == thr is inside");
    cr_assert(!cp_term_from(0, 0, -REF_THETA_THR, 0, &r), "theta == -thr is inside");
    /* evaluated on the updated state: outside before, back inside after, not terminated */
    cr_assert(!cp_term_from(2.41, -1.0, 0, 0, &r), "x 2.41 -> 2.39");
    cr_assert(cp_term_from(2.39, 1.0, 0, 0, &r), "x 2.39 -> 2.41");
}

Test(cartpole, reward_zero_after_termination_until_reset)
{
    env_instance e = make_env("CartPole-v1", 0);
    float obs[4], r, a = 1.0f;
    bool term, trunc;
    env_reset(&e, 1, obs);
    set_cp(&e, 2.4, 1.0, 0, 0);
    env_step(&e, &a, obs, &r, &term, &trunc);
    cr_assert(term);
    cr_assert_eq(r, 1.0f);
    for (int k = 1; k <= 3; k++) {
        env_step(&e, &a, obs, &r, &term, &trunc);
        cr_assert(term);
        cr_assert_eq(r, 0.0f, "extra step %d pays 0", k);
        cr_assert_eq(((env_cartpole_state *)e.state)->steps_beyond_terminated, k);
    }
    cr_assert_float_eq(e.ep_return, 1.0, 1e-12, "1 (terminal step) + 0 + 0 + 0");
    cr_assert_eq(e.ep_length, 4);
    /* a reset clears the flag: the next terminal step pays +1 again */
    env_reset(&e, -1, obs);
    set_cp(&e, -2.4, -1.0, 0, 0);
    env_step(&e, &a, obs, &r, &term, &trunc);
    cr_assert(term);
    cr_assert_eq(r, 1.0f);
    env_close(&e);
}

Test(cartpole, truncates_at_500)
{
    env_instance e = make_env("CartPole-v1", 0);
    cr_assert_eq(e.max_steps, 500);
    float obs[4], r;
    bool term = false, trunc = false;
    env_reset(&e, 3, obs);
    for (int t = 1; t <= 500; t++) {
        set_cp(&e, 0, 0, 0, 0);   /* keep it balanced so that only the time limit can end it */
        float a = (float)(t & 1);
        env_step(&e, &a, obs, &r, &term, &trunc);
        cr_assert(!term);
        cr_assert_eq(trunc, t == 500, "t=%d", t);
        cr_assert_eq(e.elapsed, t);
    }
    cr_assert_eq(e.ep_length, 500);
    cr_assert_float_eq(e.ep_return, 500.0, 1e-9);
    /* reset restarts the counter */
    env_reset(&e, -1, obs);
    cr_assert_eq(e.elapsed, 0);
    cr_assert_eq(e.ep_return, 0.0);
    env_close(&e);
}

Test(cartpole, same_seed_same_trajectory)
{
    env_instance a = make_env("CartPole-v1", 0), b = make_env("CartPole-v1", 0);
    float oa[4], ob[4], ra, rb;
    bool ta, tb, ua, ub;
    /* b plays a different episode first: the seed alone decides */
    env_reset(&b, 99, ob);
    env_reset(&a, 42, oa);
    env_reset(&b, 42, ob);
    cr_assert_arr_eq(oa, ob, sizeof(oa));
    for (int t = 0; t < 30; t++) {
        float act = (float)((t * 7 / 3) & 1);
        env_step(&a, &act, oa, &ra, &ta, &ua);
        env_step(&b, &act, ob, &rb, &tb, &ub);
        cr_assert_arr_eq(oa, ob, sizeof(oa), "t=%d", t);
        cr_assert_eq(ra, rb);
        cr_assert_eq(ta, tb);
    }
    /* an unseeded reset continues the RNG, identically in both */
    env_reset(&a, -1, oa);
    env_reset(&b, -1, ob);
    cr_assert_arr_eq(oa, ob, sizeof(oa));
    /* a different seed gives a different start */
    env_reset(&a, 42, oa);
    env_reset(&b, 43, ob);
    cr_assert(memcmp(oa, ob, sizeof(oa)) != 0);
    /* an unseeded first reset equals reset(seed = 0) */
    env_instance c = make_env("CartPole-v1", 0);
    float oc[4];
    env_reset(&c, -1, oc);
    env_reset(&a, 0, oa);
    cr_assert_arr_eq(oa, oc, sizeof(oa));
    env_close(&a);
    env_close(&b);
    env_close(&c);
}

Test(cartpole, initial_state_range)
{
    env_instance e = make_env("CartPole-v1", 0);
    float obs[4];
    double lo[4] = {1, 1, 1, 1}, hi[4] = {-1, -1, -1, -1};
    env_reset(&e, 5, obs);
    for (int k = 0; k < 400; k++) {
        env_reset(&e, -1, obs);
        const env_cartpole_state *s = e.state;
        double v[4] = {s->x, s->x_dot, s->theta, s->theta_dot};
        for (int i = 0; i < 4; i++) {
            cr_assert(v[i] >= -0.05 && v[i] < 0.05, "component %d = %g", i, v[i]);
            cr_assert_eq(obs[i], (float)v[i]);
            if (v[i] < lo[i]) lo[i] = v[i];
            if (v[i] > hi[i]) hi[i] = v[i];
        }
    }
    for (int i = 0; i < 4; i++) {
        cr_assert_lt(lo[i], -0.045, "component %d covers the low end", i);
        cr_assert_gt(hi[i], 0.045, "component %d covers the high end", i);
    }
    env_close(&e);
}

Test(cartpole, invalid_action_aborts, .signal = SIGABRT)
{
    env_instance e = make_env("CartPole-v1", 0);
    float obs[4], r, a = 2.0f;
    bool term, trunc;
    env_reset(&e, 0, obs);
    env_step(&e, &a, obs, &r, &term, &trunc);
}

/* ---- vector env -------------------------------------------------------------------------- */

Test(vec, reset_seeds_copy_i_with_seed_plus_i)
{
    env_vec v;
    char err[256];
    cr_assert_eq(env_vec_make(&v, "CartPole-v1", 3, 0, err, sizeof(err)), RL_OK, "%s", err);
    cr_assert_eq(v.obs_dim, 4);
    cr_assert_eq(v.act_dim, 1);
    env_vec_reset(&v, 10);
    for (int i = 0; i < 3; i++) {
        env_instance e = make_env("CartPole-v1", 0);
        float obs[4];
        env_reset(&e, 10 + i, obs);
        cr_assert_arr_eq(obs, v.obs + i * 4, sizeof(obs), "copy %d", i);
        env_close(&e);
    }
    cr_assert(memcmp(v.obs, v.obs + 4, 4 * sizeof(float)) != 0);
    env_vec_free(&v);
    env_vec_free(&v);   /* NULL-safe / idempotent after free */
}

/* runs a vector env and, in parallel, n single instances stepped by hand with the same
 * actions; checks autoreset, final_obs and the episode statistics against them */
static void check_vec_against_instances(int n, int n_threads, int max_steps, int steps)
{
    env_vec v;
    char err[256];
    cr_assert_eq(env_vec_make(&v, "CartPole-v1", n, max_steps, err, sizeof(err)), RL_OK, "%s", err);
    if (n_threads > 1) cr_assert_eq(env_vec_set_threads(&v, n_threads, err, sizeof(err)), RL_OK, "%s", err);
    env_instance ref[8];
    float robs[8][4];
    double rret[8] = {0};
    int rlen[8] = {0};
    cr_assert_leq(n, 8);
    env_vec_reset(&v, 100);
    for (int i = 0; i < n; i++) {
        ref[i] = make_env("CartPole-v1", max_steps);
        env_reset(&ref[i], 100 + i, robs[i]);
    }
    int finished = 0, truncs = 0;
    float actions[8];
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++) actions[i] = (float)(((t + i) / 2) & 1);
        env_vec_step(&v, actions);
        for (int i = 0; i < n; i++) {
            float r;
            bool term, trunc;
            env_step(&ref[i], &actions[i], robs[i], &r, &term, &trunc);
            rret[i] += r;
            rlen[i]++;
            cr_assert_eq(v.rewards[i], r);
            cr_assert_eq(v.terminated[i], term, "t=%d copy %d", t, i);
            cr_assert_eq(v.truncated[i], trunc, "t=%d copy %d", t, i);
            if (term || trunc) {
                cr_assert_arr_eq(v.final_obs + i * 4, robs[i], 4 * sizeof(float),
                                 "final_obs is the finished episode's last obs");
                cr_assert_eq(v.ep_length[i], rlen[i]);
                cr_assert_float_eq(v.ep_return[i], rret[i], 1e-9);
                env_reset(&ref[i], -1, robs[i]);   /* autoreset continues the RNG */
                rret[i] = 0.0;
                rlen[i] = 0;
                finished++;
                truncs += trunc;
            }
            cr_assert_arr_eq(v.obs + i * 4, robs[i], 4 * sizeof(float), "t=%d copy %d obs", t, i);
        }
    }
    cr_assert_gt(finished, n, "several episodes finished during the test");
    if (max_steps > 0) cr_assert_gt(truncs, 0, "some episodes were truncated");
    for (int i = 0; i < n; i++) env_close(&ref[i]);
    env_vec_free(&v);
}

Test(vec, autoreset_keeps_final_obs_and_reports_episode_stats)
{
    check_vec_against_instances(3, 1, 0, 200);
}

Test(vec, autoreset_on_truncation)
{
    /* a short TimeLimit so that truncation and termination both occur */
    check_vec_against_instances(4, 1, 12, 120);
}

Test(vec, threads_give_identical_results)
{
    check_vec_against_instances(5, 2, 15, 100);
    check_vec_against_instances(7, 3, 0, 100);
}

Test(vec, thread_count_does_not_change_the_run)
{
    enum { N = 6, STEPS = 300 };
    float obs1[N * 3], obs2[N * 3];
    double ret1 = 0, ret2 = 0;
    for (int pass = 0; pass < 2; pass++) {
        env_vec v;
        char err[256];
        cr_assert_eq(env_vec_make(&v, "Pendulum-v1", N, 0, err, sizeof(err)), RL_OK);
        cr_assert_eq(env_vec_set_threads(&v, pass == 0 ? 1 : 4, err, sizeof(err)), RL_OK);
        cr_assert_eq(v.n_threads, pass == 0 ? 1 : 4);
        env_vec_reset(&v, 3);
        double sum = 0;
        float act[N];
        for (int t = 0; t < STEPS; t++) {
            for (int i = 0; i < N; i++) act[i] = sinf(0.1f * (float)(t + 3 * i)) * 2.0f;
            env_vec_step(&v, act);
            for (int i = 0; i < N; i++) sum += v.rewards[i] + (v.truncated[i] ? v.ep_return[i] : 0.0);
        }
        memcpy(pass == 0 ? obs1 : obs2, v.obs, sizeof(obs1));
        if (pass == 0) ret1 = sum;
        else ret2 = sum;
        env_vec_free(&v);
    }
    cr_assert_arr_eq(obs1, obs2, sizeof(obs1));
    cr_assert_eq(ret1, ret2);
    cr_assert_neq(ret1, 0.0);
}

Test(vec, bad_arguments)
{
    env_vec v;
    char err[256];
    cr_assert_eq(env_vec_make(&v, "CartPole-v1", 0, 0, err, sizeof(err)), RL_ERR_ARG);
    cr_assert_eq(env_vec_make(&v, "Nope-v0", 2, 0, err, sizeof(err)), RL_ERR_NOT_FOUND);
    cr_assert_eq(env_vec_make(&v, "CartPole-v1", 2, 0, err, sizeof(err)), RL_OK);
    cr_assert_eq(env_vec_set_threads(&v, 0, err, sizeof(err)), RL_ERR_ARG);
    cr_assert_eq(env_vec_set_threads(&v, 16, err, sizeof(err)), RL_OK);
    cr_assert_eq(v.n_threads, 2, "capped at n");
    cr_assert_eq(env_vec_set_threads(&v, 1, err, sizeof(err)), RL_OK);
    cr_assert_null(v.pool);
    env_vec_free(&v);
}

/* ---- plugin loading (active when CMake builds examples/plugin_env as a module and passes its
 * path as RLC_PLUGIN_POINT_REACH; the test program must then be built with ENABLE_EXPORTS) ---- */

#ifdef RLC_PLUGIN_POINT_REACH
Test(registry, plugin_example_loads_and_runs)
{
    char err[512] = "";
    cr_assert_eq(env_load_plugin(RLC_PLUGIN_POINT_REACH, err, sizeof(err)), RL_OK, "%s", err);
    const env_def *d = env_find("PointReach-v0");
    cr_assert_not_null(d);
    cr_assert_eq(d->act_space.dim, 2);
    env_instance e = make_env("PointReach-v0", 0);
    float obs[4], a[2] = {0.3f, -0.2f}, r;
    bool term = false, trunc = false;
    env_reset(&e, 1, obs);
    int t = 0;
    while (!term && !trunc) {
        env_step(&e, a, obs, &r, &term, &trunc);
        t++;
    }
    cr_assert_leq(t, 200);
    cr_assert(term || t == 200);
    env_close(&e);
    /* loading twice fails: the id is taken */
    cr_assert_eq(env_load_plugin(RLC_PLUGIN_POINT_REACH, err, sizeof(err)), RL_ERR_ARG);
}
#endif
