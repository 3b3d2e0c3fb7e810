/* Unit tests: the policy request parser, fed whole, one byte at a time,
 * and with hostile input. */
#include "daemon/policy_parser.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PF_REQ "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n" \
	"client_address=192.0.2.7\nsender=s@example.org\nrecipient=u@d.example\n" \
	"queue_id=\ninstance=1a.2b.0\n\n"

/* Feed data in chunks of step bytes (0: all at once) into a growing
 * buffer as a connection would; collect the recipients of the requests
 * ("-" when absent) joined by ',', or "ERR:why" at an error. */
static void feed(const char *data, size_t len, size_t step, char *out, size_t outlen)
{
	char *buf = malloc(len + 1);
	size_t have = 0, given = 0;
	struct policy_parser p;

	policy_parser_init(&p);
	out[0] = '\0';
	while (given < len) {
		size_t n = step && len - given > step ? step : len - given;
		memcpy(buf + have, data + given, n);
		have += n;
		given += n;
		for (;;) {
			struct policy_request r;
			size_t used;
			const char *why;
			enum pp_status st = policy_parse(&p, buf, have, &r, &used, &why);
			if (st == PP_MORE)
				break;
			if (st == PP_ERROR) {
				snprintf(out + strlen(out), outlen - strlen(out), "ERR:%s", why);
				free(buf);
				return;
			}
			snprintf(out + strlen(out), outlen - strlen(out), "%s/%s/%s/%u,",
				 r.v[PA_RECIPIENT] ? r.v[PA_RECIPIENT] : "-",
				 r.v[PA_PROTOCOL_STATE] ? r.v[PA_PROTOCOL_STATE] : "",
				 r.v[PA_QUEUE_ID] ? (*r.v[PA_QUEUE_ID] ? r.v[PA_QUEUE_ID] : "''") : "-",
				 r.nattr);
			memmove(buf, buf + used, have - used);
			have -= used;
		}
	}
	free(buf);
}

static const struct {
	const char *name, *in;
	const char *want;
} cases[] = {
	{ "one request", PF_REQ, "u@d.example/RCPT/''/8," },
	{ "two pipelined", PF_REQ PF_REQ, "u@d.example/RCPT/''/8,u@d.example/RCPT/''/8," },
	{ "no recipient", "request=smtpd_access_policy\nprotocol_state=MAIL\n\n", "-/MAIL/-/2," },
	{ "last value wins", "recipient=a@x\nrecipient=b@y\n\n", "b@y//-/2," },
	{ "value with = and spaces", "recipient=a=b c@x\n\n", "a=b c@x//-/1," },
	{ "CRLF tolerated", "recipient=a@x\r\nprotocol_state=RCPT\r\n\r\n", "a@x/RCPT/-/2," },
	{ "empty request", "\n", "-//-/0," },
	{ "missing blank line at EOF", "recipient=a@x\n", "" },
	{ "missing newline at EOF", "recipient=a@x", "" },
	{ "line without =", "hello\n\n", "ERR:line without '='" },
	{ "empty name", "=x\n\n", "ERR:empty attribute name" },
	{ "binary in name", "re\x01q=x\n\n", "ERR:bad character in attribute name" },
	{ "high bytes", "\xff\xfe=\x80\n\n", "ERR:bad character in attribute name" },
	{ "space in name", "a b=c\n\n", "ERR:bad character in attribute name" },
	{ "good then bad", "recipient=a@x\n\nfoo\n", "a@x//-/1,ERR:line without '='" },
};

START_TEST(table)
{
	char got[512];
	size_t steps[] = { 0, 1, 2, 7 };

	for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
		feed(cases[_i].in, strlen(cases[_i].in), steps[s], got, sizeof got);
		ck_assert_msg(strcmp(got, cases[_i].want) == 0, "%s (step %zu): got \"%s\" want \"%s\"",
			      cases[_i].name, steps[s], got, cases[_i].want);
	}
}
END_TEST

