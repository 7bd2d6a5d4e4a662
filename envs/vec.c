/* rlc envs: the vector env -- N copies of one environment stepped together with same-step
 * autoreset (Gymnasium's SAME_STEP mode, SB3's VecEnv): a copy whose episode ends is reset
 * inside the same env_vec_step; obs then holds the new episode's first observation and
 * final_obs the last observation of the finished one, so a truncated episode can bootstrap.
 *
 * Seeding: env_vec_make seeds copy i as env_reset(seed = i) would, so copies differ even when
 * never explicitly seeded; env_vec_reset(seed >= 0) reseeds copy i with seed + i; an autoreset
 * keeps the copy's RNG running.
 *
 * Non-finite values: a step whose observation or reward is not finite is dropped (reward 0, the
 * episode truncated at the last finite observation, the copy reset) and counted per copy, so NaN
 * and infinity never reach an agent, its buffers or its running statistics (env_vec_nonfinite).
 * A reset observation with non-finite entries is counted too and those entries become 0.
 *
 * One-hot (env_vec_opts.one_hot): each copy writes its Discrete observation into raw_obs and the
 * row of obs receives its one-hot encoding, before the non-finite checks (an index outside the
 * space becomes a row of NaN and the step is dropped as above).
 *
 * Masked velocities (env_vec_opts.mask_velocity): the velocity components of every observation
 * (obs, final_obs, reset observations) are 0 (env_velocity_mask, envs/wrappers.h), before the
 * non-finite checks.
 *
 * Threads: with n_threads > 1 (env_vec_set_threads) the copies are split into n_threads fixed
 * contiguous ranges stepped by worker threads. Each copy owns its RNG and writes only its own
 * rows, so the results are identical for every thread count. A callback environment (the Python
 * bridge's, envs/callback.h) is stepped by one call for all copies on the calling thread, whatever
 * n_threads was asked for. */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "envs/callback.h"
#include "envs/pixels.h"
#include "envs/env.h"
#include "envs/wrappers.h"

/* ---- the worker pool --------------------------------------------------------------------- */

struct env_vec_pool {
    int n_workers;              /* threads besides the caller (n_threads - 1) */
    pthread_t *threads;         /* (n_workers) */
    pthread_mutex_t mu;
    pthread_cond_t cv_start, cv_done;
    atomic_ulong generation;    /* bumped (under mu) for every job */
    atomic_int pending;         /* workers still busy on the current job */
    atomic_int quit;
    env_vec *v;
    const float *actions;       /* the current job: step with these actions */
    int is_reset;               /* or: reset with seed */
    int64_t seed;
};

typedef struct {
    struct env_vec_pool *pool;
    int index;                  /* 1..n_workers; range 0 is the caller's */
} worker_arg;

/* the copies [lo, hi) handled by range k of n_ranges */
static void vec_range(int n, int k, int n_ranges, int *lo, int *hi)
{
    *lo = (int)((long)n * k / n_ranges);
    *hi = (int)((long)n * (k + 1) / n_ranges);
}

/* ---- non-finite values from an environment ------------------------------------------------ */

static bool all_finite(const float *x, int n)
{
    for (int k = 0; k < n; k++)
        if (!isfinite(x[k])) return false;
    return true;
}

/* A reset observation of copy i with non-finite entries: counted, the entries replaced by 0
 * (there is no earlier observation of the new episode to fall back on). */
static void vec_fix_reset_obs(env_vec *v, int i, float *obs)
{
    if (all_finite(obs, v->obs_dim)) return;
    v->nonfinite[i]++;
    for (int k = 0; k < v->obs_dim; k++)
        if (!isfinite(obs[k])) obs[k] = 0.0f;
}

/* Copy i's step returned a non-finite observation or reward: the step is dropped. It is counted,
 * its reward becomes 0 (and leaves the episode's return alone: ret_before), and the episode ends
 * truncated at the last finite observation, which the caller kept in final_obs, so agents
 * bootstrap from a state they have seen. The caller then resets the copy. */
