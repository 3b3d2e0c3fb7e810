/* Unit tests: address parsing and CIDR lists (the classifier:
 * test_addr_policy.c). */
#include "lib/netaddr.h"
#include "tap.h"

#include <string.h>

START_TEST(parse_bad)
{
	struct netaddr a;
	ck_assert_int_eq(netaddr_parse("1.2.3", &a), -1);
	ck_assert_int_eq(netaddr_parse("", &a), -1);
	ck_assert_int_eq(netaddr_parse("1.2.3.4.5", &a), -1);
	ck_assert_int_eq(netaddr_parse("mx.example.com", &a), -1);
}
END_TEST

START_TEST(cidr_lists)
{
	struct cidr_list l;
	struct netaddr a;
	char err[128];

	ck_assert_int_eq(cidr_list_parse("127.53.0.0/16, 127.25.0.0/16 2001:db8::/32", &l,
					 err, sizeof err), 0);
	ck_assert_uint_eq(l.n, 3);
	netaddr_parse("127.53.9.9", &a);
	ck_assert(cidr_list_match(&l, &a));
	netaddr_parse("127.0.0.1", &a);
	ck_assert(!cidr_list_match(&l, &a));
	netaddr_parse("2001:db8:1::1", &a);
	ck_assert(cidr_list_match(&l, &a));
	cidr_list_clear(&l);
	ck_assert_int_eq(cidr_list_parse("10.0.0.0/33", &l, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "10.0.0.0/33"));
	ck_assert_int_eq(cidr_list_parse("nonsense", &l, err, sizeof err), -1);
	ck_assert_int_eq(cidr_list_parse("", &l, err, sizeof err), 0);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(cidr_list_parse("10.1.0.0/12", &l, err, sizeof err), 0);
	netaddr_parse("10.15.255.255", &a);
	ck_assert(cidr_list_match(&l, &a));
	netaddr_parse("10.16.0.0", &a);
	ck_assert(!cidr_list_match(&l, &a));
	cidr_list_clear(&l);
}
END_TEST

static const struct {
	const char *in;
	int ok;
	const char *addr;
	int port;
} hostports[] = {
	{ "127.0.0.1:10045", 0, "127.0.0.1", 10045 },
	{ "[::1]:25", 0, "::1", 25 },
	{ "[2001:db8::1]:65535", 0, "2001:db8::1", 65535 },
	{ "127.0.0.1:0", -1, NULL, 0 },
	{ "127.0.0.1:65536", -1, NULL, 0 },
	{ "127.0.0.1:", -1, NULL, 0 },
	{ "127.0.0.1:25x", -1, NULL, 0 },
	{ "127.0.0.1", -1, NULL, 0 },
	{ ":25", -1, NULL, 0 },
	{ "localhost:25", -1, NULL, 0 },	/* an address, not a name */
	{ "[::1:25", -1, NULL, 0 },
	{ "[]:25", -1, NULL, 0 },
	{ "::1:25", -1, NULL, 0 },		/* v6 needs brackets */
	{ "[127.0.0.1]:25", 0, "127.0.0.1", 25 },
	{ "1111111111111111111111111111111111111111111111111111111111:1", -1, NULL, 0 },
};

START_TEST(hostport)
{
	struct netaddr a, want;
	char buf[NETADDR_STRLEN];
	int port = -7;

	ck_assert_int_eq(netaddr_parse_hostport(hostports[_i].in, &a, &port), hostports[_i].ok);
	if (hostports[_i].ok == 0) {
		ck_assert_int_eq(netaddr_parse(hostports[_i].addr, &want), 0);
		ck_assert_msg(netaddr_equal(&a, &want), "%s: got %s", hostports[_i].in,
			      netaddr_format(&a, buf, sizeof buf));
		ck_assert_int_eq(port, hostports[_i].port);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netaddr");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, parse_bad);
	tcase_add_test(tc, cidr_lists);
	tcase_add_loop_test(tc, hostport, 0, sizeof hostports / sizeof hostports[0]);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
