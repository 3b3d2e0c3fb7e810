/* evidence: ownership helpers for the evidence of one check. */
#include "engine/evidence.h"
#include "engine/auth_evidence.h"

#include <stdlib.h>
#include <string.h>

const char *dns_status_name(enum dns_status st)
{
	static const char *const n[] = { "PENDING", "NOERROR", "NODATA", "NXDOMAIN",
		"SERVFAIL", "TIMEOUT", "BOGUS", "ERROR" };
	return (unsigned)st < sizeof n / sizeof n[0] ? n[st] : "?";
}

const char *smtp_status_name(enum smtp_status st)
{
	static const char *const n[] = { "none", "skipped", "ok", "refused", "timeout",
		"silent", "tempfail", "reject", "error" };
	return (unsigned)st < sizeof n / sizeof n[0] ? n[st] : "?";
}

bool smtp_result_contact(const struct smtp_result *r)
{
	return r->connected || r->status == SMTP_ST_OK || r->status == SMTP_ST_SILENT ||
	       r->status == SMTP_ST_TEMPFAIL || r->status == SMTP_ST_REJECT;
}

bool smtp_result_no_contact(const struct smtp_result *r)
{
	/* ERROR before the connection was up: no route to the host, an ICMP
	 * "administratively prohibited" from a firewall on the way out */
	return !smtp_result_contact(r) && (r->status == SMTP_ST_REFUSED ||
					   r->status == SMTP_ST_TIMEOUT ||
					   r->status == SMTP_ST_ERROR);
}

bool smtp_not_judged(const struct evidence *ev, const struct ev_addr *a)
{
	return (ev->smtp_blind || a->smtp.blind) && smtp_result_no_contact(&a->smtp);
}

bool evidence_smtp_unjudged(const struct evidence *ev)
{
	for (size_t i = 0; ev->smtp_done && i < ev->nmx; i++)
		for (size_t k = 0; k < ev->mx[i].naddrs; k++)
			if (smtp_not_judged(ev, &ev->mx[i].addrs[k]))
				return true;
	return false;
}

void evidence_init(struct evidence *ev, const char *domain)
{
	memset(ev, 0, sizeof *ev);
	ev->domain = strdup(domain);
	ev->now = time(NULL);
}

void dns_lookup_clear(struct dns_lookup *l)
{
	free(l->why_bogus);
	free(l->canonname);
	memset(l, 0, sizeof *l);
}

static void ev_mx_clear(struct ev_mx *m)
{
	free(m->target);
	dns_lookup_clear(&m->a);
	dns_lookup_clear(&m->aaaa);
	for (size_t k = 0; k < m->naddrs; k++)
		free(m->addrs[k].smtp.banner);
	free(m->addrs);
}

void evidence_truncate_mx(struct evidence *ev, size_t n)
{
	while (ev->nmx > n)
		ev_mx_clear(&ev->mx[--ev->nmx]);
}

void evidence_clear(struct evidence *ev)
{
	for (size_t i = 0; i < ev->nmx; i++)
		ev_mx_clear(&ev->mx[i]);
	free(ev->mx);
	dns_lookup_clear(&ev->mx_lookup);
	auth_evidence_free(ev->auth);
	free(ev->domain);
	memset(ev, 0, sizeof *ev);
}

struct ev_mx *evidence_add_mx(struct evidence *ev, uint16_t pref, const char *target)
{
	struct ev_mx *nv = realloc(ev->mx, (ev->nmx + 1) * sizeof *nv);
	if (!nv)
		return NULL;
	ev->mx = nv;
	struct ev_mx *m = &ev->mx[ev->nmx];
	memset(m, 0, sizeof *m);
	m->pref = pref;
	if (!(m->target = strdup(target)))
		return NULL;
	ev->nmx++;
	return m;
}

struct ev_addr *ev_mx_add_addr(struct ev_mx *mx, const struct netaddr *a)
{
	for (size_t i = 0; i < mx->naddrs; i++)
		if (netaddr_equal(&mx->addrs[i].addr, a))
			return &mx->addrs[i];
	struct ev_addr *nv = realloc(mx->addrs, (mx->naddrs + 1) * sizeof *nv);
	if (!nv)
		return NULL;
	mx->addrs = nv;
	struct ev_addr *e = &mx->addrs[mx->naddrs++];
	memset(e, 0, sizeof *e);
	e->addr = *a;
	return e;
}

static bool failed(const struct dns_lookup *l)
{
	return l->status == DNS_ST_SERVFAIL || l->status == DNS_ST_TIMEOUT ||
	       l->status == DNS_ST_BOGUS;
}

bool evidence_dns_failed(const struct evidence *ev)
{
	if (failed(&ev->mx_lookup))
		return true;
	for (size_t i = 0; i < ev->nmx; i++)
		if (ev->mx[i].looked_up && (failed(&ev->mx[i].a) || failed(&ev->mx[i].aaaa)))
			return true;
	return false;
}

static void min_ttl(uint32_t *acc, const struct dns_lookup *l)
{
	if ((l->status == DNS_ST_OK || l->status == DNS_ST_NODATA ||
	     l->status == DNS_ST_NXDOMAIN) && l->ttl > 0 && (*acc == 0 || l->ttl < *acc))
		*acc = l->ttl;
}

uint32_t evidence_min_ttl(const struct evidence *ev)
{
	uint32_t t = 0;

	min_ttl(&t, &ev->mx_lookup);
	for (size_t i = 0; i < ev->nmx; i++) {
		min_ttl(&t, &ev->mx[i].a);
		min_ttl(&t, &ev->mx[i].aaaa);
	}
	return t;
}
