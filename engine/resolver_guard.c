/* resolver_guard: the blindness guard's canaries (dns_guard.h decides,
 * this runs them), and the callers waiting to learn whether failed
 * lookups are the domain's or mxvet's own (resolver_reach). */
#include "engine/resolver.h"
#include "engine/resolver_state.h"
#include "lib/log.h"
#include "lib/monotime.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unbound.h>

void resolver_canary_free(struct canary *c)
{
	if (!c)
		return;
	if (c->ev)
		event_free(c->ev);
	if (c->timer)
		event_free(c->timer);
	if (c->ctx)
		ub_ctx_delete(c->ctx);
	free(c);
}

static void sync_stats(struct resolver *r)
{
	r->stats.blind = r->guard.blind;
	r->stats.blind_episodes = r->guard.episodes;
	r->stats.canaries = r->guard.canaries;
}

/* Answer every waiter, unless a canary must answer first. */
static void wake_waiters(struct resolver *r, enum dns_reach reach)
{
	if (reach == DNS_REACH_ASK)
		return;
	while (r->waiters) {
		struct reach_waiter *w = r->waiters;
		r->waiters = w->next;
		w->cb(w->arg, reach);
		free(w);
	}
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;
	enum dns_reach reach = dns_guard_reach(&r->guard, monotime_ms());

	(void)fd;
	(void)what;
	/* not known and nobody asking: the canary could not start */
	if (reach == DNS_REACH_ASK && !r->guard.asking)
		reach = DNS_REACH_UNKNOWN;
	wake_waiters(r, reach);
}


static bool canary_start(struct resolver *r);

static void on_retry(evutil_socket_t fd, short what, void *arg);

/* While blind, the next canary (the only way out of blindness). */
static void schedule_retry(struct resolver *r, int64_t now)
{
	int64_t in = dns_guard_retry_in(&r->guard, now);
	struct timeval tv = { (time_t)(in / 1000), (suseconds_t)(in % 1000) * 1000 };

	if (!r->retry)
		r->retry = evtimer_new(r->base, on_retry, r);
	if (r->retry)
		evtimer_add(r->retry, &tv);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;

	(void)fd;
	(void)what;
	if (!canary_start(r) && r->guard.blind && !r->guard.asking) {
		r->guard.failed_at = monotime_ms();	/* try again later */
		schedule_retry(r, r->guard.failed_at);
	}
}

static void canary_end(struct resolver *r, bool contact)
{
	int64_t now = monotime_ms();
	char t[32];

	resolver_canary_free(r->canary);
	r->canary = NULL;
	snprintf(t, sizeof t, "%lds", (long)r->timeout.tv_sec);
	switch (dns_guard_canary_done(&r->guard, now, contact)) {
	case DNS_GUARD_TURNED_BLIND:
		log_warn("resolver: blind: lookups fail and canary queries from a fresh context "
			 "(the parent zone of a failed name, the root) got no answer within "
			 "dns_timeout (%s): mxvet's own "
			 "DNS path (forwarder, route, root) looks dead; failed lookups are not held "
			 "against domains, checks that need them answer error_action blind=1", t);
		break;
	case DNS_GUARD_RECOVERED:
		resolver_renew(r);
		log_warn("resolver: DNS answers again; fresh libunbound context, failed lookups "
			 "count against domains again blind=0");
		break;
	default:
		break;
	}
	sync_stats(r);
	if (r->guard.blind)
		schedule_retry(r, now);
	wake_waiters(r, dns_guard_reach(&r->guard, now));
}

static void on_canary_answer(void *arg, int err, struct ub_result *result);

/* Ask the canary's next name; false when there is none or it cannot. */
static bool canary_next(struct resolver *r, struct canary *c)
{
	while (++c->stage < 2) {
		if (!c->names[c->stage][0])
			continue;
		if (ub_resolve_async(c->ctx, c->names[c->stage], RR_NS, 1, r, on_canary_answer,
				     &c->id) != 0)
			return false;
		evtimer_add(c->timer, &r->timeout);
		return true;
	}
	return false;
}

