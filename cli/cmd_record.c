/* rlc cli: rlc record (a video of a trained policy) and rlc plot (learning curves of runs). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "research/plot.h"
#include "train/record.h"
#include "cli/cli.h"
#include "envs/env.h"
#include "envs/render.h"

#define RECORD_MAX_PLUGINS 16

static void record_usage(FILE *out)
{
    fprintf(out,
            "usage: rlc record RUN_DIR_OR_CHECKPOINT [--episodes N] [--out FILE.mp4|FILE.gif] [--seed S]\n"
            "                  [--size WxH] [--fast] [--plugin PATH]...\n\n"
            "Films the agent's deterministic policy: N episodes (default 1) on seeds S, S+1, ...\n"
            "(default S 1000000, the episodes rlc eval --seed S plays). Classic-control and Box2D\n"
            "tasks are drawn as Gymnasium draws them, MuJoCo tasks are rendered offscreen by MuJoCo's\n"
            "renderer, a plugin's environment by the renderer its plugin registers (if it registers\n"
            "one). On an environment that publishes action masks (Taxi) the agent acts among the\n"
            "valid actions, as the run's env.action_mask says.\n\n"
            "  --out FILE     .mp4 (H.264, or MPEG-4 when FFmpeg has no H.264 encoder) or .gif;\n"
            "                 default <run directory>/record.mp4. Written to FILE.tmp, then renamed.\n"
            "  --size WxH     frame size in pixels, even (default: 600x400 CartPole, MountainCar and\n"
            "                 the Box2D tasks, 500x500 Pendulum and Acrobot, 480x480 MuJoCo, a\n"
            "                 plugin's own size)\n"
            "  --fast         MuJoCo: no antialiasing (multisampling), about 2.4 times as fast on\n"
            "                 software OpenGL, with stair-step edges\n"
            "  --plugin PATH  load an environment plugin (.so) first; repeatable (the checkpoint names\n"
            "                 its plugin, but rlc loads code only from the command line)\n");
}

static bool parse_int(const char *opt, const char *v, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (*end || end == v || errno || x < lo || x > hi) {
        fprintf(stderr, "rlc record: %s: expected an integer in %lld..%lld, got '%s'\n", opt, lo, hi, v);
        return false;
    }
    *out = x;
    return true;
}

static bool parse_size(const char *v, record_opts *o)
{
    int w, h;
    char tail;
    if (sscanf(v, "%dx%d%c", &w, &h, &tail) != 2 || w < 16 || h < 16 || w > 4096 || h > 4096 || w % 2 || h % 2) {
        fprintf(stderr, "rlc record: --size: expected WxH with even sizes in 16..4096 (e.g. 640x480), got '%s'\n", v);
        return false;
    }
    o->width = w;
    o->height = h;
    return true;
}

/* 0 = parsed, 1 = --help printed, 2 = bad arguments (reported) */
static int record_args(int argc, char **argv, record_opts *o, const char **plugins, int *n_plugins)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long long x;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            record_usage(stdout);
            return 1;
        }
        if (a[0] != '-') {
            if (o->path) {
                fprintf(stderr, "rlc record: unexpected argument '%s' (one run directory or checkpoint)\n", a);
                return 2;
            }
            o->path = a;
            continue;
        }
        if (strcmp(a, "--fast") == 0) {
            env_render_antialias(false);
            continue;
        }
        bool known = strcmp(a, "--episodes") == 0 || strcmp(a, "--seed") == 0 || strcmp(a, "--out") == 0 ||
                     strcmp(a, "--size") == 0 || strcmp(a, "--plugin") == 0;
        if (!known) {
            fprintf(stderr, "rlc record: unknown option '%s' (see rlc record --help)\n", a);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "rlc record: %s needs a value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--out") == 0) o->out = v;
        else if (strcmp(a, "--size") == 0) {
            if (!parse_size(v, o)) return 2;
        } else if (strcmp(a, "--episodes") == 0) {
            if (!parse_int(a, v, 1, RECORD_MAX_EPISODES, &x)) return 2;
            o->episodes = (int)x;
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_int(a, v, 0, 2147483647LL, &x)) return 2;
            o->seed = x;
        } else if (*n_plugins == RECORD_MAX_PLUGINS) {
            fprintf(stderr, "rlc record: at most %d plugins\n", RECORD_MAX_PLUGINS);
            return 2;
        } else {
            plugins[(*n_plugins)++] = v;
        }
    }
    if (!o->path) {
        fprintf(stderr, "rlc record: missing RUN_DIR_OR_CHECKPOINT (see rlc record --help)\n");
        return 2;
    }
    return 0;
}

int cli_record(int argc, char **argv)
{
    record_opts o;
    record_opts_default(&o);
    const char *plugins[RECORD_MAX_PLUGINS];
    int n_plugins = 0;
    int rc = record_args(argc, argv, &o, plugins, &n_plugins);
    if (rc) return rc == 1 ? 0 : 2;
    char err[1024] = "";
    for (int i = 0; i < n_plugins; i++)
        if (env_load_plugin(plugins[i], err, sizeof err) != RL_OK) {
            fprintf(stderr, "rlc record: %s\n", err);
            return 1;
        }
    record_result res;
    if (o.path && cli_refuse_python_env("record", o.path, "film it from Python with rlc.record(run, env=...)")) return 1;
    if (record_policy(&o, &res, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc record: %s\n", err);
        return 1;
    }
    printf("%s: %d episode%s of %s, return %.2f on average, %lld frames %dx%d at %d fps (%s)\n", res.out,
           res.episodes, res.episodes == 1 ? "" : "s", res.env_id, res.return_mean, (long long)res.frames, res.width,
           res.height, res.fps, res.codec);
    return 0;
}

/* ---- rlc plot ----------------------------------------------------------------------------- */

static void plot_usage(FILE *out)
{
    fprintf(out,
            "usage: rlc plot RUN_DIR... [--out FILE.png|FILE.svg|FILE.pdf]\n\n"
            "Draws the learning curves of up to %d runs in one figure sized for a two-column paper\n"
            "(7 x 2.6 inches): the evaluation return (eval.csv, with +-1 std over the evaluation\n"
            "episodes) and the training episode return (metrics.csv), against environment steps.\n\n"
            "  --out FILE  .png, .svg or .pdf; default <RUN_DIR>/curves.png with one run, and\n"
            "              required with several\n",
            PLOT_MAX_RUNS);
}

int cli_plot(int argc, char **argv)
{
    const char *runs[PLOT_MAX_RUNS], *out = NULL;
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            plot_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--out") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "rlc plot: --out needs a file name\n");
                return 2;
            }
            out = argv[++i];
        } else if (a[0] == '-') {
            fprintf(stderr, "rlc plot: unknown option '%s' (see rlc plot --help)\n", a);
            return 2;
        } else if (n == PLOT_MAX_RUNS) {
            fprintf(stderr, "rlc plot: at most %d runs in one figure\n", PLOT_MAX_RUNS);
            return 2;
        } else {
            runs[n++] = a;
        }
    }
    if (n == 0) {
        fprintf(stderr, "rlc plot: missing RUN_DIR (see rlc plot --help)\n");
        return 2;
    }
    char path[1100];
    if (!out && n > 1) {
        fprintf(stderr, "rlc plot: --out FILE is needed with several runs\n");
        return 2;
    }
    if (!out) {
        snprintf(path, sizeof path, "%s/curves.png", runs[0]);
        out = path;
    }
    char err[1024] = "";
    if (plot_runs(runs, n, out, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc plot: %s\n", err);
        return 1;
    }
    printf("%s\n", out);
    return 0;
}
