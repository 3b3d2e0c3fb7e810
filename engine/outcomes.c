/* outcomes: recipients followed to their end and counted under mxvet's
 * verdict for their domain (see outcomes.h). Two fixed-size hash tables
 * (chained, never resized): messages with recipients still waiting, by
 * queue id, in least-recently-seen order; and domains with their verdict. */
#include "engine/outcomes.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/verdict.h"

struct prcpt {			/* a recipient deferred and not yet settled */
	struct prcpt *next;
	char *rcpt, *domain, *reason;
	char dsn[16];
};

struct pmsg {			/* a queued message with such recipients */
	struct pmsg *hnext, *older, *newer;
	struct prcpt *rcpts;
	char qid[MAILLOG_QID_MAX];
};

struct dom {
	struct dom *hnext;
	int verdict;
	uint64_t codes;
	uint64_t miss_reasons;		/* a bit per reason class it missed with */
	bool counted, missed;
	char name[];
};

struct outcomes {
	struct outcomes_limits lim;
	outcomes_lookup_fn lookup;
	void *arg;
	struct pmsg **msgs;
	size_t nmsgs_buckets, npending;
	struct pmsg *oldest, *newest;
	struct dom **doms;
	size_t ndom_buckets, ndoms;
	struct outcomes_counts c;
	struct outcomes_tally verdicts[ACT_REJECT + 1];
	struct outcomes_tally codes[F__COUNT];
	struct outcomes_reason reasons[OUTCOMES_REASONS_MAX];
	size_t nreasons;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 64;

	while (p < n)
		p <<= 1;
	return p;
}

struct outcomes *outcomes_new(const struct outcomes_limits *lim, outcomes_lookup_fn lookup,
			      void *arg)
{
	struct outcomes *o = calloc(1, sizeof *o);

	if (!o)
		return NULL;
	o->lim = *lim;
	if (o->lim.max_pending == 0)
		o->lim.max_pending = 1;
	o->lookup = lookup;
	o->arg = arg;
	o->nmsgs_buckets = pow2_at_least(o->lim.max_pending);
	o->ndom_buckets = pow2_at_least(o->lim.max_domains);
	o->msgs = calloc(o->nmsgs_buckets, sizeof *o->msgs);
	o->doms = calloc(o->ndom_buckets, sizeof *o->doms);
	if (!o->msgs || !o->doms) {
		outcomes_free(o);
		return NULL;
	}
	return o;
}

static void prcpt_free(struct prcpt *p)
{
	free(p->rcpt);
	free(p->domain);
	free(p->reason);
	free(p);
}

void outcomes_free(struct outcomes *o)
{
	if (!o)
		return;
	for (struct pmsg *m = o->oldest, *n; m; m = n) {
		n = m->newer;
		for (struct prcpt *p = m->rcpts, *q; p; p = q) {
			q = p->next;
			prcpt_free(p);
		}
		free(m);
	}
	for (size_t i = 0; o->doms && i < o->ndom_buckets; i++)
		for (struct dom *d = o->doms[i], *n; d; d = n) {
			n = d->hnext;
			free(d);
		}
	free(o->msgs);
	free(o->doms);
	free(o);
}

/* ---- domains and their verdicts ---- */

static void lookup(struct outcomes *o, const char *name, int *verdict, uint64_t *codes)
{
	*verdict = ACT_IGNORE;
	*codes = 0;
	int rc = o->lookup ? o->lookup(o->arg, name, verdict, codes) : 1;
	if (rc != 0) {
		if (rc < 0)
			o->c.lookup_errors++;
		*verdict = ACT_IGNORE;
		*codes = 0;
	}
	if (*verdict < ACT_IGNORE || *verdict > ACT_REJECT)
		*verdict = ACT_IGNORE;
}

/* The domain's entry, or NULL when the table is full (or out of memory):
 * then *scratch is filled instead, and the domain is not remembered. */
