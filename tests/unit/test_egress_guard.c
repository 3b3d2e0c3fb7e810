/* Unit tests: the egress guard (engine/egress_guard.c), the prober's
 * "my own port 25 looks blocked" state. */
#include "egress_guard.h"
#include "tap.h"

static void feed(struct egress_guard *g, enum smtp_status st, int n, long t)
{
	for (int i = 0; i < n; i++)
		egress_guard_note(g, st, t + i);
}

START_TEST(turns_blind_at_threshold)
{
	struct egress_guard g = { .threshold = 4 };

	ck_assert_int_eq(egress_guard_note(&g, SMTP_ST_REFUSED, 100), GUARD_SAME);
	ck_assert_int_eq(g.streak_start_ms, 100);
	feed(&g, SMTP_ST_TIMEOUT, 2, 101);
	ck_assert(!g.blind);
	ck_assert_int_eq(egress_guard_note(&g, SMTP_ST_REFUSED, 200), GUARD_TURNED_BLIND);
	ck_assert(g.blind);
	ck_assert_uint_eq(g.episodes, 1);
	ck_assert_int_eq(g.streak_start_ms, 100);	/* the streak's first failure */
	/* more failures: still blind, no second episode */
	ck_assert_int_eq(egress_guard_note(&g, SMTP_ST_REFUSED, 201), GUARD_SAME);
	ck_assert_uint_eq(g.episodes, 1);
}
END_TEST

START_TEST(contact_ends_it)
{
	static const enum smtp_status contact[] = { SMTP_ST_OK, SMTP_ST_SILENT, SMTP_ST_TEMPFAIL,
						    SMTP_ST_REJECT };
	struct egress_guard g = { .threshold = 2 };

	feed(&g, SMTP_ST_REFUSED, 2, 0);
	ck_assert(g.blind);
	ck_assert_int_eq(egress_guard_note(&g, contact[_i], 10), GUARD_RECOVERED);
	ck_assert(!g.blind);
	ck_assert_uint_eq(g.streak, 0);
	/* a new streak starts from zero */
	ck_assert_int_eq(egress_guard_note(&g, SMTP_ST_REFUSED, 20), GUARD_SAME);
	ck_assert(!g.blind);
	ck_assert_int_eq(g.streak_start_ms, 20);
}
END_TEST

/* A contact in the middle of failures resets the count: only failures in
 * a row make it blind. */
START_TEST(contact_resets_streak)
{
	struct egress_guard g = { .threshold = 3 };

	feed(&g, SMTP_ST_REFUSED, 2, 0);
	egress_guard_note(&g, SMTP_ST_OK, 5);
	feed(&g, SMTP_ST_REFUSED, 2, 6);
	ck_assert(!g.blind);
	egress_guard_note(&g, SMTP_ST_TIMEOUT, 9);
	ck_assert(g.blind);
}
END_TEST

/* Skipped, not probed here, garbled: neither contact nor its absence. */
START_TEST(neutral_statuses)
{
	struct egress_guard g = { .threshold = 2 };

	egress_guard_note(&g, SMTP_ST_REFUSED, 0);
	feed(&g, SMTP_ST_SKIPPED, 5, 1);
	feed(&g, SMTP_ST_NONE, 5, 1);
	feed(&g, SMTP_ST_ERROR, 5, 1);
	ck_assert_uint_eq(g.streak, 1);
	ck_assert(!g.blind);
	egress_guard_note(&g, SMTP_ST_REFUSED, 9);
	ck_assert(g.blind);
	feed(&g, SMTP_ST_ERROR, 5, 10);
	ck_assert(g.blind);
}
END_TEST

START_TEST(guard_off)
{
	struct egress_guard g = { .threshold = 0 };

	feed(&g, SMTP_ST_REFUSED, 1000, 0);
	ck_assert(!g.blind);
	/* switched off while blind (a reload): ends at the next probe */
	g.threshold = 2;
	feed(&g, SMTP_ST_REFUSED, 2, 0);
	ck_assert(g.blind);
	g.threshold = 0;
	ck_assert_int_eq(egress_guard_note(&g, SMTP_ST_REFUSED, 5), GUARD_RECOVERED);
	ck_assert(!g.blind);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("egress_guard");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, turns_blind_at_threshold);
	tcase_add_loop_test(tc, contact_ends_it, 0, 4);
	tcase_add_test(tc, contact_resets_streak);
	tcase_add_test(tc, neutral_statuses);
	tcase_add_test(tc, guard_off);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
