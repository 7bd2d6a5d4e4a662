/* rlc envs/mujoco: the machinery shared by every MuJoCo task (Gymnasium's mujoco_env.py).
 *
 *  - finding the model files: see env_mujoco_find_asset below;
 *  - a process-wide cache of compiled models: each file is compiled once (under a mutex) and
 *    the mjModel is shared read-only by every instance, which owns only its mjData;
 *  - reset: mj_resetData, the task's noise on qpos/qvel, mj_forward (no mj_rnePostConstraint,
 *    so cfrc_ext is zero in reset observations, as in Gymnasium);
 *  - step: ctrl = action, mj_step frame_skip times, mj_rnePostConstraint once, then the task's
 *    reward, termination and observation from that state (no extra mj_forward);
 *  - counted warnings and divergence handling (see mujoco_envs.h). */
#include "envs/mujoco/mujoco_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- finding the model files ------------------------------------------------------------- */

/* Search order, first readable file wins:
 *   1. $RLC_DATA_DIR/mujoco/<file>, then $RLC_DATA_DIR/<file> (environment variable, so an
 *      installed or relocated rlc can be pointed at its data);
 *   2. RLC_DATA_DIR "/mujoco/<file>" (the build's install prefix + /share/rlc, where the
 *      install rule puts envs/mujoco/assets);
 *   3. RLC_SOURCE_DIR "/envs/mujoco/assets/<file>" (running from a build tree). */
rl_status env_mujoco_find_asset(const char *file, char *out, size_t out_sz, char *err,
                                size_t err_sz)
{
    char tried[4][1024];
    int n = 0;
    const char *env_dir = getenv("RLC_DATA_DIR");
    if (env_dir && env_dir[0]) {
        snprintf(tried[n++], sizeof tried[0], "%s/mujoco/%s", env_dir, file);
        snprintf(tried[n++], sizeof tried[0], "%s/%s", env_dir, file);
    }
#ifdef RLC_DATA_DIR
    snprintf(tried[n++], sizeof tried[0], "%s/mujoco/%s", RLC_DATA_DIR, file);
#endif
#ifdef RLC_SOURCE_DIR
    snprintf(tried[n++], sizeof tried[0], "%s/envs/mujoco/assets/%s", RLC_SOURCE_DIR, file);
#endif
    for (int i = 0; i < n; i++) {
        if (access(tried[i], R_OK) == 0) {
            if (strlen(tried[i]) + 1 > out_sz)
                return rl_errf(err, err_sz, RL_ERR_ARG, "%s: path too long", tried[i]);
            strcpy(out, tried[i]);
            return RL_OK;
        }
    }
    char list[4 * 1024 + 16] = "";
    for (int i = 0; i < n; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, tried[i]);
    }
    return rl_errf(err, err_sz, RL_ERR_IO,
                   "MuJoCo model %s not found (tried: %s); set RLC_DATA_DIR to the directory "
                   "holding mujoco/%s", file, n ? list : "no search path", file);
}

/* ---- the model cache ----------------------------------------------------------------------- */

#define MJE_MAX_MODELS 16

static struct {
    const char *file;        /* the task's asset name (static string) */
    mjModel *model;
} g_models[MJE_MAX_MODELS];
static int g_nmodels;
static pthread_mutex_t g_models_lock = PTHREAD_MUTEX_INITIALIZER;

/* MuJoCo's default printer writes every first warning of an mjData to stdout/stderr; the
 * envs count warnings from d->warning instead. */
static void mje_silent_warning(const char *msg)
{
    (void)msg;
}

