/* rlc tests: the wrappers of spec D.5 (envs/wrappers.c) against direct computation: running
 * mean/std, NormalizeObservation, NormalizeReward (both accumulator conventions, freezing,
 * export/import), ClipAction and RecordEpisodeStatistics on a vector env. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "envs/env.h"
#include "envs/wrappers.h"

static float datum(int k, int d) { return (float)(sin(0.37 * k + 1.3 * d) * (d + 1) + 0.5 * d); }

Test(rms, single_update_matches_the_formula)
{
    env_rms r;
    cr_assert_eq(env_rms_init(&r, 2, NULL, 0), RL_OK);
    cr_assert_eq(r.count, 1e-4);
    cr_assert_eq(r.mean[1], 0.0);
    cr_assert_eq(r.var[0], 1.0);
    /* batch x = [[1, 2], [3, 6]]: bm = (2, 4), bv = (1, 4), B = 2, tot = 2.0001
     * mean' = 0 + bm * 2 / 2.0001; var' = (1e-4 + bv * 2 + bm^2 * 1e-4 * 2 / 2.0001) / 2.0001 */
    const float x[4] = {1, 2, 3, 6};
    env_rms_update(&r, x, 2);
    const double tot = 2.0001;
    cr_assert_float_eq(r.count, tot, 1e-15);
    cr_assert_float_eq(r.mean[0], 2.0 * 2 / tot, 1e-14);
    cr_assert_float_eq(r.mean[1], 4.0 * 2 / tot, 1e-14);
    cr_assert_float_eq(r.var[0], (1e-4 + 1.0 * 2 + 4.0 * 1e-4 * 2 / tot) / tot, 1e-14);
    cr_assert_float_eq(r.var[1], (1e-4 + 4.0 * 2 + 16.0 * 1e-4 * 2 / tot) / tot, 1e-14);
    env_rms_free(&r);
    env_rms_free(&r);
}

Test(rms, many_batches_equal_the_pooled_statistics)
{
    /* the update is the exact parallel-variance merge, so after any sequence of batches the
     * statistics are those of all data pooled with the prior (mean 0, var 1, weight 1e-4) */
    enum { D = 3, TOTAL = 57 };
    env_rms r;
    cr_assert_eq(env_rms_init(&r, D, NULL, 0), RL_OK);
    float x[TOTAL * D];
    for (int k = 0; k < TOTAL; k++)
        for (int d = 0; d < D; d++) x[k * D + d] = datum(k, d);
    const int sizes[] = {1, 5, 1, 20, 3, 27};
    int off = 0;
    for (int j = 0; j < 6; j++) {
        env_rms_update(&r, x + off * D, sizes[j]);
        off += sizes[j];
    }
    cr_assert_eq(off, TOTAL);
    for (int d = 0; d < D; d++) {
        double w0 = 1e-4, n = w0 + TOTAL, sum = 0;
        for (int k = 0; k < TOTAL; k++) sum += x[k * D + d];
        double mean = sum / n;   /* prior mean 0 contributes 0 */
        double ss = w0 * (1.0 + mean * mean);   /* prior: var 1 around 0 */
        for (int k = 0; k < TOTAL; k++) ss += (x[k * D + d] - mean) * (x[k * D + d] - mean);
        cr_assert_float_eq(r.mean[d], mean, 1e-12, "mean[%d]", d);
        cr_assert_float_eq(r.var[d], ss / n, 1e-12, "var[%d]", d);
        cr_assert_gt(fabs(r.mean[d]), 1e-3);
    }
    cr_assert_float_eq(r.count, 1e-4 + TOTAL, 1e-9);
    env_rms_free(&r);
}

