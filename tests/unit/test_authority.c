/* Unit tests: the authority reply parser and reply matcher on canned wire
 * packets (tests/data/auth/, made by mkpackets.py), and the authority check
 * module on synthetic evidence. */
#include "engine/auth_evidence.h"
#include "engine/dnsquery.h"
#include "evfix.h"
#include "tap.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static uint8_t *load(const char *name, size_t *len)
{
	char path[1024];
	const char *top = getenv("top_srcdir");
	FILE *f;
	static uint8_t buf[65536];

	snprintf(path, sizeof path, "%s/tests/data/auth/%s.bin", top ? top : ".", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return buf;
}

/* ---- parser ---- */

static const struct {
	const char *file;
	enum auth_qstatus st;
	int rcode, aa, edns, referral;
	const char *nsid, *mxset, *cname;
} prow[] = {
	{ "mx-good", AQ_OK, 0, 1, 1, 0, "farm-7\\x01",
	  "10 mx1.example.test, 20 mx2.example.test", NULL },
	{ "mx-cname", AQ_OK, 0, 1, 1, 0, "farm-3", "", "lb.cdn.example.net" },
	{ "mx-nodata", AQ_OK, 0, 1, 1, 0, NULL, "", NULL },
	{ "mx-nxdomain", AQ_OK, 3, 1, 1, 0, NULL, "", NULL },
	{ "mx-refused", AQ_OK, 5, 0, 1, 0, NULL, "", NULL },
	{ "referral", AQ_OK, 0, 0, 1, 1, NULL, "", NULL },
	{ "formerr-noquestion", AQ_OK, 1, 0, 0, 0, NULL, "", NULL },
	{ "truncated", AQ_MALFORMED, 0, 0, 0, 0, NULL, NULL, NULL },
	{ "loop", AQ_MALFORMED, 0, 0, 0, 0, NULL, NULL, NULL },
	{ "rdlength", AQ_MALFORMED, 0, 0, 0, 0, NULL, NULL, NULL },
	{ "short", AQ_MALFORMED, 0, 0, 0, 0, NULL, NULL, NULL },
};

#define STR_EQ_OR_NULL(got, want) do { \
	if (want) ck_assert_str_eq((got) ? (got) : "(null)", want); \
	else ck_assert_msg((got) == NULL, "want NULL, got %s", got); } while (0)

START_TEST(parse_table)
{
	size_t len;
	const uint8_t *w = load(prow[_i].file, &len);
	struct auth_answer a = { 0 };

	auth_parse_answer(w, len, "example.test", &a);
	ck_assert_msg(a.st == prow[_i].st, "%s: status %d", prow[_i].file, a.st);
	if (a.st == AQ_OK) {
		ck_assert_int_eq(a.rcode, prow[_i].rcode);
		ck_assert_int_eq(a.aa, prow[_i].aa);
		ck_assert_int_eq(a.edns, prow[_i].edns);
		ck_assert_int_eq(a.referral, prow[_i].referral);
	}
	STR_EQ_OR_NULL(a.nsid, prow[_i].nsid);
	STR_EQ_OR_NULL(a.mxset, prow[_i].mxset);
	STR_EQ_OR_NULL(a.cname, prow[_i].cname);
	auth_answer_clear(&a);
}
END_TEST

