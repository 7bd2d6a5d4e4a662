/* rlc train: the shared training loop, evaluation, run directories and checkpoints. */
#include "train/trainer.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addons/reward_model.h"
#include "train/offp_replay.h"
#include "train/record.h"
#include "train/stopping.h"
#include "train/trainer_dp.h"
#include "train/trainer_env.h"
#include "train/trainer_gemm.h"
#include "train/trainer_watch.h"
#include "core/fs.h"
#include "core/log.h"
#include "envs/space_text.h"

static volatile sig_atomic_t stop_signal = 0;

static void on_signal(int sig) { stop_signal = sig; }

/* the signals that stop a run with a checkpoint: Ctrl-C, kill, a dropped terminal or ssh
 * session, and a closed stdout (`rlc train | head -1`) */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
#define N_STOP_SIGNALS RL_ARRAY_LEN(stop_signals)

static void signals_install(struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    for (int i = 0; i < N_STOP_SIGNALS; i++) sigaction(stop_signals[i], &sa, &old[i]);
}

static void signals_restore(const struct sigaction *old)
{
    for (int i = 0; i < N_STOP_SIGNALS; i++) sigaction(stop_signals[i], &old[i], NULL);
}

const char *trainer_signal_name(int sig)
{
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP (terminal or ssh session closed)";
    case SIGPIPE: return "SIGPIPE (stdout closed)";
    default: return "a signal";
    }
}

/* loads the plugin at path unless this process loaded it through here before */
static rl_status prepare_plugin(const char *path, char *err, size_t err_sz)
{
    static char loaded[16][RL_STR_MAX];
    static int n_loaded = 0;
    for (int i = 0; i < n_loaded; i++)
        if (strcmp(loaded[i], path) == 0) return RL_OK;
    rl_status st = env_load_plugin(path, err, err_sz);
    if (st == RL_OK && n_loaded < 16) snprintf(loaded[n_loaded++], RL_STR_MAX, "%s", path);
    return st;
}

rl_status trainer_prepare_envs(const rl_config *cfg, char *err, size_t err_sz)
{
    rl_status st = cfg->env.plugin[0] ? prepare_plugin(cfg->env.plugin, err, err_sz) : RL_OK;
    const rl_loss_cfg *losses[64];
    int n = rl_config_losses(cfg, losses, RL_ARRAY_LEN(losses));
    for (int i = 0; st == RL_OK && i < n && i < RL_ARRAY_LEN(losses); i++) {
        if (!losses[i]->plugin[0]) continue;
        char why[1024];
        if ((st = prepare_plugin(losses[i]->plugin, why, sizeof why)) != RL_OK)
            rl_errf(err, err_sz, st, "%s: plugin of loss '%s': %s", losses[i]->where, losses[i]->name, why);
        else if (!loss_find(losses[i]->name))
            st = rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: the plugin %s registers no loss '%s' (rlc losses --plugin %s "
                         "lists what it registers)", losses[i]->where, losses[i]->plugin, losses[i]->name,
                         losses[i]->plugin);
    }
    return st;
}

rl_status trainer_evaluate(const agent_algo *algo, void *agent, const rl_config *cfg,
                           int n_episodes, int64_t seed, double *mean, double *std, char *err,
                           size_t err_sz)
{
    int nb = n_episodes < AGENT_EVAL_BATCH ? n_episodes : AGENT_EVAL_BATCH;
    trainer_env te;
    env_vec ev;
    rl_status st = trainer_env_open(&te, cfg, cfg->source[0] ? cfg->source : "config", false, err, err_sz);
    if (st == RL_OK) st = trainer_env_vec(&te, cfg, &ev, nb, err, err_sz);
    if (st != RL_OK) {
        trainer_env_close(&te);
        return st;
    }
    float *actions = rl_xcalloc((size_t)nb * ev.act_dim, sizeof(float));
    bool *active = rl_xcalloc((size_t)nb, sizeof(bool)), *starts = rl_xcalloc((size_t)nb, sizeof(bool));
    double sum = 0.0, sumsq = 0.0;
    int done_eps = 0;
    /* log.eval_deterministic: false samples with an RNG of the evaluation's own, from its seed */
    bool sample = !cfg->log.eval_deterministic && algo->act_sample;
    rl_rng rng;
    rl_rng_seed(&rng, (uint64_t)seed, 0x5eed5a3b1eULL);
    /* an environment that can fail (envs/callback.h) is checked after every reset and step */
    while (done_eps < n_episodes && st == RL_OK) {
        int k = n_episodes - done_eps < nb ? n_episodes - done_eps : nb;
        env_vec_reset(&ev, seed + done_eps);
        st = env_vec_error(&ev, err, err_sz);
        for (int i = 0; i < nb; i++) active[i] = i < k;
        int n_active = k;
        /* a policy with memory starts every row afresh, then each row whose episode ended */
        for (int i = 0; i < nb; i++) starts[i] = true;
        while (n_active > 0 && st == RL_OK) {
            if (algo->episode_starts) algo->episode_starts(agent, starts, nb);
            trainer_env_pass_masks(cfg, algo, agent, &ev);
            if (sample) algo->act_sample(agent, ev.obs, nb, actions, &rng);
            else algo->act(agent, ev.obs, nb, actions, false);
            env_vec_step(&ev, actions);
            if ((st = env_vec_error(&ev, err, err_sz)) != RL_OK) break;
            for (int i = 0; i < nb; i++) starts[i] = ev.terminated[i] || ev.truncated[i];
            for (int i = 0; i < nb; i++) {
                if (!active[i] || !(ev.terminated[i] || ev.truncated[i])) continue;
                active[i] = false;
                n_active--;
                sum += ev.ep_return[i];
                sumsq += ev.ep_return[i] * ev.ep_return[i];
            }
        }
        done_eps += k;
    }
    *mean = sum / n_episodes;
    double var = sumsq / n_episodes - *mean * *mean;
    *std = var > 0 ? sqrt(var) : 0.0;
    free(actions);
    free(active);
    free(starts);
    env_vec_free(&ev);
    trainer_env_close(&te);
    return st;
}