Test(rms, export_import_round_trip_and_validation)
{
    env_rms a, b;
    env_rms_init(&a, 2, NULL, 0);
    env_rms_init(&b, 2, NULL, 0);
    const float x[6] = {1, -2, 4, 0.5f, -3, 7};
    env_rms_update(&a, x, 3);
    cr_assert_eq(env_rms_export_size(&a), 5);
    float buf[5];
    env_rms_export(&a, buf);
    char err[128];
    cr_assert_eq(env_rms_import(&b, buf, err, sizeof(err)), RL_OK, "%s", err);
    for (int d = 0; d < 2; d++) {
        cr_assert_float_eq(b.mean[d], a.mean[d], 1e-6 * fabs(a.mean[d]) + 1e-7);
        cr_assert_float_eq(b.var[d], a.var[d], 1e-6 * a.var[d]);
    }
    cr_assert_float_eq(b.count, a.count, 1e-6);
    float bad[5];
    memcpy(bad, buf, sizeof(bad));
    bad[3] = -1.0f;
    cr_assert_eq(env_rms_import(&b, bad, err, sizeof(err)), RL_ERR_FORMAT);
    cr_assert(strstr(err, "var[1]") != NULL, "%s", err);
    memcpy(bad, buf, sizeof(bad));
    bad[4] = 0.0f;
    cr_assert_eq(env_rms_import(&b, bad, err, sizeof(err)), RL_ERR_FORMAT);
    memcpy(bad, buf, sizeof(bad));
    bad[0] = NAN;
    cr_assert_eq(env_rms_import(&b, bad, err, sizeof(err)), RL_ERR_FORMAT);
    cr_assert_float_eq(b.mean[0], a.mean[0], 1e-6, "a failed import leaves the statistics");
    env_rms_free(&a);
    env_rms_free(&b);
}

Test(norm_obs, normalises_after_updating_and_can_freeze)
{
    env_norm_obs w;
    cr_assert_eq(env_norm_obs_init(&w, 2, 0.0f, NULL, 0), RL_OK);
    float obs[4] = {1, 2, 3, 6};
    env_norm_obs_apply(&w, obs, 2);
    const double tot = 2.0001;
    double m0 = 4.0 / tot, v0 = (1e-4 + 2.0 + 4.0 * 1e-4 * 2 / tot) / tot;
    cr_assert_float_eq(obs[0], (float)((1 - m0) / sqrt(v0 + 1e-8)), 1e-6f);
    cr_assert_float_eq(obs[2], (float)((3 - m0) / sqrt(v0 + 1e-8)), 1e-6f);
    /* frozen: statistics unchanged, normalisation with the old ones */
    w.update = false;
    double mean_before = w.rms.mean[1], count_before = w.rms.count;
    float o2[2] = {10, 20};
    env_norm_obs_apply(&w, o2, 1);
    cr_assert_eq(w.rms.mean[1], mean_before);
    cr_assert_eq(w.rms.count, count_before);
    cr_assert_float_eq(o2[1], (float)((20 - mean_before) / sqrt(w.rms.var[1] + 1e-8)), 1e-5f);
    /* transform never updates, and matches apply when frozen */
    float in[2] = {10, 20}, out[2];
    env_norm_obs_transform(&w, in, out, 1);
    cr_assert_arr_eq(out, o2, sizeof(out));
    env_norm_obs_free(&w);
}

Test(norm_obs, clip)
{
    env_norm_obs w;
    cr_assert_eq(env_norm_obs_init(&w, 1, 10.0f, NULL, 0), RL_OK);
    w.update = false;   /* mean 0, var 1 */
    float x[3] = {1000, -1000, 3};
    env_norm_obs_apply(&w, x, 3);
    cr_assert_eq(x[0], 10.0f);
    cr_assert_eq(x[1], -10.0f);
    cr_assert_float_eq(x[2], 3.0f, 1e-6f);
    env_norm_obs_free(&w);
    cr_assert_eq(env_norm_obs_init(&w, 1, -1.0f, NULL, 0), RL_ERR_ARG);
}

