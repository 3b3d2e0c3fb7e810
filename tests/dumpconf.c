/* dumpconf: what the code says, for scripts that check docs and tests
 * against it rather than against a copy.
 *   dumpconf [FILE]  every parameter of the config table with its value
 *                    after applying FILE ("key = value", as config_dump()
 *                    writes them); exit 78 on a bad file
 *   dumpconf -f      every finding code and its family ("NULL_MX domain")
 *   dumpconf -c      the names of the registered checks, one a line
 *   dumpconf -r      the parameters a reload does not change (restart) */
#include "engine/config.h"
#include "engine/findings.h"
#include "checks/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char err[512];
	struct config *cfg;

	if (argc == 2 && !strcmp(argv[1], "-f")) {
		for (int c = 0; c < F__COUNT; c++)
			printf("%s %s\n", finding_info(c)->name, finding_info(c)->family);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "-c")) {
		for (const struct check_desc *d = check_registry; d->name; d++)
			printf("%s\n", d->name);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "-r")) {
		char *line = NULL;
		size_t cap = 0;
		FILE *f = tmpfile();
		if (!f || !(cfg = config_new()))
			return 70;
		config_dump(cfg, f, false);
		rewind(f);
		while (getline(&line, &cap, f) > 0) {
			line[strcspn(line, " ")] = '\0';
			if (!config_reloadable(line))
				printf("%s\n", line);
		}
		free(line);
		fclose(f);
		config_free(cfg);
		return 0;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: dumpconf [FILE] | -f | -c | -r\n");
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
