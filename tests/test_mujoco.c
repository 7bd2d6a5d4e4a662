/* rlc tests: the MuJoCo tasks (envs/mujoco) against spec section B, through the env_def
 * functions directly: spaces and limits, model figures, every reward term re-derived here from
 * mjData, termination at each health bound, reset noise, determinism, warning-free random
 * rollouts, divergence handling, asset search and the v4/v5 differences. */
#ifdef RLC_HAVE_MUJOCO

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <mujoco/mujoco.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "envs/mujoco/mujoco_envs.h"
#include "tests/helpers/testutil.h"

/* ---- the spec's figures (section B summary table and per-task notes) ---------------------- */

typedef struct {
    const char *id;
    int obs_dim, act_dim;
    float act_bound;
    int max_steps;
    double threshold;       /* NAN = none */
    int frame_skip;
    double timestep;
    int integrator;
    int nq, nv;
} task_spec;

static const task_spec SPECS[] = {
    {"InvertedPendulum-v5", 4, 1, 3.0f, 1000, 950, 2, 0.02, mjINT_RK4, 2, 2},
    {"InvertedDoublePendulum-v5", 9, 1, 1.0f, 1000, 9100, 5, 0.01, mjINT_RK4, 3, 3},
    {"Reacher-v5", 10, 2, 1.0f, 50, -3.75, 2, 0.01, mjINT_RK4, 4, 4},
    {"Swimmer-v5", 8, 2, 1.0f, 1000, 360, 4, 0.01, mjINT_RK4, 5, 5},
    {"Hopper-v5", 11, 3, 1.0f, 1000, 3800, 4, 0.002, mjINT_RK4, 6, 6},
    {"HalfCheetah-v5", 17, 6, 1.0f, 1000, 4800, 5, 0.01, mjINT_EULER, 9, 9},
    {"Walker2d-v5", 17, 6, 1.0f, 1000, NAN, 4, 0.002, mjINT_RK4, 9, 9},
    {"Ant-v5", 105, 8, 1.0f, 1000, 6000, 5, 0.01, mjINT_RK4, 15, 14},
    {"Humanoid-v5", 348, 17, 0.4f, 1000, NAN, 5, 0.003, mjINT_RK4, 24, 23},
    {"Hopper-v4", 11, 3, 1.0f, 1000, 3800, 4, 0.002, mjINT_RK4, 6, 6},
    {"HalfCheetah-v4", 17, 6, 1.0f, 1000, 4800, 5, 0.01, mjINT_EULER, 9, 9},
    {"Walker2d-v4", 17, 6, 1.0f, 1000, NAN, 4, 0.002, mjINT_RK4, 9, 9},
    {"Ant-v4", 27, 8, 1.0f, 1000, 6000, 5, 0.01, mjINT_RK4, 15, 14},
    {"Humanoid-v4", 376, 17, 0.4f, 1000, NAN, 5, 0.003, mjINT_RK4, 24, 23},
    {"Pusher-v5", 23, 7, 2.0f, 100, 0, 5, 0.01, mjINT_EULER, 11, 11},
    {"Pusher-v4", 23, 7, 2.0f, 100, 0, 5, 0.01, mjINT_EULER, 11, 11},
    {"HumanoidStandup-v5", 348, 17, 0.4f, 1000, NAN, 5, 0.003, mjINT_RK4, 24, 23},
    {"HumanoidStandup-v4", 376, 17, 0.4f, 1000, NAN, 5, 0.003, mjINT_RK4, 24, 23},
};
#define NSPECS RL_ARRAY_LEN(SPECS)

/* ---- helpers ------------------------------------------------------------------------------- */

typedef struct {
    const env_def *def;
    void *s;
    rl_rng rng;
} menv;

static const env_def *find_def(const char *id)
{
    int n = 0;
    const env_def *const *defs = env_mujoco_defs(&n);
    for (int i = 0; i < n; i++)
        if (strcmp(defs[i]->id, id) == 0)
            return defs[i];
    return NULL;
}

static menv open_env(const char *id, uint64_t seed)
{
    menv e;
    e.def = find_def(id);
    cr_assert_not_null(e.def, "%s is not among env_mujoco_defs", id);
    e.s = calloc(1, e.def->state_size);
    if (e.def->params) memcpy(e.s, e.def->params, e.def->params_size);   /* as env_make does */
    char err[512] = "";
    cr_assert_eq(e.def->init(e.s, err, sizeof err), RL_OK, "%s init: %s", id, err);
    rl_rng_seed(&e.rng, seed, 0);
    return e;
}

static void close_env(menv *e)
{
    if (e->def->close)
        e->def->close(e->s);
    free(e->s);
}

typedef struct {
    float obs[ENV_MAX_DIM];
    float reward;
    bool term, trunc;
} step_out;

static void reset_env(menv *e, float *obs)
{
    e->def->reset(e->s, &e->rng, obs);
}

static step_out step_env(menv *e, const float *a)
{
    step_out o;
    e->def->step(e->s, &e->rng, a, o.obs, &o.reward, &o.term, &o.trunc);
    return o;
}

static void random_action(rl_rng *r, const env_def *d, float *a)
{
    for (int i = 0; i < d->act_space.dim; i++)
        a[i] = (float)rl_rng_uniform(r, d->act_space.low[i], d->act_space.high[i]);
}

static bool is_v4(const char *id)
{
    return strstr(id, "-v4") != NULL;
}

static bool starts(const char *id, const char *prefix)
{
    return strncmp(id, prefix, strlen(prefix)) == 0;
}

/* what the reward needs from before the step */
typedef struct {
    double qpos_x, torso_x, com_x;
    double pusher_dist, pusher_near;   /* |object - goal|, |object - tips_arm| (Pusher) */
} pre_state;

/* |xpos(a) - xpos(b)| of two named bodies */
static double body_dist(const mjModel *m, const mjData *d, const char *a, const char *b)
{
    int i = mj_name2id(m, mjOBJ_BODY, a), j = mj_name2id(m, mjOBJ_BODY, b);
    cr_assert(i >= 0 && j >= 0, "bodies %s, %s", a, b);
    double s = 0;
    for (int k = 0; k < 3; k++)
        s += (d->xpos[3 * i + k] - d->xpos[3 * j + k]) * (d->xpos[3 * i + k] - d->xpos[3 * j + k]);
    return sqrt(s);
}

static double com_x(const mjModel *m, const mjData *d)
{
    double mx = 0, ms = 0;
    for (int b = 0; b < m->nbody; b++) {
        mx += m->body_mass[b] * d->xipos[3 * b];
        ms += m->body_mass[b];
    }
    return mx / ms;
}

static pre_state snapshot(menv *e)
{
    const mjModel *m = env_mujoco_model(e->s);
    const mjData *d = env_mujoco_data(e->s);
    pre_state p = {d->qpos[0], d->xpos[3 * 1], com_x(m, d), 0, 0};
    if (mj_name2id(m, mjOBJ_BODY, "object") >= 0) {
        p.pusher_dist = body_dist(m, d, "object", "goal");
        p.pusher_near = body_dist(m, d, "object", "tips_arm");
    }
    return p;
}

static double sq(double x)
{
    return x * x;
}

