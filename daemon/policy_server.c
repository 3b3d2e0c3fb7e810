/* policy_server: listeners, connections, answers in order. */
#include "daemon/policy_server.h"
#include "engine/config.h"
#include "engine/config_check.h"
#include "daemon/decide.h"
#include "daemon/policy_answer.h"
#include "lib/endpoint.h"
#include "lib/log.h"
#include "lib/netaddr.h"
#include "daemon/policy_parser.h"
#include "daemon/sockperm.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#define INBUF_MIN 4096
/* A request fits in POLICY_MAX_REQUEST; a client that pipelines gets a
 * buffer up to this size, so one recv() takes a whole batch. */
#define INBUF_MAX 65536
#define MAX_LISTENERS CONFIG_MAX_POLICY_LISTEN

struct pend {
	uint32_t seq;
	size_t len;
	char *answer;		/* NULL while waiting */
};

struct conn {
	struct policy_server *srv;
	uint64_t id;
	int fd;
	bool paused;		/* not reading: too many pending or too much output */
	bool filled;		/* the last recv() filled the input buffer */
	struct event *rev, *wev;
	char *in;
	size_t inlen, incap;
	struct policy_parser pp;
	char *out;
	size_t outlen, outoff, outcap;
	uint32_t seq;		/* next request's number */
	struct pend q[POLICY_MAX_PENDING];	/* ring, in request order */
	unsigned qhead, qn;
	char peer[NETADDR_STRLEN + 8];
};

struct listener {
	int fd;
	bool tcp;
	struct event *ev;
	char *unix_path;
};

struct policy_server {
	struct event_base *base;
	const struct config *cfg;
	struct decider *d;
	struct listener l[MAX_LISTENERS];
	int nl;
	struct conn **conns;	/* by slot */
	uint32_t gen;
	size_t pending;
	bool draining;
	struct policy_stats st;
};

static void conn_close(struct conn *c);
static void conn_process(struct conn *c);

static int bind_inet(const char *spec, const struct endpoint *ep, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	sl = netaddr_sockaddr(&ep->addr, ep->port, &ss);
	fd = socket(ep->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 1024) < 0) {
		snprintf(err, errlen, "policy_listen: %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct policy_server *policy_server_new(const struct config *cfg, char *err, size_t errlen)
{
	struct policy_server *s = calloc(1, sizeof *s);
	struct sock_perm perm;

	if (!s || !(s->conns = calloc(POLICY_MAX_CONNS, sizeof *s->conns))) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	s->cfg = cfg;
	if (sock_perm_from_config(cfg, &perm, err, errlen) < 0)
		goto fail;
	for (size_t i = 0; i < cfg->policy_listen.n; i++) {
		const char *spec = cfg->policy_listen.v[i];
		struct endpoint ep;
		char why[256];
		struct listener *l;

		if (s->nl == MAX_LISTENERS) {
			snprintf(err, errlen, "policy_listen: more than %d endpoints", MAX_LISTENERS);
			goto fail;
		}
		if (endpoint_parse(spec, ENDPOINT_HOSTPORT, &ep, why, sizeof why) < 0) {
			snprintf(err, errlen, "policy_listen: %s", why);
			goto fail;
		}
		l = &s->l[s->nl];
		if (ep.is_unix) {
			if (!(l->unix_path = strdup(ep.path))) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			l->fd = sock_perm_listen(ep.path, &perm, "policy_listen", 1024, err, errlen);
		} else {
			l->fd = bind_inet(spec, &ep, err, errlen);
			l->tcp = true;
		}
		if (l->fd < 0) {
			free(l->unix_path);
			l->unix_path = NULL;
			goto fail;
		}
		s->nl++;
	}
	return s;
fail:
	policy_server_free(s);
	return NULL;
}

static void on_accept(evutil_socket_t lfd, short what, void *arg);

void policy_server_start(struct policy_server *s, struct event_base *base, struct decider *d,
			 const struct config *cfg)
{
	s->base = base;
	s->d = d;
	s->cfg = cfg;
	for (int i = 0; i < s->nl; i++)
		if (!s->l[i].ev) {
			s->l[i].ev = event_new(s->base, s->l[i].fd, EV_READ | EV_PERSIST, on_accept,
					       s);
			if (s->l[i].ev)
				event_add(s->l[i].ev, NULL);
		}
}

static void idle_tv(const struct conn *c, struct timeval *tv)
{
	tv->tv_sec = c->srv->cfg->policy_idle_timeout;
	tv->tv_usec = 0;
}

static void conn_want_read(struct conn *c, bool on)
{
	struct timeval tv;

	c->paused = !on;
	if (on) {
		idle_tv(c, &tv);
		event_add(c->rev, &tv);
	} else {
		event_del(c->rev);
	}
}

/* Send what is buffered: one send; the rest waits for EV_WRITE. */
static int conn_flush(struct conn *c)
{
	struct timeval tv;
	ssize_t n;

	if (c->outoff == c->outlen)
		return 0;
	n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		return -1;
	if (n > 0)
		c->outoff += (size_t)n;
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		event_del(c->wev);
		return 0;
	}
	idle_tv(c, &tv);
	event_add(c->wev, &tv);
	return 0;
}

static int out_append(struct conn *c, const char *p, size_t len)
{
	if (c->outoff && c->outlen + len > c->outcap) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outlen + len > c->outcap) {
		size_t ncap = c->outcap ? c->outcap : 4096;
		char *n;
		while (ncap < c->outlen + len)
			ncap *= 2;
		if (ncap > POLICY_MAX_OUTPUT) {
			c->srv->st.dropped_slow++;
			log_warn("client=%s: not reading its answers, dropped", c->peer);
			return -1;
		}
		if (!(n = realloc(c->out, ncap)))
			return -1;
		c->out = n;
		c->outcap = ncap;
	}
	memcpy(c->out + c->outlen, p, len);
	c->outlen += len;
	return 0;
}

