/* libFuzzer target: a decision as the milter and the policy service say
 * it (daemon/decision.c, daemon/milter_reply.c, daemon/policy_answer.c)
 * on any reply or configured action text and any buffer sizes.
 *
 * Input: bytes 0-2 pick the sizes of the reply, header and details
 * buffers (1 byte up to past MILTER_REPLY_MAX; each is allocated at
 * exactly that size, so ASan sees a byte written past it); byte 3 picks
 * what the text is (a configured action such as timeout_action, or a
 * verdict's reply with or without warn mode and findings); the rest is
 * the text. Checks: every output ends inside its buffer; only defer and
 * reject say a reply, in their class (4xx, 5xx) with an enhanced code;
 * only annotate says a header; ignore says nothing; the policy answer is
 * one "action=" line and the blank line, inside POLICY_ANSWER_MAX. */
#include "daemon/milter_reply.h"
#include "daemon/policy_answer.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t pick(uint8_t b)
{
	return b < 200 ? (size_t)b % 40 + 1 : (size_t)(b - 200) * 24 + 40;	/* up to 1312 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t rl, hl, dl, n;
	char *reply, *header, *details, *text, ans[POLICY_ANSWER_MAX];
	struct decision dc;
	enum action a;

	if (size < 4 || size > 8192)
		return 0;
	rl = pick(data[0]);
	hl = pick(data[1]);
	dl = pick(data[2]);
	reply = malloc(rl);
	header = malloc(hl);
	details = malloc(dl);
	text = malloc(size - 3);
	if (!reply || !header || !details || !text)
		abort();
	memcpy(text, data + 4, size - 4);
	text[size - 4] = '\0';

	if (data[3] & 1) {
		decision_init(&dc, data[3] & 2 ? DEC_ERROR : DEC_TIMEOUT, "d.test");
		decision_set_action(&dc, dc.source, text);
	} else {
		decision_init(&dc, DEC_VERDICT, (const char *)text);
		dc.verdict = (enum action)(data[3] >> 1 & 3);
		dc.warn = data[3] & 8;
		for (int i = 0; i < (data[3] >> 4) && i < DECISION_MAX_CODES; i++)
			dc.codes[dc.ncodes++] = (enum finding_code)((unsigned)data[i % size] % F__COUNT);
		/* the engine's replies are of the verdict's class (verdict.c) */
		if (dc.verdict >= ACT_DEFER)
			dc.verdict = !decision_set_reply(&dc, text) ? ACT_IGNORE
				     : dc.code[0] == '5' ? ACT_REJECT : ACT_DEFER;
		if (dc.verdict < ACT_DEFER)
			dc.warn = false;
	}
	a = milter_reply(&dc, reply, rl, header, hl, details, dl);
	n = policy_answer(&dc, "X-Mxvet", ans);

	if (!memchr(reply, '\0', rl) || !memchr(header, '\0', hl) || !memchr(details, '\0', dl))
		abort();
	if (n < 9 || n >= sizeof ans || strncmp(ans, "action=", 7) != 0 || ans[n - 1] != '\n' ||
	    ans[n - 2] != '\n' || memchr(ans, '\n', n - 2) || memchr(ans, '\r', n))
		abort();
	switch (a) {
	case ACT_IGNORE:
		if (reply[0] || header[0] || details[0])
			abort();
		break;
	case ACT_ANNOTATE:
		if (reply[0] || (hl > 1 && !header[0]))
			abort();
		break;
	case ACT_DEFER:
	case ACT_REJECT:
		if (header[0] || details[0])
			abort();
		/* "NNN X.Y.Z ..." as far as the buffer holds it */
		if (rl > 1 && reply[0] != (a == ACT_DEFER ? '4' : '5'))
			abort();
		if (rl > 3 && !(isdigit((unsigned char)reply[1]) && isdigit((unsigned char)reply[2])))
			abort();
		if (strlen(reply) + 1 < rl) {	/* not cut short */
			const char *x = reply + 3 + strspn(reply + 3, " ");
			if (!isdigit((unsigned char)x[0]) || x[1] != '.')
				abort();
		}
		break;
	default:
		abort();
	}
	free(reply);
	free(header);
	free(details);
	free(text);
	return 0;
}
