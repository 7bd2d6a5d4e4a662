/* rlc cli: `rlc ablate` (run a grid of variants x seeds) and `rlc compare` (statistics, report
 * and plots over a directory of runs). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "research/ablation.h"
#include "research/ablation_dist.h"
#include "research/compare.h"
#include "cli/cli.h"
#include "core/dist.h"

static int parse_ll(const char *cmd, const char *opt, const char *v, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (*end || end == v || errno || x < lo || x > hi) {
        fprintf(stderr, "rlc %s: %s: expected an integer in %lld..%lld, got '%s'\n", cmd, opt, lo, hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

static void self_binary(char *out, size_t sz, const char *argv0)
{
    ssize_t n = readlink("/proc/self/exe", out, sz - 1);
    if (n > 0) out[n] = '\0';
    else snprintf(out, sz, "%s", argv0);
}

int cli_ablate(int argc, char **argv)
{
    const char *file = NULL, *runs_root = "runs";
    const char *sets[ABL_MAX_SETS];
    int n_sets = 0;
    long long jobs = sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1) jobs = 1;
    if (jobs > ABL_MAX_JOBS) jobs = ABL_MAX_JOBS;
    int dry = 0, gather = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: rlc ablate ABLATION.yaml [--jobs N] [--set key=value]... [--runs-dir DIR] [--dry-run]\n"
                   "       mpirun -np RANKS rlc ablate ABLATION.yaml [--jobs N] [--gather] ...\n\n"
                   "Runs every variant of the ablation's axes for every seed in parallel worker processes\n"
                   "(default: one per core) and writes each run to DIR/<name>/<variant>/seed_<k>/ (DIR\n"
                   "defaults to runs). Running it again skips finished runs and resumes interrupted ones.\n"
                   "--set applies to every run. --dry-run validates and lists the runs. Then:\n"
                   "rlc compare DIR/<name>. The file format is in docs/ablations.md.\n\n"
                   "Under mpirun (or srun) rank 0 hands the runs out to the ranks as they become free and\n"
                   "each rank runs N at a time; DIR must be on a filesystem every rank shares, unless\n"
                   "--gather: then the ranks send each run's files to rank 0 over MPI. See\n"
                   "docs/distributed.md.\n");
            return 0;
        }
        int needs = strcmp(a, "--jobs") == 0 || strcmp(a, "--set") == 0 || strcmp(a, "--runs-dir") == 0;
        if (needs && i + 1 >= argc) {
            fprintf(stderr, "rlc ablate: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--jobs") == 0) {
            if (parse_ll("ablate", a, argv[++i], 1, ABL_MAX_JOBS, &jobs)) return 2;
        } else if (strcmp(a, "--set") == 0) {
            if (n_sets == ABL_MAX_SETS) return 2;
            sets[n_sets++] = argv[++i];
        } else if (strcmp(a, "--runs-dir") == 0) {
            runs_root = argv[++i];
        } else if (strcmp(a, "--dry-run") == 0) {
            dry = 1;
        } else if (strcmp(a, "--gather") == 0) {
            gather = 1;
        } else if (a[0] == '-') {
            fprintf(stderr, "rlc ablate: unknown option '%s' (see rlc ablate --help)\n", a);
            return 2;
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "rlc ablate: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!file) {
        fprintf(stderr, "rlc ablate: missing ABLATION.yaml (see rlc ablate --help)\n");
        return 2;
    }
    if (gather && rl_dist_size() < 2) {
        fprintf(stderr, "rlc ablate: --gather sends runs between MPI ranks: start it with mpirun -np N (N >= 2)\n");
        return 2;
    }
    /* under MPI, rank 0 speaks for the job (docs/distributed.md) */
    if (rl_dist_rank() > 0 && !freopen("/dev/null", "w", stdout)) return 1;
    static ablation a;
    char err[1500];
    if (ablation_load(&a, file, sets, n_sets, err, sizeof err) != RL_OK || ablation_validate(&a, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc ablate: %s\n", err);
        return 1;
    }
    int n = ablation_n_runs(&a);
    printf("rlc ablate: %s: %d variants x %d base%s x %d seeds = %d runs, %lld workers", a.name,
           ablation_n_variants(&a), a.n_bases, a.n_bases > 1 ? "s" : "", a.n_seeds, n, jobs);
    if (rl_dist_size() > 1) printf(" on each of %d ranks%s", rl_dist_size(), gather ? ", gathered to rank 0" : "");
    printf(" -> %s/%s\n", runs_root, a.name);
    if (dry) {
        for (int i = 0; i < n; i++) {
            ablation_run r;
            ablation_run_at(&a, i, runs_root, &r);
            printf("  %s\n", r.run_dir);
        }
        return 0;
    }
    char binary[1024];
    self_binary(binary, sizeof binary, argv[0]);
    /* the workers are single processes, even under an MPI launcher (mpirun -np 1 included) */
    setenv(RL_DIST_CHILD_ENV, "1", 1);
    ablation_summary sum;
    rl_status st = rl_dist_size() > 1
                       ? ablation_execute_dist(&a, runs_root, (int)jobs, binary, gather, stdout, &sum, err, sizeof err)
                       : ablation_execute(&a, runs_root, (int)jobs, binary, stdout, &sum, err, sizeof err);
    printf("rlc ablate: %d runs: %d finished now, %d already done, %d failed, %.1f s\n", sum.total, sum.finished,
           sum.skipped, sum.failed, sum.wall_s);
    if (sum.busy)
        printf("rlc ablate: %d runs not run: their run directories are in use by other processes\n", sum.busy);
    if (st != RL_OK) {
        fprintf(stderr, "rlc ablate: %s\n", err);
        return st == RL_ERR_INTERRUPTED ? 130 : 1;
    }
    if (sum.failed == 0 && sum.busy == 0) printf("compare them with: rlc compare %s/%s\n", runs_root, a.name);
    return sum.failed || sum.busy ? 1 : 0;
}

