/* probe_sched: who may open the next SMTP connection. Probes are grouped by
 * destination network (IPv4 /24, IPv6 /48); at most net_cap run at once per
 * network and global_cap overall, and waiting probes are served round robin
 * across networks. A flood of domains whose MX hosts sit silent in a few
 * networks then fills those networks' queues only: a probe to any other
 * network starts as soon as a global slot is free, and the global cap can be
 * large because a silent connection costs one descriptor.
 *
 * Pure bookkeeping, no I/O and no clock: the prober embeds a struct
 * sched_item in each entry and asks. Groups are created on demand and freed
 * when nothing of theirs runs or waits, so memory follows the probes in
 * flight and queued, never the addresses seen. */
#ifndef MXVET_PROBE_SCHED_H
#define MXVET_PROBE_SCHED_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/netaddr.h"

struct sched;
struct sched_group;

struct sched_item {			/* owned by the caller, zeroed at first */
	struct sched_item *next, *prev;	/* the group's queue */
	struct sched_group *g;		/* set while running or queued */
	bool queued;
};

struct sched *sched_new(void);
void sched_free(struct sched *s);	/* accepts NULL; items are the caller's */

/* A probe of addr wants to run: 1 = it may start now (counted as running),
 * 0 = queued, -1 = out of memory (nothing counted). */
int sched_admit(struct sched *s, struct sched_item *it, const struct netaddr *addr,
		size_t global_cap, size_t net_cap);
/* A running probe ended (its connection is closed). */
void sched_done(struct sched *s, struct sched_item *it);
/* Take a queued probe off its queue without running it. */
void sched_cancel(struct sched *s, struct sched_item *it);
/* The next queued probe allowed to run now (counted as running), round
 * robin over networks; NULL if none may. */
struct sched_item *sched_next(struct sched *s, size_t global_cap, size_t net_cap);

size_t sched_running(const struct sched *s);
size_t sched_queued(const struct sched *s);
size_t sched_groups(const struct sched *s);

#endif
