/* rlc train: stopping a run early (train/stopping.h). */
#include "train/stopping.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"

static const char *const kind_names[] = {"none", "reward_threshold", "patience", "caller"};

rl_status trainer_stop_init(trainer_stop *s, const rl_config *cfg, const env_def *def, char *err, size_t err_sz)
{
    memset(s, 0, sizeof *s);
    s->threshold = NAN;
    s->ret = NAN;
    s->patience = cfg->stop.patience;
    s->min_evals = cfg->stop.min_evals;
    const char *t = cfg->stop.reward_threshold;
    if (strcmp(t, "none") == 0) return RL_OK;
    if (strcmp(t, "env") != 0) {
        s->threshold = strtod(t, NULL);   /* checked by the config loader */
        return RL_OK;
    }
    if (isnan(def->reward_threshold))
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: stop.reward_threshold: env: environment '%s' registers no reward threshold (rlc envs "
                       "lists them); give a number instead", cfg->source[0] ? cfg->source : "config", def->id);
    s->threshold = def->reward_threshold;
    s->threshold_env = true;
    return RL_OK;
}

bool trainer_stop_eval(trainer_stop *s, int64_t step, int64_t n_evals, double mean, bool improved)
{
    if (s->fired) return true;
    if (n_evals > s->min_evals) s->wait = improved ? 0 : s->wait + 1;
    if (!isnan(s->threshold) && mean >= s->threshold) {
        s->fired = TRAINER_STOP_THRESHOLD;
        snprintf(s->reason, sizeof s->reason, "step %lld: the evaluation return %.6g reached stop.reward_threshold %.6g%s",
                 (long long)step, mean, s->threshold, s->threshold_env ? " (the environment's threshold)" : "");
    } else if (s->patience > 0 && s->wait >= s->patience) {
        s->fired = TRAINER_STOP_PATIENCE;
        snprintf(s->reason, sizeof s->reason,
                 "step %lld: %lld evaluations in a row without a new best return (stop.patience %lld, "
                 "stop.min_evals %lld)", (long long)step, (long long)s->wait, (long long)s->patience,
                 (long long)s->min_evals);
    } else {
        return false;
    }
    s->ret = mean;
    return true;
}

void trainer_stop_request(trainer_stop *s, int64_t step)
{
    if (s->fired) return;
    s->fired = TRAINER_STOP_CALLER;
    snprintf(s->reason, sizeof s->reason, "step %lld: the training callback asked to stop", (long long)step);
}

void trainer_stop_meta(trainer_stop *s, nn_meta *meta)
{
    snprintf(s->meta_val[0], sizeof s->meta_val[0], "%s", kind_names[s->fired]);
    snprintf(s->meta_val[1], sizeof s->meta_val[1], "%lld", (long long)s->wait);
    snprintf(s->meta_val[2], sizeof s->meta_val[2], "%.17g", s->ret);
    meta[0] = (nn_meta){"rlc.stop", s->meta_val[0]};
    meta[1] = (nn_meta){"rlc.stop_wait", s->meta_val[1]};
    meta[2] = (nn_meta){"rlc.stop_return", s->meta_val[2]};
    meta[3] = (nn_meta){"rlc.stop_reason", s->reason};
}

rl_status trainer_stop_load(trainer_stop *s, const nn_safetensors *f, char *err, size_t err_sz)
{
    const char *kind = nn_safetensors_meta(f, "rlc.stop");
    if (!kind) return RL_OK;   /* a checkpoint of a version without stop rules */
    unsigned long long wait = 0;
    rl_status st = nn_safetensors_meta_u64(f, "rlc.stop_wait", &wait, err, err_sz);
    if (st != RL_OK) return st;
    s->wait = (int64_t)wait;
    for (int k = 0; k < RL_ARRAY_LEN(kind_names); k++)
        if (strcmp(kind, kind_names[k]) == 0) s->fired = (trainer_stop_kind)k;
    const char *ret = nn_safetensors_meta(f, "rlc.stop_return"), *why = nn_safetensors_meta(f, "rlc.stop_reason");
    s->ret = ret ? strtod(ret, NULL) : NAN;
    snprintf(s->reason, sizeof s->reason, "%s", why && s->fired ? why : "");
    return RL_OK;
}

bool trainer_stop_resumed(trainer_stop *s, const char *run_dir)
{
    bool holds = (s->fired == TRAINER_STOP_THRESHOLD && !isnan(s->threshold) && s->ret >= s->threshold) ||
                 (s->fired == TRAINER_STOP_PATIENCE && s->patience > 0 && s->wait >= s->patience);
    if (holds || !s->fired) return holds;
    s->fired = TRAINER_STOP_NONE;
    s->reason[0] = '\0';
    s->ret = NAN;
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", run_dir, TRAINER_STOP_FILE);
    remove(path);
    return false;
}

rl_status trainer_stop_record(const trainer_stop *s, const char *run_dir, char *err, size_t err_sz)
{
    char path[1100], line[sizeof s->reason + 1];
    snprintf(path, sizeof path, "%s/%s", run_dir, TRAINER_STOP_FILE);
    snprintf(line, sizeof line, "%s\n", s->reason);
    return rl_write_atomic(path, line, err, err_sz);
}
