/* rlc api: the stable C interface of librlc.so (api/rlc_api.h): thin wrappers over the vector env,
 * the trainer, checkpoint loading and the loss registry, with per-thread error messages. */
#define _GNU_SOURCE   /* dladdr */
#include "api/rlc_api.h"

#include <dlfcn.h>
#include <stddef.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fs.h"
#include "envs/callback.h"
#include "envs/check.h"
#include "envs/env.h"
#include "envs/env_args.h"
#include "envs/render.h"
#include "envs/wrappers.h"
#include "losses/loss.h"
#include "train/record.h"
#include "train/trainer.h"
#include "train/trainer_gemm.h"
#include "train/trainer_env.h"

#define API_ERR_SZ 2048

static _Thread_local char last_err[API_ERR_SZ];

struct rlc_vec {
    env_vec v;
    const env_def *def;
    int n_done;     /* copies with terminated || truncated after the last step or reset */
    env_renderer *renderer;   /* rlc_vec_render_open's, or NULL */
    trainer_env te;           /* the definition with keyword arguments and wrappers (owns them) */
};

struct rlc_policy {
    rl_config cfg;
    const agent_algo *algo;
    void *agent;
    trainer_env te;             /* the training environment and the agent's view of it */
    int obs_dim, act_dim;       /* of the environment's observations (a Discrete one: 1) and actions */
    float *obs_buf, *act_buf;   /* (AGENT_EVAL_BATCH, the agent's observation dim), (AGENT_EVAL_BATCH, act_dim) */
    bool recurrent;             /* the policy keeps a state per row between calls */
};

/* ---- the library --------------------------------------------------------------------------- */

int rlc_api_version(void) { return RLC_API_VERSION; }
const char *rlc_last_error(void) { return last_err; }

const char *rlc_status_name(int status)
{
    if (status < 0 || status >= RL_STATUS_COUNT) return "unknown status";
    return rl_status_str((rl_status)status);
}

int rlc_have_mujoco(void)
{
#ifdef RLC_HAVE_MUJOCO
    return 1;
#else
    return 0;
#endif
}

void rlc_free(void *p) { free(p); }

/* <prefix>/lib/librlc.so -> RLC_DATA_DIR=<prefix>/share/rlc when unset and present */
static void api_default_data_dir(void)
{
    const char *cur = getenv("RLC_DATA_DIR");
    if (cur && cur[0]) return;
    Dl_info info;
    if (!dladdr((void *)api_default_data_dir, &info) || !info.dli_fname) return;
    char lib[PATH_MAX];
    if (!realpath(info.dli_fname, lib)) return;
    for (int k = 0; k < 2; k++) {
        char *slash = strrchr(lib, '/');
        if (!slash) return;
        *slash = '\0';
    }
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/share/rlc", lib);
    struct stat sb;
    if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) setenv("RLC_DATA_DIR", dir, 1);
}

static pthread_once_t api_once = PTHREAD_ONCE_INIT;
static void api_init(void) { pthread_once(&api_once, api_default_data_dir); }

/* RL_ERR_ARG for a NULL handle (never made, or freed and cleared) or a NULL required pointer */
static int null_arg(const char *fn, const char *arg)
{
    return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "%s: %s is NULL", fn, arg);
}

/* ---- environments -------------------------------------------------------------------------- */

int rlc_load_plugin(const char *path)
{
    api_init();
    if (!path || !path[0])
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "plugin: expected the path of a shared object, got an empty path");
    /* trainer_prepare_envs keeps the list of loaded plugins, shared with configs' env.plugin */
    rl_config cfg;
    rl_config_default(&cfg);
    if (strlen(path) >= sizeof cfg.env.plugin)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "plugin: path longer than %d bytes: %s",
                       (int)sizeof cfg.env.plugin - 1, path);
    snprintf(cfg.env.plugin, sizeof cfg.env.plugin, "%s", path);
    return trainer_prepare_envs(&cfg, last_err, API_ERR_SZ);
}

int rlc_env_count(void)
{
    int n;
    env_list(&n);
    return n;
}

const char *rlc_env_id(int i)
{
    int n;
    const env_def *const *defs = env_list(&n);
    return i >= 0 && i < n ? defs[i]->id : NULL;
}

/* env_part and rlc_space_part are the same layout, so a space's parts are handed out as they are */
_Static_assert(sizeof(rlc_space_part) == sizeof(env_part) && sizeof(env_elem_type) == sizeof(int) &&
                   offsetof(rlc_space_part, dim) == offsetof(env_part, dim) &&
                   offsetof(rlc_space_part, shape) == offsetof(env_part, shape) &&
                   offsetof(rlc_space_part, elem) == offsetof(env_part, elem),
               "rlc_space_part mirrors env_part");

static void space_out(const env_space *s, rlc_space *out)
{
    if (!out) return;
    out->structure = (int)s->structure;
    out->n_parts = s->n_parts;
    out->parts = (const rlc_space_part *)(const void *)s->parts;
    out->kind = (int)s->kind;   /* env_space_kind's values are the API's kinds */
    out->n = s->n;
    out->dim = env_space_dim(s);
    out->low = s->low;
    out->high = s->high;
    out->nvec = s->kind == ENV_SPACE_MULTI_DISCRETE ? s->nvec : NULL;
}

/* the image shape of s (rlc_env_obs_image): rank 3 and (height, width, channels), or 0 and zeros */
static int image_out(const env_space *s, int *rank, int shape[3], int *elem)
{
    bool image = s->kind == ENV_SPACE_BOX && s->rank == 3;
    if (rank) *rank = image ? 3 : 0;
    for (int k = 0; shape && k < 3; k++) shape[k] = image ? s->shape[k] : 0;
    if (elem) *elem = s->kind == ENV_SPACE_BOX ? (int)s->elem : 0;
    return RL_OK;
}

