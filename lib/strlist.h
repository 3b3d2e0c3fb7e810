/* strlist: a growable array of owned strings, and the list syntax of
 * mxvet.conf (items separated by commas and/or white space). */
#ifndef MXVET_STRLIST_H
#define MXVET_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char **v;
	size_t n;
};

/* Split s into items; returns 0, or -1 on allocation failure. */
int strlist_split(const char *s, struct strlist *out);
int strlist_add(struct strlist *l, const char *s);
bool strlist_contains(const struct strlist *l, const char *s);	/* case-insensitive */
void strlist_clear(struct strlist *l);
/* Lower-case every item, sort and drop duplicates, for
 * strlist_sorted_contains() (a binary search: lists read from files may
 * be long, and the policy service looks them up per request). */
void strlist_sort(struct strlist *l);
bool strlist_sorted_contains(const struct strlist *l, const char *s);	/* case-insensitive */

#endif