/* direct computation of NormalizeReward for N envs over a fixed sequence */
static void check_norm_reward(env_norm_reward_mode mode)
{
    enum { N = 3, T = 8 };
    const double gamma = 0.9;
    env_norm_reward w;
    char err[128];
    cr_assert_eq(env_norm_reward_init(&w, N, gamma, 0.0f, mode, err, sizeof(err)), RL_OK, "%s", err);
    double G[N] = {0}, mean = 0, var = 1, count = 1e-4;
    for (int t = 0; t < T; t++) {
        float r[N];
        bool term[N], trunc[N];
        for (int i = 0; i < N; i++) {
            r[i] = (float)(1 + i) * (t % 3 == 0 ? -1.0f : 0.5f) + 0.1f * (float)t;
            term[i] = (t == 3 && i == 0) || (t == 5 && i == 2);
            trunc[i] = (t == 4 && i == 1);
        }
        float raw[N];
        memcpy(raw, r, sizeof(raw));
        env_norm_reward_apply(&w, r, term, trunc);
        /* reference */
        for (int i = 0; i < N; i++)
            G[i] = mode == ENV_NORM_REWARD_GYMNASIUM ? G[i] * gamma * (term[i] ? 0.0 : 1.0) + raw[i]
                                                     : G[i] * gamma + raw[i];
        double bm = 0, bv = 0;
        for (int i = 0; i < N; i++) bm += (float)G[i];
        bm /= N;
        for (int i = 0; i < N; i++) bv += ((float)G[i] - bm) * ((float)G[i] - bm);
        bv /= N;
        double delta = bm - mean, tot = count + N;
        mean += delta * N / tot;
        var = (var * count + bv * N + delta * delta * count * N / tot) / tot;
        count = tot;
        for (int i = 0; i < N; i++) {
            cr_assert_float_eq(r[i], (float)(raw[i] / sqrt(var + 1e-8)), 1e-5f, "t=%d i=%d", t, i);
            if (mode == ENV_NORM_REWARD_SB3 && (term[i] || trunc[i])) G[i] = 0;
            cr_assert_float_eq(w.G[i], G[i], 1e-9, "accumulator t=%d i=%d", t, i);
        }
    }
    /* Gymnasium keeps G across a truncation, SB3 zeroes it */
    if (mode == ENV_NORM_REWARD_SB3) cr_assert_eq(w.G[1], G[1]);
    cr_assert_float_eq(w.rms.var[0], var, 1e-9);
    env_norm_reward_free(&w);
}

Test(norm_reward, gymnasium_accumulator)
{
    check_norm_reward(ENV_NORM_REWARD_GYMNASIUM);
}

Test(norm_reward, sb3_accumulator)
{
    check_norm_reward(ENV_NORM_REWARD_SB3);
}

Test(norm_reward, truncation_does_not_reset_g_in_gymnasium_mode)
{
    env_norm_reward w;
    env_norm_reward_init(&w, 1, 0.5, 0.0f, ENV_NORM_REWARD_GYMNASIUM, NULL, 0);
    float r[1] = {2};
    bool f[1] = {false}, t[1] = {true};
    env_norm_reward_apply(&w, r, f, t);   /* truncated: G = 2 */
    r[0] = 2;
    env_norm_reward_apply(&w, r, f, f);   /* G = 2 * 0.5 + 2 = 3 */
    cr_assert_eq(w.G[0], 3.0);
    r[0] = 1;
    env_norm_reward_apply(&w, r, t, f);   /* terminated: G = 3 * 0.5 * 0 + 1 = 1 */
    cr_assert_eq(w.G[0], 1.0);
    env_norm_reward_reset(&w);
    cr_assert_eq(w.G[0], 0.0);
    env_norm_reward_free(&w);
}

Test(norm_reward, frozen_and_clipped)
{
    env_norm_reward w;
    env_norm_reward_init(&w, 2, 0.99, 10.0f, ENV_NORM_REWARD_SB3, NULL, 0);
    bool f[2] = {false, false};
    float r[2] = {3, -4};
    env_norm_reward_apply(&w, r, f, f);
    double var = w.rms.var[0], count = w.rms.count;
    cr_assert_neq(var, 1.0);
    w.update = false;
    float r2[2] = {1e6f, 0.5f};
    env_norm_reward_apply(&w, r2, f, f);
    cr_assert_eq(w.rms.var[0], var, "frozen statistics");
    cr_assert_eq(w.rms.count, count);
    cr_assert_eq(r2[0], 10.0f, "clipped");
    cr_assert_float_eq(r2[1], (float)(0.5 / sqrt(var + 1e-8)), 1e-6f);
    /* export the return statistics and import them into a fresh wrapper */
    float buf[3];
    env_rms_export(&w.rms, buf);
    env_norm_reward w2;
    env_norm_reward_init(&w2, 2, 0.99, 10.0f, ENV_NORM_REWARD_SB3, NULL, 0);
    cr_assert_eq(env_rms_import(&w2.rms, buf, NULL, 0), RL_OK);
    cr_assert_float_eq(w2.rms.var[0], var, 1e-6 * var);
    env_norm_reward_free(&w);
    env_norm_reward_free(&w2);
    cr_assert_eq(env_norm_reward_init(&w, 2, 1.5, 0.0f, ENV_NORM_REWARD_SB3, NULL, 0), RL_ERR_ARG);
}

