/* rlc fuzzing: what the libFuzzer targets in tests/fuzz/ share.
 *
 * Each target is built by `cmake -DRLC_FUZZ=ON` with clang, libFuzzer, AddressSanitizer and
 * UBSan; scripts/fuzz.sh builds and runs them (docs/fuzzing.md). A target aborts (a finding) on
 * a crash, a leak, undefined behaviour, or a broken property it checks with fuzz_require. */
#ifndef RLC_TESTS_FUZZ_COMMON_H
#define RLC_TESTS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

/* Writes the input to this process's scratch file (under $TMPDIR or /tmp) and returns its path,
 * for the loaders that read a path. */
const char *fuzz_write_input(const uint8_t *data, size_t size);

/* Aborts with a message (and the text that shows the problem) when cond is false. */
void fuzz_require(int cond, const char *what, const char *detail);

/* The resolved-config property: cfg's dump loads again without error and dumps to the same
 * text. Aborts otherwise. */
void fuzz_check_dump_reloads(const rl_config *cfg);

/* A scratch directory (under $TMPDIR or /tmp, rlc-fuzz-<tag>-XXXXXX; its path into dir) whose top
 * holds a link to every file of configs/ (so a seed's `base: ../ppo_cartpole.yaml` resolves) and
 * an empty folder sub/; input_path gets <dir>/<sub>/input.yaml, where the input goes. */
void fuzz_configs_scratch(const char *tag, const char *sub, char *dir, size_t dir_sz, char *input_path,
                          size_t input_sz);

#endif
