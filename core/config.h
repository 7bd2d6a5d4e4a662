/* rlc core: typed run configuration loaded from YAML.
 *
 * rl_config_load reads a YAML file with libyaml, applies `--set section.key=value` overrides,
 * and fills an rl_config whose every field has a default (core/config_fields.h). Validation is
 * strict: an unknown key, a wrong type, an out-of-range value, a missing or malformed file each
 * return a status with a message naming the file (or the --set argument), the line and the key.
 * Loss names and their parameters are checked against the loss registry by the agent that uses
 * them, at init, before any step is taken. */
#ifndef RLC_CORE_CONFIG_H
#define RLC_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config_fields.h"
#include "core/status.h"

#define RL_STR_MAX 256
#define RL_LIST_MAX 8
#define RL_LOSS_MAX_KV 6

typedef char rl_str[RL_STR_MAX];

typedef struct {
    int n;
    int64_t v[RL_LIST_MAX];
} rl_int_list;

/* A loss chosen by name, with optional parameters: `value: huber` or
 * `value: {name: huber, delta: 2.0}`. `where` names its origin for error messages. */
typedef struct {
    char name[64];
    int n_kv;
    char keys[RL_LOSS_MAX_KV][32];
    double vals[RL_LOSS_MAX_KV];
    char where[RL_STR_MAX];
} rl_loss_cfg;

#define RL_CFG_X_DECL(S, ctype, name, type, dnum, dstr, lo, hi, choices, doc) ctype name;
#define RL_CFG_X_SECTION(field, key, list) struct { list(RL_CFG_X_DECL, field) } field;
typedef struct {
    RL_CONFIG_SECTIONS(RL_CFG_X_SECTION)
    char source[RL_STR_MAX];   /* the file the config came from ("" for defaults only) */
} rl_config;
#undef RL_CFG_X_SECTION

/* Fills every field with its default. */
void rl_config_default(rl_config *cfg);

/* Loads path (NULL = defaults only) and then applies the n_sets overrides "section.key=value"
 * (top-level keys have no section: "seed=3"). On error returns RL_ERR_IO (missing or unreadable
 * file), RL_ERR_PARSE (malformed YAML or a structure that is not a mapping of sections) or
 * RL_ERR_CONFIG (unknown key, wrong type, value out of range) with a message in err. */
rl_status rl_config_load(rl_config *cfg, const char *path, const char *const *sets, int n_sets,
                         char *err, size_t err_sz);

/* Loads a config from YAML text held in memory; `name` stands for the file in messages. */
rl_status rl_config_load_string(rl_config *cfg, const char *yaml, const char *name,
                                const char *const *sets, int n_sets, char *err, size_t err_sz);

/* Writes the resolved config (every field) as YAML; loading it again gives the same config. */
void rl_config_dump(const rl_config *cfg, FILE *out);
/* The dump as a malloc'ed string (caller frees). */
char *rl_config_dump_string(const rl_config *cfg);

/* Lists every section, key, type, default and doc (for `rlc train --help` and docs/configs.md). */
void rl_config_print_reference(FILE *out);

#endif
