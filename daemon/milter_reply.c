/* milter_reply: a decision as a milter answer (see .h). */
#include "daemon/milter_reply.h"

#include <stdio.h>

/* "CODE domain phrase" per acting finding, '\n' between them. */
static void details_of(const struct decision *dc, char *out, size_t outlen)
{
	size_t n = 0;

	for (size_t i = 0; i < dc->ncodes && n < outlen; i++) {
		const struct finding_info *fi = finding_info(dc->codes[i]);
		n += (size_t)snprintf(out + n, outlen - n, "%s%s %s %s", n ? "\n" : "", fi->name,
				      dc->domain, fi->phrase);
	}
}

enum action milter_reply(const struct decision *dc, char *reply, size_t replylen,
			 char *header, size_t headerlen, char *details, size_t detailslen)
{
	if (replylen)
		reply[0] = '\0';
	if (headerlen)
		header[0] = '\0';
	if (detailslen)
		details[0] = '\0';
	if (dc->source == DEC_VERDICT &&
	    (dc->verdict == ACT_ANNOTATE || (dc->warn && dc->verdict > ACT_ANNOTATE))) {
		decision_header(dc, header, headerlen);
		details_of(dc, details, detailslen);
		return ACT_ANNOTATE;
	}
	if (dc->verdict != ACT_DEFER && dc->verdict != ACT_REJECT)
		return ACT_IGNORE;
	if (replylen)
		snprintf(reply, replylen, "%s %s%s%s", dc->code,
			 *dc->xcode ? dc->xcode : dc->verdict == ACT_REJECT ? "5.7.1" : "4.7.1",
			 *dc->text ? " " : "", dc->text);
	return dc->verdict;
}
