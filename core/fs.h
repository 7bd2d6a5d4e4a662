/* rlc core: the few file-system operations run directories need. */
#ifndef RLC_CORE_FS_H
#define RLC_CORE_FS_H

#include <stddef.h>

#include "core/status.h"

/* mkdir -p: creates path and its missing parents; an existing directory is fine. */
rl_status rl_mkdir_p(const char *path, char *err, size_t err_sz);
int rl_path_exists(const char *path);
int rl_is_dir(const char *path);
int rl_is_file(const char *path);
/* Writes text to path atomically and durably: "<path>.tmp" is written and fsync'ed, renamed over
 * path, then the directory is fsync'ed. An existing file at path is untouched on any error. */
rl_status rl_write_atomic(const char *path, const char *text, char *err, size_t err_sz);

#endif
