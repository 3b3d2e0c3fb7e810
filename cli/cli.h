/* cli: the mxvet subcommands and the exit codes of mxvet(1). */
#ifndef MXVET_CLI_H
#define MXVET_CLI_H

#include "lib/exit_codes.h"

struct config;
struct history;

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_ctl(int argc, char **argv);	/* cmd_ctl.c */
int cmd_outcomes(int argc, char **argv);	/* cmd_outcomes.c */

/* Load the config named by path (or the default file if it exists, when
 * path is NULL). NULL with a message on stderr if it is bad. */
struct config *cli_load_config(const char *path);
/* For the commands that read the domain history (report, outcomes): the
 * config (as cli_load_config) and the history of state_dir (NULL: the
 * config's), read-only. 0 with both set, or the exit code after a message
 * naming cmd on stderr. */
int cli_open_history(const char *cmd, const char *cfgpath, const char *state_dir,
		     struct config **cfg, struct history **h);

#endif
