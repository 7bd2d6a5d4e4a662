/* rlc research: hyperparameter search (rlc tune): quasi-random or random sampling over ranges and
 * choices, successive halving over rungs, run through the ablation runner.
 *
 * A search file names a base config, the parameters to sample and the schedule:
 *
 *   name: ppo_cartpole_lr        # runs go to <runs-dir>/<name>/ (default: the file's stem)
 *   base: ../ppo_cartpole.yaml   # relative to the search file
 *   seed: 0                      # the sampler's seed: the same seed gives the same trials
 *   sampler: halton              # halton (quasi-random, randomly shifted) or random
 *   trials: 16                   # configurations sampled
 *   seeds: [1, 2, 3]             # training seeds per trial
 *   budget: 100000               # total_steps of a trial that reaches the last rung
 *   set: {log.eval_interval: 10000}      # overrides common to every run (optional)
 *   params:
 *     ppo.learning_rate: {low: 1.0e-5, high: 1.0e-2, log: true}
 *     ppo.update_epochs: {low: 2, high: 20, int: true}
 *     network.hidden: {choices: [[64, 64], [256, 256]]}
 *   prune: {rungs: 3, eta: 3}    # successive halving (rungs: 1 = no pruning)
 *   score: final                 # final (last evaluation) or curve (mean over the eval curve)
 *
 * Rung r (0-based) trains every trial still in the race for budget / eta^(rungs-1-r) steps, from
 * scratch (so schedules such as learning-rate annealing see their true total_steps), as one
 * ablation with one variant per trial under <runs-dir>/<name>/rung_<r>/trial_<i>/seed_<k>/.
 * A trial's score at a rung is the IQM over its seeds of each run's score; the best
 * floor(n / eta) (at least one) go on to the next rung. Since the ablation runner skips finished
 * runs and resumes interrupted ones, and the promotions are recomputed from the run directories,
 * running the same command again resumes a search where it stopped. At the end the best trial's
 * resolved config is written to best.yaml (usable with rlc train) and report.md holds every trial
 * with its scores: IQM over seeds with a 95% stratified-bootstrap interval, as rlc compare reports.
 * Under mpirun every rung is spread over the ranks as `rlc ablate` spreads a grid (tune_run). */
#ifndef RLC_RESEARCH_TUNE_H
#define RLC_RESEARCH_TUNE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "research/ablation.h"
#include "core/status.h"

#define TUNE_MAX_PARAMS (ABL_LIST_MAX_SETS - 1)   /* one override is left for total_steps */
#define TUNE_MAX_CHOICES 16
#define TUNE_MAX_RUNGS 8

typedef struct {
    char key[128];             /* config key, e.g. ppo.learning_rate */
    int line;                  /* line in the search file */
    int n_choices;             /* > 0: a choice among these; 0: a range */
    char choices[TUNE_MAX_CHOICES][ABL_TEXT];   /* YAML flow text */
    double low, high;          /* the range, inclusive */
    bool log, integer;
} tune_param;

typedef enum { TUNE_SAMPLER_HALTON = 0, TUNE_SAMPLER_RANDOM } tune_sampler;
typedef enum { TUNE_SCORE_FINAL = 0, TUNE_SCORE_CURVE } tune_score;

typedef struct {
    char name[128];
    char source[RL_STR_MAX];   /* the search file */
    char base[RL_STR_MAX];     /* the base config, resolved against the search file */
    uint64_t seed;
    tune_sampler sampler;
    tune_score score;
    int n_trials;
    int n_seeds;
    int64_t seeds[ABL_MAX_SEEDS];
    int64_t budget;
    int n_sets;
    char sets[ABL_MAX_SETS][ABL_TEXT];   /* "key=value" common overrides */
    int n_params;
    tune_param params[TUNE_MAX_PARAMS];
    int rungs, eta;
    /* the sampled trials (tune_load fills them): value text of trial i, parameter j */
    char (*values)[TUNE_MAX_PARAMS][ABL_TEXT];
} tune_search;

/* Parses a search file and samples its trials (deterministic given the file). Errors name the
 * file, the line and the key; every parameter is tried on the base config at both ends of its
 * range (or with each choice), so a key or value the config rejects is reported here. */
rl_status tune_load(tune_search *t, const char *path, char *err, size_t err_sz);
void tune_free(tune_search *t);

/* The steps a trial trains for at rung r, and how many trials enter rung r. */
int64_t tune_rung_budget(const tune_search *t, int rung);
int tune_rung_trials(const tune_search *t, int rung);

typedef struct {
    int best;                  /* the best trial, -1 if none finished */
    double best_score, best_lo, best_hi;
    int runs_finished, runs_skipped, runs_failed;
    double wall_s;
} tune_result;

/* How the runs are executed. */
typedef struct {
    int jobs;                  /* worker processes at a time (on each rank under MPI) */
    const char *binary;        /* the rlc program the workers run */
    bool gather;               /* under MPI: the ranks send their runs' files to rank 0 (no shared
                                  filesystem needed), as rlc ablate --gather */
} tune_exec;

/* Runs the search with up to ex->jobs worker processes of the rlc program ex->binary, writing
 * under runs_root/<name>/ (best.yaml, report.md, rung_<r>/). Progress goes to out. Returns
 * RL_ERR_INTERRUPTED on SIGINT/SIGTERM once the workers have checkpointed (run it again to
 * resume).
 *
 * Under MPI (rl_dist_size() > 1) it is collective: every rank calls it with the same search, every
 * rung runs over the ranks as ablation_execute_dist (research/ablation_dist.h), rank 0 alone
 * prints, scores the runs, decides the promotions and writes files, and every rank returns rank
 * 0's status, message and result; a failure or an interruption on any rank stops every rank. */
rl_status tune_run(const tune_search *t, const char *runs_root, const tune_exec *ex, FILE *out, tune_result *res,
                   char *err, size_t err_sz);

#endif