static void vec_drop_step(env_vec *v, int i, double ret_before)
{
    v->nonfinite[i]++;
    v->rewards[i] = 0.0f;
    v->terminated[i] = false;
    v->truncated[i] = true;
    v->envs[i].ep_return = ret_before;
}

/* where copy i's environment writes its observation: its row of obs, or with one-hot its raw
 * index, which vec_encode then expands into the row */
static float *vec_env_obs(env_vec *v, int i)
{
    return v->raw_obs ? v->raw_obs + i : v->obs + (size_t)i * v->obs_dim;
}

static void vec_encode(env_vec *v, int i)
{
    if (v->raw_obs) env_one_hot(v->obs_dim, v->raw_obs + i, v->obs + (size_t)i * v->obs_dim, 1);
    if (v->vel_mask) env_velocity_mask_apply(v->vel_mask, v->obs + (size_t)i * v->obs_dim, v->obs_dim, 1);
}

/* copy i's action mask (of its current state) into row i of mask, when it publishes one */
static void vec_mask(env_vec *v, int i, uint8_t *mask)
{
    if (!mask) return;
    const env_instance *e = &v->envs[i];
    uint8_t *row = mask + (size_t)i * v->n_actions;
    e->def->action_mask(e->state, row);
}

static void vec_reset_range(env_vec *v, int64_t seed, int lo, int hi)
{
    for (int i = lo; i < hi; i++) {
        env_reset(&v->envs[i], seed >= 0 ? seed + i : -1, vec_env_obs(v, i));
        vec_encode(v, i);
        vec_fix_reset_obs(v, i, v->obs + (size_t)i * v->obs_dim);
        vec_mask(v, i, v->action_mask);
        v->terminated[i] = v->truncated[i] = false;
        v->rewards[i] = 0.0f;
        v->ep_return[i] = 0.0;
        v->ep_length[i] = 0;
    }
}

/* Copy i has stepped (final_obs holds its observation before the step, ret_before its return):
 * drops a non-finite step, records a finished episode and resets the copy. */
static void vec_after_step(env_vec *v, int i, double ret_before)
{
    env_instance *e = &v->envs[i];
    float *obs = v->obs + (size_t)i * v->obs_dim;
    float *fin = v->final_obs + (size_t)i * v->obs_dim;
    vec_encode(v, i);
    bool finite = isfinite(v->rewards[i]) && all_finite(obs, v->obs_dim);
    if (!finite) vec_drop_step(v, i, ret_before);
    if (v->terminated[i] || v->truncated[i]) {
        if (finite) memcpy(fin, obs, (size_t)v->obs_dim * sizeof(float));
        v->ep_return[i] = e->ep_return;
        v->ep_length[i] = e->ep_length;
        vec_mask(v, i, v->final_mask);
        env_reset(e, -1, vec_env_obs(v, i));
        vec_encode(v, i);
        vec_fix_reset_obs(v, i, obs);
    } else {
        v->ep_return[i] = 0.0;
        v->ep_length[i] = 0;
    }
    vec_mask(v, i, v->action_mask);
}

static void vec_step_range(env_vec *v, const float *actions, int lo, int hi)
{
    for (int i = lo; i < hi; i++) {
        env_instance *e = &v->envs[i];
        float *obs = v->obs + (size_t)i * v->obs_dim;
        double ret_before = e->ep_return;
        /* the last finite observation, should this step be dropped */
        memcpy(v->final_obs + (size_t)i * v->obs_dim, obs, (size_t)v->obs_dim * sizeof(float));
        env_step(e, actions + (size_t)i * v->act_dim, vec_env_obs(v, i), &v->rewards[i], &v->terminated[i],
                 &v->truncated[i]);
        vec_after_step(v, i, ret_before);
    }
}

/* a callback environment: every copy in one call, then what env_step and vec_step_range do per
 * copy */
