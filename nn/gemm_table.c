/* rlc nn: the measured GEMM dispatch table: its entries and lookup, its file, the machine key and
 * the cache file's place (nn/gemm_table.h). The timing that fills it is `rlc calibrate`'s
 * (cli/cmd_calibrate.c); nn_sgemm's use of it is nn/gemm.c's. */
#include "nn/gemm_table.h"
#include "nn/nn.h"
#include "core/fs.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TABLE_MAX_BYTES (1 << 20)   /* a file's size: 512 entries of ~100 bytes fit many times */
#define TABLE_MAX_LINE 1024         /* a line's bytes */
#define TABLE_MAX_US 1e9f           /* the largest time an entry may quote */
#define SHAPE_FIELDS 9              /* ta tb beta M N K lda ldb ldc */

static const char *const g_path_names[NN_GEMM_PATHS] = {"blas", "gemv", "outer", "xsmm"};

const char *nn_gemm_path_name(nn_gemm_path p)
{
    return p >= 0 && p < NN_GEMM_PATHS ? g_path_names[p] : "?";
}

bool nn_gemm_path_fits(nn_gemm_path p, const nn_gemm_shape *s)
{
    switch (p) {
    case NN_GEMM_BLAS:
    case NN_GEMM_XSMM: return true;
    case NN_GEMM_GEMV: return s->M == 1 || s->N == 1;
    case NN_GEMM_OUTER: return s->K == 1;
    default: return false;
    }
}

/* ---- the machine key and the cache file ------------------------------------------------------ */

/* the CPU's model name, family and model from /proc/cpuinfo ("unknown" without them), printable
 * ASCII, ';' as ',' (a VM may show a bare "AMD EPYC": the numbers tell its generations apart) */
static void cpu_model(char *buf, size_t sz)
{
    char name[160] = "unknown", family[16] = "?", model[16] = "?", line[512];
    FILE *fp = fopen("/proc/cpuinfo", "r");
    while (fp && fgets(line, sizeof line, fp) && line[0] != '\n') {   /* the first CPU's block */
        char *colon = strchr(line, ':');
        char *dst = strncmp(line, "model name", 10) == 0 ? name
                    : strncmp(line, "cpu family", 10) == 0 ? family
                    : strncmp(line, "model\t", 6) == 0 ? model : NULL;
        if (!dst || !colon) continue;
        size_t cap = dst == name ? sizeof name : sizeof family, i = 0;
        for (const char *v = colon + 1 + strspn(colon + 1, " \t"); v[i] && v[i] != '\n' && i + 1 < cap; i++)
            dst[i] = v[i] == ';' || v[i] < 32 || v[i] > 126 ? ',' : v[i];
        dst[i] = '\0';
    }
    if (fp) fclose(fp);
    snprintf(buf, sz, "%s (family %s model %s)", name, family, model);
}

/* the vector extensions that decide which code the libraries and rlc's loops run */
static void cpu_isa(char *buf, size_t sz)
{
    buf[0] = '\0';
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    snprintf(buf, sz, "%s%s%s%s", __builtin_cpu_supports("avx") ? "avx," : "",
             __builtin_cpu_supports("avx2") ? "avx2," : "", __builtin_cpu_supports("fma") ? "fma," : "",
             __builtin_cpu_supports("avx512f") ? "avx512f," : "");
    size_t n = strlen(buf);
    if (n) buf[n - 1] = '\0';
#endif
    if (!buf[0]) snprintf(buf, sz, "baseline");
}

void nn_gemm_machine(char *buf, size_t sz)
{
    char model[220], isa[64];
    cpu_model(model, sizeof model);
    cpu_isa(isa, sizeof isa);
    const char *blas = openblas_get_config();
    snprintf(buf, sz, "cpu=%s; isa=%s; blas=%.120s (%s); xsmm=%s; format=%d", model, isa, blas ? blas : "?",
             nn_blas_kernel(), nn_gemm_xsmm_arch(), NN_GEMM_TABLE_VERSION);
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}
#define FNV_SEED 0xcbf29ce484222325ULL

