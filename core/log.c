/* rlc core: monotonic clock, CSV files and the progress line. */
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/fs.h"

double rl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void header_line(char *buf, size_t sz, const char *const *cols, int n)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && at < sz; i++) at += (size_t)snprintf(buf + at, sz - at, "%s%s", i ? "," : "", cols[i]);
}

/* the header of an existing file, without its newline ("" when empty or unreadable) */
static void read_header(const char *path, char *buf, size_t sz)
{
    buf[0] = '\0';
    FILE *r;
    char ignored[8];
    if (rl_fopen_regular(path, &r, ignored, sizeof ignored) != RL_OK) return;
    if (!fgets(buf, (int)sz, r)) buf[0] = '\0';
    fclose(r);
    buf[strcspn(buf, "\r\n")] = '\0';
}

rl_status rl_csv_open(rl_csv *c, const char *path, const char *const *cols, int n_cols,
                      bool append, char *err, size_t err_sz)
{
    RL_ASSERT(n_cols > 0 && n_cols <= RL_CSV_MAX_COLS);
    memset(c, 0, sizeof *c);
    char want[2048], have[2048] = "";
    header_line(want, sizeof want, cols, n_cols);
    if (append) read_header(path, have, sizeof have);
    if (have[0] && strcmp(have, want) != 0)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: existing header '%s' differs from '%s'", path, have, want);
    bool keep = have[0] != '\0';
    if (rl_path_exists(path) && !rl_is_file(path))   /* a FIFO would block the open below */
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: not a regular file", path);
    c->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | (keep ? 0 : O_CREAT | O_TRUNC), 0644);
    if (c->fd < 0)
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot %s: %s", path, keep ? "open" : "create", strerror(errno));
    c->open = true;
    c->n_cols = n_cols;
    snprintf(c->path, sizeof c->path, "%s", path);
    if (keep) {
        off_t size = lseek(c->fd, 0, SEEK_END);
        c->end = size > 0 ? (int64_t)size : 0;
        return RL_OK;
    }
    size_t n = strlen(want);
    RL_ASSERT(n + 1 < sizeof want);
    want[n++] = '\n';
    int e = rl_append_whole(c->fd, want, n, &c->end, &c->cut_errno);
    if (e) {
        rl_csv_close(c);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write the header: %s", path, strerror(e));
    }
    return RL_OK;
}

/* one value as rl_csv_row writes it */
static int format_value(char *buf, size_t sz, double v)
{
    if (isnan(v)) return snprintf(buf, sz, "nan");
    if (v == floor(v) && fabs(v) < 1e15) return snprintf(buf, sz, "%.0f", v);
    return snprintf(buf, sz, "%.9g", v);
}

rl_status rl_csv_row(rl_csv *c, const double *vals, char *err, size_t err_sz)
{
    if (c->err_no)
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: not written since an earlier write failed: %s", c->path,
                       strerror(c->err_no));
    if (!c->open) return RL_OK;
    char line[RL_CSV_MAX_COLS * 32];   /* a value takes at most 24 characters */
    size_t at = 0;
    for (int i = 0; i < c->n_cols; i++) {
        if (i) line[at++] = ',';
        at += (size_t)format_value(line + at, sizeof line - at, vals[i]);
        RL_ASSERT(at < sizeof line - 1);
    }
    line[at++] = '\n';
    int e = rl_append_whole(c->fd, line, at, &c->end, &c->cut_errno);
    if (!e) return RL_OK;
    c->err_no = e;
    rl_csv_close(c);
    char step[32];
    format_value(step, sizeof step, vals[0]);
    if (c->cut_errno)
        return rl_errf(err, err_sz, RL_ERR_IO,
                       "%s: cannot write the row of step %s: %s (and cutting that row away failed: %s; a resume drops it)",
                       c->path, step, strerror(e), strerror(c->cut_errno));
    return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write the row of step %s: %s (the file keeps its whole rows)",
                   c->path, step, strerror(e));
}

void rl_csv_close(rl_csv *c)
{
    if (!c || !c->open) return;
    close(c->fd);
    c->open = false;
}

/* a data row of a file whose header has n_cols columns: whole, with that many columns */
static bool whole_row(const char *line, int n_cols)
{
    size_t n = strlen(line);
    int cols = 1;
    for (const char *c = line; *c; c++) cols += *c == ',';
    return n > 0 && line[n - 1] == '\n' && cols == n_cols;
}

