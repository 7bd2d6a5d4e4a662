/* rlc tests: safetensors checkpoints (nn/safetensors.c) — round trip of tensors and metadata,
 * the byte layout, every refusal of a damaged or mismatched file (truncation, header length,
 * JSON, offsets, dtype, names, shapes) with a message naming the file, and atomic saving (a
 * failed save leaves an existing checkpoint untouched). Then what a run directory may hold
 * instead of a checkpoint, with real processes: a 3 GiB sparse file is refused by its header
 * (the child's peak memory stays small), and a FIFO in place of checkpoint.safetensors,
 * replay.safetensors or best.safetensors makes `rlc eval` and `rlc train --resume` stop with
 * "not a regular file" instead of blocking. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn/nn.h"
#include "tests/helpers/testutil.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static char g_dir[256];

/* (removed with the test's directory when the test passes: tests/helpers/tmp.c) */
static void make_dir(void)
{
    rlt_tmp_mkdir(g_dir, sizeof g_dir, "ckpt");
}

TestSuite(checkpoint, .init = make_dir);

static void path_in_dir(char *out, size_t out_sz, const char *name)
{
    snprintf(out, out_sz, "%s/%s", g_dir, name);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void write_all(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

/* A file made of an explicit header string (length written as given, or header's own length
 * when hlen == UINT64_MAX) followed by data bytes. */
static void write_raw(const char *path, uint64_t hlen, const char *header, const void *data,
                      size_t data_len)
{
    size_t n = strlen(header);
    if (hlen == UINT64_MAX) hlen = n;
    unsigned char *buf = malloc(8 + n + data_len);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(hlen >> (8 * i));
    memcpy(buf + 8, header, n);
    if (data_len) memcpy(buf + 8 + n, data, data_len);
    write_all(path, buf, 8 + n + data_len);
    free(buf);
}

/* Opening path must fail with RL_ERR_FORMAT and a message naming the file and containing
 * every non-NULL needle. */
static void expect_open_format_error(const char *path, const char *needle1, const char *needle2)
{
    nn_safetensors *f = (nn_safetensors *)0x1;
    char err[512] = "";
    rl_status st = nn_safetensors_open(&f, path, err, sizeof err);
    cr_assert_eq(st, RL_ERR_FORMAT, "%s: expected a format error, got %s (%s)", path,
                 rl_status_str(st), err);
    cr_assert_null(f);
    cr_assert(strstr(err, path) != NULL, "message does not name the file: %s", err);
    if (needle1) cr_assert(strstr(err, needle1) != NULL, "message lacks '%s': %s", needle1, err);
    if (needle2) cr_assert(strstr(err, needle2) != NULL, "message lacks '%s': %s", needle2, err);
}

/* the three tensors most tests save: a weight, a bias and a 3-d block */
typedef struct {
    float w[3 * 4], b[4], blk[2 * 3 * 2], s[1];
    nn_tensor t[4];
} sample;

static void sample_make(sample *s)
{
    for (int i = 0; i < 12; i++) s->w[i] = 0.25f * (float)i - 1.0f;
    for (int i = 0; i < 4; i++) s->b[i] = 1e-3f * (float)(i + 1);
    for (int i = 0; i < 12; i++) s->blk[i] = sinf((float)i) * 1e6f;
    s->blk[5] = -0.0f;
    s->blk[7] = INFINITY;
    s->s[0] = 3.5f;
    s->t[0] = (nn_tensor){"policy.0.weight", s->w, 2, {3, 4}};
    s->t[1] = (nn_tensor){"policy.0.bias", s->b, 1, {4}};
    s->t[2] = (nn_tensor){"block", s->blk, 3, {2, 3, 2}};
    s->t[3] = (nn_tensor){"scalar", s->s, 0, {0}};
}

static void save_sample(const char *path)
{
    sample s;
    sample_make(&s);
    nn_meta meta[2] = {{"format", "rlc"}, {"step", "12345"}};
    char err[512] = "";
    cr_assert_eq(nn_safetensors_save(path, s.t, 4, meta, 2, err, sizeof err), RL_OK, "%s", err);
}

/* ---- round trip and layout ---------------------------------------------------------------- */

Test(checkpoint, round_trip_values_and_metadata)
{
    char path[512];
    path_in_dir(path, sizeof path, "ok.safetensors");
    save_sample(path);

    sample want, got;
    sample_make(&want);
    sample_make(&got);
    memset(got.w, 0, sizeof got.w);
    memset(got.b, 0, sizeof got.b);
    memset(got.blk, 0, sizeof got.blk);
    got.s[0] = 0.0f;

    nn_safetensors *f = NULL;
    char err[512] = "";
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    // read in a different order than saved
    for (int i = 3; i >= 0; i--)
        cr_assert_eq(nn_safetensors_read(f, &got.t[i], err, sizeof err), RL_OK, "%s", err);
    cr_assert(memcmp(got.w, want.w, sizeof want.w) == 0);
    cr_assert(memcmp(got.b, want.b, sizeof want.b) == 0);
    cr_assert(memcmp(got.blk, want.blk, sizeof want.blk) == 0, "bit-identical, -0 and inf kept");
    cr_assert(memcmp(got.s, want.s, sizeof want.s) == 0);
    cr_assert_str_eq(nn_safetensors_meta(f, "format"), "rlc");
    cr_assert_str_eq(nn_safetensors_meta(f, "step"), "12345");
    cr_assert_null(nn_safetensors_meta(f, "missing"));
    nn_safetensors_close(f);
    nn_safetensors_close(NULL);

    // no temporary file is left behind
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    cr_assert_neq(access(tmp, F_OK), 0, "%s left behind", tmp);
}

Test(checkpoint, byte_layout_is_safetensors)
{
    char path[512];
    path_in_dir(path, sizeof path, "layout.safetensors");
    save_sample(path);
    size_t len;
    unsigned char *buf = read_all(path, &len);
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)buf[i] << (8 * i);
    cr_assert_eq(n % 8, 0, "header padded to a multiple of 8 bytes, got %llu",
                 (unsigned long long)n);
    cr_assert_eq(buf[8], '{');
    size_t numel = 12 + 4 + 12 + 1;
    cr_assert_eq(len, 8 + n + 4 * numel, "file is header + raw F32 data, nothing else");

    cJSON *h = cJSON_ParseWithLength((const char *)buf + 8, (size_t)n);
    cr_assert_not_null(h);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(h, "policy.0.weight");
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(w, "dtype")->valuestring, "F32");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(w, "shape");
    cr_assert_eq(cJSON_GetArraySize(shape), 2);
    cr_assert_eq(cJSON_GetArrayItem(shape, 0)->valueint, 3);
    cr_assert_eq(cJSON_GetArrayItem(shape, 1)->valueint, 4);
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(w, "data_offsets");
    cr_assert_eq(cJSON_GetArrayItem(off, 0)->valueint, 0);
    cr_assert_eq(cJSON_GetArrayItem(off, 1)->valueint, 48);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(h, "policy.0.bias");
    off = cJSON_GetObjectItemCaseSensitive(b, "data_offsets");
    cr_assert_eq(cJSON_GetArrayItem(off, 0)->valueint, 48);
    cr_assert_eq(cJSON_GetArrayItem(off, 1)->valueint, 64);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(h, "scalar");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sc, "shape")), 0);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(h, "__metadata__");
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(meta, "step")->valuestring, "12345");
    // the raw data: the weight's first floats, little-endian
    float first;
    memcpy(&first, buf + 8 + n, 4);
    cr_assert_eq(first, -1.0f);
    cJSON_Delete(h);
    free(buf);
}

