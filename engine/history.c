/* history: the domain history in LMDB (see history.h).
 * Record layout (host byte order: the file is local to this machine):
 *   u8 version, u8 verdict, u16 0, 5 x i64 times, 3 x u64 counts,
 *   then the codes string without its NUL. */
#include "history.h"
#include "engine.h"
#include "log.h"
#include "pipeline.h"

#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_VERSION 1
#define REC_HEAD (4 + 5 * 8 + 3 * 8)

struct history {
	MDB_env *env;
	MDB_dbi dbi;
	bool readonly;
	time_t last_sync;
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
	memcpy(p, r->codes, n);
	return REC_HEAD + n;
}

static int rec_decode(const void *data, size_t len, struct history_rec *r)
{
	const uint8_t *p = data;

	memset(r, 0, sizeof *r);
	if (len < REC_HEAD || p[0] != REC_VERSION || len - REC_HEAD >= sizeof r->codes)
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
	memcpy(r->codes, p, len - REC_HEAD);
	return 0;
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
	    (rc = mdb_dbi_open(txn, "domains", readonly ? 0 : MDB_CREATE, &h->dbi)) != 0) {
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

static int put_once(struct history *h, MDB_val *k, MDB_val *v)
{
	MDB_txn *txn;
	int rc = txn_begin(h, 0, &txn);

	if (rc != 0)
		return rc;
	if ((rc = mdb_put(txn, h->dbi, k, v, 0)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);	/* frees txn even when it fails */
}

int history_put(struct history *h, const char *domain, const struct history_rec *r)
{
	uint8_t buf[REC_HEAD + HISTORY_CODES_MAX];
	MDB_val k = { strlen(domain), (void *)domain }, v = { rec_encode(r, buf), buf };
	int rc;

	if (h->readonly)
		return -1;
	rc = put_once(h, &k, &v);
	if (rc == MDB_MAP_FULL) {
		/* grow the map (no txn is live now) and try once more */
		MDB_envinfo info;
		mdb_env_info(h->env, &info);
		if (mdb_env_set_mapsize(h->env, info.me_mapsize * 2) == 0)
			rc = put_once(h, &k, &v);
	}
	if (rc != 0) {
		log_warn("history: domain=%s write: %s", domain, mdb_strerror(rc));
		return -1;
	}
	time_t now = time(NULL);
	if (now - h->last_sync >= HISTORY_SYNC_SECS) {
		mdb_env_sync(h->env, 1);
		h->last_sync = now;
	}
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

void history_update(struct history_rec *rec, bool existed, time_t now,
		    enum history_outcome o, int verdict, const struct findings *fs)
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
		if (rec->first_failure == 0)
			rec->first_failure = now;
		rec->last_failure = now;
		rec->failures++;
	} else if (o == HIST_SUCCESS) {
		rec->last_success = now;
		rec->first_failure = 0;		/* the streak is broken */
		rec->failures = 0;
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
	history_update(&r, found == 0, ev->now, o, (int)res->verdict, res->findings);
	history_put(h, res->domain, &r);
}
