/* milter_bridge: milter recipients through the policy decider (see .h). */
#include "daemon/milter_bridge.h"
#include "daemon/milter_reply.h"
#include "engine/config.h"
#include "daemon/decide.h"
#include "lib/log.h"
#include "daemon/policy_parser.h"

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
	const struct config *cfg;
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

void milter_bridge_set_decider(struct milter_bridge *b, struct decider *d,
			       const struct config *cfg)
{
	b->dec = d;
	b->cfg = cfg;
}

static void answer_job(struct milter_bridge *b, struct milter_job *job, const char *answer,
		       size_t len)
{
	char reply[MILTER_REPLY_MAX], header[MILTER_REPLY_MAX], details[4 * MILTER_REPLY_MAX];
	enum action a = milter_translate(answer, len, b->cfg->header_name, reply, sizeof reply,
					 header, sizeof header, details, sizeof details);

	milter_job_answer(job, a, *reply ? reply : NULL, *header ? header : NULL,
			  *details ? details : NULL);
}

void milter_bridge_decide(void *arg, struct milter_job *job, const struct milter_rcpt *r)
{
	struct milter_bridge *b = arg;
	struct policy_request req = { .v = { [PA_REQUEST] = "smtpd_access_policy",
					     [PA_PROTOCOL_STATE] = "RCPT",
					     [PA_RECIPIENT] = r->rcpt,
					     [PA_SENDER] = r->sender,
					     [PA_CLIENT_ADDRESS] = r->client_address,
					     [PA_CLIENT_NAME] = r->client_name,
					     [PA_QUEUE_ID] = r->queue_id } };
	char out[DECIDE_MAX_ANSWER];
	struct pending *p;
	size_t n;

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
	if ((n = decide_request(b->dec, &req, MILTER_CONN_ID, p->seq, out)) > 0) {
		free(p);
		answer_job(b, job, out, n);
		return;
	}
	TAILQ_INSERT_TAIL(&b->waiting, p, link);
}

void milter_bridge_answer(struct milter_bridge *b, uint32_t seq, const char *answer,
			  size_t len)
{
	struct pending *p;

	TAILQ_FOREACH(p, &b->waiting, link)
		if (p->seq == seq)
			break;
	if (!p)
		return;
	TAILQ_REMOVE(&b->waiting, p, link);
	answer_job(b, p->job, answer, len);
	free(p);
}
