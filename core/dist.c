/* rlc core: the communication layer (core/dist.h): Open MPI when compiled with RLC_HAVE_MPI,
 * otherwise one rank. */
#include "core/dist.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef RLC_HAVE_MPI
#include <mpi.h>
#endif
#ifdef __linux__
#include <sys/prctl.h>
#endif

static struct {
    int rank, size;
    bool joined;    /* MPI_Init was called */
} world = {0, 1, false};

bool rl_dist_compiled(void)
{
#ifdef RLC_HAVE_MPI
    return true;
#else
    return false;
#endif
}

int rl_dist_requested(void)
{
    const char *child = getenv(RL_DIST_CHILD_ENV);
    if (child && child[0]) return 0;
    /* Open MPI's mpirun, MPICH/Intel (PMI), Slurm's srun (its own step size) */
    const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && atoi(v) >= 1) return atoi(v);
    }
    /* PMIx (srun --mpi=pmix) names the rank but not the size: at least one */
    const char *pmix = getenv("PMIX_RANK");
    return pmix && pmix[0] ? 1 : 0;
}

rl_status rl_dist_init(int *argc, char ***argv, char *err, size_t err_sz)
{
    int want = rl_dist_requested();
#ifdef __linux__
    /* a worker of an MPI job checkpoints and stops when its rank dies (a killed job) */
    const char *child = getenv(RL_DIST_CHILD_ENV);
    if (child && child[0]) prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
#ifdef RLC_HAVE_MPI
    (void)err;
    (void)err_sz;
    if (want < 1) return RL_OK;
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world.size);
    world.joined = true;
    return RL_OK;
#else
    (void)argc;
    (void)argv;
    if (want > 1)
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED,
                       "started as %d ranks, but this rlc was built without MPI (install libopenmpi-dev and "
                       "rebuild with -DRLC_MPI=ON); run it as one process", want);
    return RL_OK;
#endif
}

void rl_dist_finalize(void)
{
#ifdef RLC_HAVE_MPI
    if (world.joined) MPI_Finalize();
#endif
    world.joined = false;
}

_Noreturn void rl_dist_abort(int code)
{
    fflush(stdout);
    fflush(stderr);
#ifdef RLC_HAVE_MPI
    if (world.joined) MPI_Abort(MPI_COMM_WORLD, code);
#endif
    exit(code);
}

int rl_dist_rank(void) { return world.rank; }
int rl_dist_size(void) { return world.size; }

uint64_t rl_dist_hash(uint64_t h, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

rl_status rl_dist_agree(rl_status st, char *err, size_t err_sz)
{
    if (world.size == 1) return st;
    /* who speaks: rank 0 when it failed (it ranks above every other), else the highest failing */
    int64_t mine = st == RL_OK ? -1 : world.rank == 0 ? world.size : world.rank;
    int64_t top = rl_dist_max_i64(mine);
    if (top < 0) return RL_OK;
    int root = top == world.size ? 0 : (int)top;
    int32_t code = (int32_t)st;
    char msg[1536] = "";
    if (world.rank == root && root) snprintf(msg, sizeof msg, "rank %d: %.1500s", root, err_sz ? err : "");
    else if (world.rank == root) snprintf(msg, sizeof msg, "%.1500s", err_sz ? err : "");
    rl_dist_bcast(&code, sizeof code, root);
    rl_dist_bcast(msg, sizeof msg, root);
    if (err_sz) snprintf(err, err_sz, "%s", msg);
    return (rl_status)code;
}

#ifdef RLC_HAVE_MPI

/* the largest count one MPI call takes */
#define CHUNK ((size_t)1 << 30)

void rl_dist_mean_f32(float *x, size_t n)
{
    if (world.size == 1) return;
    for (size_t at = 0; at < n; at += CHUNK) {
        int k = (int)(n - at < CHUNK ? n - at : CHUNK);
        MPI_Allreduce(MPI_IN_PLACE, x + at, k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
    const float inv = 1.0f / (float)world.size;
    for (size_t i = 0; i < n; i++) x[i] *= inv;
}

void rl_dist_sum_f64(double *x, size_t n)
{
    if (world.size == 1) return;
    RL_ASSERT(n <= CHUNK);
    MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

int64_t rl_dist_max_i64(int64_t x)
{
    if (world.size == 1) return x;
    int64_t out;
    MPI_Allreduce(&x, &out, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

void rl_dist_bcast(void *buf, size_t bytes, int root)
{
    if (world.size == 1) return;
    for (size_t at = 0; at < bytes; at += CHUNK) {
        int k = (int)(bytes - at < CHUNK ? bytes - at : CHUNK);
        MPI_Bcast((char *)buf + at, k, MPI_BYTE, root, MPI_COMM_WORLD);
    }
}

void rl_dist_allgather_f64(const double *in, size_t n, double *out)
{
    if (world.size == 1) {
        memcpy(out, in, n * sizeof(double));
        return;
    }
    RL_ASSERT(n <= CHUNK);
    MPI_Allgather(in, (int)n, MPI_DOUBLE, out, (int)n, MPI_DOUBLE, MPI_COMM_WORLD);
}

bool rl_dist_same_u64(uint64_t h)
{
    if (world.size == 1) return true;
    uint64_t lo, hi;
    MPI_Allreduce(&h, &lo, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&h, &hi, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return lo == hi;
}

void rl_dist_barrier(void)
{
    if (world.size > 1) MPI_Barrier(MPI_COMM_WORLD);
}

void rl_dist_send(int dest, int tag, const void *buf, size_t bytes)
{
    RL_ASSERT(world.joined && bytes <= (size_t)INT_MAX);
    MPI_Send(buf, (int)bytes, MPI_BYTE, dest, tag, MPI_COMM_WORLD);
}

bool rl_dist_poll(int *src, int *tag, size_t *bytes)
{
    RL_ASSERT(world.joined);
    int flag = 0, count = 0;
    MPI_Status s;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &s);
    if (!flag) return false;
    MPI_Get_count(&s, MPI_BYTE, &count);
    *src = s.MPI_SOURCE;
    *tag = s.MPI_TAG;
    *bytes = (size_t)count;
    return true;
}

void rl_dist_recv(int src, int tag, void *buf, size_t bytes)
{
    RL_ASSERT(world.joined && bytes <= (size_t)INT_MAX);
    MPI_Recv(buf, (int)bytes, MPI_BYTE, src, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

#else /* one rank: nothing to exchange */

void rl_dist_mean_f32(float *x, size_t n) { (void)x, (void)n; }
void rl_dist_sum_f64(double *x, size_t n) { (void)x, (void)n; }
int64_t rl_dist_max_i64(int64_t x) { return x; }
void rl_dist_bcast(void *buf, size_t bytes, int root) { (void)buf, (void)bytes, (void)root; }
void rl_dist_allgather_f64(const double *in, size_t n, double *out) { memcpy(out, in, n * sizeof(double)); }
bool rl_dist_same_u64(uint64_t h) { return (void)h, true; }
void rl_dist_barrier(void) {}

void rl_dist_send(int dest, int tag, const void *buf, size_t bytes)
{
    (void)dest, (void)tag, (void)buf, (void)bytes;
    RL_ASSERT_MSG(0, "rl_dist_send without MPI");
}

bool rl_dist_poll(int *src, int *tag, size_t *bytes)
{
    (void)src, (void)tag, (void)bytes;
    return false;
}

void rl_dist_recv(int src, int tag, void *buf, size_t bytes)
{
    (void)src, (void)tag, (void)buf, (void)bytes;
    RL_ASSERT_MSG(0, "rl_dist_recv without MPI");
}

#endif
