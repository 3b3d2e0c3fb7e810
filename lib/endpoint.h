/* endpoint: the listen addresses of mxvet.conf, parsed without I/O, so
 * the config check and the listeners read them the same way.
 *   ENDPOINT_HOSTPORT  inet:ADDRESS:PORT, inet:[V6]:PORT, unix:/PATH
 *                      (policy_listen, admin_listen)
 *   ENDPOINT_MILTER    inet:PORT@HOST, inet6:PORT@HOST, inet:PORT,
 *                      unix:/PATH, local:/PATH (libmilter's own syntax;
 *                      HOST may be a name, libmilter resolves it)
 * A unix path must be absolute (mxvetd runs in /) and fit sun_path. */
#ifndef MXVET_ENDPOINT_H
#define MXVET_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/netaddr.h"

#define ENDPOINT_PATH_MAX 108	/* sizeof sun_path on Linux */

enum endpoint_style { ENDPOINT_HOSTPORT, ENDPOINT_MILTER };

struct endpoint {
	bool is_unix;
	bool has_addr;		/* inet with a numeric HOST (always for HOSTPORT) */
	struct netaddr addr;
	int port;
	char path[ENDPOINT_PATH_MAX];
};

/* 0 and *out filled, or -1 with a short reason in why ("port 70000 is
 * out of range (1..65535)"). */
int endpoint_parse(const char *spec, enum endpoint_style style, struct endpoint *out,
		   char *why, size_t whylen);

#endif
