/* Unit tests: the verdict cache (TTL clamp, temporary TTL, expiry, LRU
 * order, interned replies, previous verdict) and the single-flight table. */
#include "daemon/cache.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static const struct cache_params P = { 300, 86400, 120, 4 };

static int put(struct cache *c, const char *d, uint32_t now, enum action v, uint32_t ttl,
	       bool temp)
{
	char reply[256];
	int prev;
	enum finding_code codes[] = { F_NULL_MX };
	snprintf(reply, sizeof reply, "556 5.1.10 recipient domain %s publishes a null MX "
		 "(RFC 7505) [NULL_MX]", d);
	ck_assert_int_eq(cache_put(c, d, now, v, v >= ACT_DEFER ? reply : NULL, ttl, temp,
				   codes, 1, &prev), 0);
	return prev;
}

static const struct {
	const char *name;
	uint32_t ttl;
	bool temp;
	uint32_t want;
} ttl_cases[] = {
	{ "below min", 10, false, 300 },
	{ "zero (no TTL)", 0, false, 300 },
	{ "inside", 3600, false, 3600 },
	{ "above max", 999999, false, 86400 },
	{ "temporary short", 10, true, 120 },
	{ "temporary long", 3600, true, 120 },
};

START_TEST(ttl_clamp)
{
	struct cache *c = cache_new(&P);
	struct cache_hit h;
	uint32_t now = 1000, want = ttl_cases[_i].want;

	ck_assert_uint_eq(cache_ttl(c, ttl_cases[_i].ttl, ttl_cases[_i].temp), want);
	put(c, "d.example", now, ACT_REJECT, ttl_cases[_i].ttl, ttl_cases[_i].temp);
	ck_assert_msg(cache_get(c, "d.example", now + want - 1, &h), "%s: fresh",
		      ttl_cases[_i].name);
	ck_assert_msg(!cache_get(c, "d.example", now + want, &h), "%s: expired",
		      ttl_cases[_i].name);
	cache_free(c);
}
END_TEST

START_TEST(reply_interned)
{
	struct cache *c = cache_new(&P);
	struct cache_hit h;
	char buf[256];

	put(c, "a.example", 0, ACT_REJECT, 600, false);
	put(c, "b.example", 0, ACT_REJECT, 600, false);
	ck_assert(cache_get(c, "a.example", 1, &h));
	ck_assert_int_eq(h.verdict, ACT_REJECT);
	ck_assert_int_eq(h.ncodes, 1);
	ck_assert_int_eq(h.codes[0], F_NULL_MX);
	const char *ta = h.tmpl;
	cache_expand(h.tmpl, "a.example", buf, sizeof buf);
	ck_assert_str_eq(buf, "556 5.1.10 recipient domain a.example publishes a null MX "
			 "(RFC 7505) [NULL_MX]");
	ck_assert(cache_get(c, "b.example", 1, &h));
	ck_assert_ptr_eq(h.tmpl, ta);	/* one template for both */
	cache_expand(h.tmpl, "b.example", buf, 20);	/* truncated, terminated */
	ck_assert_str_eq(buf, "556 5.1.10 recipien");
	put(c, "c.example", 0, ACT_IGNORE, 600, false);
	ck_assert(cache_get(c, "c.example", 1, &h));
	ck_assert_ptr_null(h.tmpl);
	cache_free(c);
}
END_TEST

START_TEST(lru_order)
{
	struct cache *c = cache_new(&P);	/* max 4 */
	struct cache_hit h;
	const char *d[] = { "d0.x", "d1.x", "d2.x", "d3.x" };

	for (int i = 0; i < 4; i++)
		put(c, d[i], 0, ACT_REJECT, 600, false);
	ck_assert(cache_get(c, "d0.x", 1, &h));	/* d0 now most recent: d1 is oldest */
	put(c, "d4.x", 1, ACT_REJECT, 600, false);
	ck_assert_uint_eq(cache_count(c), 4);
	ck_assert(!cache_get(c, "d1.x", 2, &h));
	ck_assert(cache_get(c, "d0.x", 2, &h));
	put(c, "d5.x", 2, ACT_REJECT, 600, false);	/* evicts d2 */
	ck_assert(!cache_get(c, "d2.x", 3, &h));
	ck_assert(cache_get(c, "d3.x", 3, &h));
	ck_assert(cache_get(c, "d4.x", 3, &h));
	ck_assert(cache_get(c, "d5.x", 3, &h));
	ck_assert_uint_eq(cache_evictions(c), 2);
	cache_free(c);
}
END_TEST

