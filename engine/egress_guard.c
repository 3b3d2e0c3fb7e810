/* egress_guard: the prober's blindness (see egress_guard.h). */
#include "engine/egress_guard.h"

#include <string.h>

static void drop(struct egress_guard *g, size_t i)
{
	if (g->win[i].contact)
		g->contacts--;
	memmove(&g->win[i], &g->win[i + 1], (g->n - i - 1) * sizeof g->win[0]);
	g->n--;
}

static enum guard_change become(struct egress_guard *g, bool blind)
{
	if (blind == g->blind)
		return GUARD_SAME;
	g->blind = blind;
	if (!blind)
		return GUARD_RECOVERED;
	g->episodes++;
	return GUARD_TURNED_BLIND;
}

static size_t window_size(const struct egress_guard *g)
{
	return g->threshold < EGRESS_WINDOW_MAX ? (size_t)g->threshold : EGRESS_WINDOW_MAX;
}

enum guard_change egress_guard_resize(struct egress_guard *g, long threshold)
{
	g->threshold = threshold;
	if (g->threshold <= 0) {
		g->n = g->contacts = 0;
		return become(g, false);
	}
	while (g->n > window_size(g))
		drop(g, 0);
	return become(g, g->n >= window_size(g) && g->contacts == 0);
}

enum guard_change egress_guard_note(struct egress_guard *g, const struct netaddr *addr,
				    const struct smtp_result *r)
{
	bool contact = smtp_result_contact(r);
	size_t size;

	if (g->threshold <= 0) {
		g->n = g->contacts = 0;	/* off, or switched off by a reload */
		return become(g, false);
	}
	if (!contact && !smtp_result_no_contact(r))
		return GUARD_SAME;	/* skipped, not probed here: says nothing */
	size = window_size(g);
	for (size_t i = 0; i < g->n; i++)
		if (netaddr_equal(&g->win[i].addr, addr)) {
			drop(g, i);
			break;
		}
	while (g->n >= size)
		drop(g, 0);
	g->win[g->n].addr = *addr;
	g->win[g->n].contact = contact;
	g->n++;
	g->contacts += contact;
	return become(g, g->n >= size && g->contacts == 0);
}
