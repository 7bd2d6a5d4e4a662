/* rlc envs: the registry of environment definitions (id -> env_def) and plugin loading.
 *
 * The built-in list below, then the MinAtar games, then the MuJoCo tasks when the build has MuJoCo,
 * are registered once, on the first call into the registry
 * (pthread_once). User definitions are appended by env_register, from a program or from a
 * plugin's rlc_plugin_init (env_load_plugin). Lookups are linear over a few dozen ids.
 * The array returned by env_list stays valid until the next successful env_register. */
#define _GNU_SOURCE   /* dladdr */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/suggest.h"
#include "envs/check.h"
#ifdef RLC_HAVE_BOX2D
#include "envs/box2d/box2d.h"
#endif
#include "envs/classic/classic.h"
#include "envs/cue.h"
#include "envs/env.h"
#include "envs/goal/goal.h"
#include "envs/minatar/minatar.h"
#include "envs/multi_target.h"
#include "envs/render.h"
#include "envs/toytext/toytext.h"
#ifdef RLC_HAVE_MUJOCO
#include "envs/mujoco/mujoco_envs.h"
#endif

/* the built-in environments, in the order `rlc envs` lists them */
static const env_def *const builtin_defs[] = {
    &env_cartpole_v1,
    &env_acrobot_v1,
    &env_mountain_car_v0,
    &env_mountain_car_continuous_v0,
    &env_pendulum_v1,
    &env_frozen_lake_v1,
    &env_frozen_lake_8x8_v1,
    &env_cliff_walking_v1,
    &env_cliff_walking_slippery_v1,
    &env_taxi_v3,
    &env_taxi_v4,
    &env_blackjack_v1,
    &env_multi_discrete_target_v0,
    &env_multi_binary_target_v0,
    &env_bit_flipping_v0,
    &env_point_goal_v0,
    &env_dict_cue_v0,
    &env_tuple_cue_v0,
#ifdef RLC_HAVE_BOX2D
    &env_lunar_lander_v3,
    &env_lunar_lander_continuous_v3,
    &env_bipedal_walker_v3,
    &env_bipedal_walker_hardcore_v3,
    &env_car_racing_v3,
#endif
};

static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t reg_mutex = PTHREAD_MUTEX_INITIALIZER;
static const env_def **reg_defs;
static int reg_n, reg_cap, reg_n_builtin;
/* the renderers registered for environments rlc does not draw (envs/render.h), under reg_mutex */
static const env_render_def **rend_defs;
static int rend_n, rend_cap;

/* appends def; the caller holds reg_mutex */
static rl_status reg_append(const env_def *def, char *err, size_t err_sz)
{
    for (int i = 0; i < reg_n; i++)
        if (strcmp(reg_defs[i]->id, def->id) == 0)
            return rl_errf(err, err_sz, RL_ERR_ARG, "environment id '%s' is already registered",
                           def->id);
    if (reg_n == reg_cap) {
        int cap = reg_cap ? 2 * reg_cap : 32;
        const env_def **p = realloc(reg_defs, (size_t)cap * sizeof(*p));
        if (!p) return rl_errf(err, err_sz, RL_ERR_NOMEM, "registering '%s': out of memory", def->id);
        reg_defs = p;
        reg_cap = cap;
    }
    reg_defs[reg_n++] = def;
    return RL_OK;
}

static void reg_builtins(void)
{
    for (int i = 0; i < RL_ARRAY_LEN(builtin_defs); i++) {
        rl_status st = reg_append(builtin_defs[i], NULL, 0);
        RL_ASSERT_MSG(st == RL_OK, "built-in environment ids must be unique");
    }
    /* the MinAtar games (envs/minatar) */
    int n_ma = 0;
    const env_def *const *ma = env_minatar_defs(&n_ma);
    for (int i = 0; i < n_ma; i++) {
        rl_status st = reg_append(ma[i], NULL, 0);
        RL_ASSERT_MSG(st == RL_OK, "built-in environment ids must be unique");
    }
#ifdef RLC_HAVE_MUJOCO
    /* the MuJoCo tasks, when this build has MuJoCo (envs/mujoco) */
    int n_mj = 0;
    const env_def *const *mj = env_mujoco_defs(&n_mj);
    for (int i = 0; i < n_mj; i++) {
        rl_status st = reg_append(mj[i], NULL, 0);
        RL_ASSERT_MSG(st == RL_OK, "built-in environment ids must be unique");
    }
#endif
    reg_n_builtin = reg_n;   /* rlc draws every built-in environment itself (envs/render.c) */
}

/* a goal layout (env_goal, envs/env.h): none, or a consistent one (env_goal_layout_ok) in the
 * observation space */
static rl_status goal_validate(const env_def *def, char *err, size_t err_sz)
{
    const env_goal *ga = &def->act_space.goal;
    if (ga->goal_dim || ga->obs_dim || ga->compute_reward)
        return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': a goal layout belongs to the observation space",
                       def->id);
    char why[512];
    if (!env_goal_layout_ok(&def->obs_space, why, sizeof why))
        return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': %s", def->id, why);
    return RL_OK;
}

