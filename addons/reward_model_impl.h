/* rlc addons: the reward model's private state, shared by agents/reward_model*.c and
 * addons/reward_teacher.c (nothing else includes this header). */
#ifndef RLC_ADDONS_REWARD_MODEL_IMPL_H
#define RLC_ADDONS_REWARD_MODEL_IMPL_H

#include "addons/reward_model.h"
#include "core/rng.h"
#include "losses/loss.h"

#define RM_MAX_MEMBERS 16
#define RM_WINDOW 10            /* episodes in rm_return_mean */
#define RM_NORM_REFIT 10000     /* newest transitions the normalisation is refitted on */
#define RM_SAMPLE_TRIES 64      /* draws per segment before a round is postponed */

typedef enum { RM_NORM_MEAN_STD = 0, RM_NORM_STD, RM_NORM_NONE } rm_norm_mode;

struct reward_model {
    /* sizes */
    int D, A, in_dim, M, L, N;
    bool discrete;
    int n_act;
    float *lo, *hi;             /* (A) Box bounds */
    int max_rows;               /* rows of one forward: batch_size x 2 x L, at least 64 and N */
    /* the ensemble: M MLPs in one flat buffer (M, P), trained in lockstep by one Adam */
    nn_mlp net[RM_MAX_MEMBERS];
    size_t P;
    float *params, *grads;
    nn_adam opt;
    nn_mlp_cache cache;
    float *cache_mem;
    loss_spec loss;
    /* settings */
    bool disagreement;
    rm_norm_mode norm_mode;
    int64_t per_round, cand_factor, epochs, batch, query_start, query_interval, max_labels;
    double t_eps, t_gamma, t_skip, t_equal;
    /* ring of recent transitions, one row of N per vector step: inputs, true rewards, ends */
    int64_t rows, added_rows;
    float *ring_x;              /* (rows, N, in_dim) */
    float *ring_r;              /* (rows, N) */
    unsigned char *ring_end;    /* (rows, N) 1 when the episode ended at that step */
    /* the preference dataset */
    int64_t n_labels, queries;
    float *ds_x;                /* (max_labels, 2, L, in_dim) */
    float *ds_len;              /* (max_labels, 2) valid steps of each segment */
    float *ds_ret;              /* (max_labels, 2) the teacher's (myopic) returns */
    float *ds_y;                /* (max_labels) P(segment 0 preferred): 0, 1/2 or 1 */
    /* a round's candidates */
    int64_t cap_cand;
    float *cand_x;              /* (cap_cand, 2, L, in_dim) */
    float *cand_r;              /* (cap_cand, 2, L) true rewards */
    float *cand_len;            /* (cap_cand, 2) */
    double *cand_ret;           /* (cap_cand, 2) scratch returns */
    double *cand_score;         /* (cap_cand) */
    int64_t *cand_order;        /* (cap_cand) */
    /* training scratch */
    int64_t *perm;              /* (M, max_labels) each member's shuffle */
    float *bx;                  /* (batch, 2, L, in_dim) */
    float *blen;                /* (batch, 2) */
    float *pc, *pr, *zero, *lc, *lr, *w, *dpc, *dpr;   /* (2 batch) */
    float *dout;                /* (batch, 2, L) */
    double *seg_r;              /* (max(2 batch, 2 cap_cand)) */
    /* per step */
    float *prev_obs;            /* (N, D) */
    float *x_step;              /* (max_rows, in_dim) */
    float *pred;                /* (max_rows) */
    double *ep_learned;         /* (N) learned return of the running episodes */
    double win[RM_WINDOW];
    int64_t n_win;
    /* normalisation: running mean and sum of squared deviations of the predictions */
    double norm_n, norm_mean, norm_m2;
    rl_rng rng, teacher_rng;
    int64_t next_query;
    double last_loss, last_acc;
};

void rm_predict_mean(reward_model *rm, const float *x, int n, float *out);
void rm_segment_returns(reward_model *rm, int k, const float *x, const float *len, int64_t n, double *out);
void rm_norm_refit(reward_model *rm);
/* Draws candidates, selects, asks the teacher and stores the labels; false (nothing changed)
 * when the ring does not yet hold enough complete segments. */
bool rm_query_round(reward_model *rm);

#endif
