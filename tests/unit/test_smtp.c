/* Unit tests of pure SMTP logic: the greeting parser, the smtp and dead
 * check modules on synthetic evidence, and the address gate of the prober
 * (addr_policy_class), which must refuse every internal range. No sockets. */
#include "evfix.h"
#include "checks/registry.h"
#include "lib/addr_policy.h"
#include "engine/smtp_probe.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* ---- greeting parser ---- */

struct greet_row {
	const char *name;
	const char *lines[6];		/* fed in order until complete */
	enum smtp_status want;
	int code;
	const char *banner;
};

static const struct greet_row greet_rows[] = {
	{ "one line", { "220 mx.example ESMTP" }, SMTP_ST_OK, 220, "220 mx.example ESMTP" },
	{ "bare code", { "220" }, SMTP_ST_OK, 220, "220" },
	{ "multi-line", { "220-mx.example", "220-more", "220 ready" }, SMTP_ST_OK, 220,
	  "220-mx.example" },
	{ "421", { "421 4.3.2 busy" }, SMTP_ST_TEMPFAIL, 421, "421 4.3.2 busy" },
	{ "554", { "554 5.7.1 go away" }, SMTP_ST_REJECT, 554, "554 5.7.1 go away" },
	{ "multi-line 554", { "554-no", "554 really no" }, SMTP_ST_REJECT, 554, "554-no" },
	{ "garbage", { "hello there" }, SMTP_ST_ERROR, 0, "hello there" },
	{ "bad separator", { "220xmx" }, SMTP_ST_ERROR, 0, "220xmx" },
	{ "1xx code", { "120 wait" }, SMTP_ST_ERROR, 120, "120 wait" },
	{ "control chars sanitized", { "220 a\tb\x01" }, SMTP_ST_OK, 220, "220 a?b?" },
};

START_TEST(test_greeting)
{
	const struct greet_row *r = &greet_rows[_i];
	struct smtp_greeting g;
	bool done = false;

	smtp_greeting_init(&g);
	for (size_t k = 0; k < 6 && r->lines[k] && !done; k++)
		done = smtp_greeting_line(&g, r->lines[k], strlen(r->lines[k]));
	ck_assert_msg(done, "%s: not complete", r->name);
	ck_assert_int_eq(smtp_greeting_status(&g), r->want);
	ck_assert_int_eq(g.code, r->code);
	ck_assert_str_eq(g.banner, r->banner);
}
END_TEST

START_TEST(test_greeting_line_cap)
{
	struct smtp_greeting g;
	unsigned n = 0;

	smtp_greeting_init(&g);
	/* an endless 220- greeting is cut at the line cap and judged */
	while (!smtp_greeting_line(&g, "220-more", 8))
		ck_assert_uint_lt(++n, 1000);
	ck_assert_uint_eq(g.lines, SMTP_GREETING_MAX_LINES);
	ck_assert(!g.done);
	ck_assert_int_eq(smtp_greeting_status(&g), SMTP_ST_OK);
}
END_TEST

START_TEST(test_greeting_cut)
{
	struct smtp_greeting g;

	smtp_greeting_init(&g);
	smtp_greeting_cut(&g, "554xxxxxxxx", 11);	/* no separator after the code */
	ck_assert_int_eq(smtp_greeting_status(&g), SMTP_ST_ERROR);
	smtp_greeting_init(&g);
	smtp_greeting_cut(&g, "421 aaaaaaaa", 12);
	ck_assert_int_eq(smtp_greeting_status(&g), SMTP_ST_TEMPFAIL);
	smtp_greeting_init(&g);
	smtp_greeting_cut(&g, "", 0);
	ck_assert_int_eq(smtp_greeting_status(&g), SMTP_ST_ERROR);
}
END_TEST

/* ---- the smtp and dead checks ---- */

static enum smtp_status st_by_name(const char *s)
{
	for (int i = SMTP_ST_NONE; i <= SMTP_ST_ERROR; i++)
		if (!strcmp(smtp_status_name(i), s))
			return i;
	ck_abort_msg("bad status %s", s);
	return SMTP_ST_NONE;
}

