/* rlc research: the ablation grid over MPI ranks (research/ablation_dist.h): rank 0's work queue,
 * the other ranks' request loop, and the transfer of run files for --gather.
 *
 * Messages (core/dist.h): a fixed-size control record on TAG_CTL, file contents on TAG_DATA.
 * A rank > 0 sends REQ when it has a free worker slot and waits for ASSIGN (a run index, followed
 * by the run's files with --gather) or STOP; when one of its runs ends it sends the run's files
 * (--gather) and RESULT; it sends PROGRESS now and then and BYE when it has nothing left. A rank
 * sends file contents only while no request of its own is pending, and rank 0 sends them only in
 * answer to a request, so two ranks never block sending large messages to each other. */
#include "research/ablation_dist.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "train/trainer.h"
#include "core/dist.h"
#include "core/fs.h"
#include "core/log.h"

enum { TAG_CTL = 1, TAG_DATA = 2 };
enum { M_REQ, M_ASSIGN, M_STOP, M_RESULT, M_PROGRESS, M_FILE, M_BYE };
enum { S_TODO, S_RUNNING, S_DONE, S_FAILED, S_INTERRUPTED, S_BUSY };   /* S_BUSY: another process held the run directory */
#define DATA_CHUNK ((size_t)1 << 24)
#define FILE_MAX ((int64_t)1 << 34)   /* a run's file larger than 16 GiB is not a run's file */

typedef struct {
    int32_t kind, index;
    int32_t status;      /* RESULT: S_DONE / S_FAILED / S_INTERRUPTED / S_BUSY; STOP: 1 = interrupt */
    int32_t count;       /* ASSIGN: files that follow; PROGRESS: running runs; RESULT: exit code */
    int64_t steps;       /* PROGRESS: steps of the running runs */
    int64_t bytes;       /* FILE: size */
    char name[240];      /* FILE: name inside the run directory */
} msg;

typedef struct {
    pid_t pid;
    int index;
} slot;

typedef struct {
    const ablation *a;
    const char *runs_root, *binary;
    char scratch[1024];   /* --gather on ranks > 0: where this rank's runs are written */
    bool gather;
    int jobs, rank, size, running;
    slot *w;              /* (jobs) */
} node;

static volatile sig_atomic_t dist_stop = 0;
static void dist_on_signal(int sig) { dist_stop = sig; }

static void nap(void)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void send_msg(int dest, const msg *m) { rl_dist_send(dest, TAG_CTL, m, sizeof *m); }

static void recv_msg(int src, msg *m) { rl_dist_recv(src, TAG_CTL, m, sizeof *m); }

/* this rank's directory of run index */
static void local_run(const node *d, int index, ablation_run *r)
{
    ablation_run_at(d->a, index, d->gather && d->rank > 0 ? d->scratch : d->runs_root, r);
}

/* ---- files ---------------------------------------------------------------------------------- */

/* the names of the regular files directly in dir (at most max); returns their count */
static int list_files(const char *dir, char names[][240], int max)
{
    DIR *dp = opendir(dir);
    if (!dp) return 0;
    int n = 0;
    struct dirent *e;
    char path[1300];
    while ((e = readdir(dp)) && n < max) {
        snprintf(path, sizeof path, "%.1024s/%.255s", dir, e->d_name);
        if (e->d_name[0] == '.' || !rl_is_file(path) || strlen(e->d_name) >= 240) continue;
        snprintf(names[n++], 240, "%.239s", e->d_name);
    }
    closedir(dp);
    return n;
}

/* sends every file of dir (a header then its bytes); returns how many */
static int send_files(int dest, const char *dir, int index)
{
    static char names[64][240];
    int n = list_files(dir, names, 64);
    char path[1300];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%.1024s/%.239s", dir, names[i]);
        FILE *fp = fopen(path, "rb");
        char *buf = NULL;
        long size = 0;
        if (fp && fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) > 0 && fseek(fp, 0, SEEK_SET) == 0) {
            buf = rl_xmalloc((size_t)size);
            if (fread(buf, 1, (size_t)size, fp) != (size_t)size) size = 0;
        }
        if (size < 0) size = 0;
        if (fp) fclose(fp);
        msg m = {.kind = M_FILE, .index = index, .bytes = size};
        snprintf(m.name, sizeof m.name, "%.239s", names[i]);
        send_msg(dest, &m);
        for (int64_t at = 0; at < size; at += (int64_t)DATA_CHUNK) {
            size_t k = (size_t)(size - at) < DATA_CHUNK ? (size_t)(size - at) : DATA_CHUNK;
            rl_dist_send(dest, TAG_DATA, buf + at, k);
        }
        free(buf);
    }
    return n;
}

