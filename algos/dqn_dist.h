/* rlc algos: the distribution heads of QR-DQN and C51 (algos/dqn.c): the value of an action from
 * its quantiles or its atoms' logits, C51's target distribution and atoms, and the per-sample
 * errors prioritized replay is updated from. Pure functions over float arrays. Internal to algos/. */
#ifndef RLC_ALGOS_DQN_DIST_H
#define RLC_ALGOS_DQN_DIST_H

/* val (K) = the mean of each action's M quantiles in out (K, M) */
void dqn_qr_values(const float *out, int K, int M, float *val);
/* mean_j target (B, M) - mean_j qsa (B, M) of each sample into td (B) */
void dqn_qr_td(const float *qsa, const float *target, int B, int M, float *td);

/* atoms (M) evenly from v_min to v_max */
void dqn_c51_atoms(float *atoms, int M, float v_min, float v_max);
/* val (K) = the expectation over the atoms (M) of each action's softmax of logits in out (K, M) */
void dqn_c51_values(const float *out, int K, int M, const float *atoms, float *val);
/* target (M): the projection onto the atoms of R + disc z under the softmax of logits (M),
 * through probs (M) */
void dqn_c51_target(float *target, float *probs, const float *logits, int M, float R, float disc, float v_min,
                    float v_max);
/* the cross-entropy of each sample's logits (B, M) against its target (B, M) into td (B) */
void dqn_c51_td(const float *logits, const float *target, int B, int M, float *td);

#endif
