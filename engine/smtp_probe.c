/* smtp_probe: the shared SMTP prober and the check stage (see smtp_probe.h).
 *
 * An entry per address (hash table) holds the last result, the requests
 * waiting for it and, while a probe runs, its connection. Life of a probe:
 * CONNECT (timer: smtp_connect_timeout) -> GREETING (timer:
 * smtp_banner_timeout from the connect) -> the result is delivered at once
 * -> QUIT (we send QUIT and wait up to SMTP_QUIT_TIMEOUT_MS for the 221 or
 * the close) -> idle. The address counts as busy until the connection is
 * closed, so it never has two of our connections at a time; a request
 * that arrives during QUIT with a stale result waits for a new probe.
 * Every callback to a requester runs from the loop: direct from the
 * connection's callbacks, or through the prober's zero-delay "ready"
 * event for answers known at request time. */
#include "engine/smtp_probe.h"
#include "engine/smtp_table.h"
#include "engine/config.h"
#include "engine/egress_guard.h"
#include "engine/stage.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "engine/probe_sched.h"
#include "engine/fleet.h"
#include "engine/fleet_lease.h"
#include "lib/addr_policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct timeval ms_tv(long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	return tv;
}


/* ---- delivering results ---- */

void smtp_result_copy(struct smtp_result *dst, const struct smtp_result *src)
{
	*dst = *src;
	dst->banner = src->banner ? strdup(src->banner) : NULL;
	if (src->banner && !dst->banner)
		dst->internal = true;
}

static void on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_prober *p = arg;
	struct waiter *w = p->ready;

	(void)fd;
	(void)what;
	p->ready = NULL;
	p->rtail = &p->ready;
	while (w) {
		struct waiter *nx = w->next;
		w->cb(w->arg, &w->res);
		free(w->res.banner);
		free(w);
		w = nx;
	}
}

/* Answer a request from the loop, not from inside smtp_probe(). */
static int answer_later(struct smtp_prober *p, const struct smtp_result *r,
			smtp_probe_cb cb, void *arg)
{
	struct waiter *w = calloc(1, sizeof *w);
	struct timeval zero = { 0, 0 };

	if (!w)
		return -1;
	w->cb = cb;
	w->arg = arg;
	smtp_result_copy(&w->res, r);
	*p->rtail = w;
	p->rtail = &w->next;
	if (!event_pending(p->ready_ev, EV_TIMEOUT, NULL))
		event_add(p->ready_ev, &zero);
	return 0;
}

static void deliver(struct entry *e)
{
	struct waiter *w = e->waiters;

	e->waiters = NULL;
	e->wtail = &e->waiters;
	/* a callback may ask again (for this address too): the list is
	 * detached and the entry consistent before any callback runs */
	while (w) {
		struct waiter *nx = w->next;
		w->cb(w->arg, &e->res);
		free(w);
		w = nx;
	}
}

/* ---- probes ---- */

static void start_probe(struct entry *e);

static void run_probe(struct entry *e);

static void lease_or_run(struct entry *e);

static size_t global_cap(const struct smtp_prober *p)
{
	return (size_t)engine_config(p->eng)->smtp_max_concurrent;
}

static size_t net_cap(const struct smtp_prober *p)
{
	return (size_t)engine_config(p->eng)->smtp_max_per_network;
}

static void pump_queue(struct smtp_prober *p)
{
	struct sched_item *it;

	while ((it = sched_next(p->sched, global_cap(p), net_cap(p)))) {
		struct entry *e = (struct entry *)((char *)it - offsetof(struct entry, si));
		p->st.queue_len--;
		lease_or_run(e);
	}
}

/* Answer every waiter "not probed" without recording a result: the
 * address was not tried, which says nothing about it. */
static void deliver_unprobed(struct entry *e, bool internal)
{
	struct smtp_result r = { .status = SMTP_ST_NONE, .internal = internal };
	struct waiter *w = e->waiters;

	/* an entry that never got a result still leaves the table in time */
	if (!e->xlinked) {
		e->expires_ms = monotime_ms();
		ptab_xappend(e);
	}

	e->waiters = NULL;
	e->wtail = &e->waiters;
	while (w) {
		struct waiter *nx = w->next;
		w->cb(w->arg, &r);
		free(w);
		w = nx;
	}
}

