/* rlc algos: the auxiliary heads (`aux:`, addons/aux.h) of the on-policy actor-critic engine
 * (algos/actor_critic.c), attached through the hooks below: the heads on the shared trunk, their
 * optimizer (the network's kind and settings, stepping with it), what they read of the rollout
 * (s_{t+1} as the trunk sees it, the reward, the episode ends, and temporal_contrastive's s_{t+k})
 * and of each minibatch, their loss and gradient, the checkpoint's tensors and RNG, statistics.
 * Without heads (aux == NULL) every hook does nothing, so the engine calls them unconditionally.
 * Internal to algos/ and tests/. */
#ifndef RLC_ALGOS_ONP_AUX_H
#define RLC_ALGOS_ONP_AUX_H

#include "addons/aux.h"
#include "algos/onpolicy.h"

typedef struct {
    aux_module *aux;                  /* NULL without heads */
    onp_opt opt;
    int T, N, D, pos_k;               /* the rollout's shape; this update's positives' distance (0: none) */
    float *mem;                       /* owns everything below */
    float *next, *rew;                /* (T, N, D) normalised next observations, (T, N) rewards */
    unsigned char *end;               /* (T, N) 1 where the step ended an episode */
    int *pos;                         /* (T, N) row of next holding s_{t+k}, or -1 */
    float *mb_next, *mb_pos, *mb_r, *mb_dh;   /* (mb, D), (mb, D), (mb), (mb, H) */
    unsigned char *mb_pos_ok;         /* (mb) */
    double *loss, *sum;               /* (n heads): last minibatch's losses, sums since the update began */
    int *cnt;                         /* (n heads) */
} onp_aux;

/* The heads of cfg's aux: on the shared trunk of net (after the network: the heads draw from
 * their own RNG), their optimizer as s's, and the scratch of a T x N rollout and mb-row
 * minibatches. */
rl_status onp_aux_init(onp_aux *x, const rl_config *cfg, onp_net *net, const onp_ac_settings *s, int T, int N,
                       int mb, char *err, size_t err_sz);
void onp_aux_free(onp_aux *x);
int onp_aux_stat_names(const onp_aux *x, const char **names, int max);

/* A step of the rollout at row t: next_raw (N, D) the real next observations (normalised by
 * norm without updating it), rewards (N) as stored, v's ends. */
void onp_aux_observe(onp_aux *x, onp_norm *norm, const float *next_raw, const float *rewards, const env_vec *v,
                     int t);
/* An update begins: the statistics reset and temporal_contrastive's positives found. */
void onp_aux_begin(onp_aux *x);
/* Row k of the minibatch from the rollout's flat row idx (t * N + env). */
void onp_aux_gather(onp_aux *x, int k, int idx);
/* The heads' loss on the minibatch (obs, the trunk's output h, actions u; mb rows): their
 * gradient into the heads and their encoder gradient into *dh (NULL when they add none). Returns
 * the weighted loss (0 without heads). */
float onp_aux_loss_grad(onp_aux *x, int mb, const float *obs, const float *h, const float *u, const float **dh);
/* The heads' gradient is finite (true without heads). */
bool onp_aux_finite(const onp_aux *x);
/* Data-parallel: the heads' gradient averaged over the ranks; ok as agent_dp_grads takes it. */
bool onp_aux_dp_grads(onp_aux *x, bool ok);
/* The heads' optimizer step (after the network's), their last losses into the statistics. */
void onp_aux_step(onp_aux *x);
void onp_aux_set_lr(onp_aux *x, float lr);
/* stats[first + h] = head h's mean loss over the update (NAN if none), h < max - first */
void onp_aux_stats(const onp_aux *x, double *stats, int first, int max);
/* Checkpoint tensors: "aux.params" and with train_state the optimizer's as "aux.<name>" (names
 * kept in names); 0 without heads. */
int onp_aux_tensors(onp_aux *x, nn_tensor *t, char names[][48], bool train_state);
/* agent_algo.dp_tensors: "aux.params" and the optimizer's; 0 without heads. */
int onp_aux_dp_tensors(onp_aux *x, nn_tensor *t);
/* Checkpoint metadata "<algo>.aux_rng" into *meta (key and text kept in key, buf: RL_RNG_TEXT
 * bytes); 0 without heads. */
int onp_aux_meta(const onp_aux *x, const char *algo, char *key, size_t key_sz, char *buf, nn_meta *meta);
/* Restores the heads' RNG from that metadata and their optimizer's step count to opt_t. */
rl_status onp_aux_load_meta(onp_aux *x, nn_safetensors *f, const char *algo, int64_t opt_t, char *err,
                            size_t err_sz);

#endif
