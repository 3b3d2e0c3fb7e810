/* fleet_lease: the probe politeness budget of a destination network
 * (IPv4 /24, IPv6 /48) shared by the whole fleet. Each host keeps its own
 * smtp_max_per_network in probe_sched.h; with Redis the fleet as a whole
 * keeps it too: a probe may open its connection only with one of the
 * network's cap leases.
 *
 * Keys (NETWORK as fleet_lease_network writes it):
 *   PREFIX pn:NETWORK  the leases: a sorted set of TOKEN:ID (this process's
 *                      random token, a probe number) scored by the lease's
 *                      end
 *   PREFIX pq:NETWORK  the probes waiting for one, by arrival
 *   PREFIX pt:NETWORK  their heartbeats, by end
 * All times are the server's (TIME inside the script), so the hosts'
 * clocks do not matter. One EVAL drops what ended, then grants a lease if
 * fewer than cap are held and fewer waiters came first than slots are
 * free, else queues the asker (first come, first served across hosts: the
 * host that gives a lease back cannot take it again ahead of another
 * host's waiter). Every key expires with its longest lease or heartbeat,
 * so a network nobody probes leaves nothing behind. A lease is given back
 * (ZREM) when the connection closes; a host that dies leaves leases and
 * waiters that end on their own.
 *
 * A queued asker asks again (FLEET_POLL_MIN_MS, growing to 100 ms) until
 * the caller's patience ends, then leaves the queue. Redis unusable (down,
 * or no reply within redis_timeout): the answer is FLEET_LEASE_LOCAL and
 * the probe goes on under the host's own budget.
 *
 * fn is called exactly once, from the loop, never inside fleet_lease_take,
 * unless the owner is forgotten (fleet_leases_forget) or the set is
 * freed first. Loop thread only. */
#ifndef MXVET_FLEET_LEASE_H
#define MXVET_FLEET_LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/netaddr.h"

struct event_base;
struct redis_conn;
struct fleet_leases;

enum fleet_lease_answer {
	FLEET_LEASE_GRANTED,	/* id names the lease: give it back */
	FLEET_LEASE_LOCAL,	/* Redis unusable: the host's own budget only */
	FLEET_LEASE_REFUSED,	/* the network stayed full past the patience */
};

typedef void (*fleet_lease_fn)(void *arg, enum fleet_lease_answer a, uint64_t id);

struct fleet_lease_stats {
	uint64_t granted;	/* leases taken */
	uint64_t waits;		/* takes that found the network full at first */
	uint64_t refused;	/* ... and stayed full past the patience */
	uint64_t fallbacks;	/* Redis unusable: the local budget only */
};

/* rc is the fleet's connection (not owned), with its redis_timeout;
 * prefix and token are copied. */
struct fleet_leases *fleet_leases_new(struct event_base *base, struct redis_conn *rc,
				      long timeout_ms, const char *prefix, const char *token);
/* Before the connection is freed: no callback runs after this. */
void fleet_leases_close(struct fleet_leases *L);
/* After the connection is freed. Accepts NULL. */
void fleet_leases_free(struct fleet_leases *L);
const struct fleet_lease_stats *fleet_leases_stats(const struct fleet_leases *L);

/* Ask for one of cap leases on a's network, for lease_ms (the longest a
 * probe may keep its connection), waiting at most patience_ms. Returns 0
 * (fn will answer), or -1 when Redis is not usable now: go on at once
 * under the local budget (counted as a fallback). owner names the caller
 * for fleet_leases_forget. */
int fleet_lease_take(struct fleet_leases *L, const void *owner, const struct netaddr *a,
		     size_t cap, long lease_ms, long patience_ms, fleet_lease_fn fn, void *arg);
/* The connection closed: the lease goes back (fire and forget). */
void fleet_lease_give(struct fleet_leases *L, const struct netaddr *a, uint64_t id);
/* owner goes away: its waits end without callbacks. */
void fleet_leases_forget(struct fleet_leases *L, const void *owner);

/* The network of a as the key names it ("192.0.2.0/24", "2001:db8:1::/48"). */
void fleet_lease_network(const struct netaddr *a, char *buf, size_t len);

#endif
