/* rlc envs/mujoco: the tasks. One mj_task per Gymnasium id (reset noise, reward terms, health
 * check, observation layout; spec: /work/shared/specs/gymnasium_envs.md section B) and the
 * env_def table returned by env_mujoco_defs(). Default constructor arguments throughout.
 *
 * v4 vs v5 (section B.10): v4 pays the healthy reward on every step, including the terminal
 * one; Walker2d-v4 uses the model with right-foot friction 0.9; Ant-v4 observes qpos[2:] and
 * qvel only (27) with no contact cost; Humanoid-v4 observes 376 values (world rows and every
 * qfrc_actuator entry included) with no contact cost; Pusher-v4 uses the model with the
 * 1e-5-density object and measures its distances before the frames; HumanoidStandup-v4 observes
 * Humanoid-v4's 376 values. Hopper and HalfCheetah are the same. */
#include "envs/mujoco/mujoco_internal.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "envs/env_args.h"

/* ---- shared pieces ------------------------------------------------------------------------- */

static double sum_sq(const double *x, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i] * x[i];
    return s;
}

static double clip(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

static void put(float *obs, int *k, const mjtNum *x, int n)
{
    for (int i = 0; i < n; i++)
        obs[(*k)++] = (float)x[i];
}

static void put_clipped(float *obs, int *k, const mjtNum *x, int n, double lo, double hi)
{
    for (int i = 0; i < n; i++)
        obs[(*k)++] = (float)clip(x[i], lo, hi);
}

/* qpos = qpos0 + U(-s, s) for every coordinate, then qvel = U(-s, s) (Gymnasium's draw order) */
static void noise_uniform(mj_env *e, rl_rng *rng, double s)
{
    const mjModel *m = e->m;
    mjData *d = e->d;
    for (int i = 0; i < m->nq; i++)
        d->qpos[i] = m->qpos0[i] + rl_rng_uniform(rng, -s, s);
    for (int i = 0; i < m->nv; i++)
        d->qvel[i] = rl_rng_uniform(rng, -s, s);
}

/* qpos = qpos0 + U(-s, s), qvel = s * N(0, 1) (HalfCheetah, Ant, InvertedDoublePendulum) */
static void noise_uniform_gauss(mj_env *e, rl_rng *rng, double s)
{
    const mjModel *m = e->m;
    mjData *d = e->d;
    for (int i = 0; i < m->nq; i++)
        d->qpos[i] = m->qpos0[i] + rl_rng_uniform(rng, -s, s);
    for (int i = 0; i < m->nv; i++)
        d->qvel[i] = s * rl_rng_normal(rng);
}

/* the forward progress of the planar robots and the swimmer is measured on qpos[0] */
static void before_qpos_x(mj_env *e)
{
    e->before[0] = e->d->qpos[0];
}

static double forward_qpos_x(const mj_env *e)
{
    return (e->d->qpos[0] - e->before[0]) / e->dt;
}

/* ---- InvertedPendulum-v5 ------------------------------------------------------------------- */

static void ip_noise(mj_env *e, rl_rng *rng)
{
    noise_uniform(e, rng, e->p.reset_noise_scale);
}

static bool ip_healthy(const mj_env *e)
{
    const mjData *d = e->d;
    for (int i = 0; i < 2; i++)
        if (!isfinite(d->qpos[i]) || !isfinite(d->qvel[i]))
            return false;
    return fabs(d->qpos[1]) <= 0.2;
}

static void ip_after(mj_env *e, bool *terminated)
{
    *terminated = !ip_healthy(e);
    e->terms[0] = *terminated ? 0.0 : 1.0;     /* alive */
}

static void ip_observe(const mj_env *e, float *obs)
{
    int k = 0;
    put(obs, &k, e->d->qpos, 2);
    put(obs, &k, e->d->qvel, 2);
}

static const mj_task TASK_IP = {
    .asset = "inverted_pendulum.xml", .frame_skip = 2, .nq = 2, .nv = 2, .nu = 1, .nbody = 3,
    .obs_dim = 4, .act_bound = 3.0f, .nterms = 1, .term_names = {"alive"},
    .divergence_terminates = true,
    .reset_noise = ip_noise, .after = ip_after, .observe = ip_observe, .healthy = ip_healthy,
};

/* ---- InvertedDoublePendulum-v5 ------------------------------------------------------------- */

enum { IDP_TIP = 0 };

static void idp_noise(mj_env *e, rl_rng *rng)
{
    noise_uniform_gauss(e, rng, e->p.reset_noise_scale);
}

static bool idp_healthy(const mj_env *e)
{
    return !(e->d->site_xpos[3 * e->ids[IDP_TIP] + 2] <= 1.0);
}

static void idp_after(mj_env *e, bool *terminated)
{
    const mjtNum *tip = e->d->site_xpos + 3 * e->ids[IDP_TIP];
    double x = tip[0], y = tip[2];
    double v1 = e->d->qvel[1], v2 = e->d->qvel[2];
    *terminated = y <= 1.0;
    e->terms[0] = *terminated ? 0.0 : e->p.healthy_reward;           /* alive */
    e->terms[1] = -(0.01 * x * x + (y - 2.0) * (y - 2.0));           /* distance */
    e->terms[2] = -(1e-3 * v1 * v1 + 5e-3 * v2 * v2);                /* velocity */
}

static void idp_observe(const mj_env *e, float *obs)
{
    const mjData *d = e->d;
    int k = 0;
    obs[k++] = (float)d->qpos[0];
    obs[k++] = (float)sin(d->qpos[1]);
    obs[k++] = (float)sin(d->qpos[2]);
    obs[k++] = (float)cos(d->qpos[1]);
    obs[k++] = (float)cos(d->qpos[2]);
    put_clipped(obs, &k, d->qvel, 3, -10.0, 10.0);
    put_clipped(obs, &k, d->qfrc_constraint, 1, -10.0, 10.0);
}

static const mj_task TASK_IDP = {
    .asset = "inverted_double_pendulum.xml", .frame_skip = 5, .nq = 3, .nv = 3, .nu = 1,
    .nbody = 4, .obs_dim = 9, .act_bound = 1.0f, .nterms = 3,
    .term_names = {"alive", "distance", "velocity"}, .divergence_terminates = true,
    .id_kind = {MJE_SITE}, .id_name = {"tip"},
    .reset_noise = idp_noise, .after = idp_after, .observe = idp_observe, .healthy = idp_healthy,
};

/* ---- Reacher-v5 ---------------------------------------------------------------------------- */

enum { REACHER_FINGERTIP = 0, REACHER_TARGET = 1 };

static void reacher_noise(mj_env *e, rl_rng *rng)
{
    const mjModel *m = e->m;
    mjData *d = e->d;
    for (int i = 0; i < 4; i++)
        d->qpos[i] = m->qpos0[i] + rl_rng_uniform(rng, -0.1, 0.1);
    double gx, gy;
    do {
        gx = rl_rng_uniform(rng, -0.2, 0.2);
        gy = rl_rng_uniform(rng, -0.2, 0.2);
    } while (!(sqrt(gx * gx + gy * gy) < 0.2));
    d->qpos[2] = gx;
    d->qpos[3] = gy;
    for (int i = 0; i < 4; i++)
        d->qvel[i] = rl_rng_uniform(rng, -0.005, 0.005);
    d->qvel[2] = d->qvel[3] = 0.0;
}

/* fingertip - target, from xpos (Gymnasium's get_body_com) */
static void reacher_vec(const mj_env *e, double v[3])
{
    const mjtNum *f = e->d->xpos + 3 * e->ids[REACHER_FINGERTIP];
    const mjtNum *g = e->d->xpos + 3 * e->ids[REACHER_TARGET];
    for (int i = 0; i < 3; i++)
        v[i] = f[i] - g[i];
}

static void reacher_after(mj_env *e, bool *terminated)
{
    double v[3];
    reacher_vec(e, v);     /* after the step (v5; v4 measured it before) */
    e->terms[0] = -e->p.reward_dist_weight * sqrt(sum_sq(v, 3));      /* distance */
    e->terms[1] = -e->p.reward_control_weight * sum_sq(e->act, 2);    /* ctrl */
    *terminated = false;
}

static void reacher_observe(const mj_env *e, float *obs)
{
    const mjData *d = e->d;
    double v[3];
    reacher_vec(e, v);
    int k = 0;
    obs[k++] = (float)cos(d->qpos[0]);
    obs[k++] = (float)cos(d->qpos[1]);
    obs[k++] = (float)sin(d->qpos[0]);
    obs[k++] = (float)sin(d->qpos[1]);
    put(obs, &k, d->qpos + 2, 2);
    put(obs, &k, d->qvel, 2);
    put(obs, &k, v, 2);
}

static const mj_task TASK_REACHER = {
    .asset = "reacher.xml", .frame_skip = 2, .nq = 4, .nv = 4, .nu = 2, .nbody = 5,
    .obs_dim = 10, .act_bound = 1.0f, .nterms = 2, .term_names = {"distance", "ctrl"},
    .divergence_terminates = false,
    .id_kind = {MJE_BODY, MJE_BODY}, .id_name = {"fingertip", "target"},
    .reset_noise = reacher_noise, .after = reacher_after, .observe = reacher_observe,
};

/* ---- Pusher-v5 / v4 ------------------------------------------------------------------------ */

enum { PUSHER_TIPS = 0, PUSHER_OBJECT = 1, PUSHER_GOAL = 2 };

/* the arm at qpos0 with qvel U(-0.005, 0.005); the object's two slides (y, then x) drawn as
 * (U(-0.3, 0), U(-0.2, 0.2)) until more than 0.17 from the goal's origin (0, 0), where the goal
 * stays; object and goal at rest. The draws go to the slides in qpos order, as Gymnasium's do. */
static void pusher_noise(mj_env *e, rl_rng *rng)
{
    mjData *d = e->d;
    double c0, c1;
    do {
        c0 = rl_rng_uniform(rng, -0.3, 0.0);
        c1 = rl_rng_uniform(rng, -0.2, 0.2);
    } while (!(sqrt(c0 * c0 + c1 * c1) > 0.17));
    d->qpos[7] = c0;
    d->qpos[8] = c1;
    d->qpos[9] = d->qpos[10] = 0.0;
    for (int i = 0; i < e->m->nv; i++)
        d->qvel[i] = rl_rng_uniform(rng, -0.005, 0.005);
    for (int i = 7; i < 11; i++)
        d->qvel[i] = 0.0;
}

/* |object - a| between body origins (xpos, Gymnasium's get_body_com) */
static double pusher_dist(const mj_env *e, int a)
{
    const mjtNum *o = e->d->xpos + 3 * e->ids[PUSHER_OBJECT];
    const mjtNum *x = e->d->xpos + 3 * e->ids[a];
    double v[3] = {o[0] - x[0], o[1] - x[1], o[2] - x[2]};
    return sqrt(sum_sq(v, 3));
}

/* v4 measures the distances before the frames */
static void pusher_before_v4(mj_env *e)
{
    e->before[0] = pusher_dist(e, PUSHER_GOAL);
    e->before[1] = pusher_dist(e, PUSHER_TIPS);
}

static void pusher_terms(mj_env *e, double dist, double near)
{
    e->terms[0] = -e->p.reward_dist_weight * dist;                       /* distance */
    e->terms[1] = -e->p.reward_control_weight * sum_sq(e->act, 7);       /* ctrl */
    e->terms[2] = -e->p.reward_near_weight * near;                       /* near */
}

static void pusher_after_v5(mj_env *e, bool *terminated)
{
    pusher_terms(e, pusher_dist(e, PUSHER_GOAL), pusher_dist(e, PUSHER_TIPS));
    *terminated = false;
}

static void pusher_after_v4(mj_env *e, bool *terminated)
{
    pusher_terms(e, e->before[0], e->before[1]);
    *terminated = false;
}

/* the arm's qpos and qvel, then the fingertip, object and goal positions */
static void pusher_observe(const mj_env *e, float *obs)
{
    int k = 0;
    put(obs, &k, e->d->qpos, 7);
    put(obs, &k, e->d->qvel, 7);
    put(obs, &k, e->d->xpos + 3 * e->ids[PUSHER_TIPS], 3);
    put(obs, &k, e->d->xpos + 3 * e->ids[PUSHER_OBJECT], 3);
    put(obs, &k, e->d->xpos + 3 * e->ids[PUSHER_GOAL], 3);
}

#define PUSHER_TASK(file, before_fn, after_fn)                                                    \
    {                                                                                             \
        .asset = file, .frame_skip = 5, .nq = 11, .nv = 11, .nu = 7, .nbody = 13, .obs_dim = 23,  \
        .act_bound = 2.0f, .nterms = 3, .term_names = {"distance", "ctrl", "near"},               \
        .divergence_terminates = false,                                                           \
        .id_kind = {MJE_BODY, MJE_BODY, MJE_BODY}, .id_name = {"tips_arm", "object", "goal"},     \
        .reset_noise = pusher_noise, .before = before_fn, .after = after_fn,                      \
        .observe = pusher_observe,                                                                \
    }
static const mj_task TASK_PUSHER_V5 = PUSHER_TASK("pusher_v5.xml", NULL, pusher_after_v5);
static const mj_task TASK_PUSHER_V4 = PUSHER_TASK("pusher_v4.xml", pusher_before_v4, pusher_after_v4);

/* ---- Swimmer-v5 ------------------------------------------------------------------------------ */

static void swimmer_noise(mj_env *e, rl_rng *rng)
{
    noise_uniform(e, rng, e->p.reset_noise_scale);
}

static void swimmer_after(mj_env *e, bool *terminated)
{
    e->terms[0] = e->p.forward_reward_weight * forward_qpos_x(e);   /* forward */
    e->terms[1] = -e->p.ctrl_cost_weight * sum_sq(e->act, 2);       /* ctrl */
    *terminated = false;
}

static void swimmer_observe(const mj_env *e, float *obs)
{
    int k = 0;
    put(obs, &k, e->d->qpos + 2, 3);
    put(obs, &k, e->d->qvel, 5);
}

static const mj_task TASK_SWIMMER = {
    .asset = "swimmer.xml", .frame_skip = 4, .nq = 5, .nv = 5, .nu = 2, .nbody = 4,
    .obs_dim = 8, .act_bound = 1.0f, .nterms = 2, .term_names = {"forward", "ctrl"},
    .divergence_terminates = false,
    .reset_noise = swimmer_noise, .before = before_qpos_x, .after = swimmer_after,
    .observe = swimmer_observe,
};

/* ---- Hopper-v5 / v4 ---------------------------------------------------------------------------- */

static void hopper_noise(mj_env *e, rl_rng *rng)
{
    noise_uniform(e, rng, e->p.reset_noise_scale);
}

/* x in the open interval r (a NaN is not) */
static bool in_range(double x, const double r[2])
{
    return x > r[0] && x < r[1];
}

/* strict, with the defaults: qpos[2:] and qvel in (-100, 100), z in (0.7, inf), angle in
 * (-0.2, 0.2); a NaN fails */
static bool hopper_healthy(const mj_env *e)
{
    const mjData *d = e->d;
    const env_mujoco_params *p = &e->p;
    for (int i = 2; i < 6; i++)
        if (!in_range(d->qpos[i], p->healthy_state_range))
            return false;
    for (int i = 0; i < 6; i++)
        if (!in_range(d->qvel[i], p->healthy_state_range))
            return false;
    return in_range(d->qpos[1], p->healthy_z_range) && in_range(d->qpos[2], p->healthy_angle_range);
}

/* forward, healthy and ctrl terms of Hopper and Walker2d; v5 pays the healthy reward when healthy,
 * v4 also when unhealthy with terminate_when_unhealthy (Gymnasium's two healthy_reward
 * properties) */
static void walker_terms(mj_env *e, bool healthy, bool v4, int nu, bool *terminated)
{
    const env_mujoco_params *p = &e->p;
    bool paid = healthy || (v4 && p->terminate_when_unhealthy);
    e->terms[0] = p->forward_reward_weight * forward_qpos_x(e);   /* forward */
    e->terms[1] = paid ? p->healthy_reward : 0.0;                  /* healthy */
    e->terms[2] = -p->ctrl_cost_weight * sum_sq(e->act, nu);       /* ctrl */
    *terminated = !healthy && p->terminate_when_unhealthy;
}

/* qpos from index 1, or from 0 when exclude_current_positions_from_observation is false */
static int first_qpos(const mj_env *e)
{
    return e->obs_dim > e->task->obs_dim ? 0 : 1;
}

static void hopper_after_v5(mj_env *e, bool *terminated)
{
    walker_terms(e, hopper_healthy(e), false, 3, terminated);
}

static void hopper_after_v4(mj_env *e, bool *terminated)
{
    walker_terms(e, hopper_healthy(e), true, 3, terminated);
}

static void hopper_observe(const mj_env *e, float *obs)
{
    int k = 0, q0 = first_qpos(e);
    put(obs, &k, e->d->qpos + q0, 6 - q0);
    put_clipped(obs, &k, e->d->qvel, 6, -10.0, 10.0);
}

#define HOPPER_TASK(after_fn)                                                                     \
    {                                                                                             \
        .asset = "hopper.xml", .frame_skip = 4, .nq = 6, .nv = 6, .nu = 3, .nbody = 5,            \
        .obs_dim = 11, .act_bound = 1.0f, .nterms = 3,                                            \
        .term_names = {"forward", "healthy", "ctrl"}, .divergence_terminates = true,              \
        .reset_noise = hopper_noise, .before = before_qpos_x, .after = after_fn,                  \
        .observe = hopper_observe, .healthy = hopper_healthy, .optional_x = true,                 \
    }
static const mj_task TASK_HOPPER_V5 = HOPPER_TASK(hopper_after_v5);
static const mj_task TASK_HOPPER_V4 = HOPPER_TASK(hopper_after_v4);

/* ---- HalfCheetah-v5 / v4 (identical) ----------------------------------------------------------- */

static void cheetah_noise(mj_env *e, rl_rng *rng)
{
    noise_uniform_gauss(e, rng, e->p.reset_noise_scale);
}

static void cheetah_after(mj_env *e, bool *terminated)
{
    e->terms[0] = e->p.forward_reward_weight * forward_qpos_x(e);   /* forward */
    e->terms[1] = -e->p.ctrl_cost_weight * sum_sq(e->act, 6);       /* ctrl */
    *terminated = false;
}

static void cheetah_observe(const mj_env *e, float *obs)
{
    int k = 0, q0 = first_qpos(e);
    put(obs, &k, e->d->qpos + q0, 9 - q0);
    put(obs, &k, e->d->qvel, 9);
}

static const mj_task TASK_CHEETAH = {
    .asset = "half_cheetah.xml", .frame_skip = 5, .nq = 9, .nv = 9, .nu = 6, .nbody = 8,
    .obs_dim = 17, .act_bound = 1.0f, .nterms = 2, .term_names = {"forward", "ctrl"},
    .divergence_terminates = false,
    .reset_noise = cheetah_noise, .before = before_qpos_x, .after = cheetah_after,
    .observe = cheetah_observe, .optional_x = true,
};

/* ---- Walker2d-v5 / v4 ------------------------------------------------------------------------ */

static void walker_noise(mj_env *e, rl_rng *rng)
{
    noise_uniform(e, rng, e->p.reset_noise_scale);
}

/* strict, with the defaults: z in (0.8, 2.0), angle in (-1, 1); a NaN fails */
static bool walker_healthy(const mj_env *e)
{
    return in_range(e->d->qpos[1], e->p.healthy_z_range) && in_range(e->d->qpos[2], e->p.healthy_angle_range);
}

static void walker_after_v5(mj_env *e, bool *terminated)
{
    walker_terms(e, walker_healthy(e), false, 6, terminated);
}

static void walker_after_v4(mj_env *e, bool *terminated)
{
    walker_terms(e, walker_healthy(e), true, 6, terminated);
}

static void walker_observe(const mj_env *e, float *obs)
{
    int k = 0, q0 = first_qpos(e);
    put(obs, &k, e->d->qpos + q0, 9 - q0);
    put_clipped(obs, &k, e->d->qvel, 9, -10.0, 10.0);
}

#define WALKER_TASK(file, after_fn)                                                               \
    {                                                                                             \
        .asset = file, .frame_skip = 4, .nq = 9, .nv = 9, .nu = 6, .nbody = 8, .obs_dim = 17,     \
        .act_bound = 1.0f, .nterms = 3, .term_names = {"forward", "healthy", "ctrl"},             \
        .divergence_terminates = true,                                                            \
        .reset_noise = walker_noise, .before = before_qpos_x, .after = after_fn,                  \
        .observe = walker_observe, .healthy = walker_healthy, .optional_x = true,                 \
    }
static const mj_task TASK_WALKER_V5 = WALKER_TASK("walker2d_v5.xml", walker_after_v5);
static const mj_task TASK_WALKER_V4 = WALKER_TASK("walker2d_v4.xml", walker_after_v4);

/* ---- Ant-v5 / v4 ------------------------------------------------------------------------------- */

enum { ANT_TORSO = 0 };

static void ant_noise(mj_env *e, rl_rng *rng)
{
    noise_uniform_gauss(e, rng, e->p.reset_noise_scale);
}

/* qpos and qvel finite and z in healthy_z_range, inclusive (Gymnasium's Ant): [0.2, 1] */
static bool ant_healthy(const mj_env *e)
{
    const mjData *d = e->d;
    for (int i = 0; i < 15; i++)
        if (!isfinite(d->qpos[i]))
            return false;
    for (int i = 0; i < 14; i++)
        if (!isfinite(d->qvel[i]))
            return false;
    return d->qpos[2] >= e->p.healthy_z_range[0] && d->qpos[2] <= e->p.healthy_z_range[1];
}

/* progress of the torso frame origin (xpos, one evaluation behind qpos, as in Gymnasium) */
static void ant_before(mj_env *e)
{
    e->before[0] = e->d->xpos[3 * e->ids[ANT_TORSO]];
}

static void ant_terms(mj_env *e, bool v4, bool *terminated)
{
    const env_mujoco_params *p = &e->p;
    bool healthy = ant_healthy(e);
    e->terms[0] = p->forward_reward_weight * ((e->d->xpos[3 * e->ids[ANT_TORSO]] - e->before[0]) / e->dt);
    e->terms[1] = (healthy || (v4 && p->terminate_when_unhealthy)) ? p->healthy_reward : 0.0;
    e->terms[2] = -p->ctrl_cost_weight * sum_sq(e->act, 8);                     /* ctrl */
    if (!v4) {
        /* contact: every body's clipped external force, world row included (it is 0) */
        double s = 0.0;
        for (int i = 0; i < 6 * 14; i++) {
            double f = clip(e->d->cfrc_ext[i], -1.0, 1.0);
            s += f * f;
        }
        e->terms[3] = -p->contact_cost_weight * s;
    }
    *terminated = !healthy && p->terminate_when_unhealthy;
}

static void ant_after_v5(mj_env *e, bool *terminated)
{
    ant_terms(e, false, terminated);
}

static void ant_after_v4(mj_env *e, bool *terminated)
{
    ant_terms(e, true, terminated);
}

static void ant_observe_v5(const mj_env *e, float *obs)
{
    int k = 0;
    put(obs, &k, e->d->qpos + 2, 13);
    put(obs, &k, e->d->qvel, 14);
    put_clipped(obs, &k, e->d->cfrc_ext + 6, 6 * 13, -1.0, 1.0);
}

static void ant_observe_v4(const mj_env *e, float *obs)
{
    int k = 0;
    put(obs, &k, e->d->qpos + 2, 13);
    put(obs, &k, e->d->qvel, 14);
}

static const mj_task TASK_ANT_V5 = {
    .asset = "ant.xml", .frame_skip = 5, .nq = 15, .nv = 14, .nu = 8, .nbody = 14,
    .obs_dim = 105, .act_bound = 1.0f, .nterms = 4,
    .term_names = {"forward", "healthy", "ctrl", "contact"}, .divergence_terminates = true,
    .id_kind = {MJE_BODY}, .id_name = {"torso"},
    .reset_noise = ant_noise, .before = ant_before, .after = ant_after_v5,
    .observe = ant_observe_v5, .healthy = ant_healthy,
};

static const mj_task TASK_ANT_V4 = {
    .asset = "ant.xml", .frame_skip = 5, .nq = 15, .nv = 14, .nu = 8, .nbody = 14,
    .obs_dim = 27, .act_bound = 1.0f, .nterms = 3,
    .term_names = {"forward", "healthy", "ctrl"}, .divergence_terminates = true,
    .id_kind = {MJE_BODY}, .id_name = {"torso"},
    .reset_noise = ant_noise, .before = ant_before, .after = ant_after_v4,
    .observe = ant_observe_v4, .healthy = ant_healthy,
};

/* ---- Humanoid-v5 / v4 -------------------------------------------------------------------------- */

static void humanoid_noise(mj_env *e, rl_rng *rng)
{
    noise_uniform(e, rng, e->p.reset_noise_scale);
}

/* z in healthy_z_range, strict (Gymnasium's Humanoid): (1, 2) */
static bool humanoid_healthy(const mj_env *e)
{
    double z = e->d->qpos[2];
    return z > e->p.healthy_z_range[0] && z < e->p.healthy_z_range[1];
}

/* x of the whole-body centre of mass: sum(mass * xipos) / sum(mass) */
static double humanoid_com_x(const mj_env *e)
{
    const mjModel *m = e->m;
    double mx = 0.0, mass = 0.0;
    for (int b = 0; b < m->nbody; b++) {
        mx += m->body_mass[b] * e->d->xipos[3 * b];
        mass += m->body_mass[b];
    }
    return mx / mass;
}

static void humanoid_before(mj_env *e)
{
    e->before[0] = humanoid_com_x(e);
}

static void humanoid_terms(mj_env *e, bool v4, bool *terminated)
{
    const env_mujoco_params *p = &e->p;
    bool healthy = humanoid_healthy(e);
    e->terms[0] = p->forward_reward_weight * (humanoid_com_x(e) - e->before[0]) / e->dt;   /* forward */
    e->terms[1] = (healthy || (v4 && p->terminate_when_unhealthy)) ? p->healthy_reward : 0.0;
    e->terms[2] = -p->ctrl_cost_weight * sum_sq(e->d->ctrl, 17);      /* ctrl (d->ctrl) */
    if (!v4) {
        /* contact: unclipped cfrc_ext of every body, the cost capped at 10 */
        double s = p->contact_cost_weight * sum_sq(e->d->cfrc_ext, 6 * 14);
        e->terms[3] = -(s > 10.0 ? 10.0 : s);
    }
    *terminated = !healthy && p->terminate_when_unhealthy;
}

static void humanoid_after_v5(mj_env *e, bool *terminated)
{
    humanoid_terms(e, false, terminated);
}

static void humanoid_after_v4(mj_env *e, bool *terminated)
{
    humanoid_terms(e, true, terminated);
}

static void humanoid_observe_v5(const mj_env *e, float *obs)
{
    const mjData *d = e->d;
    int k = 0;
    put(obs, &k, d->qpos + 2, 22);
    put(obs, &k, d->qvel, 23);
    put(obs, &k, d->cinert + 10, 10 * 13);
    put(obs, &k, d->cvel + 6, 6 * 13);
    put(obs, &k, d->qfrc_actuator + 6, 17);
    put(obs, &k, d->cfrc_ext + 6, 6 * 13);
}

static void humanoid_observe_v4(const mj_env *e, float *obs)
{
    const mjData *d = e->d;
    int k = 0;
    put(obs, &k, d->qpos + 2, 22);
    put(obs, &k, d->qvel, 23);
    put(obs, &k, d->cinert, 10 * 14);
    put(obs, &k, d->cvel, 6 * 14);
    put(obs, &k, d->qfrc_actuator, 23);
    put(obs, &k, d->cfrc_ext, 6 * 14);
}

static const mj_task TASK_HUMANOID_V5 = {
    .asset = "humanoid.xml", .frame_skip = 5, .nq = 24, .nv = 23, .nu = 17, .nbody = 14,
    .obs_dim = 348, .act_bound = 0.4f, .nterms = 4,
    .term_names = {"forward", "healthy", "ctrl", "contact"}, .divergence_terminates = true,
    .reset_noise = humanoid_noise, .before = humanoid_before, .after = humanoid_after_v5,
    .observe = humanoid_observe_v5, .healthy = humanoid_healthy,
};

static const mj_task TASK_HUMANOID_V4 = {
    .asset = "humanoid.xml", .frame_skip = 5, .nq = 24, .nv = 23, .nu = 17, .nbody = 14,
    .obs_dim = 376, .act_bound = 0.4f, .nterms = 3,
    .term_names = {"forward", "healthy", "ctrl"}, .divergence_terminates = true,
    .reset_noise = humanoid_noise, .before = humanoid_before, .after = humanoid_after_v4,
    .observe = humanoid_observe_v4, .healthy = humanoid_healthy,
};

/* ---- HumanoidStandup-v5 / v4 ------------------------------------------------------------------- */

static void standup_noise(mj_env *e, rl_rng *rng)
{
    noise_uniform(e, rng, e->p.reset_noise_scale);
}

/* the torso's height over the model's timestep (not dt), the control cost on d->ctrl, the
 * impact cost on every body's cfrc_ext (world row included) clipped to impact_cost_range, and
 * 1 per step; the episode never terminates. v4 has the same terms at the default weights. */
static void standup_after(mj_env *e, bool *terminated)
{
    const env_mujoco_params *p = &e->p;
    e->terms[0] = p->uph_cost_weight * e->d->qpos[2] / e->m->opt.timestep;      /* linup */
    e->terms[1] = -p->ctrl_cost_weight * sum_sq(e->d->ctrl, 17);                 /* ctrl */
    double impact = p->impact_cost_weight * sum_sq(e->d->cfrc_ext, 6 * 14);
    e->terms[2] = -clip(impact, p->impact_cost_range[0], p->impact_cost_range[1]);   /* impact */
    e->terms[3] = 1.0;                                                           /* alive */
    *terminated = false;
}

/* v5: qpos (without x and y unless asked), qvel, then the bodies' cinert, cvel, the joints'
 * qfrc_actuator and the bodies' cfrc_ext (world row and free joint left out), each if asked */
static int standup_obs_size(const env_mujoco_params *p)
{
    return 24 - 2 * p->exclude_current_positions_from_observation + 23 +
           130 * p->include_cinert_in_observation + 78 * p->include_cvel_in_observation +
           17 * p->include_qfrc_actuator_in_observation + 78 * p->include_cfrc_ext_in_observation;
}

static void standup_observe_v5(const mj_env *e, float *obs)
{
    const env_mujoco_params *p = &e->p;
    const mjData *d = e->d;
    int k = 0, q0 = p->exclude_current_positions_from_observation ? 2 : 0;
    put(obs, &k, d->qpos + q0, 24 - q0);
    put(obs, &k, d->qvel, 23);
    if (p->include_cinert_in_observation)
        put(obs, &k, d->cinert + 10, 10 * 13);
    if (p->include_cvel_in_observation)
        put(obs, &k, d->cvel + 6, 6 * 13);
    if (p->include_qfrc_actuator_in_observation)
        put(obs, &k, d->qfrc_actuator + 6, 17);
    if (p->include_cfrc_ext_in_observation)
        put(obs, &k, d->cfrc_ext + 6, 6 * 13);
}

#define STANDUP_TASK(n_obs, observe_fn, size_fn)                                                  \
    {                                                                                             \
        .asset = "humanoidstandup.xml", .frame_skip = 5, .nq = 24, .nv = 23, .nu = 17,            \
        .nbody = 14, .obs_dim = n_obs, .act_bound = 0.4f, .nterms = 4,                            \
        .term_names = {"linup", "ctrl", "impact", "alive"}, .divergence_terminates = false,       \
        .reset_noise = standup_noise, .after = standup_after, .observe = observe_fn,              \
        .obs_size = size_fn,                                                                      \
    }
/* v4 observes Humanoid-v4's 376 values */
static const mj_task TASK_STANDUP_V5 = STANDUP_TASK(348, standup_observe_v5, standup_obs_size);
static const mj_task TASK_STANDUP_V4 = STANDUP_TASK(376, humanoid_observe_v4, NULL);

/* ---- the env_def table ------------------------------------------------------------------------ */

/* what the trainer reports as numerical trouble: MuJoCo's warnings plus divergence resets */
static uint64_t mje_trouble(const void *state)
{
    return env_mujoco_warnings(state) + env_mujoco_divergences(state);
}

/* observation bounds: (-inf, inf) everywhere, one static array wide enough for every task */
#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
#define R64(x) R16(x), R16(x), R16(x), R16(x)
#define R512(x) R64(x), R64(x), R64(x), R64(x), R64(x), R64(x), R64(x), R64(x)
#define R1024(x) R512(x), R512(x)
_Static_assert(ENV_MAX_DIM == 1024, "OBS_LOW and OBS_HIGH below fill ENV_MAX_DIM bounds");
static const float OBS_LOW[ENV_MAX_DIM] = {R1024(-INFINITY)};
static const float OBS_HIGH[ENV_MAX_DIM] = {R1024(INFINITY)};

/* action bounds: the models' ctrlrange, checked against the model at init */
static const float ACT_LOW_1[MJE_MAX_NU] = {R16(-1.0f), R16(-1.0f)};
static const float ACT_HIGH_1[MJE_MAX_NU] = {R16(1.0f), R16(1.0f)};
static const float ACT_LOW_2[7] = {-2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f};
static const float ACT_HIGH_2[7] = {2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f};
static const float ACT_LOW_3[1] = {-3.0f};
static const float ACT_HIGH_3[1] = {3.0f};
static const float ACT_LOW_04[MJE_MAX_NU] = {R16(-0.4f), R16(-0.4f)};
static const float ACT_HIGH_04[MJE_MAX_NU] = {R16(0.4f), R16(0.4f)};

#define BOX(n_, lo, hi) {.kind = ENV_SPACE_BOX, .n = 0, .dim = (n_), .low = (lo), .high = (hi)}

/* one init function and one env_def per id (the state block is blank before init; n_obs and
 * n_act repeat the task's figures as constants for the static spaces, checked at init) */
/* the registered arguments (Gymnasium's defaults) of the tasks that read env_mujoco_params */
#define NO_RANGES                                                                                   \
    .healthy_state_range = {-INFINITY, INFINITY}, .healthy_z_range = {-INFINITY, INFINITY},             \
    .healthy_angle_range = {-INFINITY, INFINITY}, .exclude_current_positions_from_observation = true
static const env_mujoco_params PARAMS_IP = {.reset_noise_scale = 0.01, NO_RANGES};
static const env_mujoco_params PARAMS_IDP = {.healthy_reward = 10.0, .reset_noise_scale = 0.1, NO_RANGES};
static const env_mujoco_params PARAMS_REACHER = {.reward_dist_weight = 1.0, .reward_control_weight = 1.0, NO_RANGES};
static const env_mujoco_params PARAMS_PUSHER = {
    .reward_dist_weight = 1.0, .reward_control_weight = 0.1, .reward_near_weight = 0.5, NO_RANGES};
static const env_mujoco_params PARAMS_STANDUP = {
    .uph_cost_weight = 1.0, .ctrl_cost_weight = 0.1, .impact_cost_weight = 0.5e-6,
    .impact_cost_range = {-INFINITY, 10.0},
    .reset_noise_scale = 1e-2, .include_cinert_in_observation = true, .include_cvel_in_observation = true,
    .include_qfrc_actuator_in_observation = true, .include_cfrc_ext_in_observation = true, NO_RANGES};
static const env_mujoco_params PARAMS_SWIMMER = {
    .forward_reward_weight = 1.0, .ctrl_cost_weight = 1e-4, .reset_noise_scale = 0.1, NO_RANGES};
static const env_mujoco_params PARAMS_ANT = {
    .forward_reward_weight = 1.0, .ctrl_cost_weight = 0.5, .contact_cost_weight = 5e-4, .healthy_reward = 1.0,
    .terminate_when_unhealthy = true, .healthy_state_range = {-INFINITY, INFINITY}, .healthy_z_range = {0.2, 1.0},
    .healthy_angle_range = {-INFINITY, INFINITY}, .reset_noise_scale = 0.1,
    .exclude_current_positions_from_observation = true};
static const env_mujoco_params PARAMS_HUMANOID = {
    .forward_reward_weight = 1.25, .ctrl_cost_weight = 0.1, .contact_cost_weight = 5e-7, .healthy_reward = 5.0,
    .terminate_when_unhealthy = true, .healthy_state_range = {-INFINITY, INFINITY}, .healthy_z_range = {1.0, 2.0},
    .healthy_angle_range = {-INFINITY, INFINITY}, .reset_noise_scale = 1e-2,
    .exclude_current_positions_from_observation = true};
static const env_mujoco_params PARAMS_HOPPER = {
    .forward_reward_weight = 1.0, .ctrl_cost_weight = 1e-3, .healthy_reward = 1.0, .terminate_when_unhealthy = true,
    .healthy_state_range = {-100.0, 100.0}, .healthy_z_range = {0.7, INFINITY}, .healthy_angle_range = {-0.2, 0.2},
    .reset_noise_scale = 5e-3, .exclude_current_positions_from_observation = true};
static const env_mujoco_params PARAMS_WALKER = {
    .forward_reward_weight = 1.0, .ctrl_cost_weight = 1e-3, .healthy_reward = 1.0, .terminate_when_unhealthy = true,
    .healthy_state_range = {-INFINITY, INFINITY}, .healthy_z_range = {0.8, 2.0}, .healthy_angle_range = {-1.0, 1.0},
    .reset_noise_scale = 5e-3, .exclude_current_positions_from_observation = true};
static const env_mujoco_params PARAMS_CHEETAH = {
    .forward_reward_weight = 1.0, .ctrl_cost_weight = 0.1, .healthy_state_range = {-INFINITY, INFINITY},
    .healthy_z_range = {-INFINITY, INFINITY}, .healthy_angle_range = {-INFINITY, INFINITY},
    .reset_noise_scale = 0.1, .exclude_current_positions_from_observation = true};

/* prm: the task's registered env_mujoco_params (Gymnasium's defaults) */
#define MJE_DEFINE_P(name, task_var, id_str, max_steps, threshold, n_obs, n_act, act_lo, act_hi, prm) \
    static rl_status init_##name(void *state, char *err, size_t err_sz)                          \
    {                                                                                            \
        RL_ASSERT(task_var.obs_dim == (n_obs) && task_var.nu == (n_act));                        \
        return mje_init(state, &task_var, err, err_sz);                                          \
    }                                                                                            \
    static const env_def DEF_##name = {                                                          \
        .id = id_str,                                                                            \
        .state_size = sizeof(mj_env),                                                            \
        .max_episode_steps = max_steps,                                                          \
        .reward_threshold = threshold,                                                           \
        .obs_space = BOX(n_obs, OBS_LOW, OBS_HIGH),                                              \
        .act_space = BOX(n_act, act_lo, act_hi),                                                 \
        .init = init_##name,                                                                     \
        .reset = mje_reset,                                                                      \
        .step = mje_step,                                                                        \
        .close = mje_close,                                                                      \
        .warnings = mje_trouble,                                                                 \
        .params = (prm),                                                                         \
        .params_size = sizeof(env_mujoco_params),                                                \
    };