static void vec_step_batch(env_vec *v, const float *actions)
{
    const env_def *def = v->envs[0].def;
    memcpy(v->final_obs, v->obs, (size_t)v->n * v->obs_dim * sizeof(float));
    for (int i = 0; i < v->n; i++) {
        env_assert_action(def, actions + (size_t)i * v->act_dim);
        v->rewards[i] = 0.0f;
        v->terminated[i] = v->truncated[i] = false;
    }
    /* a Discrete observation (one float per copy) goes to raw_obs when one_hot encodes it */
    env_callback_step_batch(v->batch_states, v->n, actions, v->raw_obs ? v->raw_obs : v->obs, v->rewards,
                            v->terminated, v->truncated);
    for (int i = 0; i < v->n; i++) {
        double ret_before = v->envs[i].ep_return;
        env_step_account(&v->envs[i], v->rewards[i], &v->truncated[i]);
        vec_after_step(v, i, ret_before);
    }
}

static void pool_run_range(struct env_vec_pool *p, int k)
{
    int lo, hi;
    vec_range(p->v->n, k, p->n_workers + 1, &lo, &hi);
    if (p->is_reset) vec_reset_range(p->v, p->seed, lo, hi);
    else vec_step_range(p->v, p->actions, lo, hi);
}

/* Polls before blocking: an env step is often a microsecond, far below the cost of a condition
 * variable wake-up, so waiting threads first spin (yielding the CPU now and then). */
#define POOL_SPIN 2000

static void *pool_worker(void *arg)
{
    worker_arg *wa = arg;
    struct env_vec_pool *p = wa->pool;
    unsigned long seen = 0;
    for (;;) {
        for (int k = 0; k < POOL_SPIN && !atomic_load(&p->quit) &&
                        atomic_load(&p->generation) == seen; k++)
            if ((k & 63) == 63) sched_yield();
        if (atomic_load(&p->generation) == seen && !atomic_load(&p->quit)) {
            pthread_mutex_lock(&p->mu);
            while (!atomic_load(&p->quit) && atomic_load(&p->generation) == seen)
                pthread_cond_wait(&p->cv_start, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->quit)) break;
        seen = atomic_load(&p->generation);

        pool_run_range(p, wa->index);

        if (atomic_fetch_sub(&p->pending, 1) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->cv_done);
            pthread_mutex_unlock(&p->mu);
        }
    }
    free(wa);
    return NULL;
}

/* runs one job on every range; the caller takes range 0 */
static void pool_run(struct env_vec_pool *p, const float *actions, int is_reset, int64_t seed)
{
    pthread_mutex_lock(&p->mu);
    p->actions = actions;
    p->is_reset = is_reset;
    p->seed = seed;
    atomic_store(&p->pending, p->n_workers);
    atomic_fetch_add(&p->generation, 1);
    pthread_cond_broadcast(&p->cv_start);
    pthread_mutex_unlock(&p->mu);

    pool_run_range(p, 0);

    for (int k = 0; k < POOL_SPIN && atomic_load(&p->pending) > 0; k++)
        if ((k & 63) == 63) sched_yield();
    if (atomic_load(&p->pending) > 0) {
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->pending) > 0) pthread_cond_wait(&p->cv_done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

static void pool_free(struct env_vec_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->quit, 1);
    pthread_cond_broadcast(&p->cv_start);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n_workers; i++) pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_start);
    pthread_cond_destroy(&p->cv_done);
    free(p->threads);
    free(p);
}

