/* smtp_table_bench: what a flood of distinct addresses costs the SMTP
 * prober's address table. Asks COUNT distinct loopback addresses
 * (127.64.0.0/10, one port where nothing listens: every probe is one
 * refused connect) in batches of 1,000, running the loop until each batch
 * is answered; smtp_probe_ttl stays 1h, so nothing expires and the table
 * holds every address, as under a flood from one /64. Times the
 * smtp_probe() calls themselves (the table's insert path) per 100,000
 * addresses, and the whole run. Bounded by COUNT and SECONDS.
 *   smtp_table_bench COUNT SECONDS
 * Prints one line per 100,000 addresses and a total line. */
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/smtp_probe.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 1000
#define SLICE 100000

static struct event_base *base;
static long pending;
static bool late;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_result(void *arg, const struct smtp_result *r)
{
	(void)arg;
	(void)r;
	if (--pending == 0)
		event_base_loopbreak(base);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	late = true;
	event_base_loopbreak(base);
}

/* A port nothing listens on: bind an ephemeral one and close it. */
static int closed_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

int main(int argc, char **argv)
{
	struct config *cfg = config_new();
	struct engine eng = { 0 };
	char err[256], pbuf[16];
	long want, asked = 0;
	double secs, t0, in_probe = 0, slice_probe = 0, slice_t0;
	int port = closed_port();

	if (argc != 3 || !cfg || port < 0) {
		fprintf(stderr, "usage: smtp_table_bench COUNT SECONDS\n");
		return 64;
	}
	want = atol(argv[1]);
	secs = atof(argv[2]);
	snprintf(pbuf, sizeof pbuf, "%d", port);
	if (config_set(cfg, "smtp_port", pbuf, err, sizeof err) ||
	    config_set(cfg, "smtp_probe_ttl", "1h", err, sizeof err) ||
	    config_set(cfg, "smtp_max_concurrent", "256", err, sizeof err) ||
	    config_set(cfg, "mx_allowed_networks", "127.64.0.0/10", err, sizeof err)) {
		fprintf(stderr, "smtp_table_bench: %s\n", err);
		return 78;
	}
	base = event_base_new();
	eng.base = base;
	eng.cfg = cfg;
	struct smtp_prober *prober = smtp_prober_new(&eng);
	struct event *deadline = base ? evtimer_new(base, on_deadline, NULL) : NULL;
	if (!prober || !deadline)
		return 70;
	t0 = slice_t0 = now_s();
	while (asked < want && now_s() - t0 < secs) {
		double a = now_s();
		for (int i = 0; i < BATCH && asked < want; i++, asked++) {
			struct netaddr na = { .family = AF_INET };
			uint32_t v = htonl(0x7f400000u + (uint32_t)asked + 1);
			memcpy(na.b, &v, 4);
			pending++;
			if (smtp_probe(prober, &na, on_result, NULL) != 0)
				return 71;
		}
		double b = now_s();
		in_probe += b - a;
		slice_probe += b - a;
		struct timeval limit = { 30, 0 };
		evtimer_add(deadline, &limit);	/* per batch: re-adding resets it */
		if (pending > 0)
			event_base_dispatch(base);
		evtimer_del(deadline);
		if (late || pending > 0) {
			fprintf(stderr, "smtp_table_bench: a batch did not finish\n");
			return 70;
		}
		if (asked % SLICE == 0) {
			printf("addresses=%ld entries=%lu insert_seconds=%.3f wall_seconds=%.3f "
			       "(this slice of %d)\n", asked,
			       (unsigned long)smtp_prober_stats(prober)->entries, slice_probe,
			       now_s() - slice_t0, SLICE);
			fflush(stdout);
			slice_probe = 0;
			slice_t0 = now_s();
		}
	}
	const struct smtp_stats *st = smtp_prober_stats(prober);
	printf("total addresses=%ld entries=%lu refused=%lu insert_seconds=%.3f "
	       "wall_seconds=%.3f%s\n", asked, (unsigned long)st->entries,
	       (unsigned long)st->results[SMTP_ST_REFUSED], in_probe, now_s() - t0,
	       asked < want ? " (time limit reached)" : "");
	smtp_prober_free(prober);
	event_free(deadline);
	event_base_free(base);
	config_free(cfg);
	return 0;
}
