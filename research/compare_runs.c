/* rlc research, rlc compare: finding the runs under a directory, reading them, and keeping the
 * sample honest. Every run directory left out is named with its reason, unfinished runs are
 * named, and unequal samples, mismatched steps and unfinished runs are refused unless
 * allow_unequal (--allow-unequal). A run's files are opened only once stat says they are regular
 * files, and then through rl_fopen_regular, so a FIFO in a run directory cannot block. */
#include "research/compare_internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fs.h"

/* ---- one run's series ---------------------------------------------------------------------- */

typedef struct {
    int n;                  /* rows stored: those up to --at, at most the room given */
    int64_t rows;           /* complete rows read */
    int64_t first_step, last_step;
    int64_t final_step;     /* the last row up to --at; -1 when none */
    double final;
} series;

typedef enum { SERIES_OK, SERIES_EMPTY, SERIES_NO_COLUMN, SERIES_READ_ERROR } series_status;

/* the index of column in a CSV header line (empty fields count), -1 when absent */
static int column_index(const char *header, const char *column)
{
    size_t want = strlen(column);
    const char *p = header;
    for (int i = 0;; i++) {
        size_t len = strcspn(p, ",\r\n");
        if (len == want && strncmp(p, column, len) == 0) return i;
        if (p[len] != ',') return -1;
        p += len + 1;
    }
}

/* a data row's step and the value of column col; false when malformed */
static bool parse_row(const char *line, int col, int64_t *step, double *val)
{
    char *end;
    double s = strtod(line, &end);
    if (end == line || !isfinite(s)) return false;
    const char *p = line;
    for (int i = 0; i < col; i++) {
        p = strchr(p, ',');
        if (!p) return false;
        p++;
    }
    double v = strtod(p, &end);
    if (end == p) return false;
    *step = (int64_t)s;
    *val = v;
    return true;
}

/* Reads (step, column) rows. A line without its newline (the last one, cut off by a crash or a
 * full disk) is not a row; rows past --at are counted but not kept. */
static series_status read_series(FILE *fp, const char *column, int64_t at, int64_t *steps, double *vals, int room,
                                 series *s)
{
    *s = (series){.first_step = -1, .last_step = -1, .final_step = -1, .final = NAN};
    char line[8192];
    if (!fgets(line, sizeof line, fp)) return ferror(fp) ? SERIES_READ_ERROR : SERIES_EMPTY;
    int col = column_index(line, column);
    if (col < 0) return SERIES_NO_COLUMN;
    bool cont = !strchr(line, '\n'), past_at = false;
    while (fgets(line, sizeof line, fp)) {
        bool whole = strchr(line, '\n') != NULL, skip = cont || !whole;
        cont = !whole;
        int64_t step;
        double v;
        if (skip || !parse_row(line, col, &step, &v)) continue;
        if (s->rows++ == 0) s->first_step = step;
        s->last_step = step;
        past_at = past_at || (at >= 0 && step > at);
        if (past_at) continue;
        s->final = v;
        s->final_step = step;
        if (s->n < room) {
            steps[s->n] = step;
            vals[s->n++] = v;
        }
    }
    return ferror(fp) ? SERIES_READ_ERROR : SERIES_OK;
}

/* ---- collecting runs --------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int find_or_add(char (*list)[256], int *n, int max, const char *s)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(list[i], s) == 0) return i;
    if (*n == max) return -1;
    snprintf(list[*n], 256, "%s", s);
    return (*n)++;
}

/* the variant of a run: its path under root without the seed_<k> and <env> levels (env may be
 * "" when unknown) */
static void run_variant(const char *root, const char *dir, const char *env, char *out, size_t sz)
{
    const char *rel = dir + strlen(root);
    while (*rel == '/') rel++;
    char v[1024];
    snprintf(v, sizeof v, "%s", rel);
    char *last = strrchr(v, '/');
    if (strncmp(last ? last + 1 : v, "seed_", 5) == 0) {
        if (last) *last = '\0';
        else v[0] = '\0';
        last = strrchr(v, '/');
        if (last && env[0] && strcmp(last + 1, env) == 0) *last = '\0';
    }
    snprintf(out, sz, "%s", v[0] ? v : ".");
}

static rl_status leave_out(run_set *rs, const char *dir, const char *variant, const char *env, char *err,
                           size_t err_sz, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* records dir as left out, with the reason fmt... */
static rl_status leave_out(run_set *rs, const char *dir, const char *variant, const char *env, char *err,
                           size_t err_sz, const char *fmt, ...)
{
    if (rs->n_left_out == CMP_MAX_RUNS) return rl_errf(err, err_sz, RL_ERR_ARG, "more than %d runs", CMP_MAX_RUNS);
    run_left_out *l = &rs->left_out[rs->n_left_out++];
    snprintf(l->dir, sizeof l->dir, "%s", dir);
    snprintf(l->variant, sizeof l->variant, "%s", variant);
    snprintf(l->env, sizeof l->env, "%s", env);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->why, sizeof l->why, fmt, ap);
    va_end(ap);
    return RL_OK;
}

