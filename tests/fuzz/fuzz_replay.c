/* rlc fuzzing: replay buffer files (replay.safetensors, written when an off-policy run is
 * interrupted), from bytes to an agent that updates on the buffer.
 *
 * The input is written to a file and read the way `rlc train --resume` reads it
 * (offp_replay_load) when the sizes its own metadata names are small (at most 4096 transitions,
 * 64 observation and action values, 16 env copies); n-step length 1 to 3 from the input's size.
 * A file of another step is read again at its own step.
 *   - When the sizes are those of an off-policy agent on a classic-control env (DQN, QR-DQN or
 *     C51 on a Discrete env, with or without an inverse-dynamics head; SAC, uniform replay, on a
 *     Box env; chosen among the matches by the input's size), the file is restored into that
 *     agent's own buffer, so it is checked against the agent's action space as on a resume; a
 *     buffer that loads then takes one env step through the agent and runs the agent's updates
 *     (sampling, the losses indexed by the stored actions, priority updates).
 *   - Otherwise it is restored into a bare buffer of those sizes (continuous, unbounded actions),
 *     which is sampled, has its priorities updated and takes a new row.
 * Checks: no crash, leak, undefined behaviour or assertion (the DQN update asserts that each
 * replayed action indexes the Q-values); every error has a message; a loaded buffer holds at most
 * its capacity. Seeds: the buffers of interrupted tiny DQN and SAC runs, made by scripts/fuzz.sh. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/offpolicy.h"
#include "core/config.h"
#include "envs/env.h"
#include "train/offp_replay.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the buffer sizes the file names, when small enough; 0 otherwise */
static int file_sizes(const char *path, replay_config *c)
{
    nn_safetensors *f = NULL;
    char err[512];
    if (nn_safetensors_open(&f, path, err, sizeof err) != RL_OK) return 0;
    const char *keys[] = {"rlc.replay.capacity", "rlc.replay.n_envs", "rlc.replay.obs_dim", "rlc.replay.act_dim",
                          "rlc.replay.prioritized"};
    const unsigned long long max[] = {4096, 16, 64, 64, 1};
    unsigned long long v[5] = {0};
    int ok = 1;
    for (int i = 0; i < 5 && ok; i++) ok = nn_safetensors_meta_u64(f, keys[i], &v[i], err, sizeof err) == RL_OK && v[i] <= max[i];
    nn_safetensors_close(f);
    if (!ok || v[0] < 1 || v[1] < 1 || v[2] < 1 || v[3] < 1) return 0;
    c->capacity = (int64_t)v[0];
    c->n_envs = (int)v[1];
    c->obs_dim = (int)v[2];
    c->act_dim = (int)v[3];
    c->prioritized = v[4] == 1;
    return 1;
}

/* the file at path restored into b as a resume does (at step 0, or again at the file's own step);
 * false when refused */
static bool restore(replay_buffer *b, const char *path)
{
    char err[1024] = "";
    int64_t file_step = -1;
    rl_status st = offp_replay_load(b, path, 0, &file_step, err, sizeof err);
    if (st == RL_OK && file_step != 0) st = offp_replay_load(b, path, file_step, &file_step, err, sizeof err);
    fuzz_require(st == RL_OK || err[0] != '\0', "a replay file was refused without a message", NULL);
    if (st == RL_OK)
        fuzz_require(replay_buffer_valid(b) <= b->cfg.capacity, "more valid slots than the capacity", NULL);
    return st == RL_OK;
}

/* ---- a bare buffer --------------------------------------------------------------------------- */

/* what a loaded buffer must allow: sampling, priority updates, new rows */
static void use_buffer(replay_buffer *b)
{
    char err[256];
    replay_batch batch;
    fuzz_require(replay_batch_init(&batch, 8, b->cfg.obs_dim, b->cfg.act_dim, err, sizeof err) == RL_OK, err, NULL);
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    if (replay_buffer_valid(b) > 0) {
        replay_buffer_sample(b, &batch, 8, 0.4f, &rng);
        for (int k = 0; k < 8; k++) fuzz_require(isfinite(batch.weights[k]), "a non-finite importance weight", NULL);
        if (b->tree) replay_buffer_update_priorities(b, batch.idx, batch.returns, 8);
    }
    size_t N = (size_t)b->cfg.n_envs, D = (size_t)b->cfg.obs_dim, A = (size_t)b->cfg.act_dim;
    float *x = calloc(N * (2 * D + A + 1), sizeof(float));
    bool *flags = calloc(2 * N, sizeof(bool));
    /* obs (N, D), actions (N, A), rewards (N), next obs (N, D) */
    if (x && flags) replay_buffer_add(b, x, x + N * D, x + N * (D + A), x + N * (D + A + 1), flags, flags + N);
    free(x);
    free(flags);
    replay_batch_free(&batch);
}

