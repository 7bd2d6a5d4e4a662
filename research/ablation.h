/* rlc research: ablation runs: a grid of config variants x seeds, run in parallel worker
 * processes, resumable.
 *
 * An ablation file names one or more base configs, the axes to vary (any config key with a list
 * of values) and the seeds:
 *
 *   name: ppo_value_loss          # runs go to runs/<name>/ (default: the file's stem)
 *   base: ../ppo_cartpole.yaml    # or bases: [a.yaml, b.yaml], one per environment
 *   seeds: [1, 2, 3, 4, 5]
 *   set: {total_steps: 100000}    # overrides common to every run (optional)
 *   axes:
 *     losses.value: [mse, huber, clipped]
 *     aux:                        # or a mapping name -> value: variants named aux=none, ...
 *       none: []
 *       reward_prediction: [{head: reward_prediction, loss: huber, weight: 0.1}]
 *
 * Without axes the file runs the base config over the seeds (one variant, named "base").
 * Paths are relative to the ablation file. The grid is expanded and every run's config is
 * loaded and its agent created before any run starts, so an unknown key or a bad value is an
 * error up front. Each run is `rlc train` in a worker process writing to
 * runs/<name>/<variant>/seed_<k>/ (with an <env id>/ level between when there are several
 * bases); a finished run is marked by a DONE file and skipped next time, an interrupted one is
 * resumed from its checkpoint, a failed one is reported with its log path and does not stop the
 * others, and one whose run directory another process holds (a locked run directory) is
 * reported as not run and left alone. Workers die with the runner: when it is killed, they get
 * SIGTERM and checkpoint. */
#ifndef RLC_AGENTS_ABLATION_H
#define RLC_AGENTS_ABLATION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "core/status.h"

#define ABL_MAX_BASES 8
#define ABL_MAX_SEEDS 64
#define ABL_MAX_AXES 6
#define ABL_MAX_VALUES 16
#define ABL_MAX_SETS 32
#define ABL_TEXT 320
/* Longest variant directory name (one path component). A longer key=label list keeps its first
 * 238 characters and ends in '~' and a 16-hex-digit hash of the whole list, so distinct variants
 * never share a directory. */
#define ABL_VARIANT_NAME_MAX 255
/* The one variant of a file without axes (seeds of the base config alone): runs/<name>/base/. */
#define ABL_NO_AXES_VARIANT "base"
/* Most worker processes `rlc ablate --jobs` may ask for. */
#define ABL_MAX_JOBS 1024
#define ABL_MAX_RUNS 100000   /* variants x bases x seeds */

/* Variants listed one by one instead of the grid of the axes (rlc tune, research/tune.h):
 * variant v is named names[v] and adds the n_sets overrides sets[v][0..n_sets-1]. The caller owns
 * the arrays; they must outlive every use of the ablation. */
#define ABL_LIST_MAX_SETS 16
_Static_assert(ABL_LIST_MAX_SETS >= ABL_MAX_AXES, "a listed variant holds at least as many overrides as a grid's");
/* the most --set overrides of one run: the common ones, the variant's, the seed */
#define ABL_RUN_MAX_SETS (ABL_MAX_SETS + ABL_LIST_MAX_SETS + 1)
typedef struct {
    int n, n_sets;
    const char (*names)[ABL_VARIANT_NAME_MAX + 1];
    const char (*sets)[ABL_LIST_MAX_SETS][ABL_TEXT];
} ablation_variant_list;

typedef struct {
    char name[128];
    char source[RL_STR_MAX];
    int n_bases;
    char bases[ABL_MAX_BASES][RL_STR_MAX];
    char base_env[ABL_MAX_BASES][RL_STR_MAX];      /* env.id of each base (filled by validate) */
    int n_seeds;
    int64_t seeds[ABL_MAX_SEEDS];
    int n_axes;
    char axis_key[ABL_MAX_AXES][128];
    int n_values[ABL_MAX_AXES];
    char values[ABL_MAX_AXES][ABL_MAX_VALUES][ABL_TEXT];   /* YAML flow text for --set */
    char labels[ABL_MAX_AXES][ABL_MAX_VALUES][64];         /* file-name-safe value labels */
    int n_sets;
    char sets[ABL_MAX_SETS][ABL_TEXT];                     /* "key=value" common overrides */
    const ablation_variant_list *listed;   /* non-NULL: these variants replace the axes' grid */
} ablation;

