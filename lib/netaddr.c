/* netaddr: address parsing and CIDR matching. Which addresses may be
 * contacted is lib/addr_policy.c's business. */
#include "lib/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int netaddr_parse(const char *s, struct netaddr *out)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, s, out->b) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

int netaddr_from_bytes(const void *p, size_t len, struct netaddr *out)
{
	memset(out, 0, sizeof *out);
	if (len == 4)
		out->family = AF_INET;
	else if (len == 16)
		out->family = AF_INET6;
	else
		return -1;
	memcpy(out->b, p, len);
	return 0;
}

const char *netaddr_format(const struct netaddr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->b, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

bool netaddr_equal(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family &&
	       memcmp(a->b, b->b, a->family == AF_INET ? 4 : 16) == 0;
}

bool netaddr_prefix_match(const uint8_t *a, const uint8_t *net, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, net, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

static int cidr_parse_one(const char *tok, struct cidr *c)
{
	char buf[64];
	char *slash, *end;
	long bits;

	if (strlen(tok) >= sizeof buf)
		return -1;
	strcpy(buf, tok);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (netaddr_parse(buf, &c->net) != 0)
		return -1;
	int max = c->net.family == AF_INET ? 32 : 128;
	if (!slash) {
		c->bits = max;
		return 0;
	}
	bits = strtol(slash, &end, 10);
	if (*slash == '\0' || *end != '\0' || bits < 0 || bits > max)
		return -1;
	c->bits = (int)bits;
	return 0;
}

int cidr_list_parse(const char *s, struct cidr_list *out, char *err, size_t errlen)
{
	const char *p = s;

	out->v = NULL;
	out->n = 0;
	while (*p) {
		size_t len;
		char tok[64];

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len == 0)
			break;
		if (len >= sizeof tok) {
			snprintf(err, errlen, "network too long: \"%.40s...\"", p);
			goto fail;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		p += len;
		struct cidr *nv = realloc(out->v, (out->n + 1) * sizeof *nv);
		if (!nv) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		out->v = nv;
		if (cidr_parse_one(tok, &out->v[out->n]) != 0) {
			snprintf(err, errlen, "bad network \"%s\" (want ADDRESS or ADDRESS/BITS)", tok);
			goto fail;
		}
		out->n++;
	}
	return 0;
fail:
	cidr_list_clear(out);
	return -1;
}

bool cidr_list_match(const struct cidr_list *l, const struct netaddr *a)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (l->v[i].net.family == a->family &&
		    netaddr_prefix_match(a->b, l->v[i].net.b, l->v[i].bits))
			return true;
	return false;
}

void cidr_list_clear(struct cidr_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int netaddr_parse_hostport(const char *s, struct netaddr *out, int *port)
{
	char host[NETADDR_STRLEN + 2], *end;
	const char *colon = strrchr(s, ':');
	size_t n;
	long p;

	if (!colon || (n = (size_t)(colon - s)) == 0 || n >= sizeof host)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (host[0] == '[') {
		if (n < 3 || host[n - 1] != ']')
			return -1;
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	} else if (strchr(host, ':')) {
		return -1;	/* IPv6 without brackets: where does the port start? */
	}
	p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || p < 1 || p > 65535 || netaddr_parse(host, out) < 0)
		return -1;
	*port = (int)p;
	return 0;
}

unsigned netaddr_sockaddr(const struct netaddr *a, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, a->b, 4);
		return sizeof *s4;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	memcpy(&s6->sin6_addr, a->b, 16);
	return sizeof *s6;
}

bool netaddr_unmap_v4(struct netaddr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (a->family != AF_INET6 || memcmp(a->b, mapped, sizeof mapped) != 0)
		return false;
	memmove(a->b, a->b + 12, 4);
	memset(a->b + 4, 0, 12);
	a->family = AF_INET;
	return true;
}
