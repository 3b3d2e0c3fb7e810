/* policy_parser: bounded, incremental parser of policy requests. */
#include "daemon/policy_parser.h"

#include <string.h>

static const char *const attr_names[PA__COUNT] = {
	[PA_REQUEST] = "request",
	[PA_PROTOCOL_STATE] = "protocol_state",
	[PA_RECIPIENT] = "recipient",
	[PA_SENDER] = "sender",
	[PA_CLIENT_ADDRESS] = "client_address",
	[PA_QUEUE_ID] = "queue_id",
	[PA_CLIENT_NAME] = "client_name",
	[PA_SASL_USERNAME] = "sasl_username",
};

static const size_t attr_len[PA__COUNT] = {
	[PA_REQUEST] = sizeof "request" - 1,
	[PA_PROTOCOL_STATE] = sizeof "protocol_state" - 1,
	[PA_RECIPIENT] = sizeof "recipient" - 1,
	[PA_SENDER] = sizeof "sender" - 1,
	[PA_CLIENT_ADDRESS] = sizeof "client_address" - 1,
	[PA_QUEUE_ID] = sizeof "queue_id" - 1,
	[PA_CLIENT_NAME] = sizeof "client_name" - 1,
	[PA_SASL_USERNAME] = sizeof "sasl_username" - 1,
};

void policy_parser_init(struct policy_parser *p)
{
	memset(p, 0, sizeof *p);
}

/* Attribute name characters: letters, digits, '_', '-', '.' (not NUL). */
static const unsigned char name_ok[256] = {
	['-'] = 1, ['.'] = 1, ['_'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
	['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* One complete line buf[start..nl) (nl is the '\n'). Returns NULL or why.
 * One pass over the name (which cannot hold a NUL), one over the value. */
static const char *take_line(struct policy_parser *p, char *buf, size_t start, size_t nl)
{
	size_t end = nl, eq = start;

	if (end > start && buf[end - 1] == '\r')	/* tolerate telnet's CRLF */
		end--;
	while (eq < end && name_ok[(unsigned char)buf[eq]])
		eq++;
	if (eq == end)
		return memchr(buf + start, '\0', end - start) ? "NUL byte in attribute"
							       : "line without '='";
	if (buf[eq] != '=')
		return buf[eq] ? "bad character in attribute name" : "NUL byte in attribute";
	if (eq == start)
		return "empty attribute name";
	if (eq - start > POLICY_MAX_NAME)
		return "attribute name too long";
	if (memchr(buf + eq + 1, '\0', end - eq - 1))
		return "NUL byte in attribute";
	if (++p->nattr > POLICY_MAX_ATTRS)
		return "too many attributes";
	buf[end] = '\0';
	buf[eq] = '\0';
	/* hot path: most of Postfix's 29 attributes are skipped by length
	 * and first letter, without a call (several share a length) */
	for (int i = 0; i < PA__COUNT; i++)
		if (attr_len[i] == eq - start && attr_names[i][0] == buf[start] &&
		    memcmp(buf + start, attr_names[i], eq - start) == 0) {
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
