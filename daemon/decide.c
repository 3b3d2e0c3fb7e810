/* decide: request -> domain -> cache / single-flight check -> answer. */
#include "daemon/decide.h"
#include "daemon/cache.h"
#include "engine/config.h"
#include "engine/dname.h"
#include "engine/engine.h"
#include "lib/log.h"
#include "engine/pipeline.h"
#include "daemon/risklog.h"
#include "daemon/risk_board.h"
#include "daemon/verdict_ring.h"
#include "engine/verdict.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#define MAX_REPLY 512		/* reply text bytes in an answer (SMTP line limit) */

/* The request attributes a decision line names, and how much of each a
 * waiter keeps for its line (enough for any real address or name). */
static const struct { enum policy_attr a; size_t max; } who_attrs[] = {
	{ PA_RECIPIENT, 320 }, { PA_SENDER, 320 }, { PA_CLIENT_ADDRESS, 64 },
	{ PA_CLIENT_NAME, 256 }, { PA_QUEUE_ID, 32 },
};
#define N_WHO (sizeof who_attrs / sizeof who_attrs[0])

struct waiter {
	struct waiter *next;
	struct decider *d;
	struct flight *f;
	struct event *timer;
	uint64_t conn_id;
	uint32_t seq;
	const char *v[PA__COUNT];	/* the who_attrs, in text[] */
	char text[];
};

struct domain_job;

