/* Unit tests: a decision as each front end says it (daemon/decision.c,
 * daemon/policy_answer.c, daemon/milter_reply.c) and the skip_*
 * exemptions (daemon/exempt.c). */
#include "daemon/decision.h"
#include "daemon/exempt.h"
#include "daemon/milter_reply.h"
#include "daemon/policy_answer.h"
#include "engine/config.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NULLMX "556 5.1.10 recipient domain n.test publishes a null MX (RFC 7505) [NULL_MX]"
#define SERVFAIL "450 4.4.3 recipient domain s.test cannot be resolved now (SERVFAIL) " \
	"[DNS_SERVFAIL]"

/* A verdict decision as the decider builds it. */
static void verdict(struct decision *dc, const char *domain, enum action v, const char *reply,
		    bool warn, const enum finding_code *codes, size_t n)
{
	decision_init(dc, DEC_VERDICT, domain);
	dc->verdict = v;
	dc->warn = warn;
	if (reply)
		ck_assert(decision_set_reply(dc, reply));
	for (size_t i = 0; i < n; i++)
		dc->codes[dc->ncodes++] = codes[i];
}

static const enum finding_code C_NULLMX[] = { F_NULL_MX };
static const enum finding_code C_TWO[] = { F_MX_CNAME, F_NS_INCONSISTENT };
static const enum finding_code C_SERVFAIL[] = { F_DNS_SERVFAIL };

/* One row: a decision, and what the policy service and the milter say. */
struct row {
	const char *name;
	enum decision_source src;
	enum action v;
	bool warn;
	const char *reply;		/* DEC_VERDICT: its reply; else the configured action */
	const enum finding_code *codes;
	size_t ncodes;
	const char *policy;		/* the answer without "\n\n" */
	enum action milter;
	const char *mreply, *mheader, *mdetails;
};

static const struct row rows[] = {
	{ "accept", DEC_VERDICT, ACT_IGNORE, false, NULL, NULL, 0, "action=DUNNO", ACT_IGNORE,
	  "", "", "" },
	{ "reject", DEC_VERDICT, ACT_REJECT, false, NULLMX, C_NULLMX, 1, "action=" NULLMX,
	  ACT_REJECT, NULLMX, "", "" },
	{ "defer", DEC_VERDICT, ACT_DEFER, false, SERVFAIL, C_SERVFAIL, 1, "action=" SERVFAIL,
	  ACT_DEFER, SERVFAIL, "", "" },
	/* warn mode: the policy says WARN with the same reply; the milter
	 * accepts and adds the headers, which say what was found */
	{ "reject, warn mode", DEC_VERDICT, ACT_REJECT, true, NULLMX, C_NULLMX, 1,
	  "action=WARN " NULLMX, ACT_ANNOTATE, "", "reject; domain=n.test; findings=NULL_MX",
	  "NULL_MX n.test publishes a null MX (RFC 7505)" },
	{ "defer, warn mode", DEC_VERDICT, ACT_DEFER, true, SERVFAIL, C_SERVFAIL, 1,
	  "action=WARN " SERVFAIL, ACT_ANNOTATE, "", "defer; domain=n.test; findings=DNS_SERVFAIL",
	  "DNS_SERVFAIL n.test " },
	{ "annotate, two findings", DEC_VERDICT, ACT_ANNOTATE, false, NULL, C_TWO, 2,
	  "action=PREPEND X-Mxvet: annotate; domain=n.test; findings=MX_CNAME,NS_INCONSISTENT",
	  ACT_ANNOTATE, "", "annotate; domain=n.test; findings=MX_CNAME,NS_INCONSISTENT",
	  "MX_CNAME n.test has an MX host that is an alias (CNAME)\nNS_INCONSISTENT n.test " },
	/* annotations are the same in warn mode */
	{ "annotate, warn mode", DEC_VERDICT, ACT_ANNOTATE, true, NULL, NULL, 0,
	  "action=PREPEND X-Mxvet: annotate; domain=n.test; findings=none", ACT_ANNOTATE, "",
	  "annotate; domain=n.test; findings=none", "" },
	{ "skip", DEC_SKIP, ACT_IGNORE, false, NULL, NULL, 0, "action=DUNNO", ACT_IGNORE, "", "",
	  "" },
	{ "pass", DEC_PASS, ACT_IGNORE, false, NULL, NULL, 0, "action=DUNNO", ACT_IGNORE, "", "",
	  "" },
	/* configured actions go to Postfix verbatim; the milter says them as
	 * it can, with the class's generic enhanced code when there is none */
	{ "timeout DUNNO", DEC_TIMEOUT, 0, false, "DUNNO", NULL, 0, "action=DUNNO", ACT_IGNORE,
	  "", "", "" },
	{ "timeout 451 without enhanced code", DEC_TIMEOUT, 0, false, "451 try later", NULL, 0,
	  "action=451 try later", ACT_DEFER, "451 4.7.1 try later", "", "" },
	{ "error DEFER_IF_PERMIT", DEC_ERROR, 0, false, "DEFER_IF_PERMIT Service unavailable",
	  NULL, 0, "action=DEFER_IF_PERMIT Service unavailable", ACT_DEFER,
	  "451 4.3.0 Service unavailable", "", "" },
	{ "error DEFER", DEC_ERROR, 0, false, "DEFER", NULL, 0, "action=DEFER", ACT_DEFER,
	  "451 4.3.0 try again later", "", "" },
	{ "timeout REJECT", DEC_TIMEOUT, 0, false, "REJECT go away", NULL, 0,
	  "action=REJECT go away", ACT_REJECT, "550 5.7.1 go away", "", "" },
	{ "timeout 554 without enhanced code", DEC_TIMEOUT, 0, false, "554 no", NULL, 0,
	  "action=554 no", ACT_REJECT, "554 5.7.1 no", "", "" },
	{ "timeout OK", DEC_TIMEOUT, 0, false, "OK", NULL, 0, "action=OK", ACT_IGNORE, "", "",
	  "" },
	{ "timeout 699", DEC_TIMEOUT, 0, false, "699 6.0.0 odd", NULL, 0, "action=699 6.0.0 odd",
	  ACT_IGNORE, "", "", "" },
};

