/* rlc algos: the value-based off-policy agent DQN, QR-DQN, C51 and IQN are built on
 * (algos/offp_value.h). */
#include "algos/offp_value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/dataparallel.h"
#include "core/dist.h"
#include "core/limits.h"
#include "core/mathx.h"

/* ---- config and lifecycle ------------------------------------------------------------------- */

rl_status offp_value_check_config(const rl_config *cfg, const char *prefix, const offp_value_keys *k, char *err,
                                  size_t err_sz)
{
    return rl_limit_check_replay(cfg->source[0] ? cfg->source : "config", prefix, k->batch_size, k->buffer_size,
                                 k->n_step, cfg->env.num_envs, err, err_sz);
}

rl_status offp_value_check_spaces(const char *algo, const env_space *obs_space, const env_space *act_space,
                                  const char *src, char *err, size_t err_sz)
{
    if (act_space->kind != ENV_SPACE_DISCRETE)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo %s needs a Discrete action space", src, algo);
    if (obs_space->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo %s: observations must be a Box", src, algo);
    return RL_OK;
}

rl_status offp_value_check_buffer(const char *src, const char *prefix, int64_t buffer_size, int obs_dim, char *err,
                                  size_t err_sz)
{
    char key[48];
    snprintf(key, sizeof key, "%s.buffer_size", prefix);
    return rl_limit_check(src, key, "replay buffer floats", rl_mul_sat(buffer_size, 2 * (int64_t)obs_dim + 2),
                          RL_LIMIT_BUFFER_FLOATS, err, err_sz);
}

/* the scalar settings of the keys k */
static void init_settings(offp_value *b, const rl_config *cfg)
{
    const offp_value_keys *k = &b->s.k;
    b->B = (int)k->batch_size;
    b->gamma = (float)k->gamma;
    b->lr = (float)k->learning_rate;
    b->max_grad_norm = (float)k->max_grad_norm;
    b->tau = (float)k->tau;
    b->start_e = (float)k->start_e;
    b->end_e = (float)k->end_e;
    b->per_beta0 = (float)k->per_beta;
    b->learning_starts = k->learning_starts;
    b->train_freq = k->train_frequency;
    b->grad_steps = k->gradient_steps;
    b->target_iv = k->target_update_interval;
    b->explore_steps = (int64_t)(k->exploration_fraction * (double)cfg->root.total_steps);
    b->prioritized = k->prioritized;
    b->use_masks = cfg->env.action_mask;
}

void offp_value_init(offp_value *b, const offp_value_settings *s, const rl_config *cfg, int obs_dim, int K,
                     int n_envs)
{
    b->s = *s;
    b->obs_dim = obs_dim, b->K = K, b->n_envs = n_envs;
    init_settings(b, cfg);
    b->maxb = b->B > n_envs ? b->B : n_envs;
    if (AGENT_EVAL_BATCH > b->maxb) b->maxb = AGENT_EVAL_BATCH;
    const char *what[4] = {"adam_t", "rng", "updates", "env_steps"};
    for (int i = 0; i < 4; i++) snprintf(b->keys[i], sizeof b->keys[i], "%s.%s", s->prefix, what[i]);
    b->n_params = s->n_params;
    b->params = rl_xcalloc(b->n_params, sizeof(float));
    b->grads = rl_xcalloc(b->n_params, sizeof(float));
    b->tparams = rl_xcalloc(b->n_params, sizeof(float));
    rl_rng_seed(&b->rng, rl_seed_derive((uint64_t)cfg->root.seed, 1), 1);
}

/* whether the agent's sections list her: */
static bool lists_her(const agent_algo *algo)
{
    for (int i = 0; algo->sections && algo->sections[i]; i++)
        if (algo->sections[i] == &her_section) return true;
    return false;
}

rl_status offp_value_start(offp_value *b, const rl_config *cfg, const env_space *obs_space, char *err, size_t err_sz)
{
    const offp_value_keys *k = &b->s.k;
    memcpy(b->tparams, b->params, b->n_params * sizeof(float));
    replay_config rc;
    replay_config_default(&rc);
    rc.capacity = k->buffer_size;
    rc.n_envs = b->n_envs;
    rc.obs_dim = b->obs_dim;
    rc.act_dim = 1;
    rc.n_actions = b->K;   /* the stored action is the index of the action taken */
    rc.n_step = (int)k->n_step;
    rc.gamma = b->gamma;
    rc.prioritized = b->prioritized;
    rc.alpha = (float)k->per_alpha;
    rc.eps = (float)k->per_eps;
    rc.obs_bytes = b->s.obs_bytes;
    rl_status st = nn_adam_init(&b->opt, b->n_params, b->lr, 0.9f, 0.999f, (float)k->adam_eps, err, err_sz);
    if (st == RL_OK) st = replay_buffer_init(&b->buf, &rc, err, err_sz);
    if (st == RL_OK) st = replay_batch_init(&b->batch, b->B, b->obs_dim, 1, err, err_sz);
    if (st == RL_OK && lists_her(b->s.algo))
        st = her_init(&b->her, cfg, obs_space, &b->buf.cfg, b->s.algo->name, err, err_sz);
    return st;
}

rl_status offp_value_arena(offp_value *b, size_t own_need, char *err, size_t err_sz)
{
    int N = b->n_envs, D = b->obs_dim, B = b->B;
    size_t need = own_need + 2 * rl_arena_need((size_t)N * D * 4) + rl_arena_need((size_t)N * 4) +
                  rl_arena_need((size_t)B * sizeof(int)) + rl_arena_need((size_t)B * 4);
    rl_status st = rl_arena_init(&b->arena, need, err, err_sz);
    if (st != RL_OK) return st;
    b->step_obs = rl_arena_floats(&b->arena, (size_t)N * D);
    b->next_fix = rl_arena_floats(&b->arena, (size_t)N * D);
    b->step_act = rl_arena_floats(&b->arena, N);
    b->a_star = rl_arena_alloc(&b->arena, (size_t)B * sizeof(int));
    b->td = rl_arena_floats(&b->arena, B);
    act_mask_init(&b->am, b->K, b->maxb);
    if (b->use_masks) act_mask_store_init(&b->next_masks, b->K, b->buf.rows * b->n_envs);
    return RL_OK;
}

void offp_value_report(const offp_value *b)
{
    fprintf(stderr, "%s: replay buffer of %lld transitions (obs %d, %s, n_step %d): %.1f MB\n", b->s.algo->name,
            (long long)b->buf.cfg.capacity, b->obs_dim, b->prioritized ? "prioritized" : "uniform",
            (int)b->s.k.n_step, replay_buffer_bytes(&b->buf) / 1048576.0);
}

void offp_value_destroy(void *self)
{
    offp_value *b = self;
    if (!b) return;
    if (b->s.free_own) b->s.free_own(b);
    free(b->params);
    free(b->grads);
    free(b->tparams);
    nn_adam_free(&b->opt);
    offp_aux_free(&b->ax);
    rl_arena_free(&b->arena);
    replay_buffer_free(&b->buf);
    replay_batch_free(&b->batch);
    act_mask_free(&b->am);
    act_mask_store_free(&b->next_masks);
    free(b);
}

/* ---- acting --------------------------------------------------------------------------------- */

float offp_value_epsilon(const offp_value *b, int64_t step)
{
    if (b->s.no_epsilon) return 0.0f;
    if (b->explore_steps <= 0 || step >= b->explore_steps) return b->end_e;
    double f = (double)step / (double)b->explore_steps;
    return (float)(b->start_e + f * (b->end_e - b->start_e));
}

void offp_value_choose(offp_value *b, const float *out, size_t stride, int n, float eps, rl_rng *rng,
                       float *actions)
{
    for (int i = 0; i < n; i++) {
        int a;
        const uint8_t *valid = act_mask_row(&b->am, i);
        if (rng && rl_rng_float(rng) < eps) a = act_mask_uniform(rng, valid, b->K);
        else a = b->s.best(b, out + (size_t)i * stride, valid);
        actions[i] = (float)a;
    }
    b->am.set = false;
}

void offp_value_keep_step(offp_value *b, const float *obs, const float *actions, int n)
{
    RL_ASSERT(n == b->n_envs);
    memcpy(b->step_obs, obs, (size_t)n * b->obs_dim * sizeof(float));
    memcpy(b->step_act, actions, (size_t)n * sizeof(float));
}

void offp_value_action_mask(void *self, const uint8_t *mask, int n)
{
    act_mask_set(&((offp_value *)self)->am, mask, n);
}

void offp_value_observe(void *self, const env_vec *v)
{
    offp_value *b = self;
    if (b->use_masks && env_vec_masked(v))   /* beside the slots the step is about to fill */
        act_mask_store_add(&b->next_masks, (b->buf.added_rows % b->buf.rows) * b->n_envs, b->n_envs, v->action_mask,
                           v->final_mask, v->terminated, v->truncated);
    offp_store_step(&b->buf, b->step_obs, b->step_act, b->next_fix, b->n_envs, b->obs_dim, v);
    b->env_steps += b->n_envs;
}

/* ---- the update ----------------------------------------------------------------------------- */

void offp_value_sample(offp_value *b, float beta)
{
    replay_buffer_sample(&b->buf, &b->batch, b->B, beta, &b->rng);
    her_relabel(&b->her, &b->buf, &b->batch, b->B, &b->rng);
}

void offp_value_a_star(offp_value *b, const float *sel, size_t stride)
{
    for (int i = 0; i < b->B; i++)
        b->a_star[i] = b->s.best(b, sel + (size_t)i * stride, act_mask_store_row(&b->next_masks, b->batch.next_idx[i]));
}

/* a restored buffer's actions were checked when it was read (offp_replay_load), so this only
 * guards the index against a broken invariant */
int offp_value_action(const offp_value *b, int i)
{
    float a = b->batch.actions[i];
    RL_ASSERT_MSG(a >= 0.0f && a < (float)b->K, "a replayed action is not an index of the env's actions");
    return (int)a;
}

void offp_value_gather(const offp_value *b, const float *out, int R, int M, float *qsa)
{
    const size_t KM = (size_t)b->K * M;
    for (int i = 0; i < b->B; i++) {
        int a = offp_value_action(b, i);
        for (int r = 0; r < R; r++) {
            size_t row = (size_t)i * R + r;
            memcpy(qsa + row * M, out + row * KM + (size_t)a * M, (size_t)M * sizeof(float));
        }
    }
}

void offp_value_scatter(const offp_value *b, const float *dq, int R, int M, float *dout)
{
    const size_t KM = (size_t)b->K * M;
    memset(dout, 0, (size_t)b->B * R * KM * sizeof(float));
    for (int i = 0; i < b->B; i++) {
        int a = offp_value_action(b, i);
        for (int r = 0; r < R; r++) {
            size_t row = (size_t)i * R + r;
            memcpy(dout + row * KM + (size_t)a * M, dq + row * M, (size_t)M * sizeof(float));
        }
    }
}

float offp_value_skip(offp_value *b)
{
    b->nonfinite_skips++;
    return NAN;
}

bool offp_value_grads_finite(const offp_value *b)
{
    return rl_all_finite(b->grads, b->n_params) &&
           (!b->ax.aux || rl_all_finite(aux_grads(b->ax.aux), aux_n_params(b->ax.aux)));
}

/* one update: a fresh minibatch, the loss and gradients, then the step (NAN: skipped): the
 * gradients' mean over ranks, one clip over the network and the heads (*gnorm), Adam, the heads'
 * step, the priorities from td; returns the loss, or NAN when any rank skipped */
static float update(offp_value *b, float beta, double *qmean, double *gnorm)
{
    b->s.sample(b, beta);
    float loss = b->s.loss_grad(b, qmean);
    /* data-parallel: the mean of every rank's gradients (agents/dataparallel.h) */
    bool ok = agent_dp_grads(b->grads, b->n_params, !isnan(loss));
    if (b->ax.aux) ok = agent_dp_grads(aux_grads(b->ax.aux), aux_n_params(b->ax.aux), ok);
    if (!ok) return NAN;
    if (b->ax.aux) {
        /* one clip over the network and the heads; with every weight 0 the heads' gradients
         * are zeros and this is nn_clip_grad_norm bit for bit */
        *gnorm = nn_clip_grad_norm2(b->grads, b->n_params, aux_grads(b->ax.aux), aux_n_params(b->ax.aux),
                                    b->max_grad_norm);
        nn_adam_step(&b->opt, b->params, b->grads);
        offp_aux_step(&b->ax);
    } else {
        *gnorm = nn_clip_grad_norm(b->grads, b->n_params, b->max_grad_norm);
        nn_adam_step(&b->opt, b->params, b->grads);
    }
    if (b->prioritized) replay_buffer_update_priorities(&b->buf, b->batch.idx, b->td, b->B);
    b->updates++;
    return loss;
}

/* the sums of the updates' statistics */
typedef struct {
    double loss, qmean, gnorm;
    int n_ok;
    bool did;
} update_sums;

/* the phases due, gradient_steps updates each, with denormals flushed */
static void run_updates(offp_value *b, int64_t phases, float beta, update_sums *u)
{
    FTZ_ENTER();
    for (int64_t ph = 0; ph < phases; ph++)
        for (int64_t g = 0; g < b->grad_steps; g++) {
            double qm = 0.0, gn = 0.0;
            float l = update(b, beta, &qm, &gn);
            u->did = true;
            if (isnan(l)) continue;
            u->loss += l, u->qmean += qm, u->gnorm += gn;
            u->n_ok++;
        }
    FTZ_LEAVE();
}

static void sync_target(offp_value *b)
{
    if (b->tau >= 1.0f) memcpy(b->tparams, b->params, b->n_params * sizeof(float));
    else nn_polyak(b->tparams, b->params, b->n_params, b->tau);
}

bool offp_value_learn(void *self, const env_vec *v, int64_t step, int64_t total_steps, double *stats)
{
    (void)v;
    offp_value *b = self;
    b->env_steps = step;
    if (step < b->learning_starts) return false;
    /* the update schedule counts this rank's own steps (data-parallel: step counts every rank's,
     * docs/distributed.md), so each rank updates as one process on its share of the steps */
    int64_t own = step / rl_dist_size(), prev = own - b->n_envs;
    int64_t phases = own / b->train_freq - prev / b->train_freq;
    float beta = b->per_beta0 + (1.0f - b->per_beta0) * (float)((double)step / (double)total_steps);
    if (beta > 1.0f) beta = 1.0f;
    update_sums u = {0};
    offp_aux_stats_reset(&b->ax);
    if (phases > 0 && replay_buffer_valid(&b->buf) >= 1) run_updates(b, phases, beta, &u);
    if (own / b->target_iv != prev / b->target_iv) sync_target(b);
    if (!u.did) return false;
    stats[OFFP_VALUE_ST_LOSS] = u.n_ok ? u.loss / u.n_ok : NAN;
    stats[OFFP_VALUE_ST_QMEAN] = u.n_ok ? u.qmean / u.n_ok : NAN;
    stats[OFFP_VALUE_ST_EPS] = offp_value_epsilon(b, step);
    stats[OFFP_VALUE_ST_GRADNORM] = u.n_ok ? u.gnorm / u.n_ok : NAN;
    stats[OFFP_VALUE_ST_BETA] = b->prioritized ? beta : NAN;
    stats[OFFP_VALUE_ST_SKIPPED] = (double)b->nonfinite_skips;
    offp_aux_stats(&b->ax, stats, OFFP_VALUE_N_STATS);
    return true;
}

/* ---- checkpoints, data-parallel ------------------------------------------------------------- */

/* the network ("q"), with train_state its target ("q_target") and Adam's moments; the heads' */
static int all_tensors(offp_value *b, nn_tensor *t, char names[][48], bool train_state)
{
    int n = b->s.net_tensors(b, t, names, "q", false);
    if (train_state) {
        n += b->s.net_tensors(b, t + n, names + n, "q_target", true);
        t[n++] = (nn_tensor){"optim.adam.m", b->opt.m, 1, {(int64_t)b->n_params}};
        t[n++] = (nn_tensor){"optim.adam.v", b->opt.v, 1, {(int64_t)b->n_params}};
    }
    n += offp_aux_tensors(&b->ax, t + n, train_state);
    return n;
}

/* the metadata of a checkpoint, in the order it is written */
static offp_ckpt ckpt_of(offp_value *b)
{
    return (offp_ckpt){.algo = b->s.algo->name, .prefix = b->s.prefix, .rng = &b->rng, .n_fields = 4,
                       .fields = {{b->keys[0], &b->opt.t}, {b->keys[1], NULL}, {b->keys[2], &b->updates},
                                  {b->keys[3], &b->env_steps}},
                       .ax = &b->ax, .aux_step = &b->opt.t};   /* the heads step with the network */
}

rl_status offp_value_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err, size_t err_sz)
{
    offp_value *b = self;
    nn_tensor t[OFFP_VALUE_MAX_TENSORS];
    char names[OFFP_VALUE_MAX_TENSORS][48];
    int n = all_tensors(b, t, names, true);
    offp_ckpt c = ckpt_of(b);
    return offp_ckpt_save(&c, path, t, n, extra, n_extra, err, err_sz);
}

