/* rlc nn: the multi-layer perceptron over caller-owned flat buffers.
 *
 * Shape, binding of the per-layer pointers into one flat parameter (and gradient) buffer,
 * the forward cache (every layer's post-activation output plus two scratch rows for backward),
 * forward and backward. Layer l is a dense layer sizes[l] -> sizes[l+1] followed by hidden_act,
 * or out_act for the last layer. Nothing allocates: the caller owns params, grads and the cache
 * buffer. Orthogonal initialisation lives in init.c. */
#include "nn/nn.h"

#include <stdio.h>
#include <string.h>

static nn_act layer_act(const nn_mlp *m, int l)
{
    return l == m->n_layers - 1 ? m->out_act : m->hidden_act;
}

void nn_mlp_shape(nn_mlp *m, int n_in, const int *hidden, int n_hidden, int n_out,
                  nn_act hidden_act, nn_act out_act)
{
    RL_ASSERT(n_hidden >= 0 && n_hidden + 1 <= NN_MAX_LAYERS);
    RL_ASSERT(n_hidden == 0 || hidden != NULL);
    RL_ASSERT(n_in > 0 && n_out > 0);
    RL_ASSERT((int)hidden_act >= 0 && hidden_act < NN_ACT_COUNT);
    RL_ASSERT((int)out_act >= 0 && out_act < NN_ACT_COUNT);
    memset(m, 0, sizeof *m);
    m->n_layers = n_hidden + 1;
    m->sizes[0] = n_in;
    for (int h = 0; h < n_hidden; h++) {
        RL_ASSERT(hidden[h] > 0);
        m->sizes[h + 1] = hidden[h];
    }
    m->sizes[m->n_layers] = n_out;
    m->hidden_act = hidden_act;
    m->out_act = out_act;
    size_t n = 0;
    for (int l = 0; l < m->n_layers; l++)
        n += (size_t)m->sizes[l + 1] * (size_t)m->sizes[l] + (size_t)m->sizes[l + 1];
    m->n_params = n;
}

int nn_mlp_tensors(nn_tensor *t, char names[][48], const char *prefix, const nn_mlp *m)
{
    int n = 0;
    for (int l = 0; l < m->n_layers; l++) {
        snprintf(names[n], 48, "%s.%d.weight", prefix, l);
        t[n] = (nn_tensor){names[n], m->w[l], 2, {m->sizes[l + 1], m->sizes[l]}};
        n++;
        snprintf(names[n], 48, "%s.%d.bias", prefix, l);
        t[n] = (nn_tensor){names[n], m->b[l], 1, {m->sizes[l + 1]}};
        n++;
    }
    return n;
}

void nn_mlp_bind(nn_mlp *m, float *params, float *grads)
{
    RL_ASSERT(m->n_layers > 0 && params != NULL);
    m->params = params;
    m->grads = grads;
    size_t at = 0;
    for (int l = 0; l < m->n_layers; l++) {
        size_t I = (size_t)m->sizes[l], O = (size_t)m->sizes[l + 1];
        m->w[l] = params + at;
        m->b[l] = params + at + O * I;
        m->dw[l] = grads ? grads + at : NULL;
        m->db[l] = grads ? grads + at + O * I : NULL;
        at += O * I + O;
    }
    RL_ASSERT(at == m->n_params);
}

/* Widest layer output: the scratch rows hold pre-activation gradients and hidden dinp's. */
static int max_width(const nn_mlp *m)
{
    int w = 0;
    for (int l = 1; l <= m->n_layers; l++)
        if (m->sizes[l] > w) w = m->sizes[l];
    return w;
}

size_t nn_mlp_cache_floats(const nn_mlp *m, int max_batch)
{
    RL_ASSERT(m->n_layers > 0 && max_batch > 0);
    size_t n = 0;
    for (int l = 1; l <= m->n_layers; l++) n += (size_t)max_batch * (size_t)m->sizes[l];
    n += 2 * (size_t)max_batch * (size_t)max_width(m);
    return n;
}