/* why dir/name cannot be read, in why; false when it is a regular file (nothing is opened) */
static bool file_problem(const char *dir, const char *name, char *why, size_t sz)
{
    char path[1100];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT) snprintf(why, sz, "%s is missing", name);
        else snprintf(why, sz, "%s: %s", name, strerror(errno));
        return true;
    }
    if (S_ISREG(sb.st_mode)) return false;
    snprintf(why, sz, "%s is %s, not a regular file", name, rl_file_kind(sb.st_mode));
    return true;
}

/* the series of a run whose config was read into r (variant, env, total_steps): kept in r, or
 * the run left out with the reason */
static rl_status read_run(cmp_analysis *a, run_rec *r, bool *kept, char *err, size_t err_sz)
{
    const compare_opts *o = &a->o;
    int eval = strcmp(o->metric, "eval_return") == 0;
    const char *file = eval ? "eval.csv" : "metrics.csv", *column = eval ? "return_mean" : o->metric;
    char why[600], path[1100];
    *kept = false;
    if (file_problem(r->dir, file, why, sizeof why))
        return leave_out(&a->rs, r->dir, r->variant, r->env, err, err_sz, "%s", why);
    snprintf(path, sizeof path, "%s/%s", r->dir, file);
    FILE *fp;
    if (rl_fopen_regular(path, &fp, why, sizeof why) != RL_OK)
        return leave_out(&a->rs, r->dir, r->variant, r->env, err, err_sz, "%s", why);
    series s;
    series_status ss = read_series(fp, column, o->at, r->steps, r->vals, CMP_MAX_POINTS, &s);
    fclose(fp);
    if (ss == SERIES_NO_COLUMN)
        return rl_errf(err, err_sz, RL_ERR_ARG, "%s: no column '%s' (eval_return or a metrics.csv column)", path, column);
    const char *what = ss == SERIES_READ_ERROR ? "cannot be read"
                       : ss == SERIES_EMPTY    ? "is empty"
                       : s.rows == 0           ? "has a header but no complete row"
                                               : NULL;
    if (what) return leave_out(&a->rs, r->dir, r->variant, r->env, err, err_sz, "%s %s", file, what);
    if (s.final_step < 0)
        return leave_out(&a->rs, r->dir, r->variant, r->env, err, err_sz,
                         "%s has no row at or before --at %lld (its first is at step %lld)", file, (long long)o->at,
                         (long long)s.first_step);
    r->n = s.n;
    r->final = s.final;
    r->final_step = s.final_step;
    r->last_step = s.last_step;
    r->unfinished = s.last_step < r->total_steps && !(o->at >= 0 && s.last_step >= o->at);
    *kept = true;
    return RL_OK;
}

static rl_status add_run(cmp_analysis *a, const char *root, const char *dir, char *err, size_t err_sz)
{
    run_set *rs = &a->rs;
    char path[1100], msg[512];
    if (file_problem(dir, "config.yaml", msg, sizeof msg)) {
        char variant[256];
        run_variant(root, dir, "", variant, sizeof variant);
        return leave_out(rs, dir, variant, "", err, err_sz, "%s", msg);
    }
    rl_config cfg;
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    if (rl_config_load(&cfg, path, NULL, 0, msg, sizeof msg) != RL_OK)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: cannot read the run's config: %s", dir, msg);
    if (rs->n_runs == CMP_MAX_RUNS) return rl_errf(err, err_sz, RL_ERR_ARG, "more than %d runs", CMP_MAX_RUNS);
    run_rec *r = &rs->runs[rs->n_runs];
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    snprintf(r->env, sizeof r->env, "%s", cfg.env.id);
    run_variant(root, dir, cfg.env.id, r->variant, sizeof r->variant);
    r->total_steps = cfg.root.total_steps;
    r->steps = rl_xmalloc(CMP_MAX_POINTS * sizeof(int64_t));
    r->vals = rl_xmalloc(CMP_MAX_POINTS * sizeof(double));
    bool kept = false;
    rl_status st = read_run(a, r, &kept, err, err_sz);
    if (st == RL_OK && kept &&
        (find_or_add(rs->variants, &rs->n_variants, CMP_MAX_VARIANTS, r->variant) < 0 ||
         find_or_add(rs->envs, &rs->n_envs, CMP_MAX_ENVS, r->env) < 0))
        st = rl_errf(err, err_sz, RL_ERR_ARG, "too many variants or environments");
    if (st != RL_OK || !kept) {
        free(r->steps);
        free(r->vals);
        return st;
    }
    rs->n_runs++;
    return RL_OK;
}

