/* rlc addons: auxiliary and representation heads on a shared encoder (addons/aux.h).
 *
 * Each head is a small MLP on encoder features with a loss from the registry. Rows whose next
 * observation (or k-step positive) is not valid are dropped from that head's batch: the loss is
 * computed on the kept rows only, gathered into contiguous scratch, and their gradients are
 * scattered back to dh. Extra encoder passes (next observations, positives, augmented views)
 * use the module's own caches of the encoder and add into the encoder's gradients. */
#include "addons/aux.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/agent.h"
#include "core/limits.h"
#include "losses/loss.h"

static const char *const head_names[AUX_HEAD_COUNT] = {
    "reward_prediction", "forward_dynamics", "inverse_dynamics", "temporal_contrastive", "representation",
};

const char *aux_head_name(aux_head_kind k) { return k >= 0 && k < AUX_HEAD_COUNT ? head_names[k] : NULL; }

/* ---- the aux: list's keys, handed to the config layer ------------------------------------ */

#define AUX_KEY(name, type, dnum, lo, hi, only, doc) \
    {{#name, RL_CFG_##type, offsetof(aux_head_cfg, name), dnum, NULL, lo, hi, NULL, doc}, only}
static const rl_config_list_key aux_keys[] = {
    AUX_KEY(weight, F64, 1, 0, 1e6, NULL, "weight of the head's loss in the total"),
    AUX_KEY(hidden, I64, -1, -1, 65536, NULL, "hidden units of the head (0 = linear, -1 = the head's default)"),
    AUX_KEY(k, I64, 1, 1, 100000, "temporal_contrastive", "temporal_contrastive: steps to the positive"),
    AUX_KEY(noise, F64, 0.1, 0, 100, "representation", "representation: std of the Gaussian view noise"),
    AUX_KEY(dim, I64, 0, 0, 65536, "representation", "representation: projector size (0 = encoder width)"),
};
#undef AUX_KEY

static char aux_head_list[160];   /* "reward_prediction|forward_dynamics|..." */

static bool aux_serves(const agent_algo *a) { return a->config_flags & AUX_CFG_HEADS; }

/* the add-on's row of the registry (agents/registry.c): the `aux:` list is described to the config
 * layer below; the losses each head takes */
#define K(k) LOSS_KINDS(LOSS_KIND_##k)
const agent_addon addon_aux = {
    .name = "aux",
    .serves = aux_serves,
    .loss_slots = {{"aux: head reward_prediction", NULL, NULL, K(REGRESSION)},
                   {"aux: head forward_dynamics", "byol", NULL, K(REGRESSION)},
                   {"aux: head inverse_dynamics", NULL, " (classification: Discrete actions; regression: Box)",
                    K(CATEGORICAL) | K(REGRESSION)},
                   {"aux: head temporal_contrastive", "info_nce nt_xent", NULL, 0},
                   {"aux: head representation", "vicreg barlow_twins nt_xent", NULL, 0}},
};
#undef K

/* the parameters of each head, checked with the config (core/limits.h): the encoder width (or
 * 512 without hidden layers) plus 512 inputs, hidden units, and at least 512 outputs */
static rl_status aux_check_config(const rl_config *cfg, char *err, size_t err_sz)
{
    const int64_t io = RL_LIMIT_IO_DIM;
    int64_t width = cfg->network.hidden.n ? cfg->network.hidden.v[cfg->network.hidden.n - 1] : io;
    const aux_cfg *ac = aux_cfg_of(cfg);
    rl_status st = RL_OK;
    for (int i = 0; st == RL_OK && i < ac->n; i++) {
        const aux_head_cfg *h = &ac->heads[i];
        int64_t hid = h->hidden > 0 ? h->hidden : 1, out = h->dim > io ? h->dim : io;
        int64_t n = rl_add_sat(rl_mul_sat(rl_add_sat(width, io), hid), rl_mul_sat(hid, out));
        st = rl_limit_check(h->loss.where[0] ? h->loss.where : ac->where, "aux hidden / dim",
                            "parameters of the head", n, RL_LIMIT_NET_PARAMS, err, err_sz);
    }
    return st;
}

/* The config layer learns the heads and their keys before main() runs (this file is linked
 * whenever the algorithms are: they attach the heads). */
__attribute__((constructor)) static void aux_register_config(void)
{
    size_t at = 0;
    for (int k = 0; k < AUX_HEAD_COUNT; k++)
        at += (size_t)snprintf(aux_head_list + at, sizeof aux_head_list - at, "%s%s", k ? "|" : "", head_names[k]);
    RL_ASSERT(at < sizeof aux_head_list);
    static const rl_config_list list = {
        .key = "aux", .kind_key = "head", .kinds = aux_head_list,
        .example = "{head: reward_prediction, loss: huber, weight: 0.1}",
        .title = "a list of heads on the shared encoder", .what = "auxiliary heads",
        .algo_flag = AUX_CFG_HEADS, .max = AUX_MAX, .size = sizeof(aux_cfg),
        .n_off = offsetof(aux_cfg, n), .where_off = offsetof(aux_cfg, where), .entries_off = offsetof(aux_cfg, heads),
        .entry_size = sizeof(aux_head_cfg), .kind_off = offsetof(aux_head_cfg, head),
        .kind_size = sizeof(((aux_head_cfg *)0)->head), .loss_off = offsetof(aux_head_cfg, loss),
        .keys = aux_keys, .n_keys = (int)(sizeof aux_keys / sizeof aux_keys[0]), .check = aux_check_config};
    rl_config_register_list(&list);
}

typedef struct {
    aux_head_kind kind;
    float weight;
    loss_spec loss;
    float noise;                      /* representation */
    int k;                            /* temporal_contrastive */
    int in, out;
    nn_mlp mlp;
    nn_mlp_cache c, c2;               /* c2: the second view (representation) */
    float *x, *dx;                    /* (B, in) */
    float *dout, *dout2;              /* (B, out) */
    char stat[48];
} aux_head;

struct aux_module {
    int n;
    aux_head heads[AUX_MAX];
    nn_mlp *enc;
    int D, H, K, adim, A1, max_batch;
    bool need_next, has_inverse;
    int pos_k;
    bool has_repr, has_pos;
    float *params, *grads;            /* (n_params) */
    size_t n_params;
    rl_rng rng;
    nn_mlp_cache enc_next, enc_pos, enc_v1, enc_v2;
    float *mem;                       /* every cache and scratch array below */
    int *idx_next, *idx_pos, *labels; /* (B) */
    float *g_next, *g_pos, *v1, *v2;  /* (B, D) gathered / augmented encoder inputs */
    float *dh_next, *dz_pos, *de1, *de2;   /* (B, H) */
    float *tgt;                       /* (B, adim) gathered regression targets */
    float *g_tgt;                     /* (B, H) gathered h_next_target rows */
    float *scratch;                   /* loss kernels' working memory */
};

void aux_free(aux_module *a)
{
    if (!a) return;
    free(a->params);
    free(a->grads);
    free(a->mem);
    free(a);
}

int aux_n_heads(const aux_module *a) { return a ? a->n : 0; }
const char *aux_stat_name(const aux_module *a, int i) { return a->heads[i].stat; }
bool aux_needs_next(const aux_module *a) { return a && a->need_next; }
int aux_pos_k(const aux_module *a) { return a ? a->pos_k : 0; }
size_t aux_n_params(const aux_module *a) { return a->n_params; }
float *aux_params(aux_module *a) { return a->params; }
float *aux_grads(aux_module *a) { return a->grads; }
rl_rng *aux_rng(aux_module *a) { return &a->rng; }

/* ---- creation ----------------------------------------------------------------------------- */

static bool is_name(const loss_desc *d, const char *a, const char *b, const char *c)
{
    return (a && strcmp(d->name, a) == 0) || (b && strcmp(d->name, b) == 0) || (c && strcmp(d->name, c) == 0);
}

/* The head's loss: it must exist, fit the head, and take the given parameters. */
static rl_status resolve_loss(aux_head *hd, const aux_head_cfg *hc, int i, int K, char *err, size_t err_sz)
{
    char where[RL_STR_MAX + 64];
    if (hc->loss.where[0]) snprintf(where, sizeof where, "%s", hc->loss.where);
    else snprintf(where, sizeof where, "aux[%d] head '%s'", i, hc->head);
    const char *name = hc->loss.name, *head = hc->head, *takes = "";
    const loss_desc *d = loss_find(name);
    bool ok = false;
    switch (hd->kind) {
    case AUX_REWARD_PREDICTION:
        takes = "a regression loss (mse, huber, smooth_l1, log_cosh, ...)";
        ok = d && d->kind == LOSS_KIND_REGRESSION;
        break;
    case AUX_FORWARD_DYNAMICS:
        takes = "a regression loss (mse, huber, ...) or byol";
        ok = d && (d->kind == LOSS_KIND_REGRESSION || is_name(d, "byol", NULL, NULL));
        break;
    case AUX_INVERSE_DYNAMICS:
        takes = K ? "a classification loss over the actions (cross_entropy, focal, poly1, multi_margin), the "
                    "action space being Discrete"
                  : "a regression loss on the action (mse, huber, ...), the action space being a Box";
        ok = d && d->kind == (K ? LOSS_KIND_CATEGORICAL : LOSS_KIND_REGRESSION);
        break;
    case AUX_TEMPORAL_CONTRASTIVE:
        takes = "a contrastive loss (info_nce or nt_xent)";
        ok = d && is_name(d, "info_nce", "nt_xent", NULL);
        break;
    case AUX_REPRESENTATION:
        takes = "a two-view loss (vicreg, barlow_twins or nt_xent)";
        ok = d && is_name(d, "vicreg", "barlow_twins", "nt_xent");
        break;
    default: RL_ASSERT(0);
    }
    if (!d) {
        char hint[200];
        loss_did_you_mean(hint, sizeof hint, name);
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: unknown loss '%s'%s for head '%s' (the head takes %s; rlc losses lists them)",
                       where, name, hint, head, takes);
    }
    if (!ok)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: loss '%s' (a %s loss) does not fit head '%s', which takes %s", where,
                       name, loss_kind_name(d->kind), head, takes);
    return agent_loss_spec(&hd->loss, LOSS_KINDS(d->kind), &hc->loss, where, err, err_sz);
}

