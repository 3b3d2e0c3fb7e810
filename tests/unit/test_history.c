/* Unit tests of the domain history: the streak logic and DOMAIN_DEAD
 * against clock jumps (pure), and the LMDB store in a temporary
 * state_dir: round trip, read-only opening while a writer has it open, a
 * missing state_dir, durability across kill -9 of the writer, and the
 * bounds (pruning by count and by age, a full map, the index of an older
 * store, a reader while the writer prunes). */
#include "engine/config.h"
#include "evfix.h"
#include "engine/history.h"
#include "checks/registry.h"
#include "tap.h"

#include <lmdb.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/mxvet-hist-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* ---- the streak (pure) ---- */

struct step {
	enum history_outcome o;
	time_t at;
};

struct streak_row {
	const char *name;
	struct step steps[5];
	size_t n;
	time_t first_failure, last_failure, last_success;
	unsigned long failures, checks;
};

#define F HIST_FAIL
#define S HIST_SUCCESS
#define U HIST_NEUTRAL

static const struct streak_row streak_rows[] = {
	{ "one failure", { { F, 100 } }, 1, 100, 100, 0, 1, 1 },
	{ "failures keep the start", { { F, 100 }, { F, 200 }, { F, 300 } }, 3, 100, 300, 0, 3, 3 },
	{ "success breaks the streak", { { F, 100 }, { F, 200 }, { S, 300 } }, 3, 0, 200, 300, 0, 3 },
	{ "new streak after success", { { F, 100 }, { S, 200 }, { F, 300 } }, 3, 300, 300, 200, 1, 3 },
	{ "neutral changes nothing", { { F, 100 }, { U, 200 }, { F, 300 } }, 3, 100, 300, 0, 2, 3 },
	{ "only successes", { { S, 100 }, { S, 200 } }, 2, 0, 0, 200, 0, 2 },
};

START_TEST(test_streak)
{
	const struct streak_row *r = &streak_rows[_i];
	struct history_rec rec;

	for (size_t i = 0; i < r->n; i++)
		history_update(&rec, i > 0, r->steps[i].at, r->steps[i].o, ACT_DEFER, NULL, 1000);
	ck_assert_int_eq(rec.first_failure, r->first_failure);
	ck_assert_int_eq(rec.last_failure, r->last_failure);
	ck_assert_int_eq(rec.last_success, r->last_success);
	ck_assert_uint_eq(rec.failures, r->failures);
	ck_assert_uint_eq(rec.checks, r->checks);
	ck_assert_int_eq(rec.first_seen, r->steps[0].at);
	ck_assert_int_eq(rec.last_seen, r->steps[r->n - 1].at);
}
END_TEST

START_TEST(test_outcome)
{
	struct evidence ev;
	struct findings fs = { 0 };

	evfix_init(&ev, "d.example", DNS_ST_OK);
	struct ev_mx *m = evfix_mx(&ev, 10, "mx.d.example", "8.8.8.8", DNS_ST_OK, DNS_ST_NODATA);
	ck_assert_int_eq(history_outcome(&ev, &fs), HIST_NEUTRAL);	/* smtp not run */
	ev.smtp_done = true;
	m->addrs[0].smtp.status = SMTP_ST_OK;
	ck_assert_int_eq(history_outcome(&ev, &fs), HIST_SUCCESS);
	m->addrs[0].smtp.status = SMTP_ST_SILENT;
	ck_assert_int_eq(history_outcome(&ev, &fs), HIST_NEUTRAL);
	findings_add(&fs, F_ALL_MX_UNREACHABLE, CLASS_TEMPORARY, NULL, NULL, NULL, "x");
	ck_assert_int_eq(history_outcome(&ev, &fs), HIST_FAIL);
	findings_clear(&fs);
	findings_add(&fs, F_APEX_CNAME, CLASS_RISK, NULL, NULL, NULL, "some answers");
	ck_assert_int_eq(history_outcome(&ev, &fs), HIST_NEUTRAL);
	findings_clear(&fs);
	findings_add(&fs, F_APEX_CNAME, CLASS_TEMPORARY, NULL, NULL, NULL, "every answer");
	ck_assert_int_eq(history_outcome(&ev, &fs), HIST_FAIL);
	/* codes are recorded once each, in order */
	findings_add(&fs, F_SMTP_SILENT, CLASS_RISK, NULL, NULL, NULL, "a");
	findings_add(&fs, F_SMTP_SILENT, CLASS_RISK, NULL, NULL, NULL, "b");
	struct history_rec rec;
	history_update(&rec, false, 5, HIST_FAIL, ACT_DEFER, &fs, 1000);
	ck_assert_str_eq(rec.codes, "APEX_CNAME,SMTP_SILENT");
	ck_assert_uint_eq(rec.risk_count, 1);
	findings_clear(&fs);
	evidence_clear(&ev);
}
END_TEST

