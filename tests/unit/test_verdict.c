/* Unit tests: findings + config -> verdict, reply and header. */
#include "evfix.h"
#include "tap.h"
#include "engine/verdict.h"

#include <string.h>

START_TEST(strongest_wins)
{
	struct evidence ev;
	struct findings fs = { 0 };
	struct verdict v;
	evfix_init(&ev, "d.example", DNS_ST_OK);
	findings_add(&fs, F_MX_CNAME, CLASS_RISK, "a", NULL, NULL, "x");
	findings_add(&fs, F_DNS_SERVFAIL, CLASS_TEMPORARY, NULL, NULL, NULL, "y");
	verdict_decide(&ev, &fs, NULL, &v);
	ck_assert_int_eq(v.action, ACT_DEFER);
	ck_assert_str_eq(v.reply, "450 4.4.3 recipient domain d.example cannot be resolved "
			 "now (SERVFAIL) [DNS_SERVFAIL]");
	ck_assert(v.temporary);
	verdict_clear(&v);
	findings_add(&fs, F_NULL_MX, CLASS_PERMANENT, NULL, NULL, NULL, "z");
	verdict_decide(&ev, &fs, NULL, &v);
	ck_assert_int_eq(v.action, ACT_REJECT);
	ck_assert_str_eq(v.reply, "556 5.1.10 recipient domain d.example publishes a null MX "
			 "(RFC 7505) [NULL_MX]");
	verdict_clear(&v);
	findings_clear(&fs);
	evidence_clear(&ev);
}
END_TEST

START_TEST(no_findings_accept)
{
	struct evidence ev;
	struct findings fs = { 0 };
	struct verdict v;
	evfix_init(&ev, "d.example", DNS_ST_OK);
	ev.mx_lookup.ttl = 120;
	verdict_decide(&ev, &fs, NULL, &v);
	ck_assert_int_eq(v.action, ACT_IGNORE);
	ck_assert_ptr_null(v.reply);
	ck_assert_int_eq(v.ttl, 120);
	ck_assert(!v.temporary);
	ck_assert_str_eq(verdict_name(v.action), "accept");
	verdict_clear(&v);
	evidence_clear(&ev);
}
END_TEST

START_TEST(overrides)
{
	struct config *cfg = config_new();
	struct evidence ev;
	struct findings fs = { 0 };
	struct verdict v;
	char err[128];
	ck_assert_int_eq(config_set(cfg, "on_mx_cname", "reject", err, sizeof err), 0);
	ck_assert_int_eq(config_set(cfg, "on_null_mx", "ignore", err, sizeof err), 0);
	evfix_init(&ev, "d.example", DNS_ST_OK);
	findings_add(&fs, F_NULL_MX, CLASS_PERMANENT, NULL, NULL, NULL, "z");
	verdict_decide(&ev, &fs, cfg, &v);
	ck_assert_int_eq(v.action, ACT_IGNORE);
	ck_assert_int_eq(fs.v[0].action, ACT_IGNORE);
	verdict_clear(&v);
	findings_add(&fs, F_MX_CNAME, CLASS_RISK, "a", NULL, NULL, "x");
	verdict_decide(&ev, &fs, cfg, &v);
	ck_assert_int_eq(v.action, ACT_REJECT);
	ck_assert_ptr_nonnull(strstr(v.reply, "550 5.4.4"));
	ck_assert_ptr_nonnull(strstr(v.reply, "[MX_CNAME]"));
	char hdr[256];
	verdict_header_value(v.action, "d.example", &fs, hdr, sizeof hdr);
	ck_assert_str_eq(hdr, "reject; domain=d.example; findings=MX_CNAME");
	verdict_clear(&v);
	findings_clear(&fs);
	evidence_clear(&ev);
	config_free(cfg);
}
END_TEST

START_TEST(risk_never_rejects_alone)
{
	struct evidence ev;
	struct findings fs = { 0 };
	struct verdict v;
	evfix_init(&ev, "d.example", DNS_ST_OK);
	for (int c = 0; c < F__COUNT; c++)
		findings_add(&fs, (enum finding_code)c, CLASS_RISK, NULL, NULL, NULL, "r");
	verdict_decide(&ev, &fs, NULL, &v);
	ck_assert_int_eq(v.action, ACT_ANNOTATE);
	char hdr[64];
	size_t n = verdict_header_value(v.action, "d.example", &fs, hdr, sizeof hdr);
	ck_assert_uint_eq(n, strlen(hdr));	/* truncated safely */
	ck_assert_uint_lt(n, sizeof hdr);
	verdict_clear(&v);
	findings_clear(&fs);
	evidence_clear(&ev);
}
END_TEST

