/* history: the persistent per-domain history in LMDB under state_dir
 * (SPEC section 4): first and last failure, last success, counts, the
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
 * written at all, which keeps the write load to the risky few. */
#ifndef MXVET_HISTORY_H
#define MXVET_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "evidence.h"
#include "findings.h"

struct history;
struct check;
struct check_result;

#define HISTORY_FILE "history.mdb"
#define HISTORY_MAPSIZE (1024UL * 1024 * 1024)
#define HISTORY_SYNC_SECS 1
#define HISTORY_CODES_MAX 512

struct history_rec {
	time_t first_seen, last_seen;	/* first and last check recorded */
	time_t first_failure;		/* start of the current failing streak, 0 if none */
	time_t last_failure, last_success;
	unsigned long checks;		/* checks recorded */
	unsigned long failures;		/* failures in the current streak */
	unsigned long risk_count;	/* checks whose verdict was not accept */
	int verdict;			/* enum action of the last check */
	char codes[HISTORY_CODES_MAX];	/* "CODE,CODE" of the last check, "" if none */
};

enum history_outcome { HIST_NEUTRAL, HIST_FAIL, HIST_SUCCESS };

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

/* Pure: what a completed check means for the failing streak, and how
 * it changes the record (rec is zeroed first when !existed). */
enum history_outcome history_outcome(const struct evidence *ev, const struct findings *fs);
void history_update(struct history_rec *rec, bool existed, time_t now,
		    enum history_outcome o, int verdict, const struct findings *fs);

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
