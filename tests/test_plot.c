/* rlc tests: rlc plot: PNG, SVG and PDF figures of one and several runs, and clear errors for a
 * directory that is not a run, a run with no rows yet, a bad file name and an output directory
 * that cannot be written; the figures' axis ranges, tick labels and legend placement
 * (research/figure.h). */
#define _GNU_SOURCE   /* setgroups */
#include <criterion/criterion.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <plplot.h>

#include "research/figure.h"
#include "research/plot.h"
#include "tests/helpers/testutil.h"

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    cr_assert(fp != NULL, "%s", path);
    fputs(text, fp);
    fclose(fp);
}

/* fills dir with the files rlc train writes (the columns rlc plot reads, and others) */
static void fill_run(const char *dir, double scale)
{
    char eval[4096] = "step,return_mean,return_std,episodes\n", metrics[4096] = "step,episodes,return_mean,length_mean,policy_loss\n";
    for (int k = 1; k <= 10; k++) {
        char row[128];
        snprintf(row, sizeof row, "%d,%g,%g,10\n", 1000 * k, scale * k * k, 2.0 * k);
        strcat(eval, row);
        snprintf(row, sizeof row, "%d,%d,%g,%d,0.1\n", 1000 * k, 5 * k, scale * k * k * 0.8, 20 * k);
        strcat(metrics, row);
    }
    strcat(metrics, "11000,55,nan,0,0.1\n");   /* no episode finished in the last interval */
    write_file(dir, "eval.csv", eval);
    write_file(dir, "metrics.csv", metrics);
}

/* a run directory in the test's temporary directory */
static void fake_run(char *dir, size_t dir_sz, const char *tag, double scale)
{
    rlt_tmp_dir(dir, dir_sz, tag);
    cr_assert_eq(mkdir(dir, 0755), 0);
    fill_run(dir, scale);
}

static long file_head(const char *path, char *head, size_t n)
{
    FILE *fp = fopen(path, "rb");
    cr_assert(fp != NULL, "%s was not written", path);
    size_t got = fread(head, 1, n, fp);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    cr_assert(got == n, "%s: %ld bytes", path, size);
    return size;
}

Test(plot, writes_valid_png_svg_and_pdf, .timeout = 300)
{
    char a[256], b[256], out[400], err[1024], head[64];
    fake_run(a, sizeof a, "plot_a", 3.0);
    fake_run(b, sizeof b, "plot_b", 2.0);
    const char *runs[2] = {a, b};

    snprintf(out, sizeof out, "%s/two.png", a);
    cr_assert_eq(plot_runs(runs, 2, out, err, sizeof err), RL_OK, "%s", err);
    cr_assert(file_head(out, head, 8) > 1000);
    cr_assert(memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0, "%s: no PNG signature", out);

    snprintf(out, sizeof out, "%s/two.svg", a);
    cr_assert_eq(plot_runs(runs, 2, out, err, sizeof err), RL_OK, "%s", err);
    cr_assert(file_head(out, head, 5) > 1000);
    char *svg = rlt_read_file(out);
    cr_assert(strncmp(svg, "<?xml", 5) == 0 && strstr(svg, "<svg") && strstr(svg, "</svg>"), "%s is not SVG", out);
    free(svg);

    snprintf(out, sizeof out, "%s/one.pdf", b);
    cr_assert_eq(plot_runs(runs + 1, 1, out, err, sizeof err), RL_OK, "%s", err);
    cr_assert(file_head(out, head, 5) > 1000);
    cr_assert(memcmp(head, "%PDF-", 5) == 0, "%s: no PDF header", out);
}