Test(clip_action, box_and_discrete)
{
    const env_def *pd = env_find("Pendulum-v1");
    float a[3] = {-5, 1.5f, 7}, out[3];
    env_clip_action(&pd->act_space, a, out, 3);
    cr_assert_eq(out[0], -2.0f);
    cr_assert_eq(out[1], 1.5f);
    cr_assert_eq(out[2], 2.0f);
    env_clip_action(&pd->act_space, a, a, 3);   /* in place */
    cr_assert_arr_eq(a, out, sizeof(out));
    const env_def *cp = env_find("CartPole-v1");
    float d[2] = {1, 0}, dout[2];
    env_clip_action(&cp->act_space, d, dout, 2);
    cr_assert_arr_eq(d, dout, sizeof(d));
}

Test(episode_stats, ring_buffer_means)
{
    env_episode_stats s;
    cr_assert_eq(env_episode_stats_init(&s, 3, 1, NULL, 0), RL_OK);
    cr_assert_eq(env_episode_stats_count(&s), 0);
    cr_assert_eq(env_episode_stats_mean_return(&s), 0.0);
    env_episode_stats_add(&s, 10, 1, 0);
    env_episode_stats_add(&s, 20, 2, 0);
    cr_assert_eq(env_episode_stats_mean_return(&s), 15.0);
    env_episode_stats_add(&s, 30, 3, 0);
    env_episode_stats_add(&s, 40, 10, 0);   /* drops the oldest (10) */
    cr_assert_eq(env_episode_stats_count(&s), 3);
    cr_assert_eq(s.total, 4);
    cr_assert_eq(env_episode_stats_mean_return(&s), 30.0);
    cr_assert_float_eq(env_episode_stats_mean_length(&s), 5.0, 1e-12);
    env_episode_stats_free(&s);
}

Test(episode_stats, records_vector_env_episodes)
{
    env_vec v;
    char err[128];
    cr_assert_eq(env_vec_make(&v, "CartPole-v1", 4, 0, err, sizeof(err)), RL_OK);
    env_episode_stats s;
    cr_assert_eq(env_episode_stats_init(&s, 100, 4, NULL, 0), RL_OK);
    env_vec_reset(&v, 1);
    env_episode_stats_start(&s);
    float act[4];
    double sum = 0;
    long lens = 0;
    int eps = 0;
    for (int t = 0; t < 300; t++) {
        for (int i = 0; i < 4; i++) act[i] = (float)((t / (i + 1)) & 1);
        env_vec_step(&v, act);
        int k = env_episode_stats_record_vec(&s, &v);
        for (int i = 0; i < 4; i++)
            if (v.terminated[i] || v.truncated[i]) {
                sum += v.ep_return[i];
                lens += v.ep_length[i];
                k--;
                eps++;
            }
        cr_assert_eq(k, 0, "returns the number of finished episodes");
    }
    cr_assert_gt(eps, 4);
    cr_assert_leq(eps, 100);
    cr_assert_eq(env_episode_stats_count(&s), eps);
    cr_assert_float_eq(env_episode_stats_mean_return(&s), sum / eps, 1e-9);
    cr_assert_float_eq(env_episode_stats_mean_length(&s), (double)lens / eps, 1e-9);
    cr_assert_geq(s.times[0], 0.0);
    env_episode_stats_free(&s);
    env_vec_free(&v);
}

/* ---- MaskVelocity ------------------------------------------------------------------------ */

/* CartPole's velocities (1, 3) are 0 in reset, step and final observations, and the positions are
 * those of the unmasked environment under the same seed and actions */
