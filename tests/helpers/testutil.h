/* rlc tests: shared helpers for every Criterion test program.
 *
 *  - rlt_gradcheck: central finite differences (in double) of a scalar objective against an
 *    analytic gradient, on a handful of coordinates, asserting the analytic gradient is not all
 *    zero on the checked coordinates (a zero gradient passes every FD check vacuously);
 *  - rlt_fixture_*: golden values written by scripts/gen_fixtures.py (PyTorch) as JSON files
 *    under tests/fixtures/, read with cJSON. */
#ifndef RLC_TESTS_TESTUTIL_H
#define RLC_TESTS_TESTUTIL_H

#include "algos/onpolicy.h"
#include "core/rng.h"
#include "train/trainer.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Evaluates the objective at the current contents of the input being checked. */
typedef double (*rlt_objective)(void *ctx);

typedef struct {
    double h;        /* step; default 1e-3 */
    double rtol;     /* relative tolerance; default 2e-2 */
    double atol;     /* absolute tolerance; default 1e-4 */
    int n_check;     /* coordinates to check (spread over the array); default min(n, 16) */
} rlt_gradcheck_opts;

/* Perturbs x[i] in place (restoring it) for the checked coordinates and compares
 * (f(x+h) - f(x-h)) / 2h with analytic[i]. `what` names the check in failure messages.
 * opts may be NULL for the defaults. Returns the largest relative error seen. */
double rlt_gradcheck(rlt_objective f, void *ctx, float *x, const float *analytic, int n,
                     const rlt_gradcheck_opts *opts, const char *what);

/* Loads tests/fixtures/<file> (JSON). Aborts the test with a message when missing. */
cJSON *rlt_fixture_load(const char *file);
/* obj[key] must be a (possibly nested) numeric array with exactly n numbers; flattened into out. */
void rlt_fixture_floats(const cJSON *obj, const char *key, float *out, int n);
double rlt_fixture_number(const cJSON *obj, const char *key);
/* Number of numbers in obj[key] (flattened). */
int rlt_fixture_count(const cJSON *obj, const char *key);

/* Asserts |a[i] - b[i]| <= atol + rtol * |b[i]| for all i, naming the first failure. */
void rlt_assert_close(const float *a, const float *b, int n, double rtol, double atol,
                      const char *what);

/* Runs a shell command, captures its output (stdout; add 2>&1 to the command for stderr) into
 * out, and returns its exit status (-1 if it did not exit normally). */
int rlt_run_cmd(const char *cmd, char *out, size_t out_sz);

/* Starts the rlc program with args (NULL-terminated, without the program name) in the
 * background, its output discarded; it is killed if the test process dies. Returns its pid. */
pid_t rlt_spawn_rlc(const char *const *args);

/* Runs `rlc ARGS...` (args NULL-terminated, without the program name) as a child, its stdout and
 * stderr into out, and returns its wait status. The child sets alarm(120) before exec (kept across
 * it), so a process that blocks forever (on a FIFO, say) dies of SIGALRM and the test fails naming
 * the command instead of hanging. maxrss_kb, when not NULL, gets the child's peak resident size
 * (getrusage through wait4). */
int rlt_run_rlc_guarded(const char *const *args, char *out, size_t out_sz, long *maxrss_kb);

/* Waits until path exists while process pid runs (no time limit: a loaded machine only makes it
 * slower); fails the test if pid exits before path appears. */
void rlt_wait_path(const char *path, pid_t pid);

/* The first statement of a test that trains for minutes to check what a method reaches. Under
 * AddressSanitizer such a run takes about five times as long and reaches no code the shorter
 * tests of its program do not, so the sanitizer build (RLC_SANITIZED) skips it, saying why; the
 * normal build runs it. */
#ifdef RLC_SANITIZED
#define RLT_LEARNING_TEST() cr_skip_test("a learning test: it runs in the normal build; this sanitizer build checks memory on the shorter tests")
#else
#define RLT_LEARNING_TEST() ((void)0)
#endif

/* ---- temporary files (tests/helpers/tmp.c) ------------------------------------------------
 * Everything a test writes goes under its own directory, rlt_test_dir(), inside one directory per
 * test program under $TMPDIR (default /tmp); the runner removes a test's directory when the test
 * passes and keeps it (naming it) when the test fails or crashes. */

/* The running test's directory (made on first use). */
const char *rlt_test_dir(void);
/* rlt_test_dir()/name into out (not created); fails the test when it does not fit. */
void rlt_tmp_path(char *out, size_t out_sz, const char *name);
/* A fresh directory (made) in the test's directory, its name starting with tag. */
void rlt_tmp_mkdir(char *out, size_t out_sz, const char *tag);
/* Writes the file contents to a fresh temporary path in the test's directory and returns it. */
void rlt_tmpfile(char *out, size_t out_sz, const char *tag, const char *contents);

/* Loads the config file with sets (n of them); a load error fails the test with its message. */
void rlt_load_config(rl_config *cfg, const char *file, const char *const *sets, int n);
/* The agent of cfg (its descriptor into *algo), created for one copy of its env, after `steps`
 * exploring steps on that env reset with seed 7 (act, step, observe): an off-policy agent's
 * replay buffer holds them. The caller destroys it. */
