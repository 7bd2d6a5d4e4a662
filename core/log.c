/* rlc core: monotonic clock, CSV files and the progress line. */
#include "core/log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

rl_status rl_csv_open(rl_csv *c, const char *path, const char *const *cols, int n_cols,
                      bool append, char *err, size_t err_sz)
{
    RL_ASSERT(n_cols > 0 && n_cols <= RL_CSV_MAX_COLS);
    memset(c, 0, sizeof *c);
    char want[2048];
    header_line(want, sizeof want, cols, n_cols);
    if (append) {
        FILE *r = fopen(path, "r");
        if (r) {
            char have[2048] = "";
            if (!fgets(have, sizeof have, r)) have[0] = '\0';
            fclose(r);
            have[strcspn(have, "\r\n")] = '\0';
            if (have[0] && strcmp(have, want) != 0)
                return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: existing header '%s' differs from '%s'",
                               path, have, want);
            if (have[0]) {
                c->fp = fopen(path, "a");
                if (!c->fp) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
                goto done;
            }
        }
    }
    c->fp = fopen(path, "w");
    if (!c->fp) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    fprintf(c->fp, "%s\n", want);
    fflush(c->fp);
done:
    c->n_cols = n_cols;
    snprintf(c->path, sizeof c->path, "%s", path);
    return RL_OK;
}

void rl_csv_row(rl_csv *c, const double *vals)
{
    if (!c->fp) return;
    for (int i = 0; i < c->n_cols; i++) {
        double v = vals[i];
        if (i) fputc(',', c->fp);
        if (isnan(v)) fputs("nan", c->fp);
        else if (v == floor(v) && fabs(v) < 1e15) fprintf(c->fp, "%.0f", v);
        else fprintf(c->fp, "%.9g", v);
    }
    fputc('\n', c->fp);
    fflush(c->fp);
}

void rl_csv_close(rl_csv *c)
{
    if (!c || !c->fp) return;
    fclose(c->fp);
    c->fp = NULL;
}

rl_status rl_csv_truncate(const char *path, double max_step, int64_t max_rows, double *last_step,
                          char *err, size_t err_sz)
{
    if (last_step) *last_step = -1;
    FILE *r = fopen(path, "r");
    if (!r) return RL_OK;
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *w = fopen(tmp, "w");
    if (!w) {
        fclose(r);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    }
    char line[8192];
    int first = 1;
    int64_t kept = 0;
    while (fgets(line, sizeof line, r)) {
        if (!first) {
            char *end;
            double step = strtod(line, &end);
            if (end == line || step > max_step || (max_rows >= 0 && kept >= max_rows)) continue;
            kept++;
            if (last_step) *last_step = step;
        }
        first = 0;
        fputs(line, w);
    }
    fclose(r);
    if (fclose(w) != 0 || rename(tmp, path) != 0)
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot rewrite: %s", path, strerror(errno));
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
