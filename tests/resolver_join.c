/* resolver_join: lookups of one (name, type) in flight share one libunbound
 * query, against the real lab resolver (tests/resolver-lab.sh runs it with
 * the lab's mxvet.conf). TAP via Check. */
#include "engine/config.h"
#include "engine/resolver.h"
#include "tap.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

static const char *conf_path;

struct got {
	int calls;
	enum dns_status st;
	int order;
};
static int order_seq;

static void on_done(void *arg, enum dns_status st, struct ub_result *r)
{
	struct got *g = arg;

	(void)r;
	g->calls++;
	g->st = st;
	g->order = ++order_seq;
}

static struct event_base *base;
static struct config *cfg;
static struct resolver *res;

static void setup(void)
{
	char err[256];

	base = event_base_new();
	cfg = config_new();
	ck_assert_msg(config_load(cfg, conf_path, err, sizeof err) == 0, "%s", err);
	res = resolver_new(base, cfg, err, sizeof err);
	ck_assert_msg(res != NULL, "%s", err);
	order_seq = 0;
}

static void teardown(void)
{
	resolver_free(res);
	config_free(cfg);
	event_base_free(base);
}

/* One 10 ms turn of the loop. */
static void turn(void)
{
	struct timeval tv = { 0, 10000 };
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* Turn the loop until *done reaches want (at most 5 s). */
static void run_until(const int *done, int want)
{
	for (int i = 0; i < 500 && *done < want; i++)
		turn();
}

static int total(struct got *g, int n)
{
	int t = 0;
	for (int i = 0; i < n; i++)
		t += g[i].calls;
	return t;
}

/* Three callers, one query; names differing in case and final dot join. */
START_TEST(three_callers_one_query)
{
	struct got g[4] = { 0 };

	ck_assert_int_eq(resolver_lookup(res, "healthy.test", 15, on_done, &g[0]), 0);
	ck_assert_int_eq(resolver_lookup(res, "HEALTHY.test.", 15, on_done, &g[1]), 0);
	ck_assert_int_eq(resolver_lookup(res, "healthy.test", 15, on_done, &g[2]), 0);
	/* another type is another query */
	ck_assert_int_eq(resolver_lookup(res, "healthy.test", 1, on_done, &g[3]), 0);
	ck_assert_uint_eq(resolver_stats(res)->queries, 2);
	ck_assert_uint_eq(resolver_stats(res)->joined, 2);
	ck_assert_int_eq(total(g, 4), 0);	/* never from inside resolver_lookup */
	for (int i = 0; i < 500 && total(g, 4) < 4; i++)
		turn();
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(g[i].calls, 1);
		ck_assert_int_eq(g[i].st, DNS_ST_OK);
	}
	ck_assert_int_eq(g[3].calls, 1);
	/* callbacks of one query in the order the callers asked */
	ck_assert_int_lt(g[0].order, g[1].order);
	ck_assert_int_lt(g[1].order, g[2].order);
	ck_assert_uint_eq(resolver_stats(res)->in_flight, 0);
}
END_TEST

/* Once answered, the next lookup is a query of its own. */
START_TEST(answered_then_new_query)
{
	struct got a = { 0 }, b = { 0 };

	ck_assert_int_eq(resolver_lookup(res, "nxdomain.test", 15, on_done, &a), 0);
	run_until(&a.calls, 1);
	ck_assert_int_eq(a.st, DNS_ST_NXDOMAIN);
	ck_assert_int_eq(resolver_lookup(res, "nxdomain.test", 15, on_done, &b), 0);
	run_until(&b.calls, 1);
	ck_assert_int_eq(b.st, DNS_ST_NXDOMAIN);
	ck_assert_uint_eq(resolver_stats(res)->queries, 2);
	ck_assert_uint_eq(resolver_stats(res)->joined, 0);
}
END_TEST

/* Freeing the resolver with joined lookups in flight: no callback, no
 * leak (ASan and valgrind watch). */
START_TEST(free_with_joiners)
{
	struct got g[2] = { 0 };

	ck_assert_int_eq(resolver_lookup(res, "timeout.test", 15, on_done, &g[0]), 0);
	ck_assert_int_eq(resolver_lookup(res, "timeout.test", 15, on_done, &g[1]), 0);
	resolver_free(res);
	res = NULL;
	ck_assert_int_eq(total(g, 2), 0);
}
END_TEST

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: resolver_join LAB-MXVET.CONF\n");
		return 64;
	}
	conf_path = argv[1];
	Suite *s = suite_create("resolver_join");
	TCase *tc = tcase_create("lab");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, three_callers_one_query);
	tcase_add_test(tc, answered_then_new_query);
	tcase_add_test(tc, free_with_joiners);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
