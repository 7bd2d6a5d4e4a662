/* rlc addons: auxiliary and representation heads on a shared observation encoder (`aux:`).
 *
 * The module works on encoder features: the agent runs its encoder (an nn_mlp whose parameters
 * and gradients live in the agent's buffers) on a minibatch of observations, hands the encoding
 * h (B, H) and the batch's other fields to aux_loss_grad, and gets back
 *   - the weighted sum of the heads' losses, each head's own (unweighted) loss;
 *   - dh (B, H) = d(sum_i weight_i L_i) / dh, which the agent adds to its RL gradient at the
 *     encoder output before the encoder's backward (one backward pass, one optimizer step);
 *   - the heads' parameter gradients in the module's flat buffer (aux_params / aux_grads), which
 *     the agent clips and steps together with its own;
 *   - the encoder-parameter gradients of the extra encoder passes the heads need (next
 *     observations, k-step positives, augmented views), ADDED into the encoder's gradients.
 * The heads (docs/aux-heads.md):
 *   reward_prediction     [h_t, a_t] -> r_t                      regression loss
 *   forward_dynamics      [h_t, a_t] -> sg(h_{t+1})              regression loss or byol
 *   inverse_dynamics      [h_t, h_{t+1}] -> a_t                  classification (Discrete) or
 *                                                                regression (Box) loss
 *   temporal_contrastive  W h_t vs h_{t+k}, batch negatives      info_nce or nt_xent
 *   representation        g(enc(s + e1)) vs g(enc(s + e2))       vicreg, barlow_twins or nt_xent
 * a_t is one-hot for Discrete actions and the stored (pre-squash) action for Box actions.
 * Augmentation noise comes from the module's own RNG (seeded from the run seed), so the agent's
 * RNG stream, its parameter layout and its initial weights are the same with or without heads;
 * a head with weight 0 is computed and logged but adds nothing to any gradient.
 * Sized at create for max_batch rows; nothing allocates afterwards. */
#ifndef RLC_ADDONS_AUX_H
#define RLC_ADDONS_AUX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "core/rng.h"
#include "nn/nn.h"

typedef enum {
    AUX_REWARD_PREDICTION = 0,
    AUX_FORWARD_DYNAMICS,
    AUX_INVERSE_DYNAMICS,
    AUX_TEMPORAL_CONTRASTIVE,
    AUX_REPRESENTATION,
    AUX_HEAD_COUNT
} aux_head_kind;

/* The top-level `aux:` list, one entry per head (the config layer parses it through the
 * rl_config_list this file's add-on registers, addons/aux.c):
 *   aux:
 *     - {head: reward_prediction, loss: huber, weight: 0.1, delta: 2}
 * Keys of an entry: head, loss (a name or {name: ..., param: value}), weight, hidden, and keys
 * of one head only (k, noise, dim); any other numeric key is a parameter of the loss. Head
 * names are checked when the config is read, losses and their fit to the head when the agent
 * is created. */
#define AUX_MAX 8
#define AUX_CFG_HEADS 2u   /* rl_config_algo.flags: the algorithm takes `aux:` heads */

typedef struct {
    char head[32];
    rl_loss_cfg loss;          /* loss.where names the entry: "file:line: aux[i] head 'name'" */
    double weight;             /* >= 0; default 1 */
    int64_t hidden;            /* hidden units of the head's MLP; 0 = linear; -1 = the head's default */
    int64_t k;                 /* temporal_contrastive: steps ahead of the positive; default 1 */
    double noise;              /* representation: std of the Gaussian view noise; default 0.1 */
    int64_t dim;               /* representation: projector output size; 0 = the encoder width */
} aux_head_cfg;

typedef struct {
    int n;
    char where[RL_STR_MAX];    /* "file:line" of the aux key (or the --set argument) */
    aux_head_cfg heads[AUX_MAX];
} aux_cfg;

/* The `aux:` list inside cfg. */
static inline const aux_cfg *aux_cfg_of(const rl_config *cfg) { return (const aux_cfg *)rl_config_list_of(cfg); }
static inline aux_cfg *aux_cfg_of_mut(rl_config *cfg) { return (aux_cfg *)rl_config_list_of_mut(cfg); }

