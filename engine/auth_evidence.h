/* auth_evidence: what the direct queries to a domain's authoritative
 * servers showed (filled by engine/authority.c, read by checks/authority.c).
 *
 * Also the pure answer parser (auth_parse_answer, auth_parse_additional_a):
 * wire bytes in, a summary out, no I/O, so that unit tests and the fuzz
 * target can feed it anything. Every string here is owned by the evidence
 * and freed by auth_evidence_free (which accepts NULL). */
#ifndef MXVET_AUTH_EVIDENCE_H
#define MXVET_AUTH_EVIDENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/netaddr.h"

/* How one direct query ended. */
enum auth_qstatus {
	AQ_NONE,	/* not sent (caps, deadline before sending) */
	AQ_OK,		/* a reply that parsed and matched the question */
	AQ_TIMEOUT,	/* no reply within the tries or the deadline */
	AQ_NETERR,	/* ICMP unreachable, connection refused, send error */
	AQ_MALFORMED,	/* the reply matched by ID but did not parse */
};

const char *auth_qstatus_name(enum auth_qstatus st);

/* The summary of one reply to "DOMAIN MX" (or of its failure). */
struct auth_answer {
	enum auth_qstatus st;
	int rcode;		/* full rcode (extended bits included) */
	bool aa, tc, tcp;	/* tcp: the answer came over TCP after TC=1 */
	bool edns;		/* the reply carried an OPT record */
	bool referral;		/* no answer, NS records in the authority section */
	char *nsid;		/* NSID option, escaped printable, or NULL */
	char *mxset;		/* "10 mx1.example.com, 20 mx2.example.com" sorted;
				 * "" when the answer holds no MX for the name */
	char *cname;		/* target of a CNAME owned by the query name, or NULL */
};

/* One authoritative address and what it answered. */
struct auth_server {
	char *name;		/* NS host name */
	struct netaddr addr;
	struct auth_answer *ans;	/* MX with EDNS0 + DO + NSID, repeated */
	size_t nans;
	struct auth_answer plain;	/* MX without EDNS */
	const char *not_queried;	/* the address policy refused it: why
					 * (static text); nothing was sent */
};

/* An AAAA query for an MX host that came back with an A record in the
 * additional section for the host's own name. */
struct auth_additional {
	char *host;		/* MX host */
	char *server;		/* "ns1.example.net 192.0.2.53" */
	char *addrs;		/* the additional A records, "192.0.2.1 192.0.2.2" */
	struct netaddr *a;	/* the same, parsed */
	size_t na;
};

struct auth_evidence {
	char *zone;		/* apex of the domain's zone, or NULL if not found */
	char *note;		/* why the probe is incomplete, or NULL */
	struct auth_server *srv;
	size_t nsrv;
	struct auth_additional *add;
	size_t nadd;
	unsigned queries;	/* direct queries sent */
	size_t bytes;		/* reply bytes read */
	bool deadline_hit;	/* authority_timeout ended the probe */
};

void auth_evidence_free(struct auth_evidence *a);
void auth_answer_clear(struct auth_answer *ans);
/* Append a server (copies name); NULL on OOM. ans gets nrepeat slots. */
struct auth_server *auth_evidence_add_server(struct auth_evidence *a, const char *name,
					     const struct netaddr *addr, size_t nrepeat);
/* Append an additional-section observation; 0 or -1 on OOM. */
int auth_evidence_add_additional(struct auth_evidence *a, const char *host,
				 const char *server, const struct netaddr *v, size_t n);
/* The "nameservers" array of the JSON report (new reference). */
json_t *auth_evidence_json(const struct auth_evidence *a);

/* Parse a reply to "qname MX" into out (st = AQ_OK or AQ_MALFORMED).
 * Does not check the ID or the question: the transport did. */
void auth_parse_answer(const uint8_t *wire, size_t len, const char *qname,
		       struct auth_answer *out);
/* A records for host in the additional section of a reply: fills up to
 * max addresses into v, returns how many, or -1 if it does not parse. */
int auth_parse_additional_a(const uint8_t *wire, size_t len, const char *host,
			    struct netaddr *v, size_t max);
/* A referral from the parent zone's server: the NS names it gives for
 * zone (authority or answer section) and the glue for them. */
#define AUTH_REF_MAX 64
struct auth_referral {
	char *ns[AUTH_REF_MAX];
	size_t nns;
	struct { size_t ns; struct netaddr a; } glue[AUTH_REF_MAX * 2];
	size_t nglue;
};
/* 0, or -1 if the reply does not parse. Clear with auth_referral_clear. */
int auth_parse_referral(const uint8_t *wire, size_t len, const char *zone,
			struct auth_referral *out);
void auth_referral_clear(struct auth_referral *r);
/* Escape arbitrary bytes into printable ASCII (\xNN); out has outlen bytes. */
void auth_escape(const uint8_t *p, size_t n, char *out, size_t outlen);

#endif
