/* Unit tests: the MX-host and typo check modules on synthetic evidence. */
#include "evfix.h"
#include "tap.h"
#include "checks/typo.h"

#include <string.h>

#define OK DNS_ST_OK
#define NODATA DNS_ST_NODATA
#define NX DNS_ST_NXDOMAIN

struct row {
	const char *name;
	const char *mx[3];	/* "PREF TARGET" */
	const char *addrs[3];	/* NULL: not looked up; "" no address */
	enum dns_status a[3];
	const char *canon[3];
	const char *codes;
	int cls;		/* class of the first finding, -1: don't care */
};

static const struct row rows[] = {
	{ "healthy", { "10 mx1.d.example", "20 mx2.d.example" }, { "8.8.8.8", "8.8.4.4" },
	  { OK, OK }, { 0 }, "-", -1 },
	{ "cname", { "10 alias.d.example" }, { "8.8.8.8" }, { OK }, { "mx.d.example" },
	  "MX_CNAME", CLASS_RISK },
	{ "ip literal only", { "10 192.0.2.10" }, { NULL }, { 0 }, { 0 },
	  "MX_IP_LITERAL", CLASS_PERMANENT },
	{ "ip literal + good", { "10 192.0.2.10", "20 mx.d.example" }, { NULL, "8.8.8.8" },
	  { 0, OK }, { 0 }, "MX_IP_LITERAL", CLASS_RISK },
	{ "localhost name", { "10 localhost" }, { "127.0.0.1" }, { OK }, { 0 },
	  "MX_LOCALHOST", CLASS_PERMANENT },
	{ "loopback address", { "10 mx.d.example" }, { "127.0.0.1 ::1" }, { OK }, { 0 },
	  "MX_LOCALHOST", CLASS_PERMANENT },
	{ "loopback + good", { "10 mx.d.example", "20 mx2.d.example" },
	  { "127.0.0.1", "8.8.8.8" }, { OK, OK }, { 0 }, "MX_LOCALHOST", CLASS_RISK },
	{ "bogon rfc1918", { "10 mx.d.example" }, { "10.1.2.3" }, { OK }, { 0 },
	  "MX_BOGON", CLASS_PERMANENT },
	{ "bogon doc + link-local", { "10 mx.d.example" }, { "192.0.2.25 169.254.1.1" }, { OK },
	  { 0 }, "MX_BOGON", CLASS_PERMANENT },
	{ "bogon v6 ula", { "10 mx.d.example" }, { "fd00::25" }, { NODATA }, { 0 },
	  "MX_BOGON", CLASS_PERMANENT },
	{ "mixed bogon and routable", { "10 mx.d.example" }, { "10.1.2.3 8.8.8.8" }, { OK },
	  { 0 }, "-", -1 },
	{ "allowed lab network", { "10 mx.d.example" }, { "127.25.0.10" }, { OK }, { 0 },
	  "-", -1 },
	{ "no address nodata", { "10 mx.d.example" }, { "" }, { NODATA }, { 0 },
	  "MX_NO_ADDRESS", CLASS_RISK },
	{ "no address nxdomain", { "10 mx.d.example" }, { "" }, { NX }, { 0 },
	  "MX_NO_ADDRESS", CLASS_PERMANENT },
	{ "no address nxdomain + good", { "10 mx.d.example", "20 mx2.d.example" },
	  { "", "8.8.8.8" }, { NX, OK }, { 0 }, "MX_NO_ADDRESS", CLASS_RISK },
	{ "no address servfail", { "10 mx.d.example" }, { "" }, { DNS_ST_SERVFAIL }, { 0 },
	  "MX_NO_ADDRESS", CLASS_TEMPORARY },
	{ "invalid underscore", { "10 bad_host.d.example" }, { "8.8.8.8" }, { OK }, { 0 },
	  "MX_TARGET_INVALID", CLASS_PERMANENT },
	{ "invalid + good", { "10 bad_host.d.example", "20 mx.d.example" },
	  { "8.8.8.8", "8.8.8.8" }, { OK, OK }, { 0 }, "MX_TARGET_INVALID", CLASS_RISK },
	{ "invalid escaped", { "10 mx\\032x.d.example" }, { NULL }, { 0 }, { 0 },
	  "MX_TARGET_INVALID", CLASS_PERMANENT },
	{ "typo google", { "10 aspmx.l.gooogle.com" }, { "8.8.8.8" }, { OK }, { 0 },
	  "MX_TYPO", CLASS_RISK },
	{ "typo outlook", { "10 d-example.mail.protection.outlok.com" }, { "8.8.8.8" }, { OK },
	  { 0 }, "MX_TYPO", CLASS_RISK },
	{ "real google", { "10 aspmx.l.google.com" }, { "8.8.8.8" }, { OK }, { 0 }, "-", -1 },
	{ "far from any provider", { "10 mx.example-mail.org" }, { "8.8.8.8" }, { OK }, { 0 },
	  "-", -1 },
	{ "duplicate host", { "10 mx.d.example", "20 mx.d.example" }, { "10.0.0.1", "10.0.0.1" },
	  { OK, OK }, { 0 }, "MX_BOGON", CLASS_PERMANENT },
};