/* A check that completed while the prober was blind (egress guard): its
 * connect failures produce no ALL_MX_UNREACHABLE, so the history records
 * no failure, and no success either: an old failing streak is kept, not
 * lengthened into DOMAIN_DEAD, not broken. */
START_TEST(test_outcome_blind)
{
	struct evidence ev;
	struct findings fs = { 0 };
	struct config *cfg = config_new();
	struct history_rec rec;

	ck_assert_ptr_nonnull(cfg);
	evfix_init(&ev, "d.example", DNS_ST_OK);
	struct ev_mx *m = evfix_mx(&ev, 10, "mx.d.example", "8.8.8.8", DNS_ST_OK, DNS_ST_NODATA);
	ev.smtp_done = true;
	m->addrs[0].smtp.status = SMTP_ST_REFUSED;
	/* not blind: a failure */
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "ALL_MX_UNREACHABLE,SMTP_REFUSED");
	ck_assert_int_eq(history_outcome(&ev, &fs), HIST_FAIL);
	findings_clear(&fs);
	/* blind: neutral */
	ev.smtp_blind = true;
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "-");
	enum history_outcome o = history_outcome(&ev, &fs);
	ck_assert_int_eq(o, HIST_NEUTRAL);
	memset(&rec, 0, sizeof rec);
	history_update(&rec, false, 100, HIST_FAIL, ACT_DEFER, NULL, 1000);
	history_update(&rec, true, 200, o, ACT_IGNORE, &fs, 1000);
	ck_assert_int_eq(rec.first_failure, 100);
	ck_assert_int_eq(rec.last_failure, 100);
	ck_assert_uint_eq(rec.failures, 1);
	ck_assert_int_eq(rec.last_success, 0);
	findings_clear(&fs);
	/* blind, but the host greets 554: contact, judged, a failure */
	m->addrs[0].smtp.status = SMTP_ST_REJECT;
	m->addrs[0].smtp.connected = true;
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "ALL_MX_UNREACHABLE,SMTP_BANNER_REJECT");
	ck_assert_int_eq(history_outcome(&ev, &fs), HIST_FAIL);
	findings_clear(&fs);
	evidence_clear(&ev);
	config_free(cfg);
}
END_TEST

/* ---- DOMAIN_DEAD and the clock (pure) ---- */

#define DA 100			/* dead_after in these rows; max_gap is 50 */
#define NOW 1000000

struct dead_row {
	const char *name;
	long first, last;		/* failure times relative to NOW */
	unsigned long failures;		/* in the record, before this check */
	long failing_for;
	long success;			/* last success relative to NOW, 0 none */
	bool fails_now;			/* this check finds the domain undeliverable */
	bool dead;
};

static const struct dead_row dead_rows[] = {
	{ "failing for long, checked often", -200, -10, 5, 190, 0, true, true },
	{ "three checks spread over dead_after", -150, -75, 2, 50, 0, true, true },
	{ "one failure, then the clock jumps", -200, -200, 1, 0, 0, true, false },
	{ "one failure, a jump, two quick checks", -300, -5, 2, 50, 0, true, false },
	{ "two checks far apart", -500, -250, 1, 50, 0, true, false },
	{ "streak younger than dead_after", -90, -10, 5, 80, 0, true, false },
	{ "first failure in the future", 500, 500, 3, 0, 0, true, false },
	{ "last failure before the first", -500, -1000, 5, 500, 0, true, false },
	{ "last failure after now", -500, 100, 5, 400, 0, true, false },
	{ "a success after the streak began", -200, -10, 5, 190, -50, true, false },
	{ "this check does not fail", -200, -10, 5, 190, 0, false, false },
};

/* This check's failure is an apex CNAME that hides the MX: no SMTP
 * evidence needed. */
