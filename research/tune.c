/* rlc research: rlc tune's runner (research/tune.h): successive halving over rungs, each rung
 * one ablation of the trials still in the race, scores from the runs' evaluation curves, the best
 * config and the report.
 *
 * Under MPI every rank runs every rung together (ablation_execute_dist); rank 0 alone reads the
 * scores, decides the promotions and writes files, then sends every rank its status and the trials
 * still in the race, so the ranks always build the same next rung or stop together. */
#include "research/tune.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/dist.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/rng.h"
#include "research/ablation_dist.h"
#include "research/stats.h"

#define TUNE_BOOT 2000

/* the scores of every trial at every rung (NAN: not run there, or no finished seed) */
typedef struct {
    int n_trials, rungs;
    double *iqm, *lo, *hi;   /* [rung * n_trials + trial] */
    int *n_runs;             /* finished seeds behind each score */
} tune_table;

/* what a rung's ablation refers to: the caller owns it for the whole search */
typedef struct {
    char (*names)[ABL_VARIANT_NAME_MAX + 1];
    char (*sets)[ABL_LIST_MAX_SETS][ABL_TEXT];
    ablation *abl;
} rung_space;

static void trial_name(int trial, char *out, size_t sz) { snprintf(out, sz, "trial_%04d", trial); }

/* ---- scores ------------------------------------------------------------------------------- */

/* a finished run's score from its eval.csv (return_mean, the second column): the last row
 * (final) or the mean of every row (curve); NAN when the run has not finished or has no row */
static double run_score(const char *run_dir, tune_score how)
{
    char path[1200], line[512];
    snprintf(path, sizeof path, "%s/DONE", run_dir);
    if (!rl_path_exists(path)) return NAN;
    snprintf(path, sizeof path, "%s/eval.csv", run_dir);
    FILE *fp;
    char ignored[8];
    if (rl_fopen_regular(path, &fp, ignored, sizeof ignored) != RL_OK) return NAN;
    double sum = 0.0, last = NAN;
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        char *comma = strchr(line, ',');
        if (!comma || line[0] < '0' || line[0] > '9') continue;   /* the header */
        char *end;
        double v = strtod(comma + 1, &end);
        if (end == comma + 1 || !isfinite(v)) continue;
        last = v;
        sum += v;
        n++;
    }
    fclose(fp);
    if (!n) return NAN;
    return how == TUNE_SCORE_CURVE ? sum / n : last;
}

/* the IQM over a trial's seeds at rung r, with its 95% stratified-bootstrap interval */
static void score_trial(const tune_search *t, const char *root, int rung, int trial, tune_table *tab, rl_rng *rng)
{
    double x[ABL_MAX_SEEDS], scratch[2 * ABL_MAX_SEEDS + TUNE_BOOT];
    int n = 0;
    char name[32];
    trial_name(trial, name, sizeof name);
    for (int s = 0; s < t->n_seeds; s++) {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/rung_%d/%s/seed_%lld", root, rung, name, (long long)t->seeds[s]);
        double v = run_score(dir, t->score);
        if (!isnan(v)) x[n++] = v;
    }
    int at = rung * t->n_trials + trial;
    tab->n_runs[at] = n;
    if (!n) return;
    tab->iqm[at] = tab->lo[at] = tab->hi[at] = rl_stats_iqm(x, n, scratch);
    if (n > 1) rl_stats_bootstrap_ci(RL_AGG_IQM, x, n, 1, TUNE_BOOT, 0.95, rng, &tab->iqm[at], &tab->lo[at], &tab->hi[at], scratch);
}

/* orders active trials by their score at rung r, best first (unscored last; ties by index) */
static void sort_by_score(int *active, int n, const tune_table *tab, int rung)
{
    const double *s = tab->iqm + (size_t)rung * tab->n_trials;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            double a = s[active[j - 1]], b = s[active[j]];
            bool swap = (isnan(a) && !isnan(b)) || (!isnan(a) && !isnan(b) && b > a) ||
                        (isnan(a) == isnan(b) && (isnan(a) || a == b) && active[j] < active[j - 1]);
            if (!swap) break;
            int tmp = active[j];
            active[j] = active[j - 1];
            active[j - 1] = tmp;
        }
}

