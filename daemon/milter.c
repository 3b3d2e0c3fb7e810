/* milter: libmilter threads bridged to the libevent loop (see milter.h).
 * All smfi_* calls happen on libmilter's threads inside its callbacks; the
 * loop only fills in jobs. Jobs are shared by both sides and counted. */
#include "daemon/milter.h"
#include "lib/log.h"
#include "daemon/sockperm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>

#define MILTER_TEXT_MAX 900	/* libmilter takes ~980 characters of reply */
#define MILTER_MAX_HEADERS 32	/* annotations kept per message */

struct milter_job {
	TAILQ_ENTRY(milter_job) link;
	int refs;
	bool done, abandoned;
	enum action action;
	char rcpt[512];
	char sender[320];
	char client_address[64];
	char client_name[256];
	char queue_id[33];
	char auth[256];
	struct milter_rcpt info;	/* points into the above */
	char reply[MILTER_TEXT_MAX];
	char header[MILTER_TEXT_MAX];
	char *details;
	pthread_cond_t cond;
};

/* Per SMTP connection: who the client is, the current message's sender
 * and annotations. */
struct mconn {
	char client_address[64];
	char client_name[256];
	char sender[320];
	char auth[256];			/* {auth_authen} of the current message */
	char *headers[MILTER_MAX_HEADERS];
	char *details[MILTER_MAX_HEADERS];
	size_t n;
};

static struct {
	struct event_base *base;
	struct event *wake;
	milter_decide_fn decide;
	void *arg;
	long timeout_s;
	char header_name[128];
	char detail_header_name[128];
	pthread_mutex_t lock;
	TAILQ_HEAD(, milter_job) queue;
	pthread_t thread;
	pthread_t loop_thread;	/* gets the signals libmilter's thread takes */
	bool running;
	_Atomic bool relay;	/* loop_thread is set */
	_Atomic bool stopping;	/* milter_close() asked libmilter to stop */
	_Atomic bool failed;	/* libmilter stopped by itself */
} M = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Inside smfi_main, libmilter starts a thread that sigwait()s for SIGHUP,
 * SIGTERM and SIGINT and stops the milter on any of them. The kernel may
 * give a process-directed signal to any thread not blocking it, and a
 * thread in sigwait is one: now and then a `kill -HUP` (a reload) stopped
 * the milter instead of reloading. The loop owns these signals, so this
 * sigwait, to which the dynamic linker binds libmilter's call (the
 * executable's symbols come first), hands each one it takes to the loop
 * thread and waits again: libmilter never sees a signal. Nothing else in
 * mxvetd calls sigwait. */
int sigwait(const sigset_t *restrict set, int *restrict sig)
{
	for (;;) {
		int s = sigwaitinfo(set, NULL);

		if (s < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (atomic_load(&M.relay) &&
		    (s == SIGHUP || s == SIGTERM || s == SIGINT || s == SIGUSR1)) {
			pthread_kill(M.loop_thread, s);
			continue;
		}
		*sig = s;
		return 0;
	}
}

/* Call with M.lock held. */
static void job_unref(struct milter_job *j)
{
	if (--j->refs > 0)
		return;
	pthread_cond_destroy(&j->cond);
	free(j->details);
	free(j);
}

static void drain(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&M.lock);
		struct milter_job *j = TAILQ_FIRST(&M.queue);
		if (j)
			TAILQ_REMOVE(&M.queue, j, link);
		pthread_mutex_unlock(&M.lock);
		if (!j)
			return;
		M.decide(M.arg, j, &j->info);
	}
}

void milter_job_answer(struct milter_job *j, enum action a, const char *reply,
		       const char *header, const char *details)
{
	pthread_mutex_lock(&M.lock);
	if (!j->abandoned) {
		j->action = a;
		snprintf(j->reply, sizeof j->reply, "%s", reply ? reply : "");
		snprintf(j->header, sizeof j->header, "%s", header ? header : "");
		j->details = details ? strdup(details) : NULL;
		j->done = true;
		pthread_cond_signal(&j->cond);
	}
	job_unref(j);
	pthread_mutex_unlock(&M.lock);
}

