/* milter_harness: daemon/milter.c with a scripted decide function, for
 * tests/milter-bridge.sh (driven by miltertest). The recipient's domain
 * picks the answer: reject., defer., annotate., slow. (answers after the
 * milter's timeout, to show a late answer is dropped safely), giveup.
 * (libmilter is stopped behind the bridge's back, as when it gives up by
 * itself: the harness must then exit 70), else accept. Each recipient's
 * client, sender, queue id and SASL login go to stderr. */
#include "daemon/milter.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <libmilter/mfapi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct event_base *base;

static void late(evutil_socket_t fd, short w, void *arg)
{
	(void)fd;
	(void)w;
	milter_job_answer(arg, ACT_REJECT, "550 5.0.0 too late", NULL, NULL);
}

static void decide(void *arg, struct milter_job *job, const struct milter_rcpt *r)
{
	const char *rcpt = r->rcpt, *d = strrchr(rcpt, '@');

	(void)arg;
	/* what the decision line would name, for tests/milter-bridge.sh */
	fprintf(stderr, "harness: to=<%s> from=<%s> client=%s[%s] queue_id=%s auth=%s\n",
		r->rcpt, r->sender, r->client_name, r->client_address, r->queue_id, r->auth);
	d = d ? d + 1 : "";
	if (!strncmp(d, "reject.", 7))
		milter_job_answer(job, ACT_REJECT, "550 5.1.10 recipient domain reject.example "
				  "publishes a null MX, 100% sure [NULL_MX]", NULL, NULL);
	else if (!strncmp(d, "defer.", 6))
		milter_job_answer(job, ACT_DEFER, "450 4.4.3 recipient domain defer.example "
				  "cannot be resolved now (SERVFAIL) [DNS_SERVFAIL]", NULL, NULL);
	else if (!strncmp(d, "annotate.", 9))
		milter_job_answer(job, ACT_ANNOTATE, NULL,
				  "annotate; domain=annotate.example; findings=MX_CNAME",
				  "MX_CNAME MX 10 alias.annotate.example is an alias\n"
				  "MX_TYPO second line");
	else if (!strncmp(d, "slow.", 5)) {
		struct timeval tv = { 2, 0 };
		event_base_once(base, -1, EV_TIMEOUT, late, job, &tv);
	} else {
		if (!strncmp(d, "giveup.", 7))
			smfi_stop();
		milter_job_answer(job, ACT_IGNORE, NULL, NULL, NULL);
	}
}

static void on_term(evutil_socket_t fd, short w, void *arg)
{
	(void)fd;
	(void)w;
	(void)arg;
	event_base_loopbreak(base);
}

int main(int argc, char **argv)
{
	char err[256];

	if (argc != 2) {
		fprintf(stderr, "usage: milter_harness inet:PORT@127.0.0.1\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	evthread_use_pthreads();
	base = event_base_new();
	struct event *term = evsignal_new(base, SIGTERM, on_term, NULL);
	event_add(term, NULL);
	if (milter_open(argv[1], 1, "X-Mxvet", "X-Mxvet-Detail", NULL, err, sizeof err) != 0 ||
	    milter_start(base, decide, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "milter_harness: %s\n", err);
		return 1;
	}
	event_base_dispatch(base);
	int rc = milter_failed() ? 70 : 0;
	milter_close();
	event_free(term);
	event_base_free(base);
	return rc;
}