Test(checkpoint, reads_foreign_layout)
{
    /* written by hand the way other writers may: metadata last, keys not in offset order,
     * whitespace in the header, no padding */
    char path[512];
    path_in_dir(path, sizeof path, "foreign.safetensors");
    float data[5] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
    write_raw(path, UINT64_MAX,
              "{ \"b\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [8, 20]},\n"
              "  \"a\": {\"dtype\": \"F32\", \"shape\": [1, 2], \"data_offsets\": [0, 8]},\n"
              "  \"__metadata__\": {\"k\": \"v\"} }",
              data, sizeof data);
    nn_safetensors *f;
    char err[512] = "";
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    float a[2], b[3];
    nn_tensor ta = {"a", a, 2, {1, 2}}, tb = {"b", b, 1, {3}};
    cr_assert_eq(nn_safetensors_read(f, &ta, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(nn_safetensors_read(f, &tb, err, sizeof err), RL_OK, "%s", err);
    cr_assert(a[0] == 1.0f && a[1] == 2.0f && b[0] == 3.0f && b[2] == 5.0f);
    cr_assert_str_eq(nn_safetensors_meta(f, "k"), "v");
    nn_safetensors_close(f);
}

Test(checkpoint, save_overwrites_existing_file)
{
    char path[512];
    path_in_dir(path, sizeof path, "over.safetensors");
    save_sample(path);
    float x[2] = {7.0f, 8.0f}, y[2] = {0};
    nn_tensor t = {"x", x, 1, {2}};
    char err[512] = "";
    cr_assert_eq(nn_safetensors_save(path, &t, 1, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors *f;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    t.data = y;
    cr_assert_eq(nn_safetensors_read(f, &t, err, sizeof err), RL_OK, "%s", err);
    cr_assert(y[0] == 7.0f && y[1] == 8.0f);
    cr_assert_null(nn_safetensors_meta(f, "format"));
    nn_tensor old = {"policy.0.bias", y, 1, {4}};
    cr_assert_eq(nn_safetensors_read(f, &old, err, sizeof err), RL_ERR_FORMAT);
    nn_safetensors_close(f);
}

/* ---- refusals ----------------------------------------------------------------------------- */

Test(checkpoint, a_bad_integer_metadata_names_the_file)
{
    char path[512], err[512] = "";
    path_in_dir(path, sizeof path, "meta.safetensors");
    float x[1] = {1.0f};
    nn_tensor t = {"x", x, 1, {1}};
    nn_meta meta[] = {{"step", "-3"}};
    cr_assert_eq(nn_safetensors_save(path, &t, 1, meta, 1, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors *f;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    unsigned long long v;
    cr_assert_eq(nn_safetensors_meta_u64(f, "step", &v, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, path) && strstr(err, "'step' is not a number"), "%s", err);
    cr_assert_eq(nn_safetensors_meta_u64(f, "total", &v, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, path) && strstr(err, "'total' missing"), "%s", err);
    nn_safetensors_close(f);
}

Test(checkpoint, missing_file_is_io_error)
{
    char path[512];
    path_in_dir(path, sizeof path, "nope.safetensors");
    nn_safetensors *f;
    char err[512] = "";
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_ERR_IO);
    cr_assert_null(f);
    cr_assert(strstr(err, path) != NULL, "%s", err);
}

Test(checkpoint, truncated_files_refused)
{
    char path[512], cut[512];
    path_in_dir(path, sizeof path, "full.safetensors");
    path_in_dir(cut, sizeof cut, "cut.safetensors");
    save_sample(path);
    size_t len;
    unsigned char *buf = read_all(path, &len);
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)buf[i] << (8 * i);

    // shorter than the 8-byte length
    for (size_t keep = 0; keep < 8; keep += 3) {
        write_all(cut, buf, keep);
        expect_open_format_error(cut, "too short", NULL);
    }
    // inside the header
    write_all(cut, buf, 8 + (size_t)n / 2);
    expect_open_format_error(cut, "header length", NULL);
    // inside the data: the last tensor's offsets run past the end
    write_all(cut, buf, len - 1);
    expect_open_format_error(cut, "out of range", NULL);
    write_all(cut, buf, 8 + (size_t)n);
    expect_open_format_error(cut, "out of range", NULL);
    // one byte too many is refused as well (the tensors must tile the data exactly)
    unsigned char *more = malloc(len + 4);
    memcpy(more, buf, len);
    memset(more + len, 0, 4);
    write_all(cut, more, len + 4);
    expect_open_format_error(cut, "cover", NULL);
    free(more);
    free(buf);
}

Test(checkpoint, corrupted_header_length_refused)
{
    char path[512], bad[512];
    path_in_dir(path, sizeof path, "good.safetensors");
    path_in_dir(bad, sizeof bad, "badlen.safetensors");
    save_sample(path);
    size_t len;
    unsigned char *buf = read_all(path, &len);

    // far beyond the file
    buf[5] = 0x7f;
    write_all(bad, buf, len);
    expect_open_format_error(bad, "header length", "exceeds");
    buf[5] = 0;
    // all ones (would overflow naive size arithmetic)
    unsigned char save[8];
    memcpy(save, buf, 8);
    memset(buf, 0xff, 8);
    write_all(bad, buf, len);
    expect_open_format_error(bad, "header length", NULL);
    memcpy(buf, save, 8);
    // shorter than the real header: the JSON is cut
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)buf[i] << (8 * i);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((n - 16) >> (8 * i));
    write_all(bad, buf, len);
    expect_open_format_error(bad, "JSON", NULL);
    // zero
    memset(buf, 0, 8);
    write_all(bad, buf, len);
    expect_open_format_error(bad, "JSON", NULL);
    free(buf);
}

Test(checkpoint, garbage_json_refused)
{
    char path[512];
    path_in_dir(path, sizeof path, "garbage.safetensors");
    write_raw(path, UINT64_MAX, "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], ", NULL, 0);
    expect_open_format_error(path, "JSON", NULL);
    write_raw(path, UINT64_MAX, "not json at all", NULL, 0);
    expect_open_format_error(path, "JSON", NULL);
    write_raw(path, UINT64_MAX, "[1, 2, 3]", NULL, 0);
    expect_open_format_error(path, "JSON", NULL);
    write_raw(path, UINT64_MAX, "{} trailing", NULL, 0);
    expect_open_format_error(path, "after the JSON header", NULL);
    write_raw(path, UINT64_MAX, "{\"a\": 3}", NULL, 0);
    expect_open_format_error(path, "'a'", NULL);
    write_raw(path, UINT64_MAX, "{\"a\": {\"dtype\": \"F32\"}}", NULL, 0);
    expect_open_format_error(path, "data_offsets", NULL);
    write_raw(path, UINT64_MAX, "{\"__metadata__\": {\"k\": 1}}", NULL, 0);
    expect_open_format_error(path, "metadata", NULL);
    write_raw(path, UINT64_MAX,
              "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}",
              "\0\0\0\0", 4);
    expect_open_format_error(path, "shape", NULL);
    write_raw(path, UINT64_MAX,
              "{\"a\": {\"dtype\": \"Q7\", \"shape\": [1], \"data_offsets\": [0, 4]}}",
              "\0\0\0\0", 4);
    expect_open_format_error(path, "dtype", "Q7");
}

Test(checkpoint, bad_offsets_refused)
{
    char path[512];
    path_in_dir(path, sizeof path, "offsets.safetensors");
    float data[4] = {1, 2, 3, 4};
    // overlapping
    write_raw(path, UINT64_MAX,
              "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
              " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
              data, 16);
    expect_open_format_error(path, "overlap", "'b'");
    // out of range
    write_raw(path, UINT64_MAX,
              "{\"a\": {\"dtype\": \"F32\", \"shape\": [8], \"data_offsets\": [0, 32]}}", data,
              16);
    expect_open_format_error(path, "out of range", "'a'");
    // size does not match dtype * shape
    write_raw(path, UINT64_MAX,
              "{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 16]}}", data,
              16);
    expect_open_format_error(path, "'a'", "need 12");
    // end before begin
    write_raw(path, UINT64_MAX,
              "{\"a\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 4]}}", data, 16);
    expect_open_format_error(path, "'a'", "end before begin");
    // a gap between tensors
    write_raw(path, UINT64_MAX,
              "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
              " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}",
              data, 16);
    expect_open_format_error(path, "gap", "'b'");
    // the same name twice
    write_raw(path, UINT64_MAX,
              "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
              " \"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}",
              data, 16);
    expect_open_format_error(path, "'a'", "twice");
}

Test(checkpoint, wrong_dtype_name_and_shape_refused)
{
    char path[512];
    path_in_dir(path, sizeof path, "mismatch.safetensors");
    // a valid file with one F64 tensor and one F32 tensor
    double d[2] = {1.0, 2.0};
    unsigned char data[16 + 12];
    memcpy(data, d, 16);
    float fl[3] = {1, 2, 3};
    memcpy(data + 16, fl, 12);
    write_raw(path, UINT64_MAX,
              "{\"d\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0, 16]},"
              " \"f\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [16, 28]}}",
              data, sizeof data);
    nn_safetensors *f;
    char err[512] = "";
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    float out[8] = {0};

    nn_tensor td = {"d", out, 1, {2}};
    cr_assert_eq(nn_safetensors_read(f, &td, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, "F64") && strstr(err, "'d'") && strstr(err, path), "%s", err);

    nn_tensor tm = {"missing.weight", out, 1, {3}};
    cr_assert_eq(nn_safetensors_read(f, &tm, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, "'missing.weight'") && strstr(err, "not found") && strstr(err, path),
              "%s", err);

    nn_tensor ts = {"f", out, 2, {1, 3}};
    cr_assert_eq(nn_safetensors_read(f, &ts, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, "'f'") && strstr(err, "expected shape [1, 3]") &&
                  strstr(err, "found [3]") && strstr(err, path),
              "%s", err);
    nn_tensor ts2 = {"f", out, 1, {4}};
    cr_assert_eq(nn_safetensors_read(f, &ts2, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, "expected shape [4], found [3]"), "%s", err);
    // nothing was written by the refused reads
    for (int i = 0; i < 8; i++) cr_assert_eq(out[i], 0.0f);

    nn_tensor ok = {"f", out, 1, {3}};
    cr_assert_eq(nn_safetensors_read(f, &ok, err, sizeof err), RL_OK, "%s", err);
    cr_assert(out[0] == 1.0f && out[2] == 3.0f && out[3] == 0.0f);
    nn_safetensors_close(f);
}

/* ---- atomic save -------------------------------------------------------------------------- */

Test(checkpoint, failed_save_leaves_existing_file_intact)
{
    char path[512], tmp[600];
    path_in_dir(path, sizeof path, "keep.safetensors");
    save_sample(path);
    size_t len0;
    unsigned char *before = read_all(path, &len0);

    float x[3] = {9, 9, 9};
    nn_tensor t = {"policy.0.bias", x, 1, {3}};
    char err[512] = "";

    // the temporary file cannot be created (a directory sits at <path>.tmp)
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    cr_assert_eq(mkdir(tmp, 0700), 0);
    rl_status st = nn_safetensors_save(path, &t, 1, NULL, 0, err, sizeof err);
    cr_assert_eq(st, RL_ERR_IO, "got %s", rl_status_str(st));
    cr_assert(strstr(err, path) != NULL, "%s", err);
    rmdir(tmp);

    // invalid requests are refused before anything is written
    nn_tensor dup[2] = {{"a", x, 1, {3}}, {"a", x, 1, {3}}};
    cr_assert_eq(nn_safetensors_save(path, dup, 2, NULL, 0, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "'a'") != NULL, "%s", err);
    nn_tensor nodata = {"a", NULL, 1, {3}};
    cr_assert_eq(nn_safetensors_save(path, &nodata, 1, NULL, 0, err, sizeof err), RL_ERR_ARG);
    nn_tensor toomany = {"a", x, 5, {1, 1, 1, 1}};
    cr_assert_eq(nn_safetensors_save(path, &toomany, 1, NULL, 0, err, sizeof err), RL_ERR_ARG);

    // a directory that does not exist: the .tmp cannot be created
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no/such/dir.safetensors", g_dir);
    cr_assert_eq(nn_safetensors_save(missing, &t, 1, NULL, 0, err, sizeof err), RL_ERR_IO);

    size_t len1;
    unsigned char *after = read_all(path, &len1);
    cr_assert_eq(len1, len0);
    cr_assert(memcmp(before, after, len0) == 0, "existing checkpoint was modified");
    cr_assert_neq(access(tmp, F_OK), 0, "temporary file left behind");
    free(before);
    free(after);

    // and it still loads
    nn_safetensors *f;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(nn_safetensors_meta(f, "format"), "rlc");
    nn_safetensors_close(f);
}

Test(checkpoint, failed_write_removes_temporary)
{
    /* writing fails half-way when the file system is full: /dev/full stands in for it through
     * a symlink at <path>.tmp (fopen "wb" follows it; every write fails with ENOSPC) */
    if (access("/dev/full", W_OK) != 0) cr_skip_test("no /dev/full");
    char path[512], tmp[600];
    path_in_dir(path, sizeof path, "full.safetensors");
    save_sample(path);
    size_t len0;
    unsigned char *before = read_all(path, &len0);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    cr_assert_eq(symlink("/dev/full", tmp), 0);
    float x[1024] = {0};
    nn_tensor t = {"big", x, 1, {1024}};
    char err[512] = "";
    cr_assert_eq(nn_safetensors_save(path, &t, 1, NULL, 0, err, sizeof err), RL_ERR_IO);
    cr_assert(strstr(err, path) != NULL, "%s", err);
    struct stat sb;
    cr_assert_neq(lstat(tmp, &sb), 0, "temporary link left behind");
    size_t len1;
    unsigned char *after = read_all(path, &len1);
    cr_assert(len1 == len0 && memcmp(before, after, len0) == 0, "existing checkpoint modified");
    free(before);
    free(after);
}

/* ---- an MLP checkpoint: save, load into a fresh network, same outputs ---------------------- */

Test(checkpoint, mlp_round_trip)
{
    char path[512];
    path_in_dir(path, sizeof path, "mlp.safetensors");
    static float p1[2048], p2[2048], cache1[4096], cache2[4096];
    nn_mlp a, b;
    int hidden[2] = {16, 8};
    nn_mlp_shape(&a, 5, hidden, 2, 3, NN_ACT_TANH, NN_ACT_NONE);
    b = a;
    nn_mlp_bind(&a, p1, NULL);
    nn_mlp_bind(&b, p2, NULL);
    rl_rng rng;
    rl_rng_seed(&rng, 77, 0);
    float gains[3] = {1.41f, 1.41f, 0.01f};
    nn_mlp_init_orthogonal(&a, gains, &rng);
    for (size_t i = 0; i < a.n_params; i++) p1[i] += 0.01f * (float)i;

    // torch nn.Sequential naming: layers 0, 2, 4 are the Linear modules
    nn_tensor ta[6], tb[6];
    char names[6][32];
    for (int l = 0; l < a.n_layers; l++) {
        int I = a.sizes[l], O = a.sizes[l + 1];
        snprintf(names[2 * l], 32, "%d.weight", 2 * l);
        snprintf(names[2 * l + 1], 32, "%d.bias", 2 * l);
        ta[2 * l] = (nn_tensor){names[2 * l], a.w[l], 2, {O, I}};
        ta[2 * l + 1] = (nn_tensor){names[2 * l + 1], a.b[l], 1, {O}};
        tb[2 * l] = (nn_tensor){names[2 * l], b.w[l], 2, {O, I}};
        tb[2 * l + 1] = (nn_tensor){names[2 * l + 1], b.b[l], 1, {O}};
    }
    char err[512] = "";
    nn_meta meta[1] = {{"arch", "5-16-8-3 tanh"}};
    cr_assert_eq(nn_safetensors_save(path, ta, 6, meta, 1, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors *f;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(nn_safetensors_read(f, &tb[i], err, sizeof err), RL_OK, "%s", err);
    nn_safetensors_close(f);
    cr_assert(memcmp(p1, p2, a.n_params * sizeof(float)) == 0);

    nn_mlp_cache c1, c2;
    nn_mlp_cache_bind(&c1, &a, cache1, 2);
    nn_mlp_cache_bind(&c2, &b, cache2, 2);
    float inp[10] = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 1, 2, 3, 4, 5};
    const float *o1 = nn_mlp_forward(&c1, &a, inp, 2), *o2 = nn_mlp_forward(&c2, &b, inp, 2);
    cr_assert(memcmp(o1, o2, 6 * sizeof(float)) == 0);
}

Test(checkpoint, metadata_integers)
{
    char path[256], err[256];
    rlt_tmp_path(path, sizeof path, "meta_u64.safetensors");
    float x[2] = {1.0f, 2.0f};
    nn_tensor t = {"x", x, 1, {2}};
    nn_meta m[] = {{"steps", "123456789012"}, {"word", "12abc"}, {"neg", "-3"}};
    cr_assert_eq(nn_safetensors_save(path, &t, 1, m, 3, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors *f = NULL;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    unsigned long long v = 7;
    cr_assert_eq(nn_safetensors_meta_u64(f, "steps", &v, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(v, 123456789012ULL);
    v = 7;
    cr_assert_eq(nn_safetensors_meta_u64(f, "word", &v, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, "word") != NULL, "%s", err);
    cr_assert_eq(nn_safetensors_meta_u64(f, "neg", &v, err, sizeof err), RL_ERR_FORMAT);
    cr_assert_eq(nn_safetensors_meta_u64(f, "absent", &v, err, sizeof err), RL_ERR_FORMAT);
    cr_assert(strstr(err, "absent") && strstr(err, "missing"), "%s", err);
    cr_assert_eq(v, 7u, "a failed read leaves the output untouched");
    nn_safetensors_close(f);
    remove(path);
}

/* ---- what a run directory may hold instead of a checkpoint --------------------------------- */

/* A file of `size` bytes, sparse past a header of hlen bytes (header's own length when
 * UINT64_MAX) and data_len data bytes: it takes no disk and no memory unless read. */
static void write_sparse(const char *path, uint64_t hlen, const char *header, size_t data_len, off_t size)
{
    unsigned char zeros[64] = {0};
    write_raw(path, hlen, header, zeros, data_len);
    cr_assert_eq(truncate(path, size), 0, "%s: %s", path, strerror(errno));
}

#define GIB3 ((off_t)3 << 30)
#define SMALL_RSS_KB (256 * 1024)   /* far below the 3 GiB that reading the whole file took */

Test(checkpoint, a_huge_sparse_file_is_refused_by_its_header_without_being_read)
{
    char path[512], out[4096];
    path_in_dir(path, sizeof path, "huge.safetensors");
    /* a small valid-looking header, then 3 GiB of nothing: the tensors do not tile the file */
    write_sparse(path, UINT64_MAX, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", 12, GIB3);
    const char *args[] = {"eval", path, NULL};
    long rss = 0;
    int status = rlt_run_rlc_guarded(args, out, sizeof out, &rss);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0, "status %#x: %s", status, out);
    cr_assert(strstr(out, path) && strstr(out, "data section is") && strstr(out, "cover 12"), "%s", out);
    cr_assert_lt(rss, SMALL_RSS_KB, "rlc eval peaked at %ld KiB to refuse the file", rss);

    /* a header length of 2 GiB, which the file holds: refused by the format's limit before any
     * of it is allocated */
    write_sparse(path, (uint64_t)2 << 30, "{", 0, GIB3);
    status = rlt_run_rlc_guarded(args, out, sizeof out, &rss);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0, "status %#x: %s", status, out);
    cr_assert(strstr(out, path) && strstr(out, "header length 2147483648 exceeds the format's limit"), "%s", out);
    cr_assert_lt(rss, SMALL_RSS_KB, "rlc eval peaked at %ld KiB to refuse the header length", rss);
}

/* in a child: a valid file whose one tensor is 3 GiB opens (its header is all that is read), and
 * a caller expecting another shape is refused before any data is read. Exit 0 when so. */
static int open_big_tensor_child(const char *path)
{
    nn_safetensors *f = NULL;
    char err[512] = "";
    if (nn_safetensors_open(&f, path, err, sizeof err) != RL_OK) return fprintf(stderr, "open: %s\n", err), 1;
    float x[3];
    nn_tensor t = {"big", x, 1, {3}};
    rl_status st = nn_safetensors_read(f, &t, err, sizeof err);
    nn_safetensors_close(f);
    if (st != RL_ERR_FORMAT || !strstr(err, "expected shape [3], found [805306366]"))
        return fprintf(stderr, "read: %s\n", err), 2;
    return 0;
}

Test(checkpoint, a_huge_tensor_is_checked_against_the_callers_shape_before_it_is_read)
{
    char path[512], header[256];
    path_in_dir(path, sizeof path, "bigtensor.safetensors");
    const uint64_t bytes = (uint64_t)805306366 * 4;
    snprintf(header, sizeof header, "{\"big\":{\"dtype\":\"F32\",\"shape\":[805306366],\"data_offsets\":[0,%llu]}}",
             (unsigned long long)bytes);
    write_sparse(path, UINT64_MAX, header, 0, (off_t)(8 + strlen(header) + bytes));
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        alarm(120);
        _exit(open_big_tensor_child(path));
    }
    int status = 0;
    struct rusage ru;
    cr_assert_eq(wait4(pid, &status, 0, &ru), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x (see stderr)", status);
    cr_assert_lt(ru.ru_maxrss, SMALL_RSS_KB, "peaked at %ld KiB for a tensor it never read", ru.ru_maxrss);
}

Test(checkpoint, a_fifo_is_refused_without_blocking)
{
    char path[512];
    path_in_dir(path, sizeof path, "fifo.safetensors");
    cr_assert_eq(mkfifo(path, 0644), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {   /* the open, in a child that its alarm kills if the open blocks */
        alarm(120);
        nn_safetensors *f = NULL;
        char err[512] = "";
        rl_status st = nn_safetensors_open(&f, path, err, sizeof err);
        _exit(st == RL_ERR_IO && !f && strstr(err, path) && strstr(err, "not a regular file (a FIFO)") ? 0 : 1);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(!WIFSIGNALED(status), "nn_safetensors_open blocked on a FIFO (killed by signal %d)", WTERMSIG(status));
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "no clear refusal (status %#x)", status);
    /* a directory is refused the same way */
    path_in_dir(path, sizeof path, "dir.safetensors");
    cr_assert_eq(mkdir(path, 0755), 0);
    nn_safetensors *f = NULL;
    char err[512] = "";
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_ERR_IO);
    cr_assert(strstr(err, path) && strstr(err, "not a regular file (a directory)"), "%s", err);
}

Test(checkpoint, eval_and_resume_refuse_a_fifo_checkpoint)
{
    char dir[512], path[600], out[4096];
    path_in_dir(dir, sizeof dir, "fiforun");
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    const char *yaml = "algo: ppo\nenv:\n  id: CartPole-v1\n";
    write_all(path, yaml, strlen(yaml));
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    cr_assert_eq(mkfifo(path, 0644), 0);
    const char *eval[] = {"eval", dir, NULL}, *resume[] = {"train", "--resume", dir, "--quiet", NULL};
    const char *const *cmds[] = {eval, resume};
    for (int i = 0; i < 2; i++) {
        int status = rlt_run_rlc_guarded(cmds[i], out, sizeof out, NULL);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "rlc %s: status %#x: %s", cmds[i][0], status, out);
        cr_assert(strstr(out, path) && strstr(out, "not a regular file (a FIFO)"), "rlc %s: %s", cmds[i][0], out);
    }
}

Test(checkpoint, resume_refuses_a_fifo_in_place_of_any_run_file, .timeout = 600)
{
    char dir[512], path[600], out[8192];
    path_in_dir(dir, sizeof dir, "dqnrun");
    const char *train[] = {"train", RLC_SOURCE_DIR "/configs/dqn_cartpole.yaml", "--run-dir", dir, "--quiet",
                           "--set", "total_steps=1000", "--set", "log.eval_interval=500", NULL};
    int status = rlt_run_rlc_guarded(train, out, sizeof out, NULL);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x: %s", status, out);
    const char *resume[] = {"train", "--resume", dir, "--quiet", "--set", "total_steps=2000", NULL};
    /* each file a resume reads or appends to, in turn replaced by a FIFO, then put back */
    const char *files[] = {"replay.safetensors", "best.safetensors", "config.yaml",
                           "metrics.csv", "eval.csv", "timing.csv"};
    for (int i = 0; i < 6; i++) {
        char keep[700];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        snprintf(keep, sizeof keep, "%s.keep", path);
        bool had = access(path, F_OK) == 0;   /* a finished run has no replay buffer file */
        cr_assert(!had || rename(path, keep) == 0, "%s", path);
        cr_assert_eq(mkfifo(path, 0644), 0);
        status = rlt_run_rlc_guarded(resume, out, sizeof out, NULL);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "%s: status %#x: %s", files[i], status, out);
        cr_assert(strstr(out, path) && strstr(out, "not a regular file"), "%s: %s", files[i], out);
        remove(path);
        cr_assert(!had || rename(keep, path) == 0, "%s", keep);
    }
}
