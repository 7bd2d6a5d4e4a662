/* rlc nn: what nn/rnn.c shares with the cells of nn/lstm.c and nn/gru.c (internal, not API).
 *
 * nn/rnn.c does the parts common to both cells: the reset mask, the input projection of all T
 * steps in one GEMM before the recurrence, and after backpropagation through time the weight
 * and bias gradients and the input gradient in one GEMM each. The cells run the recurrence. */
#ifndef RLC_NN_RNN_IMPL_H
#define RLC_NN_RNN_IMPL_H

#include "nn/rnn.h"

/* The T steps of k->T, k->B: k->gates holds each step's input projection w_ih x (no bias) on
 * entry, k->bsum b_ih + b_hh; fills hprev (and cprev), gates, aux, h (and c). */
void nn_lstm_steps(nn_rnn_cache *k, const nn_rnn *r, const float *h0, const float *c0);
void nn_gru_steps(nn_rnn_cache *k, const nn_rnn *r, const float *h0);
/* Backpropagation through time: fills k->dgates (and for the GRU k->dgh, the hidden side) with
 * the gradients of every step's gate pre-activations, and writes dh0 (and dc0) when not NULL. */
void nn_lstm_bptt(float *dh0, float *dc0, nn_rnn_cache *k, const nn_rnn *r, const float *dout, const float *dhT,
                  const float *dcT);
void nn_gru_bptt(float *dh0, nn_rnn_cache *k, const nn_rnn *r, const float *dout, const float *dhT);

/* Checks T, B (against the cache) and c0 (NULL for the GRU), and sets k->T, k->B and the keep
 * mask from starts. */
void nn_rnn_begin_forward(nn_rnn_cache *k, const nn_rnn *r, const float *c0, const bool *starts, int T, int B);
/* dst (B, H) = src (B, H) where keep[b] is not 0, zeros where it is or src is NULL: the state
 * entering a step (select, not multiply, so a non-finite state does not leak through a reset) */
void nn_rnn_reset_rows(float *dst, const float *src, const float *keep, int B, int H);
/* x (B, H) rows zeroed where keep[b] is 0: the state gradient leaving a step backwards */
void nn_rnn_cut_rows(float *x, const float *keep, int B, int H);

#endif
