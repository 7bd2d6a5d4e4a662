/* rlc nn: the image encoder (nn/encoder.h): convolutions with ReLU, flatten, optional dense. */
#include "nn/encoder.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- the text form ----------------------------------------------------------------------- */

static const char *const enc_presets[][2] = {
    {"minatar", "16 3x3/1, dense 128"},
    {"nature", "32 8x8/4, 64 4x4/2, 64 3x3/1, dense 512"},
};

#define ENC_EXPECTED                                                                              \
    "a preset (minatar, nature) or a comma-separated list of layers: an optional first 'in HxWxC', " \
    "convolutions 'K AxB/S' with an optional 'p P' (e.g. '16 3x3/1 p1'), and an optional last "    \
    "'dense N'"

/* one item of the list, without surrounding blanks, into s; 0 on success */
static int parse_item(nn_encoder_spec *s, const char *it, bool first, bool last)
{
    int a, b, c, k, n = 0;
    if (first && sscanf(it, "in %dx%dx%d%n", &a, &b, &c, &n) == 3 && it[n] == '\0') {
        if (a < 1 || b < 1 || c < 1) return -1;
        s->in_h = a, s->in_w = b, s->in_c = c;
        return 0;
    }
    if (last && sscanf(it, "dense %d%n", &a, &n) == 1 && it[n] == '\0') {
        if (a < 1 || a > 65536) return -1;
        s->dense = a;
        return 0;
    }
    int p = 0;
    n = 0;
    if (sscanf(it, "%d %dx%d/%d%n", &k, &a, &b, &c, &n) != 4) return -1;
    if (it[n] != '\0') {
        int m = 0;
        if (sscanf(it + n, " p%d%n", &p, &m) != 1 || it[n + m] != '\0') return -1;
    }
    if (k < 1 || k > 4096 || a < 1 || a > 64 || b < 1 || b > 64 || c < 1 || c > 64 || p < 0 || p > 64) return -1;
    if (s->n_conv == NN_ENC_MAX_CONV) return -2;
    int i = s->n_conv++;
    s->filters[i] = k, s->kernel_h[i] = a, s->kernel_w[i] = b, s->stride[i] = c, s->pad[i] = p;
    return 0;
}

/* the item [b, e) of text with blanks trimmed, into buf */
static void trimmed(char *buf, size_t sz, const char *b, const char *e)
{
    while (b < e && isspace((unsigned char)*b)) b++;
    while (e > b && isspace((unsigned char)e[-1])) e--;
    size_t n = (size_t)(e - b) < sz - 1 ? (size_t)(e - b) : sz - 1;
    memcpy(buf, b, n);
    buf[n] = '\0';
}

rl_status nn_encoder_parse(nn_encoder_spec *s, const char *text, const char *where, char *err, size_t err_sz)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < sizeof enc_presets / sizeof enc_presets[0]; i++)
        if (strcmp(text, enc_presets[i][0]) == 0) return nn_encoder_parse(s, enc_presets[i][1], where, err, err_sz);
    int n_items = 1;
    for (const char *q = text; *q; q++) n_items += *q == ',';
    const char *b = text;
    for (int i = 0; i < n_items; i++) {
        const char *e = strchr(b, ',');
        if (!e) e = b + strlen(b);
        char item[96];
        trimmed(item, sizeof item, b, e);
        int r = parse_item(s, item, i == 0, i == n_items - 1);
        if (r == -2)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: '%s': more than %d convolutions", where, text,
                           NN_ENC_MAX_CONV);
        if (r != 0)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: unknown preset or bad layer '%s' (item %d of '%s'): expected %s",
                           where, item, i + 1, text, ENC_EXPECTED);
        b = e + 1;
    }
    if (s->n_conv == 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: '%s' has no convolution: expected %s", where, text,
                       ENC_EXPECTED);
    return RL_OK;
}

void nn_encoder_format(const nn_encoder_spec *s, char *out, size_t out_sz)
{
    size_t at = 0;
    out[0] = '\0';
    for (int i = 0; i < s->n_conv && at < out_sz; i++) {
        at += (size_t)snprintf(out + at, out_sz - at, "%s%d %dx%d/%d", i ? ", " : "", s->filters[i], s->kernel_h[i],
                               s->kernel_w[i], s->stride[i]);
        if (s->pad[i] && at < out_sz) at += (size_t)snprintf(out + at, out_sz - at, " p%d", s->pad[i]);
    }
    if (s->dense && at < out_sz) snprintf(out + at, out_sz - at, ", dense %d", s->dense);
}

/* ---- shapes and parameters --------------------------------------------------------------- */

