/* rlc losses: every loss as a pure function over float arrays, and the registry by name.
 *
 * The contract, for every loss_<name> function:
 *   - it returns the loss averaged over the batch (the mean of the per-sample losses, or the
 *     weighted mean sum_i w_i l_i / n when per-sample weights w are given: weights are
 *     importance weights, not a renormalisation, so w = NULL and w = all-ones agree);
 *   - it WRITES (=) the gradient of that returned value with respect to each differentiable input
 *     into the matching d<input> array, already scaled by 1/n; a NULL gradient pointer means
 *     "value only" and skips that gradient;
 *   - it never allocates and never touches global state; parameters are plain arguments.
 * Parameters are validated once, when a loss is chosen by name (loss_spec_make), never inside
 * the kernels, which only assert their invariants.
 *
 * The registry maps YAML names ("mse", "huber", "clipped", "ppo_clip", ...) to a descriptor:
 * its kind (which call signature it has), its parameters with defaults and valid ranges, and a
 * one-line formula. Agents hold a loss_spec (descriptor + resolved parameter values) and call it
 * through the kind's dispatch function, so a YAML file can swap any loss for another of the same
 * kind. */
#ifndef RLC_LOSSES_LOSS_H
#define RLC_LOSSES_LOSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/status.h"

/* ---- kernels: value losses and regression ------------------------------------------------ */

/* mean_i w_i (pred_i - target_i)^2 ... note: 0.5 is NOT applied (torch.nn.functional.mse_loss).
 * dpred (n). */
float loss_mse(const float *pred, const float *target, const float *w, int n, float *dpred);
/* torch.nn.functional.huber_loss(delta): 0.5 d^2 if |d| <= delta else delta (|d| - 0.5 delta). */
float loss_huber(const float *pred, const float *target, const float *w, int n, float delta,
                 float *dpred);
/* PPO's clipped value loss (Schulman et al. 2017 code; CleanRL):
 *   0.5 * max((v - ret)^2, (v_old + clip(v - v_old, -c, c) - ret)^2). dv (n). */
float loss_value_clipped(const float *v, const float *v_old, const float *ret, const float *w,
                         int n, float clip, float *dv);

/* ---- kernels: policy terms --------------------------------------------------------------- */

/* PPO clipped surrogate, to be minimised:
 *   mean_i max(-A_i r_i, -A_i clip(r_i, 1-c, 1+c)),  r_i = exp(logp_i - logp_old_i).
 * dlogp (n). If clipfrac is non-NULL it receives the fraction of samples with |r - 1| > c, and
 * approx_kl (if non-NULL) the estimator mean((r - 1) - log r) (Schulman's k3). */
float loss_ppo_clip(const float *logp, const float *logp_old, const float *adv, const float *w,
                    int n, float clip, float *dlogp, float *clipfrac, float *approx_kl);
/* Entropy bonus as a loss to minimise: -mean_i w_i ent_i. dent (n) = -w_i / n. */
float loss_entropy_bonus(const float *ent, const float *w, int n, float *dent);

/* ---- the registry ------------------------------------------------------------------------ */

#define LOSS_MAX_PARAMS 6

/* Which call signature a loss has; agents accept a set of kinds for each slot. */
typedef enum {
    LOSS_KIND_REGRESSION = 0,  /* (pred, target, w, n, params, dpred) */
    LOSS_KIND_VALUE_CLIPPED,   /* (v, v_old, ret, w, n, params, dv) */
    LOSS_KIND_POLICY_RATIO,    /* (logp, logp_old, adv, w, n, params, dlogp) */
    LOSS_KIND_ENTROPY,         /* (ent, w, n, params, dent) */
    LOSS_KIND_BINARY,          /* (logits, targets, w, n, params, dlogits): one output per sample */
    LOSS_KIND_CATEGORICAL,     /* (logits (n, K), labels, w, n, K, params, dlogits) */
    LOSS_KIND_GAN_D,           /* (real, n_real, fake, n_fake, params, dreal, dfake) */
    LOSS_KIND_GAN_G,           /* (fake, n, params, dfake) */
    LOSS_KIND_PREFERENCE,      /* (pc, pr, ref_c, ref_r, len_c, len_r, w, n, params, dpc, dpr) */
    LOSS_KIND_KERNEL,          /* its own signature: call loss_<name> directly with spec.p[] */
    LOSS_KIND_COUNT
} loss_kind;