START_TEST(front_ends)
{
	const struct row *r = &rows[_i];
	struct decision dc;
	char ans[POLICY_ANSWER_MAX], want[POLICY_ANSWER_MAX + 4];
	char reply[MILTER_REPLY_MAX], header[MILTER_REPLY_MAX], details[4 * MILTER_REPLY_MAX];
	size_t n;

	if (r->src == DEC_VERDICT) {
		verdict(&dc, "n.test", r->v, r->reply, r->warn, r->codes, r->ncodes);
	} else {
		decision_init(&dc, r->src, "n.test");
		if (r->reply)
			decision_set_action(&dc, r->src, r->reply);
	}
	n = policy_answer(&dc, "X-Mxvet", ans);
	snprintf(want, sizeof want, "%s\n\n", r->policy);
	ck_assert_msg(strcmp(ans, want) == 0, "%s: policy answer \"%s\"", r->name, ans);
	ck_assert_uint_eq(n, strlen(ans));
	ck_assert_int_eq(milter_reply(&dc, reply, sizeof reply, header, sizeof header, details,
				      sizeof details), r->milter);
	ck_assert_str_eq(reply, r->mreply);
	ck_assert_str_eq(header, r->mheader);
	/* details: prefix match (the phrase of a last code is the table's) */
	ck_assert_msg(strncmp(details, r->mdetails, strlen(r->mdetails)) == 0,
		      "%s: details \"%s\"", r->name, details);
	if (!*r->mdetails)
		ck_assert_str_eq(details, "");
}
END_TEST

/* A reply's parts; control characters in it never reach the protocol. */
START_TEST(reply_parts)
{
	struct decision dc;
	char ans[POLICY_ANSWER_MAX];

	decision_init(&dc, DEC_VERDICT, "n.test");
	ck_assert(decision_set_reply(&dc, NULLMX));
	ck_assert_str_eq(dc.code, "556");
	ck_assert_str_eq(dc.xcode, "5.1.10");
	ck_assert_str_eq(dc.text, "recipient domain n.test publishes a null MX (RFC 7505) [NULL_MX]");
	ck_assert(decision_set_reply(&dc, "450 text\r\naction=OK"));
	ck_assert_str_eq(dc.xcode, "");
	ck_assert_str_eq(dc.text, "text  action=OK");
	dc.verdict = ACT_DEFER;
	policy_answer(&dc, "X-Mxvet", ans);
	ck_assert_str_eq(ans, "action=450 text  action=OK\n\n");
	/* an enhanced code of another class is text */
	ck_assert(decision_set_reply(&dc, "550 4.1.1 x"));
	ck_assert_str_eq(dc.xcode, "");
	ck_assert_str_eq(dc.text, "4.1.1 x");
	ck_assert(!decision_set_reply(&dc, "250 ok"));
	ck_assert(!decision_set_reply(&dc, "55"));
	ck_assert(!decision_set_reply(&dc, "5500 x"));
	ck_assert(!decision_set_reply(&dc, ""));
}
END_TEST

