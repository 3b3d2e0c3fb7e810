/* egress_guard: is the SMTP prober blind? Where outbound port 25 is
 * blocked (many cloud providers do) every probe fails at connect, and every
 * domain would look unreachable, then dead: mxvet would defer or reject
 * all mail for a fault of its own (our own failures fail open).
 *
 * The guard keeps a window of the last smtp_blind_after probe outcomes,
 * one per address (a new outcome for an address replaces its old one, so
 * one dead domain probed again and again cannot fill it; cached answers
 * are never noted). An outcome is contact (the TCP connection was
 * accepted: any greeting, a garbled one, or silence) or no contact
 * (refused, connect timeout, unreachable: smtp_result_no_contact). When
 * the window is full and holds no contact at all, the prober is blind;
 * one contact ends it. Other outcomes (skipped, not probed here) are not
 * noted. Pure, no I/O; the prober owns one and logs the changes. */
#ifndef MXVET_EGRESS_GUARD_H
#define MXVET_EGRESS_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/evidence.h"
#include "lib/netaddr.h"

#define EGRESS_WINDOW_MAX 1024	/* upper bound of smtp_blind_after */

struct egress_slot {
	struct netaddr addr;
	bool contact;
};

struct egress_guard {
	long threshold;		/* smtp_blind_after: the window's size; 0: off */
	struct egress_slot win[EGRESS_WINDOW_MAX];	/* oldest first */
	size_t n;
	size_t contacts;	/* slots with contact */
	bool blind;
	uint64_t episodes;	/* times it turned blind */
};

enum guard_change { GUARD_SAME, GUARD_TURNED_BLIND, GUARD_RECOVERED };

/* Record the finished probe of addr. The caller sets g->threshold first
 * (a reload may change it; 0 ends a blind spell at once). */
enum guard_change egress_guard_note(struct egress_guard *g, const struct netaddr *addr,
				    const struct smtp_result *r);

/* A reload changed smtp_blind_after: judge the window kept by the new
 * size (the oldest outcomes go first; 0 turns the guard off). */
enum guard_change egress_guard_resize(struct egress_guard *g, long threshold);

#endif
