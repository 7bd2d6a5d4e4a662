/* rlc replay: experience replay for off-policy agents.
 *
 * One ring buffer of fixed capacity holds transitions (obs, action, reward, next obs,
 * terminated, truncated) from a vector env of n_envs copies, one row of n_envs transitions per
 * vector step, so the transition that follows slot (row, env) is (row + 1, env). terminated and
 * truncated stay apart: an n-step return stops at either, bootstraps through a truncation (from
 * the stored next obs, which the agent sets to the env's final_obs) and never through a
 * termination. Sampling writes into a caller-owned replay_batch and never allocates.
 *
 * Two samplers share the storage:
 *   uniform      every valid slot equally likely;
 *   prioritized  (Schaul et al. 2016) P(i) = p_i^alpha / sum_k p_k^alpha over a sum tree,
 *                stratified (one draw per 1/B of the total mass), importance weights
 *                w_i = (V P(i))^-beta / max_batch w (V = valid slots), new transitions get the
 *                largest priority seen so far, replay_buffer_update_priorities sets
 *                p_i = |td_i| + eps.
 * A slot is valid (sampleable) once the n - 1 rows after it are stored, so every n-step return is
 * computed from complete data; with n = 1 every stored slot is valid. */
#ifndef RLC_REPLAY_REPLAY_H
#define RLC_REPLAY_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "core/status.h"

typedef struct {
    int64_t capacity;      /* transitions; rounded down to a multiple of n_envs (>= n_envs) */
    int n_envs, obs_dim, act_dim;
    int n_step;            /* >= 1 */
    float gamma;           /* discount used for the n-step returns */
    bool prioritized;
    float alpha;           /* priority exponent (prioritized only) */
    float eps;             /* added to |td| (prioritized only) */
    /* what a stored action may be, checked when a buffer is restored from a file
     * (offp_replay_load; replay_buffer_add trusts its caller): */
    int n_actions;         /* > 0: act_dim 1, a whole number in 0..n_actions-1 (a Discrete index) */
    float act_low, act_high;   /* n_actions 0: every value finite and in [act_low, act_high] */
    /* observations stored a byte each (obs8, next_obs8) instead of a float: for image spaces whose
     * values are whole numbers in 0..255 (uint8 pixels, bool channels; env_elem_type). A stored
     * value is the float rounded to the nearest whole number and clamped to 0..255; sampling
     * gives it back as a float, unscaled. */
    bool obs_bytes;
} replay_config;

/* A sampled minibatch; arrays sized for max_batch rows by replay_batch_init. */
typedef struct {
    int max_batch;
    float *obs;             /* (B, obs_dim) */
    float *actions;         /* (B, act_dim) */
    float *returns;         /* (B) sum_{k<m} gamma^k r_{t+k} */
    float *next_obs;        /* (B, obs_dim) observation after the m-th step */
    float *discount;        /* (B) gamma^m, or 0 when the m-th step terminated */
    unsigned char *terminated;   /* (B) 1 when the return ended at a termination */
    float *weights;         /* (B) importance weights (all 1 for uniform sampling) */
    int64_t *idx;           /* (B) slot of each sample, for priority updates */
    int64_t *next_idx;      /* (B) slot whose next_obs the sample holds (idx, or a later one with
                               n_step > 1): where a caller's own per-slot data on it lives */
} replay_batch;

typedef struct {
    replay_config cfg;
    int64_t rows;           /* capacity / n_envs */
    float *obs, *next_obs;  /* (capacity, obs_dim); NULL with obs_bytes */
    unsigned char *obs8, *next_obs8;   /* (capacity, obs_dim) with obs_bytes, else NULL */
    float *actions;         /* (capacity, act_dim) */
    float *rewards;         /* (capacity) */
    unsigned char *terminated, *truncated;   /* (capacity) */
    int64_t added_rows;     /* rows written since init (the ring position is added_rows % rows) */
    /* prioritized replay: sum tree with leaves at [n_leaves, 2 n_leaves) */
    int64_t n_leaves;
    double *tree;           /* (2 n_leaves) */
    double max_priority;    /* largest |td| + eps seen, before the exponent */
} replay_buffer;

void replay_config_default(replay_config *c);
/* Allocates the buffer (and the sum tree when prioritized). Errors on bad sizes. */
rl_status replay_buffer_init(replay_buffer *b, const replay_config *c, char *err, size_t err_sz);
void replay_buffer_free(replay_buffer *b);   /* NULL-safe */
/* Bytes the buffer holds (storage plus sum tree). */
size_t replay_buffer_bytes(const replay_buffer *b);
/* Bytes a buffer of this config would hold (for planning and the start-up message). */
size_t replay_config_bytes(const replay_config *c);

/* Appends one row: obs, next_obs (n_envs, obs_dim); actions (n_envs, act_dim); rewards,
 * terminated, truncated (n_envs). next_obs must already hold the final observation for copies
 * whose episode ended (env_vec's final_obs). Overwrites the oldest row when full. */
void replay_buffer_add(replay_buffer *b, const float *obs, const float *actions,
                       const float *rewards, const float *next_obs, const bool *terminated,
                       const bool *truncated);
/* Slots that can be sampled now. */
int64_t replay_buffer_valid(const replay_buffer *b);
/* Transitions stored now (at most the capacity): slots [0, stored) of the ring. */
int64_t replay_buffer_stored(const replay_buffer *b);
/* Samples B <= out->max_batch transitions (B <= valid is not required: with replacement).
 * beta is the importance exponent (ignored for uniform). Asserts valid > 0. No allocation. */
void replay_buffer_sample(replay_buffer *b, replay_batch *out, int B, float beta, rl_rng *rng);
/* Prioritized only: sets the priority of slots idx (B) to (|td| + eps)^alpha. */
void replay_buffer_update_priorities(replay_buffer *b, const int64_t *idx, const float *td,
                                     int B);
/* The slot of the transition j >= 0 steps after `slot` (from the same env copy), when it is stored
 * and the episode goes on until it: no step in slot .. j - 1 steps later terminated or was
 * truncated, and the ring has not written past it yet (nor overwritten slot). -1 otherwise. Its
 * next_obs is then s_{t+j+1} of slot's episode. slot must hold a stored transition. */
int64_t replay_buffer_later(const replay_buffer *b, int64_t slot, int j);
/* The stored part of slot's episode (its transitions from the same env copy between two episode
 * ends): *first, the absolute row (counted from the first row ever added) of its oldest stored
 * transition; *pos, slot's place in it; *len, the transitions stored, up to its termination or
 * truncation or, for a running episode, the newest row. Transition i of it (0 <= i < len) is in
 * replay_buffer_slot(b, first + i, slot % n_envs). Walks the episode: O(len). */
void replay_buffer_episode(const replay_buffer *b, int64_t slot, int64_t *first, int *pos, int *len);
/* The slot of env copy env in absolute row abs_row (which must be stored). */
int64_t replay_buffer_slot(const replay_buffer *b, int64_t abs_row, int env);
/* Priority (after the exponent) of a slot; 0 for slots that cannot be sampled. Prioritized only. */
double replay_buffer_priority(const replay_buffer *b, int64_t slot);

rl_status replay_batch_init(replay_batch *out, int max_batch, int obs_dim, int act_dim, char *err,
                            size_t err_sz);
void replay_batch_free(replay_batch *out);   /* NULL-safe */

#endif