/* "png,svg,pdf" (any non-empty subset) into COMPARE_* flags; prints the error and returns false */
static bool parse_formats(const char *list, unsigned *out)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", list);
    unsigned f = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (strcmp(tok, "png") == 0) f |= COMPARE_PNG;
        else if (strcmp(tok, "svg") == 0) f |= COMPARE_SVG;
        else if (strcmp(tok, "pdf") == 0) f |= COMPARE_PDF;
        else {
            fprintf(stderr, "rlc compare: --formats: unknown format '%s' (expected png, svg or pdf, comma-separated)\n", tok);
            return false;
        }
    }
    if (!f) {
        fprintf(stderr, "rlc compare: --formats: expected png, svg or pdf, comma-separated, got '%s'\n", list);
        return false;
    }
    *out = f;
    return true;
}

int cli_compare(int argc, char **argv)
{
    compare_opts o;
    compare_opts_default(&o);
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: rlc compare RUNS_DIR [--metric eval_return|<metrics.csv column>] [--at STEPS]\n"
                   "                   [--boot N] [--seed S] [--out DIR] [--no-plots] [--formats png,svg,pdf]\n"
                   "                   [--allow-unequal]\n\n"
                   "Per variant and environment: mean, std, median, IQM with a 95%% stratified-bootstrap CI;\n"
                   "probability of improvement for every pair of variants; normalised aggregate across\n"
                   "environments (a variant with one run gets no interval: n=1). Writes report.md,\n"
                   "summary.csv and figures one paper column wide (curves_<env>, intervals, profile) to\n"
                   "RUNS_DIR, or to --out DIR (created when missing).\n\n"
                   "A run directory whose config.yaml or eval.csv is missing, empty, without rows or not a\n"
                   "regular file is left out, and named with the reason. By default the comparison is refused\n"
                   "(exit status 1) when a run is unfinished (its last row before total_steps, or before\n"
                   "STEPS with --at), when the variants have different numbers of usable runs on an\n"
                   "environment, or when the runs of an environment are compared at different steps.\n\n"
                   "  --at STEPS       compare each run at its last row at or before STEPS (default: its last row)\n"
                   "  --formats LIST   figure formats, comma-separated among png, svg, pdf (default all three)\n"
                   "  --allow-unequal  compare anyway: unequal samples, mismatched steps and unfinished runs\n"
                   "                   (at their last row) are named in the output and in report.md\n");
            return 0;
        }
        int needs = strcmp(a, "--metric") == 0 || strcmp(a, "--at") == 0 || strcmp(a, "--boot") == 0 ||
                    strcmp(a, "--seed") == 0 || strcmp(a, "--out") == 0 || strcmp(a, "--formats") == 0;
        if (needs && i + 1 >= argc) {
            fprintf(stderr, "rlc compare: %s needs a value\n", a);
            return 2;
        }
        long long v;
        if (strcmp(a, "--metric") == 0) {
            o.metric = argv[++i];
        } else if (strcmp(a, "--at") == 0) {
            if (parse_ll("compare", a, argv[++i], 0, LLONG_MAX, &v)) return 2;
            o.at = v;
        } else if (strcmp(a, "--boot") == 0) {
            if (parse_ll("compare", a, argv[++i], 2, 1000000, &v)) return 2;
            o.n_boot = (int)v;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_ll("compare", a, argv[++i], 0, LLONG_MAX, &v)) return 2;
            o.seed = (uint64_t)v;
        } else if (strcmp(a, "--out") == 0) {
            o.out_dir = argv[++i];
        } else if (strcmp(a, "--formats") == 0) {
            if (!parse_formats(argv[++i], &o.formats)) return 2;
        } else if (strcmp(a, "--no-plots") == 0) {
            o.plots = false;
        } else if (strcmp(a, "--allow-unequal") == 0) {
            o.allow_unequal = true;
        } else if (a[0] == '-') {
            fprintf(stderr, "rlc compare: unknown option '%s' (see rlc compare --help)\n", a);
            return 2;
        } else if (!dir) {
            dir = a;
        } else {
            fprintf(stderr, "rlc compare: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "rlc compare: missing RUNS_DIR (see rlc compare --help)\n");
        return 2;
    }
    char err[1500];
    if (compare_runs(dir, &o, stdout, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc compare: %s\n", err);
        return 1;
    }
    return 0;
}
