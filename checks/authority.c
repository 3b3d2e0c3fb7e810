/* authority: findings from the direct queries to the authoritative servers:
 * apex CNAMEs, servers that disagree on the
 * MX set, lame or non-authoritative servers, dead servers, wildcard A
 * records in the additional section and EDNS intolerance. Pure: reads
 * ev->auth (engine/auth_evidence.h), says nothing when the stage did not
 * run. Every finding names the server ("ns1.example.net 192.0.2.53"), the
 * NSID where one was given, and a dig command that shows the fault. */
#include "checks/registry.h"
#include "engine/auth_evidence.h"
#include "engine/dname.h"

#include <stdio.h>
#include <string.h>

#define RC_NOERROR 0
#define RC_FORMERR 1
#define RC_SERVFAIL 2
#define RC_NXDOMAIN 3
#define RC_NOTIMP 4
#define RC_REFUSED 5
#define RC_BADVERS 16
#define MAX_SETS 32

static const char *rcode_name(int rc)
{
	static const char *const n[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
		"NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE" };
	if (rc >= 0 && rc < (int)(sizeof n / sizeof *n))
		return n[rc];
	return rc == RC_BADVERS ? "BADVERS" : "RCODE?";
}

static void server_str(const struct auth_server *s, char *buf, size_t len)
{
	char a[NETADDR_STRLEN];
	snprintf(buf, len, "%s %s", s->name, netaddr_format(&s->addr, a, sizeof a));
}

static void repro(const struct auth_server *s, const char *domain, bool noedns,
		  char *buf, size_t len)
{
	char a[NETADDR_STRLEN];
	netaddr_format(&s->addr, a, sizeof a);
	if (noedns)
		snprintf(buf, len, "dig @%s %s MX +norecurse +dnssec +nsid; "
			 "dig @%s %s MX +norecurse +noedns", a, domain, a, domain);
	else
		snprintf(buf, len, "dig @%s %s MX +norecurse +dnssec +nsid", a, domain);
}

static void nsid_str(const struct auth_answer *a, char *buf, size_t len)
{
	if (a && a->nsid)
		snprintf(buf, len, " (NSID %s)", a->nsid);
	else
		buf[0] = '\0';
}

/* A reply that shows the server does not take EDNS queries. */
static bool edns_failed(const struct auth_answer *a)
{
	if (a->st != AQ_OK)
		return a->st != AQ_NONE;
	return a->rcode == RC_FORMERR || a->rcode == RC_NOTIMP || a->rcode == RC_BADVERS ||
	       (a->rcode == RC_SERVFAIL && !a->edns);
}

static bool replied(const struct auth_answer *a)
{
	return a->st == AQ_OK;
}

/* Was anything sent to s? (Queries left unsent by our own limits say
 * nothing about the server.) */
static bool sent(const struct auth_server *s)
{
	if (s->plain.st != AQ_NONE)
		return true;
	for (size_t k = 0; k < s->nans; k++)
		if (s->ans[k].st != AQ_NONE)
			return true;
	return false;
}

static bool edns_intolerant(const struct auth_server *s)
{
	size_t sent = 0;

	if (!replied(&s->plain) ||
	    (s->plain.rcode != RC_NOERROR && s->plain.rcode != RC_NXDOMAIN))
		return false;
	for (size_t i = 0; i < s->nans; i++) {
		if (s->ans[i].st == AQ_NONE)
			continue;
		sent++;
		if (!edns_failed(&s->ans[i]))
			return false;
	}
	return sent > 0;
}

/* The answers that speak for the server: the EDNS ones, or the plain one
 * for an EDNS-intolerant server. */
static size_t usable(const struct auth_server *s, const struct auth_answer **out, size_t max)
{
	size_t n = 0;

	if (edns_intolerant(s)) {
		out[n++] = &s->plain;
		return n;
	}
	for (size_t i = 0; i < s->nans && n < max; i++)
		if (replied(&s->ans[i]) && !edns_failed(&s->ans[i]))
			out[n++] = &s->ans[i];
	if (n == 0 && replied(&s->plain) && max > 0)
		out[n++] = &s->plain;
	return n;
}