/* ---- one rung ----------------------------------------------------------------------------- */

/* the ablation of rung r: one listed variant per active trial, trained for the rung's budget */
static void build_rung(const tune_search *t, int rung, const int *active, int n_active, rung_space *sp,
                       ablation_variant_list *list)
{
    ablation *a = sp->abl;
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "rung_%d", rung);
    snprintf(a->source, sizeof a->source, "%s", t->source);
    a->n_bases = 1;
    snprintf(a->bases[0], sizeof a->bases[0], "%s", t->base);
    a->n_seeds = t->n_seeds;
    memcpy(a->seeds, t->seeds, sizeof a->seeds);
    a->n_sets = t->n_sets;
    memcpy(a->sets, t->sets, sizeof a->sets);
    for (int k = 0; k < n_active; k++) {
        int i = active[k];
        trial_name(i, sp->names[k], sizeof sp->names[k]);
        for (int j = 0; j < t->n_params; j++)
            snprintf(sp->sets[k][j], ABL_TEXT, "%.120s=%.190s", t->params[j].key, t->values[i][j]);
        snprintf(sp->sets[k][t->n_params], ABL_TEXT, "total_steps=%lld", (long long)tune_rung_budget(t, rung));
    }
    *list = (ablation_variant_list){n_active, t->n_params + 1, (const char(*)[ABL_VARIANT_NAME_MAX + 1])sp->names,
                                    (const char(*)[ABL_LIST_MAX_SETS][ABL_TEXT])sp->sets};
    a->listed = list;
}

/* rung r's ablation over the active trials: one process's ablation_execute, or, under MPI,
 * ablation_execute_dist on every rank (rank 0 alone prints and validates) */
static rl_status run_rung(const tune_search *t, const char *root, int rung, const int *active, int n_active,
                          const tune_exec *ex, FILE *out, rung_space *sp, tune_result *res, char *err, size_t err_sz)
{
    ablation_variant_list list;
    build_rung(t, rung, active, n_active, sp, &list);
    bool dist = rl_dist_size() > 1, lead = rl_dist_rank() == 0;
    if (lead)
        fprintf(out, "[tune %s] rung %d (of 0..%d): %d trials x %d seeds, %lld steps each\n", t->name, rung,
                t->rungs - 1, n_active, t->n_seeds, (long long)tune_rung_budget(t, rung));
    rl_status st = rung == 0 && lead ? ablation_validate(sp->abl, err, err_sz) : RL_OK;
    st = rl_dist_agree(st, err, err_sz);
    if (st != RL_OK) return st;
    ablation_summary sum;
    st = dist ? ablation_execute_dist(sp->abl, root, ex->jobs, ex->binary, ex->gather, out, &sum, err, err_sz)
              : ablation_execute(sp->abl, root, ex->jobs, ex->binary, out, &sum, err, err_sz);
    if (!lead) return st;   /* the summary is rank 0's */
    res->runs_finished += sum.finished;
    res->runs_skipped += sum.skipped;
    res->runs_failed += sum.failed;
    if (st == RL_OK && sum.busy)
        st = rl_errf(err, err_sz, RL_ERR_BUSY, "%d runs of rung %d are in use by another process; run the same "
                     "command again once it has finished", sum.busy, rung);
    return st;
}

/* ---- outputs ------------------------------------------------------------------------------ */