#define LOSS_KINDS(k) (1u << (k))
/* The kinds a value-function slot accepts: any regression loss or the clipped value loss. */
#define LOSS_KINDS_VALUE (LOSS_KINDS(LOSS_KIND_REGRESSION) | LOSS_KINDS(LOSS_KIND_VALUE_CLIPPED))

typedef struct {
    const char *name;          /* YAML key under the loss, e.g. "delta" */
    float def;                 /* default */
    float lo, hi;              /* valid range */
    int lo_open, hi_open;      /* 1 if the bound itself is excluded */
    const char *doc;
} loss_param_desc;

typedef struct loss_desc {
    const char *name;          /* registry name, e.g. "huber" */
    loss_kind kind;
    const char *formula;       /* one line */
    int n_params;
    loss_param_desc params[LOSS_MAX_PARAMS];
    /* exactly one of these is set, matching kind */
    float (*regression)(const float *pred, const float *target, const float *w, int n,
                        const float *params, float *dpred);
    float (*value_clipped)(const float *v, const float *v_old, const float *ret, const float *w,
                           int n, const float *params, float *dv);
    float (*policy_ratio)(const float *logp, const float *logp_old, const float *adv,
                          const float *w, int n, const float *params, float *dlogp);
    float (*entropy)(const float *ent, const float *w, int n, const float *params, float *dent);
    float (*binary)(const float *logits, const float *targets, const float *w, int n,
                    const float *params, float *dlogits);
    float (*categorical)(const float *logits, const int *labels, const float *w, int n, int K,
                         const float *params, float *dlogits);
    float (*gan_d)(const float *real, int n_real, const float *fake, int n_fake,
                   const float *params, float *dreal, float *dfake);
    float (*gan_g)(const float *fake, int n, const float *params, float *dfake);
    float (*preference)(const float *pc, const float *pr, const float *ref_c, const float *ref_r,
                        const float *len_c, const float *len_r, const float *w, int n,
                        const float *params, float *dpc, float *dpr);
    const char *kernel;        /* the C function(s) implementing it, e.g. "loss_triplet" */
    /* optional check of relations between parameters (e.g. v_min < v_max) after the range checks;
     * returns 0 when fine, else writes why (naming the parameters) into why and returns -1 */
    int (*check)(const float *params, char *why, size_t why_sz);
    /* Optional diagnostics a policy-ratio loss reports through its descriptor, so no agent
     * needs its name. clip: the range |ratio - 1| > clip the agent counts as its clip fraction
     * (NULL: the conventional 0.2). adapt: the loss keeps state in params[0] that changes after
     * each update from the update's mean KL (PPO's KL penalty, beta); the agent calls it, logs
     * params[0] as the statistic `state_name` and checkpoints it as <algo>.<state_name>. */
    float (*clip)(const float *params);
    void (*adapt)(float *params, double kl);
    const char *state_name;
} loss_desc;

/* A chosen loss with its resolved parameter values. */
typedef struct {
    const loss_desc *desc;
    float p[LOSS_MAX_PARAMS];
} loss_spec;

/* Every registered loss: the built-ins in their declared order (LOSS_DEF, losses/loss_row.h),
 * then those registered by plugins and programs in the order they were registered; *n receives
 * the count. The array stays valid until the next successful loss_register. */
const loss_desc *const *loss_registry(int *n);
/* The descriptor for name, or NULL. */
const loss_desc *loss_find(const char *name);
/* Whether d is one of rlc's own losses (not a plugin's). */
bool loss_is_builtin(const loss_desc *d);

