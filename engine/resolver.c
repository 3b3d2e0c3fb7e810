/* resolver: libunbound in threads mode driven from the libevent loop, and
 * the blindness guard's canaries (dns_guard.h). */
#include "engine/resolver.h"
#include "engine/config.h"
#include "engine/dname.h"
#include "engine/dns_guard.h"
#include "lib/addr_policy.h"
#include "engine/unbound_upstreams.h"
#include "lib/log.h"
#include "lib/monotime.h"

#include <ctype.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unbound.h>

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

/* Case- and final-dot-insensitive, like dname_equal. */
static unsigned name_hash(const char *name, int rrtype)
{
	unsigned h = 2166136261u ^ (unsigned)rrtype;
	size_t n = strlen(name);

	if (n > 1 && name[n - 1] == '.')
		n--;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)tolower((unsigned char)name[i])) * 16777619u;
	return h % FLIGHT_BUCKETS;
}

static struct lookup *flight_find(struct resolver *r, const char *name, int rrtype,
				  unsigned b)
{
	for (struct lookup *q = r->flights[b]; q; q = q->hnext)
		if (q->rrtype == rrtype && dname_equal(q->name, name))
			return q;
	return NULL;
}

/* Out of the table, so that a callback asking the same again starts anew. */
static void flight_remove(struct lookup *q)
{
	struct lookup **pp = &q->res->flights[q->bucket];

	while (*pp && *pp != q)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = q->hnext;
	q->hnext = NULL;
}

/* Every caller of the lookup gets the same answer; the result stays the
 * resolver's (callers only read it). */
static void deliver(struct lookup *q, enum dns_status st, struct ub_result *result)
{
	struct joiner *j = q->joiners;

	flight_remove(q);
	q->joiners = NULL;
	q->jtail = &q->joiners;
	q->cb(q->arg, st, result);
	while (j) {
		struct joiner *next = j->next;
		j->cb(j->arg, st, result);
		free(j);
		j = next;
	}
}

static void on_ub_readable(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;
	int rc;

	(void)fd;
	(void)what;
	if ((rc = ub_process(r->ctx)) != 0)
		log_err("resolver: ub_process: %s", ub_strerror(rc));
}

static int apply(struct ub_ctx *ctx, const struct step *st, char *err, size_t errlen)
{
	int rc;

	switch (st->kind) {
	case STEP_OPTION:
		if ((rc = ub_ctx_set_option(ctx, st->a, st->b)) != 0)
			snprintf(err, errlen, "libunbound option %s %s: %s", st->a, st->b,
				 ub_strerror(rc));
		break;
	case STEP_CONFIG:
		if ((rc = ub_ctx_config(ctx, st->a)) != 0)
			snprintf(err, errlen, "unbound_config %s: %s", st->a, ub_strerror(rc));
		break;
	default:
		if ((rc = ub_ctx_add_ta_file(ctx, st->a)) != 0)
			snprintf(err, errlen, "trust_anchor_file %s: %s", st->a, ub_strerror(rc));
		break;
	}
	return rc != 0 ? -1 : 0;
}

static void steps_free(struct step *st)
{
	while (st) {
		struct step *next = st->next;
		free(st->a);
		free(st->b);
		free(st);
		st = next;
	}
}

