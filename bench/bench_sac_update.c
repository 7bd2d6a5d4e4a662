/* rlc bench: the throughput of SAC's update against the GEMM-only bound of the same update.
 *
 * Usage: bench_sac_update [CONFIG] [--updates N] [--rounds R] [--threads LIST] [--buffer N] [--no-bound]
 *                         [--dispatch-only] [--calls]
 *   CONFIG defaults to configs/sac_halfcheetah.yaml (256-256 ReLU, batch 256); the spaces are
 *   HalfCheetah-v5's (observation 17, action 6 in [-1, 1]) unless the config's env says otherwise
 *   through --obs D --act A. LIST is a comma-separated list of sac.threads values (default 1,2).
 *
 * First records the GEMM calls of one update on one thread (shapes and order; the bench links
 * with --wrap=nn_sgemm, the one GEMM of the dense layers). Then creates one agent per thread count
 * and fills its replay buffer with random transitions, and runs R rounds; in each, for each GEMM
 * path: N updates of every agent, the recorded calls N times alone on one core (over buffers of
 * the same sizes), and, when 2 threads are measured, N times on each of two cores at once (each
 * core its own copy, nothing shared, no synchronisation). Every figure printed comes from the
 * same interleaved rounds: updates/s, the GFLOP/s they achieve (2 M N K summed over the recorded
 * calls), the GEMM-only bounds of one core and of two cores together (below twice one core's when
 * the cores share the machine's resources), the achieved fraction of each, the speed-up of the
 * last thread count over OpenBLAS only on one thread and the speed-up the GEMM-only bound allows.
 * The GEMM paths: "dispatch", the choice nn/gemm.c makes on this CPU when nothing is set (exactly
 * what `rlc train` runs: on a CPU without AVX-512, OpenBLAS's sgemm plus the matrix-vector path),
 * "dispatch + table" when this machine has an `rlc calibrate` table in its cache (which a new
 * `rlc train` takes; RLC_GEMM=rule or blas as for training), then alternatives, labelled "(alt.)",
 * which training does not run here: "fixed rule" (the dispatch without the table, when there is
 * one), "OpenBLAS sgemm only"
 * (every shape through cblas_sgemm, as RLC_GEMM=blas runs) when that differs from the dispatch,
 * and "+ LIBXSMM small" (LIBXSMM on the small shapes as well) when the dispatch does not take
 * LIBXSMM on this CPU. The first line names the CPU model, its AVX2/AVX-512 support and OpenBLAS's
 * kernel, the second the dispatch's libraries.
 * --no-bound times the updates only, --dispatch-only the dispatch only (for timing the whole process
 * from outside).
 * One BLAS thread. Figures only: nothing is asserted. */
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stdbool.h>

#include "agents/agent.h"
#include "core/rng.h"
#include "nn/gemm_table.h"
#include "train/trainer_gemm.h"
#include "machine.h"

#undef I

#define MAX_CALLS 256

typedef struct {
    bool ta, tb;
    int M, N, K, lda, ldb, ldc;
    float beta;
} gemm_call;

static gemm_call g_calls[MAX_CALLS];
static int g_n_calls, g_recording;

void __real_nn_sgemm(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                     float beta, float *C, int ldc);
void __wrap_nn_sgemm(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                     float beta, float *C, int ldc);

