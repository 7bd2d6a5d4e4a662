/* rlc cli: `rlc envs` (the registered environments and their spaces), `rlc rollout` (a CSV of
 * one episode stream under a random or trained policy) and `rlc check-env` (envs/check.h), and
 * where an installed rlc finds its data (cli_default_data_dir). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "train/trainer.h"
#include "train/trainer_env.h"
#include "cli/cli.h"
#include "envs/check.h"
#include "envs/env_args.h"
#include "envs/env.h"
#include "envs/wrappers.h"
#ifdef RLC_HAVE_MUJOCO
#include "envs/mujoco/mujoco_envs.h"
#endif

#define MAX_PLUGINS 16

/* ---- shared helpers ---------------------------------------------------------------------- */

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

void cli_default_data_dir(void)
{
    const char *v = getenv("RLC_DATA_DIR");
    if (v && v[0]) return;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = '\0';
    /* <prefix>/bin/rlc -> <prefix>/share/rlc */
    for (int k = 0; k < 2; k++) {
        char *slash = strrchr(exe, '/');
        if (!slash) return;
        *slash = '\0';
    }
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/share/rlc", exe[0] ? exe : "");
    if (is_dir(dir)) setenv("RLC_DATA_DIR", dir, 1);
}

/* parses an integer option value in [lo, hi]; prints the error and returns false otherwise */
static bool parse_ll(const char *cmd, const char *opt, const char *v, long long lo, long long hi,
                     long long *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (*end || end == v || errno || x < lo || x > hi) {
        fprintf(stderr, "rlc %s: %s: expected an integer in %lld..%lld, got '%s'\n", cmd, opt, lo, hi, v);
        return false;
    }
    *out = x;
    return true;
}

/* loads the plugins in order; prints the error and returns false on the first failure */
static bool load_plugins(const char *cmd, const char *const *plugins, int n)
{
    for (int i = 0; i < n; i++) {
        char err[1024] = "";
        if (env_load_plugin(plugins[i], err, sizeof err) != RL_OK) {
            fprintf(stderr, "rlc %s: %s\n", cmd, err);
            return false;
        }
    }
    return true;
}

/* ---- rlc envs ---------------------------------------------------------------------------- */

static void envs_usage(FILE *out)
{
    fprintf(out,
            "usage: rlc envs [ID] [--plugin PATH]... [--data-dir]\n\n"
            "Lists every registered environment id with its observation and action spaces (kind,\n"
            "shape, bounds), its step limit (TimeLimit) and reward threshold. With ID, prints that\n"
            "environment's bounds dimension by dimension.\n\n"
            "  --plugin PATH  load an environment plugin (.so) first; repeatable\n"
            "  --data-dir     print the directory the MuJoCo model files are read from and exit\n"
            "                 (searched in: $RLC_DATA_DIR/mujoco, <install prefix>/share/rlc/mujoco,\n"
            "                 the source tree; an installed rlc sets RLC_DATA_DIR to\n"
            "                 <its prefix>/share/rlc when unset or empty)\n");
}

static void print_bounds(const char *name, const float *v, int n, FILE *out)
{
    fprintf(out, "    %-5s", name);
    for (int i = 0; i < n; i++) fprintf(out, " %.6g", v[i]);
    fputc('\n', out);
}

/* whether the n values are all the same */
static bool all_equal(const float *v, int n)
{
    for (int i = 1; i < n; i++)
        if (memcmp(&v[i], &v[0], sizeof v[0]) != 0) return false;
    return true;
}

/* a Dict's or Tuple's parts, one line each: name, where it lies in the row, its space */
static void print_parts(const env_space *s, FILE *out)
{
    fprintf(out, "  %-12s %s of %d parts, concatenated in this order%s\n", "parts", env_structure_name(s->structure),
            s->n_parts, s->structure == ENV_STRUCT_DICT ? " (the keys sorted)" : "");
    for (int i = 0; i < s->n_parts; i++) {
        env_space p = env_space_part(s, i);
        char name[24], buf[160];
        fprintf(out, "    %-16s [%d, %d)  %s\n", env_part_name(s, i, name, sizeof name), env_part_offset(s, i),
                env_part_offset(s, i + 1), env_space_describe(&p, buf, sizeof buf));
    }
}

