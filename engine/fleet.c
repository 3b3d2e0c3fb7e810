/* fleet: verdicts, probe results and history shared through Redis (see
 * fleet.h). An operation ("op") pipelines its commands, collects the
 * replies (they come in order) and decides when the last one is in. */
#include "engine/fleet.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/evidence.h"
#include "engine/fleet_codec.h"
#include "engine/fleet_lease.h"
#include "engine/history.h"
#include "engine/redis_conn.h"
#include "engine/redis_url.h"
#include "engine/report.h"
#include "lib/exit_codes.h"
#include "lib/log.h"
#include "lib/monotime.h"

#include <hiredis/hiredis.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_MAX 600
#define TOKEN_LEN 32

/* Store a value (unless its TTL is 0) and release the lock if it is
 * still ours, in one step. KEYS: value, lock. ARGV: value, ttl, token. */
static const char store_script[] =
	"if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end "
	"if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end "
	"return 1";

enum op_kind { OP_VERDICT, OP_PROBE };

struct op {
	struct op *next, *prev;		/* the fleet's ops */
	struct fleet *f;
	enum op_kind kind;
	const void *owner;		/* probe ops: the prober */
	char key[KEY_MAX], hkey[KEY_MAX], lkey[KEY_MAX], ekey[KEY_MAX];
	int pending;			/* replies still to come */
	bool failed;			/* a command failed: Redis unusable */
	bool have_value, have_hist;
	int locked;			/* 1: SET NX took the lock */
	char value[FLEET_VALUE_MAX];
	size_t vlen;
	struct history_rec hist;
	long wait_until_ms, poll_ms;
	struct event *timer;
	bool cancelled;
	/* verdict ops */
	char domain[256];
	unsigned flags;
	char *report;			/* GET ekey (CHECK_WANT_REPORT), owned */
	check_done_cb cb;
	void *cb_arg;
	/* probe ops */
	fleet_probe_fn pfn;
	void *parg;
};

struct fleet {
	struct engine *eng;
	struct redis_conn *rc;
	char prefix[128];
	char token[TOKEN_LEN + 1];
	struct op *ops;
	struct fleet_leases *leases;
	bool closing;
	struct fleet_stats st;
};

static const struct config *cfg_of(const struct fleet *f) { return f->eng->cfg; }

/* ---- ops ---- */

static void on_poll(evutil_socket_t fd, short what, void *arg);

static struct op *op_new(struct fleet *f, enum op_kind kind)
{
	struct op *o = calloc(1, sizeof *o);

	if (!o)
		return NULL;
	if (!(o->timer = evtimer_new(f->eng->base, on_poll, o))) {
		free(o);
		return NULL;
	}
	o->f = f;
	o->kind = kind;
	o->poll_ms = FLEET_POLL_MIN_MS;
	o->next = f->ops;
	if (f->ops)
		f->ops->prev = o;
	f->ops = o;
	return o;
}

static void op_free(struct op *o)
{
	struct fleet *f = o->f;

	if (o->prev)
		o->prev->next = o->next;
	else
		f->ops = o->next;
	if (o->next)
		o->next->prev = o->prev;
	event_free(o->timer);
	free(o->report);
	free(o);
}

static void op_decide(struct op *o);

/* Every reply of an op comes here; the op decides with the last one. */
static void op_reply_done(struct op *o)
{
	if (--o->pending > 0)
		return;
	if (o->cancelled || o->f->closing) {
		op_free(o);
		return;
	}
	op_decide(o);
}

static void on_get(void *arg, const redisReply *r)
{
	struct op *o = arg;

	if (!r || r->type == REDIS_REPLY_ERROR)
		o->failed = true;
	else if (r->type == REDIS_REPLY_STRING && (size_t)r->len < sizeof o->value) {
		memcpy(o->value, r->str, (size_t)r->len);
		o->vlen = (size_t)r->len;
		o->have_value = true;
	}
	op_reply_done(o);
}

static void on_get_hist(void *arg, const redisReply *r)
{
	struct op *o = arg;

	if (!r || r->type == REDIS_REPLY_ERROR)
		o->failed = true;
	else if (r->type == REDIS_REPLY_STRING &&
		 history_rec_decode(r->str, (size_t)r->len, &o->hist) == 0)
		o->have_hist = true;
	op_reply_done(o);
}