/* "<User@Example.COM>" -> "User@Example.COM" */
static void strip_brackets(const char *in, char *out, size_t len)
{
	size_t n;

	while (*in == ' ' || *in == '<')
		in++;
	n = strcspn(in, ">");
	if (n >= len)
		n = len - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

/* Wait for the loop's answer, at most *waited seconds (the setting now);
 * false on timeout (the job is abandoned). */
static bool ask_loop(struct milter_job *j, long *waited)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	pthread_mutex_lock(&M.lock);
	*waited = M.timeout_s;
	deadline.tv_sec += M.timeout_s;
	TAILQ_INSERT_TAIL(&M.queue, j, link);
	pthread_mutex_unlock(&M.lock);
	event_active(M.wake, EV_READ, 0);
	pthread_mutex_lock(&M.lock);
	while (!j->done) {
		int rc = pthread_cond_timedwait(&j->cond, &M.lock, &deadline);
		if (rc == ETIMEDOUT)
			break;
	}
	bool ok = j->done;
	if (!ok)
		j->abandoned = true;
	pthread_mutex_unlock(&M.lock);
	return ok;
}

/* smfi_setreply treats '%' specially: double it. */
static void escape_percent(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 2 < len; in++) {
		if (*in == '\r' || *in == '\n')
			continue;
		out[o++] = *in;
		if (*in == '%')
			out[o++] = '%';
	}
	out[o] = '\0';
}

static void set_reply(SMFICTX *ctx, const char *reply)
{
	char rcode[4] = "", xcode[16] = "", text[MILTER_TEXT_MAX * 2];
	const char *p = reply;

	if (sscanf(p, "%3s %15s", rcode, xcode) != 2)
		return;
	p += strlen(rcode);
	p += strspn(p, " ");
	p += strlen(xcode);
	p += strspn(p, " ");
	escape_percent(p, text, sizeof text);
	if (smfi_setreply(ctx, rcode, xcode, text) != MI_SUCCESS)
		log_warn("milter: reply not accepted by libmilter: %s", reply);
}

static void mconn_clear(struct mconn *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->headers[i]);
		free(c->details[i]);
	}
	c->n = 0;
}

/* The connection's state, made at its first callback; NULL without memory. */
static struct mconn *mconn_of(SMFICTX *ctx)
{
	struct mconn *c = smfi_getpriv(ctx);

	if (!c && (c = calloc(1, sizeof *c)) != NULL)
		smfi_setpriv(ctx, c);
	return c;
}

static sfsistat on_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct mconn *c = mconn_of(ctx);
	const struct sockaddr *sa = (const struct sockaddr *)hostaddr;

	if (!c)
		return SMFIS_CONTINUE;
	snprintf(c->client_name, sizeof c->client_name, "%s", hostname ? hostname : "");
	c->client_address[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, c->client_address,
			  sizeof c->client_address);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
			  c->client_address, sizeof c->client_address);
	return SMFIS_CONTINUE;
}

static sfsistat on_envfrom(SMFICTX *ctx, char **argv)
{
	struct mconn *c = mconn_of(ctx);

	const char *auth = smfi_getsymval(ctx, "{auth_authen}");

	if (c) {
		strip_brackets(argv && argv[0] ? argv[0] : "", c->sender, sizeof c->sender);
		snprintf(c->auth, sizeof c->auth, "%s", auth ? auth : "");
	}
	return SMFIS_CONTINUE;
}

