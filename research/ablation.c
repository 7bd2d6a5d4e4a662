/* rlc research: ablation files, grid expansion, validation and the parallel runner. */
#include "research/ablation.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "research/ablation_dist.h"
#include "agents/agent.h"
#include "train/trainer.h"
#include "train/trainer_env.h"
#include "core/cpus.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/yaml_load.h"

/* ---- parsing ----------------------------------------------------------------------------- */

typedef struct {
    yaml_document_t *doc;
    const char *file;
    char *err;
    size_t err_sz;
    int set_line[ABL_MAX_SETS];    /* the line of each key of set: */
    int axis_line[ABL_MAX_AXES];   /* the line of each axis */
} pctx;

static int line_of(const yaml_node_t *n) { return (int)n->start_mark.line + 1; }

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* YAML flow text of a node, to be read back by --set */
static int emit_flow(pctx *c, const yaml_node_t *n, char *out, size_t sz)
{
    size_t at = strlen(out);
    if (at + 4 >= sz) return -1;
    if (n->type == YAML_SCALAR_NODE) {
        const char *s = (const char *)n->data.scalar.value;
        if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            snprintf(out + at, sz - at, "%s", s);
        } else {
            out[at++] = '"';
            for (; *s && at + 3 < sz; s++) {
                if (*s == '"' || *s == '\\') out[at++] = '\\';
                out[at++] = *s;
            }
            out[at++] = '"';
            out[at] = '\0';
        }
    } else if (n->type == YAML_SEQUENCE_NODE) {
        strncat(out, "[", sz - at - 1);
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
            if (it != n->data.sequence.items.start) strncat(out, ", ", sz - strlen(out) - 1);
            if (emit_flow(c, yaml_document_get_node(c->doc, *it), out, sz)) return -1;
        }
        strncat(out, "]", sz - strlen(out) - 1);
    } else if (n->type == YAML_MAPPING_NODE) {
        strncat(out, "{", sz - at - 1);
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
            if (p != n->data.mapping.pairs.start) strncat(out, ", ", sz - strlen(out) - 1);
            if (emit_flow(c, yaml_document_get_node(c->doc, p->key), out, sz)) return -1;
            strncat(out, ": ", sz - strlen(out) - 1);
            if (emit_flow(c, yaml_document_get_node(c->doc, p->value), out, sz)) return -1;
        }
        strncat(out, "}", sz - strlen(out) - 1);
    }
    return strlen(out) + 2 >= sz ? -1 : 0;
}

/* a file-name-safe label of a value: letters, digits, '.', '-', '_' kept; mappings become
 * their values joined by '-' ({name: huber, delta: 2} -> huber-2), also inside lists */
static void make_label(const char *flow, char *out, size_t sz)
{
    size_t at = 0;
    int in_key = 0, sep = 0, braces = 0;
    for (const char *s = flow; *s && at + 2 < sz; s++) {
        char ch = *s;
        if (ch == '{') { in_key = 1; braces++; continue; }
        if (ch == '}') { braces--; continue; }
        if (ch == ':') { in_key = 0; continue; }
        if (ch == ',') { in_key = braces > 0; sep = 1; continue; }
        if (ch == '[' || ch == ']' || ch == '"' || ch == ' ') continue;
        if (in_key) continue;
        if (sep && at) out[at++] = '-';
        sep = 0;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '.' || ch == '-' || ch == '_' || ch == '+';
        out[at++] = ok ? ch : '_';
    }
    out[at] = '\0';
    if (!at) snprintf(out, sz, "empty");
}

static rl_status perr(pctx *c, const yaml_node_t *n, const char *fmt, const char *a, const char *b)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a, b);
    return rl_errf(c->err, c->err_sz, RL_ERR_CONFIG, "%s:%d: %s", c->file, n ? line_of(n) : 0, msg);
}

static void resolve_path(char *out, size_t sz, const char *file, const char *rel)
{
    if (rel[0] == '/') {
        snprintf(out, sz, "%s", rel);
        return;
    }
    const char *slash = strrchr(file, '/');
    if (!slash) snprintf(out, sz, "%s", rel);
    else snprintf(out, sz, "%.*s/%s", (int)(slash - file), file, rel);
}

/* ---- names and keys ---------------------------------------------------------------------- */

bool ablation_name_ok(const char *name, size_t max, char *why, size_t why_sz)
{
    const unsigned char *u = (const unsigned char *)name;
    size_t len = strlen(name);
    bool control = false;
    for (size_t i = 0; i < len; i++)   /* ASCII and C1 control characters (U+0080..U+009F) */
        control |= u[i] < 0x20 || u[i] == 0x7F || (u[i] == 0xC2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F);
    if (!len) snprintf(why, why_sz, "the name is empty");
    else if (control) snprintf(why, why_sz, "the name holds a control character (a newline, a tab, ...)");
    else if (len >= max) snprintf(why, why_sz, "the name is longer than %zu bytes", max - 1);
    else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        snprintf(why, why_sz, "'%s' is the runs directory itself or its parent", name);
    else if (strchr(name, '/')) snprintf(why, why_sz, "'%s' holds a '/'", name);
    else return true;
    snprintf(why + strlen(why), why_sz - strlen(why), "; expected one directory name");
    return false;
}