static struct dom *dom_get(struct outcomes *o, const char *name, struct dom *scratch)
{
	size_t b = hash(name) & (o->ndom_buckets - 1);
	struct dom *d;

	for (d = o->doms[b]; d; d = d->hnext)
		if (!strcmp(d->name, name))
			return d;
	if (o->ndoms < o->lim.max_domains && (d = calloc(1, sizeof *d + strlen(name) + 1))) {
		strcpy(d->name, name);
		lookup(o, name, &d->verdict, &d->codes);
		d->hnext = o->doms[b];
		o->doms[b] = d;
		o->ndoms++;
		return d;
	}
	o->c.untracked_domains++;
	memset(scratch, 0, sizeof *scratch);
	lookup(o, name, &scratch->verdict, &scratch->codes);
	return NULL;
}

/* ---- counting a settled recipient ---- */

static void tally(struct outcomes_tally *t, enum maillog_status s, bool failed_first, bool new_dom)
{
	t->recipients++;
	t->domains += new_dom;
	t->failed_first += failed_first;
	switch (s) {
	case MLS_SENT: t->sent++; break;
	case MLS_BOUNCED: t->bounced++; break;
	case MLS_EXPIRED: t->expired++; break;
	default: t->deferred++; break;
	}
}

static size_t reason_index(struct outcomes *o, const char *cls, const char *dsn)
{
	size_t i;

	for (i = 0; i < o->nreasons; i++)
		if (!strcmp(o->reasons[i].cls, cls))
			return i;
	if (o->nreasons == OUTCOMES_REASONS_MAX)
		return OUTCOMES_REASONS_MAX - 1;	/* cannot happen with the fixed classes */
	i = o->nreasons++;
	o->reasons[i].cls = cls;
	snprintf(o->reasons[i].dsn, sizeof o->reasons[i].dsn, "%s", dsn);
	return i;
}

static void miss(struct outcomes *o, struct dom *d, int verdict, const char *rcpt,
		 const char *dsn, const char *text)
{
	size_t i = reason_index(o, maillog_reason_class(text), dsn);
	struct outcomes_reason *r = &o->reasons[i];
	/* a domain past the table is not remembered: not counted as distinct */
	bool new_dom = d && !(d->miss_reasons & (1ULL << i));

	o->c.miss_recipients++;
	if (d && !d->missed) {
		d->missed = true;
		o->c.miss_domains++;
	}
	r->recipients++;
	if (d)
		d->miss_reasons |= 1ULL << i;
	r->domains += new_dom;
	if ((new_dom || !d) && r->nexamples < OUTCOMES_EXAMPLES) {
		struct outcomes_miss_example *e = &r->examples[r->nexamples++];
		snprintf(e->rcpt, sizeof e->rcpt, "%s", rcpt);
		snprintf(e->dsn, sizeof e->dsn, "%s", dsn);
		snprintf(e->text, sizeof e->text, "%s", text);
		e->verdict = verdict;
	}
}

static void settle(struct outcomes *o, const char *domain, const char *rcpt,
		   enum maillog_status s, bool failed_first, const char *dsn, const char *text)
{
	struct dom scratch, *d = dom_get(o, domain, &scratch);
	const struct dom *v = d ? d : &scratch;
	bool new_dom = d && !d->counted;

	if (d)
		d->counted = true;
	tally(&o->verdicts[v->verdict], s, failed_first, new_dom);
	for (int c = 0; c < F__COUNT; c++)
		if (v->codes & (1ULL << c))
			tally(&o->codes[c], s, failed_first, new_dom);
	if ((v->verdict == ACT_IGNORE || v->verdict == ACT_ANNOTATE) &&
	    (s == MLS_BOUNCED || s == MLS_EXPIRED))
		miss(o, d, v->verdict, rcpt, dsn, text);
}

/* ---- recipients waiting for their end ---- */

static struct pmsg **msg_slot(struct outcomes *o, const char *qid)
{
	struct pmsg **pp = &o->msgs[hash(qid) & (o->nmsgs_buckets - 1)];

