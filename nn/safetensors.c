/* rlc nn: checkpoint files in the safetensors format (https://github.com/huggingface/safetensors).
 *
 * Layout: an 8-byte little-endian u64 N, then N bytes of JSON header, then the raw tensor data.
 * The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
 * relative to the first byte after the header) and may hold a "__metadata__" object of string
 * pairs. As the reference implementation does, the writer pads the header with spaces to a
 * multiple of 8 bytes and lays the tensors out back to back; the reader requires the tensors to
 * tile the data section exactly (no overlap, no gap, nothing past the end) and checks every size
 * against dtype * shape before anything is copied.
 *
 * Saving is atomic: everything goes to "<path>.tmp", which is flushed, fsync'ed and renamed over
 * path, so a failed save never touches an existing checkpoint. Loading never reads more than the
 * header says is there: nn_safetensors_open opens a regular file only (rl_open_regular: a FIFO is
 * refused, never waited on), reads the 8-byte length, refuses a header past the file or past
 * NN_SAFETENSORS_HEADER_MAX, reads and validates the header alone (every tensor's size against
 * its dtype and shape, the tensors tiling exactly the rest of the file as fstat measures it), and
 * nn_safetensors_read then reads one tensor, after its shape matched the caller's, with pread. A
 * huge or sparse file is thus refused, or read only as far as the caller's tensors go, without
 * allocating its size. */
#include "nn/nn.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"

#define ST_MAX_DIMS 8
#define ST_MAX_SAFE_INT 9007199254740992.0 /* 2^53: larger JSON numbers are not exact doubles */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ST_BIG_ENDIAN 1
#else
#define ST_BIG_ENDIAN 0
#endif

typedef struct {
    const char *name;   /* points into the parsed cJSON tree */
    const char *dtype;  /* idem */
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    uint64_t begin, end;
} st_entry;

typedef struct {
    const char *key, *value;
} st_meta;

struct nn_safetensors {
    char *path;
    int fd;                   /* open until close: tensors are read from it on demand */
    uint64_t size;            /* of the file, as fstat gave it at open */
    char *header;             /* the JSON header (header_len bytes, then a NUL) */
    uint64_t header_len;
    uint64_t data_start;      /* 8 + header_len: the first byte after the header */
    uint64_t data_size;
    cJSON *root;
    st_entry *entries;
    int n_entries;
    st_meta *meta;
    int n_meta;
};

/* ---- shared helpers ----------------------------------------------------------------------- */

/* Bytes per element of the safetensors dtypes, 0 for an unknown dtype. */
static int dtype_size(const char *dtype)
{
    static const struct { const char *name; int size; } table[] = {
        {"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2},
        {"U16", 2}, {"F16", 2}, {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},
        {"F64", 8}, {"I64", 8}, {"U64", 8},
    };
    for (int i = 0; i < RL_ARRAY_LEN(table); i++)
        if (strcmp(dtype, table[i].name) == 0) return table[i].size;
    return 0;
}

/* "[2, 3]" into out. */
static void format_shape(char *out, size_t out_sz, const int64_t *shape, int ndim)
{
    size_t at = 0;
    at += (size_t)snprintf(out, out_sz, "[");
    for (int d = 0; d < ndim && at < out_sz; d++)
        at += (size_t)snprintf(out + at, out_sz - at, "%s%" PRId64, d ? ", " : "", shape[d]);
    if (at < out_sz) snprintf(out + at, out_sz - at, "]");
}

/* Elements of a shape, or -1 on overflow past 2^62. */
static int64_t shape_numel(const int64_t *shape, int ndim)
{
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0) return -1;
        if (shape[d] != 0 && n > (INT64_C(1) << 62) / shape[d]) return -1;
        n *= shape[d];
    }
    return n;
}

/* ---- save --------------------------------------------------------------------------------- */

static cJSON *json_int(int64_t v)
{
    /* raw text so that offsets print as plain integers whatever their size */
    char num[32];
    snprintf(num, sizeof num, "%" PRId64, v);
    return cJSON_CreateRaw(num);
}

