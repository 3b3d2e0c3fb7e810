/* resolver: asynchronous recursive lookups with libunbound on the libevent
 * loop (threads mode, ub_fd + ub_process), each with our own deadline
 * (dns_timeout), since libunbound has no per-query timeout.
 * The callback always runs from the loop, never inside resolver_lookup().
 * The ub_result passed to it belongs to the resolver and is freed after the
 * callback returns; it is NULL for timeouts and library errors. A lookup
 * of a (name, type) already in flight joins that query: every caller gets
 * the same result, callbacks in the order the callers asked.
 * The resolver also owns the blindness guard (dns_guard.h): its canaries
 * run in contexts of their own, made as the main one was; when blindness
 * ends, the main context is replaced by a fresh one. */
#ifndef MXVET_RESOLVER_H
#define MXVET_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/dns_guard.h"
#include "engine/evidence.h"

struct event_base;
struct config;
struct ub_result;
struct resolver;

/* The record types mxvet asks for (RFC 1035, 3596): one definition. */
enum { RR_A = 1, RR_NS = 2, RR_MX = 15, RR_AAAA = 28 };

typedef void (*resolver_cb)(void *arg, enum dns_status st, struct ub_result *r);

struct resolver_stats {
	uint64_t queries, timeouts, servfails, errors, in_flight;
	uint64_t joined;	/* lookups answered by a query already in flight */
	uint64_t blind;		/* 1 while the resolver reaches no DNS (dns_guard.h) */
	uint64_t blind_episodes, canaries;
	uint64_t renewals;	/* contexts replaced when blindness ended */
};

/* NULL on failure, with a message in err (the caller exits 69). */
struct resolver *resolver_new(struct event_base *base, const struct config *cfg,
			      char *err, size_t errlen);
void resolver_free(struct resolver *r);
/* Start a lookup; returns 0 and cb will be called exactly once (with
 * DNS_ST_ERROR if libunbound refused the query), or -1 when out of memory,
 * and then cb is never called. */
int resolver_lookup(struct resolver *r, const char *name, int rrtype,
		    resolver_cb cb, void *arg);
const struct resolver_stats *resolver_stats(const struct resolver *r);

/* Does the resolver reach DNS, so that failed lookups count against the
 * domain (dns_guard.h)? cb gets DNS_REACH_YES, _BLIND or _UNKNOWN (no
 * canary could be started) exactly once, from the loop, after a canary
 * has answered when none did recently. Returns -1 when out of memory (cb
 * is then never called). */
typedef void (*resolver_reach_cb)(void *arg, enum dns_reach reach);
int resolver_reach(struct resolver *r, resolver_reach_cb cb, void *arg);

/* Map a libunbound result to a status. */
enum dns_status resolver_status(const struct ub_result *r);
/* Fill a dns_lookup summary from a status and (maybe NULL) result; -1
 * when out of memory (the alias or bogus text is then missing). */
int resolver_fill_lookup(struct dns_lookup *l, enum dns_status st,
			  const struct ub_result *r);

#endif