	while (*pp && strcmp((*pp)->qid, qid))
		pp = &(*pp)->hnext;
	return pp;
}

static void lru_unlink(struct outcomes *o, struct pmsg *m)
{
	if (m->older)
		m->older->newer = m->newer;
	else
		o->oldest = m->newer;
	if (m->newer)
		m->newer->older = m->older;
	else
		o->newest = m->older;
	m->older = m->newer = NULL;
}

static void lru_push(struct outcomes *o, struct pmsg *m)
{
	m->older = o->newest;
	m->newer = NULL;
	if (o->newest)
		o->newest->newer = m;
	else
		o->oldest = m;
	o->newest = m;
}

/* Settle every recipient of m as s and free it. */
static void msg_settle(struct outcomes *o, struct pmsg *m, enum maillog_status s, bool evicted)
{
	struct pmsg **pp = msg_slot(o, m->qid);

	*pp = m->hnext;
	lru_unlink(o, m);
	for (struct prcpt *p = m->rcpts, *q; p; p = q) {
		q = p->next;
		settle(o, p->domain, p->rcpt, s, true, p->dsn, p->reason ? p->reason : "");
		o->npending--;
		o->c.evicted += evicted;
		prcpt_free(p);
	}
	free(m);
}

static void deferred(struct outcomes *o, const struct maillog_rec *r)
{
	struct pmsg **pp = msg_slot(o, r->qid), *m = *pp;
	struct prcpt *p = NULL;

	if (m) {
		for (p = m->rcpts; p && strcmp(p->rcpt, r->rcpt); p = p->next)
			;
		lru_unlink(o, m);
		lru_push(o, m);
	}
	if (!p) {
		/* room first: the least recently seen other message is settled */
		while (o->npending >= o->lim.max_pending && o->oldest && o->oldest != m)
			msg_settle(o, o->oldest, MLS_DEFERRED, true);
		if (o->npending >= o->lim.max_pending)
			goto no_room;
		if (!m) {
			if (!(m = calloc(1, sizeof *m)))
				goto no_room;
			snprintf(m->qid, sizeof m->qid, "%s", r->qid);
			m->hnext = *msg_slot(o, r->qid);
			*msg_slot(o, r->qid) = m;
			lru_push(o, m);
		}
		if (!(p = calloc(1, sizeof *p)) || !(p->rcpt = strdup(r->rcpt)) ||
		    !(p->domain = strdup(r->domain))) {
			if (p)
				prcpt_free(p);
			goto no_room;
		}
		p->next = m->rcpts;
		m->rcpts = p;
		o->npending++;
	}
	free(p->reason);
	p->reason = strdup(r->text);	/* the latest reason is the one an expiry reports */
	snprintf(p->dsn, sizeof p->dsn, "%s", r->dsn);
	return;
no_room:
	o->c.evicted++;
	settle(o, r->domain, r->rcpt, MLS_DEFERRED, true, r->dsn, r->text);
}

/* A final status for one recipient: drop it from the waiting ones. */
static void final(struct outcomes *o, const struct maillog_rec *r)
{
	struct pmsg **pp = msg_slot(o, r->qid), *m = *pp;
	struct prcpt **pq, *p = NULL;
	bool waited = false;

	if (m) {
		for (pq = &m->rcpts; *pq && strcmp((*pq)->rcpt, r->rcpt); pq = &(*pq)->next)
			;
		if ((p = *pq)) {
			*pq = p->next;
			prcpt_free(p);
			o->npending--;
			waited = true;
		}
		if (!m->rcpts) {
			*pp = m->hnext;
			lru_unlink(o, m);
			free(m);
		}
	}
	settle(o, r->domain, r->rcpt, r->status, waited || r->status != MLS_SENT, r->dsn, r->text);
}

/* mxvet's reply ends with "[CODE]" or "[CODE,CODE]": count the line under
 * each code it names and under the verdict its reply code means. */
