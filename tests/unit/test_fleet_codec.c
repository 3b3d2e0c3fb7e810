/* Unit tests: redis_url parsing (engine/redis_url.c) and what the fleet
 * keeps in Redis (engine/fleet_codec.c): verdict and probe values, the
 * history merge; the network a probe lease names (engine/fleet_lease.c).
 * Table-driven. */
#include "engine/fleet_codec.h"
#include "engine/fleet_lease.h"
#include "engine/redis_url.h"
#include "tap.h"

#include <string.h>

static const struct url_row {
	const char *in;
	int rv;
	bool is_unix;
	const char *host, *path, *password;
	int port, db;
} url_rows[] = {
	{ "redis://127.0.0.1:6380/2", 0, false, "127.0.0.1", "", "", 6380, 2 },
	{ "redis://localhost", 0, false, "localhost", "", "", 6379, 0 },
	{ "redis://:s3cr@t/x@10.0.0.1:7000", 0, false, "10.0.0.1", "", "s3cr@t/x", 7000, 0 },
	{ "redis://[::1]:6379/3", 0, false, "::1", "", "", 6379, 3 },
	{ "redis://:pw@[::1]", 0, false, "::1", "", "pw", 6379, 0 },
	{ "unix:/run/redis/redis.sock", 0, true, "", "/run/redis/redis.sock", "", 6379, 0 },
	{ "unix:/tmp/r.sock?password=p w&db=4", 0, true, "", "/tmp/r.sock", "p w", 6379, 4 },
	{ "unix:relative.sock", -1, true, "", "", "", 0, 0 },
	{ "unix:/tmp/r.sock?user=x", -1, true, "", "", "", 0, 0 },
	{ "http://127.0.0.1", -1, false, "", "", "", 0, 0 },
	{ "redis://", -1, false, "", "", "", 0, 0 },
	{ "redis://host:0", -1, false, "", "", "", 0, 0 },
	{ "redis://host:99999", -1, false, "", "", "", 0, 0 },
	{ "redis://host:12x", -1, false, "", "", "", 0, 0 },
	{ "redis://host/abc", -1, false, "", "", "", 0, 0 },
	{ "redis://user:pw@host", -1, false, "", "", "", 0, 0 },
	{ "redis://[::1", -1, false, "", "", "", 0, 0 },
	{ "redis://[::1]x", -1, false, "", "", "", 0, 0 },
};

START_TEST(url)
{
	const struct url_row *r = &url_rows[_i];
	struct redis_url u;
	char err[200] = "";

	ck_assert_msg(redis_url_parse(r->in, &u, err, sizeof err) == r->rv, "%s: %s", r->in, err);
	if (r->rv < 0) {
		ck_assert(err[0]);
		return;
	}
	ck_assert(u.is_unix == r->is_unix);
	ck_assert_str_eq(u.host, r->host);
	ck_assert_str_eq(u.path, r->path);
	ck_assert_str_eq(u.password, r->password);
	ck_assert_int_eq(u.port, r->port);
	ck_assert_int_eq(u.db, r->db);
}
END_TEST

START_TEST(url_name_has_no_password)
{
	struct redis_url u;
	char err[100], name[300];

	ck_assert_int_eq(redis_url_parse("redis://:hunter2@[::1]:7/1", &u, err, sizeof err), 0);
	ck_assert_str_eq(redis_url_name(&u, name, sizeof name), "[::1]:7/1");
}
END_TEST

START_TEST(verdict_round_trip)
{
	struct fleet_verdict v = { .verdict = ACT_REJECT, .ttl = 300, .expires = 2000, .ncodes = 2 }, w;
	char buf[FLEET_VALUE_MAX];
	size_t n;

	v.codes[0] = F_NULL_MX;
	v.actions[0] = ACT_REJECT;
	v.codes[1] = F_MX_CNAME;
	v.actions[1] = ACT_ANNOTATE;
	strcpy(v.reply, "556 5.1.10 recipient domain x.test | publishes a null MX [NULL_MX]");
	n = fleet_verdict_encode(&v, buf);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(fleet_verdict_decode(buf, n, 1000, &w), 0);
	ck_assert_int_eq(w.verdict, ACT_REJECT);
	ck_assert_uint_eq(w.ttl, 300);
	ck_assert_uint_eq(w.ncodes, 2);
	ck_assert_int_eq(w.codes[1], F_MX_CNAME);
	ck_assert_int_eq(w.actions[1], ACT_ANNOTATE);
	ck_assert_str_eq(w.reply, v.reply);
	/* expired at now: a miss */
	ck_assert_int_eq(fleet_verdict_decode(buf, n, 2000, &w), -1);
}
END_TEST

/* What another (or a broken, or a newer) writer may leave: a miss. */
static const char *const bad_verdicts[] = {
	"", "1|", "2|0|0|300|9999999999||", "1|4|0|300|9999999999||", "1|0|2|300|9999999999||",
	"1|0|0|-1|9999999999||", "1|0|0|300|x||", "1|0|0|300|9999999999|NO_SUCH_CODE:3|",
	"1|0|0|300|9999999999|NULL_MX:9|", "1|3|0|300|9999999999||",	/* reject without reply */
	"1|0|0|300|9999999999|NULL_MX|", "1|0|0|300|9999999999||a\nb",
	"1|0|0|300|9999999999",
};

START_TEST(verdict_garbage)
{
	struct fleet_verdict v;
	const char *s = bad_verdicts[_i];

	ck_assert_msg(fleet_verdict_decode(s, strlen(s), 1000, &v) == -1, "%s", s);
}
END_TEST