START_TEST(nul_byte)
{
	static const char in[] = "recipient=a\0b@x\n\n";
	char got[256];
	feed(in, sizeof in - 1, 1, got, sizeof got);
	ck_assert_str_eq(got, "ERR:NUL byte in attribute");
}
END_TEST

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl + 1);
	memcpy(s, head, hl);
	memset(s + hl, c, n);
	memcpy(s + hl + n, tail, tl + 1);
	return s;
}

START_TEST(line_limit)
{
	char got[256];
	/* exactly the limit passes: "recipient=" + value = POLICY_MAX_LINE */
	char *s = repeat("recipient=", 'a', POLICY_MAX_LINE - 10, "\n\n");
	feed(s, strlen(s), 0, got, sizeof got);
	ck_assert_int_eq(strncmp(got, "aaaa", 4), 0);
	free(s);
	s = repeat("recipient=", 'a', POLICY_MAX_LINE - 9, "\n\n");
	feed(s, strlen(s), 0, got, sizeof got);
	ck_assert_str_eq(got, "ERR:line too long");
	free(s);
	/* an endless line fails as soon as it is over, without its newline */
	s = repeat("recipient=", 'b', 3 * POLICY_MAX_LINE, "");
	feed(s, strlen(s), 1, got, sizeof got);
	ck_assert_str_eq(got, "ERR:line too long");
	free(s);
}
END_TEST

START_TEST(attr_limit)
{
	char buf[POLICY_MAX_ATTRS * 16 + 16], got[256];
	size_t n = 0;

	for (int i = 0; i < POLICY_MAX_ATTRS; i++)
		n += (size_t)sprintf(buf + n, "a%d=1\n", i);
	strcpy(buf + n, "\n");
	feed(buf, n + 1, 3, got, sizeof got);
	ck_assert_str_eq(got, "-//-/100,");
	n += (size_t)sprintf(buf + n, "z=1\n\n");
	feed(buf, n, 3, got, sizeof got);
	ck_assert_str_eq(got, "ERR:too many attributes");
}
END_TEST

START_TEST(request_limit)
{
	char *buf = malloc(POLICY_MAX_REQUEST * 2), got[256];
	size_t n = 0;

	/* 90 lines of 200 bytes: under the line and attribute limits */
	for (int i = 0; i < 90; i++) {
		n += (size_t)sprintf(buf + n, "x%02d=", i);
		memset(buf + n, 'v', 195);
		n += 195;
		buf[n++] = '\n';
	}
	buf[n++] = '\n';
	feed(buf, n, 0, got, sizeof got);
	ck_assert_str_eq(got, "ERR:request too large");
	feed(buf, n, 1, got, sizeof got);
	ck_assert_str_eq(got, "ERR:request too large");
	free(buf);
}
END_TEST

/* Random bytes never crash it, never report a request longer than what
 * was given, and always end in a request, an error, or "need more". */
START_TEST(random_garbage)
{
	unsigned seed = 12345;
	char buf[4096];

	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof buf);
		struct policy_parser p;
		size_t off = 0;
		for (size_t i = 0; i < len; i++) {
			int r = rand_r(&seed) % 8;
			buf[i] = r == 0 ? '\n' : r == 1 ? '=' : (char)(rand_r(&seed) & 0xff);
		}
		policy_parser_init(&p);
		for (;;) {
			struct policy_request req;
			size_t used = 0;
			const char *why;
			enum pp_status st = policy_parse(&p, buf + off, len - off, &req, &used, &why);
			if (st != PP_REQUEST)
				break;
			ck_assert(used > 0 && used <= len - off);
			off += used;
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy_parser");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, table, 0, sizeof cases / sizeof *cases);
	tcase_add_test(tc, nul_byte);
	tcase_add_test(tc, line_limit);
	tcase_add_test(tc, attr_limit);
	tcase_add_test(tc, request_limit);
	tcase_add_test(tc, random_garbage);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
