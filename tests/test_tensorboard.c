/* rlc tests: TensorBoard events files (core/tbwriter.c) and what a run writes into them
 * (train/trainer_watch.c):
 *   - CRC-32C gives its standard check value, and the mask is TensorFlow's;
 *   - every record of a written file is framed as TensorFlow's record files are: the length as
 *     8 little-endian bytes, its masked CRC-32C, the payload, the payload's masked CRC-32C; each
 *     payload decodes (libprotobuf-c) to the Event that was written, the first a file_version;
 *   - the reader refuses a corrupt length, a corrupt payload, an oversized length and a cut file;
 *   - a training run's events file holds every metrics.csv column, eval.csv, every episode and
 *     the config, at the same steps and values; a resumed run's file starts at its checkpoint's
 *     step with a SessionLog START and continues from there. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train/trainer.h"
#include "core/config.h"
#include "core/fs.h"
#include "core/tbevent.pb-c.h"
#include "core/tbwriter.h"
#include "tests/helpers/testutil.h"

#define CONFIG RLC_SOURCE_DIR "/configs/ppo_cartpole.yaml"

Test(tbwriter, crc32c_check_value_and_mask)
{
    cr_assert_eq(rl_crc32c(0, "123456789", 9), 0xe3069283u, "CRC-32C(\"123456789\") = %08x", rl_crc32c(0, "123456789", 9));
    /* continuing over a split gives the CRC of the whole */
    cr_assert_eq(rl_crc32c(rl_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
    cr_assert_eq(rl_crc32c(0, "", 0), 0u);
    /* mask: rotate right by 15, add 0xa282ead8 (mod 2^32) */
    cr_assert_eq(rl_crc32c_mask(0), 0xa282ead8u);
    cr_assert_eq(rl_crc32c_mask(0x00008000u), 0xa282ead9u);
    cr_assert_eq(rl_crc32c_mask(0xe3069283u), ((0xe3069283u >> 15) | (0xe3069283u << 17)) + 0xa282ead8u);
}

/* ---- reading a file the hard way ----------------------------------------------------------- */

typedef struct {
    Rltb__Event *ev[20000];
    int n;
} events;

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* walks path's bytes record by record, checking both masked CRCs of each, and decodes every
 * payload; appends the events to evs */
static void read_all(const char *path, events *evs)
{
    FILE *fp = fopen(path, "rb");
    cr_assert(fp, "%s", path);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    rewind(fp);
    uint8_t *buf = malloc((size_t)size + 1);
    cr_assert_eq(fread(buf, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    long at = 0;
    int first = evs->n;
    while (at < size) {
        cr_assert(at + 12 <= size, "%s: cut header at byte %ld", path, at);
        uint64_t n = le(buf + at, 8);
        cr_assert_eq((uint32_t)le(buf + at + 8, 4), rl_crc32c_mask(rl_crc32c(0, buf + at, 8)),
                     "%s: length CRC of the record at byte %ld", path, at);
        cr_assert(at + 12 + (long)n + 4 <= size, "%s: cut record at byte %ld", path, at);
        cr_assert_eq((uint32_t)le(buf + at + 12 + n, 4), rl_crc32c_mask(rl_crc32c(0, buf + at + 12, n)),
                     "%s: payload CRC of the record at byte %ld", path, at);
        Rltb__Event *ev = rltb__event__unpack(NULL, n, buf + at + 12);
        cr_assert(ev, "%s: the record at byte %ld is not an Event", path, at);
        cr_assert(evs->n < (int)(sizeof evs->ev / sizeof evs->ev[0]));
        evs->ev[evs->n++] = ev;
        at += 12 + (long)n + 4;
    }
    free(buf);
    cr_assert(evs->n > first, "%s: empty", path);
    Rltb__Event *v = evs->ev[first];
    cr_assert(v->what_case == RLTB__EVENT__WHAT_FILE_VERSION && strcmp(v->file_version, "brain.Event:2") == 0,
              "%s: the first record is not the file_version brain.Event:2", path);
}

static void free_all(events *evs)
{
    for (int i = 0; i < evs->n; i++) rltb__event__free_unpacked(evs->ev[i], NULL);
    evs->n = 0;
}

/* the value of tag at step among evs (NAN when absent); *count: how many such values */
static double scalar_at(const events *evs, const char *tag, int64_t step, int *count)
{
    double v = NAN;
    *count = 0;
    for (int i = 0; i < evs->n; i++) {
        const Rltb__Event *ev = evs->ev[i];
        if (ev->what_case != RLTB__EVENT__WHAT_SUMMARY || ev->step != step) continue;
        for (size_t k = 0; k < ev->summary->n_value; k++) {
            const Rltb__Summary__Value *val = ev->summary->value[k];
            if (strcmp(val->tag, tag) != 0) continue;
            cr_assert_eq(val->value_case, RLTB__SUMMARY__VALUE__VALUE_SIMPLE_VALUE, "%s: not a scalar", tag);
            v = val->simple_value;
            (*count)++;
        }
    }
    return v;
}

static int count_tag(const events *evs, const char *tag)
{
    int n = 0;
    for (int i = 0; i < evs->n; i++) {
        const Rltb__Event *ev = evs->ev[i];
        if (ev->what_case != RLTB__EVENT__WHAT_SUMMARY) continue;
        for (size_t k = 0; k < ev->summary->n_value; k++) n += strcmp(ev->summary->value[k]->tag, tag) == 0;
    }
    return n;
}

/* the events files of dir, in name order (at most 8) */
static int events_files(const char *dir, char paths[8][700])
{
    DIR *d = opendir(dir);
    cr_assert(d, "%s", dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, RL_TB_FILE_PREFIX, strlen(RL_TB_FILE_PREFIX)) == 0 && n < 8)
            snprintf(paths[n++], 700, "%s/%s", dir, e->d_name);
    closedir(d);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(paths[j - 1], paths[j]) > 0; j--) {
            char t[700];
            memcpy(t, paths[j], 700), memcpy(paths[j], paths[j - 1], 700), memcpy(paths[j - 1], t, 700);
        }
    return n;
}

/* ---- the writer and the reader --------------------------------------------------------------- */

static events evs;   /* large: not on a test's stack */

Test(tbwriter, records_round_trip_with_both_crcs)
{
    char dir[256], err[512];
    rlt_tmp_dir(dir, sizeof dir, "tbrt");
    cr_assert_eq(rl_mkdir_p(dir, err, sizeof err), RL_OK);
    rl_tb_writer w;
    cr_assert_eq(rl_tb_open(&w, dir, err, sizeof err), RL_OK, "%s", err);
    const char *tags[] = {"a/x", "a/nan", "a/y"};
    double vals[] = {1.5, NAN, -3e7};
    cr_assert_eq(rl_tb_scalars(&w, 42, tags, vals, 3), RL_OK);
    cr_assert_eq(rl_tb_scalars(&w, 43, tags + 1, vals + 1, 1), RL_OK);   /* only a NaN: no record */
    cr_assert_eq(rl_tb_text(&w, 7, "config", "    algo: ppo\n"), RL_OK);
    cr_assert_eq(rl_tb_session_start(&w, 4096), RL_OK);
    char path[1100];
    snprintf(path, sizeof path, "%s", w.path);
    rl_tb_close(&w);

    read_all(path, &evs);
    cr_assert_eq(evs.n, 4, "file_version, one scalar event, the text, the session log: got %d records", evs.n);
    int c;
    cr_assert_eq(scalar_at(&evs, "a/x", 42, &c), 1.5f);
    cr_assert_eq(scalar_at(&evs, "a/y", 42, &c), -3e7f);
    cr_assert_eq(count_tag(&evs, "a/nan"), 0, "a NaN was written");
    const Rltb__Event *t = evs.ev[2];
    cr_assert_eq(t->step, 7);
    cr_assert_eq(t->what_case, RLTB__EVENT__WHAT_SUMMARY);
    const Rltb__Summary__Value *v = t->summary->value[0];
    cr_assert_str_eq(v->tag, "config");
    cr_assert_str_eq(v->metadata->plugin_data->plugin_name, "text");
    cr_assert_eq(v->value_case, RLTB__SUMMARY__VALUE__VALUE_TENSOR);
    cr_assert_eq(v->tensor->dtype, 7);
    cr_assert_eq(v->tensor->n_string_val, 1);
    cr_assert(v->tensor->string_val[0].len == 14 && memcmp(v->tensor->string_val[0].data, "    algo: ppo\n", 14) == 0);
    const Rltb__Event *s = evs.ev[3];
    cr_assert_eq(s->what_case, RLTB__EVENT__WHAT_SESSION_LOG);
    cr_assert_eq(s->session_log->status, RLTB__SESSION_LOG__SESSION_STATUS__START);
    cr_assert_eq(s->step, 4096);
    cr_assert(evs.ev[1]->wall_time > 1.6e9, "wall_time is not the time since the epoch: %f", evs.ev[1]->wall_time);
    free_all(&evs);

    /* the library's reader agrees, record by record */
    rl_tb_reader r;
    cr_assert_eq(rl_tb_reader_open(&r, path, err, sizeof err), RL_OK, "%s", err);
    const uint8_t *p;
    size_t n;
    int k = 0;
    rl_status st;
    while ((st = rl_tb_read(&r, &p, &n, err, sizeof err)) == RL_OK) k++;
    cr_assert_eq(st, RL_ERR_NOT_FOUND, "%s", err);
    cr_assert_eq(k, 4);
    rl_tb_reader_close(&r);
    remove(path);
    rmdir(dir);
}

/* writes a file of two records, damages it with edit, and expects the reader's error to name why */
static void expect_refused(void (*edit)(FILE *fp, long size), const char *why)
{
    char dir[256], err[512];
    rlt_tmp_dir(dir, sizeof dir, "tbbad");
    cr_assert_eq(rl_mkdir_p(dir, err, sizeof err), RL_OK);
    rl_tb_writer w;
    cr_assert_eq(rl_tb_open(&w, dir, err, sizeof err), RL_OK, "%s", err);
    const char *tag = "x";
    double val = 2.0;
    rl_tb_scalars(&w, 1, &tag, &val, 1);
    char path[1100];
    snprintf(path, sizeof path, "%s", w.path);
    rl_tb_close(&w);
    FILE *fp = fopen(path, "r+b");
    fseek(fp, 0, SEEK_END);
    edit(fp, ftell(fp));
    fclose(fp);
    rl_tb_reader r;
    cr_assert_eq(rl_tb_reader_open(&r, path, err, sizeof err), RL_OK);
    const uint8_t *p;
    size_t n;
    rl_status st;
    while ((st = rl_tb_read(&r, &p, &n, err, sizeof err)) == RL_OK) {}
    cr_assert_eq(st, RL_ERR_FORMAT, "a damaged file (%s) was read to its end", why);
    cr_assert(strstr(err, why) && strstr(err, path), "expected '%s' and the path in: %s", why, err);
    rl_tb_reader_close(&r);
    remove(path);
    rmdir(dir);
}

/* flips every bit of the byte at `at` */
static void flip(FILE *fp, long at)
{
    fseek(fp, at, SEEK_SET);
    int b = fgetc(fp);
    fseek(fp, at, SEEK_SET);
    fputc(b ^ 0xff, fp);
}

/* the second record starts where the first ends: 12 + len + 4 */
static long second_record(FILE *fp)
{
    uint8_t h[8];
    fseek(fp, 0, SEEK_SET);
    cr_assert_eq(fread(h, 1, 8, fp), 8u);
    return 12 + (long)le(h, 8) + 4;
}

static void flip_length(FILE *fp, long size) { (void)size; flip(fp, second_record(fp)); }
static void flip_payload(FILE *fp, long size) { flip(fp, size - 6); }
static void cut(FILE *fp, long size) { cr_assert_eq(ftruncate(fileno(fp), size - 3), 0); }
/* a huge length with a valid CRC: refused by the limit, not allocated */
static void huge_length(FILE *fp, long size)
{
    (void)size;
    uint8_t h[12] = {0, 0, 0, 0, 1, 0, 0, 0};   /* 2^32 */
    uint32_t m = rl_crc32c_mask(rl_crc32c(0, h, 8));
    for (int i = 0; i < 4; i++) h[8 + i] = (uint8_t)(m >> (8 * i));
    fseek(fp, second_record(fp), SEEK_SET);
    fwrite(h, 1, 12, fp);
}

Test(tbwriter, reader_refuses_damaged_records)
{
    expect_refused(flip_length, "length CRC mismatch");
    expect_refused(flip_payload, "payload CRC mismatch");
    expect_refused(cut, "truncated");
    expect_refused(huge_length, "length above the limit");
}

/* ---- a training run's events file ------------------------------------------------------------ */

/* splits a CSV line in place into at most max fields */
static int split(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *tok = strtok(line, ","); tok && n < max; tok = strtok(NULL, ",")) f[n++] = tok;
    return n;
}

