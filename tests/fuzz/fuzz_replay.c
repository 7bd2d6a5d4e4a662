/* rlc fuzzing: replay buffer files (replay.safetensors, written when an off-policy run is
 * interrupted), from bytes to a buffer that is sampled.
 *
 * The input is written to a file and read the way `rlc train --resume` reads it
 * (offp_replay_load) into a buffer of the sizes the file's own metadata names, when they are
 * small (at most 4096 transitions, 64 observation and action values, 16 env copies); n-step
 * length 1 to 3 from the input's size. A file of another step is read again at its own step.
 * Checks: no crash, leak or undefined behaviour; every error has a message; a buffer that loads
 * holds at most its capacity, can be sampled (and its priorities updated) when it has valid
 * slots, and takes new rows. Seeds: the buffers of interrupted tiny DQN and SAC runs, made by
 * scripts/fuzz.sh. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "algos/offpolicy.h"
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

/* what a loaded buffer must allow: sampling, priority updates, new rows */
static void use_buffer(replay_buffer *b)
{
    fuzz_require(replay_buffer_valid(b) <= b->cfg.capacity, "more valid slots than the capacity", NULL);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_input(data, size);
    replay_config c;
    replay_config_default(&c);
    if (!file_sizes(path, &c)) return 0;
    c.n_step = 1 + (int)(size % 3);
    char err[1024] = "";
    replay_buffer b;
    if (replay_buffer_init(&b, &c, err, sizeof err) != RL_OK) return 0;   /* fewer rows than n_step */
    int64_t file_step = -1;
    rl_status st = offp_replay_load(&b, path, 0, &file_step, err, sizeof err);
    if (st == RL_OK && file_step != 0) st = offp_replay_load(&b, path, file_step, &file_step, err, sizeof err);
    fuzz_require(st == RL_OK || err[0] != '\0', "a replay file was refused without a message", NULL);
    if (st == RL_OK) use_buffer(&b);
    replay_buffer_free(&b);
    return 0;
}
