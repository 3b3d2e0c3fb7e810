/* dnsquery: one direct, non-recursive DNS query to one server address, over
 * UDP on the libevent loop, retried on timeout, and over TCP (two-byte
 * length prefix, RFC 1035 4.2.2) when the UDP answer is truncated.
 *
 * A reply is accepted only if its ID, QR bit and question match what was
 * sent (a reply without a question, as some FORMERR replies are, is matched
 * by ID alone); anything else is dropped and the wait goes on. The
 * callback runs exactly once, always from the loop, never inside
 * dnsq_send(); the reply bytes it gets live until it returns. After
 * dnsq_cancel() it never runs.
 *
 * Queries to one server can share a channel (one connected UDP socket,
 * replies told apart by ID and question), which saves the socket, connect
 * and close of each query. ICMP port unreachable on a channel fails every
 * query waiting on it. */
#ifndef MXVET_DNSQUERY_H
#define MXVET_DNSQUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/auth_evidence.h"	/* enum auth_qstatus */
#include "lib/netaddr.h"

struct event_base;
struct dnsq;
struct dnsq_chan;

#define DNSQ_UDP_MAX 4096	/* bytes read per datagram */
#define DNSQ_EDNS_SIZE 1232	/* advertised EDNS buffer (DNS flag day 2020) */

struct dnsq_opts {
	int port;		/* 53 */
	bool edns;		/* EDNS0 with DO and an NSID request; else no OPT */
	int tries;		/* UDP sends, >= 1 */
	long try_ms;		/* wait per UDP try; also the TCP read timeout */
	size_t max_tcp;		/* largest TCP reply accepted (<= 65535) */
};

struct dnsq_reply {
	enum auth_qstatus st;	/* AQ_OK (bytes matched), AQ_TIMEOUT, AQ_NETERR,
				 * AQ_NONE: not sent (no socket here) */
	const uint8_t *wire;	/* the reply when AQ_OK */
	size_t len;
	bool tcp;		/* it came over TCP */
	size_t bytes_read;	/* every byte read for this query, stray ones too */
};

typedef void (*dnsq_cb)(void *arg, const struct dnsq_reply *r);

/* A channel to to:port. NULL only when out of memory; a channel without a
 * socket (EMFILE) or that cannot connect fails its queries from the loop,
 * with AQ_NONE (our fault) or AQ_NETERR. Freeing it cancels its queries. */
struct dnsq_chan *dnsq_chan_new(struct event_base *base, const struct netaddr *to, int port);
void dnsq_chan_free(struct dnsq_chan *ch);
/* Send on a channel (o->port is the channel's). NULL if the name cannot be
 * encoded or memory runs out (cb never runs). */
struct dnsq *dnsq_send_on(struct dnsq_chan *ch, const char *qname, int qtype,
			  const struct dnsq_opts *o, dnsq_cb cb, void *arg);
/* The same on a channel of its own. */
struct dnsq *dnsq_send(struct event_base *base, const struct netaddr *to,
		       const char *qname, int qtype, const struct dnsq_opts *o,
		       dnsq_cb cb, void *arg);
void dnsq_cancel(struct dnsq *q);

/* The query packet dnsq_send would send (for tests); free(*wire). */
int dnsq_build(const char *qname, int qtype, bool edns, uint16_t id,
	       uint8_t **wire, size_t *len);
/* Does reply match query (ID, QR, question)? Pure, for tests and fuzzing. */
bool dnsq_reply_matches(const uint8_t *query, size_t qlen,
			const uint8_t *reply, size_t rlen);
/* TCP reassembly: buffered bytes have arrived, prefix holds the first two
 * of them (when there are two). 1: a whole message is there, *len bytes
 * after the two-byte prefix; 0: wait for more; -1: the prefix announces a
 * length no DNS message has (< 12) or more than max_tcp (give up on the
 * connection). Pure, for tests and fuzzing. */
int dnsq_tcp_frame(const uint8_t *prefix, size_t buffered, size_t max_tcp, size_t *len);

#endif