static rl_status model_get(const char *file, const mjModel **out, char *err, size_t err_sz)
{
    rl_status st = RL_OK;
    pthread_mutex_lock(&g_models_lock);
    mju_user_warning = mje_silent_warning;
    for (int i = 0; i < g_nmodels; i++) {
        if (strcmp(g_models[i].file, file) == 0) {
            *out = g_models[i].model;
            goto done;
        }
    }
    if (g_nmodels == MJE_MAX_MODELS) {
        st = rl_errf(err, err_sz, RL_ERR_ARG, "too many MuJoCo models (max %d)", MJE_MAX_MODELS);
        goto done;
    }
    char path[1024];
    st = env_mujoco_find_asset(file, path, sizeof path, err, err_sz);
    if (st != RL_OK)
        goto done;
    char mjerr[1000] = "";
    mjModel *m = mj_loadXML(path, NULL, mjerr, (int)sizeof mjerr);
    if (!m) {
        st = rl_errf(err, err_sz, RL_ERR_PARSE, "%s: MuJoCo could not load the model: %s", path,
                     mjerr);
        goto done;
    }
    g_models[g_nmodels].file = file;
    g_models[g_nmodels].model = m;
    g_nmodels++;
    *out = m;
done:
    pthread_mutex_unlock(&g_models_lock);
    return st;
}

/* ---- helpers --------------------------------------------------------------------------------- */

static bool all_finite(const mjtNum *x, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return false;
    return true;
}

/* Adds the warnings MuJoCo recorded since the last call to e->warnings and clears them (so
 * that repeats are counted too). Returns true when MuJoCo found a bad qpos/qvel/qacc, in which
 * case it has already reset the data itself. */
static bool collect_warnings(mj_env *e)
{
    mjData *d = e->d;
    bool bad = false;
    for (int i = 0; i < mjNWARNING; i++) {
        int n = d->warning[i].number;
        if (n) {
            e->warnings += (uint64_t)n;
            d->warning[i].number = 0;
            if (i == mjWARN_BADQPOS || i == mjWARN_BADQVEL || i == mjWARN_BADQACC)
                bad = true;
        }
    }
    return bad;
}

/* ---- the generic env functions --------------------------------------------------------------- */

rl_status mje_init(void *state, const mj_task *task, char *err, size_t err_sz)
{
    mj_env *e = state;
    env_mujoco_params p = e->p;   /* the framework copied env_def.params here */
    memset(e, 0, sizeof *e);
    e->p = p;
    const mjModel *m = NULL;
    rl_status st = model_get(task->asset, &m, err, err_sz);
    if (st != RL_OK)
        return st;
    if (m->nq != task->nq || m->nv != task->nv || m->nu != task->nu || m->nbody != task->nbody)
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: model has nq %d nv %d nu %d nbody %d, expected %d %d %d %d",
                       task->asset, m->nq, m->nv, m->nu, m->nbody, task->nq, task->nv, task->nu,
                       task->nbody);
    RL_ASSERT(task->nu <= MJE_MAX_NU);
    for (int i = 0; i < m->nu; i++) {
        if (!m->actuator_ctrllimited[i] ||
            (float)m->actuator_ctrlrange[2 * i] != -task->act_bound ||
            (float)m->actuator_ctrlrange[2 * i + 1] != task->act_bound)
            return rl_errf(err, err_sz, RL_ERR_FORMAT,
                           "%s: actuator %d ctrlrange is not [-%g, %g]", task->asset, i,
                           (double)task->act_bound, (double)task->act_bound);
    }
    for (int k = 0; k < MJE_MAX_IDS; k++) {
        if (!task->id_name[k])
            continue;
        int type = task->id_kind[k] == MJE_SITE ? mjOBJ_SITE : mjOBJ_BODY;
        e->ids[k] = mj_name2id(m, type, task->id_name[k]);
        if (e->ids[k] < 0)
            return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: no %s named \"%s\"", task->asset,
                           type == mjOBJ_SITE ? "site" : "body", task->id_name[k]);
    }
    e->d = mj_makeData(m);
    if (!e->d)
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: mj_makeData failed", task->asset);
    e->task = task;
    e->obs_dim = task->obs_size ? task->obs_size(&p)
                                : task->obs_dim + (task->optional_x && !p.exclude_current_positions_from_observation);
    e->m = m;
    e->dt = m->opt.timestep * task->frame_skip;
    mj_forward(m, e->d);
    return RL_OK;
}

/* Back to the model's initial state (qpos0, zero velocity), without noise. */
static void reset_plain(mj_env *e)
{
    mj_resetData(e->m, e->d);
    mj_forward(e->m, e->d);
    collect_warnings(e);
}

