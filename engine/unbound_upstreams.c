/* unbound_upstreams: forward-addr/stub-addr of an unbound.conf (see the header). */
#include "engine/unbound_upstreams.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define UPSTREAMS_MAX 256

/* "127.0.0.1@5353#dns.example" (quoted or not) -> "127.0.0.1" */
static int parse_value(char *v, struct netaddr *a)
{
	char *end;

	while (isspace((unsigned char)*v) || *v == '"' || *v == '\'')
		v++;
	end = v + strcspn(v, "@#\"' \t\r\n");
	*end = '\0';
	return netaddr_parse(v, a);
}

int unbound_upstreams(const char *path, struct cidr_list *out)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int added = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		char *p = line, *v;
		struct netaddr a;
		struct cidr *nv;

		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, "forward-addr:", 13) == 0)
			v = p + 13;
		else if (strncmp(p, "stub-addr:", 10) == 0)
			v = p + 10;
		else
			continue;
		if (parse_value(v, &a) != 0 || out->n >= UPSTREAMS_MAX)
			continue;
		if (!(nv = realloc(out->v, (out->n + 1) * sizeof *nv)))
			break;
		out->v = nv;
		out->v[out->n].net = a;
		out->v[out->n].bits = a.family == AF_INET ? 32 : 128;
		out->n++;
		added++;
	}
	fclose(f);
	return added;
}
