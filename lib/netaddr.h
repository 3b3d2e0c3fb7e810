/* netaddr: IPv4/IPv6 addresses and CIDR lists (the address policy built
 * on them is lib/addr_policy.h). Pure functions; no allocation except
 * cidr_list (free with cidr_list_clear). */
#ifndef MXVET_NETADDR_H
#define MXVET_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netaddr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t b[16];		/* network order; IPv4 uses b[0..3] */
};

#define NETADDR_STRLEN 46

/* Parse a textual address; 0 on success, -1 if it is not one. */
int netaddr_parse(const char *s, struct netaddr *out);
/* Build from raw bytes (4 or 16); -1 on any other length. */
int netaddr_from_bytes(const void *p, size_t len, struct netaddr *out);
const char *netaddr_format(const struct netaddr *a, char *buf, size_t len);
bool netaddr_equal(const struct netaddr *a, const struct netaddr *b);
/* "HOST:PORT" or "[V6]:PORT" with HOST an address and PORT 1..65535,
 * nothing after; 0 on success, -1 otherwise. */
int netaddr_parse_hostport(const char *s, struct netaddr *out, int *port);

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket
 * reports an IPv4 peer) becomes the IPv4 address a.b.c.d; true if it was
 * one. Anything else is left as it is. */
bool netaddr_unmap_v4(struct netaddr *a);

struct sockaddr_storage;
/* Fill a sockaddr for a:port; returns its length. */
unsigned netaddr_sockaddr(const struct netaddr *a, int port, struct sockaddr_storage *ss);

struct cidr {
	struct netaddr net;
	int bits;
};

struct cidr_list {
	struct cidr *v;
	size_t n;
};

/* Parse "10.0.0.0/8, 2001:db8::/32 127.0.0.1" (comma or space separated;
 * a bare address is a host route). On error fills err and returns -1. */
int cidr_list_parse(const char *s, struct cidr_list *out, char *err, size_t errlen);
bool cidr_list_match(const struct cidr_list *l, const struct netaddr *a);
/* Do the first bits bits of the address bytes a and net agree? */
bool netaddr_prefix_match(const uint8_t *a, const uint8_t *net, int bits);
void cidr_list_clear(struct cidr_list *l);

#endif
