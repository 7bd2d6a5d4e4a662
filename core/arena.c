/* rlc core: bump arena. */
#include "core/arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 64

size_t rl_arena_need(size_t n)
{
    return (n + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
}

rl_status rl_arena_init(rl_arena *a, size_t cap_bytes, char *err, size_t err_sz)
{
    a->used = 0;
    a->cap = rl_arena_need(cap_bytes);
    a->base = NULL;
    if (a->cap == 0) return RL_OK;
    a->base = aligned_alloc(ARENA_ALIGN, a->cap);
    if (!a->base) return rl_errf(err, err_sz, RL_ERR_NOMEM, "arena: cannot allocate %zu bytes", a->cap);
    memset(a->base, 0, a->cap);
    return RL_OK;
}

void *rl_arena_alloc(rl_arena *a, size_t n)
{
    size_t need = rl_arena_need(n);
    RL_ASSERT_MSG(a->used + need <= a->cap, "arena exhausted: size it at init");
    void *p = a->base + a->used;
    a->used += need;
    memset(p, 0, n);
    return p;
}

size_t rl_arena_mark(const rl_arena *a) { return a->used; }

void rl_arena_reset(rl_arena *a, size_t mark)
{
    RL_ASSERT(mark <= a->used);
    a->used = mark;
}

void rl_arena_free(rl_arena *a)
{
    if (!a) return;
    free(a->base);
    a->base = NULL;
    a->cap = a->used = 0;
}
