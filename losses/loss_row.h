/* rlc losses (internal): how a built-in loss declares its registry row, beside its kernel.
 *
 * A loss is its kernel and one row in the same .c file of losses/:
 *
 *   static float reg_mse(const float *a, const float *b, const float *w, int n, const float *p,
 *                        float *d) { (void)p; return loss_mse(a, b, w, n, d); }
 *   LOSS_DEF(10, mse,
 *            .kind = LOSS_KIND_REGRESSION, .formula = "mean w (pred - target)^2",
 *            .regression = reg_mse, .kernel = "loss_mse");
 *
 * LOSS_DEF(ORDER, NAME, fields...) defines `const loss_desc loss_def_NAME` with .name = "NAME"
 * and the given fields of loss_desc (losses/loss.h). At build time cmake/gen_loss_rows.cmake
 * reads every line that starts with `LOSS_DEF(` in the .c files of losses/ and writes the table
 * (loss_builtin_rows, in the build tree) that points at each row, sorted by ORDER: the order
 * `rlc losses` prints. ORDER is a whole number unique over all rows (the build stops on a
 * duplicate ORDER or NAME); a new loss takes a free number where it should be listed. The table
 * refers to every row by name, so the linker keeps each loss file of a static library (see
 * docs/architecture.md, "Where to add things"). Write each LOSS_DEF at the start of a line with
 * ORDER and NAME on that line. */
#ifndef RLC_LOSSES_LOSS_ROW_H
#define RLC_LOSSES_LOSS_ROW_H

#include <math.h>
#include <stddef.h>

#include "losses/loss.h"

#define LOSS_DEF(order, nm, ...)                                                              \
    extern const loss_desc loss_def_##nm;                                                     \
    const loss_desc loss_def_##nm = {.name = #nm, __VA_ARGS__}

/* a loss with its own signature, called as loss_<name> directly (no dispatch function) */
#define LOSS_KERNEL(fn) .kind = LOSS_KIND_KERNEL, .kernel = fn

/* parameter shorthands: name, default, lo, hi, lo_open, hi_open, doc */
#define P_POS(nm, def, doc) {nm, def, 0.0f, INFINITY, 1, 0, doc}         /* > 0 */
#define P_NONNEG(nm, def, doc) {nm, def, 0.0f, INFINITY, 0, 0, doc}      /* >= 0 */
#define P_OPEN01(nm, def, doc) {nm, def, 0.0f, 1.0f, 1, 1, doc}          /* in (0, 1) */
#define P_CLOSED01(nm, def, doc) {nm, def, 0.0f, 1.0f, 0, 0, doc}        /* in [0, 1] */
#define P_ANY(nm, def, doc) {nm, def, -INFINITY, INFINITY, 0, 0, doc}    /* any finite */
#define P_FLAG(nm, def, doc) {nm, def, 0.0f, 1.0f, 0, 0, doc}            /* 0 or 1 (checked) */
#define P_GAMMA {"gamma", 0.99f, 0.0f, 1.0f, 0, 0, "discount factor"}

/* A check (loss_desc.check) that flags and counts stored as floats are whole numbers: 0 when
 * p[idx] is one, else -1 with "parameter 'name' = v must be a whole number" in why. */
int loss_check_whole(const float *p, int idx, const char *name, char *why, size_t why_sz);

/* 1 when v is finite and inside p's range, else 0. */
int loss_param_in_range(const loss_param_desc *p, double v);

/* The built-in rows in ORDER, written by cmake/gen_loss_rows.cmake. */
extern const loss_desc *const loss_builtin_rows[];
extern const int loss_builtin_count;

#endif
