/* rlc addons: the reward model's creation from the `reward_model:` section (sizes checked
 * against core/limits.h before anything is allocated) and its release. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "addons/reward_model_impl.h"
#include "core/limits.h"

const rl_config_section reward_model_section = RL_CFG_SECTION_INIT("reward_model", reward_model_cfg, REWARD_MODEL_FIELDS);
/* the add-on's row of the registry (agents/registry.c): any agent; its checks are reward_model_open's */
const agent_addon addon_reward_model = {.name = "reward_model", .config = {&reward_model_section, NULL}};

const reward_model_cfg *reward_model_cfg_of(const rl_config *cfg) { return rl_config_section_of(cfg, &reward_model_section); }

/* the preference losses whose inputs can be segment returns; orpo reads log-probabilities */
static rl_status make_loss(reward_model *rm, const rl_config *cfg, char *err, size_t err_sz)
{
    const rl_loss_cfg *l = &reward_model_cfg_of(cfg)->loss;
    const char *where = l->where[0] ? l->where : "reward_model.loss";
    rl_status st = agent_loss_spec(&rm->loss, LOSS_KINDS(LOSS_KIND_PREFERENCE), l, where, err, err_sz);
    if (st != RL_OK) return st;
    if (strcmp(l->name, "orpo") == 0)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: loss 'orpo' scores log-probabilities of responses (values < 0, with a likelihood "
                       "term on the chosen one); a segment's learned return is not one: use bradley_terry, "
                       "dpo, ipo or simpo (their reference terms are 0, simpo's lengths the segments' lengths)",
                       where);
    return RL_OK;
}

/* every size a config asks the reward model to hold, against the limits */
static rl_status check_sizes(const rl_config *cfg, int in_dim, int N, int64_t P, char *err, size_t err_sz)
{
    const char *src = cfg->source[0] ? cfg->source : "config";
    const int64_t L = reward_model_cfg_of(cfg)->segment_length, B = reward_model_cfg_of(cfg)->batch_size;
    const int64_t M = reward_model_cfg_of(cfg)->ensemble, lab = reward_model_cfg_of(cfg)->max_labels;
    int64_t seg = rl_mul_sat(2 * L, in_dim + 1);
    int64_t cand = rl_mul_sat(reward_model_cfg_of(cfg)->queries_per_round, reward_model_cfg_of(cfg)->candidates);
    int64_t rows = rl_mul_sat(2 * L, B > 32 ? B : 32);
    rl_status st = rl_limit_check(src, "reward_model.hidden", "parameters of the ensemble", rl_mul_sat(M, P),
                                  RL_LIMIT_NET_PARAMS, err, err_sz);
    if (st == RL_OK)
        st = rl_limit_check(src, "reward_model.max_labels", "floats of the preference dataset",
                            rl_mul_sat(lab, seg), RL_LIMIT_BUFFER_FLOATS, err, err_sz);
    if (st == RL_OK)
        st = rl_limit_check(src, "reward_model.queries_per_round x candidates", "floats of a round's candidates",
                            rl_mul_sat(cand, seg), RL_LIMIT_BUFFER_FLOATS, err, err_sz);
    if (st == RL_OK)
        st = rl_limit_check(src, "reward_model.buffer_size", "floats of the recent transitions",
                            rl_mul_sat(rl_add_sat(reward_model_cfg_of(cfg)->buffer_size, N), in_dim + 1),
                            RL_LIMIT_BUFFER_FLOATS, err, err_sz);
    if (st == RL_OK)
        st = rl_limit_check(src, "reward_model.batch_size x segment_length", "floats of a minibatch's caches",
                            rl_mul_sat(rows, rl_mlp_cache_per_sample(&reward_model_cfg_of(cfg)->hidden, in_dim, 1)),
                            RL_LIMIT_BUFFER_FLOATS, err, err_sz);
    return st;
}

static void copy_settings(reward_model *rm, const rl_config *cfg)
{
    rm->M = (int)reward_model_cfg_of(cfg)->ensemble;
    rm->L = (int)reward_model_cfg_of(cfg)->segment_length;
    rm->disagreement = strcmp(reward_model_cfg_of(cfg)->selection, "disagreement") == 0;
    rm->norm_mode = strcmp(reward_model_cfg_of(cfg)->normalize, "std") == 0 ? RM_NORM_STD
                  : strcmp(reward_model_cfg_of(cfg)->normalize, "none") == 0 ? RM_NORM_NONE : RM_NORM_MEAN_STD;
    rm->per_round = reward_model_cfg_of(cfg)->queries_per_round;
    rm->cand_factor = rm->disagreement ? reward_model_cfg_of(cfg)->candidates : 1;
    rm->epochs = reward_model_cfg_of(cfg)->epochs;
    rm->batch = reward_model_cfg_of(cfg)->batch_size;
    rm->query_start = reward_model_cfg_of(cfg)->query_start;
    rm->query_interval = reward_model_cfg_of(cfg)->query_interval;
    rm->max_labels = reward_model_cfg_of(cfg)->max_labels;
    rm->t_eps = reward_model_cfg_of(cfg)->teacher_eps;
    rm->t_gamma = reward_model_cfg_of(cfg)->teacher_gamma;
    rm->t_skip = reward_model_cfg_of(cfg)->teacher_skip;
    rm->t_equal = reward_model_cfg_of(cfg)->teacher_equal;
    rm->next_query = reward_model_cfg_of(cfg)->query_start;
    rm->last_loss = rm->last_acc = NAN;
    rl_rng_seed(&rm->rng, rl_seed_derive((uint64_t)cfg->root.seed, 7001), 0);
    rl_rng_seed(&rm->teacher_rng, rl_seed_derive((uint64_t)cfg->root.seed, 7002), 0);
}