/* ---- the loop ---------------------------------------------------------------------------- */

typedef struct {
    const rl_config *cfg;
    const agent_algo *algo;
    const env_def *def;       /* te.def */
    trainer_env te;           /* the environment and the agent's view of it */
    void *agent;
    const char *run_dir;
    char ckpt[1100];
    int64_t step, episodes, eval_count;
    int64_t last_eval_step;   /* the step of the last eval.csv row; -1 when none */
    env_vec v;
    bool have_v;
    rl_dir_lock lock;
    trainer_dp dp;            /* data-parallel over MPI ranks; rank 0 (dp.lead) alone writes */
    rl_csv metrics, evals, timing;
    int n_stats;              /* agent statistics in metrics.csv */
    trainer_watch watch;      /* TensorBoard, the progress line's extras, the best return */
    reward_model *rm;         /* the reward learned from preferences; NULL when not enabled */
    int n_agent_stats;        /* the agent's own statistics, before the reward model's */
    int64_t ckpt_step;        /* the step of checkpoint.safetensors; -1 when none */
    bool write_failed;        /* a write into the run directory failed: the run stops (write_stop) */
    const trainer_opts *opts;
    trainer_stop stop;        /* the stop rules and why the run stopped early (train/stopping.h) */
    bool eval_improved;       /* the last evaluation beat every earlier one */
    const char *mcols[4 + AGENT_MAX_STATS];   /* metrics.csv's columns */
} run_state;

/* the value the loop hands trainer_dp_stop once a stop rule fired: above every signal number, so
 * that every rank stops at the same step */
#define STOP_EARLY_CODE 1000

/* st of a write into the run directory: RL_ERR_IO (a full disk, the file size limit, an I/O
 * error) stops the run at once, keeping the last checkpoint (write_stop) */
static rl_status run_write(run_state *r, rl_status st)
{
    if (st == RL_ERR_IO) r->write_failed = true;
    return st;
}

/* The agent's weights or statistics hold a NaN or an infinity, so the checkpoint was refused
 * (the agents check every value before saving): the run stops here with the previous checkpoint kept. */
static rl_status refuse_nonfinite(const run_state *r, char *err, size_t err_sz)
{
    char why[768];
    snprintf(why, sizeof why, "%s", err ? err : "");
    bool kept = rl_path_exists(r->ckpt);
    return rl_errf(err, err_sz, RL_ERR_NUMERIC,
                   "training diverged by step %lld: the agent's weights or statistics are not finite, so the run "
                   "stops without saving them (%s%s). Detail: %s",
                   (long long)r->step, kept ? "the last good checkpoint is kept: " : "no checkpoint was written",
                   kept ? r->ckpt : "", why);
}

#define RUN_META 11   /* checkpoint_to's metadata entries before the stop state */

/* writes the agent and the run's counters to path; eval_return: the metadata rlc.eval_return
 * (best.safetensors), or NULL */
static rl_status checkpoint_to(run_state *r, const char *path, const char *eval_return, char *err, size_t err_sz)
{
    char step[32], eps[32], evals[32];
    snprintf(step, sizeof step, "%lld", (long long)r->step);
    snprintf(eps, sizeof eps, "%lld", (long long)r->episodes);
    snprintf(evals, sizeof evals, "%lld", (long long)r->eval_count);
    char *yaml = rl_config_dump_string(r->cfg);
    char *act_space = env_space_to_json(&r->def->act_space), *obs_space = env_space_to_json(&r->def->obs_space);
    nn_meta meta[] = {
        {"format", "pt"},   /* lets safetensors' torch loader accept the file */
        {"rlc.version", "0.1.0"},
        {"rlc.env", r->cfg->env.id},
        {"rlc.blas_kernel", nn_blas_kernel()},   /* bit-reproducible only on the same kernel */
        {"rlc.gemm", nn_gemm_library()},         /* ... and the same GEMM paths */
        {"rlc.step", step},
        {"rlc.episodes", eps},
        {"rlc.evals", evals},
        {"rlc.config", yaml},
        {"rlc.action_space", act_space},   /* for readers without rlc (scripts/rlc_policy.py) */
        {"rlc.obs_space", obs_space},
        /* [RUN_META, RUN_META + TRAINER_STOP_META): the stop state, below; then the optional ones */
        [RUN_META + TRAINER_STOP_META + 1] = {NULL, NULL},
    };
    RL_ASSERT(strcmp(meta[RUN_META - 1].key, "rlc.obs_space") == 0);
    trainer_stop_meta(&r->stop, meta + RUN_META);
    int n_meta = RUN_META + TRAINER_STOP_META;
    char table_id[24];
    if (nn_gemm_table_in_use()) {   /* the measured GEMM table in use (gemm_table.txt of the run directory) */
        nn_gemm_table_id(nn_gemm_table_in_use(), table_id, sizeof table_id);
        meta[n_meta++] = (nn_meta){"rlc.gemm_table", table_id};
    }
    if (eval_return) meta[n_meta++] = (nn_meta){"rlc.eval_return", eval_return};   /* best.safetensors */
    rl_status st = run_write(r, r->algo->save(r->agent, path, meta, n_meta, err, err_sz));
    free(yaml);
    free(act_space);
    free(obs_space);
    if (st == RL_ERR_NUMERIC) st = refuse_nonfinite(r, err, err_sz);
    return st;
}

