/* mxvet: the command line. Dispatches to the subcommands. */
#include "autoconfig.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const struct cli_command commands[] = {
	{ "check", cmd_check, "check DOMAIN... now and explain the findings" },
	{ "report", cmd_report, "list the risk domains from the domain history" },
	{ "ctl", cmd_ctl, "ask a running mxvetd: metrics, risk, check, flush" },
	{ "outcomes", cmd_outcomes, "check verdicts against Postfix's delivery outcomes" },
	{ NULL, NULL, NULL },
};

static int usage(FILE *out)
{
	fprintf(out, "usage: mxvet COMMAND [OPTIONS] ...\n\ncommands:\n");
	for (const struct cli_command *c = commands; c->name; c++)
		fprintf(out, "  %-8s %s\n", c->name, c->help);
	fprintf(out, "\nmxvet COMMAND --help tells more; mxvet --version prints the version.\n");
	return out == stdout ? 0 : EX_USAGE_;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return usage(stdout);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("mxvet %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (const struct cli_command *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "mxvet: unknown command \"%s\"\n", argv[1]);
	return usage(stderr);
}