/* A string reply as a C string (malloc'd), or NULL: no string, no memory. */
static char *reply_strdup(const redisReply *r)
{
	char *s;

	if (!r || r->type != REDIS_REPLY_STRING || !(s = malloc((size_t)r->len + 1)))
		return NULL;
	memcpy(s, r->str, (size_t)r->len);
	s[r->len] = '\0';
	return s;
}

static void on_get_report(void *arg, const redisReply *r)
{
	struct op *o = arg;

	free(o->report);
	o->report = reply_strdup(r);
	if (!r || r->type == REDIS_REPLY_ERROR)
		o->failed = true;
	op_reply_done(o);
}

static void on_lock(void *arg, const redisReply *r)
{
	struct op *o = arg;

	if (!r || r->type == REDIS_REPLY_ERROR)
		o->failed = true;
	else
		o->locked = r->type == REDIS_REPLY_STATUS;	/* "OK"; nil: taken */
	op_reply_done(o);
}

static int cmd(struct op *o, redis_reply_fn fn, int argc, const char **argv,
	       const size_t *len)
{
	if (redis_conn_cmd(o->f->rc, fn, o, argc, argv, len) < 0) {
		o->failed = true;
		return -1;
	}
	o->pending++;
	return 0;
}

/* SET lock NX PX, GET value [GET history]: one round trip. The lock
 * first: a result stored (and its lock released) by another host between
 * our two commands is then seen by the GET, not missed while the lock
 * looks free. 0 when at least one command went out (the op decides with
 * the last reply), -1 when none did. */
static int op_send(struct op *o, long lock_ms)
{
	char px[24];
	const char *get[] = { "GET", o->key };
	size_t getl[] = { 3, strlen(o->key) };
	const char *geth[] = { "GET", o->hkey };
	size_t gethl[] = { 3, strlen(o->hkey) };
	const char *gete[] = { "GET", o->ekey };
	size_t getel[] = { 3, strlen(o->ekey) };
	const char *set[] = { "SET", o->lkey, o->f->token, "NX", "PX", px };
	size_t setl[] = { 3, strlen(o->lkey), TOKEN_LEN, 2, 2, 0 };

	snprintf(px, sizeof px, "%ld", lock_ms);
	setl[5] = strlen(px);
	o->failed = o->have_value = o->have_hist = false;
	o->locked = 0;
	o->pending = 1;		/* held while sending: no decision midway */
	if (cmd(o, on_lock, 6, set, setl) == 0) {
		cmd(o, on_get, 2, get, getl);
		if (o->hkey[0])
			cmd(o, on_get_hist, 2, geth, gethl);
		if (o->flags & CHECK_WANT_REPORT)	/* read only for the admin API */
			cmd(o, on_get_report, 2, gete, getel);
	}
	if (o->pending == 1) {
		o->pending = 0;
		return -1;
	}
	o->pending--;
	return 0;
}

/* Store value under key with ttl_s (0: store nothing) and release lkey if
 * it is still ours. Fire and forget: a failure only costs the fleet a
 * chance to reuse the work. */
static void store(struct fleet *f, const char *key, const char *lkey, const char *value,
		  size_t vlen, long ttl_s)
{
	char ttl[24];
	const char *argv[] = { "EVAL", store_script, "2", key, lkey, value, ttl, f->token };
	size_t len[] = { 4, sizeof store_script - 1, 1, strlen(key), strlen(lkey), vlen, 0,
			 TOKEN_LEN };

	snprintf(ttl, sizeof ttl, "%ld", ttl_s > 0 ? ttl_s : 0);
	len[6] = strlen(ttl);
	redis_conn_cmd(f->rc, redis_conn_ignore, NULL, 8, argv, len);
}

static void key_of(const struct fleet *f, char *buf, const char *tag, const char *name)
{
	snprintf(buf, KEY_MAX, "%s%s:%s", f->prefix, tag, name);
}

/* ---- verdicts ---- */