static bool dead_at(const struct ev_history *hist, time_t now, bool fails_now)
{
	struct config *cfg = config_new();
	struct check_env env = { cfg, NULL };
	struct evidence ev;
	struct findings fs = { 0 };
	char err[128], da[16];
	bool dead;

	ck_assert_ptr_nonnull(cfg);
	snprintf(da, sizeof da, "%ds", DA);
	ck_assert_int_eq(config_set(cfg, "dead_after", da, err, sizeof err), 0);
	evfix_init(&ev, "d.example", DNS_ST_OK);
	ev.now = now;
	ev.history = *hist;
	if (fails_now)
		findings_add(&fs, F_APEX_CNAME, CLASS_TEMPORARY, NULL, NULL, NULL, "every answer");
	check_dead(&ev, &env, &fs);
	dead = evfix_class(&fs, F_DOMAIN_DEAD) == CLASS_PERMANENT;
	findings_clear(&fs);
	evidence_clear(&ev);
	config_free(cfg);
	return dead;
}

START_TEST(test_dead_rows)
{
	const struct dead_row *r = &dead_rows[_i];
	struct ev_history h = { true, NOW + r->first, NOW + r->last,
				r->success ? NOW + r->success : 0, r->failures, r->failing_for };

	ck_assert_msg(dead_at(&h, NOW, r->fails_now) == r->dead, "%s: want dead=%d", r->name,
		      r->dead);
}
END_TEST

/* Checks one after another through the record (history_update), as the
 * pipeline does: times in seconds, DA = 100. */
struct seq_row {
	const char *name;
	long at[8];
	size_t n;
	int dead_from;			/* index of the first check found dead, -1 none */
};

static const struct seq_row seq_rows[] = {
	{ "every 30 s", { 0, 30, 60, 90, 120, 150 }, 6, 4 },
	{ "a jump of 10 x dead_after, then checks", { 0, 1000, 1001, 1002, 1030 }, 5, -1 },
	{ "a jump, then failing for dead_after/2 more", { 0, 1000, 1030, 1060 }, 4, 3 },
	{ "back in time, then on", { 1000, 500, 530, 560, 590, 620, 650 }, 7, 5 },
};

START_TEST(test_dead_sequence)
{
	const struct seq_row *r = &seq_rows[_i];
	struct history_rec rec;
	int first_dead = -1;

	memset(&rec, 0, sizeof rec);
	for (size_t i = 0; i < r->n; i++) {
		time_t now = NOW + r->at[i];
		struct ev_history h = { i > 0, rec.first_failure, rec.last_failure,
					rec.last_success, rec.failures, rec.failing_for };
		if (dead_at(&h, now, true) && first_dead < 0)
			first_dead = (int)i;
		history_update(&rec, i > 0, now, HIST_FAIL, ACT_DEFER, NULL, history_max_gap(DA));
	}
	ck_assert_msg(first_dead == r->dead_from, "%s: first dead at check %d, want %d",
		      r->name, first_dead, r->dead_from);
}
END_TEST

/* ---- the store ---- */

static struct history_rec sample(time_t t)
{
	struct history_rec r;
	memset(&r, 0, sizeof r);
	r.first_seen = t;
	r.last_seen = t + 10;
	r.first_failure = t + 1;
	r.last_failure = t + 2;
	r.last_success = t - 5;
	r.checks = 7;
	r.failures = 3;
	r.risk_count = 4;
	r.verdict = ACT_REJECT;
	snprintf(r.codes, sizeof r.codes, "ALL_MX_UNREACHABLE,DOMAIN_DEAD");
	return r;
}

static void assert_same(const struct history_rec *a, const struct history_rec *b)
{
	ck_assert_int_eq(a->first_seen, b->first_seen);
	ck_assert_int_eq(a->last_seen, b->last_seen);
	ck_assert_int_eq(a->first_failure, b->first_failure);
	ck_assert_int_eq(a->last_failure, b->last_failure);
	ck_assert_int_eq(a->last_success, b->last_success);
	ck_assert_uint_eq(a->checks, b->checks);
	ck_assert_uint_eq(a->failures, b->failures);
	ck_assert_uint_eq(a->risk_count, b->risk_count);
	ck_assert_int_eq(a->verdict, b->verdict);
	ck_assert_str_eq(a->codes, b->codes);
}

static int count_cb(void *arg, const char *domain, const struct history_rec *r)
{
	(void)domain;
	(void)r;
	(*(int *)arg)++;
	return 0;
}