/* A probe waited longer than a probe may take (where: for the log): its
 * network (or the whole prober) is busy with slow hosts. The checks
 * waiting for it go on without it rather than wait behind somebody else's
 * silent servers; the fleet's probe lock goes back. */
static void waited_too_long(struct entry *e, const char *where)
{
	struct smtp_prober *p = e->p;
	struct smtp_result none = { .status = SMTP_ST_NONE };
	char addr[NETADDR_STRLEN];

	p->st.queue_expired++;
	e->state = P_IDLE;
	log_debug("smtp: address=%s not probed: waited past the probe time limit %s",
		  netaddr_format(&e->addr, addr, sizeof addr), where);
	fleet_probe_put(engine_fleet(p->eng), &e->addr, (int)engine_config(p->eng)->smtp_port,
			&none, 0);
	deliver_unprobed(e, false);
}

static void queue_expired(struct entry *e)
{
	sched_cancel(e->p->sched, &e->si);
	e->p->st.queue_len--;
	waited_too_long(e, "in the queue of its network");
}

static void close_conn(struct entry *e)
{
	struct smtp_prober *p = e->p;

	if (e->bev) {
		bufferevent_free(e->bev);
		e->bev = NULL;
	}
	evtimer_del(e->timer);
	e->state = P_IDLE;
	sched_done(p->sched, &e->si);
	p->st.in_flight--;
	fleet_lease_give(fleet_leases(engine_fleet(p->eng)), &e->addr, e->lease);
	e->lease = 0;
	/* requests that came during QUIT with a stale result need a new probe */
	if (e->waiters)
		start_probe(e);
	pump_queue(p);
}

/* The prober just turned blind: the cached connect failures of the window
 * say nothing about their domains either. */
static void mark_window_blind(struct smtp_prober *p)
{
	for (size_t i = 0; i < p->guard.n; i++) {
		struct entry *e = ptab_lookup(p, &p->guard.win[i].addr);
		if (e && e->have_result && smtp_result_no_contact(&e->res))
			e->res.blind = true;
	}
}

/* The guard changed (after a probe e, or a reload when e is NULL). */
static void guard_changed(struct smtp_prober *p, enum guard_change ch, const struct entry *e)
{
	char addr[NETADDR_STRLEN] = "none";

	if (e)
		netaddr_format(&e->addr, addr, sizeof addr);
	switch (ch) {
	case GUARD_TURNED_BLIND:
		log_warn("smtp: the last %zu addresses probed gave no contact at all (refused, "
			 "timed out, unreachable): outbound port %ld looks blocked here; connect "
			 "failures are not held against domains until a probe gets through "
			 "(smtp_blind_after) blind=1 last=%s", p->guard.n, engine_config(p->eng)->smtp_port,
			 addr);
		mark_window_blind(p);
		break;
	case GUARD_RECOVERED:
		if (e)
			log_info("smtp: a probe made contact again (address=%s status=%s): "
				 "connect failures count again blind=0", addr,
				 smtp_status_name(e->res.status));
		else
			log_info("smtp: smtp_blind_after changed by a reload: connect failures "
				 "count again blind=0");
		break;
	default:
		break;
	}
	p->st.blind = p->guard.blind;
	p->st.blind_episodes = p->guard.episodes;
}

static void guard_note(struct smtp_prober *p, struct entry *e)
{
	p->guard.threshold = engine_config(p->eng)->smtp_blind_after;
	guard_changed(p, egress_guard_note(&p->guard, &e->addr, &e->res), e);
	e->res.blind = p->guard.blind && smtp_result_no_contact(&e->res);
}