/* every value of every row of run_dir/<csv> after the step column is in evs once, tagged
 * <prefix><column> (or the given tag names) at the row's step, as a float; NaN cells are absent.
 * Returns the number of rows and the last row's value of column last_col in *last. */
static int check_csv(const events *evs, const char *dir, const char *csv, const char *prefix,
                     const char *const *tags, int n_tags, int last_col, double *last)
{
    char path[700], line[8192], *cols[64], *f[64], names[64][80];
    snprintf(path, sizeof path, "%s/%s", dir, csv);
    FILE *fp = fopen(path, "r");
    cr_assert(fp, "%s", path);
    cr_assert(fgets(line, sizeof line, fp));
    int n_cols = split(line, cols, 64);
    for (int i = 1; i < n_cols; i++) {
        if (tags) snprintf(names[i], sizeof names[i], "%s", i - 1 < n_tags && tags[i - 1] ? tags[i - 1] : "");
        else snprintf(names[i], sizeof names[i], "%s%s", prefix, cols[i]);
    }
    int rows = 0;
    while (fgets(line, sizeof line, fp)) {
        cr_assert_eq(split(line, f, 64), n_cols, "%s: a short row", path);
        int64_t step = strtoll(f[0], NULL, 10);
        for (int i = 1; i < n_cols; i++) {
            if (!names[i][0]) continue;
            int c;
            double got = scalar_at(evs, names[i], step, &c), want = strtod(f[i], NULL);
            if (isnan(want)) {
                cr_assert_eq(c, 0, "%s: %s at step %lld is NaN in the CSV but written", path, names[i], (long long)step);
                continue;
            }
            cr_assert_eq(c, 1, "%s: %s at step %lld written %d times", path, names[i], (long long)step, c);
            cr_assert(fabs(got - (float)want) <= 1e-6 * fabs(want),
                      "%s: %s at step %lld: events file %.9g, CSV %.9g", path, names[i], (long long)step, got, want);
        }
        if (last) *last = strtod(f[last_col], NULL);
        rows++;
    }
    fclose(fp);
    cr_assert(rows > 0, "%s: no rows", path);
    return rows;
}

