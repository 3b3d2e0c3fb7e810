/* verdict: findings + config -> action and reply. */
#include "engine/verdict.h"
#include "engine/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *verdict_name(enum action a)
{
	static const char *const n[] = { "accept", "annotate", "defer", "reject" };
	return (unsigned)a < 4 ? n[a] : "?";
}

#define ERR_BLIND "the resolver reaches no DNS server: lookups failed and test " \
	"queries (the parent zone, the root) got no answer either (mxvet's own DNS " \
	"path, not the domain)"
#define ERR_INTERNAL "mxvet ran out of memory during the check"
#define ERR_RESOLVER "the resolver library failed (mxvet's own fault)"

static const char *own_fault(const struct evidence *ev, const struct findings *fs)
{
	if (ev->resolver_blind)
		return ERR_BLIND;
	if (ev->internal_error || fs->lost)
		return ERR_INTERNAL;
	if (ev->mx_lookup.status == DNS_ST_ERROR)
		return ERR_RESOLVER;
	return NULL;
}

/* Nothing is judged: no finding acts. */
static void no_verdict(struct findings *fs, struct verdict *v, const char *why)
{
	for (size_t i = 0; i < fs->n; i++)
		fs->v[i].action = ACT_IGNORE;
	v->action = ACT_IGNORE;
	v->decisive = -1;
	v->temporary = true;
	v->error = why;
}

void verdict_decide(const struct evidence *ev, struct findings *fs,
		    const struct config *cfg, struct verdict *v)
{
	const char *why = own_fault(ev, fs);

	memset(v, 0, sizeof *v);
	v->action = ACT_IGNORE;
	v->decisive = -1;
	if (why) {
		no_verdict(fs, v, why);
		return;
	}
	for (size_t i = 0; i < fs->n; i++) {
		struct finding *f = &fs->v[i];
		int o = cfg ? cfg->action_override[f->code] : -1;

		f->action = o >= 0 ? (enum action)o : action_for_class(f->cls);
		if (f->cls == CLASS_TEMPORARY && f->action != ACT_IGNORE)
			v->temporary = true;
		if (f->action > v->action) {
			v->action = f->action;
			v->decisive = (int)i;
		}
	}
	v->ttl = evidence_min_ttl(ev);
	/* a verdict that left hosts unjudged because the prober was blind
	 * is no lasting fact about the domain: judge them again soon */
	if (evidence_smtp_unjudged(ev))
		v->temporary = true;
	if (v->action == ACT_DEFER || v->action == ACT_REJECT) {
		const struct finding *f = &fs->v[v->decisive];
		const struct finding_info *fi = finding_info(f->code);
		const char *code = v->action == ACT_REJECT ? fi->reject_reply : fi->defer_reply;
		char buf[512];

		if (v->action == ACT_DEFER)
			v->temporary = true;
		snprintf(buf, sizeof buf, "%s recipient domain %s %s [%s]", code, ev->domain,
			 fi->phrase, fi->name);
		if (!(v->reply = strdup(buf)))
			no_verdict(fs, v, ERR_INTERNAL);
	}
}

void verdict_clear(struct verdict *v)
{
	if (!v)
		return;
	free(v->reply);
	v->reply = NULL;
}

size_t verdict_header_value(enum action a, const char *domain,
			    const struct findings *fs, char *buf, size_t len)
{
	size_t n;
	int first = 1;

	if (len == 0)
		return 0;
	n = (size_t)snprintf(buf, len, "%s; domain=%s; findings=", verdict_name(a), domain);
	for (size_t i = 0; i < fs->n && n < len; i++) {
		const char *name = finding_info(fs->v[i].code)->name;
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen |= fs->v[k].code == fs->v[i].code && fs->v[k].action != ACT_IGNORE;
		if (fs->v[i].action == ACT_IGNORE || seen)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", first ? "" : ",", name);
		first = 0;
	}
	if (first && n < len)
		n += (size_t)snprintf(buf + n, len - n, "none");
	return n < len ? n : len - 1;
}
