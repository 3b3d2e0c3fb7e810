/* exempt: which skip_* key exempts a request (see .h). */
#include "daemon/exempt.h"
#include "engine/config.h"
#include "lib/netaddr.h"
#include "lib/strlist.h"

#include <string.h>

bool exempt_domain_listed(const struct strlist *l, const char *domain)
{
	for (const char *p = domain; l->n && p && *p; p = strchr(p, '.'), p = p ? p + 1 : NULL)
		if (strlist_sorted_contains(l, p))
			return true;
	return false;
}

static bool client_listed(const struct cidr_list *l, const char *client)
{
	struct netaddr a;

	if (!l->n || !client || !*client || netaddr_parse(client, &a) != 0)
		return false;
	netaddr_unmap_v4(&a);
	return cidr_list_match(l, &a);
}

/* The whole address, or its domain or a parent of the domain. */
static bool sender_listed(const struct strlist *l, const char *sender)
{
	const char *at;

	if (!l->n || !sender || !*sender)
		return false;
	if (strlist_sorted_contains(l, sender))
		return true;
	return (at = strrchr(sender, '@')) && at[1] && exempt_domain_listed(l, at + 1);
}

const char *exempt_match(const struct config *cfg, const char *client, const char *sender,
			 const char *sasl_username, const char *domain)
{
	/* per request on the policy service's hot path: nothing to do, fast */
	if (!cfg->skip_clients.n && !cfg->skip_senders.n && !cfg->skip_domains.n &&
	    !cfg->skip_authenticated)
		return NULL;
	if (client_listed(&cfg->skip_clients, client))
		return "skip_clients";
	if (sender_listed(&cfg->skip_senders, sender))
		return "skip_senders";
	if (domain && exempt_domain_listed(&cfg->skip_domains, domain))
		return "skip_domains";
	if (cfg->skip_authenticated && sasl_username && *sasl_username)
		return "skip_authenticated";
	return NULL;
}