/* Move answered requests at the head of the queue to the output. */
static int queue_drain(struct conn *c)
{
	while (c->qn && c->q[c->qhead].answer) {
		struct pend *p = &c->q[c->qhead];
		int rc = out_append(c, p->answer, p->len);
		free(p->answer);
		p->answer = NULL;
		c->qhead = (c->qhead + 1) % POLICY_MAX_PENDING;
		c->qn--;
		if (rc < 0)
			return -1;
	}
	return 0;
}

void policy_server_answer(void *arg, uint64_t conn_id, uint32_t seq, const struct decision *dc)
{
	struct policy_server *s = arg;
	struct conn *c = s->conns[conn_id % POLICY_MAX_CONNS];
	char answer[POLICY_ANSWER_MAX];
	size_t len;

	if (!c || c->id != conn_id)
		return;		/* the client went away: drop the answer */
	len = policy_answer(dc, s->cfg->header_name, answer);
	for (unsigned i = 0; i < c->qn; i++) {
		struct pend *p = &c->q[(c->qhead + i) % POLICY_MAX_PENDING];
		if (p->seq != seq || p->answer)
			continue;
		if (!(p->answer = malloc(len))) {
			conn_close(c);
			return;
		}
		memcpy(p->answer, answer, len);
		p->len = len;
		s->pending--;
		break;
	}
	if (queue_drain(c) < 0 || conn_flush(c) < 0) {
		conn_close(c);
		return;
	}
	if (c->paused && c->qn < POLICY_MAX_PENDING && c->outlen < POLICY_MAX_OUTPUT / 2)
		conn_process(c);	/* requests held back while the queue was full */
	else if (s->draining && !c->qn && c->outlen == 0)
		conn_close(c);
}

/* A policy request as the decider's query: only a recipient at RCPT is
 * checked (any other request gets DUNNO). */
static void query_of(const struct policy_request *req, struct decide_query *q)
{
	const char *const *v = req->v;
	bool rcpt = v[PA_REQUEST] && strcmp(v[PA_REQUEST], "smtpd_access_policy") == 0 &&
		    v[PA_PROTOCOL_STATE] && strcasecmp(v[PA_PROTOCOL_STATE], "RCPT") == 0;

	*q = (struct decide_query){ .recipient = rcpt ? v[PA_RECIPIENT] : NULL,
				    .sender = v[PA_SENDER],
				    .client_address = v[PA_CLIENT_ADDRESS],
				    .client_name = v[PA_CLIENT_NAME], .queue_id = v[PA_QUEUE_ID],
				    .sasl_username = v[PA_SASL_USERNAME] };
}