START_TEST(parse_referral_and_additional)
{
	size_t len;
	const uint8_t *w = load("referral", &len);
	struct auth_referral ref;
	struct netaddr v[4];
	char buf[NETADDR_STRLEN];

	ck_assert_int_eq(auth_parse_referral(w, len, "example.test", &ref), 0);
	ck_assert_int_eq(ref.nns, 2);
	size_t ns1 = strcmp(ref.ns[0], "ns1.example.test") == 0 ? 0 : 1;
	ck_assert_str_eq(ref.ns[ns1], "ns1.example.test");
	ck_assert_str_eq(ref.ns[1 - ns1], "ns2.example.net");
	ck_assert_int_eq(ref.nglue, 2);		/* ns1's A and AAAA, not other.example */
	ck_assert_int_eq(ref.glue[0].ns, ns1);
	ck_assert_int_eq(ref.glue[1].ns, ns1);
	ck_assert_str_eq(netaddr_format(&ref.glue[0].a, buf, sizeof buf), "192.0.2.53");
	auth_referral_clear(&ref);
	ck_assert_int_eq(auth_parse_referral(w, len, "other.test", &ref), 0);
	ck_assert_int_eq(ref.nns, 0);
	auth_referral_clear(&ref);

	w = load("aaaa-additional", &len);
	ck_assert_int_eq(auth_parse_additional_a(w, len, "mx1.example.test", v, 4), 1);
	ck_assert_str_eq(netaddr_format(&v[0], buf, sizeof buf), "203.0.113.80");
	ck_assert_int_eq(auth_parse_additional_a(w, len, "mx2.example.test", v, 4), 0);
	w = load("loop", &len);
	ck_assert_int_eq(auth_parse_additional_a(w, len, "mx1.example.test", v, 4), -1);
	ck_assert_int_eq(auth_parse_referral(w, len, "example.test", &ref), -1);
}
END_TEST

START_TEST(reply_matching)
{
	size_t ql, rl;
	uint8_t query[512], reply[4096];
	const uint8_t *w;

	w = load("query-mx", &ql);
	memcpy(query, w, ql);
	w = load("mx-good", &rl);
	memcpy(reply, w, rl);
	ck_assert(dnsq_reply_matches(query, ql, reply, rl));
	reply[1] ^= 1;				/* another ID */
	ck_assert(!dnsq_reply_matches(query, ql, reply, rl));
	reply[1] ^= 1;
	reply[2] &= 0x7f;			/* QR=0: a query, not a reply */
	ck_assert(!dnsq_reply_matches(query, ql, reply, rl));
	reply[2] |= 0x80;
	reply[13] = 'E';			/* the server echoes another case */
	ck_assert(dnsq_reply_matches(query, ql, reply, rl));
	reply[14] = 'z';			/* another name */
	ck_assert(!dnsq_reply_matches(query, ql, reply, rl));
	memcpy(reply, w, rl);
	reply[12 + 14 + 1] = 28;		/* qtype AAAA instead of MX */
	ck_assert(!dnsq_reply_matches(query, ql, reply, rl));
	w = load("formerr-noquestion", &rl);	/* no question: ID alone */
	ck_assert(dnsq_reply_matches(query, ql, w, rl));
	w = load("short", &rl);
	ck_assert(!dnsq_reply_matches(query, ql, w, rl));
}
END_TEST

START_TEST(query_build)
{
	uint8_t *w;
	size_t len;
	struct auth_answer a = { 0 };

	ck_assert_int_eq(dnsq_build("example.test", 15, true, 0xbeef, &w, &len), 0);
	ck_assert_int_eq(w[0], 0xbe);
	ck_assert_int_eq(w[2] & 1, 0);			/* RD=0: non-recursive */
	ck_assert_int_eq(w[11], 1);			/* ARCOUNT 1: the OPT record */
	/* OPT: root, type 41, size 1232, DO, the NSID option (code 3, length 0) */
	ck_assert(memcmp(w + len - 15, "\x00\x00\x29\x04\xd0\x00\x00\x80\x00\x00\x04\x00\x03\x00\x00", 15) == 0);
	free(w);
	ck_assert_int_eq(dnsq_build("example.test", 15, false, 1, &w, &len), 0);
	ck_assert_int_eq(w[11], 0);			/* no EDNS at all */
	auth_parse_answer(w, len, "example.test", &a);
	ck_assert_int_eq(a.edns, 0);
	auth_answer_clear(&a);
	free(w);
}
END_TEST

/* ---- the transport, on loopback ---- */

struct got {
	int calls;
	enum auth_qstatus st;
	size_t len;
	uint8_t head[16];
};

static void on_reply(void *arg, const struct dnsq_reply *r)
{
	struct got *g = arg;
	g->calls++;
	g->st = r->st;
	g->len = r->len;
	if (r->wire && r->len >= 16)
		memcpy(g->head, r->wire, 16);
}

