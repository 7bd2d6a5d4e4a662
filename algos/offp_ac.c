/* rlc algos: the off-policy actor-critic SAC and TD3/DDPG share (algos/offp_ac.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/dataparallel.h"
#include "algos/encoder.h"
#include "algos/offp_ac.h"
#include "core/dist.h"
#include "core/limits.h"
#include "core/mathx.h"

/* ---- lifecycle ------------------------------------------------------------------------------ */

rl_status offp_ac_check_spaces(const agent_algo *algo, const rl_config *cfg, const env_space *obs_space,
                               const env_space *act_space, const char *src, char *err, size_t err_sz)
{
    const char *name = algo->name;
    if (act_space->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: algo %s needs a Box action space (continuous actions), but env %s has a %s one "
                       "(use dqn, qrdqn, c51, iqn, ppo or a2c)", src, name, cfg->env.id,
                       env_space_kind_name(act_space->kind));
    if (obs_space->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo %s: observations of env %s must be a Box", src, name,
                       cfg->env.id);
    for (int d = 0; d < act_space->dim; d++)
        if (!isfinite(act_space->low[d]) || !isfinite(act_space->high[d]) || act_space->high[d] <= act_space->low[d])
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo %s needs finite action bounds (env %s, dimension %d)",
                           src, name, cfg->env.id, d);
    return algo_encoder_refuse(cfg, obs_space, name, err, err_sz);   /* no image encoder */
}

rl_status offp_ac_check_config(const rl_config *cfg, const offp_ac_settings *s, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    /* ranks end episodes at different steps, and every update is a collective one */
    if (s->train_per_episode && rl_dist_size() > 1)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: %s.train_frequency_unit: 'episode' needs a single process (a data-parallel run "
                       "updates on every rank at once); use 'step'", src, s->algo->name);
    return rl_limit_check_replay(src, s->algo->name, s->batch_size, s->buffer_size, s->n_step, cfg->env.num_envs,
                                 err, err_sz);
}

