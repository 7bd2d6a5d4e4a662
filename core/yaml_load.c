/* rlc core: the bounded YAML loader (core/yaml_load.h): a yaml_document_t built from libyaml's
 * events, stopped at the first event past a limit. */
#include "core/yaml_load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/config.h"

/* an anchor (&name) read so far */
typedef struct {
    char *name;
    int node;
    bool open;   /* a collection still being read: an alias to it would make a cycle */
} yl_anchor;

/* a collection being read */
typedef struct {
    int node;
    int key;      /* in a mapping: the key read, waiting for its value (0: none) */
    int anchor;   /* its anchor's index in the table, -1 when it has none */
} yl_open;

typedef struct {
    yaml_parser_t parser;
    yaml_document_t *doc;
    const rl_yaml_source *src;
    const char *text;
    size_t len;
    yl_open open[RL_CONFIG_MAX_DEPTH + 1];
    int depth;    /* collections open */
    int nodes;    /* nodes and aliases read */
    yl_anchor *anchors;
    int n_anchors, cap_anchors;
    char *err;
    size_t err_sz;
} yl_loader;

/* "a config", "an ablation file" */
static const char *article(const char *what) { return strchr("aeiou", what[0]) ? "an" : "a"; }

/* "origin:line:column: msg", or "origin: msg" without positions */
static rl_status yl_err(const yl_loader *l, yaml_mark_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static rl_status yl_err(const yl_loader *l, yaml_mark_t at, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!l->src->positions) return rl_errf(l->err, l->err_sz, RL_ERR_PARSE, "%s: %s", l->src->origin, msg);
    return rl_errf(l->err, l->err_sz, RL_ERR_PARSE, "%s:%zu:%zu: %s", l->src->origin, at.line + 1, at.column + 1, msg);
}

static rl_status yl_nomem(const yl_loader *l)
{
    return rl_errf(l->err, l->err_sz, RL_ERR_NOMEM, "%s: out of memory reading YAML", l->src->origin);
}

/* libyaml's reader (encoding) errors give a byte offset, not a line: the line and column of it */
static yaml_mark_t offset_mark(const char *text, size_t len, size_t off)
{
    yaml_mark_t m = {off, 0, 0};
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') {
            m.line++;
            m.column = 0;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            m.column++;
        }
    }
    return m;
}

static rl_status yl_syntax_error(const yl_loader *l)
{
    const yaml_parser_t *p = &l->parser;
    const char *problem = p->problem ? p->problem : "syntax error";
    if (p->error == YAML_MEMORY_ERROR) return yl_nomem(l);
    if (p->error == YAML_READER_ERROR)   /* bytes that are not UTF-8 (or a control character) */
        return yl_err(l, offset_mark(l->text, l->len, p->problem_offset),
                      "not UTF-8 text without control characters: %s", problem);
    if (!l->src->positions) return yl_err(l, p->problem_mark, "not a valid YAML value: %s", problem);
    return yl_err(l, p->problem_mark, "YAML syntax error: %s%s%s", problem, p->context ? " " : "",
                  p->context ? p->context : "");
}

/* the next event into ev (the caller deletes it) */
static rl_status yl_next(yl_loader *l, yaml_event_t *ev)
{
    return yaml_parser_parse(&l->parser, ev) ? RL_OK : yl_syntax_error(l);
}

/* ---- anchors and aliases ------------------------------------------------------------------ */

static rl_status yl_add_anchor(yl_loader *l, const yaml_char_t *name, int node, bool open, int *index)
{
    if (l->n_anchors == l->cap_anchors) {
        l->cap_anchors = l->cap_anchors ? 2 * l->cap_anchors : 16;
        yl_anchor *grown = realloc(l->anchors, (size_t)l->cap_anchors * sizeof *grown);
        if (!grown) return yl_nomem(l);
        l->anchors = grown;
    }
    char *copy = strdup((const char *)name);
    if (!copy) return yl_nomem(l);
    l->anchors[l->n_anchors] = (yl_anchor){copy, node, open};
    *index = l->n_anchors++;
    return RL_OK;
}

/* the node an alias names: the last anchor of that name before it */
static rl_status yl_alias(yl_loader *l, const yaml_event_t *ev, int *node)
{
    const char *name = (const char *)ev->data.alias.anchor;
    for (int i = l->n_anchors - 1; i >= 0; i--) {
        if (strcmp(l->anchors[i].name, name) != 0) continue;
        if (l->anchors[i].open)
            return yl_err(l, ev->start_mark, "the alias *%.60s is inside the collection &%.60s it names (a cycle)",
                          name, name);
        *node = l->anchors[i].node;
        return RL_OK;
    }
    return yl_err(l, ev->start_mark, "the alias *%.60s names no anchor (&%.60s) before it", name, name);
}

/* ---- nodes -------------------------------------------------------------------------------- */

/* the key of map with the same text as key (a scalar), or NULL */
static const yaml_node_t *yl_same_key(const yaml_document_t *doc, const yaml_node_t *map, const yaml_node_t *key)
{
    if (key->type != YAML_SCALAR_NODE) return NULL;
    for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node((yaml_document_t *)doc, p->key);
        if (k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value,
                                                  (const char *)key->data.scalar.value) == 0)
            return k;
    }
    return NULL;
}

