/* The authority stage's state machine (discovery through the parent's
 * referral, the child's NS, the MX queries with and without EDNS, the
 * deadline) on a scripted network: the direct queries go to a fake
 * transport (auth_prober_set_transport, in the spirit of unbound's
 * testcode/fake_event.c) that answers from a table, from the loop; the
 * lookups go to the real libunbound, answering from local-data. Real
 * engine, real pipeline (check_start), no socket to any DNS server, no
 * root, no lab. A row per server behaviour. */
#include "checks/registry.h"
#include "engine/authority.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/pipeline.h"
#include "engine/stage.h"
#include "tap.h"

#include <event2/event.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the scripted network ---- */

enum behaviour { B_OK, B_FORMERR_EDNS, B_REFUSED, B_SILENT, B_NO_AA };

struct dnsq_chan {
	struct netaddr to;
	int port;
};

struct dnsq {
	struct event *ev;
	enum auth_qstatus st;
	uint8_t *wire;
	size_t len;
	dnsq_cb cb;
	void *arg;
};

#define LOG_MAX 256
struct sent {
	char to[NETADDR_STRLEN], qname[256];
	int qtype, port;
	bool edns;
};

struct fake_net {
	struct engine *eng;
	enum behaviour ns2;		/* how 192.0.2.2 behaves; the others are fine */
	bool no_referral;		/* the parent knows no delegation */
	struct sent log[LOG_MAX];
	size_t nlog;
	size_t lookups;
};

static struct dnsq_chan *f_chan_new(void *ctx, const struct netaddr *to, int port)
{
	struct dnsq_chan *ch = calloc(1, sizeof *ch);

	(void)ctx;
	ch->to = *to;
	ch->port = port;
	return ch;
}

static void f_chan_free(void *ctx, struct dnsq_chan *ch)
{
	(void)ctx;
	free(ch);
}

