/* rlc addons: count-based exploration over SimHash codes (Tang et al. 2017, "#Exploration"),
 * the third intrinsic-reward module beside ICM and RND.
 *
 * Each next observation s' is normalised by the running mean/std of the observations the module
 * has seen (clipped to [-5, 5]), hashed to a k-bit code by the signs of a fixed Gaussian
 * projection A (k, D) (loss_simhash_codes), its code's count n is incremented, and the step's
 * intrinsic reward is beta / sqrt(n) (loss_count_bonus), added to the extrinsic reward times
 * exploration.int_coef as ICM's is. Counts live in a direct table of 2^k floats (k <= 22, so at
 * most 16 MiB, sized at create); a count stops growing at 2^24 visits of one code, where the
 * bonus is already beta / 4096. Nothing is trained. Projection, counts and the observation
 * statistics are saved in checkpoints. With more than one MPI rank the module is refused
 * (train/trainer_dp.c): counts are not shared between ranks. */
#include "addons/exploration_simhash.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/wrappers.h"

struct onp_simhash {
    int D, k, N;
    float beta;
    size_t n_codes;        /* 2^k */
    float *proj;           /* (k, D) */
    float *counts;         /* (2^k) */
    env_rms obs_rms;
    float *xn, *cnt;       /* (N, D) normalised s', (N) counts of this step's codes */
    uint32_t *codes;       /* (N) */
    float *stage;          /* 2 D + 1: the observation statistics for checkpoints */
    double bonus_sum;
    int64_t bonus_n;
};

void onp_simhash_free(onp_simhash *s)
{
    if (!s) return;
    free(s->proj);
    free(s->counts);
    free(s->xn);
    free(s->cnt);
    free(s->codes);
    free(s->stage);
    env_rms_free(&s->obs_rms);
    free(s);
}

rl_status onp_simhash_create(onp_simhash **out, const rl_loss_cfg *lc, const agent_loss_slot *slot, int64_t seed,
                             int obs_dim, int n_envs, char *err, size_t err_sz)
{
    *out = NULL;
    loss_spec spec;
    rl_status st = agent_loss_spec(&spec, LOSS_KINDS(LOSS_KIND_KERNEL), lc, NULL, err, err_sz);
    if (st) return st;
    if (!agent_slot_takes(slot, spec.desc))
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: takes the `%s` loss, not '%s'", lc->where, slot->names, lc->name);
    onp_simhash *s = rl_xcalloc(1, sizeof *s);
    s->D = obs_dim;
    s->N = n_envs;
    s->k = (int)loss_spec_param(&spec, "bits");
    s->beta = loss_spec_param(&spec, "beta");
    s->n_codes = (size_t)1 << s->k;
    if ((st = env_rms_init(&s->obs_rms, obs_dim, err, err_sz))) {
        onp_simhash_free(s);
        return st;
    }
    s->proj = rl_xcalloc((size_t)s->k * obs_dim, sizeof(float));
    s->counts = rl_xcalloc(s->n_codes, sizeof(float));
    s->xn = rl_xcalloc((size_t)n_envs * obs_dim, sizeof(float));
    s->cnt = rl_xcalloc((size_t)n_envs, sizeof(float));
    s->codes = rl_xcalloc((size_t)n_envs, sizeof(uint32_t));
    s->stage = rl_xcalloc((size_t)env_rms_export_size(&s->obs_rms), sizeof(float));
    rl_rng rng;
    rl_rng_seed(&rng, rl_seed_derive((uint64_t)seed, 7), 7);
    for (size_t i = 0; i < (size_t)s->k * obs_dim; i++) s->proj[i] = (float)rl_rng_normal(&rng);
    *out = s;
    return RL_OK;
}

void onp_simhash_step(onp_simhash *s, const float *next, float *r_int)
{
    int N = s->N, D = s->D;
    env_rms_update(&s->obs_rms, next, N);
    for (int b = 0; b < N; b++)
        for (int d = 0; d < D; d++) {
            size_t i = (size_t)b * D + d;
            double y = ((double)next[i] - s->obs_rms.mean[d]) / sqrt(s->obs_rms.var[d] + 1e-8);
            s->xn[i] = (float)(y < -5.0 ? -5.0 : (y > 5.0 ? 5.0 : y));
        }
    loss_simhash_codes(s->codes, s->xn, s->proj, N, D, s->k);
    for (int b = 0; b < N; b++) {
        float *c = &s->counts[s->codes[b]];
        if (*c < 16777216.0f) *c += 1.0f;   /* 2^24: float counts stay exact below */
        s->cnt[b] = *c;
    }
    loss_count_bonus(r_int, s->cnt, N, s->beta);
    for (int b = 0; b < N; b++) s->bonus_sum += r_int[b];
    s->bonus_n += N;
}

double onp_simhash_mean_bonus(onp_simhash *s)
{
    double m = s->bonus_n ? s->bonus_sum / (double)s->bonus_n : NAN;
    s->bonus_sum = 0.0;
    s->bonus_n = 0;
    return m;
}

int onp_simhash_tensors(onp_simhash *s, nn_tensor *t)
{
    t[0] = (nn_tensor){"simhash.proj", s->proj, 2, {s->k, s->D}};
    t[1] = (nn_tensor){"simhash.counts", s->counts, 1, {(int64_t)s->n_codes}};
    t[2] = (nn_tensor){"simhash.rms", s->stage, 1, {env_rms_export_size(&s->obs_rms)}};
    return 3;
}

void onp_simhash_stage(onp_simhash *s) { env_rms_export(&s->obs_rms, s->stage); }

rl_status onp_simhash_unstage(onp_simhash *s, char *err, size_t err_sz)
{
    for (size_t i = 0; i < s->n_codes; i++) {
        float c = s->counts[i];
        if (!(c >= 0.0f && c <= 16777216.0f && c == floorf(c)))
            return rl_errf(err, err_sz, RL_ERR_FORMAT,
                           "checkpoint tensor simhash.counts[%zu] = %g: counts must be whole numbers in [0, 2^24]", i, c);
    }
    for (size_t i = 0; i < (size_t)s->k * s->D; i++)
        if (!isfinite(s->proj[i]))
            return rl_errf(err, err_sz, RL_ERR_FORMAT, "checkpoint tensor simhash.proj[%zu] is not finite", i);
    return env_rms_import(&s->obs_rms, s->stage, err, err_sz);
}
