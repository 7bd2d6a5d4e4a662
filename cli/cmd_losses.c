/* rlc cli: `rlc losses [NAME] [--plugin PATH]...`: the loss registry (with the losses of the plugins
 * named), or one loss and the config slots that take it. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "agents/agent.h"
#include "cli/cli.h"
#include "envs/env.h"
#include "losses/loss.h"

/* Where a config chooses a loss, and what each place accepts (agent_loss_slot: any loss of the
 * kinds in `kinds`, or one of the names in `names`, space-separated): the agents' slots and the
 * add-ons' come from their descriptors in the registry (agent_algo.loss_slots, algos/;
 * agent_addon.loss_slots, addons/), which the agents resolve their losses through
 * (agent_slot_loss). tests/test_usability.c builds agents with what these claim. */

static bool takes(unsigned kinds, const char *names, const loss_desc *d)
{
    if (kinds & LOSS_KINDS(d->kind)) return true;
    if (!names) return false;
    size_t n = strlen(d->name);
    for (const char *p = names; (p = strstr(p, d->name)) != NULL; p += n)
        if ((p == names || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
    return false;
}

static bool same_slot(const agent_loss_slot *a, const agent_loss_slot *b, bool rule)
{
    if (strcmp(a->key, b->key) != 0) return false;
    if (!rule) return true;
    return a->kinds == b->kinds && ((!a->names && !b->names) || (a->names && b->names && strcmp(a->names, b->names) == 0));
}

/* whether slot i of agent `a` is the first in registry order with its key (rule: and rule) */
static bool first_slot(const agent_algo *const *all, int a, int i, bool rule)
{
    const agent_loss_slot *s = &all[a]->loss_slots[i];
    for (int b = 0; b <= a; b++)
        for (int j = 0; j < AGENT_MAX_SLOTS && all[b]->loss_slots[j].key && (b < a || j < i); j++)
            if (same_slot(&all[b]->loss_slots[j], s, rule)) return false;
    return true;
}

/* "ppo, a2c, reinforce (with a baseline)": the agents with slot s's key and rule */
static void slot_algos(char *buf, size_t sz, const agent_algo *const *all, int n, const agent_loss_slot *s)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int a = 0; a < n; a++)
        for (int j = 0; j < AGENT_MAX_SLOTS && all[a]->loss_slots[j].key && at < sz; j++)
            if (same_slot(&all[a]->loss_slots[j], s, true))
                at += (size_t)snprintf(buf + at, sz - at, "%s%s%s", at ? ", " : "", all[a]->name,
                                       all[a]->loss_slots[j].note ? all[a]->loss_slots[j].note : "");
}

/* the agents' slots that take d, grouped by key in registry order; returns how many */
static int print_agent_slots(FILE *out, const loss_desc *d)
{
    int n, printed = 0;
    const agent_algo *const *all = agent_all(&n);
    char algos[256];
    for (int a = 0; a < n; a++)
        for (int i = 0; i < AGENT_MAX_SLOTS && all[a]->loss_slots[i].key; i++) {
            if (!first_slot(all, a, i, false)) continue;
            /* every rule under this key, in registry order */
            for (int b = a; b < n; b++)
                for (int j = 0; j < AGENT_MAX_SLOTS && all[b]->loss_slots[j].key; j++) {
                    const agent_loss_slot *s = &all[b]->loss_slots[j];
                    if (strcmp(s->key, all[a]->loss_slots[i].key) != 0 || !first_slot(all, b, j, true)) continue;
                    if (!takes(s->kinds, s->names, d)) continue;
                    slot_algos(algos, sizeof algos, all, n, s);
                    fprintf(out, "  %-32s %s\n", s->key, algos);
                    printed++;
                }
        }
    return printed;
}

static bool served(const agent_algo *a, const void *ctx)
{
    const agent_addon *x = ctx;
    return !x->serves || x->serves(a);
}

/* the add-ons' slots that take d, in registry order; returns how many */
static int print_addon_slots(FILE *out, const loss_desc *d)
{
    int printed = 0, n;
    const agent_addon *const *all = agent_addons(&n);
    char algos[256];
    for (int x = 0; x < n; x++)
        for (int i = 0; i < AGENT_MAX_SLOTS && all[x]->loss_slots[i].key; i++) {
            const agent_loss_slot *s = &all[x]->loss_slots[i];
            if (!takes(s->kinds, s->names, d)) continue;
            agent_names_where(algos, sizeof algos, served, all[x], ", ");   /* "ppo, a2c" */
            fprintf(out, "  %-32s %s%s\n", s->key, algos, s->note ? s->note : "");
            printed++;
        }
    return printed;
}