/* best.yaml: the best trial's resolved config at the full budget, usable with rlc train */
static rl_status write_best(const tune_search *t, const char *root, const tune_result *res, char *err, size_t err_sz)
{
    char sets[ABL_MAX_SETS + TUNE_MAX_PARAMS + 1][ABL_TEXT];
    const char *ptr[ABL_MAX_SETS + TUNE_MAX_PARAMS + 1];
    int n = 0;
    for (int i = 0; i < t->n_sets; i++) snprintf(sets[n++], ABL_TEXT, "%s", t->sets[i]);
    for (int j = 0; j < t->n_params; j++)
        snprintf(sets[n++], ABL_TEXT, "%.120s=%.190s", t->params[j].key, t->values[res->best][j]);
    snprintf(sets[n++], ABL_TEXT, "total_steps=%lld", (long long)t->budget);
    for (int i = 0; i < n; i++) ptr[i] = sets[i];
    rl_config *cfg = rl_xmalloc(sizeof *cfg);
    rl_status st = rl_config_load(cfg, t->base, ptr, n, err, err_sz);
    if (st == RL_OK) {
        char *body = rl_config_dump_string(cfg);
        size_t len = strlen(body) + 1024;
        char *text = rl_xmalloc(len), path[1100];
        snprintf(text, len, "# rlc tune %s: the best of %d trials, trial_%04d (score %.6g, IQM over %d seeds, "
                 "95%% CI [%.6g, %.6g]); base %s\n%s", t->source, t->n_trials, res->best, res->best_score,
                 t->n_seeds, res->best_lo, res->best_hi, t->base, body);
        snprintf(path, sizeof path, "%s/best.yaml", root);
        st = rl_write_atomic(path, text, err, err_sz);
        free(text);
        free(body);
    }
    free(cfg);
    return st;
}

static void report_header(FILE *md, const tune_search *t, const tune_result *res)
{
    fprintf(md, "# Hyperparameter search %s\n\nSearch file `%s`, base config `%s`, %s sampler with seed %llu: "
            "%d trials x %d seeds. Score of a run: %s. A trial's score is the IQM over its seeds with a 95%% "
            "stratified-bootstrap interval (%d resamples), as `rlc compare` reports.\n\n",
            t->name, t->source, t->base, t->sampler == TUNE_SAMPLER_HALTON ? "Halton" : "random",
            (unsigned long long)t->seed, t->n_trials, t->n_seeds,
            t->score == TUNE_SCORE_CURVE ? "mean evaluation return over its evaluation curve"
                                         : "its final evaluation return", TUNE_BOOT);
    fprintf(md, "Successive halving, eta %d:\n\n| rung | trials | steps per run |\n|---|---|---|\n", t->eta);
    for (int r = 0; r < t->rungs; r++)
        fprintf(md, "| %d | %d | %lld |\n", r, tune_rung_trials(t, r), (long long)tune_rung_budget(t, r));
    if (res->best >= 0)
        fprintf(md, "\n**Best: trial_%04d**, score %.6g [%.6g, %.6g] at %lld steps; its config is `best.yaml`.\n\n",
                res->best, res->best_score, res->best_lo, res->best_hi, (long long)t->budget);
    else
        fprintf(md, "\nNo trial finished a run of the last rung.\n\n");
}

static void write_report(const tune_search *t, const char *root, const tune_table *tab, const tune_result *res)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/report.md", root);
    FILE *md = fopen(path, "w");
    if (!md) return;
    report_header(md, t, res);
    fprintf(md, "| trial |");
    for (int j = 0; j < t->n_params; j++) fprintf(md, " %s |", t->params[j].key);
    for (int r = 0; r < t->rungs; r++) fprintf(md, " rung %d |", r);
    fprintf(md, "\n|---|");
    for (int j = 0; j < t->n_params + t->rungs; j++) fprintf(md, "---|");
    fprintf(md, "\n");
    for (int i = 0; i < t->n_trials; i++) {
        fprintf(md, "| trial_%04d%s |", i, i == res->best ? " (best)" : "");
        for (int j = 0; j < t->n_params; j++) fprintf(md, " `%s` |", t->values[i][j]);
        for (int r = 0; r < t->rungs; r++) {
            int at = r * t->n_trials + i;
            if (isnan(tab->iqm[at])) fprintf(md, " - |");
            else fprintf(md, " %.4g [%.4g, %.4g] (%d) |", tab->iqm[at], tab->lo[at], tab->hi[at], tab->n_runs[at]);
        }
        fprintf(md, "\n");
    }
    fprintf(md, "\nA cell is the IQM [95%% CI] (finished seeds) at that rung; - means the trial was pruned "
            "before it (or none of its runs finished).\n");
    fclose(md);
}

/* ---- the search --------------------------------------------------------------------------- */

/* What the runs under root were started with: the base, the schedule, the common overrides and
 * every trial's values (malloc'ed text). Run directories are named by trial index only, so a
 * search file edited since would otherwise resume onto runs of other values. */
