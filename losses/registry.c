/* rlc losses: the registry of losses by YAML name, parameter validation and dispatch.
 *
 * Each entry binds a name to its kind (call signature), its parameters (default and valid range)
 * and a one-line formula. loss_spec_make resolves a name plus overrides into a loss_spec, checking
 * everything once so that kernels only assert. The built-in rows live beside their kernels
 * (LOSS_DEF, losses/loss_row.h) and are copied into the registry on the first call into it
 * (pthread_once); plugins append theirs with loss_register. Lookups are linear over about a
 * hundred names, at config time only. */
#include "losses/loss.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "losses/loss_row.h"
#include "core/suggest.h"

static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t reg_mutex = PTHREAD_MUTEX_INITIALIZER;
static const loss_desc **reg_rows;
static int reg_n, reg_cap;

static void reg_builtins(void)
{
    reg_cap = loss_builtin_count + 16;
    reg_rows = rl_xcalloc((size_t)reg_cap, sizeof *reg_rows);
    for (int i = 0; i < loss_builtin_count; i++) reg_rows[i] = loss_builtin_rows[i];
    reg_n = loss_builtin_count;
}

const loss_desc *const *loss_registry(int *n)
{
    pthread_once(&reg_once, reg_builtins);
    pthread_mutex_lock(&reg_mutex);
    if (n) *n = reg_n;
    const loss_desc *const *rows = reg_rows;
    pthread_mutex_unlock(&reg_mutex);
    return rows;
}

/* the index of name in the registry, or -1; the caller holds reg_mutex */
static int reg_index(const char *name)
{
    for (int i = 0; i < reg_n; i++)
        if (strcmp(reg_rows[i]->name, name) == 0) return i;
    return -1;
}

const loss_desc *loss_find(const char *name)
{
    if (!name) return NULL;
    pthread_once(&reg_once, reg_builtins);
    pthread_mutex_lock(&reg_mutex);
    int i = reg_index(name);
    const loss_desc *d = i >= 0 ? reg_rows[i] : NULL;
    pthread_mutex_unlock(&reg_mutex);
    return d;
}

bool loss_is_builtin(const loss_desc *d)
{
    for (int i = 0; i < loss_builtin_count; i++)
        if (loss_builtin_rows[i] == d) return true;
    return false;
}

rl_status loss_register(const loss_desc *d, char *err, size_t err_sz)
{
    rl_status st = loss_desc_validate(d, err, err_sz);
    if (st != RL_OK) return st;
    pthread_once(&reg_once, reg_builtins);
    pthread_mutex_lock(&reg_mutex);
    int i = reg_index(d->name);
    if (i >= 0) {
        pthread_mutex_unlock(&reg_mutex);
        return rl_errf(err, err_sz, RL_ERR_ARG, "loss '%s' is already registered (%s): choose another name",
                       d->name, i < loss_builtin_count ? "a built-in loss, rlc losses lists them"
                                                       : "by a plugin loaded before");
    }
    if (reg_n == reg_cap) {
        int cap = 2 * reg_cap;
        const loss_desc **p = realloc(reg_rows, (size_t)cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&reg_mutex);
            return rl_errf(err, err_sz, RL_ERR_NOMEM, "registering loss '%s': out of memory", d->name);
        }
        reg_rows = p;
        reg_cap = cap;
    }
    reg_rows[reg_n++] = d;
    pthread_mutex_unlock(&reg_mutex);
    return RL_OK;
}

int loss_check_whole(const float *p, int idx, const char *name, char *why, size_t why_sz)
{
    if (p[idx] != floorf(p[idx])) {
        snprintf(why, why_sz, "parameter '%s' = %g must be a whole number", name, p[idx]);
        return -1;
    }
    return 0;
}

/* appends "a, b, c" of the names in the table whose kind is in mask */
void loss_did_you_mean(char *out, size_t out_sz, const char *name)
{
    int n;
    const loss_desc *const *all = loss_registry(&n);
    char names[4096];
    size_t at = 0;
    names[0] = '\0';
    for (int i = 0; i < n && at < sizeof names; i++) at += (size_t)snprintf(names + at, sizeof names - at, "%s,", all[i]->name);
    rl_did_you_mean(out, out_sz, name, names, ",");
}

