/* rlc tests: rlc compare on runs written here (config.yaml and eval.csv per run): the normalised
 * aggregate counts every run of a variant over all environments, a single run gets no interval,
 * --out DIR is created, the figures are written in PNG, SVG and PDF. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* root/<variant>/<env>/seed_<seed>: a run whose evaluation return climbs to final */
static void fake_run(const char *root, const char *variant, const char *env, int seed, double final)
{
    char dir[700], path[800], err[512], text[1024];
    snprintf(dir, sizeof dir, "%s/%s/%s/seed_%d", root, variant, env, seed);
    cr_assert_eq(rl_mkdir_p(dir, err, sizeof err), RL_OK, "%s", err);
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    snprintf(text, sizeof text, "algo: ppo\nseed: %d\nenv:\n  id: %s\n", seed, env);
    write_file(path, text);
    snprintf(path, sizeof path, "%s/eval.csv", dir);
    snprintf(text, sizeof text, "step,return_mean,return_std,episodes\n1000,%g,1,5\n2000,%g,1,5\n3000,%g,1,5\n",
             final / 4, final / 2, final);
    write_file(path, text);
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
    char *out = run_compare(root, &o, &st, err, sizeof err);
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