/* An authoritative answer about the domain's MX (NOERROR or NXDOMAIN). */
static bool good(const struct auth_answer *a)
{
	return a->aa && !a->referral && (a->rcode == RC_NOERROR || a->rcode == RC_NXDOMAIN);
}

/* What an answer says, for comparing: "{10 mx.example.com}", "NXDOMAIN". */
static void answer_text(const struct auth_answer *a, char *buf, size_t len)
{
	if (a->rcode == RC_NXDOMAIN)
		snprintf(buf, len, "NXDOMAIN");
	else if (a->cname)
		snprintf(buf, len, "CNAME %s", a->cname);
	else if (!a->mxset || !a->mxset[0])
		snprintf(buf, len, "no MX (NODATA)");
	else
		snprintf(buf, len, "MX {%s}", a->mxset);
}

static void unreachable(const struct evidence *ev, const struct auth_evidence *ae,
			struct findings *out)
{
	size_t dead = 0, asked = 0;

	for (size_t i = 0; i < ae->nsrv; i++) {
		const struct auth_server *s = &ae->srv[i];
		bool any = replied(&s->plain);
		if (!sent(s))
			continue;
		asked++;
		for (size_t k = 0; k < s->nans; k++)
			any |= replied(&s->ans[k]);
		dead += !any;
	}
	for (size_t i = 0; i < ae->nsrv && dead; i++) {
		const struct auth_server *s = &ae->srv[i];
		char srv[600], rp[700];
		bool any = replied(&s->plain), garbage = s->plain.st == AQ_MALFORMED;
		for (size_t k = 0; k < s->nans; k++) {
			any |= replied(&s->ans[k]);
			garbage |= s->ans[k].st == AQ_MALFORMED;
		}
		if (any || !sent(s))
			continue;
		server_str(s, srv, sizeof srv);
		repro(s, ev->domain, false, rp, sizeof rp);
		findings_add(out, F_NS_UNREACHABLE,
			     dead == asked ? CLASS_TEMPORARY : CLASS_RISK, NULL, srv, rp,
			     "authoritative server %s of %s %s (%zu of %zu server addresses answered)",
			     srv, ae->zone ? ae->zone : ev->domain,
			     garbage ? "sent only replies that do not parse"
				     : s->plain.st == AQ_NETERR ? "refuses DNS (port unreachable)"
				     : "does not answer",
			     asked - dead, asked);
	}
}

static void edns(const struct evidence *ev, const struct auth_evidence *ae, struct findings *out)
{
	for (size_t i = 0; i < ae->nsrv; i++) {
		const struct auth_server *s = &ae->srv[i];
		const struct auth_answer *e = &s->ans[0];
		char srv[600], rp[700], what[64];
		if (!edns_intolerant(s))
			continue;
		server_str(s, srv, sizeof srv);
		repro(s, ev->domain, true, rp, sizeof rp);
		if (e->st == AQ_OK)
			snprintf(what, sizeof what, "answers %s", rcode_name(e->rcode));
		else
			snprintf(what, sizeof what, "does not answer (%s)", auth_qstatus_name(e->st));
		findings_add(out, F_EDNS_INTOLERANT, CLASS_RISK, NULL, srv, rp,
			     "%s %s to an MX query with EDNS0 and the DO bit but answers %s "
			     "without EDNS: validating resolvers may fail on the domain",
			     srv, what, rcode_name(s->plain.rcode));
	}
}