MJE_DEFINE_P(ip, TASK_IP, "InvertedPendulum-v5", 1000, 950.0, 4, 1, ACT_LOW_3, ACT_HIGH_3, &PARAMS_IP)
MJE_DEFINE_P(idp, TASK_IDP, "InvertedDoublePendulum-v5", 1000, 9100.0, 9, 1, ACT_LOW_1, ACT_HIGH_1, &PARAMS_IDP)
MJE_DEFINE_P(reacher, TASK_REACHER, "Reacher-v5", 50, -3.75, 10, 2, ACT_LOW_1, ACT_HIGH_1, &PARAMS_REACHER)
MJE_DEFINE_P(pusher5, TASK_PUSHER_V5, "Pusher-v5", 100, 0.0, 23, 7, ACT_LOW_2, ACT_HIGH_2, &PARAMS_PUSHER)
MJE_DEFINE_P(swimmer, TASK_SWIMMER, "Swimmer-v5", 1000, 360.0, 8, 2, ACT_LOW_1, ACT_HIGH_1, &PARAMS_SWIMMER)
MJE_DEFINE_P(hopper5, TASK_HOPPER_V5, "Hopper-v5", 1000, 3800.0, 11, 3, ACT_LOW_1, ACT_HIGH_1, &PARAMS_HOPPER)
MJE_DEFINE_P(cheetah5, TASK_CHEETAH, "HalfCheetah-v5", 1000, 4800.0, 17, 6, ACT_LOW_1, ACT_HIGH_1, &PARAMS_CHEETAH)
MJE_DEFINE_P(walker5, TASK_WALKER_V5, "Walker2d-v5", 1000, NAN, 17, 6, ACT_LOW_1, ACT_HIGH_1, &PARAMS_WALKER)
MJE_DEFINE_P(ant5, TASK_ANT_V5, "Ant-v5", 1000, 6000.0, 105, 8, ACT_LOW_1, ACT_HIGH_1, &PARAMS_ANT)
MJE_DEFINE_P(humanoid5, TASK_HUMANOID_V5, "Humanoid-v5", 1000, NAN, 348, 17, ACT_LOW_04, ACT_HIGH_04,
             &PARAMS_HUMANOID)
