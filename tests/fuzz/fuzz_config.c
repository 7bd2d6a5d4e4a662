/* rlc fuzzing: the YAML config loader (rl_config_load on a file of the input's bytes).
 *
 * Checks: no crash, leak or undefined behaviour on any bytes, bounded time and memory (alias
 * bombs, deep nesting, huge documents hit the RL_CONFIG_MAX_* limits), and every config that
 * loads dumps to YAML that reloads to the same dump. Seeds: configs/ and tests/fuzz/corpus/. */
#include <stdint.h>
#include <stdlib.h>

#include "core/config.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rl_config cfg;
    char err[1024];
    const char *path = fuzz_write_input(data, size);
    if (rl_config_load(&cfg, path, NULL, 0, err, sizeof err) == RL_OK) fuzz_check_dump_reloads(&cfg);
    else fuzz_require(err[0] != '\0', "an error without a message", NULL);
    return 0;
}