static void lame(const struct evidence *ev, const struct auth_evidence *ae, struct findings *out)
{
	for (size_t i = 0; i < ae->nsrv; i++) {
		const struct auth_server *s = &ae->srv[i];
		const struct auth_answer *u[16];
		size_t n = usable(s, u, 16);
		char srv[600], rp[700], ns[300];
		for (size_t k = 0; k < n; k++) {
			const struct auth_answer *a = u[k];
			const char *why;
			if (good(a))
				continue;
			if (a->rcode == RC_REFUSED || a->rcode == RC_SERVFAIL || a->rcode == 9)
				why = "refuses the zone";
			else if (a->referral)
				why = "answers with a referral instead of the data";
			else if (a->rcode == RC_NOERROR || a->rcode == RC_NXDOMAIN)
				why = "answers without the AA flag";
			else
				why = "answers with an error";
			server_str(s, srv, sizeof srv);
			repro(s, ev->domain, s->nans == 0 || a == &s->plain, rp, sizeof rp);
			nsid_str(a, ns, sizeof ns);
			findings_add(out, F_NS_NOT_AUTHORITATIVE, CLASS_RISK, NULL, srv, rp,
				     "%s%s is named as an authoritative server of %s but %s "
				     "(rcode %s, aa=%d): a lame delegation",
				     srv, ns, ae->zone ? ae->zone : ev->domain, why,
				     rcode_name(a->rcode), a->aa);
			break;
		}
	}
}

static void apex_cname(const struct evidence *ev, const struct auth_evidence *ae,
		       struct findings *out)
{
	size_t total = 0, cn = 0;

	if (!ae->zone || !dname_equal(ae->zone, ev->domain))
		return;		/* a CNAME below the apex is legal */
	for (size_t i = 0; i < ae->nsrv; i++) {
		const struct auth_answer *u[16];
		size_t n = usable(&ae->srv[i], u, 16);
		for (size_t k = 0; k < n; k++) {
			if (!good(u[k]))
				continue;
			total++;
			cn += u[k]->cname != NULL;
		}
	}
	if (cn == 0)
		return;
	for (size_t i = 0; i < ae->nsrv; i++) {
		const struct auth_server *s = &ae->srv[i];
		const struct auth_answer *u[16], *hit = NULL;
		size_t n = usable(s, u, 16), mine = 0, good_n = 0;
		char srv[600], rp[700], ns[300], other[600] = "";
		for (size_t k = 0; k < n; k++) {
			if (!good(u[k]))
				continue;
			good_n++;
			if (u[k]->cname) {
				mine++;
				if (!hit || (!hit->nsid && u[k]->nsid))
					hit = u[k];
			} else if (!other[0]) {
				answer_text(u[k], other, sizeof other);
			}
		}
		if (!hit)
			continue;
		/* what the others said, if this server never gave a real answer */
		for (size_t j = 0; j < ae->nsrv && !other[0]; j++) {
			const struct auth_answer *w[16];
			size_t m = usable(&ae->srv[j], w, 16);
			for (size_t k = 0; k < m && !other[0]; k++)
				if (good(w[k]) && !w[k]->cname)
					answer_text(w[k], other, sizeof other);
		}
		server_str(s, srv, sizeof srv);
		repro(s, ev->domain, false, rp, sizeof rp);
		nsid_str(hit, ns, sizeof ns);
		findings_add(out, F_APEX_CNAME, cn == total ? CLASS_TEMPORARY : CLASS_RISK, NULL,
			     srv, rp,
			     "%s%s answered %zu of %zu MX queries for %s with a CNAME to %s at the "
			     "zone apex, hiding its MX, NS and SOA; %s%s",
			     srv, ns, mine, good_n, ev->domain, hit->cname,
			     other[0] ? "other answers: " : "every answer did so",
			     other);
	}
}

static void inconsistent(const struct evidence *ev, const struct auth_evidence *ae,
			 struct findings *out)
{
	char sets[MAX_SETS][600];
	size_t count[MAX_SETS], nsets = 0, major = 0;

