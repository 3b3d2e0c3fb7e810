/* auth_discovery: finding a zone's authoritative servers for the
 * authority stage (see auth_stage.h). The domain's own zone iteratively:
 * the parent's referral (delegation and glue), then the zone's own NS
 * RRset from its servers; MX hosts' zones, and anything unusual, through
 * libunbound, walking up from the name. Lookups go through the prober's
 * cache (auth_cache.h). */
#include "engine/auth_stage.h"
#include "engine/engine.h"
#include "lib/log.h"
#include "engine/resolver.h"

#include <event2/event.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unbound.h>

static void got_ns(struct zone *z, const struct rrs *x);
static void got_addr(struct zone *z, int ns, const struct rrs *x);
static void on_lookup(void *arg, enum dns_status dst, struct ub_result *r);
static void merge_ref(struct zone *z, struct auth_referral *r);

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
		auth_zone_piece_done(z);
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

struct zone *auth_zone_new(struct stage *st, const char *name, const char *host,
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
void auth_ask_ns(struct zone *z)
{
	z->ns_asked = true;
	resolve(z, -1, RR_NS, z->cur);
}

struct zone *auth_zone_start(struct stage *st, const char *name, const char *host,
			       struct zone *child)
{
	struct zone *z = auth_zone_new(st, name, host, child);

	if (z)
		auth_ask_ns(z);
	return z;
}

/* One piece of a zone's discovery ended: a lookup, or the parent's part. */
void auth_zone_piece_done(struct zone *z)
{
	if (--z->pending > 0)
		return;
	if (z->child && z->dispatched)
		auth_parent_done(z);		/* every referral query came back */
	else if (z->found)
		auth_zone_servers_ready(z);
}

/* The parent zone pz has said what it could about its child's delegation. */
void auth_parent_done(struct zone *pz)
{
	struct zone *c = pz->child;

	if (pz->finished)
		return;
	pz->finished = true;
	/* no delegation from the parent (the domain is no zone apex, the
	 * parent failed or said something odd): libunbound finds the zone,
	 * walking up, as for any other name */
	if (c->deferred && !c->ns_asked && !c->found)
		auth_ask_ns(c);
	auth_zone_piece_done(c);
}

/* The servers probed are the union of the parent's delegation and
 * the zone's own NS RRset; when every server of a zone is broken (or the
 * apex hides behind a CNAME) only the parent still names them. */
void auth_parent_start(struct zone *z)
{
	struct stage *st = z->st;
	const char *dot = strchr(z->cur, '.');

	if (!dot || !dot[1])
		return;
	z->pending++;	/* the parent's part; released by parent_done */
	struct zone *pz = auth_zone_start(st, dot + 1, NULL, z);
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
			auth_note(st, "more NS names than the cap; the first ones (sorted) were asked");
		z->found = true;
		if (z->idx == 0 && !st->ae->zone)
			st->ae->zone = strdup(z->cur);
		for (size_t i = first_new; i < z->nns; i++) {
			resolve(z, (int)i, RR_A, z->ns[i]);
			resolve(z, (int)i, RR_AAAA, z->ns[i]);
		}
		if (z->idx == 0 && z->steps > 0)
			auth_parent_start(z);	/* the first one asked about the domain itself */
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
		auth_parent_done(z);
	else if (z->idx == 0)
		auth_note(st, dst == DNS_ST_OK || dst == DNS_ST_NODATA || dst == DNS_ST_NXDOMAIN
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
		auth_zone_piece_done(z);
		st->pending--;
		auth_kick(st);
	}
	rrs_clear(&x);
	auth_unref(st);
}

void auth_merge_referral(struct zone *z, const char *want, const struct dnsq_reply *r)
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
		struct query *q = auth_send_query(st, &z->addr[k].a, z->cur, RR_NS, true, Q_CHILD_NS);
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
void auth_child_ns_answer(struct zone *z, const struct dnsq_reply *r)
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
				auth_note(st, "more NS names than the cap; the first ones (sorted) were asked");
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

/* Name server lookups may hang up to dns_timeout (a zone with many dead
 * servers): query the servers known so far rather than none. */
void auth_on_discovery_end(evutil_socket_t fd, short what, void *arg)
{
	struct stage *st = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < st->nzone && !st->released; i++) {
		struct zone *z = &st->zone[i];
		if (z->child && z->naddr > 0)
			auth_zone_servers_ready(z);
		else if (!z->child && z->found)
			auth_zone_servers_ready(z);
	}
}
