/* rlc addons: the reward model's checkpoint, <run_dir>/reward_model.safetensors: the ensemble's
 * weights and Adam moments, the preference dataset (segments, lengths, the teacher's returns,
 * labels) and, in the metadata, the counters, both RNGs and the reward normalisation. The file
 * of the previous checkpoint is kept as reward_model.prev.safetensors until the next save, so the
 * file that matches the agent's checkpoint (by step) survives a crash between the two writes. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addons/reward_model_impl.h"

#define RM_FILE "reward_model.safetensors"
#define RM_PREV "reward_model.prev.safetensors"

/* the tensors of the file; the dataset's only when it holds labels (shapes use n_labels) */
static int rm_tensors(const reward_model *rm, nn_tensor *t)
{
    const int64_t M = rm->M, P = (int64_t)rm->P, n = rm->n_labels;
    int k = 0;
    t[k++] = (nn_tensor){"rm.params", rm->params, 2, {M, P}};
    t[k++] = (nn_tensor){"rm.adam_m", rm->opt.m, 2, {M, P}};
    t[k++] = (nn_tensor){"rm.adam_v", rm->opt.v, 2, {M, P}};
    if (n == 0) return k;
    t[k++] = (nn_tensor){"rm.data_x", rm->ds_x, 4, {n, 2, rm->L, rm->in_dim}};
    t[k++] = (nn_tensor){"rm.data_len", rm->ds_len, 2, {n, 2}};
    t[k++] = (nn_tensor){"rm.data_return", rm->ds_ret, 2, {n, 2}};
    t[k++] = (nn_tensor){"rm.data_label", rm->ds_y, 1, {n}};
    return k;
}

enum { RM_META_U64 = 5 };
static const char *const u64_keys[RM_META_U64] = {"rm.step", "rm.labels", "rm.queries", "rm.next_query", "rm.adam_t"};

rl_status reward_model_save(const reward_model *rm, const char *run_dir, int64_t step, char *err, size_t err_sz)
{
    char path[1100], prev[1100];
    snprintf(path, sizeof path, "%s/%s", run_dir, RM_FILE);
    snprintf(prev, sizeof prev, "%s/%s", run_dir, RM_PREV);
    nn_tensor t[8];
    int nt = rm_tensors(rm, t);
    rl_status st = nn_tensors_check_finite(path, t, nt, err, err_sz);
    if (st != RL_OK) return st;
    char num[RM_META_U64][32], rng[RL_RNG_TEXT], trng[RL_RNG_TEXT], norm[96], fit[64];
    int64_t v[RM_META_U64] = {step, rm->n_labels, rm->queries, rm->next_query, rm->opt.t};
    nn_meta meta[RM_META_U64 + 4];
    for (int i = 0; i < RM_META_U64; i++) {
        snprintf(num[i], sizeof num[i], "%" PRId64, v[i]);
        meta[i] = (nn_meta){u64_keys[i], num[i]};
    }
    rl_rng_encode(&rm->rng, rng, sizeof rng);
    rl_rng_encode(&rm->teacher_rng, trng, sizeof trng);
    snprintf(norm, sizeof norm, "%.17g %.17g %.17g", rm->norm_n, rm->norm_mean, rm->norm_m2);
    snprintf(fit, sizeof fit, "%.9g %.9g", rm->last_loss, rm->last_acc);
    meta[RM_META_U64] = (nn_meta){"rm.rng", rng};
    meta[RM_META_U64 + 1] = (nn_meta){"rm.teacher_rng", trng};
    meta[RM_META_U64 + 2] = (nn_meta){"rm.norm", norm};
    meta[RM_META_U64 + 3] = (nn_meta){"rm.fit", fit};
    if (rename(path, prev) != 0 && errno != ENOENT)
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot keep the previous reward model as %s: %s", path, prev,
                       strerror(errno));
    return nn_safetensors_save(path, t, nt, meta, RM_META_U64 + 4, err, err_sz);
}

/* the normalisation and the fit statistics from the metadata; false when malformed */
static bool read_doubles(reward_model *rm, const nn_safetensors *f)
{
    const char *norm = nn_safetensors_meta(f, "rm.norm"), *fit = nn_safetensors_meta(f, "rm.fit");
    if (!norm || !fit) return false;
    double n, mean, m2, loss, acc;
    if (sscanf(norm, "%lf %lf %lf", &n, &mean, &m2) != 3 || sscanf(fit, "%lf %lf", &loss, &acc) != 2) return false;
    if (!isfinite(n) || !isfinite(mean) || !isfinite(m2) || n < 0 || m2 < 0) return false;
    rm->norm_n = n, rm->norm_mean = mean, rm->norm_m2 = m2;
    rm->last_loss = loss, rm->last_acc = acc;
    return true;
}

