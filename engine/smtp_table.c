/* smtp_table: the SMTP prober's address table and expiry list (see
 * engine/smtp_table.h). */
#include "engine/smtp_table.h"
#include "engine/config.h"
#include "engine/stage.h"
#include "lib/monotime.h"

#include <event2/bufferevent.h>
#include <stdlib.h>
#include <sys/socket.h>

/* ---- the address table ---- */

static size_t hash_addr(const struct netaddr *a)
{
	size_t h = 2166136261u;
	size_t n = a->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < n; i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h ^ (size_t)a->family;
}

struct entry *ptab_lookup(struct smtp_prober *p, const struct netaddr *a)
{
	for (struct entry *e = p->tab[hash_addr(a) & (p->nbuckets - 1)]; e; e = e->hnext)
		if (netaddr_equal(&e->addr, a))
			return e;
	return NULL;
}

static void grow(struct smtp_prober *p)
{
	size_t nb = p->nbuckets * 2;
	struct entry **nt = calloc(nb, sizeof *nt);

	if (!nt)
		return;		/* longer chains, still correct */
	for (size_t i = 0; i < p->nbuckets; i++)
		for (struct entry *e = p->tab[i], *nx; e; e = nx) {
			nx = e->hnext;
			size_t b = hash_addr(&e->addr) & (nb - 1);
			e->hnext = nt[b];
			nt[b] = e;
		}
	free(p->tab);
	p->tab = nt;
	p->nbuckets = nb;
}

void ptab_entry_free(struct entry *e)
{
	for (struct waiter *w = e->waiters, *nx; w; w = nx) {
		nx = w->next;
		free(w);
	}
	if (e->bev)
		bufferevent_free(e->bev);
	if (e->timer)
		event_free(e->timer);
	free(e->res.banner);
	free(e);
}

/* Is the result still to be reused? smtp_probe_ttl as it is now, so that
 * a reload that shortens it applies to results already cached (the
 * expiry list below only bounds the table). */
bool ptab_fresh(const struct entry *e, long now)
{
	return e->have_result && e->done_ms + engine_config(e->p->eng)->smtp_probe_ttl * 1000L > now;
}

/* ---- expiry: incremental, so that a flood of new addresses costs O(1)
 * per insert, never a walk over the table ---- */

void ptab_xunlink(struct entry *e)
{
	struct smtp_prober *p = e->p;

	if (!e->xlinked)
		return;
	if (e->xprev)
		e->xprev->xnext = e->xnext;
	else
		p->xhead = e->xnext;
	if (e->xnext)
		e->xnext->xprev = e->xprev;
	else
		p->xtail = e->xprev;
	e->xprev = e->xnext = NULL;
	e->xlinked = false;
}

/* At the tail: results come in time order and share one TTL, so the list
 * stays sorted by expiry (a reload that changes the TTL only delays some
 * expiries by at most the old TTL). */
void ptab_xappend(struct entry *e)
{
	struct smtp_prober *p = e->p;

	ptab_xunlink(e);
	e->xprev = p->xtail;
	if (p->xtail)
		p->xtail->xnext = e;
	else
		p->xhead = e;
	p->xtail = e;
	e->xlinked = true;
}

static void hash_remove(struct smtp_prober *p, struct entry *e)
{
	for (struct entry **pe = &p->tab[hash_addr(&e->addr) & (p->nbuckets - 1)]; *pe;
	     pe = &(*pe)->hnext)
		if (*pe == e) {
			*pe = e->hnext;
			return;
		}
}

/* Look at up to max entries at the head of the expiry list: an expired,
 * idle one with nobody waiting is dropped; an expired busy one (probing
 * again, or saying QUIT) goes to the tail. Each insert drops more than it
 * adds, so the table holds about the addresses seen within one TTL. */
void ptab_expire_some(struct smtp_prober *p, int max)
{
	long now = monotime_ms();

	for (int i = 0; i < max && p->xhead && p->xhead->expires_ms <= now; i++) {
		struct entry *e = p->xhead;
		if (e->state != P_IDLE || e->waiters) {
			ptab_xappend(e);
			continue;
		}
		ptab_xunlink(e);
		hash_remove(p, e);
		ptab_entry_free(e);
		p->st.entries--;
		p->st.expired++;
	}
}

struct entry *ptab_insert(struct smtp_prober *p, const struct netaddr *a)
{
	struct entry *e;

	ptab_expire_some(p, SMTP_EXPIRE_PER_INSERT);
	if (p->st.entries >= 2 * p->nbuckets)
		grow(p);
	if (!(e = calloc(1, sizeof *e)))
		return NULL;
	e->p = p;
	e->addr = *a;
	e->wtail = &e->waiters;
	if (!(e->timer = evtimer_new(p->base, smtp_probe_on_timer, e))) {
		free(e);
		return NULL;
	}
	size_t b = hash_addr(a) & (p->nbuckets - 1);
	e->hnext = p->tab[b];
	p->tab[b] = e;
	p->st.entries++;
	return e;
}