START_TEST(probe_round_trip)
{
	struct smtp_result r = { .status = SMTP_ST_OK, .code = 220, .banner = "mx.test ESMTP",
				 .elapsed_ms = 12, .connected = true }, w;
	char buf[FLEET_VALUE_MAX], banner[FLEET_REPLY_MAX];
	time_t exp;
	size_t n = fleet_probe_encode(&r, 5000, buf);

	ck_assert_int_eq(fleet_probe_decode(buf, n, 4000, &w, banner, &exp), 0);
	ck_assert_int_eq(w.status, SMTP_ST_OK);
	ck_assert_int_eq(w.code, 220);
	ck_assert(w.connected);
	ck_assert_str_eq(w.banner, "mx.test ESMTP");
	ck_assert_int_eq(exp, 5000);
	ck_assert_int_eq(fleet_probe_decode(buf, n, 5000, &w, banner, &exp), -1);
	/* "not probed" and "skipped" never come from the fleet */
	ck_assert_int_eq(fleet_probe_decode("1|0|0|0|0|9999|", 15, 0, &w, banner, &exp), -1);
	ck_assert_int_eq(fleet_probe_decode("1|1|0|0|0|9999|", 15, 0, &w, banner, &exp), -1);
}
END_TEST

/* The history merge, one row per case: mine, theirs -> the fleet's. */
static const struct merge_row {
	const char *name;
	struct history_rec mine, theirs, want;
} merge_rows[] = {
	{ "theirs newer: their streak, earliest first_seen",
	  { .first_seen = 100, .last_seen = 200, .checks = 2 },
	  { .first_seen = 150, .last_seen = 300, .first_failure = 250, .last_failure = 300,
	    .failures = 2, .failing_for = 50, .checks = 3 },
	  { .first_seen = 100, .last_seen = 300, .first_failure = 250, .last_failure = 300,
	    .failures = 2, .failing_for = 50, .checks = 3 } },
	{ "mine newer: my streak, their later success kept",
	  { .first_seen = 100, .last_seen = 400, .first_failure = 100, .last_failure = 400,
	    .failures = 5, .failing_for = 300, .checks = 5 },
	  { .first_seen = 50, .last_seen = 90, .last_success = 90, .checks = 1 },
	  { .first_seen = 50, .last_seen = 400, .first_failure = 100, .last_failure = 400,
	    .last_success = 90, .failures = 5, .failing_for = 300, .checks = 5 } },
	{ "a success elsewhere inside my streak restarts it",
	  { .first_seen = 100, .last_seen = 400, .first_failure = 100, .last_failure = 400,
	    .failures = 5, .failing_for = 300, .checks = 5 },
	  { .first_seen = 100, .last_seen = 300, .last_success = 300, .checks = 2 },
	  { .first_seen = 100, .last_seen = 400, .first_failure = 400, .last_failure = 400,
	    .last_success = 300, .failures = 1, .failing_for = 0, .checks = 5 } },
};

START_TEST(history_merge)
{
	const struct merge_row *r = &merge_rows[_i];
	struct history_rec m = r->mine;

	fleet_history_merge(&m, &r->theirs);
	ck_assert_msg(m.first_seen == r->want.first_seen, "%s: first_seen", r->name);
	ck_assert_msg(m.last_seen == r->want.last_seen, "%s: last_seen", r->name);
	ck_assert_msg(m.first_failure == r->want.first_failure, "%s: first_failure %ld", r->name,
		      (long)m.first_failure);
	ck_assert_msg(m.last_failure == r->want.last_failure, "%s: last_failure", r->name);
	ck_assert_msg(m.last_success == r->want.last_success, "%s: last_success", r->name);
	ck_assert_msg(m.failures == r->want.failures, "%s: failures", r->name);
	ck_assert_msg(m.failing_for == r->want.failing_for, "%s: failing_for", r->name);
	ck_assert_msg(m.checks == r->want.checks, "%s: checks", r->name);
}
END_TEST

/* the /24 and /48 of probe_sched.h, as the pn: keys name them */
static const struct { const char *addr, *net; } net_rows[] = {
	{ "127.0.77.19", "127.0.77.0/24" },
	{ "192.0.2.255", "192.0.2.0/24" },
	{ "2001:db8:1:2::25", "2001:db8:1::/48" },
	{ "2001:db8:ffff:ffff::1", "2001:db8:ffff::/48" },
	{ "::ffff:192.0.2.1", "::/48" },
};

START_TEST(lease_network)
{
	struct netaddr a;
	char buf[64];

	ck_assert_int_eq(netaddr_parse(net_rows[_i].addr, &a), 0);
	fleet_lease_network(&a, buf, sizeof buf);
	ck_assert_str_eq(buf, net_rows[_i].net);
}
END_TEST

#define N(a) ((int)(sizeof a / sizeof a[0]))

int main(void)
{
	Suite *s = suite_create("fleet_codec");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, url, 0, N(url_rows));
	tcase_add_test(tc, url_name_has_no_password);
	tcase_add_test(tc, verdict_round_trip);
	tcase_add_loop_test(tc, verdict_garbage, 0, N(bad_verdicts));
	tcase_add_test(tc, probe_round_trip);
	tcase_add_loop_test(tc, history_merge, 0, N(merge_rows));
	tcase_add_loop_test(tc, lease_network, 0, N(net_rows));
	suite_add_tcase(s, tc);
	return tap_run(s);
}