static void print_env_details(const env_def *d, FILE *out)
{
    char buf[1024];
    fprintf(out, "%s\n", d->id);
    const env_space *sp[2] = {&d->obs_space, &d->act_space};
    const char *names[2] = {"observation", "action"};
    for (int k = 0; k < 2; k++) {
        fprintf(out, "  %-12s %s\n", names[k], env_space_describe(sp[k], buf, sizeof buf));
        if (sp[k]->n_parts > 0) print_parts(sp[k], out);
        /* an image's bounds, the same for every pixel, are in the summary line */
        bool same_image_bounds = sp[k]->rank == 3 && sp[k]->low && sp[k]->high && all_equal(sp[k]->low, sp[k]->dim) &&
                                 all_equal(sp[k]->high, sp[k]->dim);
        if (sp[k]->kind == ENV_SPACE_BOX && sp[k]->low && sp[k]->high && !same_image_bounds) {
            print_bounds("low", sp[k]->low, sp[k]->dim, out);
            print_bounds("high", sp[k]->high, sp[k]->dim, out);
        }
        if (sp[k]->kind == ENV_SPACE_MULTI_DISCRETE && sp[k]->dim > 9) {   /* the summary shows the first 8 */
            fprintf(out, "  %-12s", "nvec");
            for (int i = 0; i < sp[k]->dim; i++) fprintf(out, " %d", sp[k]->nvec[i]);
            fputc('\n', out);
        }
    }
    const env_goal *g = &d->obs_space.goal;
    if (g->goal_dim > 0 && !g->desired_offset)
        fprintf(out, "  %-12s [observation (%d), desired goal (%d)]; achieved goal: observation[%d..%d] (her.enabled)\n",
                "goals", g->obs_dim, g->goal_dim, g->achieved_offset, g->achieved_offset + g->goal_dim - 1);
    else if (g->goal_dim > 0)
        fprintf(out, "  %-12s achieved goal: obs[%d..%d], desired goal: obs[%d..%d] (her.enabled)\n", "goals",
                g->achieved_offset, g->achieved_offset + g->goal_dim - 1, g->desired_offset,
                g->desired_offset + g->goal_dim - 1);
    fprintf(out, "  %-12s %d%s\n", "step limit", d->max_episode_steps,
            d->max_episode_steps ? "" : " (none)");
    if (isnan(d->reward_threshold)) fprintf(out, "  %-12s none\n", "threshold");
    else fprintf(out, "  %-12s %g\n", "threshold", d->reward_threshold);
    fprintf(out, "arguments (env.kwargs in a config, rlc.make(id, **kwargs) in Python)\n");
    env_args_print(d, out);
}

