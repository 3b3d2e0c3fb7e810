/* dns_guard: is the resolver blind? With the DNS path dead (a forwarder
 * where nothing listens, no route, the root unreachable) every lookup
 * times out or SERVFAILs, and every domain would look broken: mxvet would
 * defer all mail for a fault of its own (our own failures fail open).
 *
 * A failed lookup (timeout, SERVFAIL, bogus) counts against a domain only
 * while the resolver demonstrably reaches DNS. Lookups that succeed prove
 * little: most are answered from libunbound's cache, which outlives the
 * path. So the proof is a canary: a fresh libunbound context, with empty
 * caches, asking for the name servers of the parent zone of a name whose
 * lookup failed, then (no answer) of the root: the priming query, which a
 * forwarder answers too. Any answer with an rcode is contact.
 *
 *   - A canary's answer vouches for failures judged up to fresh_ms after
 *     it (dns_timeout: about the life of the failed lookup): a check whose
 *     lookups failed waits for a canary unless one answered that recently.
 *   - A canary without an answer within dns_timeout makes the resolver
 *     blind; while blind every failed lookup is mxvet's own, and canaries
 *     are retried every retry_ms until one answers (the end of blindness).
 *
 * Pure, no I/O, times in milliseconds from any monotonic clock; the
 * resolver (resolver.c) owns one, runs the canaries and logs the changes. */
#ifndef MXVET_DNS_GUARD_H
#define MXVET_DNS_GUARD_H

#include <stdbool.h>
#include <stdint.h>

/* What failed lookups mean, judged now. */
enum dns_reach {
	DNS_REACH_YES,		/* DNS answers: the failures are the domain's */
	DNS_REACH_BLIND,	/* nothing answers: the failures are mxvet's own */
	DNS_REACH_ASK,		/* not known: a canary must answer first */
	DNS_REACH_UNKNOWN,	/* no canary could be started (out of memory) */
};

enum dns_guard_change { DNS_GUARD_SAME, DNS_GUARD_TURNED_BLIND, DNS_GUARD_RECOVERED };

struct dns_guard {
	int64_t fresh_ms;	/* how long a canary's answer vouches for failures */
	int64_t retry_ms;	/* while blind: pause between canaries */
	bool blind;
	bool asking;		/* a canary is in flight */
	bool contacted;		/* some canary ever answered */
	int64_t contact_at;	/* when the last answer came */
	int64_t failed_at;	/* when the last canary ended without one */
	uint64_t canaries, episodes;
};

enum dns_reach dns_guard_reach(const struct dns_guard *g, int64_t now);
/* A canary starts now; false if one is in flight already. */
bool dns_guard_canary_start(struct dns_guard *g);
/* The canary ended, with an answer (contact) or without. */
enum dns_guard_change dns_guard_canary_done(struct dns_guard *g, int64_t now, bool contact);
/* While blind: when the next canary is due (ms from now, >= 0). */
int64_t dns_guard_retry_in(const struct dns_guard *g, int64_t now);

#endif
