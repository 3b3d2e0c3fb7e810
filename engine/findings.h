/* findings: the one table of finding codes and the list of
 * findings a check produces. The table gives each code its name, default
 * class, reply codes and reply phrase; the verdict step, the config loader
 * (on_<code> keys) and the docs all read it. */
#ifndef MXVET_FINDINGS_H
#define MXVET_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>

enum finding_code {
	F_DOMAIN_NXDOMAIN,
	F_NULL_MX,
	F_NULL_MX_MALFORMED,
	F_NO_MAIL_HOST,
	F_NO_MX_IMPLICIT,
	F_DNS_SERVFAIL,
	F_DNS_TIMEOUT,
	F_DNSSEC_BOGUS,
	F_MX_CNAME,
	F_MX_IP_LITERAL,
	F_MX_LOCALHOST,
	F_MX_BOGON,
	F_MX_NO_ADDRESS,
	F_MX_TARGET_INVALID,
	F_MX_TYPO,
	F_APEX_CNAME,
	F_NS_INCONSISTENT,
	F_NS_NOT_AUTHORITATIVE,
	F_NS_UNREACHABLE,
	F_WILDCARD_ADDITIONAL,
	F_EDNS_INTOLERANT,
	F_SMTP_REFUSED,
	F_SMTP_TIMEOUT,
	F_SMTP_SILENT,
	F_SMTP_BANNER_TEMPFAIL,
	F_SMTP_BANNER_REJECT,
	F_PRIMARY_MX_DOWN,
	F_ALL_MX_UNREACHABLE,
	F_DOMAIN_DEAD,
	F__COUNT
};

enum finding_class { CLASS_RISK, CLASS_TEMPORARY, CLASS_PERMANENT };

/* Ordered by strength: the verdict is the maximum over findings. */
enum action { ACT_IGNORE, ACT_ANNOTATE, ACT_DEFER, ACT_REJECT };

struct finding_info {
	enum finding_code code;
	const char *name;		/* stable CODE, e.g. "NULL_MX" */
	const char *family;		/* "domain", "mx", "authority", "smtp" */
	enum finding_class cls;		/* default class */
	const char *reject_reply;	/* "550 5.1.2" */
	const char *defer_reply;	/* "450 4.4.3" */
	const char *phrase;		/* "publishes a null MX (RFC 7505)" */
};

const struct finding_info *finding_info(enum finding_code code);
/* Look a code up by name, case-insensitive; -1 if unknown. */
int finding_code_by_name(const char *name);

const char *finding_class_name(enum finding_class cls);
const char *action_name(enum action a);	/* "ignore", "annotate", ... */
int action_by_name(const char *s);	/* -1 if unknown */
enum action action_for_class(enum finding_class cls);

struct finding {
	enum finding_code code;
	enum finding_class cls;
	enum action action;	/* filled in by verdict_decide */
	char *host;		/* MX host concerned, or NULL */
	char *server;		/* "name address" of a server, an SMTP address, or NULL */
	char *detail;		/* one sentence with the evidence */
	char *reproduce;	/* a command that shows it (dig, ...), or NULL */
};

struct findings {
	struct finding *v;
	size_t n, cap;
	bool lost;		/* out of memory: a finding or a string of one is
				 * missing, so the list cannot be judged */
};

/* Append a finding; strings are copied, host/server/reproduce may be NULL.
 * Allocation failure drops the finding or a string (logged) and sets lost. */
void findings_add(struct findings *fs, enum finding_code code,
		  enum finding_class cls, const char *host, const char *server,
		  const char *reproduce, const char *detail_fmt, ...)
	__attribute__((format(printf, 7, 8)));
void findings_clear(struct findings *fs);

#endif