/* the file's metadata value for key as an unsigned integer */
static rl_status meta_u64(const nn_safetensors *f, const char *path, const char *key, unsigned long long *v, char *err,
                          size_t err_sz)
{
    if (nn_safetensors_meta_u64(f, key, v, err, err_sz) == RL_OK) return RL_OK;
    return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: metadata '%s' missing or not a whole number", path, key);
}

/* every value read is finite, and Adam's second moments are >= 0 (their square roots divide the
 * steps): a NaN here would surface later as a diverging agent */
static rl_status check_tensors(const nn_tensor *t, int nt, const char *path, char *err, size_t err_sz)
{
    for (int i = 0; i < nt; i++) {
        int64_t n = 1;
        for (int d = 0; d < t[i].ndim; d++) n *= t[i].shape[d];
        bool moments = strcmp(t[i].name, "rm.adam_v") == 0;
        for (int64_t k = 0; k < n; k++) {
            float v = t[i].data[k];
            if (isfinite(v) && (!moments || v >= 0.0f)) continue;
            return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: %s[%lld] = %g: expected a finite number%s",
                           path, t[i].name, (long long)k, (double)v, moments ? " >= 0" : "");
        }
    }
    return RL_OK;
}

/* the open file at path (of the checkpoint's step) into rm; every message starts with the path */
static rl_status load_open_file(reward_model *rm, nn_safetensors *f, const char *path, char *err, size_t err_sz)
{
    unsigned long long v[RM_META_U64];
    for (int i = 0; i < RM_META_U64; i++) {
        rl_status st = meta_u64(f, path, u64_keys[i], &v[i], err, err_sz);
        if (st != RL_OK) return st;
    }
    /* the counts size what is read: checked against the config's budget first */
    if (v[1] > v[2] || v[2] > (unsigned long long)rm->max_labels)
        return rl_errf(err, err_sz, RL_ERR_FORMAT,
                       "%s: rm.labels = %llu and rm.queries = %llu: expected labels <= queries <= "
                       "reward_model.max_labels = %lld",
                       path, v[1], v[2], (long long)rm->max_labels);
    rm->n_labels = (int64_t)v[1];
    rm->queries = (int64_t)v[2];
    rm->next_query = (int64_t)v[3];
    rm->opt.t = (int64_t)v[4];
    nn_tensor t[8];
    int nt = rm_tensors(rm, t);
    for (int i = 0; i < nt; i++) {
        rl_status st = nn_safetensors_read(f, &t[i], err, err_sz);
        if (st != RL_OK) return st;
    }
    rl_status st = check_tensors(t, nt, path, err, err_sz);
    if (st != RL_OK) return st;
    for (int64_t i = 0; i < 2 * rm->n_labels; i++)
        if (!(rm->ds_len[i] >= 1.0f && rm->ds_len[i] <= (float)rm->L))
            return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: rm.data_len[%lld] = %g: expected 1..%d (segment_length)",
                           path, (long long)i, rm->ds_len[i], rm->L);
    for (int64_t i = 0; i < rm->n_labels; i++)
        if (!(rm->ds_y[i] >= 0.0f && rm->ds_y[i] <= 1.0f))
            return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: rm.data_label[%lld] = %g: expected 0..1", path,
                           (long long)i, rm->ds_y[i]);
    if (rl_rng_decode(&rm->rng, nn_safetensors_meta(f, "rm.rng")) != 0 ||
        rl_rng_decode(&rm->teacher_rng, nn_safetensors_meta(f, "rm.teacher_rng")) != 0 || !read_doubles(rm, f))
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: metadata rm.rng, rm.teacher_rng, rm.norm or rm.fit missing or malformed",
                       path);
    return RL_OK;
}

rl_status reward_model_load(reward_model *rm, const char *run_dir, int64_t step, char *err, size_t err_sz)
{
    const char *names[] = {RM_FILE, RM_PREV};
    char path[1100], found[160] = "";
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", run_dir, names[i]);
        nn_safetensors *f = NULL;
        if (nn_safetensors_open(&f, path, err, err_sz) != RL_OK) continue;
        unsigned long long s = 0;
        rl_status st = nn_safetensors_meta_u64(f, "rm.step", &s, err, err_sz);
        if (st == RL_OK && s == (unsigned long long)step) {
            char why[1024];
            st = load_open_file(rm, f, path, why, sizeof why);
            nn_safetensors_close(f);
            return st == RL_OK ? RL_OK : rl_errf(err, err_sz, st, "reward model file %s", why);
        }
        if (st == RL_OK) snprintf(found + strlen(found), sizeof found - strlen(found), " %s at step %llu;", names[i], s);
        nn_safetensors_close(f);
    }
    return rl_errf(err, err_sz, RL_ERR_FORMAT,
                   "%s: no reward model file saved at the checkpoint's step %lld (%s): the run used reward_model "
                   "and cannot resume without its preference dataset",
                   run_dir, (long long)step, found[0] ? found : " neither " RM_FILE " nor " RM_PREV " is readable");
}
