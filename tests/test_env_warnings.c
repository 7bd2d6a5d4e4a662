/* rlc tests: numerical trouble is counted by the envs and reaches the trainer's report. */
#include <criterion/criterion.h>
#include <math.h>

#include "envs/env.h"

#ifdef RLC_HAVE_MUJOCO
Test(env_warnings, mujoco_counts_trouble)
{
    env_instance e;
    char err[512];
    cr_assert_eq(env_make(&e, "Hopper-v5", 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_not_null(e.def->warnings, "MuJoCo tasks report their warnings");
    float obs[64], act[3] = {0.1f, -0.2f, 0.3f}, r;
    bool term, trunc;
    env_reset(&e, 1, obs);
    for (int i = 0; i < 50; i++) env_step(&e, act, obs, &r, &term, &trunc);
    cr_assert_eq(e.def->warnings(e.state), 0u, "warnings on a calm trajectory");
    act[1] = NAN;   /* a non-finite action is counted (and replaced by 0) */
    env_step(&e, act, obs, &r, &term, &trunc);
    cr_assert_geq(e.def->warnings(e.state), 1u);
    for (int i = 0; i < 11; i++) cr_assert(isfinite(obs[i]));
    env_close(&e);
}
#endif

Test(env_warnings, classic_envs_have_no_counter)
{
    env_instance e;
    char err[512];
    cr_assert_eq(env_make(&e, "CartPole-v1", 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_null(e.def->warnings);
    env_close(&e);
}