/* Remember a step for the next contexts; apply it to ctx unless NULL. */
static int step_to(struct resolver *r, struct ub_ctx *ctx, enum step_kind kind, const char *a,
		   const char *b, char *err, size_t errlen)
{
	struct step *st = calloc(1, sizeof *st);

	if (!st || !(st->a = strdup(a)) || (b && !(st->b = strdup(b)))) {
		if (st)
			free(st->a);
		free(st);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->kind = kind;
	st->policy = r->policy_steps;
	*r->steps_tail = st;
	r->steps_tail = &st->next;
	return ctx ? apply(ctx, st, err, errlen) : 0;
}

/* Apply a step to the context and remember it for the next contexts. */
static int step(struct resolver *r, enum step_kind kind, const char *a, const char *b,
		char *err, size_t errlen)
{
	return step_to(r, r->ctx, kind, a, b, err, errlen);
}

static int setopt(struct resolver *r, const char *opt, const char *val, char *err, size_t errlen)
{
	return step(r, STEP_OPTION, opt, val, err, errlen);
}

/* A context in threads mode: first, since any other setting may finalize
 * the context and silently leave it in fork mode (libunbound 1.17's
 * ub_ctx_async). */
static struct ub_ctx *ctx_begin(char *err, size_t errlen)
{
	struct ub_ctx *ctx = ub_ctx_create();
	int rc;

	if (!ctx) {
		snprintf(err, errlen, "ub_ctx_create failed");
		return NULL;
	}
	if ((rc = ub_ctx_async(ctx, 1)) != 0) {
		snprintf(err, errlen, "ub_ctx_async: %s", ub_strerror(rc));
		ub_ctx_delete(ctx);
		return NULL;
	}
	ub_ctx_debugout(ctx, NULL);
	return ctx;
}

/* A fresh context made as the first one was. */
static struct ub_ctx *ctx_again(const struct resolver *r, char *err, size_t errlen)
{
	struct ub_ctx *ctx = ctx_begin(err, errlen);

	for (const struct step *st = r->steps; ctx && st; st = st->next)
		if (apply(ctx, st, err, errlen) != 0) {
			ub_ctx_delete(ctx);
			return NULL;
		}
	return ctx;
}

struct dont_query {
	struct resolver *r;
	struct ub_ctx *ctx;	/* applied to it too, unless NULL */
	int rc;
	char *err;
	size_t errlen;
};

static void dont_query(void *arg, const struct cidr *block)
{
	struct dont_query *d = arg;
	char a[NETADDR_STRLEN], net[NETADDR_STRLEN + 5];

	if (d->rc != 0)
		return;
	snprintf(net, sizeof net, "%s/%d", netaddr_format(&block->net, a, sizeof a), block->bits);
	d->rc = step_to(d->r, d->ctx, STEP_OPTION, "do-not-query-address:", net, d->err, d->errlen);
}

/* libunbound's upstream queries obey the address policy too: every
 * refused network goes on its do-not-query list. After ub_ctx_config, so
 * that no unbound_config can undo it. do-not-query-localhost would refuse
 * all of 127/8 and ::1, allowed networks too (the list has no exceptions):
 * it is turned off and loopback, minus the allowed networks, is listed
 * like any other refused network. The options are recorded with the
 * others, so canaries and renewed contexts obey the policy too. */
static int apply_address_policy(struct resolver *r, struct ub_ctx *ctx,
				const struct config *cfg, char *err, size_t errlen)
{
	struct dont_query d = { r, ctx, 0, err, errlen };
	struct cidr_list allowed = { NULL, 0 };

	if (step_to(r, ctx, STEP_OPTION, "do-not-query-localhost:", "no", err, errlen) != 0)
		return -1;
	/* the allowed networks plus the forwarders and stubs the admin named */
	for (size_t i = 0; i < cfg->mx_allowed_networks.n; i++) {
		struct cidr *nv = realloc(allowed.v, (allowed.n + 1) * sizeof *nv);
		if (!nv) {
			cidr_list_clear(&allowed);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		allowed.v = nv;
		allowed.v[allowed.n++] = cfg->mx_allowed_networks.v[i];
	}
	if (cfg->unbound_config && *cfg->unbound_config)
		unbound_upstreams(cfg->unbound_config, &allowed);
	addr_policy_refused(&allowed, dont_query, &d);
	cidr_list_clear(&allowed);
	return d.rc;
}

struct resolver *resolver_new(struct event_base *base, const struct config *cfg,
			      char *err, size_t errlen)
{
	struct resolver *r = calloc(1, sizeof *r);

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->base = base;
	r->timeout.tv_sec = cfg->dns_timeout;
	r->guard.fresh_ms = r->guard.retry_ms = cfg->dns_timeout * 1000L;
	r->steps_tail = &r->steps;
	if (!(r->ctx = ctx_begin(err, errlen)))
		goto fail;
	/* Library defaults are sized for a handful of queries. */
	if (setopt(r, "outgoing-range:", "512", err, errlen) ||
	    setopt(r, "msg-cache-size:", "16m", err, errlen) ||
	    setopt(r, "rrset-cache-size:", "32m", err, errlen) ||
	    setopt(r, "key-cache-size:", "8m", err, errlen) ||
	    setopt(r, "neg-cache-size:", "4m", err, errlen))
		goto fail;
	if (cfg->unbound_config && *cfg->unbound_config) {
		if (step(r, STEP_CONFIG, cfg->unbound_config, NULL, err, errlen) != 0)
			goto fail;
	} else if (cfg->trust_anchor_file && *cfg->trust_anchor_file) {
		if (step(r, STEP_TA_FILE, cfg->trust_anchor_file, NULL, err, errlen) != 0)
			goto fail;
	}
	r->policy_steps = true;
	if (apply_address_policy(r, r->ctx, cfg, err, errlen) != 0)
		goto fail;
	r->policy_steps = false;
	r->ub_ev = event_new(base, ub_fd(r->ctx), EV_READ | EV_PERSIST, on_ub_readable, r);
	if (!r->ub_ev || event_add(r->ub_ev, NULL) != 0) {
		snprintf(err, errlen, "cannot watch the libunbound pipe");
		goto fail;
	}
	return r;
fail:
	resolver_free(r);
	return NULL;
}

static void lookup_free(struct lookup *q);
static void canary_free(struct canary *c);
static void failed_lookup(struct resolver *r, const char *name);

void resolver_free(struct resolver *r)
{
	if (!r)
		return;
	if (r->ub_ev)
		event_free(r->ub_ev);
	if (r->ctx)
		ub_ctx_delete(r->ctx);
	while (r->live)
		lookup_free(r->live);
	canary_free(r->canary);
	while (r->waiters) {
		struct reach_waiter *w = r->waiters;
		r->waiters = w->next;
		free(w);
	}
	if (r->wake)
		event_free(r->wake);
	if (r->retry)
		event_free(r->retry);
	steps_free(r->steps);
	free(r);
}

const struct resolver_stats *resolver_stats(const struct resolver *r)
{
	return &r->stats;
}

enum dns_status resolver_status(const struct ub_result *r)
{
	if (!r)
		return DNS_ST_ERROR;
	if (r->bogus)
		return DNS_ST_BOGUS;
	if (r->nxdomain || r->rcode == 3)
		return DNS_ST_NXDOMAIN;
	if (r->rcode != 0)
		return DNS_ST_SERVFAIL;
	return r->havedata ? DNS_ST_OK : DNS_ST_NODATA;
}

int resolver_fill_lookup(struct dns_lookup *l, enum dns_status st, const struct ub_result *r)
{
	dns_lookup_clear(l);
	l->status = st;
	if (!r)
		return 0;
	l->rcode = r->rcode;
	l->secure = r->secure;
	l->ttl = r->ttl > 0 ? (uint32_t)r->ttl : 0;
	if (r->why_bogus && !(l->why_bogus = strdup(r->why_bogus)))
		return -1;
	if (r->canonname && r->qname && !dname_equal(r->canonname, r->qname)) {
		if (!(l->canonname = strdup(r->canonname)))
			return -1;
		dname_strip_dot(l->canonname);
	}
	return 0;
}

static void lookup_free(struct lookup *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		q->res->live = q->next;
	if (q->next)
		q->next->prev = q->prev;
	if (q->timer)
		event_free(q->timer);
	flight_remove(q);
	while (q->joiners) {
		struct joiner *j = q->joiners;
		q->joiners = j->next;
		free(j);
	}
	q->res->stats.in_flight--;
	free(q);
}

static void on_result(void *arg, int err, struct ub_result *result)
{
	struct lookup *q = arg;
	enum dns_status st;

	if (err) {
		log_warn("resolver: %s", ub_strerror(err));
		q->res->stats.errors++;
		st = DNS_ST_ERROR;
	} else {
		st = resolver_status(result);
		if (st == DNS_ST_SERVFAIL) {
			q->res->stats.servfails++;
			failed_lookup(q->res, q->name);
		}
	}
	deliver(q, st, err ? NULL : result);
	if (result)
		ub_resolve_free(result);
	lookup_free(q);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct lookup *q = arg;

	(void)fd;
	(void)what;
	if (q->started) {
		/* After a successful cancel the callback never comes. */
		if (ub_cancel(q->res->ctx, q->ub_id) != 0) {
			/* already answered and queued: let on_result deliver it */
			return;
		}
		q->res->stats.timeouts++;
		failed_lookup(q->res, q->name);
		deliver(q, DNS_ST_TIMEOUT, NULL);
	} else {
		q->res->stats.errors++;
		deliver(q, DNS_ST_ERROR, NULL);
	}
	lookup_free(q);
}

int resolver_lookup(struct resolver *r, const char *name, int rrtype,
		    resolver_cb cb, void *arg)
{
	unsigned b = name_hash(name, rrtype);
	struct lookup *q = flight_find(r, name, rrtype, b);
	size_t n = strlen(name);
	int rc;

	if (q) {
		/* its deadline is no later than this caller's would be */
		struct joiner *j = malloc(sizeof *j);
		if (!j)
			return -1;
		j->cb = cb;
		j->arg = arg;
		j->next = NULL;
		*q->jtail = j;
		q->jtail = &j->next;
		r->stats.joined++;
		return 0;
	}
	if (!(q = calloc(1, sizeof *q + n + 1)))
		return -1;
	memcpy(q->name, name, n + 1);
	q->jtail = &q->joiners;
	q->rrtype = rrtype;
	q->bucket = b;
	q->hnext = r->flights[b];
	r->flights[b] = q;
	q->res = r;
	q->next = r->live;
	if (q->next)
		q->next->prev = q;
	r->live = q;
	q->cb = cb;
	q->arg = arg;
	r->stats.queries++;
	r->stats.in_flight++;
	q->timer = evtimer_new(r->base, on_timeout, q);
	if (!q->timer) {
		lookup_free(q);
		return -1;
	}
	rc = ub_resolve_async(r->ctx, name, rrtype, 1 /* IN */, q, on_result, &q->ub_id);
	if (rc != 0) {
		log_warn("resolver: %s/%d: %s", name, rrtype, ub_strerror(rc));
		/* report the failure from the loop, as promised */
		struct timeval now = { 0, 0 };
		evtimer_add(q->timer, &now);
		return 0;
	}
	q->started = true;
	evtimer_add(q->timer, &r->timeout);
	return 0;
}

/* ---- The blindness guard (dns_guard.h): canaries, waiters, renewal ---- */

static void canary_free(struct canary *c)
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

/* Servers libunbound marked down while the path was dead stay down for
 * infra-host-ttl (900 s by default) after it comes back, and their zones
 * SERVFAIL at once meanwhile: a fresh context forgets them. Lookups in
 * flight move to it with their deadlines unchanged. */
static int renew(struct resolver *r)
{
	char err[256];
	struct ub_ctx *fresh = ctx_again(r, err, sizeof err), *old = r->ctx;
	struct event *ev = fresh ? event_new(r->base, ub_fd(fresh), EV_READ | EV_PERSIST,
					     on_ub_readable, r) : NULL;

	if (!ev || event_add(ev, NULL) != 0) {
		log_warn("resolver: cannot renew the libunbound context (%s): servers it "
			 "marked down while blind stay down for a while", fresh ? "event" : err);
		if (ev)
			event_free(ev);
		if (fresh)
			ub_ctx_delete(fresh);
		return -1;
	}
	ub_process(old);	/* answers already there are delivered from the old one */
	r->ctx = fresh;
	for (struct lookup *q = r->live; q; q = q->next) {
		if (!q->started)
			continue;
		ub_cancel(old, q->ub_id);
		if (ub_resolve_async(fresh, q->name, q->rrtype, 1, q, on_result, &q->ub_id) != 0) {
			struct timeval now = { 0, 0 };
			q->started = false;	/* on_timeout reports the error */
			evtimer_add(q->timer, &now);
		}
	}
	event_free(r->ub_ev);
	r->ub_ev = ev;
	ub_ctx_delete(old);
	r->stats.renewals++;
	return 0;
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

	canary_free(r->canary);
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
		renew(r);
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
	if (!(c = calloc(1, sizeof *c)) || !(c->ctx = ctx_again(r, err, sizeof err)) ||
	    ub_ctx_set_option(c->ctx, "module-config:", "iterator") != 0 ||
	    !(c->ev = event_new(r->base, ub_fd(c->ctx), EV_READ | EV_PERSIST,
				on_canary_readable, r)) ||
	    !(c->timer = evtimer_new(r->base, on_canary_timeout, r)) ||
	    event_add(c->ev, NULL) != 0) {
		canary_free(c);
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
		canary_free(c);
		r->guard.asking = false;
		log_warn("resolver: cannot start a canary query");
		return false;
	}
	return true;
}

/* A lookup failed: start a canary now, unless one answered recently, so
 * that its answer is in when the check asks (resolver_reach). */
static void failed_lookup(struct resolver *r, const char *name)
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

/* The address policy's steps (the tail of the list) are rebuilt from cfg;
 * if they differ, the context is renewed with them. libunbound takes no
 * setting once a context has resolved, so only a new context can obey a
 * new mx_allowed_networks. renew() moves the lookups in flight to it and
 * deletes the old one at once, so no query of the old context goes on
 * under the old list. */
int resolver_reconfigure(struct resolver *r, const struct config *cfg)
{
	struct step **pp = &r->steps, *old, *st, *nw;
	char err[256];
	bool same = true;

	while (*pp && !(*pp)->policy)
		pp = &(*pp)->next;
	old = *pp;
	*pp = NULL;
	r->steps_tail = pp;
	r->policy_steps = true;
	if (apply_address_policy(r, NULL, cfg, err, sizeof err) != 0) {
		r->policy_steps = false;
		steps_free(*pp);
		*pp = old;	/* keep the running list */
		for (r->steps_tail = pp; *r->steps_tail; r->steps_tail = &(*r->steps_tail)->next)
			;
		log_err("resolver: reload: %s; libunbound keeps its address policy", err);
		return -1;
	}
	r->policy_steps = false;
	for (st = old, nw = *pp; st || nw; st = st->next, nw = nw->next) {
		if (!st || !nw || strcmp(st->a, nw->a) || strcmp(st->b ? st->b : "", nw->b ? nw->b : "")) {
			same = false;
			break;
		}
	}
	steps_free(old);
	if (same)
		return 0;
	log_info("resolver: reload: the address policy changed: a new libunbound context");
	return renew(r) == 0 ? 0 : -1;
}
