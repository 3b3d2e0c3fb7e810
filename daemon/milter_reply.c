/* milter_reply: a policy answer as a milter answer (see .h). */
#include "daemon/milter_reply.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* "findings=A,B" in the annotation -> "A domain phrase\nB domain phrase" */
static void details_of(const char *value, char *out, size_t outlen)
{
	const char *dom = strstr(value, "domain="), *fl = strstr(value, "findings=");
	char domain[256] = "", code[64];
	size_t n = 0;

	out[0] = '\0';
	if (dom)
		snprintf(domain, sizeof domain, "%.*s", (int)strcspn(dom + 7, ";"), dom + 7);
	if (!fl)
		return;
	for (const char *p = fl + 9; *p && *p != ';';) {
		size_t k = strcspn(p, ",;");
		int c;
		snprintf(code, sizeof code, "%.*s", (int)(k < sizeof code ? k : sizeof code - 1), p);
		if ((c = finding_code_by_name(code)) >= 0 && n < outlen)
			n += (size_t)snprintf(out + n, outlen - n, "%s%s %s %s", n ? "\n" : "",
					      finding_info((enum finding_code)c)->name, domain,
					      finding_info((enum finding_code)c)->phrase);
		p += k;
		if (*p == ',')
			p++;
	}
	if (n >= outlen)
		out[outlen - 1] = '\0';
}

enum action milter_translate(const char *answer, size_t len, const char *header_name,
			     char *reply, size_t replylen, char *header, size_t headerlen,
			     char *details, size_t detailslen)
{
	char text[MILTER_REPLY_MAX];
	size_t hn = strlen(header_name);

	reply[0] = header[0] = details[0] = '\0';
	if (len < 7 || strncmp(answer, "action=", 7) != 0)
		return ACT_IGNORE;
	answer += 7;
	len -= 7;
	while (len && (answer[len - 1] == '\n' || answer[len - 1] == '\r'))
		len--;
	snprintf(text, sizeof text, "%.*s", (int)len, answer);

	if (isdigit((unsigned char)text[0]) && isdigit((unsigned char)text[1]) &&
	    isdigit((unsigned char)text[2]) && (text[0] == '4' || text[0] == '5')) {
		const char *rest = text + 3;
		rest += strspn(rest, " ");
		/* libmilter wants an enhanced code: supply the class's generic one */
		if (isdigit((unsigned char)rest[0]) && rest[1] == '.')
			snprintf(reply, replylen, "%s", text);
		else
			snprintf(reply, replylen, "%.3s %s %s", text,
				 text[0] == '5' ? "5.7.1" : "4.7.1", rest);
		return text[0] == '5' ? ACT_REJECT : ACT_DEFER;
	}
	/* error_action and timeout_action may be any Postfix action */
	if (!strncasecmp(text, "DEFER", 5)) {
		const char *rest = text + strcspn(text, " ");
		snprintf(reply, replylen, "451 4.3.0%s", *rest ? rest : " try again later");
		return ACT_DEFER;
	}
	if (!strncasecmp(text, "REJECT", 6)) {
		const char *rest = text + 6;
		snprintf(reply, replylen, "550 5.7.1%s", *rest ? rest : " rejected");
		return ACT_REJECT;
	}
	if (!strncasecmp(text, "PREPEND ", 8) && !strncasecmp(text + 8, header_name, hn) &&
	    text[8 + hn] == ':') {
		const char *v = text + 8 + hn + 1;
		v += strspn(v, " ");
		snprintf(header, headerlen, "%s", v);
		details_of(v, details, detailslen);
		return ACT_ANNOTATE;
	}
	return ACT_IGNORE;	/* DUNNO, OK and anything a milter cannot say */
}

