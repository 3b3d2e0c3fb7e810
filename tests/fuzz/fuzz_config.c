/* libFuzzer target: the mxvet.conf loader on arbitrary bytes. */
#include "engine/config.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = config_new();
	char err[512];
	FILE *f = fmemopen((void *)data, size, "r");

	if (cfg && f && size > 0)
		(void)config_load_stream(cfg, f, "fuzz", err, sizeof err);
	if (f)
		fclose(f);
	config_free(cfg);
	return 0;
}