/* Builds the header object; NULL when cJSON runs out of memory. */
static cJSON *build_header(const nn_tensor *tensors, int n_tensors, const nn_meta *meta,
                           int n_meta)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    if (n_meta > 0) {
        cJSON *m = cJSON_AddObjectToObject(root, "__metadata__");
        if (!m) goto fail;
        for (int i = 0; i < n_meta; i++)
            if (!cJSON_AddStringToObject(m, meta[i].key, meta[i].value)) goto fail;
    }
    int64_t at = 0;
    for (int i = 0; i < n_tensors; i++) {
        const nn_tensor *t = &tensors[i];
        int64_t nbytes = shape_numel(t->shape, t->ndim) * (int64_t)sizeof(float);
        cJSON *e = cJSON_AddObjectToObject(root, t->name);
        if (!e || !cJSON_AddStringToObject(e, "dtype", "F32")) goto fail;
        cJSON *shape = cJSON_AddArrayToObject(e, "shape");
        if (!shape) goto fail;
        for (int d = 0; d < t->ndim; d++) {
            cJSON *v = json_int(t->shape[d]);
            if (!v) goto fail;
            cJSON_AddItemToArray(shape, v);
        }
        cJSON *off = cJSON_AddArrayToObject(e, "data_offsets");
        if (!off) goto fail;
        cJSON *b = json_int(at), *en = json_int(at + nbytes);
        if (!b || !en) {
            cJSON_Delete(b);
            cJSON_Delete(en);
            goto fail;
        }
        cJSON_AddItemToArray(off, b);
        cJSON_AddItemToArray(off, en);
        at += nbytes;
    }
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

rl_status nn_tensors_check_finite(const char *path, const nn_tensor *tensors, int n_tensors, char *err,
                                  size_t err_sz)
{
    for (int i = 0; i < n_tensors; i++) {
        const nn_tensor *t = &tensors[i];
        int64_t numel = shape_numel(t->shape, t->ndim), bad = 0, first = -1;
        for (int64_t k = 0; k < numel; k++)
            if (!isfinite(t->data[k]) && bad++ == 0) first = k;
        if (bad)
            return rl_errf(err, err_sz, RL_ERR_NUMERIC,
                           "%s: tensor '%s' holds %" PRId64 " non-finite value(s) (first at index %" PRId64
                           "); not written, the file already at that path is unchanged",
                           path, t->name, bad, first);
    }
    return RL_OK;
}

static rl_status check_save_args(const char *path, const nn_tensor *tensors, int n_tensors,
                                 const nn_meta *meta, int n_meta, char *err, size_t err_sz)
{
    if (n_tensors < 0 || (n_tensors > 0 && !tensors) || n_meta < 0 || (n_meta > 0 && !meta))
        return rl_errf(err, err_sz, RL_ERR_ARG, "%s: bad tensor or metadata list", path);
    int64_t total = 0;
    for (int i = 0; i < n_tensors; i++) {
        const nn_tensor *t = &tensors[i];
        if (!t->name || !t->name[0] || strcmp(t->name, "__metadata__") == 0)
            return rl_errf(err, err_sz, RL_ERR_ARG, "%s: tensor %d has an invalid name", path, i);
        for (int j = 0; j < i; j++)
            if (strcmp(tensors[j].name, t->name) == 0)
                return rl_errf(err, err_sz, RL_ERR_ARG, "%s: tensor name '%s' appears twice",
                               path, t->name);
        if (t->ndim < 0 || t->ndim > 4)
            return rl_errf(err, err_sz, RL_ERR_ARG, "%s: tensor '%s' has %d dimensions (0..4)",
                           path, t->name, t->ndim);
        int64_t numel = shape_numel(t->shape, t->ndim);
        if (numel < 0)
            return rl_errf(err, err_sz, RL_ERR_ARG, "%s: tensor '%s' has an invalid shape", path,
                           t->name);
        if (numel > 0 && !t->data)
            return rl_errf(err, err_sz, RL_ERR_ARG, "%s: tensor '%s' has no data", path,
                           t->name);
        total += numel;
        if (total > (INT64_C(1) << 60))
            return rl_errf(err, err_sz, RL_ERR_ARG, "%s: tensors too large", path);
    }
    for (int i = 0; i < n_meta; i++) {
        if (!meta[i].key || !meta[i].value)
            return rl_errf(err, err_sz, RL_ERR_ARG, "%s: metadata entry %d has a NULL key or value",
                           path, i);
        for (int j = 0; j < i; j++)
            if (strcmp(meta[j].key, meta[i].key) == 0)
                return rl_errf(err, err_sz, RL_ERR_ARG, "%s: metadata key '%s' appears twice",
                               path, meta[i].key);
    }
    return RL_OK;
}

