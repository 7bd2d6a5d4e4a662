/* rlc core: a second thread for work that splits into two halves.
 *
 * A job is a function of an index k = 0, 1 that writes only k's data and reads nothing the other
 * half writes in the same call. rl_twin_run runs k = 1 on the worker while the caller runs
 * k = 0, and returns when both are done; without a started worker it runs k = 0 then k = 1 on the
 * caller. Either way every float gets the same operations in the same order, so an agent that
 * splits its update into such jobs gives the same run on one thread and on two.
 *
 * Between jobs the worker spins (yielding every 64 polls) for about a millisecond before it
 * sleeps: SAC's environment step between two updates and an update's serial parts are shorter
 * than that, and a condition-variable wake-up costs more than the spin on this project's VM. */
#ifndef RLC_CORE_TWIN_H
#define RLC_CORE_TWIN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "core/status.h"

typedef void (*rl_twin_job)(void *ctx, int k);

typedef struct {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_int gen, done, quit;
    rl_twin_job job;                  /* written before gen is raised */
    void *ctx;
    void (*thread_init)(void);        /* run once on the worker (e.g. its floating-point mode) */
    int started;
} rl_twin;

/* Starts the worker; thread_init may be NULL. On failure nothing is left running. */
rl_status rl_twin_start(rl_twin *w, void (*thread_init)(void), char *err, size_t err_sz);
/* job(ctx, 0) and job(ctx, 1), on two threads once started, else one after the other */
void rl_twin_run(rl_twin *w, rl_twin_job job, void *ctx);
/* Stops and joins the worker; safe on a zeroed or never-started rl_twin. */
void rl_twin_stop(rl_twin *w);

#endif