/* Decide one request: true with the answer in ans (*n bytes) now, or
 * false: policy_server_answer() gets it later. */
static bool decide_one(struct conn *c, const struct policy_request *req, uint32_t seq,
		       char *ans, size_t *n)
{
	struct decide_query q;
	struct decision dc;

	query_of(req, &q);
	if (!decide_request(c->srv->d, &q, policy_server_answer, c->srv, c->id, seq, &dc))
		return false;
	*n = policy_answer(&dc, c->srv->cfg->header_name, ans);
	return true;
}

/* Decide every complete request buffered, then send the batch. */
static void conn_process(struct conn *c)
{
	struct policy_server *s = c->srv;
	size_t off = 0;

	while (c->qn < POLICY_MAX_PENDING) {
		struct policy_request req;
		size_t used, n = 0;
		const char *why;
		char ans[POLICY_ANSWER_MAX];
		enum pp_status st = policy_parse(&c->pp, c->in + off, c->inlen - off, &req, &used,
						 &why);
		if (st == PP_MORE)
			break;
		if (st == PP_ERROR) {
			s->st.protocol_errors++;
			log_warn("client=%s: malformed policy request: %s; closing", c->peer, why);
			conn_flush(c);	/* best effort: answers to the requests before it */
			conn_close(c);
			return;
		}
		off += used;
		uint32_t seq = c->seq++;
		if (c->qn == 0) {
			/* the decider may answer later even with an empty queue */
			if (decide_one(c, &req, seq, ans, &n)) {
				if (out_append(c, ans, n) < 0) {
					conn_close(c);
					return;
				}
				continue;
			}
		} else if (!decide_one(c, &req, seq, ans, &n)) {
			n = 0;
		}
		struct pend *p = &c->q[(c->qhead + c->qn) % POLICY_MAX_PENDING];
		c->qn++;
		p->seq = seq;
		p->answer = NULL;
		p->len = 0;
		if (n) {
			if (!(p->answer = malloc(n))) {
				conn_close(c);
				return;
			}
			memcpy(p->answer, ans, n);
			p->len = n;
		} else {
			s->pending++;
		}
	}
	if (off) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
	if (conn_flush(c) < 0) {
		conn_close(c);
		return;
	}
	conn_want_read(c, c->qn < POLICY_MAX_PENDING && c->outlen < POLICY_MAX_OUTPUT / 2);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	ssize_t n;

	if (what & EV_TIMEOUT) {
		if (c->qn) {		/* waiting for us, not idle */
			conn_want_read(c, true);
			return;
		}
		log_info("client=%s: idle timeout", c->peer);
		conn_close(c);
		return;
	}
	/* full, or the last recv() filled it: the client pipelines */
	if (c->inlen == c->incap || (c->filled && c->incap < INBUF_MAX)) {
		size_t ncap = c->incap * 2;
		char *p;
		if (ncap > INBUF_MAX)
			ncap = INBUF_MAX;
		if (ncap == c->incap || !(p = realloc(c->in, ncap))) {
			conn_close(c);	/* the parser bounds the request; cannot happen */
			return;
		}
		c->in = p;
		c->incap = ncap;
	}
	n = recv(fd, c->in + c->inlen, c->incap - c->inlen, 0);
	c->filled = n > 0 && (size_t)n == c->incap - c->inlen;
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		if (c->inlen)
			log_info("client=%s: disconnected in the middle of a request", c->peer);
		conn_close(c);
		return;
	}
	if (n < 0)
		return;
	c->inlen += (size_t)n;
	conn_process(c);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	if (what & EV_TIMEOUT) {
		c->srv->st.dropped_slow++;
		log_warn("client=%s: does not read its answers; closing", c->peer);
		conn_close(c);
		return;
	}
	if (conn_flush(c) < 0) {
		conn_close(c);
		return;
	}
	if (c->srv->draining && !c->qn && c->outlen == 0) {
		conn_close(c);
		return;
	}
	if (c->paused && c->outlen < POLICY_MAX_OUTPUT / 2)
		conn_process(c);
}

