/* authority: direct queries to a domain's authoritative servers (see
 * authority.h). One struct stage per check; it lives until both the check
 * is released and every resolver callback it started has come back
 * (resolver lookups cannot be cancelled), so a late callback finds the
 * stage and does nothing. Direct queries are ours and are cancelled at
 * the deadline. */
#include "engine/auth_stage.h"
#include "engine/config.h"
#include "engine/dname.h"
#include "engine/dnsquery.h"
#include "engine/pipeline.h"
#include "engine/resolver.h"
#include "engine/stage.h"
#include "lib/addr_policy.h"
#include "lib/log.h"

#include <event2/event.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unbound.h>

static struct dnsq_chan *net_chan_new(void *ctx, const struct netaddr *to, int port)
{
	return dnsq_chan_new(engine_base(ctx), to, port);
}

static void net_chan_free(void *ctx, struct dnsq_chan *ch)
{
	(void)ctx;
	dnsq_chan_free(ch);
}

static struct dnsq *net_send(void *ctx, struct dnsq_chan *ch, const char *qname, int qtype,
			     const struct dnsq_opts *o, dnsq_cb cb, void *arg)
{
	(void)ctx;
	return dnsq_send_on(ch, qname, qtype, o, cb, arg);
}

static void net_cancel(void *ctx, struct dnsq *q)
{
	(void)ctx;
	dnsq_cancel(q);
}

static int net_lookup(void *ctx, const char *name, int rrtype, resolver_cb cb, void *arg)
{
	return resolver_lookup(engine_resolver(ctx), name, rrtype, cb, arg);
}

static const struct auth_transport real_net = {
	net_chan_new, net_chan_free, net_send, net_cancel, net_lookup,
};

struct auth_prober *auth_prober_new(struct engine *e)
{
	struct auth_prober *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->e = e;
	p->net = &real_net;
	p->net_ctx = e;
	if (!(p->cache = auth_cache_new())) {
		free(p);
		return NULL;
	}
	return p;
}

void auth_prober_set_transport(struct auth_prober *p, const struct auth_transport *t, void *ctx)
{
	p->net = t;
	p->net_ctx = ctx;
}

static void stage_destroy(struct stage *st);

void auth_prober_free(struct auth_prober *p)
{
	if (!p)
		return;
	while (p->live)
		stage_destroy(p->live);
	auth_cache_free(p->cache);
	free(p);
}

const struct auth_prober_stats *auth_prober_stats(const struct auth_prober *p)
{
	return &p->stats;
}

static void stage_destroy(struct stage *st)
{
	if (st->prev)
		st->prev->next = st->next;
	else
		st->p->live = st->next;
	if (st->next)
		st->next->prev = st->prev;
	for (size_t i = 0; i < st->nqs; i++) {
		st->net->cancel(st->net_ctx, st->qs[i]->q);
		free(st->qs[i]);
	}
	for (size_t i = 0; i < st->nchan; i++)
		st->net->chan_free(st->net_ctx, st->chan[i].ch);
	st->nchan = 0;
	while (st->lookups) {
		struct lookup *l = st->lookups;
		st->lookups = l->next;
		free(l);
	}
	auth_evidence_free(st->ae);	/* NULL once handed to the check */
	for (size_t z = 0; z < st->nzone; z++)
		for (size_t i = 0; i < st->zone[z].nns; i++)
			free(st->zone[z].ns[i]);
	for (size_t i = 0; i < st->nhosts; i++)
		free(st->hosts[i]);
	if (st->done_ev)
		event_free(st->done_ev);
	if (st->disc_ev)
		event_free(st->disc_ev);
	if (st->plain_ev)
		event_free(st->plain_ev);
	config_free(st->cfg);
	free(st);
}

void auth_unref(struct stage *st)
{
	if (--st->refs == 0)
		stage_destroy(st);
}

void auth_kick(struct stage *st)
{
	if (st->pending == 0 && !st->released)
		event_active(st->done_ev, EV_TIMEOUT, 0);
}

