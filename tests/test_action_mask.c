/* Action masking: environments that publish the valid actions (env_def.action_mask), the vector
 * env's masks (after steps and autoresets), and the agents that use them. */
#include <criterion/criterion.h>
#include <string.h>

#include "envs/env.h"
#include "envs/toytext/toytext.h"

/* the mask Taxi's state s has, as bytes */
static void taxi_mask_bytes(int s, uint8_t out[6])
{
    int8_t m[6];
    env_taxi_action_mask(s, m);
    for (int a = 0; a < 6; a++) out[a] = (uint8_t)m[a];
}

/* every row of the vector env's masks is Taxi's mask of the row's state, after resets, steps and
 * autoresets; final_mask is the mask of the finished episode's last state */
Test(vec_mask, taxi_rows_follow_states)
{
    env_vec v;
    char err[256];
    cr_assert_eq(env_vec_make(&v, "Taxi-v3", 3, 20, err, sizeof err), RL_OK, "%s", err);
    cr_assert(env_vec_masked(&v));
    cr_assert_eq(v.n_actions, 6);
    env_vec_reset(&v, 7);
    rl_rng rng;
    rl_rng_seed(&rng, 3, 1);
    int done = 0;
    uint8_t want[6];
    for (int t = 0; t < 200; t++) {
        for (int i = 0; i < v.n; i++) {
            taxi_mask_bytes((int)v.obs[i], want);
            cr_assert_arr_eq(v.action_mask + 6 * i, want, 6, "step %d copy %d state %d", t, i, (int)v.obs[i]);
        }
        float act[3];
        for (int i = 0; i < 3; i++) act[i] = (float)rl_rng_below(&rng, 6);
        env_vec_step(&v, act);
        for (int i = 0; i < v.n; i++) {
            if (!(v.terminated[i] || v.truncated[i])) continue;
            done++;
            taxi_mask_bytes((int)v.final_obs[i], want);
            cr_assert_arr_eq(v.final_mask + 6 * i, want, 6, "final state %d", (int)v.final_obs[i]);
        }
    }
    cr_assert_gt(done, 10, "autoresets seen: %d", done);
    env_vec_free(&v);
}

Test(vec_mask, unmasked_env_has_none)
{
    env_vec v;
    char err[256];
    cr_assert_eq(env_vec_make(&v, "CartPole-v1", 2, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert(!env_vec_masked(&v));
    cr_assert_null(v.final_mask);
    env_vec_free(&v);
}
