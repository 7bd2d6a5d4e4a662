/* rlc envs: callback environments (see callback.h). Each registration is a cb_env that starts
 * with its env_def, whose init is cb_init_mark: that marks a callback environment's definition,
 * and env_callback_init finds the registration from it; instances keep the binding (the
 * callbacks) they were made with. Registrations live until the process
 * ends, as every registered definition does. */
#include "envs/callback.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/render.h"

#define CB_ID_MAX 256
#define CB_MSG_MAX 2048

typedef struct {
    env_def def;                /* first: env_callback_init gets &def */
    env_render_def render;
    bool render_registered;
    char id[CB_ID_MAX];
    const env_callbacks *cb;    /* the current binding (a copy); NULL = unbound */
    atomic_int live;            /* instances alive */
    atomic_int failed;
    char msg[CB_MSG_MAX];       /* the failure, under cb_mutex */
    /* a Dict or Tuple observation's parts and keys, copied (one byte over the longest key, so
     * that a longer one stays too long for the registry's check) */
    env_part parts[ENV_MAX_PARTS];
    char part_names[ENV_MAX_PARTS][ENV_PART_NAME_MAX + 2];
    float *goal_buf;            /* a GoalEnv's: (2, ENV_GOAL_BATCH, goal_dim) the goals of a batch */
} cb_env;

typedef struct {
    cb_env *env;
    const env_callbacks *cb;    /* the binding the instance was made with */
    int64_t handle;
    float last_obs[];           /* (obs_dim) its latest observation */
} cb_state;

static pthread_mutex_t cb_mutex = PTHREAD_MUTEX_INITIALIZER;
static void (*failure_hook)(void);

/* the init of every callback environment's definition: env_make_def calls env_callback_init
 * instead (it needs the definition), so this runs only when something calls def->init itself */
static rl_status cb_init_mark(void *state, char *err, size_t err_sz)
{
    (void)state;
    return rl_errf(err, err_sz, RL_ERR_ARG, "a callback environment is made with env_make (its init needs the definition)");
}

bool env_callback_owns(const env_def *def) { return def && def->init == cb_init_mark; }

static cb_env *cb_of(const env_def *def) { return env_callback_owns(def) ? (cb_env *)(void *)def : NULL; }

/* ---- failure ------------------------------------------------------------------------------- */

static void cb_after_failure(void)
{
    void (*hook)(void) = failure_hook;
    if (hook) hook();
}

/* marks env failed by what (a callback's name) with the runtime's message (the first failure is
 * kept) and runs the hook */
static void cb_fail(cb_env *env, const char *what, const char *msg)
{
    pthread_mutex_lock(&cb_mutex);
    if (!atomic_load(&env->failed)) {
        snprintf(env->msg, sizeof env->msg, "environment '%s': %s failed: %s", env->id, what,
                 msg[0] ? msg : "(no message)");
        atomic_store(&env->failed, 1);
    }
    pthread_mutex_unlock(&cb_mutex);
    cb_after_failure();
}

rl_status env_callback_state_error(const void *state, char *err, size_t err_sz)
{
    cb_env *env = ((const cb_state *)state)->env;
    if (!atomic_load(&env->failed)) return RL_OK;
    pthread_mutex_lock(&cb_mutex);
    rl_status st = rl_errf(err, err_sz, RL_ERR_ARG, "%s", env->msg);
    pthread_mutex_unlock(&cb_mutex);
    return st;
}

/* ---- the env_def functions ----------------------------------------------------------------- */

rl_status env_callback_init(const env_def *def, void *state, char *err, size_t err_sz)
{
    cb_env *env = cb_of(def);
    RL_ASSERT(env);
    cb_state *s = state;
    pthread_mutex_lock(&cb_mutex);
    s->env = env;
    s->cb = env->cb;
    if (s->cb) atomic_fetch_add(&env->live, 1);
    pthread_mutex_unlock(&cb_mutex);
    if (!s->cb)
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED,
                       "environment '%s' runs in the program that trained it (a Python environment given to "
                       "rlc.train(env=...)) and is not bound in this process: evaluate it from Python with "
                       "rlc.evaluate(policy, env=...)", env->id);
    char msg[CB_MSG_MAX] = "";
    if (s->cb->make(s->cb->user, &s->handle, msg, sizeof msg) != 0) {
        atomic_fetch_sub(&env->live, 1);
        return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': creating an instance failed: %s", env->id,
                       msg[0] ? msg : "(no message)");
    }
    return RL_OK;
}

