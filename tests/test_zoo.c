/* rlc tests: the zoo (configs/zoo/, docs/zoo.md): every config loads, builds its agent and
 * trains a few hundred steps (at least one update of each agent), so a shipped recipe cannot rot.
 * Buffers and budgets are shrunk by overrides; every other key is the file's own. Also checks that
 * the zoo covers what docs/zoo.md promises: PPO on every registered environment, SAC on every
 * MuJoCo one, TD3 and DDPG on Pendulum, HalfCheetah, Hopper and Walker2d, DQN, QR-DQN and C51 on
 * every discrete classic task, PPO and DQN on FrozenLake-v1, Taxi-v3 and CliffWalking-v1, DQN, PPO
 * and A2C on the five MinAtar -v1 games, QR-DQN and C51 on MinAtar Breakout and SpaceInvaders. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/trainer.h"
#include "core/config.h"
#include "envs/env.h"
#include "tests/helpers/testutil.h"

#define ZOO_DIR RLC_SOURCE_DIR "/configs/zoo"
#define ZOO_MAX 256

static int zoo_files(char names[][256])
{
    DIR *d = opendir(ZOO_DIR);
    cr_assert_not_null(d, "cannot open %s", ZOO_DIR);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0) {
            cr_assert_lt(n, ZOO_MAX, "more than %d configs in %s: raise ZOO_MAX", ZOO_MAX, ZOO_DIR);
            snprintf(names[n++], 256, "%s/%s", ZOO_DIR, e->d_name);
        }
    }
    closedir(d);
    return n;
}

/* An off-policy agent's overrides, found through its registered sections: the section with a
 * learning_starts key starts learning at step 100 with a buffer of 1000 and batches of 32 (dqn: for DQN, QR-DQN and
 * C51, sac:, td3:, ...); returns their count (0 for an agent without replay) */
static int replay_sets(const char *algo, char sets[][64])
{
    const rl_config_algo *a = rl_config_find_algo(algo);
    cr_assert_not_null(a, "algo %s is not registered", algo);
    for (const rl_config_section *const *s = a->sections; s && *s; s++)
        for (int f = 0; f < (*s)->n; f++)
            if (strcmp((*s)->fields[f].key, "learning_starts") == 0) {
                snprintf(sets[0], 64, "%s.learning_starts=100", (*s)->key);
                snprintf(sets[1], 64, "%s.buffer_size=1000", (*s)->key);
                snprintf(sets[2], 64, "%s.batch_size=32", (*s)->key);   /* the updates run, cheaply */
                return 3;
            }
    return 0;
}

/* the overrides that make a config train a few hundred steps with at least one update */
static int small_sets(const rl_config *cfg, char sets[][64])
{
    int n = 0;
    snprintf(sets[n++], 64, "log.eval_episodes=1");
    snprintf(sets[n++], 64, "log.eval_interval=0");
    snprintf(sets[n++], 64, "log.checkpoint_interval=0");
    snprintf(sets[n++], 64, "log.progress=false");
    snprintf(sets[n++], 64, "stop.reward_threshold=none");   /* the stop rules need evaluations */
    snprintf(sets[n++], 64, "stop.patience=0");               /* during training, off above */
    if (strncmp(cfg->env.id, "HumanoidStandup", 15) == 0)   /* never ends: a short final evaluation */
        snprintf(sets[n++], 64, "env.max_episode_steps=100");
    const char *algo = cfg->root.algo;
    long long steps = 400;
    if (strcmp(algo, "ppo") == 0) {
        steps = RLT_I64(cfg, "ppo.num_steps") * cfg->env.num_envs;   /* one rollout and its update */
        if (steps > 16384) {   /* BipedalWalker's 32 x 2048: a shorter rollout, one epoch */
            snprintf(sets[n++], 64, "ppo.num_steps=%lld", 16384LL / cfg->env.num_envs);
            snprintf(sets[n++], 64, "ppo.update_epochs=1");
            steps = 16384LL / cfg->env.num_envs * cfg->env.num_envs;
        }
        const env_def *d = env_find(cfg->env.id);
        if (d && d->obs_space.rank == 3 && d->obs_space.dim > 4096) {   /* CarRacing's 96 x 96 x 3 frames */
            snprintf(sets[n++], 64, "ppo.num_steps=4");   /* 4 steps of each copy, one minibatch */
            snprintf(sets[n++], 64, "ppo.num_minibatches=1");
            snprintf(sets[n++], 64, "ppo.update_epochs=1");
            snprintf(sets[n++], 64, "env.max_episode_steps=50");   /* a short final evaluation */
            steps = 4LL * cfg->env.num_envs;
        }
    } else if (strcmp(algo, "a2c") == 0) {
        steps = 4 * RLT_I64(cfg, "a2c.num_steps") * cfg->env.num_envs;
    } else {
        n += replay_sets(algo, sets + n);
    }
    snprintf(sets[n++], 64, "total_steps=%lld", steps);
    return n;
}

static void train_small(const char *file)
{
    rl_config *cfg = malloc(sizeof *cfg);
    char err[1500], sets[12][64];
    cr_assert_eq(rl_config_load(cfg, file, NULL, 0, err, sizeof err), RL_OK, "%s", err);
#ifndef RLC_HAVE_MUJOCO
    if (strstr(file, "_v4.yaml") || strstr(file, "_v5.yaml")) {   /* a MuJoCo task, not built here */
        free(cfg);
        return;
    }
#endif
#ifndef RLC_HAVE_BOX2D
    if (strstr(file, "lunarlander") || strstr(file, "bipedalwalker") || strstr(file, "carracing")) {   /* Box2D */
        free(cfg);
        return;
    }
#endif
    cr_assert_not_null(env_find(cfg->env.id), "%s: env %s is not registered", file, cfg->env.id);
    int n = small_sets(cfg, sets);
    const char *ptr[12];
    for (int i = 0; i < n; i++) ptr[i] = sets[i];
    cr_assert_eq(rl_config_load(cfg, file, ptr, n, err, sizeof err), RL_OK, "%s: %s", file, err);
    char dir[256];
    rlt_tmp_mkdir(dir, sizeof dir, "zoo");
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    rl_status st = trainer_run(cfg, &o, &res, err, sizeof err);
    cr_assert_eq(st, RL_OK, "%s: %s", file, err);
    cr_assert_geq(res.steps, cfg->root.total_steps, "%s: %lld steps", file, (long long)res.steps);
    cr_assert(isfinite(res.eval_mean), "%s: evaluation %g", file, res.eval_mean);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    free(cfg);
}