/* copies the header of r and the rows to keep into w */
static void copy_rows(FILE *r, FILE *w, double max_step, int64_t max_rows, double *last_step)
{
    char line[8192];
    int n_cols = 0;
    int64_t kept = 0;
    while (fgets(line, sizeof line, r)) {
        if (n_cols == 0) {
            n_cols = 1;
            for (const char *c = line; *c; c++) n_cols += *c == ',';
            fputs(line, w);
            continue;
        }
        char *end;
        double step = strtod(line, &end);
        if (end == line || step > max_step || (max_rows >= 0 && kept >= max_rows) || !whole_row(line, n_cols))
            continue;
        kept++;
        if (last_step) *last_step = step;
        fputs(line, w);
    }
}

rl_status rl_csv_truncate(const char *path, double max_step, int64_t max_rows, double *last_step,
                          char *err, size_t err_sz)
{
    if (last_step) *last_step = -1;
    FILE *r;
    if (!rl_path_exists(path)) return RL_OK;
    rl_status st = rl_fopen_regular(path, &r, err, err_sz);
    if (st != RL_OK) return st;
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *w = fopen(tmp, "w");
    if (!w) {
        fclose(r);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    }
    copy_rows(r, w, max_step, max_rows, last_step);
    int e = ferror(r) ? EIO : 0;
    fclose(r);
    /* the rows are on the disk before the rename replaces the file with them */
    errno = 0;
    if (fflush(w) != 0 || ferror(w) || fsync(fileno(w)) != 0) e = errno ? errno : EIO;
    if (fclose(w) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) {
        remove(tmp);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot rewrite: %s (the file is unchanged)", path, strerror(e));
    }
    return RL_OK;
}

rl_status rl_csv_truncate_after(const char *path, double max_step, char *err, size_t err_sz)
{
    return rl_csv_truncate(path, max_step, -1, NULL, err, err_sz);
}

static void fmt_duration(char *buf, size_t sz, double s)
{
    if (!isfinite(s) || s < 0) snprintf(buf, sz, "--");
    else if (s < 60) snprintf(buf, sz, "%.1fs", s);
    else if (s < 3600) snprintf(buf, sz, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(buf, sz, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

void rl_progress_print(FILE *out, int64_t step, int64_t total, double sps, double mean_return,
                       double elapsed, bool final)
{
    rl_progress p = {.step = step, .total = total, .sps = sps, .mean_return = mean_return,
                     .eval_return = NAN, .elapsed = elapsed, .final = final,
                     .remaining = sps > 0 ? (double)(total - step) / sps : NAN};
    rl_progress_show(out, &p);
}

static void fmt_return(char *buf, size_t sz, double v)
{
    if (isnan(v)) snprintf(buf, sz, "--");
    else snprintf(buf, sz, "%.2f", v);
}

void rl_progress_show(FILE *out, const rl_progress *p)
{
    char el[32], eta[32], ret[32], ev[32], losses[160] = "";
    fmt_duration(el, sizeof el, p->elapsed);
    fmt_duration(eta, sizeof eta, p->remaining);
    fmt_return(ret, sizeof ret, p->mean_return);
    fmt_return(ev, sizeof ev, p->eval_return);
    size_t at = 0;
    for (int i = 0; i < p->n_losses && i < RL_PROGRESS_MAX_LOSSES && at < sizeof losses; i++) {
        char v[32];
        if (isnan(p->losses[i])) snprintf(v, sizeof v, "--");
        else snprintf(v, sizeof v, "%.3g", p->losses[i]);
        at += (size_t)snprintf(losses + at, sizeof losses - at, " | %s %s", p->loss_names[i], v);
    }
    int tty = isatty(fileno(out));
    fprintf(out, "%s[%5.1f%%] step %lld/%lld | %.0f steps/s | return %s | eval %s%s | elapsed %s | remaining %s%s",
            tty ? "\r" : "", 100.0 * (double)p->step / (double)p->total, (long long)p->step,
            (long long)p->total, p->sps, ret, ev, losses, el, eta, tty ? "\033[K" : "");
    if (!tty || p->final) fputc('\n', out);
    fflush(out);
}

void rl_eta_init(rl_eta *e) { memset(e, 0, sizeof *e); }

void rl_eta_learning(rl_eta *e, int64_t step, double t)
{
    if (e->learning) return;
    e->learning = true;
    e->phase_step = step;
    e->phase_t = t;
}

double rl_eta_remaining(const rl_eta *e, int64_t step, int64_t total, double t)
{
    if (!e->learning || step <= e->phase_step || t <= e->phase_t) return NAN;
    double rate = (double)(step - e->phase_step) / (t - e->phase_t);
    return step >= total ? 0.0 : (double)(total - step) / rate;
}
