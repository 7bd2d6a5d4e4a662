/* rlc algos: the DQN family's Q-network (algos/qnet.h). */
#include "algos/qnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mathx.h"

/* ---- shape, parameters, caches ----------------------------------------------------------- */

void qnet_shape(qnet *q, int D, const int *hidden, int nh, int K, int M, nn_act act, bool dueling,
                       bool noisy)
{
    q->dueling = dueling, q->noisy = noisy, q->split = dueling || noisy;
    q->K = K, q->M = M;
    if (!q->split) {
        nn_mlp_shape(&q->trunk, D, hidden, nh, K * M, act, NN_ACT_NONE);
        return;
    }
    /* the last hidden layer is the trunk's output; the heads are single (dense or noisy) layers */
    int H = hidden[nh - 1];
    nn_mlp_shape(&q->trunk, D, hidden, nh - 1, H, act, act);
    nn_mlp_shape(&q->vh, H, NULL, 0, M, act, NN_ACT_NONE);
    nn_mlp_shape(&q->ah, H, NULL, 0, K * M, act, NN_ACT_NONE);
    nn_noisy_shape(&q->nv, H, M);
    nn_noisy_shape(&q->na, H, K * M);
}

/* a head's parameters: its dense layer's, or its noisy layer's (mu and sigma) */
static size_t head_params(const qnet *q, const nn_mlp *m, const nn_noisy *nz)
{
    return q->noisy ? nz->n_params : m->n_params;
}

size_t qnet_params(const qnet *q)
{
    size_t n = (q->has_img ? q->img.n_params : 0) + q->trunk.n_params;
    if (q->dueling) n += head_params(q, &q->vh, &q->nv);
    if (q->split) n += head_params(q, &q->ah, &q->na);
    return n;
}

/* binds the trunk and heads into params (grads); allocates the noisy heads' state once */
void qnet_bind(qnet *q, float *params, float *grads)
{
    if (q->has_img) {
        nn_obs_encoder_bind(&q->img, params, grads);
        params += q->img.n_params;
        grads = grads ? grads + q->img.n_params : NULL;
    }
    nn_mlp_bind(&q->trunk, params, grads);
    if (!q->split) return;
    size_t a = q->trunk.n_params;
    if (q->noisy && !q->noise_state)
        q->noise_state = rl_xcalloc(nn_noisy_state_floats(&q->nv) + nn_noisy_state_floats(&q->na), sizeof(float));
    if (q->dueling) {
        if (q->noisy) nn_noisy_bind(&q->nv, params + a, grads ? grads + a : NULL, q->noise_state);
        else nn_mlp_bind(&q->vh, params + a, grads ? grads + a : NULL);
        a += head_params(q, &q->vh, &q->nv);
    }
    if (q->noisy)
        nn_noisy_bind(&q->na, params + a, grads ? grads + a : NULL, q->noise_state + nn_noisy_state_floats(&q->nv));
    else nn_mlp_bind(&q->ah, params + a, grads ? grads + a : NULL);
}

/* PyTorch's default init for the image encoder and the dense layers (trunk, then value and
 * advantage heads), the paper's for the noisy heads */
void qnet_init(qnet *q, float sigma0, rl_rng *rng)
{
    if (q->has_img) nn_obs_encoder_init_torch_default(&q->img, rng);
    nn_mlp_init_torch_default(&q->trunk, rng);
    if (q->dueling) {
        if (q->noisy) nn_noisy_init(&q->nv, sigma0, rng);
        else nn_mlp_init_torch_default(&q->vh, rng);
    }
    if (q->split) {
        if (q->noisy) nn_noisy_init(&q->na, sigma0, rng);
        else nn_mlp_init_torch_default(&q->ah, rng);
    }
}

/* new noise for the noisy heads (nothing without noisy) */
void qnet_resample(qnet *q, rl_rng *rng)
{
    if (!q->noisy) return;
    if (q->dueling) nn_noisy_sample(&q->nv, rng);
    nn_noisy_sample(&q->na, rng);
}

/* no noise: the heads compute with mu (deterministic evaluation) */
void qnet_noise_off(qnet *q)
{
    if (!q->noisy) return;
    if (q->dueling) nn_noisy_zero_noise(&q->nv);
    nn_noisy_zero_noise(&q->na);
}