static const env_def *find_env(const char *id)
{
    const env_def *def = env_find(id);
    if (!def)
        rl_errf(last_err, API_ERR_SZ, RL_ERR_NOT_FOUND,
                "unknown environment id '%s' (`rlc envs` lists the registered ids)", id ? id : "(null)");
    return def;
}

int rlc_env_info(const char *id, rlc_space *obs, rlc_space *act, int *max_episode_steps,
                 double *reward_threshold)
{
    api_init();
    const env_def *def = find_env(id);
    if (!def) return RL_ERR_NOT_FOUND;
    space_out(&def->obs_space, obs);
    space_out(&def->act_space, act);
    if (max_episode_steps) *max_episode_steps = def->max_episode_steps;
    if (reward_threshold) *reward_threshold = def->reward_threshold;
    return RL_OK;
}

int rlc_env_obs_image(const char *id, int *rank, int shape[3], int *elem)
{
    api_init();
    const env_def *def = find_env(id);
    if (!def) return RL_ERR_NOT_FOUND;
    return image_out(&def->obs_space, rank, shape, elem);
}

/* ---- an environment as a config's env section makes it (train/trainer_env.h) ------------ */

/* the env keys a binding may set besides env.kwargs: the observation wrappers trainer_env applies */
static const char *const api_wrapper_keys[] = {"pixels",     "pixels_width", "pixels_height", "pixels_grayscale",
                                               "frame_skip", "resize",       "grayscale",     "frame_stack",
                                               "mask_velocity"};
#define API_N_WRAPPER_KEYS ((int)(sizeof api_wrapper_keys / sizeof api_wrapper_keys[0]))

/* an environment's keyword arguments and wrappers as the C API takes them */
typedef struct {
    const char *const *keys, *const *vals;
    int n_kwargs;
    const char *const *wrap_keys, *const *wrap_vals;
    int n_wrappers;
} api_env_args;

/* kwargs in the config's form, for env_args_make */
static rl_status api_kwargs(rl_kwargs *kw, const char *const *keys, const char *const *vals, int n)
{
    memset(kw, 0, sizeof *kw);
    if (n < 0 || n > RL_KWARGS_MAX || (n > 0 && (!keys || !vals)))
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "kwargs: expected 0 to %d keys and values, got %d",
                       RL_KWARGS_MAX, n);
    for (int i = 0; i < n; i++) {
        if (!keys[i] || !vals[i]) return null_arg("rlc_vec_make_kwargs", "a key or value");
        if (strlen(keys[i]) >= RL_KWARG_KEY_MAX || strlen(vals[i]) >= RL_STR_MAX)
            return rl_errf(last_err, API_ERR_SZ, RL_ERR_CONFIG, "kwargs: %.60s: key or value too long", keys[i]);
        snprintf(kw->keys[i], RL_KWARG_KEY_MAX, "%s", keys[i]);
        snprintf(kw->vals[i], RL_STR_MAX, "%s", vals[i]);
        snprintf(kw->where[i], sizeof kw->where[i], "kwargs");
    }
    kw->n = n;
    return RL_OK;
}

/* the overrides "env.KEY=VALUE" of a's wrappers into sets (n_wrappers of 256 bytes) */
static rl_status wrapper_sets(const api_env_args *a, char (*sets)[256])
{
    int n = a->n_wrappers;
    if (n < 0 || n > API_N_WRAPPER_KEYS || (n > 0 && (!a->wrap_keys || !a->wrap_vals)))
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "wrappers: expected 0 to %d keys and values, got %d",
                       API_N_WRAPPER_KEYS, n);
    for (int i = 0; i < n; i++) {
        const char *k = a->wrap_keys[i], *v = a->wrap_vals[i];
        if (!k || !v) return null_arg("wrappers", "a key or value");
        bool known = false;
        for (int j = 0; j < API_N_WRAPPER_KEYS; j++) known |= strcmp(k, api_wrapper_keys[j]) == 0;
        if (!known)
            return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "wrappers: '%.60s' is not a wrapper key (expected pixels, "
                           "pixels_width, pixels_height, pixels_grayscale, frame_skip, resize, grayscale, frame_stack "
                           "or mask_velocity)", k);
        for (int j = 0; j < i; j++)
            if (strcmp(k, a->wrap_keys[j]) == 0)
                return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "wrappers: %s is given twice", k);
        if (snprintf(sets[i], 256, "env.%s=%s", k, v) >= 256)
            return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "env.%s: value too long: %.40s...", k, v);
    }
    return RL_OK;
}

/* rl_config_load's message about an override, without the "--set env.KEY=VALUE: " it begins with
 * (what follows names env.KEY and what was expected) */
static void drop_set_prefix(char (*sets)[256], int n)
{
    for (int i = 0; i < n; i++) {
        char pre[300];
        int len = snprintf(pre, sizeof pre, "--set %s: ", sets[i]);
        if (strncmp(last_err, pre, (size_t)len) == 0) memmove(last_err, last_err + len, strlen(last_err + len) + 1);
    }
}

/* cfg: the defaults, env.id = id, env.max_episode_steps, a's wrappers (checked as a config's keys:
 * RL_ERR_ARG) and keyword arguments */
static rl_status api_env_config(rl_config *cfg, const char *id, int max_steps, const api_env_args *a)
{
    char sets[API_N_WRAPPER_KEYS][256];
    const char *set_ptrs[API_N_WRAPPER_KEYS];
    rl_status st = wrapper_sets(a, sets);
    if (st != RL_OK) return st;
    for (int i = 0; i < a->n_wrappers; i++) set_ptrs[i] = sets[i];
    if ((st = rl_config_load(cfg, NULL, set_ptrs, a->n_wrappers, last_err, API_ERR_SZ)) != RL_OK) {
        drop_set_prefix(sets, a->n_wrappers);
        return RL_ERR_ARG;
    }
    if (strlen(id) >= sizeof cfg->env.id)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "id: longer than %d bytes", (int)sizeof cfg->env.id - 1);
    snprintf(cfg->env.id, sizeof cfg->env.id, "%s", id);
    cfg->env.max_episode_steps = max_steps;
    return api_kwargs(&cfg->env.kwargs, a->keys, a->vals, a->n_kwargs);
}