MJE_DEFINE_P(standup5, TASK_STANDUP_V5, "HumanoidStandup-v5", 1000, NAN, 348, 17, ACT_LOW_04, ACT_HIGH_04,
             &PARAMS_STANDUP)
MJE_DEFINE_P(pusher4, TASK_PUSHER_V4, "Pusher-v4", 100, 0.0, 23, 7, ACT_LOW_2, ACT_HIGH_2, &PARAMS_PUSHER)
MJE_DEFINE_P(hopper4, TASK_HOPPER_V4, "Hopper-v4", 1000, 3800.0, 11, 3, ACT_LOW_1, ACT_HIGH_1, &PARAMS_HOPPER)
MJE_DEFINE_P(cheetah4, TASK_CHEETAH, "HalfCheetah-v4", 1000, 4800.0, 17, 6, ACT_LOW_1, ACT_HIGH_1, &PARAMS_CHEETAH)
MJE_DEFINE_P(walker4, TASK_WALKER_V4, "Walker2d-v4", 1000, NAN, 17, 6, ACT_LOW_1, ACT_HIGH_1, &PARAMS_WALKER)
MJE_DEFINE_P(ant4, TASK_ANT_V4, "Ant-v4", 1000, 6000.0, 27, 8, ACT_LOW_1, ACT_HIGH_1, &PARAMS_ANT)
MJE_DEFINE_P(humanoid4, TASK_HUMANOID_V4, "Humanoid-v4", 1000, NAN, 376, 17, ACT_LOW_04, ACT_HIGH_04,
             &PARAMS_HUMANOID)