/* receives the contents announced by header m from src into dir/<name> (atomically) */
static void recv_file(int src, const msg *m, const char *dir)
{
    RL_ASSERT(m->bytes >= 0 && m->bytes <= FILE_MAX && m->name[0] != '.' && !strchr(m->name, '/'));
    char *buf = rl_xmalloc(m->bytes > 0 ? (size_t)m->bytes : 1);
    for (int64_t at = 0; at < m->bytes; at += (int64_t)DATA_CHUNK) {
        size_t k = (size_t)(m->bytes - at) < DATA_CHUNK ? (size_t)(m->bytes - at) : DATA_CHUNK;
        rl_dist_recv(src, TAG_DATA, buf + at, k);
    }
    char path[1300], tmp[1310], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, m->name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = rl_mkdir_p(dir, err, sizeof err) == RL_OK ? fopen(tmp, "wb") : NULL;
    bool ok = fp && fwrite(buf, 1, (size_t)m->bytes, fp) == (size_t)m->bytes;
    if (fp) ok = fclose(fp) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) fprintf(stderr, "rlc ablate: cannot write %s: %s\n", path, strerror(errno));
    free(buf);
}

static void remove_files(const char *dir)
{
    static char names[64][240];
    int n = list_files(dir, names, 64);
    char path[1300];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%.1024s/%.239s", dir, names[i]);
        unlink(path);
    }
}

static void mark_done(const char *run_dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/DONE", run_dir);
    FILE *fp = fopen(path, "w");
    if (fp) fclose(fp);
}

/* ---- local workers -------------------------------------------------------------------------- */

/* the first line a worker adds to a run's train.log: the rank and host that run it */
static void note_rank(const node *d, const char *run_dir)
{
    char path[1100], host[256] = "", why[256];
    if (rl_mkdir_p(run_dir, why, sizeof why) != RL_OK) return;   /* ablation_spawn reports it */
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    snprintf(path, sizeof path, "%s/train.log", run_dir);
    FILE *fp = fopen(path, "a");
    if (!fp) return;
    fprintf(fp, "rlc ablate: on rank %d of %d (host %s)\n", d->rank, d->size, host);
    fclose(fp);
}

/* starts run index in a free slot; false (the run failed to start, message printed) */
static bool start_local(node *d, int index)
{
    ablation_run r;
    local_run(d, index, &r);
    char ckpt[1100], why[1200] = "";
    snprintf(ckpt, sizeof ckpt, "%s/checkpoint.safetensors", r.run_dir);
    note_rank(d, r.run_dir);
    pid_t pid = ablation_spawn(d->binary, d->a, &r, rl_path_exists(ckpt), d->jobs, why, sizeof why);
    if (pid < 0) {
        fprintf(stderr, "rlc ablate (rank %d): run %s seed %lld: %s\n", d->rank, r.variant_name, (long long)r.seed,
                why[0] ? why : strerror(errno));
        return false;
    }
    for (int k = 0; k < d->jobs; k++)
        if (d->w[k].pid == 0) {
            d->w[k] = (slot){pid, index};
            break;
        }
    d->running++;
    return true;
}

/* a finished local worker: true with its run index, state (S_DONE / S_FAILED / S_INTERRUPTED /
 * S_BUSY) and exit code (or signal) */
static bool reap_local(node *d, int *index, int *state, int *code)
{
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return false;
    for (int k = 0; k < d->jobs; k++) {
        if (d->w[k].pid != pid) continue;
        *index = d->w[k].index;
        bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        bool busy = WIFEXITED(status) && WEXITSTATUS(status) == TRAINER_EXIT_BUSY;
        *state = ok ? S_DONE : busy ? S_BUSY : dist_stop ? S_INTERRUPTED : S_FAILED;
        d->w[k].pid = 0;
        d->running--;
        return true;
    }
    return false;
}

