/* Unit tests of the domain history: the streak logic (pure), and the
 * LMDB store in a temporary state_dir: round trip, read-only opening
 * while a writer has it open, a missing state_dir, and durability across
 * kill -9 of the writer. */
#include "config.h"
#include "evfix.h"
#include "history.h"
#include "tap.h"

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
		history_update(&rec, i > 0, r->steps[i].at, r->steps[i].o, ACT_DEFER, NULL);
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
	history_update(&rec, false, 5, HIST_FAIL, ACT_DEFER, &fs);
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
	history_update(&rec, false, 100, HIST_FAIL, ACT_DEFER, NULL);
	history_update(&rec, true, 200, o, ACT_IGNORE, &fs);
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

#define N(a) ((int)(sizeof a / sizeof a[0]))

int main(void)
{
	Suite *s = suite_create("history");
	TCase *pure = tcase_create("streak");
	TCase *store = tcase_create("store");

	tcase_add_loop_test(pure, test_streak, 0, N(streak_rows));
	tcase_add_test(pure, test_outcome);
	tcase_add_test(pure, test_outcome_blind);
	suite_add_tcase(s, pure);
	tcase_add_checked_fixture(store, setup, teardown);
	tcase_add_test(store, test_roundtrip_and_readonly);
	tcase_add_test(store, test_missing_dir);
	tcase_add_test(store, test_kill9);
	suite_add_tcase(s, store);
	return tap_run(s);
}
