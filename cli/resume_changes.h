/* rlc cli: what `rlc train --resume RUN_DIR --set ...` changes in the run's config. */
#ifndef RLC_CLI_RESUME_CHANGES_H
#define RLC_CLI_RESUME_CHANGES_H

#include <stdbool.h>

#include "core/config.h"

/* Compares cfg (the run's config with the --set overrides) with run_config_path (the run's
 * config.yaml as it is). A different algo is refused: false after printing why. Otherwise
 * *changes is NULL when nothing changed, or a malloc'ed text of one "key: old -> new" line per
 * changed key (the caller frees it), which is also printed. */
bool train_resume_changes(const char *run_dir, const char *run_config_path, const rl_config *cfg, char **changes);

#endif