Test(zoo, every_config_trains_a_few_hundred_steps)
{
    static char files[ZOO_MAX][256];
    int n = zoo_files(files);
    cr_assert_geq(n, 40, "only %d zoo configs found", n);
    for (int i = 0; i < n; i++) train_small(files[i]);
}

/* the file <algo>_<env id in lower case, '-' as '_'>.yaml exists and trains that algo on that env */
static void expect_pair(const char *algo, const char *env_id)
{
    char stem[128], path[400];
    snprintf(stem, sizeof stem, "%s", env_id);
    for (char *c = stem; *c; c++)
        *c = *c == '-' || *c == '/' ? '_' : (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    snprintf(path, sizeof path, "%s/%s_%s.yaml", ZOO_DIR, algo, stem);
    rl_config *cfg = malloc(sizeof *cfg);
    char err[1500];
    cr_assert_eq(rl_config_load(cfg, path, NULL, 0, err, sizeof err), RL_OK, "no zoo config for %s on %s: %s", algo,
                 env_id, err);
    cr_assert_str_eq(cfg->root.algo, algo, "%s", path);
    cr_assert_str_eq(cfg->env.id, env_id, "%s", path);
    free(cfg);
}

Test(zoo, covers_every_registered_environment)
{
    static const char *mujoco[] = {"InvertedPendulum-v5", "InvertedDoublePendulum-v5", "Reacher-v5", "Pusher-v5",
                                   "Swimmer-v5", "Hopper-v5", "HalfCheetah-v5", "Walker2d-v5", "Ant-v5",
                                   "Humanoid-v5", "HumanoidStandup-v5", "Pusher-v4", "Hopper-v4", "HalfCheetah-v4",
                                   "Walker2d-v4", "Ant-v4", "Humanoid-v4", "HumanoidStandup-v4"};
    static const char *classic[] = {"CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0",
                                    "Pendulum-v1"};
    static const char *discrete[] = {"CartPole-v1", "Acrobot-v1", "MountainCar-v0"};
    static const char *value_agents[] = {"dqn", "qrdqn", "c51"};
    static const char *toytext[] = {"FrozenLake-v1", "Taxi-v3", "CliffWalking-v1"};
    static const char *minatar[] = {"MinAtar/Asterix-v1", "MinAtar/Breakout-v1", "MinAtar/Freeway-v1",
                                    "MinAtar/Seaquest-v1", "MinAtar/SpaceInvaders-v1"};
    for (size_t i = 0; i < sizeof minatar / sizeof minatar[0]; i++) {   /* with the minatar encoder */
        expect_pair("dqn", minatar[i]);
        expect_pair("ppo", minatar[i]);
        expect_pair("a2c", minatar[i]);
    }
    expect_pair("qrdqn", "MinAtar/Breakout-v1");
    expect_pair("qrdqn", "MinAtar/SpaceInvaders-v1");
    expect_pair("c51", "MinAtar/Breakout-v1");
    expect_pair("c51", "MinAtar/SpaceInvaders-v1");
    for (size_t i = 0; i < sizeof classic / sizeof classic[0]; i++) expect_pair("ppo", classic[i]);
    for (size_t i = 0; i < sizeof toytext / sizeof toytext[0]; i++) {
        expect_pair("ppo", toytext[i]);
        expect_pair("dqn", toytext[i]);
    }
    for (size_t i = 0; i < sizeof discrete / sizeof discrete[0]; i++)
        for (int a = 0; a < 3; a++) expect_pair(value_agents[a], discrete[i]);
    expect_pair("td3", "Pendulum-v1");
    expect_pair("ddpg", "Pendulum-v1");
    expect_pair("dqn", "BitFlipping-v0");   /* the goal tasks, with hindsight experience replay */
    expect_pair("sac", "PointGoal-v0");
    expect_pair("td3", "PointGoal-v0");
    expect_pair("iqn", "CartPole-v1");
#ifdef RLC_HAVE_BOX2D
    expect_pair("ppo", "LunarLander-v3");
    expect_pair("dqn", "LunarLander-v3");
    expect_pair("ppo", "LunarLanderContinuous-v3");
    expect_pair("ppo", "BipedalWalker-v3");
    expect_pair("ppo", "CarRacing-v3");
#endif
#ifdef RLC_HAVE_MUJOCO
    for (size_t i = 0; i < sizeof mujoco / sizeof mujoco[0]; i++) {
        expect_pair("ppo", mujoco[i]);
        expect_pair("sac", mujoco[i]);
    }
    static const char *td3_tasks[] = {"HalfCheetah-v5", "Hopper-v5", "Walker2d-v5", "HalfCheetah-v4", "Hopper-v4",
                                      "Walker2d-v4"};
    for (size_t i = 0; i < sizeof td3_tasks / sizeof td3_tasks[0]; i++) {
        expect_pair("td3", td3_tasks[i]);
        expect_pair("ddpg", td3_tasks[i]);
    }
#else
    (void)mujoco;
#endif
}