/* a directory holding config.yaml or eval.csv (of any kind) is a run; others are searched */
static rl_status walk(cmp_analysis *a, const char *root, const char *dir, int depth, char *err, size_t err_sz)
{
    char p1[1100], p2[1100];
    snprintf(p1, sizeof p1, "%s/eval.csv", dir);
    snprintf(p2, sizeof p2, "%s/config.yaml", dir);
    if (rl_path_exists(p1) || rl_path_exists(p2)) return add_run(a, root, dir, err, err_sz);
    if (depth > 6) return RL_OK;
    DIR *d = opendir(dir);
    if (!d) return RL_OK;
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        names = realloc(names, (size_t)(n + 1) * sizeof *names);
        names[n] = rl_xmalloc(strlen(e->d_name) + 1);
        strcpy(names[n++], e->d_name);
    }
    closedir(d);
    if (n > 1) qsort(names, (size_t)n, sizeof *names, cmp_str);   /* names is NULL in an empty directory */
    rl_status st = RL_OK;
    for (int i = 0; i < n; i++) {
        char sub[1100];
        snprintf(sub, sizeof sub, "%s/%s", dir, names[i]);
        if (st == RL_OK && rl_is_dir(sub)) st = walk(a, root, sub, depth + 1, err, err_sz);
        free(names[i]);
    }
    free(names);
    return st;
}

static void print_left_out(const cmp_analysis *a, FILE *out)
{
    const run_set *rs = &a->rs;
    if (!rs->n_left_out) return;
    fprintf(out, "left out: %d run%s\n", rs->n_left_out, rs->n_left_out == 1 ? "" : "s");
    for (int i = 0; i < rs->n_left_out; i++) fprintf(out, "  %s: %s\n", rs->left_out[i].dir, rs->left_out[i].why);
}

rl_status cmp_collect_runs(cmp_analysis *a, FILE *out, char *err, size_t err_sz)
{
    char root[1024];
    snprintf(root, sizeof root, "%s", a->runs_dir);
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/') root[--rl] = '\0';
    rl_status st = walk(a, root, root, 0, err, err_sz);
    if (st != RL_OK) return st;
    if (a->rs.n_runs == 0) {
        print_left_out(a, out);
        return rl_errf(err, err_sz, RL_ERR_NOT_FOUND,
                       "%s: no runs with results (a run is a directory with config.yaml and eval.csv)%s", a->runs_dir,
                       a->rs.n_left_out ? "; the runs left out are listed above" : "");
    }
    /* sorted variants and environments: a stable report */
    int (*by_name)(const void *, const void *) = (int (*)(const void *, const void *))strcmp;
    qsort(a->rs.variants, (size_t)a->rs.n_variants, sizeof a->rs.variants[0], by_name);
    qsort(a->rs.envs, (size_t)a->rs.n_envs, sizeof a->rs.envs[0], by_name);
    a->V = a->rs.n_variants;
    a->E = a->rs.n_envs;
    return RL_OK;
}

/* ---- is the sample even? -------------------------------------------------------------------------- */

static void note_add(char *note, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* appends "; <fmt...>" (or "<fmt...>" to an empty note) */
static void note_add(char *note, size_t sz, const char *fmt, ...)
{
    size_t at = strlen(note);
    if (at && at + 2 < sz) at += (size_t)snprintf(note + at, sz - at, "; ");
    if (at + 1 >= sz) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note + at, sz - at, fmt, ap);
    va_end(ap);
}

static int count_unfinished(const cmp_analysis *a, FILE *out)
{
    const run_set *rs = &a->rs;
    int n = 0;
    for (int i = 0; i < rs->n_runs; i++) n += rs->runs[i].unfinished;
    if (!n) return 0;
    fprintf(out, "unfinished: %d run%s (compared at %s last row)\n", n, n == 1 ? "" : "s", n == 1 ? "its" : "their");
    for (int i = 0; i < rs->n_runs; i++) {
        const run_rec *r = &rs->runs[i];
        if (!r->unfinished) continue;
        fprintf(out, "  %s: last row at step %lld, total_steps %lld", r->dir, (long long)r->last_step,
                (long long)r->total_steps);
        if (a->o.at >= 0) fprintf(out, ", --at %lld", (long long)a->o.at);
        fprintf(out, "\n");
    }
    return n;
}

/* usable runs of variant v (by name) on env */
static int usable_runs(const run_set *rs, const char *variant, const char *env)
{
    int n = 0;
    for (int i = 0; i < rs->n_runs; i++)
        n += strcmp(rs->runs[i].variant, variant) == 0 && strcmp(rs->runs[i].env, env) == 0;
    return n;
}

