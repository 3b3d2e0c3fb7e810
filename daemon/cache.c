/* cache: verdict cache with LRU eviction, interned reply templates, and
 * the single-flight table. See cache.h for the memory layout. */
#include "daemon/cache.h"

#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX
#define TMPL_MARK '\x01'	/* where the domain goes in a reply template */

struct tmpl {
	struct tmpl *next;
	uint32_t hash, refs;
	char s[];
};

struct slot {				/* 48 bytes on LP64 */
	char *domain;			/* NULL: free */
	struct tmpl *tmpl;
	uint32_t hash;
	uint32_t prev, next;		/* LRU list; next links the free list too */
	uint32_t expires;
	uint8_t verdict, ncodes;
	uint8_t codes[CACHE_MAX_CODES];
};

#define TMPL_BUCKETS 256

struct cache {
	struct cache_params p;
	struct slot *slot;
	uint32_t nslot, cap;		/* used high-water mark, allocated */
	uint32_t *index;		/* slot + 1, 0 empty; linear probing */
	uint32_t mask;
	uint32_t count, free_head, lru_head, lru_tail;
	uint64_t evictions;
	struct tmpl *tmpl[TMPL_BUCKETS];
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

struct cache *cache_new(const struct cache_params *p)
{
	struct cache *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->p = *p;
	c->mask = 1023;
	c->index = calloc(c->mask + 1, sizeof *c->index);
	if (!c->index) {
		free(c);
		return NULL;
	}
	c->free_head = c->lru_head = c->lru_tail = NIL;
	return c;
}

static void tmpl_unref(struct cache *c, struct tmpl *t)
{
	struct tmpl **pp;

	if (!t || --t->refs)
		return;
	for (pp = &c->tmpl[t->hash % TMPL_BUCKETS]; *pp != t; pp = &(*pp)->next)
		;
	*pp = t->next;
	free(t);
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->nslot; i++)
		free(c->slot[i].domain);
	for (int b = 0; b < TMPL_BUCKETS; b++)
		while (c->tmpl[b]) {
			struct tmpl *t = c->tmpl[b];
			c->tmpl[b] = t->next;
			free(t);
		}
	free(c->slot);
	free(c->index);
	free(c);
}

void cache_set_params(struct cache *c, const struct cache_params *p)
{
	c->p = *p;
}

size_t cache_count(const struct cache *c) { return c->count; }
uint64_t cache_evictions(const struct cache *c) { return c->evictions; }

uint32_t cache_ttl(const struct cache *c, uint32_t ttl, bool temporary)
{
	if (temporary)
		return (uint32_t)c->p.temp_ttl;
	if (ttl < (uint32_t)c->p.min_ttl)
		return (uint32_t)c->p.min_ttl;
	if (ttl > (uint32_t)c->p.max_ttl)
		return (uint32_t)c->p.max_ttl;
	return ttl;
}

/* Index position holding slot s, or of the empty cell where domain goes. */
static uint32_t probe(const struct cache *c, const char *domain, uint32_t h)
{
	for (uint32_t i = h & c->mask;; i = (i + 1) & c->mask) {
		uint32_t v = c->index[i];
		if (v == 0)
			return i;
		if (c->slot[v - 1].hash == h && strcmp(c->slot[v - 1].domain, domain) == 0)
			return i;
	}
}

static void lru_unlink(struct cache *c, uint32_t s)
{
	struct slot *e = &c->slot[s];

	if (e->prev != NIL)
		c->slot[e->prev].next = e->next;
	else
		c->lru_head = e->next;
	if (e->next != NIL)
		c->slot[e->next].prev = e->prev;
	else
		c->lru_tail = e->prev;
}

static void lru_push(struct cache *c, uint32_t s)
{
	struct slot *e = &c->slot[s];

	e->prev = NIL;
	e->next = c->lru_head;
	if (c->lru_head != NIL)
		c->slot[c->lru_head].prev = s;
	c->lru_head = s;
	if (c->lru_tail == NIL)
		c->lru_tail = s;
}

