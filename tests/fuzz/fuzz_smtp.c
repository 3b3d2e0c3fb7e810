/* libFuzzer target: the SMTP greeting parser on arbitrary bytes, split
 * into lines as the prober does (LF or CRLF), the rest cut. Checks the
 * parser's promises: it stops within its caps, the banner is printable
 * and terminated, the status agrees with the code. */
#include "engine/smtp_greeting.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_greeting g;
	const char *p = (const char *)data, *end = p + size;
	bool complete = false;

	smtp_greeting_init(&g);
	while (!complete && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		size_t len = (size_t)(nl - p);
		if (len && p[len - 1] == '\r')
			len--;
		complete = smtp_greeting_line(&g, p, len);
		p = nl + 1;
	}
	if (!complete)
		smtp_greeting_cut(&g, p, (size_t)(end - p) < 64 ? (size_t)(end - p) : 64);
	if (g.lines > SMTP_GREETING_MAX_LINES)
		abort();
	size_t bl = strnlen(g.banner, sizeof g.banner);
	if (bl == sizeof g.banner)
		abort();
	for (size_t i = 0; i < bl; i++)
		if ((unsigned char)g.banner[i] < 0x20 || (unsigned char)g.banner[i] >= 0x7f)
			abort();
	enum smtp_status st = smtp_greeting_status(&g);
	if (g.code != 0 && (g.code < 100 || g.code > 599))
		abort();
	if (st == SMTP_ST_OK && g.code / 100 != 2)
		abort();
	if ((st == SMTP_ST_TEMPFAIL && g.code / 100 != 4) || (st == SMTP_ST_REJECT && g.code / 100 != 5))
		abort();
	return 0;
}