static int print_data_dir(void)
{
#ifdef RLC_HAVE_MUJOCO
    char path[2048], err[4096] = "";
    if (env_mujoco_find_asset("hopper.xml", path, sizeof path, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc envs: %s\n", err);
        return 1;
    }
    char *slash = strrchr(path, '/');
    if (slash) *slash = '\0';
    printf("%s\n", path);
    return 0;
#else
    fprintf(stderr, "rlc envs: this build has no MuJoCo, so no data directory is used\n");
    return 1;
#endif
}

int cli_envs(int argc, char **argv)
{
    const char *plugins[MAX_PLUGINS];
    int n_plugins = 0;
    const char *id = NULL;
    bool data_dir = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            envs_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--plugin") == 0) {
            if (i + 1 >= argc || n_plugins == MAX_PLUGINS) {
                fprintf(stderr, "rlc envs: --plugin needs a path (at most %d plugins)\n", MAX_PLUGINS);
                return 2;
            }
            plugins[n_plugins++] = argv[++i];
        } else if (strcmp(a, "--data-dir") == 0) {
            data_dir = true;
        } else if (a[0] == '-') {
            fprintf(stderr, "rlc envs: unknown option '%s' (see rlc envs --help)\n", a);
            return 2;
        } else if (!id) {
            id = a;
        } else {
            fprintf(stderr, "rlc envs: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (data_dir) return print_data_dir();
    /* which registry entries each plugin added, for the source column */
    int first[MAX_PLUGINS + 1];
    int n;
    env_list(&n);
    first[0] = n;
    for (int p = 0; p < n_plugins; p++) {
        if (!load_plugins("envs", &plugins[p], 1)) return 1;
        env_list(&n);
        first[p + 1] = n;
    }
    if (id) {
        const env_def *d = env_find(id);
        if (!d) {
            char hint[200];
            env_did_you_mean(hint, sizeof hint, id);
            fprintf(stderr, "rlc envs: unknown environment id '%s'%s (`rlc envs` lists them)\n", id, hint);
            return 1;
        }
        print_env_details(d, stdout);
        return 0;
    }
    const env_def *const *defs = env_list(&n);
    printf("%-27s %-42s %-20s %6s %9s  %s\n", "id", "observation", "action", "steps", "threshold", "source");
    for (int i = 0; i < n; i++) {
        const env_def *d = defs[i];
        char obs[1024], act[160], thr[32] = "-";
        if (!isnan(d->reward_threshold)) snprintf(thr, sizeof thr, "%g", d->reward_threshold);
        const char *src = "built-in";
        for (int p = 0; p < n_plugins; p++)
            if (i >= first[p] && i < first[p + 1]) src = plugins[p];
        printf("%-27s %-42s %-20s %6d %9s  %s\n", d->id, env_space_describe(&d->obs_space, obs, sizeof obs),
               env_space_describe(&d->act_space, act, sizeof act), d->max_episode_steps, thr, src);
    }
    printf("%d environments (steps = the TimeLimit, 0 = none; `rlc envs ID` prints all bounds)\n", n);
    return 0;
}

/* ---- rlc rollout ------------------------------------------------------------------------- */

static void rollout_usage(FILE *out)
{
    fprintf(out,
            "usage: rlc rollout --env ID [--seed S] [--steps N] [--policy random|CHECKPOINT]\n"
            "                   [--out FILE.csv] [--plugin PATH]...\n\n"
            "Steps an environment N times (default 1000) from reset(seed S) (default 0), resetting\n"
            "when an episode ends, and writes one CSV row per step:\n"
            "  step, episode, obs_0..obs_{d-1} (the observation the action was chosen on),\n"
            "  act_0..act_{k-1}, reward, terminated, truncated\n\n"
            "  --policy random      sample the action space (default): Box uniform within finite\n"
            "                       bounds, normal where unbounded; Discrete uniform\n"
            "  --policy CHECKPOINT  a run directory or checkpoint file: the trained agent's\n"
            "                       deterministic action (--env defaults to its environment)\n"
            "  --out FILE.csv       write there instead of stdout (atomically: a temporary file\n"
            "                       renamed over it; a device or FIFO is written as it is)\n"
            "  --plugin PATH        load an environment plugin (.so) first; repeatable\n");
}

/* one CSV row */
static void rollout_row(FILE *fp, long long step, long long episode, const float *obs, int obs_dim,
                        const float *act, int act_dim, float reward, bool term, bool trunc)
{
    fprintf(fp, "%lld,%lld", step, episode);
    for (int i = 0; i < obs_dim; i++) fprintf(fp, ",%.9g", obs[i]);
    for (int i = 0; i < act_dim; i++) fprintf(fp, ",%.9g", act[i]);
    fprintf(fp, ",%.9g,%d,%d\n", reward, term, trunc);
}

/* rlc rollout's command line */
typedef struct {
    const char *plugins[MAX_PLUGINS];
    int n_plugins;
    const char *env_id, *policy, *out_path;
    long long seed, steps;
} rollout_args;

/* parses argv into *ra; returns -1 to go on, else the exit status (0 after --help) */
static int rollout_parse(int argc, char **argv, rollout_args *ra)
{
    *ra = (rollout_args){.policy = "random", .steps = 1000};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            rollout_usage(stdout);
            return 0;
        }
        bool known = strcmp(a, "--env") == 0 || strcmp(a, "--seed") == 0 || strcmp(a, "--steps") == 0 ||
                     strcmp(a, "--policy") == 0 || strcmp(a, "--out") == 0 || strcmp(a, "--plugin") == 0;
        if (!known) {
            fprintf(stderr, "rlc rollout: unknown %s '%s' (see rlc rollout --help)\n",
                    a[0] == '-' ? "option" : "argument", a);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "rlc rollout: %s needs a value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--env") == 0) ra->env_id = v;
        else if (strcmp(a, "--policy") == 0) ra->policy = v;
        else if (strcmp(a, "--out") == 0) ra->out_path = v;
        else if (strcmp(a, "--seed") == 0) {
            if (!parse_ll("rollout", a, v, 0, 2147483647LL, &ra->seed)) return 2;
        } else if (strcmp(a, "--steps") == 0) {
            if (!parse_ll("rollout", a, v, 1, 1000000000LL, &ra->steps)) return 2;
        } else {
            if (ra->n_plugins == MAX_PLUGINS) {
                fprintf(stderr, "rlc rollout: at most %d plugins\n", MAX_PLUGINS);
                return 2;
            }
            ra->plugins[ra->n_plugins++] = v;
        }
    }
    return -1;
}