static void job_fill(struct milter_job *j, SMFICTX *ctx, const struct mconn *c,
		     const char *rcpt)
{
	const char *qid = smfi_getsymval(ctx, "i");
	const char *addr = smfi_getsymval(ctx, "{client_addr}");

	strip_brackets(rcpt, j->rcpt, sizeof j->rcpt);
	snprintf(j->sender, sizeof j->sender, "%s", c->sender);
	/* the MTA's own view of the client (XCLIENT, a proxy) before the socket's */
	snprintf(j->client_address, sizeof j->client_address, "%s",
		 addr && *addr ? addr : c->client_address);
	snprintf(j->client_name, sizeof j->client_name, "%s", c->client_name);
	snprintf(j->queue_id, sizeof j->queue_id, "%s", qid ? qid : "");
	snprintf(j->auth, sizeof j->auth, "%s", c->auth);
	j->info = (struct milter_rcpt){ j->rcpt, j->sender, j->client_address, j->client_name,
					j->queue_id, j->auth };
}

static sfsistat on_envrcpt(SMFICTX *ctx, char **argv)
{
	struct mconn *c = mconn_of(ctx);
	struct milter_job *j;
	sfsistat rc = SMFIS_CONTINUE;
	long waited;

	if (!argv || !argv[0] || !c)
		return SMFIS_CONTINUE;	/* fail open */
	if (!(j = calloc(1, sizeof *j)))
		return SMFIS_CONTINUE;	/* fail open */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cond, &ca);
	pthread_condattr_destroy(&ca);
	j->refs = 2;		/* this thread and the loop */
	job_fill(j, ctx, c, argv[0]);
	if (!ask_loop(j, &waited)) {
		log_warn("milter: rcpt=<%s> no decision in %lds: let through", j->rcpt,
			 waited);
		goto out;
	}
	switch (j->action) {
	case ACT_REJECT:
		set_reply(ctx, j->reply);
		rc = SMFIS_REJECT;
		break;
	case ACT_DEFER:
		set_reply(ctx, j->reply);
		rc = SMFIS_TEMPFAIL;
		break;
	case ACT_ANNOTATE:
		if (*j->header && c->n < MILTER_MAX_HEADERS) {
			bool seen = false;
			for (size_t i = 0; i < c->n; i++)
				seen |= strcmp(c->headers[i], j->header) == 0;
			if (!seen) {
				c->headers[c->n] = strdup(j->header);
				c->details[c->n] = j->details ? strdup(j->details) : NULL;
				c->n++;
			}
		}
		break;
	default:
		break;
	}
out:
	pthread_mutex_lock(&M.lock);
	job_unref(j);
	pthread_mutex_unlock(&M.lock);
	return rc;
}

static sfsistat on_eom(SMFICTX *ctx)
{
	struct mconn *c = smfi_getpriv(ctx);
	char name[sizeof M.header_name], detail_name[sizeof M.detail_header_name];

	if (!c)
		return SMFIS_CONTINUE;
	pthread_mutex_lock(&M.lock);	/* a reload may rename them */
	memcpy(name, M.header_name, sizeof name);
	memcpy(detail_name, M.detail_header_name, sizeof detail_name);
	pthread_mutex_unlock(&M.lock);
	for (size_t i = 0; i < c->n; i++) {
		smfi_addheader(ctx, name, c->headers[i]);
		for (char *d = c->details[i], *nl; d && *d; d = nl ? nl + 1 : NULL) {
			nl = strchr(d, '\n');
			if (nl)
				*nl = '\0';
			if (*d)
				smfi_addheader(ctx, detail_name, d);
		}
	}
	mconn_clear(c);
	return SMFIS_CONTINUE;
}

static sfsistat on_abort(SMFICTX *ctx)
{
	struct mconn *c = smfi_getpriv(ctx);
	if (c)
		mconn_clear(c);
	return SMFIS_CONTINUE;
}