/* the events of every events file of dir; returns how many files */
static int read_run(const char *dir, events *out)
{
    char paths[8][700];
    int n = events_files(dir, paths);
    for (int i = 0; i < n; i++) read_all(paths[i], out);
    return n;
}

/* metrics.csv, timing.csv (steps/s) and eval.csv are all in the events, once each */
static void check_run(const events *e, const char *dir)
{
    double episodes = 0;
    check_csv(e, dir, "metrics.csv", "train/", NULL, 0, 1, &episodes);
    const char *timing_tags[] = {NULL, "time/steps_per_s"};
    check_csv(e, dir, "timing.csv", NULL, timing_tags, 2, 0, NULL);
    const char *eval_tags[] = {"eval/return_mean", "eval/return_std", NULL};
    check_csv(e, dir, "eval.csv", NULL, eval_tags, 3, 0, NULL);
    /* every training episode, with its return and length */
    cr_assert(episodes > 0);
    cr_assert_eq(count_tag(e, "episode/return"), (int)episodes);
    cr_assert_eq(count_tag(e, "episode/length"), (int)episodes);
}

/* the number of config text summaries in e; the latest is the run's config.yaml indented by
 * four spaces (an earlier one may hold the total_steps a resume raised) */
static int check_config_text(const events *e, const char *dir)
{
    char path[700];
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    char *yaml = rlt_read_file(path);
    int n = 0, latest = -1;
    for (int i = 0; i < e->n; i++) {
        const Rltb__Event *ev = e->ev[i];
        if (ev->what_case != RLTB__EVENT__WHAT_SUMMARY || strcmp(ev->summary->value[0]->tag, "config") != 0) continue;
        n++;
        if (latest < 0 || ev->step > e->ev[latest]->step) latest = i;
    }
    cr_assert(latest >= 0, "no config text");
    {
        const Rltb__Event *ev = e->ev[latest];
        const ProtobufCBinaryData *t = &ev->summary->value[0]->tensor->string_val[0];
        char *md = strndup((const char *)t->data, t->len), *o = md;
        for (const char *c = md; *c; c++) {
            if (c == md || c[-1] == '\n') {
                cr_assert(strncmp(c, "    ", 4) == 0, "a config line not indented: %.40s", c);
                c += 3;
                continue;
            }
            *o++ = *c;
        }
        *o = '\0';
        cr_assert_str_eq(md, yaml, "the config text differs from config.yaml");
        free(md);
    }
    free(yaml);
    return n;
}

