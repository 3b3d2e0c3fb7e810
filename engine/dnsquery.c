/* dnsquery: direct DNS queries over UDP with TCP fallback (see dnsquery.h).
 * One connected UDP socket per query: the kernel drops datagrams from
 * other sources, and an ICMP port unreachable shows up as ECONNREFUSED. */
#include "engine/dnsquery.h"
#include "lib/log.h"

#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define STRAY_MAX 64		/* datagrams read per wakeup before yielding */
#define ID_TRIES 8		/* random IDs tried to avoid one in use on a channel */

/* A connected UDP socket to one server, shared by the queries to it. */
struct dnsq_chan {
	struct event_base *base;
	struct sockaddr_storage sa;
	socklen_t salen;
	evutil_socket_t fd;		/* -1: no socket (fail_st says why) */
	enum auth_qstatus fail_st;
	struct event *rev;		/* persistent read */
	struct dnsq *head;		/* queries waiting for a UDP reply */
};

struct dnsq {
	struct dnsq_chan *ch;
	bool own_ch;			/* made by dnsq_send for this query alone */
	struct dnsq *prev, *next;
	bool linked;
	dnsq_cb cb;
	void *arg;
	struct dnsq_opts o;
	struct event *timer;		/* the try's timeout, or the async failure */
	bool failing;
	struct bufferevent *bev;	/* TCP */
	uint8_t *wire;
	size_t wlen;
	int tries_left;
	size_t bytes_read;
	bool tcp;
};

int dnsq_build(const char *qname, int qtype, bool edns, uint16_t id,
	       uint8_t **wire, size_t *len)
{
	ldns_rdf *qn = ldns_dname_new_frm_str(qname);
	ldns_pkt *q;
	ldns_status st;

	if (!qn)
		return -1;
	q = ldns_pkt_query_new(qn, (ldns_rr_type)qtype, LDNS_RR_CLASS_IN, 0);	/* RD=0 */
	if (!q)
		return -1;
	ldns_pkt_set_id(q, id);
	if (edns) {
		ldns_edns_option_list *ol = ldns_edns_option_list_new();
		ldns_pkt_set_edns_udp_size(q, DNSQ_EDNS_SIZE);
		ldns_pkt_set_edns_do(q, true);
		if (ol) {
			ldns_edns_option *nsid = ldns_edns_new_from_data(LDNS_EDNS_NSID, 0, "");
			if (nsid && !ldns_edns_option_list_push(ol, nsid))
				ldns_edns_deep_free(nsid);
			ldns_pkt_set_edns_option_list(q, ol);
		}
	}
	st = ldns_pkt2wire(wire, q, len);
	ldns_pkt_free(q);
	return st == LDNS_STATUS_OK ? 0 : -1;
}

/* Length of the uncompressed name at p, or 0 if it runs past end. */
static size_t name_len(const uint8_t *p, size_t avail)
{
	size_t i = 0;

	while (i < avail) {
		uint8_t l = p[i];
		if (l == 0)
			return i + 1;
		if (l & 0xc0)
			return 0;	/* a pointer or an extended label: no match */
		i += (size_t)l + 1;
	}
	return 0;
}

bool dnsq_reply_matches(const uint8_t *query, size_t qlen,
			const uint8_t *reply, size_t rlen)
{
	size_t qn, rn;

	if (qlen < LDNS_HEADER_SIZE || rlen < LDNS_HEADER_SIZE)
		return false;
	if (LDNS_ID_WIRE(query) != LDNS_ID_WIRE(reply) || !LDNS_QR_WIRE(reply))
		return false;
	if (LDNS_QDCOUNT(reply) == 0)
		return true;	/* FORMERR and friends may drop the question */
	qn = name_len(query + LDNS_HEADER_SIZE, qlen - LDNS_HEADER_SIZE);
	rn = name_len(reply + LDNS_HEADER_SIZE, rlen - LDNS_HEADER_SIZE);
	if (!qn || qn != rn || LDNS_HEADER_SIZE + qn + 4 > qlen ||
	    LDNS_HEADER_SIZE + rn + 4 > rlen)
		return false;
	for (size_t i = 0; i < qn + 4; i++) {
		uint8_t a = query[LDNS_HEADER_SIZE + i], b = reply[LDNS_HEADER_SIZE + i];
		/* name bytes compare case-insensitively (0x20 randomization and
		 * servers that echo their own case); length bytes are < 64 */
		if (i < qn ? tolower(a) != tolower(b) : a != b)
			return false;
	}
	return true;
}

int dnsq_tcp_frame(const uint8_t *prefix, size_t buffered, size_t max_tcp, size_t *len)
{
	if (buffered < 2)
		return 0;
	*len = (size_t)prefix[0] << 8 | prefix[1];
	if (*len < LDNS_HEADER_SIZE || *len > max_tcp)
		return -1;
	return buffered < *len + 2 ? 0 : 1;
}

