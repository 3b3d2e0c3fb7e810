/* decide: recipient -> domain -> exemptions, cache / single-flight check
 * -> decision. */
#include "daemon/decide.h"
#include "daemon/cache.h"
#include "daemon/exempt.h"
#include "daemon/policy_answer.h"
#include "engine/config.h"
#include "engine/dname.h"
#include "engine/engine.h"
#include "lib/log.h"
#include "engine/pipeline.h"
#include "daemon/risklog.h"
#include "daemon/risk_board.h"
#include "daemon/verdict_ring.h"
#include "engine/verdict.h"
#include "engine/fleet.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#define MAX_REPLY DECISION_MAX_TEXT	/* reply text bytes (SMTP line limit) */

/* What a decision line names about the request, and how much of each a
 * waiter keeps for its line (enough for any real address or name). */
enum who { W_RCPT, W_SENDER, W_ADDR, W_NAME, W_QID, W__COUNT };
static const size_t who_max[W__COUNT] = { 320, 320, 64, 256, 32 };

struct waiter {
	struct waiter *next;
	struct decider *d;
	struct flight *f;
	struct event *timer;
	decide_answer_fn fn;
	void *arg;
	uint64_t id;
	uint32_t seq;
	const char *v[W__COUNT];	/* in text[] */
	char text[];
};

struct domain_job;

struct decider {
	struct domain_job *jobs;	/* decide_domain callers waiting */
	struct engine *eng;
	const struct config *cfg;
	struct cache *cache;
	struct flight_table *flights;
	struct risklog *risk;
	size_t waiting;
	bool refusing;			/* max_checks_in_flight reached */
	struct decide_stats st;
	struct verdict_ring ring;	/* st.actions over time */
	struct risk_board *board;	/* NULL when out of memory: not shown */
};

static struct cache_params params_of(const struct config *cfg)
{
	struct cache_params p = { cfg->cache_min_ttl, cfg->cache_max_ttl,
				  cfg->cache_temp_ttl, cfg->cache_max_entries };
	return p;
}

uint32_t decider_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)ts.tv_sec;
}

struct decider *decider_new(struct engine *e, const struct config *cfg)
{
	struct decider *d = calloc(1, sizeof *d);
	struct cache_params p = params_of(cfg);

	if (!d)
		return NULL;
	d->eng = e;
	d->cfg = cfg;
	d->cache = cache_new(&p);
	d->flights = flight_table_new();
	d->risk = risklog_open(cfg->risk_log);
	verdict_ring_init(&d->ring);
	d->board = risk_board_new(RISK_BOARD_MAX);
	if (!d->cache || !d->flights) {
		decider_free(d);
		return NULL;
	}
	return d;
}

static void free_domain_jobs(struct decider *d);

void decider_free(struct decider *d)
{
	if (!d)
		return;
	free_domain_jobs(d);
	cache_free(d->cache);
	flight_table_free(d->flights);
	risklog_close(d->risk);
	risk_board_free(d->board);
	free(d);
}

void decider_reconfigure(struct decider *d, struct engine *e, const struct config *cfg)
{
	struct cache_params p = params_of(cfg);

	d->eng = e;
	d->cfg = cfg;
	cache_set_params(d->cache, &p);
	risklog_close(d->risk);
	d->risk = risklog_open(cfg->risk_log);
}

size_t decider_waiting(const struct decider *d) { return d->waiting; }
const struct decide_stats *decider_stats(const struct decider *d) { return &d->st; }
size_t decider_cache_count(const struct decider *d) { return cache_count(d->cache); }
struct cache *decider_cache(struct decider *d) { return d->cache; }
uint64_t decider_cache_evictions(const struct decider *d) { return cache_evictions(d->cache); }
size_t decider_flights(const struct decider *d) { return flight_count(d->flights); }

/* The who of a query, as the decision line wants them. */
static void who_of(const struct decide_query *q, const char *v[W__COUNT])
{
	v[W_RCPT] = q->recipient;
	v[W_SENDER] = q->sender;
	v[W_ADDR] = q->client_address;
	v[W_NAME] = q->client_name;
	v[W_QID] = q->queue_id;
}