rl_status nn_encoder_init(nn_encoder *e, const nn_encoder_spec *s, int H, int W, int C, float in_scale,
                          const char *where, char *err, size_t err_sz)
{
    memset(e, 0, sizeof *e);
    if (s->in_c && (s->in_h != H || s->in_w != W || s->in_c != C))
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: declares an input of %dx%dx%d (height x width x channels), but the environment's "
                       "observations are %dx%dx%d", where, s->in_h, s->in_w, s->in_c, H, W, C);
    e->H = H, e->W = W, e->C = C, e->in_scale = in_scale, e->n_conv = s->n_conv;
    int h = H, w = W, c = C;
    size_t off = 0;
    for (int i = 0; i < s->n_conv; i++) {
        nn_conv2d_spec cs = {c, h, w, s->filters[i], s->kernel_h[i], s->kernel_w[i], s->stride[i], s->stride[i],
                             s->pad[i], s->pad[i]};
        char cerr[256];
        if (nn_conv2d_init(&e->conv[i], &cs, cerr, sizeof cerr) != RL_OK)
            return rl_errf(err, err_sz, RL_ERR_CONFIG,
                           "%s: convolution %d (%d %dx%d/%d p%d) on its %dx%dx%d input: %s", where, i + 1,
                           s->filters[i], s->kernel_h[i], s->kernel_w[i], s->stride[i], s->pad[i], h, w, c, cerr);
        e->off[i] = off;
        off += e->conv[i].n_params;
        h = e->conv[i].OH, w = e->conv[i].OW, c = e->conv[i].K;
    }
    e->flat = h * w * c;
    e->dense = s->dense;
    e->off[s->n_conv] = off;
    if (e->dense) off += (size_t)e->dense * e->flat + e->dense;
    e->out_dim = e->dense ? e->dense : e->flat;
    e->n_params = off;
    return RL_OK;
}

void nn_encoder_bind(nn_encoder *e, float *params, float *grads)
{
    e->params = params;
    e->grads = grads;
}

static float *conv_w(const nn_encoder *e, float *base, int i) { return base + e->off[i]; }
static float *conv_b(const nn_encoder *e, float *base, int i) { return base + e->off[i] + e->conv[i].n_weight; }
static float *dense_w(const nn_encoder *e, float *base) { return base + e->off[e->n_conv]; }
static float *dense_b(const nn_encoder *e, float *base)
{
    return base + e->off[e->n_conv] + (size_t)e->dense * e->flat;
}

void nn_encoder_init_torch_default(nn_encoder *e, rl_rng *rng)
{
    for (int i = 0; i < e->n_conv; i++)
        nn_conv2d_init_torch_default(&e->conv[i], conv_w(e, e->params, i), conv_b(e, e->params, i), rng);
    if (!e->dense) return;
    nn_mlp m;
    nn_mlp_shape(&m, e->flat, NULL, 0, e->dense, NN_ACT_RELU, NN_ACT_RELU);
    nn_mlp_bind(&m, dense_w(e, e->params), NULL);
    nn_mlp_init_torch_default(&m, rng);
}

void nn_encoder_init_orthogonal(nn_encoder *e, float gain, rl_rng *rng)
{
    for (int i = 0; i < e->n_conv; i++)
        nn_conv2d_init_orthogonal(&e->conv[i], conv_w(e, e->params, i), conv_b(e, e->params, i), gain, rng);
    if (!e->dense) return;
    nn_init_orthogonal(dense_w(e, e->params), e->dense, e->flat, gain, rng);
    memset(dense_b(e, e->params), 0, (size_t)e->dense * sizeof(float));
}

/* ---- the cache --------------------------------------------------------------------------- */

static size_t largest_act(const nn_encoder *e)
{
    size_t m = (size_t)e->H * e->W * e->C;
    if ((size_t)e->dense > m) m = (size_t)e->dense;
    for (int i = 0; i < e->n_conv; i++) {
        size_t a = (size_t)e->conv[i].P * e->conv[i].K;
        if (a > m) m = a;
    }
    return m;
}

static size_t conv_scratch_floats(const nn_encoder *e)
{
    size_t m = 0;
    for (int i = 0; i < e->n_conv; i++) {
        size_t a = nn_conv2d_cache_floats(&e->conv[i]);
        if (a > m) m = a;
    }
    return m;
}

size_t nn_encoder_cache_floats(const nn_encoder *e, int max_batch)
{
    size_t B = (size_t)max_batch, n = B * e->H * e->W * e->C + B * e->flat + B * e->dense;
    for (int i = 0; i < e->n_conv; i++) n += B * e->conv[i].P * e->conv[i].K;
    return n + 2 * B * largest_act(e) + conv_scratch_floats(e);
}