static double clipd(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* The reward terms of spec section B, from the data after the step. Returns the count. */
static int expected_terms(const char *id, const mjModel *m, const mjData *d, const pre_state *p,
                          const float *a, int nu, double dt, double *t, bool *term)
{
    double a2 = 0;
    for (int i = 0; i < nu; i++)
        a2 += sq(a[i]);
    bool v4 = is_v4(id);
    if (starts(id, "InvertedPendulum")) {
        *term = !(isfinite(d->qpos[0]) && isfinite(d->qpos[1]) && isfinite(d->qvel[0]) &&
                  isfinite(d->qvel[1])) || fabs(d->qpos[1]) > 0.2;
        t[0] = *term ? 0 : 1;
        return 1;
    }
    if (starts(id, "InvertedDoublePendulum")) {
        double x = d->site_xpos[0], y = d->site_xpos[2];
        *term = y <= 1;
        t[0] = *term ? 0 : 10;
        t[1] = -(0.01 * x * x + sq(y - 2));
        t[2] = -(1e-3 * sq(d->qvel[1]) + 5e-3 * sq(d->qvel[2]));
        return 3;
    }
    if (starts(id, "Reacher")) {
        int f = mj_name2id(m, mjOBJ_BODY, "fingertip"), g = mj_name2id(m, mjOBJ_BODY, "target");
        double v2 = 0;
        for (int i = 0; i < 3; i++)
            v2 += sq(d->xpos[3 * f + i] - d->xpos[3 * g + i]);
        *term = false;
        t[0] = -sqrt(v2);
        t[1] = -1.0 * a2;      /* weight 1 in code (spec pitfall 5) */
        return 2;
    }
    if (starts(id, "Swimmer") || starts(id, "HalfCheetah")) {
        *term = false;
        t[0] = (d->qpos[0] - p->qpos_x) / dt;
        t[1] = -(starts(id, "Swimmer") ? 1e-4 : 0.1) * a2;
        return 2;
    }
    if (starts(id, "Hopper") || starts(id, "Walker2d")) {
        bool healthy;
        double z = d->qpos[1], ang = d->qpos[2];
        if (starts(id, "Hopper")) {
            healthy = z > 0.7 && ang > -0.2 && ang < 0.2;
            for (int i = 2; i < m->nq; i++)
                healthy = healthy && d->qpos[i] > -100 && d->qpos[i] < 100;
            for (int i = 0; i < m->nv; i++)
                healthy = healthy && d->qvel[i] > -100 && d->qvel[i] < 100;
        } else {
            healthy = z > 0.8 && z < 2.0 && ang > -1 && ang < 1;
        }
        *term = !healthy;
        t[0] = (d->qpos[0] - p->qpos_x) / dt;
        t[1] = (healthy || v4) ? 1 : 0;
        t[2] = -1e-3 * a2;
        return 3;
    }
    if (starts(id, "Ant")) {
        bool healthy = d->qpos[2] >= 0.2 && d->qpos[2] <= 1.0;
        *term = !healthy;
        t[0] = (d->xpos[3] - p->torso_x) / dt;
        t[1] = (healthy || v4) ? 1 : 0;
        t[2] = -0.5 * a2;
        if (v4)
            return 3;
        double c = 0;
        for (int i = 0; i < 6 * m->nbody; i++)
            c += sq(clipd(d->cfrc_ext[i], -1, 1));
        t[3] = -5e-4 * c;
        return 4;
    }
    if (starts(id, "Pusher")) {
        /* v5 measures after the step, v4 before it */
        *term = false;
        t[0] = -(v4 ? p->pusher_dist : body_dist(m, d, "object", "goal"));
        t[1] = -0.1 * a2;
        t[2] = -0.5 * (v4 ? p->pusher_near : body_dist(m, d, "object", "tips_arm"));
        return 3;
    }
    if (starts(id, "HumanoidStandup")) {
        double c = 0;
        for (int i = 0; i < 6 * m->nbody; i++)
            c += sq(d->cfrc_ext[i]);
        *term = false;
        t[0] = d->qpos[2] / 0.003;      /* over the timestep, not dt */
        t[1] = -0.1 * a2;
        t[2] = -fmin(0.5e-6 * c, 10.0);
        t[3] = 1;
        return 4;
    }
    if (starts(id, "Humanoid")) {
        bool healthy = d->qpos[2] > 1.0 && d->qpos[2] < 2.0;
        *term = !healthy;
        t[0] = 1.25 * (com_x(m, d) - p->com_x) / dt;
        t[1] = (healthy || v4) ? 5 : 0;
        t[2] = -0.1 * a2;
        if (v4)
            return 3;
        double c = 0;
        for (int i = 0; i < 6 * m->nbody; i++)
            c += sq(d->cfrc_ext[i]);
        t[3] = -fmin(5e-7 * c, 10.0);
        return 4;
    }
    cr_assert_fail("no reference reward for %s", id);
    return 0;
}

/* ---- registration, spaces, model figures ----------------------------------------------------- */

Test(mujoco, defs_and_spaces)
{
    int n = 0;
    const env_def *const *defs = env_mujoco_defs(&n);
    cr_assert_eq(n, NSPECS, "env_mujoco_defs gives %d definitions", n);
    for (int i = 0; i < NSPECS; i++) {
        const task_spec *sp = &SPECS[i];
        const env_def *d = find_def(sp->id);
        cr_assert_not_null(d, "%s missing", sp->id);
        for (int j = 0; j < n; j++)
            cr_assert(defs[j] == d || strcmp(defs[j]->id, sp->id) != 0, "%s twice", sp->id);
        cr_assert_eq(d->max_episode_steps, sp->max_steps, "%s time limit", sp->id);
        if (isnan(sp->threshold))
            cr_assert(isnan(d->reward_threshold), "%s has no threshold", sp->id);
        else
            cr_assert_eq(d->reward_threshold, sp->threshold, "%s threshold", sp->id);
        cr_assert_eq(d->obs_space.kind, ENV_SPACE_BOX);
        cr_assert_eq(d->obs_space.dim, sp->obs_dim, "%s obs dim %d", sp->id, d->obs_space.dim);
        for (int k = 0; k < sp->obs_dim; k++)
            cr_assert(isinf(d->obs_space.low[k]) && d->obs_space.low[k] < 0 &&
                          isinf(d->obs_space.high[k]) && d->obs_space.high[k] > 0,
                      "%s obs bound %d", sp->id, k);
        cr_assert_eq(d->act_space.kind, ENV_SPACE_BOX);
        cr_assert_eq(d->act_space.dim, sp->act_dim, "%s act dim", sp->id);
        for (int k = 0; k < sp->act_dim; k++)
            cr_assert(d->act_space.low[k] == -sp->act_bound && d->act_space.high[k] == sp->act_bound,
                      "%s act bound %d: [%g, %g]", sp->id, k, (double)d->act_space.low[k],
                      (double)d->act_space.high[k]);
        cr_assert_not_null(d->close);
    }
}

Test(mujoco, model_figures_and_observation_size)
{
    for (int i = 0; i < NSPECS; i++) {
        const task_spec *sp = &SPECS[i];
        menv e = open_env(sp->id, 1);
        const mjModel *m = env_mujoco_model(e.s);
        cr_assert_eq(m->nq, sp->nq, "%s nq", sp->id);
        cr_assert_eq(m->nv, sp->nv, "%s nv", sp->id);
        cr_assert_eq(m->nu, sp->act_dim, "%s nu", sp->id);
        cr_assert_eq(m->opt.timestep, sp->timestep, "%s timestep", sp->id);
        cr_assert_eq(m->opt.integrator, sp->integrator, "%s integrator", sp->id);
        cr_assert_eq(env_mujoco_frame_skip(e.s), sp->frame_skip, "%s frame skip", sp->id);
        for (int k = 0; k < m->nu; k++)
            cr_assert(m->actuator_ctrllimited[k] &&
                          (float)m->actuator_ctrlrange[2 * k + 1] == sp->act_bound,
                      "%s ctrlrange %d", sp->id, k);
        /* reset writes exactly obs_dim finite floats */
        float obs[ENV_MAX_DIM + 8];
        for (int k = 0; k < ENV_MAX_DIM + 8; k++)
            obs[k] = 12345.0f;
        reset_env(&e, obs);
        for (int k = 0; k < sp->obs_dim; k++)
            cr_assert(isfinite(obs[k]) && obs[k] != 12345.0f, "%s obs[%d] not written", sp->id, k);
        for (int k = sp->obs_dim; k < ENV_MAX_DIM + 8; k++)
            cr_assert_eq(obs[k], 12345.0f, "%s wrote obs[%d] past its dimension", sp->id, k);
        /* and so does a step */
        float a[32] = {0};
        e.def->step(e.s, &e.rng, a, obs, &(float){0}, &(bool){0}, &(bool){0});
        for (int k = sp->obs_dim; k < ENV_MAX_DIM + 8; k++)
            cr_assert_eq(obs[k], 12345.0f, "%s step wrote obs[%d]", sp->id, k);
        close_env(&e);
    }
}

Test(mujoco, physical_figures)
{
    menv e = open_env("HalfCheetah-v5", 1);
    const mjModel *m = env_mujoco_model(e.s);
    double mass = 0;
    for (int b = 0; b < m->nbody; b++)
        mass += m->body_mass[b];
    cr_assert_float_eq(mass, 14.0, 1e-9, "settotalmass 14: %g", mass);
    const double cheetah_gear[6] = {120, 90, 60, 120, 60, 30};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(m->actuator_gear[6 * i], cheetah_gear[i], "cheetah gear %d", i);
    cr_assert_eq(m->jnt_stiffness[mj_name2id(m, mjOBJ_JOINT, "bthigh")], 240.0);
    cr_assert_eq(m->dof_damping[m->jnt_dofadr[mj_name2id(m, mjOBJ_JOINT, "bthigh")]], 6.0);
    close_env(&e);

    e = open_env("InvertedDoublePendulum-v5", 1);
    m = env_mujoco_model(e.s);
    cr_assert_eq(m->opt.gravity[0], 1e-5, "IDP gravity x");
    cr_assert_eq(m->opt.gravity[2], -9.81);
    cr_assert_eq(m->actuator_gear[0], 500.0);
    close_env(&e);

    e = open_env("InvertedPendulum-v5", 1);
    m = env_mujoco_model(e.s);
    cr_assert_eq(m->actuator_gear[0], 100.0);
    cr_assert(m->jnt_limited[1] && fabs(m->jnt_range[3] - M_PI / 2) < 1e-12, "hinge +-90 deg");
    close_env(&e);

    e = open_env("Swimmer-v5", 1);
    m = env_mujoco_model(e.s);
    cr_assert_eq(m->opt.density, 4000.0);
    cr_assert_eq(m->opt.viscosity, 0.1);
    cr_assert_eq(m->actuator_gear[0], 150.0);
    close_env(&e);

    e = open_env("Humanoid-v5", 1);
    m = env_mujoco_model(e.s);
    cr_assert_eq(m->opt.solver, mjSOL_PGS);
    cr_assert_eq(m->opt.iterations, 50);
    cr_assert_eq(m->nbody, 14);
    cr_assert_eq(m->ntendon, 2);
    const double hum_gear[17] = {100, 100, 100, 100, 100, 300, 200, 100, 100, 300, 200,
                                 25, 25, 25, 25, 25, 25};
    for (int i = 0; i < 17; i++)
        cr_assert_eq(m->actuator_gear[6 * i], hum_gear[i], "humanoid gear %d", i);
    close_env(&e);

    e = open_env("Ant-v5", 1);
    m = env_mujoco_model(e.s);
    cr_assert_eq(m->nbody, 14);
    cr_assert_eq(m->geom_friction[3 * 1], 1.0);
    cr_assert_eq(m->geom_friction[3 * 1 + 1], 0.5);
    cr_assert_eq(m->geom_margin[1], 0.01);
    int ankle1 = mj_name2id(m, mjOBJ_JOINT, "ankle_1");
    cr_assert_float_eq(m->jnt_range[2 * ankle1], 30 * M_PI / 180, 1e-12);
    close_env(&e);

    e = open_env("Hopper-v5", 1);
    m = env_mujoco_model(e.s);
    cr_assert_eq(m->geom_friction[3 * mj_name2id(m, mjOBJ_GEOM, "foot_geom")], 2.0);
    cr_assert_eq(m->geom_friction[3 * mj_name2id(m, mjOBJ_GEOM, "torso_geom")], 0.9);
    cr_assert_eq(m->actuator_gear[0], 200.0);
    cr_assert_eq(m->qpos0[1], 1.25, "rootz ref 1.25 makes qpos[1] the height");
    close_env(&e);
}

Test(mujoco, model_is_shared_data_is_not)
{
    menv a = open_env("Hopper-v5", 1), b = open_env("Hopper-v5", 2), c = open_env("Hopper-v4", 3);
    cr_assert(env_mujoco_model(a.s) == env_mujoco_model(b.s), "one mjModel per file");
    cr_assert(env_mujoco_model(a.s) == env_mujoco_model(c.s), "v4 and v5 share hopper.xml");
    cr_assert(env_mujoco_data(a.s) != env_mujoco_data(b.s));
    menv w5 = open_env("Walker2d-v5", 1), w4 = open_env("Walker2d-v4", 1);
    cr_assert(env_mujoco_model(w5.s) != env_mujoco_model(w4.s), "walker v4/v5 differ");
    close_env(&a);
    close_env(&b);
    close_env(&c);
    close_env(&w5);
    close_env(&w4);
}

/* ---- rewards --------------------------------------------------------------------------------- */

Test(mujoco, reward_is_sum_of_documented_terms)
{
    for (int i = 0; i < NSPECS; i++) {
        const task_spec *sp = &SPECS[i];
        menv e = open_env(sp->id, 7);
        const mjModel *m = env_mujoco_model(e.s);
        const mjData *d = env_mujoco_data(e.s);
        double dt = sp->timestep * sp->frame_skip;
        float obs[ENV_MAX_DIM], a[32];
        reset_env(&e, obs);
        const char *names[ENV_MUJOCO_MAX_TERMS];
        double got[ENV_MUJOCO_MAX_TERMS], want[ENV_MUJOCO_MAX_TERMS];
        int nonzero_forward = 0;
        for (int t = 0; t < 60; t++) {
            random_action(&e.rng, e.def, a);
            pre_state p = snapshot(&e);
            step_out o = step_env(&e, a);
            bool want_term;
            int nw = expected_terms(sp->id, m, d, &p, a, sp->act_dim, dt, want, &want_term);
            int ng = env_mujoco_reward_terms(e.s, names, got, ENV_MUJOCO_MAX_TERMS);
            cr_assert_eq(ng, nw, "%s: %d terms, spec has %d", sp->id, ng, nw);
            double sum = 0;
            for (int k = 0; k < nw; k++) {
                cr_assert(fabs(got[k] - want[k]) <= 1e-9 * (1 + fabs(want[k])),
                          "%s step %d term %s: %.12g, expected %.12g", sp->id, t, names[k],
                          got[k], want[k]);
                sum += want[k];
            }
            if (strcmp(names[0], "forward") == 0 && got[0] != 0)
                nonzero_forward++;
            cr_assert_eq(o.reward, (float)sum, "%s step %d reward %g, terms sum to %g", sp->id,
                         t, (double)o.reward, sum);
            cr_assert_eq(o.term, want_term, "%s step %d terminated", sp->id, t);
            cr_assert(!o.trunc, "%s truncated by the env itself", sp->id);
            if (o.term)
                reset_env(&e, obs);
        }
        if (strcmp(names[0], "forward") == 0)
            cr_assert_gt(nonzero_forward, 0, "%s forward term never moved", sp->id);
        close_env(&e);
    }
}

Test(mujoco, term_names)
{
    const struct {
        const char *id;
        const char *names[4];
        int n;
    } want[] = {
        {"InvertedPendulum-v5", {"alive"}, 1},
        {"InvertedDoublePendulum-v5", {"alive", "distance", "velocity"}, 3},
        {"Reacher-v5", {"distance", "ctrl"}, 2},
        {"Swimmer-v5", {"forward", "ctrl"}, 2},
        {"Hopper-v5", {"forward", "healthy", "ctrl"}, 3},
        {"HalfCheetah-v4", {"forward", "ctrl"}, 2},
        {"Ant-v5", {"forward", "healthy", "ctrl", "contact"}, 4},
        {"Ant-v4", {"forward", "healthy", "ctrl"}, 3},
        {"Humanoid-v5", {"forward", "healthy", "ctrl", "contact"}, 4},
        {"Humanoid-v4", {"forward", "healthy", "ctrl"}, 3},
        {"Pusher-v5", {"distance", "ctrl", "near"}, 3},
        {"Pusher-v4", {"distance", "ctrl", "near"}, 3},
        {"HumanoidStandup-v5", {"linup", "ctrl", "impact", "alive"}, 4},
        {"HumanoidStandup-v4", {"linup", "ctrl", "impact", "alive"}, 4},
    };
    for (int i = 0; i < RL_ARRAY_LEN(want); i++) {
        menv e = open_env(want[i].id, 1);
        const char *names[ENV_MUJOCO_MAX_TERMS];
        cr_assert_eq(env_mujoco_reward_terms(e.s, names, NULL, ENV_MUJOCO_MAX_TERMS), want[i].n);
        for (int k = 0; k < want[i].n; k++)
            cr_assert_str_eq(names[k], want[i].names[k], "%s term %d", want[i].id, k);
        close_env(&e);
    }
}

Test(mujoco, actions_are_not_clipped)
{
    menv e = open_env("Hopper-v5", 1);
    float obs[ENV_MAX_DIM], a[3] = {5, -5, 5};
    reset_env(&e, obs);
    step_env(&e, a);
    double t[3];
    env_mujoco_reward_terms(e.s, NULL, t, 3);
    cr_assert_float_eq(t[2], -1e-3 * 75, 1e-12, "ctrl cost of the raw action: %g", t[2]);
    cr_assert_eq(env_mujoco_data(e.s)->ctrl[0], 5.0, "ctrl holds the raw action");
    close_env(&e);
}

Test(mujoco, ant_forward_uses_xpos)
{
    /* the torso's xpos lags qpos by one evaluation: the forward term follows xpos */
    menv e = open_env("Ant-v5", 3);
    float obs[ENV_MAX_DIM], a[8];
    reset_env(&e, obs);
    mjData *d = env_mujoco_data(e.s);
    int differs = 0;
    for (int t = 0; t < 20; t++) {
        random_action(&e.rng, e.def, a);
        double x0 = d->xpos[3], q0 = d->qpos[0];
        step_env(&e, a);
        double fw;
        env_mujoco_reward_terms(e.s, NULL, &fw, 1);
        cr_assert_float_eq(fw, (d->xpos[3] - x0) / 0.05, 1e-9);
        if (fabs(fw - (d->qpos[0] - q0) / 0.05) > 1e-9)
            differs++;
    }
    cr_assert_gt(differs, 0, "xpos-based and qpos-based velocities never differed");
    close_env(&e);
}

/* ---- health checks and termination -------------------------------------------------------------- */

/* Sets qpos[i] (or qvel[i] when vel) to v on a fresh reset state and returns the health. */
static bool healthy_with(menv *e, bool vel, int i, double v)
{
    float obs[ENV_MAX_DIM];
    reset_env(e, obs);
    mjData *d = env_mujoco_data(e->s);
    (vel ? d->qvel : d->qpos)[i] = v;
    env_mujoco_forward(e->s);
    return env_mujoco_is_healthy(e->s);
}

#define HEALTHY(e, vel, i, v) cr_assert(healthy_with(&(e), vel, i, v), "%s %s[%d] = %.9g should be healthy", (e).def->id, (vel) ? "qvel" : "qpos", i, (double)(v))
#define UNHEALTHY(e, vel, i, v) cr_assert(!healthy_with(&(e), vel, i, v), "%s %s[%d] = %.9g should be unhealthy", (e).def->id, (vel) ? "qvel" : "qpos", i, (double)(v))

Test(mujoco, hopper_health_bounds)
{
    const char *ids[2] = {"Hopper-v5", "Hopper-v4"};
    for (int v = 0; v < 2; v++) {
        menv e = open_env(ids[v], 1);
        HEALTHY(e, false, 1, 0.7 + 1e-9);
        UNHEALTHY(e, false, 1, 0.7);
        HEALTHY(e, false, 1, 50.0);
        HEALTHY(e, false, 2, 0.2 - 1e-9);
        UNHEALTHY(e, false, 2, 0.2);
        HEALTHY(e, false, 2, -0.2 + 1e-9);
        UNHEALTHY(e, false, 2, -0.2);
        HEALTHY(e, false, 3, 99.9);
        UNHEALTHY(e, false, 3, 100.0);
        UNHEALTHY(e, false, 5, -100.0);
        HEALTHY(e, true, 0, 99.9);          /* unclipped qvel, rootx included */
        UNHEALTHY(e, true, 0, 100.0);
        UNHEALTHY(e, true, 5, -100.0);
        HEALTHY(e, false, 0, 1000.0);       /* x is not checked */
        UNHEALTHY(e, false, 1, NAN);
        close_env(&e);
    }
}

Test(mujoco, walker_health_bounds)
{
    const char *ids[2] = {"Walker2d-v5", "Walker2d-v4"};
    for (int v = 0; v < 2; v++) {
        menv e = open_env(ids[v], 1);
        HEALTHY(e, false, 1, 0.8 + 1e-9);
        UNHEALTHY(e, false, 1, 0.8);
        HEALTHY(e, false, 1, 2.0 - 1e-9);
        UNHEALTHY(e, false, 1, 2.0);
        HEALTHY(e, false, 2, 1.0 - 1e-9);
        UNHEALTHY(e, false, 2, 1.0);
        UNHEALTHY(e, false, 2, -1.0);
        HEALTHY(e, true, 3, 1000.0);        /* no state-range check */
        UNHEALTHY(e, false, 1, NAN);
        close_env(&e);
    }
}

Test(mujoco, ant_health_bounds)
{
    const char *ids[2] = {"Ant-v5", "Ant-v4"};
    for (int v = 0; v < 2; v++) {
        menv e = open_env(ids[v], 1);
        HEALTHY(e, false, 2, 0.2);          /* inclusive */
        UNHEALTHY(e, false, 2, 0.2 - 1e-9);
        HEALTHY(e, false, 2, 1.0);
        UNHEALTHY(e, false, 2, 1.0 + 1e-9);
        UNHEALTHY(e, true, 3, NAN);
        UNHEALTHY(e, false, 7, INFINITY);
        HEALTHY(e, true, 3, 1e6);
        close_env(&e);
    }
}

Test(mujoco, humanoid_health_bounds)
{
    const char *ids[2] = {"Humanoid-v5", "Humanoid-v4"};
    for (int v = 0; v < 2; v++) {
        menv e = open_env(ids[v], 1);
        HEALTHY(e, false, 2, 1.0 + 1e-9);
        UNHEALTHY(e, false, 2, 1.0);
        HEALTHY(e, false, 2, 2.0 - 1e-9);
        UNHEALTHY(e, false, 2, 2.0);
        close_env(&e);
    }
}

Test(mujoco, pendulum_health_bounds)
{
    menv e = open_env("InvertedPendulum-v5", 1);
    HEALTHY(e, false, 1, 0.2);
    UNHEALTHY(e, false, 1, 0.2 + 1e-9);
    UNHEALTHY(e, false, 1, -0.2 - 1e-9);
    UNHEALTHY(e, true, 0, NAN);
    UNHEALTHY(e, false, 0, INFINITY);
    close_env(&e);

    /* the tip height y = 0.6 cos(q1) + 0.6 cos(q1 + q2) with the cart at z = 0: y <= 1 ends */
    e = open_env("InvertedDoublePendulum-v5", 1);
    double q = acos(1.0 / 1.2);
    for (int sgn = -1; sgn <= 1; sgn += 2) {
        float obs[ENV_MAX_DIM];
        reset_env(&e, obs);
        mjData *d = env_mujoco_data(e.s);
        d->qpos[1] = sgn * (q - 1e-6);
        d->qpos[2] = 0;
        env_mujoco_forward(e.s);
        cr_assert(env_mujoco_is_healthy(e.s), "tip at %g", d->site_xpos[2]);
        d->qpos[1] = sgn * (q + 1e-6);
        env_mujoco_forward(e.s);
        cr_assert(!env_mujoco_is_healthy(e.s), "tip at %g", d->site_xpos[2]);
    }
    close_env(&e);
}

/* Puts the robot in an unhealthy state (qpos[i] = v, zero velocity), steps once with a zero
 * action and returns the step; the healthy term is written to *bonus. */
static step_out step_from(const char *id, int i, double v, double *bonus)
{
    menv e = open_env(id, 5);
    float obs[ENV_MAX_DIM], a[32] = {0};
    reset_env(&e, obs);
    mjData *d = env_mujoco_data(e.s);
    d->qpos[i] = v;
    for (int k = 0; k < env_mujoco_model(e.s)->nv; k++)
        d->qvel[k] = 0;
    env_mujoco_forward(e.s);
    step_out o = step_env(&e, a);
    const char *names[ENV_MUJOCO_MAX_TERMS];
    double t[ENV_MUJOCO_MAX_TERMS];
    int n = env_mujoco_reward_terms(e.s, names, t, ENV_MUJOCO_MAX_TERMS);
    *bonus = NAN;
    for (int k = 0; k < n; k++)
        if (!strcmp(names[k], "healthy") || !strcmp(names[k], "alive"))
            *bonus = t[k];
    close_env(&e);
    return o;
}

Test(mujoco, termination_on_step_and_v4_terminal_bonus)
{
    const struct {
        const char *id;
        int i;
        double v, bonus;    /* bonus paid on the terminal step */
    } cases[] = {
        {"InvertedPendulum-v5", 1, 0.5, 0},
        {"InvertedDoublePendulum-v5", 1, 1.0, 0},
        {"Hopper-v5", 2, 0.5, 0},        {"Hopper-v4", 2, 0.5, 1},
        {"Walker2d-v5", 2, 1.3, 0},      {"Walker2d-v4", 2, 1.3, 1},
        {"Ant-v5", 2, 1.5, 0},           {"Ant-v4", 2, 1.5, 1},
        {"Humanoid-v5", 2, 2.5, 0},      {"Humanoid-v4", 2, 2.5, 5},
    };
    for (int c = 0; c < RL_ARRAY_LEN(cases); c++) {
        double bonus;
        step_out o = step_from(cases[c].id, cases[c].i, cases[c].v, &bonus);
        cr_assert(o.term, "%s: qpos[%d] = %g should terminate", cases[c].id, cases[c].i,
                  cases[c].v);
        cr_assert(!o.trunc, "%s", cases[c].id);
        cr_assert_eq(bonus, cases[c].bonus, "%s terminal-step bonus %g", cases[c].id, bonus);
    }
    /* the tasks that never terminate, even upside down */
    const char *never[] = {"HalfCheetah-v5", "HalfCheetah-v4", "Swimmer-v5", "Reacher-v5"};
    for (int c = 0; c < RL_ARRAY_LEN(never); c++) {
        double bonus;
        step_out o = step_from(never[c], 2, 3.0, &bonus);
        cr_assert(!o.term && !o.trunc, "%s terminated", never[c]);
    }
}

Test(mujoco, healthy_steps_pay_the_bonus)
{
    const char *ids[] = {"Hopper-v5", "Walker2d-v5", "Ant-v5", "Humanoid-v5", "InvertedPendulum-v5"};
    const double bonus[] = {1, 1, 1, 5, 1};
    for (int i = 0; i < RL_ARRAY_LEN(ids); i++) {
        menv e = open_env(ids[i], 2);
        float obs[ENV_MAX_DIM], a[32] = {0};
        reset_env(&e, obs);
        step_out o = step_env(&e, a);
        cr_assert(!o.term, "%s first zero-action step", ids[i]);
        const char *names[ENV_MUJOCO_MAX_TERMS];
        double t[ENV_MUJOCO_MAX_TERMS];
        env_mujoco_reward_terms(e.s, names, t, ENV_MUJOCO_MAX_TERMS);
        int k = strcmp(names[0], "forward") == 0 ? 1 : 0;
        cr_assert_eq(t[k], bonus[i], "%s %s = %g", ids[i], names[k], t[k]);
        close_env(&e);
    }
}

/* ---- reset noise ------------------------------------------------------------------------------- */

/* Resets n times and returns the largest |qpos - qpos0| and |qvel| and the qvel std. */
static void reset_stats(const char *id, int n, int q_from, int q_to, int v_from, int v_to,
                        double *max_q, double *max_v, double *std_v)
{
    menv e = open_env(id, 11);
    const mjModel *m = env_mujoco_model(e.s);
    const mjData *d = env_mujoco_data(e.s);
    float obs[ENV_MAX_DIM];
    double s2 = 0;
    long cnt = 0;
    *max_q = *max_v = 0;
    for (int r = 0; r < n; r++) {
        reset_env(&e, obs);
        for (int i = q_from; i < q_to; i++)
            *max_q = fmax(*max_q, fabs(d->qpos[i] - m->qpos0[i]));
        for (int i = v_from; i < v_to; i++) {
            *max_v = fmax(*max_v, fabs(d->qvel[i]));
            s2 += d->qvel[i] * d->qvel[i];
            cnt++;
        }
    }
    *std_v = sqrt(s2 / (double)cnt);
    close_env(&e);
}

Test(mujoco, reset_noise_uniform)
{
    const struct {
        const char *id;
        double s;
        int nq, nv;
    } cases[] = {
        {"InvertedPendulum-v5", 0.01, 2, 2}, {"Swimmer-v5", 0.1, 5, 5},
        {"Hopper-v5", 5e-3, 6, 6},           {"Walker2d-v4", 5e-3, 9, 9},
        {"Humanoid-v5", 0.01, 24, 23},       {"HumanoidStandup-v5", 0.01, 24, 23},
        {"HumanoidStandup-v4", 0.01, 24, 23},
    };
    for (int c = 0; c < RL_ARRAY_LEN(cases); c++) {
        double mq, mv, sv;
        reset_stats(cases[c].id, 200, 0, cases[c].nq, 0, cases[c].nv, &mq, &mv, &sv);
        double s = cases[c].s;
        cr_assert(mq <= s && mq > 0.9 * s, "%s qpos noise max %g, scale %g", cases[c].id, mq, s);
        cr_assert(mv <= s && mv > 0.9 * s, "%s qvel noise max %g, scale %g", cases[c].id, mv, s);
        /* uniform on (-s, s): std s / sqrt(3) */
        cr_assert(fabs(sv - s / sqrt(3.0)) < 0.15 * s, "%s qvel std %g", cases[c].id, sv);
    }
}

Test(mujoco, reset_noise_gaussian_velocity)
{
    const struct {
        const char *id;
        int nq, nv;
        int q_from;
    } cases[] = {{"InvertedDoublePendulum-v5", 3, 3, 0}, {"HalfCheetah-v5", 9, 9, 0},
                 {"Ant-v5", 15, 14, 7}};   /* Ant: the hinges (MuJoCo normalises the quaternion) */
    for (int c = 0; c < RL_ARRAY_LEN(cases); c++) {
        double mq, mv, sv;
        reset_stats(cases[c].id, 200, cases[c].q_from, cases[c].nq, 0, cases[c].nv, &mq, &mv,
                    &sv);
        cr_assert(mq <= 0.1 && mq > 0.09, "%s qpos noise max %g", cases[c].id, mq);
        /* 0.1 * N(0, 1): std 0.1 and values beyond 0.1, which a U(-0.1, 0.1) never gives */
        cr_assert(fabs(sv - 0.1) < 0.01, "%s qvel std %g", cases[c].id, sv);
        cr_assert_gt(mv, 0.2, "%s qvel max %g", cases[c].id, mv);
    }
}

Test(mujoco, reacher_reset)
{
    menv e = open_env("Reacher-v5", 4);
    const mjModel *m = env_mujoco_model(e.s);
    const mjData *d = env_mujoco_data(e.s);
    float obs[ENV_MAX_DIM];
    double mq = 0, mv = 0, mg = 0;
    for (int r = 0; r < 300; r++) {
        reset_env(&e, obs);
        for (int i = 0; i < 2; i++) {
            mq = fmax(mq, fabs(d->qpos[i] - m->qpos0[i]));
            mv = fmax(mv, fabs(d->qvel[i]));
        }
        double g = hypot(d->qpos[2], d->qpos[3]);
        cr_assert_lt(g, 0.2, "goal radius %g", g);
        mg = fmax(mg, g);
        cr_assert(d->qvel[2] == 0 && d->qvel[3] == 0, "target velocity zeroed");
        /* observation: cos, sin, target, joint velocities, fingertip - target */
        cr_assert_float_eq(obs[0], (float)cos(d->qpos[0]), 1e-6f);
        cr_assert_float_eq(obs[3], (float)sin(d->qpos[1]), 1e-6f);
        cr_assert_eq(obs[4], (float)d->qpos[2]);
        int f = mj_name2id(m, mjOBJ_BODY, "fingertip"), t = mj_name2id(m, mjOBJ_BODY, "target");
        cr_assert_eq(obs[8], (float)(d->xpos[3 * f] - d->xpos[3 * t]));
        /* qpos equals the world position of the target (slide refs) */
        cr_assert_float_eq(d->xpos[3 * t], d->qpos[2], 1e-12);
        cr_assert_float_eq(d->xpos[3 * t + 1], d->qpos[3], 1e-12);
    }
    cr_assert(mq <= 0.1 && mq > 0.09, "arm qpos noise %g", mq);
    cr_assert(mv <= 0.005 && mv > 0.0045, "arm qvel noise %g", mv);
    cr_assert_gt(mg, 0.18);
    close_env(&e);
}

/* the arm at rest in qpos0 with small velocities, the object drawn more than 0.17 from the goal,
 * which stays at its origin; the observation's positions are the bodies' origins */
Test(mujoco, pusher_reset)
{
    const char *ids[] = {"Pusher-v5", "Pusher-v4"};
    for (int i = 0; i < RL_ARRAY_LEN(ids); i++) {
        menv e = open_env(ids[i], 4);
        const mjModel *m = env_mujoco_model(e.s);
        const mjData *d = env_mujoco_data(e.s);
        int tips = mj_name2id(m, mjOBJ_BODY, "tips_arm"), obj = mj_name2id(m, mjOBJ_BODY, "object");
        float obs[ENV_MAX_DIM];
        double mv = 0, min_r = 1, lo_y = 0, lo_x = 0, hi_x = 0;
        for (int r = 0; r < 300; r++) {
            reset_env(&e, obs);
            for (int k = 0; k < 7; k++) {
                cr_assert_eq(d->qpos[k], m->qpos0[k], "%s arm qpos[%d]", ids[i], k);
                mv = fmax(mv, fabs(d->qvel[k]));
            }
            for (int k = 7; k < 11; k++)
                cr_assert_eq(d->qvel[k], 0.0, "%s object and goal at rest: qvel[%d]", ids[i], k);
            cr_assert(d->qpos[9] == 0 && d->qpos[10] == 0, "%s goal moved", ids[i]);
            /* the first draw U(-0.3, 0) goes to the y slide, the second U(-0.2, 0.2) to x */
            double y = d->qpos[7], x = d->qpos[8], rr = hypot(y, x);
            cr_assert(y >= -0.3 && y <= 0 && x >= -0.2 && x <= 0.2, "%s object (%g, %g)", ids[i], y, x);
            cr_assert_gt(rr, 0.17, "%s object %g from the goal", ids[i], rr);
            min_r = fmin(min_r, rr);
            lo_y = fmin(lo_y, y), lo_x = fmin(lo_x, x), hi_x = fmax(hi_x, x);
            cr_assert_float_eq(d->xpos[3 * obj], 0.45 + x, 1e-12);
            cr_assert_float_eq(d->xpos[3 * obj + 1], -0.05 + y, 1e-12);
            /* qpos[:7], qvel[:7], fingertip, object, goal (fixed at (0.45, -0.05, -0.323)) */
            for (int k = 0; k < 7; k++)
                cr_assert(obs[k] == (float)d->qpos[k] && obs[7 + k] == (float)d->qvel[k], "%s obs %d", ids[i], k);
            for (int k = 0; k < 3; k++)
                cr_assert(obs[14 + k] == (float)d->xpos[3 * tips + k] && obs[17 + k] == (float)d->xpos[3 * obj + k],
                          "%s obs positions %d", ids[i], k);
            cr_assert(obs[20] == 0.45f && obs[21] == -0.05f && obs[22] == (float)-0.323, "%s goal obs", ids[i]);
        }
        cr_assert(mv <= 0.005 && mv > 0.0045, "%s arm qvel noise %g", ids[i], mv);
        cr_assert_lt(min_r, 0.18, "%s the rejection boundary was never approached (%g)", ids[i], min_r);
        cr_assert(lo_y < -0.28 && lo_x < -0.18 && hi_x > 0.18, "%s draws span their ranges", ids[i]);
        close_env(&e);
    }
}

Test(mujoco, reset_observation_has_zero_contact_forces)
{
    const char *ids[] = {"Ant-v5", "Humanoid-v5", "Humanoid-v4", "HumanoidStandup-v5"};
    const int from[] = {27, 348 - 78, 376 - 84, 348 - 78};
    for (int i = 0; i < RL_ARRAY_LEN(ids); i++) {
        menv e = open_env(ids[i], 9);
        float obs[ENV_MAX_DIM], a[32];
        reset_env(&e, obs);
        bool contact = false;
        for (int t = 0; t < 40; t++) {
            random_action(&e.rng, e.def, a);
            step_out o = step_env(&e, a);
            for (int k = from[i]; k < e.def->obs_space.dim; k++)
                contact |= o.obs[k] != 0;
            if (o.term)
                break;
        }
        cr_assert(contact, "%s never observed a contact force", ids[i]);
        reset_env(&e, obs);
        for (int k = from[i]; k < e.def->obs_space.dim; k++)
            cr_assert_eq(obs[k], 0.0f, "%s reset obs[%d] = %g", ids[i], k, (double)obs[k]);
        close_env(&e);
    }
}

/* ---- observation layouts ------------------------------------------------------------------------ */

Test(mujoco, observation_layouts)
{
    float obs[ENV_MAX_DIM], a[32];
    /* Hopper and Walker: qpos[1:] then qvel clipped to +-10 */
    menv e = open_env("Hopper-v5", 1);
    reset_env(&e, obs);
    mjData *d = env_mujoco_data(e.s);
    d->qvel[0] = 50;
    d->qvel[3] = -30;
    env_mujoco_forward(e.s);
    env_mujoco_observe(e.s, obs);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(obs[i], (float)d->qpos[i + 1]);
    cr_assert_eq(obs[5], 10.0f);
    cr_assert_eq(obs[8], -10.0f);
    close_env(&e);

    /* HalfCheetah: no clipping */
    e = open_env("HalfCheetah-v5", 1);
    reset_env(&e, obs);
    d = env_mujoco_data(e.s);
    d->qvel[0] = 50;
    env_mujoco_observe(e.s, obs);
    cr_assert_eq(obs[8], 50.0f);
    cr_assert_eq(obs[0], (float)d->qpos[1]);
    close_env(&e);

    /* IDP: x, sin, sin, cos, cos, clipped qvel, clipped qfrc_constraint[0] */
    e = open_env("InvertedDoublePendulum-v5", 1);
    reset_env(&e, obs);
    d = env_mujoco_data(e.s);
    d->qpos[1] = 0.3;
    d->qpos[2] = -0.2;
    d->qvel[2] = 20;
    env_mujoco_forward(e.s);
    env_mujoco_observe(e.s, obs);
    cr_assert_eq(obs[0], (float)d->qpos[0]);
    cr_assert_float_eq(obs[1], (float)sin(0.3), 1e-7f);
    cr_assert_float_eq(obs[2], (float)sin(-0.2), 1e-7f);
    cr_assert_float_eq(obs[3], (float)cos(0.3), 1e-7f);
    cr_assert_float_eq(obs[4], (float)cos(-0.2), 1e-7f);
    cr_assert_eq(obs[7], 10.0f);
    cr_assert_eq(obs[8], (float)fmin(fmax(d->qfrc_constraint[0], -10), 10));
    close_env(&e);

    /* Humanoid-v5 pieces */
    e = open_env("Humanoid-v5", 1);
    reset_env(&e, obs);
    random_action(&e.rng, e.def, a);
    step_out o = step_env(&e, a);
    d = env_mujoco_data(e.s);
    cr_assert_eq(o.obs[0], (float)d->qpos[2]);
    cr_assert_eq(o.obs[22], (float)d->qvel[0]);
    cr_assert_eq(o.obs[45], (float)d->cinert[10]);
    cr_assert_eq(o.obs[175], (float)d->cvel[6]);
    cr_assert_eq(o.obs[253], (float)d->qfrc_actuator[6]);
    cr_assert_eq(o.obs[270], (float)d->cfrc_ext[6]);
    cr_assert_eq(o.obs[347], (float)d->cfrc_ext[6 * 14 - 1]);
    close_env(&e);

    /* Ant-v5: contact forces clipped to +-1 */
    e = open_env("Ant-v5", 1);
    reset_env(&e, obs);
    d = env_mujoco_data(e.s);
    bool big = false;
    for (int t = 0; t < 30 && !big; t++) {
        random_action(&e.rng, e.def, a);
        o = step_env(&e, a);
        for (int k = 6; k < 6 * 14; k++) {
            cr_assert_eq(o.obs[27 + k - 6], (float)fmin(fmax(d->cfrc_ext[k], -1), 1));
            big |= fabs(d->cfrc_ext[k]) > 1;
        }
    }
    cr_assert(big, "no contact force beyond the clip range seen");
    close_env(&e);
}

/* ---- determinism, warnings, divergence ------------------------------------------------------------ */

Test(mujoco, same_seed_same_trajectory)
{
    for (int i = 0; i < NSPECS; i++) {
        const char *id = SPECS[i].id;
        menv x = open_env(id, 42), y = open_env(id, 42), z = open_env(id, 43);
        float ox[ENV_MAX_DIM], oy[ENV_MAX_DIM], oz[ENV_MAX_DIM], a[32];
        reset_env(&x, ox);
        reset_env(&y, oy);
        reset_env(&z, oz);
        int dim = x.def->obs_space.dim;
        cr_assert(memcmp(ox, oy, sizeof(float) * dim) == 0, "%s reset differs", id);
        cr_assert(memcmp(ox, oz, sizeof(float) * dim) != 0, "%s seed ignored", id);
        rl_rng ar;
        rl_rng_seed(&ar, 5, 1);
        for (int t = 0; t < 150; t++) {
            random_action(&ar, x.def, a);
            step_out sx = step_env(&x, a), sy = step_env(&y, a);
            cr_assert(memcmp(sx.obs, sy.obs, sizeof(float) * dim) == 0, "%s step %d", id, t);
            cr_assert(sx.reward == sy.reward && sx.term == sy.term && sx.trunc == sy.trunc,
                      "%s step %d", id, t);
            if (sx.term) {
                reset_env(&x, ox);
                reset_env(&y, oy);
                cr_assert(memcmp(ox, oy, sizeof(float) * dim) == 0, "%s reset %d", id, t);
            }
        }
        close_env(&x);
        close_env(&y);
        close_env(&z);
    }
}

Test(mujoco, no_warnings_in_random_rollouts)
{
    for (int i = 0; i < NSPECS; i++) {
        const char *id = SPECS[i].id;
        menv e = open_env(id, 100 + i);
        float obs[ENV_MAX_DIM], a[32];
        reset_env(&e, obs);
        int len = 0, episodes = 0;
        /* HumanoidStandup never ends and lies in contact (the slowest steps): shorter episodes */
        bool standup = starts(id, "HumanoidStandup");
        int steps = standup ? 600 : 2000, limit = standup ? 300 : e.def->max_episode_steps;
        for (int t = 0; t < steps; t++) {
            random_action(&e.rng, e.def, a);
            step_out o = step_env(&e, a);
            for (int k = 0; k < e.def->obs_space.dim; k++)
                cr_assert(isfinite(o.obs[k]), "%s obs[%d] not finite", id, k);
            cr_assert(isfinite(o.reward), "%s reward not finite", id);
            if (o.term || o.trunc || ++len >= limit) {
                reset_env(&e, obs);
                len = 0;
                episodes++;
            }
        }
        cr_assert_eq(env_mujoco_warnings(e.s), 0, "%s: %llu MuJoCo warnings", id,
                     (unsigned long long)env_mujoco_warnings(e.s));
        cr_assert_eq(env_mujoco_divergences(e.s), 0, "%s diverged", id);
        cr_assert_gt(episodes, 0, "%s", id);
        close_env(&e);
    }
}

Test(mujoco, divergence_is_counted_and_reset)
{
    const struct {
        const char *id;
        bool terminates;
        double v;
    } cases[] = {
        {"Hopper-v5", true, 1e12}, {"HalfCheetah-v5", false, NAN}, {"Humanoid-v5", true, INFINITY},
        {"Swimmer-v5", false, 1e12},
    };
    for (int c = 0; c < RL_ARRAY_LEN(cases); c++) {
        menv e = open_env(cases[c].id, 1);
        float obs[ENV_MAX_DIM], a[32] = {0};
        reset_env(&e, obs);
        mjData *d = env_mujoco_data(e.s);
        const mjModel *m = env_mujoco_model(e.s);
        for (int k = 0; k < m->nv; k++)
            d->qvel[k] = cases[c].v;
        step_out o = step_env(&e, a);
        cr_assert_eq(env_mujoco_divergences(e.s), 1, "%s divergence not counted", cases[c].id);
        cr_assert_gt(env_mujoco_warnings(e.s), 0, "%s warning not counted", cases[c].id);
        cr_assert_eq(o.term, cases[c].terminates, "%s terminated", cases[c].id);
        cr_assert_eq(o.trunc, !cases[c].terminates, "%s truncated", cases[c].id);
        cr_assert_eq(o.reward, 0.0f);
        for (int k = 0; k < e.def->obs_space.dim; k++)
            cr_assert(isfinite(o.obs[k]), "%s obs[%d]", cases[c].id, k);
        for (int k = 0; k < m->nq; k++)
            cr_assert_eq(d->qpos[k], m->qpos0[k], "%s data reset", cases[c].id);
        /* the env carries on normally */
        reset_env(&e, obs);
        uint64_t w = env_mujoco_warnings(e.s);
        for (int t = 0; t < 20; t++) {
            random_action(&e.rng, e.def, a);
            o = step_env(&e, a);
            cr_assert(isfinite(o.reward));
            if (o.term)
                reset_env(&e, obs);
        }
        cr_assert_eq(env_mujoco_warnings(e.s), w, "%s", cases[c].id);
        cr_assert_eq(env_mujoco_divergences(e.s), 1, "%s", cases[c].id);
        close_env(&e);
    }
}

Test(mujoco, nonfinite_action_is_counted_and_zeroed)
{
    menv e = open_env("Walker2d-v5", 1);
    float obs[ENV_MAX_DIM], a[6] = {NAN, 0, 0, INFINITY, 0, 0};
    reset_env(&e, obs);
    step_out o = step_env(&e, a);
    cr_assert(isfinite(o.reward), "reward %g", (double)o.reward);
    cr_assert_eq(env_mujoco_warnings(e.s), 2);
    cr_assert_eq(env_mujoco_divergences(e.s), 0);
    cr_assert_eq(env_mujoco_data(e.s)->ctrl[0], 0.0);
    close_env(&e);
}

static void redirect_output(void)
{
    cr_redirect_stdout();
    cr_redirect_stderr();
}

/* MuJoCo's default handler prints the first warning of each mjData and appends it to
 * MUJOCO_LOG.TXT in the working directory; the envs count warnings silently instead. */
Test(mujoco, warnings_are_silent, .init = redirect_output)
{
    char dir[256];
    rlt_tmp_mkdir(dir, sizeof dir, "mjlog");
    char cwd[1024];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(dir), 0);
    menv e = open_env("Hopper-v5", 1);
    float obs[ENV_MAX_DIM], a[3] = {0};
    reset_env(&e, obs);
    mjData *d = env_mujoco_data(e.s);
    for (int k = 0; k < 6; k++)
        d->qvel[k] = 1e12;
    step_env(&e, a);
    cr_assert_gt(env_mujoco_warnings(e.s), 0, "the bad velocity was not seen");
    close_env(&e);
    fflush(stdout);
    fflush(stderr);
    bool logged = access("MUJOCO_LOG.TXT", F_OK) == 0;
    unlink("MUJOCO_LOG.TXT");
    cr_assert_eq(chdir(cwd), 0);
    rmdir(dir);
    cr_assert(!logged, "MuJoCo wrote MUJOCO_LOG.TXT");
    cr_assert_stdout_eq_str("");
    cr_assert_stderr_eq_str("");
}

