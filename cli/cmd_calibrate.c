/* rlc cli: `rlc calibrate`: measures which GEMM path is fastest on this machine for each shape that
 * training the given configs performs, and writes the table training then uses (nn/gemm_table.h,
 * docs/performance.md's "Calibration").
 *
 * The shapes come from a short training of each config (a few updates after its learning_starts,
 * or a few rollouts) into a temporary run directory, with a recorder on nn_sgemm; without a config,
 * from a fixed grid of dense layers (default_grid). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/fs.h"
#include "nn/gemm_table.h"
#include "nn/nn.h"
#include "train/trainer.h"

#define CAL_MAX_CONFIGS 16
#define CAL_MAX_SETS 64
#define CAL_BATCH_US 1000.0   /* CPU time of one path's calls in one round */

typedef struct {
    const char *configs[CAL_MAX_CONFIGS], *sets[CAL_MAX_SETS], *out;
    int n_configs, n_sets, rounds;
    double margin;
    bool show;
} cal_args;

/* the distinct shapes seen, with their calls; shared by the training's threads */
typedef struct {
    pthread_mutex_t lock;
    nn_gemm_table set;
    long long calls[NN_GEMM_TABLE_MAX];
    long long dropped;   /* calls of shapes a table cannot hold (beyond NN_GEMM_TABLE_MAX, or outside its limits) */
} cal_shapes;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: rlc calibrate [CONFIG.yaml]... [--set section.key=value]... [--rounds N] [--margin PCT]\n"
            "                     [--out FILE] [--show]\n\n"
            "Times every GEMM path (OpenBLAS's sgemm; sgemv or rlc's outer-product loop for matrix-vector\n"
            "shapes; LIBXSMM where it compiles a kernel) on each GEMM shape that training the configs\n"
            "performs, and writes this machine's dispatch table: for each shape the fastest path when it\n"
            "beats OpenBLAS by the margin, else OpenBLAS. `rlc train` then uses the table (unless\n"
            "RLC_GEMM=rule or blas), copies it into the run directory and names it in its checkpoints;\n"
            "a resumed run keeps its own copy. docs/performance.md, \"Calibration\".\n\n"
            "  CONFIG.yaml    the shapes of a short training of each config (a few updates); without\n"
            "                 one, a grid of dense layers (batch 1, 64, 256; widths 1 to 256)\n"
            "  --set k=v      override a key of every config (as rlc train --set); repeatable\n"
            "  --rounds N     timing rounds per shape, the paths interleaved, the median kept (default 9)\n"
            "  --margin PCT   how much faster than OpenBLAS another path must be (default 5)\n"
            "  --out FILE     write the table there instead of the cache file\n"
            "                 ($XDG_CACHE_HOME/rlc/gemm-<machine>.txt, else ~/.cache/rlc/...)\n"
            "  --show         print the table of the cache file (or of --out FILE) and measure nothing\n");
}

/* ---- the arguments ---------------------------------------------------------------------------- */

static int parse_number(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !(x >= lo && x <= hi)) {
        fprintf(stderr, "rlc calibrate: %s: expected a number in [%g, %g], got '%s'\n", opt, lo, hi, v);
        return 2;
    }
    *out = x;
    return -1;
}

/* one option with a value; -1 to go on, else the exit status */
static int parse_option(cal_args *a, const char *opt, const char *v)
{
    double x;
    int rc = -1;
    if (strcmp(opt, "--rounds") == 0) {
        if ((rc = parse_number(opt, v, 1, 101, &x)) < 0 && x != (int)x) {
            fprintf(stderr, "rlc calibrate: --rounds: expected a whole number, got '%s'\n", v);
            rc = 2;
        }
        if (rc < 0) a->rounds = (int)x;
    } else if (strcmp(opt, "--margin") == 0) {
        if ((rc = parse_number(opt, v, 0, 90, &x)) < 0) a->margin = x / 100.0;
    } else if (strcmp(opt, "--out") == 0) {
        a->out = v;
    } else if (a->n_sets == CAL_MAX_SETS) {
        fprintf(stderr, "rlc calibrate: more than %d --set options\n", CAL_MAX_SETS);
        rc = 2;
    } else {
        a->sets[a->n_sets++] = v;
    }
    return rc;
}