/* One decision line, as Postfix logs its own rejects, so that one
 * message can be followed with grep (queue id, client, recipient):
 *   QUEUEID: WHAT: RCPT from NAME[ADDR]: from=<S> to=<R> domain=D
 *       findings=A,B reply="TEXT"[ skip=KEY]
 * WHAT is the verdict (accept, annotate, defer, reject), "warn" for a
 * reject or defer that mode = warn only reported, "skip" for an
 * exempted request, "timeout". The reply is the policy service's answer
 * (a milter says the same). NOQUEUE without a queue id, unknown for a
 * missing client name or address. Accepts and skips only with
 * log_accepts. */
static void format_decision(const struct decider *d, const struct decision *dc,
			    const char *const *v)
{
	char fl[256], qid[33], name[257], addr[65], from[321], to[321], ans[POLICY_ANSWER_MAX];
	const char *what = dc->source == DEC_SKIP ? "skip" : dc->source == DEC_TIMEOUT ? "timeout"
			   : dc->warn ? "warn" : verdict_name(dc->verdict);
	size_t n = 0, alen;

	fl[0] = '\0';
	for (size_t i = 0; i < dc->ncodes && n < sizeof fl; i++)
		n += (size_t)snprintf(fl + n, sizeof fl - n, "%s%s", i ? "," : "",
				      finding_info(dc->codes[i])->name);
	alen = policy_answer(dc, d->cfg->header_name, ans);
	log_info("%s: %s: RCPT from %s[%s]: from=<%s> to=<%s> domain=%s findings=%s reply=\"%.*s\"%s%s",
		 log_clean(v[W_QID], "NOQUEUE", qid, sizeof qid), what,
		 log_clean(v[W_NAME], "unknown", name, sizeof name),
		 log_clean(v[W_ADDR], "unknown", addr, sizeof addr),
		 log_clean(v[W_SENDER], "", from, sizeof from),
		 log_clean(v[W_RCPT], "", to, sizeof to), dc->domain, n ? fl : "none",
		 (int)(alen - 9), ans + 7, dc->skip ? " skip=" : "", dc->skip ? dc->skip : "");
}

/* Is dc logged? Apart from the formatting, which the hot path (a cached
 * accept without log_accepts) must not pay for. */
static bool logged(const struct decider *d, const struct decision *dc)
{
	if (dc->source == DEC_PASS || dc->source == DEC_ERROR || log_get_level() < LOG_LVL_INFO)
		return false;
	return dc->source == DEC_TIMEOUT || d->cfg->log_accepts ||
	       (dc->source == DEC_VERDICT && dc->verdict != ACT_IGNORE);
}

static void log_decision(const struct decider *d, const struct decision *dc,
			 const char *const *v)
{
	if (logged(d, dc))
		format_decision(d, dc, v);
}

/* A configured action as the decision (timeout_action, error_action). */
static void action_decision(struct decision *dc, enum decision_source src, const char *domain,
			    const char *action)
{
	decision_init(dc, src, domain);
	decision_set_action(dc, src, action);
}

/* A verdict as the decision: reply is the expanded reply text (defer,
 * reject), codes the acting findings. mode = warn marks a reject or
 * defer. A reject or defer without a usable reply is mxvet's own fault:
 * error_action. */
static void verdict_decision(struct decider *d, struct decision *dc, const char *domain,
			     enum action v, const char *reply, const uint8_t *codes, size_t nc)
{
	decision_init(dc, DEC_VERDICT, domain);
	dc->verdict = v;
	for (size_t i = 0; i < nc && i < DECISION_MAX_CODES; i++)
		dc->codes[dc->ncodes++] = (enum finding_code)codes[i];
	if (v == ACT_REJECT || v == ACT_DEFER) {
		if (!reply || !decision_set_reply(dc, reply)) {
			action_decision(dc, DEC_ERROR, domain, d->cfg->error_action);
			return;
		}
		dc->warn = d->cfg->warn;
	}
}

