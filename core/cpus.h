/* rlc core: how many CPUs this process may use, for the `auto` thread counts of a config
 * (env.threads, ppo.threads, sac.threads, td3.threads, ddpg.threads; docs/configs.md).
 *
 * rl_cpus_usable is, in this order:
 *   - RLC_CPUS when it is set: the share a parent gave this process (rlc ablate and rlc tune set
 *     it in each worker to max(1, the parent's usable CPUs / --jobs); a user may set it too);
 *   - else the CPUs of the process's affinity mask (sched_getaffinity: taskset, cgroups' cpusets),
 *     divided by the ranks of an MPI job on this node (OMPI_COMM_WORLD_LOCAL_SIZE of Open MPI,
 *     MPI_LOCALNRANKS of MPICH), at least 1. */
#ifndef RLC_CORE_CPUS_H
#define RLC_CORE_CPUS_H

#include <stddef.h>

#include "core/status.h"

#define RL_CPUS_ENV "RLC_CPUS"

/* *out = the usable CPUs (>= 1); RL_ERR_ARG naming RLC_CPUS when it is not a whole number >= 1 */
rl_status rl_cpus_usable(int *out, char *err, size_t err_sz);
/* the affinity mask's CPUs over the node's MPI ranks, ignoring RLC_CPUS (what a parent divides) */
int rl_cpus_of_process(void);

#endif
