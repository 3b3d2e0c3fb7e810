/* ub_floor: the floor for the fresh-domain bar. Resolves each
 * domain's MX and every MX host's A and AAAA with plain libunbound (threads
 * mode, ub_fd on a libevent loop, the same settings mxvet uses), with at
 * most CONCURRENCY domains in flight, and prints domains per second. */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unbound.h>

#define CONCURRENCY 256

static struct ub_ctx *ctx;
static struct event_base *base;
static char **names;
static size_t nnames, next_name, done, pending_total;

struct dom { int pending; };

static void start_more(void);

static void finish_one(struct dom *d)
{
	if (--d->pending == 0) {
		free(d);
		done++;
		start_more();
		if (done == nnames)
			event_base_loopbreak(base);
	}
}

static void on_addr(void *arg, int err, struct ub_result *r)
{
	(void)err;
	if (r)
		ub_resolve_free(r);
	finish_one(arg);
}

static void on_mx(void *arg, int err, struct ub_result *r)
{
	struct dom *d = arg;

	if (!err && r && r->havedata) {
		for (int i = 0; r->data[i]; i++) {
			char host[300];
			size_t o = 0, p = 2, len = (size_t)r->len[i];
			const unsigned char *w = (const unsigned char *)r->data[i];
			while (p < len && w[p] && o < 250) {
				size_t l = w[p++];
				if (o)
					host[o++] = '.';
				for (size_t k = 0; k < l && p < len && o < 250; k++)
					host[o++] = (char)w[p++];
			}
			host[o] = '\0';
			if (!o)
				continue;
			d->pending += 2;
			ub_resolve_async(ctx, host, 1, 1, d, on_addr, NULL);
			ub_resolve_async(ctx, host, 28, 1, d, on_addr, NULL);
		}
	}
	if (r)
		ub_resolve_free(r);
	finish_one(d);
}

static void start_more(void)
{
	while (next_name < nnames && next_name - done < CONCURRENCY) {
		struct dom *d = calloc(1, sizeof *d);
		d->pending = 1;
		ub_resolve_async(ctx, names[next_name++], 15, 1, d, on_mx, NULL);
	}
}

static void readable(evutil_socket_t fd, short w, void *a)
{
	(void)fd; (void)w; (void)a;
	ub_process(ctx);
}

int main(int argc, char **argv)
{
	char line[512];
	struct timeval t0, t1;

	if (argc != 3) {
		fprintf(stderr, "usage: ub_floor UNBOUND_CONF DOMAIN_FILE\n");
		return 64;
	}
	FILE *f = fopen(argv[2], "r");
	if (!f)
		return 66;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		names = realloc(names, (nnames + 1) * sizeof *names);
		names[nnames++] = strdup(line);
	}
	fclose(f);
	ctx = ub_ctx_create();
	ub_ctx_async(ctx, 1);
	ub_ctx_set_option(ctx, "outgoing-range:", "512");
	ub_ctx_set_option(ctx, "msg-cache-size:", "16m");
	ub_ctx_set_option(ctx, "rrset-cache-size:", "32m");
	if (ub_ctx_config(ctx, argv[1]) != 0) {
		fprintf(stderr, "ub_floor: bad unbound config\n");
		return 78;
	}
	base = event_base_new();
	struct event *ev = event_new(base, ub_fd(ctx), EV_READ | EV_PERSIST, readable, NULL);
	event_add(ev, NULL);
	gettimeofday(&t0, NULL);
	start_more();
	event_base_dispatch(base);
	gettimeofday(&t1, NULL);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	printf("ub_floor: %zu domains in %.3f s: %.0f domains/s\n", nnames, s, (double)nnames / s);
	(void)pending_total;
	event_free(ev);
	event_base_free(base);
	ub_ctx_delete(ctx);
	return 0;
}
