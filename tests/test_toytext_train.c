/* rlc tests: training on the toy-text environments (Discrete observations, one-hot encoded for the
 * agent by train/trainer_env.h): DQN and PPO learn FrozenLake-v1 4x4 without slipping (the zoo's
 * configs, small budgets), on most of seeds 1-3. No exact trajectory is asserted. */
#include <criterion/criterion.h>

#include "train/trainer.h"
#include "tests/helpers/testutil.h"

#define ZOO RLC_SOURCE_DIR "/configs/zoo/"

/* configs/zoo/dqn_frozenlake_v1_nonslippery.yaml cut to 5k steps (~0.5 s a seed): the greedy policy
 * walks the 6-move path to the goal (return 1.0) on most seeds */
Test(toytext_train, dqn_solves_frozen_lake_without_slipping)
{
    const char *sets[] = {"total_steps=5000", "log.eval_interval=0"};
    trainer_result runs[3];
    rlt_train_seeds(ZOO "dqn_frozenlake_v1_nonslippery.yaml", sets, 2, 3, runs, "fl_dqn", NULL, 0);
    rlt_assert_learns("DQN on FrozenLake-v1 (is_slippery false) in 5k steps", runs, 3, 2, 1.0);
}

/* configs/zoo/ppo_frozenlake_v1_nonslippery.yaml cut to 20k steps */
Test(toytext_train, ppo_solves_frozen_lake_without_slipping)
{
    const char *sets[] = {"total_steps=20000", "log.eval_interval=0"};
    trainer_result runs[3];
    rlt_train_seeds(ZOO "ppo_frozenlake_v1_nonslippery.yaml", sets, 2, 3, runs, "fl_ppo", NULL, 0);
    rlt_assert_learns("PPO on FrozenLake-v1 (is_slippery false) in 20k steps", runs, 3, 2, 1.0);
}
