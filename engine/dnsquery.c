/* dnsquery: direct DNS queries over UDP with TCP fallback (see dnsquery.h).
 * One connected UDP socket per query: the kernel drops datagrams from
 * other sources, and an ICMP port unreachable shows up as ECONNREFUSED. */
#include "dnsquery.h"
#include "log.h"

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

#define STRAY_MAX 32		/* datagrams read per wakeup before yielding */

struct dnsq {
	struct event_base *base;
	dnsq_cb cb;
	void *arg;
	struct dnsq_opts o;
	struct sockaddr_storage sa;
	socklen_t salen;
	evutil_socket_t fd;
	struct event *ev;		/* UDP read + try timeout, or the async failure */
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

static void dnsq_free(struct dnsq *q)
{
	if (q->ev)
		event_free(q->ev);
	if (q->fd >= 0)
		evutil_closesocket(q->fd);
	if (q->bev)
		bufferevent_free(q->bev);
	free(q->wire);
	free(q);
}

static void finish(struct dnsq *q, enum auth_qstatus st, const uint8_t *wire, size_t len)
{
	struct dnsq_reply r = { st, wire, len, q->tcp, q->bytes_read };

	q->cb(q->arg, &r);
	dnsq_free(q);
}

void dnsq_cancel(struct dnsq *q)
{
	if (q)
		dnsq_free(q);
}

static struct timeval ms_tv(long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	return tv;
}

static void on_tcp_read(struct bufferevent *bev, void *arg)
{
	struct dnsq *q = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[2], *buf;
	size_t len;

	if (evbuffer_copyout(in, hdr, 2) < 2)
		return;
	len = (size_t)hdr[0] << 8 | hdr[1];
	if (len < LDNS_HEADER_SIZE || len > q->o.max_tcp) {
		finish(q, AQ_NETERR, NULL, 0);
		return;
	}
	if (evbuffer_get_length(in) < len + 2)
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

static int start_tcp(struct dnsq *q)
{
	struct timeval tv = ms_tv(q->o.try_ms);
	uint8_t hdr[2] = { (uint8_t)(q->wlen >> 8), (uint8_t)q->wlen };

	q->tcp = true;
	q->bev = bufferevent_socket_new(q->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!q->bev)
		return -1;
	bufferevent_setcb(q->bev, on_tcp_read, NULL, on_tcp_event, q);
	bufferevent_set_timeouts(q->bev, &tv, &tv);	/* write timeout = connect timeout */
	bufferevent_setwatermark(q->bev, EV_READ, 0, q->o.max_tcp + 2);
	if (bufferevent_write(q->bev, hdr, 2) != 0 ||
	    bufferevent_write(q->bev, q->wire, q->wlen) != 0 ||
	    bufferevent_enable(q->bev, EV_READ) != 0 ||
	    bufferevent_socket_connect(q->bev, (struct sockaddr *)&q->sa, (int)q->salen) != 0)
		return -1;
	return 0;
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct dnsq *q = arg;
	uint8_t buf[DNSQ_UDP_MAX];
	struct timeval tv = ms_tv(q->o.try_ms);

	if (what & EV_TIMEOUT) {
		if (--q->tries_left <= 0) {
			finish(q, AQ_TIMEOUT, NULL, 0);
			return;
		}
		(void)send(fd, q->wire, q->wlen, 0);
		event_add(q->ev, &tv);
		return;
	}
	for (int i = 0; i < STRAY_MAX; i++) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			finish(q, AQ_NETERR, NULL, 0);	/* ECONNREFUSED: port closed */
			return;
		}
		q->bytes_read += (size_t)n;
		if (!dnsq_reply_matches(q->wire, q->wlen, buf, (size_t)n))
			continue;	/* stray or spoofed: keep waiting */
		if (LDNS_TC_WIRE(buf)) {
			event_free(q->ev);
			q->ev = NULL;
			evutil_closesocket(q->fd);
			q->fd = -1;
			if (start_tcp(q) != 0)
				finish(q, AQ_NETERR, NULL, 0);
			return;
		}
		finish(q, AQ_OK, buf, (size_t)n);
		return;
	}
	/* the try's timer restarts: a flood of strays is bounded by the
	 * caller's deadline, which cancels the query */
	event_add(q->ev, &tv);
}

static void on_failed(evutil_socket_t fd, short what, void *arg)
{
	struct dnsq *q = arg;

	(void)fd;
	(void)what;
	/* no socket is our problem (EMFILE under load), not the server's */
	finish(q, q->tcp ? AQ_NONE : AQ_NETERR, NULL, 0);
}

struct dnsq *dnsq_send(struct event_base *base, const struct netaddr *to,
		       const char *qname, int qtype, const struct dnsq_opts *o,
		       dnsq_cb cb, void *arg)
{
	struct dnsq *q = calloc(1, sizeof *q);
	struct timeval tv;
	uint16_t id;

	if (!q)
		return NULL;
	q->base = base;
	q->cb = cb;
	q->arg = arg;
	q->o = *o;
	q->fd = -1;
	q->tries_left = o->tries > 0 ? o->tries : 1;
	evutil_secure_rng_get_bytes(&id, sizeof id);
	if (dnsq_build(qname, qtype, o->edns, id, &q->wire, &q->wlen) != 0) {
		free(q);
		return NULL;
	}
	if (to->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&q->sa;
		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)o->port);
		memcpy(&s->sin_addr, to->b, 4);
		q->salen = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&q->sa;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)o->port);
		memcpy(&s->sin6_addr, to->b, 16);
		q->salen = sizeof *s;
	}
	q->fd = socket(q->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		q->tcp = true;	/* marks "never sent" for on_failed; no TCP happens */
	if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&q->sa, q->salen) != 0 ||
	    send(q->fd, q->wire, q->wlen, 0) < 0) {
		/* report from the loop, never from inside dnsq_send */
		log_debug("dnsq: send to %s failed: %s", qname, strerror(errno));
		if (q->fd >= 0)
			evutil_closesocket(q->fd);
		q->fd = -1;
		q->ev = evtimer_new(base, on_failed, q);
		tv = ms_tv(0);
		if (!q->ev || evtimer_add(q->ev, &tv) != 0) {
			dnsq_free(q);
			return NULL;
		}
		return q;
	}
	q->ev = event_new(base, q->fd, EV_READ, on_udp, q);
	tv = ms_tv(o->try_ms);
	if (!q->ev || event_add(q->ev, &tv) != 0) {
		dnsq_free(q);
		return NULL;
	}
	return q;
}
