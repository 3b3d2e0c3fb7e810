/* pipeline: the per-domain check pipeline (see pipeline.h). All memory of a check is
 * freed in one place, check_free(), after the done callback. */
#include "engine/pipeline.h"
#include "engine/config.h"
#include "engine/detector.h"
#include "engine/dname.h"
#include "engine/engine.h"
#include "engine/history.h"
#include "engine/resolver.h"
#include "engine/stage.h"
#include "engine/verdict.h"
#include "lib/log.h"
#include "lib/metrics.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unbound.h>

enum phase { PH_MX, PH_HOSTS, PH_STAGES, PH_GUARD, PH_DONE };

struct check {
	struct engine *eng;
	const struct config *cfg;	/* a reference: the config current at the start */
	unsigned flags;
	enum phase phase;
	int pending;			/* holds: changed by check_hold/check_release only */
	unsigned long started_stages;	/* bit i: stage_table[i] started */
	struct evidence ev;
	struct findings findings;
	struct verdict verdict;
	struct timeval started;
	struct timeval stage_started[CHECK_STAGE__COUNT];
	int stage_pending[CHECK_STAGE__COUNT];
	bool stage_timed[CHECK_STAGE__COUNT];
	check_done_cb cb;
	void *arg;
};

/* A lookup in flight for one MX host: which host and which type. */
struct host_query {
	struct check *c;
	size_t mx_index;
	int rrtype;
};

static void advance(struct check *c);

struct evidence *check_evidence(struct check *c) { return &c->ev; }
const struct config *check_config(const struct check *c) { return c->cfg; }
void check_hold(struct check *c) { c->pending++; }

void check_release(struct check *c)
{
	if (--c->pending == 0)
		advance(c);
}

static const char *const stage_names[CHECK_STAGE__COUNT] = { "dns", "authority", "smtp" };

const char *check_stage_name(enum check_stage s) { return stage_names[s]; }

static double seconds_since(const struct timeval *t0)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	return (double)(now.tv_sec - t0->tv_sec) + (now.tv_usec - t0->tv_usec) / 1e6;
}

/* A stage's time, once per check. */
static void stage_timed(struct check *c, enum check_stage s)
{
	if (c->stage_timed[s])
		return;
	c->stage_timed[s] = true;
	metrics_observe(&c->eng->stats.stage_latency[s], seconds_since(&c->stage_started[s]));
}

void check_stage_hold(struct check *c, enum check_stage s)
{
	if (c->stage_pending[s]++ == 0 && !c->stage_timed[s])
		gettimeofday(&c->stage_started[s], NULL);
	check_hold(c);
}

void check_stage_release(struct check *c, enum check_stage s)
{
	if (--c->stage_pending[s] == 0)
		stage_timed(c, s);
	check_release(c);
}

/* Each finding code of the check once (the metrics count checks by code). */
static void count_findings(struct engine *e, const struct findings *fs)
{
	bool seen[F__COUNT] = { false };

	for (size_t i = 0; i < fs->n; i++)
		if ((unsigned)fs->v[i].code < F__COUNT && !seen[fs->v[i].code]) {
			seen[fs->v[i].code] = true;
			e->stats.findings[fs->v[i].code]++;
		}
}

static void check_free(struct check *c)
{
	evidence_clear(&c->ev);
	findings_clear(&c->findings);
	verdict_clear(&c->verdict);
	config_free(c->cfg);
	free(c);
}

static long ms_since(const struct timeval *t0)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	return (now.tv_sec - t0->tv_sec) * 1000L + (now.tv_usec - t0->tv_usec) / 1000;
}

/* The domain's history into the evidence (DOMAIN_DEAD reads it). */
static void history_load(struct check *c)
{
	struct history_rec r;

	if (!c->eng->hist || history_get(c->eng->hist, c->ev.domain, &r) != 0)
		return;
	c->ev.history.have = true;
	c->ev.history.first_failure = r.first_failure;
	c->ev.history.last_failure = r.last_failure;
	c->ev.history.last_success = r.last_success;
	c->ev.history.failures = r.failures;
	c->ev.history.failing_for = r.failing_for;
}

/* The outcome of a completed check into the history. */
static void history_store(struct check *c, const struct check_result *res)
{
	struct history *h = c->eng->hist;
	struct history_rec r;
	int found;

	if (!h || history_readonly(h))
		return;
	found = history_get(h, res->domain, &r);
	if (found < 0)
		return;
	enum history_outcome o = history_outcome(&c->ev, res->findings);
	/* most checks find a healthy domain: no record until it is at risk */
	if (found == 1 && res->verdict == ACT_IGNORE && o != HIST_FAIL)
		return;
	history_update(&r, found == 0, c->ev.now, o, (int)res->verdict, res->findings,
		       history_max_gap(c->cfg->dead_after));
	history_put(h, res->domain, &r);
}