/* ---- the steps of aux_create ------------------------------------------------------------- */

/* head i of the config: its kind, loss, settings and MLP shape (parameters bound later) */
static rl_status head_config(aux_module *a, const rl_config *cfg, const aux_shape *shape, int i, char *err,
                             size_t err_sz)
{
    int H = a->H, A1 = a->A1;
    const aux_cfg *ac = aux_cfg_of(cfg);
    const aux_head_cfg *hc = &ac->heads[i];
    aux_head *hd = &a->heads[i];
    int kind = 0;
    while (kind < AUX_HEAD_COUNT && strcmp(head_names[kind], hc->head) != 0) kind++;
    if (kind == AUX_HEAD_COUNT)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: aux[%d]: unknown head '%s' (with loss '%s'); heads: %s",
                       ac->where[0] ? ac->where : "config", i, hc->head, hc->loss.name, aux_head_list);
    hd->kind = (aux_head_kind)kind;
    rl_status st = resolve_loss(hd, hc, i, a->K, err, err_sz);
    if (st != RL_OK) return st;
    hd->weight = (float)hc->weight;
    hd->noise = (float)hc->noise;
    hd->k = (int)hc->k;
    snprintf(hd->stat, sizeof hd->stat, "aux_%s", hc->head);
    int hidden = (int)hc->hidden;
    if (hidden < 0) hidden = hd->kind == AUX_TEMPORAL_CONTRASTIVE ? 0 : 64;
    switch (hd->kind) {
    case AUX_REWARD_PREDICTION: hd->in = H + A1, hd->out = 1; break;
    case AUX_FORWARD_DYNAMICS: hd->in = H + A1, hd->out = H; break;
    case AUX_INVERSE_DYNAMICS: hd->in = 2 * H, hd->out = a->K ? a->K : a->adim; break;
    case AUX_TEMPORAL_CONTRASTIVE: hd->in = H, hd->out = H; break;
    case AUX_REPRESENTATION: hd->in = H, hd->out = hc->dim > 0 ? (int)hc->dim : H; break;
    default: RL_ASSERT(0);
    }
    if (hd->kind == AUX_TEMPORAL_CONTRASTIVE && shape->horizon > 0 && hd->k >= shape->horizon) {
        int k = hd->k;
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: k = %d must be smaller than the %s (%d) for head '%s' (loss '%s')",
                       hc->loss.where[0] ? hc->loss.where : "aux", k,
                       shape->horizon_name ? shape->horizon_name : "rollout length per env", shape->horizon, hc->head,
                       hc->loss.name);
    }
    int hs[1] = {hidden};
    nn_mlp_shape(&hd->mlp, hd->in, hs, hidden > 0 ? 1 : 0, hd->out, shape->act, NN_ACT_NONE);
    a->need_next |= hd->kind == AUX_FORWARD_DYNAMICS || hd->kind == AUX_INVERSE_DYNAMICS;
    a->has_inverse |= hd->kind == AUX_INVERSE_DYNAMICS;
    if (hd->kind == AUX_TEMPORAL_CONTRASTIVE) a->pos_k = hd->k, a->has_pos = true;
    if (hd->kind == AUX_REPRESENTATION) a->has_repr = true;
    return RL_OK;
}

