/* Unit tests: recipients followed to their end and counted under the
 * verdicts of their domains (engine/outcomes.c), with a table standing in
 * for the domain history. */
#include "engine/outcomes.h"
#include "engine/verdict.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define NOW 1796558400	/* 2026-12-06 12:00:00 UTC */

static const struct { const char *domain; int verdict; uint64_t codes; } hist[] = {
	{ "nx.example", ACT_REJECT, 1ULL << F_DOMAIN_NXDOMAIN },
	{ "dead.example", ACT_DEFER, (1ULL << F_ALL_MX_UNREACHABLE) | (1ULL << F_SMTP_REFUSED) },
	{ "cname.example", ACT_ANNOTATE, 1ULL << F_MX_CNAME },
};
static int lookups;

static int lookup(void *arg, const char *domain, int *verdict, uint64_t *codes)
{
	(void)arg;
	lookups++;
	if (!strcmp(domain, "broken.example"))
		return -1;
	for (size_t i = 0; i < sizeof hist / sizeof hist[0]; i++)
		if (!strcmp(hist[i].domain, domain)) {
			*verdict = hist[i].verdict;
			*codes = hist[i].codes;
			return 0;
		}
	return 1;
}

static struct outcomes *mk(size_t pending, size_t domains, time_t since)
{
	struct outcomes_limits lim = { .max_pending = pending, .max_domains = domains, .since = since };
	struct outcomes *o = outcomes_new(&lim, lookup, NULL);
	ck_assert_ptr_nonnull(o);
	lookups = 0;
	return o;
}

static void feed(struct outcomes *o, const char *line)
{
	struct maillog_clock clk;
	struct maillog_rec r;

	maillog_clock_init(&clk, NOW);
	maillog_parse(line, strlen(line), &clk, &r);
	outcomes_add(o, &r);
}

static void dlv(struct outcomes *o, const char *qid, const char *rcpt, const char *status,
		const char *dsn, const char *reason)
{
	char line[1024];

	snprintf(line, sizeof line, "Dec  6 10:00:00 mx postfix/smtp[1]: %s: to=<%s>, relay=none, "
		 "delay=0, delays=0/0/0/0, dsn=%s, status=%s (%s)", qid, rcpt, dsn, status, reason);
	feed(o, line);
}

static void expire(struct outcomes *o, const char *qid)
{
	char line[256];

	snprintf(line, sizeof line, "Dec  6 11:00:00 mx postfix/qmgr[2]: %s: from=<s@a.example>, "
		 "status=expired, returned to sender", qid);
	feed(o, line);
}

#define REFUSED "connect to mx.dead.example[192.0.2.1]:25: Connection refused"
#define NOTFOUND "Host or domain name not found. Name service error for name=x type=MX: Host not found"

/* Each recipient ends once: deferred then sent, deferred then expired,
 * deferred to the end, bounced at once. */
START_TEST(lifecycle)
{
	struct outcomes *o = mk(100, 100, 0);

	dlv(o, "AAAAA00001", "a@dead.example", "deferred", "4.4.1", REFUSED);
	dlv(o, "AAAAA00001", "a@dead.example", "deferred", "4.4.1", REFUSED);
	dlv(o, "AAAAA00001", "a@dead.example", "sent", "2.0.0", "250 ok");
	dlv(o, "AAAAA00002", "b@dead.example", "deferred", "4.4.1", REFUSED);
	dlv(o, "AAAAA00002", "c@dead.example", "deferred", "4.4.1", REFUSED);
	expire(o, "AAAAA00002");
	expire(o, "AAAAA00002");	/* again: nothing left to expire */
	dlv(o, "AAAAA00003", "d@dead.example", "deferred", "4.4.1", REFUSED);
	dlv(o, "AAAAA00004", "e@nx.example", "bounced", "5.4.4", NOTFOUND);
	dlv(o, "AAAAA00004", "f@ok.example", "sent", "2.0.0", "250 ok");
	outcomes_finish(o);

	const struct outcomes_tally *t = outcomes_by_verdict(o, ACT_DEFER);
	ck_assert_uint_eq(t->recipients, 4);
	ck_assert_uint_eq(t->domains, 1);
	ck_assert_uint_eq(t->sent, 1);
	ck_assert_uint_eq(t->expired, 2);
	ck_assert_uint_eq(t->deferred, 1);
	ck_assert_uint_eq(t->bounced, 0);
	ck_assert_uint_eq(t->failed_first, 4);
	ck_assert_double_eq_tol(outcomes_reject_precision(t), 2.0 / 3, 1e-9);
	ck_assert_double_eq_tol(outcomes_defer_precision(t), 1.0, 1e-9);
	/* the same under each of the domain's codes, none under others */
	ck_assert_uint_eq(outcomes_by_code(o, F_SMTP_REFUSED)->expired, 2);
	ck_assert_uint_eq(outcomes_by_code(o, F_ALL_MX_UNREACHABLE)->recipients, 4);
	ck_assert_uint_eq(outcomes_by_code(o, F_NULL_MX)->recipients, 0);

	t = outcomes_by_verdict(o, ACT_REJECT);
	ck_assert_uint_eq(t->recipients, 1);
	ck_assert_uint_eq(t->bounced, 1);
	ck_assert_double_eq_tol(outcomes_reject_precision(t), 1.0, 1e-9);
	t = outcomes_by_verdict(o, ACT_IGNORE);	/* not in the history: accept */
	ck_assert_uint_eq(t->recipients, 1);
	ck_assert_uint_eq(t->sent, 1);
	ck_assert_uint_eq(t->failed_first, 0);
	ck_assert_double_eq_tol(outcomes_reject_precision(t), 0.0, 1e-9);
	ck_assert_double_eq(outcomes_reject_precision(outcomes_by_verdict(o, ACT_ANNOTATE)), -1);

	const struct outcomes_counts *c = outcomes_counts(o);
	ck_assert_uint_eq(c->kinds[ML_DELIVERY], 8);
	ck_assert_uint_eq(c->kinds[ML_EXPIRED], 2);
	ck_assert_uint_eq(c->deliveries[MLS_DEFERRED], 5);
	ck_assert_uint_eq(c->miss_recipients, 0);
	ck_assert_int_eq(lookups, 3);	/* once per domain */
	outcomes_free(o);
}
END_TEST

