/* auth_cache: the authority prober's cache of NS and address answers, so
 * that the servers of a parent zone, or name servers shared by many zones,
 * are asked of libunbound once a TTL (at most AUTH_CACHE_MAX_TTL) rather
 * than once a check. Positive answers and
 * address NODATA only; a fixed table where a new
 * entry overwrites the one in its slot, so memory is bounded. Also the
 * parsed form (struct rrs) the stage uses for lookup answers. */
#ifndef MXVET_AUTH_CACHE_H
#define MXVET_AUTH_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "engine/evidence.h"
#include "lib/netaddr.h"

struct ub_result;

#define AUTH_CACHE_SLOTS 1024
#define AUTH_CACHE_MAX_TTL 300
#define RRS_MAX 64		/* records read from one answer */

/* A lookup answer in the form the stage uses and the prober caches. */
struct rrs {
	enum dns_status st;
	bool alias;			/* the name is a CNAME */
	uint32_t ttl;
	size_t n;
	char *names[RRS_MAX];		/* NS: sorted, owned */
	struct netaddr addrs[RRS_MAX];	/* A/AAAA */
};

/* Parse a libunbound answer for rrtype (2 NS: names sorted; 1/28:
 * addresses). */
void rrs_from_ub(int rrtype, enum dns_status dst, const struct ub_result *r, struct rrs *x);
void rrs_clear(struct rrs *x);

struct auth_cache;
struct auth_cache *auth_cache_new(void);
void auth_cache_free(struct auth_cache *ac);
/* The cached answer, valid until the next put, or NULL. */
const struct rrs *auth_cache_get(struct auth_cache *ac, const char *name, int rrtype, time_t now);
/* Keep a copy of x if it is a positive answer with a TTL, or an address
 * lookup that found no record of its type (NODATA), for min(TTL, 300 s). */
void auth_cache_put(struct auth_cache *ac, const char *name, int rrtype,
		    const struct rrs *x, time_t now);

#endif
