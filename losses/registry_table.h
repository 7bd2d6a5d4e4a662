/* rlc losses (internal): the registry table, defined in registry_table.c. */
#ifndef RLC_LOSSES_REGISTRY_TABLE_H
#define RLC_LOSSES_REGISTRY_TABLE_H

#include "losses/loss.h"

extern const loss_desc loss_table[];
extern const int loss_table_len;

#endif