/* the latest checkpoint, the one a resume reads (best and kept copies hold the agent alone).
 * Every log file is whole up to its step: a failed write stops the run before the next one. */
static rl_status checkpoint(run_state *r, char *err, size_t err_sz)
{
    rl_status st = run_write(r, trainer_watch_flush(&r->watch, err, err_sz));   /* the episodes since the last log */
    if (st != RL_OK) return st;
    if (r->rm) {   /* first, so that the agent's checkpoint never points past its reward model */
        rl_status rs = run_write(r, reward_model_save(r->rm, r->run_dir, r->step, err, err_sz));
        if (rs != RL_OK) return rs == RL_ERR_NUMERIC ? refuse_nonfinite(r, err, err_sz) : rs;
    }
    st = checkpoint_to(r, r->ckpt, NULL, err, err_sz);
    if (st == RL_OK) r->ckpt_step = r->step;
    return st;
}

/* checkpoint_<step>.safetensors, kept among the log.keep_checkpoints newest */
static rl_status keep_history(run_state *r, char *err, size_t err_sz)
{
    if (r->cfg->log.keep_checkpoints == 0) return RL_OK;
    char path[1100];
    trainer_history_path(path, sizeof path, r->run_dir, r->step);
    rl_status st = checkpoint_to(r, path, NULL, err, err_sz);
    if (st != RL_OK) return st;
    return run_write(r, trainer_history_prune(r->run_dir, r->cfg->log.keep_checkpoints, err, err_sz));
}

/* the latest checkpoint and its copy in the history */
static rl_status checkpoint_kept(run_state *r, char *err, size_t err_sz)
{
    rl_status st = checkpoint(r, err, err_sz);
    return st != RL_OK ? st : keep_history(r, err, err_sz);
}

/* the evaluation in the events file, and best.safetensors when it beats every earlier one */
static rl_status save_best(run_state *r, double mean, double std, char *err, size_t err_sz)
{
    bool best = trainer_watch_eval(&r->watch, r->step, mean, std);
    rl_status st = run_write(r, trainer_watch_flush(&r->watch, err, err_sz));
    if (st != RL_OK || !best) return st;
    char path[1100], ret[64];
    snprintf(path, sizeof path, "%s/%s", r->run_dir, TRAINER_BEST_FILE);
    snprintf(ret, sizeof ret, "%.17g", mean);
    return checkpoint_to(r, path, ret, err, err_sz);
}

/* The non-finite trouble of the training envs: a warning the first time it is seen, the count
 * at the end. *seen is the count already reported (0 = none yet). */
static void report_nonfinite(FILE *out, const env_vec *v, int64_t step, bool final, uint64_t *seen)
{
    uint64_t n = env_vec_nonfinite(v);
    if (final && n > 0)
        fprintf(out, "warning: %llu environment step(s) with a non-finite observation or reward were dropped "
                     "(reward 0, episode truncated, env copy reset)\n", (unsigned long long)n);
    else if (!final && n > 0 && *seen == 0)
        fprintf(out, "warning: step %lld: the environment returned a non-finite observation or reward; "
                     "such steps are dropped and counted\n", (long long)step);
    if (n > 0) *seen = n;
}

/* opts->on_row with a row just written; a non-zero return during training stops the run */
static void row_hook(run_state *r, int kind, const char *const *names, const double *row, int n)
{
    const trainer_opts *o = r->opts;
    if (o->on_row && o->on_row(o->on_row_user, kind, names, row, n) && r->step < r->cfg->root.total_steps)
        trainer_stop_request(&r->stop, r->step);
}

/* log.record_evals: the evaluation's first episode filmed into videos/step_<step>.<format> (rank 0);
 * a failure stops the run with the reason */
static rl_status film_eval(run_state *r, int64_t seed, char *err, size_t err_sz)
{
    const rl_config *cfg = r->cfg;
    if (!cfg->log.record_evals || !r->dp.lead || r->eval_count % cfg->log.record_evals) return RL_OK;
    char path[1200], why[1024];
    snprintf(path, sizeof path, "%s/videos", r->run_dir);
    rl_status st = rl_mkdir_p(path, why, sizeof why);
    snprintf(path, sizeof path, "%s/videos/step_%lld.%s", r->run_dir, (long long)r->step, cfg->log.record_format);
    record_result res;
    if (st == RL_OK) st = record_episode(r->algo, r->agent, cfg, path, seed, &res, why, sizeof why);
    if (st != RL_OK) return rl_errf(err, err_sz, st, "log.record_evals: filming step %lld into %s: %s",
                                    (long long)r->step, path, why);
    return RL_OK;
}