/* one parameter buffer for every head, orthogonal initialisation from the module's own RNG */
static void init_head_params(aux_module *a, const rl_config *cfg, size_t np)
{
    a->n = aux_cfg_of(cfg)->n;
    a->n_params = np;
    a->params = rl_xcalloc(np, sizeof(float));
    a->grads = rl_xcalloc(np, sizeof(float));
    /* the module's own stream: the agent's RNG and initial weights are untouched */
    rl_rng_seed(&a->rng, rl_seed_derive((uint64_t)cfg->root.seed, 11), 11);
    float gains[NN_MAX_LAYERS];
    size_t at = 0;
    for (int i = 0; i < a->n; i++) {
        aux_head *hd = &a->heads[i];
        nn_mlp_bind(&hd->mlp, a->params + at, a->grads + at);
        at += hd->mlp.n_params;
        for (int l = 0; l < hd->mlp.n_layers; l++) gains[l] = 1.4142135f;
        gains[hd->mlp.n_layers - 1] = 1.0f;
        nn_mlp_init_orthogonal(&hd->mlp, gains, &a->rng);
    }
}

/* the loss scratch the heads need (floats, at least 1) */
static size_t loss_scratch_floats(const aux_module *a)
{
    int Bm = a->max_batch;
    size_t sc = 1;
    for (int i = 0; i < a->n; i++) {
        const aux_head *hd = &a->heads[i];
        size_t s = 0;
        const char *ln = hd->loss.desc->name;
        if (strcmp(ln, "info_nce") == 0) s = (size_t)loss_info_nce_scratch(Bm);
        else if (strcmp(ln, "nt_xent") == 0) s = (size_t)loss_nt_xent_scratch(Bm);
        else if (strcmp(ln, "vicreg") == 0) s = (size_t)loss_vicreg_scratch(hd->out);
        else if (strcmp(ln, "barlow_twins") == 0) s = (size_t)loss_barlow_scratch(Bm, hd->out);
        if (s > sc) sc = s;
    }
    return sc;
}

