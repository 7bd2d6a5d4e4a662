/* rlc core: mkdir -p, existence checks and atomic small-file writes. */
#include "core/fs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

rl_status rl_mkdir_p(const char *path, char *err, size_t err_sz)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return rl_errf(err, err_sz, RL_ERR_ARG, "%.64s...: path too long", path);
    for (char *c = buf + 1; *c; c++) {
        if (*c != '/') continue;
        *c = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot create directory: %s", buf, strerror(errno));
        *c = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot create directory: %s", buf, strerror(errno));
    if (!rl_is_dir(buf)) return rl_errf(err, err_sz, RL_ERR_IO, "%s: not a directory", buf);
    return RL_OK;
}

int rl_path_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

int rl_is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int rl_is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

rl_status rl_write_atomic(const char *path, const char *text, char *err, size_t err_sz)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "w");
    if (!fp) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    fputs(text, fp);
    if (fclose(fp) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    return RL_OK;
}
