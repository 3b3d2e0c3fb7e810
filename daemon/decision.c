/* decision: the decider's result as data (see decision.h). */
#include "daemon/decision.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void decision_init(struct decision *dc, enum decision_source src, const char *domain)
{
	dc->source = src;
	dc->verdict = ACT_IGNORE;
	dc->warn = false;
	dc->cached = false;
	dc->skip = NULL;
	dc->action = NULL;
	size_t n = domain ? strnlen(domain, sizeof dc->domain - 1) : 0;

	/* per request on the policy service's hot path: no formatting */
	memcpy(dc->domain, domain ? domain : "", n);
	dc->domain[n] = '\0';
	dc->code[0] = dc->xcode[0] = dc->text[0] = '\0';
	dc->ncodes = 0;
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Copy s into out[len] with control characters as spaces. */
static void copy_clean(char *out, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;
		out[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[n] = '\0';
}

bool decision_set_reply(struct decision *dc, const char *reply)
{
	const char *p = reply, *x;
	size_t xl;

	dc->code[0] = dc->xcode[0] = dc->text[0] = '\0';
	if (!(p[0] == '4' || p[0] == '5') || !digit(p[1]) || !digit(p[2]) ||
	    (p[3] && p[3] != ' '))
		return false;
	memcpy(dc->code, p, 3);
	dc->code[3] = '\0';
	p += 3;
	p += strspn(p, " ");
	/* RFC 3463: class "." subject "." detail, class as the reply's */
	x = p;
	xl = strcspn(x, " ");
	if (xl >= 5 && xl < sizeof dc->xcode && x[0] == dc->code[0] && x[1] == '.' &&
	    strspn(x, "0123456789.") == xl) {
		memcpy(dc->xcode, x, xl);
		dc->xcode[xl] = '\0';
		p = x + xl;
		p += strspn(p, " ");
	}
	copy_clean(dc->text, sizeof dc->text, p);
	return true;
}

void decision_set_action(struct decision *dc, enum decision_source src, const char *action)
{
	const char *rest = action + strcspn(action, " ");

	dc->source = src;
	dc->action = action;
	dc->verdict = ACT_IGNORE;
	rest += strspn(rest, " ");
	if (decision_set_reply(dc, action)) {
		dc->verdict = dc->code[0] == '5' ? ACT_REJECT : ACT_DEFER;
	} else if (!strncasecmp(action, "DEFER", 5)) {	/* DEFER, DEFER_IF_PERMIT, ... */
		decision_set_reply(dc, "451 4.3.0");
		copy_clean(dc->text, sizeof dc->text, *rest ? rest : "try again later");
		dc->verdict = ACT_DEFER;
	} else if (!strncasecmp(action, "REJECT", 6)) {
		decision_set_reply(dc, "550 5.7.1");
		copy_clean(dc->text, sizeof dc->text, *rest ? rest : "rejected");
		dc->verdict = ACT_REJECT;
	}
}

size_t decision_reply(const struct decision *dc, char *buf, size_t len)
{
	int n;

	if (len == 0)
		return 0;
	n = snprintf(buf, len, "%s%s%s%s%s", dc->code, *dc->xcode ? " " : "", dc->xcode,
		     *dc->text ? " " : "", dc->text);
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

size_t decision_header(const struct decision *dc, char *buf, size_t len)
{
	size_t n;

	if (len == 0)
		return 0;
	n = (size_t)snprintf(buf, len, "%s; domain=%s; findings=", verdict_name(dc->verdict),
			     dc->domain);
	for (size_t i = 0; i < dc->ncodes && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : "",
				      finding_info(dc->codes[i])->name);
	if (!dc->ncodes && n < len)
		n += (size_t)snprintf(buf + n, len - n, "none");
	return n < len ? n : len - 1;
}