/* the encoder caches of the extra passes, the heads' caches and every scratch array in one block */
static void bind_memory(aux_module *a, nn_mlp *encoder)
{
    int H = a->H, Bm = a->max_batch;
    /* caches and scratch in one block */
    size_t fe = nn_mlp_cache_floats(encoder, Bm), tot = 0;
    int n_enc = (a->need_next ? 1 : 0) + (a->has_pos ? 1 : 0) + (a->has_repr ? 2 : 0);
    tot += (size_t)n_enc * fe;
    size_t sc = loss_scratch_floats(a);
    for (int i = 0; i < a->n; i++) {
        aux_head *hd = &a->heads[i];
        int two = hd->kind == AUX_REPRESENTATION ? 2 : 1;
        tot += (size_t)two * nn_mlp_cache_floats(&hd->mlp, Bm) + (size_t)Bm * (2 * hd->in + two * hd->out);
    }
    tot += 3 * (size_t)Bm;                                   /* idx_next, idx_pos, labels */
    tot += 4 * (size_t)Bm * a->D + 5 * (size_t)Bm * H + (size_t)Bm * (a->adim > 1 ? a->adim : 1) + sc;
    a->mem = rl_xcalloc(tot, sizeof(float));
    float *p = a->mem;
    if (a->need_next) nn_mlp_cache_bind(&a->enc_next, encoder, p, Bm), p += fe;
    if (a->has_pos) nn_mlp_cache_bind(&a->enc_pos, encoder, p, Bm), p += fe;
    if (a->has_repr) {
        nn_mlp_cache_bind(&a->enc_v1, encoder, p, Bm), p += fe;
        nn_mlp_cache_bind(&a->enc_v2, encoder, p, Bm), p += fe;
    }
    for (int i = 0; i < a->n; i++) {
        aux_head *hd = &a->heads[i];
        size_t fc = nn_mlp_cache_floats(&hd->mlp, Bm);
        nn_mlp_cache_bind(&hd->c, &hd->mlp, p, Bm), p += fc;
        hd->x = p, p += (size_t)Bm * hd->in;
        hd->dx = p, p += (size_t)Bm * hd->in;
        hd->dout = p, p += (size_t)Bm * hd->out;
        if (hd->kind == AUX_REPRESENTATION) {
            nn_mlp_cache_bind(&hd->c2, &hd->mlp, p, Bm), p += fc;
            hd->dout2 = p, p += (size_t)Bm * hd->out;
        }
    }
    _Static_assert(sizeof(int) == sizeof(float), "int must be 4 bytes");
    a->idx_next = (int *)p, p += Bm;
    a->idx_pos = (int *)p, p += Bm;
    a->labels = (int *)p, p += Bm;
    a->g_next = p, p += (size_t)Bm * a->D;
    a->g_pos = p, p += (size_t)Bm * a->D;
    a->v1 = p, p += (size_t)Bm * a->D;
    a->v2 = p, p += (size_t)Bm * a->D;
    a->dh_next = p, p += (size_t)Bm * H;
    a->dz_pos = p, p += (size_t)Bm * H;
    a->de1 = p, p += (size_t)Bm * H;
    a->de2 = p, p += (size_t)Bm * H;
    a->tgt = p, p += (size_t)Bm * (a->adim > 1 ? a->adim : 1);
    a->g_tgt = p, p += (size_t)Bm * H;
    a->scratch = p, p += sc;
    RL_ASSERT((size_t)(p - a->mem) == tot);
}

