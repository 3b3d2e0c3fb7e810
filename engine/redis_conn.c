/* redis_conn: a Redis connection with deadlines and reconnects (see
 * redis_conn.h). Commands sent on the current context are kept in order
 * (FIFO) with the time they were sent: hiredis answers them in that
 * order, so the head is always the oldest and carries the next deadline. */
#include "engine/redis_conn.h"
#include "lib/log.h"
#include "lib/monotime.h"

#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const uint32_t redis_lat_bounds_us[REDIS_LAT_BUCKETS] = {
	250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
};

enum rstate { RC_DOWN, RC_HANDSHAKE, RC_UP };

struct req {
	struct req *next, *prev;
	struct redis_conn *rc;
	redis_reply_fn fn;
	void *arg;
	long sent_us;
};

struct redis_conn {
	struct event_base *base;
	struct redis_url url;
	char name[REDIS_URL_HOST_MAX + 32];
	long timeout_ms;
	redisAsyncContext *ac;		/* NULL while down */
	enum rstate state;
	struct req *head, *tail;	/* commands sent on ac, oldest first */
	struct event *deadline;		/* at the head's deadline */
	struct event *retry;		/* the next connect */
	long backoff_ms;
	bool in_outage;
	long outage_since_us;
	struct redis_conn_stats st;
};

static struct timeval us_tv(long us)
{
	struct timeval tv = { us / 1000000, us % 1000000 };
	return tv;
}

static void arm_deadline(struct redis_conn *rc)
{
	if (!rc->head) {
		evtimer_del(rc->deadline);
		return;
	}
	long left = rc->head->sent_us + rc->timeout_ms * 1000L - monotime_us();
	struct timeval tv = us_tv(left > 0 ? left : 0);
	evtimer_add(rc->deadline, &tv);
}

static void unlink_req(struct redis_conn *rc, struct req *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		rc->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		rc->tail = q->prev;
}

static void went_down(struct redis_conn *rc, const char *why)
{
	rc->st.up = false;
	rc->st.last_error = time(NULL);
	if (!rc->in_outage) {
		/* one warning per outage; the attempts that follow are debug */
		log_warn("redis: %s unavailable (%s): going on with the local tiers, "
			 "reconnecting in the background", rc->name, why);
		rc->in_outage = true;
		rc->outage_since_us = monotime_us();
		rc->st.outages++;
	} else {
		log_debug("redis: %s still unavailable (%s)", rc->name, why);
	}
}

static void on_retry(evutil_socket_t fd, short what, void *arg);

static void schedule_retry(struct redis_conn *rc)
{
	/* jitter: a fleet that lost Redis together does not come back in step */
	long ms = rc->backoff_ms / 2 + (long)arc4random_uniform((uint32_t)rc->backoff_ms / 2 + 1);
	struct timeval tv = us_tv(ms * 1000L);

	rc->backoff_ms = rc->backoff_ms * 2 > REDIS_BACKOFF_MAX_MS ? REDIS_BACKOFF_MAX_MS
								   : rc->backoff_ms * 2;
	evtimer_add(rc->retry, &tv);
}

/* Give up the current context: its pending commands fail (fn(NULL)),
 * and a new one comes after the backoff. */
static void drop(struct redis_conn *rc, const char *why)
{
	redisAsyncContext *ac = rc->ac;

	if (rc->state == RC_DOWN && !ac)
		return;
	rc->ac = NULL;
	rc->state = RC_DOWN;
	rc->st.connect_failures += !rc->st.up;
	went_down(rc, why);
	evtimer_del(rc->deadline);
	/* inside a hiredis callback the free is deferred by hiredis itself */
	if (ac)
		redisAsyncFree(ac);
	schedule_retry(rc);
}

static void on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct req *q = priv;
	struct redis_conn *rc = q->rc;
	redisReply *r = reply;

	(void)ac;
	unlink_req(rc, q);
	if (r) {
		long lat = monotime_us() - q->sent_us;
		size_t b = 0;
		while (b < REDIS_LAT_BUCKETS && (uint32_t)lat > redis_lat_bounds_us[b])
			b++;
		rc->st.lat[b]++;
		rc->st.lat_sum_us += (uint64_t)lat;
		if (r->type == REDIS_REPLY_ERROR) {
			rc->st.errors++;
			rc->st.last_error = time(NULL);
		}
	} else {
		rc->st.errors++;
		rc->st.last_error = time(NULL);
	}
	if (rc->ac)
		arm_deadline(rc);
	q->fn(q->arg, r);
	free(q);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct redis_conn *rc = arg;
	char why[64];

	(void)fd;
	(void)what;
	if (!rc->head)
		return;
	if (rc->head->sent_us + rc->timeout_ms * 1000L > monotime_us()) {
		arm_deadline(rc);
		return;
	}
	rc->st.timeouts++;
	snprintf(why, sizeof why, "no answer within redis_timeout=%ldms", rc->timeout_ms);
	drop(rc, why);
}

