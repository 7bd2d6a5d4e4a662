/* rlc cli: what `rlc train --resume RUN_DIR --set ...` changes in the run's config
 * (cli/resume_changes.h). Both configs are compared through rlc's dump, one line per key. */
#include "cli/resume_changes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char key[160];
    const char *value;
} dump_entry;

/* Splits a dump (modified in place) into "section.key" / value entries; aux list items are
 * aux[0], aux[1], ... Returns the count (at most max). */
static int dump_entries(char *dump, dump_entry *e, int max)
{
    char section[64] = "", *save = NULL;
    int n = 0, aux = 0;
    for (char *line = strtok_r(dump, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        bool nested = line[0] == ' ';
        char *s = line + strspn(line, " ");
        if (strncmp(s, "- ", 2) == 0) {
            snprintf(e[n].key, sizeof e[n].key, "%s[%d]", section, aux++);
            e[n++].value = s + 2;
            continue;
        }
        char *colon = strstr(s, ":");
        if (!colon) continue;
        *colon = '\0';
        const char *value = colon[1] == ' ' ? colon + 2 : colon + 1;
        if (!nested && !value[0]) {
            snprintf(section, sizeof section, "%s", s);
            continue;
        }
        if (nested) snprintf(e[n].key, sizeof e[n].key, "%s.%s", section, s);
        else snprintf(e[n].key, sizeof e[n].key, "%s", s);
        e[n++].value = value;
    }
    return n;
}

static const char *entry_value(const dump_entry *e, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(e[i].key, key) == 0) return e[i].value;
    return NULL;
}

/* appends "  key: old -> new\n" to the growing text *out (length *len) */
static void append_change(char **out, size_t *len, const char *key, const char *old, const char *now)
{
    size_t add = strlen(key) + strlen(old) + strlen(now) + 16;
    char *grown = realloc(*out, *len + add);
    if (!grown) abort();
    *out = grown;
    *len += (size_t)snprintf(*out + *len, add, "  %s: %s -> %s\n", key, old, now);
}

/* one line per key whose value differs between the two dumps; NULL when none */
static char *dump_diff(char *old_dump, char *new_dump)
{
    enum { MAX_ENTRIES = 512 };
    dump_entry *a = calloc(2 * MAX_ENTRIES, sizeof *a), *b = a + MAX_ENTRIES;
    if (!a) abort();
    int na = dump_entries(old_dump, a, MAX_ENTRIES), nb = dump_entries(new_dump, b, MAX_ENTRIES);
    char *out = NULL;
    size_t len = 0;
    for (int i = 0; i < nb; i++) {
        const char *old = entry_value(a, na, b[i].key);
        if (!old || strcmp(old, b[i].value) != 0) append_change(&out, &len, b[i].key, old ? old : "(none)", b[i].value);
    }
    for (int i = 0; i < na; i++)
        if (!entry_value(b, nb, a[i].key)) append_change(&out, &len, a[i].key, a[i].value, "(none)");
    free(a);
    return out;
}

bool train_resume_changes(const char *run_dir, const char *run_config_path, const rl_config *cfg, char **changes)
{
    *changes = NULL;
    rl_config before;
    char err[1024] = "";
    if (rl_config_load(&before, run_config_path, NULL, 0, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc train: %s\n", err);
        return false;
    }
    if (strcmp(before.root.algo, cfg->root.algo) != 0) {
        fprintf(stderr,
                "rlc train: --resume %s: the algorithm cannot change on resume: the run trained algo '%s' "
                "(its checkpoint holds that agent's networks), and --set asks for '%s'. Start a new run "
                "for '%s' instead (rlc train CONFIG.yaml --set algo=%s)\n",
                run_dir, before.root.algo, cfg->root.algo, cfg->root.algo, cfg->root.algo);
        return false;
    }
    char *old_dump = rl_config_dump_string(&before), *new_dump = rl_config_dump_string(cfg);
    *changes = dump_diff(old_dump, new_dump);
    free(old_dump);
    free(new_dump);
    if (*changes)
        printf("rlc train: resuming %s with changed settings (appended to %s/resume_changes.txt once the run resumes):\n%s",
               run_dir, run_dir, *changes);
    return true;
}
