/* fleet_lease: network leases for SMTP probes shared by the fleet (see
 * fleet_lease.h). */
#include "engine/fleet_lease.h"
#include "engine/fleet.h"
#include "engine/redis_conn.h"
#include "lib/monotime.h"

#include <hiredis/hiredis.h>

#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define LEASE_KEY_MAX 200
#define LEASE_MEMBER_MAX 96
/* a free slot waits at most this long for the waiter it is kept for */
#define LEASE_POLL_MAX_MS 100

/* KEYS: the network's leases, its queue of waiters (by arrival) and their
 * heartbeats (by expiry). ARGV: member, cap, lease ms, heartbeat ms.
 * 1: taken (or already ours), 0: wait (queued). A lease goes to the
 * waiters in the order they came, whichever host they are on: the host
 * that gives a lease back does not take it again ahead of the others.
 * A waiter that stops asking leaves the queue when its heartbeat ends.
 * Times are the server's. */
static const char take_script[] =
	"local t = redis.call('TIME') "
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
	"local me, cap = ARGV[1], tonumber(ARGV[2]) "
	"local ms, beat = tonumber(ARGV[3]), tonumber(ARGV[4]) "
	"redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) "
	"for _, w in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do "
	"  redis.call('ZREM', KEYS[2], w) redis.call('ZREM', KEYS[3], w) end "
	"if redis.call('ZSCORE', KEYS[1], me) then return 1 end "
	"local free = cap - redis.call('ZCARD', KEYS[1]) "
	"local ahead = redis.call('ZRANK', KEYS[2], me) or redis.call('ZCARD', KEYS[2]) "
	"if free > 0 and ahead < free then "
	"  redis.call('ZREM', KEYS[2], me) redis.call('ZREM', KEYS[3], me) "
	"  redis.call('ZADD', KEYS[1], now + ms, me) "
	"  if redis.call('PTTL', KEYS[1]) < ms then redis.call('PEXPIRE', KEYS[1], ms) end "
	"  return 1 "
	"end "
	"redis.call('ZADD', KEYS[2], 'NX', now, me) "
	"redis.call('ZADD', KEYS[3], now + beat, me) "
	"for i = 2, 3 do "
	"  if redis.call('PTTL', KEYS[i]) < beat then redis.call('PEXPIRE', KEYS[i], beat) end end "
	"return 0";

struct lease_op {
	struct lease_op *next, *prev;
	struct fleet_leases *L;
	const void *owner;
	char key[LEASE_KEY_MAX], qkey[LEASE_KEY_MAX], hkey[LEASE_KEY_MAX];
	uint64_t id;
	size_t cap;
	long lease_ms, until_ms, poll_ms;
	bool pending;		/* a reply is still to come */
	bool cancelled;		/* freed when it comes, without a callback */
	bool waited;
	struct event *timer;
	fleet_lease_fn fn;
	void *arg;
};

struct fleet_leases {
	struct event_base *base;
	struct redis_conn *rc;
	char prefix[128];
	char token[48];
	long beat_ms;			/* a waiter's heartbeat */
	uint64_t next_id;
	struct lease_op *ops;
	struct fleet_lease_stats st;
};

void fleet_lease_network(const struct netaddr *a, char *buf, size_t len)
{
	struct netaddr n = { .family = a->family };
	char s[NETADDR_STRLEN];
	size_t keep = a->family == AF_INET ? 3 : 6;	/* /24, /48 as probe_sched */

	memcpy(n.b, a->b, keep);
	snprintf(buf, len, "%s/%d", netaddr_format(&n, s, sizeof s), (int)keep * 8);
}

static void member_of(const struct fleet_leases *L, uint64_t id, char *buf)
{
	snprintf(buf, LEASE_MEMBER_MAX, "%s:%llu", L->token, (unsigned long long)id);
}

/* tag: "pn" the leases, "pq" the waiters, "pt" their heartbeats */
static void key_of(const struct fleet_leases *L, const char *tag, const struct netaddr *a,
		   char *buf)
{
	char net[NETADDR_STRLEN + 8];

	fleet_lease_network(a, net, sizeof net);
	snprintf(buf, LEASE_KEY_MAX, "%s%s:%s", L->prefix, tag, net);
}

static void op_free(struct lease_op *o)
{
	struct fleet_leases *L = o->L;

	if (o->prev)
		o->prev->next = o->next;
	else
		L->ops = o->next;
	if (o->next)
		o->next->prev = o->prev;
	event_free(o->timer);
	free(o);
}

/* The answer, once; the op is gone before fn runs (fn may take again). */
static void op_answer(struct lease_op *o, enum fleet_lease_answer a)
{
	fleet_lease_fn fn = o->fn;
	void *arg = o->arg;
	uint64_t id = o->id;

	switch (a) {
	case FLEET_LEASE_GRANTED: o->L->st.granted++; break;
	case FLEET_LEASE_LOCAL: o->L->st.fallbacks++; break;
	case FLEET_LEASE_REFUSED: o->L->st.refused++; break;
	}
	op_free(o);
	fn(arg, a, id);
}

static void on_reply(void *arg, const redisReply *r);

