/* milter_bridge: milter recipients through the policy decider (see .h). */
#include "daemon/milter_bridge.h"
#include "daemon/milter_reply.h"
#include "daemon/decide.h"
#include "lib/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>


struct pending {
	TAILQ_ENTRY(pending) link;
	uint32_t seq;
	struct milter_job *job;
};

struct milter_bridge {
	struct decider *dec;
	uint32_t next_seq;
	TAILQ_HEAD(, pending) waiting;	/* few: one per SMTP session at RCPT */
};

struct milter_bridge *milter_bridge_new(void)
{
	struct milter_bridge *b = calloc(1, sizeof *b);

	if (b)
		TAILQ_INIT(&b->waiting);
	return b;
}

void milter_bridge_free(struct milter_bridge *b)
{
	struct pending *p;

	if (!b)
		return;
	while ((p = TAILQ_FIRST(&b->waiting))) {
		TAILQ_REMOVE(&b->waiting, p, link);
		/* the milter thread has its own timeout; this drops our share */
		milter_job_answer(p->job, ACT_IGNORE, NULL, NULL, NULL);
		free(p);
	}
	free(b);
}

void milter_bridge_set_decider(struct milter_bridge *b, struct decider *d)
{
	b->dec = d;
}

static void answer_job(struct milter_job *job, const struct decision *dc)
{
	char reply[MILTER_REPLY_MAX], header[MILTER_REPLY_MAX], details[4 * MILTER_REPLY_MAX];
	enum action a = milter_reply(dc, reply, sizeof reply, header, sizeof header, details,
				     sizeof details);

	milter_job_answer(job, a, *reply ? reply : NULL, *header ? header : NULL,
			  *details ? details : NULL);
}

/* The decider's later decision for the recipient numbered seq. */
static void on_decision(void *arg, uint64_t id, uint32_t seq, const struct decision *dc)
{
	struct milter_bridge *b = arg;
	struct pending *p;

	(void)id;
	TAILQ_FOREACH(p, &b->waiting, link)
		if (p->seq == seq)
			break;
	if (!p)
		return;
	TAILQ_REMOVE(&b->waiting, p, link);
	answer_job(p->job, dc);
	free(p);
}

void milter_bridge_decide(void *arg, struct milter_job *job, const struct milter_rcpt *r)
{
	struct milter_bridge *b = arg;
	struct decide_query q = { .recipient = r->rcpt, .sender = r->sender,
				  .client_address = r->client_address,
				  .client_name = r->client_name, .queue_id = r->queue_id,
				  .sasl_username = r->auth };
	struct decision dc;
	struct pending *p;

	if (!b->dec) {
		milter_job_answer(job, ACT_IGNORE, NULL, NULL, NULL);
		return;
	}
	if (!(p = malloc(sizeof *p))) {
		log_warn("milter: rcpt=<%.300s>: out of memory, let through", r->rcpt);
		milter_job_answer(job, ACT_IGNORE, NULL, NULL, NULL);
		return;
	}
	p->seq = b->next_seq++;
	p->job = job;
	if (decide_request(b->dec, &q, on_decision, b, 0, p->seq, &dc)) {
		free(p);
		answer_job(job, &dc);
		return;
	}
	TAILQ_INSERT_TAIL(&b->waiting, p, link);
}