/* the critics' loss, the activation and the memory the buffer and the caches will take */
static rl_status loss_and_limits(offp_ac *b, const rl_config *cfg, const env_space *obs_space,
                                 const env_space *act_space, const char *src, char *err, size_t err_sz)
{
    const offp_ac_settings *s = &b->s;
    rl_status st = agent_slot_loss(&b->critic_loss, s->algo, 0, cfg, err, err_sz);
    if (st) return st;
    if (nn_act_from_name(cfg->network.activation, &b->hidden_act) != 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: network.activation: unknown '%s'", src, cfg->network.activation);
    return offp_ac_limits(src, s->algo->name, s->buffer_size, s->batch_size, &cfg->network.hidden, obs_space->dim,
                          act_space->dim, s->actor_out * act_space->dim, err, err_sz);
}

/* the scalar settings and the action bounds' centre and half-width */
static void scalars(offp_ac *b, const env_space *obs_space, const env_space *act_space, int n_envs)
{
    const offp_ac_settings *s = &b->s;
    b->obs_dim = obs_space->dim;
    b->A = act_space->dim;
    b->SA = b->obs_dim + b->A;
    b->n_envs = n_envs;
    b->n_q = s->n_q;
    b->B = (int)s->batch_size;
    b->gamma = (float)s->gamma;
    b->tau = (float)s->tau;
    b->utd = (float)s->utd;
    b->learning_starts = s->learning_starts;
    b->policy_freq = s->policy_frequency;
    offp_action_bounds(act_space, &b->act_center, &b->act_half);
}

/* the actor, the critics and their targets in flat buffers */
static void shape_and_bind(offp_ac *b, const rl_config *cfg)
{
    int hidden[RL_LIST_MAX], nh = cfg->network.hidden.n;
    for (int i = 0; i < nh; i++) hidden[i] = (int)cfg->network.hidden.v[i];
    nn_mlp_shape(&b->actor, b->obs_dim, hidden, nh, b->s.actor_out * b->A, b->hidden_act, b->s.actor_out_act);
    b->actor_t = b->actor;
    for (int k = 0; k < b->n_q; k++) {
        nn_mlp_shape(&b->q[k], b->SA, hidden, nh, 1, b->hidden_act, NN_ACT_NONE);
        b->qt[k] = b->qng[k] = b->q[k];
    }
    b->n_actor = b->actor.n_params;
    b->nq = b->q[0].n_params;
    b->n_critic = (size_t)b->n_q * b->nq;
    b->aparams = rl_xcalloc(b->n_actor, sizeof(float));
    b->agrads = rl_xcalloc(b->n_actor, sizeof(float));
    if (b->s.actor_target) b->atparams = rl_xcalloc(b->n_actor, sizeof(float));
    b->cparams = rl_xcalloc(b->n_critic, sizeof(float));
    b->cgrads = rl_xcalloc(b->n_critic, sizeof(float));
    b->ctparams = rl_xcalloc(b->n_critic, sizeof(float));
    nn_mlp_bind(&b->actor, b->aparams, b->agrads);
    if (b->s.actor_target) nn_mlp_bind(&b->actor_t, b->atparams, NULL);
    for (int k = 0; k < b->n_q; k++) {
        nn_mlp_bind(&b->q[k], b->cparams + k * b->nq, b->cgrads + k * b->nq);
        nn_mlp_bind(&b->qng[k], b->cparams + k * b->nq, NULL);
        nn_mlp_bind(&b->qt[k], b->ctparams + k * b->nq, NULL);
    }
}

/* the targets as copies of the networks */
static void copy_targets(offp_ac *b)
{
    if (b->s.actor_target) memcpy(b->atparams, b->aparams, b->n_actor * sizeof(float));
    memcpy(b->ctparams, b->cparams, b->n_critic * sizeof(float));
}

/* the networks initialised from the agent's RNG as PyTorch's nn.Linear is: the actor, then each
 * critic; the targets start as copies */
static void networks(offp_ac *b, const rl_config *cfg)
{
    shape_and_bind(b, cfg);
    rl_rng_seed(&b->rng, rl_seed_derive((uint64_t)cfg->root.seed, 1), 1);
    nn_mlp_init_torch_default(&b->actor, &b->rng);
    for (int k = 0; k < b->n_q; k++) nn_mlp_init_torch_default(&b->q[k], &b->rng);
    copy_targets(b);
}

/* the two optimizers, the replay buffer (of the actor's actions in [-1, 1]) and the batch */
static rl_status buffers(offp_ac *b, char *err, size_t err_sz)
{
    const offp_ac_settings *s = &b->s;
    replay_config rc;
    offp_replay_config(&rc, s->buffer_size, b->n_envs, b->obs_dim, b->A, (int)s->n_step, b->gamma);
    rl_status st;
    if ((st = nn_adam_init(&b->actor_opt, b->n_actor, (float)s->actor_lr, 0.9f, 0.999f, 1e-8f, err, err_sz)) ||
        (st = nn_adam_init(&b->critic_opt, b->n_critic, (float)s->critic_lr, 0.9f, 0.999f, 1e-8f, err, err_sz)) ||
        (st = replay_buffer_init(&b->buf, &rc, err, err_sz)) ||
        (st = replay_batch_init(&b->batch, b->B, b->obs_dim, b->A, err, err_sz)))
        return st;
    return RL_OK;
}

/* the arena: the actor's and the critics' caches and the shared per-step and per-batch arrays */
static rl_status scratch(offp_ac *b, char *err, size_t err_sz)
{
    int maxb = b->n_envs > AGENT_EVAL_BATCH ? b->n_envs : AGENT_EVAL_BATCH;
    int B = b->B, A = b->A, D = b->obs_dim, SA = b->SA, N = b->n_envs, mb = maxb > B ? maxb : B;
    size_t fa = nn_mlp_cache_floats(&b->actor, mb), fq = nn_mlp_cache_floats(&b->q[0], B);
    size_t need = rl_arena_need(fa * 4) + 2 * (size_t)b->n_q * rl_arena_need(fq * 4) +
                  2 * rl_arena_need((size_t)N * D * 4) + rl_arena_need((size_t)N * A * 4) +
                  rl_arena_need((size_t)maxb * A * 4) + 3 * rl_arena_need((size_t)B * SA * 4) +
                  5 * rl_arena_need((size_t)B * 4) + rl_arena_need(2 * 4);
    rl_status st = rl_arena_init(&b->arena, need, err, err_sz);
    if (st) return st;
    rl_arena *ar = &b->arena;
    nn_mlp_cache_bind(&b->c_actor, &b->actor, rl_arena_floats(ar, fa), mb);
    for (int k = 0; k < b->n_q; k++) {
        nn_mlp_cache_bind(&b->c_q[k], &b->q[k], rl_arena_floats(ar, fq), B);
        nn_mlp_cache_bind(&b->c_qt[k], &b->qt[k], rl_arena_floats(ar, fq), B);
    }
    b->step_obs = rl_arena_floats(ar, (size_t)N * D);
    b->next_fix = rl_arena_floats(ar, (size_t)N * D);
    b->step_act = rl_arena_floats(ar, (size_t)N * A);
    b->act_a = rl_arena_floats(ar, (size_t)maxb * A);
    b->sa = rl_arena_floats(ar, (size_t)B * SA);
    b->sa_next = rl_arena_floats(ar, (size_t)B * SA);
    b->sa_pi = rl_arena_floats(ar, (size_t)B * SA);
    b->y = rl_arena_floats(ar, B);
    for (int k = 0; k < 2; k++) b->qv[k] = rl_arena_floats(ar, B), b->dq[k] = rl_arena_floats(ar, B);
    b->qloss = rl_arena_floats(ar, 2);
    return RL_OK;
}

rl_status offp_ac_init(offp_ac *b, const offp_ac_settings *s, const rl_config *cfg, const env_space *obs_space,
                       const env_space *act_space, int n_envs, char *err, size_t err_sz)
{
    RL_ASSERT(s->n_q == 1 || s->n_q == 2);
    b->s = *s;
    const char *src = cfg->source[0] ? cfg->source : "config";
    rl_status st = loss_and_limits(b, cfg, obs_space, act_space, src, err, err_sz);
    if (st) return st;
    scalars(b, obs_space, act_space, n_envs);
    networks(b, cfg);
    if ((st = buffers(b, err, err_sz)) ||
        (st = her_init(&b->her, cfg, obs_space, &b->buf.cfg, s->algo->name, err, err_sz)))
        return st;
    return scratch(b, err, err_sz);
}

/* the worker of threads = 2 updates with denormals flushed, as the caller does */
static void worker_init(void) { FTZ_SET_THREAD(); }

rl_status offp_ac_start(offp_ac *b, char *err, size_t err_sz)
{
    if (b->s.threads == 2) {
        rl_status st = rl_twin_start(&b->worker, worker_init, err, err_sz);
        if (st) return st;
    }
    fprintf(stderr, "%s: replay buffer of %lld transitions (obs %d, action %d, n_step %d): %.1f MB\n",
            b->s.algo->name, (long long)b->buf.cfg.capacity, b->obs_dim, b->A, (int)b->s.n_step,
            replay_buffer_bytes(&b->buf) / 1048576.0);
    return RL_OK;
}

void offp_ac_free(offp_ac *b)
{
    rl_twin_stop(&b->worker);
    free(b->aparams);
    free(b->agrads);
    free(b->atparams);
    free(b->cparams);
    free(b->cgrads);
    free(b->ctparams);
    free(b->act_center);
    free(b->act_half);
    nn_adam_free(&b->actor_opt);
    nn_adam_free(&b->critic_opt);
    offp_aux_free(&b->ax);
    rl_arena_free(&b->arena);
    replay_buffer_free(&b->buf);
    replay_batch_free(&b->batch);
}

/* ---- acting --------------------------------------------------------------------------------- */

bool offp_ac_act_uniform(offp_ac *b, int n, bool explore)
{
    if (!explore || b->env_steps >= b->learning_starts) return false;
    for (int i = 0; i < n * b->A; i++) b->act_a[i] = (float)rl_rng_uniform(&b->rng, -1.0, 1.0);
    return true;
}

void offp_ac_act_finish(offp_ac *b, const float *obs, int n, float *actions, bool explore)
{
    offp_to_env(actions, b->act_a, n, b->A, b->act_center, b->act_half);
    if (!explore) return;
    RL_ASSERT(n == b->n_envs);
    memcpy(b->step_obs, obs, (size_t)n * b->obs_dim * sizeof(float));
    memcpy(b->step_act, b->act_a, (size_t)n * b->A * sizeof(float));
}

void offp_ac_observe(void *self, const env_vec *v)
{
    offp_ac *b = self;
    offp_store_step(&b->buf, b->step_obs, b->step_act, b->next_fix, b->n_envs, b->obs_dim, v);
    b->env_steps += b->n_envs;
}

/* ---- the update ----------------------------------------------------------------------------- */

/* counts step v toward the next train point; true at one (the count starts again). v may be
 * NULL (a caller timing updates alone): no episode ended. */
static bool train_point(offp_ac *b, const env_vec *v)
{
    if (b->s.train_per_episode) {
        for (int i = 0; v && i < b->n_envs; i++) b->train_since += v->terminated[i] || v->truncated[i];
    } else {
        b->train_since++;
    }
    if (b->train_since < b->s.train_frequency) return false;
    b->train_since = 0;
    b->train_points++;
    return true;
}

int64_t offp_ac_learn(offp_ac *b, const env_vec *v, int64_t step, void (*update)(void *self, double *acc), void *self,
                      double *acc)
{
    b->env_steps = step;
    b->credit += b->utd * b->n_envs;
    if (!train_point(b, v)) return 0;
    if (step < b->learning_starts || replay_buffer_valid(&b->buf) < 1) {
        b->credit = 0.0;
        return 0;
    }
    int64_t n = offp_updates_due(&b->credit);
    if (n == 0) return 0;
    offp_aux_stats_reset(&b->ax);
    FTZ_ENTER();
    for (int64_t i = 0; i < n; i++) update(self, acc);
    FTZ_LEAVE();
    return n;
}

float offp_ac_lr(const offp_ac *b, double lr0, int64_t step, int64_t total_steps)
{
    return b->s.anneal_lr ? nn_lr_linear((float)lr0, step, total_steps) : (float)lr0;
}

void offp_ac_anneal(offp_ac *b, int64_t step, int64_t total_steps)
{
    if (!b->s.anneal_lr) return;
    b->actor_opt.lr = offp_ac_lr(b, b->s.actor_lr, step, total_steps);
    b->critic_opt.lr = offp_ac_lr(b, b->s.critic_lr, step, total_steps);
    if (b->ax.aux) b->ax.opt.lr = b->actor_opt.lr;
}

void offp_ac_sample(offp_ac *b)
{
    replay_buffer_sample(&b->buf, &b->batch, b->B, 1.0f, &b->rng);
    her_relabel(&b->her, &b->buf, &b->batch, b->B, &b->rng);
    b->do_actor = b->updates % b->policy_freq == 0;
}

void offp_ac_half(size_t n, int k, size_t *lo, size_t *hi)
{
    *lo = k ? n / 2 : 0;
    *hi = k ? n : n / 2;
}

static void target_forward(offp_ac *b, int k)
{
    b->tq[k] = nn_mlp_forward(&b->c_qt[k], &b->qt[k], b->sa_next, b->B);   // (B, 1)
}

static void critic_forward(offp_ac *b, int k)
{
    const float *q = nn_mlp_forward(&b->c_q[k], &b->q[k], b->sa, b->B);
    memcpy(b->qv[k], q, (size_t)b->B * sizeof(float));
}

void offp_ac_job_q_forward(void *ac, int k)
{
    offp_ac *b = ac;
    if (b->n_q == 2) {
        target_forward(b, k);
        critic_forward(b, k);
    } else if (k == 0) {
        target_forward(b, 0);
    } else {
        critic_forward(b, 0);
    }
}

/* critic k's loss against b->y and its gradient (its part of b->cgrads, zeroed first) */
static void job_critic_backward(void *ac, int k)
{
    offp_ac *b = ac;
    b->qloss[k] = 0.0f;
    b->finite[k] = true;
    if (k >= b->n_q) return;
    const float *w = b->buf.cfg.prioritized ? b->batch.weights : NULL;
    b->qloss[k] = loss_value_eval(&b->critic_loss, b->qv[k], NULL, b->y, w, b->B, b->dq[k]);
    memset(b->cgrads + k * b->nq, 0, b->nq * sizeof(float));
    nn_mlp_backward(NULL, &b->c_q[k], &b->q[k], b->dq[k], b->sa, b->B);
    b->finite[k] = rl_all_finite(b->cgrads + k * b->nq, b->nq);
}

bool offp_ac_critic_grads(offp_ac *b, double *closs, double *qmean)
{
    rl_twin_run(&b->worker, job_critic_backward, b);
    float l = b->qloss[0] + b->qloss[1];
    /* data-parallel: the mean of every rank's gradient (agents/dataparallel.h) */
    if (!agent_dp_grads(b->cgrads, b->n_critic, isfinite(l) && b->finite[0] && b->finite[1])) return false;
    nn_adam_tick(&b->critic_opt);
    double qm = 0.0;
    for (int i = 0; i < b->B; i++) qm += b->qv[0][i];
    *closs += l;
    *qmean += qm / b->B;
    return true;
}

bool offp_ac_actor_grads(offp_ac *b, bool finite)
{
    aux_module *aux = b->ax.aux;
    bool aux_ok = !aux || (isfinite(b->ax.total) && rl_all_finite(aux_grads(aux), aux_n_params(aux)));
    bool ok = agent_dp_grads(b->agrads, b->n_actor, finite && aux_ok);
    if (aux) ok = agent_dp_grads(aux_grads(aux), aux_n_params(aux), ok);
    if (!ok) {
        b->nonfinite_skips++;
        return false;
    }
    nn_adam_tick(&b->actor_opt);
    return true;
}

/* ---- checkpoints ---------------------------------------------------------------------------- */

int offp_ac_net_tensors(offp_ac *b, nn_tensor *t, char names[][48])
{
    static const char *const qn[] = {"q1", "q2"};
    int n = nn_mlp_tensors(t, names, "actor", &b->actor);
    for (int k = 0; k < b->n_q; k++) n += nn_mlp_tensors(t + n, names + n, qn[k], &b->q[k]);
    return n;
}

int offp_ac_target_tensors(offp_ac *b, nn_tensor *t, char names[][48])
{
    static const char *const qtn[] = {"q1_target", "q2_target"};
    int n = 0;
    if (b->s.actor_target) n += nn_mlp_tensors(t + n, names + n, "actor_target", &b->actor_t);
    for (int k = 0; k < b->n_q; k++) n += nn_mlp_tensors(t + n, names + n, qtn[k], &b->qt[k]);
    n += offp_ac_optim_tensors(t + n, &b->actor_opt, &b->critic_opt);
    return n;
}

/* the tensors of a checkpoint: the agent's, or the networks (and the training state) and the heads' */
static int tensors(offp_ac *b, nn_tensor *t, char names[][48], bool train_state)
{
    if (b->s.tensors) return b->s.tensors(b, t, names, train_state);
    int n = offp_ac_net_tensors(b, t, names);
    if (train_state) n += offp_ac_target_tensors(b, t + n, names + n);
    n += offp_aux_tensors(&b->ax, t + n, train_state);
    return n;
}

/* the metadata of a checkpoint, in the order it is written ("td3.updates", "sac.alpha_adam_t", ...) */
static offp_ckpt ckpt(offp_ac *b, char keys[OFFP_CKPT_MAX_FIELDS][32])
{
    const char *a = b->s.algo->name;
    const char *field[OFFP_CKPT_MAX_FIELDS] = {"rng", "actor_adam_t", "critic_adam_t"};
    int64_t *val[OFFP_CKPT_MAX_FIELDS] = {NULL, &b->actor_opt.t, &b->critic_opt.t};
    int n = 3;
    if (b->s.counter) field[n] = b->s.counter, val[n++] = b->s.counter_value;
    field[n] = "updates", val[n++] = &b->updates;
    field[n] = "env_steps", val[n++] = &b->env_steps;
    int n_required = n;                /* older checkpoints have no train point state */
    field[n] = "train_since", val[n++] = &b->train_since;
    field[n] = "update_credit_bits", val[n++] = &b->credit_bits;
    offp_ckpt c = {.algo = a, .prefix = a, .rng = &b->rng, .n_fields = n, .ax = &b->ax,
                   .aux_step = &b->actor_opt.t};   /* the heads step with the actor */
    for (int i = 0; i < n; i++) {
        snprintf(keys[i], 32, "%s.%s", a, field[i]);
        c.fields[i].key = keys[i];
        c.fields[i].value = val[i];
        c.fields[i].optional = i >= n_required;
    }
    return c;
}

rl_status offp_ac_save(void *self, const char *path, const nn_meta *extra, int n_extra, char *err, size_t err_sz)
{
    offp_ac *b = self;
    nn_tensor t[OFFP_AC_MAX_TENSORS];
    char names[OFFP_AC_MAX_TENSORS][48], keys[OFFP_CKPT_MAX_FIELDS][32];
    int n = tensors(b, t, names, true);
    RL_ASSERT(n <= OFFP_AC_MAX_TENSORS);
    offp_ckpt c = ckpt(b, keys);
    memcpy(&b->credit_bits, &b->credit, sizeof b->credit);
    return offp_ckpt_save(&c, path, t, n, extra, n_extra, err, err_sz);
}

rl_status offp_ac_load(void *self, nn_safetensors *f, bool train_state, char *err, size_t err_sz)
{
    offp_ac *b = self;
    nn_tensor t[OFFP_AC_MAX_TENSORS];
    char names[OFFP_AC_MAX_TENSORS][48], keys[OFFP_CKPT_MAX_FIELDS][32];
    int n = tensors(b, t, names, train_state);
    RL_ASSERT(n <= OFFP_AC_MAX_TENSORS);
    offp_ckpt c = ckpt(b, keys);
    memcpy(&b->credit_bits, &b->credit, sizeof b->credit);
    rl_status st = offp_ckpt_load(&c, f, t, n, train_state, err, err_sz);
    if (st != RL_OK) return st;
    memcpy(&b->credit, &b->credit_bits, sizeof b->credit);
    if (!train_state) copy_targets(b);
    if (b->s.loaded) b->s.loaded(b);
    return RL_OK;
}

/* ---- data-parallel, PEBBLE, statistics ------------------------------------------------------- */

int offp_ac_dp_nets(offp_ac *b, nn_tensor *t)
{
    int n = 0;
    t[n++] = (nn_tensor){"actor", b->aparams, 1, {(int64_t)b->n_actor}};
    t[n++] = (nn_tensor){"critic", b->cparams, 1, {(int64_t)b->n_critic}};
    if (b->s.actor_target) t[n++] = (nn_tensor){"actor_target", b->atparams, 1, {(int64_t)b->n_actor}};
    t[n++] = (nn_tensor){"critic_target", b->ctparams, 1, {(int64_t)b->n_critic}};
    return n;
}

int offp_ac_dp_state(offp_ac *b, nn_tensor *t, nn_adam *extra_opt)
{
    nn_adam *opts[] = {&b->actor_opt, &b->critic_opt, extra_opt};
    int n = offp_dp_adam(t, opts, extra_opt ? 3 : 2);
    if (b->ax.aux) {
        t[n++] = (nn_tensor){"aux.params", aux_params(b->ax.aux), 1, {(int64_t)aux_n_params(b->ax.aux)}};
        t[n++] = (nn_tensor){"aux.adam.m", b->ax.opt.m, 1, {(int64_t)b->ax.opt.n}};
        t[n++] = (nn_tensor){"aux.adam.v", b->ax.opt.v, 1, {(int64_t)b->ax.opt.n}};
    }
    return n;
}

replay_buffer *offp_ac_replay(void *self) { return &((offp_ac *)self)->buf; }

/* act_a is free scratch outside act() */
void offp_ac_relabel(void *self, agent_reward_fn fn, void *ctx)
{
    offp_ac *b = self;
    offp_relabel(&b->buf, b->obs_dim, b->A, b->act_center, b->act_half, b->act_a, fn, ctx);
}

int offp_ac_extra_stats(void *self, const char **names, int max)
{
    offp_ac *b = self;
    return offp_aux_stat_names(&b->ax, names, max);
}