static int op_send(struct lease_op *o)
{
	char member[LEASE_MEMBER_MAX], cap[24], ms[24], beat[24];
	const char *argv[] = { "EVAL", take_script, "3", o->key, o->qkey, o->hkey, member, cap,
			       ms, beat };

	member_of(o->L, o->id, member);
	snprintf(cap, sizeof cap, "%zu", o->cap);
	snprintf(ms, sizeof ms, "%ld", o->lease_ms);
	snprintf(beat, sizeof beat, "%ld", o->L->beat_ms);
	if (redis_conn_cmd_str(o->L->rc, on_reply, o, 10, argv) < 0)
		return -1;
	o->pending = true;
	return 0;
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct lease_op *o = arg;

	(void)fd;
	(void)what;
	if (op_send(o) < 0)
		op_answer(o, FLEET_LEASE_LOCAL);	/* Redis went away meanwhile */
}

/* A waiter that gives up leaves the queue now rather than when its
 * heartbeat ends (fire and forget). */
static void leave_queue(struct lease_op *o)
{
	char member[LEASE_MEMBER_MAX];
	const char *q[] = { "ZREM", o->qkey, member }, *h[] = { "ZREM", o->hkey, member };

	member_of(o->L, o->id, member);
	redis_conn_cmd_str(o->L->rc, redis_conn_ignore, NULL, 3, q);
	redis_conn_cmd_str(o->L->rc, redis_conn_ignore, NULL, 3, h);
}

static void on_reply(void *arg, const redisReply *r)
{
	struct lease_op *o = arg;
	long now;

	o->pending = false;
	if (o->cancelled) {
		op_free(o);
		return;
	}
	if (!r || r->type != REDIS_REPLY_INTEGER) {
		op_answer(o, FLEET_LEASE_LOCAL);	/* failed, timed out, or dropped */
		return;
	}
	if (r->integer == 1) {
		op_answer(o, FLEET_LEASE_GRANTED);
		return;
	}
	if (!o->waited) {
		o->waited = true;
		o->L->st.waits++;
	}
	now = monotime_ms();
	if (now >= o->until_ms) {
		leave_queue(o);
		op_answer(o, FLEET_LEASE_REFUSED);
		return;
	}
	long ms = o->poll_ms < o->until_ms - now ? o->poll_ms : o->until_ms - now;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	evtimer_add(o->timer, &tv);
	o->poll_ms = o->poll_ms * 3 / 2 > LEASE_POLL_MAX_MS ? LEASE_POLL_MAX_MS : o->poll_ms * 3 / 2;
}

int fleet_lease_take(struct fleet_leases *L, const void *owner, const struct netaddr *a,
		     size_t cap, long lease_ms, long patience_ms, fleet_lease_fn fn, void *arg)
{
	struct lease_op *o;

	if (!L || !redis_conn_up(L->rc) || !(o = calloc(1, sizeof *o))) {
		if (L)
			L->st.fallbacks++;
		return -1;
	}
	if (!(o->timer = evtimer_new(L->base, on_poll, o))) {
		free(o);
		L->st.fallbacks++;
		return -1;
	}
	o->L = L;
	o->owner = owner;
	o->id = ++L->next_id;
	o->cap = cap;
	o->lease_ms = lease_ms;
	o->until_ms = monotime_ms() + (patience_ms > 0 ? patience_ms : 0);
	o->poll_ms = FLEET_POLL_MIN_MS;
	o->fn = fn;
	o->arg = arg;
	key_of(L, "pn", a, o->key);
	key_of(L, "pq", a, o->qkey);
	key_of(L, "pt", a, o->hkey);
	o->next = L->ops;
	if (L->ops)
		L->ops->prev = o;
	L->ops = o;
	if (op_send(o) < 0) {
		op_free(o);
		L->st.fallbacks++;
		return -1;
	}
	return 0;
}

void fleet_lease_give(struct fleet_leases *L, const struct netaddr *a, uint64_t id)
{
	char key[LEASE_KEY_MAX], member[LEASE_MEMBER_MAX];
	const char *argv[] = { "ZREM", key, member };

	if (!L || !id || !redis_conn_up(L->rc))
		return;		/* the lease ends by itself */
	key_of(L, "pn", a, key);
	member_of(L, id, member);
	redis_conn_cmd_str(L->rc, redis_conn_ignore, NULL, 3, argv);
}

static void forget_if(struct fleet_leases *L, const void *owner, bool all)
{
	for (struct lease_op *o = L->ops, *nx; o; o = nx) {
		nx = o->next;
		if (!all && o->owner != owner)
			continue;
		if (o->pending)
			o->cancelled = true;	/* freed when its reply is in */
		else
			op_free(o);
	}
}

void fleet_leases_forget(struct fleet_leases *L, const void *owner)
{
	if (L)
		forget_if(L, owner, false);
}

struct fleet_leases *fleet_leases_new(struct event_base *base, struct redis_conn *rc,
				      long timeout_ms, const char *prefix, const char *token)
{
	struct fleet_leases *L = calloc(1, sizeof *L);

	if (!L)
		return NULL;
	L->base = base;
	L->rc = rc;
	/* polls come every LEASE_POLL_MAX_MS at most, each answered within
	 * the timeout: a waiter missing two of them is gone */
	L->beat_ms = 2 * (LEASE_POLL_MAX_MS + timeout_ms) + 500;
	snprintf(L->prefix, sizeof L->prefix, "%s", prefix);
	snprintf(L->token, sizeof L->token, "%s", token);
	return L;
}

void fleet_leases_close(struct fleet_leases *L)
{
	if (L)
		forget_if(L, NULL, true);
}

void fleet_leases_free(struct fleet_leases *L)
{
	if (!L)
		return;
	while (L->ops)		/* replies that never came (no connection) */
		op_free(L->ops);
	free(L);
}

const struct fleet_lease_stats *fleet_leases_stats(const struct fleet_leases *L)
{
	return &L->st;
}
