/* rlc tests: what the rlc program says to a new user: `rlc config SECTION`, "did you mean" for
 * misspelt names, errors before a run starts (no banner, no run directory). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/suggest.h"
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

Test(cli_usage, did_you_mean_picks_the_nearest_name_within_a_typo)
{
    char hint[200];
    rl_did_you_mean(hint, sizeof hint, "total_step", "algo, seed, total_steps, env", ",");
    cr_assert_str_eq(hint, " (did you mean 'total_steps'?)");
    rl_did_you_mean(hint, sizeof hint, "ppp", "ppo|a2c|reinforce", "|");
    cr_assert_str_eq(hint, " (did you mean 'ppo'?)");
    rl_did_you_mean(hint, sizeof hint, "cartpole-v1", "Acrobot-v1\nCartPole-v1\n", "\n");
    cr_assert_str_eq(hint, " (did you mean 'CartPole-v1'?)");
    rl_did_you_mean(hint, sizeof hint, "walker", "ppo|a2c|reinforce", "|");
    cr_assert_str_eq(hint, "", "far from every name: no suggestion");
    cr_assert_eq(rl_edit_distance("kitten", "sitting"), 3);
}

/* a bad config fails before the run starts: the error with its file:line and a suggestion, no
 * banner, and no run directory */
static void expect_refused(const char *yaml, const char *set, const char *n1, const char *n2)
{
    char dir[256], path[300], cmd[1400], out[4096];
    rlt_tmp_dir(dir, sizeof dir, "refused");
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/bad.yaml", dir);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs(yaml, fp);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "%s train %s %s%s --run-dir %s/run 2>&1", RLC_BINARY, path, set ? "--set " : "",
             set ? set : "", dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, n1) && strstr(out, n2), "'%s' or '%s' missing from:\n%s", n1, n2, out);
    cr_assert(!strstr(out, " -> "), "the banner was printed for a refused run:\n%s", out);
    snprintf(path, sizeof path, "%s/run", dir);
    cr_assert_neq(access(path, F_OK), 0, "a refused run created %s", path);
    rlt_remove_tree(dir);
}

Test(cli_usage, bad_names_are_refused_with_a_suggestion_before_the_run_starts)
{
    expect_refused("algo: ppo\nenv:\n  id: CartPole-v0\n", NULL, "bad.yaml:3: env.id: unknown environment 'CartPole-v0'",
                   "(did you mean 'CartPole-v1'?)");
    expect_refused("algo: ppo\n", "env.id=Cartpole-v1", "--set env.id=Cartpole-v1: env.id", "did you mean 'CartPole-v1'");
    expect_refused("algo: ppo\ntotal_step: 100\n", NULL, "bad.yaml:2: unknown key 'total_step'",
                   "(did you mean 'total_steps'?)");
    expect_refused("algo: ppo\nlog: {eval_intervl: 3}\n", NULL, "unknown key 'log.eval_intervl'",
                   "did you mean 'eval_interval'");
    expect_refused("algo: ppo\nlosses:\n  value: hubr\n", NULL, "bad.yaml:3: losses.value: unknown loss 'hubr'",
                   "(did you mean 'huber'?)");
    expect_refused("algo: ppp\n", NULL, "'ppp' is not one of", "(did you mean 'ppo'?)");
    expect_refused("algo: sac\nenv: {id: CartPole-v1}\n", NULL, "sac", "Box action space");
}

Test(cli_usage, losses_and_envs_suggest_the_nearest_name)
{
    char out[4096];
    cr_assert_eq(rlc("losses hubr", out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "unknown loss 'hubr' (did you mean 'huber'?)"), "%s", out);
    cr_assert_eq(rlc("envs CartPole-v0", out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "(did you mean 'CartPole-v1'?)"), "%s", out);
}

Test(cli_usage, resume_of_a_missing_directory_says_so)
{
    char dir[256], cmd[600], out[2048];
    rlt_tmp_dir(dir, sizeof dir, "nope");
    snprintf(cmd, sizeof cmd, "%s train --resume %s 2>&1", RLC_BINARY, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, dir) && strstr(out, "no such run directory") && !strstr(out, "config.yaml"), "%s", out);
}

/* rlc --version and rlc version print CMake's project version */
Test(cli_usage, version_prints_the_project_version)
{
    char out[4096];
    cr_assert_eq(rlc("--version", out, sizeof out), 0, "%s", out);
    cr_assert_str_eq(out, "rlc " RLC_TEST_VERSION "\n");
    cr_assert_eq(rlc("version", out, sizeof out), 0, "%s", out);
    cr_assert_str_eq(out, "rlc " RLC_TEST_VERSION "\n");
    cr_assert_eq(rlc("--help", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "  version "), "%s", out);
}