/* A verdict answered (the metrics count verdicts, and warnings apart). */
static void count_verdict(struct decider *d, const struct decision *dc)
{
	if (dc->source != DEC_VERDICT)
		return;
	d->st.actions[dc->verdict]++;
	verdict_ring_add(&d->ring, decider_now(), dc->verdict);
	d->st.warned += dc->warn;
	for (size_t i = 0; i < dc->ncodes; i++)
		if (dc->codes[i] < F__COUNT)
			d->st.codes[dc->codes[i]]++;
}

/* A waiter with its own copy of the query's who (its strings live only
 * until decide_request returns). One allocation. */
static struct waiter *waiter_new(const struct decide_query *q)
{
	const char *v[W__COUNT];
	size_t len[W__COUNT], total = 0;
	struct waiter *w;
	char *p;

	who_of(q, v);
	for (size_t i = 0; i < W__COUNT; i++) {
		len[i] = v[i] ? strnlen(v[i], who_max[i]) : 0;
		total += v[i] ? len[i] + 1 : 0;
	}
	if (!(w = calloc(1, sizeof *w + total)))
		return NULL;
	p = w->text;
	for (size_t i = 0; i < W__COUNT; i++) {
		if (!v[i])
			continue;
		memcpy(p, v[i], len[i]);
		p[len[i]] = '\0';
		w->v[i] = p;
		p += len[i] + 1;
	}
	return w;
}

static void waiter_free(struct waiter *w)
{
	if (w->timer)
		event_free(w->timer);
	w->d->waiting--;
	free(w);
}

static void answer_waiter(struct waiter *w, const struct decision *dc)
{
	w->fn(w->arg, w->id, w->seq, dc);
}

/* The check is done: cache the verdict, answer every waiter still there. */
static void deliver_domain_jobs(struct decider *d, const struct check_result *res,
				const struct decision *dc);

static void on_check_done(void *arg, const struct check_result *res)
{
	struct decider *d = arg;
	struct flight *f = flight_find(d->flights, res->domain);
	enum finding_code codes[CACHE_MAX_CODES];
	uint8_t c8[CACHE_MAX_CODES];
	size_t nc = findings_codes(res->findings, true, codes, CACHE_MAX_CODES);
	bool failed = res->error != NULL;
	struct decision dc;
	int prev;

	for (size_t i = 0; i < nc; i++)
		c8[i] = (uint8_t)codes[i];
	if (failed) {
		/* mxvet's own failure is no fact about the domain: not cached.
		 * A blind resolver was logged once when it went blind. */
		d->st.errors++;
		if (res->ev->resolver_blind)
			log_info("domain=%s: no verdict (resolver blind), answering error_action",
				 res->domain);
		else
			log_warn("domain=%s: no verdict (%s), answering error_action", res->domain,
				 res->error);
		action_decision(&dc, DEC_ERROR, res->domain, d->cfg->error_action);
	} else {
		if (cache_put(d->cache, res->domain, decider_now(), res->verdict, res->reply,
			      res->ttl, res->temporary, codes, nc, &prev) < 0)
			log_warn("domain=%s: out of memory, verdict not cached", res->domain);
		else
			risklog_change(d->risk, res->domain, prev, res->verdict, res->reply,
				       codes, nc);
		risk_board_note(d->board, res, time(NULL));
		verdict_decision(d, &dc, res->domain, res->verdict, res->reply, c8, nc);
		count_verdict(d, &dc);
	}
	deliver_domain_jobs(d, res, &dc);
	if (!f)
		return;
	struct waiter *w = *flight_waiters(f);
	*flight_waiters(f) = NULL;
	flight_end(d->flights, f);
	while (w) {
		struct waiter *next = w->next;
		log_decision(d, &dc, w->v);
		answer_waiter(w, &dc);
		waiter_free(w);
		w = next;
	}
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg, **pp;
	struct decider *d = w->d;
	struct decision dc;

	(void)fd;
	(void)what;
	for (pp = (struct waiter **)flight_waiters(w->f); *pp != w; pp = &(*pp)->next)
		;
	*pp = w->next;
	d->st.timeouts++;
	action_decision(&dc, DEC_TIMEOUT, flight_domain(w->f), d->cfg->timeout_action);
	log_decision(d, &dc, w->v);
	answer_waiter(w, &dc);
	waiter_free(w);
}

