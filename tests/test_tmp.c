/* rlc tests: the temporary-file helpers (tests/helpers/tmp.c): files go under the running test's
 * own directory inside $TMPDIR, which the runner removes when the test passes. With
 * RLT_TMP_SELFTEST_FAIL set, tmp::kept_when_failing fails on purpose (tests/tmp_clean_test.sh
 * checks that its files are kept). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/helpers/testutil.h"

Test(tmp, paths_are_under_the_tests_directory_in_tmpdir)
{
    const char *tmpdir = getenv("TMPDIR");
    const char *dir = rlt_test_dir();
    cr_assert(strncmp(dir, tmpdir && tmpdir[0] ? tmpdir : "/tmp", strlen(tmpdir && tmpdir[0] ? tmpdir : "/tmp")) == 0,
              "%s is not under TMPDIR", dir);
    char a[512], b[512], f[512];
    rlt_tmp_mkdir(a, sizeof a, "made");
    rlt_tmp_dir(b, sizeof b, "fresh");
    rlt_tmpfile(f, sizeof f, "file", "x\n");
    struct stat st;
    cr_assert(stat(a, &st) == 0 && S_ISDIR(st.st_mode), "%s", a);
    cr_assert_neq(access(b, F_OK), 0, "rlt_tmp_dir's path exists already: %s", b);
    cr_assert(strncmp(a, dir, strlen(dir)) == 0 && strncmp(b, dir, strlen(dir)) == 0 && strncmp(f, dir, strlen(dir)) == 0,
              "%s %s %s not under %s", a, b, f, dir);
    cr_assert_str_neq(a, b);
}

Test(tmp, kept_when_failing)
{
    char f[512];
    rlt_tmpfile(f, sizeof f, "evidence", "kept\n");
    if (getenv("RLT_TMP_SELFTEST_FAIL")) cr_assert_fail("failing on purpose (RLT_TMP_SELFTEST_FAIL): %s stays", f);
}