/* A UDP "server" on 127.0.0.1 with an ephemeral port. */
static int server(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { 2, 0 };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	*port = ntohs(sa.sin_port);
	return fd;
}

START_TEST(transport_rejects_strays)
{
	struct event_base *base = event_base_new();
	struct netaddr lo;
	struct got g = { 0 };
	int port, fd = server(&port);
	struct dnsq_opts o = { .port = port, .edns = true, .tries = 2, .try_ms = 1000, .max_tcp = 65535 };
	uint8_t q[512], r[512];
	struct sockaddr_in peer;
	socklen_t pl = sizeof peer;
	size_t len;
	const uint8_t *w = load("mx-good", &len);

	netaddr_parse("127.0.0.1", &lo);
	ck_assert_ptr_nonnull(dnsq_send(base, &lo, "example.test", 15, &o, on_reply, &g));
	ck_assert_int_eq(g.calls, 0);			/* never from inside dnsq_send */
	ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&peer, &pl);
	ck_assert_int_gt(n, 12);
	memcpy(r, w, len);
	r[0] = q[0];
	r[1] = q[1] ^ 0xff;				/* 1: another ID */
	sendto(fd, r, len, 0, (struct sockaddr *)&peer, pl);
	r[1] = q[1];
	r[2] &= 0x7f;					/* 2: QR=0 */
	sendto(fd, r, len, 0, (struct sockaddr *)&peer, pl);
	r[2] |= 0x80;
	r[14] = 'z';					/* 3: another question */
	sendto(fd, r, len, 0, (struct sockaddr *)&peer, pl);
	r[14] = w[14];
	sendto(fd, r, len, 0, (struct sockaddr *)&peer, pl);	/* 4: the reply */
	event_base_dispatch(base);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.st, AQ_OK);
	ck_assert_int_eq(g.len, len);
	ck_assert(memcmp(g.head, r, 16) == 0);		/* the right one, not a stray */
	close(fd);
	event_base_free(base);
}
END_TEST

START_TEST(transport_timeout_refused_cancel)
{
	struct event_base *base = event_base_new();
	struct netaddr lo;
	struct got g = { 0 }, h = { 0 }, c = { 0 };
	int port, fd = server(&port), closed_port, fd2 = server(&closed_port);
	struct dnsq_opts o = { .port = port, .edns = false, .tries = 2, .try_ms = 100, .max_tcp = 65535 };
	uint8_t q[512];
	struct dnsq *x;

	close(fd2);					/* nothing listens there now */
	netaddr_parse("127.0.0.1", &lo);
	ck_assert_ptr_nonnull(dnsq_send(base, &lo, "example.test", 15, &o, on_reply, &g));
	o.port = closed_port;
	ck_assert_ptr_nonnull(dnsq_send(base, &lo, "example.test", 15, &o, on_reply, &h));
	x = dnsq_send(base, &lo, "example.test", 15, &o, on_reply, &c);
	ck_assert_ptr_nonnull(x);
	dnsq_cancel(x);
	event_base_dispatch(base);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.st, AQ_TIMEOUT);
	ck_assert_int_eq(h.calls, 1);
	ck_assert_int_eq(h.st, AQ_NETERR);		/* ICMP port unreachable */
	ck_assert_int_eq(c.calls, 0);			/* cancelled: never called */
	/* the silent server saw both tries */
	ck_assert_int_gt(recv(fd, q, sizeof q, 0), 12);
	ck_assert_int_gt(recv(fd, q, sizeof q, 0), 12);
	close(fd);
	event_base_free(base);
}
END_TEST

/* A truncated UDP answer sends the query over TCP; when no socket can be
 * opened for that (descriptors exhausted), the query fails as our own
 * fault (AQ_NONE), once, and its channel is not touched after it was
 * freed (a use-after-free that ASan reported here). */