static rl_status evaluate_row(run_state *r, double *mean, double *std, char *err, size_t err_sz)
{
    /* evaluation seeds never overlap training seeds (vector resets use seed + i) */
    int64_t seed = (int64_t)(rl_seed_derive((uint64_t)r->cfg->root.seed, 1000 + (uint64_t)r->eval_count) & 0x3fffffff);
    rl_status st = trainer_evaluate(r->algo, r->agent, r->cfg, (int)r->cfg->log.eval_episodes, seed,
                                    mean, std, err, err_sz);
    if (st == RL_OK) st = film_eval(r, seed, err, err_sz);
    if (st != RL_OK) return st;
    r->eval_count++;
    r->last_eval_step = r->step;
    double row[] = {(double)r->step, *mean, *std, (double)r->cfg->log.eval_episodes};
    if ((st = run_write(r, rl_csv_row(&r->evals, row, err, err_sz)))) return st;
    double best_before = r->watch.best_eval;
    if ((st = save_best(r, *mean, *std, err, err_sz))) return st;
    r->eval_improved = *mean > best_before;
    static const char *const ecols[] = {"step", "return_mean", "return_std", "episodes"};
    row_hook(r, TRAINER_ROW_EVAL, ecols, row, 4);
    return RL_OK;
}

/* env.threads: the training vector env's copies stepped on that many threads (each copy owns its
 * RNG, so the run is the same for every count) */
static rl_status run_env_threads(run_state *r, char *err, size_t err_sz)
{
    if (r->cfg->env.threads <= 1) return RL_OK;
    char why[256];
    if (env_vec_set_threads(&r->v, (int)r->cfg->env.threads, why, sizeof why) != RL_OK)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: env.threads = %lld: %s",
                       r->cfg->source[0] ? r->cfg->source : "config", (long long)r->cfg->env.threads, why);
    return RL_OK;
}

/* builds the env and the agent (which validate the rest of the config), then creates and locks
 * the run directory: nothing in it is written, and the banner is not printed, before the lock is
 * held */
static rl_status run_open(run_state *r, const trainer_opts *opts, char *err, size_t err_sz)
{
    const rl_config *cfg = r->cfg;
    int N = (int)cfg->env.num_envs;
    rl_status st = trainer_env_vec(&r->te, cfg, &r->v, N, err, err_sz);
    if (st != RL_OK) return st;
    r->have_v = true;
    if ((st = run_env_threads(r, err, err_sz))) return st;
    /* this rank's config (its seed) for the agent */
    if ((st = trainer_dp_begin(&r->dp, cfg, r->algo, err, err_sz))) return st;
    if ((st = trainer_env_check_masks(&r->te, r->algo, cfg, err, err_sz)) ||
        (st = trainer_env_agent(&r->te, r->algo, &r->agent, r->dp.cfg, N, err, err_sz)))
        return st;
    if ((st = reward_model_open(&r->rm, cfg, &r->te.view, N, r->dp.size, err, err_sz))) return st;
    if (!r->dp.lead) return RL_OK;
    char why[1024];
    if (cfg->log.record_evals && (st = record_check(cfg, why, sizeof why)))
        return rl_errf(err, err_sz, st, "%s: log.record_evals: %s", cfg->source[0] ? cfg->source : "config", why);
    if ((st = rl_mkdir_p(opts->run_dir, err, err_sz))) return st;
    if ((st = rl_dir_lock_take(&r->lock, opts->run_dir, err, err_sz))) return st;
    if (opts->banner) fputs(opts->banner, opts->out ? opts->out : stdout);
    if (!opts->resume && rl_path_exists(r->ckpt))
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "%s already holds a checkpoint: resume it with `rlc train --resume %s`, or choose another --run-dir",
                       opts->run_dir, opts->run_dir);
    return RL_OK;
}

/* ---- the replay buffer across an interruption ---------------------------------------------- */

/* the buffer's file, when this run keeps one: an agent with a buffer, one process (with several
 * ranks each rank's buffer is refilled on resume) */
static bool replay_file(const run_state *r, char *path, size_t n)
{
    if (!r->algo->replay || r->dp.size > 1) return false;
    snprintf(path, n, "%s/replay.safetensors", r->run_dir);
    return true;
}

/* an interrupted run: the buffer beside the checkpoint just written (same step); what happened
 * goes into note, for the interruption message */
static void save_replay(run_state *r, char *note, size_t note_sz)
{
    char path[1100], why[512];
    note[0] = 0;
    if (!replay_file(r, path, sizeof path)) return;
    const replay_buffer *b = r->algo->replay(r->agent);
    if (offp_replay_save(b, path, r->step, why, sizeof why) == RL_OK)
        snprintf(note, note_sz, "; replay buffer (%lld transitions) in %s",
                 (long long)replay_buffer_stored(b), path);
    else
        snprintf(note, note_sz, "; the replay buffer was not saved (%s): a resume refills it", why);
}

/* a resumed run: the buffer saved with its checkpoint, if any */
static rl_status resume_replay(run_state *r, FILE *out, char *err, size_t err_sz)
{
    char path[1100];
    if (!replay_file(r, path, sizeof path)) return RL_OK;
    if (!rl_path_exists(path)) {
        fprintf(out, "replay buffer: none saved at step %lld; it refills from new experience\n", (long long)r->step);
        return RL_OK;
    }
    replay_buffer *b = r->algo->replay(r->agent);
    int64_t file_step = -1;
    rl_status st = offp_replay_load(b, path, r->step, &file_step, err, err_sz);
    if (st != RL_OK) {
        size_t n = strlen(err);
        snprintf(err + n, err_sz - n, " (remove %s to resume with an empty replay buffer)", path);
        return st;
    }
    if (file_step != r->step)
        fprintf(out, "replay buffer: %s is from step %lld, the checkpoint from step %lld; it refills from new experience\n",
                path, (long long)file_step, (long long)r->step);
    else
        fprintf(out, "replay buffer: %lld transitions restored from %s\n",
                (long long)replay_buffer_stored(b), path);
    return RL_OK;
}