/* The flight for domain: the one in progress, or a new one with its
 * check started. NULL when out of memory or without an engine, or with
 * *refused set when max_checks_in_flight is reached (counted here).
 * Admission control: past the cap a new domain costs nothing but the
 * caller's answer, so a flood of slow domains cannot pile up work (a
 * domain already being checked is joined). fresh: not from the fleet's
 * verdicts either; flags: check_flags for a new check. */
static struct flight *flight_join(struct decider *d, const char *domain, bool fresh,
				  unsigned flags, bool *refused)
{
	struct flight *f = flight_find(d->flights, domain);

	*refused = false;
	if (f)
		return f;
	if (!d->eng)
		return NULL;
	if (d->eng->stats.checks_in_flight >= (uint64_t)d->cfg->max_checks_in_flight) {
		d->st.refused++;
		if (!d->refusing)	/* once per episode, not per request */
			log_warn("max_checks_in_flight=%ld reached: new domains get "
				 "timeout_action \"%s\" without a check", d->cfg->max_checks_in_flight,
				 d->cfg->timeout_action);
		d->refusing = true;
		*refused = true;
		return NULL;
	}
	if (d->refusing)
		log_info("checks in flight below max_checks_in_flight again: new domains "
			 "are checked");
	d->refusing = false;
	if (!(f = flight_begin(d->flights, domain)))
		return NULL;
	d->st.checks++;
	if (fleet_check(d->eng, domain, flags, fresh, on_check_done, d) < 0) {
		flight_end(d->flights, f);
		return NULL;
	}
	return f;
}

bool decide_request(struct decider *d, const struct decide_query *q, decide_answer_fn fn,
		    void *arg, uint64_t id, uint32_t seq, struct decision *out)
{
	const char *rcpt = q->recipient, *at, *skip, *v[W__COUNT];
	char domain[DNAME_MAXLEN], err[128], reply[MAX_REPLY];
	struct cache_hit hit;
	struct flight *f;
	struct waiter *w;
	bool refused;

	d->st.requests++;
	decision_init(out, DEC_PASS, NULL);
	if (!rcpt || !(at = strrchr(rcpt, '@')) || !at[1])
		return true;
	switch (dname_normalize(at + 1, domain, sizeof domain, err, sizeof err)) {
	case DNAME_OK:
		break;
	case DNAME_ADDRESS_LITERAL:
		return true;
	default:
		log_warn("rcpt=<%.300s>: invalid recipient domain: %s", rcpt, err);
		return true;
	}
	if ((skip = exempt_match(d->cfg, q->client_address, q->sender, q->sasl_username, domain))) {
		d->st.skipped++;
		decision_init(out, DEC_SKIP, domain);
		out->skip = skip;
		who_of(q, v);
		log_decision(d, out, v);
		return true;
	}
	if (cache_get(d->cache, domain, decider_now(), &hit)) {
		d->st.cache_hits++;
		if (hit.tmpl)
			cache_expand(hit.tmpl, domain, reply, sizeof reply);
		verdict_decision(d, out, domain, hit.verdict, hit.tmpl ? reply : NULL, hit.codes,
				 hit.ncodes);
		out->cached = true;
		count_verdict(d, out);
		who_of(q, v);
		log_decision(d, out, v);
		return true;
	}
	d->st.cache_misses++;
	if (!d->eng)
		goto error;
	if (!(w = waiter_new(q)))
		goto error;
	w->d = d;
	w->fn = fn;
	w->arg = arg;
	w->id = id;
	w->seq = seq;
	if (!(f = flight_join(d, domain, false, 0, &refused))) {
		free(w);
		if (!refused)
			goto error;
		d->st.timeouts++;
		action_decision(out, DEC_TIMEOUT, domain, d->cfg->timeout_action);
		return true;
	}
	w->f = f;
	w->timer = evtimer_new(d->eng->base, on_timeout, w);
	if (w->timer) {
		struct timeval tv = { d->cfg->decision_timeout, 0 };
		evtimer_add(w->timer, &tv);
	}
	/* no timer (out of memory): the check's own bounded time still ends it */
	w->next = *flight_waiters(f);
	*flight_waiters(f) = w;
	d->waiting++;
	return false;
error:
	d->st.errors++;
	log_warn("rcpt=<%.300s>: cannot start a check (out of memory or no engine)", rcpt);
	action_decision(out, DEC_ERROR, domain, d->cfg->error_action);
	return true;
}

