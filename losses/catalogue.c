/* rlc losses: the printed catalogue of every registered loss (`rlc losses`). */
#include <math.h>
#include <stdio.h>

#include "losses/loss.h"

void loss_catalogue_print(FILE *out)
{
    int n = 0;
    const loss_desc *const *t = loss_registry(&n);
    fprintf(out, "%d losses (name, kind, formula; parameters with default and valid range)\n\n",
            n);
    for (int i = 0; i < n; i++) {
        fprintf(out, "%-24s %-14s %s\n", t[i]->name, loss_kind_name(t[i]->kind), t[i]->formula);
        for (int j = 0; j < t[i]->n_params; j++) {
            char range[96];
            loss_param_range_str(&t[i]->params[j], range, sizeof range);
            fprintf(out, "%-24s   %-16s default %-8g %-18s %s\n", "", t[i]->params[j].name,
                    t[i]->params[j].def, range, t[i]->params[j].doc ? t[i]->params[j].doc : "");
        }
    }
}
