/* libFuzzer target: the milter's translation of a policy answer
 * (daemon/milter_reply.c) on any answer text and any buffer sizes.
 *
 * Input: bytes 0-2 pick the sizes of the reply, header and details
 * buffers (1 byte up to past MILTER_REPLY_MAX; each is allocated at
 * exactly that size, so ASan sees a byte written past it); byte 3 picks
 * the header name and whether "action=" is put in front; the rest is the
 * answer. Checks: every output ends inside its buffer; only defer and
 * reject say a reply, in their class (4xx, 5xx) with an enhanced code;
 * only annotate says a header; ignore says nothing. */
#include "daemon/milter_reply.h"

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
	static const char *names[] = { "X-Mxvet", "X-Other", "", "X" };
	size_t rl, hl, dl, alen;
	char *reply, *header, *details, *answer;
	enum action a;

	if (size < 4 || size > 8192)
		return 0;
	rl = pick(data[0]);
	hl = pick(data[1]);
	dl = pick(data[2]);
	alen = size - 4 + (data[3] & 4 ? 7 : 0);
	reply = malloc(rl);
	header = malloc(hl);
	details = malloc(dl);
	answer = malloc(alen ? alen : 1);	/* not NUL-terminated: len counts */
	if (!reply || !header || !details || !answer)
		abort();
	if (data[3] & 4)
		memcpy(answer, "action=", 7);
	memcpy(answer + (data[3] & 4 ? 7 : 0), data + 4, size - 4);

	a = milter_translate(answer, alen, names[data[3] & 3], reply, rl, header, hl, details, dl);

	if (!memchr(reply, '\0', rl) || !memchr(header, '\0', hl) || !memchr(details, '\0', dl))
		abort();
	switch (a) {
	case ACT_IGNORE:
		if (reply[0] || header[0] || details[0])
			abort();
		break;
	case ACT_ANNOTATE:
		/* details come from the header's findings= (unless the header
		 * buffer holds no byte of it) */
		if (reply[0] || (hl > 1 && !header[0] && details[0]))
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
	free(answer);
	return 0;
}
