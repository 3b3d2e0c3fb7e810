/* Unit tests: listen endpoints (lib/endpoint.c) and the IPv4-mapped
 * unmapping used before policy_allow (netaddr_unmap_v4). */
#include "lib/endpoint.h"
#include "lib/netaddr.h"
#include "tap.h"

#include <string.h>
#include <sys/socket.h>

static const struct {
	const char *spec;
	enum endpoint_style style;
	int ok;			/* 0 or -1 */
	const char *addr;	/* inet with an address */
	int port;
	const char *path;	/* unix */
	const char *why;	/* a word of the reason when refused */
} eps[] = {
	{ "inet:127.0.0.1:10045", ENDPOINT_HOSTPORT, 0, "127.0.0.1", 10045, NULL, NULL },
	{ "inet:[::1]:10045", ENDPOINT_HOSTPORT, 0, "::1", 10045, NULL, NULL },
	{ "inet:[::]:1", ENDPOINT_HOSTPORT, 0, "::", 1, NULL, NULL },
	{ "inet:0.0.0.0:65535", ENDPOINT_HOSTPORT, 0, "0.0.0.0", 65535, NULL, NULL },
	{ "unix:/run/mxvet/policy", ENDPOINT_HOSTPORT, 0, NULL, 0, "/run/mxvet/policy", NULL },
	{ "inet:127.0.0.1:65536", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "out of range" },
	{ "inet:127.0.0.1:70000", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "out of range" },
	{ "inet:127.0.0.1:0", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "out of range" },
	{ "inet:127.0.0.1:99999999999999999999", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "range" },
	{ "inet:127.0.0.1:", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "no port" },
	{ "inet:127.0.0.1:+25", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "not a number" },
	{ "inet:127.0.0.1:25x", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "not a number" },
	{ "inet::10045", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "empty host" },
	{ "inet:[]:10045", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "empty host" },
	{ "inet:localhost:10045", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "not an IP address" },
	{ "inet:::1:10045", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "brackets" },
	{ "inet:10045", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "want inet:ADDRESS:PORT" },
	{ "tcp:127.0.0.1:10045", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "unknown scheme" },
	{ "127.0.0.1:10045", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "unknown scheme" },
	{ "", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "unknown scheme" },
	{ "unix:", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "empty" },
	{ "unix:policy.sock", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "not absolute" },
	{ "unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "longer" },
	{ "local:/run/x", ENDPOINT_HOSTPORT, -1, NULL, 0, NULL, "unknown scheme" },
	{ "inet:8891@127.0.0.1", ENDPOINT_MILTER, 0, "127.0.0.1", 8891, NULL, NULL },
	{ "inet6:8891@::1", ENDPOINT_MILTER, 0, "::1", 8891, NULL, NULL },
	{ "inet:8891@localhost", ENDPOINT_MILTER, 0, NULL, 8891, NULL, NULL },
	{ "inet:8891", ENDPOINT_MILTER, 0, NULL, 8891, NULL, NULL },
	{ "local:/run/mxvet/milter", ENDPOINT_MILTER, 0, NULL, 0, "/run/mxvet/milter", NULL },
	{ "unix:/run/mxvet/milter", ENDPOINT_MILTER, 0, NULL, 0, "/run/mxvet/milter", NULL },
	{ "inet:99999@127.0.0.1", ENDPOINT_MILTER, -1, NULL, 0, NULL, "out of range" },
	{ "inet:@127.0.0.1", ENDPOINT_MILTER, -1, NULL, 0, NULL, "no port" },
	{ "inet:8891@", ENDPOINT_MILTER, -1, NULL, 0, NULL, "empty host" },
	{ "inet:8891@a b", ENDPOINT_MILTER, -1, NULL, 0, NULL, "neither" },
	{ "inet:127.0.0.1:8891", ENDPOINT_MILTER, -1, NULL, 0, NULL, "not a number" },
	{ "tcp:8891@127.0.0.1", ENDPOINT_MILTER, -1, NULL, 0, NULL, "unknown scheme" },
};

START_TEST(endpoints)
{
	struct endpoint ep;
	struct netaddr want;
	char why[256] = "";
	int rc = endpoint_parse(eps[_i].spec, eps[_i].style, &ep, why, sizeof why);

	ck_assert_msg(rc == eps[_i].ok, "%s: rc %d (%s)", eps[_i].spec, rc, why);
	if (rc < 0) {
		ck_assert_msg(strstr(why, eps[_i].why), "%s: reason \"%s\" lacks \"%s\"",
			      eps[_i].spec, why, eps[_i].why);
		return;
	}
	ck_assert_int_eq(ep.is_unix, eps[_i].path != NULL);
	if (eps[_i].path) {
		ck_assert_str_eq(ep.path, eps[_i].path);
		return;
	}
	ck_assert_int_eq(ep.port, eps[_i].port);
	ck_assert_int_eq(ep.has_addr, eps[_i].addr != NULL);
	if (eps[_i].addr) {
		ck_assert_int_eq(netaddr_parse(eps[_i].addr, &want), 0);
		ck_assert(netaddr_equal(&ep.addr, &want));
	}
}
END_TEST

static const struct {
	const char *in, *out;
	bool mapped;
} unmaps[] = {
	{ "::ffff:127.0.0.1", "127.0.0.1", true },
	{ "::ffff:192.0.2.7", "192.0.2.7", true },
	{ "::ffff:0.0.0.0", "0.0.0.0", true },
	{ "::1", "::1", false },
	{ "::127.0.0.1", "::127.0.0.1", false },	/* IPv4-compatible: not mapped */
	{ "64:ff9b::7f00:1", "64:ff9b::7f00:1", false },	/* NAT64 is no dual-stack peer */
	{ "::fffe:7f00:1", "::fffe:7f00:1", false },
	{ "127.0.0.1", "127.0.0.1", false },
};

START_TEST(unmap_v4)
{
	struct netaddr a, want;
	struct cidr_list allow;
	char err[64];

	ck_assert_int_eq(netaddr_parse(unmaps[_i].in, &a), 0);
	ck_assert_int_eq(netaddr_parse(unmaps[_i].out, &want), 0);
	ck_assert_int_eq(netaddr_unmap_v4(&a), unmaps[_i].mapped);
	ck_assert(netaddr_equal(&a, &want));
	/* what the policy listener asks: a mapped loopback client is allowed */
	ck_assert_int_eq(cidr_list_parse("127.0.0.0/8, ::1", &allow, err, sizeof err), 0);
	if (!strcmp(unmaps[_i].in, "::ffff:127.0.0.1"))
		ck_assert(cidr_list_match(&allow, &a));
	cidr_list_clear(&allow);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("endpoint");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, endpoints, 0, sizeof eps / sizeof eps[0]);
	tcase_add_loop_test(tc, unmap_v4, 0, sizeof unmaps / sizeof unmaps[0]);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
