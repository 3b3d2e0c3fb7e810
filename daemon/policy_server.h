/* policy_server: the Postfix policy service on the loop. Listeners
 * (inet:HOST:PORT, inet:[V6]:PORT, unix:PATH; several), policy_allow on
 * TCP, connections with bounded buffers, answers in request order.
 *
 * Per connection: one recv into its input buffer, every complete request
 * in it parsed in place and decided, the answers of the batch sent with
 * one send. An answer that is not ready holds back the answers after it
 * (Postfix matches answers to requests by order). Limits: a request as
 * the parser's (POLICY_MAX_REQUEST); the input buffer starts at 4 KB and
 * grows to 64 KB only for a client that pipelines; POLICY_MAX_PENDING requests awaiting an
 * answer (then the connection is not read until they are answered),
 * POLICY_MAX_OUTPUT bytes of unsent answers (then the client is dropped:
 * it does not read), policy_idle_timeout without traffic. */
#ifndef MXVET_POLICY_SERVER_H
#define MXVET_POLICY_SERVER_H

#include <stddef.h>
#include <stdint.h>

#define POLICY_MAX_CONNS 16384
#define POLICY_MAX_PENDING 64
#define POLICY_MAX_OUTPUT 65536

struct event_base;
struct config;
struct decider;
struct decision;
struct policy_server;

struct policy_stats {
	uint64_t connections, rejected_clients, protocol_errors, dropped_slow;
	uint64_t open;
};

/* Bind every policy_listen endpoint (before dropping privileges). NULL
 * with a message in err on failure. */
struct policy_server *policy_server_new(const struct config *cfg, char *err, size_t errlen);
/* Start serving on base with this decider; call again with the new cfg
 * after a reload. */
void policy_server_start(struct policy_server *s, struct event_base *base, struct decider *d,
			 const struct config *cfg);
/* The decider's answer callback (arg is the server): formats the
 * decision (policy_answer.h) and sends it in request order. */
void policy_server_answer(void *arg, uint64_t conn_id, uint32_t seq, const struct decision *dc);
/* Stop accepting; close idle connections; others close once answered. */
void policy_server_drain(struct policy_server *s);
/* Requests still waiting for an answer, over all connections. */
size_t policy_server_pending(const struct policy_server *s);
const struct policy_stats *policy_server_stats(const struct policy_server *s);
void policy_server_free(struct policy_server *s);

#endif