static void add_rr(ldns_pkt *p, ldns_pkt_section sec, const char *s)
{
	ldns_rr *rr = NULL;

	ck_assert_int_eq(ldns_rr_new_frm_str(&rr, s, 300, NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, sec, rr);
}

/* The reply of the fake zone data: "test." served by 192.0.2.53 (delegates
 * d.test to ns1/ns2.d.test, glue 192.0.2.1/.2), d.test by those two. */
static ldns_pkt *answer(struct fake_net *f, const char *to, const char *qname, int qtype,
			bool edns)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *q = NULL;
	char qs[300];
	bool ns2 = strcmp(to, "192.0.2.2") == 0;

	snprintf(qs, sizeof qs, "%s. IN %s", qname, qtype == LDNS_RR_TYPE_MX ? "MX" :
		 qtype == LDNS_RR_TYPE_NS ? "NS" : qtype == LDNS_RR_TYPE_AAAA ? "AAAA" : "A");
	ck_assert_int_eq(ldns_rr_new_question_frm_str(&q, qs, NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	ldns_pkt_set_qr(p, true);
	if (edns)
		ldns_pkt_set_edns_udp_size(p, 1232);
	if (strcmp(to, "192.0.2.53") == 0) {		/* the parent, "test." */
		if (f->no_referral) {
			ldns_pkt_set_aa(p, true);
			ldns_pkt_set_rcode(p, LDNS_RCODE_NXDOMAIN);
			return p;
		}
		add_rr(p, LDNS_SECTION_AUTHORITY, "d.test. 300 IN NS ns1.d.test.");
		add_rr(p, LDNS_SECTION_AUTHORITY, "d.test. 300 IN NS ns2.d.test.");
		add_rr(p, LDNS_SECTION_ADDITIONAL, "ns1.d.test. 300 IN A 192.0.2.1");
		add_rr(p, LDNS_SECTION_ADDITIONAL, "ns2.d.test. 300 IN A 192.0.2.2");
		return p;
	}
	if (ns2 && f->ns2 == B_FORMERR_EDNS && edns) {
		ldns_pkt_set_edns_udp_size(p, 0);	/* no OPT in a FORMERR */
		ldns_pkt_set_rcode(p, LDNS_RCODE_FORMERR);
		return p;
	}
	if (ns2 && f->ns2 == B_REFUSED) {
		ldns_pkt_set_rcode(p, LDNS_RCODE_REFUSED);
		return p;
	}
	ldns_pkt_set_aa(p, !(ns2 && f->ns2 == B_NO_AA));
	if (qtype == LDNS_RR_TYPE_MX && !strcmp(qname, "d.test")) {
		add_rr(p, LDNS_SECTION_ANSWER, "d.test. 300 IN MX 10 mx.d.test.");
	} else if (qtype == LDNS_RR_TYPE_NS && !strcmp(qname, "d.test")) {
		add_rr(p, LDNS_SECTION_ANSWER, "d.test. 300 IN NS ns1.d.test.");
		add_rr(p, LDNS_SECTION_ANSWER, "d.test. 300 IN NS ns2.d.test.");
	}
	return p;			/* the AAAA of mx.d.test: NODATA */
}

static void deliver(evutil_socket_t fd, short what, void *arg)
{
	struct dnsq *q = arg;
	struct dnsq_reply r = { q->st, q->wire, q->len, false, q->len };

	(void)fd;
	(void)what;
	q->cb(q->arg, &r);
	event_free(q->ev);
	free(q->wire);
	free(q);
}

static struct dnsq *f_send(void *ctx, struct dnsq_chan *ch, const char *qname, int qtype,
			   const struct dnsq_opts *o, dnsq_cb cb, void *arg)
{
	struct fake_net *f = ctx;
	struct dnsq *q = calloc(1, sizeof *q);
	struct sent *s = &f->log[f->nlog < LOG_MAX ? f->nlog++ : LOG_MAX - 1];
	struct timeval tv = { 0, 1000 };

	netaddr_format(&ch->to, s->to, sizeof s->to);
	snprintf(s->qname, sizeof s->qname, "%s", qname);
	s->qtype = qtype;
	s->port = ch->port;
	s->edns = o->edns;
	q->cb = cb;
	q->arg = arg;
	if (!strcmp(s->to, "192.0.2.2") && f->ns2 == B_SILENT) {
		q->st = AQ_TIMEOUT;	/* after every try, as the real one */
		tv.tv_sec = o->try_ms * o->tries / 1000;
		tv.tv_usec = o->try_ms * o->tries % 1000 * 1000;
	} else {
		ldns_pkt *p = answer(f, s->to, qname, qtype, o->edns);
		q->st = ldns_pkt2wire(&q->wire, p, &q->len) == LDNS_STATUS_OK ? AQ_OK : AQ_MALFORMED;
		ldns_pkt_free(p);
	}
	q->ev = evtimer_new(engine_base(f->eng), deliver, q);
	evtimer_add(q->ev, &tv);
	return q;
}

static void f_cancel(void *ctx, struct dnsq *q)
{
	(void)ctx;
	if (!q)
		return;
	event_free(q->ev);
	free(q->wire);
	free(q);
}

static int f_lookup(void *ctx, const char *name, int rrtype, resolver_cb cb, void *arg)
{
	struct fake_net *f = ctx;

	f->lookups++;
	return resolver_lookup(engine_resolver(f->eng), name, rrtype, cb, arg);
}

static const struct auth_transport fake_transport = {
	f_chan_new, f_chan_free, f_send, f_cancel, f_lookup,
};

/* ---- the rows ---- */

struct row {
	const char *name;
	enum behaviour ns2;
	bool no_referral;
	const char *codes;	/* authority findings, "-" none */
};

static const struct row rows[] = {
	{ "healthy", B_OK, false, "-" },
	{ "edns-formerr", B_FORMERR_EDNS, false, "EDNS_INTOLERANT" },
	{ "refused", B_REFUSED, false, "NS_NOT_AUTHORITATIVE" },
	{ "no-aa", B_NO_AA, false, "NS_NOT_AUTHORITATIVE" },
	{ "silent", B_SILENT, false, "NS_UNREACHABLE" },
	{ "no-referral", B_OK, true, "-" },	/* libunbound finds the zone */
};

struct outcome {
	struct event_base *base;
	bool done;
	char codes[256];
	char zone[64];
	size_t nsrv;
	bool plain_ns1, plain_ns2;	/* a query without EDNS was answered */
};

static void on_done(void *arg, const struct check_result *res)
{
	struct outcome *o = arg;
	const struct auth_evidence *ae = res->ev->auth;

	o->done = true;
	event_base_loopexit(o->base, NULL);
	for (size_t i = 0; i < res->findings->n; i++) {
		const struct finding_info *fi = finding_info(res->findings->v[i].code);
		if (strcmp(fi->family, "authority") || strstr(o->codes, fi->name))
			continue;
		snprintf(o->codes + strlen(o->codes), sizeof o->codes - strlen(o->codes), "%s%s",
			 o->codes[0] ? "," : "", fi->name);
	}
	if (!o->codes[0])
		strcpy(o->codes, "-");
	if (!ae)
		return;
	snprintf(o->zone, sizeof o->zone, "%s", ae->zone ? ae->zone : "");
	o->nsrv = ae->nsrv;
	for (size_t i = 0; i < ae->nsrv; i++) {
		char a[NETADDR_STRLEN];
		netaddr_format(&ae->srv[i].addr, a, sizeof a);
		if (ae->srv[i].plain.st == AQ_OK)
			*(strcmp(a, "192.0.2.1") ? &o->plain_ns2 : &o->plain_ns1) = true;
	}
}

static char conf_path[64];

START_TEST(discovery)
{
	const struct row *r = &rows[_i];
	struct event_base *base = event_base_new();
	struct config *cfg = config_new();
	struct fake_net f = { .ns2 = r->ns2, .no_referral = r->no_referral };
	struct outcome o = { .base = base };
	char err[512];

	ck_assert_int_eq(config_set(cfg, "unbound_config", conf_path, err, sizeof err), 0);
	ck_assert_int_eq(config_set(cfg, "mx_allowed_networks", "192.0.2.0/24", err, sizeof err), 0);
	ck_assert_int_eq(config_set(cfg, "authority_timeout", "2s", err, sizeof err), 0);
	ck_assert_int_eq(config_set(cfg, "checks", "dns, authority", err, sizeof err), 0);
	ck_assert_int_eq(config_set(cfg, "mx_providers_file", "", err, sizeof err), 0);
	struct engine *e = engine_new(base, cfg, &checks_detector, ENGINE_NO_HISTORY, err, sizeof err);
	ck_assert_msg(e != NULL, "engine: %s", err);
	e->opts.authority_port = 5353;
	f.eng = e;
	auth_prober_set_transport(engine_stage_state(e, &authority_stage), &fake_transport, &f);
	ck_assert_ptr_nonnull(check_start(e, "d.test", 0, on_done, &o));
	event_base_dispatch(base);
	ck_assert(o.done);
	ck_assert_msg(!strcmp(o.codes, r->codes), "%s: authority findings %s, want %s", r->name,
		      o.codes, r->codes);
	ck_assert_str_eq(o.zone, "d.test");
	ck_assert_uint_eq(o.nsrv, 2);
	ck_assert_uint_gt(f.lookups, 0);
	/* every direct query went to the scripted servers, on the port of the
	 * engine option; the domain's MX was asked of both */
	bool mx1 = false, mx2 = false, referral = false;
	for (size_t i = 0; i < f.nlog; i++) {
		ck_assert_int_eq(f.log[i].port, 5353);
		ck_assert(!strncmp(f.log[i].to, "192.0.2.", 8));
		mx1 |= f.log[i].qtype == LDNS_RR_TYPE_MX && !strcmp(f.log[i].to, "192.0.2.1");
		mx2 |= f.log[i].qtype == LDNS_RR_TYPE_MX && !strcmp(f.log[i].to, "192.0.2.2");
		referral |= !strcmp(f.log[i].to, "192.0.2.53");
	}
	ck_assert(mx1 && mx2);
	ck_assert(referral);	/* the parent was asked first, even when it knows nothing */
	/* the query without EDNS follows up where EDNS failed, not where it works */
	ck_assert(!o.plain_ns1);
	if (r->ns2 == B_FORMERR_EDNS)
		ck_assert(o.plain_ns2);
	engine_free(e);
	config_free(cfg);
	event_base_free(base);
}
END_TEST

int main(void)
{
	char dir[] = "/tmp/mxvet-authdisc.XXXXXX";
	FILE *fp;
	int rc;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	snprintf(conf_path, sizeof conf_path, "%s/unbound.conf", dir);
	if (!(fp = fopen(conf_path, "w"))) {
		perror(conf_path);
		return EXIT_FAILURE;
	}
	fputs("server:\n"
	      "\tlocal-zone: \"test.\" static\n"
	      "\tlocal-data: \"test. 300 NS ns.parent.test.\"\n"
	      "\tlocal-data: \"ns.parent.test. 300 A 192.0.2.53\"\n"
	      "\tlocal-data: \"d.test. 300 MX 10 mx.d.test.\"\n"
	      "\tlocal-data: \"mx.d.test. 300 A 192.0.2.25\"\n"
	      "\tlocal-data: \"d.test. 300 NS ns1.d.test.\"\n"
	      "\tlocal-data: \"d.test. 300 NS ns2.d.test.\"\n"
	      "\tlocal-data: \"ns1.d.test. 300 A 192.0.2.1\"\n"
	      "\tlocal-data: \"ns2.d.test. 300 A 192.0.2.2\"\n", fp);
	fclose(fp);
	Suite *s = suite_create("auth_discovery");
	TCase *tc = tcase_create("rows");
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, discovery, 0, sizeof rows / sizeof rows[0]);
	suite_add_tcase(s, tc);
	rc = tap_run(s);
	unlink(conf_path);
	rmdir(dir);
	return rc;
}
