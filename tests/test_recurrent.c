/* rlc tests: recurrent PPO and A2C (algos/recurrent.c, `recurrent:`): the network's gradient
 * through trunk, LSTM/GRU (with a state carried in and episode starts inside the sequences) and
 * heads against finite differences; the minibatch order of whole sequences; determinism, env
 * threads and resume; evaluation and recording that reset the state per episode; bad input naming
 * the key; and the learning test on CartPole with masked velocities. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/onpolicy.h"
#include "algos/recurrent.h"
#include "tests/helpers/testutil.h"

/* ---- the network's gradient ------------------------------------------------------------- */

enum { FD_T = 3, FD_B = 2, FD_ROWS = FD_T * FD_B, FD_OBS = 3 };

typedef struct {
    onp_net net;
    onp_rec *rec;
    float obs[FD_ROWS * FD_OBS], u[FD_ROWS * 2];
    float a[FD_ROWS], b[FD_ROWS], c[FD_ROWS];   /* the objective's weights of logp, entropy, value */
    float h0[FD_B * 4], c0[FD_B * 4];
    bool starts[FD_ROWS];
    float logp[FD_ROWS], ent[FD_ROWS];
} fd_ctx;

static void fd_forward(fd_ctx *x)
{
    onp_rec_layout(x->rec, FD_T, FD_B, x->h0, x->rec->lstm ? x->c0 : NULL, x->starts);
    onp_net_forward(&x->net, x->obs, FD_ROWS, true, true);
    onp_net_logp_ent(&x->net, x->u, FD_ROWS, x->logp, x->ent);
}

/* sum_k a_k logp_k + b_k ent_k + c_k v_k over the sequences' rows */
static double fd_objective(void *ctx)
{
    fd_ctx *x = ctx;
    fd_forward(x);
    double f = 0.0;
    for (int k = 0; k < FD_ROWS; k++)
        f += (double)x->a[k] * x->logp[k] + (double)x->b[k] * x->ent[k] + (double)x->c[k] * x->net.out_v[k];
    return f;
}

static void check_gradient(const char *type, bool discrete)
{
    char yaml[512], err[512];
    snprintf(yaml, sizeof yaml,
             "algo: ppo\nnetwork: {hidden: [5], shared: true}\nrecurrent: {type: %s, size: 4}\n"
             "gaussian: {log_std: state}\n", type);
    rl_config cfg;
    cr_assert_eq(rl_config_load_string(&cfg, yaml, "fd.yaml", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    fd_ctx *x = calloc(1, sizeof *x);
    float lo[2] = {-1, -1}, hi[2] = {1, 1}, olo[FD_OBS] = {-5, -5, -5}, ohi[FD_OBS] = {5, 5, 5};
    env_space obs = {.kind = ENV_SPACE_BOX, .dim = FD_OBS, .low = olo, .high = ohi};
    env_space act = discrete ? (env_space){.kind = ENV_SPACE_DISCRETE, .n = 3}
                             : (env_space){.kind = ENV_SPACE_BOX, .dim = 2, .low = lo, .high = hi};
    rl_rng rng;
    rl_rng_seed(&rng, 3, 1);
    cr_assert_eq(onp_rec_create(&x->rec, &cfg, FD_B, FD_T, FD_B, err, sizeof err), RL_OK);
    cr_assert_not_null(x->rec);
    cr_assert_eq(onp_net_init_rec(&x->net, &cfg, &obs, &act, true, true, FD_ROWS, x->rec, &rng, err, sizeof err),
                 RL_OK, "%s", err);
    /* biases and weights away from 0 so every path carries gradient */
    for (size_t i = 0; i < x->net.n_params; i++) x->net.params[i] += (float)rl_rng_uniform(&rng, -0.3, 0.3);
    for (int i = 0; i < FD_ROWS * FD_OBS; i++) x->obs[i] = (float)rl_rng_uniform(&rng, -1, 1);
    for (int k = 0; k < FD_ROWS; k++) {
        x->u[2 * k] = discrete ? (float)(k % 3) : (float)rl_rng_uniform(&rng, -1, 1);
        x->u[2 * k + 1] = (float)rl_rng_uniform(&rng, -1, 1);
        x->a[k] = (float)rl_rng_uniform(&rng, -1, 1);
        x->b[k] = (float)rl_rng_uniform(&rng, -1, 1);
        x->c[k] = (float)rl_rng_uniform(&rng, -1, 1);
    }
    if (discrete) /* Discrete stores one float per action: pack the indices */
        for (int k = 0; k < FD_ROWS; k++) x->u[k] = (float)(k % 3);
    for (int i = 0; i < FD_B * 4; i++) x->h0[i] = (float)rl_rng_uniform(&rng, -0.5, 0.5), x->c0[i] = x->h0[i] * 2;
    x->starts[1 * FD_B + 1] = true;   /* sequence 1 starts a new episode at its second step */

    fd_forward(x);
    memset(x->net.grads, 0, x->net.n_params * sizeof(float));
    onp_net_backward(&x->net, x->obs, x->u, FD_ROWS, x->a, x->b, x->c);
    float *analytic = malloc(x->net.n_params * sizeof(float));
    memcpy(analytic, x->net.grads, x->net.n_params * sizeof(float));
    rlt_gradcheck_opts o = {.h = 1e-2, .rtol = 3e-2, .atol = 3e-4, .n_check = (int)x->net.n_params};
    char what[64];
    snprintf(what, sizeof what, "%s %s actor-critic", type, discrete ? "categorical" : "gaussian");
    rlt_gradcheck(fd_objective, x, x->net.params, analytic, (int)x->net.n_params, &o, what);
    free(analytic);
    onp_net_free(&x->net);
    onp_rec_free(x->rec);
    free(x);
}

Test(recurrent, lstm_gradient_matches_finite_differences) { check_gradient("lstm", true); }
Test(recurrent, gru_gradient_matches_finite_differences) { check_gradient("gru", false); }