static void finish(struct check *c)
{
	struct engine *e = c->eng;
	struct check_result res;

	for (size_t i = 0; stage_table[i]; i++)
		if ((c->started_stages & 1UL << i) && stage_table[i]->complete)
			stage_table[i]->complete(e->stage_state[i], c);
	history_load(c);
	e->detect->run(e->detect_state, &c->ev, c->cfg, &c->findings);
	verdict_decide(&c->ev, &c->findings, c->cfg, &c->verdict);
	memset(&res, 0, sizeof res);
	res.domain = c->ev.domain;
	res.ev = &c->ev;
	res.findings = &c->findings;
	res.verdict = c->verdict.action;
	res.reply = c->verdict.reply;
	res.ttl = c->verdict.ttl;
	res.temporary = c->verdict.temporary;
	res.error = c->verdict.error;
	res.elapsed_ms = ms_since(&c->started);
	if (!res.error)
		history_store(c, &res);
	e->stats.checks_done++;
	e->stats.checks_in_flight--;
	if (res.error) {
		e->stats.check_errors++;
	} else {
		e->stats.verdicts[c->verdict.action]++;
		count_findings(e, &c->findings);
	}
	metrics_observe(&e->stats.check_latency, seconds_since(&c->started));
	c->cb(c->arg, &res);
	check_free(c);
}

static void on_host_result(void *arg, enum dns_status st, struct ub_result *r)
{
	struct host_query *q = arg;
	struct check *c = q->c;
	struct ev_mx *m = &c->ev.mx[q->mx_index];

	if (resolver_fill_lookup(q->rrtype == RR_A ? &m->a : &m->aaaa, st, r) != 0)
		c->ev.internal_error = true;
	if (st == DNS_ST_OK && r) {
		size_t want = q->rrtype == RR_A ? 4 : 16;
		for (int i = 0; r->data[i]; i++) {
			struct netaddr a;
			if ((size_t)r->len[i] == want &&
			    netaddr_from_bytes(r->data[i], want, &a) == 0 && !ev_mx_add_addr(m, &a))
				c->ev.internal_error = true;
		}
	}
	free(q);
	check_release(c);
}

static void lookup_host(struct check *c, size_t idx, int rrtype)
{
	struct host_query *q = malloc(sizeof *q);

	if (!q) {
		c->ev.internal_error = true;	/* the address stays unknown */
		return;
	}
	q->c = c;
	q->mx_index = idx;
	q->rrtype = rrtype;
	check_hold(c);
	if (resolver_lookup(c->eng->res, c->ev.mx[idx].target, rrtype, on_host_result, q) != 0) {
		free(q);
		c->ev.internal_error = true;
		check_release(c);	/* never started; the caller holds the count above zero */
	}
}

/* Hosts worth resolving: real names, not the null MX root, not IP
 * literals (they would be looked up as names under a TLD of digits). */
static bool want_lookup(const char *target)
{
	return strcmp(target, ".") != 0 && !dname_is_ip_literal(target) &&
	       !strchr(target, '\\');
}

static int cmp_mx(const void *a, const void *b)
{
	const struct ev_mx *x = a, *y = b;
	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->target, y->target);
}

static void parse_mx(struct check *c, struct ub_result *r)
{
	for (int i = 0; r->data[i]; i++) {
		char name[DNAME_MAXLEN];
		const uint8_t *p = (const uint8_t *)r->data[i];
		size_t len = (size_t)r->len[i];

		c->ev.nmx_total++;
		if (len < 3 || dname_from_wire(p + 2, len - 2, name, sizeof name) < 0) {
			log_warn("check: domain=%s malformed MX rdata ignored", c->ev.domain);
			continue;
		}
		if (!evidence_add_mx(&c->ev, (uint16_t)(p[0] << 8 | p[1]), name))
			c->ev.internal_error = true;
	}
	if (c->ev.nmx > 1)	/* mx is NULL when the first one could not be added */
		qsort(c->ev.mx, c->ev.nmx, sizeof *c->ev.mx, cmp_mx);
	evidence_truncate_mx(&c->ev, EV_MX_MAX);
}

static void on_mx_result(void *arg, enum dns_status st, struct ub_result *r)
{
	struct check *c = arg;
	size_t looked = 0, max = (size_t)c->cfg->mx_max_hosts;

	if (resolver_fill_lookup(&c->ev.mx_lookup, st, r) != 0)
		c->ev.internal_error = true;
	/* the hold taken in start_cb keeps the count above zero until the
	 * release below, while host lookups start */
	c->phase = PH_HOSTS;
	if (st == DNS_ST_OK && r) {
		parse_mx(c, r);
		for (size_t i = 0; i < c->ev.nmx && looked < max; i++) {
			if (!want_lookup(c->ev.mx[i].target))
				continue;
			/* the same host under two preferences is looked up once */
			if (evidence_mx_first(&c->ev, i) != i)
				continue;
			c->ev.mx[i].looked_up = true;
			looked++;
			lookup_host(c, i, RR_A);
			lookup_host(c, i, RR_AAAA);
		}
	} else if (st == DNS_ST_NODATA) {
		/* RFC 5321 5.1: no MX means the domain's own address is the host */
		if (evidence_add_mx(&c->ev, 0, c->ev.domain)) {
			c->ev.implicit_mx = true;
			c->ev.mx[0].looked_up = true;
			lookup_host(c, 0, RR_A);
			lookup_host(c, 0, RR_AAAA);
		} else {
			c->ev.internal_error = true;
		}
	}
	check_release(c);
}

