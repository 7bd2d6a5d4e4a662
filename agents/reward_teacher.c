/* rlc agents: the preference rounds of the reward model (agents/reward_model.h): segments drawn
 * from the ring of recent transitions, query selection (uniform or ensemble disagreement), the
 * simulated teacher of B-Pref, and the training of the ensemble on the labelled pairs with the
 * registry's preference loss. */
#include <math.h>
#include <string.h>

#include "agents/reward_model_impl.h"

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

/* ---- training ----------------------------------------------------------------------------- */

/* The preference loss of member k on labelled pairs idx[0..n): every pair gives two entries,
 * (R0 over R1) weighted 2y and (R1 over R0) weighted 2(1 - y), so the loss is the mean over
 * pairs of the soft-label cross entropy (for bradley_terry). With grads, dL/dR of each segment
 * goes to each of its valid steps and through member k's backward (added to its gradient). */
static double pair_loss(reward_model *rm, int k, const int64_t *idx, int n, bool grads)
{
    const int L = rm->L;
    const size_t S = (size_t)L * rm->in_dim;
    for (int j = 0; j < n; j++) {
        memcpy(rm->bx + (size_t)j * 2 * S, rm->ds_x + (size_t)idx[j] * 2 * S, 2 * S * sizeof(float));
        rm->blen[2 * j] = rm->ds_len[2 * idx[j]];
        rm->blen[2 * j + 1] = rm->ds_len[2 * idx[j] + 1];
    }
    int rows = 2 * n * L;
    const float *out = nn_mlp_forward(&rm->cache, &rm->net[k], rm->bx, rows);   // (rows, 1)
    for (int j = 0; j < n; j++) {
        double R[2] = {0.0, 0.0};
        for (int s = 0; s < 2; s++)
            for (int t = 0; t < (int)rm->blen[2 * j + s]; t++) R[s] += out[(size_t)(2 * j + s) * L + t];
        float y = rm->ds_y[idx[j]];
        rm->pc[2 * j] = (float)R[0], rm->pr[2 * j] = (float)R[1], rm->w[2 * j] = 2.0f * y;
        rm->pc[2 * j + 1] = (float)R[1], rm->pr[2 * j + 1] = (float)R[0], rm->w[2 * j + 1] = 2.0f * (1.0f - y);
        rm->lc[2 * j] = rm->lr[2 * j + 1] = rm->blen[2 * j];
        rm->lr[2 * j] = rm->lc[2 * j + 1] = rm->blen[2 * j + 1];
    }
    double loss = loss_preference_eval(&rm->loss, rm->pc, rm->pr, rm->zero, rm->zero, rm->lc, rm->lr, rm->w, 2 * n,
                                       grads ? rm->dpc : NULL, grads ? rm->dpr : NULL);
    if (!grads) return loss;
    for (int j = 0; j < n; j++) {
        float d[2] = {rm->dpc[2 * j] + rm->dpr[2 * j + 1], rm->dpr[2 * j] + rm->dpc[2 * j + 1]};
        for (int s = 0; s < 2; s++)
            for (int t = 0; t < L; t++) rm->dout[(size_t)(2 * j + s) * L + t] = t < (int)rm->blen[2 * j + s] ? d[s] : 0.0f;
    }
    nn_mlp_backward(NULL, &rm->cache, &rm->net[k], rm->dout, rm->bx, rows);
    return loss;
}

double reward_model_pair_loss(reward_model *rm, int k, const int64_t *idx, int n, bool grads)
{
    RL_ASSERT(k >= 0 && k < rm->M && n > 0 && n <= rm->batch);
    if (grads) memset(rm->grads + (size_t)k * rm->P, 0, rm->P * sizeof(float));
    return pair_loss(rm, k, idx, n, grads);
}

/* the ensemble mean's agreement with the teacher on the labelled pairs (ties left out) */
static double accuracy(reward_model *rm)
{
    const size_t S = (size_t)rm->L * rm->in_dim;
    int64_t right = 0, counted = 0;
    for (int64_t j0 = 0; j0 < rm->n_labels; j0 += rm->batch) {
        int64_t m = rm->n_labels - j0 < rm->batch ? rm->n_labels - j0 : rm->batch;
        rm_segment_returns(rm, -1, rm->ds_x + (size_t)j0 * 2 * S, rm->ds_len + 2 * j0, 2 * m, rm->seg_r);
        for (int64_t j = 0; j < m; j++) {
            float y = rm->ds_y[j0 + j];
            if (y == 0.5f) continue;
            counted++;
            right += (rm->seg_r[2 * j] > rm->seg_r[2 * j + 1]) == (y > 0.5f);
        }
    }
    return counted ? (double)right / (double)counted : NAN;
}

static void shuffle(int64_t *p, int64_t n, rl_rng *rng)
{
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(rl_rng_double(rng) * (double)(i + 1));
        if (j > i) j = i;
        int64_t t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
}

/* Every member sees its own shuffle of the labels; the members step together (one Adam over the
 * flat ensemble buffer is M independent Adams). A non-finite loss skips that minibatch. */
void reward_model_train(reward_model *rm)
{
    const int64_t n = rm->n_labels, lab = rm->max_labels;
    if (n == 0) return;
    for (int k = 0; k < rm->M; k++)
        for (int64_t i = 0; i < n; i++) rm->perm[(size_t)k * lab + i] = i;
    double last = 0.0;
    for (int64_t ep = 0; ep < rm->epochs; ep++) {
        for (int k = 0; k < rm->M; k++) shuffle(rm->perm + (size_t)k * lab, n, &rm->rng);
        last = 0.0;
        for (int64_t b0 = 0; b0 < n; b0 += rm->batch) {
            int m = n - b0 < rm->batch ? (int)(n - b0) : (int)rm->batch;
            memset(rm->grads, 0, (size_t)rm->M * rm->P * sizeof(float));
            double l = 0.0;
            for (int k = 0; k < rm->M; k++) l += pair_loss(rm, k, rm->perm + (size_t)k * lab + b0, m, true);
            if (!isfinite(l)) continue;
            last += l * m / ((double)rm->M * (double)n);
            nn_adam_step(&rm->opt, rm->params, rm->grads);
        }
    }
    rm->last_loss = last;
    rm->last_acc = accuracy(rm);
}
