/* milter: the milter front end. libmilter runs in its own threads; each
 * RCPT becomes a job handed to the libevent loop (event_active on a wake
 * event, so evthread_use_pthreads() must precede event_base_new()), where
 * the decide function answers it, now or later, with milter_job_answer().
 * The milter thread waits at most timeout seconds, then lets the recipient
 * through (fail open); an answer that comes later is dropped safely.
 * libmilter is process-global: there is at most one milter. SIGHUP,
 * SIGTERM, SIGINT and SIGUSR1 belong to the thread that calls
 * milter_start(): libmilter's signal thread passes them on to it. */
#ifndef MXVET_MILTER_H
#define MXVET_MILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/findings.h"

struct event_base;
struct milter_job;
struct sock_perm;

/* One recipient and what the exemptions and the log line use. Every
 * string is set, "" when unknown: the client from the macro
 * {client_addr} or else xxfi_connect, the sender from xxfi_envfrom, the
 * SASL login from the macro {auth_authen} at MAIL (Postfix sends it by
 * default, milter_mail_macros), the queue id from the macro {i} (Postfix
 * has none before the first accepted recipient). Valid until
 * milter_job_answer(). */
struct milter_rcpt {
	const char *rcpt;		/* "user@domain", no angle brackets */
	const char *sender;		/* likewise; "" for the null sender */
	const char *client_address;
	const char *client_name;
	const char *queue_id;
	const char *auth;		/* the SASL login name, "" when not authenticated */
};

/* Called on the loop thread for each recipient; must lead to exactly one
 * milter_job_answer(job, ...). */
typedef void (*milter_decide_fn)(void *arg, struct milter_job *job,
				 const struct milter_rcpt *r);

/* Bind the socket (before dropping privileges and before a fork). listen
 * is libmilter's syntax: "inet:PORT@HOST", "inet6:PORT@HOST", "unix:/path".
 * timeout_s: how long a recipient waits for the loop, then passes. A unix
 * socket gets perm (NULL: mode 0660, owner and group of the process). */
int milter_open(const char *listen, long timeout_s, const char *header_name,
		const char *detail_header_name, const struct sock_perm *perm, char *err,
		size_t errlen);
/* A reload: the wait and the header names for the recipients and
 * messages from now on (any thread; the values are copied). */
void milter_reconfigure(long timeout_s, const char *header_name,
			const char *detail_header_name);
/* Start libmilter's threads (after dropping privileges); jobs go to fn on
 * base's loop. */
int milter_start(struct event_base *base, milter_decide_fn fn, void *arg, char *err,
		 size_t errlen);
/* Stop accepting, wait for libmilter to return (up to ~5 s), free. */
void milter_close(void);
/* Did libmilter stop by itself? It then sent the loop thread a SIGTERM;
 * the process should end with a failure (EX_SOFTWARE). */
bool milter_failed(void);

/* Answer a job on the loop thread. reply: "550 5.1.10 text" for reject
 * and defer, else NULL; header: X-Mxvet value for annotate (and others),
 * or NULL; details: "CODE text" lines separated by '\n', or NULL. */
void milter_job_answer(struct milter_job *job, enum action a, const char *reply,
		       const char *header, const char *details);

#endif