static sfsistat on_close(SMFICTX *ctx)
{
	struct mconn *c = smfi_getpriv(ctx);
	if (c) {
		mconn_clear(c);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name = "mxvet",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS,
	.xxfi_connect = on_connect,
	.xxfi_envfrom = on_envfrom,
	.xxfi_envrcpt = on_envrcpt,
	.xxfi_eom = on_eom,
	.xxfi_abort = on_abort,
	.xxfi_close = on_close,
};

void milter_reconfigure(long timeout_s, const char *header_name,
			const char *detail_header_name)
{
	pthread_mutex_lock(&M.lock);
	M.timeout_s = timeout_s;
	snprintf(M.header_name, sizeof M.header_name, "%s", header_name);
	snprintf(M.detail_header_name, sizeof M.detail_header_name, "%s", detail_header_name);
	pthread_mutex_unlock(&M.lock);
}

int milter_open(const char *listen, long timeout_s, const char *header_name,
		const char *detail_header_name, const struct sock_perm *perm, char *err,
		size_t errlen)
{
	static const struct sock_perm def = { (uid_t)-1, (gid_t)-1, 0660 };
	char conn[512];
	const char *path;
	struct stat stb;
	mode_t old;
	int rc;

	milter_reconfigure(timeout_s, header_name, detail_header_name);
	TAILQ_INIT(&M.queue);
	snprintf(conn, sizeof conn, "%s", listen);
	path = !strncmp(listen, "unix:", 5) ? listen + 5 : !strncmp(listen, "local:", 6) ? listen + 6
		: NULL;
	/* libmilter removes what is at the path: only ever a stale socket */
	if (path && lstat(path, &stb) == 0 && !S_ISSOCK(stb.st_mode)) {
		snprintf(err, errlen, "milter_listen %s: exists and is not a socket", listen);
		return -1;
	}
	if (!perm)
		perm = &def;
	/* born no more open than the socket mode (no window), as policy_listen */
	old = sock_perm_umask(perm);
	rc = smfi_setconn(conn) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS ||
	     smfi_opensocket(true) != MI_SUCCESS;
	umask(old);
	if (rc) {
		snprintf(err, errlen, "milter_listen %s: cannot listen", listen);
		return -1;
	}
	if (path && sock_perm_apply(path, perm, "milter_listen", err, errlen) < 0)
		return -1;
	return 0;
}

/* smfi_main returns when milter_close() stops it, or when libmilter
 * gives up (its listener failing over and over). Postfix would then defer
 * every message (milter_default_action = tempfail) while mxvetd looked
 * alive: stop the daemon instead, with a failure its supervisor restarts. */
static void *milter_thread(void *arg)
{
	(void)arg;
	int rc = smfi_main();

	if (atomic_load(&M.stopping))
		return NULL;
	log_err("milter: libmilter stopped by itself (%s): mxvetd stops, to be restarted",
		rc == MI_SUCCESS ? "no error" : "an error");
	atomic_store(&M.failed, true);
	pthread_kill(M.loop_thread, SIGTERM);
	return NULL;
}

bool milter_failed(void)
{
	return atomic_load(&M.failed);
}

int milter_start(struct event_base *base, milter_decide_fn fn, void *arg, char *err,
		 size_t errlen)
{
	sigset_t all, old;

	M.base = base;
	M.decide = fn;
	M.arg = arg;
	M.loop_thread = pthread_self();
	atomic_store(&M.relay, true);
	if (!(M.wake = event_new(base, -1, EV_PERSIST, drain, NULL))) {
		snprintf(err, errlen, "milter: cannot create the wake event");
		return -1;
	}

	/* libmilter's threads must not take the loop's signals */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&M.thread, NULL, milter_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "milter: cannot start its thread: %s", strerror(rc));
		return -1;
	}
	M.running = true;
	return 0;
}

void milter_close(void)
{
	if (M.running) {
		atomic_store(&M.stopping, true);
		smfi_stop();
		pthread_join(M.thread, NULL);
		M.running = false;
	}
	/* jobs still queued were never seen by the loop: drop its reference */
	pthread_mutex_lock(&M.lock);
	struct milter_job *j;
	while ((j = TAILQ_FIRST(&M.queue))) {
		TAILQ_REMOVE(&M.queue, j, link);
		job_unref(j);
	}
	pthread_mutex_unlock(&M.lock);
	if (M.wake) {
		event_free(M.wake);
		M.wake = NULL;
	}
}