/* Long text and tiny buffers: truncated, NUL-terminated, no overflow
 * (ASan watches), and the policy answer still ends with its blank line. */
START_TEST(limits)
{
	struct decision dc;
	char big[2000], ans[POLICY_ANSWER_MAX], reply[8], header[8], details[8];
	enum finding_code many[DECISION_MAX_CODES];

	memset(big, 'x', sizeof big);
	memcpy(big, "550 5.1.1 ", 10);
	big[sizeof big - 1] = '\0';
	decision_init(&dc, DEC_VERDICT, "n.test");
	dc.verdict = ACT_REJECT;
	ck_assert(decision_set_reply(&dc, big));
	ck_assert_uint_eq(strlen(dc.text), DECISION_MAX_TEXT - 1);
	size_t n = policy_answer(&dc, "X-Mxvet", ans);
	ck_assert_uint_lt(n, sizeof ans);
	ck_assert(n > 2 && ans[n - 1] == '\n' && ans[n - 2] == '\n' && !memchr(ans, '\n', n - 2));
	ck_assert_int_eq(milter_reply(&dc, reply, sizeof reply, header, sizeof header, details,
				      sizeof details), ACT_REJECT);
	ck_assert_str_eq(reply, "550 5.1");
	for (size_t i = 0; i < DECISION_MAX_CODES; i++)
		many[i] = (enum finding_code)i;
	verdict(&dc, "n.test", ACT_ANNOTATE, NULL, false, many, DECISION_MAX_CODES);
	ck_assert_int_eq(milter_reply(&dc, reply, sizeof reply, header, sizeof header, details,
				      sizeof details), ACT_ANNOTATE);
	ck_assert_str_eq(header, "annotat");
	ck_assert_uint_lt(strlen(details), sizeof details);
	ck_assert_uint_eq(decision_header(&dc, header, 1), 0);
	ck_assert_str_eq(header, "");
	/* a header name far too long is cut, the answer stays one line */
	memset(big, 'H', sizeof big);
	big[sizeof big - 1] = '\0';
	n = policy_answer(&dc, big, ans);
	ck_assert_uint_lt(n, sizeof ans);
	ck_assert(ans[n - 1] == '\n' && ans[n - 2] == '\n' && !memchr(ans, '\n', n - 2));
}
END_TEST

/* ---- exemptions ---- */

static struct config *cfg_with(const char *key, const char *value)
{
	struct config *cfg = config_new();
	char err[256];

	ck_assert_ptr_nonnull(cfg);
	ck_assert_msg(config_set(cfg, key, value, err, sizeof err) == 0, "%s: %s", key, err);
	return cfg;
}

struct ex_row {
	const char *key, *value;
	const char *client, *sender, *auth, *domain;
	const char *want;		/* NULL: not exempt */
};

static const struct ex_row ex_rows[] = {
	{ "skip_clients", "192.0.2.0/24, 2001:db8::/32", "192.0.2.9", "", "", "d.test",
	  "skip_clients" },
	{ "skip_clients", "192.0.2.0/24", "192.0.3.9", "", "", "d.test", NULL },
	{ "skip_clients", "192.0.2.0/24", "::ffff:192.0.2.7", "", "", "d.test", "skip_clients" },
	{ "skip_clients", "2001:db8::/32", "2001:db8::25", "", "", "d.test", "skip_clients" },
	{ "skip_clients", "192.0.2.0/24", "unknown", "", "", "d.test", NULL },
	{ "skip_clients", "192.0.2.0/24", NULL, "", "", "d.test", NULL },
	/* an address, a domain with its subdomains, the @domain form */
	{ "skip_senders", "Boss@Example.ORG", "192.0.2.1", "boss@example.org", "", "d.test",
	  "skip_senders" },
	{ "skip_senders", "boss@example.org", "", "other@example.org", "", "d.test", NULL },
	{ "skip_senders", "example.net", "", "a@mail.Example.NET", "", "d.test", "skip_senders" },
	{ "skip_senders", "@example.net", "", "a@example.net", "", "d.test", "skip_senders" },
	{ "skip_senders", "example.net", "", "a@example.net.evil", "", "d.test", NULL },
	{ "skip_senders", "example.net", "", "a@notexample.net", "", "d.test", NULL },
	{ "skip_senders", "example.net", "", "", "", "d.test", NULL },	/* null sender */
	{ "skip_domains", "d.test, .e.test", "", "", "", "x.d.test", "skip_domains" },
	{ "skip_domains", "d.test, .e.test", "", "", "", "e.test", "skip_domains" },
	{ "skip_domains", "d.test", "", "", "", "xd.test", NULL },
	/* authenticated submission is checked unless told otherwise */
	{ "skip_authenticated", "no", "", "", "alice", "d.test", NULL },
	{ "skip_authenticated", "yes", "", "", "alice", "d.test", "skip_authenticated" },
	{ "skip_authenticated", "yes", "", "", "", "d.test", NULL },
};