/* the next non-empty part of a dotted key at *s ("ppo..gamma": ppo, gamma, as --set reads it),
 * its length in *len; NULL when none is left */
static const char *key_part(const char **s, size_t *len)
{
    while (**s == '.') ++*s;
    if (!**s) return NULL;
    const char *start = *s;
    while (**s && **s != '.') ++*s;
    *len = (size_t)(*s - start);
    return start;
}

bool ablation_keys_overlap(const char *a, const char *b)
{
    for (;;) {
        size_t la = 0, lb = 0;
        const char *pa = key_part(&a, &la), *pb = key_part(&b, &lb);
        if (!pa || !pb) return true;   /* one is the other, or a section holding it */
        if (la != lb || memcmp(pa, pb, la) != 0) return false;
    }
}

void ablation_set_key(const char *set, char *out, size_t sz)
{
    snprintf(out, sz, "%.*s", (int)strcspn(set, "="), set);
}

/* ---- the steps of parse_root ------------------------------------------------------------- */

/* base: a path, or bases: a list of paths (relative to the ablation file) */
static rl_status parse_bases(ablation *a, pctx *c, const char *key, yaml_node_t *v)
{
    if (v->type == YAML_SCALAR_NODE) {
        a->n_bases = 1;
        resolve_path(a->bases[0], RL_STR_MAX, c->file, scalar(v));
        return RL_OK;
    }
    if (v->type != YAML_SEQUENCE_NODE) return perr(c, v, "%s: expected a path or a list of paths%s", key, "");
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        if (!scalar(e)) return perr(c, e, "%s: expected a path%s", key, "");
        if (a->n_bases == ABL_MAX_BASES) return perr(c, e, "%s: more than 8 bases%s", key, "");
        resolve_path(a->bases[a->n_bases++], RL_STR_MAX, c->file, scalar(e));
    }
    return RL_OK;
}

/* seeds: a list of distinct integers */
static rl_status parse_seeds(ablation *a, pctx *c, yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE) return perr(c, v, "seeds: expected a list of integers like [1, 2, 3]%s%s", "", "");
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *e = yaml_document_get_node(c->doc, *it);
        char *end;
        const char *s = scalar(e);
        long long seed = s ? strtoll(s, &end, 10) : -1;
        if (!s || *end || seed < 0 || seed > 2147483647) return perr(c, e, "seeds: '%s' is not an integer in 0..2147483647%s", s ? s : "?", "");
        if (a->n_seeds == ABL_MAX_SEEDS) return perr(c, e, "seeds: more than 64%s%s", "", "");
        for (int i = 0; i < a->n_seeds; i++)
            if (a->seeds[i] == seed) return perr(c, e, "seeds: %s is listed twice%s", s, "");
        a->seeds[a->n_seeds++] = seed;
    }
    return RL_OK;
}

/* one axis: a list of values (labelled by their text), or a mapping label -> value */
static rl_status parse_axis(ablation *a, pctx *c, yaml_node_t *kk, const char *ck, yaml_node_t *vv)
{
    if (a->n_axes == ABL_MAX_AXES) return perr(c, kk, "axes: more than 6 axes%s%s", "", "");
    bool named = vv->type == YAML_MAPPING_NODE;
    if (!named && vv->type != YAML_SEQUENCE_NODE)
        return perr(c, vv, "axes.%s: expected a non-empty list of values (or a mapping of named values)%s", ck, "");
    int count = named ? (int)(vv->data.mapping.pairs.top - vv->data.mapping.pairs.start)
                      : (int)(vv->data.sequence.items.top - vv->data.sequence.items.start);
    if (count == 0) return perr(c, vv, "axes.%s: expected a non-empty list of values%s", ck, "");
    for (int j = 0; j < a->n_axes; j++)
        if (ablation_keys_overlap(a->axis_key[j], ck)) {
            char line[32];
            snprintf(line, sizeof line, "%d", c->axis_line[j]);
            return perr(c, kk, "axes.%s: varies what the axis on line %s varies too; give each key one axis", ck, line);
        }
    int ax = a->n_axes++;
    c->axis_line[ax] = line_of(kk);
    snprintf(a->axis_key[ax], sizeof a->axis_key[ax], "%s", ck);
    for (int e = 0; e < count; e++) {
        if (a->n_values[ax] == ABL_MAX_VALUES) return perr(c, vv, "axes.%s: more than 16 values%s", ck, "");
        int vi = a->n_values[ax]++;
        yaml_node_t *val = named ? yaml_document_get_node(c->doc, vv->data.mapping.pairs.start[e].value)
                                 : yaml_document_get_node(c->doc, vv->data.sequence.items.start[e]);
        /* the value must fit the "key=value" --set text whole */
        if (emit_flow(c, val, a->values[ax][vi], ABL_TEXT) || strlen(a->values[ax][vi]) > 190)
            return perr(c, val, "axes.%s: value too long (at most 190 characters as YAML flow text)%s", ck, "");
        if (named) {
            yaml_node_t *lk = yaml_document_get_node(c->doc, vv->data.mapping.pairs.start[e].key);
            const char *lab = scalar(lk);
            char safe[64];
            if (!lab || !lab[0] || strlen(lab) >= sizeof safe)
                return perr(c, lk, "axes.%s: a value's name must be a short plain name%s", ck, "");
            make_label(lab, safe, sizeof safe);
            if (strcmp(safe, lab) != 0)
                return perr(c, lk, "axes.%s: the name '%s' may hold only letters, digits, '.', '-', '_' and '+'",
                            ck, lab);
            snprintf(a->labels[ax][vi], sizeof a->labels[ax][vi], "%s", lab);
        } else {
            make_label(a->values[ax][vi], a->labels[ax][vi], sizeof a->labels[ax][vi]);
        }
        for (int j = 0; j < vi; j++)
            if (strcmp(a->labels[ax][j], a->labels[ax][vi]) == 0)
                return perr(c, vv, "axes.%s: two values share the label '%s'", ck, a->labels[ax][vi]);
    }
    return RL_OK;
}

