/* rlc cli: `rlc train` and `rlc eval`. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "train/trainer.h"
#include "train/trainer_gemm.h"
#include "core/dist.h"
#include "core/fs.h"
#include "cli/cli.h"
#include "cli/resume_changes.h"
#include "nn/nn.h"

#define MAX_SETS 128
#define MAX_PLUGINS 16

static void train_usage(FILE *out)
{
    fprintf(out,
            "usage: rlc train CONFIG.yaml [--set section.key=value]... [--seed N] [--run-dir DIR] [--quiet]\n"
            "       rlc train --resume RUN_DIR [--plugin PATH]... [--set section.key=value]...\n\n"
            "Trains the agent a YAML config describes and prints its final evaluation.\n\n"
            "  --set k=v      override any config key (same validation as the file); repeatable,\n"
            "                 e.g. --set ppo.learning_rate=1e-3 --set losses.value=huber\n"
            "  --seed N       shorthand for --set seed=N\n"
            "  --run-dir DIR  where to write config.yaml, checkpoint.safetensors, metrics.csv, eval.csv\n"
            "                 (default runs/<config name>-seed<N>, with -2, -3... if taken)\n"
            "  --resume DIR   continue an interrupted run from its checkpoint (a finished run is left\n"
            "                 as it is: exit status 0). --set then changes keys from that step on,\n"
            "                 printed and appended to DIR/resume_changes.txt; algo cannot change\n"
            "  --plugin PATH  with --resume: load this plugin (.so: environments, losses); repeatable.\n"
            "                 A run directory's env.plugin and loss plugins are never loaded by\n"
            "                 themselves, since they could run any code; a CONFIG.yaml you name\n"
            "                 loads its plugins as usual\n"
            "  --quiet        no progress line\n\n"
            "One process at a time trains in a run directory (it holds DIR/run.lock). SIGINT,\n"
            "SIGTERM, SIGHUP and SIGPIPE (stdout closed) stop the run after a checkpoint.\n"
            "Exit status: 0 done, 1 error, 2 bad arguments, 74 a write into the run directory\n"
            "failed while training (disk full, file size limit: the files keep whole rows, and\n"
            "--resume continues from the last checkpoint), 75 the run directory is in use by\n"
            "another process, 128 + the signal number when a signal stopped the run (130 SIGINT,\n"
            "143 SIGTERM, 129 SIGHUP, 141 SIGPIPE).\n\n"
            "`rlc config` lists every config key with its default.\n");
}

static void default_run_dir(char *out, size_t sz, const char *config_path, int64_t seed)
{
    const char *base = strrchr(config_path, '/');
    base = base ? base + 1 : config_path;
    char stem[200];
    snprintf(stem, sizeof stem, "%.*s", (int)sizeof stem - 1, base);
    char *dot = strrchr(stem, '.');
    if (dot) *dot = '\0';
    snprintf(out, sz, "runs/%s-seed%lld", stem, (long long)seed);
    for (int k = 2; rl_is_dir(out) && k < 10000; k++)
        snprintf(out, sz, "runs/%s-seed%lld-%d", stem, (long long)seed, k);
}

/* the exit status for a trainer_run failure */
static int train_exit_status(rl_status st, const trainer_result *res)
{
    if (st == RL_ERR_INTERRUPTED) return 128 + res->signal;
    if (st == RL_ERR_BUSY) return TRAINER_EXIT_BUSY;
    if (res->write_failed) return TRAINER_EXIT_WRITE;
    return 1;
}

/* loads the --plugin paths the user gave; prints the error and returns false on failure */
static bool load_plugins(const char *cmd, const char *const *plugins, int n)
{
    for (int i = 0; i < n; i++) {
        char err[1024] = "";
        if (env_load_plugin(plugins[i], err, sizeof err) != RL_OK) {
            fprintf(stderr, "rlc %s: --plugin: %s\n", cmd, err);
            return false;
        }
    }
    return true;
}

