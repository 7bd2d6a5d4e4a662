/* rlc nn: IQN's cosine embedding of tau (nn/cos_embed.h). */
#include "nn/cos_embed.h"

#include <math.h>

void nn_cos_embed_shape(nn_cos_embed *e, int n_cos, int out)
{
    RL_ASSERT(n_cos > 0 && out > 0);
    e->n_cos = n_cos;
    e->out = out;
    nn_mlp_shape(&e->dense, n_cos, NULL, 0, out, NN_ACT_RELU, NN_ACT_RELU);
}

void nn_cos_embed_bind(nn_cos_embed *e, float *params, float *grads) { nn_mlp_bind(&e->dense, params, grads); }

void nn_cos_embed_init_torch_default(nn_cos_embed *e, rl_rng *rng) { nn_mlp_init_torch_default(&e->dense, rng); }

size_t nn_cos_embed_cache_floats(const nn_cos_embed *e, int max_batch)
{
    return nn_mlp_cache_floats(&e->dense, max_batch) + (size_t)max_batch * e->n_cos;
}

void nn_cos_embed_cache_bind(nn_cos_embed_cache *c, const nn_cos_embed *e, float *buf, int max_batch)
{
    nn_mlp_cache_bind(&c->dense, &e->dense, buf, max_batch);
    c->cos = buf + nn_mlp_cache_floats(&e->dense, max_batch);
}

const float *nn_cos_embed_forward(nn_cos_embed_cache *c, const nn_cos_embed *e, const float *taus, int n)
{
    RL_ASSERT(n <= c->dense.max_batch);
    const double pi = 3.14159265358979323846;
    for (int r = 0; r < n; r++) {
        /* cos(pi i tau) by the recurrence cos((i+1)x) = 2 cos(x) cos(ix) - cos((i-1)x), in double
         * (one cos a row instead of n_cos; within 1e-12 of cos() for n_cos <= 4096) */
        float *row = c->cos + (size_t)r * e->n_cos;
        double c1 = cos(pi * (double)taus[r]), prev = 1.0, cur = c1;
        row[0] = 1.0f;
        for (int i = 1; i < e->n_cos; i++) {
            row[i] = (float)cur;
            double next = 2.0 * c1 * cur - prev;
            prev = cur;
            cur = next;
        }
    }
    return nn_mlp_forward(&c->dense, &e->dense, c->cos, n);
}

void nn_cos_embed_backward(nn_cos_embed_cache *c, nn_cos_embed *e, const float *dphi, int n)
{
    nn_mlp_backward(NULL, &c->dense, &e->dense, dphi, c->cos, n);
}
