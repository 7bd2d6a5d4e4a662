/* rlc tests: every ready file under configs/ loads and creates its agent, and every ready
 * ablation under configs/ablations/ expands and validates all of its runs (config load and agent
 * creation for each variant), so a shipped file cannot rot unnoticed. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "research/ablation.h"
#include "agents/agent.h"
#include "core/config.h"
#include "envs/env.h"
#ifdef RLC_HAVE_MUJOCO
#include "envs/mujoco/mujoco_envs.h"
#endif

#define RLT_MAX_CONFIGS 256

static int yaml_files(const char *dir, char names[][256], int max)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0) continue;
        cr_assert_lt(n, max, "%s holds more than %d configs: raise RLT_MAX_CONFIGS", dir, max);
        snprintf(names[n++], 256, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    return n;
}

Test(ready_configs, every_config_loads_and_creates_its_agent)
{
    char files[RLT_MAX_CONFIGS][256];
    int n = yaml_files(RLC_SOURCE_DIR "/configs", files, RLT_MAX_CONFIGS);
    cr_assert_geq(n, 15, "only %d configs found", n);
    for (int i = 0; i < n; i++) {
        rl_config cfg;
        char err[1500];
        cr_assert_eq(rl_config_load(&cfg, files[i], NULL, 0, err, sizeof err), RL_OK, "%s", err);
        const env_def *def = env_find(cfg.env.id);
        cr_assert_not_null(def, "%s: env %s not registered", files[i], cfg.env.id);
        const agent_algo *a = agent_find(cfg.root.algo);
        cr_assert_not_null(a, "%s: algo %s", files[i], cfg.root.algo);
        void *agent = NULL;
        rl_status st = a->create(&agent, &cfg, &def->obs_space, &def->act_space, (int)cfg.env.num_envs, err, sizeof err);
        cr_assert_eq(st, RL_OK, "%s: %s", files[i], err);
        a->destroy(agent);
    }
}

Test(ready_configs, every_ready_ablation_validates)
{
    char files[32][256];
    int n = yaml_files(RLC_SOURCE_DIR "/configs/ablations", files, 32);
    cr_assert_geq(n, 7, "only %d ablations found", n);
    for (int i = 0; i < n; i++) {
        ablation ab;
        char err[1500];
        cr_assert_eq(ablation_load(&ab, files[i], NULL, 0, err, sizeof err), RL_OK, "%s", err);
        cr_assert_geq(ablation_n_variants(&ab), 2, "%s", files[i]);
        cr_assert_eq(ablation_validate(&ab, err, sizeof err), RL_OK, "%s: %s", files[i], err);
    }
}

#ifdef RLC_HAVE_MUJOCO
static bool is_mujoco(const env_def *def)
{
    int n;
    const env_def *const *defs = env_mujoco_defs(&n);
    for (int i = 0; i < n; i++)
        if (defs[i] == def) return true;
    return false;
}

/* the MuJoCo ready configs (configs/ and configs/zoo/) show progress while they train: an
 * evaluation at least every 25k steps (and at least 10 of them in a run) and a progress line at
 * least every 10k steps */
static int check_mujoco_cadence(const char *dir)
{
    char files[RLT_MAX_CONFIGS][256];
    int n = yaml_files(dir, files, RLT_MAX_CONFIGS), checked = 0;
    for (int i = 0; i < n; i++) {
        rl_config cfg;
        char err[1500];
        cr_assert_eq(rl_config_load(&cfg, files[i], NULL, 0, err, sizeof err), RL_OK, "%s", err);
        const env_def *def = env_find(cfg.env.id);
        if (!def || !is_mujoco(def)) continue;
        checked++;
        int64_t total = cfg.root.total_steps, ev = cfg.log.eval_interval, lg = cfg.log.log_interval;
        cr_assert(ev > 0 && ev <= 25000 && total / ev >= 10, "%s: eval_interval %lld over %lld steps", files[i],
                  (long long)ev, (long long)total);
        cr_assert(lg <= 10000, "%s: log_interval %lld", files[i], (long long)lg);
        cr_assert(cfg.log.eval_episodes >= 3 && cfg.log.eval_episodes <= 10, "%s: eval_episodes %lld", files[i],
                  (long long)cfg.log.eval_episodes);
    }
    return checked;
}

Test(ready_configs, mujoco_configs_evaluate_and_log_while_training)
{
    int n = check_mujoco_cadence(RLC_SOURCE_DIR "/configs") + check_mujoco_cadence(RLC_SOURCE_DIR "/configs/zoo");
    cr_assert_geq(n, 30, "only %d MuJoCo configs found", n);
}
#endif
