/* rlc core: mkdir -p, existence checks, atomic small-file writes and directory locks. */
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
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

const char *rl_file_kind(unsigned mode)
{
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a file";
}

rl_status rl_open_regular(const char *path, int *fd, int64_t *size, char *err, size_t err_sz)
{
    *fd = -1;
    int d = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (d < 0) {
        int e = errno;
        rl_status st = rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot open: %s", path, strerror(e));
        errno = e;
        return st;
    }
    struct stat sb;
    if (fstat(d, &sb) != 0) {
        int e = errno;
        close(d);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(d);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: not a regular file (%s)", path, rl_file_kind(sb.st_mode));
    }
    int flags = fcntl(d, F_GETFL);
    if (flags < 0 || fcntl(d, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(d);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    *fd = d;
    if (size) *size = (int64_t)sb.st_size;
    return RL_OK;
}

rl_status rl_fopen_regular(const char *path, FILE **fp, char *err, size_t err_sz)
{
    *fp = NULL;
    int fd;
    rl_status st = rl_open_regular(path, &fd, NULL, err, err_sz);
    if (st != RL_OK) return st;
    if (!(*fp = fdopen(fd, "rb"))) {
        int e = errno;
        close(fd);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    return RL_OK;
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

int rl_append_whole(int fd, const void *buf, size_t n, int64_t *end, int *cut_errno)
{
    const char *p = buf;
    size_t left = n;
    int e = 0;
    while (left > 0 && !e) {
        ssize_t k = write(fd, p, left);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) e = k < 0 ? errno : EIO;
        else p += k, left -= (size_t)k;
    }
    *cut_errno = 0;
    if (!e) {
        *end += (int64_t)n;
        return 0;
    }
    /* what reached the file is a cut row: take it away */
    while (ftruncate(fd, (off_t)*end) != 0)
        if (errno != EINTR) {
            *cut_errno = errno;
            break;
        }
    return e;
}

long rl_dir_lock_pid(const char *dir)
{
    char path[1100], text[32] = "";
    snprintf(path, sizeof path, "%s/" RL_DIR_LOCK_FILE, dir);
    FILE *fp;
    if (rl_fopen_regular(path, &fp, NULL, 0) != RL_OK) return 0;
    if (!fgets(text, sizeof text, fp)) text[0] = '\0';
    fclose(fp);
    long pid = strtol(text, NULL, 10);
    return pid > 0 ? pid : 0;
}

/* the holder's pid; a holder that has just taken the lock may not have written it yet */
static long holder_pid(const char *dir)
{
    long pid = 0;
    for (int i = 0; i < 20 && !(pid = rl_dir_lock_pid(dir)); i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return pid;
}

rl_status rl_dir_lock_take(rl_dir_lock *lock, const char *dir, char *err, size_t err_sz)
{
    char path[1100];
    lock->fd = -1;
    if (snprintf(path, sizeof path, "%s/" RL_DIR_LOCK_FILE, dir) >= (int)sizeof path)
        return rl_errf(err, err_sz, RL_ERR_ARG, "%.64s...: path too long", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot open the lock file: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e != EWOULDBLOCK)
            return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot lock: %s", path, strerror(e));
        long pid = holder_pid(dir);
        char who[48] = "pid unknown";
        if (pid) snprintf(who, sizeof who, "pid %ld", pid);
        return rl_errf(err, err_sz, RL_ERR_BUSY,
                       "%s is in use by another rlc process (%s, lock file %s): wait for it to finish, "
                       "or stop it (kill -INT saves a checkpoint) and resume",
                       dir, who, path);
    }
    char text[32];
    int n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) {
        int e = errno;
        close(fd);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot write the pid: %s", path, strerror(e));
    }
    lock->fd = fd;
    return RL_OK;
}

void rl_dir_lock_release(rl_dir_lock *lock)
{
    if (!lock || lock->fd < 0) return;
    /* an empty file says nobody holds it (a stale pid would be harmless: the flock decides);
     * the flock goes with the close */
    int ignored = ftruncate(lock->fd, 0);
    (void)ignored;
    close(lock->fd);
    lock->fd = -1;
}
