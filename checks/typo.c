/* typo: MX_TYPO, an MX host in a domain one or two edits away from a big
 * mail provider's (aspmx.l.gooogle.com). Short names allow fewer edits,
 * or every five-letter domain would look like a typo of another. */
#include "checks/typo.h"
#include "engine/dname.h"
#include "checks/registry.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct typo_list {
	struct strlist_s { char **v; size_t n; } d;
};

static int add(struct typo_list *l, const char *s)
{
	char **nv = realloc(l->d.v, (l->d.n + 1) * sizeof *nv);
	if (!nv)
		return -1;
	l->d.v = nv;
	if (!(l->d.v[l->d.n] = strdup(s)))
		return -1;
	l->d.n++;
	return 0;
}

struct typo_list *typo_list_from_strings(const char *const *v, size_t n)
{
	struct typo_list *l = calloc(1, sizeof *l);

	for (size_t i = 0; l && i < n; i++)
		if (add(l, v[i]) != 0) {
			typo_list_free(l);
			return NULL;
		}
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
	if (!(l = calloc(1, sizeof *l))) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while (fgets(line, sizeof line, f)) {
		char *p = line + strspn(line, " \t");
		p[strcspn(p, " \t\r\n#")] = '\0';
		if (!*p)
			continue;
		for (char *q = p; *q; q++)
			*q = (char)tolower((unsigned char)*q);
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
	for (size_t i = 0; i < l->d.n; i++)
		free(l->d.v[i]);
	free(l->d.v);
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

/* Edits allowed for a provider domain: its first label decides. */
static int allowed_edits(const char *provider)
{
	size_t lab = strcspn(provider, ".");
	return lab >= 6 ? 2 : lab >= 4 ? 1 : 0;
}

const char *typo_match(const struct typo_list *l, const char *host, int *dist)
{
	const char *reg = dname_registered(host);

	if (!l)
		return NULL;
	for (size_t i = 0; i < l->d.n; i++)
		if (strcmp(reg, l->d.v[i]) == 0)
			return NULL;	/* the real thing */
	for (size_t i = 0; i < l->d.n; i++) {
		int lim = allowed_edits(l->d.v[i]);
		if (lim == 0)
			continue;
		int d = typo_distance(reg, l->d.v[i], lim);
		if (d > 0 && d <= lim) {
			if (dist)
				*dist = d;
			return l->d.v[i];
		}
	}
	return NULL;
}

void check_typo(const struct evidence *ev, const struct check_env *env,
		struct findings *out)
{
	char repro[600];

	if (!env->providers || ev->implicit_mx)
		return;
	for (size_t i = 0; i < ev->nmx; i++) {
		const char *t = ev->mx[i].target;
		int d = 0;
		if (strcmp(t, ".") == 0 || !strchr(t, '.'))
			continue;
		const char *p = typo_match(env->providers, t, &d);
		if (!p)
			continue;
		snprintf(repro, sizeof repro, "dig %s MX", ev->domain);
		findings_add(out, F_MX_TYPO, CLASS_RISK, t, NULL, repro,
			     "MX %u %s is in %s, %d edit%s away from the mail provider domain "
			     "%s: probably a typo", ev->mx[i].pref, t, dname_registered(t), d,
			     d == 1 ? "" : "s", p);
	}
}
