/* libFuzzer target: the policy request parser on arbitrary bytes, fed in
 * chunks whose size the first byte picks, with the buffer compacted after
 * each request as the server does (tests/unit/policy_feed.h, which the unit
 * test uses too). Checks that every request lies inside the bytes given and
 * that its strings end inside it, and that the parser gives up before it
 * holds more than POLICY_MAX_REQUEST bytes. */
#include "daemon/policy_parser.h"
#include "tests/unit/policy_feed.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(void *arg, const struct policy_request *r, const char *buf, size_t used,
		  size_t have)
{
	(void)arg;
	if (used == 0 || used > have || r->nattr > POLICY_MAX_ATTRS)
		abort();
	for (int i = 0; i < PA__COUNT; i++)
		if (r->v[i] && (r->v[i] < buf || r->v[i] >= buf + used ||
				!memchr(r->v[i], '\0', (size_t)(buf + used - r->v[i]))))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[POLICY_MAX_REQUEST * 4];
	size_t held;
	const char *why;

	if (size < 1 || size > sizeof buf)
		return 0;
	policy_feed((const char *)data + 1, size - 1, (size_t)data[0] % 64 + 1, buf, check, NULL,
		    &why, &held);
	if (held > POLICY_MAX_REQUEST)
		abort();	/* the parser must have failed by now */
	return 0;
}
