/* fleet_codec: what the fleet keeps in Redis, as bytes, and how two
 * hosts' histories of one domain combine. Pure functions, no I/O.
 *
 * Values start with a version ("1|") so that a reader skips what a newer
 * writer left; a value that does not decode is a miss, never an error.
 *   verdict  1|VERDICT|TEMP|TTL|EXPIRES|CODE:ACTION,...|REPLY
 *            VERDICT, ACTION: enum action numbers; TTL: the DNS TTL the
 *            check found; EXPIRES: wall-clock second it stops being fresh
 *   probe    1|STATUS|CODE|CONNECTED|ELAPSED_MS|EXPIRES|BANNER
 *   history  the LMDB record's own encoding (history_rec_encode) */
#ifndef MXVET_FLEET_CODEC_H
#define MXVET_FLEET_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "engine/evidence.h"
#include "engine/findings.h"
#include "engine/history.h"

#define FLEET_MAX_CODES 16
#define FLEET_REPLY_MAX 512
#define FLEET_VALUE_MAX (FLEET_REPLY_MAX + 64 + FLEET_MAX_CODES * 32)

struct fleet_verdict {
	enum action verdict;
	bool temporary;
	uint32_t ttl;
	time_t expires;
	size_t ncodes;
	enum finding_code codes[FLEET_MAX_CODES];
	enum action actions[FLEET_MAX_CODES];
	char reply[FLEET_REPLY_MAX];	/* "" on accept and annotate */
};

/* Encoders return the length written into buf (FLEET_VALUE_MAX bytes),
 * 0 when it does not fit. Decoders return 0, or -1 for anything else
 * (a stale version, garbage, or a verdict that has expired at now). */
size_t fleet_verdict_encode(const struct fleet_verdict *v, char *buf);
int fleet_verdict_decode(const char *s, size_t len, time_t now, struct fleet_verdict *v);
size_t fleet_probe_encode(const struct smtp_result *r, time_t expires, char *buf);
/* r->banner points into the caller's storage banner (FLEET_REPLY_MAX). */
int fleet_probe_decode(const char *s, size_t len, time_t now, struct smtp_result *r,
		       char *banner, time_t *expires);

/* The fleet's record of a domain from this host's (mine) and the one in
 * Redis (theirs): the earliest first check, the latest failure and
 * success, the failing streak of whichever record was checked last. When
 * the other record saw a success after that streak began, the streak
 * starts again after it (conservative: DOMAIN_DEAD rejects). */
void fleet_history_merge(struct history_rec *mine, const struct history_rec *theirs);

#endif
