/* rlc core: a bump arena for scratch memory sized at init.
 *
 * One allocation at init; rl_arena_alloc hands out 64-byte aligned slices; rl_arena_mark and
 * rl_arena_reset give a mark/free stack as in MuJoCo's arena. Running out is a programmer
 * error (the size is computed at init), so it asserts. */
#ifndef RLC_CORE_ARENA_H
#define RLC_CORE_ARENA_H

#include <stddef.h>

#include "core/status.h"

typedef struct {
    char *base;
    size_t cap;
    size_t used;
} rl_arena;

rl_status rl_arena_init(rl_arena *a, size_t cap_bytes, char *err, size_t err_sz);
/* A zeroed, 64-byte aligned slice of n bytes; asserts when the arena is full. */
void *rl_arena_alloc(rl_arena *a, size_t n);
#define rl_arena_floats(a, n) ((float *)rl_arena_alloc((a), (size_t)(n) * sizeof(float)))
size_t rl_arena_mark(const rl_arena *a);
void rl_arena_reset(rl_arena *a, size_t mark);
/* NULL-safe. */
void rl_arena_free(rl_arena *a);
/* Bytes a request of n bytes takes, alignment included (to size an arena). */
size_t rl_arena_need(size_t n);

#endif