/* ---- v4 / v5 -------------------------------------------------------------------------------------- */

/* Runs a v4 and a v5 env side by side with the same seed and actions (while both are alive) and
 * checks obs_v4 = map(obs_v5) and reward_v4 = reward_v5 - contact_v5. */
static void compare_versions(const char *id4, const char *id5, int steps, bool same_obs)
{
    menv e4 = open_env(id4, 21), e5 = open_env(id5, 21);
    float o4[ENV_MAX_DIM], o5[ENV_MAX_DIM], a[32];
    reset_env(&e4, o4);
    reset_env(&e5, o5);
    const mjData *d5 = env_mujoco_data(e5.s);
    rl_rng ar;
    rl_rng_seed(&ar, 8, 0);
    for (int t = 0; t < steps; t++) {
        random_action(&ar, e5.def, a);
        step_out s4 = step_env(&e4, a), s5 = step_env(&e5, a);
        if (same_obs) {
            cr_assert(memcmp(s4.obs, s5.obs, sizeof(float) * e5.def->obs_space.dim) == 0,
                      "%s vs %s obs at %d", id4, id5, t);
        } else {
            /* both start with qpos[2:] and qvel */
            int nq = env_mujoco_model(e5.s)->nq, nv = env_mujoco_model(e5.s)->nv;
            cr_assert(memcmp(s4.obs, s5.obs, sizeof(float) * (nq - 2 + nv)) == 0,
                      "%s vs %s qpos/qvel at %d", id4, id5, t);
        }
        const char *names[ENV_MUJOCO_MAX_TERMS];
        double t5[ENV_MUJOCO_MAX_TERMS];
        int n5 = env_mujoco_reward_terms(e5.s, names, t5, ENV_MUJOCO_MAX_TERMS);
        double contact = (n5 == 4) ? t5[3] : 0.0;
        double r5 = 0;
        for (int k = 0; k < n5; k++)
            r5 += t5[k];
        /* v4 also pays the healthy reward on the terminal step */
        double t4[ENV_MUJOCO_MAX_TERMS];
        env_mujoco_reward_terms(e4.s, NULL, t4, ENV_MUJOCO_MAX_TERMS);
        double extra = s5.term ? t4[1] : 0.0;
        if (s5.term)
            cr_assert_gt(extra, 0.0, "%s terminal bonus", id4);
        cr_assert_float_eq(s4.reward, (float)(r5 - contact + extra), 1e-5, "%s reward at %d",
                           id4, t);
        cr_assert_eq(s4.term, s5.term);
        if (s5.term)
            break;
        (void)d5;
    }
    close_env(&e4);
    close_env(&e5);
}

