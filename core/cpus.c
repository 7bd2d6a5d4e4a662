/* rlc core: the CPUs a process may use (core/cpus.h). */
#define _GNU_SOURCE
#include "core/cpus.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

/* the value of an environment variable holding a whole number >= 1, or 0 when unset or malformed */
static long env_count(const char *name)
{
    const char *s = getenv(name);
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return *end || errno || v < 1 || v > INT_MAX ? 0 : v;
}

static int affinity_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < INT_MAX ? (int)n : 1;
}

int rl_cpus_of_process(void)
{
    long ranks = env_count("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (!ranks) ranks = env_count("MPI_LOCALNRANKS");
    int n = affinity_cpus();
    if (ranks > 1) n = (int)(n / ranks);
    return n < 1 ? 1 : n;
}

rl_status rl_cpus_usable(int *out, char *err, size_t err_sz)
{
    const char *s = getenv(RL_CPUS_ENV);
    if (s && *s) {
        long v = env_count(RL_CPUS_ENV);
        if (!v)
            return rl_errf(err, err_sz, RL_ERR_ARG, "environment variable %s: expected a whole number >= 1 (the CPUs "
                           "this process may use), got '%.60s'", RL_CPUS_ENV, s);
        *out = (int)v;
        return RL_OK;
    }
    *out = rl_cpus_of_process();
    return RL_OK;
}
