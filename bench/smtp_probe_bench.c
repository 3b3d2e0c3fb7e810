/* smtp_probe_bench: how many probes per second the SMTP prober sustains.
 * Probes the given loopback addresses over and over with smtp_probe_ttl
 * = 0 (no cache), each address re-asked as soon as its result arrives, so
 * the prober's own rules apply: one connection per address at a time
 * (a re-ask waits until the previous QUIT is answered and the connection
 * closed), smtp_max_concurrent overall. Bounded by a count and a time.
 *   smtp_probe_bench PORT COUNT SECONDS ADDR...
 * Prints one line: probes, ok, other, seconds, probes/s, connects. */
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/smtp_probe.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static struct event_base *base;
static struct smtp_prober *prober;
static long want, asked, done, ok;
static struct netaddr addrs[256];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_result(void *arg, const struct smtp_result *r)
{
	size_t i = (size_t)(uintptr_t)arg;

	done++;
	ok += r->status == SMTP_ST_OK;
	if (asked < want) {
		asked++;
		smtp_probe(prober, &addrs[i], on_result, arg);
	} else if (done == asked) {
		event_base_loopbreak(base);
	}
}

int main(int argc, char **argv)
{
	struct config *cfg = config_new();
	struct engine eng = { 0 };
	char err[256];
	size_t n = 0;

	if (argc < 5 || !cfg) {
		fprintf(stderr, "usage: smtp_probe_bench PORT COUNT SECONDS ADDR...\n");
		return 64;
	}
	want = atol(argv[2]);
	long secs = atol(argv[3]);
	for (int i = 4; i < argc && n < 256; i++)
		if (netaddr_parse(argv[i], &addrs[n]) == 0)
			n++;
	if (config_set(cfg, "smtp_port", argv[1], err, sizeof err) ||
	    config_set(cfg, "smtp_probe_ttl", "0", err, sizeof err) ||
	    config_set(cfg, "mx_allowed_networks", "127.0.0.0/8", err, sizeof err) ||
	    config_set(cfg, "smtp_banner_timeout", "5s", err, sizeof err) ||
	    config_set(cfg, "smtp_connect_timeout", "5s", err, sizeof err)) {
		fprintf(stderr, "smtp_probe_bench: %s\n", err);
		return 78;
	}
	base = event_base_new();
	eng.base = base;
	eng.cfg = cfg;
	prober = smtp_prober_new(&eng);
	struct timeval limit = { secs, 0 };
	event_base_loopexit(base, &limit);
	double t0 = now_s();
	for (size_t i = 0; i < n && asked < want; i++) {
		asked++;
		smtp_probe(prober, &addrs[i], on_result, (void *)(uintptr_t)i);
	}
	event_base_dispatch(base);
	double dt = now_s() - t0;
	printf("probes=%ld ok=%ld other=%ld seconds=%.3f probes_per_second=%.0f connects=%lu addresses=%zu\n",
	       done, ok, done - ok, dt, done / dt,
	       (unsigned long)smtp_prober_stats(prober)->connects, n);
	smtp_prober_free(prober);
	event_base_free(base);
	config_free(cfg);
	return ok == done && done > 0 ? 0 : 1;
}