Test(mujoco, v4_v5_same_dynamics)
{
    compare_versions("HalfCheetah-v4", "HalfCheetah-v5", 100, true);
    compare_versions("Hopper-v4", "Hopper-v5", 100, true);
    compare_versions("Ant-v4", "Ant-v5", 100, false);
    compare_versions("Humanoid-v4", "Humanoid-v5", 100, false);
}

Test(mujoco, humanoid_v4_observation)
{
    menv e4 = open_env("Humanoid-v4", 3), e5 = open_env("Humanoid-v5", 3);
    float o4[ENV_MAX_DIM], o5[ENV_MAX_DIM], a[32];
    reset_env(&e4, o4);
    reset_env(&e5, o5);
    random_action(&e4.rng, e4.def, a);
    step_out s4 = step_env(&e4, a), s5 = step_env(&e5, a);
    const mjData *d = env_mujoco_data(e4.s);
    /* v4: qpos[2:] 22, qvel 23, cinert 140, cvel 84, qfrc_actuator 23, cfrc_ext 84 */
    cr_assert_eq(s4.obs[45], (float)d->cinert[0]);          /* the world body's row */
    cr_assert_eq(s4.obs[55], s5.obs[45], "cinert[1:] after the world row");
    cr_assert_eq(s4.obs[185], (float)d->cvel[0]);
    cr_assert_eq(s4.obs[191], s5.obs[175]);
    cr_assert_eq(s4.obs[269], (float)d->qfrc_actuator[0]);
    cr_assert_eq(s4.obs[275], s5.obs[253]);
    cr_assert_eq(s4.obs[292], (float)d->cfrc_ext[0]);
    cr_assert_eq(s4.obs[298], s5.obs[270]);
    cr_assert_eq(s4.obs[375], s5.obs[347]);
    close_env(&e4);
    close_env(&e5);
}

