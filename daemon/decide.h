/* decide: a policy request -> recipient domain -> cache or (single-flight)
 * check -> the "action=...\n\n" answer. Process glue between the protocol
 * (policy_server) and the engine.
 *
 * An answer comes back either at once (decide_request returns its length)
 * or exactly once later through the answer callback, always from the loop:
 * when the check completes or decision_timeout runs out, whichever comes
 * first. The callback names the request by (conn_id, seq); a caller whose
 * connection went away simply drops it (OpenSMTPD style), so nothing has
 * to be cancelled. A check always runs to completion and fills the cache. */
#ifndef MXVET_DECIDE_H
#define MXVET_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/findings.h"
#include "daemon/policy_parser.h"

struct engine;
struct config;
struct decider;

#define DECIDE_MAX_ANSWER 1100	/* "action=" + reply or header + "\n\n" */

typedef void (*decide_answer_fn)(void *arg, uint64_t conn_id, uint32_t seq,
				 const char *answer, size_t len);

struct decide_stats {
	uint64_t requests, cache_hits, cache_misses, checks, timeouts, errors;
	uint64_t refused;		/* no check started: max_checks_in_flight */
	uint64_t actions[4];		/* accept, annotate, defer, reject answered */
	uint64_t codes[F__COUNT];	/* answers by the finding codes that acted */
};

/* cfg and engine are not owned; engine may be NULL (answers error_action). */
struct decider *decider_new(struct engine *e, const struct config *cfg,
			    decide_answer_fn fn, void *arg);
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

/* Returns the answer's length (written to out, NUL-terminated, out has
 * DECIDE_MAX_ANSWER bytes) or 0: the answer will come through the callback. */
size_t decide_request(struct decider *d, const struct policy_request *req,
		      uint64_t conn_id, uint32_t seq, char *out);

/* ---- one domain, for the admin API ---- */

struct check_result;

/* A verdict for decide_domain's caller, valid during the callback only:
 * from a check that just completed (check non-NULL: the whole evidence),
 * or from the cache (check NULL: the verdict, reply and acting codes). */
struct decide_result {
	const char *domain;
	enum action verdict;
	const char *reply;		/* NULL on accept and annotate */
	const enum finding_code *codes;	/* codes of the findings that act */
	size_t ncodes;
	bool cached;
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

#endif