START_TEST(transport_tc_without_socket)
{
	struct event_base *base = event_base_new();
	struct netaddr lo;
	struct got g = { 0 };
	int port, fd = server(&port), lowest;
	struct dnsq_opts o = { .port = port, .edns = true, .tries = 1, .try_ms = 1000, .max_tcp = 65535 };
	uint8_t q[512];
	struct sockaddr_in peer;
	socklen_t pl = sizeof peer;
	struct rlimit old, low;

	netaddr_parse("127.0.0.1", &lo);
	ck_assert_ptr_nonnull(dnsq_send(base, &lo, "example.test", 15, &o, on_reply, &g));
	ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&peer, &pl);
	ck_assert_int_gt(n, 12);
	q[2] |= 0x80 | 0x02;				/* QR, TC: the query echoed, truncated */
	ck_assert_int_eq(sendto(fd, q, (size_t)n, 0, (struct sockaddr *)&peer, pl), n);
	/* every descriptor below the limit is in use: socket() gets EMFILE */
	lowest = dup(0);
	ck_assert_int_ge(lowest, 0);
	close(lowest);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)lowest;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	ck_assert_int_lt(socket(AF_INET, SOCK_STREAM, 0), 0);
	event_base_dispatch(base);
	setrlimit(RLIMIT_NOFILE, &old);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.st, AQ_NONE);
	close(fd);
	event_base_free(base);
}
END_TEST

/* ---- the check module ---- */

static struct auth_answer ok(int aa, int rcode, const char *mx, const char *cname, const char *nsid)
{
	struct auth_answer a = { .st = AQ_OK, .aa = aa, .rcode = rcode, .edns = true };
	a.mxset = strdup(mx ? mx : "");
	a.cname = cname ? strdup(cname) : NULL;
	a.nsid = nsid ? strdup(nsid) : NULL;
	return a;
}

static struct auth_answer nok(enum auth_qstatus st)
{
	struct auth_answer a = { .st = st };
	return a;
}

#define MXA "10 mx1.example.test"
#define MXB "10 mx2.example.test"

/* A server whose three EDNS answers are a, b, c and plain answer p. */
static void srv(struct auth_evidence *ae, const char *name, const char *addr,
		struct auth_answer a, struct auth_answer b, struct auth_answer c,
		struct auth_answer p)
{
	struct netaddr na;
	struct auth_server *s;

	netaddr_parse(addr, &na);
	s = auth_evidence_add_server(ae, name, &na, 3);
	s->ans[0] = a;
	s->ans[1] = b;
	s->ans[2] = c;
	s->plain = p;
}

#define GOOD ok(1, 0, MXA, NULL, NULL)
#define GOOD_PLAIN ok(1, 0, MXA, NULL, NULL)

static const struct {
	const char *name;
	const char *codes;
	int cls;		/* class of the first authority finding, -1 if none */
	const char *server;	/* its server, or NULL */
	const char *detail;	/* a piece of its detail */
} crow[] = {
	{ "healthy", "-", -1, NULL, NULL },
	{ "farm", "APEX_CNAME", CLASS_RISK, "ns1.example.test 192.0.2.1", "NSID farm-3" },
	{ "all-cname", "APEX_CNAME", CLASS_TEMPORARY, "ns1.example.test 192.0.2.1", "3 of 3" },
	{ "nsdiff", "NS_INCONSISTENT", CLASS_RISK, "ns2.example.test 192.0.2.2", "MX {10 mx2.example.test}" },
	{ "self-disagree", "NS_INCONSISTENT", CLASS_RISK, "ns1.example.test 192.0.2.1", "1 of 3" },
	{ "refused", "NS_NOT_AUTHORITATIVE", CLASS_RISK, "ns2.example.test 192.0.2.2", "REFUSED" },
	{ "no-aa", "NS_NOT_AUTHORITATIVE", CLASS_RISK, "ns2.example.test 192.0.2.2", "without the AA flag" },
	{ "one-dead", "NS_UNREACHABLE", CLASS_RISK, "ns2.example.test 192.0.2.2", "1 of 2" },
	{ "all-dead", "NS_UNREACHABLE", CLASS_TEMPORARY, "ns1.example.test 192.0.2.1", "0 of 2" },
	{ "edns-formerr", "EDNS_INTOLERANT", CLASS_RISK, "ns2.example.test 192.0.2.2", "answers FORMERR" },
	{ "edns-silent", "EDNS_INTOLERANT", CLASS_RISK, "ns2.example.test 192.0.2.2", "does not answer" },
	{ "wildcard", "WILDCARD_ADDITIONAL", CLASS_RISK, "ns1.example.test 192.0.2.1", "203.0.113.80" },
	{ "wildcard-same", "-", -1, NULL, NULL },
	{ "cname-below-apex", "-", -1, NULL, NULL },
	{ "garbage", "NS_UNREACHABLE", CLASS_RISK, "ns2.example.test 192.0.2.2", "do not parse" },
	{ "stage-off", "-", -1, NULL, NULL },
	{ "unsent", "-", -1, NULL, NULL },	/* our own limits: says nothing about the server */
};

