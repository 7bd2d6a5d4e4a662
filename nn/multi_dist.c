/* rlc nn: the action distributions of MultiDiscrete and MultiBinary spaces, as Stable-Baselines3
 * builds them: independent categoricals over concatenated logits (MultiCategorical) and
 * independent Bernoullis over one logit per bit; a row's log-probability and entropy are the
 * sums over its components. Nothing allocates. */
#include "nn/nn.h"

#include <math.h>

#include "core/mathx.h"

/* ---- MultiDiscrete: one categorical per component ------------------------------------------ */

void nn_multicat_sample(int *actions, const float *logits, int B, const int *nvec, int M, rl_rng *rng)
{
    // actions (B, M), logits (B, sum nvec)
    const float *x = logits;
    for (int b = 0; b < B; b++)
        for (int m = 0; m < M; m++) {
            nn_categorical_sample(actions + (size_t)b * M + m, x, 1, nvec[m], rng);
            x += nvec[m];
        }
}

void nn_multicat_mode(int *actions, const float *logits, int B, const int *nvec, int M)
{
    const float *x = logits;
    for (int b = 0; b < B; b++)
        for (int m = 0; m < M; m++) {
            nn_categorical_mode(actions + (size_t)b * M + m, x, 1, nvec[m]);
            x += nvec[m];
        }
}

void nn_multicat_log_prob(float *logp, const float *logits, const int *actions, int B, const int *nvec, int M)
{
    // logp (B)
    const float *x = logits;
    for (int b = 0; b < B; b++) {
        double s = 0.0;
        for (int m = 0; m < M; m++) {
            float lp;
            nn_categorical_log_prob(&lp, x, actions + (size_t)b * M + m, 1, nvec[m]);
            s += lp;
            x += nvec[m];
        }
        logp[b] = (float)s;
    }
}

void nn_multicat_entropy(float *ent, const float *logits, int B, const int *nvec, int M)
{
    const float *x = logits;
    for (int b = 0; b < B; b++) {
        double s = 0.0;
        for (int m = 0; m < M; m++) {
            float h;
            nn_categorical_entropy(&h, x, 1, nvec[m]);
            s += h;
            x += nvec[m];
        }
        ent[b] = (float)s;
    }
}

void nn_multicat_backward(float *dlogits, const float *logits, const int *actions, const float *dlogp,
                          const float *dent, int B, const int *nvec, int M)
{
    // the gradient of a sum is each component's categorical gradient with the row's weights
    size_t at = 0;
    for (int b = 0; b < B; b++)
        for (int m = 0; m < M; m++) {
            nn_categorical_backward(dlogits + at, logits + at, actions + (size_t)b * M + m, dlogp ? dlogp + b : NULL,
                                    dent ? dent + b : NULL, 1, nvec[m]);
            at += (size_t)nvec[m];
        }
}

/* ---- MultiBinary: one Bernoulli per bit, P(1) = sigmoid(logit) ------------------------------- */

void nn_bernoulli_sample(int *actions, const float *logits, int B, int M, rl_rng *rng)
{
    // actions (B, M), logits (B, M): one uniform per bit
    size_t n = (size_t)B * M;
    for (size_t i = 0; i < n; i++) actions[i] = rl_rng_double(rng) < (double)rl_sigmoid(logits[i]);
}

void nn_bernoulli_mode(int *actions, const float *logits, int B, int M)
{
    // the more probable value; 0 on a tie (torch.round(0.5) = 0, SB3's mode)
    size_t n = (size_t)B * M;
    for (size_t i = 0; i < n; i++) actions[i] = logits[i] > 0.0f;
}

void nn_bernoulli_log_prob(float *logp, const float *logits, const int *actions, int B, int M)
{
    // log P(a) = a x - softplus(x)
    for (int b = 0; b < B; b++) {
        double s = 0.0;
        for (int m = 0; m < M; m++) {
            size_t i = (size_t)b * M + m;
            RL_ASSERT(actions[i] == 0 || actions[i] == 1);
            s += (actions[i] ? (double)logits[i] : 0.0) - (double)rl_softplus(logits[i]);
        }
        logp[b] = (float)s;
    }
}

void nn_bernoulli_entropy(float *ent, const float *logits, int B, int M)
{
    // H = softplus(x) - x sigmoid(x)
    for (int b = 0; b < B; b++) {
        double s = 0.0;
        for (int m = 0; m < M; m++) {
            float x = logits[(size_t)b * M + m];
            s += (double)rl_softplus(x) - (double)x * (double)rl_sigmoid(x);
        }
        ent[b] = (float)s;
    }
}

void nn_bernoulli_backward(float *dlogits, const float *logits, const int *actions, const float *dlogp,
                           const float *dent, int B, int M)
{
    // d logP / dx = a - p;  d H / dx = -x p (1 - p)
    for (int b = 0; b < B; b++)
        for (int m = 0; m < M; m++) {
            size_t i = (size_t)b * M + m;
            double x = logits[i], p = rl_sigmoid(logits[i]), g = 0.0;
            if (dlogp) g += (double)dlogp[b] * ((actions[i] ? 1.0 : 0.0) - p);
            if (dent) g -= (double)dent[b] * x * p * (1.0 - p);
            dlogits[i] += (float)g;
        }
}
