/* rlc train: the training loop's data-parallel parts (train/trainer_dp.h). */
#include "train/trainer_dp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "addons/exploration.h"
#include "core/dist.h"

rl_status trainer_dp_begin(trainer_dp *d, const rl_config *cfg, const agent_algo *algo, char *err,
                           size_t err_sz)
{
    memset(d, 0, sizeof *d);
    d->rank = rl_dist_rank();
    d->size = rl_dist_size();
    d->lead = d->rank == 0;
    d->cfg = cfg;
    if (d->size == 1) return RL_OK;
    if (!algo->dp_tensors)
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED, "%s: algo %s does not train data-parallel over %d ranks",
                       cfg->source, algo->name, d->size);
    rl_status st = onp_explore_dp_check(cfg, d->size, err, err_sz);
    if (st != RL_OK) return st;
    /* rank r's envs take the seeds after those of ranks 0..r-1 (a vector env resets env i with seed + i) */
    d->own = rl_xmalloc(sizeof *d->own);
    memcpy(d->own, cfg, sizeof *d->own);
    d->own->root.seed = cfg->root.seed + (int64_t)d->rank * cfg->env.num_envs;
    d->cfg = d->own;
    return RL_OK;
}

void trainer_dp_end(trainer_dp *d)
{
    if (!d) return;
    free(d->own);
    d->own = NULL;
}

void trainer_dp_broadcast(trainer_dp *d, const agent_algo *algo, void *agent, int64_t episodes)
{
    d->episodes_base = episodes;
    if (d->size == 1) return;
    nn_tensor t[TRAINER_DP_MAX_TENSORS];
    int n = algo->dp_tensors(agent, t, TRAINER_DP_MAX_TENSORS);
    for (int i = 0; i < n; i++) {
        size_t count = 1;
        for (int k = 0; k < t[i].ndim; k++) count *= (size_t)t[i].shape[k];
        rl_dist_bcast(t[i].data, count * sizeof(float), 0);
    }
}

bool trainer_dp_stop(trainer_dp *d, int local_signal, bool now)
{
    if (d->size == 1) return local_signal != 0;
    if (!now && d->stop_calls++ % TRAINER_DP_STOP_EVERY != 0) return false;
    return rl_dist_max_i64(local_signal) != 0;
}

void trainer_dp_episodes(trainer_dp *d, const double *recent, const double *recent_len,
                         int64_t n_recent, int window, int64_t *episodes, double *mean_return,
                         double *mean_length)
{
    if (d->size == 1) return;
    int k = n_recent < window ? (int)n_recent : window;
    double s[4] = {0.0, 0.0, (double)k, (double)(*episodes - d->episodes_base)};
    for (int i = 0; i < k; i++) s[0] += recent[i], s[1] += recent_len[i];
    rl_dist_sum_f64(s, 4);
    *episodes = d->episodes_base + (int64_t)s[3];
    d->episodes_base = *episodes;
    *mean_return = s[2] > 0 ? s[0] / s[2] : NAN;
    *mean_length = s[2] > 0 ? s[1] / s[2] : NAN;
}

rl_status trainer_dp_check(const trainer_dp *d, const agent_algo *algo, void *agent, int64_t step,
                           char *err, size_t err_sz)
{
    if (d->size == 1) return RL_OK;
    nn_tensor t[TRAINER_DP_MAX_TENSORS];
    int n = algo->dp_tensors(agent, t, TRAINER_DP_MAX_TENSORS);
    uint64_t h = RL_DIST_HASH0;
    for (int i = 0; i < n; i++) {
        size_t count = 1;
        for (int k = 0; k < t[i].ndim; k++) count *= (size_t)t[i].shape[k];
        h = rl_dist_hash(h, t[i].data, count * sizeof(float));
    }
    if (rl_dist_same_u64(h)) return RL_OK;
    return rl_errf(err, err_sz, RL_ERR_NUMERIC,
                   "data-parallel training: the %d ranks' weights differ at step %lld (checksum of rank %d: "
                   "%016llx): a rank desynchronised; stopping", d->size, (long long)step, d->rank,
                   (unsigned long long)h);
}