START_TEST(table)
{
	const struct row *r = &rows[_i];
	struct config *cfg = config_new();
	struct evidence ev;
	struct findings fs = { 0 };
	char err[128];

	cidr_list_parse("127.25.0.0/16", &cfg->mx_allowed_networks, err, sizeof err);
	evfix_init(&ev, "d.example", OK);
	for (int i = 0; i < 3 && r->mx[i]; i++) {
		unsigned pref = 0;
		char target[300];
		sscanf(r->mx[i], "%u %299s", &pref, target);
		struct ev_mx *m = evfix_mx(&ev, pref, target, r->addrs[i], r->a[i], r->a[i]);
		if (r->canon[i])
			m->a.canonname = strdup(r->canon[i]);
	}
	const char *codes = evfix_codes(&ev, cfg, &fs);
	ck_assert_msg(strcmp(codes, r->codes) == 0, "%s: got %s, want %s", r->name, codes,
		      r->codes);
	if (r->cls >= 0)
		ck_assert_msg(fs.v[0].cls == (enum finding_class)r->cls, "%s: class %d want %d",
			      r->name, fs.v[0].cls, r->cls);
	for (size_t i = 0; i < fs.n; i++)
		ck_assert_msg(fs.v[i].detail && *fs.v[i].detail, "%s: empty detail", r->name);
	evidence_clear(&ev);
	findings_clear(&fs);
	config_free(cfg);
}
END_TEST

START_TEST(long_names)
{
	/* a 253-octet host and labels at the limits stay judged, not crashed */
	char name[300] = "";
	for (int i = 0; i < 3; i++)
		strcat(name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
	strcat(name, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	ck_assert_uint_eq(strlen(name), 253);
	struct config *cfg = config_new();
	struct evidence ev;
	struct findings fs = { 0 };
	evfix_init(&ev, "d.example", OK);
	evfix_mx(&ev, 10, name, "8.8.8.8", OK, OK);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "-");
	evidence_clear(&ev);
	findings_clear(&fs);
	memset(&fs, 0, sizeof fs);
	strcat(name, "c");	/* 254 */
	evfix_init(&ev, "d.example", OK);
	evfix_mx(&ev, 10, name, NULL, OK, OK);
	ck_assert_str_eq(evfix_codes(&ev, cfg, &fs), "MX_TARGET_INVALID");
	evidence_clear(&ev);
	findings_clear(&fs);
	config_free(cfg);
}
END_TEST

START_TEST(typo_distance_limits)
{
	ck_assert_int_eq(typo_distance("google.com", "google.com", 2), 0);
	ck_assert_int_eq(typo_distance("gooogle.com", "google.com", 2), 1);
	ck_assert_int_eq(typo_distance("gogle.com", "google.com", 2), 1);
	ck_assert_int_eq(typo_distance("goolge.com", "google.com", 2), 2);
	ck_assert_int_eq(typo_distance("example.org", "google.com", 2), 3);
	static const char *const prov[] = { "zoho.com", "qq.com", "google.com" };
	struct typo_list *l = typo_list_from_strings(prov, 3);
	int d;
	ck_assert_ptr_null(typo_match(l, "mx.yoyo.com", &d));	/* 2 edits on a 4-letter name */
	ck_assert_ptr_nonnull(typo_match(l, "mx.zohi.com", &d));
	ck_assert_ptr_null(typo_match(l, "mx.qa.com", &d));	/* too short to judge */
	ck_assert_ptr_null(typo_match(l, "mx.zoho.com", &d));
	typo_list_free(l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checks_mx");
	TCase *tc = tcase_create("mxhost");
	tcase_add_loop_test(tc, table, 0, sizeof rows / sizeof rows[0]);
	tcase_add_test(tc, long_names);
	tcase_add_test(tc, typo_distance_limits);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
