/* libFuzzer target: domain normalization, host-name validity and the
 * wire-to-text conversion on arbitrary bytes. */
#include "engine/dname.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[1200], out[DNAME_MAXLEN], err[256];

	if (size >= sizeof in)
		return 0;
	(void)dname_from_wire(data, size, out, sizeof out);
	memcpy(in, data, size);
	in[size] = '\0';
	if (dname_normalize(in, out, sizeof out, err, sizeof err) == DNAME_OK) {
		/* normalizing is idempotent */
		char again[DNAME_MAXLEN];
		if (dname_normalize(out, again, sizeof again, err, sizeof err) != DNAME_OK ||
		    strcmp(out, again) != 0)
			abort();
	}
	(void)dname_is_hostname(in, NULL);
	(void)dname_is_ip_literal(in);
	(void)dname_registered(in);
	return 0;
}
