/* rlc core: the bounded YAML loader behind every YAML text rlc reads: config files, --set values,
 * the config inside a checkpoint, ablation files and search files.
 *
 * libyaml's document loader (yaml_parser_load) reads a whole document before anything can look
 * at it, and libyaml's scanner spends time quadratic in the depth of nested flow collections: a
 * 1 MiB `[[[[...` kept it busy for most of an hour before a depth check on the finished document
 * could refuse it. rl_yaml_load builds the same yaml_document_t from libyaml's events instead
 * (yaml_parser_parse) and stops at the first event past a limit, so the parser never reads much
 * further than the point where the limit was crossed (libyaml looks ahead about 1 KiB).
 *
 * The limits are those of core/config.h: nodes nested at most RL_CONFIG_MAX_DEPTH deep, at most
 * RL_CONFIG_MAX_NODES nodes and aliases (*name) in the text. Those count the text as written;
 * what aliases expand to is the caller's to count (the config loader does). */
#ifndef RLC_CORE_YAML_LOAD_H
#define RLC_CORE_YAML_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "core/status.h"

/* What a YAML text is, for messages. */
typedef struct {
    const char *origin;   /* the file name, or the --set argument ("--set key=value") */
    const char *what;     /* "config", "ablation file", "search file": "(the limit of a config)" */
    bool positions;       /* messages give origin:line:column (false for a --set value) */
} rl_yaml_source;

/* Loads the one YAML document of text (len bytes) into doc; an empty text (or only comments)
 * gives a document without a root node. Refused, with a message naming the origin and, with
 * positions, the line and column: a syntax error; bytes that are not UTF-8 or a control
 * character; a node nested deeper than RL_CONFIG_MAX_DEPTH; more than RL_CONFIG_MAX_NODES nodes
 * and aliases; a key given twice in one mapping (scalar keys compared by their text); a NUL
 * character inside a scalar ("a\0b"); an alias to no anchor, or to a collection that contains
 * it; a second document. Returns RL_ERR_PARSE (RL_ERR_NOMEM when libyaml runs out of memory).
 * On RL_OK the caller frees doc with yaml_document_delete; on an error there is nothing to free. */
rl_status rl_yaml_load(yaml_document_t *doc, const char *text, size_t len, const rl_yaml_source *src, char *err,
                       size_t err_sz);

/* Reads at most RL_CONFIG_MAX_BYTES of path into a malloc'ed, NUL-terminated buffer (*text, the
 * caller frees it; *len bytes). Reading in a loop (not by the size stat gives) serves pipes and
 * process substitution, and bounds what a device such as /dev/zero, which never ends, can make it
 * read. RL_ERR_IO for a file that cannot be opened or read, a directory or a larger file;
 * RL_ERR_PARSE for a NUL byte (a binary file), naming its line. `what` ("config file",
 * "ablation file", ...) names the file in messages. */
rl_status rl_yaml_read_file(const char *path, const char *what, char **text, size_t *len, char *err,
                            size_t err_sz);

/* rl_yaml_read_file then rl_yaml_load (origin path, with positions). */
rl_status rl_yaml_load_file(yaml_document_t *doc, const char *path, const char *what, char *err, size_t err_sz);

#endif
