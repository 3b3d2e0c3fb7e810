/* Unit tests: the domain-level check module on synthetic evidence. */
#include "evfix.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

#define OK DNS_ST_OK
#define NODATA DNS_ST_NODATA
#define NX DNS_ST_NXDOMAIN

static struct config *cfg;
static struct evidence ev;
static struct findings fs;

static void setup(void)
{
	cfg = config_new();
	memset(&fs, 0, sizeof fs);
}

static void teardown(void)
{
	evidence_clear(&ev);
	findings_clear(&fs);
	config_free(cfg);
}

START_TEST(nxdomain)
{
	evfix_init(&ev, "nx.example", NX);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "DOMAIN_NXDOMAIN");
	ck_assert_int_eq(evfix_class(&fs, F_DOMAIN_NXDOMAIN), CLASS_PERMANENT);
	ck_assert_ptr_nonnull(strstr(fs.v[0].reproduce, "dig nx.example"));
}
END_TEST

START_TEST(servfail_timeout_bogus)
{
	static const struct { enum dns_status st; const char *code; } t[] = {
		{ DNS_ST_SERVFAIL, "DNS_SERVFAIL" }, { DNS_ST_TIMEOUT, "DNS_TIMEOUT" },
		{ DNS_ST_BOGUS, "DNSSEC_BOGUS" },
	};
	for (size_t i = 0; i < 3; i++) {
		struct evidence e;
		struct findings f = { 0 };
		evfix_init(&e, "x.example", t[i].st);
		e.mx_lookup.why_bogus = strdup("signature expired");
		ck_assert_str_eq(evfix_codes(&e, cfg, &f), t[i].code);
		ck_assert_int_eq(f.v[0].cls, CLASS_TEMPORARY);
		if (t[i].st == DNS_ST_BOGUS)
			ck_assert_ptr_nonnull(strstr(f.v[0].detail, "signature expired"));
		evidence_clear(&e);
		findings_clear(&f);
	}
}
END_TEST

START_TEST(library_error_is_silent)
{
	evfix_init(&ev, "x.example", DNS_ST_ERROR);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "-");
}
END_TEST

START_TEST(null_mx)
{
	evfix_init(&ev, "n.example", OK);
	evfix_mx(&ev, 0, ".", NULL, 0, 0);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "NULL_MX");
	ck_assert_int_eq(fs.v[0].cls, CLASS_PERMANENT);
}
END_TEST

START_TEST(null_mx_mixed)
{
	evfix_init(&ev, "n.example", OK);
	evfix_mx(&ev, 0, ".", NULL, 0, 0);
	evfix_mx(&ev, 10, "mx.n.example", "8.8.8.8", OK, NODATA);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "NULL_MX_MALFORMED");
	ck_assert_int_eq(fs.v[0].cls, CLASS_RISK);
}
END_TEST

START_TEST(null_mx_mixed_nothing_usable)
{
	evfix_init(&ev, "n.example", OK);
	evfix_mx(&ev, 0, ".", NULL, 0, 0);
	evfix_mx(&ev, 10, "mx.n.example", "", NX, NX);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "MX_NO_ADDRESS,NULL_MX_MALFORMED");
	ck_assert_int_eq(evfix_class(&fs, F_NULL_MX_MALFORMED), CLASS_PERMANENT);
}
END_TEST

START_TEST(null_mx_pref)
{
	evfix_init(&ev, "n.example", OK);
	evfix_mx(&ev, 10, ".", NULL, 0, 0);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "NULL_MX_MALFORMED");
	ck_assert_int_eq(fs.v[0].cls, CLASS_PERMANENT);
}
END_TEST

START_TEST(null_mx_bare_label)
{
	static const char *const labels[] = { "nullmx", "0" };
	for (size_t i = 0; i < 2; i++) {
		struct evidence e;
		struct findings f = { 0 };
		evfix_init(&e, "n.example", OK);
		evfix_mx(&e, 0, labels[i], "", NX, NX);
		ck_assert_str_eq(evfix_codes(&e, cfg, &f), "NULL_MX_MALFORMED");
		ck_assert_int_eq(f.v[0].cls, CLASS_PERMANENT);
		evidence_clear(&e);
		findings_clear(&f);
	}
}
END_TEST

START_TEST(no_mail_host)
{
	evfix_init(&ev, "n.example", NODATA);
	ev.implicit_mx = true;
	evfix_mx(&ev, 0, "n.example", "", NODATA, NODATA);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "NO_MAIL_HOST");
	ck_assert_int_eq(fs.v[0].cls, CLASS_PERMANENT);
}
END_TEST

START_TEST(implicit_mx)
{
	evfix_init(&ev, "n.example", NODATA);
	ev.implicit_mx = true;
	evfix_mx(&ev, 0, "n.example", "8.8.4.4", OK, NODATA);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "NO_MX_IMPLICIT");
	ck_assert_int_eq(fs.v[0].cls, CLASS_RISK);
	ck_assert_ptr_nonnull(strstr(fs.v[0].detail, "8.8.4.4"));
}
END_TEST

START_TEST(implicit_mx_localhost)
{
	evfix_init(&ev, "n.example", NODATA);
	ev.implicit_mx = true;
	evfix_mx(&ev, 0, "n.example", "127.0.0.1", OK, NODATA);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "MX_LOCALHOST,NO_MX_IMPLICIT");
	ck_assert_int_eq(evfix_class(&fs, F_MX_LOCALHOST), CLASS_PERMANENT);
}
END_TEST

START_TEST(implicit_lookup_failed)
{
	evfix_init(&ev, "n.example", NODATA);
	ev.implicit_mx = true;
	evfix_mx(&ev, 0, "n.example", "", DNS_ST_TIMEOUT, NODATA);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "DNS_TIMEOUT");
}
END_TEST

START_TEST(thousand_mx)
{
	char name[64];
	evfix_init(&ev, "big.example", OK);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "mx%d.big.example", i);
		evfix_mx(&ev, (unsigned)i, name, i < 16 ? "8.8.8.8" : NULL, OK, NODATA);
	}
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "-");
}
END_TEST

START_TEST(empty_mx_set)
{
	/* NOERROR with data but nothing parsable (all rdata malformed) */
	evfix_init(&ev, "e.example", OK);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "-");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checks_domain");
	TCase *tc = tcase_create("domain");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nxdomain);
	tcase_add_test(tc, servfail_timeout_bogus);
	tcase_add_test(tc, library_error_is_silent);
	tcase_add_test(tc, null_mx);
	tcase_add_test(tc, null_mx_mixed);
	tcase_add_test(tc, null_mx_mixed_nothing_usable);
	tcase_add_test(tc, null_mx_pref);
	tcase_add_test(tc, null_mx_bare_label);
	tcase_add_test(tc, no_mail_host);
	tcase_add_test(tc, implicit_mx);
	tcase_add_test(tc, implicit_mx_localhost);
	tcase_add_test(tc, implicit_lookup_failed);
	tcase_add_test(tc, thousand_mx);
	tcase_add_test(tc, empty_mx_set);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
