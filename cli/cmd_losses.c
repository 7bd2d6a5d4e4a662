/* rlc cli: `rlc losses [NAME]`: the loss registry, or one loss and the config slots that take it. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "losses/loss.h"

/* Where a config chooses a loss, and what each place accepts: any loss of the kinds in `kinds`,
 * or one of the names in `names` (space-separated). The rules are the agents' own (algos/ppo.c,
 * reinforce.c, dqn.c, sac.c, exploration.c, aux.c); tests/test_usability.c builds agents with
 * what this table claims. */
typedef struct {
    const char *slot, *algos;
    unsigned kinds;
    const char *names;
} loss_slot;

#define K(k) LOSS_KINDS(LOSS_KIND_##k)
static const loss_slot slots[] = {
    {"losses.policy", "ppo, a2c", K(POLICY_RATIO), NULL},
    {"losses.policy", "reinforce", K(POLICY_RATIO), "reinforce"},
    {"losses.value", "ppo, a2c, reinforce (with a baseline)", K(REGRESSION) | K(VALUE_CLIPPED), NULL},
    {"losses.entropy", "ppo, a2c, reinforce", K(ENTROPY), NULL},
    {"losses.td", "dqn", K(REGRESSION), NULL},
    {"losses.quantile", "qrdqn", 0, "quantile_huber"},
    {"losses.c51", "c51", 0, "c51"},
    {"losses.critic", "sac", K(REGRESSION), NULL},
    {"exploration.forward_loss", "ppo, a2c (exploration.name: icm)", 0, "icm_forward"},
    {"exploration.inverse_loss", "ppo, a2c (exploration.name: icm)", 0, "icm_inverse icm_inverse_continuous"},
    {"exploration.rnd_loss", "ppo, a2c (exploration.name: rnd)", 0, "rnd"},
    {"aux: head reward_prediction", "ppo, a2c, dqn, qrdqn, c51, sac", K(REGRESSION), NULL},
    {"aux: head forward_dynamics", "ppo, a2c, dqn, qrdqn, c51, sac", K(REGRESSION), "byol"},
    {"aux: head inverse_dynamics", "ppo, a2c, dqn, qrdqn, c51, sac (classification: Discrete actions; "
     "regression: Box)", K(CATEGORICAL) | K(REGRESSION), NULL},
    {"aux: head temporal_contrastive", "ppo, a2c, dqn, qrdqn, c51, sac", 0, "info_nce nt_xent"},
    {"aux: head representation", "ppo, a2c, dqn, qrdqn, c51, sac", 0, "vicreg barlow_twins nt_xent"},
};
#undef K

static bool slot_takes(const loss_slot *s, const loss_desc *d)
{
    if (s->kinds & LOSS_KINDS(d->kind)) return true;
    if (!s->names) return false;
    size_t n = strlen(d->name);
    for (const char *p = s->names; (p = strstr(p, d->name)) != NULL; p += n)
        if ((p == s->names || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
    return false;
}

/* one loss: its kind, formula, parameters and the slots that take it */
static int print_one(FILE *out, const char *name)
{
    const loss_desc *d = loss_find(name);
    if (!d) {
        fprintf(stderr, "rlc losses: unknown loss '%s' (rlc losses lists them)\n", name);
        return 1;
    }
    fprintf(out, "%s: a %s loss\n  %s\n", d->name, loss_kind_name(d->kind), d->formula);
    if (d->kernel) fprintf(out, "  implemented by %s\n", d->kernel);
    fprintf(out, "\nparameters%s\n", d->n_params ? " (default, valid range):" : ": none");
    for (int j = 0; j < d->n_params; j++) {
        char range[96];
        loss_param_range_str(&d->params[j], range, sizeof range);
        fprintf(out, "  %-16s default %-8g %-18s %s\n", d->params[j].name, d->params[j].def, range,
                d->params[j].doc ? d->params[j].doc : "");
    }
    int n = 0;
    fprintf(out, "\naccepted in:\n");
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        if (!slot_takes(&slots[i], d)) continue;
        fprintf(out, "  %-32s %s\n", slots[i].slot, slots[i].algos);
        n++;
    }
    if (!n) fprintf(out, "  no agent slot: a library loss, called from C (losses/loss.h)\n");
    return 0;
}

int cli_losses(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: rlc losses [NAME]\n\nLists every registered loss with its kind, parameters (default and\n"
               "valid range) and formula. Configs choose losses by these names. With NAME: that loss\n"
               "alone, and the config keys (agent slots) that accept it.\n");
        return 0;
    }
    if (argc > 2) {
        fprintf(stderr, "rlc losses: one loss name at most (see rlc losses --help)\n");
        return 2;
    }
    if (argc == 2) return print_one(stdout, argv[1]);
    loss_catalogue_print(stdout);
    return 0;
}
