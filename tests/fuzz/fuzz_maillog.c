/* libFuzzer target: Postfix log lines (engine/maillog.c) and the outcome
 * join (engine/outcomes.c) on arbitrary bytes: the input is split at
 * newlines like a log, with small table bounds so eviction runs too. */
#include "engine/maillog.h"
#include "engine/outcomes.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int lookup(void *arg, const char *domain, int *verdict, uint64_t *codes)
{
	(void)arg;
	*verdict = (int)(strlen(domain) % 4);	/* every verdict turns up */
	*codes = 1ULL << (strlen(domain) % F__COUNT);
	return domain[0] == 'x' ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcomes_limits lim = { .max_pending = 3, .max_domains = 4, .since = 1 };
	struct outcomes *o = outcomes_new(&lim, lookup, NULL);
	struct maillog_clock clk;
	struct maillog_rec r;
	const char *p = (const char *)data, *end = p + size;

	if (!o)
		return 0;
	maillog_clock_init(&clk, 1796558400);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if (maillog_parse(p, (size_t)(e - p), &clk, &r) >= ML__KINDS)
			abort();
		if (strlen(r.rcpt) >= sizeof r.rcpt || strlen(r.text) >= sizeof r.text)
			abort();
		outcomes_add(o, &r);
		p = e + 1;
	}
	outcomes_finish(o);
	FILE *null = fopen("/dev/null", "w");
	if (null) {
		outcomes_print(o, null, "fuzz");
		outcomes_print_json(o, null, "fuzz");
		fclose(null);
	}
	outcomes_free(o);
	return 0;
}