/* *te: environment id with a's keyword arguments and wrappers (cfg, heap-allocated by the caller
 * for its size, holds them); a wrapper that cannot apply is RL_ERR_ARG */
static rl_status api_env_open(trainer_env *te, rl_config *cfg, const char *id, int max_steps, const api_env_args *a)
{
    memset(te, 0, sizeof *te);
    const env_def *base = find_env(id), *def = NULL;
    if (!base) return RL_ERR_NOT_FOUND;
    rl_status st = api_env_config(cfg, id, max_steps, a);
    void *owned = NULL;   /* the keyword arguments checked alone: their errors stay RL_ERR_CONFIG */
    if (st == RL_OK) st = env_args_make(base, &cfg->env.kwargs, &def, &owned, last_err, API_ERR_SZ);
    free(owned);
    if (st != RL_OK) return st;
    st = trainer_env_open(te, cfg, id, false, last_err, API_ERR_SZ);
    return st == RL_ERR_CONFIG ? RL_ERR_ARG : st;
}

/* the report of env_check_print as a malloc'ed string (NULL when out of memory) */
static char *check_text(const env_check_report *rep, const char *id)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    env_check_print(rep, id, f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* env_check_run on def (environment id) into *report and *n_failed (rlc_env_check) */
static int check_def(const env_def *def, const char *id, int n_steps, int64_t seed, int *n_failed, char **report)
{
    env_check_opts opts;
    env_check_opts_default(&opts);
    if (n_steps > 0) opts.n_steps = n_steps;
    opts.seed = seed;
    env_check_report rep;
    env_callback_clear(id);   /* a callback environment's earlier failure */
    rl_status st = env_check_run(def, &opts, &rep, last_err, API_ERR_SZ);
    if (st == RL_OK) st = env_callback_error(id, last_err, API_ERR_SZ);   /* its checks saw no real steps */
    env_callback_clear(id);
    if (st != RL_OK) return st;
    if (!(*report = check_text(&rep, id))) return rl_errf(last_err, API_ERR_SZ, RL_ERR_NOMEM, "out of memory");
    if (n_failed) *n_failed = rep.n_failed;
    return RL_OK;
}

int rlc_env_check_wrapped(const char *id, int n_steps, int64_t seed, const char *const *keys,
                          const char *const *vals, int n_kwargs, const char *const *wrap_keys,
                          const char *const *wrap_vals, int n_wrappers, int *n_failed, char **report)
{
    api_init();
    if (report) *report = NULL;
    if (!id) return null_arg("rlc_env_check", "id");
    if (!report) return null_arg("rlc_env_check", "report");
    if (n_steps < 0 || seed < 0)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "check of environment '%s': n_steps %d, seed %lld: expected "
                       "n_steps >= 0 (0: 2000) and seed >= 0", id, n_steps, (long long)seed);
    const api_env_args a = {keys, vals, n_kwargs, wrap_keys, wrap_vals, n_wrappers};
    rl_config *cfg = malloc(sizeof *cfg);
    if (!cfg) return rl_errf(last_err, API_ERR_SZ, RL_ERR_NOMEM, "out of memory");
    trainer_env te;
    int st = api_env_open(&te, cfg, id, 0, &a);
    if (st == RL_OK) st = check_def(te.def, id, n_steps, seed, n_failed, report);
    trainer_env_close(&te);
    free(cfg);
    return st;
}

int rlc_env_check(const char *id, int n_steps, int64_t seed, int *n_failed, char **report)
{
    return rlc_env_check_wrapped(id, n_steps, seed, NULL, NULL, 0, NULL, NULL, 0, n_failed, report);
}

/* ---- environments of the calling program ----------------------------------------------------- */

static rl_status space_in(const rlc_space *s, env_space *out, const char *id, const char *which)
{
    if (!s) return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "environment '%s': no %s space given", id, which);
    if (s->kind < 0 || s->kind > 3)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "environment '%s': %s space kind %d: expected 0 (Discrete), "
                       "1 (Box), 2 (MultiDiscrete) or 3 (MultiBinary)", id, which, s->kind);
    *out = (env_space){.kind = (env_space_kind)s->kind, .n = s->n, .dim = s->kind == 0 ? 1 : s->dim,
                       .low = s->kind == 1 ? s->low : NULL, .high = s->kind == 1 ? s->high : NULL,
                       .nvec = s->kind == 2 ? s->nvec : NULL, .structure = (env_structure)s->structure,
                       .n_parts = s->n_parts, .parts = (const env_part *)(const void *)s->parts};
    return RL_OK;   /* env_register checks the rest, naming the environment */
}

/* the image shape (rank 3, shape, elem) of a Box observation space o (rlc_env_register_callback_image) */
static rl_status image_in(env_space *o, const int shape[3], int elem, const char *id)
{
    if (o->kind != ENV_SPACE_BOX || o->structure != ENV_STRUCT_NONE)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "environment '%s': an image observation space is a Box "
                       "(kind 1) without parts, got kind %d with structure %d", id, (int)o->kind, (int)o->structure);
    if (elem < 0 || elem >= ENV_ELEM_COUNT)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "environment '%s': image element type %d: expected 0 "
                       "(float32), 1 (uint8) or 2 (bool)", id, elem);
    o->rank = 3;
    memcpy(o->shape, shape, sizeof o->shape);
    o->elem = (env_elem_type)elem;
    return RL_OK;   /* env_register checks that the shape holds dim values, naming the environment */
}

