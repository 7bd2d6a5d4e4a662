/* rlc core: the communication layer for running one job on several processes (MPI ranks).
 *
 * rlc has no networking of its own: with RLC_MPI at build time these functions wrap Open MPI
 * (MPI_COMM_WORLD); without it, or when the program was not started by an MPI launcher
 * (mpirun, srun), there is one rank (rank 0 of 1) and every collective returns at once without
 * touching its buffers. Every function below that is marked "collective" must be called by every
 * rank, in the same order, with the same sizes; everything else in rlc only runs the collectives
 * when rl_dist_size() > 1, so a single process behaves exactly as a build without MPI.
 *
 * The state is the process's one MPI world (a module-level value, as MPI's own). */
#ifndef RLC_CORE_DIST_H
#define RLC_CORE_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* Set in the environment of processes rlc starts itself (ablation workers): they run as single
 * processes even though they inherit the launcher's variables. */
#define RL_DIST_CHILD_ENV "RLC_MPI_CHILD"

/* True when this build has MPI. */
bool rl_dist_compiled(void);
/* The number of processes the launcher started, read from its environment (Open MPI, PMI, PMIx,
 * Slurm's srun); 0 when not started by a launcher or when RL_DIST_CHILD_ENV is set. */
int rl_dist_requested(void);
/* Joins the MPI world when a launcher started more than zero ranks of us (MPI_Init). Without
 * MPI compiled in and more than one rank requested: RL_ERR_UNSUPPORTED with a message saying so.
 * Call once, first thing in main. */
rl_status rl_dist_init(int *argc, char ***argv, char *err, size_t err_sz);
/* Leaves the MPI world (MPI_Finalize) if it was joined; safe to call always. */
void rl_dist_finalize(void);
/* Ends every rank of the job with code (MPI_Abort); a plain exit without MPI. */
_Noreturn void rl_dist_abort(int code);

int rl_dist_rank(void);
int rl_dist_size(void);

/* ---- collectives (no-ops with one rank) --------------------------------------------------- */

/* x (n) = the element-wise mean of every rank's x (one MPI_Allreduce of the sum, then * 1/size).
 * Every rank gets the same bits. */
void rl_dist_mean_f32(float *x, size_t n);
/* x (n) = the element-wise sum over ranks, in double. */
void rl_dist_sum_f64(double *x, size_t n);
/* The largest of every rank's x. */
int64_t rl_dist_max_i64(int64_t x);
/* buf (bytes) = root's buf. */
void rl_dist_bcast(void *buf, size_t bytes, int root);
/* out (size * n) = every rank's in (n), in rank order. */
void rl_dist_allgather_f64(const double *in, size_t n, double *out);
/* True on every rank when h is the same on every rank. */
bool rl_dist_same_u64(uint64_t h);
void rl_dist_barrier(void);
/* One status for every rank (collective): RL_OK when every rank's st is RL_OK; otherwise rank 0's
 * failure, or, when rank 0 is fine, the highest failing rank's, with its message in err on every
 * rank (prefixed "rank <r>: " when it is not rank 0's). Lets a job whose ranks check things on
 * their own stop on every rank together instead of leaving some waiting in a collective. */
rl_status rl_dist_agree(rl_status st, char *err, size_t err_sz);

/* 64-bit FNV-1a of bytes, continuing from h (start with RL_DIST_HASH0). */
#define RL_DIST_HASH0 0xcbf29ce484222325ull
uint64_t rl_dist_hash(uint64_t h, const void *bytes, size_t n);

/* ---- messages between two ranks (the ablation work queue) --------------------------------- */

/* Blocking send of bytes to rank dest with a tag (>= 0). */
void rl_dist_send(int dest, int tag, const void *buf, size_t bytes);
/* Whether a message is waiting (from any rank, any tag); fills its source, tag and size. */
bool rl_dist_poll(int *src, int *tag, size_t *bytes);
/* Receives the message from src with tag into buf (bytes = the size rl_dist_poll reported). */
void rl_dist_recv(int src, int tag, void *buf, size_t bytes);

#endif