/* Registers a loss from a plugin's rlc_plugin_init or from a program, after loss_desc_validate;
 * d must outlive the process (a plugin stays loaded). Its name must be new: a built-in's name or
 * one registered before is refused. Every config slot that accepts d's kind then takes it by
 * name (`rlc losses NAME` lists those slots); docs/losses.md, "Losses from a plugin". */
rl_status loss_register(const loss_desc *d, char *err, size_t err_sz);
/* The checks loss_register makes, naming the loss and what is wrong: a name of 1 to 63 letters,
 * digits and '_'; a formula; a kind a slot can take (not LOSS_KIND_KERNEL, whose losses agents
 * call by their C name); the function of that kind set and no other kind's; at most
 * LOSS_MAX_PARAMS parameters with distinct names, ranges lo <= hi that are not NaN, defaults
 * inside them and passing d->check; clip and adapt (with state_name) on a policy_ratio loss only. */
rl_status loss_desc_validate(const loss_desc *d, char *err, size_t err_sz);
/* " (did you mean 'huber'?)" for a misspelt loss name, into out ("" when no registered loss is near). */
void loss_did_you_mean(char *out, size_t out_sz, const char *name);
const char *loss_kind_name(loss_kind k);

/* Resolves a loss by name for a slot that accepts the kinds in kinds_mask, with parameter
 * overrides keys[i] = vals[i] (i < n_kv; the rest take defaults). Errors name `where` (e.g.
 * "configs/x.yaml:12: losses.value"), the loss and the parameter: unknown loss, a loss of a kind
 * the slot does not accept, an unknown parameter, a value outside its range. */
rl_status loss_spec_make(loss_spec *out, unsigned kinds_mask, const char *name,
                         const char *const *keys, const double *vals, int n_kv,
                         const char *where, char *err, size_t err_sz);

/* Dispatch for a value-function slot: regression losses see (v, ret), the clipped loss sees
 * (v, v_old, ret). */
float loss_value_eval(const loss_spec *s, const float *v, const float *v_old, const float *ret,
                      const float *w, int n, float *dv);
float loss_policy_eval(const loss_spec *s, const float *logp, const float *logp_old,
                       const float *adv, const float *w, int n, float *dlogp);
float loss_entropy_eval(const loss_spec *s, const float *ent, const float *w, int n, float *dent);

/* Dispatch for the other dispatchable kinds (the spec's kind must match; see loss_kind). For
 * preference losses, ref_c/ref_r are ignored by reference-free losses (bradley_terry, simpo, orpo)
 * and may be NULL there; len_c/len_r are needed by simpo and orpo only. */
float loss_binary_eval(const loss_spec *s, const float *logits, const float *targets,
                       const float *w, int n, float *dlogits);
float loss_categorical_eval(const loss_spec *s, const float *logits, const int *labels,
                            const float *w, int n, int K, float *dlogits);
float loss_gan_d_eval(const loss_spec *s, const float *real, int n_real, const float *fake,
                      int n_fake, float *dreal, float *dfake);
float loss_gan_g_eval(const loss_spec *s, const float *fake, int n, float *dfake);
float loss_preference_eval(const loss_spec *s, const float *pc, const float *pr,
                           const float *ref_c, const float *ref_r, const float *len_c,
                           const float *len_r, const float *w, int n, float *dpc, float *dpr);
/* The value of parameter `name` in a resolved spec (aborts if the loss has no such parameter). */
float loss_spec_param(const loss_spec *s, const char *name);

/* Writes the valid range of p in words ("> 0", "in (0, 1)", ">= 0") into buf. */
void loss_param_range_str(const loss_param_desc *p, char *buf, size_t sz);
/* Lists every registered loss with its kind, parameters (default and range) and formula; this is
 * what `rlc losses` prints. */
void loss_catalogue_print(FILE *out);

/* the rest of the catalogue: regression, classification, probabilistic, metric, adversarial,
 * generative, RL, distributional, exploration, preference, regularisation */
#include "losses/loss_catalogue.h"

#endif
