/* rlc addons: the preference rounds of the reward model (addons/reward_model.h): segments drawn
 * from the ring of recent transitions, query selection (uniform or ensemble disagreement), the
 * simulated teacher of B-Pref, and the round (reward_model_update) that asks it and then trains
 * the ensemble (addons/reward_model.c) on the labels. */
#include <math.h>
#include <string.h>

#include "addons/reward_model_impl.h"

/* ---- segments ----------------------------------------------------------------------------- */

/* Draws one segment of up to L steps of one env's episode into x (L, in_dim), r (L), *len. A
 * segment may end early only at a termination (the episode is over: its return counts fewer
 * steps); a draw that reaches the newest stored row or a time-limit truncation before L steps is
 * refused (false), as its length would carry no information about the task. */
static bool draw_segment(reward_model *rm, float *x, float *r, float *len)
{
    const int L = rm->L, I = rm->in_dim, N = rm->N;
    int64_t stored = rm->added_rows < rm->rows ? rm->added_rows : rm->rows;
    if (stored < 1) return false;
    int64_t a = rm->added_rows - stored + (int64_t)(rl_rng_double(&rm->rng) * (double)stored);
    int e = (int)rl_rng_below(&rm->rng, (uint32_t)N);
    int k = 0;
    while (k < L) {
        if (a + k >= rm->added_rows) return false;
        size_t s = (size_t)((a + k) % rm->rows) * N + e;
        memcpy(x + (size_t)k * I, rm->ring_x + s * I, (size_t)I * sizeof(float));
        r[k] = rm->ring_r[s];
        unsigned char end = rm->ring_end[s];
        k++;
        if (end == 2 && k < L) return false;
        if (end) break;
    }
    memset(x + (size_t)k * I, 0, (size_t)(L - k) * I * sizeof(float));
    for (int t = k; t < L; t++) r[t] = 0.0f;
    *len = (float)k;
    return true;
}

static bool draw_candidates(reward_model *rm, int64_t C)
{
    const size_t S = (size_t)rm->L * rm->in_dim;
    for (int64_t c = 0; c < 2 * C; c++) {
        int tries = 0;
        while (!draw_segment(rm, rm->cand_x + (size_t)c * S, rm->cand_r + (size_t)c * rm->L, &rm->cand_len[c]))
            if (++tries >= RM_SAMPLE_TRIES) return false;
    }
    return true;
}

/* ---- selection ---------------------------------------------------------------------------- */

/* cand_order[0..nq) = the nq candidates of largest variance over the members of
 * P(segment 0 preferred) = sigmoid(R0 - R1) (disagreement), or the first nq (uniform: the
 * candidates are already uniform draws) */
static void select_queries(reward_model *rm, int64_t nq, int64_t C)
{
    for (int64_t c = 0; c < C; c++) rm->cand_order[c] = c;
    if (!rm->disagreement) return;
    double *sum = rm->cand_ret;   /* (C, 2): sum of p and of p^2 over the members */
    for (int64_t c = 0; c < 2 * C; c++) sum[c] = 0.0;
    for (int k = 0; k < rm->M; k++) {
        rm_segment_returns(rm, k, rm->cand_x, rm->cand_len, 2 * C, rm->seg_r);
        for (int64_t c = 0; c < C; c++) {
            double p = 1.0 / (1.0 + exp(-(rm->seg_r[2 * c] - rm->seg_r[2 * c + 1])));
            sum[2 * c] += p;
            sum[2 * c + 1] += p * p;
        }
    }
    for (int64_t c = 0; c < C; c++) {
        double m = sum[2 * c] / rm->M;
        rm->cand_score[c] = sum[2 * c + 1] / rm->M - m * m;
    }
    for (int64_t i = 0; i < nq; i++) {   /* partial selection sort, ties to the earlier draw */
        int64_t best = i;
        for (int64_t j = i + 1; j < C; j++)
            if (rm->cand_score[rm->cand_order[j]] > rm->cand_score[rm->cand_order[best]]) best = j;
        int64_t t = rm->cand_order[i];
        rm->cand_order[i] = rm->cand_order[best];
        rm->cand_order[best] = t;
    }
}

/* ---- the teacher -------------------------------------------------------------------------- */

