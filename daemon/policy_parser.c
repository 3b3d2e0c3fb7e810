/* policy_parser: bounded, incremental parser of policy requests. */
#include "policy_parser.h"

#include <string.h>

static const char *const attr_names[PA__COUNT] = {
	[PA_REQUEST] = "request",
	[PA_PROTOCOL_STATE] = "protocol_state",
	[PA_RECIPIENT] = "recipient",
	[PA_SENDER] = "sender",
	[PA_CLIENT_ADDRESS] = "client_address",
	[PA_QUEUE_ID] = "queue_id",
};

static const size_t attr_len[PA__COUNT] = {
	[PA_REQUEST] = sizeof "request" - 1,
	[PA_PROTOCOL_STATE] = sizeof "protocol_state" - 1,
	[PA_RECIPIENT] = sizeof "recipient" - 1,
	[PA_SENDER] = sizeof "sender" - 1,
	[PA_CLIENT_ADDRESS] = sizeof "client_address" - 1,
	[PA_QUEUE_ID] = sizeof "queue_id" - 1,
};

void policy_parser_init(struct policy_parser *p)
{
	memset(p, 0, sizeof *p);
}

static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* One complete line buf[start..nl) (nl is the '\n'). Returns NULL or why. */
static const char *take_line(struct policy_parser *p, char *buf, size_t start, size_t nl)
{
	size_t end = nl, eq;

	if (end > start && buf[end - 1] == '\r')	/* tolerate telnet's CRLF */
		end--;
	buf[end] = '\0';
	if (memchr(buf + start, '\0', end - start))
		return "NUL byte in attribute";
	for (eq = start; eq < end && buf[eq] != '='; eq++)
		if (!name_char((unsigned char)buf[eq]))
			return "bad character in attribute name";
	if (eq == end)
		return "line without '='";
	if (eq == start)
		return "empty attribute name";
	if (eq - start > POLICY_MAX_NAME)
		return "attribute name too long";
	if (++p->nattr > POLICY_MAX_ATTRS)
		return "too many attributes";
	buf[eq] = '\0';
	/* hot path: most of Postfix's 29 attributes are skipped by length */
	for (int i = 0; i < PA__COUNT; i++)
		if (attr_len[i] == eq - start && memcmp(buf + start, attr_names[i], eq - start) == 0) {
			p->off[i] = eq + 1 + 1;
			break;
		}
	return NULL;
}

enum pp_status policy_parse(struct policy_parser *p, char *buf, size_t len,
			    struct policy_request *req, size_t *consumed,
			    const char **why)
{
	while (p->pos < len) {
		char *nl = memchr(buf + p->pos, '\n', len - p->pos);
		size_t at;

		if (!nl) {
			p->pos = len;
			break;
		}
		at = (size_t)(nl - buf);
		p->pos = at + 1;
		if (at - p->line > POLICY_MAX_LINE) {
			*why = "line too long";
			return PP_ERROR;
		}
		if (p->pos > POLICY_MAX_REQUEST) {
			*why = "request too large";
			return PP_ERROR;
		}
		if (at == p->line || (at == p->line + 1 && buf[p->line] == '\r')) {
			/* the blank line: the request is complete */
			for (int i = 0; i < PA__COUNT; i++)
				req->v[i] = p->off[i] ? buf + p->off[i] - 1 : NULL;
			req->nattr = p->nattr;
			*consumed = p->pos;
			policy_parser_init(p);
			return PP_REQUEST;
		}
		if ((*why = take_line(p, buf, p->line, at)) != NULL)
			return PP_ERROR;
		p->line = p->pos;
	}
	/* an unfinished line or request already over its limit fails now, so
	 * a client cannot make us buffer more than the limits */
	if (len - p->line > POLICY_MAX_LINE) {
		*why = "line too long";
		return PP_ERROR;
	}
	if (len >= POLICY_MAX_REQUEST) {
		*why = "request too large";
		return PP_ERROR;
	}
	return PP_MORE;
}
