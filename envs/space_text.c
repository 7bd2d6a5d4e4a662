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

/* appends ", "structure": "dict", "parts": [{"name": "image", "dim": 25, "shape": [5, 5, 1],
 * "dtype": "uint8"}, ...]" (a Tuple's names are its indices) */
static void append_parts(char *buf, size_t cap, size_t *at, const env_space *s)
{
    *at += (size_t)snprintf(buf + *at, cap - *at, ", \"structure\": \"%s\", \"parts\": [",
                            s->structure == ENV_STRUCT_DICT ? "dict" : "tuple");
    for (int i = 0; i < s->n_parts; i++) {
        const env_part *p = &s->parts[i];
        char name[24];
        *at += (size_t)snprintf(buf + *at, cap - *at, "%s{\"name\": \"%s\", \"dim\": %d", i ? ", " : "",
                                env_part_name(s, i, name, sizeof name), p->dim);
        if (p->rank == 3)
            *at += (size_t)snprintf(buf + *at, cap - *at, ", \"shape\": [%d, %d, %d]", p->shape[0], p->shape[1], p->shape[2]);
        if (p->elem != ENV_ELEM_FLOAT32) *at += (size_t)snprintf(buf + *at, cap - *at, ", \"dtype\": \"%s\"", env_elem_name(p->elem));
        *at += (size_t)snprintf(buf + *at, cap - *at, "}");
    }
    *at += (size_t)snprintf(buf + *at, cap - *at, "]");
}

char *env_space_to_json(const env_space *s)
{
    /* 24 bytes bound each number ("-1.23456789e+38, ") and "null, "; 96 the rest (shape, dtype),
     * 128 each part */
    size_t cap = 192 + 2 * 24 * (size_t)(s->dim > 0 ? s->dim : 1) + 128 * (size_t)s->n_parts;
    char *buf = rl_xmalloc(cap);
    size_t at = 0;
    if (s->kind == ENV_SPACE_DISCRETE) {
        snprintf(buf, cap, "{\"kind\": \"discrete\", \"n\": %d}", s->n);
        return buf;
    }
    if (s->kind == ENV_SPACE_MULTI_BINARY) {
        snprintf(buf, cap, "{\"kind\": \"multi_binary\", \"n\": %d}", s->dim);
        return buf;
    }
    if (s->kind == ENV_SPACE_MULTI_DISCRETE) {
        at += (size_t)snprintf(buf, cap, "{\"kind\": \"multi_discrete\", \"nvec\": [");
        for (int i = 0; i < s->dim; i++) at += (size_t)snprintf(buf + at, cap - at, "%s%d", i ? ", " : "", s->nvec[i]);
        snprintf(buf + at, cap - at, "]}");
        return buf;
    }
    at += (size_t)snprintf(buf, cap, "{\"kind\": \"box\", \"dim\": %d", s->dim);
    if (s->rank == 3)
        at += (size_t)snprintf(buf + at, cap - at, ", \"shape\": [%d, %d, %d]", s->shape[0], s->shape[1], s->shape[2]);
    if (s->elem != ENV_ELEM_FLOAT32) at += (size_t)snprintf(buf + at, cap - at, ", \"dtype\": \"%s\"", env_elem_name(s->elem));
    if (s->n_parts > 0) append_parts(buf, cap, &at, s);
    append_bounds(buf, cap, &at, "low", s->low, s->dim);
    append_bounds(buf, cap, &at, "high", s->high, s->dim);
    snprintf(buf + at, cap - at, "}");
    return buf;
}