/* a finished run: a buffer saved at an earlier interruption is stale */
static void drop_replay(run_state *r)
{
    char path[1100];
    if (replay_file(r, path, sizeof path) && rl_path_exists(path)) remove(path);
}

/* loads the checkpoint's weights and counters, then cuts the CSVs back to it: metrics and timing
 * rows up to its step; eval rows up to its step and its evaluation count (an evaluation written
 * after the checkpoint was not saved with it and is redone) */
static rl_status run_resume(run_state *r, char *err, size_t err_sz)
{
    nn_safetensors *f = NULL;
    rl_status st = nn_safetensors_open(&f, r->ckpt, err, err_sz);
    if (st != RL_OK) return st;
    unsigned long long step = 0, episodes = 0, evals = 0;
    if ((st = r->algo->load(r->agent, f, true, err, err_sz)) == RL_OK &&
        (st = nn_safetensors_meta_u64(f, "rlc.step", &step, err, err_sz)) == RL_OK &&
        (st = nn_safetensors_meta_u64(f, "rlc.episodes", &episodes, err, err_sz)) == RL_OK)
        st = nn_safetensors_meta_u64(f, "rlc.evals", &evals, err, err_sz);
    if (st == RL_OK) st = trainer_stop_load(&r->stop, f, err, err_sz);
    nn_safetensors_close(f);
    if (st != RL_OK) return st;
    r->step = (int64_t)step;
    r->ckpt_step = r->step;
    r->episodes = (int64_t)episodes;
    r->eval_count = (int64_t)evals;
    if (r->rm && (st = reward_model_load(r->rm, r->run_dir, r->step, err, err_sz))) return st;
    if (!r->dp.lead) return RL_OK;
    char path[1100];
    const char *csvs[] = {"metrics.csv", "timing.csv"};
    for (int i = 0; i < 2 && st == RL_OK; i++) {
        snprintf(path, sizeof path, "%s/%s", r->run_dir, csvs[i]);
        st = rl_csv_truncate_after(path, (double)r->step, err, err_sz);
    }
    if (st != RL_OK) return st;
    double last = -1;
    snprintf(path, sizeof path, "%s/eval.csv", r->run_dir);
    st = rl_csv_truncate(path, (double)r->step, r->eval_count, &last, err, err_sz);
    r->last_eval_step = (int64_t)last;
    return st;
}

/* with the lock held: what --set changed on this resume, appended to resume_changes.txt with
 * the step it applies from (config.yaml is about to hold the new values) */
static rl_status append_resume_changes(const run_state *r, const trainer_opts *opts, char *err, size_t err_sz)
{
    if (!r->dp.lead || !opts->resume_changes || !opts->resume_changes[0]) return RL_OK;
    char path[1100];
    snprintf(path, sizeof path, "%s/resume_changes.txt", r->run_dir);
    FILE *fp = fopen(path, "a");
    if (!fp) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot append: %s", path, strerror(errno));
    fprintf(fp, "# resumed at step %lld with:\n%s", (long long)r->step, opts->resume_changes);
    int bad = ferror(fp);
    bad |= fclose(fp) != 0;
    if (bad) return rl_errf(err, err_sz, RL_ERR_IO, "%s: write error", path);
    return RL_OK;
}

/* writes config.yaml and opens the CSVs (appending when resuming) */
static rl_status run_open_files(run_state *r, bool resume, char *err, size_t err_sz)
{
    if (!r->dp.lead) return RL_OK;   /* the other ranks' rows go nowhere (rl_csv_row on a closed file) */
    char path[1100];
    char *yaml = rl_config_dump_string(r->cfg);
    snprintf(path, sizeof path, "%s/config.yaml", r->run_dir);
    rl_status st = rl_write_atomic(path, yaml, err, err_sz);
    free(yaml);
    if (st == RL_OK) st = trainer_gemm_table_record(r->run_dir, resume, err, err_sz);
    if (st != RL_OK) return st;
    const char *mcols[4 + AGENT_MAX_STATS] = {"step", "episodes", "return_mean", "length_mean"};
    for (int i = 0; i < r->algo->n_stats; i++) mcols[4 + i] = r->algo->stat_names[i];
    r->n_stats = r->algo->n_stats;
    if (r->algo->extra_stats)
        r->n_stats += r->algo->extra_stats(r->agent, mcols + 4 + r->n_stats, AGENT_MAX_STATS - r->n_stats);
    r->n_agent_stats = r->n_stats;
    if (r->rm) {
        RL_ASSERT(r->n_stats + RM_N_STATS <= AGENT_MAX_STATS);
        reward_model_stat_names(mcols + 4 + r->n_stats);
        r->n_stats += RM_N_STATS;
    }
    memcpy(r->mcols, mcols, sizeof mcols);
    const char *ecols[] = {"step", "return_mean", "return_std", "episodes"};
    const char *tcols[] = {"step", "wall_s", "steps_per_s"};
    snprintf(path, sizeof path, "%s/metrics.csv", r->run_dir);
    if ((st = rl_csv_open(&r->metrics, path, mcols, 4 + r->n_stats, resume, err, err_sz))) return st;
    snprintf(path, sizeof path, "%s/eval.csv", r->run_dir);
    if ((st = rl_csv_open(&r->evals, path, ecols, 4, resume, err, err_sz))) return st;
    snprintf(path, sizeof path, "%s/timing.csv", r->run_dir);
    if ((st = rl_csv_open(&r->timing, path, tcols, 3, resume, err, err_sz))) return st;
    return trainer_watch_open(&r->watch, r->cfg, r->run_dir, mcols, 4 + r->n_stats, r->step, resume, err, err_sz);
}

