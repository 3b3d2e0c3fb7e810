/* fleet: the second tier, shared by a fleet of mxvetd hosts through Redis
 * (redis_url). The local tiers (the verdict cache, the probe table, the
 * LMDB history) always come first; this module is asked only on a local
 * miss, so a domain hot in the local cache never reaches Redis.
 *
 * Keys (redis_prefix, default "mxv1:", names the format version):
 *   PREFIX v:DOMAIN        the verdict, TTL as the local cache's
 *   PREFIX e:DOMAIN        the check's JSON report (as mxvet check --json),
 *                          beside the verdict and as long; read only when
 *                          the admin API asks (CHECK_WANT_REPORT)
 *   PREFIX h:DOMAIN        the history record, TTL history_max_age
 *   PREFIX l:DOMAIN        the check lock (single flight across hosts)
 *   PREFIX p:ADDR:PORT     an SMTP probe result, TTL smtp_probe_ttl
 *   PREFIX pl:ADDR:PORT    the probe lock (one probe per address for the fleet)
 *   PREFIX pn:NETWORK      the leases of a destination network's probe slots
 *                          (smtp_max_per_network for the fleet; fleet_lease.h)
 *   PREFIX pq:NETWORK      the probes waiting for one, first come first served,
 *   PREFIX pt:NETWORK      and their heartbeats
 * A lock is SET NX PX with this process's random token and released by
 * compare-and-delete (EVAL), in the same script that stores the result, so
 * a host whose lock expired never deletes another host's lock. A host that
 * finds the lock taken polls for the result (20 ms, growing to 250 ms)
 * and does the work itself when the lock goes away without a result or
 * its patience ends (verdicts: decision_timeout/2; probes: the time one
 * probe may take).
 *
 * Failure: with Redis down, slow or frozen every call falls back to the
 * local work at once or after at most redis_timeout (redis_conn.h).
 * Callbacks always come from the loop, never inside the call. */
#ifndef MXVET_FLEET_H
#define MXVET_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/pipeline.h"
#include "lib/netaddr.h"

struct engine;
struct evbuffer;
struct smtp_result;
struct fleet;
struct fleet_leases;
struct redis_conn_stats;

#define FLEET_POLL_MIN_MS 20
#define FLEET_POLL_MAX_MS 250
#define FLEET_REPORT_MAX (256 * 1024)	/* a larger report is not kept */

struct fleet_stats {
	uint64_t verdict_hits, verdict_misses, verdict_writes;
	uint64_t probe_hits, probe_misses, probe_writes;
	uint64_t lock_waits;		/* found another host's lock and waited */
	uint64_t lock_wait_hits;	/* ... and got its result */
	uint64_t lock_gave_up;		/* ... and did the work itself */
	uint64_t history_merged;	/* fleet history records merged into ours */
	uint64_t history_writes;
	uint64_t report_writes;		/* check reports stored (e:DOMAIN) */
	uint64_t fallbacks;		/* Redis unusable: local work only */
};

/* From cfg->redis_url (NULL, no error, when it is empty). Checks the
 * server once, blocking up to redis_timeout: a refused password or
 * database is an error (*exit_code 78); an unreachable server is only a
 * warning (the daemon keeps trying in the background). */
struct fleet *fleet_new(struct engine *e, char *err, size_t errlen, int *exit_code);
/* Pending work is dropped without callbacks. Accepts NULL. */
void fleet_free(struct fleet *f);
const struct fleet_stats *fleet_stats(const struct fleet *f);
/* The connection's counters and state (redis_conn.h), for the status page. */
const struct redis_conn_stats *fleet_redis_stats(const struct fleet *f);
/* The probe slots of destination networks (fleet_lease.h); NULL for NULL. */
struct fleet_leases *fleet_leases(const struct fleet *f);

/* The verdict of a domain through the fleet: the one in Redis, or the
 * one another host is computing, or else check_start's (whose result this
 * module then stores). fresh: a check of our own in any case (its result
 * stored all the same). Same contract as check_start; with e->fleet NULL
 * it is check_start. Returns 0, or -1 when out of memory (cb not called). */
int fleet_check(struct engine *e, const char *domain, unsigned flags, bool fresh,
		check_done_cb cb, void *arg);

/* The SMTP prober's tier. fn gets a fresh result of another host (and
 * when it stops being fresh, in ms from now) or NULL: probe it yourself
 * (then report with fleet_probe_put, which also releases the probe lock).
 * owner names the caller for fleet_forget. Returns -1 when Redis is not
 * usable now: probe at once. */
typedef void (*fleet_probe_fn)(void *arg, const struct smtp_result *r, long fresh_ms);
int fleet_probe_claim(struct fleet *f, const void *owner, const struct netaddr *a, int port,
		      fleet_probe_fn fn, void *arg);
void fleet_probe_put(struct fleet *f, const struct netaddr *a, int port,
		     const struct smtp_result *r, long ttl_s);
/* The report another host's check left for domain (PREFIX e:DOMAIN), for
 * the status page: fn gets the JSON text (valid during the call) or NULL
 * (none, or Redis failed), once, from the loop; also with NULL when the
 * fleet is freed first. Returns -1 when Redis is not usable now (fn is
 * not called). */
typedef void (*fleet_report_fn)(void *arg, const char *json);
int fleet_report_get(struct fleet *f, const char *domain, fleet_report_fn fn, void *arg);

/* owner goes away: its pending claims end without callbacks. */
void fleet_forget(struct fleet *f, const void *owner);

/* Prometheus text: the connection's state, latency and errors, and the
 * tier's counters. Nothing when f is NULL. */
void fleet_metrics(const struct fleet *f, struct evbuffer *b);

#endif
