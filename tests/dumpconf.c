/* dumpconf: print every parameter of the config table with its value,
 * after applying FILE if given ("key = value" lines, as config_dump()
 * writes them). Used by tests/conf-consistency.sh to get the keys and
 * defaults from the code rather than from a copy. Exit 78 on a bad file. */
#include "config.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	char err[512];
	struct config *cfg;

	if (argc > 2) {
		fprintf(stderr, "usage: dumpconf [FILE]\n");
		return 64;
	}
	cfg = config_new();
	if (!cfg)
		return 70;
	if (argc == 2 && config_load(cfg, argv[1], err, sizeof err) != 0) {
		fprintf(stderr, "dumpconf: %s\n", err);
		config_free(cfg);
		return 78;
	}
	config_dump(cfg, stdout, false);
	config_free(cfg);
	return 0;
}