static void cb_close(void *state)
{
    cb_state *s = state;
    if (s->cb->close) s->cb->close(s->cb->user, s->handle);
    atomic_fetch_sub(&s->env->live, 1);
}

static size_t obs_bytes(const cb_env *env) { return (size_t)env_space_dim(&env->def.obs_space) * sizeof(float); }

static void cb_reset(void *state, rl_rng *rng, float *obs)
{
    cb_state *s = state;
    cb_env *env = s->env;
    int64_t seed = (int64_t)rl_rng_u32(rng);   /* drawn even when failed: the stream stays the same */
    char msg[CB_MSG_MAX] = "";
    if (atomic_load(&env->failed)) cb_after_failure();
    else if (s->cb->reset(s->cb->user, s->handle, seed, obs, msg, sizeof msg) != 0) cb_fail(env, "reset", msg);
    if (atomic_load(&env->failed)) memcpy(obs, s->last_obs, obs_bytes(env));
    else memcpy(s->last_obs, obs, obs_bytes(env));
}

/* env_def.action_mask of a binding with masks; a failed environment (or call) offers every action */
static void cb_action_mask(const void *state, uint8_t *mask)
{
    const cb_state *s = state;
    cb_env *env = s->env;
    int n = env->def.act_space.n;
    char msg[CB_MSG_MAX] = "";
    if (!atomic_load(&env->failed) && s->cb->action_mask &&
        s->cb->action_mask(s->cb->user, s->handle, mask, msg, sizeof msg) != 0)
        cb_fail(env, "action_mask", msg);
    if (atomic_load(&env->failed) || !s->cb->action_mask) memset(mask, 1, (size_t)n);
}

/* a failed step: every copy's episode ends truncated at its last observation with reward 0 */
static void cb_end_all(void *const *states, int n, float *obs, float *rewards, bool *terminated, bool *truncated)
{
    size_t row = obs_bytes(((cb_state *)states[0])->env);
    for (int i = 0; i < n; i++) {
        memcpy((char *)obs + (size_t)i * row, ((cb_state *)states[i])->last_obs, row);
        rewards[i] = 0.0f;
        terminated[i] = false;
        truncated[i] = true;
    }
}

/* the handles of a batch (grown once per thread, never in the steady state) */
static _Thread_local int64_t *tl_handles;
static _Thread_local int tl_cap;

static const int64_t *batch_handles(void *const *states, int n)
{
    if (n > tl_cap) {
        int64_t *h = realloc(tl_handles, (size_t)n * sizeof *h);
        RL_ASSERT_MSG(h, "out of memory for the handles of a callback environment's batch");
        tl_handles = h;
        tl_cap = n;
    }
    for (int i = 0; i < n; i++) tl_handles[i] = ((cb_state *)states[i])->handle;
    return tl_handles;
}

void env_callback_step_batch(void *const *states, int n, const float *actions, float *obs, float *rewards,
                             bool *terminated, bool *truncated)
{
    const cb_state *s0 = states[0];
    cb_env *env = s0->env;
    char msg[CB_MSG_MAX] = "";
    if (atomic_load(&env->failed)) cb_after_failure();
    else if (s0->cb->step(s0->cb->user, n, batch_handles(states, n), actions, obs, rewards, terminated, truncated,
                          msg, sizeof msg) != 0)
        cb_fail(env, "step", msg);
    if (atomic_load(&env->failed)) {
        cb_end_all(states, n, obs, rewards, terminated, truncated);
        return;
    }
    size_t row = obs_bytes(env);
    for (int i = 0; i < n; i++) memcpy(((cb_state *)states[i])->last_obs, (char *)obs + (size_t)i * row, row);
}

static void cb_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    (void)rng;
    void *states[1] = {state};
    env_callback_step_batch(states, 1, action, obs, reward, terminated, truncated);
}

static rl_status cb_draw(const void *state, uint8_t *rgb, int width, int height, char *err, size_t err_sz)
{
    const cb_state *s = state;
    char msg[CB_MSG_MAX] = "";
    if (!s->cb->render)
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED, "environment '%s' does not render", s->env->id);
    if (s->cb->render(s->cb->user, s->handle, rgb, width, height, msg, sizeof msg) != 0)
        return rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s': render failed: %s", s->env->id,
                       msg[0] ? msg : "(no message)");
    return RL_OK;
}

/* ---- registration -------------------------------------------------------------------------- */

