/* decision: what the decider concluded for one recipient, as data. Each
 * front end turns it into its own bytes: the policy service into an
 * "action=..." line (policy_answer.h), the milter into a reply code or
 * headers (milter_reply.h), the admin API into JSON. Nothing here is
 * protocol text to be parsed back.
 *
 * A decision is a plain value (no pointers into itself), filled on the
 * loop thread; its const char * members point to static text or the
 * config and live while the callback that delivers the decision runs.
 * Pure helpers, no I/O. */
#ifndef MXVET_DECISION_H
#define MXVET_DECISION_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/findings.h"

#define DECISION_MAX_CODES 8	/* acting finding codes carried (as the cache keeps) */
#define DECISION_MAX_TEXT 512	/* reply text bytes (an SMTP reply line) */
#define DECISION_MAX_DOMAIN 256	/* a normalized domain and its NUL (DNAME_MAXLEN) */

enum decision_source {
	DEC_VERDICT,		/* the domain's verdict, from a check or the cache */
	DEC_PASS,		/* nothing to judge: no recipient, an address literal, a bad domain */
	DEC_SKIP,		/* an exemption matched (skip) */
	DEC_TIMEOUT,		/* decision_timeout ran out, or max_checks_in_flight */
	DEC_ERROR,		/* mxvet's own failure */
};

struct decision {
	enum decision_source source;
	/* what it amounts to: DEC_VERDICT the verdict (ACT_IGNORE is
	 * accept); DEC_TIMEOUT and DEC_ERROR the class of the configured
	 * action; otherwise ACT_IGNORE */
	enum action verdict;
	bool warn;		/* mode = warn: a reject or defer only reported, accepted */
	bool cached;		/* DEC_VERDICT from the cache */
	const char *skip;	/* DEC_SKIP: the key that matched ("skip_clients", ...) */
	const char *action;	/* DEC_TIMEOUT, DEC_ERROR: the Postfix action configured
				 * (timeout_action, error_action), verbatim */
	char domain[DECISION_MAX_DOMAIN];	/* the normalized recipient domain, or "" */
	char code[4];		/* defer, reject: "550" */
	char xcode[12];		/* "5.1.10"; "" when the reply had none */
	char text[DECISION_MAX_TEXT];	/* the reply after the codes */
	size_t ncodes;
	enum finding_code codes[DECISION_MAX_CODES];	/* findings that act, each once */
};

/* A fresh decision of that source for domain (NULL: "", cut to fit), accept. */
void decision_init(struct decision *dc, enum decision_source src, const char *domain);

/* Set the reply of a defer or reject from its SMTP form "NNN X.Y.Z text"
 * (the enhanced code may be missing). Control characters become spaces:
 * a reply carries domain and config strings, and a newline would end a
 * protocol line early. Returns false when reply is no 4NN/5NN reply
 * (then code, xcode and text are left empty). */
bool decision_set_reply(struct decision *dc, const char *reply);

/* A configured Postfix action (timeout_action, error_action) as the
 * decision: dc->action = action, and dc->verdict and the reply as a
 * milter can say it: "4NN/5NN [X.Y.Z] text" defer/reject, DEFER... a 451
 * 4.3.0 defer, REJECT... a 550 5.7.1 reject, anything else (DUNNO, OK,
 * ...) accept. */
void decision_set_action(struct decision *dc, enum decision_source src, const char *action);

/* "NNN X.Y.Z text" into buf (the enhanced code only when there is one);
 * returns the length (truncated to fit, NUL-terminated). */
size_t decision_reply(const struct decision *dc, char *buf, size_t len);

/* The annotation header's value: "VERDICT; domain=D; findings=A,B" (none
 * without findings), the verdict as the findings gave it (so a warned
 * reject says reject). Returns the length (truncated to fit). */
size_t decision_header(const struct decision *dc, char *buf, size_t len);

/* Enforced? false when warn mode reported a reject or defer instead. */
static inline bool decision_blocks(const struct decision *dc)
{
	return !dc->warn && (dc->verdict == ACT_DEFER || dc->verdict == ACT_REJECT);
}

#endif
