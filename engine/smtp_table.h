/* smtp_table: the SMTP prober's entries (private to engine/smtp_probe.c
 * and engine/smtp_table.c): one per address in a hash table, and those
 * with a result on an expiry list, oldest first, dropped a few at a time
 * as new addresses come (never a walk over the table). */
#ifndef MXVET_SMTP_TABLE_H
#define MXVET_SMTP_TABLE_H

#include "engine/egress_guard.h"
#include "engine/probe_sched.h"
#include "engine/smtp_greeting.h"
#include "engine/smtp_probe.h"
#include "lib/netaddr.h"

#include <event2/event.h>
#include <stdbool.h>

/* P_FLEET: asking the fleet (fleet.h) whether another host has the result;
 * P_LEASE: admitted here, waiting for a slot of its network across the
 * fleet (fleet_lease.h) */
enum pstate { P_IDLE, P_QUEUED, P_CONNECT, P_GREETING, P_QUIT, P_FLEET, P_LEASE };

struct waiter {
	struct waiter *next;
	smtp_probe_cb cb;
	void *arg;
	struct smtp_result res;	/* for answers delivered via the ready list */
};

struct entry {
	struct entry *hnext;	/* hash chain */
	struct sched_item si;	/* in the scheduler while running or queued */
	struct entry *xprev, *xnext;	/* expiry list, oldest result first */
	bool xlinked;
	struct smtp_prober *p;
	struct netaddr addr;
	enum pstate state;
	bool have_result;
	struct smtp_result res;	/* owns banner */
	long expires_ms;	/* monotonic */
	long started_ms;
	long done_ms;		/* when the result came */
	struct waiter *waiters, **wtail;
	struct bufferevent *bev;
	struct event *timer;
	bool sync_failed;		/* connect failed at once: finish from the timer */
	enum smtp_status sync_status;
	bool sync_internal;		/* ... for lack of memory (no result kept) */
	struct smtp_greeting g;
	long wait_since_ms;		/* when it first waited for a slot */
	uint64_t lease;			/* the fleet's network lease held; 0: none */
};

/* Settings are read through engine_config(eng) at the moment they apply,
 * so that a reload reaches the prober (no copy of the config pointer). */
struct smtp_prober {
	struct engine *eng;
	struct event_base *base;
	struct entry **tab;
	size_t nbuckets;
	struct sched *sched;
	struct entry *xhead, *xtail;	/* entries with a result, by when it came */
	struct waiter *ready, **rtail;	/* answers to deliver from the loop */
	struct event *ready_ev;
	struct smtp_stats st;
	struct egress_guard guard;
	long results_port;	/* the smtp_port the cached results are for */
};

struct entry *ptab_lookup(struct smtp_prober *p, const struct netaddr *a);
/* A new idle entry for a (after expiring a few old ones); NULL: no memory. */
struct entry *ptab_insert(struct smtp_prober *p, const struct netaddr *a);
void ptab_entry_free(struct entry *e);
/* Is the result still to be reused (smtp_probe_ttl as it is now)? */
bool ptab_fresh(const struct entry *e, long now);
void ptab_xunlink(struct entry *e);
/* e's result just came: to the tail of the expiry list. */
void ptab_xappend(struct entry *e);
void ptab_expire_some(struct smtp_prober *p, int max);
/* The entry's timer (engine/smtp_probe.c). */
void smtp_probe_on_timer(evutil_socket_t fd, short what, void *arg);

#endif