struct decider {
	struct domain_job *jobs;	/* decide_domain callers waiting */
	struct engine *eng;
	const struct config *cfg;
	decide_answer_fn fn;
	void *arg;
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

struct decider *decider_new(struct engine *e, const struct config *cfg,
			    decide_answer_fn fn, void *arg)
{
	struct decider *d = calloc(1, sizeof *d);
	struct cache_params p = params_of(cfg);

	if (!d)
		return NULL;
	d->eng = e;
	d->cfg = cfg;
	d->fn = fn;
	d->arg = arg;
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

/* "action=TEXT\n\n" with TEXT cut at MAX_REPLY and CR/LF/NUL-free: a reply
 * carries the domain and config strings, and a newline would end the
 * answer early (the rest would be read as the next answer). */
static size_t put_action(char *out, const char *a, const char *b)
{
	size_t n = 0;

	memcpy(out, "action=", 7);
	n = 7;
	for (int k = 0; k < 2; k++)
		for (const char *p = k ? b : a; p && *p && n < 7 + MAX_REPLY; p++) {
			unsigned char c = (unsigned char)*p;
			out[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
		}
	out[n++] = '\n';
	out[n++] = '\n';
	out[n] = '\0';
	return n;
}

/* The answer for a verdict; reply is the expanded text (reject/defer). */
static size_t format_answer(struct decider *d, enum action v, const char *reply,
			    const char *domain, const uint8_t *codes, size_t ncodes,
			    char *out)
{
	char hdr[MAX_REPLY];
	size_t n;

	d->st.actions[v]++;
	verdict_ring_add(&d->ring, decider_now(), v);
	for (size_t i = 0; i < ncodes; i++)
		if (codes[i] < F__COUNT)
			d->st.codes[codes[i]]++;
	switch (v) {
	case ACT_REJECT:
	case ACT_DEFER:
		if (reply)
			return put_action(out, reply, NULL);
		return put_action(out, d->cfg->error_action, NULL);
	case ACT_ANNOTATE:
		/* one header per policy answer: the finding details go to the
		 * milter's X-Mxvet-Detail headers and to mxvet check */
		n = (size_t)snprintf(hdr, sizeof hdr, "PREPEND %s: annotate; domain=%s; findings=",
				     d->cfg->header_name, domain);
		for (size_t i = 0; i < ncodes && n < sizeof hdr; i++)
			n += (size_t)snprintf(hdr + n, sizeof hdr - n, "%s%s", i ? "," : "",
					      finding_info(codes[i])->name);
		if (!ncodes && n < sizeof hdr)
			snprintf(hdr + n, sizeof hdr - n, "none");
		return put_action(out, hdr, NULL);
	default:
		return put_action(out, "DUNNO", NULL);
	}
}

/* One decision line, as Postfix logs its own rejects, so that one
 * message can be followed with grep (queue id, client, recipient):
 *   QUEUEID: VERDICT: RCPT from NAME[ADDR]: from=<S> to=<R> domain=D
 *       findings=A,B reply="TEXT"
 * NOQUEUE without a queue id, unknown for a missing client name or
 * address. v: the request's attributes (policy_request.v). */
static void log_decision(const char *verdict, const char *const *v, const char *domain,
			 const uint8_t *codes, size_t ncodes, const char *reply, size_t rlen)
{
	char fl[256], qid[33], name[257], addr[65], from[321], to[321];
	size_t n = 0;

	if (log_get_level() < LOG_LVL_INFO)
		return;
	fl[0] = '\0';
	for (size_t i = 0; i < ncodes && n < sizeof fl; i++)
		n += (size_t)snprintf(fl + n, sizeof fl - n, "%s%s", i ? "," : "",
				      finding_info(codes[i])->name);
	log_info("%s: %s: RCPT from %s[%s]: from=<%s> to=<%s> domain=%s findings=%s reply=\"%.*s\"",
		 log_clean(v[PA_QUEUE_ID], "NOQUEUE", qid, sizeof qid), verdict,
		 log_clean(v[PA_CLIENT_NAME], "unknown", name, sizeof name),
		 log_clean(v[PA_CLIENT_ADDRESS], "unknown", addr, sizeof addr),
		 log_clean(v[PA_SENDER], "", from, sizeof from),
		 log_clean(v[PA_RECIPIENT], "", to, sizeof to), domain, n ? fl : "none",
		 (int)rlen, reply);
}

/* The same for an answer "action=TEXT\n\n" (the reply is TEXT). */
static void log_answer(enum action verdict, const char *const *v, const char *domain,
		       const uint8_t *codes, size_t ncodes, const char *answer)
{
	log_decision(verdict_name(verdict), v, domain, codes, ncodes, answer + 7,
		     strlen(answer) - 9);
}

/* Codes of the findings that act, each once, in finding order. */
static size_t acting_codes(const struct findings *fs, enum finding_code *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < fs->n && n < max; i++) {
		bool seen = false;
		if (fs->v[i].action == ACT_IGNORE)
			continue;
		for (size_t k = 0; k < n; k++)
			seen |= out[k] == fs->v[i].code;
		if (!seen)
			out[n++] = fs->v[i].code;
	}
	return n;
}

/* A waiter with its own copy of the request's who_attrs (the request's
 * strings live only until decide_request returns). One allocation. */
static struct waiter *waiter_new(const struct policy_request *req)
{
	size_t len[N_WHO], total = 0;
	struct waiter *w;
	char *p;

	for (size_t i = 0; i < N_WHO; i++) {
		const char *s = req->v[who_attrs[i].a];
		len[i] = s ? strnlen(s, who_attrs[i].max) : 0;
		total += s ? len[i] + 1 : 0;
	}
	if (!(w = calloc(1, sizeof *w + total)))
		return NULL;
	p = w->text;
	for (size_t i = 0; i < N_WHO; i++) {
		const char *s = req->v[who_attrs[i].a];
		if (!s)
			continue;
		memcpy(p, s, len[i]);
		p[len[i]] = '\0';
		w->v[who_attrs[i].a] = p;
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

static void answer_waiter(struct waiter *w, const char *ans, size_t len)
{
	struct decider *d = w->d;
	d->fn(d->arg, w->conn_id, w->seq, ans, len);
}

/* The check is done: cache the verdict, answer every waiter still there. */
static void deliver_domain_jobs(struct decider *d, const struct check_result *res,
				const enum finding_code *codes, size_t nc);

static void on_check_done(void *arg, const struct check_result *res)
{
	struct decider *d = arg;
	struct flight *f = flight_find(d->flights, res->domain);
	enum finding_code codes[CACHE_MAX_CODES];
	uint8_t c8[CACHE_MAX_CODES];
	size_t nc = acting_codes(res->findings, codes, CACHE_MAX_CODES);
	bool failed = res->error != NULL;
	char out[DECIDE_MAX_ANSWER];
	size_t len;
	int prev;

	deliver_domain_jobs(d, res, codes, nc);
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
		len = put_action(out, d->cfg->error_action, NULL);
	} else {
		if (cache_put(d->cache, res->domain, decider_now(), res->verdict, res->reply,
			      res->ttl, res->temporary, codes, nc, &prev) < 0)
			log_warn("domain=%s: out of memory, verdict not cached", res->domain);
		else
			risklog_change(d->risk, res->domain, prev, res->verdict, res->reply,
				       codes, nc);
		risk_board_note(d->board, res, time(NULL));
		len = format_answer(d, res->verdict, res->reply, res->domain, c8, nc, out);
	}
	if (!f)
		return;
	struct waiter *w = *flight_waiters(f);
	*flight_waiters(f) = NULL;
	flight_end(d->flights, f);
	while (w) {
		struct waiter *next = w->next;
		if (!failed && (res->verdict != ACT_IGNORE || d->cfg->log_accepts))
			log_answer(res->verdict, w->v, res->domain, c8, nc, out);
		answer_waiter(w, out, len);
		waiter_free(w);
		w = next;
	}
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg, **pp;
	struct decider *d = w->d;
	char out[DECIDE_MAX_ANSWER];
	size_t len;

	(void)fd;
	(void)what;
	for (pp = (struct waiter **)flight_waiters(w->f); *pp != w; pp = &(*pp)->next)
		;
	*pp = w->next;
	d->st.timeouts++;
	len = put_action(out, d->cfg->timeout_action, NULL);
	log_decision("timeout", w->v, flight_domain(w->f), NULL, 0, d->cfg->timeout_action,
		     strlen(d->cfg->timeout_action));
	answer_waiter(w, out, len);
	waiter_free(w);
}

/* Is the domain in skip_domains (the domain itself or a parent)? */
static bool skipped(const struct config *cfg, const char *domain)
{
	for (const char *p = domain; p; p = strchr(p, '.'), p = p ? p + 1 : NULL)
		if (cfg->skip_domains.n && strlist_contains(&cfg->skip_domains, p))
			return true;
	return false;
}

/* The flight for domain: the one in progress, or a new one with its
 * check started. NULL when out of memory or without an engine, or with
 * *refused set when max_checks_in_flight is reached (counted here).
 * Admission control: past the cap a new domain costs nothing but the
 * caller's answer, so a flood of slow domains cannot pile up work (a
 * domain already being checked is joined). */
static struct flight *flight_join(struct decider *d, const char *domain, bool *refused)
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
	if (!check_start(d->eng, domain, 0, on_check_done, d)) {
		flight_end(d->flights, f);
		return NULL;
	}
	return f;
}

size_t decide_request(struct decider *d, const struct policy_request *req,
		      uint64_t conn_id, uint32_t seq, char *out)
{
	const char *rcpt = req->v[PA_RECIPIENT], *at;
	char domain[DNAME_MAXLEN], err[128], reply[MAX_REPLY];
	struct cache_hit hit;
	struct flight *f;
	struct waiter *w;
	size_t rl;
	bool refused;

	d->st.requests++;
	if (!req->v[PA_REQUEST] || strcmp(req->v[PA_REQUEST], "smtpd_access_policy") != 0 ||
	    !req->v[PA_PROTOCOL_STATE] || strcasecmp(req->v[PA_PROTOCOL_STATE], "RCPT") != 0 ||
	    !rcpt || !(at = strrchr(rcpt, '@')) || !at[1])
		return put_action(out, "DUNNO", NULL);
	switch (dname_normalize(at + 1, domain, sizeof domain, err, sizeof err)) {
	case DNAME_OK:
		break;
	case DNAME_ADDRESS_LITERAL:
		return put_action(out, "DUNNO", NULL);
	default:
		log_warn("rcpt=<%.300s>: invalid recipient domain: %s", rcpt, err);
		return put_action(out, "DUNNO", NULL);
	}
	if (skipped(d->cfg, domain))
		return put_action(out, "DUNNO", NULL);
	if (cache_get(d->cache, domain, decider_now(), &hit)) {
		d->st.cache_hits++;
		if (hit.tmpl)
			cache_expand(hit.tmpl, domain, reply, sizeof reply);
		rl = format_answer(d, hit.verdict, hit.tmpl ? reply : NULL, domain,
				   hit.codes, hit.ncodes, out);
		if (hit.verdict != ACT_IGNORE || d->cfg->log_accepts)
			log_answer(hit.verdict, req->v, domain, hit.codes, hit.ncodes, out);
		return rl;
	}
	d->st.cache_misses++;
	if (!d->eng)
		goto error;
	if (!(w = waiter_new(req)))
		goto error;
	w->d = d;
	w->conn_id = conn_id;
	w->seq = seq;
	if (!(f = flight_join(d, domain, &refused))) {
		free(w);
		if (!refused)
			goto error;
		d->st.timeouts++;
		return put_action(out, d->cfg->timeout_action, NULL);
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
	return 0;
error:
	d->st.errors++;
	log_warn("rcpt=<%.300s>: cannot start a check (out of memory or no engine)", rcpt);
	return put_action(out, d->cfg->error_action, NULL);
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
	enum action verdict;
	bool has_reply;
	char reply[MAX_REPLY];
	size_t ncodes;
	enum finding_code codes[CACHE_MAX_CODES];
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
	struct decide_result r = { j->domain, j->verdict, j->has_reply ? j->reply : NULL,
				   j->codes, j->ncodes, true, NULL };

	(void)fd;
	(void)what;
	unlink_job(j->d, j);
	j->cb(j->arg, &r);
	job_free(j);
}

static void deliver_domain_jobs(struct decider *d, const struct check_result *res,
				const enum finding_code *codes, size_t nc)
{
	struct decide_result r = { res->domain, res->verdict, res->reply, codes, nc, false, res };
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
		d->st.cache_hits++;
		j->verdict = hit.verdict;
		if ((j->has_reply = hit.tmpl != NULL))
			cache_expand(hit.tmpl, domain, j->reply, sizeof j->reply);
		for (size_t i = 0; i < hit.ncodes && i < CACHE_MAX_CODES; i++)
			j->codes[j->ncodes++] = (enum finding_code)hit.codes[i];
		if (!(j->timer = evtimer_new(d->eng->base, on_cached_job, j)) ||
		    evtimer_add(j->timer, &now) < 0) {
			job_free(j);
			return -1;
		}
	} else {
		if (!fresh)
			d->st.cache_misses++;
		bool refused;
		if (!flight_join(d, domain, &refused)) {
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
