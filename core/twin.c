/* rlc core: the two-thread job runner (core/twin.h). */
#include "core/twin.h"

#include <sched.h>

static void *twin_main(void *arg)
{
    rl_twin *w = arg;
    int seen = 0;
    if (w->thread_init) w->thread_init();
    for (;;) {
        /* spin through the caller's serial parts, then sleep */
        for (int k = 0; k < 65536 && atomic_load(&w->gen) == seen && !atomic_load(&w->quit); k++)
            if ((k & 63) == 63) sched_yield();
        if (atomic_load(&w->gen) == seen && !atomic_load(&w->quit)) {
            pthread_mutex_lock(&w->mu);
            while (atomic_load(&w->gen) == seen && !atomic_load(&w->quit)) pthread_cond_wait(&w->cv, &w->mu);
            pthread_mutex_unlock(&w->mu);
        }
        if (atomic_load(&w->quit)) break;
        seen = atomic_load(&w->gen);
        w->job(w->ctx, 1);
        atomic_store(&w->done, seen);
    }
    return NULL;
}

rl_status rl_twin_start(rl_twin *w, void (*thread_init)(void), char *err, size_t err_sz)
{
    w->thread_init = thread_init;
    atomic_init(&w->gen, 0);
    atomic_init(&w->done, 0);
    atomic_init(&w->quit, 0);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->th, NULL, twin_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "cannot start the second update thread");
    }
    w->started = 1;
    return RL_OK;
}

void rl_twin_run(rl_twin *w, rl_twin_job job, void *ctx)
{
    if (!w->started) {
        job(ctx, 0);
        job(ctx, 1);
        return;
    }
    pthread_mutex_lock(&w->mu);
    w->job = job;
    w->ctx = ctx;
    int g = atomic_load(&w->gen) + 1;
    atomic_store(&w->gen, g);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    job(ctx, 0);
    /* spin: the two halves take about the same time; yield the core when it is shared */
    for (int k = 0; atomic_load(&w->done) != g; k++)
        if (k >= 2000) sched_yield();
}

void rl_twin_stop(rl_twin *w)
{
    if (!w->started) return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->quit, 1);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    w->started = 0;
}
