/* rlc nn: forward and backward of the recurrent layers (nn/rnn.h), over the cells of nn/lstm.c and
 * nn/gru.c.
 *
 * Forward: gates (T B, G H) = inp (T B, I) w_ih^T, one GEMM for all steps, then the recurrence
 * adds hprev_t w_hh^T and the biases step by step. Backward: the recurrence fills the gate gradients
 * of every step, then dw_ih += dgates^T inp, dw_hh += dgh^T hprev and dinp = dgates w_ih, one GEMM
 * each over all T B rows. */
#include "nn/rnn_impl.h"

static void input_projection(nn_rnn_cache *k, const nn_rnn *r, const float *inp)
{
    // gates (T B, G H) = inp (T B, I) @ w_ih^T (I, G H); the cells add the biases step by step
    int gh = r->G * r->H;
    nn_sgemm(false, true, k->T * k->B, gh, r->I, inp, r->I, r->w_ih, r->I, 0.0f, k->gates, gh);
    for (int j = 0; j < gh; j++) k->bsum[j] = r->b_ih[j] + r->b_hh[j];
}

float *nn_rnn_forward(nn_rnn_cache *k, const nn_rnn *r, const float *inp, const float *h0, const float *c0,
                      const bool *starts, int T, int B)
{
    nn_rnn_begin_forward(k, r, c0, starts, T, B);
    if (B == 0) return k->h;
    input_projection(k, r, inp);
    if (r->kind == NN_RNN_LSTM) nn_lstm_steps(k, r, h0, c0);
    else nn_gru_steps(k, r, h0);
    return k->h;
}

void nn_rnn_backward(float *dinp, float *dh0, float *dc0, nn_rnn_cache *k, nn_rnn *r, const float *dout,
                     const float *dhT, const float *dcT, const float *inp)
{
    RL_ASSERT(k->T >= 1 && (r->kind == NN_RNN_LSTM || (dc0 == NULL && dcT == NULL)));
    if (k->B == 0) return;
    if (r->kind == NN_RNN_LSTM) nn_lstm_bptt(dh0, dc0, k, r, dout, dhT, dcT);
    else nn_gru_bptt(dh0, k, r, dout, dhT);
    // the LSTM's gates take the same gradient on both sides; the GRU's n gate does not (r scales W_hn h)
    const float *dgh = r->kind == NN_RNN_LSTM ? k->dgates : k->dgh;
    int gh = r->G * r->H, M = k->T * k->B;
    if (r->grads) {
        // dw_ih (G H, I) += dgates^T (G H, M) @ inp (M, I); dw_hh (G H, H) += dgh^T @ hprev (M, H)
        nn_sgemm(true, false, gh, r->I, M, k->dgates, gh, inp, r->I, 1.0f, r->dw_ih, r->I);
        nn_sgemm(true, false, gh, r->H, M, dgh, gh, k->hprev, r->H, 1.0f, r->dw_hh, r->H);
        nn_colsum_add(r->db_ih, k->dgates, (size_t)M, gh);
        nn_colsum_add(r->db_hh, dgh, (size_t)M, gh);
    }
    // dinp (M, I) = dgates (M, G H) @ w_ih (G H, I)
    if (dinp) nn_sgemm(false, false, M, r->I, gh, k->dgates, gh, r->w_ih, r->I, 0.0f, dinp, r->I);
}
