/* rlc core: mkdir -p, existence checks and atomic small-file writes. */
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* fsync of the directory holding path, so that a rename into it is durable */
static int sync_dir_of(const char *path)
{
    char dir[1200];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == path) snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

rl_status rl_write_atomic(const char *path, const char *text, char *err, size_t err_sz)
{
    char tmp[1200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return rl_errf(err, err_sz, RL_ERR_ARG, "%.64s...: path too long", path);
    FILE *fp = fopen(tmp, "w");
    if (!fp) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    /* the data reaches the disk before the rename makes it the file at path */
    int ok = fputs(text, fp) >= 0 && fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    int saved = errno;
    if (fclose(fp) != 0 && ok) ok = 0, saved = errno;
    if (!ok || rename(tmp, path) != 0) {
        if (ok) saved = errno;
        remove(tmp);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write: %s", path, strerror(saved));
    }
    /* and the rename itself survives a crash (best effort: some file systems refuse it) */
    (void)sync_dir_of(path);
    return RL_OK;
}
