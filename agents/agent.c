/* rlc agents: helpers of the agent interface that every algorithm and add-on shares. */
#include "agents/agent.h"

#include <stdio.h>
#include <string.h>

rl_status agent_loss_spec(loss_spec *out, unsigned kinds, const rl_loss_cfg *l, const char *where, char *err,
                          size_t err_sz)
{
    const char *keys[RL_LOSS_MAX_KV];
    for (int i = 0; i < l->n_kv; i++) keys[i] = l->keys[i];
    if (!where) where = l->where;
    /* a config's loss plugins are loaded only by trainer_prepare_envs, for a config the user named */
    if (l->plugin[0] && !loss_find(l->name))
        return rl_errf(err, err_sz, RL_ERR_NOT_FOUND,
                       "%s: loss '%s' is not registered: it comes from the plugin %s, and rlc does not load "
                       "code named in a checkpoint or a run directory: pass --plugin %s (or where that plugin "
                       "is on this machine) if you trust it (a config file you name loads its plugins itself)",
                       where, l->name, l->plugin, l->plugin);
    return loss_spec_make(out, kinds, l->name, keys, l->vals, l->n_kv, where, err, err_sz);
}

/* whether name is one of the space-separated names */
static bool names_have(const char *names, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = names; p && (p = strstr(p, name)) != NULL; p += n)
        if ((p == names || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
    return false;
}

bool agent_slot_takes(const agent_loss_slot *s, const loss_desc *d)
{
    return (s->kinds & LOSS_KINDS(d->kind)) || names_have(s->names, d->name);
}

void agent_slot_name(const agent_loss_slot *s, int i, char *buf, size_t sz)
{
    const char *p = s->names ? s->names : "";
    for (; i > 0 && *p; i--) p += strcspn(p, " ") + (p[strcspn(p, " ")] == ' ');
    snprintf(buf, sz, "%.*s", (int)strcspn(p, " "), p);
}

/* "a policy_ratio loss or `reinforce`": what slot s takes, in words */
static void slot_takes(char *buf, size_t sz, const agent_loss_slot *s)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int k = 0; k < LOSS_KIND_COUNT && at < sz; k++)
        if (s->kinds & LOSS_KINDS(k))
            at += (size_t)snprintf(buf + at, sz - at, "%s%s", at ? " or " : "a ", loss_kind_name((loss_kind)k));
    if (at && at < sz) at += (size_t)snprintf(buf + at, sz - at, " loss");
    char word[64];
    for (const char *p = s->names; p && *p && at < sz;) {
        size_t n = strcspn(p, " ");
        snprintf(word, sizeof word, "%.*s", (int)n, p);
        at += (size_t)snprintf(buf + at, sz - at, "%s`%s`", at ? " or " : "", word);
        p += n + (p[n] == ' ');
    }
}

rl_status agent_slot_loss(loss_spec *out, const agent_algo *algo, int i, const rl_config *cfg, char *err,
                          size_t err_sz)
{
    RL_ASSERT(i >= 0 && i < AGENT_MAX_SLOTS && algo->loss_slots[i].key);
    const agent_loss_slot *s = &algo->loss_slots[i];
    const rl_loss_cfg *l = rl_config_get(cfg, s->key);
    RL_ASSERT_MSG(l, "agent_slot_loss: the slot's key is not a config key");
    const loss_desc *d = loss_find(l->name);
    unsigned kinds = s->kinds;
    if (d && names_have(s->names, d->name)) kinds |= LOSS_KINDS(d->kind);
    if (d && !(kinds & LOSS_KINDS(d->kind)) && s->names) {
        char takes[256];
        slot_takes(takes, sizeof takes, s);
        /* a key read from a file or --set has where "file:line: key"; a default names neither */
        char where[RL_STR_MAX + 64];
        if (l->where[0] && strcmp(l->where, "default") != 0) snprintf(where, sizeof where, "%s", l->where);
        else snprintf(where, sizeof where, "%s: %s", cfg->source[0] ? cfg->source : "config", s->key);
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo %s takes %s, not '%s'", where, algo->name, takes, l->name);
    }
    return agent_loss_spec(out, kinds, l, NULL, err, err_sz);
}