/* The end: at zero pending or at the deadline. */
static void on_done(evutil_socket_t fd, short what, void *arg)
{
	struct stage *st = arg;
	struct evidence *ev;
	struct timeval now;

	(void)fd;
	(void)what;
	if (st->released)
		return;
	if (st->pending > 0) {
		st->ae->deadline_hit = true;
		st->p->stats.deadline_hits++;
	}
	for (size_t i = 0; i < st->nqs; i++) {
		if (st->qs[i]->q)
			st->net->cancel(st->net_ctx, st->qs[i]->q);
		free(st->qs[i]);
	}
	st->nqs = 0;
	for (size_t i = 0; i < st->nchan; i++)
		st->net->chan_free(st->net_ctx, st->chan[i].ch);
	st->nchan = 0;
	st->released = true;
	st->ae->packets = AUTH_MAX_PACKETS - st->budget;
	st->ae->budget_hit |= st->budget == 0;
	st->p->stats.packets += st->ae->packets;
	st->p->stats.budget_hits += st->ae->budget_hit;
	gettimeofday(&now, NULL);
	log_debug("authority: domain=%s zone=%s servers=%zu queries=%u packets=%u budget=%s "
		  "bytes=%zu deadline=%s elapsed_ms=%ld%s%s", st->domain,
		  st->ae->zone ? st->ae->zone : "-", st->ae->nsrv, st->ae->queries, st->ae->packets,
		  st->ae->budget_hit ? "spent" : "ok", st->ae->bytes, st->ae->deadline_hit ? "yes" : "no",
		  (now.tv_sec - st->started.tv_sec) * 1000L + (now.tv_usec - st->started.tv_usec) / 1000,
		  st->ae->note ? " note=" : "", st->ae->note ? st->ae->note : "");
	ev = check_evidence(st->c);
	if (st->lost)
		ev->internal_error = true;
	ev->auth = st->ae;
	st->ae = NULL;
	event_del(st->done_ev);
	if (st->disc_ev)
		event_del(st->disc_ev);
	if (st->plain_ev)
		event_del(st->plain_ev);
	check_stage_release(st->c, CHECK_STAGE_AUTHORITY);
	auth_unref(st);
}

void auth_note(struct stage *st, const char *msg)
{
	if (!st->ae->note)
		st->ae->note = strdup(msg);
}

void auth_lost(struct stage *st)
{
	if (!st->lost)
		log_warn("authority: domain=%s out of memory: no verdict from this check", st->domain);
	st->lost = true;
}

static void on_query(void *arg, const struct dnsq_reply *r);

/* The address policy, in front of every direct query: a hostile zone must
 * not aim mxvet's DNS packets at loopback or an internal network. */
bool auth_may_query(struct stage *st, const struct netaddr *to, const char **why)
{
	const char *w;
	char a[NETADDR_STRLEN];

	if (addr_policy_allows(to, &st->cfg->mx_allowed_networks, &w))
		return true;
	log_debug("authority: domain=%s server=%s not queried: non-routable (%s)", st->domain,
		  netaddr_format(to, a, sizeof a), w ? w : "reserved");
	st->p->stats.refused++;
	if (why)
		*why = w;
	return false;
}

/* One channel (socket) per server address and stage. */
static struct dnsq_chan *chan_for(struct stage *st, const struct netaddr *a)
{
	for (size_t i = 0; i < st->nchan; i++)
		if (netaddr_equal(&st->chan[i].a, a))
			return st->chan[i].ch;
	if (st->nchan == AUTH_MAX_CHANNELS) {
		auth_note(st, "the server address cap was reached");
		return NULL;
	}
	st->chan[st->nchan].ch = st->net->chan_new(st->net_ctx, a, st->opts.port);
	if (!st->chan[st->nchan].ch) {
		auth_lost(st);
		return NULL;
	}
	st->chan[st->nchan].a = *a;
	return st->chan[st->nchan++].ch;
}

