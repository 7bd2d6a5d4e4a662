/* rlc core: YAML config loading (libyaml), --set overrides, validation and dump.
 *
 * The YAML document is first turned into a small tree of nodes that remember their line; --set
 * overrides are parsed as YAML flow text and grafted into that tree; then the tree is walked
 * against the field tables generated from core/config_fields.h. */
#include "core/config.h"
#include "core/cpus.h"
#include "core/limits.h"
#include "core/suggest.h"
#include "core/yaml_load.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- field tables ------------------------------------------------------------------------ */

/* a field's offset is from the start of rl_config: core's sections are members of it, the
 * algorithms' sections are laid out in rl_config.algo_sections when they are registered */
typedef rl_config_field field_desc;
#define T_I64 RL_CFG_I64
#define T_F64 RL_CFG_F64
#define T_BOOL RL_CFG_BOOL
#define T_STR RL_CFG_STR
#define T_LIST RL_CFG_LIST
#define T_LOSS RL_CFG_LOSS
#define T_KWARGS RL_CFG_KWARGS

typedef struct {
    const char *key;                  /* "" for top level; several sections may share a key */
    const field_desc *fields;
    int n;
    const rl_config_section *algo;    /* an algorithm's or an add-on's section (NULL: core's) */
    size_t off;                       /* ... at this offset in rl_config */
    bool addon;                       /* an add-on's: every algorithm may have it */
} section_desc;

#define F(S, ctype, name, type, dnum, dstr, lo, hi, choices, doc) \
    {#name, T_##type, offsetof(rl_config, S.name), (double)(dnum), dstr, (double)(lo), (double)(hi), choices, doc},
#define SEC_TABLE(field, key, list) static const field_desc fields_##field[] = {list(F, field)};
RL_CONFIG_SECTIONS(SEC_TABLE)
#undef SEC_TABLE
#define SEC_ROW(field, key, list) {key, fields_##field, RL_ARRAY_LEN(fields_##field), NULL, 0, false},
static const section_desc core_sections[] = {RL_CONFIG_SECTIONS(SEC_ROW)};
#undef SEC_ROW
#undef F

#define MAX_ALGOS 32
#define MAX_SECTIONS 64
#define MAX_ALGO_FIELDS 512

/* the registered algorithms and add-ons, and every section in the order of the dump: core's up
 * to network, the algorithms' (in registration order), core's up to normalize, the add-ons', then
 * core's others */
static const rl_config_algo *g_algos[MAX_ALGOS];
static int g_n_algos;
static const rl_config_addon *g_addons[MAX_ALGOS];
static int g_n_addons;
static const rl_config_list *g_list;   /* the list an add-on declares, or NULL */
static char g_algo_choices[MAX_ALGOS * 24];
static section_desc sections_buf[MAX_SECTIONS];
static field_desc g_algo_fields[MAX_ALGO_FIELDS];
static const section_desc *sections = core_sections;
static int n_sections = RL_ARRAY_LEN(core_sections);

/* Two algorithms' sections of one YAML key (`losses:`) may not both declare a key: the config
 * would read `losses.critic` into the first alone. Algorithms that take the same key share the
 * section that declares it (algos/onpolicy.h, algos/offpolicy.h). Aborts naming the key. */
static void check_no_shared_key(const section_desc *out, int n, const rl_config_section *s)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(out[i].key, s->key) != 0) continue;
        for (int a = 0; a < out[i].n; a++)
            for (int b = 0; b < s->n; b++)
                if (strcmp(out[i].fields[a].key, s->fields[b].key) == 0) {
                    fprintf(stderr, "rlc: config key %s.%s is declared by two algorithms' sections; "
                                    "share one section instead\n", s->key, s->fields[b].key);
                    RL_ASSERT_MSG(0, "an algorithm config key declared twice");
                }
    }
}

/* Where the registered sections go: section s at byte *at of the region [base, base + cap) of
 * rl_config, its fields from g_algo_fields[*n_fields]; appended to out[*n] unless it is there. */
static void layout_section(section_desc *out, int *n, int max, const rl_config_section *s, bool addon, size_t *at,
                           size_t base, size_t cap, int *n_fields)
{
    for (int i = 0; i < *n; i++)
        if (out[i].algo == s) return;
    RL_ASSERT(*n < max && *n_fields + s->n <= MAX_ALGO_FIELDS);
    check_no_shared_key(out, *n, s);
    *at = (*at + 7) & ~(size_t)7;
    RL_ASSERT_MSG(*at + s->size <= base + cap, addon ? "the add-ons' config sections exceed RL_CONFIG_ADDON_BYTES"
                                                     : "the algorithms' config sections exceed RL_CONFIG_ALGO_BYTES");
    field_desc *f = &g_algo_fields[*n_fields];
    for (int k = 0; k < s->n; k++) f[k] = s->fields[k], f[k].off += *at;
    out[(*n)++] = (section_desc){s->key, f, s->n, s, *at, addon};
    *n_fields += s->n;
    *at += s->size;
}

/* core's sections from *i up to and including the one with key `last` ("" = all the rest) */
static void copy_core_sections(int *i, const char *last, section_desc *out, int *k)
{
    while (*i < RL_ARRAY_LEN(core_sections)) {
        out[(*k)++] = core_sections[*i];
        if (strcmp(core_sections[(*i)++].key, last) == 0) return;
    }
}

/* every section in the order of the dump, the registered ones laid out in rl_config (the
 * algorithms' in algo_sections, each once; the add-ons' in addon_sections) */
static void layout_sections(void)
{
    int k = 0, core = 0, n_fields = 0;
    section_desc *out = sections_buf;
    size_t at = offsetof(rl_config, algo_sections), at_addon = offsetof(rl_config, addon_sections);
    copy_core_sections(&core, "network", out, &k);   /* root, env, network */
    for (int a = 0; a < g_n_algos; a++)
        for (const rl_config_section *const *s = g_algos[a]->sections; s && *s; s++)
            layout_section(out, &k, MAX_SECTIONS, *s, false, &at, offsetof(rl_config, algo_sections),
                           RL_CONFIG_ALGO_BYTES, &n_fields);
    copy_core_sections(&core, "normalize", out, &k);   /* gaussian, normalize */
    for (int a = 0; a < g_n_addons; a++)
        layout_section(out, &k, MAX_SECTIONS, g_addons[a]->section, true, &at_addon,
                       offsetof(rl_config, addon_sections), RL_CONFIG_ADDON_BYTES, &n_fields);
    copy_core_sections(&core, "", out, &k);   /* log, stop */
    sections = sections_buf;
    n_sections = k;
}

void rl_config_register_algos(const rl_config_algo *const *algos, int n)
{
    RL_ASSERT(n >= 0 && n <= MAX_ALGOS);
    g_n_algos = n;
    size_t at = 0;
    g_algo_choices[0] = '\0';
    for (int a = 0; a < n; a++) {
        g_algos[a] = algos[a];
        at += (size_t)snprintf(g_algo_choices + at, sizeof g_algo_choices - at, "%s%s", a ? "|" : "", algos[a]->name);
        RL_ASSERT(at < sizeof g_algo_choices);
    }
    layout_sections();
}

void rl_config_register_addons(const rl_config_addon *const *addons, int n)
{
    RL_ASSERT(n >= 0 && n <= MAX_ALGOS);
    g_n_addons = n;
    for (int a = 0; a < n; a++) g_addons[a] = addons[a];
    layout_sections();
}

const rl_config_algo *rl_config_find_algo(const char *name)
{
    for (int a = 0; a < g_n_algos; a++)
        if (strcmp(g_algos[a]->name, name) == 0) return g_algos[a];
    return NULL;
}

/* "a, b and c": the registered algorithms with every flag in `flags`, or those reading a section
 * with key `key` (when key is not NULL) */
static void algo_names(char *buf, size_t sz, unsigned flags, const char *key)
{
    const char *names[MAX_ALGOS];
    int n = 0;
    for (int a = 0; a < g_n_algos; a++) {
        bool take = (g_algos[a]->flags & flags) == flags;
        if (key) {
            take = false;
            for (const rl_config_section *const *s = g_algos[a]->sections; s && *s; s++) take |= strcmp((*s)->key, key) == 0;
        }
        if (take) names[n++] = g_algos[a]->name;
    }
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && at < sz; i++)
        at += (size_t)snprintf(buf + at, sz - at, "%s%s", i == 0 ? "" : i == n - 1 ? " and " : ", ", names[i]);
}

/* the choices of a string field: `algo:` takes the registered names */
static const char *field_choices(const field_desc *f)
{
    if (f == &fields_root[0] && g_n_algos > 0) return g_algo_choices;
    return f->choices;
}

/* the default of a string, list or loss field: `algo:` defaults to the first registered name */
static const char *field_default(const field_desc *f)
{
    if (f == &fields_root[0] && g_n_algos > 0) return g_algos[0]->name;
    return f->dstr;
}

