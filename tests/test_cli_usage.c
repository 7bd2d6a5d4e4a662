/* rlc tests: what the rlc program says to a new user: `rlc config SECTION` and its errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/helpers/testutil.h"

/* `rlc ARGS 2>&1`: its exit status, its output in out */
static int rlc(const char *args, char *out, size_t sz)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", RLC_BINARY, args);
    return rlt_run_cmd(cmd, out, sz);
}

/* the section headings (lines not indented) of `rlc config ...` output, newline-separated */
static void headings(const char *out, char *buf, size_t sz)
{
    size_t at = 0;
    buf[0] = '\0';
    for (const char *line = out; *line && at < sz;) {
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        if (len && line[0] != ' ') at += (size_t)snprintf(buf + at, sz - at, "%.*s\n", len, line);
        line = nl ? nl + 1 : line + len;
    }
}

Test(cli_usage, config_section_prints_that_section_only)
{
    static char out[65536];
    char heads[512];
    cr_assert_eq(rlc("config ppo", out, sizeof out), 0, "%s", out);
    headings(out, heads, sizeof heads);
    cr_assert_str_eq(heads, "ppo\n", "%s", out);
    cr_assert(strstr(out, "  update_epochs "), "%s", out);
    cr_assert_eq(rlc("config top env", out, sizeof out), 0, "%s", out);
    headings(out, heads, sizeof heads);
    cr_assert_str_eq(heads, "(top level)\nenv\n", "%s", out);
    cr_assert(strstr(out, "  total_steps ") && strstr(out, "  id "), "%s", out);
    cr_assert_eq(rlc("config aux", out, sizeof out), 0, "%s", out);
    cr_assert(strncmp(out, "aux ", 4) == 0, "%s", out);
    /* no argument: every section */
    cr_assert_eq(rlc("config", out, sizeof out), 0, "%s", out);
    headings(out, heads, sizeof heads);
    cr_assert(strstr(heads, "ppo\n") && strstr(heads, "dqn\n") && strstr(heads, "log\n"), "%s", heads);
}

Test(cli_usage, config_unknown_section_and_help)
{
    static char out[65536];
    cr_assert_eq(rlc("config ppo nosuch", out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "unknown section 'nosuch'") && strstr(out, "sections: top, env,") && strstr(out, "ppo"),
              "%s", out);
    cr_assert(!strstr(out, "update_epochs"), "a section was printed before the error:\n%s", out);
    cr_assert_eq(rlc("config --bogus", out, sizeof out), 2, "%s", out);
    cr_assert_eq(rlc("config --help", out, sizeof out), 0, "%s", out);
    cr_assert(strncmp(out, "usage: rlc config [SECTION]", 27) == 0 && strstr(out, "sections: top"), "%s", out);
    cr_assert(!strstr(out, "update_epochs"), "%s", out);
}