static void list_names(char *buf, size_t sz, unsigned mask)
{
    size_t at = 0;
    int n;
    const loss_desc *const *t = loss_registry(&n);
    buf[0] = '\0';
    for (int i = 0; i < n && at + 1 < sz; i++) {
        if (!(mask & LOSS_KINDS(t[i]->kind))) continue;
        int k = snprintf(buf + at, sz - at, "%s%s", at ? ", " : "", t[i]->name);
        if (k < 0) break;
        at += (size_t)k;
    }
}

static void list_kinds(char *buf, size_t sz, unsigned mask)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int k = 0; k < LOSS_KIND_COUNT && at + 1 < sz; k++) {
        if (!(mask & LOSS_KINDS(k))) continue;
        int m = snprintf(buf + at, sz - at, "%s%s", at ? ", " : "", loss_kind_name((loss_kind)k));
        if (m < 0) break;
        at += (size_t)m;
    }
}

rl_status loss_spec_make(loss_spec *out, unsigned kinds_mask, const char *name,
                         const char *const *keys, const double *vals, int n_kv,
                         const char *where, char *err, size_t err_sz)
{
    char list[1024];
    RL_ASSERT(out);
    if (!where) where = "losses";
    if (!name || !name[0])
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: no loss name given", where);
    const loss_desc *d = loss_find(name);
    if (!d) {
        char hint[200];
        list_names(list, sizeof list, kinds_mask);
        rl_did_you_mean(hint, sizeof hint, name, list, ",");
        return rl_errf(err, err_sz, RL_ERR_NOT_FOUND, "%s: unknown loss '%s'%s (this slot accepts: %s)",
                       where, name, hint, list[0] ? list : "nothing");
    }
    if (!(kinds_mask & LOSS_KINDS(d->kind))) {
        list_kinds(list, sizeof list, kinds_mask);
        char names[1024];
        list_names(names, sizeof names, kinds_mask);
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: loss '%s' is a %s loss, but this slot accepts %s losses (%s)", where,
                       name, loss_kind_name(d->kind), list[0] ? list : "no", names);
    }
    if (n_kv < 0 || (n_kv > 0 && (!keys || !vals)))
        return rl_errf(err, err_sz, RL_ERR_ARG, "%s: loss '%s': bad parameter list", where, name);

    loss_spec s;
    memset(&s, 0, sizeof s);
    s.desc = d;
    for (int j = 0; j < d->n_params; j++) s.p[j] = d->params[j].def;
    for (int i = 0; i < n_kv; i++) {
        int j = 0;
        while (j < d->n_params && (!keys[i] || strcmp(d->params[j].name, keys[i]) != 0)) j++;
        if (j == d->n_params) {
            size_t at = 0;
            list[0] = '\0';
            for (int q = 0; q < d->n_params; q++)
                at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", q ? ", " : "",
                                       d->params[q].name);
            return rl_errf(err, err_sz, RL_ERR_CONFIG,
                           "%s: loss '%s' has no parameter '%s' (%s%s)", where, name,
                           keys[i] ? keys[i] : "(null)",
                           d->n_params ? "parameters: " : "it takes no parameters",
                           d->n_params ? list : "");
        }
        for (int q = 0; q < i; q++)
            if (keys[q] && strcmp(keys[q], keys[i]) == 0)
                return rl_errf(err, err_sz, RL_ERR_CONFIG,
                               "%s: loss '%s': parameter '%s' given twice", where, name, keys[i]);
        const loss_param_desc *p = &d->params[j];
        if (!loss_param_in_range(p, vals[i])) {
            loss_param_range_str(p, list, sizeof list);
            return rl_errf(err, err_sz, RL_ERR_CONFIG,
                           "%s: loss '%s': parameter '%s' = %g is out of range (must be %s)",
                           where, name, p->name, vals[i], list);
        }
        s.p[j] = (float)vals[i];
    }
    /* relations between parameters (e.g. v_min < v_max) */
    if (d->check) {
        char why[256];
        if (d->check(s.p, why, sizeof why) != 0)
            return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: loss '%s': %s", where, name, why);
    }
    *out = s;
    return RL_OK;
}

