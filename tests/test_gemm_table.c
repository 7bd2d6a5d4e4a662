/* rlc tests: the measured GEMM dispatch table (nn/gemm_table.h, `rlc calibrate`):
 *   - its file: written and read back to the same table and identity; every malformed, truncated,
 *     hostile or oversized file is refused naming the file and line, never crashing;
 *   - nn_sgemm takes the table's path for the shapes it holds (seen through the call counters,
 *     never through timings) and the rule's for the others, on two threads at once;
 *   - the choice of a path from times (the margin over OpenBLAS);
 *   - training: two runs with the same table are identical, the run directory keeps the table and
 *     checkpoints name it; a new run takes the cache, a resumed run its own copy, a table of
 *     another machine is not used (a warning), a broken cache file is an error naming it.
 * The cache directory is always a temporary one (XDG_CACHE_HOME), never the real ~/.cache. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/fs.h"
#include "nn/gemm_table.h"
#include "nn/nn.h"
#include "train/trainer_gemm.h"
#include "tests/helpers/testutil.h"

#define PPO RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"

static nn_gemm_table g_t, g_u;   /* large: kept off the stack */

/* a table's text of this machine with the given shape lines */
static void table_text(char *buf, size_t sz, const char *lines)
{
    char machine[NN_GEMM_MACHINE_LEN];
    nn_gemm_machine(machine, sizeof machine);
    snprintf(buf, sz, "rlc-gemm-table 1\nmachine %s\n%s", machine, lines);
}

/* a fresh XDG_CACHE_HOME in the test's directory; the cache file's path into path */
static void temp_cache(char *path, size_t sz)
{
    char dir[600], cdir[700], err[600];
    rlt_tmp_mkdir(dir, sizeof dir, "cache");
    setenv("XDG_CACHE_HOME", dir, 1);
    cr_assert_eq(nn_gemm_cache_path(path, sz, cdir, sizeof cdir, err, sizeof err), RL_OK, "%s", err);
    cr_assert(strncmp(path, dir, strlen(dir)) == 0, "%s is not under %s", path, dir);
    cr_assert_eq(rl_mkdir_p(cdir, err, sizeof err), RL_OK, "%s", err);
}

