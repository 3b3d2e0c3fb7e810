/* milter_reply: the policy service's answer text turned into what a milter
 * says, so that the milter front end answers exactly as the policy service
 * does. Pure: no I/O, no state. */
#ifndef MXVET_MILTER_REPLY_H
#define MXVET_MILTER_REPLY_H

#include <stddef.h>

#include "engine/findings.h"

#define MILTER_REPLY_MAX 1024	/* bytes of a reply or header buffer */

/* Pure: a policy answer ("action=TEXT\n\n") as a milter action. reply gets
 * "NNN X.Y.Z text" for defer/reject (an enhanced code is supplied when the
 * text has none: libmilter needs one); header gets the annotation value;
 * details gets "CODE domain phrase" lines separated by '\n'. */
enum action milter_translate(const char *answer, size_t len, const char *header_name,
			     char *reply, size_t replylen, char *header, size_t headerlen,
			     char *details, size_t detailslen);

#endif