/* Pusher-v4: the 1e-5-density object (with its sphere) and distances measured before the frames;
 * Pusher-v5: a 0.01-density cylinder and distances after */
Test(mujoco, pusher_v4_v5)
{
    menv e5 = open_env("Pusher-v5", 2), e4 = open_env("Pusher-v4", 2);
    const mjModel *m5 = env_mujoco_model(e5.s), *m4 = env_mujoco_model(e4.s);
    int o5 = mj_name2id(m5, mjOBJ_BODY, "object"), o4 = mj_name2id(m4, mjOBJ_BODY, "object");
    double r = 0.05, h = 2 * 0.05;
    cr_assert_float_eq(m5->body_mass[o5], 0.01 * M_PI * r * r * h, 1e-15, "v5 object mass %g", m5->body_mass[o5]);
    cr_assert_float_eq(m4->body_mass[o4], 1e-5 * (M_PI * r * r * h + 4.0 / 3.0 * M_PI * r * r * r), 1e-18,
                       "v4 object mass %g", m4->body_mass[o4]);
    cr_assert_eq(m5->ngeom + 1, m4->ngeom);
    cr_assert_eq(m5->opt.iterations, 20);
    cr_assert_eq(m5->opt.gravity[2], 0.0);
    for (int k = 0; k < 7; k++)
        cr_assert_eq(m5->actuator_gear[6 * k], 1.0);
    /* the same arm: identical until the fingers touch the object, whose mass differs */
    float a[7] = {0}, obs5[ENV_MAX_DIM], obs4[ENV_MAX_DIM];
    reset_env(&e5, obs5);
    reset_env(&e4, obs4);
    cr_assert(memcmp(obs5, obs4, sizeof(float) * 23) == 0, "same seed, same reset");
    step_out s5 = step_env(&e5, a), s4 = step_env(&e4, a);
    cr_assert(memcmp(s5.obs, s4.obs, sizeof(float) * 14) == 0, "same arm motion");
    double t5[3], t4[3];
    env_mujoco_reward_terms(e5.s, NULL, t5, 3);
    env_mujoco_reward_terms(e4.s, NULL, t4, 3);
    /* v4's terms are the reset state's distances, v5's the state after the step */
    cr_assert_float_eq(t4[0], -hypot(hypot(obs4[17] - obs4[20], obs4[18] - obs4[21]), obs4[19] - obs4[22]), 1e-6);
    cr_assert_float_eq(t4[2], -0.5 * hypot(hypot(obs4[17] - obs4[14], obs4[18] - obs4[15]), obs4[19] - obs4[16]), 1e-6);
    cr_assert(t5[2] != t4[2], "v5 measures after the step (%g vs %g)", t5[2], t4[2]);
    close_env(&e5);
    close_env(&e4);
}