void mje_reset(void *state, rl_rng *rng, float *obs)
{
    mj_env *e = state;
    const mj_task *t = e->task;
    mj_resetData(e->m, e->d);
    t->reset_noise(e, rng);
    mj_forward(e->m, e->d);
    if (collect_warnings(e) || !all_finite(e->d->qacc, e->m->nv)) {
        e->divergences++;
        reset_plain(e);
    }
    memset(e->terms, 0, sizeof e->terms);
    t->observe(e, obs);
}

void mje_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
              bool *terminated, bool *truncated)
{
    (void)rng;
    mj_env *e = state;
    const mj_task *t = e->task;
    const mjModel *m = e->m;
    mjData *d = e->d;

    /* a non-finite action is counted as a warning and replaced by 0 */
    for (int i = 0; i < t->nu; i++) {
        double a = action[i];
        if (!isfinite(a)) {
            a = 0.0;
            e->warnings++;
        }
        e->act[i] = a;
        d->ctrl[i] = a;
    }
    if (t->before)
        t->before(e);

    bool bad = false;
    for (int k = 0; k < t->frame_skip; k++) {
        mj_step(m, d);
        /* the warning array is only touched when MuJoCo warned */
        for (int i = 0; i < mjNWARNING; i++)
            if (d->warning[i].number) {
                bad |= collect_warnings(e);
                break;
            }
    }
    mj_rnePostConstraint(m, d);

    bool term = false;
    double r = 0.0;
    if (!bad && all_finite(d->qpos, m->nq) && all_finite(d->qvel, m->nv) &&
        all_finite(d->qacc, m->nv)) {
        t->after(e, &term);
        for (int i = 0; i < t->nterms; i++)
            r += e->terms[i];
        t->observe(e, obs);
        bad = !isfinite(r) || !isfinite((float)r);
        for (int i = 0; i < e->obs_dim && !bad; i++)
            bad = !isfinite(obs[i]);
    } else {
        bad = true;
    }

    if (bad) {
        /* the simulation diverged: end the episode from a clean state, report nothing
         * non-finite */
        e->divergences++;
        reset_plain(e);
        memset(e->terms, 0, sizeof e->terms);
        t->observe(e, obs);
        *reward = 0.0f;
        *terminated = t->divergence_terminates;
        *truncated = !t->divergence_terminates;
        return;
    }
    *reward = (float)r;
    *terminated = term;
    *truncated = false;
}

void mje_close(void *state)
{
    mj_env *e = state;
    if (!e)
        return;
    if (e->d)
        mj_deleteData(e->d);
    e->d = NULL;
}

/* ---- public accessors -------------------------------------------------------------------- */

int env_mujoco_reward_terms(const void *state, const char **names, double *values, int max)
{
    const mj_env *e = state;
    const mj_task *t = e->task;
    for (int i = 0; i < t->nterms && i < max; i++) {
        if (names)
            names[i] = t->term_names[i];
        if (values)
            values[i] = e->terms[i];
    }
    return t->nterms;
}

uint64_t env_mujoco_warnings(const void *state)
{
    return ((const mj_env *)state)->warnings;
}

uint64_t env_mujoco_divergences(const void *state)
{
    return ((const mj_env *)state)->divergences;
}

bool env_mujoco_is_healthy(const void *state)
{
    const mj_env *e = state;
    return e->task->healthy ? e->task->healthy(e) : true;
}

const mjModel *env_mujoco_model(const void *state)
{
    return ((const mj_env *)state)->m;
}

mjData *env_mujoco_data(void *state)
{
    return ((mj_env *)state)->d;
}

void env_mujoco_forward(void *state)
{
    mj_env *e = state;
    mj_forward(e->m, e->d);
}

int env_mujoco_frame_skip(const void *state)
{
    return ((const mj_env *)state)->task->frame_skip;
}

void env_mujoco_observe(void *state, float *obs)
{
    mj_env *e = state;
    e->task->observe(e, obs);
}