/* the same Dict or Tuple parts (or none in both) */
static bool parts_equal(const env_space *a, const env_space *b)
{
    if (a->structure != b->structure || a->n_parts != b->n_parts) return false;
    for (int i = 0; i < a->n_parts; i++) {
        const env_part *p = &a->parts[i], *q = &b->parts[i];
        if (p->dim != q->dim || p->rank != q->rank || p->elem != q->elem || memcmp(p->shape, q->shape, sizeof p->shape) ||
            (!p->name != !q->name) || (p->name && strcmp(p->name, q->name) != 0))
            return false;
    }
    return true;
}

static bool space_equal(const env_space *a, const env_space *b)
{
    if (a->kind != b->kind || a->n != b->n || env_space_dim(a) != env_space_dim(b)) return false;
    if (a->rank != b->rank || a->elem != b->elem || memcmp(a->shape, b->shape, sizeof a->shape)) return false;
    if (!parts_equal(a, b)) return false;
    if (a->kind == ENV_SPACE_DISCRETE || a->kind == ENV_SPACE_MULTI_BINARY) return true;
    if (a->kind == ENV_SPACE_MULTI_DISCRETE && (!a->nvec || !b->nvec)) return a->nvec == b->nvec;
    if (a->kind == ENV_SPACE_MULTI_DISCRETE) return memcmp(a->nvec, b->nvec, (size_t)a->dim * sizeof(int)) == 0;
    for (int i = 0; i < a->dim; i++)
        if (a->low[i] != b->low[i] || a->high[i] != b->high[i]) return false;
    return true;
}

/* dst = src with its bounds (a MultiDiscrete's nvec) copied to heap memory the registration keeps */
static void space_copy(env_space *dst, const env_space *src)
{
    *dst = *src;
    if (src->kind == ENV_SPACE_MULTI_DISCRETE && src->nvec && src->dim >= 1 && src->dim <= ENV_MAX_DIM) {
        int *v = rl_xcalloc((size_t)src->dim, sizeof(int));
        memcpy(v, src->nvec, (size_t)src->dim * sizeof(int));
        dst->nvec = v;
    }
    if (src->kind != ENV_SPACE_BOX || src->dim < 1 || src->dim > env_space_max_dim(src) || !src->low || !src->high)
        return;
    float *b = rl_xcalloc(2 * (size_t)src->dim, sizeof(float));
    memcpy(b, src->low, (size_t)src->dim * sizeof(float));
    memcpy(b + src->dim, src->high, (size_t)src->dim * sizeof(float));
    dst->low = b;
    dst->high = b + src->dim;
}

/* the observation's parts (and their keys) into env's own arrays; more than ENV_MAX_PARTS stay
 * the caller's, for the registry to refuse */
static void parts_copy(cb_env *env, const env_space *src)
{
    env_space *o = &env->def.obs_space;
    if (!src->parts || src->n_parts < 1 || src->n_parts > ENV_MAX_PARTS) return;
    for (int i = 0; i < src->n_parts; i++) {
        env->parts[i] = src->parts[i];
        if (!src->parts[i].name) continue;
        snprintf(env->part_names[i], sizeof env->part_names[i], "%s", src->parts[i].name);
        env->parts[i].name = env->part_names[i];
    }
    o->parts = env->parts;
}

/* whether obs is a GoalEnv's Dict: achieved_goal and desired_goal of one size, and observation
 * (in the sorted order the parts are in) */
static bool goal_dict(const env_space *obs)
{
    static const char *const keys[3] = {"achieved_goal", "desired_goal", "observation"};
    if (obs->structure != ENV_STRUCT_DICT || obs->n_parts != 3 || !obs->parts) return false;
    for (int i = 0; i < 3; i++)
        if (!obs->parts[i].name || strcmp(obs->parts[i].name, keys[i]) != 0 || obs->parts[i].rank != 0) return false;
    return obs->parts[0].dim == obs->parts[1].dim;
}

/* env_goal.compute_reward of a bound GoalEnv: the runtime's compute_reward on one pair of goals; a
 * failure stops the environment as a failed step does (the reward 0 is never learned from) */
static float cb_compute_reward(const env_goal *g, const float *achieved, const float *desired, bool *terminated)
{
    cb_env *env = g->user;
    const env_callbacks *cb = env->cb;
    char msg[CB_MSG_MAX] = "";
    float r = 0.0f;
    *terminated = false;
    if (!cb || !cb->compute_reward || atomic_load(&env->failed)) return 0.0f;
    if (cb->compute_reward(cb->user, 1, achieved, desired, &r, terminated, msg, sizeof msg) != 0) {
        cb_fail(env, "compute_reward", msg);
        *terminated = false;
        return 0.0f;
    }
    return r;
}