/* -1 when the arguments are complete, else the exit status */
static int parse_args(int argc, char **argv, cal_args *a)
{
    memset(a, 0, sizeof *a);
    a->rounds = 9;
    a->margin = 0.05;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool needs = strcmp(arg, "--rounds") == 0 || strcmp(arg, "--margin") == 0 || strcmp(arg, "--out") == 0 ||
                     strcmp(arg, "--set") == 0;
        int rc = -1;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (needs && i + 1 >= argc) {
            fprintf(stderr, "rlc calibrate: %s needs a value\n", arg);
            return 2;
        } else if (needs) {
            rc = parse_option(a, arg, argv[++i]);
        } else if (strcmp(arg, "--show") == 0) {
            a->show = true;
        } else if (arg[0] == '-') {
            fprintf(stderr, "rlc calibrate: unknown option '%s' (see rlc calibrate --help)\n", arg);
            return 2;
        } else if (a->n_configs == CAL_MAX_CONFIGS) {
            fprintf(stderr, "rlc calibrate: more than %d configs\n", CAL_MAX_CONFIGS);
            return 2;
        } else {
            a->configs[a->n_configs++] = arg;
        }
        if (rc >= 0) return rc;
    }
    if (a->show && (a->n_configs || a->n_sets)) {
        fprintf(stderr, "rlc calibrate: --show prints a table and measures nothing: no CONFIG.yaml or --set with it\n");
        return 2;
    }
    return -1;
}

/* ---- the shapes ------------------------------------------------------------------------------- */

static void cal_add(cal_shapes *c, const nn_gemm_shape *s, long long calls)
{
    int i = nn_gemm_table_index(&c->set, s);
    char err[256];
    if (i < 0 && nn_gemm_table_add(&c->set, s, NN_GEMM_BLAS, NULL, err, sizeof err) == RL_OK) i = c->set.n - 1;
    if (i >= 0) c->calls[i] += calls;
    else c->dropped += calls;
}

static void record(const nn_gemm_shape *s, bool lookup, void *ctx)
{
    cal_shapes *c = ctx;
    if (!lookup || s->M < 1 || s->N < 1 || s->K < 1) return;   /* never looked up / an empty product */
    pthread_mutex_lock(&c->lock);
    cal_add(c, s, 1);
    pthread_mutex_unlock(&c->lock);
}

/* The shapes without a config: a dense layer's forward pass (bias: beta 1), weight gradient (beta 1)
 * and input gradient (beta 0) at batches 1, 64 and 256 over the layers of small MLPs. */
