/* domain: findings about the recipient domain as a whole: it does not exist, publishes a (botched) null MX, has no
 * mail host, relies on an implicit MX, or cannot be resolved now. */
#include "checks/registry.h"
#include "engine/config.h"

#include <stdio.h>
#include <string.h>

static void lookup_failure(const struct dns_lookup *l, const char *name, const char *type,
			   struct findings *out)
{
	char repro[600];

	snprintf(repro, sizeof repro, "dig %s %s +dnssec", name, type);
	switch (l->status) {
	case DNS_ST_SERVFAIL:
		findings_add(out, F_DNS_SERVFAIL, CLASS_TEMPORARY, NULL, NULL, repro,
			     "resolving %s %s failed with %s: its name servers are broken, "
			     "lame or unreachable", name, type,
			     l->rcode == 2 ? "SERVFAIL" : "an error rcode");
		break;
	case DNS_ST_TIMEOUT:
		findings_add(out, F_DNS_TIMEOUT, CLASS_TEMPORARY, NULL, NULL, repro,
			     "resolving %s %s got no answer within dns_timeout: its name "
			     "servers do not respond", name, type);
		break;
	case DNS_ST_BOGUS:
		findings_add(out, F_DNSSEC_BOGUS, CLASS_TEMPORARY, NULL, NULL, repro,
			     "the answer for %s %s failed DNSSEC validation: %s", name, type,
			     l->why_bogus ? l->why_bogus : "no reason given");
		break;
	default:
		break;
	}
}

static void null_mx(const struct evidence *ev, const struct check_env *env,
		    struct findings *out)
{
	size_t nnull = 0;
	char repro[600];

	snprintf(repro, sizeof repro, "dig %s MX", ev->domain);
	for (size_t i = 0; i < ev->nmx; i++)
		nnull += strcmp(ev->mx[i].target, ".") == 0;
	if (nnull == 1 && ev->nmx == 1 && ev->mx[0].pref == 0) {
		findings_add(out, F_NULL_MX, CLASS_PERMANENT, NULL, NULL, repro,
			     "%s publishes \"MX 0 .\": it declares that it accepts no mail "
			     "(RFC 7505)", ev->domain);
		return;
	}
	if (nnull > 0) {
		bool usable = any_mx_usable(ev, env->cfg);
		const char *how = ev->nmx > nnull
			? "together with other MX records (RFC 7505 allows it only alone)"
			: "with a nonzero preference (RFC 7505 requires \"MX 0 .\")";
		findings_add(out, F_NULL_MX_MALFORMED,
			     usable ? CLASS_RISK : CLASS_PERMANENT, ".", NULL, repro,
			     "%s publishes a null MX target \".\" %s; %s", ev->domain, how,
			     usable ? "mail can still reach its other MX hosts, but Postfix and "
				      "other senders treat it as a null MX and refuse the mail"
				    : "no usable MX host remains");
		return;
	}
	if (mx_is_bare_label_null(ev, 0)) {
		findings_add(out, F_NULL_MX_MALFORMED, CLASS_PERMANENT, ev->mx[0].target, NULL,
			     repro,
			     "%s publishes a lone MX \"%u %s.\", a bare label rather than a host "
			     "name: a botched null MX (RFC 7505 wants \"0 .\")", ev->domain,
			     ev->mx[0].pref, ev->mx[0].target);
	}
}

void check_domain(const struct evidence *ev, const struct check_env *env,
		  struct findings *out)
{
	char repro[600];

	switch (ev->mx_lookup.status) {
	case DNS_ST_NXDOMAIN:
		snprintf(repro, sizeof repro, "dig %s SOA", ev->domain);
		findings_add(out, F_DOMAIN_NXDOMAIN, CLASS_PERMANENT, NULL, NULL, repro,
			     "%s does not exist: its parent zone answers NXDOMAIN", ev->domain);
		return;
	case DNS_ST_SERVFAIL:
	case DNS_ST_TIMEOUT:
	case DNS_ST_BOGUS:
		lookup_failure(&ev->mx_lookup, ev->domain, "MX", out);
		return;
	case DNS_ST_OK:
		null_mx(ev, env, out);
		return;
	case DNS_ST_NODATA:
		break;
	default:
		return;		/* our own failure: no finding, fail open */
	}
	/* NODATA for MX: the domain's own address records decide. */
	if (!ev->implicit_mx || ev->nmx == 0)
		return;
	const struct ev_mx *m = &ev->mx[0];
	if (m->naddrs > 0) {
		char addr[NETADDR_STRLEN];
		snprintf(repro, sizeof repro, "dig %s MX; dig %s A; dig %s AAAA", ev->domain,
			 ev->domain, ev->domain);
		findings_add(out, F_NO_MX_IMPLICIT, CLASS_RISK, ev->domain, NULL, repro,
			     "%s has no MX record; mail goes to its address record %s%s "
			     "(RFC 5321 5.1), often a web server that takes no mail",
			     ev->domain, netaddr_format(&m->addrs[0].addr, addr, sizeof addr),
			     m->naddrs > 1 ? " and others" : "");
		return;
	}
	if (dns_lookup_failed(&m->a) || dns_lookup_failed(&m->aaaa)) {
		lookup_failure(dns_lookup_failed(&m->a) ? &m->a : &m->aaaa, ev->domain,
			       dns_lookup_failed(&m->a) ? "A" : "AAAA", out);
		return;
	}
	snprintf(repro, sizeof repro, "dig %s MX; dig %s A; dig %s AAAA", ev->domain,
		 ev->domain, ev->domain);
	findings_add(out, F_NO_MAIL_HOST, CLASS_PERMANENT, NULL, NULL, repro,
		     "%s exists but has no MX record and no A or AAAA record: there is no "
		     "host to deliver its mail to", ev->domain);
}