static void dnsq_free(struct dnsq *q);
static void finish(struct dnsq *q, enum auth_qstatus st, const uint8_t *wire, size_t len);

static struct timeval ms_tv(long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	return tv;
}

static void on_tcp_read(struct bufferevent *bev, void *arg)
{
	struct dnsq *q = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[2] = { 0, 0 }, *buf;
	size_t len;
	int st;

	(void)evbuffer_copyout(in, hdr, 2);
	st = dnsq_tcp_frame(hdr, evbuffer_get_length(in), q->o.max_tcp, &len);
	if (st < 0) {
		finish(q, AQ_NETERR, NULL, 0);
		return;
	}
	if (st == 0)
		return;
	buf = malloc(len);
	if (!buf) {
		finish(q, AQ_NETERR, NULL, 0);
		return;
	}
	evbuffer_drain(in, 2);
	evbuffer_remove(in, buf, len);
	q->bytes_read += len + 2;
	if (dnsq_reply_matches(q->wire, q->wlen, buf, len))
		finish(q, AQ_OK, buf, len);
	else
		finish(q, AQ_NETERR, NULL, 0);	/* one query per connection: a mismatch ends it */
	free(buf);
}

static void on_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct dnsq *q = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	finish(q, (what & BEV_EVENT_TIMEOUT) ? AQ_TIMEOUT : AQ_NETERR, NULL, 0);
}

/* AQ_OK when the TCP exchange started; AQ_NONE when we could not open a
 * socket (our fault, say nothing about the server), else AQ_NETERR. */
static enum auth_qstatus start_tcp(struct dnsq *q)
{
	struct timeval tv = ms_tv(q->o.try_ms);
	uint8_t hdr[2] = { (uint8_t)(q->wlen >> 8), (uint8_t)q->wlen };

	q->tcp = true;
	q->bev = bufferevent_socket_new(q->ch->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!q->bev)
		return AQ_NONE;
	bufferevent_setcb(q->bev, on_tcp_read, NULL, on_tcp_event, q);
	bufferevent_set_timeouts(q->bev, &tv, &tv);	/* write timeout = connect timeout */
	bufferevent_setwatermark(q->bev, EV_READ, 0, q->o.max_tcp + 2);
	if (bufferevent_write(q->bev, hdr, 2) != 0 ||
	    bufferevent_write(q->bev, q->wire, q->wlen) != 0 ||
	    bufferevent_enable(q->bev, EV_READ) != 0)
		return AQ_NONE;
	errno = 0;
	if (bufferevent_socket_connect(q->bev, (struct sockaddr *)&q->ch->sa, (int)q->ch->salen) != 0)
		return errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM
		       ? AQ_NONE : AQ_NETERR;
	return AQ_OK;
}

static void unlink_q(struct dnsq *q)
{
	if (!q->linked)
		return;
	if (q->prev)
		q->prev->next = q->next;
	else
		q->ch->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->linked = false;
}

static void dnsq_free(struct dnsq *q)
{
	unlink_q(q);
	if (q->timer)
		event_free(q->timer);
	if (q->bev)
		bufferevent_free(q->bev);
	if (q->own_ch)
		dnsq_chan_free(q->ch);
	free(q->wire);
	free(q);
}

static void finish(struct dnsq *q, enum auth_qstatus st, const uint8_t *wire, size_t len)
{
	struct dnsq_reply r = { st, wire, len, q->tcp, q->bytes_read };

	unlink_q(q);
	q->cb(q->arg, &r);
	dnsq_free(q);
}

void dnsq_cancel(struct dnsq *q)
{
	if (q)
		dnsq_free(q);
}

/* Fail every query of the channel; false if the channel is gone. */
static bool fail_all(struct dnsq_chan *ch, enum auth_qstatus st)
{
	while (ch->head) {
		struct dnsq *q = ch->head;
		bool own = q->own_ch;
		finish(q, st, NULL, 0);
		if (own)
			return false;
	}
	return true;
}

static void on_chan_read(evutil_socket_t fd, short what, void *arg)
{
	struct dnsq_chan *ch = arg;
	uint8_t buf[DNSQ_UDP_MAX];

	(void)what;
	for (int i = 0; i < STRAY_MAX; i++) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		struct dnsq *q;
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				fail_all(ch, AQ_NETERR);	/* ECONNREFUSED: port closed */
			return;
		}
		for (q = ch->head; q; q = q->next)
			if (dnsq_reply_matches(q->wire, q->wlen, buf, (size_t)n))
				break;
		if (!q) {
			if (ch->head)
				ch->head->bytes_read += (size_t)n;	/* strays count too */
			continue;
		}
		q->bytes_read += (size_t)n;
		bool own = q->own_ch;
		if (LDNS_TC_WIRE(buf)) {
			/* the channel outlives q's TCP exchange, even if q owns it */
			unlink_q(q);
			event_del(q->timer);
			enum auth_qstatus st = start_tcp(q);
			if (st == AQ_OK)
				continue;
			finish(q, st, NULL, 0);	/* frees the channel if q owns it */
		} else {
			finish(q, AQ_OK, buf, (size_t)n);
		}
		if (own)
			return;
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dnsq *q = arg;
	struct timeval tv = ms_tv(q->o.try_ms);

	(void)fd;
	(void)what;
	if (q->failing) {
		finish(q, q->ch->fail_st, NULL, 0);
		return;
	}
	if (--q->tries_left <= 0) {
		finish(q, AQ_TIMEOUT, NULL, 0);
		return;
	}
	(void)send(q->ch->fd, q->wire, q->wlen, 0);
	evtimer_add(q->timer, &tv);
}

