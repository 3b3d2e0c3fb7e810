/* outcomes_gen: a large synthetic Postfix maillog for `mxvet outcomes`,
 * and a domain history to join it with.
 *   bench/outcomes_gen STATE_DIR MEGABYTES > maillog
 * Writes history records for every 20th of DOMAINS recipient domains
 * (reject DOMAIN_NXDOMAIN, defer ALL_MX_UNREACHABLE+SMTP_REFUSED, annotate
 * MX_CNAME in turn) into STATE_DIR, then about MEGABYTES of log lines in
 * the classic syslog form: per message, smtpd connect/client/disconnect,
 * cleanup, qmgr, one to three recipient lines (85% sent, 5% bounced, 10%
 * deferred; a deferred message is retried later and then either sent or
 * expired by qmgr), plus one line of another program per message. Queue
 * ids are unique; DOMAINS is above mxvet outcomes' domain table bound. */
#include "engine/config.h"
#include "engine/findings.h"
#include "engine/history.h"
#include "engine/verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOMAINS 300000
#define RETRY_LAG 500000	/* messages between a deferral and its end */

static unsigned long long rng = 88172645463325252ULL;

static unsigned long long next(void)
{
	rng ^= rng << 13;	/* xorshift64 */
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void history(const char *dir)
{
	char err[256];
	struct history *h = history_open(dir, false, err, sizeof err);
	struct history_rec r;
	char d[64];

	if (!h) {
		fprintf(stderr, "outcomes_gen: %s\n", err);
		exit(1);
	}
	for (long i = 0; i < DOMAINS; i += 20) {
		memset(&r, 0, sizeof r);
		r.first_seen = r.last_seen = 1796515200;
		r.checks = r.risk_count = 1;
		switch ((i / 20) % 3) {
		case 0: r.verdict = ACT_REJECT; strcpy(r.codes, "DOMAIN_NXDOMAIN"); break;
		case 1: r.verdict = ACT_DEFER; strcpy(r.codes, "ALL_MX_UNREACHABLE,SMTP_REFUSED"); break;
		default: r.verdict = ACT_ANNOTATE; strcpy(r.codes, "MX_CNAME"); break;
		}
		snprintf(d, sizeof d, "d%ld.example", i);
		if (history_put(h, d, &r) != 0) {
			fprintf(stderr, "outcomes_gen: history_put failed\n");
			exit(1);
		}
	}
	history_close(h);
}

struct later {			/* a deferred message's second attempt */
	unsigned long qid;
	long dom;
	int n;
	bool expire;
};

int main(int argc, char **argv)
{
	static struct later ring[RETRY_LAG];
	unsigned long long want, written = 0;
	unsigned long qid = 0x100000000UL;
	int sec = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: outcomes_gen STATE_DIR MEGABYTES > maillog\n");
		return 64;
	}
	history(argv[1]);
	want = strtoull(argv[2], NULL, 10) * 1024 * 1024;
	for (unsigned long m = 0; written < want; m++, qid++) {
		char ts[32];
		int n = 1 + (int)(next() % 3), w = 0;
		long dom = (long)(next() % DOMAINS);
		unsigned r = (unsigned)(next() % 100);
		const char *st, *dsn, *why;
		struct later *lt = &ring[m % RETRY_LAG];

		sec = (int)(m / 200);	/* 200 messages a second */
		snprintf(ts, sizeof ts, "Dec  6 %02d:%02d:%02d", (sec / 3600) % 24, (sec / 60) % 60, sec % 60);
		w += printf("%s mx postfix/smtpd[%d]: connect from c%lu.example[192.0.2.%lu]\n", ts,
			    1000 + (int)(m % 50), m % 977, m % 250);
		w += printf("%s mx postfix/smtpd[%d]: %lX: client=c%lu.example[192.0.2.%lu]\n", ts,
			    1000 + (int)(m % 50), qid, m % 977, m % 250);
		w += printf("%s mx postfix/cleanup[%d]: %lX: message-id=<%lu@c.example>\n", ts,
			    2000 + (int)(m % 9), qid, m);
		w += printf("%s mx postfix/qmgr[99]: %lX: from=<s%lu@c.example>, size=%lu, nrcpt=%d (queue active)\n",
			    ts, qid, m % 1000, 1000 + m % 90000, n);
		if (r < 85) {
			st = "sent"; dsn = "2.0.0"; why = "250 2.0.0 Ok: queued as 4ABC";
		} else if (r < 90) {
			st = "bounced"; dsn = "5.1.1";
			why = "host mx.example[198.51.100.7] said: 550-5.1.1 The account does not exist. 550 5.1.1 Check the address (in reply to RCPT TO command)";
		} else {
			st = "deferred"; dsn = "4.4.1";
			why = "connect to mx.example[2001:db8::25]:25: Connection refused";
		}
		for (int k = 0; k < n; k++)
			w += printf("%s mx postfix/smtp[%d]: %lX: to=<u%d@d%ld.example>, relay=mx.d%ld.example[198.51.100.%ld]:25, delay=0.%d, delays=0.1/0/0.1/0.1, dsn=%s, status=%s (%s)\n",
				    ts, 3000 + (int)(m % 40), qid, k, dom, dom, dom % 250, k, dsn, st, why);
		w += printf("%s mx postfix/qmgr[99]: %lX: removed\n", ts, qid);
		w += printf("%s mx dovecot: imap(u%lu)<%lu>: Logged out in=10 out=500\n", ts, m % 3000, m);
		/* the message deferred RETRY_LAG messages ago gets its end */
		if (lt->n) {
			for (int k = 0; k < lt->n && !lt->expire; k++)
				w += printf("%s mx postfix/smtp[%d]: %lX: to=<u%d@d%ld.example>, relay=mx.d%ld.example[198.51.100.1]:25, delay=600, delays=590/0/5/5, dsn=2.0.0, status=sent (250 2.0.0 Ok)\n",
					    ts, 3000 + k, lt->qid, k, lt->dom, lt->dom);
			if (lt->expire)
				w += printf("%s mx postfix/qmgr[99]: %lX: from=<s@c.example>, status=expired, returned to sender\n",
					    ts, lt->qid);
			lt->n = 0;
		}
		if (r >= 90) {
			lt->qid = qid;
			lt->dom = dom;
			lt->n = n;
			lt->expire = r >= 95;
		}
		if (w < 0)
			return 1;
		written += (unsigned long long)w;
	}
	return 0;
}
