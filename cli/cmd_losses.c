/* rlc cli: `rlc losses`: the loss registry. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "losses/loss.h"

int cli_losses(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: rlc losses\n\nLists every registered loss with its kind, parameters (default and\n"
               "valid range) and formula. Configs choose losses by these names.\n");
        return 0;
    }
    loss_catalogue_print(stdout);
    return 0;
}
