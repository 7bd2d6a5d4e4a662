/* rlc losses: what a loss descriptor says of itself (its kind's name, its parameters' ranges) and
 * the checks a loss from a plugin or a program passes before loss_register adds it (the built-in
 * rows are checked by tests/test_losses_registry.c against the same function). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "losses/loss.h"
#include "losses/loss_row.h"

static const char *const kind_names[LOSS_KIND_COUNT] = {
    [LOSS_KIND_REGRESSION] = "regression",
    [LOSS_KIND_VALUE_CLIPPED] = "value_clipped",
    [LOSS_KIND_POLICY_RATIO] = "policy_ratio",
    [LOSS_KIND_ENTROPY] = "entropy",
    [LOSS_KIND_BINARY] = "binary",
    [LOSS_KIND_CATEGORICAL] = "categorical",
    [LOSS_KIND_GAN_D] = "gan_d",
    [LOSS_KIND_GAN_G] = "gan_g",
    [LOSS_KIND_PREFERENCE] = "preference",
    [LOSS_KIND_KERNEL] = "kernel",
};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == LOSS_KIND_COUNT,
               "kind_names must cover every loss_kind");

const char *loss_kind_name(loss_kind k)
{
    if ((int)k < 0 || k >= LOSS_KIND_COUNT || !kind_names[k]) return "unknown";
    return kind_names[k];
}

/* "> 0", "in (0, 1)", ">= 0", "any" */
void loss_param_range_str(const loss_param_desc *p, char *buf, size_t sz)
{
    int has_lo = isfinite(p->lo), has_hi = isfinite(p->hi);
    if (has_lo && has_hi)
        snprintf(buf, sz, "in %c%g, %g%c", p->lo_open ? '(' : '[', p->lo, p->hi,
                 p->hi_open ? ')' : ']');
    else if (has_lo)
        snprintf(buf, sz, "%s %g", p->lo_open ? ">" : ">=", p->lo);
    else if (has_hi)
        snprintf(buf, sz, "%s %g", p->hi_open ? "<" : "<=", p->hi);
    else
        snprintf(buf, sz, "any finite value");
}

int loss_param_in_range(const loss_param_desc *p, double v)
{
    if (!isfinite(v)) return 0;
    if (isfinite(p->lo) && (p->lo_open ? !(v > p->lo) : !(v >= p->lo))) return 0;
    if (isfinite(p->hi) && (p->hi_open ? !(v < p->hi) : !(v <= p->hi))) return 0;
    return 1;
}

/* whether the function a loss of kind k is called through is set */
static bool kind_fn(const loss_desc *d, loss_kind k)
{
    switch (k) {
    case LOSS_KIND_REGRESSION: return d->regression != NULL;
    case LOSS_KIND_VALUE_CLIPPED: return d->value_clipped != NULL;
    case LOSS_KIND_POLICY_RATIO: return d->policy_ratio != NULL;
    case LOSS_KIND_ENTROPY: return d->entropy != NULL;
    case LOSS_KIND_BINARY: return d->binary != NULL;
    case LOSS_KIND_CATEGORICAL: return d->categorical != NULL;
    case LOSS_KIND_GAN_D: return d->gan_d != NULL;
    case LOSS_KIND_GAN_G: return d->gan_g != NULL;
    case LOSS_KIND_PREFERENCE: return d->preference != NULL;
    default: return false;
    }
}

static rl_status check_name(const loss_desc *d, char *err, size_t err_sz)
{
    if (!d->name || !d->name[0])
        return rl_errf(err, err_sz, RL_ERR_ARG, "a loss without a name (loss_desc.name)");
    size_t len = strlen(d->name);
    bool ok = len < 64;
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)d->name[i]) || d->name[i] == '_';
    if (!ok)
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "loss '%.80s': a name is 1 to 63 letters, digits and '_' (configs choose it by name)",
                       d->name);
    if (!d->formula || !d->formula[0])
        return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': no formula (the line `rlc losses` prints)", d->name);
    return RL_OK;
}