/* "ADDR=status ADDR=status" */
static void set_smtp(struct ev_mx *m, const char *spec)
{
	char *dup = strdup(spec), *save = NULL;
	size_t k = 0;

	for (char *t = strtok_r(dup, " ", &save); t; t = strtok_r(NULL, " ", &save), k++) {
		char *eq = strchr(t, '=');
		ck_assert_ptr_nonnull(eq);
		ck_assert_uint_lt(k, m->naddrs);
		/* "refused!": a connect failure while the prober was blind */
		size_t n = strlen(eq + 1);
		if (n && eq[n] == '!') {
			eq[n] = '\0';
			m->addrs[k].smtp.blind = true;
		}
		m->addrs[k].smtp.status = st_by_name(eq + 1);
	}
	free(dup);
}

static char *addrs_of(const char *spec)
{
	char *out = strdup(spec);
	for (char *p = out, *q; (q = strchr(p, '=')); p = q) {
		char *sp = strchr(q, ' ');
		size_t rest = sp ? strlen(sp) : 0;
		memmove(q, sp ? sp : q + strlen(q), rest + 1);
	}
	return out;
}

struct check_row {
	const char *name;
	const char *mx[3];		/* "PREF TARGET" */
	const char *smtp[3];		/* "ADDR=status ..." */
	bool smtp_done;
	int hist_age;			/* >0: failing streak began this long ago (s) */
	int last_success_age;		/* >0: a success this long ago */
	const char *codes;
	int dead_cls;			/* class of DOMAIN_DEAD, -1 if absent */
	bool ev_blind;			/* the prober was blind as the check completed */
};

