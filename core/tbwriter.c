/* rlc core: TensorBoard event files (record framing, CRC32C, the Event messages rlc writes). */
#include "core/tbwriter.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/tbevent.pb-c.h"

#define TB_HEADER 12                  /* length + its masked CRC */
#define TB_TRAILER 4                  /* the payload's masked CRC */
#define TB_MAX_VALUES 64              /* scalars in one Event */
#define TB_DT_STRING 7                /* TensorFlow's DataType for strings */
#define TB_BUFFER (64u << 10)         /* records buffered before they are written */

uint32_t rl_crc32c(uint32_t crc, const void *data, size_t n)
{
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

uint32_t rl_crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static double wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* writes the buffered records; on a failure the file keeps its whole records and the writer
 * stops */
static rl_status flush(rl_tb_writer *w)
{
    if (!w->open || w->len == 0) return w->failed;
    int e = rl_append_whole(w->fd, w->buf, w->len, &w->end, &w->cut_errno);
    w->len = 0;
    if (e) {
        close(w->fd);
        w->open = false;
        w->failed = RL_ERR_IO;
        w->err_no = e;
    }
    return w->failed;
}

/* frames one packed Event at the end of w->buf, writing what is buffered first when it would
 * not fit; the buffer grows only for a record larger than it (a long text) */
static rl_status write_event(rl_tb_writer *w, const Rltb__Event *ev)
{
    if (!w->open) return w->failed;
    size_t n = rltb__event__get_packed_size(ev), rec = n + TB_HEADER + TB_TRAILER;
    if (w->len + rec > w->cap && flush(w) != RL_OK) return w->failed;
    if (rec > w->cap) {
        uint8_t *grown = realloc(w->buf, rec);
        if (!grown) {
            close(w->fd);
            w->open = false;
            return w->failed = RL_ERR_NOMEM;
        }
        w->buf = grown;
        w->cap = rec;
    }
    uint8_t *p = w->buf + w->len;
    put_le64(p, (uint64_t)n);
    put_le32(p + 8, rl_crc32c_mask(rl_crc32c(0, p, 8)));
    rltb__event__pack(ev, p + TB_HEADER);
    put_le32(p + TB_HEADER + n, rl_crc32c_mask(rl_crc32c(0, p + TB_HEADER, n)));
    w->len += rec;
    return RL_OK;
}

/* events.out.tfevents.<unix seconds>.<host>, the host name without '/' */
static void events_name(char *buf, size_t sz)
{
    char host[256] = "localhost";
    if (gethostname(host, sizeof host) != 0 || !host[0]) snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    for (char *c = host; *c; c++)
        if (*c == '/') *c = '_';
    snprintf(buf, sz, RL_TB_FILE_PREFIX "%lld.%s", (long long)time(NULL), host);
}

rl_status rl_tb_open(rl_tb_writer *w, const char *dir, char *err, size_t err_sz)
{
    memset(w, 0, sizeof *w);
    char name[300];
    events_name(name, sizeof name);
    /* a new file each time: "<name>.1", "<name>.2", ... when two runs start in the same second
     * (TensorBoard reads every file with "tfevents" in its name) */
    for (int i = 0; i < 100 && !w->open; i++) {
        int n = i ? snprintf(w->path, sizeof w->path, "%s/%s.%d", dir, name, i)
                  : snprintf(w->path, sizeof w->path, "%s/%s", dir, name);
        if (n >= (int)sizeof w->path)
            return rl_errf(err, err_sz, RL_ERR_ARG, "%s: run directory path too long for an events file", dir);
        w->fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
        w->open = w->fd >= 0;
        if (!w->open && errno != EEXIST) break;
    }
    if (!w->open) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot create: %s", w->path, strerror(errno));
    w->cap = TB_BUFFER;
    w->buf = rl_xmalloc(w->cap);
    Rltb__Event ev = RLTB__EVENT__INIT;
    ev.wall_time = wall_clock();
    ev.what_case = RLTB__EVENT__WHAT_FILE_VERSION;
    ev.file_version = RL_TB_FILE_VERSION;
    if (write_event(w, &ev) != RL_OK || flush(w) != RL_OK) {
        rl_status st = rl_tb_error(w, err, err_sz);
        unlink(w->path);   /* empty: it was cut back */
        rl_tb_close(w);
        return st;
    }
    return RL_OK;
}

rl_status rl_tb_scalars(rl_tb_writer *w, int64_t step, const char *const *tags, const double *values, int n)
{
    RL_ASSERT(n >= 0 && n <= TB_MAX_VALUES);
    Rltb__Summary__Value vals[TB_MAX_VALUES];
    Rltb__Summary__Value *ptrs[TB_MAX_VALUES];
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(values[i])) continue;
        rltb__summary__value__init(&vals[k]);
        vals[k].tag = (char *)tags[i];
        vals[k].value_case = RLTB__SUMMARY__VALUE__VALUE_SIMPLE_VALUE;
        vals[k].simple_value = (float)values[i];
        ptrs[k] = &vals[k];
        k++;
    }
    if (k == 0) return w->failed;
    Rltb__Summary sum = RLTB__SUMMARY__INIT;
    sum.n_value = (size_t)k;
    sum.value = ptrs;
    Rltb__Event ev = RLTB__EVENT__INIT;
    ev.wall_time = wall_clock();
    ev.step = step;
    ev.what_case = RLTB__EVENT__WHAT_SUMMARY;
    ev.summary = &sum;
    return write_event(w, &ev);
}

