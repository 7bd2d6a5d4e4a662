/* rlc envs: the parts of a Dict or Tuple observation space (envs/env.h). */
#include <stdio.h>
#include <string.h>

#include "envs/check.h"
#include "envs/env.h"

int env_part_offset(const env_space *s, int i)
{
    RL_ASSERT(i >= 0 && i <= s->n_parts);
    int at = 0;
    for (int k = 0; k < i; k++) at += s->parts[k].dim;
    return at;
}

env_space env_space_part(const env_space *s, int i)
{
    RL_ASSERT(i >= 0 && i < s->n_parts);
    const env_part *p = &s->parts[i];
    int at = env_part_offset(s, i);
    env_space o = {.kind = ENV_SPACE_BOX, .dim = p->dim, .rank = p->rank, .elem = p->elem};
    memcpy(o.shape, p->shape, sizeof o.shape);
    o.low = s->low ? s->low + at : NULL;
    o.high = s->high ? s->high + at : NULL;
    return o;
}

const char *env_part_name(const env_space *s, int i, char *buf, size_t buf_sz)
{
    if (s->structure == ENV_STRUCT_DICT && s->parts[i].name) snprintf(buf, buf_sz, "%s", s->parts[i].name);
    else snprintf(buf, buf_sz, "%d", i);
    return buf;
}

const char *env_structure_name(env_structure t)
{
    return t == ENV_STRUCT_DICT ? "Dict" : t == ENV_STRUCT_TUPLE ? "Tuple" : NULL;
}

/* a Dict key: 1 to ENV_PART_NAME_MAX letters, digits or '_' */
static bool key_ok(const char *k)
{
    size_t n = k ? strlen(k) : 0;
    if (n < 1 || n > ENV_PART_NAME_MAX) return false;
    for (size_t j = 0; j < n; j++)
        if (!(k[j] == '_' || (k[j] >= '0' && k[j] <= '9') || (k[j] >= 'a' && k[j] <= 'z') || (k[j] >= 'A' && k[j] <= 'Z')))
            return false;
    return true;
}

/* part i's name rules: a Dict's key well formed and above the previous one, a Tuple's NULL */
static bool name_ok(const env_space *s, int i, char *why, size_t why_sz)
{
    const char *k = s->parts[i].name;
    if (s->structure == ENV_STRUCT_TUPLE) {
        if (k) snprintf(why, why_sz, "Tuple part %d has the name '%s': a Tuple's parts are named by their index (NULL)", i, k);
        return !k;
    }
    if (!key_ok(k)) {
        snprintf(why, why_sz, "Dict part %d has the key '%s': expected 1 to %d letters, digits or '_'", i, k ? k : "(null)",
                 ENV_PART_NAME_MAX);
        return false;
    }
    if (i > 0 && strcmp(s->parts[i - 1].name, k) >= 0) {
        snprintf(why, why_sz, "Dict key '%s' follows '%s': a Dict's parts are in strictly ascending order of their keys "
                 "(strcmp), as Gymnasium's spaces.Dict sorts them", k, s->parts[i - 1].name);
        return false;
    }
    return true;
}

/* the vector parts at most ENV_MAX_DIM values in all (only image parts go beyond, env_space_max_dim) */
static bool vector_parts_ok(const env_space *s, const char *what, char *why, size_t why_sz)
{
    int vec = 0;
    for (int i = 0; i < s->n_parts; i++) vec += s->parts[i].rank == 3 ? 0 : s->parts[i].dim;
    if (vec <= ENV_MAX_DIM) return true;
    snprintf(why, why_sz, "the %s's vector parts hold %d values: at most %d (image parts may hold up to %d)", what, vec,
             ENV_MAX_DIM, ENV_MAX_IMAGE_DIM);
    return false;
}

bool env_space_parts_ok(const env_space *s, char *why, size_t why_sz)
{
    if (s->structure == ENV_STRUCT_NONE && s->n_parts == 0 && !s->parts) return true;
    const char *what = env_structure_name(s->structure);
    if (!what || s->n_parts < 1 || s->n_parts > ENV_MAX_PARTS || !s->parts) {
        snprintf(why, why_sz, "structure %d with %d parts: expected Dict or Tuple with 1 to %d parts", (int)s->structure,
                 s->n_parts, ENV_MAX_PARTS);
        return false;
    }
    if (s->kind != ENV_SPACE_BOX || s->rank != 0 || s->elem != ENV_ELEM_FLOAT32) {
        snprintf(why, why_sz, "a %s space is a flat float32 Box of its parts' values (rank 0)", what);
        return false;
    }
    for (int i = 0; i < s->n_parts; i++)
        if (!name_ok(s, i, why, why_sz)) return false;
    int sum = 0;
    for (int i = 0; i < s->n_parts; i++) {
        char name[24], sub[160];
        env_part_name(s, i, name, sizeof name);
        if (s->parts[i].dim < 1 || s->parts[i].dim > s->dim - sum) {
            snprintf(why, why_sz, "%s part '%s' has dim %d: expected 1 to the %d values left of dim %d", what, name,
                     s->parts[i].dim, s->dim - sum, s->dim);
            return false;
        }
        env_space p = env_space_part(s, i);
        if (!env_space_layout_ok(&p, sub, sizeof sub)) {
            snprintf(why, why_sz, "%s part '%s': %s", what, name, sub);
            return false;
        }
        sum += s->parts[i].dim;
    }
    if (sum != s->dim) {
        snprintf(why, why_sz, "the %s parts hold %d values, the Box %d", what, sum, s->dim);
        return false;
    }
    return vector_parts_ok(s, what, why, why_sz);
}