/* every variant on every environment, those whose runs were all left out included, must have the
 * same number of usable runs */
static void check_counts(const cmp_analysis *a, char *note, size_t sz)
{
    const run_set *rs = &a->rs;
    char vars[CMP_MAX_VARIANTS][256], envs[CMP_MAX_ENVS][256];
    int nv = 0, ne = 0, uneven = 0;
    for (int v = 0; v < rs->n_variants; v++) find_or_add(vars, &nv, CMP_MAX_VARIANTS, rs->variants[v]);
    for (int e = 0; e < rs->n_envs; e++) find_or_add(envs, &ne, CMP_MAX_ENVS, rs->envs[e]);
    for (int i = 0; i < rs->n_left_out; i++)
        if (rs->left_out[i].env[0]) {
            find_or_add(vars, &nv, CMP_MAX_VARIANTS, rs->left_out[i].variant);
            find_or_add(envs, &ne, CMP_MAX_ENVS, rs->left_out[i].env);
        }
    for (int e = 0; e < ne; e++) {
        int lo = CMP_MAX_RUNS, hi = 0;
        for (int v = 0; v < nv; v++) {
            int n = usable_runs(rs, vars[v], envs[e]);
            lo = n < lo ? n : lo;
            hi = n > hi ? n : hi;
        }
        if (lo == hi || uneven++) continue;
        char list[600] = "";
        for (int v = 0; v < nv; v++) {
            size_t at = strlen(list);
            snprintf(list + at, sizeof list - at, "%s%s %d", v ? ", " : "", vars[v], usable_runs(rs, vars[v], envs[e]));
        }
        note_add(note, sz, "unequal samples on %s (usable runs: %s)", envs[e], list);
    }
    if (uneven > 1) note_add(note, sz, "unequal samples on %d more environment%s", uneven - 1, uneven == 2 ? "" : "s");
}

/* the runs of each environment must be compared at the same step */
static void check_steps(const cmp_analysis *a, char *note, size_t sz)
{
    const run_set *rs = &a->rs;
    for (int e = 0; e < rs->n_envs; e++) {
        int lo = -1, hi = -1;
        for (int i = 0; i < rs->n_runs; i++) {
            const run_rec *r = &rs->runs[i];
            if (strcmp(r->env, rs->envs[e]) != 0) continue;
            if (lo < 0 || r->final_step < rs->runs[lo].final_step) lo = i;
            if (hi < 0 || r->final_step > rs->runs[hi].final_step) hi = i;
        }
        if (lo >= 0 && rs->runs[lo].final_step != rs->runs[hi].final_step)
            note_add(note, sz, "mismatched steps on %s: runs compared from step %lld (%s) to step %lld (%s)",
                     rs->envs[e], (long long)rs->runs[lo].final_step, rs->runs[lo].dir,
                     (long long)rs->runs[hi].final_step, rs->runs[hi].dir);
    }
}

rl_status cmp_check_sample(cmp_analysis *a, FILE *out, char *err, size_t err_sz)
{
    char *note = a->sample_note;
    const size_t sz = sizeof a->sample_note;
    note[0] = '\0';
    print_left_out(a, out);
    int unfinished = count_unfinished(a, out);
    if (unfinished) note_add(note, sz, "%d unfinished run%s", unfinished, unfinished == 1 ? "" : "s");
    check_counts(a, note, sz);
    check_steps(a, note, sz);
    if (!note[0]) return RL_OK;
    if (!a->o.allow_unequal)
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "refusing to compare: %s.%s Pass --allow-unequal to compare them anyway", note,
                       a->rs.n_left_out || unfinished ? " The runs left out and unfinished are listed above." : "");
    fprintf(out, "comparing anyway (--allow-unequal): %s\n", note);
    return RL_OK;
}

void cmp_write_md_sample(const cmp_analysis *a, FILE *md)
{
    const run_set *rs = &a->rs;
    bool any = rs->n_left_out > 0 || a->sample_note[0];
    if (!any) return;
    fprintf(md, "\n## Runs left out, unfinished runs\n\n");
    if (a->sample_note[0]) fprintf(md, "Compared anyway (`--allow-unequal`): %s.\n\n", a->sample_note);
    for (int i = 0; i < rs->n_left_out; i++)
        fprintf(md, "- left out: `%s`: %s\n", rs->left_out[i].dir, rs->left_out[i].why);
    for (int i = 0; i < rs->n_runs; i++)
        if (rs->runs[i].unfinished)
            fprintf(md, "- unfinished: `%s`: last row at step %lld, total_steps %lld\n", rs->runs[i].dir,
                    (long long)rs->runs[i].last_step, (long long)rs->runs[i].total_steps);
}
