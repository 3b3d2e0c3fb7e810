/* outcomes: mxvet's verdicts checked against what Postfix then did.
 *
 * Fed maillog records one at a time (maillog.h), it follows every
 * recipient of every queued message to its end: delivered (sent), bounced,
 * expired (qmgr returned the message), or still deferred when the log
 * ends. Each recipient, once settled, is counted under the verdict and the
 * finding codes mxvet holds for its domain (asked of a lookup function:
 * the domain history, in mxvet outcomes), giving per verdict and per code:
 * recipients, domains, sent / deferred / bounced / expired, and how many
 * failed at their first attempt. Recipients of domains mxvet accepted
 * (accept or annotate) that failed permanently are the misses, counted by
 * Postfix's reason class with a few examples.
 *
 * Precision, per verdict and per code, over recipients with an outcome:
 *   reject: (bounced + expired) / (sent + bounced + expired), the share
 *           that really could not be delivered;
 *   defer:  failed first / all, the share whose first attempt failed too.
 *
 * Recipients refused at RCPT never reach the queue (enforce mode): smtpd's
 * reject lines that carry mxvet's [CODE] are counted apart, per code.
 *
 * Bounded: at most max_pending recipients waiting for their end (the
 * least recently seen message is settled as deferred when full, counted
 * as evicted), at most max_domains domains remembered (more are still
 * counted, but not as distinct domains; counted as untracked), at most
 * OUTCOMES_REASONS_MAX reason classes and OUTCOMES_EXAMPLES examples each.
 * Memory stays the same whatever the log's size. */
#ifndef MXVET_OUTCOMES_H
#define MXVET_OUTCOMES_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "engine/findings.h"
#include "engine/maillog.h"

#define OUTCOMES_MAX_PENDING 100000
#define OUTCOMES_MAX_DOMAINS 100000
#define OUTCOMES_REASONS_MAX 64
#define OUTCOMES_EXAMPLES 3

struct outcomes;

/* The verdict mxvet holds for a domain: 0 found (verdict is an enum
 * action, codes a bit per enum finding_code), 1 unknown (counted as
 * accept: mxvet keeps no record of domains never at risk), -1 error. */
typedef int (*outcomes_lookup_fn)(void *arg, const char *domain, int *verdict, uint64_t *codes);

struct outcomes_limits {
	size_t max_pending;
	size_t max_domains;
	time_t since;			/* records stamped before this are skipped; 0: none */
};

struct outcomes_tally {
	uint64_t recipients, domains;
	uint64_t sent, deferred, bounced, expired;
	uint64_t failed_first;		/* first attempt did not deliver */
	uint64_t rcpt_rejected, rcpt_warned;	/* at RCPT (smtpd lines naming the code) */
};

struct outcomes_counts {
	uint64_t lines, kinds[ML__KINDS];
	uint64_t before_since;		/* stamped before --since */
	uint64_t unstamped;		/* no time stamp (journalctl -o cat) */
	uint64_t no_domain;		/* delivery to a bare local name */
	uint64_t deliveries[MLS_EXPIRED + 1];	/* delivery lines by status */
	uint64_t evicted;		/* recipients settled early (pending table full) */
	uint64_t untracked_domains;	/* domains past max_domains */
	uint64_t lookup_errors;
	uint64_t miss_recipients, miss_domains;
};

/* NULL when out of memory. lookup is called once per domain remembered. */
struct outcomes *outcomes_new(const struct outcomes_limits *lim, outcomes_lookup_fn lookup,
			      void *arg);
void outcomes_free(struct outcomes *o);		/* accepts NULL */

/* Count one parsed line (every kind: the report shows them all). */
void outcomes_add(struct outcomes *o, const struct maillog_rec *r);
/* The log ended: recipients still waiting are settled as deferred. */
void outcomes_finish(struct outcomes *o);

const struct outcomes_counts *outcomes_counts(const struct outcomes *o);
/* verdict: enum action; code: enum finding_code. */
const struct outcomes_tally *outcomes_by_verdict(const struct outcomes *o, int verdict);
const struct outcomes_tally *outcomes_by_code(const struct outcomes *o, int code);
/* A precision in [0, 1], or -1 when nothing to measure it on. */
double outcomes_reject_precision(const struct outcomes_tally *t);
double outcomes_defer_precision(const struct outcomes_tally *t);

/* Misses by reason class: i from 0 while it returns non-NULL. */
struct outcomes_miss_example {
	char rcpt[MAILLOG_ADDR_MAX];
	char dsn[16];
	int verdict;
	char text[256];
};
struct outcomes_reason {
	const char *cls;		/* maillog_reason_class */
	char dsn[16];			/* of the first miss counted */
	uint64_t recipients, domains;
	size_t nexamples;
	struct outcomes_miss_example examples[OUTCOMES_EXAMPLES];
};
const struct outcomes_reason *outcomes_reason(const struct outcomes *o, size_t i);

/* The report: text for people, or one JSON object. */
void outcomes_print(const struct outcomes *o, FILE *out, const char *source);
int outcomes_print_json(const struct outcomes *o, FILE *out, const char *source);

#endif