/* a log step's rows: metrics.csv, timing.csv and the events file */
static rl_status log_rows(run_state *r, const double *row, double elapsed, double sps, char *err, size_t err_sz)
{
    double trow[] = {row[0], elapsed, sps};
    rl_status st = rl_csv_row(&r->metrics, row, err, err_sz);
    if (st == RL_OK) st = rl_csv_row(&r->timing, trow, err, err_sz);
    if (st == RL_OK) {
        trainer_watch_metrics(&r->watch, row, sps);
        st = trainer_watch_flush(&r->watch, err, err_sz);
    }
    return run_write(r, st);
}

/* trains until total_steps or a stop signal; logs, evaluates and checkpoints on the way */
static rl_status run_loop(run_state *r, const trainer_opts *opts, trainer_result *res, FILE *out,
                          double *mean_ret_out, char *err, size_t err_sz)
{
    const rl_config *cfg = r->cfg;
    const agent_algo *algo = r->algo;
    env_vec *v = &r->v;
    const int N = (int)cfg->env.num_envs, window = (int)cfg->log.return_window;
    float *actions = rl_xcalloc((size_t)N * v->act_dim, sizeof(float));
    double *recent = rl_xcalloc((size_t)window, sizeof(double));
    double *recent_len = rl_xcalloc((size_t)window, sizeof(double));
    double stats[AGENT_MAX_STATS];
    for (int i = 0; i < AGENT_MAX_STATS; i++) stats[i] = NAN;
    const int64_t total = cfg->root.total_steps;
    const int64_t log_iv = cfg->log.log_interval, eval_iv = cfg->log.eval_interval, ckpt_iv = cfg->log.checkpoint_interval;
    const int64_t start_step = r->step;
    int64_t n_recent = 0;
    const double threshold = r->def->reward_threshold;
    double t0 = rl_now(), mean_ret = NAN, mean_len = NAN;
    rl_status st = RL_OK;
    while (r->step < total &&
           !trainer_dp_stop(&r->dp, stop_signal ? stop_signal : r->stop.fired ? STOP_EARLY_CODE : 0, false)) {
        trainer_env_pass_masks(cfg, algo, r->agent, v);
        algo->act(r->agent, v->obs, N, actions, true);
        env_vec_step(v, actions);
        /* a failed environment's step is no experience: the run stops before it (env_stop) */
        if (env_vec_error(v, NULL, 0) != RL_OK) break;
        if (r->rm) reward_model_observe(r->rm, v, actions);   /* the agent sees the learned reward */
        int64_t prev = r->step;
        r->step += (int64_t)N * r->dp.size;   /* every rank's steps */
        report_nonfinite(out, v, r->step, false, &res->env_nonfinite);
        for (int i = 0; i < N; i++) {
            if (!(v->terminated[i] || v->truncated[i])) continue;
            recent[n_recent % window] = v->ep_return[i];
            recent_len[n_recent % window] = v->ep_length[i];
            n_recent++;
            r->episodes++;
            trainer_watch_episode(&r->watch, r->step, v->ep_return[i], v->ep_length[i]);
        }
        if (n_recent > 0) {
            int k = n_recent < window ? (int)n_recent : window;
            double s = 0, sl = 0;
            for (int i = 0; i < k; i++) s += recent[i], sl += recent_len[i];
            mean_ret = s / k;
            mean_len = sl / k;
            if (res->threshold_step < 0 && n_recent >= window && !isnan(threshold) && mean_ret >= threshold) {
                res->threshold_step = r->step;
                res->threshold_wall_s = rl_now() - t0;
            }
        }
        algo->observe(r->agent, v);
        if (algo->learn(r->agent, v, r->step, total, stats)) trainer_watch_learned(&r->watch, r->step);
        if (r->rm) reward_model_update(r->rm, r->step, algo, r->agent);

        if (r->step / log_iv != prev / log_iv || r->step >= total) {
            trainer_dp_episodes(&r->dp, recent, recent_len, n_recent, window, &r->episodes, &mean_ret, &mean_len);
            if ((st = trainer_dp_check(&r->dp, algo, r->agent, r->step, err, err_sz))) break;
            double row[4 + AGENT_MAX_STATS] = {(double)r->step, (double)r->episodes, mean_ret, mean_len};
            for (int i = 0; i < r->n_agent_stats; i++) row[4 + i] = stats[i];
            if (r->rm) reward_model_stats(r->rm, row + 4 + r->n_agent_stats);
            double el = rl_now() - t0, sps = (double)(r->step - start_step) / (el > 0 ? el : 1e-9);
            if ((st = log_rows(r, row, el, sps, err, err_sz))) break;
            if (cfg->log.progress && !opts->quiet)
                trainer_watch_progress(&r->watch, out, row, total, sps, el, r->step >= total);
            if (r->dp.lead) row_hook(r, TRAINER_ROW_LOG, r->mcols, row, 4 + r->n_stats);
        }
        if (r->dp.lead && eval_iv > 0 && r->step / eval_iv != prev / eval_iv && r->step < total) {
            if ((st = evaluate_row(r, &res->eval_mean, &res->eval_std, err, err_sz))) break;
            trainer_stop_eval(&r->stop, r->step, r->eval_count, res->eval_mean, r->eval_improved);
        }
        if (r->dp.lead && ckpt_iv > 0 && r->step / ckpt_iv != prev / ckpt_iv && r->step < total)
            if ((st = checkpoint_kept(r, err, err_sz))) break;
    }
    res->wall_s = rl_now() - t0;
    res->sps = (double)(r->step - start_step) / (res->wall_s > 0 ? res->wall_s : 1e-9);
    *mean_ret_out = mean_ret;
    free(actions);
    free(recent);
    free(recent_len);
    return st;
}

