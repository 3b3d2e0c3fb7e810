/* maillog: one line of a Postfix log turned into a record, without I/O.
 *
 * Reads the lines that tell what happened to a recipient:
 *   delivery agents (smtp, lmtp, virtual, local, pipe, error, ...):
 *     QID: to=<ADDR>, [orig_to=<ADDR>, ]relay=..., delay=..., dsn=X.Y.Z, status=S (TEXT)
 *   qmgr, a message that stayed in the queue too long:
 *     QID: from=<ADDR>, status=expired, returned to sender
 *   smtpd, a recipient refused or warned about at RCPT time:
 *     QID|NOQUEUE: reject|warn: RCPT from CLIENT: TEXT; from=<..> to=<..> proto=..
 * in the classic syslog form ("Mmm dd hh:mm:ss[.frac] host prog[pid]: "),
 * the ISO form of rsyslog and journalctl -o short-iso, Postfix's own
 * maillog_file, and bare messages (journalctl -o cat, no prefix at all).
 *
 * Every line gets a kind; nothing is fatal. Lines of programs without a
 * "/" in their name (sshd, dovecot, mxvetd) are foreign; Postfix lines
 * about other things are "other"; a line that starts like a delivery line
 * but does not parse is malformed. Fields too long for their buffer are
 * cut (the record says so); the caller bounds the line length. */
#ifndef MXVET_MAILLOG_H
#define MXVET_MAILLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define MAILLOG_LINE_MAX 8192		/* longer lines are malformed (the caller's bound) */
#define MAILLOG_QID_MAX 32		/* long queue ids are about 12-20 characters */
#define MAILLOG_ADDR_MAX 512
#define MAILLOG_DOMAIN_MAX 256
#define MAILLOG_TEXT_MAX 1024
#define MAILLOG_PROG_MAX 64

enum maillog_kind {
	ML_FOREIGN,		/* another program's line, or unknown without a program */
	ML_OTHER,		/* a Postfix line about something else */
	ML_DELIVERY,		/* a delivery agent's status line for one recipient */
	ML_EXPIRED,		/* qmgr: the message expired, returned to sender */
	ML_RCPT_REJECT,		/* smtpd refused a recipient at RCPT (never queued) */
	ML_RCPT_WARN,		/* smtpd logged a WARN action for a recipient */
	ML_MALFORMED,		/* looks like a delivery line, does not parse */
	ML__KINDS
};

enum maillog_status { MLS_NONE, MLS_SENT, MLS_DEFERRED, MLS_BOUNCED, MLS_EXPIRED };

struct maillog_rec {
	enum maillog_kind kind;
	time_t when;				/* 0: the line has no time stamp */
	char program[MAILLOG_PROG_MAX];		/* "postfix/smtp"; "" for a bare message */
	char qid[MAILLOG_QID_MAX];		/* "NOQUEUE" for an smtpd reject before queueing */
	char rcpt[MAILLOG_ADDR_MAX];		/* to=<...> as logged */
	char domain[MAILLOG_DOMAIN_MAX];	/* the recipient's domain, lower case, no final dot */
	char relay[MAILLOG_DOMAIN_MAX];
	char dsn[16];				/* "5.1.1", "" when not logged */
	enum maillog_status status;
	char text[MAILLOG_TEXT_MAX];		/* reason (delivery) or reply (smtpd) */
	bool truncated;				/* some field did not fit */
};

/* Syslog's classic stamp has no year and is local time: the clock holds
 * "now" (a stamp more than a day ahead of it belongs to the year before)
 * and a one-day cache, so a long log costs one mktime per day seen. */
struct maillog_clock {
	time_t now;
	int year;			/* now's local year */
	int cache_mon, cache_mday;	/* -1: nothing cached */
	time_t cache_midnight;
};

void maillog_clock_init(struct maillog_clock *clk, time_t now);

/* Parse line (len bytes, no newline needed; a final \r\n is ignored) into
 * out. Returns out->kind. */
enum maillog_kind maillog_parse(const char *line, size_t len, struct maillog_clock *clk,
				struct maillog_rec *out);

const char *maillog_kind_name(enum maillog_kind k);	/* "delivery", "foreign", ... */
const char *maillog_status_name(enum maillog_status s);	/* "sent", "deferred", ... */

/* A short, stable class of a Postfix failure reason, to count misses by
 * ("host or domain not found", "connection refused", "remote reply", ...);
 * never NULL. */
const char *maillog_reason_class(const char *text);

#endif