/* rlc_env_register_callback (shape NULL) and rlc_env_register_callback_image (fn: which) */
static int register_callback(const char *fn, const char *id, const rlc_space *obs, const int *shape, int elem,
                             const rlc_space *act, int max_episode_steps, double reward_threshold,
                             const rlc_env_callbacks *cb)
{
    api_init();
    if (!id) return null_arg(fn, "id");
    env_space o, a;
    rl_status st = space_in(obs, &o, id, "observation");
    if (st == RL_OK && shape) st = image_in(&o, shape, elem, id);
    if (st == RL_OK) st = space_in(act, &a, id, "action");
    if (st != RL_OK) return st;
    if (max_episode_steps < 0)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "environment '%s': max_episode_steps %d: expected >= 0",
                       id, max_episode_steps);
    if (!cb) return env_callback_register(id, &o, &a, max_episode_steps, reward_threshold, NULL, last_err, API_ERR_SZ);
    env_callbacks c = {.user = cb->user, .make = cb->make, .reset = cb->reset, .step = cb->step,
                       .close = cb->close, .render = cb->render, .render_width = cb->render_width,
                       .render_height = cb->render_height, .render_fps = cb->render_fps,
                       .action_mask = cb->action_mask, .compute_reward = cb->compute_reward};
    return env_callback_register(id, &o, &a, max_episode_steps, reward_threshold, &c, last_err, API_ERR_SZ);
}

int rlc_env_register_callback(const char *id, const rlc_space *obs, const rlc_space *act,
                              int max_episode_steps, double reward_threshold, const rlc_env_callbacks *cb)
{
    return register_callback(__func__, id, obs, NULL, 0, act, max_episode_steps, reward_threshold, cb);
}

int rlc_env_register_callback_image(const char *id, const rlc_space *obs, const int shape[3], int elem,
                                    const rlc_space *act, int max_episode_steps, double reward_threshold,
                                    const rlc_env_callbacks *cb)
{
    if (!shape) return null_arg(__func__, "shape");
    return register_callback(__func__, id, obs, shape, elem, act, max_episode_steps, reward_threshold, cb);
}

/* ---- the vector env ------------------------------------------------------------------------ */

int rlc_vec_make_wrapped(rlc_vec **out, const char *id, int n, int max_episode_steps, int threads,
                         const char *const *keys, const char *const *vals, int n_kwargs,
                         const char *const *wrap_keys, const char *const *wrap_vals, int n_wrappers)
{
    api_init();
    if (!out) return null_arg(__func__, "out");
    *out = NULL;
    if (max_episode_steps < 0)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG,
                       "max_episode_steps: expected 0 (the registered limit) or a positive number, got %d",
                       max_episode_steps);
    if (threads < 1)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "threads: expected a number >= 1, got %d", threads);
    const api_env_args a = {keys, vals, n_kwargs, wrap_keys, wrap_vals, n_wrappers};
    rl_config *cfg = malloc(sizeof *cfg);
    rlc_vec *h = calloc(1, sizeof *h);
    if (!h || !cfg) {
        free(cfg);
        free(h);
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_NOMEM, "out of memory");
    }
    rl_status st = api_env_open(&h->te, cfg, id, max_episode_steps, &a);
    const env_vec_opts opts = {.max_steps_override = trainer_env_limit(&h->te, cfg),
                               .mask_velocity = cfg->env.mask_velocity};
    if (st == RL_OK) st = env_vec_make_def(&h->v, h->te.def, n, &opts, last_err, API_ERR_SZ);
    if (st == RL_OK) st = env_vec_set_threads(&h->v, threads, last_err, API_ERR_SZ);
    if (st == RL_OK) env_callback_clear(id);   /* a callback environment's earlier failure */
    free(cfg);
    if (st != RL_OK) {
        rlc_vec_free(h);
        return st;
    }
    h->def = h->v.envs[0].def;
    *out = h;
    return RL_OK;
}

int rlc_vec_make_kwargs(rlc_vec **out, const char *id, int n, int max_episode_steps, int threads,
                        const char *const *keys, const char *const *vals, int n_kwargs)
{
    return rlc_vec_make_wrapped(out, id, n, max_episode_steps, threads, keys, vals, n_kwargs, NULL, NULL, 0);
}

int rlc_vec_make(rlc_vec **out, const char *id, int n, int max_episode_steps, int threads)
{
    return rlc_vec_make_kwargs(out, id, n, max_episode_steps, threads, NULL, NULL, 0);
}

int rlc_vec_info(const rlc_vec *v, rlc_space *obs, rlc_space *act, int *max_episode_steps,
                 double *reward_threshold)
{
    if (!v) return null_arg(__func__, "the vector env");
    space_out(&v->def->obs_space, obs);
    space_out(&v->def->act_space, act);
    if (max_episode_steps) *max_episode_steps = v->def->max_episode_steps;
    if (reward_threshold) *reward_threshold = v->def->reward_threshold;
    return RL_OK;
}

int rlc_vec_obs_image(const rlc_vec *v, int *rank, int shape[3], int *elem)
{
    if (!v) return null_arg(__func__, "the vector env");
    return image_out(&v->def->obs_space, rank, shape, elem);
}

int rlc_vec_action_masks(rlc_vec *v, const uint8_t **mask, const uint8_t **final_mask, int *n_actions)
{
    if (!v) return null_arg(__func__, "the vector env");
    bool masked = env_vec_masked(&v->v);
    if (mask) *mask = masked ? v->v.action_mask : NULL;
    if (final_mask) *final_mask = masked ? v->v.final_mask : NULL;
    if (n_actions) *n_actions = masked ? v->v.n_actions : 0;
    return RL_OK;
}

void rlc_vec_free(rlc_vec *v)
{
    if (!v) return;
    if (v->def && env_vec_error(&v->v, NULL, 0) != RL_OK) env_callback_clear(v->def->id);   /* reported */
    env_render_close(v->renderer);
    env_vec_free(&v->v);
    trainer_env_close(&v->te);
    free(v);
}