START_TEST(header_dedup)
{
	struct findings fs = { 0 };
	char hdr[256];
	findings_add(&fs, F_NULL_MX_MALFORMED, CLASS_RISK, NULL, NULL, NULL, "a");
	findings_add(&fs, F_SMTP_SILENT, CLASS_RISK, NULL, NULL, NULL, "a");
	findings_add(&fs, F_SMTP_SILENT, CLASS_RISK, NULL, NULL, NULL, "b");
	findings_add(&fs, F_NULL_MX, CLASS_RISK, NULL, NULL, NULL, "c");
	verdict_header_value(ACT_ANNOTATE, "d.example", &fs, hdr, sizeof hdr);
	ck_assert_str_eq(hdr, "annotate; domain=d.example; findings=NULL_MX_MALFORMED,"
			 "SMTP_SILENT,NULL_MX");
	findings_clear(&fs);
}
END_TEST

/* mxvet's own faults give no verdict, whatever the findings say. */
struct own_fault_row {
	const char *name;
	bool blind, internal, lost;
	enum dns_status mx;
	const char *why;	/* a word of the sentence */
};

static const struct own_fault_row own_fault_rows[] = {
	{ "resolver blind", true, false, false, DNS_ST_TIMEOUT, "reaches no DNS" },
	{ "out of memory in the pipeline", false, true, false, DNS_ST_OK, "memory" },
	{ "a finding lost to out of memory", false, false, true, DNS_ST_OK, "memory" },
	{ "resolver library error", false, false, false, DNS_ST_ERROR, "library" },
	{ "none: the finding decides", false, false, false, DNS_ST_TIMEOUT, NULL },
};

START_TEST(own_fault_no_verdict)
{
	const struct own_fault_row *r = &own_fault_rows[_i];
	struct evidence ev;
	struct findings fs = { 0 };
	struct verdict v;

	evfix_init(&ev, "d.example", r->mx);
	ev.resolver_blind = r->blind;
	ev.internal_error = r->internal;
	findings_add(&fs, F_DNS_TIMEOUT, CLASS_TEMPORARY, NULL, NULL, NULL, "t");
	fs.lost = r->lost;
	verdict_decide(&ev, &fs, NULL, &v);
	if (r->why) {
		ck_assert_msg(v.error && strstr(v.error, r->why), "%s", r->name);
		ck_assert_int_eq(v.action, ACT_IGNORE);
		ck_assert_int_eq(fs.v[0].action, ACT_IGNORE);
		ck_assert_ptr_null(v.reply);
		ck_assert(v.temporary);
	} else {
		ck_assert_ptr_null(v.error);
		ck_assert_int_eq(v.action, ACT_DEFER);
	}
	verdict_clear(&v);
	findings_clear(&fs);
	evidence_clear(&ev);
}
END_TEST

START_TEST(every_code_named)
{
	for (int c = 0; c < F__COUNT; c++) {
		const struct finding_info *fi = finding_info((enum finding_code)c);
		ck_assert_int_eq(fi->code, c);
		ck_assert_int_eq(finding_code_by_name(fi->name), c);
		ck_assert(fi->reject_reply[0] == '5' && fi->defer_reply[0] == '4');
	}
	ck_assert_int_eq(finding_code_by_name("NOPE"), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("verdict");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, strongest_wins);
	tcase_add_test(tc, no_findings_accept);
	tcase_add_test(tc, overrides);
	tcase_add_test(tc, risk_never_rejects_alone);
	tcase_add_test(tc, header_dedup);
	tcase_add_test(tc, every_code_named);
	tcase_add_loop_test(tc, own_fault_no_verdict, 0,
			    (int)(sizeof own_fault_rows / sizeof own_fault_rows[0]));
	suite_add_tcase(s, tc);
	return tap_run(s);
}
