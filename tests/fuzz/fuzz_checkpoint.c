/* rlc fuzzing: checkpoints, from bytes to a loaded agent.
 *
 * The input is written to a file and read the way `rlc eval` and `rlc train --resume` read a
 * checkpoint: nn_safetensors_open (header length, JSON header, dtypes, shapes, offsets), its
 * metadata, the resolved config it carries (the YAML config parser again), then the agent that
 * config names is created and loads its weights and training state from the file. Checks: no
 * crash, leak or undefined behaviour on any bytes; every error has a message.
 *
 * Two things the real path does are left out on purpose: an env.plugin is never loaded (that
 * would run the file's choice of code), and an agent whose config asks for more than a small
 * budget of memory (below) is not created, so the fuzzer explores the loaders instead of
 * allocating; the size limits themselves are the business of the agents' own checks. Seeds:
 * checkpoints of tiny runs of each algorithm, made by scripts/fuzz.sh. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addons/aux.h"
#include "agents/agent.h"
#include "core/config.h"
#include "envs/env.h"
#include "nn/nn.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int list_fits(const rl_int_list *l, int64_t max)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i] > max) return 0;
    return 1;
}

static int losses_fit(const rl_loss_cfg *l)
{
    for (int i = 0; i < l->n_kv; i++)
        if (l->vals[i] > 1024) return 0;   /* atoms, quantiles, ... */
    return 1;
}

static int64_t key_i64(const rl_config *c, const char *key) { return *(const int64_t *)rl_config_get(c, key); }

/* whether creating cfg's agent stays within a few tens of MB */
static int fits_budget(const rl_config *c)
{
    int64_t envs = c->env.num_envs;
    if (envs > 16 || !list_fits(&c->network.hidden, 256) ||
        !list_fits(rl_config_get(c, "exploration.hidden"), 256)) return 0;
    if (key_i64(c, "exploration.feature_dim") > 256 || key_i64(c, "dqn.n_quantiles") > 256) return 0;
    if (key_i64(c, "ppo.num_steps") * envs > 4096 || key_i64(c, "a2c.num_steps") * envs > 4096) return 0;
    if (key_i64(c, "dqn.buffer_size") > 10000 || key_i64(c, "sac.buffer_size") > 10000) return 0;
    if (key_i64(c, "dqn.batch_size") > 512 || key_i64(c, "sac.batch_size") > 512) return 0;
    if (key_i64(c, "reinforce.episodes_per_update") > 16 || key_i64(c, "reinforce.max_episode_steps") > 2000) return 0;
    if (c->env.max_episode_steps > 2000) return 0;
    static const char *const losses[] = {"losses.policy", "losses.value", "losses.entropy", "losses.td",
                                         "losses.quantile", "losses.c51", "losses.critic"};
    for (int i = 0; i < RL_ARRAY_LEN(losses); i++)
        if (!losses_fit(rl_config_get(c, losses[i]))) return 0;
    const aux_cfg *ac = aux_cfg_of(c);
    for (int i = 0; i < ac->n; i++)
        if (ac->heads[i].hidden > 256 || ac->heads[i].dim > 256 || !losses_fit(&ac->heads[i].loss)) return 0;
    return 1;
}

/* the agent part of the load: create the agent the config names and load the file into it */
static void load_agent(const rl_config *cfg, nn_safetensors *f)
{
    char err[1024] = "";
    const agent_algo *algo = agent_find(cfg->root.algo);
    const env_def *def = env_find(cfg->env.id);
    if (!algo || !def || cfg->env.plugin[0] || !fits_budget(cfg)) return;
    void *agent = NULL;
    rl_status st = algo->create(&agent, cfg, &def->obs_space, &def->act_space, (int)cfg->env.num_envs, err, sizeof err);
    fuzz_require(st == RL_OK || err[0], "agent create failed without a message", NULL);
    if (st != RL_OK) return;
    err[0] = '\0';
    st = algo->load(agent, f, true, err, sizeof err);
    fuzz_require(st == RL_OK || err[0], "agent load failed without a message", NULL);
    algo->destroy(agent);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rl_config cfg;
    char err[1024] = "";
    const char *path = fuzz_write_input(data, size);
    nn_safetensors *f = NULL;
    if (nn_safetensors_open(&f, path, err, sizeof err) != RL_OK) {
        fuzz_require(err[0] != '\0', "safetensors open failed without a message", NULL);
        return 0;
    }
    unsigned long long step;
    (void)nn_safetensors_meta_u64(f, "rlc.step", &step, err, sizeof err);
    const char *yaml = nn_safetensors_meta(f, "rlc.config");
    if (yaml && rl_config_load_string(&cfg, yaml, path, NULL, 0, err, sizeof err) == RL_OK) {
        fuzz_check_dump_reloads(&cfg);
        load_agent(&cfg, f);
    }
    nn_safetensors_close(f);
    return 0;
}