static void default_grid(cal_shapes *c)
{
    static const int batches[] = {1, 64, 256}, layers[][2] = {{4, 64}, {64, 64}, {64, 2}, {64, 1},
                                                              {17, 256}, {256, 256}, {256, 6}, {256, 1}};
    for (int b = 0; b < RL_ARRAY_LEN(batches); b++)
        for (int l = 0; l < RL_ARRAY_LEN(layers); l++) {
            int B = batches[b], I = layers[l][0], O = layers[l][1];
            const nn_gemm_shape s[] = {
                {.ta = 0, .tb = 1, .beta1 = 1, .M = B, .N = O, .K = I, .lda = I, .ldb = I, .ldc = O},
                {.ta = 1, .tb = 0, .beta1 = 1, .M = O, .N = I, .K = B, .lda = O, .ldb = I, .ldc = I},
                {.ta = 0, .tb = 0, .beta1 = 0, .M = B, .N = I, .K = O, .lda = O, .ldb = I, .ldc = I},
            };
            for (int k = 0; k < 3; k++) cal_add(c, &s[k], 1);
        }
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* the overrides that make a config's training short: past learning_starts (off-policy agents) by a
 * few updates, or a few rollouts (on-policy agents), one evaluation episode */
static void short_run_sets(const rl_config *cfg, char *total, size_t sz)
{
    char key[300];
    snprintf(key, sizeof key, "%s.learning_starts", cfg->root.algo);
    const int64_t *starts = rl_config_get(cfg, key);
    snprintf(key, sizeof key, "%s.num_steps", cfg->root.algo);
    const int64_t *rollout = rl_config_get(cfg, key);
    int64_t envs = cfg->env.num_envs > 0 ? cfg->env.num_envs : 1;
    int64_t steps = (starts ? *starts : 0) + 4 * envs * (rollout ? *rollout : 16);
    snprintf(total, sz, "total_steps=%lld", (long long)steps);
}

/* config with the --set overrides and those of short_run_sets into *cfg; false after printing why */
static bool short_config(const cal_args *a, const char *config, rl_config *cfg)
{
    char err[1400] = "", total[64];
    const char *sets[CAL_MAX_SETS + 2];
    memcpy(sets, a->sets, (size_t)a->n_sets * sizeof *sets);
    if (rl_config_load(cfg, config, sets, a->n_sets, err, sizeof err) != RL_OK ||
        trainer_prepare_envs(cfg, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc calibrate: %s\n", err);
        return false;
    }
    short_run_sets(cfg, total, sizeof total);
    sets[a->n_sets] = total;
    sets[a->n_sets + 1] = "log.eval_episodes=1";
    if (rl_config_load(cfg, config, sets, a->n_sets + 2, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc calibrate: %s (with %s for a short run)\n", err, total);
        return false;
    }
    return true;
}

/* trains config briefly in a temporary directory with the recorder on; false after printing why */
static bool record_config(const cal_args *a, const char *config, cal_shapes *c)
{
    char err[1400] = "";
    rl_config cfg;
    if (!short_config(a, config, &cfg)) return false;
    const char *tmp = getenv("TMPDIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/rlc-calibrate-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    FILE *devnull = fopen("/dev/null", "w");
    if (!mkdtemp(dir) || !devnull) {
        fprintf(stderr, "rlc calibrate: cannot make a temporary run directory %s: %s\n", dir, strerror(errno));
        if (devnull) fclose(devnull);
        return false;
    }
    int before = c->set.n;
    trainer_opts opts = {.run_dir = dir, .quiet = true, .out = devnull};
    trainer_result res;
    nn_gemm_set_recorder(record, c);
    rl_status st = trainer_run(&cfg, &opts, &res, err, sizeof err);
    nn_gemm_set_recorder(NULL, NULL);
    fclose(devnull);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (st != RL_OK) {
        fprintf(stderr, "rlc calibrate: %s: the short training that records its GEMM shapes failed: %s\n", config, err);
        return false;
    }
    printf("%s: %lld steps (%s), %d new GEMM shapes\n", config, (long long)res.steps, cfg.root.algo, c->set.n - before);
    return true;
}

/* ---- the table -------------------------------------------------------------------------------- */

static void print_time(float us)
{
    if (us < 0) printf(" %9s", "-");
    else printf(" %9.2f", us);
}

/* the table with its times, the rule's path for comparison, and calls when known */
static void print_table(const nn_gemm_table *t, const long long *calls)
{
    printf("%8s %2s %2s %4s %5s %5s %5s %9s %9s %9s %9s  %-5s %-6s %8s\n", "calls", "ta", "tb", "beta", "M", "N", "K",
           "blas us", "gemv us", "outer us", "xsmm us", "rule", "choice", "vs blas");
    int changed = 0;
    for (int i = 0; i < t->n; i++) {
        const nn_gemm_entry *e = &t->e[i];
        const nn_gemm_shape *s = &e->shape;
        nn_gemm_path rule = nn_gemm_rule_path(s);
        if (calls) printf("%8lld", calls[i]);
        else printf("%8s", "-");
        printf(" %2d %2d %4d %5d %5d %5d", s->ta, s->tb, s->beta1, s->M, s->N, s->K);
        for (int p = 0; p < NN_GEMM_PATHS; p++) print_time(e->us[p]);
        float mine = e->us[e->path], blas = e->us[NN_GEMM_BLAS];
        printf("  %-5s %-6s", nn_gemm_path_name(rule), nn_gemm_path_name(e->path));
        if (mine > 0 && blas >= 0) printf(" %7.2fx", blas / mine);
        printf("%s\n", rule != e->path ? "  (changed)" : "");
        changed += rule != e->path;
    }
    char id[24];
    nn_gemm_table_id(t, id, sizeof id);
    printf("%d shapes, %d on another path than the fixed rule's; table %s\n", t->n, changed, id);
}

/* the table's file: --out, or this machine's cache file (its directory made) */
static bool table_path(const cal_args *a, char *path, size_t sz, bool make_dir)
{
    char dir[1100], err[1400];
    if (a->out) {
        snprintf(path, sz, "%s", a->out);
        return true;
    }
    if (nn_gemm_cache_path(path, sz, dir, sizeof dir, err, sizeof err) != RL_OK ||
        (make_dir && rl_mkdir_p(dir, err, sizeof err) != RL_OK)) {
        fprintf(stderr, "rlc calibrate: %s\n", err);
        return false;
    }
    return true;
}

static int show(const cal_args *a)
{
    char path[1200], err[1400];
    static nn_gemm_table t;
    if (!table_path(a, path, sizeof path, false)) return 1;
    if (!a->out && !rl_path_exists(path)) {
        printf("no GEMM dispatch table for this machine yet (%s): training follows the fixed rule; `rlc calibrate "
               "[CONFIG.yaml]...` measures one\n", path);
        return 0;
    }
    if (nn_gemm_table_read(&t, path, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc calibrate: %s\n", err);
        return 1;
    }
    char here[NN_GEMM_MACHINE_LEN];
    nn_gemm_machine(here, sizeof here);
    printf("%s\nmachine: %s%s\n", path, t.machine, strcmp(here, t.machine) ? " (not this machine)" : "");
    print_table(&t, NULL);
    return 0;
}

/* times every shape of c into t */
static bool measure(const cal_args *a, const cal_shapes *c, nn_gemm_table *t)
{
    char err[512];
    nn_gemm_table_init(t, NULL);
    for (int i = 0; i < c->set.n; i++) {
        float us[NN_GEMM_PATHS];
        const nn_gemm_shape *s = &c->set.e[i].shape;
        if (nn_gemm_time_shape(s, a->rounds, CAL_BATCH_US, us, err, sizeof err) != RL_OK ||
            nn_gemm_table_add(t, s, nn_gemm_pick(us, a->margin), us, err, sizeof err) != RL_OK) {
            fprintf(stderr, "rlc calibrate: %s\n", err);
            return false;
        }
    }
    return true;
}

int cli_calibrate(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    cal_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc;
    if (a.show) return show(&a);
    static cal_shapes c;
    static nn_gemm_table t;
    pthread_mutex_init(&c.lock, NULL);
    nn_gemm_table_init(&c.set, NULL);
    nn_gemm_table_use(NULL);   /* the shapes of the fixed rule's training (the table does not change them) */
    for (int i = 0; i < a.n_configs; i++)
        if (!record_config(&a, a.configs[i], &c)) return 1;
    if (!a.n_configs) {
        default_grid(&c);
        printf("no config: the default grid of dense layers, %d GEMM shapes\n", c.set.n);
    }
    if (c.dropped)
        printf("%lld calls of shapes a table cannot hold (beyond the first %d, or sizes outside its limits) follow the "
               "fixed rule\n", c.dropped, NN_GEMM_TABLE_MAX);
    char path[1200], err[1400];
    if (!table_path(&a, path, sizeof path, true) || !measure(&a, &c, &t)) return 1;
    printf("machine: %s\n%d rounds, margin %g%%; microseconds per call (this thread's CPU time, median of the "
           "rounds)\n", t.machine, a.rounds, a.margin * 100);
    print_table(&t, c.calls);
    if (nn_gemm_table_write(&t, path, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc calibrate: %s\n", err);
        return 1;
    }
    printf("written to %s\n", path);
    return 0;
}