START_TEST(exemptions)
{
	const struct ex_row *r = &ex_rows[_i];
	struct config *cfg = cfg_with(r->key, r->value);
	const char *got = exempt_match(cfg, r->client, r->sender, r->auth, r->domain);

	ck_assert_msg(r->want ? got && !strcmp(got, r->want) : !got, "%s = %s: got %s", r->key,
		      r->value, got ? got : "none");
	config_free(cfg);
}
END_TEST

/* A /path value reads the file (comments, several per line), every load
 * anew; a missing file is an error naming it; the dump shows the path. */
START_TEST(list_files)
{
	char path[] = "/tmp/mxvet-test-skip.XXXXXX", err[256];
	int fd = mkstemp(path);
	struct config *cfg = config_new();
	FILE *f;
	char *dump = NULL;
	size_t dlen = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fprintf(f, "# relays\n198.51.100.0/24   # the office\n\n192.0.2.1, 2001:db8::1\n");
	fclose(f);
	ck_assert_msg(config_set(cfg, "skip_clients", path, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(exempt_match(cfg, "198.51.100.77", "", "", "d.test"), "skip_clients");
	ck_assert_str_eq(exempt_match(cfg, "2001:db8::1", "", "", "d.test"), "skip_clients");
	ck_assert_ptr_null(exempt_match(cfg, "192.0.2.2", "", "", "d.test"));
	ck_assert_ptr_nonnull(f = open_memstream(&dump, &dlen));
	config_dump(cfg, f, false);
	fclose(f);
	ck_assert_msg(strstr(dump, "\nskip_clients = /tmp/mxvet-test-skip."), "%s", dump);
	free(dump);

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "Example.ORG\nboss@example.com # the boss\n");
	fclose(f);
	ck_assert_msg(config_set(cfg, "skip_senders", path, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(exempt_match(cfg, "", "x@a.example.org", "", "d.test"), "skip_senders");
	ck_assert_str_eq(exempt_match(cfg, "", "BOSS@example.com", "", "d.test"), "skip_senders");
	ck_assert_ptr_null(exempt_match(cfg, "", "x@example.com", "", "d.test"));
	ck_assert_msg(config_set(cfg, "skip_domains", path, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(exempt_match(cfg, "", "", "", "example.org"), "skip_domains");

	/* bad entries and a missing file fail, naming key and file */
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "192.0.2.0/24\nnot-a-network\n");
	fclose(f);
	ck_assert_int_ne(config_set(cfg, "skip_clients", path, err, sizeof err), 0);
	ck_assert_msg(strstr(err, "skip_clients") && strstr(err, path), "%s", err);
	unlink(path);
	ck_assert_int_ne(config_set(cfg, "skip_domains", path, err, sizeof err), 0);
	ck_assert_msg(strstr(err, "skip_domains") && strstr(err, path), "%s", err);
	/* the running lists stay as they were */
	ck_assert_str_eq(exempt_match(cfg, "198.51.100.1", "", "", "d.test"), "skip_clients");
	config_free(cfg);
}
END_TEST

START_TEST(mode_key)
{
	struct config *cfg = config_new();
	char err[256];

	ck_assert(!cfg->warn);
	ck_assert_int_eq(config_set(cfg, "mode", "warn", err, sizeof err), 0);
	ck_assert(cfg->warn);
	ck_assert_int_eq(config_set(cfg, "mode", "enforce", err, sizeof err), 0);
	ck_assert(!cfg->warn);
	ck_assert_int_ne(config_set(cfg, "mode", "test", err, sizeof err), 0);
	ck_assert_msg(strstr(err, "enforce or warn"), "%s", err);
	ck_assert(config_reloadable("mode") && config_reloadable("skip_clients") &&
		  config_reloadable("skip_senders") && config_reloadable("skip_domains"));
	config_free(cfg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("decision");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, front_ends, 0, sizeof rows / sizeof *rows);
	tcase_add_test(tc, reply_parts);
	tcase_add_test(tc, limits);
	tcase_add_loop_test(tc, exemptions, 0, sizeof ex_rows / sizeof *ex_rows);
	tcase_add_test(tc, list_files);
	tcase_add_test(tc, mode_key);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
