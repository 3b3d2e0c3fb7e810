/* decide: one recipient -> its domain -> exemptions, cache or
 * (single-flight) check -> a struct decision. Process glue between the
 * front ends (policy_server, milter_bridge, admin_http), which format the
 * decision themselves, and the engine.
 *
 * A decision comes back either at once (decide_request returns true) or
 * exactly once later through the caller's answer function, always from
 * the loop: when the check completes or decision_timeout runs out,
 * whichever comes first. The function gets the caller's (id, seq); a
 * caller whose connection went away simply drops it (OpenSMTPD style), so
 * nothing has to be cancelled. A check always runs to completion and
 * fills the cache. mode = warn and the skip_* exemptions apply here, so
 * that every front end behaves alike; every decision is logged here. */
#ifndef MXVET_DECIDE_H
#define MXVET_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/decision.h"
#include "engine/findings.h"

struct engine;
struct config;
struct decider;

/* One recipient, whichever front end it came from. Every string may be
 * NULL (unknown); they are copied when the decision has to wait. */
struct decide_query {
	const char *recipient;		/* "user@domain"; NULL: nothing to check */
	const char *sender;		/* "" for the null sender */
	const char *client_address;
	const char *client_name;
	const char *queue_id;
	const char *sasl_username;	/* set for an authenticated client */
};

/* A later decision for the caller's (id, seq); dc is valid during the call. */
typedef void (*decide_answer_fn)(void *arg, uint64_t id, uint32_t seq,
				 const struct decision *dc);

struct decide_stats {
	uint64_t requests, cache_hits, cache_misses, checks, timeouts, errors;
	uint64_t refused;		/* no check started: max_checks_in_flight */
	uint64_t actions[4];		/* accept, annotate, defer, reject answered */
	uint64_t warned;		/* rejects and defers only reported (mode = warn) */
	uint64_t skipped;		/* requests a skip_* key exempted */
	uint64_t codes[F__COUNT];	/* answers by the finding codes that acted */
};

/* cfg and engine are not owned; engine may be NULL (answers error_action). */
struct decider *decider_new(struct engine *e, const struct config *cfg);
void decider_free(struct decider *d);
/* After a reload: new config and engine; the cache stays. */
void decider_reconfigure(struct decider *d, struct engine *e, const struct config *cfg);
/* Checks in flight (SIGTERM waits for answers, not for these). */
size_t decider_waiting(const struct decider *d);
const struct decide_stats *decider_stats(const struct decider *d);
size_t decider_cache_count(const struct decider *d);

/* The cache, for the admin API (read only; no call may insert meanwhile). */
struct cache *decider_cache(struct decider *d);
uint32_t decider_now(void);
uint64_t decider_cache_evictions(const struct decider *d);
size_t decider_flights(const struct decider *d);

/* The decision for q: true with *out filled now, or false: it will come
 * through fn(arg, id, seq, ...). A query without a recipient, or whose
 * recipient domain is an address literal or invalid, is DEC_PASS. */
bool decide_request(struct decider *d, const struct decide_query *q, decide_answer_fn fn,
		    void *arg, uint64_t id, uint32_t seq, struct decision *out);

/* ---- one domain, for the admin API ---- */

struct check_result;

/* A verdict for decide_domain's caller, valid during the callback only:
 * the decision (DEC_VERDICT, or DEC_ERROR when the check failed on its
 * own), and for a check that just completed the whole evidence (check
 * non-NULL; NULL from the cache). */
struct decide_result {
	const struct decision *dc;
	const struct check_result *check;
};

/* r is NULL only when the decider is freed before the verdict came. */
typedef void (*decide_domain_fn)(void *arg, const struct decide_result *r);

/* The verdict for a normalized domain: from the cache unless fresh,
 * otherwise by joining the check in flight for the domain or starting
 * one, exactly as a policy request would (same cache, same single
 * flight, same counters; no decision_timeout: the check bounds itself).
 * cb runs exactly once and always from the loop, a cached verdict
 * through a zero-delay timer. Returns 0, or -1 (no engine, out of
 * memory, or max_checks_in_flight reached: counted as refused) when cb
 * will not be called. */
int decide_domain(struct decider *d, const char *domain, bool fresh,
		  decide_domain_fn cb, void *arg);

/* SIGUSR1: reopen risk_log after it was rotated. */
void decider_reopen_logs(struct decider *d);

/* For the status page (read only): answers per verdict over time, fed
 * where the answers are counted, with decider_now() times; and the last
 * check of each risk domain (risk_board.h). */
struct verdict_ring;
struct risk_board;
const struct verdict_ring *decider_ring(const struct decider *d);
const struct risk_board *decider_board(const struct decider *d);
/* The report (JSON text) of a risk domain whose verdict came from the
 * fleet without it: into the board (risk_board_fill). */
void decider_board_fill(struct decider *d, const char *domain, const char *json);

#endif