static bool section_known(const char *key)
{
    for (int s = 0; s < n_sections; s++)
        if (strcmp(sections[s].key, key) == 0) return true;
    return false;
}

/* whether only the algorithms' sections have this key (a section of some algorithm) */
static bool algo_section_key(const char *key)
{
    bool algo = false;
    for (int s = 0; s < n_sections; s++)
        if (strcmp(sections[s].key, key) == 0) {
            if (!sections[s].algo || sections[s].addon) return false;
            algo = true;
        }
    return algo;
}

static const field_desc *find_field(const char *sec_key, const char *key)
{
    for (int s = 0; s < n_sections; s++) {
        if (strcmp(sections[s].key, sec_key) != 0) continue;
        for (int f = 0; f < sections[s].n; f++)
            if (strcmp(sections[s].fields[f].key, key) == 0) return &sections[s].fields[f];
    }
    return NULL;
}

/* whether sections[s] is the first with its key (the dump and the reference group by key) */
static bool first_of_key(int s)
{
    for (int i = 0; i < s; i++)
        if (strcmp(sections[i].key, sections[s].key) == 0) return false;
    return true;
}

const void *rl_config_section_of(const rl_config *cfg, const rl_config_section *sec)
{
    for (int s = 0; s < n_sections; s++)
        if (sections[s].algo == sec) return (const char *)cfg + sections[s].off;
    RL_ASSERT_MSG(0, "config section not registered (rl_config_register_algos, rl_config_register_addons)");
    return NULL;
}

void *rl_config_section_of_mut(rl_config *cfg, const rl_config_section *sec)
{
    return (void *)rl_config_section_of(cfg, sec);
}

const void *rl_config_get(const rl_config *cfg, const char *dotted)
{
    char sec[64];
    const char *dot = strchr(dotted, '.');
    size_t n = dot ? (size_t)(dot - dotted) : 0;
    if (n >= sizeof sec) return NULL;
    memcpy(sec, dotted, n);
    sec[n] = '\0';
    const field_desc *f = find_field(sec, dot ? dot + 1 : dotted);
    return f ? (const char *)cfg + f->off : NULL;
}

void *rl_config_get_mut(rl_config *cfg, const char *dotted) { return (void *)rl_config_get(cfg, dotted); }

/* ---- defaults ---------------------------------------------------------------------------- */

static void parse_default_list(rl_int_list *l, const char *s)
{
    l->n = 0;
    while (s && *s && l->n < RL_LIST_MAX) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s) break;
        l->v[l->n++] = v;
        s = end;
    }
}

static void set_default(rl_config *cfg, const field_desc *f)
{
    char *p = (char *)cfg + f->off;
    switch (f->type) {
    case T_I64: *(int64_t *)p = (int64_t)f->dnum; break;
    case T_F64: *(double *)p = f->dnum; break;
    case T_BOOL: *(bool *)p = f->dnum != 0; break;
    case T_STR: snprintf(p, RL_STR_MAX, "%s", field_default(f) ? field_default(f) : ""); break;
    case T_LIST: parse_default_list((rl_int_list *)p, f->dstr); break;
    case T_LOSS: {
        rl_loss_cfg *l = (rl_loss_cfg *)p;
        memset(l, 0, sizeof *l);
        snprintf(l->name, sizeof l->name, "%s", f->dstr);
        snprintf(l->where, sizeof l->where, "default");
        break;
    }
    case T_KWARGS: memset(p, 0, sizeof(rl_kwargs)); break;
    }
}

void rl_config_default(rl_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (int s = 0; s < n_sections; s++)
        for (int f = 0; f < sections[s].n; f++) set_default(cfg, &sections[s].fields[f]);
}

/* ---- a small tree of YAML nodes ---------------------------------------------------------- */

typedef enum { N_SCALAR, N_MAP, N_SEQ } nkind;

typedef struct cnode {
    nkind kind;
    int line;               /* 1-based line in the file; 0 for --set values */
    char *key;              /* key in the parent mapping (NULL for sequence items and the root) */
    char *val;              /* scalar text */
    int plain;              /* scalar was unquoted */
    const char *origin;     /* file name or the --set argument */
    struct cnode *kids;
    int n, cap;
} cnode;

static void node_free(cnode *n)
{
    if (!n) return;
    for (int i = 0; i < n->n; i++) node_free(&n->kids[i]);
    free(n->kids);
    free(n->key);
    free(n->val);
    n->kids = NULL;
    n->key = n->val = NULL;
    n->n = n->cap = 0;
}

static cnode *node_add(cnode *parent)
{
    if (parent->n == parent->cap) {
        parent->cap = parent->cap ? parent->cap * 2 : 8;
        parent->kids = realloc(parent->kids, (size_t)parent->cap * sizeof(cnode));
        RL_ASSERT(parent->kids != NULL);
    }
    cnode *k = &parent->kids[parent->n++];
    memset(k, 0, sizeof *k);
    return k;
}

static cnode *node_child(const cnode *map, const char *key)
{
    for (int i = 0; i < map->n; i++)
        if (map->kids[i].key && strcmp(map->kids[i].key, key) == 0) return &map->kids[i];
    return NULL;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = rl_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

/* where-prefix for messages: "file:line" or "--set arg" */
static void node_where(const cnode *n, char *buf, size_t sz)
{
    if (n->line > 0) snprintf(buf, sz, "%s:%d", n->origin, n->line);
    else snprintf(buf, sz, "%s", n->origin);
}

/* What building one tree from a YAML document has used so far, against the RL_CONFIG_MAX_*
 * limits: aliases make a small document stand for a huge tree (an alias bomb), so the limits
 * count the tree built, not the text read (which the loader, core/yaml_load.h, has bounded). */
typedef struct {
    yaml_document_t *doc;
    const char *origin;     /* file name or "--set arg" */
    int is_set;             /* --set values have no line numbers */
    int nodes;              /* nodes built */
    size_t bytes;           /* scalar text copied */
    char *err;
    size_t err_sz;
} tree_ctx;

/* "origin:line: msg" (or "origin: msg" without a line) into the context's error buffer */
static rl_status tree_err(const tree_ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rl_status tree_err(const tree_ctx *c, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0) return rl_errf(c->err, c->err_sz, RL_ERR_PARSE, "%s:%d: %s", c->origin, line, msg);
    return rl_errf(c->err, c->err_sz, RL_ERR_PARSE, "%s: %s", c->origin, msg);
}

static int yaml_line(const tree_ctx *c, const yaml_node_t *yn)
{
    return c->is_set ? 0 : (int)yn->start_mark.line + 1;
}

/* counts one node of `len` bytes of text against the limits */
static rl_status tree_charge(tree_ctx *c, int line, int depth, size_t len)
{
    if (depth > RL_CONFIG_MAX_DEPTH)
        return tree_err(c, line, "nested deeper than %d levels once aliases (*name) are expanded "
                        "(the limit of a config)", RL_CONFIG_MAX_DEPTH);
    if (++c->nodes > RL_CONFIG_MAX_NODES)
        return tree_err(c, line, "more than %d YAML nodes once aliases (*name) are expanded "
                        "(the limit of a config, against alias bombs)", RL_CONFIG_MAX_NODES);
    c->bytes += len;
    if (c->bytes > RL_CONFIG_MAX_BYTES)
        return tree_err(c, line, "more than %d bytes of text once aliases (*name) are expanded "
                        "(the limit of a config)", RL_CONFIG_MAX_BYTES);
    return RL_OK;
}

static rl_status convert_node(tree_ctx *c, cnode *out, yaml_node_t *yn, int depth);

static rl_status convert_mapping(tree_ctx *c, cnode *out, yaml_node_t *yn, int depth)
{
    for (yaml_node_pair_t *p = yn->data.mapping.pairs.start; p < yn->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
        int kline = yaml_line(c, kn);
        if (kn->type != YAML_SCALAR_NODE) return tree_err(c, kline, "a key must be a plain name");
        /* the loader has refused duplicate keys and NUL characters */
        rl_status st = tree_charge(c, kline, depth + 1, kn->data.scalar.length);
        if (st != RL_OK) return st;
        cnode *k = node_add(out);
        k->key = xstrdup((const char *)kn->data.scalar.value);
        st = convert_node(c, k, yaml_document_get_node(c->doc, p->value), depth + 1);
        if (kline) k->line = kline;
        if (st != RL_OK) return st;
    }
    return RL_OK;
}

static rl_status convert_node(tree_ctx *c, cnode *out, yaml_node_t *yn, int depth)
{
    out->origin = c->origin;
    out->line = yaml_line(c, yn);
    size_t len = yn->type == YAML_SCALAR_NODE ? yn->data.scalar.length : 0;
    rl_status st = tree_charge(c, out->line, depth, len);
    if (st != RL_OK) return st;
    switch (yn->type) {
    case YAML_SCALAR_NODE:
        out->kind = N_SCALAR;
        out->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        out->val = xstrdup((const char *)yn->data.scalar.value);
        return RL_OK;
    case YAML_SEQUENCE_NODE:
        out->kind = N_SEQ;
        for (yaml_node_item_t *it = yn->data.sequence.items.start; it < yn->data.sequence.items.top; it++) {
            cnode *k = node_add(out);
            if ((st = convert_node(c, k, yaml_document_get_node(c->doc, *it), depth + 1)) != RL_OK) return st;
        }
        return RL_OK;
    case YAML_MAPPING_NODE:
        out->kind = N_MAP;
        return convert_mapping(c, out, yn, depth);
    default:
        return tree_err(c, out->line, "empty node");
    }
}

/* Where the text comes from: a config file (must hold a mapping), text in memory (a checkpoint's
 * config; empty means defaults) or a --set value. */
typedef enum { SRC_FILE, SRC_TEXT, SRC_SET } yaml_source;

/* the tree of a loaded document into root (an empty mapping when the document is empty) */
static rl_status build_tree(cnode *root, yaml_document_t *doc, const char *origin, yaml_source src,
                            char *err, size_t err_sz)
{
    yaml_node_t *top = yaml_document_get_root_node(doc);
    if (!top && src == SRC_FILE)
        return rl_errf(err, err_sz, RL_ERR_PARSE,
                       "%s: the file holds no YAML (empty or only comments); a config is a mapping of keys "
                       "(algo:, env:, ppo:, ...)", origin);
    if (!top) return RL_OK;
    tree_ctx c = {doc, origin, src == SRC_SET, 0, 0, err, err_sz};
    rl_status st = convert_node(&c, root, top, 0);
    if (st == RL_OK && src != SRC_SET && root->kind != N_MAP)
        st = rl_errf(err, err_sz, RL_ERR_PARSE,
                     "%s:%d: the top level must be a mapping of keys (algo:, env:, ppo:, ...)", origin, root->line);
    return st;
}

/* Parses YAML text into a tree (through the bounded loader, core/yaml_load.h). An empty document
 * gives an empty mapping (an error for a file). On error the tree is freed. */
static rl_status parse_yaml(cnode *root, const char *text, size_t len, const char *origin,
                            yaml_source src, char *err, size_t err_sz)
{
    yaml_document_t doc;
    memset(root, 0, sizeof *root);
    root->kind = N_MAP;
    root->origin = origin;
    rl_yaml_source ys = {origin, "config", src != SRC_SET};
    rl_status st = rl_yaml_load(&doc, text, len, &ys, err, err_sz);
    if (st != RL_OK) return st;
    st = build_tree(root, &doc, origin, src, err, err_sz);
    yaml_document_delete(&doc);
    if (st != RL_OK) node_free(root);
    return st;
}

/* ---- converting scalars ------------------------------------------------------------------ */

static const char *type_name(rl_cfg_type t)
{
    switch (t) {
    case T_I64: return "an integer";
    case T_F64: return "a number";
    case T_BOOL: return "true or false";
    case T_STR: return "a string";
    case T_LIST: return "a list of integers like [64, 64]";
    case T_LOSS: return "a loss name or {name: ..., param: value}";
    case T_KWARGS: return "a mapping {name: value}";
    }
    return "?";
}

static int parse_i64(const char *s, int64_t *out)
{
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno) {
        /* accept integral numbers written with an exponent (1e6) */
        double d = strtod(s, &end);
        if (end == s || *end || !isfinite(d) || d != floor(d) || fabs(d) > 9.0e18) return -1;
        v = (long long)d;
    }
    *out = v;
    return 0;
}

