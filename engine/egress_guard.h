/* egress_guard: is the SMTP prober blind? Where outbound port 25 is
 * blocked (many cloud providers do) every probe fails at connect, and every
 * domain would look unreachable, then dead: mxvet would defer or reject
 * all mail for a fault of its own. The guard counts the probes that ended
 * without any contact (refused, connect timeout) in a row; at
 * smtp_blind_after of them the prober is blind, and connection failures
 * seen while blind are not held against any domain (fail open). Any
 * contact at all (a greeting of any kind, or a connection that stays
 * silent) proves egress works and ends it. Pure; the prober owns one. */
#ifndef MXVET_EGRESS_GUARD_H
#define MXVET_EGRESS_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "evidence.h"

struct egress_guard {
	long threshold;		/* smtp_blind_after; 0: the guard is off */
	unsigned long streak;	/* probes without contact, in a row */
	long streak_start_ms;	/* when the streak's first probe ended */
	bool blind;
	uint64_t episodes;	/* times it turned blind */
};

enum guard_change { GUARD_SAME, GUARD_TURNED_BLIND, GUARD_RECOVERED };

/* A connect that failed without contact: refused or timed out. */
bool smtp_status_no_contact(enum smtp_status st);
/* The host answered at the TCP level at least. */
bool smtp_status_contact(enum smtp_status st);

/* Record one finished probe (other statuses leave it unchanged). */
enum guard_change egress_guard_note(struct egress_guard *g, enum smtp_status st, long now_ms);

#endif
