/* rlc envs: the wrappers used by benchmark configurations (spec D.5), as reusable pieces that
 * work on the arrays of a vector env (or of a single env: a batch of 1):
 *
 *   env_rms            running mean / variance (Gymnasium and SB3 RunningMeanStd)
 *   env_norm_obs       NormalizeObservation (optionally clipped, as CleanRL / SB3 VecNormalize)
 *   env_norm_reward    NormalizeReward (Gymnasium's or SB3 VecNormalize's return accumulator)
 *   env_clip_action    ClipAction
 *   env_episode_stats  RecordEpisodeStatistics: the last K episodes' return, length and time
 *   env_one_hot        a Discrete observation as a one-hot Box (the vector env applies it when
 *                      made with env_vec_opts.one_hot)
 *   env_velocity_mask  RL Zoo's MaskVelocityWrapper: the velocity components of an observation
 *                      set to 0, a partially observed task (the vector env applies it when made
 *                      with env_vec_opts.mask_velocity)
 *
 * The trainer applies them in this order after each env_vec_step: episode statistics on the
 * raw rewards (the vector env reports raw ep_return), then reward normalisation, then
 * observation normalisation of v->obs (and env_norm_obs_transform on final_obs, without
 * updating, for bootstrapping). After env_vec_reset: env_norm_obs_apply on v->obs (Gymnasium
 * updates on reset observations too), env_norm_reward_reset and env_episode_stats_start. Statistics are kept in double (as SB3 and Gymnasium 0.29 do).
 * They can be frozen for evaluation (`update = false`) and exported / imported as float arrays
 * for checkpoints. */
#ifndef RLC_ENVS_WRAPPERS_H
#define RLC_ENVS_WRAPPERS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"
#include "envs/env.h"

/* ---- running mean / std ------------------------------------------------------------------ */

/* init: mean = 0, var = 1, count = 1e-4. Update with a batch x (B, dim):
 *   bm = mean(x), bv = population var(x), delta = bm - mean, tot = count + B,
 *   mean' = mean + delta B / tot, var' = (var count + bv B + delta^2 count B / tot) / tot,
 *   count' = tot. */
typedef struct {
    int dim;
    double *mean;   /* (dim) */
    double *var;    /* (dim) */
    double count;
} env_rms;

rl_status env_rms_init(env_rms *r, int dim, char *err, size_t err_sz);
/* x (batch, dim), batch >= 1 */
void env_rms_update(env_rms *r, const float *x, int batch);
/* Number of floats of the export: mean (dim), var (dim), count (1). */
static inline int env_rms_export_size(const env_rms *r) { return 2 * r->dim + 1; }
/* out (2 dim + 1). The count is rounded to float (relative error 6e-8: harmless). */
void env_rms_export(const env_rms *r, float *out);
/* in (2 dim + 1) as written by env_rms_export; RL_ERR_FORMAT if a variance is negative or not
 * finite, or the count is not positive (r is then unchanged). */
rl_status env_rms_import(env_rms *r, const float *in, char *err, size_t err_sz);
void env_rms_free(env_rms *r);   /* NULL-safe */

/* ---- NormalizeObservation ---------------------------------------------------------------- */

typedef struct {
    env_rms rms;
    double eps;     /* 1e-8 */
    float clip;     /* > 0: clip the normalised value to [-clip, clip] (CleanRL/SB3: 10); 0: none */
    bool update;    /* false freezes the statistics (evaluation) */
} env_norm_obs;

rl_status env_norm_obs_init(env_norm_obs *w, int dim, float clip, char *err, size_t err_sz);
/* Updates the statistics with obs (batch, dim) unless frozen, then normalises obs in place:
 * float((obs - mean) / sqrt(var + eps)), clipped if clip > 0. */
void env_norm_obs_apply(env_norm_obs *w, float *obs, int batch);
/* Normalises in (batch, dim) into out without touching the statistics; out may equal in. */
void env_norm_obs_transform(const env_norm_obs *w, const float *in, float *out, int batch);
void env_norm_obs_free(env_norm_obs *w);   /* NULL-safe */

/* ---- NormalizeReward --------------------------------------------------------------------- */

typedef enum {
    /* Gymnasium: G <- G gamma (1 - terminated) + r, G kept across truncation and autoreset */
    ENV_NORM_REWARD_GYMNASIUM = 0,
    /* SB3 VecNormalize: G <- G gamma + r, then G <- 0 where terminated or truncated */
    ENV_NORM_REWARD_SB3,
} env_norm_reward_mode;