static rl_status pool_make(struct env_vec_pool **out, env_vec *v, int n_workers, char *err,
                           size_t err_sz)
{
    *out = NULL;
    struct env_vec_pool *p = calloc(1, sizeof(*p));
    if (!p) return rl_errf(err, err_sz, RL_ERR_NOMEM, "env_vec: cannot allocate the thread pool");
    p->threads = calloc((size_t)n_workers, sizeof(pthread_t));
    if (!p->threads) {
        free(p);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "env_vec: cannot allocate the thread pool");
    }
    p->v = v;
    atomic_init(&p->generation, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->quit, 0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_start, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    for (int i = 0; i < n_workers; i++) {
        worker_arg *wa = malloc(sizeof(*wa));
        if (wa) {
            wa->pool = p;
            wa->index = i + 1;
        }
        int rc = wa ? pthread_create(&p->threads[i], NULL, pool_worker, wa) : -1;
        if (rc != 0) {
            free(wa);
            p->n_workers = i;   /* join the ones already started */
            pool_free(p);
            return rl_errf(err, err_sz, RL_ERR_NOMEM, "env_vec: cannot start worker thread %d", i + 1);
        }
        p->n_workers = i + 1;
    }
    *out = p;
    return RL_OK;
}

/* ---- the vector env ---------------------------------------------------------------------- */

/* the space of obs rows: the definition's, or its one-hot Box */
static void vec_obs_space(env_vec *v, const env_def *def, bool one_hot)
{
    v->obs_space = def->obs_space;
    v->obs_dim = env_space_dim(&def->obs_space);
    if (!one_hot || def->obs_space.kind != ENV_SPACE_DISCRETE) return;
    v->obs_dim = def->obs_space.n;
    v->one_hot_bounds = rl_xcalloc(2 * (size_t)v->obs_dim, sizeof(float));
    env_one_hot_space(v->obs_dim, v->one_hot_bounds, v->one_hot_bounds + v->obs_dim, &v->obs_space);
    v->raw_obs = rl_xcalloc((size_t)v->n, sizeof(float));
}

rl_status env_vec_make_def(env_vec *v, const env_def *def, int n, const env_vec_opts *opts,
                           char *err, size_t err_sz)
{
    memset(v, 0, sizeof(*v));
    const env_vec_opts none = {0};
    if (!opts) opts = &none;
    if (n < 1) return rl_errf(err, err_sz, RL_ERR_ARG, "env_vec: number of copies must be >= 1, got %d", n);
    v->n = n;
    vec_obs_space(v, def, opts->one_hot);
    if (opts->mask_velocity) {
        v->vel_mask = rl_xcalloc((size_t)v->obs_dim, 1);
        rl_status st = env_velocity_mask(def->id, v->obs_dim, v->vel_mask, err, err_sz);
        if (st != RL_OK) {
            env_vec_free(v);
            return st;
        }
    }
    v->act_dim = env_space_dim(&def->act_space);
    v->n_threads = 1;
    v->envs = rl_xcalloc((size_t)n, sizeof(env_instance));
    for (int i = 0; i < n; i++) {
        rl_status st = env_make_def(&v->envs[i], def, opts->max_steps_override, err, err_sz);
        if (st != RL_OK) {
            env_vec_free(v);
            return st;
        }
        env_seed(&v->envs[i], (uint64_t)i);
    }
    if (env_callback_owns(def)) {
        v->batch_states = rl_xcalloc((size_t)n, sizeof(void *));
        for (int i = 0; i < n; i++) v->batch_states[i] = v->envs[i].state;
    }
    v->obs = rl_xcalloc((size_t)n * v->obs_dim, sizeof(float));
    v->final_obs = rl_xcalloc((size_t)n * v->obs_dim, sizeof(float));
    v->rewards = rl_xcalloc((size_t)n, sizeof(float));
    v->terminated = rl_xcalloc((size_t)n, sizeof(bool));
    v->truncated = rl_xcalloc((size_t)n, sizeof(bool));
    v->ep_return = rl_xcalloc((size_t)n, sizeof(double));
    v->ep_length = rl_xcalloc((size_t)n, sizeof(int));
    v->nonfinite = rl_xcalloc((size_t)n, sizeof(uint64_t));
    if (def->act_space.kind == ENV_SPACE_DISCRETE) v->n_actions = def->act_space.n;
    if (def->action_mask && v->n_actions > 0) {
        /* all valid until the first reset writes the copies' masks */
        v->action_mask = rl_xcalloc((size_t)n * v->n_actions, 1);
        v->final_mask = rl_xcalloc((size_t)n * v->n_actions, 1);
        memset(v->action_mask, 1, (size_t)n * v->n_actions);
        memset(v->final_mask, 1, (size_t)n * v->n_actions);
    }
    return RL_OK;
}

