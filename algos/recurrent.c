/* rlc algos: the recurrent stage of the on-policy actor-critic and the states it keeps
 * (algos/recurrent.h). */
#include "algos/recurrent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/agent.h"

const rl_config_section onp_recurrent_section =
    RL_CFG_SECTION_INIT("recurrent", onp_recurrent_cfg, ONP_RECURRENT_FIELDS);

const onp_recurrent_cfg *onp_recurrent_of(const rl_config *cfg)
{
    const agent_algo *a = agent_find(cfg->root.algo);
    if (!a) return NULL;
    for (int i = 0; a->sections[i]; i++) {
        if (a->sections[i] != &onp_recurrent_section) continue;
        const onp_recurrent_cfg *c = rl_config_section_of(cfg, &onp_recurrent_section);
        return strcmp(c->type, "none") != 0 ? c : NULL;
    }
    return NULL;
}

/* ---- the layer ----------------------------------------------------------------------------- */

rl_status onp_rec_create(onp_rec **out, const rl_config *cfg, const char *name, int step_B, int L, int seq_B,
                         char *err, size_t err_sz)
{
    (void)err, (void)err_sz;
    *out = NULL;
    const onp_recurrent_cfg *c = onp_recurrent_of(cfg);
    if (!c) return RL_OK;
    onp_rec *r = rl_xcalloc(1, sizeof *r);
    r->name = name;
    r->kind = strcmp(c->type, "lstm") == 0 ? NN_RNN_LSTM : NN_RNN_GRU;
    r->lstm = r->kind == NN_RNN_LSTM;
    r->H = (int)c->size;
    r->step_B = step_B;
    r->L = L;
    r->seq_B = seq_B;
    *out = r;
    return RL_OK;
}

rl_status onp_rec_shape(onp_rec *r, int I, const char *src, char *err, size_t err_sz)
{
    char why[256];
    if (nn_rnn_shape(&r->rnn, r->kind, I, r->H, why, sizeof why) != RL_OK)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: recurrent.size, network.hidden (its input: the last size): %s",
                       src, why);
    r->I = I;
    size_t ns = nn_rnn_cache_floats(&r->rnn, 1, r->step_B), nq = nn_rnn_cache_floats(&r->rnn, r->L, r->seq_B);
    size_t rows = (size_t)r->L * r->seq_B > (size_t)r->step_B ? (size_t)r->L * r->seq_B : (size_t)r->step_B;
    r->mem = rl_xcalloc(ns + nq + rows * I, sizeof(float));
    nn_rnn_cache_bind(&r->k_step, &r->rnn, r->mem, 1, r->step_B);
    nn_rnn_cache_bind(&r->k_seq, &r->rnn, r->mem + ns, r->L, r->seq_B);
    r->dx = r->mem + ns + nq;
    r->k = &r->k_step;
    return RL_OK;
}

void onp_rec_free(onp_rec *r)
{
    if (!r) return;
    free(r->mem);
    free(r);
}

void onp_rec_bind(onp_rec *r, float *params, float *grads)
{
    nn_rnn_bind(&r->rnn, params, grads);
}

void onp_rec_init(onp_rec *r, const rl_config *cfg, rl_rng *rng)
{
    if (strcmp(cfg->network.init, "torch") == 0) nn_rnn_init_torch_default(&r->rnn, rng);
    else nn_rnn_init_orthogonal(&r->rnn, 1.0f, rng);
}

void onp_rec_layout(onp_rec *r, int T, int B, const float *h0, const float *c0, const bool *starts)
{
    r->T = T;
    r->B = B;
    r->h0 = h0;
    r->c0 = r->lstm ? c0 : NULL;
    r->starts = starts;
}

