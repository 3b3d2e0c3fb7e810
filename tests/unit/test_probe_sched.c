/* Unit tests: the SMTP probe scheduler (engine/probe_sched.c): caps per
 * network and overall, round robin across networks, cancel, and groups
 * freed when empty. */
#include "engine/probe_sched.h"
#include "tap.h"

#include <stdio.h>

static struct netaddr addr(const char *s)
{
	struct netaddr a;

	ck_assert_int_eq(netaddr_parse(s, &a), 0);
	return a;
}

START_TEST(net_cap_queues_only_that_network)
{
	struct sched *s = sched_new();
	struct sched_item it[6] = { { 0 } };
	struct netaddr slow[4] = { addr("192.0.2.1"), addr("192.0.2.2"), addr("192.0.2.3"),
				   addr("192.0.2.200") };
	struct netaddr fast = addr("198.51.100.7");

	/* net cap 2: the third and fourth address of 192.0.2.0/24 wait */
	ck_assert_int_eq(sched_admit(s, &it[0], &slow[0], 100, 2), 1);
	ck_assert_int_eq(sched_admit(s, &it[1], &slow[1], 100, 2), 1);
	ck_assert_int_eq(sched_admit(s, &it[2], &slow[2], 100, 2), 0);
	ck_assert_int_eq(sched_admit(s, &it[3], &slow[3], 100, 2), 0);
	/* another network runs at once */
	ck_assert_int_eq(sched_admit(s, &it[4], &fast, 100, 2), 1);
	ck_assert_uint_eq(sched_running(s), 3);
	ck_assert_uint_eq(sched_queued(s), 2);
	ck_assert_ptr_null(sched_next(s, 100, 2));	/* the slow net is full */
	/* one slow probe ends: the first waiting one of its network runs */
	sched_done(s, &it[0]);
	ck_assert_ptr_eq(sched_next(s, 100, 2), &it[2]);
	ck_assert_ptr_null(sched_next(s, 100, 2));
	sched_done(s, &it[1]);
	ck_assert_ptr_eq(sched_next(s, 100, 2), &it[3]);
	sched_done(s, &it[2]);
	sched_done(s, &it[3]);
	sched_done(s, &it[4]);
	ck_assert_uint_eq(sched_running(s), 0);
	ck_assert_uint_eq(sched_groups(s), 0);	/* nothing left: groups freed */
	sched_free(s);
}
END_TEST

START_TEST(round_robin_under_the_global_cap)
{
	struct sched *s = sched_new();
	struct sched_item a[4] = { { 0 } }, b[2] = { { 0 } }, hold = { 0 };
	struct netaddr na = addr("203.0.113.1"), nb = addr("2001:db8:1:2::25");
	struct netaddr nh = addr("198.51.100.1");

	/* global cap 1, taken: everything else waits */
	ck_assert_int_eq(sched_admit(s, &hold, &nh, 1, 8), 1);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(sched_admit(s, &a[i], &na, 1, 8), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(sched_admit(s, &b[i], &nb, 1, 8), 0);
	/* the slots alternate between the networks, whatever came first */
	sched_done(s, &hold);
	struct sched_item *x = sched_next(s, 1, 8);
	ck_assert_ptr_eq(x, &a[0]);
	ck_assert_ptr_null(sched_next(s, 1, 8));
	sched_done(s, x);
	ck_assert_ptr_eq(x = sched_next(s, 1, 8), &b[0]);
	sched_done(s, x);
	ck_assert_ptr_eq(x = sched_next(s, 1, 8), &a[1]);
	sched_done(s, x);
	ck_assert_ptr_eq(x = sched_next(s, 1, 8), &b[1]);
	sched_done(s, x);
	ck_assert_ptr_eq(x = sched_next(s, 1, 8), &a[2]);
	sched_done(s, x);
	ck_assert_ptr_eq(x = sched_next(s, 1, 8), &a[3]);
	sched_done(s, x);
	ck_assert_ptr_null(sched_next(s, 1, 8));
	ck_assert_uint_eq(sched_groups(s), 0);
	sched_free(s);
}
END_TEST

START_TEST(cancel_and_ipv6_prefix)
{
	struct sched *s = sched_new();
	struct sched_item it[3] = { { 0 } };
	/* one /48: the third address waits; a neighbouring /48 does not */
	struct netaddr x1 = addr("2001:db8:5::1"), x2 = addr("2001:db8:5:ffff::2");
	struct netaddr y = addr("2001:db8:6::1");

	ck_assert_int_eq(sched_admit(s, &it[0], &x1, 10, 1), 1);
	ck_assert_int_eq(sched_admit(s, &it[1], &x2, 10, 1), 0);
	ck_assert_int_eq(sched_admit(s, &it[2], &y, 10, 1), 1);
	sched_cancel(s, &it[1]);		/* gave up waiting */
	ck_assert_uint_eq(sched_queued(s), 0);
	sched_done(s, &it[0]);
	ck_assert_ptr_null(sched_next(s, 10, 1));
	sched_done(s, &it[2]);
	ck_assert_uint_eq(sched_groups(s), 0);
	sched_free(s);
}
END_TEST

START_TEST(many_networks_bounded_by_what_waits)
{
	enum { N = 5000 };
	struct sched *s = sched_new();
	static struct sched_item it[N];
	char buf[32];

	for (int i = 0; i < N; i++) {
		snprintf(buf, sizeof buf, "10.%d.%d.1", i / 256, i % 256);
		struct netaddr a = addr(buf);
		ck_assert_int_eq(sched_admit(s, &it[i], &a, 100, 4), i < 100 ? 1 : 0);
	}
	ck_assert_uint_eq(sched_groups(s), N);
	struct sched_item *x;
	int ran = 100;
	for (int i = 0; i < 100; i++)
		sched_done(s, &it[i]);
	while ((x = sched_next(s, 100, 4))) {
		sched_done(s, x);
		ran++;
	}
	ck_assert_int_eq(ran, N);
	ck_assert_uint_eq(sched_running(s), 0);
	ck_assert_uint_eq(sched_queued(s), 0);
	ck_assert_uint_eq(sched_groups(s), 0);
	sched_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("probe_sched");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, net_cap_queues_only_that_network);
	tcase_add_test(tc, round_robin_under_the_global_cap);
	tcase_add_test(tc, cancel_and_ipv6_prefix);
	tcase_add_test(tc, many_networks_bounded_by_what_waits);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