/* node becomes the root, an item of the open sequence, or a key or a value of the open mapping */
static rl_status yl_attach(yl_loader *l, int node, yaml_mark_t at)
{
    if (l->depth == 0) return RL_OK;   /* the root: the document's first node */
    yl_open *o = &l->open[l->depth - 1];
    yaml_node_t *parent = yaml_document_get_node(l->doc, o->node);
    if (parent->type == YAML_SEQUENCE_NODE)
        return yaml_document_append_sequence_item(l->doc, o->node, node) ? RL_OK : yl_nomem(l);
    if (o->key) {
        int key = o->key;
        o->key = 0;
        return yaml_document_append_mapping_pair(l->doc, o->node, key, node) ? RL_OK : yl_nomem(l);
    }
    const yaml_node_t *kn = yaml_document_get_node(l->doc, node);
    const yaml_node_t *first = yl_same_key(l->doc, parent, kn);
    if (first && l->src->positions)
        return yl_err(l, at, "duplicate key '%.80s' (first at line %zu)", (const char *)kn->data.scalar.value,
                      first->start_mark.line + 1);
    if (first) return yl_err(l, at, "duplicate key '%.80s'", (const char *)kn->data.scalar.value);
    o->key = node;
    return RL_OK;
}

/* a scalar, refused when it holds a NUL character, which would cut its text short */
static rl_status yl_scalar(yl_loader *l, const yaml_event_t *ev, int *node)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(v, '\0', len)) return yl_err(l, ev->start_mark, "a NUL character (\\0) inside the string '%.80s...'", v);
    *node = yaml_document_add_scalar(l->doc, ev->data.scalar.tag, ev->data.scalar.value, (int)len,
                                     ev->data.scalar.style);
    return *node ? RL_OK : yl_nomem(l);
}

/* a node event (scalar, alias, start of a sequence or mapping): the limits, then the node */
static rl_status yl_node(yl_loader *l, const yaml_event_t *ev)
{
    const char *what = l->src->what;
    if (l->depth > RL_CONFIG_MAX_DEPTH)
        return yl_err(l, ev->start_mark, "nested deeper than %d levels (the limit of %s %s)", RL_CONFIG_MAX_DEPTH,
                      article(what), what);
    if (++l->nodes > RL_CONFIG_MAX_NODES)
        return yl_err(l, ev->start_mark, "more than %d YAML nodes and aliases (the limit of %s %s)",
                      RL_CONFIG_MAX_NODES, article(what), what);
    int node = 0;
    const yaml_char_t *anchor = NULL;
    rl_status st = RL_OK;
    bool collection = ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT;
    if (ev->type == YAML_ALIAS_EVENT) {
        st = yl_alias(l, ev, &node);
    } else if (ev->type == YAML_SCALAR_EVENT) {
        st = yl_scalar(l, ev, &node);
        anchor = ev->data.scalar.anchor;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        node = yaml_document_add_sequence(l->doc, ev->data.sequence_start.tag, ev->data.sequence_start.style);
        anchor = ev->data.sequence_start.anchor;
    } else {
        node = yaml_document_add_mapping(l->doc, ev->data.mapping_start.tag, ev->data.mapping_start.style);
        anchor = ev->data.mapping_start.anchor;
    }
    if (st != RL_OK) return st;
    if (!node) return yl_nomem(l);
    if (ev->type != YAML_ALIAS_EVENT) {   /* libyaml's add functions leave the marks zero */
        yaml_node_t *n = yaml_document_get_node(l->doc, node);
        n->start_mark = ev->start_mark;
        n->end_mark = ev->end_mark;
    }
    if ((st = yl_attach(l, node, ev->start_mark)) != RL_OK) return st;
    int index = -1;
    if (anchor && (st = yl_add_anchor(l, anchor, node, collection, &index)) != RL_OK) return st;
    if (collection) l->open[l->depth++] = (yl_open){node, 0, index};
    return RL_OK;
}

/* the end of the innermost open collection */
static void yl_close(yl_loader *l, const yaml_event_t *ev)
{
    RL_ASSERT(l->depth > 0);
    yl_open *o = &l->open[--l->depth];
    yaml_document_get_node(l->doc, o->node)->end_mark = ev->end_mark;
    if (o->anchor >= 0) l->anchors[o->anchor].open = false;
}

/* ---- the stream --------------------------------------------------------------------------- */

/* the events of a document after its DOCUMENT-START, up to its DOCUMENT-END */
static rl_status yl_read_document(yl_loader *l)
{
    for (;;) {
        yaml_event_t ev;
        rl_status st = yl_next(l, &ev);
        if (st != RL_OK) return st;
        yaml_event_type_t type = ev.type;
        if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) yl_close(l, &ev);
        else if (type != YAML_DOCUMENT_END_EVENT) st = yl_node(l, &ev);
        yaml_event_delete(&ev);
        if (st != RL_OK || type == YAML_DOCUMENT_END_EVENT) return st;
    }
}