/* the (myopic) return of true rewards r over len steps: step t weighted gamma^(len - 1 - t) */
static double teacher_return(const reward_model *rm, const float *r, int len)
{
    double R = 0.0, w = 1.0;
    for (int t = len - 1; t >= 0; t--, w *= rm->t_gamma) R += w * r[t];
    return R;
}

static void store_pair(reward_model *rm, const float *x, const float *len, double R0, double R1, float y)
{
    const size_t S = (size_t)rm->L * rm->in_dim;
    int64_t n = rm->n_labels++;
    memcpy(rm->ds_x + (size_t)n * 2 * S, x, 2 * S * sizeof(float));
    rm->ds_len[2 * n] = len[0];
    rm->ds_len[2 * n + 1] = len[1];
    rm->ds_ret[2 * n] = (float)R0;
    rm->ds_ret[2 * n + 1] = (float)R1;
    rm->ds_y[n] = y;
}

/* B-Pref's teacher on the nq selected pairs: skip (both returns below skip x m), equal (returns
 * within equal x m: label 1/2), otherwise the better segment, flipped with probability eps;
 * m is the mean |return| of this round's selected segments. Every query counts to the budget. */
static void ask_teacher(reward_model *rm, int64_t nq)
{
    const size_t S = (size_t)rm->L * rm->in_dim;
    double m = 0.0;
    for (int64_t i = 0; i < nq; i++) {
        int64_t c = rm->cand_order[i];
        for (int s = 0; s < 2; s++) {
            double R = teacher_return(rm, rm->cand_r + (size_t)(2 * c + s) * rm->L, (int)rm->cand_len[2 * c + s]);
            rm->seg_r[2 * i + s] = R;
            m += fabs(R) / (2.0 * (double)nq);
        }
    }
    for (int64_t i = 0; i < nq; i++) {
        int64_t c = rm->cand_order[i];
        double R0 = rm->seg_r[2 * i], R1 = rm->seg_r[2 * i + 1];
        rm->queries++;
        if (rm->t_skip > 0 && R0 < rm->t_skip * m && R1 < rm->t_skip * m) continue;
        float y = R0 > R1 ? 1.0f : R0 < R1 ? 0.0f : 0.5f;
        if (rm->t_equal > 0 && fabs(R0 - R1) < rm->t_equal * m) y = 0.5f;
        else if (rm->t_eps > 0 && rl_rng_double(&rm->teacher_rng) < rm->t_eps) y = 1.0f - y;
        store_pair(rm, rm->cand_x + (size_t)c * 2 * S, rm->cand_len + 2 * c, R0, R1, y);
    }
}

bool rm_query_round(reward_model *rm)
{
    int64_t nq = rm->max_labels - rm->queries;
    if (nq > rm->per_round) nq = rm->per_round;
    int64_t C = nq * rm->cand_factor;
    if (nq <= 0 || !draw_candidates(rm, C)) return false;
    select_queries(rm, nq, C);
    ask_teacher(rm, nq);
    return true;
}

bool reward_model_add_label(reward_model *rm, const float *x0, const float *x1, float y)
{
    if (rm->n_labels >= rm->max_labels) return false;
    const size_t S = (size_t)rm->L * rm->in_dim;
    memcpy(rm->cand_x, x0, S * sizeof(float));
    memcpy(rm->cand_x + S, x1, S * sizeof(float));
    float len[2] = {(float)rm->L, (float)rm->L};
    store_pair(rm, rm->cand_x, len, 0.0, 0.0, y);
    rm->queries++;
    return true;
}

/* ---- a round: ask, then train ------------------------------------------------------------ */

bool reward_model_update(reward_model *rm, int64_t step, const agent_algo *algo, void *agent)
{
    if (step < rm->next_query || rm->queries >= rm->max_labels) return false;
    if (!rm_query_round(rm)) {
        /* not enough complete segments yet: try again a little later */
        int64_t wait = rm->query_interval < 1000 ? rm->query_interval : 1000;
        rm->next_query = step + wait;
        return false;
    }
    rm->next_query = step + rm->query_interval;
    reward_model_train(rm);
    rm_norm_refit(rm);
    if (algo->relabel) algo->relabel(agent, reward_model_reward, rm);
    return true;
}