rl_status rl_tb_text(rl_tb_writer *w, int64_t step, const char *tag, const char *markdown)
{
    /* a rank-1 DT_STRING tensor of one element, tagged for the text plugin */
    Rltb__TensorShapeProto__Dim dim = RLTB__TENSOR_SHAPE_PROTO__DIM__INIT;
    dim.size = 1;
    Rltb__TensorShapeProto__Dim *dims[] = {&dim};
    Rltb__TensorShapeProto shape = RLTB__TENSOR_SHAPE_PROTO__INIT;
    shape.n_dim = 1;
    shape.dim = dims;
    ProtobufCBinaryData text = {strlen(markdown), (uint8_t *)markdown};
    Rltb__TensorProto tensor = RLTB__TENSOR_PROTO__INIT;
    tensor.dtype = TB_DT_STRING;
    tensor.tensor_shape = &shape;
    tensor.n_string_val = 1;
    tensor.string_val = &text;
    Rltb__SummaryMetadata__PluginData plugin = RLTB__SUMMARY_METADATA__PLUGIN_DATA__INIT;
    plugin.plugin_name = "text";
    Rltb__SummaryMetadata meta = RLTB__SUMMARY_METADATA__INIT;
    meta.plugin_data = &plugin;
    Rltb__Summary__Value val = RLTB__SUMMARY__VALUE__INIT;
    val.tag = (char *)tag;
    val.metadata = &meta;
    val.value_case = RLTB__SUMMARY__VALUE__VALUE_TENSOR;
    val.tensor = &tensor;
    Rltb__Summary__Value *vals[] = {&val};
    Rltb__Summary sum = RLTB__SUMMARY__INIT;
    sum.n_value = 1;
    sum.value = vals;
    Rltb__Event ev = RLTB__EVENT__INIT;
    ev.wall_time = wall_clock();
    ev.step = step;
    ev.what_case = RLTB__EVENT__WHAT_SUMMARY;
    ev.summary = &sum;
    write_event(w, &ev);
    return flush(w);
}

rl_status rl_tb_session_start(rl_tb_writer *w, int64_t step)
{
    Rltb__SessionLog log = RLTB__SESSION_LOG__INIT;
    log.status = RLTB__SESSION_LOG__SESSION_STATUS__START;
    Rltb__Event ev = RLTB__EVENT__INIT;
    ev.wall_time = wall_clock();
    ev.step = step;
    ev.what_case = RLTB__EVENT__WHAT_SESSION_LOG;
    ev.session_log = &log;
    write_event(w, &ev);
    return flush(w);
}

rl_status rl_tb_flush(rl_tb_writer *w) { return flush(w); }

rl_status rl_tb_error(const rl_tb_writer *w, char *err, size_t err_sz)
{
    if (w->failed == RL_OK) return RL_OK;
    if (w->failed != RL_ERR_IO)
        return rl_errf(err, err_sz, w->failed, "%s: no memory for a record; nothing more is written", w->path);
    if (w->cut_errno)
        return rl_errf(err, err_sz, RL_ERR_IO,
                       "%s: cannot write: %s (and cutting the file back to its whole records failed: %s)", w->path,
                       strerror(w->err_no), strerror(w->cut_errno));
    return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write: %s (the file keeps its %lld bytes of whole records)",
                   w->path, strerror(w->err_no), (long long)w->end);
}

void rl_tb_close(rl_tb_writer *w)
{
    if (!w) return;
    flush(w);
    if (w->open) close(w->fd);
    w->open = false;
    free(w->buf);
    w->buf = NULL;
    w->cap = w->len = 0;
}

/* ---- reading back ------------------------------------------------------------------------ */

rl_status rl_tb_reader_open(rl_tb_reader *r, const char *path, char *err, size_t err_sz)
{
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", path);
    return rl_fopen_regular(path, &r->fp, err, err_sz);
}

rl_status rl_tb_read(rl_tb_reader *r, const uint8_t **payload, size_t *len, char *err, size_t err_sz)
{
    uint8_t head[TB_HEADER], tail[TB_TRAILER];
    long at = ftell(r->fp);
    size_t got = fread(head, 1, TB_HEADER, r->fp);
    if (got == 0 && feof(r->fp)) return RL_ERR_NOT_FOUND;
    const char *why = NULL;
    uint64_t n = get_le(head, 8);
    if (got != TB_HEADER) why = "truncated header";
    else if ((uint32_t)get_le(head + 8, 4) != rl_crc32c_mask(rl_crc32c(0, head, 8))) why = "length CRC mismatch";
    else if (n > RL_TB_MAX_RECORD) why = "length above the limit";
    if (!why && n > r->cap) {
        uint8_t *grown = realloc(r->buf, (size_t)n);
        if (!grown) return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: record %lld: out of memory", r->path, (long long)r->n_read);
        r->buf = grown;
        r->cap = (size_t)n;
    }
    if (!why && (fread(r->buf, 1, (size_t)n, r->fp) != n || fread(tail, 1, TB_TRAILER, r->fp) != TB_TRAILER))
        why = "truncated payload";
    if (!why && (uint32_t)get_le(tail, 4) != rl_crc32c_mask(rl_crc32c(0, r->buf, (size_t)n))) why = "payload CRC mismatch";
    if (why)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: record %lld at byte %ld: %s", r->path,
                       (long long)r->n_read, at, why);
    r->n_read++;
    *payload = r->buf;
    *len = (size_t)n;
    return RL_OK;
}

void rl_tb_reader_close(rl_tb_reader *r)
{
    if (!r) return;
    if (r->fp) fclose(r->fp);
    r->fp = NULL;
    free(r->buf);
    r->buf = NULL;
}