/* whether the agent trained on `trained` (id trained_id) can act in env d (same spaces); says why not */
static bool rollout_spaces_match(const env_def *d, const env_def *trained, const char *trained_id, const char *policy,
                                 const char *env_id)
{
    int obs_dim = env_space_dim(&d->obs_space), act_dim = env_space_dim(&d->act_space);
    if (!trained || env_space_dim(&trained->obs_space) != obs_dim || trained->obs_space.kind != d->obs_space.kind ||
        (d->obs_space.kind == ENV_SPACE_DISCRETE && trained->obs_space.n != d->obs_space.n) ||
        env_space_dim(&trained->act_space) != act_dim || trained->act_space.kind != d->act_space.kind ||
        (d->act_space.kind == ENV_SPACE_DISCRETE && trained->act_space.n != d->act_space.n) ||
        (d->act_space.kind == ENV_SPACE_MULTI_DISCRETE &&
         memcmp(trained->act_space.nvec, d->act_space.nvec, (size_t)act_dim * sizeof(int)) != 0)) {
        fprintf(stderr, "rlc rollout: the agent in %s was trained on %s, whose spaces differ from %s's\n", policy,
                trained_id, env_id);
        return false;
    }
    return true;
}

/* the CSV destination: stdout, a device or FIFO written as it is, or out_path's temporary
 * file `tmp` (renamed over out_path at the end); NULL after saying why */
