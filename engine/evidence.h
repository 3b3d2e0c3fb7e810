/* evidence: what the engine gathered about one recipient domain.
 * Filled by the pipeline (pipeline.c and its stages), read by the pure check
 * modules in checks/. All strings are owned by the evidence and freed by
 * evidence_clear(). Host names are in presentation form, lower case,
 * without the trailing dot; the root name is "." . */
#ifndef MXVET_EVIDENCE_H
#define MXVET_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/netaddr.h"

enum dns_status {
	DNS_ST_PENDING,		/* not asked (yet) */
	DNS_ST_OK,		/* data of the asked type */
	DNS_ST_NODATA,		/* the name exists, no data of that type */
	DNS_ST_NXDOMAIN,
	DNS_ST_SERVFAIL,	/* SERVFAIL or another error rcode */
	DNS_ST_TIMEOUT,		/* our own dns_timeout ran out */
	DNS_ST_BOGUS,		/* DNSSEC validation failed */
	DNS_ST_ERROR,		/* resolver library error */
};

const char *dns_status_name(enum dns_status st);	/* "NOERROR", "NXDOMAIN", ... */

/* The outcome of one recursive lookup. */
struct dns_lookup {
	enum dns_status status;
	int rcode;
	bool secure;
	uint32_t ttl;
	char *why_bogus;	/* DNSSEC failure text, or NULL */
	char *canonname;	/* end of the CNAME chain if the name is an alias */
};

enum smtp_status {
	SMTP_ST_NONE,		/* not probed (smtp check off, or no time) */
	SMTP_ST_SKIPPED,	/* not allowed: loopback or non-routable address */
	SMTP_ST_OK,		/* 2xx greeting */
	SMTP_ST_REFUSED,
	SMTP_ST_TIMEOUT,	/* connect timed out */
	SMTP_ST_SILENT,		/* connected, no greeting in time */
	SMTP_ST_TEMPFAIL,	/* 4xx greeting */
	SMTP_ST_REJECT,		/* 5xx greeting */
	SMTP_ST_ERROR,		/* other network error, or a garbled greeting */
};

const char *smtp_status_name(enum smtp_status st);

struct smtp_result {
	enum smtp_status status;
	int code;		/* greeting reply code, or 0 */
	char *banner;		/* first greeting line, sanitized, or NULL */
	long elapsed_ms;
	bool connected;		/* the TCP connection was accepted */
	bool blind;		/* a connect failure while the prober was blind
				 * (egress_guard.h): not held against the domain */
};

/* The host took the connection (any greeting, a garbled one, or silence):
 * proof that this machine's outbound SMTP works. */
bool smtp_result_contact(const struct smtp_result *r);
/* Failed before any contact: refused, connect timeout, unreachable. */
bool smtp_result_no_contact(const struct smtp_result *r);

struct ev_addr {
	struct netaddr addr;
	struct smtp_result smtp;
};

struct ev_mx {
	uint16_t pref;
	char *target;		/* MX exchange as published */
	bool looked_up;		/* A/AAAA were asked for this host */
	struct dns_lookup a, aaaa;
	struct ev_addr *addrs;
	size_t naddrs;
};

/* Persistent history of the domain as it was before this check. */
struct ev_history {
	bool have;
	time_t first_failure;	/* start of the current failing streak, 0 if none */
	time_t last_failure;
	time_t last_success;
	unsigned long failures;
	long failing_for;	/* failing time observed (history.h) */
};

struct auth_evidence;		/* engine/auth_evidence.h */

struct evidence {
	char *domain;		/* normalized A-label */
	time_t now;
	struct dns_lookup mx_lookup;
	struct ev_mx *mx;	/* sorted by preference, stable */
	size_t nmx;
	size_t nmx_total;	/* MX records published (nmx may be capped) */
	bool implicit_mx;	/* no MX: mx[0] is the domain itself (RFC 5321 5.1) */
	bool smtp_done;		/* the smtp stage ran */
	bool smtp_blind;	/* the prober was blind (egress_guard.h) when the
				 * check completed: no connect failure is judged */
	bool authority_done;	/* the authority stage ran */
	bool resolver_blind;	/* lookups failed while the resolver reached no DNS
				 * (dns_guard.h): mxvet's fault, no verdict */
	bool internal_error;	/* mxvet itself failed (out of memory): what was
				 * gathered is incomplete, no verdict */
	struct auth_evidence *auth;
	struct ev_history history;
};

void evidence_init(struct evidence *ev, const char *domain);
void evidence_clear(struct evidence *ev);
void dns_lookup_clear(struct dns_lookup *l);
/* Append an MX host; returns it, or NULL on OOM. */
struct ev_mx *evidence_add_mx(struct evidence *ev, uint16_t pref, const char *target);
/* Keep the first n MX records (the array is sorted by preference). */
void evidence_truncate_mx(struct evidence *ev, size_t n);

/* MX records examined per check, the most preferred first (nmx_total says
 * how many were published). An answer may carry thousands; a sender tries
 * a handful (Postfix: smtp_mx_address_limit = 5), so the rest can never
 * decide delivery, and every later step is bounded by this. */
#define EV_MX_MAX 64
struct ev_addr *ev_mx_add_addr(struct ev_mx *mx, const struct netaddr *a);
/* A connect failure the checks must not judge: the prober was blind when
 * it happened (a->smtp.blind) or when the check completed (ev->smtp_blind).
 * Greetings and silence are always judged: they prove contact. */
bool smtp_not_judged(const struct evidence *ev, const struct ev_addr *a);
/* Some address of the check was not judged (smtp_not_judged). */
bool evidence_smtp_unjudged(const struct evidence *ev);
/* A recursive lookup of the check failed (SERVFAIL, timeout, bogus): a fact
 * about the domain only if the resolver reaches DNS (resolver_reach). */
bool evidence_dns_failed(const struct evidence *ev);
/* Smallest positive TTL of the lookups (0 if none). */
uint32_t evidence_min_ttl(const struct evidence *ev);

#endif
