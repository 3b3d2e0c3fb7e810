/* Unit tests of the status page's parts: the verdict ring (slots per
 * minute and hour, expiry, gaps, a clock that goes back), the risk board
 * (accept removes, bound, worst first) and HTML escaping. */
#include "daemon/html.h"
#include "daemon/risk_board.h"
#include "daemon/verdict_ring.h"
#include "engine/findings.h"
#include "tap.h"

#include <string.h>

#include <event2/buffer.h>

static uint32_t M[VRING_MINUTES][VRING_VERDICTS], H[VRING_HOURS][VRING_VERDICTS];

static uint64_t sum(uint32_t (*v)[VRING_VERDICTS], int n, int verdict)
{
	uint64_t s = 0;
	for (int k = 0; k < n; k++)
		s += v[k][verdict];
	return s;
}

START_TEST(ring_slots)
{
	struct verdict_ring r;
	int64_t t0 = 1000020;	/* a minute's start, well past the clock's */

	verdict_ring_init(&r);
	verdict_ring_minutes(&r, t0, M);
	ck_assert_uint_eq(sum(M, VRING_MINUTES, ACT_REJECT), 0);
	verdict_ring_add(&r, t0, ACT_REJECT);
	verdict_ring_add(&r, t0, ACT_REJECT);
	verdict_ring_add(&r, t0 + 60, ACT_IGNORE);
	verdict_ring_add(&r, t0 + 60, 7);	/* out of range: ignored */
	verdict_ring_add(&r, t0 + 60, -1);
	verdict_ring_minutes(&r, t0 + 60, M);
	/* the newest slot is the current minute, the one before it the last */
	ck_assert_uint_eq(M[VRING_MINUTES - 1][ACT_IGNORE], 1);
	ck_assert_uint_eq(M[VRING_MINUTES - 2][ACT_REJECT], 2);
	ck_assert_uint_eq(sum(M, VRING_MINUTES, ACT_REJECT), 2);
	verdict_ring_hours(&r, t0 + 60, H);
	ck_assert_uint_eq(sum(H, VRING_HOURS, ACT_REJECT), 2);
	ck_assert_uint_eq(sum(H, VRING_HOURS, ACT_IGNORE), 1);
	/* read later, nothing added: the answers move left, then fall out */
	verdict_ring_minutes(&r, t0 + 60 * 30, M);
	ck_assert_uint_eq(sum(M, VRING_MINUTES, ACT_REJECT), 2);
	verdict_ring_minutes(&r, t0 + 60 * 60, M);
	ck_assert_uint_eq(sum(M, VRING_MINUTES, ACT_REJECT), 0);
	ck_assert_uint_eq(sum(M, VRING_MINUTES, ACT_IGNORE), 1);
	ck_assert_uint_eq(M[0][ACT_IGNORE], 1);
	verdict_ring_minutes(&r, t0 + 60 * 61, M);
	ck_assert_uint_eq(sum(M, VRING_MINUTES, ACT_IGNORE), 0);
	verdict_ring_hours(&r, t0 + 3600 * 23, H);
	ck_assert_uint_eq(sum(H, VRING_HOURS, ACT_REJECT), 2);
	verdict_ring_hours(&r, t0 + 3600 * 25, H);
	ck_assert_uint_eq(sum(H, VRING_HOURS, ACT_REJECT), 0);
}
END_TEST

START_TEST(ring_gaps)
{
	struct verdict_ring r;
	int64_t t0 = 7200;

	verdict_ring_init(&r);
	verdict_ring_add(&r, t0, ACT_DEFER);
	/* a long quiet spell: the old slot is cleared when its index comes back */
	verdict_ring_add(&r, t0 + 60 * VRING_MINUTES, ACT_ANNOTATE);
	verdict_ring_minutes(&r, t0 + 60 * VRING_MINUTES, M);
	ck_assert_uint_eq(sum(M, VRING_MINUTES, ACT_DEFER), 0);
	ck_assert_uint_eq(M[VRING_MINUTES - 1][ACT_ANNOTATE], 1);
	/* days later, the same */
	verdict_ring_add(&r, t0 + 86400 * 3, ACT_ANNOTATE);
	verdict_ring_hours(&r, t0 + 86400 * 3, H);
	ck_assert_uint_eq(sum(H, VRING_HOURS, ACT_ANNOTATE), 1);
	ck_assert_uint_eq(sum(H, VRING_HOURS, ACT_DEFER), 0);
	/* a clock that goes back counts in the newest slot */
	verdict_ring_add(&r, t0 + 86400 * 3 - 600, ACT_REJECT);
	verdict_ring_minutes(&r, t0 + 86400 * 3, M);
	ck_assert_uint_eq(M[VRING_MINUTES - 1][ACT_REJECT], 1);
	/* at the clock's start (no period before 0) */
	verdict_ring_init(&r);
	verdict_ring_add(&r, 5, ACT_REJECT);
	verdict_ring_minutes(&r, 5, M);
	ck_assert_uint_eq(M[VRING_MINUTES - 1][ACT_REJECT], 1);
	ck_assert_uint_eq(sum(M, VRING_MINUTES, ACT_REJECT), 1);
}
END_TEST