/* one key of set: (an override common to every run), refused when an earlier key sets the same */
static rl_status parse_set(ablation *a, pctx *c, yaml_node_t *kk, const char *ck, yaml_node_t *vv)
{
    if (a->n_sets == ABL_MAX_SETS) return perr(c, kk, "set: more than 32 keys%s%s", "", "");
    for (int i = 0; i < a->n_sets; i++) {
        char prev[ABL_TEXT], line[32];
        ablation_set_key(a->sets[i], prev, sizeof prev);
        snprintf(line, sizeof line, "%d", c->set_line[i]);
        if (ablation_keys_overlap(prev, ck))
            return perr(c, kk, "set.%s: sets what the key on line %s sets too; give each key once", ck, line);
    }
    char flow[ABL_TEXT] = "";
    if (emit_flow(c, vv, flow, sizeof flow) || strlen(flow) > 200)
        return perr(c, vv, "set.%s: value too long (at most 200 characters as YAML flow text)%s", ck, "");
    c->set_line[a->n_sets] = line_of(kk);
    snprintf(a->sets[a->n_sets++], ABL_TEXT, "%s=%s", ck, flow);
    return RL_OK;
}

/* set: config keys applied to every run, or axes: config keys with their values */
static rl_status parse_keys(ablation *a, pctx *c, const char *key, yaml_node_t *v)
{
    int is_axes = key[0] == 'a';
    if (v->type != YAML_MAPPING_NODE) return perr(c, v, "%s: expected a mapping of config keys%s", key, "");
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
        yaml_node_t *kk = yaml_document_get_node(c->doc, q->key), *vv = yaml_document_get_node(c->doc, q->value);
        const char *ck = scalar(kk);
        if (!ck || !rl_config_key_ok(ck) || strlen(ck) > 100)
            return perr(c, kk, "%s: keys must be config keys like ppo.gamma (letters, digits, '_', '-' and '.' "
                        "between names; at most 100)%s", key, "");
        if (ablation_keys_overlap(ck, "seed"))
            return perr(c, kk, "%s.seed: each run's seed comes from seeds: and would replace this one%s", key, "");
        rl_status st = is_axes ? parse_axis(a, c, kk, ck, vv) : parse_set(a, c, kk, ck, vv);
        if (st != RL_OK) return st;
    }
    return RL_OK;
}

/* the grid: something to run, and not more runs than an int counts */
static rl_status check_grid(ablation *a, pctx *c, yaml_node_t *root)
{
    if (!a->n_bases) return perr(c, root, "missing 'base: path/to/config.yaml'%s%s", "", "");
    if (!a->n_seeds) return perr(c, root, "missing 'seeds: [1, 2, ...]'%s%s", "", "");
    /* no axes: one variant, the base config itself, over the seeds (named ABL_NO_AXES_VARIANT) */
    /* at most 16^6 x 8 x 64 runs would fit the arrays: more than an int counts */
    int64_t runs = (int64_t)a->n_bases * a->n_seeds;
    for (int ax = 0; ax < a->n_axes; ax++) runs *= a->n_values[ax];
    if (runs > ABL_MAX_RUNS) {
        char n[32], max[32];
        snprintf(n, sizeof n, "%lld", (long long)runs);
        snprintf(max, sizeof max, "%d", ABL_MAX_RUNS);
        return perr(c, root, "the grid has %s runs (values of every axis x bases x seeds), more than %s", n, max);
    }
    return RL_OK;
}

static rl_status parse_root(ablation *a, pctx *c, yaml_node_t *root)
{
    if (!root || root->type != YAML_MAPPING_NODE)
        return perr(c, root, "an ablation file is a mapping with base, seeds and axes%s%s", "", "");
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key), *v = yaml_document_get_node(c->doc, p->value);
        const char *key = scalar(k);
        if (!key) return perr(c, k, "keys must be plain names%s%s", "", "");
        rl_status st = RL_OK;
        if (strcmp(key, "name") == 0) {
            char why[160] = "expected one directory name";
            if (!scalar(v) || !ablation_name_ok(scalar(v), sizeof a->name, why, sizeof why))
                return perr(c, v, "name: %s (runs go to <runs-dir>/<name>/)%s", why, "");
            snprintf(a->name, sizeof a->name, "%s", scalar(v));
        } else if (strcmp(key, "base") == 0 || strcmp(key, "bases") == 0) {
            if (a->n_bases) return perr(c, k, "%s: the file gives both base and bases; give one of them%s", key, "");
            st = parse_bases(a, c, key, v);
        } else if (strcmp(key, "seeds") == 0) {
            st = parse_seeds(a, c, v);
        } else if (strcmp(key, "set") == 0 || strcmp(key, "axes") == 0) {
            st = parse_keys(a, c, key, v);
        } else {
            return perr(c, k, "unknown key '%s' (expected name, base or bases, seeds, set, axes)%s", key, "");
        }
        if (st != RL_OK) return st;
    }
    return check_grid(a, c, root);
}