static char *search_fingerprint(const tune_search *t)
{
    size_t cap = 4096 + (size_t)t->n_sets * ABL_TEXT + (size_t)t->n_trials * (16 + (size_t)t->n_params * (ABL_TEXT + 132));
    char *s = rl_xmalloc(cap);
    size_t at = (size_t)snprintf(s, cap, "# rlc tune: what the runs of this directory were sampled with\nbase: %s\n"
                                 "budget: %lld\nrungs: %d\neta: %d\nscore: %d\nseeds:", t->base, (long long)t->budget,
                                 t->rungs, t->eta, (int)t->score);
    for (int i = 0; i < t->n_seeds; i++) at += (size_t)snprintf(s + at, cap - at, " %lld", (long long)t->seeds[i]);
    for (int i = 0; i < t->n_sets; i++) at += (size_t)snprintf(s + at, cap - at, "\nset %s", t->sets[i]);
    for (int i = 0; i < t->n_trials; i++) {
        at += (size_t)snprintf(s + at, cap - at, "\ntrial_%04d", i);
        for (int j = 0; j < t->n_params; j++)
            at += (size_t)snprintf(s + at, cap - at, " %s=%s", t->params[j].key, t->values[i][j]);
    }
    snprintf(s + at, cap - at, "\n");
    return s;
}

/* writes root/trials.txt on the first run; on a later one, it must hold the same text */
static rl_status check_fingerprint(const tune_search *t, const char *root, char *err, size_t err_sz)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/trials.txt", root);
    char *want = search_fingerprint(t);
    rl_status st = RL_OK;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        st = rl_write_atomic(path, want, err, err_sz);
    } else {
        size_t n = strlen(want);
        char *have = rl_xmalloc(n + 2);
        size_t got = fread(have, 1, n + 1, fp);
        fclose(fp);
        if (got != n || memcmp(have, want, n) != 0)
            st = rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: the search differs from the one %s was started with (see "
                         "%s): give it another name, or remove that directory to start again", t->source, root, path);
        free(have);
    }
    free(want);
    return st;
}

static void table_init(tune_table *tab, const tune_search *t)
{
    size_t n = (size_t)t->n_trials * t->rungs;
    tab->n_trials = t->n_trials;
    tab->rungs = t->rungs;
    tab->iqm = rl_xmalloc(n * sizeof(double));
    tab->lo = rl_xmalloc(n * sizeof(double));
    tab->hi = rl_xmalloc(n * sizeof(double));
    tab->n_runs = rl_xcalloc(n, sizeof(int));
    for (size_t i = 0; i < n; i++) tab->iqm[i] = tab->lo[i] = tab->hi[i] = NAN;
}

static void table_free(tune_table *tab)
{
    free(tab->iqm);
    free(tab->lo);
    free(tab->hi);
    free(tab->n_runs);
}

/* rank 0, after rung r: scores the active trials and keeps the best for the next rung (n_active),
 * or names the best trial after the last */
static rl_status promote(const tune_search *t, const char *root, int r, int *active, int *n_active, tune_table *tab,
                         rl_rng *rng, tune_result *res, char *err, size_t err_sz)
{
    for (int k = 0; k < *n_active; k++) score_trial(t, root, r, active[k], tab, rng);
    sort_by_score(active, *n_active, tab, r);
    int scored = 0;
    while (scored < *n_active && !isnan(tab->iqm[r * t->n_trials + active[scored]])) scored++;
    if (!scored)
        return rl_errf(err, err_sz, RL_ERR_NOT_FOUND, "no run of rung %d finished with an evaluation: see the "
                       "train.log files under %s/rung_%d", r, root, r);
    if (r + 1 < t->rungs) *n_active = tune_rung_trials(t, r + 1) < scored ? tune_rung_trials(t, r + 1) : scored;
    else res->best = active[0];
    return RL_OK;
}

/* rank 0's promotions on every rank (no-op on one process) */
static void share_active(int *active, int *n_active, tune_result *res)
{
    int32_t n = *n_active, best = res->best;
    rl_dist_bcast(&n, sizeof n, 0);
    rl_dist_bcast(&best, sizeof best, 0);
    rl_dist_bcast(active, (size_t)n * sizeof *active, 0);
    *n_active = n;
    res->best = best;
}