static uint32_t verdict_ttl(const struct config *cfg, uint32_t ttl, bool temporary)
{
	/* the local cache's rule (cache_ttl), so both tiers keep it as long */
	if (temporary)
		return (uint32_t)cfg->cache_temp_ttl;
	if (ttl < (uint32_t)cfg->cache_min_ttl)
		return (uint32_t)cfg->cache_min_ttl;
	if (ttl > (uint32_t)cfg->cache_max_ttl)
		return (uint32_t)cfg->cache_max_ttl;
	return ttl;
}

/* How long a lock may stand for one check: both lookup rounds and the
 * longer of the authority and SMTP stages. */
static long check_lock_ms(const struct config *cfg)
{
	long stages = cfg->authority_timeout;
	long smtp = cfg->smtp_connect_timeout + cfg->smtp_banner_timeout;

	return (2 * cfg->dns_timeout + (smtp > stages ? smtp : stages) + 1) * 1000L;
}

static long probe_lock_ms(const struct config *cfg)
{
	return (cfg->smtp_connect_timeout + cfg->smtp_banner_timeout + 1) * 1000L;
}

/* A result without a check: from Redis, or mxvet's own failure. */
static void deliver_result(struct op *o, const struct fleet_verdict *v, const char *error)
{
	struct evidence ev;
	struct findings fs = { 0 };
	struct check_result res = { 0 };

	evidence_init(&ev, o->domain);
	if (v)
		for (size_t i = 0; i < v->ncodes; i++) {
			findings_add(&fs, v->codes[i], finding_info(v->codes[i])->cls, NULL, NULL,
				     NULL, "%s", "verdict of another host of the fleet");
			if (fs.n)
				fs.v[fs.n - 1].action = v->actions[i];
		}
	res.domain = ev.domain ? ev.domain : o->domain;
	res.ev = &ev;
	res.findings = &fs;
	res.from_fleet = v != NULL;
	res.fleet_report = v ? o->report : NULL;
	if (v) {
		time_t left = v->expires - time(NULL);
		res.verdict = v->verdict;
		res.reply = v->reply[0] ? v->reply : NULL;
		res.ttl = left > 0 ? (uint32_t)left : 1;
		res.temporary = v->temporary;
	} else {
		res.verdict = ACT_IGNORE;
		res.error = error;
	}
	o->cb(o->cb_arg, &res);
	findings_clear(&fs);
	evidence_clear(&ev);
}

/* The report of our check (the JSON of `mxvet check --json`) for the
 * admin API of the other hosts, beside the verdict and as long; one too
 * large is not kept (nor an older one left standing). */
static void store_report(struct fleet *f, const struct op *o, const struct check_result *res,
			 long ttl)
{
	json_t *j = report_json(res, o->domain);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	char ex[24];
	size_t sl = s ? strlen(s) : 0;

	json_decref(j);
	snprintf(ex, sizeof ex, "%ld", ttl);
	if (s && sl <= FLEET_REPORT_MAX) {
		const char *argv[] = { "SET", o->ekey, s, "EX", ex };
		size_t len[] = { 3, strlen(o->ekey), sl, 2, strlen(ex) };
		if (redis_conn_cmd(f->rc, redis_conn_ignore, NULL, 5, argv, len) == 0)
			f->st.report_writes++;
	} else {
		const char *argv[] = { "DEL", o->ekey };
		size_t len[] = { 3, strlen(o->ekey) };
		redis_conn_cmd(f->rc, redis_conn_ignore, NULL, 2, argv, len);
	}
	free(s);
}