/* A key given in set: (or by --set) and by an axis, or the seed, would be replaced in every run by
 * the overrides that follow it (the axes', then the seed's): an error naming both places. */
static rl_status check_overrides(const ablation *a, const pctx *c, int n_file_sets)
{
    char key[ABL_TEXT], line[32];
    for (int i = 0; i < a->n_sets; i++) {
        ablation_set_key(a->sets[i], key, sizeof key);
        bool from_file = i < n_file_sets;
        if (!from_file && ablation_keys_overlap(key, "seed"))
            return rl_errf(c->err, c->err_sz, RL_ERR_ARG, "--set %s: each run's seed comes from %s's seeds: and would "
                           "replace this one", a->sets[i], c->file);
        for (int ax = 0; ax < a->n_axes; ax++) {
            if (!ablation_keys_overlap(key, a->axis_key[ax])) continue;
            snprintf(line, sizeof line, "%d", c->axis_line[ax]);
            if (from_file)
                return rl_errf(c->err, c->err_sz, RL_ERR_CONFIG, "%s:%d: set.%s: the axis axes.%s (line %s) varies it "
                               "too, and every run would take the axis's value instead; give it in one place",
                               c->file, c->set_line[i], key, a->axis_key[ax], line);
            return rl_errf(c->err, c->err_sz, RL_ERR_ARG, "--set %s: %s:%s: the axis axes.%s varies it too, and every "
                           "run would take the axis's value instead", a->sets[i], c->file, line, a->axis_key[ax]);
        }
    }
    return RL_OK;
}

rl_status ablation_default_name(char *name, size_t sz, const char *path, const char *whose, char *err,
                                size_t err_sz)
{
    if (name[0]) return RL_OK;
    const char *b = strrchr(path, '/');
    snprintf(name, sz, "%s", b ? b + 1 : path);
    char *dot = strrchr(name, '.');
    if (dot) *dot = '\0';
    char why[160];
    if (ablation_name_ok(name, sz, why, sizeof why)) return RL_OK;
    return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: the file's name gives no usable name for %s runs (%s); "
                   "give one with name:", path, whose, why);
}

