/* policy_feed: the policy parser fed as a connection feeds it, shared by
 * the unit test (tests/unit/test_policy_parser.c) and the fuzz target
 * (tests/fuzz/fuzz_policy.c): data arrives step bytes at a time (0: all at
 * once) into buf, and the bytes of each request are dropped from its front
 * once it is parsed, as the server does. */
#ifndef MXVET_TEST_POLICY_FEED_H
#define MXVET_TEST_POLICY_FEED_H

#include "daemon/policy_parser.h"

#include <string.h>

/* on_request gets each request, the buffer, the bytes it used and the
 * bytes held. buf must hold len bytes. *max_held (may be NULL) gets the
 * most bytes held after a chunk, once its whole requests were dropped.
 * Returns 0, or -1 when the parser gave up (*why says why). */
static inline int policy_feed(const char *data, size_t len, size_t step, char *buf,
			      void (*on_request)(void *arg, const struct policy_request *r,
						 const char *buf, size_t used, size_t have),
			      void *arg, const char **why, size_t *max_held)
{
	size_t have = 0, given = 0, held = 0;
	struct policy_parser p;

	if (max_held)
		*max_held = 0;
	policy_parser_init(&p);
	while (given < len) {
		size_t n = step && len - given > step ? step : len - given;
		memcpy(buf + have, data + given, n);
		have += n;
		given += n;
		for (;;) {
			struct policy_request r;
			size_t used;
			enum pp_status st = policy_parse(&p, buf, have, &r, &used, why);
			if (st == PP_MORE)
				break;
			if (st == PP_ERROR)
				return -1;
			on_request(arg, &r, buf, used, have);
			memmove(buf, buf + used, have - used);
			have -= used;
		}
		held = have > held ? have : held;
		if (max_held)
			*max_held = held;
	}
	return 0;
}

#endif
