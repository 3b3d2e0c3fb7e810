/* typo: the list of well-known mail providers' MX domains and the
 * near-miss test behind MX_TYPO.
 *
 * Registrable domains come from the Public Suffix List (libpsl, the newest
 * of its built-in copy and Debian's publicsuffix file, read when a list is
 * made, so a reload picks up an updated package). A list owns its PSL
 * context; typo_list_free accepts NULL. */
#ifndef MXVET_TYPO_H
#define MXVET_TYPO_H

#include <stdbool.h>
#include <stddef.h>

struct typo_list;

/* The list built into the binaries (data/mx-providers.txt at build time). */
struct typo_list *typo_list_builtin(char *err, size_t errlen);
/* One registered domain per line, '#' comments: replaces the built-in
 * list. NULL with err on failure. */
struct typo_list *typo_list_load(const char *path, char *err, size_t errlen);
struct typo_list *typo_list_from_strings(const char *const *v, size_t n);
void typo_list_free(struct typo_list *l);

/* Levenshtein distance of a and b, or limit+1 once it exceeds limit. */
int typo_distance(const char *a, const char *b, int limit);

struct typo_hit {
	const char *provider;	/* the list's entry, owned by the list */
	int dist;		/* edits: on the label, plus one for a move to
				 * another public suffix */
	char registered[256];	/* the host's registrable domain */
};
/* Is host in a near miss of a provider's domain? An exact match, a host
 * under a provider's domain, and a provider's own name under another
 * public suffix (fastmail.fm beside fastmail.com) are no typo. */
bool typo_find(const struct typo_list *l, const char *host, struct typo_hit *hit);
/* The same, shorter: the provider or NULL; *dist gets the distance. */
const char *typo_match(const struct typo_list *l, const char *host, int *dist);

#endif