static int parse_f64(const char *s, double *out)
{
    errno = 0;
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const t[] = {"true", "True", "TRUE", "yes", "on", "1"};
    static const char *const f[] = {"false", "False", "FALSE", "no", "off", "0"};
    for (int i = 0; i < 6; i++) {
        if (strcmp(s, t[i]) == 0) { *out = true; return 0; }
        if (strcmp(s, f[i]) == 0) { *out = false; return 0; }
    }
    return -1;
}

static int in_choices(const char *choices, const char *s)
{
    size_t n = strlen(s);
    const char *c = choices;
    while (*c) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && strncmp(c, s, n) == 0) return 1;
        if (!bar) break;
        c = bar + 1;
    }
    return 0;
}

/* an I64 key that takes the word auto (its choices are "auto") */
static bool takes_auto(const field_desc *f) { return f->type == T_I64 && f->choices && strcmp(f->choices, "auto") == 0; }

static void fmt_range(char *buf, size_t sz, const field_desc *f)
{
    if (f->type == T_I64 || f->type == T_LIST) snprintf(buf, sz, "%.0f..%.0f", f->lo, f->hi);
    else snprintf(buf, sz, "%g..%g", f->lo, f->hi);
}

/* Adds a numeric parameter to a loss; non-zero with the reason in why when there are too many,
 * the name is too long to keep whole, or it is given twice ({name: huber, delta: 1} plus a list
 * entry's delta: 2), any of which would make the dump differ from what was read. */
static int loss_add_param(rl_loss_cfg *l, const char *key, double v, char *why, size_t why_sz)
{
    if (l->n_kv == RL_LOSS_MAX_KV) {
        snprintf(why, why_sz, "more than %d loss parameters", RL_LOSS_MAX_KV);
        return -1;
    }
    if (strlen(key) >= sizeof l->keys[0]) {
        snprintf(why, why_sz, "loss parameter name '%.40s...' is longer than %d characters", key,
                 (int)sizeof l->keys[0] - 1);
        return -1;
    }
    for (int i = 0; i < l->n_kv; i++) {
        if (strcmp(l->keys[i], key) == 0) {
            snprintf(why, why_sz, "parameter '%s' of loss '%s' is given twice", key, l->name);
            return -1;
        }
    }
    snprintf(l->keys[l->n_kv], sizeof l->keys[0], "%s", key);
    l->vals[l->n_kv++] = v;
    return 0;
}

#define FIELD_ERR(st, ...)                                                                       \
    do {                                                                                         \
        char msg_[400];                                                                          \
        snprintf(msg_, sizeof msg_, __VA_ARGS__);                                                \
        return rl_errf(err, err_sz, (st), "%s: %s: %s", where, path, msg_);                      \
    } while (0)

/* one value of a kwargs mapping: a scalar's text, or a list of scalars joined with ',' */
static rl_status kwarg_value(rl_kwargs *k, int i, const cnode *v, const char *where, const char *path, char *err,
                             size_t err_sz)
{
    k->list[i] = v->kind == N_SEQ;
    if (v->kind == N_MAP)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: expected a value or a list of values, got a mapping",
                       where, path);
    size_t at = 0;
    for (int j = 0; j < (v->kind == N_SEQ ? v->n : 1); j++) {
        const cnode *it = v->kind == N_SEQ ? &v->kids[j] : v;
        if (it->kind != N_SCALAR)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: entry %d: expected a value", where, path, j + 1);
        int w = snprintf(k->vals[i] + at, RL_STR_MAX - at, "%s%s", j ? "," : "", it->val);
        if (w < 0 || (size_t)w >= RL_STR_MAX - at)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: longer than %d characters", where, path,
                           RL_STR_MAX - 1);
        at += (size_t)w;
    }
    return RL_OK;
}

/* env.kwargs: a mapping of names to values, kept as text with where each was written */
static rl_status apply_kwargs(rl_kwargs *k, const cnode *n, const char *path, char *err, size_t err_sz)
{
    char where[RL_STR_MAX + 32];
    node_where(n, where, sizeof where);
    memset(k, 0, sizeof *k);
    if (n->kind == N_SCALAR && (!n->val[0] || (n->plain && strcmp(n->val, "~") == 0))) return RL_OK;
    if (n->kind != N_MAP)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: expected a mapping {name: value}, got a %s", where,
                       path, n->kind == N_SEQ ? "list" : "scalar");
    if (n->n > RL_KWARGS_MAX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: at most %d arguments, got %d", where, path,
                       RL_KWARGS_MAX, n->n);
    for (int i = 0; i < n->n; i++) {
        const cnode *kv = &n->kids[i];
        char kpath[RL_STR_MAX];
        snprintf(kpath, sizeof kpath, "%.120s.%.120s", path, kv->key);
        node_where(kv, where, sizeof where);
        if (strlen(kv->key) >= RL_KWARG_KEY_MAX || !rl_config_key_ok(kv->key) || strchr(kv->key, '.'))
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: expected a name of letters, digits and '_'", where,
                           kpath);
        snprintf(k->keys[i], RL_KWARG_KEY_MAX, "%s", kv->key);
        snprintf(k->where[i], sizeof k->where[i], "%.*s", (int)sizeof k->where[i] - 1, where);
        rl_status st = kwarg_value(k, i, kv, where, kpath, err, err_sz);
        if (st != RL_OK) return st;
        k->n = i + 1;
    }
    return RL_OK;
}