Test(gemm_table, file_round_trip_and_lookup)
{
    nn_gemm_table_init(&g_t, NULL);
    char err[512];
    const nn_gemm_shape s[] = {
        {.ta = 0, .tb = 1, .beta1 = 1, .M = 256, .N = 256, .K = 17, .lda = 17, .ldb = 17, .ldc = 256},
        {.ta = 0, .tb = 1, .beta1 = 1, .M = 1, .N = 64, .K = 4, .lda = 4, .ldb = 4, .ldc = 64},
        {.ta = 0, .tb = 0, .beta1 = 0, .M = 128, .N = 64, .K = 1, .lda = 1, .ldb = 64, .ldc = 64},
    };
    const nn_gemm_path p[] = {NN_GEMM_XSMM, NN_GEMM_GEMV, NN_GEMM_OUTER};
    const float us[NN_GEMM_PATHS] = {2.5f, -1.0f, 0.125f, 3.0f};
    for (int i = 0; i < 3; i++) cr_assert_eq(nn_gemm_table_add(&g_t, &s[i], p[i], us, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(nn_gemm_table_add(&g_t, &s[0], NN_GEMM_BLAS, NULL, err, sizeof err), RL_ERR_ARG, "a duplicate");
    char path[600], id1[24], id2[24];
    rlt_tmp_path(path, sizeof path, "t.txt");
    cr_assert_eq(nn_gemm_table_write(&g_t, path, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(nn_gemm_table_read(&g_u, path, err, sizeof err), RL_OK, "%s", err);
    nn_gemm_table_id(&g_t, id1, sizeof id1);
    nn_gemm_table_id(&g_u, id2, sizeof id2);
    cr_assert_str_eq(id1, id2);
    cr_assert_str_eq(g_u.machine, g_t.machine);
    cr_assert_eq(g_u.n, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(nn_gemm_table_find(&g_u, &s[i]), (int)p[i], "shape %d", i);
        cr_assert_eq(g_u.e[i].us[0], 2.5f);
        cr_assert_eq(g_u.e[i].us[1], -1.0f);
    }
    nn_gemm_shape other = s[0];
    other.ldc = 300;   /* another leading dimension is another shape */
    cr_assert_eq(nn_gemm_table_find(&g_u, &other), -1);
    g_u.e[0].path = NN_GEMM_BLAS;   /* the identity follows the paths */
    nn_gemm_table_id(&g_u, id2, sizeof id2);
    cr_assert_str_neq(id1, id2);
}

/* every line of a bad file gives RL_ERR_PARSE with "NAME:LINE: ..." and the reason */
Test(gemm_table, bad_files_are_refused_naming_file_and_line)
{
    static const struct {
        const char *text, *line, *why;
    } bad[] = {
        {"", "bad.txt:", "truncated"},
        {"rlc-gemm-table 1\n", "bad.txt:", "'machine'"},
        {"hello\n", "bad.txt:1:", "header"},
        {"rlc-gemm-table 2\nmachine m\n", "bad.txt:1:", "version '2'"},
        {"rlc-gemm-table 1\nshape 0 0 0 1 1 1 1 1 1 blas - - - -\n", "bad.txt:2:", "'machine KEY'"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 4 4 4 64 blas - - -\n", "bad.txt:3:", "fields"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 4 4 4 64 blas - - - - -\n", "bad.txt:3:", "fields"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4x 64 4 4 4 64 blas - - - -\n", "bad.txt:3:", "'4x'"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 -4 64 4 4 4 64 blas - - - -\n", "bad.txt:3:", "'-4'"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 99999999999 64 4 4 4 64 blas - - - -\n", "bad.txt:3:", "integer"},
        {"rlc-gemm-table 1\nmachine m\nshape 2 1 1 4 64 4 4 4 64 blas - - - -\n", "bad.txt:3:", "0 or 1"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 0 64 4 4 4 64 blas - - - -\n", "bad.txt:3:", "[1, 65536]"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 8 4 8 64 blas - - - -\n", "bad.txt:3:", "lda"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 8 8 4 64 blas - - - -\n", "bad.txt:3:", "ldb"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 8 8 8 63 blas - - - -\n", "bad.txt:3:", "ldc"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 8 8 8 64 mkl - - - -\n", "bad.txt:3:", "'mkl'"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 8 8 8 64 gemv - - - -\n", "bad.txt:3:", "gemv"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 8 8 8 64 outer - - - -\n", "bad.txt:3:", "outer"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 8 8 8 64 blas nan - - -\n", "bad.txt:3:", "'nan'"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 8 8 8 64 blas -2 - - -\n", "bad.txt:3:", "'-2'"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 8 8 8 64 blas 1e40 - - -\n", "bad.txt:3:", "'1e40'"},
        {"rlc-gemm-table 1\nmachine m\nshape 0 1 1 4 64 8 8 8 64 blas - - - -\n"
         "shape 0 1 1 4 64 8 8 8 64 xsmm - - - -\n", "bad.txt:4:", "already"},
        {"rlc-gemm-table 1\nmachine m\nentry 0\n", "bad.txt:3:", "unknown line"},
        {"rlc-gemm-table 1\nmachine \n", "bad.txt:2:", "machine key"},
    };
    char err[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rl_status st = nn_gemm_table_parse(&g_t, bad[i].text, strlen(bad[i].text), "bad.txt", err, sizeof err);
        cr_assert_eq(st, RL_ERR_PARSE, "case %zu accepted", i);
        cr_assert(strstr(err, bad[i].line) && strstr(err, bad[i].why), "case %zu: %s", i, err);
        cr_assert_eq(g_t.n, 0, "case %zu left entries", i);
    }
    /* a NUL byte, a line past the limit */
    const char nul[] = "rlc-gemm-table 1\nmachine m\0x\n";
    cr_assert_eq(nn_gemm_table_parse(&g_t, nul, sizeof nul - 1, "bad.txt", err, sizeof err), RL_ERR_PARSE);
    cr_assert(strstr(err, "bad.txt:2:") && strstr(err, "NUL"), "%s", err);
    static char longline[5000];
    snprintf(longline, sizeof longline, "rlc-gemm-table 1\nmachine m\n# %04900d\n", 0);
    cr_assert_eq(nn_gemm_table_parse(&g_t, longline, strlen(longline), "bad.txt", err, sizeof err), RL_ERR_PARSE);
    cr_assert(strstr(err, "bad.txt:3:") && strstr(err, "longer"), "%s", err);
}

/* more entries than a table holds, a file of many megabytes, a FIFO: errors, no crash, no hang */
Test(gemm_table, oversized_and_special_files_are_refused)
{
    char path[600], err[512];
    rlt_tmp_path(path, sizeof path, "many.txt");
    FILE *fp = fopen(path, "w");
    cr_assert(fp);
    fprintf(fp, "rlc-gemm-table 1\nmachine m\n");
    for (int i = 1; i <= NN_GEMM_TABLE_MAX + 1; i++) fprintf(fp, "shape 0 0 0 %d 8 8 8 8 8 blas - - - -\n", i);
    fclose(fp);
    cr_assert_eq(nn_gemm_table_read(&g_t, path, err, sizeof err), RL_ERR_PARSE);
    cr_assert(strstr(err, path) && strstr(err, ":515:") && strstr(err, "512"), "%s", err);
    rlt_tmp_path(path, sizeof path, "huge.txt");
    fp = fopen(path, "w");
    cr_assert(fp);
    fprintf(fp, "rlc-gemm-table 1\nmachine m\n");
    for (int i = 0; i < 40000; i++) fprintf(fp, "# padding padding padding padding padding\n");
    fclose(fp);
    cr_assert_eq(nn_gemm_table_read(&g_t, path, err, sizeof err), RL_ERR_PARSE);
    cr_assert(strstr(err, path) && strstr(err, "bytes"), "%s", err);
    rlt_tmp_path(path, sizeof path, "fifo.txt");
    cr_assert_eq(mkfifo(path, 0600), 0);
    cr_assert_eq(nn_gemm_table_read(&g_t, path, err, sizeof err), RL_ERR_IO);
    cr_assert(strstr(err, "FIFO"), "%s", err);
}

Test(gemm_table, pick_takes_another_path_only_past_the_margin)
{
    const float close[NN_GEMM_PATHS] = {10.0f, 9.6f, -1.0f, -1.0f};   /* 4% faster: OpenBLAS */
    const float gemv[NN_GEMM_PATHS] = {10.0f, 9.0f, -1.0f, 9.4f};
    const float xsmm[NN_GEMM_PATHS] = {10.0f, -1.0f, -1.0f, 5.0f};
    const float slower[NN_GEMM_PATHS] = {10.0f, 12.0f, 11.0f, 10.5f};
    cr_assert_eq(nn_gemm_pick(close, 0.05), NN_GEMM_BLAS);
    cr_assert_eq(nn_gemm_pick(close, 0.0), NN_GEMM_GEMV);
    cr_assert_eq(nn_gemm_pick(gemv, 0.05), NN_GEMM_GEMV);
    cr_assert_eq(nn_gemm_pick(xsmm, 0.05), NN_GEMM_XSMM);
    cr_assert_eq(nn_gemm_pick(slower, 0.0), NN_GEMM_BLAS);
}

/* C = A B for an outer-product shape (K of 1): the rule's path is rlc's loop; a table entry sends
 * it to OpenBLAS, and a shape with another ldc still follows the rule */
typedef struct {
    int calls;
    bool exact;   /* every C[m][n] is A[m] B[n] */
    float C[16 * 24];
} forced_job;

static void *forced_calls(void *arg)
{
    forced_job *j = arg;
    float A[16], B[16];
    for (int i = 0; i < 16; i++) A[i] = (float)i - 3.5f, B[i] = 0.25f * (float)i;
    for (int c = 0; c < j->calls; c++) nn_sgemm(false, false, 16, 16, 1, A, 1, B, 16, 0.0f, j->C, 16);
    nn_sgemm(false, false, 16, 16, 1, A, 1, B, 16, 0.0f, j->C, 24);   /* ldc 24: not in the table */
    j->exact = true;
    for (int m = 0; m < 16; m++)
        for (int n = 0; n < 16; n++) j->exact &= j->C[m * 24 + n] == A[m] * B[n];
    return NULL;
}

/* the calls per path while f(arg) runs */
static void count_calls(void *(*f)(void *), void *arg, unsigned long calls[NN_GEMM_PATHS])
{
    unsigned long before[NN_GEMM_PATHS];
    for (int p = 0; p < NN_GEMM_PATHS; p++) before[p] = nn_gemm_path_calls((nn_gemm_path)p);
    nn_gemm_count_calls(true);
    f(arg);
    nn_gemm_count_calls(false);
    for (int p = 0; p < NN_GEMM_PATHS; p++) calls[p] = nn_gemm_path_calls((nn_gemm_path)p) - before[p];
}

static void *two_threads(void *arg)
{
    forced_job *jobs = arg;
    pthread_t th;
    pthread_create(&th, NULL, forced_calls, &jobs[1]);
    forced_calls(&jobs[0]);
    pthread_join(th, NULL);
    return NULL;
}

Test(gemm_table, a_table_entry_overrides_the_rule_on_every_thread)
{
    nn_gemm_set_vec(true);
    const nn_gemm_shape s = {.ta = 0, .tb = 0, .beta1 = 0, .M = 16, .N = 16, .K = 1, .lda = 1, .ldb = 16, .ldc = 16};
    cr_assert_eq(nn_gemm_rule_path(&s), NN_GEMM_OUTER);
    unsigned long calls[NN_GEMM_PATHS];
    forced_job ruled = {.calls = 3};
    count_calls(forced_calls, &ruled, calls);
    cr_assert(ruled.exact);
    cr_assert(calls[NN_GEMM_OUTER] == 4 && calls[NN_GEMM_BLAS] == 0, "outer %lu, blas %lu", calls[NN_GEMM_OUTER],
              calls[NN_GEMM_BLAS]);
    char err[256];
    nn_gemm_table_init(&g_t, NULL);
    cr_assert_eq(nn_gemm_table_add(&g_t, &s, NN_GEMM_BLAS, NULL, err, sizeof err), RL_OK, "%s", err);
    nn_gemm_table_use(&g_t);
    cr_assert(strstr(nn_gemm_library(), " + table "), "%s", nn_gemm_library());
    forced_job jobs[2] = {{.calls = 5}, {.calls = 7}};
    count_calls(two_threads, jobs, calls);
    nn_gemm_table_use(NULL);
    cr_assert(jobs[0].exact && jobs[1].exact);
    cr_assert_eq(calls[NN_GEMM_BLAS], 12, "%lu OpenBLAS calls: the table's path", calls[NN_GEMM_BLAS]);
    cr_assert_eq(calls[NN_GEMM_OUTER], 2, "%lu on the loop: the shape not in the table follows the rule",
                 calls[NN_GEMM_OUTER]);
    cr_assert_null(strstr(nn_gemm_library(), " + table "));
}

/* ---- training ------------------------------------------------------------------------------ */

static const char *const g_short[] = {"total_steps=1024", "log.log_interval=256", "log.eval_episodes=2",
                                      "ppo.num_steps=64"};

/* a table that sends the PPO value head's input gradient (128 x 64 x 1: an outer product) to
 * OpenBLAS instead of the rule's loop, and the hidden layers' forward pass (128 x 64 x 64) to
 * OpenBLAS as the rule does */
static const char g_ppo_lines[] = "shape 0 0 0 64 64 1 1 64 64 blas - - - -\n"
                                  "shape 0 1 1 64 64 64 64 64 64 blas - - - -\n";

static char *meta_of(const char *ckpt, const char *key)
{
    nn_safetensors *f = NULL;
    char err[512];
    cr_assert_eq(nn_safetensors_open(&f, ckpt, err, sizeof err), RL_OK, "%s", err);
    const char *v = nn_safetensors_meta(f, key);
    char *copy = v ? strdup(v) : NULL;
    nn_safetensors_close(f);
    return copy;
}

static void file_in(char *out, size_t sz, const char *dir, const char *name)
{
    snprintf(out, sz, "%s/%s", dir, name);
}

Test(gemm_table, runs_with_one_table_are_identical_and_record_it)
{
    char text[2048], cache[800], err[1024], note[1024], dirs[2][600], path[700];
    temp_cache(cache, sizeof cache);
    table_text(text, sizeof text, g_ppo_lines);
    cr_assert_eq(rl_write_atomic(cache, text, err, sizeof err), RL_OK, "%s", err);
    unsetenv("RLC_GEMM");
    unsigned long outer[2];
    for (int r = 0; r < 2; r++) {
        rlt_tmp_dir(dirs[r], sizeof dirs[r], "run");
        cr_assert_eq(trainer_gemm_table_pick(dirs[r], false, &g_t, note, sizeof note, err, sizeof err), RL_OK, "%s", err);
        cr_assert_eq(nn_gemm_table_in_use(), &g_t);
        cr_assert_str_empty(note);
        unsigned long o0 = nn_gemm_path_calls(NN_GEMM_OUTER);
        nn_gemm_count_calls(true);
        rlt_train(PPO, dirs[r], g_short, 4, false);
        nn_gemm_count_calls(false);
        outer[r] = nn_gemm_path_calls(NN_GEMM_OUTER) - o0;
    }
    char id[24];
    nn_gemm_table_id(&g_t, id, sizeof id);
    nn_gemm_table_use(NULL);
    cr_assert_eq(outer[0], 0, "the table sends the outer products to OpenBLAS: %lu on the loop", outer[0]);
    const char *files[] = {"metrics.csv", "eval.csv", "checkpoint.safetensors", NN_GEMM_TABLE_FILE};
    for (int i = 0; i < 4; i++) {
        char p0[700], p1[700];
        long n0, n1;
        file_in(p0, sizeof p0, dirs[0], files[i]);
        file_in(p1, sizeof p1, dirs[1], files[i]);
        char *a = rlt_read_file_len(p0, &n0), *b = rlt_read_file_len(p1, &n1);
        cr_assert(n0 == n1 && memcmp(a, b, (size_t)n0) == 0, "%s differs between the two runs", files[i]);
        free(a), free(b);
    }
    file_in(path, sizeof path, dirs[0], "checkpoint.safetensors");
    char *tid = meta_of(path, "rlc.gemm_table"), *gemm = meta_of(path, "rlc.gemm");
    cr_assert(tid && strcmp(tid, id) == 0, "rlc.gemm_table %s, the table %s", tid ? tid : "(none)", id);
    cr_assert(gemm && strstr(gemm, id), "rlc.gemm: %s", gemm ? gemm : "(none)");
    free(tid), free(gemm);
    file_in(path, sizeof path, dirs[0], NN_GEMM_TABLE_FILE);
    cr_assert_eq(nn_gemm_table_read(&g_u, path, err, sizeof err), RL_OK, "%s", err);
    char id2[24];
    nn_gemm_table_id(&g_u, id2, sizeof id2);
    cr_assert_str_eq(id, id2);
}

Test(gemm_table, without_a_table_nothing_is_recorded_and_the_rule_runs)
{
    char cache[800], err[1024], note[1024], dir[600], path[700];
    temp_cache(cache, sizeof cache);   /* empty */
    rlt_tmp_dir(dir, sizeof dir, "run");
    cr_assert_eq(trainer_gemm_table_pick(dir, false, &g_t, note, sizeof note, err, sizeof err), RL_OK, "%s", err);
    cr_assert_null(nn_gemm_table_in_use());
    unsigned long o0 = nn_gemm_path_calls(NN_GEMM_OUTER);
    nn_gemm_count_calls(true);
    rlt_train(PPO, dir, g_short, 4, false);
    nn_gemm_count_calls(false);
    cr_assert_gt(nn_gemm_path_calls(NN_GEMM_OUTER) - o0, 0, "the rule's outer-product loop ran");
    file_in(path, sizeof path, dir, NN_GEMM_TABLE_FILE);
    cr_assert_not(rl_path_exists(path));
    file_in(path, sizeof path, dir, "checkpoint.safetensors");
    char *tid = meta_of(path, "rlc.gemm_table");
    cr_assert_null(tid, "rlc.gemm_table %s without a table", tid);
}

/* rlc train --resume with another table in the cache by then: the run's own copy is used */
Test(gemm_table, resume_keeps_the_runs_table)
{
    char text[2048], cache[800], err[1024], dir[600], path[700], out[8192];
    temp_cache(cache, sizeof cache);
    table_text(text, sizeof text, g_ppo_lines);
    cr_assert_eq(rl_write_atomic(cache, text, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(nn_gemm_table_parse(&g_u, text, strlen(text), "t", err, sizeof err), RL_OK, "%s", err);
    char first[24];
    nn_gemm_table_id(&g_u, first, sizeof first);
    rlt_tmp_dir(dir, sizeof dir, "run");
    const char *train[] = {"train", PPO, "--quiet", "--run-dir", dir, "--set", "total_steps=512", "--set",
                           "ppo.num_steps=64", "--set", "log.eval_episodes=1", NULL};
    int ws = rlt_run_rlc_guarded(train, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s", out);
    cr_assert(strstr(out, first), "the banner names table %s: %s", first, out);
    table_text(text, sizeof text, "shape 0 0 0 64 64 1 1 64 64 outer - - - -\n");   /* the cache changes */
    cr_assert_eq(rl_write_atomic(cache, text, err, sizeof err), RL_OK, "%s", err);
    const char *resume[] = {"train", "--resume", dir, "--quiet", "--set", "total_steps=1024", NULL};
    ws = rlt_run_rlc_guarded(resume, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s", out);
    file_in(path, sizeof path, dir, "checkpoint.safetensors");
    cr_assert_eq(rlt_checkpoint_step(path), 1024);
    char *tid = meta_of(path, "rlc.gemm_table");
    cr_assert(tid && strcmp(tid, first) == 0, "resumed with table %s, the run's is %s", tid ? tid : "(none)", first);
    free(tid);
    /* the run's copy replaced by another table, or removed: the rule, and a warning */
    char note[2048], copy[700];
    file_in(copy, sizeof copy, dir, NN_GEMM_TABLE_FILE);
    cr_assert_eq(rl_write_atomic(copy, text, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(trainer_gemm_table_pick(dir, true, &g_t, note, sizeof note, err, sizeof err), RL_OK, "%s", err);
    cr_assert(!nn_gemm_table_in_use() && strstr(note, copy) && strstr(note, first), "%s", note);
    cr_assert_eq(remove(copy), 0);
    cr_assert_eq(trainer_gemm_table_pick(dir, true, &g_t, note, sizeof note, err, sizeof err), RL_OK, "%s", err);
    cr_assert(!nn_gemm_table_in_use() && strstr(note, "missing") && strstr(note, first), "%s", note);
}

Test(gemm_table, a_table_of_another_machine_or_a_broken_cache_is_reported)
{
    char cache[800], err[1024], note[1024], dir[600], path[700];
    temp_cache(cache, sizeof cache);
    rlt_tmp_mkdir(dir, sizeof dir, "run");
    file_in(path, sizeof path, dir, NN_GEMM_TABLE_FILE);
    cr_assert_eq(rl_write_atomic(path, "rlc-gemm-table 1\nmachine cpu=elsewhere\n", err, sizeof err), RL_OK);
    unsetenv("RLC_GEMM");
    cr_assert_eq(trainer_gemm_table_pick(dir, true, &g_t, note, sizeof note, err, sizeof err), RL_OK, "%s", err);
    cr_assert_null(nn_gemm_table_in_use());
    cr_assert(strstr(note, path) && strstr(note, "another machine") && strstr(note, "cpu=elsewhere"), "%s", note);
    cr_assert_eq(rl_write_atomic(cache, "rlc-gemm-table 1\nmachine m\nshape 1 2\n", err, sizeof err), RL_OK);
    cr_assert_eq(trainer_gemm_table_pick(dir, false, &g_t, note, sizeof note, err, sizeof err), RL_ERR_PARSE);
    cr_assert(strstr(err, cache) && strstr(err, ":3:") && strstr(err, "rlc calibrate"), "%s", err);
    setenv("RLC_GEMM", "rule", 1);   /* ignores the cache, broken or not */
    cr_assert_eq(trainer_gemm_table_pick(dir, false, &g_t, note, sizeof note, err, sizeof err), RL_OK, "%s", err);
    cr_assert_null(nn_gemm_table_in_use());
    unsetenv("RLC_GEMM");
}

/* `rlc calibrate`: bad arguments, a config's shapes measured into --out (nothing in the cache), the
 * default grid into the cache, --show; no assertion depends on which path measured faster */
Test(gemm_table, calibrate_command)
{
    char cache[800], out[65536], file[600], err[1024];
    temp_cache(cache, sizeof cache);
    const char *bad[][4] = {{"calibrate", "--rounds", "0", NULL}, {"calibrate", "--margin", "x", NULL},
                            {"calibrate", "--bogus", NULL, NULL}, {"calibrate", "--show", PPO, NULL}};
    const char *why[] = {"--rounds", "--margin", "--bogus", "--show"};
    for (int i = 0; i < 4; i++) {
        int ws = rlt_run_rlc_guarded(bad[i], out, sizeof out, NULL);
        cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 2 && strstr(out, why[i]), "case %d: %s", i, out);
    }
    rlt_tmp_path(file, sizeof file, "table.txt");
    const char *cal[] = {"calibrate", PPO, "--set", "ppo.num_steps=16", "--rounds", "1", "--out", file, NULL};
    int ws = rlt_run_rlc_guarded(cal, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s", out);
    cr_assert(strstr(out, "ppo_cartpole.yaml") && strstr(out, "vs blas") && strstr(out, file), "%s", out);
    cr_assert_not(rl_path_exists(cache), "--out wrote the cache too");
    cr_assert_eq(nn_gemm_table_read(&g_t, file, err, sizeof err), RL_OK, "%s", err);
    const nn_gemm_shape act = {.ta = 0, .tb = 1, .beta1 = 1, .M = 4, .N = 64, .K = 4, .lda = 4, .ldb = 4, .ldc = 64};
    cr_assert_geq(nn_gemm_table_index(&g_t, &act), 0, "the first layer's forward pass on 4 envs is missing");
    for (int i = 0; i < g_t.n; i++) {
        const nn_gemm_entry *e = &g_t.e[i];
        cr_assert(e->us[NN_GEMM_BLAS] >= 0 && e->us[e->path] <= e->us[NN_GEMM_BLAS], "entry %d: %s at %g us, "
                  "OpenBLAS %g us", i, nn_gemm_path_name(e->path), e->us[e->path], e->us[NN_GEMM_BLAS]);
    }
    const char *grid[] = {"calibrate", "--rounds", "1", NULL};
    ws = rlt_run_rlc_guarded(grid, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && strstr(out, "default grid"), "%s", out);
    cr_assert_eq(nn_gemm_table_read(&g_u, cache, err, sizeof err), RL_OK, "%s", err);
    cr_assert_gt(g_u.n, 50);
    const char *show[] = {"calibrate", "--show", NULL};
    ws = rlt_run_rlc_guarded(show, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && strstr(out, cache) && strstr(out, "shapes"), "%s", out);
    cr_assert_eq(rl_write_atomic(cache, "rlc-gemm-table 1\nmachine m\nshape 1\n", err, sizeof err), RL_OK);
    ws = rlt_run_rlc_guarded(show, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 1 && strstr(out, cache) && strstr(out, ":3:"), "%s", out);
}
