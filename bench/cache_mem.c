/* cache_mem: memory per cached verdict (the memory bar: <= 256 bytes at
 * 1,000,000 domains) and the cost of a lookup. Inserts N domains (a mix of
 * accept, annotate and reject verdicts, names of 12..40 bytes), reads the
 * resident set size before and after, then times N hits.
 * usage: cache_mem [N]   (default 1000000) */
#include "daemon/cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void name(char *buf, size_t len, long i)
{
	/* lengths vary like real recipient domains */
	static const char *const tld[] = { "com", "net", "org", "de", "co.uk", "example" };
	snprintf(buf, len, "%.*s%ld.%s", (int)(i % 24), "mailhost-example-domain-", i, tld[i % 6]);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct cache_params p = { 300, 86400, 120, n };
	enum finding_code codes[] = { F_NO_MX_IMPLICIT, F_MX_CNAME };
	char d[128], reply[300];
	size_t total_len = 0;
	long before, after;
	struct cache_hit h;
	double t0, t1;
	long hits = 0;
	int prev;

	before = rss_bytes();
	struct cache *c = cache_new(&p);
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		enum action v = i % 10 == 0 ? ACT_REJECT : i % 10 == 1 ? ACT_ANNOTATE : ACT_IGNORE;
		name(d, sizeof d, i);
		total_len += strlen(d);
		snprintf(reply, sizeof reply, "556 5.1.10 recipient domain %s publishes a null MX "
			 "(RFC 7505) [NULL_MX]", d);
		if (cache_put(c, d, 0, v, v == ACT_REJECT ? reply : NULL, 3600, false, codes,
			      v == ACT_ANNOTATE ? 2 : 0, &prev) < 0) {
			fprintf(stderr, "out of memory at %ld\n", i);
			return 1;
		}
	}
	t1 = now_s();
	after = rss_bytes();
	printf("entries=%zu avg_domain_len=%.1f rss_delta=%ld bytes bytes_per_entry=%.1f "
	       "insert=%.0f ns/op\n", cache_count(c), (double)total_len / n, after - before,
	       (double)(after - before) / n, (t1 - t0) * 1e9 / n);
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		name(d, sizeof d, (i * 7919) % n);
		hits += cache_get(c, d, 1, &h);
	}
	t1 = now_s();
	printf("lookups=%ld hits=%ld lookup=%.0f ns/op (name formatting included)\n", n, hits,
	       (t1 - t0) * 1e9 / n);
	cache_free(c);
	return hits == n ? 0 : 1;
}