static const struct check_row check_rows[] = {
	{ "healthy", { "10 mx1.d.example", "20 mx2.d.example" },
	  { "8.8.8.8=ok", "8.8.4.4=ok" }, true, 0, 0, "-", -1, false },
	{ "smtp not run", { "10 mx1.d.example" }, { "8.8.8.8=none" }, false, 0, 0, "-", -1, false },
	{ "silent only", { "10 mx.d.example" }, { "8.8.8.8=silent" }, true, 0, 0,
	  "ALL_MX_UNREACHABLE,SMTP_SILENT", -1, false },
	{ "refused only", { "10 mx.d.example" }, { "8.8.8.8=refused" }, true, 0, 0,
	  "ALL_MX_UNREACHABLE,SMTP_REFUSED", -1, false },
	{ "timeout only", { "10 mx.d.example" }, { "8.8.8.8=timeout" }, true, 0, 0,
	  "ALL_MX_UNREACHABLE,SMTP_TIMEOUT", -1, false },
	{ "421 only", { "10 mx.d.example" }, { "8.8.8.8=tempfail" }, true, 0, 0,
	  "ALL_MX_UNREACHABLE,SMTP_BANNER_TEMPFAIL", -1, false },
	{ "554 only", { "10 mx.d.example" }, { "8.8.8.8=reject" }, true, 0, 0,
	  "ALL_MX_UNREACHABLE,SMTP_BANNER_REJECT", -1, false },
	{ "garbled only", { "10 mx.d.example" }, { "8.8.8.8=error" }, true, 0, 0,
	  "ALL_MX_UNREACHABLE", -1, false },
	{ "primary silent, backup ok", { "10 mx1.d.example", "20 mx2.d.example" },
	  { "8.8.8.8=silent", "8.8.4.4=ok" }, true, 0, 0, "PRIMARY_MX_DOWN,SMTP_SILENT", -1, false },
	{ "backup down only", { "10 mx1.d.example", "20 mx2.d.example" },
	  { "8.8.8.8=ok", "8.8.4.4=refused" }, true, 0, 0, "SMTP_REFUSED", -1, false },
	{ "one of two primaries down", { "10 mx1.d.example", "10 mx2.d.example" },
	  { "8.8.8.8=silent", "8.8.4.4=ok" }, true, 0, 0, "SMTP_SILENT", -1, false },
	{ "host with one good address", { "10 mx1.d.example" },
	  { "8.8.8.8=refused 8.8.4.4=ok" }, true, 0, 0, "SMTP_REFUSED", -1, false },
	{ "skipped primary is not probed", { "10 mx1.d.example", "20 mx2.d.example" },
	  { "8.8.8.8=skipped", "8.8.4.4=ok" }, true, 0, 0, "-", -1, false },
	{ "skipped only: not unreachable", { "10 mx1.d.example" }, { "8.8.8.8=skipped" },
	  true, 0, 0, "-", -1, false },
	{ "dead after streak", { "10 mx.d.example" }, { "8.8.8.8=refused" }, true, 3600, 0,
	  "ALL_MX_UNREACHABLE,DOMAIN_DEAD,SMTP_REFUSED", CLASS_PERMANENT, false },
	{ "streak too young", { "10 mx.d.example" }, { "8.8.8.8=refused" }, true, 30, 0,
	  "ALL_MX_UNREACHABLE,SMTP_REFUSED", -1, false },
	{ "old streak but greets now", { "10 mx.d.example" }, { "8.8.8.8=ok" }, true, 3600, 0,
	  "-", -1, false },
	{ "success after the streak began", { "10 mx.d.example" }, { "8.8.8.8=silent" }, true,
	  3600, 10, "ALL_MX_UNREACHABLE,SMTP_SILENT", -1, false },
	/* the prober was blind (egress_guard.h): its connect failures say nothing */
	{ "blind: refused only", { "10 mx.d.example" }, { "8.8.8.8=refused!" }, true, 0, 0,
	  "-", -1, false },
	{ "blind: timeout only, old streak", { "10 mx.d.example" }, { "8.8.8.8=timeout!" }, true,
	  3600, 0, "-", -1, false },
	{ "blind: primary refused, backup ok", { "10 mx1.d.example", "20 mx2.d.example" },
	  { "8.8.8.8=refused!", "8.8.4.4=ok" }, true, 0, 0, "-", -1, false },
	/* an unjudged host might greet: no host is known to be down */
	{ "blind: one refused, one silent", { "10 mx1.d.example", "20 mx2.d.example" },
	  { "8.8.8.8=refused!", "8.8.4.4=silent" }, true, 3600, 0, "SMTP_SILENT", -1, false },
	{ "blind and not: the judged failure is reported", { "10 mx1.d.example",
	  "20 mx2.d.example" }, { "8.8.8.8=refused!", "8.8.4.4=refused" }, true, 3600, 0,
	  "SMTP_REFUSED", -1, false },
	{ "blind address, other address of the host silent", { "10 mx.d.example" },
	  { "8.8.8.8=refused! 8.8.4.4=silent" }, true, 3600, 0, "SMTP_SILENT", -1, false },
	/* the check completed while the prober was blind (evidence.smtp_blind):
	 * every connect failure of the check is unjudged, banners still count */
	{ "check blind: refused only, old streak", { "10 mx.d.example" }, { "8.8.8.8=refused" },
	  true, 3600, 0, "-", -1, true },
	{ "check blind: timeout only, old streak", { "10 mx.d.example" }, { "8.8.8.8=timeout" },
	  true, 3600, 0, "-", -1, true },
	{ "check blind: unreachable only, old streak", { "10 mx.d.example" },
	  { "8.8.8.8=error" }, true, 3600, 0, "-", -1, true },
	{ "check blind: all refused, three hosts", { "10 mx1.d.example", "20 mx2.d.example",
	  "30 mx3.d.example" }, { "8.8.8.8=refused", "8.8.4.4=timeout 1.1.1.1=refused",
	  "9.9.9.9=refused" }, true, 3600, 0, "-", -1, true },
	{ "check blind: primary refused, backup ok", { "10 mx1.d.example", "20 mx2.d.example" },
	  { "8.8.8.8=refused", "8.8.4.4=ok" }, true, 0, 0, "-", -1, true },
	{ "check blind: primary ok, backup timeout", { "10 mx1.d.example", "20 mx2.d.example" },
	  { "8.8.8.8=ok", "8.8.4.4=timeout" }, true, 0, 0, "-", -1, true },
	{ "check blind: 421 only, old streak", { "10 mx.d.example" }, { "8.8.8.8=tempfail" },
	  true, 3600, 0, "ALL_MX_UNREACHABLE,DOMAIN_DEAD,SMTP_BANNER_TEMPFAIL", CLASS_PERMANENT,
	  true },
	{ "check blind: 554 only", { "10 mx.d.example" }, { "8.8.8.8=reject" }, true, 0, 0,
	  "ALL_MX_UNREACHABLE,SMTP_BANNER_REJECT", -1, true },
	{ "check blind: silent only", { "10 mx.d.example" }, { "8.8.8.8=silent" }, true, 0, 0,
	  "ALL_MX_UNREACHABLE,SMTP_SILENT", -1, true },
	{ "check blind: primary silent, backup ok", { "10 mx1.d.example", "20 mx2.d.example" },
	  { "8.8.8.8=silent", "8.8.4.4=ok" }, true, 0, 0, "PRIMARY_MX_DOWN,SMTP_SILENT", -1,
	  true },
	{ "check blind: 554 primary, refused backup, old streak", { "10 mx1.d.example",
	  "20 mx2.d.example" }, { "8.8.8.8=reject", "8.8.4.4=refused" }, true, 3600, 0,
	  "SMTP_BANNER_REJECT", -1, true },
	{ "check blind: skipped only", { "10 mx.d.example" }, { "8.8.8.8=skipped" }, true, 0, 0,
	  "-", -1, true },
};

