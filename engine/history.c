/* history: the domain history in LMDB (see history.h).
 * Record layout (host byte order: the file is local to this machine):
 *   u8 version, u8 verdict, u16 0, 5 x i64 times, 3 x u64 counts,
 *   (version 2) i64 failing_for, then the codes string without its NUL.
 * Version 1 records (no failing_for) are read with failing_for 0: an
 * existing streak then needs its failing time observed again.
 * Index key in "by_seen": u64 last_seen big-endian (so that byte order is
 * time order), then the domain; empty value. */
#include "engine/history.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "lib/log.h"
#include "engine/pipeline.h"

#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#define REC_VERSION 2
#define REC_HEAD_V1 (4 + 5 * 8 + 3 * 8)
#define REC_HEAD (REC_HEAD_V1 + 8)
#define IDX_MAX (8 + 511)		/* LMDB's default largest key */
#define PRUNE_AGAIN_MS 10		/* next tick while a batch was full */

struct history {
	MDB_env *env;
	MDB_dbi dbi;			/* domain -> record */
	MDB_dbi idx;			/* (last_seen, domain) -> "" (writer only) */
	bool readonly;
	time_t last_sync;
	struct history_limits lim;
	struct history_stats st;
	struct event *prune_ev;
	struct engine *eng;
};

static void put64(uint8_t **p, uint64_t v) { memcpy(*p, &v, 8); *p += 8; }
static uint64_t get64(const uint8_t **p) { uint64_t v; memcpy(&v, *p, 8); *p += 8; return v; }

static size_t rec_encode(const struct history_rec *r, uint8_t *buf)
{
	uint8_t *p = buf;
	size_t n = strnlen(r->codes, sizeof r->codes - 1);

	*p++ = REC_VERSION;
	*p++ = (uint8_t)r->verdict;
	*p++ = 0;
	*p++ = 0;
	put64(&p, (uint64_t)r->first_seen);
	put64(&p, (uint64_t)r->last_seen);
	put64(&p, (uint64_t)r->first_failure);
	put64(&p, (uint64_t)r->last_failure);
	put64(&p, (uint64_t)r->last_success);
	put64(&p, r->checks);
	put64(&p, r->failures);
	put64(&p, r->risk_count);
	put64(&p, (uint64_t)r->failing_for);
	memcpy(p, r->codes, n);
	return REC_HEAD + n;
}

static int rec_decode(const void *data, size_t len, struct history_rec *r)
{
	const uint8_t *p = data;
	size_t head;

	memset(r, 0, sizeof *r);
	if (len < REC_HEAD_V1 || (p[0] != 1 && p[0] != REC_VERSION))
		return -1;
	head = p[0] == 1 ? REC_HEAD_V1 : REC_HEAD;
	if (len < head || len - head >= sizeof r->codes)
		return -1;
	r->verdict = p[1] <= ACT_REJECT ? p[1] : ACT_IGNORE;
	p += 4;
	r->first_seen = (time_t)get64(&p);
	r->last_seen = (time_t)get64(&p);
	r->first_failure = (time_t)get64(&p);
	r->last_failure = (time_t)get64(&p);
	r->last_success = (time_t)get64(&p);
	r->checks = (unsigned long)get64(&p);
	r->failures = (unsigned long)get64(&p);
	r->risk_count = (unsigned long)get64(&p);
	if (head == REC_HEAD) {
		int64_t f = (int64_t)get64(&p);
		r->failing_for = f > 0 ? (long)f : 0;
	}
	memcpy(r->codes, p, len - head);
	return 0;
}

/* The index key of a record: time order first, then the name. */
static size_t idx_key(time_t last_seen, const MDB_val *domain, uint8_t *buf)
{
	uint64_t t = last_seen > 0 ? (uint64_t)last_seen : 0;

	for (int i = 7; i >= 0; i--, t >>= 8)
		buf[i] = (uint8_t)t;
	memcpy(buf + 8, domain->mv_data, domain->mv_size);
	return 8 + domain->mv_size;
}

