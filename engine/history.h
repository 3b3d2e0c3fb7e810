/* history: the persistent per-domain history in LMDB under state_dir:
 * first and last failure, last success, counts, the
 * last verdict and codes. It drives DOMAIN_DEAD (checks/dead.c reads
 * ev->history) and `mxvet report`.
 *
 * One file, STATE_DIR/history.mdb (plus its -lock file). One writer (the
 * daemon or a CLI check); readers (mxvet report) open it read-only at
 * the same time. Written once per completed check. Commits do not fsync
 * (MDB_NOSYNC): a commit survives kill -9 (it is in the page cache and
 * LMDB needs no recovery); an OS crash may lose up to HISTORY_SYNC_SECS
 * of updates, which store() and close() flush with mdb_env_sync.
 *
 * A "failure" is a check that found the domain undeliverable:
 * ALL_MX_UNREACHABLE, DOMAIN_DEAD, or APEX_CNAME of class temporary (every
 * answer hides the MX). A "success" is a check in which an MX host
 * greeted 2xx. Other checks (DNS trouble, SMTP not probed) leave the
 * failing streak as it was. A domain gets a record with its first check
 * that is not accept (or fails); healthy domains never at risk are not
 * written at all, which keeps the write load to the risky few.
 *
 * Bounded (history_max_entries, history_max_age, history_max_size): a
 * second sub-database, "by_seen", indexes every record by (last_seen,
 * domain), kept in step with the records inside each write transaction.
 * Pruning walks it from the oldest end: a timer on the loop deletes at
 * most HISTORY_PRUNE_BATCH records per tick in one short write
 * transaction, those older than history_max_age and then, oldest first,
 * those above history_max_entries; while there is more to do the next
 * tick comes at once, otherwise after HISTORY_PRUNE_SECS. The LMDB map is
 * history_max_size and never grows past it: a full map (or a full disk)
 * loses that record, logs one warning per episode and shows in the
 * metrics; checks go on, and pruning makes room again (LMDB reuses freed
 * pages). Readers (mxvet report) see consistent snapshots throughout.
 *
 * A wall-clock jump must not make a domain dead: the streak keeps
 * failing_for, the failing time actually observed, in which each gap
 * between two failing checks counts for at most half of dead_after
 * (history_gap_credit); checks/dead.c also wants several failing checks
 * and refuses implausible times (see there). */
#ifndef MXVET_HISTORY_H
#define MXVET_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "engine/evidence.h"
#include "engine/findings.h"

struct history;
struct engine;
struct check;
struct check_result;

#define HISTORY_FILE "history.mdb"
#define HISTORY_MAPSIZE (1024UL * 1024 * 1024)	/* until history_set_limits */
#define HISTORY_PRUNE_BATCH 500		/* records deleted per tick at most */
#define HISTORY_PRUNE_SECS 1		/* tick when there was nothing left to do */
#define HISTORY_SYNC_SECS 1
#define HISTORY_CODES_MAX 512

struct history_rec {
	time_t first_seen, last_seen;	/* first and last check recorded */
	time_t first_failure;		/* start of the current failing streak, 0 if none */
	time_t last_failure, last_success;
	unsigned long checks;		/* checks recorded */
	unsigned long failures;		/* failures in the current streak */
	unsigned long risk_count;	/* checks whose verdict was not accept */
	long failing_for;		/* seconds of the streak observed failing (capped gaps) */
	int verdict;			/* enum action of the last check */
	char codes[HISTORY_CODES_MAX];	/* "CODE,CODE" of the last check, "" if none */
};

enum history_outcome { HIST_NEUTRAL, HIST_FAIL, HIST_SUCCESS };

struct history_limits {
	long max_entries;		/* records kept at most */
	long max_age;			/* seconds since the last check */
	size_t max_bytes;		/* the LMDB map */
};

struct history_stats {
	uint64_t entries;		/* records now */
	uint64_t pruned;		/* records deleted by pruning */
	uint64_t full_episodes;		/* times the map or the disk filled up */
	uint64_t write_errors;		/* records not written (full or other) */
	bool full;			/* the last write failed for lack of room */
};

/* NULL with a reason in err when state_dir is missing or the store cannot
 * be opened (read-only: also when it does not exist yet). */
struct history *history_open(const char *state_dir, bool readonly, char *err, size_t errlen);
void history_close(struct history *h);		/* accepts NULL */

/* 0 found, 1 not found, -1 error (logged). */
int history_get(struct history *h, const char *domain, struct history_rec *out);
int history_put(struct history *h, const char *domain, const struct history_rec *r);
/* Visit every record; stop early when cb returns non-zero. 0 or -1. */
int history_foreach(struct history *h,
		    int (*cb)(void *arg, const char *domain, const struct history_rec *r),
		    void *arg);

/* Bounds from now on (a writer only; the map size only grows or shrinks
 * to what is in use). */
void history_set_limits(struct history *h, const struct history_limits *lim);
/* One pruning step at time now: deletes at most batch records, expired
 * ones first, then the least recently checked above max_entries. Returns
 * how many it deleted (batch: there may be more), or -1 on error. */
long history_prune(struct history *h, time_t now, long batch);
/* Counters and the current number of records (a cheap LMDB stat). */
void history_get_stats(struct history *h, struct history_stats *out);
/* Prune in the background on e's loop, reading the bounds from e->cfg on
 * every tick (so a reload applies them). 0 or -1 (out of memory). The
 * timer is freed by history_close. */
int history_start_pruning(struct history *h, struct engine *e);

/* Pure: what a completed check means for the failing streak, and how
 * it changes the record (rec is zeroed first when !existed). max_gap:
 * the most one gap between two failing checks adds to failing_for. A
 * streak whose times are implausible (it starts after now, or its last
 * failure is before its first) starts again at now. */
enum history_outcome history_outcome(const struct evidence *ev, const struct findings *fs);
void history_update(struct history_rec *rec, bool existed, time_t now,
		    enum history_outcome o, int verdict, const struct findings *fs,
		    long max_gap);
/* Failing time a gap between failures at prev and now stands for: 0 when
 * the clock did not move forward, at most max_gap. */
long history_gap_credit(time_t prev, time_t now, long max_gap);
/* max_gap for dead_after: half of it, rounded up. */
long history_max_gap(long dead_after);

/* Pipeline stages. Fill check_evidence(c)->history from the store
 * (synchronous, cheap). */
void history_stage_load(struct check *c);
/* Record the outcome of a completed check. */
void history_stage_store(struct check *c, const struct check_result *res);

/* The stored form of a record, for tests and fuzzing: decode returns 0,
 * or -1 when the bytes are no record (r is then zeroed); encode writes at
 * most HISTORY_REC_MAX bytes and returns their number. */
#define HISTORY_REC_MAX (256 + HISTORY_CODES_MAX)
int history_rec_decode(const void *data, size_t len, struct history_rec *r);
size_t history_rec_encode(const struct history_rec *r, void *buf);

#endif