rl_status nn_gemm_cache_path(char *path, size_t sz, char *dir, size_t dir_sz, char *err, size_t err_sz)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char base[1024], machine[NN_GEMM_MACHINE_LEN];
    int n;
    if (xdg && xdg[0]) n = snprintf(base, sizeof base, "%s/rlc", xdg);
    else if (home && home[0]) n = snprintf(base, sizeof base, "%s/.cache/rlc", home);
    else return rl_errf(err, err_sz, RL_ERR_ARG, "neither XDG_CACHE_HOME nor HOME is set: no place for the GEMM "
                        "dispatch cache");
    nn_gemm_machine(machine, sizeof machine);
    uint64_t h = fnv1a(FNV_SEED, machine, strlen(machine));
    if (n < 0 || (size_t)n >= sizeof base ||
        (size_t)snprintf(path, sz, "%s/gemm-%016llx.txt", base, (unsigned long long)h) >= sz)
        return rl_errf(err, err_sz, RL_ERR_ARG, "the GEMM dispatch cache's path under '%.200s' is too long",
                       xdg && xdg[0] ? xdg : home);
    if (dir) snprintf(dir, dir_sz, "%s", base);
    return RL_OK;
}

/* ---- entries and lookup ---------------------------------------------------------------------- */

void nn_gemm_table_init(nn_gemm_table *t, const char *machine)
{
    memset(t->slot, 0, sizeof t->slot);
    t->n = 0;
    if (machine) snprintf(t->machine, sizeof t->machine, "%s", machine);
    else nn_gemm_machine(t->machine, sizeof t->machine);
}

static bool shape_eq(const nn_gemm_shape *a, const nn_gemm_shape *b)
{
    return a->ta == b->ta && a->tb == b->tb && a->beta1 == b->beta1 && a->M == b->M && a->N == b->N &&
           a->K == b->K && a->lda == b->lda && a->ldb == b->ldb && a->ldc == b->ldc;
}

static unsigned shape_hash(const nn_gemm_shape *s)
{
    uint64_t h = (uint64_t)(s->ta | s->tb << 1 | s->beta1 << 2);
    const int v[] = {s->M, s->N, s->K, s->lda, s->ldb, s->ldc};
    for (int i = 0; i < 6; i++) h = (h ^ (uint32_t)v[i]) * 0x9e3779b97f4a7c15ULL;
    return (unsigned)(h >> 32) & (NN_GEMM_TABLE_SLOTS - 1);
}

/* the slot that holds s, or the empty slot where it would go */
static unsigned find_slot(const nn_gemm_table *t, const nn_gemm_shape *s)
{
    unsigned i = shape_hash(s);
    while (t->slot[i] && !shape_eq(&t->e[t->slot[i] - 1].shape, s)) i = (i + 1) & (NN_GEMM_TABLE_SLOTS - 1);
    return i;
}

int nn_gemm_table_index(const nn_gemm_table *t, const nn_gemm_shape *s)
{
    return t->slot[find_slot(t, s)] - 1;
}

int nn_gemm_table_find(const nn_gemm_table *t, const nn_gemm_shape *s)
{
    int16_t k = t->slot[find_slot(t, s)];
    return k ? (int)t->e[k - 1].path : -1;
}

/* NULL when s is a shape nn_sgemm can call, else what is wrong with it */
static const char *shape_problem(const nn_gemm_shape *s)
{
    if ((s->ta | s->tb | s->beta1) & ~1) return "ta, tb and beta must be 0 or 1";
    const int v[] = {s->M, s->N, s->K, s->lda, s->ldb, s->ldc};
    for (int i = 0; i < 6; i++)
        if (v[i] < 1 || v[i] > NN_GEMM_TABLE_MAX_DIM) return "M, N, K and the leading dimensions must be in [1, 65536]";
    if (s->lda < (s->ta ? s->M : s->K)) return "lda is smaller than a row of A";
    if (s->ldb < (s->tb ? s->K : s->N)) return "ldb is smaller than a row of B";
    if (s->ldc < s->N) return "ldc is smaller than N";
    return NULL;
}

