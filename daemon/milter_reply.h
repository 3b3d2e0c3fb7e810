/* milter_reply: a decision as what the milter says at RCPT: a reply with
 * reject or tempfail, or annotation headers added at the end of the
 * message. Pure: no I/O, no state. */
#ifndef MXVET_MILTER_REPLY_H
#define MXVET_MILTER_REPLY_H

#include <stddef.h>

#include "daemon/decision.h"

#define MILTER_REPLY_MAX 1024	/* bytes of a reply or header buffer */

/* The milter's action for dc. ACT_REJECT, ACT_DEFER: reply gets "NNN
 * X.Y.Z text" (the class's generic enhanced code when the reply has none:
 * libmilter needs one). ACT_ANNOTATE: header gets the X-Mxvet value and
 * details "CODE domain phrase" lines separated by '\n' (an annotate
 * verdict, and a reject or defer in warn mode: the headers say what
 * would have been done). ACT_IGNORE: nothing. Every buffer is set,
 * NUL-terminated, "" when unused. */
enum action milter_reply(const struct decision *dc, char *reply, size_t replylen,
			 char *header, size_t headerlen, char *details, size_t detailslen);

#endif
