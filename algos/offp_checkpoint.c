/* rlc algos: the checkpoints of the off-policy agents (algos/offpolicy.h, offp_ckpt): their
 * tensors, counters and RNG states, one save and one load for DQN, QR-DQN, C51 and SAC. The replay
 * buffer has its own file, written when a run is interrupted (train/offp_replay.c). */
#include <stdio.h>

#include "algos/offpolicy.h"

rl_status offp_ckpt_save(const offp_ckpt *c, const char *path, const nn_tensor *t, int n, const nn_meta *extra,
                         int n_extra, char *err, size_t err_sz)
{
    RL_ASSERT(c->n_fields <= OFFP_CKPT_MAX_FIELDS);
    char vals[OFFP_CKPT_MAX_FIELDS][32];
    char rng[RL_RNG_TEXT];
    rl_rng_encode(c->rng, rng, sizeof rng);
    nn_meta meta[40];
    int nm = 0;
    meta[nm++] = (nn_meta){"rlc.algo", c->algo};
    for (int i = 0; i < c->n_fields; i++) {
        const char *v = rng;
        if (c->fields[i].value) {
            snprintf(vals[i], sizeof vals[i], "%lld", (long long)*c->fields[i].value);
            v = vals[i];
        }
        meta[nm++] = (nn_meta){c->fields[i].key, v};
    }
    char aux_key[64], aux_rng_text[RL_RNG_TEXT];
    nm += offp_aux_meta(c->ax, c->prefix, aux_key, sizeof aux_key, aux_rng_text, &meta[nm]);
    for (int i = 0; i < n_extra && nm < 40; i++) meta[nm++] = extra[i];
    rl_status st = nn_tensors_check_finite(path, t, n, err, err_sz);   /* never save NaN or inf */
    if (st != RL_OK) return st;
    return nn_safetensors_save(path, t, n, meta, nm, err, err_sz);
}

rl_status offp_ckpt_load(const offp_ckpt *c, nn_safetensors *f, nn_tensor *t, int n, bool train_state, char *err,
                         size_t err_sz)
{
    for (int i = 0; i < n; i++) {
        rl_status st = nn_safetensors_read(f, &t[i], err, err_sz);
        if (st != RL_OK) return st;
    }
    if (!train_state) return RL_OK;
    unsigned long long v[OFFP_CKPT_MAX_FIELDS] = {0};
    for (int i = 0; i < c->n_fields; i++) {
        const char *key = c->fields[i].key;
        if (!c->fields[i].value) {
            if (rl_rng_decode(c->rng, nn_safetensors_meta(f, key)) != 0)
                return rl_errf(err, err_sz, RL_ERR_FORMAT, "checkpoint: metadata '%s' missing or malformed", key);
            continue;
        }
        if (c->fields[i].optional && !nn_safetensors_meta(f, key)) {
            v[i] = (unsigned long long)*c->fields[i].value;
            continue;
        }
        rl_status st = nn_safetensors_meta_u64(f, key, &v[i], err, err_sz);
        if (st != RL_OK) return st;
    }
    for (int i = 0; i < c->n_fields; i++)
        if (c->fields[i].value) *c->fields[i].value = (int64_t)v[i];
    return offp_aux_load_meta(c->ax, f, c->prefix, *c->aux_step, err, err_sz);
}
