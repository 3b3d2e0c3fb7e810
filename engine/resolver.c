/* resolver: libunbound in threads mode driven from the libevent loop;
 * the blindness guard's canaries are in resolver_guard.c. */
#include "engine/resolver.h"
#include "engine/resolver_state.h"
#include "engine/config.h"
#include "engine/dname.h"
#include "engine/dns_guard.h"
#include "lib/addr_policy.h"
#include "engine/unbound_upstreams.h"
#include "lib/log.h"

#include <ctype.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>


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

void resolver_on_ub_readable(evutil_socket_t fd, short what, void *arg)
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
struct ub_ctx *resolver_ctx_again(const struct resolver *r, char *err, size_t errlen)
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
	r->ub_ev = event_new(base, ub_fd(r->ctx), EV_READ | EV_PERSIST, resolver_on_ub_readable, r);
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
	resolver_canary_free(r->canary);
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

void resolver_on_result(void *arg, int err, struct ub_result *result)
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
			resolver_failed_lookup(q->res, q->name);
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
		resolver_failed_lookup(q->res, q->name);
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
	rc = ub_resolve_async(r->ctx, name, rrtype, 1 /* IN */, q, resolver_on_result, &q->ub_id);
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

/* Servers libunbound marked down while the path was dead stay down for
 * infra-host-ttl (900 s by default) after it comes back, and their zones
 * SERVFAIL at once meanwhile: a fresh context forgets them. Lookups in
 * flight move to it with their deadlines unchanged. */
int resolver_renew(struct resolver *r)
{
	char err[256];
	struct ub_ctx *fresh = resolver_ctx_again(r, err, sizeof err), *old = r->ctx;
	struct event *ev = fresh ? event_new(r->base, ub_fd(fresh), EV_READ | EV_PERSIST,
					     resolver_on_ub_readable, r) : NULL;

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
		if (ub_resolve_async(fresh, q->name, q->rrtype, 1, q, resolver_on_result, &q->ub_id) != 0) {
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
	return resolver_renew(r) == 0 ? 0 : -1;
}
