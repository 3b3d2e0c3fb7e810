/* Unit tests: the authority prober's answer cache (engine/auth_cache.c). */
#include "engine/auth_cache.h"
#include "engine/resolver.h"
#include "tap.h"

#include <string.h>


static struct rrs answer(enum dns_status st, uint32_t ttl)
{
	struct rrs x;

	memset(&x, 0, sizeof x);
	x.st = st;
	x.ttl = ttl;
	return x;
}

START_TEST(positive_answers)
{
	struct auth_cache *c = auth_cache_new();
	struct rrs ns = answer(DNS_ST_OK, 3600), a = answer(DNS_ST_OK, 60);
	char n1[] = "ns1.example.net", n2[] = "ns2.example.net";
	const struct rrs *hit;

	ns.n = 2;
	ns.names[0] = n1;
	ns.names[1] = n2;
	auth_cache_put(c, "example.com", RR_NS, &ns, 1000);
	a.n = 1;
	ck_assert_int_eq(netaddr_parse("192.0.2.53", &a.addrs[0]), 0);
	auth_cache_put(c, "ns1.example.net", RR_A, &a, 1000);

	hit = auth_cache_get(c, "EXAMPLE.com", RR_NS, 1000);	/* case-insensitive */
	ck_assert_ptr_nonnull(hit);
	ck_assert_uint_eq(hit->n, 2);
	ck_assert_str_eq(hit->names[1], "ns2.example.net");
	ck_assert_ptr_ne(hit->names[0], n1);			/* a copy */
	ck_assert_ptr_null(auth_cache_get(c, "example.com", RR_A, 1000));	/* other type */
	/* TTL capped at 300 s; an expired entry is gone */
	ck_assert_ptr_nonnull(auth_cache_get(c, "example.com", RR_NS, 1299));
	ck_assert_ptr_null(auth_cache_get(c, "example.com", RR_NS, 1300));
	ck_assert_ptr_nonnull(auth_cache_get(c, "ns1.example.net", RR_A, 1059));
	ck_assert_ptr_null(auth_cache_get(c, "ns1.example.net", RR_A, 1060));
	auth_cache_free(c);
}
END_TEST

/* No AAAA (most name servers): kept, so every check does not ask again;
 * but NODATA for NS (the walk up) and failures are not. */
START_TEST(negative_answers)
{
	struct auth_cache *c = auth_cache_new();
	struct rrs nodata = answer(DNS_ST_NODATA, 600), fail = answer(DNS_ST_SERVFAIL, 600);
	struct rrs nottl = answer(DNS_ST_NODATA, 0), alias = answer(DNS_ST_OK, 600);
	const struct rrs *hit;

	auth_cache_put(c, "ns.example.net", RR_AAAA, &nodata, 1000);
	hit = auth_cache_get(c, "ns.example.net", RR_AAAA, 1000);
	ck_assert_ptr_nonnull(hit);
	ck_assert_int_eq(hit->st, DNS_ST_NODATA);
	ck_assert_uint_eq(hit->n, 0);
	ck_assert_ptr_null(auth_cache_get(c, "ns.example.net", RR_AAAA, 1300));

	auth_cache_put(c, "www.example.com", RR_NS, &nodata, 1000);
	ck_assert_ptr_null(auth_cache_get(c, "www.example.com", RR_NS, 1000));
	auth_cache_put(c, "ns2.example.net", RR_A, &fail, 1000);
	ck_assert_ptr_null(auth_cache_get(c, "ns2.example.net", RR_A, 1000));
	auth_cache_put(c, "ns3.example.net", RR_AAAA, &nottl, 1000);
	ck_assert_ptr_null(auth_cache_get(c, "ns3.example.net", RR_AAAA, 1000));
	alias.alias = true;
	auth_cache_put(c, "ns4.example.net", RR_A, &alias, 1000);
	ck_assert_ptr_null(auth_cache_get(c, "ns4.example.net", RR_A, 1000));
	auth_cache_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("auth_cache");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, positive_answers);
	tcase_add_test(tc, negative_answers);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
