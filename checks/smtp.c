/* smtp: findings from the SMTP probes:
 * one per failing MX address (SMTP_REFUSED, SMTP_TIMEOUT, SMTP_SILENT,
 * SMTP_BANNER_TEMPFAIL, SMTP_BANNER_REJECT, with host and address), then
 * the domain summary: ALL_MX_UNREACHABLE when no host greets 2xx,
 * PRIMARY_MX_DOWN when the most preferred hosts fail but a backup greets.
 * Only addresses that were probed count: skipped ones (loopback,
 * non-routable) are the mxhost check's business, hosts without an
 * address are MX_NO_ADDRESS. A connect failure not judged because the
 * prober was blind (its own port 25 looked blocked, egress_guard.h;
 * smtp_not_judged) says nothing: no per-address finding, and its host
 * counts as unknown, so neither ALL_MX_UNREACHABLE nor PRIMARY_MX_DOWN
 * (nor, in dead.c, DOMAIN_DEAD) can rest on it. Greetings and silence
 * prove contact and are judged as ever. */
#include "checks/registry.h"
#include "engine/config.h"

#include <stdio.h>
#include <string.h>

/* H_UNKNOWN: no greeting, and an address not judged (it might greet) */
enum host_state { H_UNPROBED, H_FAILS, H_UNKNOWN, H_GREETS };

static bool probed(const struct ev_addr *a)
{
	return a->smtp.status != SMTP_ST_NONE && a->smtp.status != SMTP_ST_SKIPPED;
}

static enum host_state host_state(const struct evidence *ev, const struct ev_mx *m)
{
	enum host_state s = H_UNPROBED;

	for (size_t k = 0; k < m->naddrs; k++) {
		const struct ev_addr *a = &m->addrs[k];
		if (a->smtp.status == SMTP_ST_OK)
			return H_GREETS;
		if (smtp_not_judged(ev, a))
			s = H_UNKNOWN;
		else if (probed(a) && s == H_UNPROBED)
			s = H_FAILS;
	}
	return s;
}

bool smtp_none_greets(const struct evidence *ev)
{
	bool any = false;

	if (!ev->smtp_done)
		return false;
	for (size_t i = 0; i < ev->nmx; i++) {
		enum host_state s = host_state(ev, &ev->mx[i]);
		if (s == H_GREETS || s == H_UNKNOWN)
			return false;
		any |= s == H_FAILS;
	}
	return any;
}

static bool dup_host(const struct evidence *ev, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (strcmp(ev->mx[k].target, ev->mx[i].target) == 0)
			return true;
	return false;
}

static void per_address(const struct evidence *ev, size_t i, const struct check_env *env,
			struct findings *out)
{
	const struct ev_mx *m = &ev->mx[i];
	long port = env->cfg->smtp_port;
	long banner_to = env->cfg->smtp_banner_timeout;
	long connect_to = env->cfg->smtp_connect_timeout;

	for (size_t k = 0; k < m->naddrs; k++) {
		const struct smtp_result *r = &m->addrs[k].smtp;
		char addr[NETADDR_STRLEN], repro[256];
		const char *b = r->banner ? r->banner : "";

		if (smtp_not_judged(ev, &m->addrs[k]))
			continue;
		netaddr_format(&m->addrs[k].addr, addr, sizeof addr);
		snprintf(repro, sizeof repro, "swaks --quit-after CONNECT --server %s --port %ld",
			 addr, port);
		switch (r->status) {
		case SMTP_ST_REFUSED:
			findings_add(out, F_SMTP_REFUSED, CLASS_RISK, m->target, addr, repro,
				     "MX %u %s (%s port %ld) refuses connections", m->pref,
				     m->target, addr, port);
			break;
		case SMTP_ST_TIMEOUT:
			findings_add(out, F_SMTP_TIMEOUT, CLASS_RISK, m->target, addr, repro,
				     "MX %u %s (%s port %ld) did not accept a connection within "
				     "%ld s", m->pref, m->target, addr, port, connect_to);
			break;
		case SMTP_ST_SILENT:
			findings_add(out, F_SMTP_SILENT, CLASS_RISK, m->target, addr, repro,
				     "MX %u %s (%s port %ld) accepted the connection but sent no "
				     "greeting within %ld s; senders that wait on it may never "
				     "try another MX", m->pref, m->target, addr, port, banner_to);
			break;
		case SMTP_ST_TEMPFAIL:
			findings_add(out, F_SMTP_BANNER_TEMPFAIL, CLASS_RISK, m->target, addr, repro,
				     "MX %u %s (%s) greets with a temporary failure: \"%s\"",
				     m->pref, m->target, addr, b);
			break;
		case SMTP_ST_REJECT:
			findings_add(out, F_SMTP_BANNER_REJECT, CLASS_RISK, m->target, addr, repro,
				     "MX %u %s (%s) greets with a rejection: \"%s\"", m->pref,
				     m->target, addr, b);
			break;
		default:
			break;
		}
	}
}