static void build(size_t i, struct evidence *ev)
{
	struct auth_evidence *ae = calloc(1, sizeof *ae);
	const char *n = crow[i].name;
	struct netaddr v;

	ev->auth = ae;
	ev->authority_done = strcmp(n, "stage-off") != 0;
	ae->zone = strdup(strcmp(n, "cname-below-apex") ? "example.test" : "test");
	srv(ae, "ns1.example.test", "192.0.2.1",
	    !strcmp(n, "farm") ? ok(1, 0, NULL, "lb.example.net", "farm-3") :
	    !strcmp(n, "all-cname") || !strcmp(n, "cname-below-apex") ? ok(1, 0, NULL, "lb.example.net", NULL) :
	    !strcmp(n, "all-dead") ? nok(AQ_TIMEOUT) : GOOD,
	    !strcmp(n, "all-cname") ? ok(1, 0, NULL, "lb.example.net", NULL) :
	    !strcmp(n, "self-disagree") ? ok(1, 0, MXB, NULL, NULL) :
	    !strcmp(n, "all-dead") ? nok(AQ_TIMEOUT) : GOOD,
	    !strcmp(n, "all-cname") ? ok(1, 0, NULL, "lb.example.net", NULL) :
	    !strcmp(n, "all-dead") ? nok(AQ_TIMEOUT) : GOOD,
	    !strcmp(n, "all-dead") ? nok(AQ_TIMEOUT) : GOOD_PLAIN);
	if (!strcmp(n, "self-disagree"))
		return;
	if (!strcmp(n, "nsdiff")) {
		srv(ae, "ns2.example.test", "192.0.2.2", ok(1, 0, MXB, NULL, NULL),
		    ok(1, 0, MXB, NULL, NULL), ok(1, 0, MXB, NULL, NULL), ok(1, 0, MXB, NULL, NULL));
		srv(ae, "ns3.example.test", "192.0.2.3", GOOD, GOOD, GOOD, GOOD_PLAIN);
		return;
	}
	if (!strcmp(n, "refused"))
		srv(ae, "ns2.example.test", "192.0.2.2", ok(0, 5, NULL, NULL, NULL), ok(0, 5, NULL, NULL, NULL),
		    ok(0, 5, NULL, NULL, NULL), ok(0, 5, NULL, NULL, NULL));
	else if (!strcmp(n, "no-aa"))
		srv(ae, "ns2.example.test", "192.0.2.2", ok(0, 0, MXA, NULL, NULL), ok(0, 0, MXA, NULL, NULL),
		    ok(0, 0, MXA, NULL, NULL), ok(0, 0, MXA, NULL, NULL));
	else if (!strcmp(n, "one-dead") || !strcmp(n, "all-dead"))
		srv(ae, "ns2.example.test", "192.0.2.2", nok(AQ_TIMEOUT), nok(AQ_TIMEOUT),
		    nok(AQ_TIMEOUT), nok(AQ_NETERR));
	else if (!strcmp(n, "edns-formerr")) {
		struct auth_answer f = ok(0, 1, NULL, NULL, NULL);
		f.edns = false;
		struct auth_answer g = f, h = f;
		g.mxset = strdup("");
		h.mxset = strdup("");
		srv(ae, "ns2.example.test", "192.0.2.2", f, g, h, GOOD_PLAIN);
	} else if (!strcmp(n, "edns-silent"))
		srv(ae, "ns2.example.test", "192.0.2.2", nok(AQ_TIMEOUT), nok(AQ_TIMEOUT),
		    nok(AQ_TIMEOUT), GOOD_PLAIN);
	else if (!strcmp(n, "unsent"))
		srv(ae, "ns2.example.test", "192.0.2.2", nok(AQ_NONE), nok(AQ_NONE), nok(AQ_NONE),
		    nok(AQ_NONE));
	else if (!strcmp(n, "garbage"))
		srv(ae, "ns2.example.test", "192.0.2.2", nok(AQ_MALFORMED), nok(AQ_MALFORMED),
		    nok(AQ_MALFORMED), nok(AQ_MALFORMED));
	else if (!strcmp(n, "all-cname"))
		srv(ae, "ns2.example.test", "192.0.2.2", ok(1, 0, NULL, "lb.example.net", NULL),
		    ok(1, 0, NULL, "lb.example.net", NULL), ok(1, 0, NULL, "lb.example.net", NULL),
		    ok(1, 0, NULL, "lb.example.net", NULL));
	else
		srv(ae, "ns2.example.test", "192.0.2.2", GOOD, GOOD, GOOD, GOOD_PLAIN);
	if (!strcmp(n, "wildcard") || !strcmp(n, "wildcard-same")) {
		netaddr_parse(!strcmp(n, "wildcard") ? "203.0.113.80" : "1.2.3.4", &v);
		auth_evidence_add_additional(ae, "mx1.example.test", "ns1.example.test 192.0.2.1", &v, 1);
	}
}