float loss_value_eval(const loss_spec *s, const float *v, const float *v_old, const float *ret,
                      const float *w, int n, float *dv)
{
    RL_ASSERT(s && s->desc);
    switch (s->desc->kind) {
    case LOSS_KIND_REGRESSION:
        RL_ASSERT(s->desc->regression);
        return s->desc->regression(v, ret, w, n, s->p, dv);
    case LOSS_KIND_VALUE_CLIPPED:
        RL_ASSERT_MSG(v_old != NULL, "the clipped value loss needs the old values");
        RL_ASSERT(s->desc->value_clipped);
        return s->desc->value_clipped(v, v_old, ret, w, n, s->p, dv);
    default:
        RL_ASSERT_MSG(0, "loss_value_eval: not a value loss");
    }
    return 0.0f;
}

float loss_policy_eval(const loss_spec *s, const float *logp, const float *logp_old,
                       const float *adv, const float *w, int n, float *dlogp)
{
    RL_ASSERT(s && s->desc && s->desc->kind == LOSS_KIND_POLICY_RATIO && s->desc->policy_ratio);
    return s->desc->policy_ratio(logp, logp_old, adv, w, n, s->p, dlogp);
}

float loss_entropy_eval(const loss_spec *s, const float *ent, const float *w, int n, float *dent)
{
    RL_ASSERT(s && s->desc && s->desc->kind == LOSS_KIND_ENTROPY && s->desc->entropy);
    return s->desc->entropy(ent, w, n, s->p, dent);
}

float loss_binary_eval(const loss_spec *s, const float *logits, const float *targets,
                       const float *w, int n, float *dlogits)
{
    RL_ASSERT(s && s->desc && s->desc->kind == LOSS_KIND_BINARY && s->desc->binary);
    return s->desc->binary(logits, targets, w, n, s->p, dlogits);
}

float loss_categorical_eval(const loss_spec *s, const float *logits, const int *labels,
                            const float *w, int n, int K, float *dlogits)
{
    RL_ASSERT(s && s->desc && s->desc->kind == LOSS_KIND_CATEGORICAL && s->desc->categorical);
    return s->desc->categorical(logits, labels, w, n, K, s->p, dlogits);
}

float loss_gan_d_eval(const loss_spec *s, const float *real, int n_real, const float *fake,
                      int n_fake, float *dreal, float *dfake)
{
    RL_ASSERT(s && s->desc && s->desc->kind == LOSS_KIND_GAN_D && s->desc->gan_d);
    return s->desc->gan_d(real, n_real, fake, n_fake, s->p, dreal, dfake);
}

float loss_gan_g_eval(const loss_spec *s, const float *fake, int n, float *dfake)
{
    RL_ASSERT(s && s->desc && s->desc->kind == LOSS_KIND_GAN_G && s->desc->gan_g);
    return s->desc->gan_g(fake, n, s->p, dfake);
}

float loss_preference_eval(const loss_spec *s, const float *pc, const float *pr,
                           const float *ref_c, const float *ref_r, const float *len_c,
                           const float *len_r, const float *w, int n, float *dpc, float *dpr)
{
    RL_ASSERT(s && s->desc && s->desc->kind == LOSS_KIND_PREFERENCE && s->desc->preference);
    return s->desc->preference(pc, pr, ref_c, ref_r, len_c, len_r, w, n, s->p, dpc, dpr);
}

float loss_spec_param(const loss_spec *s, const char *name)
{
    RL_ASSERT(s && s->desc && name);
    for (int j = 0; j < s->desc->n_params; j++)
        if (strcmp(s->desc->params[j].name, name) == 0) return s->p[j];
    RL_ASSERT_MSG(0, "loss_spec_param: no such parameter");
    return 0.0f;
}