void smtp_prober_reconfigure(struct smtp_prober *p)
{
	if (!p)
		return;
	if (p->results_port != engine_config(p->eng)->smtp_port) {
		/* results for another port say nothing about this one */
		for (size_t i = 0; i < p->nbuckets; i++)
			for (struct entry *e = p->tab[i]; e; e = e->hnext)
				e->have_result = false;
		p->results_port = engine_config(p->eng)->smtp_port;
	}
	if (p->guard.threshold != engine_config(p->eng)->smtp_blind_after)
		guard_changed(p, egress_guard_resize(&p->guard, engine_config(p->eng)->smtp_blind_after),
			      NULL);
	pump_queue(p);	/* the caps may have grown */
}

bool smtp_prober_blind(const struct smtp_prober *p)
{
	return p && p->guard.blind;
}

/* The result is known: record it, answer every waiter, then either say
 * QUIT politely (after a greeting) or close. */
static void finish(struct entry *e, enum smtp_status st, int code)
{
	struct smtp_prober *p = e->p;
	char addr[NETADDR_STRLEN];

	free(e->res.banner);
	e->res.status = st;
	e->res.code = code;
	e->res.connected = e->state != P_CONNECT;
	e->res.banner = e->g.banner[0] ? strdup(e->g.banner) : NULL;
	e->res.internal = e->sync_internal || (e->g.banner[0] && !e->res.banner);
	e->done_ms = monotime_ms();
	e->res.elapsed_ms = e->done_ms - e->started_ms;
	e->have_result = true;
	/* a result mxvet's own failure spoiled is given once, not kept */
	e->expires_ms = e->done_ms + (e->res.internal ? 0 : engine_config(p->eng)->smtp_probe_ttl * 1000L);
	ptab_xappend(e);
	p->st.results[st]++;
	guard_note(p, e);
	fleet_probe_put(engine_fleet(p->eng), &e->addr, (int)engine_config(p->eng)->smtp_port, &e->res,
			engine_config(p->eng)->smtp_probe_ttl);
	log_debug("smtp: address=%s status=%s code=%d elapsed_ms=%ld",
		  netaddr_format(&e->addr, addr, sizeof addr), smtp_status_name(st),
		  code, e->res.elapsed_ms);
	if (e->bev && e->state == P_GREETING) {
		struct timeval tv = ms_tv(SMTP_QUIT_TIMEOUT_MS);
		e->state = P_QUIT;
		evbuffer_drain(bufferevent_get_input(e->bev),
			       evbuffer_get_length(bufferevent_get_input(e->bev)));
		bufferevent_write(e->bev, "QUIT\r\n", 6);
		evtimer_add(e->timer, &tv);
		deliver(e);
		return;
	}
	deliver(e);
	close_conn(e);
}

/* The greeting did not complete: judged by what came, SILENT if nothing. */
static void finish_partial(struct entry *e)
{
	if (e->g.code)
		finish(e, smtp_greeting_status(&e->g), e->g.code);
	else
		finish(e, SMTP_ST_SILENT, 0);
}

void smtp_probe_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct entry *e = arg;

	(void)fd;
	(void)what;
	switch (e->state) {
	case P_CONNECT:
		finish(e, e->sync_failed ? e->sync_status : SMTP_ST_TIMEOUT, 0);
		break;
	case P_GREETING:
		/* a greeting started but not finished in time still says
		 * what the host meant; nothing at all is SILENT */
		finish_partial(e);
		break;
	case P_QUIT:
		close_conn(e);
		break;
	case P_QUEUED:
		queue_expired(e);
		break;
	default:
		break;
	}
}

/* Judge an unterminated greeting line by its start. */
static void cut_rest(struct entry *e)
{
	char head[SMTP_BANNER_MAX];
	ev_ssize_t k = evbuffer_copyout(bufferevent_get_input(e->bev), head, sizeof head);

	if (k > 0)
		smtp_greeting_cut(&e->g, head, (size_t)k);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct entry *e = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;
	char *line;

	if (e->state == P_QUIT) {
		/* any complete reply to QUIT ends the session */
		if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF))) {
			free(line);
			close_conn(e);
		} else if (evbuffer_get_length(in) > SMTP_GREETING_MAX_BYTES) {
			close_conn(e);
		}
		return;
	}
	if (e->state != P_GREETING)
		return;
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF))) {
		bool complete = smtp_greeting_line(&e->g, line, n);
		free(line);
		if (complete) {
			finish(e, smtp_greeting_status(&e->g), e->g.code);
			return;
		}
	}
	n = evbuffer_get_length(in);
	if (n + e->g.bytes > SMTP_GREETING_MAX_BYTES) {
		/* a line without an end: judge what we have, never buffer more */
		cut_rest(e);
		finish(e, smtp_greeting_status(&e->g), e->g.code);
	}
}

