/* pipeline: the check pipeline that vets one recipient domain, as its
 * callers (mxvet check, the policy service, the milter) see it.
 *   MX lookup -> A/AAAA of each MX host (or of the domain: implicit MX)
 *   -> the stages of engine/stage.h in parallel (authority, smtp)
 *   -> history -> checks -> verdict -> history -> done callback.
 * The done callback runs exactly once, always from the loop (never inside
 * check_start), with a result that lives until the callback returns.
 * A check cannot be cancelled: it always runs to completion (every stage
 * bounds its own time), so a caller that stops waiting simply ignores the
 * result or lets it fill a cache. Stages have their own interface:
 * engine/stage.h. */
#ifndef MXVET_PIPELINE_H
#define MXVET_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/evidence.h"
#include "engine/findings.h"

struct engine;
struct config;
struct check;

struct check_result {
	const char *domain;		/* normalized */
	const struct evidence *ev;
	const struct findings *findings;
	enum action verdict;		/* ACT_IGNORE means accept */
	const char *reply;		/* "550 5.1.10 recipient domain ... [NULL_MX]"; NULL on accept */
	uint32_t ttl;			/* from DNS; the cache clamps it */
	bool temporary;			/* rests on a temporary fault: cache briefly */
	const char *error;		/* no verdict, mxvet's own fault (resolver
					 * blind, out of memory): why; answer
					 * error_action, cache nothing */
	long elapsed_ms;
	bool from_fleet;		/* the verdict of another host (fleet.h), not
					 * a check of ours */
	const char *fleet_report;	/* ... and that host's JSON report of its
					 * check, when asked for (CHECK_WANT_REPORT)
					 * and kept; NULL otherwise */
};

typedef void (*check_done_cb)(void *arg, const struct check_result *res);

/* Stages skipped for one check (struct stage_ops.skip_flag). */
enum check_flags {
	CHECK_NO_SMTP = 1,
	CHECK_NO_AUTHORITY = 2,
	CHECK_WANT_REPORT = 4,		/* not a stage: a verdict from the fleet
					 * comes with its report (fleet_report) */
};

/* domain must be normalized (dname_normalize). Returns NULL only when out
 * of memory (cb is then not called). */
struct check *check_start(struct engine *e, const char *domain, unsigned flags,
			  check_done_cb cb, void *arg);

#endif