void rlc_vec_get_buffers(rlc_vec *h, rlc_vec_buffers *b)
{
    if (!b) return;
    if (!h) {
        *b = (rlc_vec_buffers){0};
        null_arg(__func__, "the vector env");
        return;
    }
    const env_vec *v = &h->v;
    *b = (rlc_vec_buffers){.n = v->n, .obs_dim = v->obs_dim, .act_dim = v->act_dim, .obs = v->obs,
                           .final_obs = v->final_obs, .rewards = v->rewards, .terminated = v->terminated,
                           .truncated = v->truncated, .ep_return = v->ep_return, .ep_length = v->ep_length,
                           .n_done = &h->n_done};
}

int rlc_vec_reset(rlc_vec *v, int64_t seed)
{
    if (!v) return null_arg(__func__, "the vector env");
    env_vec_reset(&v->v, seed);
    v->n_done = 0;
    return env_vec_error(&v->v, last_err, API_ERR_SZ);
}

/* the first action that is not in the action space, or RL_OK */
static int check_actions(const rlc_vec *h, const float *a)
{
    const env_space *s = &h->def->act_space;
    int d = h->v.act_dim;
    for (int i = 0; i < h->v.n; i++)
        for (int j = 0; j < d; j++) {
            float x = a[(size_t)i * d + j];
            if (s->kind == ENV_SPACE_DISCRETE && !(x >= 0 && x < s->n && x == floorf(x)))
                return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG,
                               "%s: actions[%d] = %g: expected an integer in 0..%d (Discrete(%d))",
                               h->def->id, i, (double)x, s->n - 1, s->n);
            if (env_space_is_multi(s) && !(x >= 0 && x < env_space_choices(s, j) && x == floorf(x)))
                return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG,
                               "%s: actions[%d, %d] = %g: expected an integer in 0..%d (%s)", h->def->id, i, j,
                               (double)x, env_space_choices(s, j) - 1, env_space_kind_name(s->kind));
            if (s->kind == ENV_SPACE_BOX && !isfinite(x))
                return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG,
                               "%s: actions[%d, %d] = %g: expected a finite number", h->def->id, i, j,
                               (double)x);
        }
    return RL_OK;
}

int rlc_vec_step(rlc_vec *h, const float *actions, int64_t n_values)
{
    if (!h) return null_arg(__func__, "the vector env");
    if (!actions) return null_arg(__func__, "actions");
    int64_t want = (int64_t)h->v.n * h->v.act_dim;
    if (n_values != want)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG,
                       "%s: expected %lld action values (%d copies x %d), got %lld", h->def->id,
                       (long long)want, h->v.n, h->v.act_dim, (long long)n_values);
    int st = check_actions(h, actions);
    if (st != RL_OK) return st;
    env_vec_step(&h->v, actions);
    int done = 0;
    for (int i = 0; i < h->v.n; i++) done += h->v.terminated[i] || h->v.truncated[i];
    h->n_done = done;
    return env_vec_error(&h->v, last_err, API_ERR_SZ);
}

int rlc_vec_render_open(rlc_vec *h, int width, int height, int *width_out, int *height_out, int *fps)
{
    if (!h) return null_arg(__func__, "the vector env");
    env_renderer *r;
    rl_status st = env_render_open(&r, &h->v.envs[0], width, height, last_err, API_ERR_SZ);
    if (st != RL_OK) return st;
    env_render_close(h->renderer);
    h->renderer = r;
    env_render_size(r, width_out, height_out, fps);
    return RL_OK;
}

int rlc_vec_render(rlc_vec *h, int i, uint8_t *rgb, int64_t n_bytes)
{
    if (!h) return null_arg(__func__, "the vector env");
    if (!h->renderer)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "%s: no renderer is open (rlc_vec_render_open)", h->def->id);
    if (i < 0 || i >= h->v.n)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "%s: copy %d: expected 0 to %d", h->def->id, i, h->v.n - 1);
    int w, ht;
    env_render_size(h->renderer, &w, &ht, NULL);
    if (!rgb || n_bytes != (int64_t)w * ht * 3)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "%s: expected a buffer of %lld bytes (%dx%d RGB), got %lld",
                       h->def->id, (long long)w * ht * 3, w, ht, (long long)n_bytes);
    return env_render_frame(h->renderer, &h->v.envs[i], rgb, last_err, API_ERR_SZ);
}

/* ---- training ------------------------------------------------------------------------------ */

static rl_status load_config(rl_config *cfg, const char *path, const char *yaml, const char *name,
                             const char *const *sets, int n_sets)
{
    if (n_sets < 0 || (n_sets > 0 && !sets))
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "overrides: expected a list of section.key=value");
    if (path && path[0]) return rl_config_load(cfg, path, sets, n_sets, last_err, API_ERR_SZ);
    if (yaml) return rl_config_load_string(cfg, yaml, name && name[0] ? name : "<config>", sets, n_sets,
                                           last_err, API_ERR_SZ);
    return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "expected a config file or config text, got neither");
}

/* runs/<stem of the config name>-seed<N>, with -2, -3... if taken (as `rlc train`) */
static void default_run_dir(char *out, size_t sz, const char *name, int64_t seed)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    char stem[200];
    const char *dot = strrchr(base, '.');
    int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    snprintf(stem, sizeof stem, "%.*s", len, base);
    snprintf(out, sz, "runs/%s-seed%lld", stem, (long long)seed);
    for (int k = 2; rl_is_dir(out) && k < 10000; k++)
        snprintf(out, sz, "runs/%s-seed%lld-%d", stem, (long long)seed, k);
}

/* the calling thread's training callback (rlc_train_set_callback) and why its last run stopped */
static _Thread_local rlc_train_callback train_cb;
static _Thread_local void *train_cb_user;
static _Thread_local char train_stop_reason[320];