rl_status ablation_load(ablation *a, const char *path, const char *const *extra_sets, int n_extra,
                        char *err, size_t err_sz)
{
    memset(a, 0, sizeof *a);
    snprintf(a->source, sizeof a->source, "%s", path);
    yaml_document_t doc;
    rl_status st = rl_yaml_load_file(&doc, path, "ablation file", err, err_sz);
    if (st != RL_OK) return st;
    pctx c = {.doc = &doc, .file = path, .err = err, .err_sz = err_sz};
    st = parse_root(a, &c, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    if (st != RL_OK) return st;
    int n_file_sets = a->n_sets;
    for (int i = 0; i < n_extra; i++) {
        if (a->n_sets == ABL_MAX_SETS) return rl_errf(err, err_sz, RL_ERR_ARG, "too many --set options");
        snprintf(a->sets[a->n_sets++], ABL_TEXT, "%s", extra_sets[i]);
    }
    st = check_overrides(a, &c, n_file_sets);
    if (st == RL_OK) st = ablation_default_name(a->name, sizeof a->name, path, "its", err, err_sz);
    return st;
}

int ablation_n_variants(const ablation *a)
{
    if (a->listed) return a->listed->n;
    int n = 1;
    for (int ax = 0; ax < a->n_axes; ax++) n *= a->n_values[ax];
    return n;
}

int ablation_n_runs(const ablation *a) { return ablation_n_variants(a) * a->n_bases * a->n_seeds; }

/* FNV-1a, 64 bits: a stable hash of a variant's full name (the same on every machine and run) */
static uint64_t fnv1a64(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++) h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

/* The variant's directory name: key=label for each axis (the key's last component), joined by
 * ','. A name longer than ABL_VARIANT_NAME_MAX keeps its first characters and ends in '~' and 16
 * hex digits of the full name's hash, so that distinct variants never share a directory and every
 * name fits one path component; shorter names are the full names, as they always were. */
static void variant_name(const ablation *a, const int *digit, char out[ABL_VARIANT_NAME_MAX + 1])
{
    /* at most ABL_MAX_AXES * (key 127 + label 63 + 2) characters */
    char full[ABL_MAX_AXES * (sizeof a->axis_key[0] + sizeof a->labels[0][0] + 2) + 1];
    size_t at = 0;
    if (a->n_axes == 0) {
        snprintf(out, ABL_VARIANT_NAME_MAX + 1, "%s", ABL_NO_AXES_VARIANT);
        return;
    }
    for (int ax = 0; ax < a->n_axes; ax++) {
        const char *k = strrchr(a->axis_key[ax], '.');
        k = k ? k + 1 : a->axis_key[ax];
        int w = snprintf(full + at, sizeof full - at, "%s%s=%s", ax ? "," : "", k, a->labels[ax][digit[ax]]);
        RL_ASSERT(w >= 0 && (size_t)w < sizeof full - at);
        at += (size_t)w;
    }
    if (at <= ABL_VARIANT_NAME_MAX) {
        memcpy(out, full, at + 1);
        return;
    }
    const int keep = ABL_VARIANT_NAME_MAX - 17;   /* '~' and 16 hex digits follow */
    snprintf(out, ABL_VARIANT_NAME_MAX + 1, "%.*s~%016llx", keep, full, (unsigned long long)fnv1a64(full));
}

/* the name and overrides of a grid variant (out->variant numbers the grid's points) */
static void run_grid_variant(const ablation *a, ablation_run *out)
{
    int rem = out->variant;
    int digit[ABL_MAX_AXES];
    for (int ax = a->n_axes - 1; ax >= 0; ax--) {
        digit[ax] = rem % a->n_values[ax];
        rem /= a->n_values[ax];
    }
    variant_name(a, digit, out->variant_name);
    for (int ax = 0; ax < a->n_axes; ax++)
        snprintf(out->sets[out->n_sets++], ABL_TEXT, "%.120s=%.190s", a->axis_key[ax], a->values[ax][digit[ax]]);
}

/* the name and overrides of a listed variant */
static void run_listed_variant(const ablation_variant_list *l, ablation_run *out)
{
    snprintf(out->variant_name, sizeof out->variant_name, "%s", l->names[out->variant]);
    for (int i = 0; i < l->n_sets; i++) snprintf(out->sets[out->n_sets++], ABL_TEXT, "%s", l->sets[out->variant][i]);
}

void ablation_run_at(const ablation *a, int index, const char *runs_root, ablation_run *out)
{
    memset(out, 0, sizeof *out);
    int nv = ablation_n_variants(a);
    out->seed = a->seeds[index % a->n_seeds];
    index /= a->n_seeds;
    out->variant = index % nv;
    out->base = index / nv;
    for (int i = 0; i < a->n_sets; i++) snprintf(out->sets[out->n_sets++], ABL_TEXT, "%s", a->sets[i]);
    if (a->listed)
        run_listed_variant(a->listed, out);
    else
        run_grid_variant(a, out);
    snprintf(out->sets[out->n_sets++], ABL_TEXT, "seed=%lld", (long long)out->seed);
    if (a->n_bases > 1) {
        const char *env = a->base_env[out->base][0] ? a->base_env[out->base] : "base";
        snprintf(out->run_dir, sizeof out->run_dir, "%s/%s/%s/%s/seed_%lld", runs_root, a->name, out->variant_name,
                 env, (long long)out->seed);
    } else {
        snprintf(out->run_dir, sizeof out->run_dir, "%s/%s/%s/seed_%lld", runs_root, a->name, out->variant_name,
                 (long long)out->seed);
    }
}

static rl_status load_run_config(const ablation *a, const ablation_run *r, rl_config *cfg, char *err, size_t err_sz)
{
    const char *sets[ABL_RUN_MAX_SETS];
    for (int i = 0; i < r->n_sets; i++) sets[i] = r->sets[i];
    return rl_config_load(cfg, a->bases[r->base], sets, r->n_sets, err, err_sz);
}

rl_status ablation_validate(ablation *a, char *err, size_t err_sz)
{
    int n = ablation_n_runs(a);
    rl_config *cfg = rl_xmalloc(sizeof *cfg);
    rl_status st = RL_OK;
    for (int i = 0; i < n && st == RL_OK; i++) {
        ablation_run r;
        ablation_run_at(a, i, "runs", &r);
        char msg[900];
        st = load_run_config(a, &r, cfg, msg, sizeof msg);
        if (st == RL_OK) {
            snprintf(a->base_env[r.base], RL_STR_MAX, "%s", cfg->env.id);
            /* creating the agent checks the losses and the agent's own constraints */
            const agent_algo *algo = NULL;
            trainer_env te = {0};
            if ((st = trainer_prepare_envs(cfg, msg, sizeof msg)) == RL_OK) {
                algo = agent_find(cfg->root.algo);
                if (!algo) st = rl_errf(msg, sizeof msg, RL_ERR_CONFIG, "algo: unknown algorithm '%s'", cfg->root.algo);
                else st = trainer_env_open(&te, cfg, cfg->source[0] ? cfg->source : "config", false, msg, sizeof msg);
            }
            if (st == RL_OK) {
                void *agent = NULL;
                st = trainer_env_agent(&te, algo, &agent, cfg, (int)cfg->env.num_envs, msg, sizeof msg);
                if (st == RL_OK) algo->destroy(agent);
            }
            trainer_env_close(&te);
        }
        if (st != RL_OK) st = rl_errf(err, err_sz, st, "%s: variant %s, seed %lld: %s", a->source, r.variant_name,
                                      (long long)r.seed, msg);
    }
    free(cfg);
    /* run directories must be distinct (two bases on the same env would collide) */
    for (int i = 0; i < a->n_bases && st == RL_OK; i++)
        for (int j = 0; j < i && st == RL_OK; j++)
            if (strcmp(a->base_env[i], a->base_env[j]) == 0)
                st = rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: bases %s and %s are both on %s; use one base per environment",
                             a->source, a->bases[j], a->bases[i], a->base_env[i]);
    return st;
}

