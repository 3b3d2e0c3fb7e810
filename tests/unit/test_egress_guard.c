/* Unit tests: the egress guard (engine/egress_guard.c), the prober's
 * "my own port 25 looks blocked" state: a window of the last
 * smtp_blind_after outcomes, one per address. */
#include "engine/egress_guard.h"
#include "tap.h"

#include <stdio.h>

static struct smtp_result res(enum smtp_status st, bool connected)
{
	struct smtp_result r = { .status = st, .connected = connected };
	return r;
}

static struct netaddr addr(int i)
{
	struct netaddr a;
	char buf[32];

	snprintf(buf, sizeof buf, "192.0.2.%d", i);
	ck_assert_int_eq(netaddr_parse(buf, &a), 0);
	return a;
}

/* addresses first..first+n-1, each with status st */
static enum guard_change feed(struct egress_guard *g, int first, int n, enum smtp_status st)
{
	enum guard_change last = GUARD_SAME;

	for (int i = first; i < first + n; i++) {
		struct netaddr a = addr(i);
		struct smtp_result r = res(st, false);
		last = egress_guard_note(g, &a, &r);
	}
	return last;
}

START_TEST(fills_then_blind_at_threshold)
{
	struct egress_guard g = { .threshold = 4 };

	ck_assert_int_eq(feed(&g, 1, 3, SMTP_ST_REFUSED), GUARD_SAME);
	ck_assert(!g.blind);
	ck_assert_uint_eq(g.n, 3);
	ck_assert_int_eq(feed(&g, 4, 1, SMTP_ST_TIMEOUT), GUARD_TURNED_BLIND);
	ck_assert(g.blind);
	ck_assert_uint_eq(g.episodes, 1);
	/* more failures: still blind, no second episode, the window stays bounded */
	ck_assert_int_eq(feed(&g, 5, 10, SMTP_ST_REFUSED), GUARD_SAME);
	ck_assert_uint_eq(g.episodes, 1);
	ck_assert_uint_eq(g.n, 4);
}
END_TEST

/* Any contact at all ends it: a greeting of any code, silence, garbage
 * after the connection was accepted. */
struct contact_row {
	enum smtp_status st;
	bool connected;
};

static const struct contact_row contact_rows[] = {
	{ SMTP_ST_OK, true }, { SMTP_ST_TEMPFAIL, true }, { SMTP_ST_REJECT, true },
	{ SMTP_ST_SILENT, true }, { SMTP_ST_ERROR, true },	/* garbled greeting */
	{ SMTP_ST_OK, false },	/* status alone proves it too */
};

START_TEST(one_contact_recovers)
{
	struct egress_guard g = { .threshold = 3 };
	struct netaddr a = addr(100);
	struct smtp_result r = res(contact_rows[_i].st, contact_rows[_i].connected);

	feed(&g, 1, 3, SMTP_ST_REFUSED);
	ck_assert(g.blind);
	ck_assert_int_eq(egress_guard_note(&g, &a, &r), GUARD_RECOVERED);
	ck_assert(!g.blind);
	/* blind again only once the contact has left the window */
	ck_assert_int_eq(feed(&g, 10, 2, SMTP_ST_REFUSED), GUARD_SAME);
	ck_assert(!g.blind);
	ck_assert_int_eq(feed(&g, 12, 1, SMTP_ST_REFUSED), GUARD_TURNED_BLIND);
	ck_assert_uint_eq(g.episodes, 2);
}
END_TEST

/* Failures before the connection was up are no contact, whatever the
 * errno: refused, timeout, unreachable (ERROR while connecting). */
START_TEST(unreachable_is_no_contact)
{
	struct egress_guard g = { .threshold = 2 };

	feed(&g, 1, 2, SMTP_ST_ERROR);
	ck_assert(g.blind);
}
END_TEST

/* One address failing again and again is one outcome: a dead domain
 * probed every TTL cannot make the prober blind. */
START_TEST(distinct_addresses_only)
{
	struct egress_guard g = { .threshold = 3 };

	for (int i = 0; i < 50; i++)
		feed(&g, 7, 1, SMTP_ST_REFUSED);
	feed(&g, 8, 1, SMTP_ST_TIMEOUT);
	ck_assert_uint_eq(g.n, 2);
	ck_assert(!g.blind);
	feed(&g, 9, 1, SMTP_ST_REFUSED);
	ck_assert(g.blind);
	/* an address seen again moves to the front: its old outcome is gone */
	struct netaddr a = addr(8);
	struct smtp_result ok = res(SMTP_ST_OK, true);
	ck_assert_int_eq(egress_guard_note(&g, &a, &ok), GUARD_RECOVERED);
	ck_assert_uint_eq(g.n, 3);
	ck_assert_uint_eq(g.contacts, 1);
	ck_assert_int_eq(feed(&g, 8, 1, SMTP_ST_REFUSED), GUARD_TURNED_BLIND);
	ck_assert_uint_eq(g.contacts, 0);
}
END_TEST

