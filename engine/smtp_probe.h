/* smtp_probe: the SMTP prober and the check
 * stage that uses it.
 *
 * The prober is long-lived (engine->smtp) and shared by every check: it
 * keeps one entry per address with the last result (reused for
 * smtp_probe_ttl), runs at most one probe per address at a time (later
 * requests wait for it), at most smtp_max_per_network probes at once per
 * destination network (IPv4 /24, IPv6 /48) and smtp_max_concurrent
 * overall; the rest wait, served round robin across networks
 * (probe_sched.h), for at most smtp_connect_timeout + smtp_banner_timeout,
 * after which their checks go on with the address "not probed". A probe: non-blocking connect to
 * smtp_port, read the greeting (multi-line 220- included, capped), send
 * QUIT, close.
 *
 * Safety: smtp_probe() itself refuses any address the address policy
 * refuses (addr_policy_allows with mx_allowed_networks): it answers SMTP_ST_SKIPPED, counts it in stats.skipped and
 * never opens a socket. stats.connects counts every socket opened, so a
 * test can prove that a hostile MX drew no connection.
 *
 * Egress guard (egress_guard.h): when the last smtp_blind_after addresses
 * probed all gave no contact, the prober is blind: connect failures are
 * marked blind (also those of the window already cached; they stay marked
 * until they expire) until a probe makes contact again, and the pipeline
 * marks a check that completes meanwhile (evidence.smtp_blind).
 *
 * A connect that fails for a reason of this machine (no route to an IPv6
 * address on a host without IPv6, no descriptors left) is SMTP_ST_NONE,
 * "not probed": it must not count against the domain.
 *
 * Callbacks always come from the event loop, never from inside
 * smtp_probe(), also for cached and skipped answers. */
#ifndef MXVET_SMTP_PROBE_H
#define MXVET_SMTP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/evidence.h"
#include "lib/netaddr.h"
#include "engine/smtp_greeting.h"

struct engine;
struct check;
struct smtp_prober;

#define SMTP_QUIT_TIMEOUT_MS 2000	/* wait for 221 after QUIT, then close */
#define SMTP_EXPIRE_PER_INSERT 4	/* expired entries looked at per new address */
#define SMTP_CHECK_MAX_ADDRS 64		/* addresses probed per check */

struct smtp_stats {
	uint64_t requests;	/* addresses asked for */
	uint64_t cache_hits;	/* answered from a fresh result */
	uint64_t coalesced;	/* joined a probe of the same address in flight */
	uint64_t queued;	/* waited for the concurrency caps */
	uint64_t queue_expired;	/* waited too long: answered "not probed" */
	uint64_t skipped;	/* refused by the address policy: no socket */
	uint64_t connects;	/* sockets opened (connections attempted) */
	uint64_t local_errors;	/* connect failed here (no route, no fds): not probed */
	uint64_t results[SMTP_ST_ERROR + 1];	/* finished probes by status */
	uint64_t in_flight;	/* probes with an open connection now */
	uint64_t queue_len;	/* probes waiting for the cap now */
	uint64_t entries;	/* addresses in the cache now */
	uint64_t expired;	/* entries dropped once their result expired */
	uint64_t blind;		/* 1 while the egress guard says blind */
	uint64_t blind_episodes;	/* times it turned blind */
};

typedef void (*smtp_probe_cb)(void *arg, const struct smtp_result *r);

struct smtp_prober *smtp_prober_new(struct engine *e);
/* Closes every connection; pending callbacks are dropped (the engine is
 * going away). Accepts NULL. Logs the stats at debug level. */
void smtp_prober_free(struct smtp_prober *p);
const struct smtp_stats *smtp_prober_stats(const struct smtp_prober *p);
/* The engine's config changed (engine_reconfigure; accepts NULL): apply
 * smtp_blind_after to the egress guard now, start queued probes that a
 * larger smtp_max_concurrent lets through, forget cached results when
 * smtp_port changed. Every other setting is read
 * as it applies: a probe keeps the timeouts it started with. */
void smtp_prober_reconfigure(struct smtp_prober *p);
/* The egress guard's state now (false for NULL). */
bool smtp_prober_blind(const struct smtp_prober *p);
/* One line "requests=N cache_hits=N ... connects=N skipped=N ..." */
void smtp_stats_format(const struct smtp_stats *s, char *buf, size_t len);

/* Ask for the greeting status of addr. cb gets a result that lives until
 * it returns (copy the banner). Returns 0, or -1 when out of memory (cb
 * is then never called). */
int smtp_probe(struct smtp_prober *p, const struct netaddr *addr,
	       smtp_probe_cb cb, void *arg);

/* A copy of src whose banner dst owns (NULL if it could not be copied). */
void smtp_result_copy(struct smtp_result *dst, const struct smtp_result *src);

/* The pipeline stage (smtp_stage.c): probe every MX address of the check
 * (in preference order) and fill ev->mx[i].addrs[k].smtp. */
void smtp_stage_start(struct check *c);

#endif
