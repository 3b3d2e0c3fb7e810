/* registry: the check table and shared MX judgements. */
#include "checks/registry.h"
#include "engine/config.h"
#include "engine/dname.h"
#include "checks/typo.h"
#include "lib/log.h"
#include "lib/addr_policy.h"

#include <string.h>

const struct check_desc check_registry[] = {
	{ "domain", check_domain },
	{ "mxhost", check_mxhost },
	{ "typo", check_typo },
	{ "authority", check_authority },
	{ "smtp", check_smtp },
	/* dead must come after authority and smtp: it reads their findings */
	{ "dead", check_dead },
	{ NULL, NULL },
};

void checks_run_all(const struct evidence *ev, const struct check_env *env,
		    struct findings *out)
{
	for (const struct check_desc *d = check_registry; d->name; d++)
		d->run(ev, env, out);
}

static void *providers_new(const struct config *cfg)
{
	struct typo_list *l = NULL;
	char why[512];

	if (cfg->mx_providers_file && *cfg->mx_providers_file) {
		l = typo_list_load(cfg->mx_providers_file, why, sizeof why);
		if (!l)
			log_warn("MX_TYPO check off: %s", why);
	}
	return l;
}

static void providers_free(void *state)
{
	typo_list_free(state);
}

static void run_all(const void *state, const struct evidence *ev, const struct config *cfg,
		    struct findings *out)
{
	struct check_env env = { cfg, state };

	checks_run_all(ev, &env, out);
}

const struct detector checks_detector = { providers_new, providers_free, run_all };

bool dns_lookup_failed(const struct dns_lookup *l)
{
	return l->status == DNS_ST_SERVFAIL || l->status == DNS_ST_TIMEOUT ||
	       l->status == DNS_ST_ERROR || l->status == DNS_ST_BOGUS;
}

bool mx_is_bare_label_null(const struct evidence *ev, size_t i)
{
	if (i >= ev->nmx)
		return false;
	const char *t = ev->mx[i].target;

	return !ev->implicit_mx && ev->nmx == 1 && i == 0 && strcmp(t, ".") != 0 &&
	       !strchr(t, '.') && strcmp(t, "localhost") != 0;
}

const struct cidr_list *mx_allowed(const struct config *cfg)
{
	return cfg ? &cfg->mx_allowed_networks : NULL;
}

bool mx_usable(const struct evidence *ev, size_t i, const struct config *cfg)
{
	const struct ev_mx *m = &ev->mx[i];

	if (strcmp(m->target, ".") == 0 || mx_is_bare_label_null(ev, i) ||
	    dname_is_ip_literal(m->target) || !dname_is_hostname(m->target, NULL) ||
	    strcmp(m->target, "localhost") == 0)
		return false;
	if (!m->looked_up)
		return true;
	/* a lookup that failed for now proves nothing: give it the benefit
	 * of the doubt, so a passing fault never turns into a reject */
	if (m->naddrs == 0 && (dns_lookup_failed(&m->a) || dns_lookup_failed(&m->aaaa)))
		return true;
	for (size_t k = 0; k < m->naddrs; k++)
		if (addr_policy_allows(&m->addrs[k].addr, mx_allowed(cfg), NULL))
			return true;
	return false;
}

bool any_mx_usable(const struct evidence *ev, const struct config *cfg)
{
	for (size_t i = 0; i < ev->nmx; i++)
		if (mx_usable(ev, i, cfg))
			return true;
	return false;
}