Test(tensorboard, a_run_logs_every_csv_value_episode_and_the_config)
{
    char dir[256];
    rlt_tmp_dir(dir, sizeof dir, "tbrun");
    const char *sets[] = {"total_steps=8192", "log.log_interval=1024", "log.eval_interval=4096",
                          "log.eval_episodes=2", "log.checkpoint_interval=0"};
    rlt_train(CONFIG, dir, sets, 5, false);
    cr_assert_eq(read_run(dir, &evs), 1, "one events file per invocation");
    check_run(&evs, dir);
    cr_assert_eq(check_config_text(&evs, dir), 1);
    free_all(&evs);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(tensorboard, a_resumed_run_continues_the_curves)
{
    char dir[256];
    rlt_tmp_dir(dir, sizeof dir, "tbres");
    const char *sets[] = {"total_steps=4096", "log.log_interval=1024", "log.eval_interval=2048",
                          "log.eval_episodes=2", "log.checkpoint_interval=0"};
    rlt_train(CONFIG, dir, sets, 5, false);
    sets[0] = "total_steps=8192";
    rlt_train(CONFIG, dir, sets, 5, true);
    cr_assert_eq(read_run(dir, &evs), 2, "a resumed run writes a second events file");
    /* every row of the whole run once: the resumed file does not start again at step 0 */
    check_run(&evs, dir);
    cr_assert_eq(check_config_text(&evs, dir), 2);
    free_all(&evs);

    /* the second file: a START at the checkpoint's step, then only later steps */
    char paths[8][700];
    events_files(dir, paths);
    int which = -1;
    for (int f = 0; f < 2; f++) {
        read_all(paths[f], &evs);
        for (int i = 0; i < evs.n; i++)
            if (evs.ev[i]->what_case == RLTB__EVENT__WHAT_SESSION_LOG) which = f;
        free_all(&evs);
    }
    cr_assert(which >= 0, "no SessionLog in the resumed run's file");
    read_all(paths[which], &evs);
    cr_assert_eq(evs.ev[1]->what_case, RLTB__EVENT__WHAT_SESSION_LOG, "the START is not the second record");
    cr_assert_eq(evs.ev[1]->session_log->status, RLTB__SESSION_LOG__SESSION_STATUS__START);
    cr_assert_eq(evs.ev[1]->step, 4096);
    int64_t first_metrics = -1;
    for (int i = 2; i < evs.n; i++) {
        cr_assert_geq(evs.ev[i]->step, 4096, "the resumed file logs step %lld", (long long)evs.ev[i]->step);
        if (first_metrics < 0 && count_tag(&(events){.ev = {evs.ev[i]}, .n = 1}, "train/return_mean")) first_metrics = evs.ev[i]->step;
    }
    cr_assert_eq(first_metrics, 5120, "the resumed curves start at step %lld", (long long)first_metrics);
    free_all(&evs);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(tensorboard, off_writes_no_events_file)
{
    char dir[256];
    rlt_tmp_dir(dir, sizeof dir, "tboff");
    const char *sets[] = {"total_steps=2048", "log.log_interval=1024", "log.eval_episodes=1", "log.tensorboard=false"};
    rlt_train(CONFIG, dir, sets, 4, false);
    char paths[8][700];
    cr_assert_eq(events_files(dir, paths), 0, "log.tensorboard=false wrote %s", paths[0]);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