static rl_status apply_field(rl_config *cfg, const field_desc *f, const cnode *n, const char *path,
                             char *err, size_t err_sz)
{
    char where[RL_STR_MAX + 32], range[64];
    node_where(n, where, sizeof where);
    char *p = (char *)cfg + f->off;
    fmt_range(range, sizeof range, f);
    if (f->type == T_KWARGS) return apply_kwargs((rl_kwargs *)p, n, path, err, err_sz);
    if (f->type != T_LIST && f->type != T_LOSS && n->kind != N_SCALAR)
        FIELD_ERR(RL_ERR_CONFIG, "expected %s, got a %s", type_name(f->type),
                  n->kind == N_MAP ? "mapping" : "list");
    switch (f->type) {
    case T_I64: {
        int64_t v;
        const char *or_auto = takes_auto(f) ? " or auto" : "";
        if (takes_auto(f) && strcmp(n->val, "auto") == 0) {
            *(int64_t *)p = RL_CFG_AUTO;
            return RL_OK;
        }
        if (parse_i64(n->val, &v)) FIELD_ERR(RL_ERR_CONFIG, "expected an integer%s, got '%s'", or_auto, n->val);
        if ((double)v < f->lo || (double)v > f->hi)
            FIELD_ERR(RL_ERR_CONFIG, "%lld is out of range (expected %s%s)", (long long)v, range, or_auto);
        *(int64_t *)p = v;
        return RL_OK;
    }
    case T_F64: {
        double v;
        if (parse_f64(n->val, &v)) FIELD_ERR(RL_ERR_CONFIG, "expected a number, got '%s'", n->val);
        if (v < f->lo || v > f->hi) FIELD_ERR(RL_ERR_CONFIG, "%g is out of range (expected %s)", v, range);
        *(double *)p = v;
        return RL_OK;
    }
    case T_BOOL:
        if (parse_bool(n->val, (bool *)p)) FIELD_ERR(RL_ERR_CONFIG, "expected true or false, got '%s'", n->val);
        return RL_OK;
    case T_STR:
        if (strlen(n->val) >= RL_STR_MAX) FIELD_ERR(RL_ERR_CONFIG, "string longer than %d characters", RL_STR_MAX - 1);
        if (field_choices(f) && !in_choices(field_choices(f), n->val)) {
            char hint[200];
            rl_did_you_mean(hint, sizeof hint, n->val, field_choices(f), "|");
            FIELD_ERR(RL_ERR_CONFIG, "'%s' is not one of %.120s%s", n->val, field_choices(f), hint);
        }
        snprintf(p, RL_STR_MAX, "%s", n->val);
        return RL_OK;
    case T_LIST: {
        rl_int_list *l = (rl_int_list *)p;
        if (n->kind == N_MAP) FIELD_ERR(RL_ERR_CONFIG, "expected %s, got a mapping", type_name(f->type));
        int cnt = n->kind == N_SCALAR ? 1 : n->n;
        /* a list field whose choices are "[]" may be empty (network.hidden under an encoder) */
        int min_cnt = field_choices(f) && strcmp(field_choices(f), "[]") == 0 ? 0 : 1;
        if (cnt < min_cnt || cnt > RL_LIST_MAX)
            FIELD_ERR(RL_ERR_CONFIG, "expected %d to %d entries, got %d", min_cnt, RL_LIST_MAX, cnt);
        for (int i = 0; i < cnt; i++) {
            const cnode *it = n->kind == N_SCALAR ? n : &n->kids[i];
            int64_t v;
            if (it->kind != N_SCALAR || parse_i64(it->val, &v))
                FIELD_ERR(RL_ERR_CONFIG, "entry %d: expected an integer", i + 1);
            if ((double)v < f->lo || (double)v > f->hi)
                FIELD_ERR(RL_ERR_CONFIG, "entry %d: %lld is out of range (expected %s)", i + 1, (long long)v, range);
            l->v[i] = v;
        }
        l->n = cnt;
        return RL_OK;
    }
    case T_LOSS: {
        rl_loss_cfg *l = (rl_loss_cfg *)p;
        memset(l, 0, sizeof *l);
        snprintf(l->where, sizeof l->where, "%.190s: %.60s", where, path);
        if (n->kind == N_SEQ) FIELD_ERR(RL_ERR_CONFIG, "expected %s, got a list", type_name(f->type));
        if (n->kind == N_SCALAR) {
            if (strlen(n->val) >= sizeof l->name || !n->val[0]) FIELD_ERR(RL_ERR_CONFIG, "bad loss name '%s'", n->val);
            snprintf(l->name, sizeof l->name, "%s", n->val);
            return RL_OK;
        }
        const cnode *name = node_child(n, "name");
        if (!name || name->kind != N_SCALAR) FIELD_ERR(RL_ERR_CONFIG, "a loss mapping needs 'name: <loss>'");
        if (strlen(name->val) >= sizeof l->name || !name->val[0]) FIELD_ERR(RL_ERR_CONFIG, "bad loss name '%s'", name->val);
        snprintf(l->name, sizeof l->name, "%s", name->val);
        for (int i = 0; i < n->n; i++) {
            const cnode *kv = &n->kids[i];
            if (kv == name) continue;
            if (strcmp(kv->key, "plugin") == 0) {
                if (kv->kind != N_SCALAR || !kv->val[0] || strlen(kv->val) >= sizeof l->plugin)
                    FIELD_ERR(RL_ERR_CONFIG, "plugin of loss '%s': expected the path of a shared object (at most %d bytes)",
                              l->name, RL_STR_MAX - 1);
                snprintf(l->plugin, sizeof l->plugin, "%s", kv->val);
                continue;
            }
            double v;
            char why[160];
            if (kv->kind != N_SCALAR || parse_f64(kv->val, &v))
                FIELD_ERR(RL_ERR_CONFIG, "parameter '%s' of loss '%s': expected a number", kv->key, l->name);
            if (loss_add_param(l, kv->key, v, why, sizeof why)) FIELD_ERR(RL_ERR_CONFIG, "%s", why);
        }
        return RL_OK;
    }
    case T_KWARGS: break;   /* apply_kwargs, above */
    }
    return RL_OK;
}

static void list_keys(char *buf, size_t sz, const char *sec_key, int with_sections)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int s = 0; s < n_sections; s++)
        for (int f = 0; strcmp(sections[s].key, sec_key) == 0 && f < sections[s].n && at < sz; f++)
            at += (size_t)snprintf(buf + at, sz - at, "%s%s", at ? ", " : "", sections[s].fields[f].key);
    if (with_sections)
        for (int s = 0; s < n_sections && at < sz; s++)
            if (sections[s].key[0] && first_of_key(s)) at += (size_t)snprintf(buf + at, sz - at, ", %s", sections[s].key);
    if (with_sections && g_list && at < sz) snprintf(buf + at, sz - at, ", %s", g_list->key);
}

/* ---- the list an add-on declares (rl_config_list) ------------------------------------- */

/* the name of the loss an entry gives, for messages ("(none)" when missing) */
static const char *entry_loss_name(const cnode *e)
{
    const cnode *l = node_child(e, "loss");
    if (!l) return "(none)";
    if (l->kind == N_SCALAR) return l->val;
    const cnode *nm = l->kind == N_MAP ? node_child(l, "name") : NULL;
    return nm && nm->kind == N_SCALAR ? nm->val : "?";
}

static char g_list_key_names[256];

void rl_config_register_list(const rl_config_list *l)
{
    RL_ASSERT(!l || l->size <= RL_CONFIG_LIST_BYTES);
    g_list = l;
    size_t at = 0;
    g_list_key_names[0] = '\0';
    for (int k = 0; l && k < l->n_keys && at < sizeof g_list_key_names; k++)
        at += (size_t)snprintf(g_list_key_names + at, sizeof g_list_key_names - at, "%s%s", k ? ", " : "", l->keys[k].f.key);
}

const void *rl_config_list_of(const rl_config *cfg) { return cfg->list_section; }
void *rl_config_list_of_mut(rl_config *cfg) { return cfg->list_section; }

/* the list's count, where and entry i, inside cfg */
static int list_n(const rl_config *cfg) { return g_list ? *(const int *)(cfg->list_section + g_list->n_off) : 0; }
static char *list_where(rl_config *cfg) { return (char *)cfg->list_section + g_list->where_off; }
static unsigned char *list_entry(const rl_config *cfg, int i)
{
    return (unsigned char *)cfg->list_section + g_list->entries_off + (size_t)i * g_list->entry_size;
}
static const char *entry_kind(const rl_config *cfg, int i) { return (const char *)list_entry(cfg, i) + g_list->kind_off; }
static rl_loss_cfg *entry_loss(const rl_config *cfg, int i) { return (rl_loss_cfg *)(list_entry(cfg, i) + g_list->loss_off); }
static const char *list_kinds(void) { return g_list ? g_list->kinds : ""; }

