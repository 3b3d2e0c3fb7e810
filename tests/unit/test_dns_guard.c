/* Unit tests: the resolver's blindness guard (engine/dns_guard.c): when a
 * failed lookup counts against a domain, when the resolver is blind, and
 * when it stops being blind. Each row is a script of events at times in
 * ms (fresh_ms = retry_ms = 3000, like dns_timeout = 3s). */
#include "engine/dns_guard.h"
#include "tap.h"

#include <string.h>

/* One event: 'S' a canary starts, 'C' it ends with an answer, 'N' without,
 * 'R' the failures of a check are judged; want: the expected dns_reach for
 * 'R', the expected dns_guard_change for 'C'/'N', 1/0 for 'S' (started). */
struct ev {
	char op;
	int64_t t;
	int want;
};

struct row {
	const char *name;
	struct ev ev[8];
	bool blind;		/* at the end */
	uint64_t episodes;
};

#define YES DNS_REACH_YES
#define BLIND DNS_REACH_BLIND
#define ASK DNS_REACH_ASK
#define SAME DNS_GUARD_SAME
#define TURNED DNS_GUARD_TURNED_BLIND
#define BACK DNS_GUARD_RECOVERED

static const struct row rows[] = {
	{ "nothing known yet: ask a canary", { { 'R', 0, ASK } }, false, 0 },
	{ "a canary answered: failures are the domain's (timeout.test)",
	  { { 'S', 0, 1 }, { 'C', 10, SAME }, { 'R', 20, YES } }, false, 0 },
	{ "its answer vouches for fresh_ms, no longer",
	  { { 'S', 0, 1 }, { 'C', 10, SAME }, { 'R', 3010, YES }, { 'R', 3011, ASK } }, false, 0 },
	{ "one canary at a time",
	  { { 'S', 0, 1 }, { 'S', 5, 0 }, { 'R', 6, ASK }, { 'C', 10, SAME }, { 'S', 20, 1 } },
	  false, 0 },
	{ "no answer: blind, every failure is mxvet's own",
	  { { 'S', 0, 1 }, { 'N', 3000, TURNED }, { 'R', 3001, BLIND }, { 'R', 9000, BLIND } },
	  true, 1 },
	{ "blind stays blind while canaries get nothing, one episode",
	  { { 'S', 0, 1 }, { 'N', 3000, TURNED }, { 'S', 6000, 1 }, { 'N', 9000, SAME },
	    { 'R', 9001, BLIND } }, true, 1 },
	{ "a canary's answer ends blindness; failures count again",
	  { { 'S', 0, 1 }, { 'N', 3000, TURNED }, { 'S', 6000, 1 }, { 'C', 6010, BACK },
	    { 'R', 6020, YES } }, false, 1 },
	{ "an old answer does not vouch for failures after blindness",
	  { { 'S', 0, 1 }, { 'C', 10, SAME }, { 'S', 100, 1 }, { 'N', 3100, TURNED },
	    { 'R', 3101, BLIND } }, true, 1 },
	{ "second episode counted",
	  { { 'S', 0, 1 }, { 'N', 3000, TURNED }, { 'S', 6000, 1 }, { 'C', 6010, BACK },
	    { 'S', 20000, 1 }, { 'N', 23000, TURNED } }, true, 2 },
};

START_TEST(script)
{
	const struct row *r = &rows[_i];
	struct dns_guard g;

	memset(&g, 0, sizeof g);
	g.fresh_ms = g.retry_ms = 3000;
	for (const struct ev *e = r->ev; e < r->ev + 8 && e->op; e++) {
		switch (e->op) {
		case 'S':
			ck_assert_msg(dns_guard_canary_start(&g) == (e->want == 1), "%s: S@%ld",
				      r->name, (long)e->t);
			break;
		case 'C':
		case 'N':
			ck_assert_msg((int)dns_guard_canary_done(&g, e->t, e->op == 'C') == e->want,
				      "%s: %c@%ld", r->name, e->op, (long)e->t);
			break;
		default:
			ck_assert_msg((int)dns_guard_reach(&g, e->t) == e->want, "%s: R@%ld",
				      r->name, (long)e->t);
		}
	}
	ck_assert_msg(g.blind == r->blind, "%s: blind", r->name);
	ck_assert_msg(g.episodes == r->episodes, "%s: episodes", r->name);
}
END_TEST

/* While blind, the next canary is due retry_ms after the last one ended. */
START_TEST(retry_schedule)
{
	struct dns_guard g = { .fresh_ms = 3000, .retry_ms = 3000 };

	dns_guard_canary_start(&g);
	dns_guard_canary_done(&g, 5000, false);
	ck_assert_int_eq(dns_guard_retry_in(&g, 5000), 3000);
	ck_assert_int_eq(dns_guard_retry_in(&g, 7000), 1000);
	ck_assert_int_eq(dns_guard_retry_in(&g, 9000), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dns_guard");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, script, 0, (int)(sizeof rows / sizeof rows[0]));
	tcase_add_test(tc, retry_schedule);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
