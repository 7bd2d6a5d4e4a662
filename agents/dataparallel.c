/* rlc agents: the data-parallel hooks of the agents' updates (agents/dataparallel.h). */
#include "agents/dataparallel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/dist.h"
#include "core/mathx.h"

bool agent_dp_on(void) { return rl_dist_size() > 1; }

bool agent_dp_grads(float *grads, size_t n, bool local_ok)
{
    if (!agent_dp_on()) return local_ok;
    /* a NaN from any rank survives the sum: every rank sees it and skips */
    if (!local_ok && n > 0) grads[0] = NAN;
    rl_dist_mean_f32(grads, n);
    return rl_all_finite(grads, n);
}

bool agent_dp_grads_union(float *grads, size_t n, bool local_ok, int count)
{
    if (!agent_dp_on()) return local_ok;
    double total = count;
    rl_dist_sum_f64(&total, 1);
    if (count == 0) memset(grads, 0, n * sizeof(float));
    /* sum_r (count_r / total) g_r = mean_r (size count_r / total) g_r */
    float w = total > 0 ? (float)((double)rl_dist_size() * count / total) : 0.0f;
    if (local_ok && count > 0)
        for (size_t i = 0; i < n; i++) grads[i] *= w;
    return agent_dp_grads(grads, n, local_ok || count == 0);
}

double agent_dp_mean(double x)
{
    if (!agent_dp_on()) return x;
    rl_dist_sum_f64(&x, 1);
    return x / rl_dist_size();
}

bool agent_dp_reached(int64_t count, int64_t need)
{
    if (!agent_dp_on()) return count >= need;
    double c = (double)count;
    rl_dist_sum_f64(&c, 1);
    return c >= (double)need;
}

void agent_dp_standardise(float *x, int n)
{
    if (!agent_dp_on()) {
        rl_standardise(x, n);
        return;
    }
    double s[2] = {0.0, (double)n};
    for (int k = 0; k < n; k++) s[0] += x[k];
    rl_dist_sum_f64(s, 2);
    if (s[1] < 2) return;
    double mean = s[0] / s[1], var = 0.0;
    for (int k = 0; k < n; k++) var += (x[k] - mean) * (x[k] - mean);
    rl_dist_sum_f64(&var, 1);
    float inv = (float)(1.0 / (sqrt(var / (s[1] - 1)) + 1e-8));
    for (int k = 0; k < n; k++) x[k] = (float)((x[k] - mean) * inv);
}

/* ---- running statistics -------------------------------------------------------------------- */

rl_status agent_dp_rms_init(agent_dp_rms *s, const env_rms *r, char *err, size_t err_sz)
{
    memset(s, 0, sizeof *s);
    rl_status st = env_rms_init(&s->synced, r->dim, err, err_sz);
    if (st != RL_OK) return st;
    s->buf = rl_xcalloc((size_t)(rl_dist_size() + 1) * (2 * (size_t)r->dim + 1), sizeof(double));
    agent_dp_rms_mark(s, r);
    return RL_OK;
}

void agent_dp_rms_mark(agent_dp_rms *s, const env_rms *r)
{
    memcpy(s->synced.mean, r->mean, (size_t)r->dim * sizeof(double));
    memcpy(s->synced.var, r->var, (size_t)r->dim * sizeof(double));
    s->synced.count = r->count;
}

/* this rank's data since the last merge as (count, mean (dim), M2 (dim)) */
static void rank_delta(const agent_dp_rms *s, const env_rms *r, double *out)
{
    const int D = r->dim;
    const double n0 = s->synced.count, n = r->count, nb = n - n0;
    out[0] = nb > 0 ? nb : 0.0;
    for (int d = 0; d < D; d++) {
        double mb = 0.0, m2 = 0.0;
        if (nb > 0) {
            const double m0 = s->synced.mean[d], m = r->mean[d];
            mb = (n * m - n0 * m0) / nb;
            m2 = n * r->var[d] - n0 * s->synced.var[d] - (mb - m0) * (mb - m0) * n0 * nb / n;
            if (!(m2 > 0.0)) m2 = 0.0;
        }
        out[1 + d] = mb;
        out[1 + D + d] = m2;
    }
}

void agent_dp_rms_merge(agent_dp_rms *s, env_rms *r)
{
    if (!agent_dp_on()) return;
    const int D = r->dim, S = rl_dist_size();
    const size_t row = 2 * (size_t)D + 1;
    double *mine = s->buf, *all = s->buf + row;
    rank_delta(s, r, mine);
    rl_dist_allgather_f64(mine, row, all);
    /* from the common state, add every rank's data in rank order */
    double n = s->synced.count;
    for (int d = 0; d < D; d++) r->mean[d] = s->synced.mean[d], r->var[d] = s->synced.var[d] * n;   /* var holds M2 */
    for (int k = 0; k < S; k++) {
        const double *q = all + (size_t)k * row, nb = q[0];
        if (nb <= 0) continue;
        const double tot = n + nb;
        for (int d = 0; d < D; d++) {
            double delta = q[1 + d] - r->mean[d];
            r->mean[d] += delta * nb / tot;
            r->var[d] += q[1 + D + d] + delta * delta * n * nb / tot;
        }
        n = tot;
    }
    for (int d = 0; d < D; d++) r->var[d] /= n;
    r->count = n;
    agent_dp_rms_mark(s, r);
}

void agent_dp_rms_free(agent_dp_rms *s)
{
    if (!s) return;
    env_rms_free(&s->synced);
    free(s->buf);
    s->buf = NULL;
}