void *rlt_filled_agent(const rl_config *cfg, const agent_algo **algo, int steps);

/* Loads a config from YAML text (named "x.yaml" in messages) and creates then destroys its agent;
 * the first failure's status, its message in err. */
int rlt_config_and_agent(const char *yaml, char *err, size_t err_sz);
/* A config key's value by name (core's or an algorithm's section, "ppo.learning_rate"); aborts
 * when the config has no such key. */
void *rlt_cfg(const rl_config *cfg, const char *key);
#define RLT_F64(cfg, key) (*(double *)rlt_cfg(cfg, key))
#define RLT_I64(cfg, key) (*(int64_t *)rlt_cfg(cfg, key))
#define RLT_BOOL(cfg, key) (*(bool *)rlt_cfg(cfg, key))
#define RLT_LOSS(cfg, key) ((rl_loss_cfg *)rlt_cfg(cfg, key))

/* Asserts that rlt_config_and_agent(yaml) fails with a message containing n1, n2 and (unless
 * NULL) n3. */
void rlt_expect_config_error(const char *yaml, const char *n1, const char *n2, const char *n3);

/* The whole file as a NUL-terminated string (malloc'ed); aborts the test when unreadable. */
char *rlt_read_file(const char *path);
/* The same with its length in bytes (a binary file may hold NULs). */
char *rlt_read_file_len(const char *path, long *len);

/* Writes v over element i (flat) of the F32 tensor `name` of the safetensors file at path, in place
 * (a little-endian host, as every machine rlc is tested on). */
void rlt_patch_tensor_float(const char *path, const char *name, long i, float v);

/* How many files called name are under root (find); 0 when none or on any error. */
int rlt_count_named(const char *root, const char *name);

/* Whether an `rlc train` process with needle in one of its arguments is alive (reads /proc). */
int rlt_worker_alive(const char *needle);

/* The number after `key:` in the top-level section of a YAML file (read as text; NAN when
 * absent); aborts the test when the file is unreadable. */
double rlt_yaml_value(const char *path, const char *section, const char *key);

/* A fresh, not yet existing directory path in the test's directory (the trainer creates it). */
void rlt_tmp_dir(char *out, size_t out_sz, const char *tag);

/* Removes path and everything under it (rm -rf); a missing path is no error. */
void rlt_remove_tree(const char *path);

/* Asserts that run directory b (trained with auxiliary heads) matches run directory a (the same
 * run without heads) byte for byte in eval.csv and in metrics.csv once b's rows are cut to a's
 * columns, and that b's metrics header ends with aux_header (",aux_x,aux_y"). */
void rlt_assert_same_run_but_aux(const char *a, const char *b, const char *aux_header);

/* Trains config with sets (n_sets) quietly into run directory dir (resume: continues it); a
 * failure fails the test with the trainer's message. */
void rlt_train(const char *config, const char *dir, const char *const *sets, int n_sets, bool resume);
/* The step a checkpoint file was written at (its "rlc.step" metadata). */
unsigned long long rlt_checkpoint_step(const char *path);
/* n floats of scale N(0, 1) drawn from rng (malloc'ed; n = 0 gives a valid pointer). */
float *rlt_randn(size_t n, float scale, rl_rng *rng);
/* sum a[i] b[i] in double */
double rlt_dot(const float *a, const float *b, size_t n);

/* Whether the safetensors header (the JSON after 8 length bytes) of path contains needle (logs the
 * header when it does not); asserts the file reads. */
bool rlt_safetensors_header_has(const char *path, const char *needle);

/* The on-policy network's gradient-check objective sum_b a_b logp_b(u_b) + c_b v_b over a batch
 * (the weights a, c fixed): actor and critic both reach the parameters. ctx is an rlt_onp_fd. */
typedef struct {
    onp_net *n;
    const float *obs, *u, *a, *c;
    float *logp;   /* (B) scratch */
    int B;
} rlt_onp_fd;
double rlt_onp_obj(void *ctx);

/* ---- learning tests that hold on any CPU -------------------------------------------------
 * OpenBLAS picks its sgemm kernel by CPU (or OPENBLAS_CORETYPE), kernels round differently, and
 * one seed's trajectory is not reproducible across kernels. A learning test therefore trains
 * several seeds and asserts what the method reliably reaches: at least `need` of them. */

enum { RLT_MAX_SEEDS = 8 };

/* Loads `config` with `sets` (plus "seed=S"), trains seeds 1..n_seeds, each in a fresh temporary
 * run directory, and stores each run's result (final evaluation, threshold step) in runs. The
 * run directories are removed, except the best seed's when best_dir is not NULL (its path is
 * written there). */
void rlt_train_seeds(const char *config, const char *const *sets, int n_sets, int n_seeds, trainer_result *runs,
                     const char *tag, char *best_dir, size_t best_dir_sz);

/* Asserts that at least `need` of the n runs' final evaluations are >= threshold; the message
 * lists every seed's return, so a failure says how far off each was. */
void rlt_assert_learns(const char *what, const trainer_result *runs, int n, int need, double threshold);

#endif
