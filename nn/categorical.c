/* rlc nn: the categorical distribution over unnormalised logits (B, K): sampling, mode,
 * log-probability, entropy and the backward of log-probability and entropy.
 * Every row is handled through a stable log-sum-exp; nothing allocates. */
#include "nn/nn.h"

#include <math.h>

#include "core/mathx.h"

void nn_categorical_sample(int *actions, const float *logits, int B, int K, rl_rng *rng)
{
    // actions (B), logits (B, K)
    RL_ASSERT(K > 0);
    for (int b = 0; b < B; b++) {
        const float *x = logits + (size_t)b * K;
        double lse = (double)rl_logsumexp(x, K);
        double u = rl_rng_double(rng);
        double cum = 0.0;
        /* rounding may leave the total a hair below 1: fall back to the last action of
         * non-zero probability (a masked action's is exactly 0: its logit is ONP's -1e8) */
        int a = -1, last = K - 1;
        for (int k = 0; k < K; k++) {
            double pk = exp((double)x[k] - lse);
            cum += pk;
            if (pk > 0.0) last = k;
            if (u < cum) {
                a = k;
                break;
            }
        }
        actions[b] = a >= 0 ? a : last;
    }
}

void nn_categorical_mode(int *actions, const float *logits, int B, int K)
{
    // actions (B), logits (B, K)
    RL_ASSERT(K > 0);
    for (int b = 0; b < B; b++) {
        const float *x = logits + (size_t)b * K;
        int best = 0;
        for (int k = 1; k < K; k++)
            if (x[k] > x[best]) best = k;
        actions[b] = best;
    }
}

void nn_categorical_log_prob(float *logp, const float *logits, const int *actions, int B, int K)
{
    // logp (B), logits (B, K), actions (B)
    for (int b = 0; b < B; b++) {
        const float *x = logits + (size_t)b * K;
        int a = actions[b];
        RL_ASSERT(a >= 0 && a < K);
        logp[b] = x[a] - rl_logsumexp(x, K);
    }
}

void nn_categorical_entropy(float *ent, const float *logits, int B, int K)
{
    // ent (B), logits (B, K)
    for (int b = 0; b < B; b++) {
        const float *x = logits + (size_t)b * K;
        double lse = (double)rl_logsumexp(x, K);
        double h = 0.0;
        for (int k = 0; k < K; k++) {
            double lp = (double)x[k] - lse;
            h -= exp(lp) * lp;
        }
        ent[b] = (float)h;
    }
}

void nn_categorical_backward(float *dlogits, const float *logits, const int *actions,
                             const float *dlogp, const float *dent, int B, int K)
{
    // dlogits (B, K) +=, logits (B, K), actions (B), dlogp (B) or NULL, dent (B) or NULL
    for (int b = 0; b < B; b++) {
        const float *x = logits + (size_t)b * K;
        float *dx = dlogits + (size_t)b * K;
        double lse = (double)rl_logsumexp(x, K);
        double h = 0.0;
        if (dent) {
            for (int k = 0; k < K; k++) {
                double lp = (double)x[k] - lse;
                h -= exp(lp) * lp;
            }
        }
        // d logp_a / dx_k = [k == a] - p_k;  d H / dx_k = -p_k (log p_k + H)
        double gl = dlogp ? (double)dlogp[b] : 0.0;
        double ge = dent ? (double)dent[b] : 0.0;
        int a = -1;
        if (dlogp) {
            a = actions[b];
            RL_ASSERT(a >= 0 && a < K);
        }
        for (int k = 0; k < K; k++) {
            double lp = (double)x[k] - lse;
            double p = exp(lp);
            double g = 0.0;
            if (dlogp) g += gl * ((k == a ? 1.0 : 0.0) - p);
            if (dent) g -= ge * p * (lp + h);
            dx[k] += (float)g;
        }
    }
}
