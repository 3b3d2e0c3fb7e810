/* typo: MX_TYPO, an MX host in a domain one or two edits away from a big
 * mail provider's (aspmx.l.gooogle.com). Short names allow fewer edits,
 * or every five-letter domain would look like a typo of another.
 *
 * The typo sits in the label left of the public suffix, so the comparison
 * splits each name there, by the Public Suffix List: mimecastt.co.uk is
 * "mimecastt" under co.uk, one edit from "mimecast" plus one for the move
 * from com to co.uk. A provider's own name under another real suffix
 * (fastmail.fm) is no typo; under a suffix no registry runs (google.con)
 * the suffix itself is the typo. */
#include "checks/typo.h"
#include "checks/registry.h"

#include <ctype.h>
#include <errno.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* checks/mx_providers_builtin.c, generated from data/mx-providers.txt */
extern const char *const typo_builtin_providers[];
extern const size_t typo_builtin_nproviders;

struct provider {
	char *domain;		/* as listed */
	char *label;		/* registrable label ("google") */
	const char *suffix;	/* its public suffix ("com"), inside domain */
};

struct typo_list {
	struct provider *v;
	size_t n;
	psl_ctx_t *psl;		/* NULL when only the built-in one was there */
};

static const psl_ctx_t *psl_of(const struct typo_list *l)
{
	return l->psl ? l->psl : psl_builtin();
}

static struct typo_list *list_new(void)
{
	struct typo_list *l = calloc(1, sizeof *l);

	if (l)
		l->psl = psl_latest(NULL);
	if (l && !psl_of(l)) {
		free(l);
		return NULL;
	}
	return l;
}

/* Lower case, no trailing dot, into buf; false if it does not fit. */
static bool normalize(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= len)
		return false;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[n] = '\0';
	return true;
}

static int add(struct typo_list *l, const char *s)
{
	struct provider *nv, *p;
	char buf[256];
	const char *reg;

	if (!normalize(s, buf, sizeof buf) ||
	    !(reg = psl_registrable_domain(psl_of(l), buf)))
		return 0;	/* a public suffix or junk: nothing to compare */
	if (!(nv = realloc(l->v, (l->n + 1) * sizeof *nv)))
		return -1;
	l->v = nv;
	p = &l->v[l->n];
	if (!(p->domain = strdup(buf)))
		return -1;
	if (!(p->label = strndup(reg, strcspn(reg, ".")))) {
		free(p->domain);
		return -1;
	}
	p->suffix = p->domain + (reg - buf) + strlen(p->label) + (reg[strlen(p->label)] == '.');
	l->n++;
	return 0;
}

struct typo_list *typo_list_from_strings(const char *const *v, size_t n)
{
	struct typo_list *l = list_new();

	for (size_t i = 0; l && i < n; i++)
		if (add(l, v[i]) != 0) {
			typo_list_free(l);
			return NULL;
		}
	return l;
}

struct typo_list *typo_list_builtin(char *err, size_t errlen)
{
	struct typo_list *l = typo_list_from_strings(typo_builtin_providers,
						     typo_builtin_nproviders);
	if (!l)
		snprintf(err, errlen, "no Public Suffix List, or out of memory");
	return l;
}

struct typo_list *typo_list_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[512];
	struct typo_list *l;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!(l = list_new())) {
		fclose(f);
		snprintf(err, errlen, "no Public Suffix List, or out of memory");
		return NULL;
	}
	while (fgets(line, sizeof line, f)) {
		char *p = line + strspn(line, " \t");
		p[strcspn(p, " \t\r\n#")] = '\0';
		if (!*p)
			continue;
		if (add(l, p) != 0) {
			snprintf(err, errlen, "out of memory");
			typo_list_free(l);
			fclose(f);
			return NULL;
		}
	}
	fclose(f);
	return l;
}

void typo_list_free(struct typo_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].domain);
		free(l->v[i].label);
	}
	free(l->v);
	psl_free(l->psl);
	free(l);
}

int typo_distance(const char *a, const char *b, int limit)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[256];

	if (la > 255 || lb > 255)
		return limit + 1;
	if ((la > lb ? la - lb : lb - la) > (size_t)limit)
		return limit + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0], best;
		row[0] = (int)i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int v = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			diag = up;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
	}
	return row[lb] > limit ? limit + 1 : row[lb];
}

/* Edits allowed for a provider: the length of its label decides. */
static int allowed_edits(const struct provider *p)
{
	size_t lab = strlen(p->label);
	return lab >= 6 ? 2 : lab >= 4 ? 1 : 0;
}

/* host equals domain or lies under it */
static bool within(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);
	return h >= d && strcmp(host + h - d, domain) == 0 && (h == d || host[h - d - 1] == '.');
}

bool typo_find(const struct typo_list *l, const char *host, struct typo_hit *hit)
{
	char buf[256], label[64];
	const char *reg, *suffix;
	bool listed;
	size_t ll;

	memset(hit, 0, sizeof *hit);
	if (!l || !normalize(host, buf, sizeof buf))
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (within(buf, l->v[i].domain))
			return false;	/* the real thing */
	if (!(reg = psl_registrable_domain(psl_of(l), buf)))
		return false;		/* a public suffix itself */
	if ((ll = strcspn(reg, ".")) >= sizeof label || !reg[ll])
		return false;
	memcpy(label, reg, ll);
	label[ll] = '\0';
	suffix = reg + ll + 1;
	/* a real suffix, not one the list's catch-all rule makes up */
	listed = psl_is_public_suffix2(psl_of(l), suffix, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
	for (size_t i = 0; i < l->n; i++) {
		const struct provider *p = &l->v[i];
		int lim = allowed_edits(p), d, sd;
		if (lim == 0 || (d = typo_distance(label, p->label, lim)) > lim)
			continue;
		if (strcmp(suffix, p->suffix) == 0)
			sd = 0;
		else if (listed)
			sd = d == 0 ? lim + 1 : 1;	/* d == 0: the provider's own */
		else
			sd = typo_distance(suffix, p->suffix, lim);
		if (d + sd == 0 || d + sd > lim || (hit->provider && d + sd >= hit->dist))
			continue;
		hit->provider = p->domain;
		hit->dist = d + sd;
	}
	if (hit->provider)
		snprintf(hit->registered, sizeof hit->registered, "%s", reg);
	return hit->provider != NULL;
}

const char *typo_match(const struct typo_list *l, const char *host, int *dist)
{
	struct typo_hit h;

	if (!typo_find(l, host, &h))
		return NULL;
	if (dist)
		*dist = h.dist;
	return h.provider;
}

void check_typo(const struct evidence *ev, const struct check_env *env,
		struct findings *out)
{
	char repro[600];

	if (!env->providers || ev->implicit_mx)
		return;
	for (size_t i = 0; i < ev->nmx; i++) {
		const char *t = ev->mx[i].target;
		struct typo_hit h;
		if (strcmp(t, ".") == 0 || !strchr(t, '.'))
			continue;
		if (!typo_find(env->providers, t, &h))
			continue;
		snprintf(repro, sizeof repro, "dig %s MX", ev->domain);
		findings_add(out, F_MX_TYPO, CLASS_RISK, t, NULL, repro,
			     "MX %u %s is in %s, %d edit%s away from the mail provider domain "
			     "%s: probably a typo", ev->mx[i].pref, t, h.registered, h.dist,
			     h.dist == 1 ? "" : "s", h.provider);
	}
}