Test(mask_velocity, cartpole_hides_the_velocities_and_keeps_the_positions)
{
    enum { N = 3, STEPS = 60 };
    const env_def *def = env_find("CartPole-v1");
    cr_assert_not_null(def);
    env_vec plain, masked;
    env_vec_opts o = {.mask_velocity = true};
    cr_assert_eq(env_vec_make_def(&plain, def, N, NULL, NULL, 0), RL_OK);
    cr_assert_eq(env_vec_make_def(&masked, def, N, &o, NULL, 0), RL_OK);
    env_vec_reset(&plain, 7);
    env_vec_reset(&masked, 7);
    float act[N];
    int ended = 0;
    for (int s = 0; s < STEPS; s++) {
        for (int i = 0; i < N; i++) {
            const float *p = plain.obs + 4 * i, *m = masked.obs + 4 * i;
            cr_assert(m[1] == 0.0f && m[3] == 0.0f, "velocities hidden at step %d", s);
            cr_assert(p[1] != 0.0f || p[3] != 0.0f, "the plain env has velocities");
            cr_assert(m[0] == p[0] && m[2] == p[2], "positions kept at step %d", s);
            act[i] = (float)((s / 3 + i) % 2);
        }
        env_vec_step(&plain, act);
        env_vec_step(&masked, act);
        for (int i = 0; i < N; i++) {
            if (!(masked.terminated[i] || masked.truncated[i])) continue;
            ended++;
            cr_assert(masked.final_obs[4 * i + 1] == 0.0f && masked.final_obs[4 * i + 3] == 0.0f);
            cr_assert(masked.final_obs[4 * i] == plain.final_obs[4 * i]);
        }
    }
    cr_assert(ended > 0, "some episode ended, so final observations were checked");
    env_vec_free(&plain);
    env_vec_free(&masked);
}

/* the masks of the classic tasks: RL Zoo's indices, and Acrobot's angular velocities */
Test(mask_velocity, classic_indices)
{
    struct { const char *id; int dim; unsigned char want[6]; } c[] = {
        {"CartPole-v1", 4, {0, 1, 0, 1}},
        {"MountainCar-v0", 2, {0, 1}},
        {"MountainCarContinuous-v0", 2, {0, 1}},
        {"Pendulum-v1", 3, {0, 0, 1}},
        {"Acrobot-v1", 6, {0, 0, 0, 0, 1, 1}},
    };
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        unsigned char m[6];
        cr_assert_eq(env_velocity_mask(c[k].id, c[k].dim, m, NULL, 0), RL_OK, "%s", c[k].id);
        cr_assert_arr_eq(m, c[k].want, (size_t)c[k].dim, "%s", c[k].id);
        cr_assert_eq(env_space_dim(&env_find(c[k].id)->obs_space), c[k].dim);
    }
}

/* every masked MuJoCo task that is built in has the observation size its mask is for */
Test(mask_velocity, mujoco_masks_fit_the_registered_tasks)
{
    const char *ids[] = {"InvertedPendulum-v5", "InvertedDoublePendulum-v5", "Reacher-v5", "Swimmer-v5",
                         "Hopper-v5", "Hopper-v4", "HalfCheetah-v5", "HalfCheetah-v4", "Walker2d-v5",
                         "Walker2d-v4", "Ant-v5", "Ant-v4", "Humanoid-v5", "Humanoid-v4", "HumanoidStandup-v5",
                         "HumanoidStandup-v4", "Pusher-v5", "Pusher-v4"};
    unsigned char m[ENV_MAX_DIM];
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        const env_def *d = env_find(ids[k]);
        if (!d) continue;   /* a build without MuJoCo */
        int dim = env_space_dim(&d->obs_space), n = 0;
        char err[256];
        cr_assert_eq(env_velocity_mask(ids[k], dim, m, err, sizeof err), RL_OK, "%s: %s", ids[k], err);
        for (int i = 0; i < dim; i++) n += m[i];
        cr_assert(n > 0 && n < dim, "%s masks %d of %d", ids[k], n, dim);
    }
}

/* an environment without a known mask is refused, naming it and the ones that have one */
Test(mask_velocity, unknown_environment_is_refused)
{
    env_def d = *env_find("CartPole-v1");
    d.id = "NoVelocities-v0";
    env_vec v;
    env_vec_opts o = {.mask_velocity = true};
    char err[1200];
    cr_assert_eq(env_vec_make_def(&v, &d, 2, &o, err, sizeof err), RL_ERR_NOT_FOUND);
    cr_assert(strstr(err, "'NoVelocities-v0'") && strstr(err, "Pendulum-v1"), "%s", err);
    unsigned char m[8];
    cr_assert_eq(env_velocity_mask("CartPole-v1", 5, m, err, sizeof err), RL_ERR_NOT_FOUND);
    cr_assert(strstr(err, "CartPole-v1") && strstr(err, "5"), "%s", err);
}