static void signal_local(node *d)
{
    for (int k = 0; k < d->jobs; k++)
        if (d->w[k].pid > 0) kill(d->w[k].pid, SIGINT);
}

static int64_t local_steps(const node *d)
{
    int64_t s = 0;
    for (int k = 0; k < d->jobs; k++) {
        if (d->w[k].pid <= 0) continue;
        ablation_run r;
        local_run(d, d->w[k].index, &r);
        s += ablation_run_progress(r.run_dir);
    }
    return s;
}

/* ---- rank 0: the queue ---------------------------------------------------------------------- */

typedef struct {
    node *d;
    int n, next, byes;
    unsigned char *state;       /* (n) S_* */
    int64_t *totals;            /* (n) total_steps of each run */
    int64_t done_steps, all_steps;
    int64_t *remote_steps;      /* (size) */
    int *remote_running;        /* (size) */
    bool *stopped, *gone;       /* (size): sent STOP / said BYE */
    bool interrupting;
    ablation_summary *sum;
    FILE *out;
} queue;

static int next_todo(queue *q)
{
    while (q->next < q->n && q->state[q->next] != S_TODO) q->next++;
    return q->next < q->n ? q->next : -1;
}

static void on_result(queue *q, int index, int state, int code, int rank)
{
    ablation_run r;
    ablation_run_at(q->d->a, index, q->d->runs_root, &r);
    q->state[index] = (unsigned char)state;
    if (state == S_DONE) {
        mark_done(r.run_dir);
        q->sum->finished++;
        q->done_steps += q->totals[index];
    } else if (state == S_BUSY) {
        /* another process trains in that directory: left alone, as the single-process runner does */
        q->sum->busy++;
        fprintf(q->out, "%s[ablate %s] run %s seed %lld NOT RUN on rank %d: %s is in use by another process; run "
                "the same command again once it has finished\n", isatty(fileno(q->out)) ? "\r\033[K" : "",
                q->d->a->name, r.variant_name, (long long)r.seed, rank, r.run_dir);
    } else if (state == S_FAILED) {
        q->sum->failed++;
        fprintf(q->out, "%s[ablate %s] run %s seed %lld FAILED on rank %d (exit status %d): see %s/train.log\n",
                isatty(fileno(q->out)) ? "\r\033[K" : "", q->d->a->name, r.variant_name, (long long)r.seed, rank, code,
                r.run_dir);
    }
}

/* a free slot on rank src: the next run (with its files under --gather), or STOP */
static void answer_request(queue *q, int src)
{
    int index = dist_stop ? -1 : next_todo(q);
    if (index < 0) {
        msg m = {.kind = M_STOP, .status = dist_stop != 0};
        send_msg(src, &m);
        q->stopped[src] = true;
        return;
    }
    q->state[index] = S_RUNNING;
    ablation_run r;
    ablation_run_at(q->d->a, index, q->d->runs_root, &r);
    char ckpt[1100];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoint.safetensors", r.run_dir);
    static char names[64][240];
    bool resume = q->d->gather && rl_path_exists(ckpt);
    msg m = {.kind = M_ASSIGN, .index = index, .count = resume ? list_files(r.run_dir, names, 64) : 0};
    send_msg(src, &m);
    if (resume) send_files(src, r.run_dir, index);
}

static void serve(queue *q)
{
    int src, tag;
    size_t bytes;
    while (rl_dist_poll(&src, &tag, &bytes)) {
        msg m;
        RL_ASSERT(tag == TAG_CTL && bytes == sizeof m);
        recv_msg(src, &m);
        if (m.kind == M_REQ) {
            answer_request(q, src);
        } else if (m.kind == M_FILE) {
            ablation_run r;
            ablation_run_at(q->d->a, m.index, q->d->runs_root, &r);
            recv_file(src, &m, r.run_dir);
        } else if (m.kind == M_RESULT) {
            on_result(q, m.index, m.status, m.count, src);
        } else if (m.kind == M_PROGRESS) {
            q->remote_steps[src] = m.steps;
            q->remote_running[src] = m.count;
        } else if (m.kind == M_BYE) {
            q->byes++;
            q->gone[src] = true;
            q->remote_steps[src] = 0;
            q->remote_running[src] = 0;
            msg ack = {.kind = M_BYE};   /* the last message rank 0 sends to src */
            send_msg(src, &ack);
        }
    }
}