/* every GEMM of the library comes here; while recording (one update on one thread) it notes the call */
void __wrap_nn_sgemm(bool ta, bool tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                     float beta, float *C, int ldc)
{
    if (g_recording && g_n_calls < MAX_CALLS) g_calls[g_n_calls++] = (gemm_call){ta, tb, M, N, K, lda, ldb, ldc, beta};
    __real_nn_sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the recorded calls alone -------------------------------------------------------------- */

typedef struct {
    float *a[MAX_CALLS], *b[MAX_CALLS], *c[MAX_CALLS];
    double flops;
} gemm_replay;

static size_t rows_of(bool t, int rows, int cols) { return (size_t)(t ? cols : rows); }

/* one buffer per operand per call (as the update's distinct layers have), filled with small values */
static void replay_init(gemm_replay *r, rl_rng *rng)
{
    r->flops = 0.0;
    for (int i = 0; i < g_n_calls; i++) {
        const gemm_call *g = &g_calls[i];
        size_t na = rows_of(g->ta, g->M, g->K) * (size_t)g->lda, nb = rows_of(g->tb, g->K, g->N) * (size_t)g->ldb;
        size_t nc = (size_t)g->M * (size_t)g->ldc;
        r->a[i] = malloc(na * sizeof(float));
        r->b[i] = malloc(nb * sizeof(float));
        r->c[i] = calloc(nc, sizeof(float));
        if (!r->a[i] || !r->b[i] || !r->c[i]) {
            fprintf(stderr, "bench_sac_update: out of memory\n");
            exit(1);
        }
        for (size_t k = 0; k < na; k++) r->a[i][k] = (float)rl_rng_uniform(rng, -0.1, 0.1);
        for (size_t k = 0; k < nb; k++) r->b[i][k] = (float)rl_rng_uniform(rng, -0.1, 0.1);
        r->flops += 2.0 * g->M * g->N * g->K;
    }
}

static void replay_run(const gemm_replay *r)
{
    for (int i = 0; i < g_n_calls; i++) {
        const gemm_call *g = &g_calls[i];
        __real_nn_sgemm(g->ta, g->tb, g->M, g->N, g->K, r->a[i], g->lda, r->b[i], g->ldb, g->beta, r->c[i], g->ldc);
    }
}

/* the GEMM paths timed: path 0 the dispatch nn/gemm.c chose at start with the table training would
 * take (what `rlc train` runs), then the alternatives that differ from it */
typedef struct {
    const char *name;
    bool small, wide, vec;
    const nn_gemm_table *table;   /* the measured table in use, or NULL */
} gemm_path;

static gemm_path g_paths[4];
static int g_n_paths, g_blas_path;   /* g_blas_path: the path that is OpenBLAS's sgemm only */
static nn_gemm_table g_table;

/* this machine's `rlc calibrate` table, as a new `rlc train` takes it (NULL when there is none) */
static const nn_gemm_table *training_table(void)
{
    char note[2048], err[1400];
    if (trainer_gemm_table_pick("", false, &g_table, note, sizeof note, err, sizeof err) != RL_OK) {
        fprintf(stderr, "bench_sac_update: %s\n", err);
        exit(1);
    }
    if (note[0]) fprintf(stderr, "bench_sac_update: warning: %s\n", note);
    return nn_gemm_table_in_use();
}

static void paths_init(void)
{
    /* nothing set yet: the default */
    bool small = nn_gemm_small_enabled(), wide = nn_gemm_wide_enabled(), vec = nn_gemm_vec_enabled();
    const nn_gemm_table *t = training_table();
    g_paths[0] = (gemm_path){t ? "dispatch + table" : small || vec ? "dispatch" : "dispatch (= OpenBLAS only)", small,
                             wide, vec, t};
    g_n_paths = 1;
    g_blas_path = 0;
    if (t) g_paths[g_n_paths++] = (gemm_path){"fixed rule (alt.)", small, wide, vec, NULL};
    if (small || vec || t) {
        g_blas_path = g_n_paths;
        g_paths[g_n_paths++] = (gemm_path){"OpenBLAS sgemm only (alt.)", false, false, false, NULL};
    }
    if (!small && nn_gemm_small_available())
        g_paths[g_n_paths++] = (gemm_path){"+ LIBXSMM small (alt.)", true, false, vec, NULL};
}

static void path_set(int p)
{
    nn_gemm_set_small(g_paths[p].small);
    nn_gemm_set_wide(g_paths[p].wide);
    nn_gemm_set_vec(g_paths[p].vec);
    nn_gemm_table_use(g_paths[p].table);
}

/* --calls: each recorded call alone, OpenBLAS only against the other path timed (the dispatch,
 * or on a CPU where that is OpenBLAS, the LIBXSMM alternative), microseconds */
static void per_call(const gemm_replay *r)
{
    if (g_n_paths < 2) return;
    int other = g_blas_path == 0 ? 1 : 0;
    printf("call  ta tb     M     N     K beta | OpenBLAS us | %s us | ratio\n", g_paths[other].name);
    for (int i = 0; i < g_n_calls; i++) {
        const gemm_call *g = &g_calls[i];
        double best[2] = {1e30, 1e30};
        int reps = (int)(2e8 / (2.0 * g->M * g->N * g->K + 1.0)) + 1;
        for (int round = 0; round < 6; round++) {
            path_set(round % 2 == 1 ? other : g_blas_path);
            double t0 = now();
            for (int k = 0; k < reps; k++)
                __real_nn_sgemm(g->ta, g->tb, g->M, g->N, g->K, r->a[i], g->lda, r->b[i], g->ldb, g->beta, r->c[i],
                                g->ldc);
            double t = (now() - t0) / reps * 1e6;
            if (t < best[round % 2]) best[round % 2] = t;
        }
        printf("%4d  %2d %2d %5d %5d %5d %4g | %11.2f | %11.2f | %5.2f\n", i, g->ta, g->tb, g->M, g->N, g->K,
               g->beta, best[0], best[1], best[0] / best[1]);
    }
    path_set(0);
}

/* the recorded calls n times on a second thread while this one runs them n times on its own copy */
typedef struct {
    const gemm_replay *r;
    int n;
} replay_job;

static void *replay_many(void *arg)
{
    const replay_job *j = arg;
    for (int i = 0; i < j->n; i++) replay_run(j->r);
    return NULL;
}

static double replay_two_cores(const gemm_replay *r0, const gemm_replay *r1, int n)
{
    pthread_t th;
    replay_job j0 = {r0, n}, j1 = {r1, n};
    double t0 = now();
    if (pthread_create(&th, NULL, replay_many, &j1) != 0) {
        fprintf(stderr, "bench_sac_update: cannot start a thread\n");
        exit(1);
    }
    replay_many(&j0);
    pthread_join(th, NULL);
    return now() - t0;
}

static void replay_free(gemm_replay *r)
{
    for (int i = 0; i < g_n_calls; i++) {
        free(r->a[i]);
        free(r->b[i]);
        free(r->c[i]);
    }
}

/* ---- the agent ----------------------------------------------------------------------------- */

typedef struct {
    const char *config;
    int updates, rounds, buffer, obs_dim, act_dim;
    int threads[4], n_threads;
    bool bound, calls, dispatch_only;
} bench_opts;

/* random transitions through act (uniform actions before learning_starts) and observe */
static void fill_buffer(void *agent, int obs_dim, int act_dim, int64_t n, rl_rng *rng)
{
    float *obs = malloc((size_t)obs_dim * sizeof(float)), *next = malloc((size_t)obs_dim * sizeof(float));
    float *act = malloc((size_t)act_dim * sizeof(float)), rew = 0.0f;
    bool term = false, trunc = false;
    env_vec v = {.n = 1, .obs_dim = obs_dim, .act_dim = act_dim, .obs = next, .final_obs = next, .rewards = &rew,
                 .terminated = &term, .truncated = &trunc};
    for (int d = 0; d < obs_dim; d++) obs[d] = (float)rl_rng_normal(rng);
    for (int64_t s = 0; s < n; s++) {
        agent_find("sac")->act(agent, obs, 1, act, true);
        for (int d = 0; d < obs_dim; d++) next[d] = (float)rl_rng_normal(rng);
        rew = (float)rl_rng_uniform(rng, -1.0, 1.0);
        term = rl_rng_uniform(rng, 0.0, 1.0) < 0.001;
        trunc = !term && (s + 1) % 1000 == 0;
        agent_find("sac")->observe(agent, &v);
        memcpy(obs, next, (size_t)obs_dim * sizeof(float));
    }
    free(obs);
    free(next);
    free(act);
}

static void *make_agent(const bench_opts *o, int threads, int64_t *learning_starts)
{
    char set_threads[64], set_buf[64], set_ls[64];
    snprintf(set_threads, sizeof set_threads, "sac.threads=%d", threads);
    snprintf(set_buf, sizeof set_buf, "sac.buffer_size=%d", o->buffer);
    snprintf(set_ls, sizeof set_ls, "sac.learning_starts=%d", o->buffer);
    const char *sets[] = {set_threads, set_buf, set_ls, "log.progress=false"};
    rl_config cfg;
    char err[1024];
    if (rl_config_load(&cfg, o->config, sets, 4, err, sizeof err) != RL_OK) {
        fprintf(stderr, "bench_sac_update: %s\n", err);
        exit(1);
    }
    float olo[64], ohi[64], alo[64], ahi[64];
    for (int d = 0; d < 64; d++) olo[d] = -INFINITY, ohi[d] = INFINITY, alo[d] = -1.0f, ahi[d] = 1.0f;
    env_space os = {.kind = ENV_SPACE_BOX, .dim = o->obs_dim, .low = olo, .high = ohi};
    env_space as = {.kind = ENV_SPACE_BOX, .dim = o->act_dim, .low = alo, .high = ahi};
    void *agent = NULL;
    if (agent_find("sac")->create(&agent, &cfg, &os, &as, 1, err, sizeof err) != RL_OK) {
        fprintf(stderr, "bench_sac_update: %s\n", err);
        exit(1);
    }
    *learning_starts = *(const int64_t *)rl_config_get(&cfg, "sac.learning_starts");
    return agent;
}

/* one update per learn call: step past learning_starts, one environment per step, utd 1 */
static void run_updates(void *agent, int64_t *step, int n, double *stats)
{
    for (int i = 0; i < n; i++) agent_find("sac")->learn(agent, NULL, (*step)++, INT64_MAX, stats);
}

/* the sgemm calls of one update, recorded on one thread from an agent with a small buffer */
static void record_calls(const bench_opts *o, gemm_replay *rp)
{
    bench_opts small = *o;
    small.buffer = 2000;
    int64_t step;
    rl_rng rng;
    rl_rng_seed(&rng, 11, 0);
    void *agent = make_agent(&small, 1, &step);
    fill_buffer(agent, o->obs_dim, o->act_dim, step, &rng);
    double stats[AGENT_MAX_STATS];
    g_recording = 1;
    run_updates(agent, &step, 1, stats);
    g_recording = 0;
    agent_find("sac")->destroy(agent);
    replay_init(rp, &rng);
}

/* seconds summed over the rounds, by path: the updates by entry of --threads, and the recorded
 * calls on one core and on two cores at once (2 N calls in all) */
typedef struct {
    double upd[4][4], one[4], two[4], loss[4][4];
} bench_times;

static void print_path(const bench_opts *o, int path, const bench_times *t, const gemm_replay *rp)
{
    double n = (double)o->updates * o->rounds, mf = rp->flops * 1e-9;
    double one = n / t->one[path], two = 2.0 * n / t->two[path];
    if (o->bound) {
        printf("%s: GEMM-only bound, 1 core %.1f updates/s %.1f GFLOP/s", g_paths[path].name, one, one * mf);
        if (t->two[path] > 0.0) printf("; 2 cores at once %.1f updates/s %.1f GFLOP/s (%.2fx 1 core)", two, two * mf, two / one);
        printf("\n");
    }
    for (int i = 0; i < o->n_threads; i++) {
        int th = o->threads[i];
        double ups = n / t->upd[path][i];
        printf("sac.threads %d, %-26s: %8.1f updates/s  %7.1f GFLOP/s", th, g_paths[path].name, ups, ups * mf);
        if (o->bound) printf("  | per core %.2f of 1 core's bound", ups / one / th);
        if (o->bound && th == 2) printf(", %.2f of 2 cores at once", ups / two);
        printf("  (critic loss %.4g)\n", t->loss[path][i]);
    }
}

/* the summary: the dispatch on the last --threads entry against OpenBLAS only on 1 thread, and
 * what the GEMM-only bound of as many cores allows */
static void print_summary(const bench_opts *o, const bench_times *t)
{
    int first = -1, last = o->n_threads - 1, p = 0;
    for (int i = 0; i < o->n_threads; i++)
        if (o->threads[i] == 1 && first < 0) first = i;
    if (first < 0 || g_blas_path >= g_n_paths) return;
    double base = t->upd[g_blas_path][first], top = t->upd[p][last];
    printf("speed-up over OpenBLAS only on 1 thread: %s on %d thread(s) %.2fx", g_paths[p].name, o->threads[last],
           base / top);
    double bound = o->threads[last] == 2 ? t->two[p] / 2.0 : t->one[p];
    if (bound > 0.0) printf("; the GEMM-only bound of %d core(s) allows %.2fx", o->threads[last], base / bound);
    printf("\n");
}

/* R rounds; in each, every path in turn: N updates with each thread count, then the recorded calls
 * N times on one core and, when 2 threads are measured, N times on each of two cores at once */
static void bench_all(const bench_opts *o, const gemm_replay *rp, const gemm_replay *rp2)
{
    void *agent[4];
    int64_t step[4];
    double stats[AGENT_MAX_STATS];
    bool two = false;
    for (int i = 0; i < o->n_threads; i++) {
        rl_rng rng;
        rl_rng_seed(&rng, 7, 0);
        agent[i] = make_agent(o, o->threads[i], &step[i]);
        fill_buffer(agent[i], o->obs_dim, o->act_dim, step[i], &rng);
        two |= o->bound && o->threads[i] == 2;
    }
    int n_paths = g_n_paths;
    for (int p = 0; p < n_paths; p++) {   /* warm up (LIBXSMM compiles its kernels) */
        path_set(p);
        for (int i = 0; i < o->n_threads; i++) run_updates(agent[i], &step[i], o->updates / 4 + 1, stats);
        replay_run(rp);
    }
    bench_times t = {0};
    for (int r = 0; r < o->rounds; r++) {
        for (int p = 0; p < n_paths; p++) {
            path_set(p);
            for (int i = 0; i < o->n_threads; i++) {
                double t0 = now();
                run_updates(agent[i], &step[i], o->updates, stats);
                t.upd[p][i] += now() - t0;
                t.loss[p][i] = stats[0];
            }
            double t1 = now();
            for (int i = 0; o->bound && i < o->updates; i++) replay_run(rp);
            if (o->bound) t.one[p] += now() - t1;
            if (two) t.two[p] += replay_two_cores(rp, rp2, o->updates);
        }
    }
    for (int p = 0; p < n_paths; p++) print_path(o, p, &t, rp);
    print_summary(o, &t);
    path_set(0);
    for (int i = 0; i < o->n_threads; i++) agent_find("sac")->destroy(agent[i]);
}

static void parse_threads(bench_opts *o, const char *list)
{
    o->n_threads = 0;
    for (const char *s = list; *s && o->n_threads < 4;) {
        int t = atoi(s);
        if (t != 1 && t != 2) {
            fprintf(stderr, "bench_sac_update: --threads: each value must be 1 or 2, got '%s'\n", list);
            exit(2);
        }
        o->threads[o->n_threads++] = t;
        const char *c = strchr(s, ',');
        if (!c) break;
        s = c + 1;
    }
}

static int parse_int(const char *flag, const char *v, int lo, int hi)
{
    char *end;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || *end || x < lo || x > hi) {
        fprintf(stderr, "bench_sac_update: %s: expected an integer in [%d, %d], got '%s'\n", flag, lo, hi,
                v ? v : "(nothing)");
        exit(2);
    }
    return (int)x;
}

