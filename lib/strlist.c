#include "lib/strlist.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int strlist_add(struct strlist *l, const char *s)
{
	char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
	if (!nv)
		return -1;
	l->v = nv;
	if (!(l->v[l->n] = strdup(s)))
		return -1;
	l->n++;
	return 0;
}

int strlist_split(const char *s, struct strlist *out)
{
	out->v = NULL;
	out->n = 0;
	while (s && *s) {
		s += strspn(s, ", \t\r\n");
		size_t len = strcspn(s, ", \t\r\n");
		if (len == 0)
			break;
		char *item = strndup(s, len);
		if (!item || strlist_add(out, item) != 0) {
			free(item);
			strlist_clear(out);
			return -1;
		}
		free(item);
		s += len;
	}
	return 0;
}

bool strlist_contains(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return true;
	return false;
}

void strlist_clear(struct strlist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
