/* resolver_state: the resolver's state, shared by its two halves:
 * resolver.c (contexts, lookups) and resolver_guard.c (the blindness
 * guard's canaries and the callers waiting for them). Private to them;
 * everyone else uses resolver.h. */
#ifndef MXVET_RESOLVER_STATE_H
#define MXVET_RESOLVER_STATE_H

#include <event2/event.h>
#include <stdbool.h>
#include <unbound.h>

#include "engine/dname.h"
#include "engine/dns_guard.h"
#include "engine/resolver.h"

#define FLIGHT_BUCKETS 1024	/* in-flight lookups by (name, type) */

/* A caller waiting for a lookup another caller started. */
struct joiner {
	struct joiner *next;
	resolver_cb cb;
	void *arg;
};

/* One libunbound query; callers asking the same (name, type) while it is
 * in flight join it (many domains share name servers and MX hosts, and
 * each libunbound call costs a round trip through its pipe). */
struct lookup {
	struct lookup *prev, *next;
	struct lookup *hnext;	/* bucket chain */
	struct resolver *res;
	int ub_id;
	int rrtype;
	unsigned bucket;
	bool started;
	struct event *timer;
	resolver_cb cb;
	void *arg;
	struct joiner *joiners, **jtail;
	char name[];
};

/* One step of making a context, kept so that a fresh context (a canary,
 * or the one that replaces a context blinded by dead servers) is made the
 * same way without holding on to the configuration. */
enum step_kind { STEP_OPTION, STEP_CONFIG, STEP_TA_FILE };

struct step {
	struct step *next;
	enum step_kind kind;
	char *a, *b;		/* option and value, or a file */
	bool policy;		/* from the address policy: the list's tail,
				 * rebuilt by resolver_reconfigure */
};

/* A caller waiting to learn whether the resolver reaches DNS. */
struct reach_waiter {
	struct reach_waiter *next;
	resolver_reach_cb cb;
	void *arg;
};

/* The canary in flight: its own context, so its answer comes from the
 * network, never from a cache. */
struct canary {
	struct ub_ctx *ctx;
	struct event *ev, *timer;
	int id, stage;		/* which of the names is asked */
	bool answered, contact;
	char names[2][DNAME_MAXLEN];	/* the parent zone of a failed name, "." */
};

struct resolver {
	struct event_base *base;
	struct ub_ctx *ctx;
	struct event *ub_ev;
	struct timeval timeout;
	struct resolver_stats stats;
	struct lookup *live;	/* in flight; freed (without callback) by resolver_free */
	struct lookup *flights[FLIGHT_BUCKETS];
	struct step *steps, **steps_tail;
	struct dns_guard guard;
	struct canary *canary;
	struct reach_waiter *waiters;
	struct event *wake;	/* answers the waiters from the loop */
	struct event *retry;	/* the next canary while blind */
	char failed_name[DNAME_MAXLEN];	/* the last name whose lookup failed */
	bool policy_steps;	/* steps being recorded come from the address policy */
};

/* resolver.c */
struct ub_ctx *resolver_ctx_again(const struct resolver *r, char *err, size_t errlen);
void resolver_on_ub_readable(evutil_socket_t fd, short what, void *arg);
void resolver_on_result(void *arg, int err, struct ub_result *result);
/* A fresh context in place of the current one; lookups in flight move to
 * it. 0, or -1 (logged) when it cannot be made: the old one stays. */
int resolver_renew(struct resolver *r);

/* resolver_guard.c */
void resolver_canary_free(struct canary *c);
/* A lookup of name failed: a canary, unless one answered recently. */
void resolver_failed_lookup(struct resolver *r, const char *name);

#endif
