/* rlc tests: the off-policy replay buffer (replay/replay.h): ring wrap-around, n-step returns cut
 * at terminations and bootstrapped through truncations, prioritized sampling frequencies against
 * the priorities, importance weights, and the buffer's memory for a million MuJoCo transitions. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "replay/replay.h"

static void make(replay_buffer *b, int64_t cap, int n_envs, int n_step, float gamma, bool per, float alpha)
{
    replay_config c;
    replay_config_default(&c);
    c.capacity = cap;
    c.n_envs = n_envs;
    c.obs_dim = 2;
    c.act_dim = 1;
    c.n_step = n_step;
    c.gamma = gamma;
    c.prioritized = per;
    c.alpha = alpha;
    c.eps = 0.0f;
    char err[256];
    cr_assert_eq(replay_buffer_init(b, &c, err, sizeof err), RL_OK, "%s", err);
}

/* row t, env e: obs = (t, e), next obs = (t + 0.5, e), action = 10 t + e, reward = t + 1 */
static void add_row(replay_buffer *b, int t, const bool *term, const bool *trunc)
{
    int N = b->cfg.n_envs;
    float obs[16], nobs[16], act[8], rew[8];
    bool f[8] = {0};
    for (int e = 0; e < N; e++) {
        obs[2 * e] = (float)t, obs[2 * e + 1] = (float)e;
        nobs[2 * e] = t + 0.5f, nobs[2 * e + 1] = (float)e;
        act[e] = (float)(10 * t + e);
        rew[e] = (float)(t + 1);
    }
    replay_buffer_add(b, obs, act, rew, nobs, term ? term : f, trunc ? trunc : f);
}

Test(replay, ring_wraps_around_and_keeps_the_newest_rows)
{
    replay_buffer b;
    make(&b, 10, 2, 1, 0.99f, false, 0.0f);   /* 5 rows of 2 envs */
    cr_assert_eq(b.rows, 5);
    for (int t = 0; t < 7; t++) add_row(&b, t, NULL, NULL);
    cr_assert_eq(replay_buffer_valid(&b), 10);
    /* rows 0 and 1 were overwritten by rows 5 and 6, in place */
    cr_assert_float_eq(b.obs[0], 5.0f, 0);
    cr_assert_float_eq(b.obs[2 * 2], 6.0f, 0);
    cr_assert_float_eq(b.obs[2 * 4], 2.0f, 0);
    replay_batch batch;
    char err[128];
    cr_assert_eq(replay_batch_init(&batch, 64, 2, 1, err, sizeof err), RL_OK);
    rl_rng rng;
    rl_rng_seed(&rng, 7, 0);
    int seen[7][2] = {{0}};
    for (int it = 0; it < 200; it++) {
        replay_buffer_sample(&b, &batch, 64, 0.4f, &rng);
        for (int k = 0; k < 64; k++) {
            int t = (int)batch.obs[2 * k], e = (int)batch.obs[2 * k + 1];
            cr_assert(t >= 2 && t <= 6, "sampled overwritten row %d", t);
            cr_assert_float_eq(batch.actions[k], (float)(10 * t + e), 0);
            cr_assert_float_eq(batch.returns[k], (float)(t + 1), 1e-6);
            cr_assert_float_eq(batch.next_obs[2 * k], t + 0.5f, 0);
            cr_assert_float_eq(batch.discount[k], 0.99f, 1e-6);
            cr_assert_float_eq(batch.weights[k], 1.0f, 0);
            seen[t][e]++;
        }
    }
    for (int t = 2; t <= 6; t++)
        for (int e = 0; e < 2; e++) cr_assert(seen[t][e] > 0, "slot (%d, %d) never sampled", t, e);
    replay_batch_free(&batch);
    replay_buffer_free(&b);
}

