/* smtp_stage: the pipeline stage of the SMTP check: ask the prober
 * (smtp_probe.h) for every MX address of the check, in preference order,
 * and fill ev->mx[i].addrs[k].smtp as the answers come. */
#include "engine/smtp_probe.h"
#include "engine/pipeline.h"
#include "engine/stage.h"

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
	if (a->smtp.internal)
		check_evidence(c)->internal_error = true;
	free(q);
	check_stage_release(c, CHECK_STAGE_SMTP);
}

static void smtp_start(void *state, struct check *c)
{
	struct smtp_prober *p = state;
	struct evidence *ev = check_evidence(c);
	size_t asked = 0;

	ev->smtp_done = true;
	/* ev->mx is sorted by preference: the queue serves the primary first */
	for (size_t i = 0; i < ev->nmx; i++)
		for (size_t k = 0; k < ev->mx[i].naddrs && asked < SMTP_CHECK_MAX_ADDRS; k++) {
			struct stage_req *q = malloc(sizeof *q);
			if (!q) {
				/* an address left unprobed must not read as "no
				 * finding": the check is an internal error */
				ev->internal_error = true;
				return;
			}
			q->c = c;
			q->mx = i;
			q->addr = k;
			check_stage_hold(c, CHECK_STAGE_SMTP);
			if (smtp_probe(p, &ev->mx[i].addrs[k].addr, on_probe_done, q) != 0) {
				free(q);
				ev->internal_error = true;	/* out of memory */
				check_stage_release(c, CHECK_STAGE_SMTP);	/* the stage's caller holds the count */
				return;
			}
			asked++;
		}
}

/* The prober's state as the check completes, not as each probe ended:
 * failures a check collected before the prober turned blind are no more a
 * fact about the domain than the ones after. */
static void smtp_complete(void *state, struct check *c)
{
	check_evidence(c)->smtp_blind = smtp_prober_blind(state);
}

static void *smtp_new(struct engine *e)
{
	return smtp_prober_new(e);
}

static void smtp_free(void *state)
{
	smtp_prober_free(state);
}

static void smtp_reconfigure(void *state)
{
	smtp_prober_reconfigure(state);
}

const struct stage_ops smtp_stage = {
	.name = "smtp",
	.family = "smtp",
	.skip_flag = CHECK_NO_SMTP,
	.new = smtp_new,
	.free = smtp_free,
	.start = smtp_start,
	.complete = smtp_complete,
	.reconfigure = smtp_reconfigure,
};

struct smtp_prober *engine_smtp_prober(const struct engine *e)
{
	return engine_stage_state(e, &smtp_stage);
}