/* Skipped and not-probed-here say nothing about egress. */
START_TEST(neutral_statuses)
{
	struct egress_guard g = { .threshold = 2 };

	feed(&g, 1, 1, SMTP_ST_REFUSED);
	feed(&g, 2, 5, SMTP_ST_SKIPPED);
	feed(&g, 2, 5, SMTP_ST_NONE);
	ck_assert_uint_eq(g.n, 1);
	ck_assert(!g.blind);
	feed(&g, 3, 1, SMTP_ST_REFUSED);
	ck_assert(g.blind);
}
END_TEST

START_TEST(guard_off)
{
	struct egress_guard g = { .threshold = 0 };

	feed(&g, 1, 200, SMTP_ST_REFUSED);
	ck_assert(!g.blind);
	ck_assert_uint_eq(g.n, 0);
	/* switched off while blind (a reload): ends at the next probe */
	g.threshold = 2;
	feed(&g, 1, 2, SMTP_ST_REFUSED);
	ck_assert(g.blind);
	g.threshold = 0;
	ck_assert_int_eq(feed(&g, 3, 1, SMTP_ST_REFUSED), GUARD_RECOVERED);
	ck_assert(!g.blind);
}
END_TEST

/* A reload that shrinks the window: it is cut to the newest outcomes. */
START_TEST(threshold_shrinks)
{
	struct egress_guard g = { .threshold = 8 };
	struct netaddr a = addr(50);
	struct smtp_result ok = res(SMTP_ST_OK, true);

	egress_guard_note(&g, &a, &ok);
	feed(&g, 1, 5, SMTP_ST_REFUSED);
	ck_assert(!g.blind);
	g.threshold = 3;
	ck_assert_int_eq(feed(&g, 6, 1, SMTP_ST_REFUSED), GUARD_TURNED_BLIND);
	ck_assert_uint_eq(g.n, 3);
}
END_TEST

/* A reload resizes the window at once, not at the next probe: a row per
 * (outcomes, old size, new size) with the change and the state after. */
static const struct resize_row {
	int refused, contacts;		/* fed in this order, distinct addresses */
	long from, to;
	enum guard_change want;
	bool blind;
	size_t n;
} resize_rows[] = {
	{ 4, 0, 4, 0, GUARD_RECOVERED, false, 0 },	/* turned off: blind ends */
	{ 4, 0, 4, 8, GUARD_RECOVERED, false, 4 },	/* larger: not full yet */
	{ 3, 0, 8, 2, GUARD_TURNED_BLIND, true, 2 },	/* smaller: the newest are all failures */
	{ 0, 1, 8, 1, GUARD_SAME, false, 1 },		/* smaller, a contact kept */
	{ 2, 0, 8, 8, GUARD_SAME, false, 2 },		/* unchanged */
};

START_TEST(resize)
{
	const struct resize_row *r = &resize_rows[_i];
	struct egress_guard g = { .threshold = r->from };

	feed(&g, 1, r->refused, SMTP_ST_REFUSED);
	feed(&g, 50, r->contacts, SMTP_ST_OK);
	ck_assert_int_eq(egress_guard_resize(&g, r->to), r->want);
	ck_assert(g.blind == r->blind);
	ck_assert_uint_eq(g.n, r->n);
	ck_assert_int_eq(g.threshold, r->to);
}
END_TEST

#define N(a) ((int)(sizeof a / sizeof a[0]))

int main(void)
{
	Suite *s = suite_create("egress_guard");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, fills_then_blind_at_threshold);
	tcase_add_loop_test(tc, one_contact_recovers, 0, N(contact_rows));
	tcase_add_test(tc, unreachable_is_no_contact);
	tcase_add_test(tc, distinct_addresses_only);
	tcase_add_test(tc, neutral_statuses);
	tcase_add_test(tc, guard_off);
	tcase_add_test(tc, threshold_shrinks);
	tcase_add_loop_test(tc, resize, 0, N(resize_rows));
	suite_add_tcase(s, tc);
	return tap_run(s);
}
