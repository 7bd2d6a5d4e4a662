/* rlc cli: the subcommands of the rlc program. Each is `int cli_<name>(int argc, char **argv)`
 * receiving argv[0] = the subcommand name, returning the process exit status. */
#ifndef RLC_CLI_CLI_H
#define RLC_CLI_CLI_H

int cli_train(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_losses(int argc, char **argv);
int cli_config(int argc, char **argv);

#endif
