/* rlc train: TensorBoard logging, the progress line's extras and the best/history checkpoints
 * of a run (train/trainer_watch.h). */
#include "train/trainer_watch.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fs.h"
#include "nn/nn.h"

/* the learning rates that are constants of the config (the agent's descriptor names them, and
 * the key that anneals each: sac.anneal_lr, ...); PPO and A2C log theirs (annealed or not) as
 * the metrics.csv column learning_rate */
static int constant_rates(const rl_config *cfg, const char **tags, double *vals, int max)
{
    const agent_algo *a = agent_find(cfg->root.algo);
    int n = 0;
    for (int i = 0; a && i < AGENT_MAX_RATES && a->rates[i].tag && n < max; i++) {
        const bool *annealed = a->rates[i].anneal ? rl_config_get(cfg, a->rates[i].anneal) : NULL;
        if (annealed && *annealed) continue;
        const double *v = rl_config_get(cfg, a->rates[i].key);
        RL_ASSERT_MSG(v, "agent rate: no config key");
        tags[n] = a->rates[i].tag, vals[n++] = *v;
    }
    return n;
}

/* the tags of a metrics row: train/<column> for every column after step, then the speed and
 * the constant learning rates; and the first two loss columns for the progress line */
static void name_tags(trainer_watch *w, const rl_config *cfg, const char *const *cols, int n_cols)
{
    RL_ASSERT(n_cols >= 1 && n_cols - 1 + 1 + AGENT_MAX_RATES <= TRAINER_WATCH_MAX_TAGS);
    w->n_cols = n_cols;
    int k = 0;
    for (int i = 1; i < n_cols; i++) snprintf(w->tags[k++], sizeof w->tags[0], "train/%s", cols[i]);
    snprintf(w->tags[k++], sizeof w->tags[0], "time/steps_per_s");
    const char *lr_tags[AGENT_MAX_RATES];
    w->n_lr = constant_rates(cfg, lr_tags, w->lr, (int)(sizeof w->lr / sizeof w->lr[0]));
    for (int i = 0; i < w->n_lr; i++) snprintf(w->tags[k++], sizeof w->tags[0], "%s", lr_tags[i]);
    w->n_tags = k;
    for (int i = 0; i < k; i++) w->tag_ptrs[i] = w->tags[i];
    w->n_losses = 0;
    for (int i = 4; i < n_cols && w->n_losses < RL_PROGRESS_MAX_LOSSES; i++) {
        if (!strstr(cols[i], "loss")) continue;
        w->loss_col[w->n_losses] = i;
        w->loss_names[w->n_losses++] = w->tags[i - 1] + strlen("train/");
    }
}

/* the return recorded in an existing best.safetensors; -INFINITY when there is none */
static rl_status read_best(const char *run_dir, double *best, char *err, size_t err_sz)
{
    char path[1100];
    *best = -INFINITY;
    snprintf(path, sizeof path, "%s/%s", run_dir, TRAINER_BEST_FILE);
    if (!rl_path_exists(path)) return RL_OK;
    nn_safetensors *f = NULL;
    rl_status st = nn_safetensors_open(&f, path, err, err_sz);
    if (st != RL_OK) return st;
    const char *v = nn_safetensors_meta(f, "rlc.eval_return");
    char *end = NULL;
    double d = v ? strtod(v, &end) : NAN;
    if (!v || end == v || *end || isnan(d))
        st = rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: no valid rlc.eval_return metadata (expected the return of "
                     "the evaluation that saved it); move the file away to start a new best", path);
    else *best = d;
    nn_safetensors_close(f);
    return st;
}

/* the config as Markdown: an indented block keeps the YAML as it is */
static char *config_markdown(const rl_config *cfg)
{
    char *yaml = rl_config_dump_string(cfg);
    size_t n_lines = 1;
    for (const char *c = yaml; *c; c++) n_lines += *c == '\n';
    char *md = rl_xmalloc(strlen(yaml) + 4 * n_lines + 1);
    char *o = md;
    for (const char *c = yaml; *c; c++) {
        if (c == yaml || c[-1] == '\n') o += sprintf(o, "    ");
        *o++ = *c;
    }
    *o = '\0';
    free(yaml);
    return md;
}

static rl_status open_events(trainer_watch *w, const rl_config *cfg, const char *run_dir, int64_t step,
                             bool resume, char *err, size_t err_sz)
{
    rl_status st = rl_tb_open(&w->tb, run_dir, err, err_sz);
    if (st != RL_OK) return st;
    w->tb_on = true;
    if (resume) rl_tb_session_start(&w->tb, step);
    char *md = config_markdown(cfg);
    rl_tb_text(&w->tb, step, "config", md);
    free(md);
    return rl_tb_error(&w->tb, err, err_sz);
}

rl_status trainer_watch_open(trainer_watch *w, const rl_config *cfg, const char *run_dir,
                             const char *const *cols, int n_cols, int64_t step, bool resume,
                             char *err, size_t err_sz)
{
    memset(w, 0, sizeof *w);
    w->last_eval = NAN;
    w->best_eval = -INFINITY;
    rl_eta_init(&w->eta);
    name_tags(w, cfg, cols, n_cols);
    rl_status st = resume ? read_best(run_dir, &w->best_eval, err, err_sz) : RL_OK;
    if (st == RL_OK && cfg->log.tensorboard) st = open_events(w, cfg, run_dir, step, resume, err, err_sz);
    return st;
}

