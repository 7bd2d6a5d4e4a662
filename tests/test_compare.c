/* rlc tests: rlc compare on runs written here (config.yaml and eval.csv per run): the normalised
 * aggregate counts every run of a variant over all environments, a single run gets no interval,
 * --out DIR is created, the figures are written in PNG, SVG and PDF. The sample is never changed
 * silently (`rlc compare` run as a child process, so that a FIFO it blocked on would fail the test
 * rather than hang it): a run whose eval.csv is missing, empty, header-only, a FIFO or a directory
 * is named with its reason, an unfinished run is named, and unequal samples, mismatched steps and
 * unfinished runs are refused unless --allow-unequal; --at decides what unfinished means. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "research/compare.h"
#include "core/fs.h"
#include "tests/helpers/testutil.h"

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    cr_assert(fp != NULL, "%s", path);
    fputs(text, fp);
    fclose(fp);
}

/* root/<variant>/<env>/seed_<seed>: a run of total_steps whose eval.csv holds rows (after the
 * header) */
static void fake_run_rows(const char *root, const char *variant, const char *env, int seed, long total_steps,
                          const char *rows)
{
    char dir[700], path[800], err[512], text[1024];
    snprintf(dir, sizeof dir, "%s/%s/%s/seed_%d", root, variant, env, seed);
    cr_assert_eq(rl_mkdir_p(dir, err, sizeof err), RL_OK, "%s", err);
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    snprintf(text, sizeof text, "algo: ppo\nseed: %d\ntotal_steps: %ld\nenv:\n  id: %s\n", seed, total_steps, env);
    write_file(path, text);
    snprintf(path, sizeof path, "%s/eval.csv", dir);
    snprintf(text, sizeof text, "step,return_mean,return_std,episodes\n%s", rows);
    write_file(path, text);
}

/* a finished run of 3000 steps whose evaluation return climbs to final */
static void fake_run(const char *root, const char *variant, const char *env, int seed, double final)
{
    char rows[256];
    snprintf(rows, sizeof rows, "1000,%g,1,5\n2000,%g,1,5\n3000,%g,1,5\n", final / 4, final / 2, final);
    fake_run_rows(root, variant, env, seed, 3000, rows);
}

/* the line of text that starts with prefix (after its newline) */
static void line_of(const char *text, const char *prefix, char *line, size_t sz)
{
    const char *p = strstr(text, prefix);
    cr_assert(p != NULL, "no line '%s' in:\n%s", prefix + 1, text);
    p++;
    size_t n = strcspn(p, "\n");
    snprintf(line, sz, "%.*s", (int)n, p);
}

/* the output of compare_runs as a string */
static char *run_compare(const char *root, const compare_opts *o, rl_status *st, char *err, size_t err_sz)
{
    char path[600];
    snprintf(path, sizeof path, "%s.out", root);
    FILE *fp = fopen(path, "w");
    cr_assert(fp != NULL);
    *st = compare_runs(root, o, fp, err, err_sz);
    fclose(fp);
    return rlt_read_file(path);
}

Test(compare, aggregate_counts_every_run_over_the_environments, .timeout = 600)
{
    char root[256], err[1024];
    rlt_tmp_dir(root, sizeof root, "cmp_count");
    for (int s = 1; s <= 5; s++) {
        fake_run(root, "a", "CartPole-v1", s, 100 + 20 * s);
        fake_run(root, "a", "Pendulum-v1", s, -900 + 50 * s);
        fake_run(root, "b", "CartPole-v1", s, 300 + 20 * s);
        fake_run(root, "b", "Pendulum-v1", s, -600 + 50 * s);
    }
    fake_run(root, "b", "CartPole-v1", 6, 400);   /* one more: left out to balance the environments */
    compare_opts o;
    compare_opts_default(&o);
    o.n_boot = 200;
    o.plots = false;
    rl_status st;
    char *out = run_compare(root, &o, &st, err, sizeof err);   /* 6 runs of b against 5 of a: refused */
    cr_assert_eq(st, RL_ERR_ARG, "%s", out);
    cr_assert(strstr(err, "unequal samples on CartPole-v1 (usable runs: a 5, b 6)") && strstr(err, "--allow-unequal"),
              "%s", err);
    free(out);
    o.allow_unequal = true;
    out = run_compare(root, &o, &st, err, sizeof err);
    cr_assert_eq(st, RL_OK, "%s", err);
    cr_assert(strstr(out, "21 runs, 2 variants, 2 environments"), "%s", out);
    /* 5 seeds x 2 environments = 10 runs in each variant's aggregate */
    const char *agg = strstr(out, "all environments, normalised");
    cr_assert(agg != NULL, "%s", out);
    char line_a[512], line_b[512];
    line_of(agg, "\n  a ", line_a, sizeof line_a);
    line_of(agg, "\n  b ", line_b, sizeof line_b);
    cr_assert(strstr(line_a, " 10 runs (5 per environment)") && !strstr(line_a, "left out"), "%s", line_a);
    cr_assert(strstr(line_b, " 10 runs (5 per environment)") && strstr(line_b, "1 runs left out"), "%s", line_b);
    char md_path[400];
    snprintf(md_path, sizeof md_path, "%s/report.md", root);
    char *md = rlt_read_file(md_path);
    cr_assert(strstr(md, "| a | 10 |") && strstr(md, "| b | 10 |"), "%s", md);
    free(md);
    free(out);
}

