/* resolver: libunbound in threads mode driven from the libevent loop. */
#include "resolver.h"
#include "config.h"
#include "dname.h"
#include "lib/addr_policy.h"
#include "unbound_upstreams.h"
#include "log.h"

#include <ctype.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct resolver {
	struct event_base *base;
	struct ub_ctx *ctx;
	struct event *ub_ev;
	struct timeval timeout;
	struct resolver_stats stats;
	struct lookup *live;	/* in flight; freed (without callback) by resolver_free */
	struct lookup *flights[FLIGHT_BUCKETS];
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

static int setopt(struct ub_ctx *ctx, const char *opt, const char *val, char *err, size_t errlen)
{
	int rc = ub_ctx_set_option(ctx, opt, val);
	if (rc != 0) {
		snprintf(err, errlen, "libunbound option %s %s: %s", opt, val, ub_strerror(rc));
		return -1;
	}
	return 0;
}

struct dont_query {
	struct ub_ctx *ctx;
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
	d->rc = setopt(d->ctx, "do-not-query-address:", net, d->err, d->errlen);
}

/* libunbound's upstream queries obey the address policy too: every
 * refused network goes on its do-not-query list. After ub_ctx_config, so
 * that no unbound_config can undo it. do-not-query-localhost would refuse
 * all of 127/8 and ::1, allowed networks too (the list has no exceptions):
 * it is turned off and loopback, minus the allowed networks, is listed
 * like any other refused network. */
static int apply_address_policy(struct ub_ctx *ctx, const struct config *cfg, char *err,
				size_t errlen)
{
	struct dont_query d = { ctx, 0, err, errlen };
	struct cidr_list allowed = { NULL, 0 };

	if (setopt(ctx, "do-not-query-localhost:", "no", err, errlen) != 0)
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
	if (apply_address_policy(r->ctx, cfg, err, errlen) != 0)
		goto fail;
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
		if (st == DNS_ST_SERVFAIL)
			q->res->stats.servfails++;
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
