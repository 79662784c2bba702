/* cli.h — the subcommands. Each takes argv from the subcommand name on and
 * returns the process exit status: 0 ok, 1 data errors, 2 misuse. */
#ifndef AX_CLI_H
#define AX_CLI_H

#define AX_VERSION "0.2.0"

int ax_cmd_check(int argc, char **argv);
int ax_cmd_query(int argc, char **argv);
int ax_cmd_db(int argc, char **argv);
int ax_cmd_render(int argc, char **argv);

#endif
