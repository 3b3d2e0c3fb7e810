/* pipeline: the check pipeline that vets one recipient domain.
 *   MX lookup -> A/AAAA of each MX host (or of the domain: implicit MX)
 *   -> authority and smtp stages in parallel -> history -> checks
 *   -> verdict -> done callback.
 * The done callback runs exactly once, always from the loop (never inside
 * check_start), with a result that lives until the callback returns.
 * A check cannot be cancelled: it always runs to completion (every stage
 * bounds its own time), so a caller that stops waiting simply ignores the
 * result or lets it fill a cache.
 *
 * Stage protocol: a stage that starts async work calls check_hold() once
 * per outstanding piece and check_release() when it completes; the check
 * moves on when the count reaches zero. */
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
};

typedef void (*check_done_cb)(void *arg, const struct check_result *res);

enum check_flags {
	CHECK_NO_SMTP = 1,
	CHECK_NO_AUTHORITY = 2,
};

/* domain must be normalized (dname_normalize). Returns NULL only when out
 * of memory (cb is then not called). */
struct check *check_start(struct engine *e, const char *domain, unsigned flags,
			  check_done_cb cb, void *arg);

/* For stages. */
struct evidence *check_evidence(struct check *c);
struct engine *check_engine(struct check *c);
/* The config the check started with: it holds a reference until it ends,
 * whatever reloads happen meanwhile. Read the check's settings here, not
 * through the engine. */
const struct config *check_config(const struct check *c);
void check_hold(struct check *c);
void check_release(struct check *c);

/* The timed stages (the latency histograms of the metrics). dns is the
 * MX and MX-host lookups, timed by the pipeline itself. */
enum check_stage { CHECK_STAGE_DNS, CHECK_STAGE_AUTHORITY, CHECK_STAGE_SMTP, CHECK_STAGE__COUNT };
const char *check_stage_name(enum check_stage s);	/* "dns", "authority", "smtp" */
/* check_hold/check_release for a stage's pieces of work: the stage's time
 * runs from its first hold to the release that leaves it none. */
void check_stage_hold(struct check *c, enum check_stage s);
void check_stage_release(struct check *c, enum check_stage s);

#endif
