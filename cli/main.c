/* rlc cli: the `rlc` program: dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/dist.h"
#include "nn/nn.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"train", cli_train, "train an agent from a YAML config"},
    {"eval", cli_eval, "evaluate a trained agent (run directory or checkpoint)"},
    {"losses", cli_losses, "list every registered loss with its parameters and formula"},
    {"config", cli_config, "print every config key with its type, default and meaning"},
    {"ablate", cli_ablate, "run a grid of config variants x seeds in parallel (resumable)"},
    {"compare", cli_compare, "compare runs: IQM with bootstrap CIs, probability of improvement, plots"},
    {"tune", cli_tune, "search hyperparameters: sampled trials, successive halving, best config (resumable)"},
    {"envs", cli_envs, "list the registered environments with their spaces and step limits"},
    {"rollout", cli_rollout, "write a CSV of steps under a random or trained policy"},
    {"check-env", cli_check_env, "check an environment before training on it"},
    {"record", cli_record, "film a trained agent's deterministic policy (MP4 or GIF)"},
    {"plot", cli_plot, "plot the evaluation and training curves of runs (PNG, SVG, PDF)"},
    {"calibrate", cli_calibrate, "time the GEMM paths per shape on this machine; rlc train uses the table"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: rlc <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-10s %s\n", "version", "print rlc's version (also rlc --version)");
    fprintf(out, "\n`rlc <command> --help` describes each command.\n");
}

/* Under an MPI launcher (mpirun, srun) train, ablate and tune run as one job over the ranks
 * (docs/distributed.md); the other commands are single-process tools. */
static int run_command(const command *c, int argc, char **argv)
{
    char err[512];
    if (rl_dist_init(&argc, &argv, err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc %s: %s\n", c->name, err);
        return 2;
    }
    int ranked = strcmp(c->name, "train") == 0 || strcmp(c->name, "ablate") == 0 || strcmp(c->name, "tune") == 0;
    if (rl_dist_size() > 1 && !ranked) {
        if (rl_dist_rank() == 0)
            fprintf(stderr, "rlc %s: runs as one process; only train, ablate and tune use MPI ranks (start it without mpirun)\n",
                    c->name);
        rl_dist_finalize();
        return 2;
    }
    int rc = c->run(argc - 1, argv + 1);
    rl_dist_finalize();
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("rlc %s\n", RLC_VERSION);
        return 0;
    }
    cli_default_data_dir();
    char err[256];
    if (nn_gemm_check_env(err, sizeof err) != RL_OK) {
        fprintf(stderr, "rlc: %s\n", err);
        return 2;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return run_command(&commands[i], argc, argv);
    fprintf(stderr, "rlc: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