void nn_mlp_cache_bind(nn_mlp_cache *c, const nn_mlp *m, float *buf, int max_batch)
{
    RL_ASSERT(m->n_layers > 0 && max_batch > 0 && buf != NULL);
    memset(c, 0, sizeof *c);
    c->max_batch = max_batch;
    size_t at = 0;
    for (int l = 1; l <= m->n_layers; l++) {
        c->act[l] = buf + at;
        at += (size_t)max_batch * (size_t)m->sizes[l];
    }
    size_t sw = (size_t)max_batch * (size_t)max_width(m);
    c->scratch[0] = buf + at;
    c->scratch[1] = buf + at + sw;
    RL_ASSERT(at + 2 * sw == nn_mlp_cache_floats(m, max_batch));
}

float *nn_mlp_forward(nn_mlp_cache *c, const nn_mlp *m, const float *inp, int B)
{
    // inp (B, sizes[0]) -> act[l] (B, sizes[l]) for l = 1..n_layers
    RL_ASSERT(B >= 0 && B <= c->max_batch);
    const float *x = inp;
    for (int l = 0; l < m->n_layers; l++) {
        int I = m->sizes[l], O = m->sizes[l + 1];
        float *out = c->act[l + 1];
        nn_dense_forward(out, x, m->w[l], m->b[l], B, I, O);
        nn_act_forward(out, out, layer_act(m, l), (size_t)B * (size_t)O);
        x = out;
    }
    return c->act[m->n_layers];
}

void nn_mlp_backward(float *dinp, nn_mlp_cache *c, nn_mlp *m, const float *dout,
                     const float *inp, int B)
{
    nn_mlp_backward_add(dinp, c, m, dout, inp, 0, NULL, B);
}

void nn_mlp_backward_add(float *dinp, nn_mlp_cache *c, nn_mlp *m, const float *dout,
                         const float *inp, int at, const float *dact, int B)
{
    RL_ASSERT(!dact || (at >= 1 && at < m->n_layers));
    nn_mlp_backward_top(c, m, dout, B);
    for (int l = m->n_layers - 1; l >= 0; l--) {
        nn_mlp_backward_params(c, m, inp, l, B);
        nn_mlp_backward_input(dinp, c, m, l, at, dact, B);
    }
}

/* the gradient with respect to layer l's pre-activation: scratch rows alternate from the top */
static float *pre_grad(nn_mlp_cache *c, const nn_mlp *m, int l)
{
    return c->scratch[(m->n_layers - 1 - l) & 1];
}

void nn_mlp_backward_top(nn_mlp_cache *c, const nn_mlp *m, const float *dout, int B)
{
    // dout (B, sizes[L]) -> the last layer's pre-activation gradient
    RL_ASSERT(B >= 0 && B <= c->max_batch);
    int L = m->n_layers;
    nn_act_backward(pre_grad(c, m, L - 1), dout, c->act[L], m->out_act, (size_t)B * (size_t)m->sizes[L]);
}

void nn_mlp_backward_params(nn_mlp_cache *c, nn_mlp *m, const float *inp, int l, int B)
{
    // dw[l] (O, I) += cur^T x, db[l] (O) += sum_b cur, x = layer l's input (B, I)
    RL_ASSERT(l >= 0 && l < m->n_layers && B <= c->max_batch);
    const float *x = l == 0 ? inp : c->act[l];
    nn_dense_backward(NULL, m->dw[l], m->db[l], pre_grad(c, m, l), x, m->w[l], B, m->sizes[l], m->sizes[l + 1]);
}

void nn_mlp_backward_input(float *dinp, nn_mlp_cache *c, const nn_mlp *m, int l, int at, const float *dact, int B)
{
    // layer l's input gradient: dinp (B, sizes[0]) for l = 0 (if non-NULL), else layer l-1's
    // pre-activation gradient (B, sizes[l]), with dact (B, sizes[at]) added at l == at
    RL_ASSERT(l >= 0 && l < m->n_layers && B <= c->max_batch);
    int I = m->sizes[l], O = m->sizes[l + 1];
    float *dx = l == 0 ? dinp : pre_grad(c, m, l - 1);
    if (!dx) return;
    nn_dense_backward(dx, NULL, NULL, pre_grad(c, m, l), NULL, m->w[l], B, I, O);
    if (l == 0) return;
    // the extra gradient at act[l], then through the hidden activation whose output it is
    if (dact && l == at)
        for (size_t i = 0; i < (size_t)B * (size_t)I; i++) dx[i] += dact[i];
    nn_act_backward(dx, dx, c->act[l], m->hidden_act, (size_t)B * (size_t)I);
}
