/* html: escaping for the status page. */
#include "daemon/html.h"

#include <string.h>

#include <event2/buffer.h>

/* The replacement of c, or NULL when c stands for itself. */
static const char *entity(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	case '\t':
	case '\n': return NULL;
	default: return c < 0x20 || c == 0x7f ? "\xef\xbf\xbd" : NULL;
	}
}

void html_text(struct evbuffer *b, const char *s)
{
	const char *run = s;

	if (!s)
		return;
	for (; *s; s++) {
		const char *e = entity((unsigned char)*s);
		if (!e)
			continue;
		evbuffer_add(b, run, (size_t)(s - run));
		evbuffer_add(b, e, strlen(e));
		run = s + 1;
	}
	evbuffer_add(b, run, (size_t)(s - run));
}

size_t html_escape(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	if (!len)
		return 0;
	for (; s && *s; s++) {
		const char *e = entity((unsigned char)*s);
		size_t k = e ? strlen(e) : 1;
		if (n + k >= len)
			break;
		memcpy(buf + n, e ? e : s, k);
		n += k;
	}
	buf[n] = '\0';
	return n;
}