MJE_DEFINE_P(standup4, TASK_STANDUP_V4, "HumanoidStandup-v4", 1000, NAN, 376, 17, ACT_LOW_04, ACT_HIGH_04,
             &PARAMS_STANDUP)

static const env_def *const MJE_DEFS[] = {
    &DEF_ip,       &DEF_idp,     &DEF_reacher, &DEF_pusher5,   &DEF_swimmer,  &DEF_hopper5,
    &DEF_cheetah5, &DEF_walker5, &DEF_ant5,    &DEF_humanoid5, &DEF_standup5,
    &DEF_pusher4,  &DEF_hopper4, &DEF_cheetah4, &DEF_walker4,  &DEF_ant4,     &DEF_humanoid4, &DEF_standup4,
};

/* the arguments each v5 locomotion task takes (envs/env_args.h): the definition with them has x
 * in its observation when exclude_current_positions_from_observation is false */
static rl_status mje_args_make(env_def *def, const env_def *base, void *storage, const void *params, char *err,
                               size_t err_sz)
{
    const env_mujoco_params *p = params;
    const char *names[3] = {"healthy_state_range", "healthy_z_range", "healthy_angle_range"};
    const double *ranges[3] = {p->healthy_state_range, p->healthy_z_range, p->healthy_angle_range};
    for (int i = 0; i < 3; i++)
        if (!(ranges[i][0] < ranges[i][1]))
            return rl_errf(err, err_sz, RL_ERR_ARG, "%s: %s [%g, %g]: the low end must be below the high end",
                           base->id, names[i], ranges[i][0], ranges[i][1]);
    memcpy(storage, p, sizeof *p);
    *def = *base;
    def->params = storage;
    def->obs_space.dim += !p->exclude_current_positions_from_observation;
    return RL_OK;
}