/* HumanoidStandup: the same physics and rewards in v4 and v5; v4 observes Humanoid-v4's layout */
Test(mujoco, humanoidstandup_v4_v5)
{
    menv e4 = open_env("HumanoidStandup-v4", 3), e5 = open_env("HumanoidStandup-v5", 3);
    const mjModel *m = env_mujoco_model(e5.s);
    cr_assert(m == env_mujoco_model(e4.s), "one model file");
    cr_assert_float_eq(m->body_pos[3 * mj_name2id(m, mjOBJ_BODY, "torso") + 2], 0.105, 1e-15, "lying torso");
    int lhy = mj_name2id(m, mjOBJ_JOINT, "left_hip_y"), rhy = mj_name2id(m, mjOBJ_JOINT, "right_hip_y");
    cr_assert_float_eq(m->jnt_range[2 * lhy], -120 * M_PI / 180, 1e-12);
    cr_assert_float_eq(m->jnt_range[2 * rhy], -110 * M_PI / 180, 1e-12);
    float o4[ENV_MAX_DIM], o5[ENV_MAX_DIM], a[32];
    reset_env(&e4, o4);
    reset_env(&e5, o5);
    const mjData *d = env_mujoco_data(e4.s);
    for (int t = 0; t < 40; t++) {
        random_action(&e4.rng, e4.def, a);
        step_out s4 = step_env(&e4, a), s5 = step_env(&e5, a);
        cr_assert(!s4.term && !s5.term && !s4.trunc && !s5.trunc, "never ends by itself");
        cr_assert_eq(s4.reward, s5.reward, "step %d reward", t);
        cr_assert(memcmp(s4.obs, s5.obs, sizeof(float) * 45) == 0, "qpos[2:], qvel at %d", t);
        cr_assert(s4.obs[45] == (float)d->cinert[0] && s4.obs[55] == s5.obs[45], "cinert rows at %d", t);
        cr_assert(s4.obs[185] == (float)d->cvel[0] && s4.obs[191] == s5.obs[175], "cvel rows at %d", t);
        cr_assert(s4.obs[269] == (float)d->qfrc_actuator[0] && s4.obs[275] == s5.obs[253], "qfrc at %d", t);
        cr_assert(s4.obs[292] == (float)d->cfrc_ext[0] && s4.obs[375] == s5.obs[347], "cfrc_ext at %d", t);
    }
    close_env(&e4);
    close_env(&e5);
}