static int send_cmd(struct redis_conn *rc, redis_reply_fn fn, void *arg, int argc,
		    const char **argv, const size_t *argvlen)
{
	struct req *q = calloc(1, sizeof *q);

	if (!q)
		return -1;
	q->rc = rc;
	q->fn = fn;
	q->arg = arg;
	q->sent_us = monotime_us();
	if (redisAsyncCommandArgv(rc->ac, on_reply, q, argc, argv, argvlen) != REDIS_OK) {
		free(q);
		return -1;
	}
	q->prev = rc->tail;
	if (rc->tail)
		rc->tail->next = q;
	else
		rc->head = q;
	rc->tail = q;
	if (q == rc->head)
		arm_deadline(rc);
	rc->st.commands++;
	return 0;
}

/* ---- connecting ---- */

/* Replies to AUTH and SELECT: an error ends the attempt. NULL (the
 * context went away) was handled where it went. */
static void on_handshake(void *arg, const redisReply *r)
{
	struct redis_conn *rc = arg;
	char why[160];

	if (!r || rc->state != RC_HANDSHAKE)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof why, "refused at connect: %.120s", r->str);
		drop(rc, why);
	}
}

static void on_ping(void *arg, const redisReply *r)
{
	struct redis_conn *rc = arg;

	if (!r || rc->state != RC_HANDSHAKE || r->type == REDIS_REPLY_ERROR)
		return;		/* an error: on_handshake's or drop's */
	rc->state = RC_UP;
	rc->st.up = true;
	rc->st.connects++;
	rc->backoff_ms = REDIS_BACKOFF_MIN_MS;
	if (rc->in_outage)
		log_info("redis: %s reachable again after %lds", rc->name,
			 (monotime_us() - rc->outage_since_us) / 1000000L);
	else
		log_info("redis: connected to %s", rc->name);
	rc->in_outage = false;
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct redis_conn *rc = ac->data;
	char why[160];

	if (!rc || ac != rc->ac || status == REDIS_OK)
		return;
	/* hiredis frees the context after this callback */
	snprintf(why, sizeof why, "connect: %.120s", ac->errstr);
	rc->ac = NULL;
	drop(rc, why);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct redis_conn *rc = ac->data;
	char why[160];

	(void)status;
	if (!rc || ac != rc->ac)
		return;		/* one we dropped ourselves */
	snprintf(why, sizeof why, "connection lost: %.120s",
		 ac->errstr[0] ? ac->errstr : "closed by the server");
	rc->ac = NULL;
	drop(rc, why);
}