/* the ensemble: shapes, one flat parameter buffer, orthogonal init, one Adam, one cache */
static rl_status make_nets(reward_model *rm, const rl_config *cfg, char *err, size_t err_sz)
{
    const rl_int_list *h = &reward_model_cfg_of(cfg)->hidden;
    int hid[RL_LIST_MAX];
    for (int i = 0; i < h->n; i++) hid[i] = (int)h->v[i];
    nn_mlp_shape(&rm->net[0], rm->in_dim, hid, h->n, 1, NN_ACT_RELU, NN_ACT_NONE);
    rm->P = rm->net[0].n_params;
    rm->params = rl_xcalloc((size_t)rm->M * rm->P, sizeof(float));
    rm->grads = rl_xcalloc((size_t)rm->M * rm->P, sizeof(float));
    float gains[NN_MAX_LAYERS];
    for (int l = 0; l < NN_MAX_LAYERS; l++) gains[l] = 1.4142135f;
    gains[h->n] = 1.0f;
    for (int k = 0; k < rm->M; k++) {
        rm->net[k] = rm->net[0];
        nn_mlp_bind(&rm->net[k], rm->params + (size_t)k * rm->P, rm->grads + (size_t)k * rm->P);
        nn_mlp_init_orthogonal(&rm->net[k], gains, &rm->rng);
    }
    size_t cf = nn_mlp_cache_floats(&rm->net[0], rm->max_rows);
    rm->cache_mem = rl_xcalloc(cf, sizeof(float));
    nn_mlp_cache_bind(&rm->cache, &rm->net[0], rm->cache_mem, rm->max_rows);
    return nn_adam_init(&rm->opt, (size_t)rm->M * rm->P, (float)reward_model_cfg_of(cfg)->learning_rate, 0.9f, 0.999f,
                        1e-8f, err, err_sz);
}

static void make_buffers(reward_model *rm, int64_t buffer_size)
{
    const size_t I = (size_t)rm->in_dim, L = (size_t)rm->L, N = (size_t)rm->N;
    rm->rows = buffer_size / rm->N > rm->L ? buffer_size / rm->N : rm->L + 1;
    rm->ring_x = rl_xcalloc((size_t)rm->rows * N * I, sizeof(float));
    rm->ring_r = rl_xcalloc((size_t)rm->rows * N, sizeof(float));
    rm->ring_end = rl_xcalloc((size_t)rm->rows * N, 1);
    size_t lab = (size_t)rm->max_labels;
    rm->ds_x = rl_xcalloc(lab * 2 * L * I, sizeof(float));
    rm->ds_len = rl_xcalloc(lab * 2, sizeof(float));
    rm->ds_ret = rl_xcalloc(lab * 2, sizeof(float));
    rm->ds_y = rl_xcalloc(lab, sizeof(float));
    rm->cap_cand = rm->per_round * rm->cand_factor;
    size_t C = (size_t)rm->cap_cand, B = (size_t)rm->batch;
    rm->cand_x = rl_xcalloc(C * 2 * L * I, sizeof(float));
    rm->cand_r = rl_xcalloc(C * 2 * L, sizeof(float));
    rm->cand_len = rl_xcalloc(C * 2, sizeof(float));
    rm->cand_ret = rl_xcalloc(C * 2, sizeof(double));
    rm->cand_score = rl_xcalloc(C, sizeof(double));
    rm->cand_order = rl_xcalloc(C, sizeof(int64_t));
    rm->perm = rl_xcalloc((size_t)rm->M * lab, sizeof(int64_t));
    rm->bx = rl_xcalloc(B * 2 * L * I, sizeof(float));
    rm->blen = rl_xcalloc(B * 2, sizeof(float));
    float **pair_arrays[] = {&rm->pc, &rm->pr, &rm->zero, &rm->lc, &rm->lr, &rm->w, &rm->dpc, &rm->dpr};
    for (size_t i = 0; i < RL_ARRAY_LEN(pair_arrays); i++) *pair_arrays[i] = rl_xcalloc(2 * B, sizeof(float));
    rm->dout = rl_xcalloc(B * 2 * L, sizeof(float));
    rm->seg_r = rl_xcalloc(2 * (C > B ? C : B), sizeof(double));
    rm->prev_obs = rl_xcalloc(N * (size_t)rm->D, sizeof(float));
    rm->x_step = rl_xcalloc((size_t)rm->max_rows * I, sizeof(float));
    rm->pred = rl_xcalloc((size_t)rm->max_rows, sizeof(float));
    rm->ep_learned = rl_xcalloc(N, sizeof(double));
}