/* Writes n floats little-endian. Returns 0 on success. */
static int write_floats(FILE *fp, const float *x, size_t n)
{
#if ST_BIG_ENDIAN
    unsigned char tmp[4096];
    while (n > 0) {
        size_t k = n < sizeof tmp / 4 ? n : sizeof tmp / 4;
        for (size_t i = 0; i < k; i++) {
            unsigned char b[4];
            memcpy(b, x + i, 4);
            for (int j = 0; j < 4; j++) tmp[4 * i + (size_t)j] = b[3 - j];
        }
        if (fwrite(tmp, 4, k, fp) != k) return -1;
        x += k;
        n -= k;
    }
    return 0;
#else
    return n == 0 || fwrite(x, sizeof(float), n, fp) == n ? 0 : -1;
#endif
}

/* fsync of the directory holding path, so that the rename itself is durable. Best effort. */
static void sync_parent_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else if (slash == path) {
        snprintf(dir, sizeof dir, "/");
    } else {
        size_t len = (size_t)(slash - path);
        if (len >= sizeof dir) return;
        memcpy(dir, path, len);
        dir[len] = '\0';
    }
    int fd = open(dir, O_RDONLY);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

rl_status nn_safetensors_save(const char *path, const nn_tensor *tensors, int n_tensors,
                              const nn_meta *meta, int n_meta, char *err, size_t err_sz)
{
    if (!path || !path[0]) return rl_errf(err, err_sz, RL_ERR_ARG, "safetensors: empty path");
    rl_status st = check_save_args(path, tensors, n_tensors, meta, n_meta, err, err_sz);
    if (st != RL_OK) return st;

    cJSON *root = build_header(tensors, n_tensors, meta, n_meta);
    char *json = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!json) return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: cannot build the header", path);
    size_t json_len = strlen(json);
    size_t header_len = (json_len + 7) / 8 * 8;
    if (header_len > NN_SAFETENSORS_HEADER_MAX) {   /* no reader would take it */
        free(json);
        return rl_errf(err, err_sz, RL_ERR_ARG, "%s: a header of %zu bytes exceeds the format's limit of %d bytes",
                       path, header_len, NN_SAFETENSORS_HEADER_MAX);
    }
    unsigned char len_le[8];
    for (int i = 0; i < 8; i++) len_le[i] = (unsigned char)((uint64_t)header_len >> (8 * i));

    size_t tmp_sz = strlen(path) + 5;
    char *tmp = malloc(tmp_sz);
    if (!tmp) {
        free(json);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: out of memory", path);
    }
    snprintf(tmp, tmp_sz, "%s.tmp", path);

    FILE *fp = fopen(tmp, "wb");
    if (!fp) {
        st = rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot create %s: %s", path, tmp,
                     strerror(errno));
        free(json);
        free(tmp);
        return st;
    }
    int ok = fwrite(len_le, 1, 8, fp) == 8 && fwrite(json, 1, json_len, fp) == json_len;
    for (size_t i = json_len; ok && i < header_len; i++) ok = fputc(' ', fp) != EOF;
    for (int i = 0; ok && i < n_tensors; i++) {
        const nn_tensor *t = &tensors[i];
        ok = write_floats(fp, t->data, (size_t)shape_numel(t->shape, t->ndim)) == 0;
    }
    ok = ok && fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    int saved_errno = errno;
    if (fclose(fp) != 0 && ok) {
        ok = 0;
        saved_errno = errno;
    }
    free(json);
    if (!ok) {
        unlink(tmp);
        st = rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write %s: %s", path, tmp,
                     strerror(saved_errno));
        free(tmp);
        return st;
    }
    if (rename(tmp, path) != 0) {
        saved_errno = errno;
        unlink(tmp);
        st = rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot rename %s over it: %s", path, tmp,
                     strerror(saved_errno));
        free(tmp);
        return st;
    }
    free(tmp);
    sync_parent_dir(path);
    return RL_OK;
}

/* ---- load --------------------------------------------------------------------------------- */

