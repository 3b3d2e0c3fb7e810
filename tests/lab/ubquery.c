/* ubquery: resolve names through libunbound with the lab's unbound.conf,
 * the way mxvet does; a debugging aid for the loopback lab (tests/lab).
 *
 *   cc -o ubquery ubquery.c -lunbound
 *   ubquery DIR/unbound.conf NAME TYPE [NAME TYPE ...]
 *
 * One line per query, all queries in parallel on one context:
 *   NAME TYPE rcode=N data|nodata|nxdomain secure|insecure|bogus ms=T [canon=C] [data...]
 *   [why_bogus=...]
 * Exit status 0 if every query got an answer (any rcode), 1 on a library error. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unbound.h>

struct q {
	const char *name, *type;
	int done;
	double t0, ms;
	struct ub_result *r;
	int err;
};

static double now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

static int type_num(const char *t)
{
	static const struct { const char *n; int v; } tab[] = {
		{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "MX", 15 },
		{ "TXT", 16 }, { "AAAA", 28 }, { "DS", 43 }, { "DNSKEY", 48 },
	};
	for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
		if (strcasecmp(tab[i].n, t) == 0)
			return tab[i].v;
	return atoi(t);
}

/* A wire-format domain name (uncompressed, as in ub_result data) as text. */
static void wire_name(const unsigned char *p, int len, char *out, size_t outlen)
{
	size_t o = 0;
	int i = 0;

	while (i < len && p[i] && o + 1 < outlen) {
		int l = p[i++];
		for (int k = 0; k < l && i < len && o + 2 < outlen; k++)
			out[o++] = (char)p[i++];
		out[o++] = '.';
	}
	if (o == 0 && o + 1 < outlen)
		out[o++] = '.';
	out[o] = '\0';
}

static void cb(void *arg, int err, struct ub_result *r)
{
	struct q *q = arg;
	q->err = err;
	q->r = r;
	q->ms = now_ms() - q->t0;
	q->done = 1;
}

int main(int argc, char **argv)
{
	struct ub_ctx *ctx;
	struct q *qs;
	int n, rc = 0, left;

	if (argc < 4 || (argc - 2) % 2) {
		fprintf(stderr, "usage: ubquery UNBOUND.CONF NAME TYPE [NAME TYPE ...]\n");
		return 64;
	}
	ctx = ub_ctx_create();
	if (!ctx || ub_ctx_config(ctx, argv[1]) != 0) {
		fprintf(stderr, "ubquery: cannot load %s\n", argv[1]);
		return 1;
	}
	ub_ctx_debugout(ctx, stderr);
	n = (argc - 2) / 2;
	qs = calloc((size_t)n, sizeof *qs);
	for (int i = 0; i < n; i++) {
		qs[i].name = argv[2 + 2 * i];
		qs[i].type = argv[3 + 2 * i];
		qs[i].t0 = now_ms();
		if (ub_resolve_async(ctx, qs[i].name, type_num(qs[i].type), 1, &qs[i], cb, NULL)) {
			fprintf(stderr, "ubquery: cannot start %s %s\n", qs[i].name, qs[i].type);
			return 1;
		}
	}
	do {
		if (ub_wait(ctx) != 0)
			break;
		left = 0;
		for (int i = 0; i < n; i++)
			left += !qs[i].done;
	} while (left);
	for (int i = 0; i < n; i++) {
		struct ub_result *r = qs[i].r;
		int t = type_num(qs[i].type);
		if (qs[i].err || !r) {
			printf("%s %s error=%s\n", qs[i].name, qs[i].type, ub_strerror(qs[i].err));
			rc = 1;
			continue;
		}
		printf("%s %s rcode=%d %s %s ms=%.0f", qs[i].name, qs[i].type, r->rcode,
		       r->havedata ? "data" : r->nxdomain ? "nxdomain" : "nodata",
		       r->secure ? "secure" : r->bogus ? "bogus" : "insecure", qs[i].ms);
		if (r->canonname)
			printf(" canon=%s", r->canonname);
		for (int k = 0; r->data[k]; k++) {
			char buf[1100];
			const unsigned char *d = (const unsigned char *)r->data[k];
			if (t == 1 && r->len[k] == 4)
				inet_ntop(AF_INET, d, buf, sizeof buf);
			else if (t == 28 && r->len[k] == 16)
				inet_ntop(AF_INET6, d, buf, sizeof buf);
			else if (t == 15 && r->len[k] > 2) {
				char nm[1025];
				wire_name(d + 2, r->len[k] - 2, nm, sizeof nm);
				snprintf(buf, sizeof buf, "%u/%s", d[0] << 8 | d[1], nm);
			} else if (t == 2 || t == 5)
				wire_name(d, r->len[k], buf, sizeof buf);
			else
				snprintf(buf, sizeof buf, "(%d bytes)", r->len[k]);
			printf(" %s", buf);
		}
		printf("\n");
		if (r->why_bogus)
			printf("  why_bogus=%s\n", r->why_bogus);
		ub_resolve_free(r);
	}
	free(qs);
	ub_ctx_delete(ctx);
	return rc;
}
