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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config_fields.h"
#include "core/status.h"

#define RL_STR_MAX 256
#define RL_LIST_MAX 8
#define RL_LOSS_MAX_KV 6

/* Limits on what the YAML parser accepts (config files, --set values, the config inside a
 * checkpoint; ablation and search files too), so that no data file can exhaust memory or time: a
 * file is read up to RL_CONFIG_MAX_BYTES; its text holds at most RL_CONFIG_MAX_NODES nodes and
 * aliases nested at most RL_CONFIG_MAX_DEPTH deep, refused at the first one past a limit as the
 * parser reaches it (core/yaml_load.h); and the tree a config builds, aliases (*name) expanded,
 * holds at most RL_CONFIG_MAX_NODES nodes and RL_CONFIG_MAX_BYTES bytes of text, nested at most
 * RL_CONFIG_MAX_DEPTH deep. A real config has a few hundred nodes. */
#define RL_CONFIG_MAX_BYTES (1 << 20)
#define RL_CONFIG_MAX_NODES 10000
#define RL_CONFIG_MAX_DEPTH 16

typedef char rl_str[RL_STR_MAX];

typedef struct {
    int n;
    int64_t v[RL_LIST_MAX];
} rl_int_list;

/* A loss chosen by name, with optional parameters: `value: huber` or
 * `value: {name: huber, delta: 2.0}`, and a loss from a plugin: `value: {name: my_loss, plugin:
 * my_loss.so}` (relative to the config file's directory, as env.plugin; loaded only for a config
 * the user names, never from a checkpoint: trainer_prepare_envs). `where` names its origin for
 * error messages. */
typedef struct {
    char name[64];
    int n_kv;
    char keys[RL_LOSS_MAX_KV][32];
    double vals[RL_LOSS_MAX_KV];
    char where[RL_STR_MAX];
    char plugin[RL_STR_MAX];   /* "" or the shared object that registers the loss */
} rl_loss_cfg;

/* Keyword arguments of the environment, `env.kwargs: {is_slippery: false, map_name: "8x8"}`, kept
 * as written: core does not know which environment takes which, so each value is its scalar's
 * text (a list of scalars, as FrozenLake's desc, joined with ','), checked against the
 * environment's declared arguments when it is made (envs/env_args.h). where[i] is "file:line" of
 * the key (or the --set argument), for the messages of that check. */
#define RL_KWARGS_MAX 16
#define RL_KWARG_KEY_MAX 48

typedef struct {
    int n;
    char keys[RL_KWARGS_MAX][RL_KWARG_KEY_MAX];
    char vals[RL_KWARGS_MAX][RL_STR_MAX];
    bool list[RL_KWARGS_MAX];      /* written as a list of scalars */
    char where[RL_KWARGS_MAX][RL_STR_MAX / 2];
} rl_kwargs;

/* bytes of rl_config that hold the sections the algorithms declare (rl_config_register_algos)
 * and those the add-ons declare (rl_config_register_addons) */
#define RL_CONFIG_ALGO_BYTES 12288
#define RL_CONFIG_ADDON_BYTES 8192
/* bytes of rl_config that hold the list an add-on declares (rl_config_register_list) */
#define RL_CONFIG_LIST_BYTES 10240

#define RL_CFG_X_DECL(S, ctype, name, type, dnum, dstr, lo, hi, choices, doc) ctype name;
#define RL_CFG_X_SECTION(field, key, list) struct { list(RL_CFG_X_DECL, field) } field;
typedef struct {
    RL_CONFIG_SECTIONS(RL_CFG_X_SECTION)
    char source[RL_STR_MAX];   /* the file the config came from ("" for defaults only) */
    /* the algorithms' own sections, laid out by rl_config_register_algos; read them through
     * rl_config_section (typed, by the algorithm) or rl_config_get (by key) */
    _Alignas(8) unsigned char algo_sections[RL_CONFIG_ALGO_BYTES];
    _Alignas(8) unsigned char addon_sections[RL_CONFIG_ADDON_BYTES];
    /* the top-level list an add-on declares (rl_config_register_list; empty by default) */
    _Alignas(8) unsigned char list_section[RL_CONFIG_LIST_BYTES];
    char env_id_where[RL_STR_MAX];   /* "file:line" (or "--set ...") of env.id; "" when defaulted */
} rl_config;
#undef RL_CFG_X_SECTION

/* ---- sections the algorithms declare -------------------------------------------------------
 * core/config_fields.h lists the sections every run has (env, network, log, ...). An algorithm's
 * own sections (its hyperparameters, its loss slots under `losses:`) are declared in the
 * algorithm's file with the same X-macro rows and reach the parser through
 * rl_config_register_algos, which the agent registry (agents/registry.c) calls before main():
 * core knows no algorithm's name. Loading, --set, the range checks, the dump, `rlc config` and
 * the error for a section of another algorithm treat them as they treat core's sections. */

#define RL_CFG_AUTO (-1)   /* an I64 `auto` before the load resolves it */

