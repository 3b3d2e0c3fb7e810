/* Unit tests: forward-addr/stub-addr of an unbound.conf
 * (engine/unbound_upstreams.c), the DNS-only exemption from the address
 * policy. */
#include "engine/unbound_upstreams.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

START_TEST(forms)
{
	char path[] = "/tmp/mxvet-ubup-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct cidr_list l = { NULL, 0 };
	struct netaddr a;

	ck_assert_ptr_nonnull(f);
	fputs("server:\n  do-not-query-localhost: no\n"
	      "forward-zone:\n  name: \".\"\n"
	      "  forward-addr: 127.0.0.1@5353#resolver.example\n"
	      "\tforward-addr: \"::1\"\n"
	      "stub-zone:\n  name: \"corp.example\"\n  stub-addr: 10.1.2.3   # corp dns\n"
	      "  stub-host: ns.corp.example\n"
	      "# forward-addr: 192.0.2.99\n"
	      "  forward-addr: not-an-address\n", f);
	fclose(f);
	ck_assert_int_eq(unbound_upstreams(path, &l), 3);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_int_eq(netaddr_parse("127.0.0.1", &a), 0);
	ck_assert(cidr_list_match(&l, &a));
	ck_assert_int_eq(netaddr_parse("127.0.0.2", &a), 0);
	ck_assert(!cidr_list_match(&l, &a));	/* a host route, not 127/8 */
	ck_assert_int_eq(netaddr_parse("::1", &a), 0);
	ck_assert(cidr_list_match(&l, &a));
	ck_assert_int_eq(netaddr_parse("10.1.2.3", &a), 0);
	ck_assert(cidr_list_match(&l, &a));
	ck_assert_int_eq(netaddr_parse("192.0.2.99", &a), 0);
	ck_assert(!cidr_list_match(&l, &a));	/* commented out */
	cidr_list_clear(&l);
	unlink(path);
	ck_assert_int_eq(unbound_upstreams(path, &l), -1);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("unbound_upstreams");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, forms);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