int rlc_train_set_callback(rlc_train_callback fn, void *user)
{
    train_cb = fn;
    train_cb_user = user;
    return RL_OK;
}

const char *rlc_train_stop_reason(void) { return train_stop_reason; }

/* trainer_opts.on_row -> the API's callback */
static int api_on_row(void *user, int kind, const char *const *names, const double *values, int n)
{
    (void)user;
    rlc_train_event ev = {.kind = kind == TRAINER_ROW_EVAL ? 1 : 0, .n = n, .names = names, .values = values};
    return train_cb(train_cb_user, &ev);
}

int rlc_config_resolve(const char *config_path, const char *config_yaml, const char *yaml_name,
                       const char *const *sets, int n_sets, char **yaml_out)
{
    if (!yaml_out) return null_arg(__func__, "yaml_out");
    *yaml_out = NULL;
    rl_config cfg;
    rl_status st = load_config(&cfg, config_path, config_yaml, yaml_name, sets, n_sets);
    if (st == RL_OK) *yaml_out = rl_config_dump_string(&cfg);
    return st;
}

/* The GEMM dispatch table of rlc_train's runs, as `rlc train` picks it (train/trainer_gemm.h): the
 * first of the process's concurrent runs picks it (this machine's `rlc calibrate` cache for a new
 * run, the run directory's copy for a resumed one) and the runs started while it trains share it;
 * when the last ends, the fixed rule is back for the rest of the process. */
static pthread_mutex_t gemm_mu = PTHREAD_MUTEX_INITIALIZER;
static int gemm_runs;
static nn_gemm_table gemm_table;

static rl_status gemm_begin(const char *run_dir, bool resume)
{
    char note[2048];
    rl_status st = RL_OK;
    pthread_mutex_lock(&gemm_mu);
    if (gemm_runs == 0) {
        st = trainer_gemm_table_pick(run_dir, resume, &gemm_table, note, sizeof note, last_err, API_ERR_SZ);
        if (st == RL_OK && note[0]) fprintf(stderr, "rlc train: warning: %s\n", note);
    }
    if (st == RL_OK) gemm_runs++;
    pthread_mutex_unlock(&gemm_mu);
    return st;
}

static void gemm_end(void)
{
    pthread_mutex_lock(&gemm_mu);
    if (--gemm_runs == 0) nn_gemm_table_use(NULL);
    pthread_mutex_unlock(&gemm_mu);
}

int rlc_train(const char *config_path, const char *config_yaml, const char *yaml_name,
              const char *const *sets, int n_sets, const char *run_dir, bool resume, bool quiet,
              rlc_train_result *res, char *run_dir_out, int run_dir_sz)
{
    api_init();
    train_stop_reason[0] = '\0';
    if (!res) return null_arg(__func__, "res");
    memset(res, 0, sizeof *res);
    bool have_dir = run_dir && run_dir[0];
    if (resume && !have_dir)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "resume: expected the run directory to continue");
    char resume_cfg[PATH_MAX + 16];
    if (resume) {
        snprintf(resume_cfg, sizeof resume_cfg, "%s/config.yaml", run_dir);
        config_path = resume_cfg;
    }
    rl_config cfg;
    rl_status st = load_config(&cfg, config_path, config_yaml, yaml_name, sets, n_sets);
    if (st != RL_OK) return st;
    char dir[PATH_MAX];
    if (have_dir) snprintf(dir, sizeof dir, "%s", run_dir);
    else default_run_dir(dir, sizeof dir, config_path && config_path[0] ? config_path : yaml_name ? yaml_name : "config",
                         cfg.root.seed);
    if (run_dir_out && run_dir_sz > 0) snprintf(run_dir_out, (size_t)run_dir_sz, "%s", dir);
    trainer_opts opts = {.run_dir = dir, .resume = resume, .quiet = quiet, .out = stdout,
                         .on_row = train_cb ? api_on_row : NULL};
    trainer_result r;
    /* a callback environment's failure stops the run (the trainer checks it after every reset
     * and step, keeping a checkpoint) with its message; the next call starts afresh */
    bool callback = env_callback_is(cfg.env.id);
    if (callback) env_callback_clear(cfg.env.id);
    st = gemm_begin(dir, resume);
    if (st == RL_OK) {
        st = trainer_run(&cfg, &opts, &r, last_err, API_ERR_SZ);
        gemm_end();
    } else memset(&r, 0, sizeof r);
    if (callback) env_callback_clear(cfg.env.id);
    fflush(stdout);
    res->steps = r.steps;
    res->wall_s = r.wall_s;
    res->sps = r.sps;
    res->eval_mean = r.eval_mean;
    res->eval_std = r.eval_std;
    res->threshold_step = r.threshold_step;
    res->threshold_wall_s = r.threshold_wall_s;
    res->env_warnings = r.env_warnings;
    res->seed = cfg.root.seed;
    snprintf(train_stop_reason, sizeof train_stop_reason, "%s", r.stopped ? r.stop_reason : "");
    return st;
}

/* ---- trained policies ---------------------------------------------------------------------- */

int rlc_policy_load(rlc_policy **out, const char *path)
{
    api_init();
    if (!out) return null_arg(__func__, "out");
    *out = NULL;
    if (!path) return null_arg(__func__, "path");
    rlc_policy *p = calloc(1, sizeof *p);
    if (!p) return rl_errf(last_err, API_ERR_SZ, RL_ERR_NOMEM, "out of memory");
    rl_status st = trainer_load_agent(path, &p->cfg, &p->algo, &p->agent, last_err, API_ERR_SZ);
    if (st != RL_OK) {
        free(p);
        return st;
    }
    if ((st = trainer_env_open(&p->te, &p->cfg, path, true, last_err, API_ERR_SZ))) {
        rlc_policy_free(p);
        return st;
    }
    p->obs_dim = p->te.raw_dim;
    p->act_dim = env_space_dim(&p->te.def->act_space);
    p->obs_buf = rl_xcalloc((size_t)AGENT_EVAL_BATCH * p->te.view.obs_space.dim, sizeof(float));
    p->act_buf = rl_xcalloc((size_t)AGENT_EVAL_BATCH * p->act_dim, sizeof(float));
    const char *rec = rl_config_get(&p->cfg, "recurrent.type");   /* ppo's and a2c's, when the algo has one */
    p->recurrent = rec && p->algo->episode_starts && strcmp(rec, "none") != 0;
    *out = p;
    return RL_OK;
}