/* A JSON number that is an exact non-negative integer <= 2^53. */
static int json_uint(const cJSON *v, uint64_t *out)
{
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!(d >= 0.0 && d <= ST_MAX_SAFE_INT) || d != (double)(uint64_t)d) return 0;
    *out = (uint64_t)d;
    return 1;
}

static int cmp_begin(const void *a, const void *b)
{
    const st_entry *x = *(const st_entry *const *)a, *y = *(const st_entry *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : (x->end > y->end);
}

/* Parses one tensor entry of the header into e. */
static rl_status parse_entry(st_entry *e, const cJSON *node, const char *path, char *err,
                             size_t err_sz)
{
    e->name = node->string;
    if (!cJSON_IsObject(node))
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: header entry '%s' is not an object", path,
                       e->name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(node, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(node, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(node, "data_offsets");
    if (!cJSON_IsString(dtype) || !cJSON_IsArray(shape) || !cJSON_IsArray(off))
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: tensor '%s' needs \"dtype\", \"shape\" and \"data_offsets\"", path,
                       e->name);
    e->dtype = dtype->valuestring;
    int esize = dtype_size(e->dtype);
    if (esize == 0)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: tensor '%s' has unknown dtype '%s'", path,
                       e->name, e->dtype);
    int nd = cJSON_GetArraySize(shape);
    if (nd > ST_MAX_DIMS)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: tensor '%s' has %d dimensions (max %d)",
                       path, e->name, nd, ST_MAX_DIMS);
    e->ndim = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, shape) {
        uint64_t v;
        if (!json_uint(it, &v))
            return rl_errf(err, err_sz, RL_ERR_FORMAT,
                           "%s: tensor '%s': shape entries must be non-negative integers", path,
                           e->name);
        e->shape[e->ndim++] = (int64_t)v;
    }
    if (cJSON_GetArraySize(off) != 2 || !json_uint(cJSON_GetArrayItem(off, 0), &e->begin) ||
        !json_uint(cJSON_GetArrayItem(off, 1), &e->end))
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: tensor '%s': data_offsets must be two non-negative integers", path,
                       e->name);
    if (e->end < e->begin)
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] end before begin",
                       path, e->name, e->begin, e->end);
    int64_t numel = shape_numel(e->shape, e->ndim);
    if (numel < 0 || (uint64_t)numel > UINT64_MAX / 16 ||
        (uint64_t)numel * (uint64_t)esize != e->end - e->begin) {
        char s[160];
        format_shape(s, sizeof s, e->shape, e->ndim);
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] hold %" PRIu64
                       " bytes, but dtype %s and shape %s need %" PRId64,
                       path, e->name, e->begin, e->end, e->end - e->begin, e->dtype, s,
                       numel < 0 ? (int64_t)-1 : numel * esize);
    }
    return RL_OK;
}

/* ---- the steps of nn_safetensors_open ----------------------------------------------------- */

/* n bytes at offset into dst; -1 on an error or when the file ends first (errno 0 then) */
static int pread_full(int fd, void *dst, uint64_t n, uint64_t offset)
{
    unsigned char *p = dst;
    while (n > 0) {
        size_t chunk = n < (UINT64_C(1) << 30) ? (size_t)n : (size_t)1 << 30;
        ssize_t got = pread(fd, p, chunk, (off_t)offset);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            if (got == 0) errno = 0;
            return -1;
        }
        p += got;
        offset += (uint64_t)got;
        n -= (uint64_t)got;
    }
    return 0;
}

static rl_status read_error(const nn_safetensors *f, char *err, size_t err_sz)
{
    if (errno) return rl_errf(err, err_sz, RL_ERR_IO, "%s: read error: %s", f->path, strerror(errno));
    return rl_errf(err, err_sz, RL_ERR_IO, "%s: read error: the file is shorter than when it was opened "
                   "(%" PRIu64 " bytes); was it rewritten meanwhile?", f->path, f->size);
}

/* the 8-byte length and the header it announces, read alone: the length is checked against the
 * file size and NN_SAFETENSORS_HEADER_MAX before anything is allocated */
