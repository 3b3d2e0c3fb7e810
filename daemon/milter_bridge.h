/* milter_bridge: the milter front end on the same decider as the policy
 * service. A recipient from libmilter becomes a decide_query (recipient,
 * sender, client address and name, queue id, SASL login: the exemptions
 * and the decision line use them as for a policy request), so both front
 * ends share one cache, one single flight, one verdict and the same
 * exemptions and mode; the decision is then said as a milter says it
 * (milter_reply.h): a 4xx/5xx reply, an annotation header with one detail
 * header per finding, or nothing. */
#ifndef MXVET_MILTER_BRIDGE_H
#define MXVET_MILTER_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/findings.h"
#include "daemon/milter.h"

struct decider;

struct milter_bridge;

struct milter_bridge *milter_bridge_new(void);
void milter_bridge_free(struct milter_bridge *b);	/* drops jobs still waiting */
/* At start and after each reload. */
void milter_bridge_set_decider(struct milter_bridge *b, struct decider *d);

/* milter_decide_fn for milter_start(); arg is the bridge. */
void milter_bridge_decide(void *arg, struct milter_job *job, const struct milter_rcpt *r);

#endif
