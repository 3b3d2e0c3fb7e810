/* smtp_greeting: the bounded parser of an SMTP server greeting (RFC 5321
 * 4.2: "DDD-text" lines continue, a "DDD text" or "DDD" line ends it).
 * Pure: fed one line at a time, without its line end, by the prober (or
 * a test, or the fuzzer); no I/O, no allocation. Bounds are named: an
 * attacker's host may send megabytes without a line end or thousands of
 * 220- lines, and the greeting is judged once a cap is reached. */
#ifndef MXVET_SMTP_GREETING_H
#define MXVET_SMTP_GREETING_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/evidence.h"

#define SMTP_GREETING_MAX_BYTES 4096
#define SMTP_GREETING_MAX_LINES 32
#define SMTP_BANNER_MAX 256		/* first line kept for the report */

struct smtp_greeting {
	int code;		/* reply code of the first line, 0 until one is seen */
	unsigned lines;
	size_t bytes;
	bool done;		/* the last line ("220 ...") was seen */
	bool garbled;		/* a line that is not "DDD[ -]..." */
	char banner[SMTP_BANNER_MAX];	/* first line, sanitized */
};

void smtp_greeting_init(struct smtp_greeting *g);
/* Returns true when the greeting is complete (done, garbled or over the
 * caps): classify it then with smtp_greeting_status(). */
bool smtp_greeting_line(struct smtp_greeting *g, const char *line, size_t len);
/* A line that never ends (more than the cap without a line end): judge
 * it by its start. Always completes the greeting. */
void smtp_greeting_cut(struct smtp_greeting *g, const char *start, size_t len);
enum smtp_status smtp_greeting_status(const struct smtp_greeting *g);

#endif