static FILE *rollout_open_out(const char *out_path, char *tmp, size_t tmp_sz)
{
    tmp[0] = '\0';
    if (!out_path) return stdout;
    struct stat sb;
    FILE *fp;
    if (stat(out_path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        /* a device or a FIFO (/dev/null, a pipe) is written as it is: renaming a temporary
         * file over it would replace it */
        fp = fopen(out_path, "w");
        if (!fp) fprintf(stderr, "rlc rollout: %s: cannot write: %s\n", out_path, strerror(errno));
        return fp;
    }
    snprintf(tmp, tmp_sz, "%s.tmp", out_path);
    fp = fopen(tmp, "w");
    if (!fp) {
        fprintf(stderr, "rlc rollout: %s: cannot write: %s\n", tmp, strerror(errno));
        tmp[0] = '\0';
    }
    return fp;
}

static void rollout_header(FILE *fp, int obs_dim, int act_dim)
{
    fprintf(fp, "step,episode");
    for (int i = 0; i < obs_dim; i++) fprintf(fp, ",obs_%d", i);
    for (int i = 0; i < act_dim; i++) fprintf(fp, ",act_%d", i);
    fprintf(fp, ",reward,terminated,truncated\n");
}

/* `steps` steps of env e from seed, one CSV row each; algo NULL: random actions, else the agent's
 * on the observations as it sees them (te, into seen: one-hot, velocities masked), among e's valid
 * actions when mask is set (trainer_env_pass_mask_one); the CSV has the environment's own */
static void rollout_steps(FILE *fp, env_instance *e, const agent_algo *algo, void *agent, const trainer_env *te,
                          long long seed, long long steps, float *obs, float *next, float *act, float *seen,
                          uint8_t *mask)
{
    const env_def *d = e->def;
    int obs_dim = env_space_dim(&d->obs_space), act_dim = env_space_dim(&d->act_space);
    rl_rng rng;
    rl_rng_seed(&rng, (uint64_t)seed, 1);   /* stream 1: the env's own RNG uses stream 0 */
    env_reset(e, seed, obs);
    long long episode = 0;
    bool start = true;   /* a policy with memory starts each episode afresh */
    for (long long t = 0; t < steps; t++) {
        if (algo && algo->episode_starts) algo->episode_starts(agent, &start, 1);
        start = false;
        if (!algo) env_space_sample(&d->act_space, &rng, act);
        else {
            trainer_env_encode(te, obs, seen, 1);
            trainer_env_pass_mask_one(algo, agent, e, mask);
            algo->act(agent, seen, 1, act, false);
        }
        float r;
        bool term, trunc;
        env_step(e, act, next, &r, &term, &trunc);
        rollout_row(fp, t, episode, obs, obs_dim, act, act_dim, r, term, trunc);
        if (term || trunc) {
            episode++;
            env_reset(e, -1, obs);
            start = true;
        } else {
            memcpy(obs, next, (size_t)obs_dim * sizeof(float));
        }
    }
}

/* closes the CSV and renames its temporary file over out_path; false after saying why */
static bool rollout_close_out(FILE *fp, char *tmp, const char *out_path)
{
    if (fp == stdout) return fflush(stdout) == 0;
    int bad = ferror(fp);
    bad |= fclose(fp) != 0;
    if (bad || (tmp[0] && rename(tmp, out_path) != 0)) {
        fprintf(stderr, "rlc rollout: %s: cannot write: %s\n", out_path, strerror(errno));
        return false;
    }
    tmp[0] = '\0';
    return true;
}

/* the rollout itself, once the agent (algo NULL: random) is loaded; returns the exit status */
static int rollout_run(const rollout_args *ra, const char *env_id, const rl_config *cfg, const agent_algo *algo,
                       void *agent)
{
    int status = 1;
    env_instance e = {0};
    trainer_env te = {0};
    float *obs = NULL, *next = NULL, *act = NULL, *seen = NULL;
    uint8_t *mask = NULL;   /* the valid actions the agent gets (env.action_mask), when it takes them */
    FILE *fp = NULL;
    char tmp[1200] = "", err[1024] = "";
    /* the training environment (its env.kwargs and time limit) when the policy plays on it */
    bool trained_env = algo && strcmp(env_id, cfg->env.id) == 0;
    rl_status st = algo ? trainer_env_open(&te, cfg, ra->policy, true, err, sizeof err) : RL_OK;
    if (st == RL_OK) st = trained_env ? trainer_env_make(&te, cfg, &e, err, sizeof err) : env_make(&e, env_id, 0, err, sizeof err);
    if (st != RL_OK) {
        fprintf(stderr, "rlc rollout: %s\n", err);
        goto out;
    }
    if (algo && !rollout_spaces_match(e.def, te.def, cfg->env.id, ra->policy, env_id)) goto out;
    int obs_dim = env_space_dim(&e.def->obs_space), act_dim = env_space_dim(&e.def->act_space);
    obs = calloc((size_t)obs_dim, sizeof(float));
    next = calloc((size_t)obs_dim, sizeof(float));
    act = calloc((size_t)act_dim, sizeof(float));
    seen = calloc(algo ? (size_t)te.view.obs_space.dim : 1, sizeof(float));
    bool masked = algo && e.def->action_mask && trainer_env_agent_masks(&te, cfg, algo);
    if (masked) mask = malloc((size_t)e.def->act_space.n);
    if (!obs || !next || !act || !seen || (masked && !mask)) {
        fprintf(stderr, "rlc rollout: out of memory\n");
        goto out;
    }
    if (!(fp = rollout_open_out(ra->out_path, tmp, sizeof tmp))) goto out;
    rollout_header(fp, obs_dim, act_dim);
    rollout_steps(fp, &e, algo, agent, &te, ra->seed, ra->steps, obs, next, act, seen, mask);
    bool closed = rollout_close_out(fp, tmp, ra->out_path);
    fp = NULL;
    if (closed) status = 0;
out:
    if (fp && fp != stdout) fclose(fp);
    if (tmp[0]) remove(tmp);
    free(obs);
    free(next);
    free(act);
    free(seen);
    free(mask);
    env_close(&e);
    trainer_env_close(&te);
    return status;
}

int cli_rollout(int argc, char **argv)
{
    rollout_args ra;
    int rc = rollout_parse(argc, argv, &ra);
    if (rc >= 0) return rc;
    if (!load_plugins("rollout", ra.plugins, ra.n_plugins)) return 1;

    char err[1024] = "";
    rl_config cfg;
    const agent_algo *algo = NULL;
    void *agent = NULL;
    const char *env_id = ra.env_id;
    if (strcmp(ra.policy, "random") != 0) {
        if (cli_refuse_python_env("rollout", ra.policy, "evaluate it from Python with rlc.evaluate(policy, env=...)")) return 1;
        if (trainer_load_agent(ra.policy, &cfg, &algo, &agent, err, sizeof err) != RL_OK) {
            fprintf(stderr, "rlc rollout: --policy: %s\n", err);
            return 1;
        }
        if (!env_id) env_id = cfg.env.id;
    }
    if (!env_id) {
        fprintf(stderr, "rlc rollout: missing --env ID (see rlc rollout --help)\n");
        return 2;
    }
    int status = rollout_run(&ra, env_id, &cfg, algo, agent);
    if (algo) algo->destroy(agent);
    return status;
}

static void check_usage(FILE *out)
{
    fprintf(out,
            "usage: rlc check-env ID [--plugin PATH]... [--steps N] [--seed S] [--set env.KEY=VALUE]...\n"
            "       rlc check-env --config CONFIG.yaml [ID] [--set env.KEY=VALUE]... [--steps N] [--seed S]\n\n"
            "Runs an environment through the checks to pass before training on it: well-formed\n"
            "spaces, observations of the declared dimension, inside the declared space and finite,\n"
            "finite rewards, the same seed giving the same trajectory and different seeds\n"
            "different ones, clean resets after termination and after truncation, truncation at\n"
            "the declared step limit. Prints PASS, FAIL or SKIP per check with what is wrong;\n"
            "exits with status 1 when a check fails.\n\n"
            "  --plugin PATH      load an environment plugin (.so) first; repeatable\n"
            "  --steps N          random steps of the main run (default 2000)\n"
            "  --seed S           first seed (default 0)\n"
            "  --config FILE      check the environment as this config's env: section makes it: its\n"
            "                     id (unless ID is given), env.kwargs, env.plugin and observation\n"
            "                     wrappers (pixels, frame_skip, resize, grayscale, frame_stack,\n"
            "                     mask_velocity), as rlc train steps it\n"
            "  --set env.KEY=V    an env: key on top (the same validation as a config file), e.g.\n"
            "                     --set env.kwargs.is_slippery=false --set env.frame_stack=4;\n"
            "                     repeatable\n");
}

typedef struct {
    const char *plugins[MAX_PLUGINS], *sets[MAX_PLUGINS * 8];
    int n_plugins, n_sets;
    const char *id, *config;
    env_check_opts opts;
} check_args;

/* one option with its value v of `rlc check-env` into c; false (the message printed) on bad input */
static bool check_option(check_args *c, const char *a, const char *v)
{
    long long x;
    if (strcmp(a, "--plugin") == 0) {
        if (c->n_plugins == MAX_PLUGINS) {
            fprintf(stderr, "rlc check-env: at most %d plugins\n", MAX_PLUGINS);
            return false;
        }
        c->plugins[c->n_plugins++] = v;
    } else if (strcmp(a, "--set") == 0) {
        if (strncmp(v, "env.", 4) != 0) {
            fprintf(stderr, "rlc check-env: --set %s: only env.KEY=VALUE keys apply to an environment check\n", v);
            return false;
        }
        if (c->n_sets == (int)(sizeof c->sets / sizeof c->sets[0])) {
            fprintf(stderr, "rlc check-env: at most %d --set options\n", (int)(sizeof c->sets / sizeof c->sets[0]));
            return false;
        }
        c->sets[c->n_sets++] = v;
    } else if (strcmp(a, "--config") == 0) {
        c->config = v;
    } else if (strcmp(a, "--steps") == 0) {
        if (!parse_ll("check-env", a, v, 1, 100000000LL, &x)) return false;
        c->opts.n_steps = (int)x;
    } else {
        if (!parse_ll("check-env", a, v, 0, 2147483647LL, &x)) return false;
        c->opts.seed = x;
    }
    return true;
}

/* argv of `rlc check-env` into c: 0, or the exit status (2: bad usage; -1: --help printed) */
static int check_parse(int argc, char **argv, check_args *c)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            check_usage(stdout);
            return -1;
        }
        if (strcmp(a, "--plugin") == 0 || strcmp(a, "--steps") == 0 || strcmp(a, "--seed") == 0 ||
            strcmp(a, "--set") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "rlc check-env: %s needs a value\n", a);
                return 2;
            }
            if (!check_option(c, a, argv[++i])) return 2;
        } else if (a[0] == '-') {
            fprintf(stderr, "rlc check-env: unknown option '%s' (see rlc check-env --help)\n", a);
            return 2;
        } else if (!c->id) {
            c->id = a;
        } else {
            fprintf(stderr, "rlc check-env: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!c->id && !c->config) {
        fprintf(stderr, "rlc check-env: missing ID (see rlc check-env --help)\n");
        return 2;
    }
    return 0;
}