/* "reward_prediction", ...; NULL outside the enum. */
const char *aux_head_name(aux_head_kind k);

/* What the module needs to know about the agent. */
typedef struct {
    int obs_dim;      /* encoder input size */
    int K;            /* Discrete: number of actions; Box: 0 */
    int adim;         /* floats per stored action: 1 (Discrete index) or the Box dims */
    int max_batch;    /* largest B passed to aux_loss_grad */
    int horizon;      /* steps per env the agent's batches come from (bounds k); 0 = no bound */
    const char *horizon_name;   /* what horizon is, for the error; NULL = "rollout length per env" */
    nn_act act;       /* hidden activation of the heads */
} aux_shape;

typedef struct aux_module aux_module;

/* Builds the heads of the `aux:` list (aux_cfg_of) on encoder (not owned; its grads must be non-NULL). *out = NULL
 * when the list is empty. Errors name the entry (file:line, aux[i], head) and the loss: an unknown
 * loss, a loss that does not fit the head (e.g. cross_entropy on a Box inverse-dynamics head, a
 * regression loss on the contrastive head), bad loss parameters, k beyond the horizon. */
rl_status aux_create(aux_module **out, const rl_config *cfg, nn_mlp *encoder, const aux_shape *shape,
                     char *err, size_t err_sz);
void aux_free(aux_module *a);   /* NULL-safe */

int aux_n_heads(const aux_module *a);
/* "aux_<head>": the metrics.csv column of head i. */
const char *aux_stat_name(const aux_module *a, int i);
/* Whether any head reads next observations; the k of the temporal_contrastive head (0: none). */
bool aux_needs_next(const aux_module *a);
int aux_pos_k(const aux_module *a);
/* The heads' flat parameters and gradients (aux_n_params floats each), and the module's RNG. */
size_t aux_n_params(const aux_module *a);
float *aux_params(aux_module *a);
float *aux_grads(aux_module *a);
rl_rng *aux_rng(aux_module *a);
/* The module's RNG in a checkpoint: metadata "<algo>.aux_rng" into *meta (its key and text kept
 * in key and buf, RL_RNG_TEXT bytes), returns 1 (0 when a is NULL); and restored from f (an error
 * names the key when it is missing or malformed; nothing when a is NULL). */
int aux_rng_meta(aux_module *a, const char *algo, char *key, size_t key_sz, char *buf, nn_meta *meta);
rl_status aux_rng_load(aux_module *a, nn_safetensors *f, const char *algo, char *err, size_t err_sz);

/* One minibatch, rows gathered by the agent; obs, next and pos are in the encoder's input space
 * (normalised as the encoder sees them). Fields a module's heads do not read may be NULL. */
typedef struct {
    int B;
    const float *obs;               /* (B, obs_dim) the encoder's input */
    const float *h;                 /* (B, H) encoder(obs), from the agent's forward */
    const float *u;                 /* (B, adim) stored actions (Discrete: the index) */
    const float *r;                 /* (B) rewards (reward_prediction) */
    const float *next;              /* (B, obs_dim) s_{t+1} of the same episode */
    const unsigned char *next_ok;   /* (B) rows where next is valid; NULL = all */
    const float *h_next_target;     /* (B, H) optional forward_dynamics target: the encoding of
                                     * next by a target (e.g. EMA) encoder; NULL = the encoder's
                                     * own encoding of next, held constant */
    const float *pos;               /* (B, obs_dim) s_{t+k} of the same episode */
    const unsigned char *pos_ok;    /* (B) rows where pos is valid */
} aux_batch;

/* Every head's loss on the batch; see the file comment for what it writes. head_loss (n heads)
 * receives each unweighted loss (NAN for a head with too few valid rows, which is then left out
 * of the sum). dh (B, H) is written. *touched is false when no head has a non-zero weight: dh is
 * then zero and no gradient was written anywhere but zeros in aux_grads. Returns the weighted
 * sum (non-finite when a loss is). */
float aux_loss_grad(aux_module *a, const aux_batch *b, float *dh, double *head_loss, bool *touched);

#endif