Test(plot, bad_input_is_named_and_nothing_is_written)
{
    char a[256], empty[256], out[400], err[1024];
    fake_run(a, sizeof a, "plot_ok", 1.0);
    rlt_tmp_dir(empty, sizeof empty, "plot_empty");
    cr_assert_eq(mkdir(empty, 0755), 0);
    write_file(empty, "eval.csv", "step,return_mean,return_std,episodes\n");
    write_file(empty, "metrics.csv", "step,episodes,return_mean,length_mean\n10,0,nan,0\n");
    snprintf(out, sizeof out, "%s/x.png", a);

    const char *missing[1] = {"/nonexistent/run"};
    cr_assert_eq(plot_runs(missing, 1, out, err, sizeof err), RL_ERR_IO);
    cr_assert(strstr(err, "/nonexistent/run") && strstr(err, "not a run directory"), "%s", err);

    const char *runs[2] = {a, empty};
    cr_assert_eq(plot_runs(runs, 2, out, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, empty) && strstr(err, "no rows"), "%s", err);

    write_file(empty, "eval.csv", "step,mean\n1,2\n");
    cr_assert_eq(plot_runs(runs, 2, out, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, "eval.csv") && strstr(err, "return_mean"), "%s", err);

    struct stat sb;
    cr_assert(stat(out, &sb) != 0, "%s was written despite the errors", out);

    snprintf(out, sizeof out, "%s/x.jpg", a);
    cr_assert_eq(plot_runs(runs, 1, out, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, ".png, .svg or .pdf"), "%s", err);
}

Test(plot, cli_default_out_and_errors)
{
    char a[256], cmd[1024], out[4096], path[400];
    fake_run(a, sizeof a, "plot_cli", 1.0);
    snprintf(cmd, sizeof cmd, "%s plot %s 2>&1", RLC_BINARY, a);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    snprintf(path, sizeof path, "%s/curves.png", a);
    struct stat sb;
    cr_assert(stat(path, &sb) == 0 && sb.st_size > 1000, "%s missing", path);
    snprintf(cmd, sizeof cmd, "%s plot %s %s 2>&1", RLC_BINARY, a, a);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 2);
    cr_assert(strstr(out, "--out"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s plot /nonexistent/run --out /tmp/x.png 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 1);
    cr_assert(strstr(out, "not a run directory"), "%s", out);
}

/* runs `sh -c cmd` with stdout and stderr in out and returns its exit status (-1 when killed);
 * as root the command runs as nobody (uid and gid 65534), for whom permission bits apply */