void rlc_policy_free(rlc_policy *p)
{
    if (!p) return;
    if (p->algo) p->algo->destroy(p->agent);
    trainer_env_close(&p->te);
    free(p->obs_buf);
    free(p->act_buf);
    free(p);
}

const char *rlc_policy_env_id(const rlc_policy *p)
{
    if (!p) {
        null_arg(__func__, "the policy");
        return NULL;
    }
    return p->cfg.env.id;
}

const char *rlc_policy_algo(const rlc_policy *p)
{
    if (!p) {
        null_arg(__func__, "the policy");
        return NULL;
    }
    return p->cfg.root.algo;
}

int rlc_policy_spaces(const rlc_policy *p, rlc_space *obs, rlc_space *act)
{
    if (!p) return null_arg(__func__, "the policy");
    space_out(&p->te.def->obs_space, obs);
    space_out(&p->te.def->act_space, act);
    return RL_OK;
}

int rlc_policy_obs_image(const rlc_policy *p, int *rank, int shape[3], int *elem)
{
    if (!p) return null_arg(__func__, "the policy");
    return image_out(&p->te.def->obs_space, rank, shape, elem);
}

char *rlc_policy_config(const rlc_policy *p)
{
    if (!p) {
        null_arg(__func__, "the policy");
        return NULL;
    }
    return rl_config_dump_string(&p->cfg);
}

static bool takes_masks(const agent_algo *a, const void *ctx) { return (void)ctx, a->action_mask != NULL; }

/* RL_OK, or RL_ERR_ARG naming what is wrong with the masks of rlc_policy_act_masked */
static int check_policy_masks(const rlc_policy *p, int64_t n, const uint8_t *mask, int64_t n_mask)
{
    const env_space *as = &p->te.def->act_space;
    if (as->kind != ENV_SPACE_DISCRETE)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "policy for %s: action masks are for a Discrete action space; "
                       "this one is a Box", p->cfg.env.id);
    if (!p->algo->action_mask) {
        char names[256];
        agent_names_where(names, sizeof names, takes_masks, NULL, " and ");
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "policy for %s: algo %s takes no action masks (%s do)",
                       p->cfg.env.id, p->algo->name, names);
    }
    if (n_mask != n * as->n)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "policy for %s: expected masks of %d values each (one per "
                       "action), got %lld values for %lld observations", p->cfg.env.id, as->n, (long long)n_mask,
                       (long long)n);
    if (n > 0 && !mask) return null_arg("rlc_policy_act_masked", "mask");
    for (int64_t i = 0; i < n; i++) {
        int valid = 0;
        for (int k = 0; k < as->n; k++) {
            uint8_t b = mask[i * as->n + k];
            if (b > 1)
                return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "policy for %s: mask[%lld, %d] = %d: expected 0 "
                               "(invalid) or 1 (valid)", p->cfg.env.id, (long long)i, k, b);
            valid += b;
        }
        if (!valid)
            return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "policy for %s: mask row %lld has no valid action",
                           p->cfg.env.id, (long long)i);
    }
    return RL_OK;
}

/* RL_OK, or RL_ERR_ARG naming what is wrong with rlc_policy_act's observations */
static int check_policy_obs(const rlc_policy *p, const float *obs, int64_t n, int64_t n_values)
{
    if (n < 0 || n_values != n * p->obs_dim)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG,
                       "policy for %s: expected observations of %d values each, got %lld values for %lld observations",
                       p->cfg.env.id, p->obs_dim, (long long)n_values, (long long)n);
    for (int64_t k = 0; k < n_values; k++)
        if (!isfinite(obs[k]))
            return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "policy for %s: obs[%lld, %lld] = %g: expected a finite number",
                           p->cfg.env.id, (long long)(k / p->obs_dim), (long long)(k % p->obs_dim), (double)obs[k]);
    const env_space *os = &p->te.def->obs_space;
    for (int64_t k = 0; os->kind == ENV_SPACE_DISCRETE && k < n_values; k++)
        if (!(obs[k] >= 0 && obs[k] < os->n && obs[k] == floorf(obs[k])))
            return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "policy for %s: obs[%lld] = %g: expected an integer in 0..%d "
                           "(Discrete(%d))", p->cfg.env.id, (long long)k, (double)obs[k], os->n - 1, os->n);
    if (p->recurrent && n > AGENT_EVAL_BATCH)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG,
                       "policy for %s: a recurrent policy keeps one state per row: at most %d observations a call, "
                       "got %lld", p->cfg.env.id, AGENT_EVAL_BATCH, (long long)n);
    return RL_OK;
}

/* the checked act: in chunks of AGENT_EVAL_BATCH rows (act() takes at most that outside training),
 * each chunk's masks (mask NULL: none) handed to the agent first */
static void policy_act_rows(rlc_policy *p, const float *obs, int64_t n, const uint8_t *mask, float *actions)
{
    int K = p->te.def->act_space.n;
    for (int64_t i = 0; i < n; i += AGENT_EVAL_BATCH) {
        int b = n - i < AGENT_EVAL_BATCH ? (int)(n - i) : AGENT_EVAL_BATCH;
        trainer_env_encode(&p->te, obs + i * p->obs_dim, p->obs_buf, b);
        if (mask) p->algo->action_mask(p->agent, mask + i * K, b);
        p->algo->act(p->agent, p->obs_buf, b, p->act_buf, false);
        memcpy(actions + i * p->act_dim, p->act_buf, (size_t)b * p->act_dim * sizeof(float));
    }
}

