/* verdict_ring: policy answers per verdict over the last hour (one slot a
 * minute) and the last day (one slot an hour), for the status page. The
 * decider feeds it where it counts each answer: O(1), no allocation, no
 * system call (the caller passes the time, seconds of a monotonic clock).
 * Not thread-safe: the event loop's thread only. */
#ifndef MXVET_VERDICT_RING_H
#define MXVET_VERDICT_RING_H

#include <stdint.h>

#define VRING_VERDICTS 4	/* enum action: accept, annotate, defer, reject */
#define VRING_MINUTES 60
#define VRING_HOURS 24

struct vring_row {
	int64_t newest;		/* period number of the newest slot, -1: empty */
	uint32_t (*slot)[VRING_VERDICTS];
	int n;			/* slots */
	int64_t secs;		/* seconds a slot covers */
};

struct verdict_ring {
	struct vring_row minutes, hours;
	uint32_t min_slots[VRING_MINUTES][VRING_VERDICTS];
	uint32_t hour_slots[VRING_HOURS][VRING_VERDICTS];
};

void verdict_ring_init(struct verdict_ring *r);
/* One answer with verdict v (out of range: ignored) at now. */
void verdict_ring_add(struct verdict_ring *r, int64_t now, int v);
/* Counts per period, oldest first: out[n-1] is the period holding now,
 * out[0] the one n-1 periods before it; periods without answers are 0. */
void verdict_ring_minutes(const struct verdict_ring *r, int64_t now,
			  uint32_t out[VRING_MINUTES][VRING_VERDICTS]);
void verdict_ring_hours(const struct verdict_ring *r, int64_t now,
			uint32_t out[VRING_HOURS][VRING_VERDICTS]);

#endif