/* the random-policy reference of an environment with MultiDiscrete / MultiBinary actions draws
 * each component (it read the Box bounds these spaces do not have) */
Test(compare, random_reference_of_multi_action_spaces)
{
    char root[256], err[1024];
    rlt_tmp_dir(root, sizeof root, "cmp_multi");
    for (int s = 1; s <= 2; s++) {
        fake_run(root, "a", "MultiDiscreteTarget-v0", s, 10 + s);
        fake_run(root, "a", "MultiBinaryTarget-v0", s, 12 + s);
    }
    compare_opts o;
    compare_opts_default(&o);
    o.n_boot = 200;
    o.plots = false;
    rl_status st;
    char *out = run_compare(root, &o, &st, err, sizeof err);
    cr_assert_eq(st, RL_OK, "%s", err);
    /* 16 steps x the expected fraction matched: (1/3 + 1/4 + 1/5) / 3 and 1/2 */
    double md = NAN, mb = NAN;
    const char *p = strstr(out, "MultiDiscreteTarget-v0 (random policy ");
    cr_assert(p && sscanf(p, "MultiDiscreteTarget-v0 (random policy %lf", &md) == 1, "%s", out);
    p = strstr(out, "MultiBinaryTarget-v0 (random policy ");
    cr_assert(p && sscanf(p, "MultiBinaryTarget-v0 (random policy %lf", &mb) == 1, "%s", out);
    cr_assert(fabs(md - 4.18) < 0.6 && fabs(mb - 8.0) < 0.8, "random returns %g and %g", md, mb);
    free(out);
}

Test(compare, one_run_gets_no_interval_and_out_dir_is_created, .timeout = 600)
{
    char root[256], outdir[400], err[1024], path[600];
    rlt_tmp_dir(root, sizeof root, "cmp_single");
    fake_run(root, "solo", "CartPole-v1", 1, 200);
    fake_run(root, "pair", "CartPole-v1", 1, 300);
    fake_run(root, "pair", "CartPole-v1", 2, 350);
    snprintf(outdir, sizeof outdir, "%s/figures/deeper", root);
    compare_opts o;
    compare_opts_default(&o);
    o.n_boot = 200;
    o.out_dir = outdir;
    o.allow_unequal = true;   /* one run against two */
    rl_status st;
    char *out = run_compare(root, &o, &st, err, sizeof err);
    cr_assert_eq(st, RL_OK, "%s", err);
    char line[512];
    line_of(out, "\n  solo ", line, sizeof line);
    cr_assert(strstr(line, "n=1, no interval") && !strchr(line, '['), "%s", line);
    line_of(out, "\n  pair ", line, sizeof line);
    cr_assert(strchr(line, '[') && !strstr(line, "n=1"), "%s", line);
    line_of(out, "\n  P(solo > pair)", line, sizeof line);
    cr_assert(strstr(line, "[") != NULL, "one side has two runs: an interval: %s", line);
    snprintf(path, sizeof path, "%s/summary.csv", outdir);
    char *csv = rlt_read_file(path);
    cr_assert(strstr(csv, "CartPole-v1,solo,1,200,0,200,200,,\n"), "%s", csv);
    free(csv);
    const char *figs[] = {"curves_CartPole-v1", "intervals", "profile"};
    const char *exts[] = {"png", "svg", "pdf"};
    const char *magic[] = {"\x89PNG", "<?xml", "%PDF-"};
    for (int f = 0; f < 3; f++)
        for (int x = 0; x < 3; x++) {
            snprintf(path, sizeof path, "%s/%s.%s", outdir, figs[f], exts[x]);
            char *text = rlt_read_file(path);
            cr_assert(strncmp(text, magic[x], strlen(magic[x])) == 0, "%s does not start with %s", path, magic[x]);
            if (x == 1) cr_assert(strstr(text, "<svg") && strstr(text, "</svg>"), "%s", path);
            free(text);
        }
    free(out);
}