void nn_encoder_cache_bind(nn_encoder_cache *c, const nn_encoder *e, float *buf, int max_batch)
{
    size_t B = (size_t)max_batch;
    memset(c, 0, sizeof *c);
    c->max_batch = max_batch;
    c->x0 = buf, buf += B * e->H * e->W * e->C;
    for (int i = 0; i < e->n_conv; i++) c->act[i] = buf, buf += B * e->conv[i].P * e->conv[i].K;
    c->flat = buf, buf += B * e->flat;
    c->out = buf, buf += B * e->dense;
    c->d1 = buf, buf += B * largest_act(e);
    c->d2 = buf, buf += B * largest_act(e);
    c->conv_scratch = buf;
}

/* ---- forward and backward ---------------------------------------------------------------- */

const float *nn_encoder_forward(nn_encoder_cache *c, const nn_encoder *e, const float *obs, int B)
{
    RL_ASSERT(B >= 1 && B <= c->max_batch);
    size_t n_in = (size_t)B * e->H * e->W * e->C;
    c->in = obs;
    if (e->in_scale != 1.0f) {
        for (size_t j = 0; j < n_in; j++) c->x0[j] = obs[j] * e->in_scale;
        c->in = c->x0;
    }
    const float *x = c->in;
    nn_conv2d_cache k;
    for (int i = 0; i < e->n_conv; i++) {
        const nn_conv2d *cv = &e->conv[i];
        nn_conv2d_cache_bind(&k, cv, c->conv_scratch);
        nn_conv2d_forward(c->act[i], &k, x, conv_w(e, e->params, i), conv_b(e, e->params, i), cv, B);
        nn_act_forward(c->act[i], c->act[i], NN_ACT_RELU, (size_t)B * cv->P * cv->K);
        x = c->act[i];
    }
    const nn_conv2d *last = &e->conv[e->n_conv - 1];
    nn_flatten_forward(c->flat, x, B, last->OH, last->OW, last->K);
    if (!e->dense) return c->flat;
    nn_dense_forward(c->out, c->flat, dense_w(e, e->params), dense_b(e, e->params), B, e->flat, e->dense);
    nn_act_forward(c->out, c->out, NN_ACT_RELU, (size_t)B * e->dense);
    return c->out;
}

void nn_encoder_backward(nn_encoder_cache *c, nn_encoder *e, const float *dfeat, int B)
{
    RL_ASSERT(e->grads != NULL && B >= 1 && B <= c->max_batch);
    const nn_conv2d *last = &e->conv[e->n_conv - 1];
    const float *dflat = dfeat;
    if (e->dense) {
        /* d1: the gradient before the dense ReLU; d2: at the flatten */
        nn_act_backward(c->d1, dfeat, c->out, NN_ACT_RELU, (size_t)B * e->dense);
        nn_dense_backward(c->d2, dense_w(e, e->grads), dense_b(e, e->grads), c->d1, c->flat, dense_w(e, e->params), B,
                          e->flat, e->dense);
        dflat = c->d2;
    }
    float *dx = dflat == c->d1 ? c->d2 : c->d1, *spare = dx == c->d1 ? c->d2 : c->d1;
    nn_flatten_backward(dx, dflat, B, last->OH, last->OW, last->K);
    nn_conv2d_cache k;
    for (int i = e->n_conv - 1; i >= 0; i--) {
        const nn_conv2d *cv = &e->conv[i];
        nn_act_backward(dx, dx, c->act[i], NN_ACT_RELU, (size_t)B * cv->P * cv->K);
        const float *inp = i > 0 ? c->act[i - 1] : c->in;
        nn_conv2d_cache_bind(&k, cv, c->conv_scratch);
        nn_conv2d_backward(i > 0 ? spare : NULL, conv_w(e, e->grads, i), conv_b(e, e->grads, i), &k, dx, inp,
                           conv_w(e, e->params, i), cv, B);
        float *t = dx;
        dx = spare, spare = t;
    }
}

int nn_encoder_tensors(nn_tensor *t, char names[][48], const char *prefix, const nn_encoder *e)
{
    int n = 0;
    for (int i = 0; i < e->n_conv; i++) {
        const nn_conv2d *cv = &e->conv[i];
        snprintf(names[n], 48, "%s.conv.%d.weight", prefix, i);
        t[n] = (nn_tensor){names[n], conv_w(e, e->params, i), 4, {cv->K, cv->C, cv->kh, cv->kw}};
        n++;
        snprintf(names[n], 48, "%s.conv.%d.bias", prefix, i);
        t[n] = (nn_tensor){names[n], conv_b(e, e->params, i), 1, {cv->K}};
        n++;
    }
    if (!e->dense) return n;
    snprintf(names[n], 48, "%s.dense.weight", prefix);
    t[n] = (nn_tensor){names[n], dense_w(e, e->params), 2, {e->dense, e->flat}};
    n++;
    snprintf(names[n], 48, "%s.dense.bias", prefix);
    t[n] = (nn_tensor){names[n], dense_b(e, e->params), 1, {e->dense}};
    return n + 1;
}
