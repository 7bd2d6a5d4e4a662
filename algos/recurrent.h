/* rlc algos (internal): the recurrent stage of the on-policy actor-critic (ppo, a2c):
 * `recurrent: {type: lstm|gru, size: H, seq_len: L, shared: false|true}` puts LSTM or GRU layers
 * (nn/rnn.h) between the shared trunk and the actor and critic heads:
 *
 *   shared: false (default)  obs -> trunk (network.hidden) -> actor's cell (H)  -> actor head
 *                                                          -> critic's cell (H) -> critic head
 *   shared: true             obs -> trunk (network.hidden) -> one cell (H) -> actor head, critic head
 *
 * Two cells are sb3-contrib RecurrentPPO's default (shared_lstm=False, enable_critic_lstm=True):
 * the critic's loss does not move the actor's memory. Each cell carries its own states; both
 * follow the same episode starts and sequences.
 *
 * The scheme of CleanRL's ppo_atari_lstm.py and sb3-contrib's RecurrentPPO:
 *  - acting: each training env copy carries its state across steps and rollouts; the state
 *    entering a step whose observation starts an episode is zeroed (the layer's episode starts);
 *  - the rollout keeps the state entering every step (onp_rec_track.roll_h, roll_c) and every
 *    step's episode-start flag;
 *  - the update cuts the rollout into sequences of seq_len steps of one env copy (the whole
 *    rollout by default), shuffles the sequences and makes each minibatch of whole sequences, time
 *    major; each sequence starts from the state kept at its first step and the states inside it
 *    are recomputed with the current weights (zeroed again at episode starts), and the gradient
 *    flows back through time within the sequence;
 *  - evaluation keeps a state per evaluation row, zeroed where agent_algo.episode_starts marks
 *    a new episode.
 * The layer's parameters live in the network's flat buffer after the trunk's, so the optimizer,
 * the gradient clip, data-parallel averaging and checkpoints treat them as every other weight;
 * checkpoint names: recurrent.weight_ih_l0, recurrent.weight_hh_l0, recurrent.bias_ih_l0,
 * recurrent.bias_hh_l0 (torch.nn.LSTM / torch.nn.GRU's state_dict names and layouts) for the
 * actor's (or the shared) cell, recurrent_critic.* for the critic's. */
#ifndef RLC_ALGOS_RECURRENT_H
#define RLC_ALGOS_RECURRENT_H

#include <stdbool.h>

#include "core/config.h"
#include "core/rng.h"
#include "nn/rnn.h"

/* ---- the recurrent: section (ppo and a2c) ------------------------------------------------- */

#define ONP_RECURRENT_FIELDS(X, S)                                                                  \
    X(S, rl_str, type, STR, 0, "none", 0, 0, "none|lstm|gru",                                       \
      "a recurrent layer between the shared trunk and the heads: none, lstm or gru")             \
    X(S, int64_t, size, I64, 128, NULL, 1, 16384, NULL, "the recurrent layer's hidden state size") \
    X(S, int64_t, seq_len, I64, 0, NULL, 0, 1e7, NULL,                                              \
      "steps per training sequence (must divide num_steps); 0 = the whole rollout (CleanRL)")       \
    X(S, bool, shared, BOOL, 0, NULL, 0, 1, NULL,                                                   \
      "one cell under actor and critic; false: a cell each (sb3-contrib's default)")
RL_CFG_SECTION_TYPE(onp_recurrent_cfg, ONP_RECURRENT_FIELDS);
extern const rl_config_section onp_recurrent_section;

/* The recurrent section of cfg when its algorithm has one and type is not none; else NULL. */
const onp_recurrent_cfg *onp_recurrent_of(const rl_config *cfg);

/* ---- the layer inside onp_net --------------------------------------------------------------- */

typedef struct onp_rec {
    const char *name;                 /* the checkpoint's module name: recurrent, recurrent_critic */
    char names[4][48];                /* the tensors' names */
    nn_rnn rnn;
    nn_rnn_kind kind;
    bool lstm;
    int I, H;
    int step_B, L, seq_B;             /* acting: 1 step of up to step_B rows; training: L x seq_B */
    nn_rnn_cache k_step, k_seq;       /* the two shapes' caches; k: the last forward's */
    nn_rnn_cache *k;
    float *mem;                       /* owned: both caches and dx */
    /* the sequence layout of the next forward (onp_rec_layout), consumed by it */
    int T, B;
    const float *h0, *c0;             /* (B, H) or NULL for zeros */
    const bool *starts;               /* (T, B) or NULL: none */
    const float *out;                 /* (T B, H) the last forward's outputs */
    float *dx;                        /* (max rows, I) the gradient at the trunk's output */
} onp_rec;

/* The sequences a rollout of T steps of N copies is cut into: their length (recurrent.seq_len,
 * 0: T) must divide T and the n_mb minibatches must divide their number N T / L; errors name
 * the keys (sec: the algorithm's section). The length in *L. */
rl_status onp_rec_check(const rl_config *cfg, const char *sec, int N, int T, int n_mb, int *L, char *err,
                        size_t err_sz);
/* The layer cfg asks for (NULL in *out when none), for forwards of one step of up to step_B rows
 * (acting) and of L steps of up to seq_B sequences (training); name: its checkpoint module
 * (a static string). Shaped by onp_rec_shape. */
rl_status onp_rec_create(onp_rec **out, const rl_config *cfg, const char *name, int step_B, int L, int seq_B,
                         char *err, size_t err_sz);