rl_status aux_create(aux_module **out, const rl_config *cfg, nn_mlp *encoder, const aux_shape *shape,
                     char *err, size_t err_sz)
{
    *out = NULL;
    if (aux_cfg_of(cfg)->n == 0) return RL_OK;
    RL_ASSERT(encoder && encoder->grads && shape->max_batch > 0);
    aux_module *a = rl_xcalloc(1, sizeof *a);
    a->enc = encoder;
    a->D = shape->obs_dim;
    a->H = encoder->sizes[encoder->n_layers];
    a->K = shape->K;
    a->adim = shape->adim;
    a->A1 = shape->K ? shape->K : shape->adim;
    a->max_batch = shape->max_batch;
    RL_ASSERT(encoder->sizes[0] == a->D);

    /* heads: losses and shapes first, then one parameter buffer */
    size_t np = 0;
    for (int i = 0; i < aux_cfg_of(cfg)->n; i++) {
        rl_status st = head_config(a, cfg, shape, i, err, err_sz);
        if (st != RL_OK) {
            aux_free(a);
            return st;
        }
        np += a->heads[i].mlp.n_params;
    }
    init_head_params(a, cfg, np);
    bind_memory(a, encoder);
    *out = a;
    return RL_OK;
}

/* ---- the heads ---------------------------------------------------------------------------- */

/* row b of x (width in) = [h[src], action features of u[src]] */
static void cat_h_action(const aux_module *a, float *row, const float *h, const float *u)
{
    memcpy(row, h, (size_t)a->H * sizeof(float));
    if (a->K) {
        memset(row + a->H, 0, (size_t)a->K * sizeof(float));
        int k = (int)u[0];
        RL_ASSERT(k >= 0 && k < a->K);
        row[a->H + k] = 1.0f;
    } else {
        memcpy(row + a->H, u, (size_t)a->adim * sizeof(float));
    }
}

/* a regression loss over n values; dpred may be NULL */
static float regression(const loss_spec *s, const float *pred, const float *target, int n, float *dpred)
{
    return s->desc->regression(pred, target, NULL, n, s->p, dpred);
}