/* HumanoidStandup-v5: the impact cost's clip range, and the observation size from the include_*
 * and exclude_current_positions_from_observation arguments */
static rl_status standup_args_make(env_def *def, const env_def *base, void *storage, const void *params, char *err,
                                   size_t err_sz)
{
    const env_mujoco_params *p = params;
    if (!(p->impact_cost_range[0] <= p->impact_cost_range[1]))
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "%s: impact_cost_range [%g, %g]: the low end must not be above the high end", base->id,
                       p->impact_cost_range[0], p->impact_cost_range[1]);
    rl_status st = mje_args_make(def, base, storage, params, err, err_sz);
    if (st == RL_OK)
        def->obs_space.dim = standup_obs_size(p);
    return st;
}

#define MJA(f) offsetof(env_mujoco_params, f)
#define MJA_W(name, doc) {#name, ENV_ARG_FLOAT, MJA(name), 0, 1, 0.0, 1e6, NULL, doc}
#define MJA_RANGE(name, doc) {#name, ENV_ARG_FLOAT, MJA(name), 0, 2, -INFINITY, INFINITY, NULL, doc}
#define MJA_FORWARD {"forward_reward_weight", ENV_ARG_FLOAT, MJA(forward_reward_weight), 0, 1, -1e6, 1e6, NULL, \
                     "weight of the forward velocity reward (negative: backwards)"}