struct dnsq_chan *dnsq_chan_new(struct event_base *base, const struct netaddr *to, int port)
{
	struct dnsq_chan *ch = calloc(1, sizeof *ch);

	if (!ch)
		return NULL;
	ch->base = base;
	ch->salen = netaddr_sockaddr(to, port, &ch->sa);
	ch->fd = socket(ch->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ch->fd < 0) {
		/* no socket is our problem (EMFILE under load), not the server's */
		ch->fail_st = AQ_NONE;
		return ch;
	}
	if (connect(ch->fd, (struct sockaddr *)&ch->sa, ch->salen) != 0) {
		log_debug("dnsq: connect: %s", strerror(errno));
		evutil_closesocket(ch->fd);
		ch->fd = -1;
		ch->fail_st = AQ_NETERR;
		return ch;
	}
	ch->rev = event_new(base, ch->fd, EV_READ | EV_PERSIST, on_chan_read, ch);
	if (!ch->rev || event_add(ch->rev, NULL) != 0) {
		dnsq_chan_free(ch);
		return NULL;
	}
	return ch;
}

void dnsq_chan_free(struct dnsq_chan *ch)
{
	if (!ch)
		return;
	while (ch->head)
		dnsq_free(ch->head);	/* cancelled: no callbacks */
	if (ch->rev)
		event_free(ch->rev);
	if (ch->fd >= 0)
		evutil_closesocket(ch->fd);
	free(ch);
}

/* Query IDs from a pool refilled 256 at a time: glibc's arc4random, under
 * libevent's secure RNG, is a getrandom() call each time. Loop thread only. */
static uint16_t random_id(void)
{
	static uint16_t pool[256];
	static size_t left;

	if (left == 0) {
		evutil_secure_rng_get_bytes(pool, sizeof pool);
		left = sizeof pool / sizeof *pool;
	}
	return pool[--left];
}

static bool id_in_use(const struct dnsq_chan *ch, uint16_t id)
{
	for (const struct dnsq *q = ch->head; q; q = q->next)
		if (LDNS_ID_WIRE(q->wire) == id)
			return true;
	return false;
}

struct dnsq *dnsq_send_on(struct dnsq_chan *ch, const char *qname, int qtype,
			  const struct dnsq_opts *o, dnsq_cb cb, void *arg)
{
	struct dnsq *q = calloc(1, sizeof *q);
	struct timeval tv = ms_tv(o->try_ms);
	uint16_t id = 0;

	if (!q)
		return NULL;
	q->ch = ch;
	q->cb = cb;
	q->arg = arg;
	q->o = *o;
	q->tries_left = o->tries > 0 ? o->tries : 1;
	for (int i = 0; i < ID_TRIES; i++) {
		id = random_id();
		if (!id_in_use(ch, id))
			break;
	}
	q->timer = evtimer_new(ch->base, on_timer, q);
	if (!q->timer || dnsq_build(qname, qtype, o->edns, id, &q->wire, &q->wlen) != 0) {
		dnsq_free(q);
		return NULL;
	}
	if (ch->fd < 0 || send(ch->fd, q->wire, q->wlen, 0) < 0) {
		/* report from the loop, never from inside dnsq_send */
		q->failing = true;
		if (ch->fd >= 0)
			ch->fail_st = AQ_NETERR;
		tv = ms_tv(0);
	} else {
		q->next = ch->head;
		if (q->next)
			q->next->prev = q;
		ch->head = q;
		q->linked = true;
	}
	if (evtimer_add(q->timer, &tv) != 0) {
		dnsq_free(q);
		return NULL;
	}
	return q;
}

struct dnsq *dnsq_send(struct event_base *base, const struct netaddr *to,
		       const char *qname, int qtype, const struct dnsq_opts *o,
		       dnsq_cb cb, void *arg)
{
	struct dnsq_chan *ch = dnsq_chan_new(base, to, o->port);
	struct dnsq *q;

	if (!ch)
		return NULL;
	q = dnsq_send_on(ch, qname, qtype, o, cb, arg);
	if (!q) {
		dnsq_chan_free(ch);
		return NULL;
	}
	q->own_ch = true;
	return q;
}