void trainer_watch_episode(trainer_watch *w, int64_t step, double ret, double len)
{
    if (!w->tb_on) return;
    static const char *const tags[] = {"episode/return", "episode/length"};
    double vals[] = {ret, len};
    rl_tb_scalars(&w->tb, step, tags, vals, 2);
}

void trainer_watch_learned(trainer_watch *w, int64_t step)
{
    if (!w->eta.learning) rl_eta_learning(&w->eta, step, rl_now());
}

void trainer_watch_metrics(trainer_watch *w, const double *row, double sps)
{
    if (!w->tb_on) return;
    double vals[TRAINER_WATCH_MAX_TAGS];
    int k = 0;
    for (int i = 1; i < w->n_cols; i++) vals[k++] = row[i];
    vals[k++] = sps;
    for (int i = 0; i < w->n_lr; i++) vals[k++] = w->lr[i];
    rl_tb_scalars(&w->tb, (int64_t)row[0], w->tag_ptrs, vals, k);
    rl_tb_flush(&w->tb);
}

void trainer_watch_progress(const trainer_watch *w, FILE *out, const double *row, int64_t total,
                            double sps, double elapsed, bool final)
{
    int64_t step = (int64_t)row[0];
    rl_progress p = {.step = step, .total = total, .sps = sps, .mean_return = row[2],
                     .eval_return = w->n_cols ? w->last_eval : NAN, .n_losses = w->n_losses, .elapsed = elapsed,
                     .remaining = rl_eta_remaining(&w->eta, step, total, rl_now()), .final = final};
    for (int i = 0; i < w->n_losses; i++) {
        p.loss_names[i] = w->loss_names[i];
        p.losses[i] = row[w->loss_col[i]];
    }
    rl_progress_show(out, &p);
}

bool trainer_watch_eval(trainer_watch *w, int64_t step, double mean, double std)
{
    w->last_eval = mean;
    if (w->tb_on) {
        static const char *const tags[] = {"eval/return_mean", "eval/return_std"};
        double vals[] = {mean, std};
        rl_tb_scalars(&w->tb, step, tags, vals, 2);
        rl_tb_flush(&w->tb);
    }
    if (!(mean > w->best_eval)) return false;
    w->best_eval = mean;
    return true;
}

rl_status trainer_watch_flush(trainer_watch *w, char *err, size_t err_sz)
{
    if (!w->tb_on) return RL_OK;
    rl_tb_flush(&w->tb);
    return rl_tb_error(&w->tb, err, err_sz);
}

void trainer_watch_close(trainer_watch *w)
{
    if (!w || !w->tb_on) return;
    rl_tb_close(&w->tb);
    w->tb_on = false;
}

/* ---- the checkpoint history ----------------------------------------------------------------- */

void trainer_history_path(char *buf, size_t sz, const char *run_dir, int64_t step)
{
    snprintf(buf, sz, "%s/checkpoint_%lld.safetensors", run_dir, (long long)step);
}

/* the step of a history file name, or -1 for any other name */
static long long history_step(const char *name)
{
    const char *pre = "checkpoint_", *suf = ".safetensors";
    size_t n = strlen(name), np = strlen(pre), ns = strlen(suf);
    if (n <= np + ns || strncmp(name, pre, np) != 0 || strcmp(name + n - ns, suf) != 0) return -1;
    long long step = 0;
    if (name[np] == '0' && n - ns - np > 1) return -1;   /* only the names rlc writes */
    for (size_t i = np; i < n - ns; i++) {
        if (name[i] < '0' || name[i] > '9' || step > 100000000000000LL) return -1;
        step = step * 10 + (name[i] - '0');
    }
    return step;
}

static int cmp_desc(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x < y) - (x > y);
}

rl_status trainer_history_prune(const char *run_dir, int64_t keep, char *err, size_t err_sz)
{
    DIR *d = opendir(run_dir);
    if (!d) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot list: %s", run_dir, strerror(errno));
    size_t n = 0, cap = 16;
    long long *steps = rl_xmalloc(cap * sizeof *steps);
    for (struct dirent *e; (e = readdir(d));) {
        long long s = history_step(e->d_name);
        if (s < 0) continue;
        if (n == cap) {
            long long *grown = realloc(steps, 2 * cap * sizeof *steps);
            if (!grown) break;
            steps = grown;
            cap *= 2;
        }
        steps[n++] = s;
    }
    closedir(d);
    qsort(steps, n, sizeof *steps, cmp_desc);
    rl_status st = RL_OK;
    for (size_t i = (size_t)keep; i < n && st == RL_OK; i++) {
        char path[1100];
        trainer_history_path(path, sizeof path, run_dir, steps[i]);
        if (unlink(path) != 0 && errno != ENOENT)
            st = rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
    }
    free(steps);
    return st;
}