/* ---- running ----------------------------------------------------------------------------- */

static volatile sig_atomic_t abl_stop = 0;
static void abl_on_signal(int sig) { abl_stop = sig; }

/* the step of the last row of a run's timing.csv (0 if none yet) */
static int64_t run_progress(const char *run_dir)
{
    char path[1100], line[256], last[256] = "";
    snprintf(path, sizeof path, "%s/timing.csv", run_dir);
    FILE *fp;
    char ignored[8];
    if (rl_fopen_regular(path, &fp, ignored, sizeof ignored) != RL_OK) return 0;
    while (fgets(line, sizeof line, fp)) memcpy(last, line, sizeof last);
    fclose(fp);
    return last[0] >= '0' && last[0] <= '9' ? strtoll(last, NULL, 10) : 0;
}

typedef struct {
    pid_t pid;
    int index;
    int64_t total;
} worker;

/* in a freshly forked worker: die with the parent. PR_SET_PDEATHSIG sends SIGTERM (the worker
 * checkpoints and exits) when the parent dies; the getppid check covers a parent that died
 * before the prctl call. Elsewhere only the check runs. */
static void worker_follow_parent(pid_t parent)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
    if (getppid() != parent) _exit(128 + SIGTERM);
}

/* the file a worker writes its output to: run_dir's train.log, or /dev/null when another process
 * holds the run directory (the worker will find it locked and exit with TRAINER_EXIT_BUSY; the
 * holder's train.log is left to the holder). The probe releases the lock at once; a process that
 * takes it in between is still refused by the worker itself. */
static const char *worker_log(const char *run_dir, const char *log)
{
    rl_dir_lock probe;
    char e[8];
    if (rl_dir_lock_take(&probe, run_dir, e, sizeof e) == RL_ERR_BUSY) return "/dev/null";
    rl_dir_lock_release(&probe);
    return log;
}

#define ABL_MAX_PLUGINS 16

/* appends "--plugin PATH" to argv[n..] for env.plugin and each loss's plugin of cfg, each path
 * once (at most ABL_MAX_PLUGINS); returns the new count */
static int plugin_args(const char **argv, int n, const rl_config *cfg)
{
    const rl_loss_cfg *losses[64];
    int nl = rl_config_losses(cfg, losses, RL_ARRAY_LEN(losses)), first = n;
    for (int i = -1; i < nl && i < RL_ARRAY_LEN(losses) && n - first < 2 * ABL_MAX_PLUGINS; i++) {
        const char *path = i < 0 ? cfg->env.plugin : losses[i]->plugin;
        bool seen = !path[0];
        for (int j = first + 1; j < n && !seen; j += 2) seen = strcmp(argv[j], path) == 0;
        if (seen) continue;
        argv[n++] = "--plugin";
        argv[n++] = path;
    }
    return n;
}

int ablation_worker_cpus(int jobs)
{
    int cpus;
    char e[8];
    if (rl_cpus_usable(&cpus, e, sizeof e) != RL_OK) cpus = rl_cpus_of_process();
    cpus /= jobs > 1 ? jobs : 1;
    return cpus < 1 ? 1 : cpus;
}

/* starts a worker; returns its pid, or -1 with a message in err. plugins: the base config (from
 * the user's files) whose env.plugin and loss plugins are passed on when resuming, since `rlc
 * train --resume` loads no plugin named in a run directory (NULL: none). cpus: the worker's
 * RLC_CPUS, what its `auto` thread counts resolve against (core/cpus.h) */
