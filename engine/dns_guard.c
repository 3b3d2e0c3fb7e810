/* dns_guard: the resolver's blindness (see dns_guard.h). */
#include "engine/dns_guard.h"

enum dns_reach dns_guard_reach(const struct dns_guard *g, int64_t now)
{
	if (g->blind)
		return DNS_REACH_BLIND;	/* the retry canaries end it, not a check */
	if (g->contacted && now - g->contact_at <= g->fresh_ms)
		return DNS_REACH_YES;
	return DNS_REACH_ASK;
}

bool dns_guard_canary_start(struct dns_guard *g)
{
	if (g->asking)
		return false;
	g->asking = true;
	g->canaries++;
	return true;
}

enum dns_guard_change dns_guard_canary_done(struct dns_guard *g, int64_t now, bool contact)
{
	bool was = g->blind;

	g->asking = false;
	if (contact) {
		g->contacted = true;
		g->contact_at = now;
	} else {
		g->failed_at = now;
	}
	g->blind = !contact;
	if (g->blind == was)
		return DNS_GUARD_SAME;
	if (g->blind)
		g->episodes++;
	return g->blind ? DNS_GUARD_TURNED_BLIND : DNS_GUARD_RECOVERED;
}

int64_t dns_guard_retry_in(const struct dns_guard *g, int64_t now)
{
	int64_t left = g->failed_at + g->retry_ms - now;

	return left > 0 ? left : 0;
}