START_TEST(test_checks)
{
	const struct check_row *r = &check_rows[_i];
	struct config *cfg = config_new();
	struct evidence ev;
	struct findings fs = { 0 };
	char err[128];

	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(config_set(cfg, "dead_after", "60s", err, sizeof err), 0);
	evfix_init(&ev, "d.example", DNS_ST_OK);
	for (size_t i = 0; i < 3 && r->mx[i]; i++) {
		char target[128];
		unsigned pref;
		ck_assert_int_eq(sscanf(r->mx[i], "%u %127s", &pref, target), 2);
		char *addrs = addrs_of(r->smtp[i]);
		struct ev_mx *m = evfix_mx(&ev, pref, target, addrs, DNS_ST_OK, DNS_ST_NODATA);
		free(addrs);
		set_smtp(m, r->smtp[i]);
	}
	ev.smtp_done = r->smtp_done;
	ev.smtp_blind = r->ev_blind;
	if (r->hist_age) {
		ev.history.have = true;
		ev.history.first_failure = ev.now - r->hist_age;
		ev.history.last_failure = ev.now - 1;
		ev.history.failures = 3;
		ev.history.failing_for = r->hist_age - 1;	/* checked often */
		if (r->last_success_age)
			ev.history.last_success = ev.now - r->last_success_age;
	}
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), r->codes);
	ck_assert_int_eq(evfix_class(&fs, F_DOMAIN_DEAD), r->dead_cls);
	if (strstr(r->codes, "ALL_MX"))
		ck_assert_int_eq(evfix_class(&fs, F_ALL_MX_UNREACHABLE), CLASS_TEMPORARY);
	/* per-host findings name the host and the address */
	for (size_t i = 0; i < fs.n; i++)
		if (fs.v[i].code >= F_SMTP_REFUSED && fs.v[i].code <= F_SMTP_BANNER_REJECT) {
			ck_assert_ptr_nonnull(fs.v[i].host);
			ck_assert_ptr_nonnull(fs.v[i].server);
			ck_assert_int_eq(fs.v[i].cls, CLASS_RISK);
		}
	findings_clear(&fs);
	evidence_clear(&ev);
	config_free(cfg);
}
END_TEST

/* DOMAIN_DEAD through an apex CNAME that hides the MX everywhere: the
 * authority module's finding, read from the list (no SMTP at all). */