/* "mx1.example.com (silent), mx2.example.com (refused)" */
static void describe(const struct evidence *ev, uint16_t only_pref, bool any_pref,
		     char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ev->nmx && n < len; i++) {
		const struct ev_mx *m = &ev->mx[i];
		if ((!any_pref && m->pref != only_pref) || dup_host(ev, i) ||
		    host_state(ev, m) != H_FAILS)
			continue;
		const char *st = "?";
		for (size_t k = 0; k < m->naddrs; k++)
			if (probed(&m->addrs[k]) && !smtp_not_judged(ev, &m->addrs[k])) {
				st = smtp_status_name(m->addrs[k].smtp.status);
				break;
			}
		n += (size_t)snprintf(buf + n, len - n, "%s%s (%s)", n ? ", " : "",
				      m->target, st);
	}
}

void check_smtp(const struct evidence *ev, const struct check_env *env, struct findings *out)
{
	char hosts[512];
	char repro[300];

	if (!ev->smtp_done)
		return;
	for (size_t i = 0; i < ev->nmx; i++)
		if (!dup_host(ev, i))
			per_address(ev, i, env, out);
	snprintf(repro, sizeof repro, "dig %s MX; swaks --quit-after CONNECT --to postmaster@%s",
		 ev->domain, ev->domain);
	if (smtp_none_greets(ev)) {
		describe(ev, 0, true, hosts, sizeof hosts);
		findings_add(out, F_ALL_MX_UNREACHABLE, CLASS_TEMPORARY, NULL, NULL, repro,
			     "no MX host of %s greets with 2xx: %s", ev->domain, hosts);
		return;
	}
	/* the primary: the best preference with a host that was probed (an
	 * unknown one may be fine: then the primary is not known to fail) */
	bool have = false, fails = true;
	uint16_t pref = 0;
	for (size_t i = 0; i < ev->nmx; i++) {
		enum host_state s = host_state(ev, &ev->mx[i]);
		if (s == H_UNPROBED)
			continue;
		if (!have) {
			have = true;
			pref = ev->mx[i].pref;
		}
		if (ev->mx[i].pref != pref)
			break;
		fails &= s == H_FAILS;
	}
	if (!have || !fails)
		return;
	const char *backup = NULL;
	for (size_t i = 0; i < ev->nmx && !backup; i++)
		if (host_state(ev, &ev->mx[i]) == H_GREETS)
			backup = ev->mx[i].target;
	/* no backup greets, yet not all fail: the others are unjudged (the
	 * prober was blind), so nothing is known about the fallback */
	if (!backup)
		return;
	describe(ev, pref, false, hosts, sizeof hosts);
	findings_add(out, F_PRIMARY_MX_DOWN, CLASS_RISK, NULL, NULL, repro,
		     "the most preferred MX hosts of %s (preference %u) fail: %s; mail "
		     "waits for a backup (%s greets)", ev->domain, pref, hosts,
		     backup);
}