rl_status nn_gemm_table_add(nn_gemm_table *t, const nn_gemm_shape *s, nn_gemm_path p, const float *us, char *err,
                            size_t err_sz)
{
    const char *why = shape_problem(s);
    if (why) return rl_errf(err, err_sz, RL_ERR_ARG, "%s", why);
    if (p < 0 || p >= NN_GEMM_PATHS || !nn_gemm_path_fits(p, s))
        return rl_errf(err, err_sz, RL_ERR_ARG, "path '%s' cannot take a shape of M %d, N %d, K %d (gemv needs M or N "
                       "of 1, outer K of 1)", nn_gemm_path_name(p), s->M, s->N, s->K);
    if (t->n >= NN_GEMM_TABLE_MAX)
        return rl_errf(err, err_sz, RL_ERR_ARG, "more than %d shapes (the most a table holds)", NN_GEMM_TABLE_MAX);
    unsigned i = find_slot(t, s);
    if (t->slot[i]) return rl_errf(err, err_sz, RL_ERR_ARG, "the shape is already in the table");
    nn_gemm_entry *e = &t->e[t->n];
    e->shape = *s;
    e->path = p;
    for (int k = 0; k < NN_GEMM_PATHS; k++) e->us[k] = us ? us[k] : -1.0f;
    t->slot[i] = (int16_t)++t->n;
    return RL_OK;
}

void nn_gemm_table_id(const nn_gemm_table *t, char *buf, size_t sz)
{
    uint64_t h = fnv1a(FNV_SEED, t->machine, strlen(t->machine));
    for (int i = 0; i < t->n; i++) {
        const nn_gemm_shape *s = &t->e[i].shape;
        const int v[] = {s->ta, s->tb, s->beta1, s->M, s->N, s->K, s->lda, s->ldb, s->ldc, (int)t->e[i].path};
        h = fnv1a(h, v, sizeof v);
    }
    snprintf(buf, sz, "%016llx", (unsigned long long)h);
}

/* ---- the file -------------------------------------------------------------------------------- */

char *nn_gemm_table_format(const nn_gemm_table *t)
{
    size_t cap = 1024 + strlen(t->machine) + (size_t)t->n * 160;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t n = (size_t)snprintf(s, cap,
                                "# rlc GEMM dispatch table, written by `rlc calibrate` (docs/performance.md)\n"
                                "rlc-gemm-table %d\nmachine %s\n"
                                "# shape ta tb beta M N K lda ldb ldc path, then microseconds per call of "
                                "blas gemv outer xsmm (- not measured)\n",
                                NN_GEMM_TABLE_VERSION, t->machine);
    for (int i = 0; i < t->n && n < cap; i++) {
        const nn_gemm_entry *e = &t->e[i];
        const nn_gemm_shape *h = &e->shape;
        n += (size_t)snprintf(s + n, cap - n, "shape %d %d %d %d %d %d %d %d %d %s", h->ta, h->tb, h->beta1, h->M,
                              h->N, h->K, h->lda, h->ldb, h->ldc, nn_gemm_path_name(e->path));
        for (int k = 0; k < NN_GEMM_PATHS && n < cap; k++)
            n += (size_t)(e->us[k] >= 0 ? snprintf(s + n, cap - n, " %.3f", e->us[k]) : snprintf(s + n, cap - n, " -"));
        if (n < cap) n += (size_t)snprintf(s + n, cap - n, "\n");
    }
    RL_ASSERT(n < cap);
    return s;
}

/* splits line (modified) at blanks into at most max tokens; returns the count, or max + 1 when
 * there are more */