/* ---- decide_domain: one domain for the admin API ----
 * A job waits either for the check of its domain (timer NULL: the single
 * flight guarantees one check per domain at a time, so the next result
 * for that name is its result) or for its zero-delay timer (a cached
 * verdict, copied into the job). */

struct domain_job {
	struct domain_job *next;
	struct decider *d;
	decide_domain_fn cb;
	void *arg;
	struct event *timer;
	struct decision dc;		/* a cached verdict */
	char domain[DNAME_MAXLEN];
};

static void unlink_job(struct decider *d, struct domain_job *j)
{
	struct domain_job **pp;

	for (pp = &d->jobs; *pp && *pp != j; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = j->next;
}

static void job_free(struct domain_job *j)
{
	if (j->timer)
		event_free(j->timer);
	free(j);
}

static void on_cached_job(evutil_socket_t fd, short what, void *arg)
{
	struct domain_job *j = arg;
	struct decide_result r = { &j->dc, NULL };

	(void)fd;
	(void)what;
	unlink_job(j->d, j);
	j->cb(j->arg, &r);
	job_free(j);
}

static void deliver_domain_jobs(struct decider *d, const struct check_result *res,
				const struct decision *dc)
{
	struct decide_result r = { dc, res };
	struct domain_job **pp = &d->jobs, *j;

	while ((j = *pp)) {
		if (j->timer || strcmp(j->domain, res->domain) != 0) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		j->cb(j->arg, &r);
		job_free(j);
	}
}

static void free_domain_jobs(struct decider *d)
{
	struct domain_job *j;

	while ((j = d->jobs)) {
		d->jobs = j->next;
		j->cb(j->arg, NULL);
		job_free(j);
	}
}

int decide_domain(struct decider *d, const char *domain, bool fresh,
		  decide_domain_fn cb, void *arg)
{
	struct domain_job *j;
	struct cache_hit hit;

	if (!d->eng || strlen(domain) >= DNAME_MAXLEN || !(j = calloc(1, sizeof *j)))
		return -1;
	j->d = d;
	j->cb = cb;
	j->arg = arg;
	strcpy(j->domain, domain);
	if (!fresh && cache_get(d->cache, domain, decider_now(), &hit)) {
		struct timeval now = { 0, 0 };
		char reply[MAX_REPLY];
		d->st.cache_hits++;
		if (hit.tmpl)
			cache_expand(hit.tmpl, domain, reply, sizeof reply);
		verdict_decision(d, &j->dc, domain, hit.verdict, hit.tmpl ? reply : NULL, hit.codes,
				 hit.ncodes);
		j->dc.cached = true;
		if (!(j->timer = evtimer_new(d->eng->base, on_cached_job, j)) ||
		    evtimer_add(j->timer, &now) < 0) {
			job_free(j);
			return -1;
		}
	} else {
		if (!fresh)
			d->st.cache_misses++;
		bool refused;
		/* someone reads this one: a verdict from the fleet brings the
		 * evidence of the host that checked */
		if (!flight_join(d, domain, fresh, CHECK_WANT_REPORT, &refused)) {
			job_free(j);
			return -1;
		}
	}
	j->next = d->jobs;
	d->jobs = j;
	return 0;
}

void decider_reopen_logs(struct decider *d)
{
	risklog_reopen(d->risk);
}

const struct verdict_ring *decider_ring(const struct decider *d) { return &d->ring; }
const struct risk_board *decider_board(const struct decider *d) { return d->board; }

void decider_board_fill(struct decider *d, const char *domain, const char *json)
{
	risk_board_fill(d->board, domain, json_loads(json, 0, NULL));
}