/* the parts of a Dict or Tuple observation space (envs/parts.c); none in the action space */
static rl_status parts_validate(const env_def *def, char *err, size_t err_sz)
{
    const env_space *a = &def->act_space;
    if (a->structure != ENV_STRUCT_NONE || a->n_parts || a->parts)
        return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': Dict and Tuple spaces are for observations only",
                       def->id);
    char why[256];
    if (!env_space_parts_ok(&def->obs_space, why, sizeof why))
        return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': observation space: %s", def->id, why);
    return goal_validate(def, err, err_sz);
}

/* checks the parts of a definition the framework relies on */
static rl_status def_validate(const env_def *def, char *err, size_t err_sz)
{
    if (!def || !def->id || !def->id[0])
        return rl_errf(err, err_sz, RL_ERR_ARG, "env_register: definition without an id");
    if (!def->init || !def->reset || !def->step)
        return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': init, reset and step are required",
                       def->id);
    if (def->max_episode_steps < 0)
        return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': max_episode_steps must be >= 0",
                       def->id);
    if (def->action_mask && def->act_space.kind != ENV_SPACE_DISCRETE)
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "environment '%s': action_mask is for a Discrete action space (its n actions); this one is a %s",
                       def->id, env_space_kind_name(def->act_space.kind));
    if (def->params && def->params_size > def->state_size)
        return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': params_size %zu exceeds state_size %zu",
                       def->id, def->params_size, def->state_size);
    const env_space *sp[2] = {&def->obs_space, &def->act_space};
    const char *names[2] = {"observation", "action"};
    for (int k = 0; k < 2; k++) {
        const env_space *s = sp[k];
        if (s->kind == ENV_SPACE_DISCRETE) {
            if (s->n < 1)
                return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': Discrete %s space needs n >= 1",
                               def->id, names[k]);
        } else if (s->kind == ENV_SPACE_BOX) {
            if (s->dim < 1 || s->dim > env_space_max_dim(s) || !s->low || !s->high)
                return rl_errf(err, err_sz, RL_ERR_ARG,
                               "environment '%s': Box %s space needs 1 <= dim <= %d and bounds",
                               def->id, names[k], env_space_max_dim(s));
            char why[160];
            if (!env_space_layout_ok(s, why, sizeof why))
                return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': Box %s space: %s", def->id, names[k], why);
        } else if (env_space_is_multi(s)) {
            char why[160];
            if (k == 0)
                return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': a %s observation space: rlc "
                               "takes MultiDiscrete and MultiBinary for actions only", def->id, env_space_kind_name(s->kind));
            if (!env_space_multi_ok(s, why, sizeof why))
                return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': action space: %s", def->id, why);
        } else {
            return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': unknown %s space kind",
                           def->id, names[k]);
        }
    }
    return parts_validate(def, err, err_sz);
}

rl_status env_register(const env_def *def, char *err, size_t err_sz)
{
    pthread_once(&reg_once, reg_builtins);
    rl_status st = def_validate(def, err, err_sz);
    if (st != RL_OK) return st;
    pthread_mutex_lock(&reg_mutex);
    st = reg_append(def, err, err_sz);
    pthread_mutex_unlock(&reg_mutex);
    return st;
}

const env_def *env_find(const char *id)
{
    pthread_once(&reg_once, reg_builtins);
    if (!id) return NULL;
    const env_def *found = NULL;
    pthread_mutex_lock(&reg_mutex);
    for (int i = 0; i < reg_n && !found; i++)
        if (strcmp(reg_defs[i]->id, id) == 0) found = reg_defs[i];
    pthread_mutex_unlock(&reg_mutex);
    return found;
}

const env_def *const *env_list(int *n)
{
    pthread_once(&reg_once, reg_builtins);
    pthread_mutex_lock(&reg_mutex);
    *n = reg_n;
    const env_def *const *list = reg_defs;
    pthread_mutex_unlock(&reg_mutex);
    return list;
}

void env_did_you_mean(char *out, size_t out_sz, const char *id)
{
    int n;
    const env_def *const *defs = env_list(&n);
    size_t sz = 1, at = 0;
    for (int i = 0; i < n; i++) sz += strlen(defs[i]->id) + 1;
    char *ids = rl_xmalloc(sz);
    ids[0] = '\0';
    for (int i = 0; i < n; i++) at += (size_t)snprintf(ids + at, sz - at, "%s\n", defs[i]->id);
    rl_did_you_mean(out, out_sz, id, ids, "\n");
    free(ids);
}

/* ---- renderers (here, not in render.c, so that every program that loads plugins has them) -- */

static const env_render_def *find_renderer_locked(const char *id)
{
    for (int i = 0; i < rend_n; i++)
        if (strcmp(rend_defs[i]->id, id) == 0) return rend_defs[i];
    return NULL;
}