static json_t *report(const char *code)
{
	return json_pack("{s:[{s:s}]}", "findings", "code", code);
}

START_TEST(board_order)
{
	struct risk_board *b = risk_board_new(3);
	const struct risk_entry *v[4];

	risk_board_put(b, "annotated.example", ACT_ANNOTATE, report("MX_CNAME"), 100);
	risk_board_put(b, "late-reject.example", ACT_REJECT, report("NULL_MX"), 200);
	risk_board_put(b, "early-reject.example", ACT_REJECT, report("NULL_MX"), 150);
	ck_assert_uint_eq(risk_board_sorted(b, v, 4), 3);
	ck_assert_str_eq(v[0]->domain, "early-reject.example");
	ck_assert_str_eq(v[1]->domain, "late-reject.example");
	ck_assert_str_eq(v[2]->domain, "annotated.example");
	/* a new check keeps the start of the streak */
	risk_board_put(b, "annotated.example", ACT_DEFER, report("APEX_CNAME"), 300);
	ck_assert_int_eq(risk_board_get(b, "annotated.example")->since, 100);
	ck_assert_int_eq(risk_board_get(b, "annotated.example")->checked, 300);
	ck_assert_int_eq(risk_board_get(b, "annotated.example")->verdict, ACT_DEFER);
	/* an accept removes the domain; the next risk starts a new streak */
	risk_board_put(b, "early-reject.example", ACT_IGNORE, NULL, 400);
	ck_assert_ptr_null(risk_board_get(b, "early-reject.example"));
	ck_assert_uint_eq(risk_board_count(b), 2);
	/* full: the one checked longest ago goes (late-reject, at 200) */
	risk_board_put(b, "x.example", ACT_ANNOTATE, report("MX_TYPO"), 500);
	risk_board_put(b, "y.example", ACT_ANNOTATE, report("MX_TYPO"), 600);
	ck_assert_uint_eq(risk_board_count(b), 3);
	ck_assert_ptr_null(risk_board_get(b, "late-reject.example"));
	ck_assert_ptr_nonnull(risk_board_get(b, "y.example"));
	risk_board_free(b);
	risk_board_free(NULL);
}
END_TEST

static const struct {
	const char *in, *want;
} esc_cases[] = {
	{ "plain.example", "plain.example" },
	{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "\"><img src=x onerror='a()'>", "&quot;&gt;&lt;img src=x onerror=&#39;a()&#39;&gt;" },
	{ "a&b", "a&amp;b" },
	{ "tab\there\nnl", "tab\there\nnl" },
	{ "bell\x07" "del\x7f", "bell\xef\xbf\xbd" "del\xef\xbf\xbd" },
	{ "", "" },
};

START_TEST(escape)
{
	struct evbuffer *b = evbuffer_new();
	char buf[256], *s;
	size_t n;

	html_text(b, esc_cases[_i].in);
	html_text(b, NULL);
	n = evbuffer_get_length(b);
	s = (char *)evbuffer_pullup(b, -1);
	ck_assert_uint_eq(n, strlen(esc_cases[_i].want));
	ck_assert(n == 0 || memcmp(s, esc_cases[_i].want, n) == 0);	/* empty: s is NULL */
	ck_assert_uint_eq(html_escape(buf, sizeof buf, esc_cases[_i].in), n);
	ck_assert_str_eq(buf, esc_cases[_i].want);
	evbuffer_free(b);
}
END_TEST

START_TEST(escape_cut)
{
	char buf[7];

	/* never half a reference */
	ck_assert_uint_eq(html_escape(buf, sizeof buf, "ab<cd"), 6);
	ck_assert_str_eq(buf, "ab&lt;");
	ck_assert_uint_eq(html_escape(buf, 6, "ab<cd"), 2);
	ck_assert_str_eq(buf, "ab");
	ck_assert_uint_eq(html_escape(buf, 1, "x"), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, ring_slots);
	tcase_add_test(tc, ring_gaps);
	tcase_add_test(tc, board_order);
	tcase_add_loop_test(tc, escape, 0, sizeof esc_cases / sizeof *esc_cases);
	tcase_add_test(tc, escape_cut);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
