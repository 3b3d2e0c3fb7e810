/* Unit tests: the address policy (lib/addr_policy.c). A named row per
 * special-purpose range and per IPv6 form that carries an IPv4 address,
 * the allowed networks, and the refused-network list libunbound gets,
 * checked against the classifier address by address. */
#include "lib/addr_policy.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define G ADDR_GLOBAL
#define L ADDR_LOOPBACK
#define B ADDR_BOGON

static const struct row {
	const char *name;
	const char *addr;
	enum addr_class cls;
} rows[] = {
	/* IPv4 */
	{ "v4 global", "8.8.8.8", G },
	{ "v4 loopback 127.0.0.1", "127.0.0.1", L },
	{ "v4 loopback 127/8 anywhere", "127.53.1.1", L },
	{ "v4 this network 0/8", "0.1.2.3", B },
	{ "v4 RFC 1918 10/8", "10.1.2.3", B },
	{ "v4 shared 100.64/10", "100.64.0.1", B },
	{ "v4 shared 100.64/10 end", "100.127.255.255", B },
	{ "v4 past 100.64/10", "100.128.0.1", G },
	{ "v4 link-local", "169.254.169.254", B },
	{ "v4 RFC 1918 172.16/12", "172.16.0.1", B },
	{ "v4 RFC 1918 172.16/12 end", "172.31.255.255", B },
	{ "v4 past 172.16/12", "172.32.0.1", G },
	{ "v4 IETF 192.0.0/24", "192.0.0.8", B },
	{ "v4 documentation 192.0.2/24", "192.0.2.25", B },
	{ "v4 6to4 relay 192.88.99/24", "192.88.99.1", B },
	{ "v4 RFC 1918 192.168/16", "192.168.1.1", B },
	{ "v4 benchmarking 198.18/15", "198.19.255.1", B },
	{ "v4 documentation 198.51.100/24", "198.51.100.7", B },
	{ "v4 documentation 203.0.113/24", "203.0.113.9", B },
	{ "v4 multicast", "224.0.0.1", B },
	{ "v4 reserved 240/4", "240.0.0.1", B },
	{ "v4 broadcast", "255.255.255.255", B },
	/* IPv6 */
	{ "v6 global", "2a00:1450::1", G },
	{ "v6 unspecified", "::", B },
	{ "v6 loopback", "::1", L },
	{ "v6 discard 100::/64", "100::1", B },
	{ "v6 documentation 2001:db8::/32", "2001:db8::25", B },
	{ "v6 documentation 3fff::/20", "3fff::1", B },
	{ "v6 benchmarking 2001:2::/48", "2001:2::1", B },
	{ "v6 ORCHID 2001:10::/28", "2001:10::1", B },
	{ "v6 SRv6 5f00::/16", "5f00::1", B },
	{ "v6 unique local", "fd00::1", B },
	{ "v6 link-local", "fe80::1", B },
	{ "v6 site-local", "fec0::1", B },
	{ "v6 multicast", "ff02::1", B },
	{ "v6 reserved outside 2000::/3 (4000::/2)", "4000::1", B },
	{ "v6 reserved outside 2000::/3 (8000::/1)", "8000::1", B },
	{ "v6 reserved outside 2000::/3 (::/3)", "1000::1", B },
	{ "v6 local-use NAT64 64:ff9b:1::/48", "64:ff9b:1::808:808", B },
	/* IPv4-mapped ::ffff:a.b.c.d */
	{ "mapped global", "::ffff:8.8.8.8", G },
	{ "mapped loopback", "::ffff:127.0.0.1", L },
	{ "mapped RFC 1918", "::ffff:10.0.0.1", B },
	{ "mapped link-local", "::ffff:169.254.169.254", B },
	/* IPv4-translated ::ffff:0:a.b.c.d (RFC 2765) */
	{ "translated global", "::ffff:0:8.8.8.8", G },
	{ "translated loopback", "::ffff:0:127.0.0.1", L },
	{ "translated RFC 1918", "::ffff:0:10.0.0.1", B },
	/* IPv4-compatible ::a.b.c.d */
	{ "compatible global", "::8.8.8.8", G },
	{ "compatible loopback", "::127.0.0.1", L },
	{ "compatible RFC 1918", "::10.0.0.1", B },
	{ "compatible 0.0.0.2 (this network)", "::2", B },
	/* NAT64 64:ff9b::/96 (RFC 6052) */
	{ "NAT64 global", "64:ff9b::808:808", G },
	{ "NAT64 RFC 1918 (64:ff9b::a00:1 is 10.0.0.1)", "64:ff9b::a00:1", B },
	{ "NAT64 loopback", "64:ff9b::7f00:1", L },
	{ "NAT64 metadata", "64:ff9b::a9fe:a9fe", B },
	/* 6to4 2002:VVVV:VVVV::/48 */
	{ "6to4 global", "2002:808:808::1", G },
	{ "6to4 RFC 1918", "2002:a00:1::1", B },
	{ "6to4 loopback", "2002:7f00:1::1", L },
	{ "6to4 link-local", "2002:a9fe:a9fe:1::1", B },
	/* Teredo 2001:0:SERVER:flags:port:~CLIENT */
	{ "Teredo global client and server", "2001:0:4136:e378:8000:63bf:f7f7:f7f7", G },
	{ "Teredo client 10.0.0.1", "2001:0:4136:e378:8000:63bf:f5ff:fffe", B },
	{ "Teredo client 127.0.0.1", "2001:0:4136:e378:8000:63bf:80ff:fffe", L },
	{ "Teredo server 10.0.0.1", "2001:0:a00:1:8000:63bf:f7f7:f7f7", B },
};