/* every rung in turn; on return active[0] is the best trial of the last rung that ran. Under
 * MPI a failure or an interruption on any rank stops every rank after the rung. */
static rl_status run_rungs(const tune_search *t, const char *root, const tune_exec *ex, FILE *out, int *active,
                           tune_table *tab, tune_result *res, char *err, size_t err_sz)
{
    rung_space sp = {rl_xcalloc((size_t)t->n_trials, sizeof *sp.names),
                     rl_xcalloc((size_t)t->n_trials, sizeof *sp.sets), rl_xcalloc(1, sizeof(ablation))};
    rl_rng rng;
    rl_rng_seed(&rng, t->seed, 78);
    int n_active = t->n_trials;
    for (int i = 0; i < n_active; i++) active[i] = i;
    rl_status st = RL_OK;
    for (int r = 0; r < t->rungs && st == RL_OK; r++) {
        st = rl_dist_agree(run_rung(t, root, r, active, n_active, ex, out, &sp, res, err, err_sz), err, err_sz);
        if (st != RL_OK) break;
        if (rl_dist_rank() == 0) st = promote(t, root, r, active, &n_active, tab, &rng, res, err, err_sz);
        st = rl_dist_agree(st, err, err_sz);
        if (st == RL_OK) share_active(active, &n_active, res);
    }
    free(sp.names);
    free(sp.sets);
    free(sp.abl);
    return st;
}

/* rank 0 makes root and checks or writes its trials.txt; every rank gets the outcome. Under
 * MPI the ranks must also have sampled the same trials (each reads the search file itself). */
static rl_status open_root(const tune_search *t, const char *root, char *err, size_t err_sz)
{
    char *fp = search_fingerprint(t);
    bool same = rl_dist_same_u64(rl_dist_hash(RL_DIST_HASH0, fp, strlen(fp)));
    free(fp);
    if (!same)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: the ranks sampled different trials: every rank must read the "
                       "same search file and base config", t->source);
    rl_status st = RL_OK;
    if (rl_dist_rank() == 0) {
        st = rl_mkdir_p(root, err, err_sz);
        if (st == RL_OK) st = check_fingerprint(t, root, err, err_sz);
    }
    return rl_dist_agree(st, err, err_sz);
}

/* rank 0: the best trial's scores, best.yaml and report.md */
static rl_status finish(const tune_search *t, const char *root, const tune_table *tab, rl_status st,
                        tune_result *res, char *err, size_t err_sz)
{
    if (res->best >= 0) {
        int at = (t->rungs - 1) * t->n_trials + res->best;
        res->best_score = tab->iqm[at];
        res->best_lo = tab->lo[at];
        res->best_hi = tab->hi[at];
        if (st == RL_OK) st = write_best(t, root, res, err, err_sz);
    }
    write_report(t, root, tab, res);
    return st;
}

rl_status tune_run(const tune_search *t, const char *runs_root, const tune_exec *ex, FILE *out, tune_result *res,
                   char *err, size_t err_sz)
{
    memset(res, 0, sizeof *res);
    res->best = -1;
    char root[1024];
    if ((size_t)snprintf(root, sizeof root, "%s/%s", runs_root, t->name) >= sizeof root - 100)
        return rl_errf(err, err_sz, RL_ERR_ARG, "--runs-dir: '%.80s...' is too long", runs_root);
    rl_status st = open_root(t, root, err, err_sz);
    if (st != RL_OK) return st;
    tune_table tab;
    table_init(&tab, t);
    int *active = rl_xcalloc((size_t)t->n_trials, sizeof(int));
    double t0 = rl_now();
    st = run_rungs(t, root, ex, out, active, &tab, res, err, err_sz);
    res->wall_s = rl_now() - t0;
    if (rl_dist_rank() == 0) st = finish(t, root, &tab, st, res, err, err_sz);
    /* every rank returns rank 0's outcome */
    if (rl_dist_size() > 1) {
        st = rl_dist_agree(st, err, err_sz);
        rl_dist_bcast(res, sizeof *res, 0);
    }
    free(active);
    table_free(&tab);
    return st;
}