int rlc_policy_act(rlc_policy *p, const float *obs, int64_t n, int64_t n_values, float *actions)
{
    if (!p) return null_arg(__func__, "the policy");
    if (n > 0 && (!obs || !actions)) return null_arg(__func__, obs ? "actions" : "obs");
    int st = check_policy_obs(p, obs, n, n_values);
    if (st == RL_OK) policy_act_rows(p, obs, n, NULL, actions);
    return st;
}

int rlc_policy_act_masked(rlc_policy *p, const float *obs, int64_t n, int64_t n_values, const uint8_t *mask,
                          int64_t n_mask, float *actions)
{
    if (!p) return null_arg(__func__, "the policy");
    if (n > 0 && (!obs || !actions)) return null_arg(__func__, obs ? "actions" : "obs");
    int st = check_policy_obs(p, obs, n, n_values);
    if (st == RL_OK) st = check_policy_masks(p, n, mask, n_mask);
    if (st == RL_OK) policy_act_rows(p, obs, n, mask, actions);
    return st;
}

int rlc_policy_evaluate(rlc_policy *p, int n_episodes, int64_t seed, double *mean, double *std)
{
    if (!p) return null_arg(__func__, "the policy");
    if (!mean || !std) return null_arg(__func__, mean ? "std" : "mean");
    if (n_episodes < 1)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "episodes: expected a number >= 1, got %d", n_episodes);
    if (seed < 0)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "seed: expected a number >= 0, got %lld", (long long)seed);
    env_callback_clear(p->cfg.env.id);
    p->cfg.log.eval_deterministic = true;   /* the policy's mode, whatever the run evaluated with */
    rl_status st = trainer_evaluate(p->algo, p->agent, &p->cfg, n_episodes, seed, mean, std, last_err, API_ERR_SZ);
    (void)rlc_policy_reset(p, NULL, 0);   /* the rows' states are the evaluation's: start afresh */
    if (st == RL_OK) st = env_callback_error(p->cfg.env.id, last_err, API_ERR_SZ);
    env_callback_clear(p->cfg.env.id);
    return st;
}

int rlc_policy_recurrent(const rlc_policy *p) { return p && p->recurrent; }

int rlc_policy_reset(rlc_policy *p, const unsigned char *rows, int64_t n)
{
    if (!p) return null_arg(__func__, "the policy");
    if (!rows) n = AGENT_EVAL_BATCH;
    if (n < 0 || n > AGENT_EVAL_BATCH)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "policy reset: %lld rows: expected 0 to %d", (long long)n,
                       AGENT_EVAL_BATCH);
    if (!p->algo->episode_starts) return RL_OK;
    bool starts[AGENT_EVAL_BATCH];
    for (int64_t i = 0; i < n; i++) starts[i] = !rows || rows[i];
    p->algo->episode_starts(p->agent, starts, (int)n);
    return RL_OK;
}

int rlc_record(const char *path, const char *out, int episodes, int64_t seed, int width, int height,
               char *out_path, int out_sz, int64_t *frames, double *return_mean)
{
    api_init();
    if (!path) return null_arg(__func__, "path");
    record_opts o;
    record_opts_default(&o);
    o.path = path;
    o.out = out && out[0] ? out : NULL;
    o.episodes = episodes;
    o.seed = seed;
    o.width = width;
    o.height = height;
    record_result res;
    const char *id = NULL;
    rl_status st = record_policy(&o, &res, last_err, API_ERR_SZ);
    id = res.env_id[0] ? res.env_id : NULL;
    if (id && env_callback_error(id, last_err, API_ERR_SZ) != RL_OK) {   /* its episodes were cut short */
        if (st == RL_OK) remove(res.out);
        st = RL_ERR_ARG;
        env_callback_clear(id);
    }
    if (st != RL_OK) return st;
    if (out_path && out_sz > 0) snprintf(out_path, (size_t)out_sz, "%s", res.out);
    if (frames) *frames = res.frames;
    if (return_mean) *return_mean = res.return_mean;
    return RL_OK;
}

/* ---- the loss registry --------------------------------------------------------------------- */

int rlc_loss_count(void)
{
    int n;
    loss_registry(&n);
    return n;
}

static const loss_desc *loss_at(int i)
{
    int n;
    const loss_desc *const *t = loss_registry(&n);
    if (i < 0 || i >= n) {
        rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "loss index %d out of range 0..%d", i, n - 1);
        return NULL;
    }
    return t[i];
}

int rlc_loss_get(int i, const char **name, const char **kind, const char **formula, int *n_params)
{
    const loss_desc *d = loss_at(i);
    if (!d) return RL_ERR_ARG;
    if (!name || !kind || !formula || !n_params) return null_arg(__func__, "an output");
    *name = d->name;
    *kind = loss_kind_name(d->kind);
    *formula = d->formula;
    *n_params = d->n_params;
    return RL_OK;
}

int rlc_loss_param(int i, int j, const char **name, double *def, double *lo, double *hi,
                   int *lo_open, int *hi_open, const char **doc)
{
    const loss_desc *d = loss_at(i);
    if (!d) return RL_ERR_ARG;
    if (j < 0 || j >= d->n_params)
        return rl_errf(last_err, API_ERR_SZ, RL_ERR_ARG, "loss %s: parameter index %d out of range", d->name, j);
    if (!name || !def || !lo || !hi || !lo_open || !hi_open || !doc) return null_arg(__func__, "an output");
    const loss_param_desc *p = &d->params[j];
    *name = p->name;
    *def = p->def;
    *lo = p->lo;
    *hi = p->hi;
    *lo_open = p->lo_open;
    *hi_open = p->hi_open;
    *doc = p->doc ? p->doc : "";
    return RL_OK;
}