/* Accepted or annotated domains that fail permanently are misses, by
 * reason class, with examples from distinct domains. */
START_TEST(misses)
{
	struct outcomes *o = mk(100, 100, 0);

	dlv(o, "BBBBB00001", "a@cname.example", "bounced", "5.4.4", NOTFOUND);
	dlv(o, "BBBBB00001", "b@cname.example", "bounced", "5.4.4", NOTFOUND);
	dlv(o, "BBBBB00002", "a@fine.example", "deferred", "4.4.1", REFUSED);
	expire(o, "BBBBB00002");
	dlv(o, "BBBBB00003", "a@fine2.example", "bounced", "5.1.1",
	    "host mx[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command)");
	dlv(o, "BBBBB00004", "a@nx.example", "bounced", "5.4.4", NOTFOUND);	/* flagged: no miss */
	outcomes_finish(o);

	const struct outcomes_counts *c = outcomes_counts(o);
	ck_assert_uint_eq(c->miss_recipients, 4);
	ck_assert_uint_eq(c->miss_domains, 3);
	const struct outcomes_reason *r = outcomes_reason(o, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->cls, "host or domain not found");
	ck_assert_uint_eq(r->recipients, 2);
	ck_assert_uint_eq(r->domains, 1);
	ck_assert_uint_eq(r->nexamples, 1);
	ck_assert_str_eq(r->examples[0].rcpt, "a@cname.example");
	ck_assert_int_eq(r->examples[0].verdict, ACT_ANNOTATE);
	r = outcomes_reason(o, 1);
	ck_assert_str_eq(r->cls, "connection refused");
	ck_assert_str_eq(r->examples[0].text, REFUSED);	/* the last deferral's reason */
	ck_assert_str_eq(outcomes_reason(o, 2)->cls, "remote server reply");
	ck_assert_ptr_null(outcomes_reason(o, 3));
	outcomes_free(o);
}
END_TEST

/* Bounded: a full pending table settles the least recently seen message
 * as deferred; a full domain table still counts, without remembering. */
START_TEST(bounds)
{
	struct outcomes *o = mk(2, 1, 0);

	dlv(o, "CCCCC00001", "a@dead.example", "deferred", "4.4.1", REFUSED);
	dlv(o, "CCCCC00002", "b@dead.example", "deferred", "4.4.1", REFUSED);
	dlv(o, "CCCCC00001", "a@dead.example", "deferred", "4.4.1", REFUSED);	/* seen again */
	dlv(o, "CCCCC00003", "c@dead.example", "deferred", "4.4.1", REFUSED);	/* evicts 00002 */
	const struct outcomes_counts *c = outcomes_counts(o);
	ck_assert_uint_eq(c->evicted, 1);
	ck_assert_uint_eq(outcomes_by_verdict(o, ACT_DEFER)->deferred, 1);
	expire(o, "CCCCC00001");
	ck_assert_uint_eq(outcomes_by_verdict(o, ACT_DEFER)->expired, 1);
	/* one message with more recipients than the table holds */
	dlv(o, "CCCCC00004", "d@dead.example", "deferred", "4.4.1", REFUSED);
	dlv(o, "CCCCC00004", "e@dead.example", "deferred", "4.4.1", REFUSED);
	dlv(o, "CCCCC00004", "f@dead.example", "deferred", "4.4.1", REFUSED);
	ck_assert_uint_eq(c->evicted, 3);
	/* the domain table holds dead.example only: nx.example is looked up each time */
	dlv(o, "CCCCC00005", "a@nx.example", "bounced", "5.4.4", NOTFOUND);
	dlv(o, "CCCCC00005", "b@nx.example", "bounced", "5.4.4", NOTFOUND);
	ck_assert_uint_eq(c->untracked_domains, 2);
	ck_assert_uint_eq(outcomes_by_verdict(o, ACT_REJECT)->bounced, 2);
	ck_assert_uint_eq(outcomes_by_verdict(o, ACT_REJECT)->domains, 0);
	/* misses of domains past the table: recipients, not distinct domains */
	dlv(o, "CCCCC00007", "a@gone.example", "bounced", "5.4.4", NOTFOUND);
	dlv(o, "CCCCC00007", "b@gone.example", "bounced", "5.4.4", NOTFOUND);
	ck_assert_uint_eq(c->miss_recipients, 2);
	ck_assert_uint_eq(c->miss_domains, 0);
	ck_assert_uint_eq(outcomes_reason(o, 0)->recipients, 2);
	ck_assert_uint_eq(outcomes_reason(o, 0)->domains, 0);
	ck_assert_uint_eq(outcomes_reason(o, 0)->nexamples, 2);
	/* a lookup error counts the domain as accepted, and is counted */
	dlv(o, "CCCCC00006", "a@broken.example", "sent", "2.0.0", "250 ok");
	ck_assert_uint_eq(c->lookup_errors, 1);
	outcomes_finish(o);
	ck_assert_uint_eq(outcomes_by_verdict(o, ACT_DEFER)->recipients, 6);
	outcomes_free(o);
}
END_TEST