static void at_rcpt(struct outcomes *o, const struct maillog_rec *r)
{
	const char *lb = strrchr(r->text, '['), *rb = lb ? strchr(lb, ']') : NULL;
	int verdict = r->text[0] == '5' ? ACT_REJECT : r->text[0] == '4' ? ACT_DEFER : -1;
	bool reject = r->kind == ML_RCPT_REJECT, any = false;
	char code[64];

	if (!rb || verdict < 0)
		return;
	for (const char *p = lb + 1; p < rb;) {
		const char *e = memchr(p, ',', (size_t)(rb - p));
		size_t n = (size_t)((e ? e : rb) - p);
		if (n < sizeof code) {
			memcpy(code, p, n);
			code[n] = '\0';
			int c = finding_code_by_name(code);
			if (c >= 0) {
				any = true;
				if (reject)
					o->codes[c].rcpt_rejected++;
				else
					o->codes[c].rcpt_warned++;
			}
		}
		p += n + 1;
	}
	if (any) {
		if (reject)
			o->verdicts[verdict].rcpt_rejected++;
		else
			o->verdicts[verdict].rcpt_warned++;
	}
}

void outcomes_add(struct outcomes *o, const struct maillog_rec *r)
{
	o->c.lines++;
	o->c.kinds[r->kind]++;
	if (r->kind == ML_FOREIGN || r->kind == ML_OTHER || r->kind == ML_MALFORMED)
		return;
	if (!r->when)
		o->c.unstamped++;
	else if (o->lim.since && r->when < o->lim.since) {
		o->c.before_since++;
		return;
	}
	switch (r->kind) {
	case ML_DELIVERY:
		o->c.deliveries[r->status]++;
		if (!r->domain[0]) {
			o->c.no_domain++;
			return;
		}
		if (r->status == MLS_DEFERRED)
			deferred(o, r);
		else
			final(o, r);
		break;
	case ML_EXPIRED: {
		struct pmsg *m = *msg_slot(o, r->qid);
		if (m)
			msg_settle(o, m, MLS_EXPIRED, false);
		break;
	}
	case ML_RCPT_REJECT:
	case ML_RCPT_WARN:
		at_rcpt(o, r);
		break;
	default:
		break;
	}
}

void outcomes_finish(struct outcomes *o)
{
	while (o->oldest)
		msg_settle(o, o->oldest, MLS_DEFERRED, false);
}

const struct outcomes_counts *outcomes_counts(const struct outcomes *o)
{
	return &o->c;
}

const struct outcomes_tally *outcomes_by_verdict(const struct outcomes *o, int verdict)
{
	return verdict >= ACT_IGNORE && verdict <= ACT_REJECT ? &o->verdicts[verdict] : NULL;
}

const struct outcomes_tally *outcomes_by_code(const struct outcomes *o, int code)
{
	return code >= 0 && code < F__COUNT ? &o->codes[code] : NULL;
}

double outcomes_reject_precision(const struct outcomes_tally *t)
{
	uint64_t known = t->sent + t->bounced + t->expired;
	return known ? (double)(t->bounced + t->expired) / (double)known : -1;
}

double outcomes_defer_precision(const struct outcomes_tally *t)
{
	return t->recipients ? (double)t->failed_first / (double)t->recipients : -1;
}

const struct outcomes_reason *outcomes_reason(const struct outcomes *o, size_t i)
{
	return i < o->nreasons ? &o->reasons[i] : NULL;
}

/* ---- the report ---- */