static void on_own_done(void *arg, const struct check_result *res)
{
	struct op *o = arg;
	struct fleet *f = o->f;
	const struct config *cfg = cfg_of(f);
	char val[FLEET_VALUE_MAX] = "";
	size_t n = 0;
	long ttl = 0;

	if (!res->error && !f->closing) {
		struct fleet_verdict v = { 0 };
		v.verdict = res->verdict;
		v.temporary = res->temporary;
		v.ttl = res->ttl;
		ttl = verdict_ttl(cfg, res->ttl, res->temporary);
		v.expires = time(NULL) + ttl;
		for (size_t i = 0; i < res->findings->n && v.ncodes < FLEET_MAX_CODES; i++) {
			const struct finding *fd = &res->findings->v[i];
			bool seen = false;
			if (fd->action == ACT_IGNORE)
				continue;
			for (size_t k = 0; k < v.ncodes; k++)
				seen |= v.codes[k] == fd->code;
			if (seen)
				continue;
			v.codes[v.ncodes] = fd->code;
			v.actions[v.ncodes++] = fd->action;
		}
		if (res->reply)
			snprintf(v.reply, sizeof v.reply, "%s", res->reply);
		n = fleet_verdict_encode(&v, val);
	}
	if (!f->closing) {
		struct history_rec h;
		if (!res->error && f->eng->hist && history_get(f->eng->hist, o->domain, &h) == 0) {
			char hb[HISTORY_REC_MAX];
			size_t hl = history_rec_encode(&h, hb);
			const char *argv[] = { "SET", o->hkey, hb, "EX", NULL };
			char ex[24];
			snprintf(ex, sizeof ex, "%ld", cfg->history_max_age);
			argv[4] = ex;
			size_t len[] = { 3, strlen(o->hkey), hl, 2, strlen(ex) };
			if (redis_conn_cmd(f->rc, redis_conn_ignore, NULL, 5, argv, len) == 0)
				f->st.history_writes++;
		}
		if (n)
			store_report(f, o, res, ttl);
		/* the verdict last: a host that sees it finds the history and
		 * the report too */
		store(f, o->key, o->lkey, val, n, n ? ttl : 0);
		if (n && redis_conn_up(f->rc))
			f->st.verdict_writes++;
	}
	o->cb(o->cb_arg, res);
	op_free(o);
}

/* Fold the fleet's history of the domain into ours before the check, so
 * that DOMAIN_DEAD judges the streak the whole fleet saw. */
static void merge_history(struct op *o)
{
	struct history *h = o->f->eng->hist;
	struct history_rec mine;
	int got;

	if (!o->have_hist || !h)
		return;
	got = history_get(h, o->domain, &mine);
	if (got < 0)
		return;
	if (got == 0)
		fleet_history_merge(&mine, &o->hist);
	else
		mine = o->hist;
	if (history_put(h, o->domain, &mine) == 0)
		o->f->st.history_merged++;
}

static void own_check(struct op *o)
{
	if (o->locked)
		merge_history(o);
	if (!check_start(o->f->eng, o->domain, o->flags, on_own_done, o)) {
		if (o->locked)
			store(o->f, o->key, o->lkey, "", 0, 0);
		deliver_result(o, NULL, "out of memory");
		op_free(o);
	}
}

static void wait_more(struct op *o)
{
	struct timeval tv = { o->poll_ms / 1000, (o->poll_ms % 1000) * 1000 };

	evtimer_add(o->timer, &tv);
	o->poll_ms = o->poll_ms * 3 / 2 > FLEET_POLL_MAX_MS ? FLEET_POLL_MAX_MS : o->poll_ms * 3 / 2;
}

static void decide_verdict(struct op *o)
{
	struct fleet *f = o->f;
	struct fleet_verdict v;
	bool waited = o->wait_until_ms != 0;

	if (o->have_value && fleet_verdict_decode(o->value, o->vlen, time(NULL), &v) == 0) {
		if (o->locked)	/* raced with the writer: give the lock back */
			store(f, o->key, o->lkey, "", 0, 0);
		f->st.verdict_hits++;
		f->st.lock_wait_hits += waited;
		deliver_result(o, &v, NULL);
		op_free(o);
		return;
	}
	if (!waited)
		f->st.verdict_misses++;
	if (o->locked || o->failed) {
		f->st.fallbacks += o->failed && !o->locked;
		own_check(o);
		return;
	}
	/* another host is checking it */
	if (!waited) {
		f->st.lock_waits++;
		long patience = cfg_of(f)->decision_timeout * 500L;
		o->wait_until_ms = monotime_ms() + (patience > 1000 ? patience : 1000);
	}
	if (monotime_ms() >= o->wait_until_ms) {
		f->st.lock_gave_up++;
		own_check(o);
		return;
	}
	wait_more(o);
}

/* ---- probes ---- */