/* env_goal.compute_rewards: the n pairs gathered into env->goal_buf, one call of the runtime */
static void cb_compute_rewards(const env_goal *g, int n, const float *const *achieved, const float *const *desired,
                               float *rewards, bool *terminated)
{
    cb_env *env = g->user;
    const env_callbacks *cb = env->cb;
    size_t G = (size_t)g->goal_dim;
    char msg[CB_MSG_MAX] = "";
    RL_ASSERT(n >= 1 && n <= ENV_GOAL_BATCH);
    float *a = env->goal_buf, *d = env->goal_buf + (size_t)ENV_GOAL_BATCH * G;
    for (int i = 0; i < n; i++) {
        memcpy(a + i * G, achieved[i], G * sizeof(float));
        memcpy(d + i * G, desired[i], G * sizeof(float));
        rewards[i] = 0.0f, terminated[i] = false;
    }
    if (!cb || !cb->compute_reward || atomic_load(&env->failed)) return;
    if (cb->compute_reward(cb->user, n, a, d, rewards, terminated, msg, sizeof msg) != 0) {
        cb_fail(env, "compute_reward", msg);
        for (int i = 0; i < n; i++) rewards[i] = 0.0f, terminated[i] = false;
    }
}

/* the goal layout of a GoalEnv's Dict, sorted [achieved_goal, desired_goal, observation], when cb
 * computes rewards (with the buffer its batches are gathered in); none otherwise */
static void goal_layout(cb_env *env, const env_callbacks *cb)
{
    env_space *o = &env->def.obs_space;
    memset(&o->goal, 0, sizeof o->goal);
    free(env->goal_buf);
    env->goal_buf = NULL;
    if (!cb || !cb->compute_reward) return;
    int G = o->parts[0].dim;
    env->goal_buf = rl_xcalloc(2 * (size_t)ENV_GOAL_BATCH * G, sizeof(float));
    o->goal = (env_goal){.obs_dim = o->dim - G, .goal_dim = G, .achieved_offset = 0, .desired_offset = G,
                         .compute_reward = cb_compute_reward, .user = env, .compute_rewards = cb_compute_rewards};
}

static rl_status check_callbacks(const char *id, const env_space *obs, const env_callbacks *cb, char *err,
                                 size_t err_sz)
{
    if (!cb) return RL_OK;
    if (cb->compute_reward && !goal_dict(obs))
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "callback environment '%s': compute_reward is for a GoalEnv, whose observation space is a Dict "
                       "of achieved_goal and desired_goal (one size) and observation (vectors)", id);
    if (!cb->make || !cb->reset || !cb->step)
        return rl_errf(err, err_sz, RL_ERR_ARG, "callback environment '%s': make, reset and step are required", id);
    if (cb->render && (cb->render_width < 16 || cb->render_width > 4096 || cb->render_height < 16 ||
                       cb->render_height > 4096 || cb->render_width % 2 || cb->render_height % 2 ||
                       cb->render_fps < 1 || cb->render_fps > 1000))
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "callback environment '%s': frame size %dx%d at %d fps: expected even sizes in [16, 4096] "
                       "and 1 to 1000 fps", id, cb->render_width, cb->render_height, cb->render_fps);
    return RL_OK;
}

/* a new registration; the caller holds cb_mutex */
static rl_status cb_create(const char *id, const env_space *obs, const env_space *act, int max_steps,
                           double threshold, cb_env **out, char *err, size_t err_sz)
{
    cb_env *env = rl_xcalloc(1, sizeof *env);
    snprintf(env->id, sizeof env->id, "%s", id);
    env_def *d = &env->def;
    d->id = env->id;
    d->max_episode_steps = max_steps;
    d->reward_threshold = threshold;
    space_copy(&d->obs_space, obs);
    space_copy(&d->act_space, act);
    parts_copy(env, obs);
    d->state_size = sizeof(cb_state) + (size_t)env_space_dim(obs) * sizeof(float);
    d->init = cb_init_mark;
    d->reset = cb_reset;
    d->step = cb_step;
    d->close = cb_close;
    rl_status st = env_register(d, err, err_sz);
    if (st != RL_OK) {   /* a malformed space: nothing points to env yet */
        if (d->obs_space.kind == ENV_SPACE_BOX && d->obs_space.low != obs->low) free((void *)d->obs_space.low);
        if (d->act_space.kind == ENV_SPACE_BOX && d->act_space.low != act->low) free((void *)d->act_space.low);
        if (d->act_space.nvec != act->nvec) free((void *)d->act_space.nvec);
        if (d->obs_space.nvec != obs->nvec) free((void *)d->obs_space.nvec);
        free(env);
        return st;
    }
    *out = env;
    return RL_OK;
}