/* A callback environment's reset or step failed (envs/callback.h: from then on it only ends
 * episodes): the run stops at the step before the failed call, with a checkpoint there, as an
 * interruption does; a fresh run that fails on its first reset has nothing to keep. */
static rl_status env_stop(run_state *r, const trainer_opts *opts, char *err, size_t err_sz)
{
    char why[1200], note[1800];
    rl_status failed = env_vec_error(&r->v, why, sizeof why);
    if (r->step == 0 && !opts->resume)
        return rl_errf(err, err_sz, failed, "%s; training stopped before its first step (nothing to resume: "
                       "start the run again once the environment is fixed)", why);
    rl_status st = r->dp.lead ? checkpoint(r, err, err_sz) : RL_OK;
    if (st != RL_OK) return st;
    save_replay(r, note, sizeof note);
    return rl_errf(err, err_sz, failed, "%s; training stopped at step %lld, and %s holds the run up to there "
                   "(resume it once the environment is fixed)%s", why, (long long)r->step, r->ckpt, note);
}

/* after the loop: the final checkpoint; then either the interruption error or the final
 * evaluation (unless the last step was just evaluated) and a checkpoint that records it */
static rl_status run_finish(run_state *r, const trainer_opts *opts, trainer_result *res, char *err, size_t err_sz)
{
    rl_status st = r->dp.lead ? checkpoint(r, err, err_sz) : RL_OK;
    if (st != RL_OK) return st;
    if (res->signal) {
        char replay[1800];
        save_replay(r, replay, sizeof replay);
        return rl_errf(err, err_sz, RL_ERR_INTERRUPTED,
                       "interrupted by %s at step %lld; checkpoint saved in %s%s; continue with `rlc train --resume %s`",
                       trainer_signal_name(res->signal), (long long)r->step, r->ckpt, replay, opts->run_dir);
    }
    if (!r->dp.lead) return RL_OK;
    if (r->last_eval_step != r->step) {
        if ((st = evaluate_row(r, &res->eval_mean, &res->eval_std, err, err_sz))) return st;
        if ((st = checkpoint(r, err, err_sz))) return st;
    }
    drop_replay(r);
    if ((st = keep_history(r, err, err_sz))) return st;
    return r->stop.fired ? run_write(r, trainer_stop_record(&r->stop, r->run_dir, err, err_sz)) : RL_OK;
}

static void run_close(run_state *r, trainer_result *res)
{
    if (r->have_v) {
        for (int i = 0; i < r->v.n; i++)
            if (r->v.envs[i].def->warnings) res->env_warnings += r->v.envs[i].def->warnings(r->v.envs[i].state);
    }
    rl_csv_close(&r->metrics);
    rl_csv_close(&r->evals);
    rl_csv_close(&r->timing);
    trainer_watch_close(&r->watch);
    if (r->agent) r->algo->destroy(r->agent);
    reward_model_free(r->rm);
    if (r->have_v) env_vec_free(&r->v);
    trainer_dp_end(&r->dp);
    rl_dir_lock_release(&r->lock);
    trainer_env_close(&r->te);
}

/* A write into the run directory failed (err says which and why): the run stopped right there,
 * without a new checkpoint, so every file is whole up to the last checkpoint (and past it in
 * whole rows only), and --resume goes on from that checkpoint, cutting the logs back to it. */
static rl_status write_stop(const run_state *r, const trainer_opts *opts, trainer_result *res, char *err,
                            size_t err_sz)
{
    char what[1024];
    snprintf(what, sizeof what, "%s", err);
    res->write_failed = true;
    if (r->ckpt_step < 0)
        return rl_errf(err, err_sz, RL_ERR_IO,
                       "%s. Training stopped at step %lld before any checkpoint was written: make room (or raise "
                       "the file size limit) and start the run again with the same command (there is nothing to "
                       "resume)",
                       what, (long long)r->step);
    return rl_errf(err, err_sz, RL_ERR_IO,
                   "%s. Training stopped at step %lld; the files keep whole rows and the checkpoint of step %lld: "
                   "make room (or raise the file size limit) and continue from there with `rlc train --resume %s`",
                   what, (long long)r->step, (long long)r->ckpt_step, opts->run_dir);
}