/* Remove index cell i with backward-shift deletion (linear probing). */
static void index_delete(struct cache *c, uint32_t i)
{
	uint32_t j = i;

	for (;;) {
		j = (j + 1) & c->mask;
		if (c->index[j] == 0)
			break;
		uint32_t home = c->slot[c->index[j] - 1].hash & c->mask;
		/* move j back to i unless its home lies cyclically in (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			c->index[i] = c->index[j];
			i = j;
		}
	}
	c->index[i] = 0;
}

static void evict(struct cache *c, uint32_t s)
{
	struct slot *e = &c->slot[s];

	index_delete(c, probe(c, e->domain, e->hash));
	lru_unlink(c, s);
	free(e->domain);
	tmpl_unref(c, e->tmpl);
	memset(e, 0, sizeof *e);
	e->next = c->free_head;
	c->free_head = s;
	c->count--;
	c->evictions++;
}

static int index_grow(struct cache *c)
{
	uint32_t nmask = c->mask * 2 + 1;
	uint32_t *ni = calloc((size_t)nmask + 1, sizeof *ni);

	if (!ni)
		return -1;
	for (uint32_t i = 0; i <= c->mask; i++) {
		uint32_t v = c->index[i], k;
		if (!v)
			continue;
		for (k = c->slot[v - 1].hash & nmask; ni[k]; k = (k + 1) & nmask)
			;
		ni[k] = v;
	}
	free(c->index);
	c->index = ni;
	c->mask = nmask;
	return 0;
}

static uint32_t slot_alloc(struct cache *c)
{
	if (c->free_head != NIL) {
		uint32_t s = c->free_head;
		c->free_head = c->slot[s].next;
		return s;
	}
	if (c->nslot == c->cap) {
		uint32_t ncap = c->cap ? c->cap * 2 : 1024;
		struct slot *ns;
		if ((long)ncap > c->p.max_entries)
			ncap = (uint32_t)c->p.max_entries > c->cap ? (uint32_t)c->p.max_entries : c->cap + 1;
		ns = realloc(c->slot, (size_t)ncap * sizeof *ns);
		if (!ns)
			return NIL;
		c->slot = ns;
		c->cap = ncap;
	}
	memset(&c->slot[c->nslot], 0, sizeof *c->slot);
	return c->nslot++;
}

static struct tmpl *tmpl_intern(struct cache *c, const char *reply, const char *domain)
{
	char buf[1024];
	const char *d = *domain ? strstr(reply, domain) : NULL;
	size_t dl = strlen(domain);
	struct tmpl *t;
	uint32_t h;

	if (d && (size_t)(d - reply) + 1 + strlen(d + dl) < sizeof buf) {
		size_t pre = (size_t)(d - reply);
		memcpy(buf, reply, pre);
		buf[pre] = TMPL_MARK;
		strcpy(buf + pre + 1, d + dl);
	} else {
		size_t n = strlen(reply);
		if (n >= sizeof buf)
			n = sizeof buf - 1;
		memcpy(buf, reply, n);
		buf[n] = '\0';
	}
	h = hash_str(buf);
	for (t = c->tmpl[h % TMPL_BUCKETS]; t; t = t->next)
		if (t->hash == h && strcmp(t->s, buf) == 0) {
			t->refs++;
			return t;
		}
	t = malloc(sizeof *t + strlen(buf) + 1);
	if (!t)
		return NULL;
	t->hash = h;
	t->refs = 1;
	strcpy(t->s, buf);
	t->next = c->tmpl[h % TMPL_BUCKETS];
	c->tmpl[h % TMPL_BUCKETS] = t;
	return t;
}

bool cache_get(struct cache *c, const char *domain, uint32_t now, struct cache_hit *hit)
{
	uint32_t h = hash_str(domain), v = c->index[probe(c, domain, h)];
	struct slot *e;

	if (!v)
		return false;
	e = &c->slot[v - 1];
	if ((int32_t)(e->expires - now) <= 0)
		return false;	/* stale: kept for its last verdict until reused */
	if (c->lru_head != v - 1) {
		lru_unlink(c, v - 1);
		lru_push(c, v - 1);
	}
	hit->verdict = e->verdict;
	hit->tmpl = e->tmpl ? e->tmpl->s : NULL;
	hit->ncodes = e->ncodes;
	memcpy(hit->codes, e->codes, sizeof hit->codes);
	return true;
}

int cache_put(struct cache *c, const char *domain, uint32_t now, enum action verdict,
	      const char *reply, uint32_t ttl, bool temporary,
	      const enum finding_code *codes, size_t ncodes, int *prev)
{
	uint32_t h = hash_str(domain), i = probe(c, domain, h), s;
	struct tmpl *t = NULL;
	struct slot *e;

	*prev = -1;
	if (reply && !(t = tmpl_intern(c, reply, domain)))
		return -1;
	if (c->index[i]) {
		s = c->index[i] - 1;
		e = &c->slot[s];
		*prev = e->verdict;
		tmpl_unref(c, e->tmpl);
		lru_unlink(c, s);
	} else {
		char *d;
		while (c->count && (long)c->count >= c->p.max_entries)
			evict(c, c->lru_tail);
		if ((c->count + 1) * 2 > c->mask + 1 && index_grow(c) < 0)
			goto oom;
		if (!(d = strdup(domain)))
			goto oom;
		if ((s = slot_alloc(c)) == NIL) {
			free(d);
			goto oom;
		}
		i = probe(c, domain, h);	/* evictions or growth moved cells */
		c->index[i] = s + 1;
		e = &c->slot[s];
		e->domain = d;
		e->hash = h;
		c->count++;
	}
	e->tmpl = t;
	e->verdict = (uint8_t)verdict;
	e->expires = now + cache_ttl(c, ttl, temporary);
	e->ncodes = 0;
	for (size_t k = 0; k < ncodes && e->ncodes < CACHE_MAX_CODES; k++)
		e->codes[e->ncodes++] = (uint8_t)codes[k];
	lru_push(c, s);
	return 0;
oom:
	tmpl_unref(c, t);
	return -1;
}

/* Expired, not removed: the slot keeps its last verdict for the risk log,
 * as a verdict that timed out does. */
bool cache_expire(struct cache *c, const char *domain, uint32_t now)
{
	uint32_t v = c->index[probe(c, domain, hash_str(domain))];
	struct slot *e;

	if (!v)
		return false;
	e = &c->slot[v - 1];
	if ((int32_t)(e->expires - now) <= 0)
		return false;
	e->expires = now;
	return true;
}

size_t cache_expire_all(struct cache *c, uint32_t now)
{
	size_t n = 0;

	for (uint32_t s = c->lru_head; s != NIL; s = c->slot[s].next)
		if ((int32_t)(c->slot[s].expires - now) > 0) {
			c->slot[s].expires = now;
			n++;
		}
	return n;
}

void cache_walk(struct cache *c, uint32_t now, cache_walk_fn fn, void *arg)
{
	for (uint32_t s = c->lru_head; s != NIL; s = c->slot[s].next) {
		const struct slot *e = &c->slot[s];
		struct cache_hit h;
		if ((int32_t)(e->expires - now) <= 0)
			continue;
		h.verdict = e->verdict;
		h.tmpl = e->tmpl ? e->tmpl->s : NULL;
		h.ncodes = e->ncodes;
		memcpy(h.codes, e->codes, sizeof h.codes);
		if (fn(arg, e->domain, &h, e->expires - now))
			return;
	}
}

size_t cache_expand(const char *tmpl, const char *domain, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return 0;
	for (const char *p = tmpl; *p && n + 1 < len; p++) {
		if (*p != TMPL_MARK) {
			buf[n++] = *p;
			continue;
		}
		for (const char *d = domain; *d && n + 1 < len; d++)
			buf[n++] = *d;
	}
	buf[n] = '\0';
	return n;
}

/* Single flight: chained hash; a few hundred flights at most. */
#define FLIGHT_BUCKETS 1024

struct flight {
	struct flight *next;
	void *waiters;
	char domain[];
};

struct flight_table {
	struct flight *b[FLIGHT_BUCKETS];
	size_t n;
};

struct flight_table *flight_table_new(void)
{
	return calloc(1, sizeof(struct flight_table));
}

void flight_table_free(struct flight_table *t)
{
	free(t);
}

struct flight *flight_find(struct flight_table *t, const char *domain)
{
	for (struct flight *f = t->b[hash_str(domain) % FLIGHT_BUCKETS]; f; f = f->next)
		if (strcmp(f->domain, domain) == 0)
			return f;
	return NULL;
}

struct flight *flight_begin(struct flight_table *t, const char *domain)
{
	struct flight *f = malloc(sizeof *f + strlen(domain) + 1);
	uint32_t b = hash_str(domain) % FLIGHT_BUCKETS;

	if (!f)
		return NULL;
	strcpy(f->domain, domain);
	f->waiters = NULL;
	f->next = t->b[b];
	t->b[b] = f;
	t->n++;
	return f;
}

const char *flight_domain(const struct flight *f) { return f->domain; }
void **flight_waiters(struct flight *f) { return &f->waiters; }
size_t flight_count(const struct flight_table *t) { return t->n; }

void flight_end(struct flight_table *t, struct flight *f)
{
	struct flight **pp = &t->b[hash_str(f->domain) % FLIGHT_BUCKETS];

	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	t->n--;
	free(f);
}
