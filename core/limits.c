/* rlc core: size limits and overflow-safe products (see core/limits.h), and the checks of a
 * config's sizes that do not depend on the environment. */
#include "core/limits.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

int64_t rl_mul_sat(int64_t a, int64_t b)
{
    if (a <= 0 || b <= 0) return 0;
    return a > INT64_MAX / b ? INT64_MAX : a * b;
}

int64_t rl_add_sat(int64_t a, int64_t b)
{
    if (a < 0) a = 0;
    if (b < 0) b = 0;
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

rl_status rl_limit_check(const char *where, const char *key, const char *what, int64_t value,
                         int64_t limit, char *err, size_t err_sz)
{
    if (value <= limit) return RL_OK;
    char v[32];
    if (value == INT64_MAX) snprintf(v, sizeof v, "more than 2^63");
    else snprintf(v, sizeof v, "%" PRId64, value);
    return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: %s: %s = %s exceeds the limit of %" PRId64 " (docs/configs.md, size limits)",
                   where, key, what, v, limit);
}

int64_t rl_mlp_cache_per_sample(const rl_int_list *hidden, int64_t in, int64_t out)
{
    int64_t sum = out, widest = in > out ? in : out;
    for (int i = 0; i < hidden->n; i++) {
        sum = rl_add_sat(sum, hidden->v[i]);
        if (hidden->v[i] > widest) widest = hidden->v[i];
    }
    return rl_add_sat(sum, rl_mul_sat(2, widest));
}

int64_t rl_mlp_params(const rl_int_list *hidden, int64_t in, int64_t out)
{
    int64_t n = 0, prev = in;
    for (int i = 0; i < hidden->n; i++) {
        n = rl_add_sat(n, rl_add_sat(rl_mul_sat(prev, hidden->v[i]), hidden->v[i]));
        prev = hidden->v[i];
    }
    return rl_add_sat(n, rl_add_sat(rl_mul_sat(prev, out), out));
}

static rl_status check_networks(const rl_config *cfg, const char *src, char *err, size_t err_sz)
{
    const int64_t io = RL_LIMIT_IO_DIM;
    return rl_limit_check(src, "network.hidden", "parameters of a network (with 512 inputs and outputs)",
                          rl_mlp_params(&cfg->network.hidden, io, io), RL_LIMIT_NET_PARAMS, err, err_sz);
}

rl_status rl_limit_check_replay(const char *src, const char *sec, int64_t batch, int64_t buf, int64_t n_step,
                                int64_t n_envs, char *err, size_t err_sz)
{
    if (batch > buf)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: %s.batch_size: %" PRId64 " is larger than %s.buffer_size = %" PRId64
                       " (a batch is drawn from the buffer)", src, sec, batch, sec, buf);
    int64_t rows = buf / n_envs < 1 ? 1 : buf / n_envs;   /* as the replay buffer rounds it */
    if (rows < n_step)
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: %s.buffer_size: %" PRId64 " holds %" PRId64 " steps per env (env.num_envs = %" PRId64
                       "), fewer than %s.n_step = %" PRId64, src, sec, buf, rows, n_envs, sec, n_step);
    return RL_OK;
}

rl_status rl_config_check_limits(const rl_config *cfg, char *err, size_t err_sz)
{
    return check_networks(cfg, cfg->source[0] ? cfg->source : "config", err, err_sz);
}