struct query *auth_send_query(struct stage *st, const struct netaddr *to, const char *qname,
				int qtype, bool edns, enum qkind kind)
{
	struct query *q;

	/* a query starts only while all its UDP tries fit in the budget */
	if (st->nqs >= AUTH_MAX_QUERIES ||
	    st->planned + (unsigned)st->opts.tries > AUTH_MAX_PACKETS) {
		auth_note(st, "the packet budget was reached");
		st->ae->budget_hit = true;
		return NULL;
	}
	if (!auth_may_query(st, to, NULL))
		return NULL;
	struct dnsq_chan *ch = chan_for(st, to);
	if (!ch)
		return NULL;
	q = calloc(1, sizeof *q);
	if (!q) {
		auth_lost(st);
		return NULL;
	}
	st->opts.edns = edns;
	q->st = st;
	q->kind = kind;
	q->q = st->net->send(st->net_ctx, ch, qname, qtype, &st->opts, on_query, q);
	if (!q->q) {
		/* out of memory (the names asked were checked on the way in) */
		free(q);
		auth_lost(st);
		return NULL;
	}
	st->qs[st->nqs++] = q;
	st->planned += (unsigned)st->opts.tries;
	st->pending++;
	st->ae->queries++;
	st->p->stats.queries++;
	return q;
}

static bool host_in_zone(const char *host, const char *apex)
{
	size_t h = strlen(host), a = strlen(apex);

	if (strcmp(apex, ".") == 0 || dname_equal(host, apex))
		return true;
	return h > a && host[h - a - 1] == '.' && dname_equal(host + h - a, apex);
}

static void host_queries(struct stage *st, struct zone *z, const char *host)
{
	for (size_t k = 0, sent = 0; k < z->naddr && sent < AUTH_MAX_HOST_SERVERS; k++) {
		char a[NETADDR_STRLEN];
		struct query *q = auth_send_query(st, &z->addr[k].a, host, RR_AAAA, true, Q_HOST_AAAA);
		if (!q)
			continue;
		q->host = host;
		snprintf(q->server, sizeof q->server, "%s %s", z->ns[z->addr[k].ns],
			 netaddr_format(&z->addr[k].a, a, sizeof a));
		sent++;
	}
}

/* Every name server address of zone z is known: send its queries. */
void auth_zone_servers_ready(struct zone *z)
{
	struct stage *st = z->st;

	if (z->dispatched || st->released)
		return;
	z->dispatched = true;
	struct auth_evidence *ae = st->ae;
	size_t rep = (size_t)st->cfg->authority_repeat;

	if (z->child) {
		size_t sent = 0;
		for (size_t k = 0; k < z->naddr && sent < MAX_REFERRAL_SERVERS; k++) {
			struct query *q = auth_send_query(st, &z->addr[k].a, z->child->cur, RR_NS, false,
						     Q_REFERRAL);
			if (q) {
				q->z = z;
				z->pending++;
				sent++;
			}
		}
		if (!sent)
			auth_parent_done(z);
		return;
	}
	if (z->naddr == 0) {
		if (z->idx == 0)
			auth_note(st, "no name server has an address");
		return;
	}
	if (z->host) {
		host_queries(st, z, z->host);
		return;
	}
	for (size_t k = 0; k < z->naddr; k++) {
		struct auth_server *s;
		size_t si;
		bool dup = false;
		for (size_t j = 0; j < ae->nsrv; j++)
			dup |= netaddr_equal(&ae->srv[j].addr, &z->addr[k].a);
		if (dup)
			continue;	/* two names for one address: ask it once */
		if (ae->nsrv >= (size_t)st->cfg->authority_max_servers) {
			auth_note(st, "more server addresses than authority_max_servers");
			break;
		}
		s = auth_evidence_add_server(ae, z->ns[z->addr[k].ns], &z->addr[k].a, rep);
		if (!s) {
			auth_lost(st);
			break;
		}
		if (!auth_may_query(st, &s->addr, &s->not_queried))
			continue;	/* listed, nothing sent: no finding either */
		si = ae->nsrv - 1;
		for (size_t i = 0; i < rep; i++) {
			struct query *q = auth_send_query(st, &s->addr, st->domain, RR_MX, true, Q_MX_EDNS);
			if (q) {
				q->srv = si;
				q->rep = i;
				ae->srv[si].ans[i].st = AQ_TIMEOUT;
			}
		}
	}
	/* the query without EDNS only for servers whose EDNS answers are
	 * late or bad (on_query sends it at once for a bad one) */
	if (ae->nsrv && st->plain_ev) {
		struct timeval tv = { 0, PLAIN_DELAY_MS * 1000 };
		evtimer_add(st->plain_ev, &tv);
	}
	/* MX hosts inside this zone are asked here; the others get a zone
	 * of their own */
	for (size_t i = 0; i < st->nhosts; i++) {
		if (ae->zone && host_in_zone(st->hosts[i], ae->zone))
			host_queries(st, z, st->hosts[i]);
		else
			auth_zone_start(st, st->hosts[i], st->hosts[i], NULL);
	}
}


static void send_plain(struct stage *st, size_t si)
{
	struct auth_server *s = &st->ae->srv[si];
	struct query *q;

	if (si >= AUTH_MAX_SERVERS_HARD || st->plain_sent[si])
		return;
	st->plain_sent[si] = true;
	q = auth_send_query(st, &s->addr, st->domain, RR_MX, false, Q_MX_PLAIN);
	if (q) {
		q->srv = si;
		s->plain.st = AQ_TIMEOUT;
	}
}

static void on_plain_timer(evutil_socket_t fd, short what, void *arg)
{
	struct stage *st = arg;

	(void)fd;
	(void)what;
	if (st->released)
		return;
	for (size_t si = 0; si < st->ae->nsrv; si++) {
		const struct auth_server *s = &st->ae->srv[si];
		bool ok = s->not_queried != NULL;	/* nothing to follow up */
		for (size_t k = 0; k < s->nans; k++)
			ok |= auth_answer_edns_works(&s->ans[k]);
		if (!ok)
			send_plain(st, si);
	}
}

static void on_query(void *arg, const struct dnsq_reply *r)
{
	struct query *q = arg;
	struct stage *st = q->st;
	struct auth_evidence *ae = st->ae;

	q->q = NULL;		/* dnsq frees itself after this callback */
	st->pending--;
	ae->bytes += r->bytes_read;
	st->p->stats.bytes += r->bytes_read;
	if (r->st == AQ_TIMEOUT)
		st->p->stats.timeouts++;
	if (q->kind == Q_REFERRAL) {
		if (r->st == AQ_OK)
			auth_merge_referral(q->z->child, q->z->want, r);
		auth_zone_piece_done(q->z);
	} else if (q->kind == Q_CHILD_NS) {
		auth_child_ns_answer(q->z, r);
		auth_zone_piece_done(q->z);
	} else if (q->kind == Q_HOST_AAAA) {
		struct netaddr v[16];
		int n = r->st == AQ_OK ? auth_parse_additional_a(r->wire, r->len, q->host, v, 16) : 0;
		if (n == AUTH_PARSE_NOMEM)
			auth_lost(st);
		else if (n < 0)
			log_info("authority: domain=%s server=\"%s\" host=%s unparseable AAAA reply ignored",
				 st->domain, q->server, q->host);
		else if (n > 0 && auth_evidence_add_additional(ae, q->host, q->server, v, (size_t)n) != 0)
			auth_lost(st);
	} else {
		struct auth_server *s = &ae->srv[q->srv];
		struct auth_answer *a = q->kind == Q_MX_PLAIN ? &s->plain : &s->ans[q->rep];
		if (r->st == AQ_OK) {
			if (auth_parse_answer(r->wire, r->len, st->domain, a) != 0)
				auth_lost(st);
			a->tcp = r->tcp;
			if (a->st == AQ_MALFORMED) {
				char ad[NETADDR_STRLEN];
				log_info("authority: domain=%s server=\"%s %s\" unparseable reply ignored",
					 st->domain, s->name, netaddr_format(&s->addr, ad, sizeof ad));
			}
		} else {
			auth_answer_clear(a);
			a->st = r->st;
		}
		if (q->kind == Q_MX_EDNS && !auth_answer_edns_works(a))
			send_plain(st, q->srv);
	}
	if (ae->bytes > AUTH_MAX_BYTES) {
		auth_note(st, "the byte cap was reached");
		event_active(st->done_ev, EV_TIMEOUT, 0);
		return;
	}
	auth_kick(st);
}

static void authority_start(void *state, struct check *c)
{
	struct auth_prober *p = state;
	struct engine *e = p->e;
	struct evidence *ev = check_evidence(c);
	const struct config *cfg = check_config(c);
	struct stage *st = calloc(1, sizeof *st);
	long ms = cfg->authority_timeout * 1000L;
	struct timeval tv = { cfg->authority_timeout, 0 };

	ev->authority_done = true;
	if (!st) {
		ev->internal_error = true;
		return;
	}
	st->ae = calloc(1, sizeof *st->ae);
	st->done_ev = evtimer_new(engine_base(e), on_done, st);
	if (!st->ae || !st->done_ev || evtimer_add(st->done_ev, &tv) != 0) {
		if (st->done_ev)
			event_free(st->done_ev);
		free(st->ae);
		free(st);
		ev->internal_error = true;
		return;
	}
	st->c = c;
	st->e = e;
	st->cfg = config_ref(cfg);
	st->p = p;
	st->net = p->net;
	st->net_ctx = p->net_ctx;
	st->p->stats.stages++;
	st->refs = 1;
	gettimeofday(&st->started, NULL);
	st->next = st->p->live;
	if (st->next)
		st->next->prev = st;
	st->p->live = st;
	snprintf(st->domain, sizeof st->domain, "%s", ev->domain);
	/* discovery gets 45% of the budget (auth_on_discovery_end), then two
	 * tries of a quarter each */
	st->opts.port = engine_options(e)->authority_port ? engine_options(e)->authority_port : AUTH_PORT;
	st->opts.tries = 2;
	st->opts.try_ms = ms / 4 < 250 ? 250 : ms / 4 > 1500 ? 1500 : ms / 4;
	st->opts.max_tcp = 65535;
	st->budget = AUTH_MAX_PACKETS;
	st->opts.budget = &st->budget;
	for (size_t i = 0; i < ev->nmx && st->nhosts < AUTH_MAX_HOSTS; i++) {
		if (!ev->mx[i].looked_up || evidence_mx_first(ev, i) != i ||
		    (ev->mx[i].a.status != DNS_ST_OK && ev->mx[i].a.status != DNS_ST_NODATA) ||
		    dname_is_ip_literal(ev->mx[i].target))
			continue;
		if ((st->hosts[st->nhosts] = strdup(ev->mx[i].target)))
			st->nhosts++;
		else
			auth_lost(st);
	}
	tv.tv_sec = ms * 45 / 100 / 1000;
	tv.tv_usec = ms * 45 / 100 % 1000 * 1000;
	st->disc_ev = evtimer_new(engine_base(e), auth_on_discovery_end, st);
	st->plain_ev = evtimer_new(engine_base(e), on_plain_timer, st);
	if (!st->disc_ev || !st->plain_ev || evtimer_add(st->disc_ev, &tv) != 0)
		auth_lost(st);
	check_stage_hold(c, CHECK_STAGE_AUTHORITY);
	/* iteratively: the parent's delegation first, then the zone's own NS
	 * RRset from its servers; libunbound finds the zone when the domain
	 * is no zone apex or anything is odd (auth_parent_done, auth_child_ns_answer) */
	struct zone *z0 = auth_zone_new(st, st->domain, NULL, NULL);
	if (z0) {
		z0->deferred = true;
		auth_parent_start(z0);
		if (z0->pending == 0 && !z0->ns_asked && !z0->found)
			auth_ask_ns(z0);	/* a TLD, or the parent could not be asked */
	}
	auth_kick(st);	/* nothing started: finish from the loop */
}

/* A domain that does not exist has no servers to ask. */
static bool authority_wanted(const struct evidence *ev)
{
	return ev->mx_lookup.status != DNS_ST_NXDOMAIN;
}

static void *authority_new(struct engine *e)
{
	return auth_prober_new(e);
}

static void authority_free(void *state)
{
	auth_prober_free(state);
}

struct auth_prober *engine_auth_prober(const struct engine *e)
{
	return engine_stage_state(e, &authority_stage);
}

const struct stage_ops authority_stage = {
	.name = "authority",
	.family = "authority",
	.skip_flag = CHECK_NO_AUTHORITY,
	.new = authority_new,
	.free = authority_free,
	.wanted = authority_wanted,
	.start = authority_start,
};