static rl_status read_header(nn_safetensors *f, char *err, size_t err_sz)
{
    const char *path = f->path;
    if (f->size < 8)
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: file is %" PRIu64 " bytes, too short for the 8-byte header length", path, f->size);
    unsigned char len_le[8];
    if (pread_full(f->fd, len_le, 8, 0) != 0) return read_error(f, err, err_sz);
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)len_le[i] << (8 * i);
    if (n > f->size - 8)
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: header length %" PRIu64 " exceeds the file size (%" PRIu64 " bytes)", path, n, f->size);
    if (n > NN_SAFETENSORS_HEADER_MAX)
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: header length %" PRIu64 " exceeds the format's limit of %d bytes", path, n,
                       NN_SAFETENSORS_HEADER_MAX);
    f->header = malloc((size_t)n + 1);
    if (!f->header) return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: cannot allocate a %" PRIu64 "-byte header", path, n);
    if (pread_full(f->fd, f->header, n, 8) != 0) return read_error(f, err, err_sz);
    f->header[n] = '\0';
    f->header_len = n;
    f->data_start = 8 + n;
    f->data_size = f->size - 8 - n;
    return RL_OK;
}

/* the JSON header is one object, with nothing but whitespace after it */
static rl_status parse_json(nn_safetensors *f, char *err, size_t err_sz)
{
    const char *path = f->path, *hdr = f->header;
    uint64_t n = f->header_len;
    if (n == 0 || hdr[0] != '{')
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: header is not a JSON object", path);
    const char *end = NULL;
    f->root = cJSON_ParseWithLengthOpts(hdr, (size_t)n, &end, 0);
    if (!f->root || !cJSON_IsObject(f->root))
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: header is not valid JSON (near byte %ld)",
                       path, end ? (long)(end - hdr) + 8 : 8L);
    for (const char *p = end; p < hdr + n; p++)
        if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
            return rl_errf(err, err_sz, RL_ERR_FORMAT,
                           "%s: unexpected bytes after the JSON header (byte %ld)", path,
                           (long)(p - hdr) + 8);
    return RL_OK;
}

/* "__metadata__": an object of strings, at most once */
static rl_status parse_metadata(nn_safetensors *f, const cJSON *node, char *err, size_t err_sz)
{
    const char *path = f->path;
    if (f->meta) return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: \"__metadata__\" appears twice", path);
    if (!cJSON_IsObject(node))
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: \"__metadata__\" is not an object", path);
    f->meta = calloc((size_t)cJSON_GetArraySize(node) + 1, sizeof *f->meta);
    if (!f->meta) return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: out of memory", path);
    const cJSON *kv;
    cJSON_ArrayForEach(kv, node) {
        if (!cJSON_IsString(kv))
            return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: metadata value of '%s' is not a string", path,
                           kv->string);
        f->meta[f->n_meta].key = kv->string;
        f->meta[f->n_meta].value = kv->valuestring;
        f->n_meta++;
    }
    return RL_OK;
}

/* the tensors must tile the data section: sorted by offset (order is sorted here), each starts
 * where the previous ended, and the last ends at the end of the file */
static rl_status check_tiling(nn_safetensors *f, st_entry **order, char *err, size_t err_sz)
{
    const char *path = f->path;
    qsort(order, (size_t)f->n_entries, sizeof *order, cmp_begin);
    uint64_t at = 0;
    for (int i = 0; i < f->n_entries; i++) {
        const st_entry *e = order[i];
        if (e->end > f->data_size)
            return rl_errf(err, err_sz, RL_ERR_FORMAT,
                           "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64
                           "] out of range (data section is %" PRIu64 " bytes; file truncated?)",
                           path, e->name, e->begin, e->end, f->data_size);
        if (e->begin != at)
            return rl_errf(err, err_sz, RL_ERR_FORMAT,
                           "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] %s (expected "
                           "it to start at byte %" PRIu64 ")",
                           path, e->name, e->begin, e->end,
                           e->begin < at ? "overlap another tensor" : "leave a gap", at);
        at = e->end;
    }
    if (at != f->data_size)
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: data section is %" PRIu64 " bytes but the tensors cover %" PRIu64, path,
                       f->data_size, at);
    return RL_OK;
}