/* One run of the grid. */
typedef struct {
    int base, variant;
    int64_t seed;
    char variant_name[ABL_VARIANT_NAME_MAX + 1];   /* see ABL_VARIANT_NAME_MAX */
    char run_dir[1024];
    int n_sets;
    char sets[ABL_RUN_MAX_SETS][ABL_TEXT];  /* everything passed as --set */
} ablation_run;

/* Parses an ablation file; extra_sets ("key=value") are appended to its common overrides.
 * Errors name the file, line and key. Refused besides bad values: a key given twice in one
 * mapping, both base and bases, keys that are not config keys, two axes that vary the same key (or
 * a section and a key in it), a key both in set: (or extra_sets) and varied by an axis, seed in
 * set:, axes: or extra_sets (each run's seed comes from seeds:), and a name (or, without name:, a
 * file name) that is not one directory name (see ablation_name_ok). */
rl_status ablation_load(ablation *a, const char *path, const char *const *extra_sets, int n_extra,
                        char *err, size_t err_sz);
/* Whether name can be one directory of a run's path (<runs-dir>/<name>/): not empty, not "." or
 * "..", without '/' or control characters (newline, tab, C1 controls), shorter than max bytes.
 * When not, why says what is wrong. Used for the names of ablations and searches. */
bool ablation_name_ok(const char *name, size_t max, char *why, size_t why_sz);
/* With name[0] == '\0' (no name: in the file), name (of size sz) becomes the file's name without
 * its extension; RL_ERR_CONFIG when that is not one directory name ("... no usable name for
 * <whose> runs"). A name already set is left as it is. */
rl_status ablation_default_name(char *name, size_t sz, const char *path, const char *whose, char *err,
                                size_t err_sz);
/* Whether two config keys set overlapping parts of a config: the same key, or a section and a key
 * in it (ppo and ppo.gamma); parts are compared as --set reads them (ppo..gamma is ppo.gamma). */
bool ablation_keys_overlap(const char *a, const char *b);
/* The key of a "key=value" override into out. */
void ablation_set_key(const char *set, char *out, size_t sz);

int ablation_n_variants(const ablation *a);
int ablation_n_runs(const ablation *a);
/* Describes run `index` (0 <= index < ablation_n_runs) under runs_root/<name>/. */
void ablation_run_at(const ablation *a, int index, const char *runs_root, ablation_run *out);
/* Loads every run's config and creates (then frees) every agent, so that nothing starts when any
 * run would fail on its config. Fills a->base_env. */
rl_status ablation_validate(ablation *a, char *err, size_t err_sz);

typedef struct {
    int total, skipped, finished, failed;
    int busy;        /* runs not run: another process held their run directory's lock */
    double wall_s;
} ablation_summary;

/* The CPUs each of `jobs` workers may use, max(1, this process's usable CPUs / jobs) (core/cpus.h;
 * under MPI, this rank's share): every worker gets it as RLC_CPUS, so that the `auto` thread
 * counts of the runs together ask for no more cores than there are. */
int ablation_worker_cpus(int jobs);

/* Runs the grid with up to `jobs` worker processes of the rlc program at rlc_binary. Progress
 * goes to out. Returns RL_OK even when some runs failed (see summary->failed; their log paths are
 * printed); RL_ERR_INTERRUPTED on SIGINT/SIGTERM after the workers have checkpointed. */
rl_status ablation_execute(const ablation *a, const char *runs_root, int jobs,
                           const char *rlc_binary, FILE *out, ablation_summary *summary,
                           char *err, size_t err_sz);

#endif