/* binds env to cb; the caller holds cb_mutex */
static rl_status cb_bind(cb_env *env, const env_callbacks *cb, char *err, size_t err_sz)
{
    if (!cb) return RL_OK;   /* registering an unbound id again changes nothing */
    if (env->cb && memcmp(env->cb, cb, sizeof *cb) == 0) return RL_OK;
    if (env->cb && atomic_load(&env->live) > 0)
        return rl_errf(err, err_sz, RL_ERR_BUSY,
                       "environment '%s': %d instances of it are alive (a vector env or evaluation): close them "
                       "before binding it to another environment", env->id, atomic_load(&env->live));
    /* no instance uses the old binding (live counts them, under cb_mutex with the binding) */
    env_callbacks *copy = rl_xmalloc(sizeof *copy);
    *copy = *cb;
    free((void *)env->cb);
    env->cb = copy;
    env->def.action_mask = cb->action_mask && env->def.act_space.kind == ENV_SPACE_DISCRETE ? cb_action_mask : NULL;
    goal_layout(env, cb);
    if (!cb->render || env->render_registered) return RL_OK;
    env->render = (env_render_def){.id = env->id, .width = cb->render_width, .height = cb->render_height,
                                   .fps = cb->render_fps, .draw = cb_draw};
    rl_status st = env_register_renderer(&env->render, err, err_sz);
    env->render_registered = st == RL_OK;
    return st;
}

rl_status env_callback_register(const char *id, const env_space *obs, const env_space *act,
                                int max_episode_steps, double reward_threshold, const env_callbacks *cb,
                                char *err, size_t err_sz)
{
    if (!id || !id[0] || strlen(id) >= CB_ID_MAX)
        return rl_errf(err, err_sz, RL_ERR_ARG, "callback environment: expected an id of 1 to %d bytes", CB_ID_MAX - 1);
    if (!obs || !act) return rl_errf(err, err_sz, RL_ERR_ARG, "callback environment '%s': no spaces given", id);
    rl_status st = check_callbacks(id, obs, cb, err, err_sz);
    if (st != RL_OK) return st;
    pthread_mutex_lock(&cb_mutex);
    const env_def *def = env_find(id);
    cb_env *env = cb_of(def);
    if (def && !env)
        st = rl_errf(err, err_sz, RL_ERR_ARG, "environment id '%s' is already registered (not as a callback "
                     "environment): choose another id", id);
    else if (env && !(space_equal(&env->def.obs_space, obs) && space_equal(&env->def.act_space, act)))
        st = rl_errf(err, err_sz, RL_ERR_ARG, "environment '%s' is already registered with other spaces in this "
                     "process: give this environment another id", id);
    else if (!env)
        st = cb_create(id, obs, act, max_episode_steps, reward_threshold, &env, err, err_sz);
    if (st == RL_OK) {
        if (cb) {
            env->def.max_episode_steps = max_episode_steps;
            env->def.reward_threshold = reward_threshold;
        }
        st = cb_bind(env, cb, err, err_sz);
    }
    pthread_mutex_unlock(&cb_mutex);
    return st;
}

bool env_callback_is(const char *id) { return cb_of(env_find(id)) != NULL; }

rl_status env_callback_error(const char *id, char *err, size_t err_sz)
{
    cb_env *env = cb_of(env_find(id));
    if (!env || !atomic_load(&env->failed)) return RL_OK;
    pthread_mutex_lock(&cb_mutex);
    rl_status st = rl_errf(err, err_sz, RL_ERR_ARG, "%s", env->msg);
    pthread_mutex_unlock(&cb_mutex);
    return st;
}

void env_callback_clear(const char *id)
{
    cb_env *env = cb_of(env_find(id));
    if (!env) return;
    pthread_mutex_lock(&cb_mutex);
    atomic_store(&env->failed, 0);
    env->msg[0] = '\0';
    pthread_mutex_unlock(&cb_mutex);
}

void env_callback_set_failure_hook(void (*hook)(void)) { failure_hook = hook; }