static const char *pct(double p, char *buf, size_t len)
{
	if (p < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", p * 100);
	return buf;
}

static void row(FILE *out, const char *name, const struct outcomes_tally *t)
{
	char a[16], b[16];

	fprintf(out, "  %-24s %7llu %6llu %7llu %8llu %7llu %7llu %9s %9s %8llu\n", name,
		(unsigned long long)t->recipients, (unsigned long long)t->domains,
		(unsigned long long)t->sent, (unsigned long long)t->deferred,
		(unsigned long long)t->bounced, (unsigned long long)t->expired,
		pct(outcomes_reject_precision(t), a, sizeof a),
		pct(outcomes_defer_precision(t), b, sizeof b),
		(unsigned long long)(t->rcpt_rejected + t->rcpt_warned));
}

static void header(FILE *out, const char *what)
{
	fprintf(out, "  %-24s %7s %6s %7s %8s %7s %7s %9s %9s %8s\n", what, "rcpts", "doms",
		"sent", "deferred", "bounced", "expired", "rej-prec", "def-prec", "at-rcpt");
}

void outcomes_print(const struct outcomes *o, FILE *out, const char *source)
{
	const struct outcomes_counts *c = &o->c;
	uint64_t rejected = 0, warned = 0;

	for (int v = ACT_IGNORE; v <= ACT_REJECT; v++) {
		rejected += o->verdicts[v].rcpt_rejected;
		warned += o->verdicts[v].rcpt_warned;
	}
	fprintf(out, "mxvet outcomes: %s\n", source);
	fprintf(out, "lines: %llu read; %llu delivery (sent %llu, deferred %llu, bounced %llu), "
		"%llu expired; %llu other Postfix, %llu of other programs, %llu malformed (skipped)\n",
		(unsigned long long)c->lines, (unsigned long long)c->kinds[ML_DELIVERY],
		(unsigned long long)c->deliveries[MLS_SENT],
		(unsigned long long)c->deliveries[MLS_DEFERRED],
		(unsigned long long)c->deliveries[MLS_BOUNCED],
		(unsigned long long)c->kinds[ML_EXPIRED], (unsigned long long)c->kinds[ML_OTHER],
		(unsigned long long)c->kinds[ML_FOREIGN], (unsigned long long)c->kinds[ML_MALFORMED]);
	if (c->before_since || c->unstamped)
		fprintf(out, "time: %llu lines before --since skipped; %llu without a time stamp counted\n",
			(unsigned long long)c->before_since, (unsigned long long)c->unstamped);
	fprintf(out, "at RCPT: %llu recipients refused with an mxvet code (enforce: never queued, "
		"so not followed below), %llu warned (warn mode: followed below)\n",
		(unsigned long long)rejected, (unsigned long long)warned);
	if (c->evicted || c->untracked_domains || c->lookup_errors || c->no_domain)
		fprintf(out, "bounds: %llu recipients settled early as deferred (table full), "
			"%llu recipients of domains past the domain table, %llu lookup errors, "
			"%llu local recipients without a domain\n",
			(unsigned long long)c->evicted, (unsigned long long)c->untracked_domains,
			(unsigned long long)c->lookup_errors, (unsigned long long)c->no_domain);
	fprintf(out, "\nrecipients by mxvet's verdict for their domain (deferred: no final status "
		"in the log)\n");
	header(out, "verdict");
	for (int v = ACT_REJECT; v >= ACT_IGNORE; v--)
		row(out, verdict_name(v), &o->verdicts[v]);
	fprintf(out, "\nrecipients by finding code\n");
	header(out, "code");
	for (int k = 0; k < F__COUNT; k++) {
		const struct outcomes_tally *t = &o->codes[k];
		if (t->recipients || t->rcpt_rejected || t->rcpt_warned)
			row(out, finding_info(k)->name, t);
	}
	fprintf(out, "\nmisses: %llu recipients in %llu domains mxvet accepted failed permanently\n",
		(unsigned long long)c->miss_recipients, (unsigned long long)c->miss_domains);
	for (size_t i = 0; i < o->nreasons; i++) {
		const struct outcomes_reason *r = &o->reasons[i];
		fprintf(out, "  %s (dsn %s): %llu recipients, %llu domains\n", r->cls,
			r->dsn[0] ? r->dsn : "-", (unsigned long long)r->recipients,
			(unsigned long long)r->domains);
		for (size_t e = 0; e < r->nexamples; e++)
			fprintf(out, "    e.g. %s (%s, dsn %s): %s\n", r->examples[e].rcpt,
				verdict_name(r->examples[e].verdict), r->examples[e].dsn,
				r->examples[e].text);
	}
}

static json_t *tally_json(const struct outcomes_tally *t)
{
	double rp = outcomes_reject_precision(t), dp = outcomes_defer_precision(t);

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I}",
			 "recipients", (json_int_t)t->recipients, "domains", (json_int_t)t->domains,
			 "sent", (json_int_t)t->sent, "deferred", (json_int_t)t->deferred,
			 "bounced", (json_int_t)t->bounced, "expired", (json_int_t)t->expired,
			 "failed_first", (json_int_t)t->failed_first,
			 "reject_precision", rp < 0 ? json_null() : json_real(rp),
			 "defer_precision", dp < 0 ? json_null() : json_real(dp),
			 "rcpt_rejected", (json_int_t)t->rcpt_rejected,
			 "rcpt_warned", (json_int_t)t->rcpt_warned);
}

