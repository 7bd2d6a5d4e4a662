/* rlc tests: temporary files and directories that a passing test does not leave behind.
 *
 * The runner process (before any test) makes one directory, $TMPDIR/rlc_test_XXXXXX (TMPDIR
 * defaults to /tmp), and passes it to the test workers in RLT_TMP_ROOT. Each test writes under its
 * own subdirectory of it (rlt_test_dir: named after the test); when the test passes (or is skipped), the runner
 * removes that subdirectory, and at the end the root if nothing is left in it. A failed or crashed
 * test keeps its files, and the runner names where they are. */
#include "tests/helpers/testutil.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RLT_ROOT_ENV "RLT_TMP_ROOT"

static char g_root[512];
#define RLT_MAX_RETRY 64
static char g_retry[RLT_MAX_RETRY][600];   /* passed tests' directories not yet removable */
static int g_n_retry;

static const char *tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    return t && t[0] ? t : "/tmp";
}

/* a test's subdirectory name: its suite and name, cut to 40 bytes, and a hash of the whole */
static void test_key(char *out, size_t sz, const char *suite, const char *name)
{
    uint32_t h = 2166136261u;
    for (const char *p = suite; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    snprintf(out, sz, "%.16s.%.23s_%08x", suite, name, h);
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    int n = snprintf(g_root, sizeof g_root, "%s/rlc_test_XXXXXX", tmp_base());
    if (n < 0 || (size_t)n >= sizeof g_root || !mkdtemp(g_root)) {
        fprintf(stderr, "rlc tests: cannot make a temporary directory under %s: %s\n", tmp_base(), strerror(errno));
        g_root[0] = '\0';
        return;
    }
    chmod(g_root, 0755);   /* a test that runs rlc as another user (nobody) reaches its files */
    setenv(RLT_ROOT_ENV, g_root, 1);
}

ReportHook(POST_TEST)(struct criterion_test_stats *st)
{
    if (!g_root[0]) return;
    char key[64], dir[600];
    test_key(key, sizeof key, st->test->category, st->test->name);
    snprintf(dir, sizeof dir, "%s/%s", g_root, key);
    if (access(dir, F_OK) != 0) return;
    if (st->test_status != CR_STATUS_FAILED) {   /* passed or skipped */
        rlt_remove_tree(dir);
        /* the worker may still be in the test's .fini (unmounting a tmpfs under it, say): again at the end */
        if (access(dir, F_OK) == 0 && g_n_retry < RLT_MAX_RETRY) snprintf(g_retry[g_n_retry++], sizeof g_retry[0], "%s", dir);
    } else fprintf(stderr, "rlc tests: %s::%s failed: its files are kept in %s\n", st->test->category, st->test->name, dir);
}

ReportHook(POST_ALL)(struct criterion_global_stats *st)
{
    (void)st;
    for (int i = 0; i < g_n_retry; i++) rlt_remove_tree(g_retry[i]);
    if (g_root[0] && rmdir(g_root) != 0 && errno == ENOTEMPTY)
        fprintf(stderr, "rlc tests: files of failed tests are kept in %s\n", g_root);
}

const char *rlt_test_dir(void)
{
    static char dir[600];
    const char *root = getenv(RLT_ROOT_ENV);
    char key[64];
    test_key(key, sizeof key, criterion_current_test ? criterion_current_test->category : "none",
             criterion_current_test ? criterion_current_test->name : "none");
    int n = root && root[0] ? snprintf(dir, sizeof dir, "%s/%s", root, key)
                            : snprintf(dir, sizeof dir, "%s/rlc_test_%s_%d", tmp_base(), key, (int)getpid());
    cr_assert(n > 0 && (size_t)n < sizeof dir, "temporary directory path too long");
    if (mkdir(dir, 0755) == 0) chmod(dir, 0755);   /* as the root directory, whatever the umask */
    else cr_assert(errno == EEXIST, "mkdir %s: %s", dir, strerror(errno));
    return dir;
}

void rlt_tmp_path(char *out, size_t out_sz, const char *name)
{
    int n = snprintf(out, out_sz, "%s/%s", rlt_test_dir(), name);
    cr_assert(n > 0 && (size_t)n < out_sz, "the path %s/%s does not fit in %zu bytes", rlt_test_dir(), name, out_sz);
}

void rlt_tmp_mkdir(char *out, size_t out_sz, const char *tag)
{
    char name[128];
    snprintf(name, sizeof name, "%.60s_XXXXXX", tag);
    rlt_tmp_path(out, out_sz, name);
    cr_assert(mkdtemp(out) != NULL, "mkdtemp %s: %s", out, strerror(errno));
}

void rlt_tmp_dir(char *out, size_t out_sz, const char *tag)
{
    rlt_tmp_mkdir(out, out_sz, tag);
    rmdir(out);
}

void rlt_tmpfile(char *out, size_t out_sz, const char *tag, const char *contents)
{
    char name[128];
    snprintf(name, sizeof name, "%.60s_XXXXXX", tag);
    rlt_tmp_path(out, out_sz, name);
    int fd = mkstemp(out);
    cr_assert(fd >= 0, "cannot create a temporary file %s: %s", out, strerror(errno));
    size_t len = strlen(contents);
    cr_assert_eq(write(fd, contents, len), (ssize_t)len);
    close(fd);
}
