/* rlc nn: the observation encoder, one image encoder or one encoder per part (nn/obs_encoder.h). */
#include "nn/obs_encoder.h"

#include <stdio.h>
#include <string.h>

/* ---- shapes and parameters --------------------------------------------------------------- */

void nn_obs_encoder_single(nn_obs_encoder *e, const nn_encoder *cnn)
{
    memset(e, 0, sizeof *e);
    e->cnn[0] = *cnn;
    e->in_dim = cnn->H * cnn->W * cnn->C;
    e->out_dim = cnn->out_dim;
    e->n_params = cnn->n_params;
}

void nn_obs_encoder_start(nn_obs_encoder *e, int in_dim)
{
    memset(e, 0, sizeof *e);
    e->in_dim = in_dim;
}

void nn_obs_encoder_add(nn_obs_encoder *e, const char *name, int dim, const nn_encoder *cnn)
{
    RL_ASSERT(e->n_parts < NN_OBS_MAX_PARTS);
    int i = e->n_parts++;
    e->in_off[i] = i ? e->in_off[i - 1] + e->dim[i - 1] : 0;
    e->dim[i] = dim;
    RL_ASSERT(e->in_off[i] + dim <= e->in_dim);
    e->out_off[i] = e->out_dim;
    snprintf(e->name[i], sizeof e->name[i], "%s", name);
    e->image[i] = cnn != NULL;
    if (!cnn) {
        e->out_dim += dim;
        return;
    }
    RL_ASSERT(cnn->H * cnn->W * cnn->C == dim);
    e->cnn[i] = *cnn;
    e->p_off[i] = e->n_params;
    e->n_params += cnn->n_params;
    e->out_dim += cnn->out_dim;
}

int nn_obs_encoder_n_tensors(const nn_obs_encoder *e)
{
    int n = 0;
    for (int i = 0; i < (e->n_parts ? e->n_parts : 1); i++)
        if (!e->n_parts || e->image[i]) n += 2 * e->cnn[i].n_conv + (e->cnn[i].dense ? 2 : 0);
    return n;
}

/* whether part i has an image encoder (the single encoder is part 0) */
static bool has_cnn(const nn_obs_encoder *e, int i) { return e->n_parts == 0 ? i == 0 : e->image[i]; }
static int n_slots(const nn_obs_encoder *e) { return e->n_parts ? e->n_parts : 1; }

void nn_obs_encoder_bind(nn_obs_encoder *e, float *params, float *grads)
{
    e->params = params;
    e->grads = grads;
    for (int i = 0; i < n_slots(e); i++)
        if (has_cnn(e, i)) nn_encoder_bind(&e->cnn[i], params + e->p_off[i], grads ? grads + e->p_off[i] : NULL);
}

void nn_obs_encoder_init_torch_default(nn_obs_encoder *e, rl_rng *rng)
{
    for (int i = 0; i < n_slots(e); i++)
        if (has_cnn(e, i)) nn_encoder_init_torch_default(&e->cnn[i], rng);
}

void nn_obs_encoder_init_orthogonal(nn_obs_encoder *e, float gain, rl_rng *rng)
{
    for (int i = 0; i < n_slots(e); i++)
        if (has_cnn(e, i)) nn_encoder_init_orthogonal(&e->cnn[i], gain, rng);
}

/* ---- the cache --------------------------------------------------------------------------- */

size_t nn_obs_encoder_cache_floats(const nn_obs_encoder *e, int max_batch)
{
    if (!e->n_parts) return nn_encoder_cache_floats(&e->cnn[0], max_batch);
    size_t B = (size_t)max_batch, n = B * e->out_dim, dmax = 0;
    for (int i = 0; i < e->n_parts; i++) {
        if (!e->image[i]) continue;
        n += nn_encoder_cache_floats(&e->cnn[i], max_batch) + B * e->dim[i];
        if ((size_t)e->cnn[i].out_dim > dmax) dmax = (size_t)e->cnn[i].out_dim;
    }
    return n + B * dmax;
}

void nn_obs_encoder_cache_bind(nn_obs_encoder_cache *c, const nn_obs_encoder *e, float *buf, int max_batch)
{
    memset(c, 0, sizeof *c);
    c->max_batch = max_batch;
    if (!e->n_parts) {
        nn_encoder_cache_bind(&c->cnn[0], &e->cnn[0], buf, max_batch);
        return;
    }
    size_t B = (size_t)max_batch;
    c->out = buf, buf += B * e->out_dim;
    for (int i = 0; i < e->n_parts; i++) {
        if (!e->image[i]) continue;
        nn_encoder_cache_bind(&c->cnn[i], &e->cnn[i], buf, max_batch);
        buf += nn_encoder_cache_floats(&e->cnn[i], max_batch);
        c->in[i] = buf, buf += B * e->dim[i];
    }
    c->dpart = buf;
}

/* ---- forward and backward ---------------------------------------------------------------- */

/* columns [off, off + w) of the B rows of src (stride sw) into the B rows of dst (stride dw) from dcol */
static void copy_cols(float *dst, int dw, int dcol, const float *src, int sw, int off, int w, int B)
{
    for (int b = 0; b < B; b++)
        memcpy(dst + (size_t)b * dw + dcol, src + (size_t)b * sw + off, (size_t)w * sizeof(float));
}

const float *nn_obs_encoder_forward(nn_obs_encoder_cache *c, const nn_obs_encoder *e, const float *obs, int B)
{
    RL_ASSERT(B >= 1 && B <= c->max_batch);
    if (!e->n_parts) return nn_encoder_forward(&c->cnn[0], &e->cnn[0], obs, B);
    for (int i = 0; i < e->n_parts; i++) {
        if (!e->image[i]) {
            copy_cols(c->out, e->out_dim, e->out_off[i], obs, e->in_dim, e->in_off[i], e->dim[i], B);
            continue;
        }
        copy_cols(c->in[i], e->dim[i], 0, obs, e->in_dim, e->in_off[i], e->dim[i], B);
        const float *f = nn_encoder_forward(&c->cnn[i], &e->cnn[i], c->in[i], B);
        copy_cols(c->out, e->out_dim, e->out_off[i], f, e->cnn[i].out_dim, 0, e->cnn[i].out_dim, B);
    }
    return c->out;
}

void nn_obs_encoder_backward(nn_obs_encoder_cache *c, nn_obs_encoder *e, const float *dfeat, int B)
{
    RL_ASSERT(e->grads != NULL && B >= 1 && B <= c->max_batch);
    if (!e->n_parts) {
        nn_encoder_backward(&c->cnn[0], &e->cnn[0], dfeat, B);
        return;
    }
    for (int i = 0; i < e->n_parts; i++) {
        if (!e->image[i]) continue;   /* the identity has no parameters, and the input needs no gradient */
        int w = e->cnn[i].out_dim;
        copy_cols(c->dpart, w, 0, dfeat, e->out_dim, e->out_off[i], w, B);
        nn_encoder_backward(&c->cnn[i], &e->cnn[i], c->dpart, B);
    }
}

int nn_obs_encoder_tensors(nn_tensor *t, char names[][48], const char *prefix, const nn_obs_encoder *e)
{
    if (!e->n_parts) return nn_encoder_tensors(t, names, prefix, &e->cnn[0]);
    int n = 0;
    for (int i = 0; i < e->n_parts; i++) {
        if (!e->image[i]) continue;
        char pre[48];
        snprintf(pre, sizeof pre, "%s.%s", prefix, e->name[i]);
        n += nn_encoder_tensors(t + n, names + n, pre, &e->cnn[i]);
    }
    return n;
}