	for (size_t i = 0; i < ae->nsrv; i++) {
		const struct auth_answer *u[16];
		size_t n = usable(&ae->srv[i], u, 16);
		for (size_t k = 0; k < n; k++) {
			char t[600];
			size_t j;
			if (!good(u[k]) || u[k]->cname)
				continue;	/* CNAME answers are APEX_CNAME's */
			answer_text(u[k], t, sizeof t);
			for (j = 0; j < nsets && strcmp(sets[j], t); j++)
				;
			if (j == nsets) {
				if (nsets == MAX_SETS)
					continue;
				snprintf(sets[nsets], sizeof sets[nsets], "%s", t);
				count[nsets++] = 0;
			}
			count[j]++;
		}
	}
	if (nsets < 2)
		return;
	for (size_t j = 1; j < nsets; j++)
		if (count[j] > count[major])
			major = j;
	for (size_t i = 0; i < ae->nsrv; i++) {
		const struct auth_server *s = &ae->srv[i];
		const struct auth_answer *u[16];
		size_t n = usable(s, u, 16), diff = 0, total = 0;
		const struct auth_answer *hit = NULL;
		char srv[600], rp[700], ns[300], t[600], mine[600] = "";
		for (size_t k = 0; k < n; k++) {
			if (!good(u[k]) || u[k]->cname)
				continue;
			total++;
			answer_text(u[k], t, sizeof t);
			if (strcmp(t, sets[major]) != 0) {
				diff++;
				if (!hit) {
					hit = u[k];
					snprintf(mine, sizeof mine, "%s", t);
				}
			}
		}
		if (!hit)
			continue;
		server_str(s, srv, sizeof srv);
		repro(s, ev->domain, false, rp, sizeof rp);
		nsid_str(hit, ns, sizeof ns);
		findings_add(out, F_NS_INCONSISTENT, CLASS_RISK, NULL, srv, rp,
			     "%s%s answered %s in %zu of %zu answers, while the other answers "
			     "say %s: senders get different mail hosts depending on the server",
			     srv, ns, mine, diff, total, sets[major]);
	}
}

static bool has_addr(const struct ev_mx *m, const struct netaddr *a)
{
	for (size_t i = 0; i < m->naddrs; i++)
		if (netaddr_equal(&m->addrs[i].addr, a))
			return true;
	return false;
}

static void wildcard(const struct evidence *ev, const struct auth_evidence *ae,
		     struct findings *out)
{
	for (size_t i = 0; i < ae->nadd; i++) {
		const struct auth_additional *x = &ae->add[i];
		const struct ev_mx *m = NULL;
		char real[400] = "", rp[700], a[NETADDR_STRLEN];
		bool differs = false;
		size_t len = 0;

		for (size_t k = 0; k < ev->nmx && !m; k++)
			if (ev->mx[k].looked_up && dname_equal(ev->mx[k].target, x->host))
				m = &ev->mx[k];
		if (!m)
			continue;
		for (size_t k = 0; k < x->na; k++)
			differs |= !has_addr(m, &x->a[k]);
		if (!differs)
			continue;
		for (size_t k = 0; k < m->naddrs && len + NETADDR_STRLEN + 2 < sizeof real; k++) {
			if (m->addrs[k].addr.family != x->a[0].family)
				continue;
			len += (size_t)snprintf(real + len, sizeof real - len, "%s%s", len ? " " : "",
						netaddr_format(&m->addrs[k].addr, a, sizeof a));
		}
		snprintf(rp, sizeof rp, "dig @%s %s AAAA +norecurse",
			 strchr(x->server, ' ') ? strchr(x->server, ' ') + 1 : x->server, x->host);
		findings_add(out, F_WILDCARD_ADDITIONAL, CLASS_RISK, x->host, x->server, rp,
			     "an AAAA query for MX host %s to %s returned A %s in the additional "
			     "section, but the host's real A is %s: a sender that caches it "
			     "connects to the wrong machine", x->host, x->server, x->addrs,
			     real[0] ? real : "none");
	}
}

void check_authority(const struct evidence *ev, const struct check_env *env,
		     struct findings *out)
{
	const struct auth_evidence *ae = ev->auth;

	(void)env;
	if (!ev->authority_done || !ae)
		return;
	apex_cname(ev, ae, out);
	inconsistent(ev, ae, out);
	lame(ev, ae, out);
	unreachable(ev, ae, out);
	edns(ev, ae, out);
	wildcard(ev, ae, out);
}
