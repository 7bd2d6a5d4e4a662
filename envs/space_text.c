/* rlc envs: a space as one line of JSON (envs/space_text.h). */
#include "envs/space_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/status.h"

/* appends ", "name": [v0, v1, ...]" to buf at *at */
static void append_bounds(char *buf, size_t cap, size_t *at, const char *name, const float *v, int dim)
{
    *at += (size_t)snprintf(buf + *at, cap - *at, ", \"%s\": [", name);
    for (int d = 0; d < dim; d++) {
        const char *sep = d ? ", " : "";
        if (!v || !isfinite(v[d])) *at += (size_t)snprintf(buf + *at, cap - *at, "%snull", sep);
        else *at += (size_t)snprintf(buf + *at, cap - *at, "%s%.9g", sep, (double)v[d]);
    }
    *at += (size_t)snprintf(buf + *at, cap - *at, "]");
}

char *env_space_to_json(const env_space *s)
{
    /* 24 bytes bound each number ("-1.23456789e+38, ") and "null, " */
    size_t cap = 96 + 2 * 24 * (size_t)(s->dim > 0 ? s->dim : 1);
    char *buf = rl_xmalloc(cap);
    size_t at = 0;
    if (s->kind == ENV_SPACE_DISCRETE) {
        snprintf(buf, cap, "{\"kind\": \"discrete\", \"n\": %d}", s->n);
        return buf;
    }
    at += (size_t)snprintf(buf, cap, "{\"kind\": \"box\", \"dim\": %d", s->dim);
    append_bounds(buf, cap, &at, "low", s->low, s->dim);
    append_bounds(buf, cap, &at, "high", s->high, s->dim);
    snprintf(buf + at, cap - at, "}");
    return buf;
}