/* the kind of entry i, checked against the add-on's names and the entries before it */
static rl_status entry_kind_set(rl_config *cfg, int i, const cnode *e, char *where, size_t where_sz, char *err, size_t err_sz)
{
    const char *K = g_list->key, *kk = g_list->kind_key;
    char *h = (char *)list_entry(cfg, i) + g_list->kind_off;
    const cnode *hn = node_child(e, kk);
    if (!hn || hn->kind != N_SCALAR)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s[%d]: missing '%s: <name>' (loss '%s'); %ss: %s", where, K, i,
                       kk, entry_loss_name(e), kk, list_kinds());
    node_where(hn, where, where_sz);
    if (strlen(hn->val) >= g_list->kind_size || !in_choices(list_kinds(), hn->val))
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s[%d]: unknown %s '%s' (with loss '%s'); %ss: %s", where, K, i,
                       kk, hn->val, entry_loss_name(e), kk, list_kinds());
    snprintf(h, g_list->kind_size, "%s", hn->val);
    for (int j = 0; j < i; j++)
        if (strcmp(entry_kind(cfg, j), h) == 0)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s[%d]: %s '%s' (loss '%s') is listed twice", where, K, i,
                           kk, h, entry_loss_name(e));
    if (!node_child(e, "loss"))
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s[%d] %s '%s': missing 'loss: <name>' (rlc losses lists them)",
                       where, K, i, kk, h);
    return RL_OK;
}

/* one key of entry i besides its kind and loss: a key of the add-on's, or a parameter of the loss */
static rl_status entry_key(rl_config *cfg, int i, const cnode *kv, char *err, size_t err_sz)
{
    const char *K = g_list->key, *kk = g_list->kind_key, *h = entry_kind(cfg, i);
    rl_loss_cfg *l = entry_loss(cfg, i);
    char where[RL_STR_MAX + 32], path[96];
    node_where(kv, where, sizeof where);
    for (int f = 0; f < g_list->n_keys; f++) {
        const rl_config_list_key *k = &g_list->keys[f];
        if (strcmp(k->f.key, kv->key) != 0) continue;
        if (k->only_for && strcmp(k->only_for, h) != 0)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s[%d] %s '%s' (loss '%s'): '%s' applies to %s only",
                           where, K, i, kk, h, l->name, kv->key, k->only_for);
        field_desc fd = k->f;
        fd.off += (size_t)(list_entry(cfg, i) - (unsigned char *)cfg);
        snprintf(path, sizeof path, "%s[%d].%s", K, i, kv->key);
        return apply_field(cfg, &fd, kv, path, err, err_sz);
    }
    /* a parameter of the loss, as in {name: huber, delta: 2} */
    double v;
    if (kv->kind != N_SCALAR || parse_f64(kv->val, &v))
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: %s[%d] %s '%s' (loss '%s'): '%s' is neither a %s key (%s) nor a numeric loss parameter",
                       where, K, i, kk, h, l->name, kv->key, kk, g_list_key_names);
    char why[160];
    if (loss_add_param(l, kv->key, v, why, sizeof why))
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s[%d] %s '%s': %s", where, K, i, kk, h, why);
    return RL_OK;
}

/* entry i: its kind, the add-on's defaults, its loss (a name or a mapping, parsed like the
 * losses section's fields), then its other keys */
static rl_status list_entry_apply(rl_config *cfg, int i, const cnode *e, char *err, size_t err_sz)
{
    char where[RL_STR_MAX + 32], path[96];
    unsigned char *h = list_entry(cfg, i);
    node_where(e, where, sizeof where);
    if (e->kind != N_MAP)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s[%d]: expected a mapping like %s", where, g_list->key, i,
                       g_list->example);
    rl_status st = entry_kind_set(cfg, i, e, where, sizeof where, err, err_sz);
    if (st != RL_OK) return st;
    for (int f = 0; f < g_list->n_keys; f++) {
        unsigned char *p = h + g_list->keys[f].f.off;
        if (g_list->keys[f].f.type == T_I64) *(int64_t *)p = (int64_t)g_list->keys[f].f.dnum;
        else *(double *)p = g_list->keys[f].f.dnum;
    }
    const cnode *hn = node_child(e, g_list->kind_key), *ln = node_child(e, "loss");
    field_desc lf = {"loss", T_LOSS, (size_t)(h + g_list->loss_off - (unsigned char *)cfg), 0, NULL, 0, 0, NULL, NULL};
    snprintf(path, sizeof path, "%s[%d] %s '%s'", g_list->key, i, g_list->kind_key, entry_kind(cfg, i));
    if ((st = apply_field(cfg, &lf, ln, path, err, err_sz))) return st;
    for (int j = 0; j < e->n; j++) {
        if (&e->kids[j] == hn || &e->kids[j] == ln) continue;
        if ((st = entry_key(cfg, i, &e->kids[j], err, err_sz))) return st;
    }
    return RL_OK;
}

static rl_status apply_list(rl_config *cfg, const cnode *n, char *err, size_t err_sz)
{
    char where[RL_STR_MAX + 32];
    const char *K = g_list->key, *kk = g_list->kind_key;
    memset(cfg->list_section, 0, g_list->size);
    node_where(n, where, sizeof where);
    snprintf(list_where(cfg), RL_STR_MAX, "%.250s", where);
    if (n->kind == N_SCALAR) {
        if (!n->val[0] || strcmp(n->val, "none") == 0) return RL_OK;
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: expected a list of %ss like [%s], got '%s'", where, K, kk,
                       g_list->example, n->val);
    }
    if (n->kind != N_SEQ)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: expected a list of %ss like [%s], got a mapping", where, K,
                       kk, g_list->example);
    if (n->n > g_list->max)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: at most %d %ss, got %d", where, K, g_list->max, kk, n->n);
    for (int i = 0; i < n->n; i++) {
        rl_status st = list_entry_apply(cfg, i, &n->kids[i], err, err_sz);
        if (st != RL_OK) return st;
    }
    *(int *)(cfg->list_section + g_list->n_off) = n->n;
    return RL_OK;
}

/* stop: reward_threshold is none, env or a number; a stop rule needs evaluations during training */
static rl_status check_stop(const rl_config *cfg, char *err, size_t err_sz)
{
    const char *t = cfg->stop.reward_threshold;
    double v;
    bool none = strcmp(t, "none") == 0;
    if (!none && strcmp(t, "env") != 0 && parse_f64(t, &v))
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: stop.reward_threshold: expected a number, env (the environment's registered threshold) "
                       "or none, got '%s'", cfg->source, t);
    const char *rule = !none ? "stop.reward_threshold" : cfg->stop.patience > 0 ? "stop.patience" : NULL;
    if (rule && cfg->log.eval_interval == 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: %s: needs evaluations during training, but log.eval_interval is 0 (only at the end)",
                       cfg->source, rule);
    return RL_OK;
}

/* relations between sections, once everything is read: the sizes (core/limits.c), the add-ons'
 * and the list's checks, the keys that apply to some algorithms only, then the algorithm's own checks */
static rl_status check_cross(const rl_config *cfg, char *err, size_t err_sz)
{
    rl_status st = rl_config_check_limits(cfg, err, err_sz);   /* sizes: core/limits.c */
    for (int a = 0; st == RL_OK && a < g_n_addons; a++)
        if (g_addons[a]->check) st = g_addons[a]->check(cfg, err, err_sz);
    if (st == RL_OK && g_list && g_list->check) st = g_list->check(cfg, err, err_sz);
    if (st == RL_OK) st = check_stop(cfg, err, err_sz);
    if (st != RL_OK) return st;
    const rl_config_algo *algo = rl_config_find_algo(cfg->root.algo);
    unsigned flags = algo ? algo->flags : 0;
    char names[256];
    if (cfg->network.shared && !(flags & RL_CFG_NETWORK_SHARED)) {
        algo_names(names, sizeof names, RL_CFG_NETWORK_SHARED, NULL);
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: network.shared: applies to algo %s only (algo is '%s')",
                       cfg->source, names, cfg->root.algo);
    }
    if (list_n(cfg) > 0 && !(flags & g_list->algo_flag)) {
        algo_names(names, sizeof names, g_list->algo_flag, NULL);
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: %s are implemented for algo %s (algo is '%s')",
                       list_where((rl_config *)cfg), g_list->key, g_list->what, names, cfg->root.algo);
    }
    return algo && algo->check ? algo->check(cfg, err, err_sz) : RL_OK;
}