static int split(char *line, char **tok, int max)
{
    int n = 0;
    for (char *p = strtok(line, " \t\r"); p; p = strtok(NULL, " \t\r")) {
        if (n == max) return max + 1;
        tok[n++] = p;
    }
    return n;
}

static bool parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > NN_GEMM_TABLE_MAX_DIM) return false;
    *out = (int)v;
    return true;
}

static bool parse_us(const char *s, float *out)
{
    if (strcmp(s, "-") == 0) {
        *out = -1.0f;
        return true;
    }
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < 0 || v > TABLE_MAX_US) return false;
    *out = v;
    return true;
}

static int path_of(const char *s)
{
    for (int p = 0; p < NN_GEMM_PATHS; p++)
        if (strcmp(s, g_path_names[p]) == 0) return p;
    return -1;
}

/* one "shape ..." line's fields (tok[0] is "shape") into the table */
static rl_status parse_shape(nn_gemm_table *t, char **tok, int n, const char *where, char *err, size_t err_sz)
{
    if (n != 1 + SHAPE_FIELDS + 1 + NN_GEMM_PATHS)
        return rl_errf(err, err_sz, RL_ERR_PARSE, "%s: a shape line has %d fields: ta tb beta M N K lda ldb ldc path "
                       "and 4 times (got %d)", where, SHAPE_FIELDS + 1 + NN_GEMM_PATHS, n - 1);
    int v[SHAPE_FIELDS];
    for (int i = 0; i < SHAPE_FIELDS; i++)
        if (!parse_int(tok[1 + i], &v[i]))
            return rl_errf(err, err_sz, RL_ERR_PARSE, "%s: field %d ('%.20s') is not an integer in [0, %d]", where, i + 1,
                           tok[1 + i], NN_GEMM_TABLE_MAX_DIM);
    nn_gemm_shape s = {.ta = v[0], .tb = v[1], .beta1 = v[2], .M = v[3], .N = v[4], .K = v[5],
                       .lda = v[6], .ldb = v[7], .ldc = v[8]};
    int p = path_of(tok[1 + SHAPE_FIELDS]);
    if (p < 0)
        return rl_errf(err, err_sz, RL_ERR_PARSE, "%s: unknown path '%.20s' (expected blas, gemv, outer or xsmm)", where,
                       tok[1 + SHAPE_FIELDS]);
    float us[NN_GEMM_PATHS];
    for (int k = 0; k < NN_GEMM_PATHS; k++)
        if (!parse_us(tok[2 + SHAPE_FIELDS + k], &us[k]))
            return rl_errf(err, err_sz, RL_ERR_PARSE, "%s: time '%.20s' is neither '-' nor microseconds in [0, 1e9]",
                           where, tok[2 + SHAPE_FIELDS + k]);
    char why[256];
    if (nn_gemm_table_add(t, &s, (nn_gemm_path)p, us, why, sizeof why) != RL_OK)
        return rl_errf(err, err_sz, RL_ERR_PARSE, "%s: %s", where, why);
    return RL_OK;
}

/* one line (NUL-terminated, modified); *state: 0 before the version line, 1 before the machine
 * line, 2 after it */
