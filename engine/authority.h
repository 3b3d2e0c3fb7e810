/* authority: the stage that queries a domain's authoritative servers
 * directly (authority_stage, engine/stage.h).
 *
 * It starts after the MX and MX-host lookups, unless the domain does not
 * exist. It finds
 * the zone of the domain (NS of the domain, or of its closest enclosing
 * zone) and each name server's addresses with libunbound, then sends to
 * every address the domain's MX query authority_repeat times with EDNS0 +
 * DO + NSID and once without EDNS, and to the servers of each MX host's
 * zone an AAAA query for the host (wildcard additional records). Results
 * go into ev->auth (auth_evidence.h); the pure check module
 * checks/authority.c judges them. The stage holds the check once and
 * releases it when every piece is done or authority_timeout runs out,
 * whichever comes first; resolver answers that arrive later are dropped. */
#ifndef MXVET_AUTHORITY_H
#define MXVET_AUTHORITY_H

#include <stdint.h>

#include "engine/dnsquery.h"
#include "engine/resolver.h"

struct engine;
struct check;
struct auth_prober;

/* Caps against hostile zones. */
#define AUTH_MAX_NS_NAMES 10	/* NS names used per zone (of any number published) */
#define AUTH_MAX_ADDRS_PER_NAME 4	/* addresses per NS name and family */
/* Packets per check: every UDP send, retries included, and every TCP
 * connection. With the defaults a check's plan is at most 84 queries (16
 * server addresses x (3 with EDNS + 1 without), 2 referral and 2 child NS
 * queries, 4 MX hosts x 4 AAAA) of 2 tries each, 168 packets when every
 * server is silent; 200 leaves room for TCP retries of truncated answers.
 * Raised settings (authority_repeat, authority_max_servers) or a hostile
 * zone meet this bound instead: a query is started only while its tries
 * fit, and one whose retry finds the budget spent has no outcome
 * (AQ_NONE), so a partial probe never reads as a dead server. */
#define AUTH_MAX_PACKETS 200
#define AUTH_MAX_QUERIES AUTH_MAX_PACKETS	/* a query takes at least one packet */
#define AUTH_MAX_BYTES (512 * 1024)	/* reply bytes read per check */
#define AUTH_MAX_WALK 8		/* labels stripped looking for the zone apex */
#define AUTH_MAX_HOSTS 4	/* MX hosts probed for wildcard additional records */
#define AUTH_MAX_HOST_SERVERS 4	/* addresses asked per MX host */
#define AUTH_PORT 53

struct auth_prober_stats {
	uint64_t stages, queries, timeouts, bytes, deadline_hits, cache_hits;
	uint64_t refused;	/* direct queries the address policy refused */
	uint64_t packets;	/* packets sent (UDP sends and TCP connections) */
	uint64_t budget_hits;	/* stages that spent AUTH_MAX_PACKETS */
};

/* The stage's network: direct queries (dnsquery.h) and lookups through
 * libunbound (resolver.h), with the same promises (every callback from the
 * loop, exactly once unless cancelled; cancel and chan_free accept NULL).
 * The prober starts with the real one; a test puts a scripted one in its
 * place, in the spirit of unbound's testcode/fake_event.c, so that the
 * discovery state machine runs without sockets, root or the lab. */
struct auth_transport {
	struct dnsq_chan *(*chan_new)(void *ctx, const struct netaddr *to, int port);
	void (*chan_free)(void *ctx, struct dnsq_chan *ch);
	struct dnsq *(*send)(void *ctx, struct dnsq_chan *ch, const char *qname, int qtype,
			     const struct dnsq_opts *o, dnsq_cb cb, void *arg);
	void (*cancel)(void *ctx, struct dnsq *q);
	int (*lookup)(void *ctx, const char *name, int rrtype, resolver_cb cb, void *arg);
};

/* The stage's row of stage_table (engine/stage.h); its state is the
 * prober: engine_stage_state(e, &authority_stage). */
extern const struct stage_ops authority_stage;

struct auth_prober *auth_prober_new(struct engine *e);
/* From the next check on, t (with its ctx) instead of the real network. */
void auth_prober_set_transport(struct auth_prober *p, const struct auth_transport *t, void *ctx);
void auth_prober_free(struct auth_prober *p);
const struct auth_prober_stats *auth_prober_stats(const struct auth_prober *p);
/* the engine's authority prober; NULL while the stage is off */
struct auth_prober *engine_auth_prober(const struct engine *e);

#endif