static rl_status apply_tree(rl_config *cfg, const cnode *root, char *err, size_t err_sz)
{
    char where[RL_STR_MAX + 32], known[1024], hint[200];
    for (int i = 0; i < root->n; i++) {
        const cnode *k = &root->kids[i];
        node_where(k, where, sizeof where);
        const field_desc *f = find_field("", k->key);
        if (f) {
            rl_status st = apply_field(cfg, f, k, k->key, err, err_sz);
            if (st != RL_OK) return st;
            continue;
        }
        if (g_list && strcmp(k->key, g_list->key) == 0) {
            rl_status st = apply_list(cfg, k, err, err_sz);
            if (st != RL_OK) return st;
            continue;
        }
        if (!section_known(k->key)) {
            list_keys(known, sizeof known, "", 1);
            rl_did_you_mean(hint, sizeof hint, k->key, known, ",");
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: unknown key '%s'%s (expected one of: %s)",
                           where, k->key, hint, known);
        }
        if (k->kind != N_MAP)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: expected a mapping of keys", where, k->key);
        for (int j = 0; j < k->n; j++) {
            const cnode *kv = &k->kids[j];
            char path[200];
            snprintf(path, sizeof path, "%s.%s", k->key, kv->key);
            const field_desc *ff = find_field(k->key, kv->key);
            if (!ff) {
                node_where(kv, where, sizeof where);
                list_keys(known, sizeof known, k->key, 0);
                rl_did_you_mean(hint, sizeof hint, kv->key, known, ",");
                return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: unknown key '%s'%s (known keys in %s: %s)",
                               where, path, hint, k->key, known);
            }
            rl_status st = apply_field(cfg, ff, kv, path, err, err_sz);
            if (st != RL_OK) return st;
            /* the environment is looked up after loading (a plugin may register it): its errors name this */
            if (strcmp(path, "env.id") == 0) node_where(kv, cfg->env_id_where, sizeof cfg->env_id_where);
        }
    }
    return RL_OK;
}

/* ---- --set overrides --------------------------------------------------------------------- */

/* The key's parts become mapping keys as they are: names only (no control characters or broken
 * UTF-8 that the dump could not write back, no '=' that would end the key early). */
bool rl_config_key_ok(const char *key)
{
    bool named = false;
    for (const char *c = key; *c; c++) {
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.') return false;
        named |= *c != '.';
    }
    return named;
}

/* Grafts value (parsed YAML) at the dotted path into root, replacing what was there. origin
 * ("--set arg") names the override in messages and must outlive the tree. */
static rl_status apply_set(cnode *root, const char *arg, const char *origin, char *err,
                           size_t err_sz)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return rl_errf(err, err_sz, RL_ERR_ARG, "--set %s: expected section.key=value", arg);
    char path[200];
    size_t plen = (size_t)(eq - arg);
    if (plen >= sizeof path) return rl_errf(err, err_sz, RL_ERR_ARG, "--set %s: key too long", arg);
    memcpy(path, arg, plen);
    path[plen] = '\0';
    if (!rl_config_key_ok(path))
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "--set %s: the key may hold only letters, digits, '_', '-' and '.' between names", arg);
    const char *value = eq + 1;

    cnode val;
    rl_status st = parse_yaml(&val, value[0] ? value : "''", value[0] ? strlen(value) : 2, origin, SRC_SET, err,
                              err_sz);
    if (st != RL_OK) return st;

    /* walk/create the path */
    cnode *at = root;
    char *save = NULL;
    char *part = strtok_r(path, ".", &save);
    while (part) {
        char *next = strtok_r(NULL, ".", &save);
        cnode *child = node_child(at, part);
        if (!next) {
            if (child) node_free(child);
            else child = node_add(at);
            *child = val;
            child->key = xstrdup(part);
            child->origin = origin;
            return RL_OK;
        }
        if (!child) {
            child = node_add(at);
            child->kind = N_MAP;
            child->key = xstrdup(part);
            child->origin = origin;
        } else if (child->kind == N_SCALAR && at != root) {
            /* losses.value.delta=2 on `value: huber`: turn the scalar into {name: huber} */
            char *name = child->val;
            child->val = NULL;
            child->kind = N_MAP;
            cnode *nm = node_add(child);
            nm->kind = N_SCALAR;
            nm->key = xstrdup("name");
            nm->val = name;
            nm->origin = child->origin;
            nm->line = child->line;
        } else if (child->kind != N_MAP) {
            node_free(&val);
            return rl_errf(err, err_sz, RL_ERR_ARG, "--set %s: '%s' is not a section", arg, part);
        }
        at = child;
        part = next;
    }
    node_free(&val);
    return rl_errf(err, err_sz, RL_ERR_ARG, "--set %s: empty key", arg);
}

/* ---- checks on the tree as written ------------------------------------------------------ */

/* the text rl_config_dump writes (a run directory's config.yaml, a checkpoint's rlc.config):
 * every section is there, whatever the algo */
#define RESOLVED_DUMP_HEADER "# rlc resolved config"

/* Whether text is such a dump: the header is one of its leading comment lines (rlc tune's
 * best.yaml and a user's note may sit above it), before the first line that is neither a comment
 * nor blank. */
static bool is_resolved_dump(const char *text, size_t len)
{
    const size_t hlen = strlen(RESOLVED_DUMP_HEADER);
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len, i = at;
        while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) i++;
        if (i < end && text[i] != '#') return false;
        if (end - i >= hlen && memcmp(text + i, RESOLVED_DUMP_HEADER, hlen) == 0) return true;
        at = end + 1;
    }
    return false;
}

/* A section of another algorithm (a dqn: section or --set dqn.batch_size=64 with algo ppo)
 * would be ignored: it is an error naming the key and the algorithms that read it. In a resolved
 * dump only the --set keys (line 0) count, since the dump writes every section. */
static rl_status check_algo_sections(const rl_config *cfg, const cnode *root, bool dump, char *err, size_t err_sz)
{
    const rl_config_algo *algo = rl_config_find_algo(cfg->root.algo);
    if (!algo) return RL_OK;   /* an unknown algo is reported where the agent is made */
    char where[RL_STR_MAX + 32], algos[256];
    for (int i = 0; i < root->n; i++) {
        const cnode *sec = &root->kids[i];
        if (sec->kind != N_MAP || !algo_section_key(sec->key)) continue;
        bool serves = false;
        for (const rl_config_section *const *s = algo->sections; s && *s; s++) serves |= strcmp((*s)->key, sec->key) == 0;
        if (serves) continue;
        const cnode *key = NULL;
        for (int j = 0; j < sec->n && !key; j++)
            if (!dump || sec->kids[j].line == 0) key = &sec->kids[j];
        if (!key && (dump || sec->n > 0)) continue;
        node_where(key ? key : sec, where, sizeof where);
        algo_names(algos, sizeof algos, 0, sec->key);
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: %s%s%s: the %s section configures algo %s, but this config's algo is '%s', which "
                       "would ignore it (remove it, or change algo)",
                       where, sec->key, key ? "." : "", key ? key->key : "", sec->key, algos, cfg->root.algo);
    }
    return RL_OK;
}

/* A plugin path written in a config file (node: its `plugin` key) is relative to that file's
 * directory (as an ablation's bases are to the ablation file); it becomes absolute in dst (an
 * rl_str), so the dump in a run directory names the same file. One from --set (line 0) stays
 * relative to the working directory. key names it in messages. */
static rl_status resolve_path(char *dst, const cnode *node, const char *path, const char *key, char *err,
                              size_t err_sz)
{
    if (!node || node->line == 0 || !dst[0] || dst[0] == '/') return RL_OK;
    char dir[4096], abs[4096], joined[8300];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1, slash ? path : ".");
    if (!realpath(dir, abs)) snprintf(abs, sizeof abs, "%s", dir);
    snprintf(joined, sizeof joined, "%s/%s", strcmp(abs, "/") == 0 ? "" : abs, dst);
    if (strlen(joined) >= RL_STR_MAX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s:%d: %s: the path resolved against the config's "
                       "directory, %s, is longer than %d bytes", path, node->line, key, joined, RL_STR_MAX - 1);
    snprintf(dst, RL_STR_MAX, "%s", joined);
    return RL_OK;
}

/* the `plugin` node of the loss mapping at map.key, or NULL */
static const cnode *loss_plugin_node(const cnode *map, const char *key)
{
    const cnode *l = map && map->kind == N_MAP ? node_child(map, key) : NULL;
    return l && l->kind == N_MAP ? node_child(l, "plugin") : NULL;
}

/* env.plugin and the losses' plugin keys, as resolve_path says */
static rl_status resolve_plugin(rl_config *cfg, const cnode *root, const char *path, char *err, size_t err_sz)
{
    const cnode *env = node_child(root, "env");
    rl_status st = resolve_path(cfg->env.plugin, env && env->kind == N_MAP ? node_child(env, "plugin") : NULL,
                                path, "env.plugin", err, err_sz);
    for (int s = 0; st == RL_OK && s < n_sections; s++) {
        const cnode *sec = sections[s].key[0] ? node_child(root, sections[s].key) : root;
        for (int f = 0; st == RL_OK && f < sections[s].n; f++) {
            const field_desc *fd = &sections[s].fields[f];
            if (fd->type != T_LOSS) continue;
            char key[160];
            snprintf(key, sizeof key, "%s%s%s.plugin", sections[s].key, sections[s].key[0] ? "." : "", fd->key);
            st = resolve_path(((rl_loss_cfg *)((char *)cfg + fd->off))->plugin, loss_plugin_node(sec, fd->key),
                              path, key, err, err_sz);
        }
    }
    const cnode *ls = g_list ? node_child(root, g_list->key) : NULL;
    char key[160];
    if (ls) snprintf(key, sizeof key, "%s loss plugin", g_list->key);
    for (int i = 0; st == RL_OK && ls && ls->kind == N_SEQ && i < list_n(cfg) && i < ls->n; i++)
        st = resolve_path(entry_loss(cfg, i)->plugin, loss_plugin_node(&ls->kids[i], "loss"), path, key, err, err_sz);
    return st;
}

