/* engine: the long-lived state every check shares: the event loop, the
 * configuration, the resolver, the check modules, the state of every
 * stage (engine/stage.h: the probers and their caches), the domain history.
 * One engine serves every front end (mxvet check, the policy service, the
 * milter, the admin API). */
#ifndef MXVET_ENGINE_H
#define MXVET_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/stage.h"	/* struct engine_options */
#include "engine/findings.h"
#include "engine/pipeline.h"
#include "lib/metrics.h"

struct event_base;
struct config;
struct resolver;
struct detector;
struct history;
struct fleet;

struct engine_stats {
	uint64_t checks_started, checks_done;
	uint64_t verdicts[4];		/* by enum action: ignore(=accept) .. reject;
					 * checks with an error not counted */
	uint64_t checks_in_flight;
	uint64_t check_errors;		/* checks without a verdict (mxvet's own fault) */
	uint64_t findings[F__COUNT];	/* completed checks by finding code (each once) */
	struct metrics_histogram check_latency;
	struct metrics_histogram stage_latency[CHECK_STAGE__COUNT];
};

struct engine {
	struct event_base *base;
	/* The current config: one reference, swapped by engine_reconfigure.
	 * Long-lived modules (the probers) read settings through it, never
	 * through a copy of the pointer; a check reads the one it started
	 * with (check_config). */
	const struct config *cfg;
	struct resolver *res;
	const struct detector *detect;	/* the check modules (engine/detector.h) */
	void *detect_state;		/* theirs, rebuilt on every reload */
	/* one per row of stage_table (engine/stage.h): NULL while its family
	 * has never been on */
	void **stage_state;
	struct history *hist;		/* NULL when no state_dir is usable */
	struct fleet *fleet;		/* the daemon sets it after engine_new (fleet_new);
					 * engine_free frees it. NULL: no redis_url */
	struct engine_stats stats;
	struct engine_options opts;
	/* The metric sources of /metrics (lib/metrics.h): the engine's own
	 * first; modules with counters of their own add theirs. */
	struct metrics *metrics;
};

enum engine_flags {
	ENGINE_NO_HISTORY = 1,		/* mxvet check without state: don't open LMDB */
	ENGINE_HISTORY_RO = 2,		/* open the history read-only */
	ENGINE_WARN_NO_HISTORY = 4,	/* the daemon: a state_dir it cannot use is a warning */
};

/* detect runs the check modules of every check (it must outlive the
 * engine). NULL on failure (the resolver or a prober could not start, out
 * of memory) with a message in err. */
struct engine *engine_new(struct event_base *base, const struct config *cfg,
			  const struct detector *detect, unsigned flags, char *err, size_t errlen);
void engine_free(struct engine *e);

/* A reload: make cfg the current config (the engine takes a reference and
 * drops the old one; checks in flight keep theirs). Every stage is told
 * (its reconfigure hook); a check family turned on gets its stage's state
 * now; one turned off keeps it, unused, with its cache. The detector's state is built again. What the resolver and the
 * history were built from stays (config_keep_restart_keys). Returns 0, or
 * -1 with a message in err when a prober could not be created (that
 * family then stays off until the next reload). */
int engine_reconfigure(struct engine *e, const struct config *cfg, char *err, size_t errlen);

#endif