static pid_t spawn(const char *binary, const ablation *a, const ablation_run *r, bool resume,
                   const rl_config *plugins, int cpus, char *err, size_t err_sz)
{
    char log[1100];
    if (rl_mkdir_p(r->run_dir, err, err_sz) != RL_OK) return -1;
    snprintf(log, sizeof log, "%s/train.log", r->run_dir);
    char cpus_text[16];
    snprintf(cpus_text, sizeof cpus_text, "%d", cpus);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    worker_follow_parent(parent);
    setenv(RL_CPUS_ENV, cpus_text, 1);
    int fd = open(worker_log(r->run_dir, log), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    const char *argv[10 + 2 * (ABL_RUN_MAX_SETS) + 2 * ABL_MAX_PLUGINS];
    int n = 0;
    argv[n++] = binary;
    argv[n++] = "train";
    if (resume) {
        argv[n++] = "--resume";
        argv[n++] = r->run_dir;
        if (plugins) n = plugin_args(argv, n, plugins);
    } else {
        argv[n++] = a->bases[r->base];
        argv[n++] = "--run-dir";
        argv[n++] = r->run_dir;
        for (int i = 0; i < r->n_sets; i++) {
            argv[n++] = "--set";
            argv[n++] = r->sets[i];
        }
    }
    argv[n++] = "--quiet";
    argv[n] = NULL;
    execv(binary, (char *const *)argv);
    fprintf(stderr, "rlc ablate: cannot run %s: %s\n", binary, strerror(errno));
    _exit(127);
}

static void print_progress(FILE *out, const ablation *a, int done, int running, int failed, int total,
                           int64_t steps, int64_t all_steps, double el, bool final)
{
    int tty = isatty(fileno(out));
    double frac = all_steps > 0 ? (double)steps / (double)all_steps : 0.0;
    double eta = frac > 0.01 ? el * (1.0 - frac) / frac : NAN;
    char eta_s[32];
    if (isnan(eta)) snprintf(eta_s, sizeof eta_s, "--");
    else snprintf(eta_s, sizeof eta_s, "%.0fs", eta);
    fprintf(out, "%s[ablate %s] runs %d/%d done, %d running, %d failed | steps %lld/%lld (%.1f%%) | elapsed %.0fs | remaining %s%s",
            tty ? "\r" : "", a->name, done, total, running, failed, (long long)steps, (long long)all_steps,
            100.0 * frac, el, eta_s, tty ? "\033[K" : "");
    if (!tty || final) fputc('\n', out);
    fflush(out);
}

/* jobs within 1..ABL_MAX_JOBS, and every run directory fits its buffer (a cut path could make two
 * runs share a directory) */
static rl_status check_execute_args(const ablation *a, const char *runs_root, int jobs, char *err, size_t err_sz)
{
    if (jobs < 1 || jobs > ABL_MAX_JOBS)
        return rl_errf(err, err_sz, RL_ERR_ARG, "--jobs: %d worker processes requested; expected 1..%d", jobs,
                       ABL_MAX_JOBS);
    ablation_run r;
    for (int i = 0; i < ablation_n_runs(a); i++) {
        ablation_run_at(a, i, runs_root, &r);
        if (strlen(r.run_dir) + 16 >= sizeof r.run_dir)   /* room for "/DONE", "/train.log" */
            return rl_errf(err, err_sz, RL_ERR_ARG, "%s: run directory '%.80s...' is too long (at most %zu characters)",
                           a->source, r.run_dir, sizeof r.run_dir - 16);
    }
    return RL_OK;
}

/* ---- the steps of ablation_execute -------------------------------------------------------- */

/* the runs of one ablation_execute: their state and the worker slots */
typedef struct {
    const ablation *a;
    const char *runs_root, *rlc_binary;
    FILE *out;
    ablation_summary *sum;
    int n, jobs, next, running;
    int64_t *totals;                  /* (n) each run's total_steps */
    unsigned char *state;             /* (n) 0 todo, 1 running, 2 done, 3 failed, 4 busy */
    worker *w;                        /* (jobs) */
    rl_config *cfg;                   /* scratch for a run's config */
    int64_t all_steps, done_steps;
} pool;

/* every run's step budget, and the runs a DONE file marks finished */
static void pool_scan(pool *p)
{
    for (int i = 0; i < p->n; i++) {
        ablation_run r;
        ablation_run_at(p->a, i, p->runs_root, &r);
        char msg[900], done_path[1100];
        if (load_run_config(p->a, &r, p->cfg, msg, sizeof msg) == RL_OK) p->totals[i] = p->cfg->root.total_steps;
        p->all_steps += p->totals[i];
        snprintf(done_path, sizeof done_path, "%s/DONE", r.run_dir);
        if (rl_path_exists(done_path)) {
            p->state[i] = 2;
            p->sum->skipped++;
            p->done_steps += p->totals[i];
        }
    }
}

/* start runs while there are free workers */
static void pool_start(pool *p)
{
    while (!abl_stop && p->running < p->jobs && p->next < p->n) {
        if (p->state[p->next] != 0) {
            p->next++;
            continue;
        }
        ablation_run r;
        ablation_run_at(p->a, p->next, p->runs_root, &r);
        char ckpt[1100];
        snprintf(ckpt, sizeof ckpt, "%s/checkpoint.safetensors", r.run_dir);
        char why[1200] = "";
        bool resume = rl_path_exists(ckpt);
        const rl_config *plugins = resume && load_run_config(p->a, &r, p->cfg, why, sizeof why) == RL_OK ? p->cfg : NULL;
        why[0] = '\0';
        pid_t pid = spawn(p->rlc_binary, p->a, &r, resume, plugins, ablation_worker_cpus(p->jobs), why, sizeof why);
        if (pid < 0) {
            if (!why[0]) snprintf(why, sizeof why, "cannot start a worker: %s", strerror(errno));
            fprintf(p->out, "%s[ablate %s] run %s seed %lld FAILED: %s\n", isatty(fileno(p->out)) ? "\r\033[K" : "",
                    p->a->name, r.variant_name, (long long)r.seed, why);
            p->state[p->next++] = 3;
            p->sum->failed++;
            continue;
        }
        for (int k = 0; k < p->jobs; k++)
            if (p->w[k].pid == 0) {
                p->w[k] = (worker){pid, p->next, p->totals[p->next]};
                break;
            }
        p->state[p->next++] = 1;
        p->running++;
    }
}

/* worker k (pid) finished with status: DONE file, or failed, or the directory was busy */
static void pool_reap(pool *p, int k, int status)
{
    ablation_run r;
    ablation_run_at(p->a, p->w[k].index, p->runs_root, &r);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == TRAINER_EXIT_BUSY) {
        /* another process trains in that directory: leave it alone, and say so */
        p->state[p->w[k].index] = 4;
        p->sum->busy++;
        char holder[48] = "see its train.log";
        long hp = rl_dir_lock_pid(r.run_dir);
        if (hp) snprintf(holder, sizeof holder, "pid %ld", hp);
        fprintf(p->out, "%s[ablate %s] run %s seed %lld NOT RUN: %s is in use by another process "
                "(%s); run the same command again once it has finished\n",
                isatty(fileno(p->out)) ? "\r\033[K" : "", p->a->name, r.variant_name, (long long)r.seed,
                r.run_dir, holder);
    } else if (code == 0) {
        char done_path[1100];
        snprintf(done_path, sizeof done_path, "%s/DONE", r.run_dir);
        FILE *fp = fopen(done_path, "w");
        if (fp) fclose(fp);
        p->state[p->w[k].index] = 2;
        p->sum->finished++;
        p->done_steps += p->w[k].total;
    } else if (!abl_stop) {
        p->state[p->w[k].index] = 3;
        p->sum->failed++;
        fprintf(p->out, "%s[ablate %s] run %s seed %lld FAILED (%s %d): see %s/train.log\n",
                isatty(fileno(p->out)) ? "\r\033[K" : "", p->a->name, r.variant_name, (long long)r.seed,
                WIFEXITED(status) ? "exit status" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), r.run_dir);
    }
    p->w[k].pid = 0;
    p->running--;
}

