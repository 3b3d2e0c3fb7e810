/* verdict: policy apart from detection. Turns findings plus config
 * (on_<code> overrides) into one action and the reply text Postfix gets.
 * The strongest action wins: reject > defer > annotate > accept. */
#ifndef MXVET_VERDICT_H
#define MXVET_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/evidence.h"
#include "engine/findings.h"

struct config;

struct verdict {
	enum action action;	/* ACT_IGNORE means accept */
	char *reply;		/* "550 5.1.10 recipient domain d ... [CODE]" for reject/defer */
	uint32_t ttl;		/* smallest DNS TTL seen, 0 if none */
	bool temporary;		/* rests on a temporary fault: cache it briefly */
	int decisive;		/* index of the finding that set the action, or -1 */
	const char *error;	/* no verdict, mxvet's own fault: why (a static
				 * sentence); action is then ACT_IGNORE */
};

/* Sets each finding's action and fills v. When the check failed on its
 * own (ev->resolver_blind, ev->internal_error, a resolver library error,
 * fs->lost), nothing is judged: every finding's action is ignore and
 * v->error says why; such a result is answered with error_action and is
 * never cached. */
void verdict_decide(const struct evidence *ev, struct findings *fs,
		    const struct config *cfg, struct verdict *v);
void verdict_clear(struct verdict *v);

/* "accept", "annotate", "defer", "reject". */
const char *verdict_name(enum action a);

/* Header value "annotate; domain=d; findings=A,B" (codes of findings whose
 * action is not ignore). Returns the length, truncated to fit. */
size_t verdict_header_value(enum action a, const char *domain,
			    const struct findings *fs, char *buf, size_t len);

#endif