Test(compare, no_runs_and_bad_formats_are_clear_errors)
{
    char root[256], err[1024], cmd[1200], out[4096];
    rlt_tmp_dir(root, sizeof root, "cmp_none");
    cr_assert_eq(mkdir(root, 0755), 0);
    compare_opts o;
    compare_opts_default(&o);
    o.out_dir = "/tmp/rlc_cmp_should_not_exist_dir";
    rl_status st;
    char *text = run_compare(root, &o, &st, err, sizeof err);
    free(text);
    cr_assert_eq(st, RL_ERR_NOT_FOUND);
    cr_assert(strstr(err, root) && strstr(err, "no runs"), "%s", err);
    cr_assert(!rl_is_dir(o.out_dir), "--out was created with nothing to write");
    snprintf(cmd, sizeof cmd, "%s compare %s --formats png,jpg 2>&1", RLC_BINARY, root);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 2);
    cr_assert(strstr(out, "'jpg'"), "%s", out);
}

/* ---- the sample is never changed silently ------------------------------------------------------ */

/* `rlc compare root --no-plots --boot 200 [extra] [extra2]` as a child; its exit status (-1 when
 * it did not exit), its output in out */
static int compare_cli(const char *root, const char *extra, const char *extra2, char *out, size_t out_sz)
{
    const char *args[] = {"compare", root, "--no-plots", "--boot", "200", extra, extra2, NULL};
    int status = rlt_run_rlc_guarded(args, out, out_sz, NULL);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* variants a and b, three finished seeds each, on CartPole-v1 */
static void fake_grid(const char *root)
{
    for (int s = 1; s <= 3; s++) {
        fake_run(root, "a", "CartPole-v1", s, 100 + 10 * s);
        fake_run(root, "b", "CartPole-v1", s, 200 + 10 * s);
    }
}

static void remove_tree(const char *root)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s.out'", root, root);
    cr_assert_eq(system(cmd), 0);
}

/* the report of a comparison that went through names dir as left out, with why */
static void assert_report_names(const char *root, const char *dir, const char *why)
{
    char path[600], want[1200];
    snprintf(path, sizeof path, "%s/report.md", root);
    char *md = rlt_read_file(path);
    snprintf(want, sizeof want, "- left out: `%s`: %s", dir, why);
    cr_assert(strstr(md, want) && strstr(md, "Compared anyway (`--allow-unequal`)"), "want '%s' in:\n%s", want, md);
    free(md);
}

