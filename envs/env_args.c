/* rlc envs: keyword arguments of built-in environments (env_args.h). */
#include "envs/env_args.h"

#include <errno.h>
#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "envs/classic/classic.h"
#include "envs/toytext/toytext.h"

/* the schemas of each family, in its own file */
static const struct {
    const env_args_schema *list;
    const int *n;
} families[] = {
    {env_toytext_args, &env_toytext_n_args},
    {env_classic_args, &env_classic_n_args},
    {env_goal_args, &env_goal_n_args},
#ifdef RLC_HAVE_BOX2D
    {env_box2d_args, &env_box2d_n_args},
#endif
#ifdef RLC_HAVE_MUJOCO
    {env_mujoco_args, &env_mujoco_n_args},
#endif
};

const env_args_schema *env_args_find(const env_def *def)
{
    for (size_t f = 0; def && f < sizeof families / sizeof families[0]; f++)
        for (int i = 0; i < *families[f].n; i++)
            if (strcmp(families[f].list[i].base->id, def->id) == 0) return &families[f].list[i];
    return NULL;
}

static const env_arg *arg_find(const env_args_schema *s, const char *name)
{
    for (int i = 0; i < s->n_args; i++)
        if (strcmp(s->args[i].name, name) == 0) return &s->args[i];
    return NULL;
}

static void arg_names(const env_args_schema *s, char *buf, size_t sz)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < s->n_args && at < sz; i++)
        at += (size_t)snprintf(buf + at, sz - at, "%s%s", i ? ", " : "", s->args[i].name);
}

/* ---- parsing one value ----------------------------------------------------------------------- */

static bool parse_number(const char *s, double *v)
{
    const char *t = s[0] == '+' ? s + 1 : s;
    bool neg = s[0] == '-';
    if (neg) t = s + 1;
    if (strcmp(t, ".inf") == 0 || strcmp(t, ".Inf") == 0 || strcmp(t, "inf") == 0 || strcmp(t, "Infinity") == 0) {
        *v = neg ? -INFINITY : INFINITY;
        return true;
    }
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return s[0] && *end == '\0' && errno == 0 && !isnan(*v);
}

static void fmt_range(const env_arg *a, char *buf, size_t sz)
{
    snprintf(buf, sz, "%g..%g", a->lo, a->hi);
}

/* one FLOAT value (or the count values of a list) into p */
static rl_status parse_floats(const env_arg *a, const char *text, double *p, const char *what, char *err,
                              size_t err_sz)
{
    int count = a->count > 1 ? a->count : 1, k = 0;
    char buf[RL_STR_MAX], range[64];
    snprintf(buf, sizeof buf, "%s", text);
    fmt_range(a, range, sizeof range);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), k++) {
        while (*tok == ' ') tok++;
        double v;
        if (k >= count || !parse_number(tok, &v)) break;
        if (v < a->lo || v > a->hi)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %g is out of range (expected %s)", what, v, range);
        p[k] = v;
    }
    if (k != count || strstr(text, ",,") || text[strlen(text) - 1] == ',') {
        if (count == 1) return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: expected a number, got '%s'", what, text);
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: expected a list of %d numbers, got '%s'", what, count, text);
    }
    return RL_OK;
}

static bool in_choices(const char *choices, const char *s)
{
    size_t n = strlen(s);
    for (const char *c = choices; c;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && strncmp(c, s, n) == 0) return true;
        c = bar ? bar + 1 : NULL;
    }
    return false;
}

/* the text of argument a into the parameter struct params; what names it in messages */
static rl_status arg_parse(const env_arg *a, const char *text, void *params, const char *what, char *err,
                           size_t err_sz)
{
    char *p = (char *)params + a->off, range[64];
    switch (a->type) {
    case ENV_ARG_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0) *(bool *)p = true;
        else if (strcmp(text, "false") == 0 || strcmp(text, "False") == 0) *(bool *)p = false;
        else return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: expected true or false, got '%s'", what, text);
        return RL_OK;
    case ENV_ARG_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        fmt_range(a, range, sizeof range);
        if (!text[0] || *end || errno)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: expected an integer, got '%s'", what, text);
        if ((double)v < a->lo || (double)v > a->hi)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %lld is out of range (expected %s)", what, v, range);
        *(int *)p = (int)v;
        return RL_OK;
    }
    case ENV_ARG_FLOAT: return parse_floats(a, text, (double *)p, what, err, err_sz);
    case ENV_ARG_STR:
        if (strlen(text) >= a->size)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: longer than %zu characters", what, a->size - 1);
        if (a->choices && !in_choices(a->choices, text))
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: '%s' is not one of %s", what, text, a->choices);
        snprintf(p, a->size, "%s", text);
        return RL_OK;
    }
    return RL_OK;
}