/* a two-view kernel (info_nce, nt_xent, vicreg, barlow_twins) on z1, z2 (n, Z) */
static float two_view(aux_module *a, const loss_spec *s, const float *z1, const float *z2, int n, int Z,
                      float *dz1, float *dz2)
{
    const char *nm = s->desc->name;
    if (strcmp(nm, "info_nce") == 0)
        return loss_info_nce(z1, z2, n, Z, loss_spec_param(s, "temperature"), (int)loss_spec_param(s, "symmetric"),
                             a->scratch, dz1, dz2);
    if (strcmp(nm, "nt_xent") == 0)
        return loss_nt_xent(z1, z2, n, Z, loss_spec_param(s, "temperature"), a->scratch, dz1, dz2);
    if (strcmp(nm, "vicreg") == 0)
        return loss_vicreg(z1, z2, n, Z, loss_spec_param(s, "inv_w"), loss_spec_param(s, "var_w"),
                           loss_spec_param(s, "cov_w"), loss_spec_param(s, "eps"), a->scratch, dz1, dz2);
    RL_ASSERT(strcmp(nm, "barlow_twins") == 0);
    return loss_barlow_twins(z1, z2, n, Z, loss_spec_param(s, "lambda"), loss_spec_param(s, "eps"), a->scratch, dz1, dz2);
}

static void scale(float *x, size_t n, float w)
{
    for (size_t i = 0; i < n; i++) x[i] *= w;
}

/* dh[idx[r]] += src[r, 0:H] for r < n (src rows of width W) */
static void scatter_add(float *dh, const float *src, const int *idx, int n, int H, int W)
{
    for (int r = 0; r < n; r++) {
        float *d = dh + (size_t)(idx ? idx[r] : r) * H;
        const float *s = src + (size_t)r * W;
        for (int j = 0; j < H; j++) d[j] += s[j];
    }
}

/* ---- the steps of aux_loss_grad: one function per head ---------------------------------- */

/* the rows with a valid next observation and its encoding (shared by both dynamics heads) */
typedef struct {
    int n1;                 /* rows with a next observation (their batch rows in a->idx_next) */
    const float *e_next;    /* (n1, H) their encoding, or NULL */
    bool grad;              /* a head put a gradient into a->dh_next */
} next_rows;

static void gather_next(aux_module *a, const aux_batch *b, next_rows *nx)
{
    int B = b->B, H = a->H, D = a->D;
    int n1 = 0;
    const float *e_next = NULL;
    for (int r = 0; r < B; r++)
        if (!b->next_ok || b->next_ok[r]) {
            a->idx_next[n1] = r;
            memcpy(a->g_next + (size_t)n1 * D, b->next + (size_t)r * D, (size_t)D * sizeof(float));
            if (b->h_next_target)
                memcpy(a->g_tgt + (size_t)n1 * H, b->h_next_target + (size_t)r * H, (size_t)H * sizeof(float));
            n1++;
        }
    if (n1 > 0 && (a->has_inverse || !b->h_next_target)) e_next = nn_mlp_forward(&a->enc_next, a->enc, a->g_next, n1);
    memset(a->dh_next, 0, (size_t)(n1 > 0 ? n1 : 1) * H * sizeof(float));
    nx->n1 = n1;
    nx->e_next = e_next;
    nx->grad = false;
}

/* reward prediction from (h_t, a_t) */
static bool head_reward_prediction(aux_module *a, aux_head *hd, const aux_batch *b, float *dh, float *loss)
{
    int B = b->B, H = a->H;
    bool g = hd->weight != 0.0f;
    float w = hd->weight;
    for (int r = 0; r < B; r++)
        cat_h_action(a, hd->x + (size_t)r * hd->in, b->h + (size_t)r * H, b->u + (size_t)r * a->adim);
    const float *pred = nn_mlp_forward(&hd->c, &hd->mlp, hd->x, B);
    *loss = regression(&hd->loss, pred, b->r, B, g ? hd->dout : NULL);
    if (!g) return true;
    scale(hd->dout, (size_t)B, w);
    nn_mlp_backward(hd->dx, &hd->c, &hd->mlp, hd->dout, hd->x, B);
    scatter_add(dh, hd->dx, NULL, B, H, hd->in);
    return true;
}

/* forward dynamics: (h_t, a_t) -> the encoding of s_{t+1}, on the rows that have one */
static bool head_forward_dynamics(aux_module *a, aux_head *hd, const aux_batch *b, const next_rows *nx, float *dh,
                                  float *loss)
{
    int H = a->H;
    bool g = hd->weight != 0.0f;
    float w = hd->weight;
    int n1 = nx->n1;
    const float *e_next = nx->e_next;
    if (n1 == 0) return false;
    for (int r = 0; r < n1; r++) {
        int src = a->idx_next[r];
        cat_h_action(a, hd->x + (size_t)r * hd->in, b->h + (size_t)src * H, b->u + (size_t)src * a->adim);
    }
    const float *pred = nn_mlp_forward(&hd->c, &hd->mlp, hd->x, n1);
    /* the target encoding is a constant (stop-gradient, as in SPR) */
    const float *target = b->h_next_target ? a->g_tgt : e_next;
    if (hd->loss.desc->kind == LOSS_KIND_REGRESSION)
        *loss = regression(&hd->loss, pred, target, n1 * H, g ? hd->dout : NULL);
    else
        *loss = loss_byol(pred, target, NULL, n1, H, g ? hd->dout : NULL);
    if (!g) return true;
    scale(hd->dout, (size_t)n1 * H, w);
    nn_mlp_backward(hd->dx, &hd->c, &hd->mlp, hd->dout, hd->x, n1);
    scatter_add(dh, hd->dx, a->idx_next, n1, H, hd->in);
    return true;
}