/* Shapes the layer on inputs of I floats and sizes its caches; then rnn.n_params is its size.
 * Errors name src (the config file) and the keys. */
rl_status onp_rec_shape(onp_rec *r, int I, const char *src, char *err, size_t err_sz);
void onp_rec_free(onp_rec *r);   /* NULL-safe */
/* Binds the layer's parameters (rnn.n_params floats) inside the network's buffers. */
void onp_rec_bind(onp_rec *r, float *params, float *grads);
/* network.init orthogonal: weights orthogonal (gain 1), biases 0 (CleanRL); torch: PyTorch's. */
void onp_rec_init(onp_rec *r, const rl_config *cfg, rl_rng *rng);
/* What the next forward runs: T steps of B sequences from h0, c0 (LSTM), reset where starts. */
void onp_rec_layout(onp_rec *r, int T, int B, const float *h0, const float *c0, const bool *starts);
/* The forward of the layout set last over x (T B rows, I); returns the outputs (T B, H). */
const float *onp_rec_forward(onp_rec *r, const float *x, int rows);
/* Backpropagation through time of the last forward for dout (T B, H); adds into the layer's
 * gradients and returns the gradient at its input (T B, I). */
const float *onp_rec_backward(onp_rec *r, const float *dout, const float *x);
/* The same for the actor's cell a (dout da) and the critic's c (dc) on the same input x: the sum
 * of both input gradients (in a's buffer). A NULL gradient skips that cell. */
const float *onp_rec_backward_pair(onp_rec *a, const float *da, onp_rec *c, const float *dc, const float *x);
/* Copies the state after the last forward (its last step, (B, H)) into h and c (c: LSTM only). */
void onp_rec_final(const onp_rec *r, float *h, float *c);
/* The checkpoint tensors (4, named <name>.weight_ih_l0, ...); returns the count. */
int onp_rec_tensors(onp_rec *r, nn_tensor *t);

/* ---- the states the agent keeps ---------------------------------------------------------- */

/* the states of one cell */
typedef struct {
    onp_rec *rec;
    float *h, *c;                     /* (N, H): the training copies' states */
    float *roll_h, *roll_c;           /* (T, N, H): the state entering each rollout step */
    float *eval_h, *eval_c;           /* (max_eval, H): the evaluation rows' states */
    float *mb_h0, *mb_c0;             /* (mb_seqs, H) */
} onp_rec_cell;

typedef struct {
    onp_rec_cell cell[2];             /* the actor's (or the shared) cell; the critic's own */
    int n_cells;                      /* 1 (shared) or 2 */
    onp_rec *rec;                     /* cell[0].rec */
    int N, T, L, H, n_seq, mb_seqs, max_eval;
    float *h, *c, *roll_h, *roll_c, *mb_h0, *mb_c0;   /* cell[0]'s */
    bool *starts;                     /* (N): the next training step's episode starts */
    bool *roll_starts;                /* (T, N) */
    bool *eval_starts;                /* (max_eval) */
    int *seq_perm;                    /* (n_seq) sequence s = chunk s / N of env copy s % N */
    bool *mb_starts;                  /* (L, mb_seqs) */
    float *mem;                       /* owns the arrays above */
} onp_rec_track;

/* The states of N copies over rollouts of T steps cut into sequences of L steps (onp_rec_check),
 * n_mb minibatches, and up to max_eval evaluation rows, for the cell rec and the critic's own
 * cell rec_c (NULL: rec is shared by actor and critic). */
void onp_rec_track_init(onp_rec_track *s, onp_rec *rec, onp_rec *rec_c, int N, int T, int L, int n_mb,
                        int max_eval);
void onp_rec_track_free(onp_rec_track *s);
/* Every training copy's next step starts an episode, and the states are zero (a new run, a
 * loaded checkpoint). */
void onp_rec_track_reset(onp_rec_track *s);
/* The layout of the next act: explore (n = N) at rollout step t keeps the states entering it;
 * otherwise the evaluation rows' states. onp_rec_after_act then carries the new states on (of
 * the cells the act ran: an evaluation runs only the actor's). */
void onp_rec_before_act(onp_rec_track *s, bool explore, int n, int t);
void onp_rec_after_act(onp_rec_track *s, bool explore, int n);
/* The layout of a value forward (the critic's cell) on the copies' next observations from their
 * current states:
 * the final observations of finished episodes (no reset), or the observations after the rollout
 * (reset where an episode starts). */
void onp_rec_layout_final(onp_rec_track *s);
void onp_rec_layout_next(onp_rec_track *s);
/* After a training step: the copies whose episode ended (done (N)) start a new one. */
void onp_rec_observe(onp_rec_track *s, const bool *terminated, const bool *truncated);
/* Marks the evaluation rows whose next observation starts an episode (agent_algo.episode_starts). */
void onp_rec_eval_starts(onp_rec_track *s, const bool *starts, int n);
/* One epoch's minibatch order: shuffles the sequences (when there are several minibatches) and
 * writes perm (N T) with minibatch m's rows at m mb .. (m + 1) mb - 1, time major (row
 * tt mb_seqs + q is step tt of its q-th sequence), as flat rollout indices t N + env. */
void onp_rec_epoch_order(onp_rec_track *s, int *perm, int n_mb, rl_rng *rng);
/* The layout of minibatch m's forward (every cell): its sequences' first states and episode
 * starts. */
void onp_rec_minibatch(onp_rec_track *s, int m);

#endif