const float *onp_rec_forward(onp_rec *r, const float *x, int rows)
{
    /* every forward says what its rows are: a missing layout is a bug */
    RL_ASSERT(r->T >= 1 && r->T * r->B == rows);
    r->k = r->T == 1 && r->B <= r->step_B ? &r->k_step : &r->k_seq;
    r->out = nn_rnn_forward(r->k, &r->rnn, x, r->h0, r->c0, r->starts, r->T, r->B);
    r->T = 0;
    return r->out;
}

const float *onp_rec_backward(onp_rec *r, const float *dout, const float *x)
{
    nn_rnn_backward(r->dx, NULL, NULL, r->k, &r->rnn, dout, NULL, NULL, x);
    return r->dx;
}

const float *onp_rec_backward_pair(onp_rec *a, const float *da, onp_rec *c, const float *dc, const float *x)
{
    RL_ASSERT(da || dc);
    if (!da) return onp_rec_backward(c, dc, x);
    onp_rec_backward(a, da, x);
    if (!dc) return a->dx;
    RL_ASSERT(a->I == c->I && a->k->T * a->k->B == c->k->T * c->k->B);
    const float *g = onp_rec_backward(c, dc, x);
    size_t n = (size_t)a->k->T * a->k->B * a->I;
    for (size_t i = 0; i < n; i++) a->dx[i] += g[i];
    return a->dx;
}

void onp_rec_final(const onp_rec *r, float *h, float *c)
{
    size_t last = (size_t)(r->k->T - 1) * r->k->B * r->H, n = (size_t)r->k->B * r->H;
    memcpy(h, r->k->h + last, n * sizeof(float));
    if (r->lstm) memcpy(c, r->k->c + last, n * sizeof(float));
}

int onp_rec_tensors(onp_rec *r, nn_tensor *t)
{
    int64_t gh = (int64_t)r->rnn.G * r->H;
    const char *what[4] = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"};
    for (int i = 0; i < 4; i++) snprintf(r->names[i], sizeof r->names[i], "%s.%s", r->name, what[i]);
    t[0] = (nn_tensor){r->names[0], r->rnn.w_ih, 2, {gh, r->I}};
    t[1] = (nn_tensor){r->names[1], r->rnn.w_hh, 2, {gh, r->H}};
    t[2] = (nn_tensor){r->names[2], r->rnn.b_ih, 1, {gh}};
    t[3] = (nn_tensor){r->names[3], r->rnn.b_hh, 1, {gh}};
    return 4;
}

/* ---- the states the agent keeps ---------------------------------------------------------- */

