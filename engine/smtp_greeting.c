/* smtp_greeting: the greeting parser (see smtp_greeting.h). */
#include "engine/smtp_greeting.h"

#include <string.h>

void smtp_greeting_init(struct smtp_greeting *g)
{
	memset(g, 0, sizeof *g);
}

static void sanitize(char *dst, size_t dlen, const char *src, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < dlen; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[n] = '\0';
}

static int reply_code(const char *s, size_t len)
{
	if (len < 3 || s[0] < '1' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
	    s[2] < '0' || s[2] > '9')
		return -1;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

bool smtp_greeting_line(struct smtp_greeting *g, const char *line, size_t len)
{
	int code = reply_code(line, len);

	g->lines++;
	g->bytes += len + 2;
	if (g->lines == 1)
		sanitize(g->banner, sizeof g->banner, line, len);
	/* RFC 5321 4.2.1: "DDD-text" continues, "DDD text" or "DDD" ends */
	if (code < 0 || (len > 3 && line[3] != '-' && line[3] != ' ')) {
		g->garbled = true;
		return true;
	}
	if (g->code == 0)
		g->code = code;
	if (len == 3 || line[3] == ' ') {
		g->done = true;
		return true;
	}
	return g->lines >= SMTP_GREETING_MAX_LINES || g->bytes >= SMTP_GREETING_MAX_BYTES;
}

void smtp_greeting_cut(struct smtp_greeting *g, const char *start, size_t len)
{
	if (g->lines == 0)
		sanitize(g->banner, sizeof g->banner, start, len);
	if (g->code == 0) {
		int code = reply_code(start, len);
		if (code > 0 && (len == 3 || start[3] == '-' || start[3] == ' '))
			g->code = code;
		else
			g->garbled = true;
	}
	g->bytes += len;
}

enum smtp_status smtp_greeting_status(const struct smtp_greeting *g)
{
	if (g->code == 0 || (g->garbled && g->lines <= 1))
		return SMTP_ST_ERROR;
	switch (g->code / 100) {
	case 2: return SMTP_ST_OK;
	case 4: return SMTP_ST_TEMPFAIL;
	case 5: return SMTP_ST_REJECT;
	default: return SMTP_ST_ERROR;
	}
}