/* inverse dynamics: (h_t, h_{t+1}) -> a_t; its gradient for h_{t+1} goes into a->dh_next */
static bool head_inverse_dynamics(aux_module *a, aux_head *hd, const aux_batch *b, next_rows *nx, float *dh,
                                  float *loss)
{
    int H = a->H;
    bool g = hd->weight != 0.0f;
    float w = hd->weight;
    int n1 = nx->n1;
    const float *e_next = nx->e_next;
    if (n1 == 0) return false;
    for (int r = 0; r < n1; r++) {
        int src = a->idx_next[r];
        float *row = hd->x + (size_t)r * hd->in;
        memcpy(row, b->h + (size_t)src * H, (size_t)H * sizeof(float));
        memcpy(row + H, e_next + (size_t)r * H, (size_t)H * sizeof(float));
        if (a->K) a->labels[r] = (int)b->u[src];
        else memcpy(a->tgt + (size_t)r * a->adim, b->u + (size_t)src * a->adim, (size_t)a->adim * sizeof(float));
    }
    const float *pred = nn_mlp_forward(&hd->c, &hd->mlp, hd->x, n1);
    if (a->K) *loss = loss_categorical_eval(&hd->loss, pred, a->labels, NULL, n1, a->K, g ? hd->dout : NULL);
    else *loss = regression(&hd->loss, pred, a->tgt, n1 * a->adim, g ? hd->dout : NULL);
    if (!g) return true;
    scale(hd->dout, (size_t)n1 * hd->out, w);
    nn_mlp_backward(hd->dx, &hd->c, &hd->mlp, hd->dout, hd->x, n1);
    scatter_add(dh, hd->dx, a->idx_next, n1, H, hd->in);
    /* the second half of the input is h_{t+1}: back through the next-observation pass */
    for (int r = 0; r < n1; r++)
        for (int j = 0; j < H; j++) a->dh_next[(size_t)r * H + j] += hd->dx[(size_t)r * hd->in + H + j];
    nx->grad = true;
    return true;
}

/* temporal contrast: h_t against the encoding of s_{t+k}, the other rows as negatives */
static bool head_temporal_contrastive(aux_module *a, aux_head *hd, const aux_batch *b, float *dh, float *loss)
{
    int B = b->B, H = a->H;
    bool g = hd->weight != 0.0f;
    float w = hd->weight;
    int D = a->D;
    int n2 = 0;
    for (int r = 0; r < B; r++)
        if (b->pos_ok[r]) {
            a->idx_pos[n2] = r;
            memcpy(hd->x + (size_t)n2 * H, b->h + (size_t)r * H, (size_t)H * sizeof(float));
            memcpy(a->g_pos + (size_t)n2 * D, b->pos + (size_t)r * D, (size_t)D * sizeof(float));
            n2++;
        }
    if (n2 < 2) return false;   /* no negatives */
    const float *z1 = nn_mlp_forward(&hd->c, &hd->mlp, hd->x, n2);
    const float *z2 = nn_mlp_forward(&a->enc_pos, a->enc, a->g_pos, n2);
    *loss = two_view(a, &hd->loss, z1, z2, n2, H, g ? hd->dout : NULL, g ? a->dz_pos : NULL);
    if (!g) return true;
    scale(hd->dout, (size_t)n2 * H, w);
    scale(a->dz_pos, (size_t)n2 * H, w);
    nn_mlp_backward(hd->dx, &hd->c, &hd->mlp, hd->dout, hd->x, n2);
    scatter_add(dh, hd->dx, a->idx_pos, n2, H, H);
    nn_mlp_backward(NULL, &a->enc_pos, a->enc, a->dz_pos, a->g_pos, n2);
    return true;
}