static int check_print(const env_def *d, const char *id, const env_check_opts *opts)
{
    env_check_report rep;
    char err[512] = "";
    if (env_check_run(d, opts, &rep, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc check-env: %s\n", err);
        return 1;
    }
    env_check_print(&rep, id, stdout);
    return rep.n_failed ? 1 : 0;
}

/* the check of the environment a config's env: section (and --set env.KEY=VALUE) makes */
static int check_configured(const check_args *c)
{
    rl_config *cfg = malloc(sizeof *cfg);
    char err[1024] = "";
    if (!cfg) {
        fprintf(stderr, "rlc check-env: out of memory\n");
        return 1;
    }
    int status = 1;
    trainer_env te;
    memset(&te, 0, sizeof te);
    if (rl_config_load(cfg, c->config, c->sets, c->n_sets, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc check-env: %s\n", err);
        goto done;
    }
    if (c->id) snprintf(cfg->env.id, sizeof cfg->env.id, "%s", c->id);
    if (trainer_env_open(&te, cfg, c->config ? c->config : "--set", false, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc check-env: %s\n", err);
        goto done;
    }
    env_def d = *te.def;   /* with env.max_episode_steps, the limit it sets */
    int limit = trainer_env_limit(&te, cfg);
    if (limit > 0) d.max_episode_steps = limit;
    status = check_print(&d, cfg->env.id, &c->opts);
done:
    trainer_env_close(&te);
    free(cfg);
    return status;
}

int cli_check_env(int argc, char **argv)
{
    check_args c = {0};
    env_check_opts_default(&c.opts);
    int st = check_parse(argc, argv, &c);
    if (st) return st < 0 ? 0 : st;
    if (c.id && strlen(c.id) >= sizeof ((rl_config *)0)->env.id) {
        fprintf(stderr, "rlc check-env: environment id too long: %.60s...\n", c.id);
        return 2;
    }
    if (!load_plugins("check-env", c.plugins, c.n_plugins)) return 1;
    if (c.config || c.n_sets) return check_configured(&c);
    const env_def *d = env_find(c.id);
    if (!d) {
        char hint[200];
        env_did_you_mean(hint, sizeof hint, c.id);
        fprintf(stderr, "rlc check-env: unknown environment id '%s'%s (`rlc envs` lists them)\n", c.id, hint);
        return 1;
    }
    return check_print(d, c.id, &c.opts);
}