const env_render_def *env_find_renderer(const char *id)
{
    if (!id) return NULL;
    pthread_mutex_lock(&reg_mutex);
    const env_render_def *d = find_renderer_locked(id);
    pthread_mutex_unlock(&reg_mutex);
    return d;
}

/* the checks that need no lock: fields and ranges */
static rl_status render_def_validate(const env_render_def *d, char *err, size_t err_sz)
{
    if (!d || !d->id) return rl_errf(err, err_sz, RL_ERR_ARG, "env_register_renderer: no definition or no id");
    if (!d->draw) return rl_errf(err, err_sz, RL_ERR_ARG, "renderer for '%s': draw is NULL", d->id);
    if (d->width < 16 || d->width > 4096 || d->height < 16 || d->height > 4096 || d->width % 2 || d->height % 2)
        return rl_errf(err, err_sz, RL_ERR_ARG, "renderer for '%s': size %dx%d, expected both even and in [16, 4096]",
                       d->id, d->width, d->height);
    if (d->fps < 1 || d->fps > 1000)
        return rl_errf(err, err_sz, RL_ERR_ARG, "renderer for '%s': fps %d, expected 1 to 1000", d->id, d->fps);
    return RL_OK;
}

/* the checks against the registry; the caller holds reg_mutex */
static rl_status render_def_place(const env_render_def *d, char *err, size_t err_sz)
{
    int at = -1;
    for (int i = 0; i < reg_n && at < 0; i++)
        if (strcmp(reg_defs[i]->id, d->id) == 0) at = i;
    if (at < 0)
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "renderer for '%s': no environment of that id is registered (call env_register first)", d->id);
    if (at < reg_n_builtin)
        return rl_errf(err, err_sz, RL_ERR_ARG, "renderer for '%s': rlc draws that environment itself", d->id);
    if (find_renderer_locked(d->id))
        return rl_errf(err, err_sz, RL_ERR_ARG, "renderer for '%s': one is already registered", d->id);
    if (rend_n == rend_cap) {
        int cap = rend_cap ? 2 * rend_cap : 8;
        const env_render_def **p = realloc(rend_defs, (size_t)cap * sizeof *p);
        if (!p) return rl_errf(err, err_sz, RL_ERR_NOMEM, "renderer for '%s': out of memory", d->id);
        rend_defs = p;
        rend_cap = cap;
    }
    rend_defs[rend_n++] = d;
    return RL_OK;
}

rl_status env_register_renderer(const env_render_def *def, char *err, size_t err_sz)
{
    pthread_once(&reg_once, reg_builtins);
    rl_status st = render_def_validate(def, err, err_sz);
    if (st != RL_OK) return st;
    pthread_mutex_lock(&reg_mutex);
    st = render_def_place(def, err, err_sz);
    pthread_mutex_unlock(&reg_mutex);
    return st;
}

typedef rl_status (*plugin_init_fn)(char *err, size_t err_sz);

/* A plugin resolves env_register and the rest against rlc's own symbols. In the rlc program they
 * are the executable's; librlc.so may have been loaded without RTLD_GLOBAL (the Python package
 * loads it so: with RTLD_GLOBAL, the Box2D library librlc links would take the place of another
 * Box2D in the process, pybox2d's, and crash it). The library is made global here, when a plugin
 * first needs its symbols; a no-op when it already is, or in the executable. */
static void own_symbols_global(void)
{
    Dl_info info;
    void *self_fn;
    rl_status (*probe)(const char *, char *, size_t) = env_load_plugin;
    memcpy(&self_fn, &probe, sizeof self_fn);   /* function pointer -> object pointer, as POSIX allows */
    if (!dladdr(self_fn, &info) || !info.dli_fname) return;
    void *self = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
    if (self) dlclose(self);   /* the library stays loaded: this only took a second reference */
}

rl_status env_load_plugin(const char *path, char *err, size_t err_sz)
{
    pthread_once(&reg_once, reg_builtins);
    if (!path || !path[0]) return rl_errf(err, err_sz, RL_ERR_ARG, "env_load_plugin: empty path");
    own_symbols_global();
    /* a path without '/' would make dlopen search the library path; use it as given */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot load plugin: %s", path,
                       why ? why : "unknown error");
    }
    dlerror();
    void *sym = dlsym(h, "rlc_plugin_init");
    if (!sym) {
        dlclose(h);
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: not an rlc plugin (no symbol rlc_plugin_init)", path);
    }
    plugin_init_fn init;
    memcpy(&init, &sym, sizeof(init));   /* object pointer -> function pointer, as POSIX allows */
    char msg[256] = "";
    rl_status st = init(msg, sizeof(msg));
    /* the library stays loaded even on failure: it may have registered definitions that point
     * into it before failing */
    if (st != RL_OK)
        return rl_errf(err, err_sz, st, "%s: rlc_plugin_init failed: %s", path,
                       msg[0] ? msg : rl_status_str(st));
    return RL_OK;
}