static enum smtp_status connect_error(int err)
{
	switch (err) {
	case ECONNREFUSED: return SMTP_ST_REFUSED;
	case ETIMEDOUT: return SMTP_ST_TIMEOUT;
	default: return SMTP_ST_ERROR;
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct entry *e = arg;
	int err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		struct timeval tv = ms_tv(engine_config(e->p->eng)->smtp_banner_timeout * 1000L);
		e->state = P_GREETING;
		evtimer_add(e->timer, &tv);
		bufferevent_enable(bev, EV_READ);
		return;
	}
	switch (e->state) {
	case P_CONNECT:
		finish(e, connect_error(err), 0);
		break;
	case P_GREETING:
		/* closed or reset before a complete greeting: the host took the
		 * connection and said nothing usable */
		if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
			cut_rest(e);
		finish_partial(e);
		break;
	case P_QUIT:
		close_conn(e);
		break;
	default:
		break;
	}
}

/* A connect that failed before any packet left: finish from the timer,
 * never inside the caller. */
static void fail_soon(struct entry *e, enum smtp_status st)
{
	struct timeval zero = { 0, 0 };

	e->sync_failed = true;
	e->sync_status = st;
	evtimer_add(e->timer, &zero);
}

/* connect() errors that describe this machine, not the host: no route
 * (no IPv6 here), a local firewall, no ports or descriptors left. They
 * say nothing about the domain, so the address counts as not probed. */
static bool local_error(int err)
{
	switch (err) {
	case ENETUNREACH: case EAFNOSUPPORT: case EADDRNOTAVAIL: case EACCES:
	case EPERM: case ENOBUFS: case ENOMEM: case EMFILE: case ENFILE:
		return true;
	default:
		return false;
	}
}

/* The longest a probe may take to its result, and so the longest one
 * waits for a slot. */
static long probe_ms(const struct smtp_prober *p)
{
	return (engine_config(p->eng)->smtp_connect_timeout +
		engine_config(p->eng)->smtp_banner_timeout) * 1000L;
}

/* The network stayed full across the fleet for as long as a probe may
 * wait: give the local slot back and go on "not probed", as a probe
 * that waited too long in the local queue. */
static void lease_refused(struct entry *e)
{
	sched_done(e->p->sched, &e->si);
	waited_too_long(e, "for a slot of its network across the fleet");
	pump_queue(e->p);
}

static void on_lease(void *arg, enum fleet_lease_answer a, uint64_t id)
{
	struct entry *e = arg;

	switch (a) {
	case FLEET_LEASE_GRANTED:
		e->lease = id;
		run_probe(e);
		break;
	case FLEET_LEASE_LOCAL:		/* Redis unusable: the local budget holds */
		run_probe(e);
		break;
	case FLEET_LEASE_REFUSED:
		lease_refused(e);
		break;
	}
}

/* Admitted by the local budget: with a fleet, the probe also needs one of
 * its network's slots across the fleet, asked for while it keeps the local
 * slot, within what is left of its patience. Without Redis, at once. */
static void lease_or_run(struct entry *e)
{
	struct smtp_prober *p = e->p;
	long lease_ms = probe_ms(p) + SMTP_QUIT_TIMEOUT_MS + 1000;
	long patience = e->wait_since_ms + probe_ms(p) - monotime_ms();

	evtimer_del(e->timer);		/* the local queue's patience */
	if (fleet_lease_take(fleet_leases(engine_fleet(p->eng)), p, &e->addr, net_cap(p), lease_ms,
			     patience, on_lease, e) == 0)
		e->state = P_LEASE;
	else
		run_probe(e);
}