static int run_unprivileged(const char *cmd, char *out, size_t out_sz)
{
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        close(fd[0]);
        if (geteuid() == 0 && (setgroups(0, NULL) || setgid(65534) || setuid(65534))) _exit(126);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t got;
    while (n + 1 < out_sz && (got = read(fd[0], out + n, out_sz - 1 - n)) > 0) n += (size_t)got;
    out[n] = '\0';
    close(fd[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* an output directory without write permission: rlc's own error naming the file, exit 1, and
 * nothing written (PLplot, handed the file, ended the process with "IMMEDIATE EXIT") */
Test(plot, cli_read_only_output_directory)
{
    /* directly under /tmp: nobody must reach it, and $TMPDIR may be private to this user */
    char a[256] = "/tmp/rlc_test_plot_ro_XXXXXX", ro[300], png[400], cmd[1024], out[4096];
    cr_assert_not_null(mkdtemp(a));
    fill_run(a, 1.0);
    snprintf(ro, sizeof ro, "%s/ro", a);
    cr_assert_eq(mkdir(ro, 0555), 0);
    cr_assert_eq(chmod(ro, 0555), 0);   /* whatever the umask */
    cr_assert_eq(chmod(a, 0755), 0);    /* the run stays readable for nobody */
    snprintf(png, sizeof png, "%s/curves.png", ro);
    snprintf(cmd, sizeof cmd, "%s plot %s --out %s", RLC_BINARY, a, png);
    int rc = run_unprivileged(cmd, out, sizeof out);
    cr_assert_eq(rc, 1, "exit %d:\n%s", rc, out);
    cr_assert(strstr(out, "rlc plot: ") && strstr(out, png) && strstr(out, "cannot write"), "%s", out);
    cr_assert(!strstr(out, "IMMEDIATE EXIT"), "%s", out);
    struct stat sb;
    cr_assert(stat(png, &sb) != 0, "%s was written", png);
    /* into a directory that is writable the same command works */
    cr_assert_eq(chmod(ro, 0777), 0);
    rc = run_unprivileged(cmd, out, sizeof out);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
    cr_assert(stat(png, &sb) == 0 && sb.st_size > 1000, "%s missing", png);
    snprintf(cmd, sizeof cmd, "rm -rf %s", a);
    cr_assert_eq(system(cmd), 0);
}

/* ---- axis ranges, tick labels, legend corner (research/figure.h) --------------------------- */

Test(figure, ranges_are_padded_and_a_flat_range_is_opened_sensibly)
{
    double lo, hi;
    figure_pad_range(0, 200000, 0.03, &lo, &hi);   /* a point at the last step stays inside */
    cr_assert(lo < 0 && hi > 200000 && hi <= 206001, "%g %g", lo, hi);
    figure_pad_range(500, 500, 0.05, &lo, &hi);   /* not 499..501 */
    cr_assert_float_eq(lo, 475, 1e-9);
    cr_assert_float_eq(hi, 525, 1e-9);
    figure_pad_range(-150.5, -150.5, 0.05, &lo, &hi);
    cr_assert(lo < -150.5 - 7 && hi > -150.5 + 7, "%g %g", lo, hi);
    figure_pad_range(0, 0, 0.05, &lo, &hi);
    cr_assert_float_eq(lo, -1, 1e-12);
    cr_assert_float_eq(hi, 1, 1e-12);
    figure_pad_range(10, 20, 0.05, &lo, &hi);
    cr_assert_float_eq(lo, 9.5, 1e-12);
    cr_assert_float_eq(hi, 20.5, 1e-12);
}

Test(figure, step_ticks_have_no_exponent)
{
    char t[32];
    const struct { double v; bool steps; const char *want; } cases[] = {
        {0, true, "0"}, {500, true, "500"}, {50000, true, "50k"}, {150000, true, "150k"},
        {1500000, true, "1.5M"}, {2e6, true, "2M"}, {0.25, false, "0.25"}, {-150, false, "-150"}, {20000, false, "20000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        figure_tick_label(cases[i].v, cases[i].steps, t, sizeof t);
        cr_assert_str_eq(t, cases[i].want, "%g", cases[i].v);
    }
}

Test(figure, the_legend_goes_where_the_curves_are_not)
{
    /* a learning curve: rises from the bottom left, flat along the top from the middle on */
    double x[] = {0, 10, 20, 100}, rising[] = {0, 90, 100, 100};
    figure_spot s;
    figure_spot_init(&s, 0, 100, 0, 100, 0.35, 0.2);
    figure_spot_curve(&s, x, rising, 4);
    cr_assert_eq(figure_spot_best(&s), PL_POSITION_BOTTOM | PL_POSITION_RIGHT, "counts %d %d %d %d", s.count[0],
                 s.count[1], s.count[2], s.count[3]);
    /* a falling curve (a profile: 1 on the left, 0 on the right) leaves the top right and bottom left */
    double xf[] = {0, 25, 50, 100}, falling[] = {100, 100, 0, 0};
    figure_spot_init(&s, 0, 100, 0, 100, 0.35, 0.2);
    figure_spot_curve(&s, xf, falling, 4);
    cr_assert_eq(figure_spot_best(&s), PL_POSITION_TOP | PL_POSITION_RIGHT);
    /* a segment crossing a corner counts there though no point of it does */
    double xs[] = {0, 50}, ys[] = {70, 100};
    figure_spot_init(&s, 0, 100, 0, 100, 0.35, 0.2);
    figure_spot_curve(&s, xs, ys, 2);
    cr_assert_gt(s.count[0], 0);
    cr_assert_eq(figure_spot_best(&s), PL_POSITION_TOP | PL_POSITION_RIGHT);
    /* nothing drawn: the top left, as before */
    figure_spot_init(&s, 0, 100, 0, 100, 0.35, 0.2);
    cr_assert_eq(figure_spot_best(&s), PL_POSITION_TOP | PL_POSITION_LEFT);
}
