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

static int yaml_files(const char *dir, char names[][256], int max)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0 && n < max)
            snprintf(names[n++], 256, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    return n;
}

Test(ready_configs, every_config_loads_and_creates_its_agent)
{
    char files[64][256];
    int n = yaml_files(RLC_SOURCE_DIR "/configs", files, 64);
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