static rl_status train(const rl_config *cfg, const trainer_opts *opts, trainer_result *res, char *err, size_t err_sz)
{
    FILE *out = opts->out ? opts->out : stdout;
    memset(res, 0, sizeof *res);
    res->threshold_step = -1;
    res->threshold_wall_s = NAN;
    openblas_set_num_threads(1);   /* small matrices: one thread is fastest and deterministic */

    run_state r = {.cfg = cfg, .run_dir = opts->run_dir, .last_eval_step = -1, .lock = {-1}, .ckpt_step = -1,
                   .opts = opts};
    r.algo = agent_find(cfg->root.algo);
    if (!r.algo) return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo: unknown algorithm '%s'", cfg->source, cfg->root.algo);
    rl_status st = trainer_env_open(&r.te, cfg, cfg->env_id_where[0] ? cfg->env_id_where : cfg->source, opts->resume,
                                    err, err_sz);
    if (st != RL_OK) return st;
    r.def = r.te.def;
    snprintf(r.ckpt, sizeof r.ckpt, "%s/checkpoint.safetensors", opts->run_dir);

    st = trainer_stop_init(&r.stop, cfg, r.def, err, err_sz);
    if (st == RL_OK) st = run_open(&r, opts, err, err_sz);
    if (r.have_v) res->env_threads = r.v.n_threads;
    if (st == RL_OK && opts->resume) st = run_resume(&r, err, err_sz);
    res->steps = r.step;
    if (st == RL_OK && opts->resume &&
        ((r.step >= cfg->root.total_steps && r.last_eval_step == r.step) || trainer_stop_resumed(&r.stop, opts->run_dir))) {
        /* finished and evaluated, or stopped by a rule that still holds: nothing to redo, and
         * nothing is rewritten */
        res->already_finished = true;
        res->stopped = r.stop.fired != TRAINER_STOP_NONE;
        snprintf(res->stop_reason, sizeof res->stop_reason, "%s", r.stop.reason);
        run_close(&r, res);
        return RL_OK;
    }
    res->start_step = r.step;
    if (st == RL_OK && opts->resume) fprintf(out, "resuming %s at step %lld\n", opts->run_dir, (long long)r.step);
    if (st == RL_OK && opts->resume) st = resume_replay(&r, out, err, err_sz);
    if (st == RL_OK && opts->resume) st = append_resume_changes(&r, opts, err, err_sz);
    if (st == RL_OK) st = run_open_files(&r, opts->resume, err, err_sz);
    if (st != RL_OK) {
        run_close(&r, res);
        return st;
    }

    /* a resumed run starts fresh episodes from a seed derived from where it stopped */
    const rl_config *rank_cfg = r.dp.cfg;   /* this rank's seed */
    int64_t reset_seed = opts->resume ? (int64_t)(rl_seed_derive((uint64_t)rank_cfg->root.seed, (uint64_t)r.step) & 0x3fffffff)
                                      : rank_cfg->root.seed;
    env_vec_reset(&r.v, reset_seed);
    if (r.rm) reward_model_begin(r.rm, &r.v);
    trainer_dp_broadcast(&r.dp, r.algo, r.agent, r.episodes);
    struct sigaction old[N_STOP_SIGNALS];
    signals_install(old);
    double mean_ret = NAN;
    if (env_vec_error(&r.v, NULL, 0) == RL_OK) st = run_loop(&r, opts, res, out, &mean_ret, err, err_sz);
    /* a failed environment (in training or in an evaluation) overrides what the loop returned */
    if (env_vec_error(&r.v, NULL, 0) != RL_OK) st = env_stop(&r, opts, err, err_sz);
    res->signal = stop_signal;
    /* every rank stops at the same step; a rank stopped because another was signalled says SIGTERM */
    if (st == RL_OK && trainer_dp_stop(&r.dp, stop_signal, true) && !res->signal) res->signal = SIGTERM;
    res->steps = r.step;
    if ((res->signal || r.write_failed) && cfg->log.progress && !opts->quiet)
        rl_progress_print(out, r.step, cfg->root.total_steps, res->sps, mean_ret, res->wall_s, true);
    if (r.stop.fired && !res->signal) {
        res->stopped = true;
        snprintf(res->stop_reason, sizeof res->stop_reason, "%s", r.stop.reason);
        if (!opts->quiet)   /* on a terminal, below the progress line */
            fprintf(out, "%sstopping early at %s\n", cfg->log.progress && isatty(fileno(out)) ? "\n" : "",
                    r.stop.reason);
    }
    if (st == RL_OK) st = run_finish(&r, opts, res, err, err_sz);
    /* the handlers stay until the last checkpoint is written */
    signals_restore(old);
    if (r.have_v) report_nonfinite(out, &r.v, r.step, true, &res->env_nonfinite);
    if (st == RL_ERR_IO && r.write_failed) st = write_stop(&r, opts, res, err, err_sz);
    run_close(&r, res);
    return st;
}

rl_status trainer_run(const rl_config *cfg, const trainer_opts *opts, trainer_result *res,
                      char *err, size_t err_sz)
{
    /* a file size limit (ulimit -f) makes a write fail with EFBIG, a failed write like any
     * other, rather than kill the process */
    struct sigaction ignore, old;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGXFSZ, &ignore, &old);
    rl_status st = train(cfg, opts, res, err, err_sz);
    sigaction(SIGXFSZ, &old, NULL);
    return st;
}
