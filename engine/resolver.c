/* resolver: libunbound in threads mode driven from the libevent loop. */
#include "resolver.h"
#include "config.h"
#include "dname.h"
#include "log.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>

struct resolver {
	struct event_base *base;
	struct ub_ctx *ctx;
	struct event *ub_ev;
	struct timeval timeout;
	struct resolver_stats stats;
	struct lookup *live;	/* in flight; freed (without callback) by resolver_free */
};

struct lookup {
	struct lookup *prev, *next;
	struct resolver *res;
	int ub_id;
	bool started;
	struct event *timer;
	resolver_cb cb;
	void *arg;
};

static void on_ub_readable(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;
	int rc;

	(void)fd;
	(void)what;
	if ((rc = ub_process(r->ctx)) != 0)
		log_err("resolver: ub_process: %s", ub_strerror(rc));
}

static int setopt(struct ub_ctx *ctx, const char *opt, const char *val, char *err, size_t errlen)
{
	int rc = ub_ctx_set_option(ctx, opt, val);
	if (rc != 0) {
		snprintf(err, errlen, "libunbound option %s %s: %s", opt, val, ub_strerror(rc));
		return -1;
	}
	return 0;
}

struct resolver *resolver_new(struct event_base *base, const struct config *cfg,
			      char *err, size_t errlen)
{
	struct resolver *r = calloc(1, sizeof *r);
	int rc;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->base = base;
	r->timeout.tv_sec = cfg->dns_timeout;
	if (!(r->ctx = ub_ctx_create())) {
		snprintf(err, errlen, "ub_ctx_create failed");
		goto fail;
	}
	/* Threads mode first: any other setting may finalize the context and
	 * silently leave it in fork mode (LIBRARY-NOTES 1). */
	if ((rc = ub_ctx_async(r->ctx, 1)) != 0) {
		snprintf(err, errlen, "ub_ctx_async: %s", ub_strerror(rc));
		goto fail;
	}
	ub_ctx_debugout(r->ctx, NULL);
	/* Library defaults are sized for a handful of queries. */
	if (setopt(r->ctx, "outgoing-range:", "512", err, errlen) ||
	    setopt(r->ctx, "msg-cache-size:", "16m", err, errlen) ||
	    setopt(r->ctx, "rrset-cache-size:", "32m", err, errlen) ||
	    setopt(r->ctx, "key-cache-size:", "8m", err, errlen) ||
	    setopt(r->ctx, "neg-cache-size:", "4m", err, errlen))
		goto fail;
	if (cfg->unbound_config && *cfg->unbound_config) {
		if ((rc = ub_ctx_config(r->ctx, cfg->unbound_config)) != 0) {
			snprintf(err, errlen, "unbound_config %s: %s", cfg->unbound_config,
				 ub_strerror(rc));
			goto fail;
		}
	} else if (cfg->trust_anchor_file && *cfg->trust_anchor_file) {
		if ((rc = ub_ctx_add_ta_file(r->ctx, cfg->trust_anchor_file)) != 0) {
			snprintf(err, errlen, "trust_anchor_file %s: %s", cfg->trust_anchor_file,
				 ub_strerror(rc));
			goto fail;
		}
	}
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

void resolver_fill_lookup(struct dns_lookup *l, enum dns_status st, const struct ub_result *r)
{
	dns_lookup_clear(l);
	l->status = st;
	if (!r)
		return;
	l->rcode = r->rcode;
	l->secure = r->secure;
	l->ttl = r->ttl > 0 ? (uint32_t)r->ttl : 0;
	if (r->why_bogus)
		l->why_bogus = strdup(r->why_bogus);
	if (r->canonname && r->qname && !dname_equal(r->canonname, r->qname)) {
		l->canonname = strdup(r->canonname);
		dname_strip_dot(l->canonname);
	}
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
		if (st == DNS_ST_SERVFAIL)
			q->res->stats.servfails++;
	}
	q->cb(q->arg, st, err ? NULL : result);
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
		q->cb(q->arg, DNS_ST_TIMEOUT, NULL);
	} else {
		q->res->stats.errors++;
		q->cb(q->arg, DNS_ST_ERROR, NULL);
	}
	lookup_free(q);
}

int resolver_lookup(struct resolver *r, const char *name, int rrtype,
		    resolver_cb cb, void *arg)
{
	struct lookup *q = calloc(1, sizeof *q);
	int rc;

	if (!q)
		return -1;
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
