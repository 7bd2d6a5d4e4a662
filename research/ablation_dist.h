/* rlc research: an ablation grid run over MPI ranks (`mpirun -np N rlc ablate X.yaml`,
 * docs/distributed.md).
 *
 * Rank 0 keeps the queue of the grid's runs and hands one out whenever a rank has a free worker
 * slot (a work queue over MPI messages, so long and short runs balance); every rank, rank 0
 * included, runs up to `jobs` runs at a time as `rlc train` worker processes, exactly as
 * ablation_execute does on one machine, and rank 0 alone prints the progress of the whole grid.
 * Finished runs (a DONE file) are skipped and interrupted ones resumed from their checkpoint; a
 * failed run is reported with its log and does not stop the others.
 *
 * Run directories are under runs_root on a filesystem every rank shares. With gather, the other
 * ranks run in a scratch directory of their own and send a run's files to rank 0 over MPI when
 * it ends (finished, failed or interrupted), and rank 0 sends a run's partial files (its
 * checkpoint) to the rank that resumes it: nothing needs to be shared but the config files. */
#ifndef RLC_AGENTS_ABLATION_DIST_H
#define RLC_AGENTS_ABLATION_DIST_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "research/ablation.h"

/* Collective over every rank. out: rank 0's progress (the other ranks print nothing). The
 * summary is the grid's (filled on rank 0). */
rl_status ablation_execute_dist(const ablation *a, const char *runs_root, int jobs,
                                const char *rlc_binary, bool gather, FILE *out,
                                ablation_summary *summary, char *err, size_t err_sz);

/* Starts one `rlc train` worker for run r (resuming when resume) with its output in
 * r->run_dir/train.log and RLC_CPUS = ablation_worker_cpus(jobs); its pid, or -1 with a message
 * in err (research/ablation.c). */
pid_t ablation_spawn(const char *rlc_binary, const ablation *a, const ablation_run *r, bool resume, int jobs,
                     char *err, size_t err_sz);
/* The last step a run in run_dir has logged in its timing.csv (0 if none) (research/ablation.c). */
int64_t ablation_run_progress(const char *run_dir);

#endif