static void decide_probe(struct op *o)
{
	struct fleet *f = o->f;
	struct smtp_result r;
	char banner[FLEET_REPLY_MAX];
	time_t expires, now = time(NULL);
	bool waited = o->wait_until_ms != 0;

	if (o->have_value && fleet_probe_decode(o->value, o->vlen, now, &r, banner, &expires) == 0) {
		if (o->locked)
			store(f, o->key, o->lkey, "", 0, 0);
		f->st.probe_hits++;
		f->st.lock_wait_hits += waited;
		o->pfn(o->parg, &r, (long)(expires - now) * 1000L);
		op_free(o);
		return;
	}
	if (!waited)
		f->st.probe_misses++;
	if (!o->locked && !o->failed) {
		if (!waited) {
			f->st.lock_waits++;
			o->wait_until_ms = monotime_ms() + probe_lock_ms(cfg_of(f));
		}
		if (monotime_ms() < o->wait_until_ms) {
			wait_more(o);
			return;
		}
		f->st.lock_gave_up++;
	}
	f->st.fallbacks += o->failed && !o->locked;
	o->pfn(o->parg, NULL, 0);
	op_free(o);
}

static void op_decide(struct op *o)
{
	if (o->kind == OP_VERDICT)
		decide_verdict(o);
	else
		decide_probe(o);
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct op *o = arg;
	long lock = o->kind == OP_VERDICT ? check_lock_ms(cfg_of(o->f)) : probe_lock_ms(cfg_of(o->f));

	(void)fd;
	(void)what;
	if (op_send(o, lock) < 0) {
		/* Redis went away while we waited */
		o->failed = true;
		op_decide(o);
	}
}

int fleet_check(struct engine *e, const char *domain, unsigned flags, bool fresh,
		check_done_cb cb, void *arg)
{
	struct fleet *f = e->fleet;
	struct op *o;

	if (!f || !redis_conn_up(f->rc) || strlen(domain) >= sizeof o->domain ||
	    !(o = op_new(f, OP_VERDICT))) {
		if (f)
			f->st.fallbacks++;
		return check_start(e, domain, flags, cb, arg) ? 0 : -1;
	}
	strcpy(o->domain, domain);
	o->flags = flags;
	o->cb = cb;
	o->cb_arg = arg;
	key_of(f, o->key, "v", domain);
	key_of(f, o->hkey, "h", domain);
	key_of(f, o->lkey, "l", domain);
	key_of(f, o->ekey, "e", domain);
	if (fresh) {
		if (!check_start(e, domain, flags, on_own_done, o)) {
			op_free(o);
			return -1;
		}
		return 0;
	}
	if (op_send(o, check_lock_ms(e->cfg)) < 0) {
		op_free(o);
		f->st.fallbacks++;
		return check_start(e, domain, flags, cb, arg) ? 0 : -1;
	}
	return 0;
}

static void addr_name(const struct netaddr *a, int port, char *buf, size_t len)
{
	char s[NETADDR_STRLEN];
	snprintf(buf, len, "%s:%d", netaddr_format(a, s, sizeof s), port);
}

int fleet_probe_claim(struct fleet *f, const void *owner, const struct netaddr *a, int port,
		      fleet_probe_fn fn, void *arg)
{
	char name[NETADDR_STRLEN + 8];
	struct op *o;

	if (!f || !redis_conn_up(f->rc) || !(o = op_new(f, OP_PROBE))) {
		if (f)
			f->st.fallbacks++;
		return -1;
	}
	o->owner = owner;
	o->pfn = fn;
	o->parg = arg;
	addr_name(a, port, name, sizeof name);
	key_of(f, o->key, "p", name);
	key_of(f, o->lkey, "pl", name);
	if (op_send(o, probe_lock_ms(cfg_of(f))) < 0) {
		op_free(o);
		f->st.fallbacks++;
		return -1;
	}
	return 0;
}

void fleet_probe_put(struct fleet *f, const struct netaddr *a, int port,
		     const struct smtp_result *r, long ttl_s)
{
	char name[NETADDR_STRLEN + 8], key[KEY_MAX], lkey[KEY_MAX], val[FLEET_VALUE_MAX] = "";
	size_t n = 0;

	if (!f || f->closing || !redis_conn_up(f->rc))
		return;
	addr_name(a, port, name, sizeof name);
	key_of(f, key, "p", name);
	key_of(f, lkey, "pl", name);
	/* "not probed" and a blind prober's failures are this host's story */
	if (r->status != SMTP_ST_NONE && r->status != SMTP_ST_SKIPPED && !r->blind && ttl_s > 0)
		n = fleet_probe_encode(r, time(NULL) + ttl_s, val);
	store(f, key, lkey, val, n, n ? ttl_s : 0);
	f->st.probe_writes += n != 0;
}