Test(replay, nstep_returns_cut_at_termination_and_bootstrap_through_truncation)
{
    replay_buffer b;
    make(&b, 100, 1, 3, 0.5f, false, 0.0f);
    for (int t = 0; t < 8; t++) {
        bool term = t == 2, trunc = t == 4;
        add_row(&b, t, &term, &trunc);
    }
    /* rows 6 and 7 wait for their 3-step window */
    cr_assert_eq(replay_buffer_valid(&b), 6);
    /* expected (return, discount, next obs, terminated) for rows 0..5, rewards t + 1 */
    const float G[6] = {1 + 0.5f * 2 + 0.25f * 3, 2 + 0.5f * 3, 3, 4 + 0.5f * 5, 5, 6 + 0.5f * 7 + 0.25f * 8};
    const float disc[6] = {0, 0, 0, 0.25f, 0.5f, 0.125f};
    const float nobs[6] = {2.5f, 2.5f, 2.5f, 4.5f, 4.5f, 7.5f};
    replay_batch batch;
    char err[128];
    cr_assert_eq(replay_batch_init(&batch, 32, 2, 1, err, sizeof err), RL_OK);
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    int seen[6] = {0};
    for (int it = 0; it < 20; it++) {
        replay_buffer_sample(&b, &batch, 32, 0.0f, &rng);
        for (int k = 0; k < 32; k++) {
            int t = (int)batch.obs[2 * k];
            cr_assert(t >= 0 && t < 6);
            seen[t]++;
            cr_assert_float_eq(batch.returns[k], G[t], 1e-6, "row %d", t);
            cr_assert_float_eq(batch.discount[k], disc[t], 1e-7, "row %d", t);
            cr_assert_eq(batch.terminated[k], t <= 2, "row %d", t);
            if (t > 2) cr_assert_float_eq(batch.next_obs[2 * k], nobs[t], 0, "row %d", t);
        }
    }
    for (int t = 0; t < 6; t++) cr_assert(seen[t] > 0);
    replay_batch_free(&batch);
    replay_buffer_free(&b);
}

static void check_frequencies(float alpha)
{
    replay_buffer b;
    make(&b, 8, 1, 1, 0.99f, true, alpha);
    for (int t = 0; t < 8; t++) add_row(&b, t, NULL, NULL);
    int64_t idx[8];
    float td[8];
    for (int i = 0; i < 8; i++) idx[i] = i, td[i] = (float)(i + 1);
    replay_buffer_update_priorities(&b, idx, td, 8);
    double p[8], total = 0.0;
    for (int i = 0; i < 8; i++) {
        p[i] = pow(i + 1.0, alpha);
        cr_assert_float_eq(replay_buffer_priority(&b, i), p[i], 1e-9);
        total += p[i];
    }
    replay_batch batch;
    char err[128];
    cr_assert_eq(replay_batch_init(&batch, 4, 2, 1, err, sizeof err), RL_OK);
    rl_rng rng;
    rl_rng_seed(&rng, 11, 0);
    const int iters = 50000, draws = 4 * iters;
    int count[8] = {0};
    const float beta = 0.5f;
    for (int it = 0; it < iters; it++) {
        replay_buffer_sample(&b, &batch, 4, beta, &rng);
        double wmax = 0.0;
        for (int k = 0; k < 4; k++) {
            int i = (int)batch.idx[k];
            cr_assert_float_eq(batch.obs[0 + 2 * k], (float)i, 0);
            count[i]++;
            double w = pow(8.0 * p[i] / total, -beta);
            wmax = w > wmax ? w : wmax;
        }
        for (int k = 0; k < 4; k++) {
            double w = pow(8.0 * p[batch.idx[k]] / total, -beta) / wmax;
            cr_assert_float_eq(batch.weights[k], w, 1e-5);
        }
    }
    for (int i = 0; i < 8; i++) {
        double q = p[i] / total, expect = q * draws, sd = sqrt(draws * q * (1 - q));
        cr_assert(fabs(count[i] - expect) < 4 * sd, "alpha %.1f slot %d: %d draws, expected %.0f +- %.0f", alpha, i,
                  count[i], expect, sd);
    }
    replay_batch_free(&batch);
    replay_buffer_free(&b);
}

Test(replay, prioritized_sampling_frequencies_follow_the_priorities)
{
    check_frequencies(1.0f);
    check_frequencies(0.6f);
}

