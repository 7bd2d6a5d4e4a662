/* rlc cli: the subcommands of the rlc program. Each is `int cli_<name>(int argc, char **argv)`
 * receiving argv[0] = the subcommand name, returning the process exit status. */
#ifndef RLC_CLI_CLI_H
#define RLC_CLI_CLI_H

#include <stdbool.h>

int cli_train(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_losses(int argc, char **argv);
int cli_config(int argc, char **argv);
int cli_ablate(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_envs(int argc, char **argv);
int cli_rollout(int argc, char **argv);
int cli_check_env(int argc, char **argv);
int cli_tune(int argc, char **argv);
int cli_record(int argc, char **argv);
int cli_plot(int argc, char **argv);
int cli_calibrate(int argc, char **argv);

/* An installed rlc (<prefix>/bin/rlc) reads its data from <prefix>/share/rlc: when the
 * RLC_DATA_DIR environment variable is unset or empty and that directory exists, sets it there
 * (the MuJoCo model search reads it first). Called once by main. */
void cli_default_data_dir(void);

/* true, after printing why on stderr ("rlc CMD: ...") and instead (what to do), when path (a run
 * directory or checkpoint) was trained on an environment written in Python (rlc.train(env=...)),
 * which the rlc program cannot recreate (cli/python_env.c) */
bool cli_refuse_python_env(const char *cmd, const char *path, const char *instead);

#endif