/* ---- a definition with arguments ----------------------------------------------------------- */

/* what env_args_make allocates: the definition, then its parameter struct */
typedef struct {
    env_def def;
    alignas(max_align_t) unsigned char params[];
} args_block;

static rl_status generic_make(env_def *def, const env_def *base, void *storage, const void *params, char *err,
                              size_t err_sz)
{
    (void)err;
    (void)err_sz;
    memcpy(storage, params, base->params_size);
    *def = *base;
    def->params = storage;
    return RL_OK;
}

/* every key of kw parsed into params (base's values to start with) */
static rl_status apply_all(const env_args_schema *s, const env_def *base, const rl_kwargs *kw, void *params, char *err,
                           size_t err_sz)
{
    char names[512], what[RL_STR_MAX + 96];
    for (int i = 0; i < kw->n; i++) {
        snprintf(what, sizeof what, "%s: env.kwargs.%s", kw->where[i], kw->keys[i]);
        const env_arg *a = s ? arg_find(s, kw->keys[i]) : NULL;
        if (!s) return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s takes no arguments", what, base->id);
        if (!a) {
            arg_names(s, names, sizeof names);
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s takes no argument '%s' (it takes: %s; rlc envs %s)",
                           what, base->id, kw->keys[i], names, base->id);
        }
        rl_status st = arg_parse(a, kw->vals[i], params, what, err, err_sz);
        if (st != RL_OK) return st;
    }
    return RL_OK;
}

rl_status env_args_make(const env_def *base, const rl_kwargs *kw, const env_def **out, void **owned, char *err,
                        size_t err_sz)
{
    *out = base;
    *owned = NULL;
    if (!kw || kw->n == 0) return RL_OK;
    const env_args_schema *s = env_args_find(base);
    size_t psz = s ? base->params_size : 0;
    args_block *b = calloc(1, sizeof *b + psz);
    unsigned char *params = calloc(1, psz ? psz : 1);
    if (!b || !params) {
        free(b);
        free(params);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "%s: out of memory", base->id);
    }
    if (s) memcpy(params, base->params, psz);
    rl_status st = apply_all(s, base, kw, params, err, err_sz);
    if (st == RL_OK) {
        char why[512];
        st = (s->make ? s->make : generic_make)(&b->def, base, b->params, params, why, sizeof why);
        if (st != RL_OK) st = rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: env.kwargs: %s", kw->where[0], why);
    }
    free(params);
    if (st != RL_OK) {
        free(b);
        return st;
    }
    *out = &b->def;
    *owned = b;
    return RL_OK;
}

/* ---- listing ------------------------------------------------------------------------------- */

static void print_default(const env_arg *a, const void *params, char *buf, size_t sz)
{
    const char *p = (const char *)params + a->off;
    switch (a->type) {
    case ENV_ARG_BOOL: snprintf(buf, sz, "%s", *(const bool *)p ? "true" : "false"); return;
    case ENV_ARG_INT: snprintf(buf, sz, "%d", *(const int *)p); return;
    case ENV_ARG_FLOAT: {
        const double *v = (const double *)p;
        if (a->count <= 1) {
            snprintf(buf, sz, "%g", v[0]);
            return;
        }
        size_t at = (size_t)snprintf(buf, sz, "[");
        for (int k = 0; k < a->count && at < sz; k++)
            at += (size_t)snprintf(buf + at, sz - at, "%s%g", k ? ", " : "", v[k]);
        if (at < sz) snprintf(buf + at, sz - at, "]");
        return;
    }
    case ENV_ARG_STR: snprintf(buf, sz, "\"%s\"", p); return;
    }
}

void env_args_print(const env_def *def, FILE *out)
{
    const env_args_schema *s = env_args_find(def);
    if (!s) {
        fprintf(out, "  (none)\n");
        return;
    }
    static const char *const types[] = {"bool", "int", "number", "string"};
    int w = 0;
    for (int i = 0; i < s->n_args; i++) w = (int)strlen(s->args[i].name) > w ? (int)strlen(s->args[i].name) : w;
    for (int i = 0; i < s->n_args; i++) {
        const env_arg *a = &s->args[i];
        char dflt[96], range[64] = "";
        print_default(a, s->base->params, dflt, sizeof dflt);
        if (a->type == ENV_ARG_INT || a->type == ENV_ARG_FLOAT) fmt_range(a, range, sizeof range);
        if (a->type == ENV_ARG_STR && a->choices) snprintf(range, sizeof range, "%s", a->choices);
        const char *type = a->type == ENV_ARG_FLOAT && a->count > 1 ? "list" : types[a->type];
        fprintf(out, "  %-*s %-7s default %-14s %-12s %s\n", w, a->name, type, dflt, range, a->doc);
    }
}