Test(mujoco, walker_foot_friction)
{
    menv e5 = open_env("Walker2d-v5", 1), e4 = open_env("Walker2d-v4", 1);
    const mjModel *m5 = env_mujoco_model(e5.s), *m4 = env_mujoco_model(e4.s);
    int r5 = mj_name2id(m5, mjOBJ_GEOM, "foot_geom"), l5 = mj_name2id(m5, mjOBJ_GEOM, "foot_left_geom");
    int r4 = mj_name2id(m4, mjOBJ_GEOM, "foot_geom"), l4 = mj_name2id(m4, mjOBJ_GEOM, "foot_left_geom");
    cr_assert(r5 >= 0 && l5 >= 0 && r4 >= 0 && l4 >= 0);
    cr_assert_eq(m5->geom_friction[3 * r5], 1.9, "v5 right foot");
    cr_assert_eq(m5->geom_friction[3 * l5], 1.9, "v5 left foot");
    cr_assert_eq(m4->geom_friction[3 * r4], 0.9, "v4 right foot");
    cr_assert_eq(m4->geom_friction[3 * l4], 1.9, "v4 left foot");
    int torso = mj_name2id(m5, mjOBJ_GEOM, "torso_geom");
    cr_assert_eq(m5->geom_friction[3 * torso], 0.9);
    cr_assert_eq(m5->geom_friction[3 * 0], 0.7, "floor gets the default 0.7");
    /* everything else is the same */
    cr_assert_eq(m5->ngeom, m4->ngeom);
    for (int g = 0; g < m5->ngeom; g++)
        if (g != r5)
            cr_assert_eq(m5->geom_friction[3 * g], m4->geom_friction[3 * g], "geom %d", g);
    close_env(&e5);
    close_env(&e4);
}