Test(compare, a_run_without_usable_results_is_named_and_unequal_samples_are_refused, .timeout = 600)
{
    static const struct {
        const char *damage, *why;
    } cases[] = {
        {"missing", "eval.csv is missing"},
        {"empty", "eval.csv is empty"},
        {"header", "eval.csv has a header but no complete row"},
        {"fifo", "eval.csv is a FIFO, not a regular file"},
        {"dir", "eval.csv is a directory, not a regular file"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char root[256], dir[400], path[500], line[512], want[800], out[16384];
        rlt_tmp_dir(root, sizeof root, "cmp_left_out");
        fake_grid(root);
        snprintf(dir, sizeof dir, "%s/b/CartPole-v1/seed_2", root);
        snprintf(path, sizeof path, "%s/eval.csv", dir);
        cr_assert_eq(remove(path), 0);
        const char *d = cases[c].damage;
        if (strcmp(d, "empty") == 0) write_file(path, "");
        if (strcmp(d, "header") == 0) write_file(path, "step,return_mean,return_std,episodes\n");
        if (strcmp(d, "fifo") == 0) cr_assert_eq(mkfifo(path, 0644), 0);
        if (strcmp(d, "dir") == 0) cr_assert_eq(mkdir(path, 0755), 0);

        cr_assert_eq(compare_cli(root, NULL, NULL, out, sizeof out), 1, "%s: %s", d, out);
        snprintf(want, sizeof want, "left out: 1 run\n  %s: %s\n", dir, cases[c].why);
        cr_assert(strstr(out, want), "%s: want '%s' in:\n%s", d, want, out);
        cr_assert(strstr(out, "refusing to compare: unequal samples on CartPole-v1 (usable runs: a 3, b 2)") &&
                      strstr(out, "--allow-unequal"), "%s: %s", d, out);
        snprintf(path, sizeof path, "%s/report.md", root);
        cr_assert(!rl_path_exists(path), "%s: a refused comparison wrote its report", d);

        cr_assert_eq(compare_cli(root, "--allow-unequal", NULL, out, sizeof out), 0, "%s: %s", d, out);
        cr_assert(strstr(out, want) && strstr(out, "comparing anyway (--allow-unequal): unequal samples"), "%s: %s", d,
                  out);
        line_of(out, "\n  b ", line, sizeof line);
        cr_assert(strstr(line, "   2 "), "%s: b is compared over its 2 usable runs: %s", d, line);
        assert_report_names(root, dir, cases[c].why);
        remove_tree(root);
    }
}

Test(compare, a_variant_whose_runs_are_all_left_out_counts_as_no_runs, .timeout = 600)
{
    char root[256], path[500], out[16384];
    rlt_tmp_dir(root, sizeof root, "cmp_all_out");
    fake_grid(root);
    for (int s = 1; s <= 3; s++) {
        snprintf(path, sizeof path, "%s/b/CartPole-v1/seed_%d/eval.csv", root, s);
        cr_assert_eq(remove(path), 0);
    }
    cr_assert_eq(compare_cli(root, NULL, NULL, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "left out: 3 runs") && strstr(out, "unequal samples on CartPole-v1 (usable runs: a 3, b 0)"),
              "%s", out);
    cr_assert_eq(compare_cli(root, "--allow-unequal", NULL, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "3 runs, 1 variants"), "%s", out);
    remove_tree(root);
}

Test(compare, an_unfinished_run_is_named_and_refused_and_at_decides_what_unfinished_means, .timeout = 600)
{
    char root[256], dir[400], line[512], want[800], out[16384];
    rlt_tmp_dir(root, sizeof root, "cmp_unfinished");
    fake_grid(root);
    /* seed 1 of a stopped after step 2000; its row of step 3000 is cut off (no newline) */
    fake_run_rows(root, "a", "CartPole-v1", 1, 3000, "1000,10,1,5\n2000,20,1,5\n3000,7");
    snprintf(dir, sizeof dir, "%s/a/CartPole-v1/seed_1", root);
    snprintf(want, sizeof want,
             "unfinished: 1 run (compared at its last row)\n  %s: last row at step 2000, total_steps 3000\n", dir);

    cr_assert_eq(compare_cli(root, NULL, NULL, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, want), "want '%s' in:\n%s", want, out);
    cr_assert(strstr(out, "refusing to compare: 1 unfinished run; mismatched steps on CartPole-v1: runs compared from "
                          "step 2000") && strstr(out, "--allow-unequal"), "%s", out);

    cr_assert_eq(compare_cli(root, "--allow-unequal", NULL, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, want) && strstr(out, "comparing anyway (--allow-unequal): 1 unfinished run"), "%s", out);
    line_of(out, "\n  a ", line, sizeof line);
    cr_assert(strstr(line, "   3 "), "the unfinished run is compared at its last row: %s", line);

    /* at 2000 every run has its row: nothing is unfinished, nothing to refuse */
    cr_assert_eq(compare_cli(root, "--at", "2000", out, sizeof out), 0, "%s", out);
    cr_assert(!strstr(out, "unfinished:"), "%s", out);
    /* at 2500 seed 1 has not got there: unfinished again */
    cr_assert_eq(compare_cli(root, "--at", "2500", out, sizeof out), 1, "%s", out);
    snprintf(want, sizeof want, "  %s: last row at step 2000, total_steps 3000, --at 2500\n", dir);
    cr_assert(strstr(out, want) && strstr(out, "refusing to compare: 1 unfinished run"), "%s", out);
    remove_tree(root);
}

Test(compare, runs_compared_at_different_steps_are_refused, .timeout = 600)
{
    char root[256], out[16384];
    rlt_tmp_dir(root, sizeof root, "cmp_steps");
    for (int s = 1; s <= 3; s++) {   /* b trains 3500 steps and evaluates every 1000 and at its end */
        fake_run(root, "a", "CartPole-v1", s, 100 + 10 * s);
        fake_run_rows(root, "b", "CartPole-v1", s, 3500, "1000,50,1,5\n2000,100,1,5\n3000,150,1,5\n3500,200,1,5\n");
    }
    cr_assert_eq(compare_cli(root, NULL, NULL, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "refusing to compare: mismatched steps on CartPole-v1: runs compared from step 3000 (") &&
                  strstr(out, ") to step 3500 (") && !strstr(out, "unfinished:") && !strstr(out, "left out:"),
              "%s", out);
    /* at a budget both have evaluated at, they compare */
    cr_assert_eq(compare_cli(root, "--at", "3000", out, sizeof out), 0, "%s", out);
    cr_assert_eq(compare_cli(root, "--at", "2999", out, sizeof out), 0, "%s", out);
    cr_assert_eq(compare_cli(root, "--allow-unequal", NULL, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "comparing anyway (--allow-unequal): mismatched steps on CartPole-v1"), "%s", out);
    remove_tree(root);
}