static time_t idx_time(const MDB_val *k)
{
	const uint8_t *p = k->mv_data;
	uint64_t t = 0;

	for (int i = 0; i < 8; i++)
		t = t << 8 | p[i];
	return (time_t)t;
}

/* Begin a transaction; another process may have grown the map. */
static int txn_begin(struct history *h, unsigned flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(h->env, NULL, flags, txn);

	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(h->env, 0);
		rc = mdb_txn_begin(h->env, NULL, flags, txn);
	}
	return rc;
}

static void maybe_sync(struct history *h)
{
	time_t now = time(NULL);

	if (now - h->last_sync >= HISTORY_SYNC_SECS) {
		mdb_env_sync(h->env, 1);
		h->last_sync = now;
	}
}

/* Build the index when it does not match the records (a store written
 * before there was one). One transaction; done once. */
static int index_check(struct history *h, MDB_txn *txn)
{
	MDB_stat sd, si;
	MDB_cursor *cur;
	MDB_val k, v, ik, iv = { 0, NULL };
	uint8_t kb[IDX_MAX];
	struct history_rec r;
	int rc;

	if ((rc = mdb_stat(txn, h->dbi, &sd)) != 0 || (rc = mdb_stat(txn, h->idx, &si)) != 0)
		return rc;
	if (sd.ms_entries == si.ms_entries)
		return 0;
	log_info("history: indexing %zu records by the time last checked", sd.ms_entries);
	if ((rc = mdb_drop(txn, h->idx, 0)) != 0 || (rc = mdb_cursor_open(txn, h->dbi, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size + 8 > sizeof kb)
			continue;
		if (rec_decode(v.mv_data, v.mv_size, &r) != 0)
			r.last_seen = 0;	/* unreadable: the first to go */
		ik.mv_size = idx_key(r.last_seen, &k, kb);
		ik.mv_data = kb;
		if ((rc = mdb_put(txn, h->idx, &ik, &iv, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct history *history_open(const char *state_dir, bool readonly, char *err, size_t errlen)
{
	struct history *h = calloc(1, sizeof *h);
	char path[4096];
	MDB_txn *txn = NULL;
	int rc, dead = 0;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->readonly = readonly;
	h->lim.max_bytes = HISTORY_MAPSIZE;
	if (!state_dir || !*state_dir) {
		snprintf(err, errlen, "no state_dir");
		goto fail;
	}
	snprintf(path, sizeof path, "%s/%s", state_dir, HISTORY_FILE);
	if ((rc = mdb_env_create(&h->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(h->env, 2)) != 0 ||
	    (rc = mdb_env_set_mapsize(h->env, HISTORY_MAPSIZE)) != 0 ||
	    (rc = mdb_env_open(h->env, path,
			       MDB_NOSUBDIR | MDB_NOSYNC | (readonly ? MDB_RDONLY : 0),
			       0600)) != 0) {
		snprintf(err, errlen, "%s: %s", path, mdb_strerror(rc));
		goto fail;
	}
	/* readers killed earlier (mxvet report, a crashed daemon) keep slots */
	mdb_reader_check(h->env, &dead);
	if ((rc = txn_begin(h, readonly ? MDB_RDONLY : 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "domains", readonly ? 0 : MDB_CREATE, &h->dbi)) != 0 ||
	    (!readonly && (rc = mdb_dbi_open(txn, "by_seen", MDB_CREATE, &h->idx)) != 0) ||
	    (!readonly && (rc = index_check(h, txn)) != 0)) {
		snprintf(err, errlen, "%s: %s", path, mdb_strerror(rc));
		if (txn)
			mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		snprintf(err, errlen, "%s: %s", path, mdb_strerror(rc));
		goto fail;
	}
	h->last_sync = time(NULL);
	return h;
fail:
	if (h->env)
		mdb_env_close(h->env);
	free(h);
	return NULL;
}

void history_close(struct history *h)
{
	if (!h)
		return;
	if (h->prune_ev)
		event_free(h->prune_ev);
	if (!h->readonly)
		mdb_env_sync(h->env, 1);
	mdb_env_close(h->env);
	free(h);
}

int history_get(struct history *h, const char *domain, struct history_rec *out)
{
	MDB_txn *txn;
	MDB_val k = { strlen(domain), (void *)domain }, v;
	int rc;

	if ((rc = txn_begin(h, MDB_RDONLY, &txn)) != 0) {
		log_warn("history: domain=%s read: %s", domain, mdb_strerror(rc));
		return -1;
	}
	rc = mdb_get(txn, h->dbi, &k, &v);
	if (rc == 0 && rec_decode(v.mv_data, v.mv_size, out) != 0) {
		log_warn("history: domain=%s unreadable record ignored", domain);
		rc = MDB_NOTFOUND;
	}
	mdb_txn_abort(txn);
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc != 0) {
		log_warn("history: domain=%s read: %s", domain, mdb_strerror(rc));
		return -1;
	}
	return 0;
}

/* Record and index entry in one transaction; the old index entry goes. */
static int put_txn(struct history *h, MDB_val *k, MDB_val *v, time_t last_seen)
{
	MDB_txn *txn;
	MDB_val old, ik, iv = { 0, NULL };
	uint8_t kb[IDX_MAX];
	struct history_rec r;
	int rc = txn_begin(h, 0, &txn);

	if (rc != 0)
		return rc;
	rc = mdb_get(txn, h->dbi, k, &old);
	if (rc == 0 && rec_decode(old.mv_data, old.mv_size, &r) == 0 && r.last_seen != last_seen) {
		ik.mv_size = idx_key(r.last_seen, k, kb);
		ik.mv_data = kb;
		rc = mdb_del(txn, h->idx, &ik, NULL);
	}
	if (rc == MDB_NOTFOUND || rc == 0) {
		ik.mv_size = idx_key(last_seen, k, kb);
		ik.mv_data = kb;
		if ((rc = mdb_put(txn, h->dbi, k, v, 0)) == 0)
			rc = mdb_put(txn, h->idx, &ik, &iv, 0);
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);	/* frees txn even when it fails */
}

/* A write failed or succeeded: one warning per episode of no room. */
static void note_write(struct history *h, const char *domain, int rc)
{
	if (rc == 0) {
		if (h->st.full)
			log_info("history: writable again (%llu records)",
				 (unsigned long long)h->st.entries);
		h->st.full = false;
		return;
	}
	h->st.write_errors++;
	if (rc != MDB_MAP_FULL && rc != ENOSPC) {
		log_warn("history: domain=%s write: %s", domain, mdb_strerror(rc));
		return;
	}
	if (!h->st.full) {
		h->st.full_episodes++;
		log_warn("history: %s: domains are not recorded until pruning makes room "
			 "(history_max_size = %zu MiB, history_max_entries = %ld); checks go on",
			 rc == ENOSPC ? "the disk is full" : "the file is full",
			 h->lim.max_bytes >> 20, h->lim.max_entries);
	}
	h->st.full = true;
}

int history_put(struct history *h, const char *domain, const struct history_rec *r)
{
	uint8_t buf[REC_HEAD + HISTORY_CODES_MAX];
	MDB_val k = { strlen(domain), (void *)domain }, v = { rec_encode(r, buf), buf };
	int rc;

	if (h->readonly || k.mv_size + 8 > IDX_MAX)
		return -1;
	rc = put_txn(h, &k, &v, r->last_seen);
	note_write(h, domain, rc);
	if (rc != 0)
		return -1;
	maybe_sync(h);
	return 0;
}

int history_foreach(struct history *h,
		    int (*cb)(void *arg, const char *domain, const struct history_rec *r),
		    void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = txn_begin(h, MDB_RDONLY, &txn)) != 0)
		return -1;
	if ((rc = mdb_cursor_open(txn, h->dbi, &cur)) != 0) {
		mdb_txn_abort(txn);
		return -1;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct history_rec r;
		char name[256];
		if (k.mv_size >= sizeof name || rec_decode(v.mv_data, v.mv_size, &r) != 0)
			continue;
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		if (cb(arg, name, &r))
			break;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return 0;
}

/* ---- bounds ---- */

void history_set_limits(struct history *h, const struct history_limits *lim)
{
	size_t was = h->lim.max_bytes;

	if (h->readonly)
		return;
	h->lim = *lim;
	/* only on a change: LMDB remaps. No transaction of ours is live
	 * between loop callbacks; below what is in use LMDB keeps that. */
	if (lim->max_bytes != was) {
		int rc = mdb_env_set_mapsize(h->env, lim->max_bytes);
		if (rc != 0)
			log_warn("history: history_max_size: %s", mdb_strerror(rc));
	}
}

static long prune_txn(struct history *h, time_t now, long batch, int *rcp);

/* A delete needs free pages too (copy-on-write): when the map is full, a
 * smaller batch fits where a big one did not. */
long history_prune(struct history *h, time_t now, long batch)
{
	int rc = 0;
	long n;

	if (h->readonly)
		return 0;
	while ((n = prune_txn(h, now, batch, &rc)) < 0 && rc == MDB_MAP_FULL && batch > 1)
		batch /= 4;
	if (n < 0) {
		log_warn("history: pruning: %s", mdb_strerror(rc));
		return -1;
	}
	h->st.pruned += (uint64_t)n;
	if (n > 0)
		maybe_sync(h);
	return n;
}

static long prune_txn(struct history *h, time_t now, long batch, int *rcp)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_stat sd;
	MDB_val k, v;
	long n = 0;
	int rc;

	if ((rc = txn_begin(h, 0, &txn)) != 0)
		goto fail;
	if ((rc = mdb_stat(txn, h->dbi, &sd)) != 0 ||
	    (rc = mdb_cursor_open(txn, h->idx, &cur)) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	/* always the oldest entry: the index front is what goes */
	while (n < batch && (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0) {
		bool expired = h->lim.max_age > 0 && idx_time(&k) < now - h->lim.max_age;
		bool over = h->lim.max_entries > 0 && sd.ms_entries - (size_t)n >
						      (size_t)h->lim.max_entries;
		if (!expired && !over)
			break;
		MDB_val dk = { k.mv_size - 8, (uint8_t *)k.mv_data + 8 };
		if ((rc = mdb_del(txn, h->dbi, &dk, NULL)) != 0 && rc != MDB_NOTFOUND)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		n++;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if (n == 0) {
		mdb_txn_abort(txn);
		return 0;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	return n;
fail:
	*rcp = rc;
	return -1;
}

void history_get_stats(struct history *h, struct history_stats *out)
{
	MDB_txn *txn;
	MDB_stat sd;

	if (txn_begin(h, MDB_RDONLY, &txn) == 0) {
		if (mdb_stat(txn, h->dbi, &sd) == 0)
			h->st.entries = sd.ms_entries;
		mdb_txn_abort(txn);
	}
	*out = h->st;
}

static void on_prune(evutil_socket_t fd, short what, void *arg)
{
	struct history *h = arg;
	const struct config *cfg = h->eng->cfg;
	struct history_limits lim = {
		cfg->history_max_entries, cfg->history_max_age,
		(size_t)cfg->history_max_size << 20,
	};
	struct timeval tv = { HISTORY_PRUNE_SECS, 0 };

	(void)fd;
	(void)what;
	history_set_limits(h, &lim);
	if (history_prune(h, time(NULL), HISTORY_PRUNE_BATCH) == HISTORY_PRUNE_BATCH) {
		tv.tv_sec = 0;
		tv.tv_usec = PRUNE_AGAIN_MS * 1000;
	}
	evtimer_add(h->prune_ev, &tv);
}

int history_start_pruning(struct history *h, struct engine *e)
{
	if (h->readonly || h->prune_ev)
		return 0;
	h->eng = e;
	if (!(h->prune_ev = evtimer_new(e->base, on_prune, h)))
		return -1;
	on_prune(-1, 0, h);	/* the bounds apply before the first write */
	return 0;
}

enum history_outcome history_outcome(const struct evidence *ev, const struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		if (f->code == F_ALL_MX_UNREACHABLE || f->code == F_DOMAIN_DEAD ||
		    (f->code == F_APEX_CNAME && f->cls == CLASS_TEMPORARY))
			return HIST_FAIL;
	}
	for (size_t i = 0; ev->smtp_done && i < ev->nmx; i++)
		for (size_t k = 0; k < ev->mx[i].naddrs; k++)
			if (ev->mx[i].addrs[k].smtp.status == SMTP_ST_OK)
				return HIST_SUCCESS;
	return HIST_NEUTRAL;
}

long history_gap_credit(time_t prev, time_t now, long max_gap)
{
	if (prev <= 0 || now <= prev)
		return 0;
	return now - prev < max_gap ? (long)(now - prev) : max_gap;
}

long history_max_gap(long dead_after)
{
	return (dead_after + 1) / 2;
}

void history_update(struct history_rec *rec, bool existed, time_t now,
		    enum history_outcome o, int verdict, const struct findings *fs,
		    long max_gap)
{
	size_t n = 0;

	if (!existed) {
		memset(rec, 0, sizeof *rec);
		rec->first_seen = now;
	}
	rec->last_seen = now;
	rec->checks++;
	rec->verdict = verdict;
	if (verdict != ACT_IGNORE)
		rec->risk_count++;
	if (o == HIST_FAIL) {
		/* a streak from a clock that was ahead, or stored out of
		 * order, is no evidence: it starts again here */
		if (rec->first_failure > now || rec->last_failure < rec->first_failure)
			rec->first_failure = 0;
		if (rec->first_failure == 0) {
			rec->first_failure = now;
			rec->failures = 0;
			rec->failing_for = 0;
		} else {
			rec->failing_for += history_gap_credit(rec->last_failure, now, max_gap);
		}
		rec->last_failure = now;
		rec->failures++;
	} else if (o == HIST_SUCCESS) {
		rec->last_success = now;
		rec->first_failure = 0;		/* the streak is broken */
		rec->failures = 0;
		rec->failing_for = 0;
	}
	rec->codes[0] = '\0';
	for (size_t i = 0; fs && i < fs->n; i++) {
		const char *name = finding_info(fs->v[i].code)->name;
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen |= fs->v[k].code == fs->v[i].code;
		if (seen || n + strlen(name) + 2 > sizeof rec->codes)
			continue;
		n += (size_t)snprintf(rec->codes + n, sizeof rec->codes - n, "%s%s",
				      n ? "," : "", name);
	}
}

int history_rec_decode(const void *data, size_t len, struct history_rec *r)
{
	return rec_decode(data, len, r);
}

size_t history_rec_encode(const struct history_rec *r, void *buf)
{
	return rec_encode(r, buf);
}

void history_stage_load(struct check *c)
{
	struct history *h = check_engine(c)->hist;
	struct evidence *ev = check_evidence(c);
	struct history_rec r;

	if (!h || history_get(h, ev->domain, &r) != 0)
		return;
	ev->history.have = true;
	ev->history.first_failure = r.first_failure;
	ev->history.last_failure = r.last_failure;
	ev->history.last_success = r.last_success;
	ev->history.failures = r.failures;
	ev->history.failing_for = r.failing_for;
}

void history_stage_store(struct check *c, const struct check_result *res)
{
	struct history *h = check_engine(c)->hist;
	const struct evidence *ev = res->ev;
	struct history_rec r;
	int found;

	if (!h || h->readonly)
		return;
	found = history_get(h, res->domain, &r);
	if (found < 0)
		return;
	enum history_outcome o = history_outcome(ev, res->findings);
	/* most checks find a healthy domain: no record until it is at risk */
	if (found == 1 && res->verdict == ACT_IGNORE && o != HIST_FAIL)
		return;
	history_update(&r, found == 0, ev->now, o, (int)res->verdict, res->findings,
		       history_max_gap(check_config(c)->dead_after));
	history_put(h, res->domain, &r);
}
