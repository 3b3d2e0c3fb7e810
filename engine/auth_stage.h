/* auth_stage: the authority stage's inside, shared by authority.c (the
 * stage, its queries and answers) and auth_discovery.c (finding each
 * zone's servers). Not an interface for anything else: see authority.h. */
#ifndef MXVET_AUTH_STAGE_H
#define MXVET_AUTH_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/time.h>

#include <event2/util.h>

#include "engine/auth_cache.h"
#include "engine/auth_evidence.h"
#include "engine/authority.h"
#include "engine/dname.h"
#include "engine/dnsquery.h"
#include "lib/netaddr.h"
#include "engine/resolver.h"

struct check;
struct config;
struct engine;

#define MAX_ZONES (3 + AUTH_MAX_HOSTS)	/* the domain's, its parent (twice), MX hosts' */
#define MAX_REFERRAL_SERVERS 2
#define AUTH_MAX_SERVERS_HARD 64	/* authority_max_servers' upper bound */
#define PLAIN_DELAY_MS 200
#define AUTH_MAX_CHANNELS 64		/* server addresses with a socket per stage */
#define MAX_ZONE_ADDRS (AUTH_MAX_NS_NAMES * AUTH_MAX_ADDRS_PER_NAME * 2)

struct stage;

/* live: the stages still alive. A released stage waits for its resolver
 * callbacks; at shutdown the resolver drops them, so the prober frees
 * what is left. */
struct auth_prober {
	struct engine *e;
	struct auth_prober_stats stats;
	struct stage *live;
	struct auth_cache *cache;
};

/* The servers of one zone: found by walking up from a name. */
struct zone {
	struct stage *st;
	int idx;
	char cur[DNAME_MAXLEN];		/* the name whose NS is asked */
	int steps;
	bool found;
	char *ns[AUTH_MAX_NS_NAMES];
	size_t nns;
	struct { int ns; struct netaddr a; } addr[MAX_ZONE_ADDRS];
	size_t naddr;
	int pending;			/* resolver lookups in flight */
	const char *host;		/* MX host this zone is for; NULL for the domain */
	struct zone *child;		/* set on a parent zone: whose delegation we want */
	bool finished;			/* a parent zone has delivered its referral */
	bool dispatched;		/* its queries were sent */
	bool deferred;			/* the domain's zone: its NS lookup waits for
					 * the parent's referral (iterative) */
	bool ns_asked;			/* its own NS RRset asked (directly or not) */
	bool child_ns_done;		/* a server gave it cleanly */
	int child_ns_out;		/* direct NS queries to it in flight */
	char want[DNAME_MAXLEN];	/* parent zone: the child name asked for */
};

/* Owned by the stage (freed with it), so that a stage freed at shutdown
 * takes the lookups the resolver will never answer along. */
struct lookup {
	struct lookup *next;
	char name[DNAME_MAXLEN];
	struct zone *z;
	int ns;				/* index into z->ns, or -1 for the NS query */
	int rrtype;
};

enum qkind { Q_MX_EDNS, Q_MX_PLAIN, Q_HOST_AAAA, Q_REFERRAL, Q_CHILD_NS };

struct query {
	struct stage *st;
	struct dnsq *q;			/* NULL once done */
	enum qkind kind;
	size_t srv;			/* server index in ae->srv (MX queries) */
	size_t rep;			/* repeat slot */
	const char *host;		/* Q_HOST_AAAA */
	struct zone *z;			/* Q_REFERRAL: the parent zone asked;
					 * Q_CHILD_NS: the zone asked about */
	char server[DNAME_MAXLEN + NETADDR_STRLEN + 2];
};

struct stage {
	struct check *c;
	struct engine *e;
	const struct config *cfg;	/* a reference to the check's: the stage may
					 * outlive the check (late resolver callbacks) */
	struct auth_prober *p;
	struct auth_evidence *ae;
	char domain[DNAME_MAXLEN];
	int refs;			/* the check + resolver callbacks outstanding */
	int pending;			/* pieces of work outstanding */
	bool released;
	struct event *done_ev;		/* deadline, or activated when pending hits 0 */
	struct event *disc_ev;		/* end of discovery: query the servers known */
	struct event *plain_ev;		/* queries without EDNS where EDNS is late */
	bool plain_sent[AUTH_MAX_SERVERS_HARD];
	struct zone zone[MAX_ZONES];
	size_t nzone;
	struct query *qs[AUTH_MAX_QUERIES];
	size_t nqs;
	char *hosts[AUTH_MAX_HOSTS];
	size_t nhosts;
	struct dnsq_opts opts;
	struct lookup *lookups;
	struct stage *prev, *next;	/* in auth_prober.live */
	struct { struct netaddr a; struct dnsq_chan *ch; } chan[AUTH_MAX_CHANNELS];
	size_t nchan;
	struct timeval started;
};

/* authority.c */
void auth_note(struct stage *st, const char *msg);	/* the first one is kept */
void auth_kick(struct stage *st);	/* finish from the loop if nothing is pending */
void auth_unref(struct stage *st);
/* May a direct query go to this address (the address policy)? If not,
 * *why (may be NULL) gets the range and the refusal is counted. */
bool auth_may_query(struct stage *st, const struct netaddr *to, const char **why);
struct query *auth_send_query(struct stage *st, const struct netaddr *to, const char *qname,
			      int qtype, bool edns, enum qkind kind);
/* Every address of zone z is known: send its queries (once). */
void auth_zone_servers_ready(struct zone *z);

/* auth_discovery.c */
struct zone *auth_zone_new(struct stage *st, const char *name, const char *host,
			   struct zone *child);
/* auth_zone_new and its NS lookup through libunbound. */
struct zone *auth_zone_start(struct stage *st, const char *name, const char *host,
			     struct zone *child);
void auth_ask_ns(struct zone *z);
/* Ask z's parent zone for the delegation of z (a referral query). */
void auth_parent_start(struct zone *z);
void auth_parent_done(struct zone *pz);
/* One piece of z's discovery ended (a lookup, a query, the parent's part). */
void auth_zone_piece_done(struct zone *z);
void auth_merge_referral(struct zone *z, const char *want, const struct dnsq_reply *r);
void auth_child_ns_answer(struct zone *z, const struct dnsq_reply *r);
/* The discovery budget ran out: query the servers known so far. */
void auth_on_discovery_end(evutil_socket_t fd, short what, void *arg);

#endif