static void conn_close(struct conn *c)
{
	struct policy_server *s = c->srv;

	for (unsigned i = 0; i < c->qn; i++) {
		struct pend *p = &c->q[(c->qhead + i) % POLICY_MAX_PENDING];
		if (!p->answer)
			s->pending--;	/* its answer will be dropped by id */
		free(p->answer);
	}
	s->conns[c->id % POLICY_MAX_CONNS] = NULL;
	s->st.open--;
	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct policy_server *s = arg;

	(void)what;
	for (int burst = 0; burst < 64; burst++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct netaddr a;
		struct conn *c;
		char peer[NETADDR_STRLEN] = "local";
		uint32_t slot;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("policy accept: %s", strerror(errno));
			return;
		}
		if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
			if (ss.ss_family == AF_INET)
				netaddr_from_bytes(&((struct sockaddr_in *)&ss)->sin_addr, 4, &a);
			else
				netaddr_from_bytes(&((struct sockaddr_in6 *)&ss)->sin6_addr, 16, &a);
			/* an IPv4 client of a dual-stack [::] listener arrives as
			 * ::ffff:a.b.c.d; policy_allow names it as a.b.c.d */
			netaddr_unmap_v4(&a);
			netaddr_format(&a, peer, sizeof peer);
			/* answers go out as soon as a batch is decided; Nagle
			 * would hold a second batch for the client's delayed ACK */
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			if (!cidr_list_match(&s->cfg->policy_allow, &a)) {
				s->st.rejected_clients++;
				log_warn("client=%s: not in policy_allow; closing", peer);
				close(fd);
				continue;
			}
		}
		/* find a free slot; ids never repeat, so late answers miss */
		for (slot = 0; slot < POLICY_MAX_CONNS; slot++)
			if (!s->conns[(s->gen + slot) % POLICY_MAX_CONNS])
				break;
		if (slot == POLICY_MAX_CONNS || !(c = calloc(1, sizeof *c))) {
			log_warn("client=%s: too many connections; closing", peer);
			close(fd);
			continue;
		}
		slot = (s->gen + slot) % POLICY_MAX_CONNS;
		s->gen = slot + 1;
		c->id = slot + (uint64_t)POLICY_MAX_CONNS * (s->st.connections + 1);
		c->srv = s;
		c->fd = fd;
		snprintf(c->peer, sizeof c->peer, "%s", peer);
		c->in = malloc(INBUF_MIN);
		c->incap = INBUF_MIN;
		c->rev = event_new(s->base, fd, EV_READ | EV_PERSIST, on_read, c);
		c->wev = event_new(s->base, fd, EV_WRITE | EV_PERSIST, on_write, c);
		if (!c->in || !c->rev || !c->wev) {
			if (c->rev)
				event_free(c->rev);
			if (c->wev)
				event_free(c->wev);
			free(c->in);
			free(c);
			close(fd);
			continue;
		}
		policy_parser_init(&c->pp);
		s->conns[c->id % POLICY_MAX_CONNS] = c;
		s->st.connections++;
		s->st.open++;
		conn_want_read(c, true);
	}
}

void policy_server_drain(struct policy_server *s)
{
	s->draining = true;
	for (int i = 0; i < s->nl; i++) {
		if (s->l[i].ev) {
			event_free(s->l[i].ev);
			s->l[i].ev = NULL;
		}
	}
	for (uint32_t i = 0; i < POLICY_MAX_CONNS; i++) {
		struct conn *c = s->conns[i];
		if (c && !c->qn && c->outlen == 0)
			conn_close(c);
	}
}

size_t policy_server_pending(const struct policy_server *s) { return s->pending; }
const struct policy_stats *policy_server_stats(const struct policy_server *s) { return &s->st; }

void policy_server_free(struct policy_server *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; s->conns && i < POLICY_MAX_CONNS; i++)
		if (s->conns[i])
			conn_close(s->conns[i]);
	for (int i = 0; i < s->nl; i++) {
		if (s->l[i].ev)
			event_free(s->l[i].ev);
		close(s->l[i].fd);
		if (s->l[i].unix_path) {
			unlink(s->l[i].unix_path);
			free(s->l[i].unix_path);
		}
	}
	free(s->conns);
	free(s);
}