rl_status onp_rec_check(const rl_config *cfg, const char *sec, int N, int T, int n_mb, int *L, char *err,
                        size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    const onp_recurrent_cfg *c = onp_recurrent_of(cfg);
    *L = c->seq_len > 0 ? (int)c->seq_len : T;
    if (c->seq_len > T || T % *L != 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: recurrent.seq_len: %lld does not divide %s.num_steps = %d (a rollout is cut into whole "
                       "sequences; 0 = the whole rollout)", src, (long long)c->seq_len, sec, T);
    int n_seq = N * (T / *L);
    if (n_seq % n_mb != 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: %s.num_minibatches: %d does not divide the rollout's %d sequences (env.num_envs = %d x "
                       "%s.num_steps / recurrent.seq_len = %d): a recurrent minibatch holds whole sequences",
                       src, sec, n_mb, n_seq, N, sec, T / *L);
    return RL_OK;
}

/* one cell's float arrays at q; returns the end */
static float *cell_bind(onp_rec_cell *c, onp_rec *rec, float *q, size_t NH, size_t TNH, size_t EH, size_t MH)
{
    c->rec = rec;
    c->h = q, q += NH;
    c->c = q, q += NH;
    c->roll_h = q, q += TNH;
    c->roll_c = q, q += TNH;
    c->eval_h = q, q += EH;
    c->eval_c = q, q += EH;
    c->mb_h0 = q, q += MH;
    c->mb_c0 = q, q += MH;
    return q;
}

void onp_rec_track_init(onp_rec_track *s, onp_rec *rec, onp_rec *rec_c, int N, int T, int L, int n_mb,
                        int max_eval)
{
    int H = rec->H, n_seq = N * (T / L), mb_seqs = n_seq / n_mb, nc = rec_c ? 2 : 1;
    RL_ASSERT(!rec_c || (rec_c->H == H && rec_c->lstm == rec->lstm));
    *s = (onp_rec_track){.rec = rec, .n_cells = nc, .N = N, .T = T, .L = L, .H = H, .n_seq = n_seq,
                         .mb_seqs = mb_seqs, .max_eval = max_eval};
    size_t NH = (size_t)N * H, TNH = (size_t)T * NH, EH = (size_t)max_eval * H, MH = (size_t)mb_seqs * H;
    /* floats per cell: h c, roll_h roll_c, eval_h eval_c, mb_h0 mb_c0; then the flags and the order */
    size_t nf = (size_t)nc * (2 * NH + 2 * TNH + 2 * EH + 2 * MH);
    size_t nb = (size_t)N + (size_t)T * N + (size_t)max_eval + (size_t)L * mb_seqs;
    s->mem = rl_xcalloc(nf + (size_t)n_seq + (nb + 3) / 4, sizeof(float));
    float *q = s->mem;
    for (int k = 0; k < nc; k++) q = cell_bind(&s->cell[k], k ? rec_c : rec, q, NH, TNH, EH, MH);
    const onp_rec_cell *c0 = &s->cell[0];
    s->h = c0->h, s->c = c0->c, s->roll_h = c0->roll_h, s->roll_c = c0->roll_c;
    s->mb_h0 = c0->mb_h0, s->mb_c0 = c0->mb_c0;
    s->seq_perm = (int *)q, q += n_seq;
    bool *b = (bool *)q;
    s->starts = b, b += N;
    s->roll_starts = b, b += (size_t)T * N;
    s->eval_starts = b, b += max_eval;
    s->mb_starts = b;
    for (int i = 0; i < n_seq; i++) s->seq_perm[i] = i;
    onp_rec_track_reset(s);
}

void onp_rec_track_free(onp_rec_track *s)
{
    if (!s) return;
    free(s->mem);
    memset(s, 0, sizeof *s);
}

void onp_rec_track_reset(onp_rec_track *s)
{
    size_t NH = (size_t)s->N * s->H, EH = (size_t)s->max_eval * s->H;
    for (int k = 0; k < s->n_cells; k++) {
        onp_rec_cell *c = &s->cell[k];
        memset(c->h, 0, NH * sizeof(float));
        memset(c->c, 0, NH * sizeof(float));
        memset(c->eval_h, 0, EH * sizeof(float));
        memset(c->eval_c, 0, EH * sizeof(float));
    }
    for (int i = 0; i < s->N; i++) s->starts[i] = true;
    for (int i = 0; i < s->max_eval; i++) s->eval_starts[i] = true;
}

void onp_rec_before_act(onp_rec_track *s, bool explore, int n, int t)
{
    if (!explore) {
        RL_ASSERT(n <= s->max_eval);
        for (int k = 0; k < s->n_cells; k++) {
            onp_rec_cell *c = &s->cell[k];
            onp_rec_layout(c->rec, 1, n, c->eval_h, c->eval_c, s->eval_starts);
        }
        return;
    }
    RL_ASSERT(n == s->N && t >= 0 && t < s->T);
    size_t NH = (size_t)s->N * s->H, at = (size_t)t * NH;
    for (int k = 0; k < s->n_cells; k++) {
        onp_rec_cell *c = &s->cell[k];
        memcpy(c->roll_h + at, c->h, NH * sizeof(float));
        if (c->rec->lstm) memcpy(c->roll_c + at, c->c, NH * sizeof(float));
        onp_rec_layout(c->rec, 1, n, c->h, c->c, s->starts);
    }
    memcpy(s->roll_starts + (size_t)t * s->N, s->starts, (size_t)s->N * sizeof(bool));
}

void onp_rec_after_act(onp_rec_track *s, bool explore, int n)
{
    /* the forward read h and c: the new state goes into them only now, for the cells that ran
     * (a layout the forward consumed); a layout left unread is dropped */
    for (int k = 0; k < s->n_cells; k++) {
        onp_rec_cell *c = &s->cell[k];
        if (c->rec->T != 0) {
            c->rec->T = 0;
            continue;
        }
        onp_rec_final(c->rec, explore ? c->h : c->eval_h, explore ? c->c : c->eval_c);
    }
    bool *starts = explore ? s->starts : s->eval_starts;
    for (int i = 0; i < n; i++) starts[i] = false;
}

/* the cell the critic reads: its own, or the shared one */
static onp_rec_cell *critic_cell(onp_rec_track *s) { return &s->cell[s->n_cells - 1]; }

void onp_rec_layout_final(onp_rec_track *s)
{
    onp_rec_cell *c = critic_cell(s);
    onp_rec_layout(c->rec, 1, s->N, c->h, c->c, NULL);
}

void onp_rec_layout_next(onp_rec_track *s)
{
    onp_rec_cell *c = critic_cell(s);
    onp_rec_layout(c->rec, 1, s->N, c->h, c->c, s->starts);
}

void onp_rec_observe(onp_rec_track *s, const bool *terminated, const bool *truncated)
{
    for (int i = 0; i < s->N; i++) s->starts[i] = terminated[i] || truncated[i];
}

void onp_rec_eval_starts(onp_rec_track *s, const bool *starts, int n)
{
    RL_ASSERT(n <= s->max_eval);
    for (int i = 0; i < n; i++) s->eval_starts[i] = s->eval_starts[i] || starts[i];
}

void onp_rec_epoch_order(onp_rec_track *s, int *perm, int n_mb, rl_rng *rng)
{
    if (n_mb > 1)
        for (int i = s->n_seq - 1; i > 0; i--) {
            int j = (int)rl_rng_below(rng, (uint32_t)(i + 1)), t = s->seq_perm[i];
            s->seq_perm[i] = s->seq_perm[j];
            s->seq_perm[j] = t;
        }
    int N = s->N, L = s->L, ms = s->mb_seqs, mb = ms * L;
    for (int m = 0; m < n_mb; m++)
        for (int q = 0; q < ms; q++) {
            int sq = s->seq_perm[m * ms + q], t0 = (sq / N) * L, e = sq % N;
            for (int tt = 0; tt < L; tt++) perm[m * mb + tt * ms + q] = (t0 + tt) * N + e;
        }
}

void onp_rec_minibatch(onp_rec_track *s, int m)
{
    int N = s->N, L = s->L, H = s->H, ms = s->mb_seqs;
    for (int q = 0; q < ms; q++) {
        int sq = s->seq_perm[m * ms + q], t0 = (sq / N) * L, e = sq % N;
        size_t from = ((size_t)t0 * N + e) * H;
        for (int k = 0; k < s->n_cells; k++) {
            onp_rec_cell *c = &s->cell[k];
            memcpy(c->mb_h0 + (size_t)q * H, c->roll_h + from, (size_t)H * sizeof(float));
            if (c->rec->lstm) memcpy(c->mb_c0 + (size_t)q * H, c->roll_c + from, (size_t)H * sizeof(float));
        }
        for (int tt = 0; tt < L; tt++) s->mb_starts[tt * ms + q] = s->roll_starts[(size_t)(t0 + tt) * N + e];
    }
    for (int k = 0; k < s->n_cells; k++) {
        onp_rec_cell *c = &s->cell[k];
        onp_rec_layout(c->rec, L, ms, c->mb_h0, c->mb_c0, s->mb_starts);
    }
}
