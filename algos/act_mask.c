/* rlc algos: action masks for the DQN family (algos/act_mask.h). */
#include "algos/act_mask.h"

#include <stdlib.h>
#include <string.h>

#include "core/status.h"

void act_mask_init(act_mask *m, int K, int max_rows)
{
    m->K = K;
    m->max_rows = max_rows;
    m->rows = rl_xcalloc((size_t)K * max_rows, 1);
    m->set = false;
}

void act_mask_free(act_mask *m)
{
    if (!m) return;
    free(m->rows);
    m->rows = NULL;
}

void act_mask_set(act_mask *m, const uint8_t *mask, int n)
{
    RL_ASSERT(n <= m->max_rows);
    memcpy(m->rows, mask, (size_t)n * m->K);
    m->set = true;
}

int act_mask_argmax(const float *values, const uint8_t *valid, int K)
{
    int best = -1;
    for (int k = 0; k < K; k++)
        if ((!valid || valid[k]) && (best < 0 || values[k] > values[best])) best = k;
    RL_ASSERT_MSG(best >= 0, "an action mask with no valid action");
    return best;
}

int act_mask_uniform(rl_rng *rng, const uint8_t *valid, int K)
{
    if (!valid) return (int)rl_rng_below(rng, (uint32_t)K);
    int n = 0;
    for (int k = 0; k < K; k++) n += valid[k] != 0;
    RL_ASSERT_MSG(n > 0, "an action mask with no valid action");
    int j = (int)rl_rng_below(rng, (uint32_t)n);
    for (int k = 0; k < K; k++)
        if (valid[k] && j-- == 0) return k;
    return K - 1;   /* not reached */
}

void act_mask_store_init(act_mask_store *m, int K, int64_t capacity)
{
    m->K = K;
    m->any = false;
    m->rows = rl_xmalloc((size_t)capacity * K);
    memset(m->rows, 1, (size_t)capacity * K);
}

void act_mask_store_free(act_mask_store *m)
{
    if (!m) return;
    free(m->rows);
    m->rows = NULL;
}

void act_mask_store_add(act_mask_store *m, int64_t first, int n, const uint8_t *mask, const uint8_t *final_mask,
                        const bool *terminated, const bool *truncated)
{
    for (int i = 0; i < n; i++) {
        const uint8_t *src = (terminated[i] || truncated[i]) ? final_mask : mask;
        memcpy(m->rows + (size_t)(first + i) * m->K, src + (size_t)i * m->K, (size_t)m->K);
    }
    m->any = true;
}