static const env_arg MJE_ARGS_WALKERS[] = {
    MJA_FORWARD,
    MJA_W(ctrl_cost_weight, "weight of the control cost (sum of squared actions)"),
    MJA_W(healthy_reward, "reward for each step the robot is healthy"),
    {"terminate_when_unhealthy", ENV_ARG_BOOL, MJA(terminate_when_unhealthy), 0, 0, 0, 0, NULL,
     "end the episode (terminated) when the robot is unhealthy"},
    MJA_RANGE(healthy_z_range, "the torso height (qpos[1]) a healthy robot keeps, open interval"),
    MJA_RANGE(healthy_angle_range, "the torso angle (qpos[2]) a healthy robot keeps, open interval"),
    MJA_W(reset_noise_scale, "scale of the uniform noise on the initial qpos and qvel"),
    {"exclude_current_positions_from_observation", ENV_ARG_BOOL, MJA(exclude_current_positions_from_observation),
     0, 0, 0, 0, NULL, "false: observe x (qpos[0]) first, one value more"},
    MJA_RANGE(healthy_state_range, "(Hopper) the range of qpos[2:] and qvel of a healthy robot, open interval"),
};
static const env_arg MJE_ARGS_CHEETAH[] = {
    MJA_FORWARD,
    MJA_W(ctrl_cost_weight, "weight of the control cost (sum of squared actions)"),
    MJA_W(reset_noise_scale, "scale of the noise on the initial qpos (uniform) and qvel (normal)"),
    {"exclude_current_positions_from_observation", ENV_ARG_BOOL, MJA(exclude_current_positions_from_observation),
     0, 0, 0, 0, NULL, "false: observe x (qpos[0]) first, one value more"},
};

