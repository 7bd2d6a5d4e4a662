/* rlc envs/toytext: helpers the four toy-text files share (not installed API). */
#ifndef RLC_ENVS_TOYTEXT_COMMON_H
#define RLC_ENVS_TOYTEXT_COMMON_H

#include "envs/toytext/toytext.h"

/* Gymnasium's step: categorical_sample over the outcomes' probabilities (one random() draw,
 * even for a single outcome); returns the outcome's index. */
static inline int tt_pick(rl_pcg64 *r, const env_toytext_transition *t, int n)
{
    double p[4];
    RL_ASSERT(n >= 1 && n <= 4);
    for (int i = 0; i < n; i++) p[i] = t[i].prob;
    return rl_pcg64_categorical(r, p, n);
}

/* Gymnasium's reset: categorical_sample over an initial distribution that is uniform over the
 * k states where member[s] is true (each 1.0 / k, the others 0, summed in state order) */
static inline int tt_pick_uniform(rl_pcg64 *r, const bool *member, int n, int k)
{
    double u = rl_pcg64_random(r), acc = 0.0, w = 1.0 / k;
    for (int s = 0; s < n; s++) {
        if (member[s]) acc += w;
        if (acc > u) return s;
    }
    return 0;
}

/* the action in a float: the framework has checked it is an index in [0, n) */
static inline int tt_action(const float *action) { return (int)action[0]; }

#endif
