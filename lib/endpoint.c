/* endpoint: listen address syntax (see endpoint.h). */
#include "lib/endpoint.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, size_t n, int *port, char *why, size_t whylen)
{
	char buf[16], *end;
	long p;

	if (n == 0) {
		snprintf(why, whylen, "no port");
		return -1;
	}
	if (n >= sizeof buf) {
		snprintf(why, whylen, "port \"%.*s\" is out of range (1..65535)", (int)n, s);
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	p = strtol(buf, &end, 10);
	if (*end || !isdigit((unsigned char)buf[0]) || errno) {
		snprintf(why, whylen, "port \"%s\" is not a number", buf);
		return -1;
	}
	if (p < 1 || p > 65535) {
		snprintf(why, whylen, "port %s is out of range (1..65535)", buf);
		return -1;
	}
	*port = (int)p;
	return 0;
}

static int parse_path(const char *p, struct endpoint *out, char *why, size_t whylen)
{
	size_t n = strlen(p);

	if (n == 0) {
		snprintf(why, whylen, "empty socket path");
		return -1;
	}
	if (p[0] != '/') {
		snprintf(why, whylen, "socket path %s is not absolute", p);
		return -1;
	}
	if (n >= sizeof out->path) {
		snprintf(why, whylen, "socket path is longer than %zu bytes", sizeof out->path - 1);
		return -1;
	}
	memcpy(out->path, p, n + 1);
	out->is_unix = true;
	return 0;
}

/* ADDRESS:PORT or [V6]:PORT */
static int parse_hostport(const char *s, struct endpoint *out, char *why, size_t whylen)
{
	char host[NETADDR_STRLEN + 2];
	const char *colon = strrchr(s, ':');
	size_t n;

	if (!colon) {
		snprintf(why, whylen, "want inet:ADDRESS:PORT");
		return -1;
	}
	n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	} else if (memchr(s, ':', n)) {
		snprintf(why, whylen, "write an IPv6 address in brackets: inet:[ADDRESS]:PORT");
		return -1;
	}
	if (n == 0) {
		snprintf(why, whylen, "empty host (want an address such as 127.0.0.1 or [::1])");
		return -1;
	}
	if (n >= sizeof host) {
		snprintf(why, whylen, "host is not an IP address");
		return -1;
	}
	memcpy(host, s, n);
	host[n] = '\0';
	if (netaddr_parse(host, &out->addr) < 0) {
		snprintf(why, whylen, "host %s is not an IP address", host);
		return -1;
	}
	out->has_addr = true;
	return parse_port(colon + 1, strlen(colon + 1), &out->port, why, whylen);
}

/* PORT, PORT@ADDRESS or PORT@NAME */
static int parse_milter_inet(const char *s, struct endpoint *out, char *why, size_t whylen)
{
	const char *at = strchr(s, '@');
	size_t plen = at ? (size_t)(at - s) : strlen(s);

	if (parse_port(s, plen, &out->port, why, whylen) < 0)
		return -1;
	if (!at)
		return 0;	/* every address */
	if (!at[1]) {
		snprintf(why, whylen, "empty host after @");
		return -1;
	}
	if (netaddr_parse(at + 1, &out->addr) == 0) {
		out->has_addr = true;
		return 0;
	}
	for (const char *p = at + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.') {
			snprintf(why, whylen, "host %s is neither an address nor a host name", at + 1);
			return -1;
		}
	return 0;
}

int endpoint_parse(const char *spec, enum endpoint_style style, struct endpoint *out,
		   char *why, size_t whylen)
{
	memset(out, 0, sizeof *out);
	if (!strncmp(spec, "unix:", 5))
		return parse_path(spec + 5, out, why, whylen);
	if (style == ENDPOINT_MILTER && !strncmp(spec, "local:", 6))
		return parse_path(spec + 6, out, why, whylen);
	if (style == ENDPOINT_HOSTPORT && !strncmp(spec, "inet:", 5))
		return parse_hostport(spec + 5, out, why, whylen);
	if (style == ENDPOINT_MILTER && !strncmp(spec, "inet:", 5))
		return parse_milter_inet(spec + 5, out, why, whylen);
	if (style == ENDPOINT_MILTER && !strncmp(spec, "inet6:", 6))
		return parse_milter_inet(spec + 6, out, why, whylen);
	snprintf(why, whylen, "unknown scheme (want %s)",
		 style == ENDPOINT_MILTER ? "inet:PORT@HOST, inet6:PORT@HOST or unix:/PATH"
					  : "inet:ADDRESS:PORT or unix:/PATH");
	return -1;
}
