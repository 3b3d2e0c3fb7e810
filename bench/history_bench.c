/* history_bench: the domain history under a flood of unique domains.
 * Writes N records (default 1,000,000) as the daemon records a
 * nonexistent domain (reject, DOMAIN_NXDOMAIN), one write transaction
 * each, with the bounds of the config (defaults unless -c FILE) and one
 * pruning batch every PRUNE_EVERY writes, which is at least as often as
 * the daemon's timer prunes under such a flood (one batch per 10 ms while
 * there is work). Prints the time, the entries, the file size and what
 * pruning deleted, every REPORT_EVERY writes and at the end.
 *   bench/history_bench [-c mxvet.conf] [-d DIR] [N]
 * DIR (default: a new /tmp/mxvet-histbench.XXXXXX) is left for a look. */
#include "engine/config.h"
#include "engine/findings.h"
#include "engine/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PRUNE_EVERY 250
#define REPORT_EVERY 250000

static double secs(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void report(struct history *h, const char *path, long n, const struct timespec *t0)
{
	struct history_stats st;
	struct stat sb;

	history_get_stats(h, &st);
	if (stat(path, &sb) != 0)
		sb.st_size = 0;
	printf("written=%ld seconds=%.1f writes_per_s=%.0f entries=%llu pruned=%llu "
	       "file_bytes=%lld bytes_per_entry=%.0f full=%d write_errors=%llu\n", n, secs(t0),
	       (double)n / secs(t0), (unsigned long long)st.entries,
	       (unsigned long long)st.pruned, (long long)sb.st_size,
	       st.entries ? (double)sb.st_size / (double)st.entries : 0.0, st.full,
	       (unsigned long long)st.write_errors);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct config *cfg = config_new();
	char dir[256] = "/tmp/mxvet-histbench.XXXXXX", err[512], path[512], name[64];
	long n = 1000000;
	int opt;

	if (!cfg)
		return 1;
	while ((opt = getopt(argc, argv, "c:d:")) != -1) {
		if (opt == 'c' && config_load(cfg, optarg, err, sizeof err) < 0) {
			fprintf(stderr, "%s\n", err);
			return 78;
		} else if (opt == 'd') {
			snprintf(dir, sizeof dir, "%s", optarg);
		} else if (opt != 'c') {
			fprintf(stderr, "usage: history_bench [-c FILE] [-d DIR] [N]\n");
			return 64;
		}
	}
	if (optind < argc)
		n = atol(argv[optind]);
	if (strstr(dir, "XXXXXX") ? !mkdtemp(dir) : mkdir(dir, 0700) != 0) {
		perror(dir);
		return 1;
	}
	snprintf(path, sizeof path, "%s/%s", dir, HISTORY_FILE);
	struct history *h = history_open(dir, false, err, sizeof err);
	if (!h) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct history_limits lim = { cfg->history_max_entries, cfg->history_max_age,
				      (size_t)cfg->history_max_size << 20 };
	history_set_limits(h, &lim);
	printf("dir=%s history_max_entries=%ld history_max_age=%lds history_max_size=%ldMiB\n",
	       dir, cfg->history_max_entries, cfg->history_max_age, cfg->history_max_size);

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	time_t now = time(NULL);
	for (long i = 0; i < n; i++) {
		struct history_rec r;
		/* one check of a name like those a spammer invents */
		snprintf(name, sizeof name, "x%08lx-%ld.example", (unsigned long)random(), i);
		memset(&r, 0, sizeof r);
		r.first_seen = r.last_seen = now;
		r.checks = r.risk_count = 1;
		r.verdict = ACT_REJECT;
		snprintf(r.codes, sizeof r.codes, "DOMAIN_NXDOMAIN");
		history_put(h, name, &r);
		if (i % PRUNE_EVERY == PRUNE_EVERY - 1)
			history_prune(h, now, HISTORY_PRUNE_BATCH);
		if (i % REPORT_EVERY == REPORT_EVERY - 1 && i + 1 < n)
			report(h, path, i + 1, &t0);
	}
	while (history_prune(h, now, HISTORY_PRUNE_BATCH) == HISTORY_PRUNE_BATCH)
		;
	report(h, path, n, &t0);
	history_close(h);
	config_free(cfg);
	return 0;
}
