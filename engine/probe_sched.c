/* probe_sched: per-network fair scheduling of SMTP probes (see the header). */
#include "engine/probe_sched.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct sched_group {
	struct sched_group *hnext;		/* hash chain */
	struct sched_group *rnext, *rprev;	/* ring of groups that may run one */
	bool in_ring;
	int family;
	uint8_t net[6];				/* /24 or /48 */
	size_t running, nqueued;
	struct sched_item *qhead, *qtail;
};

struct sched {
	struct sched_group **tab;
	size_t nbuckets, ngroups;
	struct sched_group *ring;		/* head; the ring is circular */
	size_t running, queued;
};

static size_t net_len(int family)
{
	return family == AF_INET ? 3 : 6;
}

static size_t hash_net(int family, const uint8_t *net)
{
	size_t h = 2166136261u;

	for (size_t i = 0; i < net_len(family); i++)
		h = (h ^ net[i]) * 16777619u;
	return h ^ (size_t)family;
}

struct sched *sched_new(void)
{
	struct sched *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->nbuckets = 64;
	if (!(s->tab = calloc(s->nbuckets, sizeof *s->tab))) {
		free(s);
		return NULL;
	}
	return s;
}

void sched_free(struct sched *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct sched_group *g = s->tab[i], *nx; g; g = nx) {
			nx = g->hnext;
			free(g);
		}
	free(s->tab);
	free(s);
}

static void grow(struct sched *s)
{
	size_t nb = s->nbuckets * 2;
	struct sched_group **nt = calloc(nb, sizeof *nt);

	if (!nt)
		return;		/* longer chains, still correct */
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct sched_group *g = s->tab[i], *nx; g; g = nx) {
			nx = g->hnext;
			size_t b = hash_net(g->family, g->net) & (nb - 1);
			g->hnext = nt[b];
			nt[b] = g;
		}
	free(s->tab);
	s->tab = nt;
	s->nbuckets = nb;
}

static struct sched_group *group_get(struct sched *s, const struct netaddr *a)
{
	size_t len = net_len(a->family);
	size_t b = hash_net(a->family, a->b) & (s->nbuckets - 1);
	struct sched_group *g;

	for (g = s->tab[b]; g; g = g->hnext)
		if (g->family == a->family && memcmp(g->net, a->b, len) == 0)
			return g;
	if (s->ngroups >= 2 * s->nbuckets) {
		grow(s);
		b = hash_net(a->family, a->b) & (s->nbuckets - 1);
	}
	if (!(g = calloc(1, sizeof *g)))
		return NULL;
	g->family = a->family;
	memcpy(g->net, a->b, len);
	g->hnext = s->tab[b];
	s->tab[b] = g;
	s->ngroups++;
	return g;
}

/* Free a group nothing runs or waits in (it is in no ring then). */
static void group_release(struct sched *s, struct sched_group *g)
{
	if (g->running || g->nqueued)
		return;
	struct sched_group **pg = &s->tab[hash_net(g->family, g->net) & (s->nbuckets - 1)];
	while (*pg != g)
		pg = &(*pg)->hnext;
	*pg = g->hnext;
	s->ngroups--;
	free(g);
}

static void ring_add(struct sched *s, struct sched_group *g)
{
	if (g->in_ring)
		return;
	g->in_ring = true;
	if (!s->ring) {
		g->rnext = g->rprev = g;
		s->ring = g;
		return;
	}
	g->rnext = s->ring;		/* at the tail: just before the head */
	g->rprev = s->ring->rprev;
	g->rprev->rnext = g;
	s->ring->rprev = g;
}

static void ring_del(struct sched *s, struct sched_group *g)
{
	if (!g->in_ring)
		return;
	g->in_ring = false;
	if (g->rnext == g) {
		s->ring = NULL;
	} else {
		g->rprev->rnext = g->rnext;
		g->rnext->rprev = g->rprev;
		if (s->ring == g)
			s->ring = g->rnext;
	}
	g->rnext = g->rprev = NULL;
}

/* In the ring exactly when the group waits and has room of its own. */
static void ring_update(struct sched *s, struct sched_group *g, size_t net_cap)
{
	if (g->nqueued && g->running < net_cap)
		ring_add(s, g);
	else
		ring_del(s, g);
}

int sched_admit(struct sched *s, struct sched_item *it, const struct netaddr *addr,
		size_t global_cap, size_t net_cap)
{
	struct sched_group *g = group_get(s, addr);

	if (!g)
		return -1;
	it->g = g;
	if (s->running < global_cap && g->running < net_cap && !g->nqueued) {
		g->running++;
		s->running++;
		it->queued = false;
		return 1;
	}
	it->queued = true;
	it->next = NULL;
	it->prev = g->qtail;
	if (g->qtail)
		g->qtail->next = it;
	else
		g->qhead = it;
	g->qtail = it;
	g->nqueued++;
	s->queued++;
	ring_update(s, g, net_cap);
	return 0;
}

static void unqueue(struct sched *s, struct sched_item *it)
{
	struct sched_group *g = it->g;

	if (it->prev)
		it->prev->next = it->next;
	else
		g->qhead = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		g->qtail = it->prev;
	it->next = it->prev = NULL;
	it->queued = false;
	g->nqueued--;
	s->queued--;
}

void sched_cancel(struct sched *s, struct sched_item *it)
{
	struct sched_group *g = it->g;

	if (!g || !it->queued)
		return;
	unqueue(s, it);
	if (!g->nqueued)
		ring_del(s, g);
	it->g = NULL;
	group_release(s, g);
}

void sched_done(struct sched *s, struct sched_item *it)
{
	struct sched_group *g = it->g;

	if (!g || it->queued)
		return;
	g->running--;
	s->running--;
	it->g = NULL;
	if (g->nqueued && !g->in_ring)
		ring_add(s, g);		/* it has room again */
	group_release(s, g);
}

struct sched_item *sched_next(struct sched *s, size_t global_cap, size_t net_cap)
{
	while (s->ring && s->running < global_cap) {
		struct sched_group *g = s->ring;
		if (g->running >= net_cap) {	/* net_cap shrank on a reload */
			ring_del(s, g);
			continue;
		}
		struct sched_item *it = g->qhead;
		unqueue(s, it);
		g->running++;
		s->running++;
		/* round robin: the next call serves another network first */
		ring_del(s, g);
		ring_update(s, g, net_cap);
		return it;
	}
	return NULL;
}

size_t sched_running(const struct sched *s) { return s->running; }
size_t sched_queued(const struct sched *s) { return s->queued; }
size_t sched_groups(const struct sched *s) { return s->ngroups; }