#define MJA_NOISE MJA_W(reset_noise_scale, "scale of the noise on the initial qpos and qvel")
#define MJA_TERMINATE                                                                                  \
    {"terminate_when_unhealthy", ENV_ARG_BOOL, MJA(terminate_when_unhealthy), 0, 0, 0, 0, NULL,          \
     "end the episode (terminated) when the robot is unhealthy"}
static const env_arg MJE_ARGS_IP[] = {MJA_NOISE};
static const env_arg MJE_ARGS_IDP[] = {
    MJA_W(healthy_reward, "reward for each step the pendulum stays up"),
    MJA_NOISE,
};
static const env_arg MJE_ARGS_REACHER[] = {
    MJA_W(reward_dist_weight, "weight of the fingertip-target distance cost"),
    MJA_W(reward_control_weight, "weight of the control cost (sum of squared actions)"),
};
static const env_arg MJE_ARGS_SWIMMER[] = {
    MJA_FORWARD,
    MJA_W(ctrl_cost_weight, "weight of the control cost (sum of squared actions)"),
    MJA_NOISE,
};
/* Ant's health range is inclusive, Humanoid's open, as Gymnasium's are */
static const env_arg MJE_ARGS_ANT_HUMANOID[] = {
    MJA_FORWARD,
    MJA_W(ctrl_cost_weight, "weight of the control cost (sum of squared actions)"),
    MJA_W(contact_cost_weight, "weight of the contact cost (external contact forces)"),
    MJA_W(healthy_reward, "reward for each step the robot is healthy"),
    MJA_TERMINATE,
    MJA_RANGE(healthy_z_range, "the torso height (qpos[2]) a healthy robot keeps"),
    MJA_NOISE,
};