static void on_canary_answer(void *arg, int err, struct ub_result *result)
{
	struct resolver *r = arg;
	struct canary *c = r->canary;

	/* an rcode from anywhere is contact; libunbound's own SERVFAIL is
	 * what it says when no server answered */
	bool contact = !err && result && result->rcode != 2;

	if (result)
		ub_resolve_free(result);
	if (contact || !canary_next(r, c)) {
		c->answered = true;
		c->contact = contact;
	}
}

static void on_canary_readable(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;

	(void)fd;
	(void)what;
	ub_process(r->canary->ctx);
	/* the context is deleted only after ub_process has returned */
	if (r->canary->answered)
		canary_end(r, r->canary->contact);
}

static void on_canary_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;

	(void)fd;
	(void)what;
	ub_cancel(r->canary->ctx, r->canary->id);
	if (!canary_next(r, r->canary))
		canary_end(r, false);
}

/* The canary asks for the name servers of the parent zone of the name
 * whose lookup failed (the parent of timeout.test is test., reached
 * through the root or the forwarder; with only a stub zone configured, the
 * stub's own zone), then, if that got no answer (a parent zone dead too),
 * those of the root: the priming query, which a forwarder answers too. A
 * fresh context without validation: only whether anything answers
 * matters. */
static bool canary_start(struct resolver *r)
{
	struct canary *c;
	char err[256];
	const char *parent = strchr(r->failed_name, '.');

	if (!dns_guard_canary_start(&r->guard))
		return false;
	sync_stats(r);
	if (!(c = calloc(1, sizeof *c)) || !(c->ctx = resolver_ctx_again(r, err, sizeof err)) ||
	    ub_ctx_set_option(c->ctx, "module-config:", "iterator") != 0 ||
	    !(c->ev = event_new(r->base, ub_fd(c->ctx), EV_READ | EV_PERSIST,
				on_canary_readable, r)) ||
	    !(c->timer = evtimer_new(r->base, on_canary_timeout, r)) ||
	    event_add(c->ev, NULL) != 0) {
		resolver_canary_free(c);
		r->guard.asking = false;
		log_warn("resolver: cannot start a canary query (out of memory?)");
		return false;
	}
	if (parent && parent[1] && strcmp(parent, ".") != 0)
		snprintf(c->names[0], sizeof c->names[0], "%s", parent + 1);
	snprintf(c->names[1], sizeof c->names[1], ".");
	c->stage = -1;
	r->canary = c;
	if (!canary_next(r, c)) {
		r->canary = NULL;
		resolver_canary_free(c);
		r->guard.asking = false;
		log_warn("resolver: cannot start a canary query");
		return false;
	}
	return true;
}

/* A lookup failed: start a canary now, unless one answered recently, so
 * that its answer is in when the check asks (resolver_reach). */
void resolver_failed_lookup(struct resolver *r, const char *name)
{
	snprintf(r->failed_name, sizeof r->failed_name, "%s", name);
	if (dns_guard_reach(&r->guard, monotime_ms()) == DNS_REACH_ASK)
		canary_start(r);
}

int resolver_reach(struct resolver *r, resolver_reach_cb cb, void *arg)
{
	struct reach_waiter *w;
	struct timeval zero = { 0, 0 };

	if (!r->wake && !(r->wake = evtimer_new(r->base, on_wake, r)))
		return -1;
	if (!(w = malloc(sizeof *w)))
		return -1;
	w->cb = cb;
	w->arg = arg;
	w->next = r->waiters;
	r->waiters = w;
	/* a canary's end wakes the waiters; else the wake event, which also
	 * tells them when no canary could start */
	if (dns_guard_reach(&r->guard, monotime_ms()) == DNS_REACH_ASK &&
	    (r->guard.asking || canary_start(r)))
		return 0;
	evtimer_add(r->wake, &zero);
	return 0;
}