/* representation: two noisy views of s_t through the encoder, VICReg or Barlow Twins */
static bool head_representation(aux_module *a, aux_head *hd, const aux_batch *b, float *loss)
{
    int B = b->B;
    bool g = hd->weight != 0.0f;
    float w = hd->weight;
    int D = a->D;
    if (B < 2) return false;
    for (size_t j = 0; j < (size_t)B * D; j++) {
        a->v1[j] = b->obs[j] + hd->noise * (float)rl_rng_normal(&a->rng);
        a->v2[j] = b->obs[j] + hd->noise * (float)rl_rng_normal(&a->rng);
    }
    const float *e1 = nn_mlp_forward(&a->enc_v1, a->enc, a->v1, B);
    const float *e2 = nn_mlp_forward(&a->enc_v2, a->enc, a->v2, B);
    const float *z1 = nn_mlp_forward(&hd->c, &hd->mlp, e1, B);
    const float *z2 = nn_mlp_forward(&hd->c2, &hd->mlp, e2, B);
    *loss = two_view(a, &hd->loss, z1, z2, B, hd->out, g ? hd->dout : NULL, g ? hd->dout2 : NULL);
    if (!g) return true;
    scale(hd->dout, (size_t)B * hd->out, w);
    scale(hd->dout2, (size_t)B * hd->out, w);
    nn_mlp_backward(a->de1, &hd->c, &hd->mlp, hd->dout, e1, B);
    nn_mlp_backward(a->de2, &hd->c2, &hd->mlp, hd->dout2, e2, B);
    nn_mlp_backward(NULL, &a->enc_v1, a->enc, a->de1, a->v1, B);
    nn_mlp_backward(NULL, &a->enc_v2, a->enc, a->de2, a->v2, B);
    return true;
}

float aux_loss_grad(aux_module *a, const aux_batch *b, float *dh, double *head_loss, bool *touched)
{
    int B = b->B, H = a->H;
    RL_ASSERT(B > 0 && B <= a->max_batch);
    memset(a->grads, 0, a->n_params * sizeof(float));
    memset(dh, 0, (size_t)B * H * sizeof(float));
    *touched = false;
    next_rows nx = {0};
    if (a->need_next) gather_next(a, b, &nx);

    double total = 0.0;
    for (int i = 0; i < a->n; i++) {
        aux_head *hd = &a->heads[i];
        bool g = hd->weight != 0.0f, done = true;
        float w = hd->weight, loss = NAN;
        switch (hd->kind) {
        case AUX_REWARD_PREDICTION: done = head_reward_prediction(a, hd, b, dh, &loss); break;
        case AUX_FORWARD_DYNAMICS: done = head_forward_dynamics(a, hd, b, &nx, dh, &loss); break;
        case AUX_INVERSE_DYNAMICS: done = head_inverse_dynamics(a, hd, b, &nx, dh, &loss); break;
        case AUX_TEMPORAL_CONTRASTIVE: done = head_temporal_contrastive(a, hd, b, dh, &loss); break;
        case AUX_REPRESENTATION: done = head_representation(a, hd, b, &loss); break;
        default: RL_ASSERT(0);
        }
        head_loss[i] = loss;
        /* a head without enough valid rows (loss left NAN) is skipped; weight 0 only logs */
        if (!g || !done) continue;
        *touched = true;
        total += (double)w * loss;
    }
    if (nx.grad) nn_mlp_backward(NULL, &a->enc_next, a->enc, a->dh_next, a->g_next, nx.n1);
    return (float)total;
}

int aux_rng_meta(aux_module *a, const char *algo, char *key, size_t key_sz, char *buf, nn_meta *meta)
{
    if (!a) return 0;
    snprintf(key, key_sz, "%s.aux_rng", algo);
    rl_rng_encode(aux_rng(a), buf, RL_RNG_TEXT);
    *meta = (nn_meta){key, buf};
    return 1;
}

rl_status aux_rng_load(aux_module *a, nn_safetensors *f, const char *algo, char *err, size_t err_sz)
{
    if (!a) return RL_OK;
    char key[64];
    snprintf(key, sizeof key, "%s.aux_rng", algo);
    if (rl_rng_decode(aux_rng(a), nn_safetensors_meta(f, key)) != 0)
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "checkpoint: metadata '%s' missing or malformed", key);
    return RL_OK;
}