START_TEST(test_dead_apex)
{
	struct config *cfg = config_new();
	struct evidence ev;
	struct findings fs = { 0 };
	struct check_env env = { cfg, NULL };

	evfix_init(&ev, "d.example", DNS_ST_OK);
	ev.history.have = true;
	ev.history.first_failure = ev.now - 10 * 86400;
	ev.history.last_failure = ev.now - 3600;
	ev.history.failures = 40;
	ev.history.failing_for = 10 * 86400 - 3600;
	findings_add(&fs, F_APEX_CNAME, CLASS_TEMPORARY, NULL, NULL, NULL, "every answer");
	check_dead(&ev, &env, &fs);
	ck_assert_int_eq(evfix_class(&fs, F_DOMAIN_DEAD), CLASS_PERMANENT);
	findings_clear(&fs);
	/* only some answers hide it: a risk, not a failure */
	findings_add(&fs, F_APEX_CNAME, CLASS_RISK, NULL, NULL, NULL, "some answers");
	check_dead(&ev, &env, &fs);
	ck_assert_int_eq(evfix_class(&fs, F_DOMAIN_DEAD), -1);
	findings_clear(&fs);
	evidence_clear(&ev);
	config_free(cfg);
}
END_TEST

/* ---- the address gate ---- */

struct gate_row {
	const char *addr;
	const char *allowed;		/* mx_allowed_networks */
	enum addr_class want;
};

static const struct gate_row gate_rows[] = {
	{ "8.8.8.8", "", ADDR_GLOBAL },
	{ "2001:4860::8888", "", ADDR_GLOBAL },
	{ "127.0.0.1", "", ADDR_LOOPBACK },
	{ "127.0.0.1", "127.53.0.0/16, 127.25.0.0/16", ADDR_LOOPBACK },
	{ "127.25.0.3", "127.53.0.0/16, 127.25.0.0/16", ADDR_GLOBAL },
	{ "::1", "", ADDR_LOOPBACK },
	{ "::ffff:127.0.0.1", "", ADDR_LOOPBACK },
	{ "0.0.0.0", "", ADDR_BOGON },
	{ "10.1.2.3", "", ADDR_BOGON },
	{ "172.16.0.1", "", ADDR_BOGON },
	{ "172.31.255.1", "", ADDR_BOGON },
	{ "192.168.1.1", "", ADDR_BOGON },
	{ "100.64.0.1", "", ADDR_BOGON },
	{ "169.254.169.254", "", ADDR_BOGON },	/* cloud metadata: the classic target */
	{ "192.0.2.25", "", ADDR_BOGON },
	{ "198.51.100.1", "", ADDR_BOGON },
	{ "203.0.113.9", "", ADDR_BOGON },
	{ "224.0.0.1", "", ADDR_BOGON },
	{ "240.0.0.1", "", ADDR_BOGON },
	{ "255.255.255.255", "", ADDR_BOGON },
	{ "::", "", ADDR_BOGON },
	{ "fd00::25", "", ADDR_BOGON },
	{ "fe80::1", "", ADDR_BOGON },
	{ "2001:db8::25", "", ADDR_BOGON },
	{ "::ffff:10.0.0.1", "", ADDR_BOGON },
	{ "10.1.2.3", "10.0.0.0/8", ADDR_GLOBAL },	/* a site's own internal MX */
};

START_TEST(test_gate)
{
	const struct gate_row *r = &gate_rows[_i];
	struct config *cfg = config_new();
	struct netaddr a;
	char err[128];

	ck_assert_int_eq(netaddr_parse(r->addr, &a), 0);
	ck_assert_int_eq(config_set(cfg, "mx_allowed_networks", r->allowed, err, sizeof err), 0);
	ck_assert_msg(addr_policy_class(&a, &cfg->mx_allowed_networks, NULL) == r->want, "%s with [%s]", r->addr,
		      r->allowed);
	config_free(cfg);
}
END_TEST

#define N(a) ((int)(sizeof a / sizeof a[0]))

int main(void)
{
	Suite *s = suite_create("smtp");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_greeting, 0, N(greet_rows));
	tcase_add_test(tc, test_greeting_line_cap);
	tcase_add_test(tc, test_greeting_cut);
	tcase_add_loop_test(tc, test_checks, 0, N(check_rows));
	tcase_add_test(tc, test_dead_apex);
	tcase_add_loop_test(tc, test_gate, 0, N(gate_rows));
	suite_add_tcase(s, tc);
	return tap_run(s);
}
