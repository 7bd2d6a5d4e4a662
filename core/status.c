/* rlc core: status names, error formatting and the assert handler. */
#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const status_names[] = {
    [RL_OK] = "ok",
    [RL_ERR_ARG] = "bad argument",
    [RL_ERR_IO] = "i/o error",
    [RL_ERR_PARSE] = "parse error",
    [RL_ERR_CONFIG] = "config error",
    [RL_ERR_FORMAT] = "format error",
    [RL_ERR_NOMEM] = "out of memory",
    [RL_ERR_NUMERIC] = "numerical error",
    [RL_ERR_UNSUPPORTED] = "unsupported",
    [RL_ERR_NOT_FOUND] = "not found",
    [RL_ERR_INTERRUPTED] = "interrupted",
    [RL_ERR_BUSY] = "busy",
};
_Static_assert(sizeof(status_names) / sizeof(status_names[0]) == RL_STATUS_COUNT,
               "status_names must name every rl_status");

const char *rl_status_str(rl_status s)
{
    if ((int)s < 0 || s >= RL_STATUS_COUNT) return "unknown status";
    return status_names[s];
}

rl_status rl_errf(char *err, size_t err_sz, rl_status s, const char *fmt, ...)
{
    if (err && err_sz > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_sz, fmt, ap);
        va_end(ap);
    }
    return s;
}

_Noreturn void rl_assert_fail(const char *expr, const char *file, int line, const char *func,
                              const char *msg)
{
    fflush(stdout);
    fprintf(stderr, "%s:%d: %s: assertion `%s' failed%s%s\n", file, line, func, expr,
            msg ? ": " : "", msg ? msg : "");
    abort();
}

void *rl_xmalloc_at(size_t n, const char *file, int line)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "%s:%d: out of memory allocating %zu bytes\n", file, line, n);
        abort();
    }
    return p;
}

void *rl_xcalloc_at(size_t count, size_t size, const char *file, int line)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "%s:%d: out of memory allocating %zu x %zu bytes\n", file, line, count,
                size);
        abort();
    }
    return p;
}
