/* policy_answer: a decision as an "action=..." answer (see .h). */
#include "daemon/policy_answer.h"

#include <string.h>

#define ACTION_MAX (POLICY_ANSWER_MAX - 10)	/* "action=" ... "\n\n" */

struct out {
	char *p;
	size_t n;
};

/* Append s, control characters as spaces, cut at ACTION_MAX. */
static void put(struct out *o, const char *s)
{
	for (; *s && o->n < 7 + ACTION_MAX; s++) {
		unsigned char c = (unsigned char)*s;
		o->p[o->n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
}

size_t policy_answer(const struct decision *dc, const char *header_name, char *out)
{
	static const char dunno[] = "action=DUNNO\n\n";
	struct out o = { out, 0 };
	char buf[DECISION_MAX_TEXT + 64];

	/* the answer to nearly every request (a cached accept): no loop */
	if (!dc->action && (dc->source != DEC_VERDICT || dc->verdict == ACT_IGNORE)) {
		memcpy(out, dunno, sizeof dunno);
		return sizeof dunno - 1;
	}
	put(&o, "action=");
	if (dc->action) {
		put(&o, dc->action);
	} else if (dc->source == DEC_VERDICT && (dc->verdict == ACT_REJECT ||
						 dc->verdict == ACT_DEFER)) {
		if (dc->warn)
			put(&o, "WARN ");
		decision_reply(dc, buf, sizeof buf);
		put(&o, buf);
	} else if (dc->source == DEC_VERDICT && dc->verdict == ACT_ANNOTATE) {
		put(&o, "PREPEND ");
		put(&o, header_name);
		put(&o, ": ");
		decision_header(dc, buf, sizeof buf);
		put(&o, buf);
	} else {
		put(&o, "DUNNO");
	}
	out[o.n++] = '\n';
	out[o.n++] = '\n';
	out[o.n] = '\0';
	return o.n;
}
