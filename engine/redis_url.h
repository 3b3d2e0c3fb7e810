/* redis_url: the redis_url setting, parsed.
 *   redis://[:PASSWORD@]HOST[:PORT][/DB]    TCP (HOST may be [IPv6]); port 6379
 *   unix:PATH[?password=PASSWORD][&db=DB]   a unix socket
 * Pure; no I/O. */
#ifndef MXVET_REDIS_URL_H
#define MXVET_REDIS_URL_H

#include <stdbool.h>
#include <stddef.h>

#define REDIS_URL_HOST_MAX 256
#define REDIS_URL_PATH_MAX 108		/* sun_path */
#define REDIS_URL_PASS_MAX 256

struct redis_url {
	bool is_unix;
	char host[REDIS_URL_HOST_MAX];	/* without brackets */
	int port;
	char path[REDIS_URL_PATH_MAX];
	char password[REDIS_URL_PASS_MAX];	/* "" : no AUTH */
	int db;				/* SELECT when non-zero */
};

/* 0, or -1 with a reason in err (which never repeats the password). */
int redis_url_parse(const char *s, struct redis_url *u, char *err, size_t errlen);
/* "HOST:PORT/DB" or "unix:PATH" (no password), for log lines. */
const char *redis_url_name(const struct redis_url *u, char *buf, size_t len);

#endif