rl_status env_vec_make(env_vec *v, const char *id, int n, int max_steps_override, char *err,
                       size_t err_sz)
{
    memset(v, 0, sizeof(*v));
    const env_def *def = env_find(id);
    if (!def) {
        char hint[200];
        env_did_you_mean(hint, sizeof hint, id);
        return rl_errf(err, err_sz, RL_ERR_NOT_FOUND,
                       "unknown environment id '%s'%s (`rlc envs` lists the registered ids)",
                       id ? id : "(null)", hint);
    }
    const env_vec_opts opts = {.max_steps_override = max_steps_override, .one_hot = false};
    return env_vec_make_def(v, def, n, &opts, err, err_sz);
}

/* whether v's copies are a callback environment's, stepped directly or inside the image wrappers
 * (env.frame_stack; then one crossing per copy) */
static bool vec_is_callback(const env_vec *v)
{
    return v->n >= 1 && env_callback_owns(env_unwrap(&v->envs[0])->def);
}

rl_status env_vec_set_threads(env_vec *v, int n_threads, char *err, size_t err_sz)
{
    if (n_threads < 1)
        return rl_errf(err, err_sz, RL_ERR_ARG, "env_vec: n_threads must be >= 1, got %d", n_threads);
    if (n_threads > v->n) n_threads = v->n;   /* never more ranges than copies */
    if (vec_is_callback(v)) n_threads = 1;   /* one call steps every copy of a callback env (or each
                                                copy in turn, wrapped), on the thread of its runtime */
    pool_free(v->pool);
    v->pool = NULL;
    v->n_threads = 1;
    if (n_threads > 1) {
        rl_status st = pool_make(&v->pool, v, n_threads - 1, err, err_sz);
        if (st != RL_OK) return st;
    }
    v->n_threads = n_threads;
    return RL_OK;
}

void env_vec_reset(env_vec *v, int64_t seed)
{
    if (v->pool) pool_run(v->pool, NULL, 1, seed);
    else vec_reset_range(v, seed, 0, v->n);
}

void env_vec_step(env_vec *v, const float *actions)
{
    if (v->batch_states) vec_step_batch(v, actions);
    else if (v->pool) pool_run(v->pool, actions, 0, 0);
    else vec_step_range(v, actions, 0, v->n);
}

rl_status env_vec_error(const env_vec *v, char *err, size_t err_sz)
{
    if (!vec_is_callback(v)) return RL_OK;   /* only callback environments fail */
    for (int i = 0; i < v->n; i++) {
        rl_status st = env_callback_state_error(env_unwrap(&v->envs[i])->state, err, err_sz);
        if (st != RL_OK) return st;
    }
    return RL_OK;
}

uint64_t env_vec_nonfinite(const env_vec *v)
{
    uint64_t n = 0;
    for (int i = 0; i < v->n; i++) n += v->nonfinite[i];
    return n;
}

void env_vec_free(env_vec *v)
{
    if (!v) return;
    pool_free(v->pool);
    if (v->envs)
        for (int i = 0; i < v->n; i++) env_close(&v->envs[i]);
    free(v->envs);
    free(v->raw_obs);
    free(v->one_hot_bounds);
    free(v->vel_mask);
    free(v->obs);
    free(v->final_obs);
    free(v->rewards);
    free(v->terminated);
    free(v->truncated);
    free(v->ep_return);
    free(v->ep_length);
    free(v->nonfinite);
    free(v->batch_states);
    free(v->action_mask);
    free(v->final_mask);
    memset(v, 0, sizeof(*v));
}