/* what the command line of `rlc train` asks for */
typedef struct {
    const char *config, *run_dir, *resume;
    const char *sets[MAX_SETS], *plugins[MAX_PLUGINS];
    char seed_set[64];
    int n_sets, n_plugins;
    bool quiet;
} train_args;

/* one option with its value at argv[*i]; returns -1 to go on, else the exit status */
static int train_parse_option(train_args *a, char **argv, int *i)
{
    const char *opt = argv[*i], *v = argv[++*i];
    if (strcmp(opt, "--set") == 0 || strcmp(opt, "--seed") == 0) {
        if (a->n_sets == MAX_SETS) {
            fprintf(stderr, "rlc train: more than %d --set options\n", MAX_SETS);
            return 2;
        }
        if (strcmp(opt, "--set") == 0) {
            a->sets[a->n_sets++] = v;
            return -1;
        }
        char *end;
        errno = 0;
        long long s = strtoll(v, &end, 10);
        if (*end || end == v || errno || s < 0 || s > 2147483647) {
            fprintf(stderr, "rlc train: --seed: expected an integer in 0..2147483647, got '%s'\n", v);
            return 2;
        }
        snprintf(a->seed_set, sizeof a->seed_set, "seed=%lld", s);
        a->sets[a->n_sets++] = a->seed_set;
    } else if (strcmp(opt, "--run-dir") == 0) {
        a->run_dir = v;
    } else if (strcmp(opt, "--resume") == 0) {
        a->resume = v;
    } else {
        if (a->n_plugins == MAX_PLUGINS) {
            fprintf(stderr, "rlc train: more than %d --plugin options\n", MAX_PLUGINS);
            return 2;
        }
        a->plugins[a->n_plugins++] = v;
    }
    return -1;
}

/* returns -1 when the arguments are complete and consistent, else the exit status */
static int train_parse_args(int argc, char **argv, train_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            train_usage(stdout);
            return 0;
        }
        int needs = strcmp(arg, "--set") == 0 || strcmp(arg, "--seed") == 0 || strcmp(arg, "--run-dir") == 0 ||
                    strcmp(arg, "--resume") == 0 || strcmp(arg, "--plugin") == 0;
        int rc = -1;
        if (needs && i + 1 >= argc) {
            fprintf(stderr, "rlc train: %s needs a value\n", arg);
            return 2;
        }
        if (needs) rc = train_parse_option(a, argv, &i);
        else if (strcmp(arg, "--quiet") == 0) a->quiet = true;
        else if (arg[0] == '-') {
            fprintf(stderr, "rlc train: unknown option '%s' (see rlc train --help)\n", arg);
            return 2;
        } else if (!a->config) a->config = arg;
        else {
            fprintf(stderr, "rlc train: unexpected argument '%s' (one config file only)\n", arg);
            return 2;
        }
        if (rc >= 0) return rc;
    }
    const char *bad = !a->config && !a->resume ? "missing CONFIG.yaml (see rlc train --help)"
                      : a->config && a->resume ? "give either CONFIG.yaml or --resume RUN_DIR, not both"
                      : a->n_plugins && !a->resume
                          ? "--plugin goes with --resume; a CONFIG.yaml names its plugins with env.plugin and losses' plugin"
                          : NULL;
    if (bad) {
        fprintf(stderr, "rlc train: %s\n", bad);
        return 2;
    }
    return -1;
}

/* The config of a run (CONFIG.yaml, or RUN_DIR/config.yaml with --resume) with the --set
 * overrides, its plugins loaded: the named YAML's env.plugin, or --plugin with --resume (a run
 * directory's plugin is never loaded by itself). Returns false after printing the error. */
