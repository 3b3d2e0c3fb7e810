/* smtp_stage: the pipeline stage of the SMTP check: ask the prober
 * (smtp_probe.h) for every MX address of the check, in preference order,
 * and fill ev->mx[i].addrs[k].smtp as the answers come. */
#include "engine/smtp_probe.h"
#include "engine/engine.h"
#include "engine/pipeline.h"

#include <stdlib.h>

struct stage_req {
	struct check *c;
	size_t mx, addr;
};

static void on_probe_done(void *arg, const struct smtp_result *r)
{
	struct stage_req *q = arg;
	struct check *c = q->c;
	struct ev_addr *a = &check_evidence(c)->mx[q->mx].addrs[q->addr];

	free(a->smtp.banner);
	smtp_result_copy(&a->smtp, r);
	free(q);
	check_stage_release(c, CHECK_STAGE_SMTP);
}

void smtp_stage_start(struct check *c)
{
	struct engine *eng = check_engine(c);
	struct evidence *ev = check_evidence(c);
	size_t asked = 0;

	if (!eng->smtp)
		return;
	/* ev->mx is sorted by preference: the queue serves the primary first */
	for (size_t i = 0; i < ev->nmx; i++)
		for (size_t k = 0; k < ev->mx[i].naddrs && asked < SMTP_CHECK_MAX_ADDRS; k++) {
			struct stage_req *q = malloc(sizeof *q);
			if (!q)
				return;
			q->c = c;
			q->mx = i;
			q->addr = k;
			check_stage_hold(c, CHECK_STAGE_SMTP);
			if (smtp_probe(eng->smtp, &ev->mx[i].addrs[k].addr, on_probe_done, q) != 0) {
				free(q);
				check_stage_release(c, CHECK_STAGE_SMTP);	/* the stage's caller holds the count */
				return;
			}
			asked++;
		}
}
