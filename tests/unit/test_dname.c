/* Unit tests: domain normalization, host-name validity, wire names. */
#include "engine/dname.h"
#include "tap.h"

#include <string.h>

static const struct { const char *in; int rc; const char *out; } norm[] = {
	{ "Example.COM", DNAME_OK, "example.com" },
	{ "example.com.", DNAME_OK, "example.com" },
	{ "  example.com ", DNAME_OK, "example.com" },
	{ "b\xc3\xbc" "cher.de", DNAME_OK, "xn--bcher-kva.de" },
	{ "fa\xc3\x9f.de", DNAME_OK, "xn--fa-hia.de" },
	{ "\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3.com", DNAME_OK, "abc.com" },
	{ "ab--cd.example", DNAME_OK, "ab--cd.example" },
	{ "_dmarc.example", DNAME_OK, "_dmarc.example" },
	{ "[192.0.2.1]", DNAME_ADDRESS_LITERAL, NULL },
	{ "[IPv6:2001:db8::1]", DNAME_ADDRESS_LITERAL, NULL },
	{ "", DNAME_INVALID, NULL },
	{ "a..b", DNAME_INVALID, NULL },
	{ ".", DNAME_INVALID, NULL },
	{ "exa mple.com", DNAME_INVALID, NULL },
	{ "bad\xff" "utf8.com", DNAME_INVALID, NULL },
	{ "\xe2\x82\xa9.com", DNAME_INVALID, NULL },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", DNAME_INVALID, NULL },
	{ "a;rm -rf.com", DNAME_INVALID, NULL },
};

START_TEST(normalize)
{
	char out[DNAME_MAXLEN], err[256];
	int rc = dname_normalize(norm[_i].in, out, sizeof out, err, sizeof err);
	ck_assert_msg(rc == norm[_i].rc, "case %d: rc %d want %d (%s)", _i, rc, norm[_i].rc, err);
	if (rc == DNAME_OK)
		ck_assert_str_eq(out, norm[_i].out);
}
END_TEST

START_TEST(too_long)
{
	char in[600], out[DNAME_MAXLEN], err[256];
	memset(in, 0, sizeof in);
	for (int i = 0; i < 64; i++)
		strcat(in, "abc.");
	strcat(in, "com");
	ck_assert_int_eq(dname_normalize(in, out, sizeof out, err, sizeof err), DNAME_INVALID);
	ck_assert_ptr_nonnull(strstr(err, "253"));
}
END_TEST

static const struct { const char *name; int ok; } hosts[] = {
	{ "mx1.example.com", 1 }, { "a", 1 }, { "mail-1.example.com", 1 },
	{ "bad_host.example.com", 0 }, { "-mx.example.com", 0 }, { "mx-.example.com", 0 },
	{ "mx..example.com", 0 }, { ".", 0 }, { "", 0 }, { "mx\\032.example.com", 0 },
	{ "mx!.example.com", 0 },
};

START_TEST(hostname)
{
	ck_assert_msg(dname_is_hostname(hosts[_i].name, NULL) == hosts[_i].ok, "%s",
		      hosts[_i].name);
}
END_TEST

START_TEST(ip_literal)
{
	ck_assert(dname_is_ip_literal("127.25.0.10"));
	ck_assert(dname_is_ip_literal("192.0.2.1."));
	ck_assert(dname_is_ip_literal("[192.0.2.1]"));
	ck_assert(dname_is_ip_literal("2001:db8::1"));
	ck_assert(!dname_is_ip_literal("mx.example.com"));
	ck_assert(!dname_is_ip_literal("1.2.3.4.example.com"));
	ck_assert(!dname_is_ip_literal("[1.2.3.4"));
}
END_TEST

START_TEST(wire)
{
	char out[DNAME_MAXLEN];
	const uint8_t w1[] = { 3, 'M', 'x', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };
	ck_assert_int_eq(dname_from_wire(w1, sizeof w1, out, sizeof out), (int)sizeof w1);
	ck_assert_str_eq(out, "mx1.example");
	const uint8_t root[] = { 0 };
	ck_assert_int_eq(dname_from_wire(root, 1, out, sizeof out), 1);
	ck_assert_str_eq(out, ".");
	const uint8_t odd[] = { 3, 'a', '.', ' ', 1, 0xff, 0 };
	ck_assert_int_gt(dname_from_wire(odd, sizeof odd, out, sizeof out), 0);
	ck_assert_str_eq(out, "a\\.\\032.\\255");
	ck_assert(!dname_is_hostname(out, NULL));
	const uint8_t trunc[] = { 5, 'a', 'b' };
	ck_assert_int_eq(dname_from_wire(trunc, sizeof trunc, out, sizeof out), -1);
	const uint8_t comp[] = { 0xc0, 0x0c };
	ck_assert_int_eq(dname_from_wire(comp, sizeof comp, out, sizeof out), -1);
	const uint8_t noterm[] = { 1, 'a' };
	ck_assert_int_eq(dname_from_wire(noterm, sizeof noterm, out, sizeof out), -1);
	/* 255 octets is the limit on the wire */
	uint8_t big[400];
	size_t n = 0;
	for (int i = 0; i < 5; i++) {
		big[n++] = 63;
		memset(big + n, 'a', 63);
		n += 63;
	}
	big[n++] = 0;
	ck_assert_int_eq(dname_from_wire(big, n, out, sizeof out), -1);
	n = 0;
	for (int i = 0; i < 3; i++) {
		big[n++] = 63;
		memset(big + n, 'a', 63);
		n += 63;
	}
	big[n++] = 61;
	memset(big + n, 'b', 61);
	n += 61;
	big[n++] = 0;
	ck_assert_int_eq(dname_from_wire(big, n, out, sizeof out), (int)n);
	ck_assert_uint_eq(strlen(out), 253);
}
END_TEST

START_TEST(registered)
{
	ck_assert_str_eq(dname_registered("aspmx.l.google.com"), "google.com");
	ck_assert_str_eq(dname_registered("google.com"), "google.com");
	ck_assert_str_eq(dname_registered("localhost"), "localhost");
	ck_assert(dname_equal("Example.COM.", "example.com"));
	ck_assert(!dname_equal("example.com", "example.co"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dname");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, normalize, 0, sizeof norm / sizeof norm[0]);
	tcase_add_test(tc, too_long);
	tcase_add_loop_test(tc, hostname, 0, sizeof hosts / sizeof hosts[0]);
	tcase_add_test(tc, ip_literal);
	tcase_add_test(tc, wire);
	tcase_add_test(tc, registered);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