static void show(queue *q, double el, bool final)
{
    int64_t steps = q->done_steps + local_steps(q->d);
    int running = q->d->running;
    for (int r = 1; r < q->d->size; r++) steps += q->remote_steps[r], running += q->remote_running[r];
    double frac = q->all_steps > 0 ? (double)steps / (double)q->all_steps : 0.0;
    double eta = frac > 0.01 ? el * (1.0 - frac) / frac : NAN;
    int tty = isatty(fileno(q->out));
    char eta_s[32];
    if (isnan(eta)) snprintf(eta_s, sizeof eta_s, "--");
    else snprintf(eta_s, sizeof eta_s, "%.0fs", eta);
    fprintf(q->out, "%s[ablate %s] runs %d/%d done, %d running on %d ranks, %d failed | steps %lld/%lld (%.1f%%) | "
                    "elapsed %.0fs | remaining %s%s",
            tty ? "\r" : "", q->d->a->name, q->sum->finished + q->sum->skipped, q->n, running, q->d->size,
            q->sum->failed, (long long)steps, (long long)q->all_steps, 100.0 * frac, el, eta_s, tty ? "\033[K" : "");
    if (!tty || final) fputc('\n', q->out);
    fflush(q->out);
}

/* each run's total_steps, and the runs already finished */
static void queue_scan(queue *q)
{
    rl_config *cfg = rl_xmalloc(sizeof *cfg);
    const char *sets[ABL_RUN_MAX_SETS];
    for (int i = 0; i < q->n; i++) {
        ablation_run r;
        ablation_run_at(q->d->a, i, q->d->runs_root, &r);
        for (int k = 0; k < r.n_sets; k++) sets[k] = r.sets[k];
        char msg_[900], done[1100];
        if (rl_config_load(cfg, q->d->a->bases[r.base], sets, r.n_sets, msg_, sizeof msg_) == RL_OK)
            q->totals[i] = cfg->root.total_steps;
        q->all_steps += q->totals[i];
        snprintf(done, sizeof done, "%s/DONE", r.run_dir);
        if (rl_path_exists(done)) {
            q->state[i] = S_DONE;
            q->sum->skipped++;
            q->done_steps += q->totals[i];
        }
    }
    free(cfg);
}

static void lead_loop(queue *q)
{
    node *d = q->d;
    double t0 = rl_now(), last = -1.0;
    for (;;) {
        int i;
        while (!dist_stop && d->running < d->jobs && (i = next_todo(q)) >= 0) {
            q->state[i] = S_RUNNING;
            if (!start_local(d, i)) on_result(q, i, S_FAILED, 127, 0);
        }
        serve(q);
        int index, state, code;
        while (reap_local(d, &index, &state, &code)) on_result(q, index, state, code, 0);
        if (dist_stop && !q->interrupting) {
            /* forward once: local workers checkpoint, the other ranks stop theirs */
            signal_local(d);
            for (int r = 1; r < d->size; r++)
                if (!q->stopped[r] && !q->gone[r]) {
                    msg m = {.kind = M_STOP, .status = 1};
                    send_msg(r, &m);
                    q->stopped[r] = true;
                }
            q->interrupting = true;
        }
        bool work_left = !dist_stop && next_todo(q) >= 0;
        if (d->running == 0 && q->byes == d->size - 1 && !work_left) break;
        if (rl_now() - last >= 1.0) {
            show(q, rl_now() - t0, false);
            last = rl_now();
        }
        nap();
    }
    q->sum->wall_s = rl_now() - t0;
    show(q, q->sum->wall_s, true);
}

/* ---- ranks > 0 ------------------------------------------------------------------------------ */

/* a run's end: its files to rank 0 (--gather), then the result */
static void report(node *d, int index, int state, int code)
{
    if (d->gather) {
        ablation_run r;
        local_run(d, index, &r);
        send_files(0, r.run_dir, index);
        remove_files(r.run_dir);
        rmdir(r.run_dir);   /* rank 0 holds the run now */
    }
    msg m = {.kind = M_RESULT, .index = index, .status = state, .count = code};
    send_msg(0, &m);
}