static bool train_load_config(train_args *a, rl_config *cfg, char *cfg_path, size_t cfg_sz)
{
    char err[1024] = "";
    if (a->resume) {
        snprintf(cfg_path, cfg_sz, "%s/config.yaml", a->resume);
        a->config = cfg_path;
        a->run_dir = a->resume;
        if (rl_path_exists(cfg_path) && !rl_is_file(cfg_path)) {   /* a FIFO would block the read */
            fprintf(stderr, "rlc train: %s: not a regular file (a FIFO, a directory or a device in place of its config)\n", cfg_path);
            return false;
        }
    }
    if (rl_config_load(cfg, a->config, a->sets, a->n_sets, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc train: %s\n", err);
        return false;
    }
    if (a->resume) return load_plugins("train", a->plugins, a->n_plugins);
    if (trainer_prepare_envs(cfg, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc train: %s\n", err);
        return false;
    }
    return true;
}

/* the final report of a run that ended normally */
static void train_report(const rl_config *cfg, const trainer_result *res, const char *run_dir, bool quiet)
{
    if (res->already_finished && res->stopped) {
        printf("%s stopped early at %s; its stop rule still holds, so there is nothing to do (turn the rule off or "
               "loosen it with --set stop.reward_threshold=... or stop.patience=... to train it further)\n",
               run_dir, res->stop_reason);
        return;
    }
    if (res->already_finished) {
        printf("%s already finished: step %lld of %lld, evaluated there (the last row of its eval.csv); "
               "nothing to do (--set total_steps=N with a larger N trains it further)\n",
               run_dir, (long long)res->steps, (long long)cfg->root.total_steps);
        return;
    }
    if (res->start_step > 0)
        printf("trained steps %lld to %lld (%lld in this run) in %.2f s (%.0f steps/s)\n", (long long)res->start_step,
               (long long)res->steps, (long long)(res->steps - res->start_step), res->wall_s, res->sps);
    else
        printf("trained %lld steps in %.2f s (%.0f steps/s)\n", (long long)res->steps, res->wall_s, res->sps);
    if (res->stopped && quiet) printf("stopped early at %s\n", res->stop_reason);
    if (res->threshold_step >= 0)
        printf("mean return of the last %lld episodes first reached the threshold at step %lld (%.2f s)\n",
               (long long)cfg->log.return_window, (long long)res->threshold_step, res->threshold_wall_s);
    if (res->env_warnings)
        printf("environment warnings: %llu (numerical trouble counted by the envs, e.g. MuJoCo warnings "
               "and simulation resets after divergence)\n", (unsigned long long)res->env_warnings);
    printf("final evaluation: return %.2f +- %.2f over %lld episodes%s\n", res->eval_mean, res->eval_std,
           (long long)cfg->log.eval_episodes, cfg->log.eval_deterministic ? "" : " (stochastic policy)");
    printf("run directory: %s\n", run_dir);
}

/* the measured GEMM dispatch table of the run (train/trainer_gemm.h); false after printing why */
static bool train_gemm_table(const train_args *a)
{
    static nn_gemm_table table;   /* in use for the whole training */
    char note[2048], err[1400];
    if (trainer_gemm_table_pick(a->run_dir, a->resume != NULL, &table, note, sizeof note, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc train: %s\n", err);
        return false;
    }
    if (note[0] && rl_dist_rank() == 0) fprintf(stderr, "rlc train: warning: %s\n", note);
    return true;
}

/* trains; returns the exit status */
static int train_execute(const rl_config *cfg, const train_args *a, const char *changes)
{
    /* data-parallel (docs/distributed.md): rank 0 speaks for the job */
    if (rl_dist_rank() > 0 && !freopen("/dev/null", "w", stdout)) return 1;
    /* the banner: printed by trainer_run once it holds the run directory's lock */
    char banner[2048];
    int len = 0;
    if (rl_dist_size() > 1)
        len = snprintf(banner, sizeof banner, "rlc train: data-parallel over %d ranks, %lld envs each\n",
                       rl_dist_size(), (long long)cfg->env.num_envs);
    snprintf(banner + len, sizeof banner - (size_t)len, "rlc train: %s on %s, seed %lld, %lld steps, %s -> %s\n",
             cfg->root.algo, cfg->env.id, (long long)cfg->root.seed, (long long)cfg->root.total_steps,
             nn_gemm_library(), a->run_dir);
    trainer_opts opts = {.run_dir = a->run_dir, .resume = a->resume != NULL, .quiet = a->quiet, .out = stdout,
                         .resume_changes = changes, .banner = banner};
    trainer_result res;
    char err[2048] = "";
    rl_status st = trainer_run(cfg, &opts, &res, err, sizeof err);
    if (st != RL_OK) {
        if (rl_dist_rank() == 0 || st != RL_ERR_INTERRUPTED)
            fprintf(stderr, "rlc train%s: %s\n", rl_dist_rank() ? " (a rank > 0)" : "", err);
        /* one rank's error would leave the others waiting in a collective: end the job */
        if (rl_dist_size() > 1 && st != RL_ERR_INTERRUPTED) rl_dist_abort(train_exit_status(st, &res));
        return train_exit_status(st, &res);
    }
    train_report(cfg, &res, a->run_dir, a->quiet);
    return 0;
}

int cli_train(int argc, char **argv)
{
    /* stdout and stderr often share one file (an ablation's train.log, `> log 2>&1`): line
     * buffering keeps their lines in the order they were written */
    setvbuf(stdout, NULL, _IOLBF, 0);
    train_args a;
    int rc = train_parse_args(argc, argv, &a);
    if (rc >= 0) return rc;
    /* a closed stdout must not kill the run: SIGPIPE checkpoints during training (trainer_run),
     * and the messages after it fail quietly */
    signal(SIGPIPE, SIG_IGN);
    char cfg_path[1100], dir[1100];
    rl_config cfg;
    if (a.resume && !rl_is_dir(a.resume)) {
        fprintf(stderr, "rlc train: --resume %s: %s\n", a.resume,
                rl_path_exists(a.resume) ? "not a directory (a run directory is expected)" : "no such run directory");
        return 1;
    }
    if (a.resume && cli_refuse_python_env("train", a.resume, "resume it from Python with rlc.train(run_dir=..., "
                                                             "resume=True, env=...)"))
        return 1;
    if (!train_load_config(&a, &cfg, cfg_path, sizeof cfg_path)) return 1;
    char *changes = NULL;
    if (a.resume && !train_resume_changes(a.resume, cfg_path, &cfg, &changes)) return 1;
    if (!a.run_dir) {
        if (rl_dist_rank() == 0) default_run_dir(dir, sizeof dir, a.config, cfg.root.seed);
        rl_dist_bcast(dir, sizeof dir, 0);   /* data-parallel: rank 0's choice */
        a.run_dir = dir;
    }
    rc = train_gemm_table(&a) ? train_execute(&cfg, &a, changes) : 1;
    free(changes);
    return rc;
}

int cli_eval(int argc, char **argv)
{
    const char *path = NULL, *plugins[MAX_PLUGINS];
    int n_plugins = 0;
    long long episodes = 10, seed = 1000000;
    bool stochastic = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: rlc eval RUN_DIR_OR_CHECKPOINT [--episodes N] [--seed S] [--stochastic]\n"
                   "                [--plugin PATH]...\n\n"
                   "Runs N deterministic episodes (default 10, seeds S, S+1, ...; default S 1000000)\n"
                   "with a trained agent and prints the mean and standard deviation of the return.\n"
                   "On an environment that publishes action masks (Taxi) the agent acts among the\n"
                   "valid actions, as the run's env.action_mask says.\n\n"
                   "  --stochastic   sample the actions from the policy instead of taking its mode (DQN:\n"
                   "                 epsilon-greedy at the rate the run had reached; TD3 and DDPG are\n"
                   "                 deterministic either way); the same seed gives the same returns\n"
                   "  --plugin PATH  load a plugin (.so: environments, losses) first; repeatable. Needed\n"
                   "                 when the agent was trained on a plugin's environment or loss: the\n"
                   "                 plugin a checkpoint names is never loaded by itself, since it could\n"
                   "                 run any code\n");
            return 0;
        }
        if (strcmp(a, "--stochastic") == 0) {
            stochastic = true;
            continue;
        }
        if (strcmp(a, "--plugin") == 0) {
            if (i + 1 >= argc || n_plugins == MAX_PLUGINS) {
                fprintf(stderr, "rlc eval: --plugin needs a path (at most %d plugins)\n", MAX_PLUGINS);
                return 2;
            }
            plugins[n_plugins++] = argv[++i];
            continue;
        }
        if ((strcmp(a, "--episodes") == 0 || strcmp(a, "--seed") == 0)) {
            if (i + 1 >= argc) {
                fprintf(stderr, "rlc eval: %s needs a value\n", a);
                return 2;
            }
            char *end;
            errno = 0;
            long long v = strtoll(argv[++i], &end, 10);
            long long lo = strcmp(a, "--episodes") == 0 ? 1 : 0;
            if (*end || end == argv[i] || errno || v < lo || v > 1000000000LL) {
                fprintf(stderr, "rlc eval: %s: expected an integer >= %lld, got '%s'\n", a, lo, argv[i]);
                return 2;
            }
            if (strcmp(a, "--episodes") == 0) episodes = v;
            else seed = v;
        } else if (a[0] == '-') {
            fprintf(stderr, "rlc eval: unknown option '%s' (see rlc eval --help)\n", a);
            return 2;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "rlc eval: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "rlc eval: missing RUN_DIR_OR_CHECKPOINT (see rlc eval --help)\n");
        return 2;
    }
    if (!load_plugins("eval", plugins, n_plugins)) return 1;
    if (cli_refuse_python_env("eval", path, "evaluate it from Python with rlc.evaluate(policy, env=...)")) return 1;
    char err[1024] = "";
    rl_config cfg;
    const agent_algo *algo;
    void *agent = NULL;
    rl_status st = trainer_load_agent(path, &cfg, &algo, &agent, err, sizeof err);
    if (st != RL_OK) {
        fprintf(stderr, "rlc eval: %s\n", err);
        return 1;
    }
    double mean, std;
    cfg.log.eval_deterministic = !stochastic;   /* the run's log.eval_deterministic is for training */
    st = trainer_evaluate(algo, agent, &cfg, (int)episodes, seed, &mean, &std, err, sizeof err);
    algo->destroy(agent);
    if (st != RL_OK) {
        fprintf(stderr, "rlc eval: %s\n", err);
        return 1;
    }
    printf("%s on %s: return %.2f +- %.2f over %lld episodes%s\n", cfg.root.algo, cfg.env.id, mean, std, episodes,
           stochastic ? " (stochastic policy)" : "");
    return 0;
}

static void config_usage(FILE *out)
{
    char names[1024];
    rl_config_section_names(names, sizeof names);
    fprintf(out,
            "usage: rlc config [SECTION]...\n\n"
            "Prints every config key with its type, default, range or choices and meaning; with\n"
            "SECTION names, only those sections (top is the top-level keys: algo, seed, total_steps...).\n\n"
            "sections: %s\n", names);
}

/* every SECTION is checked before any is printed */
int cli_config(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char err[1400] = "";
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            config_usage(stdout);
            return 0;
        }
        if (argv[i][0] == '-') {
            fprintf(stderr, "rlc config: unknown option '%s' (see rlc config --help)\n", argv[i]);
            return 2;
        }
        if (rl_config_print_section(NULL, argv[i], err, sizeof err) != RL_OK) {
            fprintf(stderr, "rlc config: %s\n", err);
            return 2;
        }
    }
    if (argc < 2) rl_config_print_reference(stdout);
    for (int i = 1; i < argc; i++) rl_config_print_section(stdout, argv[i], NULL, 0);
    return 0;
}
