/* libFuzzer target: the history record decoder (engine/history.c) on any
 * bytes an LMDB value could hold (a damaged file, another version's
 * record). Checks: a decoded record's codes end inside their buffer, its
 * verdict is an action, and encoding it and decoding that gives the same
 * record (what is read back is what mxvet will write). */
#include "engine/history.h"
#include "engine/pipeline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The pipeline stages in history.c are not run here; these stand in for
 * the engine they would reach (linking the whole engine for a decoder is
 * not worth it). */
struct engine *check_engine(struct check *c) { (void)c; abort(); }
struct evidence *check_evidence(struct check *c) { (void)c; abort(); }
const struct config *check_config(const struct check *c) { (void)c; abort(); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[HISTORY_REC_MAX];
	struct history_rec a, b;
	size_t n;

	if (history_rec_decode(data, size, &a) != 0)
		return 0;
	if (!memchr(a.codes, '\0', sizeof a.codes))
		abort();
	if (a.verdict < ACT_IGNORE || a.verdict > ACT_REJECT)
		abort();
	/* the stored codes may hold a NUL; what counts is the string */
	n = strlen(a.codes);
	memset(a.codes + n, 0, sizeof a.codes - n);
	n = history_rec_encode(&a, buf);
	if (n > sizeof buf)
		abort();
	if (history_rec_decode(buf, n, &b) != 0 || memcmp(&a, &b, sizeof a) != 0)
		abort();
	return 0;
}