/* "--set arg" for messages, the argument cut after 200 bytes (at a character boundary) with
 * "...": an error names the override without repeating a value of a megabyte */
static char *set_origin(const char *arg)
{
    size_t n = strlen(arg), keep = n;
    if (n > 200)
        for (keep = 200; keep > 0 && ((unsigned char)arg[keep] & 0xC0) == 0x80;) keep--;
    size_t sz = keep + 16;
    char *o = rl_xmalloc(sz);
    snprintf(o, sz, "--set %.*s%s", (int)keep, arg, keep < n ? "..." : "");
    return o;
}

/* ---- auto thread counts (core/cpus.h) ----------------------------------------------------- */

#define MAX_AUTO 16

/* Each I64 key left at auto becomes a number: a thread count min(cpus, its maximum; env.threads
 * also env.num_envs). The algorithms' keys set above 1 are listed in raised (at most max). */
static int resolve_auto(rl_config *cfg, int cpus, int64_t **raised, int max)
{
    int n = 0;
    for (int s = 0; s < n_sections; s++)
        for (int f = 0; f < sections[s].n; f++) {
            const field_desc *fd = &sections[s].fields[f];
            int64_t *p = (int64_t *)((char *)cfg + fd->off);
            if (!takes_auto(fd) || *p != RL_CFG_AUTO) continue;
            int64_t v = cpus < fd->hi ? cpus : (int64_t)fd->hi;
            if (p == &cfg->env.threads && v > cfg->env.num_envs) v = cfg->env.num_envs;
            *p = v < fd->lo ? (int64_t)fd->lo : v;
            if (sections[s].algo && !sections[s].addon && *p > 1 && n < max) raised[n++] = p;
        }
    return n;
}

static bool has_auto(const rl_config *cfg)
{
    for (int s = 0; s < n_sections; s++)
        for (int f = 0; f < sections[s].n; f++)
            if (takes_auto(&sections[s].fields[f]) &&
                *(const int64_t *)((const char *)cfg + sections[s].fields[f].off) == RL_CFG_AUTO)
                return true;
    return false;
}

/* auto resolved, then the checks across sections; when they refuse and an algorithm's auto count
 * went above 1, once more with those at 1 (the count the algorithm always takes) */
static rl_status resolve_auto_and_check(rl_config *cfg, char *err, size_t err_sz)
{
    int64_t *raised[MAX_AUTO];
    int n = 0, cpus;
    if (has_auto(cfg)) {
        rl_status st = rl_cpus_usable(&cpus, err, err_sz);
        if (st != RL_OK) return st;
        n = resolve_auto(cfg, cpus, raised, MAX_AUTO);
    }
    rl_status st = check_cross(cfg, err, err_sz);
    if (st == RL_OK || n == 0) return st;
    for (int i = 0; i < n; i++) *raised[i] = 1;
    return check_cross(cfg, err, err_sz);
}

static rl_status load_common(rl_config *cfg, const char *text, size_t len, const char *name,
                             yaml_source src, const char *const *sets, int n_sets, char *err,
                             size_t err_sz)
{
    rl_config_default(cfg);
    cnode root;
    rl_status st = parse_yaml(&root, text, len, name, src, err, err_sz);
    char **origins = rl_xcalloc((size_t)n_sets + 1, sizeof(char *));
    for (int i = 0; st == RL_OK && i < n_sets; i++) {
        origins[i] = set_origin(sets[i]);
        st = apply_set(&root, sets[i], origins[i], err, err_sz);
    }
    if (st == RL_OK) st = apply_tree(cfg, &root, err, err_sz);
    bool dump = is_resolved_dump(text, len);
    if (st == RL_OK) st = check_algo_sections(cfg, &root, dump, err, err_sz);
    if (st == RL_OK && src == SRC_FILE && !dump) st = resolve_plugin(cfg, &root, name, err, err_sz);
    node_free(&root);
    for (int i = 0; i < n_sets; i++) free(origins[i]);
    free(origins);
    if (st == RL_OK) snprintf(cfg->source, sizeof cfg->source, "%s", name);
    if (st == RL_OK) st = resolve_auto_and_check(cfg, err, err_sz);
    return st;
}

rl_status rl_config_load_string(rl_config *cfg, const char *yaml, const char *name,
                                const char *const *sets, int n_sets, char *err, size_t err_sz)
{
    return load_common(cfg, yaml, strlen(yaml), name, SRC_TEXT, sets, n_sets, err, err_sz);
}

rl_status rl_config_load(rl_config *cfg, const char *path, const char *const *sets, int n_sets,
                         char *err, size_t err_sz)
{
    if (!path) return load_common(cfg, "", 0, "(defaults)", SRC_TEXT, sets, n_sets, err, err_sz);
    char *buf = NULL;
    size_t len = 0;
    rl_status st = rl_yaml_read_file(path, "config file", &buf, &len, err, err_sz);
    if (st != RL_OK) return st;
    st = load_common(cfg, buf, len, path, SRC_FILE, sets, n_sets, err, err_sz);
    free(buf);
    return st;
}

/* ---- dump -------------------------------------------------------------------------------- */

/* the shortest %g form that reads back to the same double */
static void fmt_double(char *buf, size_t sz, double v)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, sz, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    /* keep it a number to YAML readers even when integral */
    if (!strpbrk(buf, ".eEn")) strncat(buf, ".0", sz - strlen(buf) - 1);
}

/* Decodes one UTF-8 character at s into *cp; its length in bytes, or 0 when the bytes are not
 * valid UTF-8 (stray continuation byte, overlong form, surrogate, past U+10FFFF, cut short). */