static void parse_args(bench_opts *o, int argc, char **argv)
{
    *o = (bench_opts){.config = RLC_SOURCE_DIR "/configs/sac_halfcheetah.yaml", .updates = 200, .rounds = 5,
                      .buffer = 100000, .obs_dim = 17, .act_dim = 6, .bound = true};
    parse_threads(o, "1,2");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-') { o->config = a; continue; }
        if (strcmp(a, "--no-bound") == 0) { o->bound = false; continue; }
        if (strcmp(a, "--calls") == 0) { o->calls = true; continue; }
        if (strcmp(a, "--dispatch-only") == 0) { o->dispatch_only = true; continue; }
        if (strcmp(a, "--updates") == 0) o->updates = parse_int(a, v, 1, 100000000);
        else if (strcmp(a, "--rounds") == 0) o->rounds = parse_int(a, v, 1, 1000);
        else if (strcmp(a, "--buffer") == 0) o->buffer = parse_int(a, v, 1000, 1000000);
        else if (strcmp(a, "--obs") == 0) o->obs_dim = parse_int(a, v, 1, 64);
        else if (strcmp(a, "--act") == 0) o->act_dim = parse_int(a, v, 1, 64);
        else if (strcmp(a, "--threads") == 0 && v) parse_threads(o, v);
        else {
            fprintf(stderr, "usage: bench_sac_update [CONFIG] [--updates N] [--rounds R] [--threads 1,2] "
                            "[--buffer N] [--obs D] [--act A] [--no-bound] [--calls] [--dispatch-only]\n");
            exit(2);
        }
        i++;
    }
}

int main(int argc, char **argv)
{
    bench_opts o;
    parse_args(&o, argc, argv);
    openblas_set_num_threads(1);
    gemm_replay rp, rp2;
    record_calls(&o, &rp);
    rl_rng rng;
    rl_rng_seed(&rng, 13, 0);
    replay_init(&rp2, &rng);
    paths_init();
    bench_print_machine();
    printf("one update: %d GEMM calls, %.1f MFLOP; GEMM: %s; %s, obs %d, act %d, %d rounds of %d updates\n",
           g_n_calls, rp.flops * 1e-6, nn_gemm_library(), o.config, o.obs_dim, o.act_dim, o.rounds, o.updates);
    if (o.dispatch_only) g_n_paths = 1;   /* the alternatives not timed */
    if (o.calls) per_call(&rp);
    bench_all(&o, &rp, &rp2);
    replay_free(&rp);
    replay_free(&rp2);
    return 0;
}