START_TEST(check_table)
{
	struct config *cfg = config_new();
	struct evidence ev;
	struct findings fs = { 0 };
	const struct finding *f = NULL;

	evfix_init(&ev, "example.test", DNS_ST_OK);
	evfix_mx(&ev, 10, "mx1.example.test", "1.2.3.4", DNS_ST_OK, DNS_ST_NODATA);
	build(_i, &ev);
	ck_assert_msg(strcmp(evfix_codes(&ev, cfg, &fs), crow[_i].codes) == 0, "%s: got %s",
		      crow[_i].name, evfix_codes(&ev, cfg, &fs));
	for (size_t k = 0; k < fs.n && !f; k++)
		if (strcmp(finding_info(fs.v[k].code)->family, "authority") == 0)
			f = &fs.v[k];
	if (crow[_i].cls < 0) {
		ck_assert_ptr_null(f);
	} else {
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(f->cls, crow[_i].cls);
		ck_assert_str_eq(f->server, crow[_i].server);
		ck_assert_msg(strstr(f->detail, crow[_i].detail), "%s: detail \"%s\"",
			      crow[_i].name, f->detail);
		ck_assert_ptr_nonnull(f->reproduce);
		ck_assert_msg(strstr(f->reproduce, "dig @") && strstr(f->reproduce, "+norecurse"),
			      "reproduce \"%s\"", f->reproduce);
		if (f->code == F_EDNS_INTOLERANT)
			ck_assert_ptr_nonnull(strstr(f->reproduce, "+noedns"));
	}
	/* the JSON view has one entry per server with the documented fields */
	json_t *j = auth_evidence_json(ev.auth);
	ck_assert_int_eq(json_array_size(j), ev.auth->nsrv);
	ck_assert_ptr_nonnull(json_object_get(json_array_get(j, 0), "answers"));
	ck_assert_ptr_nonnull(json_object_get(json_array_get(j, 0), "edns"));
	json_decref(j);
	evidence_clear(&ev);
	findings_clear(&fs);
	config_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("authority");
	TCase *tc = tcase_create("parser");
	tcase_add_loop_test(tc, parse_table, 0, sizeof prow / sizeof prow[0]);
	tcase_add_test(tc, parse_referral_and_additional);
	tcase_add_test(tc, reply_matching);
	tcase_add_test(tc, query_build);
	tcase_add_test(tc, transport_rejects_strays);
	tcase_add_test(tc, transport_timeout_refused_cancel);
	tcase_add_test(tc, transport_tc_without_socket);
	suite_add_tcase(s, tc);
	tc = tcase_create("check");
	tcase_add_loop_test(tc, check_table, 0, sizeof crow / sizeof crow[0]);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