START_TEST(classify)
{
	const struct row *r = &rows[_i];
	struct netaddr a;
	const char *why = NULL;

	ck_assert_msg(netaddr_parse(r->addr, &a) == 0, "%s: %s does not parse", r->name, r->addr);
	enum addr_class c = addr_classify(&a, &why);
	ck_assert_msg(c == r->cls, "%s: %s is class %d, want %d", r->name, r->addr, c, r->cls);
	ck_assert_msg((c == G) == (why == NULL), "%s: why=%s", r->name, why ? why : "(null)");
}
END_TEST

static const struct form_row {
	const char *name;
	const char *addr;
	const char *form;	/* NULL: carries no IPv4 address */
	const char *v4;
} forms[] = {
	{ "mapped", "::ffff:192.0.2.1", "IPv4-mapped", "192.0.2.1" },
	{ "translated", "::ffff:0:192.0.2.1", "IPv4-translated", "192.0.2.1" },
	{ "compatible", "::192.0.2.1", "IPv4-compatible", "192.0.2.1" },
	{ "NAT64", "64:ff9b::a00:1", "NAT64", "10.0.0.1" },
	{ "6to4", "2002:c000:201::1", "6to4", "192.0.2.1" },
	{ "Teredo (the client)", "2001:0:4136:e378:8000:63bf:3fff:fdfe", "Teredo", "192.0.2.1" },
	{ "unspecified", "::", NULL, NULL },
	{ "loopback", "::1", NULL, NULL },
	{ "global", "2a00:1450::1", NULL, NULL },
	{ "local-use NAT64", "64:ff9b:1::a00:1", NULL, NULL },
	{ "IPv4 itself", "10.0.0.1", NULL, NULL },
};

START_TEST(embedded)
{
	const struct form_row *r = &forms[_i];
	struct netaddr a, v4, want;
	const char *form = NULL;
	char buf[NETADDR_STRLEN];

	ck_assert_int_eq(netaddr_parse(r->addr, &a), 0);
	bool got = addr_embedded_v4(&a, &v4, &form);
	ck_assert_msg(got == (r->form != NULL), "%s: %s", r->name, r->addr);
	if (!got)
		return;
	ck_assert_str_eq(form, r->form);
	netaddr_parse(r->v4, &want);
	ck_assert_msg(netaddr_equal(&v4, &want), "%s: got %s, want %s", r->name,
		      netaddr_format(&v4, buf, sizeof buf), r->v4);
}
END_TEST

static const struct allow_row {
	const char *name;
	const char *addr;
	const char *allowed;
	enum addr_class cls;
} allows[] = {
	{ "nothing allowed", "127.53.0.1", "", L },
	{ "lab range allowed", "127.53.0.1", "127.53.0.0/16, 127.25.0.0/16", G },
	{ "loopback outside the lab range", "127.0.0.1", "127.53.0.0/16, 127.25.0.0/16", L },
	{ "a site's own internal net", "10.1.2.3", "10.0.0.0/8", G },
	{ "mapped form of an allowed net", "::ffff:10.1.2.3", "10.0.0.0/8", G },
	{ "NAT64 form of an allowed net", "64:ff9b::a01:203", "10.0.0.0/8", G },
	{ "NAT64 form outside it", "64:ff9b::a9fe:a9fe", "10.0.0.0/8", B },
	{ "IPv6 loopback allowed", "::1", "::1", G },
	{ "ULA allowed", "fd00::25", "fd00::/8", G },
	{ "global needs nothing", "8.8.8.8", "", G },
};

START_TEST(allowed)
{
	const struct allow_row *r = &allows[_i];
	struct cidr_list l;
	struct netaddr a;
	char err[128];

	ck_assert_int_eq(cidr_list_parse(r->allowed, &l, err, sizeof err), 0);
	ck_assert_int_eq(netaddr_parse(r->addr, &a), 0);
	ck_assert_msg(addr_policy_class(&a, &l, NULL) == r->cls, "%s: %s with [%s]", r->name,
		      r->addr, r->allowed);
	ck_assert(addr_policy_allows(&a, &l, NULL) == (r->cls == G));
	cidr_list_clear(&l);
}
END_TEST

/* ---- the refused list ---- */

struct blocks {
	struct cidr v[4096];
	size_t n;
};