static const env_arg MJE_ARGS_PUSHER[] = {
    MJA_W(reward_near_weight, "weight of the fingertip-object distance cost"),
    MJA_W(reward_dist_weight, "weight of the object-goal distance cost"),
    MJA_W(reward_control_weight, "weight of the control cost (sum of squared actions)"),
};
#define MJA_INCLUDE(what, doc)                                                                         \
    {"include_" #what "_in_observation", ENV_ARG_BOOL, MJA(include_##what##_in_observation), 0, 0, 0, 0, NULL, doc}
static const env_arg MJE_ARGS_STANDUP[] = {
    MJA_W(uph_cost_weight, "weight of the upward reward (torso height over the timestep)"),
    MJA_W(ctrl_cost_weight, "weight of the control cost (sum of squared controls)"),
    MJA_W(impact_cost_weight, "weight of the impact cost (external contact forces)"),
    MJA_RANGE(impact_cost_range, "the range the impact cost is clipped to"),
    MJA_NOISE,
    {"exclude_current_positions_from_observation", ENV_ARG_BOOL, MJA(exclude_current_positions_from_observation),
     0, 0, 0, 0, NULL, "false: observe x and y (qpos[0:2]) first, two values more"},
    MJA_INCLUDE(cinert, "observe the bodies' inertia (cinert, 130 values)"),
    MJA_INCLUDE(cvel, "observe the bodies' velocities (cvel, 78 values)"),
    MJA_INCLUDE(qfrc_actuator, "observe the joints' actuator forces (qfrc_actuator, 17 values)"),
    MJA_INCLUDE(cfrc_ext, "observe the bodies' external forces (cfrc_ext, 78 values)"),
};

const env_args_schema env_mujoco_args[] = {
    {&DEF_ip, MJE_ARGS_IP, 1, mje_args_make},
    {&DEF_idp, MJE_ARGS_IDP, 2, mje_args_make},
    {&DEF_reacher, MJE_ARGS_REACHER, 2, mje_args_make},
    {&DEF_pusher5, MJE_ARGS_PUSHER, 3, mje_args_make},
    {&DEF_swimmer, MJE_ARGS_SWIMMER, 3, mje_args_make},
    {&DEF_hopper5, MJE_ARGS_WALKERS, 9, mje_args_make},
    {&DEF_walker5, MJE_ARGS_WALKERS, 8, mje_args_make},
    {&DEF_cheetah5, MJE_ARGS_CHEETAH, 4, mje_args_make},
    {&DEF_ant5, MJE_ARGS_ANT_HUMANOID, 7, mje_args_make},
    {&DEF_humanoid5, MJE_ARGS_ANT_HUMANOID, 7, mje_args_make},
    {&DEF_standup5, MJE_ARGS_STANDUP, 10, standup_args_make},
};
const int env_mujoco_n_args = (int)RL_ARRAY_LEN(env_mujoco_args);

const env_def *const *env_mujoco_defs(int *n)
{
    *n = RL_ARRAY_LEN(MJE_DEFS);
    return MJE_DEFS;
}