static rl_status parse_line(nn_gemm_table *t, char *line, int *state, const char *where, char *err, size_t err_sz)
{
    size_t lead = strspn(line, " \t\r");
    if (!line[lead] || line[lead] == '#') return RL_OK;
    if (*state == 1 && strncmp(line, "machine ", 8) == 0) {
        const char *m = line + 8;
        size_t len = strcspn(m, "\r");
        if (len == 0 || len >= sizeof t->machine)
            return rl_errf(err, err_sz, RL_ERR_PARSE, "%s: the machine key must have 1 to %zu characters", where,
                           sizeof t->machine - 1);
        snprintf(t->machine, sizeof t->machine, "%.*s", (int)len, m);
        *state = 2;
        return RL_OK;
    }
    char *tok[1 + SHAPE_FIELDS + 1 + NN_GEMM_PATHS];
    int n = split(line, tok, (int)RL_ARRAY_LEN(tok));
    if (*state == 0) {
        if (n != 2 || strcmp(tok[0], "rlc-gemm-table") != 0)
            return rl_errf(err, err_sz, RL_ERR_PARSE, "%s: expected the header 'rlc-gemm-table %d' (not a GEMM "
                           "dispatch table)", where, NN_GEMM_TABLE_VERSION);
        if (strcmp(tok[1], "1") != 0)
            return rl_errf(err, err_sz, RL_ERR_PARSE, "%s: format version '%.20s': this rlc reads version %d (run `rlc "
                           "calibrate` again)", where, tok[1], NN_GEMM_TABLE_VERSION);
        *state = 1;
        return RL_OK;
    }
    if (*state == 1) return rl_errf(err, err_sz, RL_ERR_PARSE, "%s: expected 'machine KEY' after the header", where);
    if (strcmp(tok[0], "shape") != 0)
        return rl_errf(err, err_sz, RL_ERR_PARSE, "%s: unknown line '%.20s' (expected 'shape ...' or a # comment)",
                       where, tok[0]);
    return parse_shape(t, tok, n, where, err, err_sz);
}

rl_status nn_gemm_table_parse(nn_gemm_table *t, const char *text, size_t len, const char *name, char *err,
                              size_t err_sz)
{
    nn_gemm_table_init(t, "");
    char line[TABLE_MAX_LINE + 1], where[300];
    int state = 0, line_no = 0;
    rl_status st = RL_OK;
    for (size_t pos = 0; pos < len && st == RL_OK;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = (nl ? (size_t)(nl - text) : len) - pos;
        snprintf(where, sizeof where, "%.200s:%d", name, ++line_no);
        if (n > TABLE_MAX_LINE) st = rl_errf(err, err_sz, RL_ERR_PARSE, "%s: line longer than %d bytes", where,
                                             TABLE_MAX_LINE);
        else if (memchr(text + pos, '\0', n)) st = rl_errf(err, err_sz, RL_ERR_PARSE, "%s: a NUL byte", where);
        else {
            memcpy(line, text + pos, n);
            line[n] = '\0';
            st = parse_line(t, line, &state, where, err, err_sz);
        }
        pos += n + 1;
    }
    if (st == RL_OK && state < 2)
        st = rl_errf(err, err_sz, RL_ERR_PARSE, "%.200s: ends before its %s line (truncated?)", name,
                     state == 0 ? "'rlc-gemm-table' header" : "'machine'");
    if (st != RL_OK) nn_gemm_table_init(t, "");
    return st;
}

rl_status nn_gemm_table_read(nn_gemm_table *t, const char *path, char *err, size_t err_sz)
{
    int fd;
    int64_t size;
    rl_status st = rl_open_regular(path, &fd, &size, err, err_sz);
    if (st != RL_OK) return st;
    if (size > TABLE_MAX_BYTES) {
        close(fd);
        return rl_errf(err, err_sz, RL_ERR_PARSE, "%.200s: %lld bytes, more than a GEMM dispatch table's %d",
                       path, (long long)size, TABLE_MAX_BYTES);
    }
    char *text = malloc((size_t)size + 1);
    ssize_t got = text ? read(fd, text, (size_t)size + 1) : -1;
    close(fd);
    if (got < 0 || got > size) {
        free(text);
        return rl_errf(err, err_sz, RL_ERR_IO, "%.200s: cannot read it whole%s", path,
                       got > size ? " (it grew while read)" : "");
    }
    st = nn_gemm_table_parse(t, text, (size_t)got, path, err, err_sz);
    free(text);
    return st;
}

rl_status nn_gemm_table_write(const nn_gemm_table *t, const char *path, char *err, size_t err_sz)
{
    char *text = nn_gemm_table_format(t);
    if (!text) return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: out of memory", path);
    rl_status st = rl_write_atomic(path, text, err, err_sz);
    free(text);
    return st;
}