/* the progress line: finished runs' steps plus what the running ones have logged */
static void pool_progress(pool *p, double elapsed)
{
    int64_t steps = p->done_steps;
    for (int k = 0; k < p->jobs; k++) {
        if (p->w[k].pid <= 0) continue;
        ablation_run r;
        ablation_run_at(p->a, p->w[k].index, p->runs_root, &r);
        steps += run_progress(r.run_dir);
    }
    print_progress(p->out, p->a, p->sum->finished + p->sum->skipped, p->running, p->sum->failed, p->n, steps, p->all_steps, elapsed, false);
}

rl_status ablation_execute(const ablation *a, const char *runs_root, int jobs,
                           const char *rlc_binary, FILE *out, ablation_summary *sum,
                           char *err, size_t err_sz)
{
    memset(sum, 0, sizeof *sum);
    int n = ablation_n_runs(a);
    sum->total = n;
    rl_status st = check_execute_args(a, runs_root, jobs, err, err_sz);
    if (st != RL_OK) return st;
    if (jobs > n) jobs = n > 0 ? n : 1;   /* never more workers than runs */
    pool p = {.a = a, .runs_root = runs_root, .rlc_binary = rlc_binary, .out = out, .sum = sum, .n = n, .jobs = jobs};
    p.totals = rl_xcalloc((size_t)n, sizeof(int64_t));
    p.state = rl_xcalloc((size_t)n, 1);
    p.w = rl_xcalloc((size_t)jobs, sizeof(worker));
    p.cfg = rl_xmalloc(sizeof *p.cfg);
    pool_scan(&p);
    if (sum->skipped) fprintf(out, "[ablate %s] %d of %d runs already finished: skipped\n", a->name, sum->skipped, n);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = abl_on_signal;
    sigemptyset(&sa.sa_mask);
    abl_stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    double t0 = rl_now(), last_print = -1;
    for (;;) {
        pool_start(&p);
        if (p.running == 0 && (p.next >= n || abl_stop)) break;
        /* reap finished workers */
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            for (int k = 0; k < jobs; k++)
                if (p.w[k].pid == pid) pool_reap(&p, k, status);
            continue;
        }
        if (abl_stop) {
            /* forward the signal once; workers checkpoint and exit */
            for (int k = 0; k < jobs; k++)
                if (p.w[k].pid > 0) kill(p.w[k].pid, SIGINT);
        }
        double now = rl_now();
        if (now - last_print >= 1.0) {
            pool_progress(&p, now - t0);
            last_print = now;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sum->wall_s = rl_now() - t0;
    print_progress(out, a, sum->finished + sum->skipped, 0, sum->failed, n, p.done_steps, p.all_steps, sum->wall_s, true);
    free(p.cfg);
    free(p.totals);
    free(p.state);
    free(p.w);
    if (abl_stop)
        return rl_errf(err, err_sz, RL_ERR_INTERRUPTED,
                       "interrupted; the running workers checkpointed: run the same command again to resume");
    return RL_OK;
}

/* the worker start, for the MPI runner (research/ablation_dist.c) */
pid_t ablation_spawn(const char *rlc_binary, const ablation *a, const ablation_run *r, bool resume, int jobs,
                     char *err, size_t err_sz)
{
    /* a resumed worker gets the base config's plugins on its command line, as in ablation_execute */
    const rl_config *plugins = NULL;
    rl_config *cfg = NULL;
    if (resume) {
        cfg = rl_xcalloc(1, sizeof *cfg);
        if (load_run_config(a, r, cfg, err, err_sz) == RL_OK) plugins = cfg;
    }
    pid_t pid = spawn(rlc_binary, a, r, resume, plugins, ablation_worker_cpus(jobs), err, err_sz);
    free(cfg);
    return pid;
}

/* the step a running run has logged, for the MPI runner's progress display */
int64_t ablation_run_progress(const char *run_dir) { return run_progress(run_dir); }