/* Run the probe now if its network and the prober have room, else queue
 * it for at most as long as a probe itself may take. */
static void start_probe(struct entry *e)
{
	struct smtp_prober *p = e->p;
	struct timeval tv;

	e->wait_since_ms = monotime_ms();
	switch (sched_admit(p->sched, &e->si, &e->addr, global_cap(p), net_cap(p))) {
	case 1:
		lease_or_run(e);
		return;
	case 0:
		e->state = P_QUEUED;
		p->st.queued++;
		p->st.queue_len++;
		tv = ms_tv(probe_ms(p));
		evtimer_add(e->timer, &tv);
		return;
	default:		/* out of memory */
		p->st.local_errors++;
		deliver_unprobed(e, true);
		return;
	}
}

static void run_probe(struct entry *e)
{
	struct smtp_prober *p = e->p;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct timeval tv;
	int fd;

	smtp_greeting_init(&e->g);
	e->state = P_CONNECT;
	e->sync_failed = false;
	e->sync_internal = false;
	e->started_ms = monotime_ms();
	p->st.in_flight++;
	/* our own non-blocking connect: libevent's would run the error
	 * callback synchronously when connect() fails at once */
	fd = socket(e->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		p->st.local_errors++;
		fail_soon(e, SMTP_ST_NONE);
		return;
	}
	sl = netaddr_sockaddr(&e->addr, (int)engine_config(p->eng)->smtp_port, &ss);
	p->st.connects++;
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
		int err = errno;
		close(fd);
		if (local_error(err))
			p->st.local_errors++;
		fail_soon(e, err == ECONNREFUSED ? SMTP_ST_REFUSED :
			     local_error(err) ? SMTP_ST_NONE : connect_error(err));
		return;
	}
	e->bev = bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!e->bev) {
		close(fd);
		p->st.local_errors++;
		e->sync_internal = true;	/* out of memory */
		fail_soon(e, SMTP_ST_NONE);
		return;
	}
	bufferevent_setcb(e->bev, on_read, NULL, on_event, e);
	bufferevent_setwatermark(e->bev, EV_READ, 0, SMTP_GREETING_MAX_BYTES + 1024);
	/* NULL address: the fd is already connecting; CONNECTED or ERROR
	 * arrive from the loop */
	if (bufferevent_socket_connect(e->bev, NULL, 0) != 0) {
		bufferevent_free(e->bev);
		e->bev = NULL;
		p->st.local_errors++;
		fail_soon(e, SMTP_ST_NONE);
		return;
	}
	tv = ms_tv(engine_config(p->eng)->smtp_connect_timeout * 1000L);
	evtimer_add(e->timer, &tv);
}

/* The fleet's answer: another host's fresh result (kept as long as it
 * stays fresh there; it says nothing about our own egress, so the guard
 * does not hear of it), or NULL: probe it ourselves. */
static void on_fleet(void *arg, const struct smtp_result *r, long fresh_ms)
{
	struct entry *e = arg;
	struct smtp_prober *p = e->p;
	long now = monotime_ms();

	e->state = P_IDLE;
	if (!r) {
		start_probe(e);
		return;
	}
	free(e->res.banner);
	smtp_result_copy(&e->res, r);
	e->have_result = true;
	e->done_ms = now - (engine_config(p->eng)->smtp_probe_ttl * 1000L - fresh_ms);
	e->expires_ms = now + fresh_ms;
	ptab_xappend(e);
	deliver(e);
}

/* One probe per address for the whole fleet: ask it first. */
static void claim_or_probe(struct entry *e)
{
	struct smtp_prober *p = e->p;

	if (fleet_probe_claim(engine_fleet(p->eng), p, &e->addr, (int)engine_config(p->eng)->smtp_port,
			      on_fleet, e) == 0)
		e->state = P_FLEET;
	else
		start_probe(e);
}