static void bare_buffer(replay_config *c, const char *path)
{
    char err[1024];
    replay_buffer b;
    if (replay_buffer_init(&b, c, err, sizeof err) != RL_OK) return;   /* fewer rows than n_step */
    if (restore(&b, path)) use_buffer(&b);
    replay_buffer_free(&b);
}

/* ---- an agent's buffer ----------------------------------------------------------------------- */

static const char *const classic_envs[] = {"CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1",
                                           "MountainCarContinuous-v0"};

/* the classic env whose spaces fit a buffer of c's sizes (discrete: one action value), the pick-th
 * of those that do (modulo their count); NULL when none does */
static const env_def *matching_env(const replay_config *c, size_t pick)
{
    const env_def *fit[RL_ARRAY_LEN(classic_envs)];
    int n = 0;
    for (int i = 0; i < RL_ARRAY_LEN(classic_envs); i++) {
        const env_def *d = env_find(classic_envs[i]);
        if (!d || d->obs_space.dim != c->obs_dim || env_space_dim(&d->act_space) != c->act_dim) continue;
        if (d->act_space.kind == ENV_SPACE_BOX && c->prioritized) continue;   /* SAC samples uniformly */
        fit[n++] = d;
    }
    return n ? fit[pick % (size_t)n] : NULL;
}

/* a small agent config for def and a buffer of c's sizes; variant picks the DQN family member
 * and the head */
static void agent_yaml(char *out, size_t n, const env_def *def, const replay_config *c, size_t variant)
{
    if (def->act_space.kind == ENV_SPACE_BOX) {
        snprintf(out, n,
                 "algo: sac\nenv: {id: %s, num_envs: %d}\nnetwork: {hidden: [16]}\n"
                 "sac: {buffer_size: %lld, batch_size: 8, learning_starts: 0, n_step: %d}\n",
                 def->id, c->n_envs, (long long)c->capacity, c->n_step);
        return;
    }
    const char *algo[] = {"dqn", "qrdqn", "c51"};
    snprintf(out, n,
             "algo: %s\nenv: {id: %s, num_envs: %d}\nnetwork: {hidden: [16]}\n"
             "dqn: {buffer_size: %lld, batch_size: 8, learning_starts: 0, train_frequency: 1, n_step: %d, "
             "prioritized: %s, n_quantiles: 8, double_q: %s}\n"
             "losses: {c51: {name: c51, v_min: -10, v_max: 10, atoms: 11}}\n%s",
             algo[variant % 3], def->id, c->n_envs, (long long)c->capacity, c->n_step,
             c->prioritized ? "true" : "false", variant / 3 % 2 ? "true" : "false",
             variant / 6 % 2 ? "aux: [{head: inverse_dynamics, loss: cross_entropy, weight: 0.1}]\n" : "");
}

/* one env step through the agent (its buffer takes a row), then the updates of the next step */
static void step_and_learn(const agent_algo *algo, void *agent, const env_def *def, int n_envs, const replay_buffer *b)
{
    char err[512];
    env_vec v;
    fuzz_require(env_vec_make(&v, def->id, n_envs, 0, err, sizeof err) == RL_OK, err, NULL);
    env_vec_reset(&v, 1);
    float actions[16 * ENV_MAX_DIM];
    algo->act(agent, v.obs, n_envs, actions, true);
    env_vec_step(&v, actions);
    algo->observe(agent, &v);
    double stats[2 * AGENT_MAX_STATS];
    int64_t step = b->added_rows * n_envs;
    algo->learn(agent, &v, step, step + 1000, stats);
    env_vec_free(&v);
}

/* false when no agent fits the file's sizes (the bare buffer is used instead) */
static bool agent_buffer(const replay_config *c, const char *path, size_t size)
{
    const env_def *def = matching_env(c, size / 18);
    if (!def) return false;
    static rl_config cfg;
    char yaml[1024], err[1024] = "";
    agent_yaml(yaml, sizeof yaml, def, c, size / 3);
    fuzz_require(rl_config_load_string(&cfg, yaml, "fuzz_replay.yaml", NULL, 0, err, sizeof err) == RL_OK, err, yaml);
    const agent_algo *algo = agent_find(cfg.root.algo);
    void *agent = NULL;
    if (algo->create(&agent, &cfg, &def->obs_space, &def->act_space, c->n_envs, err, sizeof err) != RL_OK) {
        fuzz_require(err[0] != '\0', "agent create failed without a message", yaml);
        return true;   /* e.g. a capacity of fewer rows than n_step */
    }
    replay_buffer *b = algo->replay(agent);
    if (restore(b, path)) step_and_learn(algo, agent, def, c->n_envs, b);
    algo->destroy(agent);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_input(data, size);
    replay_config c;
    replay_config_default(&c);
    if (!file_sizes(path, &c)) return 0;
    c.n_step = 1 + (int)(size % 3);
    if (!agent_buffer(&c, path, size)) bare_buffer(&c, path);
    return 0;
}
