/* rlc algos: the intrinsic-reward module (`exploration:`, addons/exploration.h) of the on-policy
 * actor-critic engine (algos/actor_critic.c), attached through the hooks below: the module
 * itself, the raw observations and values it keeps of each step, its rewards (ICM and SimHash
 * add them to the step's reward; RND keeps its own stream with a second value head, a
 * non-episodic discount and weighted advantages), RND's value targets in each minibatch and its
 * second value loss, the statistic, the checkpoint's and data-parallel tensors.
 * Without a module (exploration.name: none) every hook does nothing, so the engine calls them
 * unconditionally. Internal to algos/ and tests/. */
#ifndef RLC_ALGOS_ONP_EXPLORE_H
#define RLC_ALGOS_ONP_EXPLORE_H

#include "addons/exploration.h"
#include "losses/loss.h"

typedef struct {
    onp_explore *mod;                 /* NULL without a module */
    bool rnd;                         /* RND: its own value head and advantages */
    int N, T, D;
    float int_coef, ext_coef, int_gamma, lambda;
    double last_rint;                 /* the statistic intrinsic_reward (NAN before an update) */
    float *mem;                       /* owns everything below */
    float *step_raw, *step_rint, *step_vint;              /* (N, D), (N), (N) */
    float *r_int, *v_int, *adv_int, *ret_int;             /* (T, N) */
    unsigned char *no_end;                                /* (T, N) zeros: intrinsic never ends */
    float *mb_vint_old, *mb_ret_int, *mb_vx, *mb_vi, *mb_dvx, *mb_dvi;   /* (mb) */
} onp_ex;

/* What the module adds to the engine's size checks before anything is allocated (0 without one):
 * floats per rollout step, and activation-cache floats per sample of its networks, for an
 * observation of D floats and actions of A. */
int64_t onp_ex_step_floats(const rl_config *cfg, int64_t D, int64_t A);
int64_t onp_ex_cache_floats(const rl_config *cfg, int64_t D, int64_t A);

/* The module of cfg's exploration section for a policy of this shape, on a T x N rollout with
 * mb-row minibatches; lambda: the engine's GAE lambda (RND's intrinsic advantages take it). */
rl_status onp_ex_init(onp_ex *x, const rl_config *cfg, const onp_explore_shape *shape, int N, int T, int mb,
                      float lambda, char *err, size_t err_sz);
void onp_ex_free(onp_ex *x);
static inline bool onp_ex_on(const onp_ex *x) { return x->mod != NULL; }

/* An exploring act() of n rows: the raw observations obs (n, D) and, with RND, the intrinsic
 * value head of the critic's output values (n, nv). */
void onp_ex_act(onp_ex *x, const float *obs, const float *values, int nv, int n);
/* Step t of the rollout: the module sees (s, u, s') with next_raw the real next observations and
 * gives its rewards: added to rewards (N) times int_coef (ICM, SimHash) or kept (RND). */
void onp_ex_observe(onp_ex *x, int t, const float *u, const float *next_raw, float *rewards);
/* The rollout is finished (adv: its extrinsic advantages (T, N); values: the critic's output
 * (N, nv) for the observations after it; scratch: (N) floats): RND's intrinsic advantages mixed
 * into adv, then the module trains on the rollout. */
void onp_ex_advantages(onp_ex *x, float *adv, const float *values, int nv, float *scratch);
/* Row k of the minibatch from the rollout's flat row idx (RND's value targets). */
void onp_ex_gather(onp_ex *x, int k, int idx);
/* The value loss of a minibatch of mb rows (values (mb, nv)): the value loss of the extrinsic
 * head, plus the intrinsic head's with RND (CleanRL's RND PPO); the gradient (mb, nv) in dv. */
float onp_ex_value_loss(onp_ex *x, const loss_spec *value_loss, const float *values, const float *v_old,
                        const float *ret, int mb, float *dv);
/* The statistic intrinsic_reward of the last update (NAN without a module). */
double onp_ex_stat(const onp_ex *x);
/* Checkpoint tensors (names kept in names), data-parallel tensors; 0 without a module. */
int onp_ex_tensors(onp_ex *x, nn_tensor *t, char names[][48], bool train_state);
int onp_ex_dp_tensors(onp_ex *x, nn_tensor *t);
/* Before the tensors are saved, and after they are loaded. */
void onp_ex_stage(onp_ex *x);
rl_status onp_ex_unstage(onp_ex *x, char *err, size_t err_sz);

#endif