size_t qnet_cache_need(const qnet *q, int maxb)
{
    size_t n = rl_arena_need(nn_mlp_cache_floats(&q->trunk, maxb) * 4);
    if (q->has_img)
        n += rl_arena_need(nn_obs_encoder_cache_floats(&q->img, maxb) * 4) +
             rl_arena_need((size_t)maxb * q->img.out_dim * 4);
    if (q->split) {
        int KM = q->K * q->M, H = q->ah.sizes[0];
        n += rl_arena_need(nn_mlp_cache_floats(&q->vh, maxb) * 4) +
             rl_arena_need(nn_mlp_cache_floats(&q->ah, maxb) * 4) + 2 * rl_arena_need((size_t)maxb * KM * 4) +
             rl_arena_need((size_t)maxb * q->M * 4) + 2 * rl_arena_need((size_t)maxb * H * 4);
    }
    return n;
}

void qnet_cache_bind(qnet_cache *c, const qnet *q, rl_arena *a, int maxb)
{
    nn_mlp_cache_bind(&c->trunk, &q->trunk, rl_arena_floats(a, nn_mlp_cache_floats(&q->trunk, maxb)), maxb);
    if (q->has_img) {
        nn_obs_encoder_cache_bind(&c->img, &q->img, rl_arena_floats(a, nn_obs_encoder_cache_floats(&q->img, maxb)), maxb);
        c->dfeat = rl_arena_floats(a, (size_t)maxb * q->img.out_dim);
    }
    if (!q->split) return;
    int KM = q->K * q->M, H = q->ah.sizes[0];
    nn_mlp_cache_bind(&c->vh, &q->vh, rl_arena_floats(a, nn_mlp_cache_floats(&q->vh, maxb)), maxb);
    nn_mlp_cache_bind(&c->ah, &q->ah, rl_arena_floats(a, nn_mlp_cache_floats(&q->ah, maxb)), maxb);
    c->q = rl_arena_floats(a, (size_t)maxb * KM);
    c->dadv = rl_arena_floats(a, (size_t)maxb * KM);
    c->dv = rl_arena_floats(a, (size_t)maxb * q->M);
    c->dh = rl_arena_floats(a, (size_t)maxb * H);
    c->dh2 = rl_arena_floats(a, (size_t)maxb * H);
}

/* a head over h (n, H): its dense layer, or its noisy layer (output in the same cache row) */
static const float *head_forward(nn_mlp_cache *c, const nn_mlp *m, nn_noisy *nz, const float *h, int n)
{
    if (!nz) return nn_mlp_forward(c, m, h, n);
    nn_noisy_forward(c->act[1], h, nz, n);
    return c->act[1];
}

static void head_backward(float *dh, nn_mlp_cache *c, nn_mlp *m, nn_noisy *nz, const float *dout, const float *h,
                          int n)
{
    if (nz) nn_noisy_backward(dh, nz, dout, h, n);
    else nn_mlp_backward(dh, c, m, dout, h, n);
}

/* obs (n, D) -> (n, K M); dueling: out[k, j] = v[j] + a[k, j] - mean over k of a[k, j] */
const float *qnet_forward(qnet_cache *c, qnet *q, const float *obs, int n)
{
    c->feat = q->has_img ? nn_obs_encoder_forward(&c->img, &q->img, obs, n) : obs;
    float *h = nn_mlp_forward(&c->trunk, &q->trunk, c->feat, n);
    if (!q->split) return h;
    const float *v = q->dueling ? head_forward(&c->vh, &q->vh, q->noisy ? &q->nv : NULL, h, n) : NULL;   // (n, M)
    const float *adv = head_forward(&c->ah, &q->ah, q->noisy ? &q->na : NULL, h, n);                     // (n, K M)
    if (!q->dueling) return adv;
    int K = q->K, M = q->M;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < M; j++) {
            const float *a = adv + (size_t)i * K * M + j;
            double m = 0.0;
            for (int k = 0; k < K; k++) m += a[(size_t)k * M];
            m /= K;
            for (int k = 0; k < K; k++)
                c->q[((size_t)i * K + k) * M + j] = (float)(v[(size_t)i * M + j] + a[(size_t)k * M] - m);
        }
    return c->q;
}

/* the last hidden layer (n, H) of the last forward on c: the encoding the aux heads read */
const float *qnet_h(const qnet_cache *c, const qnet *q)
{
    return c->trunk.act[q->split ? q->trunk.n_layers : q->trunk.n_layers - 1];
}

