/* egress_guard: the prober's blindness (see egress_guard.h). */
#include "egress_guard.h"

bool smtp_status_no_contact(enum smtp_status st)
{
	return st == SMTP_ST_REFUSED || st == SMTP_ST_TIMEOUT;
}

bool smtp_status_contact(enum smtp_status st)
{
	return st == SMTP_ST_OK || st == SMTP_ST_SILENT || st == SMTP_ST_TEMPFAIL ||
	       st == SMTP_ST_REJECT;
}

enum guard_change egress_guard_note(struct egress_guard *g, enum smtp_status st, long now_ms)
{
	if (g->threshold <= 0 && g->blind) {
		g->blind = false;	/* switched off (a reload) */
		g->streak = 0;
		return GUARD_RECOVERED;
	}
	if (smtp_status_contact(st)) {
		g->streak = 0;
		if (g->blind) {
			g->blind = false;
			return GUARD_RECOVERED;
		}
		return GUARD_SAME;
	}
	/* skipped, not probed here, garbled: say nothing about egress */
	if (!smtp_status_no_contact(st))
		return GUARD_SAME;
	if (g->streak++ == 0)
		g->streak_start_ms = now_ms;
	if (!g->blind && g->threshold > 0 && g->streak >= (unsigned long)g->threshold) {
		g->blind = true;
		g->episodes++;
		return GUARD_TURNED_BLIND;
	}
	return GUARD_SAME;
}