/* The writer runs in a child (LMDB: one env per process), like mxvetd;
 * the parent reads like mxvet report. Steps are paced through pipes. */
static void writer_child(int go, int said)
{
	char err[256], b;
	struct history_rec in = sample(1000);
	struct history *w = history_open(dir, false, err, sizeof err);

	if (!w || history_put(w, "dead.example", &in) != 0 ||
	    history_put(w, "other.example", &in) != 0)
		_exit(1);
	if (write(said, "1", 1) != 1 || read(go, &b, 1) != 1)
		_exit(2);
	in.checks = 8;
	if (history_put(w, "dead.example", &in) != 0)
		_exit(3);
	if (write(said, "2", 1) != 1 || read(go, &b, 1) != 1)
		_exit(4);
	history_close(w);
	_exit(0);
}

START_TEST(test_roundtrip_and_readonly)
{
	char err[256], b;
	struct history_rec in = sample(1000), out;
	int to_child[2], from_child[2], status;

	/* read-only before anything exists: no store */
	ck_assert_ptr_null(history_open(dir, true, err, sizeof err));
	ck_assert_int_eq(pipe(to_child), 0);
	ck_assert_int_eq(pipe(from_child), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		writer_child(to_child[0], from_child[1]);
	ck_assert_int_eq(read(from_child[0], &b, 1), 1);
	/* a reader while the writer holds the store open */
	struct history *ro = history_open(dir, true, err, sizeof err);
	ck_assert_msg(ro != NULL, "%s", err);
	ck_assert_int_eq(history_get(ro, "dead.example", &out), 0);
	assert_same(&in, &out);
	ck_assert_int_eq(history_get(ro, "nothing.example", &out), 1);
	ck_assert_int_ne(history_put(ro, "x.example", &in), 0);
	/* the writer goes on; the reader sees the new commit */
	ck_assert_int_eq(write(to_child[1], "g", 1), 1);
	ck_assert_int_eq(read(from_child[0], &b, 1), 1);
	ck_assert_int_eq(history_get(ro, "dead.example", &out), 0);
	ck_assert_uint_eq(out.checks, 8);
	int n = 0;
	ck_assert_int_eq(history_foreach(ro, count_cb, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(write(to_child[1], "g", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer status %d", status);
	history_close(ro);
	/* reopened for writing after the writer is gone: all there */
	struct history *w = history_open(dir, false, err, sizeof err);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(history_get(w, "other.example", &out), 0);
	assert_same(&in, &out);
	history_close(w);
	close(to_child[0]); close(to_child[1]); close(from_child[0]); close(from_child[1]);
}
END_TEST

START_TEST(test_missing_dir)
{
	char err[256] = "";
	ck_assert_ptr_null(history_open("/nonexistent/mxvet-state", false, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/mxvet-state"));
	ck_assert_ptr_null(history_open("", false, err, sizeof err));
}
END_TEST

START_TEST(test_kill9)
{
	char err[256], b;
	struct history_rec in = sample(2000), out;
	int said[2];

	ck_assert_int_eq(pipe(said), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct history *w = history_open(dir, false, err, sizeof err);
		if (!w || history_put(w, "dead.example", &in) != 0)
			_exit(1);
		if (write(said[1], "1", 1) != 1)
			_exit(2);
		pause();	/* killed here: no close, no sync */
		_exit(3);
	}
	ck_assert_int_eq(read(said[0], &b, 1), 1);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %d", status);
	close(said[0]);
	close(said[1]);
	struct history *h = history_open(dir, false, err, sizeof err);
	ck_assert_msg(h != NULL, "%s", err);
	ck_assert_int_eq(history_get(h, "dead.example", &out), 0);
	assert_same(&in, &out);
	history_close(h);
}
END_TEST

/* ---- the bounds ---- */

#define T0 1700000000L

static void name_of(char *buf, size_t len, long i)
{
	snprintf(buf, len, "d%06ld.example", i);
}

static struct history *open_bounded(long max_entries, long max_age, size_t max_bytes)
{
	char err[256];
	struct history *h = history_open(dir, false, err, sizeof err);
	struct history_limits lim = { max_entries, max_age, max_bytes };

	ck_assert_msg(h != NULL, "%s", err);
	history_set_limits(h, &lim);
	return h;
}

/* Domain i last checked at T0 + i. */
static void put_seen(struct history *h, long i, time_t seen)
{
	char name[64];
	struct history_rec r = sample(T0);

	name_of(name, sizeof name, i);
	r.last_seen = seen;
	ck_assert_int_eq(history_put(h, name, &r), 0);
}

static bool has(struct history *h, long i)
{
	char name[64];
	struct history_rec r;

	name_of(name, sizeof name, i);
	return history_get(h, name, &r) == 0;
}

static uint64_t entries(struct history *h)
{
	struct history_stats st;
	history_get_stats(h, &st);
	return st.entries;
}

/* 20,000 unique domains with history_max_entries = 5000, one pruning
 * tick after every 250 writes (a tick deletes a batch at most): never
 * more than 5000 plus a batch, the least recently checked gone first, a
 * domain checked again kept. */
START_TEST(test_prune_entries)
{
	struct history *h = open_bounded(5000, 0, 64UL << 20);
	uint64_t most = 0;

	for (long i = 0; i < 20000; i++) {
		put_seen(h, i, T0 + i);
		if (i == 16000)
			put_seen(h, 10, T0 + i);	/* long gone, checked again: recent */
		if (i % 250 == 249) {
			ck_assert_int_ge(history_prune(h, T0 + i, HISTORY_PRUNE_BATCH), 0);
			uint64_t n = entries(h);
			most = n > most ? n : most;
		}
	}
	ck_assert_msg(most <= 5000 + HISTORY_PRUNE_BATCH, "at most %llu entries", (unsigned long long)most);
	/* the ticks that follow bring it down to the bound, a batch each */
	int ticks = 0;
	while (history_prune(h, T0 + 20000, HISTORY_PRUNE_BATCH) == HISTORY_PRUNE_BATCH)
		ck_assert_int_lt(++ticks, 100);
	ck_assert_uint_eq(entries(h), 5000);
	for (long i = 0; i < 20000; i += 97)
		ck_assert_msg(has(h, i) == (i >= 15001), "domain %ld", i);
	ck_assert(has(h, 10));
	ck_assert(!has(h, 15000));	/* made room for domain 10 */
	struct history_stats st;
	history_get_stats(h, &st);
	ck_assert_uint_eq(st.pruned, 15001);
	ck_assert(!st.full);
	history_close(h);
}
END_TEST

/* history_max_age: what was last checked longer ago goes, the rest stays;
 * a record checked again is judged by its new time. */
START_TEST(test_prune_age)
{
	struct history *h = open_bounded(1000000, 3600, 64UL << 20);
	time_t now = T0 + 10000;

	for (long i = 0; i < 2000; i++)
		put_seen(h, i, now - 5000 + 2 * i);	/* 0..699 are older than an hour */
	put_seen(h, 5, now - 60);
	long n, total = 0;
	while ((n = history_prune(h, now, 300)) > 0)
		total += n;
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(total, 699);
	ck_assert_uint_eq(entries(h), 2000 - 699);
	ck_assert(has(h, 5));
	ck_assert(!has(h, 699));
	ck_assert(has(h, 700));
	history_close(h);
}
END_TEST

/* A map that fills up: the write fails, one episode, no crash; pruning
 * makes room and writes work again (LMDB reuses the freed pages). */
START_TEST(test_full_map)
{
	struct history *h = open_bounded(1000000, 0, 1UL << 20);
	struct history_stats st;
	char name[64];
	struct history_rec r = sample(T0);
	long i, fails = 0;

	for (i = 0; i < 100000 && fails < 3; i++) {
		name_of(name, sizeof name, i);
		r.last_seen = T0 + i;
		if (history_put(h, name, &r) != 0)
			fails++;
	}
	ck_assert_int_eq(fails, 3);
	history_get_stats(h, &st);
	ck_assert(st.full);
	ck_assert_uint_eq(st.full_episodes, 1);
	ck_assert_uint_eq(st.write_errors, 3);
	uint64_t had = st.entries;
	ck_assert_uint_gt(had, 1000);
	/* fewer entries allowed: pruning deletes, the next write fits */
	struct history_limits lim = { (long)had / 2, 0, 1UL << 20 };
	history_set_limits(h, &lim);
	while (history_prune(h, T0 + i, HISTORY_PRUNE_BATCH) > 0)
		;
	ck_assert_uint_le(entries(h), had / 2);
	for (long k = 0; k < 100; k++) {
		name_of(name, sizeof name, 900000 + k);
		ck_assert_int_eq(history_put(h, name, &r), 0);
	}
	history_get_stats(h, &st);
	ck_assert(!st.full);
	ck_assert_uint_eq(st.full_episodes, 1);
	history_close(h);
}
END_TEST

/* A store without the index (written before it existed): it is built at
 * the next opening for writing, and pruning works on it. */
START_TEST(test_index_rebuilt)
{
	struct history *h = open_bounded(1000000, 0, 64UL << 20);
	for (long i = 0; i < 300; i++)
		put_seen(h, i, T0 + i);
	history_close(h);

	char path[128];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi idx;
	snprintf(path, sizeof path, "%s/%s", dir, HISTORY_FILE);
	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_set_maxdbs(env, 2), 0);
	ck_assert_int_eq(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, "by_seen", 0, &idx), 0);
	ck_assert_int_eq(mdb_drop(txn, idx, 1), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	h = open_bounded(100, 0, 64UL << 20);
	while (history_prune(h, T0 + 300, HISTORY_PRUNE_BATCH) > 0)
		;
	ck_assert_uint_eq(entries(h), 100);
	ck_assert(!has(h, 199));
	ck_assert(has(h, 200));
	history_close(h);
}
END_TEST

static int check_cb(void *arg, const char *domain, const struct history_rec *r)
{
	(void)domain;
	if (r->checks != 7)
		return 1;
	(*(long *)arg)++;
	return 0;
}

/* mxvet report (a read-only reader) while the writer writes and prunes
 * in another process: every walk succeeds and sees whole records. */
START_TEST(test_report_while_pruning)
{
	char err[256], b;
	int said[2], status;

	ck_assert_int_eq(pipe(said), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct history *w = history_open(dir, false, err, sizeof err);
		struct history_limits lim = { 2000, 0, 64UL << 20 };
		if (!w)
			_exit(1);
		history_set_limits(w, &lim);
		put_seen(w, 0, T0);
		if (write(said[1], "1", 1) != 1)
			_exit(2);
		for (long i = 1; i < 30000; i++) {
			put_seen(w, i, T0 + i);
			if (i % 100 == 0 && history_prune(w, T0 + i, HISTORY_PRUNE_BATCH) < 0)
				_exit(3);
		}
		history_close(w);
		_exit(0);
	}
	ck_assert_int_eq(read(said[0], &b, 1), 1);
	struct history *ro = history_open(dir, true, err, sizeof err);
	ck_assert_msg(ro != NULL, "%s", err);
	int walks = 0;
	while (waitpid(pid, &status, WNOHANG) == 0 && walks < 10000) {
		long n = 0;
		ck_assert_int_eq(history_foreach(ro, check_cb, &n), 0);
		ck_assert_int_ge(n, 1);
		ck_assert_int_le(n, 2000 + 100);
		walks++;
	}
	if (walks == 10000)
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer status %d", status);
	ck_assert_int_ge(walks, 1);
	history_close(ro);
	close(said[0]);
	close(said[1]);
}
END_TEST

#define N(a) ((int)(sizeof a / sizeof a[0]))

int main(void)
{
	Suite *s = suite_create("history");
	TCase *pure = tcase_create("streak");
	TCase *store = tcase_create("store");

	tcase_add_loop_test(pure, test_streak, 0, N(streak_rows));
	tcase_add_test(pure, test_outcome);
	tcase_add_test(pure, test_outcome_blind);
	tcase_add_loop_test(pure, test_dead_rows, 0, N(dead_rows));
	tcase_add_loop_test(pure, test_dead_sequence, 0, N(seq_rows));
	suite_add_tcase(s, pure);
	tcase_add_checked_fixture(store, setup, teardown);
	tcase_add_test(store, test_roundtrip_and_readonly);
	tcase_add_test(store, test_missing_dir);
	tcase_add_test(store, test_kill9);
	tcase_add_test(store, test_prune_entries);
	tcase_add_test(store, test_prune_age);
	tcase_add_test(store, test_full_map);
	tcase_add_test(store, test_index_rebuilt);
	tcase_add_test(store, test_report_while_pruning);
	tcase_set_timeout(store, 60);
	suite_add_tcase(s, store);
	return tap_run(s);
}
