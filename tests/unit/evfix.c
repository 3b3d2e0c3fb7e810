#include "evfix.h"
#include "checks/registry.h"
#include "checks/typo.h"

#include <stdlib.h>
#include <string.h>

void evfix_init(struct evidence *ev, const char *domain, enum dns_status st)
{
	evidence_init(ev, domain);
	ev->mx_lookup.status = st;
	ev->mx_lookup.ttl = 300;
}

struct ev_mx *evfix_mx(struct evidence *ev, unsigned pref, const char *target,
		       const char *addrs, enum dns_status a, enum dns_status aaaa)
{
	struct ev_mx *m = evidence_add_mx(ev, (uint16_t)pref, target);
	ev->nmx_total++;
	if (!addrs)
		return m;
	m->looked_up = true;
	m->a.status = a;
	m->aaaa.status = aaaa;
	char *dup = strdup(addrs), *save = NULL;
	for (char *t = strtok_r(dup, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		struct netaddr na;
		if (netaddr_parse(t, &na) == 0)
			ev_mx_add_addr(m, &na);
	}
	free(dup);
	return m;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

const char *evfix_codes(struct evidence *ev, const struct config *cfg, struct findings *fs)
{
	static char buf[4096];
	static const char *const prov[] = { "google.com", "outlook.com", "pphosted.com" };
	struct typo_list *tl = typo_list_from_strings(prov, 3);
	struct check_env env = { cfg, tl };
	const char *names[256];
	size_t n = 0;

	checks_run_all(ev, &env, fs);
	typo_list_free(tl);
	for (size_t i = 0; i < fs->n && n < 256; i++) {
		const char *nm = finding_info(fs->v[i].code)->name;
		bool seen = false;
		for (size_t k = 0; k < n; k++)
			seen |= strcmp(names[k], nm) == 0;
		if (!seen)
			names[n++] = nm;
	}
	qsort(names, n, sizeof *names, cmp);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(buf, ",");
		strcat(buf, names[i]);
	}
	return n ? buf : "-";
}

int evfix_class(const struct findings *fs, enum finding_code code)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].code == code)
			return (int)fs->v[i].cls;
	return -1;
}
