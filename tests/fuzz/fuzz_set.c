/* rlc fuzzing: --set overrides, then the dump and its reload.
 *
 * Each line of the input is one `--set key=value` argument (at most 16), applied on top of a
 * fixed base config that has sections, a loss given by name (so `losses.value.delta=2` turns it
 * into a mapping), a list and an aux list to graft into. Checks: no crash, leak or undefined
 * behaviour, and every config that loads dumps to YAML that reloads to the same dump. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "tests/fuzz/fuzz_common.h"

#define MAX_SETS 16

static const char *base =
    "algo: ppo\n"
    "seed: 1\n"
    "env: {id: CartPole-v1, num_envs: 4}\n"
    "network:\n  hidden: [64, 64]\n  shared: true\n"
    "ppo: {learning_rate: 2.5e-4, num_steps: 128}\n"
    "losses:\n  value: huber\n  policy: {name: ppo_clip, clip: 0.2}\n"
    "aux:\n  - {head: reward_prediction, loss: huber, weight: 0.1}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rl_config cfg;
    char err[1024];
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    /* one argument per line; argv strings hold no NUL, so a NUL ends the input */
    const char *sets[MAX_SETS];
    int n = 0;
    for (char *line = text, *next; line && *line && n < MAX_SETS; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        sets[n++] = line;
    }
    if (rl_config_load_string(&cfg, base, "base.yaml", sets, n, err, sizeof err) == RL_OK)
        fuzz_check_dump_reloads(&cfg);
    else fuzz_require(err[0] != '\0', "an error without a message", NULL);
    free(text);
    return 0;
}
