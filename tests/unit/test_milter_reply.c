/* Unit tests: policy answers as milter answers (daemon/milter_reply.c). */
#include "daemon/milter_reply.h"
#include "tap.h"

#include <string.h>

static const struct {
	const char *answer;
	enum action want;
	const char *reply, *header, *details;
} cases[] = {
	{ "action=DUNNO\n\n", ACT_IGNORE, "", "", "" },
	{ "action=556 5.1.10 recipient domain n.test publishes a null MX (RFC 7505) [NULL_MX]\n\n",
	  ACT_REJECT, "556 5.1.10 recipient domain n.test publishes a null MX (RFC 7505) [NULL_MX]",
	  "", "" },
	{ "action=450 4.4.3 recipient domain s.test cannot be resolved now (SERVFAIL) [DNS_SERVFAIL]\n\n",
	  ACT_DEFER, "450 4.4.3 recipient domain s.test cannot be resolved now (SERVFAIL) [DNS_SERVFAIL]",
	  "", "" },
	/* numeric replies without an enhanced code get the class's generic one */
	{ "action=451 try later\n\n", ACT_DEFER, "451 4.7.1 try later", "", "" },
	{ "action=554 no\n\n", ACT_REJECT, "554 5.7.1 no", "", "" },
	/* error_action / timeout_action may be written as Postfix words */
	{ "action=DEFER_IF_PERMIT Service unavailable\n\n", ACT_DEFER,
	  "451 4.3.0 Service unavailable", "", "" },
	{ "action=DEFER\n\n", ACT_DEFER, "451 4.3.0 try again later", "", "" },
	{ "action=REJECT go away\n\n", ACT_REJECT, "550 5.7.1 go away", "", "" },
	{ "action=PREPEND X-Mxvet: annotate; domain=c.test; findings=MX_CNAME,NS_INCONSISTENT\n\n",
	  ACT_ANNOTATE, "", "annotate; domain=c.test; findings=MX_CNAME,NS_INCONSISTENT",
	  "MX_CNAME c.test has an MX host that is an alias (CNAME)\nNS_INCONSISTENT c.test " },
	/* an unknown code in the list is skipped, the header stays */
	{ "action=PREPEND X-Mxvet: annotate; domain=c.test; findings=BOGUS\n\n", ACT_ANNOTATE, "",
	  "annotate; domain=c.test; findings=BOGUS", "" },
	/* another header, or nonsense: nothing a milter should say */
	{ "action=PREPEND X-Other: x\n\n", ACT_IGNORE, "", "", "" },
	{ "action=\n\n", ACT_IGNORE, "", "", "" },
	{ "garbage", ACT_IGNORE, "", "", "" },
	{ "action=4", ACT_IGNORE, "", "", "" },
	{ "action=699 6.0.0 odd\n\n", ACT_IGNORE, "", "", "" },
};

START_TEST(translate)
{
	char reply[MILTER_REPLY_MAX], header[MILTER_REPLY_MAX], details[4 * MILTER_REPLY_MAX];
	const char *a = cases[_i].answer;
	enum action got = milter_translate(a, strlen(a), "X-Mxvet", reply, sizeof reply, header,
					   sizeof header, details, sizeof details);

	ck_assert_int_eq(got, cases[_i].want);
	ck_assert_str_eq(reply, cases[_i].reply);
	ck_assert_str_eq(header, cases[_i].header);
	/* details: prefix match (the phrase of a second code is the table's) */
	ck_assert_msg(strncmp(details, cases[_i].details, strlen(cases[_i].details)) == 0,
		      "details: got \"%s\"", details);
	if (!*cases[_i].details)
		ck_assert_str_eq(details, "");
}
END_TEST

/* Tiny buffers: truncated, NUL-terminated, no overflow (ASan watches). */
START_TEST(small_buffers)
{
	char reply[8], header[8], details[8];
	const char *a = "action=PREPEND X-Mxvet: annotate; domain=c.test; findings=MX_CNAME\n\n";

	ck_assert_int_eq(milter_translate(a, strlen(a), "X-Mxvet", reply, sizeof reply, header,
					  sizeof header, details, sizeof details), ACT_ANNOTATE);
	ck_assert_str_eq(header, "annotat");
	ck_assert_uint_lt(strlen(details), sizeof details);
	a = "action=556 5.1.10 a long reply text\n\n";
	ck_assert_int_eq(milter_translate(a, strlen(a), "X-Mxvet", reply, sizeof reply, header,
					  sizeof header, details, sizeof details), ACT_REJECT);
	ck_assert_str_eq(reply, "556 5.1");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("milter_reply");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, translate, 0, sizeof cases / sizeof *cases);
	tcase_add_test(tc, small_buffers);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
