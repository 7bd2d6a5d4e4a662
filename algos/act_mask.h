/* rlc algos: the action masks an agent receives (agent_algo.action_mask) and the choices made
 * under them, for agents with a Discrete action space (the DQN family; the actor-critic engine
 * masks its logits instead, algos/onpolicy.h). */
#ifndef RLC_ALGOS_ACT_MASK_H
#define RLC_ALGOS_ACT_MASK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/rng.h"

typedef struct {
    int K, max_rows;
    uint8_t *rows;   /* (max_rows, K): the masks of the next act()'s rows */
    bool set;        /* rows hold masks for the next act() */
} act_mask;

void act_mask_init(act_mask *m, int K, int max_rows);
void act_mask_free(act_mask *m);   /* NULL-safe */
/* agent_algo.action_mask: copies the n rows for the next act() */
void act_mask_set(act_mask *m, const uint8_t *mask, int n);
/* row i of the next act()'s masks, or NULL when none was set (every action valid) */
static inline const uint8_t *act_mask_row(const act_mask *m, int i)
{
    return m->set ? m->rows + (size_t)i * m->K : (const uint8_t *)0;
}
/* The masks of the next states of a replay buffer's transitions, slot by slot beside its next_obs
 * (capacity rows of K bytes, all valid until written: a buffer restored from a file has none). */
typedef struct {
    int K;
    uint8_t *rows;   /* (capacity, K); NULL when masks are off */
    bool any;        /* a mask has been stored */
} act_mask_store;

void act_mask_store_init(act_mask_store *m, int K, int64_t capacity);
void act_mask_store_free(act_mask_store *m);   /* NULL-safe */
/* the next states' masks of the n transitions about to be added at slots first..first+n-1: a
 * finished episode's last state (final_mask) where done[i], else the current one (mask) */
void act_mask_store_add(act_mask_store *m, int64_t first, int n, const uint8_t *mask, const uint8_t *final_mask,
                        const bool *terminated, const bool *truncated);
/* the mask of slot s, or NULL when none was ever stored (every action valid) */
static inline const uint8_t *act_mask_store_row(const act_mask_store *m, int64_t s)
{
    return m->any ? m->rows + (size_t)s * m->K : (const uint8_t *)0;
}

/* the first action of largest value among the valid ones (valid NULL: all; at least one valid) */
int act_mask_argmax(const float *values, const uint8_t *valid, int K);
/* an action drawn uniformly from the valid ones; with valid NULL exactly rl_rng_below(rng, K) */
int act_mask_uniform(rl_rng *rng, const uint8_t *valid, int K);

#endif
