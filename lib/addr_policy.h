/* addr_policy: may mxvet send a packet to this address? The one rule for
 * every packet it sends: SMTP probes, its own direct DNS queries and (as a
 * do-not-query list) libunbound's queries.
 *
 * Loopback, private, link-local, shared, documentation, benchmarking,
 * multicast and reserved space, in IPv4 and IPv6, are not contacted unless
 * inside the allowed networks (mx_allowed_networks). An IPv6 address that
 * carries an IPv4 address is judged by that IPv4 address: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d, RFC 2765),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96, RFC 6052), 6to4
 * (2002::/16, RFC 3056) and Teredo (2001::/32, RFC 4380: the client's
 * address and the server's, the worse of the two; the client's is where a
 * relay sends the packet, the server's takes part in setting it up). The
 * local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215) is not globally
 * reachable at all. Pure functions, no allocation. */
#ifndef MXVET_ADDR_POLICY_H
#define MXVET_ADDR_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/netaddr.h"

enum addr_class {
	ADDR_GLOBAL,		/* ordinary, routable (or allowed) */
	ADDR_LOOPBACK,		/* 127/8, ::1, and their IPv6 forms */
	ADDR_BOGON,		/* private, reserved, documentation, multicast ... */
};

/* The class of an address by the special-purpose registries alone; *why
 * (may be NULL) gets a short name of the range, e.g. "private RFC 1918",
 * or NULL for a global address. */
enum addr_class addr_classify(const struct netaddr *a, const char **why);

/* If a is an IPv6 form that carries an IPv4 address, that address in *v4
 * and the form's name in *form (may be NULL); Teredo gives the client's.
 * False for anything else. */
bool addr_embedded_v4(const struct netaddr *a, struct netaddr *v4, const char **form);

/* The class with the allowed networks applied: an address inside them (or
 * whose embedded IPv4 address is) counts as global. allowed may be NULL. */
enum addr_class addr_policy_class(const struct netaddr *a, const struct cidr_list *allowed,
				  const char **why);
/* addr_policy_class() == ADDR_GLOBAL. */
bool addr_policy_allows(const struct netaddr *a, const struct cidr_list *allowed,
			const char **why);

/* Every network the policy refuses, as CIDR blocks, for a resolver's
 * do-not-query list: the non-routable ranges and their embedding forms,
 * minus the allowed networks. Forms that no prefix can describe (Teredo's
 * client address is its last 32 bits, inverted) are refused whole, a
 * superset. emit is called once per block; returns the count. */
typedef void (*addr_policy_emit)(void *arg, const struct cidr *block);
size_t addr_policy_refused(const struct cidr_list *allowed, addr_policy_emit emit, void *arg);

#endif
