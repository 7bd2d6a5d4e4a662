/* rlc cli: `rlc tune` (hyperparameter search with successive halving, research/tune.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/dist.h"
#include "research/tune.h"

static void tune_usage(void)
{
    printf("usage: rlc tune SEARCH.yaml [--jobs N] [--runs-dir DIR] [--dry-run]\n"
           "       mpirun -np RANKS rlc tune SEARCH.yaml [--jobs N] [--gather] ...\n\n"
           "Samples the search file's trials (Halton or random, over ranges, log ranges and choices),\n"
           "trains them with successive halving: every trial for a short budget, the best 1/eta for\n"
           "eta times longer, and so on up to the full budget, N runs at a time (default: one per\n"
           "core). Writes DIR/<name>/best.yaml (the best config, for rlc train) and report.md (every\n"
           "trial's IQM over seeds with a 95%% bootstrap interval). Running it again skips finished\n"
           "runs and resumes interrupted ones. --dry-run lists the trials and the rungs. The file\n"
           "format is in docs/zoo.md.\n\n"
           "Under mpirun (or srun) every rung is spread over the ranks as rlc ablate spreads a grid:\n"
           "each rank runs N at a time and rank 0 scores the rungs and writes the files; DIR must be\n"
           "on a filesystem every rank shares, unless --gather: then the ranks send each run's files\n"
           "to rank 0 over MPI. See docs/distributed.md.\n");
}

static void list_trials(const tune_search *t, const char *runs_root, int jobs, bool gather)
{
    printf("rlc tune: %s: %d trials x %d seeds, %d rung%s (eta %d), %d workers", t->name, t->n_trials, t->n_seeds,
           t->rungs, t->rungs > 1 ? "s" : "", t->eta, jobs);
    if (rl_dist_size() > 1) printf(" on each of %d ranks%s", rl_dist_size(), gather ? ", gathered to rank 0" : "");
    printf(" -> %s/%s\n", runs_root, t->name);
    for (int r = 0; r < t->rungs; r++)
        printf("  rung %d: %d trial%s, %lld steps per run\n", r, tune_rung_trials(t, r), tune_rung_trials(t, r) > 1 ? "s" : "",
               (long long)tune_rung_budget(t, r));
    for (int i = 0; i < t->n_trials; i++) {
        printf("  trial_%04d", i);
        for (int j = 0; j < t->n_params; j++) printf(" %s=%s", t->params[j].key, t->values[i][j]);
        printf("\n");
    }
}

/* 0 when the options parse; 2 after a message otherwise */
static int parse_args(int argc, char **argv, const char **file, const char **runs_root, long *jobs, int *dry,
                      int *gather)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "--jobs") == 0 || strcmp(a, "--runs-dir") == 0) && i + 1 >= argc) {
            fprintf(stderr, "rlc tune: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--jobs") == 0) {
            char *end;
            errno = 0;
            *jobs = strtol(argv[++i], &end, 10);
            if (*end || errno || *jobs < 1 || *jobs > ABL_MAX_JOBS) {
                fprintf(stderr, "rlc tune: --jobs: expected an integer in 1..%d, got '%s'\n", ABL_MAX_JOBS, argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--runs-dir") == 0) {
            *runs_root = argv[++i];
        } else if (strcmp(a, "--dry-run") == 0) {
            *dry = 1;
        } else if (strcmp(a, "--gather") == 0) {
            *gather = 1;
        } else if (a[0] == '-') {
            fprintf(stderr, "rlc tune: unknown option '%s' (see rlc tune --help)\n", a);
            return 2;
        } else if (!*file) {
            *file = a;
        } else {
            fprintf(stderr, "rlc tune: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!*file) {
        fprintf(stderr, "rlc tune: missing SEARCH.yaml (see rlc tune --help)\n");
        return 2;
    }
    if (*gather && rl_dist_size() < 2) {
        fprintf(stderr, "rlc tune: --gather sends runs between MPI ranks: start it with mpirun -np N (N >= 2)\n");
        return 2;
    }
    return 0;
}

/* the search's outcome, on rank 0 (the other ranks' stdout is /dev/null); the exit code */
static int report_outcome(rl_status st, const tune_search *t, const tune_result *res, const char *runs_root,
                          const char *err)
{
    printf("rlc tune: %d runs finished now, %d already done, %d failed, %.1f s\n", res->runs_finished,
           res->runs_skipped, res->runs_failed, res->wall_s);
    if (st == RL_OK && res->best >= 0)
        printf("rlc tune: best trial_%04d: %.6g [%.6g, %.6g]; config %s/%s/best.yaml, report %s/%s/report.md\n",
               res->best, res->best_score, res->best_lo, res->best_hi, runs_root, t->name, runs_root, t->name);
    if (st != RL_OK) {
        if (rl_dist_rank() == 0) fprintf(stderr, "rlc tune: %s\n", err);
        return st == RL_ERR_INTERRUPTED ? 130 : 1;
    }
    return res->runs_failed ? 1 : 0;
}

int cli_tune(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            tune_usage();
            return 0;
        }
    const char *file = NULL, *runs_root = "runs";
    long jobs = sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1) jobs = 1;
    if (jobs > ABL_MAX_JOBS) jobs = ABL_MAX_JOBS;
    int dry = 0, gather = 0;
    if (parse_args(argc, argv, &file, &runs_root, &jobs, &dry, &gather)) return 2;
    /* under MPI, rank 0 speaks for the job (docs/distributed.md); every rank loads the search */
    if (rl_dist_rank() > 0 && !freopen("/dev/null", "w", stdout)) return 1;
    static tune_search t;
    char err[1500];
    rl_status st = rl_dist_agree(tune_load(&t, file, err, sizeof err), err, sizeof err);
    if (st != RL_OK) {
        if (rl_dist_rank() == 0) fprintf(stderr, "rlc tune: %s\n", err);
        tune_free(&t);
        return 1;
    }
    list_trials(&t, runs_root, (int)jobs, gather);
    if (dry) {
        tune_free(&t);
        return 0;
    }
    char binary[1024];
    ssize_t n = readlink("/proc/self/exe", binary, sizeof binary - 1);
    if (n > 0) binary[n] = '\0';
    else snprintf(binary, sizeof binary, "%s", argv[0]);
    setenv(RL_DIST_CHILD_ENV, "1", 1);   /* the workers are single processes */
    tune_result res;
    tune_exec ex = {(int)jobs, binary, gather};
    st = tune_run(&t, runs_root, &ex, stdout, &res, err, sizeof err);
    int rc = report_outcome(st, &t, &res, runs_root, err);
    tune_free(&t);
    return rc;
}
