/* rlc research, internal to rlc compare: the collected runs and the analysis shared by compare.c
 * (collection, statistics, report) and compare_plots.c (the figures). Not a public API. */
#ifndef RLC_RESEARCH_COMPARE_INTERNAL_H
#define RLC_RESEARCH_COMPARE_INTERNAL_H

#include "research/compare.h"
#include "core/config.h"
#include "core/rng.h"

#define CMP_MAX_RUNS 4096
#define CMP_MAX_POINTS 4096
#define CMP_MAX_VARIANTS 64
#define CMP_MAX_ENVS 16

typedef struct {
    char variant[256];
    char env[RL_STR_MAX];
    char dir[1024];
    int n;                       /* points of the curve (rows up to --at, at most CMP_MAX_POINTS) */
    int64_t *steps;
    double *vals;
    double final;                /* the value of the last row up to --at */
    int64_t final_step;          /* its step */
    int64_t last_step;           /* the step of the file's last row */
    int64_t total_steps;         /* the run's config */
    bool unfinished;             /* last_step < total_steps (and, with --at, < at) */
} run_rec;

/* a run directory left out of the comparison, and why */
typedef struct {
    char dir[1024];
    char variant[256];
    char env[RL_STR_MAX];        /* "" when its config could not be read */
    char why[256];
} run_left_out;

typedef struct {
    run_rec *runs;
    int n_runs;
    run_left_out *left_out;      /* (CMP_MAX_RUNS) */
    int n_left_out;
    char variants[CMP_MAX_VARIANTS][256];
    int n_variants;
    char envs[CMP_MAX_ENVS][RL_STR_MAX];
    int n_envs;
} run_set;

/* statistics of a set of final scores; lo/hi (the IQM's 95% CI) only when n > 1 */
typedef struct {
    int n;
    double mean, std, median, iqm, lo, hi;
} cell;

typedef struct {
    compare_opts o;
    const char *runs_dir;
    char out_dir[1024];
    run_set rs;
    int V, E;                                   /* variants, environments */
    cell cells[CMP_MAX_VARIANTS][CMP_MAX_ENVS];
    double rand_ret[CMP_MAX_ENVS], ref[CMP_MAX_ENVS];
    int ref_is_threshold[CMP_MAX_ENVS];
    /* the normalised scores of variant v: a (nrun[v], E) matrix at norm + v * CMP_MAX_RUNS, the
     * first nrun[v] runs of each environment (nrun[v] = the smallest run count over them) */
    int nrun[CMP_MAX_VARIANTS];
    int dropped[CMP_MAX_VARIANTS];              /* runs beyond nrun[v] in some environment */
    double *norm;
    cell agg[CMP_MAX_VARIANTS];                 /* agg[v].n = nrun[v] * E runs */
    double poi[CMP_MAX_VARIANTS][CMP_MAX_VARIANTS][3];   /* P(a > b), CI low, CI high */
    double *buf;                                /* (CMP_MAX_RUNS) */
    double *scratch;                            /* (2 * CMP_MAX_RUNS + n_boot + 16) */
    rl_rng rng;
    char sample_note[1024];                     /* what makes the sample uneven; "" when nothing */
} cmp_analysis;

/* Walks a->runs_dir for runs (compare_runs.c): every directory holding config.yaml or eval.csv
 * is a run, read or left out; the variants and environments are sorted. RL_ERR_NOT_FOUND when no
 * run is usable. */
rl_status cmp_collect_runs(cmp_analysis *a, FILE *out, char *err, size_t err_sz);

/* Names the runs left out and the unfinished ones on out, and describes what makes the sample
 * uneven (unfinished runs, unequal run counts, mismatched steps) in a->sample_note; refuses
 * with RL_ERR_ARG when there is such a thing and a->o.allow_unequal is not set. */
rl_status cmp_check_sample(cmp_analysis *a, FILE *out, char *err, size_t err_sz);

/* The runs left out and unfinished, and a->sample_note, as a section of report.md (nothing when
 * there are none). */
void cmp_write_md_sample(const cmp_analysis *a, FILE *md);

/* the final scores of variant v on environment env, in run order; returns the count */
int cmp_collect(const run_set *rs, int v, int env, double *out);

/* Draws curves_<env>, intervals and profile in every format of a->o.formats. */
rl_status cmp_plot_all(cmp_analysis *a, char *err, size_t err_sz);

#endif