/* Copy the addresses of a host that appears twice to its later entries. */
static void share_duplicate_hosts(struct evidence *ev)
{
	for (size_t i = 0; i < ev->nmx; i++) {
		size_t k = evidence_mx_first(ev, i);

		if (ev->mx[i].looked_up || k == i || !ev->mx[k].looked_up)
			continue;
		if (dns_lookup_copy(&ev->mx[i].a, &ev->mx[k].a) != 0 ||
		    dns_lookup_copy(&ev->mx[i].aaaa, &ev->mx[k].aaaa) != 0)
			ev->internal_error = true;
		for (size_t j = 0; j < ev->mx[k].naddrs; j++)
			if (!ev_mx_add_addr(&ev->mx[i], &ev->mx[k].addrs[j].addr))
				ev->internal_error = true;
		ev->mx[i].looked_up = true;
	}
}

/* Whether the failed lookups are the domain's or the resolver's. */
static void on_reach(void *arg, enum dns_reach reach)
{
	struct check *c = arg;

	if (reach == DNS_REACH_BLIND)
		c->ev.resolver_blind = true;
	else if (reach != DNS_REACH_YES)
		c->ev.internal_error = true;
	check_release(c);
}

/* Every stage the check's config and flags turn on and its evidence
 * needs (the caller holds the check). */
static void start_stages(struct check *c)
{
	for (size_t i = 0; stage_table[i]; i++) {
		const struct stage_ops *s = stage_table[i];
		void *state = c->eng->stage_state ? c->eng->stage_state[i] : NULL;

		if (!state || (c->flags & s->skip_flag) ||
		    (s->family && !config_check_enabled(c->cfg, s->family)) ||
		    (s->wanted && !s->wanted(&c->ev)))
			continue;
		c->started_stages |= 1UL << i;
		s->start(state, c);
	}
}

static void advance(struct check *c)
{
	switch (c->phase) {
	case PH_MX:
		break;		/* on_mx_result moves on */
	case PH_HOSTS:
		stage_timed(c, CHECK_STAGE_DNS);
		share_duplicate_hosts(&c->ev);
		c->phase = PH_STAGES;
		check_hold(c);
		start_stages(c);
		check_release(c);
		break;
	case PH_STAGES:
		c->phase = PH_GUARD;
		if (evidence_dns_failed(&c->ev)) {
			check_hold(c);
			if (resolver_reach(c->eng->res, on_reach, c) != 0) {
				c->ev.internal_error = true;
				check_release(c);	/* on to PH_GUARD */
			}
			break;
		}
		/* fall through */
	case PH_GUARD:
		c->phase = PH_DONE;
		finish(c);
		break;
	case PH_DONE:
		break;
	}
}

static void start_cb(evutil_socket_t fd, short what, void *arg)
{
	struct check *c = arg;

	(void)fd;
	(void)what;
	check_hold(c);
	if (resolver_lookup(c->eng->res, c->ev.domain, RR_MX, on_mx_result, c) != 0) {
		/* out of memory: carry on with an error result */
		resolver_fill_lookup(&c->ev.mx_lookup, DNS_ST_ERROR, NULL);
		c->phase = PH_HOSTS;
		check_release(c);
	}
}

struct check *check_start(struct engine *e, const char *domain, unsigned flags,
			  check_done_cb cb, void *arg)
{
	struct check *c = calloc(1, sizeof *c);
	struct timeval zero = { 0, 0 };

	if (!c)
		return NULL;
	evidence_init(&c->ev, domain);
	if (!c->ev.domain) {
		free(c);
		return NULL;
	}
	c->eng = e;
	c->cfg = config_ref(e->cfg);
	c->flags = flags;
	c->cb = cb;
	c->arg = arg;
	c->phase = PH_MX;
	gettimeofday(&c->started, NULL);
	c->stage_started[CHECK_STAGE_DNS] = c->started;
	e->stats.checks_started++;
	e->stats.checks_in_flight++;
	/* start from the loop so that even a synchronous failure reaches the
	 * caller after check_start has returned */
	if (event_base_once(e->base, -1, EV_TIMEOUT, start_cb, c, &zero) != 0) {
		e->stats.checks_in_flight--;
		check_free(c);
		return NULL;
	}
	return c;
}
