/* libFuzzer target: the policy request parser on arbitrary bytes, fed in
 * chunks whose size the first byte picks, with the buffer compacted after
 * each request as the server does. Checks that every request lies inside
 * the bytes given and that its strings end inside it. */
#include "daemon/policy_parser.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[POLICY_MAX_REQUEST * 4];
	struct policy_parser p;
	size_t step, have = 0, given = 1;

	if (size < 1 || size > sizeof buf)
		return 0;
	step = (size_t)data[0] % 64 + 1;
	policy_parser_init(&p);
	while (given < size) {
		size_t n = size - given < step ? size - given : step;
		memcpy(buf + have, data + given, n);
		have += n;
		given += n;
		for (;;) {
			struct policy_request r;
			size_t used;
			const char *why;
			enum pp_status st = policy_parse(&p, buf, have, &r, &used, &why);
			if (st == PP_MORE)
				break;
			if (st == PP_ERROR)
				return 0;
			if (used == 0 || used > have || r.nattr > POLICY_MAX_ATTRS)
				abort();
			for (int i = 0; i < PA__COUNT; i++)
				if (r.v[i] && (r.v[i] < buf || r.v[i] >= buf + used ||
					       !memchr(r.v[i], '\0', (size_t)(buf + used - r.v[i]))))
					abort();
			memmove(buf, buf + used, have - used);
			have -= used;
		}
		if (have > POLICY_MAX_REQUEST)	/* the parser must have failed by now */
			abort();
	}
	return 0;
}