int outcomes_print_json(const struct outcomes *o, FILE *out, const char *source)
{
	const struct outcomes_counts *c = &o->c;
	json_t *lines = json_object(), *verdicts = json_object(), *codes = json_object();
	json_t *reasons = json_array(), *root;

	for (int k = 0; k < ML__KINDS; k++)
		json_object_set_new(lines, maillog_kind_name(k), json_integer((json_int_t)c->kinds[k]));
	json_object_set_new(lines, "read", json_integer((json_int_t)c->lines));
	json_object_set_new(lines, "before_since", json_integer((json_int_t)c->before_since));
	json_object_set_new(lines, "unstamped", json_integer((json_int_t)c->unstamped));
	json_t *st = json_object();	/* delivery lines by status */
	for (int k = MLS_SENT; k <= MLS_EXPIRED; k++)
		json_object_set_new(st, maillog_status_name(k), json_integer((json_int_t)c->deliveries[k]));
	json_object_set_new(lines, "status", st);
	for (int v = ACT_IGNORE; v <= ACT_REJECT; v++)
		json_object_set_new(verdicts, verdict_name(v), tally_json(&o->verdicts[v]));
	for (int k = 0; k < F__COUNT; k++) {
		const struct outcomes_tally *t = &o->codes[k];
		if (t->recipients || t->rcpt_rejected || t->rcpt_warned)
			json_object_set_new(codes, finding_info(k)->name, tally_json(t));
	}
	for (size_t i = 0; i < o->nreasons; i++) {
		const struct outcomes_reason *r = &o->reasons[i];
		json_t *ex = json_array();
		for (size_t e = 0; e < r->nexamples; e++)
			json_array_append_new(ex, json_pack("{s:s, s:s, s:s, s:s}",
				"recipient", r->examples[e].rcpt, "dsn", r->examples[e].dsn,
				"verdict", verdict_name(r->examples[e].verdict),
				"reason", r->examples[e].text));
		json_array_append_new(reasons, json_pack("{s:s, s:s, s:I, s:I, s:o}", "class", r->cls,
			"dsn", r->dsn, "recipients", (json_int_t)r->recipients,
			"domains", (json_int_t)r->domains, "examples", ex));
	}
	root = json_pack("{s:s, s:o, s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:{s:I, s:I, s:o}}",
			 "source", source, "lines", lines,
			 "bounds", "evicted", (json_int_t)c->evicted,
			 "untracked_domains", (json_int_t)c->untracked_domains,
			 "lookup_errors", (json_int_t)c->lookup_errors,
			 "no_domain", (json_int_t)c->no_domain,
			 "deliveries", (json_int_t)c->kinds[ML_DELIVERY],
			 "verdicts", verdicts, "codes", codes,
			 "misses", "recipients", (json_int_t)c->miss_recipients,
			 "domains", (json_int_t)c->miss_domains, "reasons", reasons);
	char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (!s)
		return -1;
	fprintf(out, "%s\n", s);
	free(s);
	return 0;
}
