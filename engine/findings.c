/* findings: the finding table and the findings list. */
#include "engine/findings.h"
#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define R_NOROUTE "550 5.4.4"
#define R_BADDEST "550 5.1.2"
#define D_DNS "450 4.4.3"
#define D_CONN "450 4.4.1"

static const struct finding_info table[F__COUNT] = {
	{ F_DOMAIN_NXDOMAIN, "DOMAIN_NXDOMAIN", "domain", CLASS_PERMANENT, R_BADDEST, D_DNS,
	  "does not exist (NXDOMAIN)" },
	{ F_NULL_MX, "NULL_MX", "domain", CLASS_PERMANENT, "556 5.1.10", D_DNS,
	  "publishes a null MX (RFC 7505)" },
	{ F_NULL_MX_MALFORMED, "NULL_MX_MALFORMED", "domain", CLASS_PERMANENT, "556 5.1.10", D_DNS,
	  "publishes a malformed null MX (RFC 7505)" },
	{ F_NO_MAIL_HOST, "NO_MAIL_HOST", "domain", CLASS_PERMANENT, R_BADDEST, D_DNS,
	  "has no MX and no address record" },
	{ F_NO_MX_IMPLICIT, "NO_MX_IMPLICIT", "domain", CLASS_RISK, R_BADDEST, D_DNS,
	  "has no MX record; mail would go to its own address record" },
	{ F_DNS_SERVFAIL, "DNS_SERVFAIL", "domain", CLASS_TEMPORARY, R_NOROUTE, D_DNS,
	  "cannot be resolved now (SERVFAIL)" },
	{ F_DNS_TIMEOUT, "DNS_TIMEOUT", "domain", CLASS_TEMPORARY, R_NOROUTE, D_DNS,
	  "cannot be resolved now (DNS timeout)" },
	{ F_DNSSEC_BOGUS, "DNSSEC_BOGUS", "domain", CLASS_TEMPORARY, R_NOROUTE, D_DNS,
	  "fails DNSSEC validation" },
	{ F_MX_CNAME, "MX_CNAME", "mx", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has an MX host that is an alias (CNAME)" },
	{ F_MX_IP_LITERAL, "MX_IP_LITERAL", "mx", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has an MX host written as an IP address" },
	{ F_MX_LOCALHOST, "MX_LOCALHOST", "mx", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has an MX host that points to localhost" },
	{ F_MX_BOGON, "MX_BOGON", "mx", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has an MX host in non-routable address space" },
	{ F_MX_NO_ADDRESS, "MX_NO_ADDRESS", "mx", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has an MX host without an address" },
	{ F_MX_TARGET_INVALID, "MX_TARGET_INVALID", "mx", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has an MX host that is not a valid host name" },
	{ F_MX_TYPO, "MX_TYPO", "mx", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has an MX host that looks like a typo of a mail provider's host" },
	{ F_APEX_CNAME, "APEX_CNAME", "authority", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has a CNAME at its zone apex that hides its MX" },
	{ F_NS_INCONSISTENT, "NS_INCONSISTENT", "authority", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has name servers that disagree on its MX records" },
	{ F_NS_NOT_AUTHORITATIVE, "NS_NOT_AUTHORITATIVE", "authority", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has a lame name server" },
	{ F_NS_UNREACHABLE, "NS_UNREACHABLE", "authority", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has a name server that does not answer" },
	{ F_WILDCARD_ADDITIONAL, "WILDCARD_ADDITIONAL", "authority", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has a wildcard record that gives its MX host a wrong address" },
	{ F_EDNS_INTOLERANT, "EDNS_INTOLERANT", "authority", CLASS_RISK, R_NOROUTE, D_DNS,
	  "has name servers that fail EDNS queries" },
	{ F_SMTP_REFUSED, "SMTP_REFUSED", "smtp", CLASS_RISK, R_NOROUTE, D_CONN,
	  "has an MX host that refuses SMTP connections" },
	{ F_SMTP_TIMEOUT, "SMTP_TIMEOUT", "smtp", CLASS_RISK, R_NOROUTE, D_CONN,
	  "has an MX host that does not answer SMTP connections" },
	{ F_SMTP_SILENT, "SMTP_SILENT", "smtp", CLASS_RISK, R_NOROUTE, D_CONN,
	  "has an MX host that accepts connections but never greets" },
	{ F_SMTP_BANNER_TEMPFAIL, "SMTP_BANNER_TEMPFAIL", "smtp", CLASS_RISK, R_NOROUTE, D_CONN,
	  "has an MX host that greets with a temporary failure" },
	{ F_SMTP_BANNER_REJECT, "SMTP_BANNER_REJECT", "smtp", CLASS_RISK, R_NOROUTE, D_CONN,
	  "has an MX host that greets with a rejection" },
	{ F_PRIMARY_MX_DOWN, "PRIMARY_MX_DOWN", "smtp", CLASS_RISK, R_NOROUTE, D_CONN,
	  "has its most preferred MX hosts down" },
	{ F_ALL_MX_UNREACHABLE, "ALL_MX_UNREACHABLE", "smtp", CLASS_TEMPORARY, R_NOROUTE, D_CONN,
	  "has no MX host that accepts mail now" },
	{ F_DOMAIN_DEAD, "DOMAIN_DEAD", "smtp", CLASS_PERMANENT, R_NOROUTE, D_CONN,
	  "has had no working mail host for a long time" },
};

const struct finding_info *finding_info(enum finding_code code)
{
	return (unsigned)code < F__COUNT ? &table[code] : NULL;
}

int finding_code_by_name(const char *name)
{
	for (int i = 0; i < F__COUNT; i++)
		if (strcasecmp(table[i].name, name) == 0)
			return i;
	return -1;
}

const char *finding_class_name(enum finding_class cls)
{
	static const char *const n[] = { "risk", "temporary", "permanent" };
	return (unsigned)cls < 3 ? n[cls] : "?";
}

static const char *const action_names[] = { "ignore", "annotate", "defer", "reject" };

const char *action_name(enum action a)
{
	return (unsigned)a < 4 ? action_names[a] : "?";
}

int action_by_name(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcasecmp(action_names[i], s) == 0)
			return i;
	return -1;
}

enum action action_for_class(enum finding_class cls)
{
	switch (cls) {
	case CLASS_PERMANENT: return ACT_REJECT;
	case CLASS_TEMPORARY: return ACT_DEFER;
	default: return ACT_ANNOTATE;
	}
}

void findings_add(struct findings *fs, enum finding_code code,
		  enum finding_class cls, const char *host, const char *server,
		  const char *reproduce, const char *detail_fmt, ...)
{
	char detail[1024];
	va_list ap;

	if (fs->n == fs->cap) {
		size_t ncap = fs->cap ? fs->cap * 2 : 8;
		struct finding *nv = realloc(fs->v, ncap * sizeof *nv);
		if (!nv) {
			log_err("out of memory adding finding %s", table[code].name);
			fs->lost = true;
			return;
		}
		fs->v = nv;
		fs->cap = ncap;
	}
	va_start(ap, detail_fmt);
	vsnprintf(detail, sizeof detail, detail_fmt, ap);
	va_end(ap);
	struct finding *f = &fs->v[fs->n++];
	f->code = code;
	f->cls = cls;
	f->action = action_for_class(cls);
	f->host = host ? strdup(host) : NULL;
	f->server = server ? strdup(server) : NULL;
	f->reproduce = reproduce ? strdup(reproduce) : NULL;
	f->detail = strdup(detail);
	if (!f->detail || (host && !f->host) || (server && !f->server) ||
	    (reproduce && !f->reproduce))
		fs->lost = true;
}

void findings_clear(struct findings *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].host);
		free(fs->v[i].server);
		free(fs->v[i].detail);
		free(fs->v[i].reproduce);
	}
	free(fs->v);
	fs->v = NULL;
	fs->n = fs->cap = 0;
	fs->lost = false;
}
