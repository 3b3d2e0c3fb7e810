/* milter_bridge: the milter front end on the same decider as the policy
 * service. A recipient from libmilter becomes a policy request (RCPT,
 * recipient, sender, client address and name, queue id: the decision line
 * names them as for a policy request) for decide_request(), so both front ends share one cache,
 * one single flight and one verdict; the policy answer text is then turned
 * into the milter's answer: a numeric 4xx/5xx reply, an annotation header
 * with one detail header per finding, or nothing. */
#ifndef MXVET_MILTER_BRIDGE_H
#define MXVET_MILTER_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/findings.h"
#include "daemon/milter.h"

struct config;
struct decider;

/* conn_id the bridge uses with the decider; policy connections never get it. */
#define MILTER_CONN_ID UINT64_MAX

struct milter_bridge;

struct milter_bridge *milter_bridge_new(void);
void milter_bridge_free(struct milter_bridge *b);	/* drops jobs still waiting */
/* At start and after each reload (cfg gives header_name). */
void milter_bridge_set_decider(struct milter_bridge *b, struct decider *d,
			       const struct config *cfg);

/* milter_decide_fn for milter_start(); arg is the bridge. */
void milter_bridge_decide(void *arg, struct milter_job *job, const struct milter_rcpt *r);
/* The decider's later answer for (MILTER_CONN_ID, seq). */
void milter_bridge_answer(struct milter_bridge *b, uint32_t seq, const char *answer,
			  size_t len);

#endif