static rl_status parse_header(nn_safetensors *f, char *err, size_t err_sz)
{
    const char *path = f->path;
    rl_status st = parse_json(f, err, err_sz);
    if (st != RL_OK) return st;

    int count = cJSON_GetArraySize(f->root);
    f->entries = calloc((size_t)count + 1, sizeof *f->entries);
    st_entry **order = calloc((size_t)count + 1, sizeof *order);
    if (!f->entries || !order) {
        free(order);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: out of memory", path);
    }
    const cJSON *node;
    cJSON_ArrayForEach(node, f->root) {
        if (strcmp(node->string, "__metadata__") == 0) {
            st = parse_metadata(f, node, err, err_sz);
            if (st != RL_OK) goto done;
            continue;
        }
        for (int j = 0; j < f->n_entries; j++) {
            if (strcmp(f->entries[j].name, node->string) == 0) {
                st = rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: tensor '%s' appears twice", path,
                             node->string);
                goto done;
            }
        }
        st_entry *e = &f->entries[f->n_entries];
        st = parse_entry(e, node, path, err, err_sz);
        if (st != RL_OK) goto done;
        order[f->n_entries++] = e;
    }

    st = check_tiling(f, order, err, err_sz);
done:
    free(order);
    return st;
}

rl_status nn_safetensors_open(nn_safetensors **out, const char *path, char *err, size_t err_sz)
{
    *out = NULL;
    if (!path) return rl_errf(err, err_sz, RL_ERR_ARG, "safetensors: NULL path");
    nn_safetensors *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: out of memory", path);
    }
    int64_t size = 0;
    rl_status st = rl_open_regular(path, &f->fd, &size, err, err_sz);
    f->size = (uint64_t)size;
    if (st == RL_OK) st = read_header(f, err, err_sz);
    if (st == RL_OK) st = parse_header(f, err, err_sz);
    if (st != RL_OK) {
        nn_safetensors_close(f);
        return st;
    }
    *out = f;
    return RL_OK;
}

rl_status nn_safetensors_read(nn_safetensors *f, const nn_tensor *t, char *err, size_t err_sz)
{
    RL_ASSERT(f != NULL && t != NULL && t->name != NULL);
    RL_ASSERT(t->ndim >= 0 && t->ndim <= 4);
    const st_entry *e = NULL;
    for (int i = 0; i < f->n_entries && !e; i++)
        if (strcmp(f->entries[i].name, t->name) == 0) e = &f->entries[i];
    if (!e)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: tensor '%s' not found", f->path,
                       t->name);
    if (strcmp(e->dtype, "F32") != 0)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: tensor '%s' has dtype %s, expected F32",
                       f->path, t->name, e->dtype);
    int same = e->ndim == t->ndim;
    for (int d = 0; same && d < t->ndim; d++) same = e->shape[d] == t->shape[d];
    if (!same) {
        char want[160], found[160];
        format_shape(want, sizeof want, t->shape, t->ndim);
        format_shape(found, sizeof found, e->shape, e->ndim);
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: tensor '%s': expected shape %s, found %s", f->path, t->name, want,
                       found);
    }
    size_t n = (size_t)((e->end - e->begin) / sizeof(float));
    if (n == 0) return RL_OK;
    RL_ASSERT(t->data != NULL);
    if (pread_full(f->fd, t->data, e->end - e->begin, f->data_start + e->begin) != 0)
        return read_error(f, err, err_sz);
#if ST_BIG_ENDIAN
    for (size_t i = 0; i < n; i++) {
        unsigned char b[4], *p = (unsigned char *)(t->data + i);
        for (int j = 0; j < 4; j++) b[j] = p[3 - j];
        memcpy(p, b, 4);
    }
#endif
    return RL_OK;
}

const char *nn_safetensors_meta(const nn_safetensors *f, const char *key)
{
    if (!f || !key) return NULL;
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta[i].key, key) == 0) return f->meta[i].value;
    return NULL;
}

void nn_safetensors_close(nn_safetensors *f)
{
    if (!f) return;
    cJSON_Delete(f->root);
    free(f->entries);
    free(f->meta);
    free(f->header);
    if (f->fd >= 0) close(f->fd);
    free(f->path);
    free(f);
}

rl_status nn_safetensors_meta_u64(const nn_safetensors *f, const char *key, unsigned long long *out,
                                  char *err, size_t err_sz)
{
    const char *s = nn_safetensors_meta(f, key);
    if (!s || !*s) return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: metadata '%s' missing", f->path, key);
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || *s == '-') return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: metadata '%s' is not a number",
                                 f->path, key);
    *out = v;
    return RL_OK;
}