/* the dueling combination's backward: dv (n, M) and dadv (n, K M) from dq (n, K M) */
static void dueling_backward(qnet_cache *c, const qnet *q, const float *dq, int n)
{
    int K = q->K, M = q->M;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < M; j++) {
            const float *d = dq + (size_t)i * K * M + j;
            double s = 0.0;
            for (int k = 0; k < K; k++) s += d[(size_t)k * M];
            c->dv[(size_t)i * M + j] = (float)s;
            for (int k = 0; k < K; k++) c->dadv[((size_t)i * K + k) * M + j] = (float)(d[(size_t)k * M] - s / K);
        }
}

/* backward of the last forward on c; dq (n, out); dh_aux (n, H) is added at qnet_h (NULL: none) */
void qnet_backward(qnet_cache *c, qnet *q, const float *dq, const float *dh_aux, int n)
{
    const float *obs = c->feat;
    float *dfeat = q->has_img ? c->dfeat : NULL;
    if (!q->split) {
        if (dh_aux) nn_mlp_backward_add(dfeat, &c->trunk, &q->trunk, dq, obs, q->trunk.n_layers - 1, dh_aux, n);
        else nn_mlp_backward(dfeat, &c->trunk, &q->trunk, dq, obs, n);
        if (dfeat) nn_obs_encoder_backward(&c->img, &q->img, dfeat, n);
        return;
    }
    int H = q->ah.sizes[0];
    const float *h = c->trunk.act[q->trunk.n_layers];
    if (q->dueling) {
        dueling_backward(c, q, dq, n);
        head_backward(c->dh, &c->vh, &q->vh, q->noisy ? &q->nv : NULL, c->dv, h, n);
        head_backward(c->dh2, &c->ah, &q->ah, q->noisy ? &q->na : NULL, c->dadv, h, n);
        for (size_t i = 0; i < (size_t)n * H; i++) c->dh[i] += c->dh2[i];
    } else {
        head_backward(c->dh, &c->ah, &q->ah, &q->na, dq, h, n);   /* split without dueling: noisy */
    }
    if (dh_aux)
        for (size_t i = 0; i < (size_t)n * H; i++) c->dh[i] += dh_aux[i];
    nn_mlp_backward(dfeat, &c->trunk, &q->trunk, c->dh, obs, n);
    if (dfeat) nn_obs_encoder_backward(&c->img, &q->img, dfeat, n);
}


/* a head's tensors: "pre.0.weight", "pre.0.bias" (dense) or "pre.0.weight_mu", ".bias_mu",
 * ".weight_sigma", ".bias_sigma" (noisy) */
static int head_tensors(nn_tensor *t, char names[][48], const char *pre, const qnet *q, const nn_mlp *m,
                        const nn_noisy *nz)
{
    char p0[40];
    if (!q->noisy) return nn_mlp_tensors(t, names, pre, m);
    snprintf(p0, sizeof p0, "%s.0", pre);
    return nn_noisy_tensors(t, names, p0, nz);
}

/* "q.0.weight", ... (or "q.trunk.*", "q.value.*", "q.advantage.*" with dueling, "q.trunk.*",
 * "q.head.*" with noisy alone; noisy heads as head_tensors names them), after the encoder's "q.encoder.conv.<i>.*" and "q.encoder.dense.*" when there is one */
int qnet_tensors(nn_tensor *t, char names[][48], const char *prefix, qnet *q)
{
    char pre[32];
    int n = 0;
    if (q->has_img) {
        snprintf(pre, sizeof pre, "%s.encoder", prefix);
        n = nn_obs_encoder_tensors(t, names, pre, &q->img);
    }
    if (!q->split) return n + nn_mlp_tensors(t + n, names + n, prefix, &q->trunk);
    snprintf(pre, sizeof pre, "%s.trunk", prefix);
    n += nn_mlp_tensors(t + n, names + n, pre, &q->trunk);
    if (q->dueling) {
        snprintf(pre, sizeof pre, "%s.value", prefix);
        n += head_tensors(t + n, names + n, pre, q, &q->vh, &q->nv);
    }
    snprintf(pre, sizeof pre, "%s.%s", prefix, q->dueling ? "advantage" : "head");
    n += head_tensors(t + n, names + n, pre, q, &q->ah, &q->na);
    return n;
}
void qnet_free(qnet *q)
{
    free(q->noise_state);
    q->noise_state = NULL;
}