typedef enum { RL_CFG_I64, RL_CFG_F64, RL_CFG_BOOL, RL_CFG_STR, RL_CFG_LIST, RL_CFG_LOSS, RL_CFG_KWARGS } rl_cfg_type;

/* One key: its C offset in the section's struct, default (dnum, or dstr for strings, lists and
 * losses), inclusive range (lo, hi), choices ("a|b") and the line `rlc config` prints. An I64 key
 * whose choices are "auto" also takes the word auto, held as RL_CFG_AUTO until the load resolves
 * it: a thread count (key `threads`) becomes min(the usable CPUs of core/cpus.h, hi; for
 * env.threads also env.num_envs), and when the algorithm's check refuses its own resolved counts
 * above 1 (ppo.threads with a shared network) those become 1. A loaded config holds numbers only,
 * so its dump (a run's config.yaml, a checkpoint) records the count used. */
typedef struct {
    const char *key;
    rl_cfg_type type;
    size_t off;
    double dnum;
    const char *dstr;
    double lo, hi;
    const char *choices;
    const char *doc;
} rl_config_field;

/* One X-macro row (the format of core/config_fields.h) as an rl_config_field of struct S. */
#define RL_CFG_X_FIELD(S, ctype, name, type, dnum, dstr, lo, hi, choices, doc)                    \
    {#name, RL_CFG_##type, offsetof(S, name), (double)(dnum), dstr, (double)(lo), (double)(hi), choices, doc},

/* A section: the YAML key (several sections may share one, as the algorithms' loss slots share
 * `losses:`), its keys and the size of its struct. */
typedef struct {
    const char *key;
    const rl_config_field *fields;
    int n;
    size_t size;
} rl_config_section;

/* The struct `type` with one member per row of the X-list `list`, and the initialiser of its
 * section for YAML key `key`:
 *   RL_CFG_SECTION_TYPE(ppo_cfg, PPO_FIELDS);
 *   static const rl_config_section ppo_section = RL_CFG_SECTION_INIT("ppo", ppo_cfg, PPO_FIELDS); */
#define RL_CFG_SECTION_TYPE(type, list) typedef struct { list(RL_CFG_X_DECL, type) } type
#define RL_CFG_SECTION_INIT(key, type, list)                                                      \
    {key, (const rl_config_field[]){list(RL_CFG_X_FIELD, type)},                                  \
     (int)(sizeof((const rl_config_field[]){list(RL_CFG_X_FIELD, type)}) / sizeof(rl_config_field)), sizeof(type)}

#define RL_CFG_NETWORK_SHARED 1u   /* network.shared applies to the algorithm */
/* higher bits are the add-ons' to define (rl_config_list.algo_flag) */

/* What the config layer knows of one algorithm: its `algo:` name, the sections it reads besides
 * core's (NULL-terminated; algorithms may share one), flags, and its own checks of relations
 * between keys once everything is read (NULL: none; errors name the file and the keys). */
typedef struct {
    const char *name;
    const rl_config_section *const *sections;
    unsigned flags;
    rl_status (*check)(const rl_config *cfg, char *err, size_t err_sz);
} rl_config_algo;

/* Makes the n algorithms known (their names become the choices of `algo:`, their sections
 * loadable) and lays their sections out in rl_config. Called once, before any config is made;
 * a second call replaces the first. Aborts if the sections exceed RL_CONFIG_ALGO_BYTES. */
void rl_config_register_algos(const rl_config_algo *const *algos, int n);
/* The registered algorithm called name, or NULL. */
const rl_config_algo *rl_config_find_algo(const char *name);

/* What the config layer knows of one add-on (an intrinsic-reward module, the reward model, ...):
 * its section, which every algorithm's config may have (an algorithm that cannot use it refuses
 * it in its own checks or when it is created), and its checks once everything is read (sizes,
 * relations between its keys; NULL: none), run after core's size checks and before the
 * algorithm's. */
typedef struct {
    const rl_config_section *section;
    rl_status (*check)(const rl_config *cfg, char *err, size_t err_sz);
} rl_config_addon;

/* Makes the n add-ons' sections known, laid out in rl_config.addon_sections; in the dump and
 * `rlc config` they follow core's `normalize:` section, in registration order. Called once,
 * before any config is made (agents/registry.c); a second call replaces the first. Aborts if the
 * sections exceed RL_CONFIG_ADDON_BYTES or declare a key another section declares. */
void rl_config_register_addons(const rl_config_addon *const *addons, int n);

/* A top-level list of entries an add-on declares (the aux heads' `aux:`, addons/aux.c), e.g.
 *   aux:
 *     - {head: reward_prediction, loss: huber, weight: 0.1, delta: 2}
 * Each entry is a mapping: its kind (kind_key, one of kinds "a|b|c", each at most once), its
 * loss (required: a name or {name: ..., param: value}), the keys the add-on declares (each an
 * rl_config_field of the entry's struct, RL_CFG_I64 or RL_CFG_F64, that applies to the kind
 * only_for alone, or to every kind when NULL); any other numeric key is a parameter of the loss.
 * The add-on's struct (at most RL_CONFIG_LIST_BYTES) holds the count (int at n_off), "file:line"
 * of the list's key (char[RL_STR_MAX] at where_off) and at most max entries of entry_size bytes
 * from entries_off, each with its kind (char[kind_size] at kind_off) and loss (rl_loss_cfg at
 * loss_off; loss.where names the entry). Loading, the dump, `rlc config` and the messages treat
 * it as core's own; an algorithm takes it when its flags hold algo_flag. */
typedef struct {
    rl_config_field f;
    const char *only_for;
} rl_config_list_key;

typedef struct {
    const char *key;           /* "aux" */
    const char *kind_key;      /* "head"; "heads" in messages */
    const char *kinds;         /* "reward_prediction|forward_dynamics|..." */
    const char *example;       /* an entry for messages: "{head: reward_prediction, loss: huber, weight: 0.1}" */
    const char *title;         /* `rlc config`: "a list of heads on the shared encoder" */
    const char *what;          /* "auxiliary heads" (are implemented for algo ...) */
    unsigned algo_flag;
    int max;
    size_t size, n_off, where_off, entries_off, entry_size, kind_off, kind_size, loss_off;
    const rl_config_list_key *keys;
    int n_keys;
    /* the entries' checks once everything is read (their sizes), after the add-ons'; NULL: none */
    rl_status (*check)(const rl_config *cfg, char *err, size_t err_sz);
} rl_config_list;

/* Makes the list known (one; a second call replaces the first). Aborts if its struct exceeds
 * RL_CONFIG_LIST_BYTES. Without it no top-level list is known. */
void rl_config_register_list(const rl_config_list *l);
/* The list's struct inside cfg (the add-on's accessor casts it). */
const void *rl_config_list_of(const rl_config *cfg);
void *rl_config_list_of_mut(rl_config *cfg);
/* An algorithm's or add-on's section inside cfg (aborts if sec was not registered). */
const void *rl_config_section_of(const rl_config *cfg, const rl_config_section *sec);
void *rl_config_section_of_mut(rl_config *cfg, const rl_config_section *sec);
/* The field "section.key" ("seed" at the top level) of any section, or NULL if there is none:
 * an int64_t, double, bool, rl_str, rl_int_list, rl_loss_cfg or rl_kwargs as the key's type says. */
const void *rl_config_get(const rl_config *cfg, const char *dotted);
void *rl_config_get_mut(rl_config *cfg, const char *dotted);

/* Fills every field with its default. */
void rl_config_default(rl_config *cfg);

/* Loads path (NULL = defaults only) and then applies the n_sets overrides "section.key=value"
 * (top-level keys have no section: "seed=3"). On error returns RL_ERR_IO (missing or unreadable
 * file, or one larger than RL_CONFIG_MAX_BYTES: /dev/zero is an error, not an empty config),
 * RL_ERR_PARSE (malformed YAML, a NUL byte, an empty file, a second YAML document, a key given
 * twice in one mapping, a structure that is not a mapping of sections, or a document past the
 * limits above; with the line and column where the parser found it) or RL_ERR_CONFIG
 * (unknown key, wrong type, value out of range) with a message in err. */
rl_status rl_config_load(rl_config *cfg, const char *path, const char *const *sets, int n_sets,
                         char *err, size_t err_sz);

/* Loads a config from YAML text held in memory; `name` stands for the file in messages. */
rl_status rl_config_load_string(rl_config *cfg, const char *yaml, const char *name,
                                const char *const *sets, int n_sets, char *err, size_t err_sz);

/* Whether key can be the key of a --set override ("section.key", "seed"): letters, digits, '_',
 * '-' and the dots between names, at least one name. */
bool rl_config_key_ok(const char *key);

/* Writes the resolved config (every field) as YAML; loading it again gives the same config.
 * Strings are double-quoted with every character YAML would not read back as itself escaped
 * (control characters, CR, NEL, line and paragraph separators, non-characters). */
void rl_config_dump(const rl_config *cfg, FILE *out);
/* The dump as a malloc'ed string (caller frees). */
char *rl_config_dump_string(const rl_config *cfg);

/* Every loss a config chooses (the loss keys of all sections, then the list entries' losses): fills
 * out[0..max) and returns how many there are. */
int rl_config_losses(const rl_config *cfg, const rl_loss_cfg **out, int max);

/* Lists every section, key, type, default and doc (for `rlc train --help` and docs/configs.md). */
void rl_config_print_reference(FILE *out);
/* The same for one section ("top" for the top-level keys, the list's key for the list); an unknown name
 * is RL_ERR_ARG with the sections listed. out NULL only checks the name. */
rl_status rl_config_print_section(FILE *out, const char *name, char *err, size_t err_sz);
/* The section names rl_config_print_section takes, comma-separated. */
void rl_config_section_names(char *buf, size_t sz);

#endif
