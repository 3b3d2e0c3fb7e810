/* auth_cache: see auth_cache.h. */
#include "engine/auth_cache.h"
#include "engine/dname.h"
#include "engine/resolver.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unbound.h>


static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void rrs_clear(struct rrs *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->names[i]);
	x->n = 0;
}

void rrs_from_ub(int rrtype, enum dns_status dst, const struct ub_result *r, struct rrs *x)
{
	size_t want = rrtype == RR_A ? 4 : 16;

	memset(x, 0, sizeof *x);
	x->st = dst;
	x->alias = r && r->canonname;
	x->ttl = r && r->ttl > 0 ? (uint32_t)r->ttl : 0;
	if (dst != DNS_ST_OK || !r)
		return;
	for (int i = 0; r->data[i] && x->n < RRS_MAX; i++) {
		if (rrtype == RR_NS) {
			char name[DNAME_MAXLEN];
			if (dname_from_wire((const uint8_t *)r->data[i], (size_t)r->len[i],
					    name, sizeof name) >= 0 && (x->names[x->n] = strdup(name)))
				x->n++;
		} else if ((size_t)r->len[i] == want &&
			   netaddr_from_bytes(r->data[i], want, &x->addrs[x->n]) == 0) {
			x->n++;
		}
	}
	if (rrtype == RR_NS)
		qsort(x->names, x->n, sizeof *x->names, cmp_str);
}

struct auth_cache {
	struct cache_ent *slot[AUTH_CACHE_SLOTS];
};

struct cache_ent {
	char *name;
	int rrtype;
	time_t expires;
	struct rrs data;
};

static unsigned cache_slot(const char *name, int rrtype)
{
	unsigned h = 2166136261u ^ (unsigned)rrtype;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)tolower((unsigned char)*p)) * 16777619u;
	return h % AUTH_CACHE_SLOTS;
}

static void cache_ent_free(struct cache_ent *c)
{
	if (!c)
		return;
	rrs_clear(&c->data);
	free(c->name);
	free(c);
}

const struct rrs *auth_cache_get(struct auth_cache *ac, const char *name, int rrtype, time_t now)
{
	struct cache_ent *c = ac->slot[cache_slot(name, rrtype)];

	if (!c || c->rrtype != rrtype || strcasecmp(c->name, name) != 0 ||
	    c->expires <= now)
		return NULL;
	return &c->data;
}

void auth_cache_put(struct auth_cache *ac, const char *name, int rrtype,
		    const struct rrs *x, time_t now)
{
	unsigned slot = cache_slot(name, rrtype);
	struct cache_ent *c;

	/* positive answers, and "no address of this family" (most name
	 * servers have no AAAA: each check would ask again) */
	if ((x->st != DNS_ST_OK && !(x->st == DNS_ST_NODATA && rrtype != RR_NS)) || x->alias ||
	    x->ttl == 0)
		return;
	c = calloc(1, sizeof *c);
	if (!c || !(c->name = strdup(name))) {
		free(c);
		return;
	}
	c->rrtype = rrtype;
	c->expires = now + (x->ttl < AUTH_CACHE_MAX_TTL ? x->ttl : AUTH_CACHE_MAX_TTL);
	c->data = *x;
	for (size_t i = 0; i < x->n; i++)
		c->data.names[i] = NULL;
	for (size_t i = 0; i < x->n && rrtype == RR_NS; i++)
		if (!(c->data.names[i] = strdup(x->names[i]))) {
			c->data.n = i;
			break;
		}
	cache_ent_free(ac->slot[slot]);
	ac->slot[slot] = c;
}


struct auth_cache *auth_cache_new(void)
{
	return calloc(1, sizeof(struct auth_cache));
}

void auth_cache_free(struct auth_cache *ac)
{
	if (!ac)
		return;
	for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++)
		cache_ent_free(ac->slot[i]);
	free(ac);
}