static int utf8_decode(const unsigned char *s, unsigned *cp)
{
    int len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    if (len == 0 || s[0] > 0xF4) return 0;
    unsigned v = s[0] & (0x7Fu >> len);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    static const unsigned min_of_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min_of_len[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* Characters YAML does not read back as themselves inside a double-quoted scalar: those outside
 * its printable set, and NEL, LS and PS, which it takes for line breaks and folds. BOM too. */
static int yaml_needs_escape(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE ||
           cp == 0xFFFF;
}

/* A double-quoted YAML string that reads back as s: quote, backslash and every control
 * character escaped (CR as \r, so a config can never write a config.yaml that does not reload).
 * The loader only ever holds valid UTF-8 (libyaml rejects anything else, naming line and
 * column); a byte that is not, which only code setting a field directly can produce, is written
 * as \xNN. */
static void dump_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', out);
    while (*s) {
        unsigned cp;
        if (*s == '"' || *s == '\\') {
            fprintf(out, "\\%c", *s++);
        } else if (*s == '\n' || *s == '\r' || *s == '\t') {
            fprintf(out, "\\%c", *s == '\n' ? 'n' : *s == '\r' ? 'r' : 't');
            s++;
        } else if (*s < 0x20 || *s == 0x7F) {
            fprintf(out, "\\x%02X", *s++);
        } else if (*s < 0x80) {
            fputc(*s++, out);
        } else {
            int len = utf8_decode(s, &cp);
            if (len == 0) fprintf(out, "\\x%02X", *s++);
            else if (yaml_needs_escape(cp)) fprintf(out, "\\u%04X", cp);
            else fwrite(s, 1, (size_t)len, out);
            s += len;
        }
    }
    fputc('"', out);
}

/* a mapping key: plain when it is a simple name (every key rlc defines), quoted otherwise */
static void dump_key(FILE *out, const char *key)
{
    int simple = key[0] != '\0' && (isalpha((unsigned char)key[0]) || key[0] == '_');
    for (const char *c = key; simple && *c; c++) simple = isalnum((unsigned char)*c) || *c == '_';
    if (simple) fputs(key, out);
    else dump_string(out, key);
}

/* ", plugin: path" if the loss has one, and ", key: value" for each loss parameter */
static void dump_loss_params(FILE *out, const rl_loss_cfg *l)
{
    char num[64];
    if (l->plugin[0]) {
        fputs(", plugin: ", out);
        dump_string(out, l->plugin);
    }
    for (int i = 0; i < l->n_kv; i++) {
        fmt_double(num, sizeof num, l->vals[i]);
        fputs(", ", out);
        dump_key(out, l->keys[i]);
        fprintf(out, ": %s", num);
    }
}

/* a kwargs value as written: plain when its text reads back as itself, else a quoted string */
static void dump_kwarg_scalar(FILE *out, const char *v, size_t len)
{
    bool plain = len > 0 && (isalnum((unsigned char)v[0]) || v[0] == '-' || v[0] == '.');
    for (size_t i = 0; plain && i < len; i++)
        plain = isalnum((unsigned char)v[i]) || strchr("_.+-", v[i]);
    if (plain) {
        fwrite(v, 1, len, out);
        return;
    }
    char buf[RL_STR_MAX];
    snprintf(buf, sizeof buf, "%.*s", (int)len, v);
    dump_string(out, buf);
}

/* env.kwargs on one line: {name: value, name: [a, b]} */
static void dump_kwargs(FILE *out, const rl_kwargs *k)
{
    fputc('{', out);
    for (int i = 0; i < k->n; i++) {
        fputs(i ? ", " : "", out);
        dump_key(out, k->keys[i]);
        fputs(": ", out);
        if (!k->list[i]) {
            dump_kwarg_scalar(out, k->vals[i], strlen(k->vals[i]));
            continue;
        }
        fputc('[', out);
        for (const char *a = k->vals[i];;) {
            const char *c = strchr(a, ',');
            size_t len = c ? (size_t)(c - a) : strlen(a);
            dump_kwarg_scalar(out, a, len);
            if (!c) break;
            fputs(", ", out);
            a = c + 1;
        }
        fputc(']', out);
    }
    fputc('}', out);
}

static void dump_field(FILE *out, const rl_config *cfg, const field_desc *f, const char *indent)
{
    const char *p = (const char *)cfg + f->off;
    char num[64];
    fprintf(out, "%s%s: ", indent, f->key);
    switch (f->type) {
    case T_I64:
        if (takes_auto(f) && *(const int64_t *)p == RL_CFG_AUTO) fputs("auto", out);   /* never loaded */
        else fprintf(out, "%lld", (long long)*(const int64_t *)p);
        break;
    case T_F64: fmt_double(num, sizeof num, *(const double *)p); fputs(num, out); break;
    case T_BOOL: fputs(*(const bool *)p ? "true" : "false", out); break;
    case T_STR: dump_string(out, p); break;
    case T_LIST: {
        const rl_int_list *l = (const rl_int_list *)p;
        fputc('[', out);
        for (int i = 0; i < l->n; i++) fprintf(out, "%s%lld", i ? ", " : "", (long long)l->v[i]);
        fputc(']', out);
        break;
    }
    case T_LOSS: {
        const rl_loss_cfg *l = (const rl_loss_cfg *)p;
        fputs("{name: ", out);
        dump_string(out, l->name);
        dump_loss_params(out, l);
        fputc('}', out);
        break;
    }
    case T_KWARGS: dump_kwargs(out, (const rl_kwargs *)p); break;
    }
    fputc('\n', out);
}

/* the list's entries in flow style, one a line */
static void dump_list(FILE *out, const rl_config *cfg)
{
    char num[64];
    fprintf(out, list_n(cfg) ? "%s:\n" : "%s: []\n", g_list->key);
    for (int i = 0; i < list_n(cfg); i++) {
        const unsigned char *h = list_entry(cfg, i);
        const rl_loss_cfg *l = entry_loss(cfg, i);
        fprintf(out, "  - {%s: ", g_list->kind_key);
        dump_string(out, entry_kind(cfg, i));
        fputs(", loss: {name: ", out);
        dump_string(out, l->name);
        dump_loss_params(out, l);
        fputc('}', out);
        for (int f = 0; f < g_list->n_keys; f++) {
            const rl_config_list_key *k = &g_list->keys[f];
            if (k->only_for && strcmp(k->only_for, entry_kind(cfg, i)) != 0) continue;
            const unsigned char *p = h + k->f.off;
            if (k->f.type == T_I64) snprintf(num, sizeof num, "%lld", (long long)*(const int64_t *)p);
            else fmt_double(num, sizeof num, *(const double *)p);
            fprintf(out, ", %s: %s", k->f.key, num);
        }
        fputs("}\n", out);
    }
}

void rl_config_dump(const rl_config *cfg, FILE *out)
{
    fprintf(out, "# rlc resolved config (every field, defaults included)\n");
    for (int s = 0; s < n_sections; s++) {
        if (!first_of_key(s)) continue;
        const char *key = sections[s].key;
        if (key[0]) fprintf(out, "%s:\n", key);
        for (int t = s; t < n_sections; t++)
            for (int f = 0; strcmp(sections[t].key, key) == 0 && f < sections[t].n; f++)
                dump_field(out, cfg, &sections[t].fields[f], key[0] ? "  " : "");
    }
    if (g_list) dump_list(out, cfg);
}

int rl_config_losses(const rl_config *cfg, const rl_loss_cfg **out, int max)
{
    int n = 0;
    for (int s = 0; s < n_sections; s++)
        for (int f = 0; f < sections[s].n; f++) {
            if (sections[s].fields[f].type != T_LOSS) continue;
            if (n < max) out[n] = (const rl_loss_cfg *)((const char *)cfg + sections[s].fields[f].off);
            n++;
        }
    for (int i = 0; i < list_n(cfg); i++, n++)
        if (n < max) out[n] = entry_loss(cfg, i);
    return n;
}

char *rl_config_dump_string(const rl_config *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    RL_ASSERT(mem != NULL);
    rl_config_dump(cfg, mem);
    fclose(mem);
    return buf;
}

/* one line of `rlc config`: key, type, default, range or choices, doc */
static void print_field(FILE *out, const field_desc *fd)
{
    char def[96], range[64] = "";
    switch (fd->type) {
    case T_I64:
        if (takes_auto(fd) && fd->dnum == RL_CFG_AUTO) snprintf(def, sizeof def, "auto");
        else snprintf(def, sizeof def, "%.0f", fd->dnum);
        fmt_range(range, sizeof range, fd);
        if (takes_auto(fd)) snprintf(range + strlen(range), sizeof range - strlen(range), "|auto");
        break;
    case T_F64: snprintf(def, sizeof def, "%g", fd->dnum); fmt_range(range, sizeof range, fd); break;
    case T_BOOL: snprintf(def, sizeof def, "%s", fd->dnum != 0 ? "true" : "false"); break;
    case T_LIST:   /* an empty default list as it is written */
        snprintf(def, sizeof def, "%s", field_default(fd) && field_default(fd)[0] ? field_default(fd) : "[]");
        break;
    default: snprintf(def, sizeof def, "%s", field_default(fd) ? field_default(fd) : ""); break;
    }
    const char *shown = field_choices(fd) && fd->type != T_LIST && fd->type != T_I64 ? field_choices(fd) : range;
    fprintf(out, "  %-20s %-8s default %-12s %-16s %s\n", fd->key,
             fd->type == T_I64 ? "int" : fd->type == T_F64 ? "number" : fd->type == T_BOOL ? "bool"
             : fd->type == T_STR ? "string" : fd->type == T_LIST ? "list" : fd->type == T_KWARGS ? "mapping" : "loss",
             def, shown, fd->doc);
}

/* the fields of every section called key (the top level is "") under its name */
static void print_section(FILE *out, const char *key)
{
    fprintf(out, "%s\n", key[0] ? key : "(top level)");
    for (int t = 0; t < n_sections; t++)
        for (int f = 0; strcmp(sections[t].key, key) == 0 && f < sections[t].n; f++) print_field(out, &sections[t].fields[f]);
}

static void print_list(FILE *out)
{
    fprintf(out, "%s (%s, e.g. - %s)\n", g_list->key, g_list->title, g_list->example);
    fprintf(out, "  %-20s %-8s default %-12s %-16s %s\n", g_list->kind_key, "string", "", "see docs", list_kinds());
    fprintf(out, "  %-20s %-8s default %-12s %-16s %s\n", "loss", "loss", "(required)", "", "loss by name; extra numeric keys are its parameters");
    for (int f = 0; f < g_list->n_keys; f++) print_field(out, &g_list->keys[f].f);
}

void rl_config_print_reference(FILE *out)
{
    for (int s = 0; s < n_sections; s++)
        if (first_of_key(s)) print_section(out, sections[s].key);
    if (g_list) print_list(out);
}

void rl_config_section_names(char *buf, size_t sz)
{
    size_t at = (size_t)snprintf(buf, sz, "top");
    for (int s = 0; s < n_sections && at < sz; s++)
        if (sections[s].key[0] && first_of_key(s)) at += (size_t)snprintf(buf + at, sz - at, ", %s", sections[s].key);
    if (g_list && at < sz) snprintf(buf + at, sz - at, ", %s", g_list->key);
}

rl_status rl_config_print_section(FILE *out, const char *name, char *err, size_t err_sz)
{
    /* "top" names the top-level keys (algo, seed, total_steps...) */
    bool is_list = g_list && strcmp(name, g_list->key) == 0;
    bool known = strcmp(name, "top") == 0 || is_list || (name[0] && section_known(name));
    if (!known) {
        char names[1024];
        rl_config_section_names(names, sizeof names);
        return rl_errf(err, err_sz, RL_ERR_ARG, "unknown section '%s'; sections: %s", name, names);
    }
    if (!out) return RL_OK;
    if (is_list) print_list(out);
    else print_section(out, strcmp(name, "top") == 0 ? "" : name);
    return RL_OK;
}
