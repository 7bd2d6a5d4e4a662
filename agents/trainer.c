/* rlc agents: the shared training loop, evaluation, run directories and checkpoints. */
#include "agents/trainer.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agents/trainer_dp.h"
#include "core/fs.h"
#include "core/log.h"

static volatile sig_atomic_t stop_signal = 0;

static void on_signal(int sig) { stop_signal = sig; }

rl_status trainer_prepare_envs(const rl_config *cfg, char *err, size_t err_sz)
{
    static char loaded[16][RL_STR_MAX];
    static int n_loaded = 0;
    if (!cfg->env.plugin[0]) return RL_OK;
    for (int i = 0; i < n_loaded; i++)
        if (strcmp(loaded[i], cfg->env.plugin) == 0) return RL_OK;
    rl_status st = env_load_plugin(cfg->env.plugin, err, err_sz);
    if (st == RL_OK && n_loaded < 16) snprintf(loaded[n_loaded++], RL_STR_MAX, "%s", cfg->env.plugin);
    return st;
}

rl_status trainer_evaluate(const agent_algo *algo, void *agent, const rl_config *cfg,
                           int n_episodes, int64_t seed, double *mean, double *std, char *err,
                           size_t err_sz)
{
    int nb = n_episodes < AGENT_EVAL_BATCH ? n_episodes : AGENT_EVAL_BATCH;
    env_vec ev;
    rl_status st = env_vec_make(&ev, cfg->env.id, nb, (int)cfg->env.max_episode_steps, err, err_sz);
    if (st != RL_OK) return st;
    float *actions = rl_xcalloc((size_t)nb * ev.act_dim, sizeof(float));
    bool *active = rl_xcalloc((size_t)nb, sizeof(bool));
    double sum = 0.0, sumsq = 0.0;
    int done_eps = 0;
    while (done_eps < n_episodes) {
        int k = n_episodes - done_eps < nb ? n_episodes - done_eps : nb;
        env_vec_reset(&ev, seed + done_eps);
        for (int i = 0; i < nb; i++) active[i] = i < k;
        int n_active = k;
        while (n_active > 0) {
            algo->act(agent, ev.obs, nb, actions, false);
            env_vec_step(&ev, actions);
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
    env_vec_free(&ev);
    return RL_OK;
}

rl_status trainer_load_agent(const char *path, rl_config *cfg, const agent_algo **algo,
                             void **agent, char *err, size_t err_sz)
{
    char file[1100];
    struct stat sb;
    if (stat(path, &sb) != 0)
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: no such run directory or checkpoint", path);
    if (S_ISDIR(sb.st_mode)) snprintf(file, sizeof file, "%s/checkpoint.safetensors", path);
    else snprintf(file, sizeof file, "%s", path);
    nn_safetensors *f = NULL;
    rl_status st = nn_safetensors_open(&f, file, err, err_sz);
    if (st != RL_OK) return st;
    const char *yaml = nn_safetensors_meta(f, "rlc.config");
    if (!yaml) {
        nn_safetensors_close(f);
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: not an rlc checkpoint (no rlc.config metadata)", file);
    }
    if ((st = rl_config_load_string(cfg, yaml, file, NULL, 0, err, err_sz)) ||
        (st = trainer_prepare_envs(cfg, err, err_sz))) {
        nn_safetensors_close(f);
        return st;
    }
    const env_def *def = env_find(cfg->env.id);
    *algo = agent_find(cfg->root.algo);
    if (!def || !*algo) {
        nn_safetensors_close(f);
        return rl_errf(err, err_sz, RL_ERR_NOT_FOUND, "%s: %s '%s' is not available in this build", file,
                       def ? "algo" : "env", def ? cfg->root.algo : cfg->env.id);
    }
    if ((st = (*algo)->create(agent, cfg, &def->obs_space, &def->act_space, (int)cfg->env.num_envs, err, err_sz))) {
        nn_safetensors_close(f);
        return st;
    }
    st = (*algo)->load(*agent, f, false, err, err_sz);
    nn_safetensors_close(f);
    if (st != RL_OK) {
        (*algo)->destroy(*agent);
        *agent = NULL;
    }
    return st;
}

/* ---- the loop ---------------------------------------------------------------------------- */

typedef struct {
    const rl_config *cfg;
    const agent_algo *algo;
    void *agent;
    const char *run_dir;
    char ckpt[1100];
    int64_t step, episodes, eval_count;
} run_state;

static rl_status checkpoint(run_state *r, char *err, size_t err_sz)
{
    char step[32], eps[32], evals[32];
    snprintf(step, sizeof step, "%lld", (long long)r->step);
    snprintf(eps, sizeof eps, "%lld", (long long)r->episodes);
    snprintf(evals, sizeof evals, "%lld", (long long)r->eval_count);
    char *yaml = rl_config_dump_string(r->cfg);
    nn_meta meta[] = {
        {"format", "pt"},   /* lets safetensors' torch loader accept the file */
        {"rlc.version", "0.1.0"},
        {"rlc.env", r->cfg->env.id},
        {"rlc.step", step},
        {"rlc.episodes", eps},
        {"rlc.evals", evals},
        {"rlc.config", yaml},
    };
    rl_status st = r->algo->save(r->agent, r->ckpt, meta, RL_ARRAY_LEN(meta), err, err_sz);
    free(yaml);
    return st;
}

static rl_status evaluate_row(run_state *r, rl_csv *eval_csv, double *mean, double *std, char *err,
                              size_t err_sz)
{
    /* evaluation seeds never overlap training seeds (vector resets use seed + i) */
    int64_t seed = (int64_t)(rl_seed_derive((uint64_t)r->cfg->root.seed, 1000 + (uint64_t)r->eval_count) & 0x3fffffff);
    rl_status st = trainer_evaluate(r->algo, r->agent, r->cfg, (int)r->cfg->log.eval_episodes, seed,
                                    mean, std, err, err_sz);
    if (st != RL_OK) return st;
    r->eval_count++;
    double row[] = {(double)r->step, *mean, *std, (double)r->cfg->log.eval_episodes};
    rl_csv_row(eval_csv, row);
    return RL_OK;
}

rl_status trainer_run(const rl_config *cfg, const trainer_opts *opts, trainer_result *res,
                      char *err, size_t err_sz)
{
    FILE *out = opts->out ? opts->out : stdout;
    memset(res, 0, sizeof *res);
    res->threshold_step = -1;
    res->threshold_wall_s = NAN;
    openblas_set_num_threads(1);   /* small matrices: one thread is fastest and deterministic */

    rl_status st = trainer_prepare_envs(cfg, err, err_sz);
    if (st != RL_OK) return st;
    const agent_algo *algo = agent_find(cfg->root.algo);
    if (!algo) return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo: unknown algorithm '%s'", cfg->source, cfg->root.algo);
    const env_def *def = env_find(cfg->env.id);
    if (!def)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: env.id: unknown environment '%s' (rlc envs lists them)",
                       cfg->source, cfg->env.id);

    run_state r = {.cfg = cfg, .algo = algo, .run_dir = opts->run_dir};
    snprintf(r.ckpt, sizeof r.ckpt, "%s/checkpoint.safetensors", opts->run_dir);
    if (!opts->resume && rl_path_exists(r.ckpt))
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "%s already holds a checkpoint: resume it with `rlc train --resume %s`, or choose another --run-dir",
                       opts->run_dir, opts->run_dir);

    /* the env and the agent validate the rest of the config before anything is written */
    env_vec v;
    int N = (int)cfg->env.num_envs;
    if ((st = env_vec_make(&v, cfg->env.id, N, (int)cfg->env.max_episode_steps, err, err_sz))) return st;
    /* data-parallel over MPI ranks (agents/trainer_dp.h): this rank's seed; rank 0 alone writes */
    trainer_dp dp;
    if ((st = trainer_dp_begin(&dp, cfg, algo, err, err_sz)) ||
        (st = algo->create(&r.agent, dp.cfg, &def->obs_space, &def->act_space, N, err, err_sz))) {
        trainer_dp_end(&dp);
        env_vec_free(&v);
        return st;
    }
    if (dp.lead && (st = rl_mkdir_p(opts->run_dir, err, err_sz))) {
        trainer_dp_end(&dp);
        algo->destroy(r.agent);
        env_vec_free(&v);
        return st;
    }
    float *actions = rl_xcalloc((size_t)N * v.act_dim, sizeof(float));
    int window = (int)cfg->log.return_window;
    double *recent = rl_xcalloc((size_t)window, sizeof(double));
    double *recent_len = rl_xcalloc((size_t)window, sizeof(double));
    double stats[AGENT_MAX_STATS];
    for (int i = 0; i < AGENT_MAX_STATS; i++) stats[i] = NAN;
    rl_csv metrics = {0}, evals = {0}, timing = {0};
    char path[1100];

    if (opts->resume) {
        nn_safetensors *f = NULL;
        if ((st = nn_safetensors_open(&f, r.ckpt, err, err_sz))) goto done;
        unsigned long long step = 0, episodes = 0, evals = 0;
        if ((st = algo->load(r.agent, f, true, err, err_sz)) == RL_OK &&
            (st = nn_safetensors_meta_u64(f, "rlc.step", &step, err, err_sz)) == RL_OK &&
            (st = nn_safetensors_meta_u64(f, "rlc.episodes", &episodes, err, err_sz)) == RL_OK)
            st = nn_safetensors_meta_u64(f, "rlc.evals", &evals, err, err_sz);
        r.step = (int64_t)step;
        r.episodes = (int64_t)episodes;
        r.eval_count = (int64_t)evals;
        nn_safetensors_close(f);
        if (st != RL_OK) goto done;
        const char *csvs[] = {"metrics.csv", "eval.csv", "timing.csv"};
        for (int i = 0; i < 3 && st == RL_OK && dp.lead; i++) {
            snprintf(path, sizeof path, "%s/%s", opts->run_dir, csvs[i]);
            st = rl_csv_truncate_after(path, (double)r.step, err, err_sz);
        }
        if (st != RL_OK) goto done;
        fprintf(out, "resuming %s at step %lld\n", opts->run_dir, (long long)r.step);
    }
    {
        char *yaml = rl_config_dump_string(cfg);
        snprintf(path, sizeof path, "%s/config.yaml", opts->run_dir);
        if (dp.lead) st = rl_write_atomic(path, yaml, err, err_sz);
        free(yaml);
        if (st != RL_OK) goto done;
    }
    const char *mcols[4 + AGENT_MAX_STATS] = {"step", "episodes", "return_mean", "length_mean"};
    for (int i = 0; i < algo->n_stats; i++) mcols[4 + i] = algo->stat_names[i];
    int n_stats = algo->n_stats;
    if (algo->extra_stats) n_stats += algo->extra_stats(r.agent, mcols + 4 + n_stats, AGENT_MAX_STATS - n_stats);
    const char *ecols[] = {"step", "return_mean", "return_std", "episodes"};
    const char *tcols[] = {"step", "wall_s", "steps_per_s"};
    snprintf(path, sizeof path, "%s/metrics.csv", opts->run_dir);
    if (!dp.lead) goto opened;   /* the other ranks' rows go nowhere (rl_csv_row on a closed file) */
    if ((st = rl_csv_open(&metrics, path, mcols, 4 + n_stats, opts->resume, err, err_sz))) goto done;
    snprintf(path, sizeof path, "%s/eval.csv", opts->run_dir);
    if ((st = rl_csv_open(&evals, path, ecols, 4, opts->resume, err, err_sz))) goto done;
    snprintf(path, sizeof path, "%s/timing.csv", opts->run_dir);
    if ((st = rl_csv_open(&timing, path, tcols, 3, opts->resume, err, err_sz))) goto done;
opened:

    /* a resumed run starts fresh episodes from a seed derived from where it stopped */
    int64_t reset_seed = opts->resume ? (int64_t)(rl_seed_derive((uint64_t)dp.cfg->root.seed, (uint64_t)r.step) & 0x3fffffff)
                                      : dp.cfg->root.seed;
    env_vec_reset(&v, reset_seed);
    trainer_dp_broadcast(&dp, algo, r.agent, r.episodes);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    const int64_t total = cfg->root.total_steps;
    const int64_t log_iv = cfg->log.log_interval, eval_iv = cfg->log.eval_interval, ckpt_iv = cfg->log.checkpoint_interval;
    const int64_t start_step = r.step;
    int64_t last_eval_step = -1, n_recent = 0;
    const double threshold = def->reward_threshold;
    double t0 = rl_now(), mean_ret = NAN, mean_len = NAN;
    while (r.step < total && !trainer_dp_stop(&dp, stop_signal, false)) {
        algo->act(r.agent, v.obs, N, actions, true);
        env_vec_step(&v, actions);
        int64_t prev = r.step;
        r.step += (int64_t)N * dp.size;   /* every rank's steps */
        for (int i = 0; i < N; i++) {
            if (!(v.terminated[i] || v.truncated[i])) continue;
            recent[n_recent % window] = v.ep_return[i];
            recent_len[n_recent % window] = v.ep_length[i];
            n_recent++;
            r.episodes++;
        }
        if (n_recent > 0) {
            int k = n_recent < window ? (int)n_recent : window;
            double s = 0, sl = 0;
            for (int i = 0; i < k; i++) s += recent[i], sl += recent_len[i];
            mean_ret = s / k;
            mean_len = sl / k;
            if (res->threshold_step < 0 && n_recent >= window && !isnan(threshold) && mean_ret >= threshold) {
                res->threshold_step = r.step;
                res->threshold_wall_s = rl_now() - t0;
            }
        }
        algo->observe(r.agent, &v);
        algo->learn(r.agent, &v, r.step, total, stats);

        if (r.step / log_iv != prev / log_iv || r.step >= total) {
            trainer_dp_episodes(&dp, recent, recent_len, n_recent, window, &r.episodes, &mean_ret, &mean_len);
            if ((st = trainer_dp_check(&dp, algo, r.agent, r.step, err, err_sz))) break;
            double row[4 + AGENT_MAX_STATS] = {(double)r.step, (double)r.episodes, mean_ret, mean_len};
            for (int i = 0; i < n_stats; i++) row[4 + i] = stats[i];
            rl_csv_row(&metrics, row);
            double el = rl_now() - t0, sps = (double)(r.step - start_step) / (el > 0 ? el : 1e-9);
            double trow[] = {(double)r.step, el, sps};
            rl_csv_row(&timing, trow);
            if (cfg->log.progress && !opts->quiet)
                rl_progress_print(out, r.step, total, sps, mean_ret, el, r.step >= total);
        }
        if (dp.lead && eval_iv > 0 && r.step / eval_iv != prev / eval_iv && r.step < total) {
            double m, s;
            if ((st = evaluate_row(&r, &evals, &m, &s, err, err_sz))) break;
            last_eval_step = r.step;
        }
        if (dp.lead && ckpt_iv > 0 && r.step / ckpt_iv != prev / ckpt_iv && r.step < total)
            if ((st = checkpoint(&r, err, err_sz))) break;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    res->steps = r.step;
    res->wall_s = rl_now() - t0;
    res->sps = (double)(r.step - start_step) / (res->wall_s > 0 ? res->wall_s : 1e-9);
    if (stop_signal && cfg->log.progress && !opts->quiet)
        rl_progress_print(out, r.step, total, res->sps, mean_ret, res->wall_s, true);
    if (st != RL_OK) goto done;

    if (dp.lead && (st = checkpoint(&r, err, err_sz))) goto done;
    if (trainer_dp_stop(&dp, stop_signal, true)) {
        st = rl_errf(err, err_sz, RL_ERR_INTERRUPTED,
                     "interrupted by signal %d at step %lld; checkpoint saved in %s; continue with `rlc train --resume %s`",
                     (int)stop_signal, (long long)r.step, r.ckpt, opts->run_dir);
        goto done;
    }
    if (dp.lead && last_eval_step != r.step) {
        if ((st = evaluate_row(&r, &evals, &res->eval_mean, &res->eval_std, err, err_sz))) goto done;
        /* the checkpoint records the evaluation count too */
        if ((st = checkpoint(&r, err, err_sz))) goto done;
    }

done:
    for (int i = 0; i < N; i++)
        if (v.envs[i].def->warnings) res->env_warnings += v.envs[i].def->warnings(v.envs[i].state);
    rl_csv_close(&metrics);
    rl_csv_close(&evals);
    rl_csv_close(&timing);
    free(actions);
    free(recent);
    free(recent_len);
    algo->destroy(r.agent);
    env_vec_free(&v);
    trainer_dp_end(&dp);
    return st;
}