/* At RCPT: smtpd's reject and warn lines with mxvet's codes, counted per
 * code and per verdict (from the reply code); others ignored. --since. */
START_TEST(rcpt_and_since)
{
	struct outcomes *o = mk(10, 10, NOW - 3600);	/* since 11:00 */

	feed(o, "Dec  6 11:30:00 mx postfix/smtpd[5]: NOQUEUE: reject: RCPT from c[192.0.2.1]: 556 5.1.0 "
	     "<u@n.example>: Recipient address rejected: recipient domain n.example publishes a null MX "
	     "(RFC 7505) [NULL_MX]; from=<s@a> to=<u@n.example> proto=ESMTP helo=<c>");
	feed(o, "Dec  6 11:30:00 mx postfix/smtpd[5]: ABCDE12345: reject_warning: RCPT from c[192.0.2.1]: "
	     "450 4.4.1 <u@d.example>: Recipient address rejected: x [ALL_MX_UNREACHABLE,SMTP_SILENT]; "
	     "from=<s@a> to=<u@d.example> proto=ESMTP helo=<c>");
	feed(o, "Dec  6 11:30:00 mx postfix/smtpd[5]: NOQUEUE: reject: RCPT from c[192.0.2.1]: 554 5.7.1 "
	     "<u@r.example>: Relay access denied; from=<s@a> to=<u@r.example> proto=ESMTP helo=<c>");
	feed(o, "Dec  6 11:30:00 mx postfix/smtpd[5]: NOQUEUE: reject: RCPT from c[192.0.2.1]: 554 5.7.1 "
	     "<u@r.example>: blocked [NOT_A_CODE]; from=<s@a> to=<u@r.example> proto=ESMTP helo=<c>");
	dlv(o, "DDDDD00001", "a@nx.example", "bounced", "5.4.4", NOTFOUND);	/* 10:00: before */
	feed(o, "DDDDD00002: to=<a@nx.example>, relay=none, dsn=5.4.4, status=bounced (x)");	/* no stamp */
	outcomes_finish(o);

	ck_assert_uint_eq(outcomes_by_code(o, F_NULL_MX)->rcpt_rejected, 1);
	ck_assert_uint_eq(outcomes_by_verdict(o, ACT_REJECT)->rcpt_rejected, 1);
	ck_assert_uint_eq(outcomes_by_code(o, F_SMTP_SILENT)->rcpt_warned, 1);
	ck_assert_uint_eq(outcomes_by_code(o, F_ALL_MX_UNREACHABLE)->rcpt_warned, 1);
	ck_assert_uint_eq(outcomes_by_verdict(o, ACT_DEFER)->rcpt_warned, 1);
	const struct outcomes_counts *c = outcomes_counts(o);
	ck_assert_uint_eq(c->kinds[ML_RCPT_REJECT], 3);
	ck_assert_uint_eq(c->before_since, 1);
	ck_assert_uint_eq(c->unstamped, 1);
	ck_assert_uint_eq(outcomes_by_verdict(o, ACT_REJECT)->bounced, 1);

	/* the report prints, in both forms */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	outcomes_print(o, f, "test");
	ck_assert_int_eq(outcomes_print_json(o, f, "test"), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "NULL_MX"));
	ck_assert_ptr_nonnull(strstr(buf, "\"rcpt_rejected\":1"));
	free(buf);
	outcomes_free(o);
}
END_TEST

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	Suite *s = suite_create("outcomes");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, lifecycle);
	tcase_add_test(tc, misses);
	tcase_add_test(tc, bounds);
	tcase_add_test(tc, rcpt_and_since);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
