/* history_put: write domain history records for tests, as mxvetd would
 * after a check: one "DOMAIN VERDICT CODE,CODE|-" per line on stdin.
 *   tests/history_put STATE_DIR < records */
#include "engine/findings.h"
#include "engine/history.h"
#include "engine/verdict.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int main(int argc, char **argv)
{
	char err[256], line[1024], dom[512], verdict[32], codes[HISTORY_CODES_MAX];
	struct history *h;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: history_put STATE_DIR < records\n");
		return 64;
	}
	if (!(h = history_open(argv[1], false, err, sizeof err))) {
		fprintf(stderr, "history_put: %s\n", err);
		return 1;
	}
	while (fgets(line, sizeof line, stdin)) {
		struct history_rec r = { 0 };
		int v = -1;
		if (sscanf(line, "%511s %31s %511s", dom, verdict, codes) != 3)
			continue;
		for (int a = ACT_IGNORE; a <= ACT_REJECT; a++)
			if (!strcasecmp(verdict, verdict_name(a)))
				v = a;
		if (v < 0) {
			fprintf(stderr, "history_put: %s: bad verdict\n", verdict);
			rc = 1;
			continue;
		}
		r.first_seen = r.last_seen = time(NULL);
		r.checks = r.risk_count = 1;
		r.verdict = v;
		snprintf(r.codes, sizeof r.codes, "%s", strcmp(codes, "-") ? codes : "");
		if (history_put(h, dom, &r) != 0)
			rc = 1;
	}
	history_close(h);
	return rc;
}