static void collect(void *arg, const struct cidr *c)
{
	struct blocks *b = arg;

	ck_assert_uint_lt(b->n, sizeof b->v / sizeof b->v[0]);
	b->v[b->n++] = *c;
}

static bool covered(const struct blocks *b, const struct netaddr *a)
{
	struct cidr_list l = { (struct cidr *)b->v, b->n };

	return cidr_list_match(&l, a);
}

static bool is_teredo(const struct netaddr *a)
{
	return a->family == AF_INET6 && a->b[0] == 0x20 && a->b[1] == 0x01 && a->b[2] == 0 &&
	       a->b[3] == 0;
}

/* Addresses near the interesting ones: a prefix from the tables, then
 * random bits. */
static void random_addr(struct netaddr *a, unsigned *seed)
{
	static const char *base[] = {
		"0.0.0.0", "10.0.0.0", "100.64.0.0", "127.0.0.0", "127.53.0.0", "127.25.0.0",
		"169.254.0.0", "172.16.0.0", "192.0.0.0", "192.168.0.0", "198.18.0.0", "8.8.8.8",
		"224.0.0.0", "255.255.255.0", "::", "::ffff:0:0", "::ffff:0:0:0", "64:ff9b::",
		"64:ff9b:1::", "2002::", "2001::", "2001:db8::", "2a00::", "fc00::", "fe80::",
		"ff00::", "100::", "4000::", "::1",
	};
	size_t k = (size_t)rand_r(seed) % (sizeof base / sizeof base[0]);
	int keep;

	netaddr_parse(base[k], a);
	keep = a->family == AF_INET ? rand_r(seed) % 33 : rand_r(seed) % 129;
	/* a 6to4 or NAT64 base keeps its prefix and takes a random IPv4 part */
	for (int bit = keep; bit < (a->family == AF_INET ? 32 : 128); bit++)
		if (rand_r(seed) & 1)
			a->b[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
}

static void check_refused(const char *allowed_s)
{
	static struct blocks b;
	struct cidr_list allowed;
	struct netaddr a;
	char err[128], buf[NETADDR_STRLEN];
	unsigned seed = 12345;

	b.n = 0;
	ck_assert_int_eq(cidr_list_parse(allowed_s, &allowed, err, sizeof err), 0);
	ck_assert_uint_eq(addr_policy_refused(&allowed, collect, &b), b.n);
	ck_assert_uint_gt(b.n, 20);
	for (int i = 0; i < 300000; i++) {
		random_addr(&a, &seed);
		bool refused = !addr_policy_allows(&a, &allowed, NULL);
		bool listed = covered(&b, &a);
		if (is_teredo(&a)) {
			/* no prefix describes the client: all of Teredo is listed */
			ck_assert_msg(listed || !refused, "%s", netaddr_format(&a, buf, sizeof buf));
			continue;
		}
		ck_assert_msg(refused == listed, "[%s] %s: refused=%d listed=%d", allowed_s,
			      netaddr_format(&a, buf, sizeof buf), refused, listed);
	}
	cidr_list_clear(&allowed);
}

START_TEST(refused_list_matches_classifier)
{
	check_refused("");
	check_refused("127.53.0.0/16, 127.25.0.0/16");
	check_refused("127.153.0.0/16, ::1");
	check_refused("10.0.0.0/8, fd00::/8, 64:ff9b::a00:0/120");
}
END_TEST

START_TEST(refused_list_lab)
{
	static struct blocks b;
	struct cidr_list allowed;
	struct netaddr a;
	char err[128];
	static const struct { const char *addr; bool listed; } want[] = {
		{ "127.53.0.1", false }, { "127.25.1.1", false }, { "127.0.0.1", true },
		{ "127.88.0.1", true }, { "127.255.255.255", true }, { "10.0.0.1", true },
		{ "169.254.169.254", true }, { "8.8.8.8", false }, { "::1", true },
		{ "::ffff:127.0.0.1", true }, { "64:ff9b::a00:1", true }, { "2002:a00:1::1", true },
		{ "2001:0:4136:e378:8000:63bf:f7f7:f7f7", true }, { "2a00:1450::1", false },
	};

	b.n = 0;
	ck_assert_int_eq(cidr_list_parse("127.53.0.0/16, 127.25.0.0/16", &allowed, err, sizeof err), 0);
	addr_policy_refused(&allowed, collect, &b);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		netaddr_parse(want[i].addr, &a);
		ck_assert_msg(covered(&b, &a) == want[i].listed, "%s", want[i].addr);
	}
	cidr_list_clear(&allowed);
}
END_TEST

#define N(a) ((int)(sizeof a / sizeof a[0]))

int main(void)
{
	Suite *s = suite_create("addr_policy");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, classify, 0, N(rows));
	tcase_add_loop_test(tc, embedded, 0, N(forms));
	tcase_add_loop_test(tc, allowed, 0, N(allows));
	tcase_add_test(tc, refused_list_lab);
	tcase_add_test(tc, refused_list_matches_classifier);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