rl_status offp_value_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz)
{
    offp_value *b = self;
    nn_tensor t[OFFP_VALUE_MAX_TENSORS];
    char names[OFFP_VALUE_MAX_TENSORS][48];
    int n = all_tensors(b, t, names, train_state);
    offp_ckpt c = ckpt_of(b);
    rl_status st = offp_ckpt_load(&c, f, t, n, train_state, err, err_sz);
    if (st == RL_OK && !train_state) memcpy(b->tparams, b->params, b->n_params * sizeof(float));
    return st;
}

int offp_value_dp_tensors(void *self, nn_tensor *t, int max)
{
    offp_value *b = self;
    RL_ASSERT(max >= 7);
    int n = 0;
    t[n++] = (nn_tensor){"params", b->params, 1, {(int64_t)b->n_params}};
    t[n++] = (nn_tensor){"target", b->tparams, 1, {(int64_t)b->n_params}};
    t[n++] = (nn_tensor){"adam.m", b->opt.m, 1, {(int64_t)b->opt.n}};
    t[n++] = (nn_tensor){"adam.v", b->opt.v, 1, {(int64_t)b->opt.n}};
    if (b->ax.aux) {
        t[n++] = (nn_tensor){"aux.params", aux_params(b->ax.aux), 1, {(int64_t)aux_n_params(b->ax.aux)}};
        t[n++] = (nn_tensor){"aux.adam.m", b->ax.opt.m, 1, {(int64_t)b->ax.opt.n}};
        t[n++] = (nn_tensor){"aux.adam.v", b->ax.opt.v, 1, {(int64_t)b->ax.opt.n}};
    }
    return n;
}

replay_buffer *offp_value_replay(void *self) { return &((offp_value *)self)->buf; }

int offp_value_extra_stats(void *self, const char **names, int max)
{
    return offp_aux_stat_names(&((offp_value *)self)->ax, names, max);
}

/* ---- test hooks ---------------------------------------------------------------------------- */

void offp_value_test_sample(void *agent)
{
    offp_value *b = agent;
    b->s.sample(b, 1.0f);
}

double offp_value_test_objective(void *agent, float *dparams)
{
    offp_value *b = agent;
    double qm;
    b->ax.total = 0.0f;
    float l = b->s.loss_grad(b, &qm);
    if (dparams) memcpy(dparams, b->grads, b->n_params * sizeof(float));
    return (double)l + (double)b->ax.total;
}

float *offp_value_test_params(void *agent, size_t *n)
{
    offp_value *b = agent;
    *n = b->n_params;
    return b->params;
}

aux_module *offp_value_test_aux(void *agent) { return ((offp_value *)agent)->ax.aux; }
