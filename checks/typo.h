/* typo: the list of well-known mail providers' MX domains and the
 * near-miss test behind MX_TYPO. */
#ifndef MXVET_TYPO_H
#define MXVET_TYPO_H

#include <stddef.h>

struct typo_list;

/* One registered domain per line, '#' comments. NULL with err on failure. */
struct typo_list *typo_list_load(const char *path, char *err, size_t errlen);
struct typo_list *typo_list_from_strings(const char *const *v, size_t n);
void typo_list_free(struct typo_list *l);

/* Levenshtein distance of a and b, or limit+1 once it exceeds limit. */
int typo_distance(const char *a, const char *b, int limit);
/* The provider domain whose near miss host's registered domain is, or NULL
 * (an exact match is no typo). *dist gets the distance. */
const char *typo_match(const struct typo_list *l, const char *host, int *dist);

#endif