/* the plugins of --plugin, and the registry entries each one added ([first[p], first[p + 1])) */
#define MAX_PLUGINS 16
typedef struct {
    const char *path[MAX_PLUGINS];
    int n, first[MAX_PLUGINS + 1];
} plugin_list;

/* the plugin that registered d, or NULL for a built-in */
static const char *plugin_of(const plugin_list *pl, const loss_desc *d)
{
    int n;
    const loss_desc *const *t = loss_registry(&n);
    for (int p = 0; p < pl->n; p++)
        for (int i = pl->first[p]; i < pl->first[p + 1]; i++)
            if (t[i] == d) return pl->path[p];
    return NULL;
}

/* one loss: its kind, formula, parameters and the slots that take it */
static int print_one(FILE *out, const char *name, const plugin_list *pl)
{
    const loss_desc *d = loss_find(name);
    if (!d) {
        char hint[200];
        loss_did_you_mean(hint, sizeof hint, name);
        fprintf(stderr, "rlc losses: unknown loss '%s'%s (rlc losses lists them)\n", name, hint);
        return 1;
    }
    fprintf(out, "%s: a %s loss\n  %s\n", d->name, loss_kind_name(d->kind), d->formula);
    if (d->kernel) fprintf(out, "  implemented by %s\n", d->kernel);
    if (plugin_of(pl, d)) fprintf(out, "  from the plugin %s\n", plugin_of(pl, d));
    fprintf(out, "\nparameters%s\n", d->n_params ? " (default, valid range):" : ": none");
    for (int j = 0; j < d->n_params; j++) {
        char range[96];
        loss_param_range_str(&d->params[j], range, sizeof range);
        fprintf(out, "  %-16s default %-8g %-18s %s\n", d->params[j].name, d->params[j].def, range,
                d->params[j].doc ? d->params[j].doc : "");
    }
    fprintf(out, "\naccepted in:\n");
    int n = print_agent_slots(out, d);
    n += print_addon_slots(out, d);
    if (!n) fprintf(out, "  no agent slot: a library loss, called from C (losses/loss.h)\n");
    return 0;
}

/* below the catalogue: which losses each plugin registered */
static void print_plugin_sources(FILE *out, const plugin_list *pl)
{
    int n;
    const loss_desc *const *t = loss_registry(&n);
    for (int p = 0; p < pl->n; p++) {
        fprintf(out, "%s%s registers:", p ? "" : "\n", pl->path[p]);
        for (int i = pl->first[p]; i < pl->first[p + 1]; i++) fprintf(out, " %s", t[i]->name);
        fprintf(out, "%s\n", pl->first[p] == pl->first[p + 1] ? " no loss" : "");
    }
}

/* loads the plugins in order, noting what each registered; false after printing the error */
static bool load_plugins(plugin_list *pl)
{
    for (int p = 0; p < pl->n; p++) {
        char err[1024] = "";
        loss_registry(&pl->first[p]);
        if (env_load_plugin(pl->path[p], err, sizeof err) != RL_OK) {
            fprintf(stderr, "rlc losses: --plugin: %s\n", err);
            return false;
        }
        loss_registry(&pl->first[p + 1]);
    }
    return true;
}

static void losses_usage(void)
{
    printf("usage: rlc losses [NAME] [--plugin PATH]...\n\nLists every registered loss with its kind, parameters (default and\n"
           "valid range) and formula. Configs choose losses by these names. With NAME: that loss\n"
           "alone, and the config keys (agent slots) that accept it.\n\n"
           "  --plugin PATH  load a plugin (.so) first, and list the losses it registers; repeatable\n"
           "                 (docs/losses.md, \"Losses from a plugin\")\n");
}

int cli_losses(int argc, char **argv)
{
    plugin_list pl = {.n = 0};
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            losses_usage();
            return 0;
        }
        if (strcmp(argv[i], "--plugin") == 0) {
            if (i + 1 >= argc || pl.n == MAX_PLUGINS) {
                fprintf(stderr, "rlc losses: --plugin needs a path (at most %d plugins)\n", MAX_PLUGINS);
                return 2;
            }
            pl.path[pl.n++] = argv[++i];
        } else if (name || argv[i][0] == '-') {
            fprintf(stderr, "rlc losses: %s '%s' (see rlc losses --help)\n",
                    name ? "one loss name at most, got another:" : "unknown option", argv[i]);
            return 2;
        } else {
            name = argv[i];
        }
    }
    if (!load_plugins(&pl)) return 1;
    if (name) return print_one(stdout, name, &pl);
    loss_catalogue_print(stdout);
    print_plugin_sources(stdout, &pl);
    return 0;
}
