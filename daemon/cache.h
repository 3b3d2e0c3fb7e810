/* cache: the verdict cache and the single-flight
 * table of checks in progress.
 *
 * Memory: each verdict is a fixed 40-byte slot in one array (indices, not
 * pointers, so the array can grow), a 4-byte index in an open-addressing
 * table kept at most half full, the domain in its own allocation, and the
 * reply as an interned template (the reply with the domain cut out: a few
 * dozen distinct texts serve every domain). The answer is rebuilt from
 * template + domain at answer time. About 100 bytes per entry at a million
 * (bench/cache_mem measures it).
 *
 * Eviction: a doubly linked LRU list through the slots; a lookup that hits
 * moves the entry to the front. Expired entries are found on lookup and
 * dropped; when full, the least recently used one goes.
 * Time is passed in by the caller (seconds, monotonic), so tests control it. */
#ifndef MXVET_CACHE_H
#define MXVET_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/findings.h"

#define CACHE_MAX_CODES 8	/* finding codes kept per domain (for the header) */

struct cache;

struct cache_params {
	long min_ttl, max_ttl, temp_ttl, max_entries;
};

/* What a cached verdict gives back; valid until the next cache call. */
struct cache_hit {
	enum action verdict;
	const char *tmpl;		/* reply template, or NULL (accept/annotate) */
	uint8_t ncodes;
	uint8_t codes[CACHE_MAX_CODES];	/* codes of findings that act */
};

struct cache *cache_new(const struct cache_params *p);
void cache_free(struct cache *c);
void cache_set_params(struct cache *c, const struct cache_params *p);

/* Look domain up at time now; true and *hit filled when fresh. */
bool cache_get(struct cache *c, const char *domain, uint32_t now, struct cache_hit *hit);

/* Store a verdict. ttl is the DNS TTL (clamped here), temporary selects
 * cache_temp_ttl. reply may be NULL. *prev gets the verdict this domain had
 * before (-1 if none): the risk log writes a line only on a change; the
 * last verdict is remembered even across expiry while the slot lives.
 * Returns 0, or -1 when out of memory (nothing cached). */
int cache_put(struct cache *c, const char *domain, uint32_t now, enum action verdict,
	      const char *reply, uint32_t ttl, bool temporary,
	      const enum finding_code *codes, size_t ncodes, int *prev);

size_t cache_count(const struct cache *c);
uint64_t cache_evictions(const struct cache *c);
/* The TTL that cache_put would use. */
uint32_t cache_ttl(const struct cache *c, uint32_t ttl, bool temporary);

/* Call fn for each entry fresh at now, most recently used first, until fn
 * returns nonzero. ttl_left in seconds. */
typedef int (*cache_walk_fn)(void *arg, const char *domain, const struct cache_hit *hit,
			     uint32_t ttl_left);
void cache_walk(struct cache *c, uint32_t now, cache_walk_fn fn, void *arg);

/* Flush: the verdict of domain is no longer fresh at now (the next
 * request checks the domain again); true if it was fresh. A check in
 * flight still stores its verdict when it completes. */
bool cache_expire(struct cache *c, const char *domain, uint32_t now);
/* The same for every entry; returns how many were fresh. */
size_t cache_expire_all(struct cache *c, uint32_t now);

/* Expand a reply template for domain into buf (NUL-terminated, truncated
 * to fit); returns the length. */
size_t cache_expand(const char *tmpl, const char *domain, char *buf, size_t len);

/* Single flight: one check per domain in progress. A flight carries an
 * opaque list of waiters the caller manages. */
struct flight_table;
struct flight;

struct flight_table *flight_table_new(void);
void flight_table_free(struct flight_table *t);	/* flights must be gone */
/* The flight for domain, or NULL. */
struct flight *flight_find(struct flight_table *t, const char *domain);
/* Start one; NULL when out of memory. The domain is copied. */
struct flight *flight_begin(struct flight_table *t, const char *domain);
const char *flight_domain(const struct flight *f);
void **flight_waiters(struct flight *f);	/* the caller's list head */
/* Remove and free it (the caller has emptied its waiter list). */
void flight_end(struct flight_table *t, struct flight *f);
size_t flight_count(const struct flight_table *t);

#endif