struct report_get {
	fleet_report_fn fn;
	void *arg;
};

static void on_report_get(void *arg, const redisReply *r)
{
	struct report_get *g = arg;
	char *json = reply_strdup(r);

	g->fn(g->arg, json);
	free(json);
	free(g);
}

int fleet_report_get(struct fleet *f, const char *domain, fleet_report_fn fn, void *arg)
{
	char key[KEY_MAX];
	const char *argv[] = { "GET", key };
	size_t len[2];
	struct report_get *g;

	if (!f || f->closing || !redis_conn_up(f->rc) || !(g = malloc(sizeof *g)))
		return -1;
	g->fn = fn;
	g->arg = arg;
	key_of(f, key, "e", domain);
	len[0] = 3;
	len[1] = strlen(key);
	if (redis_conn_cmd(f->rc, on_report_get, g, 2, argv, len) < 0) {
		free(g);
		return -1;
	}
	return 0;
}

void fleet_forget(struct fleet *f, const void *owner)
{
	if (!f)
		return;
	fleet_leases_forget(f->leases, owner);
	for (struct op *o = f->ops, *nx; o; o = nx) {
		nx = o->next;
		if (o->kind != OP_PROBE || o->owner != owner)
			continue;
		if (o->pending)
			o->cancelled = true;	/* freed when its replies are in */
		else
			op_free(o);
	}
}

/* ---- life ---- */

struct fleet *fleet_new(struct engine *e, char *err, size_t errlen, int *exit_code)
{
	const struct config *cfg = e->cfg;
	struct redis_url u;
	struct fleet *f;
	char why[300], name[REDIS_URL_HOST_MAX + 32];
	uint8_t rnd[TOKEN_LEN / 2];

	*exit_code = 0;
	if (!cfg->redis_url || !*cfg->redis_url)
		return NULL;
	if (redis_url_parse(cfg->redis_url, &u, why, sizeof why) < 0) {
		snprintf(err, errlen, "redis_url: %s", why);
		*exit_code = EX_CONFIG_;
		return NULL;
	}
	redis_url_name(&u, name, sizeof name);
	switch (redis_conn_check(&u, cfg->redis_timeout, why, sizeof why)) {
	case -1:
		snprintf(err, errlen, "redis_url: %s: %s", name, why);
		*exit_code = EX_CONFIG_;
		return NULL;
	case 1:
		/* redis_conn warns once for this outage as its first connect fails */
		log_debug("redis: %s: %s", name, why);
		break;
	}
	if (!(f = calloc(1, sizeof *f))) {
		snprintf(err, errlen, "out of memory");
		*exit_code = EX_OSERR_;
		return NULL;
	}
	f->eng = e;
	snprintf(f->prefix, sizeof f->prefix, "%s", cfg->redis_prefix);
	/* the lock token: this process among the fleet's */
	arc4random_buf(rnd, sizeof rnd);
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(f->token + 2 * i, 3, "%02x", rnd[i]);
	if (!(f->rc = redis_conn_new(e->base, &u, cfg->redis_timeout)) ||
	    !(f->leases = fleet_leases_new(e->base, f->rc, cfg->redis_timeout, f->prefix,
						   f->token))) {
		redis_conn_free(f->rc);
		free(f);
		snprintf(err, errlen, "out of memory");
		*exit_code = EX_OSERR_;
		return NULL;
	}
	memset(&u, 0, sizeof u);
	return f;
}

void fleet_free(struct fleet *f)
{
	if (!f)
		return;
	f->closing = true;
	fleet_leases_close(f->leases);
	redis_conn_free(f->rc);		/* replies: NULL, ops freed as they end */
	while (f->ops)
		op_free(f->ops);
	fleet_leases_free(f->leases);
	free(f);
}

const struct fleet_stats *fleet_stats(const struct fleet *f) { return &f->st; }

struct fleet_leases *fleet_leases(const struct fleet *f) { return f ? f->leases : NULL; }

const struct redis_conn_stats *fleet_redis_stats(const struct fleet *f)
{
	return redis_conn_stats(f->rc);
}
