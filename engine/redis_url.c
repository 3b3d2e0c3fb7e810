/* redis_url: parse redis_url (see redis_url.h). */
#include "engine/redis_url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_num(const char *s, size_t n, long max, long *out)
{
	char buf[16];
	char *end;

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	*out = strtol(buf, &end, 10);
	return *end || errno || *out > max ? -1 : 0;
}

static int copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* unix:PATH[?password=P][&db=N] */
static int parse_unix(const char *s, struct redis_url *u, char *err, size_t errlen)
{
	const char *q = strchr(s, '?');
	size_t plen = q ? (size_t)(q - s) : strlen(s);
	long n;

	u->is_unix = true;
	if (plen == 0 || s[0] != '/' || copy(u->path, sizeof u->path, s, plen) < 0) {
		snprintf(err, errlen, "unix: wants an absolute socket path shorter than %d bytes",
			 REDIS_URL_PATH_MAX);
		return -1;
	}
	while (q && *q) {
		const char *p = q + 1, *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (!strncmp(p, "password=", 9)) {
			if (copy(u->password, sizeof u->password, p + 9, len - 9) < 0) {
				snprintf(err, errlen, "the password is too long");
				return -1;
			}
		} else if (!strncmp(p, "db=", 3)) {
			if (parse_num(p + 3, len - 3, 65535, &n) < 0) {
				snprintf(err, errlen, "db= wants a database number");
				return -1;
			}
			u->db = (int)n;
		} else {
			snprintf(err, errlen, "unix: knows the parameters password= and db= only");
			return -1;
		}
		q = amp;
	}
	return 0;
}

int redis_url_parse(const char *s, struct redis_url *u, char *err, size_t errlen)
{
	const char *p, *at, *hostend;
	long n;

	memset(u, 0, sizeof *u);
	u->port = 6379;
	if (!strncmp(s, "unix:", 5))
		return parse_unix(s + 5, u, err, errlen);
	if (strncmp(s, "redis://", 8) != 0) {
		snprintf(err, errlen, "wants redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:PATH");
		return -1;
	}
	p = s + 8;
	/* the password may hold '@' or '/': the last '@' before the host ends it */
	at = strrchr(p, '@');
	if (at) {
		if (p[0] != ':' || copy(u->password, sizeof u->password, p + 1,
					(size_t)(at - p - 1)) < 0) {
			snprintf(err, errlen, "the password goes as redis://:PASSWORD@HOST (at most %d bytes)",
				 REDIS_URL_PASS_MAX - 1);
			return -1;
		}
		p = at + 1;
	}
	if (*p == '[') {
		const char *rb = strchr(p, ']');
		if (!rb || rb - p < 2 || copy(u->host, sizeof u->host, p + 1, (size_t)(rb - p - 1)) < 0) {
			snprintf(err, errlen, "bad [IPv6] host");
			return -1;
		}
		hostend = rb + 1;
		if (*hostend && *hostend != ':' && *hostend != '/') {
			snprintf(err, errlen, "bad [IPv6] host");
			return -1;
		}
	} else {
		hostend = p + strcspn(p, ":/");
		if (hostend == p || copy(u->host, sizeof u->host, p, (size_t)(hostend - p)) < 0) {
			snprintf(err, errlen, "no host");
			return -1;
		}
	}
	if (*hostend == ':') {
		const char *pe = hostend + 1 + strcspn(hostend + 1, "/");
		if (parse_num(hostend + 1, (size_t)(pe - hostend - 1), 65535, &n) < 0 || n == 0) {
			snprintf(err, errlen, "bad port");
			return -1;
		}
		u->port = (int)n;
		hostend = pe;
	}
	if (*hostend == '/' && hostend[1]) {
		if (parse_num(hostend + 1, strlen(hostend + 1), 65535, &n) < 0) {
			snprintf(err, errlen, "bad database number");
			return -1;
		}
		u->db = (int)n;
	}
	return 0;
}

const char *redis_url_name(const struct redis_url *u, char *buf, size_t len)
{
	if (u->is_unix)
		snprintf(buf, len, "unix:%s", u->path);
	else
		snprintf(buf, len, "%s%s%s:%d/%d", strchr(u->host, ':') ? "[" : "", u->host,
			 strchr(u->host, ':') ? "]" : "", u->port, u->db);
	return buf;
}
