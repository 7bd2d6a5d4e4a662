/* rlc algos: the distribution heads of QR-DQN and C51 (algos/dqn_dist.h). */
#include "algos/dqn_dist.h"

#include <math.h>

#include "core/mathx.h"
#include "losses/loss.h"

void dqn_qr_values(const float *out, int K, int M, float *val)
{
    for (int k = 0; k < K; k++) {
        const float *o = out + (size_t)k * M;
        double s = 0.0;
        for (int j = 0; j < M; j++) s += o[j];
        s /= M;
        val[k] = (float)s;
    }
}

void dqn_qr_td(const float *qsa, const float *target, int B, int M, float *td)
{
    for (int i = 0; i < B; i++) {
        double d = 0.0;
        for (int j = 0; j < M; j++) d += target[(size_t)i * M + j] - qsa[(size_t)i * M + j];
        td[i] = (float)(d / M);
    }
}

void dqn_c51_atoms(float *atoms, int M, float v_min, float v_max)
{
    for (int j = 0; j < M; j++) atoms[j] = (float)(v_min + (v_max - v_min) * j / (M - 1.0));
}

void dqn_c51_values(const float *out, int K, int M, const float *atoms, float *val)
{
    for (int k = 0; k < K; k++) {
        const float *o = out + (size_t)k * M;
        float mx = o[0];
        for (int j = 1; j < M; j++) mx = o[j] > mx ? o[j] : mx;
        float z = 0.0f, sf = 0.0f;     /* float expf: this only ranks actions and builds targets */
        for (int j = 0; j < M; j++) {
            float e = expf(o[j] - mx);
            z += e;
            sf += e * atoms[j];
        }
        double s = (double)sf / z;
        val[k] = (float)s;
    }
}

void dqn_c51_target(float *target, float *probs, const float *logits, int M, float R, float disc, float v_min,
                    float v_max)
{
    rl_softmax(probs, logits, M);
    loss_c51_project(target, probs, &R, NULL, 1, M, disc, v_min, v_max);
}

void dqn_c51_td(const float *logits, const float *target, int B, int M, float *td)
{
    for (int i = 0; i < B; i++) {
        const float *l = logits + (size_t)i * M, *m = target + (size_t)i * M;
        float lse = rl_logsumexp(l, M);
        double ce = 0.0;
        for (int j = 0; j < M; j++) ce -= m[j] * (l[j] - lse);
        td[i] = (float)ce;
    }
}