/* after the first document: the end of the stream, or a second document (an error at its root) */
static rl_status yl_read_end(yl_loader *l)
{
    yaml_event_t ev;
    rl_status st = yl_next(l, &ev);
    if (st != RL_OK) return st;
    yaml_event_type_t type = ev.type;
    yaml_event_delete(&ev);
    if (type == YAML_STREAM_END_EVENT) return RL_OK;
    if ((st = yl_next(l, &ev)) != RL_OK) return st;   /* the second document's root */
    yaml_mark_t at = ev.start_mark;
    yaml_event_delete(&ev);
    if (!l->src->positions) return yl_err(l, at, "more than one YAML document");
    return yl_err(l, at, "a second YAML document (after '---'); %s %s is a single mapping", article(l->src->what),
                  l->src->what);
}

/* STREAM-START, then the first document (if any) and the end */
static rl_status yl_read_stream(yl_loader *l)
{
    yaml_event_t ev;
    rl_status st = yl_next(l, &ev);   /* STREAM-START */
    if (st != RL_OK) return st;
    yaml_event_delete(&ev);
    if ((st = yl_next(l, &ev)) != RL_OK) return st;
    yaml_event_type_t type = ev.type;
    yaml_event_delete(&ev);
    if (type == YAML_STREAM_END_EVENT) return RL_OK;   /* no document */
    if ((st = yl_read_document(l)) != RL_OK) return st;
    return yl_read_end(l);
}

rl_status rl_yaml_load(yaml_document_t *doc, const char *text, size_t len, const rl_yaml_source *src, char *err,
                       size_t err_sz)
{
    yl_loader l = {.doc = doc, .src = src, .text = text, .len = len, .err = err, .err_sz = err_sz};
    if (!yaml_document_initialize(doc, NULL, NULL, NULL, 1, 1)) return yl_nomem(&l);
    if (!yaml_parser_initialize(&l.parser)) {
        yaml_document_delete(doc);
        return yl_nomem(&l);
    }
    yaml_parser_set_input_string(&l.parser, (const unsigned char *)text, len);
    rl_status st = yl_read_stream(&l);
    yaml_parser_delete(&l.parser);
    for (int i = 0; i < l.n_anchors; i++) free(l.anchors[i].name);
    free(l.anchors);
    if (st != RL_OK) yaml_document_delete(doc);
    return st;
}

/* ---- files -------------------------------------------------------------------------------- */

/* the bytes of fp, up to one past the limit, into a buffer that grows as needed */
static char *read_bounded(FILE *fp, size_t *got)
{
    size_t cap = 4096, max = (size_t)RL_CONFIG_MAX_BYTES + 1;
    char *buf = rl_xmalloc(cap + 1);
    *got = 0;
    for (size_t n; *got < max && (n = fread(buf + *got, 1, cap - *got, fp)) > 0;) {
        *got += n;
        if (*got == cap && cap < max) {
            cap = cap * 2 < max ? cap * 2 : max;
            char *grown = realloc(buf, cap + 1);
            RL_ASSERT(grown != NULL);
            buf = grown;
        }
    }
    buf[*got] = '\0';
    return buf;
}

/* a NUL byte means a binary file (and would end the text early) */
static rl_status check_no_nul(const char *path, const char *text, size_t len, char *err, size_t err_sz)
{
    const char *nul = memchr(text, '\0', len);
    if (!nul) return RL_OK;
    int line = 1;
    for (const char *c = text; c < nul; c++) line += *c == '\n';
    return rl_errf(err, err_sz, RL_ERR_PARSE, "%s:%d: a NUL byte (at byte %zu): not a YAML text file", path, line,
                   (size_t)(nul - text));
}

rl_status rl_yaml_read_file(const char *path, const char *what, char **text, size_t *len, char *err,
                            size_t err_sz)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot open %s: %s", path, what, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(fp);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: is a directory, not %s %s", path, article(what), what);
    }
    size_t got;
    char *buf = read_bounded(fp, &got);
    int bad = ferror(fp);
    fclose(fp);
    rl_status st = RL_OK;
    if (bad) st = rl_errf(err, err_sz, RL_ERR_IO, "%s: read error", path);
    else if (got > RL_CONFIG_MAX_BYTES)
        st = rl_errf(err, err_sz, RL_ERR_IO, "%s: larger than %d bytes (the limit of %s %s)", path, RL_CONFIG_MAX_BYTES,
                     article(what), what);
    else st = check_no_nul(path, buf, got, err, err_sz);
    if (st != RL_OK) {
        free(buf);
        return st;
    }
    *text = buf;
    *len = got;
    return RL_OK;
}

rl_status rl_yaml_load_file(yaml_document_t *doc, const char *path, const char *what, char *err, size_t err_sz)
{
    char *text;
    size_t len;
    rl_status st = rl_yaml_read_file(path, what, &text, &len, err, err_sz);
    if (st != RL_OK) return st;
    rl_yaml_source src = {path, what, true};
    st = rl_yaml_load(doc, text, len, &src, err, err_sz);
    free(text);
    return st;
}
