/* mxhost: findings about each MX host:
 * invalid names, IP addresses written as names, aliases, localhost,
 * non-routable addresses and hosts without any address. A fault that
 * leaves no usable MX at all is permanent; otherwise it is a risk. */
#include "checks/registry.h"
#include "engine/config.h"
#include "engine/dname.h"
#include "lib/addr_policy.h"

#include <stdio.h>
#include <string.h>

static void host_repro(const char *host, char *buf, size_t len)
{
	snprintf(buf, len, "dig %s A; dig %s AAAA", host, host);
}

/* Every looked-up MX host answered NXDOMAIN for its addresses. */
static bool all_hosts_nxdomain(const struct evidence *ev)
{
	size_t n = 0;

	for (size_t i = 0; i < ev->nmx; i++) {
		const struct ev_mx *m = &ev->mx[i];
		if (!m->looked_up)
			continue;
		if (m->a.status != DNS_ST_NXDOMAIN || m->aaaa.status != DNS_ST_NXDOMAIN)
			return false;
		n++;
	}
	return n > 0;
}

static void addresses(const struct evidence *ev, size_t i, const struct check_env *env,
		      enum finding_class fatal, struct findings *out)
{
	const struct ev_mx *m = &ev->mx[i];
	size_t loop = 0, bogon = 0;
	const char *why = NULL, *w;
	char addr[NETADDR_STRLEN], repro[600];

	for (size_t k = 0; k < m->naddrs; k++) {
		switch (addr_policy_class(&m->addrs[k].addr, mx_allowed(env->cfg), &w)) {
		case ADDR_LOOPBACK: loop++; break;
		case ADDR_BOGON: bogon++; why = w; break;
		default: break;
		}
	}
	if (m->naddrs == 0 || loop + bogon < m->naddrs)
		return;
	host_repro(m->target, repro, sizeof repro);
	netaddr_format(&m->addrs[0].addr, addr, sizeof addr);
	if (loop == m->naddrs)
		findings_add(out, F_MX_LOCALHOST, fatal, m->target, NULL, repro,
			     "MX %u %s resolves only to loopback (%s): senders would deliver "
			     "to themselves", m->pref, m->target, addr);
	else
		findings_add(out, F_MX_BOGON, fatal, m->target, NULL, repro,
			     "MX %u %s resolves only to non-routable addresses (%s, %s): no "
			     "sender on the internet can reach it", m->pref, m->target, addr,
			     why ? why : "reserved");
}

static void no_address(const struct evidence *ev, size_t i, struct findings *out)
{
	const struct ev_mx *m = &ev->mx[i];
	char repro[600];
	enum finding_class cls = CLASS_RISK;
	const char *what;

	if (!m->looked_up || m->naddrs > 0)
		return;
	host_repro(m->target, repro, sizeof repro);
	if (dns_lookup_failed(&m->a) || dns_lookup_failed(&m->aaaa)) {
		cls = CLASS_TEMPORARY;
		what = "its address lookups failed (SERVFAIL or timeout)";
	} else if (m->a.status == DNS_ST_NXDOMAIN) {
		what = "the name does not exist (NXDOMAIN)";
		if (all_hosts_nxdomain(ev))
			cls = CLASS_PERMANENT;
	} else {
		what = "the name has no A and no AAAA record";
	}
	findings_add(out, F_MX_NO_ADDRESS, cls, m->target, NULL, repro,
		     "MX %u %s has no address: %s", m->pref, m->target, what);
}

void check_mxhost(const struct evidence *ev, const struct check_env *env,
		  struct findings *out)
{
	if (ev->mx_lookup.status != DNS_ST_OK && !ev->implicit_mx)
		return;
	bool usable = any_mx_usable(ev, env->cfg);
	enum finding_class fatal = usable ? CLASS_RISK : CLASS_PERMANENT;
	char repro[600];
	const char *why;

	for (size_t i = 0; i < ev->nmx; i++) {
		const struct ev_mx *m = &ev->mx[i];

		if (ev->implicit_mx) {
			addresses(ev, i, env, fatal, out);
			continue;
		}
		if (strcmp(m->target, ".") == 0 || mx_is_bare_label_null(ev, i))
			continue;	/* null MX: the domain check speaks */
		/* the same host listed twice is judged once */
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup |= strcmp(ev->mx[k].target, m->target) == 0;
		if (dup)
			continue;
		snprintf(repro, sizeof repro, "dig %s MX", ev->domain);
		if (dname_is_ip_literal(m->target)) {
			findings_add(out, F_MX_IP_LITERAL, fatal, m->target, NULL, repro,
				     "MX %u %s is an IP address written as a host name; an MX "
				     "must name a host (RFC 5321 5.1), and senders look it up "
				     "as a name that does not exist", m->pref, m->target);
			continue;
		}
		if (strcmp(m->target, "localhost") == 0) {
			findings_add(out, F_MX_LOCALHOST, fatal, m->target, NULL, repro,
				     "MX %u %s points to localhost: senders would deliver to "
				     "themselves", m->pref, m->target);
			continue;
		}
		if (!dname_is_hostname(m->target, &why)) {
			findings_add(out, F_MX_TARGET_INVALID, fatal, m->target, NULL, repro,
				     "MX %u %s is not a valid host name (%s)", m->pref,
				     m->target, why);
			continue;
		}
		const char *canon = m->a.canonname ? m->a.canonname : m->aaaa.canonname;
		if (canon) {
			host_repro(m->target, repro, sizeof repro);
			findings_add(out, F_MX_CNAME, CLASS_RISK, m->target, NULL, repro,
				     "MX %u %s is an alias (CNAME) for %s; an MX must name the "
				     "host itself (RFC 2181 10.3, RFC 5321 5.1) and some senders "
				     "refuse it", m->pref, m->target, canon);
		}
		addresses(ev, i, env, fatal, out);
		no_address(ev, i, out);
	}
}