rl_status reward_model_open(reward_model **out, const rl_config *cfg, const env_def *def, int n_envs,
                            int n_ranks, char *err, size_t err_sz)
{
    *out = NULL;
    if (!reward_model_cfg_of(cfg)->enabled) return RL_OK;
    const char *src = cfg->source[0] ? cfg->source : "config";
    if (n_ranks > 1)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: reward_model.enabled: learning a reward from preferences runs on one process "
                       "(not under data-parallel mpirun; grids with `mpirun rlc ablate` are fine)", src);
    const env_space *as = &def->act_space;
    if (env_space_is_multi(as))
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: reward_model.enabled: the reward model reads Discrete or Box "
                       "actions, and env %s has a %s action space", src, def->id, env_space_kind_name(as->kind));
    int feat = as->kind == ENV_SPACE_DISCRETE ? as->n : as->dim;
    int in_dim = def->obs_space.dim + feat;
    nn_mlp shape;
    int hid[RL_LIST_MAX];
    for (int i = 0; i < reward_model_cfg_of(cfg)->hidden.n; i++) hid[i] = (int)reward_model_cfg_of(cfg)->hidden.v[i];
    rl_status st = rl_limit_check(src, "reward_model.hidden", "layers", reward_model_cfg_of(cfg)->hidden.n,
                                  NN_MAX_LAYERS - 1, err, err_sz);
    if (st != RL_OK) return st;
    nn_mlp_shape(&shape, in_dim, hid, reward_model_cfg_of(cfg)->hidden.n, 1, NN_ACT_RELU, NN_ACT_NONE);
    if ((st = check_sizes(cfg, in_dim, n_envs, (int64_t)shape.n_params, err, err_sz))) return st;
    reward_model *rm = rl_xcalloc(1, sizeof *rm);
    rm->D = def->obs_space.dim;
    rm->A = as->dim;
    rm->N = n_envs;
    rm->in_dim = in_dim;
    rm->discrete = as->kind == ENV_SPACE_DISCRETE;
    rm->n_act = as->n;
    rm->lo = rl_xcalloc((size_t)rm->A, sizeof(float));
    rm->hi = rl_xcalloc((size_t)rm->A, sizeof(float));
    if (!rm->discrete) {
        memcpy(rm->lo, as->low, (size_t)rm->A * sizeof(float));
        memcpy(rm->hi, as->high, (size_t)rm->A * sizeof(float));
    }
    copy_settings(rm, cfg);
    int64_t rows = 2 * (int64_t)rm->L * rm->batch;
    if (rows < AGENT_RELABEL_BATCH) rows = AGENT_RELABEL_BATCH;
    if (rows < 2 * rm->L * 32) rows = 2 * rm->L * 32;   /* a round's candidates in few passes */
    if (rows < rm->N) rows = rm->N;
    rm->max_rows = (int)rows;
    if ((st = make_loss(rm, cfg, err, err_sz)) || (st = make_nets(rm, cfg, err, err_sz))) {
        reward_model_free(rm);
        return st;
    }
    make_buffers(rm, reward_model_cfg_of(cfg)->buffer_size);
    *out = rm;
    return RL_OK;
}

void reward_model_free(reward_model *rm)
{
    if (!rm) return;
    void *bufs[] = {rm->lo, rm->hi, rm->params, rm->grads, rm->cache_mem, rm->ring_x, rm->ring_r, rm->ring_end,
                    rm->ds_x, rm->ds_len, rm->ds_ret, rm->ds_y, rm->cand_x, rm->cand_r, rm->cand_len,
                    rm->cand_ret, rm->cand_score, rm->cand_order, rm->perm, rm->bx, rm->blen, rm->pc, rm->pr,
                    rm->zero, rm->lc, rm->lr, rm->w, rm->dpc, rm->dpr, rm->dout, rm->seg_r, rm->prev_obs,
                    rm->x_step, rm->pred, rm->ep_learned};
    for (size_t i = 0; i < RL_ARRAY_LEN(bufs); i++) free(bufs[i]);
    nn_adam_free(&rm->opt);
    free(rm);
}