/* Many inserts through a small cache: the open-addressing deletes keep
 * every live entry findable and every evicted one gone. */
START_TEST(churn)
{
	struct cache_params p = { 300, 86400, 120, 1000 };
	struct cache *c = cache_new(&p);
	struct cache_hit h;
	char name[32];

	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof name, "d%d.example", i);
		put(c, name, 0, i % 3 ? ACT_REJECT : ACT_IGNORE, 600, false);
	}
	ck_assert_uint_eq(cache_count(c), 1000);
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof name, "d%d.example", i);
		ck_assert_msg(cache_get(c, name, 1, &h) == (i >= 19000), "%s", name);
	}
	cache_free(c);
}
END_TEST

START_TEST(previous_verdict)
{
	struct cache *c = cache_new(&P);
	struct cache_hit h;

	ck_assert_int_eq(put(c, "p.x", 0, ACT_DEFER, 10, true), -1);
	ck_assert(!cache_get(c, "p.x", 500, &h));	/* expired ... */
	/* ... but the last verdict is kept for the risk log */
	ck_assert_int_eq(put(c, "p.x", 500, ACT_IGNORE, 600, false), ACT_DEFER);
	ck_assert_int_eq(put(c, "p.x", 501, ACT_IGNORE, 600, false), ACT_IGNORE);
	ck_assert(cache_get(c, "p.x", 502, &h));
	ck_assert_int_eq(h.verdict, ACT_IGNORE);
	cache_free(c);
}
END_TEST

/* mxvet ctl flush: one domain or all expire at once; the last verdict
 * stays for the risk log; an unknown or stale domain is no flush. */
START_TEST(flush)
{
	struct cache *c = cache_new(&P);
	struct cache_hit h;

	put(c, "a.x", 0, ACT_REJECT, 3600, false);
	put(c, "b.x", 0, ACT_IGNORE, 3600, false);
	put(c, "c.x", 0, ACT_DEFER, 3600, false);
	ck_assert(cache_expire(c, "a.x", 10));
	ck_assert(!cache_expire(c, "a.x", 10));
	ck_assert(!cache_expire(c, "nothere.x", 10));
	ck_assert(!cache_get(c, "a.x", 10, &h));
	ck_assert(cache_get(c, "b.x", 10, &h));
	ck_assert_int_eq(put(c, "a.x", 11, ACT_IGNORE, 3600, false), ACT_REJECT);
	ck_assert_uint_eq(cache_expire_all(c, 20), 3);
	ck_assert_uint_eq(cache_expire_all(c, 20), 0);
	ck_assert(!cache_get(c, "b.x", 20, &h) && !cache_get(c, "c.x", 20, &h));
	ck_assert_int_eq(put(c, "c.x", 21, ACT_DEFER, 3600, false), ACT_DEFER);
	cache_free(c);
}
END_TEST

START_TEST(single_flight)
{
	struct flight_table *t = flight_table_new();
	struct flight *f, *g;
	int w1, w2;

	ck_assert_ptr_null(flight_find(t, "a.x"));
	f = flight_begin(t, "a.x");
	ck_assert_ptr_nonnull(f);
	/* a second request for the same domain joins it */
	ck_assert_ptr_eq(flight_find(t, "a.x"), f);
	*flight_waiters(f) = &w1;
	g = flight_begin(t, "b.x");
	*flight_waiters(g) = &w2;
	ck_assert_uint_eq(flight_count(t), 2);
	ck_assert_str_eq(flight_domain(f), "a.x");
	ck_assert_ptr_eq(*flight_waiters(flight_find(t, "a.x")), &w1);
	flight_end(t, f);
	ck_assert_ptr_null(flight_find(t, "a.x"));
	ck_assert_ptr_eq(flight_find(t, "b.x"), g);
	flight_end(t, g);
	ck_assert_uint_eq(flight_count(t), 0);
	flight_table_free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, ttl_clamp, 0, sizeof ttl_cases / sizeof *ttl_cases);
	tcase_add_test(tc, reply_interned);
	tcase_add_test(tc, lru_order);
	tcase_add_test(tc, churn);
	tcase_add_test(tc, previous_verdict);
	tcase_add_test(tc, single_flight);
	tcase_add_test(tc, flush);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