static void start_connect(struct redis_conn *rc)
{
	redisAsyncContext *ac;
	char db[16];

	if (rc->url.is_unix)
		ac = redisAsyncConnectUnix(rc->url.path);
	else
		ac = redisAsyncConnect(rc->url.host, rc->url.port);
	if (!ac || ac->err) {
		char why[160];
		snprintf(why, sizeof why, "connect: %.120s", ac ? ac->errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		rc->st.connect_failures++;
		went_down(rc, why);
		schedule_retry(rc);
		return;
	}
	ac->data = rc;
	rc->ac = ac;
	rc->state = RC_HANDSHAKE;
	if (redisLibeventAttach(ac, rc->base) != REDIS_OK ||
	    redisAsyncSetConnectCallback(ac, on_connect) != REDIS_OK ||
	    redisAsyncSetDisconnectCallback(ac, on_disconnect) != REDIS_OK) {
		drop(rc, "cannot attach to the event loop");
		return;
	}
	/* queued before the connect completes; hiredis keeps the order */
	if (rc->url.password[0]) {
		const char *argv[] = { "AUTH", rc->url.password };
		size_t len[] = { 4, strlen(rc->url.password) };
		if (send_cmd(rc, on_handshake, rc, 2, argv, len) < 0)
			goto oom;
	}
	if (rc->url.db) {
		snprintf(db, sizeof db, "%d", rc->url.db);
		const char *argv[] = { "SELECT", db };
		size_t len[] = { 6, strlen(db) };
		if (send_cmd(rc, on_handshake, rc, 2, argv, len) < 0)
			goto oom;
	}
	const char *argv[] = { "PING" };
	size_t len[] = { 4 };
	if (send_cmd(rc, on_ping, rc, 1, argv, len) == 0)
		return;
oom:
	drop(rc, "out of memory");
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_connect(arg);
}

struct redis_conn *redis_conn_new(struct event_base *base, const struct redis_url *u,
				  long timeout_ms)
{
	struct redis_conn *rc = calloc(1, sizeof *rc);
	struct timeval zero = { 0, 0 };

	if (!rc)
		return NULL;
	rc->base = base;
	rc->url = *u;
	rc->timeout_ms = timeout_ms;
	rc->backoff_ms = REDIS_BACKOFF_MIN_MS;
	redis_url_name(u, rc->name, sizeof rc->name);
	rc->deadline = evtimer_new(base, on_deadline, rc);
	rc->retry = evtimer_new(base, on_retry, rc);
	if (!rc->deadline || !rc->retry || evtimer_add(rc->retry, &zero) < 0) {
		redis_conn_free(rc);
		return NULL;
	}
	return rc;
}

void redis_conn_free(struct redis_conn *rc)
{
	redisAsyncContext *ac;

	if (!rc)
		return;
	ac = rc->ac;
	rc->ac = NULL;
	rc->state = RC_DOWN;
	if (ac)
		redisAsyncFree(ac);	/* pending commands: fn(NULL) */
	if (rc->deadline)
		event_free(rc->deadline);
	if (rc->retry)
		event_free(rc->retry);
	memset(&rc->url, 0, sizeof rc->url);	/* the password */
	free(rc);
}

bool redis_conn_up(const struct redis_conn *rc)
{
	return rc && rc->state == RC_UP;
}

const struct redis_conn_stats *redis_conn_stats(const struct redis_conn *rc)
{
	return &rc->st;
}

int redis_conn_cmd(struct redis_conn *rc, redis_reply_fn fn, void *arg, int argc,
		   const char **argv, const size_t *argvlen)
{
	if (rc->state != RC_UP) {
		rc->st.refused++;
		return -1;
	}
	if (send_cmd(rc, fn, arg, argc, argv, argvlen) < 0) {
		rc->st.refused++;
		return -1;
	}
	return 0;
}

/* ---- the start-up check ---- */

static int check_reply(redisReply *r, const char *what, char *err, size_t errlen)
{
	int rv = 0;

	if (!r) {
		snprintf(err, errlen, "%s: no answer", what);
		return 1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s refused: %.200s", what, r->str);
		rv = -1;
	}
	freeReplyObject(r);
	return rv;
}

int redis_conn_check(const struct redis_url *u, long timeout_ms, char *err, size_t errlen)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	redisContext *c;
	int rv;

	c = u->is_unix ? redisConnectUnixWithTimeout(u->path, tv)
		       : redisConnectWithTimeout(u->host, u->port, tv);
	if (!c || c->err) {
		snprintf(err, errlen, "cannot connect: %s", c ? c->errstr : "out of memory");
		redisFree(c);
		return 1;
	}
	redisSetTimeout(c, tv);
	rv = 0;
	if (u->password[0])
		rv = check_reply(redisCommand(c, "AUTH %s", u->password), "AUTH (the password in redis_url)",
				 err, errlen);
	if (!rv && u->db)
		rv = check_reply(redisCommand(c, "SELECT %d", u->db), "SELECT (the database in redis_url)",
				 err, errlen);
	if (!rv)
		rv = check_reply(redisCommand(c, "PING"), "PING", err, errlen);
	redisFree(c);
	return rv;
}

int redis_conn_cmd_str(struct redis_conn *rc, redis_reply_fn fn, void *arg, int argc,
		       const char **argv)
{
	size_t len[16];

	if (argc < 1 || argc > 16)
		return -1;
	for (int i = 0; i < argc; i++)
		len[i] = strlen(argv[i]);
	return redis_conn_cmd(rc, fn, arg, argc, argv, len);
}

void redis_conn_ignore(void *arg, const struct redisReply *r)
{
	(void)arg;
	(void)r;
}