/* ---- fidelity to Gymnasium's model files ------------------------------------------------------ */

/* With RLC_MUJOCO_REFERENCE_DIR pointing at Gymnasium's assets (e.g. the reference copy in
 * /work/shared/reference/gymnasium-mujoco-assets), every physical array of rlc's compiled models
 * must equal the reference's to 1e-12. Skipped when the variable is unset (CI has no copy). */
static void compare_model(const char *what, const mjModel *a, const mjModel *b)
{
#define SIZE_EQ(f) cr_assert_eq(a->f, b->f, "%s: " #f " %d vs %d", what, (int)a->f, (int)b->f)
    SIZE_EQ(nq); SIZE_EQ(nv); SIZE_EQ(nu); SIZE_EQ(nbody); SIZE_EQ(njnt); SIZE_EQ(ngeom);
    SIZE_EQ(nsite); SIZE_EQ(ntendon);
    SIZE_EQ(opt.integrator); SIZE_EQ(opt.solver); SIZE_EQ(opt.iterations); SIZE_EQ(opt.cone);
#undef SIZE_EQ
#define NUM_EQ(f, n)                                                                              \
    for (int i = 0; i < (n); i++)                                                                 \
        cr_assert(fabs((double)a->f[i] - (double)b->f[i]) <= 1e-12, "%s: " #f "[%d] %.17g vs %.17g", \
                  what, i, (double)a->f[i], (double)b->f[i]);
    NUM_EQ(opt.gravity, 3);
    cr_assert(a->opt.timestep == b->opt.timestep && a->opt.density == b->opt.density &&
              a->opt.viscosity == b->opt.viscosity, "%s: options", what);
    NUM_EQ(qpos0, a->nq);
    NUM_EQ(body_parentid, a->nbody); NUM_EQ(body_pos, 3 * a->nbody); NUM_EQ(body_quat, 4 * a->nbody);
    NUM_EQ(body_ipos, 3 * a->nbody); NUM_EQ(body_iquat, 4 * a->nbody);
    NUM_EQ(body_mass, a->nbody); NUM_EQ(body_inertia, 3 * a->nbody);
    NUM_EQ(jnt_type, a->njnt); NUM_EQ(jnt_bodyid, a->njnt); NUM_EQ(jnt_limited, a->njnt);
    NUM_EQ(jnt_pos, 3 * a->njnt); NUM_EQ(jnt_axis, 3 * a->njnt); NUM_EQ(jnt_range, 2 * a->njnt);
    NUM_EQ(jnt_stiffness, a->njnt); NUM_EQ(jnt_margin, a->njnt);
    NUM_EQ(jnt_solref, mjNREF * a->njnt); NUM_EQ(jnt_solimp, mjNIMP * a->njnt);
    NUM_EQ(dof_damping, a->nv); NUM_EQ(dof_armature, a->nv); NUM_EQ(dof_frictionloss, a->nv);
    NUM_EQ(geom_type, a->ngeom); NUM_EQ(geom_bodyid, a->ngeom); NUM_EQ(geom_contype, a->ngeom);
    NUM_EQ(geom_conaffinity, a->ngeom); NUM_EQ(geom_condim, a->ngeom);
    NUM_EQ(geom_size, 3 * a->ngeom); NUM_EQ(geom_pos, 3 * a->ngeom); NUM_EQ(geom_quat, 4 * a->ngeom);
    NUM_EQ(geom_friction, 3 * a->ngeom); NUM_EQ(geom_margin, a->ngeom); NUM_EQ(geom_gap, a->ngeom);
    NUM_EQ(geom_solref, mjNREF * a->ngeom); NUM_EQ(geom_solimp, mjNIMP * a->ngeom);
    NUM_EQ(geom_solmix, a->ngeom);
    NUM_EQ(site_bodyid, a->nsite); NUM_EQ(site_pos, 3 * a->nsite);
    NUM_EQ(actuator_trnid, 2 * a->nu); NUM_EQ(actuator_gear, 6 * a->nu);
    NUM_EQ(actuator_ctrllimited, a->nu); NUM_EQ(actuator_ctrlrange, 2 * a->nu);
    NUM_EQ(actuator_gainprm, mjNGAIN * a->nu); NUM_EQ(actuator_biasprm, mjNBIAS * a->nu);
#undef NUM_EQ
}

Test(mujoco, models_match_gymnasium_reference)
{
    const char *ref = getenv("RLC_MUJOCO_REFERENCE_DIR");
    if (!ref || !ref[0])
        cr_skip_test("RLC_MUJOCO_REFERENCE_DIR not set");
    const struct {
        const char *id, *ref_file;
    } pairs[] = {
        {"InvertedPendulum-v5", "inverted_pendulum.xml"},
        {"InvertedDoublePendulum-v5", "inverted_double_pendulum.xml"},
        {"Reacher-v5", "reacher.xml"}, {"Swimmer-v5", "swimmer.xml"}, {"Hopper-v5", "hopper.xml"},
        {"HalfCheetah-v5", "half_cheetah.xml"}, {"Walker2d-v5", "walker2d_v5.xml"},
        {"Walker2d-v4", "walker2d.xml"}, {"Ant-v5", "ant.xml"}, {"Humanoid-v5", "humanoid.xml"},
        {"Pusher-v5", "pusher_v5.xml"}, {"Pusher-v4", "pusher.xml"},
        {"HumanoidStandup-v5", "humanoidstandup.xml"},
    };
    for (int i = 0; i < RL_ARRAY_LEN(pairs); i++) {
        char path[1024], err[1000] = "";
        snprintf(path, sizeof path, "%s/%s", ref, pairs[i].ref_file);
        mjModel *r = mj_loadXML(path, NULL, err, sizeof err);
        cr_assert_not_null(r, "%s: %s", path, err);
        menv e = open_env(pairs[i].id, 1);
        compare_model(pairs[i].id, env_mujoco_model(e.s), r);
        close_env(&e);
        mj_deleteModel(r);
    }
}

/* the lazy model cache under concurrent first use: one model, every instance working */
static void *init_in_thread(void *arg)
{
    menv *e = arg;
    char err[512];
    e->s = calloc(1, e->def->state_size);
    if (e->def->params) memcpy(e->s, e->def->params, e->def->params_size);   /* as env_make does */
    return (void *)(intptr_t)e->def->init(e->s, err, sizeof err);
}

Test(mujoco, concurrent_init_shares_one_model)
{
    enum { NT = 4 };
    pthread_t th[NT];
    menv envs[NT];
    for (int i = 0; i < NT; i++) {
        envs[i].def = find_def(i % 2 ? "Ant-v5" : "Ant-v4");
        cr_assert_eq(pthread_create(&th[i], NULL, init_in_thread, &envs[i]), 0);
    }
    for (int i = 0; i < NT; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        cr_assert_eq((intptr_t)ret, RL_OK, "thread %d init failed", i);
    }
    for (int i = 1; i < NT; i++)
        cr_assert(env_mujoco_model(envs[i].s) == env_mujoco_model(envs[0].s));
    for (int i = 0; i < NT; i++) {
        float obs[ENV_MAX_DIM];
        rl_rng_seed(&envs[i].rng, 3, 0);
        reset_env(&envs[i], obs);
        cr_assert(isfinite(obs[0]));
        close_env(&envs[i]);
    }
}

/* ---- assets ------------------------------------------------------------------------------------------ */

Test(mujoco, asset_search_order)
{
    char path[1024], err[2048];
    unsetenv("RLC_DATA_DIR");
    cr_assert_eq(env_mujoco_find_asset("hopper.xml", path, sizeof path, err, sizeof err), RL_OK,
                 "%s", err);
    cr_assert(access(path, R_OK) == 0 && strstr(path, "hopper.xml"), "%s", path);

    /* $RLC_DATA_DIR/mujoco/<file> wins */
    char dir[200];
    rlt_tmp_mkdir(dir, sizeof dir, "mj");
    char sub[256], file[300];
    snprintf(sub, sizeof sub, "%s/mujoco", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    snprintf(file, sizeof file, "%s/hopper.xml", sub);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("<mujoco/>\n", f);
    fclose(f);
    setenv("RLC_DATA_DIR", dir, 1);
    cr_assert_eq(env_mujoco_find_asset("hopper.xml", path, sizeof path, err, sizeof err), RL_OK);
    cr_assert_str_eq(path, file);
    /* files not there fall through to the next locations */
    cr_assert_eq(env_mujoco_find_asset("ant.xml", path, sizeof path, err, sizeof err), RL_OK);
    cr_assert(strstr(path, dir) == NULL, "%s", path);
    /* a missing file is an I/O error naming it and the places tried */
    cr_assert_eq(env_mujoco_find_asset("no_such_model.xml", path, sizeof path, err, sizeof err),
                 RL_ERR_IO);
    cr_assert(strstr(err, "no_such_model.xml") && strstr(err, dir), "%s", err);
    unlink(file);
    rmdir(sub);
    rmdir(dir);
    unsetenv("RLC_DATA_DIR");
}

#endif /* RLC_HAVE_MUJOCO */
