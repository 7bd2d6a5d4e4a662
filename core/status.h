/* rlc core: status codes, error messages and the always-on assert.
 *
 * Three tiers of errors (see docs/STYLE in shared/design):
 *   - RL_ASSERT for broken invariants: always on, prints file:line:function, aborts;
 *   - rl_status + a caller's message buffer (char *err, size_t err_sz) for bad input and I/O;
 *   - counted warnings for numerical anomalies (kept by the module that sees them). */
#ifndef RLC_CORE_STATUS_H
#define RLC_CORE_STATUS_H

#include <stddef.h>

typedef enum {
    RL_OK = 0,
    RL_ERR_ARG,          /* bad command-line argument or function argument from the user */
    RL_ERR_IO,           /* a file could not be opened, read or written */
    RL_ERR_PARSE,        /* malformed YAML, JSON or file contents */
    RL_ERR_CONFIG,       /* a config key is unknown, of the wrong type or out of range */
    RL_ERR_FORMAT,       /* a file has the wrong format (checkpoint header, shapes, sizes) */
    RL_ERR_NOMEM,        /* an allocation failed */
    RL_ERR_NUMERIC,      /* a non-finite value that could not be handled */
    RL_ERR_UNSUPPORTED,  /* a valid request this build cannot serve (e.g. no MuJoCo) */
    RL_ERR_NOT_FOUND,    /* an id or name is not registered */
    RL_ERR_INTERRUPTED,  /* stopped by a signal (SIGINT, SIGTERM, SIGHUP, SIGPIPE) */
    RL_ERR_BUSY,         /* held by another process (a locked run directory) */
    RL_STATUS_COUNT
} rl_status;

/* A short constant name for a status ("ok", "io error", ...). Never NULL. */
const char *rl_status_str(rl_status s);

/* Formats a message into err (if err is non-NULL and err_sz > 0) and returns s,
 * so that callers can write: return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot open", path); */
rl_status rl_errf(char *err, size_t err_sz, rl_status s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prints "file:line: func: assertion `expr' failed" (and an optional message) and aborts. */
_Noreturn void rl_assert_fail(const char *expr, const char *file, int line, const char *func,
                              const char *msg);

/* Always on, whatever NDEBUG says. Never put a side effect you rely on inside it anyway. */
#define RL_ASSERT(cond) \
    ((cond) ? (void)0 : rl_assert_fail(#cond, __FILE__, __LINE__, __func__, NULL))
#define RL_ASSERT_MSG(cond, msg) \
    ((cond) ? (void)0 : rl_assert_fail(#cond, __FILE__, __LINE__, __func__, (msg)))

/* malloc/calloc that abort with file:line on failure; for init-time allocations only. */
void *rl_xmalloc_at(size_t n, const char *file, int line);
void *rl_xcalloc_at(size_t count, size_t size, const char *file, int line);
#define rl_xmalloc(n) rl_xmalloc_at((n), __FILE__, __LINE__)
#define rl_xcalloc(c, s) rl_xcalloc_at((c), (s), __FILE__, __LINE__)

#define RL_ARRAY_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif
