/* authority: direct queries to a domain's authoritative servers (see
 * authority.h). One struct stage per check; it lives until both the check
 * is released and every resolver callback it started has come back
 * (resolver lookups cannot be cancelled), so a late callback finds the
 * stage and does nothing. Direct queries are ours and are cancelled at
 * the deadline. */
#include "authority.h"
#include "auth_cache.h"
#include "auth_evidence.h"
#include "config.h"
#include "dname.h"
#include "dnsquery.h"
#include "engine.h"
#include "log.h"
#include "pipeline.h"
#include "resolver.h"

#include <event2/event.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unbound.h>

#define RR_A 1
#define RR_NS 2
#define RR_MX 15
#define RR_AAAA 28
#define MAX_ZONES (3 + AUTH_MAX_HOSTS)	/* the domain's, its parent (twice), MX hosts' */
#define MAX_REFERRAL_SERVERS 2
#define AUTH_MAX_SERVERS_HARD 64	/* authority_max_servers' upper bound */
#define PLAIN_DELAY_MS 200
#define LDNS_RCODE_FORMERR_ 1
#define LDNS_RCODE_NOTIMPL_ 4
#define AUTH_MAX_CHANNELS 64		/* server addresses with a socket per stage */
#define MAX_ZONE_ADDRS (AUTH_MAX_NS_NAMES * AUTH_MAX_ADDRS_PER_NAME * 2)

struct stage;

/* Stages still alive: a released stage waits for its resolver callbacks;
 * at shutdown the resolver drops them, so the prober frees what is left. */

struct auth_prober {
	struct engine *e;
	struct auth_prober_stats stats;
	struct stage *live;
	struct auth_cache *cache;
};

struct stage;

/* The servers of one zone: found by walking up from a name. */
struct zone {
	struct stage *st;
	int idx;
	char cur[DNAME_MAXLEN];		/* the name whose NS is asked */
	int steps;
	bool found;
	char *ns[AUTH_MAX_NS_NAMES];
	size_t nns;
	struct { int ns; struct netaddr a; } addr[MAX_ZONE_ADDRS];
	size_t naddr;
	int pending;			/* resolver lookups in flight */
	const char *host;		/* MX host this zone is for; NULL for the domain */
	struct zone *child;		/* set on a parent zone: whose delegation we want */
	bool finished;			/* a parent zone has delivered its referral */
	bool dispatched;		/* its queries were sent */
	bool deferred;			/* the domain's zone: its NS lookup waits for
					 * the parent's referral (iterative) */
	bool ns_asked;			/* its own NS RRset asked (directly or not) */
	bool child_ns_done;		/* a server gave it cleanly */
	int child_ns_out;		/* direct NS queries to it in flight */
	char want[DNAME_MAXLEN];	/* parent zone: the child name asked for */
};

/* Owned by the stage (freed with it), so that a stage freed at shutdown
 * takes the lookups the resolver will never answer along. */
struct lookup {
	struct lookup *next;
	char name[DNAME_MAXLEN];
	struct zone *z;
	int ns;				/* index into z->ns, or -1 for the NS query */
	int rrtype;
};

enum qkind { Q_MX_EDNS, Q_MX_PLAIN, Q_HOST_AAAA, Q_REFERRAL, Q_CHILD_NS };

struct query {
	struct stage *st;
	struct dnsq *q;			/* NULL once done */
	enum qkind kind;
	size_t srv;			/* server index in ae->srv (MX queries) */
	size_t rep;			/* repeat slot */
	const char *host;		/* Q_HOST_AAAA */
	struct zone *z;			/* Q_REFERRAL: the parent zone asked;
					 * Q_CHILD_NS: the zone asked about */
	char server[DNAME_MAXLEN + NETADDR_STRLEN + 2];
};

struct stage {
	struct check *c;
	struct engine *e;
	struct auth_prober *p;
	struct auth_evidence *ae;
	char domain[DNAME_MAXLEN];
	int refs;			/* the check + resolver callbacks outstanding */
	int pending;			/* pieces of work outstanding */
	bool released;
	struct event *done_ev;		/* deadline, or activated when pending hits 0 */
	struct event *disc_ev;		/* end of discovery: query the servers known */
	struct event *plain_ev;		/* queries without EDNS where EDNS is late */
	bool plain_sent[AUTH_MAX_SERVERS_HARD];
	struct zone zone[MAX_ZONES];
	size_t nzone;
	struct query *qs[AUTH_MAX_QUERIES];
	size_t nqs;
	char *hosts[AUTH_MAX_HOSTS];
	size_t nhosts;
	struct dnsq_opts opts;
	struct lookup *lookups;
	struct stage *prev, *next;	/* in auth_prober.live */
	struct { struct netaddr a; struct dnsq_chan *ch; } chan[AUTH_MAX_CHANNELS];
	size_t nchan;
	struct timeval started;
};

struct auth_prober *auth_prober_new(struct engine *e)
{
	struct auth_prober *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->e = e;
	if (!(p->cache = auth_cache_new())) {
		free(p);
		return NULL;
	}
	return p;
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
		dnsq_cancel(st->qs[i]->q);
		free(st->qs[i]);
	}
	for (size_t i = 0; i < st->nchan; i++)
		dnsq_chan_free(st->chan[i].ch);
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
	free(st);
}

static void unref(struct stage *st)
{
	if (--st->refs == 0)
		stage_destroy(st);
}

static void kick(struct stage *st)
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
			dnsq_cancel(st->qs[i]->q);
		free(st->qs[i]);
	}
	st->nqs = 0;
	for (size_t i = 0; i < st->nchan; i++)
		dnsq_chan_free(st->chan[i].ch);
	st->nchan = 0;
	st->released = true;
	gettimeofday(&now, NULL);
	log_debug("authority: domain=%s zone=%s servers=%zu queries=%u bytes=%zu deadline=%s "
		  "elapsed_ms=%ld%s%s", st->domain, st->ae->zone ? st->ae->zone : "-",
		  st->ae->nsrv, st->ae->queries, st->ae->bytes, st->ae->deadline_hit ? "yes" : "no",
		  (now.tv_sec - st->started.tv_sec) * 1000L + (now.tv_usec - st->started.tv_usec) / 1000,
		  st->ae->note ? " note=" : "", st->ae->note ? st->ae->note : "");
	ev = check_evidence(st->c);
	ev->auth = st->ae;
	st->ae = NULL;
	event_del(st->done_ev);
	if (st->disc_ev)
		event_del(st->disc_ev);
	if (st->plain_ev)
		event_del(st->plain_ev);
	check_release(st->c);
	unref(st);
}

static void note(struct stage *st, const char *msg)
{
	if (!st->ae->note)
		st->ae->note = strdup(msg);
}

static void zone_servers_ready(struct zone *z);
static void parent_done(struct zone *pz);
static void on_lookup(void *arg, enum dns_status dst, struct ub_result *r);

static void zone_piece_done(struct zone *z);

static void got_ns(struct zone *z, const struct rrs *x);
static void got_addr(struct zone *z, int ns, const struct rrs *x);

static void resolve(struct zone *z, int ns, int rrtype, const char *name)
{
	struct stage *st = z->st;
	const struct rrs *hit = auth_cache_get(st->p->cache, name, rrtype, time(NULL));
	struct lookup *l;

	if (hit) {
		st->p->stats.cache_hits++;
		/* as if a lookup had come back: the zone's count goes up and down */
		z->pending++;
		if (ns < 0)
			got_ns(z, hit);
		else
			got_addr(z, ns, hit);
		zone_piece_done(z);
		return;
	}
	l = malloc(sizeof *l);
	if (!l)
		return;
	l->z = z;
	l->ns = ns;
	l->rrtype = rrtype;
	snprintf(l->name, sizeof l->name, "%s", name);
	if (resolver_lookup(st->e->res, name, rrtype, on_lookup, l) != 0) {
		free(l);
		return;
	}
	l->next = st->lookups;
	st->lookups = l;
	st->refs++;
	st->pending++;
	z->pending++;
}
static struct zone *zone_new(struct stage *st, const char *name, const char *host,
			     struct zone *child)
{
	struct zone *z;

	if (st->nzone >= MAX_ZONES)
		return NULL;
	z = &st->zone[st->nzone];
	memset(z, 0, sizeof *z);
	z->st = st;
	z->idx = (int)st->nzone++;
	z->host = host;
	z->child = child;
	snprintf(z->cur, sizeof z->cur, "%s", name);
	return z;
}

/* The zone's own NS RRset through libunbound (walking up from cur). */
static void ask_ns(struct zone *z)
{
	z->ns_asked = true;
	resolve(z, -1, RR_NS, z->cur);
}

static struct zone *zone_start(struct stage *st, const char *name, const char *host,
			       struct zone *child)
{
	struct zone *z = zone_new(st, name, host, child);

	if (z)
		ask_ns(z);
	return z;
}

/* One piece of a zone's discovery ended: a lookup, or the parent's part. */
static void zone_piece_done(struct zone *z)
{
	if (--z->pending > 0)
		return;
	if (z->child && z->dispatched)
		parent_done(z);		/* every referral query came back */
	else if (z->found)
		zone_servers_ready(z);
}

/* The parent zone pz has said what it could about its child's delegation. */
static void parent_done(struct zone *pz)
{
	struct zone *c = pz->child;

	if (pz->finished)
		return;
	pz->finished = true;
	/* no delegation from the parent (the domain is no zone apex, the
	 * parent failed or said something odd): libunbound finds the zone,
	 * walking up, as for any other name */
	if (c->deferred && !c->ns_asked && !c->found)
		ask_ns(c);
	zone_piece_done(c);
}

/* SPEC: the servers probed are the union of the parent's delegation and
 * the zone's own NS RRset; when every server of a zone is broken (or the
 * apex hides behind a CNAME) only the parent still names them. */
static void parent_start(struct zone *z)
{
	struct stage *st = z->st;
	const char *dot = strchr(z->cur, '.');

	if (!dot || !dot[1])
		return;
	z->pending++;	/* the parent's part; released by parent_done */
	struct zone *pz = zone_start(st, dot + 1, NULL, z);
	if (!pz)
		z->pending--;
	else if (pz->finished)
		;		/* done already (from caches): parent_done released it */
	else if (pz->pending == 0)
		z->pending--;
	else
		snprintf(pz->want, DNAME_MAXLEN, "%s", z->cur);
}


/* The answer to "cur NS": the apex and its server names, or walk up. */
static void got_ns(struct zone *z, const struct rrs *x)
{
	struct stage *st = z->st;
	enum dns_status dst = x->st;

	if (dst == DNS_ST_OK && !x->alias) {
		size_t first_new = z->nns;
		/* sorted: a stable choice when a hostile zone lists more than the cap;
		 * names the parent's referral already gave are not added twice */
		for (size_t i = 0; i < x->n && z->nns < AUTH_MAX_NS_NAMES; i++) {
			bool known = i > 0 && !strcmp(x->names[i], x->names[i - 1]);
			for (size_t k = 0; k < first_new && !known; k++)
				known = dname_equal(z->ns[k], x->names[i]);
			if (!known && (z->ns[z->nns] = strdup(x->names[i])))
				z->nns++;
		}
		if (x->n > AUTH_MAX_NS_NAMES)
			note(st, "more NS names than the cap; the first ones (sorted) were asked");
		z->found = true;
		if (z->idx == 0 && !st->ae->zone)
			st->ae->zone = strdup(z->cur);
		for (size_t i = first_new; i < z->nns; i++) {
			resolve(z, (int)i, RR_A, z->ns[i]);
			resolve(z, (int)i, RR_AAAA, z->ns[i]);
		}
		if (z->idx == 0 && z->steps > 0)
			parent_start(z);	/* the first one asked about the domain itself */
		return;
	}
	if (z->idx == 0 && z->steps == 0 &&
	    (x->alias || (dst != DNS_ST_NODATA && dst != DNS_ST_NXDOMAIN))) {
		/* the domain's own NS RRset is unavailable (all servers lame or
		 * dead, or an apex CNAME): ask its parent for the delegation */
		z->found = true;	/* the parent's referral, asked at the start, tells */
		return;
	}
	if ((dst == DNS_ST_NODATA || dst == DNS_ST_NXDOMAIN || x->alias) &&
	    z->steps < AUTH_MAX_WALK && strchr(z->cur, '.')) {
		/* not a zone apex (or an alias): try the enclosing name */
		memmove(z->cur, strchr(z->cur, '.') + 1, strlen(strchr(z->cur, '.') + 1) + 1);
		z->steps++;
		resolve(z, -1, RR_NS, z->cur);
		return;
	}
	if (z->child)
		parent_done(z);
	else if (z->idx == 0)
		note(st, dst == DNS_ST_OK || dst == DNS_ST_NODATA || dst == DNS_ST_NXDOMAIN
			 ? "no zone apex found" : "the NS lookup failed");
}
static void got_addr(struct zone *z, int ns, const struct rrs *x)
{
	if (x->st != DNS_ST_OK)
		return;
	for (size_t i = 0; i < x->n && i < AUTH_MAX_ADDRS_PER_NAME && z->naddr < MAX_ZONE_ADDRS; i++) {
		z->addr[z->naddr].ns = ns;
		z->addr[z->naddr].a = x->addrs[i];
		z->naddr++;
	}
}
static void on_lookup(void *arg, enum dns_status dst, struct ub_result *r)
{
	struct lookup *l = arg;
	struct zone *z = l->z;
	struct stage *st = z->st;
	struct rrs x;

	rrs_from_ub(l->ns < 0 ? RR_NS : l->rrtype, dst, r, &x);
	auth_cache_put(st->p->cache, l->name, l->ns < 0 ? RR_NS : l->rrtype, &x, time(NULL));
	if (!st->released) {
		if (l->ns < 0)
			got_ns(z, &x);
		else
			got_addr(z, l->ns, &x);
		zone_piece_done(z);
		st->pending--;
		kick(st);
	}
	rrs_clear(&x);
	unref(st);
}
static void on_query(void *arg, const struct dnsq_reply *r);

/* One channel (socket) per server address and stage. */
static struct dnsq_chan *chan_for(struct stage *st, const struct netaddr *a)
{
	for (size_t i = 0; i < st->nchan; i++)
		if (netaddr_equal(&st->chan[i].a, a))
			return st->chan[i].ch;
	if (st->nchan == AUTH_MAX_CHANNELS)
		return NULL;
	st->chan[st->nchan].ch = dnsq_chan_new(st->e->base, a, st->opts.port);
	if (!st->chan[st->nchan].ch)
		return NULL;
	st->chan[st->nchan].a = *a;
	return st->chan[st->nchan++].ch;
}

static struct query *send_query(struct stage *st, const struct netaddr *to, const char *qname,
				int qtype, bool edns, enum qkind kind)
{
	struct query *q;

	if (st->nqs >= AUTH_MAX_QUERIES) {
		note(st, "the query cap was reached");
		return NULL;
	}
	struct dnsq_chan *ch = chan_for(st, to);
	if (!ch)
		return NULL;
	q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	st->opts.edns = edns;
	q->st = st;
	q->kind = kind;
	q->q = dnsq_send_on(ch, qname, qtype, &st->opts, on_query, q);
	if (!q->q) {
		free(q);
		return NULL;
	}
	st->qs[st->nqs++] = q;
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
		struct query *q = send_query(st, &z->addr[k].a, host, RR_AAAA, true, Q_HOST_AAAA);
		if (!q)
			continue;
		q->host = host;
		snprintf(q->server, sizeof q->server, "%s %s", z->ns[z->addr[k].ns],
			 netaddr_format(&z->addr[k].a, a, sizeof a));
		sent++;
	}
}

/* Every name server address of zone z is known: send its queries. */
static void zone_servers_ready(struct zone *z)
{
	struct stage *st = z->st;

	if (z->dispatched || st->released)
		return;
	z->dispatched = true;
	struct auth_evidence *ae = st->ae;
	size_t rep = (size_t)st->e->cfg->authority_repeat;

	if (z->child) {
		size_t sent = 0;
		for (size_t k = 0; k < z->naddr && sent < MAX_REFERRAL_SERVERS; k++) {
			struct query *q = send_query(st, &z->addr[k].a, z->child->cur, RR_NS, false,
						     Q_REFERRAL);
			if (q) {
				q->z = z;
				z->pending++;
				sent++;
			}
		}
		if (!sent)
			parent_done(z);
		return;
	}
	if (z->naddr == 0) {
		if (z->idx == 0)
			note(st, "no name server has an address");
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
		if (ae->nsrv >= (size_t)st->e->cfg->authority_max_servers) {
			note(st, "more server addresses than authority_max_servers");
			break;
		}
		s = auth_evidence_add_server(ae, z->ns[z->addr[k].ns], &z->addr[k].a, rep);
		if (!s)
			break;
		si = ae->nsrv - 1;
		for (size_t i = 0; i < rep; i++) {
			struct query *q = send_query(st, &s->addr, st->domain, RR_MX, true, Q_MX_EDNS);
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
			zone_start(st, st->hosts[i], st->hosts[i], NULL);
	}
}

static struct query *send_query(struct stage *st, const struct netaddr *to, const char *qname,
				int qtype, bool edns, enum qkind kind);

/* Add NS names and glue (a parent's referral, or the zone's own NS
 * answer) to zone z; names without glue are resolved. */
static void merge_ref(struct zone *z, struct auth_referral *r);

static void merge_referral(struct zone *z, const char *want, const struct dnsq_reply *r)
{
	struct stage *st = z->st;
	struct auth_referral ref;

	if (z->dispatched || !dname_equal(want, z->cur))
		return;		/* too late, or about a name that proved no zone cut */

	if (auth_parse_referral(r->wire, r->len, z->cur, &ref) != 0) {
		log_info("authority: domain=%s unparseable referral for %s ignored", st->domain, z->cur);
		return;
	}
	merge_ref(z, &ref);
	if (!z->deferred || z->ns_asked || !z->found)
		return;
	/* iterative: the zone's own NS RRset straight from its servers (the
	 * glue, two at most; the first clean answer wins), instead of a
	 * libunbound lookup per domain; without glue, or if none answers
	 * cleanly, libunbound */
	z->ns_asked = true;
	for (size_t k = 0; k < z->naddr && z->child_ns_out < MAX_REFERRAL_SERVERS; k++) {
		struct query *q = send_query(st, &z->addr[k].a, z->cur, RR_NS, true, Q_CHILD_NS);
		if (!q)
			continue;
		q->z = z;
		z->pending++;
		z->child_ns_out++;
	}
	if (!z->child_ns_out)
		resolve(z, -1, RR_NS, z->cur);
}

/* A clean answer came: the other servers' answers are not waited for. */
static void cancel_child_ns(struct zone *z)
{
	struct stage *st = z->st;

	for (size_t i = 0; i < st->nqs; i++) {
		struct query *q = st->qs[i];
		if (q->kind != Q_CHILD_NS || q->z != z || !q->q)
			continue;
		dnsq_cancel(q->q);
		q->q = NULL;
		st->pending--;
		z->pending--;	/* the caller's piece keeps it above zero */
		z->child_ns_out--;
	}
}

/* The zone's own answer to "cur NS": merged if authoritative, clean and
 * about cur; otherwise libunbound asks. */
static void child_ns_answer(struct zone *z, const struct dnsq_reply *r)
{
	struct auth_referral ref;

	z->child_ns_out--;
	if (z->dispatched || z->child_ns_done)
		return;
	if (r->st == AQ_OK && r->len >= LDNS_HEADER_SIZE && LDNS_AA_WIRE(r->wire) &&
	    LDNS_RCODE_WIRE(r->wire) == 0 && !LDNS_TC_WIRE(r->wire) &&
	    auth_parse_referral(r->wire, r->len, z->cur, &ref) == 0) {
		if (ref.nns) {
			z->child_ns_done = true;
			merge_ref(z, &ref);
			cancel_child_ns(z);
			return;
		}
		auth_referral_clear(&ref);
	}
	if (z->child_ns_out == 0)
		resolve(z, -1, RR_NS, z->cur);	/* none answered cleanly */
}

static void merge_ref(struct zone *z, struct auth_referral *r)
{
	struct stage *st = z->st;
	struct auth_referral ref = *r;

	if (ref.nns && z->idx == 0 && !st->ae->zone)
		st->ae->zone = strdup(z->cur);
	if (ref.nns)
		z->found = true;	/* a delegation, even if the zone's own NS lookup hangs */
	/* sorted, for a stable choice under the cap */
	size_t order[AUTH_REF_MAX];
	for (size_t i = 0; i < ref.nns; i++) {
		size_t j = i;
		for (; j > 0 && strcmp(ref.ns[order[j - 1]], ref.ns[i]) > 0; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (size_t oi = 0; oi < ref.nns; oi++) {
		size_t i = order[oi], k, glued = 0;
		bool have4 = false, have6 = false;
		for (k = 0; k < z->nns && !dname_equal(z->ns[k], ref.ns[i]); k++)
			;
		bool known = k < z->nns;	/* from the other side, or asked before */
		if (!known) {
			if (z->nns >= AUTH_MAX_NS_NAMES) {
				note(st, "more NS names than the cap; the first ones (sorted) were asked");
				break;
			}
			z->ns[z->nns++] = ref.ns[i];
			ref.ns[i] = NULL;
		}
		for (size_t n = 0; n < z->naddr; n++)
			if (z->addr[n].ns == (int)k) {
				have4 |= z->addr[n].a.family == AF_INET;
				have6 |= z->addr[n].a.family == AF_INET6;
				glued++;
			}
		/* glue (or the zone's own additional records) adds what is new */
		for (size_t g = 0; g < ref.nglue; g++) {
			bool dup = false;
			if (ref.glue[g].ns != i || z->naddr >= MAX_ZONE_ADDRS ||
			    glued >= AUTH_MAX_ADDRS_PER_NAME)
				continue;
			for (size_t n = 0; n < z->naddr && !dup; n++)
				dup = z->addr[n].ns == (int)k && netaddr_equal(&z->addr[n].a, &ref.glue[g].a);
			if (dup)
				continue;
			have4 |= ref.glue[g].a.family == AF_INET;
			have6 |= ref.glue[g].a.family == AF_INET6;
			z->addr[z->naddr].ns = (int)k;
			z->addr[z->naddr++].a = ref.glue[g].a;
			glued++;
		}
		/* a new name: the family its glue lacks (parents often carry A
		 * glue only) is looked up, so IPv6 servers are probed too */
		if (!known) {
			if (!have4)
				resolve(z, (int)k, RR_A, z->ns[k]);
			if (!have6)
				resolve(z, (int)k, RR_AAAA, z->ns[k]);
		}
	}
	for (size_t i = 0; i < ref.nns; i++)
		free(ref.ns[i]);
}

/* An EDNS answer that shows EDNS works (whatever the rcode says about
 * the zone). */
static bool edns_works(const struct auth_answer *a)
{
	return a->st == AQ_OK && a->rcode != LDNS_RCODE_FORMERR_ && a->rcode != LDNS_RCODE_NOTIMPL_ &&
	       a->rcode != 16 /* BADVERS */ && !(a->rcode == 2 && !a->edns);
}

static void send_plain(struct stage *st, size_t si)
{
	struct auth_server *s = &st->ae->srv[si];
	struct query *q;

	if (si >= AUTH_MAX_SERVERS_HARD || st->plain_sent[si])
		return;
	st->plain_sent[si] = true;
	q = send_query(st, &s->addr, st->domain, RR_MX, false, Q_MX_PLAIN);
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
		bool ok = false;
		for (size_t k = 0; k < s->nans; k++)
			ok |= edns_works(&s->ans[k]);
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
			merge_referral(q->z->child, q->z->want, r);
		zone_piece_done(q->z);
	} else if (q->kind == Q_CHILD_NS) {
		child_ns_answer(q->z, r);
		zone_piece_done(q->z);
	} else if (q->kind == Q_HOST_AAAA) {
		struct netaddr v[16];
		int n = r->st == AQ_OK ? auth_parse_additional_a(r->wire, r->len, q->host, v, 16) : 0;
		if (n < 0)
			log_info("authority: domain=%s server=\"%s\" host=%s unparseable AAAA reply ignored",
				 st->domain, q->server, q->host);
		else if (n > 0)
			auth_evidence_add_additional(ae, q->host, q->server, v, (size_t)n);
	} else {
		struct auth_server *s = &ae->srv[q->srv];
		struct auth_answer *a = q->kind == Q_MX_PLAIN ? &s->plain : &s->ans[q->rep];
		if (r->st == AQ_OK) {
			auth_parse_answer(r->wire, r->len, st->domain, a);
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
		if (q->kind == Q_MX_EDNS && !edns_works(a))
			send_plain(st, q->srv);
	}
	if (ae->bytes > AUTH_MAX_BYTES) {
		note(st, "the byte cap was reached");
		event_active(st->done_ev, EV_TIMEOUT, 0);
		return;
	}
	kick(st);
}

/* Name server lookups may hang up to dns_timeout (a zone with many dead
 * servers): query the servers known so far rather than none. */
static void on_discovery_end(evutil_socket_t fd, short what, void *arg)
{
	struct stage *st = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < st->nzone && !st->released; i++) {
		struct zone *z = &st->zone[i];
		if (z->child && z->naddr > 0)
			zone_servers_ready(z);
		else if (!z->child && z->found)
			zone_servers_ready(z);
	}
}

void authority_stage_start(struct check *c)
{
	struct engine *e = check_engine(c);
	struct evidence *ev = check_evidence(c);
	struct stage *st = calloc(1, sizeof *st);
	long ms = e->cfg->authority_timeout * 1000L;
	struct timeval tv = { e->cfg->authority_timeout, 0 };

	if (!st)
		return;
	st->ae = calloc(1, sizeof *st->ae);
	st->done_ev = evtimer_new(e->base, on_done, st);
	if (!st->ae || !st->done_ev || evtimer_add(st->done_ev, &tv) != 0) {
		if (st->done_ev)
			event_free(st->done_ev);
		free(st->ae);
		free(st);
		return;
	}
	st->c = c;
	st->e = e;
	st->p = e->auth;
	st->p->stats.stages++;
	st->refs = 1;
	gettimeofday(&st->started, NULL);
	st->next = st->p->live;
	if (st->next)
		st->next->prev = st;
	st->p->live = st;
	snprintf(st->domain, sizeof st->domain, "%s", ev->domain);
	/* discovery gets 45% of the budget (on_discovery_end), then two
	 * tries of a quarter each */
	st->opts.port = AUTH_PORT;
	st->opts.tries = 2;
	st->opts.try_ms = ms / 4 < 250 ? 250 : ms / 4 > 1500 ? 1500 : ms / 4;
	st->opts.max_tcp = 65535;
	for (size_t i = 0; i < ev->nmx && st->nhosts < AUTH_MAX_HOSTS; i++) {
		bool dup = false;
		if (!ev->mx[i].looked_up ||
		    (ev->mx[i].a.status != DNS_ST_OK && ev->mx[i].a.status != DNS_ST_NODATA) ||
		    dname_is_ip_literal(ev->mx[i].target))
			continue;
		for (size_t k = 0; k < st->nhosts; k++)
			dup |= strcmp(st->hosts[k], ev->mx[i].target) == 0;
		if (!dup && (st->hosts[st->nhosts] = strdup(ev->mx[i].target)))
			st->nhosts++;
	}
	tv.tv_sec = ms * 45 / 100 / 1000;
	tv.tv_usec = ms * 45 / 100 % 1000 * 1000;
	st->disc_ev = evtimer_new(e->base, on_discovery_end, st);
	st->plain_ev = evtimer_new(e->base, on_plain_timer, st);
	if (st->disc_ev)
		evtimer_add(st->disc_ev, &tv);
	check_hold(c);
	/* iteratively: the parent's delegation first, then the zone's own NS
	 * RRset from its servers; libunbound finds the zone when the domain
	 * is no zone apex or anything is odd (parent_done, child_ns_answer) */
	struct zone *z0 = zone_new(st, st->domain, NULL, NULL);
	if (z0) {
		z0->deferred = true;
		parent_start(z0);
		if (z0->pending == 0 && !z0->ns_asked && !z0->found)
			ask_ns(z0);	/* a TLD, or the parent could not be asked */
	}
	kick(st);	/* nothing started: finish from the loop */
}