static rl_status check_kind(const loss_desc *d, char *err, size_t err_sz)
{
    if ((int)d->kind < 0 || d->kind >= LOSS_KIND_COUNT)
        return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': kind %d is not a loss_kind", d->name, (int)d->kind);
    if (d->kind == LOSS_KIND_KERNEL)
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "loss '%s': kind 'kernel' is for rlc's own losses, which agents call by their C name; "
                       "a registered loss needs a kind a config slot takes (regression, policy_ratio, ...)",
                       d->name);
    if (!kind_fn(d, d->kind))
        return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': a %s loss needs its function (loss_desc.%s), which is NULL",
                       d->name, loss_kind_name(d->kind), loss_kind_name(d->kind));
    for (int k = 0; k < LOSS_KIND_KERNEL; k++)
        if (k != (int)d->kind && kind_fn(d, (loss_kind)k))
            return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': a %s loss also sets the function of kind %s "
                           "(set only loss_desc.%s)", d->name, loss_kind_name(d->kind),
                           loss_kind_name((loss_kind)k), loss_kind_name(d->kind));
    if ((d->clip || d->adapt) && d->kind != LOSS_KIND_POLICY_RATIO)
        return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': clip and adapt are for policy_ratio losses, not %s",
                       d->name, loss_kind_name(d->kind));
    if (!d->adapt != !(d->state_name && d->state_name[0]))
        return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': adapt and state_name go together (the statistic "
                       "an adapted parameter is logged and checkpointed as)", d->name);
    return RL_OK;
}

static rl_status check_param(const loss_desc *d, int j, char *err, size_t err_sz)
{
    const loss_param_desc *p = &d->params[j];
    if (!p->name || !p->name[0] || strlen(p->name) >= 32)
        return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': parameter %d needs a name of 1 to 31 characters",
                       d->name, j + 1);
    for (int q = 0; q < j; q++)
        if (strcmp(d->params[q].name, p->name) == 0)
            return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': parameter '%s' is declared twice", d->name, p->name);
    if (isnan(p->lo) || isnan(p->hi) || p->lo > p->hi || (p->lo == p->hi && (p->lo_open || p->hi_open)))
        return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': parameter '%s' has an empty range (lo %g, hi %g%s)",
                       d->name, p->name, p->lo, p->hi, p->lo_open || p->hi_open ? ", open" : "");
    if (!loss_param_in_range(p, p->def)) {
        char range[96];
        loss_param_range_str(p, range, sizeof range);
        return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': parameter '%s': the default %g is out of its range (%s)",
                       d->name, p->name, p->def, range);
    }
    return RL_OK;
}

static rl_status check_params(const loss_desc *d, char *err, size_t err_sz)
{
    if (d->n_params < 0 || d->n_params > LOSS_MAX_PARAMS)
        return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': %d parameters (0 to %d allowed)", d->name,
                       d->n_params, LOSS_MAX_PARAMS);
    rl_status st = RL_OK;
    for (int j = 0; j < d->n_params && st == RL_OK; j++) st = check_param(d, j, err, err_sz);
    if (st != RL_OK || !d->check) return st;
    float p[LOSS_MAX_PARAMS] = {0};
    char why[256] = "";
    for (int j = 0; j < d->n_params; j++) p[j] = d->params[j].def;
    if (d->check(p, why, sizeof why) != 0)
        return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s': its defaults fail its own check: %s", d->name,
                       why[0] ? why : "(no reason given)");
    return RL_OK;
}

rl_status loss_desc_validate(const loss_desc *d, char *err, size_t err_sz)
{
    if (!d) return rl_errf(err, err_sz, RL_ERR_ARG, "loss_register: no descriptor (NULL)");
    rl_status st = check_name(d, err, err_sz);
    if (st == RL_OK) st = check_kind(d, err, err_sz);
    if (st == RL_OK) st = check_params(d, err, err_sz);
    return st;
}
