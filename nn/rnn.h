/* rlc nn: recurrent layers, LSTM and GRU, over sequences (nn/rnn.c, nn/lstm.c, nn/gru.c).
 *
 * PyTorch's conventions, so that parameters load into torch.nn.LSTM / torch.nn.GRU (one layer,
 * batch_first=False) unchanged: the flat parameter buffer is weight_ih (G H, I), weight_hh
 * (G H, H), bias_ih (G H), bias_hh (G H), in that order (torch's weight_ih_l0, weight_hh_l0,
 * bias_ih_l0, bias_hh_l0), with G gate blocks of H rows each:
 *   LSTM (G = 4, blocks i, f, g, o):  i = s(.), f = s(.), g = tanh(.), o = s(.) of
 *                                     W_i* x + b_i* + W_h* h + b_h*;  c' = f c + i g,  h' = o tanh(c')
 *   GRU  (G = 3, blocks r, z, n):     r = s(W_ir x + b_ir + W_hr h + b_hr), z likewise,
 *                                     n = tanh(W_in x + b_in + r (W_hn h + b_hn)),  h' = (1 - z) n + z h
 * (s the logistic sigmoid). Sequences are time-major: inputs (T, B, I), outputs (T, B, H).
 *
 * Episode starts: starts (T, B), when not NULL, marks the steps where a new episode begins; the
 * state entering such a step is zeroed (h, and c for the LSTM), as recurrent PPO does with
 * h * (1 - done). The backward pass stops the state gradient there.
 *
 * As the other layers: forward fills a caller-owned cache (every step's gates and states), backward
 * ADDS into the parameter gradients and WRITES the input and initial-state gradients when their
 * pointers are not NULL. The input projections of all T steps are one GEMM, as are the weight
 * gradients and the input gradient after backpropagation through time; each step runs one GEMM
 * (B, G H, H) forward and one backward. Nothing allocates after init. */
#ifndef RLC_NN_RNN_H
#define RLC_NN_RNN_H

#include "nn/nn.h"

typedef enum { NN_RNN_LSTM = 0, NN_RNN_GRU, NN_RNN_COUNT } nn_rnn_kind;

/* "lstm", "gru" */
const char *nn_rnn_kind_name(nn_rnn_kind kind);

typedef struct {
    nn_rnn_kind kind;
    int I, H;                         /* input size, hidden size */
    int G;                            /* gate blocks: 4 (LSTM) or 3 (GRU) */
    size_t n_params;                  /* G H (I + H + 2) */
    float *params, *grads;            /* not owned; grads may be NULL (inference) */
    float *w_ih, *w_hh, *b_ih, *b_hh; /* (G H, I), (G H, H), (G H), (G H) inside params */
    float *dw_ih, *dw_hh, *db_ih, *db_hh;
} nn_rnn;

/* Sets the shape. RL_ERR_ARG naming the size when I or H is below 1 or the layer too large. */
rl_status nn_rnn_shape(nn_rnn *r, nn_rnn_kind kind, int I, int H, char *err, size_t err_sz);
/* Carves the four parameter pointers (and the gradients' when grads is not NULL) from flat
 * buffers of at least r->n_params floats. */
void nn_rnn_bind(nn_rnn *r, float *params, float *grads);
/* torch.nn.LSTM / GRU's default: every parameter uniform in +-1/sqrt(H), in buffer order. */
void nn_rnn_init_torch_default(nn_rnn *r, rl_rng *rng);
/* CleanRL's recurrent PPO: weight_ih and weight_hh orthogonal (as torch.nn.init.orthogonal_ on
 * each whole matrix) times gain, biases 0. */
void nn_rnn_init_orthogonal(nn_rnn *r, float gain, rl_rng *rng);

/* Everything backward needs from a forward over up to max_T steps of up to max_B sequences, and
 * the backward's scratch. Arrays hold the actual (T, B) of the last forward, packed. */
typedef struct {
    int max_T, max_B;
    int T, B;                         /* of the last forward */
    float *keep;                      /* (T, B): 0 where an episode starts, 1 elsewhere */
    float *hprev, *cprev;             /* (T, B, H): state entering each step, after the reset (cprev: LSTM) */
    float *gates;                     /* (T, B, G H): the activated gates */
    float *aux;                       /* (T, B, H): LSTM tanh(c_t); GRU W_hn h + b_hn */
    float *h, *c;                     /* (T, B, H): outputs h_t, LSTM cell states c_t */
    float *hh;                        /* (B, G H): GRU's hidden projection of one step */
    float *dgates, *dgh;              /* (T, B, G H): gradients of the gates' pre-activations (GRU:
                                         dgates for the input side, dgh for the hidden side) */
    float *dh, *dh2, *dc;             /* (B, H): the running state gradients */
    float *bsum;                      /* (G H): b_ih + b_hh */
} nn_rnn_cache;

size_t nn_rnn_cache_floats(const nn_rnn *r, int max_T, int max_B);
void nn_rnn_cache_bind(nn_rnn_cache *k, const nn_rnn *r, float *buf, int max_T, int max_B);

/* Runs T steps over inp (T, B, I) from the state h0 (B, H), c0 (B, H) (LSTM only; GRU: NULL),
 * either NULL for zeros. Returns the outputs (T, B, H) inside the cache; the final state is the
 * last output row block, h + (T - 1) B H, and for the LSTM k->c + (T - 1) B H.
 * 1 <= T <= max_T, 0 <= B <= max_B. */
float *nn_rnn_forward(nn_rnn_cache *k, const nn_rnn *r, const float *inp, const float *h0, const float *c0,
                      const bool *starts, int T, int B);
/* Backpropagation through time of the last forward on this cache, for the loss whose gradient
 * is dout (T, B, H) with respect to the outputs plus dhT (B, H) and dcT (B, H) (LSTM) with
 * respect to the final state (either NULL for zero). Adds into r->grads; writes dinp (T, B, I),
 * dh0 (B, H) and dc0 (B, H) (LSTM) when not NULL. inp is the input the forward saw. */
void nn_rnn_backward(float *dinp, float *dh0, float *dc0, nn_rnn_cache *k, nn_rnn *r, const float *dout,
                     const float *dhT, const float *dcT, const float *inp);

/* Plain-loop twins (double accumulation, libm's tanh and exp; no GEMM, no nn_tanh) that fill and
 * read the same cache; the tests compare the kernels above with them. */
float *nn_rnn_forward_ref(nn_rnn_cache *k, const nn_rnn *r, const float *inp, const float *h0, const float *c0,
                          const bool *starts, int T, int B);
void nn_rnn_backward_ref(float *dinp, float *dh0, float *dc0, nn_rnn_cache *k, nn_rnn *r, const float *dout,
                         const float *dhT, const float *dcT, const float *inp);

#endif