Test(replay, prioritized_new_rows_take_the_max_priority_and_overwritten_rows_leave)
{
    replay_buffer b;
    make(&b, 4, 1, 2, 0.9f, true, 1.0f);
    add_row(&b, 0, NULL, NULL);
    cr_assert_eq(replay_buffer_priority(&b, 0), 0.0);   /* its 2-step window is incomplete */
    add_row(&b, 1, NULL, NULL);
    cr_assert_eq(replay_buffer_priority(&b, 0), 1.0);
    int64_t idx = 0;
    float td = 5.0f;
    replay_buffer_update_priorities(&b, &idx, &td, 1);
    add_row(&b, 2, NULL, NULL);
    cr_assert_float_eq(replay_buffer_priority(&b, 1), 5.0, 1e-9);   /* max seen so far */
    add_row(&b, 3, NULL, NULL);
    add_row(&b, 4, NULL, NULL);   /* overwrites row 0 (slot 0) */
    cr_assert_eq(replay_buffer_priority(&b, 0), 0.0);
    cr_assert(replay_buffer_priority(&b, 3) > 0.0);
    replay_buffer_free(&b);
}

Test(replay, a_million_mujoco_transitions_fit)
{
    /* HalfCheetah: obs 17, action 6 */
    replay_config c;
    replay_config_default(&c);
    c.capacity = 1000000;
    c.obs_dim = 17;
    c.act_dim = 6;
    size_t bytes = replay_config_bytes(&c);
    cr_assert(bytes < 200u * 1024 * 1024, "%zu bytes", bytes);
    replay_buffer b;
    char err[256];
    cr_assert_eq(replay_buffer_init(&b, &c, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(b.cfg.capacity, 1000000);
    replay_buffer_free(&b);
}

/* replay_buffer_later: the same env's slot j steps later, cut at episode ends (termination or
 * truncation), at the newest row, and where the ring has wrapped */
Test(replay, later_slots_stay_in_the_episode_and_the_ring)
{
    replay_buffer b;
    make(&b, 10, 2, 1, 0.99f, false, 0.0f);   /* 5 rows of 2 envs */
    bool end[2] = {false, true};               /* env 1's episode ends at row 1 */
    add_row(&b, 0, NULL, NULL);
    add_row(&b, 1, end, NULL);
    add_row(&b, 2, NULL, end);                 /* and env 1's next one is truncated at row 2 */
    add_row(&b, 3, NULL, NULL);
    /* env 0: rows 0..3 are one episode */
    cr_assert_eq(replay_buffer_later(&b, 0, 0), 0);
    cr_assert_eq(replay_buffer_later(&b, 0, 3), 6);
    cr_assert_eq(replay_buffer_later(&b, 0, 4), -1, "row 4 is not written yet");
    cr_assert_eq(replay_buffer_later(&b, 2, 2), 6);
    /* env 1: row 0 -> row 1 (the terminal step) is fine, row 2 is another episode */
    cr_assert_eq(replay_buffer_later(&b, 1, 1), 3);
    cr_assert_eq(replay_buffer_later(&b, 1, 2), -1);
    cr_assert_eq(replay_buffer_later(&b, 5, 1), -1, "row 2 truncated");
    cr_assert_eq(replay_buffer_later(&b, 5, 0), 5);
    /* wrap: rows 4..7 go to ring rows 4, 0, 1, 2 (absolute row 3 stays at ring row 3) */
    for (int t = 4; t < 8; t++) add_row(&b, t, NULL, NULL);
    cr_assert_eq(replay_buffer_later(&b, 6, 1), 8, "absolute row 3 -> 4");
    cr_assert_eq(replay_buffer_later(&b, 6, 4), 4, "absolute row 3 -> 7 at ring row 2");
    cr_assert_eq(replay_buffer_later(&b, 6, 5), -1, "absolute row 8 is not written");
    cr_assert_eq(replay_buffer_later(&b, 8, 1), 0, "ring row 4 -> ring row 0");
    cr_assert(b.obs[2 * 4] == 7.0f && b.obs[2 * 8] == 4.0f);
    replay_buffer_free(&b);
}