static void take_assignment(node *d, const msg *m)
{
    ablation_run r;
    local_run(d, m->index, &r);
    if (d->gather) remove_files(r.run_dir);   /* rank 0's copy is the run's state */
    for (int i = 0; i < m->count; i++) {
        msg f;
        recv_msg(0, &f);
        recv_file(0, &f, r.run_dir);
    }
    if (dist_stop) report(d, m->index, S_INTERRUPTED, 0);
    else if (!start_local(d, m->index)) report(d, m->index, S_FAILED, 127);
}

static void worker_loop(node *d)
{
    bool pending = false, stopped = false, forwarded = false;
    double last = -1.0;
    for (;;) {
        if (!pending && !stopped && !dist_stop && d->running < d->jobs) {
            msg m = {.kind = M_REQ};
            send_msg(0, &m);
            pending = true;
        }
        int src, tag;
        size_t bytes;
        while (rl_dist_poll(&src, &tag, &bytes)) {
            msg m;
            recv_msg(src, &m);
            if (m.kind == M_STOP) {
                stopped = true;
                pending = false;
                if (m.status) dist_stop = SIGINT;
            } else if (m.kind == M_ASSIGN) {
                pending = false;
                take_assignment(d, &m);
            }
        }
        if (dist_stop && !forwarded) {
            signal_local(d);
            forwarded = true;
        }
        /* no file transfer of ours while rank 0 may be sending us one */
        int index, state, code;
        while (!pending && reap_local(d, &index, &state, &code)) report(d, index, state, code);
        if (!pending && (stopped || dist_stop) && d->running == 0) break;
        if (rl_now() - last >= 1.0) {
            msg p = {.kind = M_PROGRESS, .count = d->running, .steps = local_steps(d)};
            send_msg(0, &p);
            last = rl_now();
        }
        nap();
    }
    msg bye = {.kind = M_BYE};
    send_msg(0, &bye);
    /* drain until rank 0's acknowledgement, its last message to us */
    for (;;) {
        int src, tag;
        size_t bytes;
        if (!rl_dist_poll(&src, &tag, &bytes)) {
            nap();
            continue;
        }
        msg m;
        recv_msg(src, &m);
        if (m.kind == M_BYE) break;
    }
}

rl_status ablation_execute_dist(const ablation *a, const char *runs_root, int jobs,
                                const char *rlc_binary, bool gather, FILE *out,
                                ablation_summary *sum, char *err, size_t err_sz)
{
    memset(sum, 0, sizeof *sum);
    node d = {.a = a, .runs_root = runs_root, .binary = rlc_binary, .gather = gather, .jobs = jobs < 1 ? 1 : jobs,
              .rank = rl_dist_rank(), .size = rl_dist_size()};
    const char *tmp = getenv("TMPDIR");
    snprintf(d.scratch, sizeof d.scratch, "%s/rlc-gather-rank%d", tmp && tmp[0] ? tmp : "/tmp", d.rank);
    d.w = rl_xcalloc((size_t)d.jobs, sizeof(slot));
    /* the workers are single processes, whatever the launcher's variables they inherit say */
    setenv(RL_DIST_CHILD_ENV, "1", 1);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = dist_on_signal;
    sigemptyset(&sa.sa_mask);
    dist_stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if (d.rank == 0) {
        int n = ablation_n_runs(a), S = d.size;
        queue q = {.d = &d, .n = n, .sum = sum, .out = out};
        q.state = rl_xcalloc((size_t)n, 1);
        q.totals = rl_xcalloc((size_t)n, sizeof(int64_t));
        q.remote_steps = rl_xcalloc((size_t)S, sizeof(int64_t));
        q.remote_running = rl_xcalloc((size_t)S, sizeof(int));
        q.stopped = rl_xcalloc((size_t)S, sizeof(bool));
        q.gone = rl_xcalloc((size_t)S, sizeof(bool));
        sum->total = n;
        queue_scan(&q);
        if (sum->skipped) fprintf(out, "[ablate %s] %d of %d runs already finished: skipped\n", a->name, sum->skipped, n);
        lead_loop(&q);
        free(q.state), free(q.totals), free(q.remote_steps), free(q.remote_running), free(q.stopped), free(q.gone);
    } else {
        worker_loop(&d);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(d.w);
    if (dist_stop)
        return rl_errf(err, err_sz, RL_ERR_INTERRUPTED,
                       "interrupted; the running workers checkpointed: run the same command again to resume");
    return RL_OK;
}