int smtp_probe(struct smtp_prober *p, const struct netaddr *addr,
	       smtp_probe_cb cb, void *arg)
{
	struct entry *e;
	const char *why;

	p->st.requests++;
	/* the one gate in front of connect(): a hostile domain must not aim
	 * us at loopback or an internal network */
	if (!addr_policy_allows(addr, &engine_config(p->eng)->mx_allowed_networks, &why)) {
		struct smtp_result r = { .status = SMTP_ST_SKIPPED };
		char buf[NETADDR_STRLEN];
		p->st.skipped++;
		log_debug("smtp: address=%s skipped=\"%s\"",
			  netaddr_format(addr, buf, sizeof buf), why ? why : "not routable");
		return answer_later(p, &r, cb, arg);
	}
	e = ptab_lookup(p, addr);
	if (e && ptab_fresh(e, monotime_ms())) {
		p->st.cache_hits++;
		return answer_later(p, &e->res, cb, arg);
	}
	if (!e && !(e = ptab_insert(p, addr)))
		return -1;
	struct waiter *w = calloc(1, sizeof *w);
	if (!w)
		return -1;
	w->cb = cb;
	w->arg = arg;
	*e->wtail = w;
	e->wtail = &w->next;
	if (e->state == P_IDLE)
		claim_or_probe(e);
	else
		p->st.coalesced++;	/* queued, running, or closing: it will answer */
	return 0;
}

struct smtp_prober *smtp_prober_new(struct engine *eng)
{
	struct smtp_prober *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->eng = eng;
	p->base = engine_base(eng);
	p->results_port = engine_config(eng)->smtp_port;
	p->nbuckets = 256;
	p->rtail = &p->ready;
	p->tab = calloc(p->nbuckets, sizeof *p->tab);
	p->ready_ev = evtimer_new(p->base, on_ready, p);
	p->sched = sched_new();
	if (!p->tab || !p->ready_ev || !p->sched) {
		smtp_prober_free(p);
		return NULL;
	}
	return p;
}

void smtp_stats_format(const struct smtp_stats *s, char *buf, size_t len)
{
	snprintf(buf, len, "requests=%lu cache_hits=%lu coalesced=%lu queued=%lu queue_expired=%lu "
		 "skipped=%lu connects=%lu ok=%lu refused=%lu timeout=%lu silent=%lu "
		 "tempfail=%lu reject=%lu error=%lu local_errors=%lu in_flight=%lu entries=%lu "
		 "blind=%lu blind_episodes=%lu",
		 (unsigned long)s->requests, (unsigned long)s->cache_hits,
		 (unsigned long)s->coalesced, (unsigned long)s->queued,
		 (unsigned long)s->queue_expired,
		 (unsigned long)s->skipped, (unsigned long)s->connects,
		 (unsigned long)s->results[SMTP_ST_OK], (unsigned long)s->results[SMTP_ST_REFUSED],
		 (unsigned long)s->results[SMTP_ST_TIMEOUT], (unsigned long)s->results[SMTP_ST_SILENT],
		 (unsigned long)s->results[SMTP_ST_TEMPFAIL], (unsigned long)s->results[SMTP_ST_REJECT],
		 (unsigned long)s->results[SMTP_ST_ERROR], (unsigned long)s->local_errors,
		 (unsigned long)s->in_flight,
		 (unsigned long)s->entries, (unsigned long)s->blind,
		 (unsigned long)s->blind_episodes);
}

const struct smtp_stats *smtp_prober_stats(const struct smtp_prober *p)
{
	return &p->st;
}

void smtp_prober_free(struct smtp_prober *p)
{
	char line[512];

	if (!p)
		return;
	smtp_stats_format(&p->st, line, sizeof line);
	log_debug("smtp prober: %s", line);
	fleet_forget(engine_fleet(p->eng), p);
	for (size_t i = 0; p->tab && i < p->nbuckets; i++)
		for (struct entry *e = p->tab[i], *nx; e; e = nx) {
			nx = e->hnext;
			ptab_entry_free(e);
		}
	for (struct waiter *w = p->ready, *nx; w; w = nx) {
		nx = w->next;
		free(w->res.banner);
		free(w);
	}
	if (p->ready_ev)
		event_free(p->ready_ev);
	sched_free(p->sched);
	free(p->tab);
	free(p);
}
