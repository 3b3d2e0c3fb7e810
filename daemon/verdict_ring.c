/* verdict_ring: per-minute and per-hour answer counts, by verdict. */
#include "daemon/verdict_ring.h"

#include <string.h>

static void row_init(struct vring_row *w, uint32_t (*slot)[VRING_VERDICTS], int n, int64_t secs)
{
	w->newest = -1;
	w->slot = slot;
	w->n = n;
	w->secs = secs;
	memset(slot, 0, sizeof *slot * (size_t)n);
}

void verdict_ring_init(struct verdict_ring *r)
{
	row_init(&r->minutes, r->min_slots, VRING_MINUTES, 60);
	row_init(&r->hours, r->hour_slots, VRING_HOURS, 3600);
}

static void row_add(struct vring_row *w, int64_t now, int v)
{
	int64_t p = now / w->secs;

	if (p > w->newest) {
		/* the slots of the periods skipped since the newest one are stale */
		int64_t from = w->newest < 0 || p - w->newest > w->n ? p - w->n + 1 : w->newest + 1;
		for (int64_t q = from; q <= p; q++)
			if (q >= 0)
				memset(w->slot[q % w->n], 0, sizeof w->slot[0]);
		w->newest = p;
	}
	/* a clock that went back counts in the newest slot */
	w->slot[(p < w->newest ? w->newest : p) % w->n][v]++;
}

void verdict_ring_add(struct verdict_ring *r, int64_t now, int v)
{
	if (v < 0 || v >= VRING_VERDICTS || now < 0)
		return;
	row_add(&r->minutes, now, v);
	row_add(&r->hours, now, v);
}

static void row_read(const struct vring_row *w, int64_t now, uint32_t (*out)[VRING_VERDICTS])
{
	int64_t p = now < 0 ? 0 : now / w->secs;

	for (int k = 0; k < w->n; k++) {
		int64_t q = p - (w->n - 1) + k;
		if (q >= 0 && q <= w->newest && w->newest - q < w->n)
			memcpy(out[k], w->slot[q % w->n], sizeof out[k]);
		else
			memset(out[k], 0, sizeof out[k]);
	}
}

void verdict_ring_minutes(const struct verdict_ring *r, int64_t now,
			  uint32_t out[VRING_MINUTES][VRING_VERDICTS])
{
	row_read(&r->minutes, now, out);
}

void verdict_ring_hours(const struct verdict_ring *r, int64_t now,
			uint32_t out[VRING_HOURS][VRING_VERDICTS])
{
	row_read(&r->hours, now, out);
}