typedef struct {
    int n;                      /* sub-envs */
    double *G;                  /* (n) discounted return accumulators */
    env_rms rms;                /* statistics of G (dim 1) */
    double gamma;
    double eps;                 /* 1e-8 */
    float clip;                 /* > 0: clip the scaled reward (SB3: 10); 0: none */
    env_norm_reward_mode mode;
    bool update;                /* false freezes the statistics (G still accumulates) */
} env_norm_reward;

rl_status env_norm_reward_init(env_norm_reward *w, int n, double gamma, float clip,
                               env_norm_reward_mode mode, char *err, size_t err_sz);
/* rewards (n) are scaled in place by 1 / sqrt(var_G + eps) (the mean is not subtracted);
 * terminated / truncated (n) are the flags of the same step. */
void env_norm_reward_apply(env_norm_reward *w, float *rewards, const bool *terminated,
                           const bool *truncated);
/* Zeroes the accumulators (Gymnasium's vector reset()). */
void env_norm_reward_reset(env_norm_reward *w);
void env_norm_reward_free(env_norm_reward *w);   /* NULL-safe */

/* ---- ClipAction -------------------------------------------------------------------------- */

/* out = clip(in, low, high) per dimension for a Box space ((batch, dim) arrays); a Discrete
 * action is copied unchanged. out may equal in. */
void env_clip_action(const env_space *s, const float *in, float *out, int batch);

/* ---- RecordEpisodeStatistics ------------------------------------------------------------- */

typedef struct {
    int cap;               /* episodes kept (Gymnasium's buffer_length, 100) */
    int n_envs;
    long total;            /* episodes recorded since init */
    double *returns;       /* (cap) ring buffer */
    int *lengths;          /* (cap) */
    double *times;         /* (cap) wall seconds from the episode's start to its end */
    double *start;         /* (n_envs) monotonic start time of each sub-env's episode */
} env_episode_stats;

rl_status env_episode_stats_init(env_episode_stats *s, int cap, int n_envs, char *err,
                                 size_t err_sz);
/* Marks every sub-env's episode as starting now (call after env_vec_reset). */
void env_episode_stats_start(env_episode_stats *s);
/* Records one finished episode. */
void env_episode_stats_add(env_episode_stats *s, double ret, int length, double seconds);
/* Records the episodes of v that finished in the last env_vec_step (v->n == n_envs); returns
 * how many. */
int env_episode_stats_record_vec(env_episode_stats *s, const env_vec *v);
/* Number of episodes in the buffer (min(total, cap)) and their mean return / length (0 if
 * none). */
int env_episode_stats_count(const env_episode_stats *s);
double env_episode_stats_mean_return(const env_episode_stats *s);
double env_episode_stats_mean_length(const env_episode_stats *s);
void env_episode_stats_free(env_episode_stats *s);   /* NULL-safe */

/* ---- OneHot ------------------------------------------------------------------------------ */

/* A Discrete(n) observation (one float holding the index) as n floats: 1 at the index, 0
 * elsewhere, what the DQN/PPO recipes feed their networks for FrozenLake and Taxi. in (batch),
 * out (batch, n). An index that is not an integer in [0, n) gives a row of NaN, which the vector
 * env then drops as a non-finite observation. */
void env_one_hot(int n, const float *in, float *out, int batch);
/* The space of env_one_hot's rows: Box(n) with bounds [0, 1] in low and high (n floats each,
 * owned by the caller and kept alive as long as out). */
void env_one_hot_space(int n, float *low, float *high, env_space *out);

/* ---- MaskVelocity ------------------------------------------------------------------------ */

/* The velocity components of environment id's observation as a mask of obs_dim bytes (1: a
 * velocity, zeroed). The classic tasks use the indices of RL Zoo's MaskVelocityWrapper
 * (CartPole-v1: 1, 3; MountainCar-v0 and MountainCarContinuous-v0: 1; Pendulum-v1: 2) and
 * Acrobot-v1's two angular velocities (4, 5); the MuJoCo tasks mask their qvel block (and
 * Humanoid's body velocities cvel). obs_dim may also be k times the task's (1 <= k <= 64): the
 * k frames of env.frame_stack, each masked. RL_ERR_NOT_FOUND naming the id and the known ones
 * when no mask is known or obs_dim is neither. */
rl_status env_velocity_mask(const char *id, int obs_dim, unsigned char *mask, char *err, size_t err_sz);
/* obs (batch, dim): the components where mask is 1 set to 0. */
void env_velocity_mask_apply(const unsigned char *mask, float *obs, int dim, int batch);

#endif
